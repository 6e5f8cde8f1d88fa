/* job_build.c: the job file turned into the libstmprog job every board
 * runs, checked against the slot's part, and the SHA-256 of what every
 * board gets (line_config.h). */
#include "config.h"

#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/image.h"
#include "stmprog/option_bytes.h"
#include "line_config.h"

#define DEFAULT_FLASH_BASE 0x08000000u

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* "FILE:LINE: " or "FILE: " then the message; returns -1. */
static int fail(char *err, size_t errlen, const line_job_cfg *cfg,
                unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const line_job_cfg *cfg,
                unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -1;
	n = line ? snprintf(err, errlen, "%s:%u: ", cfg->path, line)
	         : snprintf(err, errlen, "%s: ", cfg->path);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Loads every image as stp_job_add_file will (a raw binary at its
 * address, else at the flash base), hashes its segments in the image's
 * order (by DfuSe alternate setting, then address; one setting for every
 * format but .dfu): per segment the 4-byte little-endian address, the
 * 4-byte little-endian length, the bytes; and checks the serial's bytes
 * touch none of them. */
static int hash_and_check_serial(const line_job_cfg *cfg, stp_ctx *ctx,
                                 const stp_chip *chip, uint8_t sha256[32],
                                 char *err, size_t errlen)
{
	uint32_t base = chip ? chip->flash_base : DEFAULT_FLASH_BASE;
	uint64_t s_lo = cfg->serial.address;
	uint64_t s_hi = s_lo + line_serial_size(&cfg->serial);
	struct sha256_ctx sha;
	uint8_t head[8];

	sha256_init(&sha);
	for (size_t i = 0; i < cfg->nimages; i++) {
		const line_image_cfg *ic = &cfg->images[i];
		stp_image *img = NULL;

		if (stp_image_load(ctx, ic->path, STP_FMT_AUTO,
		                   ic->has_addr ? ic->addr : base, &img) != STP_OK)
			return fail(err, errlen, cfg, ic->line,
			            "images[%zu].file: %s", i + 1,
			            stp_last_detail(ctx));
		for (size_t k = 0; k < stp_image_segment_count(img); k++) {
			const stp_segment *seg = stp_image_segment(img, k);
			uint64_t lo = seg->addr, hi = lo + seg->len;

			if (cfg->has_serial && s_lo < hi && lo < s_hi) {
				stp_image_free(img);
				return fail(err, errlen, cfg, cfg->serial_line,
				            "serial.address: the serial's bytes "
				            "0x%08llX..0x%08llX overlap "
				            "images[%zu] ('%s' has data at "
				            "0x%08llX..0x%08llX); put the serial "
				            "where no image has data",
				            (unsigned long long)s_lo,
				            (unsigned long long)s_hi - 1, i + 1,
				            ic->path, (unsigned long long)lo,
				            (unsigned long long)hi - 1);
			}
			le32(head, seg->addr);
			le32(head + 4, seg->len);
			sha256_update(&sha, sizeof(head), head);
			sha256_update(&sha, seg->len, seg->data);
		}
		stp_image_free(img);
	}
	sha256_digest(&sha, SHA256_DIGEST_SIZE, sha256);
	return 0;
}

static int check_serial_in_flash(const line_job_cfg *cfg, stp_ctx *ctx,
                                 const stp_chip *chip, char *err,
                                 size_t errlen)
{
	uint64_t lo = cfg->serial.address;
	uint64_t hi = lo + line_serial_size(&cfg->serial);
	uint64_t f_lo = chip->flash_base, f_hi = f_lo + chip->flash_size;

	(void)ctx;
	if (lo < f_lo || hi > f_hi)
		return fail(err, errlen, cfg, cfg->serial_line,
		            "serial.address: the serial's bytes "
		            "0x%08llX..0x%08llX are not in the flash of the "
		            "slot's %s (0x%08llX..0x%08llX); put it in flash",
		            (unsigned long long)lo, (unsigned long long)hi - 1,
		            chip->name, (unsigned long long)f_lo,
		            (unsigned long long)f_hi - 1);
	return 0;
}

/* With the slot's part known, each option-byte setting must name a
 * field it has (when stmprog knows the family's fields); the values and
 * the guard are checked against what the board holds, when it runs. */
static int check_option_names(const line_job_cfg *cfg, const stp_chip *chip,
                              char *err, size_t errlen)
{
	size_t nfields = 0;

	stp_ob_fields(chip, &nfields);
	if (!nfields)
		return 0;
	for (size_t i = 0; i < cfg->noption_bytes; i++) {
		const char *a = cfg->option_bytes[i];
		size_t keylen = strcspn(a, "=");
		char key[64];

		snprintf(key, sizeof(key), "%.*s", (int)keylen, a);
		if (!stp_ob_find(chip, key))
			return fail(err, errlen, cfg, cfg->option_bytes_line,
			            "option_bytes[%zu]: '%s' is no option-byte "
			            "field of the slot's %s; stmprog -ob displ "
			            "lists them", i + 1, key, chip->name);
	}
	return 0;
}

/* The line of the first image a core sentence names, 0 if none. */
static unsigned image_line(const line_job_cfg *cfg, const char *detail,
                           size_t *index)
{
	for (size_t i = 0; i < cfg->nimages; i++)
		if (strstr(detail, cfg->images[i].path)) {
			*index = i;
			return cfg->images[i].line;
		}
	return 0;
}

int line_job_build(const line_job_cfg *cfg, stp_ctx *ctx, const stp_chip *chip,
                   stp_job **jobp, uint8_t sha256[32], char *err, size_t errlen)
{
	const char *part = chip ? chip->name : NULL;
	stp_job *job;

	*jobp = NULL;
	job = stp_job_new();
	if (!job)
		return fail(err, errlen, cfg, 0, "out of memory");
	if (chip && stp_job_set_chip(job, ctx, chip) != STP_OK) {
		fail(err, errlen, cfg, 0, "the slot's %s: %s", part,
		     stp_last_detail(ctx));
		goto bad;
	}
	for (size_t i = 0; i < cfg->nimages; i++) {
		const line_image_cfg *ic = &cfg->images[i];

		if (stp_job_add_file(job, ctx, ic->path, STP_FMT_AUTO,
		                     ic->has_addr, ic->addr) != STP_OK) {
			fail(err, errlen, cfg, ic->line, "images[%zu]: %s%s%s",
			     i + 1, stp_last_detail(ctx),
			     part ? " (the slot's part: " : "",
			     part ? part : "");
			if (part && strlen(err) + 2 < errlen)
				strcat(err, ")");
			goto bad;
		}
	}
	if (chip && check_option_names(cfg, chip, err, errlen))
		goto bad;
	if (cfg->noption_bytes &&
	    stp_job_add_option_bytes(job, ctx,
	                             (const char *const *)cfg->option_bytes,
	                             cfg->noption_bytes) != STP_OK) {
		fail(err, errlen, cfg, cfg->option_bytes_line,
		     "option_bytes: %s", stp_last_detail(ctx));
		goto bad;
	}
	if (stp_job_add_verified(job, ctx) != STP_OK) {
		fail(err, errlen, cfg, 0, "verify: %s", stp_last_detail(ctx));
		goto bad;
	}
	if (stp_job_set_end(job, ctx, cfg->end == LINE_END_GO ?
	                    STP_JOB_END_GO : STP_JOB_END_STAY,
	                    cfg->has_go_addr, cfg->go_addr) != STP_OK) {
		fail(err, errlen, cfg, cfg->end_line, "end: %s",
		     stp_last_detail(ctx));
		goto bad;
	}
	stp_ctx_confirm(ctx, cfg->confirm);
	if (stp_job_validate(job, ctx) != STP_OK) {
		const char *detail = stp_last_detail(ctx);
		size_t i = 0;
		unsigned line = image_line(cfg, detail, &i);
		char key[32] = "";

		if (line)
			snprintf(key, sizeof(key), "images[%zu]: ", i + 1);
		/* The core's sentence names the part when it is at fault. */
		if (part && !strstr(detail, part))
			fail(err, errlen, cfg, line, "%s%s (the slot's part: %s)",
			     key, detail, part);
		else
			fail(err, errlen, cfg, line, "%s%s", key, detail);
		goto bad;
	}
	if (cfg->has_serial && chip &&
	    check_serial_in_flash(cfg, ctx, chip, err, errlen))
		goto bad;
	if (hash_and_check_serial(cfg, ctx, chip, sha256, err, errlen))
		goto bad;
	*jobp = job;
	return 0;
bad:
	stp_job_free(job);
	return -1;
}

/* libstmprog: building a job and validating it without a device
 * (stmprog/job.h).  Files are read when they are added, so a bad file
 * fails naming itself before anything connects; stp_job_validate checks
 * the order of the steps and, when the chip is named, every address
 * against its memory map, then freezes the job so runs may share it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "job_internal.h"

#define DEFAULT_FLASH_BASE 0x08000000u

stp_job *stp_job_new(void)
{
	return calloc(1, sizeof(stp_job));
}

void stp_job_free(stp_job *job)
{
	if (!job)
		return;
	for (size_t i = 0; i < job->nsteps; i++) {
		job_step *s = &job->steps[i];
		free(s->name);
		stp_image_free(s->img);
		free(s->units.list);
		for (size_t w = 0; w < s->nwords; w++)
			free(s->words[w]);
		free(s->words);
	}
	free(job->steps);
	free(job);
}

const char *job_step_option(job_step_kind kind)
{
	switch (kind) {
	case JOB_IMAGE: return "-d";
	case JOB_PATCH: return "a patch";
	case JOB_ERASE: return "-e";
	case JOB_OB_WRITE: return "-ob";
	case JOB_OB_READ: return "-ob displ";
	case JOB_RDP: return "--readout-protect";
	case JOB_RDU: return "-rdu";
	case JOB_WP: return "--write-protect";
	case JOB_WUP: return "--write-unprotect";
	case JOB_READ: return "-u";
	case JOB_VERIFIED: return "-v";
	case JOB_CHECKSUM: return "-checksum";
	}
	return "this step";
}

bool job_step_changes_device(job_step_kind kind)
{
	return kind == JOB_ERASE || kind == JOB_OB_WRITE || kind == JOB_RDU ||
	       kind == JOB_WP || kind == JOB_WUP || kind == JOB_RDP;
}

bool job_step_in_plan(job_step_kind kind)
{
	return kind == JOB_IMAGE || kind == JOB_PATCH;
}

const char *job_patch_name(const char *name)
{
	return name && *name ? name : "a patch";
}

/* A new step at the end, or NULL with a failure when the job is frozen
 * or memory ran out. */
static job_step *new_step(stp_job *job, stp_ctx *ctx, job_step_kind kind)
{
	if (!job) {
		stp_fail(ctx, STP_ERR_ARG, "create it with stp_job_new", "no job");
		return NULL;
	}
	if (job->validated) {
		stp_fail(ctx, STP_ERR_ARG,
		         "build a new job to change what it does",
		         "the job was validated and is frozen: %s cannot be "
		         "added to it", job_step_option(kind));
		return NULL;
	}
	if (job->nsteps == job->cap) {
		size_t cap = job->cap ? job->cap * 2 : 8;
		job_step *steps = realloc(job->steps, cap * sizeof(*steps));
		if (!steps) {
			stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
			return NULL;
		}
		job->steps = steps;
		job->cap = cap;
	}
	memset(&job->steps[job->nsteps], 0, sizeof(job_step));
	job->steps[job->nsteps].kind = kind;
	return &job->steps[job->nsteps];
}

/* The step new_step made becomes part of the job. */
static stp_status keep_step(stp_job *job)
{
	job->nsteps++;
	return STP_OK;
}

static stp_status copy_name(stp_ctx *ctx, job_step *s, const char *name)
{
	if (!name)
		return STP_OK;
	s->name = strdup(name);
	return s->name ? STP_OK : stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
}

stp_status stp_job_set_chip(stp_job *job, stp_ctx *ctx, const stp_chip *chip)
{
	if (!job || job->validated)
		return stp_fail(ctx, STP_ERR_ARG, "build a new job to change it",
		                "the job was validated and is frozen: its chip "
		                "cannot change");
	job->chip = chip;
	return STP_OK;
}

stp_status stp_job_add_file(stp_job *job, stp_ctx *ctx, const char *path,
                            stp_image_format fmt, bool has_addr,
                            uint32_t addr)
{
	job_step *s = new_step(job, ctx, JOB_IMAGE);
	uint32_t base = has_addr ? addr
	                : job && job->chip ? job->chip->flash_base
	                                   : DEFAULT_FLASH_BASE;
	stp_image_format by_name;
	stp_status st;

	if (!s)
		return stp_last_status(ctx);
	if (!path)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "no file name given");
	if ((st = stp_image_load(ctx, path, fmt, base, &s->img)))
		return st;
	if ((st = copy_name(ctx, s, path))) {
		stp_image_free(s->img);
		return st;
	}
	by_name = stp_image_format_from_path(path);
	if (has_addr && fmt != STP_FMT_BIN && by_name != STP_FMT_BIN &&
	    by_name != STP_FMT_AUTO)
		stp_log(ctx, STP_LOG_WARN,
		        "%s carries its own addresses; the address 0x%08X given "
		        "after it is ignored",
		        path, addr);
	return keep_step(job);
}

/* A copy of img that the job owns. */
static stp_status copy_image(stp_ctx *ctx, const stp_image *img,
                             const char *name, stp_image **out)
{
	stp_image_input in = {img, name};

	return stp_images_merge(ctx, &in, 1, out);
}

stp_status stp_job_add_image(stp_job *job, stp_ctx *ctx,
                             const stp_image *img, const char *name)
{
	job_step *s = new_step(job, ctx, JOB_IMAGE);
	stp_status st;

	if (!s)
		return stp_last_status(ctx);
	if (!img)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "no image given");
	if ((st = copy_name(ctx, s, name ? name : "an image")))
		return st;
	if ((st = copy_image(ctx, img, s->name, &s->img))) {
		free(s->name);
		return st;
	}
	return keep_step(job);
}

stp_status job_patch_image(stp_ctx *ctx, const stp_job_patch *p,
                           stp_image **out)
{
	stp_image *img;
	stp_status st;

	*out = NULL;
	if (!p || !p->data || !p->len)
		return stp_fail(ctx, STP_ERR_ARG, "give the patch's bytes",
		                "%s has no data", job_patch_name(p ? p->name : NULL));
	if ((uint64_t)p->addr + p->len > 0x100000000ull)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "%s at 0x%08X (%zu bytes) runs past the end of the "
		                "address space", job_patch_name(p->name), p->addr,
		                p->len);
	if (!(img = stp_image_new()))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if ((st = stp_image_add(ctx, img, 0, p->addr, p->data, p->len,
	                        job_patch_name(p->name)))) {
		stp_image_free(img);
		return st;
	}
	*out = img;
	return STP_OK;
}

stp_status stp_job_add_patch(stp_job *job, stp_ctx *ctx,
                             const stp_job_patch *patch)
{
	job_step *s = new_step(job, ctx, JOB_PATCH);
	stp_status st;

	if (!s)
		return stp_last_status(ctx);
	if ((st = job_patch_image(ctx, patch, &s->img)))
		return st;
	if ((st = copy_name(ctx, s, job_patch_name(patch->name)))) {
		stp_image_free(s->img);
		return st;
	}
	return keep_step(job);
}

static stp_status set_list(stp_ctx *ctx, job_step *s, const unsigned *units,
                           size_t n)
{
	if (!n)
		return stp_fail(ctx, STP_ERR_ARG, "name at least one sector",
		                "%s needs sector numbers", job_step_option(s->kind));
	if (!units)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "%s: no sector list given",
		                job_step_option(s->kind));
	s->units.list = malloc(n * sizeof(*units));
	if (!s->units.list)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	memcpy(s->units.list, units, n * sizeof(*units));
	s->units.n = n;
	return STP_OK;
}

static stp_status set_range(stp_ctx *ctx, job_step *s, unsigned first,
                            unsigned last)
{
	if (first > last)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "%s [%u %u]: the range is backwards",
		                job_step_option(s->kind), first, last);
	s->units.range = true;
	s->units.first = first;
	s->units.last = last;
	return STP_OK;
}

stp_status stp_job_add_erase(stp_job *job, stp_ctx *ctx, bool all,
                             const unsigned *units, size_t nunits)
{
	job_step *s = new_step(job, ctx, JOB_ERASE);
	stp_status st;

	if (!s)
		return stp_last_status(ctx);
	s->units.all = all;
	if (!all && (st = set_list(ctx, s, units, nunits)))
		return st;
	return keep_step(job);
}

/* An erase or write-protect step over units first..last. */
static stp_status add_range(stp_job *job, stp_ctx *ctx, job_step_kind kind,
                            unsigned first, unsigned last)
{
	job_step *s = new_step(job, ctx, kind);
	stp_status st;

	if (!s)
		return stp_last_status(ctx);
	if ((st = set_range(ctx, s, first, last)))
		return st;
	return keep_step(job);
}

stp_status stp_job_add_erase_range(stp_job *job, stp_ctx *ctx,
                                   unsigned first, unsigned last)
{
	return add_range(job, ctx, JOB_ERASE, first, last);
}

stp_status stp_job_add_option_bytes(stp_job *job, stp_ctx *ctx,
                                    const char *const *assignments,
                                    size_t n)
{
	job_step *s = new_step(job, ctx, JOB_OB_WRITE);

	if (!s)
		return stp_last_status(ctx);
	if (!n || !assignments)
		return stp_fail(ctx, STP_ERR_ARG, "write -ob KEY=VALUE",
		                "-ob needs at least one assignment");
	s->words = calloc(n, sizeof(*s->words));
	if (!s->words)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!assignments[i] || !(s->words[i] = strdup(assignments[i]))) {
			for (size_t k = 0; k < i; k++)
				free(s->words[k]);
			free(s->words);
			s->words = NULL;
			return assignments[i]
			       ? stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory")
			       : stp_fail(ctx, STP_ERR_ARG, NULL,
			                  "-ob: assignment %zu is missing", i + 1);
		}
	}
	s->nwords = n;
	return keep_step(job);
}

stp_status stp_job_add_option_bytes_read(stp_job *job, stp_ctx *ctx,
                                         stp_job_read_fn fn, void *user)
{
	job_step *s = new_step(job, ctx, JOB_OB_READ);

	if (!s)
		return stp_last_status(ctx);
	if (!fn)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "-ob displ: no function to hand the bytes to");
	s->fn = fn;
	s->user = user;
	return keep_step(job);
}

static stp_status add_plain(stp_job *job, stp_ctx *ctx, job_step_kind kind)
{
	return new_step(job, ctx, kind) ? keep_step(job) : stp_last_status(ctx);
}

stp_status stp_job_add_readout_protect(stp_job *job, stp_ctx *ctx)
{
	return add_plain(job, ctx, JOB_RDP);
}

stp_status stp_job_add_readout_unprotect(stp_job *job, stp_ctx *ctx)
{
	return add_plain(job, ctx, JOB_RDU);
}

stp_status stp_job_add_verified(stp_job *job, stp_ctx *ctx)
{
	bool writes = false;

	for (size_t i = 0; job && i < job->nsteps; i++)
		writes |= job_step_in_plan(job->steps[i].kind) ||
		          job->steps[i].kind == JOB_OB_WRITE;
	if (job && !writes)
		return stp_fail(ctx, STP_ERR_ARG,
		                "add an image, a patch or option bytes before it "
		                "(every write is verified)",
		                "a verified step needs a write before it, and none "
		                "came");
	return add_plain(job, ctx, JOB_VERIFIED);
}

stp_status stp_job_add_write_unprotect(stp_job *job, stp_ctx *ctx)
{
	return add_plain(job, ctx, JOB_WUP);
}

stp_status stp_job_add_write_protect(stp_job *job, stp_ctx *ctx,
                                     const unsigned *units, size_t nunits)
{
	job_step *s = new_step(job, ctx, JOB_WP);
	stp_status st;

	if (!s)
		return stp_last_status(ctx);
	if ((st = set_list(ctx, s, units, nunits)))
		return st;
	return keep_step(job);
}

stp_status stp_job_add_write_protect_range(stp_job *job, stp_ctx *ctx,
                                           unsigned first, unsigned last)
{
	return add_range(job, ctx, JOB_WP, first, last);
}

stp_status stp_job_add_write_protect_all(stp_job *job, stp_ctx *ctx)
{
	job_step *s = new_step(job, ctx, JOB_WP);

	if (!s)
		return stp_last_status(ctx);
	s->units.all = true;
	return keep_step(job);
}

stp_status stp_job_add_read(stp_job *job, stp_ctx *ctx, uint32_t addr,
                            size_t len, stp_job_read_fn fn, void *user)
{
	job_step *s = new_step(job, ctx, JOB_READ);

	if (!s)
		return stp_last_status(ctx);
	if (!fn)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "-u: no function to hand the bytes to");
	if (!len || (uint64_t)addr + len > 0x100000000ull)
		return stp_fail(ctx, STP_ERR_ARG, "read at least one byte, below 4 GiB",
		                "-u 0x%08X 0x%zX: not a range of the address space",
		                addr, len);
	s->addr = addr;
	s->len = len;
	s->fn = fn;
	s->user = user;
	return keep_step(job);
}

stp_status stp_job_set_end(stp_job *job, stp_ctx *ctx, stp_job_end end,
                           bool has_addr, uint32_t addr)
{
	if (!job || job->validated)
		return stp_fail(ctx, STP_ERR_ARG, "build a new job to change it",
		                "the job was validated and is frozen: its end "
		                "cannot change");
	if (end != STP_JOB_END_STAY && end != STP_JOB_END_GO &&
	    end != STP_JOB_END_RESET && end != STP_JOB_END_HARD_RESET)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "unknown job end %d", (int)end);
	job->end = end;
	job->end_has_addr = end == STP_JOB_END_GO && has_addr;
	job->end_addr = job->end_has_addr ? addr : 0;
	return STP_OK;
}

/* The device computes its CRC over whole 32-bit words from a word
 * address (AN3155 GET CHECKSUM takes nothing else), and the CRC of a read
 * must be the same number, so a region that is not whole words is
 * refused rather than padded: padding would make the result the CRC of
 * bytes the user did not name. */
stp_status stp_job_add_checksum(stp_job *job, stp_ctx *ctx, uint32_t addr,
                                uint32_t len, stp_job_checksum_fn fn,
                                void *user)
{
	job_step *s = new_step(job, ctx, JOB_CHECKSUM);

	if (!s)
		return stp_last_status(ctx);
	if (!fn)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "-checksum: no function to hand the CRC to");
	if (!len || (uint64_t)addr + len > 0x100000000ull)
		return stp_fail(ctx, STP_ERR_ARG,
		                "give at least 4 bytes, below 4 GiB",
		                "-checksum 0x%08X 0x%X: not a range of the address "
		                "space", addr, len);
	if (addr % 4 || len % 4) {
		stp_fail(ctx, STP_ERR_ARG, NULL,
		         "-checksum 0x%08X 0x%X: the CRC is computed over whole "
		         "32-bit words, so the address and the size must be "
		         "multiples of 4", addr, len);
		stp_set_hint(ctx, "use -checksum 0x%08X 0x%X (the whole words "
		             "holding that range)", addr & ~3u,
		             (uint32_t)((((uint64_t)addr + len + 3) & ~3ull) -
		                        (addr & ~3u)));
		return STP_ERR_ARG;
	}
	s->addr = addr;
	s->len = len;
	s->crc_fn = fn;
	s->user = user;
	return keep_step(job);
}

stp_status stp_job_set_skip_erase(stp_job *job, stp_ctx *ctx, bool skip)
{
	if (!job || job->validated)
		return stp_fail(ctx, STP_ERR_ARG, "build a new job to change it",
		                "the job was validated and is frozen: --skipErase "
		                "cannot change");
	job->skip_erase = skip;
	return STP_OK;
}

stp_status stp_job_set_flash_size(stp_job *job, stp_ctx *ctx, uint32_t bytes)
{
	if (!job || job->validated)
		return stp_fail(ctx, STP_ERR_ARG, "build a new job to change it",
		                "the job was validated and is frozen: --flash-size "
		                "cannot change");
	if (bytes % 1024)
		return stp_fail(ctx, STP_ERR_ARG, "give the size in KiB",
		                "--flash-size: %u bytes is not a whole number of "
		                "KiB", bytes);
	if (job->chip && bytes > job->chip->flash_size)
		return stp_fail(ctx, STP_ERR_ARG,
		                "give at most the line's largest size; the layout "
		                "past it is unknown",
		                "--flash-size %u KiB: the largest %s has %u KiB",
		                bytes / 1024, job->chip->name,
		                job->chip->flash_size / 1024);
	job->flash_size = bytes;
	return STP_OK;
}

/* ---- shared with the run ------------------------------------------ */

stp_status job_select_units(stp_ctx *ctx, const stp_geometry *geo,
                            const job_units *u, stp_erase_unit **out,
                            size_t *count)
{
	stp_erase_unit *units;
	size_t n = 0, checks = u->range ? 2 : u->n;

	*out = NULL;
	*count = 0;
	for (size_t k = 0; !u->all && k < checks; k++) {
		unsigned want = u->range ? (k ? u->last : u->first) : u->list[k];
		if (want >= geo->nunits)
			return stp_fail(ctx, STP_ERR_ARG,
			                "stmprog --chip NAME shows the sectors of a chip",
			                "sector %u does not exist: this %s has sectors "
			                "0 to %zu",
			                want, geo->chip->name, geo->nunits - 1);
	}
	units = calloc(geo->nunits ? geo->nunits : 1, sizeof(*units));
	if (!units)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < geo->nunits; i++) {
		uint32_t idx = geo->units[i].index;
		bool want = u->all || (u->range && idx >= u->first && idx <= u->last);
		for (size_t k = 0; !u->range && k < u->n; k++)
			want |= u->list[k] == idx;
		if (want)
			units[n++] = geo->units[i];
	}
	*out = units;
	*count = n;
	return STP_OK;
}

stp_status job_check_read(stp_ctx *ctx, const char *option,
                          const stp_chip *chip, uint32_t size,
                          uint32_t addr, size_t len)
{
	uint32_t base = chip->flash_base;

	/* Past the flash's end the ROM refuses the block half-way, after a
	 * file's worth of waiting. */
	if (addr >= base && addr - base < size &&
	    (uint64_t)addr + len > (uint64_t)base + size) {
		stp_fail(ctx, STP_ERR_ARG, NULL,
		         "%s 0x%08X 0x%zX runs past the end of the flash "
		         "(0x%08X..0x%08X, %u KiB on this %s)",
		         option, addr, len, base, base + size - 1, size / 1024, chip->name);
		stp_set_hint(ctx, "read at most 0x%X bytes from 0x%08X",
		             base + size - addr, addr);
		return STP_ERR_ARG;
	}
	return STP_OK;
}

/* ---- validation --------------------------------------------------- */

/* The image steps are one plan, so nothing that changes the device may
 * sit between two of them, and nothing may erase or unprotect (which
 * erases) after them what they wrote. */
static stp_status check_order(const stp_job *job, stp_ctx *ctx)
{
	size_t first = job->nsteps, last = 0;

	for (size_t i = 0; i < job->nsteps; i++)
		if (job_step_in_plan(job->steps[i].kind)) {
			if (first == job->nsteps)
				first = i;
			last = i;
		}
	for (size_t i = first + 1; i < job->nsteps; i++) {
		const job_step *s = &job->steps[i];
		if (i < last && job_step_changes_device(s->kind))
			return stp_fail(ctx, STP_ERR_ARG,
			                "put it before the first -d or after the last",
			                "%s between two -d: every -d of a run is "
			                "written and verified as one plan, so nothing "
			                "may change the device in the middle of it",
			                job_step_option(s->kind));
		if (s->kind == JOB_RDU || (s->kind == JOB_ERASE && s->units.all))
			return stp_fail(ctx, STP_ERR_ARG, "put it before the first -d",
			                "%s after -d would erase what the run just "
			                "wrote", job_step_option(s->kind));
	}
	return STP_OK;
}

static bool has_other_alts(const stp_image *img)
{
	for (size_t s = 0; s < img->nsegs; s++)
		if (img->segs[s].alt)
			return true;
	return false;
}

/* The flash part of an image as far as it is known without a device: a
 * .dfu file's other alternate settings are mapped once the device says
 * what they are, so only alternate setting 0 (the flash on every DfuSe
 * ROM) is checked here. */
static stp_status flash_part(stp_ctx *ctx, const stp_image *img,
                             stp_image **out)
{
	stp_image *copy = stp_image_new();
	stp_status st = STP_OK;

	if (!copy)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t s = 0; s < img->nsegs && !st; s++)
		if (!img->segs[s].alt)
			st = stp_image_add(ctx, copy, 0, img->segs[s].addr,
			                   img->segs[s].data, img->segs[s].len, NULL);
	if (st) {
		stp_image_free(copy);
		return st;
	}
	*out = copy;
	return STP_OK;
}

/* Every image and patch merged (overlaps fail naming both inputs) and,
 * with a chip, planned against its full memory map. */
static stp_status check_plan(const stp_job *job, stp_ctx *ctx,
                             const stp_geometry *geo)
{
	stp_image_input *in = calloc(job->nsteps ? job->nsteps : 1, sizeof(*in));
	stp_image **parts = calloc(job->nsteps ? job->nsteps : 1, sizeof(*parts));
	stp_image *merged = NULL;
	char names[512] = "";
	bool routed_later = false, stripped = false;
	size_t n = 0;
	stp_status st = STP_OK;

	if (!in || !parts) {
		st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < job->nsteps && !st; i++) {
		const job_step *s = &job->steps[i];
		if (!job_step_in_plan(s->kind))
			continue;
		in[n].name = s->name;
		in[n].img = s->img;
		if (strlen(names) + 1 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names),
			         "%s%s", n ? ", " : "", s->name);
		if (has_other_alts(s->img)) {
			routed_later = true;
			st = flash_part(ctx, s->img, &parts[i]);
			in[n].img = parts[i];
		}
		n++;
	}
	if (st || !n)
		goto out;
	if ((st = stp_images_merge(ctx, in, n, &merged)))
		goto out;
	/* RAM, data EEPROM and OTP data are checked once connected
	 * (core/job_memory.c); the plan is the flash's. */
	if (geo && (st = job_memory_strip(ctx, geo->chip, &merged, &stripped)))
		goto out;
	/* A .dfu file may hold option bytes only: its flash part is empty. */
	if (geo && (stp_image_size(merged) || (!routed_later && !stripped))) {
		stp_plan_opts po = {.image_name = names};
		stp_plan *plan = NULL;
		st = stp_plan_build(ctx, merged, geo, &po, &plan);
		stp_plan_free(plan);
	}
out:
	for (size_t i = 0; parts && i < job->nsteps; i++)
		stp_image_free(parts[i]);
	free(parts);
	free(in);
	stp_image_free(merged);
	return st;
}

/* With a chip named: every unit number, read range and the plan against
 * its memory map (the largest part of that chip; the connected one is
 * checked again). */
static stp_status check_against_chip(const stp_job *job, stp_ctx *ctx)
{
	stp_geometry geo;
	stp_status st;

	if ((st = stp_chip_geometry(ctx, job->chip, job->flash_size, &geo)))
		return st;
	for (size_t i = 0; i < job->nsteps && !st; i++) {
		const job_step *s = &job->steps[i];
		stp_erase_unit *units = NULL;
		size_t n;

		if ((s->kind == JOB_ERASE && !s->units.all) || s->kind == JOB_WP) {
			st = job_select_units(ctx, &geo, &s->units, &units, &n);
			free(units);
		} else if (s->kind == JOB_READ || s->kind == JOB_CHECKSUM) {
			st = job_check_read(ctx, job_step_option(s->kind), job->chip,
			                    job->flash_size ? job->flash_size
			                                    : job->chip->flash_size,
			                    s->addr, s->len);
		}
	}
	if (!st)
		st = check_plan(job, ctx, &geo);
	stp_geometry_release(&geo);
	return st;
}

stp_status stp_job_validate(stp_job *job, stp_ctx *ctx)
{
	stp_status st;

	if (!job)
		return stp_fail(ctx, STP_ERR_ARG, "create it with stp_job_new",
		                "no job");
	if (job->validated)
		return STP_OK;
	if ((st = check_order(job, ctx)))
		return st;
	st = job->chip ? check_against_chip(job, ctx) : check_plan(job, ctx, NULL);
	if (st)
		return st;
	job->validated = true;
	return STP_OK;
}

/* job_file.c: the job file, what every board gets: images, option
 * bytes, the serial-number rule, the verify policy and the end action
 * (line_config.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmprog/guard.h"
#include "line_config.h"
#include "yaml_doc.h"

#define MAX_IMAGES 16
#define MAX_OPTION_BYTES 32
#define JOB_NAME_MAX LINE_SERIAL_SEQUENCE_MAX

static const char *const job_keys[] = {
	"name", "images", "option_bytes", "confirm_irreversible", "serial",
	"end", "go_address", "verify", NULL
};
static const char *const image_keys[] = {"file", "address", NULL};
static const char *const serial_keys[] = {
	"address", "encoding", "digits", "prefix", "start", "step",
	"sequence", "on_failure", NULL
};
/* In line_serial_encoding's order. */
static const char *const encodings[] = {
	"le32", "be32", "le64", "be64", "ascii-dec", "ascii-hex", NULL
};
static const char *const policies[] = {"return", "void", NULL};
static const char *const ends[] = {"stay", "go", NULL};

static bool has_suffix(const char *name, const char *const *suffixes)
{
	size_t n = strlen(name);

	for (size_t i = 0; suffixes[i]; i++) {
		size_t s = strlen(suffixes[i]);

		if (n > s && !strcasecmp(name + n - s, suffixes[i]))
			return true;
	}
	return false;
}

/* A raw binary has no addresses of its own, so it needs one; the other
 * formats carry theirs, and an address given with them would be
 * ignored, so it is refused. */
static const char *const raw_suffixes[] = {".bin", NULL};
static const char *const addressed_suffixes[] = {
	".hex", ".ihex", ".ihx", ".srec", ".s19", ".s28", ".s37", ".mot",
	".elf", ".axf", ".out", ".dfu", NULL
};

static int read_image(ydoc *d, yaml_node_t *node, size_t i,
                      line_image_cfg *img)
{
	char path[32], *file = NULL;
	uint64_t v;
	ymap m;
	int rc;

	ydoc_itempath("images", i, path, sizeof(path));
	img->line = ydoc_line(node);
	if (ydoc_map(d, node, path, image_keys, &m))
		return -1;
	if (ymap_str(&m, "file", true, 4096, "the image file (.hex, .srec, "
	             ".elf, .dfu, or .bin with address:)", &file))
		return -1;
	img->path = ydoc_resolve(d, file);
	free(file);
	if (!img->path)
		return ydoc_fail(d, node, path, "out of memory");
	rc = ymap_uint(&m, "address", false, 0, UINT32_MAX, "the address "
	               "of the binary's first byte", &v);
	if (rc < 0)
		return -1;
	img->has_addr = rc == 0;
	img->addr = (uint32_t)v;
	if (!img->has_addr && has_suffix(img->path, raw_suffixes)) {
		char kp[48];

		ydoc_keypath(path, "address", kp, sizeof(kp));
		return ydoc_fail(d, node, kp, "missing; a raw binary has no "
		                 "address of its own: give the address of its "
		                 "first byte (address: 0x08000000)");
	}
	if (img->has_addr && has_suffix(img->path, addressed_suffixes)) {
		char kp[48];

		ydoc_keypath(path, "address", kp, sizeof(kp));
		return ydoc_fail(d, ymap_value(&m, "address"), kp, "'%s' "
		                 "holds its own addresses; address: is for raw "
		                 "binaries (.bin) only, remove it", img->path);
	}
	return 0;
}

static int read_images(ydoc *d, const ymap *m, line_job_cfg *job)
{
	yaml_node_t *seq;

	if (ymap_seq(m, "images", true, "the images every board gets "
	             "('- file: ...' each)", &seq))
		return -1;
	job->nimages = ydoc_seq_len(seq);
	if (job->nimages == 0 || job->nimages > MAX_IMAGES)
		return ydoc_fail(d, seq, "images", "%zu images; a job has 1 "
		                 "to %d", job->nimages, MAX_IMAGES);
	job->images = calloc(job->nimages, sizeof(*job->images));
	if (!job->images)
		return ydoc_fail(d, seq, "images", "out of memory");
	for (size_t i = 0; i < job->nimages; i++)
		if (read_image(d, ydoc_item(d, seq, i), i, &job->images[i]))
			return -1;
	return 0;
}

static int read_option_bytes(ydoc *d, const ymap *m, line_job_cfg *job)
{
	yaml_node_t *seq;
	char kp[48];
	int rc;

	rc = ymap_seq(m, "option_bytes", false, "the option-byte settings, "
	              "\"KEY=VALUE\" each, as stmprog -ob takes them", &seq);
	if (rc)
		return rc < 0 ? -1 : 0;
	job->option_bytes_line = ydoc_line(ymap_key(m, "option_bytes"));
	job->noption_bytes = ydoc_seq_len(seq);
	if (job->noption_bytes == 0 || job->noption_bytes > MAX_OPTION_BYTES)
		return ydoc_fail(d, seq, "option_bytes", "%zu settings; give "
		                 "1 to %d, or leave option_bytes: out",
		                 job->noption_bytes, MAX_OPTION_BYTES);
	job->option_bytes = calloc(job->noption_bytes,
	                           sizeof(*job->option_bytes));
	if (!job->option_bytes)
		return ydoc_fail(d, seq, "option_bytes", "out of memory");
	for (size_t i = 0; i < job->noption_bytes; i++) {
		yaml_node_t *item = ydoc_item(d, seq, i);

		ydoc_itempath("option_bytes", i, kp, sizeof(kp));
		if (ydoc_scalar_str(d, item, kp, 128, "a \"KEY=VALUE\" "
		                    "setting (\"nBOOT0=0\")",
		                    &job->option_bytes[i]))
			return -1;
		if (!strchr(job->option_bytes[i], '=') ||
		    job->option_bytes[i][0] == '=')
			return ydoc_fail(d, item, kp, "'%s' is no KEY=VALUE "
			                 "setting; write it as stmprog -ob takes "
			                 "it (\"nBOOT0=0\")",
			                 job->option_bytes[i]);
	}
	return 0;
}

/* A comma list as --confirm-irreversible takes it, or a YAML list of
 * the same words. */
static int read_confirm(ydoc *d, const ymap *m, line_job_cfg *job)
{
	yaml_node_t *node = ymap_value(m, "confirm_irreversible");
	const char *what = "the irreversible steps you confirm: rdp2, "
	                   "bootloader, otp or all";
	char list[256] = "", *word;
	stp_ctx *ctx;
	int rc = 0;

	if (!node)
		return 0;
	if (node->type == YAML_SEQUENCE_NODE) {
		for (size_t i = 0; i < ydoc_seq_len(node); i++) {
			char kp[48];
			size_t n = strlen(list);

			ydoc_itempath("confirm_irreversible", i, kp, sizeof(kp));
			if (ydoc_scalar_str(d, ydoc_item(d, node, i), kp, 32,
			                    what, &word))
				return -1;
			snprintf(list + n, sizeof(list) - n, "%s%s",
			         n ? "," : "", word);
			free(word);
		}
	} else {
		if (ydoc_scalar_str(d, node, "confirm_irreversible", 128, what,
		                    &word))
			return -1;
		snprintf(list, sizeof(list), "%s", word);
		free(word);
	}
	ctx = stp_ctx_new();
	if (!ctx)
		return ydoc_fail(d, node, "confirm_irreversible",
		                 "out of memory");
	if (stp_irreversible_parse(ctx, list, &job->confirm) != STP_OK) {
		const char *detail = stp_last_detail(ctx);
		const char *colon = strstr(detail, ": ");

		/* The core's sentence names the option; the key stands
		 * for it here. */
		rc = ydoc_fail(d, node, "confirm_irreversible", "%s; give %s",
		               colon ? colon + 2 : detail, what);
	} else if (!job->confirm) {
		rc = ydoc_fail(d, node, "confirm_irreversible", "empty; give "
		               "%s, or leave the key out", what);
	}
	stp_ctx_free(ctx);
	return rc;
}

static int read_serial(ydoc *d, const ymap *top, line_job_cfg *job)
{
	line_serial_rule *r = &job->serial;
	yaml_node_t *node = ymap_value(top, "serial");
	bool ascii;
	char *s = NULL;
	uint64_t v, max;
	int e, rc;
	ymap m;

	if (!node)
		return 0;
	job->has_serial = true;
	job->serial_line = ydoc_line(ymap_key(top, "serial"));
	if (ydoc_map(d, node, "serial", serial_keys, &m))
		return -1;
	if (ymap_uint(&m, "address", true, 0, UINT32_MAX, "the address the "
	              "serial number is written at", &v))
		return -1;
	r->address = (uint32_t)v;
	if (ymap_word(&m, "encoding", true, encodings, &e))
		return -1;
	r->encoding = (line_serial_encoding)e;
	ascii = r->encoding == LINE_SERIAL_ASCII_DEC ||
	        r->encoding == LINE_SERIAL_ASCII_HEX;
	if (ascii) {
		unsigned most = r->encoding == LINE_SERIAL_ASCII_DEC ? 20 : 16;

		if (ymap_uint(&m, "digits", true, 1, most, "the number of "
		              "digits, zero-padded", &v))
			return -1;
		r->digits = (unsigned)v;
		yaml_node_t *pn = ymap_value(&m, "prefix");

		/* prefix: "" is a prefix of nothing, as good as none. */
		if (pn && pn->type == YAML_SCALAR_NODE &&
		    pn->data.scalar.length == 0 && !ydoc_is_null(pn))
			rc = 1;
		else
			rc = ymap_str(&m, "prefix", false,
			              LINE_SERIAL_PREFIX_MAX,
			              "the text before the digits", &s);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			for (const char *c = s; *c; c++)
				if (*c < 0x20 || *c > 0x7e) {
					free(s);
					return ydoc_fail(d, ymap_value(&m,
					                 "prefix"), "serial.prefix",
					                 "holds a character that is "
					                 "not printable ASCII; give "
					                 "letters, digits or "
					                 "punctuation");
				}
			snprintf(r->prefix, sizeof(r->prefix), "%s", s);
			free(s);
		}
	} else {
		static const char *const ascii_only[] = {"digits", "prefix"};

		for (size_t i = 0; i < 2; i++)
			if (ymap_key(&m, ascii_only[i])) {
				char kp[32];

				ydoc_keypath("serial", ascii_only[i], kp,
				             sizeof(kp));
				return ydoc_fail(d, ymap_key(&m, ascii_only[i]),
				                 kp, "only the ascii-dec and "
				                 "ascii-hex encodings take it; "
				                 "remove it or change "
				                 "serial.encoding");
			}
	}
	max = line_serial_max(r);
	r->start = 1;
	r->step = 1;
	if (ymap_uint(&m, "start", false, 0, max, "the first serial number, "
	              "which the encoding must hold", &v) < 0)
		return -1;
	if (ymap_value(&m, "start"))
		r->start = v;
	if (ymap_uint(&m, "step", false, 1, UINT64_MAX, "the increment "
	              "between boards", &v) < 0)
		return -1;
	if (ymap_value(&m, "step"))
		r->step = v;
	if (r->start > max || r->step > max - r->start)
		return ydoc_fail(d, ymap_value(&m, "step") ?
		                 ymap_value(&m, "step") : node, "serial.step",
		                 "start %llu + step %llu leaves no second "
		                 "serial under %llu, the largest %s holds; "
		                 "lower start or step, or widen the encoding",
		                 (unsigned long long)r->start,
		                 (unsigned long long)r->step,
		                 (unsigned long long)max, encodings[e]);
	if ((uint64_t)r->address + line_serial_size(r) > UINT64_C(1) << 32)
		return ydoc_fail(d, ymap_value(&m, "address"), "serial.address",
		                 "0x%08X + %zu bytes runs past the end of the "
		                 "address space", r->address,
		                 line_serial_size(r));
	rc = ymap_str(&m, "sequence", false, LINE_SERIAL_SEQUENCE_MAX,
	              "the name of the serial sequence in the log", &s);
	if (rc < 0)
		return -1;
	snprintf(r->sequence, sizeof(r->sequence), "%s",
	         rc == 0 ? s : job->name);
	free(rc == 0 ? s : NULL);
	r->on_failure = LINE_SERIAL_VOID;
	if (ymap_word(&m, "on_failure", false, policies, &e) < 0)
		return -1;
	if (ymap_value(&m, "on_failure"))
		r->on_failure = (line_serial_policy)e;
	return 0;
}

static int read_end(ydoc *d, const ymap *m, line_job_cfg *job)
{
	uint64_t v;
	int e = 0, rc;

	rc = ymap_word(m, "end", false, ends, &e);
	if (rc < 0)
		return -1;
	job->end = rc == 0 ? (line_end)e : LINE_END_STAY;
	job->end_line = rc == 0 ? ydoc_line(ymap_key(m, "end")) : 0;
	rc = ymap_uint(m, "go_address", false, 0, UINT32_MAX, "the address "
	               "of the application's vector table", &v);
	if (rc < 0)
		return -1;
	if (rc == 0 && job->end != LINE_END_GO)
		return ydoc_fail(d, ymap_key(m, "go_address"), "go_address",
		                 "given without 'end: go'; add 'end: go' or "
		                 "remove it");
	job->has_go_addr = rc == 0;
	job->go_addr = (uint32_t)v;
	if (ymap_value(m, "verify")) {
		yaml_node_t *n = ymap_value(m, "verify");

		if (n->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)n->data.scalar.value, "always"))
			return ydoc_fail(d, n, "verify", "only 'always' is "
			                 "accepted: every byte written is "
			                 "verified, by CRC where the ROM has it, "
			                 "else by reading back");
	}
	return 0;
}

static int read_job(ydoc *d, line_job_cfg *job)
{
	ymap m;

	if (ydoc_map(d, ydoc_root(d), "", job_keys, &m))
		return -1;
	if (ymap_str(&m, "name", true, JOB_NAME_MAX, "the job's name, as "
	             "the log records it", &job->name))
		return -1;
	if (read_images(d, &m, job) || read_option_bytes(d, &m, job) ||
	    read_confirm(d, &m, job) || read_serial(d, &m, job) ||
	    read_end(d, &m, job))
		return -1;
	return 0;
}

int line_job_load(const char *path, line_job_cfg *job, char *err,
                  size_t errlen)
{
	ydoc d;
	int rc;

	memset(job, 0, sizeof(*job));
	job->path = strdup(path);
	if (!job->path) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (ydoc_load(&d, job->path, err, errlen)) {
		line_job_free(job);
		return -1;
	}
	rc = read_job(&d, job);
	ydoc_free(&d);
	if (rc)
		line_job_free(job);
	return rc;
}

void line_job_free(line_job_cfg *job)
{
	if (!job)
		return;
	for (size_t i = 0; job->images && i < job->nimages; i++)
		free(job->images[i].path);
	free(job->images);
	for (size_t i = 0; job->option_bytes && i < job->noption_bytes; i++)
		free(job->option_bytes[i]);
	free(job->option_bytes);
	free(job->name);
	free(job->path);
	memset(job, 0, sizeof(*job));
}

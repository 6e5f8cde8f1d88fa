/* Helpers shared by the image tests. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_image.h"

static stp_ctx *ctx;

static void free_ctx(void)
{
	stp_ctx_free(ctx);
	ctx = NULL;
}

stp_ctx *t_ctx(void)
{
	if (!ctx) {
		ctx = stp_ctx_new();
		atexit(free_ctx);
	}
	cr_assert_not_null(ctx);
	return ctx;
}

stp_image *t_parse_ok(const void *buf, size_t len, stp_image_format fmt,
                      const char *name, uint32_t base)
{
	stp_image *img = (stp_image *)1;
	stp_status st = stp_image_parse(t_ctx(), buf, len, fmt, name, base,
	                                &img);

	cr_assert_eq(st, STP_OK, "%s: parse failed: %s", name,
	             stp_last_detail(t_ctx()));
	cr_assert_not_null(img);
	return img;
}

const char *t_parse_fail(const void *buf, size_t len, stp_image_format fmt,
                         const char *name, uint32_t base, stp_status want_st,
                         const char *want)
{
	stp_image *img = (stp_image *)1;
	stp_status st = stp_image_parse(t_ctx(), buf, len, fmt, name, base,
	                                &img);
	const char *d = stp_last_detail(t_ctx());

	cr_assert_eq(st, want_st, "%s: status %s, expected %s (%s)", name,
	             stp_status_name(st), stp_status_name(want_st), d);
	cr_assert_null(img, "%s: failed parse left an image", name);
	if (want)
		cr_assert(strstr(d, want) != NULL,
		          "%s: detail \"%s\" lacks \"%s\"", name, d, want);
	return d;
}

void t_truncations(const void *buf, size_t len, stp_image_format fmt,
                   const char *name, size_t ok_from)
{
	size_t i;

	for (i = 0; i <= len; i++) {
		/* A copy of exactly i bytes, so reading past it is caught by
		 * valgrind and ASan. */
		uint8_t *cut = malloc(i ? i : 1);
		stp_image *img = (stp_image *)1;
		stp_status st;

		cr_assert_not_null(cut);
		memcpy(cut, buf, i);
		st = stp_image_parse(t_ctx(), cut, i, fmt, name, 0x08000000,
		                     &img);
		if (i < ok_from) {
			cr_assert_neq(st, STP_OK, "%s cut to %zu bytes parsed",
			              name, i);
			cr_assert_null(img);
			cr_assert_str_neq(stp_last_detail(t_ctx()), "");
		} else {
			cr_assert_eq(st, STP_OK, "%s cut to %zu bytes: %s",
			             name, i, stp_last_detail(t_ctx()));
			stp_image_free(img);
		}
		free(cut);
	}
}

void t_seg(const stp_image *img, size_t i, uint8_t alt, uint32_t addr,
           const void *data, size_t len)
{
	cr_assert_lt(i, stp_image_segment_count(img), "segment %zu missing (%zu segments)", i,
	             stp_image_segment_count(img));
	cr_assert_eq(stp_image_segment(img, i)->alt, alt, "segment %zu alt %u", i,
	             stp_image_segment(img, i)->alt);
	cr_assert_eq(stp_image_segment(img, i)->addr, addr, "segment %zu at 0x%08X, "
	             "expected 0x%08X", i, stp_image_segment(img, i)->addr, addr);
	cr_assert_eq(stp_image_segment(img, i)->len, len, "segment %zu length %u, "
	             "expected %zu", i, stp_image_segment(img, i)->len, len);
	cr_assert_arr_eq(stp_image_segment(img, i)->data, data, len,
	                 "segment %zu bytes differ", i);
}

char *t_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = malloc(4096);

	cr_assert_not_null(dir);
	snprintf(dir, 4096, "%s/stp-image-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s failed", dir);
	return dir;
}

void t_rmdir(char *dir)
{
	char cmd[4200];

	if (!dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
	free(dir);
}

void t_need(const char *cmd, const char *package)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "command -v '%s' >/dev/null 2>&1", cmd);
	if (system(buf) != 0)
		cr_skip_test("%s not found: install the Debian package %s",
		             cmd, package);
}

void t_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "command failed (%d): %s", rc, cmd);
}

uint8_t *t_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

char *t_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);

	cr_assert_not_null(p);
	snprintf(p, n, "%s/%s", dir, file);
	return p;
}

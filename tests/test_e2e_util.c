/* Shared helpers of the end-to-end tests; see test_e2e_util.h. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_e2e_util.h"
#include "test_helpers.h"

int e2e_sim(char *out, size_t outlen, const char *chip, const char *simopts,
            const char *command)
{
	char cmd[16384];

	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; '%s' --chip %s --flash '%s' "
	         "--trace '%s' %s -- %s",
	         th_build_path("contrib/sim/stmprog-sim"), chip,
	         th_dir_path("flash.bin"), th_dir_path("trace.txt"),
	         simopts ? simopts : "", command);
	return th_run(cmd, out, outlen);
}

int e2e_stmprog(char *out, size_t outlen, const char *chip,
                const char *simopts, const char *args)
{
	char command[8192];

	snprintf(command, sizeof(command), "'%s' -c port={port} %s",
	         th_build_path("frontends/stmprog"), args);
	return e2e_sim(out, outlen, chip, simopts, command);
}

const char *e2e_trace(void)
{
	return th_dir_path("trace.txt");
}

const char *e2e_app_path(void)
{
	return th_dir_path("app.bin");
}

unsigned char *e2e_app(const stp_chip *c, size_t len, unsigned seed)
{
	unsigned char *img = e2e_make_app(c, len, seed);

	e2e_spit(e2e_app_path(), img, len);
	return img;
}

void e2e_assert_flash(const stp_chip *c, const unsigned char *img, size_t off,
                      size_t len, size_t end)
{
	size_t flen;
	unsigned char *flash = e2e_slurp(th_dir_path("flash.bin"), &flen);

	if (!end)
		end = flen;
	cr_assert_geq(flen, end);
	cr_assert_eq(memcmp(flash + off, img, len), 0, "flash differs from the image");
	cr_assert(e2e_all_equal(flash + off + len, end - off - len, c->erased_value),
	          "bytes after the image are not erased");
	free(flash);
}

void e2e_bad_input_touches_nothing(char *out, size_t outlen, const char *chip,
                                   const char *simopts)
{
	FILE *f = fopen(th_dir_path("bad.hex"), "w");
	char args[4096];

	cr_assert(f);
	/* The second record's checksum is wrong (0x78 would be right). */
	fputs(":020000040800F2\n:10000000000102030405060708090A0B0C0D0E0FFF\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "-e all -d '%s'", th_dir_path("bad.hex"));
	cr_assert_eq(e2e_stmprog(out, outlen, chip, simopts, args), 4, "%s", out);
	cr_assert(strstr(out, "bad.hex"), "%s", out);
	cr_assert(strstr(out, "line 2"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "erased before the file was checked");
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote before the file was checked");
}

unsigned char *e2e_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n + 1 : 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

void e2e_spit(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f, "cannot create %s", path);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	fclose(f);
}

unsigned char *e2e_make_app(const stp_chip *c, size_t len, unsigned seed)
{
	unsigned char *img = malloc(len);
	uint32_t sp = c->ram_start + 0x400, pc = c->flash_base + 0x101;

	cr_assert(img);
	srand(seed);
	for (size_t i = 0; i < len; i++)
		img[i] = (unsigned char)(rand() % 254 + 1); /* never 0x00 or 0xFF */
	for (int i = 0; i < 4; i++) {
		img[i] = (unsigned char)(sp >> (8 * i));
		img[4 + i] = (unsigned char)(pc >> (8 * i));
	}
	return img;
}

const stp_chip *e2e_chip(const char *pid)
{
	const stp_chip *c = stp_chip_find(pid, NULL);

	cr_assert(c, "%s not in the chip database", pid);
	return c;
}

bool e2e_all_equal(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

bool e2e_file_has(const char *path, const char *needle)
{
	size_t n;
	unsigned char *buf = e2e_slurp(path, &n);
	bool found;

	buf[n] = '\0';
	found = strstr((char *)buf, needle) != NULL;
	free(buf);
	return found;
}

unsigned e2e_count_lines(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* A -log line starts with its time ("2026-12-03T13:04:18.123Z ",
		 * docs/json.md): prefixes are compared after it. */
		static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
		const char *p = line;
		size_t i;

		for (i = 0; i < sizeof(shape) - 1; i++)
			if (shape[i] == 'd' ? line[i] < '0' || line[i] > '9'
			    : line[i] != shape[i])
				break;
		if (i == sizeof(shape) - 1)
			p += i;
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	}
	fclose(f);
	return n;
}

const char *e2e_transport(const char *name, bool usb_built, bool can_built)
{
	if (!strcmp(name, "uart"))
		return "";
	/* The front-end's and the core's part is the same on every
	 * transport: under valgrind one stands for all. */
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set: UART stands for %s", name);
	if (!strcmp(name, "usb") && usb_built)
		return "--transport usb";
	if (!strcmp(name, "can") && can_built)
		return "--transport slcan";
	cr_skip_test("the %s transport is not built (configure found no "
	             "library for it)", name);
	return NULL;
}

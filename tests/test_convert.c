/* stmprog --convert, --chips and --chip as users run them.  The .dfu that
 * --convert --chip writes for an H7 is read back by dfu-util's dfuse-pack,
 * an independent tool: its elements must be 32-byte aligned and padded. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_helpers.h"

static char out[65536];

TestSuite(convert, .init = th_dir_setup, .fini = th_dir_teardown);

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return th_run(cmd, out, sizeof(out));
}

static const char *stmprog(void)
{
	return th_build_path("frontends/stmprog");
}

static bool have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s", tool);
	return th_run(cmd, out, sizeof(out)) == 0;
}

/* 1000 bytes at 0x08000000 as an Intel HEX written by srec_cat. */
static void make_hex(uint8_t *data)
{
	FILE *f;
	char bin[4200];

	if (!have("srec_cat"))
		cr_skip_test("srec_cat missing (Debian package srecord)");
	for (int i = 0; i < 1000; i++)
		data[i] = (uint8_t)(i * 37 + 11);
	snprintf(bin, sizeof(bin), "%s/fw.bin", th_dir);
	f = fopen(bin, "wb");
	cr_assert_eq(fwrite(data, 1, 1000, f), 1000);
	fclose(f);
	cr_assert_eq(run("cd '%s' && srec_cat fw.bin -binary -offset 0x08000000 "
	                 "-o fw.hex -intel", th_dir), 0, "%s", out);
}

Test(convert, h7_dfu_is_aligned_padded_and_read_by_dfuse_pack)
{
	uint8_t data[1000], dumped[2048];
	FILE *f;
	size_t n;

	make_hex(data);
	if (!have("dfuse-pack"))
		cr_skip_test("dfuse-pack missing (Debian package dfu-util)");
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.hex fw.dfu --chip 0x450", th_dir,
	                 stmprog()), 0, "%s", out);
	cr_assert(strstr(out, "32-byte units"), "%s", out);
	cr_assert_eq(run("cd '%s' && dfuse-pack -d fw.dfu", th_dir), 0, "%s", out);
	cr_assert(strstr(out, "address: 0x08000000, size: 1024"), "%s", out);
	cr_assert(strstr(out, "usb: 0483:df11"), "%s", out);
	/* dfuse-pack dumps the element: our bytes, then 24 erased bytes */
	snprintf((char *)dumped, sizeof(dumped), "%s/fw.dfu.target0.image0.bin", th_dir);
	f = fopen((char *)dumped, "rb");
	cr_assert_not_null(f);
	n = fread(dumped, 1, sizeof(dumped), f);
	fclose(f);
	cr_assert_eq(n, 1024);
	cr_assert_arr_eq(dumped, data, 1000);
	for (int i = 1000; i < 1024; i++)
		cr_assert_eq(dumped[i], 0xFF, "pad byte %d", i);
}

Test(convert, without_chip_the_data_is_kept_exact)
{
	uint8_t data[1000];

	make_hex(data);
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.hex back.bin", th_dir, stmprog()), 0,
	             "%s", out);
	cr_assert_eq(run("cmp '%s/fw.bin' '%s/back.bin'", th_dir, th_dir), 0, "%s", out);
	/* --format names the output format when the extension does not */
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.hex fw.out --format srec && "
	                 "head -c 2 fw.out", th_dir, stmprog()), 0, "%s", out);
	cr_assert(strstr(out, "S0") || strstr(out, "S3"), "%s", out);
}

Test(convert, image_that_does_not_fit_the_chip_is_refused)
{
	uint8_t data[1000];

	make_hex(data);
	/* 1000 bytes at 0x08007F00 run past the end of a 32 KiB STM32C011 */
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.bin fw.dfu --base 0x08007F00 "
	                 "--chip 0x443", th_dir, stmprog()), 4, "%s", out);
	cr_assert(strstr(out, "outside the flash"), "%s", out);
	cr_assert_eq(run("test -e '%s/fw.dfu'", th_dir), 1, "no output may be written");
}

Test(convert, unknown_output_format_and_unknown_chip)
{
	uint8_t data[1000];

	make_hex(data);
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.hex fw.xyz", th_dir, stmprog()), 2,
	             "%s", out);
	cr_assert(strstr(out, "cannot tell which format"), "%s", out);
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.hex fw.dfu --chip STM32X999", th_dir,
	                 stmprog()), 3, "%s", out);
	cr_assert(strstr(out, "no chip matches 'STM32X999'"), "%s", out);
}

Test(convert, chips_and_chip)
{
	int count = 0;
	const char *p;

	cr_assert_eq(run("'%s' --chips", stmprog()), 0, "%s", out);
	p = strstr(out, " chips");
	cr_assert_not_null(p, "%s", out);
	while (p > out && p[-1] >= '0' && p[-1] <= '9')
		p--;
	count = atoi(p);
	cr_assert_geq(count, 70, "%d chips", count);
	cr_assert(strstr(out, "0x413"), "%s", out);
	cr_assert_eq(run("'%s' --chip 0x447", stmprog()), 0, "%s", out);
	cr_assert(strstr(out, "erased value 0x00"), "%s", out);
	cr_assert(strstr(out, "memory-layout string is wrong"), "%s", out);
	cr_assert_eq(run("'%s' --chip f4", stmprog()), 3, "%s", out);
	cr_assert(strstr(out, "matches more than one chip"), "%s", out);
}

/* The F722 field report (issue 11 §8): a HEX converted to .dfu by the
 * vendor's converter "flashed" but did not run.  F7 flash has no ECC; the
 * ROM programs it in 32-bit words (PSIZE x32 at 2.7-3.6 V, RM0431), so the
 * chip's program unit is 4 bytes, not the 8..32-byte ECC units of L4/H7.
 * --convert --chip 0x452 aligns each segment's start down and pads its end
 * up to 4 bytes with 0xFF, and dfuse-pack reads the elements back. */
Test(convert, f722_dfu_is_word_aligned_and_read_by_dfuse_pack)
{
	uint8_t data[1001], tail[10], dumped[2048];
	FILE *f;
	size_t n;
	char path[4200];

	if (!have("srec_cat"))
		cr_skip_test("srec_cat missing (Debian package srecord)");
	if (!have("dfuse-pack"))
		cr_skip_test("dfuse-pack missing (Debian package dfu-util)");
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (size_t i = 0; i < sizeof(tail); i++)
		tail[i] = (uint8_t)(0xA0 + i);
	snprintf(path, sizeof(path), "%s/a.bin", th_dir);
	f = fopen(path, "wb");
	cr_assert_eq(fwrite(data, 1, sizeof(data), f), sizeof(data));
	fclose(f);
	snprintf(path, sizeof(path), "%s/b.bin", th_dir);
	f = fopen(path, "wb");
	cr_assert_eq(fwrite(tail, 1, sizeof(tail), f), sizeof(tail));
	fclose(f);
	/* 1001 bytes at the flash base, 10 bytes at an odd half-word. */
	cr_assert_eq(run("cd '%s' && srec_cat a.bin -binary -offset 0x08000000 "
	                 "b.bin -binary -offset 0x08004002 -o fw.hex -intel",
	                 th_dir), 0, "%s", out);
	cr_assert_eq(run("cd '%s' && '%s' --convert fw.hex fw.dfu --chip 0x452",
	                 th_dir, stmprog()), 0, "%s", out);
	cr_assert(strstr(out, "4-byte units"), "%s", out);
	cr_assert_eq(run("cd '%s' && dfuse-pack -d fw.dfu", th_dir), 0, "%s", out);
	cr_assert(strstr(out, "address: 0x08000000, size: 1004"), "%s", out);
	cr_assert(strstr(out, "address: 0x08004000, size: 12"), "%s", out);
	snprintf(path, sizeof(path), "%s/fw.dfu.target0.image0.bin", th_dir);
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	n = fread(dumped, 1, sizeof(dumped), f);
	fclose(f);
	cr_assert_eq(n, 1004);
	cr_assert_arr_eq(dumped, data, sizeof(data));
	for (size_t i = sizeof(data); i < n; i++)
		cr_assert_eq(dumped[i], 0xFF, "pad byte %zu", i);
	snprintf(path, sizeof(path), "%s/fw.dfu.target0.image1.bin", th_dir);
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	n = fread(dumped, 1, sizeof(dumped), f);
	fclose(f);
	cr_assert_eq(n, 12);
	cr_assert_eq(dumped[0], 0xFF);
	cr_assert_eq(dumped[1], 0xFF);
	cr_assert_arr_eq(dumped + 2, tail, sizeof(tail));
}

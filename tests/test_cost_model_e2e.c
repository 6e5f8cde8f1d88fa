/* The engine's cost model end to end, through stmprog-sim (--timing none:
 * only what the device was asked is checked, never how long it took):
 * over USB DFU reading a sector costs milliseconds against hundreds for
 * its erase, so blank sectors are read and not erased; over UART at
 * 115200 reading costs more than erasing, so sectors are erased as they
 * always were and 0xFF fill is left to the erase; flash with ECC words
 * is erased even when it reads blank. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(cost_model_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

static int run(const char *chip, const char *simopts, const char *args)
{
	return e2e_stmprog(out, sizeof(out), chip, simopts, args);
}

/* A flash file for chip with every byte erased but one at off (off < 0:
 * none), so the simulator starts from it. */
static void flash_file(const stp_chip *c, long off)
{
	size_t n = (size_t)c->flash_size;
	unsigned char *f = malloc(n);

	cr_assert_not_null(f);
	memset(f, c->erased_value, n);
	if (off >= 0)
		f[off] = 0x5A;
	e2e_spit(th_dir_path("flash.bin"), f, n);
	free(f);
}

static void new_trace(void)
{
	remove(e2e_trace());
}

Test(cost_model_e2e, usb_fresh_f4_reads_blank_sectors_instead_of_erasing)
{
	const stp_chip *c = e2e_chip("0x413");
	/* Sectors 0-3 (16 KiB) and 4 (64 KiB). */
	unsigned char *img = e2e_app(c, 96 * 1024, 3);
	char args[1024];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x413", "--transport usb", args), 0, "%s", out);
	cr_expect_eq(e2e_count_lines(e2e_trace(), "ERASE"), 0, "%s", out);
	cr_expect(strstr(out, "0 unit(s) erased"), "%s", out);
	cr_expect(strstr(out, "5 blank unit(s) read and not erased"), "%s", out);
	cr_expect(strstr(out, "98304 bytes verified by read-back"), "%s", out);
	cr_expect(strstr(out, "Verified"), "%s", out);
	e2e_assert_flash(c, img, 0, 96 * 1024, 0);
	free(img);
}

Test(cost_model_e2e, usb_sector_with_one_programmed_byte_is_erased)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 48 * 1024, 4);
	char args[1024];

	/* Sector 1 (0x08004000) holds one byte that is not erased. */
	flash_file(c, 16384 + 5000);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x413", "--transport usb", args), 0, "%s", out);
	cr_expect_eq(e2e_count_lines(e2e_trace(), "ERASE"), 1, "%s", out);
	cr_expect(e2e_file_has(e2e_trace(), "ERASE PAGE 0x08004000"));
	cr_expect(strstr(out, "2 blank unit(s) read and not erased"), "%s", out);
	e2e_assert_flash(c, img, 0, 48 * 1024, 0);
	free(img);
}

Test(cost_model_e2e, usb_reflash_of_one_changed_sector_erases_only_it)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 64 * 1024, 5);
	char args[1024];
	unsigned writes;

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x413", "--transport usb", args), 0, "%s", out);
	for (size_t i = 16384; i < 32768; i++)
		img[i] ^= 0x55;
	e2e_spit(e2e_app_path(), img, 64 * 1024);
	new_trace();
	cr_assert_eq(run("0x413", "--transport usb", args), 0, "%s", out);
	cr_expect_eq(e2e_count_lines(e2e_trace(), "ERASE"), 1, "%s", out);
	cr_expect(e2e_file_has(e2e_trace(), "ERASE PAGE 0x08004000"));
	cr_expect(strstr(out, "3 unchanged unit(s) skipped"), "%s", out);
	/* Only the changed sector is written: 8 blocks of 2 KiB. */
	writes = e2e_count_lines(e2e_trace(), "WRITE");
	cr_expect_eq(writes, 8, "%u writes", writes);
	e2e_assert_flash(c, img, 0, 64 * 1024, 0);
	free(img);
}

Test(cost_model_e2e, usb_l4_with_ecc_is_erased_even_when_blank)
{
	const stp_chip *c = e2e_chip("0x435");
	unsigned char *img = e2e_app(c, 8192, 6);
	char args[1024];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x435", "--transport usb", args), 0, "%s", out);
	/* 2 KiB pages: the four the image touches are erased. */
	cr_expect_eq(e2e_count_lines(e2e_trace(), "ERASE"), 4, "%s", out);
	cr_expect_null(strstr(out, "blank unit(s)"), "%s", out);
	e2e_assert_flash(c, img, 0, 8192, 16384);
	free(img);
}

/* Over UART at 115200 (or with no read cost known), reading a sector
 * costs more than erasing it: every touched sector is erased as before,
 * and the sector of 0xFF fill is not read back but left to the erase. */
Test(cost_model_e2e, uart_erases_sectors_and_leaves_fill_to_the_erase)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 48 * 1024, 7);
	char args[1024];

	memset(img + 16384, 0xFF, 16384);
	e2e_spit(e2e_app_path(), img, 48 * 1024);
	/* A blank sector 1 would already hold its fill and be skipped: one
	 * programmed byte makes it need the erase its fill is left to. */
	flash_file(c, 16384 + 100);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x413", "", args), 0, "%s", out);
	cr_expect(e2e_file_has(e2e_trace(), "ERASE"), "%s", out);
	cr_expect(strstr(out, "3 unit(s) erased"), "%s", out);
	cr_expect(strstr(out, "32768 bytes written, 32768 bytes verified by "
	                      "read-back"), "%s", out);
	cr_expect(strstr(out, "16384 bytes of 0xFF fill left to the erase"), "%s",
	          out);
	cr_expect_null(strstr(out, "blank unit(s)"), "%s", out);
	e2e_assert_flash(c, img, 0, 48 * 1024, 0);
	free(img);
}

/* Over USB reading is cheap, so the fill is read back with the rest. */
Test(cost_model_e2e, usb_reads_fill_back)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 48 * 1024, 8);
	char args[1024];

	memset(img + 16384, 0xFF, 16384);
	e2e_spit(e2e_app_path(), img, 48 * 1024);
	/* A blank sector 1 would already hold its fill and be skipped: one
	 * programmed byte makes it need the erase its fill is left to. */
	flash_file(c, 16384 + 100);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x413", "--transport usb", args), 0, "%s", out);
	cr_expect(strstr(out, "1 unit(s) erased"), "%s", out);
	cr_expect(strstr(out, "32768 bytes written, 49152 bytes verified by "
	                      "read-back"), "%s", out);
	cr_expect_null(strstr(out, "fill left"), "%s", out);
	e2e_assert_flash(c, img, 0, 48 * 1024, 0);
	free(img);
}

/* A gap image over UART on a virgin chip: sector 1 holds only 0xFF fill.
 * Reading all of it to find it blank (64 READs of 256 bytes, about 1.6 s
 * at 115200) costs more than erasing it (250 ms), so it is erased and not
 * compared; sectors with data are compared only up to their first
 * difference.  Without that rule, sector 1 was read whole and skipped. */
Test(cost_model_e2e, uart_gap_sector_is_erased_not_read)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 48 * 1024, 9);
	char args[1024];
	unsigned reads;

	memset(img + 16384, 0xFF, 16384);
	e2e_spit(e2e_app_path(), img, 48 * 1024);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(run("0x413", "", args), 0, "%s", out);
	cr_expect(strstr(out, "3 unit(s) erased, 0 unchanged unit(s) skipped"),
	          "%s", out);
	cr_expect(strstr(out, "16384 bytes of 0xFF fill left to the erase"), "%s",
	          out);
	/* The verify's 128 READs of the data, a first block of sectors 0 and
	 * 2, and the identification's few; reading sector 1 adds 64. */
	reads = e2e_count_lines(e2e_trace(), "READ");
	cr_expect_leq(reads, 128 + 2 + 8, "%u READs: %s", reads, out);
	e2e_assert_flash(c, img, 0, 48 * 1024, 0);
	free(img);
}

/* Programming end to end through the stmprog program and the in-memory
 * test device: what reaches the device, what is skipped, that bad input
 * touches nothing, and that a device holding other bytes is never a
 * success. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_helpers.h"

static char out[65536];

TestSuite(program, .init = th_dir_setup, .fini = th_dir_teardown);

static int stmprog(const char *extra_env, const char *args)
{
	char cmd[16384];
	snprintf(cmd, sizeof(cmd),
	         "STMPROG_BACKEND_PATH='%s' STP_MEMDEV_PID=413 "
	         "STP_MEMDEV_FLASH='%s' STP_MEMDEV_JOURNAL='%s' %s '%s' %s",
	         th_build_path("tests/modules/good"), th_dir_path("flash.bin"),
	         th_dir_path("journal.txt"), extra_env ? extra_env : "",
	         th_build_path("frontends/stmprog"), args);
	return th_run(cmd, out, sizeof(out));
}

static void write_file(const char *name, const uint8_t *data, size_t n)
{
	FILE *f = fopen(th_dir_path(name), "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static size_t read_file(const char *name, uint8_t *buf, size_t max)
{
	FILE *f = fopen(th_dir_path(name), "rb");
	size_t n;
	if (!f)
		return 0;
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static int journal_count(const char *what)
{
	static char j[1 << 20];
	size_t n = read_file("journal.txt", (uint8_t *)j, sizeof(j) - 1);
	int count = 0;
	j[n] = '\0';
	for (char *p = j; (p = strstr(p, what)); p++)
		count++;
	return count;
}

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 8)) ^ 0x5A);
	return b;
}

Test(program, download_verify_go_and_the_bytes_land)
{
	const size_t n = 70000; /* sectors 0-3 (16K) and 4 (64K) */
	uint8_t *img = pattern(n, 1);
	static uint8_t flash[1 << 20];
	char args[8192];

	/* A vector table -g accepts: SP in RAM, a Thumb reset vector in
	 * flash. */
	memcpy(img, "\x00\x10\x00\x20\x01\x01\x00\x08", 8);
	write_file("fw.bin", img, n);
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -d '%s' 0x08000000 -v -g",
	         th_dir_path("fw.bin"));
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	/* Sector 4 is partly covered: read whole to keep its other bytes,
	 * found blank, so not erased. */
	cr_assert(strstr(out, "4 unit(s) erased"), "%s", out);
	cr_assert(strstr(out, "1 blank unit(s) read and not erased"), "%s", out);
	cr_assert(strstr(out, "70000 bytes verified by read-back"), "%s", out);
	cr_assert(strstr(out, "Started the application"), "%s", out);
	cr_assert_eq(read_file("flash.bin", flash, sizeof(flash)), 1 << 20);
	cr_assert_arr_eq(flash, img, n);
	for (size_t i = n; i < 0x20000; i++)
		cr_assert_eq(flash[i], 0xFF, "byte %zu after the image", i);
	cr_assert_eq(journal_count("erase unit"), 4);
	cr_assert_eq(journal_count("erase unit 4"), 0);
	cr_assert_eq(journal_count("go 0x"), 1);
	free(img);
}

Test(program, rewrite_after_one_sector_changed_touches_one_sector)
{
	const size_t n = 3 * 16384;
	uint8_t *img = pattern(n, 2);
	char args[8192];

	write_file("fw.bin", img, n);
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -d '%s'", th_dir_path("fw.bin"));
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	cr_assert_eq(journal_count("erase unit"), 3);
	img[16384 + 100] ^= 0xFF;
	write_file("fw.bin", img, n);
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	cr_assert(strstr(out, "1 unit(s) erased, 2 unchanged unit(s) skipped, 16384 bytes written"),
	          "%s", out);
	cr_assert_eq(journal_count("erase unit"), 4);
	cr_assert_eq(journal_count("erase unit 1 0x08004000"), 2);
	/* the same image again: nothing is erased or written */
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	cr_assert(strstr(out, "already holds this image"), "%s", out);
	cr_assert_eq(journal_count("erase unit"), 4);
	free(img);
}

Test(program, image_that_does_not_fit_touches_nothing)
{
	uint8_t *img = pattern(4096, 3);
	char args[8192];

	write_file("fw.bin", img, 4096);
	/* -e all comes first, but the image is checked before anything runs */
	snprintf(args, sizeof(args),
	         "-c port=/stp-test/memdev -e all -d '%s' 0x080FF800", th_dir_path("fw.bin"));
	cr_assert_eq(stmprog(NULL, args), 4, "%s", out);
	cr_assert(strstr(out, "data at 0x08100000"), "%s", out);
	cr_assert(strstr(out, "outside the flash"), "%s", out);
	cr_assert_eq(journal_count("erase"), 0);
	cr_assert_eq(journal_count("write"), 0);
	free(img);
}

Test(program, malformed_file_fails_before_connecting)
{
	char args[8192];
	const char *bad = ":10000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF01\n:00000001FF\n";

	write_file("bad.hex", (const uint8_t *)bad, strlen(bad));
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -e all -d '%s'", th_dir_path("bad.hex"));
	cr_assert_eq(stmprog(NULL, args), 4, "%s", out);
	cr_assert(strstr(out, "bad.hex"), "%s", out);
	cr_assert(strstr(out, "line 1"), "%s", out);
	cr_assert_eq(journal_count("open"), 0);
}

Test(program, a_byte_the_device_did_not_take_is_a_verify_failure)
{
	uint8_t *img = pattern(1024, 4);
	char args[8192];

	write_file("fw.bin", img, 1024);
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -d '%s' -v -g", th_dir_path("fw.bin"));
	cr_assert_eq(stmprog("STP_MEMDEV_STUCK=0x08000123", args), 5, "%s", out);
	cr_assert(strstr(out, "verify failed at 0x08000123"), "%s", out);
	cr_assert(strstr(out, "write-protected"), "%s", out);
	cr_assert_null(strstr(out, "Verified"), "%s", out);
	/* the run stopped there: no go */
	cr_assert_eq(journal_count("go 0x"), 0);
	free(img);
}

Test(program, erase_all_then_download_skips_erase)
{
	uint8_t *img = pattern(512, 5);
	char args[8192];

	write_file("fw.bin", img, 512);
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -e all -d '%s'", th_dir_path("fw.bin"));
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	cr_assert_eq(journal_count("erase mass"), 1);
	cr_assert_eq(journal_count("erase unit"), 0);
	free(img);
}

Test(program, erase_sectors_by_number)
{
	char args[256];

	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -e [1 3]");
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	cr_assert_eq(journal_count("erase unit 1 "), 1);
	cr_assert_eq(journal_count("erase unit 3 "), 1);
	cr_assert_eq(journal_count("erase unit"), 3);
	cr_assert_eq(stmprog(NULL, "-c port=/stp-test/memdev -e 12"), 2, "%s", out);
	cr_assert(strstr(out, "sector 12 does not exist"), "%s", out);
	cr_assert(strstr(out, "sectors 0 to 11"), "%s", out);
}

Test(program, verify_without_download_is_a_usage_error)
{
	cr_assert_eq(stmprog(NULL, "-c port=/stp-test/memdev -v"), 2, "%s", out);
	cr_assert(strstr(out, "-v verifies a download"), "%s", out);
}

Test(program, device_crc_verifies_and_skips_without_reading)
{
	const size_t n = 2 * 16384;
	uint8_t *img = pattern(n, 6);
	char args[8192];

	write_file("fw.bin", img, n);
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -d '%s'", th_dir_path("fw.bin"));
	cr_assert_eq(stmprog("STP_MEMDEV_CRC=1", args), 0, "%s", out);
	cr_assert(strstr(out, "verified by device CRC"), "%s", out);
	cr_assert_eq(journal_count("read 0x08"), 0);
	/* again: both units compared by CRC, nothing read or written */
	cr_assert_eq(stmprog("STP_MEMDEV_CRC=1", args), 0, "%s", out);
	cr_assert(strstr(out, "already holds this image (2 unit(s) compared"), "%s", out);
	cr_assert_eq(journal_count("read 0x08"), 0);
	cr_assert_eq(journal_count("write 0x"), 128);
	/* a byte the device did not take: the CRC differs, the read-back
	 * names the address */
	img[100] ^= 0x0F;
	write_file("fw.bin", img, n);
	cr_assert_eq(stmprog("STP_MEMDEV_CRC=1 STP_MEMDEV_STUCK=0x08000064", args), 5, "%s", out);
	cr_assert(strstr(out, "verify failed at 0x08000064"), "%s", out);
	free(img);
}

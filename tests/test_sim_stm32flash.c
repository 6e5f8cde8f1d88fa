/* stmprog-sim against an independent client: Debian's stm32flash 0.7.
 *
 * stm32flash's expectations are the reference here: when it fails, the
 * simulator is wrong (except where a real ROM makes it fail too, which
 * the test says).  Results are checked in the --flash files directly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "stmprog/plan.h"
#include "test_helpers.h"
#include "test_sim_util.h"

static void need_stm32flash(void)
{
	th_dir_setup();
	th_need("stm32flash", "stm32flash");
}

TestSuite(stm32flash, .init = need_stm32flash, .fini = th_dir_teardown,
          .timeout = 120);

static char out[1 << 16];

/* stm32flash ARGS {port} under the simulator, in the test's directory
 * (file names in ARGS are relative to it); returns its status.  The
 * trace file is started afresh each time. */
static int run(const char *chip, const char *flash, const char *args)
{
	char cmd[16384];

	unlink(th_dir_path("trace"));
	snprintf(cmd, sizeof(cmd), "cd %s && %s --chip %s --flash %s --trace "
	         "trace -- stm32flash -b 115200 %s {port}", th_dir, ts_sim_path(),
	         chip, flash, args);
	return th_run(cmd, out, sizeof(out));
}

static void pattern(uint8_t *b, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
}

static uint8_t *image(const char *name, size_t n, unsigned seed)
{
	uint8_t *b = malloc(n);

	cr_assert_not_null(b);
	pattern(b, n, seed);
	ts_write_file(th_dir_path(name), b, n);
	return b;
}

static uint8_t *flash_file(const char *name, size_t size)
{
	uint8_t *b = malloc(size + 1);

	cr_assert_not_null(b);
	cr_assert_eq(ts_read_file(th_dir_path(name), b, size + 1), size,
	             "%s is not %zu bytes", name, size);
	return b;
}

static void all(const uint8_t *b, size_t from, size_t to, uint8_t v)
{
	for (size_t i = from; i < to; i++)
		cr_assert_eq(b[i], v, "byte 0x%zx is 0x%02X, not 0x%02X", i, b[i], v);
}

static const char *trace(void)
{
	return ts_text(th_dir_path("trace"));
}

Test(stm32flash, f1_write_verify_read)
{
	uint8_t *img = image("img.bin", 8192, 1), *f, *rd;

	cr_assert_eq(run("0x410", "f1.bin", "-w img.bin -v"), 0, "%s", out);
	f = flash_file("f1.bin", 128 * 1024);
	cr_assert_arr_eq(f, img, 8192);
	all(f, 8192, 128 * 1024, 0xFF);
	/* F1 has the one-byte ERASE (0x43): page numbers. */
	cr_assert(strstr(trace(), "ERASE 0,1,2,3,4,5,6,7\n"), "%s", trace());
	free(f);

	cr_assert_eq(run("0x410", "f1.bin", "-r back.bin -S 0x08000000:8192"),
	             0, "%s", out);
	rd = flash_file("back.bin", 8192);
	cr_assert_arr_eq(rd, img, 8192);
	free(rd);
	free(img);
}

Test(stm32flash, f4_write_verify_read_and_erase_only)
{
	uint8_t *img = image("img.bin", 65536, 2), *f;

	cr_assert_eq(run("0x413", "f4.bin", "-w img.bin -v"), 0, "%s", out);
	cr_assert(strstr(trace(), "ERASE 0,1,2,3\n"), "%s", trace());
	f = flash_file("f4.bin", 1024 * 1024);
	cr_assert_arr_eq(f, img, 65536);
	all(f, 65536, 1024 * 1024, 0xFF);
	free(f);

	/* Erase only sector 1 (0x08004000, 16 KiB). */
	cr_assert_eq(run("0x413", "f4.bin", "-o -S 0x08004000:16384"), 0,
	             "%s", out);
	cr_assert(strstr(trace(), "ERASE 1\n"), "%s", trace());
	f = flash_file("f4.bin", 1024 * 1024);
	cr_assert_arr_eq(f, img, 16384);
	all(f, 16384, 32768, 0xFF);
	cr_assert_arr_eq(f + 32768, img + 32768, 32768);
	free(f);

	/* Erase everything: a mass erase on F4. */
	cr_assert_eq(run("0x413", "f4.bin", "-o"), 0, "%s", out);
	cr_assert(strstr(trace(), "ERASE MASS\n"), "%s", trace());
	f = flash_file("f4.bin", 1024 * 1024);
	all(f, 0, 1024 * 1024, 0xFF);
	free(f);
	free(img);
}

Test(stm32flash, l0_page_erase_and_zero_erased_value)
{
	uint8_t *img = image("img.bin", 4096, 3), *f;
	size_t size = 192 * 1024;

	cr_assert_eq(run("0x447", "l0.bin", "-w img.bin -v"), 0, "%s", out);
	f = flash_file("l0.bin", size);
	cr_assert_arr_eq(f, img, 4096);
	all(f, 4096, size, 0x00);
	free(f);
	cr_assert(!strstr(trace(), "ERASE MASS"), "%s", trace());
	cr_assert(strstr(trace(), "ERASE 0,1,2,"), "%s", trace());

	/* Everything, page by page (no mass erase on L0). */
	cr_assert_eq(run("0x447", "l0.bin", "-o"), 0, "%s", out);
	cr_assert(!strstr(trace(), "ERASE MASS"), "%s", trace());
	f = flash_file("l0.bin", size);
	all(f, 0, size, 0x00);
	free(f);
	free(img);
}

Test(stm32flash, l4_write_verify)
{
	uint8_t *img = image("img.bin", 16384, 4), *f, *rd;

	cr_assert_eq(run("0x435", "l4.bin", "-w img.bin -v"), 0, "%s", out);
	f = flash_file("l4.bin", 256 * 1024);
	cr_assert_arr_eq(f, img, 16384);
	all(f, 16384, 256 * 1024, 0xFF);
	free(f);
	cr_assert_eq(run("0x435", "l4.bin", "-r back.bin -S 0x08000000:16384"),
	             0, "%s", out);
	rd = flash_file("back.bin", 16384);
	cr_assert_arr_eq(rd, img, 16384);
	free(rd);
	free(img);
}

Test(stm32flash, h7_write_verify_and_unpadded_tail)
{
	uint8_t *img = image("img.bin", 8192, 5), *f;

	cr_assert_eq(run("0x450", "h7.bin", "-w img.bin -v"), 0, "%s", out);
	f = flash_file("h7.bin", 2048 * 1024);
	cr_assert_arr_eq(f, img, 8192);
	free(f);

	/* 1000 bytes: stm32flash pads to 4 bytes only, the last 32-byte
	 * flash word is partly covered and stays erased, as on the ROM, so
	 * its verify fails visibly. */
	ts_write_file(th_dir_path("odd.bin"), img, 1000);
	cr_assert_neq(run("0x450", "h7b.bin", "-w odd.bin -v -n 1"), 0, "%s", out);
	cr_assert(strstr(out, "Failed to verify at address 0x080003e"), "%s", out);
	f = flash_file("h7b.bin", 2048 * 1024);
	cr_assert_arr_eq(f, img, 992);
	all(f, 992, 1024, 0xFF);
	free(f);
	free(img);
}

Test(stm32flash, go_starts_a_plausible_application)
{
	uint8_t *img = image("img.bin", 1024, 6);
	/* SP 0x20020000 (F4 RAM top), reset handler 0x08000101. */
	const uint8_t vec[8] = {0x00, 0x00, 0x02, 0x20, 0x01, 0x01, 0x00, 0x08};

	memcpy(img, vec, sizeof(vec));
	ts_write_file(th_dir_path("img.bin"), img, 1024);
	cr_assert_eq(run("0x413", "f4.bin", "-w img.bin -v -g 0x08000000"), 0,
	             "%s", out);
	cr_assert(strstr(out, "the application runs"), "%s", out);
	cr_assert(strstr(trace(), "GO 0x08000000\n"));
	cr_assert(strstr(ts_text(th_dir_path("f4.bin.state")),
	                 "go=0x08000000\napp=running\n"));
	free(img);
}

/* stm32flash's own CRC (over READs on a part without GET CHECKSUM) and
 * the simulator's device CRC (on a part with it) over the same bytes. */
Test(stm32flash, crc_matches_the_device_checksum)
{
	uint8_t *f4 = calloc(1, 1024 * 1024), *c0 = malloc(32 * 1024);
	unsigned long got = 0;
	const char *p;
	ts_sim s;
	uint8_t len[5] = {0x00, 0x00, 0x10, 0x00, 0x10}, r[5];
	uint32_t dev;
	char o[8192];

	cr_assert_not_null(f4);
	cr_assert_not_null(c0);
	pattern(f4, 4096, 7);
	memset(f4 + 4096, 0xFF, 1024 * 1024 - 4096);
	ts_write_file(th_dir_path("f4.bin"), f4, 1024 * 1024);
	memcpy(c0, f4, 32 * 1024);
	ts_write_file(th_dir_path("c0.bin"), c0, 32 * 1024);

	cr_assert_eq(run("0x413", "f4.bin", "-C -S 0x08000000:4096"), 0, "%s", out);
	p = strstr(out, "CRC(0x08000000-0x08001000) = 0x");
	cr_assert_not_null(p, "%s", out);
	got = strtoul(strchr(p, '=') + 2, NULL, 16);
	cr_assert_eq(got, stp_crc32_stm32(0xFFFFFFFFu, f4, 4096));

	snprintf(o, sizeof(o), "--chip 0x443 --flash %s", th_dir_path("c0.bin"));
	ts_start(&s, o);
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0xA1), TS_ACK);
	cr_assert_eq(ts_addr(&s, 0x08000000), TS_ACK);
	ts_send(&s, len, 5);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_recv(&s, r, 5, 1000), 5);
	dev = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
	cr_assert_eq(dev, (uint32_t)got, "device 0x%08X, stm32flash 0x%08lX", dev, got);
	cr_assert_eq(ts_finish(&s), 0);
	free(f4);
	free(c0);
}

Test(stm32flash, readout_protect_and_unprotect)
{
	uint8_t *img = image("img.bin", 2048, 8), *f;

	cr_assert_eq(run("0x410", "f1.bin", "-w img.bin -v"), 0, "%s", out);
	cr_assert_eq(run("0x410", "f1.bin", "-j"), 0, "%s", out);
	cr_assert(strstr(ts_text(th_dir_path("f1.bin.state")), "rdp=1\n"));
	cr_assert_neq(run("0x410", "f1.bin", "-r back.bin -S 0x08000000:256"), 0);
	cr_assert(strstr(trace(), "NACK READ: readout protection"), "%s", trace());
	cr_assert_eq(run("0x410", "f1.bin", "-k"), 0, "%s", out);
	cr_assert(strstr(ts_text(th_dir_path("f1.bin.state")), "rdp=0\n"));
	f = flash_file("f1.bin", 128 * 1024);
	all(f, 0, 128 * 1024, 0xFF);
	free(f);
	cr_assert_eq(run("0x410", "f1.bin", "-u"), 0, "%s", out);
	cr_assert(strstr(trace(), "WUNP\nRESET WUNP\n"), "%s", trace());
	free(img);
}

/* stmprog-sim on its own: the AN3155 device side byte by byte, the chip
 * model (program units, erased values, protection, empty check), files
 * that persist, the line check, faults and the command line. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "stmprog/plan.h"
#include "test_helpers.h"
#include "test_sim_util.h"

TestSuite(sim, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

static void expect_bytes(ts_sim *s, const uint8_t *want, size_t n)
{
	uint8_t got[300];
	size_t k = ts_recv(s, got, n, 1000);

	cr_assert_eq(k, n, "got %zu of %zu bytes", k, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(got[i], want[i], "byte %zu: 0x%02X, expected 0x%02X",
		             i, got[i], want[i]);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

static const char *opts(const char *fmt, const char *a)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), fmt, a, a, a);
	return buf;
}

/* ---- sync and the informational commands ---- */

Test(sim, sync_then_second_sync_is_a_command)
{
	ts_sim s;

	ts_start(&s, "--chip 0x410");
	ts_open(&s, true);
	cr_assert(ts_silent(&s, 50));
	/* Junk before sync is ignored. */
	ts_send1(&s, 0x00);
	cr_assert(ts_silent(&s, 100));
	cr_assert_eq(ts_sync(&s), TS_ACK);
	/* stm32flash's init relies on this: no answer to a second 0x7F, a
	 * NACK for the byte after it. */
	ts_send1(&s, 0x7F);
	cr_assert(ts_silent(&s, 200));
	ts_send1(&s, 0x7F);
	cr_assert_eq(ts_byte(&s, 1000), TS_NACK);
	/* Still in command mode. */
	cr_assert_eq(ts_cmd(&s, 0x02), TS_ACK);
	expect_bytes(&s, (const uint8_t[]){0x01, 0x04, 0x10, TS_ACK}, 4);
	/* Unknown code with the right complement. */
	cr_assert_eq(ts_cmd(&s, 0x44), TS_NACK);
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim, get_f1_lists_erase)
{
	ts_sim s;
	const uint8_t want[] = {11, 0x22, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
	                        0x43, 0x63, 0x73, 0x82, 0x92, TS_ACK};

	ts_start(&s, "--chip 0x410");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x00), TS_ACK);
	expect_bytes(&s, want, sizeof(want));
	cr_assert_eq(ts_cmd(&s, 0x01), TS_ACK);
	expect_bytes(&s, (const uint8_t[]){0x22, 0x00, 0x00, TS_ACK}, 4);
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim, get_f4_lists_extended_erase)
{
	ts_sim s;
	const uint8_t want[] = {11, 0x31, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
	                        0x44, 0x63, 0x73, 0x82, 0x92, TS_ACK};

	ts_start(&s, "--chip STM32F405");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x00), TS_ACK);
	expect_bytes(&s, want, sizeof(want));
	cr_assert_eq(ts_cmd(&s, 0x02), TS_ACK);
	expect_bytes(&s, (const uint8_t[]){0x01, 0x04, 0x13, TS_ACK}, 4);
	/* 0x43 is not listed, so it is refused. */
	cr_assert_eq(ts_cmd(&s, 0x43), TS_NACK);
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim, get_lists_checksum_where_the_table_says)
{
	ts_sim s;
	/* C0 0x443: version unknown in the table = 0x31. */
	const uint8_t want[] = {12, 0x31, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
	                        0x44, 0x63, 0x73, 0x82, 0x92, 0xA1, TS_ACK};

	ts_start(&s, "--chip 0x443");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x00), TS_ACK);
	expect_bytes(&s, want, sizeof(want));
	cr_assert_eq(ts_finish(&s), 0);
}

/* ---- memory ---- */

Test(sim, read_write_round_trip_and_file)
{
	ts_sim s;
	uint8_t data[256], back[256], file[512];

	fill(data, sizeof(data), 3);
	ts_start(&s, opts("--chip 0x413 --flash %s/f4.bin --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000100, data, 256), 0);
	cr_assert_eq(ts_read(&s, 0x08000100, back, 256), 0);
	cr_assert_arr_eq(back, data, 256);
	/* RAM from ram_start, the UID, the flash-size register. */
	cr_assert_eq(ts_write(&s, 0x20003000, data, 16), 0);
	cr_assert_eq(ts_read(&s, 0x20003000, back, 16), 0);
	cr_assert_arr_eq(back, data, 16);
	cr_assert_eq(ts_read(&s, 0x1FFF7A22, back, 2), 0);
	cr_assert_eq(back[0] | back[1] << 8, 1024);
	cr_assert_eq(ts_read(&s, 0x1FFF7A10, back, 12), 0);
	/* The bootloader's own RAM cannot be written, nothing at all can
	 * be read where nothing is. */
	cr_assert_eq(ts_write(&s, 0x20000000, data, 16), 2);
	cr_assert_eq(ts_read(&s, 0x40000000, back, 4), 2);
	/* Unaligned writes are refused after the data. */
	cr_assert_eq(ts_write(&s, 0x08000202, data, 8), 3);
	cr_assert_eq(ts_write(&s, 0x08000200, data, 6), 3);
	cr_assert_eq(ts_finish(&s), 0);

	cr_assert_eq(ts_read_file(th_dir_path("f4.bin"), file, sizeof(file)), 512);
	cr_assert_arr_eq(file + 256, data, 256);
	for (int i = 0; i < 256; i++)
		cr_assert_eq(file[i], 0xFF);
	cr_assert(strstr(ts_text(th_dir_path("trace")),
	                 "SYNC\nWRITE 0x08000100 256\nREAD 0x08000100 256\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "NACK READ 0x40000000"));
}

Test(sim, partial_program_units_stay_unwritten)
{
	ts_sim s;
	uint8_t data[64], back[64];

	fill(data, sizeof(data), 9);
	/* H7: 32-byte flash words. */
	ts_start(&s, "--chip 0x450");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000000, data, 48), 0);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 64), 0);
	cr_assert_arr_eq(back, data, 32);
	for (int i = 32; i < 64; i++)
		cr_assert_eq(back[i], 0xFF, "byte %d written", i);
	cr_assert_eq(ts_finish(&s), 0);

	/* L4: 64-bit double words. */
	ts_start(&s, "--chip 0x435");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000000, data, 12), 0);
	cr_assert_eq(ts_write(&s, 0x08000104, data, 8), 0);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 16), 0);
	cr_assert_arr_eq(back, data, 8);
	for (int i = 8; i < 16; i++)
		cr_assert_eq(back[i], 0xFF);
	cr_assert_eq(ts_read(&s, 0x08000100, back, 16), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(back[i], 0xFF);
	/* A written double word keeps its bytes; the same data again is
	 * fine (a retried write). */
	cr_assert_eq(ts_write(&s, 0x08000000, data + 8, 8), 0);
	cr_assert_eq(ts_write(&s, 0x08000000, data, 8), 0);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 8), 0);
	cr_assert_arr_eq(back, data, 8);
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim, l0_flash_erases_to_zero)
{
	ts_sim s;
	uint8_t back[16], file[1024];
	const uint16_t page = 2;

	ts_start(&s, opts("--chip 0x447 --flash %s/l0.bin", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 16), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(back[i], 0x00);
	cr_assert_eq(ts_write(&s, 0x08000100, (const uint8_t[]){1, 2, 3, 4}, 4), 0);
	/* No mass erase on L0: pages only. */
	cr_assert_eq(ts_eerase_special(&s, 0xFFFF), 2);
	cr_assert_eq(ts_eerase(&s, &page, 1), 0);
	cr_assert_eq(ts_read(&s, 0x08000100, back, 4), 0);
	cr_assert_eq(back[0] | back[1] | back[2] | back[3], 0);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert_eq(ts_read_file(th_dir_path("l0.bin"), file, sizeof(file)), 1024);
	for (int i = 0; i < 1024; i++)
		cr_assert_eq(file[i], 0x00);
}

Test(sim, erase_pages_banks_and_limits)
{
	ts_sim s;
	uint8_t data[16], back[16];
	const uint16_t unit1 = 1, beyond = 12;

	fill(data, sizeof(data), 1);
	ts_start(&s, opts("--chip 0x413 --trace %s/trace", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000000, data, 16), 0);
	cr_assert_eq(ts_write(&s, 0x08004000, data, 16), 0);
	cr_assert_eq(ts_eerase(&s, &unit1, 1), 0);
	cr_assert_eq(ts_read(&s, 0x08004000, back, 16), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(back[i], 0xFF);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 16), 0);
	cr_assert_arr_eq(back, data, 16);
	cr_assert_eq(ts_eerase(&s, &beyond, 1), 2);
	/* Single bank: no bank erase; mass erase works. */
	cr_assert_eq(ts_eerase_special(&s, 0xFFFE), 2);
	cr_assert_eq(ts_eerase_special(&s, 0xFFFF), 0);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 16), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(back[i], 0xFF);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(th_dir_path("trace")),
	                 "ERASE 1\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "NACK ERASE 12"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "ERASE MASS\n"));

	/* Dual-bank F42x: bank 2 alone. */
	ts_start(&s, "--chip 0x419");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000000, data, 16), 0);
	cr_assert_eq(ts_write(&s, 0x08100000, data, 16), 0);
	cr_assert_eq(ts_eerase_special(&s, 0xFFFD), 0);
	cr_assert_eq(ts_read(&s, 0x08100000, back, 16), 0);
	cr_assert_eq(back[0], 0xFF);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 16), 0);
	cr_assert_arr_eq(back, data, 16);
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim, legacy_erase_on_f1)
{
	ts_sim s;
	uint8_t data[8], back[8];
	const uint8_t pages[] = {1, 5, 6, 1 ^ 5 ^ 6 ^ 2};

	fill(data, sizeof(data), 5);
	ts_start(&s, opts("--chip 0x410 --trace %s/trace", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08001400, data, 8), 0);
	cr_assert_eq(ts_cmd(&s, 0x43), TS_ACK);
	ts_send1(&s, 2); /* three pages */
	ts_send(&s, pages, sizeof(pages));
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_read(&s, 0x08001400, back, 8), 0);
	cr_assert_eq(back[0], 0xFF);
	/* Global erase: 0xFF 0x00. */
	cr_assert_eq(ts_cmd(&s, 0x43), TS_ACK);
	ts_send(&s, (const uint8_t[]){0xFF, 0x00}, 2);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(th_dir_path("trace")),
	                 "ERASE 1,5,6\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "ERASE MASS\n"));
}

Test(sim, get_checksum_is_the_stm32_crc)
{
	ts_sim s;
	uint8_t data[256], r[5], len[5] = {0, 0, 1, 0, 0 ^ 0 ^ 1 ^ 0};
	uint32_t want;

	fill(data, sizeof(data), 11);
	want = stp_crc32_stm32(0xFFFFFFFFu, data, sizeof(data));
	ts_start(&s, "--chip 0x443");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000400, data, 256), 0);
	cr_assert_eq(ts_cmd(&s, 0xA1), TS_ACK);
	cr_assert_eq(ts_addr(&s, 0x08000400), TS_ACK);
	ts_send(&s, len, 5);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_recv(&s, r, 5, 1000), 5);
	cr_assert_eq((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
	             (uint32_t)r[2] << 8 | r[3], want);
	cr_assert_eq(r[4], r[0] ^ r[1] ^ r[2] ^ r[3]);
	/* A length that is not a multiple of 4 is refused. */
	cr_assert_eq(ts_cmd(&s, 0xA1), TS_ACK);
	cr_assert_eq(ts_addr(&s, 0x08000400), TS_ACK);
	ts_send(&s, (const uint8_t[]){0, 0, 0, 6, 6}, 5);
	cr_assert_eq(ts_byte(&s, 1000), TS_NACK);
	cr_assert_eq(ts_finish(&s), 0);
}

/* ---- protection ---- */

Test(sim, readout_protection_and_unprotect)
{
	ts_sim s;
	uint8_t data[16], back[16];

	fill(data, sizeof(data), 2);
	ts_start(&s, opts("--chip 0x410 --flash %s/f1.bin --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000000, data, 16), 0);
	cr_assert_eq(ts_cmd(&s, 0x82), TS_ACK);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	/* Reset: commands go unanswered until a new sync. */
	cr_assert_eq(ts_cmd(&s, 0x02), -1);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x11), TS_NACK);
	cr_assert_eq(ts_cmd(&s, 0x21), TS_NACK);
	cr_assert_eq(ts_cmd(&s, 0x43), TS_NACK);
	cr_assert_eq(ts_cmd(&s, 0x31), TS_ACK);
	cr_assert_eq(ts_addr(&s, 0x08000000), TS_NACK);
	/* GET still answers. */
	cr_assert_eq(ts_cmd(&s, 0x02), TS_ACK);
	expect_bytes(&s, (const uint8_t[]){0x01, 0x04, 0x10, TS_ACK}, 4);
	cr_assert(strstr(ts_text(th_dir_path("f1.bin.state")), "rdp=1\n"));
	/* Unprotect: mass erase, level 0, reset. */
	cr_assert_eq(ts_cmd(&s, 0x92), TS_ACK);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x02), -1);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_read(&s, 0x08000000, back, 16), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(back[i], 0xFF);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(th_dir_path("f1.bin.state")), "rdp=0\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")),
	                 "RDP\nRESET RDP\nSYNC\nNACK READ: readout protection\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "RDU\nRESET RDU\nSYNC\n"));
}

Test(sim, write_protected_units_keep_their_bytes)
{
	ts_sim s;
	uint8_t data[16], back[16];
	const uint8_t wp[] = {0, 1, 0 ^ 1};
	const uint16_t unit1 = 1;

	fill(data, sizeof(data), 4);
	ts_start(&s, opts("--chip 0x413 --flash %s/f4.bin --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x63), TS_ACK);
	ts_send(&s, wp, sizeof(wp));
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	/* ACKed, as the ROMs do, but nothing changes. */
	cr_assert_eq(ts_write(&s, 0x08004000, data, 16), 0);
	cr_assert_eq(ts_read(&s, 0x08004000, back, 16), 0);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(back[i], 0xFF);
	cr_assert_eq(ts_write(&s, 0x08008000, data, 16), 0);
	cr_assert_eq(ts_read(&s, 0x08008000, back, 16), 0);
	cr_assert_arr_eq(back, data, 16);
	cr_assert_eq(ts_eerase(&s, &unit1, 1), 2);
	cr_assert(strstr(ts_text(th_dir_path("f4.bin.state")), "wrp=1\n"));
	cr_assert_eq(ts_cmd(&s, 0x73), TS_ACK);
	cr_assert_eq(ts_byte(&s, 1000), TS_ACK);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08004000, data, 16), 0);
	cr_assert_eq(ts_read(&s, 0x08004000, back, 16), 0);
	cr_assert_arr_eq(back, data, 16);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(th_dir_path("f4.bin.state")), "wrp=\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "WP 1\nRESET WP\n"));
	cr_assert(strstr(ts_text(th_dir_path("trace")), "NACK ERASE 1: write-protected"));
}

/* ---- persistence ---- */

Test(sim, flash_and_state_persist_across_runs)
{
	ts_sim s;
	uint8_t data[64], back[64];

	fill(data, sizeof(data), 6);
	ts_start(&s, opts("--chip 0x410 --flash %s/f.bin", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000040, data, 64), 0);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert_str_eq(ts_text(th_dir_path("f.bin.state")),
	                 "rdp=0\nwrp=\ngo=none\napp=bootloader\n");
	cr_assert_eq(access(th_dir_path("f.bin.ob"), R_OK), 0);

	ts_start(&s, opts("--chip 0x410 --flash %s/f.bin", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_read(&s, 0x08000040, back, 64), 0);
	cr_assert_arr_eq(back, data, 64);
	/* The option bytes as a factory-fresh F1 has them. */
	cr_assert_eq(ts_read(&s, 0x1FFFF800, back, 4), 0);
	cr_assert_eq(back[0], 0xA5);
	cr_assert_eq(back[1], 0x5A);
	cr_assert_eq(ts_finish(&s), 0);

	/* A state file says "start protected". */
	ts_write_file(th_dir_path("f.bin.state"), "rdp=1\nwrp=3\n", 12);
	ts_start(&s, opts("--chip 0x410 --flash %s/f.bin", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x11), TS_NACK);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert_str_eq(ts_text(th_dir_path("f.bin.state")),
	                 "rdp=1\nwrp=3\ngo=none\napp=bootloader\n");
}

Test(sim, option_byte_write_reloads_and_resets)
{
	ts_sim s;
	uint8_t ob[16], back[16];

	ts_start(&s, opts("--chip 0x410 --flash %s/f.bin --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_read(&s, 0x1FFFF800, ob, 16), 0);
	ob[4] = 0x12;
	ob[5] = 0xED;
	cr_assert_eq(ts_write(&s, 0x1FFFF800, ob, 16), 0);
	cr_assert_eq(ts_cmd(&s, 0x02), -1);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_read(&s, 0x1FFFF800, back, 16), 0);
	cr_assert_arr_eq(back, ob, 16);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(th_dir_path("trace")), "RESET OB\n"));
}

/* ---- GO and the empty check ---- */

Test(sim, go_with_empty_check_on_l4)
{
	ts_sim s;
	/* SP at the top of RAM, reset handler odd in flash. */
	const uint8_t vec[8] = {0x00, 0xC0, 0x00, 0x20, 0x01, 0x01, 0x00, 0x08};

	ts_start(&s, opts("--chip 0x435 --flash %s/l4.bin --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_write(&s, 0x08000000, vec, 8), 0);
	cr_assert_eq(ts_go(&s, 0x08000000), 0);
	/* Empty at power-on: back in the bootloader, needing a sync. */
	cr_assert_eq(ts_cmd(&s, 0x02), -1);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_cmd(&s, 0x02), TS_ACK);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(s.errfile), "empty check"));
	cr_assert(strstr(ts_text(th_dir_path("l4.bin.state")),
	                 "go=0x08000000\napp=bootloader\n"));

	/* Next power-on: not empty, the application runs. */
	ts_start(&s, opts("--chip 0x435 --flash %s/l4.bin --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_go(&s, 0x08000000), 0);
	cr_assert_eq(ts_sync(&s), -1);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(s.errfile), "the application runs"));
	cr_assert(strstr(ts_text(th_dir_path("l4.bin.state")), "app=running\n"));
}

Test(sim, go_to_garbage_silences_the_device)
{
	ts_sim s;

	ts_start(&s, opts("--chip 0x413 --flash %s/f4.bin", th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	/* Erased flash: SP 0xFFFFFFFF is no stack. */
	cr_assert_eq(ts_go(&s, 0x08000000), 0);
	cr_assert_eq(ts_sync(&s), -1);
	/* Not a jump target at all: NACK. */
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(s.errfile), "no plausible vector"));
	cr_assert(strstr(ts_text(th_dir_path("f4.bin.state")), "app=none\n"));
}

/* ---- the line ---- */

Test(sim, host_port_8n1_never_syncs)
{
	ts_sim s;

	ts_start(&s, "--chip 0x410");
	ts_open(&s, false);
	cr_assert_eq(ts_sync(&s), -1);
	cr_assert_eq(ts_sync(&s), -1);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(s.errfile), "8N1"), "%s", ts_text(s.errfile));
	cr_assert(strstr(ts_text(s.errfile), "8E1"));
}

Test(sim, baud_far_from_the_chips_never_syncs)
{
	ts_sim s;

	ts_start(&s, "--chip 0x410 --baud 57600");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), -1);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(s.errfile), "2.5%"));

	ts_start(&s, "--chip 0x410 --baud 117000");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_finish(&s), 0);
}

/* ---- faults ---- */

/* A host that does the same whatever comes back. */
static void scripted_host(const char *trace, unsigned seed)
{
	ts_sim s;
	char o[8192];
	uint8_t junk[64];

	snprintf(o, sizeof(o), "--chip 0x413 --trace %s --seed %u "
	         "--faults ber=0.05,nack=0.1", trace, seed);
	ts_start(&s, o);
	ts_open(&s, true);
	for (int round = 0; round < 3; round++) {
		ts_send1(&s, 0x7F);
		ts_recv(&s, junk, sizeof(junk), 30);
		for (int i = 0; i < 12; i++) {
			ts_send(&s, (const uint8_t[]){0x02, 0xFD}, 2);
			ts_recv(&s, junk, sizeof(junk), 30);
		}
	}
	cr_assert_eq(ts_finish(&s), 0);
}

Test(sim, faults_are_reproducible_from_the_seed)
{
	char a[65536];

	scripted_host(th_dir_path("t1"), 7);
	scripted_host(th_dir_path("t2"), 7);
	scripted_host(th_dir_path("t3"), 8);
	snprintf(a, sizeof(a), "%s", ts_text(th_dir_path("t1")));
	cr_assert(strstr(a, "FAULT "), "no fault injected:\n%s", a);
	cr_assert_str_eq(a, ts_text(th_dir_path("t2")));
	cr_assert_str_neq(a, ts_text(th_dir_path("t3")));
}

Test(sim, disconnect_after_n_bytes)
{
	ts_sim s;
	uint8_t b;
	ssize_t r;
	struct pollfd p;

	ts_start(&s, opts("--chip 0x410 --faults disconnect=10 --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);                  /* 2 bytes */
	cr_assert_eq(ts_cmd(&s, 0x02), TS_ACK);             /* 3 */
	expect_bytes(&s, (const uint8_t[]){0x01, 0x04, 0x10, TS_ACK}, 4); /* 9 */
	cr_assert_eq(ts_cmd(&s, 0x02), -1);                 /* gone at 10 */
	p.fd = s.fd;
	p.events = POLLIN;
	cr_assert_eq(poll(&p, 1, 1000), 1);
	cr_assert(p.revents & (POLLHUP | POLLERR | POLLIN));
	r = read(s.fd, &b, 1);
	cr_assert(r <= 0, "read %zd bytes after the hang-up", r);
	cr_assert_eq(ts_finish(&s), 0);
	cr_assert(strstr(ts_text(th_dir_path("trace")), "FAULT disconnect 10\n"));
}

/* insert=1: a stray byte follows every byte, both ways.  The sync byte
 * still reaches the ROM first, so it ACKs; the stray after the host's
 * byte is the next command code, and the ACK has its own stray behind it. */
Test(sim, insert_puts_a_stray_byte_after_each_byte)
{
	ts_sim s;
	uint8_t got[8];
	size_t k;
	const char *t;

	ts_start(&s, opts("--chip 0x410 --faults insert=1 --trace %s/trace",
	                  th_dir));
	ts_open(&s, true);
	ts_send1(&s, 0x7F);
	k = ts_recv(&s, got, sizeof(got), 500);
	cr_assert_eq(k, 2, "got %zu bytes", k);
	cr_assert_eq(got[0], TS_ACK);
	cr_assert_eq(ts_finish(&s), 0);
	t = ts_text(th_dir_path("trace"));
	cr_assert(strstr(t, "FAULT insert rx 0x"), "%s", t);
	cr_assert(strstr(t, "FAULT insert tx 0x"), "%s", t);
	cr_assert(strstr(ts_text(s.errfile), "2 inserted"), "%s",
	          ts_text(s.errfile));
}

/* ---- the command line ---- */

Test(sim, command_line)
{
	char cmd[8192], out[8192];

	snprintf(cmd, sizeof(cmd), "%s --help", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0);
	cr_assert(strstr(out, "--chip"));
	snprintf(cmd, sizeof(cmd), "%s -- true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "--chip is required"));
	cr_assert(strstr(out, "hint:"));
	snprintf(cmd, sizeof(cmd), "%s --chip 0x999 -- true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --faults ber=2 -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "ber=2"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --faults insert=0.1:5 -- "
	         "true", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "insert=0.1:5"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --faults hold=0.1 -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "hold is a usb fault"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --transport slcan -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "no CAN bootloader"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --timing fast -- true",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);

	/* COMMAND's status, {port} inside arguments, the environment. */
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 -- sh -c 'exit 3'",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 3);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 -- sh -c 'kill -TERM $$'",
	         ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 128 + 15);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 -- sh -c "
	         "'test \"$1\" = \"port=$STMPROG_SIM_PORT\" && test -c \"$STMPROG_SIM_PORT\"' "
	         "x port={port}", ts_sim_path());
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	/* A flash file of the wrong size is refused before COMMAND runs. */
	ts_write_file(th_dir_path("small.bin"), "abc", 3);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x410 --flash %s -- true",
	         ts_sim_path(), th_dir_path("small.bin"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2);
	cr_assert(strstr(out, "131072"), "%s", out);
}

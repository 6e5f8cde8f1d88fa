/* The planner's answers to "write a few bytes after the application is
 * in", end to end against stmprog-sim over UART, USB (DfuSe) and CAN:
 *
 *   - read-modify-write (the default): a patch into a used unit keeps
 *     the unit's other bytes, byte for byte, and only that unit is erased;
 *   - --skipErase: nothing is erased; bytes that are neither erased nor
 *     equal are refused before anything is written, naming the address;
 *   - -checksum: the CRC of a region, by the device or from a read;
 *   - --flash-size: planned with the given size, warned about, refused
 *     past the line's largest part;
 *   - -rst / -hardRst: the job ends with a reset that says how.
 *
 * Through the library (tests/rmw_runner.c builds one job from its
 * arguments) and through stmprog.  What the device holds is checked in
 * the simulator's flash file, what it was asked in its trace. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "stmprog/plan.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(rmw_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 240);

typedef struct transport {
	const char *name;
	const char *simopts;
	const char *keys;       /* after port={port} */
	const char *erase_mark; /* how the trace says a unit was erased */
} transport;

static const transport UART = {"uart", "", "", "ERASE"};
static const transport USB = {"usb", "--transport usb", "", "ERASE"};
static const transport CAN = {"can", "--transport slcan", "br=125", "ERASE"};

/* Under STMPROG_TEST_QUICK (valgrind, distcheck) UART alone: the other
 * transports run the same code above the backend, and each of their
 * sessions costs seconds there. */
static void quick_skip(const transport *tr)
{
	if (tr != &UART && getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set: %s runs in the full pass",
		             tr->name);
}

/* The library: rmw_runner with the port and steps. */
static int runner(const transport *tr, const char *chip, const char *extra_sim,
                  const char *steps)
{
	char command[8192], simopts[512];

	snprintf(simopts, sizeof(simopts), "%s %s", tr->simopts,
	         extra_sim ? extra_sim : "");
	snprintf(command, sizeof(command), "'%s' 'port={port} %s' %s",
	         th_build_path("tests/rmw_runner"), tr->keys, steps);
	return e2e_sim(out, sizeof(out), chip, simopts, command);
}

/* stmprog. */
static int stmprog(const transport *tr, const char *chip, const char *args)
{
	char all[8192];

	snprintf(all, sizeof(all), "%s %s", tr->keys, args);
	return e2e_stmprog(out, sizeof(out), chip, tr->simopts, all);
}

static unsigned char *flash_file(size_t *len)
{
	return e2e_slurp(th_dir_path("flash.bin"), len);
}

static const unsigned char SERIAL[12] = {'S', 'N', '-', '0', '0', '4', '2',
                                         0x00, 0x11, 0x22, 0x33, 0x44};
#define SERIAL_HEX "534e2d303034320011223344"
#define SERIAL_AT 0x3F00u

/* An application across sectors 0 and 1 of the F405 (16 KiB each). */
#define APP_LEN 20000u

static unsigned char *load_app(const transport *tr, const stp_chip *c)
{
	unsigned char *app = e2e_app(c, APP_LEN, 11);
	char steps[1024];

	snprintf(steps, sizeof(steps), "file '%s' 0x%08X", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(runner(tr, "0x413", NULL, steps), 0, "%s: %s", tr->name, out);
	return app;
}

/* ---- read-modify-write -------------------------------------------- */

/* 12 bytes at 0x08003F00 into sector 0, which the application fills:
 * sector 0 is erased and written back with the serial in it, sector 1
 * is not touched, and the application survives byte for byte. */
static void serial_keeps_the_application(const transport *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *app = load_app(tr, c), *flash;
	char steps[256];
	size_t flen;

	remove(e2e_trace());
	snprintf(steps, sizeof(steps), "patch 0x%08X %s",
	         c->flash_base + SERIAL_AT, SERIAL_HEX);
	cr_assert_eq(runner(tr, "0x413", NULL, steps), 0, "%s: %s", tr->name, out);

	flash = flash_file(&flen);
	memcpy(app + SERIAL_AT, SERIAL, sizeof(SERIAL));
	cr_assert_eq(memcmp(flash, app, APP_LEN), 0,
	             "%s: the application did not survive the patch", tr->name);
	cr_assert(e2e_all_equal(flash + APP_LEN, flen - APP_LEN, c->erased_value),
	          "%s: bytes after the application changed", tr->name);
	/* One unit erased, 16 KiB read to keep it, all but the serial's
	 * words kept. */
	cr_assert_eq(e2e_count_lines(e2e_trace(), tr->erase_mark), 1,
	             "%s: not one erase: %s", tr->name, out);
	cr_assert(strstr(out, "1 unit(s) erased"), "%s: %s", tr->name, out);
	cr_assert(strstr(out, "bytes kept from the device in 1 unit(s) (16384 "
	                      "bytes read before the erase)"),
	          "%s: %s", tr->name, out);
	cr_assert(strstr(out, "bytes_kept=16372 ") ||
	          strstr(out, "bytes_kept=16368 "), "%s: %s", tr->name, out);
	free(flash);
	free(app);
}

Test(rmw_e2e, a_serial_keeps_the_application_over_uart)
{
	serial_keeps_the_application(&UART);
}

Test(rmw_e2e, a_serial_keeps_the_application_over_usb)
{
	quick_skip(&USB);
	serial_keeps_the_application(&USB);
}

Test(rmw_e2e, a_serial_keeps_the_application_over_can)
{
	quick_skip(&CAN);
	serial_keeps_the_application(&CAN);
}

/* The issue's own command line, through stmprog: "-d serial.bin
 * 0x08003F00" after the application is in. */
static void cli_serial(const transport *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *app = e2e_app(c, APP_LEN, 12), *flash;
	char args[2048];
	size_t flen;

	snprintf(args, sizeof(args), "-d '%s' 0x%08X", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(stmprog(tr, "0x413", args), 0, "%s: %s", tr->name, out);
	e2e_spit(th_dir_path("serial.bin"), SERIAL, sizeof(SERIAL));
	snprintf(args, sizeof(args), "-d '%s' 0x%08X -v",
	         th_dir_path("serial.bin"), c->flash_base + SERIAL_AT);
	cr_assert_eq(stmprog(tr, "0x413", args), 0, "%s: %s", tr->name, out);
	cr_assert(strstr(out, "bytes kept from the device"), "%s: %s", tr->name,
	          out);
	flash = flash_file(&flen);
	memcpy(app + SERIAL_AT, SERIAL, sizeof(SERIAL));
	cr_assert_eq(memcmp(flash, app, APP_LEN), 0,
	             "%s: the application did not survive -d serial.bin",
	             tr->name);
	free(flash);
	free(app);
}

Test(rmw_e2e, stmprog_d_serial_keeps_the_application_over_uart)
{
	cli_serial(&UART);
}

Test(rmw_e2e, stmprog_d_serial_keeps_the_application_over_usb)
{
	quick_skip(&USB);
	cli_serial(&USB);
}

Test(rmw_e2e, stmprog_d_serial_keeps_the_application_over_can)
{
	quick_skip(&CAN);
	cli_serial(&CAN);
}

/* After -e all nothing is read: the flash is known blank. */
Test(rmw_e2e, nothing_is_read_after_a_mass_erase)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *app = load_app(&UART, c);
	char steps[256];

	snprintf(steps, sizeof(steps), "erase-all patch 0x%08X %s",
	         c->flash_base + SERIAL_AT, SERIAL_HEX);
	cr_assert_eq(runner(&UART, "0x413", NULL, steps), 0, "%s", out);
	cr_assert(strstr(out, "bytes_read_to_keep=0 "), "%s", out);
	cr_assert(!strstr(out, "kept from the device"), "%s", out);
	free(app);
}

/* Where the ROM has GET CHECKSUM (the U5 over UART), a partly covered
 * unit that is blank is known by one CRC and not read; one with data
 * around the patch is read whole and kept. */
Test(rmw_e2e, a_crc_spares_the_read_of_a_blank_unit_over_uart)
{
	const stp_chip *c = e2e_chip("0x482");
	unsigned char *app = e2e_app(c, APP_LEN, 16), *flash;
	char steps[1024];
	size_t flen;

	snprintf(steps, sizeof(steps), "file '%s' 0x%08X", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(runner(&UART, "0x482", NULL, steps), 0, "%s", out);
	cr_assert(strstr(out, "bytes_read_to_keep=0 "), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "CRC"), "%s", out);

	snprintf(steps, sizeof(steps), "patch 0x%08X %s",
	         c->flash_base + SERIAL_AT, SERIAL_HEX);
	cr_assert_eq(runner(&UART, "0x482", NULL, steps), 0, "%s", out);
	cr_assert(strstr(out, "bytes_read_to_keep=8192 "), "%s", out);
	flash = flash_file(&flen);
	memcpy(app + SERIAL_AT, SERIAL, sizeof(SERIAL));
	cr_assert_eq(memcmp(flash, app, APP_LEN), 0, "the application changed");
	free(flash);
	free(app);
}

/* ---- --skipErase ---------------------------------------------------- */

static void skip_erase(const transport *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *app = load_app(tr, c), *flash;
	char steps[256], at[64];
	size_t flen;

	/* Into the erased rest of sector 1: no erase at all. */
	remove(e2e_trace());
	snprintf(steps, sizeof(steps), "skip-erase patch 0x%08X %s",
	         c->flash_base + 0x7F00, SERIAL_HEX);
	cr_assert_eq(runner(tr, "0x413", NULL, steps), 0, "%s: %s", tr->name, out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), tr->erase_mark), 0,
	             "%s: --skipErase erased", tr->name);
	cr_assert(strstr(out, "nothing erased (--skipErase)"), "%s: %s",
	          tr->name, out);
	flash = flash_file(&flen);
	cr_assert_eq(memcmp(flash, app, APP_LEN), 0, "%s", tr->name);
	cr_assert_eq(memcmp(flash + 0x7F00, SERIAL, sizeof(SERIAL)), 0, "%s",
	             tr->name);
	free(flash);

	/* The same bytes again: equal, so accepted, nothing written. */
	cr_assert_eq(runner(tr, "0x413", NULL, steps), 0, "%s: %s", tr->name, out);

	/* Into the application: refused, naming the first address that is
	 * neither erased nor equal; nothing written or erased. */
	remove(e2e_trace());
	snprintf(steps, sizeof(steps), "skip-erase patch 0x%08X %s",
	         c->flash_base + SERIAL_AT, SERIAL_HEX);
	cr_assert_neq(runner(tr, "0x413", NULL, steps), 0, "%s: %s", tr->name,
	              out);
	snprintf(at, sizeof(at), "--skipErase: 0x%08X holds 0x%02X",
	         c->flash_base + SERIAL_AT, app[SERIAL_AT]);
	cr_assert(strstr(out, at), "%s: %s", tr->name, out);
	cr_assert(strstr(out, "nothing was written"), "%s: %s", tr->name, out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), tr->erase_mark), 0, "%s",
	             tr->name);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "%s: wrote", tr->name);
	flash = flash_file(&flen);
	cr_assert_eq(memcmp(flash, app, APP_LEN), 0, "%s", tr->name);
	free(flash);
	free(app);
}

Test(rmw_e2e, skip_erase_over_uart)
{
	skip_erase(&UART);
}

Test(rmw_e2e, skip_erase_over_usb)
{
	quick_skip(&USB);
	skip_erase(&USB);
}

Test(rmw_e2e, skip_erase_over_can)
{
	quick_skip(&CAN);
	skip_erase(&CAN);
}

/* ---- -checksum ------------------------------------------------------ */

static void checksum(const transport *tr, const char *pid, const char *how)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *app = e2e_app(c, 4096, 13);
	char steps[1024], want[128];

	snprintf(steps, sizeof(steps), "file '%s' 0x%08X checksum 0x%08X 4096",
	         e2e_app_path(), c->flash_base, c->flash_base);
	cr_assert_eq(runner(tr, pid, NULL, steps), 0, "%s: %s", tr->name, out);
	snprintf(want, sizeof(want), "checksum: 0x%08X 4096 0x%08X %s",
	         c->flash_base, stp_crc32_stm32(0xFFFFFFFFu, app, 4096), how);
	cr_assert(strstr(out, want), "%s: want '%s': %s", tr->name, want, out);
	/* Not whole words: refused before connecting. */
	snprintf(steps, sizeof(steps), "checksum 0x%08X 4095", c->flash_base);
	cr_assert_neq(runner(tr, pid, NULL, steps), 0, "%s", tr->name);
	cr_assert(strstr(out, "multiples of 4"), "%s: %s", tr->name, out);
	free(app);
}

Test(rmw_e2e, checksum_by_read_over_uart_usb_can)
{
	checksum(&UART, "0x413", "read");
	if (getenv("STMPROG_TEST_QUICK"))
		return;
	checksum(&USB, "0x413", "read");
	checksum(&CAN, "0x413", "read");
}

/* The U5's ROM has GET CHECKSUM over UART. */
Test(rmw_e2e, checksum_by_the_device_over_uart)
{
	checksum(&UART, "0x482", "device");
	cr_assert(e2e_file_has(e2e_trace(), "CRC"), "no CRC command: %s", out);
}

/* ---- --flash-size --------------------------------------------------- */

static void flash_size(const transport *tr)
{
	char steps[512];

	/* An F405 whose register says 512 KiB, planned with the line's
	 * 1024: warned, and programmed. */
	cr_assert_eq(runner(tr, "0x413", "--flash-kb 512",
	                    "flash-size 1048576 patch 0x08000000 00200020"), 0,
	             "%s: %s", tr->name, out);
	cr_assert(strstr(out, "warn: --flash-size 1024 KiB: the part's "
	                      "flash-size register says 512 KiB"),
	          "%s: %s", tr->name, out);
	remove(th_dir_path("flash.bin"));
	/* Past the line's largest part: refused. */
	cr_assert_neq(runner(tr, "0x413", NULL,
	                     "flash-size 2097152 patch 0x08000000 00200020"), 0,
	              "%s", tr->name);
	cr_assert(strstr(out, "--flash-size 2048 KiB: the largest"), "%s: %s",
	          tr->name, out);
	/* Smaller than the part: data past it is refused before anything
	 * is touched. */
	remove(e2e_trace());
	snprintf(steps, sizeof(steps),
	         "flash-size 524288 patch 0x08080000 00200020");
	cr_assert_neq(runner(tr, "0x413", NULL, steps), 0, "%s", tr->name);
	cr_assert(strstr(out, "outside the flash"), "%s: %s", tr->name, out);
	cr_assert(strstr(out, "512 KiB"), "%s: %s", tr->name, out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "%s", tr->name);
}

Test(rmw_e2e, flash_size_over_uart)
{
	flash_size(&UART);
}

Test(rmw_e2e, flash_size_over_usb)
{
	quick_skip(&USB);
	flash_size(&USB);
}

Test(rmw_e2e, flash_size_over_can)
{
	quick_skip(&CAN);
	flash_size(&CAN);
}

/* The classic: an F103C8 (64 KiB by its register) sold with 128. */
Test(rmw_e2e, flash_size_on_an_f103c8_over_uart)
{
	cr_assert_eq(runner(&UART, "0x410", "--flash-kb 64",
	                    "flash-size 131072 patch 0x08000000 00200020"), 0,
	             "%s", out);
	cr_assert(strstr(out, "warn: --flash-size 128 KiB: the part's "
	                      "flash-size register says 64 KiB"), "%s", out);
}

/* ---- -rst / -hardRst ------------------------------------------------ */

static void reset_end(const transport *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *app = e2e_app(c, 1024, 14);
	char steps[1024];

	snprintf(steps, sizeof(steps), "file '%s' 0x%08X rst", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(runner(tr, "0x413", NULL, steps), 0, "%s: %s", tr->name, out);
	cr_assert(strstr(out, "result: Reset the chip (-rst): "), "%s: %s",
	          tr->name, out);
	cr_assert(strstr(out, "reset=1"), "%s: %s", tr->name, out);
	free(app);
}

Test(rmw_e2e, rst_ends_the_job_over_uart)
{
	reset_end(&UART);
}

Test(rmw_e2e, rst_ends_the_job_over_usb)
{
	quick_skip(&USB);
	reset_end(&USB);
}

Test(rmw_e2e, rst_ends_the_job_over_can)
{
	quick_skip(&CAN);
	reset_end(&CAN);
}

/* Over UART without an init= sequence no line drives NRST. */
Test(rmw_e2e, hard_rst_without_a_line_is_refused_over_uart)
{
	cr_assert_neq(runner(&UART, "0x413", NULL, "hard-rst"), 0, "%s", out);
	cr_assert(strstr(out, "-hardRst"), "%s", out);
	cr_assert(!strstr(out, "result: Reset the chip"), "%s", out);
}

/* ---- the same through stmprog ------------------------------------- */

/* --skipErase, -checksum and -rst in one command line each, as scripts
 * written for the vendor's CLI give them. */
static void cli_options(const transport *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *app = e2e_app(c, APP_LEN, 15), *flash;
	char args[2048], want[128];
	size_t flen;

	snprintf(args, sizeof(args), "-d '%s' 0x%08X", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(stmprog(tr, "0x413", args), 0, "%s: %s", tr->name, out);
	e2e_spit(th_dir_path("serial.bin"), SERIAL, sizeof(SERIAL));

	/* --skipErase into the erased rest of sector 1, then -checksum of
	 * the application and a reset at the end. */
	remove(e2e_trace());
	snprintf(args, sizeof(args),
	         "--skipErase -d '%s' 0x%08X -checksum 0x%08X 0x4000 -rst",
	         th_dir_path("serial.bin"), c->flash_base + 0x7F00,
	         c->flash_base);
	cr_assert_eq(stmprog(tr, "0x413", args), 0, "%s: %s", tr->name, out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), tr->erase_mark), 0,
	             "%s: --skipErase erased: %s", tr->name, out);
	snprintf(want, sizeof(want), "0x%08X",
	         stp_crc32_stm32(0xFFFFFFFFu, app, 0x4000));
	cr_assert(strstr(out, want), "%s: no CRC %s: %s", tr->name, want, out);
	cr_assert(strstr(out, "Reset the chip (-rst)"), "%s: %s", tr->name, out);
	flash = flash_file(&flen);
	cr_assert_eq(memcmp(flash, app, APP_LEN), 0, "%s", tr->name);
	cr_assert_eq(memcmp(flash + 0x7F00, SERIAL, sizeof(SERIAL)), 0, "%s",
	             tr->name);
	free(flash);

	/* --skipErase into the application: refused with the usage/input
	 * status, nothing written. */
	remove(e2e_trace());
	snprintf(args, sizeof(args), "--skipErase -d '%s' 0x%08X",
	         th_dir_path("serial.bin"), c->flash_base + SERIAL_AT);
	cr_assert_neq(stmprog(tr, "0x413", args), 0, "%s: %s", tr->name, out);
	snprintf(want, sizeof(want), "0x%08X holds 0x%02X",
	         c->flash_base + SERIAL_AT, app[SERIAL_AT]);
	cr_assert(strstr(out, want), "%s: %s", tr->name, out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "%s: wrote", tr->name);

	/* --flash-size smaller than the part: refused before the device is
	 * written, with the size in the message. */
	remove(e2e_trace());
	snprintf(args, sizeof(args), "--flash-size 512 -d '%s' 0x08080000",
	         th_dir_path("serial.bin"));
	cr_assert_neq(stmprog(tr, "0x413", args), 0, "%s: %s", tr->name, out);
	cr_assert(strstr(out, "512 KiB"), "%s: %s", tr->name, out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "%s: wrote", tr->name);
	free(app);
}

Test(rmw_e2e, stmprog_skip_erase_checksum_rst_flash_size_over_uart)
{
	cli_options(&UART);
}

Test(rmw_e2e, stmprog_skip_erase_checksum_rst_flash_size_over_usb)
{
	quick_skip(&USB);
	cli_options(&USB);
}

Test(rmw_e2e, stmprog_skip_erase_checksum_rst_flash_size_over_can)
{
	quick_skip(&CAN);
	cli_options(&CAN);
}

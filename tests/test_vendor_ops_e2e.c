/* The vendor CLI's operations end to end: stmprog against stmprog-sim
 * over UART, USB DFU and CAN (each where it is built), the chip's memory
 * checked in the simulator's flash file and what the device was asked in
 * its trace. */
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

TestSuite(vendor_ops, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 180);

#ifdef VENDOR_OPS_USB
#define USB_BUILT true
#else
#define USB_BUILT false
#endif
#ifdef VENDOR_OPS_CAN
#define CAN_BUILT true
#else
#define CAN_BUILT false
#endif

static const char *transport(const char *name)
{
	return e2e_transport(name, USB_BUILT, CAN_BUILT);
}

static int stmprog(const char *chip, const char *tr, const char *args)
{
	return e2e_stmprog(out, sizeof(out), chip, transport(tr), args);
}

/* The same with more simulator options (--flash-kb ...). */
static int stmprog_sim(const char *chip, const char *tr, const char *simopts,
                       const char *args)
{
	char opts[512];

	snprintf(opts, sizeof(opts), "%s %s", transport(tr), simopts);
	return e2e_stmprog(out, sizeof(out), chip, opts, args);
}

/* The simulator's flash file. */
static unsigned char *flash(size_t *len)
{
	return e2e_slurp(th_dir_path("flash.bin"), len);
}

/* How many lines of the trace start with "WRITE" or "ERASE". */
static unsigned writes(void)
{
	return e2e_count_lines(e2e_trace(), "WRITE");
}

/* -w FILE ADDRESS is still a download (the vendor's -w), beside -w8..-w64. */
static void w_downloads(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 3000, 5);
	char args[4096];

	snprintf(args, sizeof(args), "-w '%s' 0x%08X", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	e2e_assert_flash(c, img, 0, 3000, 0x4000);
	free(img);
}

Test(vendor_ops, w_downloads_uart) { w_downloads("uart"); }
Test(vendor_ops, w_downloads_usb) { w_downloads("usb"); }
Test(vendor_ops, w_downloads_can) { w_downloads("can"); }

/* -w32 into a sector the application fills: the two words land, every
 * other byte of the sector is the application's still (read, erased,
 * written back, verified), and -r32 prints them in the vendor's layout. */
static void word_write_keeps_the_unit(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x4000, 9), *fl;
	size_t flen;
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	cr_assert_eq(stmprog("0x413", tr, "-w32 0x08003F00 0x12345678 0xCAFEBABE "
	                     "-r32 0x08003F00 16"), 0, "%s", out);
	fl = flash(&flen);
	img[0x3F00] = 0x78, img[0x3F01] = 0x56, img[0x3F02] = 0x34, img[0x3F03] = 0x12;
	img[0x3F04] = 0xBE, img[0x3F05] = 0xBA, img[0x3F06] = 0xFE, img[0x3F07] = 0xCA;
	cr_assert_eq(memcmp(fl, img, 0x4000), 0,
	             "sector 0 lost the application's bytes around the words");
	cr_assert(strstr(out, "0x08003F00 : 12345678 CAFEBABE "), "%s", out);
	free(fl);
	free(img);
}

Test(vendor_ops, word_write_keeps_the_unit_uart) { word_write_keeps_the_unit("uart"); }
Test(vendor_ops, word_write_keeps_the_unit_usb) { word_write_keeps_the_unit("usb"); }
Test(vendor_ops, word_write_keeps_the_unit_can) { word_write_keeps_the_unit("can"); }

/* -w8/-w16/-w64 store little-endian; -r8/-r16 print bytes and
 * half-words, sixteen bytes a line. */
static void widths(const char *tr)
{
	size_t flen;
	unsigned char *fl;
	static const unsigned char want[] = {
		0xAB, 0xFF, 0xFF, 0xFF, 0x34, 0x12, 0xFF, 0xFF,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};

	cr_assert_eq(stmprog("0x413", tr, "-w8 0x08004000 0xAB -w16 0x08004004 "
	                     "0x1234 -w64 0x08004008 0x0102030405060708 "
	                     "-r8 0x08004000 20 -r16 0x08004000 8"), 0, "%s", out);
	fl = flash(&flen);
	cr_assert_eq(memcmp(fl + 0x4000, want, sizeof(want)), 0);
	cr_assert(strstr(out, "0x08004000 : AB FF FF FF 34 12 FF FF 08 07 06 05 "
	                      "04 03 02 01\n0x08004010 : FF FF FF FF\n"), "%s", out);
	cr_assert(strstr(out, "0x08004000 : FFAB FFFF 1234 FFFF\n"), "%s", out);
	free(fl);
}

Test(vendor_ops, widths_uart) { widths("uart"); }
Test(vendor_ops, widths_usb) { widths("usb"); }
Test(vendor_ops, widths_can) { widths("can"); }

/* -fillmemory: size bytes of a dataWidth-bit word, little-endian, and
 * nothing around them. */
static void fillmemory(const char *tr)
{
	size_t flen;
	unsigned char *fl;

	cr_assert_eq(stmprog("0x413", tr, "-fillmemory 0x08004010 size=0x20 "
	                     "pattern=0xA5B6 dataWidth=16"), 0, "%s", out);
	fl = flash(&flen);
	for (size_t i = 0; i < 0x20; i++)
		cr_assert_eq(fl[0x4010 + i], i % 2 ? 0xA5 : 0xB6, "byte %zu", i);
	cr_assert(e2e_all_equal(fl, 0x4010, 0xFF));
	cr_assert(e2e_all_equal(fl + 0x4030, flen - 0x4030, 0xFF));
	free(fl);
}

Test(vendor_ops, fillmemory_uart) { fillmemory("uart"); }
Test(vendor_ops, fillmemory_usb) { fillmemory("usb"); }
Test(vendor_ops, fillmemory_can) { fillmemory("can"); }

/* -blankcheck: a new chip is blank; one written byte makes it fail
 * (exit 5) naming that byte's address. */
static void blankcheck(const char *tr)
{
	cr_assert_eq(stmprog_sim("0x413", tr, "--flash-kb 128", "-blankcheck"), 0,
	             "%s", out);
	cr_assert(strstr(out, "Blank: the flash 0x08000000..0x0801FFFF (128 KiB)"),
	          "%s", out);
	cr_assert_eq(stmprog_sim("0x413", tr, "--flash-kb 128",
	                         "-w8 0x0801ABCD 0x5A"), 0, "%s", out);
	cr_assert_eq(stmprog_sim("0x413", tr, "--flash-kb 128", "-blankcheck"), 5,
	             "%s", out);
	cr_assert(strstr(out, "not blank: 0x0801ABCD holds 0x5A"), "%s", out);
	/* Before the job's commands it sees the chip as it was. */
	cr_assert_eq(stmprog_sim("0x413", tr, "--flash-kb 128",
	                         "-blankcheck -e all"), 5, "%s", out);
	cr_assert_eq(stmprog_sim("0x413", tr, "--flash-kb 128",
	                         "-e all -blankcheck"), 0, "%s", out);
}

Test(vendor_ops, blankcheck_uart) { blankcheck("uart"); }
Test(vendor_ops, blankcheck_usb) { blankcheck("usb"); }
Test(vendor_ops, blankcheck_can) { blankcheck("can"); }

Test(vendor_ops, blankcheck_between_job_commands_is_refused)
{
	cr_assert_eq(stmprog("0x413", "uart", "-e all -blankcheck -w8 0x08000000 1"),
	             2, "%s", out);
	cr_assert(strstr(out, "-blankcheck between two device commands"), "%s", out);
	cr_assert_eq(writes(), 0);
}

/* -checksum: the CRC of the STM32 CRC unit over the region, the same
 * number the test computes from the bytes it wrote. */
static void checksum(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x1000, 3);
	char args[4096], want[64];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -checksum 0x08000100 0x400",
	         e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	snprintf(want, sizeof(want), "0x%08X",
	         stp_crc32_stm32(0xFFFFFFFFu, img + 0x100, 0x400));
	cr_assert(strstr(out, want), "no %s in: %s", want, out);
	free(img);
}

Test(vendor_ops, checksum_uart) { checksum("uart"); }
Test(vendor_ops, checksum_usb) { checksum("usb"); }
Test(vendor_ops, checksum_can) { checksum("can"); }

/* --skipErase: words into used flash are refused naming the address,
 * before anything is written; into erased flash they are written. */
static void skip_erase(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x100, 4), *fl;
	size_t flen;
	char args[4096];
	unsigned before;

	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	before = writes();
	cr_assert_neq(stmprog("0x413", tr, "--skipErase -w32 0x08000010 0x11223344"),
	              0, "%s", out);
	cr_assert(strstr(out, "0x08000010"), "%s", out);
	cr_assert_eq(writes(), before, "written despite the refusal: %s", out);
	cr_assert_eq(stmprog("0x413", tr, "--skipErase -w32 0x08000200 0x11223344"),
	             0, "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "--skipErase erased");
	fl = flash(&flen);
	cr_assert_eq(memcmp(fl, img, 0x100), 0);
	cr_assert_eq(fl[0x200], 0x44);
	cr_assert_eq(fl[0x203], 0x11);
	free(fl);
	free(img);
}

Test(vendor_ops, skip_erase_uart) { skip_erase("uart"); }
Test(vendor_ops, skip_erase_usb) { skip_erase("usb"); }
Test(vendor_ops, skip_erase_can) { skip_erase("can"); }

/* --flash-size: the plan uses the size given (here less than the chip's
 * register says), so a word past it is refused before anything is
 * written. */
static void flash_size(const char *tr)
{
	cr_assert_eq(stmprog("0x413", tr, "--flash-size 64 -w32 0x08010000 1"), 4,
	             "%s", out);
	cr_assert(strstr(out, "0x08010000"), "%s", out);
	cr_assert_eq(writes(), 0);
	cr_assert_eq(stmprog("0x413", tr, "--flash-size 64 -w32 0x0800FFF0 1"), 0,
	             "%s", out);
	cr_assert(strstr(out, "--flash-size 64 KiB: the part's flash-size "
	                      "register says 1024 KiB"), "no warning: %s", out);
	/* More than the line's largest part: no layout is known there. */
	cr_assert_eq(stmprog("0x413", tr, "--flash-size 2048 -w32 0x08000000 1"), 2,
	             "%s", out);
}

Test(vendor_ops, flash_size_uart) { flash_size("uart"); }
Test(vendor_ops, flash_size_usb) { flash_size("usb"); }

/* -rst: the application runs afterwards and the run says how the chip
 * was reset; nothing may follow it, -g and -rst not both. */
static void reset(const char *tr, const char *how)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x800, 6);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -rst", e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	cr_assert(strstr(out, "Reset the chip (-rst)"), "%s", out);
	cr_assert(strstr(out, how), "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "the application is not running: %s", out);
	cr_assert_eq(stmprog("0x413", tr, "-rst -w8 0x08004000 1"), 2, "%s", out);
	cr_assert(strstr(out, "-rst ends the run"), "%s", out);
	cr_assert_eq(stmprog("0x413", tr, "-g -rst"), 2, "%s", out);
	free(img);
}

Test(vendor_ops, reset_uart) { reset("uart", "GO to 0x08000000"); }
Test(vendor_ops, reset_usb) { reset("usb", "left DFU mode"); }
Test(vendor_ops, reset_can) { reset("can", "GO to 0x08000000"); }

/* -u ADDRESS SIZE -: the bytes alone on standard output, the messages on
 * standard error. */
static void upload_to_stdout(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x300, 8), *back;
	size_t blen;
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	snprintf(args, sizeof(args), "-u 0x08000000 0x300 - -r32 0x08000000 16 "
	         "> '%s'", th_dir_path("back.bin"));
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(blen, 0x300, "%zu bytes on stdout: %s", blen, out);
	cr_assert_eq(memcmp(back, img, 0x300), 0);
	cr_assert(strstr(out, "to standard output"), "%s", out);
	cr_assert(strstr(out, "0x08000000 : "), "the -r32 lines went missing: %s", out);
	free(back);
	free(img);
}

Test(vendor_ops, upload_to_stdout_uart) { upload_to_stdout("uart"); }
Test(vendor_ops, upload_to_stdout_usb) { upload_to_stdout("usb"); }
Test(vendor_ops, upload_to_stdout_can) { upload_to_stdout("can"); }

/* On a terminal, -u ... - is refused before connecting, saying why. */
Test(vendor_ops, upload_to_a_terminal_is_refused)
{
	char cmd[8192];

	th_need("script", "bsdutils");
	snprintf(cmd, sizeof(cmd),
	         "script -qec \"'%s' --chip 0x413 --flash '%s' --trace '%s' -- "
	         "'%s' -c port={port} -u 0x08000000 16 -\" /dev/null",
	         th_build_path("contrib/sim/stmprog-sim"), th_dir_path("flash.bin"),
	         e2e_trace(), th_build_path("frontends/stmprog"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "standard output is a terminal"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "READ"), 0, "read anyway: %s", out);
}

/* -d -: an Intel HEX on standard input by its content; a raw binary
 * with its address; without one, refused before anything is written. */
static void download_from_stdin(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x200, 2), *fl;
	size_t flen;
	char args[4096];
	FILE *f = fopen(th_dir_path("app.hex"), "w");

	cr_assert(f);
	fputs(":020000040800F2\n:0400100001020304E2\n:00000001FF\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "-d - < '%s'", th_dir_path("app.hex"));
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	snprintf(args, sizeof(args), "-d - 0x08004000 < '%s'", e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	fl = flash(&flen);
	cr_assert_eq(memcmp(fl + 0x10, "\x01\x02\x03\x04", 4), 0);
	cr_assert_eq(memcmp(fl + 0x4000, img, 0x200), 0);
	free(fl);
	snprintf(args, sizeof(args), "-d - < '%s'", e2e_app_path());
	cr_assert_eq(stmprog("0x413", tr, args), 2, "%s", out);
	cr_assert(strstr(out, "raw binary, which carries no address"), "%s", out);
	free(img);
}

Test(vendor_ops, download_from_stdin_uart) { download_from_stdin("uart"); }
Test(vendor_ops, download_from_stdin_usb) { download_from_stdin("usb"); }
Test(vendor_ops, download_from_stdin_can) { download_from_stdin("can"); }

/* -ob FILE: a preset applied as one set and read back; a malformed line
 * is named FILE:LINE and nothing is written. */
static void option_byte_preset(const char *tr)
{
	FILE *f = fopen(th_dir_path("ob.txt"), "w");

	cr_assert(f);
	fputs("# brown-out reset at level 1\nBOR_LEV = 2\n\nWDG_SW=1\n", f);
	fclose(f);
	/* A name that looks like a preset is one, missing or not. */
	cr_assert_eq(stmprog("0x413", tr, "-ob /nonexistent/preset.txt"), 4, "%s",
	             out);
	cr_assert(strstr(out, "preset /nonexistent/preset.txt"), "%s", out);
	{
		char args[1024];

		snprintf(args, sizeof(args), "-ob '%s'", th_dir_path("ob.txt"));
		cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
		cr_assert(strstr(out, "BOR_LEV    : 0x2"), "%s", out);
		f = fopen(th_dir_path("bad.txt"), "w");
		cr_assert(f);
		fputs("BOR_LEV=1\nRDP\n", f);
		fclose(f);
		snprintf(args, sizeof(args), "-ob '%s'", th_dir_path("bad.txt"));
		cr_assert_eq(stmprog("0x413", tr, args), 2, "%s", out);
		cr_assert(strstr(out, "bad.txt:2"), "%s", out);
		cr_assert_eq(stmprog("0x413", tr, "-ob displ"), 0, "%s", out);
		cr_assert(strstr(out, "BOR_LEV    : 0x2"), "changed anyway: %s", out);
	}
}

Test(vendor_ops, option_byte_preset_uart) { option_byte_preset("uart"); }
Test(vendor_ops, option_byte_preset_usb) { option_byte_preset("usb"); }

/* --convert with its settings on either side gives the same file. */
Test(vendor_ops, convert_in_any_order)
{
	static const char *const orders[] = {
		"--convert '%1$s/in.hex' '%1$s/o%2$d.bin' --chip F405",
		"--chip F405 --convert '%1$s/in.hex' '%1$s/o%2$d.bin'",
		"--convert --chip F405 '%1$s/in.hex' '%1$s/o%2$d.bin'",
		"--convert '%1$s/in.hex' --chip F405 '%1$s/o%2$d.bin' --format bin",
	};
	FILE *f = fopen(th_dir_path("in.hex"), "w");
	char cmd[4096], args[2048], path[64];

	cr_assert(f);
	fputs(":020000040800F2\n:03000000010203F7\n:00000001FF\n", f);
	fclose(f);
	for (int i = 0; i < 4; i++) {
		unsigned char *b;
		size_t len;

		snprintf(args, sizeof(args), orders[i], th_dir, i);
		snprintf(cmd, sizeof(cmd), "'%s' %s", th_build_path("frontends/stmprog"),
		         args);
		cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s: %s", args, out);
		snprintf(path, sizeof(path), "o%d.bin", i);
		b = e2e_slurp(th_dir_path(path), &len);
		/* Three bytes, padded to the F405's 4-byte unit with 0xFF. */
		cr_assert_eq(len, 4, "%s", args);
		cr_assert_eq(memcmp(b, "\x01\x02\x03\xFF", 4), 0, "%s", args);
		free(b);
	}
}

/* -l with nothing to find (an empty umockdev testbed: no USB devices, no
 * serial ports) says per transport what it looked for. */
Test(vendor_ops, list_says_what_it_looked_for)
{
	char cmd[4096];

	th_need("umockdev-run", "umockdev");
	snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=verify_asan_link_order=0 "
	         "umockdev-run -- '%s' -l usb", th_build_path("frontends/stmprog"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "usb: nothing found; looked for USB devices with a "
	                      "DFU interface"), "%s", out);
	cr_assert(strstr(out, "0483:DF11"), "%s", out);
	snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=verify_asan_link_order=0 "
	         "umockdev-run -- '%s' -l uart", th_build_path("frontends/stmprog"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "uart: nothing found; looked for serial ports"), "%s", out);
	cr_assert(strstr(out, "dialout"), "%s", out);
}

/* -tm MS bounds one operation: a sector erase at the simulated chip's
 * real speed (hundreds of milliseconds) outlasts -tm 50 and fails naming
 * -tm, and passes without it. */
static void timeout(const char *tr)
{
	/* Real erase times: nothing to learn under valgrind's slowdown. */
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	cr_assert_eq(stmprog("0x413", tr, "-w8 0x08000000 1"), 0, "%s", out);
	cr_assert_eq(stmprog_sim("0x413", tr, "--timing real", "-tm 50 -e 0"), 1,
	             "%s", out);
	cr_assert(strstr(out, "-tm 50 ms"), "%s", out);
	cr_assert_eq(stmprog_sim("0x413", tr, "--timing real", "-e 0"), 0, "%s",
	             out);
}

Test(vendor_ops, timeout_uart) { timeout("uart"); }
Test(vendor_ops, timeout_can) { timeout("can"); }

/* -hardRst over UART pulses NRST through the init= exit sequence (a jig:
 * BOOT0 behind an inverter on RTS#, NRST on DTR#), and the application
 * runs; over USB no line reaches NRST and the run says so. */
Test(vendor_ops, hard_reset_uart)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 0x800, 6);
	char args[4096];
	int rc;

	snprintf(args, sizeof(args), "'init=rts&dtr,-dtr:-rts&dtr,-dtr' -d '%s' "
	         "0x08000000 -hardRst", e2e_app_path());
	rc = stmprog_sim("0x413", "uart", "--wire 'boot0=!rts,nrst=dtr'", args);
	if (rc != 0 && strstr(out, "no modem control lines"))
		cr_skip_test("the simulator cannot watch the host's modem-line "
		             "calls here (no seccomp user notification)");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "Reset the chip (-hardRst): NRST pulsed"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=0 app"), 1);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "the application is not running: %s", out);
	free(img);
}

/* Over USB and CAN no line reaches NRST: -hardRst is refused before the
 * job writes anything, saying why and what to use instead. */
static void hard_reset_refused(const char *tr, const char *why)
{
	cr_assert_eq(stmprog("0x413", tr, "-w8 0x08004000 0x11 -hardRst"), 2,
	             "%s", out);
	cr_assert(strstr(out, why), "%s", out);
	cr_assert(strstr(out, "use -rst"), "%s", out);
	cr_assert_eq(writes(), 0, "written before the refusal: %s", out);
}

Test(vendor_ops, hard_reset_refused_usb)
{
	hard_reset_refused("usb", "over USB DFU no line reaches it");
}

Test(vendor_ops, hard_reset_refused_can)
{
	hard_reset_refused("can", "over CAN no line reaches it");
}

Test(vendor_ops, hard_reset_refused_uart_without_exit_sequence)
{
	hard_reset_refused("uart", "no init= EXIT sequence drives a line");
}

/* An EXIT sequence that pulses no line (here RTS low, then DTR low: two
 * levels, no pulse) gives NRST no line either: the job refuses -hardRst
 * after connecting and before its first write, not after the writes. */
Test(vendor_ops, hard_reset_refused_uart_exit_without_pulse)
{
	int rc = stmprog_sim("0x413", "uart", "",
	                     "'init=rts:-dtr' -w8 0x08004000 0x11 -hardRst");

	if (rc != 2 && strstr(out, "no modem control lines"))
		cr_skip_test("the simulator cannot watch the host's modem-line "
		             "calls here (no seccomp user notification)");
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "-hardRst drives NRST, and no line on "), "%s", out);
	cr_assert(strstr(out, "nothing was done"), "%s", out);
	cr_assert_eq(writes(), 0, "written before the refusal: %s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "erased before the refusal");
}

/* -w32 and -r32 reach the RAM the bootloader leaves to users as well:
 * the words are written, read back and printed, the flash untouched. */
static void words_in_ram(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	char args[256];
	unsigned char *fl;
	size_t flen;

	snprintf(args, sizeof(args), "-w32 0x%08X 0xDEADBEEF 0x01020304 "
	         "-r32 0x%08X 8", c->ram_start + 0x100, c->ram_start + 0x100);
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	snprintf(args, sizeof(args), "0x%08X : DEADBEEF 01020304\n",
	         c->ram_start + 0x100);
	cr_assert(strstr(out, args), "%s", out);
	fl = flash(&flen);
	cr_assert(e2e_all_equal(fl, flen, 0xFF), "the flash changed");
	free(fl);
}

Test(vendor_ops, words_in_ram_uart) { words_in_ram("uart"); }
/* The F405's DfuSe ROM has no alternate setting for RAM: refused before
 * anything is written, pointing at UART or CAN. */
Test(vendor_ops, words_in_ram_refused_usb)
{
	cr_assert_eq(stmprog("0x413", "usb", "-w32 0x20003100 0xDEADBEEF"), 1,
	             "%s", out);
	cr_assert(strstr(out, "none of this DFU device's"), "%s", out);
	cr_assert_eq(writes(), 0);
}
Test(vendor_ops, words_in_ram_can) { words_in_ram("can"); }

/* stmprog-sim's usb transport against an independent client: Debian's
 * dfu-util 0.11, run as COMMAND through umockdev, so libusb's real Linux
 * code path talks to the simulated DfuSe ROM.
 *
 * dfu-util's expectations are the reference: when it fails, the
 * simulator is wrong, except where the test says a real ROM makes it fail
 * too.  Results are checked in the --flash files and the trace. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "stmprog/chip.h"
#include "test_helpers.h"
#include "test_sim_util.h"

static void need_dfu_util(void)
{
	th_dir_setup();
	th_need("dfu-util", "dfu-util");
}

TestSuite(sim_usb, .init = need_dfu_util, .fini = th_dir_teardown,
          .timeout = 120);

static char out[1 << 17];

/* COMMAND under `stmprog-sim --transport usb --chip CHIP OPTS` in the
 * test's directory; the trace starts afresh.  Returns the exit status. */
static int run(const char *chip, const char *opts, const char *command)
{
	char cmd[8000];

	unlink(th_dir_path("trace"));
	snprintf(cmd, sizeof(cmd), "cd %s && %s --chip %s --transport usb "
	         "--trace trace %s -- %s", th_dir, ts_sim_path(), chip, opts,
	         command);
	return th_run(cmd, out, sizeof(out));
}

static const char *trace(void)
{
	return ts_text(th_dir_path("trace"));
}

static unsigned count_lines(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	unsigned count = 0;

	for (const char *p = text; p && *p;) {
		if (!strncmp(p, prefix, n))
			count++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return count;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p;) {
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* An application image: a vector table the chip model accepts (stack at
 * the end of RAM, reset handler in flash), then pseudo-random bytes. */
static uint8_t *app_image(const char *name, size_t n, uint16_t pid, unsigned seed)
{
	const stp_chip *c = stp_chip_by_pid(pid);
	uint8_t *b = malloc(n);
	uint32_t x = seed * 2654435761u + 1, sp, pc;

	cr_assert_not_null(c);
	cr_assert_not_null(b);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
	sp = c->ram_end;
	pc = c->flash_base + 0x101;
	for (int i = 0; i < 4; i++) {
		b[i] = (uint8_t)(sp >> (8 * i));
		b[4 + i] = (uint8_t)(pc >> (8 * i));
	}
	ts_write_file(th_dir_path(name), b, n);
	return b;
}

static uint8_t *file_bytes(const char *name, size_t size)
{
	uint8_t *b = malloc(size + 1);

	cr_assert_not_null(b);
	cr_assert_eq(ts_read_file(th_dir_path(name), b, size + 1), size,
	             "%s is not %zu bytes", name, size);
	return b;
}

/* The ERASE PAGE lines must name exactly the units [base, base+n) touches. */
static void assert_erased_units(uint16_t pid, uint32_t flash_size, size_t n)
{
	const stp_chip *c = stp_chip_by_pid(pid);
	stp_ctx *ctx = stp_ctx_new();
	stp_geometry geo;
	unsigned expected = 0;
	char line[64];

	cr_assert_eq(stp_chip_geometry(ctx, c, flash_size, &geo), STP_OK);
	for (size_t i = 0; i < geo.nunits; i++) {
		if (geo.units[i].addr >= c->flash_base + n)
			break;
		snprintf(line, sizeof(line), "ERASE PAGE 0x%08X",
		         (unsigned)geo.units[i].addr);
		cr_expect(has_line(trace(), line), "no '%s' in the trace", line);
		expected++;
	}
	cr_expect_eq(count_lines(trace(), "ERASE PAGE "), expected,
	             "%u ERASE PAGE lines, expected %u", count_lines(trace(),
	             "ERASE PAGE "), expected);
	stp_geometry_release(&geo);
	stp_ctx_free(ctx);
}

static const char *state(void)
{
	return ts_text(th_dir_path("flash.state"));
}

/* ---- listing ---- */

Test(sim_usb, f4_lists_every_alt_with_the_rom_strings)
{
	static const char *const alts[] = {
		"alt=0, name=\"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg\"",
		"alt=1, name=\"@Option Bytes  /0x1FFFC000/01*016 e\"",
		"alt=2, name=\"@OTP Memory /0x1FFF7800/01*512 e,01*016 e\"",
		"alt=3, name=\"@Device Feature/0xFFFF0000/01*004 e\"",
	};
	const char *serial;

	cr_assert_eq(run("0x413", "", "dfu-util -l"), 0, "%s", out);
	for (size_t i = 0; i < 4; i++)
		cr_expect(strstr(out, alts[i]), "no %s in:\n%s", alts[i], out);
	cr_expect_eq(count_lines(out, "Found DFU: [0483:df11] ver=2200, devnum=2, "
	                         "cfg=1, intf=0, path=\"1-1\""), 4, "%s", out);
	serial = strstr(out, "serial=\"");
	cr_assert(serial, "%s", out);
	serial += 8;
	for (int i = 0; i < 12; i++)
		cr_expect((serial[i] >= '0' && serial[i] <= '9') ||
		          (serial[i] >= 'A' && serial[i] <= 'F'), "serial %.13s", serial);
	cr_expect_eq(serial[12], '"', "serial %.14s is not 12 digits", serial);
	cr_expect(has_line(trace(), "ENUMERATE 0483:df11 dfu"), "%s", trace());
}

/* The serial is the ROM's function of the unique ID.  The UID is read
 * over the uart transport (same chip, same --seed, so the same UID):
 * dfu-util refuses uploads outside an alternate setting's layout. */
Test(sim_usb, serial_string_derives_from_the_unique_id)
{
	const stp_chip *c = stp_chip_by_pid(0x413);
	uint8_t uid[12];
	uint32_t w[3];
	char serial[32];
	ts_sim s;

	ts_start(&s, "--chip 0x413 --seed 9");
	ts_open(&s, true);
	cr_assert_eq(ts_sync(&s), TS_ACK);
	cr_assert_eq(ts_read(&s, c->uid_addr, uid, 12), 0);
	cr_assert_eq(ts_finish(&s), 0);
	for (int i = 0; i < 3; i++)
		w[i] = (uint32_t)uid[4 * i] | (uint32_t)uid[4 * i + 1] << 8 |
		       (uint32_t)uid[4 * i + 2] << 16 | (uint32_t)uid[4 * i + 3] << 24;
	snprintf(serial, sizeof(serial), "serial=\"%08X%04X\"",
	         (unsigned)(w[0] + w[2]), (unsigned)(w[1] >> 16));
	cr_assert_eq(run("0x413", "--seed 9", "dfu-util -l"), 0, "%s", out);
	cr_expect(strstr(out, serial), "no %s in:\n%s", serial, out);
}

Test(sim_usb, l4_and_h7_strings)
{
	cr_assert_eq(run("0x435", "", "dfu-util -l"), 0, "%s", out);
	cr_expect(strstr(out, "alt=0, name=\"@Internal Flash  /0x08000000/128*0002Kg\""),
	          "%s", out);
	cr_expect(strstr(out, "alt=1, name=\"@Option Bytes  /0x1FFF7800/01*040 e\""),
	          "%s", out);
	cr_assert_eq(run("0x450", "", "dfu-util -l"), 0, "%s", out);
	cr_expect(strstr(out, "alt=0, name=\"@Internal Flash  /0x08000000/16*128Kg\""),
	          "%s", out);
}

/* Field report 3: the L07x ROM's string, byte for byte, whatever the
 * part's real flash size. */
Test(sim_usb, l0_shows_the_inaccurate_rom_string)
{
	cr_assert_eq(run("0x447", "--flash-kb 128", "dfu-util -l"), 0, "%s", out);
	cr_expect(strstr(out, "alt=0, name=\"@Internal Flash   /0x08000000/1536*128g\""),
	          "%s", out);
}

/* ---- download with leave, per chip ---- */

static void download_leave(uint16_t pid, size_t n, const char *expect_app)
{
	char chip[16];
	uint8_t *img, *flash;
	const stp_chip *c = stp_chip_by_pid(pid);

	snprintf(chip, sizeof(chip), "0x%03X", (unsigned)pid);
	img = app_image("app.bin", n, pid, pid);
	cr_assert_eq(run(chip, "--flash flash", "dfu-util -a 0 -s "
	                 "0x08000000:leave -D app.bin"), 0, "%s", out);
	flash = file_bytes("flash", c->flash_size);
	cr_expect_arr_eq(flash, img, n, "the flash differs from the file");
	cr_expect_eq(flash[n], c->erased_value, "written past the file's end");
	assert_erased_units(pid, 0, n);
	cr_expect_eq(count_lines(trace(), "WRITE "), (n + 2047) / 2048, "%s", trace());
	cr_expect(strstr(state(), expect_app), "state:\n%s", state());
	free(img);
	free(flash);
}

Test(sim_usb, f4_download_and_leave_runs_the_application)
{
	download_leave(0x413, 70000, "app=running");
	cr_expect(has_line(trace(), "LEAVE 0x08000000 app"), "%s", trace());
	cr_expect(has_line(trace(), "REMOVE"), "%s", trace());
	/* The application does not use USB: nothing comes back. */
	cr_expect_eq(count_lines(trace(), "ENUMERATE "), 1, "%s", trace());
}

/* Field report 2: a virgin L4 latched "empty" at power-on, so the leave
 * lands in the ROM again and it re-enumerates in DFU mode. */
Test(sim_usb, l4_leave_after_first_download_hits_the_empty_check)
{
	download_leave(0x435, 65536, "app=bootloader");
	cr_expect(has_line(trace(), "LEAVE 0x08000000 bootloader"), "%s", trace());
	cr_expect_eq(count_lines(trace(), "ENUMERATE 0483:df11 dfu"), 2, "%s", trace());
}

Test(sim_usb, h7_download_and_leave)
{
	if (getenv("STMPROG_TEST_QUICK")) /* the F4's download and leave stands for it */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	download_leave(0x450, 65536 + 4096, "app=running");
}

/* dfu-util reads "1536*128g" as 1536 pages of 128 bytes (the type letter
 * where the unit goes), so it erases page by page and the data lands. */
Test(sim_usb, l0_inaccurate_string_still_lands_the_data_with_dfu_util)
{
	download_leave(0x447, 8192, "app=running");
	cr_expect_eq(count_lines(trace(), "ERASE PAGE "), 8192 / 128);
}

/* A 128 KiB L072xB under the 192 KiB string: dfu-util believes the
 * string and writes across the real end; the ROM model refuses what lies
 * beyond it, and dfu-util fails rather than claiming success. */
Test(sim_usb, l0_128k_part_refuses_writes_past_its_real_end)
{
	uint8_t *img = app_image("tail.bin", 8192, 0x447, 5), *flash;

	cr_assert_neq(run("0x447", "--flash-kb 128 --flash flash", "dfu-util -a 0 "
	                  "-s 0x0801F000 -D tail.bin"), 0, "%s", out);
	cr_expect(strstr(trace(), "STATUS errADDRESS erase 0x08020000"), "%s", trace());
	flash = file_bytes("flash", 128 * 1024);
	free(img);
	free(flash);
}

/* Field report 4 on an H7 (256-bit flash words): a file whose end is not
 * a whole word loses its tail, and dfu-util says nothing about it. */
Test(sim_usb, h7_partial_flash_word_is_silently_left_erased)
{
	uint8_t *img = app_image("app.bin", 4096 + 16, 0x450, 3), *flash;

	cr_assert_eq(run("0x450", "--flash flash", "dfu-util -a 0 -s 0x08000000 "
	                 "-D app.bin"), 0, "%s", out);
	flash = file_bytes("flash", 2048 * 1024);
	cr_expect_arr_eq(flash, img, 4096);
	for (size_t i = 4096; i < 4096 + 16; i++)
		cr_expect_eq(flash[i], 0xFF, "byte %zu of the partial word written", i);
	free(img);
	free(flash);
}

/* ---- erase, upload ---- */

Test(sim_usb, f4_mass_erase_then_download)
{
	uint8_t *old = malloc(1024 * 1024), *img, *flash;

	cr_assert_not_null(old);
	memset(old, 0x5A, 1024 * 1024);
	ts_write_file(th_dir_path("flash"), old, 1024 * 1024);
	img = app_image("app.bin", 4096, 0x413, 2);
	cr_assert_eq(run("0x413", "--flash flash", "dfu-util -a 0 -s "
	                 "0x08000000:mass-erase:force -D app.bin"), 0, "%s", out);
	cr_expect(has_line(trace(), "ERASE MASS"), "%s", trace());
	cr_expect_eq(count_lines(trace(), "ERASE PAGE "), 0, "%s", trace());
	flash = file_bytes("flash", 1024 * 1024);
	cr_expect_arr_eq(flash, img, 4096);
	for (size_t i = 4096; i < 1024 * 1024; i += 4093)
		cr_expect_eq(flash[i], 0xFF, "byte %zu not erased", i);
	free(old);
	free(img);
	free(flash);
}

static void upload(uint16_t pid, size_t flash_size, size_t n)
{
	char chip[16], cmd[128], name[32], opts[64];
	uint8_t *img = malloc(flash_size), *up;
	uint32_t x = 77;

	cr_assert_not_null(img);
	for (size_t i = 0; i < flash_size; i++) {
		x = x * 1103515245u + 12345u;
		img[i] = (uint8_t)(x >> 16);
	}
	snprintf(name, sizeof(name), "flash%03X", (unsigned)pid);
	snprintf(opts, sizeof(opts), "--flash %s", name);
	ts_write_file(th_dir_path(name), img, flash_size);
	snprintf(chip, sizeof(chip), "0x%03X", (unsigned)pid);
	snprintf(cmd, sizeof(cmd), "dfu-util -a 0 -s 0x08000000:%zu -U up.bin", n);
	unlink(th_dir_path("up.bin"));  /* dfu-util will not overwrite it */
	cr_assert_eq(run(chip, opts, cmd), 0, "%s", out);
	up = file_bytes("up.bin", n);
	cr_expect_arr_eq(up, img, n, "the upload differs from the flash");
	cr_expect(has_line(trace(), "READ 0x08000000 2048"), "%s", trace());
	free(img);
	free(up);
}

Test(sim_usb, uploads_are_byte_identical)
{
	upload(0x413, 1024 * 1024, 70000);
	upload(0x435, 256 * 1024, 256 * 1024);
	upload(0x450, 2048 * 1024, 40000);
	upload(0x447, 192 * 1024, 5000);
}

/* Option bytes through alt 1: the chip resets and, with the flash still
 * erased, comes back in DFU mode. */
Test(sim_usb, f4_option_byte_write_resets_the_device)
{
	uint8_t ob[16], *got;

	memset(ob, 0xFF, sizeof(ob));
	ob[0] = 0xEC;
	ob[1] = 0xAA;
	ts_write_file(th_dir_path("ob.bin"), ob, sizeof(ob));
	cr_assert_eq(run("0x413", "--flash flash", "dfu-util -a 1 -s "
	                 "0x1FFFC000:will-reset -D ob.bin"), 0, "%s", out);
	cr_expect(has_line(trace(), "ALT 1"), "%s", trace());
	cr_expect(has_line(trace(), "OB WRITE 0x1FFFC000 16"), "%s", trace());
	cr_expect(has_line(trace(), "REMOVE"), "%s", trace());
	cr_expect_eq(count_lines(trace(), "ENUMERATE 0483:df11 dfu"), 2, "%s", trace());
	got = file_bytes("flash.ob", 16);
	cr_expect_arr_eq(got, ob, 16);
	free(got);
}

/* ---- faults ---- */

static void run_twice_same(const char *faults, const char *expect_line)
{
	char opts[128], *trace1;
	uint8_t *f1, *f2;
	int rc1, rc2;

	free(app_image("app.bin", 70000, 0x413, 4));
	snprintf(opts, sizeof(opts), "--flash flash --seed 7 --faults %s", faults);
	unlink(th_dir_path("flash"));
	rc1 = run("0x413", opts, "dfu-util -a 0 -s 0x08000000:leave -D app.bin");
	trace1 = strdup(trace());
	f1 = file_bytes("flash", 1024 * 1024);
	unlink(th_dir_path("flash"));
	unlink(th_dir_path("flash.state"));
	rc2 = run("0x413", opts, "dfu-util -a 0 -s 0x08000000:leave -D app.bin");
	f2 = file_bytes("flash", 1024 * 1024);
	cr_expect_neq(rc1, 0, "dfu-util did not notice the fault: %s", out);
	cr_expect_eq(rc1, rc2);
	cr_expect_str_eq(trace1, trace(), "the same seed gave another run");
	cr_expect_arr_eq(f1, f2, 1024 * 1024, "the same seed left other flash");
	cr_expect(strstr(trace1, expect_line), "no '%s' in:\n%s", expect_line, trace1);
	free(trace1);
	free(f1);
	free(f2);
}

Test(sim_usb, status_faults_are_reproducible)
{
	run_twice_same("status=0.1", "FAULT status err");
}

Test(sim_usb, stall_faults_are_reproducible)
{
	run_twice_same("stall=0.05", "FAULT stall request");
}

Test(sim_usb, reenum_faults_are_reproducible)
{
	run_twice_same("reenum=0.05", "FAULT reenum at control transfer");
	cr_expect(strstr(trace(), "REMOVE"), "%s", trace());
}

/* A hold shorter than dfu-util's timeout: every answer still comes, so
 * the download lands; a hold past it is the fault matrix's business
 * (bench/fault-matrix), since each one costs the host's whole timeout. */
Test(sim_usb, held_answers_come_late_but_come)
{
	uint8_t *img = app_image("app.bin", 70000, 0x413, 4), *f;

	cr_expect_eq(run("0x413", "--flash flash --seed 3 --faults hold=0.2:20",
	                 "dfu-util -a 0 -s 0x08000000 -D app.bin"), 0, "%s", out);
	cr_expect(strstr(trace(), "FAULT hold request "), "%s", trace());
	f = file_bytes("flash", 1024 * 1024);
	cr_expect_arr_eq(f, img, 70000);
	free(f);
	free(img);
}

Test(sim_usb, disconnect_makes_dfu_util_fail)
{
	free(app_image("app.bin", 70000, 0x413, 4));
	cr_expect_neq(run("0x413", "--flash flash --faults disconnect=30",
	                  "dfu-util -a 0 -s 0x08000000:leave -D app.bin"), 0, "%s", out);
	cr_expect(has_line(trace(), "FAULT disconnect after 30 control transfers"),
	          "%s", trace());
	cr_expect(has_line(trace(), "REMOVE"), "%s", trace());
	cr_expect(!strstr(trace(), "LEAVE"), "%s", trace());
}

Test(sim_usb, fault_kinds_of_the_other_transport_are_refused)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --transport usb --faults "
	         "ber=0.01 -- true", ts_sim_path());
	cr_expect_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "ber is a uart fault"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --faults status=0.1 -- true",
	         ts_sim_path());
	cr_expect_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "status is a usb fault"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --usb-start app -- true",
	         ts_sim_path());
	cr_expect_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "--usb-start needs --transport usb or gadget"),
	          "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --chip 0x413 --usb-stlink -- true",
	         ts_sim_path());
	cr_expect_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "--usb-stlink and --boot0 need --transport usb"),
	          "%s", out);
	snprintf(cmd, sizeof(cmd), "%s --device slcan --usb-start runtime -- true",
	         ts_sim_path());
	cr_expect_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "--usb-start needs the usb or gadget transport"),
	          "%s", out);
}

/* ---- other devices on the bus ---- */

Test(sim_usb, runtime_detach_brings_up_the_dfu_device)
{
	const char *second;

	cr_assert_eq(run("0x413", "--usb-start runtime", "sh -c 'dfu-util -l; "
	                 "echo ===; dfu-util -e; echo ===; sleep 0.3; dfu-util -l'"),
	             0, "%s", out);
	second = strstr(out, "===");
	cr_assert(second, "%s", out);
	cr_expect(strstr(out, "Found Runtime: [0483:5740]") < second, "%s", out);
	{
		char first[8192];
		size_t n = (size_t)(second - out) < sizeof(first) - 1 ?
		           (size_t)(second - out) : sizeof(first) - 1;
		memcpy(first, out, n);
		first[n] = '\0';
		cr_expect(!strstr(first, "0483:df11"), "%s", out);
	}
	second = strstr(second + 3, "===");
	cr_assert(second, "%s", out);
	cr_expect(strstr(second, "Found DFU: [0483:df11]"), "%s", out);
	cr_expect(has_line(trace(), "DETACH"), "%s", trace());
	cr_expect(has_line(trace(), "USB RESET"), "%s", trace());
	cr_expect(strstr(trace(), "ENUMERATE 0483:5740 runtime\nDETACH\nUSB RESET\n"
	                 "REMOVE\nENUMERATE 0483:df11 dfu\n"), "%s", trace());
}

/* After a download that starts the application, the application shows
 * its run-time interface again. */
Test(sim_usb, runtime_application_comes_back_after_leave)
{
	free(app_image("app.bin", 4096, 0x413, 6));
	cr_assert_eq(run("0x413", "--usb-start runtime --flash flash",
	                 "sh -c 'dfu-util -e; sleep 0.3; dfu-util -a 0 -s "
	                 "0x08000000:leave -D app.bin; sleep 0.3; dfu-util -l'"),
	             0, "%s", out);
	cr_expect(strstr(trace(), "LEAVE 0x08000000 app\nREMOVE\n"
	                 "ENUMERATE 0483:5740 runtime\n"), "%s", trace());
	cr_expect(strstr(out, "Found Runtime: [0483:5740]"), "%s", out);
}

Test(sim_usb, stlink_with_application_lists_no_dfu_device)
{
	cr_assert_eq(run("0x413", "--usb-start app --usb-stlink", "sh -c 'dfu-util "
	                 "-l; cat \"$UMOCKDEV_DIR/sys/devices/pci0000:00/usb1/1-2/"
	                 "product\"'"), 0, "%s", out);
	cr_expect(!strstr(out, "Found DFU"), "%s", out);
	cr_expect(!strstr(out, "Found Runtime"), "%s", out);
	cr_expect(strstr(out, "STM32 STLink"), "%s", out);
	cr_expect(has_line(trace(), "ENUMERATE 0483:374b stlink"), "%s", trace());
	cr_expect_eq(count_lines(trace(), "ENUMERATE "), 1, "%s", trace());
}

/* ---- timing ---- */

/* Real timing reports the sector erase time (the chip database's 1 s on
 * F4) as bwPollTimeout, and dfu-util waits it out: the trace shows what
 * the device asked for and that no GETSTATUS came before it.  Without
 * real timing the device asks for no wait.  Nothing here reads a clock,
 * so a loaded machine cannot fail it (timings live in bench/). */
Test(sim_usb, real_timing_makes_the_host_wait_for_the_erase)
{
	if (getenv("STMPROG_TEST_QUICK")) /* a paced session: the ASan pass runs it */
		cr_skip_test("STMPROG_TEST_QUICK is set");

	const stp_chip *f4 = stp_chip_by_pid(0x413);
	char busy[64];

	cr_assert(f4);
	free(app_image("app.bin", 2048, 0x413, 8));
	cr_assert_eq(run("0x413", "", "dfu-util -a 0 -s 0x08000000 -D app.bin"),
	             0, "%s", out);
	cr_expect(has_line(trace(), "ERASE PAGE 0x08000000"), "%s", trace());
	cr_expect_eq(count_lines(trace(), "BUSY "), 0, "%s", trace());
	cr_expect_eq(count_lines(trace(), "POLL EARLY"), 0, "%s", trace());

	cr_assert_eq(run("0x413", "--timing real", "dfu-util -a 0 -s 0x08000000 "
	                 "-D app.bin"), 0, "%s", out);
	/* Sector 0 is one of the F4's 16 KiB sectors: small_erase_ms. */
	snprintf(busy, sizeof(busy), "ERASE PAGE 0x08000000\nBUSY erase %u ms\n",
	         (unsigned)f4->small_erase_ms);
	cr_expect(strstr(trace(), busy), "no \"%s\" in:\n%s", busy, trace());
	cr_expect_eq(count_lines(trace(), "BUSY write "), 1, "%s", trace());
	cr_expect_eq(count_lines(trace(), "POLL EARLY"), 0, "%s", trace());
}

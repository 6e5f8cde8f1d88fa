/* stmprog end to end over USB DFU: the real dfu backend and libusb talk to
 * stmprog-sim's DfuSe ROM through umockdev, on the chips the field reports
 * are about: F4 (sectors), L0 (the ROM's wrong layout string), L4 (empty
 * check after a first download) and H7 (32-byte program unit).  What the
 * device holds is checked in the simulator's flash file, what it was asked
 * to do in its trace, and dfu-util 0.11 is the independent client. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(dfu_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

/* Runs COMMAND under the simulator's USB transport; {port} is usb1. */
static int sim(const char *chip, const char *simopts, const char *command)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "--transport usb %s", simopts ? simopts : "");
	return e2e_sim(out, sizeof(out), chip, opts, command);
}

static int stmprog_with(const char *chip, const char *simopts, const char *args)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "--transport usb %s", simopts ? simopts : "");
	return e2e_stmprog(out, sizeof(out), chip, opts, args);
}

static int stmprog(const char *chip, const char *args)
{
	return stmprog_with(chip, "", args);
}

/* How many WRITE lines of the trace come right after a SETADDR. */
static unsigned writes_after_setaddr(void)
{
	FILE *f = fopen(e2e_trace(), "r");
	char line[512];
	bool setaddr = false;
	unsigned n = 0;

	cr_assert(f, "no trace");
	while (fgets(line, sizeof(line), f)) {
		if (setaddr && !strncmp(line, "WRITE ", 6))
			n++;
		setaddr = !strncmp(line, "SETADDR ", 8);
	}
	fclose(f);
	return n;
}

/* Program, verify, read back, erase all, option bytes: one chip. */
static void program_cycle(const char *pid, size_t len, const char *go)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_app(c, len, 7), *back;
	size_t blen;
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x%08X -v %s", e2e_app_path(),
	         c->flash_base, go);
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	cr_assert(strstr(out, "bytes verified by read-back"), "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	e2e_assert_flash(c, img, 0, len, 0);
	/* One contiguous image: a set-address before its first block and one
	 * before the short last block, never one per block as dfu-util does. */
	cr_assert_leq(writes_after_setaddr(), 2, "set-address before %u writes",
	              writes_after_setaddr());
	cr_assert_gt(e2e_count_lines(e2e_trace(), "WRITE"), 0);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "POLL EARLY"), 0,
	             "GETSTATUS came before bwPollTimeout");

	snprintf(args, sizeof(args), "-u 0x%08X %zu '%s'", c->flash_base, len,
	         th_dir_path("back.bin"));
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(blen, len);
	cr_assert_eq(memcmp(back, img, len), 0, "read-back differs");
	free(back);

	remove(e2e_trace());
	cr_assert_eq(stmprog(pid, "-e all"), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "ERASE"), "no erase in the trace");
	back = e2e_slurp(th_dir_path("flash.bin"), &blen);
	cr_assert(e2e_all_equal(back, blen, c->erased_value), "-e all left data");
	free(back);

	cr_assert_eq(stmprog(pid, "-ob displ"), 0, "%s", out);
	snprintf(args, sizeof(args), "Option bytes at 0x%08X", c->ob_start);
	cr_assert(strstr(out, args), "%s", out);
	free(img);
}

Test(dfu_e2e, f4_program_read_erase_leave)
{
	const stp_chip *c = e2e_chip("0x413");

	program_cycle("0x413", 100000, "");
	/* The layout fits F2 and F405 alike; DBGMCU_IDCODE names it. */
	cr_assert(strstr(out, "PID 0x413"), "%s", out);
	/* 100000 bytes touch sectors 0-4 (16+16+16+16+64 KiB) and only those. */
	char args[4096];

	/* Sectors 0-5 hold another image first: blank sectors are read and
	 * not erased over USB (the engine's cost model), so only sectors
	 * that hold something show the erase. */
	free(e2e_app(c, 160000, 8));
	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	free(e2e_app(c, 100000, 7));
	remove(e2e_trace());
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -g", e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE PAGE"), 5, "%s",
	             "not exactly the five touched sectors were erased");
	cr_assert(e2e_file_has(e2e_trace(), "ERASE PAGE 0x08010000"));
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE PAGE 0x08020000"));
	cr_assert(e2e_file_has(e2e_trace(), "LEAVE 0x08000000 app"), "no leave in the trace");
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "the application is not running: %s", out);
}

Test(dfu_e2e, l0_wrong_rom_layout_string_still_writes)
{
	program_cycle("0x447", 3000, "");
	/* The L07x ROM's "1536*128g" has no unit: stmprog reads it as bytes
	 * and says it guessed, instead of finding nothing writable. */
	cr_assert_eq(stmprog("0x447", "-vb 2 -ob displ"), 0, "%s", out);
	cr_assert(strstr(out, "1536*128g"), "%s", out);
}

Test(dfu_e2e, l0_128k_part_behind_the_192k_string)
{
	const stp_chip *c = e2e_chip("0x447");
	unsigned char *img = e2e_app(c, 2048, 3);
	char args[4096];

	/* An L072xB: 128 KiB, but its ROM claims 192 KiB.  The database and
	 * the flash-size register win, loudly. */
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog_with("0x447", "--flash-kb 128", args), 0, "%s", out);
	cr_assert(strstr(out, "disagrees"), "%s", out);
	cr_assert(strstr(out, "128 KiB"), "%s", out);

	/* Data above 128 KiB fits the ROM's string but not the part: refused
	 * before anything is erased. */
	remove(e2e_trace());
	snprintf(args, sizeof(args), "-d '%s' 0x08020000", e2e_app_path());
	cr_assert_neq(stmprog_with("0x447", "--flash-kb 128", args), 0, "%s", out);
	cr_assert(strstr(out, "0x08020000"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "something was erased");
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "something was written");
	free(img);
}

Test(dfu_e2e, h7_image_not_a_multiple_of_32_ends_verified)
{
	const stp_chip *c = e2e_chip("0x450");
	unsigned char *img = e2e_app(c, 4099, 11);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog("0x450", args), 0, "%s", out);
	e2e_assert_flash(c, img, 0, 4099, 8192);
	free(img);
}

/* Field report: a virgin L4 stays in DFU after the first download.  The
 * leave must start the image without a power cycle, and say how: with
 * BOOT0 low (a factory's virgin part, in the ROM only because of the empty
 * check) the reload's reset starts it; with BOOT0 high the reload clears
 * the latch and the ROM's own leave starts it. */
static void l4_first_download(const char *simopts)
{
	const stp_chip *c = e2e_chip("0x435");
	unsigned char *img = e2e_app(c, 6000, 5);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v -g", e2e_app_path());
	cr_assert_eq(stmprog_with("0x435", simopts, args), 0, "%s", out);
	cr_assert(strstr(out, "option bytes"), "the reload was not reported: %s", out);
	cr_assert(e2e_file_has(e2e_trace(), "OB WRITE"), "no option-byte reload");
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "the application is not running: %s", out);
	e2e_assert_flash(c, img, 0, 6000, 8192);
	free(img);
}

Test(dfu_e2e, l4_first_download_and_leave_with_boot0_low)
{
	l4_first_download("--boot0 low");
	cr_assert(!e2e_file_has(e2e_trace(), "LEAVE"), "the ROM's leave was used");
}

Test(dfu_e2e, l4_first_download_and_leave_with_boot0_high)
{
	if (getenv("STMPROG_TEST_QUICK")) /* boot0 low's session stands for it */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	l4_first_download("--boot0 high");
	cr_assert(e2e_file_has(e2e_trace(), "LEAVE 0x08000000 app"),
	          "no leave into the application after the reload");
}

Test(dfu_e2e, leave_into_garbage_is_not_success)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 4096, 9);
	char args[4096];

	/* A vector table stmprog's check lets through (a stack pointer in
	 * the SRAM region, a Thumb reset vector in flash) but whose stack is
	 * outside this part's RAM: the application faults and the ROM comes
	 * back, which the leave watch must see. */
	memcpy(img, "\x00\x00\x00\x30\x01\x01\x00\x08", 8);
	e2e_spit(e2e_app_path(), img, 4096);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -g", e2e_app_path());
	cr_assert_neq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "bootloader"), "%s", out);
	free(img);
}

Test(dfu_e2e, stlink_only_bus_names_the_cable)
{
	cr_assert_neq(stmprog_with("0x413", "--usb-start app --usb-stlink",
	                           "-u 0x08000000 16 /dev/null"), 0, "%s", out);
	cr_assert(strstr(out, "ST-LINK"), "%s", out);
	cr_assert(strstr(out, "connector"), "%s", out);
}

/* sn=, VID= and PID= narrow which device usb1 is; a filter nothing
 * matches is "not found", never another device. */
Test(dfu_e2e, serial_and_ids_select_the_device)
{
	char serial[64] = "", args[4096];
	const char *p;

	cr_assert_eq(stmprog("0x413", "-l usb"), 0, "%s", out);
	p = strstr(out, "sn=");
	cr_assert(p, "no serial listed: %s", out);
	sscanf(p + 3, "%63[0-9A-F]", serial);
	cr_assert_eq(strlen(serial), 12, "serial '%s'", serial);

	snprintf(args, sizeof(args), "sn=%s VID=0x0483 PID=0xDF11 -u 0x08000000 16 '%s'",
	         serial, th_dir_path("u.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	snprintf(args, sizeof(args), "sn=000000000000 -u 0x08000000 16 '%s'",
	         th_dir_path("u.bin"));
	cr_assert_eq(stmprog("0x413", args), 3, "%s", out);
	snprintf(args, sizeof(args), "PID=0x1234 -u 0x08000000 16 '%s'",
	         th_dir_path("u.bin"));
	cr_assert_eq(stmprog("0x413", args), 3, "%s", out);
	/* One device on the bus: usb2 does not exist, and the error says
	 * how many there are. */
	snprintf(args, sizeof(args), "'%s' -c port=usb2 -u 0x08000000 16 '%s'",
	         th_build_path("frontends/stmprog"), th_dir_path("u.bin"));
	cr_assert_eq(sim("0x413", "", args), 3, "%s", out);
	cr_assert(strstr(out, "usb2"), "%s", out);
}

Test(dfu_e2e, runtime_dfu_device_is_detached)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 3000, 4);
	char args[4096];

	cr_assert_eq(stmprog_with("0x413", "--usb-start runtime", "-l usb"), 0, "%s", out);
	cr_assert(strstr(out, "run-time"), "%s", out);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog_with("0x413", "--usb-start runtime", args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "DETACH"), "no DFU_DETACH");
	cr_assert(e2e_file_has(e2e_trace(), "ENUMERATE 0483:df11 dfu"),
	          "the DFU-mode device never appeared");
	e2e_assert_flash(c, img, 0, 3000, 16384);
	free(img);
}

Test(dfu_e2e, second_download_of_the_same_image_writes_nothing)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 20000, 8);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	remove(e2e_trace());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "already holds this image"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "something was written");
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "something was erased");
	free(img);
}

Test(dfu_e2e, bad_input_touches_nothing)
{
	e2e_bad_input_touches_nothing(out, sizeof(out), "0x413", "--transport usb");
}

Test(dfu_e2e, readout_protection_needs_rdu)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 5000, 2);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert_eq(stmprog("0x413", "-ob RDP=0xBB"), 0, "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=1"),
	          "readout protection not set");
	snprintf(args, sizeof(args), "-u 0x08000000 64 '%s'", th_dir_path("out.bin"));
	cr_assert_neq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "-rdu"), "the way out is not named: %s", out);
	snprintf(args, sizeof(args), "-rdu -u 0x08000000 64 '%s'", th_dir_path("back.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "RDU"), "no read unprotect");
	free(img);
	img = e2e_slurp(th_dir_path("back.bin"), &(size_t){0});
	cr_assert(e2e_all_equal(img, 64, c->erased_value), "-rdu did not erase");
	free(img);
}

Test(dfu_e2e, option_bytes_by_name_through_the_option_byte_alt)
{
	size_t n;
	unsigned char *ob;

	cr_assert_eq(stmprog("0x413", "-ob BOR_LEV=2"), 0, "%s", out);
	cr_assert(strstr(out, "written and read back"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "OB WRITE 0x1FFFC000"), "not through the OB alt");
	ob = e2e_slurp(th_dir_path("flash.bin.ob"), &n);
	/* F4 USER byte 0xEC with BOR_LEV (bits 3:2) = 10: 0xE8. */
	cr_assert_eq(ob[0], 0xE8, "USER byte 0x%02X", ob[0]);
	free(ob);
}

Test(dfu_e2e, dfu_file_targets_and_suffix_ids)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 7000, 6);
	unsigned char ob[16] = {0xE8, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	char cmd[8192];

	th_need("dfuse-pack", "dfu-util");
	e2e_spit(th_dir_path("ob.bin"), ob, sizeof(ob));
	/* Flash on alt 0 and the option bytes on alt 1, for another board's
	 * USB IDs: both land, with a warning naming both IDs. */
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && dfuse-pack -b 0x08000000:app.bin -b 0x1FFFC000@1:ob.bin "
	         "-D 0x1234:0x5678 fw.dfu", th_dir);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "-d '%s' -v", th_dir_path("fw.dfu"));
	cr_assert_eq(stmprog("0x413", cmd), 0, "%s", out);
	cr_assert(strstr(out, "1234:5678"), "%s", out);
	cr_assert(strstr(out, "0483:df11"), "%s", out);
	cr_assert(strstr(out, "option bytes written and verified"), "%s", out);
	e2e_assert_flash(c, img, 0, 7000, 16384);
	free(img);
	img = e2e_slurp(th_dir_path("flash.bin.ob"), &(size_t){0});
	cr_assert_eq(img[0], 0xE8);
	free(img);

	/* OTP data is refused before anything happens. */
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && dfuse-pack -b 0x08000000:app.bin -b 0x1FFF7800@2:ob.bin "
	         "otp.dfu", th_dir);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	remove(e2e_trace());
	snprintf(cmd, sizeof(cmd), "-d '%s'", th_dir_path("otp.dfu"));
	cr_assert_neq(stmprog("0x413", cmd), 0, "%s", out);
	cr_assert(strstr(out, "alternate setting 2"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "erased before refusing");
}

/* The independent client: what dfu-util writes, stmprog reads back, and
 * the other way round, through the same simulated chip. */
Test(dfu_e2e, dfu_util_and_stmprog_agree)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 40000, 21), *back;
	size_t blen;
	char cmd[8192], args[4096];

	th_need("dfu-util", "dfu-util");
	snprintf(cmd, sizeof(cmd), "dfu-util -a 0 -s 0x08000000 -D '%s'", e2e_app_path());
	cr_assert_eq(sim("0x413", "", cmd), 0, "dfu-util write: %s", out);
	snprintf(args, sizeof(args), "-u 0x08000000 40000 '%s'", th_dir_path("back.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(memcmp(back, img, 40000), 0, "stmprog read back something else");
	free(back);
	free(img);

	img = e2e_app(c, 40000, 22);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	remove(th_dir_path("back.bin"));
	snprintf(cmd, sizeof(cmd), "dfu-util -a 0 -s 0x08000000:40000 -U '%s'",
	         th_dir_path("back.bin"));
	cr_assert_eq(sim("0x413", "", cmd), 0, "dfu-util read: %s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(blen, 40000);
	cr_assert_eq(memcmp(back, img, 40000), 0, "dfu-util read back something else");
	free(back);
	free(img);
}

/* Injected GETSTATUS errors and stalls: every run ends verified-identical
 * or with an error, never with success over wrong contents. */
Test(dfu_e2e, faults_never_give_false_success, .timeout = 300)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");

	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 30000, 13);
	char args[4096], opts[128];
	int ok = 0, failed = 0, repaired = 0;

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	for (int seed = 1; seed <= 6; seed++) {
		remove(th_dir_path("flash.bin"));
		snprintf(opts, sizeof(opts), "--faults status=0.05,stall=0.02 --seed %d", seed);
		if (stmprog_with("0x413", opts, args) == 0) {
			cr_assert(strstr(out, "bytes verified"), "seed %d: %s", seed, out);
			repaired += strstr(out, "erasing and writing it again") != NULL;
			e2e_assert_flash(c, img, 0, 30000, 30000);
			ok++;
		} else {
			cr_assert(strstr(out, "stmprog: error:"),
			          "seed %d: failed without a message: %s", seed, out);
			failed++;
		}
	}
	fprintf(stderr, "usb faults: %d verified (%d after a unit repair), %d "
	        "failed cleanly\n", ok, repaired, failed);
	cr_assert_gt(ok, 0, "no run survived the faults");
	/* A failed program leaves bits no second write can fix: these seeds
	 * hit that, and the unit was erased and written again. */
	cr_assert_gt(repaired, 0, "no run needed a repair: the seeds no longer "
	             "exercise it");

	/* The device vanishing mid-download is an error naming it. */
	remove(th_dir_path("flash.bin"));
	cr_assert_neq(stmprog_with("0x413", "--faults disconnect=40", args), 0, "%s", out);
	cr_assert(strstr(out, "stmprog: error:"), "%s", out);
	free(img);
}

Test(dfu_e2e, real_timing_waits_exactly_the_poll_timeouts, .timeout = 120)
{
	if (getenv("STMPROG_TEST_QUICK")) /* a paced session: the ASan pass runs it */
		cr_skip_test("STMPROG_TEST_QUICK is set");

	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 8192, 14);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog_with("0x413", "--timing real", args), 0, "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "POLL EARLY"), 0,
	             "a GETSTATUS came before bwPollTimeout had passed");
	e2e_assert_flash(c, img, 0, 8192, 16384);
	free(img);
}

/* contrib/firmware's bootloader-entry snippet builds for a Cortex-M4. */
Test(dfu_e2e, firmware_snippet_compiles)
{
	char cmd[8192];

	th_need("arm-none-eabi-gcc", "gcc-arm-none-eabi");
	snprintf(cmd, sizeof(cmd),
	         "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -Wall -Wextra -Werror "
	         "-c '%s/contrib/firmware/stm32_enter_bootloader.c' -o '%s'",
	         th_srcdir(), th_dir_path("snippet.o"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
}

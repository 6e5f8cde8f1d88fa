/* stmprog end to end over UART: the real UART backend (libserialport)
 * talks to stmprog-sim through a pseudo-terminal, for chips that differ
 * where programmers go wrong: F1 (16-bit unit, ERASE 0x43), F4 (sectors,
 * EXTENDED ERASE), L0 (erases to 0x00, no mass erase), L4 (64-bit unit,
 * empty check), H7 (256-bit unit) and U5 (GET CHECKSUM).  What the device
 * holds is checked in the simulator's flash file, what it was asked to do
 * in its trace. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(uart_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

/* Runs COMMAND under the simulator; {port} is the pty. */
static int sim(const char *chip, const char *simopts, const char *command)
{
	return e2e_sim(out, sizeof(out), chip, simopts, command);
}

/* stmprog against the simulated chip. */
static int stmprog(const char *chip, const char *args)
{
	char command[8192];

	snprintf(command, sizeof(command), "'%s' -c port={port} %s",
	         th_build_path("frontends/stmprog"), args);
	return sim(chip, "", command);
}

/* Program, verify and start; read back; erase all; show option bytes. */
static void program_cycle(const char *pid, size_t len)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_make_app(c, len, 7), *flash, *back;
	size_t flen, blen, padded;
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, len);
	snprintf(args, sizeof(args), "-d '%s' 0x%08X -v -g",
	         th_dir_path("app.bin"), c->flash_base);
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	cr_assert(strstr(out, "Started the application"), "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "the application is not running: %s", out);

	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert_eq(flen, c->flash_size);
	cr_assert_eq(memcmp(flash, img, len), 0, "flash differs from the image");
	/* The tail is padded to the program unit with the erased value, and
	 * nothing after it is touched. */
	padded = (len + c->program_unit - 1) / c->program_unit * c->program_unit;
	cr_assert(e2e_all_equal(flash + len, flen - len, c->erased_value),
	          "bytes after the image (padding up to %zu) are not erased",
	          padded);

	snprintf(args, sizeof(args), "-u 0x%08X %zu '%s'", c->flash_base, len,
	         th_dir_path("back.bin"));
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(blen, len);
	cr_assert_eq(memcmp(back, img, len), 0, "read-back differs");

	cr_assert_eq(stmprog(pid, "-e all"), 0, "%s", out);
	free(flash);
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert(e2e_all_equal(flash, flen, c->erased_value), "-e all left data");

	cr_assert_eq(stmprog(pid, "-ob displ"), 0, "%s", out);
	snprintf(args, sizeof(args), "Option bytes at 0x%08X", c->ob_start);
	cr_assert(strstr(out, args), "%s", out);
	free(img);
	free(flash);
	free(back);
}

Test(uart_e2e, f1_program_read_erase)
{
	program_cycle("0x410", 5013);
	cr_assert(e2e_file_has(th_dir_path("trace.txt"), "ERASE"), "no erase traced");
}

Test(uart_e2e, f4_program_read_erase)
{
	program_cycle("0x413", 70001);
}

Test(uart_e2e, l0_erases_to_zero_without_mass_erase)
{
	program_cycle("0x447", 3001);
	/* The L0 ROM has no mass erase: -e all went unit by unit. */
	cr_assert(!e2e_file_has(th_dir_path("trace.txt"), "ERASE MASS"));
}

Test(uart_e2e, h7_image_not_a_multiple_of_32)
{
	program_cycle("0x450", 4099);
}

Test(uart_e2e, u5_verifies_by_device_crc)
{
	program_cycle("0x482", 9000);
	cr_assert(e2e_file_has(th_dir_path("trace.txt"), "CRC "), "no GET CHECKSUM");
}

/* L4 with the empty check: after the first download into empty flash the
 * ROM would come back after GO; stmprog reloads the option bytes so the
 * application really starts, and says so. */
Test(uart_e2e, l4_first_download_leaves_the_bootloader)
{
	program_cycle("0x435", 2050);
}

Test(uart_e2e, l4_empty_check_reload_is_reported)
{
	const stp_chip *c = e2e_chip("0x435");
	unsigned char *img = e2e_make_app(c, 1024, 3);
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, 1024);
	snprintf(args, sizeof(args), "-d '%s' -g", th_dir_path("app.bin"));
	cr_assert_eq(stmprog("0x435", args), 0, "%s", out);
	cr_assert(strstr(out, "option bytes"), "no word about the reload: %s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"), "%s", out);
	free(img);
}

Test(uart_e2e, second_download_of_the_same_image_writes_nothing)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 40000, 11);
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, 40000);
	snprintf(args, sizeof(args), "-d '%s' -v", th_dir_path("app.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	remove(th_dir_path("trace.txt"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "already holds this image"), "%s", out);
	cr_assert(!e2e_file_has(th_dir_path("trace.txt"), "WRITE"));
	cr_assert(!e2e_file_has(th_dir_path("trace.txt"), "ERASE"));
	free(img);
}

Test(uart_e2e, bad_input_touches_nothing)
{
	e2e_bad_input_touches_nothing(out, sizeof(out), "0x413", "");
}

Test(uart_e2e, readout_protection_and_unprotect)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 2048, 5), *flash;
	size_t flen;
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, 2048);
	snprintf(args, sizeof(args), "-d '%s' --readout-protect", th_dir_path("app.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=1"));
	/* Reads are refused, with the way out named. */
	snprintf(args, sizeof(args), "-u 0x08000000 256 '%s'", th_dir_path("back.bin"));
	cr_assert_eq(stmprog("0x413", args), 1, "%s", out);
	cr_assert(strstr(out, "readout protection"), "%s", out);
	cr_assert(strstr(out, "-rdu"), "%s", out);
	/* -rdu erases, resets, and the session goes on after the re-sync. */
	cr_assert_eq(stmprog("0x413", "-rdu -ob displ"), 0, "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=0"));
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert(e2e_all_equal(flash, flen, 0xFF), "-rdu did not erase");
	free(flash);
	free(img);
}

Test(uart_e2e, write_protection_makes_verify_fail_then_unprotect)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 20000, 9);
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, 20000);
	cr_assert_eq(stmprog("0x413", "--write-protect 1"), 0, "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "wrp=1"), "%s", out);
	/* Sector 1 (0x08004000) cannot change: the ROM says nothing (or NACKs
	 * its erase), and stmprog must not call that a success. */
	snprintf(args, sizeof(args), "-d '%s' -v", th_dir_path("app.bin"));
	cr_assert_neq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "0x0800"), "no address in: %s", out);
	cr_assert_eq(stmprog("0x413", "--write-unprotect"), 0, "%s", out);
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	free(img);
}

Test(uart_e2e, erase_named_sectors_only)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_make_app(c, 3 * 16384, 13), *flash;
	size_t flen;
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, 3 * 16384);
	snprintf(args, sizeof(args), "-d '%s'", th_dir_path("app.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert_eq(stmprog("0x413", "-e 1"), 0, "%s", out);
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert_eq(memcmp(flash, img, 16384), 0, "sector 0 changed");
	cr_assert(e2e_all_equal(flash + 16384, 16384, 0xFF), "sector 1 not erased");
	cr_assert_eq(memcmp(flash + 32768, img + 32768, 16384), 0, "sector 2 changed");
	free(flash);
	free(img);
}

/* -ob KEY=VALUE changes exactly the named bits, the simulator's option
 * bytes show it, and a misspelt field fails before the erase that comes
 * first on the same command line. */
Test(uart_e2e, option_bytes_by_name)
{
	size_t n;
	unsigned char *ob;

	cr_assert_eq(stmprog("0x413", "-ob BOR_LEV=1 nRST_STOP=0"), 0, "%s", out);
	cr_assert(strstr(out, "written and read back"), "%s", out);
	ob = e2e_slurp(th_dir_path("flash.bin.ob"), &n);
	cr_assert_geq(n, 2);
	/* F4 USER byte: factory 0xEC; BOR_LEV (bits 3:2) 01, nRST_STOP (bit
	 * 6) 0 -> 0xA4; RDP (byte 1) untouched at 0xAA. */
	cr_assert_eq(ob[0], 0xA4, "USER byte 0x%02X", ob[0]);
	cr_assert_eq(ob[1], 0xAA);
	free(ob);

	remove(th_dir_path("trace.txt"));
	cr_assert_neq(stmprog("0x413", "-e all -ob BOR_LEVEL=1"), 0, "%s", out);
	cr_assert(strstr(out, "no option-byte field BOR_LEVEL"), "%s", out);
	cr_assert(!e2e_file_has(th_dir_path("trace.txt"), "ERASE"),
	          "the erase ran before the bad -ob was found");

	cr_assert_neq(stmprog("0x413", "-ob RDP=0xCC"), 0, "%s", out);
	cr_assert(strstr(out, "permanent"), "%s", out);
}

Test(uart_e2e, noinit_reuses_a_synced_bootloader)
{
	char command[8192];
	const char *sp = th_build_path("frontends/stmprog");

	snprintf(command, sizeof(command),
	         "sh -c \"'%s' -c port={port} -u 0x08000000 16 '%s' && "
	         "'%s' -c port={port} noinit=1 -u 0x08000000 16 '%s'\"",
	         sp, th_dir_path("a.bin"), sp, th_dir_path("b.bin"));
	cr_assert_eq(sim("0x413", "", command), 0, "%s", out);
}

Test(uart_e2e, wrong_parity_is_explained)
{
	cr_assert_eq(stmprog("0x413", "P=NONE -u 0x08000000 16 x.bin"), 1, "%s", out);
	cr_assert(strstr(out, "0x7F"), "%s", out);
	cr_assert(strstr(out, "8E1") || strstr(out, "EVEN"), "%s", out);
}

Test(uart_e2e, listing_uart_ports_works_without_hardware)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "unset STMPROG_BACKEND_PATH; '%s' -l uart",
	         th_build_path("frontends/stmprog"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
}

/* With one byte in a thousand damaged on the wire, a download either
 * ends verified-identical or fails with a message; never success with
 * wrong contents. */
Test(uart_e2e, byte_errors_never_give_false_success, .timeout = 600)
{
	const stp_chip *c = e2e_chip("0x413");
	size_t len = 16000, flen;
	unsigned char *img = e2e_make_app(c, len, 17);
	int ok = 0, failed = 0;

	/* Eight whole sessions: run in the sanitizer build; the valgrind and
	 * distcheck passes of tests/run-all.sh set STMPROG_TEST_QUICK. */
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	e2e_spit(th_dir_path("app.bin"), img, len);
	for (int seed = 1; seed <= 8; seed++) {
		char simopts[256], command[8192];
		unsigned char *flash;
		int rc;

		remove(th_dir_path("flash.bin"));
		remove(th_dir_path("flash.bin.state"));
		remove(th_dir_path("flash.bin.ob"));
		snprintf(simopts, sizeof(simopts), "--faults ber=1e-3 --seed %d", seed);
		snprintf(command, sizeof(command), "'%s' -c port={port} -d '%s' -v",
		         th_build_path("frontends/stmprog"), th_dir_path("app.bin"));
		rc = sim("0x413", simopts, command);
		if (rc == 0) {
			flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
			cr_assert_eq(memcmp(flash, img, len), 0,
			             "seed %d: success reported but the flash differs", seed);
			free(flash);
			ok++;
		} else {
			cr_assert(strstr(out, "stmprog: error:"),
			          "seed %d: failed without a message: %s", seed, out);
			failed++;
		}
	}
	/* Criterion's own log leaks in its runner (LeakSanitizer sees it). */
	fprintf(stderr, "ber=1e-3: %d verified, %d failed cleanly\n", ok, failed);
	cr_assert(ok > 0, "no run survived one error in a thousand bytes");
	free(img);
}

/* The independent client: what stm32flash writes, stmprog reads back
 * identical, and the other way round, through the same simulated chip. */
static bool have_stm32flash(void)
{
	return th_run("command -v stm32flash", out, sizeof(out)) == 0;
}

static void cross_check(const char *pid, size_t len)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_make_app(c, len, 21), *back;
	size_t blen;
	char command[8192], args[4096];

	if (!have_stm32flash())
		cr_skip_test("stm32flash is not installed (Debian package stm32flash)");
	e2e_spit(th_dir_path("app.bin"), img, len);
	snprintf(command, sizeof(command),
	         "stm32flash -b 115200 -w '%s' -v -S 0x%08X {port}",
	         th_dir_path("app.bin"), c->flash_base);
	cr_assert_eq(sim(pid, "", command), 0, "stm32flash write: %s", out);
	snprintf(args, sizeof(args), "-u 0x%08X %zu '%s'", c->flash_base, len,
	         th_dir_path("back.bin"));
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(memcmp(back, img, len), 0, "stmprog read back something else");
	free(back);

	free(img);
	img = e2e_make_app(c, len, 22);
	e2e_spit(th_dir_path("app2.bin"), img, len);
	snprintf(args, sizeof(args), "-d '%s' 0x%08X -v", th_dir_path("app2.bin"),
	         c->flash_base);
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	remove(th_dir_path("back.bin"));
	snprintf(command, sizeof(command),
	         "stm32flash -b 115200 -r '%s' -S 0x%08X:%zu {port}",
	         th_dir_path("back.bin"), c->flash_base, len);
	cr_assert_eq(sim(pid, "", command), 0, "stm32flash read: %s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(blen, len);
	cr_assert_eq(memcmp(back, img, len), 0, "stm32flash read back something else");
	free(back);
	free(img);
}

Test(uart_e2e, stm32flash_and_stmprog_agree_on_f1)
{
	cross_check("0x410", 6000);
}

Test(uart_e2e, stm32flash_and_stmprog_agree_on_f4)
{
	cross_check("0x413", 40000);
}

Test(uart_e2e, stm32flash_and_stmprog_agree_on_l4)
{
	cross_check("0x435", 8192);
}

/* The libserialport path (pseudo-terminals go through termios): a kernel
 * serial port with nothing attached opens, takes 8E1 and an init= line
 * sequence, and ends with the sync error, not a port or line error. */
Test(uart_e2e, kernel_serial_port_goes_through_libserialport)
{
	char cmd[4096];

	if (access("/sys/class/tty/ttyS0/device", F_OK) ||
	    access("/dev/ttyS0", R_OK | W_OK))
		cr_skip_test("no usable /dev/ttyS0 here");
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; '%s' -c port=/dev/ttyS0 "
	         "'init=rts&dtr,-dtr:-rts' -vb 3 -u 0x08000000 4 '%s'",
	         th_build_path("frontends/stmprog"), th_dir_path("x.bin"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 1, "%s", out);
	cr_assert(strstr(out, "no answer to 0x7F on /dev/ttyS0"), "%s", out);
	cr_assert(!strstr(out, "termios"), "took the termios path: %s", out);
}

/* ---- issue 11: keeping step, GO, busy ports ---------------------------- */

/* Runs "-d app.bin -v" for a 64 KiB F405 image under faults; the flash
 * must end holding the image, and the run must say so. */
static void download_survives(const char *faults, int seed)
{
	const stp_chip *c = e2e_chip("0x413");
	size_t len = 65536, flen;
	unsigned char *img = e2e_make_app(c, len, 29), *flash;
	char simopts[256], args[4096];
	int rc;

	remove(th_dir_path("flash.bin"));
	remove(th_dir_path("flash.bin.state"));
	remove(th_dir_path("flash.bin.ob"));
	e2e_spit(th_dir_path("app.bin"), img, len);
	snprintf(simopts, sizeof(simopts), "--faults %s --seed %d", faults, seed);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v",
	         th_dir_path("app.bin"));
	rc = e2e_stmprog(out, sizeof(out), "0x413", simopts, args);
	/* Never the hint that erases the chip for a line problem. */
	cr_assert(!strstr(out, "-rdu"), "%s %d: %s", faults, seed, out);
	cr_assert(!strstr(out, "readout protection"), "%s %d: %s", faults, seed,
	          out);
	cr_assert_eq(rc, 0, "%s seed %d: %s", faults, seed, out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert_eq(memcmp(flash, img, len), 0, "%s seed %d: flash differs",
	             faults, seed);
	free(flash);
	free(img);
}

/* Issue 11 §5: a reply held back one second left the link one byte off;
 * every retry was NACKed and the last NACK was called readout protection
 * with a hint to run -rdu. */
Test(uart_e2e, a_stalled_reply_does_not_lose_step, .timeout = 300)
{
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	download_survives("stall=0.005:1000", 12);
	cr_assert(e2e_file_has(e2e_trace(), "FAULT stall"), "no stall injected");
}

/* Issue 11 §5: at two byte errors in a thousand the final WRITE timed
 * out and the repair's EXTENDED ERASE was NACKed six times ("not a
 * command"), the link one byte off.  Now each seed ends verified. */
/* One session per seed, so Criterion runs the three side by side: each
 * spends minutes waiting out the protocol's time-outs, not computing. */
static void byte_errors_at_2e_3(int seed)
{
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	download_survives("ber=0.002", seed);
	cr_assert(!e2e_file_has(e2e_trace(), "not a command of this"),
	          "seed %d: a command went one byte off", seed);
}

Test(uart_e2e, byte_errors_at_2e_3_end_verified_seed1, .timeout = 600)
{
	byte_errors_at_2e_3(1);
}

Test(uart_e2e, byte_errors_at_2e_3_end_verified_seed2, .timeout = 600)
{
	byte_errors_at_2e_3(2);
}

Test(uart_e2e, byte_errors_at_2e_3_end_verified_seed3, .timeout = 600)
{
	byte_errors_at_2e_3(3);
}

/* Issue 11 §4: an L4 whose first flash word is erased comes back to its
 * bootloader after GO (the empty check), also after the option-byte
 * reload; -g must fail, say where the chip is and why, and never say
 * "Started". */
Test(uart_e2e, go_that_stays_in_the_bootloader_fails_clearly)
{
	const stp_chip *c = e2e_chip("0x435");
	unsigned char *img = e2e_make_app(c, 2048, 31);
	char args[4096];

	e2e_spit(th_dir_path("app.bin"), img, 2048);
	snprintf(args, sizeof(args), "-d '%s' 0x08004000 -g 0x08004000",
	         th_dir_path("app.bin"));
	cr_assert_eq(stmprog("0x435", args), 1, "%s", out);
	cr_assert(!strstr(out, "Started"), "%s", out);
	cr_assert(strstr(out, "back in its bootloader"), "%s", out);
	cr_assert(strstr(out, "0x08004000"), "%s", out);
	cr_assert(strstr(out, "first flash word at 0x08000000 is erased"), "%s",
	          out);
	cr_assert(e2e_file_has(e2e_trace(), "RESET empty-check"));
	free(img);
}

/* Issue 11 §8: a second stmprog on a port the first is using is refused
 * as busy, naming the holder, and the first one's download is not
 * disturbed.  The first runs with real wire timing (several seconds for
 * 48 KiB); the second starts once the trace shows the first writing. */
Test(uart_e2e, a_second_stmprog_on_a_busy_port_is_refused, .timeout = 180)
{
	if (getenv("STMPROG_TEST_QUICK")) /* a paced session: the ASan pass runs it */
		cr_skip_test("STMPROG_TEST_QUICK is set");

	const stp_chip *c = e2e_chip("0x413");
	size_t len = 49152, flen;
	unsigned char *img = e2e_make_app(c, len, 37), *flash;
	char sp[4200], dir[4200], command[16384], *first, *second;
	size_t n;

	snprintf(sp, sizeof(sp), "%s", th_build_path("frontends/stmprog"));
	/* th_dir_path has a few rotating buffers: one copy of the
	 * directory, the names after it. */
	snprintf(dir, sizeof(dir), "%s", th_dir_path(""));
	e2e_spit(th_dir_path("app.bin"), img, len);
	snprintf(command, sizeof(command),
	         "sh -c \"'%s' -c port={port} -d '%sapp.bin' -v >'%sfirst.txt' "
	         "2>&1 & while ! grep -q '^WRITE' '%strace.txt' 2>/dev/null; "
	         "do sleep 0.05; done; '%s' -c port={port} -u 0x08000000 16 "
	         "'%sx.bin' >'%ssecond.txt' 2>&1; echo rc=\\$? >>'%ssecond.txt'; "
	         "wait \\$!; echo rc=\\$? >>'%sfirst.txt'\"",
	         sp, dir, dir, dir, sp, dir, dir, dir, dir);
	cr_assert_eq(sim("0x413", "--timing real", command), 0, "%s", out);
	first = (char *)e2e_slurp(th_dir_path("first.txt"), &n);
	first = realloc(first, n + 1);
	first[n] = 0;
	second = (char *)e2e_slurp(th_dir_path("second.txt"), &n);
	second = realloc(second, n + 1);
	second[n] = 0;
	cr_assert(strstr(second, "rc=1"), "second: %s", second);
	cr_assert(strstr(second, "busy"), "second: %s", second);
	cr_assert(strstr(second, "(stmprog)"), "no holder named: %s", second);
	cr_assert(strstr(first, "rc=0"), "first: %s", first);
	cr_assert(strstr(first, "Verified"), "first: %s", first);
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert_eq(memcmp(flash, img, len), 0, "the first download differs");
	free(flash);
	free(first);
	free(second);
	free(img);
}

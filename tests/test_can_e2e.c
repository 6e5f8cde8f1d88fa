/* stmprog end to end over CAN: the real can backend drives stmprog-sim's
 * slcan adapter (a pseudo-terminal) with the simulated chip's CAN
 * bootloader behind it: AN3154 classic CAN on an F4, AN5405 FDCAN on a G4
 * and an H7.  What the device holds is checked in the simulator's flash
 * file, what it was asked to do in its trace.  The same tests through the
 * kernel's SocketCAN (can0 over the kernel's slcan line discipline) run
 * in a QEMU guest: tests/kernel/. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(can_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 180);

static int stmprog_with(const char *chip, const char *simopts, const char *args)
{
	char opts[1024];

	snprintf(opts, sizeof(opts), "--transport slcan %s", simopts ? simopts : "");
	return e2e_stmprog(out, sizeof(out), chip, opts, args);
}

static int stmprog(const char *chip, const char *args)
{
	return stmprog_with(chip, "", args);
}

/* Program with verify and start, read back, erase all, option bytes. */
static void program_cycle(const char *pid, const char *port_keys, size_t len)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_app(c, len, 7), *back;
	size_t blen;
	char args[4096];

	snprintf(args, sizeof(args), "%s -d '%s' 0x%08X -v -g", port_keys,
	         e2e_app_path(), c->flash_base);
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	cr_assert(strstr(out, "bytes verified by read-back"), "%s", out);
	cr_assert(strstr(out, "Started the application"), "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "the application is not running: %s", out);
	e2e_assert_flash(c, img, 0, len, 0);

	snprintf(args, sizeof(args), "%s -u 0x%08X %zu '%s'", port_keys,
	         c->flash_base, len, th_dir_path("back.bin"));
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	back = e2e_slurp(th_dir_path("back.bin"), &blen);
	cr_assert_eq(blen, len);
	cr_assert_eq(memcmp(back, img, len), 0, "read-back differs");
	free(back);

	remove(e2e_trace());
	snprintf(args, sizeof(args), "%s -e all", port_keys);
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "ERASE"), "no erase in the trace");
	back = e2e_slurp(th_dir_path("flash.bin"), &blen);
	cr_assert(e2e_all_equal(back, blen, c->erased_value), "-e all left data");
	free(back);
	free(img);
}

Test(can_e2e, f4_classic_program_read_erase)
{
	program_cycle("0x413", "br=125", 20000);
	cr_assert(e2e_file_has(e2e_trace(), "SYNC"), "no AN3154 sync");
	cr_assert_eq(stmprog("0x413", "br=125 -ob displ"), 0, "%s", out);
	cr_assert(strstr(out, "Option bytes at 0x1FFFC000"), "%s", out);
}

/* SPEED: connect at 125 kbit/s, switch bootloader and adapter to 500. */
Test(can_e2e, f4_speed_switch)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 9000, 3);
	char args[4096];

	snprintf(args, sizeof(args), "br=125 speed=500 -d '%s' 0x08000000 -v",
	         e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "SPEED 500"), "no SPEED in the trace");
	e2e_assert_flash(c, img, 0, 9000, 0);
	free(img);
}

/* window=1: one WRITE frame per ACK, as AN3154 draws it (the way out if a
 * ROM does not queue frames as the default window of three assumes);
 * window=2 in between.  Both program and verify. */
Test(can_e2e, f4_write_window_from_the_port_specification)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 9000, 4);
	char args[4096];

	for (int w = 1; w <= 2; w++) {
		snprintf(args, sizeof(args), "br=125 window=%d -d '%s' 0x08000000 -v",
		         w, e2e_app_path());
		cr_assert_eq(stmprog("0x413", args), 0, "window=%d: %s", w, out);
		cr_assert(strstr(out, "Verified"), "window=%d: %s", w, out);
		e2e_assert_flash(c, img, 0, 9000, 0);
	}
	cr_assert_neq(stmprog("0x413", "br=125 window=4 -ob displ"), 0,
	              "%s", out);
	cr_assert(strstr(out, "window=4"), "%s", out);
	free(img);
}

/* Readout protection: reads refused with the way out named; -rdu erases,
 * and the session re-syncs after each reset. */
Test(can_e2e, f4_readout_protection_and_resync)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 4000, 5), *back;
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 --readout-protect",
	         e2e_app_path());
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "RDP"), "no READOUT PROTECT");
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=1"));
	snprintf(args, sizeof(args), "-u 0x08000000 64 '%s'", th_dir_path("x.bin"));
	cr_assert_neq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "-rdu"), "the way out is not named: %s", out);
	snprintf(args, sizeof(args), "-rdu -u 0x08000000 64 '%s'",
	         th_dir_path("back.bin"));
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "RDU"), "no READOUT UNPROTECT");
	cr_assert_geq(e2e_count_lines(e2e_trace(), "SYNC"), 2,
	              "no re-sync after the reset");
	back = e2e_slurp(th_dir_path("back.bin"), &(size_t){0});
	cr_assert(e2e_all_equal(back, 64, c->erased_value), "-rdu did not erase");
	free(back);
	free(img);
}

Test(can_e2e, f4_write_protection_then_unprotect)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 40000, 9);
	char args[4096];

	/* 40000 bytes reach sector 2 (0x08008000). */
	cr_assert_eq(stmprog("0x413", "--write-protect 2"), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "WP"), "no WRITE PROTECT");
	snprintf(args, sizeof(args), "-d '%s' 0x08000000", e2e_app_path());
	cr_assert_neq(stmprog("0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "0x0800"), "no address in the error: %s", out);
	cr_assert_eq(stmprog("0x413", "--write-unprotect"), 0, "%s", out);
	cr_assert_eq(stmprog("0x413", args), 0, "%s", out);
	e2e_assert_flash(c, img, 0, 40000, 0);
	free(img);
}

Test(can_e2e, g4_fdcan_program_read_erase)
{
	program_cycle("0x468", "fd=1", 9000);
	cr_assert(e2e_file_has(e2e_trace(), "START"), "no AN5405 start frame");
	cr_assert(!e2e_file_has(e2e_trace(), "SYNC"), "a classic sync reached the FDCAN ROM");
}

/* Without fd=, the chip database says FDCAN and stmprog gets there. */
Test(can_e2e, g4_fdcan_found_without_fd_key)
{
	const stp_chip *c = e2e_chip("0x468");
	unsigned char *img = e2e_app(c, 3000, 2);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog("0x468", args), 0, "%s", out);
	e2e_assert_flash(c, img, 0, 3000, 0);
	free(img);
}

Test(can_e2e, h7_fdcan_image_not_a_multiple_of_32)
{
	const stp_chip *c = e2e_chip("0x450");
	unsigned char *img = e2e_app(c, 4099, 11);
	size_t flen;
	unsigned char *flash;
	char args[4096];

	snprintf(args, sizeof(args), "fd=1 -d '%s' 0x08000000 -v", e2e_app_path());
	cr_assert_eq(stmprog("0x450", args), 0, "%s", out);
	flash = e2e_slurp(th_dir_path("flash.bin"), &flen);
	cr_assert_eq(memcmp(flash, img, 4099), 0);
	/* padded to the 32-byte flash word with the erased value */
	cr_assert(e2e_all_equal(flash + 4099, 4128 - 4099, 0xFF));
	free(flash);
	free(img);
}

/* H7 answers a protected READ with silence, not a NACK. */
Test(can_e2e, h7_silent_protected_read_is_explained)
{
	char args[4096];

	cr_assert_eq(stmprog("0x450", "fd=1 --readout-protect"), 0, "%s", out);
	snprintf(args, sizeof(args), "fd=1 -u 0x08000000 64 '%s'", th_dir_path("x.bin"));
	cr_assert_neq(stmprog("0x450", args), 0, "%s", out);
	cr_assert(strstr(out, "readout protection"), "%s", out);
}

Test(can_e2e, bad_input_touches_nothing)
{
	e2e_bad_input_touches_nothing(out, sizeof(out), "0x413", "--transport slcan");
}

/* Lost frames on the bus: every run ends verified-identical or with an
 * error, never with success over wrong contents. */
Test(can_e2e, lost_frames_never_give_false_success, .timeout = 300)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");

	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 12000, 13);
	char args[4096], opts[128];
	int ok = 0, failed = 0;

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", e2e_app_path());
	for (int seed = 1; seed <= 4; seed++) {
		remove(th_dir_path("flash.bin"));
		snprintf(opts, sizeof(opts), "--faults lost=0.002 --seed %d", seed);
		if (stmprog_with("0x413", opts, args) == 0) {
			cr_assert(strstr(out, "bytes verified"), "seed %d: %s", seed, out);
			e2e_assert_flash(c, img, 0, 12000, 0);
			ok++;
		} else {
			cr_assert(strstr(out, "stmprog: error:"),
			          "seed %d: failed without a message: %s", seed, out);
			failed++;
		}
	}
	fprintf(stderr, "lost=0.002: %d verified, %d failed cleanly\n", ok, failed);
	cr_assert_gt(ok, 0, "no run survived one lost frame in five hundred");
	free(img);
}

/* ---- GO means started (issue 11, section 4) ------------------------------ */

/* A virgin part with the empty check latches "flash empty" at power-on,
 * and its ROM sends the jump of GO back into the bootloader.  The backend
 * must see that (the ROM answers the handshake again), reload the option
 * bytes by writing them back unchanged, GO again and see the chip gone. */
static void virgin_go_reloads_option_bytes(const char *pid, const char *keys,
                                           const char *handshake)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_app(c, 6000, 21);
	char args[4096], ob_write[64];

	snprintf(args, sizeof(args), "%s -d '%s' 0x%08X -v -g 0x%08X", keys,
	         e2e_app_path(), c->flash_base, c->flash_base);
	cr_assert_eq(stmprog(pid, args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "RESET empty-check"),
	          "the simulated chip did not come back after the first GO: %s",
	          out);
	snprintf(ob_write, sizeof(ob_write), "WRITE 0x%08X", c->ob_start);
	cr_assert(e2e_file_has(e2e_trace(), ob_write),
	          "no option-byte write to reload them: %s", out);
	cr_assert(e2e_file_has(e2e_trace(), "RESET OB"));
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO "), 2,
	             "GO is not sent again after the reload");
	cr_assert_geq(e2e_count_lines(e2e_trace(), handshake), 3,
	              "no handshake after GO to see where the chip is");
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"),
	          "stmprog said it started the application, but the chip is "
	          "in its bootloader: %s", out);
	cr_assert(strstr(out, "empty check"), "the reload is not explained: %s",
	          out);
	e2e_assert_flash(c, img, 0, 6000, 0);
	free(img);
}

Test(can_e2e, l4_virgin_classic_go_reloads_option_bytes)
{
	virgin_go_reloads_option_bytes("0x435", "br=125", "SYNC");
}

Test(can_e2e, g0_virgin_fdcan_go_reloads_option_bytes)
{
	virgin_go_reloads_option_bytes("0x467", "fd=1", "START");
}

/* An application away from the flash base on a virgin L4: the base stays
 * erased, so the empty check latches again at the reload and GO comes
 * back twice.  That is a failure naming the cause, never "Started". */
Test(can_e2e, go_that_stays_in_the_bootloader_fails_naming_why)
{
	const stp_chip *c = e2e_chip("0x435");
	unsigned char *img = e2e_make_app(c, 4000, 22);
	char args[4096];

	/* The reset vector points into the image at 0x08002000. */
	img[4] = 0x01;
	img[5] = 0x21;
	e2e_spit(e2e_app_path(), img, 4000);
	snprintf(args, sizeof(args), "br=125 -d '%s' 0x08002000 -v -g 0x08002000",
	         e2e_app_path());
	cr_assert_eq(stmprog("0x435", args), 1, "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET empty-check"), 2,
	             "%s", out);
	cr_assert(!strstr(out, "Started"), "%s", out);
	cr_assert(strstr(out, "still in its bootloader"), "%s", out);
	cr_assert(strstr(out, "0x08002000"), "the address is not named: %s", out);
	cr_assert(strstr(out, "empty check"), "the cause is not named: %s", out);
	cr_assert(strstr(out, "flash base"), "the fix is not named: %s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=bootloader"));
	free(img);
}

/* ---- a WRITE left unfinished by a killed run (issue 11, section 6) ----- */

/* One power cycle, two runs: the first is killed while its WRITE is
 * half sent (the simulator cuts the bus after 37 WRITE data frames, the
 * sixth frame of the second block, so the kill cannot land between
 * commands; the cut mends when the next run opens the channel).  The ROM
 * is left counting data frames, takes every sync frame as data, and
 * answers it on the WRITE identifier.  The second run must finish that
 * WRITE, connect, program and verify. */
Test(can_e2e, run_killed_mid_write_is_finished_by_the_next_run)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 16384, 23);
	const char *sp = th_build_path("frontends/stmprog");
	char script[8192], command[512];
	FILE *f;

	snprintf(script, sizeof(script),
	         "'%s' -c port=\"$STMPROG_SIM_PORT\" br=125 -d '%s' 0x08000000 "
	         "-v & pid=$!\n"
	         "i=0\n"
	         "while ! grep -q 'FAULT cut' '%s' && [ $i -lt 1200 ]; do\n"
	         "  sleep 0.05; i=$((i + 1))\n"
	         "done\n"
	         "kill -9 $pid\n"
	         "wait $pid\n"
	         "echo \"first run: exit $?\"\n"
	         "exec '%s' -c port=\"$STMPROG_SIM_PORT\" br=125 -d '%s' "
	         "0x08000000 -v\n",
	         sp, e2e_app_path(), e2e_trace(), sp, e2e_app_path());
	cr_assert((f = fopen(th_dir_path("twice.sh"), "w")));
	fputs(script, f);
	fclose(f);
	snprintf(command, sizeof(command), "sh '%s'", th_dir_path("twice.sh"));
	cr_assert_eq(e2e_sim(out, sizeof(out), "0x413",
	                     "--transport slcan --faults cut=37", command),
	             0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "FAULT cut after 37"), "%s", out);
	cr_assert(strstr(out, "first run: exit 137"),
	          "the first run was not killed mid-WRITE: %s", out);
	cr_assert(strstr(out, "inside a WRITE"),
	          "the interrupted WRITE is not explained: %s", out);
	cr_assert(strstr(out, "bytes verified by read-back"), "%s", out);
	/* The ROM came back to its command loop: it NACKed a filler as
	 * command 0x04. */
	cr_assert(e2e_file_has(e2e_trace(), "NACK 0x04"), "%s", out);
	e2e_assert_flash(c, img, 0, 16384, 0);
	free(img);
}

/* ---- nobody answers (issue 11, section 7) -------------------------------- */

/* The simulated F4 listens at 125 kbit/s and the host asks at 250: the
 * classic sync and the FDCAN start frame both go unanswered.  The error
 * names each attempt once, ungarbled, with the FD attempt's nominal and
 * data rates, and the hint gives the FD rates worth trying. */
Test(can_e2e, silent_bus_names_both_attempts_and_the_fd_rates)
{
	const char *line, *fd;

	cr_assert_eq(stmprog("0x413", "br=250 -e all"), 1, "%s", out);
	cr_assert((line = strstr(out, "stmprog: error: ")), "%s", out);
	cr_assert(strstr(line, "did not answer the sync frame (ID 0x79) 5 times "
	                       "at 250 kbit/s"), "%s", out);
	cr_assert((fd = strstr(line, "; FDCAN tried next: the FDCAN bootloader")),
	          "%s", out);
	cr_assert(strstr(fd, "start frame (ID 0x111, 0x5A) 5 times at 250 "
	                     "kbit/s nominal, 2000 kbit/s data"), "%s", out);
	/* Each attempt once: a detail quoted into itself repeats. */
	cr_assert_null(strstr(fd + strlen("; FDCAN tried next"),
	                      "FDCAN tried next"), "%s", out);
	cr_assert_null(strstr(strstr(line, "sync frame") + 1,
	                      "did not answer the sync frame"), "%s", out);
	cr_assert(strstr(out, "br=500 dbr=2000"), "no FD rates in the hint: %s",
	          out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"));
}

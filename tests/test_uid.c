/* The chip's 96-bit unique ID on connect, end to end over UART, USB DFU
 * and CAN (slcan) against stmprog-sim: the connection line shows it as
 * the reference manuals print it (the word at +8, +4, then +0); under
 * readout protection it is said to be protected, and the connect is no
 * failure.  Also over USB: the DfuSe backend's per-unit erase progress
 * stays inside the engine's erase phase, so each finished line is printed
 * once. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(uid, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 180);

typedef struct transport {
	const char *simopts;  /* stmprog-sim options */
	const char *connect;  /* after port={port} */
} transport;

static const transport uart = {"", "br=115200"};
static const transport usb = {"--transport usb", ""};
static const transport can = {"--transport slcan", "br=125"};

/* The UID the simulator is given, as a reference manual prints it:
 * UID[95:64] = 0x1A2B3C4D at +8, UID[63:32] = 0x5E6F7081 at +4,
 * UID[31:0] = 0x92A3B4C5 at +0. */
#define UID_TEXT "1A2B3C4D5E6F708192A3B4C5"

/* Connects (and shows the option bytes, a command that only reads). */
static int connect_to(const transport *tr, const char *simopts)
{
	char opts[512], args[512];

	snprintf(opts, sizeof(opts), "%s %s", tr->simopts, simopts);
	snprintf(args, sizeof(args), "%s -ob displ", tr->connect);
	return e2e_stmprog(out, sizeof(out), "0x413", opts, args);
}

static void uid_on_connect(const transport *tr)
{
	/* Under valgrind (STMPROG_TEST_QUICK) UART alone stands for all. */
	if (getenv("STMPROG_TEST_QUICK") && tr != &uart)
		cr_skip_test("STMPROG_TEST_QUICK is set");
	cr_assert_eq(connect_to(tr, "--uid " UID_TEXT), 0, "%s", out);
	cr_assert(strstr(out, "STM32F405xx/407xx/415xx/417xx, UID " UID_TEXT "\n"),
	          "%s", out);
	/* The bootloader was asked for the 12 bytes at the F4's UID. */
	cr_assert(e2e_file_has(e2e_trace(), "READ 0x1FFF7A10 12"), "no UID read "
	          "in the trace");
}

Test(uid, shown_on_connect_uart) { uid_on_connect(&uart); }
Test(uid, shown_on_connect_can) { uid_on_connect(&can); }

Test(uid, shown_on_connect_usb)
{
	uid_on_connect(&usb);
	/* The ROM's serial string is its own function of the same words
	 * (F2/F4: +0 plus +8, then the top half of +4), which pins the
	 * order the words were read and printed in independently of the
	 * simulator's --uid parser. */
	cr_assert(strstr(out, "serial ACCEF1125E6F"), "%s", out);
}

/* The seed-derived UID of a simulator run without --uid reads the same
 * twice: it is the chip's, not noise. */
Test(uid, same_chip_same_uid_uart)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char first[65536], *line;

	cr_assert_eq(connect_to(&uart, ""), 0, "%s", out);
	line = strstr(out, ", UID ");
	cr_assert(line, "%s", out);
	snprintf(first, sizeof(first), "%.30s", line);
	cr_assert_eq(strspn(first + 6, "0123456789ABCDEF"), 24, "%s", first);
	cr_assert_eq(connect_to(&uart, ""), 0, "%s", out);
	cr_assert(strstr(out, first), "%s, then %s", first, out);
}

/* Readout protection: every bootloader refuses the read; the line says
 * so, an info message explains it, and the connect goes on. */
static void protected_uid(const transport *tr)
{
	if (getenv("STMPROG_TEST_QUICK") && tr != &uart)
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char args[512];

	e2e_spit(th_dir_path("flash.bin.state"), (const unsigned char *)"rdp=1\n", 6);
	snprintf(args, sizeof(args), "%s -vb 2 -u 0x08000000 0x100 '%s'",
	         tr->connect, th_dir_path("back.bin"));
	/* The read that follows fails for the protection, not the connect. */
	cr_assert_neq(e2e_stmprog(out, sizeof(out), "0x413", tr->simopts, args), 0,
	              "%s", out);
	cr_assert(strstr(out, "Connected through"), "%s", out);
	cr_assert(strstr(out, ", UID unreadable (readout protection)\n"), "%s", out);
	cr_assert(strstr(out, "info: the unique ID cannot be read: readout "
	                      "protection"), "%s", out);
	cr_assert_null(strstr(out, "error: the unique ID"), "%s", out);
}

Test(uid, protected_uart) { protected_uid(&uart); }
Test(uid, protected_usb) { protected_uid(&usb); }
Test(uid, protected_can) { protected_uid(&can); }

/* Over USB the DfuSe backend reports each unit it erases, as progress of
 * the engine's erase phase: the finished line of each phase is printed
 * once, on a pipe and in the log file alike. */
Test(uid, dfu_run_prints_each_finished_phase_once)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	const stp_chip *c = e2e_chip("0x413");
	char args[4096], log[4096];

	/* th_dir_path's buffers rotate: keep a copy. */
	snprintf(log, sizeof(log), "%s", th_dir_path("run.log"));

	/* Flash that holds something: over USB, blank sectors are read and
	 * not erased (the engine's cost model), and this is about the erase
	 * phase. */
	unsigned char *full = calloc(1, c->flash_size);
	cr_assert_not_null(full);
	e2e_spit(th_dir_path("flash.bin"), full, c->flash_size);
	free(full);
	free(e2e_app(c, 70000, 3)); /* app.bin is what is used */
	snprintf(args, sizeof(args), "-log '%s' -d '%s' 0x%08X -v", log,
	         e2e_app_path(), c->flash_base);
	cr_assert_eq(e2e_stmprog(out, sizeof(out), "0x413", "--transport usb",
	                         args), 0, "%s", out);
	cr_assert(strstr(out, "Erasing: 5 units\n"), "%s", out);
	cr_assert_null(strstr(strstr(out, "Erasing:") + 1, "Erasing:"), "%s", out);
	/* Sector 4 is partly covered: its other 61072 bytes (0x00) are
	 * kept (read-modify-write), so written and verified too. */
	cr_assert(strstr(out, "Writing: 131072 bytes\n"), "%s", out);
	cr_assert_null(strstr(strstr(out, "Writing:") + 1, "Writing:"), "%s", out);
	cr_assert(strstr(out, "Verifying: 131072 bytes\n"), "%s", out);
	cr_assert_eq(e2e_count_lines(log, "progress: Erasing 5/5"), 1);
	cr_assert_eq(e2e_count_lines(log, "progress: Erasing"), 1);
	cr_assert_eq(e2e_count_lines(log, "progress: Writing"), 1);
	cr_assert_eq(e2e_count_lines(log, "progress: Verifying"), 1);
}

/* L0 and L1 keep the UID's third word at +0x14 (RM0367, RM0038): one
 * read covers the 24 bytes, and the words come out in the same order as
 * on every other family. */
Test(uid, l0_third_word_after_the_reserved_ones)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char args[512];

	snprintf(args, sizeof(args), "%s -ob displ", uart.connect);
	cr_assert_eq(e2e_stmprog(out, sizeof(out), "0x447",
	                         "--uid " UID_TEXT, args), 0, "%s", out);
	cr_assert(strstr(out, ", UID " UID_TEXT "\n"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "READ 0x1FF80050 24"), "no 24-byte "
	          "UID read at the L0's UID address in the trace");
}

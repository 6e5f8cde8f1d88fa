/* stp_target_reset (-rst, -hardRst) and the operation timeout (-tm) end
 * to end: tests/be_runner drives the real backends through libstmprog
 * against stmprog-sim on UART, USB DFU and CAN (slcan).  What the chip
 * was asked to do is read from the simulator's trace (GO, LEAVE, RESET
 * NRST), where it went from its state file; never from the clock. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(reset_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 240);

/* The simulator's options per transport (the usb one needs umockdev). */
static const char *transport_opts(const char *transport)
{
	if (!strcmp(transport, "can"))
		return "--transport slcan";
	if (!strcmp(transport, "usb"))
		return "--transport usb";
	return "";
}

/* be_runner [tm=MS] 'port={port} KEYS' OP under the simulator. */
static int runner(const char *chip, const char *transport, const char *simopts,
                  const char *tm, const char *keys, const char *op)
{
	char opts[1024], command[4096];

	snprintf(opts, sizeof(opts), "%s %s", transport_opts(transport),
	         simopts ? simopts : "");
	snprintf(command, sizeof(command), "'%s' %s 'port={port} %s' %s",
	         th_build_path("tests/be_runner"), tm ? tm : "",
	         keys ? keys : "", op);
	return e2e_sim(out, sizeof(out), chip, opts, command);
}

/* An application at the flash base, written by stmprog itself. */
static void program_app(const char *chip, const char *transport,
                        const char *keys)
{
	const stp_chip *c = e2e_chip(chip);
	unsigned char *img = e2e_app(c, 2048, 5);
	char args[2048];

	snprintf(args, sizeof(args), "%s -d '%s' 0x%08X", keys ? keys : "",
	         e2e_app_path(), c->flash_base);
	cr_assert_eq(e2e_stmprog(out, sizeof(out), chip,
	                         transport_opts(transport), args),
	             0, "%s", out);
	free(img);
	remove(e2e_trace());
	remove(th_dir_path("flash.bin.state"));
}

static bool state_says(const char *needle)
{
	return e2e_file_has(th_dir_path("flash.bin.state"), needle);
}

/* ---- -rst ------------------------------------------------------------- */

Test(reset_e2e, uart_rst_is_go_to_the_reset_handler)
{
	program_app("0x413", "uart", NULL);
	cr_assert_eq(runner("0x413", "uart", NULL, NULL, "", "rst"), 0, "%s",
	             out);
	cr_assert(strstr(out, "how: GO to 0x08000000: the ROM jumped to the reset "
	                      "handler"), "%s", out);
	cr_assert(strstr(out, "peripherals were not reset"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO 0x08000000"), 1, "%s", out);
	cr_assert(state_says("app=running"), "%s", out);
}

Test(reset_e2e, can_rst_is_go_to_the_reset_handler)
{
	program_app("0x413", "can", "br=125");
	cr_assert_eq(runner("0x413", "can", NULL, NULL, "br=125", "rst"), 0, "%s",
	             out);
	cr_assert(strstr(out, "how: GO to 0x08000000"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO 0x08000000"), 1, "%s", out);
	cr_assert(state_says("app=running"), "%s", out);
}

Test(reset_e2e, usb_rst_is_the_dfuse_leave_at_the_flash_base)
{
	program_app("0x413", "usb", NULL);
	cr_assert_eq(runner("0x413", "usb", NULL, NULL, "", "rst"), 0, "%s", out);
	cr_assert(strstr(out, "how: left DFU mode: DfuSe leave with the address "
	                      "pointer at 0x08000000"), "%s", out);
	/* The pointer is set on purpose, not left to the last write. */
	cr_assert_eq(e2e_count_lines(e2e_trace(), "SETADDR 0x08000000"), 1, "%s",
	             out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "LEAVE 0x08000000 app"), 1,
	             "%s", out);
}

/* An erased vector table is refused before GO, naming the address. */
Test(reset_e2e, uart_rst_on_erased_flash_is_refused)
{
	cr_assert_eq(runner("0x413", "uart", NULL, NULL, "", "rst"), 1, "%s", out);
	cr_assert(strstr(out, "the flash there is erased"), "%s", out);
	cr_assert(strstr(out, "0x08000000"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO"), 0, "%s", out);
}

/* ---- -hardRst ----------------------------------------------------------- */

/* BOOT0 behind an inverter on RTS#, NRST on DTR# (as tests/test_ftdi_cbus):
 * EXIT's dtr,-dtr is the NRST pulse, with BOOT0 low: the flash runs. */
#define JIG_WIRE "--wire 'boot0=!rts,nrst=dtr'"
#define JIG_INIT "init=rts&dtr,-dtr:-rts&dtr,-dtr"

static bool last_line_is(const char *want)
{
	size_t len;
	unsigned char *t = e2e_slurp(e2e_trace(), &len);
	char *text = (char *)t, *last;
	bool same;

	while (len && text[len - 1] == '\n')
		len--;
	text[len] = '\0';
	last = strrchr(text, '\n');
	same = !strcmp(last ? last + 1 : text, want);
	free(t);
	return same;
}

static void jig_reset(const char *op)
{
	int rc;

	program_app("0x413", "uart", NULL);
	rc = runner("0x413", "uart", JIG_WIRE, NULL, JIG_INIT, op);
	if (rc != 0 && strstr(out, "no modem control lines"))
		cr_skip_test("the simulator cannot watch the host's modem-line "
		             "calls here (no seccomp user notification)");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "how: NRST pulsed by the init= exit sequence "
	                      "'-rts&dtr,-dtr' (line dtr)"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=1"), 1, "%s",
	             out);
	/* boot0=!rts: at power-on the lines are idle, BOOT0 low, and the
	 * application runs (the first line); the reset's is the last. */
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=0 app"), 2,
	             "%s", out);
	cr_assert(last_line_is("RESET NRST BOOT0=0 app"), "%s", out);
	/* NRST, not GO, and EXIT ran once (not again at close). */
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO"), 0, "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "HOLD NRST"), 2, "%s", out);
}

Test(reset_e2e, uart_hardrst_pulses_nrst_through_the_exit_sequence)
{
	jig_reset("hardrst");
}

/* -rst prefers the line when EXIT drives NRST. */
Test(reset_e2e, uart_rst_with_an_nrst_exit_uses_the_line)
{
	jig_reset("rst");
}

Test(reset_e2e, uart_hardrst_without_a_line_is_refused_naming_init)
{
	cr_assert_eq(runner("0x413", "uart", NULL, NULL, "", "hardrst"), 1, "%s",
	             out);
	cr_assert(strstr(out, "no init= sequence was given"), "%s", out);
	cr_assert(strstr(out, "hint: give init=ENTRY:EXIT"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO"), 0, "%s", out);
}

Test(reset_e2e, can_and_usb_hardrst_are_refused)
{
	cr_assert_eq(runner("0x413", "can", NULL, NULL, "br=125", "hardrst"), 1,
	             "%s", out);
	cr_assert(strstr(out, "over CAN no line reaches it"), "%s", out);
	cr_assert(strstr(out, "hint: use -rst"), "%s", out);
	cr_assert_eq(runner("0x413", "usb", NULL, NULL, "", "hardrst"), 1, "%s",
	             out);
	cr_assert(strstr(out, "over USB DFU no line reaches it"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "GO"), 0, "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "LEAVE"), 0, "%s", out);
}

/* ---- -tm ---------------------------------------------------------------- */

/* The F405's sector 5 (128 KiB) takes 1000 ms under --timing real; -tm
 * 200 must give up on it and say -tm did, -tm 4000 must not. */
static void tm_on(const char *transport, const char *keys)
{
	const char *opts = "--timing real";

	cr_assert_eq(runner("0x413", transport, opts, "tm=200", keys, "erase=5"),
	             1, "%s", out);
	cr_assert(strstr(out, "with the operation timeout -tm 200 ms"), "%s", out);
	cr_assert(strstr(out, "hint: raise -tm"), "%s", out);
	/* Sent once: a repeat would double the user's deadline. */
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE 5"), 1, "%s", out);
	remove(e2e_trace());
	cr_assert_eq(runner("0x413", transport, opts, "tm=4000", keys, "erase=5"),
	             0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "ERASE 5"), "%s", out);
}

Test(reset_e2e, uart_short_tm_fails_a_slow_erase_naming_tm)
{
	tm_on("uart", "");
}

Test(reset_e2e, can_short_tm_fails_a_slow_erase_naming_tm)
{
	tm_on("can", "br=125");
}

/* DfuSe: the ROM holds an early GETSTATUS until the erase ends (trace
 * POLL EARLY); under -tm that wait is cut at the deadline. */
Test(reset_e2e, usb_short_tm_fails_a_slow_erase_naming_tm)
{
	const char *opts = "--timing real";

	cr_assert_eq(runner("0x413", "usb", opts, "tm=200", "", "erase=5"), 1,
	             "%s", out);
	cr_assert(strstr(out, "did not finish in time"), "%s", out);
	cr_assert(strstr(out, "with the operation timeout -tm 200 ms"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE PAGE 0x08020000"), 1,
	             "%s", out);
	remove(e2e_trace());
	cr_assert_eq(runner("0x413", "usb", opts, "tm=4000", "", "erase=5"), 0,
	             "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE PAGE 0x08020000"), 1,
	             "%s", out);
}

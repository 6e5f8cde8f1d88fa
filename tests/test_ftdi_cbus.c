/* init= with FTDI CBUS pins, end to end: stmprog drives the CBUS pins of
 * stmprog-sim's simulated FT230X through libftdi1 (libusb on umockdev's
 * usbfs) while the AN3155 data goes over the simulator's pty, both tied to
 * one simulated chip whose BOOT0 and NRST are wired to the pins (--wire).
 * The chip starts its bootloader only when BOOT0 is high as NRST rises;
 * the trace shows each pin edge (HOLD NRST, RESET NRST BOOT0=...). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(ftdi_cbus, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

#define CBUS_WIRE "--wire boot0=cbus0,nrst=cbus1"
/* BOOT0 high, NRST pulsed low; leaving: BOOT0 low, NRST pulsed. */
#define CBUS_INIT "init=cbus0,-cbus1,cbus1:-cbus0,-cbus1,cbus1"

static int stmprog(const char *simopts, const char *args)
{
	return e2e_stmprog(out, sizeof(out), "0x413", simopts, args);
}

Test(ftdi_cbus, enter_program_verify_leave_to_the_application)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 4096, 5);
	char args[1024];
	int rc;

	snprintf(args, sizeof(args), "path=1-1 %s -d '%s' 0x08000000 -v",
	         CBUS_INIT, e2e_app_path());
	rc = stmprog(CBUS_WIRE, args);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	e2e_assert_flash(c, img, 0, 4096, 0);
	/* libftdi1 opened the adapter and set CBUS bit-bang with the mask
	 * (outputs CBUS0/1 in the high nibble, levels low). */
	cr_assert(e2e_file_has(e2e_trace(), "ENUMERATE 0403:6015 ftdi"));
	cr_assert(e2e_file_has(e2e_trace(), "FTDI BITMODE 0x20 0x31"),
	          "no CBUS0 high with NRST low");
	/* libftdi1's open: 9600 baud, as the FT-X divisor 312.5 decodes. */
	cr_assert(e2e_file_has(e2e_trace(), "FTDI BAUD 9600"));
	/* Entry: held in reset, out of it with BOOT0 high: the ROM. */
	cr_assert_eq(e2e_count_lines(e2e_trace(), "HOLD NRST"), 2);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=1"), 1);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "SYNC"), 1);
	/* Exit: reset with BOOT0 low runs the application just written, and
	 * nothing answers AN3155 after it. */
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=0 app"), 1);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"));
	free(img);
}

/* BOOT0 left low at the reset: the chip runs its flash (erased: the core
 * faults), never answers 0x7F, and stmprog says what to check. */
Test(ftdi_cbus, boot0_low_at_reset_fails_naming_boot0_and_init)
{
	int rc = stmprog(CBUS_WIRE, "path=1-1 init=-cbus0,-cbus1,cbus1 "
	                 "-u 0x08000000 16 back.bin");

	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no answer to 0x7F"), "%s", out);
	cr_assert(strstr(out, "init= '-cbus0,-cbus1,cbus1'"), "%s", out);
	cr_assert(strstr(out, "did not start its bootloader"), "%s", out);
	cr_assert(strstr(out, "BOOT0 must be high when NRST rises"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=0"), 1);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "SYNC"), 0);
}

/* path= naming a port without an FTDI adapter: where the adapters are. */
Test(ftdi_cbus, missing_adapter_is_named)
{
	int rc = stmprog(CBUS_WIRE, "path=1-7 " CBUS_INIT " -u 0x08000000 16 "
	                 "back.bin");

	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(strstr(out, "no FTDI adapter at USB port 1-7 (path=)"), "%s", out);
	cr_assert(strstr(out, "FTDI adapters are at 1-1"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "SYNC"), 0);
	/* CBUS on a pty without path=: not an FTDI adapter. */
	rc = stmprog(CBUS_WIRE, CBUS_INIT " -u 0x08000000 16 back.bin");
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(strstr(out, "is not an FTDI USB adapter"), "%s", out);
	cr_assert(strstr(out, "path=BUS-PORT"), "%s", out);
}

/* The same jig with RTS and DTR (through the tty watch's TIOCM* answers):
 * BOOT0 behind an inverter on RTS#, NRST straight on DTR#. */
Test(ftdi_cbus, rts_dtr_wiring_enters_and_leaves)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 2048, 9);
	char args[1024];
	int rc;

	snprintf(args, sizeof(args), "'init=rts&dtr,-dtr:-rts&dtr,-dtr' -d '%s' "
	         "0x08000000 -v", e2e_app_path());
	rc = stmprog("--wire 'boot0=!rts,nrst=dtr'", args);
	if (rc != 0 && strstr(out, "no modem control lines"))
		cr_skip_test("the simulator cannot watch the host's modem-line "
		             "calls here (no seccomp user notification)");
	cr_assert_eq(rc, 0, "%s", out);
	e2e_assert_flash(c, img, 0, 2048, 0);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=1"), 1);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "SYNC"), 1);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "RESET NRST BOOT0=0 app"), 1);
	free(img);
}

/* --wire mistakes are usage errors naming the bad part, before anything
 * starts. */
Test(ftdi_cbus, wire_mistakes_are_usage_errors)
{
	int rc = e2e_sim(out, sizeof(out), "0x413",
	                 "--wire boot0=cbus9,nrst=cbus1", "true");

	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "--wire 'cbus9': no such line"), "%s", out);
	rc = e2e_sim(out, sizeof(out), "0x413", "--transport usb "
	             "--wire boot0=rts,nrst=dtr", "true");
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "--wire needs the uart transport"), "%s", out);
	rc = e2e_sim(out, sizeof(out), "0x413", "--devices 2 " CBUS_WIRE, "true");
	cr_assert_eq(rc, 2, "%s", out);
	cr_assert(strstr(out, "one device with a simulated FTDI adapter"), "%s",
	          out);
}

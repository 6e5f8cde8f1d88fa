/* Rates above and off the standard list, end to end: stmprog sets any
 * integer rate on the port (termios2 on a pseudo-terminal), the simulated
 * ROM takes any rate up to its chip's limit and ignores the 0x7F above it,
 * as a real autobaud that cannot lock would.  --timing none: nothing here
 * depends on time. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(uart_rate_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

static void program_at(const char *pid, unsigned baud)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_app(c, 20000, 3);
	char args[4096], simopts[128];

	/* --baud: the simulated chip runs at the rate and refuses a host
	 * more than 2.5 % away, so a port left at another rate fails. */
	snprintf(simopts, sizeof(simopts), "--timing none --baud %u", baud);
	snprintf(args, sizeof(args), "br=%u -d '%s' 0x%08X -v", baud,
	         e2e_app_path(), c->flash_base);
	cr_assert_eq(e2e_stmprog(out, sizeof(out), pid, simopts, args), 0, "%s",
	             out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	/* Within the chip's limit: no rate warning (H7's ROM version has
	 * one of its own). */
	cr_assert_not(strstr(out, "known to accept"), "%s", out);
	e2e_assert_flash(c, img, 0, 20000, 0);
	free(img);
}

/* 250000 is no Bxxx constant. */
Test(uart_rate_e2e, non_standard_rate_programs_and_verifies)
{
	program_at("0x413", 250000);
}

/* The top of H7's derived range. */
Test(uart_rate_e2e, h7_at_921600)
{
	program_at("0x450", 921600);
}

Test(uart_rate_e2e, above_the_limit_the_rom_stays_silent)
{
	char args[256];
	int rc;

	snprintf(args, sizeof(args), "br=921600 -u 0x08000000 4 '%s'",
	         th_dir_path("back.bin"));
	rc = e2e_stmprog(out, sizeof(out), "0x413", "--timing none", args);
	cr_assert_neq(rc, 0, "%s", out);
	/* The simulator says why, naming the limit, once. */
	cr_assert(strstr(out, "921600 baud, above 460800"), "%s", out);
	cr_assert(strstr(out, "F4 USART bootloader"), "%s", out);
	cr_assert(strstr(out, "unconfirmed"), "%s", out);
	cr_assert_null(strstr(strstr(out, "above 460800") + 1, "above 460800,"),
	               "said more than once: %s", out);
	/* stmprog's failure names the rate and where the limits are. */
	cr_assert(strstr(out, "at br=921600"), "%s", out);
	cr_assert(strstr(out, "docs/chips.md"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "NOSYNC baud 921600 above 460800"));
	cr_assert_eq(e2e_count_lines(e2e_trace(), "SYNC"), 0);
}

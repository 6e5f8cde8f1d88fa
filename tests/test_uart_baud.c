/* br= against what the chip database knows the USART bootloader can never
 * take (stp_chip_uart_never_baud): refused before the port is touched when
 * the part is named (--chip); the facts themselves are consistent with
 * the rates the database says work. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(uart_baud, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

/* Every part's impossible rate lies above the rate the database says
 * works: a row that contradicts itself would refuse a working rate. */
Test(uart_baud, never_is_above_every_known_top_rate)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);

	for (size_t i = 0; i < n; i++) {
		char why[160];
		uint32_t never = stp_chip_uart_never_baud(&t[i], why, sizeof(why));
		uint32_t max = stp_chip_uart_max_baud(&t[i], NULL);

		if (!never)
			continue;
		cr_assert_gt(never, max, "%s: never %u, top %u", t[i].name, never,
		             max);
		cr_assert_gt(never, 115200u, "%s", t[i].name);
		cr_assert(why[0], "%s: no reason", t[i].name);
	}
}

Test(uart_baud, known_figures)
{
	char why[160];

	/* F3: the field report's 921600. */
	cr_assert_eq(stp_chip_uart_never_baud(e2e_chip("0x422"), why,
	                                      sizeof(why)), 921600u);
	cr_assert(strstr(why, "field reports"), "%s", why);
	/* F1: 72 MHz / 8. */
	cr_assert_eq(stp_chip_uart_never_baud(e2e_chip("0x410"), why,
	                                      sizeof(why)), 9000001u);
	cr_assert(strstr(why, "72 MHz"), "%s", why);
	cr_assert_eq(stp_chip_uart_never_baud(NULL, why, sizeof(why)), 0u);
}

static int stmprog_f3(const char *chip_opt, const char *br)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "'%s' %s -c port={port} br=%s -u 0x08000000 4 "
	         "'%s'", th_build_path("frontends/stmprog"), chip_opt, br,
	         th_dir_path("back.bin"));
	return e2e_sim(out, sizeof(out), "0x422", "", cmd);
}

/* Named part, impossible rate: refused as a port-spec error, naming the
 * rate to use, before a single byte (the trace stays empty). */
Test(uart_baud, impossible_rate_for_a_named_part_is_refused_untouched)
{
	cr_assert_eq(stmprog_f3("--chip 0x422", "921600"), 2, "%s", out);
	cr_assert(strstr(out, "br=921600 is impossible for the F3 USART "
	                      "bootloader"), "%s", out);
	cr_assert(strstr(out, "use br=256000 or lower"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), ""), 0, "%s", out);
}

/* A rate that is only above the known top rate is tried (the ROM decides:
 * here the simulator's stays silent and the failure says br=115200). */
Test(uart_baud, unknown_rate_is_tried_not_refused)
{
	cr_assert_neq(stmprog_f3("--chip 0x422", "460800"), 0, "%s", out);
	cr_assert_not(strstr(out, "impossible"), "%s", out);
	cr_assert(strstr(out, "retry at br=115200"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "NOSYNC baud 460800"), "%s", out);
}

/* Without --chip the part is unknown until GET ID: nothing is refused. */
Test(uart_baud, unnamed_part_is_not_refused)
{
	cr_assert_neq(stmprog_f3("", "921600"), 0, "%s", out);
	cr_assert_not(strstr(out, "impossible"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "NOSYNC baud 921600"), "%s", out);
}

/* The USART bootloader's rates: the chip database's limit per family
 * (core/chip_baud.c), the warnings br= gets against it after GET ID and
 * the cost of reading the UART backend reports (backends/uart/uart_rate.c,
 * built in). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stmprog/chip.h"
#include "uart_rate.h"

static stp_ctx *ctx;
static char warned[4096], noted[4096];
static unsigned nwarn, nnote;

static void on_log(void *user, stp_log_level level, const char *msg)
{
	(void)user;
	if (level == STP_LOG_WARN) {
		nwarn++;
		snprintf(warned + strlen(warned), sizeof(warned) - strlen(warned),
		         "%s\n", msg);
	} else if (level == STP_LOG_INFO) {
		nnote++;
		snprintf(noted + strlen(noted), sizeof(noted) - strlen(noted),
		         "%s\n", msg);
	}
}

static void setup(void)
{
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
	stp_ctx_set_log(ctx, on_log, NULL, STP_LOG_INFO);
	warned[0] = noted[0] = '\0';
	nwarn = nnote = 0;
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

TestSuite(uart_rate, .init = setup, .fini = teardown);

static const stp_chip *chip(uint16_t pid)
{
	const stp_chip *c = stp_chip_by_pid(pid);

	cr_assert_not_null(c, "PID 0x%03X is not in the database", pid);
	return c;
}

/* A family without a row falls back to what AN3155 tests everywhere
 * (115200, confirmed); every row of the table says more than that, so a
 * family the chip table gains without a rate row fails here. */
Test(uart_rate, every_family_has_a_row)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);
	stp_chip unknown = {.pid = 0xFFF, .family = "ZZ"};
	bool confirmed = false;

	cr_assert_eq(stp_chip_uart_max_baud(&unknown, &confirmed), 115200);
	cr_assert(confirmed);
	cr_assert_eq(stp_chip_uart_max_baud(NULL, NULL), 115200);
	for (size_t i = 0; i < n; i++) {
		uint32_t max = stp_chip_uart_max_baud(&t[i], &confirmed);

		cr_assert(max > 115200 || !confirmed,
		          "family %s (PID 0x%03X) has no rate row", t[i].family,
		          (unsigned)t[i].pid);
		/* The ROM's USART needs BRR >= 16 at its clock: nothing any
		 * family's HSI allows goes beyond 64 MHz / 16. */
		cr_assert_leq(max, 4000000u, "family %s", t[i].family);
	}
}

Test(uart_rate, known_figures)
{
	bool confirmed = true;

	/* The F3 field report confirms 256000. */
	cr_assert_eq(stp_chip_uart_max_baud(chip(0x422), &confirmed), 256000);
	cr_assert(confirmed);
	/* F4: HSI 16 MHz; 921600 would be BRR 17, 2.1 % off. */
	cr_assert_eq(stp_chip_uart_max_baud(chip(0x413), &confirmed), 460800);
	cr_assert_not(confirmed);
	cr_assert_eq(stp_chip_uart_max_baud(chip(0x450), &confirmed), 921600);
	cr_assert_not(confirmed);
}

Test(uart_rate, above_the_limit_warns_naming_it)
{
	uart_rate_check(ctx, "ttyX", 921600, 0x413, chip(0x413));
	cr_assert_eq(nwarn, 1, "%s", warned);
	cr_assert(strstr(warned, "br=921600 is above 460800"), "%s", warned);
	cr_assert(strstr(warned, "F4"), "%s", warned);
	cr_assert(strstr(warned, "unconfirmed"), "%s", warned);

	warned[0] = '\0';
	nwarn = 0;
	uart_rate_check(ctx, "ttyX", 460800, 0x422, chip(0x422));
	cr_assert_eq(nwarn, 1, "%s", warned);
	cr_assert(strstr(warned, "above 256000"), "%s", warned);
	cr_assert(strstr(warned, "(confirmed"), "%s", warned);
}

Test(uart_rate, unknown_chip_above_115200_warns)
{
	uart_rate_check(ctx, "ttyX", 230400, 0x999, NULL);
	cr_assert_eq(nwarn, 1, "%s", warned);
	cr_assert(strstr(warned, "0x999"), "%s", warned);
	cr_assert(strstr(warned, "unknown"), "%s", warned);

	warned[0] = '\0';
	nwarn = 0;
	uart_rate_check(ctx, "ttyX", 115200, 0x999, NULL);
	cr_assert_eq(nwarn, 0, "%s", warned);
}

Test(uart_rate, within_the_limit_is_quiet)
{
	uart_rate_check(ctx, "ttyX", 115200, 0x413, chip(0x413));
	cr_assert_eq(nwarn + nnote, 0, "%s%s", warned, noted);
	uart_rate_check(ctx, "ttyX", 250000, 0x422, chip(0x422));
	cr_assert_eq(nwarn + nnote, 0, "%s%s", warned, noted);
	/* Within a derived, unconfirmed limit: a note, no warning. */
	uart_rate_check(ctx, "ttyX", 460800, 0x413, chip(0x413));
	cr_assert_eq(nwarn, 0, "%s", warned);
	cr_assert_eq(nnote, 1, "%s", noted);
	cr_assert(strstr(noted, "no report confirms"), "%s", noted);
}

Test(uart_rate, read_cost)
{
	/* 4 READs of 256 bytes: 268 bytes at 11 bits each plus three 1 ms
	 * turnarounds apiece. */
	uint32_t at115 = uart_read_us_per_kib(115200, 11, 1);
	uint32_t expect = 4 * (268u * 11u * 1000000u / 115200u + 3000u);

	cr_assert_eq(at115, expect, "%u != %u", at115, expect);
	cr_assert_lt(uart_read_us_per_kib(921600, 11, 1), at115);
	cr_assert_eq(uart_read_us_per_kib(115200, 11, 16) - at115,
	             4 * 3 * 15000u);
	cr_assert_eq(uart_read_us_per_kib(0, 11, 1), 0);
}

/* Host GPIO lines in init= (libgpiod): the grammar's numbered lines, the
 * executor's routing of them, and what a missing chip says, before the
 * serial port is touched.  No GPIO chip is needed: where the kernel has
 * none (Debian's kernel builds neither gpio-sim nor gpio-mockup), the
 * failure paths are what can be proven here. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "gpio_lines.h"
#include "line_seq.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static stp_ctx *ctx;
static ls_init init;
static char out[65536];

static void setup(void)
{
	ctx = stp_ctx_new();
	memset(&init, 0, sizeof(init));
	th_dir_setup();
}

static void teardown(void)
{
	th_dir_teardown();
	stp_ctx_free(ctx);
}

TestSuite(gpio_lines, .init = setup, .fini = teardown, .timeout = 60);

static void gpio_step_is(const ls_seq *seq, size_t i, unsigned chip,
                         unsigned line, bool high)
{
	cr_assert_lt(i, seq->n);
	cr_assert_eq(seq->steps[i].signal, LS_GPIO, "step %zu", i);
	cr_assert_eq(seq->steps[i].chip, chip, "step %zu", i);
	cr_assert_eq(seq->steps[i].line, line, "step %zu", i);
	cr_assert_eq(seq->steps[i].high, high, "step %zu", i);
}

/* stm32flash's numbers (gpiochip0) and the named chip, mixed with the
 * port's own lines. */
Test(gpio_lines, numbers_are_lines_of_gpiochip0_or_the_named_chip)
{
	cr_assert_eq(ls_parse(ctx, "17&-18,18:-17,gpiochip2.5&-rts", &init),
	             STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(init.entry.n, 3);
	gpio_step_is(&init.entry, 0, 0, 17, true);
	gpio_step_is(&init.entry, 1, 0, 18, false);
	gpio_step_is(&init.entry, 2, 0, 18, true);
	cr_assert_eq(init.entry.steps[1].pause_ms, LS_PAUSE_MS);
	gpio_step_is(&init.exit, 0, 0, 17, false);
	gpio_step_is(&init.exit, 1, 2, 5, true);
	cr_assert_eq(init.exit.steps[2].signal, LS_RTS);
	cr_assert(ls_uses(&init) & LS_MASK(LS_GPIO));
}

static void refused(const char *text, const char *token)
{
	char want[64];

	cr_assert_eq(ls_parse(ctx, text, &init), STP_ERR_PORTSPEC, "%s", text);
	snprintf(want, sizeof(want), "\"%s\"", token);
	cr_assert(strstr(stp_last_detail(ctx), want), "%s: %s", text,
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "GPIO line"), "%s",
	          stp_last_detail(ctx));
}

Test(gpio_lines, malformed_lines_are_named)
{
	refused("65536", "65536");
	refused("17,gpiochip.5", "gpiochip.5");
	refused("gpiochip256.1", "gpiochip256.1");
	refused("gpiochip1.", "gpiochip1.");
	refused("-17x", "-17x");
	refused("gpiochip1", "gpiochip1");
}

/* EXIT pulses a GPIO line: that is NRST's, for -rst/-hardRst; the same
 * number on another chip is another line. */
Test(gpio_lines, a_pulse_is_one_line_both_ways)
{
	ls_signal sig;

	cr_assert_eq(ls_parse(ctx, "17:-17&18,-18", &init), STP_OK);
	cr_assert(ls_pulses(&init.exit, &sig));
	cr_assert_eq(sig, LS_GPIO);
	cr_assert_eq(ls_parse(ctx, "17:gpiochip1.18,-18", &init), STP_OK);
	cr_assert_not(ls_pulses(&init.exit, &sig));
	cr_assert_eq(ls_parse(ctx, "17:-17,dtr", &init), STP_OK);
	cr_assert_not(ls_pulses(&init.exit, &sig));
}

typedef struct rec {
	char log[256];
} rec;

static int rec_set(void *user, ls_signal sig, bool high)
{
	rec *r = user;
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s%s ", high ? "" : "-",
	         ls_signal_name(sig));
	return 0;
}

static int rec_gpio(void *user, unsigned chip, unsigned line, bool high)
{
	rec *r = user;
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%sg%u.%u ", high ? "" : "-",
	         chip, line);
	return 0;
}

static void rec_sleep(void *user, unsigned ms)
{
	rec *r = user;
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%u ", ms);
}

static const char *rec_error(void *user)
{
	(void)user;
	return "?";
}

/* GPIO steps go to set_gpio with their chip and line, in order with the
 * port's lines and the pauses. */
Test(gpio_lines, the_executor_routes_gpio_steps)
{
	rec r = {""};
	ls_driver drv = {.user = &r, .set = rec_set, .set_gpio = rec_gpio,
	                 .sleep_ms = rec_sleep, .error = rec_error};

	cr_assert_eq(ls_parse(ctx, "rts&17,-gpiochip1.3", &init), STP_OK);
	cr_assert_eq(ls_run(ctx, &init.entry, &drv, "entry", "p"), STP_OK);
	cr_assert_str_eq(r.log, "rts g0.17 100 -g1.3 ");
}

/* A driver without GPIO lines (the CBUS path) refuses the step by name. */
Test(gpio_lines, a_driver_without_gpio_refuses_naming_the_line)
{
	rec r = {""};
	ls_driver drv = {.user = &r, .set = rec_set, .sleep_ms = rec_sleep,
	                 .error = rec_error};

	cr_assert_eq(ls_parse(ctx, "rts&gpiochip4.9", &init), STP_OK);
	cr_assert_eq(ls_run(ctx, &init.entry, &drv, "entry", "p"),
	             STP_ERR_UNSUPPORTED);
	cr_assert(strstr(stp_last_detail(ctx), "gpiochip4.9"), "%s",
	          stp_last_detail(ctx));
	cr_assert_str_eq(r.log, "rts ");
}

/* A chip that is not there: named with its device, and the fix. */
Test(gpio_lines, a_missing_chip_is_named_with_the_fix)
{
	gpio_lines *g = NULL;
	stp_status st;

	cr_assert_eq(ls_parse(ctx, "gpiochip250.17,-gpiochip250.17", &init),
	             STP_OK);
	st = gpio_lines_open(ctx, &init, "/dev/ttyX", &g);
	cr_assert_null(g);
	if (!gpio_lines_available()) {
		cr_assert_eq(st, STP_ERR_UNSUPPORTED);
		cr_assert(strstr(stp_last_hint(ctx), "libgpiod-dev"), "%s",
		          stp_last_hint(ctx));
		return;
	}
	cr_assert_eq(st, STP_ERR_NOT_FOUND, "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "/dev/gpiochip250 cannot be "
	                                       "opened"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "gpiodetect"), "%s",
	          stp_last_hint(ctx));
}

/* Through stmprog: the chip is checked before the port is opened, so the
 * simulated ROM sees nothing at all. */
Test(gpio_lines, stmprog_checks_the_chip_before_the_port)
{
	char cmd[2048];
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s' -c port={port} "
	         "'init=gpiochip250.17&-gpiochip250.18,gpiochip250.18' "
	         "-u 0x08000000 4 '%s'", th_build_path("frontends/stmprog"),
	         th_dir_path("x.bin"));
	rc = e2e_sim(out, sizeof(out), "0x413", "", cmd);
	cr_assert_neq(rc, 0, "%s", out);
	cr_assert(strstr(out, gpio_lines_available() ? "/dev/gpiochip250"
	                                             : "libgpiod"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), ""), 0, "%s", out);
}

/* init= line sequences (backends/uart/line_seq.c): the grammar, the
 * messages for bad sequences, and what the executor does with a recording
 * line driver; and the FTDI latency timer through a fake sysfs
 * (backends/uart/latency.c, STMPROG_SYSFS_ROOT). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "latency.h"
#include "line_seq.h"
#include "test_helpers.h"

static stp_ctx *ctx;
static ls_init init;

static void setup(void)
{
	ctx = stp_ctx_new();
	memset(&init, 0, sizeof(init));
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

TestSuite(lines, .init = setup, .fini = teardown);

static void parses(const char *text)
{
	stp_status st = ls_parse(ctx, text, &init);
	cr_assert_eq(st, STP_OK, "%s: %s", text, stp_last_detail(ctx));
}

static void step_is(const ls_seq *seq, size_t i, ls_signal sig, bool high,
                    unsigned pause)
{
	cr_assert_lt(i, seq->n);
	cr_assert_eq(seq->steps[i].signal, sig, "step %zu", i);
	cr_assert_eq(seq->steps[i].high, high, "step %zu", i);
	cr_assert_eq(seq->steps[i].pause_ms, pause, "step %zu", i);
}

Test(lines, one_signal)
{
	parses("rts");
	cr_assert_eq(init.entry.n, 1);
	step_is(&init.entry, 0, LS_RTS, true, 0);
	cr_assert(!init.has_exit);
}

Test(lines, entry_and_exit_with_both_separators)
{
	parses("-rts&dtr,-dtr:rts,brk&-brk");
	cr_assert_eq(init.entry.n, 3);
	step_is(&init.entry, 0, LS_RTS, false, 0);
	step_is(&init.entry, 1, LS_DTR, true, 100);
	step_is(&init.entry, 2, LS_DTR, false, 0);
	cr_assert(init.has_exit);
	cr_assert_eq(init.exit.n, 3);
	step_is(&init.exit, 0, LS_RTS, true, 100);
	step_is(&init.exit, 1, LS_BRK, true, 0);
	step_is(&init.exit, 2, LS_BRK, false, 0);
	cr_assert_eq(ls_uses(&init),
	             LS_MASK(LS_RTS) | LS_MASK(LS_DTR) | LS_MASK(LS_BRK));
}

Test(lines, exit_only)
{
	parses(":-dtr,dtr");
	cr_assert_eq(init.entry.n, 0);
	cr_assert(init.has_exit);
	cr_assert_eq(init.exit.n, 2);
}

Test(lines, cbus_pins)
{
	ls_signal first;

	parses("dtr&cbus0,-cbus3:cbus1&cbus2");
	step_is(&init.entry, 1, LS_CBUS0, true, 100);
	step_is(&init.entry, 2, LS_CBUS3, false, 0);
	step_is(&init.exit, 0, LS_CBUS1, true, 0);
	step_is(&init.exit, 1, LS_CBUS2, true, 0);
	cr_assert(ls_uses(&init) & LS_MASK_CBUS);
	cr_assert(ls_first_of(&init, LS_MASK_CBUS, &first));
	cr_assert_eq(first, LS_CBUS0);
	cr_assert(ls_first_of(&init, LS_MASK_MODEM, &first));
	cr_assert_eq(first, LS_DTR);
}

Test(lines, the_grammar_example_parses)
{
	const char *eg = strstr(ls_grammar, "e.g. init=");

	cr_assert_not_null(eg);
	parses(eg + strlen("e.g. init="));
	cr_assert(init.has_exit);
}

/* A bad sequence: STP_ERR_PORTSPEC, the detail quoting `token`, the hint
 * showing the grammar. */
static void refused(const char *text, const char *token)
{
	stp_status st = ls_parse(ctx, text, &init);

	cr_assert_eq(st, STP_ERR_PORTSPEC, "%s was accepted", text);
	cr_assert(strstr(stp_last_detail(ctx), token), "%s: \"%s\" not in: %s",
	          text, token, stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), text), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "ENTRY[:EXIT]"));
	cr_assert(strstr(stp_last_hint(ctx), "cbus0..cbus3"));
}

Test(lines, unknown_signals_are_named)
{
	refused("rts,xyz", "\"xyz\" at position 5");
	refused("-cbus4", "\"-cbus4\"");
	refused("RTS", "\"RTS\"");
	refused("rts-dtr", "\"rts-dtr\"");
}

Test(lines, missing_names_and_separators)
{
	refused("rts,,dtr", "missing");
	refused("rts,,dtr", "position 5");
	refused(",rts", "position 1");
	refused("-", "missing");
	refused("rts,", "must follow");
	refused("rts&", "\"&\"");
}

Test(lines, colons)
{
	refused("rts:dtr:brk", "':'");
	refused("rts:dtr:brk", "position 8");
	refused("rts:", "EXIT");
	refused("", "empty");
}

Test(lines, too_many_steps)
{
	char text[256] = "rts";

	for (int i = 0; i < 32; i++)
		strcat(text, "&dtr");
	refused(text, "32 steps");
}

/* ---- the executor ---------------------------------------------------- */

typedef struct recorder {
	char log[1024];
	int fail_on;             /* signal whose set fails, -1 = none */
} recorder;

static int rec_set(void *user, ls_signal sig, bool high)
{
	recorder *r = user;

	if ((int)sig == r->fail_on)
		return -1;
	snprintf(r->log + strlen(r->log), sizeof(r->log) - strlen(r->log),
	         "%s%s ", high ? "" : "-", ls_signal_name(sig));
	return 0;
}

static void rec_sleep(void *user, unsigned ms)
{
	recorder *r = user;

	snprintf(r->log + strlen(r->log), sizeof(r->log) - strlen(r->log),
	         "sleep%u ", ms);
}

static const char *rec_error(void *user)
{
	return "the adapter said no";
}

Test(lines, executor_order_levels_and_pauses)
{
	recorder r = {.fail_on = -1};
	ls_driver drv = {.user = &r, .set = rec_set, .sleep_ms = rec_sleep,
	                 .error = rec_error};

	parses("-rts&dtr,-dtr:rts,-rts&cbus2");
	cr_assert_eq(ls_run(ctx, &init.entry, &drv, "entry", "/dev/x"), STP_OK);
	cr_assert_str_eq(r.log, "-rts dtr sleep100 -dtr ");
	r.log[0] = '\0';
	cr_assert_eq(ls_run(ctx, &init.exit, &drv, "exit", "/dev/x"), STP_OK);
	cr_assert_str_eq(r.log, "rts sleep100 -rts cbus2 ");
}

Test(lines, executor_stops_at_a_line_that_fails)
{
	recorder r = {.fail_on = LS_DTR};
	ls_driver drv = {.user = &r, .set = rec_set, .sleep_ms = rec_sleep,
	                 .error = rec_error};

	parses("rts,dtr,-rts");
	cr_assert_eq(ls_run(ctx, &init.entry, &drv, "entry", "/dev/x"), STP_ERR_IO);
	cr_assert_str_eq(r.log, "rts sleep100 ");
	cr_assert(strstr(stp_last_detail(ctx), "dtr high"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "the adapter said no"));
	cr_assert(strstr(stp_last_detail(ctx), "/dev/x"));
}

/* ---- the FTDI latency timer through a fake sysfs ----------------------- */

static char logged[4096];

static void catch_log(void *user, stp_log_level level, const char *msg)
{
	snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n",
	         msg);
}

static void make_dirs(const char *tty)
{
	char cmd[4400];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/bus/usb-serial/devices/%s'",
	         th_dir, tty);
	cr_assert_eq(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	FILE *f = fopen(th_dir_path(rel), "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

TestSuite(latency, .init = th_dir_setup, .fini = th_dir_teardown);

#define TIMER "bus/usb-serial/devices/ttyUSB7/latency_timer"

Test(latency, lowered_to_1_ms)
{
	stp_ctx *c = stp_ctx_new();
	char buf[16] = "";
	FILE *f;

	setenv(LATENCY_ENV, th_dir, 1);
	make_dirs("ttyUSB7");
	put(TIMER, "16\n");
	cr_assert_eq(latency_read("/dev/ttyUSB7"), 16);
	cr_assert_eq(latency_lower(c, "/dev/ttyUSB7"), LATENCY_SET);
	f = fopen(th_dir_path(TIMER), "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_eq(atoi(buf), 1);
	cr_assert_eq(latency_lower(c, "/dev/ttyUSB7"), LATENCY_ALREADY);
	stp_ctx_free(c);
}

Test(latency, no_file_means_not_an_ftdi_port)
{
	stp_ctx *c = stp_ctx_new();

	setenv(LATENCY_ENV, th_dir, 1);
	cr_assert_eq(latency_read("/dev/ttyUSB7"), -1);
	cr_assert_eq(latency_lower(c, "/dev/ttyUSB7"), LATENCY_NONE);
	cr_assert_eq(latency_lower(c, "/dev/pts/3"), LATENCY_NONE);
	stp_ctx_free(c);
}

Test(latency, not_writable_logs_a_note_and_does_not_fail)
{
	stp_ctx *c = stp_ctx_new();
	char path[4200];

	setenv(LATENCY_ENV, th_dir, 1);
	make_dirs("ttyUSB7");
	/* Root writes any mode, so the file is one nobody can write: a
	 * read-only proc file whose first number (a PID) is above 1. */
	snprintf(path, sizeof(path), "%s", th_dir_path(TIMER));
	cr_assert_eq(symlink("/proc/self/stat", path), 0);
	stp_ctx_set_log(c, catch_log, NULL, STP_LOG_DEBUG);
	logged[0] = '\0';
	cr_assert_gt(latency_read("/dev/ttyUSB7"), 1);
	cr_assert_eq(latency_lower(c, "/dev/ttyUSB7"), LATENCY_DENIED);
	cr_assert(strstr(logged, path), "%s", logged);
	cr_assert(strstr(logged, "1.7"), "%s", logged);
	cr_assert(strstr(logged, "udev"), "%s", logged);
	cr_assert(strstr(logged, "chmod"), "%s", logged);
	cr_assert_eq(stp_last_status(c), STP_OK, "a note, not a failure");
	stp_ctx_free(c);
}

Test(latency, symlinked_port_names_use_the_target_tty)
{
	char link[4200], target[4200], path[4200];

	setenv(LATENCY_ENV, "/fake-sys", 1);
	snprintf(target, sizeof(target), "%s", th_dir_path("ttyUSB3"));
	snprintf(link, sizeof(link), "%s", th_dir_path("usb-FTDI_FT232R-if00"));
	put("ttyUSB3", "");
	cr_assert_eq(symlink(target, link), 0);
	cr_assert(latency_path(link, path, sizeof(path)));
	cr_assert_str_eq(path,
	                 "/fake-sys/bus/usb-serial/devices/ttyUSB3/latency_timer");
	cr_assert(!latency_path("COM3", path, sizeof(path)));
}

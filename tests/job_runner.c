/* A production-line job for tests/test_job.c, run as stmprog-sim's
 * COMMAND (the simulator watches its command's line settings):
 *
 *   job_runner BOOT.bin APP.bin PORT...
 *
 * builds ONE job (BOOT at 0x08000000, APP at 0x08003400, an 8-byte
 * calibration patch at 0x08003000), validates it once for the F405, then
 * runs it on each PORT in turn with that target's own serial number
 * ("SN-A", "SN-B", ... at 0x08002000).  Prints every RESULT event and a
 * report line per target; exits 0 only when every run succeeded. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stmprog/chip.h"
#include "stmprog/events.h"
#include "stmprog/job.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

static void print_result(void *user, const stp_event *ev)
{
	(void)user;
	if (ev->kind == STP_EVENT_RESULT)
		printf("result: %s\n", ev->message);
}

static int fail(stp_ctx *ctx, const char *what)
{
	printf("failed: %s: %s\n", what, stp_last_detail(ctx));
	return 1;
}

static int run_on(const stp_job *job, stp_ctx *ctx, const char *port, int i)
{
	char spec_text[512], serial[4] = {'S', 'N', '-', (char)('A' + i)};
	stp_job_patch sn = {0x08002000u, (const uint8_t *)serial, sizeof(serial),
	                    "serial"};
	stp_job_run_opts opts = {&sn, 1};
	stp_job_report rep;
	stp_portspec spec;
	stp_target *t;
	stp_status st;

	snprintf(spec_text, sizeof(spec_text), "port=%s br=115200", port);
	if (stp_portspec_parse_string(ctx, spec_text, &spec) ||
	    stp_target_open(ctx, &spec, &t))
		return fail(ctx, port);
	st = stp_job_run(job, ctx, t, &opts, &rep);
	stp_target_close(t);
	if (st)
		return fail(ctx, port);
	printf("report %d: programmed=%d units_erased=%zu bytes_verified=%llu\n",
	       i + 1, rep.programmed, rep.units_erased,
	       (unsigned long long)rep.bytes_verified);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t cal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	stp_job_patch calibration = {0x08003000u, cal, sizeof(cal), "calibration"};
	stp_ctx *ctx = stp_ctx_new();
	stp_job *job = stp_job_new();
	int rc = 0;

	if (argc < 4 || !ctx || !job) {
		fprintf(stderr, "usage: job_runner BOOT.bin APP.bin PORT...\n");
		return 2;
	}
	stp_ctx_set_events(ctx, print_result, NULL, STP_LOG_WARN);
	if (stp_job_add_file(job, ctx, argv[1], STP_FMT_BIN, true, 0x08000000u) ||
	    stp_job_add_file(job, ctx, argv[2], STP_FMT_BIN, true, 0x08003400u) ||
	    stp_job_add_patch(job, ctx, &calibration) ||
	    stp_job_set_chip(job, ctx, stp_chip_find("0x413", NULL)) ||
	    stp_job_validate(job, ctx))
		rc = fail(ctx, "job");
	for (int i = 3; !rc && i < argc; i++)
		rc = run_on(job, ctx, argv[i], i - 3);
	stp_job_free(job);
	stp_ctx_free(ctx);
	return rc;
}

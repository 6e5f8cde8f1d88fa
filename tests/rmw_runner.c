/* One job through the library, for tests/test_rmw_e2e.c, run as
 * stmprog-sim's COMMAND:
 *
 *   rmw_runner PORTSPEC STEP...
 *
 * where each STEP is one of
 *   file PATH ADDR      a raw binary at ADDR (stp_job_add_file)
 *   patch ADDR HEX      bytes at ADDR, e.g. "patch 0x08003F00 0102ab"
 *   erase-all           -e all
 *   checksum ADDR LEN   -checksum
 *   skip-erase          stp_job_set_skip_erase
 *   flash-size BYTES    stp_job_set_flash_size
 *   rst | hard-rst      the job's end
 *
 * Prints every RESULT event ("result: "), every warning ("warn: "), each
 * checksum ("checksum: ADDR LEN CRC device|read"), the report, and on a
 * failure "failed: STATUS: DETAIL (HINT)"; exits 0 only on success.  The
 * CLI does the same through stmprog; this one proves the library alone. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/events.h"
#include "stmprog/job.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

static void print_event(void *user, const stp_event *ev)
{
	(void)user;
	if (ev->kind == STP_EVENT_RESULT)
		printf("result: %s\n", ev->message);
	else if (ev->kind == STP_EVENT_LOG && ev->level == STP_LOG_WARN)
		printf("warn: %s\n", ev->message);
}

static stp_status print_checksum(void *user, stp_ctx *ctx, uint32_t addr,
                                 uint32_t len, uint32_t crc, bool by_device)
{
	(void)user;
	(void)ctx;
	printf("checksum: 0x%08X %u 0x%08X %s\n", addr, len, crc,
	       by_device ? "device" : "read");
	return STP_OK;
}

static int fail(stp_ctx *ctx, const char *what)
{
	const char *hint = stp_last_hint(ctx);

	printf("failed: %s: %d: %s (%s)\n", what, (int)stp_last_status(ctx),
	       stp_last_detail(ctx), hint ? hint : "no hint");
	return 1;
}

static unsigned long num(const char *s)
{
	return strtoul(s, NULL, 0);
}

/* "0102ab" to bytes; the caller frees. */
static uint8_t *hex_bytes(const char *s, size_t *len)
{
	size_t n = strlen(s) / 2;
	uint8_t *b = malloc(n ? n : 1);

	for (size_t i = 0; b && i < n; i++) {
		char two[3] = {s[2 * i], s[2 * i + 1], 0};
		b[i] = (uint8_t)strtoul(two, NULL, 16);
	}
	*len = n;
	return b;
}

/* Adds the steps of argv[i...]; returns nonzero on a failure. */
static int build(stp_job *job, stp_ctx *ctx, int argc, char **argv,
                 stp_job_end *end)
{
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		stp_status st = STP_OK;

		if (!strcmp(w, "file") && i + 2 < argc) {
			st = stp_job_add_file(job, ctx, argv[i + 1], STP_FMT_BIN, true,
			                      (uint32_t)num(argv[i + 2]));
			i += 2;
		} else if (!strcmp(w, "patch") && i + 2 < argc) {
			size_t len;
			uint8_t *b = hex_bytes(argv[i + 2], &len);
			stp_job_patch p = {(uint32_t)num(argv[i + 1]), b, len, "patch"};
			st = stp_job_add_patch(job, ctx, &p);
			free(b);
			i += 2;
		} else if (!strcmp(w, "erase-all")) {
			st = stp_job_add_erase(job, ctx, true, NULL, 0);
		} else if (!strcmp(w, "checksum") && i + 2 < argc) {
			st = stp_job_add_checksum(job, ctx, (uint32_t)num(argv[i + 1]),
			                          (uint32_t)num(argv[i + 2]),
			                          print_checksum, NULL);
			i += 2;
		} else if (!strcmp(w, "skip-erase")) {
			st = stp_job_set_skip_erase(job, ctx, true);
		} else if (!strcmp(w, "flash-size") && i + 1 < argc) {
			st = stp_job_set_flash_size(job, ctx, (uint32_t)num(argv[++i]));
		} else if (!strcmp(w, "rst")) {
			*end = STP_JOB_END_RESET;
		} else if (!strcmp(w, "hard-rst")) {
			*end = STP_JOB_END_HARD_RESET;
		} else {
			fprintf(stderr, "rmw_runner: unknown step '%s'\n", w);
			return 2;
		}
		if (st)
			return fail(ctx, w);
	}
	if (stp_job_set_end(job, ctx, *end, false, 0))
		return fail(ctx, "end");
	return stp_job_validate(job, ctx) ? fail(ctx, "validate") : 0;
}

int main(int argc, char **argv)
{
	stp_ctx *ctx = stp_ctx_new();
	stp_job *job = stp_job_new();
	stp_job_end end = STP_JOB_END_STAY;
	stp_job_report rep;
	stp_portspec spec;
	stp_target *t = NULL;
	int rc;

	if (argc < 2 || !ctx || !job) {
		fprintf(stderr, "usage: rmw_runner PORTSPEC STEP...\n");
		return 2;
	}
	stp_ctx_set_events(ctx, print_event, NULL, STP_LOG_WARN);
	rc = build(job, ctx, argc - 2, argv + 2, &end);
	if (!rc && (stp_portspec_parse_string(ctx, argv[1], &spec) ||
	            stp_target_open(ctx, &spec, &t)))
		rc = fail(ctx, argv[1]);
	if (!rc) {
		if (stp_job_run(job, ctx, t, NULL, &rep))
			rc = fail(ctx, "run");
		else
			printf("report: programmed=%d units_erased=%zu "
			       "bytes_written=%llu bytes_verified=%llu bytes_kept=%llu "
			       "bytes_read_to_keep=%llu reset=%d\n",
			       rep.programmed, rep.units_erased,
			       (unsigned long long)rep.bytes_written,
			       (unsigned long long)rep.bytes_verified,
			       (unsigned long long)rep.bytes_kept,
			       (unsigned long long)rep.bytes_read_to_keep, rep.reset);
	}
	stp_target_close(t);
	stp_job_free(job);
	stp_ctx_free(ctx);
	return rc;
}

/* The event channel (stmprog/events.h): every event carries its target's
 * label and a monotonic time; the engine opens and closes each phase once
 * per run; a cancel ends the open
 * phase as failed; a unit that does not program is reported as repaired;
 * messages above the level asked for are never formatted; stp_cancel
 * works across threads.  In-process, on the memdev test backend; the
 * DfuSe run and the transports' UID are in test_uid.c. */
#include "config.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stmprog/backend.h"
#include "stmprog/events.h"
#include "stmprog/image.h"
#include "stmprog/plan.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"
#include "test_helpers.h"

#define MAX_EVENTS 4096

typedef struct seen {
	stp_event_kind kind;
	uint64_t time_ns;
	char target[64];
	char message[256];
	stp_log_level level;
	stp_phase phase;
	uint64_t done, total;
	stp_status status;
	uint32_t addr, len;
	uint16_t pid;
	char backend[16];
} seen;

typedef struct recorder {
	seen ev[MAX_EVENTS];
	size_t n;
	stp_ctx *ctx;
	/* Cancel when this phase reports progress past half its total. */
	int cancel_in_phase;  /* phase + 1; 0: never */
} recorder;

static recorder rec;
static stp_ctx *ctx;
static stp_target *target;

static void record(void *user, const stp_event *ev)
{
	recorder *r = user;
	seen *s;

	cr_assert_lt(r->n, MAX_EVENTS, "more events than the test expects");
	s = &r->ev[r->n++];
	s->kind = ev->kind;
	s->time_ns = ev->time_ns;
	snprintf(s->target, sizeof(s->target), "%s", ev->target);
	snprintf(s->message, sizeof(s->message), "%s", ev->message);
	s->level = ev->level;
	s->phase = ev->phase;
	s->done = ev->done;
	s->total = ev->total;
	s->status = ev->status;
	s->addr = ev->addr;
	s->len = ev->len;
	s->pid = ev->info ? ev->info->pid : 0;
	snprintf(s->backend, sizeof(s->backend), "%s", ev->backend);
	if (ev->kind == STP_EVENT_PROGRESS && r->cancel_in_phase == (int)ev->phase + 1 &&
	    ev->done * 2 > ev->total)
		stp_cancel(r->ctx);
}

static void setup(void)
{
	th_dir_setup();
	memset(&rec, 0, sizeof(rec));
	setenv(STP_BACKEND_PATH_ENV, th_build_path("tests/modules/good"), 1);
	setenv("STP_MEMDEV_PID", "413", 1);
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
	rec.ctx = ctx;
	stp_ctx_set_events(ctx, record, &rec, STP_LOG_INFO);
}

static void teardown(void)
{
	stp_target_close(target);
	target = NULL;
	stp_ctx_free(ctx);
	unsetenv("STP_MEMDEV_STUCK");
	th_dir_teardown();
}

TestSuite(events, .init = setup, .fini = teardown, .timeout = 120);

static void open_memdev(void)
{
	stp_portspec spec;

	cr_assert_eq(stp_portspec_parse_string(ctx, "port=/stp-test/memdev", &spec),
	             STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_target_open(ctx, &spec, &target), STP_OK, "%s",
	             stp_last_detail(ctx));
}

/* 70000 bytes at the flash base: the F405's sectors 0-4, none of them
 * 0xFF (so every byte is written and a stuck byte shows). */
static uint8_t data[70000];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5) % 0xFF;
}

static stp_image *image(void)
{
	stp_image *img = stp_image_new();

	fill();
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x08000000u, data, sizeof(data),
	                           "test"), STP_OK);
	return img;
}

static stp_status program(void)
{
	stp_image *img = image();
	stp_program_opts o = {.image_name = "test"};
	stp_program_report report;
	stp_status st = stp_program(ctx, target, img, &o, &report);

	stp_image_free(img);
	return st;
}

/* How many lines of a file start with prefix, after the time a -log
 * line starts with ("2026-12-03T13:04:18.123Z ", docs/json.md). */
static unsigned lines_starting(const char *path, const char *prefix)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	FILE *f = fopen(path, "r");
	char line[4096];
	unsigned n = 0;

	cr_assert(f, "no %s", path);
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		for (size_t i = 0; i < sizeof(shape) - 1; i++)
			cr_assert(shape[i] == 'd' ? line[i] >= '0' && line[i] <= '9'
			          : line[i] == shape[i], "no time on %s", line);
		p += sizeof(shape) - 1;
		n += !strncmp(p, prefix, strlen(prefix));
	}
	fclose(f);
	return n;
}

static size_t count(stp_event_kind kind, int phase)
{
	size_t n = 0;

	for (size_t i = 0; i < rec.n; i++)
		n += rec.ev[i].kind == kind &&
		     (phase < 0 || rec.ev[i].phase == (stp_phase)phase);
	return n;
}

/* Every event: the label, a time that never goes back; every PROGRESS
 * inside its phase's BEGIN and END with done <= total. */
static void assert_well_formed(const char *label)
{
	int open = -1;

	for (size_t i = 0; i < rec.n; i++) {
		const seen *s = &rec.ev[i];
		cr_assert_str_eq(s->target, label, "event %zu (kind %d)", i, s->kind);
		if (i)
			cr_assert_geq(s->time_ns, rec.ev[i - 1].time_ns,
			              "event %zu is earlier than the one before", i);
		switch (s->kind) {
		case STP_EVENT_PHASE_BEGIN:
			cr_assert_eq(open, -1, "phase %d opened inside phase %d",
			             s->phase, open);
			open = (int)s->phase;
			break;
		case STP_EVENT_PROGRESS:
			cr_assert_eq(open, (int)s->phase,
			             "progress of phase %d while phase %d is open",
			             s->phase, open);
			cr_assert_leq(s->done, s->total, "progress %llu of %llu",
			              (unsigned long long)s->done,
			              (unsigned long long)s->total);
			break;
		case STP_EVENT_PHASE_END:
		case STP_EVENT_PHASE_FAILED:
			cr_assert_eq(open, (int)s->phase, "phase %d closed, %d open",
			             s->phase, open);
			open = -1;
			break;
		default:
			break;
		}
	}
	cr_assert_eq(open, -1, "phase %d never closed", open);
}

Test(events, connect_identifies_once_with_the_port_as_label)
{
	open_memdev();
	cr_assert_eq(count(STP_EVENT_IDENTIFIED, -1), 1);
	for (size_t i = 0; i < rec.n; i++)
		if (rec.ev[i].kind == STP_EVENT_IDENTIFIED) {
			cr_assert_eq(rec.ev[i].pid, 0x413);
			cr_assert_str_eq(rec.ev[i].backend, "memdev");
		}
	/* memdev holds only flash: the UID address is refused, which is
	 * said and is no failure. */
	cr_assert_eq(stp_target_info(target)->uid_status, STP_UID_UNREADABLE);
	cr_assert_eq(stp_last_status(ctx), STP_OK);
	assert_well_formed("/stp-test/memdev");
}

Test(events, program_opens_and_closes_each_phase_once)
{
	open_memdev();
	cr_assert_eq(program(), STP_OK, "%s", stp_last_detail(ctx));
	for (int p = STP_PHASE_ERASE; p <= STP_PHASE_VERIFY; p++) {
		cr_assert_eq(count(STP_EVENT_PHASE_BEGIN, p), 1, "phase %d", p);
		cr_assert_eq(count(STP_EVENT_PHASE_END, p), 1, "phase %d", p);
	}
	cr_assert_eq(count(STP_EVENT_PHASE_FAILED, -1), 0);
	cr_assert_eq(count(STP_EVENT_UNIT_REPAIRED, -1), 0);
	cr_assert_gt(count(STP_EVENT_PROGRESS, STP_PHASE_WRITE), 1);
	/* The phase's END says how much: five F405 sectors, every byte. */
	for (size_t i = 0; i < rec.n; i++) {
		const seen *s = &rec.ev[i];
		if (s->kind != STP_EVENT_PHASE_END)
			continue;
		cr_assert_eq(s->done, s->total);
		/* Sector 4, partly covered, is read whole to keep its rest. */
		if (s->phase == STP_PHASE_READ) {
			cr_assert_eq(s->total, 65536);
			continue;
		}
		/* Sector 4, partly covered, reads blank: not erased. */
		cr_assert_eq(s->total, s->phase == STP_PHASE_ERASE ? 4 : 70000,
		             "phase %d: %llu", s->phase, (unsigned long long)s->total);
	}
	assert_well_formed("/stp-test/memdev");
}

Test(events, label_set_by_the_caller_wins_and_can_be_dropped)
{
	stp_ctx_set_label(ctx, "slot 3");
	open_memdev();
	cr_assert_str_eq(stp_ctx_label(ctx), "slot 3");
	cr_assert_eq(program(), STP_OK, "%s", stp_last_detail(ctx));
	assert_well_formed("slot 3");
	rec.n = 0;
	stp_ctx_set_label(ctx, NULL);
	stp_log(ctx, STP_LOG_WARN, "back to the port");
	cr_assert_eq(rec.n, 1);
	cr_assert_str_eq(rec.ev[0].target, "/stp-test/memdev");
	cr_assert_str_eq(rec.ev[0].message, "back to the port");
}

Test(events, cancel_from_a_progress_event_fails_the_open_phase)
{
	open_memdev();
	rec.cancel_in_phase = STP_PHASE_WRITE + 1;
	cr_assert_eq(program(), STP_ERR_CANCELLED);
	cr_assert_eq(count(STP_EVENT_PHASE_END, STP_PHASE_ERASE), 1);
	cr_assert_eq(count(STP_EVENT_PHASE_BEGIN, STP_PHASE_WRITE), 1);
	cr_assert_eq(count(STP_EVENT_PHASE_END, STP_PHASE_WRITE), 0);
	cr_assert_eq(count(STP_EVENT_PHASE_FAILED, STP_PHASE_WRITE), 1);
	cr_assert_eq(count(STP_EVENT_PHASE_BEGIN, STP_PHASE_VERIFY), 0);
	for (size_t i = 0; i < rec.n; i++)
		if (rec.ev[i].kind == STP_EVENT_PHASE_FAILED) {
			cr_assert_eq(rec.ev[i].status, STP_ERR_CANCELLED);
			cr_assert_lt(rec.ev[i].done, rec.ev[i].total);
			cr_assert(strstr(rec.ev[i].message, "stopped before writing"),
			          "%s", rec.ev[i].message);
		}
	assert_well_formed("/stp-test/memdev");
}

/* A byte the device never programs (memdev's stuck address, as
 * write-protected flash behaves): the verify finds it, the engine erases
 * and writes its unit again, each time saying so, then gives up with the
 * verify's failure as the verify phase's end. */
Test(events, a_unit_that_does_not_program_is_reported_repaired)
{
	const uint32_t stuck = 0x08004123u; /* in sector 1, 0x08004000 */

	setenv("STP_MEMDEV_STUCK", "8004123", 1);
	open_memdev();
	cr_assert_eq(program(), STP_ERR_VERIFY);
	cr_assert_eq(count(STP_EVENT_UNIT_REPAIRED, -1), 4, "repairs: %zu",
	             count(STP_EVENT_UNIT_REPAIRED, -1));
	for (size_t i = 0; i < rec.n; i++) {
		const seen *s = &rec.ev[i];
		if (s->kind != STP_EVENT_UNIT_REPAIRED)
			continue;
		cr_assert_eq(s->addr, 0x08004000u);
		cr_assert_eq(s->len, 0x4000u);
		cr_assert(stuck >= s->addr && stuck - s->addr < s->len);
		cr_assert_eq(s->level, STP_LOG_WARN);
		cr_assert(strstr(s->message, "erasing and writing it again"), "%s",
		          s->message);
		cr_assert(strstr(s->message, "0x08004123"), "%s", s->message);
	}
	cr_assert_eq(count(STP_EVENT_PHASE_BEGIN, STP_PHASE_VERIFY), 1);
	cr_assert_eq(count(STP_EVENT_PHASE_FAILED, STP_PHASE_VERIFY), 1);
	cr_assert_eq(count(STP_EVENT_PHASE_END, STP_PHASE_VERIFY), 0);
	assert_well_formed("/stp-test/memdev");
}

/* A message above the level asked for is not even formatted: its
 * argument points into a page nothing may read, so formatting it would
 * crash the test. */
Test(events, messages_above_the_level_are_not_formatted)
{
	long page = sysconf(_SC_PAGESIZE);
	char *guarded = mmap(NULL, (size_t)page, PROT_NONE,
	                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(guarded, MAP_FAILED);
	stp_ctx_set_events(ctx, record, &rec, STP_LOG_WARN);
	stp_log(ctx, STP_LOG_DEBUG, "unformatted %s", guarded);
	stp_log(ctx, STP_LOG_INFO, "unformatted %s", guarded);
	cr_assert_eq(rec.n, 0);
	cr_assert_eq(stp_log_enabled(ctx, STP_LOG_INFO), 0);
	stp_log(ctx, STP_LOG_WARN, "shown %d", 7);
	cr_assert_eq(rec.n, 1);
	cr_assert_str_eq(rec.ev[0].message, "shown 7");
	cr_assert_eq(rec.ev[0].level, STP_LOG_WARN);
	munmap(guarded, (size_t)page);
}

static void *cancel_from_thread(void *arg)
{
	stp_cancel(arg);
	return NULL;
}

Test(events, cancel_from_another_thread_is_seen)
{
	pthread_t th;

	cr_assert_not(stp_cancelled(ctx));
	cr_assert_eq(pthread_create(&th, NULL, cancel_from_thread, ctx), 0);
	cr_assert_eq(pthread_join(th, NULL), 0);
	cr_assert(stp_cancelled(ctx));
	/* And a run on that context stops before touching the device. */
	open_memdev();
	cr_assert_eq(program(), STP_ERR_CANCELLED);
	cr_assert_eq(count(STP_EVENT_PHASE_BEGIN, -1), 0);
}

/* The CLI renders the events: on a pipe, one finished line per phase and
 * the same in the log file; a repair is a warning line. */
Test(events, cli_prints_each_phase_once_and_repairs_as_warnings)
{
	static char out[65536];
	char cmd[8192], log[4096];
	FILE *f = fopen(th_dir_path("fw.bin"), "wb");

	cr_assert(f);
	fill();
	cr_assert_eq(fwrite(data, 1, sizeof(data), f), sizeof(data));
	fclose(f);
	snprintf(log, sizeof(log), "%s", th_dir_path("run.log"));
	snprintf(cmd, sizeof(cmd),
	         "STP_MEMDEV_STUCK=8004123 '%s' -c port=/stp-test/memdev "
	         "-log '%s' -d '%s' 0x08000000 -v 2>&1",
	         th_build_path("frontends/stmprog"), log, th_dir_path("fw.bin"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 5, "%s", out);
	cr_assert(strstr(out, "Erasing: 4 units\n"), "%s", out);
	cr_assert_null(strstr(strstr(out, "Erasing:") + 1, "Erasing:"), "%s", out);
	cr_assert(strstr(out, "Writing: 70000 bytes\n"), "%s", out);
	cr_assert_null(strstr(out, "Verifying:"), "a failed verify has no "
	               "finished line: %s", out);
	cr_assert(strstr(out, "stmprog: warning: 0x08004000..0x08007FFF did not "
	                      "program (verify failed at 0x08004123"), "%s", out);
	cr_assert(strstr(out, "(repair 4 of at most 4)"), "%s", out);
	cr_assert_eq(lines_starting(log, "progress: Erasing 4/4"), 1);
	cr_assert_eq(lines_starting(log, "progress: Writing 70000/70000"), 1);
	cr_assert_eq(lines_starting(log, "progress: Verifying stopped at"), 1);
	cr_assert_eq(lines_starting(log, "warning: 0x08004000..0x08007FFF did not"), 4);
}

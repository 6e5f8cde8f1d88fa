/* stmprog-line: `check` and `run` (line_run.h). */
#include "config.h"

#include "line_run.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stmprog/context.h"
#include "stmprog/job.h"

#include "line_config.h"
#include "line_display.h"
#include "line_slot.h"
#include "logdb.h"

/* Everything loaded and built before a device is touched. */
typedef struct prepared {
	line_station station;
	line_job_cfg job;
	bool station_loaded, job_loaded;
	/* One job per distinct slot chip (NULL chip: one, checked on
	 * connect); slot i runs jobs[job_of[i]]. */
	stp_job **jobs;
	const stp_chip **job_chip;
	size_t njobs;
	size_t *job_of;
	char sha256[65];
	line_db *db;
} prepared;

static void prepared_free(prepared *p)
{
	for (size_t i = 0; i < p->njobs; i++)
		stp_job_free(p->jobs[i]);
	free(p->jobs);
	free(p->job_chip);
	free(p->job_of);
	if (p->db)
		line_db_close(p->db);
	if (p->job_loaded)
		line_job_free(&p->job);
	if (p->station_loaded)
		line_station_free(&p->station);
	memset(p, 0, sizeof(*p));
}

/* Loads both files, builds one job per distinct chip of the slots (a job
 * that does not fit a slot's chip is refused naming the slot and the
 * job), opens the log.  Prints on stderr; returns 0 or LINE_EXIT_USAGE. */
static int prepare(const line_run_options *o, prepared *p)
{
	char err[1024];
	stp_ctx *ctx = stp_ctx_new();
	int rc = LINE_EXIT_USAGE;

	memset(p, 0, sizeof(*p));
	if (!ctx) {
		fprintf(stderr, "stmprog-line: error: out of memory\n");
		return LINE_EXIT_USAGE;
	}
	if (line_station_load(o->station_path, &p->station, err, sizeof(err))) {
		fprintf(stderr, "stmprog-line: error: %s\n", err);
		goto out;
	}
	p->station_loaded = true;
	if (line_job_load(o->job_path, &p->job, err, sizeof(err))) {
		fprintf(stderr, "stmprog-line: error: %s\n", err);
		goto out;
	}
	p->job_loaded = true;
	size_t n = p->station.nslots;
	p->jobs = calloc(n, sizeof(*p->jobs));
	p->job_chip = calloc(n, sizeof(*p->job_chip));
	p->job_of = calloc(n, sizeof(*p->job_of));
	if (!p->jobs || !p->job_chip || !p->job_of) {
		fprintf(stderr, "stmprog-line: error: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const line_slot_cfg *sc = &p->station.slots[i];
		size_t j;
		uint8_t sha[32];

		for (j = 0; j < p->njobs; j++)
			if (p->job_chip[j] == sc->chip)
				break;
		if (j == p->njobs) {
			stp_clear_error(ctx);
			if (line_job_build(&p->job, ctx, sc->chip, &p->jobs[j], sha,
			                   err, sizeof(err)) != 0) {
				fprintf(stderr, "stmprog-line: error: slot %s (%s:%u)%s%s: "
				        "job %s does not fit: %s\n", sc->name,
				        p->station.path, sc->line,
				        sc->chip ? ", chip " : "",
				        sc->chip ? sc->chip->name : "", p->job.path, err);
				if (stp_last_detail(ctx)[0] && !strstr(err, stp_last_detail(ctx)))
					fprintf(stderr, "stmprog-line: detail: %s\n",
					        stp_last_detail(ctx));
				goto out;
			}
			p->job_chip[j] = sc->chip;
			p->njobs++;
			if (j == 0)
				for (int b = 0; b < 32; b++)
					snprintf(p->sha256 + 2 * b, 3, "%02x", sha[b]);
		}
		p->job_of[i] = j;
	}
	if (line_db_open(p->station.log, &p->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "stmprog-line: error: %s: log: %s\n",
		        p->station.path, err);
		p->db = NULL;
		goto out;
	}
	rc = 0;
out:
	stp_ctx_free(ctx);
	if (rc)
		prepared_free(p);
	return rc;
}

int line_cmd_check(const line_run_options *o)
{
	prepared p;

	if (prepare(o, &p) != 0)
		return LINE_EXIT_USAGE;
	printf("%s: %zu slot(s), job %s (%zu build(s)), content SHA-256 %s, "
	       "log %s (%s): ready\n", p.station.name, p.station.nslots,
	       p.job.name, p.njobs, p.sha256, p.station.log,
	       line_db_kind(p.db));
	prepared_free(&p);
	return LINE_EXIT_OK;
}

/* ---- run ---------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

typedef struct recover_ctx {
	line_display *display;
	const char *station_path;
} recover_ctx;

static void print_unknown(void *user, const line_db_reservation *r)
{
	recover_ctx *rc = user;
	char text[1024];

	snprintf(text, sizeof(text),
	         "unknown reservation: serial %" PRIu64 " of sequence '%s' "
	         "for UID %s (station %s, slot %s, attempt #%" PRId64 "): the "
	         "line stopped while that board was programmed, so whether it "
	         "holds the serial is not known; the serial is not handed out "
	         "again (that board gets it back if it returns) until resolved: "
	         "stmprog-line resolve %s %s %" PRIu64 " used|void|returned",
	         r->serial, r->sequence, r->uid[0] ? r->uid : "unknown",
	         r->station, r->slot, r->attempt_id, rc->station_path,
	         r->sequence, r->serial);
	line_display_note(rc->display, "unknown_reservation", text);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int line_cmd_run(const line_run_options *o)
{
	prepared p;
	line_run run;
	line_slot *slots = NULL;
	const char **names = NULL, **ports = NULL;
	line_display *display = NULL;
	line_display_mode mode;
	char err[1024];
	int rc = LINE_EXIT_FAILED;
	size_t n, started = 0;
	struct sigaction sa, old_int, old_term;
	double t0;

	if (prepare(o, &p) != 0)
		return LINE_EXIT_USAGE;
	n = p.station.nslots;
	slots = calloc(n, sizeof(*slots));
	names = calloc(n, sizeof(*names));
	ports = calloc(n, sizeof(*ports));
	if (!slots || !names || !ports) {
		fprintf(stderr, "stmprog-line: error: out of memory\n");
		goto out_free;
	}
	for (size_t i = 0; i < n; i++) {
		names[i] = p.station.slots[i].name;
		ports[i] = p.station.slots[i].port;
		/* "port=" is how the station stores it; people read the rest. */
		if (!strncmp(ports[i], "port=", 5))
			ports[i] += 5;
	}
	mode = o->json ? LINE_DISPLAY_JSON
	       : isatty(STDOUT_FILENO) ? LINE_DISPLAY_TTY : LINE_DISPLAY_PLAIN;
	display = line_display_new(stdout, mode, o->quiet, n, names, ports);
	if (!display) {
		fprintf(stderr, "stmprog-line: error: out of memory\n");
		goto out_free;
	}

	recover_ctx rcx = {display, p.station.path};
	if (line_db_recover(p.db, p.station.name, print_unknown, &rcx, err,
	                    sizeof(err)) < 0) {
		fprintf(stderr, "stmprog-line: error: %s\n", err);
		goto out_free;
	}

	memset(&run, 0, sizeof(run));
	if (line_run_init(&run, o->boards) != 0) {
		fprintf(stderr, "stmprog-line: error: out of resources\n");
		goto out_free;
	}
	run.station = &p.station;
	run.job_cfg = &p.job;
	run.db = p.db;
	run.display = display;
	run.continuous = o->continuous;
	snprintf(run.content_sha256, sizeof(run.content_sha256), "%s", p.sha256);
	if (line_db_run_begin(p.db, p.station.name, p.job.name, p.sha256,
	                      STMPROG_VERSION, &run.run_id, err, sizeof(err))) {
		fprintf(stderr, "stmprog-line: error: %s\n", err);
		line_run_fini(&run);
		goto out_free;
	}

	/* The handler only records the signal; the loop below cancels. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	got_signal = 0;

	t0 = mono_s();
	for (size_t i = 0; i < n; i++) {
		if (line_slot_init(&slots[i], i, &p.station.slots[i],
		                   p.jobs[p.job_of[i]], &run) != 0 ||
		    line_slot_start(&slots[i]) != 0) {
			fprintf(stderr, "stmprog-line: error: slot %s could not start\n",
			        p.station.slots[i].name);
			if (slots[i].ctx)
				line_slot_fini(&slots[i]);
			line_run_stop(&run, slots, started, true);
			break;
		}
		started++;
	}
	/* The watcher: a signal cancels every slot at its next block
	 * boundary; the slots end by themselves otherwise. */
	bool cancelled_all = false;
	while (atomic_load(&run.slots_running) > 0) {
		struct timespec tick = {0, 20 * 1000000L};

		if (got_signal && !cancelled_all) {
			line_run_stop(&run, slots, started, true);
			cancelled_all = true;
		}
		nanosleep(&tick, NULL);
	}
	for (size_t i = 0; i < started; i++)
		line_slot_join(&slots[i]);
	if (got_signal && !cancelled_all)
		line_run_stop(&run, slots, started, true);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);

	if (line_db_run_end(p.db, run.run_id, err, sizeof(err)))
		fprintf(stderr, "stmprog-line: error: %s\n", err);

	line_summary sum;
	const char **flagged = calloc(n ? n : 1, sizeof(*flagged));
	size_t nrerun_max = 0;

	memset(&sum, 0, sizeof(sum));
	for (size_t i = 0; i < started; i++)
		nrerun_max += slots[i].nreruns;
	char **rerun = calloc(nrerun_max ? nrerun_max : 1, sizeof(*rerun));
	for (size_t i = 0; i < started; i++) {
		sum.verified += slots[i].verified;
		sum.failed += slots[i].failed;
		sum.cancelled += slots[i].cancelled;
		if (slots[i].flagged && flagged)
			flagged[sum.nflagged++] = slots[i].cfg->name;
		for (size_t k = 0; rerun && k < slots[i].nreruns; k++) {
			char line[256];

			snprintf(line, sizeof(line), "slot %s: UID %s, serial %s",
			         slots[i].cfg->name,
			         slots[i].reruns[k].uid[0] ? slots[i].reruns[k].uid
			                                   : "unread",
			         slots[i].reruns[k].serial[0] ? slots[i].reruns[k].serial
			                                      : "none");
			rerun[sum.nrerun] = strdup(line);
			if (rerun[sum.nrerun])
				sum.nrerun++;
		}
	}
	sum.elapsed_s = mono_s() - t0;
	sum.flagged = flagged;
	sum.rerun = (const char *const *)rerun;
	line_display_summary(display, &sum);
	for (size_t i = 0; rerun && i < sum.nrerun; i++)
		free(rerun[i]);
	free(rerun);
	free(flagged);

	if (got_signal)
		rc = 128 + got_signal;
	else if (sum.failed == 0 && sum.cancelled == 0 && sum.verified > 0 &&
	         (o->continuous || o->boards > 0 || sum.verified == n))
		rc = LINE_EXIT_OK;
	else
		rc = LINE_EXIT_FAILED;
	for (size_t i = 0; i < started; i++)
		line_slot_fini(&slots[i]);
	line_run_fini(&run);
out_free:
	line_display_free(display);
	free(slots);
	free(names);
	free(ports);
	prepared_free(&p);
	return rc;
}

/* User-facing output of the stmprog front-end (see output.h). */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "stmprog/events.h"

static const char *const level_name[] = {"error", "warning", "info", "debug",
                                         "trace"};

static void on_log(void *user, stp_log_level level, const char *msg)
{
	output *o = user;
	/* -vb 1 shows warnings, 2 info, 3 debug and trace; -q only errors. */
	int shown = o->verbosity == 0 ? STP_LOG_ERROR
	            : o->verbosity >= 3 ? STP_LOG_TRACE : o->verbosity;

	if (o->log)
		fprintf(o->log, "%s: %s\n", level_name[level], msg);
	if ((int)level <= shown) {
		if (o->progress_shown) {
			fputc('\n', stderr);
			o->progress_shown = 0;
		}
		fprintf(stderr, "stmprog: %s: %s\n", level_name[level], msg);
	}
}

static void on_progress(void *user, stp_phase phase, uint64_t done,
                        uint64_t total)
{
	static const char *const names[] = {"Erasing", "Writing", "Verifying",
	                                    "Reading"};
	output *o = user;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;

	if (o->verbosity == 0)
		return;
	if (o->log && done == total && total)
		fprintf(o->log, "progress: %s %llu/%llu\n", names[phase],
		        (unsigned long long)done, (unsigned long long)total);
	const char *what = phase == STP_PHASE_ERASE ? "units" : "bytes";

	if (total == 0)
		return;
	if (done == total) {
		if (o->finished_phase == (int)phase + 1 && o->finished_total == total)
			return;
		o->finished_phase = (int)phase + 1;
		o->finished_total = total;
	} else {
		o->finished_phase = 0;
	}
	if (!isatty(STDERR_FILENO)) {
		/* Logs and pipes get one line per finished phase, not a bar. */
		if (done == total)
			fprintf(stderr, "%s: %llu %s\n", names[phase],
			        (unsigned long long)total, what);
		return;
	}
	fprintf(stderr, "\r%-10s %3u%% %llu/%llu %s", names[phase], pct,
	        (unsigned long long)done, (unsigned long long)total, what);
	o->progress_shown = 1;
	if (done == total) {
		fputc('\n', stderr);
		o->progress_shown = 0;
	}
}

/* The one event channel (stmprog/events.h): messages, progress, and the
 * sentences job steps end with, which go to stdout like output_say's. */
static void on_event(void *user, const stp_event *ev)
{
	output *o = user;

	switch (ev->kind) {
	case STP_EVENT_LOG:
		on_log(user, ev->level, ev->message);
		break;
	case STP_EVENT_PROGRESS:
		on_progress(user, ev->phase, ev->done, ev->total);
		break;
	case STP_EVENT_RESULT:
		output_say(o, "%s\n", ev->message);
		break;
	default:
		break;
	}
}

void output_attach(output *o, stp_ctx *ctx)
{
	stp_log_level max = STP_LOG_WARN;

	if (o->verbosity >= 3)
		max = STP_LOG_TRACE;
	else if (o->verbosity == 2 || o->log)
		max = o->log ? STP_LOG_DEBUG : STP_LOG_INFO;
	stp_ctx_set_events(ctx, on_event, o, max);
}

int output_exit_code(stp_status st)
{
	switch (st) {
	case STP_OK:
		return EXIT_OK;
	case STP_ERR_ARG:
	case STP_ERR_PORTSPEC:
	case STP_ERR_REFUSED:
		return EXIT_USAGE;
	case STP_ERR_CANCELLED:
		return EXIT_INTERRUPTED;
	case STP_ERR_NOT_FOUND:
	case STP_ERR_BACKEND:
	case STP_ERR_ACCESS:
		return EXIT_NOTFOUND;
	case STP_ERR_FILE:
	case STP_ERR_IMAGE:
	case STP_ERR_LAYOUT:
		return EXIT_INPUT;
	case STP_ERR_VERIFY:
		return EXIT_VERIFY;
	case STP_ERR_NOMEM:
	case STP_ERR_INTERNAL:
		return EXIT_INTERNAL;
	default:
		return EXIT_DEVICE;
	}
}

int output_failure(output *o, stp_ctx *ctx, stp_status st)
{
	const char *detail = stp_last_detail(ctx);
	const char *hint = stp_last_hint(ctx);

	if (o->progress_shown) {
		fputc('\n', stderr);
		o->progress_shown = 0;
	}
	if (!*detail)
		detail = stp_strerror(st);
	fprintf(stderr, "stmprog: error: %s\n", detail);
	if (*hint)
		fprintf(stderr, "stmprog: hint: %s\n", hint);
	if (o->log) {
		fprintf(o->log, "error: %s\n", detail);
		if (*hint)
			fprintf(o->log, "hint: %s\n", hint);
	}
	return output_exit_code(st);
}

void output_say(output *o, const char *fmt, ...)
{
	va_list ap;

	if (o->log) {
		va_start(ap, fmt);
		vfprintf(o->log, fmt, ap);
		va_end(ap);
	}
	if (o->verbosity == 0)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

void output_usage_error(const char *err, const char *hint)
{
	fprintf(stderr, "stmprog: error: %s\n", err);
	if (hint && *hint)
		fprintf(stderr, "stmprog: hint: %s\n", hint);
}

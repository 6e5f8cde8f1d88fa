/* How the stmprog front-end talks to its user: it renders the library's
 * events (stmprog/events.h) as messages on stderr by verbosity, the
 * connection line with the chip's unique ID, progress bars on a terminal
 * (units or bytes, rate, elapsed time and ETA, all from the events' own
 * times) and one line per finished phase elsewhere, an optional log file
 * whose lines carry their time, one-line errors with a hint, and the
 * documented exit codes.  With --json the same run is also written as
 * JSON lines on stdout (json_output.h), and what would go to stdout for
 * people goes to stderr instead, so stdout holds JSON only. */
#ifndef STMPROG_OUTPUT_H
#define STMPROG_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "stmprog/context.h"

/* Exit codes (documented in stmprog(1), README.md and docs/json.md). */
enum {
	EXIT_OK = 0,
	EXIT_DEVICE = 1,   /* the device or the transport failed */
	EXIT_USAGE = 2,    /* bad command line or port specification */
	EXIT_NOTFOUND = 3, /* no device, port, backend or chip found */
	EXIT_INPUT = 4,    /* an input file is malformed or does not fit;
	                      nothing on the device was touched */
	EXIT_VERIFY = 5,   /* the device holds other bytes than written */
	EXIT_INTERNAL = 6, /* out of memory or a bug */
	EXIT_INTERRUPTED = 7 /* stopped by a signal; the device may hold a
	                        partial write, which the next run repairs */
};

typedef struct output {
	int verbosity;     /* 0 quiet, 1 normal, 2 info, 3 debug */
	bool json;         /* --json: JSON lines on stdout */
	FILE *log;         /* -log FILE, or NULL */
	int progress_shown;  /* a bar is on stderr's last line */
	/* The phase the library opened (STP_EVENT_PHASE_BEGIN) and has not
	 * closed yet, plus one; 0 when none. */
	int open_phase;
	/* Where the bar's rate and ETA count from: the time_ns and the
	 * count of the bar's first event (its PHASE_BEGIN, or the first
	 * PROGRESS of a read outside any phase); bar_from_set says whether
	 * they hold a bar's start. */
	uint64_t bar_from_ns, bar_from_done;
	bool bar_from_set;
	/* The monotonic clock (the events' time_ns) and the wall clock read
	 * together once, so -log turns an event's own time into UTC. */
	uint64_t mono0_ns;
	struct timespec real0;
	/* output_say's text up to its newline: the log and --json get whole
	 * lines, one timestamp or one object each. */
	char *line;
	size_t line_len, line_cap;
	/* The failure output_failure reported, for --json's last line. */
	stp_status status;
	char detail[512], hint[512];
} output;

/* Before any output: line-buffers stdout (messages and JSON lines stay in
 * order with stderr's in a log of both) and -log, and reads the clocks. */
void output_init(output *o);
void output_attach(output *o, stp_ctx *ctx);
/* "stmprog: error: DETAIL" and "stmprog: hint: HINT"; returns the exit
 * code for the status. */
int output_failure(output *o, stp_ctx *ctx, stp_status st);
int output_exit_code(stp_status st);
/* The exit code's name in docs/json.md ("ok", "device", "usage", ...). */
const char *output_exit_name(int code);
void output_say(output *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void output_usage_error(const char *err, const char *hint);
/* output_usage_error for a run whose output is set up (--json gets its
 * "exit" line); returns output_finish(o, EXIT_USAGE). */
int output_usage(output *o, const char *err, const char *hint);
/* The end of the run, with its exit code: the last unfinished line of
 * output_say, --json's "exit" line, and the log closed.  Returns code. */
int output_finish(output *o, int code);

#endif

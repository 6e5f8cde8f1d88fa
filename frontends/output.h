/* How the stmprog front-end talks to its user: it renders the library's
 * events (stmprog/events.h) as messages on stderr by verbosity, the
 * connection line with the chip's unique ID, progress bars on a terminal
 * and one line per finished phase elsewhere, an optional log file,
 * one-line errors with a hint, and the documented exit codes. */
#ifndef STMPROG_OUTPUT_H
#define STMPROG_OUTPUT_H

#include <stdio.h>

#include "stmprog/context.h"

/* Exit codes (documented in stmprog(1) and README.md). */
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
	FILE *log;         /* -log FILE, or NULL */
	int progress_shown;  /* a bar is on stderr's last line */
	/* The phase the library opened (STP_EVENT_PHASE_BEGIN) and has not
	 * closed yet, plus one; 0 when none. */
	int open_phase;
} output;

void output_attach(output *o, stp_ctx *ctx);
/* "stmprog: error: DETAIL" and "stmprog: hint: HINT"; returns the exit
 * code for the status. */
int output_failure(output *o, stp_ctx *ctx, stp_status st);
int output_exit_code(stp_status st);
void output_say(output *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void output_usage_error(const char *err, const char *hint);

#endif

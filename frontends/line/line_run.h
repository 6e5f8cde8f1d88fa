/* stmprog-line: `check` and `run`, the checks before anything runs and
 * the slots' threads with their watcher. */
#ifndef STMPROG_LINE_RUN_H
#define STMPROG_LINE_RUN_H

#include <stdbool.h>

typedef struct line_run_options {
	const char *station_path;
	const char *job_path;
	bool continuous;
	long boards;            /* --boards N, 0: none */
	bool json, quiet;
} line_run_options;

/* Exit statuses. */
enum {
	LINE_EXIT_OK = 0,
	LINE_EXIT_FAILED = 1,   /* a board failed (or was cancelled) */
	LINE_EXIT_USAGE = 2     /* usage or configuration: nothing touched */
};

/* Everything `run` checks first, touching no device; prints what is wrong
 * on stderr.  Returns an exit status. */
int line_cmd_check(const line_run_options *o);
/* The run; 130 after SIGINT, 143 after SIGTERM. */
int line_cmd_run(const line_run_options *o);

#endif

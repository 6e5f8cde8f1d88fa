/* stmprog-sim: the --trace file and the stderr voice.
 *
 * The trace is for tests: one line per bootloader command received (or
 * per NACK, per reset, per injected fault), in the fixed format that
 * docs/simulator.md documents, flushed at once so a test can read it
 * while the simulator still runs.  stderr is for people: only events
 * worth knowing (GO outcome, resets, protection changes, a misconfigured
 * host port), each line prefixed "stmprog-sim: ". */
#ifndef STMPROG_SIM_TRACE_H
#define STMPROG_SIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sim_trace sim_trace;

/* Appends to path; returns NULL (errno set) when it cannot be opened. */
sim_trace *sim_trace_open(const char *path);
void sim_trace_close(sim_trace *t);
/* Starts each of t's lines with prefix (copied; at most 15 characters):
 * "d2 " for device 2 when several share the file (--devices). */
void sim_trace_set_prefix(sim_trace *t, const char *prefix);

/* One trace line; t may be NULL (no --trace), then nothing happens. */
void sim_trace_line(sim_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "3,4,5": the unit numbers of an ERASE or WRITE PROTECT as trace lines
 * spell them, into buf (cut short rather than overflow). */
const char *sim_unit_list(const uint16_t *v, size_t n, char *buf, size_t len);

/* One "stmprog-sim: ..." line on stderr. */
void sim_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

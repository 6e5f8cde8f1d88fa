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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_trace sim_trace;

/* Appends to path; returns NULL (errno set) when it cannot be opened.
 * path NULL: a handle that writes nowhere but still notes when the
 * device last saw its host (sim_trace_last_ns), which --boards needs
 * with or without --trace. */
sim_trace *sim_trace_open(const char *path);
void sim_trace_close(sim_trace *t);
/* Starts each of t's lines with prefix (copied; at most 15 characters):
 * "d2 " for device 2 when several share the file (--devices). */
void sim_trace_set_prefix(sim_trace *t, const char *prefix);

/* One trace line; t may be NULL (no --trace), then nothing happens. */
void sim_trace_line(sim_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A line for timelines (bench/dfu-timeline): written only when
 * STMPROG_SIM_TRACE_TIME=1 is set, as every line then ends in " @SECONDS"
 * (CLOCK_MONOTONIC), so tests that count or parse the plain trace see no
 * difference.  Not the host's activity either. */
void sim_trace_timed(sim_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool sim_trace_is_timed(const sim_trace *t);

/* A line about the simulation itself (a board inserted or removed), not
 * about the host: it does not count as the host's activity. */
void sim_trace_note(sim_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* When (CLOCK_MONOTONIC ns) t last had a sim_trace_line, 0 = never.
 * Every command the host sends makes one, so this is the host's last
 * word to the device; safe to call while another thread traces (usb). */
int64_t sim_trace_last_ns(const sim_trace *t);

/* "3,4,5": the unit numbers of an ERASE or WRITE PROTECT as trace lines
 * spell them, into buf (cut short rather than overflow). */
const char *sim_unit_list(const uint16_t *v, size_t n, char *buf, size_t len);

/* One "stmprog-sim: ..." line on stderr. */
void sim_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

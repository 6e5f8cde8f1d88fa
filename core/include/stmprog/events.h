/* libstmprog: events, the one channel through which the library tells its
 * caller what happens on a target.
 *
 * Every message, phase, progress step, identification and repair reaches
 * the caller as one stp_event, emitted once, by one layer: backends report
 * through the core (stp_log, stp_progress on the context they were opened
 * with), never around it, and the engine alone opens and closes phases.
 * A renderer (the CLI's terminal output, stmprog-line's slots, JSON lines)
 * therefore never has to guess whether two lines mean the same thing.
 *
 * Each event carries the label of the target it belongs to and a
 * monotonic timestamp, so events of many targets run from many threads
 * can be told apart and ordered.
 *
 * Threading: events are delivered on the thread that runs the operation,
 * synchronously, before the operation goes on.  A callback shared by
 * several contexts run from several threads must lock what it shares.
 * The event and every pointer in it are valid only during the call.
 */
#ifndef STMPROG_EVENTS_H
#define STMPROG_EVENTS_H

#include <stdint.h>

#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

struct stp_device_info;

typedef enum stp_event_kind {
	/* A message: level and message.  Warnings are LOG events at
	 * STP_LOG_WARN. */
	STP_EVENT_LOG = 0,
	/* A phase starts: phase, total (units or bytes). */
	STP_EVENT_PHASE_BEGIN,
	/* A phase moved on: phase, done, total. */
	STP_EVENT_PROGRESS,
	/* A phase finished: phase, done == total. */
	STP_EVENT_PHASE_END,
	/* A phase stopped on a failure or a cancel: phase, done, total,
	 * status; message is the failure's detail. */
	STP_EVENT_PHASE_FAILED,
	/* The target was connected and identified: info (with the chip,
	 * its unique ID when it could be read). */
	STP_EVENT_IDENTIFIED,
	/* A unit whose verify failed was erased and written again: addr,
	 * len. */
	STP_EVENT_UNIT_REPAIRED,
	/* A step of a job finished and says what it did, in a sentence for
	 * people (message), e.g. "fw.hex: 2 unit(s) erased, ... verified by
	 * read-back"; status is STP_OK. */
	STP_EVENT_RESULT
} stp_event_kind;

typedef struct stp_event {
	stp_event_kind kind;
	/* CLOCK_MONOTONIC, in nanoseconds, when the event was emitted. */
	uint64_t time_ns;
	/* The label of the target the event belongs to (stp_ctx_set_label,
	 * else the port the context's target was opened on); "" before any
	 * target. */
	const char *target;
	stp_log_level level;     /* LOG; STP_LOG_INFO for the others */
	const char *message;     /* LOG, PHASE_FAILED, RESULT; "" otherwise */
	stp_phase phase;         /* PHASE_*, PROGRESS */
	uint64_t done, total;    /* PHASE_*, PROGRESS */
	stp_status status;       /* PHASE_FAILED */
	uint32_t addr, len;      /* UNIT_REPAIRED */
	const struct stp_device_info *info; /* IDENTIFIED */
} stp_event;

typedef void (*stp_event_fn)(void *user, const stp_event *ev);

/* Where ctx's events go.  LOG events above max_level are not formatted
 * at all; every other kind is always delivered.  fn NULL: none. */
void stp_ctx_set_events(stp_ctx *ctx, stp_event_fn fn, void *user,
                        stp_log_level max_level);

/* The label events of ctx carry ("slot 3", "usb:1-2.3"); copied.  NULL
 * or "" goes back to the port of the target opened on ctx. */
void stp_ctx_set_label(stp_ctx *ctx, const char *label);
const char *stp_ctx_label(const stp_ctx *ctx);

/* For the library and backends: emit ev on ctx (its time_ns and target
 * are filled here).  Phases are opened and closed by the core only. */
void stp_emit(stp_ctx *ctx, const stp_event *ev);
void stp_phase_begin(stp_ctx *ctx, stp_phase phase, uint64_t total);
void stp_phase_end(stp_ctx *ctx, stp_phase phase, uint64_t total);
void stp_phase_failed(stp_ctx *ctx, stp_phase phase, uint64_t done,
                      uint64_t total, stp_status st);
void stp_result(stp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif

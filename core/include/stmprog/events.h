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
 * Phases: the engine (stp_program) opens a phase with PHASE_BEGIN, moves
 * it on with PROGRESS and closes it with exactly one PHASE_END, or with
 * PHASE_FAILED when it stops on a failure or a cancel; ERASE, WRITE and
 * VERIFY each at most once per run (a phase with nothing to do is not
 * opened).  A phase is never nested in another: the erase of a unit
 * repair happens inside the write or verify phase, and PROGRESS of any
 * phase but the open one is not delivered.  Reads (stp_target_read) are
 * not a phase by themselves: they are the building block of verifies,
 * identification and checks; a caller that reads a memory to a file in
 * slices reports PROGRESS of STP_PHASE_READ outside any phase, and a
 * renderer shows that as a bar without a finished line.
 *
 * Threading and ownership: events are delivered on the thread that runs
 * the operation, synchronously, before the operation goes on.  A context
 * and the target opened on it are used by one thread at a time; many
 * contexts may run in many threads at once.  A callback shared by several
 * contexts run from several threads must lock what it shares.  The event
 * and every pointer in it (message, target, info, backend) belong to the
 * library and are valid only during the call: copy what you keep.  A
 * callback must not call into the context that emitted the event, except
 * stp_cancel (which may be called from any thread or signal handler at
 * any time) and the stp_last_* getters.
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
	/* A unit the device failed to program (a verify that found other
	 * bytes, a write it reported failed) is being erased and written
	 * again: addr, len (the units' range); message says why and which
	 * repair of the run's bounded number it is.  Emitted as the repair
	 * starts, STP_LOG_WARN; the verify after it says whether it held. */
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
	stp_log_level level;     /* LOG; STP_LOG_WARN for UNIT_REPAIRED;
	                            STP_LOG_INFO for the others */
	const char *message;     /* LOG, PHASE_FAILED, RESULT,
	                            UNIT_REPAIRED; "" otherwise */
	stp_phase phase;         /* PHASE_*, PROGRESS */
	uint64_t done, total;    /* PHASE_*, PROGRESS */
	stp_status status;       /* PHASE_FAILED */
	uint32_t addr, len;      /* UNIT_REPAIRED */
	const struct stp_device_info *info; /* IDENTIFIED */
	const char *backend;     /* IDENTIFIED: the backend's name ("uart");
	                            "" otherwise */
} stp_event;

typedef void (*stp_event_fn)(void *user, const stp_event *ev);

/* Where ctx's events go.  LOG events above max_level are not formatted
 * at all; every other kind is always delivered.  fn NULL: none.  Set it
 * before the context is used, not while an operation runs on it.
 * (stp_ctx_set_log and stp_ctx_set_progress in stmprog/context.h are
 * narrower views of this channel and may be set alongside it.) */
void stp_ctx_set_events(stp_ctx *ctx, stp_event_fn fn, void *user,
                        stp_log_level max_level);

/* The label events of ctx carry ("slot 3", "usb:1-2.3"); copied.  NULL
 * or "" goes back to the port of the target opened on ctx. */
void stp_ctx_set_label(stp_ctx *ctx, const char *label);
const char *stp_ctx_label(const stp_ctx *ctx);

/* For the library and backends: emit ev on ctx (its time_ns and target
 * are filled here).  Phases are opened and closed by the core only:
 * backends call stp_log and stp_progress, never the stp_phase_* calls. */
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

/* stmprog-line: one jig position, run on its own thread.
 *
 * A slot owns one stp_ctx (labelled with the slot's name) for the whole
 * run and opens its own stp_target per connection; the stp_job it runs is
 * shared read-only with the other slots of the same chip.  For each
 * board: connect, identify (chip, UID), an attempt row before anything is
 * erased, the board's serial reserved in the log (kept across its
 * retries, released once after its last attempt), the job run with the
 * serial as a per-board patch of the one plan, the attempt row completed
 * with per-phase durations, outcome and cause.  In continuous mode it
 * then waits until the board is gone and starts over.  What one slot
 * does never waits for another: the log (line_db) and the display are the
 * only things shared, each behind its own lock. */
#ifndef STMPROG_LINE_SLOT_H
#define STMPROG_LINE_SLOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "stmprog/context.h"
#include "stmprog/job.h"

#include "line_config.h"
#include "line_display.h"
#include "logdb.h"

/* What every slot of a run shares. */
typedef struct line_run {
	const line_station *station;
	const line_job_cfg *job_cfg;
	line_db *db;
	int64_t run_id;
	char content_sha256[65];
	line_display *display;
	bool continuous;
	/* --boards N: boards that may still be started (-1: no limit);
	 * taken by a slot when a board answers. */
	atomic_long boards_left;
	long boards_limit;      /* N, or 0; boards_done under lock */
	long boards_done;
	/* Set when the run stops (a signal, --boards reached): waiting
	 * slots wake up through wake. */
	atomic_bool stopping;
	atomic_int slots_running;   /* threads not yet at their end */
	pthread_mutex_t lock;
	pthread_cond_t wake;
} line_run;

/* One board a cancel stopped, for the summary. */
typedef struct line_rerun {
	char uid[25];
	char serial[64];
} line_rerun;

typedef struct line_slot {
	size_t index;
	const line_slot_cfg *cfg;
	const stp_job *job;
	line_run *run;
	stp_ctx *ctx;           /* the slot's, for the whole run */
	pthread_t thread;
	line_slot_state state;  /* the slot's thread only */
	/* Checking whether the board is still there: its connection's
	 * messages would repeat every poll, so they are not shown. */
	bool probing;
	/* Results, read by main after the join. */
	unsigned verified, failed, cancelled;
	unsigned failed_in_a_row;
	bool flagged;
	line_rerun *reruns;
	size_t nreruns;
	/* Per attempt: when each phase began and how long each took. */
	uint64_t phase_begin_ns[4];
	int64_t phase_us[4];
	bool phase_seen[4];
} line_slot;

/* limit: --boards N, or 0 for none.  Returns -1 on failure. */
int line_run_init(line_run *run, long limit);
void line_run_fini(line_run *run);

/* ctx is created here (labelled with the slot's name); returns -1 when
 * out of memory. */
int line_slot_init(line_slot *s, size_t index, const line_slot_cfg *cfg,
                   const stp_job *job, line_run *run);
void line_slot_fini(line_slot *s);
/* Starts the slot's thread. */
int line_slot_start(line_slot *s);
void line_slot_join(line_slot *s);

/* Stops the run: every slot's operation is cancelled at its next block
 * boundary (stp_cancel) and waiting slots wake up. */
void line_run_stop(line_run *run, line_slot *slots, size_t nslots,
                   bool cancel_running);

#endif

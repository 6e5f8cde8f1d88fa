/* stmprog-line: the production log and the serial-number allocator.
 *
 * One interface, two databases: SQLite (a file; the default, WAL mode)
 * and PostgreSQL (libpq; several stations sharing one sequence).  What
 * must never happen, one serial on two boards, is enforced by the
 * database itself (unique constraints, transactions, row locks or
 * SQLite's write lock), never by file locks or by this process's
 * memory, so it holds across crashes and across stations.
 *
 * The schema is versioned (LINE_DB_SCHEMA_VERSION): opening an older
 * database migrates it in one transaction; a newer one is refused.
 *
 * Serials.  A sequence (line_db_sequence) hands out start + n*step.  A
 * board is known by its 96-bit UID.  A reservation ties a serial to a
 * board (UID) and an attempt, in one of these states:
 *   reserved  handed out, the board is being programmed
 *   used      the board verified with it: its serial for good
 *   returned  the board did not verify, policy "return": free for the
 *             next board (handed out before new numbers)
 *   void      the board did not verify, policy "void": never handed out
 *   unknown   the process died while it was reserved (line_db_recover):
 *             not handed out until line_db_resolve says what it is; the
 *             same board (same UID) coming back gets it again
 * A board whose UID already has a used, reserved or unknown serial in the
 * sequence gets that serial again (rework).
 *
 * Every function is safe to call from several threads at once on one
 * line_db (one connection behind a mutex).  Functions returning int give
 * 0 or -1 with one sentence in err naming the database and the cause. */
#ifndef STMPROG_LINE_LOGDB_H
#define STMPROG_LINE_LOGDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "serial_rule.h"

#define LINE_DB_SCHEMA_VERSION 2

typedef struct line_db line_db;

/* target: a file path (SQLite, created when missing) or a PostgreSQL
 * connection string: "postgresql://...", "postgres://..." or
 * "pg:KEY=VALUE ..." (libpq's key/value form after "pg:"). */
int line_db_open(const char *target, line_db **db, char *err, size_t errlen);
void line_db_close(line_db *db);
/* "sqlite" or "postgresql". */
const char *line_db_kind(const line_db *db);
/* The schema version of the open database (after migration). */
int line_db_schema_version(line_db *db);

/* One run of stmprog-line (a batch, or one continuous session): every
 * attempt belongs to one. */
int line_db_run_begin(line_db *db, const char *station, const char *job_name,
                      const char *content_sha256, const char *tool_version,
                      int64_t *run_id, char *err, size_t errlen);
int line_db_run_end(line_db *db, int64_t run_id, char *err, size_t errlen);

typedef struct line_db_reservation {
	char sequence[LINE_SERIAL_SEQUENCE_MAX + 1];
	uint64_t serial;
	char uid[25];           /* 24 hex digits, as the manual prints */
	char station[64];
	char slot[64];
	int64_t attempt_id;
	char state[16];         /* reserved, used, returned, void, unknown */
} line_db_reservation;

typedef void (*line_db_reservation_fn)(void *user,
                                       const line_db_reservation *r);

/* At start: this station's attempts still "running" become
 * "interrupted" and its reservations still "reserved" become "unknown"
 * (a process of this station died; one station runs one stmprog-line at
 * a time).  Then fn is called for every unknown reservation of every
 * station.  Returns how many are unknown, or -1. */
int line_db_recover(line_db *db, const char *station,
                    line_db_reservation_fn fn, void *user,
                    char *err, size_t errlen);

/* Only the listing of line_db_recover: fn for every unknown reservation,
 * changing nothing (safe while a line runs).  Returns how many, or -1. */
int line_db_unknown(line_db *db, line_db_reservation_fn fn, void *user,
                    char *err, size_t errlen);

typedef struct line_db_sequence {
	const char *name;       /* line_serial_rule.sequence */
	uint64_t start, step;
	uint64_t max;           /* line_serial_max: beyond it, -1 "the
	                           sequence is used up" */
} line_db_sequence;

/* The serial for the board uid, reserved for attempt_id (see above).
 * *rework is set when it is the board's own from before.  A sequence
 * first seen is created with these start/step; a known one with other
 * start/step is refused (two job files disagree), naming both. */
int line_db_reserve(line_db *db, const line_db_sequence *seq,
                    const char *uid, const char *station, const char *slot,
                    int64_t attempt_id, uint64_t *serial, bool *rework,
                    char *err, size_t errlen);
/* The attempt with the board's reservation ended: verified makes it
 * "used"; otherwise a reservation this call does not find in use
 * elsewhere goes by policy to "returned" or "void" (a rework board's
 * serial that was "used" before stays "used": it is still that board's).
 * A release names the serial, not the attempt: release a board's failed
 * attempt before reserving for its retry, or the late release would
 * return the serial the retry is programming. */
int line_db_release(line_db *db, const char *sequence, uint64_t serial,
                    bool verified, line_serial_policy policy,
                    char *err, size_t errlen);
/* The operator's answer for a reservation (usually "unknown"): state is
 * "used" (the board has it: give it the UID's serial for good), "void"
 * or "returned". */
int line_db_resolve(line_db *db, const char *sequence, uint64_t serial,
                    const char *state, char *err, size_t errlen);

typedef struct line_phase_time {
	const char *name;       /* stp_phase_name(): "Erasing", ... */
	int64_t us;             /* how long it took */
} line_phase_time;

/* One try at one board.  Strings may be NULL (stored as NULL). */
typedef struct line_attempt {
	int64_t id;             /* set by line_db_attempt_begin */
	int64_t run_id;
	const char *station, *slot, *port;
	unsigned attempt;       /* 1 for a board's first try, 2.. retries */
	uint16_t chip_pid;      /* 0 before the chip answered */
	const char *chip_name;
	uint32_t flash_size;
	char uid[25];           /* "" before it was read */
	bool has_serial;
	uint64_t serial;
	const char *serial_text;/* line_serial_encode's text */
	const char *job_name;
	const char *content_sha256; /* 64 hex digits */
	const char *tool_version;
	int64_t started_us;     /* wall clock, microseconds since the epoch */
	int64_t ended_us;       /* 0 while running */
	const line_phase_time *phases;
	size_t nphases;
	/* "running", "verified", "failed", "cancelled", "interrupted" */
	const char *outcome;
	const char *cause;      /* a failure's sentence, else NULL */
} line_attempt;

/* Inserted with outcome "running" before the board is touched (so a
 * crash leaves a trace); a->id is set. */
int line_db_attempt_begin(line_db *db, line_attempt *a, char *err,
                          size_t errlen);
/* Everything known about the attempt, written over its row. */
int line_db_attempt_end(line_db *db, const line_attempt *a, char *err,
                        size_t errlen);

typedef enum line_report_format {
	LINE_REPORT_TEXT,       /* a table for people */
	LINE_REPORT_CSV,        /* RFC 4180, one header line */
	LINE_REPORT_JSON        /* one JSON array of objects (json-c) */
} line_report_format;

/* Which attempts: all that match every field given (NULL/0: any). */
typedef struct line_report_query {
	int64_t run_id;         /* a batch; 0 any; -1 the latest run */
	const char *serial;     /* the serial's text or number */
	const char *uid;        /* a board's history */
	const char *station;
} line_report_query;

/* Writes the attempts (oldest first, each with its phases) to out. */
int line_db_report(line_db *db, const line_report_query *q,
                   line_report_format fmt, FILE *out, char *err,
                   size_t errlen);

#endif

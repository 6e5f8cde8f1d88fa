/* stmprog-line's log database, inside: what a database kind (SQLite,
 * PostgreSQL) provides to the shared logic of logdb.c.
 *
 * The serial rules (reservation order, rework, recovery) are written
 * once, in logdb.c, over numbered statements; each kind keeps its own
 * text of every statement in its own dialect (placeholders ? or $n,
 * types, RETURNING), so no SQL is ever assembled from values.  Values
 * travel as text both ways (NULL for SQL NULL): both libraries speak
 * text natively and the statements cast where a dialect needs it. */
#ifndef STMPROG_LINE_LOGDB_INTERNAL_H
#define STMPROG_LINE_LOGDB_INTERNAL_H

#include <pthread.h>

#include "logdb.h"

/* The statements logdb.c runs.  Parameters and columns are in the order
 * the comments give. */
typedef enum line_db_stmt {
	/* () -> version */
	LDB_SCHEMA_VERSION_GET,
	/* (version) */
	LDB_SCHEMA_VERSION_INSERT,
	LDB_SCHEMA_VERSION_SET,
	/* (station, job, sha256, tool, started_us) -> id */
	LDB_RUN_INSERT,
	/* (ended_us, id) */
	LDB_RUN_END,
	/* () -> max(id) */
	LDB_RUN_LATEST,
	/* (run_id, station, slot, port, attempt, chip_pid, chip_name,
	 *  flash_size, uid, serial, serial_text, job, sha256, tool,
	 *  started_us, ended_us, outcome, cause) -> id */
	LDB_ATTEMPT_INSERT,
	/* (the same 18, then id) */
	LDB_ATTEMPT_UPDATE,
	/* (attempt_id) */
	LDB_PHASES_DELETE,
	/* (attempt_id, seq, name, us) */
	LDB_PHASE_INSERT,
	/* (attempt_id) -> name, us */
	LDB_PHASES_GET,
	/* (name) -> start, step, next_index; locks the row where it can */
	LDB_SEQ_GET,
	/* (name, start, step) */
	LDB_SEQ_INSERT,
	/* (next_index, name) */
	LDB_SEQ_ADVANCE,
	/* (sequence, uid) -> serial, state: the UID's live reservation */
	LDB_RES_LIVE_OF_UID,
	/* (sequence) -> serial: the lowest returned one */
	LDB_RES_LOWEST_RETURNED,
	/* (sequence, serial, uid, station, slot, attempt_id, now_us) */
	LDB_RES_INSERT,
	/* (uid, station, slot, attempt_id, state, now_us, sequence, serial):
	 * hands the row to a board */
	LDB_RES_ASSIGN,
	/* (sequence, serial) -> state, uid */
	LDB_RES_GET,
	/* (state, now_us, sequence, serial) */
	LDB_RES_SET_STATE,
	/* (ended_us, station): running -> interrupted */
	LDB_ATTEMPTS_INTERRUPT,
	/* (now_us, station): reserved -> unknown */
	LDB_RES_MARK_UNKNOWN,
	/* () -> sequence, serial, uid, station, slot, attempt_id, state */
	LDB_RES_LIST_UNKNOWN,
	/* (run_id, serial_text, serial_number, uid, station), each NULL for
	 * any -> the 19 attempt columns (id first, then as INSERT) */
	LDB_REPORT,
	LDB_STMT_COUNT
} line_db_stmt;

/* A kind's answer besides 0 and -1: the transaction lost a race
 * (serialization failure, deadlock, busy, a unique key taken by another
 * station meanwhile); logdb.c rolls back and runs it again. */
#define LINE_DB_RETRY (-2)

typedef int (*line_db_row_fn)(void *user, int ncols,
                              const char *const *values);

typedef enum line_db_txn {
	LINE_DB_TXN_WRITE,      /* a write from its first statement on */
	LINE_DB_TXN_MIGRATE     /* a write that changes the schema */
} line_db_txn;

typedef struct line_db_ops {
	const char *kind;
	void (*close)(void *impl);
	int (*begin)(void *impl, line_db_txn txn, char *err, size_t errlen);
	int (*commit)(void *impl, char *err, size_t errlen);
	void (*rollback)(void *impl);
	/* Runs statement s; fn (may be NULL) gets every row; a nonzero
	 * return of fn stops and is returned.  Statements whose text cannot
	 * return the new row's id (SQLite before RETURNING) give it as a
	 * row of one column. */
	int (*exec)(void *impl, line_db_stmt s, int nparams,
	            const char *const *params, line_db_row_fn fn, void *user,
	            char *err, size_t errlen);
	/* Runs one statement without parameters (the schema's). */
	int (*exec_sql)(void *impl, const char *sql, char *err, size_t errlen);
	/* Schema steps: steps[v - 1] makes version v from v - 1, a NULL
	 * terminated list of statements without parameters. */
	const char *const *const *migrations;
	/* Does the schema_version table exist? 1 yes, 0 no, -1 error. */
	int (*has_schema)(void *impl, char *err, size_t errlen);
} line_db_ops;

struct line_db {
	const line_db_ops *ops;
	void *impl;
	pthread_mutex_t lock;
	int version;
	char name[128];         /* for messages: the file, or the host/db */
};

/* The kinds: 0 and *impl set, or -1 with err. */
int line_db_sqlite_open(const char *path, void **impl,
                        const line_db_ops **ops, char *err, size_t errlen);
#ifdef HAVE_LIBPQ
int line_db_pg_open(const char *conninfo, void **impl,
                    const line_db_ops **ops, char *err, size_t errlen);
#endif

/* Tests: opens target migrating no further than version (to make an
 * older database the migration test then opens normally). */
int line_db_open_version(const char *target, int version, line_db **db,
                         char *err, size_t errlen);

/* Shared by the report: runs a statement under the caller's lock. */
int line_db_exec(line_db *db, line_db_stmt s, int nparams,
                 const char *const *params, line_db_row_fn fn, void *user,
                 char *err, size_t errlen);

#endif

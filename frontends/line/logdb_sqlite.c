/* stmprog-line's log in SQLite: one file, WAL mode so readers never wait
 * for the writer, a busy timeout so several processes share the file,
 * and BEGIN IMMEDIATE so a transaction that hands out a serial holds the
 * write lock from its first read on (no two see the same next index). */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logdb_internal.h"

/* How long one statement waits for another process's write lock. */
#define SQLITE_BUSY_MS 10000

static const char *const schema_v1[] = {
	"CREATE TABLE schema_version (version INTEGER NOT NULL)",
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" station TEXT NOT NULL, job TEXT, content_sha256 TEXT,"
	" tool_version TEXT, started_us INTEGER NOT NULL, ended_us INTEGER)",
	"CREATE TABLE attempts ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" run_id INTEGER REFERENCES runs(id),"
	" station TEXT, slot TEXT, port TEXT, attempt INTEGER,"
	" chip_pid INTEGER, chip_name TEXT, flash_size INTEGER, uid TEXT,"
	" serial INTEGER, serial_text TEXT, job TEXT, content_sha256 TEXT,"
	" tool_version TEXT, started_us INTEGER NOT NULL, ended_us INTEGER,"
	" outcome TEXT NOT NULL, cause TEXT)",
	"CREATE TABLE sequences ("
	" name TEXT PRIMARY KEY, start INTEGER NOT NULL,"
	" step INTEGER NOT NULL, next_index INTEGER NOT NULL)",
	"CREATE TABLE reservations ("
	" sequence TEXT NOT NULL REFERENCES sequences(name),"
	" serial INTEGER NOT NULL, uid TEXT NOT NULL, station TEXT,"
	" slot TEXT, attempt_id INTEGER, state TEXT NOT NULL CHECK (state IN"
	" ('reserved', 'used', 'returned', 'void', 'unknown')),"
	" reserved_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,"
	" UNIQUE (sequence, serial))",
	/* One live serial per board and sequence. */
	"CREATE UNIQUE INDEX reservations_live_uid ON reservations"
	" (sequence, uid) WHERE state IN ('reserved', 'used', 'unknown')",
	NULL
};

/* Version 2: per-phase durations, and the indexes a report by board or
 * serial needs. */
static const char *const schema_v2[] = {
	"CREATE TABLE phases ("
	" attempt_id INTEGER NOT NULL REFERENCES attempts(id),"
	" seq INTEGER NOT NULL, name TEXT NOT NULL, us INTEGER NOT NULL,"
	" PRIMARY KEY (attempt_id, seq))",
	"CREATE INDEX attempts_uid ON attempts (uid)",
	"CREATE INDEX attempts_serial ON attempts (serial)",
	NULL
};

static const char *const *const migrations[] = { schema_v1, schema_v2 };

#define ATTEMPT_COLS \
	"run_id, station, slot, port, attempt, chip_pid, chip_name," \
	" flash_size, uid, serial, serial_text, job, content_sha256," \
	" tool_version, started_us, ended_us, outcome, cause"

typedef struct sqlite_stmt_text {
	const char *sql;
	bool returns_id;        /* the new row's id as a row */
} sqlite_stmt_text;

static const sqlite_stmt_text stmts[LDB_STMT_COUNT] = {
	[LDB_SCHEMA_VERSION_GET] = { "SELECT version FROM schema_version", 0 },
	[LDB_SCHEMA_VERSION_INSERT] = {
		"INSERT INTO schema_version (version) VALUES (?)", 0 },
	[LDB_SCHEMA_VERSION_SET] = { "UPDATE schema_version SET version = ?", 0 },
	[LDB_RUN_INSERT] = {
		"INSERT INTO runs (station, job, content_sha256, tool_version,"
		" started_us) VALUES (?, ?, ?, ?, ?)", 1 },
	[LDB_RUN_END] = { "UPDATE runs SET ended_us = ? WHERE id = ?", 0 },
	[LDB_RUN_LATEST] = { "SELECT max(id) FROM runs", 0 },
	[LDB_ATTEMPT_INSERT] = {
		"INSERT INTO attempts (" ATTEMPT_COLS ") VALUES"
		" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", 1 },
	[LDB_ATTEMPT_UPDATE] = {
		"UPDATE attempts SET run_id = ?, station = ?, slot = ?,"
		" port = ?, attempt = ?, chip_pid = ?, chip_name = ?,"
		" flash_size = ?, uid = ?, serial = ?, serial_text = ?, job = ?,"
		" content_sha256 = ?, tool_version = ?, started_us = ?,"
		" ended_us = ?, outcome = ?, cause = ? WHERE id = ?", 0 },
	[LDB_PHASES_DELETE] = { "DELETE FROM phases WHERE attempt_id = ?", 0 },
	[LDB_PHASE_INSERT] = {
		"INSERT INTO phases (attempt_id, seq, name, us)"
		" VALUES (?, ?, ?, ?)", 0 },
	[LDB_PHASES_GET] = {
		"SELECT name, us FROM phases WHERE attempt_id = ? ORDER BY seq",
		0 },
	/* The write lock of BEGIN IMMEDIATE already serializes. */
	[LDB_SEQ_GET] = {
		"SELECT start, step, next_index FROM sequences WHERE name = ?",
		0 },
	[LDB_SEQ_INSERT] = {
		"INSERT INTO sequences (name, start, step, next_index)"
		" VALUES (?, ?, ?, 0)", 0 },
	[LDB_SEQ_ADVANCE] = {
		"UPDATE sequences SET next_index = ? WHERE name = ?", 0 },
	[LDB_RES_LIVE_OF_UID] = {
		"SELECT serial, state FROM reservations WHERE sequence = ?"
		" AND uid = ? AND state IN ('reserved', 'used', 'unknown')", 0 },
	[LDB_RES_LOWEST_RETURNED] = {
		"SELECT serial FROM reservations WHERE sequence = ?"
		" AND state = 'returned' ORDER BY serial LIMIT 1", 0 },
	[LDB_RES_INSERT] = {
		"INSERT INTO reservations (sequence, serial, uid, station, slot,"
		" attempt_id, state, reserved_us, updated_us)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'reserved', ?7, ?7)", 0 },
	[LDB_RES_ASSIGN] = {
		"UPDATE reservations SET uid = ?1, station = ?2, slot = ?3,"
		" attempt_id = ?4, state = ?5, reserved_us = ?6, updated_us = ?6"
		" WHERE sequence = ?7 AND serial = ?8", 0 },
	[LDB_RES_GET] = {
		"SELECT state, uid FROM reservations WHERE sequence = ?"
		" AND serial = ?", 0 },
	[LDB_RES_SET_STATE] = {
		"UPDATE reservations SET state = ?, updated_us = ?"
		" WHERE sequence = ? AND serial = ?", 0 },
	[LDB_ATTEMPTS_INTERRUPT] = {
		"UPDATE attempts SET outcome = 'interrupted', ended_us = ?"
		" WHERE station = ? AND outcome = 'running'", 0 },
	[LDB_RES_MARK_UNKNOWN] = {
		"UPDATE reservations SET state = 'unknown', updated_us = ?"
		" WHERE station = ? AND state = 'reserved'", 0 },
	[LDB_RES_LIST_UNKNOWN] = {
		"SELECT sequence, serial, uid, station, slot, attempt_id, state"
		" FROM reservations WHERE state = 'unknown'"
		" ORDER BY sequence, serial", 0 },
	[LDB_REPORT] = {
		"SELECT id, " ATTEMPT_COLS " FROM attempts"
		" WHERE (?1 IS NULL OR run_id = ?1)"
		" AND (?2 IS NULL OR serial_text = ?2 OR serial = ?3)"
		" AND (?4 IS NULL OR uid = ?4)"
		" AND (?5 IS NULL OR station = ?5)"
		" ORDER BY started_us, id", 0 },
};

typedef struct sqlite_log {
	sqlite3 *db;
	sqlite3_stmt *prepared[LDB_STMT_COUNT];
	char path[128];
} sqlite_log;

static int sqlite_result(sqlite_log *l, int rc, const char *what, char *err,
                         size_t errlen)
{
	/* Another process holds the lock past the busy timeout, or a
	 * snapshot went stale: the transaction runs again. */
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return LINE_DB_RETRY;
	snprintf(err, errlen, "%s: %s: %s", l->path, what, sqlite3_errmsg(l->db));
	return -1;
}

static void sqlite_close(void *impl)
{
	sqlite_log *l = impl;

	for (int i = 0; i < LDB_STMT_COUNT; i++)
		sqlite3_finalize(l->prepared[i]);
	sqlite3_close(l->db);
	free(l);
}

static int sqlite_exec_sql(void *impl, const char *sql, char *err,
                           size_t errlen)
{
	sqlite_log *l = impl;
	int rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite_result(l, rc, sql, err, errlen);
}

static int sqlite_begin(void *impl, line_db_txn txn, char *err, size_t errlen)
{
	(void)txn;
	return sqlite_exec_sql(impl, "BEGIN IMMEDIATE", err, errlen);
}

static int sqlite_commit(void *impl, char *err, size_t errlen)
{
	int rc = sqlite_exec_sql(impl, "COMMIT", err, errlen);

	if (rc)
		sqlite3_exec(((sqlite_log *)impl)->db, "ROLLBACK", NULL, NULL,
		             NULL);
	return rc;
}

static void sqlite_rollback(void *impl)
{
	sqlite_log *l = impl;

	if (!sqlite3_get_autocommit(l->db))
		sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sqlite_exec(void *impl, line_db_stmt s, int nparams,
                       const char *const *params, line_db_row_fn fn,
                       void *user, char *err, size_t errlen)
{
	sqlite_log *l = impl;
	sqlite3_stmt *st = l->prepared[s];
	int rc;

	if (!st) {
		rc = sqlite3_prepare_v2(l->db, stmts[s].sql, -1, &st, NULL);
		if (rc != SQLITE_OK)
			return sqlite_result(l, rc, "a statement", err, errlen);
		l->prepared[s] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (int i = 0; i < nparams && i < sqlite3_bind_parameter_count(st);
	     i++) {
		rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1,
		                                   SQLITE_TRANSIENT)
		               : sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK)
			return sqlite_result(l, rc, "a parameter", err, errlen);
	}
	int stop = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_count(st);
		const char *values[24];
		if (n > 24)
			n = 24;
		for (int i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(st, i);
		if (fn && !stop)
			stop = fn(user, n, values);
	}
	if (rc != SQLITE_DONE) {
		rc = sqlite_result(l, rc, "a statement", err, errlen);
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	if (stmts[s].returns_id && fn && !stop) {
		char id[24];
		snprintf(id, sizeof id, "%lld",
		         (long long)sqlite3_last_insert_rowid(l->db));
		const char *values[] = { id };
		stop = fn(user, 1, values);
	}
	return stop;
}

static int sqlite_has_schema(void *impl, char *err, size_t errlen)
{
	sqlite_log *l = impl;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(l->db,
	                            "SELECT 1 FROM sqlite_master WHERE type ="
	                            " 'table' AND name = 'schema_version'",
	                            -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sqlite_result(l, rc, "reading the schema", err, errlen);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sqlite_result(l, rc, "reading the schema", err, errlen);
}

static const line_db_ops sqlite_ops = {
	.kind = "sqlite",
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.exec = sqlite_exec,
	.exec_sql = sqlite_exec_sql,
	.migrations = migrations,
	.has_schema = sqlite_has_schema,
};

int line_db_sqlite_open(const char *path, void **impl,
                        const line_db_ops **ops, char *err, size_t errlen)
{
	sqlite_log *l = calloc(1, sizeof *l);
	int rc;

	if (!l) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	snprintf(l->path, sizeof l->path, "%s", path);
	/* FULLMUTEX: the caller's mutex already serializes, this keeps
	 * SQLite's own state safe whatever the build's threading default. */
	rc = sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE |
	                     SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the log database: %s",
		         path, l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
		sqlite3_close(l->db);
		free(l);
		return -1;
	}
	sqlite3_busy_timeout(l->db, SQLITE_BUSY_MS);
	/* WAL: one writer and many readers at once; NORMAL sync is safe
	 * with WAL (a power cut may lose the last commit, never corrupt). */
	const char *setup[] = { "PRAGMA journal_mode = WAL",
	                        "PRAGMA synchronous = NORMAL",
	                        "PRAGMA foreign_keys = ON" };
	for (size_t i = 0; i < sizeof setup / sizeof *setup; i++) {
		/* Switching to WAL needs a moment without other writers. */
		for (int tries = 0; tries < 50; tries++) {
			rc = sqlite3_exec(l->db, setup[i], NULL, NULL, NULL);
			if ((rc & 0xff) != SQLITE_BUSY)
				break;
		}
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "%s: not a usable log database (%s): "
			         "%s", path, setup[i], sqlite3_errmsg(l->db));
			sqlite_close(l);
			return -1;
		}
	}
	*impl = l;
	*ops = &sqlite_ops;
	return 0;
}

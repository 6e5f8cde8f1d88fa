/* stmprog-line's log in PostgreSQL (libpq), for several stations sharing
 * one serial sequence.  A transaction that hands out a serial locks the
 * sequence's row (SELECT ... FOR UPDATE), so stations take turns on one
 * sequence only; the unique constraints stay the last word, and a
 * transaction that meets one (two stations creating a sequence at once),
 * a serialization failure or a deadlock runs again. */
#include "config.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logdb_internal.h"

static const char *const schema_v1[] = {
	"CREATE TABLE schema_version (version integer NOT NULL)",
	"CREATE TABLE runs ("
	" id bigserial PRIMARY KEY,"
	" station text NOT NULL, job text, content_sha256 text,"
	" tool_version text, started_us bigint NOT NULL, ended_us bigint)",
	"CREATE TABLE attempts ("
	" id bigserial PRIMARY KEY,"
	" run_id bigint REFERENCES runs(id),"
	" station text, slot text, port text, attempt integer,"
	" chip_pid integer, chip_name text, flash_size bigint, uid text,"
	" serial bigint, serial_text text, job text, content_sha256 text,"
	" tool_version text, started_us bigint NOT NULL, ended_us bigint,"
	" outcome text NOT NULL, cause text)",
	"CREATE TABLE sequences ("
	" name text PRIMARY KEY, start bigint NOT NULL,"
	" step bigint NOT NULL, next_index bigint NOT NULL)",
	"CREATE TABLE reservations ("
	" sequence text NOT NULL REFERENCES sequences(name),"
	" serial bigint NOT NULL, uid text NOT NULL, station text,"
	" slot text, attempt_id bigint, state text NOT NULL CHECK (state IN"
	" ('reserved', 'used', 'returned', 'void', 'unknown')),"
	" reserved_us bigint NOT NULL, updated_us bigint NOT NULL,"
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
	" attempt_id bigint NOT NULL REFERENCES attempts(id),"
	" seq integer NOT NULL, name text NOT NULL, us bigint NOT NULL,"
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

/* Parameters are cast where PostgreSQL could not infer their type. */
static const char *const stmts[LDB_STMT_COUNT] = {
	[LDB_SCHEMA_VERSION_GET] = "SELECT version FROM schema_version",
	[LDB_SCHEMA_VERSION_INSERT] =
		"INSERT INTO schema_version (version) VALUES ($1::integer)",
	[LDB_SCHEMA_VERSION_SET] =
		"UPDATE schema_version SET version = $1::integer",
	[LDB_RUN_INSERT] =
		"INSERT INTO runs (station, job, content_sha256, tool_version,"
		" started_us) VALUES ($1, $2, $3, $4, $5::bigint) RETURNING id",
	[LDB_RUN_END] = "UPDATE runs SET ended_us = $1::bigint"
		" WHERE id = $2::bigint",
	[LDB_RUN_LATEST] = "SELECT max(id) FROM runs",
	[LDB_ATTEMPT_INSERT] =
		"INSERT INTO attempts (" ATTEMPT_COLS ") VALUES ($1::bigint, $2,"
		" $3, $4, $5::integer, $6::integer, $7, $8::bigint, $9,"
		" $10::bigint, $11, $12, $13, $14, $15::bigint, $16::bigint, $17,"
		" $18) RETURNING id",
	[LDB_ATTEMPT_UPDATE] =
		"UPDATE attempts SET run_id = $1::bigint, station = $2,"
		" slot = $3, port = $4, attempt = $5::integer,"
		" chip_pid = $6::integer, chip_name = $7,"
		" flash_size = $8::bigint, uid = $9, serial = $10::bigint,"
		" serial_text = $11, job = $12, content_sha256 = $13,"
		" tool_version = $14, started_us = $15::bigint,"
		" ended_us = $16::bigint, outcome = $17, cause = $18"
		" WHERE id = $19::bigint",
	[LDB_PHASES_DELETE] = "DELETE FROM phases WHERE attempt_id = $1::bigint",
	[LDB_PHASE_INSERT] =
		"INSERT INTO phases (attempt_id, seq, name, us)"
		" VALUES ($1::bigint, $2::integer, $3, $4::bigint)",
	[LDB_PHASES_GET] =
		"SELECT name, us FROM phases WHERE attempt_id = $1::bigint"
		" ORDER BY seq",
	[LDB_SEQ_GET] =
		"SELECT start, step, next_index FROM sequences WHERE name = $1"
		" FOR UPDATE",
	/* A station that lost the race to create it finds it on the next
	 * read instead of failing the transaction. */
	[LDB_SEQ_INSERT] =
		"INSERT INTO sequences (name, start, step, next_index)"
		" VALUES ($1, $2::bigint, $3::bigint, 0)"
		" ON CONFLICT (name) DO NOTHING",
	[LDB_SEQ_ADVANCE] =
		"UPDATE sequences SET next_index = $1::bigint WHERE name = $2",
	[LDB_RES_LIVE_OF_UID] =
		"SELECT serial, state FROM reservations WHERE sequence = $1"
		" AND uid = $2 AND state IN ('reserved', 'used', 'unknown')",
	[LDB_RES_LOWEST_RETURNED] =
		"SELECT serial FROM reservations WHERE sequence = $1"
		" AND state = 'returned' ORDER BY serial LIMIT 1",
	[LDB_RES_INSERT] =
		"INSERT INTO reservations (sequence, serial, uid, station, slot,"
		" attempt_id, state, reserved_us, updated_us)"
		" VALUES ($1, $2::bigint, $3, $4, $5, $6::bigint, 'reserved',"
		" $7::bigint, $7::bigint)",
	[LDB_RES_ASSIGN] =
		"UPDATE reservations SET uid = $1, station = $2, slot = $3,"
		" attempt_id = $4::bigint, state = $5, reserved_us = $6::bigint,"
		" updated_us = $6::bigint WHERE sequence = $7"
		" AND serial = $8::bigint",
	[LDB_RES_GET] =
		"SELECT state, uid FROM reservations WHERE sequence = $1"
		" AND serial = $2::bigint",
	[LDB_RES_SET_STATE] =
		"UPDATE reservations SET state = $1, updated_us = $2::bigint"
		" WHERE sequence = $3 AND serial = $4::bigint",
	[LDB_ATTEMPTS_INTERRUPT] =
		"UPDATE attempts SET outcome = 'interrupted',"
		" ended_us = $1::bigint WHERE station = $2"
		" AND outcome = 'running'",
	[LDB_RES_MARK_UNKNOWN] =
		"UPDATE reservations SET state = 'unknown',"
		" updated_us = $1::bigint WHERE station = $2"
		" AND state = 'reserved'",
	[LDB_RES_LIST_UNKNOWN] =
		"SELECT sequence, serial, uid, station, slot, attempt_id, state"
		" FROM reservations WHERE state = 'unknown'"
		" ORDER BY sequence, serial",
	[LDB_REPORT] =
		"SELECT id, " ATTEMPT_COLS " FROM attempts"
		" WHERE ($1::bigint IS NULL OR run_id = $1::bigint)"
		" AND ($2::text IS NULL OR serial_text = $2::text"
		" OR serial = $3::bigint)"
		" AND ($4::text IS NULL OR uid = $4::text)"
		" AND ($5::text IS NULL OR station = $5::text)"
		" ORDER BY started_us, id",
};

typedef struct pg_log {
	PGconn *conn;
} pg_log;

/* SQLSTATEs after which the whole transaction is simply run again. */
static bool retryable(const char *sqlstate)
{
	return sqlstate && (strcmp(sqlstate, "40001") == 0 ||  /* serialization */
	                    strcmp(sqlstate, "40P01") == 0 ||  /* deadlock */
	                    strcmp(sqlstate, "23505") == 0);   /* unique */
}

static int pg_result(pg_log *l, PGresult *res, const char *what, char *err,
                     size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
	                        : NULL;

	if (retryable(state))
		return LINE_DB_RETRY;
	const char *msg = res ? PQresultErrorMessage(res) : "";
	if (!msg[0])
		msg = PQerrorMessage(l->conn);
	char line[256];
	snprintf(line, sizeof line, "%s", msg);
	line[strcspn(line, "\n")] = '\0';
	snprintf(err, errlen, "the PostgreSQL log: %s: %s", what, line);
	return -1;
}

static void pg_close(void *impl)
{
	pg_log *l = impl;

	PQfinish(l->conn);
	free(l);
}

static int pg_exec_sql(void *impl, const char *sql, char *err, size_t errlen)
{
	pg_log *l = impl;
	PGresult *res = PQexec(l->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_result(l, res, sql, err, errlen);
	PQclear(res);
	return rc;
}

static int pg_begin(void *impl, line_db_txn txn, char *err, size_t errlen)
{
	int rc = pg_exec_sql(impl, "BEGIN", err, errlen);

	/* Two stations opening a new database at once: one creates the
	 * schema, the other waits here and then finds it. */
	if (rc == 0 && txn == LINE_DB_TXN_MIGRATE)
		rc = pg_exec_sql(impl, "SELECT pg_advisory_xact_lock(7243016)",
		                 err, errlen);
	return rc;
}

static int pg_commit(void *impl, char *err, size_t errlen)
{
	return pg_exec_sql(impl, "COMMIT", err, errlen);
}

static void pg_rollback(void *impl)
{
	pg_log *l = impl;

	PQclear(PQexec(l->conn, "ROLLBACK"));
}

static int pg_exec(void *impl, line_db_stmt s, int nparams,
                   const char *const *params, line_db_row_fn fn, void *user,
                   char *err, size_t errlen)
{
	pg_log *l = impl;
	PGresult *res = PQexecParams(l->conn, stmts[s], nparams, NULL, params,
	                             NULL, NULL, 0);
	int rc = 0;

	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		int rows = PQntuples(res), n = PQnfields(res);
		const char *values[24];
		if (n > 24)
			n = 24;
		for (int r = 0; fn && rc == 0 && r < rows; r++) {
			for (int c = 0; c < n; c++)
				values[c] = PQgetisnull(res, r, c)
				            ? NULL : PQgetvalue(res, r, c);
			rc = fn(user, n, values);
		}
	} else if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_result(l, res, "a statement", err, errlen);
	}
	PQclear(res);
	return rc;
}

static int pg_has_schema(void *impl, char *err, size_t errlen)
{
	pg_log *l = impl;
	PGresult *res = PQexec(l->conn,
	                       "SELECT to_regclass('schema_version') IS NOT NULL");
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_result(l, res, "reading the schema", err, errlen);
	else
		rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

static const line_db_ops pg_ops = {
	.kind = "postgresql",
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.exec = pg_exec,
	.exec_sql = pg_exec_sql,
	.migrations = migrations,
	.has_schema = pg_has_schema,
};

int line_db_pg_open(const char *conninfo, void **impl,
                    const line_db_ops **ops, char *err, size_t errlen)
{
	pg_log *l = calloc(1, sizeof *l);

	if (!l) {
		snprintf(err, errlen, "the PostgreSQL log: out of memory");
		return -1;
	}
	l->conn = PQconnectdb(conninfo);
	if (PQstatus(l->conn) != CONNECTION_OK) {
		char line[256];
		snprintf(line, sizeof line, "%s", PQerrorMessage(l->conn));
		line[strcspn(line, "\n")] = '\0';
		snprintf(err, errlen, "the PostgreSQL log: cannot connect: %s",
		         line);
		pg_close(l);
		return -1;
	}
	/* Quiet the server's NOTICEs (they would go to stderr). */
	PQclear(PQexec(l->conn, "SET client_min_messages = warning"));
	*impl = l;
	*ops = &pg_ops;
	return 0;
}

/* stmprog-line's log database: the choice of kind by target, the schema
 * migration, and the serial rules (reservation order, rework, release,
 * recovery) written once over the kinds' numbered statements. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "logdb_internal.h"

/* How many times a transaction that lost a race runs again before the
 * caller hears of it; each try waits on the database's own locks. */
#define LINE_DB_TRIES 50

static void fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int64_t now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int line_db_exec(line_db *db, line_db_stmt s, int nparams,
                 const char *const *params, line_db_row_fn fn, void *user,
                 char *err, size_t errlen)
{
	return db->ops->exec(db->impl, s, nparams, params, fn, user, err,
	                     errlen);
}

/* Row readers. */
typedef struct text_cols {
	bool found;
	int ncols;
	char v[8][128];
	bool null[8];
} text_cols;

static int take_first_row(void *user, int ncols, const char *const *values)
{
	text_cols *t = user;

	if (t->found)
		return 0;
	t->found = true;
	t->ncols = ncols < 8 ? ncols : 8;
	for (int i = 0; i < t->ncols; i++) {
		t->null[i] = values[i] == NULL;
		snprintf(t->v[i], sizeof t->v[i], "%s", values[i] ? values[i] : "");
	}
	return 0;
}

static int64_t col_i64(const text_cols *t, int i)
{
	return strtoll(t->v[i], NULL, 10);
}

static uint64_t col_u64(const text_cols *t, int i)
{
	return strtoull(t->v[i], NULL, 10);
}

static int exec_one(line_db *db, line_db_stmt s, int n, const char *const *p,
                    text_cols *row, char *err, size_t errlen)
{
	memset(row, 0, sizeof *row);
	return db->ops->exec(db->impl, s, n, p, take_first_row, row, err,
	                     errlen);
}

/* ---- Opening and the schema. ---- */

static int migrate(line_db *db, int target_version, char *err, size_t errlen)
{
	char v[24];
	text_cols row;
	int rc = db->ops->begin(db->impl, LINE_DB_TXN_MIGRATE, err, errlen);

	if (rc)
		return rc;
	int have = db->ops->has_schema(db->impl, err, errlen);
	int version = 0;
	if (have < 0)
		goto fail;
	if (have) {
		rc = exec_one(db, LDB_SCHEMA_VERSION_GET, 0, NULL, &row, err, errlen);
		if (rc)
			goto fail_rc;
		version = row.found ? (int)col_i64(&row, 0) : 0;
	}
	if (version > LINE_DB_SCHEMA_VERSION) {
		fail(err, errlen,
		     "%s: the log database has schema version %d, newer than "
		     "this stmprog-line's %d: use a newer stmprog-line",
		     db->name, version, LINE_DB_SCHEMA_VERSION);
		goto fail;
	}
	/* Version 0 means no schema_version table yet: its own creation is
	 * the first statement of step 1. */
	for (int v1 = version + 1; v1 <= target_version; v1++) {
		for (const char *const *sql = db->ops->migrations[v1 - 1];
		     *sql; sql++) {
			rc = db->ops->exec_sql(db->impl, *sql, err, errlen);
			if (rc)
				goto fail_rc;
		}
	}
	if (target_version > version) {
		snprintf(v, sizeof v, "%d", target_version);
		const char *p[] = { v };
		rc = db->ops->exec(db->impl,
		                   version == 0 ? LDB_SCHEMA_VERSION_INSERT
		                                : LDB_SCHEMA_VERSION_SET,
		                   1, p, NULL, NULL, err, errlen);
		if (rc)
			goto fail_rc;
		version = target_version;
	}
	rc = db->ops->commit(db->impl, err, errlen);
	if (rc)
		return rc;
	db->version = version;
	return 0;
fail:
	rc = -1;
fail_rc:
	db->ops->rollback(db->impl);
	return rc;
}

int line_db_open_version(const char *target, int version, line_db **out,
                         char *err, size_t errlen)
{
	line_db *db = calloc(1, sizeof *db);
	int rc;

	*out = NULL;
	if (!db) {
		fail(err, errlen, "%s: out of memory", target);
		return -1;
	}
	pthread_mutex_init(&db->lock, NULL);
	if (starts_with(target, "postgresql://") ||
	    starts_with(target, "postgres://") || starts_with(target, "pg:")) {
#ifdef HAVE_LIBPQ
		const char *conninfo = starts_with(target, "pg:") ? target + 3
		                                                  : target;
		rc = line_db_pg_open(conninfo, &db->impl, &db->ops, err, errlen);
		/* A URI may carry a password: name the kind, not the string. */
		snprintf(db->name, sizeof db->name, "the PostgreSQL log");
#else
		fail(err, errlen,
		     "%s: this stmprog-line was built without libpq, so it "
		     "cannot log to PostgreSQL", target);
		rc = -1;
#endif
	} else {
		rc = line_db_sqlite_open(target, &db->impl, &db->ops, err,
		                         errlen);
		snprintf(db->name, sizeof db->name, "%s", target);
	}
	if (rc) {
		pthread_mutex_destroy(&db->lock);
		free(db);
		return -1;
	}
	for (int tries = 0;; tries++) {
		rc = migrate(db, version, err, errlen);
		if (rc != LINE_DB_RETRY || tries >= LINE_DB_TRIES)
			break;
	}
	if (rc) {
		if (rc == LINE_DB_RETRY)
			fail(err, errlen, "%s: the database stayed busy while "
			     "its schema was checked", db->name);
		line_db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

int line_db_open(const char *target, line_db **db, char *err, size_t errlen)
{
	return line_db_open_version(target, LINE_DB_SCHEMA_VERSION, db, err,
	                            errlen);
}

void line_db_close(line_db *db)
{
	if (!db)
		return;
	db->ops->close(db->impl);
	pthread_mutex_destroy(&db->lock);
	free(db);
}

const char *line_db_kind(const line_db *db)
{
	return db->ops->kind;
}

int line_db_schema_version(line_db *db)
{
	pthread_mutex_lock(&db->lock);
	int v = db->version;
	pthread_mutex_unlock(&db->lock);
	return v;
}

/* ---- Transactions with retry. ---- */

typedef int (*txn_body)(line_db *db, void *arg, char *err, size_t errlen);

/* Runs body in one write transaction under the lock, again when it lost
 * a race, so callers see 0 or -1 only. */
static int in_txn(line_db *db, txn_body body, void *arg, char *err,
                  size_t errlen)
{
	int rc = LINE_DB_RETRY;

	pthread_mutex_lock(&db->lock);
	for (int tries = 0; tries < LINE_DB_TRIES && rc == LINE_DB_RETRY;
	     tries++) {
		rc = db->ops->begin(db->impl, LINE_DB_TXN_WRITE, err, errlen);
		if (rc)
			continue;
		rc = body(db, arg, err, errlen);
		if (rc == 0)
			rc = db->ops->commit(db->impl, err, errlen);
		else
			db->ops->rollback(db->impl);
	}
	pthread_mutex_unlock(&db->lock);
	if (rc == LINE_DB_RETRY) {
		fail(err, errlen, "%s: the database stayed busy (%d tries)",
		     db->name, LINE_DB_TRIES);
		rc = -1;
	}
	return rc;
}

/* ---- Runs. ---- */

typedef struct run_args {
	const char *station, *job, *sha, *tool;
	int64_t id;
} run_args;

static int run_begin_body(line_db *db, void *arg, char *err, size_t errlen)
{
	run_args *a = arg;
	char started[24];
	text_cols row;

	snprintf(started, sizeof started, "%" PRId64, now_us());
	const char *p[] = { a->station, a->job, a->sha, a->tool, started };
	int rc = exec_one(db, LDB_RUN_INSERT, 5, p, &row, err, errlen);
	if (rc)
		return rc;
	a->id = col_i64(&row, 0);
	return 0;
}

int line_db_run_begin(line_db *db, const char *station, const char *job_name,
                      const char *content_sha256, const char *tool_version,
                      int64_t *run_id, char *err, size_t errlen)
{
	run_args a = { station, job_name, content_sha256, tool_version, 0 };
	int rc = in_txn(db, run_begin_body, &a, err, errlen);

	if (rc == 0)
		*run_id = a.id;
	return rc;
}

static int run_end_body(line_db *db, void *arg, char *err, size_t errlen)
{
	char ended[24], id[24];

	snprintf(ended, sizeof ended, "%" PRId64, now_us());
	snprintf(id, sizeof id, "%" PRId64, *(int64_t *)arg);
	const char *p[] = { ended, id };
	return db->ops->exec(db->impl, LDB_RUN_END, 2, p, NULL, NULL, err,
	                     errlen);
}

int line_db_run_end(line_db *db, int64_t run_id, char *err, size_t errlen)
{
	return in_txn(db, run_end_body, &run_id, err, errlen);
}

/* ---- Attempts. ---- */

typedef struct attempt_args {
	line_attempt *a;
	const line_attempt *ca;
	bool insert;
} attempt_args;

static int attempt_body(line_db *db, void *arg, char *err, size_t errlen)
{
	attempt_args *aa = arg;
	const line_attempt *a = aa->insert ? aa->a : aa->ca;
	char run[24], att[16], pid[16], flash[16], serial[24], started[24],
	     ended[24], id[24];
	text_cols row;
	int rc;

	snprintf(run, sizeof run, "%" PRId64, a->run_id);
	snprintf(att, sizeof att, "%u", a->attempt);
	snprintf(pid, sizeof pid, "%u", (unsigned)a->chip_pid);
	snprintf(flash, sizeof flash, "%" PRIu32, a->flash_size);
	snprintf(serial, sizeof serial, "%" PRIu64, a->serial);
	snprintf(started, sizeof started, "%" PRId64,
	         a->started_us ? a->started_us : now_us());
	snprintf(ended, sizeof ended, "%" PRId64, a->ended_us);
	snprintf(id, sizeof id, "%" PRId64, a->id);
	const char *p[] = {
		a->run_id ? run : NULL, a->station, a->slot, a->port, att,
		a->chip_pid ? pid : NULL, a->chip_name,
		a->flash_size ? flash : NULL, a->uid[0] ? a->uid : NULL,
		a->has_serial ? serial : NULL, a->serial_text, a->job_name,
		a->content_sha256, a->tool_version, started,
		a->ended_us ? ended : NULL,
		aa->insert ? "running" : (a->outcome ? a->outcome : "running"),
		a->cause, id
	};
	if (aa->insert) {
		rc = exec_one(db, LDB_ATTEMPT_INSERT, 18, p, &row, err, errlen);
		if (rc == 0)
			aa->a->id = col_i64(&row, 0);
		return rc;
	}
	rc = db->ops->exec(db->impl, LDB_ATTEMPT_UPDATE, 19, p, NULL, NULL,
	                   err, errlen);
	/* A database still at version 1 (tests) has no phases table. */
	if (rc || db->version < 2)
		return rc;
	const char *pd[] = { id };
	rc = db->ops->exec(db->impl, LDB_PHASES_DELETE, 1, pd, NULL, NULL, err,
	                   errlen);
	for (size_t i = 0; rc == 0 && i < a->nphases; i++) {
		char seq[24], us[24];
		snprintf(seq, sizeof seq, "%zu", i);
		snprintf(us, sizeof us, "%" PRId64, a->phases[i].us);
		const char *pp[] = { id, seq, a->phases[i].name, us };
		rc = db->ops->exec(db->impl, LDB_PHASE_INSERT, 4, pp, NULL, NULL,
		                   err, errlen);
	}
	return rc;
}

int line_db_attempt_begin(line_db *db, line_attempt *a, char *err,
                          size_t errlen)
{
	attempt_args aa = { .a = a, .insert = true };

	return in_txn(db, attempt_body, &aa, err, errlen);
}

int line_db_attempt_end(line_db *db, const line_attempt *a, char *err,
                        size_t errlen)
{
	attempt_args aa = { .ca = a, .insert = false };

	if (a->id <= 0) {
		fail(err, errlen, "%s: attempt_end of an attempt never begun",
		     db->name);
		return -1;
	}
	return in_txn(db, attempt_body, &aa, err, errlen);
}

/* ---- Serials. ---- */

/* Both databases keep signed 64-bit integers. */
#define SERIAL_LIMIT ((uint64_t)INT64_MAX)

typedef struct reserve_args {
	const line_db_sequence *seq;
	const char *uid, *station, *slot;
	int64_t attempt_id;
	uint64_t serial;
	bool rework;
} reserve_args;

static bool valid_uid(const char *uid)
{
	if (!uid || strlen(uid) != 24)
		return false;
	for (const char *c = uid; *c; c++)
		if (!strchr("0123456789abcdefABCDEF", *c))
			return false;
	return true;
}

static int reserve_body(line_db *db, void *arg, char *err, size_t errlen)
{
	reserve_args *a = arg;
	const line_db_sequence *seq = a->seq;
	char start[24], step[24], now[24], serial[24], att[24], next[24];
	text_cols row;
	int rc;

	snprintf(start, sizeof start, "%" PRIu64, seq->start);
	snprintf(step, sizeof step, "%" PRIu64, seq->step);
	snprintf(now, sizeof now, "%" PRId64, now_us());
	snprintf(att, sizeof att, "%" PRId64, a->attempt_id);
	const char *att_p = a->attempt_id > 0 ? att : NULL;

	/* The sequence row, locked for this transaction (PostgreSQL: FOR
	 * UPDATE; SQLite: the write lock BEGIN IMMEDIATE took).  A sequence
	 * first seen is created; two stations creating it at once meet at
	 * its primary key and the loser runs again. */
	const char *pn[] = { seq->name };
	rc = exec_one(db, LDB_SEQ_GET, 1, pn, &row, err, errlen);
	if (rc)
		return rc;
	if (!row.found) {
		const char *pi[] = { seq->name, start, step };
		rc = db->ops->exec(db->impl, LDB_SEQ_INSERT, 3, pi, NULL, NULL,
		                   err, errlen);
		if (rc)
			return rc;
		rc = exec_one(db, LDB_SEQ_GET, 1, pn, &row, err, errlen);
		if (rc)
			return rc;
		if (!row.found)
			return LINE_DB_RETRY;
	}
	uint64_t db_start = col_u64(&row, 0), db_step = col_u64(&row, 1);
	uint64_t next_index = col_u64(&row, 2);
	if (db_start != seq->start || db_step != seq->step) {
		fail(err, errlen,
		     "%s: sequence '%s' starts at %" PRIu64 " with step %" PRIu64
		     " in the log, but this job says start %" PRIu64 " step %"
		     PRIu64 ": two job files disagree on one sequence",
		     db->name, seq->name, db_start, db_step, seq->start,
		     seq->step);
		return -1;
	}

	/* Rework: the board's own serial. */
	const char *pu[] = { seq->name, a->uid };
	rc = exec_one(db, LDB_RES_LIVE_OF_UID, 2, pu, &row, err, errlen);
	if (rc)
		return rc;
	if (row.found) {
		a->serial = col_u64(&row, 0);
		a->rework = true;
		/* A used serial stays used (it is the board's for good); a
		 * reserved or unknown one is this attempt's now. */
		const char *state = strcmp(row.v[1], "used") == 0 ? "used"
		                                                  : "reserved";
		const char *pa[] = { a->uid, a->station, a->slot, att_p, state,
		                     now, seq->name, row.v[0] };
		return db->ops->exec(db->impl, LDB_RES_ASSIGN, 8, pa, NULL, NULL,
		                     err, errlen);
	}
	a->rework = false;

	/* A serial a failed board gave back, lowest first. */
	const char *ps[] = { seq->name };
	rc = exec_one(db, LDB_RES_LOWEST_RETURNED, 1, ps, &row, err, errlen);
	if (rc)
		return rc;
	if (row.found) {
		a->serial = col_u64(&row, 0);
		const char *pa[] = { a->uid, a->station, a->slot, att_p,
		                     "reserved", now, seq->name, row.v[0] };
		return db->ops->exec(db->impl, LDB_RES_ASSIGN, 8, pa, NULL, NULL,
		                     err, errlen);
	}

	/* A new one. */
	uint64_t max = seq->max < SERIAL_LIMIT ? seq->max : SERIAL_LIMIT;
	if (seq->start > max || (seq->step && next_index >
	                         (max - seq->start) / seq->step)) {
		fail(err, errlen,
		     "%s: sequence '%s' is used up: %" PRIu64 " serials from %"
		     PRIu64 " with step %" PRIu64 " reach the largest the "
		     "encoding holds (%" PRIu64 ")", db->name, seq->name,
		     next_index, seq->start, seq->step, seq->max);
		return -1;
	}
	a->serial = seq->start + next_index * seq->step;
	snprintf(serial, sizeof serial, "%" PRIu64, a->serial);
	snprintf(next, sizeof next, "%" PRIu64, next_index + 1);
	const char *pr[] = { seq->name, serial, a->uid, a->station, a->slot,
	                     att_p, now };
	rc = db->ops->exec(db->impl, LDB_RES_INSERT, 7, pr, NULL, NULL, err,
	                   errlen);
	if (rc)
		return rc;
	const char *pv[] = { next, seq->name };
	return db->ops->exec(db->impl, LDB_SEQ_ADVANCE, 2, pv, NULL, NULL, err,
	                     errlen);
}

int line_db_reserve(line_db *db, const line_db_sequence *seq,
                    const char *uid, const char *station, const char *slot,
                    int64_t attempt_id, uint64_t *serial, bool *rework,
                    char *err, size_t errlen)
{
	if (!seq || !seq->name || !seq->name[0] || seq->step == 0) {
		fail(err, errlen, "%s: a serial sequence needs a name and a "
		     "step of at least 1", db->name);
		return -1;
	}
	if (!valid_uid(uid)) {
		fail(err, errlen, "%s: '%s' is not a 96-bit UID (24 hex "
		     "digits): no serial without the board's UID", db->name,
		     uid ? uid : "(none)");
		return -1;
	}
	reserve_args a = { seq, uid, station, slot, attempt_id, 0, false };
	int rc = in_txn(db, reserve_body, &a, err, errlen);
	if (rc == 0) {
		*serial = a.serial;
		if (rework)
			*rework = a.rework;
	}
	return rc;
}

typedef struct state_args {
	const char *sequence;
	uint64_t serial;
	bool verified;
	line_serial_policy policy;
	const char *state;      /* resolve: the operator's answer */
} state_args;

static int state_body(line_db *db, void *arg, char *err, size_t errlen)
{
	state_args *a = arg;
	char serial[24], now[24];
	text_cols row;

	snprintf(serial, sizeof serial, "%" PRIu64, a->serial);
	snprintf(now, sizeof now, "%" PRId64, now_us());
	const char *pg[] = { a->sequence, serial };
	int rc = exec_one(db, LDB_RES_GET, 2, pg, &row, err, errlen);
	if (rc)
		return rc;
	if (!row.found) {
		fail(err, errlen, "%s: serial %" PRIu64 " of sequence '%s' was "
		     "never reserved", db->name, a->serial, a->sequence);
		return -1;
	}
	const char *now_state = row.v[0], *next;
	if (a->state) {
		next = a->state;
	} else if (a->verified) {
		next = "used";
	} else if (strcmp(now_state, "reserved") == 0 ||
	           strcmp(now_state, "unknown") == 0) {
		next = a->policy == LINE_SERIAL_VOID ? "void" : "returned";
	} else {
		/* used stays the board's; returned and void are settled. */
		return 0;
	}
	if (strcmp(next, now_state) == 0)
		return 0;
	const char *ps[] = { next, now, a->sequence, serial };
	return db->ops->exec(db->impl, LDB_RES_SET_STATE, 4, ps, NULL, NULL,
	                     err, errlen);
}

int line_db_release(line_db *db, const char *sequence, uint64_t serial,
                    bool verified, line_serial_policy policy,
                    char *err, size_t errlen)
{
	state_args a = { sequence, serial, verified, policy, NULL };

	return in_txn(db, state_body, &a, err, errlen);
}

int line_db_resolve(line_db *db, const char *sequence, uint64_t serial,
                    const char *state, char *err, size_t errlen)
{
	if (!state || (strcmp(state, "used") && strcmp(state, "void") &&
	               strcmp(state, "returned"))) {
		fail(err, errlen, "%s: a reservation resolves to used, void or "
		     "returned, not '%s'", db->name, state ? state : "(none)");
		return -1;
	}
	state_args a = { sequence, serial, false, LINE_SERIAL_RETURN, state };
	return in_txn(db, state_body, &a, err, errlen);
}

/* ---- Recovery. ---- */

typedef struct recover_args {
	const char *station;
	line_db_reservation *list;
	size_t n, cap;
	bool oom;
} recover_args;

static int collect_unknown(void *user, int ncols, const char *const *v)
{
	recover_args *a = user;
	line_db_reservation *r;

	if (ncols < 7)
		return 0;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		void *p = realloc(a->list, cap * sizeof *a->list);
		if (!p) {
			a->oom = true;
			return 1;
		}
		a->list = p;
		a->cap = cap;
	}
	r = &a->list[a->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->sequence, sizeof r->sequence, "%s", v[0] ? v[0] : "");
	r->serial = v[1] ? strtoull(v[1], NULL, 10) : 0;
	snprintf(r->uid, sizeof r->uid, "%s", v[2] ? v[2] : "");
	snprintf(r->station, sizeof r->station, "%s", v[3] ? v[3] : "");
	snprintf(r->slot, sizeof r->slot, "%s", v[4] ? v[4] : "");
	r->attempt_id = v[5] ? strtoll(v[5], NULL, 10) : 0;
	snprintf(r->state, sizeof r->state, "%s", v[6] ? v[6] : "");
	return 0;
}

/* Only the listing: a reader must not mark a running line's work. */
static int list_unknown_body(line_db *db, void *arg, char *err, size_t errlen)
{
	recover_args *a = arg;
	int rc;

	a->n = 0;
	rc = db->ops->exec(db->impl, LDB_RES_LIST_UNKNOWN, 0, NULL,
	                   collect_unknown, a, err, errlen);
	if (rc > 0 || a->oom) {
		fail(err, errlen, "%s: out of memory listing reservations",
		     db->name);
		rc = -1;
	}
	return rc;
}

/* A dead run's leftovers marked, then the listing. */
static int recover_body(line_db *db, void *arg, char *err, size_t errlen)
{
	recover_args *a = arg;
	char now[24];
	int rc;

	snprintf(now, sizeof now, "%" PRId64, now_us());
	const char *p[] = { now, a->station };
	rc = db->ops->exec(db->impl, LDB_ATTEMPTS_INTERRUPT, 2, p, NULL, NULL,
	                   err, errlen);
	if (rc == 0)
		rc = db->ops->exec(db->impl, LDB_RES_MARK_UNKNOWN, 2, p, NULL,
		                   NULL, err, errlen);
	return rc ? rc : list_unknown_body(db, arg, err, errlen);
}

/* body in a transaction, then fn for each reservation it listed, outside
 * the lock (the operator's callback may well call line_db_resolve). */
static int list_with(line_db *db, const char *station,
                     int (*body)(line_db *, void *, char *, size_t),
                     line_db_reservation_fn fn, void *user, char *err,
                     size_t errlen)
{
	recover_args a = { .station = station };
	int rc = in_txn(db, body, &a, err, errlen);

	if (rc == 0 && fn)
		for (size_t i = 0; i < a.n; i++)
			fn(user, &a.list[i]);
	free(a.list);
	return rc ? -1 : (int)a.n;
}

int line_db_unknown(line_db *db, line_db_reservation_fn fn, void *user,
                    char *err, size_t errlen)
{
	return list_with(db, NULL, list_unknown_body, fn, user, err, errlen);
}

int line_db_recover(line_db *db, const char *station,
                    line_db_reservation_fn fn, void *user,
                    char *err, size_t errlen)
{
	return list_with(db, station, recover_body, fn, user, err, errlen);
}

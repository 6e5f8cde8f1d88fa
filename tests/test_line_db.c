/* stmprog-line's production log and serial allocator (logdb.h), on
 * SQLite and on a PostgreSQL server the test starts: the schema and its
 * migration, the reservation paths, rework, crash recovery, several
 * processes and threads sharing one sequence, and the report formats. */
#include "config.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_helpers.h"
#include "logdb_internal.h"
#ifdef HAVE_LIBPQ
#include "pg_server.h"
#endif

/* ---- Helpers. ---- */

static char tmp_dir[64];
static char db_path[128];

static void make_tmp(void)
{
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/stmprog-test-db-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp_dir));
	snprintf(db_path, sizeof db_path, "%s/log.db", tmp_dir);
}

static void remove_tmp(void)
{
	if (tmp_dir[0])
		th_rmtree(tmp_dir);
	tmp_dir[0] = '\0';
}

TestSuite(line_db, .init = make_tmp, .fini = remove_tmp);

static line_db *open_db(const char *target)
{
	char err[512] = "";
	line_db *db = NULL;

	cr_assert_eq(line_db_open(target, &db, err, sizeof err), 0,
	             "open %s: %s", target, err);
	return db;
}

static void uid_of(unsigned n, char out[25])
{
	snprintf(out, 25, "0033002A%08X5553%04X", n, n & 0xffff);
}

static uint64_t reserve_ok(line_db *db, const line_db_sequence *seq,
                           unsigned board, bool *rework)
{
	char uid[25], err[512] = "";
	uint64_t serial = 0;
	bool rw = false;

	uid_of(board, uid);
	cr_assert_eq(line_db_reserve(db, seq, uid, "st1", "slot1", 0, &serial,
	                             &rw, err, sizeof err), 0,
	             "reserve board %u: %s", board, err);
	if (rework)
		*rework = rw;
	return serial;
}

static void release_ok(line_db *db, const char *seq, uint64_t serial,
                       bool verified, line_serial_policy policy)
{
	char err[512] = "";

	cr_assert_eq(line_db_release(db, seq, serial, verified, policy, err,
	                             sizeof err), 0,
	             "release %" PRIu64 ": %s", serial, err);
}

/* The state of a reservation, read through the kind's own statement. */
typedef struct text_out {
	char *s;
	size_t n;
} text_out;

static int take_first_col(void *user, int ncols, const char *const *v)
{
	text_out *out = user;

	if (ncols >= 1 && v[0])
		snprintf(out->s, out->n, "%s", v[0]);
	return 0;
}

static void res_state(line_db *db, const char *seq, uint64_t serial,
                      char *state, size_t statelen)
{
	char num[24], err[512] = "";
	text_out out = { state, statelen };

	snprintf(state, statelen, "(none)");
	snprintf(num, sizeof num, "%" PRIu64, serial);
	const char *p[] = { seq, num };
	cr_assert_eq(line_db_exec(db, LDB_RES_GET, 2, p, take_first_col, &out,
	                          err, sizeof err), 0, "%s", err);
}

static void expect_state(line_db *db, const char *seq, uint64_t serial,
                         const char *want)
{
	char state[32];

	res_state(db, seq, serial, state, sizeof state);
	cr_assert_str_eq(state, want, "serial %" PRIu64 " is %s, not %s",
	                 serial, state, want);
}

static int take_next_index(void *user, int ncols, const char *const *v)
{
	if (ncols >= 3 && v[2])
		*(uint64_t *)user = strtoull(v[2], NULL, 10);
	return 0;
}

static uint64_t next_index(line_db *db, const char *seq)
{
	uint64_t n = 0;
	char err[512] = "";
	const char *p[] = { seq };

	cr_assert_eq(line_db_exec(db, LDB_SEQ_GET, 1, p, take_next_index, &n,
	                          err, sizeof err), 0, "%s", err);
	return n;
}

/* The report as JSON, parsed. */
static json_object *report_json(line_db *db, const line_report_query *q)
{
	char *buf = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(line_db_report(db, q, LINE_REPORT_JSON, f, err,
	                            sizeof err), 0, "%s", err);
	fclose(f);
	json_object *j = json_tokener_parse(buf);
	cr_assert_not_null(j, "not JSON: %s", buf);
	cr_assert(json_object_is_type(j, json_type_array));
	free(buf);
	return j;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

/* ---- Schema. ---- */

Test(line_db, schema_version_and_migration)
{
	char err[512] = "", uid[25];
	line_db *db = NULL;
	int64_t run = 0;
	uint64_t serial, again;
	bool rework;
	line_db_sequence seq = { "mig", 100, 1, 1000 };

	/* A database as version 1 made it, with rows in it. */
	cr_assert_eq(line_db_open_version(db_path, 1, &db, err, sizeof err), 0,
	             "%s", err);
	cr_assert_eq(line_db_schema_version(db), 1);
	cr_assert_str_eq(line_db_kind(db), "sqlite");
	cr_assert_eq(line_db_run_begin(db, "st1", "job", NULL, "1.0", &run,
	                               err, sizeof err), 0, "%s", err);
	line_attempt a = { .run_id = run, .station = "st1", .slot = "slot1",
	                   .attempt = 1, .outcome = "running" };
	uid_of(1, a.uid);
	cr_assert_eq(line_db_attempt_begin(db, &a, err, sizeof err), 0, "%s",
	             err);
	serial = reserve_ok(db, &seq, 1, NULL);
	line_db_close(db);

	/* Opened by this version: migrated, the rows intact. */
	db = open_db(db_path);
	cr_assert_eq(line_db_schema_version(db), LINE_DB_SCHEMA_VERSION);
	cr_assert_eq(LINE_DB_SCHEMA_VERSION, 2);
	again = reserve_ok(db, &seq, 1, &rework);
	cr_assert_eq(again, serial);
	cr_assert(rework);
	line_report_query q = { .run_id = run };
	json_object *j = report_json(db, &q);
	cr_assert_eq(json_object_array_length(j), 1);
	uid_of(1, uid);
	cr_assert_str_eq(jstr(json_object_array_get_idx(j, 0), "uid"), uid);
	json_object_put(j);
	/* Version 2's phases table is there now. */
	line_phase_time ph[] = { { "Erasing", 1500 }, { "Writing", 2500 } };
	a.phases = ph;
	a.nphases = 2;
	a.outcome = "verified";
	a.ended_us = a.started_us + 4000;
	cr_assert_eq(line_db_attempt_end(db, &a, err, sizeof err), 0, "%s",
	             err);
	line_db_close(db);

	/* A database from a newer stmprog-line is refused, not changed. */
	sqlite3 *raw;
	cr_assert_eq(sqlite3_open(db_path, &raw), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(raw, "UPDATE schema_version SET version = 3",
	                          NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	cr_assert_eq(line_db_open(db_path, &db, err, sizeof err), -1);
	cr_assert_null(db);
	cr_assert_not_null(strstr(err, "newer"), "%s", err);
	cr_assert_not_null(strstr(err, db_path), "%s", err);
}

/* ---- Reservations. ---- */

Test(line_db, reserve_release_paths)
{
	line_db *db = open_db(db_path);
	line_db_sequence seq = { "paths", 1000, 10, 1000000 };

	/* verified -> used */
	uint64_t a = reserve_ok(db, &seq, 1, NULL);
	cr_assert_eq(a, 1000);
	expect_state(db, "paths", a, "reserved");
	release_ok(db, "paths", a, true, LINE_SERIAL_RETURN);
	expect_state(db, "paths", a, "used");
	/* failed, policy return -> the next board gets it */
	uint64_t b = reserve_ok(db, &seq, 2, NULL);
	cr_assert_eq(b, 1010);
	release_ok(db, "paths", b, false, LINE_SERIAL_RETURN);
	expect_state(db, "paths", b, "returned");
	uint64_t c = reserve_ok(db, &seq, 3, NULL);
	cr_assert_eq(c, b, "a returned serial is handed out before new ones");
	release_ok(db, "paths", c, true, LINE_SERIAL_RETURN);
	/* failed, policy void -> never again */
	uint64_t d = reserve_ok(db, &seq, 4, NULL);
	cr_assert_eq(d, 1020);
	release_ok(db, "paths", d, false, LINE_SERIAL_VOID);
	expect_state(db, "paths", d, "void");
	uint64_t e = reserve_ok(db, &seq, 5, NULL);
	cr_assert_eq(e, 1030);
	release_ok(db, "paths", e, true, LINE_SERIAL_RETURN);
	/* The board whose serial was voided comes back: a new serial. */
	uint64_t f = reserve_ok(db, &seq, 4, NULL);
	cr_assert_eq(f, 1040);
	expect_state(db, "paths", d, "void");
	cr_assert_eq(next_index(db, "paths"), 5);

	/* Releasing a serial never reserved is an error naming it. */
	char err[512] = "";
	cr_assert_eq(line_db_release(db, "paths", 999, true,
	                             LINE_SERIAL_RETURN, err, sizeof err), -1);
	cr_assert_not_null(strstr(err, "999"), "%s", err);
	/* No serial without a UID. */
	uint64_t s;
	cr_assert_eq(line_db_reserve(db, &seq, "", "st1", "slot1", 0, &s, NULL,
	                             err, sizeof err), -1);
	line_db_close(db);
}

Test(line_db, rework_keeps_the_serial)
{
	line_db *db = open_db(db_path);
	line_db_sequence seq = { "rework", 1, 1, 1000 };
	bool rework = true;

	uint64_t a = reserve_ok(db, &seq, 7, &rework);
	cr_assert_not(rework);
	/* Reserved and not released yet (a retry of the same board). */
	uint64_t again = reserve_ok(db, &seq, 7, &rework);
	cr_assert_eq(again, a);
	cr_assert(rework);
	release_ok(db, "rework", a, true, LINE_SERIAL_RETURN);
	/* Another board in between. */
	uint64_t other = reserve_ok(db, &seq, 8, &rework);
	cr_assert_neq(other, a);
	/* Used: the board comes back for rework and fails, the serial stays
	 * its own. */
	again = reserve_ok(db, &seq, 7, &rework);
	cr_assert_eq(again, a);
	cr_assert(rework);
	release_ok(db, "rework", again, false, LINE_SERIAL_RETURN);
	expect_state(db, "rework", a, "used");
	again = reserve_ok(db, &seq, 7, &rework);
	cr_assert_eq(again, a);
	line_db_close(db);
}

Test(line_db, sequence_mismatch_and_used_up)
{
	line_db *db = open_db(db_path);
	line_db_sequence seq = { "shared", 1, 1, 1000 };
	char err[512] = "", uid[25];
	uint64_t s;

	reserve_ok(db, &seq, 1, NULL);
	line_db_sequence other = { "shared", 1, 2, 1000 };
	uid_of(2, uid);
	cr_assert_eq(line_db_reserve(db, &other, uid, "st1", "slot1", 0, &s,
	                             NULL, err, sizeof err), -1);
	cr_assert_not_null(strstr(err, "step 1"), "%s", err);
	cr_assert_not_null(strstr(err, "step 2"), "%s", err);
	cr_assert_not_null(strstr(err, "shared"), "%s", err);

	/* 8 and 9 fit; the third board finds the sequence used up. */
	line_db_sequence small = { "small", 8, 1, 9 };
	uint64_t first = reserve_ok(db, &small, 10, NULL);
	uint64_t second = reserve_ok(db, &small, 11, NULL);
	cr_assert_eq(first, 8);
	cr_assert_eq(second, 9);
	uid_of(12, uid);
	cr_assert_eq(line_db_reserve(db, &small, uid, "st1", "slot1", 0, &s,
	                             NULL, err, sizeof err), -1);
	cr_assert_not_null(strstr(err, "used up"), "%s", err);
	/* A returned one is still there to hand out. */
	release_ok(db, "small", second, false, LINE_SERIAL_RETURN);
	cr_assert_eq(reserve_ok(db, &small, 12, NULL), 9);
	line_db_close(db);
}

/* ---- Crash recovery, on either kind. ---- */

typedef struct unknown_list {
	const char *sequence;
	line_db_reservation r[8];
	int n;
} unknown_list;

static void on_unknown(void *user, const line_db_reservation *r)
{
	unknown_list *l = user;

	if (strcmp(r->sequence, l->sequence) == 0 && l->n < 8)
		l->r[l->n++] = *r;
}

static void check_recovery(const char *target, const char *seqname)
{
	line_db_sequence seq = { seqname, 500, 1, 100000 };
	int fds[2];
	uint64_t crashed[3];

	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* A stmprog-line that dies mid-batch: three boards hold serials,
		 * their attempts are running. */
		char err[512];
		line_db *db = NULL;
		int64_t run;
		if (line_db_open(target, &db, err, sizeof err) ||
		    line_db_run_begin(db, "st-crash", "job", NULL, "1.0", &run,
		                      err, sizeof err))
			_exit(2);
		for (unsigned b = 0; b < 3; b++) {
			line_attempt a = { .run_id = run, .station = "st-crash",
			                   .slot = "s", .attempt = 1 };
			uid_of(100 + b, a.uid);
			uint64_t serial;
			if (line_db_attempt_begin(db, &a, err, sizeof err) ||
			    line_db_reserve(db, &seq, a.uid, "st-crash", "s", a.id,
			                    &serial, NULL, err, sizeof err))
				_exit(3);
			if (write(fds[1], &serial, sizeof serial) != sizeof serial)
				_exit(4);
		}
		kill(getpid(), SIGKILL);
		_exit(5);
	}
	close(fds[1]);
	for (int b = 0; b < 3; b++)
		cr_assert_eq(read(fds[0], &crashed[b], sizeof crashed[b]),
		             (ssize_t)sizeof crashed[b], "the child failed");
	close(fds[0]);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* The next start of that station. */
	line_db *db = open_db(target);
	char err[512] = "";
	unknown_list l = { .sequence = seqname };
	int n = line_db_recover(db, "st-crash", on_unknown, &l, err, sizeof err);
	cr_assert_geq(n, 3, "%s", err);
	cr_assert_eq(l.n, 3);
	for (int b = 0; b < 3; b++) {
		char uid[25];
		uid_of(100 + b, uid);
		cr_assert_eq(l.r[b].serial, crashed[b]);
		cr_assert_str_eq(l.r[b].uid, uid);
		cr_assert_str_eq(l.r[b].state, "unknown");
		cr_assert_str_eq(l.r[b].station, "st-crash");
		cr_assert_gt(l.r[b].attempt_id, 0);
	}
	/* Their attempts are interrupted now. */
	line_report_query q = { .station = "st-crash" };
	json_object *j = report_json(db, &q);
	cr_assert_geq(json_object_array_length(j), 3);
	for (size_t i = 0; i < json_object_array_length(j); i++)
		cr_assert_str_eq(jstr(json_object_array_get_idx(j, i), "outcome"),
		                 "interrupted");
	json_object_put(j);

	/* Another board never gets an unknown serial. */
	uint64_t fresh = reserve_ok(db, &seq, 200, NULL);
	for (int b = 0; b < 3; b++)
		cr_assert_neq(fresh, crashed[b]);
	/* The same board coming back gets its own. */
	bool rework = false;
	cr_assert_eq(reserve_ok(db, &seq, 100, &rework), crashed[0]);
	cr_assert(rework);
	release_ok(db, seqname, crashed[0], true, LINE_SERIAL_RETURN);
	expect_state(db, seqname, crashed[0], "used");
	/* The operator says: the second board has its serial; the third
	 * one's is void. */
	cr_assert_eq(line_db_resolve(db, seqname, crashed[1], "used", err,
	                             sizeof err), 0, "%s", err);
	expect_state(db, seqname, crashed[1], "used");
	cr_assert_eq(reserve_ok(db, &seq, 101, &rework), crashed[1]);
	cr_assert(rework);
	cr_assert_eq(line_db_resolve(db, seqname, crashed[2], "void", err,
	                             sizeof err), 0, "%s", err);
	uint64_t later = reserve_ok(db, &seq, 201, NULL);
	cr_assert_neq(later, crashed[2]);
	cr_assert_eq(line_db_resolve(db, seqname, crashed[2], "lost", err,
	                             sizeof err), -1);
	/* Nothing of this sequence is unknown any more. */
	unknown_list none = { .sequence = seqname };
	cr_assert_geq(line_db_recover(db, "st-crash", on_unknown, &none, err,
	                              sizeof err), 0, "%s", err);
	cr_assert_eq(none.n, 0);
	line_db_close(db);
}

Test(line_db, crash_recovery_sqlite)
{
	check_recovery(db_path, "crash");
}

/* ---- Several processes and threads on one sequence. ---- */

#define CONC_PROCS 2
#define CONC_THREADS 3
#define CONC_BOARDS 12

typedef struct board_result {
	unsigned board;
	uint64_t serial;
	int outcome;            /* 0 verified, 1 returned, 2 void */
} board_result;

typedef struct conc_thread {
	line_db *db;
	const line_db_sequence *seq;
	unsigned first_board;
	board_result results[CONC_BOARDS];
	int failed;
	char err[512];
} conc_thread;

static void *conc_worker(void *arg)
{
	conc_thread *t = arg;

	for (unsigned i = 0; i < CONC_BOARDS; i++) {
		board_result *r = &t->results[i];
		char uid[25];
		r->board = t->first_board + i;
		uid_of(r->board, uid);
		if (line_db_reserve(t->db, t->seq, uid, "st-conc", "slot", 0,
		                    &r->serial, NULL, t->err, sizeof t->err)) {
			t->failed = 1;
			return NULL;
		}
		r->outcome = i % 5 == 2 ? 1 : i % 7 == 3 ? 2 : 0;
		if (line_db_release(t->db, t->seq->name, r->serial,
		                    r->outcome == 0,
		                    r->outcome == 2 ? LINE_SERIAL_VOID
		                                    : LINE_SERIAL_RETURN,
		                    t->err, sizeof t->err)) {
			t->failed = 1;
			return NULL;
		}
	}
	return NULL;
}

/* One process: CONC_THREADS threads on one line_db; results to fd. */
static void conc_process(const char *target, const line_db_sequence *seq,
                         unsigned proc, int fd)
{
	char err[512];
	line_db *db = NULL;
	conc_thread t[CONC_THREADS];
	pthread_t th[CONC_THREADS];

	if (line_db_open(target, &db, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		_exit(2);
	}
	for (unsigned i = 0; i < CONC_THREADS; i++) {
		memset(&t[i], 0, sizeof t[i]);
		t[i].db = db;
		t[i].seq = seq;
		t[i].first_board = 1000 * (proc + 1) + 100 * i;
		pthread_create(&th[i], NULL, conc_worker, &t[i]);
	}
	int rc = 0;
	for (unsigned i = 0; i < CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		if (t[i].failed) {
			fprintf(stderr, "%s\n", t[i].err);
			rc = 3;
		}
		if (write(fd, t[i].results, sizeof t[i].results) !=
		    (ssize_t)sizeof t[i].results)
			rc = 4;
	}
	line_db_close(db);
	_exit(rc);
}

Test(line_db, processes_and_threads_share_a_sequence)
{
	line_db_sequence seq = { "conc", 1, 1, 1000000 };
	enum { N = CONC_PROCS * CONC_THREADS * CONC_BOARDS };
	static board_result all[N];
	int fds[CONC_PROCS][2];
	pid_t pids[CONC_PROCS];

	/* No file yet: the processes also race to create the schema. */
	for (unsigned p = 0; p < CONC_PROCS; p++) {
		cr_assert_eq(pipe(fds[p]), 0);
		pids[p] = fork();
		cr_assert_geq(pids[p], 0);
		if (pids[p] == 0) {
			close(fds[p][0]);
			conc_process(db_path, &seq, p, fds[p][1]);
		}
		close(fds[p][1]);
	}
	size_t got = 0;
	for (unsigned p = 0; p < CONC_PROCS; p++) {
		size_t want = sizeof all / CONC_PROCS, have = 0;
		char *dst = (char *)all + p * want;
		ssize_t k;
		while (have < want && (k = read(fds[p][0], dst + have,
		                                 want - have)) > 0)
			have += (size_t)k;
		close(fds[p][0]);
		int status;
		cr_assert_eq(waitpid(pids[p], &status, 0), pids[p]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		          "process %u failed (see stderr)", p);
		got += have;
	}
	cr_assert_eq(got, sizeof all);

	/* No serial on two boards that kept it; a void serial went to one
	 * board only. */
	for (size_t i = 0; i < N; i++)
		for (size_t k = i + 1; k < N; k++) {
			if (all[i].serial != all[k].serial)
				continue;
			cr_assert(all[i].outcome == 1 || all[k].outcome == 1,
			          "serial %" PRIu64 " kept by boards %u and %u",
			          all[i].serial, all[i].board, all[k].board);
		}
	/* No gaps: every serial below the next index is in the log, used,
	 * returned or void, never left reserved. */
	line_db *db = open_db(db_path);
	uint64_t next = next_index(db, "conc");
	unsigned used = 0, verified = 0;
	cr_assert_leq(next, N);
	for (uint64_t i = 0; i < next; i++) {
		char state[32];
		res_state(db, "conc", 1 + i, state, sizeof state);
		cr_assert(strcmp(state, "used") == 0 ||
		          strcmp(state, "returned") == 0 ||
		          strcmp(state, "void") == 0,
		          "serial %" PRIu64 " is %s", 1 + i, state);
		used += strcmp(state, "used") == 0;
	}
	for (size_t i = 0; i < N; i++) {
		verified += all[i].outcome == 0;
		/* A void serial stays void: nobody had it after. */
		if (all[i].outcome == 2)
			expect_state(db, "conc", all[i].serial, "void");
	}
	cr_assert_eq(used, verified);
	line_db_close(db);
}

/* ---- Reports. ---- */

static void fill_report_db(line_db *db, int64_t *run_out)
{
	char err[512] = "";
	int64_t run = 0;
	line_db_sequence seq = { "rep", 123, 1, 999999 };
	const char *causes[] = { NULL, "bad \"word\", and\nmore", NULL };
	const char *outcomes[] = { "verified", "failed", "verified" };
	line_phase_time ph[] = { { "Erasing", 1200 }, { "Writing", 3400 },
	                         { "Verifying", 560 } };

	cr_assert_eq(line_db_run_begin(db, "st-rep", "job, \"one\"",
	                               "ab12", "1.2.3", &run, err, sizeof err),
	             0, "%s", err);
	for (unsigned i = 0; i < 3; i++) {
		line_attempt a = {
			.run_id = run, .station = "st-rep", .slot = "slot1",
			.port = "usb path=1-2", .attempt = 1, .chip_pid = 0x482,
			.chip_name = "STM32U5", .flash_size = 2u << 20,
			.job_name = "job, \"one\"", .content_sha256 = "ab12",
			.tool_version = "1.2.3", .started_us = 1700000000000000LL + i,
		};
		uid_of(300 + i, a.uid);
		cr_assert_eq(line_db_attempt_begin(db, &a, err, sizeof err), 0,
		             "%s", err);
		uint64_t serial;
		cr_assert_eq(line_db_reserve(db, &seq, a.uid, "st-rep", "slot1",
		                             a.id, &serial, NULL, err, sizeof err),
		             0, "%s", err);
		char text[32];
		snprintf(text, sizeof text, "SN%06" PRIu64, serial);
		a.has_serial = true;
		a.serial = serial;
		a.serial_text = text;
		a.phases = ph;
		a.nphases = 3;
		a.outcome = outcomes[i];
		a.cause = causes[i];
		a.ended_us = a.started_us + 5160;
		cr_assert_eq(line_db_attempt_end(db, &a, err, sizeof err), 0,
		             "%s", err);
		release_ok(db, "rep", serial, i != 1,
		           i == 1 ? LINE_SERIAL_VOID : LINE_SERIAL_RETURN);
	}
	cr_assert_eq(line_db_run_end(db, run, err, sizeof err), 0, "%s", err);
	*run_out = run;
}

static char *report_text(line_db *db, const line_report_query *q,
                         line_report_format fmt)
{
	char *buf = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(line_db_report(db, q, fmt, f, err, sizeof err), 0, "%s",
	             err);
	fclose(f);
	return buf;
}

Test(line_db, report_formats)
{
	line_db *db = open_db(db_path);
	int64_t run;
	char uid[25];

	fill_report_db(db, &run);
	line_report_query latest = { .run_id = -1 };

	/* JSON: an array of objects, numbers as numbers, phases in order. */
	json_object *j = report_json(db, &latest);
	cr_assert_eq(json_object_array_length(j), 3);
	json_object *second = json_object_array_get_idx(j, 1);
	cr_assert_str_eq(jstr(second, "outcome"), "failed");
	cr_assert_str_eq(jstr(second, "cause"), "bad \"word\", and\nmore");
	cr_assert_str_eq(jstr(second, "serial_text"), "SN000124");
	cr_assert_str_eq(jstr(second, "job"), "job, \"one\"");
	json_object *v;
	cr_assert(json_object_object_get_ex(second, "chip_pid", &v));
	cr_assert(json_object_is_type(v, json_type_int));
	cr_assert_eq(json_object_get_int(v), 0x482);
	cr_assert(json_object_object_get_ex(second, "phases", &v));
	cr_assert_eq(json_object_array_length(v), 3);
	cr_assert_str_eq(jstr(json_object_array_get_idx(v, 1), "name"),
	                 "Writing");
	cr_assert_str_eq(jstr(json_object_array_get_idx(v, 1), "us"), "3400");
	cr_assert_str_eq(jstr(json_object_array_get_idx(j, 0), "started"),
	                 "2023-11-14T22:13:20.000000Z");
	json_object_put(j);

	/* By serial, as text or as a number; by UID. */
	line_report_query by_text = { .serial = "SN000125" };
	j = report_json(db, &by_text);
	cr_assert_eq(json_object_array_length(j), 1);
	json_object_put(j);
	line_report_query by_number = { .serial = "124" };
	j = report_json(db, &by_number);
	cr_assert_eq(json_object_array_length(j), 1);
	json_object_put(j);
	uid_of(300, uid);
	line_report_query by_uid = { .uid = uid };
	j = report_json(db, &by_uid);
	cr_assert_eq(json_object_array_length(j), 1);
	cr_assert_str_eq(jstr(json_object_array_get_idx(j, 0), "serial_text"),
	                 "SN000123");
	json_object_put(j);
	line_report_query nobody = { .station = "elsewhere" };
	j = report_json(db, &nobody);
	cr_assert_eq(json_object_array_length(j), 0);
	json_object_put(j);

	/* CSV, read back by Python's csv module into JSON. */
	char *csv = report_text(db, &latest, LINE_REPORT_CSV);
	char csv_path[160], cmd[512];
	snprintf(csv_path, sizeof csv_path, "%s/report.csv", tmp_dir);
	FILE *f = fopen(csv_path, "w");
	cr_assert_not_null(f);
	fputs(csv, f);
	fclose(f);
	free(csv);
	snprintf(cmd, sizeof cmd,
	         "python3 -c 'import csv, json, sys; print(json.dumps(list("
	         "csv.reader(open(sys.argv[1], newline=\"\")))))' %s",
	         csv_path);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char *out = NULL;
	size_t outlen = 0;
	FILE *mem = open_memstream(&out, &outlen);
	char chunk[4096];
	size_t k;
	while ((k = fread(chunk, 1, sizeof chunk, p)) > 0)
		fwrite(chunk, 1, k, mem);
	fclose(mem);
	cr_assert_eq(pclose(p), 0, "python3 could not read the CSV "
	             "(is python3 installed?)");
	json_object *rows = json_tokener_parse(out);
	free(out);
	cr_assert_not_null(rows);
	cr_assert_eq(json_object_array_length(rows), 4, "a header and 3 rows");
	json_object *header = json_object_array_get_idx(rows, 0);
	json_object *row1 = json_object_array_get_idx(rows, 2);
	int cause_col = -1, phases_col = -1, job_col = -1;
	for (size_t c = 0; c < json_object_array_length(header); c++) {
		const char *name = json_object_get_string(
			json_object_array_get_idx(header, c));
		if (strcmp(name, "cause") == 0)
			cause_col = (int)c;
		if (strcmp(name, "phases") == 0)
			phases_col = (int)c;
		if (strcmp(name, "job") == 0)
			job_col = (int)c;
	}
	cr_assert_geq(cause_col, 0);
	cr_assert_geq(phases_col, 0);
	cr_assert_geq(job_col, 0);
	cr_assert_str_eq(json_object_get_string(
		json_object_array_get_idx(row1, cause_col)),
		"bad \"word\", and\nmore");
	cr_assert_str_eq(json_object_get_string(
		json_object_array_get_idx(row1, job_col)), "job, \"one\"");
	cr_assert_str_eq(json_object_get_string(
		json_object_array_get_idx(row1, phases_col)),
		"Erasing=1200;Writing=3400;Verifying=560");
	json_object_put(rows);

	/* Text: a header, a line per attempt, device text escaped. */
	char *text = report_text(db, &latest, LINE_REPORT_TEXT);
	cr_assert_not_null(strstr(text, "serial_text"), "%s", text);
	cr_assert_not_null(strstr(text, "SN000123"), "%s", text);
	cr_assert_not_null(strstr(text, "and\\x0Amore"), "%s", text);
	cr_assert_not_null(strstr(text, "3 attempts"), "%s", text);
	free(text);
	line_db_close(db);
}

/* ---- PostgreSQL. ---- */

#ifdef HAVE_LIBPQ
static pg_server server;

static void stop_server(void)
{
	pg_server_stop(&server);
}

/* One station: 25 boards; the shared ones (UIDs 0..9) first at station
 * A, last at station B, after A has done them (the same board reworked
 * at another station).  Some first attempts fail and are retried. */
static void pg_station(const char *target, int station, int go_read,
                       int go_write, int out)
{
	char err[512], name[16];
	line_db *db = NULL;
	line_db_sequence seq = { "pg-line", 1, 1, 1000000 };
	unsigned boards[25];

	snprintf(name, sizeof name, "station-%c", 'A' + station);
	for (unsigned i = 0; i < 25; i++)
		boards[i] = station == 0 ? i : i < 15 ? 25 + i : i - 15;
	if (line_db_open(target, &db, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		_exit(2);
	}
	for (unsigned i = 0; i < 25; i++) {
		if (station == 1 && i == 15) {
			char c;
			if (read(go_read, &c, 1) != 1)
				_exit(3);
		}
		char uid[25];
		uid_of(boards[i], uid);
		uint64_t serial = 0;
		bool rework = false;
		for (unsigned attempt = 1; attempt <= 2; attempt++) {
			if (line_db_reserve(db, &seq, uid, name, "slot", 0, &serial,
			                    attempt == 1 ? &rework : NULL, err,
			                    sizeof err)) {
				fprintf(stderr, "%s\n", err);
				_exit(4);
			}
			bool verified = attempt == 2 || boards[i] % 6 != 5;
			if (line_db_release(db, "pg-line", serial, verified,
			                    LINE_SERIAL_RETURN, err, sizeof err)) {
				fprintf(stderr, "%s\n", err);
				_exit(5);
			}
			if (verified)
				break;
		}
		uint64_t rec[3] = { boards[i], serial, rework };
		if (write(out, rec, sizeof rec) != sizeof rec)
			_exit(6);
		if (station == 0 && i == 9 && write(go_write, "g", 1) != 1)
			_exit(7);
	}
	line_db_close(db);
	_exit(0);
}

Test(line_db, postgresql_two_stations_and_recovery, .fini = stop_server,
     .timeout = 120)
{
	char why[512] = "", target[300];
	int rc = pg_server_start(&server, PG_BINDIR, why, sizeof why);
	const char *require = getenv("STMPROG_REQUIRE_PG");

	if (rc == 1 && !(require && strcmp(require, "1") == 0))
		cr_skip_test("PostgreSQL tests skipped: %s", why);
	cr_assert_eq(rc, 0, "PostgreSQL server: %s", why);
	snprintf(target, sizeof target, "pg:%s", server.conninfo);

	int go[2], out[2][2];
	pid_t pids[2];
	cr_assert_eq(pipe(go), 0);
	for (int s = 0; s < 2; s++) {
		cr_assert_eq(pipe(out[s]), 0);
		pids[s] = fork();
		cr_assert_geq(pids[s], 0);
		if (pids[s] == 0) {
			close(out[s][0]);
			pg_station(target, s, go[0], go[1], out[s][1]);
		}
		close(out[s][1]);
	}
	close(go[0]);
	close(go[1]);
	uint64_t rec[2][25][3];
	for (int s = 0; s < 2; s++) {
		size_t have = 0;
		ssize_t k;
		while (have < sizeof rec[s] &&
		       (k = read(out[s][0], (char *)rec[s] + have,
		                 sizeof rec[s] - have)) > 0)
			have += (size_t)k;
		close(out[s][0]);
		int status;
		cr_assert_eq(waitpid(pids[s], &status, 0), pids[s]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		          "station %d failed (status %d)", s, status);
		cr_assert_eq(have, sizeof rec[s]);
	}
	/* Every board (40 UIDs) has one serial; no serial on two boards. */
	uint64_t serial_of[40] = { 0 };
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < 25; i++) {
			unsigned board = (unsigned)rec[s][i][0];
			uint64_t serial = rec[s][i][1];
			cr_assert_lt(board, 40);
			if (s == 1 && board < 10) {
				cr_assert_eq(serial, serial_of[board],
				             "board %u reworked at station B got %"
				             PRIu64 ", had %" PRIu64, board, serial,
				             serial_of[board]);
				cr_assert(rec[s][i][2], "board %u: not rework", board);
			} else {
				cr_assert_eq(serial_of[board], 0);
				cr_assert_not(rec[s][i][2]);
				serial_of[board] = serial;
			}
		}
	for (int a = 0; a < 40; a++)
		for (int b = a + 1; b < 40; b++)
			cr_assert_neq(serial_of[a], serial_of[b],
			              "boards %d and %d share %" PRIu64, a, b,
			              serial_of[a]);
	/* No gaps: the failed first attempts' serials came back. */
	line_db *db = open_db(target);
	cr_assert_str_eq(line_db_kind(db), "postgresql");
	cr_assert_eq(line_db_schema_version(db), LINE_DB_SCHEMA_VERSION);
	cr_assert_eq(next_index(db, "pg-line"), 40);
	for (uint64_t serial = 1; serial <= 40; serial++)
		expect_state(db, "pg-line", serial, "used");
	line_db_close(db);

	check_recovery(target, "pg-crash");
}
#endif

/* Two stmprog-line processes, two stations, one PostgreSQL log (issue
 * 14): fifty simulated boards between them draw serials from one
 * sequence at the same time; no serial reaches two boards, and boards
 * that come back (the same UIDs) get their serials again.
 *
 * Each station is a stmprog-sim with five UART jigs that each see five
 * boards in turn (continuous mode, the simulated operator taking a board
 * away once the line has gone quiet on it); the two simulators have
 * different seeds, so their boards have different UIDs.  Then station A
 * runs one batch on the first board of each of its jigs again (the same
 * seed gives the same UIDs): rework.  The server is the test's own
 * (tests/pg_server.c), on a Unix socket in a temporary directory. */
#include "config.h"

#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_server.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

#define BOARDS_PER_JIG 5
#define JIGS 5
#define SERIAL_START 100

static pg_server server;

static void stop_server(void)
{
	pg_server_stop(&server);
	th_dir_teardown();
}

TestSuite(line_pg_e2e, .init = th_dir_setup, .fini = stop_server,
          .timeout = 300);

static PGresult *query(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql,
	             PQerrorMessage(c));
	return r;
}

static long one(PGconn *c, const char *sql)
{
	PGresult *r = query(c, sql);
	long v = atol(PQgetvalue(r, 0, 0));

	PQclear(r);
	return v;
}

/* The simulator options of one station's five jigs. */
static void station_sim(char *buf, size_t len, const char *name, int seed,
                        int boards, bool continuous)
{
	snprintf(buf, len,
	         "'%s' --chip 0x413 --devices %d --seed %d --flash %s.bin "
	         "--station s%s.yaml --boards %d --handling-ms 50 "
	         "--remove-after-idle-ms 300 -- sh line.sh s%s.yaml %s %s",
	         th_build_path("contrib/sim/stmprog-sim"), JIGS, seed, name,
	         name, boards, name, name,
	         continuous ? "--continuous --boards 25" : "");
}

Test(line_pg_e2e, two_lines_fifty_boards_one_sequence)
{
	char why[512] = "", cmd[8192], simA[1024], simB[1024], out[1 << 14];
	const char *require = getenv("STMPROG_REQUIRE_PG");
	unsigned char *img;
	PGconn *c;
	PGresult *before, *after;
	FILE *f;
	int rc;

	/* Fifty boards through valgrind take minutes and check no memory
	 * that test_line_e2e's runs do not. */
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	rc = pg_server_start(&server, PG_BINDIR, why, sizeof why);
	if (rc == 1 && !(require && !strcmp(require, "1")))
		cr_skip_test("PostgreSQL tests skipped: %s", why);
	cr_assert_eq(rc, 0, "PostgreSQL server: %s", why);

	img = e2e_make_app(e2e_chip("0x413"), 4096, 3);
	e2e_spit(th_dir_path("fw.bin"), img, 4096);
	free(img);
	f = fopen(th_dir_path("job.yaml"), "w");
	cr_assert(f);
	fprintf(f, "name: two\nimages:\n  - file: fw.bin\n    address: 0x08000000\n"
	        "serial:\n  address: 0x08001800\n  encoding: le32\n  start: %d\n"
	        "  sequence: two\n  on_failure: return\nend: stay\n", SERIAL_START);
	fclose(f);
	/* The simulator writes the station file; this names the station
	 * and points its log at the server, then runs the line. */
	f = fopen(th_dir_path("line.sh"), "w");
	cr_assert(f);
	fprintf(f, "sed -i -e \"s|^station: .*|station: $2|\" "
	        "-e 's|^log: .*|log: \"pg:%s\"|' \"$1\" || exit 9\n"
	        "st=$1; shift 2\n"
	        "exec '%s' run \"$st\" job.yaml --quiet \"$@\"\n",
	        server.conninfo, th_build_path("frontends/line/stmprog-line"));
	fclose(f);

	/* Both stations at once, fifty boards. */
	station_sim(simA, sizeof(simA), "A", 1, BOARDS_PER_JIG, true);
	station_sim(simB, sizeof(simB), "B", 2, BOARDS_PER_JIG, true);
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; cd '%s' && "
	         "{ %s >a.txt 2>&1 & pa=$!; %s >b.txt 2>&1 & pb=$!; "
	         "wait $pa; ra=$?; wait $pb; rb=$?; echo \"$ra $rb\"; "
	         "tail -n 3 a.txt b.txt; }", th_dir_path("."), simA, simB);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert(!strncmp(out, "0 0\n", 4), "%s", out);

	c = PQconnectdb(server.conninfo);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	cr_assert_eq(one(c, "SELECT COUNT(*) FROM attempts WHERE outcome = 'verified'"), 50);
	cr_assert_eq(one(c, "SELECT COUNT(DISTINCT station) FROM attempts"), 2);
	/* Fifty boards, fifty serials, 100..149, each on one board. */
	cr_assert_eq(one(c, "SELECT COUNT(*) FROM reservations WHERE state = 'used'"), 50);
	cr_assert_eq(one(c, "SELECT COUNT(DISTINCT serial) FROM reservations"), 50);
	cr_assert_eq(one(c, "SELECT COUNT(DISTINCT uid) FROM reservations"), 50);
	cr_assert_eq(one(c, "SELECT MIN(serial) FROM reservations"), SERIAL_START);
	cr_assert_eq(one(c, "SELECT MAX(serial) FROM reservations"), SERIAL_START + 49);
	/* Both stations drew from the one sequence. */
	cr_assert_gt(one(c, "SELECT COUNT(*) FROM reservations WHERE station = 'A'"), 0);
	cr_assert_gt(one(c, "SELECT COUNT(*) FROM reservations WHERE station = 'B'"), 0);
	before = query(c, "SELECT uid, serial FROM reservations WHERE station = 'A' "
	               "ORDER BY uid");

	/* Station A again, the first board of each jig: the same UIDs come
	 * back and must get the same serials; nothing new is handed out. */
	station_sim(simA, sizeof(simA), "A", 1, 1, false);
	snprintf(cmd, sizeof(cmd), "unset STMPROG_BACKEND_PATH; cd '%s' && %s 2>&1",
	         th_dir_path("."), simA);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert_eq(one(c, "SELECT COUNT(*) FROM attempts WHERE outcome = 'verified'"),
	             50 + JIGS);
	cr_assert_eq(one(c, "SELECT COUNT(*) FROM reservations"), 50);
	after = query(c, "SELECT uid, serial FROM reservations WHERE station = 'A' "
	              "ORDER BY uid");
	cr_assert_eq(PQntuples(after), PQntuples(before));
	for (int i = 0; i < PQntuples(after); i++) {
		cr_assert_str_eq(PQgetvalue(after, i, 0), PQgetvalue(before, i, 0));
		cr_assert_str_eq(PQgetvalue(after, i, 1), PQgetvalue(before, i, 1));
	}
	/* Every verified attempt wrote its board's one serial; five boards
	 * were programmed twice. */
	cr_assert_eq(one(c, "SELECT COUNT(*) FROM attempts a JOIN reservations r "
	                 "ON r.uid = a.uid WHERE a.outcome = 'verified' AND "
	                 "a.serial <> r.serial"), 0);
	cr_assert_eq(one(c, "SELECT COUNT(*) FROM (SELECT uid FROM attempts WHERE "
	                 "outcome = 'verified' GROUP BY uid HAVING COUNT(*) = 2) t"),
	             JIGS);
	PQclear(before);
	PQclear(after);
	PQfinish(c);
}

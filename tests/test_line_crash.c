/* stmprog-line killed with SIGKILL in the middle of a batch, then run
 * again (issue 14): no serial reaches two boards, none is silently lost,
 * and the reservations whose outcome is unknown are reported.
 *
 * Three simulated F405s on UART, paced at 115200 baud so the batch lasts
 * long enough to be killed while every board holds a reservation.  The
 * simulator's COMMAND is a small shell that runs what the test writes to
 * it, so every stmprog-line runs under the simulator's termios watch as
 * it would on a real port.  After the kill, board 1 is swapped for a new
 * one (another UID) through the simulator's control FIFO; boards 2 and 3
 * stay.  The second run must report the three unknown reservations, give
 * boards 2 and 3 their own serials back (rework), give the new board a
 * new serial, and keep the old board 1's serial out of use until an
 * operator resolves it. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_e2e_util.h"
#include "test_helpers.h"

TestSuite(line_crash, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 400);

#define IMAGE_LEN (28 * 1024)
#define SERIAL_OFF 0x7FF0u
#define SERIAL_START 7000u

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* The simulator and its command shell. */
typedef struct sim_proc {
	pid_t pid;
	FILE *to;     /* the shell's stdin */
	FILE *from;   /* the shell's stdout */
} sim_proc;

static void sim_start(sim_proc *s)
{
	int in[2], out[2];
	char line[64];

	cr_assert(pipe(in) == 0 && pipe(out) == 0);
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		const char *sim = th_build_path("contrib/sim/stmprog-sim");

		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		if (chdir(th_dir_path(".")) != 0)
			_exit(126);
		unsetenv("STMPROG_BACKEND_PATH");
		execl(sim, sim, "--chip", "0x413", "--devices", "3",
		      "--timing", "real", "--baud", "115200",
		      "--flash", "f.bin", "--station", "st.yaml",
		      /* a second board per jig, for the swap below */
		      "--boards", "2",
		      "--control", "ctl", "--",
		      "sh", "-c", "echo ready; while read -r cmd; do eval \"$cmd\"; done",
		      (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->to = fdopen(in[1], "w");
	s->from = fdopen(out[0], "r");
	cr_assert(s->to && s->from);
	cr_assert(fgets(line, sizeof(line), s->from), "the simulator did not start");
	cr_assert(!strncmp(line, "ready", 5), "%s", line);
}

static void sim_do(sim_proc *s, const char *cmd)
{
	fprintf(s->to, "%s\n", cmd);
	fflush(s->to);
}

static int sim_stop(sim_proc *s)
{
	int status = 0;

	fclose(s->to);
	fclose(s->from);
	waitpid(s->pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The contents of a small file the shell writes, waiting up to secs. */
static char *wait_file(const char *name, int secs)
{
	for (int i = 0; i < secs * 20; i++) {
		char buf[256];
		FILE *f = fopen(th_dir_path(name), "r");
		size_t len = 0;

		if (f) {
			len = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[len] = '\0';
		if (len && buf[len - 1] == '\n')
			return strdup(buf);
		sleep_ms(50);
	}
	return NULL;
}

static bool process_alive(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	size_t n;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (!(f = fopen(path, "r")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static sqlite3 *open_log(void)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(th_dir_path("sim-line.db"), &db,
	                    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static uint32_t serial_in(const char *flash)
{
	size_t len;
	unsigned char *b = e2e_slurp(th_dir_path(flash), &len);
	uint32_t v;

	cr_assert(b && len > SERIAL_OFF + 4, "%s", flash);
	v = (uint32_t)b[SERIAL_OFF] | (uint32_t)b[SERIAL_OFF + 1] << 8 |
	    (uint32_t)b[SERIAL_OFF + 2] << 16 | (uint32_t)b[SERIAL_OFF + 3] << 24;
	free(b);
	return v;
}

Test(line_crash, kill_mid_batch_then_restart)
{
	const char *line = th_build_path("frontends/line/stmprog-line");
	unsigned char *img;
	sim_proc s;
	sqlite3 *db = NULL;
	char cmd[2048], old_uid[32] = "", *txt;
	int reserved = 0, ctl;
	long pid;
	FILE *f;

	/* Paced sessions under valgrind add minutes and no memory check that
	 * test_line_e2e's runs do not make. */
	if (getenv("STMPROG_TEST_QUICK"))
		cr_skip_test("STMPROG_TEST_QUICK is set");
	img = e2e_make_app(e2e_chip("0x413"), IMAGE_LEN, 11);
	e2e_spit(th_dir_path("fw.bin"), img, IMAGE_LEN);
	f = fopen(th_dir_path("job.yaml"), "w");
	cr_assert(f);
	fprintf(f, "name: crash\nimages:\n  - file: fw.bin\n    address: 0x08000000\n"
	        "serial:\n  address: 0x%08X\n  encoding: le32\n  start: %u\n"
	        "  sequence: crash\n  on_failure: return\nend: stay\n",
	        0x08000000u + SERIAL_OFF, SERIAL_START);
	fclose(f);
	sim_start(&s);

	/* Run 1, killed once every board holds a reservation and is being
	 * written (28 KiB at 115200 baud take seconds). */
	snprintf(cmd, sizeof(cmd), "'%s' run st.yaml job.yaml --quiet >run1.txt 2>&1 & "
	         "echo $! >pid1", line);
	sim_do(&s, cmd);
	txt = wait_file("pid1", 30);
	cr_assert(txt, "run 1 did not start");
	pid = strtol(txt, NULL, 10);
	free(txt);
	for (int i = 0; i < 1200 && reserved < 3; i++) {
		sleep_ms(50);
		if (!db)
			db = open_log();
		if (db)
			reserved = count(db, "SELECT COUNT(*) FROM reservations "
			                 "WHERE state = 'reserved'");
	}
	cr_assert_eq(reserved, 3, "the three boards never held reservations");
	sleep_ms(300);
	cr_assert_eq(kill((pid_t)pid, SIGKILL), 0, "run 1 ended too early: %s",
	             strerror(errno));
	/* Gone, or a zombie its shell has not reaped yet. */
	for (int i = 0; i < 500 && process_alive((pid_t)pid); i++)
		sleep_ms(20);
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM reservations WHERE state = "
	                   "'used'"), 0, "a board verified before the kill: "
	             "the kill came too late to test anything");
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM attempts WHERE outcome = "
	                   "'running'"), 3);
	{
		sqlite3_stmt *st;
		cr_assert(sqlite3_prepare_v2(db, "SELECT uid FROM reservations "
		                             "WHERE slot = '1'", -1, &st, NULL) ==
		          SQLITE_OK);
		cr_assert(sqlite3_step(st) == SQLITE_ROW);
		snprintf(old_uid, sizeof(old_uid), "%s",
		         (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);

	/* Board 1 leaves the jig, a new board takes its place. */
	ctl = open(th_dir_path("ctl"), O_WRONLY);
	cr_assert(ctl >= 0);
	cr_assert(write(ctl, "remove 1\ninsert 1\n", 18) == 18);
	close(ctl);
	sleep_ms(500);

	/* Run 2: reports the unknowns, programs all three. */
	snprintf(cmd, sizeof(cmd), "'%s' run st.yaml job.yaml >run2.txt 2>&1; "
	         "echo $? >rc2", line);
	sim_do(&s, cmd);
	txt = wait_file("rc2", 300);
	cr_assert(txt, "run 2 did not end");
	cr_assert_eq(atoi(txt), 0, "run 2 failed (see run2.txt)");
	free(txt);
	snprintf(cmd, sizeof(cmd), "'%s' reservations st.yaml >res.txt 2>&1; "
	         "echo $? >rc3", line);
	sim_do(&s, cmd);
	txt = wait_file("rc3", 60);
	cr_assert(txt && atoi(txt) == 0);
	free(txt);
	cr_assert_eq(sim_stop(&s), 0);

	/* The three unknowns were reported, naming the old board 1. */
	cr_assert_eq(e2e_count_lines(th_dir_path("run2.txt"),
	                             "unknown reservation"), 3);
	cr_assert(e2e_file_has(th_dir_path("run2.txt"), old_uid));

	db = open_log();
	cr_assert(db);
	/* No serial on two boards, none lost: exactly 7000..7003, three used
	 * by three UIDs, the old board 1's unknown. */
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM reservations"), 4);
	cr_assert_eq(count(db, "SELECT COUNT(DISTINCT serial) FROM reservations"), 4);
	cr_assert_eq(count(db, "SELECT MIN(serial) FROM reservations"), SERIAL_START);
	cr_assert_eq(count(db, "SELECT MAX(serial) FROM reservations"), SERIAL_START + 3);
	cr_assert_eq(count(db, "SELECT COUNT(DISTINCT uid) FROM reservations"), 4);
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM reservations WHERE state = 'used'"), 3);
	snprintf(cmd, sizeof(cmd), "SELECT COUNT(*) FROM reservations WHERE "
	         "state = 'unknown' AND uid = '%s'", old_uid);
	cr_assert_eq(count(db, cmd), 1);
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM attempts WHERE outcome = "
	                   "'interrupted'"), 3);
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM attempts WHERE outcome = "
	                   "'verified'"), 3);
	/* Boards 2 and 3 kept the serials of run 1 (rework). */
	cr_assert_eq(count(db, "SELECT COUNT(*) FROM reservations r WHERE state = "
	                   "'used' AND serial < 7003"), 2);
	{
		/* Each flash holds its board's serial, all different. */
		uint32_t a = serial_in("f.bin.b2"), b = serial_in("f.bin.2"),
		         c = serial_in("f.bin.3");
		cr_assert_eq(a, SERIAL_START + 3);
		cr_assert(b != c && b >= SERIAL_START && b < SERIAL_START + 3 &&
		          c >= SERIAL_START && c < SERIAL_START + 3);
		snprintf(cmd, sizeof(cmd), "SELECT COUNT(*) FROM reservations WHERE "
		         "state = 'used' AND serial IN (%u, %u, %u)", a, b, c);
		cr_assert_eq(count(db, cmd), 3);
	}
	sqlite3_close(db);

	/* The listing names it; resolving it as void empties the list. */
	cr_assert(e2e_file_has(th_dir_path("res.txt"), old_uid));
	{
		char out[4096];
		sqlite3 *d = open_log();
		sqlite3_stmt *st;
		int unknown_serial;

		cr_assert(d);
		cr_assert(sqlite3_prepare_v2(d, "SELECT serial FROM reservations "
		                             "WHERE state = 'unknown'", -1, &st,
		                             NULL) == SQLITE_OK);
		cr_assert(sqlite3_step(st) == SQLITE_ROW);
		unknown_serial = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(d);
		snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' resolve st.yaml crash %d "
		         "void 2>&1 && '%s' reservations st.yaml 2>&1",
		         th_dir_path("."), line, unknown_serial, line);
		cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
		cr_assert(strstr(out, "no reservation"), "%s", out);
	}
	free(img);
}

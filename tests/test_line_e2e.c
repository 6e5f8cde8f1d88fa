/* stmprog-line end to end, against stmprog-sim's boards.
 *
 * batch: eight boards on three transports (three USB: two STM32U575s
 *   whose UIDs give the same ROM DFU serial string, told apart by path=,
 *   and an F405; three UART: G0 with ECC double-words, L4, F4; two slcan:
 *   F4 on AN3154, G4 on AN5405 with a disconnect fault).  Seven verify,
 *   each with its own serial at the rule's address of its flash file; the
 *   log's rows (read with SQLite's C API) are complete; the faulty board's
 *   attempts are logged with their cause and its serial is returned.
 * continuous: boards inserted and removed by the simulator; each slot
 *   programs its own in turn, every board a serial of its own, --boards N
 *   ends the run.
 * config: errors end with status 2 naming file, line and key, and the
 *   device is never spoken to.
 * SIGINT: every slot cancelled, the boards to run again named. */
#include "config.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[1 << 18];

TestSuite(line_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 300);

#define IMAGE_LEN 4096
#define SERIAL_ADDR 0x08001800u
#define SERIAL_OFF 0x1800u
#define SERIAL_START 5000u

/* Two U575 UIDs of one wafer and lot that differ in the die's place: the
 * ROM's DFU serial string leaves those bits out, so both show the same
 * (tests/test_usb_paths.c). */
#define UID_WAFER_11 "323135333334510B002D0030"
#define UID_WAFER_12 "323135333334510C002D0030"

static unsigned char *image;

/* The job: one image at the flash base, a le32 serial, failures return
 * their serial. */
static void write_job(void)
{
	FILE *f;

	/* Called again by a test that writes several jobs. */
	free(image);
	image = e2e_make_app(e2e_chip("0x460"), IMAGE_LEN, 7);
	e2e_spit(th_dir_path("fw.bin"), image, IMAGE_LEN);
	f = fopen(th_dir_path("job.yaml"), "w");
	cr_assert(f);
	fprintf(f,
	        "name: line-e2e\n"
	        "images:\n"
	        "  - file: fw.bin\n"
	        "    address: 0x08000000\n"
	        "serial:\n"
	        "  address: 0x%08X\n"
	        "  encoding: le32\n"
	        "  start: %u\n"
	        "  step: 1\n"
	        "  sequence: e2e\n"
	        "  on_failure: return\n"
	        "end: stay\n", SERIAL_ADDR, SERIAL_START);
	fclose(f);
}

/* stmprog-sim with simopts and --station, running stmprog-line run on
 * the station it wrote. */
static int run_line(const char *simopts, const char *args)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; cd '%s' && '%s' --timing none "
	         "--trace '%s' --station '%s' %s -- '%s' run '%s' '%s' %s",
	         th_dir, th_build_path("contrib/sim/stmprog-sim"),
	         th_dir_path("trace.txt"), th_dir_path("station.yaml"), simopts,
	         th_build_path("frontends/line/stmprog-line"),
	         th_dir_path("station.yaml"), th_dir_path("job.yaml"), args);
	return th_run(cmd, out, sizeof(out));
}

static uint32_t le32_at(const unsigned char *p)
{
	return p[0] | p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The serial a flash file holds, after checking it holds the image. */
static uint32_t flash_serial(const char *name)
{
	size_t len;
	unsigned char *f = e2e_slurp(th_dir_path(name), &len);
	uint32_t serial;

	cr_assert_geq(len, SERIAL_OFF + 16, "%s", name);
	cr_assert(memcmp(f, image, IMAGE_LEN) == 0, "%s: not the image", name);
	serial = le32_at(f + SERIAL_OFF);
	/* The rest of the serial's program unit (16 bytes on U5, 8 on
	 * G0/L4/G4) is padding: erased. */
	cr_assert(e2e_all_equal(f + SERIAL_OFF + 4, 4, 0xFF), "%s", name);
	free(f);
	return serial;
}

static sqlite3 *open_log(void)
{
	sqlite3 *db = NULL;

	cr_assert_eq(sqlite3_open_v2(th_dir_path("sim-line.db"), &db,
	                             SQLITE_OPEN_READONLY, NULL), SQLITE_OK,
	             "the log: %s", db ? sqlite3_errmsg(db) : "?");
	return db;
}

static int64_t count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK,
	             "%s: %s", sql, sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static bool hex_digits(const unsigned char *s, size_t n)
{
	if (!s || strlen((const char *)s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

#define BATCH_SIM \
	"--device usb --chip 0x482 --uid " UID_WAFER_11 " --flash f1.bin " \
	"--device usb --chip 0x482 --uid " UID_WAFER_12 " --flash f2.bin " \
	"--device usb --chip 0x413 --flash f3.bin " \
	"--device uart --chip 0x460 --flash f4.bin " \
	"--device uart --chip 0x435 --flash f5.bin " \
	"--device uart --chip 0x413 --flash f6.bin " \
	"--device slcan --chip 0x413 --flash f7.bin " \
	"--device slcan --chip 0x468 --flash f8.bin --faults disconnect=60"

Test(line_e2e, batch_eight_mixed_boards)
{
	static const char *const files[7] = {"f1.bin", "f2.bin", "f3.bin",
	                                     "f4.bin", "f5.bin", "f6.bin",
	                                     "f7.bin"};
	uint32_t serial[8];
	bool seen[8] = {false};
	sqlite3 *db;
	sqlite3_stmt *st;
	int status;
	unsigned verified = 0;

	th_need("umockdev-run", "umockdev");
	write_job();
	status = run_line(BATCH_SIM, "");
	cr_assert_eq(status, 1, "one board fails, so 1; got %d:\n%s", status, out);
	cr_assert(strstr(out, "summary: 7 verified, 1 failed, 0 cancelled"),
	          "%s", out);

	/* Seven flash files: the image and serials of the sequence, each
	 * once. */
	for (unsigned i = 0; i < 7; i++) {
		serial[i] = flash_serial(files[i]);
		cr_assert(serial[i] >= SERIAL_START && serial[i] < SERIAL_START + 8,
		          "%s: serial %u", files[i], serial[i]);
		cr_assert_not(seen[serial[i] - SERIAL_START], "serial %u twice",
		              serial[i]);
		seen[serial[i] - SERIAL_START] = true;
	}

	db = open_log();
	/* Every verified row is complete and names what its flash holds. */
	cr_assert_eq(sqlite3_prepare_v2(db,
	        "SELECT slot, attempt, chip_pid, chip_name, flash_size, uid,"
	        " serial, serial_text, job, content_sha256, tool_version,"
	        " started_us, ended_us, port, id,"
	        " (SELECT count(*) FROM phases p WHERE p.attempt_id = a.id)"
	        " FROM attempts a WHERE outcome = 'verified' ORDER BY slot",
	        -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *slot = (const char *)sqlite3_column_text(st, 0);
		unsigned s = (unsigned)atoi(slot);

		cr_assert(s >= 1 && s <= 7, "slot %s verified", slot);
		cr_assert_eq(sqlite3_column_int(st, 1), 1, "slot %s", slot);
		cr_assert_neq(sqlite3_column_int(st, 2), 0, "slot %s: pid", slot);
		cr_assert(sqlite3_column_text(st, 3), "slot %s: chip", slot);
		cr_assert_gt(sqlite3_column_int64(st, 4), 0, "slot %s", slot);
		cr_assert(hex_digits(sqlite3_column_text(st, 5), 24), "slot %s: uid",
		          slot);
		cr_assert_eq((uint32_t)sqlite3_column_int64(st, 6), serial[s - 1],
		             "slot %s: the log's serial is the flash's", slot);
		cr_assert(sqlite3_column_text(st, 7), "slot %s", slot);
		cr_assert_str_eq((const char *)sqlite3_column_text(st, 8),
		                 "line-e2e");
		cr_assert(hex_digits(sqlite3_column_text(st, 9), 64), "slot %s", slot);
		cr_assert(sqlite3_column_text(st, 10), "slot %s", slot);
		cr_assert_gt(sqlite3_column_int64(st, 11), 0);
		cr_assert_geq(sqlite3_column_int64(st, 12),
		              sqlite3_column_int64(st, 11));
		cr_assert(sqlite3_column_text(st, 13), "slot %s: port", slot);
		/* Erase, write and verify each took their time. */
		cr_assert_geq(sqlite3_column_int(st, 15), 2, "slot %s: phases", slot);
		verified++;
	}
	sqlite3_finalize(st);
	cr_assert_eq(verified, 7);
	/* The two U575s with one DFU serial string are two boards. */
	cr_assert_eq(count(db, "SELECT count(DISTINCT uid) FROM attempts"
	                       " WHERE outcome = 'verified'"), 7);
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts WHERE slot IN"
	                       " ('1','2') AND uid IN ('" UID_WAFER_11 "','"
	                       UID_WAFER_12 "') AND outcome = 'verified'"), 2);

	/* The faulty board: every attempt (the first and its retry) logged
	 * failed with a cause; nothing left running. */
	cr_assert_geq(count(db, "SELECT count(*) FROM attempts WHERE slot = '8'"
	                        " AND outcome = 'failed' AND length(cause) > 0"),
	              1, "%s", out);
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts WHERE slot = '8'"
	                       " AND outcome <> 'failed'"), 0);
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts WHERE outcome"
	                       " = 'running'"), 0);
	/* Its serial went back by policy: the one no flash holds. */
	for (unsigned k = 0; k < 8; k++)
		if (!seen[k]) {
			char sql[256];

			snprintf(sql, sizeof(sql),
			         "SELECT count(*) FROM reservations WHERE serial = %u"
			         " AND state = 'returned' AND slot = '8'",
			         SERIAL_START + k);
			cr_assert_eq(count(db, sql), 1, "serial %u: %s",
			             SERIAL_START + k, out);
		}
	cr_assert_eq(count(db, "SELECT count(*) FROM reservations"
	                       " WHERE state = 'used'"), 7);
	sqlite3_close(db);
}

Test(line_e2e, continuous_boards_come_and_go)
{
	static const char *const files[5] = {"c1.bin", "c1.bin.b2",
	                                     "c1.bin.b3", "c2.bin", "c2.bin.b2"};
	bool seen[5] = {false};
	sqlite3 *db;
	int status;

	th_need("umockdev-run", "umockdev");
	write_job();
	status = run_line(
	        "--device uart --chip 0x460 --flash c1.bin --boards 3 "
	        "--remove-after-idle-ms 150 --handling-ms 100 "
	        "--device usb --chip 0x482 --flash c2.bin --boards 2 "
	        "--remove-after-idle-ms 150 --handling-ms 100",
	        "--continuous --boards 5");
	cr_assert_eq(status, 0, "status %d:\n%s", status, out);
	cr_assert(strstr(out, "summary: 5 verified, 0 failed"), "%s", out);
	for (unsigned i = 0; i < 5; i++) {
		uint32_t s = flash_serial(files[i]);

		cr_assert(s >= SERIAL_START && s < SERIAL_START + 5, "%s: %u",
		          files[i], s);
		cr_assert_not(seen[s - SERIAL_START], "serial %u twice", s);
		seen[s - SERIAL_START] = true;
	}
	db = open_log();
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts WHERE slot = '1'"
	                       " AND outcome = 'verified'"), 3);
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts WHERE slot = '2'"
	                       " AND outcome = 'verified'"), 2);
	cr_assert_eq(count(db, "SELECT count(DISTINCT uid) FROM attempts"), 5);
	cr_assert_eq(count(db, "SELECT count(DISTINCT serial) FROM reservations"
	                       " WHERE state = 'used'"), 5);
	sqlite3_close(db);
}

/* A station file written by hand around the simulator's one UART board;
 * its trace must show the board was never spoken to. */
static int run_config(const char *station_body, const char *job_extra,
                      const char *command, const char *job_text)
{
	char cmd[8192];
	FILE *f = fopen(th_dir_path("run.sh"), "w");

	cr_assert(f);
	fprintf(f,
	        "cat > station.yaml <<EOS\n"
	        "station: cfg\n"
	        "log: cfg.db\n"
	        "%s"
	        "slots:\n"
	        "  - name: one\n"
	        "    port: \"$STMPROG_SIM_PORT\"\n"
	        "    chip: \"0x460\"\n"
	        "EOS\n"
	        "exec '%s' %s station.yaml job.yaml\n",
	        station_body, th_build_path("frontends/line/stmprog-line"),
	        command);
	fclose(f);
	write_job();
	if (job_extra || job_text) {
		f = fopen(th_dir_path("job.yaml"), job_text ? "w" : "a");
		cr_assert(f);
		fputs(job_text ? job_text : job_extra, f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; cd '%s' && '%s' --chip 0x460 "
	         "--flash flash.bin --trace trace.txt -- sh run.sh",
	         th_dir, th_build_path("contrib/sim/stmprog-sim"));
	return th_run(cmd, out, sizeof(out));
}

Test(line_e2e, config_errors_name_the_place_and_touch_nothing)
{
	int status;

	/* A value of the wrong kind: file, line and key. */
	status = run_config("retries: many\n", NULL, "run", NULL);
	cr_assert_eq(status, 2, "%d: %s", status, out);
	cr_assert(strstr(out, "station.yaml:3:"), "%s", out);
	cr_assert(strstr(out, "retries"), "%s", out);
	cr_assert_eq(e2e_count_lines(th_dir_path("trace.txt"), "SYNC"), 0);

	/* A job key the job file does not have. */
	status = run_config("", "colour: blue\n", "run", NULL);
	cr_assert_eq(status, 2, "%d: %s", status, out);
	cr_assert(strstr(out, "job.yaml:13:"), "%s", out);
	cr_assert(strstr(out, "colour"), "%s", out);
	cr_assert_eq(e2e_count_lines(th_dir_path("trace.txt"), "SYNC"), 0);

	status = run_config("", NULL, "check", NULL);
	cr_assert_eq(status, 0, "%d: %s", status, out);
	cr_assert(strstr(out, "ready"), "%s", out);
	cr_assert_eq(e2e_count_lines(th_dir_path("trace.txt"), "SYNC"), 0,
	             "check touches no device");
}

Test(line_e2e, job_that_does_not_fit_the_slot_chip)
{
	int status;

	/* 128 KiB of G0 flash end at 0x08020000. */
	status = run_config("", NULL, "run",
	                    "name: too-far\n"
	                    "images:\n"
	                    "  - file: fw.bin\n"
	                    "    address: 0x08100000\n"
	                    "end: stay\n");
	cr_assert_eq(status, 2, "%d: %s", status, out);
	cr_assert(strstr(out, "slot one"), "%s", out);
	cr_assert(strstr(out, "job.yaml"), "%s", out);
	cr_assert_eq(e2e_count_lines(th_dir_path("trace.txt"), "SYNC"), 0);
}

/* SIGINT while both boards are being programmed (real timing, so that
 * lasts): every slot stops at a block boundary, the attempts end
 * "cancelled", their serials go back by policy, the summary names the
 * boards to run again, and the status is 130. */
Test(line_e2e, sigint_cancels_every_slot)
{
	char cmd[8192];
	FILE *f;
	sqlite3 *db;
	int status;
	unsigned char *big = e2e_make_app(e2e_chip("0x460"), 48 * 1024, 3);

	write_job();
	/* A larger image for this test: the serial moves past it. */
	e2e_spit(th_dir_path("fw.bin"), big, 48 * 1024);
	free(big);
	f = fopen(th_dir_path("job.yaml"), "w");
	cr_assert(f);
	fprintf(f, "name: cancel\nimages:\n  - file: fw.bin\n"
	        "    address: 0x08000000\nserial:\n  address: 0x0801F000\n"
	        "  encoding: le32\n  start: 100\n  on_failure: return\n");
	fclose(f);
	/* The line in the background; SIGINT once both slots write. */
	f = fopen(th_dir_path("cancel.sh"), "w");
	cr_assert(f);
	fprintf(f,
	        "'%s' run station.yaml job.yaml > line.txt 2>&1 &\n"
	        "pid=$!\n"
	        "n=0\n"
	        "while [ \"$(grep -c 'programming' line.txt)\" -lt 2 ]; do\n"
	        "  n=$((n + 1)); [ $n -gt 600 ] && break; sleep 0.05\n"
	        "done\n"
	        "sleep 0.3\n"
	        "kill -INT $pid\n"
	        "wait $pid\n"
	        "echo \"line status $?\"\n",
	        th_build_path("frontends/line/stmprog-line"));
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; cd '%s' && '%s' --timing real "
	         "--station station.yaml --device uart --chip 0x460 --flash a.bin "
	         "--device uart --chip 0x460 --flash b.bin -- sh cancel.sh; "
	         "cat line.txt",
	         th_dir, th_build_path("contrib/sim/stmprog-sim"));
	status = th_run(cmd, out, sizeof(out));
	cr_assert_eq(status, 0, "%s", out);
	cr_assert(strstr(out, "line status 130"), "%s", out);
	cr_assert(strstr(out, "summary: 0 verified, 0 failed, 2 cancelled"),
	          "%s", out);
	cr_assert(strstr(out, "boards to run again:"), "%s", out);
	cr_assert(strstr(out, "slot 1: UID "), "%s", out);
	cr_assert(strstr(out, "slot 2: UID "), "%s", out);
	db = open_log();
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts WHERE outcome"
	                       " = 'cancelled' AND length(cause) > 0"), 2);
	cr_assert_eq(count(db, "SELECT count(*) FROM attempts"), 2);
	cr_assert_eq(count(db, "SELECT count(*) FROM reservations WHERE state"
	                       " = 'returned'"), 2);
	sqlite3_close(db);
}

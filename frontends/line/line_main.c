/* stmprog-line: the command line (see stmprog-line(1)).  `check` and
 * `run` are in line_run.c; the log's questions (report, reservations,
 * resolve) are short enough to live here. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line_config.h"
#include "line_run.h"
#include "logdb.h"

static const char usage_text[] =
	"usage: stmprog-line run STATION.yaml JOB.yaml [--continuous] [--boards N]\n"
	"                        [--json] [--quiet]\n"
	"       stmprog-line check STATION.yaml JOB.yaml\n"
	"       stmprog-line report STATION.yaml [--run N|--latest] [--serial S]\n"
	"                        [--uid UID] [--csv|--json]\n"
	"       stmprog-line reservations STATION.yaml\n"
	"       stmprog-line resolve STATION.yaml SEQUENCE SERIAL used|void|returned\n";

static int usage(const char *fmt, const char *arg)
{
	if (fmt) {
		fputs("stmprog-line: error: ", stderr);
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
	fputs(usage_text, stderr);
	return LINE_EXIT_USAGE;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1)
		return -1;
	*out = v;
	return 0;
}

static int cmd_run(int argc, char **argv, bool check_only)
{
	line_run_options o;

	memset(&o, 0, sizeof(o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (check_only && a[0] == '-')
			return usage("check takes no option ('%s')", a);
		if (!strcmp(a, "--continuous"))
			o.continuous = true;
		else if (!strcmp(a, "--json"))
			o.json = true;
		else if (!strcmp(a, "--quiet"))
			o.quiet = true;
		else if (!strcmp(a, "--boards")) {
			if (i + 1 >= argc || parse_count(argv[i + 1], &o.boards))
				return usage("--boards needs a count of 1 or more, not '%s'",
				             i + 1 < argc ? argv[i + 1] : "");
			i++;
		} else if (a[0] == '-' && a[1])
			return usage("unknown option '%s'", a);
		else if (!o.station_path)
			o.station_path = a;
		else if (!o.job_path)
			o.job_path = a;
		else
			return usage("one station file and one job file, not '%s' too", a);
	}
	if (!o.job_path)
		return usage("%s", "a station file and a job file are needed");
	return check_only ? line_cmd_check(&o) : line_cmd_run(&o);
}

/* The station file's log, opened; prints why not. */
static int open_log(const char *station_path, line_station *st, line_db **db)
{
	char err[1024];

	if (line_station_load(station_path, st, err, sizeof(err))) {
		fprintf(stderr, "stmprog-line: error: %s\n", err);
		return -1;
	}
	if (line_db_open(st->log, db, err, sizeof(err))) {
		fprintf(stderr, "stmprog-line: error: %s: log: %s\n", station_path,
		        err);
		line_station_free(st);
		return -1;
	}
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	line_report_query q;
	line_report_format fmt = LINE_REPORT_TEXT;
	const char *station_path = NULL;
	line_station st;
	line_db *db;
	char err[1024];
	int rc;

	memset(&q, 0, sizeof(q));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--latest"))
			q.run_id = -1;
		else if (!strcmp(a, "--csv"))
			fmt = LINE_REPORT_CSV;
		else if (!strcmp(a, "--json"))
			fmt = LINE_REPORT_JSON;
		else if (!strcmp(a, "--run") || !strcmp(a, "--serial") ||
		         !strcmp(a, "--uid")) {
			if (!v)
				return usage("%s needs a value", a);
			if (!strcmp(a, "--run")) {
				long n;

				if (parse_count(v, &n))
					return usage("--run needs a run number, not '%s'", v);
				q.run_id = n;
			} else if (!strcmp(a, "--serial"))
				q.serial = v;
			else
				q.uid = v;
			i++;
		} else if (a[0] == '-')
			return usage("unknown option '%s'", a);
		else if (!station_path)
			station_path = a;
		else
			return usage("report takes one station file, not '%s' too", a);
	}
	if (!station_path)
		return usage("%s", "report needs the station file");
	if (open_log(station_path, &st, &db))
		return LINE_EXIT_USAGE;
	q.station = st.name;
	rc = line_db_report(db, &q, fmt, stdout, err, sizeof(err));
	if (rc)
		fprintf(stderr, "stmprog-line: error: %s\n", err);
	line_db_close(db);
	line_station_free(&st);
	return rc ? LINE_EXIT_FAILED : LINE_EXIT_OK;
}

typedef struct list_ctx {
	const char *station_path;
	unsigned n;
} list_ctx;

static void print_reservation(void *user, const line_db_reservation *r)
{
	list_ctx *l = user;

	l->n++;
	printf("sequence '%s' serial %" PRIu64 ": UID %s, station %s, slot %s, "
	       "attempt #%" PRId64 ", %s\n  resolve: stmprog-line resolve %s %s "
	       "%" PRIu64 " used|void|returned\n", r->sequence, r->serial,
	       r->uid[0] ? r->uid : "unknown", r->station, r->slot,
	       r->attempt_id, r->state, l->station_path, r->sequence, r->serial);
}

/* The unknown reservations, read only: safe while the station's line
 * runs (the next `run` marks a dead run's leftovers unknown). */
static int cmd_reservations(int argc, char **argv)
{
	line_station st;
	line_db *db;
	char err[1024];
	list_ctx l = {NULL, 0};
	int n;

	if (argc != 1 || argv[0][0] == '-')
		return usage("%s", "reservations takes the station file only");
	if (open_log(argv[0], &st, &db))
		return LINE_EXIT_USAGE;
	l.station_path = argv[0];
	n = line_db_unknown(db, print_reservation, &l, err, sizeof(err));
	if (n < 0)
		fprintf(stderr, "stmprog-line: error: %s\n", err);
	else if (n == 0)
		printf("no reservation of unknown outcome\n");
	line_db_close(db);
	line_station_free(&st);
	return n < 0 ? LINE_EXIT_FAILED : LINE_EXIT_OK;
}

static int cmd_resolve(int argc, char **argv)
{
	line_station st;
	line_db *db;
	char err[1024], *end;
	uint64_t serial;
	int rc;

	if (argc != 4)
		return usage("%s", "resolve takes STATION SEQUENCE SERIAL "
		             "used|void|returned");
	errno = 0;
	serial = strtoull(argv[2], &end, 0);
	if (errno || end == argv[2] || *end || argv[2][0] == '-')
		return usage("SERIAL is the serial's number as `reservations` "
		             "prints it, not '%s'", argv[2]);
	if (strcmp(argv[3], "used") && strcmp(argv[3], "void") &&
	    strcmp(argv[3], "returned"))
		return usage("the answer is used, void or returned, not '%s'",
		             argv[3]);
	if (open_log(argv[0], &st, &db))
		return LINE_EXIT_USAGE;
	rc = line_db_resolve(db, argv[1], serial, argv[3], err, sizeof(err));
	if (rc)
		fprintf(stderr, "stmprog-line: error: %s\n", err);
	else
		printf("sequence '%s' serial %" PRIu64 ": %s\n", argv[1], serial,
		       argv[3]);
	line_db_close(db);
	line_station_free(&st);
	return rc ? LINE_EXIT_FAILED : LINE_EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd)
		return usage(NULL, NULL);
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage_text, stdout);
		return LINE_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("stmprog-line %s\n", STMPROG_VERSION);
		return LINE_EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 2, argv + 2, false);
	if (!strcmp(cmd, "check"))
		return cmd_run(argc - 2, argv + 2, true);
	if (!strcmp(cmd, "report"))
		return cmd_report(argc - 2, argv + 2);
	if (!strcmp(cmd, "reservations"))
		return cmd_reservations(argc - 2, argv + 2);
	if (!strcmp(cmd, "resolve"))
		return cmd_resolve(argc - 2, argv + 2);
	return usage("unknown command '%s'", cmd);
}

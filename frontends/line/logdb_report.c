/* stmprog-line report: the attempts a query selects, as a table for
 * people, CSV (RFC 4180) or one JSON array (json-c). */
#include "config.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logdb_internal.h"
#include "stmprog/context.h"

/* The columns of LDB_REPORT, in order. */
enum {
	C_ID, C_RUN, C_STATION, C_SLOT, C_PORT, C_ATTEMPT, C_PID, C_CHIP,
	C_FLASH, C_UID, C_SERIAL, C_SERIAL_TEXT, C_JOB, C_SHA, C_TOOL,
	C_STARTED, C_ENDED, C_OUTCOME, C_CAUSE, C_COUNT
};

static const char *const col_names[C_COUNT] = {
	"id", "run_id", "station", "slot", "port", "attempt", "chip_pid",
	"chip_name", "flash_size", "uid", "serial", "serial_text", "job",
	"content_sha256", "tool_version", "started", "ended", "outcome",
	"cause"
};

/* Integer columns: numbers in JSON. */
static bool col_is_int(int c)
{
	return c == C_ID || c == C_RUN || c == C_ATTEMPT || c == C_PID ||
	       c == C_FLASH || c == C_SERIAL;
}

typedef struct phase_row {
	char *name;
	int64_t us;
} phase_row;

typedef struct report_row {
	char *v[C_COUNT];
	phase_row *phases;
	size_t nphases;
} report_row;

typedef struct report_rows {
	report_row *rows;
	size_t n, cap;
	bool oom;
} report_rows;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect_row(void *user, int ncols, const char *const *values)
{
	report_rows *r = user;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		void *p = realloc(r->rows, cap * sizeof *r->rows);
		if (!p) {
			r->oom = true;
			return 1;
		}
		r->rows = p;
		r->cap = cap;
	}
	report_row *row = &r->rows[r->n++];
	memset(row, 0, sizeof *row);
	for (int i = 0; i < C_COUNT && i < ncols; i++)
		row->v[i] = dup_or_null(values[i]);
	return 0;
}

static int collect_phase(void *user, int ncols, const char *const *values)
{
	report_row *row = user;

	if (ncols < 2 || !values[0])
		return 0;
	void *p = realloc(row->phases, (row->nphases + 1) * sizeof *row->phases);
	if (!p)
		return 1;
	row->phases = p;
	row->phases[row->nphases].name = strdup(values[0]);
	row->phases[row->nphases].us = values[1] ? strtoll(values[1], NULL, 10)
	                                         : 0;
	row->nphases++;
	return 0;
}

static void free_rows(report_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (int c = 0; c < C_COUNT; c++)
			free(r->rows[i].v[c]);
		for (size_t p = 0; p < r->rows[i].nphases; p++)
			free(r->rows[i].phases[p].name);
		free(r->rows[i].phases);
	}
	free(r->rows);
}

/* Microseconds since the epoch as ISO 8601 UTC, for every format. */
static void iso_time(const char *us_text, char *out, size_t outlen)
{
	if (!us_text) {
		snprintf(out, outlen, "%s", "");
		return;
	}
	int64_t us = strtoll(us_text, NULL, 10);
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char date[32];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%06dZ", date, (int)(us % 1000000));
}

/* A column as text (times converted). */
static const char *cell(const report_row *row, int c, char *buf,
                        size_t buflen)
{
	if ((c == C_STARTED || c == C_ENDED) && row->v[c]) {
		iso_time(row->v[c], buf, buflen);
		return buf;
	}
	return row->v[c];
}

static void phases_text(const report_row *row, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t p = 0; p < row->nphases && used < outlen; p++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s=%" PRId64,
		                         p ? ";" : "", row->phases[p].name,
		                         row->phases[p].us);
}

/* RFC 4180: a field with a comma, quote or line break is quoted, its
 * quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void write_csv(const report_rows *r, FILE *out)
{
	char buf[64], phases[1024];

	for (int c = 0; c < C_COUNT; c++)
		fprintf(out, "%s,", col_names[c]);
	fputs("phases\r\n", out);
	for (size_t i = 0; i < r->n; i++) {
		for (int c = 0; c < C_COUNT; c++) {
			csv_field(out, cell(&r->rows[i], c, buf, sizeof buf));
			fputc(',', out);
		}
		phases_text(&r->rows[i], phases, sizeof phases);
		csv_field(out, phases);
		fputs("\r\n", out);
	}
}

static int write_json(const report_rows *r, FILE *out)
{
	json_object *arr = json_object_new_array();
	char buf[64];

	if (!arr)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		const report_row *row = &r->rows[i];
		json_object *o = json_object_new_object();
		for (int c = 0; c < C_COUNT; c++) {
			const char *v = cell(row, c, buf, sizeof buf);
			json_object *jv = NULL;
			if (v && col_is_int(c))
				jv = json_object_new_int64(strtoll(v, NULL, 10));
			else if (v)
				jv = json_object_new_string(v);
			json_object_object_add(o, col_names[c], jv);
		}
		json_object *ph = json_object_new_array();
		for (size_t p = 0; p < row->nphases; p++) {
			json_object *po = json_object_new_object();
			json_object_object_add(po, "name",
			                       json_object_new_string(row->phases[p].name));
			json_object_object_add(po, "us",
			                       json_object_new_int64(row->phases[p].us));
			json_object_array_add(ph, po);
		}
		json_object_object_add(o, "phases", ph);
		json_object_array_add(arr, o);
	}
	fputs(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
	                                     JSON_C_TO_STRING_NOSLASHESCAPE),
	      out);
	fputc('\n', out);
	json_object_put(arr);
	return 0;
}

/* For people: the columns an operator looks at; device-supplied text
 * (chip names, causes quoting the device) is escaped. */
static void write_text(const report_rows *r, FILE *out)
{
	static const int cols[] = { C_ID, C_RUN, C_STATION, C_SLOT, C_UID,
	                            C_SERIAL_TEXT, C_CHIP, C_STARTED,
	                            C_OUTCOME, C_CAUSE };
	static const int width[] = { 6, 5, 12, 8, 24, 14, 12, 27, 11, 0 };
	const size_t ncols = sizeof cols / sizeof *cols;
	char buf[64], esc[512];

	for (size_t k = 0; k < ncols; k++)
		fprintf(out, "%-*s%s", width[k], col_names[cols[k]],
		        k + 1 < ncols ? " " : "\n");
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < ncols; k++) {
			const char *v = cell(&r->rows[i], cols[k], buf, sizeof buf);
			stp_escape(esc, sizeof esc, v ? v : "-");
			fprintf(out, "%-*s%s", width[k], esc,
			        k + 1 < ncols ? " " : "\n");
		}
		if (r->rows[i].nphases) {
			char phases[1024];
			phases_text(&r->rows[i], phases, sizeof phases);
			stp_escape(esc, sizeof esc, phases);
			fprintf(out, "       phases (us): %s\n", esc);
		}
	}
	fprintf(out, "%zu attempt%s\n", r->n, r->n == 1 ? "" : "s");
}

static int latest_run(void *user, int ncols, const char *const *values)
{
	if (ncols >= 1 && values[0])
		*(int64_t *)user = strtoll(values[0], NULL, 10);
	return 0;
}

int line_db_report(line_db *db, const line_report_query *q,
                   line_report_format fmt, FILE *out, char *err,
                   size_t errlen)
{
	report_rows rows = { 0 };
	char run[24], number[24];
	int rc;

	pthread_mutex_lock(&db->lock);
	int64_t run_id = q ? q->run_id : 0;
	if (run_id < 0) {
		run_id = 0;
		rc = line_db_exec(db, LDB_RUN_LATEST, 0, NULL, latest_run, &run_id,
		                  err, errlen);
		if (rc)
			goto out;
		if (run_id == 0)
			run_id = -1;    /* no run yet: matches nothing */
	}
	snprintf(run, sizeof run, "%" PRId64, run_id);
	/* A serial given as a plain decimal number also matches the number
	 * (the text of a binary serial is hex). */
	const char *serial = q ? q->serial : NULL, *serial_number = NULL;
	if (serial && serial[0] && strspn(serial, "0123456789") ==
	    strlen(serial) && strlen(serial) < 20) {
		snprintf(number, sizeof number, "%s", serial);
		serial_number = number;
	}
	const char *p[] = { run_id ? run : NULL, serial, serial_number,
	                    q ? q->uid : NULL, q ? q->station : NULL };
	rc = line_db_exec(db, LDB_REPORT, 5, p, collect_row, &rows, err,
	                  errlen);
	for (size_t i = 0; rc == 0 && !rows.oom && i < rows.n; i++) {
		if (db->version < 2)
			break;
		const char *pa[] = { rows.rows[i].v[C_ID] };
		rc = line_db_exec(db, LDB_PHASES_GET, 1, pa, collect_phase,
		                  &rows.rows[i], err, errlen);
	}
out:
	pthread_mutex_unlock(&db->lock);
	if (rc == LINE_DB_RETRY) {
		snprintf(err, errlen, "%s: the database stayed busy", db->name);
		rc = -1;
	} else if (rc > 0 || rows.oom) {
		snprintf(err, errlen, "%s: out of memory for the report", db->name);
		rc = -1;
	}
	if (rc == 0) {
		switch (fmt) {
		case LINE_REPORT_CSV:
			write_csv(&rows, out);
			break;
		case LINE_REPORT_JSON:
			if (write_json(&rows, out)) {
				snprintf(err, errlen, "out of memory for JSON");
				rc = -1;
			}
			break;
		case LINE_REPORT_TEXT:
		default:
			write_text(&rows, out);
			break;
		}
	}
	free_rows(&rows);
	if (rc == 0 && ferror(out)) {
		snprintf(err, errlen, "writing the report failed");
		rc = -1;
	}
	return rc < 0 ? -1 : rc;
}

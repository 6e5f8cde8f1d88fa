/* --json: the library's events, the lines commands print and the run's
 * final result as JSON lines (one object per line) on a stream, in the
 * versioned schema documented in docs/json.md.  Every line carries
 * "schema" and "type", so a reader can check the version on any line it
 * sees, including the last one of a run that failed early.  Strings are
 * made valid UTF-8 first (device strings and file names are bytes) and
 * escaped by json-c. */
#ifndef STMPROG_JSON_OUTPUT_H
#define STMPROG_JSON_OUTPUT_H

#include <stdio.h>

#include "stmprog/events.h"

/* docs/json.md: raised whenever a field changes meaning or goes away;
 * new fields and new types do not raise it. */
#define STMPROG_JSON_SCHEMA 1

/* One event, as the line of its type. */
void json_event(FILE *f, const stp_event *ev);
/* One line a command printed for people (a listing, a dump), without
 * its newline: {"type":"output","text":...}. */
void json_output_text(FILE *f, const char *text);
/* The run's last line: the exit code and its name, the status's short
 * name, and the error's detail and hint ("" when there are none). */
void json_exit(FILE *f, int code, const char *code_name, const char *status,
               const char *detail, const char *hint);
/* {"type":"version","version":...}, for --version --json. */
void json_version(FILE *f, const char *version);

#endif

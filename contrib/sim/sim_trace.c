/* stmprog-sim: trace file and stderr lines. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_time.h"
#include "sim_trace.h"

struct sim_trace {
	FILE *f;                /* NULL: no --trace */
	char prefix[16];
	/* The usb transport traces from umockdev's worker thread while the
	 * main loop reads this. */
	_Atomic int64_t last_ns;
	/* STMPROG_SIM_TRACE_TIME=1: every line ends in " @SECONDS" (the
	 * monotonic clock), and sim_trace_timed lines are written too. */
	bool timed;
};

sim_trace *sim_trace_open(const char *path)
{
	sim_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (!path)
		return t;
	t->timed = getenv("STMPROG_SIM_TRACE_TIME") &&
	           !strcmp(getenv("STMPROG_SIM_TRACE_TIME"), "1");
	/* "e": close-on-exec, so COMMAND does not inherit it. */
	t->f = fopen(path, "ae");
	if (!t->f) {
		free(t);
		return NULL;
	}
	return t;
}

void sim_trace_close(sim_trace *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	free(t);
}

void sim_trace_set_prefix(sim_trace *t, const char *prefix)
{
	if (t)
		snprintf(t->prefix, sizeof(t->prefix), "%s", prefix);
}

static void put_line(sim_trace *t, const char *fmt, va_list ap)
{
	/* Each device its own handle on the file, opened for appending, and
	 * every line flushed whole: lines of several devices never mix. */
	fputs(t->prefix, t->f);
	vfprintf(t->f, fmt, ap);
	if (t->timed) {
		/* A suffix, so parsers of the plain format read the line as
		 * before up to it. */
		int64_t now = sim_now_ns();
		fprintf(t->f, " @%lld.%06lld", (long long)(now / 1000000000),
		        (long long)(now % 1000000000 / 1000));
	}
	fputc('\n', t->f);
	fflush(t->f);
}

void sim_trace_line(sim_trace *t, const char *fmt, ...)
{
	va_list ap;

	if (!t)
		return;
	t->last_ns = sim_now_ns();
	if (!t->f)
		return;
	va_start(ap, fmt);
	put_line(t, fmt, ap);
	va_end(ap);
}

void sim_trace_timed(sim_trace *t, const char *fmt, ...)
{
	va_list ap;

	if (!t || !t->f || !t->timed)
		return;
	va_start(ap, fmt);
	put_line(t, fmt, ap);
	va_end(ap);
}

bool sim_trace_is_timed(const sim_trace *t)
{
	return t && t->f && t->timed;
}

void sim_trace_note(sim_trace *t, const char *fmt, ...)
{
	va_list ap;

	if (!t || !t->f)
		return;
	va_start(ap, fmt);
	put_line(t, fmt, ap);
	va_end(ap);
}

int64_t sim_trace_last_ns(const sim_trace *t)
{
	return t ? t->last_ns : 0;
}

void sim_say(const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	/* One write per line so it does not interleave with COMMAND's. */
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stmprog-sim: %s\n", line);
	fflush(stderr);
}

const char *sim_unit_list(const uint16_t *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 8 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u",
		                         i ? "," : "", (unsigned)v[i]);
	return buf;
}

/* User-facing output of the stmprog front-end (see output.h). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_output.h"
#include "output.h"
#include "stmprog/events.h"
#include "stmprog/target.h"

static const char *const level_name[] = {"error", "warning", "info", "debug",
                                         "trace"};
static const char *const phase_name[] = {"Erasing", "Writing", "Verifying",
                                         "Reading"};

/* What is for people on stdout goes to stderr with --json, where stdout
 * holds JSON lines only. */
static FILE *people(const output *o)
{
	return o->json ? stderr : stdout;
}

static void say(output *o, bool json_line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A -log line starts with its time in UTC, ISO 8601 with milliseconds:
 * the event's own time (time_ns) when the line is an event's, else now,
 * both on the monotonic clock placed on the wall clock once at the start,
 * so the log's times never go back. */
static void log_line(output *o, uint64_t time_ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_line(output *o, uint64_t time_ns, const char *fmt, ...)
{
	va_list ap;
	int64_t since = (int64_t)(time_ns - o->mono0_ns);
	int64_t ms = (int64_t)o->real0.tv_sec * 1000 + o->real0.tv_nsec / 1000000 +
	             since / 1000000;
	time_t sec;
	struct tm tm;
	char when[32];

	if (!o->log)
		return;
	sec = (time_t)(ms / 1000);
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(o->log, "%s.%03dZ ", when, (int)(ms % 1000));
	va_start(ap, fmt);
	vfprintf(o->log, fmt, ap);
	va_end(ap);
	fputc('\n', o->log);
}

/* A bar on stderr's last line ends before anything else is printed. */
static void end_bar(output *o)
{
	if (o->progress_shown) {
		fputc('\n', stderr);
		o->progress_shown = 0;
	}
	o->bar_from_set = false;
}

static stp_log_level json_max_level(const output *o)
{
	return o->verbosity >= 3 ? STP_LOG_TRACE : STP_LOG_INFO;
}

static void on_log(output *o, const stp_event *ev, stp_log_level level,
                   const char *msg)
{
	/* -vb 1 shows warnings, 2 info, 3 debug and trace; -q only errors. */
	int shown = o->verbosity == 0 ? STP_LOG_ERROR
	            : o->verbosity >= 3 ? STP_LOG_TRACE : o->verbosity;

	log_line(o, ev->time_ns, "%s: %s", level_name[level], msg);
	if ((int)level <= shown) {
		end_bar(o);
		fprintf(stderr, "stmprog: %s: %s\n", level_name[level], msg);
	}
}

static const char *unit_word(stp_phase phase)
{
	return phase == STP_PHASE_ERASE ? "units" : "bytes";
}

static bool bars(const output *o)
{
	return o->verbosity > 0 && isatty(STDERR_FILENO);
}

/* m:ss.t, or h:mm:ss past an hour. */
static void clock_text(char *buf, size_t len, double s, bool tenths)
{
	unsigned long t = (unsigned long)s;

	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else if (tenths)
		snprintf(buf, len, "%lu:%02lu.%lu", t / 60, t % 60,
		         (unsigned long)(s * 10) % 10);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

/* Units per second for an erase; B/s, KiB/s or MiB/s for bytes. */
static void rate_text(char *buf, size_t len, stp_phase phase, double rate)
{
	if (phase == STP_PHASE_ERASE)
		snprintf(buf, len, "%.1f units/s", rate);
	else if (rate >= 1024.0 * 1024)
		snprintf(buf, len, "%.1f MiB/s", rate / (1024.0 * 1024));
	else if (rate >= 1024.0)
		snprintf(buf, len, "%.1f KiB/s", rate / 1024.0);
	else
		snprintf(buf, len, "%.0f B/s", rate);
}

/* "Writing   [#######.............]  35%  23040/65536 bytes  41.2 KiB/s
 * 0:00.5 ETA 0:01": the count of what the library reported done (units
 * for an erase, which a ROM erasing a list in one command reports only
 * whole), the rate and elapsed time from the events' time_ns since the
 * bar's first event, and the ETA at that rate ("--:--" until there is
 * one). */
static void draw_bar(output *o, stp_phase phase, uint64_t time_ns,
                     uint64_t done, uint64_t total)
{
	enum { WIDTH = 20 };
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
	unsigned fill = total ? (unsigned)(done * WIDTH / total) : WIDTH;
	char bar[WIDTH + 1], rate[32] = "", elapsed[32], eta[32] = "--:--";
	double secs;

	if (!o->bar_from_set) {
		o->bar_from_ns = time_ns;
		o->bar_from_done = done;
		o->bar_from_set = true;
	}
	secs = (double)(time_ns - o->bar_from_ns) / 1e9;
	memset(bar, '#', fill);
	memset(bar + fill, '.', WIDTH - fill);
	bar[WIDTH] = '\0';
	clock_text(elapsed, sizeof(elapsed), secs, true);
	if (secs > 0 && done > o->bar_from_done) {
		double r = (double)(done - o->bar_from_done) / secs;

		rate_text(rate, sizeof(rate), phase, r);
		clock_text(eta, sizeof(eta), (double)(total - done) / r, false);
	} else if (done == total) {
		snprintf(eta, sizeof(eta), "0:00");
	}
	/* \033[K clears what a longer line before it left. */
	fprintf(stderr, "\r%-10s [%s] %3u%%  %llu/%llu %s  %s%s%s ETA %s\033[K",
	        phase_name[phase], bar, pct, (unsigned long long)done,
	        (unsigned long long)total, unit_word(phase), rate,
	        *rate ? "  " : "", elapsed, eta);
	o->progress_shown = 1;
}

/* Progress of the open phase moves its bar.  Progress outside any phase
 * comes from a caller's own loop (the read of -u, slice by slice): a bar
 * too, which ends at its last step; it has no finished line. */
static void on_progress(output *o, const stp_event *ev)
{
	bool in_phase = o->open_phase == (int)ev->phase + 1;

	if (!bars(o) || !ev->total || (o->open_phase && !in_phase))
		return;
	draw_bar(o, ev->phase, ev->time_ns, ev->done, ev->total);
	if (!in_phase && ev->done == ev->total)
		end_bar(o);
}

/* Seconds between two event times, for the log's phase lines. */
static double since_s(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e9 : 0.0;
}

static void on_phase(output *o, const stp_event *ev)
{
	double secs = since_s(o->bar_from_ns, ev->time_ns);

	switch (ev->kind) {
	case STP_EVENT_PHASE_BEGIN:
		o->open_phase = (int)ev->phase + 1;
		/* The phase's clock starts here, bar or not. */
		o->bar_from_ns = ev->time_ns;
		o->bar_from_done = 0;
		o->bar_from_set = true;
		if (bars(o) && ev->total)
			draw_bar(o, ev->phase, ev->time_ns, 0, ev->total);
		break;
	case STP_EVENT_PHASE_END:
		/* The one finished line of a phase. */
		o->open_phase = 0;
		log_line(o, ev->time_ns, "progress: %s %llu/%llu %s in %.3f s",
		         phase_name[ev->phase], (unsigned long long)ev->total,
		         (unsigned long long)ev->total, unit_word(ev->phase), secs);
		if (o->verbosity == 0 || !ev->total) {
			o->bar_from_set = false;
			break;
		}
		if (bars(o)) {
			draw_bar(o, ev->phase, ev->time_ns, ev->total, ev->total);
			end_bar(o);
		} else {
			/* Logs and pipes get one line per finished phase. */
			fprintf(stderr, "%s: %llu %s\n", phase_name[ev->phase],
			        (unsigned long long)ev->total, unit_word(ev->phase));
		}
		o->bar_from_set = false;
		break;
	default: /* PHASE_FAILED: the error that follows says why. */
		o->open_phase = 0;
		log_line(o, ev->time_ns, "progress: %s stopped at %llu/%llu %s "
		         "after %.3f s (%s)", phase_name[ev->phase],
		         (unsigned long long)ev->done, (unsigned long long)ev->total,
		         unit_word(ev->phase), secs, stp_status_name(ev->status));
		end_bar(o);
		break;
	}
}

/* The unique ID as the reference manuals print it: the word at +8, +4,
 * then +0, each most significant digit first (the chip stores the words
 * little-endian). */
static void uid_text(const uint8_t uid[12], char out[25])
{
	for (int w = 2; w >= 0; w--) {
		const uint8_t *b = uid + 4 * w;
		snprintf(out + 8 * (2 - w), 9, "%02X%02X%02X%02X", b[3], b[2], b[1],
		         b[0]);
	}
}

static const char *uid_clause(const stp_device_info *info, char *buf,
                              size_t len)
{
	char hex[25];

	switch (info->uid_status) {
	case STP_UID_READ:
		uid_text(info->uid, hex);
		snprintf(buf, len, ", UID %s", hex);
		return buf;
	case STP_UID_PROTECTED:
		return ", UID unreadable (readout protection)";
	case STP_UID_NO_ADDRESS:
		return ", UID address unknown for this part";
	case STP_UID_UNREADABLE:
		return ", UID not readable through this bootloader";
	default:
		return "";
	}
}

/* The connection line: which backend, the PID, the bootloader version
 * (DFU bootloaders do not tell theirs), what the part is, its unique ID;
 * then where a USB device is plugged.  With --json the "identified" line
 * has all of it, so these are for people only (stderr). */
static void on_identified(output *o, const stp_event *ev)
{
	const stp_device_info *info = ev->info;
	char clause[48];

	end_bar(o);
	say(o, false, "Connected through %s: PID 0x%03X, ", ev->backend,
	           info->pid);
	if (info->bl_version)
		say(o, false, "bootloader v%u.%u, ", info->bl_version >> 4,
		           info->bl_version & 15);
	say(o, false, "%s%s\n", info->identity,
	           uid_clause(info, clause, sizeof(clause)));
	if (info->usb_location[0])
		say(o, false, "USB device %04x:%04x at %s%s%s\n", info->usb_vid,
		    info->usb_pid, info->usb_location,
		    info->serial[0] ? ", serial " : "", info->serial);
}

/* The one event channel (stmprog/events.h): messages, phases and their
 * progress, the connection, repairs, and the sentences job steps end
 * with, which go to people's stdout like output_say's. */
static void on_event(void *user, const stp_event *ev)
{
	output *o = user;

	if (o->json && (ev->kind != STP_EVENT_LOG ||
	                ev->level <= json_max_level(o)))
		json_event(stdout, ev);
	switch (ev->kind) {
	case STP_EVENT_LOG:
		on_log(o, ev, ev->level, ev->message);
		break;
	case STP_EVENT_PHASE_BEGIN:
	case STP_EVENT_PHASE_END:
	case STP_EVENT_PHASE_FAILED:
		on_phase(o, ev);
		break;
	case STP_EVENT_PROGRESS:
		on_progress(o, ev);
		break;
	case STP_EVENT_IDENTIFIED:
		on_identified(o, ev);
		break;
	case STP_EVENT_UNIT_REPAIRED:
		on_log(o, ev, STP_LOG_WARN, ev->message);
		break;
	case STP_EVENT_RESULT:
		end_bar(o);
		say(o, false, "%s\n", ev->message); /* JSON: the "result" line */
		break;
	}
}

void output_init(output *o)
{
	/* Each line reaches a pipe or file as it is finished, so stdout's
	 * lines and stderr's (unbuffered) stay in order in a log of both. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	o->mono0_ns = mono_now_ns();
	clock_gettime(CLOCK_REALTIME, &o->real0);
}

void output_attach(output *o, stp_ctx *ctx)
{
	stp_log_level max = STP_LOG_WARN;

	if (o->log)
		setvbuf(o->log, NULL, _IOLBF, 0);
	if (o->verbosity >= 3)
		max = STP_LOG_TRACE;
	else if (o->log)
		max = STP_LOG_DEBUG;
	else if (o->verbosity == 2 || o->json)
		max = STP_LOG_INFO;
	stp_ctx_set_events(ctx, on_event, o, max);
}

int output_exit_code(stp_status st)
{
	switch (st) {
	case STP_OK:
		return EXIT_OK;
	case STP_ERR_ARG:
	case STP_ERR_PORTSPEC:
	case STP_ERR_REFUSED:
		return EXIT_USAGE;
	case STP_ERR_CANCELLED:
		return EXIT_INTERRUPTED;
	case STP_ERR_NOT_FOUND:
	case STP_ERR_BACKEND:
	case STP_ERR_ACCESS:
		return EXIT_NOTFOUND;
	case STP_ERR_FILE:
	case STP_ERR_IMAGE:
	case STP_ERR_LAYOUT:
		return EXIT_INPUT;
	case STP_ERR_VERIFY:
		return EXIT_VERIFY;
	case STP_ERR_NOMEM:
	case STP_ERR_INTERNAL:
		return EXIT_INTERNAL;
	default:
		return EXIT_DEVICE;
	}
}

const char *output_exit_name(int code)
{
	static const char *const names[] = {
		[EXIT_OK] = "ok", [EXIT_DEVICE] = "device", [EXIT_USAGE] = "usage",
		[EXIT_NOTFOUND] = "not-found", [EXIT_INPUT] = "input",
		[EXIT_VERIFY] = "verify", [EXIT_INTERNAL] = "internal",
		[EXIT_INTERRUPTED] = "interrupted"};

	return code >= 0 && code < (int)(sizeof(names) / sizeof(names[0]))
	       ? names[code] : "unknown";
}

static void keep_failure(output *o, stp_status st, const char *detail,
                         const char *hint)
{
	o->status = st;
	snprintf(o->detail, sizeof(o->detail), "%s", detail);
	snprintf(o->hint, sizeof(o->hint), "%s", hint ? hint : "");
}

int output_failure(output *o, stp_ctx *ctx, stp_status st)
{
	const char *detail = stp_last_detail(ctx);
	const char *hint = stp_last_hint(ctx);
	uint64_t now = mono_now_ns();

	end_bar(o);
	if (!*detail)
		detail = stp_strerror(st);
	keep_failure(o, st, detail, hint);
	fprintf(stderr, "stmprog: error: %s\n", detail);
	if (*hint)
		fprintf(stderr, "stmprog: hint: %s\n", hint);
	log_line(o, now, "error: %s", detail);
	if (*hint)
		log_line(o, now, "hint: %s", hint);
	return output_exit_code(st);
}

/* A finished line of output_say's text: one log line, one --json line. */
static void say_line(output *o, const char *text, bool json_line)
{
	log_line(o, mono_now_ns(), "%s", text);
	if (o->json && json_line)
		json_output_text(stdout, text);
}

static bool line_append(output *o, const char *text, size_t n)
{
	if (o->line_len + n + 1 > o->line_cap) {
		size_t cap = (o->line_len + n + 1) * 2;
		char *p = realloc(o->line, cap);

		if (!p)
			return false;
		o->line = p;
		o->line_cap = cap;
	}
	memcpy(o->line + o->line_len, text, n);
	o->line_len += n;
	o->line[o->line_len] = '\0';
	return true;
}

/* Appends text to the unfinished line; each newline finishes one.  Out of
 * memory, the line is dropped from the log and JSON (people still see it
 * on their stream). */
static void say_collect(output *o, const char *text, bool json_line)
{
	for (const char *nl; (nl = strchr(text, '\n')); text = nl + 1) {
		if (line_append(o, text, (size_t)(nl - text)))
			say_line(o, o->line, json_line);
		o->line_len = 0;
	}
	line_append(o, text, strlen(text));
}

/* Text for people (stdout, or stderr with --json) and the log; with
 * json_line, also "output" lines for --json. */
static void say_v(output *o, bool json_line, const char *fmt, va_list ap)
{
	va_list again;
	char *text = NULL;

	va_copy(again, ap);
	if ((o->log || (o->json && json_line)) && vasprintf(&text, fmt, ap) >= 0)
		say_collect(o, text, json_line);
	else
		text = NULL;
	if (o->verbosity > 0) {
		if (text)
			fputs(text, people(o));
		else
			vfprintf(people(o), fmt, again);
	}
	va_end(again);
	free(text);
}

static void say(output *o, bool json_line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_v(o, json_line, fmt, ap);
	va_end(ap);
}

void output_say(output *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_v(o, true, fmt, ap);
	va_end(ap);
}

void output_usage_error(const char *err, const char *hint)
{
	fprintf(stderr, "stmprog: error: %s\n", err);
	if (hint && *hint)
		fprintf(stderr, "stmprog: hint: %s\n", hint);
}

int output_usage(output *o, const char *err, const char *hint)
{
	output_usage_error(err, hint);
	keep_failure(o, STP_ERR_ARG, err, hint);
	log_line(o, mono_now_ns(), "error: %s", err);
	if (hint && *hint)
		log_line(o, mono_now_ns(), "hint: %s", hint);
	return output_finish(o, EXIT_USAGE);
}

int output_finish(output *o, int code)
{
	end_bar(o);
	if (o->line_len) { /* a last line without its newline */
		say_line(o, o->line, true);
		o->line_len = 0;
	}
	if (o->json)
		json_exit(stdout, code, output_exit_name(code),
		          code == EXIT_OK ? stp_status_name(STP_OK)
		          : o->detail[0] ? stp_status_name(o->status) : "unknown",
		          code == EXIT_OK ? "" : o->detail,
		          code == EXIT_OK ? "" : o->hint);
	free(o->line);
	o->line = NULL;
	o->line_cap = 0;
	if (o->log) {
		fclose(o->log);
		o->log = NULL;
	}
	return code;
}

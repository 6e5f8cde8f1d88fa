/* User-facing output of the stmprog front-end (see output.h). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "stmprog/events.h"
#include "stmprog/target.h"

static const char *const level_name[] = {"error", "warning", "info", "debug",
                                         "trace"};
static const char *const phase_name[] = {"Erasing", "Writing", "Verifying",
                                         "Reading"};

/* A bar on stderr's last line ends before anything else is printed. */
static void end_bar(output *o)
{
	if (o->progress_shown) {
		fputc('\n', stderr);
		o->progress_shown = 0;
	}
}

static void on_log(output *o, stp_log_level level, const char *msg)
{
	/* -vb 1 shows warnings, 2 info, 3 debug and trace; -q only errors. */
	int shown = o->verbosity == 0 ? STP_LOG_ERROR
	            : o->verbosity >= 3 ? STP_LOG_TRACE : o->verbosity;

	if (o->log)
		fprintf(o->log, "%s: %s\n", level_name[level], msg);
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

static void draw_bar(output *o, stp_phase phase, uint64_t done, uint64_t total)
{
	unsigned pct = total ? (unsigned)(done * 100 / total) : 100;

	fprintf(stderr, "\r%-10s %3u%% %llu/%llu %s", phase_name[phase], pct,
	        (unsigned long long)done, (unsigned long long)total,
	        unit_word(phase));
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
	draw_bar(o, ev->phase, ev->done, ev->total);
	if (!in_phase && ev->done == ev->total)
		end_bar(o);
}

static void on_phase(output *o, const stp_event *ev)
{
	switch (ev->kind) {
	case STP_EVENT_PHASE_BEGIN:
		o->open_phase = (int)ev->phase + 1;
		if (bars(o) && ev->total)
			draw_bar(o, ev->phase, 0, ev->total);
		break;
	case STP_EVENT_PHASE_END:
		/* The one finished line of a phase. */
		o->open_phase = 0;
		if (o->log)
			fprintf(o->log, "progress: %s %llu/%llu\n",
			        phase_name[ev->phase], (unsigned long long)ev->total,
			        (unsigned long long)ev->total);
		if (o->verbosity == 0 || !ev->total)
			break;
		if (bars(o)) {
			draw_bar(o, ev->phase, ev->total, ev->total);
			end_bar(o);
		} else {
			/* Logs and pipes get one line per finished phase. */
			fprintf(stderr, "%s: %llu %s\n", phase_name[ev->phase],
			        (unsigned long long)ev->total, unit_word(ev->phase));
		}
		break;
	default: /* PHASE_FAILED: the error that follows says why. */
		o->open_phase = 0;
		if (o->log)
			fprintf(o->log, "progress: %s stopped at %llu/%llu (%s)\n",
			        phase_name[ev->phase], (unsigned long long)ev->done,
			        (unsigned long long)ev->total,
			        stp_status_name(ev->status));
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
 * then where a USB device is plugged. */
static void on_identified(output *o, const stp_event *ev)
{
	const stp_device_info *info = ev->info;
	char clause[48];

	end_bar(o);
	output_say(o, "Connected through %s: PID 0x%03X, ", ev->backend,
	           info->pid);
	if (info->bl_version)
		output_say(o, "bootloader v%u.%u, ", info->bl_version >> 4,
		           info->bl_version & 15);
	output_say(o, "%s%s\n", info->identity,
	           uid_clause(info, clause, sizeof(clause)));
	if (info->usb_location[0])
		output_say(o, "USB device %04x:%04x at %s%s%s\n", info->usb_vid,
		           info->usb_pid, info->usb_location,
		           info->serial[0] ? ", serial " : "", info->serial);
}

/* The one event channel (stmprog/events.h): messages, phases and their
 * progress, the connection, repairs, and the sentences job steps end
 * with, which go to stdout like output_say's. */
static void on_event(void *user, const stp_event *ev)
{
	output *o = user;

	switch (ev->kind) {
	case STP_EVENT_LOG:
		on_log(o, ev->level, ev->message);
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
		on_log(o, STP_LOG_WARN, ev->message);
		break;
	case STP_EVENT_RESULT:
		end_bar(o);
		output_say(o, "%s\n", ev->message);
		break;
	}
}

void output_attach(output *o, stp_ctx *ctx)
{
	stp_log_level max = STP_LOG_WARN;

	if (o->verbosity >= 3)
		max = STP_LOG_TRACE;
	else if (o->verbosity == 2 || o->log)
		max = o->log ? STP_LOG_DEBUG : STP_LOG_INFO;
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

int output_failure(output *o, stp_ctx *ctx, stp_status st)
{
	const char *detail = stp_last_detail(ctx);
	const char *hint = stp_last_hint(ctx);

	end_bar(o);
	if (!*detail)
		detail = stp_strerror(st);
	fprintf(stderr, "stmprog: error: %s\n", detail);
	if (*hint)
		fprintf(stderr, "stmprog: hint: %s\n", hint);
	if (o->log) {
		fprintf(o->log, "error: %s\n", detail);
		if (*hint)
			fprintf(o->log, "hint: %s\n", hint);
	}
	return output_exit_code(st);
}

void output_say(output *o, const char *fmt, ...)
{
	va_list ap;

	if (o->log) {
		va_start(ap, fmt);
		vfprintf(o->log, fmt, ap);
		va_end(ap);
	}
	if (o->verbosity == 0)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

void output_usage_error(const char *err, const char *hint)
{
	fprintf(stderr, "stmprog: error: %s\n", err);
	if (hint && *hint)
		fprintf(stderr, "stmprog: hint: %s\n", hint);
}

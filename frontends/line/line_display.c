/* stmprog-line: the operator's view (line_display.h). */
#include "config.h"

#include "line_display.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stmprog/target.h"

static const char *const phase_names[] = {"Erasing", "Writing", "Verifying",
                                          "Reading"};

static const char *phase_name(stp_phase p)
{
	return (unsigned)p < sizeof(phase_names) / sizeof(phase_names[0])
	               ? phase_names[p] : "Working";
}

const char *line_slot_state_name(line_slot_state s)
{
	static const char *const names[] = {
		"idle", "waiting for a board", "connecting", "programming",
		"retrying", "waiting for removal", "stopped"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void line_uid_text(const uint8_t uid[12], char out[25])
{
	for (int w = 2; w >= 0; w--) {
		const uint8_t *b = uid + 4 * w;
		snprintf(out + 8 * (2 - w), 9, "%02X%02X%02X%02X", b[3], b[2], b[1],
		         b[0]);
	}
}

/* What the tty view keeps per slot. */
typedef struct slot_view {
	const char *name, *port;
	line_slot_state state;
	char chip[96];
	char serial[64];
	char result[96];
	bool in_phase;
	stp_phase phase;
	uint64_t done, total;
	uint64_t phase_t0_ns, last_ns;
	bool flagged;
} slot_view;

struct line_display {
	pthread_mutex_t lock;
	FILE *out;
	line_display_mode mode;
	bool quiet;
	size_t nslots;
	slot_view *slots;
	unsigned verified, failed, cancelled;
	struct timespec t0;
	bool drawn;             /* the tty block is on the screen */
	uint64_t last_draw_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double elapsed_s(const line_display *d)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - d->t0.tv_sec) +
	       (double)(now.tv_nsec - d->t0.tv_nsec) / 1e9;
}

static double boards_per_hour(unsigned boards, double seconds)
{
	return seconds > 0 ? boards * 3600.0 / seconds : 0;
}

line_display *line_display_new(FILE *out, line_display_mode mode, bool quiet,
                               size_t nslots, const char *const *names,
                               const char *const *ports)
{
	line_display *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->slots = calloc(nslots ? nslots : 1, sizeof(*d->slots));
	if (!d->slots) {
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->out = out;
	d->mode = mode;
	d->quiet = quiet;
	d->nslots = nslots;
	for (size_t i = 0; i < nslots; i++) {
		d->slots[i].name = names[i];
		d->slots[i].port = ports[i];
	}
	clock_gettime(CLOCK_MONOTONIC, &d->t0);
	return d;
}

void line_display_free(line_display *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->slots);
	free(d);
}

/* ---- tty ---------------------------------------------------------- */

static void tty_erase(line_display *d)
{
	if (d->drawn) {
		fprintf(d->out, "\033[%zuA", d->nslots + 1);
		for (size_t i = 0; i <= d->nslots; i++)
			fputs("\033[K\n", d->out);
		fprintf(d->out, "\033[%zuA", d->nslots + 1);
		d->drawn = false;
	}
}

static void tty_draw(line_display *d, bool force)
{
	uint64_t now = mono_ns();
	double secs = elapsed_s(d);

	/* Progress alone redraws at most ten times a second. */
	if (!force && d->drawn && now - d->last_draw_ns < 100000000u)
		return;
	d->last_draw_ns = now;
	if (d->drawn)
		fprintf(d->out, "\033[%zuA", d->nslots + 1);
	for (size_t i = 0; i < d->nslots; i++) {
		const slot_view *s = &d->slots[i];
		char progress[64] = "";

		if (s->state == LINE_SLOT_PROGRAMMING && s->in_phase && s->total) {
			double dt = (double)(s->last_ns - s->phase_t0_ns) / 1e9;
			double rate = dt > 0 ? (double)s->done / dt / 1024.0 : 0;

			snprintf(progress, sizeof(progress), "%s %3u%%",
			         phase_name(s->phase),
			         (unsigned)(s->done * 100 / s->total));
			if (s->phase != STP_PHASE_ERASE && rate > 0)
				snprintf(progress + strlen(progress),
				         sizeof(progress) - strlen(progress),
				         " %.1f KiB/s", rate);
		}
		fprintf(d->out, "\033[K%-8.8s %-22.22s %-20.20s %-16.16s %-14.14s %-26s %s%s\n",
		        s->name, s->port, line_slot_state_name(s->state), s->chip,
		        s->serial, progress, s->result,
		        s->flagged ? "  [FLAGGED]" : "");
	}
	fprintf(d->out, "\033[Kverified %u  failed %u  cancelled %u  %.0f boards/h\n",
	        d->verified, d->failed, d->cancelled,
	        boards_per_hour(d->verified + d->failed, secs));
	fflush(d->out);
	d->drawn = true;
}

/* ---- json --------------------------------------------------------- */

static void json_add_str(json_object *o, const char *key, const char *val)
{
	char esc[1024];

	json_object_object_add(o, key,
	                       val ? json_object_new_string(
	                                     stp_escape(esc, sizeof(esc), val))
	                           : NULL);
}

static json_object *json_head(const line_display *d, const char *type,
                              size_t slot)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	if (slot != (size_t)-1)
		json_add_str(o, "slot", d->slots[slot].name);
	return o;
}

static void json_emit(line_display *d, json_object *o)
{
	fprintf(d->out, "%s\n",
	        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(d->out);
	json_object_put(o);
}

static const char *event_kind_name(stp_event_kind k)
{
	static const char *const names[] = {
		"log", "phase_begin", "progress", "phase_end", "phase_failed",
		"identified", "unit_repaired", "result"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void json_event(line_display *d, size_t slot, const stp_event *ev)
{
	json_object *o = json_head(d, "event", slot);

	json_object_object_add(o, "kind",
	                       json_object_new_string(event_kind_name(ev->kind)));
	json_object_object_add(o, "time_ns", json_object_new_int64((int64_t)ev->time_ns));
	json_add_str(o, "target", ev->target);
	switch (ev->kind) {
	case STP_EVENT_LOG:
		json_object_object_add(o, "level", json_object_new_int(ev->level));
		json_add_str(o, "message", ev->message);
		break;
	case STP_EVENT_PHASE_BEGIN:
	case STP_EVENT_PROGRESS:
	case STP_EVENT_PHASE_END:
	case STP_EVENT_PHASE_FAILED:
		json_add_str(o, "phase", phase_name(ev->phase));
		json_object_object_add(o, "done", json_object_new_int64((int64_t)ev->done));
		json_object_object_add(o, "total", json_object_new_int64((int64_t)ev->total));
		if (ev->kind == STP_EVENT_PHASE_FAILED) {
			json_add_str(o, "status", stp_status_name(ev->status));
			json_add_str(o, "message", ev->message);
		}
		break;
	case STP_EVENT_IDENTIFIED:
		json_add_str(o, "backend", ev->backend);
		if (ev->info) {
			json_object_object_add(o, "pid", json_object_new_int(ev->info->pid));
			json_add_str(o, "chip", ev->info->identity);
			json_add_str(o, "serial", ev->info->serial);
			if (ev->info->uid_status == STP_UID_READ) {
				char uid[25];

				line_uid_text(ev->info->uid, uid);
				json_add_str(o, "uid", uid);
			}
		}
		break;
	case STP_EVENT_UNIT_REPAIRED:
		json_object_object_add(o, "addr", json_object_new_int64(ev->addr));
		json_object_object_add(o, "len", json_object_new_int64(ev->len));
		json_add_str(o, "message", ev->message);
		break;
	case STP_EVENT_RESULT:
		json_add_str(o, "message", ev->message);
		break;
	}
	json_emit(d, o);
}

/* ---- the calls ---------------------------------------------------- */

void line_display_event(line_display *d, size_t slot, const stp_event *ev)
{
	slot_view *s;
	char esc[1024];

	if (slot >= d->nslots)
		return;
	pthread_mutex_lock(&d->lock);
	s = &d->slots[slot];
	switch (ev->kind) {
	case STP_EVENT_PHASE_BEGIN:
		s->in_phase = true;
		s->phase = ev->phase;
		s->done = 0;
		s->total = ev->total;
		s->phase_t0_ns = s->last_ns = ev->time_ns;
		break;
	case STP_EVENT_PROGRESS:
		s->done = ev->done;
		s->total = ev->total;
		s->last_ns = ev->time_ns;
		break;
	case STP_EVENT_PHASE_END:
	case STP_EVENT_PHASE_FAILED:
		s->in_phase = false;
		break;
	default:
		break;
	}
	if (d->mode == LINE_DISPLAY_JSON) {
		json_event(d, slot, ev);
	} else if (d->mode == LINE_DISPLAY_TTY) {
		tty_draw(d, ev->kind != STP_EVENT_PROGRESS);
	} else if (!d->quiet) {
		switch (ev->kind) {
		case STP_EVENT_PHASE_END:
			fprintf(d->out, "slot %s: %s done, %llu %s\n", s->name,
			        phase_name(ev->phase), (unsigned long long)ev->total,
			        ev->phase == STP_PHASE_ERASE ? "units" : "bytes");
			break;
		case STP_EVENT_PHASE_FAILED:
			fprintf(d->out, "slot %s: %s stopped at %llu/%llu: %s\n",
			        s->name, phase_name(ev->phase),
			        (unsigned long long)ev->done,
			        (unsigned long long)ev->total,
			        stp_escape(esc, sizeof(esc), ev->message));
			break;
		case STP_EVENT_RESULT:
		case STP_EVENT_UNIT_REPAIRED:
			fprintf(d->out, "slot %s: %s\n", s->name,
			        stp_escape(esc, sizeof(esc), ev->message));
			break;
		case STP_EVENT_LOG:
			if (ev->level <= STP_LOG_WARN)
				fprintf(d->out, "slot %s: %s: %s\n", s->name,
				        ev->level == STP_LOG_ERROR ? "error" : "warning",
				        stp_escape(esc, sizeof(esc), ev->message));
			break;
		default:
			break;
		}
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_state(line_display *d, size_t slot, line_slot_state state,
                        const char *detail)
{
	if (slot >= d->nslots)
		return;
	pthread_mutex_lock(&d->lock);
	d->slots[slot].state = state;
	if (state == LINE_SLOT_CONNECTING || state == LINE_SLOT_WAITING) {
		d->slots[slot].in_phase = false;
	}
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "slot_state", slot);

		json_add_str(o, "state", line_slot_state_name(state));
		if (detail)
			json_add_str(o, "detail", detail);
		json_emit(d, o);
	} else if (d->mode == LINE_DISPLAY_TTY) {
		tty_draw(d, true);
	} else if (!d->quiet) {
		fprintf(d->out, "slot %s: %s%s%s\n", d->slots[slot].name,
		        line_slot_state_name(state), detail ? ", " : "",
		        detail ? detail : "");
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_board_found(line_display *d, size_t slot, const char *chip,
                              const char *uid)
{
	slot_view *s;

	if (slot >= d->nslots)
		return;
	pthread_mutex_lock(&d->lock);
	s = &d->slots[slot];
	stp_escape(s->chip, sizeof(s->chip), chip ? chip : "");
	s->serial[0] = '\0';
	s->result[0] = '\0';
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "board_found", slot);

		json_add_str(o, "chip", chip);
		json_add_str(o, "uid", uid && *uid ? uid : NULL);
		json_emit(d, o);
	} else if (d->mode == LINE_DISPLAY_TTY) {
		tty_draw(d, true);
	} else if (!d->quiet) {
		fprintf(d->out, "slot %s: %s on %s, UID %s\n", s->name, s->chip,
		        s->port, uid && *uid ? uid : "unreadable");
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_serial(line_display *d, size_t slot, const char *serial)
{
	if (slot >= d->nslots)
		return;
	pthread_mutex_lock(&d->lock);
	snprintf(d->slots[slot].serial, sizeof(d->slots[slot].serial), "%s",
	         serial);
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "serial", slot);

		json_add_str(o, "serial", serial);
		json_emit(d, o);
	} else if (d->mode == LINE_DISPLAY_TTY) {
		tty_draw(d, true);
	} else if (!d->quiet) {
		fprintf(d->out, "slot %s: serial %s\n", d->slots[slot].name,
		        serial);
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_board_done(line_display *d, size_t slot,
                             const line_board_result *r)
{
	slot_view *s;
	char cause[512] = "";

	if (slot >= d->nslots)
		return;
	if (r->cause)
		stp_escape(cause, sizeof(cause), r->cause);
	pthread_mutex_lock(&d->lock);
	s = &d->slots[slot];
	if (!strcmp(r->outcome, "verified"))
		d->verified++;
	else if (!strcmp(r->outcome, "cancelled"))
		d->cancelled++;
	else
		d->failed++;
	snprintf(s->result, sizeof(s->result), "%s", r->outcome);
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "board", slot);

		json_add_str(o, "port", s->port);
		json_add_str(o, "chip", r->chip);
		json_add_str(o, "uid", r->uid[0] ? r->uid : NULL);
		json_add_str(o, "serial", r->serial[0] ? r->serial : NULL);
		json_add_str(o, "serial_state", r->serial_state);
		json_object_object_add(o, "rework", json_object_new_boolean(r->rework));
		json_object_object_add(o, "attempts", json_object_new_int((int)r->attempts));
		json_add_str(o, "outcome", r->outcome);
		json_add_str(o, "cause", r->cause ? cause : NULL);
		json_emit(d, o);
	} else if (d->mode == LINE_DISPLAY_TTY) {
		tty_erase(d);
		fprintf(d->out, "slot %s: board %s%s%s%s: %s\n", s->name,
		        r->uid[0] ? "UID " : "", r->uid,
		        r->serial[0] ? ", serial " : "", r->serial, r->outcome);
		if (r->cause)
			fprintf(d->out, "  %s\n", cause);
		tty_draw(d, true);
	} else {
		fprintf(d->out, "slot %s: board %s%s, serial %s%s%s: %s after %u attempt(s)%s%s\n",
		        s->name, "UID ", r->uid[0] ? r->uid : "unreadable",
		        r->serial[0] ? r->serial : "none",
		        r->serial_state ? " " : "",
		        r->serial_state ? r->serial_state : "", r->outcome,
		        r->attempts, r->cause ? ": " : "", cause);
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_flagged(line_display *d, size_t slot, unsigned n)
{
	if (slot >= d->nslots)
		return;
	pthread_mutex_lock(&d->lock);
	d->slots[slot].flagged = true;
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "slot_flagged", slot);

		json_object_object_add(o, "failed_in_a_row", json_object_new_int((int)n));
		json_emit(d, o);
	} else {
		if (d->mode == LINE_DISPLAY_TTY)
			tty_erase(d);
		fprintf(d->out, "slot %s: FLAGGED: %u boards in a row failed; "
		        "check the jig (the slot keeps going)\n",
		        d->slots[slot].name, n);
		if (d->mode == LINE_DISPLAY_TTY)
			tty_draw(d, true);
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_note(line_display *d, const char *kind, const char *text)
{
	pthread_mutex_lock(&d->lock);
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "note", (size_t)-1);

		json_add_str(o, "kind", kind);
		json_add_str(o, "text", text);
		json_emit(d, o);
	} else {
		if (d->mode == LINE_DISPLAY_TTY)
			tty_erase(d);
		fprintf(d->out, "%s\n", text);
		if (d->mode == LINE_DISPLAY_TTY && d->drawn)
			tty_draw(d, true);
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

void line_display_summary(line_display *d, const line_summary *s)
{
	double bph = boards_per_hour(s->verified + s->failed + s->cancelled,
	                             s->elapsed_s);

	pthread_mutex_lock(&d->lock);
	if (d->mode == LINE_DISPLAY_JSON) {
		json_object *o = json_head(d, "summary", (size_t)-1);
		json_object *fl = json_object_new_array();
		json_object *rr = json_object_new_array();

		json_object_object_add(o, "verified", json_object_new_int((int)s->verified));
		json_object_object_add(o, "failed", json_object_new_int((int)s->failed));
		json_object_object_add(o, "cancelled", json_object_new_int((int)s->cancelled));
		json_object_object_add(o, "elapsed_s", json_object_new_double(s->elapsed_s));
		json_object_object_add(o, "boards_per_hour", json_object_new_double(bph));
		for (size_t i = 0; i < s->nflagged; i++)
			json_object_array_add(fl, json_object_new_string(s->flagged[i]));
		for (size_t i = 0; i < s->nrerun; i++)
			json_object_array_add(rr, json_object_new_string(s->rerun[i]));
		json_object_object_add(o, "flagged", fl);
		json_object_object_add(o, "rerun", rr);
		json_emit(d, o);
	} else {
		if (d->mode == LINE_DISPLAY_TTY && d->drawn) {
			tty_draw(d, true);
			d->drawn = false;   /* the summary goes under it */
		}
		fprintf(d->out, "summary: %u verified, %u failed, %u cancelled "
		        "in %.1f s (%.0f boards/h)\n", s->verified, s->failed,
		        s->cancelled, s->elapsed_s, bph);
		for (size_t i = 0; i < s->nflagged; i++)
			fprintf(d->out, "flagged: slot %s\n", s->flagged[i]);
		if (s->nrerun)
			fprintf(d->out, "boards to run again:\n");
		for (size_t i = 0; i < s->nrerun; i++)
			fprintf(d->out, "  %s\n", s->rerun[i]);
		fflush(d->out);
	}
	pthread_mutex_unlock(&d->lock);
}

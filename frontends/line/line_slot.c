/* stmprog-line: one jig position on its own thread (line_slot.h). */
#include "config.h"

#include "line_slot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stmprog/events.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

#include "serial_rule.h"

#define NPHASES 4
static const char *const phase_names[NPHASES] = {"Erasing", "Writing",
                                                 "Verifying", "Reading"};

static int64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Events of the slot's context: phase times for the log, everything to
 * the display.  Runs on the slot's thread. */
static void on_event(void *user, const stp_event *ev)
{
	line_slot *s = user;

	if ((unsigned)ev->phase < NPHASES) {
		if (ev->kind == STP_EVENT_PHASE_BEGIN) {
			s->phase_begin_ns[ev->phase] = ev->time_ns;
		} else if (ev->kind == STP_EVENT_PHASE_END ||
		           ev->kind == STP_EVENT_PHASE_FAILED) {
			s->phase_us[ev->phase] = (int64_t)(ev->time_ns -
			                         s->phase_begin_ns[ev->phase]) / 1000;
			s->phase_seen[ev->phase] = true;
		}
	}
	if (s->probing && (ev->kind == STP_EVENT_LOG ||
	                   ev->kind == STP_EVENT_IDENTIFIED))
		return;
	line_display_event(s->run->display, s->index, ev);
}

int line_slot_init(line_slot *s, size_t index, const line_slot_cfg *cfg,
                   const stp_job *job, line_run *run)
{
	memset(s, 0, sizeof(*s));
	s->index = index;
	s->cfg = cfg;
	s->job = job;
	s->run = run;
	s->ctx = stp_ctx_new();
	if (!s->ctx)
		return -1;
	stp_ctx_set_label(s->ctx, cfg->name);
	stp_ctx_set_events(s->ctx, on_event, s, STP_LOG_WARN);
	stp_ctx_confirm(s->ctx, run->job_cfg->confirm);
	return 0;
}

void line_slot_fini(line_slot *s)
{
	stp_ctx_free(s->ctx);
	free(s->reruns);
	s->ctx = NULL;
	s->reruns = NULL;
}

/* ---- waiting ------------------------------------------------------ */

static bool stopping(const line_slot *s)
{
	return atomic_load(&s->run->stopping) || stp_cancelled(s->ctx);
}

/* Sleeps ms unless the run stops first; returns whether it goes on. */
static bool nap(line_slot *s, unsigned ms)
{
	line_run *r = s->run;
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (!stopping(s) &&
	       pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&r->lock);
	return !stopping(s);
}

int line_run_init(line_run *run, long limit)
{
	pthread_condattr_t attr;

	/* The slots' naps are measured on the monotonic clock. */
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (pthread_cond_init(&run->wake, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		return -1;
	}
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&run->lock, NULL);
	atomic_init(&run->boards_left, limit > 0 ? limit : -1);
	atomic_init(&run->stopping, false);
	atomic_init(&run->slots_running, 0);
	run->boards_limit = limit;
	run->boards_done = 0;
	return 0;
}

void line_run_fini(line_run *run)
{
	pthread_cond_destroy(&run->wake);
	pthread_mutex_destroy(&run->lock);
}

void line_run_stop(line_run *run, line_slot *slots, size_t nslots,
                   bool cancel_running)
{
	pthread_mutex_lock(&run->lock);
	atomic_store(&run->stopping, true);
	pthread_cond_broadcast(&run->wake);
	pthread_mutex_unlock(&run->lock);
	if (cancel_running)
		for (size_t i = 0; i < nslots; i++)
			stp_cancel(slots[i].ctx);
}

/* A board may start unless --boards N were started already. */
static bool take_board(line_run *r)
{
	long left = atomic_load(&r->boards_left);

	while (left != 0) {
		if (left < 0)
			return true;
		if (atomic_compare_exchange_weak(&r->boards_left, &left, left - 1))
			return true;
	}
	return false;
}

/* After a board: with --boards N, the last one to finish ends the run. */
static void board_finished(line_slot *s)
{
	line_run *r = s->run;

	pthread_mutex_lock(&r->lock);
	if (r->boards_limit > 0 && ++r->boards_done >= r->boards_limit) {
		atomic_store(&r->stopping, true);
		pthread_cond_broadcast(&r->wake);
	}
	pthread_mutex_unlock(&r->lock);
}

static void set_state(line_slot *s, line_slot_state st, const char *detail)
{
	if (st == s->state && !detail)
		return;
	s->state = st;
	line_display_state(s->run->display, s->index, st, detail);
}

/* ---- one board ---------------------------------------------------- */

static stp_status connect_board(line_slot *s, stp_target **t)
{
	stp_portspec spec;
	stp_status st;

	*t = NULL;
	st = stp_portspec_parse_string(s->ctx, s->cfg->port, &spec);
	if (st == STP_OK)
		st = stp_target_open(s->ctx, &spec, t);
	return st;
}

static void board_uid(const stp_target *t, char uid[25])
{
	const stp_device_info *info = stp_target_info(t);

	uid[0] = '\0';
	if (info && info->uid_status == STP_UID_READ)
		line_uid_text(info->uid, uid);
}

static const char *uid_missing_reason(const stp_device_info *info)
{
	switch (info->uid_status) {
	case STP_UID_PROTECTED:
		return "readout protection refuses the read";
	case STP_UID_NO_ADDRESS:
		return "the chip database has no UID address for this part";
	case STP_UID_UNREADABLE:
		return "this bootloader cannot read the UID address";
	default:
		return "no chip was identified";
	}
}

static void chip_name(const stp_target *t, char *out, size_t len)
{
	const stp_device_info *info = stp_target_info(t);
	char esc[256];

	if (info && info->chip)
		snprintf(out, len, "%s", info->chip->name);
	else if (info)
		snprintf(out, len, "%s", stp_escape(esc, sizeof(esc), info->identity));
	else
		snprintf(out, len, "unknown");
}

static void add_rerun(line_slot *s, const char *uid, const char *serial)
{
	line_rerun *n = realloc(s->reruns, (s->nreruns + 1) * sizeof(*n));

	if (!n)
		return;
	s->reruns = n;
	snprintf(n[s->nreruns].uid, sizeof(n[s->nreruns].uid), "%s", uid);
	snprintf(n[s->nreruns].serial, sizeof(n[s->nreruns].serial), "%s", serial);
	s->nreruns++;
}

/* Everything one board gets: attempts (first, then the retries, each
 * its own row) until it verifies, is cancelled or runs out of retries.
 * t is the open target of the first attempt, or NULL when the first
 * connection failed (batch mode: that is the first attempt's failure).
 * Returns the target still open after the last attempt, or NULL. */
static stp_target *run_board(line_slot *s, stp_target *t)
{
	line_run *r = s->run;
	const line_job_cfg *jc = r->job_cfg;
	const line_station *sta = r->station;
	unsigned max_attempts = 1 + s->cfg->retries;
	char board[25] = "";
	char chip[96] = "";
	char serial_text[LINE_SERIAL_TEXT_MAX] = "";
	char cause[1024];
	uint8_t serial_bytes[8];
	uint64_t serial = 0;
	bool reserved = false, rework = false, verified = false;
	bool cancelled = false, give_up = false;
	unsigned n;

	if (t) {
		board_uid(t, board);
		chip_name(t, chip, sizeof(chip));
	}
	for (n = 1;; n++) {
		line_attempt a;
		line_phase_time phases[NPHASES];
		const stp_device_info *info;
		char err[512];
		stp_status st = STP_OK;

		cause[0] = '\0';
		if (!t && n > 1) {
			char detail[32];

			snprintf(detail, sizeof(detail), "attempt %u in %u ms", n,
			         sta->retry_delay_ms);
			set_state(s, LINE_SLOT_RETRY_WAIT, detail);
			if (!nap(s, sta->retry_delay_ms) && stp_cancelled(s->ctx)) {
				cancelled = true;
				n--;
				break;
			}
			set_state(s, LINE_SLOT_CONNECTING, NULL);
			st = connect_board(s, &t);
			if (st == STP_OK) {
				char uid[25];

				board_uid(t, uid);
				if (board[0] && uid[0] && strcmp(uid, board)) {
					snprintf(cause, sizeof(cause),
					         "another board answers on %s (UID %s, not %s): "
					         "the board was replaced during its retries",
					         s->cfg->port, uid, board);
					stp_target_close(t);
					t = NULL;
					give_up = true;
				} else {
					if (!board[0])
						snprintf(board, sizeof(board), "%s", uid);
					chip_name(t, chip, sizeof(chip));
				}
			}
		}
		if (!t && !cause[0])
			snprintf(cause, sizeof(cause), "%s", stp_last_detail(s->ctx)[0]
			         ? stp_last_detail(s->ctx) : "the board did not answer");

		memset(&a, 0, sizeof(a));
		a.run_id = r->run_id;
		a.station = sta->name;
		a.slot = s->cfg->name;
		a.port = s->cfg->port;
		a.attempt = n;
		info = t ? stp_target_info(t) : NULL;
		if (info) {
			a.chip_pid = info->pid;
			a.chip_name = chip;
			a.flash_size = info->flash_size;
		}
		snprintf(a.uid, sizeof(a.uid), "%s", board);
		a.job_name = jc->name;
		a.content_sha256 = r->content_sha256;
		a.tool_version = STMPROG_VERSION;
		a.started_us = wall_us();
		a.outcome = "running";
		if (reserved) {
			a.has_serial = true;
			a.serial = serial;
			a.serial_text = serial_text;
		}
		if (line_db_attempt_begin(r->db, &a, err, sizeof(err)) != 0) {
			/* Nothing is touched without its row. */
			snprintf(cause, sizeof(cause), "%s", err);
			line_display_note(r->display, "error", err);
			give_up = true;
			break;
		}

		if (t && jc->has_serial && !reserved) {
			line_db_sequence seq = {jc->serial.sequence, jc->serial.start,
			                        jc->serial.step,
			                        line_serial_max(&jc->serial)};

			if (!board[0]) {
				snprintf(cause, sizeof(cause),
				         "the job writes a serial number and this board's UID "
				         "cannot be read (%s): serials are tied to the UID, so "
				         "the board is not programmed",
				         uid_missing_reason(info));
				give_up = true;
			} else if (line_db_reserve(r->db, &seq, board, sta->name,
			                           s->cfg->name, a.id, &serial, &rework,
			                           err, sizeof(err)) != 0) {
				snprintf(cause, sizeof(cause), "%s", err);
				give_up = true;
			} else if (reserved = true,
			           line_serial_encode(&jc->serial, serial, serial_bytes,
			                              sizeof(serial_bytes), serial_text,
			                              sizeof(serial_text)) != 0) {
				snprintf(cause, sizeof(cause),
				         "serial %llu does not fit the rule's encoding",
				         (unsigned long long)serial);
				give_up = true;
			} else {
				a.has_serial = true;
				a.serial = serial;
				a.serial_text = serial_text;
				line_display_serial(r->display, s->index, serial_text);
			}
		}

		if (t && !give_up) {
			stp_job_patch patch = {jc->serial.address, serial_bytes,
			                       line_serial_size(&jc->serial), "serial"};
			stp_job_run_opts opts = {&patch, reserved ? 1u : 0u};

			set_state(s, LINE_SLOT_PROGRAMMING, NULL);
			memset(s->phase_seen, 0, sizeof(s->phase_seen));
			stp_ctx_confirm(s->ctx, jc->confirm);
			st = stp_job_run(s->job, s->ctx, t, &opts, NULL);
			if (st == STP_OK)
				verified = true;
			else if (st == STP_ERR_CANCELLED)
				cancelled = true;
			if (st != STP_OK)
				snprintf(cause, sizeof(cause), "%s", stp_last_detail(s->ctx));
		}
		a.nphases = 0;
		for (unsigned p = 0; p < NPHASES; p++)
			if (s->phase_seen[p])
				phases[a.nphases++] = (line_phase_time){phase_names[p],
				                                        s->phase_us[p]};
		a.phases = phases;
		a.ended_us = wall_us();
		a.outcome = verified ? "verified" : cancelled ? "cancelled" : "failed";
		a.cause = verified ? NULL : cause;
		if (line_db_attempt_end(r->db, &a, err, sizeof(err)) != 0)
			line_display_note(r->display, "error", err);
		if (verified || cancelled || give_up || n >= max_attempts)
			break;
		if (stopping(s)) {
			cancelled = stp_cancelled(s->ctx);
			break;
		}
		stp_target_close(t);
		t = NULL;
	}

	const char *serial_state = NULL;
	if (reserved) {
		char err[512];

		if (line_db_release(r->db, jc->serial.sequence, serial, verified,
		                    jc->serial.on_failure, err, sizeof(err)) != 0)
			line_display_note(r->display, "error", err);
		serial_state = verified || rework ? "used"
		               : jc->serial.on_failure == LINE_SERIAL_VOID ? "void"
		               : "returned";
	}

	line_board_result res;
	memset(&res, 0, sizeof(res));
	snprintf(res.uid, sizeof(res.uid), "%s", board);
	snprintf(res.chip, sizeof(res.chip), "%s", chip);
	snprintf(res.serial, sizeof(res.serial), "%s", reserved ? serial_text : "");
	res.attempts = n;
	res.outcome = verified ? "verified" : cancelled ? "cancelled" : "failed";
	res.cause = verified ? NULL : cause;
	res.rework = rework;
	res.serial_state = serial_state;
	line_display_board_done(r->display, s->index, &res);

	if (verified) {
		s->verified++;
		s->failed_in_a_row = 0;
	} else if (cancelled) {
		s->cancelled++;
		add_rerun(s, board, reserved ? serial_text : "");
	} else {
		s->failed++;
		if (++s->failed_in_a_row >= r->station->flag_after &&
		    r->station->flag_after > 0 && !s->flagged) {
			s->flagged = true;
			line_display_flagged(r->display, s->index, s->failed_in_a_row);
		}
	}
	return t;
}

/* Continuous mode, after a board: polls until it is gone (the connection
 * fails) or another board answers (another UID).  The same UID still
 * answering (end: stay), or no UID then and now, is the same board.  Returns the
 * open target of a new board, or NULL once the old one is gone or the run
 * stops. */
static stp_target *wait_removal(line_slot *s, stp_target *t,
                                const char *board)
{
	set_state(s, LINE_SLOT_REMOVAL_WAIT, NULL);
	for (;;) {
		char uid[25];
		stp_status st;

		stp_target_close(t);
		t = NULL;
		if (!nap(s, s->run->station->poll_ms))
			return NULL;
		s->probing = true;
		st = connect_board(s, &t);
		s->probing = false;
		if (st != STP_OK)
			return NULL;
		board_uid(t, uid);
		if (strcmp(uid, board) != 0)
			return t;
	}
}

/* Batch: one board per slot.  Continuous: wait for a board, program it,
 * wait until it is gone, again.  Boards are found by connection attempts
 * every poll_ms on every transport, USB included: libusb's hot-plug
 * events would need a libstmprog call (front-ends do not use libusb),
 * and under the simulator's umockdev test bed libusb reports the
 * hot-plug capability and registers a callback but delivers no arrival
 * or removal event, so the periodic attempts are the tested path. */
static void *slot_main(void *arg)
{
	line_slot *s = arg;
	line_run *r = s->run;
	stp_target *t = NULL;

	while (!stopping(s)) {
		char uid[25] = "", chip[96] = "";

		if (!t) {
			set_state(s, r->continuous ? LINE_SLOT_WAITING
			                           : LINE_SLOT_CONNECTING, NULL);
			if (connect_board(s, &t) != STP_OK) {
				t = NULL;
				if (r->continuous) {
					nap(s, r->station->poll_ms);
					continue;
				}
			}
		}
		if (!take_board(r))
			break;
		if (t) {
			board_uid(t, uid);
			chip_name(t, chip, sizeof(chip));
			line_display_board_found(r->display, s->index, chip, uid);
		}
		t = run_board(s, t);
		board_finished(s);
		if (!r->continuous)
			break;
		if (t) {
			board_uid(t, uid);
			t = wait_removal(s, t, uid);
		}
	}
	stp_target_close(t);
	set_state(s, LINE_SLOT_STOPPED, NULL);
	atomic_fetch_sub(&r->slots_running, 1);
	return NULL;
}

int line_slot_start(line_slot *s)
{
	atomic_fetch_add(&s->run->slots_running, 1);
	if (pthread_create(&s->thread, NULL, slot_main, s) != 0) {
		atomic_fetch_sub(&s->run->slots_running, 1);
		return -1;
	}
	return 0;
}

void line_slot_join(line_slot *s)
{
	pthread_join(s->thread, NULL);
}

/* The library context: where the event channel (and the log and progress
 * views of it) lives, and where the last failure is kept so a front-end
 * can print one clear line and a hint after any call returns an error. */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stmprog/context.h"
#include "stmprog/events.h"
#include "ctx_internal.h"

#define DETAIL_MAX 1024
#define HINT_MAX 512

struct stp_ctx {
	stp_log_fn log_fn;
	void *log_user;
	stp_log_level log_max;
	stp_progress_fn progress_fn;
	void *progress_user;
	/* The one event channel (stmprog/events.h); the log and progress
	 * callbacks above are views of it for callers that want only those. */
	stp_event_fn event_fn;
	void *event_user;
	char label[128];        /* stp_ctx_set_label; "" = port_label */
	char port_label[128];   /* the port of the target opened on ctx */
	stp_status last_status;
	char detail[DETAIL_MAX];
	char hint[HINT_MAX];
	struct stp_registry *registry;
	/* Irreversible steps the caller confirmed (STP_IRREV_*). */
	unsigned confirmed;
	unsigned timeout_ms;        /* -tm; 0: the backends' own */
	/* The phase stp_phase_begin opened and not yet closed, -1 if none:
	 * a backend's PROGRESS of another phase (a DfuSe erase inside the
	 * engine's repair during the write) is not the open phase's
	 * progress and is not passed on. */
	int open_phase;
	/* Set from a signal handler or another thread, read between blocks.
	 * A sig_atomic_t is safe against a signal on the same thread only;
	 * a lock-free atomic is safe against both. */
	atomic_int cancel;
};

/* A handler may only touch a lock-free atomic. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2,
               "stp_cancel needs a lock-free atomic_int to be "
               "async-signal-safe");

stp_ctx *stp_ctx_new(void)
{
	stp_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx) {
		ctx->log_max = STP_LOG_WARN;
		ctx->open_phase = -1;
		atomic_init(&ctx->cancel, 0);
	}
	return ctx;
}

void stp_ctx_free(stp_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->registry)
		stp_registry_free(ctx->registry);
	free(ctx);
}

void stp_ctx_confirm(stp_ctx *ctx, unsigned kinds)
{
	ctx->confirmed = kinds;
}

unsigned stp_ctx_confirmed(const stp_ctx *ctx)
{
	return ctx->confirmed;
}

void stp_ctx_set_timeout_ms(stp_ctx *ctx, unsigned ms)
{
	ctx->timeout_ms = ms;
}

unsigned stp_ctx_timeout_ms(const stp_ctx *ctx)
{
	return ctx->timeout_ms;
}

/* Release/acquire: what the canceller did before asking is visible to
 * the thread that sees the request.  One store: no lock, no call that a
 * signal handler must not make. */
void stp_cancel(stp_ctx *ctx)
{
	atomic_store_explicit(&ctx->cancel, 1, memory_order_release);
}

bool stp_cancelled(const stp_ctx *ctx)
{
	/* The load is const in effect; C11's atomic_load takes a non-const
	 * pointer. */
	return atomic_load_explicit(&((stp_ctx *)ctx)->cancel,
	                            memory_order_acquire) != 0;
}

struct stp_registry **stp_ctx_registry(stp_ctx *ctx)
{
	return &ctx->registry;
}

void stp_ctx_set_log(stp_ctx *ctx, stp_log_fn fn, void *user,
                     stp_log_level max_level)
{
	ctx->log_fn = fn;
	ctx->log_user = user;
	ctx->log_max = max_level;
}

void stp_ctx_set_progress(stp_ctx *ctx, stp_progress_fn fn, void *user)
{
	ctx->progress_fn = fn;
	ctx->progress_user = user;
}

static const struct {
	const char *name;
	const char *text;
} status_text[STP_STATUS_COUNT] = {
	[STP_OK] = {"ok", "success"},
	[STP_ERR_ARG] = {"argument", "invalid argument"},
	[STP_ERR_NOMEM] = {"nomem", "out of memory"},
	[STP_ERR_PORTSPEC] = {"portspec", "invalid port specification"},
	[STP_ERR_BACKEND] = {"backend", "backend module error"},
	[STP_ERR_NOT_FOUND] = {"not-found", "not found"},
	[STP_ERR_ACCESS] = {"access", "permission denied"},
	[STP_ERR_IO] = {"io", "input/output error on the port"},
	[STP_ERR_TIMEOUT] = {"timeout", "the device did not answer in time"},
	[STP_ERR_NACK] = {"nack", "the device refused the command"},
	[STP_ERR_PROTOCOL] = {"protocol", "unexpected answer from the device"},
	[STP_ERR_UNSUPPORTED] = {"unsupported", "operation not supported"},
	[STP_ERR_PROTECTED] = {"protected", "the memory is protected"},
	[STP_ERR_FILE] = {"file", "file error"},
	[STP_ERR_IMAGE] = {"image", "malformed image file"},
	[STP_ERR_LAYOUT] = {"layout", "the image does not fit the chip"},
	[STP_ERR_VERIFY] = {"verify", "verify failed: the device holds other data"},
	[STP_ERR_DISCONNECTED] = {"disconnected", "the device disconnected"},
	[STP_ERR_INTERNAL] = {"internal", "internal error"},
	[STP_ERR_REFUSED] = {"refused", "refused: an irreversible step was not confirmed"},
	[STP_ERR_CANCELLED] = {"cancelled", "stopped before the end"},
	[STP_ERR_BUSY] = {"busy", "another program is using the port"},
};

const char *stp_strerror(stp_status st)
{
	if ((unsigned)st >= STP_STATUS_COUNT)
		return "unknown error";
	return status_text[st].text;
}

const char *stp_status_name(stp_status st)
{
	if ((unsigned)st >= STP_STATUS_COUNT)
		return "unknown";
	return status_text[st].name;
}

stp_status stp_last_status(const stp_ctx *ctx)
{
	return ctx->last_status;
}

const char *stp_last_detail(const stp_ctx *ctx)
{
	return ctx->detail;
}

const char *stp_last_hint(const stp_ctx *ctx)
{
	return ctx->hint;
}

stp_status stp_fail(stp_ctx *ctx, stp_status st, const char *hint,
                    const char *fmt, ...)
{
	va_list ap;

	if (!ctx)
		return st;
	ctx->last_status = st;
	va_start(ap, fmt);
	vsnprintf(ctx->detail, sizeof(ctx->detail), fmt, ap);
	va_end(ap);
	snprintf(ctx->hint, sizeof(ctx->hint), "%s", hint ? hint : "");
	stp_log(ctx, STP_LOG_DEBUG, "failure (%s): %s", stp_status_name(st),
	        ctx->detail);
	return st;
}

void stp_set_hint(stp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->hint, sizeof(ctx->hint), fmt, ap);
	va_end(ap);
}

void stp_clear_error(stp_ctx *ctx)
{
	ctx->last_status = STP_OK;
	ctx->detail[0] = '\0';
	ctx->hint[0] = '\0';
}

int stp_log_enabled(const stp_ctx *ctx, stp_log_level level)
{
	return ctx && (ctx->log_fn || ctx->event_fn) && level <= ctx->log_max;
}

void stp_ctx_set_events(stp_ctx *ctx, stp_event_fn fn, void *user,
                        stp_log_level max_level)
{
	ctx->event_fn = fn;
	ctx->event_user = user;
	ctx->log_max = max_level;
}

void stp_ctx_set_label(stp_ctx *ctx, const char *label)
{
	snprintf(ctx->label, sizeof(ctx->label), "%s", label ? label : "");
}

void stp_ctx_set_port_label(stp_ctx *ctx, const char *port)
{
	snprintf(ctx->port_label, sizeof(ctx->port_label), "%s",
	         port ? port : "");
}

const char *stp_ctx_label(const stp_ctx *ctx)
{
	return ctx->label[0] ? ctx->label : ctx->port_label;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void stp_emit(stp_ctx *ctx, const stp_event *ev)
{
	stp_event e;

	if (!ctx)
		return;
	if (ev->kind == STP_EVENT_PROGRESS && ctx->open_phase >= 0 &&
	    (int)ev->phase != ctx->open_phase)
		return;
	if (ev->kind == STP_EVENT_LOG && ev->level > ctx->log_max)
		return;
	if (ev->kind == STP_EVENT_LOG && ctx->log_fn && ev->level <= ctx->log_max)
		ctx->log_fn(ctx->log_user, ev->level, ev->message);
	if (ev->kind == STP_EVENT_PROGRESS && ctx->progress_fn)
		ctx->progress_fn(ctx->progress_user, ev->phase, ev->done,
		                 ev->total);
	if (!ctx->event_fn)
		return;
	e = *ev;
	e.time_ns = monotonic_ns();
	e.target = stp_ctx_label(ctx);
	if (!e.message)
		e.message = "";
	if (!e.backend)
		e.backend = "";
	ctx->event_fn(ctx->event_user, &e);
}

static void emit_phase(stp_ctx *ctx, stp_event_kind kind, stp_phase phase,
                       uint64_t done, uint64_t total)
{
	stp_event ev = {.kind = kind, .level = STP_LOG_INFO, .phase = phase,
	                .done = done, .total = total};
	stp_emit(ctx, &ev);
}

void stp_phase_begin(stp_ctx *ctx, stp_phase phase, uint64_t total)
{
	if (!ctx)
		return;
	ctx->open_phase = (int)phase;
	emit_phase(ctx, STP_EVENT_PHASE_BEGIN, phase, 0, total);
}

void stp_phase_end(stp_ctx *ctx, stp_phase phase, uint64_t total)
{
	if (!ctx)
		return;
	ctx->open_phase = -1;
	emit_phase(ctx, STP_EVENT_PHASE_END, phase, total, total);
}

void stp_phase_failed(stp_ctx *ctx, stp_phase phase, uint64_t done,
                      uint64_t total, stp_status st)
{
	stp_event ev = {.kind = STP_EVENT_PHASE_FAILED, .level = STP_LOG_INFO,
	                .phase = phase, .done = done, .total = total,
	                .status = st, .message = ctx ? ctx->detail : ""};

	if (!ctx)
		return;
	ctx->open_phase = -1;
	stp_emit(ctx, &ev);
}

void stp_result(stp_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	stp_event ev = {.kind = STP_EVENT_RESULT, .level = STP_LOG_INFO,
	                .message = msg};

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stp_emit(ctx, &ev);
}

void stp_vlog(stp_ctx *ctx, stp_log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	stp_event ev = {.kind = STP_EVENT_LOG, .level = level, .message = msg};

	if (!stp_log_enabled(ctx, level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	stp_emit(ctx, &ev);
}

void stp_log(stp_ctx *ctx, stp_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	stp_vlog(ctx, level, fmt, ap);
	va_end(ap);
}

void stp_progress(stp_ctx *ctx, stp_phase phase, uint64_t done, uint64_t total)
{
	stp_event ev = {.kind = STP_EVENT_PROGRESS, .level = STP_LOG_INFO,
	                .phase = phase, .done = done, .total = total};
	stp_emit(ctx, &ev);
}

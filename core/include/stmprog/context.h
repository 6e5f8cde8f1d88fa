/* libstmprog: the library context, errors, logging and progress callbacks.
 *
 * The library never prints.  Everything it has to say reaches the caller
 * as events (stmprog/events.h: messages, phases, progress, the chip
 * identified, repairs, results), and every failure is a status code plus
 * a detail sentence (what failed, where) and a hint (what to do) kept in
 * the context until the next failure.
 *
 * Ownership and threading: stp_ctx_new returns a context the caller owns
 * and frees with stp_ctx_free.  A context, and every target opened on it, is used by one
 * thread at a time; different contexts may be used from different
 * threads at once.  The one exception is stp_cancel, which any thread or
 * a signal handler may call at any time.  Strings returned by the getters
 * belong to the context and stay valid until its next failure or its
 * free.
 */
#ifndef STMPROG_CONTEXT_H
#define STMPROG_CONTEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stp_ctx stp_ctx;

typedef enum stp_status {
	STP_OK = 0,
	STP_ERR_ARG,          /* a bad argument from the caller */
	STP_ERR_NOMEM,        /* out of memory */
	STP_ERR_PORTSPEC,     /* a malformed -c port=... specification */
	STP_ERR_BACKEND,      /* a backend module could not be loaded or used */
	STP_ERR_NOT_FOUND,    /* no such device, port, backend or chip */
	STP_ERR_ACCESS,       /* permission denied on a device */
	STP_ERR_IO,           /* the transport failed */
	STP_ERR_TIMEOUT,      /* the device did not answer in time */
	STP_ERR_NACK,         /* the device refused a command */
	STP_ERR_PROTOCOL,     /* the device answered something unexpected */
	STP_ERR_UNSUPPORTED,  /* the backend or device cannot do this */
	STP_ERR_PROTECTED,    /* readout or write protection is in the way */
	STP_ERR_FILE,         /* a file could not be read or written */
	STP_ERR_IMAGE,        /* an image file is malformed */
	STP_ERR_LAYOUT,       /* the image does not fit the chip's memory map */
	STP_ERR_VERIFY,       /* the device holds other bytes than written */
	STP_ERR_DISCONNECTED, /* the device went away */
	STP_ERR_INTERNAL,     /* a bug in stmprog */
	/* New codes go here, after the old ones, so a backend built against
	 * an older header still means the same thing by each number. */
	STP_ERR_REFUSED,      /* an irreversible step was not confirmed */
	STP_ERR_CANCELLED,    /* the caller stopped the operation */
	STP_ERR_BUSY,         /* another program holds the port or device */
	STP_STATUS_COUNT
} stp_status;

typedef enum stp_log_level {
	STP_LOG_ERROR = 0,
	STP_LOG_WARN,
	STP_LOG_INFO,
	STP_LOG_DEBUG,
	STP_LOG_TRACE
} stp_log_level;

/* Phases a progress callback is told about. */
typedef enum stp_phase {
	STP_PHASE_ERASE = 0,
	STP_PHASE_WRITE,
	STP_PHASE_VERIFY,
	STP_PHASE_READ
} stp_phase;

typedef void (*stp_log_fn)(void *user, stp_log_level level, const char *msg);
typedef void (*stp_progress_fn)(void *user, stp_phase phase, uint64_t done,
                                uint64_t total);

stp_ctx *stp_ctx_new(void);
void stp_ctx_free(stp_ctx *ctx);

/* Views of the event channel (stmprog/events.h) for callers that want
 * only messages or only progress: the log callback gets the LOG events,
 * the progress callback the PROGRESS events (not PHASE_BEGIN/END/FAILED:
 * use stp_ctx_set_events for those).  Messages above max_level are not
 * formatted at all; max_level is shared with stp_ctx_set_events (the
 * last call sets it).  Set before the context is used. */
void stp_ctx_set_log(stp_ctx *ctx, stp_log_fn fn, void *user,
                     stp_log_level max_level);
void stp_ctx_set_progress(stp_ctx *ctx, stp_progress_fn fn, void *user);

/* The generic sentence for a status ("the device did not answer in time"). */
const char *stp_strerror(stp_status st);
/* Short stable name of a status ("timeout"), for logs and tests. */
const char *stp_status_name(stp_status st);

/* The last failure recorded in ctx: its status, what failed and where
 * ("" if nothing was recorded), and what to do about it ("" if no hint). */
stp_status stp_last_status(const stp_ctx *ctx);
const char *stp_last_detail(const stp_ctx *ctx);
const char *stp_last_hint(const stp_ctx *ctx);

/* Used by the library and by backends: record a failure and return st.
 * hint may be NULL. */
stp_status stp_fail(stp_ctx *ctx, stp_status st, const char *hint,
                    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Replace the hint of the last failure (a caller that knows better). */
void stp_set_hint(stp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void stp_clear_error(stp_ctx *ctx);

void stp_log(stp_ctx *ctx, stp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void stp_vlog(stp_ctx *ctx, stp_log_level level, const char *fmt, va_list ap);
int stp_log_enabled(const stp_ctx *ctx, stp_log_level level);

/* The longest a single operation on ctx's target may wait for the
 * device (the vendor CLI's -tm MS): an erase, a write block, an answer.
 * 0 (the default) keeps each backend's own per-operation timeouts, which
 * follow the chip database's typical times.  Set before the target is
 * opened. */
void stp_ctx_set_timeout_ms(stp_ctx *ctx, unsigned ms);
unsigned stp_ctx_timeout_ms(const stp_ctx *ctx);

/* Irreversible steps (see stmprog/guard.h) the caller confirmed for the
 * operations on ctx from now on; 0 (the default) confirms none. */
void stp_ctx_confirm(stp_ctx *ctx, unsigned kinds);
unsigned stp_ctx_confirmed(const stp_ctx *ctx);

/* Asks the operation running on ctx to stop at the next block boundary
 * (it then fails with STP_ERR_CANCELLED, saying what the device holds;
 * the open phase ends with STP_EVENT_PHASE_FAILED).  Safe to call from
 * any thread and from a signal handler: it stores one lock-free atomic
 * flag.  The request stays set for the life of the context.
 * stp_cancelled is one atomic load, cheap enough for every block. */
void stp_cancel(stp_ctx *ctx);
bool stp_cancelled(const stp_ctx *ctx);
/* For the library and backends: the open phase moved on (an
 * STP_EVENT_PROGRESS; done <= total).  Dropped when another phase is
 * open (see stmprog/events.h). */
void stp_progress(stp_ctx *ctx, stp_phase phase, uint64_t done, uint64_t total);

/* Copies a string a device supplied (USB product, serial, DfuSe alternate
 * setting names, adapter descriptions) into dst, writing every byte that
 * is not printable ASCII as \xNN, so the device cannot send control
 * sequences to the user's terminal.  Escaping twice changes nothing more.
 * dst is always terminated; an escape is never cut in half.  dst may be
 * src (escaping in place).  Returns dst. */
char *stp_escape(char *dst, size_t dstlen, const char *src);

#ifdef __cplusplus
}
#endif
#endif

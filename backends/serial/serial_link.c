/* The serial link: picks libserialport or termios for a port and adapts
 * either to the byte_link and ls_driver interfaces (serial_link.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "serial_impl.h"

uint64_t serial_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void serial_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

const char *serial_open_hint(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "add your user to the dialout group (sudo adduser $USER "
		       "dialout, then log in again), or install "
		       "contrib/udev/50-stmprog.rules";
	case EBUSY:
		return "another program has the port open (a terminal program, "
		       "ModemManager?)";
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "`stmprog -l uart` lists the serial ports";
	default:
		return NULL;
	}
}

/* Milliseconds n bytes take on the wire. */
static unsigned wire_ms(const serial_link *sl, size_t n)
{
	return (unsigned)((uint64_t)n * sl->bits_per_byte * 1000u / sl->baud) + 1;
}

/* The bytes of one transfer at STP_LOG_TRACE (-vb 3), abridged. */
static void trace(serial_link *sl, const char *dir, const uint8_t *buf,
                  int n)
{
	char hex[3 * 24 + 16];
	int at = 0;

	if (n <= 0 || !stp_log_enabled(sl->ctx, STP_LOG_TRACE))
		return;
	for (int i = 0; i < n && i < 24; i++)
		at += snprintf(hex + at, sizeof(hex) - (size_t)at, " %02X", buf[i]);
	if (n > 24)
		snprintf(hex + at, sizeof(hex) - (size_t)at, " ...");
	stp_log(sl->ctx, STP_LOG_TRACE, "%s %s (%d):%s", sl->port, dir, n, hex);
}

static int l_write(void *user, const uint8_t *buf, size_t len)
{
	serial_link *sl = user;
	uint64_t now = serial_now_ms();
	unsigned wire = wire_ms(sl, len);

	if (sl->tx_done_ms < now)
		sl->tx_done_ms = now;
	sl->tx_done_ms += wire;
	trace(sl, ">", buf, (int)len);
	return sl->impl->write(sl, buf, len, 1000 + 2 * wire);
}

/* The protocol's timeouts count from when the device has our bytes and
 * leave out the time its answer takes on the wire: write() returns long
 * before 258 bytes are out at 1200 baud, and 256 bytes back take 2.3 s. */
static int l_read(void *user, uint8_t *buf, size_t len, unsigned timeout_ms)
{
	serial_link *sl = user;
	uint64_t now = serial_now_ms();

	int got;

	if (sl->tx_done_ms > now)
		timeout_ms += (unsigned)(sl->tx_done_ms - now);
	got = sl->impl->read(sl, buf, len, timeout_ms + wire_ms(sl, len));
	trace(sl, "<", buf, got);
	return got;
}

static void l_flush(void *user)
{
	serial_link *sl = user;

	sl->impl->flush(sl);
}

static uint64_t l_now(void *user)
{
	return serial_now_ms();
}

static void l_sleep(void *user, unsigned ms)
{
	serial_sleep_ms(ms);
}

static const char *l_error(void *user)
{
	serial_link *sl = user;

	return sl->err;
}

static int l_set(void *user, ls_signal sig, bool high)
{
	serial_link *sl = user;

	if (sig >= LS_CBUS0) {
		strcpy(sl->err, "FTDI CBUS pins are driven through libftdi1, not "
		                "the serial port");
		return -1;
	}
	return sl->impl->set_line(sl, sig, high);
}

stp_status serial_open(stp_ctx *ctx, const stp_portspec *spec,
                       serial_link **out)
{
	serial_link *sl = calloc(1, sizeof(*sl));
	const char *path = spec->port;
	stp_status st;
#ifndef _WIN32
	char real[PATH_MAX];
#endif

	*out = NULL;
	if (!sl)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	sl->fd = -1;
	sl->ctx = ctx;
	snprintf(sl->port, sizeof(sl->port), "%s", spec->port);
	sl->baud = spec->baud ? spec->baud : 115200;
	sl->bits_per_byte = 1 + (spec->data_bits ? spec->data_bits : 8) +
	                    (spec->parity != STP_PARITY_NONE) +
	                    (spec->stop_halves > 2 ? 2 : 1);
#ifndef _WIN32
	/* libserialport finds /dev/serial/by-id/... links only by their
	 * target's name. */
	if (realpath(spec->port, real))
		path = real;
#endif
	if (serial_sp_knows(path)) {
		st = serial_sp_open(ctx, spec, path, sl);
	} else {
#ifndef _WIN32
		if (access(path, F_OK) == 0) {
			stp_log(ctx, STP_LOG_DEBUG,
			        "%s: not a port libserialport knows (a pseudo-terminal?); "
			        "opening it with termios",
			        spec->port);
			st = serial_posix_open(ctx, spec, path, sl);
		} else
#endif
			st = stp_fail(ctx, STP_ERR_NOT_FOUND,
			              "`stmprog -l uart` lists the serial ports",
			              "no serial port %s", spec->port);
	}
	if (st) {
		free(sl);
		return st;
	}
	sl->link = (byte_link){.user = sl, .write = l_write, .read = l_read,
	                     .flush = l_flush, .now_ms = l_now,
	                     .sleep_ms = l_sleep, .error = l_error};
	sl->lines = (ls_driver){.user = sl, .set = l_set, .sleep_ms = l_sleep,
	                        .error = l_error};
	*out = sl;
	return STP_OK;
}

void serial_close(serial_link *sl)
{
	if (!sl)
		return;
	sl->impl->close(sl);
	free(sl);
}

const byte_link *serial_byte_link(serial_link *sl)
{
	return &sl->link;
}

const ls_driver *serial_line_driver(serial_link *sl)
{
	return &sl->lines;
}

bool serial_has_modem_lines(const serial_link *sl)
{
	return sl->modem_lines;
}

bool serial_is_pty(const serial_link *sl)
{
	return sl->pty;
}

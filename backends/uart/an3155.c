/* The host side of AN3155 over an an_link (an3155.h): framing, the 0x7F
 * sync, getting back in step after a lost byte, the retry loop, and
 * GET / GET VERSION / GET ID.
 *
 * Written from the application note's frame descriptions and the facts in
 * the project's reference notes; timeouts come from the caller (the
 * backend derives them from the chip database). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "an3155_frame.h"

#define L (d->link)

void an_init(an_dev *d, stp_ctx *ctx, const an_link *link, const char *port)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->link = link;
	d->port = port;
	d->t.sync_ms = 250;
	d->t.sync_tries = 4;
	/* Besides the bytes' own wire time (the link adds it), an answer
	 * waits for the adapter's latency timer (16 ms at most by default)
	 * and the host's scheduling: 300 ms is generous, and it is what a
	 * damaged byte costs before the retry. */
	d->t.ack_ms = 300;
	d->t.probe_ms = 100;
	d->t.read_ms = 300;
	d->t.write_ms = 300;
	d->t.unit_erase_ms = 5000;
	d->t.mass_erase_ms = 35000;
	d->t.reset_ms = 5000;
	d->t.settle_ms = 100;
}

const char *an_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case AN_CMD_GET: return "GET (0x00)";
	case AN_CMD_GET_VERSION: return "GET VERSION (0x01)";
	case AN_CMD_GET_ID: return "GET ID (0x02)";
	case AN_CMD_READ: return "READ MEMORY (0x11)";
	case AN_CMD_GO: return "GO (0x21)";
	case AN_CMD_WRITE: return "WRITE MEMORY (0x31)";
	case AN_CMD_ERASE: return "ERASE (0x43)";
	case AN_CMD_EXT_ERASE: return "EXTENDED ERASE (0x44)";
	case AN_CMD_WRITE_PROTECT: return "WRITE PROTECT (0x63)";
	case AN_CMD_WRITE_UNPROTECT: return "WRITE UNPROTECT (0x73)";
	case AN_CMD_READOUT_PROTECT: return "READOUT PROTECT (0x82)";
	case AN_CMD_READOUT_UNPROTECT: return "READOUT UNPROTECT (0x92)";
	case AN_CMD_GET_CHECKSUM: return "GET CHECKSUM (0xA1)";
	default: return "a command";
	}
}

bool an_has(const an_dev *d, uint8_t cmd)
{
	return memchr(d->cmds, cmd, d->ncmds) != NULL;
}

/* ---- one exchange --------------------------------------------------- */

an_res an_why(an_dev *d, an_res r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return r;
}

an_res an_xmit(an_dev *d, const uint8_t *buf, size_t n)
{
	if (n <= sizeof(d->last_tx)) {
		memcpy(d->last_tx, buf, n);
		d->last_ntx = n;
	}
	if (L->write(L->user, buf, n) < 0)
		return an_why(d, RES_IO, "writing to the port failed: %s",
		           L->error(L->user));
	return RES_OK;
}

an_res an_recv(an_dev *d, uint8_t *buf, size_t n, unsigned ms,
                const char *what)
{
	int got = L->read(L->user, buf, n, ms);

	if (got < 0)
		return an_why(d, RES_IO, "reading from the port failed: %s",
		           L->error(L->user));
	if ((size_t)got < n)
		return an_why(d, RES_TIMEOUT, "%d of the %zu bytes of %s within %u ms",
		           got, n, what, ms);
	return RES_OK;
}

an_res an_ack(an_dev *d, unsigned ms, const char *after)
{
	uint8_t b;
	int got = L->read(L->user, &b, 1, ms);

	if (got < 0)
		return an_why(d, RES_IO, "reading from the port failed: %s",
		           L->error(L->user));
	if (got == 0)
		return an_why(d, RES_TIMEOUT, "no answer after %s within %u ms",
		              after, ms);
	if (b == AN_ACK)
		return RES_OK;
	if (b == AN_NACK)
		return an_why(d, RES_NACK, "NACK after %s", after);
	return an_why(d, RES_JUNK, "0x%02X instead of ACK after %s", b, after);
}

an_res an_command(an_dev *d, uint8_t cmd)
{
	uint8_t b[2] = {cmd, (uint8_t)(cmd ^ 0xFF)};
	an_res r;

	d->stage = AN_AT_CMD;
	if ((r = an_xmit(d, b, 2)))
		return r;
	return an_ack(d, d->t.ack_ms, "the command");
}

uint8_t an_xor(const uint8_t *b, size_t n)
{
	uint8_t x = 0;

	while (n--)
		x ^= *b++;
	return x;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	b[4] = an_xor(b, 4);
}

an_res an_send_word(an_dev *d, uint32_t v, unsigned ms, const char *what)
{
	uint8_t b[5];
	an_res r;

	put32(b, v);
	if ((r = an_xmit(d, b, 5)))
		return r;
	return an_ack(d, ms, what);
}

an_res an_address(an_dev *d, uint32_t addr)
{
	d->stage = AN_AT_ADDR;
	return an_send_word(d, addr, d->t.ack_ms, "the address");
}

/* ---- getting back in step ------------------------------------------- */

/* True when nothing arrives for ms. */
static bool quiet(an_dev *d, unsigned ms)
{
	uint8_t b;

	return L->read(L->user, &b, 1, ms) == 0;
}

/* Reads whatever the device still sends (a late answer, the rest of a
 * block) until it has been quiet for a while, bounded. */
static void drain(an_dev *d)
{
	uint8_t b[64];
	uint64_t until = L->now_ms(L->user) + 2000;

	while (L->now_ms(L->user) < until && L->read(L->user, b, sizeof(b), 50) > 0)
		;
}

/* The filler for re-synchronisation.  When one byte of a frame is lost,
 * the ROM waits for one more, and the first filler byte completes the
 * frame; its checksum then matches exactly when the filler equals the
 * lost byte, and the ROM would act on a shifted frame (program data one
 * byte off).  So the filler is a value the frame does not contain: 0xFF
 * when possible (after a stray 0x00 command byte it completes a harmless
 * GET, and on most flash a stray write of 0xFF changes nothing), else an
 * even value (a run of an even byte never checksums as a WRITE block)
 * that is not the complement of a command that changes anything. */
uint8_t an_filler(const an_dev *d)
{
	static const uint8_t risky[] = {0x21, 0x31, 0x32, 0x43, 0x44, 0x45,
	                                0x50, 0x51, 0x63, 0x64, 0x73, 0x74,
	                                0x82, 0x83, 0x92, 0x93};
	unsigned count[256] = {0}, best = 256;

	for (size_t i = 0; i < d->last_ntx; i++)
		count[d->last_tx[i]]++;
	if (!count[0xFF])
		return 0xFF;
	for (unsigned v = 0xFE; v > 0; v -= 2) {
		bool ok = true;
		for (size_t i = 0; i < sizeof(risky); i++)
			ok = ok && v != (risky[i] ^ 0xFFu);
		if (ok && (best == 256 || count[v] < count[best]))
			best = v;
	}
	return (uint8_t)best;
}

/* One filler byte at a time until the ROM NACKs.  Waiting for a command,
 * the ROM takes the first as a command byte and NACKs the second (a byte
 * is never its own complement); waiting for a complement, it NACKs the
 * first.  Every NACK returns it to waiting for a command, so a NACK
 * followed by silence means we are in step. */
static bool probe(an_dev *d, uint8_t fill, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t b;
		int got;

		if (L->write(L->user, &fill, 1) < 0)
			return false;
		got = L->read(L->user, &b, 1, d->t.probe_ms);
		if (got < 0)
			return false;
		if (got == 1) {
			if (b == AN_NACK && quiet(d, d->t.probe_ms / 2))
				return true;
			drain(d);
		}
	}
	return false;
}

stp_status an_resync(an_dev *d)
{
	/* A frame the ROM is still inside needs at most 1 + 256 + 1 more
	 * bytes (a WRITE block); the filler completes it and the ROM NACKs
	 * the checksum. */
	uint8_t fill = an_filler(d), burst[260];
	stp_status st;

	memset(burst, fill, sizeof(burst));
	d->resyncs++;
	drain(d);
	if (probe(d, fill, 2))
		return STP_OK;
	if (L->write(L->user, burst, sizeof(burst)) == 0) {
		drain(d);
		if (probe(d, fill, 2))
			return STP_OK;
	}
	/* No NACK to anything: the ROM seems to have restarted and to be
	 * waiting for the 0x7F of its baud-rate detection. */
	stp_log(d->ctx, STP_LOG_DEBUG, "%s: no NACK to 0x%02X probes, trying 0x7F",
	        d->port, fill);
	st = an_sync(d);
	if (!st)
		d->resets++;
	return st;
}

/* ---- retries -------------------------------------------------------- */

/* Runs one exchange up to AN_TRIES times.  After a NACK the ROM waits for
 * a command again, so a late byte is drained and the exchange repeated;
 * after a timeout or a stray byte the command state is re-established
 * first. */
an_res an_tries(an_dev *d, an_once_fn fn, void *arg, unsigned *ntries)
{
	an_res r = fn(d, arg);
	unsigned n = 1;

	while (r != RES_OK && r != RES_IO && n < AN_TRIES) {
		char was[sizeof(d->why)];

		d->retries++;
		stp_log(d->ctx, STP_LOG_INFO, "%s: %s; trying again", d->port, d->why);
		memcpy(was, d->why, sizeof(was));
		d->prev_res = r;
		d->prev_stage = d->stage;
		if (r == RES_NACK) {
			drain(d);
		} else if (an_resync(d)) {
			stp_clear_error(d->ctx);
			snprintf(d->why, sizeof(d->why),
			         "%.100s; then no answer to re-synchronisation", was);
			break;
		}
		r = fn(d, arg);
		n++;
	}
	d->prev_res = RES_OK;
	*ntries = n;
	return r;
}

stp_status an_status(an_res r)
{
	switch (r) {
	case RES_OK: return STP_OK;
	case RES_NACK: return STP_ERR_NACK;
	case RES_TIMEOUT: return STP_ERR_TIMEOUT;
	case RES_JUNK: return STP_ERR_PROTOCOL;
	default: return STP_ERR_IO;
	}
}

const char an_hint_rdp[] =
	"readout protection is active: `stmprog -rdu` removes it and "
	"mass-erases the flash";
const char an_hint_lost[] =
	"the bootloader stopped answering: check the wiring and the adapter, "
	"or try a lower baud rate (br=57600)";

const char *an_default_hint(const an_dev *d, an_res r)
{
	if (r == RES_NACK)
		return NULL;
	return an_hint_lost;
}

/* The command was refused or not listed, or GO left the bootloader. */
stp_status an_usable(an_dev *d, uint8_t cmd)
{
	if (d->gone)
		return stp_fail(d->ctx, STP_ERR_DISCONNECTED,
		                "reset the chip into the bootloader (BOOT0 high) and "
		                "connect again",
		                "%s: the bootloader on %s was left by GO",
		                an_cmd_name(cmd), d->port);
	if (d->have_cmds && !an_has(d, cmd))
		return stp_fail(d->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the bootloader on %s does not offer %s", d->port,
		                an_cmd_name(cmd));
	return STP_OK;
}

/* ---- sync and identification ---------------------------------------- */

static const char hint_sync[] =
	"is BOOT0 high at reset (or the bootloader otherwise entered)? are TX "
	"and RX crossed (adapter TX to the MCU's RX)? the line must be 8E1 "
	"(P=EVEN); the ROM detects 1200..115200 baud (br=); does the "
	"adapter's I/O voltage match the MCU's (3.3 V)?";

int an_sync_once(an_dev *d, uint8_t *answer, unsigned *junk, uint8_t *last)
{
	static const uint8_t sync = AN_SYNC;
	uint64_t end;

	L->flush(L->user);
	if (an_xmit(d, &sync, 1)) {
		stp_fail(d->ctx, STP_ERR_IO, NULL, "%s: %s", d->port, d->why);
		return -1;
	}
	end = L->now_ms(L->user) + d->t.sync_ms;
	for (;;) {
		uint64_t now = L->now_ms(L->user);
		int got;

		if (now >= end)
			return 0;
		got = L->read(L->user, answer, 1, (unsigned)(end - now));
		if (got < 0) {
			stp_fail(d->ctx, STP_ERR_IO, NULL, "reading from %s failed: %s",
			         d->port, L->error(L->user));
			return -1;
		}
		if (got == 0)
			return 0;
		if (*answer == AN_ACK || *answer == AN_NACK)
			return 1;
		(*junk)++;
		*last = *answer;
	}
}

stp_status an_sync(an_dev *d)
{
	unsigned junk = 0;
	uint8_t last = 0;

	for (unsigned i = 0; i < d->t.sync_tries; i++) {
		uint8_t b;
		int r = an_sync_once(d, &b, &junk, &last);

		if (r < 0)
			return stp_last_status(d->ctx);
		if (r == 0)
			continue;
		if (b == AN_ACK) {
			stp_log(d->ctx, STP_LOG_DEBUG, "%s: synchronised (0x7F -> ACK)",
			        d->port);
			return STP_OK;
		}
		/* A NACK: the ROM took an earlier 0x7F as a command byte. */
		stp_log(d->ctx, STP_LOG_DEBUG,
		        "%s: NACK to 0x7F: the bootloader was already synchronised",
		        d->port);
		return STP_OK;
	}
	if (junk)
		return stp_fail(d->ctx, STP_ERR_PROTOCOL,
		                "wrong baud rate or parity? the bootloader needs 8E1 "
		                "(P=EVEN) at 1200..115200 baud",
		                "no ACK to 0x7F on %s, only %u unexpected byte(s) "
		                "(the last 0x%02X)",
		                d->port, junk, last);
	return stp_fail(d->ctx, STP_ERR_TIMEOUT, hint_sync,
	                "no answer to 0x7F on %s (%u tries of %u ms)", d->port,
	                d->t.sync_tries, d->t.sync_ms);
}

/* GET and GET ID answer alike: a count N, N+1 bytes, an ACK. */
static an_res counted_reply(an_dev *d, uint8_t cmd, uint8_t *buf, uint8_t *n,
                            const char *what)
{
	an_res r;

	if ((r = an_command(d, cmd)))
		return r;
	d->stage = AN_AT_DATA;
	if ((r = an_recv(d, n, 1, d->t.ack_ms, what)) ||
	    (r = an_recv(d, buf, (size_t)*n + 1, d->t.ack_ms, what)))
		return r;
	d->stage = AN_AT_END;
	return an_ack(d, d->t.ack_ms, what);
}

static an_res get_once(an_dev *d, void *arg)
{
	uint8_t n, buf[256];
	an_res r;

	if ((r = counted_reply(d, AN_CMD_GET, buf, &n, "the command list")))
		return r;
	d->bl_version = buf[0];
	d->ncmds = n > sizeof(d->cmds) ? sizeof(d->cmds) : n;
	memcpy(d->cmds, buf + 1, d->ncmds);
	d->have_cmds = true;
	return RES_OK;
}

static an_res get_version_once(an_dev *d, void *arg)
{
	uint8_t b[3];
	an_res r;

	if ((r = an_command(d, AN_CMD_GET_VERSION)))
		return r;
	d->stage = AN_AT_DATA;
	if ((r = an_recv(d, b, 3, d->t.ack_ms, "the version")) ||
	    (r = an_ack(d, d->t.ack_ms, "the version")))
		return r;
	d->version = b[0];
	d->option[0] = b[1];
	d->option[1] = b[2];
	return RES_OK;
}

static an_res get_id_once(an_dev *d, void *arg)
{
	uint8_t n, b[256];
	an_res r;

	if ((r = counted_reply(d, AN_CMD_GET_ID, b, &n, "the ID")))
		return r;
	if (n < 1)
		return an_why(d, RES_JUNK, "a %u-byte product ID", n + 1u);
	d->pid = (uint16_t)(b[0] << 8 | b[1]);
	return RES_OK;
}

static stp_status fail_cmd(an_dev *d, an_res r, uint8_t cmd, unsigned ntries,
                           const char *hint)
{
	return stp_fail(d->ctx, an_status(r), hint ? hint : an_default_hint(d, r),
	                "%s on %s failed (%u %s): %s", an_cmd_name(cmd), d->port,
	                ntries, ntries == 1 ? "try" : "tries", d->why);
}

stp_status an_get(an_dev *d)
{
	unsigned n;
	an_res r;

	if (d->gone)
		return an_usable(d, AN_CMD_GET);
	if ((r = an_tries(d, get_once, NULL, &n)))
		return fail_cmd(d, r, AN_CMD_GET, n, NULL);
	return STP_OK;
}

stp_status an_probe(an_dev *d)
{
	an_res r;

	/* One GET, no re-synchronisation: its fillers and 0x7F are what
	 * noinit=1 asks not to send. */
	if ((r = get_once(d, NULL)))
		return stp_fail(d->ctx, an_status(r),
		                "noinit=1 expects a bootloader that is already "
		                "synchronised: leave noinit out so stmprog sends 0x7F, "
		                "or reset the chip into the bootloader",
		                "no answer to GET on %s (noinit=1): %s", d->port,
		                d->why);
	return STP_OK;
}

stp_status an_identify(an_dev *d)
{
	stp_status st;
	unsigned n;
	an_res r;

	if ((st = an_get(d)))
		return st;
	if (an_has(d, AN_CMD_GET_VERSION)) {
		/* Only informative: a ROM that fumbles it is still usable. */
		if ((r = an_tries(d, get_version_once, NULL, &n))) {
			stp_log(d->ctx, STP_LOG_WARN, "%s: GET VERSION failed: %s",
			        d->port, d->why);
			if (r != RES_NACK && an_resync(d))
				return stp_fail(d->ctx, an_status(r), an_hint_lost,
				                "%s: the bootloader stopped answering after "
				                "GET VERSION",
				                d->port);
		}
	}
	if ((r = an_tries(d, get_id_once, NULL, &n)))
		return fail_cmd(d, r, AN_CMD_GET_ID, n, NULL);
	return STP_OK;
}

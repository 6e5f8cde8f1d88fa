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
	d->cmd = cmd;
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

/* Resync rounds: each ends with a GET checked byte for byte; a round
 * fails when a late or damaged byte spoils it, and the next one starts by
 * draining what arrived meanwhile. */
#define RESYNC_ROUNDS 8
/* Rounds without a byte back before the device is taken as gone: the
 * first three wait 0.1, 0.2 and 0.4 s for each answer (and send 0x7F
 * in between), so a reply held back 2 s is still waited for. */
#define RESYNC_SILENT 3

/* True when nothing arrives for ms. */
static bool quiet(an_dev *d, unsigned ms)
{
	uint8_t b;

	return L->read(L->user, &b, 1, ms) == 0;
}

/* Reads whatever the device still sends (a late answer, the rest of a
 * block) until it has been quiet for quiet_ms, bounded; true when
 * anything came. */
static bool drain(an_dev *d, unsigned quiet_ms)
{
	uint8_t b[64];
	uint64_t until = L->now_ms(L->user) + 2000;
	bool any = false;

	while (L->now_ms(L->user) < until &&
	       L->read(L->user, b, sizeof(b), quiet_ms) > 0)
		any = true;
	return any;
}

/* The filler for re-synchronisation.  When one byte of a frame is lost,
 * the ROM waits for one more, and the first filler byte completes the
 * frame; its checksum then matches exactly when the filler equals the
 * lost byte, and the ROM would act on a shifted frame (program data one
 * byte off).  So the filler is a value the frame does not contain: 0xFF
 * when possible (after a stray 0x00 command byte it completes a harmless
 * GET; it completes EXTENDED ERASE's count as 0xFFFF, whose check byte
 * must be 0x00), else an even value (a run of an even byte never
 * checksums as a WRITE block) that is not the complement of a command
 * that changes anything.  After WRITE MEMORY and WRITE PROTECT the ROM
 * may wait for a count, and a run of 0xFF is then a valid block (256
 * bytes of 0xFF, or all 256 sector codes), so those take an even value
 * too. */
uint8_t an_filler(const an_dev *d)
{
	static const uint8_t risky[] = {0x21, 0x31, 0x32, 0x43, 0x44, 0x45,
	                                0x50, 0x51, 0x63, 0x64, 0x73, 0x74,
	                                0x82, 0x83, 0x92, 0x93};
	unsigned count[256] = {0}, best = 256;
	bool counted = d->cmd == AN_CMD_WRITE || d->cmd == AN_CMD_WRITE_PROTECT;

	for (size_t i = 0; i < d->last_ntx; i++)
		count[d->last_tx[i]]++;
	if (!count[0xFF] && !counted)
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
 * followed by silence means we are probably in step (an_resync checks).
 * *heard: anything at all came back. */
static bool probe(an_dev *d, uint8_t fill, unsigned n, unsigned wait,
                  bool *heard)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t b;
		int got;

		if (L->write(L->user, &fill, 1) < 0)
			return false;
		got = L->read(L->user, &b, 1, wait);
		if (got < 0)
			return false;
		if (got == 1) {
			*heard = true;
			if (b == AN_NACK && quiet(d, wait / 2))
				return true;
			drain(d, wait / 2);
		}
	}
	return false;
}

/* 0x7F until an ACK or a NACK: an ACK is the baud-rate detection of a
 * ROM that restarted (or a frame the 0x7F happened to complete), a NACK
 * a ROM that took an earlier 0x7F as a command byte.  Either leaves it
 * waiting for a command, if the answer was not a late byte. */
static bool sync_probe(an_dev *d, bool *heard, bool *acked)
{
	for (unsigned i = 0; i < d->t.sync_tries; i++) {
		unsigned junk = 0;
		uint8_t b, last = 0;
		int r = an_sync_once(d, &b, &junk, &last);

		if (r < 0) {
			stp_clear_error(d->ctx);
			return false;
		}
		if (junk)
			*heard = true;
		if (r == 1) {
			*heard = true;
			*acked = b == AN_ACK;
			return true;
		}
	}
	return false;
}

/* One GET whose reply is well formed (ACK, count, list, ACK) and followed
 * by silence, into b (b[1] the count, b[2] the version, b + 3 the list). */
static bool get_in_step(an_dev *d, uint8_t *b)
{
	static const uint8_t get[2] = {AN_CMD_GET, 0xFF};
	int got;

	if (L->write(L->user, get, 2) < 0)
		return false;
	if (L->read(L->user, b, 2, d->t.ack_ms) != 2 || b[0] != AN_ACK)
		return false;
	got = L->read(L->user, b + 2, (size_t)b[1] + 2, d->t.ack_ms);
	if (got != b[1] + 2 || b[b[1] + 3] != AN_ACK)
		return false;
	return quiet(d, d->t.probe_ms / 2);
}

/* The proof of being in step: GET answers with exactly the list it gave
 * before (or, before the first GET, with a consistent one, or an unusual
 * one twice alike, as the first GET believes L4's version 0xA3), and
 * nothing follows.  A late ACK or NACK, a byte of a block still on its
 * way, a ROM still inside a frame: each spoils it. */
static bool verify_get(an_dev *d)
{
	/* ACK, count N, N + 1 bytes, ACK: 259 bytes when N is 255. */
	uint8_t b[259], again[259];

	if (!get_in_step(d, b))
		return false;
	if (d->have_cmds)
		return b[1] == d->ncmds && b[2] == d->bl_version &&
		       !memcmp(b + 3, d->cmds, d->ncmds);
	if (an_get_consistent(b[2], b + 3, b[1], NULL, 0))
		return true;
	return get_in_step(d, again) && !memcmp(b, again, (size_t)b[1] + 4);
}

/* Filler after the two probes went unanswered: the ROM is deeper inside
 * a frame (up to 1 + 256 + 1 bytes of a WRITE block are missing).  In
 * growing pieces, each followed by a look for a NACK, rather than all at
 * once: every two bytes past the frame's end provoke another NACK, and
 * each reply is one more chance for a held-back answer. */
static bool fill_frame(an_dev *d, uint8_t fill, unsigned wait, bool *heard)
{
	static const unsigned pieces[] = {6, 18, 40, 70, 126};
	uint8_t buf[126];

	memset(buf, fill, sizeof(buf));
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		if (L->write(L->user, buf, pieces[i]) < 0)
			return false;
		if (drain(d, wait)) {
			*heard = true;
			return probe(d, fill, 2, wait, heard);
		}
	}
	return false;
}

stp_status an_resync(an_dev *d)
{
	uint8_t fill = an_filler(d);
	unsigned silent = 0, round;
	bool heard_any = false;

	d->resyncs++;
	for (round = 0; round < RESYNC_ROUNDS && silent < RESYNC_SILENT; round++) {
		bool acked = false, heard = false, here;
		/* Each round waits longer for answers: a reply held back (by
		 * the adapter, the host, a slow ROM) must not be taken for
		 * silence, and must arrive before the next question does. */
		unsigned wait = d->t.probe_ms << (round < 5 ? round : 5);

		heard = drain(d, wait);
		here = probe(d, fill, 2, wait, &heard) ||
		       fill_frame(d, fill, wait, &heard);
		if (!here) {
			/* No NACK to anything: the ROM seems to have restarted
			 * and to wait for the 0x7F of its baud-rate detection. */
			stp_log(d->ctx, STP_LOG_DEBUG,
			        "%s: no NACK to 0x%02X probes, trying 0x7F", d->port,
			        fill);
			here = sync_probe(d, &heard, &acked);
		}
		if (here && verify_get(d)) {
			if (acked)
				d->resets++;
			d->dirty = false;
			stp_log(d->ctx, STP_LOG_DEBUG,
			        "%s: back in step (GET answers as before)", d->port);
			return STP_OK;
		}
		heard_any = heard_any || heard || here;
		silent = heard || here ? 0 : silent + 1;
		stp_log(d->ctx, STP_LOG_DEBUG,
		        "%s: re-synchronisation round %u not confirmed by GET%s",
		        d->port, round + 1, heard || here ? "" : " (silence)");
	}
	d->dirty = true;
	if (!heard_any)
		return stp_fail(d->ctx, STP_ERR_TIMEOUT, an_hint_lost,
		                "no answer on %s to re-synchronisation (filler "
		                "0x%02X, then 0x7F)",
		                d->port, fill);
	return stp_fail(d->ctx, STP_ERR_PROTOCOL, an_hint_lost,
	                "%s: the bootloader answers, but %u re-synchronisation "
	                "rounds ended without a GET that answered as expected",
	                d->port, round);
}

/* After a NACK to the command bytes the ROM may have paired them with a
 * stray byte it held (one of ours, one byte off), and it then holds our
 * complement: a retry would be NACKed the same way for ever.  One or two
 * filler bytes settle it either way (held byte: NACK at once; none: NACK
 * on the second), without a GET. */
static void after_nack(an_dev *d)
{
	bool heard = false;

	drain(d, 50);
	if (d->stage != AN_AT_CMD)
		return;
	if (!probe(d, an_filler(d), 2, d->t.probe_ms, &heard))
		d->dirty = true;
}

/* ---- retries -------------------------------------------------------- */

/* Runs one exchange up to AN_TRIES times.  After a NACK the ROM waits for
 * a command again, so a late byte is drained and the exchange repeated;
 * after a timeout or a stray byte the command state is re-established
 * first.  However it ends, the link is left in step (or marked dirty, so
 * the next exchange re-synchronises first): a failed command must not
 * leave the ROM one byte off for whatever the caller does next. */
an_res an_tries(an_dev *d, an_once_fn fn, void *arg, unsigned *ntries)
{
	an_res r;
	unsigned n = 1;

	if (d->dirty && an_resync(d)) {
		*ntries = 0;
		snprintf(d->why, sizeof(d->why), "%.150s", stp_last_detail(d->ctx));
		stp_clear_error(d->ctx);
		return RES_TIMEOUT;
	}
	r = fn(d, arg);
	while (r != RES_OK && r != RES_IO && n < AN_TRIES) {
		char was[sizeof(d->why)];

		/* Past the command byte a timeout under -tm is the user's
		 * deadline for the operation: another try would multiply it
		 * (and meet a ROM still busy with the first). */
		if (r == RES_TIMEOUT && d->t.cap_ms && d->stage != AN_AT_CMD)
			break;

		d->retries++;
		stp_log(d->ctx, STP_LOG_INFO, "%s: %s; trying again", d->port, d->why);
		memcpy(was, d->why, sizeof(was));
		d->prev_res = r;
		d->prev_stage = d->stage;
		if (r == RES_NACK) {
			after_nack(d);
		} else if (r == RES_AGAIN) {
			/* complete and in step */
		} else if (an_resync(d)) {
			stp_clear_error(d->ctx);
			snprintf(d->why, sizeof(d->why),
			         "%.100s; then no answer to re-synchronisation", was);
			break;
		}
		r = fn(d, arg);
		n++;
	}
	if (r != RES_OK && r != RES_IO && !d->dirty) {
		/* Leave the link in step for what comes next (an erase and
		 * rewrite of the unit, a message's GET). */
		char was[sizeof(d->why)];
		int stage = d->stage;

		memcpy(was, d->why, sizeof(was));
		if (r == RES_NACK)
			after_nack(d);
		else if (r != RES_AGAIN && an_resync(d))
			stp_clear_error(d->ctx);
		memcpy(d->why, was, sizeof(was));
		d->stage = stage;
	}
	if (n == 1 && r == RES_OK)
		d->noise -= d->noise > 0;
	else
		d->noise = d->noise + 8 * n > 64 ? 64 : d->noise + 8 * n;
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
	case RES_JUNK:
	case RES_AGAIN: return STP_ERR_PROTOCOL;
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

/* A host that died inside a command (a run killed while it sent a WRITE
 * block) leaves the ROM waiting for the rest of the frame, up to 1 + 256
 * + 1 bytes, and the ROM takes every 0x7F as data.  Filler completes the
 * frame; it is chosen as after a WRITE (an even byte, which no WRITE block
 * checksums), so the frame is NACKed rather than programmed, unless the
 * 0x7F bytes already taken as its count and data make the checksum come
 * out (then the plan, which reads the device first, finds that unit
 * differing and erases it).  True when the ROM answered and a
 * re-synchronisation confirmed it (GET). */
static bool finish_dead_frame(an_dev *d)
{
	uint8_t was = d->cmd, fill;
	bool heard = false;

	d->cmd = AN_CMD_WRITE;
	fill = an_filler(d);
	d->cmd = was;
	if (!fill_frame(d, fill, d->t.probe_ms, &heard) && !heard)
		return false;
	if (an_resync(d)) {
		stp_clear_error(d->ctx);
		return false;
	}
	stp_log(d->ctx, STP_LOG_INFO,
	        "%s: the bootloader was inside an unfinished command (an "
	        "earlier run stopped mid-frame); filled it and back in step",
	        d->port);
	return true;
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
	if (finish_dead_frame(d))
		return STP_OK;
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

/* The codes a USART bootloader lists (AN3155).  SPEED (0x03, CAN) and the
 * I2C no-stretch variants (0x32, 0x45, 0x64, 0x74, 0x83, 0x93) are left
 * out on purpose: each is one bit away from a USART code, so a list with
 * one of them is more likely damaged than real, and is asked for again
 * (and believed when it comes twice). */
static bool known_code(uint8_t c)
{
	static const uint8_t codes[] = {0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
	                                0x43, 0x44, 0x50, 0x51, 0x63, 0x73,
	                                0x82, 0x92, 0xA1};

	return memchr(codes, c, sizeof(codes)) != NULL;
}

bool an_get_consistent(uint8_t version, const uint8_t *codes, size_t n,
                       char *why, size_t whylen)
{
	/* GET VERSION is not required: every damage to it gives a code
	 * listed twice or an unknown one anyway. */
	static const uint8_t must[] = {AN_CMD_GET, AN_CMD_GET_ID, AN_CMD_READ,
	                               AN_CMD_GO, AN_CMD_WRITE};
	char dummy[8];

	if (!why) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	/* Versions so far are 1.0 to 4.x. */
	if (version < 0x10 || version > 0x4F) {
		snprintf(why, whylen, "version byte 0x%02X", version);
		return false;
	}
	if (n < sizeof(must) + 1 || n > 32) {
		snprintf(why, whylen, "%zu command codes", n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!known_code(codes[i])) {
			snprintf(why, whylen, "unknown code 0x%02X", codes[i]);
			return false;
		}
		if (memchr(codes + i + 1, codes[i], n - i - 1)) {
			snprintf(why, whylen, "code 0x%02X listed twice", codes[i]);
			return false;
		}
	}
	for (size_t i = 0; i < sizeof(must); i++)
		if (!memchr(codes, must[i], n)) {
			snprintf(why, whylen, "no %s", an_cmd_name(must[i]));
			return false;
		}
	if (!memchr(codes, AN_CMD_ERASE, n) && !memchr(codes, AN_CMD_EXT_ERASE, n)) {
		snprintf(why, whylen, "neither ERASE nor EXTENDED ERASE");
		return false;
	}
	return true;
}

/* GET's answer has no checksum: one damaged byte could make a listed
 * command vanish ("does not offer READ MEMORY") or an unknown one appear.
 * An answer that does not make sense is asked for again; one that comes
 * twice the same is believed, even if odd (a ROM newer than this list). */
typedef struct get_state {
	bool have_odd;
	uint8_t odd[258];
} get_state;

static an_res get_once(an_dev *d, void *arg)
{
	get_state *g = arg;
	uint8_t n, buf[256];
	char why[64];
	an_res r;

	if ((r = counted_reply(d, AN_CMD_GET, buf, &n, "the command list")))
		return r;
	if (!an_get_consistent(buf[0], buf + 1, n, why, sizeof(why))) {
		bool twice = g && g->have_odd && g->odd[0] == n &&
		             !memcmp(g->odd + 1, buf, (size_t)n + 1);
		if (!twice) {
			if (g) {
				g->have_odd = true;
				g->odd[0] = n;
				memcpy(g->odd + 1, buf, (size_t)n + 1);
			}
			return an_why(d, RES_AGAIN,
			              "GET answered a list that does not make sense "
			              "(%s)", why);
		}
		stp_log(d->ctx, STP_LOG_WARN,
		        "%s: GET answered the same unusual list twice (%s); "
		        "taking it as the bootloader's", d->port, why);
	}
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

	get_state g = {0};

	if (d->gone)
		return an_usable(d, AN_CMD_GET);
	if ((r = an_tries(d, get_once, &g, &n)))
		return fail_cmd(d, r, AN_CMD_GET, n, NULL);
	return STP_OK;
}

stp_status an_probe(an_dev *d)
{
	get_state g = {0};
	an_res r;

	/* One GET (two if its list makes no sense), no re-synchronisation:
	 * its fillers and 0x7F are what noinit=1 asks not to send. */
	if ((r = get_once(d, &g)) == RES_AGAIN)
		r = get_once(d, &g);
	if (r)
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

	for (unsigned round = 0;; round++) {
		if ((st = an_get(d)))
			return st;
		if (!an_has(d, AN_CMD_GET_VERSION))
			break;
		/* Only informative: a ROM that fumbles it is still usable. */
		if ((r = an_tries(d, get_version_once, NULL, &n))) {
			stp_log(d->ctx, STP_LOG_WARN, "%s: GET VERSION failed: %s",
			        d->port, d->why);
			if (d->dirty)
				return stp_fail(d->ctx, an_status(r), an_hint_lost,
				                "%s: the bootloader stopped answering after "
				                "GET VERSION",
				                d->port);
			break;
		}
		/* Both name the bootloader's version: when they differ, one
		 * of them was damaged on the way (GET has no checksum), so
		 * both are asked again. */
		if (d->version == d->bl_version)
			break;
		if (round == 2) {
			stp_log(d->ctx, STP_LOG_WARN,
			        "%s: GET says bootloader v%u.%u, GET VERSION v%u.%u",
			        d->port, d->bl_version >> 4, d->bl_version & 0xFu,
			        d->version >> 4, d->version & 0xFu);
			break;
		}
		stp_log(d->ctx, STP_LOG_INFO,
		        "%s: GET and GET VERSION disagree on the version (0x%02X, "
		        "0x%02X); asking again", d->port, d->bl_version, d->version);
	}
	if ((r = an_tries(d, get_id_once, NULL, &n)))
		return fail_cmd(d, r, AN_CMD_GET_ID, n, NULL);
	return STP_OK;
}

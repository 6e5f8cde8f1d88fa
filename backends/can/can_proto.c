/* What AN3154 and AN5405 share (can_proto.h): frames out and answers in,
 * the handshake, bounded retries with a re-sync between tries, GET and
 * GET ID, READ, ERASE policy, GO, and the commands after which the chip
 * resets.  Written from ST's application notes as summarised in the
 * project's CAN wire contract (docs/can.md). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "can_proto.h"

#define L (d->link)

void cp_init(cp_dev *d, stp_ctx *ctx, const can_link *link, const char *port,
             cp_proto proto, unsigned base_kbps)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->link = link;
	d->port = port;
	d->proto = proto;
	d->base_kbps = d->kbps = base_kbps;
	/* A frame at 125 kbit/s takes about 1 ms on the wire; the ROM answers
	 * a sync in well under that.  The rest is adapter and host latency
	 * (a USB adapter polls every 1-10 ms): 200 ms is generous. */
	d->t.sync_ms = 200;
	d->t.sync_tries = 5;
	d->t.ack_ms = 1000;
	d->t.read_ms = 1000;
	d->t.write_ms = 1000;
	d->t.unit_erase_ms = 5000;
	d->t.mass_erase_ms = 40000;
	d->t.reset_ms = 5000;
	d->t.settle_ms = 100;
	d->write_window = 1;
}

const char *cp_cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case CP_CMD_GET: return "GET (0x00)";
	case CP_CMD_GET_VERSION: return "GET VERSION (0x01)";
	case CP_CMD_GET_ID: return "GET ID (0x02)";
	case CP_CMD_SPEED: return "SPEED (0x03)";
	case CP_CMD_READ: return "READ MEMORY (0x11)";
	case CP_CMD_GO: return "GO (0x21)";
	case CP_CMD_WRITE: return "WRITE MEMORY (0x31)";
	case CP_CMD_ERASE: return "ERASE (0x43)";
	case CP_CMD_EXT_ERASE: return "EXTENDED ERASE (0x44)";
	case CP_CMD_WRITE_PROTECT: return "WRITE PROTECT (0x63)";
	case CP_CMD_WRITE_UNPROTECT: return "WRITE UNPROTECT (0x73)";
	case CP_CMD_READOUT_PROTECT: return "READOUT PROTECT (0x82)";
	case CP_CMD_READOUT_UNPROTECT: return "READOUT UNPROTECT (0x92)";
	default: return "a command";
	}
}

const char *cp_proto_name(cp_proto p)
{
	return p == CP_AN5405 ? "FDCAN (AN5405)" : "CAN (AN3154)";
}

bool cp_has(const cp_dev *d, uint8_t cmd)
{
	return memchr(d->cmds, cmd, d->ncmds) != NULL;
}

bool cp_pid_silent_read(uint16_t pid)
{
	return pid == 0x450 || pid == 0x480 || pid == 0x483 || pid == 0x485;
}

/* ---- costs --------------------------------------------------------------- */

uint64_t cp_frame_ns(const cp_dev *d, unsigned len)
{
	unsigned kbps = d->kbps ? d->kbps : 125;

	if (d->proto != CP_AN5405) {
		/* SOF to CRC 34 + 8n bits, a stuff bit per 4 after the first,
		 * then CRC delimiter, ACK, EOF and intermission (13). */
		unsigned stuffable = 34 + 8 * len;
		return (uint64_t)(stuffable + (stuffable - 1) / 4 + 13) * 1000000u /
		       kbps;
	} else {
		/* Arbitration to BRS (17) with stuffing, ACK, EOF and
		 * intermission (12) at the nominal rate; ESI, DLC, data, stuff
		 * count, CRC (17 or 21) with its fixed stuff bits and the CRC
		 * delimiter at the data rate. */
		unsigned dkbps = d->data_kbps ? d->data_kbps : kbps;
		unsigned n = cl_fd_len(len), nom = 17, crc = n <= 16 ? 17 : 21;
		unsigned dat = 5 + 8 * n;
		nom += nom / 4 + 12;
		dat += dat / 4 + 4 + crc + (4 + crc) / 4 + 1 + 1;
		return (uint64_t)nom * 1000000u / kbps +
		       (uint64_t)dat * 1000000u / dkbps;
	}
}

uint32_t cp_read_us_per_kib(const cp_dev *d)
{
	unsigned per = d->proto == CP_AN5405 ? 64 : 8;
	/* One READ of 256 bytes: command, ACK, data frames, ACK. */
	uint64_t ns = cp_frame_ns(d, 5) + 2 * cp_frame_ns(d, 1) +
	              (256 / per) * cp_frame_ns(d, per) +
	              (uint64_t)CP_TURNAROUND_US * 1000u;

	return (uint32_t)(4 * ns / 1000u);
}

/* ---- one exchange ------------------------------------------------------ */

cp_res cp_why(cp_dev *d, cp_res r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return r;
}

void cp_frame(const cp_dev *d, cl_frame *f, uint32_t id,
              const uint8_t *data, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->id = id;
	if (d->proto == CP_AN5405) {
		/* The FDCAN ROM takes FD frames only, with the data phase at the
		 * data rate; a length that is not an FD length is padded. */
		f->fd = f->brs = true;
		f->len = cl_fd_len(len);
		memset(f->data, 0xFF, f->len);
	} else {
		f->len = (uint8_t)len;
	}
	if (len)
		memcpy(f->data, data, len);
}

cp_res cp_send(cp_dev *d, uint32_t id, const uint8_t *data, size_t len)
{
	cl_frame f;

	cp_frame(d, &f, id, data, len);
	if (L->send(L->user, &f) < 0)
		return cp_why(d, CP_IO, "sending a frame on %s failed: %s", d->port,
		              L->error(L->user));
	return CP_OK;
}

/* The most frames one call sends: a WRITE's 256 bytes in 64-byte FD
 * frames, or CP_WRITE_WINDOW classic ones. */
#define SPLIT_MAX 8u

cp_res cp_send_split(cp_dev *d, uint32_t id, const uint8_t *data, size_t len,
                     size_t per)
{
	cl_frame f[SPLIT_MAX];
	size_t n = 0;

	if (!L->send_many || len > per * SPLIT_MAX) {
		for (size_t off = 0; off < len; off += per) {
			cp_res r = cp_send(d, id, data + off,
			                   len - off < per ? len - off : per);
			if (r)
				return r;
		}
		return CP_OK;
	}
	for (size_t off = 0; off < len; off += per)
		cp_frame(d, &f[n++], id, data + off,
		           len - off < per ? len - off : per);
	return cp_send_frames(d, f, n);
}

cp_res cp_send_frames(cp_dev *d, const cl_frame *f, size_t n)
{
	if (!L->send_many) {
		for (size_t i = 0; i < n; i++)
			if (L->send(L->user, &f[i]) < 0)
				return cp_why(d, CP_IO, "sending a frame on %s failed: %s",
				              d->port, L->error(L->user));
		return CP_OK;
	}
	if (L->send_many(L->user, f, n) < 0)
		return cp_why(d, CP_IO, "sending a frame on %s failed: %s", d->port,
		              L->error(L->user));
	return CP_OK;
}

/* Whether f answers cmd.  AN5405 on H7 sends NACKs on the host's transmit
 * identifier (base | cmd); with base 0 that is cmd again, but matching
 * the low byte keeps the host right whatever base the ROM uses.  The
 * start frame's identifier 0x111 is matched exactly. */
static bool answers(const cp_dev *d, const cl_frame *f, uint32_t cmd)
{
	if (f->ext)
		return false;
	if (d->proto == CP_AN5405 && cmd < 0x100)
		return (f->id & 0xFFu) == cmd && f->id != CP_START_ID;
	return f->id == cmd;
}

cp_res cp_wait(cp_dev *d, uint32_t cmd, cl_frame *f, unsigned ms,
               const char *what)
{
	uint64_t deadline = L->now_ms(L->user) + ms;

	for (;;) {
		uint64_t now = L->now_ms(L->user);
		int r;

		if (now >= deadline)
			return cp_why(d, CP_TIMEOUT, "no %s within %u ms", what, ms);
		r = L->recv(L->user, f, (unsigned)(deadline - now));
		if (r < 0)
			return cp_why(d, CP_IO, "receiving on %s failed: %s", d->port,
			              L->error(L->user));
		if (r == 0)
			return cp_why(d, CP_TIMEOUT, "no %s within %u ms", what, ms);
		if (answers(d, f, cmd))
			return CP_OK;
		/* Another node's traffic, or a late answer to an earlier try. */
		d->ignored++;
		if ((f->id & 0xFFu) == CP_CMD_WRITE)
			d->write_answers++;
	}
}

cp_res cp_ack(cp_dev *d, uint32_t cmd, unsigned ms, const char *what)
{
	cl_frame f;
	cp_res r;

	if ((r = cp_wait(d, cmd, &f, ms, what)))
		return r;
	if (f.len >= 1 && f.data[0] == CP_ACK_BYTE)
		return CP_OK;
	if (f.len >= 1 && f.data[0] == CP_NACK_BYTE)
		return cp_why(d, CP_NACK, "NACK instead of the %s", what);
	return cp_why(d, CP_JUNK, "a frame of %u bytes (first 0x%02X) instead "
	              "of the %s", f.len, f.len ? f.data[0] : 0, what);
}

void cp_drain(cp_dev *d)
{
	uint64_t until = L->now_ms(L->user) + 1000;
	cl_frame f;

	while (L->now_ms(L->user) < until && L->recv(L->user, &f, 50) > 0)
		;
}

cp_res cp_command(cp_dev *d, uint8_t cmd, const uint8_t *p, size_t n)
{
	cp_res r;

	d->stage = CP_AT_CMD;
	if ((r = cp_send(d, cmd, p, n)))
		return r;
	return cp_ack(d, cmd, d->t.ack_ms, "ACK to the command");
}

stp_status cp_status(cp_res r)
{
	switch (r) {
	case CP_OK: return STP_OK;
	case CP_TIMEOUT: return STP_ERR_TIMEOUT;
	case CP_NACK: return STP_ERR_NACK;
	case CP_JUNK: return STP_ERR_PROTOCOL;
	default: return STP_ERR_IO;
	}
}

const char *cp_hint(const cp_dev *d, cp_res r)
{
	switch (r) {
	case CP_TIMEOUT:
		return d->proto == CP_AN5405
		       ? "check the CAN wiring and termination, and that br=/dbr= "
		         "match the FDCAN bootloader's rates"
		       : "check the CAN wiring and termination, and that br= is the "
		         "bootloader's rate";
	case CP_JUNK:
		return "another node on the bus may use the bootloader's "
		       "identifiers; disconnect it";
	case CP_IO:
		return "check the adapter (`ip -details link show` for SocketCAN, "
		       "the USB cable for slcan)";
	default:
		return NULL;
	}
}

static unsigned sync_quiet_ms(const cp_dev *d)
{
	return d->t.sync_ms < 50 ? d->t.sync_ms : 50;
}

/* One handshake frame and its answer. */
static cp_res handshake(cp_dev *d, unsigned ms)
{
	static const uint8_t start = CP_START_BYTE;
	cl_frame f;
	cp_res r;

	if (d->proto == CP_AN5405) {
		if ((r = cp_send(d, CP_START_ID, &start, 1)))
			return r;
		if ((r = cp_wait(d, CP_START_ID, &f, ms, "answer to the start frame")))
			return r;
	} else {
		if ((r = cp_send(d, CP_SYNC_ID, NULL, 0)))
			return r;
		if ((r = cp_wait(d, CP_SYNC_ID, &f, ms, "answer to the sync frame")))
			return r;
		/* A ROM that was synced already answers NACK: fine. */
		if (f.len >= 1 && f.data[0] == CP_NACK_BYTE)
			return CP_OK;
	}
	if (f.len >= 1 && f.data[0] == CP_ACK_BYTE)
		return CP_OK;
	if (f.len >= 1 && f.data[0] == CP_NACK_BYTE)
		return cp_why(d, CP_NACK, "NACK to the start frame");
	return cp_why(d, CP_JUNK, "a frame of %u bytes instead of ACK to the "
	              "handshake", f.len);
}

/* The 256 bytes of one WRITE in 8-byte frames: the most an interrupted
 * WRITE can still be waiting for. */
#define WRITE_FRAMES_MAX 32u

/* A handshake, and what to do when the ROM answers it on the WRITE
 * identifier instead: an AN3154 ROM still inside a WRITE takes the sync
 * frame as data (and a zero-length one never completes the count), so
 * syncing alone can never reach it.  That happens when a host stopped in
 * the middle of a WRITE (killed, unplugged): the next session finishes
 * that WRITE with filler frames, as after a lost ACK, and syncs again. */
static cp_res sync_once(cp_dev *d, unsigned ms)
{
	unsigned seen = d->write_answers;
	cp_res r = handshake(d, ms);

	if (r != CP_TIMEOUT || d->proto != CP_AN3154 || d->write_answers == seen)
		return r;
	stp_log(d->ctx, STP_LOG_WARN,
	        "%s: the bootloader answered the sync frame on the WRITE MEMORY "
	        "identifier (0x31): it is still inside a WRITE that an earlier "
	        "session left unfinished (stopped or unplugged half-way); "
	        "finishing it with filler frames (0xFF).  The flash that WRITE "
	        "was programming may hold part of it: a download rewrites it, "
	        "and verify finds it otherwise",
	        d->port);
	d->flushed_writes++;
	an3154_finish_write(d, WRITE_FRAMES_MAX);
	return handshake(d, ms);
}

stp_status cp_sync(cp_dev *d, unsigned tries, unsigned ms)
{
	char data_rate[32] = "";
	cp_res r = CP_TIMEOUT;

	for (unsigned i = 0; i < tries; i++) {
		if ((r = sync_once(d, ms)) == CP_OK)
			return STP_OK;
		if (r == CP_IO)
			break;
		/* Let a late answer arrive before the next frame. */
		cl_frame f;
		while (L->recv(L->user, &f, sync_quiet_ms(d)) > 0)
			;
	}
	if (r == CP_IO)
		return stp_fail(d->ctx, STP_ERR_IO, cp_hint(d, r), "%s", d->why);
	if (d->data_kbps)
		snprintf(data_rate, sizeof(data_rate), ", %u kbit/s data",
		         d->data_kbps);
	if (d->proto == CP_AN5405)
		return stp_fail(d->ctx, cp_status(r),
		                "check that BOOT0 selects the bootloader and the chip "
		                "was reset, the wiring and 120 ohm termination, and "
		                "the rates: the FDCAN bootloader's nominal br= and "
		                "data dbr= differ between ST's documents (try br=500 "
		                "dbr=2000, or br=250 dbr=1000)",
		                "the FDCAN bootloader on %s did not answer the start "
		                "frame (ID 0x111, 0x5A) %u times at %u kbit/s "
		                "nominal%s: %s",
		                d->port, tries, d->kbps, data_rate, d->why);
	return stp_fail(d->ctx, cp_status(r),
	                "check that BOOT0 selects the bootloader and the chip was "
	                "reset, the wiring (CANH/CANL; F105/F107 use CAN2 on "
	                "PB5/PB6) and 120 ohm termination, and the rate: the "
	                "bootloader starts at 125 kbit/s (br=125)",
	                "the CAN bootloader on %s did not answer the sync frame "
	                "(ID 0x79) %u times at %u kbit/s: %s",
	                d->port, tries, d->kbps, d->why);
}

/* Between tries: whatever the ROM still sends is dropped, and the
 * handshake proves it listens for a command again. */
static cp_res resync(cp_dev *d)
{
	cp_res r = CP_TIMEOUT;

	d->resyncs++;
	cp_drain(d);
	for (unsigned i = 0; i < 3; i++)
		if ((r = sync_once(d, d->t.sync_ms)) == CP_OK)
			break;
	return r;
}

cp_res cp_tries(cp_dev *d, cp_res (*once)(cp_dev *, void *), void *arg,
                unsigned tries, unsigned *used)
{
	cp_res r = CP_OK;
	unsigned i;

	for (i = 0; i < tries; i++) {
		if (i) {
			char why[sizeof(d->why)];
			memcpy(why, d->why, sizeof(why));
			d->retries++;
			if (resync(d) != CP_OK) {
				/* The reason so far is cut to leave room for
				 * the rest: the sentence always ends whole. */
				snprintf(d->why, sizeof(d->why),
				         "%.160s; then no answer to the re-sync", why);
				i++;
				break;
			}
		}
		r = once(d, arg);
		if (r == CP_OK || r == CP_IO ||
		    (r == CP_NACK && d->stage == CP_AT_CMD))
			break;
	}
	if (used)
		*used = i < tries ? i + 1 : tries;
	return r;
}

/* ---- GET, GET ID -------------------------------------------------------- */

static cp_res get_once(cp_dev *d, void *arg)
{
	cl_frame f;
	unsigned n;
	cp_res r;

	(void)arg;
	if ((r = cp_command(d, CP_CMD_GET, NULL, 0)))
		return r;
	d->stage = CP_AT_DATA;
	if ((r = cp_wait(d, CP_CMD_GET, &f, d->t.ack_ms, "command count of GET")))
		return r;
	n = f.len ? f.data[0] : 0;
	if ((r = cp_wait(d, CP_CMD_GET, &f, d->t.ack_ms, "version in GET")))
		return r;
	d->bl_version = f.len ? f.data[0] : 0;
	d->ncmds = 0;
	/* One frame per command code, then ACK.  0x79 is no command code, so
	 * the ACK ends the list whether the count means codes or bytes. */
	for (unsigned i = 0; i < 40; i++) {
		if ((r = cp_wait(d, CP_CMD_GET, &f, d->t.ack_ms, "command list of GET")))
			return r;
		if (f.len == 1 && f.data[0] == CP_ACK_BYTE) {
			if (d->ncmds != n)
				stp_log(d->ctx, STP_LOG_DEBUG,
				        "%s: GET announced %u commands and listed %u",
				        d->port, n, d->ncmds);
			d->have_cmds = true;
			return CP_OK;
		}
		if (f.len == 1 && f.data[0] == CP_NACK_BYTE)
			return cp_why(d, CP_NACK, "NACK in the command list of GET");
		if (d->ncmds < sizeof(d->cmds))
			d->cmds[d->ncmds++] = f.len ? f.data[0] : 0;
	}
	return cp_why(d, CP_JUNK, "GET listed more than 40 command codes");
}

static cp_res get_id_once(cp_dev *d, void *arg)
{
	cl_frame f;
	cp_res r;

	(void)arg;
	if ((r = cp_command(d, CP_CMD_GET_ID, NULL, 0)))
		return r;
	d->stage = CP_AT_DATA;
	if ((r = cp_wait(d, CP_CMD_GET_ID, &f, d->t.ack_ms, "PID of GET ID")))
		return r;
	if (f.len < 2)
		return cp_why(d, CP_JUNK, "GET ID answered %u bytes, not 2", f.len);
	d->pid = (uint16_t)(f.data[0] << 8 | f.data[1]);
	d->stage = CP_AT_END;
	return cp_ack(d, CP_CMD_GET_ID, d->t.ack_ms, "ACK after GET ID");
}

static stp_status fail_cmd(cp_dev *d, cp_res r, uint8_t cmd, unsigned tries)
{
	return stp_fail(d->ctx, cp_status(r), cp_hint(d, r),
	                "%s on %s failed (%u %s): %s", cp_cmd_name(cmd), d->port,
	                tries, tries == 1 ? "try" : "tries", d->why);
}

static stp_status get_cmds(cp_dev *d)
{
	unsigned n;
	cp_res r = cp_tries(d, get_once, NULL, 2, &n);

	return r ? fail_cmd(d, r, CP_CMD_GET, n) : STP_OK;
}

stp_status cp_identify(cp_dev *d)
{
	unsigned n;
	stp_status st;
	cp_res r;

	if ((st = get_cmds(d)))
		return st;
	if ((r = cp_tries(d, get_id_once, NULL, 2, &n)))
		return fail_cmd(d, r, CP_CMD_GET_ID, n);
	d->silent_protected_read = d->proto == CP_AN5405 &&
	                           cp_pid_silent_read(d->pid);
	return STP_OK;
}

/* ---- READ ----------------------------------------------------------------- */

typedef struct xfer {
	uint32_t addr;
	uint8_t *rbuf;
	const uint8_t *wbuf;
	uint32_t len;
} xfer;

static void put_addr(uint8_t *p, uint32_t addr)
{
	p[0] = (uint8_t)(addr >> 24);
	p[1] = (uint8_t)(addr >> 16);
	p[2] = (uint8_t)(addr >> 8);
	p[3] = (uint8_t)addr;
}

static cp_res read_once(cp_dev *d, void *arg)
{
	xfer *x = arg;
	uint8_t p[5];
	uint32_t got = 0;
	cl_frame f;
	cp_res r;

	put_addr(p, x->addr);
	p[4] = (uint8_t)(x->len - 1);
	if ((r = cp_command(d, CP_CMD_READ, p, 5)))
		return r;
	d->stage = CP_AT_DATA;
	while (got < x->len) {
		uint32_t n;
		if ((r = cp_wait(d, CP_CMD_READ, &f, d->t.read_ms, "data of READ")))
			return r;
		if (!f.len)
			return cp_why(d, CP_JUNK, "an empty data frame in READ");
		/* FD frames may be padded up to a legal length. */
		n = f.len < x->len - got ? f.len : x->len - got;
		memcpy(x->rbuf + got, f.data, n);
		got += n;
	}
	d->stage = CP_AT_END;
	return cp_ack(d, CP_CMD_READ, d->t.read_ms, "ACK after the READ data");
}

static stp_status gone(cp_dev *d, const char *what)
{
	return stp_fail(d->ctx, STP_ERR_DISCONNECTED,
	                "reset the chip into its bootloader and connect again",
	                "%s on %s: the bootloader was left with GO", what,
	                d->port);
}

stp_status cp_read(cp_dev *d, uint32_t addr, uint8_t *buf, uint32_t len)
{
	xfer x = {.addr = addr, .rbuf = buf, .len = len};
	unsigned n;
	cp_res r;

	if (d->gone)
		return gone(d, "READ MEMORY");
	if (!len || len > 256)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "READ MEMORY of %u bytes at 0x%08X: 1 to 256 bytes",
		                len, addr);
	/* A silent H7 gives no reason to retry four times. */
	r = cp_tries(d, read_once, &x, d->silent_protected_read ? 2 : CP_TRIES,
	             &n);
	if (!r)
		return STP_OK;
	if (r == CP_NACK)
		return stp_fail(d->ctx, STP_ERR_PROTECTED,
		                "if readout protection is active, `stmprog -rdu` "
		                "removes it (and mass-erases the flash); otherwise "
		                "check the address against the chip's memory map",
		                "READ MEMORY of %u bytes at 0x%08X on %s refused "
		                "(NACK): readout protection, or an address the "
		                "bootloader does not read",
		                len, addr, d->port);
	if (r == CP_TIMEOUT && d->silent_protected_read && d->stage == CP_AT_CMD)
		return stp_fail(d->ctx, STP_ERR_PROTECTED,
		                "`stmprog -rdu` removes readout protection (and "
		                "mass-erases the flash; allow 30 s)",
		                "READ MEMORY of %u bytes at 0x%08X on %s: no answer "
		                "at all (%u tries); this chip's FDCAN bootloader "
		                "stays silent when readout protection is active, so "
		                "protection is the probable cause",
		                len, addr, d->port, n);
	return stp_fail(d->ctx, cp_status(r), cp_hint(d, r),
	                "READ MEMORY of %u bytes at 0x%08X on %s failed (%u %s): "
	                "%s",
	                len, addr, d->port, n, n == 1 ? "try" : "tries", d->why);
}

/* ---- WRITE ------------------------------------------------------------------ */

static cp_res write_once(cp_dev *d, void *arg)
{
	xfer *x = arg;

	if (d->proto == CP_AN5405)
		return an5405_write_once(d, x->addr, x->wbuf, x->len);
	return an3154_write_once(d, x->addr, x->wbuf, x->len);
}

stp_status cp_write(cp_dev *d, uint32_t addr, const uint8_t *buf,
                    uint32_t len)
{
	xfer x = {.addr = addr, .wbuf = buf, .len = len};
	unsigned n;
	cp_res r;

	if (d->gone)
		return gone(d, "WRITE MEMORY");
	if (!len || len > 256 || len % 4 || addr % 4)
		return stp_fail(d->ctx, STP_ERR_ARG,
		                "the bootloader writes whole 32-bit words; the "
		                "planner pads images to them",
		                "WRITE MEMORY of %u bytes at 0x%08X: address and "
		                "length must be multiples of 4, at most 256 bytes",
		                len, addr);
	r = cp_tries(d, write_once, &x, CP_TRIES, &n);
	if (!r)
		return STP_OK;
	if (r == CP_NACK && d->stage == CP_AT_CMD)
		return stp_fail(d->ctx, STP_ERR_PROTECTED,
		                "readout protection refuses writes (`stmprog -rdu` "
		                "removes it and mass-erases the flash); otherwise "
		                "check the address against the chip's memory map",
		                "WRITE MEMORY of %u bytes at 0x%08X on %s refused "
		                "(NACK): readout protection, or an address the "
		                "bootloader does not write",
		                len, addr, d->port);
	return stp_fail(d->ctx, cp_status(r),
	                r == CP_NACK ? "the page may be write-protected "
	                               "(--write-unprotect) or not erased"
	                             : cp_hint(d, r),
	                "WRITE MEMORY of %u bytes at 0x%08X on %s failed (%u %s): "
	                "%s",
	                len, addr, d->port, n, n == 1 ? "try" : "tries", d->why);
}

/* ---- ERASE ------------------------------------------------------------------ */

/* One erase command.  A timeout leaves it unknown how far the ROM got, so
 * it is repeated once, after a re-sync, and the log says so: erasing a
 * unit that is erased already changes nothing, so the repeat is safe. */
static stp_status erase_one(cp_dev *d, const uint16_t *units, size_t n,
                            uint16_t code, const char *what)
{
	cp_res r = CP_OK;
	uint8_t cmd = d->proto == CP_AN5405 ? CP_CMD_EXT_ERASE : CP_CMD_ERASE;

	for (unsigned i = 0; i < 2; i++) {
		if (i) {
			stp_log(d->ctx, STP_LOG_WARN,
			        "%s: %s of %s ended without its answer (%s); it may have "
			        "run partly, so it is sent once more after a re-sync "
			        "(erasing an erased unit changes nothing)",
			        d->port, cp_cmd_name(cmd), what, d->why);
			d->retries++;
			if (resync(d) != CP_OK)
				break;
		}
		if (d->proto == CP_AN5405)
			r = an5405_erase_once(d, units, n, code);
		else
			r = an3154_erase_once(d, units, n, code != 0);
		/* Under -tm the timeout is the user's deadline for the
		 * erase: a repeat would double it. */
		if (r == CP_OK || r == CP_NACK || r == CP_IO ||
		    (r == CP_TIMEOUT && d->t.cap_ms))
			break;
	}
	if (!r)
		return STP_OK;
	if (r == CP_NACK)
		return stp_fail(d->ctx, STP_ERR_NACK,
		                "the units may be write-protected (--write-unprotect), "
		                "readout protection may be active (`stmprog -rdu`), or "
		                "the unit numbers are beyond this chip's flash",
		                "%s of %s on %s refused (NACK)", cp_cmd_name(cmd),
		                what, d->port);
	return stp_fail(d->ctx, cp_status(r),
	                r == CP_TIMEOUT ? "the flash may be partly erased: run the "
	                                  "erase again; if it keeps timing out, "
	                                  "check the wiring and the bit rate"
	                                : cp_hint(d, r),
	                "%s of %s on %s failed: %s", cp_cmd_name(cmd), what,
	                d->port, d->why);
}

stp_status cp_erase_units(cp_dev *d, const uint16_t *units,
                          const uint32_t *addrs, size_t n)
{
	size_t max = d->proto == CP_AN5405 ? CP_ERASE_MAX_5405 : CP_ERASE_MAX_3154;
	stp_status st;

	if (d->gone)
		return gone(d, "ERASE");
	for (size_t i = 0; i < n; i++)
		if (d->proto == CP_AN3154 && units[i] > 0xFE)
			return stp_fail(d->ctx, STP_ERR_ARG, NULL,
			                "ERASE (0x43) names sectors 0..254 in one byte; "
			                "unit %u at 0x%08X cannot be erased on %s",
			                units[i], addrs ? addrs[i] : 0, d->port);
	for (size_t i = 0; i < n; i += max) {
		size_t k = n - i < max ? n - i : max;
		char what[96];

		if (addrs)
			snprintf(what, sizeof(what), "%zu unit%s from %u (0x%08X)", k,
			         k == 1 ? "" : "s", units[i], addrs[i]);
		else
			snprintf(what, sizeof(what), "%zu unit%s from %u", k,
			         k == 1 ? "" : "s", units[i]);
		if ((st = erase_one(d, units + i, k, 0, what)))
			return st;
	}
	return STP_OK;
}

stp_status cp_erase_mass(cp_dev *d)
{
	if (d->gone)
		return gone(d, "ERASE");
	return erase_one(d, NULL, 0, 0xFFFF, "the whole flash (mass erase)");
}

stp_status cp_erase_bank(cp_dev *d, unsigned bank)
{
	if (d->gone)
		return gone(d, "ERASE");
	if (d->proto != CP_AN5405)
		return stp_fail(d->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the CAN bootloader (AN3154) on %s has no bank erase",
		                d->port);
	if (bank > 1)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "EXTENDED ERASE erases bank 1 or 2, not bank %u",
		                bank + 1);
	return erase_one(d, NULL, 0, (uint16_t)(0xFFFE - bank),
	                 bank ? "bank 2" : "bank 1");
}

/* ---- GO ------------------------------------------------------------------- */

stp_status cp_go(cp_dev *d, uint32_t addr)
{
	uint8_t p[4];
	cp_res r;

	if (d->gone)
		return gone(d, "GO");
	put_addr(p, addr);
	if ((r = cp_command(d, CP_CMD_GO, p, 4)))
		return stp_fail(d->ctx, cp_status(r),
		                r == CP_NACK ? "the address must hold a vector table "
		                               "(initial SP, then reset handler), "
		                               "and readout protection refuses GO"
		                             : cp_hint(d, r),
		                "GO (0x21) to 0x%08X on %s failed: %s", addr, d->port,
		                d->why);
	d->gone = true;
	return STP_OK;
}

/* A ROM that jumped and came back (the empty check, or an application
 * that resets at once while BOOT0 selects the bootloader) restarts at
 * its start rate and waits for the handshake.  Two frames, so one lost
 * frame does not pass for a chip that left; the application, if it runs,
 * sees them as two frames on IDs it should not use. */
cp_res cp_back_after_go(cp_dev *d)
{
	cp_res r = CP_TIMEOUT;

	if (d->proto == CP_AN3154 && d->kbps != d->base_kbps && L->set_bitrate) {
		if (L->set_bitrate(L->user, d->base_kbps) < 0)
			return cp_why(d, CP_IO, "setting %s back to %u kbit/s failed: %s",
			              d->port, d->base_kbps, L->error(L->user));
		d->kbps = d->base_kbps;
	}
	L->sleep_ms(L->user, d->t.settle_ms);
	for (unsigned i = 0; i < 2; i++) {
		cl_frame f;
		if ((r = sync_once(d, d->t.sync_ms)) == CP_OK) {
			d->gone = false;
			return CP_OK;
		}
		if (r == CP_IO)
			return r;
		while (L->recv(L->user, &f, sync_quiet_ms(d)) > 0)
			;
	}
	return r;
}

/* ---- commands that reset the chip ----------------------------------------- */

stp_status cp_resync_after_reset(cp_dev *d, unsigned deadline_ms,
                                 const char *after)
{
	uint64_t end;
	cp_res r = CP_TIMEOUT;
	stp_status st;

	d->resets++;
	/* The ROM starts again at its own rate, whatever SPEED set. */
	if (d->proto == CP_AN3154 && d->kbps != d->base_kbps &&
	    L->set_bitrate) {
		if (L->set_bitrate(L->user, d->base_kbps) < 0)
			return stp_fail(d->ctx, STP_ERR_IO, NULL,
			                "after %s: setting %s back to %u kbit/s failed: "
			                "%s",
			                after, d->port, d->base_kbps, L->error(L->user));
		d->kbps = d->base_kbps;
	}
	L->sleep_ms(L->user, d->t.settle_ms);
	end = L->now_ms(L->user) + deadline_ms;
	while (L->now_ms(L->user) < end) {
		if ((r = sync_once(d, d->t.sync_ms)) == CP_OK || r == CP_IO)
			break;
	}
	if (r)
		return stp_fail(d->ctx, cp_status(r),
		                "the chip should restart in its bootloader while BOOT0 "
		                "selects it; reset it and connect again",
		                "after %s the chip on %s did not answer the %s within "
		                "%u ms: %s",
		                after, d->port,
		                d->proto == CP_AN5405 ? "start frame" : "sync frame",
		                deadline_ms, d->why);
	if ((st = get_cmds(d)))
		return st;
	if (d->proto == CP_AN3154 && d->speed_kbps &&
	    d->speed_kbps != d->base_kbps)
		return an3154_speed(d, d->speed_kbps);
	return STP_OK;
}

/* cmd with its parameters, ACK, ACK after second_ms, the reset. */
static stp_status reset_cmd(cp_dev *d, uint8_t cmd, const uint8_t *p,
                            size_t n, unsigned second_ms, const char *hint)
{
	cp_res r;

	if (d->gone)
		return gone(d, cp_cmd_name(cmd));
	if ((r = cp_command(d, cmd, p, n)))
		return stp_fail(d->ctx, cp_status(r),
		                r == CP_NACK ? hint : cp_hint(d, r),
		                "%s on %s failed: %s", cp_cmd_name(cmd), d->port,
		                d->why);
	d->stage = CP_AT_END;
	if ((r = cp_ack(d, cmd, second_ms, "second ACK")) == CP_NACK)
		return stp_fail(d->ctx, STP_ERR_NACK, hint,
		                "%s on %s: the bootloader accepted the command, then "
		                "answered NACK",
		                cp_cmd_name(cmd), d->port);
	if (r) {
		/* Some ROMs reset before the second ACK reaches the bus; the
		 * re-sync below tells whether the chip came back. */
		stp_log(d->ctx, STP_LOG_WARN,
		        "%s: %s: %s; waiting for the reset anyway", d->port,
		        cp_cmd_name(cmd), d->why);
	}
	return cp_resync_after_reset(d, d->t.reset_ms, cp_cmd_name(cmd));
}

stp_status cp_readout_protect(cp_dev *d)
{
	return reset_cmd(d, CP_CMD_READOUT_PROTECT, NULL, 0, d->t.ack_ms,
	                 "readout protection may be active already");
}

stp_status cp_readout_unprotect(cp_dev *d)
{
	/* The second ACK follows the mass erase. */
	return reset_cmd(d, CP_CMD_READOUT_UNPROTECT, NULL, 0,
	                 d->t.mass_erase_ms,
	                 "the bootloader refused; level 2 protection cannot be "
	                 "removed");
}

stp_status cp_write_unprotect(cp_dev *d)
{
	return reset_cmd(d, CP_CMD_WRITE_UNPROTECT, NULL, 0, d->t.unit_erase_ms,
	                 "readout protection refuses it (`stmprog -rdu` first)");
}

stp_status cp_write_protect(cp_dev *d, const uint16_t *units, size_t n)
{
	uint8_t p[64];
	size_t k = 0, max = d->proto == CP_AN5405 ? 63 : 8;

	if (!n || n > max)
		return stp_fail(d->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "WRITE PROTECT (0x63) on %s names 1 to %zu sectors in "
		                "one frame, not %zu",
		                d->port, max, n);
	if (d->proto == CP_AN5405)
		p[k++] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		if (units[i] > 0xFF)
			return stp_fail(d->ctx, STP_ERR_ARG, NULL,
			                "WRITE PROTECT (0x63) names sectors 0..255; sector "
			                "%u cannot be protected on %s",
			                units[i], d->port);
		p[k++] = (uint8_t)units[i];
	}
	return reset_cmd(d, CP_CMD_WRITE_PROTECT, p, k, d->t.unit_erase_ms,
	                 "readout protection refuses it (`stmprog -rdu` first)");
}

stp_status cp_write_option_bytes(cp_dev *d, uint32_t addr,
                                 const uint8_t *buf, uint32_t len)
{
	cp_res r;

	if (d->gone)
		return gone(d, "WRITE MEMORY");
	if (!len || len > 256 || len % 4 || addr % 4)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "option bytes of %u bytes at 0x%08X: whole words, at "
		                "most 256 bytes in one WRITE MEMORY",
		                len, addr);
	/* One try only: the device erases all option bytes, programs and
	 * resets, so a repeat would meet a chip that is restarting. */
	r = d->proto == CP_AN5405 ? an5405_write_once(d, addr, buf, len)
	                          : an3154_write_once(d, addr, buf, len);
	if (r && !(r == CP_TIMEOUT && d->stage == CP_AT_END))
		return stp_fail(d->ctx, cp_status(r),
		                r == CP_NACK ? "this bootloader may not write the "
		                               "option bytes, or readout protection "
		                               "refuses it"
		                             : cp_hint(d, r),
		                "option-byte write of %u bytes at 0x%08X on %s: %s",
		                len, addr, d->port, d->why);
	return cp_resync_after_reset(d, d->t.reset_ms, "the option-byte write");
}

/* The slcan (Lawicel) host over a byte_link: the open sequence, frames
 * to and from text, and the bit-rate change AN3154's SPEED needs.
 *
 * Adapters differ in what they answer: some send CR after every command
 * and "z" after every transmitted frame, some send nothing at all.  So
 * answers are optional, every incoming line is classified by its first
 * character, and only BELL (0x07, "error") changes what happens: to a
 * set-up command it fails naming the command, to a frame it fails the
 * exchange that sent it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_slcan.h"

#define BELL 0x07
#define CR '\r'
/* Frames that arrive while a command waits for its answer are kept for
 * the next recv instead of being dropped. */
#define QUEUE 16
/* The longest line: 'B', 8 + 1 + 128 hex digits, CR; and room. */
#define LINE_LEN 200

struct slcan {
	stp_ctx *ctx;
	const byte_link *bl;
	char port[256];
	can_link link;
	unsigned kbps, data_kbps;
	char line[LINE_LEN];
	size_t nline;
	bool overlong;
	/* Bytes read ahead: a read asks for the rest of a frame line at
	 * once, and what follows its CR (a malformed, short line) waits
	 * here for the next line. */
	uint8_t rbuf[LINE_LEN];
	size_t rpos, rlen;
	cl_frame queue[QUEUE];
	size_t qhead, qcount;
	char err[768];
};

int slcan_rate_code(unsigned kbps)
{
	static const unsigned rates[] = {10, 20, 50, 100, 125, 250, 500, 800, 1000};

	for (int i = 0; i < 9; i++)
		if (rates[i] == kbps)
			return i;
	return -1;
}

int slcan_data_rate_code(unsigned kbps)
{
	switch (kbps) {
	case 1000: return 1;
	case 2000: return 2;
	case 4000: return 4;
	case 5000: return 5;
	case 8000: return 8;
	default: return -1;
	}
}

/* ---- text <-> frames -------------------------------------------------- */

size_t slcan_encode(const cl_frame *f, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	int dlc = cl_len_dlc(f->len);
	size_t n = 0;
	char c;

	if (dlc < 0 || (!f->fd && f->len > 8))
		return 0;
	if (f->fd)
		c = f->brs ? 'b' : 'd';
	else
		c = 't';
	if (f->ext)
		c = (char)(c - 'a' + 'A');
	if (size < 1 + 8 + 1 + 2u * f->len + 2)
		return 0;
	buf[n++] = c;
	for (int i = f->ext ? 7 : 2; i >= 0; i--)
		buf[n++] = hex[(f->id >> (4 * i)) & 0xF];
	buf[n++] = hex[dlc];
	for (unsigned i = 0; i < f->len; i++) {
		buf[n++] = hex[f->data[i] >> 4];
		buf[n++] = hex[f->data[i] & 0xF];
	}
	buf[n++] = CR;
	buf[n] = '\0';
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hexnum(const char *p, unsigned digits, uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < digits; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return true;
}

bool slcan_decode(const char *line, size_t n, cl_frame *f)
{
	bool remote = false;
	unsigned idlen;
	uint32_t id, dlc;
	size_t pos;

	if (!n)
		return false;
	memset(f, 0, sizeof(*f));
	switch (line[0]) {
	case 't': break;
	case 'T': f->ext = true; break;
	case 'r': remote = true; break;
	case 'R': remote = true; f->ext = true; break;
	case 'd': f->fd = true; break;
	case 'D': f->fd = true; f->ext = true; break;
	case 'b': f->fd = f->brs = true; break;
	case 'B': f->fd = f->brs = f->ext = true; break;
	default: return false;
	}
	idlen = f->ext ? 8 : 3;
	if (n < 1 + idlen + 1 || !hexnum(line + 1, idlen, &id) ||
	    !hexnum(line + 1 + idlen, 1, &dlc))
		return false;
	if (id > (f->ext ? 0x1FFFFFFFu : 0x7FFu))
		return false;
	f->id = id;
	if (!f->fd && dlc > 8)
		return false;
	if (remote)
		return true;
	f->len = cl_dlc_len[dlc];
	pos = 1 + idlen + 1;
	if (n < pos + 2u * f->len)
		return false;
	for (unsigned i = 0; i < f->len; i++) {
		uint32_t b;
		if (!hexnum(line + pos + 2 * i, 2, &b))
			return false;
		f->data[i] = (uint8_t)b;
	}
	/* Anything after the data (a timestamp with Z1) is ignored. */
	return true;
}

/* ---- lines from the adapter ------------------------------------------ */

static int fail_io(slcan *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s %s failed: %s", what, s->port,
	         s->bl->error(s->bl->user));
	return -1;
}

/* How many more bytes the line begun in s->line needs up to its CR, as
 * far as its first characters tell (1 when they do not tell): a frame
 * line is read in two or three reads rather than one a byte, which is
 * what a frame per ACK costs on a loaded host.  Never more than a
 * well-formed line holds, so no read waits for bytes of the next line. */
static size_t line_needs(const slcan *s)
{
	const char *l = s->line;
	size_t n = s->nline, idlen, head;
	int dlc;

	if (!n || s->overlong)
		return 1;
	switch (l[0]) {
	case 'z': case 'Z':
		return 1;
	case 't': case 'r': case 'd': case 'b':
		idlen = 3;
		break;
	case 'T': case 'R': case 'D': case 'B':
		idlen = 8;
		break;
	default:
		return 1;
	}
	head = 1 + idlen + 1;
	if (n < head)
		return head - n;
	dlc = hexval(l[head - 1]);
	if (dlc < 0)
		return 1;
	if (l[0] == 'r' || l[0] == 'R')
		dlc = 0;
	else if ((l[0] == 't' || l[0] == 'T') && dlc > 8)
		return 1;
	head += 2u * cl_dlc_len[dlc];
	/* The CR, or more (a timestamp) a byte at a time. */
	return n < head + 1 ? head + 1 - n : 1;
}

/* The next byte from the adapter, from what was read ahead if any.  1, 0
 * when the deadline passed, -1 on a port error. */
static int next_byte(slcan *s, uint64_t deadline, uint8_t *c)
{
	const byte_link *bl = s->bl;
	uint64_t now;
	int got;

	if (s->rpos < s->rlen) {
		*c = s->rbuf[s->rpos++];
		return 1;
	}
	now = bl->now_ms(bl->user);
	if (now >= deadline)
		return 0;
	got = bl->read(bl->user, s->rbuf, line_needs(s),
	               (unsigned)(deadline - now));
	if (got < 0)
		return fail_io(s, "reading from");
	if (got == 0)
		return 0;
	s->rpos = 1;
	s->rlen = (size_t)got;
	*c = s->rbuf[0];
	return 1;
}

/* One answer from the adapter: a line ended by CR (returned in s->line,
 * *term = CR) or a BELL (*term = BELL).  1, 0 when the deadline passed,
 * -1 on a port error.  LF is dropped (some firmwares send CR LF). */
static int read_line(slcan *s, uint64_t deadline, char *term)
{
	for (;;) {
		uint8_t c = 0; /* set whenever next_byte returns 1; -O1 cannot
		                * see that through fail_io's return value */
		int got = next_byte(s, deadline, &c);

		if (got <= 0)
			return got;
		if (c == '\n')
			continue;
		if (c == CR || c == BELL) {
			bool bad = s->overlong;
			*term = (char)c;
			s->line[s->nline] = '\0';
			s->overlong = false;
			if (bad) {
				s->nline = 0;
				continue;
			}
			return 1;
		}
		if (s->nline + 1 < sizeof(s->line))
			s->line[s->nline++] = (char)c;
		else
			s->overlong = true;
	}
}

static void enqueue(slcan *s, const cl_frame *f)
{
	if (s->qcount == QUEUE)
		return;
	s->queue[(s->qhead + s->qcount++) % QUEUE] = *f;
}

/* Sends "cmd\r" and waits for CR or BELL.  Silence is success; frames
 * seen meanwhile are queued; other lines are skipped.  Returns 0, 1 for
 * BELL, -1 on a port error. */
static int command(slcan *s, const char *cmd, char *answer, size_t asize,
                   char want, unsigned ms)
{
	const byte_link *bl = s->bl;
	uint64_t deadline;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%s\r", cmd);

	if (answer && asize)
		answer[0] = '\0';
	if (bl->write(bl->user, (const uint8_t *)buf, (size_t)n) < 0)
		return fail_io(s, "writing to");
	deadline = bl->now_ms(bl->user) + ms;
	for (;;) {
		char term;
		cl_frame f;
		int r = read_line(s, deadline, &term);
		size_t len = s->nline;

		s->nline = 0;
		if (r <= 0)
			return r;
		if (term == BELL)
			return 1;
		if (len && slcan_decode(s->line, len, &f)) {
			enqueue(s, &f);
			continue;
		}
		if (want && len && s->line[0] == want) {
			if (answer)
				snprintf(answer, asize, "%s", s->line);
			return 0;
		}
		if (!want && !len)
			return 0;
		/* "z", "Z", status lines, anything else: not ours. */
	}
}

static stp_status bell(slcan *s, const char *cmd, const char *what)
{
	return stp_fail(s->ctx, STP_ERR_IO,
	                "check that the adapter speaks slcan and supports this "
	                "rate (FD data rates need an FD adapter such as "
	                "CANable 2.0), or choose another br=/dbr=",
	                "slcan adapter %s answered BELL (error) to %s (%s)",
	                s->port, cmd, what);
}

static stp_status io_failed(slcan *s)
{
	return stp_fail(s->ctx, STP_ERR_IO,
	                "check that the adapter is still plugged in", "%s",
	                s->err);
}

stp_status slcan_start(slcan *s, unsigned kbps, unsigned data_kbps)
{
	int code = slcan_rate_code(kbps), dcode = 0;
	char cmd[16], what[64];
	int r;

	if (code < 0)
		return stp_fail(s->ctx, STP_ERR_PORTSPEC,
		                "use br=10, 20, 50, 100, 125, 250, 500, 800 or 1000",
		                "slcan adapters set %u kbit/s by no S command "
		                "(port %s)",
		                kbps, s->port);
	if (data_kbps && (dcode = slcan_data_rate_code(data_kbps)) < 0)
		return stp_fail(s->ctx, STP_ERR_PORTSPEC,
		                "use dbr=1000, 2000, 4000, 5000 or 8000",
		                "slcan adapters set an FD data rate of %u kbit/s by "
		                "no Y command (port %s)",
		                data_kbps, s->port);
	s->qcount = 0;
	s->rpos = s->rlen = 0;
	s->bl->flush(s->bl->user);
	/* C first: the adapter may still be open from an earlier run, and it
	 * takes S only while closed.  A BELL means it was closed already. */
	if (command(s, "C", NULL, 0, 0, SLCAN_ACK_MS) < 0)
		return io_failed(s);
	snprintf(cmd, sizeof(cmd), "S%d", code);
	snprintf(what, sizeof(what), "nominal rate %u kbit/s", kbps);
	if ((r = command(s, cmd, NULL, 0, 0, SLCAN_ACK_MS)))
		return r < 0 ? io_failed(s) : bell(s, cmd, what);
	if (data_kbps) {
		snprintf(cmd, sizeof(cmd), "Y%d", dcode);
		snprintf(what, sizeof(what), "FD data rate %u kbit/s", data_kbps);
		if ((r = command(s, cmd, NULL, 0, 0, SLCAN_ACK_MS)))
			return r < 0 ? io_failed(s) : bell(s, cmd, what);
	}
	if ((r = command(s, "O", NULL, 0, 0, SLCAN_ACK_MS)))
		return r < 0 ? io_failed(s) : bell(s, "O", "open the channel");
	s->kbps = kbps;
	s->data_kbps = data_kbps;
	return STP_OK;
}

void slcan_stop(slcan *s)
{
	command(s, "C", NULL, 0, 0, SLCAN_ACK_MS);
}

bool slcan_version(slcan *s, char *buf, size_t size, unsigned ms)
{
	return command(s, "V", buf, size, 'V', ms) == 0 && buf[0];
}

/* ---- the frame link ---------------------------------------------------- */

static int l_send(void *user, const cl_frame *f)
{
	slcan *s = user;
	char buf[1 + 8 + 1 + 128 + 2];
	size_t n = slcan_encode(f, buf, sizeof(buf));

	if (!n) {
		snprintf(s->err, sizeof(s->err),
		         "a frame of %u bytes cannot be sent as slcan text", f->len);
		return -1;
	}
	if (s->bl->write(s->bl->user, (const uint8_t *)buf, n) < 0)
		return fail_io(s, "writing to");
	return 0;
}

/* Frames in one write: a USB adapter gets them in one transfer rather
 * than one each, and the host makes one system call. */
static int l_send_many(void *user, const cl_frame *f, size_t n)
{
	slcan *s = user;
	char buf[8 * (1 + 8 + 1 + 128 + 2)];
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = at + 140 <= sizeof(buf)
		           ? slcan_encode(&f[i], buf + at, sizeof(buf) - at) : 0;
		if (!k) {
			if (at + 140 > sizeof(buf))
				snprintf(s->err, sizeof(s->err),
				         "%zu frames are too many for one write", n);
			else
				snprintf(s->err, sizeof(s->err),
				         "a frame of %u bytes cannot be sent as slcan "
				         "text", f[i].len);
			return -1;
		}
		at += k;
	}
	if (s->bl->write(s->bl->user, (const uint8_t *)buf, at) < 0)
		return fail_io(s, "writing to");
	return 0;
}

static int l_recv(void *user, cl_frame *f, unsigned timeout_ms)
{
	slcan *s = user;
	uint64_t deadline = s->bl->now_ms(s->bl->user) + timeout_ms;

	if (s->qcount) {
		*f = s->queue[s->qhead];
		s->qhead = (s->qhead + 1) % QUEUE;
		s->qcount--;
		return 1;
	}
	for (;;) {
		char term;
		int r = read_line(s, deadline, &term);
		size_t len = s->nline;

		s->nline = 0;
		if (r <= 0)
			return r;
		if (term == BELL) {
			snprintf(s->err, sizeof(s->err),
			         "slcan adapter %s answered BELL (error) to a frame: "
			         "its channel is closed or the bus is in error",
			         s->port);
			return -1;
		}
		if (len && slcan_decode(s->line, len, f))
			return 1;
		/* CR and "z"/"Z" acknowledge our frames; other lines are not
		 * frames.  Neither is an answer. */
	}
}

static int l_set_bitrate(void *user, unsigned kbps)
{
	slcan *s = user;
	stp_status st = slcan_start(s, kbps, s->data_kbps);

	if (st) {
		snprintf(s->err, sizeof(s->err), "%s", stp_last_detail(s->ctx));
		return -1;
	}
	return 0;
}

static bool l_can_fd(void *user)
{
	slcan *s = user;

	return s->data_kbps != 0;
}

static uint64_t l_now(void *user)
{
	slcan *s = user;

	return s->bl->now_ms(s->bl->user);
}

static void l_sleep(void *user, unsigned ms)
{
	slcan *s = user;

	s->bl->sleep_ms(s->bl->user, ms);
}

static const char *l_error(void *user)
{
	slcan *s = user;

	return s->err;
}

slcan *slcan_new(stp_ctx *ctx, const byte_link *bl, const char *port)
{
	slcan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ctx = ctx;
	s->bl = bl;
	snprintf(s->port, sizeof(s->port), "%s", port);
	s->link = (can_link){
		.user = s,
		.send = l_send,
		.send_many = l_send_many,
		.recv = l_recv,
		.set_bitrate = l_set_bitrate,
		.can_fd = l_can_fd,
		.now_ms = l_now,
		.sleep_ms = l_sleep,
		.error = l_error,
	};
	return s;
}

void slcan_free(slcan *s)
{
	free(s);
}

const can_link *slcan_link(slcan *s)
{
	return &s->link;
}

/* stmprog-sim: the slcan adapter on a pty, and the bus between it and the
 * bootloader.
 *
 * Three parts, each a section below:
 *   - the serial side: the pty, lines from the host, timed lines to it;
 *   - the adapter: Lawicel commands (V N F C O S Y Z M m X) and frames
 *     (t T r R d D b B), answered with CR, BELL or "z"/"Z";
 *   - the bus: frames from the host reach the bootloader, and its frames
 *     reach the adapter, only when both ends are at the same bit rates;
 *     each frame occupies the bus for its bit time (--timing real), and
 *     faults (lost, errframe, disconnect) strike frames here.
 *
 * No seccomp watch of the host's termios calls (sim_ttywatch.h) is
 * needed: an slcan adapter is a USB CDC device that takes 8N1 at any
 * baud, so nothing the host sets on the port can garble the line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "sim_canboot.h"
#include "sim_slcan.h"
#include "sim_time.h"

#define LINE_MAX_LEN 160   /* the longest command: 'B', 8+1+128 hex digits */
#define OUT_LINE 144       /* the longest line we send */
#define BELL '\a'
/* From a disconnect fault to the pty's hang-up. */
#define HANGUP_GRACE_NS (100 * SIM_NS_PER_MS)
/* The longest stretch spent writing before looking at the rest. */
#define BURST_NS (20 * SIM_NS_PER_MS)
/* With several devices in one event loop, one device's wait is every
 * other device's delay. */
#define SHARED_BURST_NS (SIM_NS_PER_MS / 2)

/* Lawicel S0..S8, in kbit/s. */
static const unsigned s_rates[9] = {10, 20, 50, 100, 125, 250, 500, 800, 1000};

/* ---- queues ---- */

typedef struct out_line {
	int64_t t;              /* when the adapter writes it */
	size_t len, off;        /* off: bytes already written */
	char s[OUT_LINE];
} out_line;

typedef struct bus_frame {
	int64_t t;              /* to the chip: arrival; from it: ready */
	sim_can_frame f;
} bus_frame;

/* A FIFO of fixed-size items, growing as needed. */
typedef struct fifo {
	void *v;
	size_t size, head, len, cap;
} fifo;

static void *fifo_at(const fifo *q, size_t i)
{
	return (char *)q->v + (q->head + i) * q->size;
}

static void *fifo_front(const fifo *q)
{
	return q->len ? fifo_at(q, 0) : NULL;
}

/* A slot at the back, or NULL when out of memory. */
static void *fifo_push(fifo *q)
{
	if (q->head + q->len == q->cap) {
		if (q->head > 0) {
			memmove(q->v, fifo_at(q, 0), q->len * q->size);
			q->head = 0;
		} else {
			size_t cap = q->cap ? q->cap * 2 : 64;
			void *v = realloc(q->v, cap * q->size);
			if (!v)
				return NULL;
			q->v = v;
			q->cap = cap;
		}
	}
	return fifo_at(q, q->len++);
}

static void fifo_pop(fifo *q)
{
	q->head++;
	if (--q->len == 0)
		q->head = 0;
}

/* ---- the transport ---- */

struct sim_transport {
	const sim_config *cfg;
	sim_chip *chip;
	sim_faults *faults;
	sim_trace *trace;
	sim_canboot *boot;
	/* serial side */
	int master, slave;
	char tty[128];
	char port[140];
	bool gone;              /* the pty is closed */
	/* disconnect=N struck: no more frames or lines, and the pty hangs up
	 * at hangup_at, once what the adapter wrote has reached the host
	 * (a pty drops input still in flight when its master closes). */
	bool vanishing;
	int64_t hangup_at;
	char line[LINE_MAX_LEN + 1];
	size_t line_len;
	bool line_overflow;
	fifo out;               /* out_line, sorted by t */
	/* adapter */
	bool open;
	unsigned kbps;          /* S: nominal rate, 0 = never set */
	unsigned data_kbps;     /* Y: data rate, 0 = never set */
	uint8_t flags;          /* F's status bits */
	/* bus */
	fifo to_chip, from_chip; /* bus_frame */
	int64_t bus_free;       /* when the bus is idle again */
	int64_t dev_time;       /* when the chip is done with what it got */
	uint64_t frames;        /* on the bus both ways, for disconnect=N */
	/* cut=N: after N WRITE data frames reached the bootloader the cable
	 * between adapter and chip is pulled, leaving the ROM inside that
	 * WRITE (what a host killed mid-WRITE leaves); it is plugged back by
	 * the time a host opens the channel again (O). */
	uint64_t write_frames;
	bool cut, cut_done;
	bool held_traced;       /* the head of from_chip was said held */
	/* hold=P: the head of from_chip was drawn for, and is late until
	 * hold_until (the real clock, whatever --timing says, as the
	 * host's timeouts run on it). */
	bool hold_drawn;
	int64_t hold_until;
	/* No board in the jig (--boards): the adapter still answers, but
	 * nothing on the bus acknowledges or answers the host's frames. */
	bool absent;
	/* Where the bus time went (--timing real), for timelines: frames,
	 * their bit time, and the idle stretches before a frame, by whose
	 * frame ended them: the host's (it was turning around: adapter,
	 * USB, its own reaction) or the chip's (erasing, programming). */
	struct {
		uint64_t frames, host_waits;
		int64_t busy, host_idle, chip_idle, host_max;
	} stat;
};

static int64_t now_or_zero(const sim_transport *t)
{
	return t->cfg->real_time ? sim_now_ns() : 0;
}

/* ---- the serial side ---- */

/* The adapter vanishes: the master closes (the host's descriptor hangs
 * up, the /dev/pts node goes away) but our slave descriptor stays open
 * until slcan_close, which keeps the pts number taken: a host reopening
 * the path finds nothing rather than another program's new pty (see
 * sim_link.c's hang_up). */
static void hang_up(sim_transport *t)
{
	if (t->master >= 0)
		close(t->master);
	t->master = -1;
	t->gone = true;
}

/* Queues a line for the host at time when, after anything due earlier. */
static void say_at(sim_transport *t, int64_t when, const char *s, size_t len)
{
	out_line *l;
	size_t i;

	if (t->gone)
		return;
	if (len > OUT_LINE)
		len = OUT_LINE;
	if (!(l = fifo_push(&t->out))) {
		sim_say("out of memory; a line to the host is lost");
		return;
	}
	/* Keep the queue in time order: an adapter answer written now goes
	 * before a frame line still crossing the bus.  Never before a line
	 * already half written. */
	for (i = t->out.len - 1; i > 0; i--) {
		out_line *prev = fifo_at(&t->out, i - 1);
		if (prev->t <= when || (i - 1 == 0 && prev->off))
			break;
		memcpy(fifo_at(&t->out, i), prev, sizeof(*prev));
	}
	l = fifo_at(&t->out, i);
	l->t = when;
	l->len = len;
	l->off = 0;
	memcpy(l->s, s, len);
}

static void say(sim_transport *t, const char *s)
{
	say_at(t, now_or_zero(t), s, strlen(s));
}

/* Waits until when, or until the host has written something: a real
 * adapter takes USB data while it waits for the bus, so a host line must
 * not be read late (its frame would start late) because a line to the
 * host was due soon.  True when when has come. */
static bool wait_until(sim_transport *t, int64_t when)
{
	struct pollfd p = {.fd = t->master, .events = POLLIN};
	int64_t now = sim_now_ns();
	struct timespec ts;

	if (when <= now)
		return true;
	ts.tv_sec = (time_t)((when - now) / INT64_C(1000000000));
	ts.tv_nsec = (long)((when - now) % INT64_C(1000000000));
	if (ppoll(&p, 1, &ts, NULL) > 0 && (p.revents & POLLIN))
		return false;
	/* EINTR or a hang-up: the deadline is absolute, finish it. */
	sim_sleep_until(when);
	return true;
}

/* Writes the lines that are due.  wait: a line due within 2 ms is waited
 * for here (so frame times hold to the microsecond), unless the host
 * writes meanwhile; read_host passes false, as the rest of its buffer may
 * hold more lines to take first. */
static void write_host(sim_transport *t, bool wait)
{
	int64_t began = sim_now_ns();

	while (!t->gone) {
		out_line *l = fifo_front(&t->out);
		int64_t now = sim_now_ns();
		ssize_t w;

		if (!l)
			return;
		if (t->cfg->real_time && l->t > now) {
			/* Due within 2 ms: wait for it here, so frame times hold
			 * to the microsecond; later: back to poll. */
			if (!wait ||
			    l->t - now > (t->cfg->devices > 1 ? SIM_NS_PER_MS / 5
			                                      : 2 * SIM_NS_PER_MS) ||
			    now - began > (t->cfg->devices > 1 ? SHARED_BURST_NS
			                                       : BURST_NS))
				return;
			if (!wait_until(t, l->t))
				return;
		}
		w = write(t->master, l->s + l->off, l->len - l->off);
		if (w <= 0)
			return; /* EAGAIN: the host is not reading; wait for POLLOUT */
		l->off += (size_t)w;
		if (l->off < l->len)
			return;
		fifo_pop(&t->out);
	}
}

static int open_pty(sim_transport *t, char *err, size_t errlen)
{
	struct termios tio;

	t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->master < 0 || grantpt(t->master) != 0 ||
	    unlockpt(t->master) != 0 ||
	    ptsname_r(t->master, t->tty, sizeof(t->tty)) != 0) {
		snprintf(err, errlen, "cannot create a pseudo-terminal: %s",
		         strerror(errno));
		return -1;
	}
	/* Our own descriptor on the slave, so the host may close and reopen
	 * the port (slcand, then the test) without a hang-up. */
	t->slave = open(t->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->slave < 0 || tcgetattr(t->slave, &tio) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", t->tty, strerror(errno));
		return -1;
	}
	/* Raw, so nothing is echoed or translated: a host that does not set
	 * the port up itself still sees the adapter's bytes as sent. */
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(t->slave, TCSANOW, &tio) != 0 ||
	    fcntl(t->master, F_SETFL, fcntl(t->master, F_GETFL) | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "cannot set up %s: %s", t->tty, strerror(errno));
		return -1;
	}
	snprintf(t->port, sizeof(t->port), "slcan:%s", t->tty);
	return 0;
}

/* ---- the bus ---- */

/* The bit time of f on the bus (--timing real), worst-case stuffing.
 * Classic: SOF..CRC is 34 + 8n bits (54 + 8n with a 29-bit ID), one stuff
 * bit per 4 after the first, then CRC delimiter, ACK, EOF and the
 * 3-bit intermission (13): 47 + 8n + stuffing for an 11-bit ID.
 * FD: arbitration (17 bits to BRS, 36 with a 29-bit ID) and ACK, EOF and
 * intermission (12) at the nominal rate; ESI, DLC, data, stuff count, CRC
 * (17 bits up to 16 bytes, else 21) with its fixed stuff bits and the CRC
 * delimiter at the data rate when BRS is set. */
static int64_t frame_ns(const sim_transport *t, const sim_can_frame *f)
{
	unsigned n = f->rtr ? 0 : f->len, nom, dat, crc;
	unsigned kbps = f->kbps ? f->kbps : 125;
	unsigned dkbps = f->fd && f->brs && f->data_kbps ? f->data_kbps : kbps;

	if (!t->cfg->real_time)
		return 0;
	if (!f->fd) {
		unsigned stuffable = (f->ext ? 54u : 34u) + 8u * n;
		return (int64_t)(stuffable + (stuffable - 1) / 4 + 13) *
		       INT64_C(1000000) / kbps;
	}
	nom = f->ext ? 36u : 17u;
	nom += nom / 4 + 12;
	crc = n <= 16 ? 17u : 21u;
	dat = 5 + 8 * n;
	dat += dat / 4 + 4 + crc + (4 + crc) / 4 + 1 + 1;
	return (int64_t)nom * INT64_C(1000000) / kbps +
	       (int64_t)dat * INT64_C(1000000) / dkbps;
}

/* Counts one frame on the bus; false when disconnect=N says the adapter
 * vanishes before it. */
static bool count_frame(sim_transport *t)
{
	if (t->gone || t->vanishing)
		return false;
	if (t->faults->disconnect && t->frames >= t->faults->disconnect_after) {
		sim_trace_line(t->trace, "FAULT disconnect %llu",
		               (unsigned long long)t->frames);
		sim_say("fault: the adapter vanished after %llu frames "
		        "(disconnect=%llu)", (unsigned long long)t->frames,
		        (unsigned long long)t->faults->disconnect_after);
		t->vanishing = true;
		t->hangup_at = sim_now_ns() + HANGUP_GRACE_NS;
		return false;
	}
	t->frames++;
	return true;
}

/* Whether a node at (kbps, data_kbps) hears f: the nominal rates must
 * agree, and the data rates too for FD frames with BRS.  data_kbps 0 is
 * a node that cannot take FD frames at all. */
static bool hears(unsigned kbps, unsigned data_kbps, const sim_can_frame *f)
{
	if (kbps != f->kbps)
		return false;
	if (f->fd && !data_kbps)
		return false;
	return !(f->fd && f->brs && data_kbps != f->data_kbps);
}

/* lost=P / errframe=P for one frame; true when it survives. */
static bool survives(sim_transport *t, const sim_can_frame *f, bool to_host)
{
	const char *dir = to_host ? "tx" : "rx";

	switch (sim_faults_frame(t->faults, to_host)) {
	case SIM_FRAME_LOST:
		sim_trace_line(t->trace, "FAULT lost %s 0x%03X", dir, (unsigned)f->id);
		return false;
	case SIM_FRAME_ERROR:
		/* The adapter sees the error frame: F's bus-error bit. */
		t->flags |= 0x80;
		sim_trace_line(t->trace, "FAULT errframe %s 0x%03X", dir,
		               (unsigned)f->id);
		return false;
	case SIM_FRAME_OK:
		break;
	}
	return true;
}

/* The bus time of a frame that starts no earlier than from: its end.
 * by_host: the adapter sends it (else the chip), for the idle account. */
static int64_t occupy(sim_transport *t, int64_t from, const sim_can_frame *f,
                      bool by_host)
{
	int64_t start = from > t->bus_free ? from : t->bus_free;
	int64_t ns = frame_ns(t, f);

	if (t->stat.frames && start > t->bus_free) {
		int64_t idle = start - t->bus_free;
		if (by_host) {
			t->stat.host_idle += idle;
			t->stat.host_waits++;
			if (idle > t->stat.host_max)
				t->stat.host_max = idle;
		} else {
			t->stat.chip_idle += idle;
		}
	}
	t->stat.frames++;
	t->stat.busy += ns;
	t->bus_free = start + ns;
	return t->bus_free;
}

/* The adapter transmits f (already at its rates). */
static void host_frame(sim_transport *t, const sim_can_frame *f)
{
	unsigned kbps, dkbps;
	int64_t end;
	bus_frame *b;

	if (t->cut || !count_frame(t))
		return;
	end = occupy(t, now_or_zero(t), f, true);
	if (!survives(t, f, false))
		return;
	sim_canboot_rates(t->boot, &kbps, &dkbps);
	/* A classic bootloader's controller has no data rate to match; it
	 * ignores FD frames anyway (sim_canboot.c). */
	if (!sim_canboot_is_fd(t->boot) && f->fd)
		dkbps = f->data_kbps ? f->data_kbps : 1;
	if (!hears(kbps, dkbps, f)) {
		/* Simplified: the frame is lost, rather than retried by the
		 * adapter until someone at its rate acknowledges it. */
		sim_trace_line(t->trace, "LOST rx 0x%03X: the adapter is at %u "
		               "kbit/s, the bootloader at %u", (unsigned)f->id,
		               f->kbps, kbps);
		return;
	}
	if (!(b = fifo_push(&t->to_chip))) {
		sim_say("out of memory; a frame to the chip is lost");
		return;
	}
	b->t = end;
	b->f = *f;
}

static void emit(void *ctx, const sim_can_frame *f)
{
	sim_transport *t = ctx;
	bus_frame *b = fifo_push(&t->from_chip);

	if (!b) {
		sim_say("out of memory; a frame from the chip is lost");
		return;
	}
	b->t = t->dev_time;
	b->f = *f;
}

static void work(void *ctx, int64_t ns)
{
	sim_transport *t = ctx;

	if (t->cfg->real_time)
		t->dev_time += ns;
}

static size_t format_frame(const sim_can_frame *f, char *out)
{
	char c = f->fd ? (f->brs ? 'b' : 'd') : (f->rtr ? 'r' : 't');
	size_t k;

	if (f->ext)
		c = (char)toupper((unsigned char)c);
	k = (size_t)snprintf(out, OUT_LINE, f->ext ? "%c%08X%X" : "%c%03X%X", c,
	                     (unsigned)f->id,
	                     f->fd ? sim_can_dlc_of_len(f->len) : f->len);
	for (unsigned i = 0; !f->rtr && i < f->len; i++)
		k += (size_t)snprintf(out + k, OUT_LINE - k, "%02X", f->data[i]);
	out[k++] = '\r';
	return k;
}

/* cut=N struck: nothing more crosses, in either direction, until the
 * channel is opened again; what was in flight is lost. */
static void cut_bus(sim_transport *t)
{
	sim_trace_line(t->trace, "FAULT cut after %llu WRITE data frames",
	               (unsigned long long)t->write_frames);
	sim_say("fault: the bus was cut after %llu WRITE data frames (cut=%llu); "
	        "the bootloader stays inside that WRITE",
	        (unsigned long long)t->write_frames,
	        (unsigned long long)t->faults->cut_after);
	t->cut = t->cut_done = true;
	while (fifo_front(&t->to_chip))
		fifo_pop(&t->to_chip);
	while (fifo_front(&t->from_chip))
		fifo_pop(&t->from_chip);
	t->hold_drawn = false;
	t->hold_until = 0;
}

/* Frames the chip received whose time has come. */
static void deliver_to_chip(sim_transport *t)
{
	int64_t now = now_or_zero(t);
	bus_frame *b;

	while (!t->gone && !t->cut && (b = fifo_front(&t->to_chip)) &&
	       b->t <= now) {
		sim_can_frame f = b->f;
		bool data;

		if (t->absent) {
			/* Nobody there: the frame reaches no bootloader. */
			fifo_pop(&t->to_chip);
			continue;
		}
		data = sim_canboot_in_write(t->boot);
		if (b->t > t->dev_time)
			t->dev_time = b->t;
		fifo_pop(&t->to_chip);
		sim_canboot_rx(t->boot, &f);
		if (data && t->faults->cut && !t->cut_done &&
		    ++t->write_frames >= t->faults->cut_after)
			cut_bus(t);
	}
}

/* The chip's frames that are ready, onto the bus while the adapter can
 * hear them.  One the adapter cannot hear (closed, or at other rates)
 * stays at the head: its controller retransmits it until a node at its
 * rates acknowledges it, and the frames behind it wait. */
static void pump_from_chip(sim_transport *t)
{
	int64_t now = now_or_zero(t);
	bus_frame *b;

	while (!t->gone && (b = fifo_front(&t->from_chip)) && b->t <= now) {
		char line[OUT_LINE];
		int64_t end, from;

		if (!t->open || !hears(t->kbps, t->data_kbps, &b->f)) {
			if (!t->held_traced)
				sim_trace_line(t->trace, "HELD 0x%03X: the adapter is %s",
				               (unsigned)b->f.id, t->open ?
				               "at other rates" : "closed");
			t->held_traced = true;
			return;
		}
		t->held_traced = false;
		from = b->t;
		if (!t->hold_drawn) {
			unsigned ms = sim_faults_hold(t->faults);
			t->hold_drawn = true;
			if (ms) {
				sim_trace_line(t->trace, "FAULT hold tx 0x%03X %u ms",
				               (unsigned)b->f.id, ms);
				t->hold_until = sim_now_ns() + (int64_t)ms * SIM_NS_PER_MS;
			}
		}
		if (t->hold_until) {
			/* The frames behind it wait too, as behind a frame
			 * the controller keeps retransmitting. */
			if (sim_now_ns() < t->hold_until)
				return;
			t->hold_until = 0;
			from = now_or_zero(t);
		}
		if (!count_frame(t))
			return;
		end = occupy(t, from, &b->f, false);
		if (survives(t, &b->f, true))
			say_at(t, end, line, format_frame(&b->f, line));
		fifo_pop(&t->from_chip);
		t->hold_drawn = false;
	}
}

/* ---- the adapter ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* n hex digits of s; -1 when one is not. */
static long hexn(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* A frame line ('t', 'T', 'r', 'R', 'd', 'D', 'b', 'B'); NULL on success,
 * else why it is malformed. */
static const char *parse_frame(const char *s, size_t len, sim_can_frame *f)
{
	char c = s[0];
	size_t idlen = isupper((unsigned char)c) ? 8 : 3;
	long id, dlc;

	memset(f, 0, sizeof(*f));
	f->ext = idlen == 8;
	f->fd = tolower((unsigned char)c) == 'd' || tolower((unsigned char)c) == 'b';
	f->brs = tolower((unsigned char)c) == 'b';
	f->rtr = tolower((unsigned char)c) == 'r';
	if (len < 2 + idlen)
		return "too short";
	id = hexn(s + 1, idlen);
	dlc = hexn(s + 1 + idlen, 1);
	if (id < 0 || dlc < 0)
		return "not hex";
	if (id > (f->ext ? 0x1FFFFFFFL : 0x7FFL))
		return "identifier out of range";
	if (!f->fd && dlc > 8)
		return "DLC above 8 in a classic frame";
	f->id = (uint32_t)id;
	f->len = f->fd ? sim_can_len_of_dlc((unsigned)dlc) : (uint8_t)dlc;
	if (f->rtr) {
		/* A remote frame carries a DLC but no data. */
		return len == 2 + idlen ? NULL : "data in a remote frame";
	}
	if (len != 2 + idlen + 2u * f->len)
		return "data length does not match the DLC";
	for (unsigned i = 0; i < f->len; i++) {
		long b = hexn(s + 2 + idlen + 2 * i, 2);
		if (b < 0)
			return "not hex";
		f->data[i] = (uint8_t)b;
	}
	return NULL;
}

static void bell(sim_transport *t, const char *cmd, const char *why)
{
	char b[2] = {BELL, '\0'};

	sim_trace_line(t->trace, "ADAPTER BELL %.40s: %s", cmd, why);
	say(t, b);
}

static void on_frame_line(sim_transport *t, const char *s, size_t len)
{
	sim_can_frame f;
	const char *why = parse_frame(s, len, &f);

	if (why) {
		bell(t, s, why);
		return;
	}
	if (!t->open) {
		bell(t, s, "the channel is closed");
		return;
	}
	if (f.fd && !t->data_kbps) {
		bell(t, s, "an FD frame, but no data rate was set (Y)");
		return;
	}
	f.kbps = t->kbps;
	f.data_kbps = f.fd && f.brs ? t->data_kbps : 0;
	/* Queued for transmission: "z" for 11-bit IDs, "Z" for 29-bit. */
	say(t, f.ext ? "Z\r" : "z\r");
	host_frame(t, &f);
}

static void on_line(sim_transport *t, const char *s, size_t len)
{
	char reply[32];

	if (len == 0)
		return; /* hosts send bare CRs to flush the adapter's buffer */
	switch (s[0]) {
	case 't': case 'T': case 'r': case 'R':
	case 'd': case 'D': case 'b': case 'B':
		on_frame_line(t, s, len);
		return;
	case 'V':
		if (len == 1) {
			say(t, "V1013\r");
			return;
		}
		break;
	case 'N':
		if (len == 1) {
			say(t, "NSIM1\r");
			return;
		}
		break;
	case 'F':
		if (len == 1) {
			/* Reading the flags clears them, as Lawicel does. */
			snprintf(reply, sizeof(reply), "F%02X\r", t->flags);
			t->flags = 0;
			say(t, reply);
			return;
		}
		break;
	case 'C':
		if (len == 1) {
			/* Also when closed: slcand closes before it configures. */
			t->open = false;
			sim_trace_line(t->trace, "ADAPTER C");
			say(t, "\r");
			return;
		}
		break;
	case 'O':
		if (len != 1)
			break;
		if (t->open) {
			bell(t, s, "already open");
		} else if (!t->kbps) {
			bell(t, s, "no bit rate set (S)");
		} else {
			t->open = true;
			if (t->cut) {
				t->cut = false;
				sim_trace_line(t->trace, "FAULT cut mended");
			}
			if (t->data_kbps)
				sim_trace_line(t->trace, "ADAPTER O %u/%u", t->kbps,
				               t->data_kbps);
			else
				sim_trace_line(t->trace, "ADAPTER O %u", t->kbps);
			say(t, "\r");
		}
		return;
	case 'S':
		if (len != 2 || s[1] < '0' || s[1] > '8')
			break;
		if (t->open) {
			bell(t, s, "close the channel first");
			return;
		}
		t->kbps = s_rates[s[1] - '0'];
		sim_trace_line(t->trace, "ADAPTER S%c", s[1]);
		say(t, "\r");
		return;
	case 'Y':
		if (len != 2 || !strchr("12458", s[1]))
			break;
		if (t->open) {
			bell(t, s, "close the channel first");
			return;
		}
		t->data_kbps = (unsigned)(s[1] - '0') * 1000;
		sim_trace_line(t->trace, "ADAPTER Y%c", s[1]);
		say(t, "\r");
		return;
	case 'Z':
		/* Time stamps: off is what the host gets anyway. */
		if (len == 2 && s[1] == '0') {
			say(t, "\r");
			return;
		}
		if (len == 2 && s[1] == '1') {
			bell(t, s, "time stamps are not simulated");
			return;
		}
		break;
	case 'M': case 'm':
		/* Acceptance code and mask: accepted, and everything passes
		 * (the host filters by ID itself). */
		if (len == 9 && hexn(s + 1, 8) >= 0) {
			say(t, "\r");
			return;
		}
		break;
	case 'X':
		/* Auto-poll: frames are always sent as they come. */
		if (len == 2 && (s[1] == '0' || s[1] == '1')) {
			say(t, "\r");
			return;
		}
		break;
	default:
		break;
	}
	bell(t, s, "unknown or malformed command");
}

static void read_host(sim_transport *t)
{
	char buf[4096];
	ssize_t n = read(t->master, buf, sizeof(buf));

	/* EAGAIN, or nothing: we hold the slave, so no EIO.  A vanished
	 * adapter reads nothing more. */
	for (ssize_t i = 0; i < n && !t->gone && !t->vanishing; i++) {
		char c = buf[i];
		if (c == '\r') {
			/* What reached the chip and what it answered before now
			 * holds the bus first: a host frame must not slip into
			 * bus time the chip's answers had, because the loop was
			 * waiting when they became due. */
			deliver_to_chip(t);
			pump_from_chip(t);
			t->line[t->line_len] = '\0';
			if (t->line_overflow)
				bell(t, t->line, "line too long");
			else
				on_line(t, t->line, t->line_len);
			t->line_len = 0;
			t->line_overflow = false;
			/* The frames the line put on the bus, and the chip's
			 * answers, in the order a real bus would see them. */
			deliver_to_chip(t);
			pump_from_chip(t);
		} else if (c == '\n') {
			continue; /* some hosts end lines CR LF */
		} else if (t->line_len < LINE_MAX_LEN) {
			t->line[t->line_len++] = c;
		} else {
			t->line_overflow = true;
		}
	}
	/* The adapter's answers to what came in one USB transfer leave in
	 * one (they are due now; lines due later stay queued), as an
	 * adapter answers a packet of commands with a packet. */
	write_host(t, false);
}

/* ---- the transport's ops ---- */

static void slcan_close(sim_transport *t)
{
	if (!t)
		return;
	if (t->cfg->real_time && t->stat.frames)
		sim_trace_timed(t->trace, "BUS %llu frames busy %.6f s, idle "
		                "%.6f s before %llu host frames (longest %.6f s), "
		                "%.6f s before chip frames",
		                (unsigned long long)t->stat.frames,
		                t->stat.busy / 1e9, t->stat.host_idle / 1e9,
		                (unsigned long long)t->stat.host_waits,
		                t->stat.host_max / 1e9, t->stat.chip_idle / 1e9);
	hang_up(t);
	if (t->slave >= 0)
		close(t->slave);
	sim_canboot_free(t->boot);
	free(t->out.v);
	free(t->to_chip.v);
	free(t->from_chip.v);
	free(t);
}

/* The chip's CAN bootloader as it starts at power-on. */
static sim_canboot *boot_new(sim_transport *t)
{
	sim_canboot_io io;
	bool fd = (t->chip->chip->interfaces & STP_IF_FDCAN) != 0;
	unsigned kbps = t->cfg->can_kbps ? t->cfg->can_kbps : fd ? 500 : 125;
	unsigned dkbps = t->cfg->can_data_kbps ? t->cfg->can_data_kbps : 2000;

	io.ctx = t;
	io.emit = emit;
	io.work = work;
	return sim_canboot_new(t->chip, fd, kbps, dkbps, t->trace, &io);
}

/* A board leaves the bus, or a new one joins it with its ROM freshly
 * started; the adapter, the pty and what the host set on them stay. */
static void slcan_board(sim_transport *t, bool present)
{
	sim_canboot *boot;

	while (fifo_front(&t->to_chip))
		fifo_pop(&t->to_chip);
	while (fifo_front(&t->from_chip))
		fifo_pop(&t->from_chip);
	t->held_traced = false;
	t->hold_drawn = false;
	t->hold_until = 0;
	t->absent = !present;
	if (!present)
		return;
	t->cut = false;
	t->dev_time = 0;
	if (!(boot = boot_new(t))) {
		sim_say("out of memory; the new board does not answer");
		t->absent = true;
		return;
	}
	sim_canboot_free(t->boot);
	t->boot = boot;
}

static sim_transport *slcan_open(const sim_config *cfg, sim_chip *chip,
                                 sim_faults *faults, sim_trace *trace,
                                 char *err, size_t errlen)
{
	sim_transport *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->cfg = cfg;
	t->chip = chip;
	t->faults = faults;
	t->trace = trace;
	t->master = t->slave = -1;
	t->out.size = sizeof(out_line);
	t->to_chip.size = t->from_chip.size = sizeof(bus_frame);
	t->boot = boot_new(t);
	if (!t->boot) {
		snprintf(err, errlen, "out of memory");
		slcan_close(t);
		return NULL;
	}
	if (open_pty(t, err, errlen) != 0) {
		slcan_close(t);
		return NULL;
	}
	return t;
}

static const char *slcan_port(const sim_transport *t)
{
	return t->port;
}

static const char *slcan_tty(const sim_transport *t)
{
	return t->tty;
}

static int slcan_poll_setup(sim_transport *t, struct pollfd *pfd,
                            int64_t *deadline)
{
	bus_frame *b;
	out_line *l;

	pfd[0].fd = t->gone ? -1 : t->master;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	if (t->gone)
		return 1;
	if (t->vanishing && t->hangup_at < *deadline)
		*deadline = t->hangup_at;
	if ((l = fifo_front(&t->out))) {
		if (l->t <= sim_now_ns() || !t->cfg->real_time)
			pfd[0].events |= POLLOUT; /* due but the pty was full */
		else if (l->t < *deadline)
			*deadline = l->t;
	}
	if (t->hold_until && t->hold_until < *deadline)
		*deadline = t->hold_until;
	if (!t->cfg->real_time)
		return 1;
	if ((b = fifo_front(&t->to_chip)) && b->t < *deadline)
		*deadline = b->t;
	/* A held frame waits for the host's next line, not for a time. */
	if ((b = fifo_front(&t->from_chip)) && b->t < *deadline && t->open &&
	    hears(t->kbps, t->data_kbps, &b->f))
		*deadline = b->t;
	return 1;
}

static void slcan_service(sim_transport *t, const struct pollfd *pfd, int n)
{
	if (t->gone)
		return;
	if (t->vanishing && sim_now_ns() >= t->hangup_at) {
		hang_up(t);
		return;
	}
	if (n >= 1 && (pfd[0].revents & POLLIN))
		read_host(t);
	deliver_to_chip(t);
	pump_from_chip(t);
	write_host(t, true);
}

const sim_transport_ops sim_slcan_transport = {
	.name = "slcan",
	.open = slcan_open,
	.port = slcan_port,
	.tty = slcan_tty,
	.poll_setup = slcan_poll_setup,
	.service = slcan_service,
	.board = slcan_board,
	.close = slcan_close,
};

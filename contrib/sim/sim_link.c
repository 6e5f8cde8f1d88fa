/* stmprog-sim: pty byte link with wire timing and faults. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_link.h"
#include "sim_time.h"
#include "sim_ttywatch.h"

/* Outbound bytes due within this are waited for with an absolute sleep,
 * so the schedule holds to the microsecond; later ones go back to poll. */
#define SPIN_NS (2 * SIM_NS_PER_MS)
/* Longest stretch spent writing a burst before looking at the rest. */
#define BURST_NS (20 * SIM_NS_PER_MS)
/* With several devices in one event loop, one device's wait is every
 * other device's delay: a short burst keeps each within ~1 ms. */
#define SHARED_BURST_NS (SIM_NS_PER_MS / 2)
#define SHARED_SPIN_NS (SIM_NS_PER_MS / 5)
/* How late this process may be to a device event and still answer on
 * the device's time (sim_link_send). */
#define LATE_NS (5 * SIM_NS_PER_MS)
/* Pacing rate when neither --baud nor the host says one. */
#define DEFAULT_BAUD 115200u

typedef struct timed_byte {
	int64_t t;   /* arrival (inbound) or due time (outbound) */
	uint8_t b;
} timed_byte;

typedef struct byte_queue {
	timed_byte *v;
	size_t head, len, cap;
} byte_queue;

struct sim_link {
	sim_link_config cfg;
	sim_faults *faults;
	sim_trace *trace;
	int master, slave;
	char port[128];
	bool gone;
	uint64_t transferred;   /* bytes both ways, for disconnect=N */
	byte_queue rx, tx;
	int64_t rx_last;        /* wire arrival of the last inbound byte */
	int64_t dev_time;       /* when the device is done with what it got */
	bool replying;          /* the host spoke since our last byte */
	int64_t tx_free;        /* when the wire to the host is free */
	sim_ttywatch *watch;    /* the host's termios calls */
};

/* ---- queues ---- */

static int q_push(byte_queue *q, uint8_t b, int64_t t)
{
	if (q->head + q->len == q->cap) {
		if (q->head > 0) {
			memmove(q->v, q->v + q->head, q->len * sizeof(*q->v));
			q->head = 0;
		} else {
			size_t cap = q->cap ? q->cap * 2 : 1024;
			timed_byte *v = realloc(q->v, cap * sizeof(*v));
			if (!v)
				return -1;
			q->v = v;
			q->cap = cap;
		}
	}
	q->v[q->head + q->len].b = b;
	q->v[q->head + q->len].t = t;
	q->len++;
	return 0;
}

static timed_byte *q_front(byte_queue *q)
{
	return q->len ? &q->v[q->head] : NULL;
}

static void q_pop(byte_queue *q)
{
	q->head++;
	if (--q->len == 0)
		q->head = 0;
}

/* ---- line ---- */

static const struct {
	speed_t code;
	unsigned baud;
} speeds[] = {
	{B50, 50}, {B75, 75}, {B110, 110}, {B134, 134}, {B150, 150},
	{B200, 200}, {B300, 300}, {B600, 600}, {B1200, 1200}, {B1800, 1800},
	{B2400, 2400}, {B4800, 4800}, {B9600, 9600}, {B19200, 19200},
	{B38400, 38400}, {B57600, 57600}, {B115200, 115200},
	{B230400, 230400}, {B460800, 460800}, {B500000, 500000},
	{B576000, 576000}, {B921600, 921600}, {B1000000, 1000000},
	{B1152000, 1152000}, {B1500000, 1500000}, {B2000000, 2000000},
	{B2500000, 2500000}, {B3000000, 3000000}, {B3500000, 3500000},
	{B4000000, 4000000},
};

int sim_link_host_termios(const sim_link *l, struct termios *tio)
{
	const tcflag_t kept = CSIZE | PARENB;

	sim_tty_flags cur;

	if (l->gone || tcgetattr(l->slave, tio) != 0)
		return -1;
	if (!sim_ttywatch_active(l->watch))
		return 0;
	cur.iflag = (uint32_t)tio->c_iflag;
	cur.oflag = (uint32_t)tio->c_oflag;
	cur.cflag = (uint32_t)tio->c_cflag;
	cur.lflag = (uint32_t)tio->c_lflag;
	if (sim_ttywatch_current(l->watch, &cur)) {
		tio->c_cflag = (tio->c_cflag & ~kept) |
		               ((tcflag_t)sim_ttywatch_cflag(l->watch) & kept);
		return 0;
	}
	/* Set by a process we do not watch: judge by what the pty keeps.
	 * Parity checking on (INPCK) or odd parity (PARODD, which survives)
	 * means the host asked for parity. */
	tio->c_cflag = (tio->c_cflag & ~kept) | CS8 |
	               ((tio->c_iflag & INPCK) || (tio->c_cflag & PARODD) ? PARENB : 0);
	return 0;
}

bool sim_link_parity_known(const sim_link *l)
{
	return sim_ttywatch_active(l->watch);
}

unsigned sim_link_host_baud(const sim_link *l)
{
	struct termios tio;
	speed_t s;
	unsigned any;

	if (sim_link_host_termios(l, &tio) != 0)
		return 0;
	/* Any integer rate (BOTHER), not only the Bxxx list. */
	if ((any = sim_tty_baud(l->slave)) != 0)
		return any;
	s = cfgetospeed(&tio);
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].code == s)
			return speeds[i].baud;
	return 0;
}

/* 11 bit times per byte: start, 8 data, parity, stop. */
static int64_t byte_ns(const sim_link *l)
{
	unsigned baud = l->cfg.baud;

	if (!l->cfg.real_time)
		return 0;
	if (!baud)
		baud = sim_link_host_baud(l);
	if (!baud)
		baud = DEFAULT_BAUD;
	return INT64_C(11000000000) / baud;
}

sim_link *sim_link_open(const sim_link_config *cfg, sim_faults *faults,
                        sim_trace *trace, char *err, size_t errlen)
{
	sim_link *l = calloc(1, sizeof(*l));
	struct termios tio;
	struct stat st;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->cfg = *cfg;
	l->faults = faults;
	l->trace = trace;
	l->slave = -1;
	l->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->master < 0 || grantpt(l->master) != 0 ||
	    unlockpt(l->master) != 0 ||
	    ptsname_r(l->master, l->port, sizeof(l->port)) != 0) {
		snprintf(err, errlen, "cannot create a pseudo-terminal: %s",
		         strerror(errno));
		goto fail;
	}
	l->slave = open(l->port, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->slave < 0 || tcgetattr(l->slave, &tio) != 0) {
		snprintf(err, errlen, "cannot open %s: %s", l->port,
		         strerror(errno));
		goto fail;
	}
	/* Raw, so nothing is echoed or translated; cfmakeraw leaves 8N1,
	 * which a host must change to 8E1 to be understood. */
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	if (tcsetattr(l->slave, TCSANOW, &tio) != 0 ||
	    fcntl(l->master, F_SETFL, fcntl(l->master, F_GETFL) | O_NONBLOCK) != 0 ||
	    fstat(l->slave, &st) != 0) {
		snprintf(err, errlen, "cannot set up %s: %s", l->port,
		         strerror(errno));
		goto fail;
	}
	/* As the kernel keeps it: read back, not as asked. */
	if (tcgetattr(l->slave, &tio) == 0) {
		sim_tty_flags now = {(uint32_t)tio.c_iflag, (uint32_t)tio.c_oflag,
		                     (uint32_t)tio.c_cflag, (uint32_t)tio.c_lflag};
		l->watch = sim_ttywatch_new(st.st_rdev, l->slave, &now);
	}
	return l;
fail:
	sim_link_close(l);
	return NULL;
}

/* The device vanishes: the master closes, so the host's descriptor hangs
 * up and the /dev/pts node goes away.  The simulator's own slave
 * descriptor stays open until the simulator ends (sim_link_close): while
 * any side is open the kernel keeps the pts number, so a host that opens
 * the path again finds nothing, as after unplugging an adapter, rather
 * than another program's new pty that took the freed number (tests run
 * side by side, and stmprog-line retries a slot on its path). */
static void hang_up(sim_link *l)
{
	if (l->master >= 0)
		close(l->master);
	l->master = -1;
	l->gone = true;
	sim_ttywatch_tty_closed(l->watch);
}

void sim_link_close(sim_link *l)
{
	if (!l)
		return;
	hang_up(l);
	if (l->slave >= 0)
		close(l->slave);
	l->slave = -1;
	sim_ttywatch_free(l->watch);
	free(l->rx.v);
	free(l->tx.v);
	free(l);
}

const char *sim_link_port(const sim_link *l)
{
	return l->port;
}

bool sim_link_gone(const sim_link *l)
{
	return l->gone;
}

/* Counts one byte on the wire; false when disconnect=N says the device
 * vanishes before it. */
static bool count_byte(sim_link *l)
{
	if (l->gone)
		return false;
	if (l->faults->disconnect && l->transferred >= l->faults->disconnect_after) {
		sim_trace_line(l->trace, "FAULT disconnect %llu",
		               (unsigned long long)l->transferred);
		sim_say("fault: the device vanished after %llu bytes (disconnect=%llu)",
		        (unsigned long long)l->transferred,
		        (unsigned long long)l->faults->disconnect_after);
		hang_up(l);
		return false;
	}
	l->transferred++;
	return true;
}

/* A byte fault, traced; true when the byte survives (maybe flipped). */
static bool byte_survives(sim_link *l, bool to_host, uint8_t *b)
{
	uint8_t orig = *b;
	int bit = 0;

	switch (sim_faults_byte(l->faults, to_host, b, &bit)) {
	case SIM_BYTE_DROP:
		sim_trace_line(l->trace, "FAULT drop %s 0x%02X",
		               to_host ? "tx" : "rx", orig);
		return false;
	case SIM_BYTE_FLIP:
		sim_trace_line(l->trace, "FAULT flip %s 0x%02X bit %d",
		               to_host ? "tx" : "rx", orig, bit);
		return true;
	case SIM_BYTE_OK:
		break;
	}
	return true;
}

/* ---- device side ---- */

bool sim_link_recv(sim_link *l, uint8_t *b)
{
	timed_byte *f = q_front(&l->rx);

	if (!f || (l->cfg.real_time && f->t > sim_now_ns()))
		return false;
	*b = f->b;
	if (f->t > l->dev_time)
		l->dev_time = f->t;
	q_pop(&l->rx);
	l->replying = true;
	return true;
}

void sim_link_work(sim_link *l, int64_t ns)
{
	if (l->cfg.real_time && ns > 0)
		l->dev_time += ns;
}

void sim_link_send(sim_link *l, const uint8_t *buf, size_t n)
{
	int64_t now = sim_now_ns(), bt = byte_ns(l), start;

	if (l->gone || n == 0)
		return;
	start = l->tx_free > now ? l->tx_free : now;
	if (l->cfg.real_time && l->dev_time > start)
		start = l->dev_time;
	/* A ROM answers within microseconds of the stop bit; this process
	 * may get to the bytes later (another process had the CPU).  Count
	 * the answer from when the device was done, not from when we woke,
	 * so the simulator's own lateness is not charged to the host; a
	 * reply long after the host's last byte starts now, as usual. */
	if (l->cfg.real_time && l->dev_time > 0 && l->dev_time < now &&
	    now - l->dev_time <= LATE_NS) {
		int64_t on_time = l->tx_free > l->dev_time ? l->tx_free : l->dev_time;
		if (on_time < start)
			start = on_time;
	}
	if (l->replying) {
		/* The first byte of a reply: the adapter's turnaround, and
		 * maybe a stall. */
		unsigned stall = sim_faults_stall(l->faults);
		l->replying = false;
		if (l->cfg.real_time)
			start += (int64_t)l->cfg.latency_ms * SIM_NS_PER_MS;
		if (stall) {
			sim_trace_line(l->trace, "FAULT stall %u", stall);
			start += (int64_t)stall * SIM_NS_PER_MS;
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t b = buf[i];
		start += bt;
		if (byte_survives(l, true, &b) && q_push(&l->tx, b, start) != 0)
			sim_say("out of memory; a byte to the host is lost");
		if (sim_faults_insert(l->faults, true, &b)) {
			sim_trace_line(l->trace, "FAULT insert tx 0x%02X", b);
			start += bt;
			if (q_push(&l->tx, b, start) != 0)
				sim_say("out of memory; a byte to the host is lost");
		}
	}
	l->tx_free = start;
}

/* ---- event loop ---- */

void sim_link_child_exec(sim_link *l, char **argv)
{
	sim_ttywatch_exec(l->watch, argv);
}

void sim_link_follow(sim_link *first, sim_link *l)
{
	if (first && l)
		sim_ttywatch_follow(first->watch, l->watch);
}

void sim_link_child_started(sim_link *l)
{
	sim_ttywatch_parent(l->watch);
}

void sim_link_poll_setup(sim_link *l, struct pollfd *pfd, int64_t *deadline)
{
	timed_byte *f;

	/* The watcher even after a disconnect: the host's termios calls
	 * must still be answered. */
	pfd[1].fd = sim_ttywatch_fd(l->watch);
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	pfd[0].fd = l->gone ? -1 : l->master;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	if (l->gone)
		return;
	f = q_front(&l->tx);
	if (f) {
		if (f->t <= sim_now_ns())
			pfd[0].events |= POLLOUT; /* due but the pty was full */
		else if (f->t < *deadline)
			*deadline = f->t;
	}
	f = q_front(&l->rx);
	if (f && l->cfg.real_time && f->t < *deadline)
		*deadline = f->t;
}

static void read_host(sim_link *l)
{
	uint8_t buf[4096];
	ssize_t n;
	int64_t now, bt;

	n = read(l->master, buf, sizeof(buf));
	if (n <= 0)
		return; /* EAGAIN, or nothing: we hold the slave, so no EIO */
	now = sim_now_ns();
	bt = byte_ns(l);
	for (ssize_t i = 0; i < n; i++) {
		uint8_t b = buf[i];
		if (!count_byte(l))
			return;
		/* On the wire one after another, from when we first saw it. */
		l->rx_last = (l->rx_last > now ? l->rx_last : now) + bt;
		if (byte_survives(l, false, &b) && q_push(&l->rx, b, l->rx_last) != 0)
			sim_say("out of memory; a byte from the host is lost");
		if (sim_faults_insert(l->faults, false, &b)) {
			sim_trace_line(l->trace, "FAULT insert rx 0x%02X", b);
			l->rx_last += bt;
			if (q_push(&l->rx, b, l->rx_last) != 0)
				sim_say("out of memory; a byte from the host is lost");
		}
	}
}

/* Bytes that may still cross before disconnect=N strikes. */
static uint64_t allowance(const sim_link *l)
{
	if (!l->faults->disconnect)
		return UINT64_MAX;
	return l->faults->disconnect_after > l->transferred ?
	       l->faults->disconnect_after - l->transferred : 0;
}

static void write_host(sim_link *l)
{
	int64_t began = sim_now_ns();

	while (!l->gone) {
		timed_byte *f = q_front(&l->tx);
		uint8_t chunk[512];
		size_t n = 0, max = sizeof(chunk);
		uint64_t allow = allowance(l);
		ssize_t w;
		int64_t now = sim_now_ns();

		if (!f)
			return;
		if (f->t > now) {
			if (!l->cfg.real_time ||
			    f->t - now > (l->cfg.shared ? SHARED_SPIN_NS : SPIN_NS) ||
			    now - began > (l->cfg.shared ? SHARED_BURST_NS
			                                       : BURST_NS))
				return;
			sim_sleep_until(f->t);
			now = f->t;
		}
		if (allow == 0) {
			count_byte(l); /* hangs up */
			return;
		}
		/* Paced: one byte per write, on its time.  Unpaced: everything
		 * due in one go. */
		if (l->cfg.real_time)
			max = 1;
		if (allow < max)
			max = (size_t)allow;
		while (n < max && n < l->tx.len && l->tx.v[l->tx.head + n].t <= now) {
			chunk[n] = l->tx.v[l->tx.head + n].b;
			n++;
		}
		w = write(l->master, chunk, n);
		if (w < 0)
			w = 0; /* EAGAIN: the host is not reading; wait for POLLOUT */
		l->transferred += (uint64_t)w;
		for (ssize_t i = 0; i < w; i++)
			q_pop(&l->tx);
		if ((size_t)w < n)
			return;
	}
}

const struct sim_ttywatch *sim_link_watch(const sim_link *l)
{
	return l->watch;
}

void sim_link_service(sim_link *l, const struct pollfd *pfd)
{
	if (pfd && (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))
		sim_ttywatch_service(l->watch);
	if (l->gone)
		return;
	if (pfd && (pfd[0].revents & POLLIN))
		read_host(l);
	write_host(l);
}

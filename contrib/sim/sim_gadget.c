/* stmprog-sim: the gadget transport, the DfuSe ROM on a real USB stack.
 *
 * gadgetfs rather than FunctionFS, because on Linux 6.1 FunctionFS
 * cannot be the ROM: composite answers SET_INTERFACE itself, and
 * f_fs.c has no get_alt, so composite stalls every SET_INTERFACE with an
 * alternate setting other than 0 and never tells user space which one
 * the host chose; the ROM's memories are alternate settings (alt 1 =
 * option bytes on most parts).  gadgetfs hands user space every request
 * but GET_DESCRIPTOR (device, configuration) and SET_CONFIGURATION, and
 * takes the whole device and configuration descriptors from it, the DFU
 * functional descriptor included.  Its price: ep0 data of at most 256
 * bytes (sim_gadget.h), and an OUT data stage it has already accepted
 * before user space sees the request, so such a request cannot be
 * stalled (below).
 *
 * The device is on the bus while /dev/gadget/CHIP is open with our
 * descriptors written to it: closing it disconnects, opening it again
 * with other descriptors is a new device (a re-enumeration), as the
 * ROM's jump to an application or its own reset looks to the host.
 *
 * Every request arrives as a SETUP event on that file.  The answer is
 * write() of the IN data; read() of 0 bytes acknowledges a request with
 * no data; the "wrong direction" (read for IN, write for OUT) stalls.
 * A request's answer may be held back (a busy ROM NAKs GETSTATUS until
 * its operation is done): gadgetfs waits, and the host's transfer with
 * it, until we answer. */
#include "config.h"

#include "sim_gadget.h"

#ifdef SIM_HAVE_GADGET

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/usb/ch9.h>
#include <linux/usb/gadgetfs.h>

#include "sim_dfu_layout.h"
#include "sim_dfuse.h"
#include "sim_time.h"
#include "sim_usb_desc.h"

/* After the answer that ends the ROM (leave, reset, detach), the device
 * stays on the bus this long before it lets go, so the host's transfer
 * completes first: gadgetfs says nothing when an answer has gone out,
 * and closing the file at once could cut it off.  The ROM needs no such
 * pause; it is ours, and short against any host's re-enumeration. */
#define AFTER_GRACE_NS (50 * SIM_NS_PER_MS)

/* --timing real: from disconnect to the device being back (as the usb
 * transport's REENUMERATE_NS, less what the real host now takes itself:
 * its debounce and port reset). */
#define REENUMERATE_NS (20 * SIM_NS_PER_MS)

typedef enum personality {
	P_NONE = 0,   /* not on the bus */
	P_DFU,        /* the ROM's DfuSe bootloader */
	P_RUNTIME     /* an application with a DFU run-time interface */
} personality;

static const char *const personality_names[] = {"none", "dfu", "runtime"};

struct sim_transport {
	const sim_config *cfg;
	sim_chip *chip;
	sim_faults *faults;
	sim_trace *trace;
	sim_dfu_layout layout;
	sim_dfuse *dfuse;
	char serial[SIM_USB_SERIAL_MAX];
	char ep0[300];             /* /dev/gadget/CHIP */
	int fd;                    /* open ep0: on the bus; -1: off */
	personality now;
	sim_usb_desc desc;
	uint16_t xfer;
	/* --usb-start runtime: the application shows a DFU run-time
	 * interface, at the start and after a leave, as under usb. */
	bool app_runtime;
	bool detached;             /* run-time DETACH seen */
	bool trace_setup;          /* STMPROG_SIM_GADGET_TRACE=1 */
	/* An answer held back until pending_at. */
	bool pending;
	int64_t pending_at;
	bool pending_in;
	int pending_len;           /* IN bytes, 0 ack, -1 stall */
	uint16_t pending_wlength;
	/* What happens to the device once the answer is out: off the bus at
	 * gone_at, back as next at next_at (P_NONE: stays away). */
	bool change;
	int64_t gone_at, next_at;
	personality next;
	uint8_t buf[4096];
	char port[16];
};

/* ---- on and off the bus ---- */

/* The ep0 file of the first (only) controller gadgetfs offers: before a
 * gadget binds, the only file in the mount. */
static int find_ep0(sim_transport *t, char *err, size_t errlen)
{
	const char *dir = getenv("STMPROG_SIM_GADGETFS");
	struct dirent *e;
	DIR *d;

	if (!dir || !*dir)
		dir = SIM_GADGET_DIR;
	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "gadget: cannot open %s (%s): load the "
		         "gadgetfs module and mount it there (modprobe gadgetfs; "
		         "mount -t gadgetfs gadgetfs %s), with a USB device "
		         "controller present (modprobe dummy_hcd)", dir,
		         strerror(errno), dir);
		return -1;
	}
	t->ep0[0] = '\0';
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strncmp(e->d_name, "ep", 2) != 0) {
			snprintf(t->ep0, sizeof(t->ep0), "%s/%s", dir, e->d_name);
			break;
		}
	closedir(d);
	if (!t->ep0[0]) {
		snprintf(err, errlen, "gadget: %s holds no controller file; is "
		         "gadgetfs mounted there?", dir);
		return -1;
	}
	return 0;
}

static void describe(sim_transport *t, personality p)
{
	if (p == P_DFU) {
		sim_usb_desc_dfu(&t->desc, &t->layout, t->serial);
		sim_usb_desc_set_xfer(&t->desc, t->xfer);
	} else {
		sim_usb_desc_runtime(&t->desc, t->serial);
	}
}

/* Opens ep0 and writes p's descriptors: the controller connects and the
 * host enumerates.  Only a full-speed configuration, so the device runs
 * at full speed as the ROM does, even on a high-speed controller. */
static int plug(sim_transport *t, personality p)
{
	uint8_t msg[4 + SIM_USB_CONFIG_MAX + 18];
	size_t n = 0;
	uint32_t tag = 0;

	describe(t, p);
	memcpy(msg, &tag, 4);
	n = 4;
	memcpy(msg + n, t->desc.config, t->desc.config_len);
	n += t->desc.config_len;
	memcpy(msg + n, t->desc.device, sizeof(t->desc.device));
	n += sizeof(t->desc.device);
	t->fd = open(t->ep0, O_RDWR | O_CLOEXEC);
	if (t->fd < 0) {
		sim_say("gadget: cannot open %s: %s", t->ep0, strerror(errno));
		return -1;
	}
	if (write(t->fd, msg, n) != (ssize_t)n) {
		sim_say("gadget: %s refused the descriptors: %s", t->ep0,
		        strerror(errno));
		close(t->fd);
		t->fd = -1;
		return -1;
	}
	t->now = p;
	t->detached = false;
	t->pending = false;
	if (p == P_DFU)
		sim_dfuse_restart(t->dfuse);
	sim_trace_line(t->trace, "ENUMERATE %04x:%04x %s", t->desc.vid,
	               t->desc.pid, personality_names[p]);
	return 0;
}

static void unplug(sim_transport *t)
{
	if (t->fd < 0)
		return;
	/* Closing ep0 unregisters the gadget driver: the controller drops
	 * its pull-up and the host sees a disconnect. */
	close(t->fd);
	t->fd = -1;
	t->now = P_NONE;
	t->pending = false;
	sim_trace_line(t->trace, "REMOVE");
}

static void schedule(sim_transport *t, int64_t at, personality next)
{
	t->change = true;
	t->gone_at = at;
	t->next = next;
	t->next_at = at + (t->cfg->real_time ? REENUMERATE_NS : 0);
}

/* ---- answers ---- */

/* Sends the answer to the request being handled: IN data (n >= 0
 * bytes), an acknowledgement (OUT, n >= 0) or a stall (n < 0). */
static void answer(sim_transport *t, bool in, uint16_t wlength, int n)
{
	ssize_t rc;

	if (in && n >= 0)
		rc = write(t->fd, t->buf, (size_t)n);
	else if (in)
		rc = read(t->fd, t->buf, 0);      /* wrong direction: stall */
	else if (wlength)
		/* The data stage is in: gadgetfs has accepted it and the
		 * status stage with it.  The ROM would stall here; the DFU
		 * state says dfuERROR all the same (sim_dfuse.c), so the
		 * host's next GETSTATUS sees the failure. */
		return;
	else if (n >= 0)
		rc = read(t->fd, t->buf, 0);      /* status stage: ACK */
	else
		rc = write(t->fd, t->buf, 0);     /* wrong direction: stall */
	if (rc < 0 && errno != EL2HLT && errno != EBADMSG)
		/* EIDRM: the host gave up and sent another request (or
		 * reset the bus) meanwhile; that one comes as an event. */
		sim_trace_line(t->trace, "GADGET answer lost (%s)", strerror(errno));
}

/* After a DFU reply: what the device does next. */
static void apply_after(sim_transport *t, const sim_dfuse_reply *r, int64_t done)
{
	int64_t at = done + AFTER_GRACE_NS;
	personality app = t->app_runtime ? P_RUNTIME : P_NONE;

	if (r->after_at + AFTER_GRACE_NS > at)
		at = r->after_at + AFTER_GRACE_NS;
	switch (r->after) {
	case SIM_DFUSE_LEAVE:
	case SIM_DFUSE_RESET:
		schedule(t, at, r->app_runs ? app : P_DFU);
		break;
	case SIM_DFUSE_REENUMERATE:
		schedule(t, at, P_DFU);
		break;
	case SIM_DFUSE_STAY:
		break;
	}
}

/* Standard requests gadgetfs leaves to user space: string (and DFU
 * functional) descriptors, the interface, GET_STATUS. */
static int standard(sim_transport *t, const struct usb_ctrlrequest *c,
                    uint16_t value, uint16_t index, uint16_t length)
{
	switch (c->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		if (!(c->bRequestType & USB_DIR_IN))
			return -1;
		return sim_usb_desc_get(&t->desc, (uint8_t)(value >> 8),
		                        (uint8_t)value, t->buf, length);
	case USB_REQ_GET_STATUS:
		memset(t->buf, 0, 2);
		return length < 2 ? length : 2;
	case USB_REQ_SET_CONFIGURATION:
		/* Checked by gadgetfs already; it cannot be stalled here. */
		return 0;
	case USB_REQ_GET_INTERFACE:
		if (!length || index != 0)
			return -1;
		t->buf[0] = t->now == P_DFU ? (uint8_t)sim_dfuse_alt(t->dfuse) : 0;
		return 1;
	case USB_REQ_SET_INTERFACE:
		if (index != 0)
			return -1;
		if (t->now == P_DFU) {
			if (!sim_dfuse_set_alt(t->dfuse, value))
				return -1;
			sim_trace_line(t->trace, "ALT %u", (unsigned)value);
			return 0;
		}
		return value == 0 ? 0 : -1;
	default:
		return -1;
	}
}

static void setup(sim_transport *t, const struct usb_ctrlrequest *c)
{
	uint16_t value = le16toh(c->wValue), index = le16toh(c->wIndex);
	uint16_t length = le16toh(c->wLength);
	bool in = (c->bRequestType & USB_DIR_IN) != 0;
	bool dfu_class = (c->bRequestType & USB_TYPE_MASK) == USB_TYPE_CLASS &&
	                 (c->bRequestType & USB_RECIP_MASK) == USB_RECIP_INTERFACE;
	int64_t now = sim_now_ns();
	sim_dfuse_reply r;
	int n;

	memset(&r, 0, sizeof(r));
	/* Every request as the host's kernel sent it, for comparing the
	 * real stack's traffic with the emulation's (docs/simulator.md). */
	if (t->trace_setup)
		sim_trace_line(t->trace, "SETUP %02x %02x %04x %04x %u", c->bRequestType, c->bRequest, value, index, length);
	if (length > sizeof(t->buf))
		length = sizeof(t->buf);
	if (!in && length) {
		/* The OUT data stage, which gadgetfs read ahead. */
		ssize_t got = read(t->fd, t->buf, length);
		if (got < 0) {
			sim_trace_line(t->trace, "GADGET data stage lost (%s)",
			               strerror(errno));
			return;
		}
		if (got < length)
			memset(t->buf + got, 0, (size_t)(length - got));
	}
	if ((c->bRequestType & USB_TYPE_MASK) == USB_TYPE_STANDARD)
		n = standard(t, c, value, index, length);
	else if (dfu_class && index == 0 && t->now == P_DFU) {
		sim_dfuse_request(t->dfuse, c->bRequest, value, length, t->buf, now,
		                  &r);
		n = r.len;
	} else if (dfu_class && index == 0 && t->now == P_RUNTIME) {
		sim_dfu_runtime_request(t->trace, &t->detached, c->bRequest, length,
		                        t->buf, &r);
		n = r.len;
	} else {
		n = -1;
	}
	if (r.ready_at > now) {
		/* A busy ROM: the answer waits, and so does the host. */
		t->pending = true;
		t->pending_at = r.ready_at;
		t->pending_in = in;
		t->pending_len = n;
		t->pending_wlength = length;
	} else {
		answer(t, in, length, n);
	}
	apply_after(t, &r, r.ready_at > now ? r.ready_at : now);
}

/* A bus reset (gadgetfs reports it as a disconnect, as it does a real
 * one): the ROM's DFU state machine goes back to dfuIDLE; an
 * application that saw DETACH jumps to the ROM, which enumerates anew. */
static void bus_reset(sim_transport *t)
{
	t->pending = false;
	if (t->now == P_DFU) {
		sim_dfuse_bus_reset(t->dfuse);
	} else if (t->now == P_RUNTIME && t->detached) {
		sim_trace_line(t->trace, "USB RESET after DETACH");
		sim_chip_reset(t->chip);
		schedule(t, sim_now_ns(), P_DFU);
	}
}

static void events(sim_transport *t)
{
	struct usb_gadgetfs_event ev[5];
	ssize_t got = read(t->fd, ev, sizeof(ev));

	if (got < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != EIDRM)
			sim_trace_line(t->trace, "GADGET events: %s", strerror(errno));
		return;
	}
	/* gadgetfs stops a batch after a SETUP: that request is answered
	 * before the next event is read. */
	for (size_t i = 0; i < (size_t)got / sizeof(ev[0]); i++)
		switch (ev[i].type) {
		case GADGETFS_CONNECT:
			sim_trace_line(t->trace, "CONNECT speed %d", (int)ev[i].u.speed);
			break;
		case GADGETFS_DISCONNECT:
			sim_trace_line(t->trace, "USB RESET");
			bus_reset(t);
			break;
		case GADGETFS_SETUP:
			setup(t, &ev[i].u.setup);
			break;
		default:
			break;
		}
}

/* Does what is due of a scheduled change; lowers *deadline to the rest
 * (deadline NULL: do it). */
static void bus_change(sim_transport *t, int64_t now, int64_t *deadline)
{
	if (!t->change)
		return;
	if (now < t->gone_at) {
		if (deadline && t->gone_at < *deadline)
			*deadline = t->gone_at;
		return;
	}
	if (!deadline)
		unplug(t);
	if (t->next == P_NONE) {
		if (!deadline)
			t->change = false;
		return;
	}
	if (now < t->next_at) {
		if (deadline && t->next_at < *deadline)
			*deadline = t->next_at;
		return;
	}
	if (deadline) {
		*deadline = now;
		return;
	}
	t->change = false;
	if (plug(t, t->next) != 0)
		sim_say("gadget: the device could not come back on the bus");
}

/* gadgetfs takes an OUT request's data stage, and dummy_hcd completes
 * the host's transfer, before user space has even read the request: a
 * host that sends GETSTATUS right after DNLOAD (every DfuSe host does)
 * can have that next request reach gadgetfs first, which then drops the
 * DNLOAD (EIDRM, or the event discarded as timed out) and leaves ep0 in
 * a state where the new request cannot be read.  A real ROM holds the
 * status stage until it has the block.  Run ahead of the host instead:
 * real-time scheduling, so when gadgetfs wakes the simulator it runs
 * before the host process can send anything (certain on the test
 * guest's one CPU; on several, the host is slower than this anyway).
 * COMMAND, forked later, does not inherit it (SCHED_RESET_ON_FORK). */
static void run_first(void)
{
	struct sched_param p = {.sched_priority = 1};

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &p) != 0)
		sim_say("gadget: cannot run with real-time priority (%s); a host "
		        "that polls right after a download may overtake the "
		        "device (see sim_gadget.c)", strerror(errno));
}

/* ---- the transport ---- */

static void gadget_close(sim_transport *t)
{
	struct sched_param p = {.sched_priority = 0};

	if (!t)
		return;
	unplug(t);
	/* Back to normal: what runs at exit (LeakSanitizer stops the world
	 * from a helper that a real-time process would starve on one CPU,
	 * for seconds) must not wait on us. */
	sched_setscheduler(0, SCHED_OTHER, &p);
	sim_dfuse_free(t->dfuse);
	free(t);
}

static sim_transport *gadget_open(const sim_config *cfg, sim_chip *chip,
                                  sim_faults *faults, sim_trace *trace,
                                  char *err, size_t errlen)
{
	sim_transport *t;
	const char *s;

	if (cfg->first || cfg->devices > 1) {
		snprintf(err, errlen, "gadget: one device only (gadgetfs serves "
		         "one gadget on one controller)");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->fd = -1;
	t->cfg = cfg;
	t->chip = chip;
	t->trace = trace;
	/* Only the chip model's faults (status=P) act here: usb's stall,
	 * hold, reenum and disconnect act on its emulated usbfs, and the
	 * point of this transport is the real stack. */
	t->faults = faults;
	t->xfer = SIM_GADGET_XFER;
	if ((s = getenv("STMPROG_SIM_GADGET_XFER")) && *s) {
		unsigned long v = strtoul(s, NULL, 0);
		if (v < 64 || v > SIM_DFUSE_XFER) {
			snprintf(err, errlen, "STMPROG_SIM_GADGET_XFER=%s: expected 64 "
			         "to %d", s, SIM_DFUSE_XFER);
			goto fail;
		}
		t->xfer = (uint16_t)v;
	}
	s = getenv("STMPROG_SIM_GADGET_TRACE");
	t->trace_setup = s && !strcmp(s, "1");
	t->app_runtime = cfg->usb_start == SIM_USB_START_RUNTIME;
	snprintf(t->port, sizeof(t->port), "usb1");
	if (sim_dfu_layout_for_rom(chip->chip, &t->layout, err, errlen) != 0)
		goto fail;
	sim_usb_serial_from_uid(chip->chip, chip->uid, t->serial);
	t->dfuse = sim_dfuse_new(chip, &t->layout, faults, trace, cfg->real_time);
	if (!t->dfuse) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	sim_dfuse_set_xfer(t->dfuse, t->xfer);
	if (find_ep0(t, err, errlen) != 0)
		goto fail;
	run_first();
	if (chip->rdp == 2 || chip->app == SIM_APP_NONE) {
		sim_say("RDP level 2: the bootloader is disabled; the target is not "
		        "on the bus");
		return t;
	}
	/* --usb-start app: an application without USB, never on the bus. */
	if (cfg->usb_start == SIM_USB_START_APP) {
		sim_say("gadget: the chip runs an application without USB "
		        "(--usb-start app); the target is not on the bus");
		return t;
	}
	if (plug(t, cfg->usb_start == SIM_USB_START_RUNTIME ? P_RUNTIME : P_DFU)
	    != 0) {
		snprintf(err, errlen, "gadget: cannot put the device on the bus "
		         "through %s", t->ep0);
		goto fail;
	}
	return t;
fail:
	gadget_close(t);
	return NULL;
}

static const char *gadget_port(const sim_transport *t)
{
	return t->port;
}

static int gadget_poll_setup(sim_transport *t, struct pollfd *pfd,
                             int64_t *deadline)
{
	bus_change(t, sim_now_ns(), deadline);
	if (t->pending && t->pending_at < *deadline)
		*deadline = t->pending_at;
	if (t->fd < 0)
		return 0;
	pfd[0].fd = t->fd;
	/* While an answer is held back, no new event is read (gadgetfs
	 * would not give one anyway). */
	pfd[0].events = t->pending ? 0 : POLLIN;
	pfd[0].revents = 0;
	return 1;
}

static void gadget_service(sim_transport *t, const struct pollfd *pfd, int n)
{
	int64_t now = sim_now_ns();

	if (t->pending && n >= 1 && t->fd >= 0 && pfd[0].fd == t->fd &&
	    (pfd[0].revents & POLLHUP)) {
		/* The host gave up waiting for the held answer and sent
		 * another request; gadgetfs has dropped the old one. */
		sim_trace_line(t->trace, "GADGET held answer dropped: a new request came");
		t->pending = false;
	}
	if (t->pending && now >= t->pending_at && t->fd >= 0) {
		t->pending = false;
		answer(t, t->pending_in, t->pending_wlength, t->pending_len);
	}
	if (n >= 1 && t->fd >= 0 && pfd[0].fd == t->fd &&
	    (pfd[0].revents & (POLLIN | POLLHUP)) && !t->pending)
		/* POLLHUP: the host sent a new request before the last one
		 * was answered; reading consumes that notice (EIDRM). */
		events(t);
	bus_change(t, sim_now_ns(), NULL);
}

/* A board taken out leaves the bus; a new one comes with its own serial
 * string and a fresh ROM. */
static void gadget_board(sim_transport *t, bool present)
{
	t->change = false;
	unplug(t);
	if (!present)
		return;
	sim_dfuse_free(t->dfuse);
	t->dfuse = sim_dfuse_new(t->chip, &t->layout, t->faults, t->trace,
	                         t->cfg->real_time);
	if (!t->dfuse) {
		sim_say("out of memory; the new board stays off the bus");
		return;
	}
	sim_dfuse_set_xfer(t->dfuse, t->xfer);
	sim_usb_serial_from_uid(t->chip->chip, t->chip->uid, t->serial);
	if (plug(t, P_DFU) != 0)
		sim_say("gadget: the new board could not go on the bus");
}

const sim_transport_ops sim_gadget_transport = {
	.name = "gadget",
	.open = gadget_open,
	.port = gadget_port,
	.tty = NULL,
	.child_exec = NULL,
	.child_started = NULL,
	.poll_setup = gadget_poll_setup,
	.service = gadget_service,
	.board = gadget_board,
	.close = gadget_close,
};

#else
/* No gadgetfs header, or no DfuSe model (built with umockdev only). */
typedef int sim_gadget_unavailable;
#endif

/* stmprog-sim: the usb transport, a simulated USB bus through umockdev.
 *
 * The simulator owns a UMockdevTestbed: the devices on the bus are sysfs
 * records in it, and their /dev/bus/usb nodes are served by our usbfs
 * ioctl handlers.  COMMAND runs with umockdev's preload library, so libusb
 * in it takes its real Linux code path and ends up here.
 *
 * One bus for every usb device (--devices N, or several --device usb):
 * the transport is opened once per device, the first usb device's open
 * creates the test bed and the others plug into it (sim_config.first),
 * so COMMAND sees the boards on one bus as on a production line's hub:
 * device I of the run at port 1-I (path=1-I) whatever the other devices'
 * transports (with uart in 1 and usb in 2 and 3, the usb boards are at
 * 1-2 and 1-3), each with its own chip, serial string and ioctl handler,
 * then the optional ST-LINK at the port after the last device.  A board
 * taken out (--boards) leaves the bus as an unplug; the next one plugs
 * into the same port.  Device numbers are handed out by the
 * bus, so no two nodes collide.  Every open and every change of the bus
 * runs on the main loop's thread; only the ioctl handlers run on
 * umockdev's worker.
 *
 * Two threads: umockdev calls the ioctl handler on its own worker
 * thread, and everything the handler does (DFU requests, the chip model)
 * happens there.  The main loop only changes what is on the bus (adds
 * and removes devices, which must not happen inside a handler call) when
 * the handler asks for it, and at the times it asks for.  A mutex guards
 * what both look at; umockdev is never called with it held, since the
 * testbed may wait for the worker thread.
 *
 * Control transfers are completed at submit time and handed back at
 * reap time, no earlier than their wire time (--timing real) or a busy
 * ROM allows. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>

#include <umockdev.h>

#include "sim_dfu_layout.h"
#include "sim_dfuse.h"
#include "sim_time.h"
#include "sim_transport.h"
#include "sim_usb_desc.h"
#include "sim_usbfs.h"

/* What the bus looks like from COMMAND. */
#define BUS_PREFIX "usb"
#define SYS_PARENT "/devices/pci0000:00/usb1"

/* --timing real: from disconnect to the new device being enumerated.
 * USB 2.0 gives the hub 100 ms of connect debounce and at least 10 ms of
 * port reset; the ROM (or application) starting its USB stack and the
 * host reading descriptors add the rest (a guess at the middle of what
 * hosts show). */
#define REENUMERATE_NS (250 * SIM_NS_PER_MS)

/* Full speed: 12 Mbit/s. */
#define BIT_NS_NUM 1000
#define BIT_NS_DEN 12

/* Standard requests the devices answer. */
enum { REQ_GET_STATUS = 0, REQ_SET_ADDRESS = 5, REQ_GET_DESCRIPTOR = 6,
       REQ_GET_CONFIGURATION = 8, REQ_SET_CONFIGURATION = 9,
       REQ_GET_INTERFACE = 10, REQ_SET_INTERFACE = 11 };

typedef enum personality {
	P_NONE = 0,   /* not on the bus */
	P_DFU,        /* the ROM's DfuSe bootloader */
	P_RUNTIME,    /* the application with a DFU run-time interface */
	P_STLINK
} personality;

static const char *const personality_names[] = {"none", "dfu", "runtime",
                                                "stlink"};

typedef struct usb_dev {
	char sysname[16];          /* "1-1": kept across re-enumerations */
	/* The handler's view: what answers on devnode (P_NONE: gone). */
	personality now;
	char devnode[64];
	bool fresh;                /* just enumerated: restart its state */
	/* Changes the handler asked for, done by the main loop: off the bus
	 * at gone_at, back as next at next_at (P_NONE: stays away). */
	bool change;
	int64_t gone_at, next_at;
	personality next;
	/* The main loop's view: what the testbed holds. */
	personality shown;
	char syspath[256];
	sim_usb_desc desc;
	/* Run-time interface: DETACH seen, and when. */
	bool detached;
	int64_t detached_at;
} usb_dev;

struct sim_transport {
	const sim_config *cfg;
	sim_chip *chip;
	sim_faults *faults;
	sim_trace *trace;
	/* The bus: device 1's transport, which created the test bed and
	 * numbers the devices; every transport holds a reference to the
	 * test bed, so it outlives all of them. */
	sim_transport *bus;
	UMockdevTestbed *testbed;
	UMockdevIoctlBase *handler;
	sim_dfu_layout layout;
	sim_dfuse *dfuse;
	char serial[SIM_USB_SERIAL_MAX];
	char stlink_serial[25];
	/* STMPROG_SIM_USB_PRODUCT: a product string in place of the ROM's,
	 * so tests can play a device that sends control characters. */
	char product[SIM_DFU_NAME_MAX];
	pthread_mutex_t lock;
	int wake[2];               /* handler -> main loop */
	usb_dev target, stlink;
	unsigned next_devnum;      /* the bus's: read only on device 1's */
	sim_usbfs urbs;
	/* --timing real: the wire is busy until.  Per device: transfers
	 * of two devices on one bus do not wait for each other here (each
	 * board usually sits behind its own hub port, and the hub's
	 * transaction translation is not modelled). */
	int64_t bus_free_at;
	uint64_t ncontrol;         /* control transfers to the target */
	bool unplugged;            /* disconnect=N struck: gone for good */
	char port[32];
};

/* ---- the wire (--timing real) ---- */

/* Bit times of one transaction carrying n data bytes: token (sync, PID,
 * address, endpoint, CRC5, EOP), data packet (sync, PID, data with
 * worst-case bit stuffing of one bit in six, CRC16, EOP), handshake
 * (sync, PID, EOP), and a turnaround of 8 bit times before each packet. */
static int64_t transaction_bits(unsigned n)
{
	int64_t data_bits = (int64_t)n * 8;

	return (35 + 8) + (8 + 8 + data_bits + data_bits / 6 + 16 + 3 + 8) +
	       (19 + 8);
}

/* A control transfer: setup stage (8 bytes), data stage in packets of 64,
 * status stage (zero-length).  Start-of-frame packets and the 1 ms frame
 * boundaries are not modelled (SOFs take 0.3 % of the bus). */
static int64_t control_ns(unsigned data_len)
{
	int64_t bits = transaction_bits(8) + transaction_bits(0);

	for (unsigned done = 0; done < data_len; done += 64)
		bits += transaction_bits(data_len - done < 64 ? data_len - done : 64);
	return bits * BIT_NS_NUM / BIT_NS_DEN;
}

/* ---- the bus, as the handler sees it ---- */

static void wake_main(sim_transport *t)
{
	if (write(t->wake[1], "", 1) < 0) {
		/* full: the main loop is awake anyway */
	}
}

static int64_t reenumerate_ns(const sim_transport *t)
{
	return t->cfg->real_time ? REENUMERATE_NS : 0;
}

/* The device leaves the bus at `at` and comes back as next (P_NONE: it
 * does not).  Caller holds the lock. */
static void schedule(sim_transport *t, usb_dev *d, int64_t at, personality next)
{
	d->change = true;
	d->gone_at = at;
	d->next = next;
	d->next_at = next == P_NONE ? 0 : at + reenumerate_ns(t);
	if (at <= sim_now_ns())
		d->now = P_NONE;
	wake_main(t);
}

/* Whether the device answers now (lazily noticing a scheduled leave). */
static bool present(usb_dev *d, int64_t now)
{
	if (d->change && d->gone_at && now >= d->gone_at)
		d->now = P_NONE;
	return d->now != P_NONE;
}

static usb_dev *dev_of(sim_transport *t, const char *devnode)
{
	if (!strcmp(devnode, t->target.devnode))
		return &t->target;
	if (!strcmp(devnode, t->stlink.devnode))
		return &t->stlink;
	return NULL;
}

/* Where the target goes when the chip leaves the ROM. */
static personality app_personality(const sim_transport *t)
{
	return t->cfg->usb_start == SIM_USB_START_RUNTIME ? P_RUNTIME : P_NONE;
}

/* ---- control requests ---- */

typedef struct control {
	uint8_t type, request;
	uint16_t value, index, length;
	uint8_t *data;             /* wLength bytes: OUT data, or room for IN */
} control;

/* Standard requests: descriptors, configuration, interface. */
static int standard_request(sim_transport *t, usb_dev *d, const control *c)
{
	if (c->request == REQ_GET_DESCRIPTOR && (c->type & 0x80))
		return sim_usb_desc_get(&d->desc, (uint8_t)(c->value >> 8),
		                        (uint8_t)c->value, c->data, c->length);
	if (c->request == REQ_GET_STATUS && (c->type & 0x80)) {
		memset(c->data, 0, c->length < 2 ? c->length : 2);
		return c->length < 2 ? c->length : 2;
	}
	if (c->request == REQ_GET_CONFIGURATION && c->length) {
		c->data[0] = 1;
		return 1;
	}
	if (c->request == REQ_GET_INTERFACE && c->length) {
		c->data[0] = 0;
		return 1;
	}
	if (c->request == REQ_SET_CONFIGURATION && c->value <= 1)
		return 0;
	if (c->request == REQ_SET_INTERFACE && c->index == 0 && d->now == P_DFU) {
		if (!sim_dfuse_set_alt(t->dfuse, c->value))
			return -1;
		sim_trace_line(t->trace, "ALT %u", (unsigned)c->value);
		return 0;
	}
	return -1;
}

/* After a DFU reply: what the device does next. */
static void apply_after(sim_transport *t, usb_dev *d, const sim_dfuse_reply *r,
                        int64_t done)
{
	int64_t at = r->after_at > done ? r->after_at : done;

	switch (r->after) {
	case SIM_DFUSE_LEAVE:
	case SIM_DFUSE_RESET:
		schedule(t, d, at, r->app_runs ? app_personality(t) : P_DFU);
		break;
	case SIM_DFUSE_REENUMERATE:
		schedule(t, d, at, P_DFU);
		break;
	case SIM_DFUSE_STAY:
		break;
	}
}

/* One DFU request for bench/dfu-timeline (only with
 * STMPROG_SIM_TRACE_TIME=1): what was asked, how long its transfer holds
 * the wire, and when its answer is ready, in microseconds after the
 * submit the line's time stamp records. */
static void trace_request(sim_transport *t, const control *c, int n,
                          int64_t now, int64_t done)
{
	static const char *const names[] = {
		"DETACH", "DNLOAD", "UPLOAD", "GETSTATUS", "CLRSTATUS",
		"GETSTATE", "ABORT"
	};
	const char *name = c->request < 7 ? names[c->request] : "OTHER";

	sim_trace_timed(t->trace, "REQ %s %u %u %d wire %lld ready %lld", name,
	                (unsigned)c->value, (unsigned)c->length, n,
	                (long long)(control_ns(c->length) / SIM_NS_PER_US),
	                (long long)((done - now) / SIM_NS_PER_US));
}

/* One control transfer to d; fills u's IN data, status and times. */
static void control_transfer(sim_transport *t, usb_dev *d, const control *c,
                             sim_usbfs_urb *u, int64_t now)
{
	bool dfu_class = (c->type & 0x60) == 0x20 && (c->type & 0x1F) == 1;
	int64_t start = now, done;
	sim_dfuse_reply r;
	int n;

	memset(&r, 0, sizeof(r));
	if (t->cfg->real_time) {
		if (t->bus_free_at > start)
			start = t->bus_free_at;
		t->bus_free_at = start + control_ns(c->length);
	}
	done = t->cfg->real_time ? start + control_ns(c->length) : now;
	if (!dfu_class) {
		n = standard_request(t, d, c);
	} else if (d->now == P_DFU && sim_faults_usb_stall(t->faults)) {
		sim_trace_line(t->trace, "FAULT stall request %u", c->request);
		sim_dfuse_fault_stall(t->dfuse);
		n = -1;
	} else if (d->now == P_DFU) {
		sim_dfuse_request(t->dfuse, c->request, c->value, c->length, c->data,
		                  done, &r);
		n = r.len;
	} else if (d->now == P_RUNTIME) {
		sim_dfu_runtime_request(t->trace, &d->detached, c->request, c->length,
		                        c->data, &r);
		if (c->request == SIM_DFU_DETACH)
			d->detached_at = done;
		n = r.len;
	} else {
		n = -1;
	}
	if (r.ready_at > done)
		done = r.ready_at;
	u->ready_at = t->cfg->real_time ? done : 0;
	if (dfu_class && d->now == P_DFU && sim_trace_is_timed(t->trace))
		trace_request(t, c, n, now, done);
	if (n < 0) {
		u->status = -EPIPE;
		u->actual = 0;
	} else {
		u->status = 0;
		/* OUT: the whole data stage was taken. */
		u->actual = (c->type & 0x80) ? n : c->length;
		u->in_len = (c->type & 0x80) ? n : 0;
	}
	apply_after(t, d, &r, done);
}

/* ---- the usbfs ioctls ---- */

static void submit_urb(sim_transport *t, UMockdevIoctlClient *client,
                       UMockdevIoctlData *arg, const char *devnode)
{
	UMockdevIoctlData *urb_data;
	struct usbdevfs_urb *urb;
	sim_usbfs_urb *u;
	usb_dev *d = dev_of(t, devnode);
	int64_t now = sim_now_ns();
	unsigned hold = 0;
	control c;

	if (!(urb_data = sim_usbfs_urb_header(client, arg)))
		return;
	urb = (struct usbdevfs_urb *)urb_data->data;
	if (!d || t->unplugged || !present(d, now)) {
		umockdev_ioctl_data_unref(urb_data);
		umockdev_ioctl_client_complete(client, -1, ENODEV);
		return;
	}
	/* Only control transfers: no device here has other endpoints that
	 * the simulator serves. */
	if (urb->type != USBDEVFS_URB_TYPE_CONTROL || urb->buffer_length < 8 ||
	    urb->buffer_length > SIM_USBFS_DATA_MAX) {
		umockdev_ioctl_data_unref(urb_data);
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		return;
	}
	if (!(u = sim_usbfs_urb_new(client, urb_data))) {
		umockdev_ioctl_data_unref(urb_data);
		umockdev_ioctl_client_complete(client, -1, ENOMEM);
		return;
	}
	/* IN data goes back after the setup bytes. */
	u->in_at = 8;
	c.type = u->data[0];
	c.request = u->data[1];
	c.value = (uint16_t)(u->data[2] | u->data[3] << 8);
	c.index = (uint16_t)(u->data[4] | u->data[5] << 8);
	c.length = (uint16_t)(u->data[6] | u->data[7] << 8);
	c.data = u->data + 8;
	if (8 + (int)c.length > urb->buffer_length) {
		sim_usbfs_urb_free(u);
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		return;
	}
	if (d == &t->target) {
		t->ncontrol++;
		if (t->faults->disconnect && t->ncontrol > t->faults->disconnect_after) {
			/* The cable comes out: this transfer never completes. */
			sim_trace_line(t->trace, "FAULT disconnect after %llu control "
			               "transfers", (unsigned long long)t->faults->disconnect_after);
			t->unplugged = true;
			schedule(t, d, now, P_NONE);
			sim_usbfs_urb_free(u);
			umockdev_ioctl_client_complete(client, -1, ENODEV);
			return;
		}
		if (d->now == P_DFU && sim_faults_reenum(t->faults)) {
			/* The ROM drops off the bus and enumerates again (a USB
			 * reset of its own): this transfer is lost, the host's
			 * handle is stale, the flash keeps what was programmed. */
			sim_trace_line(t->trace, "FAULT reenum at control transfer "
			               "%llu", (unsigned long long)t->ncontrol);
			schedule(t, d, now, P_DFU);
			sim_usbfs_urb_free(u);
			umockdev_ioctl_client_complete(client, -1, ENODEV);
			return;
		}
		if (d->now == P_DFU)
			hold = sim_faults_hold(t->faults);
	}
	control_transfer(t, d, &c, u, now);
	if (hold) {
		/* Done, but the answer comes late: past the host's timeout
		 * it gives up and discards the URB (sim_usbfs_discard). */
		sim_trace_line(t->trace, "FAULT hold request %u %u ms",
		               (unsigned)c.request, hold);
		u->ready_at = (u->ready_at > now ? u->ready_at : now) +
		              (int64_t)hold * SIM_NS_PER_MS;
	}
	sim_usbfs_submitted(&t->urbs, client, u);
}

/* USBDEVFS_RESET: a port reset. */
static void port_reset(sim_transport *t, UMockdevIoctlClient *client, usb_dev *d)
{
	int64_t now = sim_now_ns();

	sim_trace_line(t->trace, "USB RESET");
	if (d->now == P_DFU) {
		sim_dfuse_bus_reset(t->dfuse);
	} else if (d->now == P_RUNTIME && d->detached) {
		bool expired = t->cfg->real_time &&
		               now - d->detached_at > 255 * SIM_NS_PER_MS;
		d->detached = false;
		if (!expired) {
			/* The application jumps to the ROM: new descriptors, so
			 * the kernel drops the device and the reset fails with
			 * ENODEV, as it does after a real DFU detach. */
			sim_chip_reset(t->chip);
			schedule(t, d, now, P_DFU);
			umockdev_ioctl_client_complete(client, -1, ENODEV);
			return;
		}
	}
	umockdev_ioctl_client_complete(client, 0, 0);
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
                         gpointer user_data)
{
	sim_transport *t = user_data;
	gulong request = umockdev_ioctl_client_get_request(client);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
	const char *devnode = umockdev_ioctl_client_get_devnode(client);
	UMockdevIoctlData *v;
	usb_dev *d;

	(void)handler;
	pthread_mutex_lock(&t->lock);
	d = dev_of(t, devnode);
	if (d == &t->target && d->fresh) {
		/* First contact since it (re-)enumerated: the ROM starts afresh. */
		sim_dfuse_restart(t->dfuse);
		d->fresh = false;
	}
	switch (request) {
	case USBDEVFS_SUBMITURB:
		submit_urb(t, client, arg, devnode);
		break;
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY:
		sim_usbfs_reap(&t->urbs, client, arg);
		break;
	case USBDEVFS_DISCARDURB:
		/* A URB is in flight until its reap (ready_at): the host
		 * may still cancel it. */
		sim_usbfs_discard(&t->urbs, client, arg);
		break;
	case USBDEVFS_GET_CAPABILITIES:
		sim_usbfs_capabilities(client, arg, USBDEVFS_CAP_ZERO_PACKET |
		                       USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
		                       USBDEVFS_CAP_REAP_AFTER_DISCONNECT);
		break;
	case USBDEVFS_SETINTERFACE:
		v = umockdev_ioctl_data_resolve(arg, 0,
		                                sizeof(struct usbdevfs_setinterface), NULL);
		if (!v || !d || !present(d, sim_now_ns())) {
			umockdev_ioctl_client_complete(client, -1, v ? ENODEV : EFAULT);
		} else {
			struct usbdevfs_setinterface si;
			memcpy(&si, v->data, sizeof(si));
			if (d->now == P_DFU && si.interface == 0 &&
			    sim_dfuse_set_alt(t->dfuse, si.altsetting)) {
				sim_trace_line(t->trace, "ALT %u", si.altsetting);
				umockdev_ioctl_client_complete(client, 0, 0);
			} else if (d->now != P_DFU && si.interface == 0 &&
			           si.altsetting == 0) {
				umockdev_ioctl_client_complete(client, 0, 0);
			} else {
				umockdev_ioctl_client_complete(client, -1, EINVAL);
			}
		}
		if (v)
			umockdev_ioctl_data_unref(v);
		break;
	case USBDEVFS_RESET:
		if (!d || !present(d, sim_now_ns()))
			umockdev_ioctl_client_complete(client, -1, ENODEV);
		else
			port_reset(t, client, d);
		break;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
		if (!d || !present(d, sim_now_ns()))
			umockdev_ioctl_client_complete(client, -1, ENODEV);
		else
			umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_GETDRIVER:
		/* No kernel driver is bound to any of them. */
		umockdev_ioctl_client_complete(client, -1, ENODATA);
		break;
	default:
		umockdev_ioctl_client_complete(client, -1, ENOTTY);
		break;
	}
	pthread_mutex_unlock(&t->lock);
	return TRUE;
}

/* ---- the bus, as the main loop changes it ---- */

static void describe(sim_transport *t, usb_dev *d, personality p)
{
	switch (p) {
	case P_DFU:
		sim_usb_desc_dfu(&d->desc, &t->layout, t->serial);
		if (t->product[0])
			snprintf(d->desc.strings[2], sizeof(d->desc.strings[2]), "%s",
			         t->product);
		break;
	case P_RUNTIME:
		sim_usb_desc_runtime(&d->desc, t->serial);
		break;
	case P_STLINK:
		sim_usb_desc_stlink(&d->desc, t->stlink_serial);
		break;
	case P_NONE:
		break;
	}
}

/* Adds d as p with the next device number.  Called without the lock
 * (umockdev may wait for its worker); d->desc is not read by the handler
 * while d->now is P_NONE. */
static int plug(sim_transport *t, usb_dev *d, personality p)
{
	char devnode[64], *record, *hex;
	unsigned devnum = t->bus->next_devnum++;
	size_t hexlen = 2 * (18 + SIM_USB_CONFIG_MAX) + 1, reclen = hexlen + 2048;
	GError *error = NULL;
	int rc = -1;

	describe(t, d, p);
	snprintf(devnode, sizeof(devnode), "/dev/bus/usb/001/%03u", devnum);
	hex = malloc(hexlen);
	record = malloc(reclen);
	if (!hex || !record)
		goto out;
	sim_usb_desc_hex(&d->desc, hex, hexlen);
	/* The node must be served before the device shows, or a host that
	 * sees the uevent could open it too early. */
	if (!umockdev_testbed_attach_ioctl(t->testbed, devnode, t->handler, &error)) {
		sim_say("cannot serve %s: %s", devnode, error ? error->message : "?");
		goto out;
	}
	snprintf(record, reclen,
	         "P: %s/%s\n"
	         "N: bus/usb/001/%03u\n"
	         "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
	         "E: BUSNUM=001\nE: DEVNUM=%03u\nE: DEVNAME=%s\n"
	         "E: ID_VENDOR_ID=%04x\nE: ID_MODEL_ID=%04x\n"
	         "A: busnum=1\\n\nA: devnum=%u\\n\nA: speed=12\\n\n"
	         "A: bConfigurationValue=1\\n\n"
	         "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\n"
	         "A: manufacturer=%s\\n\nA: product=%s\\n\nA: serial=%s\\n\n"
	         /* The rest as the kernel shows them (compared in
	          * tests/kernel/gadget-guest.sh), for tools that read more
	          * than libusb does. */
	         "A: bcdDevice=%02x%02x\\n\nA: bDeviceClass=%02x\\n\n"
	         "A: bDeviceSubClass=%02x\\n\nA: bDeviceProtocol=%02x\\n\n"
	         "A: bMaxPacketSize0=%u\\n\nA: bNumConfigurations=%u\\n\n"
	         "A: bNumInterfaces=%2u\\n\nA: bmAttributes=%02x\\n\n"
	         "A: bMaxPower=%umA\\n\nA: version=%2x.%02x\\n\nA: devpath=%s\\n\n"
	         "H: descriptors=%s\n",
	         SYS_PARENT, d->sysname, devnum, devnum, devnode,
	         d->desc.vid, d->desc.pid, devnum, d->desc.vid, d->desc.pid,
	         d->desc.strings[1], d->desc.strings[2], d->desc.strings[3],
	         d->desc.device[13], d->desc.device[12], d->desc.device[4],
	         d->desc.device[5], d->desc.device[6], d->desc.device[7],
	         d->desc.device[17], d->desc.config[4], d->desc.config[7],
	         2u * d->desc.config[8], d->desc.device[3], d->desc.device[2],
	         d->sysname + 2, hex);
	if (!umockdev_testbed_add_from_string(t->testbed, record, &error)) {
		sim_say("cannot add %s: %s", d->sysname, error ? error->message : "?");
		goto out;
	}
	snprintf(d->syspath, sizeof(d->syspath), "/sys%s/%s", SYS_PARENT, d->sysname);
	pthread_mutex_lock(&t->lock);
	snprintf(d->devnode, sizeof(d->devnode), "%s", devnode);
	d->now = p;
	d->shown = p;
	d->fresh = true;
	d->detached = false;
	sim_trace_line(t->trace, "ENUMERATE %04x:%04x %s", d->desc.vid,
	               d->desc.pid, personality_names[p]);
	pthread_mutex_unlock(&t->lock);
	rc = 0;
out:
	if (error)
		g_error_free(error);
	free(hex);
	free(record);
	return rc;
}

static void unplug(sim_transport *t, usb_dev *d)
{
	if (d->shown == P_NONE)
		return;
	/* This sends the "remove" uevent too. */
	umockdev_testbed_remove_device(t->testbed, d->syspath);
	pthread_mutex_lock(&t->lock);
	d->shown = P_NONE;
	sim_trace_line(t->trace, "REMOVE");
	pthread_mutex_unlock(&t->lock);
}

/* Does what is due of d's scheduled change; lowers *deadline to the
 * rest. */
static void bus_change(sim_transport *t, usb_dev *d, int64_t *deadline)
{
	int64_t now = sim_now_ns();
	bool change, remove = false, add = false;
	personality next;

	pthread_mutex_lock(&t->lock);
	change = d->change;
	next = d->next;
	if (change) {
		if (now >= d->gone_at) {
			d->now = P_NONE;
			remove = d->shown != P_NONE;
			add = next != P_NONE && now >= d->next_at;
			if (!add && next != P_NONE && deadline && d->next_at < *deadline)
				*deadline = d->next_at;
			if (next == P_NONE || add)
				d->change = false;
		} else if (deadline && d->gone_at < *deadline) {
			*deadline = d->gone_at;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (!deadline) {
		if (remove)
			unplug(t, d);
		if (add)
			plug(t, d, next);
	}
}

/* ---- the transport ---- */

static void usb_close(sim_transport *t)
{
	if (!t)
		return;
	/* The child is gone, so no ioctl can arrive any more; the test bed
	 * may still hold the handler (another device's transport keeps the
	 * bed alive), so it must not call back into t once t is freed. */
	if (t->handler) {
		g_signal_handlers_disconnect_by_data(t->handler, t);
		sim_usbfs_unwatch(&t->urbs, t->handler);
	}
	if (t->testbed)
		g_object_unref(t->testbed);
	if (t->handler)
		g_object_unref(t->handler);
	sim_usbfs_clear(&t->urbs);
	sim_dfuse_free(t->dfuse);
	if (t->wake[0] >= 0) {
		close(t->wake[0]);
		close(t->wake[1]);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The chip's board is powered in the jig: on the bus as --usb-start
 * says, unless RDP level 2 keeps the bootloader off. */
static int target_arrives(sim_transport *t)
{
	sim_chip *chip = t->chip;

	if (chip->rdp == 2 || chip->app == SIM_APP_NONE) {
		sim_say("RDP level 2: the bootloader is disabled; the target is not "
		        "on the bus");
		return 0;
	}
	if (t->cfg->usb_start == SIM_USB_START_DFU)
		return plug(t, &t->target, P_DFU);
	/* The application runs (the simulator takes --usb-start's word
	 * for it). */
	chip->app = SIM_APP_RUNNING;
	sim_chip_save(chip);
	if (t->cfg->usb_start == SIM_USB_START_RUNTIME)
		return plug(t, &t->target, P_RUNTIME);
	return 0;
}

/* A board taken out unplugs; a new one (a new chip in t->chip) gets its
 * own serial string and a fresh ROM, and plugs into the same port. */
static void usb_board(sim_transport *t, bool present)
{
	sim_dfuse *fresh = NULL;

	if (present) {
		fresh = sim_dfuse_new(t->chip, &t->layout, t->faults, t->trace,
		                      t->cfg->real_time);
		if (!fresh) {
			sim_say("out of memory; the new board stays off the bus");
			return;
		}
	}
	pthread_mutex_lock(&t->lock);
	/* Whatever the handler had scheduled (a re-enumeration after a
	 * leave) is void: the board is gone. */
	t->target.change = false;
	t->target.now = P_NONE;
	t->target.detached = false;
	/* The handler must not restart a ROM whose chip the main loop is
	 * about to replace. */
	t->target.fresh = false;
	if (present) {
		sim_dfuse_free(t->dfuse);
		t->dfuse = fresh;
		t->unplugged = false;
		sim_usb_serial_from_uid(t->chip->chip, t->chip->uid, t->serial);
	}
	pthread_mutex_unlock(&t->lock);
	unplug(t, &t->target);
	if (present && target_arrives(t) != 0)
		sim_say("cannot add the new board to the umockdev bus");
}

static sim_transport *usb_open(const sim_config *cfg, sim_chip *chip,
                               sim_faults *faults, sim_trace *trace,
                               char *err, size_t errlen)
{
	sim_transport *t = calloc(1, sizeof(*t));
	unsigned device = cfg->device ? cfg->device : 1;
	unsigned devices = cfg->devices > device ? cfg->devices : device;
	sim_rng r;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->wake[0] = t->wake[1] = -1;
	pthread_mutex_init(&t->lock, NULL);
	t->cfg = cfg;
	t->chip = chip;
	t->faults = faults;
	t->trace = trace;
	if (cfg->first && !cfg->first->testbed) {
		snprintf(err, errlen, "usb device %u: the first usb device's bus "
		         "is not there", device);
		goto fail;
	}
	t->bus = cfg->first ? cfg->first : t;
	snprintf(t->target.sysname, sizeof(t->target.sysname), "1-%u", device);
	snprintf(t->stlink.sysname, sizeof(t->stlink.sysname), "1-%u",
	         devices + 1);
	t->next_devnum = 2;        /* 1 would be the root hub */
	/* stmprog numbers DFU devices by port path, so device I is usbI
	 * while every device is on the bus in DFU mode; path=1-I always
	 * names it. */
	if (cfg->port_by_path)
		snprintf(t->port, sizeof(t->port), "%s:%s", BUS_PREFIX,
		         t->target.sysname);
	else
		snprintf(t->port, sizeof(t->port), "%s%u", BUS_PREFIX, device);
	if (sim_dfu_layout_for_rom(chip->chip, &t->layout, err, errlen) != 0)
		goto fail;
	/* A test hook for devices no chip table row describes: another
	 * product string. */
	if (getenv("STMPROG_SIM_USB_PRODUCT"))
		snprintf(t->product, sizeof(t->product), "%s",
		         getenv("STMPROG_SIM_USB_PRODUCT"));
	sim_usb_serial_from_uid(chip->chip, chip->uid, t->serial);
	sim_rng_seed(&r, cfg->seed ^ UINT64_C(0x53544C494E4B0000));
	snprintf(t->stlink_serial, sizeof(t->stlink_serial), "%08X%08X%08X",
	         (unsigned)(uint32_t)sim_rng_next(&r), (unsigned)(uint32_t)sim_rng_next(&r),
	         (unsigned)(uint32_t)sim_rng_next(&r));
	t->dfuse = sim_dfuse_new(chip, &t->layout, faults, trace, cfg->real_time);
	if (!t->dfuse || pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	t->testbed = cfg->first ? g_object_ref(t->bus->testbed)
	                        : umockdev_testbed_new();
	t->handler = umockdev_ioctl_base_new();
	if (!t->testbed || !t->handler) {
		snprintf(err, errlen, "cannot set up the umockdev test bed");
		goto fail;
	}
	g_signal_connect(t->handler, "handle-ioctl", G_CALLBACK(on_ioctl), t);
	sim_usbfs_init(&t->urbs, &t->lock, t->handler);
	if (target_arrives(t) != 0)
		goto plug_failed;
	/* One probe on the bus, whatever the number of boards. */
	if (cfg->usb_stlink && !cfg->first && plug(t, &t->stlink, P_STLINK) != 0)
		goto plug_failed;
	return t;
plug_failed:
	snprintf(err, errlen, "cannot add the simulated USB devices to umockdev");
fail:
	usb_close(t);
	return NULL;
}

static const char *usb_port(const sim_transport *t)
{
	return t->port;
}

/* COMMAND gets umockdev's preload library first, so its libusb sees our
 * bus; UMOCKDEV_DIR (set by the test bed) is inherited. */
static void usb_child_exec(sim_transport *t, char **argv)
{
	const char *old = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
	char *preload, *asan_opts;
	size_t n;

	(void)argv;
	n = strlen(UMOCKDEV_PRELOAD) + (old ? strlen(old) + 1 : 0) + 1;
	preload = malloc(n);
	if (preload) {
		snprintf(preload, n, "%s%s%s", UMOCKDEV_PRELOAD, old && *old ? ":" : "",
		         old ? old : "");
		setenv("LD_PRELOAD", preload, 1);
	}
	/* An ASan-built COMMAND would refuse to start with a library
	 * preloaded before the ASan runtime. */
	n = (asan ? strlen(asan) : 0) + 32;
	asan_opts = malloc(n);
	if (asan_opts) {
		snprintf(asan_opts, n, "%s%sverify_asan_link_order=0",
		         asan ? asan : "", asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", asan_opts, 1);
	}
	if (!getenv("UMOCKDEV_DIR")) {
		gchar *root = umockdev_testbed_get_root_dir(t->testbed);
		setenv("UMOCKDEV_DIR", root, 1);
		g_free(root);
	}
	/* Both stay allocated: exec replaces the process right after. */
}

static int usb_poll_setup(sim_transport *t, struct pollfd *pfd, int64_t *deadline)
{
	bus_change(t, &t->target, deadline);
	pfd[0].fd = t->wake[0];
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	return 1;
}

static void usb_service(sim_transport *t, const struct pollfd *pfd, int n)
{
	char drain[64];

	if (n >= 1 && (pfd[0].revents & POLLIN))
		while (read(t->wake[0], drain, sizeof(drain)) > 0)
			;
	bus_change(t, &t->target, NULL);
}

const sim_transport_ops sim_usb_transport = {
	.name = "usb",
	.open = usb_open,
	.port = usb_port,
	.child_exec = usb_child_exec,
	.child_started = NULL,
	.poll_setup = usb_poll_setup,
	.service = usb_service,
	.board = usb_board,
	.close = usb_close,
};

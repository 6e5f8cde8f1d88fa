/* stmprog-sim: a simulated FTDI FT230X on a umockdev USB bus
 * (sim_ftdi.h).
 *
 * The requests and their encodings are the ones libftdi1 1.5 sends and
 * Linux's ftdi_sio documents (ftdi_sio.h); which of them an FT230X
 * answers how is the FT-X datasheet's.  Not confirmed against a real
 * FT230X here: the levels of CBUS pins in I/O mode that are inputs (read
 * as 1: the datasheet's internal pull-ups), what a BITMODE_RESET does to
 * them (back to inputs), and the modem-status bytes with nothing wired. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
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

#include "sim_ftdi.h"
#include "sim_time.h"
#include "sim_usb_desc.h"
#include "sim_usbfs.h"

#define SYS_PARENT "/devices/pci0000:00/usb1"
#define SYSNAME "1-1"
#define DEVNUM 2
#define QUEUE_MAX 256
#define LINE_MAX_ 64
/* The largest URB buffer the adapter takes (setup bytes and 512 of
 * data); longer ones fail with EINVAL. */
#define URB_MAX (8 + 512)

/* What the handler leaves for the main loop, in order: a trace line
 * (written there: the uart device's trace file is not for two threads) or
 * a change of the CBUS levels. */
typedef struct ftdi_event {
	bool is_cbus;
	uint8_t levels;
	char line[LINE_MAX_];
} ftdi_event;

/* Vendor requests (bRequest). */
enum { SIO_RESET = 0x00, SIO_MODEM_CTRL = 0x01, SIO_FLOW_CTRL = 0x02,
       SIO_BAUDRATE = 0x03, SIO_DATA = 0x04, SIO_POLL_MODEM = 0x05,
       SIO_EVENT_CHAR = 0x06, SIO_ERROR_CHAR = 0x07,
       SIO_SET_LATENCY = 0x09, SIO_GET_LATENCY = 0x0A,
       SIO_SET_BITMODE = 0x0B, SIO_READ_PINS = 0x0C, SIO_READ_EEPROM = 0x90 };
enum { REQ_GET_STATUS = 0, REQ_GET_DESCRIPTOR = 6,
       REQ_GET_CONFIGURATION = 8, REQ_SET_CONFIGURATION = 9,
       REQ_GET_INTERFACE = 10, REQ_SET_INTERFACE = 11 };
#define BITMODE_CBUS 0x20

struct sim_ftdi {
	sim_trace *trace;
	UMockdevTestbed *testbed;
	UMockdevIoctlBase *handler;
	sim_usb_desc desc;
	char serial[16];
	char devnode[64];
	pthread_mutex_t lock;
	int wake[2];
	/* The adapter's state, as the host set it. */
	uint8_t bitmode, bitmask, latency;
	uint16_t modem;            /* DTR bit 0, RTS bit 1 */
	uint8_t cbus;              /* the pins' levels now */
	ftdi_event queue[QUEUE_MAX];
	unsigned qhead, qlen;
	sim_usbfs urbs;
};

/* One adapter per run (sim_options.c sees to it). */
static sim_ftdi *the_adapter;

/* ---- the CBUS pins ---- */

/* Levels the pins show: outputs as set, inputs pulled up; outside CBUS
 * bit-bang mode every pin is back to an input. */
static uint8_t cbus_levels(const sim_ftdi *f)
{
	uint8_t out, lv;

	if (f->bitmode != BITMODE_CBUS)
		return 0x0F;
	out = (uint8_t)(f->bitmask >> 4);
	lv = f->bitmask & 0x0F;
	return (uint8_t)(((lv & out) | ~out) & 0x0F);
}

/* Caller holds the lock. */
static ftdi_event *push(sim_ftdi *f)
{
	ftdi_event *e;

	if (f->qlen == QUEUE_MAX) {
		/* Nothing drains it: keep the newest. */
		f->qhead = (f->qhead + 1) % QUEUE_MAX;
		f->qlen--;
	}
	e = &f->queue[(f->qhead + f->qlen++) % QUEUE_MAX];
	memset(e, 0, sizeof(*e));
	if (write(f->wake[1], "", 1) < 0) {
		/* full: the main loop is awake anyway */
	}
	return e;
}

static void trace(sim_ftdi *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void trace(sim_ftdi *f, const char *fmt, ...)
{
	ftdi_event *e = push(f);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->line, sizeof(e->line), fmt, ap);
	va_end(ap);
}

/* Caller holds the lock. */
static void cbus_changed(sim_ftdi *f)
{
	uint8_t now = cbus_levels(f);
	ftdi_event *e;

	if (now == f->cbus)
		return;
	f->cbus = now;
	e = push(f);
	e->is_cbus = true;
	e->levels = now;
}

bool sim_ftdi_take_cbus(sim_ftdi *f, uint8_t *levels)
{
	ftdi_event e;
	bool got;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		got = f->qlen > 0;
		if (got) {
			e = f->queue[f->qhead];
			f->qhead = (f->qhead + 1) % QUEUE_MAX;
			f->qlen--;
		}
		pthread_mutex_unlock(&f->lock);
		if (!got || e.is_cbus)
			break;
		sim_trace_line(f->trace, "%s", e.line);
	}
	if (got)
		*levels = e.levels;
	if (!got) {
		char drain[64];
		while (read(f->wake[0], drain, sizeof(drain)) > 0)
			;
	}
	return got;
}

/* ---- control requests ---- */

/* The rate an FT-X divisor gives: 3 MHz over an integer plus eighths
 * (AN232B-05; the fraction's third bit rides in wIndex). */
static unsigned divisor_baud(uint16_t value, uint16_t index)
{
	static const unsigned eighths[8] = {0, 4, 2, 1, 3, 5, 6, 7};
	unsigned whole = value & 0x3FFF;
	unsigned frac = eighths[(value >> 14) | ((index & 1u) << 2)];

	if (whole == 0 && frac == 0)
		return 3000000;
	if (whole == 1 && frac == 0)
		return 2000000;
	return (unsigned)(24000000ull / (8ull * whole + frac));
}

static int vendor_request(sim_ftdi *f, uint8_t type, uint8_t req,
                          uint16_t value, uint16_t index, uint8_t *data,
                          uint16_t len)
{
	static const char *const parity[] = {"N", "O", "E", "M", "S"};

	switch (req) {
	case SIO_RESET:
		trace(f, "FTDI RESET %u", (unsigned)value);
		return 0;
	case SIO_MODEM_CTRL:
		/* High byte: which of DTR (1), RTS (2) to change. */
		f->modem = (uint16_t)((f->modem & ~(value >> 8)) |
		                      (value & (value >> 8) & 3));
		trace(f, "FTDI MODEM dtr=%u rts=%u",
		               f->modem & 1u, (f->modem >> 1) & 1u);
		return 0;
	case SIO_FLOW_CTRL:
		trace(f, "FTDI FLOW 0x%04X", (unsigned)index);
		return 0;
	case SIO_BAUDRATE:
		trace(f, "FTDI BAUD %u",
		               divisor_baud(value, index));
		return 0;
	case SIO_DATA:
		trace(f, "FTDI DATA %u%s%s%s",
		               value & 0xFFu, parity[((value >> 8) & 7) % 5],
		               (value >> 11) & 3 ? "2" : "1",
		               value & 0x4000 ? " break" : "");
		return 0;
	case SIO_EVENT_CHAR:
	case SIO_ERROR_CHAR:
		return 0;
	case SIO_POLL_MODEM:
		if (!(type & 0x80) || len < 2)
			return -1;
		/* Nothing wired to CTS/DSR/RI/DCD; transmitter empty. */
		data[0] = 0x01;
		data[1] = 0x60;
		return 2;
	case SIO_SET_LATENCY:
		if (value < 1 || value > 255)
			return -1;
		f->latency = (uint8_t)value;
		trace(f, "FTDI LATENCY %u", (unsigned)value);
		return 0;
	case SIO_GET_LATENCY:
		if (!(type & 0x80) || len < 1)
			return -1;
		data[0] = f->latency;
		return 1;
	case SIO_SET_BITMODE:
		f->bitmode = (uint8_t)(value >> 8);
		f->bitmask = (uint8_t)value;
		trace(f, "FTDI BITMODE 0x%02X 0x%02X",
		               (unsigned)f->bitmode, (unsigned)f->bitmask);
		cbus_changed(f);
		return 0;
	case SIO_READ_PINS:
		if (!(type & 0x80) || len < 1)
			return -1;
		data[0] = f->bitmode == BITMODE_CBUS ? f->cbus : 0xFF;
		return 1;
	default:
		/* EEPROM and anything else: not simulated (libftdi1 does not
		 * ask for the EEPROM to open the adapter or set CBUS pins). */
		trace(f, "FTDI STALL request 0x%02X", (unsigned)req);
		return -1;
	}
}

static int control(sim_ftdi *f, uint8_t *setup, uint8_t *data)
{
	uint8_t type = setup[0], req = setup[1];
	uint16_t value = (uint16_t)(setup[2] | setup[3] << 8);
	uint16_t index = (uint16_t)(setup[4] | setup[5] << 8);
	uint16_t len = (uint16_t)(setup[6] | setup[7] << 8);

	if ((type & 0x60) == 0x40)
		return vendor_request(f, type, req, value, index, data, len);
	if (req == REQ_GET_DESCRIPTOR && (type & 0x80))
		return sim_usb_desc_get(&f->desc, (uint8_t)(value >> 8),
		                        (uint8_t)value, data, len);
	if (req == REQ_GET_STATUS && (type & 0x80)) {
		memset(data, 0, len < 2 ? len : 2);
		return len < 2 ? len : 2;
	}
	if ((req == REQ_GET_CONFIGURATION || req == REQ_GET_INTERFACE) && len) {
		data[0] = req == REQ_GET_CONFIGURATION;
		return 1;
	}
	if (req == REQ_SET_CONFIGURATION || req == REQ_SET_INTERFACE)
		return 0;
	return -1;
}

/* ---- usbfs ---- */

/* Every transfer completes at once: the adapter has no chip behind its
 * own bulk endpoints and the host's control requests take no time
 * worth modelling. */
static void submit_urb(sim_ftdi *f, UMockdevIoctlClient *client,
                       UMockdevIoctlData *arg)
{
	UMockdevIoctlData *urb_data;
	struct usbdevfs_urb *urb;
	sim_usbfs_urb *u;
	int n = 0;

	if (!(urb_data = sim_usbfs_urb_header(client, arg)))
		return;
	urb = (struct usbdevfs_urb *)urb_data->data;
	if (urb->buffer_length > URB_MAX ||
	    !(u = sim_usbfs_urb_new(client, urb_data))) {
		umockdev_ioctl_data_unref(urb_data);
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		return;
	}
	if (urb->type == USBDEVFS_URB_TYPE_CONTROL && urb->buffer_length >= 8) {
		uint16_t len = (uint16_t)(u->data[6] | u->data[7] << 8);
		if (8 + (int)len > urb->buffer_length)
			n = -1;
		else
			n = control(f, u->data, u->data + 8);
		u->status = n < 0 ? -EPIPE : 0;
		u->actual = n < 0 ? 0 : (u->data[0] & 0x80) ? n : len;
		u->in_at = 8;
		u->in_len = n < 0 || !(u->data[0] & 0x80) ? 0 : n;
	} else if (urb->type == USBDEVFS_URB_TYPE_BULK && (urb->endpoint & 0x80)) {
		/* Bulk IN: the two status bytes every FTDI packet starts
		 * with, and no data (nothing feeds the adapter's RX). */
		if (urb->buffer_length >= 2) {
			u->data[0] = 0x01;
			u->data[1] = 0x60;
			u->actual = u->in_len = 2;
		}
	} else if (urb->type == USBDEVFS_URB_TYPE_BULK) {
		/* Bulk OUT: taken; the chip's data path is the pty. */
		trace(f, "FTDI OUT %d dropped", urb->buffer_length);
		u->actual = urb->buffer_length;
	} else {
		u->status = -EINVAL;
	}
	sim_usbfs_submitted(&f->urbs, client, u);
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
                         gpointer user_data)
{
	sim_ftdi *f = user_data;
	gulong request = umockdev_ioctl_client_get_request(client);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);

	(void)handler;
	pthread_mutex_lock(&f->lock);
	switch (request) {
	case USBDEVFS_SUBMITURB:
		submit_urb(f, client, arg);
		break;
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY:
		sim_usbfs_reap(&f->urbs, client, arg);
		break;
	case USBDEVFS_DISCARDURB:
		/* Everything completed at submit: nothing left to cancel. */
		umockdev_ioctl_client_complete(client, -1, EINVAL);
		break;
	case USBDEVFS_GET_CAPABILITIES:
		sim_usbfs_capabilities(client, arg, USBDEVFS_CAP_ZERO_PACKET |
		                       USBDEVFS_CAP_NO_PACKET_SIZE_LIM);
		break;
	case USBDEVFS_GETDRIVER:
		/* No ftdi_sio here: nothing to detach. */
		umockdev_ioctl_client_complete(client, -1, ENODATA);
		break;
	case USBDEVFS_DISCONNECT_CLAIM:
		/* libusb's auto-detach claim (libftdi1's AUTO_DETACH_REATACH_
		 * SIO_MODULE): no driver to disconnect, the claim succeeds. */
		trace(f, "FTDI CLAIM");
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_IOCTL:
		/* The re-attach after release (USBDEVFS_CONNECT): a kernel
		 * would probe drivers again; there are none. */
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
	case USBDEVFS_RESET:
		umockdev_ioctl_client_complete(client, 0, 0);
		break;
	default:
		umockdev_ioctl_client_complete(client, -1, ENOTTY);
		break;
	}
	pthread_mutex_unlock(&f->lock);
	return TRUE;
}

/* ---- the adapter ---- */

void sim_ftdi_free(sim_ftdi *f)
{
	if (!f)
		return;
	if (the_adapter == f)
		the_adapter = NULL;
	if (f->handler) {
		g_signal_handlers_disconnect_by_data(f->handler, f);
		sim_usbfs_unwatch(&f->urbs, f->handler);
	}
	/* Trace lines COMMAND's last requests left (their CBUS changes no
	 * longer reach a chip). */
	for (unsigned i = 0; i < f->qlen; i++) {
		const ftdi_event *e = &f->queue[(f->qhead + i) % QUEUE_MAX];
		if (!e->is_cbus)
			sim_trace_line(f->trace, "%s", e->line);
	}
	if (f->testbed)
		g_object_unref(f->testbed);
	if (f->handler)
		g_object_unref(f->handler);
	sim_usbfs_clear(&f->urbs);
	if (f->wake[0] >= 0) {
		close(f->wake[0]);
		close(f->wake[1]);
	}
	pthread_mutex_destroy(&f->lock);
	free(f);
}

sim_ftdi *sim_ftdi_new(unsigned device, sim_trace *trace, char *err,
                       size_t errlen)
{
	sim_ftdi *f = calloc(1, sizeof(*f));
	size_t hexlen = 2 * (18 + SIM_USB_CONFIG_MAX) + 1, reclen = hexlen + 2048;
	char *hex = NULL, *record = NULL;
	GError *error = NULL;

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->wake[0] = f->wake[1] = -1;
	pthread_mutex_init(&f->lock, NULL);
	f->trace = trace;
	f->latency = 16;            /* the FT-X's default */
	f->cbus = 0x0F;
	snprintf(f->serial, sizeof(f->serial), "SIMFT%03u", device % 1000);
	sim_usb_desc_ftdi(&f->desc, f->serial);
	snprintf(f->devnode, sizeof(f->devnode), "/dev/bus/usb/001/%03u", DEVNUM);
	hex = malloc(hexlen);
	record = malloc(reclen);
	if (!hex || !record || pipe2(f->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	f->testbed = umockdev_testbed_new();
	f->handler = umockdev_ioctl_base_new();
	if (!f->testbed || !f->handler) {
		snprintf(err, errlen, "cannot set up the umockdev test bed for the "
		         "FTDI adapter");
		goto fail;
	}
	g_signal_connect(f->handler, "handle-ioctl", G_CALLBACK(on_ioctl), f);
	sim_usbfs_init(&f->urbs, &f->lock, f->handler);
	if (!umockdev_testbed_attach_ioctl(f->testbed, f->devnode, f->handler,
	                                   &error)) {
		snprintf(err, errlen, "cannot serve %s: %s", f->devnode,
		         error ? error->message : "?");
		goto fail;
	}
	sim_usb_desc_hex(&f->desc, hex, hexlen);
	snprintf(record, reclen,
	         "P: %s/%s\n"
	         "N: bus/usb/001/%03u\n"
	         "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
	         "E: BUSNUM=001\nE: DEVNUM=%03u\nE: DEVNAME=%s\n"
	         "E: ID_VENDOR_ID=%04x\nE: ID_MODEL_ID=%04x\n"
	         "A: busnum=1\\n\nA: devnum=%u\\n\nA: speed=12\\n\n"
	         "A: bConfigurationValue=1\\n\nA: bcdDevice=1000\\n\n"
	         "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\n"
	         "A: manufacturer=%s\\n\nA: product=%s\\n\nA: serial=%s\\n\n"
	         "H: descriptors=%s\n",
	         SYS_PARENT, SYSNAME, DEVNUM, DEVNUM, f->devnode,
	         f->desc.vid, f->desc.pid, DEVNUM, f->desc.vid, f->desc.pid,
	         f->desc.strings[1], f->desc.strings[2], f->desc.strings[3], hex);
	if (!umockdev_testbed_add_from_string(f->testbed, record, &error)) {
		snprintf(err, errlen, "cannot add the FTDI adapter: %s",
		         error ? error->message : "?");
		goto fail;
	}
	sim_trace_line(trace, "ENUMERATE %04x:%04x ftdi", f->desc.vid,
	               f->desc.pid);
	free(hex);
	free(record);
	the_adapter = f;
	return f;
fail:
	if (error)
		g_error_free(error);
	free(hex);
	free(record);
	sim_ftdi_free(f);
	return NULL;
}

const char *sim_ftdi_path(const sim_ftdi *f)
{
	(void)f;
	return SYSNAME;
}

const char *sim_ftdi_serial(const sim_ftdi *f)
{
	return f->serial;
}

int sim_ftdi_fd(const sim_ftdi *f)
{
	return f->wake[0];
}

/* COMMAND gets umockdev's preload library first, so libusb in libftdi1
 * sees the test bed; an ASan-built COMMAND must be told to accept it. */
void sim_ftdi_child_env(void)
{
	const char *old = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
	char *v;
	size_t n;

	if (!the_adapter)
		return;
	n = strlen(UMOCKDEV_PRELOAD) + (old ? strlen(old) + 1 : 0) + 1;
	if ((v = malloc(n))) {
		snprintf(v, n, "%s%s%s", UMOCKDEV_PRELOAD, old && *old ? ":" : "",
		         old ? old : "");
		setenv("LD_PRELOAD", v, 1);
		free(v);
	}
	n = (asan ? strlen(asan) : 0) + 32;
	if ((v = malloc(n))) {
		snprintf(v, n, "%s%sverify_asan_link_order=0", asan ? asan : "",
		         asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", v, 1);
		free(v);
	}
	if (!getenv("UMOCKDEV_DIR")) {
		gchar *root = umockdev_testbed_get_root_dir(the_adapter->testbed);
		setenv("UMOCKDEV_DIR", root, 1);
		g_free(root);
	}
}

/* libusb: finding DFU interfaces, the control-transfer hook and the
 * sentences for USB failures (see dfu_usb.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu_usb.h"

/* ---- time ------------------------------------------------------------- */

uint64_t dfu_usb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void dfu_usb_sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- the control-transfer hook ---------------------------------------- */

static int io_control(void *user, uint8_t type, uint8_t request,
                      uint16_t value, uint16_t index, uint8_t *data,
                      uint16_t length, unsigned timeout_ms)
{
	dfu_usb_link *l = user;
	int rc = libusb_control_transfer(l->h, type, request, value, index, data,
	                                 length, timeout_ms);

	if (rc >= 0)
		return rc;
	snprintf(l->err, sizeof(l->err), "%s", libusb_error_name(rc));
	switch (rc) {
	case LIBUSB_ERROR_PIPE:
		return DFU_IO_STALL;
	case LIBUSB_ERROR_NO_DEVICE:
		return DFU_IO_GONE;
	case LIBUSB_ERROR_TIMEOUT:
		return DFU_IO_TIMEOUT;
	default:
		return DFU_IO_ERROR;
	}
}

static uint64_t io_now(void *user)
{
	(void)user;
	return dfu_usb_now_ms();
}

static void io_sleep(void *user, unsigned ms)
{
	(void)user;
	dfu_usb_sleep_ms(ms);
}

static const char *io_error(void *user)
{
	return ((dfu_usb_link *)user)->err;
}

void dfu_usb_io(dfu_io *io, dfu_usb_link *link)
{
	io->user = link;
	io->control = io_control;
	io->now_ms = io_now;
	io->sleep_ms = io_sleep;
	io->error = io_error;
}

/* ---- queued uploads ----------------------------------------------------- */

/* How many UPLOADs wait on the control pipe at once: two hide the host's
 * turnaround behind the wire time of the one before; more gain nothing
 * and would only be cancelled after a failure. */
#define UPLOAD_WINDOW 3

typedef struct upload_slot {
	struct libusb_transfer *x;
	unsigned char *mem;        /* setup packet + data */
	int done;
} upload_slot;

static void LIBUSB_CALL upload_done(struct libusb_transfer *x)
{
	((upload_slot *)x->user_data)->done = 1;
}

static int transfer_rc(const struct libusb_transfer *x, uint16_t len)
{
	switch (x->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		return x->actual_length == len ? 0 : DFU_IO_ERROR;
	case LIBUSB_TRANSFER_STALL:
		return DFU_IO_STALL;
	case LIBUSB_TRANSFER_NO_DEVICE:
		return DFU_IO_GONE;
	case LIBUSB_TRANSFER_TIMED_OUT:
		return DFU_IO_TIMEOUT;
	default:
		return DFU_IO_ERROR;
	}
}

static void wait_slot(dfu_usb_link *l, upload_slot *u)
{
	while (!u->done)
		if (libusb_handle_events_completed(l->usb, &u->done) < 0 &&
		    !u->done) {
			/* The event loop itself failed: cancel so the callback
			 * still comes, then keep waiting for it. */
			libusb_cancel_transfer(u->x);
		}
}

int dfu_usb_upload_many(void *user, uint16_t intf, uint16_t first,
                        unsigned count, uint8_t *buf, uint16_t len,
                        unsigned timeout_ms, unsigned *done)
{
	dfu_usb_link *l = user;
	upload_slot slot[UPLOAD_WINDOW];
	unsigned sent = 0, fin = 0;
	int rc = 0;

	*done = 0;
	memset(slot, 0, sizeof(slot));
	for (unsigned i = 0; i < UPLOAD_WINDOW; i++) {
		slot[i].x = libusb_alloc_transfer(0);
		slot[i].mem = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)len);
		if (!slot[i].x || !slot[i].mem) {
			rc = DFU_IO_ERROR;
			snprintf(l->err, sizeof(l->err), "out of memory");
			goto out;
		}
	}
	while (fin < count) {
		upload_slot *u;
		while (!rc && sent < count && sent - fin < UPLOAD_WINDOW) {
			u = &slot[sent % UPLOAD_WINDOW];
			libusb_fill_control_setup(u->mem, 0xA1 /* class IN, iface */,
			                          DFU_UPLOAD, (uint16_t)(first + sent),
			                          intf, len);
			libusb_fill_control_transfer(u->x, l->h, u->mem, upload_done,
			                             u, timeout_ms);
			u->done = 0;
			int r = libusb_submit_transfer(u->x);
			if (r < 0) {
				snprintf(l->err, sizeof(l->err), "%s",
				         libusb_error_name(r));
				rc = r == LIBUSB_ERROR_NO_DEVICE ? DFU_IO_GONE
				                                 : DFU_IO_ERROR;
				break;
			}
			sent++;
		}
		if (fin == sent)
			break;
		u = &slot[fin % UPLOAD_WINDOW];
		wait_slot(l, u);
		if (!rc && (rc = transfer_rc(u->x, len)) != 0) {
			snprintf(l->err, sizeof(l->err), "%s (%d of %u bytes)",
			         libusb_error_name(u->x->status == LIBUSB_TRANSFER_STALL
			                                   ? LIBUSB_ERROR_PIPE
			                                   : LIBUSB_ERROR_IO),
			         u->x->actual_length, len);
			/* The ones queued behind it are of no use now. */
			for (unsigned k = fin + 1; k < sent; k++)
				libusb_cancel_transfer(slot[k % UPLOAD_WINDOW].x);
		}
		if (!rc) {
			memcpy(buf + (size_t)fin * len,
			       libusb_control_transfer_get_data(u->x), len);
			*done = fin + 1;
		}
		fin++;
	}
out:
	for (unsigned i = 0; i < UPLOAD_WINDOW; i++) {
		if (slot[i].x)
			libusb_free_transfer(slot[i].x);
		free(slot[i].mem);
	}
	return rc;
}

/* ---- errors ----------------------------------------------------------- */

stp_status dfu_usb_fail(stp_ctx *ctx, int rc, const char *what,
                        const char *where)
{
	switch (rc) {
	case LIBUSB_ERROR_ACCESS:
		return stp_fail(ctx, STP_ERR_ACCESS,
		                "install the udev rule shipped in contrib/udev/ "
		                "(50-stmprog.rules) into /etc/udev/rules.d/, run "
		                "`udevadm control --reload-rules && udevadm trigger`, "
		                "add yourself to the plugdev group (then log in "
		                "again) and re-plug the board",
		                "%s: %s: permission denied", where, what);
	case LIBUSB_ERROR_NOT_SUPPORTED:
		return stp_fail(ctx, STP_ERR_ACCESS,
		                "on Windows the bootloader needs the WinUSB driver: "
		                "install it with Zadig for \"STM32 BOOTLOADER\" "
		                "(0483:DF11) in place of the DfuSe/STTub30 driver "
		                "(\"STM Device in DFU Mode\"), which libusb cannot use",
		                "%s: %s: the operating system's driver for the "
		                "device does not let libusb use it",
		                where, what);
	case LIBUSB_ERROR_BUSY:
		return stp_fail(ctx, STP_ERR_ACCESS,
		                "close the other program (STM32CubeProgrammer, "
		                "dfu-util, DfuSe, another stmprog) and try again",
		                "%s: %s: another program has the DFU interface",
		                where, what);
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND:
		return stp_fail(ctx, STP_ERR_DISCONNECTED,
		                "check the cable, reset the chip into its bootloader "
		                "and try again",
		                "%s: %s: the device is gone", where, what);
	default:
		return stp_fail(ctx, STP_ERR_IO, "check the cable and try again",
		                "%s: %s failed: %s", where, what,
		                libusb_error_name(rc));
	}
}

/* ST-LINK product IDs (VID 0483): V1, V2, V2-1, V3 variants. */
static bool is_stlink(uint16_t vid, uint16_t pid)
{
	static const uint16_t pids[] = {0x3744, 0x3748, 0x374A, 0x374B, 0x374D,
	                                0x374E, 0x374F, 0x3752, 0x3753, 0x3754,
	                                0x3757};

	if (vid != 0x0483)
		return false;
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static const char *filter_str(const stp_portspec *spec, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (spec->usb_path[0])
		n += (size_t)snprintf(buf + n, len - n, " path=%s", spec->usb_path);
	if (spec->serial[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, " sn=%s", spec->serial);
	if (spec->vid >= 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " VID=0x%04X", spec->vid);
	if (spec->pid >= 0 && n < len)
		snprintf(buf + n, len - n, " PID=0x%04X", spec->pid);
	return buf[0] ? buf + 1 : buf;
}

stp_status dfu_usb_none_found(stp_ctx *ctx, const dfu_scan *sc,
                              const stp_portspec *spec)
{
	char f[200];

	if (sc->unfiltered && spec)
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "`stmprog -l usb` lists the DFU devices with their "
		                "paths, serial numbers and IDs",
		                "no USB DFU device matches %s (%zu other DFU "
		                "device%s attached)",
		                filter_str(spec, f, sizeof(f)), sc->unfiltered,
		                sc->unfiltered == 1 ? " is" : "s are");
	if (sc->stlink_pid)
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "DFU needs the target chip's own USB connector (the "
		                "one wired to its USB pins), with BOOT0 high at reset "
		                "or a software jump into the bootloader; the "
		                "ST-LINK's connector only reaches the debugger",
		                "no USB DFU device found, but an ST-LINK (0483:%04X) "
		                "is attached at %s: the cable is on the debugger's "
		                "USB connector",
		                sc->stlink_pid, sc->stlink_at);
	return stp_fail(ctx, STP_ERR_NOT_FOUND,
	                "check that BOOT0 was high when the chip came out of reset "
	                "(or that the application jumped into the bootloader); "
	                "that the cable carries data and goes to the chip's own "
	                "USB connector; that parts whose DFU bootloader needs an "
	                "external crystal have one AN2606 lists for them; `lsusb` "
	                "should show 0483:df11",
	                "no USB DFU device found");
}

/* ---- scanning --------------------------------------------------------- */

static void locate(libusb_device *dev, dfu_found *f)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	size_t len;

	f->bus = libusb_get_bus_number(dev);
	f->devnum = libusb_get_device_address(dev);
	if (n <= 0) {
		snprintf(f->location, sizeof(f->location), "%u-@%u", f->bus,
		         f->devnum);
		f->located = false;
		return;
	}
	len = (size_t)snprintf(f->location, sizeof(f->location), "%u-%u", f->bus,
	                       ports[0]);
	for (int i = 1; i < n && len < sizeof(f->location); i++)
		len += (size_t)snprintf(f->location + len, sizeof(f->location) - len,
		                        ".%u", ports[i]);
	f->located = true;
}

bool dfu_same_place(const dfu_found *a, const char *location, uint8_t bus,
                    bool located)
{
	if (a->located && located)
		return !strcmp(a->location, location);
	return a->bus == bus;
}

/* The DFU functional descriptor sits in the interface's extra bytes (or,
 * on some devices, after the interface in the configuration's). */
bool dfu_usb_functional(const uint8_t *p, int len, dfu_found *f)
{
	while (len >= 2 && p[0] >= 2 && p[0] <= len) {
		if (p[1] == DFU_FUNC_DESC && p[0] >= 7) {
			f->attrs = p[2];
			f->detach_ms = (uint16_t)(p[3] | p[4] << 8);
			f->xfer = (uint16_t)(p[5] | p[6] << 8);
			f->bcd_dfu = p[0] >= 9 ? (uint16_t)(p[7] | p[8] << 8) : 0x0100;
			return true;
		}
		len -= p[0];
		p += p[0];
	}
	return false;
}

/* One string; a stall means the device has no such string (empty), but
 * a timeout or an I/O error is a transfer that failed: tried once more,
 * then returned, so the layout strings of an alt are never taken as empty
 * (and the chip as unknown) because one answer came late. */
static int read_string(libusb_device_handle *h, uint8_t idx, char *buf,
                       size_t len)
{
	int rc = 0;

	buf[0] = '\0';
	if (!idx)
		return 0;
	for (int tries = 0; tries < 2; tries++) {
		rc = libusb_get_string_descriptor_ascii(h, idx, (unsigned char *)buf,
		                                        (int)len);
		if (rc >= 0 || rc == LIBUSB_ERROR_PIPE)
			break;
	}
	dfu_usb_string_text(buf, len, rc);
	return rc < 0 && rc != LIBUSB_ERROR_PIPE ? rc : 0;
}

void dfu_usb_string_text(char *buf, size_t len, int rc)
{
	if (rc < 0)
		buf[0] = '\0';
	/* The device chose these bytes: control characters in them would
	 * reach the user's terminal through -l usb and every message that
	 * quotes a layout string. */
	stp_escape(buf, len, buf);
}

static void read_strings(dfu_found *f, uint8_t iserial, uint8_t iproduct)
{
	libusb_device_handle *h;
	int rc = libusb_open(f->dev, &h);

	if (rc) {
		f->strings_rc = rc;
		return;
	}
	f->strings_rc = read_string(h, iserial, f->serial, sizeof(f->serial));
	if ((rc = read_string(h, iproduct, f->product, sizeof(f->product))) &&
	    !f->strings_rc)
		f->strings_rc = rc;
	for (unsigned i = 0; i < f->nalts; i++)
		if ((rc = read_string(h, f->alt_istr[i], f->alt_name[i],
		                      sizeof(f->alt_name[i]))) && !f->strings_rc)
			f->strings_rc = rc;
	libusb_close(h);
}

/* The DFU interfaces of one configuration, appended to list. */
static stp_status add_config(stp_ctx *ctx, libusb_device *dev,
                             const struct libusb_device_descriptor *dd,
                             const struct libusb_config_descriptor *cfg,
                             dfu_scan *sc)
{
	for (uint8_t i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];
		dfu_found f;
		bool have = false;

		memset(&f, 0, sizeof(f));
		for (int a = 0; a < itf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *id =
			        &itf->altsetting[a];
			if (id->bInterfaceClass != DFU_CLASS ||
			    id->bInterfaceSubClass != DFU_SUBCLASS)
				continue;
			if (!have) {
				f.intf = id->bInterfaceNumber;
				f.protocol = id->bInterfaceProtocol;
				have = true;
			}
			if (!f.xfer)
				dfu_usb_functional(id->extra, id->extra_length, &f);
			if (f.nalts < STP_MAX_ALTS) {
				f.alt[f.nalts] = id->bAlternateSetting;
				f.alt_istr[f.nalts] = id->iInterface;
				f.nalts++;
			}
		}
		if (!have)
			continue;
		if (!f.xfer)
			dfu_usb_functional(cfg->extra, cfg->extra_length, &f);
		if (!f.xfer)
			f.xfer = 1024; /* DFU 1.1 says the descriptor is there;
			                  a device without it gets a safe size */
		f.dev = libusb_ref_device(dev);
		f.vid = dd->idVendor;
		f.pid = dd->idProduct;
		f.bcd = dd->bcdDevice;
		f.config = cfg->bConfigurationValue;
		locate(dev, &f);
		{
			dfu_found *v = realloc(sc->v, (sc->n + 1) * sizeof(*v));
			if (!v) {
				libusb_unref_device(f.dev);
				return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
			}
			sc->v = v;
			sc->v[sc->n++] = f;
		}
	}
	return STP_OK;
}

static int compare(const void *pa, const void *pb)
{
	const dfu_found *a = pa, *b = pb;
	uint8_t pa_[8], pb_[8];
	int na = libusb_get_port_numbers(a->dev, pa_, sizeof(pa_));
	int nb = libusb_get_port_numbers(b->dev, pb_, sizeof(pb_));

	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	for (int i = 0; i < na && i < nb; i++)
		if (pa_[i] != pb_[i])
			return pa_[i] < pb_[i] ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	if (a->devnum != b->devnum)
		return a->devnum < b->devnum ? -1 : 1;
	return a->intf < b->intf ? -1 : a->intf > b->intf;
}

/* Whether f is at the place and of the kind spec names (path=, VID=,
 * PID=), its serial string aside. */
static bool matches_place(const dfu_found *f, const stp_portspec *spec)
{
	if (!spec)
		return true;
	/* A device whose port path libusb cannot tell is nowhere a path
	 * could name. */
	if (spec->usb_path[0] &&
	    (!f->located || strcmp(f->location, spec->usb_path)))
		return false;
	if (spec->vid >= 0 && f->vid != spec->vid)
		return false;
	if (spec->pid >= 0 && f->pid != spec->pid)
		return false;
	return true;
}

static bool matches(const dfu_found *f, const stp_portspec *spec)
{
	if (!matches_place(f, spec))
		return false;
	return !spec || !spec->serial[0] || !strcmp(f->serial, spec->serial);
}

stp_status dfu_usb_scan(stp_ctx *ctx, libusb_context *usb,
                        const stp_portspec *filter, bool strings,
                        dfu_scan *out)
{
	libusb_device **list;
	ssize_t n;
	size_t keep = 0;
	stp_status st = STP_OK;

	memset(out, 0, sizeof(*out));
	n = libusb_get_device_list(usb, &list);
	if (n < 0)
		return dfu_usb_fail(ctx, (int)n, "listing USB devices", "usb");
	for (ssize_t i = 0; i < n && !st; i++) {
		struct libusb_device_descriptor dd;
		struct libusb_config_descriptor *cfg;
		size_t before = out->n;

		if (libusb_get_device_descriptor(list[i], &dd))
			continue;
		if (is_stlink(dd.idVendor, dd.idProduct) && !out->stlink_pid) {
			dfu_found tmp;
			memset(&tmp, 0, sizeof(tmp));
			locate(list[i], &tmp);
			out->stlink_pid = dd.idProduct;
			snprintf(out->stlink_at, sizeof(out->stlink_at), "%s",
			         tmp.location);
		}
		if (libusb_get_active_config_descriptor(list[i], &cfg) &&
		    libusb_get_config_descriptor(list[i], 0, &cfg))
			continue;
		st = add_config(ctx, list[i], &dd, cfg, out);
		libusb_free_config_descriptor(cfg);
		/* Strings need the device open: only when asked, since a
		 * device without the udev rule cannot be opened; and only of
		 * devices at the place and of the kind asked for, so opening
		 * one board never touches another (on a production line the
		 * others are being programmed by other threads or processes
		 * at that moment). */
		for (size_t k = before; k < out->n && !st; k++)
			if ((strings || (filter && filter->serial[0])) &&
			    matches_place(&out->v[k], filter))
				read_strings(&out->v[k], dd.iSerialNumber,
				             dd.iProduct);
	}
	libusb_free_device_list(list, 1);
	if (st) {
		dfu_scan_free(out);
		return st;
	}
	out->unfiltered = out->n;
	for (size_t i = 0; i < out->n; i++) {
		if (matches(&out->v[i], filter))
			out->v[keep++] = out->v[i];
		else
			libusb_unref_device(out->v[i].dev);
	}
	out->n = keep;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), compare);
	return STP_OK;
}

stp_status dfu_usb_one_serial(stp_ctx *ctx, const dfu_scan *sc,
                               const stp_portspec *spec)
{
	char paths[400];
	size_t len = 0, places = 0, *first;

	if (!spec->serial[0] || sc->n < 2)
		return STP_OK;
	if (!(first = calloc(sc->n, sizeof(*first))))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* One device may show several DFU interfaces: count places. */
	for (size_t i = 0; i < sc->n; i++) {
		bool seen = false;
		for (size_t k = 0; k < places && !seen; k++)
			seen = dfu_same_place(&sc->v[first[k]], sc->v[i].location,
			                      sc->v[i].bus, sc->v[i].located);
		if (!seen)
			first[places++] = i;
	}
	paths[0] = '\0';
	for (size_t k = 0; k < places && len < sizeof(paths); k++) {
		const dfu_found *f = &sc->v[first[k]];
		len += (size_t)snprintf(paths + len, sizeof(paths) - len,
		                        "%s%s%s",
		                        k == 0 ? "" : k + 1 == places ? " or " : ", ",
		                        f->located ? "path=" : "",
		                        f->located ? f->location
		                                   : "(a device whose port path "
		                                     "libusb cannot tell)");
	}
	free(first);
	if (places < 2)
		return STP_OK;
	return stp_fail(ctx, STP_ERR_PORTSPEC,
	                "the ROM builds its serial string from 48 of the chip's "
	                "96 unique-ID bits, so two chips can show the same one; "
	                "`stmprog -l usb` shows each device's path, which stays "
	                "the same as long as the cable stays in the same port",
	                "sn=%s matches %zu USB DFU devices: select these by "
	                "path: %s",
	                spec->serial, places, paths);
}

void dfu_scan_free(dfu_scan *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		libusb_unref_device(sc->v[i].dev);
	free(sc->v);
	memset(sc, 0, sizeof(*sc));
}

/* FTDI CBUS bit-bang through libftdi1 (ftdi_lines.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ftdi_lines.h"
#include "serial_link.h"

#ifdef HAVE_LIBFTDI1
#include <ftdi.h>
/* libftdi1 hands out libusb devices; libftdi1.pc brings libusb along. */
#include <libusb.h>

typedef struct fl {
	struct ftdi_context *ftdi;
	const stp_portspec *spec;
	uint8_t mask;       /* CBUS pins driven (output enables) */
	uint8_t level;      /* their levels */
	char err[256];
} fl;

/* The CBUS state a list leaves, from a starting state. */
static void cbus_after(const ls_seq *seq, uint8_t *mask, uint8_t *level)
{
	for (size_t i = 0; i < seq->n; i++) {
		const ls_step *s = &seq->steps[i];
		if (s->signal < LS_CBUS0)
			continue;
		uint8_t bit = (uint8_t)(1u << (s->signal - LS_CBUS0));
		*mask |= bit;
		*level = (uint8_t)(s->high ? *level | bit : *level & ~bit);
	}
}

static int fl_fail(fl *f, const char *what)
{
	snprintf(f->err, sizeof(f->err), "%s: %s", what,
	         ftdi_get_error_string(f->ftdi));
	return -1;
}

static int fl_set(void *user, ls_signal sig, bool high)
{
	fl *f = user;

	switch (sig) {
	case LS_RTS:
		return ftdi_setrts(f->ftdi, high) < 0 ? fl_fail(f, "rts") : 0;
	case LS_DTR:
		return ftdi_setdtr(f->ftdi, high) < 0 ? fl_fail(f, "dtr") : 0;
	case LS_BRK: {
		/* The break bit rides on the line-property request, so the
		 * frame format goes with it. */
		enum ftdi_parity_type par = f->spec->parity == STP_PARITY_EVEN ? EVEN
		                            : f->spec->parity == STP_PARITY_ODD
		                                    ? ODD
		                                    : NONE;
		return ftdi_set_line_property2(
		               f->ftdi, f->spec->data_bits == 7 ? BITS_7 : BITS_8,
		               f->spec->stop_halves == 4 ? STOP_BIT_2 : STOP_BIT_1,
		               par, high ? BREAK_ON : BREAK_OFF) < 0
		               ? fl_fail(f, "brk")
		               : 0;
	}
	default: {
		uint8_t bit = (uint8_t)(1u << (sig - LS_CBUS0));
		f->mask |= bit;
		f->level = (uint8_t)(high ? f->level | bit : f->level & ~bit);
		/* High nibble: output enables; low nibble: levels. */
		return ftdi_set_bitmode(f->ftdi, (uint8_t)(f->mask << 4 | f->level),
		                        BITMODE_CBUS) < 0
		               ? fl_fail(f, ls_signal_name(sig))
		               : 0;
	}
	}
}

/* "BUS-PORT.PORT..." of a USB device, as path= and sysfs write it. */
static void usb_path_of(struct libusb_device *dev, char *out, size_t len)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
	size_t at;

	at = (size_t)snprintf(out, len, "%u", libusb_get_bus_number(dev));
	for (int i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%c%u", i ? '.' : '-',
		                       ports[i]);
}

/* Opens the FTDI adapter plugged at path (path=), found among the FTDI
 * parts libftdi1 knows; *bus and *addr say where it was. */
static stp_status open_by_path(stp_ctx *ctx, fl *f, const char *path,
                               int *bus, int *addr)
{
	struct ftdi_device_list *list = NULL, *d;
	char seen[256] = "", here[32];
	size_t at = 0;
	int n;

	/* 0, 0: every FTDI VID:PID libftdi1 knows (FT232R, FT-X, FT2232...). */
	if ((n = ftdi_usb_find_all(f->ftdi, &list, 0, 0)) < 0)
		return stp_fail(ctx, STP_ERR_IO, NULL,
		                "init= cbus: cannot list FTDI adapters: %s",
		                ftdi_get_error_string(f->ftdi));
	for (d = list; d; d = d->next) {
		usb_path_of(d->dev, here, sizeof(here));
		if (!strcmp(here, path))
			break;
		if (at < sizeof(seen))
			at += (size_t)snprintf(seen + at, sizeof(seen) - at, "%s%s",
			                       at ? ", " : "", here);
	}
	if (!d) {
		ftdi_list_free(&list);
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "path= is the adapter's USB port as `lsusb -t` and "
		                "sysfs name it (BUS-PORT[.PORT...])",
		                "init= cbus: no FTDI adapter at USB port %s (path=); "
		                "%s%s", path, n ? "FTDI adapters are at " :
		                "no FTDI adapter is connected", seen);
	}
	*bus = libusb_get_bus_number(d->dev);
	*addr = libusb_get_device_address(d->dev);
	n = ftdi_usb_open_dev(f->ftdi, d->dev);
	ftdi_list_free(&list);
	return n < 0 ? STP_ERR_ACCESS : STP_OK;
}

static void fl_sleep(void *user, unsigned ms)
{
	serial_sleep_ms(ms);
}

static const char *fl_error(void *user)
{
	fl *f = user;

	return f->err;
}

bool ftdi_lines_available(void)
{
	return true;
}

stp_status ftdi_lines_run(stp_ctx *ctx, const stp_portspec *spec, int bus,
                          int addr, const ls_init *init, bool exit_list)
{
	fl f = {.spec = spec};
	ls_driver drv = {.user = &f, .set = fl_set, .sleep_ms = fl_sleep,
	                 .error = fl_error};
	stp_status st;

	stp_log(ctx, STP_LOG_DEBUG, "init= %s through libftdi1 %s",
	        exit_list ? "exit" : "entry", ftdi_get_library_version().version_str);
	if (!spec->usb_path[0] && (bus < 0 || addr < 0))
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "name the adapter with path=BUS-PORT (its USB port)",
		                "init= cbus: the USB bus and address of %s are "
		                "unknown",
		                spec->port);
	if (exit_list)
		cbus_after(&init->entry, &f.mask, &f.level);
	if (!(f.ftdi = ftdi_new()))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* Give the device back to ftdi_sio on close, so the tty returns.
	 * Where no driver is bound (a jig's FTDI chip without a tty in use,
	 * the simulator's adapter) libusb's claim and re-attach find
	 * nothing to do. */
	f.ftdi->module_detach_mode = AUTO_DETACH_REATACH_SIO_MODULE;
	if (spec->usb_path[0]) {
		st = open_by_path(ctx, &f, spec->usb_path, &bus, &addr);
		if (st == STP_ERR_NOT_FOUND || st == STP_ERR_IO) {
			ftdi_free(f.ftdi);
			return st;
		}
	} else {
		st = ftdi_usb_open_bus_addr(f.ftdi, (uint8_t)bus, (uint8_t)addr) < 0
		             ? STP_ERR_ACCESS : STP_OK;
	}
	if (st) {
		st = stp_fail(ctx, STP_ERR_ACCESS,
		              "libftdi1 needs write access to the USB device: "
		              "install contrib/udev/50-stmprog.rules",
		              "init= cbus: cannot open the FTDI adapter of %s "
		              "(USB %d:%d) with libftdi1: %s",
		              spec->port, bus, addr, ftdi_get_error_string(f.ftdi));
		ftdi_free(f.ftdi);
		return st;
	}
	st = ls_run(ctx, exit_list ? &init->exit : &init->entry, &drv,
	            exit_list ? "exit" : "entry", spec->port);
	/* No BITMODE_RESET: the pins must keep BOOT0/NRST where the list
	 * left them. */
	ftdi_usb_close(f.ftdi);
	ftdi_free(f.ftdi);
	return st;
}

stp_status ftdi_lines_wait_port(stp_ctx *ctx, const char *port,
                                unsigned timeout_ms)
{
	uint64_t end = serial_now_ms() + timeout_ms;

	/* udev recreates the node once ftdi_sio has bound again. */
	while (access(port, R_OK | W_OK) != 0) {
		if (serial_now_ms() >= end)
			return stp_fail(ctx, STP_ERR_NOT_FOUND,
			                "re-plug the adapter; if the name changed, name "
			                "it by /dev/serial/by-id/...",
			                "%s did not come back within %u ms after the "
			                "CBUS sequence (ftdi_sio re-attach)",
			                port, timeout_ms);
		serial_sleep_ms(50);
	}
	return STP_OK;
}

#else

bool ftdi_lines_available(void)
{
	return false;
}

stp_status ftdi_lines_run(stp_ctx *ctx, const stp_portspec *spec, int bus,
                          int addr, const ls_init *init, bool exit_list)
{
	return stp_fail(ctx, STP_ERR_UNSUPPORTED,
	                "build stmprog with libftdi1 (libftdi1-dev) for CBUS pins",
	                "init= names CBUS pins, and this stmprog was built "
	                "without libftdi1");
}

stp_status ftdi_lines_wait_port(stp_ctx *ctx, const char *port,
                                unsigned timeout_ms)
{
	return STP_OK;
}

#endif

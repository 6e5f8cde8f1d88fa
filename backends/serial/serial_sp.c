/* The serial link through libserialport (serial_impl.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libserialport.h>

#include "serial_impl.h"

#define SP(sl) ((struct sp_port *)(sl)->sp)

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

bool serial_sp_knows(const char *path)
{
	struct sp_port *p;

	if (sp_get_port_by_name(path, &p) != SP_OK)
		return false;
	sp_free_port(p);
	return true;
}

void serial_describe(const char *port, serial_usb *out)
{
	struct sp_port *p;

	memset(out, 0, sizeof(*out));
	out->bus = out->addr = -1;
	if (sp_get_port_by_name(port, &p) != SP_OK)
		return;
	out->known = true;
	copy(out->description, sizeof(out->description),
	     sp_get_port_description(p));
	if (sp_get_port_transport(p) == SP_TRANSPORT_USB) {
		out->usb = true;
		if (sp_get_port_usb_vid_pid(p, &out->vid, &out->pid) != SP_OK)
			out->vid = out->pid = 0;
		if (sp_get_port_usb_bus_address(p, &out->bus, &out->addr) != SP_OK)
			out->bus = out->addr = -1;
		copy(out->serial, sizeof(out->serial), sp_get_port_usb_serial(p));
		copy(out->manufacturer, sizeof(out->manufacturer),
		     sp_get_port_usb_manufacturer(p));
		copy(out->product, sizeof(out->product), sp_get_port_usb_product(p));
	}
	sp_free_port(p);
}

/* libserialport's message for the last failure, into sl->err. */
static int sp_error(serial_link *sl, const char *what)
{
	char *msg = sp_last_error_message();

	snprintf(sl->err, sizeof(sl->err), "%s: %s", what, msg ? msg : "?");
	sp_free_error_message(msg);
	return -1;
}

static int sp_write_(serial_link *sl, const uint8_t *buf, size_t len,
                     unsigned timeout_ms)
{
	enum sp_return r = sp_blocking_write(SP(sl), buf, len, timeout_ms);

	if (r < 0)
		return sp_error(sl, "write");
	if ((size_t)r < len) {
		snprintf(sl->err, sizeof(sl->err),
		         "only %d of %zu bytes went out in %u ms (flow control?)",
		         (int)r, len, timeout_ms);
		return -1;
	}
	return 0;
}

static int sp_read_(serial_link *sl, uint8_t *buf, size_t len,
                    unsigned timeout_ms)
{
	/* A timeout of 0 means "forever" to sp_blocking_read. */
	enum sp_return r = timeout_ms
	                           ? sp_blocking_read(SP(sl), buf, len, timeout_ms)
	                           : sp_nonblocking_read(SP(sl), buf, len);

	if (r < 0)
		return sp_error(sl, "read");
	return (int)r;
}

static void sp_flush_(serial_link *sl)
{
	sp_flush(SP(sl), SP_BUF_INPUT);
}

static int sp_set_line(serial_link *sl, ls_signal sig, bool high)
{
	enum sp_return r;

	switch (sig) {
	case LS_RTS:
		r = sp_set_rts(SP(sl), high ? SP_RTS_ON : SP_RTS_OFF);
		break;
	case LS_DTR:
		r = sp_set_dtr(SP(sl), high ? SP_DTR_ON : SP_DTR_OFF);
		break;
	case LS_BRK:
		r = high ? sp_start_break(SP(sl)) : sp_end_break(SP(sl));
		break;
	default:
		strcpy(sl->err, "not a serial-port line");
		return -1;
	}
	return r == SP_OK ? 0 : sp_error(sl, ls_signal_name(sig));
}

static void sp_close_(serial_link *sl)
{
#ifndef _WIN32
	int fd;

	if (sp_get_port_handle(SP(sl), &fd) == SP_OK)
		serial_unlock_fd(fd);
#endif
	sp_close(SP(sl));
	sp_free_port(SP(sl));
}

static const serial_impl sp_impl = {
	.write = sp_write_,
	.read = sp_read_,
	.flush = sp_flush_,
	.set_line = sp_set_line,
	.close = sp_close_,
};

/* Line settings only.  A fresh sp_port_config leaves every field at -1,
 * "do not change"; RTS and DTR stay so, because setting them fails on
 * ports without modem lines and may reset or reboot a board. */
static stp_status configure(stp_ctx *ctx, const stp_portspec *spec,
                            serial_link *sl)
{
	static const enum sp_parity parity[] = {
		[STP_PARITY_NONE] = SP_PARITY_NONE,
		[STP_PARITY_ODD] = SP_PARITY_ODD,
		[STP_PARITY_EVEN] = SP_PARITY_EVEN,
	};
	struct sp_port_config *now = NULL, *c = NULL;
	stp_status st = STP_OK;
	bool ok;

	if (sp_new_config(&c) != SP_OK)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	ok = sp_set_config_baudrate(c, (int)sl->baud) == SP_OK &&
	     sp_set_config_bits(c, spec->data_bits ? (int)spec->data_bits : 8) ==
	             SP_OK &&
	     sp_set_config_parity(c, parity[spec->parity]) == SP_OK &&
	     sp_set_config_stopbits(c, spec->stop_halves == 4 ? 2 : 1) == SP_OK &&
	     sp_set_config_xon_xoff(c, SP_XONXOFF_DISABLED) == SP_OK;
	if (ok && spec->flow == STP_FLOW_HARDWARE) {
		ok = sp_set_config_rts(c, SP_RTS_FLOW_CONTROL) == SP_OK &&
		     sp_set_config_cts(c, SP_CTS_FLOW_CONTROL) == SP_OK;
	} else if (ok) {
		/* Clearing CTS flow control while RTS is still under flow
		 * control is refused ("asymmetric"): a port left so by another
		 * program gets RTS on, as the kernel had it. */
		if (sp_new_config(&now) == SP_OK &&
		    sp_get_config(SP(sl), now) == SP_OK) {
			enum sp_rts rts;
			if (sp_get_config_rts(now, &rts) == SP_OK &&
			    rts == SP_RTS_FLOW_CONTROL)
				ok = sp_set_config_rts(c, SP_RTS_ON) == SP_OK;
		}
		ok = ok && sp_set_config_cts(c, SP_CTS_IGNORE) == SP_OK;
	}
	if (!ok || sp_set_config(SP(sl), c) != SP_OK) {
		char *msg = sp_last_error_message();
		st = stp_fail(ctx, STP_ERR_IO,
		              "the adapter may not support this baud rate or "
		              "frame format",
		              "cannot set %u baud, %u data bits, parity %s on %s: %s",
		              sl->baud, spec->data_bits ? spec->data_bits : 8,
		              spec->parity == STP_PARITY_EVEN  ? "EVEN"
		              : spec->parity == STP_PARITY_ODD ? "ODD"
		                                               : "NONE",
		              sl->port, msg ? msg : "?");
		sp_free_error_message(msg);
	}
	if (now)
		sp_free_config(now);
	sp_free_config(c);
	return st;
}

stp_status serial_sp_open(stp_ctx *ctx, const stp_portspec *spec,
                          const char *path, serial_link *sl)
{
	struct sp_port *p;
	enum sp_signal sig;
	stp_status st;

	if (sp_get_port_by_name(path, &p) != SP_OK)
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "`stmprog -l uart` lists the serial ports",
		                "no serial port %s", spec->port);
	if (sp_open(p, SP_MODE_READ_WRITE) != SP_OK) {
		int err = sp_last_error_code();
		char *msg;

#ifndef _WIN32
		if (err == EBUSY) {
			sp_free_port(p);
			return serial_busy(ctx, spec->port, path);
		}
#endif
		msg = sp_last_error_message();
		st = stp_fail(ctx,
		              err == EACCES || err == EPERM ? STP_ERR_ACCESS
		              : err == ENOENT || err == ENODEV || err == ENXIO
		                      ? STP_ERR_NOT_FOUND
		                      : STP_ERR_IO,
		              serial_open_hint(err), "cannot open %s: %s", spec->port,
		              msg ? msg : "?");
		sp_free_error_message(msg);
		sp_free_port(p);
		return st;
	}
	sl->sp = p;
	sl->impl = &sp_impl;
	/* Which of the two paths opened the port (the termios one says so
	 * too): the kernel-in-the-loop test looks for this line. */
	stp_log(ctx, STP_LOG_DEBUG, "%s: opened with libserialport %s (%s)",
	        spec->port, sp_get_package_version_string(),
	        sp_get_port_transport(p) == SP_TRANSPORT_USB ? "a USB adapter"
	                                                     : "not USB");
#ifndef _WIN32
	{
		/* libserialport opens the port shared: lock it as the
		 * termios path does, before anything is changed on it.
		 * (Windows opens COM ports exclusively itself.) */
		int fd;

		if (sp_get_port_handle(p, &fd) == SP_OK &&
		    (st = serial_lock_fd(ctx, fd, spec->port))) {
			sp_close(p);
			sp_free_port(p);
			return st;
		}
	}
#endif
	if ((st = configure(ctx, spec, sl))) {
		sp_close_(sl);
		return st;
	}
	/* Reading the modem status fails where there are no modem lines. */
	sl->modem_lines = sp_get_signals(p, &sig) == SP_OK;
	sp_flush(p, SP_BUF_BOTH);
	return STP_OK;
}

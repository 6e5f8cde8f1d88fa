/* The serial port under the protocol, behind the byte_link and ls_driver
 * interfaces.
 *
 * libserialport opens every port it knows.  libserialport 0.1.1 looks each
 * port up in /sys/class/tty first and refuses the ones it cannot find
 * there, which includes every Linux pseudo-terminal (the simulator's
 * ports); those are opened with termios directly (serial_posix.c).
 *
 * Opening configures baud, data bits, parity, stop bits and flow control
 * only: RTS and DTR are left to init= (on a pseudo-terminal setting them
 * fails, and on a board they may be wired to BOOT0 and NRST). */
#ifndef STMPROG_SERIAL_LINK_H
#define STMPROG_SERIAL_LINK_H

#include <stdbool.h>

#include "byte_link.h"
#include "line_seq.h"
#include "stmprog/portspec.h"

typedef struct serial_link serial_link;

/* What libserialport knows about a port without opening it. */
typedef struct serial_usb {
	bool known;              /* libserialport describes the port */
	bool usb;
	int vid, pid;
	int bus, addr;           /* -1 when unknown */
	char description[128];
	char serial[64];
	char manufacturer[64];
	char product[64];
} serial_usb;

#define SERIAL_VID_FTDI 0x0403

void serial_describe(const char *port, serial_usb *out);

stp_status serial_open(stp_ctx *ctx, const stp_portspec *spec,
                       serial_link **out);
void serial_close(serial_link *sl);
const byte_link *serial_byte_link(serial_link *sl);
/* Drives rts, dtr and brk; cbusN fails (those need ftdi_lines.c). */
const ls_driver *serial_line_driver(serial_link *sl);
/* False when the port has no modem control lines (a pseudo-terminal). */
bool serial_has_modem_lines(const serial_link *sl);
bool serial_is_pty(const serial_link *sl);

/* Monotonic time and pauses for the parts that do not own a link. */
uint64_t serial_now_ms(void);
void serial_sleep_ms(unsigned ms);

#endif

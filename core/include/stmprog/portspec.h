/* libstmprog: port specifications in the vendor CLI's syntax.
 *
 *   port=usb1 sn=206A3583 VID=0x0483 PID=0xDF11
 *   port=usb path=1-2.3           (the DFU device plugged at bus 1, port 2,
 *                                  hub port 3, as `stmprog -l usb` shows)
 *   port=usb:1-2.3                (the same, in one word)
 *   port=usb path=1-4 sn=206A3583 (every key given must match)
 *   port=/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0
 *   port=/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K2Z3C-if00-port0
 *   port=/dev/ttyUSB0 br=115200 P=EVEN db=8 sb=1 fc=OFF noinit=1
 *   port=/dev/ttyUSB0 init=-rts,dtr,-dtr:rts,dtr,-dtr   (our extension)
 *   port=/dev/ttyAMA0 init=17&-18,18:-17&-18,18   (host GPIO lines 17, 18
 *                                  of gpiochip0 through libgpiod;
 *                                  gpiochip1.5 names another chip's)
 *   port=/dev/ttyACM0 path=1-4 init=cbus0,-cbus1,cbus1:-cbus0,-cbus1,cbus1
 *                                 (the CBUS pins of the FTDI adapter at
 *                                  USB port 1-4, not the port's own)
 *   port=COM3 br=57600
 *   port=can0 br=125
 *   port=slcan:/dev/ttyACM0 br=125 speed=500  (SPEED after connecting)
 *   port=slcan:/dev/ttyACM0 br=125
 *
 * The words after -c arrive as separate argv entries or as one string;
 * both are accepted.  Keys are matched case-insensitively, as the vendor
 * CLI does.  A key that does not belong to the port's transport, or a
 * value out of range, is an error naming the key.
 *
 * Ownership and threading: a stp_portspec is a plain struct the caller
 * owns (no pointers inside, nothing to free); parsing fills it and records
 * failures on ctx.  The functions keep no state: any number of threads may
 * call them at once, each with its own context.
 */
#ifndef STMPROG_PORTSPEC_H
#define STMPROG_PORTSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stp_transport {
	STP_TRANSPORT_NONE = 0,
	STP_TRANSPORT_USB,
	STP_TRANSPORT_UART,
	STP_TRANSPORT_CAN
} stp_transport;

typedef enum stp_parity {
	STP_PARITY_NONE = 0,
	STP_PARITY_ODD,
	STP_PARITY_EVEN
} stp_parity;

typedef enum stp_flow {
	STP_FLOW_OFF = 0,
	STP_FLOW_HARDWARE,
	STP_FLOW_SOFTWARE
} stp_flow;

#define STP_PORT_MAX 256

typedef struct stp_portspec {
	char port[STP_PORT_MAX]; /* as given: "usb1", "/dev/ttyUSB0", "slcan:/dev/ttyACM0" */
	stp_transport transport;

	/* USB: port=usbN selects the N-th DFU device (1-based) among those
	 * that match path=, sn=, VID= and PID= (port=usb and port=usb:PATH
	 * count as usb1) */
	unsigned usb_index;
	char serial[128];        /* sn=, "" when not given */
	int vid, pid;            /* VID=, PID=; -1 when not given */

	/* UART */
	unsigned baud;           /* br=, default 115200 */
	stp_parity parity;       /* P=, default EVEN */
	unsigned data_bits;      /* db=, default 8 */
	unsigned stop_halves;    /* sb= in half bits: 2 = 1, 3 = 1.5, 4 = 2 */
	stp_flow flow;           /* fc=, default OFF */
	bool noinit;             /* noinit=1: the bootloader is already synced */
	/* init=ENTRY[:EXIT]: how the adapter's lines (rts, dtr, brk, FTDI
	 * cbus0..cbus3) or the host's GPIO lines (17, gpiochip1.5) drive
	 * BOOT0 and NRST to enter the bootloader and to
	 * leave it; the UART backend parses it.  "" = do not touch the lines. */
	char init_seq[128];

	/* CAN: br= in kbit/s (default 125), FDCAN data rate dbr= in kbit/s
	 * (0 = the chip database's default), fd=0/1 forces classic or FD. */
	unsigned can_kbps;
	unsigned can_data_kbps;
	int can_fd;              /* -1 = from the chip database */
	/* speed=: the rate AN3154's SPEED command switches to after the
	 * connection at br= (0 = stay at br=). */
	unsigned can_speed_kbps;

	/* Bit set for every key the user gave, so defaults can be told apart. */
	uint32_t given;

	/* The part the user named (--chip), 0 = none: stp_target_open takes
	 * it among the parts an ambiguous identification leaves, and fails
	 * when the device says it is another part (ABI 1.2). */
	uint16_t chip_pid;

	/* ABI 1.3, USB: path=BUS-PORT[.PORT...] ("1-2.3", as `stmprog -l
	 * usb` and Linux's sysfs name it) or port=usb:1-2.3 selects the
	 * device plugged there; "" when not given.  Stored in one canonical
	 * form (no leading zeros), so it compares as a string.  UART: the
	 * USB port of the FTDI adapter whose CBUS pins init= drives, when
	 * the port is not that adapter's own tty (a jig with a separate
	 * FTDI chip for the pins; the simulator's pty). */
	char usb_path[32];

	/* ABI 2.1, CAN: window=N, how many AN3154 WRITE frames may be on
	 * their way ahead of their ACKs (1..3; 0 = not given: the backend's
	 * default).  1 is one frame per ACK, as AN3154 draws it: the way out
	 * where a ROM or adapter does not queue frames as assumed. */
	unsigned can_write_window;
} stp_portspec;

/* Bits of stp_portspec.given. */
enum {
	STP_GIVEN_SN = 1u << 0,
	STP_GIVEN_VID = 1u << 1,
	STP_GIVEN_PID = 1u << 2,
	STP_GIVEN_BR = 1u << 3,
	STP_GIVEN_P = 1u << 4,
	STP_GIVEN_DB = 1u << 5,
	STP_GIVEN_SB = 1u << 6,
	STP_GIVEN_FC = 1u << 7,
	STP_GIVEN_NOINIT = 1u << 8,
	STP_GIVEN_DBR = 1u << 9,
	STP_GIVEN_FD = 1u << 10,
	STP_GIVEN_INIT = 1u << 11,
	STP_GIVEN_SPEED = 1u << 12,
	STP_GIVEN_PATH = 1u << 13,
	STP_GIVEN_WINDOW = 1u << 14
};

/* Which transport a port name belongs to, from its shape alone:
 * usbN, usb:PATH -> USB; any /dev/... name (/dev/tty*, /dev/cu.*,
 * /dev/pts/N, /dev/serial/by-id/..., /dev/serial/by-path/...), COMn,
 * \\.\COMn -> UART;
 * canN, vcanN, slcanN, slcan:PATH -> CAN; anything else -> NONE. */
stp_transport stp_port_transport(const char *port);
const char *stp_transport_name(stp_transport t);

/* Parses argc words ("port=usb1", "sn=123"...).  One word may also hold
 * several space-separated pairs.  Fails with STP_ERR_PORTSPEC naming the
 * key or value at fault. */
stp_status stp_portspec_parse(stp_ctx *ctx, int argc, const char *const *argv,
                              stp_portspec *out);
stp_status stp_portspec_parse_string(stp_ctx *ctx, const char *spec,
                                     stp_portspec *out);

/* The inverse, for logs: "port=/dev/ttyUSB0 br=115200 P=EVEN ..." */
const char *stp_portspec_format(const stp_portspec *spec, char *buf,
                                unsigned len);

#ifdef __cplusplus
}
#endif
#endif

/* The host side of USB DFU 1.1: class requests, the device's state
 * machine and GETSTATUS polling, over a small I/O interface (one control
 * transfer, a clock and a sleep) so tests drive it with a scripted fake
 * device and a virtual clock instead of libusb.
 *
 * Time: between two GETSTATUS the host waits exactly the bwPollTimeout
 * the device asked for, and nothing else sleeps.  Every operation that
 * makes the device busy has a deadline; past it the error names the
 * operation and the address.
 */
#ifndef STMPROG_DFU_PROTO_H
#define STMPROG_DFU_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/context.h"

/* Class requests (to the interface). */
enum {
	DFU_DETACH = 0,
	DFU_DNLOAD = 1,
	DFU_UPLOAD = 2,
	DFU_GETSTATUS = 3,
	DFU_CLRSTATUS = 4,
	DFU_GETSTATE = 5,
	DFU_ABORT = 6
};

#define DFU_OUT 0x21 /* host to device, class, interface */
#define DFU_IN 0xA1  /* device to host, class, interface */

/* bState */
enum {
	DFU_APP_IDLE = 0,
	DFU_APP_DETACH = 1,
	DFU_IDLE = 2,
	DFU_DNLOAD_SYNC = 3,
	DFU_DNBUSY = 4,
	DFU_DNLOAD_IDLE = 5,
	DFU_MANIFEST_SYNC = 6,
	DFU_MANIFEST = 7,
	DFU_MANIFEST_WAIT_RESET = 8,
	DFU_UPLOAD_IDLE = 9,
	DFU_ERROR = 10,
	DFU_STATE_UNKNOWN = 0xFF /* what the host believes before it asks */
};

/* bStatus */
enum {
	DFU_OK = 0x00,
	DFU_ERR_TARGET = 0x01,
	DFU_ERR_FILE = 0x02,
	DFU_ERR_WRITE = 0x03,
	DFU_ERR_ERASE = 0x04,
	DFU_ERR_CHECK_ERASED = 0x05,
	DFU_ERR_PROG = 0x06,
	DFU_ERR_VERIFY = 0x07,
	DFU_ERR_ADDRESS = 0x08,
	DFU_ERR_NOTDONE = 0x09,
	DFU_ERR_FIRMWARE = 0x0A,
	DFU_ERR_VENDOR = 0x0B,
	DFU_ERR_USBR = 0x0C,
	DFU_ERR_POR = 0x0D,
	DFU_ERR_UNKNOWN = 0x0E,
	DFU_ERR_STALLEDPKT = 0x0F
};

/* What a control transfer can end with besides a byte count; the libusb
 * layer maps libusb's codes onto these. */
enum {
	DFU_IO_STALL = -1,   /* the device refused the request */
	DFU_IO_GONE = -2,    /* the device is no longer on the bus */
	DFU_IO_TIMEOUT = -3, /* no answer within the transfer timeout */
	DFU_IO_ERROR = -4    /* anything else; error() says what */
};

typedef struct dfu_io {
	void *user;
	/* One control transfer on the default pipe; returns the bytes moved
	 * (>= 0) or a DFU_IO_* code. */
	int (*control)(void *user, uint8_t request_type, uint8_t request,
	               uint16_t value, uint16_t index, uint8_t *data,
	               uint16_t length, unsigned timeout_ms);
	uint64_t (*now_ms)(void *user); /* monotonic */
	void (*sleep_ms)(void *user, unsigned ms);
	/* Words for the last DFU_IO_ERROR ("LIBUSB_ERROR_IO"), may be NULL. */
	const char *(*error)(void *user);
} dfu_io;

typedef struct dfu_status {
	uint8_t status;      /* bStatus */
	uint32_t poll_ms;    /* bwPollTimeout */
	uint8_t state;       /* bState */
	uint8_t istring;
} dfu_status;

/* Control transfers that do not make the device work (GETSTATUS itself,
 * CLRSTATUS, ABORT, UPLOAD) time out after this; the device answers them
 * from its USB interrupt in well under a millisecond. */
#define DFU_CONTROL_TIMEOUT_MS 5000u

/* For messages about operations that have no address (mass erase). */
#define DFU_NO_ADDR UINT32_MAX

typedef struct dfu_dev {
	stp_ctx *ctx;
	const dfu_io *io;
	const char *where;       /* "usb1 (1-1)", for messages */
	uint16_t intf;           /* wIndex: the DFU interface number */
	uint16_t xfer;           /* wTransferSize */
	uint8_t state;           /* last bState seen, or DFU_STATE_UNKNOWN */
	dfu_status last;         /* the last GETSTATUS answer */
	bool gone;               /* the device left the bus (DFU_IO_GONE) */
	int io_rc;               /* DFU_IO_* of the last failed transfer */
	bool reset_seen;         /* dfu_wait took a vanishing device as done */
	/* -tm: dfu_wait's GETSTATUS waits no longer than what is left of the
	 * deadline (a busy ROM holds it until the operation ends), so the
	 * deadline is kept, not only checked between polls. */
	bool polls_keep_deadline;
	/* Optional: count UPLOADs of len bytes, wValue first, first + 1...,
	 * with the next ones queued on the control pipe while one is on the
	 * wire, so the host's turnaround between two requests is hidden.
	 * Returns 0 when all came back whole, else a DFU_IO_* code (or
	 * DFU_IO_ERROR for a short one); *done = the blocks that came back
	 * whole before it, in order, into buf.  Called with io->user. */
	int (*upload_many)(void *user, uint16_t intf, uint16_t first,
	                   unsigned count, uint8_t *buf, uint16_t len,
	                   unsigned timeout_ms, unsigned *done);
	/* Counters for logs and tests. */
	unsigned polls;
	uint64_t polled_ms;      /* time spent waiting bwPollTimeout */
	unsigned recoveries;     /* CLRSTATUS/ABORT sequences run */
} dfu_dev;

void dfu_init(dfu_dev *d, stp_ctx *ctx, const dfu_io *io, const char *where,
              uint16_t intf, uint16_t xfer);

/* Single requests.  what/addr only make messages name the operation. */
stp_status dfu_get_status(dfu_dev *d, dfu_status *st, const char *what,
                          uint32_t addr);
stp_status dfu_clear_status(dfu_dev *d);
stp_status dfu_abort(dfu_dev *d);
stp_status dfu_get_state(dfu_dev *d, uint8_t *state);
stp_status dfu_detach(dfu_dev *d, uint16_t timeout_ms);
/* DNLOAD of len bytes (0 allowed) as block `block`; does not poll. */
stp_status dfu_dnload(dfu_dev *d, uint16_t block, const uint8_t *data,
                      uint16_t len, const char *what, uint32_t addr);
/* UPLOAD of up to len bytes as block `block`; *got is what came. */
stp_status dfu_upload(dfu_dev *d, uint16_t block, uint8_t *buf,
                      uint16_t len, uint16_t *got, const char *what,
                      uint32_t addr);

/* After a DNLOAD: GETSTATUS until the device is no longer busy, waiting
 * bwPollTimeout between polls, for at most deadline_ms.  OK when it ends
 * in want (DFU_DNLOAD_IDLE, or DFU_MANIFEST for a leave); a device in
 * dfuERROR gives the decoded status naming what and addr.  With
 * gone_ok, a device that vanishes while being polled is success (the
 * commands after which it resets). */
stp_status dfu_wait(dfu_dev *d, const char *what, uint32_t addr,
                    unsigned deadline_ms, uint8_t want, bool gone_ok);

/* Back to dfuIDLE from wherever the device is: CLRSTATUS from dfuERROR,
 * ABORT from the idle and upload states; a few rounds at most. */
stp_status dfu_recover(dfu_dev *d);

/* "dfuDNBUSY" */
const char *dfu_state_name(uint8_t state);
/* "errWRITE" */
const char *dfu_status_name(uint8_t status);
/* What a bStatus means for the user, one sentence, and what to do. */
const char *dfu_status_sentence(uint8_t status);
const char *dfu_status_hint(uint8_t status);
/* Maps a bStatus to the stp_status it is reported as. */
stp_status dfu_status_code(uint8_t status);

#endif

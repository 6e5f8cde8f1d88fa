/* The DFU backend's libusb side: finding DFU interfaces (DFU mode and
 * run-time), numbering them in a stable order, narrowing by sn=/VID=/PID=,
 * opening and claiming one, the control transfers behind dfu_io, and the
 * words for what goes wrong (no device, the ST-LINK connector, udev
 * permissions, the Windows driver, another program holding the device).
 *
 * Every scan may use a fresh libusb context: after a device re-enumerates
 * (detach, reset, leave) a new context sees the bus as it is now, both on
 * real systems and under umockdev.
 *
 * Threads: nothing here is static and mutable.  Each session (and each
 * listing) owns its libusb context, created with libusb_init and ended
 * with libusb_exit, so sessions in different threads each open their own
 * device at the same time without sharing libusb state; libusb itself
 * serialises what its contexts share (the default-context lock, the
 * hotplug and usbfs bookkeeping).  One session is used by one thread at
 * a time.
 */
#ifndef STMPROG_DFU_USB_H
#define STMPROG_DFU_USB_H

#include <stdbool.h>
#include <stdint.h>

#include <libusb.h>

#include "dfu_proto.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

#define DFU_CLASS 0xFE
#define DFU_SUBCLASS 0x01
#define DFU_PROTO_RUNTIME 1
#define DFU_PROTO_DFU 2
#define DFU_FUNC_DESC 0x21

/* Functional descriptor bmAttributes */
enum {
	DFU_ATTR_CAN_DNLOAD = 1u << 0,
	DFU_ATTR_CAN_UPLOAD = 1u << 1,
	DFU_ATTR_MANIFEST_TOLERANT = 1u << 2,
	DFU_ATTR_WILL_DETACH = 1u << 3
};

/* One DFU interface found on the bus. */
typedef struct dfu_found {
	libusb_device *dev;      /* referenced while the scan lives */
	uint8_t bus, devnum;
	char location[32];       /* "1-1.4"; "1-@5" when the port path is unknown */
	bool located;            /* location is a real port path */
	uint16_t vid, pid, bcd;
	uint8_t config;          /* bConfigurationValue */
	uint8_t intf;            /* bInterfaceNumber */
	uint8_t protocol;        /* DFU_PROTO_RUNTIME or DFU_PROTO_DFU */
	uint8_t attrs;           /* functional descriptor bmAttributes */
	uint16_t detach_ms, xfer, bcd_dfu;
	unsigned nalts;
	uint8_t alt[STP_MAX_ALTS];
	uint8_t alt_istr[STP_MAX_ALTS];
	char alt_name[STP_MAX_ALTS][256];
	char serial[64], product[128];
	int strings_rc;          /* libusb error reading the strings, 0 = read */
} dfu_found;

typedef struct dfu_scan {
	dfu_found *v;
	size_t n;
	size_t unfiltered;       /* DFU interfaces before sn=/VID=/PID= */
	uint16_t stlink_pid;     /* an ST-LINK seen (0 = none) */
	char stlink_at[32];
} dfu_scan;

/* Lists DFU interfaces, sorted by bus, port path and interface; with
 * filter, only those matching all of its path=/sn=/VID=/PID= (sn= needs
 * the strings, so it opens every candidate).  strings: read serial, product and the
 * alternate-setting names (opens each device briefly). */
stp_status dfu_usb_scan(stp_ctx *ctx, libusb_context *usb,
                        const stp_portspec *filter, bool strings,
                        dfu_scan *out);
void dfu_scan_free(dfu_scan *sc);

/* The error for "nothing (matching) there": names the ST-LINK connector
 * when one is attached, else the usual causes. */
stp_status dfu_usb_none_found(stp_ctx *ctx, const dfu_scan *sc,
                              const stp_portspec *spec);

/* sn= was given and matches devices at two or more places (the ROM's
 * serial string leaves out half of the unique ID, so chips collide):
 * fails naming every match's path= instead of taking the first.  STP_OK
 * when sn= is not given or names one device. */
stp_status dfu_usb_one_serial(stp_ctx *ctx, const dfu_scan *sc,
                              const stp_portspec *spec);

/* A libusb failure as a sentence with a hint: rc decides the words
 * (ACCESS: the udev rule; NOT_SUPPORTED: WinUSB/Zadig; BUSY: another
 * program), what and where say what was being done to which device. */
stp_status dfu_usb_fail(stp_ctx *ctx, int rc, const char *what,
                        const char *where);

/* The dfu_io for an open handle (user = the handle's holder below). */
typedef struct dfu_usb_link {
	libusb_device_handle *h;
	libusb_context *usb;     /* h's, for the queued uploads' events */
	char err[96];
} dfu_usb_link;
void dfu_usb_io(dfu_io *io, dfu_usb_link *link);

/* dfu_upload_many_fn (dfu_proto.h) for a dfu_usb_link: UPLOADs queued a
 * few deep on the control pipe. */
int dfu_usb_upload_many(void *user, uint16_t intf, uint16_t first,
                        unsigned count, uint8_t *buf, uint16_t len,
                        unsigned timeout_ms, unsigned *done);

/* Monotonic milliseconds and a sleep, for the parts that wait for a
 * device to come (back). */
uint64_t dfu_usb_now_ms(void);
void dfu_usb_sleep_ms(unsigned ms);

/* Descriptor bytes as the scan reads them, apart from libusb so they can
 * be tested with any bytes.  dfu_usb_functional: the DFU functional
 * descriptor among len bytes of descriptors (an interface's or a
 * configuration's extra bytes) into f's attrs, detach_ms, xfer and
 * bcd_dfu; false when there is none.  dfu_usb_string_text: a string
 * descriptor's text as libusb gave it (rc: its length, or a libusb
 * error), made printable in place (buf holds len bytes, terminated). */
bool dfu_usb_functional(const uint8_t *p, int len, dfu_found *f);
void dfu_usb_string_text(char *buf, size_t len, int rc);

/* Whether a is the same port as b (the same location, or when either
 * port path is unknown, the same bus). */
bool dfu_same_place(const dfu_found *a, const char *location, uint8_t bus,
                    bool located);

#endif

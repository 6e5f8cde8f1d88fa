/* stmprog-sim: USB descriptors of the devices the usb transport shows.
 *
 * Three personalities: the DfuSe ROM bootloader (0483:DF11, one
 * alternate setting per memory), an application with a DFU run-time
 * interface (0483:5740) and an ST-LINK/V2-1 (0483:374B).  Each is a
 * device descriptor, one configuration descriptor with everything that
 * follows it, and string descriptors; the same bytes go to sysfs (where
 * libusb reads them) and to GET_DESCRIPTOR requests. */
#ifndef STMPROG_SIM_USB_DESC_H
#define STMPROG_SIM_USB_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "sim_dfu_layout.h"
#include "stmprog/chip.h"

#define SIM_USB_VID_ST 0x0483
#define SIM_USB_PID_DFU 0xDF11
#define SIM_USB_PID_VCP 0x5740
#define SIM_USB_PID_STLINK_V21 0x374B
#define SIM_USB_VID_FTDI 0x0403
#define SIM_USB_PID_FT230X 0x6015

#define SIM_USB_MAX_STRINGS 12
#define SIM_USB_CONFIG_MAX 512

typedef struct sim_usb_desc {
	uint16_t vid, pid;
	uint8_t device[18];
	uint8_t config[SIM_USB_CONFIG_MAX];
	size_t config_len;
	/* strings[i] is string index i (0 unused: the language list). */
	char strings[SIM_USB_MAX_STRINGS][SIM_DFU_NAME_MAX];
	size_t nstrings;
} sim_usb_desc;

/* The ROM bootloader of a chip with this layout and serial string. */
void sim_usb_desc_dfu(sim_usb_desc *d, const sim_dfu_layout *layout,
                      const char *serial);
/* Another wTransferSize in a DFU configuration's functional descriptor
 * (the last descriptor of the configuration). */
void sim_usb_desc_set_xfer(sim_usb_desc *d, uint16_t xfer);
/* An application with a DFU run-time interface. */
void sim_usb_desc_runtime(sim_usb_desc *d, const char *serial);
/* An ST-LINK/V2-1 probe. */
void sim_usb_desc_stlink(sim_usb_desc *d, const char *serial);
/* An FTDI FT230X USB-UART (one vendor-class interface, bulk IN 0x81 and
 * OUT 0x02), as the FT-X datasheet and Linux's ftdi_sio know it. */
void sim_usb_desc_ftdi(sim_usb_desc *d, const char *serial);

/* Answers GET_DESCRIPTOR (type in the high byte of wValue, index in the
 * low byte): up to len bytes into buf, their number, or -1 to stall. */
int sim_usb_desc_get(const sim_usb_desc *d, uint8_t type, uint8_t index,
                     uint8_t *buf, uint16_t len);
/* The device and configuration descriptors as sysfs "descriptors" holds
 * them, in hex, into out (at least 2 * (18 + config_len) + 1 bytes). */
void sim_usb_desc_hex(const sim_usb_desc *d, char *out, size_t outlen);

/* The USB serial string of a chip's DFU ROM, from its 96-bit unique ID
 * (uid in memory order: the word at +0 first, each word little-endian).
 * ROMs differ by family (sim_usb_desc.c says which facts are confirmed
 * on silicon and which are assumed); every scheme keeps at most 48 of
 * the 96 bits, so two chips can show the same serial. */
#define SIM_USB_SERIAL_MAX 25

typedef enum sim_usb_serial_scheme {
	/* hex8(w0 + w2) hex4(w1 >> 16): w1's low half is left out and w0
	 * and w2 only count through their sum (F2, F4, F7, C0, ...) */
	SIM_USB_SERIAL_SUM_W1HI,
	/* hex8(w0 + w2) hex4(w2 >> 16): w1 is left out entirely (F3) */
	SIM_USB_SERIAL_SUM_W2HI,
	/* the same string on every chip: the UID is not used at all */
	SIM_USB_SERIAL_CONSTANT
} sim_usb_serial_scheme;

/* The scheme of chip's ROM; *constant is the string for
 * SIM_USB_SERIAL_CONSTANT (else NULL). */
sim_usb_serial_scheme sim_usb_serial_scheme_of(const stp_chip *chip,
                                               const char **constant);
/* The serial string chip's ROM shows for uid (chip NULL: the F4
 * scheme). */
void sim_usb_serial_from_uid(const stp_chip *chip, const uint8_t uid[12],
                             char out[SIM_USB_SERIAL_MAX]);

#endif

/* stmprog-sim: the descriptor bytes of the simulated USB devices. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sim_usb_desc.h"

enum { DT_DEVICE = 1, DT_CONFIG = 2, DT_STRING = 3, DT_INTERFACE = 4,
       DT_ENDPOINT = 5, DT_DFU_FUNCTIONAL = 0x21 };

/* DFU functional descriptor bmAttributes bits. */
enum { CAN_DNLOAD = 1, CAN_UPLOAD = 2, MANIFEST_TOLERANT = 4, WILL_DETACH = 8 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void device(sim_usb_desc *d, uint16_t pid, uint16_t bcd_device)
{
	uint8_t *p = d->device;

	memset(d, 0, sizeof(*d));
	d->vid = SIM_USB_VID_ST;
	d->pid = pid;
	p[0] = 18;
	p[1] = DT_DEVICE;
	put16(p + 2, 0x0200);       /* bcdUSB 2.0, full speed */
	p[7] = 64;                  /* bMaxPacketSize0 */
	put16(p + 8, SIM_USB_VID_ST);
	put16(p + 10, pid);
	put16(p + 12, bcd_device);
	p[14] = 1;                  /* iManufacturer */
	p[15] = 2;                  /* iProduct */
	p[16] = 3;                  /* iSerialNumber */
	p[17] = 1;                  /* bNumConfigurations */
	d->nstrings = 4;
	snprintf(d->strings[1], sizeof(d->strings[1]), "STMicroelectronics");
}

static uint8_t *config_add(sim_usb_desc *d, size_t len)
{
	uint8_t *p = d->config + d->config_len;

	d->config_len += len;
	memset(p, 0, len);
	p[0] = (uint8_t)len;
	return p;
}

static void config_begin(sim_usb_desc *d, uint8_t ninterfaces)
{
	uint8_t *p = config_add(d, 9);

	p[1] = DT_CONFIG;
	p[4] = ninterfaces;
	p[5] = 1;                   /* bConfigurationValue */
	p[7] = 0xC0;                /* self-powered (bus-powered bit too) */
	p[8] = 50;                  /* 100 mA */
}

static void config_end(sim_usb_desc *d)
{
	put16(d->config + 2, (uint16_t)d->config_len);
}

static void interface(sim_usb_desc *d, uint8_t number, uint8_t alt,
                      uint8_t nendpoints, uint8_t cls, uint8_t sub,
                      uint8_t proto, const char *name)
{
	uint8_t *p = config_add(d, 9);

	p[1] = DT_INTERFACE;
	p[2] = number;
	p[3] = alt;
	p[4] = nendpoints;
	p[5] = cls;
	p[6] = sub;
	p[7] = proto;
	if (name && d->nstrings < SIM_USB_MAX_STRINGS) {
		snprintf(d->strings[d->nstrings], sizeof(d->strings[0]), "%s", name);
		p[8] = (uint8_t)d->nstrings++;
	}
}

static void dfu_functional(sim_usb_desc *d, uint8_t attributes)
{
	uint8_t *p = config_add(d, 9);

	p[1] = DT_DFU_FUNCTIONAL;
	p[2] = attributes;
	put16(p + 3, 255);          /* wDetachTimeOut, ms */
	put16(p + 5, 2048);         /* wTransferSize */
	put16(p + 7, 0x011A);       /* bcdDFUVersion: DfuSe */
}

static void endpoint(sim_usb_desc *d, uint8_t address, uint8_t attributes,
                     uint16_t max_packet)
{
	uint8_t *p = config_add(d, 7);

	p[1] = DT_ENDPOINT;
	p[2] = address;
	p[3] = attributes;
	put16(p + 4, max_packet);
}

void sim_usb_desc_dfu(sim_usb_desc *d, const sim_dfu_layout *layout,
                      const char *serial)
{
	device(d, SIM_USB_PID_DFU, 0x2200);
	snprintf(d->strings[2], sizeof(d->strings[2]), "STM32  BOOTLOADER");
	snprintf(d->strings[3], sizeof(d->strings[3]), "%s", serial);
	config_begin(d, 1);
	for (size_t i = 0; i < layout->nalts; i++)
		interface(d, 0, (uint8_t)i, 0, 0xFE, 0x01, 0x02, layout->alt[i].name);
	/* One functional descriptor after the last alternate setting. */
	dfu_functional(d, CAN_DNLOAD | CAN_UPLOAD | WILL_DETACH);
	config_end(d);
}

void sim_usb_desc_set_xfer(sim_usb_desc *d, uint16_t xfer)
{
	if (d->config_len >= 9 && d->config[d->config_len - 8] == DT_DFU_FUNCTIONAL)
		put16(d->config + d->config_len - 9 + 5, xfer);
}

void sim_usb_desc_runtime(sim_usb_desc *d, const char *serial)
{
	device(d, SIM_USB_PID_VCP, 0x0200);
	snprintf(d->strings[2], sizeof(d->strings[2]),
	         "STM32 Virtual ComPort in FS Mode");
	snprintf(d->strings[3], sizeof(d->strings[3]), "%s", serial);
	config_begin(d, 1);
	/* Only the run-time DFU interface: the simulator does not serve the
	 * serial port itself.  No bitWillDetach: the host must reset. */
	interface(d, 0, 0, 0, 0xFE, 0x01, 0x01, "STM32 DFU Runtime");
	dfu_functional(d, CAN_DNLOAD | CAN_UPLOAD);
	config_end(d);
}

void sim_usb_desc_stlink(sim_usb_desc *d, const char *serial)
{
	device(d, SIM_USB_PID_STLINK_V21, 0x0100);
	snprintf(d->strings[2], sizeof(d->strings[2]), "STM32 STLink");
	snprintf(d->strings[3], sizeof(d->strings[3]), "%s", serial);
	config_begin(d, 1);
	interface(d, 0, 0, 3, 0xFF, 0xFF, 0xFF, "ST-Link Debug");
	endpoint(d, 0x81, 0x02, 64);
	endpoint(d, 0x01, 0x02, 64);
	endpoint(d, 0x82, 0x02, 64);
	config_end(d);
}

void sim_usb_desc_ftdi(sim_usb_desc *d, const char *serial)
{
	device(d, SIM_USB_PID_FT230X, 0x1000); /* bcdDevice 0x1000: FT-X */
	d->vid = SIM_USB_VID_FTDI;
	put16(d->device + 8, SIM_USB_VID_FTDI);
	d->device[7] = 8;           /* FT-X: 8-byte control endpoint */
	snprintf(d->strings[1], sizeof(d->strings[1]), "FTDI");
	snprintf(d->strings[2], sizeof(d->strings[2]), "FT230X Basic UART");
	snprintf(d->strings[3], sizeof(d->strings[3]), "%s", serial);
	config_begin(d, 1);
	d->config[7] = 0x80;        /* bus-powered */
	d->config[8] = 45;          /* 90 mA */
	interface(d, 0, 0, 2, 0xFF, 0xFF, 0xFF, NULL);
	endpoint(d, 0x81, 0x02, 64);
	endpoint(d, 0x02, 0x02, 64);
	config_end(d);
}

int sim_usb_desc_get(const sim_usb_desc *d, uint8_t type, uint8_t index,
                     uint8_t *buf, uint16_t len)
{
	uint8_t s[2 + 2 * (SIM_DFU_NAME_MAX - 1)];
	const uint8_t *src;
	size_t n;

	switch (type) {
	case DT_DEVICE:
		src = d->device;
		n = sizeof(d->device);
		break;
	case DT_CONFIG:
		if (index != 0)
			return -1;
		src = d->config;
		n = d->config_len;
		break;
	case DT_STRING:
		if (index == 0) {
			/* Language list: US English only. */
			s[0] = 4;
			s[1] = DT_STRING;
			put16(s + 2, 0x0409);
			n = 4;
		} else if (index < d->nstrings && d->strings[index][0]) {
			size_t k = strlen(d->strings[index]);
			/* UTF-16LE; every string here is ASCII. */
			for (size_t i = 0; i < k; i++)
				put16(s + 2 + 2 * i, (uint8_t)d->strings[index][i]);
			n = 2 + 2 * k;
			s[0] = (uint8_t)n;
			s[1] = DT_STRING;
		} else {
			return -1;
		}
		src = s;
		break;
	case DT_DFU_FUNCTIONAL:
		/* The last 9 bytes of a DFU configuration. */
		if (d->config_len < 9 || d->config[d->config_len - 8] != DT_DFU_FUNCTIONAL)
			return -1;
		src = d->config + d->config_len - 9;
		n = 9;
		break;
	default:
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(buf, src, n);
	return (int)n;
}

void sim_usb_desc_hex(const sim_usb_desc *d, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(d->device) && used + 3 <= outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%02x", d->device[i]);
	for (size_t i = 0; i < d->config_len && used + 3 <= outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%02x", d->config[i]);
}

/* How each family's ROM builds iSerialNumber from the unique ID.
 *
 * Confirmed on silicon (public reports of the string next to the UID it
 * came from, and disassembly of the ROMs):
 * - F2, F4: hex8(w0 + w2) then the top 4 hex digits of w1 (libopencm3
 *   issue 760, from the F2/F4 system memory; UID 002D0030 3334510B
 *   32313533 gives "325E35633334").
 * - F3: hex8(w0 + w2) then the top 4 hex digits of w2, not w1 (the same
 *   issue; UID 003B0041 50335706 20333333 gives "206E33742033").
 * - F76x/F77x: the F4 scheme (vendor forum: CubeF7's Get_SerialNum, which
 *   is that scheme, matches what the ROM shows).
 * - C071: the F4 scheme (vendor forum thread 788813, four UID/serial
 *   pairs: the sum of the halfwords at +2 and +10, at +0 and +8, then the
 *   one at +6).
 * - F72x/F73x (PID 0x452): the constant "STM32FxSTM32" (one report).
 * - F04x/F07x: the constant "FFFFFFFEFFFF" (candleLight_fw issue 64,
 *   one F072/F042 report).
 *
 * Assumed, not confirmed for real silicon:
 * - every other family with a DFU ROM (L4, L4+, L5, G0, G4, H5, H7, U0,
 *   U3, U5, WB, WBA, F1 connectivity line, L0, L1) is taken to use the F4
 *   scheme.  For the U5 the field report (15-30 U585 boards with
 *   duplicate serials, "48 of the 96 UID bits") agrees with it but gives
 *   no UID/serial pair; an H745 user reported that the F4 formula did not
 *   give his ROM's string, and libopencm3 issue 760 says the F1 ROM does
 *   not read the UID at all, so H7 and F1 are the least certain.
 * - the sum is a 32-bit sum with the carry from the low half into the
 *   high half; the C0 thread's halfword sums would differ only when the
 *   low halves carry, which none of the published pairs shows.
 * - the constant strings hold for every part of those lines, not only
 *   the one reported. */
sim_usb_serial_scheme sim_usb_serial_scheme_of(const stp_chip *chip,
                                               const char **constant)
{
	*constant = NULL;
	if (!chip || !chip->family)
		return SIM_USB_SERIAL_SUM_W1HI;
	if (!strcmp(chip->family, "F3"))
		return SIM_USB_SERIAL_SUM_W2HI;
	if (chip->pid == 0x452) {
		*constant = "STM32FxSTM32";
		return SIM_USB_SERIAL_CONSTANT;
	}
	if (chip->pid == 0x445 || chip->pid == 0x448) {
		*constant = "FFFFFFFEFFFF";
		return SIM_USB_SERIAL_CONSTANT;
	}
	return SIM_USB_SERIAL_SUM_W1HI;
}

void sim_usb_serial_from_uid(const stp_chip *chip, const uint8_t uid[12],
                             char out[SIM_USB_SERIAL_MAX])
{
	const char *constant;
	uint32_t w[3];

	for (int i = 0; i < 3; i++)
		w[i] = (uint32_t)uid[4 * i] | (uint32_t)uid[4 * i + 1] << 8 |
		       (uint32_t)uid[4 * i + 2] << 16 | (uint32_t)uid[4 * i + 3] << 24;
	switch (sim_usb_serial_scheme_of(chip, &constant)) {
	case SIM_USB_SERIAL_CONSTANT:
		snprintf(out, SIM_USB_SERIAL_MAX, "%s", constant);
		break;
	case SIM_USB_SERIAL_SUM_W2HI:
		snprintf(out, SIM_USB_SERIAL_MAX, "%08X%04X",
		         (unsigned)(w[0] + w[2]), (unsigned)(w[2] >> 16));
		break;
	case SIM_USB_SERIAL_SUM_W1HI:
		snprintf(out, SIM_USB_SERIAL_MAX, "%08X%04X",
		         (unsigned)(w[0] + w[2]), (unsigned)(w[1] >> 16));
		break;
	}
}

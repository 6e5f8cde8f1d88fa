/* stmprog -l (see cmd_list.h).  What each backend looks for is said in
 * the words of the user's fix: which USB IDs and interface class, which
 * serial devices, which CAN interfaces. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd_list.h"
#include "stmprog/backend.h"
#include "stmprog/target.h"

typedef struct listing {
	output *out;
	unsigned found;
} listing;

static void print_port(void *user, const stp_port_info *p)
{
	listing *l = user;
	output *out = l->out;

	l->found++;
	output_say(out, "%-24s %-5s %s", p->port, stp_transport_name(p->transport),
	           p->description);
	if (p->vid || p->pid)
		output_say(out, " [%04x:%04x]", p->vid, p->pid);
	/* The ROM's DFU serial string is derived from the chip's unique
	 * ID, so it names the chip; the UID itself is read on connect. */
	if (p->serial[0])
		output_say(out, " sn=%s", p->serial);
	output_say(out, "\n");
	/* Where it is plugged: what path= (USB) or port= (a serial port's
	 * udev names) selects whatever else gets plugged in.  Names that
	 * carry device strings (by-id holds the USB serial) are escaped
	 * like every device string. */
	if (p->path[0] || p->by_id[0]) {
		char esc[4 * sizeof(p->path)];
		if (p->transport == STP_TRANSPORT_USB)
			output_say(out, "  path=%s",
			           stp_escape(esc, sizeof(esc), p->path));
		else if (p->path[0])
			output_say(out, "  by-path %s",
			           stp_escape(esc, sizeof(esc), p->path));
		if (p->by_id[0])
			output_say(out, "%s by-id %s", p->path[0] ? "," : " ",
			           stp_escape(esc, sizeof(esc), p->by_id));
		if (p->serial_shared)
			output_say(out, " (serial shared with another device: "
			                "select these by path)");
		output_say(out, "\n");
	}
	if (p->details[0])
		output_say(out, "%s\n", p->details);
}

/* What a transport's backend looks for, and the usual fixes. */
static const struct looked_for {
	stp_transport t;
	const char *what;
	const char *fixes;
} looked[] = {
	{STP_TRANSPORT_USB,
	 "USB devices with a DFU interface (class 0xFE, subclass 0x01), any "
	 "VID:PID; an STM32 ROM bootloader is 0483:DF11",
	 "start the chip in its bootloader (BOOT0 high at reset; a virgin "
	 "chip starts there), plug the chip's own USB connector rather than "
	 "the ST-LINK's, and let your user open it (the udev rule "
	 "50-stmprog.rules; lsusb -d 0483:df11 shows the device)"},
	{STP_TRANSPORT_UART,
	 "serial ports (/dev/ttyUSB*, /dev/ttyACM*, /dev/ttyS* and the "
	 "others the system lists)",
	 "plug the USB-serial adapter, check that its kernel driver is loaded "
	 "(ftdi_sio, cp210x, ch341, pl2303) and that your user may open it "
	 "(the dialout group)"},
	{STP_TRANSPORT_CAN,
	 "SocketCAN interfaces (can*, vcan*) and slcan adapters on USB serial "
	 "ports (ttyACM*) that answer the slcan version query",
	 "bring the interface up (ip link set can0 up type can bitrate "
	 "125000), or name an slcan adapter directly: -c port=slcan:/dev/ttyACM0"},
};

static bool has_backend(stp_ctx *ctx, stp_transport t)
{
	const stp_backend_info *list;
	size_t n;

	if (stp_backends_list(ctx, &list, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!list[i].error && list[i].transport == t)
			return true;
	return false;
}

static void say_nothing_found(stp_ctx *ctx, output *out, stp_transport only)
{
	for (size_t i = 0; i < sizeof(looked) / sizeof(looked[0]); i++) {
		const struct looked_for *l = &looked[i];

		if (only != STP_TRANSPORT_NONE && only != l->t)
			continue;
		if (!has_backend(ctx, l->t)) {
			output_say(out, "%s: no backend module is loaded for it "
			           "(stmprog --backends says where they are looked "
			           "for and why one was refused)\n",
			           stp_transport_name(l->t));
			continue;
		}
		output_say(out, "%s: nothing found; looked for %s\n  fix: %s\n",
		           stp_transport_name(l->t), l->what, l->fixes);
	}
}

stp_status list_ports(stp_ctx *ctx, output *out, const char *kind)
{
	stp_transport t = STP_TRANSPORT_NONE;
	listing l = {out, 0};
	stp_status st;

	if (kind) {
		if (!strcasecmp(kind, "usb"))
			t = STP_TRANSPORT_USB;
		else if (!strcasecmp(kind, "uart"))
			t = STP_TRANSPORT_UART;
		else
			t = STP_TRANSPORT_CAN;
	}
	st = stp_enumerate(ctx, t, print_port, &l);
	if (!st && !l.found)
		say_nothing_found(ctx, out, t);
	return st;
}

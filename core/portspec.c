/* Port specifications in the vendor CLI's syntax (see portspec.h).
 *
 * The table of keys below is the whole grammar: each key names the
 * transports it belongs to and the function that checks its value, so an
 * unknown key, a key of another transport and a bad value each get their
 * own sentence naming the key. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmprog/portspec.h"

#define T_USB (1u << STP_TRANSPORT_USB)
#define T_UART (1u << STP_TRANSPORT_UART)
#define T_CAN (1u << STP_TRANSPORT_CAN)

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

stp_transport stp_port_transport(const char *port)
{
	if (!port || !*port)
		return STP_TRANSPORT_NONE;
	if (strncasecmp(port, "usb", 3) == 0 &&
	    (port[3] == '\0' || all_digits(port + 3)))
		return STP_TRANSPORT_USB;
	/* usb:BUS-PORT...: the device plugged there (the path is checked
	 * when the port is set, so a typo gets its own sentence). */
	if (strncasecmp(port, "usb:", 4) == 0 && port[4])
		return STP_TRANSPORT_USB;
	if (strncasecmp(port, "slcan:", 6) == 0 && port[6])
		return STP_TRANSPORT_CAN;
	if (strncasecmp(port, "socketcan:", 10) == 0 && port[10])
		return STP_TRANSPORT_CAN;
	if ((strncmp(port, "can", 3) == 0 && all_digits(port + 3)) ||
	    (strncmp(port, "vcan", 4) == 0 && all_digits(port + 4)) ||
	    (strncmp(port, "slcan", 5) == 0 && all_digits(port + 5)))
		return STP_TRANSPORT_CAN;
	/* Any device path is a serial port: /dev/ttyUSB0, /dev/pts/3,
	 * /dev/serial/by-id/..., /dev/serial/by-path/... (udev's stable
	 * names, which the UART backend opens through the link),
	 * /dev/cu.usbserial-... */
	if (port[0] == '/')
		return STP_TRANSPORT_UART;
	if (strncasecmp(port, "COM", 3) == 0 && all_digits(port + 3))
		return STP_TRANSPORT_UART;
	if (strncmp(port, "\\\\.\\", 4) == 0 && port[4])
		return STP_TRANSPORT_UART;
	return STP_TRANSPORT_NONE;
}

const char *stp_transport_name(stp_transport t)
{
	switch (t) {
	case STP_TRANSPORT_USB:
		return "usb";
	case STP_TRANSPORT_UART:
		return "uart";
	case STP_TRANSPORT_CAN:
		return "can";
	default:
		return "none";
	}
}

/* Value checkers: return false with *why set to what is wrong. */
typedef bool (*value_fn)(stp_portspec *spec, const char *value,
                         const char **why);

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool v_sn(stp_portspec *spec, const char *value, const char **why)
{
	if (!*value || strlen(value) >= sizeof(spec->serial)) {
		*why = "a serial number of 1 to 127 characters";
		return false;
	}
	strcpy(spec->serial, value);
	spec->given |= STP_GIVEN_SN;
	return true;
}

/* A USB port path as Linux's sysfs names the device and `stmprog -l usb`
 * shows it: the bus number, a dash, then the port numbers from the root
 * hub down, separated by dots ("1-2.3": bus 1, root port 2, port 3 of
 * the hub there).  USB allows 7 tiers below the root, so at most 7 port
 * numbers, each 1..255 (libusb_get_port_numbers).  Written back in one
 * canonical form (no leading zeros) so the backend compares strings. */
#define USB_PATH_FORM                                                        \
	"a USB port path BUS-PORT[.PORT...] such as 1-2.3 (bus number, '-', "  \
	"then 1 to 7 port numbers 1..255 separated by '.', as `stmprog -l usb` " \
	"shows it)"

static bool usb_path_parse(const char *value, char *out, size_t outlen)
{
	const char *p = value;
	size_t used = 0;
	unsigned levels = 0;

	for (;;) {
		unsigned long v = 0;
		const char *start = p;
		int n;

		while (*p >= '0' && *p <= '9' && p - start < 4)
			v = v * 10 + (unsigned long)(*p++ - '0');
		if (p == start || (*p >= '0' && *p <= '9'))
			return false;
		/* Bus numbers start at 1 too: 0 is no bus libusb reports. */
		if (v < 1 || v > 255)
			return false;
		n = snprintf(out + used, outlen - used, "%s%lu",
		             levels == 0 ? "" : levels == 1 ? "-" : ".", v);
		if (n < 0 || (size_t)n >= outlen - used)
			return false;
		used += (size_t)n;
		levels++;
		if (levels == 1) {
			if (*p++ != '-')
				return false;
			continue;
		}
		if (!*p)
			break;
		if (*p++ != '.' || levels > 7)
			return false;
	}
	return levels >= 2 && levels <= 8;
}

static bool v_path(stp_portspec *spec, const char *value, const char **why)
{
	if (spec->given & STP_GIVEN_PATH) {
		*why = "one path: the port already names one (port=usb:PATH); "
		       "give either port=usb:PATH or port=usb path=PATH";
		return false;
	}
	spec->given |= STP_GIVEN_PATH;
	if (!usb_path_parse(value, spec->usb_path, sizeof(spec->usb_path))) {
		spec->usb_path[0] = '\0';
		*why = USB_PATH_FORM;
		return false;
	}
	return true;
}

static bool v_id16(const char *value, int *out, const char **why)
{
	unsigned long v;

	if (!parse_uint(value, 0xFFFF, &v)) {
		*why = "a 16-bit number such as 0x0483";
		return false;
	}
	*out = (int)v;
	return true;
}

static bool v_vid(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_VID;
	return v_id16(value, &spec->vid, why);
}

static bool v_pid(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_PID;
	return v_id16(value, &spec->pid, why);
}

static bool v_br(stp_portspec *spec, const char *value, const char **why)
{
	unsigned long v;

	spec->given |= STP_GIVEN_BR;
	if (spec->transport == STP_TRANSPORT_CAN) {
		/* kbit/s, as the vendor CLI and the bootloader's SPEED command */
		if (!parse_uint(value, 1000, &v) || v < 10) {
			*why = "a CAN bit rate in kbit/s from 10 to 1000 (125, 250, 500, 1000)";
			return false;
		}
		spec->can_kbps = (unsigned)v;
		return true;
	}
	if (!parse_uint(value, 12000000, &v) || v < 300) {
		*why = "a baud rate from 300 to 12000000, such as 115200";
		return false;
	}
	spec->baud = (unsigned)v;
	return true;
}

static bool v_parity(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_P;
	if (!strcasecmp(value, "EVEN"))
		spec->parity = STP_PARITY_EVEN;
	else if (!strcasecmp(value, "ODD"))
		spec->parity = STP_PARITY_ODD;
	else if (!strcasecmp(value, "NONE"))
		spec->parity = STP_PARITY_NONE;
	else {
		*why = "one of NONE, ODD, EVEN";
		return false;
	}
	return true;
}

static bool v_db(stp_portspec *spec, const char *value, const char **why)
{
	unsigned long v;

	spec->given |= STP_GIVEN_DB;
	/* The vendor CLI's values; 9 once slipped through and ran as 8. */
	if (!parse_uint(value, 8, &v) || v < 6) {
		*why = "6, 7 or 8 (the bootloader needs 8)";
		return false;
	}
	spec->data_bits = (unsigned)v;
	return true;
}

static bool v_sb(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_SB;
	if (!strcmp(value, "1"))
		spec->stop_halves = 2;
	else if (!strcmp(value, "1.5"))
		spec->stop_halves = 3;
	else if (!strcmp(value, "2"))
		spec->stop_halves = 4;
	else {
		*why = "1, 1.5 or 2";
		return false;
	}
	return true;
}

static bool v_fc(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_FC;
	if (!strcasecmp(value, "OFF"))
		spec->flow = STP_FLOW_OFF;
	else if (!strcasecmp(value, "Hardware") || !strcasecmp(value, "HW") ||
	         !strcasecmp(value, "RTS/CTS"))
		spec->flow = STP_FLOW_HARDWARE;
	else if (!strcasecmp(value, "Software") || !strcasecmp(value, "SW") ||
	         !strcasecmp(value, "XON/XOFF"))
		spec->flow = STP_FLOW_SOFTWARE;
	else {
		*why = "OFF, Hardware or Software";
		return false;
	}
	return true;
}

static bool v_bool(const char *value, bool *out, const char **why)
{
	if (!strcmp(value, "1") || !strcasecmp(value, "yes") ||
	    !strcasecmp(value, "on") || !strcasecmp(value, "true"))
		*out = true;
	else if (!strcmp(value, "0") || !strcasecmp(value, "no") ||
	         !strcasecmp(value, "off") || !strcasecmp(value, "false"))
		*out = false;
	else {
		*why = "0 or 1";
		return false;
	}
	return true;
}

static bool v_noinit(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_NOINIT;
	return v_bool(value, &spec->noinit, why);
}

/* The sequence's grammar belongs to the UART backend, which checks it
 * before it touches the port; here only its length and characters. */
static bool v_init(stp_portspec *spec, const char *value, const char **why)
{
	spec->given |= STP_GIVEN_INIT;
	if (!*value || strlen(value) >= sizeof(spec->init_seq) ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789-,&:.") !=
	            strlen(value)) {
		*why = "a line sequence such as -rts,dtr,-dtr:rts,dtr,-dtr "
		       "(rts, dtr, brk, cbus0..cbus3, GPIO lines 17 or "
		       "gpiochip1.17; '-' low, ',' 100 ms, '&' no delay)";
		return false;
	}
	strcpy(spec->init_seq, value);
	return true;
}

static bool v_dbr(stp_portspec *spec, const char *value, const char **why)
{
	unsigned long v;

	spec->given |= STP_GIVEN_DBR;
	if (!parse_uint(value, 8000, &v) || v < 125) {
		*why = "an FDCAN data bit rate in kbit/s from 125 to 8000";
		return false;
	}
	spec->can_data_kbps = (unsigned)v;
	return true;
}

/* speed=: after connecting at br=, AN3154's SPEED command moves the
 * bootloader (and an adapter that can follow) to a faster rate. */
static bool v_speed(stp_portspec *spec, const char *value, const char **why)
{
	unsigned long v;

	spec->given |= STP_GIVEN_SPEED;
	if (!parse_uint(value, 1000, &v) ||
	    (v != 125 && v != 250 && v != 500 && v != 1000)) {
		*why = "125, 250, 500 or 1000 (kbit/s, the rates SPEED offers)";
		return false;
	}
	spec->can_speed_kbps = (unsigned)v;
	return true;
}

/* window=: AN3154 WRITE frames in flight (docs/can.md, "Performance"). */
static bool v_window(stp_portspec *spec, const char *value, const char **why)
{
	unsigned long v;

	spec->given |= STP_GIVEN_WINDOW;
	if (!parse_uint(value, 3, &v) || v < 1) {
		*why = "1, 2 or 3 (AN3154 WRITE frames sent ahead of their ACKs; "
		       "1 = one frame per ACK)";
		return false;
	}
	spec->can_write_window = (unsigned)v;
	return true;
}

static bool v_fd(stp_portspec *spec, const char *value, const char **why)
{
	bool on;

	spec->given |= STP_GIVEN_FD;
	if (!v_bool(value, &on, why))
		return false;
	spec->can_fd = on;
	return true;
}

/* Keys the vendor CLI takes for its ST-LINK CAN bridge.  They configure
 * that bridge's filters and have no meaning for SocketCAN or slcan; scripts
 * pass them anyway, so their values are checked and then ignored. */
static bool one_of(const char *value, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(value, *words))
			return true;
	return false;
}

#define BRIDGE_KEY(fn, ...)                                                   \
	static bool fn(stp_portspec *spec, const char *value, const char **why) \
	{                                                                       \
		static const char *const words[] = {__VA_ARGS__, NULL};         \
		(void)spec;                                                     \
		*why = "one of " #__VA_ARGS__;                                  \
		return one_of(value, words);                                    \
	}
BRIDGE_KEY(v_mode, "NORMAL", "LOOPBACK", "SILENT", "SILENT_LOOPBACK")
BRIDGE_KEY(v_ide, "STANDARD", "EXTENDED")
BRIDGE_KEY(v_rtr, "DATA", "REMOTE")
BRIDGE_KEY(v_fifo, "FIFO0", "FIFO1")
BRIDGE_KEY(v_fm, "MASK", "LIST")
BRIDGE_KEY(v_fs, "16", "32")
BRIDGE_KEY(v_fe, "ENABLE", "DISABLE")
BRIDGE_KEY(v_fbn, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10",
           "11", "12", "13")

static const struct key {
	const char *name;
	unsigned transports;
	value_fn check;
	/* The ST-LINK CAN bridge's: checked, then ignored, and said so. */
	bool bridge;
} keys[] = {
	{"sn", T_USB, v_sn, false},
	{"VID", T_USB, v_vid, false},
	{"PID", T_USB, v_pid, false},
	/* UART: the FTDI adapter whose CBUS pins init= drives, when it is
	 * not the port's own USB parent. */
	{"path", T_USB | T_UART, v_path, false},
	{"br", T_UART | T_CAN, v_br, false},
	{"P", T_UART, v_parity, false},
	{"db", T_UART, v_db, false},
	{"sb", T_UART, v_sb, false},
	{"fc", T_UART, v_fc, false},
	{"noinit", T_UART, v_noinit, false},
	{"init", T_UART, v_init, false},
	{"dbr", T_CAN, v_dbr, false},
	{"fd", T_CAN, v_fd, false},
	{"speed", T_CAN, v_speed, false},
	{"window", T_CAN, v_window, false},
	{"mode", T_CAN, v_mode, true},
	{"ide", T_CAN, v_ide, true},
	{"rtr", T_CAN, v_rtr, true},
	{"fifo", T_CAN, v_fifo, true},
	{"fm", T_CAN, v_fm, true},
	{"fs", T_CAN, v_fs, true},
	{"fe", T_CAN, v_fe, true},
	{"fbn", T_CAN, v_fbn, true},
};
/* parse.seen has a bit per key. */
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= 32, "too many keys for seen");

static const struct key *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == len &&
		    strncasecmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

static void set_defaults(stp_portspec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->vid = -1;
	spec->pid = -1;
	spec->baud = 115200;
	spec->parity = STP_PARITY_EVEN;
	spec->data_bits = 8;
	spec->stop_halves = 2;
	spec->flow = STP_FLOW_OFF;
	spec->can_kbps = 125;
	spec->can_fd = -1;
}

static const char port_hint[] =
	"use port=usb1 or port=usb:1-2.3 (USB DFU, by number or by where it "
	"is plugged), port=/dev/ttyUSB0 or port=COM3 (UART), "
	"port=can0 or port=slcan:/dev/ttyACM0 (CAN); `stmprog -l` lists ports";

/* The vendor CLI takes USB1 and usb1, COM3 and com3 alike (its Windows
 * heritage); backends claim ports by exact prefix, so the names are
 * written one way here: "usbN", "COMn", "\\.\COMn", and lowercase
 * "slcan:"/"socketcan:" prefixes.  Device paths and network interface
 * names are case-sensitive on Linux and stay as given. */
static void normalise_port(char *port)
{
	size_t prefix = 0;

	switch (stp_port_transport(port)) {
	case STP_TRANSPORT_USB:
		prefix = 3;
		for (size_t i = 0; i < prefix; i++)
			port[i] = (char)tolower((unsigned char)port[i]);
		break;
	case STP_TRANSPORT_UART:
		if (!strncasecmp(port, "COM", 3))
			prefix = 0;
		else if (!strncmp(port, "\\\\.\\", 4) &&
		         !strncasecmp(port + 4, "COM", 3))
			prefix = 4;
		else
			break;
		for (size_t i = prefix; i < prefix + 3; i++)
			port[i] = (char)toupper((unsigned char)port[i]);
		break;
	case STP_TRANSPORT_CAN:
		if (!strncasecmp(port, "slcan:", 6))
			prefix = 5;
		else if (!strncasecmp(port, "socketcan:", 10))
			prefix = 9;
		for (size_t i = 0; i < prefix; i++)
			port[i] = (char)tolower((unsigned char)port[i]);
		break;
	default:
		break;
	}
}

static stp_status set_port(stp_ctx *ctx, stp_portspec *spec, const char *value)
{
	if (!*value)
		return stp_fail(ctx, STP_ERR_PORTSPEC, port_hint,
		                "port= has no value");
	if (strlen(value) >= sizeof(spec->port))
		return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
		                "port=%.32s...: the name is longer than %d characters",
		                value, STP_PORT_MAX - 1);
	spec->transport = stp_port_transport(value);
	if (spec->transport == STP_TRANSPORT_NONE &&
	    (!strncasecmp(value, "can", 3) || !strncasecmp(value, "vcan", 4)))
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "network interface names are case-sensitive: "
		                "write it as `ip link` shows it, e.g. port=can0",
		                "port=%s is not a USB, serial or CAN port name",
		                value);
	if (spec->transport == STP_TRANSPORT_NONE)
		return stp_fail(ctx, STP_ERR_PORTSPEC, port_hint,
		                "port=%s is not a USB, serial or CAN port name",
		                value);
	strcpy(spec->port, value);
	normalise_port(spec->port);
	if (spec->transport == STP_TRANSPORT_USB && value[3] == ':') {
		if (!usb_path_parse(value + 4, spec->usb_path,
		                    sizeof(spec->usb_path)))
			return stp_fail(ctx, STP_ERR_PORTSPEC,
			                "write it as port=usb:1-2.3 or port=usb "
			                "path=1-2.3; `stmprog -l usb` shows each "
			                "device's path",
			                "port=%s: expected usb: and " USB_PATH_FORM,
			                value);
		spec->given |= STP_GIVEN_PATH;
		spec->usb_index = 1;
		return STP_OK;
	}
	if (spec->transport == STP_TRANSPORT_USB) {
		unsigned long n = 1;
		if (value[3] && (!parse_uint(value + 3, 127, &n) || n == 0))
			return stp_fail(ctx, STP_ERR_PORTSPEC, port_hint,
			                "port=%s: USB devices are numbered from usb1",
			                value);
		spec->usb_index = (unsigned)n;
	}
	return STP_OK;
}

/* A parse in progress: the specification and which keys it has seen
 * (bit i for keys[i]), so a key given twice is refused instead of the last
 * value silently winning. */
typedef struct parse {
	stp_portspec spec;
	uint32_t seen;
} parse;

/* Splits one word into key and value and applies it. */
static stp_status apply_pair(stp_ctx *ctx, parse *ps, const char *word,
                             size_t len)
{
	stp_portspec *spec = &ps->spec;
	const char *eq = memchr(word, '=', len);
	char value[STP_PORT_MAX];
	const struct key *k;
	const char *why = "";
	size_t klen, vlen;

	if (!eq)
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "write every setting as key=value, e.g. br=115200",
		                "'%.*s' is not a key=value pair", (int)len, word);
	klen = (size_t)(eq - word);
	vlen = len - klen - 1;
	if (vlen >= sizeof(value))
		return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
		                "the value of %.*s is too long", (int)klen, word);
	memcpy(value, eq + 1, vlen);
	value[vlen] = '\0';

	if (klen == 4 && strncasecmp(word, "port", 4) == 0)
		return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
		                "port= is given twice (%s and %s)", spec->port,
		                value);
	k = find_key(word, klen);
	if (!k)
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "USB keys: sn VID PID path; UART keys: br P db sb fc "
		                "noinit init path; CAN keys: br dbr fd speed window",
		                "unknown key '%.*s' in the port specification",
		                (int)klen, word);
	if (ps->seen & (1u << (k - keys)))
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "give each key once",
		                "key '%s' is given twice (the second time as %.*s=%s) "
		                "in the port specification", k->name, (int)klen,
		                word, value);
	ps->seen |= 1u << (k - keys);
	if (!(k->transports & (1u << spec->transport)))
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "USB keys: sn VID PID path; UART keys: br P db sb fc "
		                "noinit init path; CAN keys: br dbr fd speed window",
		                "key '%s' does not apply to %s port %s",
		                k->name, stp_transport_name(spec->transport),
		                spec->port);
	if (!k->check(spec, value, &why))
		return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
		                "%s=%s: expected %s", k->name, value, why);
	/* A script written for the vendor's bridge keeps working, and its
	 * reader learns the setting did nothing rather than guessing. */
	if (k->bridge)
		stp_log(ctx, STP_LOG_WARN, "%s=%s sets up ST's ST-LINK CAN bridge; "
		        "SocketCAN and slcan need no such setting, so it is ignored",
		        k->name, value);
	return STP_OK;
}

/* Calls fn on each whitespace-separated word of s. */
typedef stp_status (*word_fn)(stp_ctx *ctx, parse *ps, const char *w,
                              size_t len);

static stp_status each_word(stp_ctx *ctx, parse *ps, const char *s, word_fn fn)
{
	while (*s) {
		const char *start;
		stp_status st;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		start = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		st = fn(ctx, ps, start, (size_t)(s - start));
		if (st)
			return st;
	}
	return STP_OK;
}

static stp_status find_port_word(stp_ctx *ctx, parse *ps, const char *w,
                                 size_t len)
{
	stp_portspec *spec = &ps->spec;
	char value[STP_PORT_MAX + 8];

	if (len < 5 || strncasecmp(w, "port=", 5) != 0)
		return STP_OK;
	if (spec->port[0])
		return apply_pair(ctx, ps, w, len); /* reports the duplicate */
	if (len - 5 >= sizeof(value))
		return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
		                "port=%.32s...: the name is too long", w + 5);
	memcpy(value, w + 5, len - 5);
	value[len - 5] = '\0';
	if (!value[0])
		return stp_fail(ctx, STP_ERR_PORTSPEC, port_hint,
		                "port= has no value");
	return set_port(ctx, spec, value);
}

static stp_status other_word(stp_ctx *ctx, parse *ps, const char *w,
                             size_t len)
{
	if (len >= 5 && strncasecmp(w, "port=", 5) == 0)
		return STP_OK;
	return apply_pair(ctx, ps, w, len);
}

stp_status stp_portspec_parse(stp_ctx *ctx, int argc, const char *const *argv,
                              stp_portspec *out)
{
	parse ps = {.seen = 0};
	stp_status st;
	int i;

	set_defaults(&ps.spec);
	/* The port decides which keys are valid, so find it first wherever
	 * it stands ("br=9600 port=COM3" is accepted as the vendor CLI does). */
	for (i = 0; i < argc; i++)
		if ((st = each_word(ctx, &ps, argv[i], find_port_word)))
			return st;
	if (!ps.spec.port[0])
		return stp_fail(ctx, STP_ERR_PORTSPEC, port_hint,
		                "no port= in the connection settings");
	for (i = 0; i < argc; i++)
		if ((st = each_word(ctx, &ps, argv[i], other_word)))
			return st;
	*out = ps.spec;
	return STP_OK;
}

stp_status stp_portspec_parse_string(stp_ctx *ctx, const char *s,
                                     stp_portspec *out)
{
	return stp_portspec_parse(ctx, 1, &s, out);
}

const char *stp_portspec_format(const stp_portspec *spec, char *buf,
                                unsigned len)
{
	static const char *const parity[] = {"NONE", "ODD", "EVEN"};
	static const char *const flow[] = {"OFF", "Hardware", "Software"};
	static const char *const sb[] = {"?", "?", "1", "1.5", "2"};

	switch (spec->transport) {
	case STP_TRANSPORT_USB: {
		int n = snprintf(buf, len, "port=%s", spec->port);
		if (n >= 0 && (unsigned)n < len && spec->usb_path[0] &&
		    strncasecmp(spec->port, "usb:", 4) != 0)
			n += snprintf(buf + n, len - (unsigned)n, " path=%s",
			              spec->usb_path);
		if (n >= 0 && (unsigned)n < len && spec->serial[0])
			n += snprintf(buf + n, len - (unsigned)n, " sn=%s", spec->serial);
		if (n >= 0 && (unsigned)n < len && spec->vid >= 0)
			n += snprintf(buf + n, len - (unsigned)n, " VID=0x%04X", (unsigned)spec->vid);
		if (n >= 0 && (unsigned)n < len && spec->pid >= 0)
			snprintf(buf + n, len - (unsigned)n, " PID=0x%04X", (unsigned)spec->pid);
		break;
	}
	case STP_TRANSPORT_UART: {
		int n = snprintf(buf, len, "port=%s br=%u P=%s db=%u sb=%s fc=%s "
		                 "noinit=%d", spec->port, spec->baud,
		                 parity[spec->parity], spec->data_bits,
		                 sb[spec->stop_halves > 4 ? 0 : spec->stop_halves],
		                 flow[spec->flow], spec->noinit);
		if (n >= 0 && (unsigned)n < len && spec->usb_path[0])
			snprintf(buf + n, len - (unsigned)n, " path=%s", spec->usb_path);
		break;
	}
	case STP_TRANSPORT_CAN:
		snprintf(buf, len, "port=%s br=%u", spec->port, spec->can_kbps);
		break;
	default:
		snprintf(buf, len, "port=%s", spec->port);
	}
	return buf;
}

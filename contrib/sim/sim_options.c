/* stmprog-sim: the command line (sim_options.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_faults.h"
#include "sim_options.h"

#define USAGE_LINE \
	"usage: stmprog-sim --chip NAME|PID [--flash FILE] [--flash-kb N] " \
	"[--transport uart|usb|slcan|gadget] [--timing none|real] [--baud N] " \
	"[--latency-ms N] [--usb-start dfu|app|runtime] [--usb-stlink] " \
	"[--boot0 high|low] [--wire boot0=[!]LINE,nrst=[!]LINE] [--can-bitrate KBIT] [--can-data-bitrate KBIT] " \
	"[--faults SPEC] [--seed N] [--trace FILE] [--devices N] " \
	"[--uid HEX24]... [--boards N] [--handling-ms MS] [--start-absent] " \
	"[--remove-after-idle-ms MS] [--control FIFO] [--station FILE] " \
	"[--device uart|usb|slcan [DEVICE OPTIONS]]... " \
	"(-- COMMAND [ARG...] | --print-timing)"

static void print_help(void)
{
	printf(
	"Usage: stmprog-sim --chip NAME|PID [options] -- COMMAND [ARG...]\n"
	"       stmprog-sim --chip NAME|PID [options] --print-timing\n"
	"Simulates an STM32 ROM bootloader and runs COMMAND against it: every\n"
	"{port} in COMMAND's arguments becomes the simulated port (for uart a\n"
	"pseudo-terminal such as /dev/pts/5, for usb \"usb1\", the simulated bus,\n"
	"for slcan \"slcan:/dev/pts/5\"), also exported as STMPROG_SIM_PORT;\n"
	"the bare terminal (uart, slcan) is exported as STMPROG_SIM_TTY.\n"
	"With --devices N, {port1}..{portN} name each device's port ({port}\n"
	"stays device 1's), exported as STMPROG_SIM_PORT1.. and\n"
	"STMPROG_SIM_TTY1.. too.\n"
	"Exits with COMMAND's status (128+N if a signal N killed it).\n"
	"\n"
	"  --chip NAME|PID      the chip (\"0x413\", \"STM32F405\", \"f40\")\n"
	"  --flash FILE         keep the flash in FILE (raw, created erased);\n"
	"                       option bytes in FILE.ob, state in FILE.state\n"
	"  --flash-kb N         the part has N KiB of flash (default: the most\n"
	"                       its PID comes with)\n"
	"  --transport uart|usb|slcan|gadget\n"
	"                       the bootloader interface: uart (AN3155 on a pty),\n"
	"                       usb (DfuSe through umockdev: COMMAND runs with\n"
	"                       umockdev's preload library), slcan (a Lawicel\n"
	"                       serial CAN adapter on a pty, the chip's AN3154\n"
	"                       or AN5405 bootloader behind it on the bus) or\n"
	"                       gadget (the DfuSe ROM as a real USB device\n"
	"                       through gadgetfs, e.g. on dummy_hcd: root,\n"
	"                       gadgetfs mounted on /dev/gadget, no preload)\n"
	"  --timing none|real   none (default): as fast as possible; real: wire,\n"
	"                       latency, erase and programming times\n"
	"  --baud N             pace at N baud; the host must be within 2.5%%\n"
	"  --latency-ms N       adapter turnaround before each reply (real)\n"
	"  --usb-start WHAT     usb, gadget: dfu (default: the ROM's DFU\n"
	"                       device), app (an application without USB),\n"
	"                       runtime (an application with a DFU run-time\n"
	"                       interface; also what a leave starts)\n"
	"  --usb-stlink         usb: an ST-LINK/V2-1 is on the bus too\n"
	"  --boot0 high|low     usb: the BOOT0 pin, which decides where the\n"
	"                       resets after option-byte writes and read\n"
	"                       unprotect land (default high: the bootloader)\n"
	"  --wire boot0=[!]LINE,nrst=[!]LINE\n"
	"                       uart: the jig wires the host's LINE (rts, dtr,\n"
	"                       cbus0..cbus3; ! through an inverter) to the\n"
	"                       chip's BOOT0 and NRST: the chip is held in reset\n"
	"                       while NRST is low and starts its bootloader only\n"
	"                       when BOOT0 is high as NRST rises, else its flash.\n"
	"                       RTS#/DTR# are active low (asserted = 0 V); a\n"
	"                       cbus pin puts a simulated FTDI FT230X on a\n"
	"                       umockdev USB bus (COMMAND runs with umockdev's\n"
	"                       preload; its data goes over the pty, its CBUS\n"
	"                       pins through libftdi1)\n"
	"  --can-bitrate KBIT   slcan: the bootloader's nominal rate at start\n"
	"                       (default 125 for AN3154, 500 for AN5405)\n"
	"  --can-data-bitrate KBIT\n"
	"                       slcan: AN5405's data-phase rate (default 2000)\n"
	"  --faults SPEC        uart: ber=P,drop=P,flip=P,insert=P,nack=P,\n"
	"                       stall=P[:MS],disconnect=N; usb: stall=P,status=P,\n"
	"                       hold=P[:MS],reenum=P,disconnect=N; slcan: lost=P,\n"
	"                       errframe=P,hold=P[:MS],disconnect=N,cut=N\n"
	"                       (comma-separated)\n"
	"  --seed N             seed for faults and the unique ID (default 1)\n"
	"  --trace FILE         append one line per bootloader command to FILE\n"
	"                       (with --devices N > 1 each line starts with\n"
	"                       \"dI \", I the device number)\n"
	"  --devices N          simulate N chips (1 to %d) of the same --chip,\n"
	"                       each on its own instance of the transport;\n"
	"                       device I keeps its flash in FILE.I (device 1\n"
	"                       in FILE), has its own UID (from --seed and I)\n"
	"                       and its own faults (the same --faults, drawn\n"
	"                       from its own seed)\n"
	"  --uid HEX24          the unique ID of the next device (the first\n"
	"                       --uid is device 1's): 24 hex digits as the\n"
	"                       reference manual prints it, the word at +8,\n"
	"                       then +4, then +0\n"
	"\n"
	"Mixed devices and boards that come and go:\n"
	"  --device uart|usb|slcan\n"
	"                       start a device of that transport; the options\n"
	"                       after it (up to the next --device) are its own:\n"
	"                       --chip, --flash, --flash-kb, --uid, --seed,\n"
	"                       --faults, --timing, --baud, --latency-ms,\n"
	"                       --usb-*, --boot0, --wire, --can-*, --boards,\n"
	"                       --handling-ms, --start-absent,\n"
	"                       --remove-after-idle-ms; those before the first\n"
	"                       --device are the defaults (at most %d devices;\n"
	"                       usb ports are then usb:1-I, device I's path)\n"
	"  --boards N           N boards pass through the device's jig in turn\n"
	"                       (default 1); board K >= 2 has its own UID and\n"
	"                       an erased flash, kept in FILE.bK\n"
	"  --handling-ms MS     from a board's removal to the next one's arrival\n"
	"                       (default 0)\n"
	"  --start-absent       the first board arrives after --handling-ms\n"
	"  --remove-after-idle-ms MS\n"
	"                       the board is taken out once the host has been\n"
	"                       silent for MS after writing to it or sending it\n"
	"                       off (GO, DFU leave); 0 (default): never by itself\n"
	"  --control FIFO       create FIFO and obey lines \"insert I\" and\n"
	"                       \"remove I\" (device I) written to it\n"
	"  --station FILE       write a station file for stmprog-line naming\n"
	"                       every device's port and chip\n"
	"  --print-timing       print the figures --timing real uses for the\n"
	"                       (first) device as one JSON object and exit\n"
	"                       without running a command: erase time per\n"
	"                       unit, programming, mass erase, option bytes,\n"
	"                       wire rates and latency\n"
	"  -h, --help           this text\n"
	"\n"
	"See docs/simulator.md and stmprog-sim(1).\n", SIM_MAX_DEVICES,
	SIM_MAX_DEVICES);
}

int sim_usage_error(const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stmprog-sim: %s\nstmprog-sim: hint: " USAGE_LINE
	        " (see --help)\n", line);
	return SIM_EXIT_USAGE;
}

static int parse_number(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s == '-' || *s == '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static bool can_nominal_ok(unsigned k)
{
	static const unsigned ok[] = {10, 20, 50, 100, 125, 250, 500, 800, 1000};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (ok[i] == k)
			return true;
	return false;
}

static bool can_data_ok(unsigned k)
{
	return k == 1000 || k == 2000 || k == 4000 || k == 5000 || k == 8000;
}

/* "0033002A3432510E30363838": the word at +8, then +4, then +0, as the
 * reference manuals print a UID; into memory order (+0 first, each word
 * little-endian, as the chip stores it). */
static int parse_uid(const char *s, uint8_t uid[12])
{
	if (strlen(s) != 24)
		return -1;
	for (int i = 0; i < 24; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (int w = 0; w < 3; w++) {
		char word[9];
		unsigned long v;

		memcpy(word, s + 8 * (2 - w), 8);
		word[8] = '\0';
		v = strtoul(word, NULL, 16);
		for (int b = 0; b < 4; b++)
			uid[4 * w + b] = (uint8_t)(v >> (8 * b));
	}
	return 0;
}

/* Options that only one kind of transport understands. */
static int check_transport_options(const sim_device_opts *d, const char *who)
{
	if (d->usb_options && strcmp(d->transport, "usb"))
		return sim_usage_error("%s--usb-stlink and --boot0 need the usb "
		                       "transport", who);
	if (d->usb_start_given && strcmp(d->transport, "usb") &&
	    strcmp(d->transport, "gadget"))
		return sim_usage_error("%s--usb-start needs the usb or gadget "
		                       "transport", who);
	if (d->can_options && strcmp(d->transport, "slcan"))
		return sim_usage_error("%s--can-bitrate and --can-data-bitrate "
		                       "need the slcan transport", who);
	if (d->cfg.wiring.wired && strcmp(d->transport, "uart"))
		return sim_usage_error("%s--wire needs the uart transport", who);
	return -1;
}

/* Finds the device's transport and chip and checks that everything it
 * was given fits them; who is "" or "device I: ". */
static int check_device(sim_device_opts *d, const char *who,
                        const char *topt)
{
	bool ambiguous = false;
	char err[512];
	sim_faults check;
	int rc;

	d->ops = sim_transport_find(d->transport);
	if (!d->ops && sim_transport_needs_umockdev(d->transport))
		return sim_usage_error("%s%s usb: this stmprog-sim was built "
		                       "without umockdev (it was missing at build "
		                       "time; install libumockdev-dev and rebuild)",
		                       who, topt);
	if (!d->ops)
		return sim_usage_error("%s%s '%s': %s", who, topt, d->transport,
		                       sim_transport_planned(d->transport) ?
		                       "not simulated yet; uart, usb and slcan are" :
		                       "unknown; uart, usb and slcan are simulated");
	if ((rc = check_transport_options(d, who)) >= 0)
		return rc;
	if (!d->chip_arg)
		return sim_usage_error("%s--chip is required", who);
	d->chip = stp_chip_find(d->chip_arg, &ambiguous);
	if (!d->chip)
		return sim_usage_error("%s--chip '%s': %s", who, d->chip_arg,
		                       ambiguous ? "more than one chip matches; "
		                       "give the PID" : "no such chip (stmprog "
		                       "--chips lists them)");
	if (!strcmp(d->transport, "slcan") &&
	    !(d->chip->interfaces & (STP_IF_CAN | STP_IF_FDCAN)))
		return sim_usage_error("%s%s slcan: the %s has no CAN bootloader "
		                       "(AN2606: CAN on F105/F107, F2, F4, F7 and "
		                       "some L4; FDCAN on G0, G4, H5, H7, L5, U5)",
		                       who, topt, d->chip->name);
	if (d->cfg.can_data_kbps && !(d->chip->interfaces & STP_IF_FDCAN))
		return sim_usage_error("%s--can-data-bitrate: the %s's CAN "
		                       "bootloader is classic CAN (AN3154), without "
		                       "a data phase", who, d->chip->name);
	/* The spec is checked once here, so a bad one is one message. */
	if (sim_faults_parse(&check, d->faults, d->cfg.seed, d->transport,
	                     err, sizeof(err)) != 0)
		return sim_usage_error("%s%s", who, err);
	if (d->flash_kb && (uint64_t)d->flash_kb * 1024 > d->chip->flash_size)
		return sim_usage_error("%s--flash-kb %u: the %s comes with %u KiB "
		                       "at most", who, d->flash_kb, d->chip->name,
		                       (unsigned)(d->chip->flash_size / 1024));
	return -1;
}

/* FILE for device 1, FILE.I for device I: devices that share one --flash
 * never share a file. */
static int name_flash(sim_device_opts *d, const char *flash, unsigned number)
{
	size_t len;

	if (!flash)
		return 0;
	len = strlen(flash) + 16;
	if (!(d->flash = malloc(len)))
		return -1;
	if (number == 1)
		snprintf(d->flash, len, "%s", flash);
	else
		snprintf(d->flash, len, "%s.%u", flash, number);
	return 0;
}

void sim_options_free(sim_options *o)
{
	for (unsigned i = 0; i < o->ndev; i++) {
		free(o->dev[i].flash);
		o->dev[i].flash = NULL;
	}
}

int sim_options_parse(int argc, char **argv, sim_options *o)
{
	enum { O_CHIP = 256, O_FLASH, O_TRANSPORT, O_TIMING, O_BAUD,
	       O_LATENCY, O_FAULTS, O_SEED, O_TRACE, O_FLASH_KB, O_USB_START,
	       O_USB_STLINK, O_BOOT0, O_CAN_BITRATE, O_CAN_DATA_BITRATE,
	       O_DEVICES, O_UID, O_DEVICE, O_BOARDS, O_HANDLING_MS,
	       O_START_ABSENT, O_REMOVE_IDLE, O_CONTROL, O_STATION,
	       O_PRINT_TIMING, O_WIRE };
	static const struct option longs[] = {
		{"chip", required_argument, NULL, O_CHIP},
		{"flash", required_argument, NULL, O_FLASH},
		{"transport", required_argument, NULL, O_TRANSPORT},
		{"timing", required_argument, NULL, O_TIMING},
		{"baud", required_argument, NULL, O_BAUD},
		{"latency-ms", required_argument, NULL, O_LATENCY},
		{"faults", required_argument, NULL, O_FAULTS},
		{"seed", required_argument, NULL, O_SEED},
		{"trace", required_argument, NULL, O_TRACE},
		{"flash-kb", required_argument, NULL, O_FLASH_KB},
		{"usb-start", required_argument, NULL, O_USB_START},
		{"usb-stlink", no_argument, NULL, O_USB_STLINK},
		{"boot0", required_argument, NULL, O_BOOT0},
		{"wire", required_argument, NULL, O_WIRE},
		{"can-bitrate", required_argument, NULL, O_CAN_BITRATE},
		{"can-data-bitrate", required_argument, NULL, O_CAN_DATA_BITRATE},
		{"devices", required_argument, NULL, O_DEVICES},
		{"uid", required_argument, NULL, O_UID},
		{"device", required_argument, NULL, O_DEVICE},
		{"boards", required_argument, NULL, O_BOARDS},
		{"handling-ms", required_argument, NULL, O_HANDLING_MS},
		{"start-absent", no_argument, NULL, O_START_ABSENT},
		{"remove-after-idle-ms", required_argument, NULL, O_REMOVE_IDLE},
		{"control", required_argument, NULL, O_CONTROL},
		{"station", required_argument, NULL, O_STATION},
		{"print-timing", no_argument, NULL, O_PRINT_TIMING},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	/* The defaults, and the --flash each device was given itself. */
	sim_device_opts defaults, *cur = &defaults;
	const char *flash_default = NULL, *own_flash[SIM_MAX_DEVICES] = {NULL};
	/* --uid before any --device: device I's is the I-th. */
	uint8_t uids[SIM_MAX_DEVICES][12];
	unsigned nuids = 0, devices = 1;
	bool devices_given = false;
	const char **flash_slot = &flash_default;
	uint64_t v;
	int c, rc;

	memset(o, 0, sizeof(*o));
	memset(&defaults, 0, sizeof(defaults));
	defaults.transport = "uart";
	defaults.cfg.seed = 1;
	defaults.boards = 1;
	opterr = 0;
	/* "+": stop at COMMAND even without "--", so its options stay its. */
	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		switch (c) {
		case O_CHIP: cur->chip_arg = optarg; break;
		case O_FLASH: *flash_slot = optarg; break;
		case O_FAULTS: cur->faults = optarg; break;
		case O_TRACE: o->trace = optarg; break;
		case O_CONTROL: o->control = optarg; break;
		case O_STATION: o->station = optarg; break;
		case O_PRINT_TIMING: o->print_timing = true; break;
		case O_TRANSPORT:
			if (o->mixed)
				return sim_usage_error("--transport after --device: a "
				                       "device's transport is --device's "
				                       "argument");
			defaults.transport = optarg;
			break;
		case O_DEVICE:
			if (devices_given)
				return sim_usage_error("--device and --devices: give "
				                       "one --device per device instead");
			if (o->ndev == SIM_MAX_DEVICES)
				return sim_usage_error("--device: more than %d devices",
				                       SIM_MAX_DEVICES);
			o->mixed = true;
			cur = &o->dev[o->ndev];
			*cur = defaults;
			cur->transport = optarg;
			cur->has_uid = false;
			flash_slot = &own_flash[o->ndev];
			o->ndev++;
			break;
		case O_TIMING:
			if (!strcmp(optarg, "real"))
				cur->cfg.real_time = true;
			else if (!strcmp(optarg, "none"))
				cur->cfg.real_time = false;
			else
				return sim_usage_error("--timing '%s': expected none or "
				                       "real", optarg);
			break;
		case O_BAUD:
			if (parse_number(optarg, 20000000, &v) || v < 50)
				return sim_usage_error("--baud '%s': expected a rate from "
				                       "50 to 20000000", optarg);
			cur->cfg.baud = (unsigned)v;
			break;
		case O_LATENCY:
			if (parse_number(optarg, 60000, &v))
				return sim_usage_error("--latency-ms '%s': expected 0 to "
				                       "60000", optarg);
			cur->cfg.latency_ms = (unsigned)v;
			break;
		case O_FLASH_KB:
			if (parse_number(optarg, 65535, &v) || v == 0)
				return sim_usage_error("--flash-kb '%s': expected a size "
				                       "in KiB from 1 to 65535", optarg);
			cur->flash_kb = (unsigned)v;
			break;
		case O_USB_START:
			if (!strcmp(optarg, "dfu"))
				cur->cfg.usb_start = SIM_USB_START_DFU;
			else if (!strcmp(optarg, "app"))
				cur->cfg.usb_start = SIM_USB_START_APP;
			else if (!strcmp(optarg, "runtime"))
				cur->cfg.usb_start = SIM_USB_START_RUNTIME;
			else
				return sim_usage_error("--usb-start '%s': expected dfu, "
				                       "app or runtime", optarg);
			cur->usb_start_given = true;
			break;
		case O_USB_STLINK:
			cur->cfg.usb_stlink = true;
			cur->usb_options = true;
			break;
		case O_BOOT0:
			if (!strcmp(optarg, "low"))
				cur->boot0_low = true;
			else if (!strcmp(optarg, "high"))
				cur->boot0_low = false;
			else
				return sim_usage_error("--boot0 '%s': expected high or "
				                       "low", optarg);
			cur->usb_options = true;
			break;
		case O_WIRE: {
			char err[256];

			if (sim_wiring_parse(&cur->cfg.wiring, optarg, err,
			                     sizeof(err)) != 0)
				return sim_usage_error("--wire %s", err);
			break;
		}
		case O_CAN_BITRATE:
			/* Only rates an slcan adapter's S command can reach. */
			if (parse_number(optarg, 1000, &v) || !can_nominal_ok((unsigned)v))
				return sim_usage_error("--can-bitrate '%s': expected one "
				                       "of 10, 20, 50, 100, 125, 250, 500, "
				                       "800, 1000 (kbit/s)", optarg);
			cur->cfg.can_kbps = (unsigned)v;
			cur->can_options = true;
			break;
		case O_CAN_DATA_BITRATE:
			if (parse_number(optarg, 8000, &v) || !can_data_ok((unsigned)v))
				return sim_usage_error("--can-data-bitrate '%s': expected "
				                       "one of 1000, 2000, 4000, 5000, "
				                       "8000 (kbit/s)", optarg);
			cur->cfg.can_data_kbps = (unsigned)v;
			cur->can_options = true;
			break;
		case O_SEED:
			if (parse_number(optarg, UINT64_MAX, &v))
				return sim_usage_error("--seed '%s': expected a number",
				                       optarg);
			cur->cfg.seed = v;
			break;
		case O_DEVICES:
			if (o->mixed)
				return sim_usage_error("--device and --devices: give "
				                       "one --device per device instead");
			if (parse_number(optarg, SIM_MAX_DEVICES, &v) || v == 0)
				return sim_usage_error("--devices '%s': expected 1 to %d",
				                       optarg, SIM_MAX_DEVICES);
			devices = (unsigned)v;
			devices_given = true;
			break;
		case O_UID: {
			uint8_t *to = cur == &defaults ? uids[nuids] : cur->uid;

			if (cur == &defaults && nuids == SIM_MAX_DEVICES)
				return sim_usage_error("--uid: more than %d given",
				                       SIM_MAX_DEVICES);
			if (cur != &defaults && cur->has_uid)
				return sim_usage_error("--uid twice for device %u: it "
				                       "is board 1's UID (the next boards "
				                       "get their own from --seed)",
				                       o->ndev);
			if (parse_uid(optarg, to) != 0)
				return sim_usage_error("--uid '%s': expected 24 hex "
				                       "digits, the words at +8, +4 and +0 "
				                       "as the reference manual prints "
				                       "them (e.g. 0033002A3432510E30363838)",
				                       optarg);
			if (cur == &defaults)
				nuids++;
			else
				cur->has_uid = true;
			break;
		}
		case O_BOARDS:
			if (parse_number(optarg, 1000000, &v) || v == 0)
				return sim_usage_error("--boards '%s': expected 1 to "
				                       "1000000", optarg);
			cur->boards = (unsigned)v;
			break;
		case O_HANDLING_MS:
			if (parse_number(optarg, 86400000, &v))
				return sim_usage_error("--handling-ms '%s': expected 0 to "
				                       "86400000", optarg);
			cur->handling_ms = (unsigned)v;
			break;
		case O_START_ABSENT:
			cur->start_absent = true;
			break;
		case O_REMOVE_IDLE:
			if (parse_number(optarg, 86400000, &v))
				return sim_usage_error("--remove-after-idle-ms '%s': "
				                       "expected 0 to 86400000", optarg);
			cur->remove_idle_ms = (unsigned)v;
			break;
		case 'h':
			print_help();
			return 0;
		case ':':
			return sim_usage_error("%s needs a value", argv[optind - 1]);
		default:
			return sim_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!o->mixed) {
		if (defaults.usb_options || defaults.can_options ||
		    defaults.usb_start_given) {
			/* Said as it always was, naming --transport. */
			if (defaults.usb_options && strcmp(defaults.transport, "usb"))
				return sim_usage_error("--usb-stlink and --boot0 need "
				                       "--transport usb");
			if (defaults.usb_start_given &&
			    strcmp(defaults.transport, "usb") &&
			    strcmp(defaults.transport, "gadget"))
				return sim_usage_error("--usb-start needs --transport "
				                       "usb or gadget");
			if (defaults.can_options && strcmp(defaults.transport, "slcan"))
				return sim_usage_error("--can-bitrate and "
				                       "--can-data-bitrate need "
				                       "--transport slcan");
		}
		o->ndev = devices;
		for (unsigned i = 0; i < devices; i++)
			o->dev[i] = defaults;
	}
	/* With --device, each device says which one lacks it. */
	if (!o->mixed && !defaults.chip_arg)
		return sim_usage_error("--chip is required");
	if (nuids > o->ndev)
		return sim_usage_error("%u --uid values for %u device%s: give one "
		                       "per device at most (--devices N)", nuids,
		                       o->ndev, o->ndev == 1 ? "" : "s");
	if (o->print_timing && optind < argc)
		return sim_usage_error("--print-timing runs no COMMAND ('%s')",
		                       argv[optind]);
	if (!o->print_timing && optind >= argc)
		return sim_usage_error("no COMMAND to run after '--'");
	o->command = o->print_timing ? NULL : argv + optind;
	for (unsigned i = 0; i < o->ndev; i++) {
		sim_device_opts *d = &o->dev[i];
		char who[32] = "";

		if (o->mixed)
			snprintf(who, sizeof(who), "device %u: ", i + 1);
		if (i < nuids && !d->has_uid) {
			memcpy(d->uid, uids[i], 12);
			d->has_uid = true;
		}
		d->cfg.device = i + 1;
		d->cfg.devices = o->ndev;
		d->cfg.port_by_path = o->mixed || d->boards > 1 ||
		                      d->start_absent || o->control;
		if ((rc = check_device(d, who, o->mixed ? "--device" :
		                       "--transport")) >= 0)
			return rc;
#ifndef HAVE_UMOCKDEV
		if (sim_wiring_uses_cbus(&d->cfg.wiring))
			return sim_usage_error("%s--wire: cbus pins need the "
			                       "simulated FTDI adapter, and this "
			                       "stmprog-sim was built without "
			                       "umockdev (install libumockdev-dev and "
			                       "rebuild)", who);
#endif
		/* A --flash of its own is the device's as given. */
		if (own_flash[i] ? name_flash(d, own_flash[i], 1)
		                 : name_flash(d, flash_default, i + 1)) {
			fprintf(stderr, "stmprog-sim: out of memory\n");
			return 1;
		}
	}
	/* The simulated FTDI adapter brings its own umockdev test bed, and
	 * a process holds one (UMOCKDEV_DIR): one adapter, no usb device. */
	{
		unsigned ncbus = 0, nusb = 0;

		for (unsigned i = 0; i < o->ndev; i++) {
			ncbus += sim_wiring_uses_cbus(&o->dev[i].cfg.wiring);
			nusb += !strcmp(o->dev[i].transport, "usb");
		}
		if (ncbus > 1 || (ncbus && nusb))
			return sim_usage_error("--wire with cbus pins: one device "
			                       "with a simulated FTDI adapter per run, "
			                       "and no usb device beside it (not "
			                       "simulated yet)");
	}
	return -1;
}

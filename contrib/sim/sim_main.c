/* stmprog-sim: a simulated STM32 ROM bootloader for tests, benchmarks and
 * people without hardware.
 *
 *   stmprog-sim --chip NAME|PID [options] -- COMMAND [ARG...]
 *
 * starts a simulated chip (or --devices N of them), attaches each one's
 * bootloader to its own instance of a transport (a pty for uart and slcan,
 * a umockdev test bed for usb), runs COMMAND with {port} replaced by
 * device 1's port name and {portI} by device I's (and STMPROG_SIM_PORT,
 * STMPROG_SIM_PORTI set), and exits with COMMAND's status.  This file is
 * the options, the devices, the child and the event loop; the chip, the
 * transports and the faults live in their own files. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stmprog/chip.h"

#include "sim_chip.h"
#include "sim_faults.h"
#include "sim_time.h"
#include "sim_trace.h"
#include "sim_transport.h"
#include "sim_ttywatch.h"

#define EXIT_USAGE 2
/* The loop looks at the child at least this often, whatever else. */
#define CHILD_CHECK_NS (50 * SIM_NS_PER_MS)

#define USAGE_LINE \
	"usage: stmprog-sim --chip NAME|PID [--flash FILE] [--flash-kb N] " \
	"[--transport uart|usb|slcan] [--timing none|real] [--baud N] " \
	"[--latency-ms N] [--usb-start dfu|app|runtime] [--usb-stlink] " \
	"[--boot0 high|low] [--can-bitrate KBIT] [--can-data-bitrate KBIT] " \
	"[--faults SPEC] [--seed N] [--trace FILE] [--devices N] " \
	"[--uid HEX24]... -- COMMAND [ARG...]"

typedef struct options {
	const char *chip;
	const char *flash;
	const char *transport;
	const char *faults;
	const char *trace;
	unsigned flash_kb;     /* --flash-kb, 0 = the PID's largest */
	bool boot0_low;        /* --boot0 low */
	bool usb_options;      /* a --usb-* option was given */
	bool can_options;      /* a --can-* option was given */
	unsigned devices;      /* --devices, 1 when not given */
	/* --uid, in the order given: device i's UID as 12 bytes in memory
	 * order (the word at +0 first, little-endian) */
	uint8_t uid[SIM_MAX_DEVICES][12];
	unsigned nuids;
	sim_config cfg;
	char **command;
} options;

static void print_help(void)
{
	printf(
	"Usage: stmprog-sim --chip NAME|PID [options] -- COMMAND [ARG...]\n"
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
	"  --transport uart|usb|slcan\n"
	"                       the bootloader interface: uart (AN3155 on a pty),\n"
	"                       usb (DfuSe through umockdev: COMMAND runs with\n"
	"                       umockdev's preload library) or slcan (a Lawicel\n"
	"                       serial CAN adapter on a pty, the chip's AN3154\n"
	"                       or AN5405 bootloader behind it on the bus)\n"
	"  --timing none|real   none (default): as fast as possible; real: wire,\n"
	"                       latency, erase and programming times\n"
	"  --baud N             pace at N baud; the host must be within 2.5%%\n"
	"  --latency-ms N       adapter turnaround before each reply (real)\n"
	"  --usb-start WHAT     usb: dfu (default: the ROM's DFU device), app (an\n"
	"                       application without USB), runtime (an\n"
	"                       application with a DFU run-time interface)\n"
	"  --usb-stlink         usb: an ST-LINK/V2-1 is on the bus too\n"
	"  --boot0 high|low     usb: the BOOT0 pin, which decides where the\n"
	"                       resets after option-byte writes and read\n"
	"                       unprotect land (default high: the bootloader)\n"
	"  --can-bitrate KBIT   slcan: the bootloader's nominal rate at start\n"
	"                       (default 125 for AN3154, 500 for AN5405)\n"
	"  --can-data-bitrate KBIT\n"
	"                       slcan: AN5405's data-phase rate (default 2000)\n"
	"  --faults SPEC        uart: ber=P,drop=P,flip=P,nack=P,stall=P[:MS],\n"
	"                       disconnect=N; usb: stall=P,status=P,disconnect=N;\n"
	"                       slcan: lost=P,errframe=P,disconnect=N,cut=N\n"
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
	"  -h, --help           this text\n"
	"\n"
	"See docs/simulator.md and stmprog-sim(1).\n", SIM_MAX_DEVICES);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "stmprog-sim: %s\nstmprog-sim: hint: " USAGE_LINE
	        " (see --help)\n", line);
	return EXIT_USAGE;
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

/* Returns -1 to go on, else an exit status. */
static int parse_options(int argc, char **argv, options *o)
{
	enum { O_CHIP = 256, O_FLASH, O_TRANSPORT, O_TIMING, O_BAUD,
	       O_LATENCY, O_FAULTS, O_SEED, O_TRACE, O_FLASH_KB, O_USB_START,
	       O_USB_STLINK, O_BOOT0, O_CAN_BITRATE, O_CAN_DATA_BITRATE,
	       O_DEVICES, O_UID };
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
		{"can-bitrate", required_argument, NULL, O_CAN_BITRATE},
		{"can-data-bitrate", required_argument, NULL, O_CAN_DATA_BITRATE},
		{"devices", required_argument, NULL, O_DEVICES},
		{"uid", required_argument, NULL, O_UID},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->transport = "uart";
	o->cfg.seed = 1;
	o->devices = 1;
	opterr = 0;
	/* "+": stop at COMMAND even without "--", so its options stay its. */
	while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
		switch (c) {
		case O_CHIP: o->chip = optarg; break;
		case O_FLASH: o->flash = optarg; break;
		case O_TRANSPORT: o->transport = optarg; break;
		case O_FAULTS: o->faults = optarg; break;
		case O_TRACE: o->trace = optarg; break;
		case O_TIMING:
			if (!strcmp(optarg, "real"))
				o->cfg.real_time = true;
			else if (strcmp(optarg, "none"))
				return usage_error("--timing '%s': expected none or real",
				                   optarg);
			break;
		case O_BAUD:
			if (parse_number(optarg, 20000000, &v) || v < 50)
				return usage_error("--baud '%s': expected a rate from "
				                   "50 to 20000000", optarg);
			o->cfg.baud = (unsigned)v;
			break;
		case O_LATENCY:
			if (parse_number(optarg, 60000, &v))
				return usage_error("--latency-ms '%s': expected 0 to "
				                   "60000", optarg);
			o->cfg.latency_ms = (unsigned)v;
			break;
		case O_FLASH_KB:
			if (parse_number(optarg, 65535, &v) || v == 0)
				return usage_error("--flash-kb '%s': expected a size in "
				                   "KiB from 1 to 65535", optarg);
			o->flash_kb = (unsigned)v;
			break;
		case O_USB_START:
			if (!strcmp(optarg, "dfu"))
				o->cfg.usb_start = SIM_USB_START_DFU;
			else if (!strcmp(optarg, "app"))
				o->cfg.usb_start = SIM_USB_START_APP;
			else if (!strcmp(optarg, "runtime"))
				o->cfg.usb_start = SIM_USB_START_RUNTIME;
			else
				return usage_error("--usb-start '%s': expected dfu, app "
				                   "or runtime", optarg);
			o->usb_options = true;
			break;
		case O_USB_STLINK:
			o->cfg.usb_stlink = true;
			o->usb_options = true;
			break;
		case O_BOOT0:
			if (!strcmp(optarg, "low"))
				o->boot0_low = true;
			else if (strcmp(optarg, "high"))
				return usage_error("--boot0 '%s': expected high or low",
				                   optarg);
			o->usb_options = true;
			break;
		case O_CAN_BITRATE:
			/* Only rates an slcan adapter's S command can reach. */
			if (parse_number(optarg, 1000, &v) || !can_nominal_ok((unsigned)v))
				return usage_error("--can-bitrate '%s': expected one of "
				                   "10, 20, 50, 100, 125, 250, 500, 800, "
				                   "1000 (kbit/s)", optarg);
			o->cfg.can_kbps = (unsigned)v;
			o->can_options = true;
			break;
		case O_CAN_DATA_BITRATE:
			if (parse_number(optarg, 8000, &v) || !can_data_ok((unsigned)v))
				return usage_error("--can-data-bitrate '%s': expected one "
				                   "of 1000, 2000, 4000, 5000, 8000 "
				                   "(kbit/s)", optarg);
			o->cfg.can_data_kbps = (unsigned)v;
			o->can_options = true;
			break;
		case O_SEED:
			if (parse_number(optarg, UINT64_MAX, &v))
				return usage_error("--seed '%s': expected a number", optarg);
			o->cfg.seed = v;
			break;
		case O_DEVICES:
			if (parse_number(optarg, SIM_MAX_DEVICES, &v) || v == 0)
				return usage_error("--devices '%s': expected 1 to %d",
				                   optarg, SIM_MAX_DEVICES);
			o->devices = (unsigned)v;
			break;
		case O_UID:
			if (o->nuids == SIM_MAX_DEVICES)
				return usage_error("--uid: more than %d given",
				                   SIM_MAX_DEVICES);
			if (parse_uid(optarg, o->uid[o->nuids]) != 0)
				return usage_error("--uid '%s': expected 24 hex digits, "
				                   "the words at +8, +4 and +0 as the "
				                   "reference manual prints them "
				                   "(e.g. 0033002A3432510E30363838)",
				                   optarg);
			o->nuids++;
			break;
		case 'h':
			print_help();
			return 0;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!o->chip)
		return usage_error("--chip is required");
	if (o->nuids > o->devices)
		return usage_error("%u --uid values for %u device%s: give one "
		                   "per device at most (--devices N)", o->nuids,
		                   o->devices, o->devices == 1 ? "" : "s");
	if (optind >= argc)
		return usage_error("no COMMAND to run after '--'");
	o->command = argv + optind;
	return -1;
}

/* ---- the child ---- */

/* The {port} or {portI} at p: the device number (0 for {port}) and the
 * key's length, or -1 when p starts no such key. */
static int port_key(const char *p, unsigned *dev, size_t *len)
{
	const char *q = p + 5;
	unsigned long v = 0;

	if (strncmp(p, "{port", 5))
		return -1;
	if (*q == '}') {
		*dev = 0;
		*len = 6;
		return 0;
	}
	if (*q < '1' || *q > '9')
		return -1;
	while (*q >= '0' && *q <= '9' && v < 1000)
		v = v * 10 + (unsigned long)(*q++ - '0');
	if (*q != '}')
		return -1;
	*dev = (unsigned)v;
	*len = (size_t)(q + 1 - p);
	return 0;
}

/* arg with {port} replaced by ports[0] and {portI} by ports[I-1]; NULL
 * when out of memory or (*bad set to I) when I is above n. */
static char *replace_ports(const char *arg, const char *const *ports,
                           unsigned n, unsigned *bad)
{
	size_t size = 1;
	char *out = NULL, *w;

	for (int pass = 0; pass < 2; pass++) {
		w = pass ? out : NULL;
		for (const char *p = arg; *p;) {
			unsigned dev;
			size_t klen;
			const char *port;

			if (port_key(p, &dev, &klen) != 0) {
				if (w)
					*w++ = *p;
				else
					size++;
				p++;
				continue;
			}
			if (dev > n) {
				*bad = dev;
				if (w)
					free(out);
				return NULL;
			}
			port = ports[dev ? dev - 1 : 0];
			if (w) {
				memcpy(w, port, strlen(port));
				w += strlen(port);
			} else {
				size += strlen(port);
			}
			p += klen;
		}
		if (w) {
			*w = '\0';
			return out;
		}
		if (!(out = malloc(size)))
			return NULL;
	}
	return NULL;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **child_argv(char **command, const char *const *ports, unsigned n,
                         unsigned *bad)
{
	size_t count = 0;
	char **v;

	while (command[count])
		count++;
	v = calloc(count + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < count; i++)
		if (!(v[i] = replace_ports(command[i], ports, n, bad))) {
			free_argv(v);
			return NULL;
		}
	return v;
}

/* ---- signals ---- */

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD)
		pending_signal = sig;
	if (write(wake_pipe[1], "", 1) < 0) {
		/* full: the loop is awake anyway */
	}
	errno = saved;
}

static int setup_signals(void)
{
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* One simulated chip and the transport it answers on. */
typedef struct device {
	unsigned number;        /* 1..devices */
	sim_config cfg;         /* its copy, with device, devices, first */
	sim_chip chip;
	bool chip_open;
	sim_faults faults;
	sim_trace *trace;       /* its own handle on --trace's file */
	sim_transport *t;
	char *flash;            /* FILE, FILE.2, ...; NULL without --flash */
} device;

/* Device 1 keeps --seed as it is, so a one-device run is what it always
 * was; the others get seeds of their own (UIDs, faults). */
static uint64_t device_seed(uint64_t seed, unsigned number)
{
	sim_rng r;

	if (number == 1)
		return seed;
	sim_rng_seed(&r, seed ^ ((uint64_t)number << 32));
	return sim_rng_next(&r);
}

static pid_t spawn(const sim_transport_ops *ops, device *dev, unsigned n,
                   char **argv)
{
	pid_t pid = fork();

	if (pid > 0 && ops->child_started)
		for (unsigned i = 0; i < n; i++)
			ops->child_started(dev[i].t);
	if (pid == 0) {
		sigset_t none;
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Once, on device 1: it arranges what every device needs. */
		if (ops->child_exec)
			ops->child_exec(dev[0].t, argv);
		execvp(argv[0], argv);
		fprintf(stderr, "stmprog-sim: cannot run %s: %s\n", argv[0],
		        strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Serves every device's transport until the child exits; returns its
 * wait status. */
static int serve(const sim_transport_ops *ops, device *dev, unsigned ndev,
                 pid_t child)
{
	struct pollfd pfd[1 + SIM_MAX_DEVICES * SIM_MAX_POLLFDS];
	int used[SIM_MAX_DEVICES];
	int status = 0;

	for (;;) {
		int64_t now = sim_now_ns(), deadline = now + CHILD_CHECK_NS;
		struct timespec ts;
		nfds_t total = 1;
		char drain[64];

		if (waitpid(child, &status, WNOHANG) == child)
			return status;
		if (pending_signal) {
			kill(child, pending_signal);
			pending_signal = 0;
		}
		pfd[0].fd = wake_pipe[0];
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (unsigned i = 0; i < ndev; i++) {
			used[i] = ops->poll_setup(dev[i].t,
			                          pfd + 1 + i * SIM_MAX_POLLFDS,
			                          &deadline);
			if (used[i] > 0)
				total = 1 + i * SIM_MAX_POLLFDS + (nfds_t)used[i];
		}
		/* Slots a device left unused between others are not polled. */
		for (unsigned i = 0; i < ndev; i++)
			for (int k = used[i]; k < SIM_MAX_POLLFDS; k++) {
				pfd[1 + i * SIM_MAX_POLLFDS + k].fd = -1;
				pfd[1 + i * SIM_MAX_POLLFDS + k].events = 0;
				pfd[1 + i * SIM_MAX_POLLFDS + k].revents = 0;
			}
		now = sim_now_ns();
		if (deadline < now)
			deadline = now;
		ts.tv_sec = (time_t)((deadline - now) / INT64_C(1000000000));
		ts.tv_nsec = (long)((deadline - now) % INT64_C(1000000000));
		if (ppoll(pfd, total, &ts, NULL) < 0 && errno != EINTR)
			sim_say("poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN)
			while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
				;
		for (unsigned i = 0; i < ndev; i++)
			ops->service(dev[i].t, pfd + 1 + i * SIM_MAX_POLLFDS, used[i]);
	}
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* who: "" for a lone device, "device 2: " among several. */
static void fault_summary(const sim_faults *f, const char *who)
{
	if (f->slcan) {
		if (f->lost > 0 || f->errframe > 0)
			sim_say("%sfaults injected: %lu frames lost, %lu error frames",
			        who, f->n_lost, f->n_errframe);
		return;
	}
	if (f->usb) {
		if (f->stall > 0 || f->status > 0)
			sim_say("%sfaults injected: %lu stalled requests, %lu failed "
			        "downloads", who, f->n_stall, f->n_status);
		return;
	}
	if (!sim_faults_bytes(f) && f->nack <= 0 && f->stall <= 0)
		return;
	sim_say("%sfaults injected: %lu dropped, %lu flipped, %lu NACKs, "
	        "%lu stalls", who, f->n_drop, f->n_flip, f->n_nack, f->n_stall);
}

/* Sets up device dev (its number set): flash file, chip, UID, faults,
 * trace handle.  Returns 0, or an exit status after saying why. */
static int device_setup(device *dev, const options *o, const stp_chip *chip)
{
	char err[512];

	dev->cfg = o->cfg;
	dev->cfg.device = dev->number;
	dev->cfg.devices = o->devices;
	dev->cfg.seed = device_seed(o->cfg.seed, dev->number);
	if (sim_faults_parse(&dev->faults, o->faults, dev->cfg.seed,
	                     o->transport, err, sizeof(err)) != 0)
		return usage_error("%s", err);
	if (o->flash) {
		size_t len = strlen(o->flash) + 16;

		if (!(dev->flash = malloc(len))) {
			sim_say("out of memory");
			return 1;
		}
		if (dev->number == 1)
			snprintf(dev->flash, len, "%s", o->flash);
		else
			snprintf(dev->flash, len, "%s.%u", o->flash, dev->number);
	}
	if (o->trace) {
		char prefix[16];

		if (!(dev->trace = sim_trace_open(o->trace))) {
			fprintf(stderr, "stmprog-sim: cannot open the trace file "
			        "%s: %s\n", o->trace, strerror(errno));
			return EXIT_USAGE;
		}
		if (o->devices > 1) {
			snprintf(prefix, sizeof(prefix), "d%u ", dev->number);
			sim_trace_set_prefix(dev->trace, prefix);
		}
	}
	if (sim_chip_open(&dev->chip, chip, o->flash_kb * 1024u, dev->flash,
	                  dev->cfg.seed, err, sizeof(err)) != 0) {
		fprintf(stderr, "stmprog-sim: %s%s\n", err,
		        o->devices > 1 ? " (--devices: each device's flash file "
		        "is FILE.I)" : "");
		return EXIT_USAGE;
	}
	dev->chip_open = true;
	dev->chip.boot0_low = o->boot0_low;
	if (dev->number <= o->nuids)
		memcpy(dev->chip.uid, o->uid[dev->number - 1], 12);
	return 0;
}

static void device_close(const sim_transport_ops *ops, device *dev)
{
	if (dev->t)
		ops->close(dev->t);
	if (dev->chip_open)
		sim_chip_close(&dev->chip);
	sim_trace_close(dev->trace);
	free(dev->flash);
}

/* STMPROG_SIM_PORT, STMPROG_SIM_PORT1.. and the TTY ones. */
static int export_ports(const sim_transport_ops *ops, const device *dev,
                        unsigned n)
{
	char name[64];

	if (setenv("STMPROG_SIM_PORT", ops->port(dev[0].t), 1) != 0 ||
	    (ops->tty && setenv("STMPROG_SIM_TTY", ops->tty(dev[0].t), 1) != 0))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "STMPROG_SIM_PORT%u", i + 1);
		if (setenv(name, ops->port(dev[i].t), 1) != 0)
			return -1;
		snprintf(name, sizeof(name), "STMPROG_SIM_TTY%u", i + 1);
		if (ops->tty && setenv(name, ops->tty(dev[i].t), 1) != 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	options o;
	const stp_chip *chip;
	const sim_transport_ops *ops;
	device *dev = NULL;
	const char *ports[SIM_MAX_DEVICES];
	char err[512], **cargv = NULL;
	bool ambiguous = false;
	unsigned bad = 0, ndev = 0;
	int rc, status;
	pid_t child;

	if (argc > 1 && !strcmp(argv[1], SIM_TTYWATCH_HELPER))
		return sim_ttywatch_helper_main(argc, argv);
	rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	ops = sim_transport_find(o.transport);
	if (!ops && sim_transport_needs_umockdev(o.transport))
		return usage_error("--transport usb: this stmprog-sim was built "
		                   "without umockdev (it was missing at build time; "
		                   "install libumockdev-dev and rebuild)");
	if (!ops)
		return usage_error("--transport '%s': %s", o.transport,
		                   sim_transport_planned(o.transport) ?
		                   "not simulated yet; uart, usb and slcan are" :
		                   "unknown; uart, usb and slcan are simulated");
	if (o.usb_options && strcmp(o.transport, "usb"))
		return usage_error("--usb-start, --usb-stlink and --boot0 need "
		                   "--transport usb");
	if (o.can_options && strcmp(o.transport, "slcan"))
		return usage_error("--can-bitrate and --can-data-bitrate need "
		                   "--transport slcan");
	chip = stp_chip_find(o.chip, &ambiguous);
	if (!chip)
		return usage_error("--chip '%s': %s", o.chip, ambiguous ?
		                   "more than one chip matches; give the PID" :
		                   "no such chip (stmprog --chips lists them)");
	if (!strcmp(o.transport, "slcan") &&
	    !(chip->interfaces & (STP_IF_CAN | STP_IF_FDCAN)))
		return usage_error("--transport slcan: the %s has no CAN "
		                   "bootloader (AN2606: CAN on F105/F107, F2, F4, "
		                   "F7 and some L4; FDCAN on G0, G4, H5, H7, L5, "
		                   "U5)", chip->name);
	if (o.cfg.can_data_kbps && !(chip->interfaces & STP_IF_FDCAN))
		return usage_error("--can-data-bitrate: the %s's CAN bootloader "
		                   "is classic CAN (AN3154), without a data phase",
		                   chip->name);
	/* The spec is checked once here, so a bad one is one message. */
	{
		sim_faults check;

		if (sim_faults_parse(&check, o.faults, o.cfg.seed, o.transport,
		                     err, sizeof(err)) != 0)
			return usage_error("%s", err);
	}
	if (o.flash_kb && (uint64_t)o.flash_kb * 1024 > chip->flash_size)
		return usage_error("--flash-kb %u: the %s comes with %u KiB at most",
		                   o.flash_kb, chip->name,
		                   (unsigned)(chip->flash_size / 1024));
	if (!(dev = calloc(o.devices, sizeof(*dev)))) {
		sim_say("out of memory");
		return 1;
	}
	for (ndev = 0; ndev < o.devices; ndev++) {
		dev[ndev].number = ndev + 1;
		if ((rc = device_setup(&dev[ndev], &o, chip)) != 0) {
			ndev++;
			goto out;
		}
	}
	rc = 1;
	if (setup_signals() != 0) {
		sim_say("cannot set up signals: %s", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < ndev; i++) {
		dev[i].cfg.first = i ? dev[0].t : NULL;
		dev[i].t = ops->open(&dev[i].cfg, &dev[i].chip, &dev[i].faults,
		                     dev[i].trace, err, sizeof(err));
		if (!dev[i].t) {
			if (ndev > 1)
				sim_say("device %u: %s", i + 1, err);
			else
				sim_say("%s", err);
			goto out;
		}
		ports[i] = ops->port(dev[i].t);
	}
	cargv = child_argv(o.command, ports, ndev, &bad);
	if (!cargv && bad) {
		rc = usage_error("COMMAND names {port%u}, but there %s only %u "
		                 "device%s (--devices N)", bad,
		                 ndev == 1 ? "is" : "are", ndev, ndev == 1 ? "" : "s");
		goto out;
	}
	if (!cargv || export_ports(ops, dev, ndev) != 0) {
		sim_say("out of memory");
		goto out;
	}
	child = spawn(ops, dev, ndev, cargv);
	if (child < 0) {
		sim_say("cannot start %s: %s", cargv[0], strerror(errno));
		goto out;
	}
	status = serve(ops, dev, ndev, child);
	rc = exit_code(status);
	for (unsigned i = 0; i < ndev; i++) {
		char who[32] = "";

		if (ndev > 1)
			snprintf(who, sizeof(who), "device %u: ", i + 1);
		fault_summary(&dev[i].faults, who);
	}
out:
	free_argv(cargv);
	/* The last first: device 1's transport may hold what others share. */
	while (ndev > 0)
		device_close(ops, &dev[--ndev]);
	free(dev);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
	}
	return rc;
}

/* stmprog-sim: a simulated STM32 ROM bootloader for tests, benchmarks and
 * people without hardware.
 *
 *   stmprog-sim --chip NAME|PID [options] -- COMMAND [ARG...]
 *
 * starts a simulated chip, attaches its bootloader to a transport (a pty
 * for uart and slcan, a umockdev test bed for usb), runs COMMAND with {port} replaced by the port's name (and
 * STMPROG_SIM_PORT set), and exits with COMMAND's status.  This file is
 * the options, the child and the event loop; the chip, the transports and
 * the faults live in their own files. */
#include "config.h"

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
	"[--faults SPEC] [--seed N] [--trace FILE] -- COMMAND [ARG...]"

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
	"  -h, --help           this text\n"
	"\n"
	"See docs/simulator.md and stmprog-sim(1).\n");
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

/* Returns -1 to go on, else an exit status. */
static int parse_options(int argc, char **argv, options *o)
{
	enum { O_CHIP = 256, O_FLASH, O_TRANSPORT, O_TIMING, O_BAUD,
	       O_LATENCY, O_FAULTS, O_SEED, O_TRACE, O_FLASH_KB, O_USB_START,
	       O_USB_STLINK, O_BOOT0, O_CAN_BITRATE, O_CAN_DATA_BITRATE };
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
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->transport = "uart";
	o->cfg.seed = 1;
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
	if (optind >= argc)
		return usage_error("no COMMAND to run after '--'");
	o->command = argv + optind;
	return -1;
}

/* ---- the child ---- */

static char *replace_port(const char *arg, const char *port)
{
	static const char key[] = "{port}";
	size_t n = 0, klen = sizeof(key) - 1, plen = strlen(port);
	const char *p;
	char *out, *w;

	for (p = arg; (p = strstr(p, key)); p += klen)
		n++;
	out = malloc(strlen(arg) + n * plen + 1);
	if (!out)
		return NULL;
	w = out;
	for (p = arg;;) {
		const char *hit = strstr(p, key);
		size_t len = hit ? (size_t)(hit - p) : strlen(p);
		memcpy(w, p, len);
		w += len;
		if (!hit)
			break;
		memcpy(w, port, plen);
		w += plen;
		p = hit + klen;
	}
	*w = '\0';
	return out;
}

static void free_argv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **child_argv(char **command, const char *port)
{
	size_t n = 0;
	char **v;

	while (command[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = replace_port(command[i], port))) {
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

static pid_t spawn(const sim_transport_ops *ops, sim_transport *t, char **argv)
{
	pid_t pid = fork();

	if (pid > 0 && ops->child_started)
		ops->child_started(t);
	if (pid == 0) {
		sigset_t none;
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (ops->child_exec)
			ops->child_exec(t, argv);
		execvp(argv[0], argv);
		fprintf(stderr, "stmprog-sim: cannot run %s: %s\n", argv[0],
		        strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Serves the transport until the child exits; returns its wait status. */
static int serve(const sim_transport_ops *ops, sim_transport *t, pid_t child)
{
	struct pollfd pfd[1 + SIM_MAX_POLLFDS];
	int status = 0;

	for (;;) {
		int64_t now = sim_now_ns(), deadline = now + CHILD_CHECK_NS;
		struct timespec ts;
		int n;
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
		n = ops->poll_setup(t, pfd + 1, &deadline);
		now = sim_now_ns();
		if (deadline < now)
			deadline = now;
		ts.tv_sec = (time_t)((deadline - now) / INT64_C(1000000000));
		ts.tv_nsec = (long)((deadline - now) % INT64_C(1000000000));
		if (ppoll(pfd, (nfds_t)(1 + n), &ts, NULL) < 0 && errno != EINTR)
			sim_say("poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN)
			while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
				;
		ops->service(t, pfd + 1, n);
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

static void fault_summary(const sim_faults *f)
{
	if (f->slcan) {
		if (f->lost > 0 || f->errframe > 0)
			sim_say("faults injected: %lu frames lost, %lu error frames",
			        f->n_lost, f->n_errframe);
		return;
	}
	if (f->usb) {
		if (f->stall > 0 || f->status > 0)
			sim_say("faults injected: %lu stalled requests, %lu failed "
			        "downloads", f->n_stall, f->n_status);
		return;
	}
	if (!sim_faults_bytes(f) && f->nack <= 0 && f->stall <= 0)
		return;
	sim_say("faults injected: %lu dropped, %lu flipped, %lu NACKs, %lu stalls",
	        f->n_drop, f->n_flip, f->n_nack, f->n_stall);
}

int main(int argc, char **argv)
{
	options o;
	const stp_chip *chip;
	const sim_transport_ops *ops;
	sim_transport *t = NULL;
	sim_trace *trace = NULL;
	sim_faults faults;
	sim_chip sc;
	char err[512], **cargv = NULL;
	bool ambiguous = false;
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
	if (sim_faults_parse(&faults, o.faults, o.cfg.seed, o.transport, err,
	                     sizeof(err)) != 0)
		return usage_error("%s", err);
	if (o.trace && !(trace = sim_trace_open(o.trace))) {
		fprintf(stderr, "stmprog-sim: cannot open the trace file %s: %s\n",
		        o.trace, strerror(errno));
		return EXIT_USAGE;
	}
	if (o.flash_kb && (uint64_t)o.flash_kb * 1024 > chip->flash_size) {
		sim_trace_close(trace);
		return usage_error("--flash-kb %u: the %s comes with %u KiB at most",
		                   o.flash_kb, chip->name,
		                   (unsigned)(chip->flash_size / 1024));
	}
	if (sim_chip_open(&sc, chip, o.flash_kb * 1024u, o.flash, o.cfg.seed, err,
	                  sizeof(err)) != 0) {
		fprintf(stderr, "stmprog-sim: %s\n", err);
		sim_trace_close(trace);
		return EXIT_USAGE;
	}
	sc.boot0_low = o.boot0_low;
	rc = 1;
	if (setup_signals() != 0) {
		sim_say("cannot set up signals: %s", strerror(errno));
		goto out;
	}
	t = ops->open(&o.cfg, &sc, &faults, trace, err, sizeof(err));
	if (!t) {
		sim_say("%s", err);
		goto out;
	}
	cargv = child_argv(o.command, ops->port(t));
	if (!cargv || setenv("STMPROG_SIM_PORT", ops->port(t), 1) != 0 ||
	    (ops->tty && setenv("STMPROG_SIM_TTY", ops->tty(t), 1) != 0)) {
		sim_say("out of memory");
		goto out;
	}
	child = spawn(ops, t, cargv);
	if (child < 0) {
		sim_say("cannot start %s: %s", cargv[0], strerror(errno));
		goto out;
	}
	status = serve(ops, t, child);
	rc = exit_code(status);
	fault_summary(&faults);
out:
	free_argv(cargv);
	if (t)
		ops->close(t);
	sim_chip_close(&sc);
	sim_trace_close(trace);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
	}
	return rc;
}

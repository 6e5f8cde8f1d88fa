/* stmprog-sim: a simulated STM32 ROM bootloader for tests, benchmarks and
 * people without hardware.
 *
 *   stmprog-sim --chip NAME|PID [options] -- COMMAND [ARG...]
 *
 * starts a simulated chip (or several: --devices N alike, or --device
 * TRANSPORT ... for each of a mix), attaches each one's bootloader to its
 * own instance of a transport (a pty for uart and slcan, a umockdev test
 * bed for usb), runs COMMAND with {port} replaced by device 1's port name
 * and {portI} by device I's (and STMPROG_SIM_PORT, STMPROG_SIM_PORTI
 * set), and exits with COMMAND's status.  This file is the devices, the
 * child and the event loop; the options, the jig (boards that come and
 * go), the chip, the transports and the faults live in their own files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stmprog/chip.h"

#include "sim_chip.h"
#include "sim_dfuse.h"
#include "sim_faults.h"
#include "sim_time.h"
#include "sim_trace.h"
#include "sim_transport.h"
#include "sim_ttywatch.h"
#include "sim_jig.h"
#include "sim_options.h"
#include "sim_station.h"

/* The loop looks at the child at least this often, whatever else. */
#define CHILD_CHECK_NS (50 * SIM_NS_PER_MS)

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

/* The first device of d's kind runs d's child_exec for all of them. */
static bool first_of_kind(const sim_device *d)
{
	return d->cfg.first == NULL;
}

static pid_t spawn(sim_device *dev, unsigned n, char **argv)
{
	pid_t pid = fork();

	if (pid > 0)
		for (unsigned i = 0; i < n; i++)
			if (dev[i].ops->child_started)
				dev[i].ops->child_started(dev[i].t);
	if (pid == 0) {
		sigset_t none;
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Once per kind, on its first device: usb's only sets the
		 * environment (and returns), so it goes first; uart's runs
		 * COMMAND under the termios watch every pty device shares. */
		for (int pass = 0; pass < 2; pass++)
			for (unsigned i = 0; i < n; i++) {
				bool usb = !strcmp(dev[i].ops->name, "usb");

				if (first_of_kind(&dev[i]) && dev[i].ops->child_exec &&
				    usb == (pass == 0))
					dev[i].ops->child_exec(dev[i].t, argv);
			}
		execvp(argv[0], argv);
		fprintf(stderr, "stmprog-sim: cannot run %s: %s\n", argv[0],
		        strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Serves every device's transport, the jig and --control until the child
 * exits; returns its wait status. */
static int serve(sim_device *dev, unsigned ndev, sim_control *control,
                 pid_t child)
{
	/* The wake pipe, --control, then each device's slice. */
	enum { FIXED = 2 };
	struct pollfd pfd[FIXED + SIM_MAX_DEVICES * SIM_MAX_POLLFDS];
	int used[SIM_MAX_DEVICES];
	int status = 0;

	for (;;) {
		int64_t now = sim_now_ns(), deadline = now + CHILD_CHECK_NS;
		struct timespec ts;
		nfds_t total = FIXED;
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
		pfd[1].fd = control ? control->fd : -1;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		for (unsigned i = 0; i < ndev; i++) {
			used[i] = dev[i].ops->poll_setup(dev[i].t,
			                                 pfd + FIXED + i * SIM_MAX_POLLFDS,
			                                 &deadline);
			if (used[i] > 0)
				total = FIXED + i * SIM_MAX_POLLFDS + (nfds_t)used[i];
		}
		sim_jig_deadline(dev, ndev, &deadline);
		/* Slots a device left unused between others are not polled. */
		for (unsigned i = 0; i < ndev; i++)
			for (int k = used[i]; k < SIM_MAX_POLLFDS; k++) {
				pfd[FIXED + i * SIM_MAX_POLLFDS + k].fd = -1;
				pfd[FIXED + i * SIM_MAX_POLLFDS + k].events = 0;
				pfd[FIXED + i * SIM_MAX_POLLFDS + k].revents = 0;
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
			dev[i].ops->service(dev[i].t, pfd + FIXED + i * SIM_MAX_POLLFDS,
			                    used[i]);
		if (control && (pfd[1].revents & POLLIN))
			sim_control_service(control, dev, ndev);
		sim_jig_service(dev, ndev);
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
		if (f->lost > 0 || f->errframe > 0 || f->hold > 0)
			sim_say("%sfaults injected: %lu frames lost, %lu error frames, "
			        "%lu held", who, f->n_lost, f->n_errframe, f->n_hold);
		return;
	}
	if (f->usb) {
		if (f->stall > 0 || f->status > 0 || f->hold > 0 || f->reenum > 0)
			sim_say("%sfaults injected: %lu stalled requests, %lu failed "
			        "downloads, %lu held, %lu re-enumerations", who,
			        f->n_stall, f->n_status, f->n_hold, f->n_reenum);
		return;
	}
	if (!sim_faults_bytes(f) && f->nack <= 0 && f->stall <= 0 &&
	    f->insert <= 0)
		return;
	sim_say("%sfaults injected: %lu dropped, %lu flipped, %lu inserted, "
	        "%lu NACKs, %lu stalls", who, f->n_drop, f->n_flip, f->n_insert,
	        f->n_nack, f->n_stall);
}

/* Sets up device dev (number, ndev, opts and ops set): faults, trace
 * handle, board 1's chip.  Returns 0, or an exit status after saying
 * why. */
static int device_setup(sim_device *dev, const char *trace)
{
	const sim_device_opts *o = dev->opts;
	char err[512];

	dev->cfg = o->cfg;
	dev->cfg.seed = device_seed(o->cfg.seed, dev->number);
	if (sim_faults_parse(&dev->faults, o->faults, dev->cfg.seed,
	                     o->transport, err, sizeof(err)) != 0)
		return sim_usage_error("%s", err);
	/* A handle even without --trace: the jig asks it when the host last
	 * spoke. */
	if (!(dev->trace = sim_trace_open(trace))) {
		fprintf(stderr, "stmprog-sim: cannot open the trace file "
		        "%s: %s\n", trace ? trace : "-", strerror(errno));
		return SIM_EXIT_USAGE;
	}
	if (dev->ndev > 1) {
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "d%u ", dev->number);
		sim_trace_set_prefix(dev->trace, prefix);
	}
	if (sim_jig_open_board(dev, 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "stmprog-sim: %s%s\n", err,
		        dev->ndev > 1 ? " (--devices: each device's flash file "
		        "is FILE.I)" : "");
		return SIM_EXIT_USAGE;
	}
	return 0;
}

static void device_close(sim_device *dev)
{
	if (dev->t)
		dev->ops->close(dev->t);
	if (dev->chip_open)
		sim_chip_close(&dev->chip);
	sim_trace_close(dev->trace);
}

/* STMPROG_SIM_PORT, STMPROG_SIM_PORT1.. and the TTY ones (for devices
 * on a terminal). */
static int export_ports(const sim_device *dev, unsigned n)
{
	char name[64];

	if (setenv("STMPROG_SIM_PORT", dev[0].ops->port(dev[0].t), 1) != 0 ||
	    (dev[0].ops->tty &&
	     setenv("STMPROG_SIM_TTY", dev[0].ops->tty(dev[0].t), 1) != 0))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "STMPROG_SIM_PORT%u", i + 1);
		if (setenv(name, dev[i].ops->port(dev[i].t), 1) != 0)
			return -1;
		snprintf(name, sizeof(name), "STMPROG_SIM_TTY%u", i + 1);
		if (dev[i].ops->tty &&
		    setenv(name, dev[i].ops->tty(dev[i].t), 1) != 0)
			return -1;
	}
	return 0;
}

/* Opens every device's transport in order; a later device of a kind
 * shares with the first of that kind (its termios watch, its bus). */
static int open_transports(sim_device *dev, unsigned ndev, const char **ports)
{
	char err[512];

	for (unsigned i = 0; i < ndev; i++) {
		dev[i].cfg.first = NULL;
		for (unsigned j = 0; j < i; j++)
			if (dev[j].ops == dev[i].ops) {
				dev[i].cfg.first = dev[j].t;
				break;
			}
		dev[i].t = dev[i].ops->open(&dev[i].cfg, &dev[i].chip,
		                            &dev[i].faults, dev[i].trace, err,
		                            sizeof(err));
		if (!dev[i].t) {
			if (ndev > 1)
				sim_say("device %u: %s", i + 1, err);
			else
				sim_say("%s", err);
			return -1;
		}
		ports[i] = dev[i].ops->port(dev[i].t);
	}
	return 0;
}

/* ---- --print-timing ---- */

/* s as a JSON string (the database's names hold no control characters,
 * but a quote or backslash must not break the object). */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

/* The figures --timing real sleeps by, for the benchmarks' bound
 * (bench/bound.py): one JSON object on stdout.  Built from the same chip
 * model the transports run on, so the two cannot disagree. */
static int print_timing(const sim_device_opts *d)
{
	const stp_chip *chip = d->chip;
	bool fd = (chip->interfaces & STP_IF_FDCAN) != 0;
	bool confirmed = false;
	uint32_t max_baud = stp_chip_uart_max_baud(chip, &confirmed);
	sim_chip c;
	char err[512];

	memset(&c, 0, sizeof(c));
	if (sim_chip_open(&c, chip, d->flash_kb * 1024u, NULL, d->cfg.seed, err,
	                  sizeof(err)) != 0) {
		sim_say("%s", err);
		return 1;
	}
	printf("{\"schema\": 1,\n \"chip\": \"0x%03X\", \"name\": ",
	       (unsigned)chip->pid);
	json_string(chip->name);
	printf(", \"family\": ");
	json_string(chip->family);
	printf(",\n \"flash_base\": %lu, \"flash_size\": %lu,\n"
	       " \"program_unit\": %u, \"program_us\": %u, "
	       "\"erased_value\": %u,\n \"units\": [",
	       (unsigned long)c.geo.flash_base, (unsigned long)c.geo.flash_size,
	       (unsigned)chip->program_unit, (unsigned)chip->program_us,
	       (unsigned)chip->erased_value);
	for (size_t i = 0; i < c.geo.nunits; i++) {
		const stp_erase_unit *u = &c.geo.units[i];

		printf("%s\n  {\"index\": %u, \"addr\": %lu, \"size\": %lu, "
		       "\"bank\": %u, \"erase_ms\": %lu}", i ? "," : "",
		       (unsigned)u->index, (unsigned long)u->addr,
		       (unsigned long)u->size, (unsigned)u->bank,
		       (unsigned long)stp_geometry_unit_erase_ms(&c.geo, u));
	}
	printf("],\n \"mass_erase_ms\": %lu, \"mass_erase\": %s, "
	       "\"ob_program_ms\": %lu,\n",
	       (unsigned long)sim_chip_mass_erase_ms(&c, 0),
	       chip->quirks & STP_QUIRK_NO_MASS_ERASE ? "false" : "true",
	       (unsigned long)(sim_chip_ob_program_ns(&c) / SIM_NS_PER_MS));
	printf(" \"uart\": {\"bits_per_byte\": 11, \"latency_ms\": %u, "
	       "\"baud\": %u, \"max_baud\": %lu, \"max_baud_confirmed\": %s, "
	       "\"get_checksum\": %s},\n",
	       d->cfg.latency_ms, d->cfg.baud, (unsigned long)max_baud,
	       confirmed ? "true" : "false",
	       chip->quirks & STP_QUIRK_UART_CHECKSUM ? "true" : "false");
	/* Full speed: the ROMs' DFU is a full-speed device. */
	printf(" \"usb\": {\"transfer_size\": %u, \"bit_rate\": 12000000},\n",
	       (unsigned)SIM_DFUSE_XFER);
	/* The rates the CAN bootloader starts at (sim_slcan.c's defaults). */
	printf(" \"can\": {\"classic\": %s, \"fd\": %s, \"nominal_kbps\": %u, "
	       "\"data_kbps\": %u}}\n",
	       chip->interfaces & STP_IF_CAN ? "true" : "false",
	       fd ? "true" : "false",
	       d->cfg.can_kbps ? d->cfg.can_kbps : fd ? 500u : 125u,
	       !fd ? 0u : d->cfg.can_data_kbps ? d->cfg.can_data_kbps : 2000u);
	sim_chip_close(&c);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

int main(int argc, char **argv)
{
	sim_options o;
	sim_device *dev = NULL;
	sim_control control, *ctl = NULL;
	const char *ports[SIM_MAX_DEVICES];
	char err[512], **cargv = NULL;
	unsigned bad = 0, ndev = 0;
	int rc, status;
	pid_t child;

	if (argc > 1 && !strcmp(argv[1], SIM_TTYWATCH_HELPER))
		return sim_ttywatch_helper_main(argc, argv);
	rc = sim_options_parse(argc, argv, &o);
	if (rc >= 0) {
		sim_options_free(&o);
		return rc;
	}
	if (o.print_timing) {
		rc = print_timing(&o.dev[0]);
		sim_options_free(&o);
		return rc;
	}
	if (!(dev = calloc(o.ndev, sizeof(*dev)))) {
		sim_say("out of memory");
		sim_options_free(&o);
		return 1;
	}
	for (ndev = 0; ndev < o.ndev; ndev++) {
		dev[ndev].number = ndev + 1;
		dev[ndev].ndev = o.ndev;
		dev[ndev].opts = &o.dev[ndev];
		dev[ndev].ops = o.dev[ndev].ops;
		if ((rc = device_setup(&dev[ndev], o.trace)) != 0) {
			ndev++;
			goto out;
		}
	}
	rc = 1;
	if (setup_signals() != 0) {
		sim_say("cannot set up signals: %s", strerror(errno));
		goto out;
	}
	if (open_transports(dev, ndev, ports) != 0)
		goto out;
	cargv = child_argv(o.command, ports, ndev, &bad);
	if (!cargv && bad) {
		rc = sim_usage_error("COMMAND names {port%u}, but there %s only %u "
		                     "device%s (--devices N, --device)", bad,
		                     ndev == 1 ? "is" : "are", ndev,
		                     ndev == 1 ? "" : "s");
		goto out;
	}
	if (!cargv || export_ports(dev, ndev) != 0) {
		sim_say("out of memory");
		goto out;
	}
	if (o.station && sim_station_write(o.station, dev, ndev, err,
	                                   sizeof(err)) != 0) {
		sim_say("%s", err);
		goto out;
	}
	if (o.control) {
		if (sim_control_open(&control, o.control, err, sizeof(err)) != 0) {
			sim_say("%s", err);
			goto out;
		}
		ctl = &control;
	}
	sim_jig_start(dev, ndev);
	child = spawn(dev, ndev, cargv);
	if (child < 0) {
		sim_say("cannot start %s: %s", cargv[0], strerror(errno));
		goto out;
	}
	status = serve(dev, ndev, ctl, child);
	rc = exit_code(status);
	for (unsigned i = 0; i < ndev; i++) {
		char who[32] = "";

		if (ndev > 1)
			snprintf(who, sizeof(who), "device %u: ", i + 1);
		fault_summary(&dev[i].faults, who);
	}
out:
	if (ctl)
		sim_control_close(ctl);
	free_argv(cargv);
	/* The last first: the first of a kind may hold what others share. */
	while (ndev > 0)
		device_close(&dev[--ndev]);
	free(dev);
	sim_options_free(&o);
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
	}
	return rc;
}

/* stmprog-sim: what a simulated transport looks like to the main loop.
 *
 * A transport attaches the chip's bootloader for one interface (UART,
 * USB DFU, CAN behind an slcan adapter) to something a host program can
 * open,
 * names that thing for {port}, and is driven by the main loop through
 * poll(2): it says which descriptors to watch and when it next has work
 * (paced bytes, stalls), and does that work when woken.  It never blocks
 * for long, so the simulator notices at once when COMMAND exits. */
#ifndef STMPROG_SIM_TRANSPORT_H
#define STMPROG_SIM_TRANSPORT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_chip.h"
#include "sim_faults.h"
#include "sim_pins.h"
#include "sim_trace.h"

/* --usb-start: what the chip is doing when the simulation starts. */
typedef enum sim_usb_start {
	SIM_USB_START_DFU = 0,   /* in the ROM bootloader, DFU on the bus */
	SIM_USB_START_APP,       /* running an application without USB */
	SIM_USB_START_RUNTIME    /* running one with a DFU run-time interface */
} sim_usb_start;

typedef struct sim_transport sim_transport; /* each transport's own */

/* --devices, --device: at most this many chips in one run. */
#define SIM_MAX_DEVICES 16

/* The options every transport may care about; each device has its own
 * copy, which lives as long as its transport. */
typedef struct sim_config {
	bool real_time;        /* --timing real */
	unsigned baud;         /* --baud, 0 = not given */
	unsigned latency_ms;   /* --latency-ms */
	uint64_t seed;         /* --seed */
	sim_usb_start usb_start; /* --usb-start */
	bool usb_stlink;       /* --usb-stlink */
	unsigned can_kbps;     /* --can-bitrate, 0 = the bootloader's default */
	unsigned can_data_kbps;/* --can-data-bitrate, 0 = the default */
	/* This open is for device `device` (1..devices, in the order of
	 * --devices or --device); `first` is the first earlier device's
	 * transport of the same kind (to share what one COMMAND can only
	 * have once: a termios watch, a USB bus), NULL for the first of its
	 * kind. */
	unsigned device;
	unsigned devices;
	sim_transport *first;
	/* usb: name the port by its path ("usb:1-I") rather than "usbI",
	 * which counts only the DFU devices on the bus at the time: with
	 * --device (pty devices take numbers too) and with boards that come
	 * and go, only the path stays the same. */
	bool port_by_path;
	/* uart: --wire, the host lines on the chip's BOOT0 and NRST. */
	sim_wiring wiring;
} sim_config;

#define SIM_MAX_POLLFDS 4

/* With several devices the main loop calls, in this order: open for
 * devices 1, 2, ..., N (each with its own chip, faults, trace handle and
 * config); port and tty of each; after fork, in the child, child_exec
 * ONCE per kind of transport, on the first device of that kind (it must
 * arrange what every device of its kind needs there): usb's first (it
 * only sets the environment and returns), then uart's (which execs);
 * child_started on every device 1..N in the parent;
 * poll_setup and service on every device, each with its own slice of
 * SIM_MAX_POLLFDS pollfds, around one ppoll; board when a board
 * comes or goes; close on devices N..1 (the first of each kind last, so
 * what it shares outlives the others). */
typedef struct sim_transport_ops {
	const char *name;
	/* NULL with a sentence in err on failure. */
	sim_transport *(*open)(const sim_config *cfg, sim_chip *chip,
	                       sim_faults *faults, sim_trace *trace,
	                       char *err, size_t errlen);
	/* What replaces {port}: a device path, an interface name... */
	const char *(*port)(const sim_transport *t);
	/* The bare terminal behind the port (STMPROG_SIM_TTY), or NULL when
	 * there is none. */
	const char *(*tty)(const sim_transport *t);
	/* In the child after fork: runs COMMAND (execvp), arranging what the
	 * transport must see of it; returns only on failure.  NULL: plain
	 * execvp.  In the parent right after fork: child_started. */
	void (*child_exec)(sim_transport *t, char **argv);
	void (*child_started)(sim_transport *t);
	/* Fills up to SIM_MAX_POLLFDS entries and returns how many; lowers
	 * *deadline (CLOCK_MONOTONIC ns) to its next timed event. */
	int (*poll_setup)(sim_transport *t, struct pollfd *pfd, int64_t *deadline);
	/* After poll: handle what is ready and what is due. */
	void (*service)(sim_transport *t, const struct pollfd *pfd, int n);
	/* The board in this device's jig changed (--boards, --control).
	 * present false: it was taken out; the chip stays valid memory but
	 * must not answer (uart: the pty stays and nothing answers; slcan:
	 * the adapter answers, nothing on the bus does; usb: it leaves the
	 * bus).  present true: the main loop has opened a new chip in the
	 * same sim_chip; start afresh with it. */
	void (*board)(sim_transport *t, bool present);
	void (*close)(sim_transport *t);
} sim_transport_ops;

/* The transport called name, or NULL. */
const sim_transport_ops *sim_transport_find(const char *name);
/* Whether name is a transport planned but not simulated yet. */
bool sim_transport_planned(const char *name);
/* Whether name is usb in a build without umockdev. */
bool sim_transport_needs_umockdev(const char *name);

extern const sim_transport_ops sim_uart_transport;
extern const sim_transport_ops sim_slcan_transport;
#ifdef HAVE_UMOCKDEV
extern const sim_transport_ops sim_usb_transport;
#endif

#endif

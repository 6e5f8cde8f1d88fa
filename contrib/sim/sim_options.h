/* stmprog-sim: the command line, checked, as one list of devices.
 *
 * Two ways to say what to simulate, both ending in the same list:
 *   --transport T --devices N: N devices alike (device I keeps its flash
 *       in FILE.I, device 1 in FILE);
 *   --device T ... --device T ...: each --device starts a device, the
 *       options after it (up to the next --device) are its own, the ones
 *       before the first --device are everyone's defaults.
 * Everything a device needs is checked here (transport, chip, faults,
 * rates), so a mistake is one usage message before anything starts. */
#ifndef STMPROG_SIM_OPTIONS_H
#define STMPROG_SIM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "stmprog/chip.h"

#include "sim_transport.h"

#define SIM_EXIT_USAGE 2

/* One device as the options describe it. */
typedef struct sim_device_opts {
	const char *transport;
	const sim_transport_ops *ops;   /* found from transport */
	const char *chip_arg;
	const stp_chip *chip;           /* found from chip_arg */
	/* Board 1's flash file (NULL: in memory); with --devices N device I
	 * gets FILE.I, and so does a --device whose --flash came from the
	 * defaults.  Owned (malloc'd). */
	char *flash;
	const char *faults;
	unsigned flash_kb;              /* 0 = the PID's largest */
	bool boot0_low;
	bool usb_options, can_options;  /* a --usb-*, --can-* option given */
	bool usb_start_given;           /* --usb-start (usb and gadget) */
	bool has_uid;                   /* board 1's UID given (--uid) */
	uint8_t uid[12];                /* memory order, word at +0 first */
	sim_config cfg;
	/* The boards that pass through the jig (--boards and friends). */
	unsigned boards;                /* >= 1 */
	unsigned handling_ms;
	bool start_absent;
	unsigned remove_idle_ms;        /* 0 = never by itself */
} sim_device_opts;

typedef struct sim_options {
	sim_device_opts dev[SIM_MAX_DEVICES];
	unsigned ndev;
	bool mixed;                     /* --device was used */
	const char *trace;              /* --trace */
	const char *control;            /* --control FIFO */
	const char *station;            /* --station FILE */
	/* --print-timing: print device 1's timing figures as JSON and exit
	 * (no COMMAND). */
	bool print_timing;
	char **command;                 /* NULL with --print-timing */
} sim_options;

/* Returns -1 to go on, else an exit status (0 after --help). */
int sim_options_parse(int argc, char **argv, sim_options *o);
void sim_options_free(sim_options *o);

/* A usage message ("stmprog-sim: ..." and the hint); returns
 * SIM_EXIT_USAGE. */
int sim_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

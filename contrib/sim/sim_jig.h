/* stmprog-sim: each device's jig, where boards come and go.
 *
 * A device is a jig position with its adapter (a pty, a USB port, an
 * slcan adapter on its bus) and, most of the time, a board in it.  With
 * --boards N the operator feeds it N boards in turn: a board is taken out
 * when the host has been silent for --remove-after-idle-ms after writing
 * to it or sending it off, or on request (--control), and the next one
 * goes in --handling-ms later, or on request.  Each board is a new chip
 * of the device's kind: its own UID (from the seed, the device number and
 * the board number), erased flash (board K >= 2 in FLASH.bK), fresh
 * option bytes and state.  The transport is told (sim_transport_ops.board)
 * and acts as that kind of jig does. */
#ifndef STMPROG_SIM_JIG_H
#define STMPROG_SIM_JIG_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_chip.h"
#include "sim_faults.h"
#include "sim_options.h"
#include "sim_trace.h"
#include "sim_transport.h"

/* One simulated device: its options, its current board's chip and the
 * transport that chip answers on. */
typedef struct sim_device {
	unsigned number;         /* 1..devices */
	unsigned ndev;           /* how many in the run */
	const sim_device_opts *opts;
	const sim_transport_ops *ops;
	sim_config cfg;          /* its copy, with device, devices, first */
	sim_chip chip;
	bool chip_open;
	sim_faults faults;
	sim_trace *trace;        /* its own handle (writes nowhere without
	                            --trace) */
	sim_transport *t;
	/* The jig. */
	unsigned board;          /* the board in it, or the last one; from 1 */
	bool present;
	int64_t inserted_at;
	int64_t insert_at;       /* the next board's arrival, 0: none due */
} sim_device;

/* Opens board k's chip in d->chip (its flash file, UID, seed); on
 * failure -1 with a sentence in err. */
int sim_jig_open_board(sim_device *d, unsigned k, char *err, size_t errlen);

/* After the transports are open, before COMMAND starts: a device with
 * --start-absent has its first board taken away until --handling-ms. */
void sim_jig_start(sim_device *dev, unsigned n);
/* Lowers *deadline to the next board event any device expects. */
void sim_jig_deadline(const sim_device *dev, unsigned n, int64_t *deadline);
/* Does the board events that are due. */
void sim_jig_service(sim_device *dev, unsigned n);

/* --control FIFO: creates it (or takes an existing FIFO) and opens it
 * for reading; -1 with a sentence in err. */
typedef struct sim_control {
	const char *path;
	int fd, keep_fd;         /* keep_fd: our own writer, so no EOF */
	bool created;
	char buf[256];
	size_t len;
} sim_control;

int sim_control_open(sim_control *c, const char *path, char *err,
                     size_t errlen);
/* Reads the lines written so far and obeys them. */
void sim_control_service(sim_control *c, sim_device *dev, unsigned n);
void sim_control_close(sim_control *c);

#endif

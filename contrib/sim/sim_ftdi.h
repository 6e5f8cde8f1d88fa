/* stmprog-sim: a simulated FTDI FT230X on a umockdev USB bus, for the
 * CBUS pins of a jig (--wire with cbus0..cbus3).
 *
 * The adapter is a sysfs record and a usbfs node in its own umockdev
 * test bed; COMMAND runs with umockdev's preload library, so libftdi1
 * (through libusb) finds it as on a real bus and talks to it with the
 * vendor control requests an FT-X answers: reset and purge, modem
 * control, flow control, baud divisor, line properties, latency timer,
 * bit mode (CBUS bit-bang: high nibble output enables, low nibble
 * levels), read pins.  Bulk IN answers with the two modem-status bytes
 * alone; bulk OUT is taken and dropped: the data path of the simulated
 * chip is the uart device's pty, not this adapter (umockdev cannot give
 * the adapter a tty of its own that a serial driver would serve).
 *
 * The ioctl handler runs on umockdev's worker thread; every change of
 * the CBUS pins' levels is queued there, in order, and the uart device
 * takes them on the main loop (sim_ftdi_take_cbus), before the pty bytes
 * the host wrote after the change.  One adapter per run. */
#ifndef STMPROG_SIM_FTDI_H
#define STMPROG_SIM_FTDI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_trace.h"

typedef struct sim_ftdi sim_ftdi;

/* Plugs the adapter in at USB port 1-1; NULL with a sentence in err. */
sim_ftdi *sim_ftdi_new(unsigned device, sim_trace *trace, char *err,
                       size_t errlen);
void sim_ftdi_free(sim_ftdi *f);

/* Its USB port path ("1-1", for path=) and serial string. */
const char *sim_ftdi_path(const sim_ftdi *f);
const char *sim_ftdi_serial(const sim_ftdi *f);

/* The descriptor to poll: readable when a CBUS change is queued. */
int sim_ftdi_fd(const sim_ftdi *f);
/* The next CBUS change, oldest first: the four pins' levels (bit N =
 * CBUSN; an input reads 1, pulled up).  False when none is queued.  The
 * adapter's trace lines queued before it are written on the way (on the
 * caller's thread: the trace file is not for two). */
bool sim_ftdi_take_cbus(sim_ftdi *f, uint8_t *levels);

/* In the child before exec: umockdev's preload library and test bed for
 * COMMAND, when this run has an adapter (else nothing). */
void sim_ftdi_child_env(void);

#endif

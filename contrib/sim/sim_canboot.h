/* stmprog-sim: the CAN bootloaders' device side (ST AN3154 for bxCAN,
 * AN5405 for FDCAN), frame in, frames out.
 *
 * Nothing here knows how frames reach the bus: a transport (the slcan
 * adapter on a pty today; a SocketCAN-facing one could reuse it) hands
 * each frame the bootloader's controller would receive to
 * sim_canboot_rx(), and gets the frames it transmits, in order, through
 * io->emit.  Time the chip spends (erasing, programming) is reported
 * through io->work before the frame that follows it, so the transport
 * decides how that maps onto its clock.  Every command ends in exactly one
 * trace line (docs/simulator.md). */
#ifndef STMPROG_SIM_CANBOOT_H
#define STMPROG_SIM_CANBOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_chip.h"
#include "sim_trace.h"

/* One frame on the bus.  len is the number of data bytes, already one of
 * the legal FD lengths (0-8, 12, 16, 20, 24, 32, 48, 64) for FD frames. */
typedef struct sim_can_frame {
	uint32_t id;
	bool ext;           /* 29-bit identifier */
	bool fd;            /* CAN FD format */
	bool brs;           /* FD: data phase at the data bit rate */
	bool rtr;           /* classic remote frame (no data) */
	uint8_t len;
	uint8_t data[64];
	/* The rates it is sent at (kbit/s): the nominal one, and the data
	 * phase's for FD frames with BRS (else 0).  A receiver at other
	 * rates cannot hear it. */
	unsigned kbps;
	unsigned data_kbps;
} sim_can_frame;

/* The FD lengths: the smallest legal one holding n bytes (n <= 64), and
 * the DLC code (0-15) of a legal length. */
uint8_t sim_can_fd_len(unsigned n);
unsigned sim_can_dlc_of_len(uint8_t len);
uint8_t sim_can_len_of_dlc(unsigned dlc);

typedef struct sim_canboot_io {
	void *ctx;
	/* The bootloader transmits f (the transport copies it). */
	void (*emit)(void *ctx, const sim_can_frame *f);
	/* The chip is busy for ns before whatever it emits next. */
	void (*work)(void *ctx, int64_t ns);
} sim_canboot_io;

typedef struct sim_canboot sim_canboot;

/* fd: the AN5405 FDCAN bootloader, else AN3154.  kbps: the nominal rate
 * it starts at (and comes back to at every reset); data_kbps: FDCAN's
 * data-phase rate.  NULL when out of memory. */
sim_canboot *sim_canboot_new(sim_chip *chip, bool fd, unsigned kbps,
                             unsigned data_kbps, sim_trace *trace,
                             const sim_canboot_io *io);
void sim_canboot_free(sim_canboot *b);

bool sim_canboot_is_fd(const sim_canboot *b);
/* The rates the bootloader's controller is at now (SPEED changes them). */
void sim_canboot_rates(const sim_canboot *b, unsigned *kbps,
                       unsigned *data_kbps);

/* Whether the bootloader is inside a WRITE, taking the host's frames as
 * its data (for the slcan transport's cut fault). */
bool sim_canboot_in_write(const sim_canboot *b);

/* A frame the bootloader's controller received (at its own rates: the
 * transport drops frames it could not have heard). */
void sim_canboot_rx(sim_canboot *b, const sim_can_frame *f);

#endif

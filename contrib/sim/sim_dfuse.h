/* stmprog-sim: the device side of ST's DfuSe ROM bootloader (USB DFU 1.1
 * with ST's extensions, AN3156), on top of the chip model.
 *
 * Nothing here knows how requests arrive: the USB glue (sim_usb.c) hands
 * over each DFU class request with its setup fields and data stage, and
 * is told what to answer, when the answer is due, and what the device
 * does afterwards (vanish and jump, reset, re-enumerate).  The same goes
 * for the run-time DFU interface an application may show (appIDLE,
 * appDETACH). */
#ifndef STMPROG_SIM_DFUSE_H
#define STMPROG_SIM_DFUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim_chip.h"
#include "sim_dfu_layout.h"
#include "sim_faults.h"
#include "sim_trace.h"

/* DFU 1.1 class requests (bRequest). */
enum {
	SIM_DFU_DETACH = 0, SIM_DFU_DNLOAD, SIM_DFU_UPLOAD, SIM_DFU_GETSTATUS,
	SIM_DFU_CLRSTATUS, SIM_DFU_GETSTATE, SIM_DFU_ABORT
};

/* ST ROMs transfer 2048 bytes per block. */
#define SIM_DFUSE_XFER 2048

/* What becomes of the device once the reply has gone out. */
typedef enum sim_dfuse_after {
	SIM_DFUSE_STAY = 0,
	SIM_DFUSE_LEAVE,       /* jumped to the address pointer (manifest) */
	SIM_DFUSE_RESET,       /* option bytes written or read unprotect */
	SIM_DFUSE_REENUMERATE  /* DETACH in DFU mode (bitWillDetach) */
} sim_dfuse_after;

typedef struct sim_dfuse_reply {
	int len;               /* IN bytes placed in the data buffer; -1: stall */
	int64_t ready_at;      /* CLOCK_MONOTONIC ns the answer is due; 0: now */
	sim_dfuse_after after;
	int64_t after_at;      /* when it happens (ns); 0: right after */
	bool app_runs;         /* LEAVE/RESET: the application runs afterwards */
} sim_dfuse_reply;

typedef struct sim_dfuse sim_dfuse;

sim_dfuse *sim_dfuse_new(sim_chip *chip, const sim_dfu_layout *layout,
                         sim_faults *faults, sim_trace *trace, bool real_time);
void sim_dfuse_free(sim_dfuse *d);

/* A fresh start of the ROM (power-on, reset, re-enumeration). */
void sim_dfuse_restart(sim_dfuse *d);
/* SET_INTERFACE on interface 0; false when the alt does not exist. */
bool sim_dfuse_set_alt(sim_dfuse *d, unsigned alt);
/* The alternate setting selected last (GET_INTERFACE). */
unsigned sim_dfuse_alt(const sim_dfuse *d);
/* The wTransferSize the device shows, when not the ROM's 2048 (the
 * gadget transport: gadgetfs carries at most 256 bytes on ep0).  Data
 * block n is at (n - 2) * xfer past the address pointer. */
void sim_dfuse_set_xfer(sim_dfuse *d, uint16_t xfer);
/* A USB bus reset of the DFU-mode device: the ROM stays, the DFU state
 * machine goes back to dfuIDLE. */
void sim_dfuse_bus_reset(sim_dfuse *d);
/* A request stalled by an injected fault: dfuERROR, errSTALLEDPKT. */
void sim_dfuse_fault_stall(sim_dfuse *d);

/* One DFU class request to the DFU-mode interface.  data holds the OUT
 * data stage (wLength bytes) or receives up to wLength IN bytes. */
void sim_dfuse_request(sim_dfuse *d, uint8_t request, uint16_t value,
                       uint16_t length, uint8_t *data, int64_t now,
                       sim_dfuse_reply *r);

/* Where the chip goes after a reset that is not a leave: with BOOT0 high
 * (the default) always the ROM again; with BOOT0 low the application when
 * its vector table is plausible and the empty check does not hold the
 * chip in the ROM.  True when the application runs. */
bool sim_dfuse_boot(sim_dfuse *d);

/* The run-time interface of an application (class 0xFE/1/1).  *detached
 * is set by DETACH and read by the USB glue at the next bus reset. */
void sim_dfu_runtime_request(sim_trace *trace, bool *detached, uint8_t request,
                             uint16_t length, uint8_t *data, sim_dfuse_reply *r);

#endif

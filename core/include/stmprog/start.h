/* libstmprog: starting the application on a target.
 *
 * The address is always a real one: the chip's flash base when the caller
 * names none.  Before the jump the vector table there is read from the
 * device (after any write) and checked: an initial stack pointer that is
 * a word address in RAM, a reset vector that is a Thumb address in flash
 * or RAM.  A table that fails is refused with what was found, so "started"
 * is never said of erased flash or data.  The backend's go returns only
 * once it saw the chip leave its bootloader.
 *
 * Ownership and threading: the report is the caller's struct.  Both calls
 * use the target and its context, so one thread at a time per target.
 */
#ifndef STMPROG_START_H
#define STMPROG_START_H

#include <stdbool.h>
#include <stdint.h>

#include "stmprog/context.h"
#include "stmprog/target.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stp_start_report {
	uint32_t addr;     /* where the vector table was taken from */
	bool checked;      /* it could be read (not readout-protected) */
	uint32_t sp, pc;   /* its first two words, when checked */
} stp_start_report;

/* The address a start would use (*resolved), checked without touching
 * the device: word-aligned, in the chip's flash or in RAM.  For
 * validating a run before its first command. */
stp_status stp_start_check(stp_ctx *ctx, stp_target *t, bool has_addr,
                           uint32_t addr, uint32_t *resolved);

/* Checks the vector table at the address and starts the application. */
stp_status stp_start(stp_ctx *ctx, stp_target *t, bool has_addr,
                     uint32_t addr, stp_start_report *rep);

#ifdef __cplusplus
}
#endif
#endif

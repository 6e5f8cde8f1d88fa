/* ST's DfuSe extensions to DFU 1.1 (AN3156) on top of dfu_proto: the
 * commands sent as DNLOAD block 0 (set address 0x21, erase 0x41, read
 * unprotect 0x92), "get commands" (UPLOAD block 0), data blocks, and
 * leaving DFU mode.
 *
 * Data block n lands at (n - 2) * wTransferSize + address pointer.  The
 * pointer is set once before a run of consecutive full blocks (2, 3, 4
 * ...), again whenever the next address is not the continuation, and
 * always before a short block, which then goes as block 2: a short block
 * numbered further on would land by wTransferSize arithmetic, which some
 * devices get wrong.
 */
#ifndef STMPROG_DFU_DFUSE_CMD_H
#define STMPROG_DFU_DFUSE_CMD_H

#include "dfu_proto.h"
#include "stmprog/chip.h"

enum {
	DFUSE_CMD_GET = 0x00,
	DFUSE_CMD_SET_ADDRESS = 0x21,
	DFUSE_CMD_ERASE = 0x41,
	DFUSE_CMD_READ_UNPROTECT = 0x92
};

/* Tries per data block or page erase: the first and two more, each after
 * CLRSTATUS and a fresh set address.  A flash cell that fails to program
 * twice in a row will not take it a third time; a USB hiccup clears. */
#define DFUSE_TRIES 3

/* Deadlines in milliseconds (dfuse_timing_for). */
typedef struct dfuse_timing {
	unsigned command_ms;     /* set address, get commands, leave */
	unsigned block_ms;       /* programming one wTransferSize block */
	unsigned unit_erase_ms;  /* erasing the chip's largest unit */
	uint32_t largest_unit;   /* bytes; smaller units get a scaled share */
	unsigned mass_erase_ms;  /* mass erase, read unprotect */
	/* -tm (stp_ctx_timeout_ms): every flash operation's deadline, not
	 * scaled by the unit's size; 0 = the figures above. */
	unsigned cap_ms;
} dfuse_timing;

typedef enum dfuse_run {
	DFUSE_RUN_NONE = 0,
	DFUSE_RUN_DOWN,
	DFUSE_RUN_UP
} dfuse_run;

typedef struct dfuse {
	dfu_dev *d;
	dfuse_timing t;
	/* Where the next full block of a run lands without a new pointer. */
	dfuse_run run;
	uint32_t next_addr;
	uint16_t next_block;
	unsigned retries;        /* blocks and erases tried again */
	unsigned set_addresses;  /* for tests and the debug log */
} dfuse;

void dfuse_init(dfuse *s, dfu_dev *d);
/* Deadlines from the chip database (NULL: generous defaults): 3x the
 * typical time plus 1 s, so a slow part or a cold morning does not fail
 * and a hung one is still reported within seconds. */
void dfuse_timing_for(dfuse_timing *t, const stp_chip *chip, uint16_t xfer,
                      uint32_t largest_unit);
/* Forget the device's address pointer (after an alt switch or a reset). */
void dfuse_forget(dfuse *s);

stp_status dfuse_set_address(dfuse *s, uint32_t addr);
/* Erases the unit holding addr; unit_size scales the deadline. */
stp_status dfuse_erase_unit(dfuse *s, uint32_t addr, uint32_t unit_size);
stp_status dfuse_mass_erase(dfuse *s);
/* Read unprotect: the device erases everything and resets, so it
 * vanishing is success. */
stp_status dfuse_read_unprotect(dfuse *s);
/* UPLOAD block 0: the command codes the device supports. */
stp_status dfuse_get_commands(dfuse *s, uint8_t *cmds, size_t max,
                              size_t *n);

stp_status dfuse_download(dfuse *s, uint32_t addr, const uint8_t *data,
                          uint32_t len);
stp_status dfuse_upload(dfuse *s, uint32_t addr, uint8_t *buf, uint32_t len);
/* One block the device answers by resetting (option bytes): *vanished
 * says whether it left the bus, which is success. */
stp_status dfuse_download_resetting(dfuse *s, uint32_t addr,
                                    const uint8_t *data, uint16_t len,
                                    const char *what, bool *vanished);
/* Set address addr, zero-length DNLOAD, GETSTATUS -> dfuMANIFEST: the
 * device jumps to the vector table at addr and leaves the bus. */
stp_status dfuse_leave(dfuse *s, uint32_t addr);

#endif

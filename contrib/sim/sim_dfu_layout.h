/* stmprog-sim: the memory-layout strings a DfuSe ROM shows, one per
 * alternate setting ("@Internal Flash  /0x08000000/04*016Kg,...").
 *
 * Strings known from real ROMs come from a table; the rest are generated
 * in the ROMs' style from the chip database.  The device side also needs
 * to know which addresses an alternate setting covers, so each string is
 * parsed back the lenient way a client would (a group without its unit
 * letter counts in bytes), which is what the ROM's own checks amount to. */
#ifndef STMPROG_SIM_DFU_LAYOUT_H
#define STMPROG_SIM_DFU_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"

#define SIM_DFU_MAX_ALTS 6
#define SIM_DFU_MAX_REGIONS 4
#define SIM_DFU_NAME_MAX 256

typedef struct sim_dfu_alt {
	char name[SIM_DFU_NAME_MAX];    /* the iInterface string */
	size_t nregions;
	uint32_t start[SIM_DFU_MAX_REGIONS];
	uint32_t size[SIM_DFU_MAX_REGIONS];
	bool confirmed;                 /* seen on a real ROM */
} sim_dfu_alt;

typedef struct sim_dfu_layout {
	size_t nalts;
	sim_dfu_alt alt[SIM_DFU_MAX_ALTS];
} sim_dfu_layout;

/* The alternate settings of chip's DfuSe ROM: always the PID's strings,
 * whatever flash a given part really has. */
int sim_dfu_layout_build(const stp_chip *chip, sim_dfu_layout *out,
                         char *err, size_t errlen);
/* Replaces the alternate settings with names, one string per line (a
 * test hook: STMPROG_SIM_DFU_ALTS).  -1 with err set when there are none
 * or too many. */
int sim_dfu_layout_override(sim_dfu_layout *out, const char *names,
                            char *err, size_t errlen);
/* What a simulated DfuSe ROM shows, for the usb and gadget transports
 * alike: the PID's layout, or STMPROG_SIM_DFU_ALTS's (a test hook for
 * devices no chip table row describes); says so when the part has no USB
 * DFU bootloader at all.  -1 with err set on a bad override. */
int sim_dfu_layout_for_rom(const stp_chip *chip, sim_dfu_layout *out,
                           char *err, size_t errlen);
/* Whether [addr, addr+len) lies in what alt's string declares. */
bool sim_dfu_alt_covers(const sim_dfu_alt *alt, uint32_t addr, uint32_t len);

#endif

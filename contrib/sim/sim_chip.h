/* stmprog-sim: the simulated chip behind every transport.
 *
 * Memories and protection of one part from the chip database, with the
 * rules its flash really follows (program units, erased value, write and
 * readout protection, empty check), kept in files when --flash is given:
 *
 *   FILE        the flash, raw, offset 0 = flash base, flash_size bytes
 *   FILE.ob     the option bytes, raw, ob_size bytes
 *   FILE.otp    the OTP area, raw, when the part has one
 *   FILE.eeprom the data EEPROM (L0/L1), raw, when the part has one
 *   FILE.state  rdp=, wrp=, go=, app= (one key=value per line)
 *
 * Transports speak their protocol and call these functions; nothing here
 * knows about bytes on a wire. */
#ifndef STMPROG_SIM_CHIP_H
#define STMPROG_SIM_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"

typedef enum sim_app {
	SIM_APP_BOOTLOADER = 0, /* the ROM bootloader is listening */
	SIM_APP_RUNNING,        /* GO started a plausible application */
	SIM_APP_NONE            /* GO to garbage, or RDP level 2: silent */
} sim_app;

typedef enum sim_mem {
	SIM_MEM_OK = 0,
	SIM_MEM_UNMAPPED,    /* nothing readable/writable there */
	SIM_MEM_PROTECTED,   /* readout or write protection in the way */
	SIM_MEM_BAD_INDEX,   /* an erase unit the chip does not have */
	SIM_MEM_UNSUPPORTED  /* no mass or bank erase on this part */
} sim_mem;

typedef enum sim_go {
	SIM_GO_APP = 0,      /* the application runs, the bootloader is gone */
	SIM_GO_EMPTY_CHECK,  /* flash latched empty: back in the bootloader */
	SIM_GO_BAD_VECTOR    /* SP/PC implausible: the core faults, silent */
} sim_go;

typedef struct sim_write_result {
	unsigned programmed;   /* program units programmed (for the timing) */
	unsigned left;         /* units left as they were */
	bool option_bytes;     /* the option bytes were replaced: reset */
} sim_write_result;

/* Per-family option-byte facts (sim_chip.c has the table). */
typedef struct sim_ob_family sim_ob_family;

typedef struct sim_chip {
	const stp_chip *chip;
	stp_geometry geo;
	const stp_erase_unit **unit_by_index; /* index -> unit, NULL = hole */
	size_t nindex;
	uint8_t *flash;
	/* Per program unit, on ECC flash (units of 8 bytes and more): written
	 * since its erase, even with the erased value; such a unit cannot be
	 * written again before an erase. */
	uint8_t *ecc_written;
	uint8_t *ob;
	uint8_t *otp;
	/* The L0/L1 data EEPROM: reads 0x00 erased; a write replaces the
	 * bytes whatever they held, since the memory interface erases a word
	 * before it programs it (RM0377, RM0038). */
	uint8_t *eeprom;
	uint8_t *ram;
	uint8_t uid[12];
	bool *wrp;          /* per unit, by position in geo.units */
	int rdp;            /* 0, 1 or 2, as the option bytes say */
	bool empty_latched; /* first flash word read erased at the last load */
	bool go_set;
	uint32_t go_addr;
	sim_app app;
	/* The BOOT0 pin (--boot0).  High, the usual bench set-up, makes every
	 * reset land in the bootloader; low lets a reset start a plausible
	 * application.  Only the USB transport's resets look at it so far. */
	bool boot0_low;
	/* Since power-on the host wrote something (flash, option bytes,
	 * OTP) or sent the chip off with GO or a DFU leave: what an operator
	 * waits for before taking the board out of the jig (--boards). */
	bool worked_on;
	const sim_ob_family *obf;
	uint64_t seed;
	/* Persistence; all NULL / -1 without --flash. */
	char *path, *ob_path, *otp_path, *eeprom_path, *state_path;
	int flash_fd;
	bool loaded;        /* files read: closing may write them back */
} sim_chip;

/* Builds the chip and loads (or creates) its files when path is not NULL.
 * flash_size: the part's flash in bytes (0 = the largest the PID comes
 * with); the geometry is cut to it and the flash-size register reads it.
 * This is a power-on: the empty check latches from the flash as loaded.
 * On failure returns -1 with a sentence in err. */
int sim_chip_open(sim_chip *c, const stp_chip *chip, uint32_t flash_size,
                  const char *path, uint64_t seed, char *err, size_t errlen);
/* Whether the unit holding addr is write-protected. */
bool sim_chip_unit_protected(const sim_chip *c, uint32_t addr);
/* Saves and frees everything. */
void sim_chip_close(sim_chip *c);
/* Writes the option bytes, OTP, data EEPROM and state files (the flash is written as it
 * changes).  Returns -1 and says why on stderr when a file cannot be
 * written. */
int sim_chip_save(sim_chip *c);

/* ---- memory ---------------------------------------------------------- */

/* Whether every byte of [addr, addr+len) reads as something. */
bool sim_chip_readable(const sim_chip *c, uint32_t addr, uint32_t len);
void sim_chip_read(const sim_chip *c, uint32_t addr, uint8_t *buf,
                   uint32_t len);
/* Whether addr starts something WRITE may target (flash, RAM from
 * ram_start, option bytes, OTP, data EEPROM). */
bool sim_chip_writable_start(const sim_chip *c, uint32_t addr);
bool sim_chip_in_flash(const sim_chip *c, uint32_t addr);
bool sim_chip_in_ram(const sim_chip *c, uint32_t addr);
bool sim_chip_in_eeprom(const sim_chip *c, uint32_t addr);
/* Programs the bytes: whole program units only, erased units only (or
 * the same data again), never write-protected ones.  A write into the
 * option bytes replaces the whole image and reloads it; one into the data
 * EEPROM replaces the bytes (no erase needed there). */
sim_mem sim_chip_write(sim_chip *c, uint32_t addr, const uint8_t *data,
                       uint32_t len, sim_write_result *res);

/* ---- erase ----------------------------------------------------------- */

/* Erases units by their index; nothing is erased unless all are valid and
 * unprotected (*bad says which one was not).  *ns: how long it takes. */
sim_mem sim_chip_erase(sim_chip *c, const uint16_t *idx, size_t n,
                       uint16_t *bad, int64_t *ns);
/* bank: 0 = all flash, 1 or 2 = that bank. */
sim_mem sim_chip_mass_erase(sim_chip *c, int bank, int64_t *ns);
/* What a mass erase (bank 0) or a bank erase takes, in milliseconds: the
 * chip's mass_erase_ms (shared equally by the banks), else the sum of the
 * units' stp_geometry_unit_erase_ms.  A readout unprotect takes the same
 * as a mass erase. */
uint32_t sim_chip_mass_erase_ms(const sim_chip *c, int bank);
/* Time one program unit takes. */
int64_t sim_chip_program_ns(const sim_chip *c);
/* Programming the option-byte block (the ROM erases it first). */
int64_t sim_chip_ob_program_ns(const sim_chip *c);

/* ---- protection, reset, GO ------------------------------------------- */

/* Protects exactly these units (a second call replaces the set); indexes
 * the chip does not have are ignored, as the ROMs do. */
void sim_chip_write_protect(sim_chip *c, const uint16_t *idx, size_t n);
void sim_chip_write_unprotect(sim_chip *c);
void sim_chip_readout_protect(sim_chip *c);
/* Mass erase (write protection notwithstanding, the data EEPROM too),
 * then level 0.  *ns: the erase time. */
void sim_chip_readout_unprotect(sim_chip *c, int64_t *ns);
/* An option-byte reload (OBL): re-latches the empty check. */
void sim_chip_ob_reload(sim_chip *c);
/* A system reset into the bootloader (BOOT0 is assumed high). */
void sim_chip_reset(sim_chip *c);
/* GO addr: records it and decides what the core does. */
sim_go sim_chip_go(sim_chip *c, uint32_t addr, uint32_t *sp, uint32_t *pc);

/* Why an operation failed, in a few words for trace lines. */
const char *sim_mem_why(sim_mem m);

/* "0,1,2" of the write-protected unit indexes, into buf. */
const char *sim_chip_wrp_str(const sim_chip *c, char *buf, size_t len);

#endif

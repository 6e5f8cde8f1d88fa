/* libstmprog: the STM32 chip database.
 *
 * One entry per product ID (PID) that ST AN2606 lists for the ROM
 * bootloaders.  The entries are data (core/chip_table.c); this header is
 * how the rest of stmprog reads them.  Flash geometry is written as a
 * layout string so the table stays readable:
 *
 *   "4*16K,1*64K,7*128K"                  one bank of mixed sectors
 *   "256*2K|256*2K"                       two banks, bank 2 right after bank 1
 *   "4*16K,1*64K,7*128K|0x08100000:4*16K,1*64K,7*128K"
 *                                          bank 2 at an explicit address
 *
 * A group is COUNT*SIZE with SIZE in bytes or with a K/M suffix.  The
 * layout describes the largest flash the PID comes with; the real size of
 * a part is read from flash_size_reg (16-bit, in KiB) when that exists,
 * and the layout is cut to it (stp_chip_geometry).
 *
 * Ownership and threading: the table is constant data that lives as long
 * as the process; every stp_chip, stp_erase_unit and string returned here
 * points into it and is never freed.  stp_chip_geometry allocates the
 * units of the caller's stp_geometry, which stp_geometry_release frees.
 * Every function here may run on any number of threads at once.
 */
#ifndef STMPROG_CHIP_H
#define STMPROG_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bootloader interfaces a part has (AN2606). */
enum {
	STP_IF_USART = 1u << 0,
	STP_IF_USB_DFU = 1u << 1,
	STP_IF_CAN = 1u << 2,
	STP_IF_FDCAN = 1u << 3,
	STP_IF_I2C = 1u << 4,
	STP_IF_SPI = 1u << 5
};

/* Things a programmer must do differently for some parts. */
enum {
	/* Boots the bootloader while the first flash word reads erased; only a
	 * power cycle or an option-byte reload clears it (report 2). */
	STP_QUIRK_EMPTY_CHECK = 1u << 0,
	/* The DfuSe ROM's memory-layout string is wrong (L07x: report 3). */
	STP_QUIRK_DFU_LAYOUT_WRONG = 1u << 1,
	/* The bootloader has no mass erase command: erase page by page. */
	STP_QUIRK_NO_MASS_ERASE = 1u << 2,
	/* Option bytes take effect only after a reload (OBL_LAUNCH). */
	STP_QUIRK_OB_RELOAD = 1u << 3,
	/* Flash size register unreliable or absent: trust the table. */
	STP_QUIRK_FIXED_SIZE = 1u << 4,
	/* The USART bootloader has GET CHECKSUM (0xA1, CRC-32 over words),
	 * so a verify need not read the flash back (AN3155, newer ROMs). */
	STP_QUIRK_UART_CHECKSUM = 1u << 5
};

typedef struct stp_chip {
	uint16_t pid;           /* product ID as GET ID / DBGMCU_IDCODE gives it */
	const char *name;       /* e.g. "STM32F40xxx/41xxx" */
	const char *family;     /* e.g. "F4" */
	uint32_t flash_base;    /* usually 0x08000000 */
	uint32_t flash_size;    /* the largest flash this PID comes with */
	uint32_t flash_size_reg;/* address of the 16-bit KiB size register, 0 if none */
	const char *layout;     /* erase units, see above */
	uint8_t program_unit;   /* smallest write in bytes: 2, 4, 8, 16 or 32 */
	uint8_t erased_value;   /* 0xFF, or 0x00 on L0/L1 */
	uint32_t ram_start;     /* RAM the bootloader leaves free for the user */
	uint32_t ram_end;       /* (exclusive) */
	uint32_t sysmem_start;  /* system memory (the ROM bootloader) */
	uint32_t sysmem_end;    /* (exclusive) */
	uint32_t ob_start;      /* option bytes */
	uint32_t ob_size;
	uint32_t otp_start;     /* one-time programmable area, 0 if none */
	uint32_t otp_size;
	uint32_t uid_addr;      /* 96-bit unique device ID */
	uint8_t bl_version;     /* typical bootloader version (0x31 = 3.1), 0 unknown */
	uint32_t interfaces;    /* STP_IF_* */
	uint32_t quirks;        /* STP_QUIRK_* */
	uint16_t page_erase_ms; /* typical time to erase the largest unit */
	uint32_t mass_erase_ms; /* typical time to erase everything */
	uint16_t program_us;    /* typical time to program one program unit */
	/* Typical time to erase the smallest unit, where units differ in size
	 * (F2/F4/F7 sectors of 16 to 128 KiB): units in between take a time
	 * proportional in their size (stp_geometry_unit_erase_ms).  0: every
	 * unit takes page_erase_ms. */
	uint16_t small_erase_ms;
	/* Typical time to program the option bytes (the ROM erases and writes
	 * the whole block, then reloads it); 0 = page_erase_ms. */
	uint16_t ob_program_ms;
	/* The data EEPROM of L0/L1 (0x08080000), 0 if none: the largest the
	 * PID comes with.  It reads 0x00 erased, is written in 4-byte words
	 * and needs no erase (the memory interface erases a word it
	 * rewrites), so the ROMs' Write Memory goes there directly. */
	uint32_t eeprom_start;
	uint32_t eeprom_size;
} stp_chip;

/* The data EEPROM's erased value and write unit (the same on L0 and L1). */
#define STP_EEPROM_ERASED 0x00u
#define STP_EEPROM_UNIT 4u

/* One erase unit (page or sector) of a concrete part. */
typedef struct stp_erase_unit {
	uint32_t addr;
	uint32_t size;
	uint16_t index; /* number the bootloaders use for it (0-based, per chip) */
	uint8_t bank;   /* 0 or 1 */
} stp_erase_unit;

/* The flash of one concrete part: the table entry cut to its real size. */
typedef struct stp_geometry {
	const stp_chip *chip;
	uint32_t flash_base;
	uint32_t flash_size;
	size_t nunits;
	stp_erase_unit *units; /* sorted by address */
	unsigned nbanks;
} stp_geometry;

/* The whole table, sorted by PID. */
const stp_chip *stp_chip_table(size_t *count);
const stp_chip *stp_chip_by_pid(uint16_t pid);
/* Finds by PID ("0x413", "413") or by a case-insensitive name or name
 * fragment ("STM32F405", "f40"); NULL if none or if the fragment is
 * ambiguous (then *ambiguous is set when not NULL). */
const stp_chip *stp_chip_find(const char *name_or_pid, bool *ambiguous);

/* Expands the layout of chip for a part with flash_size bytes (0 = the
 * table's largest).  Fails with STP_ERR_LAYOUT when the layout string is
 * malformed or cannot hold flash_size. */
stp_status stp_chip_geometry(stp_ctx *ctx, const stp_chip *chip,
                             uint32_t flash_size, stp_geometry *out);
/* Frees what stp_chip_geometry allocated in geo (not geo itself). */
void stp_geometry_release(stp_geometry *geo);
/* The unit holding addr, or NULL. */
const stp_erase_unit *stp_geometry_unit_at(const stp_geometry *geo,
                                           uint32_t addr);

/* Typical erase time of unit u of geo in milliseconds, from the chip's
 * page_erase_ms (the largest unit) and small_erase_ms (the smallest):
 * the figure the simulator sleeps and the benchmarks' bound uses. */
uint32_t stp_geometry_unit_erase_ms(const stp_geometry *geo,
                                    const stp_erase_unit *u);

/* The highest USART bootloader baud rate known for chip (AN3155's tested
 * range ends at 115200; above that, what the ROM's clock allows and users
 * report).  *confirmed (when not NULL) says whether a document or a
 * report confirms it for this family, as docs/chips.md lists; rates above
 * it make stmprog warn and the simulator refuse to sync. */
uint32_t stp_chip_uart_max_baud(const stp_chip *chip, bool *confirmed);
/* The lowest USART bootloader rate known never to work on chip (a field
 * report, or above what the family's clock allows), 0 when none is
 * known; why (whylen bytes, may be NULL) receives how it is known.
 * stmprog refuses it when the part is named before connecting. */
uint32_t stp_chip_uart_never_baud(const stp_chip *chip, char *why,
                                  size_t whylen);

/* The address of the chip's DBGMCU_IDCODE register (PID in bits 11:0),
 * 0 when unknown.  Bootloaders that let it be read name the part exactly
 * where its memory map alone is ambiguous (a DfuSe layout fits F2 and
 * F405 alike). */
uint32_t stp_chip_idcode_addr(const stp_chip *chip);

/* "USART, USB DFU, CAN" style list of STP_IF_* bits, into buf. */
const char *stp_interfaces_str(uint32_t interfaces, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

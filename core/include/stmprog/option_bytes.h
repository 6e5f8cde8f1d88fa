/* libstmprog: named option-byte fields.
 *
 * The ROM bootloaders read and write the option bytes as a plain block of
 * memory at chip->ob_start (READ MEMORY / WRITE MEMORY on the USART, the
 * option-bytes alternate setting on DfuSe).  What that block means differs
 * per family; this module knows it for the families listed in
 * docs/option-bytes.md, so a front-end can show the bytes by name and
 * change them with KEY=VALUE assignments the way ST's STM32CubeProgrammer
 * CLI does (-ob RDP=0xAA BOR_LEV=3 ...).
 *
 * An "image" is the block as read from ob_start, byte 0 at ob_start.  Many
 * families keep the one's complement of each value next to it; the
 * functions that change an image rewrite those complements too, and
 * stp_ob_check tells a damaged or mis-read image from a good one so that it
 * is never written back.
 *
 * The library never prints: stp_ob_format hands finished lines to a
 * callback, stp_ob_describe writes one line into a buffer.
 *
 * Ownership and threading: the field tables are constant data for the
 * life of the process (never freed); images are the caller's buffers,
 * read or changed in place.  The functions keep no state and may run on
 * any number of threads at once, as long as two of them do not change
 * the same image.  stp_ob_format calls fn on the calling thread.
 */
#ifndef STMPROG_OPTION_BYTES_H
#define STMPROG_OPTION_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a family stores complements in the image. */
typedef enum stp_ob_shape {
	STP_OB_PLAIN = 0,     /* no complements (F2, F4, F7) */
	STP_OB_BYTE_PAIRS,    /* value byte, complement byte (F0, F1, F3) */
	STP_OB_HALF_WORDS,    /* 16-bit value, 16-bit complement per word (L0, L1) */
	STP_OB_WORD_PAIRS     /* 32-bit value, 32-bit complement (L4, G0, G4, ...) */
} stp_ob_shape;

/* One value of a field worth a word of explanation. */
typedef struct stp_ob_value {
	uint32_t value;
	const char *meaning;
} stp_ob_value;

/* stp_ob_field.flags */
enum {
	/* The read-protection byte: decoded into levels, and level 2 is only
	 * set when the caller passes STP_OB_ALLOW_LEVEL2. */
	STP_OB_FIELD_RDP = 1u << 0,
	/* Shown, never changed by name (a bit whose change the bootloader
	 * cannot undo, or that the hardware manages itself). */
	STP_OB_FIELD_READONLY = 1u << 1
};

/* One named field.  Its bits are read from the value bytes starting at
 * `offset`, skipping complement bytes, as a little-endian number; the field
 * is bits [shift, shift + width) of that number.  So a field of the L4
 * FLASH_OPTR word has offset 0 and its register bit position as shift, and
 * the F4 RDP byte has offset 1, shift 0, width 8. */
typedef struct stp_ob_field {
	const char *name;       /* as the reference manual / vendor CLI spell it */
	const char *alias;      /* another accepted spelling, or NULL */
	uint16_t offset;        /* first value byte in the image */
	uint8_t shift;          /* 0..31 */
	uint8_t width;          /* 1..32, shift + width <= 32 */
	uint32_t flags;         /* STP_OB_FIELD_* */
	const char *desc;       /* one line */
	const stp_ob_value *values; /* meanings, ended by meaning == NULL; or NULL */
	const char *other;      /* meaning of a value not listed, or NULL */
} stp_ob_field;

/* Flags of stp_ob_set and stp_ob_apply. */
enum {
	/* Allow RDP=0xCC: read protection level 2 is permanent, it disables
	 * the debug port and the bootloader for good. */
	STP_OB_ALLOW_LEVEL2 = 1u << 0
};

/* The fields known for chip, sorted by offset then bit position; NULL with
 * *n = 0 when the family's fields are not known (n may be NULL). */
const stp_ob_field *stp_ob_fields(const stp_chip *chip, size_t *n);
/* How chip's image keeps complements (STP_OB_PLAIN when unknown). */
stp_ob_shape stp_ob_shape_of(const stp_chip *chip);
/* The field called name or its alias, case-insensitively; NULL if none. */
const stp_ob_field *stp_ob_find(const stp_chip *chip, const char *name);

/* Reads field `name` of the image ob (len bytes).  Fails with
 * STP_ERR_UNSUPPORTED when the family's fields are not known, STP_ERR_ARG
 * for an unknown name or an image too short to hold the field. */
stp_status stp_ob_get(stp_ctx *ctx, const stp_chip *chip, const uint8_t *ob,
                      size_t len, const char *name, uint32_t *value);
/* Sets field `name` to value in ob and rewrites the complement bytes of
 * every value byte it touched.  Refuses values wider than the field,
 * read-only fields, and RDP=0xCC on families with a level 2 unless flags
 * has STP_OB_ALLOW_LEVEL2.  ob is unchanged on failure. */
stp_status stp_ob_set(stp_ctx *ctx, const stp_chip *chip, uint8_t *ob,
                      size_t len, const char *name, uint32_t value,
                      unsigned flags);
/* Applies n assignments "KEY=VALUE" (names case-insensitive, values decimal
 * or 0x hex) to ob, all or nothing: the image is first checked with
 * stp_ob_check, then every assignment is validated, and ob changes only if
 * all of them are good.  A field named twice is an error.  The failure
 * detail names the assignment and the field and says the valid range, or
 * lists the fields the chip has. */
stp_status stp_ob_apply(stp_ctx *ctx, const stp_chip *chip, uint8_t *ob,
                        size_t len, const char *const *assignments, size_t n,
                        unsigned flags);

/* Checks that every complement in ob is the complement of its value; fails
 * with STP_ERR_PROTOCOL naming the first byte that is not the complement
 * of which (by offset and address) and how many more are wrong.  A pair
 * that reads 0xFF/0xFF (erased) is accepted on F0/F1/F3, where the option
 * byte loader ignores it; a 0xFF/0xFF or 0x00/0x00 pair is accepted in
 * slots where no known field lives. */
stp_status stp_ob_check(stp_ctx *ctx, const stp_chip *chip, const uint8_t *ob,
                        size_t len);

/* One line "NAME     : 0xVALUE (meaning)" for field f holding value, into
 * buf (always terminated when len > 0).  name_width pads the name (0: no
 * padding).  Returns the length the whole line needs, like snprintf. */
size_t stp_ob_describe(const stp_chip *chip, const stp_ob_field *f,
                       uint32_t value, int name_width, char *buf, size_t len);

typedef void (*stp_ob_line_fn)(void *user, const char *line);
/* Calls fn once per known field of chip that ob holds, with its line from
 * stp_ob_describe, names padded to a common width.  Fails like stp_ob_get
 * when the family is not known. */
stp_status stp_ob_format(stp_ctx *ctx, const stp_chip *chip, const uint8_t *ob,
                         size_t len, stp_ob_line_fn fn, void *user);

/* The RDP value that gives read protection `level` (0 or 1) on chip:
 * 0xAA / 0xBB on most families, 0xA5 / 0x00 on F1.  STP_ERR_UNSUPPORTED
 * naming why when the family has no RDP field (H5 has a product state
 * instead).  Used where a ROM has no READOUT (UN)PROTECT command and the
 * protection goes through the option bytes (DfuSe). */
stp_status stp_ob_rdp_value(stp_ctx *ctx, const stp_chip *chip, int level,
                            uint32_t *value);

/* Rewrites the write-protection fields of ob (the image of geo->chip) so
 * that exactly the n erase units with the given indexes (as
 * --write-protect numbers them) are protected, n = 0 none, the way the
 * ROMs' WRITE PROTECT and WRITE UNPROTECT commands do.  Sector masks
 * (F2/F4/F7 nWRP, H7 WRPSN1) and page areas (WRP1A/WRP1B, WRP2A/WRP2B)
 * are covered; a set the fields cannot hold exactly (a third range in a
 * bank, part of a group one bit protects, a bank whose fields lie outside
 * the image) and families whose fields are per group of pages (F0, F1,
 * F3, L0, L1) fail with STP_ERR_UNSUPPORTED saying why and what to use.
 * All or nothing: ob is unchanged on failure. */
stp_status stp_ob_write_protection(stp_ctx *ctx, const stp_geometry *geo,
                                   uint8_t *ob, size_t len,
                                   const uint16_t *units, size_t n);

/* An option-byte preset: a text file of KEY=VALUE lines, one assignment a
 * line ('#' starts a comment, blank lines and spaces around the line are
 * ignored), read into *words (n entries, each "KEY=VALUE"), ready for
 * stp_ob_apply or stp_job_add_option_bytes.  Only the form is checked here
 * (a line that is not KEY=VALUE, a key given twice, an empty file), with
 * the detail naming FILE:LINE and what to write instead; whether the chip
 * has the fields and takes the values is checked, with the whole set, by
 * stp_ob_apply before anything is written, and the irreversible-step
 * guard applies as to -ob on the command line.  STP_ERR_FILE when the
 * file cannot be read.  Free *words with stp_ob_preset_free. */
stp_status stp_ob_preset_load(stp_ctx *ctx, const char *path, char ***words,
                              size_t *n);
void stp_ob_preset_free(char **words, size_t n);

#ifdef __cplusplus
}
#endif
#endif

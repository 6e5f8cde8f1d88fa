/* libstmprog: DfuSe memory-layout strings.
 *
 * A DfuSe device (ST AN3156) names each alternate setting of its DFU
 * interface with a string that is also its memory map:
 *
 *   @Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg
 *   @Option Bytes  /0x1FFFC000/01*016 e
 *   @Flash /0x90000000/64*4Kg/0x90040000/60*64Kg      (several segments)
 *
 * After '@' comes a name, then one or more segments "/ADDRESS/GROUPS"
 * where GROUPS is a comma-separated list of COUNT*SIZE[unit][type]: COUNT
 * units of SIZE bytes (unit 'B' or ' ' = bytes, 'K' = KiB, 'M' = MiB)
 * laid out one after the other from ADDRESS.  The type letter is
 * 'a'..'g', of which the low three bits say readable (1), erasable (2)
 * and writable (4).
 *
 * ROMs do not always follow that.  The parser accepts, and records as
 * guesses so the caller can say what it assumed:
 *  - no unit letter, the type letter right after the size
 *    ("1536*128g" on the L07x ROM): bytes, STP_DFUSE_GUESS_UNIT;
 *  - no type letter at all: readable, erasable and writable,
 *    STP_DFUSE_GUESS_TYPE;
 *  - an address without "0x" ("/5200201C/"): hexadecimal,
 *    STP_DFUSE_GUESS_ADDRESS;
 *  - lowercase 'k'/'m' units, upper-case type letters and extra spaces
 *    anywhere between the tokens are accepted silently: they cannot mean
 *    anything else.
 * Anything else is an error that quotes the string and names the
 * character position (1-based) where it went wrong.
 *
 * Ownership and threading: a stp_dfuse_layout is a plain struct the
 * caller owns (fixed arrays, nothing to free).  Every function here is
 * pure and may run on any number of threads at once.
 */
#ifndef STMPROG_DFUSE_H
#define STMPROG_DFUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attribute bits of a group (the type letter & 7). */
enum {
	STP_DFUSE_READABLE = 1u << 0,
	STP_DFUSE_ERASABLE = 1u << 1,
	STP_DFUSE_WRITABLE = 1u << 2
};

/* What the parser had to assume (stp_dfuse_layout.guessed). */
enum {
	STP_DFUSE_GUESS_UNIT = 1u << 0,    /* a size had no unit: bytes */
	STP_DFUSE_GUESS_TYPE = 1u << 1,    /* no type letter: readable,
	                                      erasable and writable */
	STP_DFUSE_GUESS_ADDRESS = 1u << 2  /* an address lacked "0x" */
};

/* Groups one string may hold; real ROM strings have at most six. */
#define STP_DFUSE_MAX_GROUPS 32

/* COUNT units of SIZE bytes from addr on. */
typedef struct stp_dfuse_group {
	uint32_t addr;
	uint32_t count;
	uint32_t size;     /* bytes per unit */
	uint8_t attr;      /* STP_DFUSE_READABLE | _ERASABLE | _WRITABLE */
	uint8_t guessed;   /* STP_DFUSE_GUESS_* that apply to this group */
} stp_dfuse_group;

typedef struct stp_dfuse_layout {
	char name[64];     /* "Internal Flash", trailing spaces dropped */
	size_t ngroups;
	stp_dfuse_group groups[STP_DFUSE_MAX_GROUPS];
	unsigned guessed;  /* STP_DFUSE_GUESS_* over all groups */
	/* The first guess in words, "" if none, e.g.
	 * "\"128g\" at character 27 has no unit: bytes assumed". */
	char guess[160];
} stp_dfuse_layout;

/* Parses a layout string.  Fails with STP_ERR_PROTOCOL (the device said
 * something unexpected) and a detail quoting the string and naming the
 * character position.  ctx may be NULL (then no detail is recorded). */
stp_status stp_dfuse_parse(stp_ctx *ctx, const char *str,
                           stp_dfuse_layout *out);

/* Bytes covered by every group (a uint64_t: a string may claim 4 GiB). */
uint64_t stp_dfuse_total(const stp_dfuse_layout *lo);
/* End of a group (exclusive), as a uint64_t for the same reason. */
uint64_t stp_dfuse_group_end(const stp_dfuse_group *g);
/* The group holding addr, or NULL. */
const stp_dfuse_group *stp_dfuse_group_at(const stp_dfuse_layout *lo,
                                          uint32_t addr);
/* Whether every byte of [addr, addr+len) is inside some group (the range
 * may cross from one group or segment into the next when they touch).
 * len 0 asks whether addr itself is inside. */
bool stp_dfuse_contains(const stp_dfuse_layout *lo, uint32_t addr,
                        uint64_t len);
/* The unit (page or sector) holding addr: its start and size.  false
 * when addr is in no group. */
bool stp_dfuse_unit_at(const stp_dfuse_layout *lo, uint32_t addr,
                       uint32_t *start, uint32_t *size);

/* How well one chip database entry explains these alternate settings:
 * 0 when it cannot have produced them, else STP_DFUSE_FITS plus the
 * bits below.  A chip fits when
 *  - one alt (the flash alt) starts at the chip's flash_base, and every
 *    unit it lists is a unit of the chip's flash geometry (same address,
 *    same size), so its total is not larger than the chip's flash_size;
 *  - another alt starts exactly at the chip's ob_start (the option-bytes
 *    alt), when the chip has option bytes.
 * The bits, most telling first: the chip has the USB DFU bootloader
 * (AN2606), the option-bytes alt's segment has exactly the chip's
 * ob_size bytes (G0/C0/U0: 128, L4: 40, so their equal flash strings are
 * told apart), the flash alt covers exactly the chip's largest flash. */
enum {
	STP_DFUSE_FITS = 1,
	STP_DFUSE_FLASH_SIZE = 2,
	STP_DFUSE_OB_SIZE = 4,
	STP_DFUSE_HAS_DFU = 8,
	STP_DFUSE_SCORE_MAX = 15
};
int stp_dfuse_fit(stp_ctx *ctx, const stp_chip *chip,
                  const stp_dfuse_layout *alts, size_t nalts);

/* Which chip database entries could have produced these alternate
 * settings (stp_dfuse_fit > 0), written to pids (at most max), best
 * score first, then in table (PID) order.  Returns how many there are
 * (which may exceed max).
 *
 * What stays ambiguous: parts whose ROMs show the same strings.  The
 * 512 KiB string "04*016Kg,01*064Kg,03*128Kg" with option bytes at
 * 0x1FFFC000 fits F446 (0x421), F411xC/E (0x431) and F401xD/E (0x433)
 * equally; the 1 MiB one fits F2 (0x411) and F405/407 (0x413) equally,
 * and also the first bank of F42x/43x (0x419) and F469/479 (0x434), which
 * score lower because they are larger.  The caller settles it with what
 * else the ROM lets it read (DBGMCU_IDCODE, the flash-size register; a
 * readout-protected chip refuses both), and where the best candidates
 * still differ in a way that matters (stp_dfuse_interchangeable) it must
 * say so and refuse chip-specific operations until the user names the
 * part (docs/dfu.md, "Identify"). */
size_t stp_dfuse_match(stp_ctx *ctx, const stp_dfuse_layout *alts,
                       size_t nalts, uint16_t *pids, size_t max);

/* Whether every operation stmprog does programs a and b alike: the same
 * flash units, program unit, erased value, flash-size register, option
 * bytes (address, size and field table) and programming quirks.  Only
 * the name and typical timings may differ (F2 and F405; F446, F411 and
 * F401xE). */
bool stp_dfuse_interchangeable(const stp_chip *a, const stp_chip *b);

/* "04*016Kg"-style text for one group (for logs), into buf. */
const char *stp_dfuse_group_str(const stp_dfuse_group *g, char *buf,
                                size_t len);

#ifdef __cplusplus
}
#endif
#endif

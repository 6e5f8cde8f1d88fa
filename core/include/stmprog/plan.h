/* libstmprog: the program planner and the engine that runs a plan.
 *
 * The planner turns an image and a chip's flash geometry into exactly what
 * must happen on the device: which erase units to erase (only the ones the
 * image touches, or everything when asked or when that is the same), which
 * aligned, padded blocks to write (blocks that equal the erased value right
 * after an erase are not written), and what to verify.  It validates
 * everything first: an image that does not fit, that lands in system
 * memory, RAM or option bytes, or that is empty is refused before the
 * device is touched, naming the first address at fault.
 *
 * A unit it erases keeps what the device holds there outside the image
 * (read-modify-write: the engine reads every partly covered unit first
 * and the plan writes its data back), so a patch into a used unit never
 * wipes the rest of it; --skipErase plans no erase at all.
 *
 * Given what the device holds now, units whose bytes already match the
 * image are skipped entirely, so re-flashing an image that changed in one
 * sector touches one sector.
 *
 * Ownership and threading: stp_plan_build gives a plan to free with
 * stp_plan_free; its blocks point into the plan.  stp_image_aligned,
 * stp_images_merge and stp_image_route give new images the caller frees
 * with stp_image_free (and route's *ob with free()).  Inputs (images,
 * geometry, options) are only read and stay the caller's.  The planner
 * and merge keep no state and may run on any number of threads at once;
 * the engine (stp_program, stp_program_check, stp_target_geometry) uses a
 * target and its context, one thread at a time per target.
 */
#ifndef STMPROG_PLAN_H
#define STMPROG_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"
#include "stmprog/image.h"
#include "stmprog/target.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A run of bytes to write or verify; data points into the plan. */
typedef struct stp_block {
	uint32_t addr;
	uint32_t len;
	const uint8_t *data;
} stp_block;

typedef struct stp_plan_opts {
	/* Erase everything with one command first (-e all, or asked). */
	bool mass_erase;
	/* The device's flash is known to be erased already (after -e all). */
	bool flash_erased;
	/* Write address/length multiple the transport needs (on top of the
	 * chip's program unit); 0 = none. */
	uint32_t write_align;
	/* Whether the transport can mass erase (then a plan that erases
	 * every unit uses it). */
	bool can_mass_erase;
	/* What the device holds now, geo->flash_size bytes from the flash
	 * base, or NULL when unknown.  known[i] (one flag per unit of geo, or
	 * NULL = all known) says which units' contents were read.  A touched
	 * unit is skipped when it already holds exactly what programming
	 * would leave in it. */
	const uint8_t *current;
	const bool *known;
	/* Name of the image for messages ("fw.hex"). */
	const char *image_name;
	/* Per unit of geo (NULL = none): the image's chunks there that equal
	 * the erased value are not read back but left to the erase (the ROM
	 * acknowledges an erase only once it completed), because reading
	 * them costs more than it tells; they are counted in fill_bytes.
	 * Chunks that are written are always verified. */
	const bool *fill_to_erase;
	/* Read-modify-write: a touched unit whose contents are known
	 * (current, known) keeps them outside the image: its final contents
	 * are what it holds with the image on top, and when it is erased,
	 * the kept chunks that are not the erased value are written back
	 * and verified like the image.  A partly covered unit whose
	 * contents are not known is planned as before (the rest erased):
	 * the engine reads those first (stp_plan.partial). */
	bool keep_rest;
	/* --skipErase: erase nothing.  In a unit whose contents are known,
	 * every byte the image changes must hold the erased value, else the
	 * plan fails naming the first address; chunks already equal are not
	 * written.  Units not known are planned as if blank (a dry check). */
	bool no_erase;
} stp_plan_opts;

typedef struct stp_plan {
	bool mass_erase;
	stp_erase_unit *erase;      /* units to erase, in address order */
	size_t nerase;
	stp_block *writes;          /* aligned blocks to write, address order */
	size_t nwrites;
	stp_block *verify;          /* aligned blocks to compare afterwards */
	size_t nverify;
	/* Every unit the image touches, with the whole unit's contents as
	 * programming leaves them (image bytes, erased value elsewhere). */
	stp_block *touched;
	size_t ntouched;
	bool *skipped;              /* per touched unit: already holds that */
	bool *partial;              /* per touched unit: the image does not
	                               cover all of it */
	size_t units_skipped;       /* touched units already holding it */
	uint64_t write_bytes;       /* sum of writes[].len */
	uint64_t verify_bytes;      /* sum of verify[].len */
	uint64_t image_bytes;       /* data bytes in the image */
	uint64_t fill_bytes;        /* erased-value chunks left to the erase */
	size_t units_blank;         /* touched units read blank, not erased */
	uint64_t kept_bytes;        /* keep_rest: bytes outside the image
	                               written back after the erase */
	size_t units_kept;          /* units with such bytes */
	uint32_t unit_align;        /* the alignment used */
	uint8_t erased_value;
	uint8_t *buffer;            /* owns every block's bytes */
} stp_plan;

stp_status stp_plan_build(stp_ctx *ctx, const stp_image *img,
                          const stp_geometry *geo, const stp_plan_opts *opts,
                          stp_plan **out);
void stp_plan_free(stp_plan *plan);

/* A copy of img with segments merged, their starts aligned down and ends
 * padded up to align bytes with fill; for --convert --chip. */
stp_status stp_image_aligned(stp_ctx *ctx, const stp_image *img,
                             uint32_t align, uint8_t fill, stp_image **out);

/* One input of a run: an image and the name its messages use. */
typedef struct stp_image_input {
	const stp_image *img;
	const char *name;     /* "boot.bin"; NULL: "an image" */
} stp_image_input;

/* Merges every image a run writes (each -d file, each data patch, each
 * .dfu element already routed) into one image, to be planned, written and
 * verified as one plan: data from several inputs in one erase unit
 * becomes that unit's final contents.  Two inputs with data at the same
 * address fail with STP_ERR_IMAGE naming both and the overlapping
 * range.  The first input with a start address gives the merged one's. */
stp_status stp_images_merge(stp_ctx *ctx, const stp_image_input *in, size_t n,
                            stp_image **out);

/* ---- the engine -------------------------------------------------- */

typedef struct stp_program_opts {
	bool mass_erase;      /* erase everything first */
	bool flash_erased;    /* the flash is known blank (after -e all) */
	bool skip_matching;   /* read first; skip units that already match */
	const char *image_name;
	/* --skipErase: erase nothing; every byte written must read erased
	 * or equal first, else nothing is written. */
	bool skip_erase;
	/* --flash-size: plan with this many bytes instead of the part's
	 * flash-size register; 0 = the register's. */
	uint32_t flash_size;
	/* Per unit of the geometry planned with (NULL: none): units known
	 * erased, by an erase earlier in the same run (-e 4 -d fw.bin);
	 * they are never read, there is nothing in them to keep. */
	const bool *units_erased;
	/* Leave the bytes of an erased unit outside the image erased instead
	 * of keeping what the device held there (read-modify-write, the
	 * default). */
	bool wipe_rest;
} stp_program_opts;

typedef struct stp_program_report {
	size_t units_erased;
	size_t units_skipped;
	bool mass_erased;
	uint64_t bytes_written;
	uint64_t bytes_verified;
	bool verified_by_crc;  /* device CRC instead of a read-back */
	unsigned units_repaired; /* failed units erased and written again */
	/* Touched units that read blank and so were not erased (the cost
	 * model read them because that is cheaper than erasing them). */
	size_t units_blank;
	/* Bytes of the image equal to the erased value, in units erased or
	 * read blank, that were neither written nor read back: left to the
	 * erase, because reading them back costs more on this link. */
	uint64_t fill_bytes;
	uint8_t erased_value;
	/* Read-modify-write: bytes of erased units outside the image that
	 * the device held (not the erased value) and that were written back
	 * and verified, in units_kept units; bytes_read_to_keep is what was
	 * read for it before the erase (every partly covered unit whole,
	 * since what it holds outside the image is unknown until read). */
	uint64_t bytes_kept;
	size_t units_kept;
	uint64_t bytes_read_to_keep;
	/* --skipErase: bytes read to check they were erased or equal. */
	uint64_t bytes_checked;
} stp_program_report;

/* The engine's cost model: whether reading a unit of unit_size bytes
 * (at read_us_per_kib, stp_caps) costs less than erasing it (erase_ms,
 * stp_geometry_unit_erase_ms).  0 = the read cost is unknown: never. */
bool stp_cost_read_cheaper(uint32_t read_us_per_kib, uint32_t unit_size,
                           uint32_t erase_ms);

/* Whether the engine reads a touched unit whole before erasing it, to
 * skip the erase when it reads blank: only where reading is cheaper, and
 * never on flash with ECC words (align, the plan's alignment, of 8 bytes
 * and more): a word once written with the erased value cannot be written
 * again, so such a unit is erased even when blank. */
bool stp_cost_read_before_erase(const stp_caps *caps, const stp_geometry *geo,
                                const stp_erase_unit *u, uint32_t align);

/* The geometry of the connected part (its chip entry cut to its flash
 * size); fails when the PID is not in the database. */
stp_status stp_target_geometry(stp_ctx *ctx, stp_target *t, stp_geometry *geo);

/* Splits img by where its parts go on target t (DfuSe alternate
 * settings, see core/image_route.c): *flash gets the flash data (a new
 * image, alt 0), *ob a whole option-byte image (ob_len bytes from the
 * chip's ob_start) when the file has one, else NULL.  Data for other
 * memories (OTP...), for alternate settings the device lacks, or a
 * partial option-byte image fail here, before the device is touched.  A
 * DFU suffix naming other USB IDs than the device's is a warning. */
stp_status stp_image_route(stp_ctx *ctx, stp_target *t, const stp_image *img,
                           const char *name, stp_image **flash,
                           uint8_t **ob, uint32_t *ob_len);

/* Plans without touching the device: for validating every input before
 * the first erase.  Same checks as stp_program. */
stp_status stp_program_check(stp_ctx *ctx, stp_target *t,
                             const stp_image *img, const stp_program_opts *o);

/* Plans, erases, writes and verifies every byte written; success only
 * when the verify matched.  Progress per phase through the context. */
stp_status stp_program(stp_ctx *ctx, stp_target *t, const stp_image *img,
                       const stp_program_opts *o, stp_program_report *report);

/* Pure, thread-safe.  The CRC STM32's CRC unit and the bootloaders' GET CHECKSUM compute:
 * CRC-32/MPEG-2 over 32-bit little-endian words (poly 0x04C11DB7, init
 * 0xFFFFFFFF, no reflection, no final xor).  len must be a multiple of 4. */
uint32_t stp_crc32_stm32(uint32_t crc, const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

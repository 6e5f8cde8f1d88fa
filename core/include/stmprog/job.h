/* libstmprog: the job, everything one run does to a target as one plan.
 *
 * A job holds the steps of a run in order: erases, the images to program
 * (any number, any format, plus data patches at addresses, all written
 * as ONE merged plan, core/image_merge.c), option-byte changes,
 * protection changes, reads, and what to do at the end (start the
 * application, or stay in the bootloader).  It is built and validated
 * without a device (files read, formats checked, the order of the steps
 * and, when the chip is named, addresses against its memory map), then
 * run on a target: there it is planned against the connected chip as one
 * plan, every step's arguments are checked, and the irreversible-step
 * guard (stmprog/guard.h) is passed, all before the first erase.  Success
 * is reported only after a verify of everything written.
 *
 * The same job may run on any number of targets, one after another or at
 * once from different threads: stp_job_run only reads the job.  Per-
 * target data (a serial number patch) goes in stp_job_run_opts.
 *
 * Ownership and threading:
 *   - stp_job_new returns a job the caller frees with stp_job_free.
 *   - The stp_job_add_* calls and stp_job_validate are not thread-safe on
 *     one job; once validated, the job is frozen (adds fail) and
 *     stp_job_run may run concurrently on it, each call with its own
 *     context and target.
 *   - Strings and buffers passed in are copied.
 *   - Messages go to the ctx of each call (stmprog/events.h): RESULT
 *     events say what each step did, phases and progress come from the
 *     engine.
 */
#ifndef STMPROG_JOB_H
#define STMPROG_JOB_H

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

typedef struct stp_job stp_job;

/* What happens at the end of a successful job. */
typedef enum stp_job_end {
	STP_JOB_END_STAY = 0,   /* leave the chip in its bootloader */
	STP_JOB_END_GO,         /* start the application (stmprog/start.h) */
	STP_JOB_END_RESET,      /* stp_target_reset(STP_RESET_SOFT) (-rst) */
	STP_JOB_END_HARD_RESET  /* stp_target_reset(STP_RESET_HARD) (-hardRst) */
} stp_job_end;

/* Data written at an address as part of the one plan: a serial number,
 * a calibration word, a MAC address. */
typedef struct stp_job_patch {
	uint32_t addr;
	const uint8_t *data;
	size_t len;
	const char *name;       /* for messages: "serial"; NULL: "a patch" */
} stp_job_patch;

/* A read step hands its bytes to this callback, once, whole. */
typedef stp_status (*stp_job_read_fn)(void *user, stp_ctx *ctx,
                                      uint32_t addr, const uint8_t *data,
                                      size_t len);

stp_job *stp_job_new(void);
void stp_job_free(stp_job *job);

/* The part the job is for, when known before connecting: addresses are
 * then checked without a device, and a target that is another part is
 * refused.  NULL (the default): checked on connect only. */
stp_status stp_job_set_chip(stp_job *job, stp_ctx *ctx, const stp_chip *chip);

/* ---- steps, in the order they run -------------------------------- *
 *
 * Messages name steps by the vendor CLI option that makes them (-d, -e,
 * -ob, -rdu, --write-protect, -u, -g), the names users know. */

/* Loads path (fmt STP_FMT_AUTO: by its name and contents); a raw binary
 * goes to addr when has_addr, else to the flash base.  A .dfu file's
 * option-bytes alternate setting becomes the job's option-byte image,
 * written after the flash and read back. */
stp_status stp_job_add_file(stp_job *job, stp_ctx *ctx, const char *path,
                            stp_image_format fmt, bool has_addr,
                            uint32_t addr);
/* An image already in memory (copied); name is for messages. */
stp_status stp_job_add_image(stp_job *job, stp_ctx *ctx,
                             const stp_image *img, const char *name);
/* Data patched into the one plan (copied). */
stp_status stp_job_add_patch(stp_job *job, stp_ctx *ctx,
                             const stp_job_patch *patch);
/* Erases everything (all) or the listed units (sector/page numbers). */
stp_status stp_job_add_erase(stp_job *job, stp_ctx *ctx, bool all,
                             const unsigned *units, size_t nunits);
/* Erases the units first..last (both included). */
stp_status stp_job_add_erase_range(stp_job *job, stp_ctx *ctx,
                                   unsigned first, unsigned last);
/* Option-byte assignments ("RDP=0xBB", "nBOOT0=0"), applied to what
 * the chip holds, written, read back; checked before the first erase. */
stp_status stp_job_add_option_bytes(stp_job *job, stp_ctx *ctx,
                                    const char *const *assignments,
                                    size_t n);
/* Reads the chip's option bytes when the step runs and hands them to
 * fn (addr: the chip's option-byte address), e.g. to show them. */
stp_status stp_job_add_option_bytes_read(stp_job *job, stp_ctx *ctx,
                                         stp_job_read_fn fn, void *user);
stp_status stp_job_add_readout_protect(stp_job *job, stp_ctx *ctx);
stp_status stp_job_add_readout_unprotect(stp_job *job, stp_ctx *ctx);
stp_status stp_job_add_write_protect(stp_job *job, stp_ctx *ctx,
                                     const unsigned *units, size_t nunits);
stp_status stp_job_add_write_protect_range(stp_job *job, stp_ctx *ctx,
                                           unsigned first, unsigned last);
stp_status stp_job_add_write_protect_all(stp_job *job, stp_ctx *ctx);
stp_status stp_job_add_write_unprotect(stp_job *job, stp_ctx *ctx);
/* Says "Verified" (a RESULT event) where it stands: every write before
 * it was verified before it reported success, so this step only
 * confirms it in order.  Fails unless an image, a patch or option bytes
 * come before it. */
stp_status stp_job_add_verified(stp_job *job, stp_ctx *ctx);
/* Reads len bytes at addr when the step runs. */
stp_status stp_job_add_read(stp_job *job, stp_ctx *ctx, uint32_t addr,
                            size_t len, stp_job_read_fn fn, void *user);
/* At the end: start the application at addr (has_addr), else at the
 * flash base, after its vector table was checked. */
stp_status stp_job_set_end(stp_job *job, stp_ctx *ctx, stp_job_end end,
                           bool has_addr, uint32_t addr);

/* A checksum step hands over the CRC (stp_crc32_stm32) of len bytes at
 * addr; by_device: the bootloader computed it (GET CHECKSUM), else the
 * core read the bytes and computed it. */
typedef stp_status (*stp_job_checksum_fn)(void *user, stp_ctx *ctx,
                                          uint32_t addr, uint32_t len,
                                          uint32_t crc, bool by_device);
/* The CRC of a region when the step runs (-checksum ADDRESS SIZE). */
stp_status stp_job_add_checksum(stp_job *job, stp_ctx *ctx, uint32_t addr,
                                uint32_t len, stp_job_checksum_fn fn,
                                void *user);

/* --skipErase: the plan erases nothing.  Every byte it writes must be
 * erased on the device or already equal; otherwise the run is refused
 * before anything is written, naming the first address that is neither.
 * Without it (the default) a unit the plan erases keeps the bytes the
 * images do not cover (read before the erase, written back, verified):
 * a patch into a used unit never wipes the rest of it. */
stp_status stp_job_set_skip_erase(stp_job *job, stp_ctx *ctx, bool skip);

/* --flash-size KB: the flash size to plan with instead of what the
 * chip's flash-size register says (a part sold with more flash than its
 * register admits); warned about when it differs from the register. */
stp_status stp_job_set_flash_size(stp_job *job, stp_ctx *ctx, uint32_t bytes);

/* Checks what can be checked without a device and freezes the job:
 * the order of the steps (nothing that changes the device between two
 * image or patch steps, no mass erase or readout unprotect after them),
 * overlapping images, and with a chip set, unit numbers, read ranges and
 * the one plan against its memory map.  Fails naming the file, step or
 * address at fault. */
stp_status stp_job_validate(stp_job *job, stp_ctx *ctx);

/* ---- running ----------------------------------------------------- */

typedef struct stp_job_run_opts {
	/* Per-target patches, merged into the one plan with the job's. */
	const stp_job_patch *patches;
	size_t npatches;
} stp_job_run_opts;

typedef struct stp_job_report {
	bool programmed;          /* the plan ran (or held nothing new) */
	size_t units_erased;
	size_t units_skipped;
	bool mass_erased;
	uint64_t bytes_written;
	uint64_t bytes_verified;
	bool verified_by_crc;
	unsigned units_repaired;
	bool option_bytes_written;
	bool started;             /* the application was started */
	uint32_t start_addr;
	bool reset;               /* -rst / -hardRst restarted the chip */
	/* Read-modify-write: bytes of erased units outside the images that
	 * the device held, read before the erase and written back, and
	 * what reading them cost. */
	uint64_t bytes_kept;
	uint64_t bytes_read_to_keep;
} stp_job_report;

/* Plans the validated job against target t (one plan, every check, the
 * guard) and runs it; a job not validated fails with STP_ERR_ARG.  The
 * one plan (every image and patch, the job's and opts'; a job with
 * per-target patches needs an image or patch step) runs at the first
 * image or patch step.  ctx is t's context.  opts and report may be
 * NULL.  A cancel (stp_cancel) stops it at the next block boundary with
 * STP_ERR_CANCELLED, saying which units may be partial. */
stp_status stp_job_run(const stp_job *job, stp_ctx *ctx, stp_target *t,
                       const stp_job_run_opts *opts, stp_job_report *report);

/* Plans and checks only, touching nothing (a dry run). */
stp_status stp_job_check(const stp_job *job, stp_ctx *ctx, stp_target *t,
                         const stp_job_run_opts *opts);

#ifdef __cplusplus
}
#endif
#endif

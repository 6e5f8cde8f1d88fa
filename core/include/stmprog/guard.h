/* libstmprog: the one guard in front of every irreversible step.
 *
 * Some writes cannot be taken back through any bootloader: read
 * protection level 2 (the debug port and the bootloader are off for good),
 * option bytes that keep the ROM bootloader from starting (the BOOT0 pin
 * ignored and the flash booted instead), and one-time-programmable bytes.
 * Whatever asks for one of them, an -ob assignment, a .dfu file's
 * option-byte target, a job file, an OTP write, reaches stp_guard(),
 * which refuses it unless the caller confirmed exactly that kind of step
 * with stp_ctx_confirm() (the stmprog front-end's --confirm-irreversible).
 * The target layer calls the guard again right before it writes, so a
 * path that forgot the early check still cannot brick a chip.
 *
 * Ownership and threading: the guard keeps no state of its own; it reads
 * what stp_ctx_confirm set on the context and records a refusal there, so
 * it follows the context's rule (one thread at a time per context).  The
 * other functions are pure and thread-safe; names go into the caller's
 * buffer.
 */
#ifndef STMPROG_GUARD_H
#define STMPROG_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stp_irreversible {
	STP_IRREV_RDP2 = 1u << 0,       /* read protection level 2 */
	STP_IRREV_BOOTLOADER = 1u << 1, /* option bytes that stop the ROM
	                                   bootloader from being entered */
	STP_IRREV_OTP = 1u << 2,        /* one-time-programmable memory */
	STP_IRREV_ALL = 7u
} stp_irreversible;

/* The words --confirm-irreversible takes, "rdp2", "bootloader", "otp",
 * comma-separated ("all" for every kind): parsed into STP_IRREV_* bits.
 * STP_ERR_ARG naming the word that is none of them. */
stp_status stp_irreversible_parse(stp_ctx *ctx, const char *list,
                                  unsigned *kinds);
/* "rdp2,bootloader" for kinds. */
const char *stp_irreversible_names(unsigned kinds, char *buf, size_t len);

/* The guard: STP_OK when every kind in `kinds` was confirmed on ctx,
 * else STP_ERR_REFUSED with a detail that says what `source` (e.g.
 * "-ob RDP=0xCC", "fw.dfu's option bytes") would do, and a hint naming
 * the option that confirms it.  kinds = 0 passes. */
stp_status stp_guard(stp_ctx *ctx, unsigned kinds, const char *source,
                     const char *consequence);

/* Which irreversible kinds writing the option-byte image `after` over
 * `before` (the device's block, or NULL when it could not be read) would
 * bring about on chip, from the chip's named fields.  A family whose
 * fields stmprog does not know counts as both RDP2 and BOOTLOADER: it
 * cannot be shown harmless.  why gets one sentence saying what
 * (always terminated when whylen > 0). */
unsigned stp_ob_irreversible(const stp_chip *chip, const uint8_t *before,
                             const uint8_t *after, size_t len, char *why,
                             size_t whylen);

/* The guard for an option-byte write: stp_ob_irreversible, then
 * stp_guard with source for the message. */
stp_status stp_guard_option_bytes(stp_ctx *ctx, const stp_chip *chip,
                                  const uint8_t *before, const uint8_t *after,
                                  size_t len, const char *source);

/* Whether [addr, addr+len) touches chip's OTP area. */
bool stp_chip_touches_otp(const stp_chip *chip, uint32_t addr, uint64_t len);

#ifdef __cplusplus
}
#endif
#endif

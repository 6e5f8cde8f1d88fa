/* libstmprog: a job's option-byte steps.  Assignments (-ob KEY=VALUE)
 * and a .dfu file's option bytes are tried and passed through the guard
 * before the first erase; when they run they are written and read back,
 * since the write resets the device and a refused value comes back
 * changed.  A read refused after a write that raised the protection is
 * that write's proof, and said so. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "job_internal.h"
#include "stmprog/events.h"
#include "stmprog/guard.h"
#include "stmprog/option_bytes.h"

#define OB_MAX 512

static const stp_chip *chip_of(const job_run *r)
{
	return stp_target_info(r->t)->chip;
}

/* The chip's option bytes must be in the database to be read or changed. */
static stp_status need_ob(job_run *r, uint32_t *len)
{
	const stp_device_info *info = stp_target_info(r->t);

	if (!info->chip || !info->chip->ob_size)
		return stp_fail(r->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the option bytes of PID 0x%03X are not in the chip "
		                "database", info->pid);
	*len = info->chip->ob_size > OB_MAX ? OB_MAX : info->chip->ob_size;
	return STP_OK;
}

static void say_line(void *user, const char *line)
{
	stp_result(user, "  %s", line);
}

/* The raw bytes, 16 a line, as "-ob displ" shows them. */
static void dump_ob(stp_ctx *ctx, uint32_t base, const uint8_t *buf,
                    uint32_t len)
{
	stp_result(ctx, "Option bytes at 0x%08X:", base);
	for (uint32_t i = 0; i < len; i += 16) {
		char line[16 * 3 + 4];
		size_t used = 0;
		for (uint32_t k = i; k < len && k < i + 16; k++)
			used += (size_t)snprintf(line + used, sizeof(line) - used,
			                         "%s%02X", k == i ? "  " : " ", buf[k]);
		stp_result(ctx, "%s", line);
	}
}

/* After an option-byte write that raised readout protection the
 * bootloader refuses to read them back; that refusal is the proof it
 * took.  What to say then depends on the level: -rdu undoes level 1
 * only. */
static bool protection_took(job_run *r, const uint8_t *before,
                            const uint8_t *want, uint32_t len)
{
	const stp_chip *chip = chip_of(r);
	uint32_t was, now;

	/* Any other failure keeps its own message for the caller. */
	if (stp_last_status(r->ctx) != STP_ERR_PROTECTED)
		return false;
	if (stp_ob_get(r->ctx, chip, want, len, "RDP", &now) ||
	    (before && !stp_ob_get(r->ctx, chip, before, len, "RDP", &was) &&
	     was == now)) {
		stp_clear_error(r->ctx);
		return false;
	}
	stp_clear_error(r->ctx);
	if (now == 0xCC)
		stp_result(r->ctx, "Option bytes written; read protection level 2 "
		                   "is now active (RDP=0xCC), so the bootloader "
		                   "refuses to read them back, which confirms it; "
		                   "level 2 is permanent: nothing can undo it");
	else
		stp_result(r->ctx, "Option bytes written; readout protection is "
		                   "now active (RDP=0x%02X, level 1), so the "
		                   "bootloader refuses to read them back, which "
		                   "confirms it; -rdu removes it and erases the "
		                   "flash", now);
	return true;
}

/* Level 2 switches the bootloader off for good, so after the write's
 * reset nothing answers any more: for a write that set it (confirmed,
 * past the guard), that silence is the expected outcome, and saying
 * "did not answer" as a failure would send the user looking for a fault. */
static bool level2_took(job_run *r, const uint8_t *want, uint32_t len,
                        stp_status st)
{
	const stp_chip *chip = chip_of(r);
	uint32_t rdp;

	if ((st != STP_ERR_TIMEOUT && st != STP_ERR_DISCONNECTED &&
	     st != STP_ERR_NOT_FOUND && st != STP_ERR_PROTECTED) ||
	    !(stp_ob_irreversible(chip, NULL, want, len, NULL, 0) & STP_IRREV_RDP2) ||
	    stp_ob_get(r->ctx, chip, want, len, "RDP", &rdp) || rdp != 0xCC)
		return false;
	stp_clear_error(r->ctx);
	stp_result(r->ctx, "Option bytes written with RDP=0xCC: read protection "
	                   "level 2 is permanent; the bootloader no longer "
	                   "answers after the reset, as level 2 means, and "
	                   "nothing can undo it");
	return true;
}

/* The .dfu file's option bytes pass the irreversible-step guard against
 * what the chip holds now, before the first erase. */
stp_status job_ob_guard_image(job_run *r)
{
	uint8_t now[OB_MAX];
	uint32_t len = 0;
	char source[300];
	bool have_now;

	if (!r->ob_image)
		return STP_OK;
	have_now = !need_ob(r, &len) && len == r->ob_len &&
	           !stp_target_option_bytes_read(r->t, now, len);
	if (!have_now)
		stp_clear_error(r->ctx);
	snprintf(source, sizeof(source), "%s: its option bytes", r->ob_file);
	return stp_guard_option_bytes(r->ctx, chip_of(r), have_now ? now : NULL,
	                              r->ob_image, r->ob_len, source);
}

/* The assignments tried on a copy of the device's option bytes, so a
 * misspelt field, or a value that cannot be undone and was not
 * confirmed, fails before any erase. */
stp_status job_ob_check_step(job_run *r, const job_step *s)
{
	const stp_chip *chip = chip_of(r);
	uint8_t buf[OB_MAX], want[OB_MAX];
	uint32_t len;
	stp_status st;

	if ((st = need_ob(r, &len)))
		return st;
	if (s->kind == JOB_OB_READ)
		return STP_OK;
	if ((st = stp_target_option_bytes_read(r->t, buf, len)))
		return st;
	memcpy(want, buf, len);
	if ((st = stp_ob_apply(r->ctx, chip, want, len,
	                       (const char *const *)s->words, s->nwords, 0)))
		return st;
	return stp_guard_option_bytes(r->ctx, chip, buf, want, len, "this -ob");
}

stp_status job_ob_write_image(job_run *r)
{
	const stp_chip *chip = chip_of(r);
	uint8_t back[OB_MAX];
	uint32_t len = r->ob_len;
	stp_status st;

	if (!r->ob_image)
		return STP_OK;
	if (len > sizeof(back))
		return stp_fail(r->ctx, STP_ERR_INTERNAL, NULL,
		                "%u option bytes are more than stmprog handles", len);
	stp_result(r->ctx, "%s: writing its option bytes (the device resets "
	                   "to load them)", r->ob_file);
	if ((st = stp_target_option_bytes_write(r->t, r->ob_image, len))) {
		if (!level2_took(r, r->ob_image, len, st))
			return st;
		r->rep.option_bytes_written = true;
		return STP_OK;
	}
	r->rep.option_bytes_written = true;
	if ((st = stp_target_option_bytes_read(r->t, back, len))) {
		if (protection_took(r, NULL, r->ob_image, len)) {
			r->downloaded = true;
			return STP_OK;
		}
		return st;
	}
	if (memcmp(back, r->ob_image, len))
		return stp_fail(r->ctx, STP_ERR_VERIFY,
		                "compare the file's option bytes with -ob displ",
		                "%s: the option bytes at 0x%08X read back differ "
		                "from the file's", r->ob_file, chip->ob_start);
	stp_result(r->ctx, "%s: %u option bytes written and verified",
	           r->ob_file, len);
	r->downloaded = true;
	return STP_OK;
}

/* -ob KEY=VALUE...: read, change the fields (all or nothing), write,
 * and read back to prove it took. */
stp_status job_ob_write_step(job_run *r, const job_step *s)
{
	const stp_chip *chip = chip_of(r);
	uint8_t buf[OB_MAX], want[OB_MAX], back[OB_MAX];
	uint32_t len;
	stp_status st;

	if ((st = need_ob(r, &len)))
		return st;
	if ((st = stp_target_option_bytes_read(r->t, buf, len)))
		return st;
	memcpy(want, buf, len);
	if ((st = stp_ob_apply(r->ctx, chip, want, len,
	                       (const char *const *)s->words, s->nwords, 0)))
		return st;
	if (!memcmp(want, buf, len)) {
		stp_result(r->ctx, "Option bytes already hold these values; "
		                   "nothing written");
		return STP_OK;
	}
	stp_result(r->ctx, "Writing the option bytes (the device resets to "
	                   "load them)");
	if ((st = stp_target_option_bytes_write(r->t, want, len))) {
		if (!level2_took(r, want, len, st))
			return st;
		r->rep.option_bytes_written = true;
		return STP_OK;
	}
	r->rep.option_bytes_written = true;
	if ((st = stp_target_option_bytes_read(r->t, back, len)))
		return protection_took(r, buf, want, len) ? STP_OK : st;
	if (memcmp(want, back, len)) {
		dump_ob(r->ctx, chip->ob_start, back, len);
		return stp_fail(r->ctx, STP_ERR_VERIFY,
		                "the part may not allow that value (see -ob displ "
		                "and docs/option-bytes.md)",
		                "the option bytes read back differ from what was "
		                "written");
	}
	stp_result(r->ctx, "Option bytes written and read back:");
	return stp_ob_format(r->ctx, chip, back, len, say_line, r->ctx);
}

stp_status job_ob_read_step(job_run *r, const job_step *s)
{
	uint8_t buf[OB_MAX];
	uint32_t len;
	stp_status st;

	if ((st = need_ob(r, &len)))
		return st;
	if ((st = stp_target_option_bytes_read(r->t, buf, len)))
		return st;
	return s->fn(s->user, r->ctx, chip_of(r)->ob_start, buf, len);
}

/* libstmprog: a job's protection steps (--readout-protect, -rdu,
 * --write-protect, --write-unprotect).
 *
 * A ROM that lists the command (GET) gets it.  One that does not, the
 * DfuSe ROM above all (AN3156 has only READ UNPROTECT), gets the same
 * protection as an option-byte change: RDP=0xBB for readout protection,
 * the family's WRP fields for write protection, written through the
 * option-bytes memory and read back after the reset that loads them.
 * Whether that is possible is decided before the first erase
 * (job_protect_check_step), with the device's option bytes read and the
 * change tried on a copy and passed through the irreversible-step guard,
 * so a transport that cannot do it refuses before the download, naming
 * what to use instead. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_internal.h"
#include "stmprog/events.h"
#include "stmprog/guard.h"
#include "stmprog/option_bytes.h"

#define OB_MAX 512

/* The AN3155/AN3154 command each step is, for the GET list. */
static uint8_t command_of(job_step_kind kind)
{
	switch (kind) {
	case JOB_RDP: return 0x82;
	case JOB_RDU: return 0x92;
	case JOB_WP: return 0x63;
	default: return 0x73;
	}
}

static const char *command_name(job_step_kind kind)
{
	switch (kind) {
	case JOB_RDP: return "READOUT PROTECT";
	case JOB_RDU: return "READOUT UNPROTECT";
	case JOB_WP: return "WRITE PROTECT";
	default: return "WRITE UNPROTECT";
	}
}

/* Whether the ROM has the step's command.  A list from GET decides; with
 * none, a USART or CAN ROM has them all (AN3155, AN3154) and a DfuSe ROM
 * only read unprotect (AN3156, its command 0x92). */
static bool rom_has(const stp_device_info *info, job_step_kind kind)
{
	uint8_t code = command_of(kind);

	if (info->ncommands) {
		for (unsigned i = 0; i < info->ncommands && i < sizeof(info->commands); i++)
			if (info->commands[i] == code)
				return true;
		return false;
	}
	return !info->usb_vid || kind == JOB_RDU;
}

static const char *rom_kind(const stp_device_info *info)
{
	return info->usb_vid ? "the DfuSe bootloader" : "this bootloader";
}

/* The option-byte change a step makes on the image `want` (a copy of
 * the device's), with geo for write protection. */
static stp_status make_change(job_run *r, const job_step *s, uint8_t *want,
                              uint32_t len)
{
	const stp_chip *chip = stp_target_info(r->t)->chip;
	stp_geometry geo;
	stp_erase_unit *units = NULL;
	uint16_t *codes = NULL;
	uint32_t rdp;
	char word[24];
	const char *w = word;
	size_t n = 0;
	stp_status st;

	if (s->kind == JOB_RDP || s->kind == JOB_RDU) {
		if ((st = stp_ob_rdp_value(r->ctx, chip, s->kind == JOB_RDP, &rdp)))
			return st;
		snprintf(word, sizeof(word), "RDP=0x%02X", rdp);
		return stp_ob_apply(r->ctx, chip, want, len, &w, 1, 0);
	}
	/* The units the run's checks chose, --flash-size included. */
	if ((st = job_geometry(r, &geo)))
		return st;
	if (s->kind == JOB_WP &&
	    !(st = job_select_units(r->ctx, &geo, &s->units, &units, &n)) &&
	    !(codes = calloc(n ? n : 1, sizeof(*codes))))
		st = stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; !st && i < n; i++)
		codes[i] = units[i].index;
	if (!st)
		st = stp_ob_write_protection(r->ctx, &geo, want, len, codes, n);
	free(codes);
	free(units);
	stp_geometry_release(&geo);
	return st;
}

/* Reads the option bytes and makes the step's change on a copy. */
static stp_status plan_change(job_run *r, const job_step *s, uint8_t *before,
                              uint8_t *want, uint32_t *len)
{
	const stp_device_info *info = stp_target_info(r->t);
	stp_status st;

	if (!info->chip || !info->chip->ob_size)
		return stp_fail(r->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the option bytes of PID 0x%03X are not in the "
		                "chip database", info->pid);
	*len = info->chip->ob_size > OB_MAX ? OB_MAX : info->chip->ob_size;
	if ((st = stp_target_option_bytes_read(r->t, before, *len)))
		return st;
	memcpy(want, before, *len);
	return make_change(r, s, want, *len);
}

/* A refusal that says the ROM has no command, why the option bytes
 * cannot stand in, and what to use instead; the cause's own words are
 * kept. */
static stp_status refuse(job_run *r, const job_step *s, stp_status cause)
{
	const stp_device_info *info = stp_target_info(r->t);
	char why[512];

	snprintf(why, sizeof(why), "%s", stp_last_detail(r->ctx));
	if (cause == STP_ERR_REFUSED)
		return cause;        /* the guard's own message says it all */
	return stp_fail(r->ctx, STP_ERR_UNSUPPORTED,
	                s->kind == JOB_WP || s->kind == JOB_WUP
	                ? "connect over UART (-c port=/dev/ttyUSB0) or CAN, whose "
	                  "bootloaders have the command, or set the WRP fields "
	                  "with -ob"
	                : "connect over UART (-c port=/dev/ttyUSB0) or CAN, whose "
	                  "bootloaders have the command",
	                "%s: %s has no %s command and the option bytes cannot "
	                "stand in for it: %s; nothing was written",
	                job_step_option(s->kind), rom_kind(info),
	                command_name(s->kind), why);
}

stp_status job_protect_check_step(job_run *r, const job_step *s)
{
	uint8_t before[OB_MAX], want[OB_MAX];
	uint32_t len = 0;
	char source[96];
	stp_status st;

	if (rom_has(stp_target_info(r->t), s->kind))
		return STP_OK;
	if ((st = plan_change(r, s, before, want, &len)))
		return refuse(r, s, st);
	snprintf(source, sizeof(source), "%s (as option bytes)",
	         job_step_option(s->kind));
	return stp_guard_option_bytes(r->ctx, stp_target_info(r->t)->chip,
	                              before, want, len, source);
}

/* The change written, the reset that loads it waited for by the
 * backend, and the option bytes read back; a read refused after raising
 * readout protection is that protection's proof. */
static stp_status write_change(job_run *r, const job_step *s)
{
	const stp_device_info *info = stp_target_info(r->t);
	uint8_t before[OB_MAX], want[OB_MAX], back[OB_MAX];
	uint32_t len = 0;
	stp_status st;

	if ((st = plan_change(r, s, before, want, &len)))
		return refuse(r, s, st);
	if (!memcmp(before, want, len)) {
		stp_result(r->ctx, "%s: the option bytes already hold this "
		           "protection; nothing written", job_step_option(s->kind));
		return STP_OK;
	}
	stp_result(r->ctx, "%s: %s has no %s command; writing the option "
	           "bytes instead (the device resets to load them)",
	           job_step_option(s->kind), rom_kind(info),
	           command_name(s->kind));
	if ((st = stp_target_option_bytes_write(r->t, want, len)))
		return st;
	r->rep.option_bytes_written = true;
	if ((st = stp_target_option_bytes_read(r->t, back, len))) {
		if (st == STP_ERR_PROTECTED && s->kind == JOB_RDP) {
			stp_clear_error(r->ctx);
			stp_result(r->ctx, "Readout protection set (level 1) through "
			           "the option bytes; the bootloader now refuses to "
			           "read them, which confirms it; -rdu removes it and "
			           "erases the flash");
			return STP_OK;
		}
		return st;
	}
	if (memcmp(back, want, len))
		return stp_fail(r->ctx, STP_ERR_VERIFY,
		                "see -ob displ and docs/option-bytes.md",
		                "%s: the option bytes read back after the reset "
		                "differ from what was written",
		                job_step_option(s->kind));
	switch (s->kind) {
	case JOB_RDP:
		stp_result(r->ctx, "Readout protection set (level 1) through the "
		           "option bytes and read back; -rdu removes it and erases "
		           "the flash");
		break;
	case JOB_RDU:
		stp_result(r->ctx, "Readout protection removed through the option "
		           "bytes and read back; the flash was erased");
		break;
	case JOB_WP:
		stp_result(r->ctx, "Write protection set through the option bytes "
		           "and read back");
		break;
	default:
		stp_result(r->ctx, "Write protection removed through the option "
		           "bytes and read back");
		break;
	}
	return STP_OK;
}

stp_status job_protect_write_step(job_run *r, const job_step *s)
{
	stp_geometry geo;
	stp_erase_unit *units = NULL;
	uint16_t *codes = NULL;
	size_t n = 0;
	stp_status st;

	if (!rom_has(stp_target_info(r->t), s->kind))
		return write_change(r, s);
	if ((st = job_geometry(r, &geo)))
		return st;
	if (!(st = job_select_units(r->ctx, &geo, &s->units, &units, &n)) &&
	    !(codes = calloc(n ? n : 1, sizeof(*codes))))
		st = stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; !st && i < n; i++)
		codes[i] = (uint16_t)units[i].index;
	if (!st)
		st = stp_target_write_protect(r->t, codes, n);
	if (!st)
		stp_result(r->ctx, "Write protection set on %zu sector(s); the "
		                   "device was reset", n);
	free(codes);
	free(units);
	stp_geometry_release(&geo);
	return st;
}

stp_status job_protect_step(job_run *r, const job_step *s)
{
	job_step_kind kind = s->kind;
	stp_status st;

	if (!rom_has(stp_target_info(r->t), kind))
		return write_change(r, s);
	switch (kind) {
	case JOB_RDP:
		if (!(st = stp_target_readout_protect(r->t)))
			stp_result(r->ctx, "Readout protection set (level 1); reads are "
			                   "refused until -rdu, which erases the flash");
		return st;
	case JOB_RDU:
		if (!(st = stp_target_readout_unprotect(r->t)))
			stp_result(r->ctx, "Readout protection removed; the flash was "
			                   "erased");
		return st;
	default:
		if (!(st = stp_target_write_unprotect(r->t)))
			stp_result(r->ctx, "Write protection removed; the device was "
			                   "reset");
		return st;
	}
}

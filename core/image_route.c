/* Where each part of an image goes on the connected target.
 *
 * A DfuSe .dfu file names an alternate setting per target, and on a DFU
 * device each alternate setting is one memory (its layout string says
 * which).  The planner works on flash addresses only, so before planning
 * the image is split here: data for the flash (alt 0 on every other
 * transport, or the alt whose layout holds the chip's flash) goes to the
 * planner; data for the option-bytes alt becomes an option-byte image
 * written after the flash; data for the OTP or data EEPROM alt keeps its
 * address and goes the way the same bytes from a HEX file go (the run's
 * memories, core/job_memory.c: OTP behind the irreversible-operation
 * guard, asked here already so the refusal names the file's target);
 * anything else (memories the chip database does not know) is refused
 * with a sentence, before the device is touched.  A DFU suffix naming
 * other USB IDs than the device's is worth a warning, never a silent
 * pass. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/dfuse.h"
#include "stmprog/guard.h"
#include "stmprog/plan.h"
#include "image_internal.h"

static const char *alt_label(const stp_image *img, unsigned alt)
{
	return img->alt_name[alt] ? img->alt_name[alt] : "unnamed";
}

/* The device's alternate setting alt, parsed; false with a failure set
 * when the device has no such alt or its string does not parse. */
static stp_status device_alt(stp_ctx *ctx, const stp_device_info *info,
                             const stp_image *img, const char *name,
                             unsigned alt, stp_dfuse_layout *lo)
{
	for (unsigned i = 0; i < info->nalts; i++)
		if (info->alts[i].alt == alt)
			return stp_dfuse_parse(ctx, info->alts[i].name, lo);
	return stp_fail(ctx, STP_ERR_LAYOUT,
	                "`stmprog -l usb` shows the device's alternate settings",
	                "%s has data for alternate setting %u (%s), which this "
	                "device does not have (it has %u)",
	                name, alt, alt_label(img, alt), info->nalts);
}

/* Data of an alt that holds the OTP or the data EEPROM must lie in that
 * memory; it then joins the flash image by address, where the run's
 * memories take it out again. */
static stp_status route_memory(stp_ctx *ctx, const stp_segment *s,
                               const char *origin, const char *what,
                               uint32_t start, uint32_t size, stp_image *out)
{
	uint64_t end = (uint64_t)s->addr + s->len;

	if (s->addr < start || end > (uint64_t)start + size)
		return stp_fail(ctx, STP_ERR_LAYOUT, NULL,
		                "%s: %s data at 0x%08X..0x%08X is outside the %s "
		                "0x%08X..0x%08X", origin, what, s->addr,
		                (uint32_t)(end - 1), what, start, start + size - 1);
	return stp_image_add(ctx, out, 0, s->addr, s->data, s->len, origin);
}

static void check_suffix_ids(stp_ctx *ctx, const stp_device_info *info,
                             const stp_image *img, const char *name)
{
	/* 0xFFFF in a suffix means "any", as DFU 1.1 defines it. */
	bool vid_bad = img->dfu_vid != 0xFFFF && img->dfu_vid != info->usb_vid;
	bool pid_bad = img->dfu_pid != 0xFFFF && img->dfu_pid != info->usb_pid;

	if (!img->has_dfu_suffix || !info->usb_vid || (!vid_bad && !pid_bad))
		return;
	stp_log(ctx, STP_LOG_WARN,
	        "%s was made for USB device %04x:%04x, the device is %04x:%04x; "
	        "going on, because the data's addresses are checked against the "
	        "chip (a file for another board would fail those checks or "
	        "program the wrong firmware: make sure it is the right file)",
	        name, img->dfu_vid, img->dfu_pid, info->usb_vid, info->usb_pid);
}

stp_status stp_image_route(stp_ctx *ctx, stp_target *t, const stp_image *img,
                           const char *name, stp_image **flash,
                           uint8_t **ob, uint32_t *ob_len)
{
	const stp_device_info *info = stp_target_info(t);
	const stp_chip *chip = info->chip;
	stp_image *out;
	uint8_t *obuf = NULL;
	uint32_t ob_seen = 0;
	stp_status st = STP_OK;

	*flash = NULL;
	*ob = NULL;
	*ob_len = 0;
	name = name ? name : "the image";
	check_suffix_ids(ctx, info, img, name);
	if (!(out = stp_image_new()))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");

	for (size_t i = 0; i < img->nsegs && !st; i++) {
		const stp_segment *s = &img->segs[i];
		stp_dfuse_layout lo;
		char origin[64];

		if (s->alt == 0 || !info->nalts || !chip) {
			/* Plain formats, or a transport without alternate
			 * settings: the planner checks the addresses (and
			 * refuses alt != 0 data with its own sentence). */
			st = stp_image_add(ctx, out, s->alt, s->addr, s->data, s->len, name);
			continue;
		}
		if ((st = device_alt(ctx, info, img, name, s->alt, &lo)))
			break;
		snprintf(origin, sizeof(origin), "%s alt %u", name, s->alt);
		if (stp_dfuse_contains(&lo, chip->flash_base, 0)) {
			/* The flash under another alt number: the planner's. */
			st = stp_image_add(ctx, out, 0, s->addr, s->data, s->len, origin);
		} else if (chip->ob_size && stp_dfuse_contains(&lo, chip->ob_start, 0)) {
			uint64_t end = (uint64_t)s->addr + s->len;
			if (s->addr < chip->ob_start ||
			    end > (uint64_t)chip->ob_start + chip->ob_size) {
				st = stp_fail(ctx, STP_ERR_LAYOUT, NULL,
				              "%s: option-byte data at 0x%08X..0x%08X is "
				              "outside the option bytes 0x%08X..0x%08X",
				              origin, s->addr, (uint32_t)(end - 1),
				              chip->ob_start,
				              chip->ob_start + chip->ob_size - 1);
				break;
			}
			if (!obuf && !(obuf = calloc(1, chip->ob_size))) {
				st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
				break;
			}
			memcpy(obuf + (s->addr - chip->ob_start), s->data, s->len);
			ob_seen += s->len;
		} else if (chip->otp_size &&
		           stp_dfuse_contains(&lo, chip->otp_start, 0)) {
			char source[512];
			snprintf(source, sizeof(source), "%s alternate setting %u "
			         "(%s) at 0x%08X, %u bytes of OTP,", name, s->alt,
			         alt_label(img, s->alt), s->addr, s->len);
			if (!(st = stp_guard(ctx, STP_IRREV_OTP, source,
			                     "programs one-time-programmable memory, "
			                     "which can never be erased")))
				st = route_memory(ctx, s, origin, "OTP", chip->otp_start,
				                  chip->otp_size, out);
		} else if (chip->eeprom_size &&
		           stp_dfuse_contains(&lo, chip->eeprom_start, 0)) {
			st = route_memory(ctx, s, origin, "data EEPROM",
			                  chip->eeprom_start, chip->eeprom_size, out);
		} else {
			st = stp_fail(ctx, STP_ERR_LAYOUT,
			              "take that target out of the file (dfuse-pack "
			              "or STM32CubeProgrammer's file editor)",
			              "%s has data for alternate setting %u (%s: %s) "
			              "at 0x%08X; stmprog programs the flash, the "
			              "option bytes, the OTP and the data EEPROM from "
			              "a .dfu file, not this memory",
			              name, s->alt, alt_label(img, s->alt), lo.name,
			              s->addr);
		}
	}
	/* Option bytes are written as one whole image: a partial one would
	 * leave the rest to chance (and complements unwritten). */
	if (!st && obuf && ob_seen != chip->ob_size)
		st = stp_fail(ctx, STP_ERR_LAYOUT,
		              "read the full set with -ob displ or -u, edit it, and "
		              "pack all of it",
		              "%s holds %u of the %u option bytes at 0x%08X; stmprog "
		              "writes option bytes only as a whole",
		              name, ob_seen, chip->ob_size, chip->ob_start);
	if (st) {
		free(obuf);
		stp_image_free(out);
		return st;
	}
	for (unsigned a = 0; a < 256; a++)
		if (img->alt_name[a] && !(out->alt_name[a] = strdup(img->alt_name[a])))
			goto nomem;
	out->has_entry = img->has_entry;
	out->entry = img->entry;
	*flash = out;
	*ob = obuf;
	*ob_len = obuf ? chip->ob_size : 0;
	return STP_OK;
nomem:
	free(obuf);
	stp_image_free(out);
	return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
}

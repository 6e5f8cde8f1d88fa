/* The program planner (see plan.h).
 *
 * The plan is built per erase unit: every unit the image touches gets its
 * whole final contents in one buffer (the image's bytes, the erased value
 * everywhere else), and a flag per aligned chunk saying whether the image
 * has bytes there.  Writes are the flagged chunks that differ from the
 * erased value; verifies are all flagged chunks, so padding is checked to
 * read erased too.  Working per unit keeps every block inside one unit and
 * makes "this unit already holds it" a single comparison. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stmprog/guard.h"
#include "stmprog/plan.h"
#include "image_internal.h"

static const char *region_name(const stp_chip *chip, uint32_t addr)
{
	if (addr >= chip->sysmem_start && addr < chip->sysmem_end)
		return "system memory (the ROM bootloader), which cannot be written";
	if (chip->ob_size && addr >= chip->ob_start &&
	    addr - chip->ob_start < chip->ob_size)
		return "the option bytes, which -d does not write (use -ob)";
	if (chip->otp_size && addr >= chip->otp_start &&
	    addr - chip->otp_start < chip->otp_size)
		return "the one-time-programmable area, which is written apart "
		       "from the flash, when programming a device with "
		       "--confirm-irreversible otp";
	if (addr >= 0x20000000u && addr < 0x40000000u)
		return "RAM, not flash";
	if (addr >= 0x40000000u && addr < 0x60000000u)
		return "peripheral registers, not flash";
	return NULL;
}

/* Refuses a segment that is not entirely inside the flash units,
 * naming the first address outside them. */
static stp_status check_segment(stp_ctx *ctx, const stp_geometry *geo,
                                const stp_segment *seg, const char *name)
{
	const stp_chip *chip = geo->chip;
	uint64_t end = (uint64_t)seg->addr + seg->len;
	uint64_t a = seg->addr;
	const char *where;

	while (a < end) {
		const stp_erase_unit *u = stp_geometry_unit_at(geo, (uint32_t)a);
		if (!u)
			break;
		a = (uint64_t)u->addr + u->size;
	}
	if (a >= end)
		return STP_OK;
	where = region_name(chip, (uint32_t)a);
	if (where)
		return stp_fail(ctx, STP_ERR_LAYOUT,
		                "nothing was written; check the image's link address",
		                "%s: data at 0x%08X (in 0x%08X..0x%08X) lands in %s",
		                name, (uint32_t)a, seg->addr, (uint32_t)(end - 1), where);
	return stp_fail(ctx, STP_ERR_LAYOUT,
	                "nothing was written; check the link address, the address "
	                "given for a binary (-d FILE ADDRESS or --base), or the chip",
	                "%s: data at 0x%08X (in 0x%08X..0x%08X) is outside the "
	                "flash of this %s (%u KiB at 0x%08X..0x%08X%s)",
	                name, (uint32_t)a, seg->addr, (uint32_t)(end - 1),
	                chip->name, geo->flash_size / 1024, geo->flash_base,
	                geo->flash_base + geo->flash_size - 1,
	                geo->nbanks > 1 ? ", in two banks" : "");
}

static bool all_value(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Appends a block, merging it with the previous one when both the
 * addresses and the bytes follow on. */
static int push_block(stp_block **list, size_t *n, size_t *cap, uint32_t addr,
                      uint32_t len, const uint8_t *data)
{
	if (*n) {
		stp_block *prev = &(*list)[*n - 1];
		if ((uint64_t)prev->addr + prev->len == addr &&
		    prev->data + prev->len == data) {
			prev->len += len;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		stp_block *grown = realloc(*list, ncap * sizeof(*grown));
		if (!grown)
			return -1;
		*list = grown;
		*cap = ncap;
	}
	(*list)[(*n)++] = (stp_block){addr, len, data};
	return 0;
}

void stp_plan_free(stp_plan *plan)
{
	if (!plan)
		return;
	free(plan->erase);
	free(plan->writes);
	free(plan->verify);
	free(plan->touched);
	free(plan->skipped);
	free(plan->partial);
	free(plan->buffer);
	free(plan);
}

static uint32_t plan_alignment(const stp_geometry *geo, uint32_t write_align)
{
	uint32_t a = geo->chip->program_unit ? geo->chip->program_unit : 1;

	/* Both are powers of two, so the larger is a multiple of the other. */
	if (write_align > a)
		a = write_align;
	return a;
}

/* What to do with a .dfu target that is not the flash, on a transport
 * that has no DfuSe alternate settings (only the DFU route writes option
 * bytes from a file); the hint must name something that works. */
static const char *alt_hint(const stp_chip *chip, const stp_segment *seg)
{
	uint64_t end = (uint64_t)seg->addr + seg->len;

	if (chip && chip->ob_size && seg->addr < chip->ob_start + (uint64_t)chip->ob_size &&
	    end > chip->ob_start)
		return "these are option bytes: give them with -ob KEY=VALUE (-ob displ "
		       "shows the fields), or program the .dfu file over USB";
	if (stp_chip_touches_otp(chip, seg->addr, seg->len))
		return "an OTP target is written when programming a device, with "
		       "--confirm-irreversible otp";
	return "take that target out of the file (dfuse-pack) to program the "
	       "flash";
}

/* Whether unit u's final contents start from what the device holds:
 * known, and kept (read-modify-write) or never erased (--skipErase).
 * After a mass erase, or on a flash known blank, there is nothing to
 * keep. */
static bool keeps_contents(const stp_plan_opts *opts, size_t u)
{
	if (!opts->current || (opts->known && !opts->known[u]))
		return false;
	if (opts->no_erase)
		return true;
	return opts->keep_rest && !opts->mass_erase && !opts->flash_erased;
}

/* --skipErase for one touched unit: nothing is erased, so every byte the
 * image changes must read erased now; a chunk already holding its bytes
 * is not written.  On flash with ECC words (chunks of 8 bytes and more)
 * a word can be written once after an erase, so a chunk to write must
 * read erased whole. */
static stp_status plan_unit_no_erase(stp_ctx *ctx, stp_plan *plan,
                                     const stp_plan_opts *opts,
                                     const stp_geometry *geo, size_t u,
                                     size_t k, const bool *has,
                                     const uint8_t *want, bool known,
                                     size_t *wcap, size_t *vcap)
{
	const stp_erase_unit *unit = &geo->units[u];
	const uint32_t align = plan->unit_align;
	const uint8_t erased = plan->erased_value;
	const uint8_t *now = known ? opts->current + (unit->addr - geo->flash_base)
	                           : NULL;
	bool wrote = false;

	for (uint32_t c = 0; c < unit->size / align; c++) {
		size_t off = (size_t)c * align;
		uint32_t addr = unit->addr + (uint32_t)off;
		if (!has[c])
			continue;
		if (now) {
			for (uint32_t i = 0; i < align; i++)
				if (now[off + i] != want[off + i] &&
				    now[off + i] != erased)
					return stp_fail(ctx, STP_ERR_ARG,
					        "drop --skipErase: the unit is then "
					        "erased and its other bytes are read "
					        "first and written back",
					        "--skipErase: 0x%08X holds 0x%02X, neither "
					        "erased (0x%02X) nor the 0x%02X to write; "
					        "nothing was written",
					        addr + i, now[off + i], erased,
					        want[off + i]);
			if (!memcmp(now + off, want + off, align))
				continue;
			if (align >= 8 && !all_value(now + off, align, erased))
				for (uint32_t i = 0; i < align; i++)
					if (now[off + i] != erased)
						return stp_fail(ctx, STP_ERR_ARG,
						        "drop --skipErase: the unit is then "
						        "erased and its other bytes are read "
						        "first and written back",
						        "--skipErase: 0x%08X holds 0x%02X in "
						        "the %u-byte word at 0x%08X, which this "
						        "flash (ECC) writes only once after an "
						        "erase; nothing was written",
						        addr + i, now[off + i], align, addr);
		} else if (all_value(want + off, align, erased)) {
			/* Unknown (a dry check, or the engine's first plan):
			 * fill is not written but must be read to be known
			 * erased, so it is in the blocks to compare. */
			if (push_block(&plan->verify, &plan->nverify, vcap, addr,
			               align, want + off))
				return stp_fail(ctx, STP_ERR_NOMEM, NULL,
				                "out of memory while planning");
			plan->verify_bytes += align;
			continue;
		}
		if (push_block(&plan->writes, &plan->nwrites, wcap, addr, align,
		               want + off) ||
		    push_block(&plan->verify, &plan->nverify, vcap, addr, align,
		               want + off))
			return stp_fail(ctx, STP_ERR_NOMEM, NULL,
			                "out of memory while planning");
		plan->write_bytes += align;
		plan->verify_bytes += align;
		wrote = true;
	}
	if (!wrote) {
		plan->skipped[k] = true;
		plan->units_skipped++;
	}
	return STP_OK;
}

stp_status stp_plan_build(stp_ctx *ctx, const stp_image *img,
                          const stp_geometry *geo, const stp_plan_opts *opts,
                          stp_plan **out)
{
	const char *name = opts->image_name ? opts->image_name : "the image";
	const uint8_t erased = geo->chip->erased_value;
	const uint32_t align = plan_alignment(geo, opts->write_align);
	stp_plan *plan;
	bool *touched = NULL, *has = NULL;
	size_t *offset = NULL;
	uint64_t *covered = NULL;
	size_t total = 0, nchunks = 0, wcap = 0, vcap = 0, k;
	stp_status st = STP_OK;

	*out = NULL;
	if (!geo->nunits)
		return stp_fail(ctx, STP_ERR_LAYOUT, NULL, "the chip has no flash units");
	for (size_t i = 0; i < img->nsegs; i++) {
		if (img->segs[i].alt != 0)
			return stp_fail(ctx, STP_ERR_LAYOUT,
			                alt_hint(geo->chip, &img->segs[i]),
			                "%s holds data for DfuSe alternate setting %u "
			                "(%s) at 0x%08X, not for the flash",
			                name, img->segs[i].alt,
			                img->alt_name[img->segs[i].alt]
			                        ? img->alt_name[img->segs[i].alt]
			                        : "unnamed",
			                img->segs[i].addr);
		if ((st = check_segment(ctx, geo, &img->segs[i], name)))
			return st;
	}
	if (stp_image_size(img) == 0)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "a file that programs nothing is almost always the "
		                "wrong file",
		                "%s holds no data", name);

	plan = calloc(1, sizeof(*plan));
	touched = calloc(geo->nunits, sizeof(*touched));
	offset = calloc(geo->nunits, sizeof(*offset));
	covered = calloc(geo->nunits, sizeof(*covered));
	if (!plan || !touched || !offset || !covered)
		goto nomem;
	plan->unit_align = align;
	plan->erased_value = erased;
	plan->image_bytes = stp_image_size(img);

	/* Which units the image touches, and where each goes in the buffer. */
	for (size_t i = 0; i < img->nsegs; i++) {
		const stp_segment *s = &img->segs[i];
		uint64_t a = s->addr, end = (uint64_t)s->addr + s->len;
		while (a < end) {
			const stp_erase_unit *u = stp_geometry_unit_at(geo, (uint32_t)a);
			touched[u - geo->units] = true;
			a = (uint64_t)u->addr + u->size;
		}
	}
	for (size_t u = 0; u < geo->nunits; u++) {
		if (!touched[u])
			continue;
		offset[u] = total;
		total += geo->units[u].size;
		nchunks += geo->units[u].size / align;
		plan->ntouched++;
	}
	plan->buffer = malloc(total);
	has = calloc(nchunks, sizeof(*has));
	plan->touched = calloc(plan->ntouched, sizeof(*plan->touched));
	plan->skipped = calloc(plan->ntouched, sizeof(*plan->skipped));
	plan->partial = calloc(plan->ntouched, sizeof(*plan->partial));
	plan->erase = calloc(plan->ntouched, sizeof(*plan->erase));
	if (!plan->buffer || !has || !plan->touched || !plan->skipped ||
	    !plan->partial || !plan->erase)
		goto nomem;
	memset(plan->buffer, erased, total);
	/* Kept contents first, the image on top: in read-modify-write and
	 * without an erase, the bytes of a known unit outside the image (and
	 * the padding of its chunks) are what the device holds. */
	for (size_t u = 0; u < geo->nunits; u++)
		if (touched[u] && keeps_contents(opts, u))
			memcpy(plan->buffer + offset[u],
			       opts->current + (geo->units[u].addr - geo->flash_base),
			       geo->units[u].size);

	/* The final contents of every touched unit, and which chunks the
	 * image has bytes in (chunk index = buffer offset / align, because
	 * every unit size is a multiple of align). */
	for (size_t i = 0; i < img->nsegs; i++) {
		const stp_segment *s = &img->segs[i];
		uint32_t done = 0;
		while (done < s->len) {
			uint32_t a = s->addr + done;
			const stp_erase_unit *u = stp_geometry_unit_at(geo, a);
			uint32_t in_unit = a - u->addr;
			uint32_t n = u->size - in_unit;
			size_t off = offset[u - geo->units] + in_unit;
			if (n > s->len - done)
				n = s->len - done;
			memcpy(plan->buffer + off, s->data + done, n);
			for (size_t c = off / align; c <= (off + n - 1) / align; c++)
				has[c] = true;
			covered[u - geo->units] += n;
			done += n;
		}
	}

	/* Per unit: skip, erase, or neither; then the blocks. */
	k = 0;
	for (size_t u = 0; u < geo->nunits; u++) {
		const stp_erase_unit *unit = &geo->units[u];
		const uint8_t *want;
		bool known, skip = false, blank_now = false, kept_in_unit = false;

		if (!touched[u])
			continue;
		want = plan->buffer + offset[u];
		plan->touched[k] = (stp_block){unit->addr, unit->size, want};
		plan->partial[k] = covered[u] < unit->size;
		known = opts->current && (!opts->known || opts->known[u]);
		if (opts->no_erase) {
			if ((st = plan_unit_no_erase(ctx, plan, opts, geo, u, k,
			                             has + offset[u] / align, want,
			                             known, &wcap, &vcap)))
				goto fail;
			k++;
			continue;
		}
		if (known && !opts->mass_erase && !opts->flash_erased) {
			const uint8_t *now = opts->current + (unit->addr - geo->flash_base);
			skip = memcmp(now, want, unit->size) == 0;
			/* A unit that reads blank needs no erase, except on flash
			 * with ECC words (units of 8 bytes and more), where a word
			 * once written with the erased value cannot be written
			 * again. */
			blank_now = align <= 4 && all_value(now, unit->size, erased);
		}
		plan->skipped[k] = skip;
		if (skip) {
			plan->units_skipped++;
			k++;
			continue;
		}
		if (!opts->mass_erase && !opts->flash_erased && !blank_now)
			plan->erase[plan->nerase++] = *unit;
		else if (blank_now)
			plan->units_blank++;
		for (uint32_t c = 0; c < unit->size / align; c++) {
			const uint8_t *chunk = want + (size_t)c * align;
			bool fill, kept_data = false;
			if (!has[(offset[u] / align) + c]) {
				/* Outside the image: kept data goes back after the
				 * erase; kept erased bytes are left to it. */
				if (!keeps_contents(opts, u) || blank_now ||
				    all_value(chunk, align, erased))
					continue;
				kept_data = true;
			}
			fill = all_value(chunk, align, erased);
			/* Every unit that gets here is erased or read blank, so
			 * fill not written reads erased unless the erase failed,
			 * which the ROM would have said. */
			if (fill && opts->fill_to_erase && opts->fill_to_erase[u]) {
				plan->fill_bytes += align;
				continue;
			}
			if (push_block(&plan->verify, &plan->nverify, &vcap,
			               unit->addr + c * align, align, chunk))
				goto nomem;
			plan->verify_bytes += align;
			if (fill)
				continue;
			if (push_block(&plan->writes, &plan->nwrites, &wcap,
			               unit->addr + c * align, align, chunk))
				goto nomem;
			plan->write_bytes += align;
			if (kept_data) {
				plan->kept_bytes += align;
				kept_in_unit = true;
			}
		}
		plan->units_kept += kept_in_unit;
		k++;
	}

	/* One mass erase instead of every unit, when asked, or when the plan
	 * erases every unit anyway and the transport can. */
	if (!opts->no_erase && (opts->mass_erase ||
	    (opts->can_mass_erase && plan->nerase == geo->nunits))) {
		plan->mass_erase = true;
		plan->nerase = 0;
	}
	free(touched);
	free(offset);
	free(covered);
	free(has);
	*out = plan;
	return STP_OK;
nomem:
	st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory while planning");
fail:
	free(touched);
	free(offset);
	free(covered);
	free(has);
	stp_plan_free(plan);
	return st;
}

stp_status stp_image_aligned(stp_ctx *ctx, const stp_image *img,
                             uint32_t align, uint8_t fill, stp_image **out)
{
	stp_image *res;
	uint8_t *buf = NULL;
	size_t cap = 0;
	size_t i = 0;
	stp_status st = STP_OK;

	*out = NULL;
	if (!align || (align & (align - 1)))
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "alignment %u is not a power of two", align);
	res = stp_image_new();
	if (!res)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* Segments are sorted by (alt, addr): gather each run whose aligned
	 * extents meet into one block filled with the erased value. */
	while (i < img->nsegs && !st) {
		uint8_t alt = img->segs[i].alt;
		uint64_t start = img->segs[i].addr & ~(uint64_t)(align - 1);
		uint64_t end = start;
		size_t j = i;

		while (j < img->nsegs && img->segs[j].alt == alt &&
		       (img->segs[j].addr & ~(uint64_t)(align - 1)) <= end) {
			uint64_t e = (uint64_t)img->segs[j].addr + img->segs[j].len;
			e = (e + align - 1) & ~(uint64_t)(align - 1);
			if (e > end)
				end = e;
			j++;
		}
		if (end > (uint64_t)UINT32_MAX + 1) {
			st = stp_fail(ctx, STP_ERR_LAYOUT, NULL,
			              "padding the data at 0x%08X runs past 4 GiB",
			              img->segs[i].addr);
			break;
		}
		if (end - start > cap) {
			uint8_t *grown = realloc(buf, (size_t)(end - start));
			if (!grown) {
				st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
				break;
			}
			buf = grown;
			cap = (size_t)(end - start);
		}
		memset(buf, fill, (size_t)(end - start));
		for (size_t s = i; s < j; s++)
			memcpy(buf + (img->segs[s].addr - start), img->segs[s].data,
			       img->segs[s].len);
		st = stp_image_add(ctx, res, alt, (uint32_t)start, buf,
		                   (size_t)(end - start), "aligned image");
		i = j;
	}
	free(buf);
	if (st) {
		stp_image_free(res);
		return st;
	}
	res->has_entry = img->has_entry;
	res->entry = img->entry;
	res->has_dfu_suffix = img->has_dfu_suffix;
	res->dfu_vid = img->dfu_vid;
	res->dfu_pid = img->dfu_pid;
	res->dfu_bcd_device = img->dfu_bcd_device;
	for (int a = 0; a < 256; a++)
		if (img->alt_name[a] && !(res->alt_name[a] = strdup(img->alt_name[a]))) {
			stp_image_free(res);
			return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
		}
	*out = res;
	return STP_OK;
}

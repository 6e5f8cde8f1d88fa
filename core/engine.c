/* The engine: runs a plan on a target.  Validation and planning happen
 * before the first erase; success is reported only after every byte
 * written was compared, by read-back or by the device's CRC. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/events.h"
#include "stmprog/plan.h"

/* Slices for progress reports and read-back buffers. */
#define SLICE 4096u

stp_status stp_target_geometry(stp_ctx *ctx, stp_target *t, stp_geometry *geo)
{
	const stp_device_info *info = stp_target_info(t);

	if (!info->chip)
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "update stmprog, or report the PID so it can be added "
		                "to the chip database",
		                "PID 0x%03X is not in the chip database, so its flash "
		                "layout is unknown",
		                info->pid);
	return stp_chip_geometry(ctx, info->chip, info->flash_size, geo);
}

/* The geometry a program plans with: the part's, or cut to the size the
 * caller gives (--flash-size) instead of its flash-size register. */
static stp_status program_geometry(stp_ctx *ctx, stp_target *t,
                                   const stp_program_opts *o,
                                   stp_geometry *geo)
{
	const stp_device_info *info = stp_target_info(t);

	if (!o->flash_size || !info->chip)
		return stp_target_geometry(ctx, t, geo);
	return stp_chip_geometry(ctx, info->chip, o->flash_size, geo);
}

/* Per unit: whether fill (image bytes equal to the erased value, never
 * written) is left to the erase rather than read back: where the device
 * has no CRC and reading the unit costs more than erasing it, reading
 * back bytes nobody wrote costs more than it tells. */
static bool *fill_left_to_erase(const stp_caps *caps, const stp_geometry *geo)
{
	bool *fill = calloc(geo->nunits ? geo->nunits : 1, sizeof(*fill));

	if (!fill || (caps->flags & STP_CAP_CRC))
		return fill;
	for (size_t u = 0; u < geo->nunits; u++)
		fill[u] = !stp_cost_read_cheaper(caps->read_us_per_kib,
		                                 geo->units[u].size,
		                                 stp_geometry_unit_erase_ms(
		                                         geo, &geo->units[u]));
	return fill;
}

static void plan_opts_for(stp_target *t, const stp_program_opts *o,
                          stp_plan_opts *po)
{
	const stp_caps *caps = stp_target_caps(t);

	memset(po, 0, sizeof(*po));
	po->mass_erase = o->mass_erase;
	po->flash_erased = o->flash_erased;
	po->write_align = caps->write_align;
	po->can_mass_erase = (caps->flags & STP_CAP_MASS_ERASE) != 0;
	po->image_name = o->image_name;
	po->keep_rest = !o->wipe_rest;
	po->no_erase = o->skip_erase;
}

stp_status stp_program_check(stp_ctx *ctx, stp_target *t,
                             const stp_image *img, const stp_program_opts *o)
{
	stp_geometry geo;
	stp_plan_opts po;
	stp_plan *plan;
	stp_status st;

	if ((st = program_geometry(ctx, t, o, &geo)))
		return st;
	plan_opts_for(t, o, &po);
	st = stp_plan_build(ctx, img, &geo, &po, &plan);
	stp_plan_free(plan);
	stp_geometry_release(&geo);
	return st;
}

bool stp_cost_read_cheaper(uint32_t read_us_per_kib, uint32_t unit_size,
                           uint32_t erase_ms)
{
	if (!read_us_per_kib)
		return false;
	return (uint64_t)read_us_per_kib * unit_size <
	       (uint64_t)erase_ms * 1000u * 1024u;
}

bool stp_cost_read_before_erase(const stp_caps *caps, const stp_geometry *geo,
                                const stp_erase_unit *u, uint32_t align)
{
	return align <= 4 &&
	       stp_cost_read_cheaper(caps->read_us_per_kib, u->size,
	                             stp_geometry_unit_erase_ms(geo, u));
}

/* Whether looking for a match is worth it on a link without a CRC: the
 * worst case, reading the whole unit, must cost less than doing the unit
 * again (its erase, and writing and reading back the bytes the plan
 * writes in it, which cost about what reading them does).  A unit of
 * 0xFF fill with the data at its end, on a virgin chip at 115200 baud,
 * would otherwise be read for seconds to save a quarter-second erase.
 * Unknown read cost: look, as before the cost model. */
static bool worth_comparing(const stp_caps *caps, const stp_geometry *geo,
                            const stp_plan *plan, const stp_erase_unit *u)
{
	uint64_t written = 0, end = (uint64_t)u->addr + u->size;
	uint64_t read_whole, redo;

	if (!caps->read_us_per_kib || (caps->flags & STP_CAP_CRC))
		return true;
	for (size_t i = 0; i < plan->nwrites; i++) {
		const stp_block *w = &plan->writes[i];
		uint64_t lo = w->addr > u->addr ? w->addr : u->addr;
		uint64_t hi = (uint64_t)w->addr + w->len < end ?
		              (uint64_t)w->addr + w->len : end;
		if (hi > lo)
			written += hi - lo;
	}
	read_whole = (uint64_t)caps->read_us_per_kib * u->size / 1024u;
	redo = (uint64_t)stp_geometry_unit_erase_ms(geo, u) * 1000u +
	       2u * (uint64_t)caps->read_us_per_kib * written / 1024u;
	return read_whole < redo;
}

/* Does the device already hold want at addr?  By CRC when the device
 * computes them, else by reading until the first difference. */
static stp_status unit_matches(stp_ctx *ctx, stp_target *t, const stp_block *b,
                               uint8_t *scratch, bool *match)
{
	*match = false;
	if (stp_target_caps(t)->flags & STP_CAP_CRC) {
		uint32_t crc;
		stp_status st = stp_target_crc(t, b->addr, b->len, &crc);
		if (st)
			return st;
		*match = crc == stp_crc32_stm32(0xFFFFFFFFu, b->data, b->len);
		return STP_OK;
	}
	/* A unit that differs usually differs at once: look at one small
	 * block first, then read on in larger slices. */
	uint32_t slice = stp_target_caps(t)->max_read;
	if (!slice || slice > SLICE)
		slice = SLICE;
	for (uint32_t done = 0, n; done < b->len; done += n, slice = SLICE) {
		stp_status st;
		n = b->len - done < slice ? b->len - done : slice;
		if ((st = stp_target_read(t, b->addr + done, scratch, n)))
			return st;
		if (memcmp(scratch, b->data + done, n))
			return STP_OK;
	}
	*match = true;
	return STP_OK;
}

/* Read-backs go in the largest reads the backend takes (at least SLICE
 * bytes, at most 64 KiB), so one that queues its transfers (DFU) keeps
 * the wire busy across them. */
static uint32_t readback_len(stp_target *t)
{
	uint32_t n = stp_target_caps(t)->max_read;

	return n < SLICE ? SLICE : n > 65536 ? 65536 : n;
}

/* Reads a unit where reading costs less than erasing it, in the largest
 * transfers the link takes, until it can neither match nor be blank;
 * *whole says whether all of it was read into now.  The first transfer
 * alone: a unit that differs from the image usually differs at once. */
static stp_status read_unit(stp_target *t, const stp_block *b, uint8_t erased,
                            uint8_t *now, bool *whole)
{
	uint32_t block = stp_target_caps(t)->max_read;
	bool may_match = true, may_be_blank = true;

	if (!block || block > SLICE)
		block = SLICE;
	*whole = false;
	for (uint32_t done = 0, n; done < b->len;
	     done += n, block = readback_len(t)) {
		stp_status st;
		n = b->len - done < block ? b->len - done : block;
		if ((st = stp_target_read(t, b->addr + done, now + done, n)))
			return st;
		may_match = may_match && !memcmp(now + done, b->data + done, n);
		for (uint32_t i = 0; may_be_blank && i < n; i++)
			may_be_blank = now[done + i] == erased;
		/* Neither: it is erased, and what was read is of no use. */
		if (!may_match && !may_be_blank)
			return STP_OK;
	}
	*whole = true;
	return STP_OK;
}

/* Reads len bytes at addr into buf in the largest transfers the link
 * takes. */
static stp_status read_all(stp_target *t, uint32_t addr, uint8_t *buf,
                           uint32_t len)
{
	uint32_t block = readback_len(t);
	stp_status st = STP_OK;

	for (uint32_t done = 0, n; done < len && !st; done += n) {
		n = len - done < block ? len - done : block;
		st = stp_target_read(t, addr + done, buf + done, n);
	}
	return st;
}

/* Reads the partly covered units that must be read to be kept (keep[i]
 * per touched unit) as one READ phase, so the seconds it can take on a
 * slow link show as progress and a finished line, not as silence. */
static stp_status read_to_keep(stp_ctx *ctx, stp_target *t,
                               const stp_geometry *geo, const stp_plan *first,
                               const bool *keep, uint8_t *current,
                               uint64_t *bytes)
{
	uint64_t total = 0, done = 0;
	stp_status st = STP_OK;

	for (size_t i = 0; i < first->ntouched; i++)
		total += keep[i] ? first->touched[i].len : 0;
	if (!total)
		return STP_OK;
	stp_phase_begin(ctx, STP_PHASE_READ, total);
	for (size_t i = 0; i < first->ntouched && !st; i++) {
		const stp_block *b = &first->touched[i];
		uint32_t block = readback_len(t);
		if (!keep[i])
			continue;
		for (uint32_t off = 0, n; off < b->len && !st; off += n) {
			n = b->len - off < block ? b->len - off : block;
			if (stp_cancelled(ctx)) {
				st = stp_fail(ctx, STP_ERR_CANCELLED, NULL,
				              "stopped while reading what to keep, "
				              "before the first erase: the device was "
				              "not changed");
				break;
			}
			st = stp_target_read(t, b->addr + off,
			                     current + (b->addr - geo->flash_base) + off,
			                     n);
			if (!st) {
				done += n;
				stp_progress(ctx, STP_PHASE_READ, done, total);
			}
		}
	}
	if (st) {
		stp_phase_failed(ctx, STP_PHASE_READ, done, total, st);
		return st;
	}
	stp_phase_end(ctx, STP_PHASE_READ, total);
	*bytes += total;
	return STP_OK;
}

/* Where the device computes CRCs, one CRC of a partly covered unit says
 * whether it is blank, or already holds the image with the rest erased
 * (the common cases: a virgin chip, the same image again), so it need
 * not be read to be kept; *known says whether now holds it then. */
static stp_status unit_by_crc(stp_target *t, const stp_block *b,
                              uint8_t erased, uint8_t *scratch, uint8_t *now,
                              bool *known)
{
	uint32_t crc, blank = 0xFFFFFFFFu;
	stp_status st;

	*known = false;
	if (!(stp_target_caps(t)->flags & STP_CAP_CRC) || b->len % 4)
		return STP_OK;
	if ((st = stp_target_crc(t, b->addr, b->len, &crc)))
		return st;
	memset(scratch, erased, SLICE);
	for (uint32_t done = 0, n; done < b->len; done += n) {
		n = b->len - done < SLICE ? b->len - done : SLICE;
		blank = stp_crc32_stm32(blank, scratch, n);
	}
	if (crc == blank) {
		memset(now, erased, b->len);
		*known = true;
	} else if (crc == stp_crc32_stm32(0xFFFFFFFFu, b->data, b->len)) {
		memcpy(now, b->data, b->len);
		*known = true;
	}
	return STP_OK;
}

/* --skipErase: reads what the device holds under every chunk the image
 * has bytes in (the first plan's blocks to compare), so the plan can
 * refuse a byte that is neither erased nor equal before anything is
 * written.  Only those chunks: the rest of a unit is never touched. */
static stp_status read_for_skip_erase(stp_target *t, const stp_geometry *geo,
                                      const stp_plan *first, uint8_t *current,
                                      bool *known, uint64_t *bytes)
{
	stp_status st;

	for (size_t i = 0; i < first->nverify; i++) {
		const stp_block *b = &first->verify[i];
		if ((st = read_all(t, b->addr,
		                   current + (b->addr - geo->flash_base), b->len)))
			return st;
		*bytes += b->len;
	}
	for (size_t i = 0; i < first->ntouched; i++)
		known[stp_geometry_unit_at(geo, first->touched[i].addr) -
		      geo->units] = true;
	return STP_OK;
}

/* Reads what the device holds where the plan needs it, then plans again:
 * for --skipErase, under the image's chunks; for read-modify-write, every
 * partly covered unit whole (its bytes outside the image are kept); and
 * with skip_matching, the other touched units (or their CRCs), so units
 * that already match are left alone, and units that read blank are not
 * erased where reading them was the cheaper way to know
 * (stp_cost_read_before_erase). */
static stp_status replan_with_device(stp_ctx *ctx, stp_target *t,
                                     const stp_image *img,
                                     const stp_geometry *geo,
                                     const stp_program_opts *o,
                                     stp_plan_opts *po, stp_plan **plan,
                                     stp_program_report *report)
{
	stp_plan *first = *plan;
	uint8_t *current = malloc(geo->flash_size);
	bool *known = calloc(geo->nunits, sizeof(*known));
	uint8_t *scratch = malloc(SLICE);
	stp_status st = STP_OK;
	size_t matching = 0, read_whole = 0, redone = 0, kept = 0;
	size_t erased_before = 0;
	bool *keep = calloc(first->ntouched ? first->ntouched : 1, sizeof(*keep));

	if (!current || !known || !scratch || !keep) {
		st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	/* Unread bytes, and units an earlier step erased, read erased. */
	memset(current, first->erased_value, geo->flash_size);
	if (o->skip_erase) {
		if ((st = read_for_skip_erase(t, geo, first, current, known,
		                              &report->bytes_checked)))
			goto out;
		stp_log(ctx, STP_LOG_INFO, "--skipErase: %llu bytes read to check "
		        "that they are erased or already equal",
		        (unsigned long long)report->bytes_checked);
		goto replan;
	}
	for (size_t i = 0; i < first->ntouched; i++) {
		const stp_block *b = &first->touched[i];
		const stp_erase_unit *u = stp_geometry_unit_at(geo, b->addr);
		uint8_t *now = current + (b->addr - geo->flash_base);
		bool match;

		/* Erased earlier in this run: known, and nothing to keep. */
		if (o->units_erased && o->units_erased[u - geo->units]) {
			known[u - geo->units] = true;
			erased_before++;
			continue;
		}
		/* What a partly covered unit holds outside the image is
		 * unknown until read, and the erase would lose it. */
		if (po->keep_rest && first->partial[i]) {
			bool by_crc = false;
			if ((st = unit_by_crc(t, b, first->erased_value, scratch,
			                      now, &by_crc)))
				goto out;
			/* Read after this loop, as one phase. */
			keep[i] = !by_crc;
			known[u - geo->units] = true;
			kept++;
			continue;
		}
		if (!o->skip_matching)
			continue;

		if (stp_cost_read_before_erase(stp_target_caps(t), geo, u,
		                               first->unit_align)) {
			bool whole;
			if ((st = read_unit(t, b, first->erased_value, now, &whole)))
				goto out;
			if (whole) {
				known[u - geo->units] = true;
				read_whole++;
				matching += memcmp(now, b->data, b->len) == 0;
			}
			continue;
		}
		if (!worth_comparing(stp_target_caps(t), geo, first, u)) {
			redone++;
			continue;
		}
		if ((st = unit_matches(ctx, t, b, scratch, &match)))
			goto out;
		if (match) {
			memcpy(now, b->data, b->len);
			known[u - geo->units] = true;
			matching++;
		}
	}
	if ((st = read_to_keep(ctx, t, geo, first, keep, current,
	                       &report->bytes_read_to_keep)))
		goto out;
	stp_log(ctx, STP_LOG_INFO, "%zu of %zu touched unit(s) already hold the "
	        "image; %zu read whole, since that costs less than an erase; "
	        "%zu not compared, since writing them again costs less than "
	        "reading them; %zu partly covered unit(s) known (%llu bytes "
	        "read) to keep their other bytes",
	        matching, first->ntouched, read_whole, redone, kept,
	        (unsigned long long)report->bytes_read_to_keep);
replan:
	if (matching || read_whole || kept || erased_before || o->skip_erase) {
		stp_plan *again;
		po->current = current;
		po->known = known;
		st = stp_plan_build(ctx, img, geo, po, &again);
		po->current = NULL;
		po->known = NULL;
		if (!st) {
			stp_plan_free(first);
			*plan = again;
		}
	}
out:
	free(current);
	free(known);
	free(scratch);
	free(keep);
	return st;
}

static stp_status run_erase(stp_ctx *ctx, stp_target *t, const stp_plan *plan,
                           const stp_geometry *geo)
{
	stp_erase_req req = {.kind = STP_ERASE_UNITS, .units = plan->erase,
	                     .nunits = plan->nerase};
	size_t total = plan->mass_erase ? 1 : plan->nerase;
	stp_status st;

	/* A mass erase the ROM lacks is done unit by unit by the target
	 * layer, and a backend may report each of those units. */
	if (plan->mass_erase &&
	    !(stp_target_caps(t)->flags & STP_CAP_MASS_ERASE))
		total = geo->nunits;

	if (plan->mass_erase)
		req.kind = STP_ERASE_MASS;
	else if (!plan->nerase)
		return STP_OK;
	/* The target layer splits long lists into what the bootloader takes;
	 * a backend that erases unit by unit (DfuSe) reports each unit as
	 * progress of this phase. */
	stp_phase_begin(ctx, STP_PHASE_ERASE, total);
	if ((st = stp_target_erase(t, &req))) {
		stp_phase_failed(ctx, STP_PHASE_ERASE, 0, total, st);
		return st;
	}
	stp_phase_end(ctx, STP_PHASE_ERASE, total);
	return STP_OK;
}

/* A unit the device failed to program (a write it reported as failed, or
 * a verify that found other bytes) cannot be fixed by writing again:
 * flash bits only go one way until the next erase.  The repair erases
 * that unit once more and writes all of the plan's data in it again.
 * Bounded, so a unit that really cannot hold the data (worn, protected)
 * ends with its error instead of looping. */
#define MAX_REPAIRS 4

typedef struct repairs {
	const stp_geometry *geo;
	unsigned done;
	/* --skipErase: a repair erases, which would lose the unit's other
	 * bytes, so a failure stays a failure. */
	bool off;
} repairs;

/* Whether a failure may have left the flash half-programmed (worth a
 * repair), not protection or the user: a write the device refused as
 * failed or that stopped half-way (a timeout: the ROM may have taken part
 * of the data), or bytes that read back wrong. */
static bool repairable(stp_status st, const repairs *rp, bool writing)
{
	return !rp->off && rp->done < MAX_REPAIRS &&
	       (st == STP_ERR_VERIFY ||
	        (writing && (st == STP_ERR_NACK || st == STP_ERR_TIMEOUT)));
}

/* Erases the units holding [addr, addr+len) and writes the plan's data in
 * them again; [*unit_lo, *unit_hi) gets the units' range. */
static stp_status repair(stp_ctx *ctx, stp_target *t, const stp_plan *plan,
                         repairs *rp, uint32_t addr, uint32_t len,
                         uint32_t *unit_lo, uint32_t *unit_hi)
{
	const stp_erase_unit *first = stp_geometry_unit_at(rp->geo, addr);
	const stp_erase_unit *last = stp_geometry_unit_at(rp->geo, addr + len - 1);
	stp_erase_req req = {.kind = STP_ERASE_UNITS};
	uint32_t lo, hi;
	stp_status st;

	if (!first || !last)
		return stp_last_status(ctx);
	lo = first->addr;
	hi = last->addr + last->size;
	req.units = first;
	req.nunits = (size_t)(last - first) + 1;
	/* A repair whose own writes fail is repaired again, within the
	 * same bound. */
	do {
		char why[1024];
		stp_event ev = {.kind = STP_EVENT_UNIT_REPAIRED,
		                .level = STP_LOG_WARN, .message = why,
		                .addr = lo, .len = hi - lo};
		rp->done++;
		/* One event, not a log line as well: the renderer words it. */
		snprintf(why, sizeof(why),
		         "0x%08X..0x%08X did not program (%s); erasing and writing "
		         "it again (repair %u of at most %u)",
		         lo, hi - 1, stp_last_detail(ctx), rp->done, MAX_REPAIRS);
		stp_emit(ctx, &ev);
		stp_clear_error(ctx);
		if ((st = stp_target_erase(t, &req)))
			return st;
		for (size_t i = 0; i < plan->nwrites && !st; i++) {
			const stp_block *b = &plan->writes[i];
			uint32_t from = b->addr > lo ? b->addr : lo;
			uint64_t to = (uint64_t)b->addr + b->len < hi
			                      ? (uint64_t)b->addr + b->len : hi;
			if (from < to)
				st = stp_target_write(t, from, b->data + (from - b->addr),
				                      (size_t)(to - from));
		}
	} while (st && repairable(st, rp, true));
	*unit_lo = lo;
	*unit_hi = hi;
	return st;
}

/* A stop asked for (stp_cancel, e.g. from SIGINT) is taken between
 * blocks, never inside one, and says what the flash holds, so the user
 * knows the next run has something to finish. */
static stp_status stopped_writing(stp_ctx *ctx, const stp_plan *plan,
                                  uint32_t at)
{
	uint32_t lo = plan->writes[0].addr;
	const stp_block *last = &plan->writes[plan->nwrites - 1];
	uint32_t hi = last->addr + last->len - 1;

	return stp_fail(ctx, STP_ERR_CANCELLED,
	                "run the same command again: units that already hold "
	                "the image are skipped, the others are erased and "
	                "written",
	                "stopped before writing 0x%08X: the flash holds the new "
	                "image below that address; 0x%08X..0x%08X%s may be "
	                "erased or partly written, so the chip holds no complete "
	                "image",
	                at, at, hi,
	                at == lo ? "" : " (the rest of what this run writes)");
}

static stp_status run_writes(stp_ctx *ctx, stp_target *t, const stp_plan *plan,
                             repairs *rp)
{
	uint64_t done = 0;
	uint32_t repaired_lo = 0, repaired_hi = 0;

	if (!plan->write_bytes)
		return STP_OK;
	stp_phase_begin(ctx, STP_PHASE_WRITE, plan->write_bytes);
	for (size_t i = 0; i < plan->nwrites; i++) {
		const stp_block *b = &plan->writes[i];
		for (uint32_t off = 0; off < b->len; off += SLICE) {
			uint32_t n = b->len - off < SLICE ? b->len - off : SLICE;
			uint32_t a = b->addr + off;
			stp_status st;
			if (stp_cancelled(ctx)) {
				st = stopped_writing(ctx, plan, a);
				stp_phase_failed(ctx, STP_PHASE_WRITE, done,
				                 plan->write_bytes, st);
				return st;
			}
			stp_progress(ctx, STP_PHASE_WRITE, done, plan->write_bytes);
			done += n;
			/* Already written again by a repair: a second write of
			 * the same data is refused by ECC flash. */
			if (a >= repaired_lo && a + n <= repaired_hi)
				continue;
			st = stp_target_write(t, a, b->data + off, n);
			if (st && repairable(st, rp, true))
				st = repair(ctx, t, plan, rp, a, n, &repaired_lo,
				            &repaired_hi);
			if (st) {
				stp_phase_failed(ctx, STP_PHASE_WRITE, done - n,
				                 plan->write_bytes, st);
				return st;
			}
		}
	}
	stp_phase_end(ctx, STP_PHASE_WRITE, plan->write_bytes);
	return STP_OK;
}

static stp_status mismatch(stp_ctx *ctx, uint32_t addr, uint8_t want,
                           uint8_t got, size_t ndiff, uint32_t span)
{
	return stp_fail(ctx, STP_ERR_VERIFY,
	                "the flash may be write-protected (-ob displ shows it), "
	                "or the transfer was corrupted; run the command again",
	                "verify failed at 0x%08X: wrote 0x%02X, the device holds "
	                "0x%02X (%zu of %u bytes differ in that block)",
	                addr, want, got, ndiff, span);
}

/* READ MEMORY data carries no checksum on UART, so one damaged byte on
 * the line must not turn a good flash into a failed verify, nor a bad
 * flash into a good one.  A block that differs is read again, and each
 * byte takes the value two reads agree on (a third read breaks a tie):
 * noise hitting the same byte twice is as rare as ber squared, while a
 * byte really wrong in flash reads wrong every time. */
static size_t differences(const uint8_t *got, const uint8_t *want, uint32_t n,
                          size_t *first)
{
	size_t ndiff = 0;

	for (uint32_t i = 0; i < n; i++)
		if (got[i] != want[i] && ndiff++ == 0)
			*first = i;
	return ndiff;
}

/* Reads one block twice more when needed and leaves the voted bytes in
 * got. */
static stp_status vote_block(stp_ctx *ctx, stp_target *t, uint32_t addr,
                             uint8_t *got, uint32_t len)
{
	uint8_t *second = malloc(2 * (size_t)len), *third = second + len;
	bool tie = false;
	stp_status st;

	if (!second)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if ((st = stp_target_read(t, addr, second, len)))
		goto out;
	for (uint32_t i = 0; i < len; i++)
		tie |= got[i] != second[i];
	if (tie && (st = stp_target_read(t, addr, third, len)))
		goto out;
	for (uint32_t i = 0; tie && i < len; i++)
		if (got[i] != second[i] && second[i] == third[i])
			got[i] = second[i];
	stp_log(ctx, STP_LOG_INFO, "0x%08X: read again after a difference%s",
	        addr, tie ? " (and a third time: the reads disagreed)" : "");
out:
	free(second);
	return st;
}

/* Compares one slice by reading it back; names the first difference.
 * Only the transfer blocks that differ are read again. */
static stp_status readback_slice(stp_ctx *ctx, stp_target *t, uint32_t addr,
                                 const uint8_t *want, uint32_t n,
                                 uint8_t *scratch)
{
	uint32_t block = stp_target_caps(t)->max_read;
	stp_status st = stp_target_read(t, addr, scratch, n);

	if (st)
		return st;
	if (!block || block > n)
		block = n;
	for (uint32_t off = 0; off < n; off += block) {
		uint32_t len = n - off < block ? n - off : block;
		size_t first = 0;

		if (!differences(scratch + off, want + off, len, &first))
			continue;
		if ((st = vote_block(ctx, t, addr + off, scratch + off, len)))
			return st;
		size_t ndiff = differences(scratch + off, want + off, len, &first);
		if (ndiff)
			return mismatch(ctx, addr + off + (uint32_t)first,
			                want[off + first], scratch[off + first], ndiff,
			                len);
	}
	return STP_OK;
}

/* One slice: by the device's CRC when it has one (then read back to name
 * the byte), else by reading it back. */
static stp_status verify_slice(stp_ctx *ctx, stp_target *t, uint32_t addr,
                               const uint8_t *want, uint32_t n, bool crc,
                               uint8_t *scratch)
{
	uint32_t got;
	stp_status st;

	if (!crc)
		return readback_slice(ctx, t, addr, want, n, scratch);
	if ((st = stp_target_crc(t, addr, n, &got)) ||
	    got == stp_crc32_stm32(0xFFFFFFFFu, want, n))
		return st;
	if ((st = readback_slice(ctx, t, addr, want, n, scratch)))
		return st;
	return stp_fail(ctx, STP_ERR_VERIFY, "run the command again",
	                "verify failed: the device's CRC of 0x%08X..0x%08X "
	                "differs from the image's",
	                addr, addr + n - 1);
}

static stp_status run_verify(stp_ctx *ctx, stp_target *t, const stp_plan *plan,
                             repairs *rp, bool *by_crc)
{
	bool crc = (stp_target_caps(t)->flags & STP_CAP_CRC) != 0;
	/* By CRC, slices as before; by read-back, runs of transfers. */
	uint32_t slice = crc ? SLICE : readback_len(t);
	uint8_t *scratch = malloc(slice);
	uint64_t done = 0;
	stp_status st = STP_OK;

	*by_crc = crc;
	if (!scratch)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if (!plan->verify_bytes) {
		free(scratch);
		return STP_OK;
	}
	stp_phase_begin(ctx, STP_PHASE_VERIFY, plan->verify_bytes);
restart:
	for (size_t i = 0; i < plan->nverify && !st; i++) {
		const stp_block *b = &plan->verify[i];
		for (uint32_t off = 0; off < b->len && !st; off += slice) {
			uint32_t n = b->len - off < slice ? b->len - off : slice;
			uint32_t lo, hi;
			if (stp_cancelled(ctx)) {
				st = stp_fail(ctx, STP_ERR_CANCELLED,
				              "run the same command again to verify "
				              "(nothing needs writing if it all "
				              "matches)",
				              "stopped while verifying at 0x%08X: "
				              "everything was written, but not all of "
				              "it was compared, so it is not known to "
				              "be right", b->addr + off);
				break;
			}
			stp_progress(ctx, STP_PHASE_VERIFY, done, plan->verify_bytes);
			st = verify_slice(ctx, t, b->addr + off, b->data + off, n, crc,
			                  scratch);
			/* Erase and write the unit again; everything is compared
			 * again, since the repair rewrote slices already passed. */
			if (st && repairable(st, rp, false) &&
			    !(st = repair(ctx, t, plan, rp, b->addr + off, n, &lo, &hi))) {
				done = 0;
				goto restart;
			}
			if (!st)
				done += n;
		}
	}
	free(scratch);
	if (st)
		stp_phase_failed(ctx, STP_PHASE_VERIFY, done, plan->verify_bytes,
		                 st);
	else
		stp_phase_end(ctx, STP_PHASE_VERIFY, plan->verify_bytes);
	return st;
}

stp_status stp_program(stp_ctx *ctx, stp_target *t, const stp_image *img,
                       const stp_program_opts *o, stp_program_report *report)
{
	stp_geometry geo;
	stp_plan_opts po;
	stp_plan *plan = NULL;
	repairs rp = {.geo = &geo, .off = o->skip_erase};
	bool *fill = NULL;
	stp_status st;

	memset(report, 0, sizeof(*report));
	if ((st = program_geometry(ctx, t, o, &geo)))
		return st;
	plan_opts_for(t, o, &po);
	if (!(fill = fill_left_to_erase(stp_target_caps(t), &geo))) {
		st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
		goto out;
	}
	po.fill_to_erase = fill;
	/* Everything is validated here, before the device is touched. */
	if ((st = stp_plan_build(ctx, img, &geo, &po, &plan)))
		goto out;
	if (o->skip_erase && o->mass_erase) {
		st = stp_fail(ctx, STP_ERR_ARG, "choose one of them",
		              "--skipErase with a mass erase: the one erases "
		              "nothing, the other everything");
		goto out;
	}
	/* A stop asked for before the run touches nothing, not even a read. */
	if (stp_cancelled(ctx)) {
		st = stp_fail(ctx, STP_ERR_CANCELLED, NULL,
		              "stopped before the first erase: the device was "
		              "not changed");
		goto out;
	}
	/* After a mass erase or on a flash known blank there is nothing to
	 * read: nothing to keep, and everything reads erased. */
	if (!o->mass_erase && !o->flash_erased &&
	    (o->skip_matching || o->skip_erase || !o->wipe_rest ||
	     o->units_erased) &&
	    (st = replan_with_device(ctx, t, img, &geo, o, &po, &plan, report)))
		goto out;
	stp_log(ctx, STP_LOG_INFO,
	        "plan: %s%zu unit(s) to erase, %zu skipped, %zu blank, %llu "
	        "bytes to write in %zu block(s), %llu to verify, %llu of fill "
	        "left to the erase, %llu kept from the device in %zu unit(s)",
	        plan->mass_erase ? "mass erase, " : "", plan->nerase,
	        plan->units_skipped, plan->units_blank,
	        (unsigned long long)plan->write_bytes, plan->nwrites,
	        (unsigned long long)plan->verify_bytes,
	        (unsigned long long)plan->fill_bytes,
	        (unsigned long long)plan->kept_bytes, plan->units_kept);
	if (stp_cancelled(ctx)) {
		st = stp_fail(ctx, STP_ERR_CANCELLED, NULL,
		              "stopped before the first erase: the device was "
		              "not changed");
		goto out;
	}
	if ((st = run_erase(ctx, t, plan, &geo)))
		goto out;
	report->mass_erased = plan->mass_erase;
	report->units_erased = plan->nerase;
	report->units_skipped = plan->units_skipped;
	report->units_blank = plan->units_blank;
	report->erased_value = plan->erased_value;
	report->units_kept = plan->units_kept;
	if ((st = run_writes(ctx, t, plan, &rp)))
		goto out;
	report->bytes_written = plan->write_bytes;
	report->bytes_kept = plan->kept_bytes;
	if ((st = run_verify(ctx, t, plan, &rp, &report->verified_by_crc)))
		goto out;
	report->units_repaired = rp.done;
	report->bytes_verified = plan->verify_bytes;
	report->fill_bytes = plan->fill_bytes;
out:
	free(fill);
	stp_plan_free(plan);
	stp_geometry_release(&geo);
	return st;
}

/* libstmprog: running a validated job on a target (stmprog/job.h).
 *
 * Before the first erase: the .dfu files are routed against the device,
 * every image and patch (the job's and this target's) is merged into one
 * image and planned against the connected chip, every step's arguments
 * are checked, and option bytes pass the guard.  Then the steps run in
 * order; the one plan runs at the first image or patch step.  The job is
 * only read: what a run computes lives in its job_run, so one job may
 * run on many targets at once. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "job_internal.h"
#include "stmprog/events.h"
#include "stmprog/option_bytes.h"
#include "stmprog/start.h"

#define READ_SLICE 4096u

static size_t target_patch_count(const job_run *r)
{
	return r->opts ? r->opts->npatches : 0;
}

static void free_run(job_run *r)
{
	for (size_t i = 0; r->routed && i < r->job->nsteps; i++)
		stp_image_free(r->routed[i]);
	free(r->routed);
	for (size_t i = 0; r->target_patches && i < target_patch_count(r); i++)
		stp_image_free(r->target_patches[i]);
	free(r->target_patches);
	stp_image_free(r->merged);
	free(r->ob_image);
	free(r->units_erased);
	job_memory_free(r);
}

/* The run's inputs as one name list for messages. */
static void add_name(job_run *r, const char *name)
{
	size_t used = strlen(r->names);

	if (used + 1 < sizeof(r->names))
		snprintf(r->names + used, sizeof(r->names) - used, "%s%s",
		         used ? ", " : "", name);
}

/* A .dfu file's alternate settings meet the device's: the flash part
 * replaces the loaded image, an option-byte part is kept for after the
 * flash (one per run: two files' blocks cannot both be the chip's). */
static stp_status route_image(job_run *r, size_t i)
{
	const job_step *s = &r->job->steps[i];
	const stp_chip *chip = stp_target_info(r->t)->chip;
	uint8_t *ob;
	uint32_t ob_len;
	stp_status st = stp_image_route(r->ctx, r->t, s->img, s->name,
	                                &r->routed[i], &ob, &ob_len);
	if (st)
		return st;
	if (!ob)
		return STP_OK;
	if (r->ob_image) {
		free(ob);
		return stp_fail(r->ctx, STP_ERR_IMAGE,
		                "keep the option bytes in one of the files",
		                "%s and %s both carry option bytes; a run writes "
		                "one option-byte block", r->ob_file, s->name);
	}
	r->ob_image = ob;
	r->ob_len = ob_len;
	r->ob_file = s->name;
	if (stp_ob_fields(chip, &(size_t){0}))
		return stp_ob_check(r->ctx, chip, ob, ob_len);
	return STP_OK;
}

static void program_opts(const job_run *r, stp_program_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->flash_erased = r->flash_erased;
	o->skip_matching = !r->flash_erased;
	o->image_name = r->names;
	o->skip_erase = r->job->skip_erase;
	o->flash_size = r->job->flash_size;
	o->units_erased = r->flash_erased ? NULL : r->units_erased;
}

stp_status job_geometry(const job_run *r, stp_geometry *geo)
{
	const stp_device_info *info = stp_target_info(r->t);

	if (!r->job->flash_size || !info->chip)
		return stp_target_geometry(r->ctx, r->t, geo);
	return stp_chip_geometry(r->ctx, info->chip, r->job->flash_size, geo);
}

/* --flash-size against the part: a size past the line's largest part
 * has no known layout, so it is refused; one that differs from the
 * flash-size register is what the option is for (a part sold with more
 * flash than its register admits, the F103C8 with 128 KiB), warned
 * about since nothing guarantees that flash works. */
static stp_status check_flash_size(job_run *r)
{
	const stp_device_info *info = stp_target_info(r->t);
	uint32_t want = r->job->flash_size;

	if (!want || !info->chip)
		return STP_OK;
	if (want > info->chip->flash_size)
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "give at most the line's largest size; the layout "
		                "past it is unknown",
		                "--flash-size %u KiB: the largest %s (PID 0x%03X) "
		                "has %u KiB", want / 1024, info->chip->name,
		                info->chip->pid, info->chip->flash_size / 1024);
	if (!info->flash_size)
		stp_log(r->ctx, STP_LOG_WARN,
		        "--flash-size %u KiB: the part's flash-size register was "
		        "not read; planning with %u KiB", want / 1024, want / 1024);
	else if (want != info->flash_size)
		stp_log(r->ctx, STP_LOG_WARN,
		        "--flash-size %u KiB: the part's flash-size register says "
		        "%u KiB; planning with %u KiB, flash that ST does not "
		        "guarantee on this part%s", want / 1024,
		        info->flash_size / 1024, want / 1024,
		        want > info->flash_size ? " (verified like the rest)" : "");
	return STP_OK;
}

/* Routes every image, merges them with the patches into the run's one
 * image and plans it against the chip: overlaps, bad addresses and
 * images that do not fit fail here. */
static stp_status plan_images(job_run *r)
{
	const stp_job *job = r->job;
	size_t nin = job->nsteps + target_patch_count(r), n = 0;
	stp_image_input *in = calloc(nin ? nin : 1, sizeof(*in));
	stp_program_opts o;
	stp_status st = STP_OK;

	if (!in)
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < job->nsteps && !st; i++) {
		const job_step *s = &job->steps[i];
		if (!job_step_in_plan(s->kind))
			continue;
		if (n == 0)
			r->plan_step = i;
		if (s->kind == JOB_IMAGE && (st = route_image(r, i)))
			break;
		in[n].img = s->kind == JOB_IMAGE ? r->routed[i] : s->img;
		in[n].name = s->name;
		add_name(r, s->name);
		n++;
	}
	if (!st && target_patch_count(r) && !n)
		st = stp_fail(r->ctx, STP_ERR_ARG,
		              "add the image the patches belong to, or the "
		              "patches to the job",
		              "per-target patches need an image or patch step "
		              "in the job: they are written as part of its plan");
	for (size_t p = 0; !st && p < target_patch_count(r); p++) {
		const stp_job_patch *patch = &r->opts->patches[p];
		if ((st = job_patch_image(r->ctx, patch, &r->target_patches[p])))
			break;
		in[n].img = r->target_patches[p];
		in[n].name = job_patch_name(patch->name);
		add_name(r, in[n].name);
		n++;
	}
	if (!st && n)
		st = stp_images_merge(r->ctx, in, n, &r->merged);
	free(in);
	/* Data for memories other than the flash (RAM, data EEPROM, OTP)
	 * leaves the flash plan here and is checked on its own. */
	if (!st && n)
		st = job_memory_split(r);
	if (st || !n)
		return st;
	program_opts(r, &o);
	/* Only option bytes, or only RAM, EEPROM or OTP data: nothing to
	 * plan.  Any other run, an empty one too, goes through the planner's
	 * checks. */
	if ((stp_image_size(r->merged) ||
	     (!r->ob_image && !job_memory_pending(r))) &&
	    (st = stp_program_check(r->ctx, r->t, r->merged, &o)))
		return st;
	return job_ob_guard_image(r);
}

/* An erase after the plan must not touch what it writes. */
static stp_status check_erase_after(job_run *r, size_t step,
                                    const stp_erase_unit *units, size_t n)
{
	if (!r->merged || step < r->plan_step)
		return STP_OK;
	for (size_t u = 0; u < n; u++)
		for (size_t s = 0; s < r->merged->nsegs; s++) {
			const stp_segment *seg = &r->merged->segs[s];
			if ((uint64_t)seg->addr < (uint64_t)units[u].addr + units[u].size &&
			    (uint64_t)seg->addr + seg->len > units[u].addr)
				return stp_fail(r->ctx, STP_ERR_ARG,
				                "put the erase before the first -d",
				                "-e after -d: sector %u (0x%08X) holds "
				                "data this run writes", units[u].index,
				                units[u].addr);
		}
	return STP_OK;
}

static stp_status check_read(job_run *r, const job_step *s)
{
	const stp_device_info *info = stp_target_info(r->t);
	uint32_t size = r->job->flash_size ? r->job->flash_size
	                : info->flash_size ? info->flash_size
	                : info->chip ? info->chip->flash_size : 0;

	if (!info->chip)
		return STP_OK;
	return job_check_read(r->ctx, job_step_option(s->kind), info->chip,
	                      size, s->addr, s->len);
}

/* Unit lists, read ranges, option-byte changes and the start address,
 * against the connected chip. */
static stp_status check_steps(job_run *r)
{
	const stp_job *job = r->job;
	stp_status st = STP_OK;
	uint32_t go;

	for (size_t i = 0; i < job->nsteps && !st; i++) {
		const job_step *s = &job->steps[i];
		stp_geometry geo;
		stp_erase_unit *units;
		size_t n;

		switch (s->kind) {
		case JOB_ERASE:
		case JOB_WP:
			if (s->kind == JOB_ERASE && s->units.all)
				break;
			if ((st = job_geometry(r, &geo)))
				break;
			st = job_select_units(r->ctx, &geo, &s->units, &units, &n);
			if (!st && s->kind == JOB_ERASE)
				st = check_erase_after(r, i, units, n);
			free(units);
			stp_geometry_release(&geo);
			if (!st && s->kind == JOB_WP)
				st = job_protect_check_step(r, s);
			break;
		case JOB_READ:
		case JOB_CHECKSUM:
			st = check_read(r, s);
			break;
		case JOB_OB_WRITE:
		case JOB_OB_READ:
			st = job_ob_check_step(r, s);
			break;
		case JOB_RDP:
		case JOB_RDU:
		case JOB_WUP:
			st = job_protect_check_step(r, s);
			break;
		default:
			break;
		}
	}
	/* A hard reset at the end needs a line to NRST: refused here, before
	 * the first erase, not by the backend after the job changed the chip
	 * (the transport says at identify whether one drives it). */
	if (!st && job->end == STP_JOB_END_HARD_RESET &&
	    !(stp_target_caps(r->t)->flags & STP_CAP_HARD_RESET))
		st = stp_fail(r->ctx, STP_ERR_ARG,
		              "on a serial port give init=ENTRY:EXIT with an EXIT "
		              "that pulses the line wired to NRST; or use -rst",
		              "-hardRst drives NRST, and no line on %s does; "
		              "nothing was done", stp_ctx_label(r->ctx));
	if (!st && job->end == STP_JOB_END_GO)
		st = stp_start_check(r->ctx, r->t, job->end_has_addr, job->end_addr,
		                     &go);
	return st;
}

/* The job was built for another part than the one connected. */
static stp_status check_chip(job_run *r)
{
	const stp_device_info *info = stp_target_info(r->t);
	const stp_chip *want = r->job->chip;

	if (!want || (info->chip && info->chip->pid == want->pid))
		return STP_OK;
	return stp_fail(r->ctx, STP_ERR_ARG,
	                "connect the part the job is for, or build the job for "
	                "this one",
	                "the job is for the %s (PID 0x%03X), but the connected "
	                "part is PID 0x%03X%s%s",
	                want->name, want->pid, info->pid,
	                info->chip ? ", " : "",
	                info->chip ? info->chip->name : "");
}

/* Everything checked before the device is touched. */
static stp_status prepare(job_run *r)
{
	stp_status st;

	if (!r->job || !r->job->validated)
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "call stp_job_validate first",
		                "the job was not validated");
	if (!r->t)
		return stp_fail(r->ctx, STP_ERR_ARG, NULL, "no target to run the job on");
	r->routed = calloc(r->job->nsteps ? r->job->nsteps : 1, sizeof(*r->routed));
	r->target_patches = calloc(target_patch_count(r) ? target_patch_count(r) : 1,
	                           sizeof(*r->target_patches));
	if (!r->routed || !r->target_patches)
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if ((st = check_chip(r)) || (st = check_flash_size(r)) ||
	    (st = plan_images(r)))
		return st;
	return check_steps(r);
}

/* ---- the steps ------------------------------------------------------ */

/* The one plan, at the first image or patch step. */
static stp_status run_plan(job_run *r)
{
	stp_program_opts o;
	stp_program_report rep;
	stp_status st;

	program_opts(r, &o);
	if (!stp_image_size(r->merged) && (r->ob_image || job_memory_pending(r))) {
		if ((st = job_memory_write(r)))
			return st;
		return r->ob_image ? job_ob_write_image(r) : STP_OK;
	}
	if ((st = stp_program(r->ctx, r->t, r->merged, &o, &rep)))
		return st;
	r->downloaded = true;
	/* The flash now holds this image, no longer blank. */
	r->flash_erased = false;
	r->rep.programmed = true;
	r->rep.units_erased = rep.units_erased;
	r->rep.units_skipped = rep.units_skipped;
	r->rep.mass_erased = rep.mass_erased;
	r->rep.bytes_written = rep.bytes_written;
	r->rep.bytes_verified = rep.bytes_verified;
	r->rep.verified_by_crc = rep.verified_by_crc;
	r->rep.units_repaired = rep.units_repaired;
	r->rep.bytes_kept = rep.bytes_kept;
	r->rep.bytes_read_to_keep = rep.bytes_read_to_keep;
	if (rep.units_erased == 0 && !rep.mass_erased && rep.bytes_written == 0)
		stp_result(r->ctx, "%s: the flash already holds this image "
		                   "(%zu unit(s) compared, nothing written)",
		           r->names, rep.units_skipped);
	else if (r->job->skip_erase)
		stp_result(r->ctx, "%s: nothing erased (--skipErase); %llu bytes "
		                   "read first and found erased or equal, %llu "
		                   "bytes written, %llu bytes verified by %s",
		           r->names, (unsigned long long)rep.bytes_checked,
		           (unsigned long long)rep.bytes_written,
		           (unsigned long long)rep.bytes_verified,
		           rep.verified_by_crc ? "device CRC" : "read-back");
	else {
		char blank[96] = "", fill[96] = "", kept[160] = "";
		/* What the cost model saved is said, so a reader of the log
		 * knows why fewer units were erased than the image touches and
		 * which bytes nobody read back. */
		if (rep.units_blank)
			snprintf(blank, sizeof(blank), "; %zu blank unit(s) read and "
			         "not erased", rep.units_blank);
		if (rep.fill_bytes)
			snprintf(fill, sizeof(fill), "; %llu bytes of 0x%02X fill left "
			         "to the erase", (unsigned long long)rep.fill_bytes,
			         rep.erased_value);
		/* What read-modify-write cost is said as well: the bytes
		 * kept are part of those written and verified. */
		if (rep.bytes_kept)
			snprintf(kept, sizeof(kept), "; %llu bytes kept from the "
			         "device in %zu unit(s) (%llu bytes read before the "
			         "erase)", (unsigned long long)rep.bytes_kept,
			         rep.units_kept,
			         (unsigned long long)rep.bytes_read_to_keep);
		else if (rep.bytes_read_to_keep)
			snprintf(kept, sizeof(kept), "; %llu bytes read beside the "
			         "image to keep them, all erased already",
			         (unsigned long long)rep.bytes_read_to_keep);
		stp_result(r->ctx, "%s: %s%zu unit(s) erased, %zu unchanged unit(s) "
		                   "skipped, %llu bytes written, %llu bytes verified "
		                   "by %s%s%s%s",
		           r->names, rep.mass_erased ? "mass erase, " : "",
		           rep.units_erased, rep.units_skipped,
		           (unsigned long long)rep.bytes_written,
		           (unsigned long long)rep.bytes_verified,
		           rep.verified_by_crc ? "device CRC" : "read-back", blank,
		           fill, kept);
	}
	if ((st = job_memory_write(r)))
		return st;
	return job_ob_write_image(r);
}

static stp_status run_erase(job_run *r, const job_step *s)
{
	stp_geometry geo;
	stp_erase_req req = {0};
	stp_erase_unit *units;
	size_t n;
	stp_status st;

	if (s->units.all) {
		req.kind = STP_ERASE_MASS;
		stp_result(r->ctx, "Erasing all of the flash");
		st = stp_target_erase(r->t, &req);
		r->flash_erased = st == STP_OK;
		return st;
	}
	if ((st = job_geometry(r, &geo)))
		return st;
	if ((st = job_select_units(r->ctx, &geo, &s->units, &units, &n))) {
		stp_geometry_release(&geo);
		return st;
	}
	req.kind = STP_ERASE_UNITS;
	req.units = units;
	req.nunits = n;
	stp_result(r->ctx, "Erasing %zu sector(s)", n);
	/* A phase of its own, like the engine's: a renderer prints its
	 * finished line on the phase's end. */
	stp_phase_begin(r->ctx, STP_PHASE_ERASE, n);
	st = stp_target_erase(r->t, &req);
	if (st)
		stp_phase_failed(r->ctx, STP_PHASE_ERASE, 0, n, st);
	else
		stp_phase_end(r->ctx, STP_PHASE_ERASE, n);
	/* Remembered for the plan: these need no read to be kept. */
	if (!st && !r->units_erased &&
	    (r->units_erased = calloc(geo.nunits, sizeof(bool))))
		r->nunits_erased = geo.nunits;
	for (size_t i = 0; !st && r->units_erased && i < n; i++)
		if (units[i].index < r->nunits_erased)
			r->units_erased[units[i].index] = true;
	free(units);
	stp_geometry_release(&geo);
	return st;
}

/* Read in slices so a long read shows progress. */
static stp_status run_read(job_run *r, const job_step *s)
{
	uint8_t *buf = malloc(s->len);
	size_t done = 0;
	stp_status st = STP_OK;

	if (!buf)
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	stp_phase_begin(r->ctx, STP_PHASE_READ, s->len);
	while (done < s->len && !st) {
		size_t n = s->len - done > READ_SLICE ? READ_SLICE : s->len - done;
		st = stp_target_read(r->t, s->addr + (uint32_t)done, buf + done,
		                     (uint32_t)n);
		if (!st) {
			done += n;
			stp_progress(r->ctx, STP_PHASE_READ, done, s->len);
		}
	}
	if (st) {
		stp_phase_failed(r->ctx, STP_PHASE_READ, done, s->len, st);
	} else {
		stp_phase_end(r->ctx, STP_PHASE_READ, s->len);
		st = s->fn(s->user, r->ctx, s->addr, buf, s->len);
	}
	free(buf);
	return st;
}

/* -checksum: the device's CRC where the ROM computes one (GET CHECKSUM),
 * else the CRC of a read, the same number either way. */
static stp_status run_checksum(job_run *r, const job_step *s)
{
	bool by_device = (stp_target_caps(r->t)->flags & STP_CAP_CRC) != 0;
	uint32_t crc = 0xFFFFFFFFu;
	stp_status st = STP_OK;

	if (by_device) {
		if ((st = stp_target_crc(r->t, s->addr, (uint32_t)s->len, &crc)))
			return st;
	} else {
		uint8_t *buf = malloc(READ_SLICE);
		size_t done = 0;

		if (!buf)
			return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
		stp_phase_begin(r->ctx, STP_PHASE_READ, s->len);
		while (done < s->len && !st) {
			size_t n = s->len - done > READ_SLICE ? READ_SLICE
			                                      : s->len - done;
			st = stp_target_read(r->t, s->addr + (uint32_t)done, buf,
			                     (uint32_t)n);
			if (!st) {
				crc = stp_crc32_stm32(crc, buf, n);
				done += n;
				stp_progress(r->ctx, STP_PHASE_READ, done, s->len);
			}
		}
		free(buf);
		if (st) {
			stp_phase_failed(r->ctx, STP_PHASE_READ, done, s->len, st);
			return st;
		}
		stp_phase_end(r->ctx, STP_PHASE_READ, s->len);
	}
	stp_result(r->ctx, "CRC-32 of 0x%08X..0x%08X (%zu bytes): 0x%08X, "
	                   "computed by %s", s->addr,
	           s->addr + (uint32_t)s->len - 1, s->len, crc,
	           by_device ? "the device (GET CHECKSUM)"
	                     : "stmprog from a read");
	return s->crc_fn(s->user, r->ctx, s->addr, (uint32_t)s->len, crc,
	                 by_device);
}

static stp_status run_step(job_run *r, size_t i)
{
	const job_step *s = &r->job->steps[i];

	switch (s->kind) {
	case JOB_IMAGE:
	case JOB_PATCH:
		if (i == r->plan_step)
			return run_plan(r);
		/* The later inputs were part of the plan at the first. */
		stp_result(r->ctx, "%s: written and verified with the files "
		                   "above, as one plan", s->name);
		return STP_OK;
	case JOB_ERASE:
		return run_erase(r, s);
	case JOB_OB_WRITE:
		return job_ob_write_step(r, s);
	case JOB_OB_READ:
		return job_ob_read_step(r, s);
	case JOB_WP:
		return job_protect_write_step(r, s);
	case JOB_READ:
		return run_read(r, s);
	case JOB_CHECKSUM:
		return run_checksum(r, s);
	case JOB_RDP:
	case JOB_RDU:
	case JOB_WUP:
		return job_protect_step(r, s);
	case JOB_VERIFIED:
		/* The plan and the option-byte writes verify before they
		 * report success; this step only says so where it stands. */
		if (!r->downloaded && !r->rep.option_bytes_written)
			return stp_fail(r->ctx, STP_ERR_INTERNAL, NULL,
			                "-v: nothing was written before it");
		stp_result(r->ctx, "Verified");
		return STP_OK;
	}
	return stp_fail(r->ctx, STP_ERR_INTERNAL, NULL, "step %zu has no runner", i);
}

/* -rst / -hardRst: the chip restarts into what its boot pins select and
 * has left its bootloader, so this is the last thing a run sends. */
static stp_status run_reset(job_run *r)
{
	bool hard = r->job->end == STP_JOB_END_HARD_RESET;
	char how[256] = "";
	stp_status st = stp_target_reset(r->t, hard ? STP_RESET_HARD
	                                            : STP_RESET_SOFT,
	                                 how, sizeof(how));

	if (st)
		return st;
	r->rep.reset = true;
	stp_result(r->ctx, "Reset the chip (%s): %s; it left its bootloader",
	           hard ? "-hardRst" : "-rst",
	           how[0] ? how : "the backend did not say how");
	return STP_OK;
}

static stp_status run_end(job_run *r)
{
	stp_start_report rep;
	stp_status st;

	if (r->job->end == STP_JOB_END_RESET ||
	    r->job->end == STP_JOB_END_HARD_RESET)
		return run_reset(r);
	if (r->job->end != STP_JOB_END_GO)
		return STP_OK;
	if ((st = stp_start(r->ctx, r->t, r->job->end_has_addr, r->job->end_addr,
	                    &rep)))
		return st;
	r->rep.started = true;
	r->rep.start_addr = rep.addr;
	if (rep.checked)
		stp_result(r->ctx, "Started the application at 0x%08X (stack "
		                   "pointer 0x%08X, reset vector 0x%08X); the chip "
		                   "left its bootloader",
		           rep.addr, rep.sp, rep.pc);
	else
		stp_result(r->ctx, "Started the application at 0x%08X; the chip "
		                   "left its bootloader", rep.addr);
	return STP_OK;
}

/* A cancel between two steps stops the job there; everything done so
 * far was verified. */
static stp_status stopped_between_steps(job_run *r)
{
	return stp_fail(r->ctx, STP_ERR_CANCELLED,
	                r->downloaded ? NULL : "nothing was written",
	                "stopped between two commands%s",
	                r->downloaded ? "; everything written so far was verified"
	                              : "");
}

stp_status stp_job_check(const stp_job *job, stp_ctx *ctx, stp_target *t,
                         const stp_job_run_opts *opts)
{
	job_run r = {.job = job, .ctx = ctx, .t = t, .opts = opts};
	stp_status st = prepare(&r);

	free_run(&r);
	return st;
}

stp_status stp_job_run(const stp_job *job, stp_ctx *ctx, stp_target *t,
                       const stp_job_run_opts *opts, stp_job_report *report)
{
	job_run r = {.job = job, .ctx = ctx, .t = t, .opts = opts};
	stp_status st = prepare(&r);

	for (size_t i = 0; !st && i <= job->nsteps; i++) {
		if (i == job->nsteps && job->end == STP_JOB_END_STAY)
			break;
		if (stp_cancelled(ctx)) {
			st = stopped_between_steps(&r);
			break;
		}
		st = i < job->nsteps ? run_step(&r, i) : run_end(&r);
	}
	if (report)
		*report = r.rep;
	free_run(&r);
	return st;
}

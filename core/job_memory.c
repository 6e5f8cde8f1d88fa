/* libstmprog: the memories of a run other than the flash: RAM the
 * bootloader leaves to users, the data EEPROM of L0/L1, OTP.  After the
 * run's images and patches are merged, their bytes in these memories
 * leave the flash plan (job_memory_split), are checked against the
 * chip before the first erase, and are written and verified after the
 * flash (job_memory_write).
 *
 * Each memory has its own rules, all checked in job_memory_split:
 *  - RAM: only the range the bootloader leaves free (ram_start..ram_end);
 *    nothing to erase; written whole and read back.
 *  - data EEPROM: words of 4 bytes that need no erase; planned like the
 *    flash: the device's words are read first, only those that differ
 *    are written, every word of the data is read back.  A word the data
 *    covers in part keeps the device's other bytes.
 *  - OTP: the irreversible-operation guard first; then the device's
 *    words are read and a word already programmed with other bytes is
 *    refused (equal words are left alone), since an OTP word is written
 *    once and a 0 bit never becomes 1 again; read back after the write.
 * Over USB the device's DfuSe alternate settings must name the memory,
 * or the run is refused before anything is written. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"
#include "job_internal.h"
#include "stmprog/dfuse.h"
#include "stmprog/events.h"
#include "stmprog/guard.h"

typedef enum mem_kind { MEM_RAM = 0, MEM_EEPROM, MEM_OTP, MEM_NKINDS } mem_kind;

static const char *const kind_name[MEM_NKINDS] = {
	"RAM", "data EEPROM", "OTP"
};

/* One contiguous stretch of data for one memory, widened to its words. */
typedef struct mem_span {
	mem_kind kind;
	uint32_t addr;        /* word-aligned */
	uint32_t len;         /* whole words */
	uint8_t *want;        /* what the span must hold afterwards */
	uint8_t *have;        /* what the device held (EEPROM, OTP), or NULL */
	bool *mine;           /* per byte: the data's (not kept from the device) */
	char origin[512];      /* the input it came from, for messages */
} mem_span;

typedef struct mem_set {
	mem_span *spans;
	size_t n, cap;
	bool written;         /* job_memory_write ran */
} mem_set;

/* ---- where an address lies ------------------------------------------ */

static bool in_range(uint32_t a, uint32_t start, uint32_t size)
{
	return size && a >= start && a - start < size;
}

/* The SRAM of the Cortex-M memory map, and the CCM/SRAM2 alias at
 * 0x10000000 (as core/start.c has it). */
static bool in_sram(uint32_t a)
{
	return (a >= 0x20000000u && a < 0x40000000u) ||
	       (a >= 0x10000000u && a < 0x10100000u);
}

/* Which memory of this job addr belongs to; false for the flash and
 * everything the planner judges. *end: where that memory stops. */
static bool memory_at(const stp_chip *c, uint32_t a, mem_kind *k,
                      uint64_t *end)
{
	if (c->eeprom_start && in_range(a, c->eeprom_start, c->eeprom_size)) {
		*k = MEM_EEPROM;
		*end = (uint64_t)c->eeprom_start + c->eeprom_size;
		return true;
	}
	if (c->otp_start && in_range(a, c->otp_start, c->otp_size)) {
		*k = MEM_OTP;
		*end = (uint64_t)c->otp_start + c->otp_size;
		return true;
	}
	if (in_sram(a)) {
		*k = MEM_RAM;
		*end = a >= 0x20000000u ? 0x40000000u : 0x10100000u;
		return true;
	}
	return false;
}

/* Where the next memory memory_at knows starts above a (a is in none of
 * them), or limit: a flash stretch ends there, found in one step rather
 * than a byte at a time. */
static uint64_t next_memory(const stp_chip *c, uint64_t a, uint64_t limit)
{
	const uint64_t starts[] = {
		c->eeprom_size ? c->eeprom_start : 0, c->otp_size ? c->otp_start : 0,
		0x10000000u, 0x20000000u};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++)
		if (starts[i] > a && starts[i] < limit)
			limit = starts[i];
	return limit;
}

static uint32_t word_of(const job_run *r, mem_kind k)
{
	const stp_chip *c = stp_target_info(r->t)->chip;
	uint32_t w = stp_target_caps(r->t)->write_align;

	if (w < 1)
		w = 1;
	if (k == MEM_EEPROM && w < STP_EEPROM_UNIT)
		w = STP_EEPROM_UNIT;
	/* An OTP word is the flash interface's program unit (F4 words,
	 * L4/G0 double words). */
	if (k == MEM_OTP && c->program_unit > w)
		w = c->program_unit;
	return w;
}

/* The input an address came from: the first image or patch of the run
 * holding it. */
static void origin_of(const job_run *r, uint32_t addr, char *buf, size_t len)
{
	const stp_job *job = r->job;
	size_t np = r->opts ? r->opts->npatches : 0;

	for (size_t i = 0; i < job->nsteps + np; i++) {
		const stp_image *img;
		const char *name;
		if (i < job->nsteps) {
			const job_step *s = &job->steps[i];
			if (!job_step_in_plan(s->kind))
				continue;
			img = s->kind == JOB_IMAGE && r->routed[i] ? r->routed[i] : s->img;
			name = s->name;
		} else {
			img = r->target_patches[i - job->nsteps];
			name = job_patch_name(r->opts->patches[i - job->nsteps].name);
		}
		for (size_t k = 0; img && k < img->nsegs; k++)
			if (in_range(addr, img->segs[k].addr, img->segs[k].len)) {
				snprintf(buf, len, "%s", name ? name : "the image");
				return;
			}
	}
	snprintf(buf, len, "%s", r->names[0] ? r->names : "the image");
}

/* ---- splitting the merged image ------------------------------------- */

static mem_set *set_of(job_run *r)
{
	if (!r->memories)
		r->memories = calloc(1, sizeof(mem_set));
	return r->memories;
}

static stp_status add_piece(job_run *r, mem_kind k, uint32_t addr,
                            const uint8_t *data, uint32_t len)
{
	mem_set *m = set_of(r);
	uint32_t w = word_of(r, k);
	uint32_t lo = addr / w * w;
	uint64_t hi = ((uint64_t)addr + len + w - 1) / w * w;
	mem_span *sp;

	if (!m)
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* Pieces of one memory that share a word become one span (the merge
	 * keeps pieces apart only where there is a gap). */
	if (m->n && m->spans[m->n - 1].kind == k &&
	    m->spans[m->n - 1].addr <= lo &&
	    (uint64_t)m->spans[m->n - 1].addr + m->spans[m->n - 1].len >= lo) {
		sp = &m->spans[m->n - 1];
		uint32_t nlen = (uint32_t)(hi - sp->addr);
		if (nlen > sp->len) {
			uint8_t *nw = realloc(sp->want, nlen);
			bool *nm = nw ? realloc(sp->mine, nlen * sizeof(bool)) : NULL;
			if (nw)
				sp->want = nw;
			if (!nw || !nm)
				return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
			sp->mine = nm;
			memset(sp->mine + sp->len, 0, (nlen - sp->len) * sizeof(bool));
			memset(sp->want + sp->len, 0, nlen - sp->len);
			sp->len = nlen;
		}
	} else {
		if (m->n == m->cap) {
			size_t ncap = m->cap ? m->cap * 2 : 4;
			mem_span *grown = realloc(m->spans, ncap * sizeof(*grown));
			if (!grown)
				return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
			m->spans = grown;
			m->cap = ncap;
		}
		sp = &m->spans[m->n];
		memset(sp, 0, sizeof(*sp));
		sp->kind = k;
		sp->addr = lo;
		sp->len = (uint32_t)(hi - lo);
		sp->want = calloc(sp->len, 1);
		sp->mine = calloc(sp->len, sizeof(bool));
		if (!sp->want || !sp->mine) {
			free(sp->want);
			free(sp->mine);
			return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
		}
		origin_of(r, addr, sp->origin, sizeof(sp->origin));
		m->n++;
	}
	memcpy(sp->want + (addr - sp->addr), data, len);
	for (uint32_t i = 0; i < len; i++)
		sp->mine[addr - sp->addr + i] = true;
	return STP_OK;
}

/* RAM outside ram_start..ram_end is the ROM's own (or not there). */
static stp_status check_ram(job_run *r, const mem_span *sp)
{
	const stp_chip *c = stp_target_info(r->t)->chip;
	uint64_t end = (uint64_t)sp->addr + sp->len;
	uint32_t first = sp->addr;

	while (first < end && !sp->mine[first - sp->addr])
		first++;
	if (sp->addr >= c->ram_start && end <= c->ram_end)
		return STP_OK;
	if (c->ram_end <= c->ram_start)
		return stp_fail(r->ctx, STP_ERR_LAYOUT,
		                "load the code into the flash instead",
		                "%s: data for RAM at 0x%08X, but the bootloader of "
		                "this %s keeps all of its RAM for itself; nothing was "
		                "written", sp->origin, first, c->name);
	if (first < c->ram_start && first >= (c->ram_start & 0xFFF00000u)) {
		stp_status st = stp_fail(r->ctx, STP_ERR_LAYOUT, NULL,
		                         "%s: data for RAM at 0x%08X lies in the RAM "
		                         "the bootloader of this %s uses for itself; "
		                         "the RAM it leaves to users is "
		                         "0x%08X..0x%08X; nothing was written",
		                         sp->origin, first, c->name, c->ram_start,
		                         c->ram_end - 1);
		stp_set_hint(r->ctx, "give an address from 0x%08X, e.g. -d FILE "
		             "0x%08X", c->ram_start, c->ram_start);
		return st;
	}
	if (first < c->ram_start)
		first = sp->addr;
	return stp_fail(r->ctx, STP_ERR_LAYOUT,
	                "check the address and the size; the data must fit in "
	                "the RAM left to users",
	                "%s: data for RAM at 0x%08X..0x%08X does not fit in the "
	                "RAM the bootloader of this %s leaves to users "
	                "(0x%08X..0x%08X); nothing was written",
	                sp->origin, sp->addr, (uint32_t)(end - 1), c->name,
	                c->ram_start, c->ram_end - 1);
}

/* Over USB a memory is reached through the alternate setting whose
 * layout holds it; a device without one cannot take the data. */
static stp_status check_reachable(job_run *r, const mem_span *sp)
{
	const stp_device_info *info = stp_target_info(r->t);

	if (!info->nalts)
		return STP_OK;
	for (unsigned i = 0; i < info->nalts; i++) {
		stp_dfuse_layout lo;
		if (stp_dfuse_parse(r->ctx, info->alts[i].name, &lo)) {
			stp_clear_error(r->ctx);
			continue;
		}
		if (stp_dfuse_contains(&lo, sp->addr, sp->len))
			return STP_OK;
	}
	return stp_fail(r->ctx, STP_ERR_UNSUPPORTED,
	                "write it over UART or CAN, where the bootloader's Write "
	                "Memory reaches it; `stmprog -l usb` shows the device's "
	                "alternate settings",
	                "%s: data for %s at 0x%08X..0x%08X, but none of this "
	                "DFU device's %u alternate settings holds that memory; "
	                "nothing was written",
	                sp->origin, kind_name[sp->kind], sp->addr,
	                sp->addr + sp->len - 1, info->nalts);
}

/* The device's bytes of the span, for the words the data covers in part
 * (and, on EEPROM and OTP, for all of them: the plan compares). */
static stp_status read_span(job_run *r, mem_span *sp)
{
	uint32_t w = word_of(r, sp->kind);
	stp_status st;

	if (sp->kind == MEM_RAM) {
		/* Only partly covered words need the device's bytes. */
		for (uint32_t o = 0; o < sp->len; o += w) {
			bool part = false, any = false;
			uint8_t buf[64];
			for (uint32_t i = 0; i < w; i++) {
				part |= !sp->mine[o + i];
				any |= sp->mine[o + i];
			}
			if (!part || !any || w > sizeof(buf))
				continue;
			if ((st = stp_target_read(r->t, sp->addr + o, buf, w)))
				return st;
			for (uint32_t i = 0; i < w; i++)
				if (!sp->mine[o + i])
					sp->want[o + i] = buf[i];
		}
		return STP_OK;
	}
	free(sp->have);
	if (!(sp->have = malloc(sp->len)))
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if ((st = stp_target_read(r->t, sp->addr, sp->have, sp->len)))
		return st;
	for (uint32_t i = 0; i < sp->len; i++)
		if (!sp->mine[i])
			sp->want[i] = sp->have[i];
	return STP_OK;
}

static void hex_word(char *buf, size_t len, const uint8_t *p, uint32_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < n && used + 4 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%02X",
		                         i ? " " : "", p[i]);
}

/* Words already programmed with other bytes cannot take the data. */
static stp_status check_otp_words(job_run *r, const mem_span *sp)
{
	uint32_t w = word_of(r, MEM_OTP);

	for (uint32_t o = 0; o < sp->len; o += w) {
		const uint8_t *have = sp->have + o, *want = sp->want + o;
		bool erased = true, up = false;
		char h[100], wn[100];

		if (!memcmp(have, want, w))
			continue;
		for (uint32_t i = 0; i < w; i++) {
			erased &= have[i] == 0xFF;
			up |= (want[i] & ~have[i]) != 0;
		}
		if (erased)
			continue;
		hex_word(h, sizeof(h), have, w);
		hex_word(wn, sizeof(wn), want, w);
		return stp_fail(r->ctx, STP_ERR_LAYOUT,
		                "OTP words are written once: leave this word out of "
		                "the data, or give it the bytes it holds",
		                "%s: the OTP word at 0x%08X already holds %s and the "
		                "data wants %s%s; nothing was written",
		                sp->origin, sp->addr + o, h, wn,
		                up ? " (a 0 bit would have to become 1, which OTP "
		                     "cannot do)"
		                   : " (the word was programmed once already)");
	}
	return STP_OK;
}

/* OTP data must fill its words: the rest of a word could never be
 * written afterwards. */
static stp_status check_otp_whole(job_run *r, const mem_span *sp)
{
	uint32_t w = word_of(r, MEM_OTP);

	for (uint32_t i = 0; i < sp->len; i++)
		if (!sp->mine[i]) {
			uint32_t word = sp->addr + i / w * w;
			return stp_fail(r->ctx, STP_ERR_LAYOUT,
			                "give whole words (pad them with 0xFF yourself "
			                "where that is what you mean)",
			                "%s: the data covers only part of the %u-byte OTP "
			                "word at 0x%08X; the rest of the word could never "
			                "be written afterwards, so nothing was written",
			                sp->origin, w, word);
		}
	return STP_OK;
}

static stp_status check_span(job_run *r, mem_span *sp)
{
	stp_status st;
	char source[600];

	if (sp->kind == MEM_RAM && (st = check_ram(r, sp)))
		return st;
	if ((st = check_reachable(r, sp)))
		return st;
	if (sp->kind == MEM_OTP) {
		if ((st = check_otp_whole(r, sp)))
			return st;
		snprintf(source, sizeof(source), "%s (%u bytes of OTP at 0x%08X)",
		         sp->origin, sp->len, sp->addr);
		if ((st = stp_guard(r->ctx, STP_IRREV_OTP, source,
		                    "programs one-time-programmable memory, which "
		                    "can never be erased")))
			return st;
	}
	if ((st = read_span(r, sp)))
		return st;
	if (sp->kind == MEM_OTP)
		return check_otp_words(r, sp);
	return STP_OK;
}

stp_status job_memory_split(job_run *r)
{
	const stp_chip *chip = stp_target_info(r->t)->chip;
	stp_image *flash;
	stp_status st = STP_OK;
	mem_set *m;

	if (!chip || !r->merged)
		return STP_OK;
	if (!(flash = stp_image_new()))
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < r->merged->nsegs && !st; i++) {
		const stp_segment *s = &r->merged->segs[i];
		uint64_t a = s->addr, end = (uint64_t)s->addr + s->len;

		while (a < end && !st) {
			mem_kind k;
			uint64_t stop, b = a;
			const uint8_t *d = s->data + (a - s->addr);
			if (memory_at(chip, (uint32_t)a, &k, &stop)) {
				b = end < stop ? end : stop;
				st = add_piece(r, k, (uint32_t)a, d, (uint32_t)(b - a));
			} else {
				/* Up to the next byte of another memory: the
				 * planner judges it (flash, or its sentence). */
				b = next_memory(chip, a, end);
				st = stp_image_add(r->ctx, flash, s->alt, (uint32_t)a, d,
				                   (uint32_t)(b - a), "the image");
			}
			a = b;
		}
	}
	m = r->memories;
	for (size_t i = 0; !st && m && i < m->n; i++)
		st = check_span(r, &m->spans[i]);
	if (st) {
		stp_image_free(flash);
		return st;
	}
	if (!m || !m->n) {
		stp_image_free(flash);
		return STP_OK;
	}
	for (unsigned a = 0; a < 256; a++)
		if (r->merged->alt_name[a] &&
		    !(flash->alt_name[a] = strdup(r->merged->alt_name[a]))) {
			stp_image_free(flash);
			return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
		}
	flash->has_entry = r->merged->has_entry;
	flash->entry = r->merged->entry;
	stp_image_free(r->merged);
	r->merged = flash;
	return STP_OK;
}

stp_status job_memory_strip(stp_ctx *ctx, const stp_chip *chip,
                            stp_image **img, bool *stripped)
{
	const stp_image *in = *img;
	stp_image *flash;
	stp_status st = STP_OK;

	*stripped = false;
	if (!chip || !in)
		return STP_OK;
	if (!(flash = stp_image_new()))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; i < in->nsegs && !st; i++) {
		const stp_segment *s = &in->segs[i];
		uint64_t a = s->addr, end = (uint64_t)s->addr + s->len;

		while (a < end && !st) {
			mem_kind k;
			uint64_t stop, b = a;
			if (memory_at(chip, (uint32_t)a, &k, &stop)) {
				b = end < stop ? end : stop;
				*stripped = true;
			} else {
				b = next_memory(chip, a, end);
				st = stp_image_add(ctx, flash, s->alt, (uint32_t)a,
				                   s->data + (a - s->addr),
				                   (uint32_t)(b - a), NULL);
			}
			a = b;
		}
	}
	if (!st)
		for (unsigned a = 0; a < 256; a++)
			if (in->alt_name[a] &&
			    !(flash->alt_name[a] = strdup(in->alt_name[a])))
				st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if (st) {
		stp_image_free(flash);
		return st;
	}
	flash->has_entry = in->has_entry;
	flash->entry = in->entry;
	stp_image_free(*img);
	*img = flash;
	return STP_OK;
}

bool job_memory_pending(const job_run *r)
{
	const mem_set *m = r->memories;

	return m && m->n && !m->written;
}

/* ---- writing -------------------------------------------------------- */

/* Writes the words of sp that must change (RAM: all of them), then
 * reads the whole span back. */
static stp_status write_span(job_run *r, mem_span *sp)
{
	uint32_t w = word_of(r, sp->kind);
	uint64_t written = 0;
	size_t words = sp->len / w, changed = 0;
	uint8_t *back;
	stp_status st = STP_OK;

	/* What the device holds now: an earlier step (an RDP regression, a
	 * second plan) may have changed it since the check. */
	if (sp->kind != MEM_RAM) {
		if ((st = stp_target_read(r->t, sp->addr, sp->have, sp->len)))
			return st;
		if (sp->kind == MEM_OTP && (st = check_otp_words(r, sp)))
			return st;
	}
	stp_phase_begin(r->ctx, STP_PHASE_WRITE, sp->len);
	for (uint32_t o = 0; o < sp->len && !st;) {
		uint32_t e = o;
		/* A run of words to write. */
		while (e < sp->len &&
		       (sp->kind == MEM_RAM || memcmp(sp->have + e, sp->want + e, w)))
			e += w;
		if (e > o) {
			st = stp_target_write(r->t, sp->addr + o, sp->want + o, e - o);
			written += e - o;
			changed += (e - o) / w;
			o = e;
		} else {
			o += w;
		}
		if (!st)
			stp_progress(r->ctx, STP_PHASE_WRITE, o, sp->len);
	}
	if (st) {
		stp_phase_failed(r->ctx, STP_PHASE_WRITE, written, sp->len, st);
		return st;
	}
	stp_phase_end(r->ctx, STP_PHASE_WRITE, sp->len);

	if (!(back = malloc(sp->len)))
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	stp_phase_begin(r->ctx, STP_PHASE_VERIFY, sp->len);
	st = stp_target_read(r->t, sp->addr, back, sp->len);
	if (st) {
		stp_phase_failed(r->ctx, STP_PHASE_VERIFY, 0, sp->len, st);
		free(back);
		return st;
	}
	for (uint32_t i = 0; i < sp->len; i++)
		if (back[i] != sp->want[i]) {
			stp_status f = stp_fail(r->ctx, STP_ERR_VERIFY,
			                        sp->kind == MEM_EEPROM
			                                ? "the part may have less data "
			                                  "EEPROM than the largest of its "
			                                  "line (docs/chips.md)"
			                                : NULL,
			                        "%s: %s at 0x%08X reads 0x%02X after "
			                        "the write, not 0x%02X",
			                        sp->origin, kind_name[sp->kind],
			                        sp->addr + i, back[i], sp->want[i]);
			stp_phase_failed(r->ctx, STP_PHASE_VERIFY, i, sp->len, f);
			free(back);
			return f;
		}
	free(back);
	stp_phase_end(r->ctx, STP_PHASE_VERIFY, sp->len);
	r->rep.bytes_written += written;
	r->rep.bytes_verified += sp->len;
	if (sp->kind == MEM_RAM)
		stp_result(r->ctx, "%s: %u bytes written to RAM at 0x%08X and "
		                   "verified by read-back",
		           sp->origin, sp->len, sp->addr);
	else
		stp_result(r->ctx, "%s: %s at 0x%08X..0x%08X: %zu word(s) compared, "
		                   "%zu written, %u bytes verified by read-back",
		           sp->origin, kind_name[sp->kind], sp->addr,
		           sp->addr + sp->len - 1, words, changed, sp->len);
	return STP_OK;
}

stp_status job_memory_write(job_run *r)
{
	mem_set *m = r->memories;
	stp_status st;

	if (!m || m->written)
		return STP_OK;
	m->written = true;
	for (size_t i = 0; i < m->n; i++) {
		if (stp_cancelled(r->ctx))
			return stp_fail(r->ctx, STP_ERR_CANCELLED, NULL,
			                "stopped before writing %s at 0x%08X",
			                kind_name[m->spans[i].kind], m->spans[i].addr);
		if ((st = write_span(r, &m->spans[i])))
			return st;
	}
	/* -v and the report count these writes as the run's download. */
	r->downloaded = true;
	return STP_OK;
}

void job_memory_free(job_run *r)
{
	mem_set *m = r->memories;

	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->spans[i].want);
		free(m->spans[i].have);
		free(m->spans[i].mine);
	}
	free(m->spans);
	free(m);
	r->memories = NULL;
}

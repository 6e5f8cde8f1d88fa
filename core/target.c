/* The target layer: picks the backend that claims a port, opens it, asks
 * the bootloader who it is, completes that from the chip database, and
 * dispatches every operation to the backend, saying clearly when the
 * backend cannot do one. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_internal.h"
#include "registry.h"
#include "stmprog/backend.h"
#include "stmprog/dfuse.h"
#include "stmprog/events.h"
#include "stmprog/guard.h"
#include "stmprog/target.h"

struct stp_target {
	stp_ctx *ctx;
	const stp_backend_desc *backend;
	void *session;
	stp_device_info info;
	stp_caps caps;
};

/* Length of the longest prefix in prefixes that starts port; -1 if none. */
static int claim_length(const char *const *prefixes, const char *port)
{
	int best = -1;

	if (!prefixes)
		return 0;
	for (; *prefixes; prefixes++) {
		size_t n = strlen(*prefixes);
		if (strncmp(port, *prefixes, n) == 0 && (int)n > best)
			best = (int)n;
	}
	return best;
}

static const loaded_backend *backend_for(stp_ctx *ctx, const stp_portspec *spec)
{
	const loaded_backend *all, *best = NULL;
	size_t n = stp_registry_loaded(ctx, &all);
	int best_len = -1;

	for (size_t i = 0; i < n; i++) {
		int len;
		if (all[i].desc->transport != spec->transport)
			continue;
		len = claim_length(all[i].desc->port_prefixes, spec->port);
		if (len > best_len) {
			best_len = len;
			best = &all[i];
		}
	}
	return best;
}

/* Port listings carry device strings too (USB product and serial, DfuSe
 * layouts in details): each is escaped before the front-end sees it.
 * details keeps its line breaks, which the backend put there. */
typedef struct port_relay {
	stp_port_fn fn;
	void *user;
} port_relay;

static void relay_port(void *user, const stp_port_info *port)
{
	port_relay *r = user;
	stp_port_info safe = *port;
	size_t used = 0;

	stp_escape(safe.port, sizeof(safe.port), port->port);
	stp_escape(safe.description, sizeof(safe.description),
	           port->description);
	stp_escape(safe.serial, sizeof(safe.serial), port->serial);
	safe.details[0] = '\0';
	for (const char *p = port->details; *p && used + 1 < sizeof(safe.details);) {
		size_t n = strcspn(p, "\n");
		char line[sizeof(safe.details)];

		memcpy(line, p, n);
		line[n] = '\0';
		stp_escape(safe.details + used, sizeof(safe.details) - used, line);
		used += strlen(safe.details + used);
		p += n;
		if (*p == '\n' && used + 1 < sizeof(safe.details)) {
			safe.details[used++] = '\n';
			safe.details[used] = '\0';
			p++;
		} else if (*p == '\n') {
			break;
		}
	}
	r->fn(r->user, &safe);
}

stp_status stp_enumerate(stp_ctx *ctx, stp_transport transport,
                         stp_port_fn fn, void *user)
{
	const loaded_backend *all;
	size_t n = stp_registry_loaded(ctx, &all);
	size_t asked = 0;

	for (size_t i = 0; i < n; i++) {
		const stp_backend_desc *d = all[i].desc;
		stp_status st;

		if (transport != STP_TRANSPORT_NONE && d->transport != transport)
			continue;
		if (!d->ops->enumerate)
			continue;
		asked++;
		st = d->ops->enumerate(ctx, relay_port,
		                       &(port_relay){.fn = fn, .user = user});
		if (st)
			stp_log(ctx, STP_LOG_WARN, "%s: listing ports failed: %s",
			        d->name, stp_last_detail(ctx));
	}
	if (!asked)
		return stp_fail(ctx, STP_ERR_BACKEND,
		                "`stmprog --backends` shows which backends are "
		                "loaded and where they are looked for",
		                "no loaded backend can list %s ports",
		                transport == STP_TRANSPORT_NONE
		                        ? "any"
		                        : stp_transport_name(transport));
	return STP_OK;
}

/* The part's real flash size from its flash-size register, when the
 * bootloader lets us read it; the table's largest size otherwise. */
/* Returns the status of the register's read (STP_OK when none was
 * tried), so a refusal for protection is not asked twice. */
static stp_status read_flash_size(stp_target *t)
{
	const stp_chip *chip = t->info.chip;
	uint8_t kb[2];
	uint32_t size;
	stp_status st;

	t->info.flash_size = chip->flash_size;
	if (!chip->flash_size_reg || !t->backend->ops->read ||
	    (chip->quirks & STP_QUIRK_FIXED_SIZE))
		return STP_OK;
	if ((st = t->backend->ops->read(t->session, chip->flash_size_reg, kb,
	                                2))) {
		stp_log(t->ctx, STP_LOG_DEBUG,
		        "flash size register 0x%08X not readable (%s); using %u KiB",
		        chip->flash_size_reg, stp_last_detail(t->ctx),
		        chip->flash_size / 1024);
		stp_clear_error(t->ctx);
		return st;
	}
	size = (uint32_t)(kb[0] | kb[1] << 8) * 1024u;
	if (size == 0 || size > chip->flash_size) {
		stp_log(t->ctx, STP_LOG_WARN,
		        "flash size register says %u KiB, which a %s cannot have; "
		        "using %u KiB",
		        size / 1024, chip->name, chip->flash_size / 1024);
		return STP_OK;
	}
	t->info.flash_size = size;
	return STP_OK;
}

/* The chip's 96-bit unique ID, for logs and traceability (and to tell
 * apart boards whose DFU serial strings collide: the ROMs build those
 * from 48 of the 96 bits).  One raw backend read, not a phase;
 * it never fails the connect.  Readout protection refuses it on every
 * transport (UART and CAN NACK READ MEMORY, DfuSe answers errVENDOR),
 * and the bootloader says nothing else then, so that is stated, not
 * reported as an error.  A DfuSe ROM reads through alt 0 what lies
 * outside its alternate settings' memories (as for the flash-size
 * register); a ROM that refuses the address leaves dfuERROR, which the
 * backend clears before its next request, so the device is where it was.
 * fsize_st: how the flash-size register read went (same region, same
 * protection). */
/* Where the UID's third word (bits 95:64) sits: right after the other two
 * on every family but L0 and L1, whose reference manuals (RM0367, RM0038)
 * put it at +0x14, three reserved words further on. */
static uint32_t uid_top_word_offset(const stp_chip *chip)
{
	return !strcmp(chip->family, "L0") || !strcmp(chip->family, "L1")
	               ? 0x14u : 8u;
}

static void read_uid(stp_target *t, stp_status fsize_st)
{
	stp_device_info *info = &t->info;
	const stp_chip *chip = info->chip;
	uint32_t top = uid_top_word_offset(chip);
	uint8_t raw[0x18];
	stp_status st;

	if (!chip->uid_addr) {
		info->uid_status = STP_UID_NO_ADDRESS;
		stp_log(t->ctx, STP_LOG_DEBUG, "the chip database has no unique "
		        "ID address for %s", chip->name);
		return;
	}
	if (!t->backend->ops->read) {
		info->uid_status = STP_UID_UNREADABLE;
		return;
	}
	if ((info->id_flags & STP_ID_PROTECTED) || fsize_st == STP_ERR_PROTECTED)
		st = STP_ERR_PROTECTED;
	else
		st = t->backend->ops->read(t->session, chip->uid_addr, raw,
		                           top + 4);
	if (!st) {
		/* The three words in order, wherever the third one lives. */
		memcpy(info->uid, raw, 8);
		memcpy(info->uid + 8, raw + top, 4);
		info->uid_status = STP_UID_READ;
		return;
	}
	memset(info->uid, 0, sizeof(info->uid));
	if (st == STP_ERR_PROTECTED) {
		info->uid_status = STP_UID_PROTECTED;
		stp_log(t->ctx, STP_LOG_INFO, "the unique ID cannot be read: "
		        "readout protection");
	} else {
		info->uid_status = STP_UID_UNREADABLE;
		stp_log(t->ctx, STP_LOG_INFO, "the unique ID at 0x%08X cannot be "
		        "read through this bootloader (%s)", chip->uid_addr,
		        stp_last_detail(t->ctx));
	}
	stp_clear_error(t->ctx);
}

/* Whether the flash alt's units are exactly the geometry's. */
static bool layout_matches(const stp_dfuse_layout *lo, const stp_geometry *geo)
{
	size_t u = 0;

	for (size_t g = 0; g < lo->ngroups; g++) {
		const stp_dfuse_group *gr = &lo->groups[g];
		for (uint32_t k = 0; k < gr->count; k++, u++) {
			uint64_t addr = gr->addr + (uint64_t)k * gr->size;
			if (u >= geo->nunits || geo->units[u].addr != addr ||
			    geo->units[u].size != gr->size)
				return false;
		}
	}
	return u == geo->nunits;
}

/* A DfuSe ROM describes its flash in a layout string, and some ROMs get it
 * wrong (L07x: no unit, 192 KiB on every part).  stmprog plans from the
 * chip database and the flash-size register; when the ROM's string
 * disagrees, or had to be read with guesses, the user hears it. */
static void check_dfu_layout(stp_target *t)
{
	const stp_chip *chip = t->info.chip;
	stp_geometry geo;

	if (stp_chip_geometry(t->ctx, chip, t->info.flash_size, &geo)) {
		stp_clear_error(t->ctx);
		return;
	}
	for (unsigned i = 0; i < t->info.nalts; i++) {
		stp_dfuse_layout lo;
		if (stp_dfuse_parse(t->ctx, t->info.alts[i].name, &lo)) {
			stp_log(t->ctx, STP_LOG_WARN,
			        "alternate setting %u: %s; ignoring it",
			        t->info.alts[i].alt, stp_last_detail(t->ctx));
			stp_clear_error(t->ctx);
			continue;
		}
		if (!stp_dfuse_contains(&lo, chip->flash_base, 0))
			continue;
		if (lo.guessed)
			stp_log(t->ctx, STP_LOG_INFO,
			        "the ROM's flash layout \"%s\" is malformed: %s",
			        t->info.alts[i].name, lo.guess);
		if (!layout_matches(&lo, &geo))
			stp_log(t->ctx, STP_LOG_WARN,
			        "the ROM's flash layout \"%s\" (%llu KiB) disagrees "
			        "with the chip database and the flash-size register "
			        "(%u KiB in %zu units, %s); stmprog uses the database",
			        t->info.alts[i].name,
			        (unsigned long long)(stp_dfuse_total(&lo) / 1024),
			        t->info.flash_size / 1024, geo.nunits, chip->layout);
		break;
	}
	stp_geometry_release(&geo);
}

/* Every string a backend passes on came from the device or adapter;
 * escaped here once, whichever backend it was, so no front-end prints a
 * device's control characters. */
static void escape_info(stp_device_info *info)
{
	stp_escape(info->description, sizeof(info->description),
	           info->description);
	stp_escape(info->serial, sizeof(info->serial), info->serial);
	stp_escape(info->usb_location, sizeof(info->usb_location),
	           info->usb_location);
	for (unsigned i = 0; i < info->nalts && i < STP_MAX_ALTS; i++)
		stp_escape(info->alts[i].name, sizeof(info->alts[i].name),
		           info->alts[i].name);
}

static bool is_candidate(const stp_device_info *info, uint16_t pid)
{
	for (unsigned i = 0; i < info->ncandidates && i < 8; i++)
		if (info->candidates[i] == pid)
			return true;
	return false;
}

/* --chip (spec->chip_pid): chooses among the parts an identification
 * left open, and is an error when the device says it is another part. */
static stp_status apply_named_chip(stp_target *t, const stp_portspec *spec)
{
	stp_device_info *info = &t->info;
	const stp_chip *named = stp_chip_by_pid(spec->chip_pid);
	const stp_chip *seen = stp_chip_by_pid(info->pid);

	if (!spec->chip_pid)
		return STP_OK;
	if (info->pid == spec->chip_pid || is_candidate(info, spec->chip_pid)) {
		info->pid = spec->chip_pid;
		if (info->ncandidates > 1)
			info->id_flags |= STP_ID_NAMED;
		info->id_flags &= (uint8_t)~STP_ID_AMBIGUOUS;
		return STP_OK;
	}
	return stp_fail(t->ctx, STP_ERR_ARG,
	                "drop --chip to take the part the device names, or "
	                "connect the board you meant",
	                "--chip names %s (PID 0x%03X), but the device on %s is "
	                "%s%s (PID 0x%03X)%s",
	                named ? named->name : "an unknown part", spec->chip_pid,
	                spec->port, info->pid ? "" : "no part in the database",
	                seen ? seen->name : "", info->pid,
	                info->ncandidates > 1 ? " or another part its memory "
	                                        "layout fits, not that one"
	                                      : "");
}

/* "0x411 (STM32F205xx/...), 0x413 (STM32F405xx/...) or 0x441 (...)",
 * or without the names: the candidates, for messages. */
static void candidate_list(const stp_device_info *info, bool names, char *buf,
                           size_t len)
{
	unsigned n = info->ncandidates > 8 ? 8 : info->ncandidates;
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && used < len; i++) {
		const stp_chip *k = stp_chip_by_pid(info->candidates[i]);
		used += (size_t)snprintf(buf + used, len - used, "%s0x%03X%s%s%s",
		                         i == 0 ? "" : i + 1 == n ? " or " : ", ",
		                         info->candidates[i], names ? " (" : "",
		                         names && k ? k->name : "",
		                         names ? ")" : "");
	}
}

/* What the part is, in words (stp_device_info.identity). */
static void describe_identity(stp_target *t)
{
	stp_device_info *info = &t->info;
	const stp_chip *c = info->chip;
	bool open = info->ncandidates > 1 && !(info->id_flags & STP_ID_NAMED);
	char fams[32] = "", pids[64];
	size_t nf = 0;

	if (!c) {
		snprintf(info->identity, sizeof(info->identity), "%s",
		         "chip not in the database");
		return;
	}
	if (!(info->id_flags & STP_ID_PROTECTED)) {
		if (open) {
			candidate_list(info, true, info->identity,
			               sizeof(info->identity));
			return;
		}
		snprintf(info->identity, sizeof(info->identity), "%s", c->name);
		return;
	}
	/* A protected chip refuses every read that would name it, so it is
	 * named by what is certain: its family, and the PIDs it may be. */
	if (!open) {
		snprintf(info->identity, sizeof(info->identity),
		         "readout-protected %.120s; -rdu removes the protection "
		         "(erasing the flash)", c->name);
		return;
	}
	for (unsigned i = 0; i < info->ncandidates && i < 8; i++) {
		const stp_chip *k = stp_chip_by_pid(info->candidates[i]);
		if (k && !strstr(fams, k->family) && nf < sizeof(fams))
			nf += (size_t)snprintf(fams + nf, sizeof(fams) - nf, "%s%s",
			                       nf ? "/" : "", k->family);
	}
	candidate_list(info, false, pids, sizeof(pids));
	snprintf(info->identity, sizeof(info->identity),
	         "readout-protected chip, %.31s family (PID %.63s); -rdu removes the "
	         "protection (erasing the flash), then the part can be named "
	         "exactly", fams, pids);
}

/* Why option bytes, protection and the empty-check reload are refused
 * while two parts that differ in them are both possible. */
static stp_status need_exact(stp_target *t, const char *what)
{
	char names[400], flags[96] = "";
	size_t used = 0;

	if (!(t->info.id_flags & STP_ID_AMBIGUOUS))
		return STP_OK;
	candidate_list(&t->info, true, names, sizeof(names));
	for (unsigned i = 0; i < t->info.ncandidates && i < 8 &&
	                     used < sizeof(flags); i++)
		used += (size_t)snprintf(flags + used, sizeof(flags) - used,
		                         "%s--chip 0x%03X", i ? " or " : "",
		                         t->info.candidates[i]);
	stp_fail(t->ctx, STP_ERR_ARG, NULL,
	         "refusing to %s: the device could be PID %s, whose option "
	         "bytes differ, and nothing it answers%s tells which it is",
	         what, names,
	         t->info.id_flags & STP_ID_PROTECTED
	                 ? " (it is readout-protected)" : "");
	stp_set_hint(t->ctx, "name the part you have: add %s", flags);
	return STP_ERR_ARG;
}

stp_status stp_target_open(stp_ctx *ctx, const stp_portspec *spec,
                           stp_target **out)
{
	const loaded_backend *lb = backend_for(ctx, spec);
	stp_target *t;
	stp_status st;

	*out = NULL;
	if (!lb)
		return stp_fail(ctx, STP_ERR_BACKEND,
		                "`stmprog --backends` lists the loaded backends and "
		                "the directories searched; set " STP_BACKEND_PATH_ENV
		                " to look elsewhere",
		                "no loaded backend handles %s port %s",
		                stp_transport_name(spec->transport), spec->port);
	t = calloc(1, sizeof(*t));
	if (!t)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	t->ctx = ctx;
	t->backend = lb->desc;
	stp_ctx_set_port_label(ctx, spec->port);
	stp_log(ctx, STP_LOG_INFO, "opening %s with the %s backend", spec->port,
	        lb->desc->name);
	st = lb->desc->ops->open(ctx, spec, &t->session);
	if (st) {
		free(t);
		return st;
	}
	st = lb->desc->ops->identify(t->session, &t->info, &t->caps);
	if (st) {
		stp_target_close(t);
		return st;
	}
	if (!t->caps.max_read)
		t->caps.max_read = 256;
	if (!t->caps.max_write)
		t->caps.max_write = 256;
	if (!t->caps.write_align)
		t->caps.write_align = 1;
	escape_info(&t->info);
	if ((st = apply_named_chip(t, spec))) {
		stp_target_close(t);
		return st;
	}
	t->info.chip = stp_chip_by_pid(t->info.pid);
	describe_identity(t);
	if (t->info.id_flags & STP_ID_AMBIGUOUS) {
		char names[400];
		candidate_list(&t->info, true, names, sizeof(names));
		stp_log(ctx, STP_LOG_WARN,
		        "%s: the device could be PID %s: option bytes and "
		        "protection are refused until --chip names the part",
		        spec->port, names);
	}
	if (t->info.chip) {
		stp_status fsize_st = read_flash_size(t);
		if (t->info.nalts)
			check_dfu_layout(t);
		read_uid(t, fsize_st);
		stp_log(ctx, STP_LOG_INFO, "chip: %s (PID 0x%03X), %u KiB flash",
		        t->info.identity, t->info.pid, t->info.flash_size / 1024);
	} else if (t->info.pid) {
		stp_log(ctx, STP_LOG_WARN,
		        "PID 0x%03X is not in the chip database: only reads and "
		        "writes at explicit addresses are possible",
		        t->info.pid);
	}
	stp_emit(ctx, &(stp_event){.kind = STP_EVENT_IDENTIFIED,
	                           .level = STP_LOG_INFO, .info = &t->info,
	                           .backend = t->backend->name});
	*out = t;
	return STP_OK;
}

void stp_target_close(stp_target *t)
{
	if (!t)
		return;
	if (t->backend->ops->close)
		t->backend->ops->close(t->session);
	free(t);
}

const stp_device_info *stp_target_info(const stp_target *t)
{
	return &t->info;
}

const stp_caps *stp_target_caps(const stp_target *t)
{
	return &t->caps;
}

const char *stp_target_backend_name(const stp_target *t)
{
	return t->backend->name;
}

static stp_status unsupported(stp_target *t, const char *what)
{
	return stp_fail(t->ctx, STP_ERR_UNSUPPORTED, NULL,
	                "the %s backend cannot %s", t->backend->name, what);
}

#define OPS (t->backend->ops)

/* A timeout while the caller's -tm (stp_ctx_timeout_ms) stood in for the
 * backend's own deadlines is most likely -tm's: the message says so. */
static stp_status name_tm(stp_target *t, stp_status st)
{
	unsigned tm = stp_ctx_timeout_ms(t->ctx);
	char *detail;

	if (st != STP_ERR_TIMEOUT || !tm)
		return st;
	detail = strdup(stp_last_detail(t->ctx));
	st = stp_fail(t->ctx, st,
	              "raise -tm, or leave it out to wait as long as the chip "
	              "database says the operation takes",
	              "%s, with the operation timeout -tm %u ms",
	              detail ? detail : "no answer in time", tm);
	free(detail);
	return st;
}

/* One backend transfer of n bytes at addr, buf being the caller's buffer
 * at that block's offset. */
typedef stp_status (*block_fn)(stp_target *t, uint32_t addr, void *buf,
                               uint32_t n);

static stp_status read_block(stp_target *t, uint32_t addr, void *buf,
                             uint32_t n)
{
	return name_tm(t, OPS->read(t->session, addr, buf, n));
}

static stp_status write_block(stp_target *t, uint32_t addr, void *buf,
                              uint32_t n)
{
	return name_tm(t, OPS->write(t->session, addr, buf, n));
}

/* Walks [addr, addr+len) in blocks of at most max bytes: reads and writes
 * share the range check and the splitting. */
static stp_status in_blocks(stp_target *t, const char *verb, uint32_t addr,
                            uint8_t *buf, size_t len, uint32_t max,
                            block_fn step)
{
	if ((uint64_t)addr + len > (uint64_t)UINT32_MAX + 1)
		return stp_fail(t->ctx, STP_ERR_ARG, NULL,
		                "%s %zu bytes at 0x%08X runs past 4 GiB", verb, len,
		                addr);
	while (len) {
		uint32_t n = len > max ? max : (uint32_t)len;
		stp_status st = step(t, addr, buf, n);
		if (st)
			return st;
		addr += n;
		buf += n;
		len -= n;
	}
	return STP_OK;
}

stp_status stp_target_read(stp_target *t, uint32_t addr, uint8_t *buf,
                           size_t len)
{
	if (!OPS->read)
		return unsupported(t, "read memory");
	return in_blocks(t, "reading", addr, buf, len, t->caps.max_read,
	                 read_block);
}

stp_status stp_target_write(stp_target *t, uint32_t addr, const uint8_t *buf,
                            size_t len)
{
	uint32_t align = t->caps.write_align;

	if (!OPS->write)
		return unsupported(t, "write memory");
	/* OTP takes each bit once: only ever written when confirmed. */
	if (stp_chip_touches_otp(t->info.chip, addr, len)) {
		stp_status st = stp_guard(t->ctx, STP_IRREV_OTP, "this write",
		                          "programs one-time-programmable memory, "
		                          "which can never be erased");
		if (st)
			return st;
	}
	if (addr % align || len % align)
		return stp_fail(t->ctx, STP_ERR_ARG,
		                "the program planner aligns and pads images; raw "
		                "writes must be aligned by the caller",
		                "write of %zu bytes at 0x%08X is not %u-byte aligned",
		                len, addr, align);
	/* write_block only hands the bytes to the backend's const op. */
	return in_blocks(t, "writing", addr, (uint8_t *)buf, len,
	                 t->caps.max_write, write_block);
}

/* How many units one erase command lists.  The ROM's own limit first
 * (ERASE lists one byte of count, EXTENDED ERASE is limited on some
 * ROMs).  A ROM that erases a list in one command (UART, CAN) says
 * nothing until the whole list is done, so a long list is also cut into
 * pieces of about half a second each, by the chip's typical time for its
 * largest unit: the erase phase then moves unit by unit instead of
 * jumping from 0 to 100 %, for a few bytes more per piece.  A transport
 * that erases unit by unit (max_erase_list 0, DfuSe) reports its own
 * progress and is sent the list whole. */
#define ERASE_PIECE_MS 500u

static size_t erase_batch(const stp_target *t, size_t n)
{
	size_t batch = t->caps.max_erase_list ? t->caps.max_erase_list : n;
	const stp_chip *chip = t->info.chip;

	if (t->caps.max_erase_list && chip && chip->page_erase_ms) {
		size_t timed = ERASE_PIECE_MS / chip->page_erase_ms;
		if (timed < 1)
			timed = 1;
		if (timed < batch)
			batch = timed;
	}
	return batch ? batch : 1;
}

static stp_status erase_units(stp_target *t, const stp_erase_unit *units,
                              size_t n)
{
	size_t batch = erase_batch(t, n);

	for (size_t i = 0; i < n; i += batch) {
		stp_erase_req part = {.kind = STP_ERASE_UNITS, .units = units + i};
		stp_status st;
		part.nunits = n - i < batch ? n - i : batch;
		if ((st = OPS->erase(t->session, &part)))
			return name_tm(t, st);
		if (t->caps.max_erase_list)
			stp_progress(t->ctx, STP_PHASE_ERASE, i + part.nunits, n);
	}
	return STP_OK;
}

stp_status stp_target_erase(stp_target *t, const stp_erase_req *req)
{
	if (!OPS->erase)
		return unsupported(t, "erase flash");
	if (req->kind == STP_ERASE_BANK && !(t->caps.flags & STP_CAP_BANK_ERASE))
		return unsupported(t, "erase a whole bank");
	if (req->kind == STP_ERASE_UNITS)
		return erase_units(t, req->units, req->nunits);
	if (req->kind == STP_ERASE_MASS && !(t->caps.flags & STP_CAP_MASS_ERASE)) {
		/* L0/L1 ROMs have no mass erase: "erase everything" still means
		 * every unit, so do it one list at a time. */
		stp_geometry geo;
		stp_status st;
		if (!t->info.chip)
			return unsupported(t, "mass erase this chip, and its units are "
			                      "unknown (PID not in the chip database)");
		if ((st = stp_chip_geometry(t->ctx, t->info.chip, t->info.flash_size,
		                            &geo)))
			return st;
		stp_log(t->ctx, STP_LOG_INFO, "%s has no mass erase: erasing its "
		        "%zu units one list at a time", t->info.chip->name, geo.nunits);
		st = erase_units(t, geo.units, geo.nunits);
		stp_geometry_release(&geo);
		return st;
	}
	return name_tm(t, OPS->erase(t->session, req));
}

stp_status stp_target_crc(stp_target *t, uint32_t addr, uint32_t len,
                          uint32_t *crc)
{
	if (!OPS->crc || !(t->caps.flags & STP_CAP_CRC))
		return unsupported(t, "compute a CRC on the device");
	return OPS->crc(t->session, addr, len, crc);
}

stp_status stp_target_go(stp_target *t, uint32_t addr)
{
	if (!OPS->go)
		return unsupported(t, "start the application");
	return OPS->go(t->session, addr);
}

stp_status stp_target_reset(stp_target *t, stp_reset_kind kind, char *how,
                            size_t howlen)
{
	char none[1];

	if (!how || !howlen) {
		how = none;
		howlen = sizeof(none);
	}
	how[0] = '\0';
	if (!OPS->reset)
		return unsupported(t, kind == STP_RESET_HARD ? "drive NRST (-hardRst)"
		                                             : "reset the chip (-rst)");
	return OPS->reset(t->session, (int)kind, how, howlen);
}

stp_status stp_target_readout_protect(stp_target *t)
{
	stp_status st = need_exact(t, "set readout protection");

	if (st)
		return st;
	if (!OPS->readout_protect)
		return unsupported(t, "set readout protection");
	return OPS->readout_protect(t->session);
}

stp_status stp_target_readout_unprotect(stp_target *t)
{
	if (!OPS->readout_unprotect)
		return unsupported(t, "remove readout protection");
	return OPS->readout_unprotect(t->session);
}

stp_status stp_target_write_protect(stp_target *t, const uint16_t *units,
                                    size_t n)
{
	stp_status st = need_exact(t, "set write protection");

	if (st)
		return st;
	if (!OPS->write_protect)
		return unsupported(t, "set write protection");
	return OPS->write_protect(t->session, units, n);
}

stp_status stp_target_write_unprotect(stp_target *t)
{
	stp_status st = need_exact(t, "remove write protection");

	if (st)
		return st;
	if (!OPS->write_unprotect)
		return unsupported(t, "remove write protection");
	return OPS->write_unprotect(t->session);
}

static stp_status need_ob(stp_target *t)
{
	stp_status st;

	if ((st = need_exact(t, "touch the option bytes")))
		return st;
	if (!t->info.chip || !t->info.chip->ob_size)
		return stp_fail(t->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the option bytes of PID 0x%03X are not in the "
		                "chip database",
		                t->info.pid);
	return STP_OK;
}

stp_status stp_target_option_bytes_read(stp_target *t, uint8_t *buf,
                                        uint32_t len)
{
	stp_status st;

	if (!OPS->option_bytes_read)
		return unsupported(t, "read option bytes");
	if ((st = need_ob(t)))
		return st;
	return OPS->option_bytes_read(t->session, t->info.chip->ob_start, buf, len);
}

/* The last line of defence: whatever path asked for this write, it
 * passes the guard against what the device holds now (a block that
 * cannot be read counts as unknown, so nothing is taken as harmless). */
static stp_status guard_ob_write(stp_target *t, const uint8_t *buf,
                                 uint32_t len)
{
	uint8_t *now = malloc(len ? len : 1);
	stp_status st;

	if (!now)
		return stp_fail(t->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if (OPS->option_bytes_read(t->session, t->info.chip->ob_start, now, len)) {
		stp_clear_error(t->ctx);
		free(now);
		now = NULL;
	}
	st = stp_guard_option_bytes(t->ctx, t->info.chip, now, buf, len,
	                            "writing these option bytes");
	free(now);
	return st;
}

stp_status stp_target_option_bytes_write(stp_target *t, const uint8_t *buf,
                                         uint32_t len)
{
	stp_status st;

	if (!OPS->option_bytes_write)
		return unsupported(t, "write option bytes");
	if ((st = need_ob(t)))
		return st;
	if (OPS->option_bytes_read && (st = guard_ob_write(t, buf, len)))
		return st;
	return OPS->option_bytes_write(t->session, t->info.chip->ob_start, buf,
	                               len);
}

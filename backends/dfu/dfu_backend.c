/* The USB DFU backend (DFU 1.1 with ST's DfuSe extensions, AN3156): the
 * module's ops table and descriptor, device selection and the session's
 * life: run-time detach, identify from the layout strings, reads and
 * writes through the alternate setting that holds the address, erase,
 * option bytes, read unprotect, and a leave that checks the chip really
 * left its bootloader.
 *
 * Layers: dfu_usb (libusb) -> dfu_proto (DFU 1.1) -> dfuse_cmd (DfuSe).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_proto.h"
#include "dfu_usb.h"
#include "dfuse_cmd.h"
#include "stmprog/backend.h"
#include "stmprog/dfuse.h"

/* DETACH's wValue: the device's wDetachTimeOut, but no more than this:
 * some run-time firmwares say 65535 ms and mean "whenever". */
#define DETACH_CAP_MS 1000u
/* How long a device may take to come back in DFU mode after a detach, a
 * read unprotect or an option-byte write (USB re-enumeration takes a few
 * hundred ms; the erase of an RDU comes on top, see reopen_after). */
#define REFIND_MS 5000u
/* Between two looks at the bus while waiting for a device. */
#define SCAN_EVERY_MS 100u
/* After leave: how long to watch for the chip coming back in its
 * bootloader.  The ROM jumps within a millisecond; a chip that resets
 * into the bootloader again re-enumerates in 200..500 ms. */
#define LEAVE_WATCH_MS 1000u

typedef struct dfu_session {
	stp_ctx *ctx;
	stp_portspec spec;
	libusb_context *usb;
	libusb_device_handle *h;
	dfu_found dev;           /* what was opened (dev.dev not referenced) */
	char where[STP_PORT_MAX + 40]; /* "usb1 (1-1)" */
	dfu_usb_link link;
	dfu_io io;
	dfu_dev dfu;
	dfuse ds;
	/* identify: a read was refused for readout protection; the
	 * candidates differ in what option bytes and protection need. */
	bool protected_seen, ambiguous;
	dfuse_timing timing;
	int cur_alt;             /* the alternate setting selected, -1 none */
	stp_dfuse_layout lay[STP_MAX_ALTS];
	bool lay_ok[STP_MAX_ALTS];
	const stp_chip *chip;
	int ob_alt;              /* -1 when no alt starts at the chip's ob_start */
	bool empty_known, flash_was_empty, wrote_flash;
	char left[160];          /* why the device is no longer usable, "" */
} dfu_session;

/* ---- opening ---------------------------------------------------------- */

/* -tm MS: the deadline of every flash operation (a block's programming,
 * an erase, a mass erase, a read unprotect) is MS; the commands that
 * touch no flash (set address, leave) are only lengthened by it.  A
 * GETSTATUS the ROM holds until the operation ends (docs/simulator.md,
 * POLL EARLY) still waits for that answer: the deadline is checked
 * between polls. */
static void apply_tm(dfu_session *s)
{
	unsigned tm = stp_ctx_timeout_ms(s->ctx);
	dfuse_timing *t = &s->timing;

	if (!tm)
		return;
	t->block_ms = t->unit_erase_ms = t->mass_erase_ms = tm;
	t->cap_ms = tm;
	if (t->command_ms < tm)
		t->command_ms = tm;
}

static void close_handle(dfu_session *s)
{
	if (s->h) {
		libusb_release_interface(s->h, s->dev.intf);
		libusb_close(s->h);
		s->h = NULL;
	}
}

static void session_free(dfu_session *s)
{
	close_handle(s);
	if (s->usb)
		libusb_exit(s->usb);
	free(s);
}

static stp_status new_context(stp_ctx *ctx, libusb_context **usb)
{
	int rc = libusb_init(usb);

	if (rc)
		return stp_fail(ctx, STP_ERR_IO, NULL, "libusb could not start: %s",
		                libusb_error_name(rc));
	return STP_OK;
}

static stp_status select_alt(dfu_session *s, int alt)
{
	int rc;

	if (alt == s->cur_alt)
		return STP_OK;
	rc = libusb_set_interface_alt_setting(s->h, s->dev.intf, alt);
	if (rc)
		return dfu_usb_fail(s->ctx, rc, "selecting the alternate setting",
		                    s->where);
	s->cur_alt = alt;
	/* The pointer belongs to the memory the alt stands for. */
	dfuse_forget(&s->ds);
	return STP_OK;
}

/* Opens and claims f (found in s->usb), and brings the device to
 * dfuIDLE. */
static stp_status open_found(dfu_session *s, const dfu_found *f)
{
	int rc;
	stp_status st;

	rc = libusb_open(f->dev, &s->h);
	if (rc) {
		s->h = NULL;
		return dfu_usb_fail(s->ctx, rc, "opening the device", s->where);
	}
	s->dev = *f;
	s->dev.dev = NULL;
	/* No kernel driver binds DFU interfaces, so no auto-detach: it
	 * would claim through USBDEVFS_DISCONNECT_CLAIM, which emulated
	 * buses (umockdev) need not serve, for nothing. */
	rc = libusb_claim_interface(s->h, f->intf);
	if (rc) {
		libusb_close(s->h);
		s->h = NULL;
		return dfu_usb_fail(s->ctx, rc, "claiming the DFU interface",
		                    s->where);
	}
	s->link.h = s->h;
	s->link.usb = s->usb;
	dfu_usb_io(&s->io, &s->link);
	dfu_init(&s->dfu, s->ctx, &s->io, s->where, f->intf, f->xfer);
	s->dfu.upload_many = dfu_usb_upload_many;
	s->dfu.polls_keep_deadline = stp_ctx_timeout_ms(s->ctx) != 0;
	dfuse_init(&s->ds, &s->dfu);
	s->ds.t = s->timing;
	s->cur_alt = -1;
	if (f->protocol != DFU_PROTO_DFU)
		return STP_OK;
	if ((st = select_alt(s, 0)))
		return st;
	/* Whatever an earlier program left (dfuERROR, a half download):
	 * CLRSTATUS or ABORT back to dfuIDLE. */
	return dfu_recover(&s->dfu);
}

/* Waits up to ms for a DFU-mode interface at the place s->dev was, in a
 * fresh libusb context each time, and opens it.  Every caller comes here
 * because the device resets, so the one to open is the device that comes
 * back: a new address, or any address once the place was seen empty.  The
 * old device can still be listed for a moment after its last answer (the
 * host's hub has not noticed the reset yet; a loaded machine saw it), and
 * opening it only leads to "disconnected" at the next request. */
static stp_status refind(dfu_session *s, unsigned ms, const char *after)
{
	uint64_t end = dfu_usb_now_ms() + ms;
	char loc[32];
	uint8_t bus = s->dev.bus, old_devnum = s->dev.devnum;
	bool located = s->dev.located, seen_gone = false;

	snprintf(loc, sizeof(loc), "%s", s->dev.location);
	close_handle(s);
	for (;;) {
		dfu_scan sc;
		stp_status st;

		if (s->usb)
			libusb_exit(s->usb);
		s->usb = NULL;
		if ((st = new_context(s->ctx, &s->usb)))
			return st;
		if (!dfu_usb_scan(s->ctx, s->usb, NULL, true, &sc)) {
			bool present = false;

			for (size_t i = 0; i < sc.n; i++) {
				if (!dfu_same_place(&sc.v[i], loc, bus, located))
					continue;
				present = true;
				if (sc.v[i].protocol != DFU_PROTO_DFU ||
				    (!seen_gone && sc.v[i].devnum == old_devnum))
					continue;
				st = open_found(s, &sc.v[i]);
				dfu_scan_free(&sc);
				if (!st)
					stp_log(s->ctx, STP_LOG_INFO,
					        "%s: back in DFU mode at %s after %s",
					        s->where, s->dev.location, after);
				return st;
			}
			dfu_scan_free(&sc);
			if (!present)
				seen_gone = true;
		}
		stp_clear_error(s->ctx);
		if (dfu_usb_now_ms() >= end)
			return stp_fail(s->ctx, STP_ERR_NOT_FOUND,
			                "if BOOT0 is low the chip now runs its "
			                "application: reset it into the bootloader and "
			                "connect again",
			                "%s: no DFU device came back at USB location %s "
			                "within %u ms after %s",
			                s->where, loc, ms, after);
		dfu_usb_sleep_ms(SCAN_EVERY_MS);
	}
}

/* A run-time DFU interface (an application that can switch to its DFU
 * mode): DETACH, a USB reset unless the device detaches itself, then the
 * same place in DFU mode. */
static stp_status detach_runtime(dfu_session *s)
{
	uint16_t wait = s->dev.detach_ms < DETACH_CAP_MS ? s->dev.detach_ms
	                                                 : DETACH_CAP_MS;
	stp_status st;

	stp_log(s->ctx, STP_LOG_INFO,
	        "%s: %04X:%04X is a run-time DFU interface: DETACH (%u ms)%s",
	        s->where, s->dev.vid, s->dev.pid, wait,
	        s->dev.attrs & DFU_ATTR_WILL_DETACH ? ""
	                                            : " and a USB reset");
	if ((st = dfu_detach(&s->dfu, wait)))
		return st;
	if (!(s->dev.attrs & DFU_ATTR_WILL_DETACH)) {
		int rc = libusb_reset_device(s->h);
		/* The device re-enumerates as another device: "not found" is
		 * what a successful reset looks like to the old handle. */
		if (rc && rc != LIBUSB_ERROR_NOT_FOUND && rc != LIBUSB_ERROR_NO_DEVICE)
			return dfu_usb_fail(s->ctx, rc, "resetting after DETACH",
			                    s->where);
	}
	return refind(s, REFIND_MS, "DETACH");
}

static stp_status d_open(stp_ctx *ctx, const stp_portspec *spec, void **out)
{
	dfu_session *s = calloc(1, sizeof(*s));
	dfu_scan sc;
	stp_status st;

	*out = NULL;
	if (!s)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	s->ctx = ctx;
	s->spec = *spec;
	s->ob_alt = -1;
	dfuse_timing_for(&s->timing, NULL, 0, 0);
	apply_tm(s);
	if ((st = new_context(ctx, &s->usb)))
		goto fail;
	if ((st = dfu_usb_scan(ctx, s->usb, spec, true, &sc)))
		goto fail;
	if (!sc.n) {
		st = dfu_usb_none_found(ctx, &sc, spec);
		dfu_scan_free(&sc);
		goto fail;
	}
	/* Taking the first of two boards with one serial programs the
	 * wrong board (the field report): refuse and name the paths. */
	if ((st = dfu_usb_one_serial(ctx, &sc, spec))) {
		dfu_scan_free(&sc);
		goto fail;
	}
	if (spec->usb_index < 1 || spec->usb_index > sc.n) {
		st = stp_fail(ctx, STP_ERR_NOT_FOUND,
		              "`stmprog -l usb` lists them in the order port=usbN "
		              "counts",
		              "%s: there %s only %zu USB DFU device%s%s",
		              spec->port, sc.n == 1 ? "is" : "are", sc.n,
		              sc.n == 1 ? "" : "s",
		              spec->given & (STP_GIVEN_SN | STP_GIVEN_VID |
		                             STP_GIVEN_PID | STP_GIVEN_PATH)
		                      ? " matching path=/sn=/VID=/PID="
		                      : "");
		dfu_scan_free(&sc);
		goto fail;
	}
	snprintf(s->where, sizeof(s->where), "%s (%s)", spec->port,
	         sc.v[spec->usb_index - 1].location);
	if (sc.v[spec->usb_index - 1].strings_rc) {
		st = dfu_usb_fail(ctx, sc.v[spec->usb_index - 1].strings_rc,
		                  "opening the device and reading its strings",
		                  s->where);
		dfu_scan_free(&sc);
		goto fail;
	}
	st = open_found(s, &sc.v[spec->usb_index - 1]);
	dfu_scan_free(&sc);
	if (st)
		goto fail;
	if (s->dev.protocol != DFU_PROTO_DFU && (st = detach_runtime(s)))
		goto fail;
	*out = s;
	return STP_OK;
fail:
	session_free(s);
	return st;
}

static void d_close(void *p)
{
	session_free(p);
}

/* ---- identify --------------------------------------------------------- */

static void parse_layouts(dfu_session *s)
{
	for (unsigned i = 0; i < s->dev.nalts; i++) {
		stp_dfuse_layout *lo = &s->lay[i];
		s->lay_ok[i] = !stp_dfuse_parse(s->ctx, s->dev.alt_name[i], lo);
		if (!s->lay_ok[i]) {
			stp_log(s->ctx, STP_LOG_WARN, "%s: alt %u: %s", s->where,
			        s->dev.alt[i], stp_last_detail(s->ctx));
			stp_clear_error(s->ctx);
		}
	}
}

static void say_guesses(dfu_session *s)
{
	for (unsigned i = 0; i < s->dev.nalts; i++) {
		if (!s->lay_ok[i] || !s->lay[i].guessed)
			continue;
		/* The L07x ROM's string is known to be wrong: the chip
		 * database has the real geometry, so it is only a note. */
		stp_log(s->ctx,
		        s->chip && (s->chip->quirks & STP_QUIRK_DFU_LAYOUT_WRONG)
		                ? STP_LOG_INFO
		                : STP_LOG_WARN,
		        "%s: alt %u \"%s\": %s%s", s->where, s->dev.alt[i],
		        s->dev.alt_name[i], s->lay[i].guess,
		        s->chip ? "; the chip database's geometry is used" : "");
	}
}


static stp_status read_at(dfu_session *s, uint32_t addr, uint8_t *buf,
                          uint32_t len);

/* A read made only to tell parts apart.  A refusal for readout
 * protection is remembered (the chip is protected, so nothing more will
 * be readable and the strings are all there is); any other refusal means
 * this ROM does not serve that address, which proves nothing. */
static bool probe(dfu_session *s, uint32_t addr, uint8_t *buf, uint32_t len,
                  const char *what)
{
	if (s->protected_seen)
		return false;
	if (!read_at(s, addr, buf, len))
		return true;
	if (stp_last_status(s->ctx) == STP_ERR_PROTECTED)
		s->protected_seen = true;
	stp_log(s->ctx, STP_LOG_DEBUG, "%s: %s at 0x%08X not readable (%s)",
	        s->where, what, addr, stp_last_detail(s->ctx));
	stp_clear_error(s->ctx);
	dfu_recover(&s->dfu);
	stp_clear_error(s->ctx);
	return false;
}

/* Parts whose memories look the same (F2 and F405; G0B1 and L45x when a
 * ROM's option-bytes string does not tell) are told apart by
 * DBGMCU_IDCODE when the ROM lets it be read.  The register sits at a
 * family's own address (0xE0042000 on L4, 0x40015800 on G0/C0/U0), so
 * each candidate's address is tried; a PID counts only when it is read
 * at that PID's own address, since other memory there reads as
 * anything. */
static uint16_t pid_from_idcode(dfu_session *s, const uint16_t *pids, size_t n)
{
	uint32_t tried[8];
	size_t ntried = 0;

	for (size_t i = 0; i < n && ntried < 8; i++) {
		uint32_t addr = stp_chip_idcode_addr(stp_chip_by_pid(pids[i]));
		bool seen = false;
		uint8_t v[4];
		uint16_t pid;

		for (size_t k = 0; k < ntried; k++)
			seen |= tried[k] == addr;
		if (!addr || seen)
			continue;
		tried[ntried++] = addr;
		if (!probe(s, addr, v, sizeof(v), "DBGMCU_IDCODE"))
			continue;
		pid = (uint16_t)((v[0] | v[1] << 8) & 0xFFF);
		for (size_t k = 0; k < n; k++)
			if (pids[k] == pid &&
			    stp_chip_idcode_addr(stp_chip_by_pid(pid)) == addr) {
				stp_log(s->ctx, STP_LOG_INFO,
				        "%s: DBGMCU_IDCODE at 0x%08X says PID 0x%03X",
				        s->where, addr, pid);
				return pid;
			}
		stp_log(s->ctx, STP_LOG_DEBUG,
		        "%s: 0x%08X reads PID 0x%03X, which is none of the parts "
		        "the layout fits there", s->where, addr, pid);
	}
	return 0;
}

/* A candidate whose flash-size register reads a size it cannot have (0,
 * or more than the PID's largest part) is not the part. */
static bool size_register_denies(dfu_session *s, const stp_chip *c)
{
	uint8_t kb[2];
	uint32_t size;

	if (!c->flash_size_reg || (c->quirks & STP_QUIRK_FIXED_SIZE) ||
	    !probe(s, c->flash_size_reg, kb, sizeof(kb), "flash-size register"))
		return false;
	size = (uint32_t)(kb[0] | kb[1] << 8) * 1024u;
	if (size && size <= c->flash_size)
		return false;
	stp_log(s->ctx, STP_LOG_DEBUG,
	        "%s: flash-size register 0x%08X reads %u KiB: not a %s",
	        s->where, c->flash_size_reg, size / 1024, c->name);
	return true;
}

static void list_pids(char *buf, size_t len, const uint16_t *pids, size_t n,
                      size_t from)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = from; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s0x%03X",
		                         i > from ? ", " : "", pids[i]);
}

/* Which part this is, from everything the ROM gives: the layout strings
 * (flash units, where and how large the option bytes are), then
 * DBGMCU_IDCODE, then the flash-size registers.  Fills the candidates
 * and flags of info and returns the PID (0: no part fits).  The part the
 * user named (spec.chip_pid) is taken when the evidence allows it; when
 * it does not, the core says that it contradicts the device. */
static uint16_t identify_pid(dfu_session *s, stp_device_info *info)
{
	stp_dfuse_layout alts[STP_MAX_ALTS];
	uint16_t pids[16], keep[8];
	size_t n = 0, found, nf, nkeep = 0;
	uint16_t exact, named = s->spec.chip_pid, pid;
	int best;
	char list[96];

	for (unsigned i = 0; i < s->dev.nalts; i++)
		if (s->lay_ok[i])
			alts[n++] = s->lay[i];
	found = stp_dfuse_match(s->ctx, alts, n, pids, 16);
	if (!found) {
		char names[600] = "";
		size_t len = 0;
		for (unsigned i = 0; i < s->dev.nalts && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len,
			                        "%s\"%s\"", i ? ", " : "",
			                        s->dev.alt_name[i]);
		stp_log(s->ctx, STP_LOG_WARN,
		        "%s: no chip in the database has the memories %s: the chip "
		        "stays unknown, so only reads and writes at explicit "
		        "addresses are possible",
		        s->where, names[0] ? names : "(no alternate settings)");
		return 0;
	}
	nf = found < 16 ? found : 16;
	exact = pid_from_idcode(s, pids, nf);
	if (exact) {
		keep[nkeep++] = exact;
	} else {
		/* The best-scoring parts only: a part that explains less of
		 * the strings (no DFU bootloader, another option-byte size) is
		 * not a rival of one that explains all of them. */
		best = stp_dfuse_fit(s->ctx, stp_chip_by_pid(pids[0]), alts, n);
		for (size_t i = 0; i < nf && nkeep < 8; i++)
			if (stp_dfuse_fit(s->ctx, stp_chip_by_pid(pids[i]), alts, n) ==
			    best)
				keep[nkeep++] = pids[i];
		if (nkeep > 1) {
			size_t left = 0;
			uint16_t still[8];
			for (size_t i = 0; i < nkeep; i++)
				if (!size_register_denies(s, stp_chip_by_pid(keep[i])))
					still[left++] = keep[i];
			if (left) {
				memcpy(keep, still, left * sizeof(still[0]));
				nkeep = left;
			}
		}
	}
	pid = keep[0];
	for (size_t i = 1; i < nkeep; i++)
		if (!stp_dfuse_interchangeable(stp_chip_by_pid(keep[0]),
		                               stp_chip_by_pid(keep[i])))
			info->id_flags |= STP_ID_AMBIGUOUS;
	if (nkeep > 1) {
		list_pids(list, sizeof(list), keep, nkeep, 1);
		stp_log(s->ctx, STP_LOG_INFO,
		        "%s: the memory layout fits PID 0x%03X and also %s%s",
		        s->where, keep[0], list,
		        info->id_flags & STP_ID_AMBIGUOUS
		                ? ", which differ in what option bytes and "
		                  "protection need"
		                : "; they program the same way");
	}
	if (named && named != pid) {
		bool among = false;
		for (size_t i = 0; i < nkeep; i++)
			among |= keep[i] == named;
		/* Without an IDCODE to contradict it, a part the strings fit
		 * less well may still be named: the user knows the board. */
		if (!among && !exact && stp_chip_by_pid(named) &&
		    stp_dfuse_fit(s->ctx, stp_chip_by_pid(named), alts, n) &&
		    nkeep < 8) {
			keep[nkeep++] = named;
			among = true;
		}
		if (among) {
			stp_log(s->ctx, STP_LOG_INFO,
			        "%s: --chip names PID 0x%03X, one of the parts the "
			        "device fits", s->where, named);
			pid = named;
		}
	}
	if (named && named == pid) {
		info->id_flags |= STP_ID_NAMED;
		info->id_flags &= (uint8_t)~STP_ID_AMBIGUOUS;
	}
	if (s->protected_seen)
		info->id_flags |= STP_ID_PROTECTED;
	info->ncandidates = (uint8_t)nkeep;
	memcpy(info->candidates, keep, nkeep * sizeof(keep[0]));
	s->ambiguous = info->id_flags & STP_ID_AMBIGUOUS;
	return pid;
}

/* The alt whose layout holds addr, or 0 (the flash alt, through which the
 * ROM also reads the flash-size register and the unique ID). */
static int alt_for(const dfu_session *s, uint32_t addr)
{
	for (unsigned i = 0; i < s->dev.nalts; i++)
		if (s->lay_ok[i] && stp_dfuse_group_at(&s->lay[i], addr))
			return s->dev.alt[i];
	return 0;
}

static stp_status usable(dfu_session *s)
{
	if (s->left[0])
		return stp_fail(s->ctx, STP_ERR_DISCONNECTED,
		                "reset the chip into its bootloader and connect "
		                "again",
		                "%s: the device left DFU mode (%s)", s->where,
		                s->left);
	if (!s->h)
		return stp_fail(s->ctx, STP_ERR_DISCONNECTED, NULL,
		                "%s: the device is not open", s->where);
	return STP_OK;
}

static stp_status read_at(dfu_session *s, uint32_t addr, uint8_t *buf,
                          uint32_t len)
{
	stp_status st;

	if ((st = usable(s)) || (st = select_alt(s, alt_for(s, addr))))
		return st;
	return dfuse_upload(&s->ds, addr, buf, len);
}

/* Empty check (field report 2): whether the first flash word reads
 * erased now, so go knows the chip latched "flash empty" at power-on. */
/* What reading costs on this link, for the engine's cost model (read a
 * unit before erasing it): a full-speed control transfer carries at most
 * 13 packets of 64 bytes per 1 ms frame (USB 2.0, table 5-9), and a host
 * schedules each request's stages about one frame apart, so one UPLOAD of
 * xfer bytes takes its data frames plus one.  wTransferSize 2048 gives
 * 2000 us per KiB: the realistic side of the simulator's 940. */
static uint32_t read_us_per_kib(uint32_t xfer)
{
	uint32_t frames;

	if (!xfer)
		return 0;
	frames = (xfer + 831) / 832 + 1;
	return (uint32_t)((uint64_t)frames * 1000u * 1024u / xfer);
}

static void check_empty(dfu_session *s)
{
	uint8_t w[4];
	const stp_chip *c = s->chip;

	if (!c || !(c->quirks & STP_QUIRK_EMPTY_CHECK))
		return;
	if (read_at(s, c->flash_base, w, sizeof(w))) {
		stp_log(s->ctx, STP_LOG_DEBUG,
		        "%s: first flash word unreadable (%s): empty check unknown",
		        s->where, stp_last_detail(s->ctx));
		stp_clear_error(s->ctx);
		return;
	}
	s->empty_known = true;
	s->flash_was_empty = w[0] == c->erased_value && w[1] == c->erased_value &&
	                     w[2] == c->erased_value && w[3] == c->erased_value;
	if (s->flash_was_empty)
		stp_log(s->ctx, STP_LOG_DEBUG,
		        "%s: the flash is empty: the chip's empty check may keep it "
		        "in its bootloader after the first download",
		        s->where);
}

static uint32_t largest_unit(dfu_session *s)
{
	stp_geometry geo;
	uint32_t max = 0;

	if (!s->chip)
		return 0;
	if (stp_chip_geometry(s->ctx, s->chip, 0, &geo)) {
		stp_clear_error(s->ctx);
		return 0;
	}
	for (size_t i = 0; i < geo.nunits; i++)
		if (geo.units[i].size > max)
			max = geo.units[i].size;
	stp_geometry_release(&geo);
	return max;
}

static stp_status d_identify(void *p, stp_device_info *info, stp_caps *caps)
{
	dfu_session *s = p;
	size_t ncmds = 0;

	parse_layouts(s);
	info->pid = identify_pid(s, info);
	s->chip = stp_chip_by_pid(info->pid);
	say_guesses(s);
	dfuse_timing_for(&s->timing, s->chip, s->dev.xfer, largest_unit(s));
	apply_tm(s);
	s->ds.t = s->timing;
	if (s->chip)
		for (unsigned i = 0; i < s->dev.nalts; i++)
			if (s->lay_ok[i] && s->chip->ob_size &&
			    s->lay[i].groups[0].addr == s->chip->ob_start)
				s->ob_alt = s->dev.alt[i];

	snprintf(info->description, sizeof(info->description), "%s",
	         s->dev.product[0] ? s->dev.product : "USB DFU device");
	snprintf(info->serial, sizeof(info->serial), "%s", s->dev.serial);
	info->nalts = s->dev.nalts;
	for (unsigned i = 0; i < s->dev.nalts; i++) {
		info->alts[i].alt = s->dev.alt[i];
		snprintf(info->alts[i].name, sizeof(info->alts[i].name), "%s",
		         s->dev.alt_name[i]);
	}
	info->usb_vid = s->dev.vid;
	info->usb_pid = s->dev.pid;
	info->usb_bcd_device = s->dev.bcd;
	snprintf(info->usb_location, sizeof(info->usb_location), "%s",
	         s->dev.location);
	if (!dfuse_get_commands(&s->ds, info->commands, sizeof(info->commands),
	                        &ncmds))
		info->ncommands = (uint8_t)ncmds;
	else
		stp_clear_error(s->ctx);

	/* Reads of several transfers: dfuse_upload queues them on the
	 * control pipe, so the host's turnaround hides behind the wire. */
	caps->max_read = (uint32_t)s->dev.xfer * 8u;
	caps->read_us_per_kib = read_us_per_kib(s->dev.xfer);
	caps->max_write = s->dev.xfer;
	caps->write_align = 4;
	caps->max_erase_list = 0;
	caps->flags = 0;
	if (!(s->chip && (s->chip->quirks & STP_QUIRK_NO_MASS_ERASE)))
		caps->flags |= STP_CAP_MASS_ERASE;
	check_empty(s);
	stp_log(s->ctx, STP_LOG_DEBUG,
	        "%s: %04X:%04X bcdDevice %04X, DFU %04X, interface %u, "
	        "wTransferSize %u, %u alternate settings",
	        s->where, s->dev.vid, s->dev.pid, s->dev.bcd, s->dev.bcd_dfu,
	        s->dev.intf, s->dev.xfer, s->dev.nalts);
	return STP_OK;
}

/* ---- memory ----------------------------------------------------------- */

static stp_status d_read(void *p, uint32_t addr, uint8_t *buf, uint32_t len)
{
	return read_at(p, addr, buf, len);
}

static bool in_flash(const dfu_session *s, uint32_t addr)
{
	uint32_t base = s->chip ? s->chip->flash_base : 0x08000000u;
	uint32_t size = s->chip ? s->chip->flash_size : 0x01000000u;

	return addr >= base && addr - base < size;
}

static stp_status d_write(void *p, uint32_t addr, const uint8_t *buf,
                          uint32_t len)
{
	dfu_session *s = p;
	int alt = alt_for(s, addr);
	stp_status st;

	if ((st = usable(s)) || (st = select_alt(s, alt)))
		return st;
	for (unsigned i = 0; i < s->dev.nalts; i++) {
		const stp_dfuse_group *g;
		if (s->dev.alt[i] != alt || !s->lay_ok[i])
			continue;
		g = stp_dfuse_group_at(&s->lay[i], addr);
		/* Trust the string's "not writable" unless the chip database
		 * knows the string is wrong. */
		if (g && !(g->attr & STP_DFUSE_WRITABLE) &&
		    !(s->chip && (s->chip->quirks & STP_QUIRK_DFU_LAYOUT_WRONG)))
			return stp_fail(s->ctx, STP_ERR_LAYOUT,
			                "write elsewhere, or check the image's base "
			                "address",
			                "%s: write at 0x%08X: the device says that "
			                "memory is not writable (alt %u \"%s\")",
			                s->where, addr, s->dev.alt[i],
			                s->dev.alt_name[i]);
	}
	if ((st = dfuse_download(&s->ds, addr, buf, len)))
		return st;
	if (in_flash(s, addr))
		s->wrote_flash = true;
	return STP_OK;
}

static stp_status d_erase(void *p, const stp_erase_req *req)
{
	dfu_session *s = p;
	stp_status st;

	if ((st = usable(s)))
		return st;
	if (req->kind == STP_ERASE_MASS) {
		if ((st = select_alt(s, 0)) || (st = dfuse_mass_erase(&s->ds)))
			return st;
		s->wrote_flash = true;
		return STP_OK;
	}
	if (req->kind == STP_ERASE_BANK)
		return stp_fail(s->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "%s: DfuSe has no bank erase", s->where);
	for (size_t i = 0; i < req->nunits; i++) {
		const stp_erase_unit *u = &req->units[i];
		if ((st = select_alt(s, alt_for(s, u->addr))) ||
		    (st = dfuse_erase_unit(&s->ds, u->addr, u->size)))
			return st;
		stp_progress(s->ctx, STP_PHASE_ERASE, i + 1, req->nunits);
	}
	return STP_OK;
}

/* ---- resets ----------------------------------------------------------- */

/* After an operation that reset the device: find it again in DFU mode,
 * or remember that it is gone so later operations say so. */
static stp_status reopen_after(dfu_session *s, unsigned ms, const char *after,
                               bool must)
{
	stp_status st = refind(s, ms, after);

	if (!st)
		return STP_OK;
	if (must)
		return st;
	snprintf(s->left, sizeof(s->left), "it reset after %s and did not come "
	         "back in DFU mode", after);
	stp_log(s->ctx, STP_LOG_INFO, "%s: %s", s->where, s->left);
	stp_clear_error(s->ctx);
	return STP_OK;
}

static stp_status d_rdu(void *p)
{
	dfu_session *s = p;
	stp_status st;

	if ((st = usable(s)) || (st = select_alt(s, 0)) ||
	    (st = dfuse_read_unprotect(&s->ds)))
		return st;
	stp_log(s->ctx, STP_LOG_INFO,
	        "%s: read unprotect accepted: the chip erases its flash and "
	        "resets", s->where);
	s->wrote_flash = true;
	/* The erase runs before the chip comes back. */
	return reopen_after(s, s->timing.mass_erase_ms + REFIND_MS,
	                    "read unprotect", true);
}

static stp_status need_ob_alt(dfu_session *s, uint32_t addr, uint32_t len)
{
	stp_status st;

	if ((st = usable(s)))
		return st;
	if (s->ob_alt < 0)
		return stp_fail(s->ctx, STP_ERR_UNSUPPORTED,
		                "`stmprog -l usb` shows the device's memories",
		                "%s: the device offers no option-bytes memory at "
		                "0x%08X", s->where, addr);
	if (len > s->dev.xfer)
		return stp_fail(s->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "%s: option bytes of %u bytes exceed one DFU block "
		                "(%u)", s->where, len, s->dev.xfer);
	return select_alt(s, s->ob_alt);
}

static stp_status d_ob_read(void *p, uint32_t addr, uint8_t *buf,
                            uint32_t len)
{
	dfu_session *s = p;
	stp_status st;

	if ((st = need_ob_alt(s, addr, len)))
		return st;
	return dfuse_upload(&s->ds, addr, buf, len);
}

/* The write makes the chip load the new option bytes, which resets it:
 * success is the device vanishing.  If BOOT0 keeps it in the bootloader it
 * comes back and the session goes on; otherwise later ops say it left. */
static stp_status write_ob(dfu_session *s, uint32_t addr, const uint8_t *buf,
                           uint32_t len, bool *vanished)
{
	stp_status st;

	if ((st = need_ob_alt(s, addr, len)) ||
	    (st = dfuse_download_resetting(&s->ds, addr, buf, (uint16_t)len,
	                                   "option bytes write", vanished)))
		return st;
	return STP_OK;
}

static stp_status d_ob_write(void *p, uint32_t addr, const uint8_t *buf,
                             uint32_t len)
{
	dfu_session *s = p;
	bool vanished;
	stp_status st;

	/* The ROM erases the whole option-byte block before it programs
	 * what it was sent, so a shorter image would leave the rest erased
	 * (on a G0, 16 of 128 bytes: write protection, PCROP and the boot
	 * lock all turned to 0xFF). */
	if (s->chip && s->chip->ob_size && len != s->chip->ob_size)
		return stp_fail(s->ctx, STP_ERR_ARG,
		                "read the whole block, change the fields and write "
		                "it whole (-ob KEY=VALUE does this)",
		                "%s: option-bytes write of %u bytes at 0x%08X: the "
		                "%s's block is %u bytes, and the ROM erases all of "
		                "it first",
		                s->where, len, addr, s->chip->name,
		                s->chip->ob_size);
	if ((st = write_ob(s, addr, buf, len, &vanished)))
		return st;
	if (!vanished)
		return STP_OK;
	return reopen_after(s, REFIND_MS, "the option-bytes write", false);
}

/* ---- leave ------------------------------------------------------------ */

/* Watches the place the device was for LEAVE_WATCH_MS: a DFU-mode device
 * there that re-enumerated (new address, or after having been gone) means
 * the chip came back to its bootloader; one that never went away did not
 * leave at all. */
static stp_status watch_after_leave(dfu_session *s, uint32_t addr,
                                    const char *how)
{
	uint64_t end = dfu_usb_now_ms() + LEAVE_WATCH_MS;
	bool seen_gone = false, still_there = false;
	char loc[32];
	uint8_t bus = s->dev.bus, devnum = s->dev.devnum;
	bool located = s->dev.located;

	snprintf(loc, sizeof(loc), "%s", s->dev.location);
	close_handle(s);
	for (;;) {
		libusb_context *usb;
		dfu_scan sc;
		bool back = false, present = false;

		if (new_context(s->ctx, &usb))
			return stp_last_status(s->ctx);
		if (!dfu_usb_scan(s->ctx, usb, NULL, false, &sc)) {
			for (size_t i = 0; i < sc.n; i++) {
				const dfu_found *f = &sc.v[i];
				if (f->protocol != DFU_PROTO_DFU ||
				    !dfu_same_place(f, loc, bus, located))
					continue;
				present = true;
				if (seen_gone || f->devnum != devnum)
					back = true;
			}
			dfu_scan_free(&sc);
		}
		libusb_exit(usb);
		stp_clear_error(s->ctx);
		if (!present)
			seen_gone = true;
		still_there = present && !back;
		if (back) {
			snprintf(s->left, sizeof(s->left), "%s", how);
			return stp_fail(s->ctx, STP_ERR_PROTOCOL,
			                "check that the image starts with a vector table "
			                "(stack pointer, then reset handler) at that "
			                "address; on parts with the empty check, "
			                "power-cycle the chip once",
			                "%s: after %s the chip is back in its bootloader: "
			                "no valid application at 0x%08X, or its empty "
			                "check still latched \"flash empty\"",
			                s->where, how, addr);
		}
		if (dfu_usb_now_ms() >= end)
			break;
		dfu_usb_sleep_ms(SCAN_EVERY_MS);
	}
	snprintf(s->left, sizeof(s->left), "%s", how);
	if (still_there)
		return stp_fail(s->ctx, STP_ERR_PROTOCOL,
		                "reset the chip with BOOT0 low",
		                "%s: after %s the device is still in DFU mode at %s",
		                s->where, how, loc);
	return STP_OK;
}

/* Field report 2: a chip with the empty check that was blank at power-on
 * goes back to its bootloader on every jump until it reloads its option
 * bytes.  Writing them back unchanged reloads them (and resets the chip),
 * which starts the new application without a power cycle. */
static stp_status leave_by_ob_reload(dfu_session *s, uint32_t addr)
{
	const stp_chip *c = s->chip;
	uint8_t ob[256];
	bool vanished = false;
	stp_status st;

	stp_log(s->ctx, STP_LOG_WARN,
	        "%s: the flash was empty when the chip started, so its empty "
	        "check would send the jump to 0x%08X back into the bootloader; "
	        "rewriting the option bytes unchanged at 0x%08X instead, which "
	        "reloads them and starts the new application without a power "
	        "cycle",
	        s->where, addr, c->ob_start);
	if ((st = d_ob_read(s, c->ob_start, ob, c->ob_size)) ||
	    (st = write_ob(s, c->ob_start, ob, c->ob_size, &vanished)))
		return st;
	/* With BOOT0 low the reload's reset starts the application and the
	 * device stays away.  With BOOT0 high the reset lands in the ROM
	 * again, but the reload has cleared the latch, so the ROM's own
	 * leave now reaches the application. */
	if (!refind(s, LEAVE_WATCH_MS, "the option-byte reload")) {
		stp_log(s->ctx, STP_LOG_INFO,
		        "%s: back in DFU mode after the reload (BOOT0 high); the "
		        "empty check is cleared, leaving with the ROM's jump",
		        s->where);
		s->flash_was_empty = false;
		if ((st = select_alt(s, 0)) || (st = dfuse_leave(&s->ds, addr)))
			return st;
		return watch_after_leave(s, addr, "leaving DFU mode");
	}
	stp_clear_error(s->ctx);
	snprintf(s->left, sizeof(s->left), "%s",
	         "the option-byte reload started the application");
	return STP_OK;
}

static stp_status d_go(void *p, uint32_t addr)
{
	dfu_session *s = p;
	const stp_chip *c = s->chip;
	stp_status st;

	if ((st = usable(s)))
		return st;
	if (c && (c->quirks & STP_QUIRK_EMPTY_CHECK) && s->flash_was_empty &&
	    s->wrote_flash && s->ob_alt >= 0 && c->ob_size &&
	    c->ob_size <= 256 && c->ob_size <= s->dev.xfer &&
	    addr == c->flash_base) {
		/* The reload rewrites the option bytes: with two candidate
		 * parts whose blocks differ, that is a guess about bits. */
		if (s->ambiguous)
			return stp_fail(s->ctx, STP_ERR_ARG,
			                "name the part with --chip (the connect "
			                "message lists the candidates)",
			                "%s: the chip's empty check needs an "
			                "option-byte reload to start the application, "
			                "and which part this is is not known exactly",
			                s->where);
		return leave_by_ob_reload(s, addr);
	}
	if ((st = select_alt(s, 0)) || (st = dfuse_leave(&s->ds, addr)))
		return st;
	return watch_after_leave(s, addr, "leaving DFU mode");
}

/* -rst: DfuSe's leave (a zero-length DNLOAD, then the GETSTATUS that
 * starts the manifestation) with the address pointer set to the flash
 * base first.  AN3156/AN2662: the ROM jumps to the pointer, which is the
 * last write's address when none was set (not necessarily the vector
 * table), and 0x08000000 only when nothing set it; a pointer to no code
 * makes it reset, and the boot pins decide.  So the pointer is set. No
 * USB request reaches NRST: a USB reset only re-enumerates the ROM, and
 * -hardRst is refused. */
static stp_status d_reset(void *p, int kind, char *how, size_t howlen)
{
	dfu_session *s = p;
	uint32_t base = s->chip ? s->chip->flash_base : 0x08000000u;
	stp_status st;

	if (kind == STP_RESET_HARD)
		return stp_fail(s->ctx, STP_ERR_UNSUPPORTED,
		                "use -rst (the DfuSe leave to the reset handler), or "
		                "reset the board by its button or supply",
		                "%s: -hardRst drives NRST, and over USB DFU no line "
		                "reaches it (a USB reset restarts only the ROM's USB "
		                "device)", s->where);
	if ((st = d_go(s, base)))
		return st;
	snprintf(how, howlen,
	         "left DFU mode: DfuSe leave with the address pointer at 0x%08X, "
	         "so the ROM jumped to the reset handler of the vector table at "
	         "the flash base%s",
	         base, s->chip ? "" : " (0x08000000 assumed: the part is not in "
	                              "the chip database)");
	return STP_OK;
}

/* ---- listing ---------------------------------------------------------- */

/* Whether another device of the scan (at another place) shows f's
 * serial: then sn= cannot tell them apart and -l says so. */
static bool serial_shared(const dfu_scan *sc, size_t i)
{
	const dfu_found *f = &sc->v[i];

	if (!f->serial[0])
		return false;
	for (size_t k = 0; k < sc->n; k++)
		if (k != i && !strcmp(sc->v[k].serial, f->serial) &&
		    !dfu_same_place(&sc->v[k], f->location, f->bus, f->located))
			return true;
	return false;
}

static void describe(const dfu_found *f, unsigned n, stp_port_info *pi)
{
	size_t len = 0;

	memset(pi, 0, sizeof(*pi));
	pi->transport = STP_TRANSPORT_USB;
	pi->backend = "dfu";
	snprintf(pi->port, sizeof(pi->port), "usb%u", n);
	snprintf(pi->description, sizeof(pi->description), "%s",
	         f->product[0] ? f->product : "USB DFU device");
	snprintf(pi->serial, sizeof(pi->serial), "%s", f->serial);
	pi->vid = f->vid;
	pi->pid = f->pid;
	/* What path= takes; a device whose port path libusb cannot tell
	 * has none (its details line still says where it is). */
	if (f->located)
		snprintf(pi->path, sizeof(pi->path), "%s", f->location);
	len = (size_t)snprintf(pi->details, sizeof(pi->details),
	                       "  location %s, %04X:%04X, %s, interface %u, "
	                       "wTransferSize %u",
	                       f->location, f->vid, f->pid,
	                       f->protocol == DFU_PROTO_DFU
	                               ? "DFU mode"
	                               : "run-time DFU (switched to DFU mode "
	                                 "on connect)",
	                       f->intf, f->xfer);
	if (f->strings_rc && len < sizeof(pi->details))
		len += (size_t)snprintf(pi->details + len, sizeof(pi->details) - len,
		                        "\n  strings unreadable (%s)%s",
		                        libusb_error_name(f->strings_rc),
		                        f->strings_rc == LIBUSB_ERROR_ACCESS
		                                ? ": install contrib/udev/"
		                                  "50-stmprog.rules"
		                                : "");
	for (unsigned i = 0; i < f->nalts && len < sizeof(pi->details); i++)
		len += (size_t)snprintf(pi->details + len, sizeof(pi->details) - len,
		                        "\n  alt %u: %s", f->alt[i],
		                        f->alt_name[i][0] ? f->alt_name[i] : "?");
}

static stp_status d_enumerate(stp_ctx *ctx, stp_port_fn fn, void *user)
{
	libusb_context *usb;
	dfu_scan sc;
	stp_status st;

	if ((st = new_context(ctx, &usb)))
		return st;
	if ((st = dfu_usb_scan(ctx, usb, NULL, true, &sc))) {
		libusb_exit(usb);
		return st;
	}
	for (size_t i = 0; i < sc.n; i++) {
		stp_port_info pi;
		describe(&sc.v[i], (unsigned)i + 1, &pi);
		pi.serial_shared = serial_shared(&sc, i);
		fn(user, &pi);
	}
	if (!sc.n && sc.stlink_pid)
		stp_log(ctx, STP_LOG_WARN,
		        "no USB DFU device, but an ST-LINK (0483:%04X) at %s: DFU "
		        "needs the target's own USB connector, not the debugger's",
		        sc.stlink_pid, sc.stlink_at);
	dfu_scan_free(&sc);
	libusb_exit(usb);
	return STP_OK;
}

static const stp_backend_ops ops = {
	.enumerate = d_enumerate,
	.open = d_open,
	.close = d_close,
	.identify = d_identify,
	.read = d_read,
	.write = d_write,
	.erase = d_erase,
	.go = d_go,
	.readout_unprotect = d_rdu,
	.option_bytes_read = d_ob_read,
	.option_bytes_write = d_ob_write,
	.reset = d_reset,
};

static const char *const prefixes[] = {"usb", NULL};

STP_BACKEND_DEFINE("dfu", "USB DFU / DfuSe bootloader (AN3156)",
                   STP_TRANSPORT_USB, prefixes, &ops);

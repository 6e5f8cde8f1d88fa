/* The CAN backend (ST AN3154 classic CAN, AN5405 FDCAN): the module's ops
 * table and descriptor, and the glue between the adapter (SocketCAN in
 * can_socket.c, slcan serial adapters in can_slcan.c over backends/serial)
 * and the protocol (can_proto.c, an3154.c, an5405.c).
 *
 * Which protocol: fd=0 or fd=1 in the port specification decides.
 * Without it the classic sync frame goes first (an FDCAN controller
 * ignores classic frames harmlessly, while FD frames would upset a
 * classic node), then, when the adapter can carry FD frames, the FDCAN
 * start frame; once GET ID names the chip, the database says whether the
 * part has the interface that answered. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libserialport.h>

#include "can_proto.h"
#include "can_slcan.h"
#include "can_socket.h"
#include "serial_link.h"
#include "stmprog/backend.h"

/* Until the port specification has a speed= key, the rate for AN3154's
 * SPEED comes from here (docs/can.md). */
/* FDCAN rates when br=/dbr= are not given (see the wire contract). */
#define FD_DEFAULT_KBPS 500
#define FD_DEFAULT_DATA_KBPS 2000
/* A listing waits this long for an slcan adapter's answer to V. */
#define PROBE_MS 150
#define PROBE_MAX_PORTS 8

typedef struct canb {
	stp_ctx *ctx;
	stp_portspec spec;
	char port[STP_PORT_MAX];     /* for messages: as the user gave it */
	bool is_slcan;
	serial_link *sl;
	slcan *sc;
#ifdef HAVE_SOCKETCAN
	cansock *cs;
#endif
	const can_link *link;
	cp_dev dev;
	const stp_chip *chip;
} canb;

/* ---- timeouts from the chip database ------------------------------------- */

/* -tm MS: every wait for a flash operation's answer (the ACK after a
 * WRITE's programming, an erase, a READ's data, the resets after the
 * protection commands) is MS; the ACK to a command frame is only
 * lengthened by it (it costs the bus and the adapter, not the flash). */
static void apply_tm(cp_timing *t, unsigned tm)
{
	if (!tm)
		return;
	t->read_ms = t->write_ms = t->unit_erase_ms = t->mass_erase_ms = tm;
	t->cap_ms = tm;
	if (t->ack_ms < tm)
		t->ack_ms = tm;
}

static void set_timing(canb *c)
{
	cp_timing *t = &c->dev.t;
	const stp_chip *ch = c->chip;
	unsigned prog = 0;

	if (ch && ch->program_us && ch->program_unit)
		prog = 256u / ch->program_unit * ch->program_us / 1000u;
	/* Margins: twice the typical programming and erase times plus the
	 * frame and adapter latency, because typical is not worst case and
	 * the ROM answers only when done. */
	t->write_ms = 1000 + 2 * prog;
	t->unit_erase_ms = ch && ch->page_erase_ms ? 2u * ch->page_erase_ms + 500
	                                           : 5000;
	if (ch && ch->mass_erase_ms) {
		t->mass_erase_ms = 3 * ch->mass_erase_ms + 2000;
		if (t->mass_erase_ms < 10000)
			t->mass_erase_ms = 10000;
	} else {
		t->mass_erase_ms = 40000;
	}
	/* H7 readout unprotect takes 20-30 s. */
	if (c->dev.silent_protected_read && t->mass_erase_ms < 40000)
		t->mass_erase_ms = 40000;
	t->reset_ms = 5000;
	apply_tm(t, stp_ctx_timeout_ms(c->ctx));
}

/* ---- opening --------------------------------------------------------------- */

static void b_free(canb *c)
{
	if (c->sc) {
		slcan_stop(c->sc);
		slcan_free(c->sc);
	}
	serial_close(c->sl);
#ifdef HAVE_SOCKETCAN
	cansock_close(c->cs);
#endif
	free(c);
}

/* slcan adapters are USB CDC devices (or FTDI with fixed settings): the
 * serial line's own rate and framing do not reach the bus, so 8N1. */
static void slcan_serial_spec(const char *path, stp_portspec *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->port, sizeof(out->port), "%s", path);
	out->transport = STP_TRANSPORT_UART;
	out->baud = 115200;
	out->parity = STP_PARITY_NONE;
	out->data_bits = 8;
	out->stop_halves = 2;
	out->flow = STP_FLOW_OFF;
	out->can_fd = -1;
}

static unsigned fd_kbps(const stp_portspec *s)
{
	return (s->given & STP_GIVEN_BR) ? s->can_kbps : FD_DEFAULT_KBPS;
}

static unsigned fd_data_kbps(const stp_portspec *s)
{
	return s->can_data_kbps ? s->can_data_kbps : FD_DEFAULT_DATA_KBPS;
}

static stp_status open_adapter(canb *c, bool fd)
{
	stp_status st;

	if (c->is_slcan) {
		stp_portspec ss;
		slcan_serial_spec(c->spec.port + 6, &ss);
		if ((st = serial_open(c->ctx, &ss, &c->sl)))
			return st;
		if (!(c->sc = slcan_new(c->ctx, serial_byte_link(c->sl), c->port)))
			return stp_fail(c->ctx, STP_ERR_NOMEM, NULL, "out of memory");
		c->link = slcan_link(c->sc);
		return slcan_start(c->sc, fd ? fd_kbps(&c->spec) : c->spec.can_kbps,
		                   fd ? fd_data_kbps(&c->spec) : 0);
	}
#ifdef HAVE_SOCKETCAN
	{
		const char *ifname = c->spec.port;
		if (!strncasecmp(ifname, "socketcan:", 10))
			ifname += 10;
		if ((st = cansock_open(c->ctx, ifname,
		                       fd ? fd_kbps(&c->spec) : c->spec.can_kbps,
		                       fd_data_kbps(&c->spec), fd, &c->cs)))
			return st;
		c->link = cansock_link(c->cs);
		return STP_OK;
	}
#else
	(void)fd;
	return stp_fail(c->ctx, STP_ERR_UNSUPPORTED,
	                "use an slcan adapter: port=slcan:/dev/ttyACM0 (or COMn)",
	                "port=%s: this stmprog was built without SocketCAN "
	                "(Linux only)",
	                c->spec.port);
#endif
}

/* The FD attempt after a classic sync found nobody (fd not forced). */
static stp_status try_fd(canb *c)
{
	stp_status st;

	if (c->is_slcan) {
		/* Re-open with a data rate; an adapter without FD BELLs at Y. */
		if ((st = slcan_start(c->sc, fd_kbps(&c->spec),
		                      fd_data_kbps(&c->spec))))
			return st;
	} else if (!c->link->can_fd(c->link->user)) {
		return stp_fail(c->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "%s is not in FD mode", c->port);
	}
	cp_init(&c->dev, c->ctx, c->link, c->port, CP_AN5405,
	        c->is_slcan ? fd_kbps(&c->spec) : c->spec.can_kbps);
	c->dev.data_kbps = fd_data_kbps(&c->spec);
	return cp_sync(&c->dev, c->dev.t.sync_tries, c->dev.t.sync_ms);
}

static stp_status connect(canb *c)
{
	int fd = c->spec.can_fd;
	stp_status st;

	if ((st = open_adapter(c, fd == 1)))
		return st;
	if (fd == 1 && !c->link->can_fd(c->link->user))
		return stp_fail(c->ctx, STP_ERR_UNSUPPORTED,
		                "switch it to FD (needs root): `ip link set DEV down`, "
		                "`ip link set DEV type can bitrate 500000 dbitrate "
		                "2000000 fd on`, `ip link set DEV up`",
		                "fd=1: %s does not carry CAN FD frames (MTU 16)",
		                c->port);
	cp_init(&c->dev, c->ctx, c->link, c->port, fd == 1 ? CP_AN5405 : CP_AN3154,
	        fd == 1 && c->is_slcan ? fd_kbps(&c->spec) : c->spec.can_kbps);
	if (fd == 1)
		c->dev.data_kbps = fd_data_kbps(&c->spec);
	c->dev.write_window = c->spec.can_write_window ? c->spec.can_write_window
	                                               : CP_WRITE_WINDOW;
	st = cp_sync(&c->dev, c->dev.t.sync_tries, c->dev.t.sync_ms);
	if (st == STP_OK || fd != -1 || st == STP_ERR_IO)
		return st;
	{
		char *detail = strdup(stp_last_detail(c->ctx));
		char *hint = strdup(stp_last_hint(c->ctx));
		char *fd_detail;
		stp_status st1 = st;

		stp_log(c->ctx, STP_LOG_INFO,
		        "%s: no answer to the classic CAN sync; trying the FDCAN "
		        "start frame",
		        c->port);
		st = try_fd(c);
		/* stp_fail writes the context's detail buffer, so the FD
		 * attempt's detail is copied out before it is quoted. */
		fd_detail = st ? strdup(stp_last_detail(c->ctx)) : NULL;
		if (st && detail && hint && fd_detail) {
			/* Before the FD start frame went out (no FD adapter), only
			 * the classic failure counts; after, both do. */
			if (c->dev.proto != CP_AN5405)
				stp_fail(c->ctx, st1, hint[0] ? hint : NULL,
				         "%s (FDCAN not tried: %s)", detail, fd_detail);
			else {
				/* The FD detail names both rates it tried; the hint
				 * adds the FD rates worth trying next. */
				char both[768];
				snprintf(both, sizeof(both),
				         "%s%san FDCAN bootloader (G0, G4, H5, H7, L5, "
				         "U5) may run at br=500 dbr=2000 or at br=250 "
				         "dbr=1000 (ST's documents differ)",
				         hint, hint[0] ? "; " : "");
				stp_fail(c->ctx, st1, both, "%s; FDCAN tried next: %s",
				         detail, fd_detail);
			}
			st = st1;
		} else if (st && !(detail && hint && fd_detail)) {
			st = stp_fail(c->ctx, STP_ERR_NOMEM, NULL, "out of memory");
		}
		free(fd_detail);
		free(detail);
		free(hint);
	}
	return st;
}

/* SPEED after connecting: speed= in the port specification. */
static stp_status apply_speed(canb *c)
{
	unsigned kbps = c->spec.can_speed_kbps;

	if (!kbps || kbps == c->dev.kbps)
		return STP_OK;
	if (c->dev.proto != CP_AN3154) {
		stp_log(c->ctx, STP_LOG_WARN,
		        "%s: the FDCAN bootloader has no SPEED command; staying at "
		        "br=%u dbr=%u",
		        c->port, c->dev.kbps, fd_data_kbps(&c->spec));
		return STP_OK;
	}
	if (!c->link->set_bitrate) {
		stp_log(c->ctx, STP_LOG_WARN,
		        "%s: SocketCAN interfaces get their bit rate from `ip link` "
		        "outside stmprog, so the adapter cannot follow SPEED to %u "
		        "kbit/s; staying at %u kbit/s",
		        c->port, kbps, c->dev.kbps);
		return STP_OK;
	}
	if (c->dev.have_cmds && !cp_has(&c->dev, CP_CMD_SPEED)) {
		stp_log(c->ctx, STP_LOG_WARN,
		        "%s: this bootloader does not list SPEED (0x03); staying at "
		        "%u kbit/s",
		        c->port, c->dev.kbps);
		return STP_OK;
	}
	c->dev.speed_kbps = kbps;
	return an3154_speed(&c->dev, kbps);
}

static stp_status b_open(stp_ctx *ctx, const stp_portspec *spec, void **out)
{
	canb *c = calloc(1, sizeof(*c));
	stp_status st;

	*out = NULL;
	if (!c)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	c->ctx = ctx;
	c->spec = *spec;
	if (!c->spec.can_kbps)
		c->spec.can_kbps = 125;
	snprintf(c->port, sizeof(c->port), "%s", spec->port);
	c->is_slcan = !strncasecmp(spec->port, "slcan:", 6);
	if ((st = connect(c)) || (st = cp_identify(&c->dev)))
		goto fail;
	c->chip = stp_chip_by_pid(c->dev.pid);
	set_timing(c);
	if (c->chip) {
		uint32_t want = c->dev.proto == CP_AN5405 ? STP_IF_FDCAN : STP_IF_CAN;
		if (!(c->chip->interfaces & want))
			stp_log(ctx, STP_LOG_WARN,
			        "%s: %s answered %s, which the chip database does not "
			        "list for this part",
			        c->port, c->chip->name, cp_proto_name(c->dev.proto));
	}
	if ((st = apply_speed(c)))
		goto fail;
	*out = c;
	return STP_OK;
fail:
	b_free(c);
	return st;
}

static void b_close(void *s)
{
	b_free(s);
}

/* ---- ops ------------------------------------------------------------------- */

static stp_status b_identify(void *s, stp_device_info *info, stp_caps *caps)
{
	canb *c = s;
	cp_dev *d = &c->dev;

	info->pid = d->pid;
	info->bl_version = d->bl_version;
	info->ncommands = d->ncmds;
	memcpy(info->commands, d->cmds, d->ncmds);
	snprintf(info->description, sizeof(info->description),
	         "%s bootloader v%u.%u at %u kbit/s",
	         d->proto == CP_AN5405 ? "FDCAN" : "CAN", d->bl_version >> 4,
	         d->bl_version & 0xFu, d->kbps);
	caps->max_read = 256;
	caps->max_write = 256;
	caps->write_align = 4;
	caps->max_erase_list = d->proto == CP_AN5405 ? CP_ERASE_MAX_5405
	                                             : CP_ERASE_MAX_3154;
	caps->flags = 0;
	/* At the rate SPEED reached: the engine reads a unit to skip its
	 * erase only where that is cheaper. */
	caps->read_us_per_kib = cp_read_us_per_kib(d);
	if (!(c->chip && (c->chip->quirks & STP_QUIRK_NO_MASS_ERASE)))
		caps->flags |= STP_CAP_MASS_ERASE;
	if (d->proto == CP_AN5405 && c->chip) {
		stp_geometry geo;
		if (stp_chip_geometry(c->ctx, c->chip, 0, &geo) == STP_OK) {
			if (geo.nbanks == 2)
				caps->flags |= STP_CAP_BANK_ERASE;
			stp_geometry_release(&geo);
		} else {
			stp_clear_error(c->ctx);
		}
	}
	stp_log(c->ctx, STP_LOG_DEBUG,
	        "%s: %s, bootloader v%u.%u, PID 0x%03X, %u commands",
	        c->port, cp_proto_name(d->proto), d->bl_version >> 4,
	        d->bl_version & 0xFu, d->pid, d->ncmds);
	return STP_OK;
}

static stp_status b_read(void *s, uint32_t addr, uint8_t *buf, uint32_t len)
{
	canb *c = s;

	return cp_read(&c->dev, addr, buf, len);
}

static stp_status b_write(void *s, uint32_t addr, const uint8_t *buf,
                          uint32_t len)
{
	canb *c = s;

	return cp_write(&c->dev, addr, buf, len);
}

static stp_status b_erase(void *s, const stp_erase_req *req)
{
	canb *c = s;
	uint16_t *units;
	uint32_t *addrs;
	stp_status st;

	switch (req->kind) {
	case STP_ERASE_MASS:
		return cp_erase_mass(&c->dev);
	case STP_ERASE_BANK:
		return cp_erase_bank(&c->dev, req->bank);
	default:
		break;
	}
	if (!req->nunits)
		return STP_OK;
	units = malloc(req->nunits * sizeof(*units));
	addrs = malloc(req->nunits * sizeof(*addrs));
	if (!units || !addrs) {
		free(units);
		free(addrs);
		return stp_fail(c->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < req->nunits; i++) {
		units[i] = req->units[i].index;
		addrs[i] = req->units[i].addr;
	}
	st = cp_erase_units(&c->dev, units, addrs, req->nunits);
	free(units);
	free(addrs);
	return st;
}

/* The chip answered the handshake after GO: it is in its bootloader, and
 * saying "started" would be false.  Why, as far as the bootloader shows:
 * a first flash word that reads erased means the empty check (parts with
 * STP_QUIRK_EMPTY_CHECK boot the bootloader while it is erased, and send
 * every jump there too); otherwise the application reset at once with
 * BOOT0 (or its option-byte equivalent) selecting the bootloader. */
static stp_status still_in_bootloader(canb *c, uint32_t addr,
                                      const char *after)
{
	const stp_chip *ch = c->chip;
	const char *handshake = c->dev.proto == CP_AN5405 ? "start frame"
	                                                  : "sync frame";
	uint8_t w[4];
	bool empty_base = false;

	if (ch && (ch->quirks & STP_QUIRK_EMPTY_CHECK)) {
		if (cp_read(&c->dev, ch->flash_base, w, 4) == STP_OK)
			empty_base = w[0] == ch->erased_value &&
			             w[1] == ch->erased_value &&
			             w[2] == ch->erased_value &&
			             w[3] == ch->erased_value;
		stp_clear_error(c->ctx);
	}
	if (empty_base)
		return stp_fail(c->ctx, STP_ERR_PROTOCOL,
		                "the chip boots from the flash base: put the "
		                "application's vector table there (an application "
		                "elsewhere needs a start-up stub at the base that "
		                "jumps to it)",
		                "after GO to 0x%08X%s the chip on %s is still in its "
		                "bootloader (it answered the %s): the first flash "
		                "word at 0x%08X reads erased, so the %s's empty "
		                "check sends every jump back to the bootloader",
		                addr, after, c->port, handshake, ch->flash_base,
		                ch->name);
	return stp_fail(c->ctx, STP_ERR_PROTOCOL,
	                "check the application's start-up code (a watchdog or a "
	                "fault that resets at once), and set BOOT0 low so that "
	                "a reset starts the application",
	                "after GO to 0x%08X%s the chip on %s is still in its "
	                "bootloader (it answered the %s): the application did "
	                "not keep running, and the reset that followed landed in "
	                "the bootloader because BOOT0 selects it%s",
	                addr, after, c->port, handshake,
	                ch && (ch->quirks & STP_QUIRK_EMPTY_CHECK)
	                        ? ", or the empty check latched again"
	                        : "");
}

static stp_status check_failed(canb *c, uint32_t addr)
{
	return stp_fail(c->ctx, STP_ERR_IO, cp_hint(&c->dev, CP_IO),
	                "after GO to 0x%08X on %s, asking whether the chip left "
	                "its bootloader failed: %s",
	                addr, c->port, c->dev.why);
}

/* Parts with the empty check latch "flash empty" at power-on and send
 * every jump, GO included, back into the bootloader until a power cycle
 * or an option-byte reload (field report 2; the UART and USB backends do
 * the same).  AN3154 and AN5405 write the option bytes with WRITE MEMORY,
 * after which the chip reloads them and resets: writing them back
 * unchanged clears the latch and changes nothing else.  With BOOT0 high
 * the reset lands in the bootloader again and GO now reaches the
 * application; with BOOT0 low the reset itself starts the application,
 * and the bootloader stays silent. */
static stp_status escape_empty_check(canb *c, uint32_t addr)
{
	const stp_chip *ch = c->chip;
	uint8_t ob[256];
	unsigned resets = c->dev.resets;
	stp_status st;
	cp_res r;

	if (!ch || !(ch->quirks & STP_QUIRK_EMPTY_CHECK) || !ch->ob_size ||
	    ch->ob_size > sizeof(ob) || ch->ob_size % 4)
		return still_in_bootloader(c, addr, "");
	stp_log(c->ctx, STP_LOG_WARN,
	        "%s: after GO the chip came back to its bootloader: its empty "
	        "check latched \"flash empty\" at power-on; rewriting the option "
	        "bytes unchanged at 0x%08X to reload them, then GO again",
	        c->port, ch->ob_start);
	if ((st = cp_read(&c->dev, ch->ob_start, ob, ch->ob_size)))
		return st;
	st = cp_write_option_bytes(&c->dev, ch->ob_start, ob, ch->ob_size);
	if (st == STP_ERR_TIMEOUT && c->dev.resets != resets) {
		/* Written, and no bootloader after the reset: BOOT0 is low and
		 * the reload started the application. */
		stp_clear_error(c->ctx);
		stp_log(c->ctx, STP_LOG_INFO,
		        "%s: no bootloader after the option-byte reload: its reset "
		        "started the application (BOOT0 low)",
		        c->port);
		c->dev.gone = true;
		return STP_OK;
	}
	if (st || (st = cp_go(&c->dev, addr)))
		return st;
	if ((r = cp_back_after_go(&c->dev)) == CP_IO)
		return check_failed(c, addr);
	if (r == CP_OK)
		return still_in_bootloader(c, addr, " and an option-byte reload");
	return STP_OK;
}

/* GO, then the proof that the chip left: its bootloader no longer answers
 * the handshake.  addr is always a real address (the core has checked
 * the vector table there). */
static stp_status b_go(void *s, uint32_t addr)
{
	canb *c = s;
	stp_status st;
	cp_res r;

	if ((st = cp_go(&c->dev, addr)))
		return st;
	if ((r = cp_back_after_go(&c->dev)) == CP_IO)
		return check_failed(c, addr);
	if (r != CP_OK)
		return STP_OK;
	return escape_empty_check(c, addr);
}

/* -rst: GO to the flash base, where the vector table holds the stack
 * pointer and the reset handler (the core of a reset, without the
 * peripherals'); no CAN frame reaches NRST, so -hardRst is refused. */
static stp_status b_reset(void *s, int kind, char *how, size_t howlen)
{
	canb *c = s;
	uint32_t base = c->chip ? c->chip->flash_base : 0x08000000u;
	stp_status st;

	if (kind == STP_RESET_HARD)
		return stp_fail(c->ctx, STP_ERR_UNSUPPORTED,
		                "use -rst (GO to the reset handler), or reset the "
		                "board by its button or supply",
		                "%s: -hardRst drives NRST, and over CAN no line "
		                "reaches it", c->port);
	if ((st = b_go(c, base)))
		return st;
	snprintf(how, howlen,
	         "GO to 0x%08X: the ROM jumped to the reset handler of the vector "
	         "table at the flash base%s (peripherals were not reset)",
	         base, c->chip ? "" : " (0x08000000 assumed: the part is not in "
	                              "the chip database)");
	return STP_OK;
}

static stp_status b_rdp(void *s)
{
	return cp_readout_protect(&((canb *)s)->dev);
}

static stp_status b_rdu(void *s)
{
	return cp_readout_unprotect(&((canb *)s)->dev);
}

static stp_status b_wrp(void *s, const uint16_t *units, size_t n)
{
	return cp_write_protect(&((canb *)s)->dev, units, n);
}

static stp_status b_wru(void *s)
{
	return cp_write_unprotect(&((canb *)s)->dev);
}

static stp_status b_ob_read(void *s, uint32_t addr, uint8_t *buf, uint32_t len)
{
	canb *c = s;
	stp_status st = STP_OK;

	for (uint32_t off = 0; off < len && !st; off += 256)
		st = cp_read(&c->dev, addr + off, buf + off,
		             len - off < 256 ? len - off : 256);
	return st;
}

static stp_status b_ob_write(void *s, uint32_t addr, const uint8_t *buf,
                             uint32_t len)
{
	canb *c = s;

	if (len > 256)
		return stp_fail(c->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "option bytes of %u bytes: one WRITE MEMORY moves 256 "
		                "at most, and the device resets after the first",
		                len);
	return cp_write_option_bytes(&c->dev, addr, buf, len);
}

/* ---- listing --------------------------------------------------------------- */

typedef struct listing {
	stp_port_fn fn;
	void *user;
} listing;

#ifdef HAVE_SOCKETCAN
static void list_if(void *user, const char *name, bool up, bool fd)
{
	listing *l = user;
	stp_port_info info;

	memset(&info, 0, sizeof(info));
	info.transport = STP_TRANSPORT_CAN;
	info.backend = "can";
	snprintf(info.port, sizeof(info.port), "%s", name);
	snprintf(info.description, sizeof(info.description),
	         "SocketCAN interface, %s%s", up ? "up" : "down",
	         fd ? ", CAN FD" : "");
	if (!up)
		snprintf(info.details, sizeof(info.details),
		         "  bring it up: ip link set %s type can bitrate 125000 && "
		         "ip link set %s up",
		         name, name);
	l->fn(l->user, &info);
}
#endif

/* Only USB modems (CDC ACM: CANable, USBtin and most slcan firmwares)
 * are asked: an FTDI or a board's own UART may be an STM32 waiting in its
 * USART bootloader, and "V\r" is not for it. */
static bool worth_probing(const char *name, const serial_usb *u)
{
	if (!u->usb)
		return false;
	return strstr(name, "ttyACM") || strstr(name, "usbmodem") ||
	       !strncmp(name, "COM", 3);
}

static void probe_serial(stp_ctx *ctx, listing *l)
{
	struct sp_port **list;
	unsigned probed = 0;

	if (sp_list_ports(&list) != SP_OK)
		return;
	for (size_t i = 0; list[i] && probed < PROBE_MAX_PORTS; i++) {
		const char *name = sp_get_port_name(list[i]);
		stp_portspec ss;
		serial_link *sl;
		serial_usb u;
		slcan *sc;
		char ver[64];
		bool ok;

		serial_describe(name, &u);
		if (!worth_probing(name, &u))
			continue;
		probed++;
		slcan_serial_spec(name, &ss);
		if (serial_open(ctx, &ss, &sl)) {
			stp_clear_error(ctx);
			continue;
		}
		sc = slcan_new(ctx, serial_byte_link(sl), name);
		ok = sc && slcan_version(sc, ver, sizeof(ver), PROBE_MS);
		slcan_free(sc);
		serial_close(sl);
		if (ok) {
			stp_port_info info;
			memset(&info, 0, sizeof(info));
			info.transport = STP_TRANSPORT_CAN;
			info.backend = "can";
			snprintf(info.port, sizeof(info.port), "slcan:%s", name);
			snprintf(info.description, sizeof(info.description),
			         "slcan adapter%s%s (%s)", u.product[0] ? " " : "",
			         u.product, ver);
			snprintf(info.serial, sizeof(info.serial), "%s", u.serial);
			info.vid = (uint16_t)u.vid;
			info.pid = (uint16_t)u.pid;
			l->fn(l->user, &info);
		}
	}
	sp_free_port_list(list);
}

static stp_status b_enumerate(stp_ctx *ctx, stp_port_fn fn, void *user)
{
	listing l = {fn, user};

#ifdef HAVE_SOCKETCAN
	cansock_list(list_if, &l);
#endif
	probe_serial(ctx, &l);
	return STP_OK;
}

static const stp_backend_ops ops = {
	.enumerate = b_enumerate,
	.open = b_open,
	.close = b_close,
	.identify = b_identify,
	.read = b_read,
	.write = b_write,
	.erase = b_erase,
	.go = b_go,
	.readout_protect = b_rdp,
	.readout_unprotect = b_rdu,
	.write_protect = b_wrp,
	.write_unprotect = b_wru,
	.option_bytes_read = b_ob_read,
	.option_bytes_write = b_ob_write,
	.reset = b_reset,
};

static const char *const prefixes[] = {"can", "vcan", "slcan", "slcan:",
                                       "socketcan:", NULL};

STP_BACKEND_DEFINE("can",
                   "CAN bootloader (AN3154, FDCAN AN5405) over SocketCAN and "
                   "slcan",
                   STP_TRANSPORT_CAN, prefixes, &ops);

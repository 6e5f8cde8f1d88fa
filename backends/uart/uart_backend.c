/* The USART backend (ST AN3155): the module's ops table and descriptor,
 * port listing, and the glue between the port (serial_link), the line
 * sequences (line_seq, ftdi_lines) and the protocol (an3155).
 *
 * Open order matters: everything the user gave is checked before the port
 * is touched (init= grammar, which lines the port can drive, frame
 * format); then ENTRY, the ~50 ms the ROM needs to start, and the 0x7F
 * sync (or, with noinit=1, a GET to prove a synced bootloader is there). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libserialport.h>

#include "an3155.h"
#include "ftdi_lines.h"
#include "gpio_lines.h"
#include "latency.h"
#include "uart_rate.h"
#include "line_seq.h"
#include "serial_link.h"
#include "serial_names.h"
#include "stmprog/backend.h"

/* After ENTRY: the ROM checks BOOT0 at reset and needs a moment before it
 * listens for 0x7F. */
#define BOOT_WAIT_MS 50
/* How long a tty may take to come back after libftdi1 let go of it. */
#define REATTACH_MS 3000

typedef struct uart {
	stp_ctx *ctx;
	stp_portspec spec;
	serial_link *sl;         /* NULL once closed for a CBUS EXIT after GO */
	an_dev dev;
	bool have_seq;
	ls_init seq;
	bool cbus;               /* the sequence runs through libftdi1 */
	serial_usb usb;
	bool entry_done;         /* so a failed open still runs EXIT */
	bool exit_done;
	const stp_chip *chip;
	unsigned latency_ms;     /* the adapter's, per turnaround */
	gpio_lines *gpio;        /* init='s host GPIO lines, NULL if none */
	ls_driver lines;         /* the port's lines and the GPIO lines */
	const char *lines_err;
} uart;

/* ---- checks before the port is touched ------------------------------- */

static stp_status check_frame(stp_ctx *ctx, const stp_portspec *spec,
                              unsigned uses)
{
	if (spec->stop_halves == 3)
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "the bootloader uses sb=1",
		                "sb=1.5: the serial port layer sets 1 or 2 stop bits "
		                "only");
	if (spec->flow == STP_FLOW_SOFTWARE)
		return stp_fail(ctx, STP_ERR_PORTSPEC, "use fc=OFF",
		                "fc=Software: XON/XOFF would swallow the bytes 0x11 "
		                "and 0x13 of the binary protocol (READ MEMORY is "
		                "0x11)");
	if (spec->flow == STP_FLOW_HARDWARE && (uses & LS_MASK(LS_RTS)))
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "use fc=OFF to drive RTS from init=",
		                "fc=Hardware drives RTS itself, so init= cannot "
		                "name rts");
	return STP_OK;
}

/* Lines the port cannot drive, found before it is opened when possible. */
static stp_status check_lines(uart *u)
{
	ls_signal first;

	if (ls_first_of(&u->seq, LS_MASK_CBUS, &first)) {
		if (ls_uses(&u->seq) & LS_MASK(LS_GPIO))
			return stp_fail(u->ctx, STP_ERR_PORTSPEC,
			                "put BOOT0 and NRST both on CBUS pins or both "
			                "on GPIO lines",
			                "init= names %s and a GPIO line: CBUS pins run "
			                "while the tty is closed, GPIO lines while it is "
			                "open, so one sequence cannot order both",
			                ls_signal_name(first));
		if (!ftdi_lines_available())
			return stp_fail(u->ctx, STP_ERR_UNSUPPORTED,
			                "build stmprog with libftdi1 (Debian: "
			                "libftdi1-dev) to drive CBUS pins",
			                "init= names %s, and this stmprog was built "
			                "without libftdi1",
			                ls_signal_name(first));
		if (!u->spec.usb_path[0] &&
		    (!u->usb.usb || u->usb.vid != SERIAL_VID_FTDI))
			return stp_fail(u->ctx, STP_ERR_UNSUPPORTED,
			                "CBUS pins exist on FTDI USB adapters (FT232R, "
			                "FT-X, FT232H); drive BOOT0/NRST with rts/dtr "
			                "otherwise, or name a separate FTDI adapter "
			                "with path=BUS-PORT",
			                "init= names %s, but %s is not an FTDI USB "
			                "adapter",
			                ls_signal_name(first), u->spec.port);
		u->cbus = true;
	} else if (u->spec.usb_path[0]) {
		return stp_fail(u->ctx, STP_ERR_PORTSPEC,
		                "give init= with cbus0..cbus3, or leave path= out",
		                "path=%s on serial port %s names the FTDI adapter "
		                "whose CBUS pins init= drives, but init= names no "
		                "CBUS pin", u->spec.usb_path, u->spec.port);
	}
	/* Host GPIO lines: chips and offsets checked before the port. */
	if (ls_first_of(&u->seq, LS_MASK(LS_GPIO), &first))
		return gpio_lines_open(u->ctx, &u->seq, u->spec.port, &u->gpio);
	/* A pseudo-terminal is judged after opening, by whether it answers
	 * TIOCMGET (open_port's caller): the simulator's pty does. */
	return STP_OK;
}

/* ---- timeouts from the chip database --------------------------------- */

/* -tm MS: every wait for a flash operation's answer (read block, write
 * block, erase, mass erase, the resets after protection commands) is MS,
 * shorter or longer than the chip's figures.  The per-byte answers (ACK
 * to a command byte or an address) are only lengthened by it: they take
 * the wire time, not the flash's, and a shorter wait there would only
 * break the protocol. */
static void apply_cap(an_timing *t, unsigned tm)
{
	if (!tm)
		return;
	t->read_ms = t->write_ms = t->unit_erase_ms = t->mass_erase_ms = tm;
	t->cap_ms = tm;
	if (t->ack_ms < tm)
		t->ack_ms = tm;
}

static void set_timing(uart *u)
{
	an_timing *t = &u->dev.t;
	const stp_chip *c = u->chip;
	unsigned prog = 0;

	if (c && c->program_us && c->program_unit)
		prog = 256u / c->program_unit * c->program_us / 1000u;
	t->read_ms = 300;
	t->write_ms = 300 + prog;
	t->unit_erase_ms = c && c->page_erase_ms ? 2u * c->page_erase_ms : 5000;
	if (c && c->mass_erase_ms) {
		t->mass_erase_ms = 3 * c->mass_erase_ms + 1000;
		if (t->mass_erase_ms < 5000)
			t->mass_erase_ms = 5000;
	} else {
		t->mass_erase_ms = 35000;
	}
	t->reset_ms = 5000;
	apply_cap(t, stp_ctx_timeout_ms(u->ctx));
}

/* ---- lines ------------------------------------------------------------ */

/* One driver for ls_run: the port's own lines through serial_link, host
 * GPIO lines through gpio_lines. */
static int lines_set(void *user, ls_signal sig, bool high)
{
	uart *u = user;
	const ls_driver *d = serial_line_driver(u->sl);

	u->lines_err = NULL;
	return d->set(d->user, sig, high);
}

static int lines_set_gpio(void *user, unsigned chip, unsigned line, bool high)
{
	uart *u = user;

	u->lines_err = "gpio";
	return u->gpio ? gpio_lines_set(u->gpio, chip, line, high) : -1;
}

static void lines_sleep(void *user, unsigned ms)
{
	uart *u = user;
	const ls_driver *d = serial_line_driver(u->sl);

	d->sleep_ms(d->user, ms);
}

static const char *lines_error(void *user)
{
	uart *u = user;
	const ls_driver *d = serial_line_driver(u->sl);

	if (u->lines_err)
		return u->gpio ? gpio_lines_error(u->gpio) : "no GPIO lines";
	return d->error(d->user);
}

static const ls_driver *line_driver(uart *u)
{
	u->lines = (ls_driver){.user = u, .set = lines_set,
	                       .set_gpio = lines_set_gpio,
	                       .sleep_ms = lines_sleep, .error = lines_error};
	return &u->lines;
}

static stp_status open_port(uart *u)
{
	uint64_t end = serial_now_ms() + REATTACH_MS;
	stp_status st;

	/* With path= the CBUS adapter is not this port's: its tty never
	 * went away. */
	if (!u->cbus || u->spec.usb_path[0])
		return serial_open(u->ctx, &u->spec, &u->sl);
	/* After libftdi1 gave the adapter back, udev needs a moment. */
	if ((st = ftdi_lines_wait_port(u->ctx, u->spec.port, REATTACH_MS)))
		return st;
	while ((st = serial_open(u->ctx, &u->spec, &u->sl)) &&
	       serial_now_ms() < end)
		serial_sleep_ms(100);
	return st;
}

static stp_status run_exit(uart *u)
{
	stp_status st;

	u->exit_done = true;
	if (!u->cbus)
		return ls_run(u->ctx, &u->seq.exit, line_driver(u), "exit",
		              u->spec.port);
	/* libftdi1 needs the tty closed (see ftdi_lines.h), when the tty is
	 * the adapter's. */
	if (!u->spec.usb_path[0]) {
		serial_close(u->sl);
		u->sl = NULL;
		u->dev.gone = true;
	}
	st = ftdi_lines_run(u->ctx, &u->spec, u->usb.bus, u->usb.addr, &u->seq,
	                    true);
	return st;
}

/* ---- ops -------------------------------------------------------------- */

static void u_free(uart *u)
{
	serial_close(u->sl);
	gpio_lines_close(u->gpio);
	free(u);
}

static stp_status u_open(stp_ctx *ctx, const stp_portspec *spec, void **out)
{
	uart *u = calloc(1, sizeof(*u));
	unsigned uses = 0;
	stp_status st;

	*out = NULL;
	if (!u)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	u->ctx = ctx;
	u->spec = *spec;
	if (!u->spec.baud)
		u->spec.baud = 115200;
	if (spec->init_seq[0]) {
		if ((st = ls_parse(ctx, spec->init_seq, &u->seq)))
			goto fail;
		u->have_seq = true;
		uses = ls_uses(&u->seq);
	}
	serial_describe(spec->port, &u->usb);
	if ((st = check_frame(ctx, spec, uses)) || (st = check_lines(u)) ||
	    (spec->chip_pid &&
	     (st = uart_rate_refuse(ctx, spec->port, u->spec.baud,
	                            stp_chip_by_pid(spec->chip_pid)))))
		goto fail;

	if (u->cbus && u->seq.entry.n) {
		if ((st = ftdi_lines_run(ctx, &u->spec, u->usb.bus, u->usb.addr,
		                         &u->seq, false)))
			goto fail;
		u->entry_done = true;
	}
	if ((st = open_port(u)))
		goto fail;
	if (!u->cbus && (uses & LS_MASK_MODEM) && !serial_has_modem_lines(u->sl)) {
		ls_signal first = LS_RTS;
		ls_first_of(&u->seq, LS_MASK_MODEM, &first);
		st = stp_fail(ctx, STP_ERR_UNSUPPORTED,
		              "leave init= out, or use an adapter with RTS/DTR",
		              "init= names %s, but %s has no modem control lines%s",
		              ls_signal_name(first), spec->port,
		              serial_is_pty(u->sl) ? " (a pseudo-terminal)" : "");
		goto fail;
	}
	/* USB-serial adapters hand received bytes over at least once per
	 * 1 ms USB frame; FTDI's latency timer may hold them longer. */
	u->latency_ms = 1;
	if (u->usb.usb && u->usb.vid == SERIAL_VID_FTDI) {
		int lat;
		latency_lower(ctx, spec->port);
		if ((lat = latency_read(spec->port)) > 1)
			u->latency_ms = (unsigned)lat;
	}

	an_init(&u->dev, ctx, serial_byte_link(u->sl), u->spec.port);
	set_timing(u);
	if (u->have_seq && u->seq.entry.n) {
		if (!u->cbus) {
			u->entry_done = true;
			if ((st = ls_run(ctx, &u->seq.entry, line_driver(u), "entry",
			                 spec->port)))
				goto fail;
		}
		serial_sleep_ms(BOOT_WAIT_MS);
	}
	st = spec->noinit ? an_probe(&u->dev) : an_sync(&u->dev);
	if (st == STP_ERR_TIMEOUT && u->spec.baud > UART_RATE_TESTED) {
		/* Silence at a high rate is most often a ROM whose autobaud
		 * cannot lock on it; the chip, and so its limit, is known only
		 * after GET ID. */
		char *detail = strdup(stp_last_detail(ctx));
		st = stp_fail(ctx, st,
		              "br= is above 115200, the highest rate AN3155 tests; "
		              "each family's known top rate is in docs/chips.md; "
		              "retry at br=115200",
		              "%s at br=%u", detail ? detail : "no answer",
		              u->spec.baud);
		free(detail);
	}
	if (st == STP_ERR_TIMEOUT && u->have_seq && u->seq.entry.n) {
		/* The sequence ran, the ROM is silent: most often the pins
		 * did not give BOOT0 high at NRST's rising edge. */
		char *detail = strdup(stp_last_detail(ctx));
		st = stp_fail(ctx, st,
		              "check the init= entry sequence and the wiring: "
		              "BOOT0 must be high when NRST rises (a name alone "
		              "sets a line high, -name low; rts/dtr high is 0 V "
		              "on an adapter's pin); then TX/RX crossed, 8E1",
		              "%s after init= '%s': the chip did not start its "
		              "bootloader", detail ? detail : "no answer to 0x7F",
		              u->spec.init_seq);
		free(detail);
	}
	if (st)
		goto fail;
	*out = u;
	return STP_OK;
fail:
	/* Leave the board as EXIT says (BOOT0 released, out of reset) even
	 * when the sync failed, and report the first failure. */
	if (u->entry_done && u->seq.has_exit && (u->sl || u->cbus)) {
		char *detail = strdup(stp_last_detail(ctx));
		char *hint = strdup(stp_last_hint(ctx));
		if (run_exit(u))
			stp_log(ctx, STP_LOG_WARN, "%s", stp_last_detail(ctx));
		if (detail && hint)
			stp_fail(ctx, st, hint[0] ? hint : NULL, "%s", detail);
		free(detail);
		free(hint);
	}
	u_free(u);
	return st;
}

static void u_close(void *s)
{
	uart *u = s;

	if (u->have_seq && u->seq.has_exit && !u->exit_done && run_exit(u))
		stp_log(u->ctx, STP_LOG_WARN, "%s", stp_last_detail(u->ctx));
	u_free(u);
}


/* An init= EXIT list that pulses a line: that line is NRST's (the one
 * sequence that resets the chip), so -hardRst can use it. */
static bool exit_pulses_nrst(const uart *u)
{
	ls_signal line;

	return u->have_seq && u->seq.has_exit && ls_pulses(&u->seq.exit, &line);
}
static stp_status u_identify(void *s, stp_device_info *info, stp_caps *caps)
{
	uart *u = s;
	an_dev *d = &u->dev;
	bool ext;
	stp_status st;

	if ((st = an_identify(d)))
		return st;
	info->pid = d->pid;
	info->bl_version = d->bl_version;
	info->ncommands = d->ncmds;
	memcpy(info->commands, d->cmds, d->ncmds);
	snprintf(info->description, sizeof(info->description),
	         "USART bootloader v%u.%u", d->bl_version >> 4,
	         d->bl_version & 0xFu);
	u->chip = stp_chip_by_pid(d->pid);
	set_timing(u);
	uart_rate_check(u->ctx, u->spec.port, u->spec.baud, d->pid, u->chip);

	ext = an_has(d, AN_CMD_EXT_ERASE);
	caps->max_read = 256;
	caps->max_write = 256;
	caps->write_align = 4;
	caps->max_erase_list = ext ? AN_EXT_ERASE_MAX : AN_ERASE_MAX;
	caps->flags = 0;
	caps->read_us_per_kib = uart_read_us_per_kib(
		u->spec.baud,
		1u + (u->spec.data_bits ? u->spec.data_bits : 8u) +
			(u->spec.parity != STP_PARITY_NONE) +
			(u->spec.stop_halves > 2 ? 2u : 1u),
		u->latency_ms);
	if ((ext || an_has(d, AN_CMD_ERASE)) &&
	    !(u->chip && (u->chip->quirks & STP_QUIRK_NO_MASS_ERASE)))
		caps->flags |= STP_CAP_MASS_ERASE;
	if (an_has(d, AN_CMD_GET_CHECKSUM))
		caps->flags |= STP_CAP_CRC;
	if (exit_pulses_nrst(u))
		caps->flags |= STP_CAP_HARD_RESET;
	if (ext && u->chip) {
		stp_geometry geo;
		if (stp_chip_geometry(u->ctx, u->chip, 0, &geo) == STP_OK) {
			if (geo.nbanks == 2)
				caps->flags |= STP_CAP_BANK_ERASE;
			stp_geometry_release(&geo);
		} else {
			stp_clear_error(u->ctx);
		}
	}
	stp_log(u->ctx, STP_LOG_DEBUG,
	        "%s: bootloader v%u.%u, PID 0x%03X, %u commands, option bytes "
	        "0x%02X 0x%02X",
	        u->spec.port, d->bl_version >> 4, d->bl_version & 0xFu, d->pid,
	        d->ncmds, d->option[0], d->option[1]);
	return STP_OK;
}

static stp_status u_read(void *s, uint32_t addr, uint8_t *buf, uint32_t len)
{
	uart *u = s;

	return an_read(&u->dev, addr, buf, len);
}

static stp_status u_write(void *s, uint32_t addr, const uint8_t *buf,
                          uint32_t len)
{
	uart *u = s;

	return an_write(&u->dev, addr, buf, len);
}

static stp_status u_erase(void *s, const stp_erase_req *req)
{
	uart *u = s;
	uint16_t *pages;
	uint32_t *addrs;
	stp_status st;

	switch (req->kind) {
	case STP_ERASE_MASS:
		return an_erase_mass(&u->dev);
	case STP_ERASE_BANK:
		return an_erase_bank(&u->dev, req->bank);
	default:
		break;
	}
	if (!req->nunits)
		return STP_OK;
	pages = malloc(req->nunits * sizeof(*pages));
	addrs = malloc(req->nunits * sizeof(*addrs));
	if (!pages || !addrs) {
		free(pages);
		free(addrs);
		return stp_fail(u->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < req->nunits; i++) {
		pages[i] = req->units[i].index;
		addrs[i] = req->units[i].addr;
	}
	st = an_erase_pages(&u->dev, pages, addrs, req->nunits);
	free(pages);
	free(addrs);
	return st;
}

static stp_status u_crc(void *s, uint32_t addr, uint32_t len, uint32_t *crc)
{
	uart *u = s;

	return an_crc(&u->dev, addr, len, crc);
}

/* Parts with the empty check (STP_QUIRK_EMPTY_CHECK) latch "flash empty"
 * at power-on and send every jump, GO included, back into the bootloader
 * until a power cycle or an option-byte reload: after the first download
 * into a blank chip the application would not start (field report 2).
 * If GO brought such a part back, the option bytes are written back
 * unchanged, which reloads them and clears the latch (when the first
 * flash word is no longer erased), and GO is sent again. */
static stp_status escape_empty_check(uart *u, uint32_t addr)
{
	const stp_chip *c = u->chip;
	uint8_t ob[256];
	stp_status st;

	if (!c->ob_size || c->ob_size > sizeof(ob) || c->ob_size % 4)
		return stp_fail(u->ctx, STP_ERR_PROTOCOL,
		                "power-cycle the chip to start the application",
		                "%s: after GO to 0x%08X the chip is back in its "
		                "bootloader (empty check latched at power-on)",
		                u->spec.port, addr);
	stp_log(u->ctx, STP_LOG_WARN,
	        "%s: after GO the chip came back to its bootloader: its empty "
	        "check latched \"flash empty\" at power-on; rewriting the option "
	        "bytes unchanged at 0x%08X to reload them, then GO again",
	        u->spec.port, c->ob_start);
	if ((st = an_read(&u->dev, c->ob_start, ob, c->ob_size)) ||
	    (st = an_write_option_bytes(&u->dev, c->ob_start, ob, c->ob_size)) ||
	    (st = an_go(&u->dev, addr)))
		return st;
	return STP_OK;
}

/* The chip is still (or again) in its bootloader after GO: say why as
 * far as it can be known. */
static stp_status still_in_bootloader(uart *u, uint32_t addr,
                                      an_after_go where, bool reloaded)
{
	const stp_chip *c = u->chip;
	uint8_t first[4];
	bool base_erased = false;

	if (c && an_read(&u->dev, c->flash_base, first, 4) == STP_OK) {
		base_erased = true;
		for (int i = 0; i < 4; i++)
			base_erased = base_erased && first[i] == c->erased_value;
	}
	stp_clear_error(u->ctx);
	if (where == AN_GO_STAYED)
		return stp_fail(u->ctx, STP_ERR_PROTOCOL,
		                "reset the chip (BOOT0 low) to start the "
		                "application",
		                "%s: GO to 0x%08X was acknowledged, but the "
		                "bootloader still answers in its command loop: "
		                "the jump did not happen",
		                u->spec.port, addr);
	if (base_erased)
		return stp_fail(u->ctx, STP_ERR_PROTOCOL,
		                "write the application (or at least its vector "
		                "table) at the flash base; the empty check looks "
		                "only at that word",
		                "%s: after GO to 0x%08X the chip is back in its "
		                "bootloader%s: the first flash word at 0x%08X is "
		                "erased, so its empty check sends every start "
		                "back to the bootloader",
		                u->spec.port, addr,
		                reloaded ? ", also after an option-byte reload" : "",
		                c->flash_base);
	return stp_fail(u->ctx, STP_ERR_PROTOCOL,
	                "power-cycle the chip with BOOT0 low; if it comes back "
	                "again, the application resets itself (watchdog, "
	                "fault handler) before it runs",
	                "%s: after GO to 0x%08X the chip is back in its "
	                "bootloader%s (it answered 0x7F)",
	                u->spec.port, addr,
	                reloaded ? ", also after an option-byte reload" : "");
}

/* GO, then the proof that the chip left: one or two 0x7F must go
 * unanswered (an3155.c, an_check_after_go).  OK means the bootloader is
 * gone, not only that it acknowledged the jump. */
static stp_status u_go(void *s, uint32_t addr)
{
	uart *u = s;
	an_after_go where;
	bool reloaded = false;
	stp_status st;

	if ((st = an_go(&u->dev, addr)))
		return st;
	where = an_check_after_go(&u->dev);
	if (where == AN_GO_RESTARTED && u->chip &&
	    (u->chip->quirks & STP_QUIRK_EMPTY_CHECK)) {
		if ((st = escape_empty_check(u, addr)))
			return st;
		reloaded = true;
		where = an_check_after_go(&u->dev);
	}
	if (where != AN_GO_LEFT)
		return still_in_bootloader(u, addr, where, reloaded);
	if (u->have_seq && u->seq.has_exit)
		return run_exit(u);
	return STP_OK;
}

/* -rst and -hardRst (stp_target_reset).  A line that EXIT pulses is
 * NRST's (ls_pulses): running EXIT is a real reset, peripherals and all,
 * and the boot pins decide what starts.  Without one, the soft reset is
 * the ROM's GO to the flash base, where the vector table holds the stack
 * pointer and the reset handler: the application starts as after a reset,
 * but the peripherals the ROM set up (its USART, clocks) are as it left
 * them. */
static stp_status u_reset(void *s, int kind, char *how, size_t howlen)
{
	uart *u = s;
	uint32_t base = u->chip ? u->chip->flash_base : 0x08000000u;
	ls_signal line;
	uint8_t vec[8];
	stp_status st;

	if (exit_pulses_nrst(u) && ls_pulses(&u->seq.exit, &line)) {
		const char *exit_text = strchr(u->spec.init_seq, ':') + 1;
		if ((st = run_exit(u)))
			return st;
		u->dev.gone = true;
		snprintf(how, howlen,
		         "NRST pulsed by the init= exit sequence '%s' (line %s%s); "
		         "the boot pins chose what started",
		         exit_text, ls_signal_name(line),
		         u->cbus ? ", through libftdi1" : "");
		return STP_OK;
	}
	if (kind == STP_RESET_HARD)
		return stp_fail(u->ctx, STP_ERR_UNSUPPORTED,
		                "give init=ENTRY:EXIT with an EXIT that pulses the "
		                "line wired to NRST (rts, dtr, cbus0..cbus3), e.g. "
		                "init=rts&dtr,-dtr:-rts&dtr,-dtr; or use -rst, which "
		                "starts the application with GO",
		                "%s: -hardRst drives NRST, and no line here does: %s",
		                u->spec.port,
		                !u->have_seq ? "no init= sequence was given"
		                : !u->seq.has_exit ? "init= has no EXIT list"
		                                   : "init='s EXIT pulses no line");
	/* An erased vector table is nothing to start: a GO there faults (or,
	 * with the empty check, comes back), which says less than this. */
	if (an_read(&u->dev, base, vec, sizeof(vec)) == STP_OK) {
		bool erased = u->chip != NULL;
		for (size_t i = 0; erased && i < sizeof(vec); i++)
			erased = vec[i] == u->chip->erased_value;
		if (erased)
			return stp_fail(u->ctx, STP_ERR_ARG,
			                "write an application first; -rst starts it",
			                "%s: -rst starts the reset handler of the vector "
			                "table at 0x%08X, and the flash there is erased",
			                u->spec.port, base);
	} else {
		/* Readout protection: GO's own refusal will say so. */
		stp_clear_error(u->ctx);
	}
	if ((st = u_go(u, base)))
		return st;
	snprintf(how, howlen,
	         "GO to 0x%08X: the ROM jumped to the reset handler of the "
	         "vector table at the flash base%s (no line drives NRST, so "
	         "peripherals were not reset)",
	         base, u->chip ? "" : " (0x08000000 assumed: the part is not in "
	                              "the chip database)");
	return STP_OK;
}

static stp_status u_rdp(void *s)
{
	uart *u = s;

	return an_readout_protect(&u->dev);
}

static stp_status u_rdu(void *s)
{
	uart *u = s;

	return an_readout_unprotect(&u->dev);
}

static stp_status u_wrp(void *s, const uint16_t *units, size_t n)
{
	uart *u = s;

	return an_write_protect(&u->dev, units, n);
}

static stp_status u_wru(void *s)
{
	uart *u = s;

	return an_write_unprotect(&u->dev);
}

static stp_status u_ob_read(void *s, uint32_t addr, uint8_t *buf, uint32_t len)
{
	uart *u = s;
	stp_status st = STP_OK;

	for (uint32_t off = 0; off < len && !st; off += 256)
		st = an_read(&u->dev, addr + off, buf + off,
		             len - off < 256 ? len - off : 256);
	return st;
}

static stp_status u_ob_write(void *s, uint32_t addr, const uint8_t *buf,
                             uint32_t len)
{
	uart *u = s;

	if (len > 256)
		return stp_fail(u->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "option bytes of %u bytes: one WRITE MEMORY moves 256 "
		                "at most, and the device resets after the first",
		                len);
	return an_write_option_bytes(&u->dev, addr, buf, len);
}

/* ---- listing ports ---------------------------------------------------- */

static const char *ftdi_chip(int pid)
{
	switch (pid) {
	/* FT232R, FT232BM and FT232AM share 0x6001 (bcdDevice tells them
	 * apart; QEMU's usb-serial is a BM). */
	case 0x6001: return "FT232R/FT232BM";
	case 0x6010: return "FT2232";
	case 0x6011: return "FT4232H";
	case 0x6014: return "FT232H";
	case 0x6015: return "FT-X";
	default: return "adapter";
	}
}

static void describe(const char *name, stp_port_info *info)
{
	serial_usb d;
	int lat;

	serial_describe(name, &d);
	snprintf(info->port, sizeof(info->port), "%s", name);
	if (d.usb && (d.manufacturer[0] || d.product[0]))
		snprintf(info->description, sizeof(info->description), "%s%s%s",
		         d.manufacturer, d.manufacturer[0] && d.product[0] ? " " : "",
		         d.product);
	else
		snprintf(info->description, sizeof(info->description), "%s",
		         d.description);
	if (!d.usb)
		return;
	info->vid = (uint16_t)d.vid;
	info->pid = (uint16_t)d.pid;
	snprintf(info->serial, sizeof(info->serial), "%s", d.serial);
	if (d.vid != SERIAL_VID_FTDI)
		return;
	lat = latency_read(name);
	if (lat < 0)
		snprintf(info->details, sizeof(info->details), "  FTDI %s",
		         ftdi_chip(d.pid));
	else
		snprintf(info->details, sizeof(info->details),
		         "  FTDI %s, latency timer %d ms%s", ftdi_chip(d.pid), lat,
		         lat > 1 ? " (stmprog sets 1 ms)" : "");
}

static stp_status u_enumerate(stp_ctx *ctx, stp_port_fn fn, void *user)
{
	struct sp_port **list;

	if (sp_list_ports(&list) != SP_OK) {
		char *msg = sp_last_error_message();
		stp_status st = stp_fail(ctx, STP_ERR_IO, NULL,
		                         "listing serial ports failed: %s",
		                         msg ? msg : "?");
		sp_free_error_message(msg);
		return st;
	}
	for (size_t i = 0; list[i]; i++) {
		stp_port_info info;

		memset(&info, 0, sizeof(info));
		info.transport = STP_TRANSPORT_UART;
		info.backend = "uart";
		describe(sp_get_port_name(list[i]), &info);
		/* The names that stay when adapters are plugged in another
		 * order: where it is plugged, and which adapter it is. */
		serial_stable_names(SERIAL_STABLE_DIR, info.port, info.path,
		                    sizeof(info.path), info.by_id,
		                    sizeof(info.by_id));
		fn(user, &info);
	}
	sp_free_port_list(list);
	return STP_OK;
}

static const stp_backend_ops ops = {
	.enumerate = u_enumerate,
	.open = u_open,
	.close = u_close,
	.identify = u_identify,
	.read = u_read,
	.write = u_write,
	.erase = u_erase,
	.crc = u_crc,
	.go = u_go,
	.readout_protect = u_rdp,
	.readout_unprotect = u_rdu,
	.write_protect = u_wrp,
	.write_unprotect = u_wru,
	.option_bytes_read = u_ob_read,
	.option_bytes_write = u_ob_write,
	.reset = u_reset,
};

static const char *const prefixes[] = {"/dev/", "COM", "\\\\.\\COM", NULL};

STP_BACKEND_DEFINE("uart", "USART bootloader (AN3155)", STP_TRANSPORT_UART,
                   prefixes, &ops);

/* stmprog-sim: DfuSe ROM bootloader, request by request.
 *
 * The ROM's rules as modelled (docs/simulator.md has them with what is
 * unconfirmed):
 *  - DNLOAD only stores the block; the command or write runs on the first
 *    GETSTATUS, which answers dfuDNBUSY with bwPollTimeout = the time the
 *    operation takes; the next GETSTATUS gives the result.
 *  - Block 0 carries commands (0x21 set address, 0x41 erase page or mass
 *    erase, 0x92 read unprotect); block 1 is stalled; block n >= 2 is data
 *    at (n - 2) * 2048 + the address pointer.
 *  - A zero-length DNLOAD in dfuIDLE or dfuDNLOAD-IDLE is the leave: the
 *    next GETSTATUS answers dfuMANIFEST and the ROM jumps.
 *  - Every memory effect goes through the chip model, so protection,
 *    program units and the .state file behave as over UART. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_dfuse.h"
#include "sim_time.h"

enum {
	ST_APP_IDLE = 0, ST_APP_DETACH, ST_IDLE, ST_DNLOAD_SYNC, ST_DNBUSY,
	ST_DNLOAD_IDLE, ST_MANIFEST_SYNC, ST_MANIFEST, ST_MANIFEST_WAIT_RESET,
	ST_UPLOAD_IDLE, ST_ERROR
};

enum {
	OK = 0x00, errTARGET, errFILE, errWRITE, errERASE, errCHECK_ERASED,
	errPROG, errVERIFY, errADDRESS, errNOTDONE, errFIRMWARE, errVENDOR,
	errUSBR, errPOR, errUNKNOWN, errSTALLEDPKT
};

static const char *const status_names[] = {
	"OK", "errTARGET", "errFILE", "errWRITE", "errERASE", "errCHECK_ERASED",
	"errPROG", "errVERIFY", "errADDRESS", "errNOTDONE", "errFIRMWARE",
	"errVENDOR", "errUSBR", "errPOR", "errUNKNOWN", "errSTALLEDPKT"
};

enum { CMD_GET = 0x00, CMD_SETADDR = 0x21, CMD_ERASE = 0x41, CMD_RDU = 0x92 };

struct sim_dfuse {
	sim_chip *chip;
	const sim_dfu_layout *layout;
	sim_faults *faults;
	sim_trace *trace;
	bool real_time;
	/* wTransferSize the host was shown: the block size of data block
	 * addresses and the longest DNLOAD (SIM_DFUSE_XFER, as the ROM). */
	uint16_t xfer;
	uint8_t state, status;
	unsigned alt;
	uint32_t ptr;               /* the address pointer */
	/* The block DNLOAD stored, run at the next GETSTATUS. */
	uint16_t block, len;
	uint8_t buf[SIM_DFUSE_XFER];
	/* The operation under way (dfuDNBUSY) and its result. */
	const char *op;
	int64_t op_start, op_end, op_ns;
	uint8_t result;
	sim_dfuse_after result_after;
	uint16_t *scratch;          /* unit indexes for a page-by-page erase */
};

sim_dfuse *sim_dfuse_new(sim_chip *chip, const sim_dfu_layout *layout,
                         sim_faults *faults, sim_trace *trace, bool real_time)
{
	sim_dfuse *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->scratch = calloc(chip->geo.nunits ? chip->geo.nunits : 1,
	                    sizeof(*d->scratch));
	if (!d->scratch) {
		free(d);
		return NULL;
	}
	d->chip = chip;
	d->layout = layout;
	d->faults = faults;
	d->trace = trace;
	d->real_time = real_time;
	d->xfer = SIM_DFUSE_XFER;
	sim_dfuse_restart(d);
	return d;
}

void sim_dfuse_free(sim_dfuse *d)
{
	if (!d)
		return;
	free(d->scratch);
	free(d);
}

void sim_dfuse_restart(sim_dfuse *d)
{
	d->state = ST_IDLE;
	d->status = OK;
	d->alt = 0;
	d->ptr = d->chip->geo.flash_base;
	d->op = NULL;
}

bool sim_dfuse_set_alt(sim_dfuse *d, unsigned alt)
{
	if (alt >= d->layout->nalts)
		return false;
	d->alt = alt;
	return true;
}

unsigned sim_dfuse_alt(const sim_dfuse *d)
{
	return d->alt;
}

void sim_dfuse_set_xfer(sim_dfuse *d, uint16_t xfer)
{
	if (xfer && xfer <= SIM_DFUSE_XFER)
		d->xfer = xfer;
}

void sim_dfuse_bus_reset(sim_dfuse *d)
{
	d->state = ST_IDLE;
	d->status = OK;
	d->op = NULL;
}

/* An error status, traced once where it arises. */
static void fail(sim_dfuse *d, uint8_t status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(sim_dfuse *d, uint8_t status, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sim_trace_line(d->trace, "STATUS %s %s", status_names[status], why);
	d->result = status;
}

/* A request refused on the spot: stall, dfuERROR with status. */
static void stall(sim_dfuse *d, sim_dfuse_reply *r, uint8_t status,
                  const char *why)
{
	sim_trace_line(d->trace, "STATUS %s %s", status_names[status], why);
	d->state = ST_ERROR;
	d->status = status;
	r->len = -1;
}

void sim_dfuse_fault_stall(sim_dfuse *d)
{
	d->state = ST_ERROR;
	d->status = errSTALLEDPKT;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ---- what block 0 and data blocks do (at the first GETSTATUS) ---- */

static void op_begin(sim_dfuse *d, const char *op)
{
	d->op = op;
	d->op_ns = 0;
	d->result = OK;
	d->result_after = SIM_DFUSE_STAY;
}

static void do_erase_page(sim_dfuse *d, uint32_t addr)
{
	const stp_erase_unit *u = stp_geometry_unit_at(&d->chip->geo, addr);
	uint16_t idx, bad;

	op_begin(d, "erase");
	if (!u) {
		fail(d, errADDRESS, "erase 0x%08X: not in flash", (unsigned)addr);
		return;
	}
	idx = u->index;
	switch (sim_chip_erase(d->chip, &idx, 1, &bad, &d->op_ns)) {
	case SIM_MEM_OK:
		sim_trace_line(d->trace, "ERASE PAGE 0x%08X", (unsigned)u->addr);
		break;
	case SIM_MEM_PROTECTED:
		if (d->chip->rdp)
			fail(d, errVENDOR, "erase 0x%08X: readout protection",
			     (unsigned)u->addr);
		else
			fail(d, errERASE, "erase 0x%08X: write-protected",
			     (unsigned)u->addr);
		break;
	default:
		fail(d, errADDRESS, "erase 0x%08X: no such page", (unsigned)u->addr);
		break;
	}
}

static void do_mass_erase(sim_dfuse *d)
{
	sim_mem m;
	uint16_t bad;

	op_begin(d, "mass-erase");
	m = sim_chip_mass_erase(d->chip, 0, &d->op_ns);
	if (m == SIM_MEM_UNSUPPORTED) {
		/* No mass erase in the flash controller: the ROM erases
		 * page by page (assumed; the time is the pages' sum). */
		for (size_t i = 0; i < d->chip->geo.nunits; i++)
			d->scratch[i] = d->chip->geo.units[i].index;
		m = sim_chip_erase(d->chip, d->scratch, d->chip->geo.nunits, &bad,
		                   &d->op_ns);
	}
	if (m == SIM_MEM_OK)
		sim_trace_line(d->trace, "ERASE MASS");
	else if (d->chip->rdp)
		fail(d, errVENDOR, "mass erase: readout protection");
	else
		fail(d, errERASE, "mass erase: write-protected pages");
}

static void do_read_unprotect(sim_dfuse *d)
{
	op_begin(d, "unprotect");
	sim_trace_line(d->trace, "RDU");
	sim_chip_readout_unprotect(d->chip, &d->op_ns);
	d->result_after = SIM_DFUSE_RESET;
}

static void run_command(sim_dfuse *d)
{
	if (d->len == 5 && d->buf[0] == CMD_SETADDR) {
		op_begin(d, "set-address");
		d->ptr = le32(d->buf + 1);
		sim_trace_line(d->trace, "SETADDR 0x%08X", (unsigned)d->ptr);
	} else if (d->len == 5 && d->buf[0] == CMD_ERASE) {
		do_erase_page(d, le32(d->buf + 1));
	} else if (d->len == 1 && d->buf[0] == CMD_ERASE) {
		do_mass_erase(d);
	} else if (d->len == 1 && d->buf[0] == CMD_RDU) {
		do_read_unprotect(d);
	}
}

static bool known_command(const sim_dfuse *d)
{
	return (d->len == 5 && (d->buf[0] == CMD_SETADDR || d->buf[0] == CMD_ERASE)) ||
	       (d->len == 1 && (d->buf[0] == CMD_ERASE || d->buf[0] == CMD_RDU));
}

/* status=P: the controller reports a failure and the data is not (all)
 * there: errPROG leaves the second half unwritten, errVERIFY writes it
 * all with one byte wrong. */
static bool faulty_write(sim_dfuse *d, uint32_t addr, sim_write_result *res)
{
	bool verify = false;
	uint32_t pu = d->chip->chip->program_unit ? d->chip->chip->program_unit : 1;
	uint32_t half = d->len / 2 / pu * pu;

	if (!sim_faults_usb_status(d->faults, &verify))
		return false;
	if (verify) {
		uint8_t copy[SIM_DFUSE_XFER];
		memcpy(copy, d->buf, d->len);
		copy[d->len / 2] ^= 0x01;
		sim_chip_write(d->chip, addr, copy, d->len, res);
	} else if (half) {
		sim_chip_write(d->chip, addr, d->buf, half, res);
	}
	sim_trace_line(d->trace, "FAULT status %s 0x%08X %u",
	               verify ? "errVERIFY" : "errPROG", (unsigned)addr, d->len);
	fail(d, verify ? errVERIFY : errPROG, "injected");
	return true;
}

/* Units only partly covered by [addr, addr+len): left alone silently,
 * as the flash controller cannot program half a unit. */
static unsigned partial_units(const sim_chip *c, uint32_t addr, uint32_t len)
{
	uint32_t pu = c->chip->program_unit ? c->chip->program_unit : 1;
	uint32_t end = addr + len;
	unsigned n = 0;

	if (addr % pu)
		n++;
	if (end % pu && (end / pu != addr / pu || addr % pu == 0))
		n++;
	return n;
}

static void write_data(sim_dfuse *d)
{
	uint32_t addr = (uint32_t)(d->block - 2) * d->xfer + d->ptr;
	const sim_dfu_alt *alt = &d->layout->alt[d->alt];
	sim_write_result res;
	sim_mem m;
	bool ob = d->chip->chip->ob_size &&
	          addr >= d->chip->chip->ob_start &&
	          addr - d->chip->chip->ob_start < d->chip->chip->ob_size;

	op_begin(d, ob ? "ob-write" : "write");
	if (!sim_dfu_alt_covers(alt, addr, d->len) ||
	    !sim_chip_writable_start(d->chip, addr)) {
		fail(d, errADDRESS, "write 0x%08X %u: outside alt %u's memory",
		     (unsigned)addr, d->len, d->alt);
		return;
	}
	if (d->chip->rdp && !ob) {
		fail(d, errVENDOR, "write 0x%08X: readout protection", (unsigned)addr);
		return;
	}
	if (ob) {
		sim_trace_line(d->trace, "OB WRITE 0x%08X %u", (unsigned)addr, d->len);
	} else {
		sim_trace_line(d->trace, "WRITE 0x%08X %u", (unsigned)addr, d->len);
		if (sim_chip_in_flash(d->chip, addr) && faulty_write(d, addr, &res)) {
			d->op_ns = (int64_t)res.programmed * sim_chip_program_ns(d->chip);
			return;
		}
	}
	m = sim_chip_write(d->chip, addr, d->buf, d->len, &res);
	d->op_ns = (int64_t)res.programmed * sim_chip_program_ns(d->chip);
	if (m != SIM_MEM_OK) {
		fail(d, errADDRESS, "write 0x%08X %u: not writable", (unsigned)addr,
		     d->len);
		return;
	}
	if (res.option_bytes) {
		/* The ROM erases the option bytes first. */
		d->op_ns += sim_chip_ob_program_ns(d->chip);
		d->result_after = SIM_DFUSE_RESET;
		return;
	}
	if (res.left > partial_units(d->chip, addr, d->len)) {
		bool wrp = false;
		for (uint32_t a = addr; a < addr + d->len; a++)
			if (sim_chip_unit_protected(d->chip, a))
				wrp = true;
		if (wrp)
			fail(d, errWRITE, "write 0x%08X %u: write-protected",
			     (unsigned)addr, d->len);
		else
			fail(d, errPROG, "write 0x%08X %u: %u units not erased",
			     (unsigned)addr, d->len, res.left);
	}
}

/* ---- requests ---- */

static void put_status(sim_dfuse *d, uint8_t *data, uint16_t length,
                       uint32_t poll_ms, uint8_t state, sim_dfuse_reply *r)
{
	uint8_t s[6] = {d->status, (uint8_t)poll_ms, (uint8_t)(poll_ms >> 8),
	                (uint8_t)(poll_ms >> 16), state, 0};

	r->len = length < 6 ? length : 6;
	memcpy(data, s, (size_t)r->len);
}

static void getstatus(sim_dfuse *d, uint16_t length, uint8_t *data,
                      int64_t now, sim_dfuse_reply *r)
{
	uint32_t poll_ms;

	switch (d->state) {
	case ST_DNLOAD_SYNC:
		if (d->block == 0 && !known_command(d)) {
			/* The ROM parses commands here and stalls what it does
			 * not know. */
			stall(d, r, errSTALLEDPKT, "unsupported command");
			return;
		}
		if (d->block == 0)
			run_command(d);
		else
			write_data(d);
		d->op_start = now;
		d->op_end = d->real_time ? now + d->op_ns : now;
		poll_ms = d->real_time ?
		          (uint32_t)((d->op_ns + SIM_NS_PER_MS - 1) / SIM_NS_PER_MS) : 0;
		d->state = ST_DNBUSY;
		/* What the host is told to wait, so tests check the wait
		 * against the trace rather than a clock. */
		if (poll_ms)
			sim_trace_line(d->trace, "BUSY %s %u ms", d->op,
			               (unsigned)poll_ms);
		put_status(d, data, length, poll_ms, ST_DNBUSY, r);
		if (d->result_after == SIM_DFUSE_RESET) {
			/* The chip resets when the operation ends. */
			r->after = SIM_DFUSE_RESET;
			r->after_at = d->op_end;
			r->app_runs = sim_dfuse_boot(d);
		}
		return;
	case ST_DNBUSY:
		if (now < d->op_end) {
			/* A busy ROM NAKs the status stage until it is done. */
			sim_trace_line(d->trace, "POLL EARLY %s %lld ms of %lld ms",
			               d->op, (long long)((now - d->op_start) / SIM_NS_PER_MS),
			               (long long)(d->op_ns / SIM_NS_PER_MS));
			r->ready_at = d->op_end;
		}
		if (d->result != OK) {
			d->state = ST_ERROR;
			d->status = d->result;
		} else {
			d->state = ST_DNLOAD_IDLE;
		}
		put_status(d, data, length, 0, d->state, r);
		return;
	case ST_MANIFEST_SYNC: {
		uint32_t sp, pc;
		const char *what = "app";
		sim_go go = sim_chip_go(d->chip, d->ptr, &sp, &pc);

		put_status(d, data, length, 0, ST_MANIFEST, r);
		d->state = ST_MANIFEST;
		r->after = SIM_DFUSE_LEAVE;
		r->app_runs = go == SIM_GO_APP;
		if (go == SIM_GO_EMPTY_CHECK) {
			what = "bootloader";
			sim_say("leave to 0x%08X: the first flash word was erased at "
			        "power-on (empty check latched), so the chip comes back "
			        "in DFU mode; a power cycle or an option-byte reload "
			        "clears it", (unsigned)d->ptr);
		} else if (go == SIM_GO_BAD_VECTOR) {
			what = "none";
			sim_say("leave to 0x%08X: no plausible vector there (SP 0x%08X, "
			        "PC 0x%08X); the chip resets into DFU mode",
			        (unsigned)d->ptr, (unsigned)sp, (unsigned)pc);
			sim_chip_reset(d->chip);
		} else {
			sim_say("leave to 0x%08X: the application runs (SP 0x%08X, PC "
			        "0x%08X)", (unsigned)d->ptr, (unsigned)sp, (unsigned)pc);
		}
		sim_trace_line(d->trace, "LEAVE 0x%08X %s", (unsigned)d->ptr, what);
		return;
	}
	default:
		put_status(d, data, length, 0, d->state, r);
		return;
	}
}

static void dnload(sim_dfuse *d, uint16_t block, uint16_t length,
                   const uint8_t *data, sim_dfuse_reply *r)
{
	if (d->state != ST_IDLE && d->state != ST_DNLOAD_IDLE) {
		stall(d, r, errSTALLEDPKT, "DNLOAD in the wrong state");
		return;
	}
	if (length == 0) {
		d->state = ST_MANIFEST_SYNC;
		return;
	}
	if (block == 1) {
		stall(d, r, errSTALLEDPKT, "DNLOAD block 1");
		return;
	}
	if (length > d->xfer) {
		stall(d, r, errSTALLEDPKT, "DNLOAD longer than wTransferSize");
		return;
	}
	d->block = block;
	d->len = length;
	memcpy(d->buf, data, length);
	d->state = ST_DNLOAD_SYNC;
}

static void upload(sim_dfuse *d, uint16_t block, uint16_t length,
                   uint8_t *data, sim_dfuse_reply *r)
{
	static const uint8_t commands[] = {CMD_GET, CMD_SETADDR, CMD_ERASE, CMD_RDU};
	uint32_t addr, n = 0;

	if (d->state != ST_IDLE && d->state != ST_UPLOAD_IDLE) {
		stall(d, r, errSTALLEDPKT, "UPLOAD in the wrong state");
		return;
	}
	if (block == 0) {
		r->len = length < sizeof(commands) ? length : (int)sizeof(commands);
		memcpy(data, commands, (size_t)r->len);
		sim_trace_line(d->trace, "GETCOMMANDS");
		d->state = length > 3 ? ST_IDLE : ST_UPLOAD_IDLE;
		return;
	}
	if (block == 1) {
		stall(d, r, errSTALLEDPKT, "UPLOAD block 1");
		return;
	}
	if (length > d->xfer)
		length = d->xfer;
	addr = (uint32_t)(block - 2) * d->xfer + d->ptr;
	if (d->chip->rdp) {
		stall(d, r, errVENDOR, "upload: readout protection");
		return;
	}
	/* As much as can be read from addr on: the ROM answers short at the
	 * end of a memory. */
	while (n < length && sim_chip_readable(d->chip, addr + n, 1))
		n++;
	if (n == 0 && length) {
		char why[64];
		snprintf(why, sizeof(why), "upload 0x%08X: nothing there",
		         (unsigned)addr);
		stall(d, r, errADDRESS, why);
		return;
	}
	sim_chip_read(d->chip, addr, data, n);
	sim_trace_line(d->trace, "READ 0x%08X %u", (unsigned)addr, (unsigned)n);
	r->len = (int)n;
	d->state = ST_UPLOAD_IDLE;
}

void sim_dfuse_request(sim_dfuse *d, uint8_t request, uint16_t value,
                       uint16_t length, uint8_t *data, int64_t now,
                       sim_dfuse_reply *r)
{
	memset(r, 0, sizeof(*r));
	switch (request) {
	case SIM_DFU_DNLOAD:
		dnload(d, value, length, data, r);
		break;
	case SIM_DFU_UPLOAD:
		upload(d, value, length, data, r);
		break;
	case SIM_DFU_GETSTATUS:
		getstatus(d, length, data, now, r);
		break;
	case SIM_DFU_CLRSTATUS:
		/* As ST's device library does it: outside dfuERROR this is
		 * itself an error (unconfirmed for the ROMs). */
		if (d->state == ST_ERROR) {
			d->state = ST_IDLE;
			d->status = OK;
		} else if (d->state != ST_DNBUSY) {
			d->state = ST_ERROR;
			d->status = errUNKNOWN;
			sim_trace_line(d->trace, "STATUS errUNKNOWN CLRSTATUS outside dfuERROR");
		}
		break;
	case SIM_DFU_GETSTATE:
		if (length) {
			data[0] = d->state;
			r->len = 1;
		}
		break;
	case SIM_DFU_ABORT:
		if (d->state == ST_IDLE || d->state == ST_DNLOAD_SYNC ||
		    d->state == ST_DNLOAD_IDLE || d->state == ST_MANIFEST_SYNC ||
		    d->state == ST_UPLOAD_IDLE) {
			d->state = ST_IDLE;
			d->status = OK;
		}
		break;
	case SIM_DFU_DETACH:
		sim_trace_line(d->trace, "DETACH");
		r->after = SIM_DFUSE_REENUMERATE;
		break;
	default:
		stall(d, r, errSTALLEDPKT, "unknown DFU request");
		break;
	}
}

bool sim_dfuse_boot(sim_dfuse *d)
{
	uint32_t sp, pc;

	if (!d->chip->boot0_low ||
	    ((d->chip->chip->quirks & STP_QUIRK_EMPTY_CHECK) &&
	     d->chip->empty_latched)) {
		sim_chip_reset(d->chip);
		return false;
	}
	if (sim_chip_go(d->chip, d->chip->geo.flash_base, &sp, &pc) == SIM_GO_APP)
		return true;
	sim_chip_reset(d->chip);
	return false;
}

void sim_dfu_runtime_request(sim_trace *trace, bool *detached, uint8_t request,
                             uint16_t length, uint8_t *data, sim_dfuse_reply *r)
{
	memset(r, 0, sizeof(*r));
	switch (request) {
	case SIM_DFU_DETACH:
		sim_trace_line(trace, "DETACH");
		*detached = true;
		break;
	case SIM_DFU_GETSTATUS: {
		uint8_t s[6] = {OK, 0, 0, 0, *detached ? ST_APP_DETACH : ST_APP_IDLE, 0};
		r->len = length < 6 ? length : 6;
		memcpy(data, s, (size_t)r->len);
		break;
	}
	case SIM_DFU_GETSTATE:
		if (length) {
			data[0] = *detached ? ST_APP_DETACH : ST_APP_IDLE;
			r->len = 1;
		}
		break;
	default:
		/* Run-time mode knows DETACH, GETSTATUS and GETSTATE only. */
		r->len = -1;
		break;
	}
}

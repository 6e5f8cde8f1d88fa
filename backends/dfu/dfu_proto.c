/* USB DFU 1.1 host requests, GETSTATUS polling with deadlines, recovery to
 * dfuIDLE, and the words for every state and status (see dfu_proto.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dfu_proto.h"

void dfu_init(dfu_dev *d, stp_ctx *ctx, const dfu_io *io, const char *where,
              uint16_t intf, uint16_t xfer)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->io = io;
	d->where = where;
	d->intf = intf;
	d->xfer = xfer;
	d->state = DFU_STATE_UNKNOWN;
}

/* ---- words ------------------------------------------------------------ */

const char *dfu_state_name(uint8_t state)
{
	static const char *const names[] = {
		"appIDLE", "appDETACH", "dfuIDLE", "dfuDNLOAD-SYNC", "dfuDNBUSY",
		"dfuDNLOAD-IDLE", "dfuMANIFEST-SYNC", "dfuMANIFEST",
		"dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE", "dfuERROR"};

	if (state < sizeof(names) / sizeof(names[0]))
		return names[state];
	return state == DFU_STATE_UNKNOWN ? "unknown" : "an undefined state";
}

const char *dfu_status_name(uint8_t status)
{
	static const char *const names[] = {
		"OK", "errTARGET", "errFILE", "errWRITE", "errERASE",
		"errCHECK_ERASED", "errPROG", "errVERIFY", "errADDRESS",
		"errNOTDONE", "errFIRMWARE", "errVENDOR", "errUSBR", "errPOR",
		"errUNKNOWN", "errSTALLEDPKT"};

	if (status < sizeof(names) / sizeof(names[0]))
		return names[status];
	return "an undefined status";
}

const char *dfu_status_sentence(uint8_t status)
{
	switch (status) {
	case DFU_OK:
		return "no error";
	case DFU_ERR_TARGET:
	case DFU_ERR_ADDRESS:
		return "the address is outside the memory the device can reach "
		       "this way";
	case DFU_ERR_FILE:
		return "the device judged the data not meant for it";
	case DFU_ERR_WRITE:
		return "the flash did not take the data: write protection?";
	case DFU_ERR_ERASE:
		return "the flash could not be erased: write protection?";
	case DFU_ERR_CHECK_ERASED:
		return "the memory did not read erased after the erase";
	case DFU_ERR_PROG:
		return "programming the flash failed";
	case DFU_ERR_VERIFY:
		return "the flash reads back other bytes than were written";
	case DFU_ERR_NOTDONE:
		return "the device expected more data than it got";
	case DFU_ERR_FIRMWARE:
		return "the device's firmware is corrupt";
	case DFU_ERR_VENDOR:
		return "readout protection is active: -rdu removes it and "
		       "erases the chip";
	case DFU_ERR_USBR:
		return "the device saw an unexpected USB reset";
	case DFU_ERR_POR:
		return "the device saw an unexpected power-on reset";
	case DFU_ERR_STALLEDPKT:
		return "the device did not accept the request: this bootloader "
		       "does not support it, or not in this state";
	default:
		return "the device failed without saying why";
	}
}

const char *dfu_status_hint(uint8_t status)
{
	switch (status) {
	case DFU_ERR_TARGET:
	case DFU_ERR_ADDRESS:
		return "`stmprog -l usb` shows the memories the device offers; "
		       "check the address and the image's base (--base)";
	case DFU_ERR_WRITE:
	case DFU_ERR_ERASE:
		return "remove the write protection (option bytes, -ob) and try "
		       "again";
	case DFU_ERR_PROG:
	case DFU_ERR_VERIFY:
	case DFU_ERR_CHECK_ERASED:
		return "check the supply voltage; erase the affected units and "
		       "program again";
	case DFU_ERR_VENDOR:
		return "run `stmprog -c port=usbN -rdu` (it erases the whole "
		       "flash), then program again";
	case DFU_ERR_STALLEDPKT:
		return "reset the chip into its bootloader (BOOT0 high, then "
		       "reset) and try again";
	default:
		return "reset the chip into its bootloader and try again";
	}
}

stp_status dfu_status_code(uint8_t status)
{
	switch (status) {
	case DFU_OK:
		return STP_OK;
	case DFU_ERR_VENDOR:
		return STP_ERR_PROTECTED;
	case DFU_ERR_VERIFY:
	case DFU_ERR_CHECK_ERASED:
		return STP_ERR_VERIFY;
	case DFU_ERR_USBR:
	case DFU_ERR_POR:
	case DFU_ERR_UNKNOWN:
		return STP_ERR_PROTOCOL;
	default:
		return STP_ERR_NACK;
	}
}

/* ---- transfers -------------------------------------------------------- */

/* "set address 0x08000000" or just "mass erase" when addr is not one. */
static const char *op(char *buf, size_t len, const char *what, uint32_t addr)
{
	if (addr == DFU_NO_ADDR)
		snprintf(buf, len, "%s", what);
	else
		snprintf(buf, len, "%s at 0x%08X", what, addr);
	return buf;
}

/* The failure a GETSTATUS answer explains, in the words every operation
 * uses: what failed, where, the sentence, the status and state names. */
static stp_status status_failure(dfu_dev *d, const dfu_status *s,
                                 const char *what, uint32_t addr)
{
	char o[96];
	stp_status code = dfu_status_code(s->status);

	/* dfuERROR with bStatus OK is still an error: mapped as it is, the
	 * failure would be STP_OK and the caller would take it as done. */
	if (code == STP_OK)
		code = STP_ERR_PROTOCOL;
	return stp_fail(d->ctx, code,
	                dfu_status_hint(s->status), "%s: %s failed: %s (%s, %s)",
	                d->where, op(o, sizeof(o), what, addr),
	                dfu_status_sentence(s->status), dfu_status_name(s->status),
	                dfu_state_name(s->state));
}

static stp_status io_fail(dfu_dev *d, int rc, const char *request,
                          const char *what, uint32_t addr)
{
	char o[96];
	const char *why;

	op(o, sizeof(o), what, addr);
	d->io_rc = rc;
	switch (rc) {
	case DFU_IO_GONE:
		d->gone = true;
		return stp_fail(d->ctx, STP_ERR_DISCONNECTED,
		                "check the cable; the chip may have reset (brown-out, "
		                "watchdog) or left its bootloader",
		                "%s: %s: the device left the USB bus during %s",
		                d->where, o, request);
	case DFU_IO_STALL:
		return stp_fail(d->ctx, STP_ERR_NACK, dfu_status_hint(
		                        DFU_ERR_STALLEDPKT),
		                "%s: %s: the device stalled %s in state %s: it does "
		                "not accept that request now",
		                d->where, o, request, dfu_state_name(d->state));
	case DFU_IO_TIMEOUT:
		return stp_fail(d->ctx, STP_ERR_TIMEOUT,
		                "the bootloader hangs: reset the chip into it and try "
		                "again; a hub or a long cable can cause this",
		                "%s: %s: no answer to %s within %u ms", d->where, o,
		                request, DFU_CONTROL_TIMEOUT_MS);
	default:
		why = d->io->error ? d->io->error(d->io->user) : NULL;
		return stp_fail(d->ctx, STP_ERR_IO, "check the cable and try again",
		                "%s: %s: %s failed (%s)", d->where, o, request,
		                why && *why ? why : "USB error");
	}
}

static stp_status get_status_within(dfu_dev *d, dfu_status *st,
                                    const char *what, uint32_t addr,
                                    unsigned timeout_ms)
{
	uint8_t b[6];
	int rc;

	rc = d->io->control(d->io->user, DFU_IN, DFU_GETSTATUS, 0, d->intf, b,
	                    sizeof(b), timeout_ms);
	if (rc == DFU_IO_TIMEOUT && timeout_ms < DFU_CONTROL_TIMEOUT_MS) {
		char o[96];
		/* dfu_wait cut the wait to its deadline: the device is busy
		 * with the operation, not hung. */
		d->io_rc = rc;
		return stp_fail(d->ctx, STP_ERR_TIMEOUT, NULL,
		                "%s: %s did not finish in time: the device still "
		                "held its GETSTATUS at the deadline",
		                d->where, op(o, sizeof(o), what, addr));
	}
	if (rc < 0)
		return io_fail(d, rc, "GETSTATUS", what, addr);
	if (rc != 6) {
		char o[96];
		return stp_fail(d->ctx, STP_ERR_PROTOCOL,
		                "this does not look like a DFU device",
		                "%s: %s: GETSTATUS answered %d bytes instead of 6",
		                d->where, op(o, sizeof(o), what, addr), rc);
	}
	st->status = b[0];
	st->poll_ms = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16;
	st->state = b[4];
	st->istring = b[5];
	d->state = st->state;
	d->last = *st;
	d->polls++;
	return STP_OK;
}

stp_status dfu_get_status(dfu_dev *d, dfu_status *st, const char *what,
                          uint32_t addr)
{
	return get_status_within(d, st, what, addr, DFU_CONTROL_TIMEOUT_MS);
}

static stp_status simple(dfu_dev *d, uint8_t req, const char *name)
{
	int rc = d->io->control(d->io->user, DFU_OUT, req, 0, d->intf, NULL, 0,
	                        DFU_CONTROL_TIMEOUT_MS);

	if (rc < 0)
		return io_fail(d, rc, name, "recovery", DFU_NO_ADDR);
	return STP_OK;
}

stp_status dfu_clear_status(dfu_dev *d)
{
	stp_status st = simple(d, DFU_CLRSTATUS, "CLRSTATUS");

	if (!st)
		d->state = DFU_IDLE;
	return st;
}

stp_status dfu_abort(dfu_dev *d)
{
	stp_status st = simple(d, DFU_ABORT, "ABORT");

	if (!st)
		d->state = DFU_IDLE;
	return st;
}

stp_status dfu_get_state(dfu_dev *d, uint8_t *state)
{
	int rc = d->io->control(d->io->user, DFU_IN, DFU_GETSTATE, 0, d->intf,
	                        state, 1, DFU_CONTROL_TIMEOUT_MS);

	if (rc < 0)
		return io_fail(d, rc, "GETSTATE", "state query", DFU_NO_ADDR);
	if (rc != 1)
		return stp_fail(d->ctx, STP_ERR_PROTOCOL, NULL,
		                "%s: GETSTATE answered %d bytes instead of 1",
		                d->where, rc);
	d->state = *state;
	return STP_OK;
}

stp_status dfu_detach(dfu_dev *d, uint16_t timeout_ms)
{
	int rc = d->io->control(d->io->user, DFU_OUT, DFU_DETACH, timeout_ms,
	                        d->intf, NULL, 0, DFU_CONTROL_TIMEOUT_MS);

	/* Devices that detach at once may never complete the status stage. */
	if (rc < 0 && rc != DFU_IO_GONE)
		return io_fail(d, rc, "DETACH", "switch to DFU mode", DFU_NO_ADDR);
	return STP_OK;
}

stp_status dfu_dnload(dfu_dev *d, uint16_t block, const uint8_t *data,
                      uint16_t len, const char *what, uint32_t addr)
{
	/* libusb takes a non-const buffer for both directions. */
	uint8_t *buf = (uint8_t *)(uintptr_t)data;
	int rc;

	d->io_rc = 0;
	rc = d->io->control(d->io->user, DFU_OUT, DFU_DNLOAD, block, d->intf,
	                        len ? buf : NULL, len, DFU_CONTROL_TIMEOUT_MS);

	if (rc < 0)
		return io_fail(d, rc, "DNLOAD", what, addr);
	if (rc != len) {
		char o[96];
		return stp_fail(d->ctx, STP_ERR_IO, "check the cable and try again",
		                "%s: %s: DNLOAD moved %d of %u bytes", d->where,
		                op(o, sizeof(o), what, addr), rc, len);
	}
	d->state = DFU_DNLOAD_SYNC;
	return STP_OK;
}

stp_status dfu_upload(dfu_dev *d, uint16_t block, uint8_t *buf,
                      uint16_t len, uint16_t *got, const char *what,
                      uint32_t addr)
{
	int rc = d->io->control(d->io->user, DFU_IN, DFU_UPLOAD, block, d->intf,
	                        buf, len, DFU_CONTROL_TIMEOUT_MS);

	if (rc < 0) {
		stp_status st = io_fail(d, rc, "UPLOAD", what, addr);
		/* A stalled UPLOAD leaves the ROM in dfuERROR with the reason:
		 * fetch it so the message says readout protection when it is. */
		if (rc == DFU_IO_STALL) {
			dfu_status s;
			char o[96];
			if (!dfu_get_status(d, &s, what, addr) && s.status != DFU_OK)
				return status_failure(d, &s, what, addr);
			stp_fail(d->ctx, st, dfu_status_hint(DFU_ERR_STALLEDPKT),
			         "%s: %s: the device stalled UPLOAD", d->where,
			         op(o, sizeof(o), what, addr));
		}
		return st;
	}
	*got = (uint16_t)rc;
	d->state = rc < len ? DFU_IDLE : DFU_UPLOAD_IDLE;
	return STP_OK;
}

/* ---- polling ---------------------------------------------------------- */

static bool busy(uint8_t state)
{
	return state == DFU_DNBUSY || state == DFU_DNLOAD_SYNC ||
	       state == DFU_MANIFEST_SYNC;
}

static bool reached(uint8_t state, uint8_t want)
{
	if (want == DFU_MANIFEST)
		return state == DFU_MANIFEST || state == DFU_MANIFEST_WAIT_RESET ||
		       state == DFU_IDLE; /* manifestation-tolerant devices */
	return state == want;
}

stp_status dfu_wait(dfu_dev *d, const char *what, uint32_t addr,
                    unsigned deadline_ms, uint8_t want, bool gone_ok)
{
	uint64_t start = d->io->now_ms(d->io->user);
	char o[96];

	d->reset_seen = false;
	for (;;) {
		dfu_status s;
		uint64_t elapsed = d->io->now_ms(d->io->user) - start;
		uint32_t wait;
		unsigned within = DFU_CONTROL_TIMEOUT_MS;
		stp_status st;

		/* Not where a vanishing device is the answer: a reset may
		 * take its time to end the transfer. */
		if (d->polls_keep_deadline && !gone_ok) {
			uint64_t left = elapsed < deadline_ms ? deadline_ms - elapsed : 0;
			/* The device's own answer time, at least. */
			within = left < 20 ? 20 : left < within ? (unsigned)left : within;
		}
		st = get_status_within(d, &s, what, addr, within);

		if (st) {
			if (gone_ok && (st == STP_ERR_DISCONNECTED ||
			                st == STP_ERR_IO || st == STP_ERR_TIMEOUT)) {
				/* The device resets as asked, and may not even finish
				 * the status stage first. */
				stp_clear_error(d->ctx);
				d->reset_seen = true;
				return STP_OK;
			}
			return st;
		}
		if (s.status != DFU_OK || s.state == DFU_ERROR)
			return status_failure(d, &s, what, addr);
		if (reached(s.state, want))
			return STP_OK;
		if (!busy(s.state))
			return stp_fail(d->ctx, STP_ERR_PROTOCOL,
			                "reset the chip into its bootloader and try again",
			                "%s: %s: the device went to %s instead of %s",
			                d->where, op(o, sizeof(o), what, addr),
			                dfu_state_name(s.state), dfu_state_name(want));
		elapsed = d->io->now_ms(d->io->user) - start;
		if (elapsed >= deadline_ms)
			return stp_fail(d->ctx, STP_ERR_TIMEOUT,
			                "the chip may be damaged or its supply too weak "
			                "for flash operations; power-cycle it into the "
			                "bootloader and try again",
			                "%s: %s did not finish within %u ms (still %s)",
			                d->where, op(o, sizeof(o), what, addr),
			                deadline_ms, dfu_state_name(s.state));
		/* Exactly what the device asked for, cut to the deadline; a
		 * device that says 0 while busy gets 1 ms so it is not
		 * hammered. */
		wait = s.poll_ms;
		if (wait > deadline_ms - elapsed)
			wait = (uint32_t)(deadline_ms - elapsed);
		if (!wait)
			wait = 1;
		d->io->sleep_ms(d->io->user, wait);
		d->polled_ms += wait;
	}
}

/* ---- recovery --------------------------------------------------------- */

#define RECOVER_ROUNDS 4

stp_status dfu_recover(dfu_dev *d)
{
	for (unsigned round = 0; round < RECOVER_ROUNDS; round++) {
		dfu_status s;
		stp_status st = dfu_get_status(d, &s, "recovery", DFU_NO_ADDR);

		if (st)
			return st;
		if (s.state == DFU_IDLE && s.status == DFU_OK)
			return STP_OK;
		d->recoveries++;
		switch (s.state) {
		case DFU_ERROR:
			stp_log(d->ctx, STP_LOG_DEBUG,
			        "%s: clearing %s left in dfuERROR", d->where,
			        dfu_status_name(s.status));
			st = dfu_clear_status(d);
			break;
		case DFU_IDLE:
		case DFU_DNLOAD_IDLE:
		case DFU_UPLOAD_IDLE:
		case DFU_DNLOAD_SYNC:
		case DFU_MANIFEST_SYNC:
			st = s.status != DFU_OK ? dfu_clear_status(d) : dfu_abort(d);
			break;
		case DFU_DNBUSY:
			d->io->sleep_ms(d->io->user, s.poll_ms ? s.poll_ms : 1);
			d->polled_ms += s.poll_ms ? s.poll_ms : 1;
			break;
		case DFU_APP_IDLE:
		case DFU_APP_DETACH:
			return stp_fail(d->ctx, STP_ERR_PROTOCOL,
			                "stmprog detaches run-time devices itself; "
			                "reconnect and try again",
			                "%s: the device is in run-time mode (%s), not "
			                "in its DFU bootloader",
			                d->where, dfu_state_name(s.state));
		default:
			return stp_fail(d->ctx, STP_ERR_PROTOCOL,
			                "reset the chip into its bootloader and try again",
			                "%s: the device is in %s and cannot be brought "
			                "back to dfuIDLE",
			                d->where, dfu_state_name(s.state));
		}
		if (st)
			return st;
	}
	return stp_fail(d->ctx, STP_ERR_PROTOCOL,
	                "reset the chip into its bootloader and try again",
	                "%s: the device stays in %s after CLRSTATUS and ABORT",
	                d->where, dfu_state_name(d->state));
}

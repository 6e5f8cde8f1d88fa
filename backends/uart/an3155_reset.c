/* AN3155 commands after which the device resets (readout and write
 * protection), and getting the session back afterwards: wait for the
 * ROM, 0x7F again, GET again. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "an3155_frame.h"

#define L (d->link)

/* ---- commands that reset the device ---------------------------------- */

stp_status an_resync_after_reset(an_dev *d, unsigned deadline_ms,
                                 const char *after)
{
	uint64_t start = L->now_ms(L->user);
	unsigned nacks = 0, junk = 0;
	uint8_t last = 0;

	L->sleep_ms(L->user, d->t.settle_ms);
	for (;;) {
		uint8_t b;
		int r = an_sync_once(d, &b, &junk, &last);

		if (r < 0)
			return stp_last_status(d->ctx);
		if (r == 1 && b == AN_ACK) {
			d->resets++;
			stp_log(d->ctx, STP_LOG_DEBUG,
			        "%s: bootloader back after %s (%llu ms)", d->port, after,
			        (unsigned long long)(L->now_ms(L->user) - start));
			return an_get(d);
		}
		if (r == 1 && ++nacks >= 3) {
			/* Alive and waiting for commands: it did not reset (or did
			 * long ago and took an earlier 0x7F). */
			stp_log(d->ctx, STP_LOG_DEBUG,
			        "%s: no reset seen after %s; the bootloader answers",
			        d->port, after);
			return an_get(d);
		}
		if (L->now_ms(L->user) - start >= deadline_ms)
			return stp_fail(d->ctx, STP_ERR_TIMEOUT,
			                "the command was acknowledged; reset the chip "
			                "into the bootloader (or power-cycle it) and "
			                "connect again",
			                "the bootloader on %s did not answer 0x7F within "
			                "%u ms after %s reset the device",
			                d->port, deadline_ms, after);
	}
}

/* cmd, then payload (if any), then one more ACK within second_ms; then the
 * device resets. */
static stp_status reset_cmd(an_dev *d, uint8_t cmd, const uint8_t *payload,
                            size_t n, unsigned second_ms,
                            unsigned deadline_ms, const char *nack_hint)
{
	stp_status st;
	an_res r;

	if ((st = an_usable(d, cmd)))
		return st;
	if ((r = an_command(d, cmd))) {
		char was[sizeof(d->why)];
		stp_status st2 = an_status(r);

		memcpy(was, d->why, sizeof(was));
		if (r != RES_NACK) {
			/* The ROM may be inside a frame: get back in step so
			 * the next command is not one byte off. */
			if (an_resync(d))
				stp_clear_error(d->ctx);
		} else if (!nack_hint) {
			/* Refused at the command: protection, if established. */
			if (an_rdp_established(d)) {
				st2 = STP_ERR_PROTECTED;
				nack_hint = an_hint_rdp;
			} else {
				nack_hint = "the bootloader accepts READ MEMORY, so "
				            "readout protection is not the cause";
			}
		}
		return stp_fail(d->ctx, st2,
		                r == RES_NACK ? nack_hint : an_default_hint(d, r),
		                "%s on %s failed: %s", an_cmd_name(cmd), d->port,
		                was);
	}
	d->stage = AN_AT_DATA;
	if (payload && (r = an_xmit(d, payload, n)))
		return stp_fail(d->ctx, STP_ERR_IO, NULL, "%s on %s: %s",
		                an_cmd_name(cmd), d->port, d->why);
	r = an_ack(d, second_ms, payload ? "the sector list" : "the command");
	if (r == RES_NACK)
		return stp_fail(d->ctx, STP_ERR_NACK, nack_hint, "%s on %s failed: %s",
		                an_cmd_name(cmd), d->port, d->why);
	if (r) {
		/* Not trusted either way: get the session back, then report. */
		char was[sizeof(d->why)];

		memcpy(was, d->why, sizeof(was));
		if (an_resync_after_reset(d, d->t.reset_ms, an_cmd_name(cmd)) == STP_OK)
			stp_log(d->ctx, STP_LOG_WARN,
			        "%s: the bootloader answers again, but %s may not have "
			        "taken effect",
			        d->port, an_cmd_name(cmd));
		return stp_fail(d->ctx, an_status(r),
		                "check the result (e.g. read the option bytes) and "
		                "run the command again",
		                "%s on %s: %s", an_cmd_name(cmd), d->port, was);
	}
	return an_resync_after_reset(d, deadline_ms, an_cmd_name(cmd));
}

stp_status an_readout_protect(an_dev *d)
{
	return reset_cmd(d, AN_CMD_READOUT_PROTECT, NULL, 0, d->t.ack_ms,
	                 d->t.reset_ms,
	                 "readout protection may already be active");
}

stp_status an_readout_unprotect(an_dev *d)
{
	/* Some ROMs ACK before the mass erase (OpenBootloader), others after
	 * it: allow the erase time for the ACK and for the reset that
	 * follows, whichever it is. */
	return reset_cmd(d, AN_CMD_READOUT_UNPROTECT, NULL, 0,
	                 d->t.mass_erase_ms, d->t.mass_erase_ms,
	                 "the bootloader refuses to remove readout protection "
	                 "(level 2 is permanent)");
}

stp_status an_write_unprotect(an_dev *d)
{
	/* NULL: a refusal is put down to readout protection (and -rdu
	 * named) only when an_rdp_established proves it. */
	return reset_cmd(d, AN_CMD_WRITE_UNPROTECT, NULL, 0, d->t.mass_erase_ms,
	                 d->t.reset_ms, NULL);
}

stp_status an_write_protect(an_dev *d, const uint16_t *units, size_t n)
{
	uint8_t frame[1 + 256 + 1];

	if (n == 0 || n > 256)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "WRITE PROTECT names 1 to 256 sectors, not %zu", n);
	frame[0] = (uint8_t)(n - 1);
	for (size_t i = 0; i < n; i++) {
		if (units[i] > 0xFF)
			return stp_fail(d->ctx, STP_ERR_ARG, NULL,
			                "WRITE PROTECT names sectors 0..255, not %u",
			                units[i]);
		frame[1 + i] = (uint8_t)units[i];
	}
	frame[n + 1] = an_xor(frame, n + 1);
	return reset_cmd(d, AN_CMD_WRITE_PROTECT, frame, n + 2, d->t.mass_erase_ms,
	                 d->t.reset_ms,
	                 "readout protection may be active, or a sector number "
	                 "is out of range");
}

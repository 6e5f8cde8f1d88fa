/* AN3154, the classic CAN bootloader (F105/F107, F2, F4, F7, some L4):
 * what differs from AN5405.  Frames carry 8 bytes at most, so WRITE sends
 * its data in 8-byte frames each answered by an ACK, ERASE (0x43) lists
 * one sector number per byte of one frame, and SPEED changes the bit rate
 * in the middle of a session (can_proto.h for what both share). */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "can_proto.h"

#define L (d->link)

uint8_t an3154_speed_code(unsigned kbps)
{
	switch (kbps) {
	case 125: return 1;
	case 250: return 2;
	case 500: return 3;
	case 1000: return 4;
	default: return 0;
	}
}

/* SPEED answers ACK at the old rate, then switches and answers ACK again
 * at the new one: the adapter has to follow in between.  If that second
 * ACK does not come, a sync at the new rate tells whether the ROM did
 * switch; per ST's note a failed SPEED resets the chip, so the last
 * resort is the start rate. */
stp_status an3154_speed(cp_dev *d, unsigned kbps)
{
	uint8_t code = an3154_speed_code(kbps);
	unsigned old = d->kbps;
	cp_res r;

	if (d->proto != CP_AN3154)
		return stp_fail(d->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the FDCAN bootloader on %s has no SPEED command; "
		                "its rates are br= and dbr=",
		                d->port);
	if (!code)
		return stp_fail(d->ctx, STP_ERR_PORTSPEC,
		                "use 125, 250, 500 or 1000",
		                "SPEED (0x03) on %s: the bootloader switches to 125, "
		                "250, 500 or 1000 kbit/s, not %u",
		                d->port, kbps);
	if (!L->set_bitrate)
		return stp_fail(d->ctx, STP_ERR_UNSUPPORTED,
		                "set the interface's rate outside stmprog and give "
		                "the same br=, or use an slcan adapter",
		                "SPEED (0x03) on %s: this adapter's bit rate is set "
		                "outside stmprog, so it cannot follow the bootloader "
		                "to %u kbit/s",
		                d->port, kbps);
	if (kbps == d->kbps)
		return STP_OK;
	if ((r = cp_command(d, CP_CMD_SPEED, &code, 1)))
		return stp_fail(d->ctx, cp_status(r),
		                r == CP_NACK ? "this bootloader may not offer that "
		                               "rate; leave the speed out"
		                             : cp_hint(d, r),
		                "SPEED (0x03) to %u kbit/s on %s failed: %s", kbps,
		                d->port, d->why);
	if (L->set_bitrate(L->user, kbps) < 0)
		return stp_fail(d->ctx, STP_ERR_IO,
		                "reset the chip: its bootloader now runs at another "
		                "rate than the adapter",
		                "SPEED (0x03): switching %s to %u kbit/s failed: %s",
		                d->port, kbps, L->error(L->user));
	d->kbps = kbps;
	d->stage = CP_AT_END;
	r = cp_ack(d, CP_CMD_SPEED, d->t.ack_ms, "ACK at the new rate");
	if (r == CP_OK) {
		stp_log(d->ctx, STP_LOG_INFO, "%s: SPEED (0x03): %u -> %u kbit/s",
		        d->port, old, kbps);
		return STP_OK;
	}
	stp_log(d->ctx, STP_LOG_WARN,
	        "%s: SPEED (0x03) to %u kbit/s: %s; trying a sync at %u kbit/s",
	        d->port, kbps, d->why, kbps);
	cp_drain(d);
	if (cp_sync(d, 2, d->t.sync_ms) == STP_OK)
		return STP_OK;
	stp_log(d->ctx, STP_LOG_WARN,
	        "%s: no answer at %u kbit/s; back to %u kbit/s", d->port, kbps,
	        old);
	if (L->set_bitrate(L->user, old) < 0)
		return stp_fail(d->ctx, STP_ERR_IO, NULL,
		                "SPEED (0x03): switching %s back to %u kbit/s "
		                "failed: %s",
		                d->port, old, L->error(L->user));
	d->kbps = old;
	if (cp_sync(d, 2, d->t.sync_ms) == STP_OK) {
		stp_log(d->ctx, STP_LOG_WARN,
		        "%s: the bootloader stayed at %u kbit/s; continuing there",
		        d->port, old);
		return STP_OK;
	}
	return stp_fail(d->ctx, STP_ERR_TIMEOUT,
	                "reset the chip into its bootloader and connect again, "
	                "without the speed",
	                "SPEED (0x03) to %u kbit/s on %s: the bootloader answers "
	                "neither at %u nor at %u kbit/s",
	                kbps, d->port, kbps, old);
}

/* A WRITE whose ACK never came, or whose host was killed half-way (the
 * next session meets it at its sync: can_proto.c), leaves the ROM inside
 * the command, counting data frames: it takes any frame as data, a sync frame too, so
 * no re-sync can reach it.  Filler frames (0xFF, which leaves erased flash
 * as it is) are sent until the ROM answers one on the filler's own ID: a
 * NACK to "command 0x04", proof it has its count and is back at its
 * command loop.  Replies on the WRITE ID mean it is still counting; a
 * missing reply is another lost frame.  Bounded by the frames still due
 * and a few more.  The block may now hold shifted bytes: the try that
 * follows finds it not erased, and the engine erases and writes that unit
 * again. */
#define FILLER_QUIET_MS 20

void an3154_finish_write(cp_dev *d, uint32_t frames_left)
{
	static const uint8_t filler[8] = {0xFF, 0xFF, 0xFF, 0xFF,
	                                  0xFF, 0xFF, 0xFF, 0xFF};
	char why[sizeof(d->why)];
	bool out = false;

	memcpy(why, d->why, sizeof(why));
	for (uint32_t i = 0; i < frames_left + 4 && !out; i++) {
		uint64_t end;
		if (cp_send(d, CP_WRITE_DATA_ID, filler, sizeof(filler)))
			break;
		/* The last frame's answer comes after programming. */
		end = L->now_ms(L->user) + d->t.write_ms;
		for (;;) {
			uint64_t now = L->now_ms(L->user);
			cl_frame f;
			if (now >= end ||
			    L->recv(L->user, &f, (unsigned)(end - now)) <= 0)
				break;
			if ((f.id & 0xFF) == CP_WRITE_DATA_ID) {
				out = true;
				break;
			}
			/* Still counting, or its final answer: listen a moment
			 * longer before the next filler, so a ROM that just
			 * finished is not handed one more frame as data. */
			if ((f.id & 0xFF) == CP_CMD_WRITE)
				end = L->now_ms(L->user) + FILLER_QUIET_MS;
		}
	}
	cp_drain(d);
	memcpy(d->why, why, sizeof(why));
}

cp_res an3154_write_once(cp_dev *d, uint32_t addr, const uint8_t *buf,
                         uint32_t len)
{
	uint8_t p[5] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16),
	                (uint8_t)(addr >> 8), (uint8_t)addr,
	                (uint8_t)(len - 1)};
	uint32_t frames = (len + 7) / 8;
	uint32_t window = d->write_window ? d->write_window : 1;
	cp_res r;

	if (window > CP_WRITE_WINDOW)
		window = CP_WRITE_WINDOW;
	/* Frame 0 is the command, 1..frames the data: up to window of them
	 * ahead of their answers, each new batch in one write to the
	 * adapter, so the bus stays busy while the host turns around
	 * (CP_WRITE_WINDOW says why three is safe).  With a window of 1 this
	 * is the note's sequence: command, ACK, then frame by frame. */
	d->stage = CP_AT_CMD;
	for (uint32_t sent = 0, acked = 0; acked <= frames; acked++) {
		cl_frame f[CP_WRITE_WINDOW];
		size_t n = 0;

		for (; sent <= frames && sent - acked < window; sent++) {
			uint32_t off = 8 * (sent - 1);
			if (!sent)
				cp_frame(d, &f[n++], CP_CMD_WRITE, p, 5);
			else
				cp_frame(d, &f[n++], CP_WRITE_DATA_ID, buf + off,
				         len - off < 8 ? len - off : 8);
		}
		if (n && (r = cp_send_frames(d, f, n)))
			return r;
		r = cp_ack(d, CP_CMD_WRITE, d->t.ack_ms,
		           acked ? "ACK to a WRITE data frame" : "ACK to the command");
		/* A lost ACK leaves the ROM counting data frames: the rest of
		 * them at most (all of them when the command's was lost). */
		if (r == CP_TIMEOUT)
			an3154_finish_write(d, acked ? frames - acked : frames);
		if (r)
			return r;
		d->stage = CP_AT_DATA;
	}
	d->stage = CP_AT_END;
	return cp_ack(d, CP_CMD_WRITE, d->t.write_ms,
	              "ACK after programming");
}

cp_res an3154_erase_once(cp_dev *d, const uint16_t *units, size_t n,
                         bool mass)
{
	uint8_t p[8];
	unsigned ms;
	cp_res r;

	if (mass) {
		p[0] = 0xFF;
		n = 1;
		ms = d->t.mass_erase_ms;
	} else {
		for (size_t i = 0; i < n && i < 8; i++)
			p[i] = (uint8_t)units[i];
		n = n < 8 ? n : 8;
		ms = d->t.cap_ms ? d->t.cap_ms
		                 : d->t.unit_erase_ms * (unsigned)n + d->t.ack_ms;
	}
	if ((r = cp_command(d, CP_CMD_ERASE, p, n)))
		return r;
	d->stage = CP_AT_END;
	return cp_ack(d, CP_CMD_ERASE, ms, "ACK after the erase");
}

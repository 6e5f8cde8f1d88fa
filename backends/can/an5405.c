/* AN5405, the FDCAN bootloader (G0, G4, H5, H7, L5, U3, U5): what differs
 * from AN3154.  Frames are FD frames of up to 64 bytes with bit-rate
 * switching; WRITE sends its data in 64-byte frames on the command's own
 * identifier with a single ACK at the end; ERASE is the extended one
 * (0x44) with a 16-bit count and a page list in one data frame.  The start
 * frame and the H7 matching rule live in can_proto.c. */
#include "config.h"

#include <string.h>

#include "can_proto.h"

cp_res an5405_write_once(cp_dev *d, uint32_t addr, const uint8_t *buf,
                         uint32_t len)
{
	uint8_t p[5] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16),
	                (uint8_t)(addr >> 8), (uint8_t)addr,
	                (uint8_t)(len - 1)};
	cp_res r;

	if ((r = cp_command(d, CP_CMD_WRITE, p, 5)))
		return r;
	d->stage = CP_AT_DATA;
	/* No ACK per frame: the ROM collects len bytes, then programs.  A
	 * last frame of a length FD cannot carry is padded with 0xFF by
	 * cp_send; the ROM takes only len bytes. */
	if ((r = cp_send_split(d, CP_CMD_WRITE, buf, len, 64)))
		return r;
	d->stage = CP_AT_END;
	return cp_ack(d, CP_CMD_WRITE, d->t.write_ms, "ACK after programming");
}

cp_res an5405_erase_once(cp_dev *d, const uint16_t *units, size_t n,
                         uint16_t code)
{
	uint8_t p[2 * 32];
	unsigned ms;
	cp_res r;

	if (code) {
		p[0] = (uint8_t)(code >> 8);
		p[1] = (uint8_t)code;
		if ((r = cp_command(d, CP_CMD_EXT_ERASE, p, 2)))
			return r;
		d->stage = CP_AT_END;
		return cp_ack(d, CP_CMD_EXT_ERASE, d->t.mass_erase_ms,
		              "ACK after the erase");
	}
	if (n > 32)
		n = 32;
	p[0] = (uint8_t)(n >> 8);
	p[1] = (uint8_t)n;
	if ((r = cp_command(d, CP_CMD_EXT_ERASE, p, 2)))
		return r;
	d->stage = CP_AT_DATA;
	for (size_t i = 0; i < n; i++) {
		p[2 * i] = (uint8_t)(units[i] >> 8);
		p[2 * i + 1] = (uint8_t)units[i];
	}
	if ((r = cp_send(d, CP_CMD_EXT_ERASE, p, 2 * n)))
		return r;
	d->stage = CP_AT_END;
	ms = d->t.cap_ms ? d->t.cap_ms
	                 : d->t.unit_erase_ms * (unsigned)n + d->t.ack_ms;
	return cp_ack(d, CP_CMD_EXT_ERASE, ms, "ACK after the erase");
}

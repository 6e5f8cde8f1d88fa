/* AN3155 memory commands: READ MEMORY, WRITE MEMORY (also into the
 * option bytes), ERASE / EXTENDED ERASE, GET CHECKSUM and GO. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "an3155_frame.h"

#define L (d->link)

/* ---- memory ---------------------------------------------------------- */

typedef struct xfer {
	uint32_t addr;
	uint8_t *buf;
	const uint8_t *data;
	uint32_t len;
} xfer;

static an_res read_once(an_dev *d, void *arg)
{
	xfer *x = arg;
	uint8_t n[2] = {(uint8_t)(x->len - 1), (uint8_t)((x->len - 1) ^ 0xFF)};
	an_res r;

	if ((r = an_command(d, AN_CMD_READ)) || (r = an_address(d, x->addr)))
		return r;
	d->stage = AN_AT_DATA;
	if ((r = an_xmit(d, n, 2)) || (r = an_ack(d, d->t.ack_ms, "the length")))
		return r;
	return an_recv(d, x->buf, x->len, d->t.read_ms, "the data");
}

static stp_status fail_block(an_dev *d, an_res r, uint8_t cmd, uint32_t addr,
                             uint32_t len, unsigned ntries, const char *hint)
{
	stp_status st = an_status(r);

	if (r == RES_NACK && d->stage == AN_AT_CMD &&
	    (cmd == AN_CMD_READ || cmd == AN_CMD_WRITE)) {
		/* The ROM refuses READ and WRITE outright under RDP level 1. */
		st = STP_ERR_PROTECTED;
		hint = an_hint_rdp;
	}
	return stp_fail(d->ctx, st, hint ? hint : an_default_hint(d, r),
	                "%s of %u bytes at 0x%08X on %s failed (%u %s): %s",
	                an_cmd_name(cmd), len, addr, d->port, ntries,
	                ntries == 1 ? "try" : "tries", d->why);
}

stp_status an_read(an_dev *d, uint32_t addr, uint8_t *buf, uint32_t len)
{
	xfer x = {.addr = addr, .buf = buf, .len = len};
	stp_status st;
	unsigned n;
	an_res r;

	if ((st = an_usable(d, AN_CMD_READ)))
		return st;
	if (len == 0)
		return STP_OK;
	if (len > 256)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "READ MEMORY of %u bytes at 0x%08X: 256 at most", len,
		                addr);
	if ((r = an_tries(d, read_once, &x, &n)))
		return fail_block(d, r, AN_CMD_READ, addr, len, n,
		                  r == RES_NACK && d->stage == AN_AT_ADDR
		                          ? "the address is outside the memory the "
		                            "bootloader lets you read"
		                          : NULL);
	return STP_OK;
}

static an_res write_frame(an_dev *d, xfer *x)
{
	uint8_t frame[258];
	an_res r;

	frame[0] = (uint8_t)(x->len - 1);
	memcpy(frame + 1, x->data, x->len);
	frame[x->len + 1] = an_xor(frame, x->len + 1);
	if ((r = an_command(d, AN_CMD_WRITE)) || (r = an_address(d, x->addr)))
		return r;
	d->stage = AN_AT_DATA;
	if ((r = an_xmit(d, frame, x->len + 2)))
		return r;
	return an_ack(d, d->t.write_ms, "the data");
}

/* A WRITE whose data went out but whose ACK was lost or garbled may have
 * been programmed; writing it again would be refused where flash cannot
 * be programmed twice (F1, ECC parts).  So such a retry reads the block
 * first and is done if it holds the data (READ data carries no checksum,
 * but a damaged byte makes a mismatch, never a false match). */
static an_res write_once(an_dev *d, void *arg)
{
	xfer *x = arg;

	if (d->prev_res != RES_OK && d->prev_res != RES_NACK &&
	    d->prev_stage == AN_AT_DATA) {
		uint8_t back[256];
		xfer rd = {.addr = x->addr, .buf = back, .len = x->len};
		an_res r = read_once(d, &rd);

		if (r == RES_OK && !memcmp(back, x->data, x->len)) {
			stp_log(d->ctx, STP_LOG_INFO,
			        "%s: the block at 0x%08X was written; its ACK was lost",
			        d->port, x->addr);
			return RES_OK;
		}
		if (r != RES_OK && r != RES_NACK)
			return r;
	}
	return write_frame(d, x);
}

static stp_status check_write(an_dev *d, uint32_t addr, uint32_t len)
{
	if (addr % 4 || len % 4 || len == 0 || len > 256)
		return stp_fail(d->ctx, STP_ERR_ARG,
		                "the bootloader writes whole 32-bit words; the "
		                "planner pads images to them",
		                "WRITE MEMORY of %u bytes at 0x%08X: address and "
		                "length must be multiples of 4, at most 256 bytes",
		                len, addr);
	return STP_OK;
}

stp_status an_write(an_dev *d, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	xfer x = {.addr = addr, .data = buf, .len = len};
	stp_status st;
	unsigned n;
	an_res r;

	if ((st = an_usable(d, AN_CMD_WRITE)) || (st = check_write(d, addr, len)))
		return st;
	if ((r = an_tries(d, write_once, &x, &n)))
		return fail_block(d, r, AN_CMD_WRITE, addr, len, n,
		                  r != RES_NACK ? NULL
		                  : d->stage == AN_AT_ADDR
		                          ? "the address is outside the memory the "
		                            "bootloader lets you write"
		                          : "the bootloader refused the data: the "
		                            "address is outside writable memory, or "
		                            "write protection is set");
	return STP_OK;
}

/* ---- erase ----------------------------------------------------------- */

typedef struct erase_frame {
	uint8_t cmd;
	const uint8_t *bytes;
	size_t n;
	unsigned ms;
	const char *what;
} erase_frame;

static an_res erase_once(an_dev *d, void *arg)
{
	erase_frame *e = arg;
	an_res r;

	if ((r = an_command(d, e->cmd)))
		return r;
	d->stage = AN_AT_DATA;
	if ((r = an_xmit(d, e->bytes, e->n)))
		return r;
	return an_ack(d, e->ms, e->what);
}

static uint8_t erase_cmd(const an_dev *d)
{
	/* GET lists one of the two (0x44 from bootloader v3.0 on); without a
	 * list, assume the newer one. */
	if (d->have_cmds && !an_has(d, AN_CMD_EXT_ERASE) &&
	    an_has(d, AN_CMD_ERASE))
		return AN_CMD_ERASE;
	return AN_CMD_EXT_ERASE;
}

static stp_status run_erase(an_dev *d, erase_frame *e, const char *what)
{
	stp_status st;
	unsigned n;
	an_res r;

	if ((st = an_usable(d, e->cmd)))
		return st;
	if ((r = an_tries(d, erase_once, e, &n)))
		return stp_fail(d->ctx, an_status(r),
		                r == RES_NACK ? "the pages may be write-protected "
		                              "(--write-unprotect), or readout "
		                              "protection is active (`stmprog -rdu`)"
		                            : an_hint_lost,
		                "%s (%s) on %s failed (%u %s): %s", an_cmd_name(e->cmd),
		                what, d->port, n, n == 1 ? "try" : "tries", d->why);
	return STP_OK;
}

/* "pages 0 (0x08000000), 1 (0x08004000)" for the first few of a list. */
static void describe_pages(char *buf, size_t len, const uint16_t *pages,
                           const uint32_t *addrs, size_t n)
{
	size_t at = (size_t)snprintf(buf, len, "%s", n == 1 ? "page" : "pages");

	for (size_t i = 0; i < n && i < 4 && at < len; i++) {
		at += (size_t)snprintf(buf + at, len - at, "%s %u", i ? "," : "",
		                       pages[i]);
		if (addrs && at < len)
			at += (size_t)snprintf(buf + at, len - at, " (0x%08X)", addrs[i]);
	}
	if (n > 4 && at < len)
		snprintf(buf + at, len - at, " and %zu more", n - 4);
}

stp_status an_erase_pages(an_dev *d, const uint16_t *pages,
                          const uint32_t *addrs, size_t n)
{
	uint8_t cmd = erase_cmd(d);
	size_t max = cmd == AN_CMD_EXT_ERASE ? AN_EXT_ERASE_MAX : AN_ERASE_MAX;
	uint8_t frame[2 + 2 * AN_EXT_ERASE_MAX + 1];

	for (size_t at = 0; at < n;) {
		size_t k = n - at < max ? n - at : max, len = 0;
		char what[128];
		erase_frame e = {.cmd = cmd, .bytes = frame};
		stp_status st;

		if (cmd == AN_CMD_EXT_ERASE) {
			frame[len++] = (uint8_t)((k - 1) >> 8);
			frame[len++] = (uint8_t)(k - 1);
			for (size_t i = 0; i < k; i++) {
				frame[len++] = (uint8_t)(pages[at + i] >> 8);
				frame[len++] = (uint8_t)pages[at + i];
			}
		} else {
			frame[len++] = (uint8_t)(k - 1);
			for (size_t i = 0; i < k; i++) {
				if (pages[at + i] > 0xFF) {
					describe_pages(what, sizeof(what), pages + at + i,
					               addrs ? addrs + at + i : NULL, 1);
					return stp_fail(d->ctx, STP_ERR_ARG, NULL,
					                "ERASE (0x43) names pages 0..255; %s "
					                "cannot be erased on %s",
					                what, d->port);
				}
				frame[len++] = (uint8_t)pages[at + i];
			}
		}
		frame[len] = an_xor(frame, len);
		e.n = len + 1;
		e.ms = (unsigned)k * d->t.unit_erase_ms + 1000;
		e.what = "the page list";
		describe_pages(what, sizeof(what), pages + at,
		               addrs ? addrs + at : NULL, k);
		if ((st = run_erase(d, &e, what)))
			return st;
		at += k;
	}
	return STP_OK;
}

stp_status an_erase_mass(an_dev *d)
{
	static const uint8_t ext[3] = {0xFF, 0xFF, 0x00}, old[2] = {0xFF, 0x00};
	erase_frame e = {.cmd = erase_cmd(d), .ms = d->t.mass_erase_ms,
	                 .what = "the mass-erase code"};

	e.bytes = e.cmd == AN_CMD_EXT_ERASE ? ext : old;
	e.n = e.cmd == AN_CMD_EXT_ERASE ? 3 : 2;
	return run_erase(d, &e, "mass erase");
}

stp_status an_erase_bank(an_dev *d, unsigned bank)
{
	static const uint8_t codes[2][3] = {{0xFF, 0xFE, 0x01}, {0xFF, 0xFD, 0x02}};
	erase_frame e = {.cmd = AN_CMD_EXT_ERASE, .n = 3,
	                 .ms = d->t.mass_erase_ms, .what = "the bank-erase code"};

	if (bank > 1)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "EXTENDED ERASE erases bank 1 or 2, not bank %u",
		                bank + 1);
	if (d->have_cmds && !an_has(d, AN_CMD_EXT_ERASE))
		return stp_fail(d->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the bootloader on %s has no EXTENDED ERASE, so no "
		                "bank erase",
		                d->port);
	e.bytes = codes[bank];
	return run_erase(d, &e, bank ? "bank 2" : "bank 1");
}

/* ---- checksum and go ------------------------------------------------- */

typedef struct crc_job {
	uint32_t addr, len, crc;
} crc_job;

static an_res crc_once(an_dev *d, void *arg)
{
	crc_job *c = arg;
	uint8_t b[5];
	an_res r;

	if ((r = an_command(d, AN_CMD_GET_CHECKSUM)) ||
	    (r = an_address(d, c->addr)))
		return r;
	d->stage = AN_AT_DATA;
	if ((r = an_send_word(d, c->len, d->t.ack_ms, "the length")))
		return r;
	/* The ROM ACKs again once it has computed the CRC: scale the wait
	 * with the length (the CRC unit does a word in a few cycles, but the
	 * flash reads and a slow clock add up). */
	if ((r = an_ack(d, d->t.ack_ms + c->len / 1024, "the CRC computation")) ||
	    (r = an_recv(d, b, 5, d->t.ack_ms, "the CRC")))
		return r;
	if (an_xor(b, 4) != b[4])
		return an_why(d, RES_JUNK, "the CRC's check byte 0x%02X does not match "
		                      "its bytes (0x%02X)",
		           b[4], an_xor(b, 4));
	c->crc = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	         b[3];
	return RES_OK;
}

stp_status an_crc(an_dev *d, uint32_t addr, uint32_t len, uint32_t *crc)
{
	crc_job c = {.addr = addr, .len = len};
	stp_status st;
	unsigned n;
	an_res r;

	if ((st = an_usable(d, AN_CMD_GET_CHECKSUM)))
		return st;
	if (addr % 4 || len % 4 || !len)
		return stp_fail(d->ctx, STP_ERR_ARG, NULL,
		                "GET CHECKSUM of %u bytes at 0x%08X: address and "
		                "length must be multiples of 4",
		                len, addr);
	if ((r = an_tries(d, crc_once, &c, &n)))
		return fail_block(d, r, AN_CMD_GET_CHECKSUM, addr, len, n,
		                  r == RES_NACK ? "the range is outside the memory the "
		                                "bootloader can checksum, or readout "
		                                "protection is active"
		                              : NULL);
	*crc = c.crc;
	return STP_OK;
}

stp_status an_go(an_dev *d, uint32_t addr)
{
	stp_status st;
	an_res r;

	if ((st = an_usable(d, AN_CMD_GO)))
		return st;
	/* One try: after the address ACK the ROM has jumped, and bytes of a
	 * retry would reach the application. */
	if ((r = an_command(d, AN_CMD_GO)) || (r = an_address(d, addr)))
		return stp_fail(d->ctx, an_status(r),
		                r == RES_NACK && d->stage == AN_AT_ADDR
		                        ? "the address must hold a vector table "
		                          "(initial SP, then reset handler) in "
		                          "flash or RAM"
		                        : an_default_hint(d, r),
		                "GO (0x21) to 0x%08X on %s failed: %s", addr, d->port,
		                d->why);
	d->gone = true;
	return STP_OK;
}

bool an_back_after_go(an_dev *d)
{
	static const uint8_t sync = AN_SYNC;
	uint8_t b;

	L->sleep_ms(L->user, d->t.settle_ms);
	L->flush(L->user);
	if (an_xmit(d, &sync, 1) || L->read(L->user, &b, 1, d->t.sync_ms) != 1 ||
	    b != AN_ACK)
		return false;
	d->gone = false;
	return true;
}

stp_status an_write_option_bytes(an_dev *d, uint32_t addr, const uint8_t *buf,
                                 uint32_t len)
{
	xfer x = {.addr = addr, .data = buf, .len = len};
	stp_status st;
	an_res r;

	if ((st = an_usable(d, AN_CMD_WRITE)) || (st = check_write(d, addr, len)))
		return st;
	r = write_frame(d, &x);
	if (r == RES_NACK || r == RES_IO)
		return fail_block(d, r, AN_CMD_WRITE, addr, len, 1,
		                  r == RES_NACK ? "the bootloader refused the option "
		                                "bytes: check their address and "
		                                "values"
		                              : NULL);
	if (r) {
		char was[sizeof(d->why)];

		memcpy(was, d->why, sizeof(was));
		an_resync_after_reset(d, d->t.reset_ms, "the option-byte write");
		return stp_fail(d->ctx, an_status(r),
		                "read the option bytes back to see what the device "
		                "holds",
		                "option-byte write of %u bytes at 0x%08X on %s: %s",
		                len, addr, d->port, was);
	}
	return an_resync_after_reset(d, d->t.reset_ms, "the option-byte write");
}

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

/* READ refused at its command byte, twice, each time right after a
 * re-synchronisation that GET confirmed: the ROM is in step and
 * answering, and refuses READ MEMORY itself, which AN3155's ROMs do
 * exactly under readout protection.  Anything less (a NACK that may be
 * for a byte we are off by, a damaged command byte) is not enough to
 * suggest -rdu, which erases the flash. */
bool an_rdp_established(an_dev *d)
{
	static const uint8_t rd[2] = {AN_CMD_READ, AN_CMD_READ ^ 0xFF};
	/* An address whose check byte is wrong: the ROM NACKs it and waits
	 * for a command again, having read nothing. */
	static const uint8_t bad_addr[5] = {0x08, 0x00, 0x00, 0x00, 0x00};

	for (int i = 0; i < 2; i++) {
		uint8_t b;

		if (an_resync(d)) {
			stp_clear_error(d->ctx);
			return false;
		}
		if (L->write(L->user, rd, 2) < 0 ||
		    L->read(L->user, &b, 1, d->t.ack_ms) != 1) {
			d->dirty = true;
			return false;
		}
		if (b == AN_ACK) {
			if (L->write(L->user, bad_addr, 5) < 0 ||
			    L->read(L->user, &b, 1, d->t.ack_ms) != 1 || b != AN_NACK)
				d->dirty = true;
			return false;
		}
		if (b != AN_NACK) {
			d->dirty = true;
			return false;
		}
	}
	stp_log(d->ctx, STP_LOG_DEBUG,
	        "%s: GET answers and READ MEMORY is refused: readout protection",
	        d->port);
	return true;
}

static const char hint_not_rdp[] =
	"the bootloader answers GET and accepts READ MEMORY, so this is not "
	"readout protection: check the wiring and the adapter, or try a lower "
	"baud rate (br=57600)";
static const char hint_unsure[] =
	"the bootloader did not answer clearly enough to tell why: check the "
	"wiring and the adapter, or try a lower baud rate (br=57600); if it "
	"persists, `-u` of a few bytes tells whether reads are refused";

/* A NACK at the command byte of cmd after every try: readout protection
 * only when an_rdp_established says so; *hint set either way. */
static stp_status refused_at_command(an_dev *d, const char **hint)
{
	uint8_t last[sizeof(d->last_tx)];
	size_t nlast = d->last_ntx;
	char why[sizeof(d->why)];
	uint8_t cmd = d->cmd;
	stp_status st;

	memcpy(why, d->why, sizeof(why));
	memcpy(last, d->last_tx, nlast);
	if (an_rdp_established(d)) {
		*hint = an_hint_rdp;
		st = STP_ERR_PROTECTED;
	} else {
		*hint = d->dirty ? hint_unsure : hint_not_rdp;
		st = STP_ERR_NACK;
	}
	memcpy(d->why, why, sizeof(why));
	memcpy(d->last_tx, last, nlast);
	d->last_ntx = nlast;
	d->cmd = cmd;
	d->stage = AN_AT_CMD;
	return st;
}

static stp_status fail_block(an_dev *d, an_res r, uint8_t cmd, uint32_t addr,
                             uint32_t len, unsigned ntries, const char *hint)
{
	stp_status st = an_status(r);

	if (r == RES_NACK && d->stage == AN_AT_CMD &&
	    (cmd == AN_CMD_READ || cmd == AN_CMD_WRITE))
		/* The ROM refuses READ and WRITE outright under RDP level 1,
		 * but a link one byte off gets NACKs there too. */
		st = refused_at_command(d, &hint);
	return stp_fail(d->ctx, st, hint ? hint : an_default_hint(d, r),
	                "%s of %u bytes at 0x%08X on %s failed (%u %s): %s",
	                an_cmd_name(cmd), len, addr, d->port, ntries,
	                ntries == 1 ? "try" : "tries", d->why);
}

/* Whether a block that failed every try goes again as two halves: on a
 * noisy line a 258-byte frame is hit far more often than a short one (at
 * 2e-3 errors a byte, four frames in ten), and a half has tries of its
 * own.  Not for a refusal of the command or the address (protection, a
 * bad address: the same for any length), nor once the link is lost. */
static bool worth_splitting(const an_dev *d, an_res r, uint32_t len)
{
	return len >= 128 && r != RES_IO && !d->dirty &&
	       (r != RES_NACK || d->stage == AN_AT_DATA);
}

/* On a line that keeps damaging frames (an3155.c counts it in
 * d->noise), blocks go as frames of AN_NOISY_BLOCK bytes: fewer of them
 * need another try, and a WRITE block's XOR check byte misses two flips
 * of the same bit, which happen per frame in proportion to its length
 * squared, so four times fewer per byte at a quarter of the length. */
static bool noisy(const an_dev *d, uint32_t len)
{
	return len > AN_NOISY_BLOCK && d->noise > AN_NOISE_LIMIT;
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
	if (noisy(d, len)) {
		for (uint32_t at = 0; at < len; at += AN_NOISY_BLOCK)
			if ((st = an_read(d, addr + at, buf + at,
			                  len - at < AN_NOISY_BLOCK ? len - at
			                                            : AN_NOISY_BLOCK)))
				return st;
		return STP_OK;
	}
	if ((r = an_tries(d, read_once, &x, &n)) && worth_splitting(d, r, len)) {
		uint32_t half = len / 2;

		stp_log(d->ctx, STP_LOG_INFO,
		        "%s: %s; reading the %u bytes at 0x%08X as two blocks",
		        d->port, d->why, len, addr);
		if ((st = an_read(d, addr, buf, half)))
			return st;
		return an_read(d, addr + half, buf + half, len - half);
	}
	if (r)
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
	if (noisy(d, len)) {
		for (uint32_t at = 0; at < len; at += AN_NOISY_BLOCK)
			if ((st = an_write(d, addr + at, buf + at,
			                   len - at < AN_NOISY_BLOCK ? len - at
			                                             : AN_NOISY_BLOCK)))
				return st;
		return STP_OK;
	}
	if ((r = an_tries(d, write_once, &x, &n)) && worth_splitting(d, r, len)) {
		/* A ROM that refuses the data (protection) costs two more
		 * rounds of quick NACKs. */
		uint32_t half = len / 2 / 4 * 4;

		stp_log(d->ctx, STP_LOG_INFO,
		        "%s: %s; writing the %u bytes at 0x%08X as two blocks",
		        d->port, d->why, len, addr);
		if ((st = an_write(d, addr, buf, half)))
			return st;
		return an_write(d, addr + half, buf + half, len - half);
	}
	if (r)
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
	const char *hint = an_hint_lost;
	stp_status st;
	unsigned n;
	an_res r;

	if ((st = an_usable(d, e->cmd)))
		return st;
	if (!(r = an_tries(d, erase_once, e, &n)))
		return STP_OK;
	st = an_status(r);
	if (r == RES_NACK && d->stage == AN_AT_CMD)
		st = refused_at_command(d, &hint);
	else if (r == RES_NACK)
		hint = "the pages may be write-protected (--write-unprotect)";
	return stp_fail(d->ctx, st, hint, "%s (%s) on %s failed (%u %s): %s",
	                an_cmd_name(e->cmd), what, d->port, n,
	                n == 1 ? "try" : "tries", d->why);
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
		e.ms = d->t.cap_ms ? d->t.cap_ms
		                   : (unsigned)k * d->t.unit_erase_ms + 1000;
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
	if ((r = an_command(d, AN_CMD_GO)) || (r = an_address(d, addr))) {
		/* A lost ACK leaves the ROM inside the frame, or gone. */
		if (r != RES_NACK)
			d->dirty = true;
		return stp_fail(d->ctx, an_status(r),
		                r == RES_NACK && d->stage == AN_AT_ADDR
		                        ? "the address must hold a vector table "
		                          "(initial SP, then reset handler) in "
		                          "flash or RAM"
		                        : an_default_hint(d, r),
		                "GO (0x21) to 0x%08X on %s failed: %s", addr, d->port,
		                d->why);
	}
	d->gone = true;
	return STP_OK;
}

/* Two 0x7F at most: a ROM that restarted (the empty check, a reset)
 * measures the first and ACKs it; a ROM still in its command loop takes
 * the first as a command byte and NACKs the second; an application hears
 * two bytes it may ignore. */
an_after_go an_check_after_go(an_dev *d)
{
	static const uint8_t sync = AN_SYNC;

	L->sleep_ms(L->user, d->t.settle_ms);
	L->flush(L->user);
	for (int i = 0; i < 2; i++) {
		uint64_t end;

		if (an_xmit(d, &sync, 1))
			return AN_GO_LEFT;
		end = L->now_ms(L->user) + d->t.sync_ms;
		for (;;) {
			uint64_t now = L->now_ms(L->user);
			uint8_t b;

			if (now >= end || L->read(L->user, &b, 1,
			                          (unsigned)(end - now)) != 1)
				break;
			if (b == AN_ACK || b == AN_NACK) {
				d->gone = false;
				return b == AN_ACK ? AN_GO_RESTARTED : AN_GO_STAYED;
			}
		}
	}
	return AN_GO_LEFT;
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

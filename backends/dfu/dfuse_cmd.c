/* DfuSe commands and data transfers (see dfuse_cmd.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dfuse_cmd.h"

void dfuse_init(dfuse *s, dfu_dev *d)
{
	memset(s, 0, sizeof(*s));
	s->d = d;
	dfuse_timing_for(&s->t, NULL, d->xfer, 0);
}

void dfuse_timing_for(dfuse_timing *t, const stp_chip *c, uint16_t xfer,
                      uint32_t largest_unit)
{
	/* Every field, the -tm cap too (0: none; the backend sets it after):
	 * a caller's stack struct holds nothing of its own. */
	memset(t, 0, sizeof(*t));
	t->command_ms = 2000;
	t->block_ms = 5000;
	t->unit_erase_ms = 10000;
	t->largest_unit = largest_unit;
	/* dfu-util allows 35 s for a mass erase; F4 parts with 2 MiB need
	 * about 16 s typically. */
	t->mass_erase_ms = 35000;
	if (!c)
		return;
	if (c->program_us && c->program_unit && xfer)
		t->block_ms = 3u * (xfer / c->program_unit) * c->program_us / 1000u +
		              1000u;
	if (c->page_erase_ms)
		t->unit_erase_ms = 3u * c->page_erase_ms + 1000u;
	if (c->mass_erase_ms) {
		t->mass_erase_ms = 3u * c->mass_erase_ms + 1000u;
		if (t->mass_erase_ms < 5000)
			t->mass_erase_ms = 5000;
	}
}

void dfuse_forget(dfuse *s)
{
	s->run = DFUSE_RUN_NONE;
}

/* ---- state preconditions --------------------------------------------- */

/* DNLOAD is accepted in dfuIDLE and dfuDNLOAD-IDLE only. */
static stp_status ready_for_dnload(dfuse *s)
{
	uint8_t st = s->d->state;

	if (st == DFU_IDLE || st == DFU_DNLOAD_IDLE)
		return STP_OK;
	if (st == DFU_UPLOAD_IDLE)
		return dfu_abort(s->d);
	return dfu_recover(s->d);
}

/* UPLOAD is accepted in dfuIDLE and dfuUPLOAD-IDLE only. */
static stp_status ready_for_upload(dfuse *s)
{
	uint8_t st = s->d->state;

	if (st == DFU_IDLE || st == DFU_UPLOAD_IDLE)
		return STP_OK;
	if (st == DFU_DNLOAD_IDLE)
		return dfu_abort(s->d);
	return dfu_recover(s->d);
}

/* ---- commands --------------------------------------------------------- */

static stp_status command(dfuse *s, uint8_t cmd, const uint32_t *addr,
                          const char *what, unsigned deadline_ms,
                          bool gone_ok)
{
	uint8_t b[5] = {cmd};
	uint16_t n = 1;
	uint32_t at = addr ? *addr : DFU_NO_ADDR;
	stp_status st;

	if (addr) {
		b[1] = (uint8_t)at;
		b[2] = (uint8_t)(at >> 8);
		b[3] = (uint8_t)(at >> 16);
		b[4] = (uint8_t)(at >> 24);
		n = 5;
	}
	if ((st = ready_for_dnload(s)) ||
	    (st = dfu_dnload(s->d, 0, b, n, what, at)))
		return st;
	return dfu_wait(s->d, what, at, deadline_ms, DFU_DNLOAD_IDLE, gone_ok);
}


/* Failures worth sending the same block or erase again: the flash or the
 * bus had a bad moment.  Protection, bad addresses and refused requests
 * fail the same way every time. */
static bool retryable(const dfuse *s, stp_status st)
{
	const dfu_dev *d = s->d;

	if (d->gone)
		return false;
	if (st == STP_ERR_IO)
		return true;
	switch (d->last.status) {
	case DFU_ERR_VENDOR:
	case DFU_ERR_TARGET:
	case DFU_ERR_ADDRESS:
	case DFU_ERR_FILE:
	case DFU_ERR_WRITE:  /* write protection */
	case DFU_ERR_ERASE:
		return false;
	default:
		break;
	}
	/* A request stalled on the wire that the device does not explain
	 * otherwise: one it really does not take stalls every time and runs
	 * out of tries; one stall among many accepted requests is the bus or
	 * the firmware having a bad moment. */
	if (d->io_rc == DFU_IO_STALL)
		return true;
	if (d->last.state != DFU_ERROR && d->last.status == DFU_OK)
		return false;
	return d->last.status != DFU_ERR_STALLEDPKT;
}

/* After a failed try: log it, bring the device back to dfuIDLE. */
static stp_status before_retry(dfuse *s, unsigned attempt, const char *what,
                               uint32_t addr)
{
	stp_log(s->d->ctx, STP_LOG_INFO, "%s: %s at 0x%08X, try %u of %u: %s",
	        s->d->where, what, addr, attempt + 1, DFUSE_TRIES,
	        stp_last_detail(s->d->ctx));
	s->retries++;
	s->run = DFUSE_RUN_NONE;
	return dfu_recover(s->d);
}

stp_status dfuse_set_address(dfuse *s, uint32_t addr)
{
	stp_status st = STP_OK;

	/* Setting the pointer twice does no harm: worth another try. */
	for (unsigned i = 0; i < DFUSE_TRIES; i++) {
		if (i && (st = before_retry(s, i, "set address", addr)))
			break;
		st = command(s, DFUSE_CMD_SET_ADDRESS, &addr, "set address",
		             s->t.command_ms, false);
		if (!st || !retryable(s, st))
			break;
	}

	s->run = DFUSE_RUN_NONE;
	if (!st)
		s->set_addresses++;
	return st;
}

stp_status dfuse_erase_unit(dfuse *s, uint32_t addr, uint32_t unit_size)
{
	unsigned ms = s->t.unit_erase_ms;
	stp_status st = STP_OK;

	/* The chip's figure is for its largest unit (a 128 KiB F4 sector);
	 * a 16 KiB sector gets its share, the 1 s margin stays whole. */
	if (s->t.cap_ms)
		ms = s->t.cap_ms;
	else if (s->t.largest_unit && unit_size && unit_size < s->t.largest_unit)
		ms = (unsigned)((uint64_t)(ms - 1000u) * unit_size /
		                s->t.largest_unit) + 1000u;
	for (unsigned i = 0; i < DFUSE_TRIES; i++) {
		if (i && (st = before_retry(s, i, "erase", addr)))
			return st;
		st = command(s, DFUSE_CMD_ERASE, &addr, "erase", ms, false);
		/* The pointer moves to the erased unit on some ROMs. */
		s->run = DFUSE_RUN_NONE;
		/* L4 ROMs stall a page erase now and then; it works when
		 * sent again. */
		if (!st || !(retryable(s, st) || s->d->io_rc == DFU_IO_STALL))
			return st;
	}
	return st;
}

stp_status dfuse_mass_erase(dfuse *s)
{
	stp_status st = command(s, DFUSE_CMD_ERASE, NULL, "mass erase",
	                        s->t.mass_erase_ms, false);

	s->run = DFUSE_RUN_NONE;
	return st;
}

stp_status dfuse_read_unprotect(dfuse *s)
{
	s->run = DFUSE_RUN_NONE;
	return command(s, DFUSE_CMD_READ_UNPROTECT, NULL, "read unprotect",
	               s->t.mass_erase_ms, true);
}

stp_status dfuse_get_commands(dfuse *s, uint8_t *cmds, size_t max, size_t *n)
{
	uint8_t b[32];
	uint16_t got = 0;
	stp_status st;

	if ((st = ready_for_upload(s)) ||
	    (st = dfu_upload(s->d, 0, b, sizeof(b), &got, "get commands",
	                     DFU_NO_ADDR)))
		return st;
	if (!got || b[0] != DFUSE_CMD_GET)
		return stp_fail(s->d->ctx, STP_ERR_PROTOCOL,
		                "this DFU device does not speak ST's DfuSe",
		                "%s: get commands answered %u bytes%s", s->d->where,
		                got, got ? " not starting with 0x00" : "");
	*n = 0;
	for (uint16_t i = 1; i < got && *n < max; i++)
		cmds[(*n)++] = b[i];
	return STP_OK;
}

/* ---- data ------------------------------------------------------------- */

/* The block number for a transfer of n bytes at addr, setting the
 * pointer first when the run does not continue there. */
static stp_status block_for(dfuse *s, dfuse_run dir, uint32_t addr, uint32_t n,
                            uint16_t *block)
{
	bool full = n == s->d->xfer;
	stp_status st;

	if (full && s->run == dir && s->next_addr == addr &&
	    s->next_block != 0xFFFF) {
		*block = s->next_block;
		return STP_OK;
	}
	if (dir == DFUSE_RUN_UP && s->d->state == DFU_UPLOAD_IDLE &&
	    (st = dfu_abort(s->d)))
		return st;
	if ((st = dfuse_set_address(s, addr)))
		return st;
	*block = 2;
	return STP_OK;
}

static void after_block(dfuse *s, dfuse_run dir, uint32_t addr, uint32_t n,
                        uint16_t block)
{
	if (n == s->d->xfer) {
		s->run = dir;
		s->next_addr = addr + n;
		s->next_block = (uint16_t)(block + 1);
	} else {
		s->run = DFUSE_RUN_NONE;
	}
}

static stp_status write_block(dfuse *s, uint32_t addr, const uint8_t *data,
                              uint16_t n)
{
	stp_status st = STP_OK;

	for (unsigned i = 0; i < DFUSE_TRIES; i++) {
		uint16_t block;
		if (i && (st = before_retry(s, i, "write", addr)))
			return st;
		if ((st = ready_for_dnload(s)) ||
		    (st = block_for(s, DFUSE_RUN_DOWN, addr, n, &block)))
			return st;
		st = dfu_dnload(s->d, block, data, n, "write", addr);
		if (!st)
			st = dfu_wait(s->d, "write", addr, s->t.block_ms,
			              DFU_DNLOAD_IDLE, false);
		if (!st) {
			after_block(s, DFUSE_RUN_DOWN, addr, n, block);
			return STP_OK;
		}
		s->run = DFUSE_RUN_NONE;
		if (!retryable(s, st))
			return st;
	}
	return st;
}

stp_status dfuse_download(dfuse *s, uint32_t addr, const uint8_t *data,
                          uint32_t len)
{
	while (len) {
		uint16_t n = len > s->d->xfer ? s->d->xfer : (uint16_t)len;
		stp_status st = write_block(s, addr, data, n);
		if (st)
			return st;
		addr += n;
		data += n;
		len -= n;
	}
	return STP_OK;
}

static stp_status read_block_once(dfuse *s, uint32_t addr, uint8_t *buf,
                                  uint16_t n)
{
	uint16_t block, got = 0;
	stp_status st;

	if ((st = ready_for_upload(s)) ||
	    (st = block_for(s, DFUSE_RUN_UP, addr, n, &block)))
		return st;
	/* After a set address the device is in dfuDNLOAD-IDLE: back to
	 * dfuIDLE, where UPLOAD is accepted. */
	if (s->d->state == DFU_DNLOAD_IDLE && (st = dfu_abort(s->d)))
		return st;
	if ((st = dfu_upload(s->d, block, buf, n, &got, "read", addr))) {
		s->run = DFUSE_RUN_NONE;
		return st;
	}
	if (got != n) {
		s->run = DFUSE_RUN_NONE;
		return stp_fail(s->d->ctx, STP_ERR_PROTOCOL,
		                "the address range may end inside the memory: read "
		                "less",
		                "%s: read at 0x%08X: the device sent %u of %u bytes",
		                s->d->where, addr, got, n);
	}
	after_block(s, DFUSE_RUN_UP, addr, n, block);
	return STP_OK;
}

/* Reads change nothing on the device, so a failed one is simply sent
 * again (after the state machine is brought back to dfuIDLE). */
static stp_status read_block(dfuse *s, uint32_t addr, uint8_t *buf, uint16_t n)
{
	stp_status st = STP_OK;

	for (unsigned i = 0; i < DFUSE_TRIES; i++) {
		if (i && (st = before_retry(s, i, "read", addr)))
			return st;
		st = read_block_once(s, addr, buf, n);
		if (!st || !retryable(s, st))
			return st;
	}
	return st;
}

/* Full blocks from addr on, queued a few deep (dfu_dev.upload_many):
 * one pointer set, then the blocks as one run.  Whatever does not come
 * back whole is left to read_block, with its retries and recovery; *n
 * gets the bytes read here. */
static stp_status upload_queued(dfuse *s, uint32_t addr, uint8_t *buf,
                                uint32_t len, uint32_t *n)
{
	uint16_t xfer = s->d->xfer, block;
	unsigned count = len / xfer, done = 0;
	int rc;

	*n = 0;
	if (!s->d->upload_many || !count)
		return STP_OK;
	if (s->run != DFUSE_RUN_UP || s->next_addr != addr ||
	    s->next_block == 0xFFFF || s->d->state != DFU_UPLOAD_IDLE) {
		/* Not the continuation of a run: the first block as usual,
		 * which sets the pointer and brings the device to
		 * dfuUPLOAD-IDLE. */
		stp_status st;
		if (count < 2)
			return STP_OK;
		/* Its retries are used up: no second round of them. */
		if ((st = read_block(s, addr, buf, xfer)))
			return st;
		*n = xfer;
		count--;
	}
	block = s->next_block;
	if (count > (unsigned)(0xFFFF - block))
		count = 0xFFFF - block;
	rc = s->d->upload_many(s->d->io->user, s->d->intf, block, count,
	                       buf + *n, xfer, DFU_CONTROL_TIMEOUT_MS, &done);
	if (done)
		after_block(s, DFUSE_RUN_UP, addr + *n + (done - 1) * xfer, xfer,
		            (uint16_t)(block + done - 1));
	*n += done * xfer;
	if (rc) {
		/* The device may be in dfuERROR or mid-transfer: read_block
		 * starts over from a known state. */
		s->run = DFUSE_RUN_NONE;
		s->d->state = DFU_STATE_UNKNOWN;
		s->d->io_rc = rc;
	}
	return STP_OK;
}

stp_status dfuse_upload(dfuse *s, uint32_t addr, uint8_t *buf, uint32_t len)
{
	uint32_t queued;
	stp_status st = upload_queued(s, addr, buf, len, &queued);

	if (st)
		return st;
	addr += queued;
	buf += queued;
	len -= queued;
	while (len) {
		uint16_t n = len > s->d->xfer ? s->d->xfer : (uint16_t)len;
		if ((st = read_block(s, addr, buf, n)))
			return st;
		addr += n;
		buf += n;
		len -= n;
	}
	return STP_OK;
}

stp_status dfuse_download_resetting(dfuse *s, uint32_t addr,
                                    const uint8_t *data, uint16_t len,
                                    const char *what, bool *vanished)
{
	stp_status st;

	*vanished = false;
	if ((st = ready_for_dnload(s)) || (st = dfuse_set_address(s, addr)) ||
	    (st = dfu_dnload(s->d, 2, data, len, what, addr)))
		return st;
	s->run = DFUSE_RUN_NONE;
	st = dfu_wait(s->d, what, addr, s->t.block_ms, DFU_DNLOAD_IDLE, true);
	*vanished = !st && s->d->reset_seen;
	return st;
}

stp_status dfuse_leave(dfuse *s, uint32_t addr)
{
	stp_status st;

	if ((st = ready_for_dnload(s)) || (st = dfuse_set_address(s, addr)) ||
	    (st = dfu_dnload(s->d, 2, NULL, 0, "leave", addr)))
		return st;
	s->run = DFUSE_RUN_NONE;
	return dfu_wait(s->d, "leave", addr, s->t.command_ms, DFU_MANIFEST, true);
}

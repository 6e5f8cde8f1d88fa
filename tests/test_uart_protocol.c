/* The USART backend's protocol layer (backends/uart/an3155.c) against a
 * scripted link: every test lists the exact bytes the host must send and
 * what the device answers, so the framing on the wire is pinned down.
 * Time is virtual: a read with nothing scripted to arrive times out at
 * once and moves the clock on by its timeout. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an3155.h"
#include "test_script_link.h"

/* ---- the scripted link (tests/test_script_link.c) ------------------- */

static script_link *F;
static an_dev dev;
static stp_ctx *ctx;

static void bytes(char who, size_t n, ...)
{
	uint8_t b[SL_MAX_BYTES];
	va_list ap;

	cr_assert_leq(n, SL_MAX_BYTES);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)va_arg(ap, int);
	va_end(ap);
	sl_bytes(F, who, b, n);
}

#define NARGS(...) (sizeof((int[]){__VA_ARGS__}) / sizeof(int))
#define H(...) bytes('H', NARGS(__VA_ARGS__), __VA_ARGS__)
#define D(...) bytes('D', NARGS(__VA_ARGS__), __VA_ARGS__)

static void buf_step(char who, const uint8_t *b, size_t n)
{
	sl_bytes(F, who, b, n);
}

static void setup(void)
{
	F = sl_new();
	ctx = stp_ctx_new();
	an_init(&dev, ctx, &F->link, "/dev/fake");
}

static void teardown(void)
{
	stp_ctx_free(ctx);
	sl_free(F);
}

/* The whole script was played and nothing differed. */
static void played(void)
{
	cr_assert_str_empty(F->err, "%s", F->err);
	cr_assert_eq(F->at, F->nsteps, "script stopped at step %zu of %zu",
	             F->at, F->nsteps);
}

static void ok(stp_status st)
{
	cr_assert_eq(st, STP_OK, "%s: %s (wire: %s)", stp_status_name(st),
	             stp_last_detail(ctx), F->err);
}

/* A GET answer listing cmds (n of them), version 3.1. */
static void get_answer(const uint8_t *cmds, size_t n)
{
	uint8_t b[64];
	size_t k = 0;

	b[k++] = AN_ACK;
	b[k++] = (uint8_t)n;
	b[k++] = 0x31;
	memcpy(b + k, cmds, n);
	k += n;
	b[k++] = AN_ACK;
	buf_step('D', b, k);
}

static const uint8_t cmds_ext[] = {0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44,
                                   0x63, 0x73, 0x82, 0x92, 0xA1};
static const uint8_t cmds_old[] = {0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x43,
                                   0x63, 0x73, 0x82, 0x92};

/* GET, so the device's command list is known. */
static void known(const uint8_t *cmds, size_t n)
{
	H(0x00, 0xFF);
	get_answer(cmds, n);
	ok(an_get(&dev));
}

/* The ROM waits for a command: two fillers, the second NACKed (0xFF,
 * or 0xFE after WRITE, an_filler). */
static void probes_nacked_with(uint8_t fill)
{
	H(fill);
	H(fill);
	D(0x1F);
}

static void probes_nacked(void)
{
	probes_nacked_with(0xFF);
}

/* A re-synchronisation's proof: GET answered exactly (an_resync). */
static void verified(const uint8_t *cmds, size_t n)
{
	H(0x00, 0xFF);
	get_answer(cmds, n);
}

/* A whole re-synchronisation of a ROM waiting for a command. */
static void resync_ok(void)
{
	probes_nacked();
	verified(cmds_ext, sizeof(cmds_ext));
}

TestSuite(protocol, .init = setup, .fini = teardown);

/* ---- sync -------------------------------------------------------------- */

Test(protocol, sync_skips_a_stray_zero_before_the_ack)
{
	H(0x7F);
	D(0x00, 0x79);
	ok(an_sync(&dev));
	played();
}

Test(protocol, sync_nack_means_already_synced)
{
	/* The ROM takes the first 0x7F as a command byte (no answer) and
	 * NACKs the second: it was synced before. */
	H(0x7F);
	H(0x7F);
	D(0x1F);
	ok(an_sync(&dev));
	played();
	cr_assert_eq(F->clock, 250);
}

Test(protocol, sync_without_answer_says_what_to_check)
{
	static const size_t pieces[] = {6, 18, 40, 70, 126};
	uint8_t fill[126];

	for (int i = 0; i < 4; i++)
		H(0x7F);
	/* Silence may be a ROM left inside a WRITE block by a dead run:
	 * even filler (never a valid block) in pieces, still silence. */
	memset(fill, 0xFE, sizeof(fill));
	for (size_t i = 0; i < 5; i++)
		buf_step('H', fill, pieces[i]);
	cr_assert_eq(an_sync(&dev), STP_ERR_TIMEOUT);
	played();
	cr_assert(strstr(stp_last_detail(ctx), "no answer to 0x7F on /dev/fake"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "BOOT0"));
	cr_assert(strstr(stp_last_hint(ctx), "TX and RX"));
	cr_assert(strstr(stp_last_hint(ctx), "8E1"));
	cr_assert(strstr(stp_last_hint(ctx), "1200..115200"));
	cr_assert(strstr(stp_last_hint(ctx), "voltage"));
}

Test(protocol, sync_with_only_junk_suspects_the_line_settings)
{
	for (int i = 0; i < 4; i++) {
		H(0x7F);
		D(0xE0);
	}
	cr_assert_eq(an_sync(&dev), STP_ERR_PROTOCOL);
	played();
	cr_assert(strstr(stp_last_detail(ctx), "0xE0"), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "parity"));
}

Test(protocol, sync_flushes_stale_input_first)
{
	D(0x55, 0x55);          /* left over from before */
	H(0x7F);
	D(0x79);
	ok(an_sync(&dev));
	played();
	cr_assert_eq(F->flushed, 2);
}

/* ---- identification ---------------------------------------------------- */

Test(protocol, get_get_version_get_id)
{
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	H(0x01, 0xFE);
	D(0x79, 0x31, 0xAA, 0x55, 0x79);
	H(0x02, 0xFD);
	D(0x79, 0x01, 0x04, 0x13, 0x79);
	ok(an_identify(&dev));
	played();
	cr_assert_eq(dev.bl_version, 0x31);
	cr_assert_eq(dev.ncmds, sizeof(cmds_ext));
	cr_assert_arr_eq(dev.cmds, cmds_ext, sizeof(cmds_ext));
	cr_assert(an_has(&dev, 0x44));
	cr_assert(!an_has(&dev, 0x43));
	cr_assert_eq(dev.version, 0x31);
	cr_assert_eq(dev.option[0], 0xAA);
	cr_assert_eq(dev.option[1], 0x55);
	cr_assert_eq(dev.pid, 0x413);
}

Test(protocol, identify_without_get_version_listed)
{
	static const uint8_t cmds[] = {0x00, 0x02, 0x11, 0x21, 0x31, 0x44};

	H(0x00, 0xFF);
	get_answer(cmds, sizeof(cmds));
	H(0x02, 0xFD);
	D(0x79, 0x01, 0x04, 0x69, 0x79);
	ok(an_identify(&dev));
	played();
	cr_assert_eq(dev.pid, 0x469);
}

Test(protocol, probe_for_noinit_is_a_get)
{
	H(0x00, 0xFF);
	get_answer(cmds_old, sizeof(cmds_old));
	ok(an_probe(&dev));
	played();
}

Test(protocol, probe_for_noinit_sends_nothing_else)
{
	H(0x00, 0xFF);          /* no answer: not synced after all */
	cr_assert_eq(an_probe(&dev), STP_ERR_TIMEOUT);
	played();
	cr_assert(strstr(stp_last_detail(ctx), "noinit=1"));
	cr_assert(strstr(stp_last_hint(ctx), "leave noinit out"));
}

/* ---- read and write ---------------------------------------------------- */

Test(protocol, read_256_bytes)
{
	uint8_t data[256], got[256];

	for (int i = 0; i < 256; i++)
		data[i] = (uint8_t)(i * 7);
	H(0x11, 0xEE);
	D(0x79);
	H(0x08, 0x00, 0x01, 0x00, 0x09);
	D(0x79);
	H(0xFF, 0x00);
	D(0x79);
	buf_step('D', data, 256);
	ok(an_read(&dev, 0x08000100, got, 256));
	played();
	cr_assert_arr_eq(got, data, 256);
}

Test(protocol, read_a_few_bytes_anywhere)
{
	uint8_t got[3];

	H(0x11, 0xEE);
	D(0x79);
	H(0x1F, 0xFF, 0x7A, 0x22, 0x1F ^ 0xFF ^ 0x7A ^ 0x22);
	D(0x79);
	H(0x02, 0xFD);
	D(0x79);
	D(0x00, 0x04, 0x01);
	ok(an_read(&dev, 0x1FFF7A22, got, 3));
	played();
	cr_assert_eq(got[1], 0x04);
}

Test(protocol, write_frames_length_data_and_checksum)
{
	static const uint8_t data[8] = {1, 2, 3, 4, 0x10, 0x20, 0x40, 0x80};
	uint8_t frame[10] = {0x07};
	uint8_t x = 0x07;

	memcpy(frame + 1, data, 8);
	for (int i = 0; i < 8; i++)
		x ^= data[i];
	frame[9] = x;
	H(0x31, 0xCE);
	D(0x79);
	H(0x20, 0x00, 0x10, 0x00, 0x30);
	D(0x79);
	buf_step('H', frame, 10);
	D(0x79);
	ok(an_write(&dev, 0x20001000, data, 8));
	played();
}

Test(protocol, unaligned_write_is_refused_before_any_byte)
{
	static const uint8_t data[6] = {0};

	cr_assert_eq(an_write(&dev, 0x08000002, data, 4), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "0x08000002"));
	cr_assert_eq(an_write(&dev, 0x08000000, data, 6), STP_ERR_ARG);
	played();
}

/* ---- retries ----------------------------------------------------------- */

static void read_ok(uint32_t addr, uint8_t value)
{
	uint8_t a[5] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16),
	                (uint8_t)(addr >> 8), (uint8_t)addr, 0};

	a[4] = a[0] ^ a[1] ^ a[2] ^ a[3];
	H(0x11, 0xEE);
	D(0x79);
	buf_step('H', a, 5);
	D(0x79);
	H(0x03, 0xFC);
	D(0x79);
	D(value, value, value, value);
}

Test(protocol, one_nack_then_success_is_one_retry)
{
	uint8_t got[4];

	H(0x11, 0xEE);
	D(0x1F);
	probes_nacked();        /* in step, not one byte off */
	read_ok(0x08000000, 0xAB);
	ok(an_read(&dev, 0x08000000, got, 4));
	played();
	cr_assert_eq(dev.retries, 1);
	cr_assert_eq(dev.resyncs, 0, "a NACK needs no full re-synchronisation");
	cr_assert_eq(got[3], 0xAB);
}

/* READ refused at its command byte every time, and again twice right
 * after a re-synchronisation that GET confirmed: that is readout
 * protection, and only then is -rdu (which erases) suggested. */
Test(protocol, every_try_nacked_on_read_names_the_address_and_rdp)
{
	uint8_t got[4];

	for (int i = 0; i < AN_TRIES; i++) {
		H(0x11, 0xEE);
		D(0x1F);
		probes_nacked();
	}
	for (int i = 0; i < 2; i++) {
		resync_ok();
		H(0x11, 0xEE);
		D(0x1F);
	}
	cr_assert_eq(an_read(&dev, 0x08004000, got, 4), STP_ERR_PROTECTED);
	played();
	cr_assert_eq(dev.retries, AN_TRIES - 1);
	cr_assert(strstr(stp_last_detail(ctx), "READ MEMORY (0x11)"));
	cr_assert(strstr(stp_last_detail(ctx), "0x08004000"), "%s",
	          stp_last_detail(ctx));
	char tries[16];
	snprintf(tries, sizeof(tries), "%d tries", AN_TRIES);
	cr_assert(strstr(stp_last_detail(ctx), tries));
	cr_assert(strstr(stp_last_hint(ctx), "-rdu"));
}

/* Issue 11 §5: NACKs at the command byte that a clean re-sync shows
 * were not the ROM's refusal (READ is accepted then) are never put down
 * to readout protection, and -rdu is not suggested. */
Test(protocol, nacks_that_are_not_protection_do_not_suggest_rdu)
{
	static const uint8_t data[4] = {1, 2, 3, 4};

	for (int i = 0; i < AN_TRIES; i++) {
		H(0x31, 0xCE);
		D(0x1F);
		probes_nacked_with(0xFE);
	}
	probes_nacked_with(0xFE);
	verified(cmds_ext, sizeof(cmds_ext));
	H(0x11, 0xEE);
	D(0x79);                /* READ accepted: not protected */
	H(0x08, 0x00, 0x00, 0x00, 0x00);
	D(0x1F);                /* the bad check byte ends it */
	cr_assert_eq(an_write(&dev, 0x08000000, data, 4), STP_ERR_NACK, "%s",
	             F->err);
	played();
	cr_assert(!strstr(stp_last_hint(ctx), "-rdu"), "%s", stp_last_hint(ctx));
	cr_assert(!strstr(stp_last_detail(ctx), "protection"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "not readout protection"), "%s",
	          stp_last_hint(ctx));
}

/* Issue 11 §5, the stalled reply: the WRITE's ACK comes a second late,
 * after the host has given up on it.  The late ACK must not be taken for
 * the answer of the re-synchronisation (that left the link one byte off
 * and every retry NACKed): only a GET that answers exactly confirms. */
Test(protocol, a_late_ack_is_not_taken_for_the_resync)
{
	static const uint8_t data[4] = {9, 9, 9, 9};

	H(0x31, 0xCE);
	/* no ACK within 300 ms: the ROM waits for the address (5 bytes) */
	H(0xFE);
	H(0xFE);
	H(0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE);  /* completes it, and a pair */
	D(0x79, 0x1F, 0x1F);    /* the late ACK of the command, two NACKs */
	H(0xFE);                /* the 6th filler byte was held: NACK now */
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 9, 9, 9, 9, 0x03);
	D(0x79);
	ok(an_write(&dev, 0x08000000, data, 4));
	played();
	cr_assert_eq(dev.retries, 1);
}

/* Issue 11 §5, the repair after a failed WRITE: when every try of a
 * block failed, the link is put back in step before the error goes up,
 * so the engine's EXTENDED ERASE that follows is not one byte off. */
Test(protocol, a_failed_block_leaves_the_link_in_step)
{
	static const uint8_t data[4] = {1, 2, 3, 4};
	static const uint16_t page[1] = {0};

	known(cmds_ext, sizeof(cmds_ext));
	for (int i = 0; i < AN_TRIES; i++) {
		H(0x31, 0xCE);
		/* no ACK: the ROM is inside the frame */
		H(0xFE);
		D(0x1F);
		verified(cmds_ext, sizeof(cmds_ext));
	}
	/* The sixth re-synchronisation above ran after the last try, before
	 * the error went up: the EXTENDED ERASE starts in step. */
	H(0x44, 0xBB);
	D(0x79);
	H(0x00, 0x00, 0x00, 0x00, 0x00);
	D(0x79);
	cr_assert_eq(an_write(&dev, 0x08000000, data, 4), STP_ERR_TIMEOUT);
	ok(an_erase_pages(&dev, page, NULL, 1));
	played();
}

/* Issue 11 §5: one damaged byte in GET's list (READ MEMORY's 0x11 seen
 * as 0x13) is not taken as "does not offer READ MEMORY": the list makes
 * no sense, so GET is asked again. */
Test(protocol, a_damaged_get_list_is_read_again)
{
	static const uint8_t bad[] = {0x00, 0x01, 0x02, 0x13, 0x21, 0x31, 0x44,
	                              0x63, 0x73, 0x82, 0x92, 0xA1};

	H(0x00, 0xFF);
	get_answer(bad, sizeof(bad));
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	ok(an_get(&dev));
	played();
	cr_assert(an_has(&dev, AN_CMD_READ));
	cr_assert(!an_has(&dev, 0x13));
}

Test(protocol, a_damaged_version_is_read_again)
{
	/* GET says 3.3 (one bit of 3.1 flipped), GET VERSION 3.1. */
	H(0x00, 0xFF);
	D(0x79, 12, 0x33, 0x00, 0x01, 0x02, 0x11, 0x21, 0x31, 0x44, 0x63, 0x73,
	  0x82, 0x92, 0xA1, 0x79);
	H(0x01, 0xFE);
	D(0x79, 0x31, 0x00, 0x00, 0x79);
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	H(0x01, 0xFE);
	D(0x79, 0x31, 0x00, 0x00, 0x79);
	H(0x02, 0xFD);
	D(0x79, 0x01, 0x04, 0x13, 0x79);
	ok(an_identify(&dev));
	played();
	cr_assert_eq(dev.bl_version, 0x31);
}

Test(protocol, an_odd_list_that_comes_twice_is_believed)
{
	static const uint8_t odd[] = {0x00, 0x02, 0x11};

	H(0x00, 0xFF);
	get_answer(odd, sizeof(odd));
	H(0x00, 0xFF);
	get_answer(odd, sizeof(odd));
	ok(an_get(&dev));
	played();
	cr_assert_eq(dev.ncmds, 3);
}

Test(protocol, every_try_nacked_on_write_address_says_outside_memory)
{
	static const uint8_t data[4] = {0};

	for (int i = 0; i < AN_TRIES; i++) {
		H(0x31, 0xCE);
		D(0x79);
		H(0x30, 0x00, 0x00, 0x00, 0x30);
		D(0x1F);
	}
	cr_assert_eq(an_write(&dev, 0x30000000, data, 4), STP_ERR_NACK);
	played();
	cr_assert(strstr(stp_last_detail(ctx), "WRITE MEMORY (0x31)"));
	cr_assert(strstr(stp_last_detail(ctx), "0x30000000"));
	cr_assert(strstr(stp_last_hint(ctx), "outside"));
}

Test(protocol, write_nack_after_data_is_never_a_success)
{
	static const uint8_t data[4] = {0xDE, 0xAD, 0xBE, 0xEF};

	for (int i = 0; i < AN_TRIES; i++) {
		H(0x31, 0xCE);
		D(0x79);
		H(0x08, 0x00, 0x00, 0x00, 0x08);
		D(0x79);
		H(0x03, 0xDE, 0xAD, 0xBE, 0xEF, 0x03 ^ 0xDE ^ 0xAD ^ 0xBE ^ 0xEF);
		D(0x1F);
	}
	cr_assert_eq(an_write(&dev, 0x08000000, data, 4), STP_ERR_NACK);
	played();
	cr_assert(strstr(stp_last_hint(ctx), "protection"));
}

Test(protocol, timeout_resynchronises_before_the_retry)
{
	static const uint8_t data[4] = {9, 9, 9, 9};

	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	/* no ACK: the device is somewhere inside the frame */
	H(0xFE);                /* even filler after WRITE: completes the
	                         * address with a bad check byte */
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 9, 9, 9, 9, 0x03);
	D(0x79);
	ok(an_write(&dev, 0x08000000, data, 4));
	played();
	cr_assert_eq(dev.retries, 1);
	cr_assert_eq(dev.resyncs, 1);
}

/* The WRITE went out, its ACK did not come back. */
static void write_without_ack(void)
{
	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 1, 2, 3, 4, 0x03 ^ 1 ^ 2 ^ 3 ^ 4);
	H(0xFE);                /* resync: the ROM waited for a command */
	H(0xFE);
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
}

Test(protocol, a_write_whose_ack_was_lost_is_read_back_not_rewritten)
{
	static const uint8_t data[4] = {1, 2, 3, 4};

	write_without_ack();
	H(0x11, 0xEE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 0xFC);
	D(0x79);
	D(1, 2, 3, 4);          /* programmed: done */
	ok(an_write(&dev, 0x08000000, data, 4));
	played();
	cr_assert_eq(dev.retries, 1);
}

Test(protocol, a_write_that_did_not_happen_is_sent_again)
{
	static const uint8_t data[4] = {1, 2, 3, 4};

	write_without_ack();
	H(0x11, 0xEE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 0xFC);
	D(0x79);
	D(0xFF, 0xFF, 0xFF, 0xFF);
	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 1, 2, 3, 4, 0x03 ^ 1 ^ 2 ^ 3 ^ 4);
	D(0x79);
	ok(an_write(&dev, 0x08000000, data, 4));
	played();
}

Test(protocol, the_filler_is_a_byte_the_lost_frame_does_not_hold)
{
	/* One byte of {0x03, 0xFF, 0xFF, 0x00, 0x00, xor} is lost: a 0xFF
	 * filler would complete the frame with a valid checksum, shifted. */
	static const uint8_t data[4] = {0xFF, 0xFF, 0x00, 0x00};

	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 0xFF, 0xFF, 0x00, 0x00, 0x03);
	H(0xFE);                /* completes the frame: bad checksum */
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
	H(0x11, 0xEE);          /* the ACK was lost? no: read back first */
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 0xFC);
	D(0x79);
	D(0xFF, 0xFF, 0xFF, 0xFF);
	H(0x31, 0xCE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x03, 0xFF, 0xFF, 0x00, 0x00, 0x03);
	D(0x79);
	ok(an_write(&dev, 0x08000000, data, 4));
	played();
}

Test(protocol, filler_choice)
{
	dev.last_ntx = 0;
	cr_assert_eq(an_filler(&dev), 0xFF);
	memcpy(dev.last_tx, (uint8_t[]){0x08, 0x00, 0x10, 0x00, 0x18}, 5);
	dev.last_ntx = 5;
	cr_assert_eq(an_filler(&dev), 0xFF);
	/* Every value once, 0xFE twice: the least used even value that
	 * completes no command that changes anything. */
	for (int i = 0; i < 256; i++)
		dev.last_tx[i] = (uint8_t)i;
	dev.last_tx[256] = 0xFE;
	dev.last_ntx = 257;
	uint8_t f = an_filler(&dev);
	cr_assert_eq(f % 2, 0);
	cr_assert_neq(f, 0);
	cr_assert_neq(f, 0xFE);
	cr_assert_neq(f, 0xBB, "0xBB would complete EXTENDED ERASE");
	cr_assert_neq(f, 0xBC, "0xBC would complete ERASE");
	cr_assert_neq(f, 0x7C);
}

static void fill_pieces(void)
{
	static const size_t pieces[] = {6, 18, 40, 70, 126};
	uint8_t b[126];

	memset(b, 0xFF, sizeof(b));
	for (size_t i = 0; i < 5; i++)
		buf_step('H', b, pieces[i]);
}

Test(protocol, resync_fills_a_half_sent_frame_then_falls_back_to_0x7f)
{
	/* Two probes get nothing, the filler pieces get nothing: the ROM
	 * restarted, so it gets a 0x7F, and GET confirms. */
	H(0xFF);
	H(0xFF);
	fill_pieces();
	H(0x7F);
	D(0x79);
	verified(cmds_ext, sizeof(cmds_ext));
	ok(an_resync(&dev));
	played();
	cr_assert_eq(dev.resets, 1);
}

Test(protocol, resync_after_a_burst)
{
	uint8_t b[24];

	memset(b, 0xFF, sizeof(b));
	H(0xFF);
	H(0xFF);
	buf_step('H', b, 6);
	buf_step('H', b, 18);
	D(0x1F);                /* the ROM NACKs the frame's checksum */
	H(0xFF);
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
	ok(an_resync(&dev));
	played();
	cr_assert_eq(dev.resets, 0);
}

/* ---- erase ------------------------------------------------------------- */

Test(protocol, extended_erase_of_pages)
{
	static const uint16_t pages[3] = {0, 1, 0x102};

	known(cmds_ext, sizeof(cmds_ext));
	H(0x44, 0xBB);
	D(0x79);
	H(0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02,
	  0x00 ^ 0x02 ^ 0x00 ^ 0x00 ^ 0x00 ^ 0x01 ^ 0x01 ^ 0x02);
	D(0x79);
	ok(an_erase_pages(&dev, pages, NULL, 3));
	played();
}

Test(protocol, extended_erase_mass_and_banks)
{
	known(cmds_ext, sizeof(cmds_ext));
	H(0x44, 0xBB);
	D(0x79);
	H(0xFF, 0xFF, 0x00);
	D(0x79);
	H(0x44, 0xBB);
	D(0x79);
	H(0xFF, 0xFE, 0x01);
	D(0x79);
	H(0x44, 0xBB);
	D(0x79);
	H(0xFF, 0xFD, 0x02);
	D(0x79);
	ok(an_erase_mass(&dev));
	ok(an_erase_bank(&dev, 0));
	ok(an_erase_bank(&dev, 1));
	played();
}

Test(protocol, legacy_erase_of_pages_and_mass)
{
	static const uint16_t pages[2] = {3, 4};

	known(cmds_old, sizeof(cmds_old));
	H(0x43, 0xBC);
	D(0x79);
	H(0x01, 0x03, 0x04, 0x01 ^ 0x03 ^ 0x04);
	D(0x79);
	H(0x43, 0xBC);
	D(0x79);
	H(0xFF, 0x00);
	D(0x79);
	ok(an_erase_pages(&dev, pages, NULL, 2));
	ok(an_erase_mass(&dev));
	played();
}

Test(protocol, legacy_erase_has_no_bank_erase_nor_page_256)
{
	static const uint16_t pages[1] = {256};

	known(cmds_old, sizeof(cmds_old));
	cr_assert_eq(an_erase_bank(&dev, 0), STP_ERR_UNSUPPORTED);
	cr_assert_eq(an_erase_pages(&dev, pages, NULL, 1), STP_ERR_ARG);
	played();
}

/* Expected frame of one EXTENDED ERASE of pages first..first+n-1. */
static void ext_frame(uint16_t first, size_t n)
{
	uint8_t b[2 + 2 * 511 + 1];
	size_t k = 0;

	b[k++] = (uint8_t)((n - 1) >> 8);
	b[k++] = (uint8_t)(n - 1);
	for (size_t i = 0; i < n; i++) {
		b[k++] = (uint8_t)((first + i) >> 8);
		b[k++] = (uint8_t)(first + i);
	}
	b[k] = 0;
	for (size_t i = 0; i < k; i++)
		b[k] ^= b[i];
	H(0x44, 0xBB);
	D(0x79);
	buf_step('H', b, k + 1);
	D(0x79);
}

Test(protocol, long_extended_erase_lists_are_split_at_511)
{
	uint16_t pages[600];

	for (int i = 0; i < 600; i++)
		pages[i] = (uint16_t)i;
	known(cmds_ext, sizeof(cmds_ext));
	ext_frame(0, 511);
	ext_frame(511, 89);
	ok(an_erase_pages(&dev, pages, NULL, 600));
	played();
}

Test(protocol, long_legacy_erase_lists_are_split_at_255)
{
	uint16_t pages[256];
	uint8_t b[257];

	for (int i = 0; i < 256; i++)
		pages[i] = (uint16_t)i;
	known(cmds_old, sizeof(cmds_old));
	b[0] = 254;
	for (int i = 0; i < 255; i++)
		b[1 + i] = (uint8_t)i;
	b[256] = 0;
	for (int i = 0; i < 256; i++)
		b[256] ^= b[i];
	H(0x43, 0xBC);
	D(0x79);
	buf_step('H', b, 257);
	D(0x79);
	H(0x43, 0xBC);
	D(0x79);
	H(0x00, 0xFF, 0xFF);    /* one page, number 255, checksum */
	D(0x79);
	ok(an_erase_pages(&dev, pages, NULL, 256));
	played();
}

Test(protocol, erase_timeout_grows_with_the_list)
{
	static const uint16_t pages[2] = {5, 6};

	dev.t.unit_erase_ms = 300;
	known(cmds_ext, sizeof(cmds_ext));
	H(0x44, 0xBB);
	D(0x79);
	H(0x00, 0x01, 0x00, 0x05, 0x00, 0x06, 0x01 ^ 0x05 ^ 0x06);
	/* no ACK */
	uint64_t before = F->clock;
	H(0xFF);                /* resync */
	H(0xFF);
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
	H(0x44, 0xBB);
	D(0x79);
	H(0x00, 0x01, 0x00, 0x05, 0x00, 0x06, 0x01 ^ 0x05 ^ 0x06);
	D(0x79);
	ok(an_erase_pages(&dev, pages, NULL, 2));
	played();
	/* 2 pages x 300 ms + 1 s, then the probes */
	cr_assert_geq(F->clock - before, 1600);
}

Test(protocol, erase_failure_names_pages_and_addresses)
{
	static const uint16_t pages[2] = {0, 1};
	static const uint32_t addrs[2] = {0x08000000, 0x08004000};

	known(cmds_ext, sizeof(cmds_ext));
	for (int i = 0; i < AN_TRIES; i++) {
		H(0x44, 0xBB);
		D(0x79);
		H(0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00);
		D(0x1F);
	}
	cr_assert_eq(an_erase_pages(&dev, pages, addrs, 2), STP_ERR_NACK);
	played();
	cr_assert(strstr(stp_last_detail(ctx),
	                 "pages 0 (0x08000000), 1 (0x08004000)"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "write-unprotect"));
}

/* ---- checksum, go ------------------------------------------------------ */

Test(protocol, get_checksum)
{
	uint32_t crc = 0;

	known(cmds_ext, sizeof(cmds_ext));
	H(0xA1, 0x5E);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x00, 0x00, 0x04, 0x00, 0x04);
	D(0x79);
	D(0x79);                /* computed */
	D(0x12, 0x34, 0x56, 0x78, 0x12 ^ 0x34 ^ 0x56 ^ 0x78);
	ok(an_crc(&dev, 0x08000000, 1024, &crc));
	played();
	cr_assert_eq(crc, 0x12345678u);
}

Test(protocol, get_checksum_with_a_bad_check_byte_is_retried)
{
	uint32_t crc = 0;

	known(cmds_ext, sizeof(cmds_ext));
	H(0xA1, 0x5E);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x00, 0x00, 0x00, 0x10, 0x10);
	D(0x79);
	D(0x79);
	D(0x12, 0x34, 0x56, 0x78, 0x00);
	H(0xFF);
	H(0xFF);
	D(0x1F);
	verified(cmds_ext, sizeof(cmds_ext));
	H(0xA1, 0x5E);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x00, 0x00, 0x00, 0x10, 0x10);
	D(0x79);
	D(0x79);
	D(0xCA, 0xFE, 0xBA, 0xBE, 0xCA ^ 0xFE ^ 0xBA ^ 0xBE);
	ok(an_crc(&dev, 0x08000000, 16, &crc));
	played();
	cr_assert_eq(crc, 0xCAFEBABEu);
}

Test(protocol, get_checksum_not_listed_is_unsupported)
{
	uint32_t crc;

	known(cmds_old, sizeof(cmds_old));
	cr_assert_eq(an_crc(&dev, 0x08000000, 16, &crc), STP_ERR_UNSUPPORTED);
	played();
}

Test(protocol, go_then_the_bootloader_is_gone)
{
	uint8_t got[4];

	H(0x21, 0xDE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	ok(an_go(&dev, 0x08000000));
	played();
	cr_assert_eq(an_read(&dev, 0x08000000, got, 4), STP_ERR_DISCONNECTED);
	cr_assert(strstr(stp_last_detail(ctx), "GO"));
	played();               /* nothing more on the wire */
}

/* Issue 11 §4: after GO the chip is asked where it is.  An ACK to 0x7F
 * is a restarted bootloader, a NACK to the second 0x7F a ROM that never
 * left its command loop, silence to both an application. */
Test(protocol, where_is_the_chip_after_go)
{
	H(0x21, 0xDE);
	D(0x79);
	H(0x08, 0x00, 0x00, 0x00, 0x08);
	D(0x79);
	H(0x7F);                /* the empty check sent the jump back */
	D(0x79);
	H(0x7F);                /* still in the command loop: no answer */
	H(0x7F);                /* the pair is NACKed */
	D(0x1F);
	H(0x7F);                /* an application: no answer to either */
	H(0x7F);
	ok(an_go(&dev, 0x08000000));
	cr_assert_eq(an_check_after_go(&dev), AN_GO_RESTARTED);
	cr_assert(!dev.gone);
	cr_assert_eq(an_check_after_go(&dev), AN_GO_STAYED);
	cr_assert_eq(an_check_after_go(&dev), AN_GO_LEFT);
	played();
}

/* ---- commands that reset the device -------------------------------------- */

Test(protocol, readout_unprotect_resyncs_after_the_reset)
{
	dev.t.mass_erase_ms = 30000;
	H(0x92, 0x6D);
	D(0x79);
	D(0x79);                /* second ACK: its timing is not trusted */
	H(0x7F);                /* still erasing: nothing */
	H(0x7F);
	H(0x7F);
	D(0x79);                /* restarted, baud rate detected */
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	ok(an_readout_unprotect(&dev));
	played();
	cr_assert_eq(dev.resets, 1);
	cr_assert_eq(F->slept, dev.t.settle_ms);
	cr_assert(dev.have_cmds);
}

Test(protocol, readout_unprotect_gives_up_at_the_deadline)
{
	dev.t.mass_erase_ms = 1000;
	H(0x92, 0x6D);
	D(0x79);
	D(0x79);
	/* settle 100 ms, then 0x7F every 250 ms until 1000 ms have passed */
	for (int i = 0; i < 4; i++)
		H(0x7F);
	cr_assert_eq(an_readout_unprotect(&dev), STP_ERR_TIMEOUT);
	played();
	cr_assert(strstr(stp_last_detail(ctx), "READOUT UNPROTECT"), "%s",
	          stp_last_detail(ctx));
}

Test(protocol, readout_unprotect_refused)
{
	H(0x92, 0x6D);
	D(0x1F);
	cr_assert_eq(an_readout_unprotect(&dev), STP_ERR_NACK);
	played();
}

Test(protocol, readout_protect_and_write_unprotect_resync)
{
	H(0x82, 0x7D);
	D(0x79);
	D(0x79);
	H(0x7F);
	D(0x79);
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	H(0x73, 0x8C);
	D(0x79);
	D(0x79);
	H(0x7F);
	D(0x79);
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	ok(an_readout_protect(&dev));
	ok(an_write_unprotect(&dev));
	played();
	cr_assert_eq(dev.resets, 2);
}

Test(protocol, write_protect_lists_the_sectors)
{
	static const uint16_t units[3] = {1, 2, 7};

	H(0x63, 0x9C);
	D(0x79);
	H(0x02, 0x01, 0x02, 0x07, 0x02 ^ 0x01 ^ 0x02 ^ 0x07);
	D(0x79);
	H(0x7F);
	D(0x79);
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	ok(an_write_protect(&dev, units, 3));
	played();
}

Test(protocol, a_device_that_does_not_reset_is_accepted_after_nacks)
{
	/* Synced ROMs answer every second 0x7F with NACK. */
	H(0x82, 0x7D);
	D(0x79);
	D(0x79);
	for (int i = 0; i < 3; i++) {
		H(0x7F);
		H(0x7F);
		D(0x1F);
	}
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	ok(an_readout_protect(&dev));
	played();
	cr_assert_eq(dev.resets, 0);
}

Test(protocol, option_bytes_write_is_one_try_then_resync)
{
	static const uint8_t ob[4] = {0xAA, 0x55, 0xFF, 0x00};

	H(0x31, 0xCE);
	D(0x79);
	H(0x1F, 0xFF, 0xC0, 0x00, 0x1F ^ 0xFF ^ 0xC0);
	D(0x79);
	H(0x03, 0xAA, 0x55, 0xFF, 0x00, 0x03 ^ 0xAA ^ 0x55 ^ 0xFF);
	D(0x79);
	H(0x7F);
	D(0x79);
	H(0x00, 0xFF);
	get_answer(cmds_ext, sizeof(cmds_ext));
	ok(an_write_option_bytes(&dev, 0x1FFFC000, ob, 4));
	played();
}

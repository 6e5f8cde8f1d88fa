/* The CAN backend's protocol layer (backends/can/can_proto.c, an3154.c,
 * an5405.c) against a scripted frame link: each test lists the frames the
 * host must send (identifier, length, bytes, classic or FD) and what the
 * device answers, so the wire contract (docs/can.md) is pinned frame by
 * frame.  Time is virtual: a receive with nothing scripted times out at
 * once and moves the clock on by its timeout. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_proto.h"

/* ---- the scripted frame link ------------------------------------------- */

#define MAX_STEPS 256

typedef struct step {
	char who;           /* 'H' host sends, 'D' device sends, 'R' rate change */
	cl_frame f;
	unsigned kbps;
} step;

typedef struct fake {
	step steps[MAX_STEPS];
	size_t nsteps, at;
	uint64_t clock;
	char err[256];
	bool no_rate;       /* the adapter cannot change its rate (SocketCAN) */
} fake;

static fake *F;
static can_link link_;
static cp_dev dev;
static stp_ctx *ctx;

static step *add(char who)
{
	cr_assert_lt(F->nsteps, MAX_STEPS);
	step *s = &F->steps[F->nsteps++];
	memset(s, 0, sizeof(*s));
	s->who = who;
	return s;
}

static void frame(char who, bool fd, uint32_t id, size_t n, ...)
{
	step *s = add(who);
	va_list ap;

	s->f.id = id;
	s->f.fd = s->f.brs = fd;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		s->f.data[i] = (uint8_t)va_arg(ap, int);
	va_end(ap);
	s->f.len = (uint8_t)n;
}

static void frame_buf(char who, bool fd, uint32_t id, const uint8_t *b,
                      size_t n)
{
	step *s = add(who);

	s->f.id = id;
	s->f.fd = s->f.brs = fd;
	memcpy(s->f.data, b, n);
	s->f.len = (uint8_t)n;
}

static void rate(unsigned kbps)
{
	add('R')->kbps = kbps;
}

#define NARGS(...) (sizeof((int[]){__VA_ARGS__}) / sizeof(int))
/* Host / device frames, classic (H, D) or FD (HF, DF). */
#define H(id, ...) frame('H', false, id, NARGS(__VA_ARGS__), __VA_ARGS__)
#define D(id, ...) frame('D', false, id, NARGS(__VA_ARGS__), __VA_ARGS__)
#define H0(id) frame('H', false, id, 0)
#define HF(id, ...) frame('H', true, id, NARGS(__VA_ARGS__), __VA_ARGS__)
#define DF(id, ...) frame('D', true, id, NARGS(__VA_ARGS__), __VA_ARGS__)
#define HF0(id) frame('H', true, id, 0)
#define ACK(id) D(id, CP_ACK_BYTE)
#define NACK(id) D(id, CP_NACK_BYTE)
#define ACKF(id) DF(id, CP_ACK_BYTE)

static int f_send(void *user, const cl_frame *f)
{
	step *s = F->at < F->nsteps ? &F->steps[F->at] : NULL;

	(void)user;
	if (!s || s->who != 'H') {
		snprintf(F->err, sizeof(F->err),
		         "host sent ID 0x%03X len %u at step %zu, where the script %s",
		         f->id, f->len, F->at,
		         !s ? "has ended" : s->who == 'D' ? "has the device send"
		                                           : "changes the rate");
		return -1;
	}
	if (s->f.id != f->id || s->f.len != f->len || s->f.fd != f->fd ||
	    s->f.brs != f->brs || s->f.ext != f->ext ||
	    memcmp(s->f.data, f->data, f->len)) {
		char got[200] = "", want[200] = "";
		for (unsigned i = 0; i < f->len && i < 64; i++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), " %02X",
			         f->data[i]);
		for (unsigned i = 0; i < s->f.len && i < 64; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want),
			         " %02X", s->f.data[i]);
		snprintf(F->err, sizeof(F->err),
		         "step %zu: expected %s ID 0x%03X [%u]%s, host sent %s ID "
		         "0x%03X [%u]%s",
		         F->at, s->f.fd ? "FD" : "classic", s->f.id, s->f.len, want,
		         f->fd ? "FD" : "classic", f->id, f->len, got);
		return -1;
	}
	F->at++;
	return 0;
}

static int f_recv(void *user, cl_frame *f, unsigned ms)
{
	(void)user;
	if (F->at < F->nsteps && F->steps[F->at].who == 'D') {
		*f = F->steps[F->at++].f;
		return 1;
	}
	F->clock += ms;
	return 0;
}

static int f_rate(void *user, unsigned kbps)
{
	step *s = F->at < F->nsteps ? &F->steps[F->at] : NULL;

	(void)user;
	if (!s || s->who != 'R' || s->kbps != kbps) {
		snprintf(F->err, sizeof(F->err),
		         "host set the rate to %u kbit/s at step %zu, not scripted",
		         kbps, F->at);
		return -1;
	}
	F->at++;
	return 0;
}

static bool f_fd(void *user)
{
	(void)user;
	return true;
}

static uint64_t f_now(void *user)
{
	(void)user;
	return F->clock;
}

static void f_sleep(void *user, unsigned ms)
{
	(void)user;
	F->clock += ms;
}

static const char *f_error(void *user)
{
	(void)user;
	return F->err;
}

static void setup(void)
{
	F = calloc(1, sizeof(*F));
	ctx = stp_ctx_new();
	link_ = (can_link){.user = NULL, .send = f_send, .recv = f_recv,
	                   .set_bitrate = f_rate, .can_fd = f_fd,
	                   .now_ms = f_now, .sleep_ms = f_sleep,
	                   .error = f_error};
	cp_init(&dev, ctx, &link_, "can0", CP_AN3154, 125);
}

static void setup_fd(void)
{
	setup();
	cp_init(&dev, ctx, &link_, "can0", CP_AN5405, 500);
}

static void teardown(void)
{
	stp_ctx_free(ctx);
	free(F);
}

/* The script ran to its end and no host frame was refused. */
static void done(void)
{
	cr_assert_eq(F->at, F->nsteps, "script stopped at step %zu of %zu: %s",
	             F->at, F->nsteps, F->err);
}

#define OK(call)                                                           \
	do {                                                                   \
		stp_status st_ = (call);                                           \
		cr_assert_eq(st_, STP_OK, "%s: %s (%s)", #call,                    \
		             stp_last_detail(ctx), F->err);                        \
	} while (0)

/* GET as a v2.0 F4 ROM answers it, then GET ID. */
static void script_get(void)
{
	H0(0x00);
	ACK(0x00);
	D(0x00, 12);
	D(0x00, 0x20);
	static const uint8_t cmds[] = {0x00, 0x01, 0x02, 0x03, 0x11, 0x21,
	                               0x31, 0x43, 0x63, 0x73, 0x82, 0x92};
	for (size_t i = 0; i < sizeof(cmds); i++)
		D(0x00, cmds[i]);
	ACK(0x00);
}

static void script_get_fd(void)
{
	HF0(0x00);
	ACKF(0x00);
	DF(0x00, 3);
	DF(0x00, 0x10);
	DF(0x00, 0x00);
	DF(0x00, 0x11);
	DF(0x00, 0x44);
	ACKF(0x00);
}

TestSuite(an3154, .init = setup, .fini = teardown);
TestSuite(an5405, .init = setup_fd, .fini = teardown);

/* ---- AN3154 ------------------------------------------------------------- */

Test(an3154, sync_is_id_0x79_with_no_data)
{
	H0(0x79);
	ACK(0x79);
	OK(cp_sync(&dev, 3, 200));
	done();
}

Test(an3154, sync_accepts_nack_and_retries_silence)
{
	H0(0x79);               /* no answer: timeout */
	H0(0x79);
	NACK(0x79);             /* synced already */
	OK(cp_sync(&dev, 3, 200));
	done();
}

Test(an3154, sync_fails_naming_port_rate_and_hint)
{
	H0(0x79);
	H0(0x79);
	cr_assert_eq(cp_sync(&dev, 2, 200), STP_ERR_TIMEOUT);
	cr_assert(strstr(stp_last_detail(ctx), "can0"));
	cr_assert(strstr(stp_last_detail(ctx), "125 kbit/s"));
	cr_assert(strstr(stp_last_hint(ctx), "BOOT0"));
	done();
}

Test(an3154, get_and_get_id)
{
	script_get();
	H0(0x02);
	ACK(0x02);
	D(0x02, 0x04, 0x13);
	ACK(0x02);
	OK(cp_identify(&dev));
	cr_assert_eq(dev.pid, 0x413);
	cr_assert_eq(dev.bl_version, 0x20);
	cr_assert_eq(dev.ncmds, 12);
	cr_assert(cp_has(&dev, CP_CMD_SPEED));
	cr_assert_not(dev.silent_protected_read);
	done();
}

Test(an3154, frames_on_other_ids_are_skipped)
{
	script_get();
	H0(0x02);
	D(0x123, 1, 2, 3);
	ACK(0x02);
	D(0x02, 0x04, 0x13);
	ACK(0x02);
	OK(cp_identify(&dev));
	cr_assert_eq(dev.pid, 0x413);
	cr_assert_eq(dev.ignored, 1);
	done();
}

Test(an3154, read_20_bytes_in_8_byte_frames)
{
	uint8_t buf[20];

	H(0x11, 0x08, 0x00, 0x01, 0x00, 19);
	ACK(0x11);
	D(0x11, 0, 1, 2, 3, 4, 5, 6, 7);
	D(0x11, 8, 9, 10, 11, 12, 13, 14, 15);
	D(0x11, 16, 17, 18, 19);
	ACK(0x11);
	OK(cp_read(&dev, 0x08000100, buf, 20));
	for (int i = 0; i < 20; i++)
		cr_assert_eq(buf[i], i);
	done();
}

Test(an3154, read_256_is_32_frames)
{
	uint8_t buf[256], frame8[8];

	H(0x11, 0x08, 0x00, 0x00, 0x00, 0xFF);
	ACK(0x11);
	for (int i = 0; i < 32; i++) {
		for (int j = 0; j < 8; j++)
			frame8[j] = (uint8_t)(i * 8 + j);
		frame_buf('D', false, 0x11, frame8, 8);
	}
	ACK(0x11);
	OK(cp_read(&dev, 0x08000000, buf, 256));
	cr_assert_eq(buf[255], 255);
	done();
}

Test(an3154, read_nack_is_protection_without_retry)
{
	uint8_t buf[4];

	H(0x11, 0x08, 0x00, 0x00, 0x00, 3);
	NACK(0x11);
	cr_assert_eq(cp_read(&dev, 0x08000000, buf, 4), STP_ERR_PROTECTED);
	cr_assert(strstr(stp_last_detail(ctx), "0x08000000"));
	cr_assert(strstr(stp_last_hint(ctx), "-rdu"));
	done();
}

Test(an3154, read_retries_after_resync_when_data_lost)
{
	uint8_t buf[8];

	H(0x11, 0x20, 0x00, 0x00, 0x00, 7);
	ACK(0x11);
	/* the data frame never comes: timeout, drain, re-sync, again */
	H0(0x79);
	NACK(0x79);
	H(0x11, 0x20, 0x00, 0x00, 0x00, 7);
	ACK(0x11);
	D(0x11, 1, 2, 3, 4, 5, 6, 7, 8);
	ACK(0x11);
	OK(cp_read(&dev, 0x20000000, buf, 8));
	cr_assert_eq(buf[7], 8);
	cr_assert_eq(dev.retries, 1);
	cr_assert_eq(dev.resyncs, 1);
	done();
}

Test(an3154, read_gives_up_after_bounded_tries)
{
	uint8_t buf[8];

	for (int i = 0; i < CP_TRIES; i++) {
		if (i) {
			H0(0x79);
			ACK(0x79);
		}
		H(0x11, 0x20, 0x00, 0x00, 0x00, 7);
		ACK(0x11);
	}
	cr_assert_eq(cp_read(&dev, 0x20000000, buf, 8), STP_ERR_TIMEOUT);
	cr_assert(strstr(stp_last_detail(ctx), "4 tries"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "0x20000000"));
	done();
}

Test(an3154, write_12_bytes)
{
	const uint8_t data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

	H(0x31, 0x08, 0x00, 0x40, 0x00, 11);
	ACK(0x31);
	H(0x04, 1, 2, 3, 4, 5, 6, 7, 8);
	ACK(0x31);
	H(0x04, 9, 10, 11, 12);
	ACK(0x31);
	ACK(0x31);             /* programmed */
	OK(cp_write(&dev, 0x08004000, data, 12));
	done();
}

Test(an3154, write_final_nack_is_retried)
{
	const uint8_t data[4] = {0xDE, 0xAD, 0xBE, 0xEF};

	H(0x31, 0x08, 0x00, 0x00, 0x00, 3);
	ACK(0x31);
	H(0x04, 0xDE, 0xAD, 0xBE, 0xEF);
	ACK(0x31);
	NACK(0x31);            /* programming failed */
	H0(0x79);
	ACK(0x79);
	H(0x31, 0x08, 0x00, 0x00, 0x00, 3);
	ACK(0x31);
	H(0x04, 0xDE, 0xAD, 0xBE, 0xEF);
	ACK(0x31);
	ACK(0x31);
	OK(cp_write(&dev, 0x08000000, data, 4));
	cr_assert_eq(dev.retries, 1);
	done();
}

/* The ACK to a data frame is lost: the ROM still counts data frames, and
 * would take a sync frame as data.  Fillers until the ROM answers one on
 * the filler's own ID (NACK to "command 0x04"), then the re-sync and the
 * whole block again. */
Test(an3154, lost_data_ack_is_finished_with_fillers_then_resynced)
{
	const uint8_t data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

	H(0x31, 0x08, 0x00, 0x40, 0x00, 11);
	ACK(0x31);
	H(0x04, 1, 2, 3, 4, 5, 6, 7, 8);
	/* its ACK is lost: the host times out */
	H(0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	ACK(0x31);             /* the ROM took it as the second data frame */
	ACK(0x31);             /* ... and has programmed */
	/* nothing more within the quiet time: the next filler */
	H(0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	NACK(0x04);            /* back at its command loop */
	H0(0x79);
	NACK(0x79);            /* synced already: fine */
	H(0x31, 0x08, 0x00, 0x40, 0x00, 11);
	ACK(0x31);
	H(0x04, 1, 2, 3, 4, 5, 6, 7, 8);
	ACK(0x31);
	H(0x04, 9, 10, 11, 12);
	ACK(0x31);
	ACK(0x31);
	OK(cp_write(&dev, 0x08004000, data, 12));
	cr_assert_eq(dev.retries, 1);
	done();
}

/* An earlier session stopped in the middle of a WRITE (killed, or the
 * cable pulled): the ROM takes the sync frame as data and answers it on
 * the WRITE identifier.  The sync finishes that WRITE with fillers until
 * the ROM NACKs one as command 0x04, then syncs again. */
Test(an3154, sync_finishes_a_write_an_earlier_session_left)
{
	H0(0x79);
	ACK(0x31);             /* the sync frame counted as a data frame */
	H(0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	ACK(0x31);
	H(0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	ACK(0x31);             /* the last data frame ... */
	ACK(0x31);             /* ... and the programmed block */
	H(0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	NACK(0x04);            /* back at its command loop */
	H0(0x79);
	NACK(0x79);            /* synced already */
	OK(cp_sync(&dev, 5, 200));
	cr_assert_eq(dev.flushed_writes, 1);
	done();
}

/* A sync that is simply not answered is no interrupted WRITE. */
Test(an3154, silent_sync_sends_no_fillers)
{
	H0(0x79);
	H0(0x79);
	cr_assert_eq(cp_sync(&dev, 2, 200), STP_ERR_TIMEOUT);
	cr_assert_eq(dev.flushed_writes, 0);
	done();
}

/* After GO: an answer to the handshake means the chip is (back) in its
 * bootloader, and the session is usable again; silence means it left. */
Test(an3154, back_after_go_answered_means_still_in_the_bootloader)
{
	H(0x21, 0x08, 0x00, 0x00, 0x00);
	ACK(0x21);
	H0(0x79);
	ACK(0x79);
	OK(cp_go(&dev, 0x08000000));
	cr_assert_eq(cp_back_after_go(&dev), CP_OK);
	cr_assert_not(dev.gone);
	done();
}

Test(an3154, back_after_go_silent_means_left)
{
	H(0x21, 0x08, 0x00, 0x00, 0x00);
	ACK(0x21);
	H0(0x79);
	H0(0x79);
	OK(cp_go(&dev, 0x08000000));
	cr_assert_eq(cp_back_after_go(&dev), CP_TIMEOUT);
	cr_assert(dev.gone);
	done();
}

/* A ROM that restarts after GO is at its start rate, whatever SPEED set:
 * the adapter goes back there before asking. */
Test(an3154, back_after_go_asks_at_the_start_rate)
{
	dev.kbps = 500;
	H(0x21, 0x08, 0x00, 0x00, 0x00);
	ACK(0x21);
	rate(125);
	H0(0x79);
	ACK(0x79);
	OK(cp_go(&dev, 0x08000000));
	cr_assert_eq(cp_back_after_go(&dev), CP_OK);
	cr_assert_eq(dev.kbps, 125);
	done();
}

Test(an3154, write_refused_is_not_retried)
{
	const uint8_t data[4] = {0};

	H(0x31, 0x08, 0x00, 0x00, 0x00, 3);
	NACK(0x31);
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 4), STP_ERR_PROTECTED);
	done();
}

Test(an3154, write_rejects_unaligned)
{
	const uint8_t data[6] = {0};

	cr_assert_eq(cp_write(&dev, 0x08000002, data, 4), STP_ERR_ARG);
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 6), STP_ERR_ARG);
	done();
}

Test(an3154, erase_sectors_split_by_eight)
{
	uint16_t units[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

	H(0x43, 0, 1, 2, 3, 4, 5, 6, 7);
	ACK(0x43);
	ACK(0x43);
	H(0x43, 8, 9);
	ACK(0x43);
	ACK(0x43);
	OK(cp_erase_units(&dev, units, NULL, 10));
	done();
}

Test(an3154, mass_erase_is_0xff)
{
	H(0x43, 0xFF);
	ACK(0x43);
	ACK(0x43);
	OK(cp_erase_mass(&dev));
	done();
}

Test(an3154, erase_nack_names_units)
{
	uint16_t units[1] = {5};
	uint32_t addrs[1] = {0x08020000};

	H(0x43, 5);
	ACK(0x43);
	NACK(0x43);
	cr_assert_eq(cp_erase_units(&dev, units, addrs, 1), STP_ERR_NACK);
	cr_assert(strstr(stp_last_detail(ctx), "0x08020000"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "write-protected"));
	done();
}

Test(an3154, erase_timeout_repeats_once_and_says_so)
{
	uint16_t units[1] = {3};

	dev.t.unit_erase_ms = 100;
	H(0x43, 3);
	ACK(0x43);
	/* the second ACK never comes */
	H0(0x79);
	NACK(0x79);
	H(0x43, 3);
	ACK(0x43);
	ACK(0x43);
	OK(cp_erase_units(&dev, units, NULL, 1));
	cr_assert_eq(dev.retries, 1);
	done();
}

Test(an3154, erase_bank_unsupported)
{
	cr_assert_eq(cp_erase_bank(&dev, 0), STP_ERR_UNSUPPORTED);
	done();
}

Test(an3154, go_sends_address_and_leaves)
{
	uint8_t b[4];

	H(0x21, 0x08, 0x00, 0x00, 0x00);
	ACK(0x21);
	OK(cp_go(&dev, 0x08000000));
	cr_assert(dev.gone);
	cr_assert_eq(cp_read(&dev, 0x08000000, b, 4), STP_ERR_DISCONNECTED);
	done();
}

Test(an3154, speed_switches_adapter_between_acks)
{
	H(0x03, 3);
	ACK(0x03);             /* at 125 */
	rate(500);
	ACK(0x03);             /* at 500 */
	OK(an3154_speed(&dev, 500));
	cr_assert_eq(dev.kbps, 500);
	done();
}

Test(an3154, speed_codes)
{
	cr_assert_eq(an3154_speed_code(125), 1);
	cr_assert_eq(an3154_speed_code(250), 2);
	cr_assert_eq(an3154_speed_code(500), 3);
	cr_assert_eq(an3154_speed_code(1000), 4);
	cr_assert_eq(an3154_speed_code(800), 0);
	cr_assert_eq(an3154_speed(&dev, 800), STP_ERR_PORTSPEC);
	done();
}

Test(an3154, speed_nack_fails)
{
	H(0x03, 4);
	NACK(0x03);
	cr_assert_eq(an3154_speed(&dev, 1000), STP_ERR_NACK);
	cr_assert_eq(dev.kbps, 125);
	done();
}

Test(an3154, speed_lost_second_ack_resyncs_at_new_rate)
{
	H(0x03, 2);
	ACK(0x03);
	rate(250);
	H0(0x79);               /* second ACK lost: sync at 250 */
	ACK(0x79);
	OK(an3154_speed(&dev, 250));
	cr_assert_eq(dev.kbps, 250);
	done();
}

Test(an3154, speed_refused_without_adapter_rate_control)
{
	link_.set_bitrate = NULL;
	cr_assert_eq(an3154_speed(&dev, 500), STP_ERR_UNSUPPORTED);
	cr_assert(strstr(stp_last_detail(ctx), "outside stmprog"));
	done();
}

Test(an3154, readout_protect_then_resync_and_get)
{
	H0(0x82);
	ACK(0x82);
	ACK(0x82);
	/* reset: the first sync goes unanswered while the ROM restarts */
	H0(0x79);
	H0(0x79);
	ACK(0x79);
	script_get();
	OK(cp_readout_protect(&dev));
	cr_assert_eq(dev.resets, 1);
	done();
}

Test(an3154, readout_unprotect_waits_for_the_mass_erase)
{
	H0(0x92);
	ACK(0x92);
	ACK(0x92);
	H0(0x79);
	ACK(0x79);
	script_get();
	OK(cp_readout_unprotect(&dev));
	done();
}

Test(an3154, reset_after_speed_returns_to_start_rate_then_speed_again)
{
	dev.kbps = 500;
	dev.speed_kbps = 500;
	H0(0x73);
	ACK(0x73);
	ACK(0x73);
	rate(125);
	H0(0x79);
	ACK(0x79);
	script_get();
	H(0x03, 3);
	ACK(0x03);
	rate(500);
	ACK(0x03);
	OK(cp_write_unprotect(&dev));
	cr_assert_eq(dev.kbps, 500);
	done();
}

Test(an3154, write_protect_lists_sectors)
{
	uint16_t units[3] = {0, 1, 7};

	H(0x63, 0, 1, 7);
	ACK(0x63);
	ACK(0x63);
	H0(0x79);
	ACK(0x79);
	script_get();
	OK(cp_write_protect(&dev, units, 3));
	done();
}

Test(an3154, write_protect_nack_explains)
{
	uint16_t units[1] = {2};

	H(0x63, 2);
	NACK(0x63);
	cr_assert_eq(cp_write_protect(&dev, units, 1), STP_ERR_NACK);
	cr_assert(strstr(stp_last_hint(ctx), "-rdu"));
	done();
}

Test(an3154, option_bytes_write_then_resync)
{
	const uint8_t ob[8] = {0xAA, 0x55, 0xFF, 0x00, 0xFF, 0x0F, 0x00, 0xF0};

	H(0x31, 0x1F, 0xFF, 0xC0, 0x00, 7);
	ACK(0x31);
	H(0x04, 0xAA, 0x55, 0xFF, 0x00, 0xFF, 0x0F, 0x00, 0xF0);
	ACK(0x31);
	/* the chip resets before the final ACK */
	H0(0x79);
	ACK(0x79);
	script_get();
	OK(cp_write_option_bytes(&dev, 0x1FFFC000, ob, 8));
	done();
}

/* ---- AN5405 -------------------------------------------------------------- */

Test(an5405, start_frame)
{
	HF(0x111, 0x5A);
	ACKF(0x111);
	OK(cp_sync(&dev, 3, 200));
	done();
}

Test(an5405, start_fails_naming_both_rates_hint)
{
	HF(0x111, 0x5A);
	cr_assert_eq(cp_sync(&dev, 1, 200), STP_ERR_TIMEOUT);
	cr_assert(strstr(stp_last_detail(ctx), "0x111"));
	cr_assert(strstr(stp_last_hint(ctx), "dbr="));
	done();
}

Test(an5405, start_failure_names_the_data_rate)
{
	dev.data_kbps = 2000;
	HF(0x111, 0x5A);
	cr_assert_eq(cp_sync(&dev, 1, 200), STP_ERR_TIMEOUT);
	cr_assert(strstr(stp_last_detail(ctx),
	                 "500 kbit/s nominal, 2000 kbit/s data"),
	          "%s", stp_last_detail(ctx));
	done();
}

Test(an5405, back_after_go_uses_the_start_frame)
{
	HF(0x21, 0x08, 0x00, 0x00, 0x00);
	ACKF(0x21);
	HF(0x111, 0x5A);
	ACKF(0x111);
	OK(cp_go(&dev, 0x08000000));
	cr_assert_eq(cp_back_after_go(&dev), CP_OK);
	done();
}

Test(an5405, get_id_h7_sets_silent_read)
{
	script_get_fd();
	HF0(0x02);
	ACKF(0x02);
	DF(0x02, 0x04, 0x50);
	ACKF(0x02);
	OK(cp_identify(&dev));
	cr_assert_eq(dev.pid, 0x450);
	cr_assert(dev.silent_protected_read);
	cr_assert_eq(dev.bl_version, 0x10);
	done();
}

Test(an5405, read_100_bytes_in_64_byte_frames)
{
	uint8_t buf[100], a[64], b[48];

	for (int i = 0; i < 64; i++)
		a[i] = (uint8_t)i;
	memset(b, 0xFF, sizeof(b));
	for (int i = 0; i < 36; i++)
		b[i] = (uint8_t)(64 + i);
	/* 5 bytes is an FD length: no padding */
	HF(0x11, 0x08, 0x00, 0x00, 0x00, 99);
	ACKF(0x11);
	frame_buf('D', true, 0x11, a, 64);
	frame_buf('D', true, 0x11, b, 48); /* 36 padded up to 48 */
	ACKF(0x11);
	OK(cp_read(&dev, 0x08000000, buf, 100));
	for (int i = 0; i < 100; i++)
		cr_assert_eq(buf[i], i);
	done();
}

Test(an5405, h7_silent_read_is_probable_protection)
{
	uint8_t buf[16];

	dev.silent_protected_read = true;
	HF(0x11, 0x08, 0x00, 0x00, 0x00, 15);
	HF(0x111, 0x5A);        /* re-sync */
	ACKF(0x111);
	HF(0x11, 0x08, 0x00, 0x00, 0x00, 15);
	cr_assert_eq(cp_read(&dev, 0x08000000, buf, 16), STP_ERR_PROTECTED);
	cr_assert(strstr(stp_last_detail(ctx), "readout protection"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "0x08000000"));
	done();
}

Test(an5405, h7_nack_on_transmit_id_is_matched_by_low_byte)
{
	uint8_t buf[4];

	/* a ROM that answers NACK on base 0x100 | cmd */
	HF(0x11, 0x08, 0x00, 0x00, 0x00, 3);
	DF(0x111 - 0x100 + 0x200, CP_NACK_BYTE); /* 0x211: low byte 0x11 */
	cr_assert_eq(cp_read(&dev, 0x08000000, buf, 4), STP_ERR_PROTECTED);
	done();
}

Test(an5405, write_256_in_four_64_byte_frames_one_ack)
{
	uint8_t data[256];

	for (int i = 0; i < 256; i++)
		data[i] = (uint8_t)(255 - i);
	HF(0x31, 0x08, 0x01, 0x00, 0x00, 0xFF);
	ACKF(0x31);
	for (int i = 0; i < 4; i++)
		frame_buf('H', true, 0x31, data + 64 * i, 64);
	ACKF(0x31);
	OK(cp_write(&dev, 0x08010000, data, 256));
	done();
}

Test(an5405, write_short_tail_padded_to_fd_length)
{
	uint8_t data[72], tail[12];

	memset(data, 0x5A, sizeof(data));
	memset(tail, 0xFF, sizeof(tail));
	memset(tail, 0x5A, 8);
	HF(0x31, 0x08, 0x00, 0x00, 0x00, 71);
	ACKF(0x31);
	frame_buf('H', true, 0x31, data, 64);
	frame_buf('H', true, 0x31, tail, 8);
	ACKF(0x31);
	OK(cp_write(&dev, 0x08000000, data, 72));
	F->nsteps = F->at = 0;
	/* 20 bytes: 20 is an FD length; 36 is not and becomes 48 */
	uint8_t d36[36], p48[48];
	memset(d36, 1, 36);
	memset(p48, 0xFF, 48);
	memset(p48, 1, 36);
	HF(0x31, 0x08, 0x00, 0x00, 0x00, 35);
	ACKF(0x31);
	frame_buf('H', true, 0x31, p48, 48);
	ACKF(0x31);
	OK(cp_write(&dev, 0x08000000, d36, 36));
	done();
}

Test(an5405, erase_pages_count_then_list)
{
	uint16_t pages[5] = {0, 1, 0x102, 7, 8};

	HF(0x44, 0x00, 0x05);
	ACKF(0x44);
	/* 10 bytes is no FD length: padded with 0xFF up to 12 */
	HF(0x44, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x07, 0x00, 0x08,
	   0xFF, 0xFF);
	ACKF(0x44);
	OK(cp_erase_units(&dev, pages, NULL, 5));
	done();
}

Test(an5405, erase_40_pages_splits_at_32)
{
	uint16_t pages[40];
	uint8_t list[64];

	for (int i = 0; i < 40; i++)
		pages[i] = (uint16_t)i;
	for (int i = 0; i < 32; i++) {
		list[2 * i] = 0;
		list[2 * i + 1] = (uint8_t)i;
	}
	HF(0x44, 0x00, 32);
	ACKF(0x44);
	frame_buf('H', true, 0x44, list, 64);
	ACKF(0x44);
	uint8_t rest[16];
	for (int i = 0; i < 8; i++) {
		rest[2 * i] = 0;
		rest[2 * i + 1] = (uint8_t)(32 + i);
	}
	HF(0x44, 0x00, 8);
	ACKF(0x44);
	frame_buf('H', true, 0x44, rest, 16);
	ACKF(0x44);
	OK(cp_erase_units(&dev, pages, NULL, 40));
	done();
}

Test(an5405, mass_and_bank_erase_codes)
{
	HF(0x44, 0xFF, 0xFF);
	ACKF(0x44);
	ACKF(0x44);
	HF(0x44, 0xFF, 0xFE);
	ACKF(0x44);
	ACKF(0x44);
	HF(0x44, 0xFF, 0xFD);
	ACKF(0x44);
	ACKF(0x44);
	OK(cp_erase_mass(&dev));
	OK(cp_erase_bank(&dev, 0));
	OK(cp_erase_bank(&dev, 1));
	done();
}

Test(an5405, readout_unprotect_resyncs_with_start_frame)
{
	HF0(0x92);
	ACKF(0x92);
	ACKF(0x92);
	HF(0x111, 0x5A);
	ACKF(0x111);
	script_get_fd();
	OK(cp_readout_unprotect(&dev));
	done();
}

Test(an5405, write_protect_count_then_sectors)
{
	uint16_t s[2] = {1, 3};

	HF(0x63, 2, 1, 3);
	ACKF(0x63);
	ACKF(0x63);
	HF(0x111, 0x5A);
	ACKF(0x111);
	script_get_fd();
	OK(cp_write_protect(&dev, s, 2));
	done();
}

Test(an5405, no_speed)
{
	cr_assert_eq(an3154_speed(&dev, 1000), STP_ERR_UNSUPPORTED);
	done();
}

Test(an5405, go)
{
	HF(0x21, 0x08, 0x00, 0x00, 0x00);
	ACKF(0x21);
	OK(cp_go(&dev, 0x08000000));
	done();
}

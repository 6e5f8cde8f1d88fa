/* What the CAN backend puts on the link per WRITE, READ and per second:
 * frames in flight before their ACKs (never more than the ROM's receive
 * FIFO and an adapter's mailboxes hold), writes to the adapter per block,
 * reads per answer line, and the read cost the engine gets.  A model
 * device answers as an AN3154/AN5405 ROM does (an ACK per WRITE data
 * frame, or one per WRITE), so the counts come from the real protocol and
 * slcan code; nothing here measures time. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_proto.h"
#include "can_slcan.h"

/* ---- a model ROM behind a frame link ------------------------------------ */

#define QMAX 64

typedef struct rom {
	bool fd;
	/* WRITE under way: bytes announced and taken. */
	unsigned want, have;
	uint8_t mem[256];
	/* Answers not taken by the host yet. */
	cl_frame q[QMAX];
	size_t qn;
	/* Host frames the ROM has and has not answered (its FIFO plus the
	 * one in hand), and the most ever. */
	unsigned unanswered, max_unanswered;
	unsigned frames, calls, multi_calls;
	/* Drop the answer to this host frame (1-based), once. */
	unsigned drop_at;
	uint64_t clock;
} rom;

static rom R;

static void answer(uint32_t id, uint8_t b)
{
	cl_frame *f = &R.q[R.qn++];

	cr_assert_lt(R.qn, QMAX);
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->fd = f->brs = R.fd;
	f->len = 1;
	f->data[0] = b;
}

/* One host frame into the ROM: it answers at once; the answer counts as
 * given when the host takes it. */
static void rom_rx(const cl_frame *f)
{
	bool drop = ++R.frames == R.drop_at;
	size_t before = R.qn;

	if (R.want && R.have < R.want) {
		unsigned n = f->len < R.want - R.have ? f->len : R.want - R.have;
		memcpy(R.mem + R.have, f->data, n);
		R.have += n;
		if (!R.fd)
			answer(0x31, 0x79);
		if (R.have == R.want) {
			R.want = 0;
			answer(0x31, 0x79); /* programmed */
		}
	} else if (f->id == 0x31 && f->len >= 5) {
		R.want = f->data[4] + 1u;
		R.have = 0;
		answer(0x31, 0x79);
	} else if (f->id == 0x79) {
		answer(0x79, 0x79);
	} else if (f->id == 0x04) {
		answer(0x04, 0x1F); /* not a command */
	} else {
		cr_assert_fail("the model ROM got ID 0x%03X", f->id);
	}
	if (drop)
		R.qn = before;
	else if (R.fd && R.want)
		return; /* FD: one ACK for the whole WRITE, none per frame */
	/* An answer on its way stands for the frame it answers. */
	R.unanswered += (unsigned)(R.qn - before) ? 1 : 0;
	if (R.unanswered > R.max_unanswered)
		R.max_unanswered = R.unanswered;
}

static int f_send(void *user, const cl_frame *f)
{
	(void)user;
	R.calls++;
	rom_rx(f);
	return 0;
}

static int f_send_many(void *user, const cl_frame *f, size_t n)
{
	(void)user;
	R.calls++;
	R.multi_calls += n > 1;
	for (size_t i = 0; i < n; i++)
		rom_rx(&f[i]);
	return 0;
}

static int f_recv(void *user, cl_frame *f, unsigned ms)
{
	(void)user;
	if (!R.qn) {
		R.clock += ms;
		return 0;
	}
	*f = R.q[0];
	memmove(R.q, R.q + 1, --R.qn * sizeof(R.q[0]));
	if (R.unanswered)
		R.unanswered--;
	return 1;
}

static bool f_fd(void *user) { (void)user; return R.fd; }
static uint64_t f_now(void *user) { (void)user; return R.clock; }
static void f_sleep(void *user, unsigned ms) { (void)user; R.clock += ms; }
static const char *f_err(void *user) { (void)user; return "model"; }

static can_link L = {.send = f_send, .send_many = f_send_many, .recv = f_recv,
                     .can_fd = f_fd, .now_ms = f_now, .sleep_ms = f_sleep,
                     .error = f_err};
static stp_ctx *ctx;
static cp_dev dev;

static void setup(void)
{
	memset(&R, 0, sizeof(R));
	ctx = stp_ctx_new();
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

static void pattern(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + 3);
}

TestSuite(can_perf, .init = setup, .fini = teardown);

/* The backend's window: the command and two data frames in one write,
 * then a frame per ACK; never more than three frames unanswered. */
Test(can_perf, an3154_write_256_keeps_three_frames_in_flight)
{
	uint8_t data[256];

	pattern(data, sizeof(data));
	cp_init(&dev, ctx, &L, "model", CP_AN3154, 125);
	dev.write_window = CP_WRITE_WINDOW;
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 256), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(memcmp(R.mem, data, 256), 0);
	cr_assert_eq(R.frames, 33);              /* command + 32 data frames */
	cr_assert_eq(R.max_unanswered, 3);
	cr_assert_eq(R.calls, 31);               /* 3 at once, then one each */
	cr_assert_eq(R.multi_calls, 1);
	cr_assert_eq(dev.retries, 0);
}

/* Asking for more than is safe gets the safe window. */
Test(can_perf, an3154_window_is_capped)
{
	uint8_t data[64];

	pattern(data, sizeof(data));
	cp_init(&dev, ctx, &L, "model", CP_AN3154, 125);
	dev.write_window = 10;
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 64), STP_OK);
	cr_assert_eq(R.max_unanswered, CP_WRITE_WINDOW);
}

/* cp_init's default is the note's sequence: one frame, one ACK. */
Test(can_perf, an3154_default_window_is_one_frame_per_ack)
{
	uint8_t data[256];

	pattern(data, sizeof(data));
	cp_init(&dev, ctx, &L, "model", CP_AN3154, 125);
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 256), STP_OK);
	cr_assert_eq(R.max_unanswered, 1);
	cr_assert_eq(R.calls, 33);
	cr_assert_eq(R.multi_calls, 0);
}

/* A lost ACK in the middle of a pipelined WRITE: the ROM has the frames
 * sent ahead; fillers finish its count, a re-sync, and the block again. */
Test(can_perf, an3154_lost_ack_in_the_window_is_retried)
{
	uint8_t data[256];

	pattern(data, sizeof(data));
	cp_init(&dev, ctx, &L, "model", CP_AN3154, 125);
	dev.write_window = CP_WRITE_WINDOW;
	R.drop_at = 10;
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 256), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(dev.retries, 1);
	cr_assert_eq(memcmp(R.mem, data, 256), 0);
	cr_assert_leq(R.max_unanswered, 3);
}

/* AN5405: the header, its ACK, then the four 64-byte frames in one
 * call, one ACK after programming. */
Test(can_perf, an5405_write_256_is_one_batch_of_four_frames)
{
	uint8_t data[256];

	pattern(data, sizeof(data));
	R.fd = true;
	cp_init(&dev, ctx, &L, "model", CP_AN5405, 500);
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 256), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(memcmp(R.mem, data, 256), 0);
	cr_assert_eq(R.frames, 5);
	cr_assert_eq(R.calls, 2);
	cr_assert_eq(R.multi_calls, 1);
}

/* The cost the engine weighs against an erase: every frame of four READs
 * of 256 bytes with worst-case stuffing, plus one turnaround each. */
Test(can_perf, read_cost_follows_the_bit_rate)
{
	cp_init(&dev, ctx, &L, "model", CP_AN3154, 125);
	/* Classic: command 105, ACK 65, 32 data frames 135, ACK 65 bits. */
	cr_assert_eq(cp_frame_ns(&dev, 8), 1080000);
	cr_assert_eq(cp_frame_ns(&dev, 1), 520000);
	cr_assert_eq(cp_read_us_per_kib(&dev),
	             4 * ((105 + 65 + 32 * 135 + 65) * 8 + CP_TURNAROUND_US));
	dev.kbps = 1000;
	cr_assert_eq(cp_read_us_per_kib(&dev),
	             4 * ((105 + 65 + 32 * 135 + 65) + CP_TURNAROUND_US));
	cp_init(&dev, ctx, &L, "model", CP_AN5405, 500);
	dev.data_kbps = 2000;
	cr_assert_lt(cp_read_us_per_kib(&dev), 4 * (2000 + CP_TURNAROUND_US));
	cr_assert_gt(cp_read_us_per_kib(&dev), 4 * CP_TURNAROUND_US);
}

/* ---- the same ROM behind slcan text ------------------------------------ */

typedef struct txt {
	char in[4096];          /* host text not parsed yet */
	size_t nin;
	char out[16384];        /* adapter text not read yet */
	size_t nout, pos;
	unsigned writes, reads;
} txt;

static txt T;

static void say(const char *s)
{
	size_t n = strlen(s);

	cr_assert_lt(T.nout + n, sizeof(T.out));
	memcpy(T.out + T.nout, s, n);
	T.nout += n;
}

/* The adapter: "z" for every frame, then the ROM's answers as lines. */
static int b_write(void *user, const uint8_t *buf, size_t len)
{
	(void)user;
	T.writes++;
	cr_assert_lt(T.nin + len, sizeof(T.in));
	memcpy(T.in + T.nin, buf, len);
	T.nin += len;
	for (char *cr; (cr = memchr(T.in, '\r', T.nin));) {
		size_t n = (size_t)(cr - T.in);
		cl_frame f;
		if (n && slcan_decode(T.in, n, &f)) {
			say("z\r");
			rom_rx(&f);
			for (size_t i = 0; i < R.qn; i++) {
				char line[160];
				cr_assert(slcan_encode(&R.q[i], line, sizeof(line)));
				say(line);
			}
			R.qn = 0;
		} else {
			say("\r");
		}
		memmove(T.in, cr + 1, T.nin - n - 1);
		T.nin -= n + 1;
	}
	return 0;
}

static int b_read(void *user, uint8_t *buf, size_t len, unsigned ms)
{
	size_t n = T.nout - T.pos < len ? T.nout - T.pos : len;

	(void)user;
	T.reads++;
	memcpy(buf, T.out + T.pos, n);
	T.pos += n;
	if (n < len)
		R.clock += ms;
	return (int)n;
}

static void b_flush(void *user) { (void)user; T.pos = T.nout; }

static const byte_link B = {.write = b_write, .read = b_read,
                            .flush = b_flush, .now_ms = f_now,
                            .sleep_ms = f_sleep, .error = f_err};

/* Over slcan: one write(2) per batch of frames, and an answer line read
 * in at most three reads (its first character, the identifier and
 * length, the rest), not one a byte. */
Test(can_perf, slcan_write_256_is_31_writes_and_few_reads)
{
	uint8_t data[256];
	slcan *s;
	unsigned lines;

	memset(&T, 0, sizeof(T));
	pattern(data, sizeof(data));
	s = slcan_new(ctx, &B, "slcan:model");
	cr_assert_not_null(s);
	cp_init(&dev, ctx, slcan_link(s), "slcan:model", CP_AN3154, 125);
	dev.write_window = CP_WRITE_WINDOW;
	cr_assert_eq(cp_write(&dev, 0x08000000, data, 256), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(memcmp(R.mem, data, 256), 0);
	cr_assert_eq(T.writes, 31);
	/* 33 "z" lines, 33 ACKs and the final ACK. */
	lines = 33 + 34;
	cr_assert_leq(T.reads, 2 * 33 + 3 * 34 + 1, "%u reads", T.reads);
	cr_assert_geq(T.reads, lines);
	slcan_free(s);
}

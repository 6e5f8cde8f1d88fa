/* libFuzzer harness: the slcan host (backends/can/can_slcan.c) against an
 * adapter whose every byte is the fuzz input: the version query, the open
 * sequence (C, S<n>, Y<n> for FD, O), frames received (with answers,
 * BELLs, stray lines and overlong lines mixed in), frames sent, a
 * bit-rate change and the close, as the control bytes choose; or (bit 7
 * of the first choice) the CAN bootloader session the backend runs over
 * the adapter: sync, GET, GET ID and a READ.
 *
 * Properties: no memory error or undefined behaviour; every line of the
 * input that decodes as a frame encodes back to text that decodes to the
 * same frame; an answer copied out fits its buffer and is terminated;
 * every frame received is one a CAN bus can carry; every message is free
 * of terminal control bytes; the host stops. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_proto.h"
#include "can_slcan.h"
#include "fuzz_fake_input.h"

#define MAX_OPS 12

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: property failed: %s\n", what);
		abort();
	}
}

static bool same(const cl_frame *a, const cl_frame *b)
{
	return a->id == b->id && a->ext == b->ext && a->fd == b->fd &&
	       a->brs == b->brs && a->len == b->len &&
	       !memcmp(a->data, b->data, a->len);
}

static void check_frame(const cl_frame *f)
{
	check(f->id <= (f->ext ? 0x1FFFFFFFu : 0x7FFu), "an identifier too wide");
	check(f->fd ? cl_len_dlc(f->len) >= 0 : f->len <= 8,
	      "a frame length the bus cannot carry");
}

/* The text <-> frame round trip over the CR-separated pieces of the
 * whole input (the device bytes read later are the same bytes). */
static void round_trip(const uint8_t *data, size_t size)
{
	size_t start = 0;

	for (size_t i = 0; i <= size; i++) {
		cl_frame f, g;
		char text[1 + 8 + 1 + 128 + 2];
		size_t n;

		if (i < size && data[i] != '\r')
			continue;
		if (slcan_decode((const char *)data + start, i - start, &f)) {
			check_frame(&f);
			n = slcan_encode(&f, text, sizeof(text));
			check(n > 0 && n < sizeof(text) && text[n - 1] == '\r' &&
			      !text[n], "a decoded frame did not encode");
			check(slcan_decode(text, n - 1, &g) && same(&f, &g),
			      "a frame changed through encode and decode");
		}
		start = i + 1;
	}
}

static void op_send(const can_link *l, fz_in *in)
{
	uint8_t h = fz_ctl(in);
	cl_frame f;

	memset(&f, 0, sizeof(f));
	f.ext = h & 1;
	f.fd = h >> 1 & 1;
	f.brs = f.fd && (h >> 2 & 1);
	f.id = fz_ctl_u32(in) & (f.ext ? 0x1FFFFFFFu : 0x7FFu);
	f.len = f.fd ? cl_dlc_len[h >> 4] : (uint8_t)((h >> 4) % 9);
	for (unsigned i = 0; i < f.len; i++)
		f.data[i] = (uint8_t)(i * 7 + 3);
	if (l->send(l->user, &f) < 0)
		fz_check_text("a send error", l->error(l->user));
}

static void run(fz_in *in)
{
	static const unsigned rates[] = {10, 125, 250, 500, 1000, 33};
	static const unsigned data_rates[] = {0, 2000, 5000, 0, 1234};
	stp_ctx *ctx = fz_ctx_new();
	uint8_t how = fz_ctl(in);
	byte_link bl;
	slcan *s;
	const can_link *l;
	stp_status st;
	char ver[64];

	fz_byte_link(in, &bl);
	s = slcan_new(ctx, &bl, "fuzz");
	if (!s)
		abort();
	if (how & 1) {
		/* The answer is the adapter's text: it must fit and end. */
		memset(ver, 'x', sizeof(ver));
		(void)slcan_version(s, ver, sizeof(ver), 100);
		check(memchr(ver, '\0', sizeof(ver)) != NULL,
		      "the version answer is not terminated");
	}
	st = slcan_start(s, rates[(how >> 1) % 6], data_rates[(how >> 4) % 5]);
	if (st)
		fz_check_failure(ctx);
	l = slcan_link(s);
	if (!st && how & 0x80) {
		cp_dev d;
		uint8_t buf[17];

		/* FDCAN when the adapter was opened with a data rate. */
		cp_init(&d, ctx, l, "fuzz",
		        l->can_fd(l->user) ? CP_AN5405 : CP_AN3154,
		        rates[(how >> 1) % 6]);
		buf[16] = 0xA5;
		if ((st = cp_sync(&d, d.t.sync_tries, d.t.sync_ms)) ||
		    (st = cp_identify(&d)) ||
		    (st = cp_read(&d, 0x08000000u, buf, 16)))
			fz_check_failure(ctx);
		check(buf[16] == 0xA5, "READ over slcan wrote past its buffer");
	}
	for (int i = 0; !st && i < MAX_OPS && fz_ctl_left(in); i++) {
		uint8_t op = fz_ctl(in);
		cl_frame f;
		int r;

		switch (op % 5) {
		case 0:
		case 1:
			r = l->recv(l->user, &f, 1u + (op >> 3) * 10u);
			if (r == 1)
				check_frame(&f);
			else if (r < 0)
				fz_check_text("a receive error", l->error(l->user));
			break;
		case 2:
			op_send(l, in);
			break;
		case 3:
			if (l->set_bitrate(l->user, rates[(op >> 3) % 6]) < 0)
				fz_check_text("a bit-rate error", l->error(l->user));
			break;
		default:
			(void)l->can_fd(l->user);
			(void)l->now_ms(l->user);
			l->sleep_ms(l->user, op >> 3);
			break;
		}
	}
	slcan_stop(s);
	slcan_free(s);
	stp_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in;

	round_trip(data, size);
	fz_init(&in, data, size);
	run(&in);
	return 0;
}

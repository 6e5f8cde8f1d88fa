/* libFuzzer harness: the DFU 1.1 host (backends/dfu/dfu_proto.c) against
 * a control pipe whose every answer is the fuzz input (fuzz_fake_pipe.h):
 * GETSTATUS, GETSTATE, CLRSTATUS, ABORT, DETACH, DNLOAD, UPLOAD, the
 * polling until a state is reached (dfu_wait) and the recovery to
 * dfuIDLE, in the order the control bytes choose.
 *
 * Properties: no memory error or undefined behaviour; an UPLOAD never
 * reports more bytes than asked for; a wait or a recovery reported
 * successful really saw what it waited for (never a status other than OK
 * or the dfuERROR state, unless the device was allowed to vanish and
 * did); the words for any state and status are text; every message is
 * free of terminal control bytes; the host stops. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_fake_pipe.h"

#define MAX_OPS 12

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: property failed: %s\n", what);
		abort();
	}
}

static void after(stp_ctx *ctx, stp_status st)
{
	if (st)
		fz_check_failure(ctx);
}

static void op_wait(dfu_dev *d, fz_in *in)
{
	static const uint8_t wants[] = {DFU_DNLOAD_IDLE, DFU_MANIFEST, DFU_IDLE};
	uint8_t c = fz_ctl(in);
	uint8_t want = wants[c % 3];
	bool gone_ok = c >> 2 & 1;
	stp_status st;

	st = dfu_wait(d, "fuzz", 0x08000000u, 1u + fz_ctl(in) * 100u, want,
	              gone_ok);
	after(d->ctx, st);
	if (st)
		return;
	if (d->reset_seen) {
		check(gone_ok, "a vanished device taken as done unasked");
		return;
	}
	check(d->last.status == DFU_OK && d->last.state != DFU_ERROR,
	      "a wait succeeded on an error status");
	check(d->last.state == want ||
	      (want == DFU_MANIFEST && (d->last.state == DFU_MANIFEST_WAIT_RESET ||
	                                d->last.state == DFU_IDLE)),
	      "a wait succeeded in a state it did not wait for");
}

static void op_upload(dfu_dev *d, fz_in *in)
{
	uint16_t len = (uint16_t)(fz_ctl(in) * 9u);
	uint16_t got = 0xFFFF;
	uint8_t *buf = malloc(len ? len : 1);
	stp_status st;

	if (!buf)
		abort();
	st = dfu_upload(d, fz_ctl(in), buf, len, &got, "fuzz", 0x08000000u);
	after(d->ctx, st);
	if (!st)
		check(got <= len, "UPLOAD reported more bytes than asked for");
	free(buf);
}

static void run(fz_in *in)
{
	stp_ctx *ctx = fz_ctx_new();
	dfu_io io;
	dfu_dev d;

	fz_dfu_io(in, &io);
	dfu_init(&d, ctx, &io, "fuzz", 0, 2048);
	for (int i = 0; i < MAX_OPS && (fz_ctl_left(in) || fz_device_left(in));
	     i++) {
		dfu_status s;
		uint8_t state;
		stp_status st;

		switch (fz_ctl(in) % 9) {
		case 0:
			st = dfu_get_status(&d, &s, "fuzz", DFU_NO_ADDR);
			after(ctx, st);
			if (!st) {
				fz_check_text("a state name", dfu_state_name(s.state));
				fz_check_text("a status name", dfu_status_name(s.status));
				fz_check_text("a status sentence",
				              dfu_status_sentence(s.status));
				fz_check_text("a status hint", dfu_status_hint(s.status));
				check(s.status == DFU_OK ||
				      dfu_status_code(s.status) != STP_OK,
				      "an error status maps to success");
			}
			break;
		case 1:
			after(ctx, dfu_get_state(&d, &state));
			break;
		case 2:
			after(ctx, dfu_clear_status(&d));
			break;
		case 3:
			after(ctx, dfu_abort(&d));
			break;
		case 4:
			after(ctx, dfu_detach(&d, 1000));
			break;
		case 5: {
			uint8_t b[64];
			memset(b, 0x5A, sizeof(b));
			after(ctx, dfu_dnload(&d, fz_ctl(in), b, fz_ctl(in) % 65u,
			                      "fuzz", 0x08000000u));
			break;
		}
		case 6:
			op_upload(&d, in);
			break;
		case 7:
			op_wait(&d, in);
			break;
		default:
			st = dfu_recover(&d);
			after(ctx, st);
			if (!st)
				check(d.last.state == DFU_IDLE &&
				      d.last.status == DFU_OK,
				      "a recovery succeeded outside dfuIDLE");
			break;
		}
	}
	stp_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_in in;

	fz_init(&in, data, size);
	run(&in);
	return 0;
}

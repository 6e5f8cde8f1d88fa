/* libFuzzer harness: ST's DfuSe commands and data transfers
 * (backends/dfu/dfuse_cmd.c over dfu_proto.c) against a control pipe
 * whose every answer is the fuzz input (fuzz_fake_pipe.h): get commands,
 * set address, page and mass erase, read unprotect, downloads and uploads
 * split into blocks (with their retries and recoveries), the option-byte
 * download the device answers by resetting, and leaving DFU mode.  The
 * transfer size, which a real device states in its functional
 * descriptor, comes from the input too.
 *
 * Properties: no memory error or undefined behaviour; an upload fills
 * exactly its buffer (a guard byte after it stays untouched); get
 * commands never lists more codes than asked for; every message is free
 * of terminal control bytes; the host stops. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfuse_cmd.h"
#include "fuzz_fake_pipe.h"

#define MAX_OPS 8
#define GUARD 0xA5

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

static void op_upload(dfuse *s, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in);
	uint32_t len = 1u + fz_ctl(in) * 8u;
	uint8_t *buf = malloc(len + 1);

	if (!buf)
		abort();
	buf[len] = GUARD;
	after(s->d->ctx, dfuse_upload(s, addr, buf, len));
	check(buf[len] == GUARD, "an upload wrote past its buffer");
	free(buf);
}

static void op_download(dfuse *s, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in);
	uint32_t len = 1u + fz_ctl(in) * 8u;
	uint8_t *buf = malloc(len);

	if (!buf)
		abort();
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	after(s->d->ctx, dfuse_download(s, addr, buf, len));
	free(buf);
}

static void run(fz_in *in)
{
	stp_ctx *ctx = fz_ctx_new();
	/* 0 never reaches here: the backend takes 1024 for a device that
	 * names no transfer size (dfu_usb.c). */
	uint16_t xfer = (uint16_t)(fz_ctl(in) << 8 | fz_ctl(in));
	dfu_io io;
	dfu_dev d;
	dfuse s;

	xfer = xfer ? xfer : 1024;
	fz_dfu_io(in, &io);
	dfu_init(&d, ctx, &io, "fuzz", 0, xfer);
	dfuse_init(&s, &d);
	for (int i = 0; i < MAX_OPS && (fz_ctl_left(in) || fz_device_left(in));
	     i++) {
		switch (fz_ctl(in) % 10) {
		case 0: {
			uint8_t cmds[8];
			size_t n = 99;
			stp_status st = dfuse_get_commands(&s, cmds, sizeof(cmds), &n);
			after(ctx, st);
			if (!st)
				check(n <= sizeof(cmds), "get commands listed too many");
			break;
		}
		case 1:
			after(ctx, dfuse_set_address(&s, fz_ctl_u32(in)));
			break;
		case 2:
			after(ctx, dfuse_erase_unit(&s, fz_ctl_u32(in),
			                            1024u << (fz_ctl(in) % 8)));
			break;
		case 3:
			after(ctx, dfuse_mass_erase(&s));
			break;
		case 4:
			after(ctx, dfuse_read_unprotect(&s));
			break;
		case 5:
			op_download(&s, in);
			break;
		case 6:
			op_upload(&s, in);
			break;
		case 7: {
			uint8_t ob[32];
			bool vanished;
			memset(ob, 0xAA, sizeof(ob));
			after(ctx, dfuse_download_resetting(&s, 0x1FFFF800u, ob,
			                                    (uint16_t)(fz_ctl(in) % 33u),
			                                    "option bytes", &vanished));
			break;
		}
		case 8:
			after(ctx, dfuse_leave(&s, fz_ctl_u32(in)));
			break;
		default:
			dfuse_forget(&s);
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

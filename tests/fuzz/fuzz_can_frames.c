/* libFuzzer harness: the AN3154 (classic CAN) and AN5405 (FDCAN) hosts
 * (backends/can/can_proto.c, an3154.c, an5405.c) against a bus whose
 * every frame comes from the fuzz input (fuzz_fake_can.h).  The session
 * runs as the CAN backend runs it: sync or start frame, GET and GET ID,
 * SPEED on AN3154 when the ROM lists it; then up to eight operations the
 * control bytes choose (READ, WRITE, erase by units, mass and bank
 * erase, GO and the check after it, the protection commands and their
 * re-sync, option bytes).
 *
 * Properties: no memory error or undefined behaviour; a read fills
 * exactly its buffer (a guard byte after it stays untouched); every frame
 * the host sends is legal; every message is free of terminal control
 * bytes; the host stops (the virtual clock bounds every wait). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_proto.h"
#include "fuzz_fake_can.h"

#define MAX_OPS 8
#define GUARD 0xA5

static void after(stp_ctx *ctx, stp_status st)
{
	if (st)
		fz_check_failure(ctx);
}

static void op_read(cp_dev *d, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in);
	uint32_t len = 1u + fz_ctl(in);
	uint8_t *buf = malloc(len + 1);

	if (!buf)
		abort();
	buf[len] = GUARD;
	after(d->ctx, cp_read(d, addr, buf, len));
	if (buf[len] != GUARD) {
		fprintf(stderr, "fuzz: READ wrote past the bytes asked for\n");
		abort();
	}
	free(buf);
}

static void op_write(cp_dev *d, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in);
	uint32_t len = 1u + fz_ctl(in);
	uint8_t buf[256];

	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	after(d->ctx, cp_write(d, addr, buf, len));
}

static void op_erase(cp_dev *d, fz_in *in)
{
	size_t n = 1u + fz_ctl(in) % 80u;
	uint16_t units[80];
	uint32_t addrs[80];
	uint16_t base = (uint16_t)(fz_ctl(in) << 4);

	for (size_t i = 0; i < n; i++) {
		units[i] = (uint16_t)(base + i);
		addrs[i] = 0x08000000u + (uint32_t)units[i] * 2048u;
	}
	after(d->ctx, cp_erase_units(d, units, fz_ctl(in) & 1 ? addrs : NULL, n));
}

static void op_go(cp_dev *d, fz_in *in)
{
	stp_status st = cp_go(d, fz_ctl_u32(in));

	after(d->ctx, st);
	if (!st && cp_back_after_go(d) == CP_IO)
		fz_check_text("why", d->why);
}

static void op_protect(cp_dev *d, fz_in *in)
{
	uint16_t units[4] = {0, 1, 2, 3};

	switch (fz_ctl(in) % 4) {
	case 0:
		after(d->ctx, cp_readout_protect(d));
		break;
	case 1:
		after(d->ctx, cp_readout_unprotect(d));
		break;
	case 2:
		after(d->ctx, cp_write_protect(d, units, 1u + fz_ctl(in) % 4u));
		break;
	default:
		after(d->ctx, cp_write_unprotect(d));
		break;
	}
}

static void run(fz_in *in)
{
	stp_ctx *ctx = fz_ctx_new();
	uint8_t how = fz_ctl(in);
	bool fd = how & 1;
	can_link cl;
	cp_dev d;
	stp_status st;

	fz_can_link(in, &cl, fd);
	cp_init(&d, ctx, &cl, "fuzz", fd ? CP_AN5405 : CP_AN3154,
	        fd ? 500 : 125);
	st = cp_sync(&d, d.t.sync_tries, d.t.sync_ms);
	if (!st)
		st = cp_identify(&d);
	if (!st && !fd && how & 2 && cp_has(&d, CP_CMD_SPEED))
		st = an3154_speed(&d, how & 4 ? 1000 : 500);
	after(ctx, st);
	if (d.ncmds > sizeof(d.cmds)) {
		fprintf(stderr, "fuzz: GET's list overflowed\n");
		abort();
	}
	for (int i = 0; !st && i < MAX_OPS && fz_ctl_left(in); i++) {
		switch (fz_ctl(in) % 9) {
		case 0: op_read(&d, in); break;
		case 1: op_write(&d, in); break;
		case 2: op_erase(&d, in); break;
		case 3: after(ctx, cp_erase_mass(&d)); break;
		case 4: after(ctx, cp_erase_bank(&d, fz_ctl(in) & 1)); break;
		case 5: op_go(&d, in); break;
		case 6: op_protect(&d, in); break;
		case 7: {
			uint8_t ob[16];
			memset(ob, 0xAA, sizeof(ob));
			after(ctx, cp_write_option_bytes(&d, 0x1FFFF800u, ob,
			                                 4u * (1u + fz_ctl(in) % 4u)));
			break;
		}
		default:
			after(ctx, cp_resync_after_reset(&d, 1000u * (fz_ctl(in) % 40u),
			                                 "a reset"));
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

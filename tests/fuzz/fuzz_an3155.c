/* libFuzzer harness: the AN3155 host (backends/uart/an3155*.c) against a
 * device whose every byte is the fuzz input.  The session runs as the
 * USART backend runs it: 0x7F handshake (or, noinit=1, a GET probe),
 * GET, GET VERSION, GET ID; then up to eight operations the control
 * bytes choose (READ MEMORY, WRITE MEMORY, ERASE and EXTENDED ERASE by
 * pages, mass and bank erase, GET CHECKSUM, GO and the check after it,
 * the protection commands and their re-sync, option bytes, re-sync).
 *
 * Properties: no memory error or undefined behaviour (ASan, UBSan); a
 * read fills exactly the buffer it was given (a guard byte after it stays
 * untouched); GET's command list fits its array; every message is free
 * of terminal control bytes; the host stops (the virtual clock bounds
 * every wait). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an3155.h"
#include "fuzz_fake_input.h"

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

static void op_read(an_dev *d, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in);
	uint32_t len = 1u + fz_ctl(in);
	uint8_t *buf = malloc(len + 1);

	if (!buf)
		abort();
	buf[len] = GUARD;
	after(d->ctx, an_read(d, addr, buf, len));
	check(buf[len] == GUARD, "READ MEMORY wrote past the bytes asked for");
	free(buf);
}

static void op_write(an_dev *d, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in) & ~3u;
	uint32_t len = 4u * (1u + fz_ctl(in) % 64u);
	uint8_t buf[256];

	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	after(d->ctx, an_write(d, addr, buf, len));
}

static void op_erase(an_dev *d, fz_in *in)
{
	/* Past both commands' limits, so the split is exercised too. */
	size_t n = 1u + (size_t)fz_ctl(in) * 3u;
	uint16_t *pages = malloc(n * sizeof(*pages));
	uint32_t *addrs = malloc(n * sizeof(*addrs));
	uint16_t base = (uint16_t)(fz_ctl(in) << 4);

	if (!pages || !addrs)
		abort();
	for (size_t i = 0; i < n; i++) {
		pages[i] = (uint16_t)(base + i);
		addrs[i] = 0x08000000u + (uint32_t)pages[i] * 2048u;
	}
	after(d->ctx, an_erase_pages(d, pages, fz_ctl(in) & 1 ? addrs : NULL, n));
	free(pages);
	free(addrs);
}

static void op_crc(an_dev *d, fz_in *in)
{
	uint32_t addr = fz_ctl_u32(in) & ~3u;
	uint32_t len = 4u * (1u + fz_ctl(in));
	uint32_t crc = 0;

	after(d->ctx, an_crc(d, addr, len, &crc));
}

static void op_go(an_dev *d, fz_in *in)
{
	stp_status st = an_go(d, fz_ctl_u32(in));

	after(d->ctx, st);
	if (!st) {
		an_after_go w = an_check_after_go(d);
		check(w == AN_GO_LEFT || w == AN_GO_RESTARTED || w == AN_GO_STAYED,
		      "an_check_after_go answered no known place");
	}
}

static void op_protect(an_dev *d, fz_in *in)
{
	uint16_t units[4] = {0, 1, 2, 3};

	switch (fz_ctl(in) % 4) {
	case 0:
		after(d->ctx, an_readout_protect(d));
		break;
	case 1:
		after(d->ctx, an_readout_unprotect(d));
		break;
	case 2:
		after(d->ctx, an_write_protect(d, units, 1u + fz_ctl(in) % 4u));
		break;
	default:
		after(d->ctx, an_write_unprotect(d));
		break;
	}
}

static void op_option_bytes(an_dev *d, fz_in *in)
{
	uint8_t ob[16];
	uint32_t len = 4u * (1u + fz_ctl(in) % 4u);

	memset(ob, 0xAA, sizeof(ob));
	after(d->ctx, an_write_option_bytes(d, 0x1FFFF800u, ob, len));
}

static void run(fz_in *in)
{
	stp_ctx *ctx = fz_ctx_new();
	byte_link bl;
	an_dev d;
	stp_status st;
	uint8_t how = fz_ctl(in);

	fz_byte_link(in, &bl);
	an_init(&d, ctx, &bl, "fuzz");
	st = how & 1 ? an_probe(&d) : an_sync(&d);
	if (!st)
		st = an_identify(&d);
	after(ctx, st);
	check(d.ncmds <= sizeof(d.cmds),
	      "GET's list overflowed");
	for (int i = 0; !st && i < MAX_OPS && fz_ctl_left(in); i++) {
		switch (fz_ctl(in) % 11) {
		case 0: op_read(&d, in); break;
		case 1: op_write(&d, in); break;
		case 2: op_erase(&d, in); break;
		case 3: after(ctx, an_erase_mass(&d)); break;
		case 4: after(ctx, an_erase_bank(&d, fz_ctl(in) & 1)); break;
		case 5: op_crc(&d, in); break;
		case 6: op_go(&d, in); break;
		case 7: op_protect(&d, in); break;
		case 8: op_option_bytes(&d, in); break;
		case 9: after(ctx, an_resync(&d)); break;
		default: (void)an_rdp_established(&d); break;
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

/* What every image-reader harness checks on an image it read: the model's
 * promises (segments sorted by alt then address, never empty, never past
 * 4 GiB, never overlapping, adjacent data merged) and that writing it out
 * and reading that back gives the same segments, bytes and start address.
 * A broken promise is a crash (abort), so libFuzzer keeps the input.
 *
 * Header-only on purpose: each harness is one program with one source of
 * its own, and they all share these checks. */
#ifndef STMPROG_FUZZ_IMAGE_COMMON_H
#define STMPROG_FUZZ_IMAGE_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/image.h"

/* The base a raw binary or plain DFU file is read at: the usual flash. */
#define FUZZ_BASE 0x08000000u

/* Says which promise broke, on stderr (only ever printed for a crash),
 * then aborts. */
#define fuzz_check(cond, what)                                              \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__,      \
			        __LINE__, what);                            \
			abort();                                            \
		}                                                           \
	} while (0)

static inline void fuzz_image_invariants(const stp_image *img)
{
	size_t n = stp_image_segment_count(img);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		const stp_segment *s = stp_image_segment(img, i);

		fuzz_check(s != NULL, "segment missing below the count");
		fuzz_check(s->len > 0, "empty segment");
		fuzz_check(s->data != NULL, "segment without bytes");
		fuzz_check((uint64_t)s->addr + s->len <= 0x100000000ull,
		           "segment past 4 GiB");
		total += s->len;
		if (i) {
			const stp_segment *p = stp_image_segment(img, i - 1);

			fuzz_check(p->alt <= s->alt, "segments not sorted by alt");
			if (p->alt == s->alt)
				fuzz_check((uint64_t)p->addr + p->len < s->addr,
				           "segments overlap, touch unmerged or are "
				           "out of order");
		}
	}
	fuzz_check(stp_image_segment(img, n) == NULL,
	           "a segment past the count");
	fuzz_check(stp_image_size(img) == total, "size is not the sum");
}

/* Same segments (alt, address, length, bytes) in the same order. */
static inline void fuzz_image_same(const stp_image *a, const stp_image *b)
{
	size_t n = stp_image_segment_count(a);

	fuzz_check(stp_image_segment_count(b) == n,
	           "round trip changed the segment count");
	for (size_t i = 0; i < n; i++) {
		const stp_segment *x = stp_image_segment(a, i);
		const stp_segment *y = stp_image_segment(b, i);

		fuzz_check(x->alt == y->alt && x->addr == y->addr &&
		           x->len == y->len,
		           "round trip moved or resized a segment");
		fuzz_check(memcmp(x->data, y->data, x->len) == 0,
		           "round trip changed bytes");
	}
}

/* Writes img as fmt, reads the result back (at base for formats that
 * need one) and compares.  Returns the reread image for format-specific
 * checks (the caller frees it), or NULL when the image holds nothing
 * (no writer accepts an empty image). */
static inline stp_image *fuzz_image_roundtrip(const stp_image *img,
                                       stp_image_format fmt, uint32_t base,
                                       const stp_write_opts *opts)
{
	stp_ctx *ctx;
	stp_image *back = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;

	if (stp_image_segment_count(img) == 0)
		return NULL;
	ctx = stp_ctx_new();
	fuzz_check(ctx != NULL, "no context");
	if (stp_image_write(ctx, img, fmt, opts, &out, &outlen) != STP_OK) {
		fprintf(stderr, "fuzz: writing %s failed: %s\n",
		        stp_image_format_name(fmt), stp_last_detail(ctx));
		abort();
	}
	if (stp_image_parse(ctx, out, outlen, fmt, "written", base, &back) !=
	    STP_OK) {
		fprintf(stderr, "fuzz: rereading what %s wrote failed: %s\n",
		        stp_image_format_name(fmt), stp_last_detail(ctx));
		abort();
	}
	free(out);
	stp_ctx_free(ctx);
	fuzz_image_invariants(back);
	fuzz_image_same(img, back);
	return back;
}

/* The round trip through a text format that also carries the start
 * address (Intel HEX record 05, S-record S7): entry must survive too,
 * except address 0 in S-records, where it means "no start address"
 * (what tools write when there is none; core/image_srec.c). */
static inline void fuzz_image_roundtrip_text(const stp_image *img,
                                      stp_image_format fmt)
{
	stp_image *back = fuzz_image_roundtrip(img, fmt, 0, NULL);

	if (!back)
		return;
	if (stp_image_has_entry(img) &&
	    !(fmt == STP_FMT_SREC && stp_image_entry(img) == 0))
		fuzz_check(stp_image_has_entry(back) &&
		           stp_image_entry(back) == stp_image_entry(img),
		           "round trip lost the start address");
	stp_image_free(back);
}

/* Parses buf as fmt; on success checks the model and returns the image
 * (the caller frees it), else NULL.  Detection runs too: it sees the
 * same untrusted bytes before any reader does. */
static inline stp_image *fuzz_image_read(const uint8_t *buf, size_t len,
                                  stp_image_format fmt, uint32_t base)
{
	stp_ctx *ctx = stp_ctx_new();
	stp_image *img = NULL;

	fuzz_check(ctx != NULL, "no context");
	(void)stp_image_detect(buf, len, "input");
	if (stp_image_parse(ctx, buf, len, fmt, "input", base, &img) != STP_OK)
		img = NULL;
	else
		fuzz_check(img != NULL, "parse succeeded without an image");
	stp_ctx_free(ctx);
	if (img)
		fuzz_image_invariants(img);
	return img;
}

/* A copy of buf whose DFU suffix CRC (the last four bytes) is right, so
 * the fuzzer gets past the check to the structure behind it; NULL when
 * buf is too short to have a suffix or its CRC is right already. */
static inline uint8_t *fuzz_fix_dfu_crc(const uint8_t *buf, size_t len)
{
	uint8_t *copy;
	uint32_t crc;

	if (len < 16)
		return NULL;
	crc = stp_dfu_crc(buf, len - 4);
	if (buf[len - 4] == (uint8_t)crc && buf[len - 3] == (uint8_t)(crc >> 8) &&
	    buf[len - 2] == (uint8_t)(crc >> 16) &&
	    buf[len - 1] == (uint8_t)(crc >> 24))
		return NULL;
	copy = malloc(len);
	fuzz_check(copy != NULL, "out of memory");
	memcpy(copy, buf, len);
	copy[len - 4] = (uint8_t)crc;
	copy[len - 3] = (uint8_t)(crc >> 8);
	copy[len - 2] = (uint8_t)(crc >> 16);
	copy[len - 1] = (uint8_t)(crc >> 24);
	return copy;
}

#endif

/* libFuzzer harness: option-byte KEY=VALUE assignments (-ob RDP=0xBB ...)
 * on the chips whose fields stmprog knows.
 *
 * Input: byte 0 picks the chip (its high bit: complements made right, so
 * the image passes the consistency check, or left as given); then the
 * assignments, separated by NUL bytes, up to an empty one (two NULs in a
 * row); then the image as the device would return it, padded to the
 * chip's ob_size with 0xFF.  So one seed means the same on every chip.
 *
 * Properties:
 *  - never read protection level 2 unless confirmed: assignments applied
 *    without STP_OB_ALLOW_LEVEL2 never change the image towards level 2
 *    (stp_ob_irreversible reports no RDP2), and with it, an image whose
 *    RDP byte went to 0xCC (on a family that has level 2; F1 has none) is
 *    refused by the guard on a context that did not confirm rdp2, and
 *    passed on one that did;
 *  - all or nothing: a failed apply leaves the image unchanged. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "stmprog/guard.h"
#include "stmprog/option_bytes.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ASSIGN 8
#define MAX_CHIPS 256

#define check(cond, what)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz: %s\n", what);                \
			abort();                                            \
		}                                                           \
	} while (0)

static const stp_chip *chips[MAX_CHIPS];
static size_t nchips;

/* Every chip with a known field table and option bytes, in table order:
 * the same list on every run, so an input always means the same chip. */
static void find_chips(void)
{
	size_t count, n;
	const stp_chip *t = stp_chip_table(&count);

	for (size_t i = 0; i < count && nchips < MAX_CHIPS; i++)
		if (t[i].ob_size && t[i].ob_size <= 4096 &&
		    stp_ob_fields(&t[i], &n) && n)
			chips[nchips++] = &t[i];
}

static void make_complements(const stp_chip *chip, uint8_t *ob, size_t len)
{
	switch (stp_ob_shape_of(chip)) {
	case STP_OB_BYTE_PAIRS:
		for (size_t i = 0; i + 1 < len; i += 2)
			ob[i + 1] = (uint8_t)~ob[i];
		break;
	case STP_OB_HALF_WORDS:
		for (size_t i = 0; i + 3 < len; i += 4) {
			ob[i + 2] = (uint8_t)~ob[i];
			ob[i + 3] = (uint8_t)~ob[i + 1];
		}
		break;
	case STP_OB_WORD_PAIRS:
		for (size_t i = 0; i + 7 < len; i += 8)
			for (size_t k = 0; k < 4; k++)
				ob[i + 4 + k] = (uint8_t)~ob[i + k];
		break;
	case STP_OB_PLAIN:
		break;
	}
}

static void ignore_line(void *user, const char *line)
{
	(void)user;
	(void)line;
}

static bool rdp_is(const stp_chip *chip, const uint8_t *ob, size_t len,
                   uint32_t v)
{
	uint32_t rdp;

	return stp_ob_get(NULL, chip, ob, len, "RDP", &rdp) == STP_OK &&
	       rdp == v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const stp_chip *chip;
	uint8_t *before, *after;
	size_t len, take, alen;
	const uint8_t *img, *end;
	fuzz_words w;
	stp_ctx *ctx;
	stp_status st;
	unsigned kinds;
	char why[512];

	if (!nchips)
		find_chips();
	if (!nchips || size < 1)
		return 0;
	chip = chips[(data[0] & 0x7F) % nchips];
	len = chip->ob_size;
	before = malloc(len);
	after = malloc(len);
	ctx = stp_ctx_new();
	check(before && after && ctx, "out of memory");
	end = data + size;
	img = end;
	for (const uint8_t *p = data + 1; p + 1 < end; p++)
		if (!p[0] && !p[1]) {
			img = p + 2;
			break;
		}
	alen = (size_t)(img == end ? end - (data + 1) : img - 2 - (data + 1));
	take = (size_t)(end - img) < len ? (size_t)(end - img) : len;
	memset(before, 0xFF, len);
	memcpy(before, img, take);
	if (data[0] & 0x80)
		make_complements(chip, before, len);
	(void)stp_ob_check(ctx, chip, before, len);
	(void)stp_ob_format(ctx, chip, before, len, ignore_line, NULL);

	if (!fuzz_split(data + 1, alen, MAX_ASSIGN, NULL, &w))
		goto out;
	/* Without the level-2 flag: never towards level 2. */
	memcpy(after, before, len);
	st = stp_ob_apply(ctx, chip, after, len, (const char *const *)w.word,
	                  (size_t)w.n, 0);
	if (st == STP_OK) {
		kinds = stp_ob_irreversible(chip, before, after, len, why,
		                            sizeof(why));
		check(!(kinds & STP_IRREV_RDP2),
		      "level 2 set without STP_OB_ALLOW_LEVEL2");
		check(!(rdp_is(chip, after, len, 0xCC) &&
		        !rdp_is(chip, before, len, 0xCC) &&
		        strcmp(chip->family, "F1") != 0),
		      "RDP became 0xCC without STP_OB_ALLOW_LEVEL2");
	} else {
		check(memcmp(after, before, len) == 0,
		      "a failed apply changed the image");
	}
	/* With it: the guard is what stands between the image and the chip. */
	memcpy(after, before, len);
	st = stp_ob_apply(ctx, chip, after, len, (const char *const *)w.word,
	                  (size_t)w.n, STP_OB_ALLOW_LEVEL2);
	if (st == STP_OK) {
		bool to_level2 = rdp_is(chip, after, len, 0xCC) &&
		                 !rdp_is(chip, before, len, 0xCC) &&
		                 strcmp(chip->family, "F1") != 0;
		stp_ctx *plain = stp_ctx_new();

		check(plain, "out of memory");
		kinds = stp_ob_irreversible(chip, before, after, len, why,
		                            sizeof(why));
		check(!to_level2 || (kinds & STP_IRREV_RDP2),
		      "RDP 0xCC not reported as level 2");
		st = stp_guard_option_bytes(plain, chip, before, after, len,
		                            "-ob");
		check(kinds ? st == STP_ERR_REFUSED : st == STP_OK,
		      "the unconfirmed guard let an irreversible change pass");
		stp_ctx_confirm(plain, STP_IRREV_ALL);
		check(stp_guard_option_bytes(plain, chip, before, after, len,
		                             "-ob") == STP_OK,
		      "the guard refused what was confirmed");
		stp_ctx_free(plain);
	} else {
		check(memcmp(after, before, len) == 0,
		      "a failed apply changed the image");
	}
	fuzz_words_free(&w);
out:
	stp_ctx_free(ctx);
	free(before);
	free(after);
	return 0;
}

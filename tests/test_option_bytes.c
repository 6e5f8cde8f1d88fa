/* Tests of the named option-byte fields: every family's table against the
 * chip database, values decoded from images the reference manuals give
 * (factory values, protection levels), set/get round trips with their
 * complements, KEY=VALUE parsing, and the refusals.
 *
 * Complement positions and expected values are written out here from the
 * manuals, not taken from the library, so a wrong table fails. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "stmprog/chip.h"
#include "stmprog/guard.h"
#include "stmprog/option_bytes.h"

static stp_ctx *ctx;

static void setup(void)
{
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

TestSuite(ob, .init = setup, .fini = teardown);

static const stp_chip *chip(uint16_t pid)
{
	const stp_chip *c = stp_chip_by_pid(pid);
	cr_assert_not_null(c, "PID 0x%03X missing from the chip table", pid);
	return c;
}

/* Families whose fields must be known, with the complement layout their
 * reference manuals describe. */
static const struct {
	const char *family;
	stp_ob_shape shape;
} covered[] = {
	{"F0", STP_OB_BYTE_PAIRS}, {"F1", STP_OB_BYTE_PAIRS},
	{"F3", STP_OB_BYTE_PAIRS}, {"F2", STP_OB_PLAIN}, {"F4", STP_OB_PLAIN},
	{"F7", STP_OB_PLAIN}, {"L0", STP_OB_HALF_WORDS},
	{"L1", STP_OB_HALF_WORDS}, {"L4", STP_OB_WORD_PAIRS},
	{"L4+", STP_OB_WORD_PAIRS}, {"G0", STP_OB_WORD_PAIRS},
	{"G4", STP_OB_WORD_PAIRS}, {"WB", STP_OB_WORD_PAIRS},
	{"WL", STP_OB_WORD_PAIRS}, {"C0", STP_OB_WORD_PAIRS},
	{"U0", STP_OB_WORD_PAIRS},
	/* Option registers read as a window, no complements. */
	{"L5", STP_OB_PLAIN}, {"U5", STP_OB_PLAIN}, {"U3", STP_OB_PLAIN},
	{"WBA", STP_OB_PLAIN}, {"H7", STP_OB_PLAIN}, {"H5", STP_OB_PLAIN},
};

static int covered_index(const stp_chip *c)
{
	/* H7R/H7S keep their option words outside the window the table
	 * maps for H7. */
	if (c->pid == 0x485)
		return -1;
	for (size_t i = 0; i < sizeof(covered) / sizeof(covered[0]); i++)
		if (strcmp(covered[i].family, c->family) == 0)
			return (int)i;
	return -1;
}

/* Where the complement of image byte off is, per the manuals' option-byte
 * organisation tables; -1 for none, -2 if off is itself a complement. */
static long compl_pos(stp_ob_shape shape, size_t off)
{
	switch (shape) {
	case STP_OB_BYTE_PAIRS: /* RDP nRDP USER nUSER ... */
		return off % 2 ? -2 : (long)off + 1;
	case STP_OB_HALF_WORDS: /* [15:0] value, [31:16] complement */
		return off % 4 >= 2 ? -2 : (long)off + 2;
	case STP_OB_WORD_PAIRS: /* 64-bit slot: value word, complement word */
		return off % 8 >= 4 ? -2 : (long)off + 4;
	case STP_OB_PLAIN:
		break;
	}
	return -1;
}

/* The image bytes a field covers, computed independently of the library. */
static unsigned bytes_of(stp_ob_shape shape, const stp_ob_field *f,
                         size_t at[4])
{
	unsigned n = (unsigned)(f->shift + f->width + 7) / 8;
	size_t off = f->offset;

	for (unsigned i = 0; i < n; i++) {
		while (compl_pos(shape, off) == -2)
			off++;
		at[i] = off++;
	}
	return n;
}

/* A consistent image: every value byte `fill`, complements matching. */
static void make_image(const stp_chip *c, uint8_t *ob, size_t len, uint8_t fill)
{
	stp_ob_shape shape = stp_ob_shape_of(c);

	for (size_t i = 0; i < len; i++)
		if (compl_pos(shape, i) != -2)
			ob[i] = fill;
	for (size_t i = 0; i < len; i++) {
		long k = compl_pos(shape, i);
		if (k >= 0 && (size_t)k < len)
			ob[k] = (uint8_t)~ob[i];
	}
}

static uint32_t get(const stp_chip *c, const uint8_t *ob, size_t len,
                    const char *name)
{
	uint32_t v = 0xDEADBEEF;
	stp_status st = stp_ob_get(ctx, c, ob, len, name, &v);
	cr_assert_eq(st, STP_OK, "get %s on 0x%03X: %s", name, c->pid,
	             stp_last_detail(ctx));
	return v;
}

/* ---- tables -------------------------------------------------------------- */

Test(ob, every_chip_has_a_sane_table_or_none)
{
	size_t nchips;
	const stp_chip *t = stp_chip_table(&nchips);

	for (size_t ci = 0; ci < nchips; ci++) {
		const stp_chip *c = &t[ci];
		int cov = covered_index(c);
		size_t n;
		const stp_ob_field *f = stp_ob_fields(c, &n);
		uint32_t mask[0x800] = {0}; /* per image byte: bits in use */
		bool have_rdp = false;

		if (cov < 0) {
			cr_expect_null(f, "%s (%s) should have no named fields",
			               c->name, c->family);
			cr_expect_eq(n, 0);
			continue;
		}
		cr_assert_not_null(f, "%s (%s) has no fields", c->name, c->family);
		cr_assert_gt(n, 0);
		cr_expect_eq(stp_ob_shape_of(c), covered[cov].shape,
		             "%s: wrong complement layout", c->name);
		cr_assert_leq(c->ob_size, sizeof(mask) / sizeof(mask[0]));
		for (size_t i = 0; i < n; i++) {
			size_t at[4];
			unsigned nb;

			cr_assert(f[i].name && *f[i].name);
			cr_expect(f[i].desc && *f[i].desc, "%s has no description",
			          f[i].name);
			cr_assert(f[i].width >= 1 && f[i].shift + f[i].width <= 32,
			          "%s: bits %u+%u", f[i].name, f[i].shift, f[i].width);
			if (i)
				cr_expect(f[i - 1].offset < f[i].offset ||
				          (f[i - 1].offset == f[i].offset &&
				           f[i - 1].shift < f[i].shift),
				          "%s: %s and %s out of order", c->name,
				          f[i - 1].name, f[i].name);
			for (size_t j = 0; j < i; j++) {
				cr_expect(strcasecmp(f[i].name, f[j].name) != 0,
				          "%s: %s twice", c->name, f[i].name);
				if (f[i].alias)
					cr_expect(strcasecmp(f[i].alias, f[j].name) != 0 &&
					          (!f[j].alias ||
					           strcasecmp(f[i].alias, f[j].alias) != 0),
					          "%s: alias %s clashes", c->name,
					          f[i].alias);
				if (f[j].alias)
					cr_expect(strcasecmp(f[i].name, f[j].alias) != 0,
					          "%s: %s clashes with an alias", c->name,
					          f[i].name);
			}
			if (f[i].flags & STP_OB_FIELD_RDP) {
				have_rdp = true;
				cr_expect_eq(f[i].width, 8);
			}
			cr_expect_eq(compl_pos(covered[cov].shape, f[i].offset) == -2,
			             false, "%s: %s starts on a complement byte",
			             c->name, f[i].name);
			nb = bytes_of(covered[cov].shape, &f[i], at);
			for (unsigned b = 0; b < nb; b++) {
				uint32_t lo = b * 8, hi = lo + 8;
				uint32_t s = f[i].shift, e = f[i].shift + f[i].width;
				uint32_t bits = 0;
				cr_assert_lt(at[b], c->ob_size,
				             "%s: %s reaches byte 0x%zX, image has %u",
				             c->name, f[i].name, at[b], c->ob_size);
				for (uint32_t k = lo; k < hi; k++)
					if (k >= s && k < e)
						bits |= 1u << (k - lo);
				cr_expect_eq(mask[at[b]] & bits, 0,
				             "%s: %s overlaps another field in byte 0x%zX",
				             c->name, f[i].name, at[b]);
				mask[at[b]] |= bits;
			}
		}
		/* H5 has a PRODUCT_STATE life cycle instead of RDP levels. */
		cr_expect(have_rdp || !strcmp(c->family, "H5"),
		          "%s has no RDP field", c->name);
	}
}

Test(ob, find_is_case_insensitive_and_knows_aliases)
{
	const stp_chip *f4 = chip(0x413);

	cr_assert_not_null(stp_ob_find(f4, "rdp"));
	cr_assert_str_eq(stp_ob_find(f4, "bor_lev")->name, "BOR_LEV");
	/* WDG_SW on F4, IWDG_SW in the vendor CLI of later families. */
	cr_assert_str_eq(stp_ob_find(f4, "IWDG_SW")->name, "WDG_SW");
	cr_assert_null(stp_ob_find(f4, "RDP2"));
	cr_assert_null(stp_ob_find(f4, "RD"));
}

/* ---- decoding images from the manuals ------------------------------------ */

/* F4 as shipped: USER 0xEC (BOR off, software watchdog, no resets), RDP
 * level 0, nWRP all ones (RM0090 option byte description). */
Test(ob, f4_factory_image)
{
	const stp_chip *c = chip(0x413);
	uint8_t ob[16];
	char line[128];

	memset(ob, 0xFF, sizeof(ob));
	ob[0] = 0xEC;
	ob[1] = 0xAA;
	cr_assert_eq(get(c, ob, 16, "BOR_LEV"), 3);
	cr_assert_eq(get(c, ob, 16, "WDG_SW"), 1);
	cr_assert_eq(get(c, ob, 16, "nRST_STOP"), 1);
	cr_assert_eq(get(c, ob, 16, "nRST_STDBY"), 1);
	cr_assert_eq(get(c, ob, 16, "RDP"), 0xAA);
	cr_assert_eq(get(c, ob, 16, "nWRP"), 0xFFF);
	stp_ob_describe(c, stp_ob_find(c, "RDP"), 0xAA, 0, line, sizeof(line));
	cr_assert_str_eq(line, "RDP : 0xAA (level 0, no protection)");
	stp_ob_describe(c, stp_ob_find(c, "BOR_LEV"), 3, 0, line, sizeof(line));
	cr_assert_str_eq(line, "BOR_LEV : 0x3 (BOR off)");
	stp_ob_describe(c, stp_ob_find(c, "RDP"), 0xCC, 0, line, sizeof(line));
	cr_assert(strstr(line, "level 2"), "%s", line);
	stp_ob_describe(c, stp_ob_find(c, "RDP"), 0x00, 0, line, sizeof(line));
	cr_assert(strstr(line, "level 1"), "%s", line);
	cr_assert_eq(stp_ob_check(ctx, c, ob, 16), STP_OK);
}

/* F42x: BFB2 in USER bit 4, SPRMOD/DB1M at the top of the nWRP word. */
Test(ob, f42x_extra_bits)
{
	const stp_chip *c = chip(0x419);
	uint8_t ob[16];

	memset(ob, 0xFF, sizeof(ob));
	ob[0] = 0xFC;
	ob[1] = 0xAA;
	ob[8] = 0xFF;
	ob[9] = 0x7F; /* SPRMOD 0, DB1M 1 */
	cr_assert_eq(get(c, ob, 16, "BFB2"), 1);
	cr_assert_eq(get(c, ob, 16, "SPRMOD"), 0);
	cr_assert_eq(get(c, ob, 16, "DB1M"), 1);
	cr_assert_eq(get(c, ob, 16, "nWRP"), 0xFFF);
	/* F405 has none of these. */
	cr_assert_null(stp_ob_find(chip(0x413), "BFB2"));
	cr_assert_null(stp_ob_find(chip(0x413), "SPRMOD"));
}

/* F0 production value 0x00FF55AA at 0x1FFFF800 (RM0091). */
Test(ob, f0_production_value)
{
	const stp_chip *c = chip(0x440);
	uint8_t ob[16];

	make_image(c, ob, 16, 0xFF);
	ob[0] = 0xAA;
	ob[1] = 0x55;
	ob[2] = 0xFF;
	ob[3] = 0x00;
	cr_assert_eq(stp_ob_check(ctx, c, ob, 16), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(get(c, ob, 16, "RDP"), 0xAA);
	cr_assert_eq(get(c, ob, 16, "WDG_SW"), 1);
	cr_assert_eq(get(c, ob, 16, "nBOOT1"), 1);
	cr_assert_eq(get(c, ob, 16, "RAM_PARITY_CHECK"), 1);
	cr_assert_eq(get(c, ob, 16, "WRP3"), 0xFF);
}

/* F1: 0xA5 is the unprotected code and there is no level 2 (PM0075). */
Test(ob, f1_rdp_codes)
{
	const stp_chip *c = chip(0x410);
	const stp_ob_field *rdp = stp_ob_find(c, "RDP");
	uint8_t ob[16];
	char line[128];

	stp_ob_describe(c, rdp, 0xA5, 0, line, sizeof(line));
	cr_assert(strstr(line, "level 0"), "%s", line);
	stp_ob_describe(c, rdp, 0xAA, 0, line, sizeof(line));
	cr_assert(strstr(line, "level 1"), "%s", line);
	stp_ob_describe(c, rdp, 0xCC, 0, line, sizeof(line));
	cr_assert(strstr(line, "level 1"), "%s", line);
	/* 0xCC is only level 1 here, so no flag is needed. */
	make_image(c, ob, 16, 0xFF);
	cr_assert_eq(stp_ob_set(ctx, c, ob, 16, "RDP", 0xCC, 0), STP_OK);
	cr_assert_eq(ob[0], 0xCC);
	cr_assert_eq(ob[1], 0x33);
}

/* L4 factory FLASH_OPTR 0xFFEFF8AA (RM0351), complement in the next word. */
Test(ob, l4_factory_optr)
{
	const stp_chip *c = chip(0x415);
	uint8_t ob[16] = {0xAA, 0xF8, 0xEF, 0xFF, 0x55, 0x07, 0x10, 0x00};

	make_image(c, ob + 8, 8, 0xFF);
	cr_assert_eq(stp_ob_check(ctx, c, ob, 16), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(get(c, ob, 16, "RDP"), 0xAA);
	cr_assert_eq(get(c, ob, 16, "BOR_LEV"), 0);
	cr_assert_eq(get(c, ob, 16, "nRST_STOP"), 1);
	cr_assert_eq(get(c, ob, 16, "nRST_STDBY"), 1);
	cr_assert_eq(get(c, ob, 16, "nRST_SHDW"), 1);
	cr_assert_eq(get(c, ob, 16, "IWDG_SW"), 1);
	cr_assert_eq(get(c, ob, 16, "IWDG_STOP"), 1);
	cr_assert_eq(get(c, ob, 16, "IWDG_STDBY"), 1);
	cr_assert_eq(get(c, ob, 16, "WWDG_SW"), 1);
	cr_assert_eq(get(c, ob, 16, "BFB2"), 0);
	cr_assert_eq(get(c, ob, 16, "DUALBANK"), 1);
	cr_assert_eq(get(c, ob, 16, "nBOOT1"), 1);
	cr_assert_eq(get(c, ob, 16, "SRAM2_PE"), 1);
	cr_assert_eq(get(c, ob, 16, "SRAM2_RST"), 1);
	cr_assert_eq(get(c, ob, 16, "nSWBOOT0"), 1);
	cr_assert_eq(get(c, ob, 16, "nBOOT0"), 1);
	/* Single-bank L43x has no BFB2. */
	cr_assert_null(stp_ob_find(chip(0x435), "BFB2"));
}

/* L0: level 0 is xx55xxAA in the first word (RM0367). */
Test(ob, l0_level0_word)
{
	const stp_chip *c = chip(0x417);
	uint8_t ob[32];

	make_image(c, ob, 32, 0x00);
	ob[0] = 0xAA;
	ob[2] = 0x55;
	ob[4] = 0x78; /* BOR off, software watchdog, no resets */
	ob[6] = 0x87;
	cr_assert_eq(stp_ob_check(ctx, c, ob, 32), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(get(c, ob, 32, "RDP"), 0xAA);
	cr_assert_eq(get(c, ob, 32, "WPRMOD"), 0);
	cr_assert_eq(get(c, ob, 32, "BOR_LEV"), 8);
	cr_assert_eq(get(c, ob, 32, "WDG_SW"), 1);
	cr_assert_eq(get(c, ob, 32, "nRST_STOP"), 1);
	cr_assert_eq(get(c, ob, 32, "nRST_STDBY"), 1);
	cr_assert_eq(get(c, ob, 32, "nBOOT1"), 0);
	cr_assert_eq(get(c, ob, 32, "WRPROT1"), 0);
}

/* ---- set / get ------------------------------------------------------------ */

/* For every covered chip and every settable field: values round-trip,
 * other fields keep theirs, complements stay right. */
Test(ob, round_trip_every_field)
{
	size_t nchips;
	const stp_chip *t = stp_chip_table(&nchips);
	static uint8_t ob[0x800], before[0x800];

	for (size_t ci = 0; ci < nchips; ci++) {
		const stp_chip *c = &t[ci];
		size_t n, len = c->ob_size;
		const stp_ob_field *f = stp_ob_fields(c, &n);

		if (!f)
			continue;
		make_image(c, ob, len, 0x5A);
		for (size_t i = 0; i < n; i++) {
			uint32_t max = f[i].width == 32 ? 0xFFFFFFFFu
			                                : (1u << f[i].width) - 1;
			uint32_t vals[] = {0, max, 0x12345678u & max};

			if (f[i].flags & STP_OB_FIELD_READONLY)
				continue;
			for (size_t v = 0; v < 3; v++) {
				uint32_t other[64];
				cr_assert_leq(n, 64);
				for (size_t j = 0; j < n; j++)
					other[j] = get(c, ob, len, f[j].name);
				memcpy(before, ob, len);
				cr_assert_eq(stp_ob_set(ctx, c, ob, len, f[i].name,
				                        vals[v], STP_OB_ALLOW_LEVEL2),
				             STP_OK, "%s %s=0x%X: %s", c->name,
				             f[i].name, vals[v], stp_last_detail(ctx));
				cr_assert_eq(get(c, ob, len, f[i].name), vals[v],
				             "%s %s", c->name, f[i].name);
				for (size_t j = 0; j < n; j++)
					if (j != i)
						cr_assert_eq(get(c, ob, len, f[j].name),
						             other[j], "%s: setting %s changed %s",
						             c->name, f[i].name, f[j].name);
				cr_assert_eq(stp_ob_check(ctx, c, ob, len), STP_OK,
				             "%s after %s: %s", c->name, f[i].name,
				             stp_last_detail(ctx));
			}
		}
	}
}

Test(ob, complements_are_rewritten)
{
	const stp_chip *f0 = chip(0x440), *l0 = chip(0x417), *l4 = chip(0x415),
	               *f4 = chip(0x413);
	uint8_t ob[32];

	make_image(f0, ob, 16, 0xFF);
	ob[0] = 0xAA;
	ob[1] = 0x55;
	cr_assert_eq(stp_ob_set(ctx, f0, ob, 16, "nRST_STOP", 0, 0), STP_OK);
	cr_assert_eq(ob[2], 0xFD);
	cr_assert_eq(ob[3], 0x02);
	cr_assert_eq(stp_ob_set(ctx, f0, ob, 16, "Data1", 0x3C, 0), STP_OK);
	cr_assert_eq(ob[6], 0x3C);
	cr_assert_eq(ob[7], 0xC3);

	make_image(l0, ob, 32, 0x00);
	cr_assert_eq(stp_ob_set(ctx, l0, ob, 32, "BOR_LEV", 0x9, 0), STP_OK);
	cr_assert_eq(ob[4], 0x09);
	cr_assert_eq(ob[6], 0xF6);
	cr_assert_eq(stp_ob_set(ctx, l0, ob, 32, "nBOOT1", 1, 0), STP_OK);
	cr_assert_eq(ob[5], 0x80);
	cr_assert_eq(ob[7], 0x7F);
	/* WRPROT1 spans two half-words: 8-9 and 12-13. */
	cr_assert_eq(stp_ob_set(ctx, l0, ob, 32, "WRPROT1", 0xA1B2C3D4u, 0),
	             STP_OK);
	cr_assert_eq(ob[8], 0xD4);
	cr_assert_eq(ob[9], 0xC3);
	cr_assert_eq(ob[10], 0x2B);
	cr_assert_eq(ob[11], 0x3C);
	cr_assert_eq(ob[12], 0xB2);
	cr_assert_eq(ob[13], 0xA1);
	cr_assert_eq(ob[14], 0x4D);
	cr_assert_eq(ob[15], 0x5E);

	make_image(l4, ob, 16, 0xFF);
	cr_assert_eq(stp_ob_set(ctx, l4, ob, 16, "BOR_LEV", 4, 0), STP_OK);
	cr_assert_eq(ob[1], 0xFC);
	cr_assert_eq(ob[5], 0x03);

	/* F4 keeps no complements: only the RDP byte changes. */
	memset(ob, 0xFF, 16);
	ob[0] = 0xEC;
	ob[1] = 0xAA;
	cr_assert_eq(stp_ob_set(ctx, f4, ob, 16, "RDP", 0xBB, 0), STP_OK);
	cr_assert_eq(ob[1], 0xBB);
	for (int i = 2; i < 16; i++)
		cr_assert_eq(ob[i], 0xFF, "byte %d", i);
	cr_assert_eq(ob[0], 0xEC);
}

Test(ob, set_refuses_wide_values_and_short_images)
{
	const stp_chip *f4 = chip(0x413);
	uint8_t ob[16], copy[16];

	memset(ob, 0xFF, 16);
	memcpy(copy, ob, 16);
	cr_assert_eq(stp_ob_set(ctx, f4, ob, 16, "BOR_LEV", 4, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "BOR_LEV"));
	cr_assert(strstr(stp_last_detail(ctx), "0..3"), "%s",
	          stp_last_detail(ctx));
	cr_assert_eq(memcmp(ob, copy, 16), 0);
	cr_assert_eq(stp_ob_set(ctx, f4, ob, 4, "nWRP", 0, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "nWRP"));
	cr_assert_eq(memcmp(ob, copy, 16), 0);
}

Test(ob, readonly_field_refused)
{
	const stp_chip *wb = chip(0x495);
	uint8_t ob[0x80];

	make_image(wb, ob, sizeof(ob), 0xFF);
	cr_assert_eq(stp_ob_set(ctx, wb, ob, sizeof(ob), "ESE", 0, 0),
	             STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "ESE"));
	cr_assert(strstr(stp_last_detail(ctx), "read-only"));
}

/* ---- KEY=VALUE --------------------------------------------------------------- */

static void f4_image(uint8_t ob[16])
{
	memset(ob, 0xFF, 16);
	ob[0] = 0xEC;
	ob[1] = 0xAA;
}

Test(ob, apply_parses_names_and_numbers)
{
	const stp_chip *f4 = chip(0x413);
	const char *a[] = {"rdp=0xbb", "BOR_LEV=1", "iwdg_sw=0", "nWRP=0XFFE"};
	uint8_t ob[16];

	f4_image(ob);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, a, 4, 0), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(ob[1], 0xBB);
	/* BOR_LEV=1 (bits 3:2), WDG_SW=0 (bit 5): 0xEC -> 0xC4 */
	cr_assert_eq(ob[0], 0xC4, "0x%02X", ob[0]);
	cr_assert_eq(ob[8], 0xFE);
	cr_assert_eq(ob[9], 0xFF);
}

Test(ob, apply_is_all_or_nothing)
{
	const stp_chip *f4 = chip(0x413);
	const char *a[] = {"RDP=0xBB", "nRST_STOP=0", "BOR_LEV=9"};
	uint8_t ob[16], copy[16];

	f4_image(ob);
	memcpy(copy, ob, 16);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, a, 3, 0), STP_ERR_ARG);
	cr_assert_eq(memcmp(ob, copy, 16), 0, "image changed by a failed apply");
	cr_assert(strstr(stp_last_detail(ctx), "BOR_LEV=9"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "0..3"), "%s",
	          stp_last_detail(ctx));
}

Test(ob, apply_errors_say_what_is_wrong)
{
	const stp_chip *f4 = chip(0x413);
	uint8_t ob[16], copy[16];
	const char *unknown[] = {"RDP=0xAA", "FOO=1"};
	const char *noeq[] = {"RDP"};
	const char *badnum[] = {"RDP=12x"};
	const char *neg[] = {"RDP=-1"};
	const char *twice[] = {"RDP=0xAA", "rdp=0xBB"};
	const char *huge[] = {"nWRP=0x100000000"};

	f4_image(ob);
	memcpy(copy, ob, 16);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, unknown, 2, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "FOO"));
	cr_assert(strstr(stp_last_detail(ctx), "known fields: BOR_LEV"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "nRST_STDBY"));
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, noeq, 1, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "KEY=VALUE"));
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, badnum, 1, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "RDP=12x"));
	cr_assert(strstr(stp_last_detail(ctx), "0..255"), "%s",
	          stp_last_detail(ctx));
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, neg, 1, 0), STP_ERR_ARG);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, twice, 2, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "twice"));
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, huge, 1, 0), STP_ERR_ARG);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, NULL, 0, 0), STP_ERR_ARG);
	cr_assert_eq(memcmp(ob, copy, 16), 0);
}

Test(ob, level2_needs_the_flag)
{
	const stp_chip *f4 = chip(0x413), *l4 = chip(0x415);
	const char *a[] = {"RDP=0xCC"};
	uint8_t ob[16], copy[16];

	f4_image(ob);
	memcpy(copy, ob, 16);
	/* Refused by the one guard, which names the option that confirms. */
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, a, 1, 0), STP_ERR_REFUSED);
	cr_assert(strstr(stp_last_detail(ctx), "level 2"));
	cr_assert(strstr(stp_last_detail(ctx), "permanent"));
	cr_assert(strstr(stp_last_hint(ctx), "--confirm-irreversible rdp2"));
	cr_assert_eq(memcmp(ob, copy, 16), 0);
	cr_assert_eq(stp_ob_set(ctx, f4, ob, 16, "RDP", 0xCC, 0), STP_ERR_REFUSED);
	cr_assert_eq(memcmp(ob, copy, 16), 0);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, a, 1, STP_OB_ALLOW_LEVEL2),
	             STP_OK);
	cr_assert_eq(ob[1], 0xCC);
	/* The context's confirmation (--confirm-irreversible rdp2) is the
	 * same permission. */
	memcpy(ob, copy, 16);
	stp_ctx_confirm(ctx, STP_IRREV_RDP2);
	cr_assert_eq(stp_ob_apply(ctx, f4, ob, 16, a, 1, 0), STP_OK);
	cr_assert_eq(ob[1], 0xCC);
	stp_ctx_confirm(ctx, 0);

	make_image(l4, ob, 16, 0xFF);
	memcpy(copy, ob, 16);
	cr_assert_eq(stp_ob_apply(ctx, l4, ob, 16, a, 1, 0), STP_ERR_REFUSED);
	cr_assert_eq(memcmp(ob, copy, 16), 0);
}

/* ---- families without fields -------------------------------------------------- */

Test(ob, unknown_family_is_a_clear_error)
{
	const stp_chip *h7rs = chip(0x485);
	const char *a[] = {"RDP=0xAA"};
	uint8_t ob[64] = {0};
	uint32_t v;
	size_t n = 99;

	cr_assert_null(stp_ob_fields(h7rs, &n));
	cr_assert_eq(n, 0);
	cr_assert_eq(stp_ob_get(ctx, h7rs, ob, sizeof(ob), "RDP", &v),
	             STP_ERR_UNSUPPORTED);
	cr_assert(strstr(stp_last_detail(ctx), "not known for family H7"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "-ob displ"));
	cr_assert_eq(stp_ob_apply(ctx, h7rs, ob, sizeof(ob), a, 1, 0),
	             STP_ERR_UNSUPPORTED);
	cr_assert_eq(stp_ob_check(ctx, h7rs, ob, sizeof(ob)),
	             STP_ERR_UNSUPPORTED);
}

/* ---- consistency ------------------------------------------------------------- */

Test(ob, damaged_images_are_named_and_not_changed)
{
	const stp_chip *f0 = chip(0x440), *l4 = chip(0x415);
	const char *a[] = {"Data0=1"};
	uint8_t ob[16], copy[16];

	make_image(f0, ob, 16, 0xFF);
	ob[0] = 0xAA;
	ob[1] = 0x54; /* should be 0x55 */
	cr_assert_eq(stp_ob_check(ctx, f0, ob, 16), STP_ERR_PROTOCOL);
	cr_assert(strstr(stp_last_detail(ctx), "byte 0x1 (0x1FFFF801)"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "complement of byte 0x0"));
	memcpy(copy, ob, 16);
	cr_assert_eq(stp_ob_apply(ctx, f0, ob, 16, a, 1, 0), STP_ERR_PROTOCOL);
	cr_assert_eq(memcmp(ob, copy, 16), 0);

	/* Two wrong bytes in the OPTR complement word. */
	make_image(l4, ob, 16, 0xFF);
	ob[0] = 0xAA;
	ob[4] = 0x55;
	ob[5] = 0x12;
	ob[7] = 0x12;
	cr_assert_eq(stp_ob_check(ctx, l4, ob, 16), STP_ERR_PROTOCOL);
	cr_assert(strstr(stp_last_detail(ctx), "0x1FFF7805"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "1 more byte wrong"), "%s",
	          stp_last_detail(ctx));
}

Test(ob, erased_pairs_pass_where_the_loader_ignores_them)
{
	const stp_chip *f1 = chip(0x410), *l4 = chip(0x415);
	uint8_t ob[16];

	/* F1 fresh from an option-byte erase: all 0xFF. */
	memset(ob, 0xFF, 16);
	cr_assert_eq(stp_ob_check(ctx, f1, ob, 16), STP_OK);
	/* On L4 the OPTR word is a known field: 0xFF/0xFF is damage. */
	cr_assert_eq(stp_ob_check(ctx, l4, ob, 16), STP_ERR_PROTOCOL);
}

/* Reserved slots may never have been programmed: an all-zeros pair there
 * is not damage, the same pair under a known field is. */
Test(ob, unprogrammed_reserved_slots_pass)
{
	const stp_chip *l1 = chip(0x436); /* 0xA0-byte image */
	uint8_t ob[0xA0];

	make_image(l1, ob, sizeof(ob), 0x00);
	ob[0] = 0xAA;
	ob[2] = 0x55;
	memset(ob + 0x40, 0x00, 4);
	cr_assert_eq(stp_ob_check(ctx, l1, ob, sizeof(ob)), STP_OK, "%s",
	             stp_last_detail(ctx));
	memset(ob + 0x08, 0x00, 4); /* WRP1's low half-word */
	cr_assert_eq(stp_ob_check(ctx, l1, ob, sizeof(ob)), STP_ERR_PROTOCOL);
	cr_assert(strstr(stp_last_detail(ctx), "0x1FF8000A"), "%s",
	          stp_last_detail(ctx));
}

/* ---- formatting ---------------------------------------------------------------- */

struct lines {
	int n;
	char text[64][160];
};

static void collect(void *user, const char *line)
{
	struct lines *l = user;
	if (l->n < 64)
		snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
	l->n++;
}

Test(ob, format_prints_every_field_aligned)
{
	const stp_chip *f4 = chip(0x413);
	struct lines out = {0};
	uint8_t ob[16];
	size_t n;

	f4_image(ob);
	stp_ob_fields(f4, &n);
	cr_assert_eq(stp_ob_format(ctx, f4, ob, 16, collect, &out), STP_OK);
	cr_assert_eq(out.n, (int)n);
	/* Names padded to the longest one (nRST_STDBY, 10 characters). */
	cr_assert_str_eq(out.text[0], "BOR_LEV    : 0x3 (BOR off)");
	cr_assert_str_eq(out.text[4], "RDP        : 0xAA (level 0, no protection)");
	cr_assert_str_eq(out.text[5], "nWRP       : 0xFFF");
	/* A short image shows only the fields it holds. */
	out.n = 0;
	cr_assert_eq(stp_ob_format(ctx, f4, ob, 2, collect, &out), STP_OK);
	cr_assert_eq(out.n, 5);
}

Test(ob, describe_reports_the_needed_length)
{
	const stp_chip *f4 = chip(0x413);
	char small[8];
	size_t need = stp_ob_describe(f4, stp_ob_find(f4, "RDP"), 0xAA, 0,
	                              small, sizeof(small));

	cr_assert_eq(need, strlen("RDP : 0xAA (level 0, no protection)"));
	cr_assert_str_eq(small, "RDP : 0");
}

/* What the guard counts as irreversible, from the named fields: level 2,
 * and the boot source moved to an option bit that says "flash" (L4
 * nSWBOOT0=0 with nBOOT0=1, G0 nBOOT_SEL=1 with nBOOT0=1); a change that
 * keeps the pin in charge, or a value the chip already holds, is not. */
Test(ob, irreversible_changes_are_named)
{
	const stp_chip *f4 = chip(0x413), *l4 = chip(0x435), *g0 = chip(0x466);
	uint8_t before[128], after[128];
	char why[512];

	f4_image(before);
	memcpy(after, before, 16);
	cr_assert_eq(stp_ob_irreversible(f4, before, after, 16, why, sizeof(why)), 0);
	after[1] = 0xCC;
	cr_assert_eq(stp_ob_irreversible(f4, before, after, 16, why, sizeof(why)),
	             STP_IRREV_RDP2);
	cr_assert(strstr(why, "level 2"), "%s", why);
	cr_assert_eq(stp_ob_irreversible(f4, after, after, 16, why, sizeof(why)), 0,
	             "a level the chip already has is no change");

	memset(before, 0xFF, sizeof(before));
	cr_assert_eq(stp_ob_set(ctx, l4, before, l4->ob_size, "RDP", 0xAA, 0), STP_OK);
	memcpy(after, before, sizeof(after));
	cr_assert_eq(stp_ob_set(ctx, l4, after, l4->ob_size, "nBOOT0", 1, 0), STP_OK);
	cr_assert_eq(stp_ob_irreversible(l4, before, after, l4->ob_size, why,
	                                 sizeof(why)), 0, "the pin still decides");
	cr_assert_eq(stp_ob_set(ctx, l4, after, l4->ob_size, "nSWBOOT0", 0, 0), STP_OK);
	cr_assert_eq(stp_ob_irreversible(l4, before, after, l4->ob_size, why,
	                                 sizeof(why)), STP_IRREV_BOOTLOADER);
	cr_assert(strstr(why, "BOOT0"), "%s", why);

	memset(before, 0xFF, sizeof(before));
	cr_assert_eq(stp_ob_set(ctx, g0, before, g0->ob_size, "RDP", 0xAA, 0), STP_OK);
	cr_assert_eq(stp_ob_set(ctx, g0, before, g0->ob_size, "nBOOT_SEL", 0, 0), STP_OK);
	memcpy(after, before, sizeof(after));
	cr_assert_eq(stp_ob_set(ctx, g0, after, g0->ob_size, "nBOOT_SEL", 1, 0), STP_OK);
	cr_assert_eq(stp_ob_irreversible(g0, before, after, g0->ob_size, why,
	                                 sizeof(why)), STP_IRREV_BOOTLOADER);
	/* The guard itself: refused, unless confirmed. */
	cr_assert_eq(stp_guard_option_bytes(ctx, g0, before, after, g0->ob_size,
	                                    "-ob"), STP_ERR_REFUSED);
	cr_assert(strstr(stp_last_hint(ctx), "--confirm-irreversible bootloader"),
	          "%s", stp_last_hint(ctx));
	stp_ctx_confirm(ctx, STP_IRREV_BOOTLOADER);
	cr_assert_eq(stp_guard_option_bytes(ctx, g0, before, after, g0->ob_size,
	                                    "-ob"), STP_OK);
	stp_ctx_confirm(ctx, 0);
}

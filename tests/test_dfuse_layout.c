/* DfuSe memory-layout strings (core/dfuse_layout.c): the strings real ST
 * ROMs send, the lenient cases, malformed strings (the error names the
 * string and the character), range queries, and the match against the
 * real chip table. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stmprog/dfuse.h"

static stp_ctx *ctx;

static void setup(void)
{
	ctx = stp_ctx_new();
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

TestSuite(dfuse_layout, .init = setup, .fini = teardown);

#define RWE (STP_DFUSE_READABLE | STP_DFUSE_ERASABLE | STP_DFUSE_WRITABLE)

static void group_is(const stp_dfuse_layout *lo, size_t i, uint32_t addr,
                     uint32_t count, uint32_t size, uint8_t attr)
{
	cr_assert_lt(i, lo->ngroups);
	cr_expect_eq(lo->groups[i].addr, addr, "group %zu addr 0x%08X", i,
	             lo->groups[i].addr);
	cr_expect_eq(lo->groups[i].count, count, "group %zu count %u", i,
	             lo->groups[i].count);
	cr_expect_eq(lo->groups[i].size, size, "group %zu size %u", i,
	             lo->groups[i].size);
	cr_expect_eq(lo->groups[i].attr, attr, "group %zu attr %u", i,
	             lo->groups[i].attr);
}

static stp_dfuse_layout parse_ok(const char *s)
{
	stp_dfuse_layout lo;
	stp_status st = stp_dfuse_parse(ctx, s, &lo);

	cr_assert_eq(st, STP_OK, "%s: %s", s, stp_last_detail(ctx));
	return lo;
}

/* ---- the F4 ROM's four alternate settings (F401/F411 black pill) ----- */

#define F4_FLASH "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg"
#define F4_OB "@Option Bytes  /0x1FFFC000/01*016 e"
#define F4_OTP "@OTP Memory /0x1FFF7800/01*512 e,01*016 e"
#define F4_FEAT "@Device Feature/0xFFFF0000/01*004 e"
#define F405_FLASH "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"

Test(dfuse_layout, f4_flash)
{
	stp_dfuse_layout lo = parse_ok(F4_FLASH);

	cr_expect_str_eq(lo.name, "Internal Flash");
	cr_assert_eq(lo.ngroups, 3);
	group_is(&lo, 0, 0x08000000, 4, 16384, RWE);
	group_is(&lo, 1, 0x08010000, 1, 65536, RWE);
	group_is(&lo, 2, 0x08020000, 3, 131072, RWE);
	cr_expect_eq(stp_dfuse_total(&lo), 512 * 1024);
	cr_expect_eq(lo.guessed, 0);
	cr_expect_str_empty(lo.guess);
}

Test(dfuse_layout, f4_option_bytes_otp_feature)
{
	stp_dfuse_layout ob = parse_ok(F4_OB), otp = parse_ok(F4_OTP),
	                 feat = parse_ok(F4_FEAT);

	cr_expect_str_eq(ob.name, "Option Bytes");
	/* 'e' = 5: readable and writable, not erasable */
	group_is(&ob, 0, 0x1FFFC000, 1, 16,
	         STP_DFUSE_READABLE | STP_DFUSE_WRITABLE);
	cr_expect_eq(ob.guessed, 0);
	cr_expect_str_eq(otp.name, "OTP Memory");
	cr_assert_eq(otp.ngroups, 2);
	group_is(&otp, 1, 0x1FFF7A00, 1, 16, 5);
	cr_expect_str_eq(feat.name, "Device Feature");
	group_is(&feat, 0, 0xFFFF0000, 1, 4, 5);
}

/* ---- L0, L4, H7 ------------------------------------------------------- */

Test(dfuse_layout, l0_no_unit_is_bytes_and_said)
{
	stp_dfuse_layout lo = parse_ok("@Internal Flash  /0x08000000/1536*128g");

	group_is(&lo, 0, 0x08000000, 1536, 128, RWE);
	cr_expect_eq(stp_dfuse_total(&lo), 192 * 1024);
	cr_expect(lo.guessed & STP_DFUSE_GUESS_UNIT);
	cr_expect(lo.groups[0].guessed & STP_DFUSE_GUESS_UNIT);
	cr_expect(strstr(lo.guess, "1536*128"), "%s", lo.guess);
	cr_expect(strstr(lo.guess, "character 30"), "%s", lo.guess);
	cr_expect(strstr(lo.guess, "bytes assumed"), "%s", lo.guess);
}

Test(dfuse_layout, l0_space_unit_is_not_a_guess)
{
	stp_dfuse_layout lo = parse_ok("@Internal Flash  /0x08000000/1536*128 g");

	group_is(&lo, 0, 0x08000000, 1536, 128, RWE);
	cr_expect_eq(lo.guessed, 0);
	lo = parse_ok("@Option Bytes  /0x1FF80000/01*032 e");
	group_is(&lo, 0, 0x1FF80000, 1, 32, 5);
}

Test(dfuse_layout, l4_zero_padded_sizes)
{
	stp_dfuse_layout lo = parse_ok("@Internal Flash  /0x08000000/128*0002Kg");

	group_is(&lo, 0, 0x08000000, 128, 2048, RWE);
	cr_expect_eq(stp_dfuse_total(&lo), 256 * 1024);
	lo = parse_ok("@Option Bytes  /0x1FFF7800/01*040 e");
	group_is(&lo, 0, 0x1FFF7800, 1, 40, 5);
}

Test(dfuse_layout, h7_three_spaces_and_option_bytes_register)
{
	stp_dfuse_layout lo = parse_ok("@Internal Flash   /0x08000000/16*128Kg");

	cr_expect_str_eq(lo.name, "Internal Flash");
	group_is(&lo, 0, 0x08000000, 16, 128 * 1024, RWE);
	cr_expect_eq(stp_dfuse_total(&lo), 2048 * 1024);
	lo = parse_ok("@Option Bytes   /0x5200201C/01*128 e");
	group_is(&lo, 0, 0x5200201C, 1, 128, 5);
}

Test(dfuse_layout, repeated_segments)
{
	stp_dfuse_layout lo =
	        parse_ok("@Flash /0x90000000/64*4Kg/0x90040000/60*64Kg");

	cr_assert_eq(lo.ngroups, 2);
	group_is(&lo, 0, 0x90000000, 64, 4096, RWE);
	group_is(&lo, 1, 0x90040000, 60, 65536, RWE);
	cr_expect(stp_dfuse_contains(&lo, 0x9003F000, 0x2000),
	          "the two segments touch");
}

Test(dfuse_layout, lenient_spaces_units_and_types)
{
	stp_dfuse_layout lo =
	        parse_ok(" @ Name  / 0x08000000 / 2 * 1 M g , 4*2kA ,1*8B c  ");

	cr_expect_str_eq(lo.name, "Name");
	group_is(&lo, 0, 0x08000000, 2, 1 << 20, RWE);
	group_is(&lo, 1, 0x08200000, 4, 2048, 1);
	group_is(&lo, 2, 0x08202000, 1, 8, 3);
	cr_expect_eq(lo.guessed, 0);
}

Test(dfuse_layout, missing_type_letter_guessed)
{
	stp_dfuse_layout lo = parse_ok("@Flash/0x08000000/8*2K,8*2Ka");

	group_is(&lo, 0, 0x08000000, 8, 2048, RWE);
	group_is(&lo, 1, 0x08004000, 8, 2048, STP_DFUSE_READABLE);
	cr_expect_eq(lo.guessed, STP_DFUSE_GUESS_TYPE);
	cr_expect(strstr(lo.guess, "no type letter"), "%s", lo.guess);
	cr_expect(strstr(lo.guess, "character 19"), "%s", lo.guess);
}

Test(dfuse_layout, address_without_0x_guessed)
{
	stp_dfuse_layout lo = parse_ok("@Option Bytes /5200201C/01*128 e");

	group_is(&lo, 0, 0x5200201C, 1, 128, 5);
	cr_expect_eq(lo.guessed, STP_DFUSE_GUESS_ADDRESS);
}

/* ---- malformed -------------------------------------------------------- */

static void parse_bad(const char *s, unsigned at, const char *what)
{
	stp_dfuse_layout lo;
	char want[32];

	cr_assert_eq(stp_dfuse_parse(ctx, s, &lo), STP_ERR_PROTOCOL, "%s", s);
	snprintf(want, sizeof(want), "character %u", at);
	cr_expect(strstr(stp_last_detail(ctx), s), "quotes the string: %s",
	          stp_last_detail(ctx));
	cr_expect(strstr(stp_last_detail(ctx), want), "want %s: %s", want,
	          stp_last_detail(ctx));
	cr_expect(strstr(stp_last_detail(ctx), what), "want \"%s\": %s", what,
	          stp_last_detail(ctx));
}

Test(dfuse_layout, malformed)
{
	parse_bad("Internal Flash /0x08000000/4*16Kg", 1, "starts with '@'");
	parse_bad("@Internal Flash", 16, "expected '/'");
	parse_bad("@Flash /0x0800000G/4*16Kg", 18, "expected '/' after");
	parse_bad("@Flash /zz/4*16Kg", 9, "hexadecimal address");
	parse_bad("@Flash /0x08000000/*16Kg", 20, "unit count");
	parse_bad("@Flash /0x08000000/4x16Kg", 21, "'*'");
	parse_bad("@Flash /0x08000000/4*Kg", 22, "unit size");
	parse_bad("@Flash /0x08000000/0*16Kg", 21, "zero units");
	parse_bad("@Flash /0x08000000/4*16Kg;", 26, "expected ','");
	parse_bad("@Flash /0x08000000/4*16Kgx", 26, "expected ','");
	parse_bad("@Flash /0x100000000/1*1Kg", 19, "32 bits");
	parse_bad("@Flash /0xFFFFF000/2*4Kg", 25, "past 4 GiB");
	parse_bad("@Flash /0x08000000/4*16Kg,", 27, "unit count");
}

Test(dfuse_layout, null_ctx_does_not_crash)
{
	stp_dfuse_layout lo;

	cr_expect_eq(stp_dfuse_parse(NULL, "nope", &lo), STP_ERR_PROTOCOL);
}

/* ---- queries ---------------------------------------------------------- */

Test(dfuse_layout, group_unit_and_contains)
{
	stp_dfuse_layout lo = parse_ok(F4_FLASH);
	uint32_t start, size;
	char buf[32];

	cr_expect_eq(stp_dfuse_group_at(&lo, 0x08000000), &lo.groups[0]);
	cr_expect_eq(stp_dfuse_group_at(&lo, 0x0800FFFF), &lo.groups[0]);
	cr_expect_eq(stp_dfuse_group_at(&lo, 0x08010000), &lo.groups[1]);
	cr_expect_eq(stp_dfuse_group_at(&lo, 0x0807FFFF), &lo.groups[2]);
	cr_expect_null(stp_dfuse_group_at(&lo, 0x08080000));
	cr_expect_null(stp_dfuse_group_at(&lo, 0x07FFFFFF));
	cr_expect(stp_dfuse_unit_at(&lo, 0x08025000, &start, &size));
	cr_expect_eq(start, 0x08020000);
	cr_expect_eq(size, 131072);
	cr_expect(stp_dfuse_unit_at(&lo, 0x08004001, &start, &size));
	cr_expect_eq(start, 0x08004000);
	cr_expect_not(stp_dfuse_unit_at(&lo, 0x1FFF7A22, &start, &size));
	cr_expect(stp_dfuse_contains(&lo, 0x08000000, 512 * 1024));
	cr_expect_not(stp_dfuse_contains(&lo, 0x08000000, 512 * 1024 + 1));
	cr_expect(stp_dfuse_contains(&lo, 0x0800FF00, 0x200), "crosses groups");
	cr_expect(stp_dfuse_contains(&lo, 0x0807FFFF, 0));
	cr_expect_not(stp_dfuse_contains(&lo, 0x1FFF7A22, 2));
	cr_expect_str_eq(stp_dfuse_group_str(&lo.groups[2], buf, sizeof(buf)),
	                 "3*128Kg");
}

/* ---- matching against the chip table ---------------------------------- */

static size_t match(const char *const *strs, size_t n, uint16_t *pids,
                    size_t max)
{
	stp_dfuse_layout alts[8];

	cr_assert_leq(n, 8);
	for (size_t i = 0; i < n; i++)
		alts[i] = parse_ok(strs[i]);
	return stp_dfuse_match(ctx, alts, n, pids, max);
}

static bool has(const uint16_t *pids, size_t n, uint16_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

Test(dfuse_layout, match_f401_f411_tie)
{
	const char *strs[] = {F4_FLASH, F4_OB, F4_OTP, F4_FEAT};
	uint16_t pids[16];
	size_t n = match(strs, 4, pids, 16);

	cr_assert_geq(n, 3);
	/* The 512 KiB parts with these sectors rank first (exact size), in
	 * table order: F446, F411, F401xD/E cannot be told apart. */
	cr_expect_eq(pids[0], 0x421, "first 0x%03X", pids[0]);
	cr_expect_eq(pids[1], 0x431, "second 0x%03X", pids[1]);
	cr_expect_eq(pids[2], 0x433, "third 0x%03X", pids[2]);
	cr_expect_not(has(pids, n, 0x423), "256 KiB F401xB/C cannot hold it");
	cr_expect_not(has(pids, n, 0x450), "no H7");
}

Test(dfuse_layout, match_f405_prefers_exact_size)
{
	const char *strs[] = {F405_FLASH, F4_OB, F4_OTP, F4_FEAT};
	uint16_t pids[16];
	size_t n = match(strs, 4, pids, 16);

	cr_assert_geq(n, 3);
	/* F2 and F405/407 tie (1 MiB exactly); the 2 MiB F42x/F469 follow. */
	cr_expect_eq(pids[0], 0x411, "first 0x%03X", pids[0]);
	cr_expect_eq(pids[1], 0x413, "second 0x%03X", pids[1]);
	cr_expect(has(pids, n, 0x419), "F42x/43x's first bank fits");
	cr_expect_not(has(pids, 2, 0x419), "but ranks after the exact ones");
	cr_expect_not(has(pids, n, 0x421), "F446 has 512 KiB");
}

Test(dfuse_layout, match_l0_l4_h7)
{
	const char *l0[] = {"@Internal Flash  /0x08000000/1536*128g",
	                    "@Option Bytes  /0x1FF80000/01*032 e",
	                    "@Data Memory /0x08080000/01*6Ke"};
	const char *l4[] = {"@Internal Flash  /0x08000000/128*0002Kg",
	                    "@Option Bytes  /0x1FFF7800/01*040 e",
	                    "@OTP Memory /0x1FFF7000/01*0001Ke"};
	const char *h7[] = {"@Internal Flash   /0x08000000/16*128Kg",
	                    "@Option Bytes   /0x5200201C/01*128 e"};
	uint16_t pids[16];
	size_t n;

	n = match(l0, 3, pids, 16);
	cr_assert_geq(n, 1);
	cr_expect_eq(pids[0], 0x447, "L0 first 0x%03X", pids[0]);
	n = match(l4, 3, pids, 16);
	cr_assert_geq(n, 1);
	cr_expect(has(pids, n, 0x435), "L43x among the L4 candidates");
	n = match(h7, 2, pids, 16);
	cr_assert_geq(n, 1);
	cr_expect_eq(pids[0], 0x450, "H7 first 0x%03X", pids[0]);
}

Test(dfuse_layout, no_match_without_option_bytes_or_wrong_units)
{
	const char *noob[] = {F4_FLASH};
	const char *odd[] = {"@Internal Flash /0x08000000/512*1Kg", F4_OB};
	uint16_t pids[4];

	cr_expect_eq(match(noob, 1, pids, 4), 0);
	cr_expect_eq(match(odd, 2, pids, 4), 0);
}

Test(dfuse_layout, match_counts_beyond_max)
{
	const char *strs[] = {F4_FLASH, F4_OB};
	uint16_t pid;

	cr_expect_geq(match(strs, 2, &pid, 1), 3);
	cr_expect_eq(pid, 0x421);
}

/* Issue 11 §3: a G0B1's flash string is an L45x's too; the size of the
 * option-bytes alt (128 bytes on G0/C0/U0, 40 on L4) ranks the right one
 * first, and parts without the DFU bootloader rank last. */
Test(dfuse_layout, option_bytes_size_tells_g0_from_l4)
{
	const char *g0[] = {"@Internal Flash  /0x08000000/256*0002Kg",
	                    "@Option Bytes  /0x1FFF7800/01*0128 e",
	                    "@OTP Memory /0x1FFF7000/01*0001Ke"};
	const char *l4[] = {"@Internal Flash  /0x08000000/256*0002Kg",
	                    "@Option Bytes  /0x1FFF7800/01*040 e",
	                    "@OTP Memory /0x1FFF7000/01*0001Ke"};
	const char *c0[] = {"@Internal Flash  /0x08000000/64*0002Kg",
	                    "@Option Bytes  /0x1FFF7800/01*0128 e"};
	uint16_t pids[16];
	size_t n;

	n = match(g0, 3, pids, 16);
	cr_assert_geq(n, 2);
	cr_expect_eq(pids[0], 0x467, "G0B1 first, got 0x%03X", pids[0]);
	cr_expect(has(pids, n, 0x462), "L45x still fits, ranked lower");
	n = match(l4, 3, pids, 16);
	cr_assert_geq(n, 2);
	cr_expect_eq(pids[0], 0x462, "L45x first, got 0x%03X", pids[0]);
	n = match(c0, 2, pids, 16);
	cr_assert_geq(n, 2);
	/* C071 has the DFU bootloader and 128 option-byte bytes; the L412
	 * has 40 and G070 has no DFU bootloader. */
	cr_expect_eq(pids[0], 0x493, "C071 first, got 0x%03X", pids[0]);
	cr_expect(has(pids, n, 0x460), "G070 fits the strings");
}

Test(dfuse_layout, interchangeable_parts)
{
	const stp_chip *f2 = stp_chip_by_pid(0x411), *f405 = stp_chip_by_pid(0x413),
	               *f412 = stp_chip_by_pid(0x441), *g0 = stp_chip_by_pid(0x467),
	               *l4 = stp_chip_by_pid(0x462), *f446 = stp_chip_by_pid(0x421),
	               *f411 = stp_chip_by_pid(0x431);

	cr_assert(f2 && f405 && f412 && g0 && l4 && f446 && f411);
	cr_expect(stp_dfuse_interchangeable(f2, f405), "F2 and F405 program alike");
	cr_expect(stp_dfuse_interchangeable(f446, f411));
	cr_expect_not(stp_dfuse_interchangeable(f405, f412),
	              "F412's option bytes have other bits");
	cr_expect_not(stp_dfuse_interchangeable(g0, l4));
	cr_expect_not(stp_dfuse_interchangeable(g0, NULL));
}

/* Issue 11 §7: the escape every device string goes through. */
Test(dfuse_layout, escape_device_strings)
{
	char buf[64], small[8];

	cr_expect_str_eq(stp_escape(buf, sizeof(buf), "STM32  BOOTLOADER"),
	                 "STM32  BOOTLOADER");
	cr_expect_str_eq(stp_escape(buf, sizeof(buf), "A\x1b[2J\x07\x7f\xff"),
	                 "A\\x1B[2J\\x07\\x7F\\xFF");
	/* Twice is once: the backend and the core both escape. */
	cr_expect_str_eq(stp_escape(buf, sizeof(buf), buf),
	                 "A\\x1B[2J\\x07\\x7F\\xFF");
	/* In place, growing, and never half an escape at the end. */
	snprintf(small, sizeof(small), "ab\x1b\x1b");
	cr_expect_str_eq(stp_escape(small, sizeof(small), small), "ab\\x1B");
	cr_expect_str_eq(stp_escape(buf, sizeof(buf), NULL), "");
}

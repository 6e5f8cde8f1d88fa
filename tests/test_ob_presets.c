/* Unit tests of the option-byte presets (stp_ob_preset_load) and of
 * protection expressed as option bytes (stp_ob_rdp_value,
 * stp_ob_write_protection), plus the boot-address rule of the guard on the
 * register-window families. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "stmprog/guard.h"
#include "stmprog/option_bytes.h"
#include "test_helpers.h"

static stp_ctx *ctx;

static void setup(void)
{
	th_dir_setup();
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
}

static void teardown(void)
{
	stp_ctx_free(ctx);
	th_dir_teardown();
}

TestSuite(ob_presets, .init = setup, .fini = teardown);

static const stp_chip *chip(uint16_t pid)
{
	const stp_chip *c = stp_chip_by_pid(pid);
	cr_assert_not_null(c, "PID 0x%03X missing from the chip table", pid);
	return c;
}

static const char *preset_file(const char *text)
{
	const char *path = th_dir_path("preset.txt");
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* ---- stp_ob_preset_load ------------------------------------------------ */

Test(ob_presets, comments_blank_lines_and_spaces)
{
	char **w = NULL;
	size_t n = 0;

	cr_assert_eq(stp_ob_preset_load(ctx, preset_file(
	                 "# the line's settings\n"
	                 "\n"
	                 "  RDP = 0xAA   # level 0\n"
	                 "\tBOR_LEV=3\r\n"
	                 "nRST_STOP=0"), &w, &n), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(n, 3);
	cr_assert_str_eq(w[0], "RDP=0xAA");
	cr_assert_str_eq(w[1], "BOR_LEV=3");
	cr_assert_str_eq(w[2], "nRST_STOP=0");
	stp_ob_preset_free(w, n);
}

/* Each malformed line is named by file:line with what is wrong. */
Test(ob_presets, form_errors_name_file_and_line)
{
	static const struct {
		const char *text, *line, *what;
	} bad[] = {
		{"RDP=0xAA\nBOR_LEV 3\n", ":2:", "is not KEY=VALUE"},
		{"=3\n", ":1:", "no field name"},
		{"# x\nBOR_LEV=\n", ":2:", "no value"},
		{"BOR-LEV=3\n", ":1:", "letters, digits"},
		{"BOR_LEV=3 4\n", ":1:", "more than one value"},
		{"BOR_LEV=3\n\nbor_lev=2\n", ":3:", "already set on line 1"},
	};
	char **w = (char **)1;
	size_t n = 99;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(stp_ob_preset_load(ctx, preset_file(bad[i].text), &w, &n),
		             STP_ERR_ARG, "case %zu", i);
		cr_assert(strstr(stp_last_detail(ctx), bad[i].line), "case %zu: %s", i,
		          stp_last_detail(ctx));
		cr_assert(strstr(stp_last_detail(ctx), bad[i].what), "case %zu: %s", i,
		          stp_last_detail(ctx));
		cr_assert(strstr(stp_last_detail(ctx), "preset.txt"));
		cr_assert_null(w);
		cr_assert_eq(n, 0);
	}
}

Test(ob_presets, empty_and_missing_files)
{
	char **w;
	size_t n;

	cr_assert_eq(stp_ob_preset_load(ctx, preset_file("# nothing\n\n"), &w, &n),
	             STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "no option-byte assignment"));
	cr_assert_eq(stp_ob_preset_load(ctx, th_dir_path("none.txt"), &w, &n),
	             STP_ERR_FILE);
	cr_assert(strstr(stp_last_detail(ctx), "none.txt"));
}

Test(ob_presets, a_long_line_is_refused)
{
	char text[400];
	char **w;
	size_t n;

	memset(text, 'A', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cr_assert_eq(stp_ob_preset_load(ctx, preset_file(text), &w, &n),
	             STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), ":1: line longer"), "%s",
	          stp_last_detail(ctx));
}

/* ---- stp_ob_rdp_value ------------------------------------------------------ */

Test(ob_presets, rdp_values)
{
	uint32_t v;

	cr_assert_eq(stp_ob_rdp_value(ctx, chip(0x413), 0, &v), STP_OK);
	cr_assert_eq(v, 0xAA);
	cr_assert_eq(stp_ob_rdp_value(ctx, chip(0x413), 1, &v), STP_OK);
	cr_assert_eq(v, 0xBB);
	cr_assert_eq(stp_ob_rdp_value(ctx, chip(0x410), 0, &v), STP_OK);
	cr_assert_eq(v, 0xA5);
	cr_assert_eq(stp_ob_rdp_value(ctx, chip(0x410), 1, &v), STP_OK);
	cr_assert_eq(v, 0x00);
	cr_assert_eq(stp_ob_rdp_value(ctx, chip(0x484), 1, &v), STP_ERR_UNSUPPORTED);
	cr_assert(strstr(stp_last_detail(ctx), "PRODUCT_STATE"));
}

/* ---- stp_ob_write_protection ------------------------------------------------- */

static void geometry(uint16_t pid, stp_geometry *geo)
{
	cr_assert_eq(stp_chip_geometry(ctx, chip(pid), 0, geo), STP_OK, "%s",
	             stp_last_detail(ctx));
}

Test(ob_presets, f4_mask)
{
	stp_geometry geo;
	uint8_t ob[16];
	const uint16_t u[] = {0, 11};

	memset(ob, 0xFF, sizeof(ob));
	ob[0] = 0xEC;
	ob[1] = 0xAA;
	geometry(0x413, &geo);
	cr_assert_eq(stp_ob_write_protection(ctx, &geo, ob, 16, u, 2), STP_OK);
	cr_assert_eq(ob[8] | ob[9] << 8, 0xF7FE);
	cr_assert_eq(ob[0], 0xEC);
	cr_assert_eq(ob[1], 0xAA);
	cr_assert_eq(stp_ob_write_protection(ctx, &geo, ob, 16, NULL, 0), STP_OK);
	cr_assert_eq(ob[8] | ob[9] << 8, 0xFFFF);
	stp_geometry_release(&geo);
}

/* H7A3: one WRPSN bit protects four sectors; half a group is refused
 * and the image left as it was. */
Test(ob_presets, h7ab_groups)
{
	stp_geometry geo;
	uint8_t ob[0x2C], before[0x2C];
	const uint16_t whole[] = {4, 5, 6, 7}, half[] = {4, 5};

	memset(ob, 0xFF, sizeof(ob));
	geometry(0x480, &geo);
	cr_assert_eq(stp_ob_write_protection(ctx, &geo, ob, sizeof(ob), whole, 4),
	             STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(ob[0x1C], 0xFD, "0x%02X", ob[0x1C]);
	cr_assert_eq(ob[0x20], 0xFD, "program twin 0x%02X", ob[0x20]);
	memcpy(before, ob, sizeof(ob));
	cr_assert_eq(stp_ob_write_protection(ctx, &geo, ob, sizeof(ob), half, 2),
	             STP_ERR_UNSUPPORTED);
	cr_assert(strstr(stp_last_detail(ctx), "groups of 4"), "%s",
	          stp_last_detail(ctx));
	cr_assert_arr_eq(ob, before, sizeof(ob));
	stp_geometry_release(&geo);
}

/* G0: WRP1A/WRP1B word pairs, complements kept. */
Test(ob_presets, g0_areas_keep_complements)
{
	stp_geometry geo;
	uint8_t ob[0x80];
	const uint16_t u[] = {2, 3, 4};

	memset(ob, 0xFF, sizeof(ob));
	for (size_t i = 0; i < sizeof(ob); i += 8)
		memset(ob + i + 4, 0x00, 4);
	ob[0] = 0xAA;
	ob[4] = 0x55;
	geometry(0x460, &geo);
	cr_assert_eq(stp_ob_write_protection(ctx, &geo, ob, sizeof(ob), u, 3),
	             STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(ob[0x18] & 0x7F, 2);
	cr_assert_eq(ob[0x1A] & 0x7F, 4);
	cr_assert_eq(ob[0x20] & 0x7F, 0x7F, "area B not off");
	cr_assert_eq(ob[0x22] & 0x7F, 0);
	cr_assert_eq(stp_ob_check(ctx, chip(0x460), ob, sizeof(ob)), STP_OK, "%s",
	             stp_last_detail(ctx));
	stp_geometry_release(&geo);
}

/* F1: one bit per group of pages; L4: no area in the table's image. */
Test(ob_presets, families_without_a_translation)
{
	stp_geometry geo;
	uint8_t ob[40];
	const uint16_t u[] = {1};

	memset(ob, 0xFF, sizeof(ob));
	ob[0] = 0xA5;
	ob[1] = 0x5A;
	for (size_t i = 2; i < 16; i += 2)
		ob[i + 1] = (uint8_t)~ob[i];
	geometry(0x410, &geo);
	cr_assert_eq(stp_ob_write_protection(ctx, &geo, ob, 16, u, 1),
	             STP_ERR_UNSUPPORTED);
	cr_assert(strstr(stp_last_detail(ctx), "group of pages"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "Write Protect"));
	stp_geometry_release(&geo);
}

/* ---- the guard on boot addresses ------------------------------------------- */

Test(ob_presets, boot_address_away_from_the_rom_is_irreversible)
{
	const stp_chip *l5 = chip(0x472);
	uint8_t before[0x40], after[0x40];
	const char *to_rom[] = {"NSBOOTADD1=0x17F200"};
	const char *away[] = {"NSBOOTADD1=0x100000"};
	char why[256];

	memset(before, 0xFF, sizeof(before));
	before[0] = 0xAA;
	cr_assert_eq(stp_ob_apply(ctx, l5, before, sizeof(before), to_rom, 1, 0),
	             STP_OK);
	memcpy(after, before, sizeof(after));
	cr_assert_eq(stp_ob_apply(ctx, l5, after, sizeof(after), away, 1, 0),
	             STP_OK);
	cr_assert_eq(stp_ob_irreversible(l5, before, after, sizeof(after), why,
	                                 sizeof(why)), STP_IRREV_BOOTLOADER, "%s", why);
	cr_assert(strstr(why, "0x0BF90000"), "%s", why);
	cr_assert_eq(stp_ob_irreversible(l5, after, before, sizeof(after), why,
	                                 sizeof(why)), 0, "%s", why);
}

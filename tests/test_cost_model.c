/* The engine's cost model and what the planner does with its answers:
 * read a unit before erasing it only where reading costs less than the
 * erase and the flash has no ECC words; fill (image bytes equal to the
 * erased value) is left to the erase only where reading it back is the
 * dearer way to know. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/plan.h"

static stp_ctx *ctx;
static stp_geometry geo;
static stp_image *img;
static stp_plan *plan;

static void setup(void)
{
	ctx = stp_ctx_new();
	img = stp_image_new();
	plan = NULL;
	memset(&geo, 0, sizeof(geo));
}

static void teardown(void)
{
	stp_plan_free(plan);
	stp_image_free(img);
	stp_geometry_release(&geo);
	stp_ctx_free(ctx);
}

TestSuite(cost_model, .init = setup, .fini = teardown);

static void chip(uint16_t pid)
{
	const stp_chip *c = stp_chip_by_pid(pid);
	cr_assert_not_null(c, "PID 0x%03X missing", pid);
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK, "%s",
	             stp_last_detail(ctx));
}

static void add(uint32_t addr, size_t n, int fill)
{
	uint8_t *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = fill >= 0 ? (uint8_t)fill : (uint8_t)(0x11 + (i & 0x7F));
	cr_assert_eq(stp_image_add(ctx, img, 0, addr, b, n, "test"), STP_OK);
	free(b);
}

Test(cost_model, read_cheaper_compares_microseconds_with_the_erase)
{
	/* 16 KiB at 2000 us/KiB is 32 ms: less than a 250 ms erase. */
	cr_expect(stp_cost_read_cheaper(2000, 16384, 250));
	/* The same over a 115200 Bd line (about 90 ms/KiB): 1.4 s. */
	cr_expect_not(stp_cost_read_cheaper(90000, 16384, 250));
	/* Unknown read cost: never read to save an erase. */
	cr_expect_not(stp_cost_read_cheaper(0, 16384, 1000));
	/* Equal costs: the erase is the sure way. */
	cr_expect_not(stp_cost_read_cheaper(1000, 1024, 1));
	cr_expect(stp_cost_read_cheaper(999, 1024, 1));
	/* No overflow for big units and slow links. */
	cr_expect_not(stp_cost_read_cheaper(UINT32_MAX, 2u << 20, 60000));
}

Test(cost_model, f4_reads_before_erasing_on_a_fast_link_only)
{
	stp_caps fast = {.max_read = 2048, .read_us_per_kib = 2000};
	stp_caps slow = {.max_read = 256, .read_us_per_kib = 90000};
	stp_caps unknown = {.max_read = 256};

	chip(0x413);
	for (size_t u = 0; u < geo.nunits; u++) {
		cr_expect(stp_cost_read_before_erase(&fast, &geo, &geo.units[u], 4),
		          "unit %zu", u);
		cr_expect_not(stp_cost_read_before_erase(&unknown, &geo,
		                                         &geo.units[u], 4));
	}
	cr_expect_not(stp_cost_read_before_erase(&slow, &geo, &geo.units[0], 4));
}

Test(cost_model, ecc_flash_is_never_read_to_skip_an_erase)
{
	stp_caps fast = {.max_read = 2048, .read_us_per_kib = 1};

	chip(0x435); /* L4: 64-bit words with ECC */
	cr_assert_geq(geo.chip->program_unit, 8);
	cr_expect_not(stp_cost_read_before_erase(&fast, &geo, &geo.units[0],
	                                         geo.chip->program_unit));
}

/* The planner with a blank unit's contents known: no erase on F4, an
 * erase on L4. */
static void plan_blank(uint16_t pid, size_t *nerase, size_t *nblank)
{
	uint8_t *now;
	stp_plan_opts o = {.image_name = "fw.bin"};

	chip(pid);
	add(geo.flash_base, 1024, -1);
	now = malloc(geo.flash_size);
	memset(now, geo.chip->erased_value, geo.flash_size);
	o.current = now;
	cr_assert_eq(stp_plan_build(ctx, img, &geo, &o, &plan), STP_OK, "%s",
	             stp_last_detail(ctx));
	*nerase = plan->nerase;
	*nblank = plan->units_blank;
	free(now);
}

Test(cost_model, a_blank_unit_is_not_erased_except_with_ecc)
{
	size_t nerase, nblank;

	plan_blank(0x413, &nerase, &nblank);
	cr_expect_eq(nerase, 0);
	cr_expect_eq(nblank, 1);
	stp_plan_free(plan);
	plan = NULL;
	stp_geometry_release(&geo);
	stp_image_free(img);
	img = stp_image_new();
	plan_blank(0x435, &nerase, &nblank);
	cr_expect_eq(nerase, 1);
	cr_expect_eq(nblank, 0);
}

Test(cost_model, one_programmed_byte_makes_a_unit_need_its_erase)
{
	uint8_t *now;
	stp_plan_opts o = {.image_name = "fw.bin"};

	chip(0x413);
	add(geo.flash_base, 3 * 16384, -1);
	now = malloc(geo.flash_size);
	memset(now, 0xFF, geo.flash_size);
	now[16384 + 1000] = 0x7F;
	o.current = now;
	cr_assert_eq(stp_plan_build(ctx, img, &geo, &o, &plan), STP_OK);
	cr_assert_eq(plan->nerase, 1);
	cr_expect_eq(plan->erase[0].addr, geo.flash_base + 16384);
	cr_expect_eq(plan->units_blank, 2);
	free(now);
}

/* 16 KiB of data, 16 KiB of 0xFF, 16 KiB of data: the middle sector is
 * all fill. */
static void gap_image(void)
{
	chip(0x413);
	add(geo.flash_base, 16384, -1);
	add(geo.flash_base + 16384, 16384, 0xFF);
	add(geo.flash_base + 32768, 16384, -1);
}

Test(cost_model, fill_is_read_back_where_reading_is_cheap)
{
	stp_plan_opts o = {.image_name = "fw.bin"};

	gap_image();
	cr_assert_eq(stp_plan_build(ctx, img, &geo, &o, &plan), STP_OK);
	cr_expect_eq(plan->verify_bytes, 3 * 16384);
	cr_expect_eq(plan->write_bytes, 2 * 16384);
	cr_expect_eq(plan->fill_bytes, 0);
}

Test(cost_model, fill_is_left_to_the_erase_where_reading_is_dear)
{
	stp_plan_opts o = {.image_name = "fw.bin"};
	bool *fill;

	gap_image();
	fill = calloc(geo.nunits, sizeof(*fill));
	for (size_t u = 0; u < geo.nunits; u++)
		fill[u] = true;
	o.fill_to_erase = fill;
	cr_assert_eq(stp_plan_build(ctx, img, &geo, &o, &plan), STP_OK);
	/* Every written byte is still verified; only the fill is not. */
	cr_expect_eq(plan->write_bytes, 2 * 16384);
	cr_expect_eq(plan->verify_bytes, 2 * 16384);
	cr_expect_eq(plan->fill_bytes, 16384);
	cr_expect_eq(plan->nerase, 3);
	for (size_t i = 0; i < plan->nverify; i++)
		for (uint32_t k = 0; k < plan->verify[i].len; k++)
			cr_assert_neq(plan->verify[i].data[k], 0xFF,
			              "fill in a verify block at 0x%08X",
			              plan->verify[i].addr + k);
	free(fill);
}

Test(cost_model, fill_inside_written_words_is_verified)
{
	stp_plan_opts o = {.image_name = "fw.bin"};
	bool *fill;
	uint8_t word[8] = {0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

	chip(0x413);
	cr_assert_eq(stp_image_add(ctx, img, 0, geo.flash_base, word, 8, "t"),
	             STP_OK);
	fill = calloc(geo.nunits, sizeof(*fill));
	fill[0] = true;
	o.fill_to_erase = fill;
	o.write_align = 4;
	cr_assert_eq(stp_plan_build(ctx, img, &geo, &o, &plan), STP_OK);
	/* The first word is written, so all of it is verified, 0xFF bytes
	 * included; the second, all 0xFF, is fill. */
	cr_expect_eq(plan->write_bytes, 4);
	cr_expect_eq(plan->verify_bytes, 4);
	cr_expect_eq(plan->fill_bytes, 4);
	free(fill);
}

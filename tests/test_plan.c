/* The program planner across chip families: which units are erased,
 * how writes are aligned and padded, what is skipped, and what is refused
 * before anything happens. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
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

TestSuite(plan, .init = setup, .fini = teardown);

static void chip(uint16_t pid, uint32_t flash_size)
{
	const stp_chip *c = stp_chip_by_pid(pid);
	cr_assert_not_null(c, "PID 0x%03X missing", pid);
	cr_assert_eq(stp_chip_geometry(ctx, c, flash_size, &geo), STP_OK, "%s",
	             stp_last_detail(ctx));
}

/* Adds n bytes of a pattern that never equals 0x00 or 0xFF. */
static void add(uint32_t addr, size_t n)
{
	uint8_t *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(0x11 + ((addr + i) & 0x7F));
	cr_assert_eq(stp_image_add(ctx, img, 0, addr, b, n, "test"), STP_OK);
	free(b);
}

static stp_status build(const stp_plan_opts *o)
{
	stp_plan_opts dflt = {.image_name = "fw.hex"};
	return stp_plan_build(ctx, img, &geo, o ? o : &dflt, &plan);
}

Test(plan, f4_mixed_sectors_erases_only_touched)
{
	chip(0x413, 0);
	add(0x08000000, 100);        /* sector 0 (16K) */
	add(0x08010000 + 8, 40);     /* sector 4 (64K) */
	add(0x08020000 + 4, 4);      /* sector 5 (128K) */
	cr_assert_eq(build(NULL), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_not(plan->mass_erase);
	cr_assert_eq(plan->nerase, 3);
	cr_assert_eq(plan->erase[0].index, 0);
	cr_assert_eq(plan->erase[1].index, 4);
	cr_assert_eq(plan->erase[1].size, 64 * 1024);
	cr_assert_eq(plan->erase[2].index, 5);
	cr_assert_eq(plan->erase[2].size, 128 * 1024);
	/* F4 programs 4-byte words: 100 bytes -> 100, 40 at +8 -> 40 */
	cr_assert_eq(plan->nwrites, 3);
	cr_assert_eq(plan->writes[0].addr, 0x08000000);
	cr_assert_eq(plan->writes[0].len, 100);
	cr_assert_eq(plan->writes[1].addr, 0x08010008);
	cr_assert_eq(plan->writes[1].len, 40);
	cr_assert_eq(plan->writes[2].len, 4);
	cr_assert_eq(plan->image_bytes, 144);
}

Test(plan, l4_pads_to_64_bit_units)
{
	chip(0x415, 0);
	add(0x08000003, 10);         /* 0x..03..0x..0C: two double-words */
	cr_assert_eq(build(NULL), STP_OK);
	cr_assert_eq(plan->unit_align, 8);
	cr_assert_eq(plan->nwrites, 1);
	cr_assert_eq(plan->writes[0].addr, 0x08000000);
	cr_assert_eq(plan->writes[0].len, 16);
	/* the padding is the erased value */
	cr_assert_eq(plan->writes[0].data[0], 0xFF);
	cr_assert_eq(plan->writes[0].data[2], 0xFF);
	cr_assert_eq(plan->writes[0].data[3], 0x11 + 3);
	cr_assert_eq(plan->writes[0].data[13], 0xFF);
	cr_assert_eq(plan->nerase, 1);
	cr_assert_eq(plan->erase[0].size, 2048);
}

Test(plan, h7_tail_not_multiple_of_32_is_padded)
{
	chip(0x450, 0);
	add(0x08000000, 1000);       /* 1000 = 31*32 + 8 */
	cr_assert_eq(build(NULL), STP_OK);
	cr_assert_eq(plan->unit_align, 32);
	cr_assert_eq(plan->write_bytes, 1024);
	cr_assert_eq(plan->verify_bytes, 1024);
	cr_assert_eq(plan->writes[0].len % 32, 0);
	for (int i = 1000; i < 1024; i++)
		cr_assert_eq(plan->writes[0].data[i], 0xFF, "pad byte %d", i);
}

Test(plan, h7_second_bank_and_gap)
{
	chip(0x450, 1024 * 1024);    /* 512K per bank: 0x08080000.. is a gap */
	add(0x08100000, 64);
	cr_assert_eq(build(NULL), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(plan->erase[0].bank, 1);
	cr_assert_eq(plan->erase[0].addr, 0x08100000);
	stp_plan_free(plan);
	plan = NULL;
	add(0x08080000, 32);
	cr_assert_eq(build(NULL), STP_ERR_LAYOUT);
	cr_assert_null(plan);
	cr_assert(strstr(stp_last_detail(ctx), "0x08080000"), "%s", stp_last_detail(ctx));
}

Test(plan, l0_erases_to_zero)
{
	chip(0x447, 0);
	add(0x08000001, 2);
	cr_assert_eq(build(NULL), STP_OK);
	cr_assert_eq(plan->erased_value, 0x00);
	cr_assert_eq(plan->writes[0].addr, 0x08000000);
	cr_assert_eq(plan->writes[0].len, 4);
	cr_assert_eq(plan->writes[0].data[0], 0x00);
	cr_assert_eq(plan->writes[0].data[3], 0x00);
	cr_assert_eq(plan->erase[0].size, 128);
}

Test(plan, blank_chunks_are_not_written_but_are_verified)
{
	uint8_t blank[64];
	chip(0x413, 0);
	memset(blank, 0xFF, sizeof(blank));
	add(0x08000000, 16);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x08000010, blank, 64, "b"), STP_OK);
	add(0x08000050, 16);
	cr_assert_eq(build(NULL), STP_OK);
	cr_assert_eq(plan->nwrites, 2);
	cr_assert_eq(plan->write_bytes, 32);
	cr_assert_eq(plan->nverify, 1);
	cr_assert_eq(plan->verify_bytes, 96);

	/* on L0 the blank value is 0x00, so 0xFF data is written */
	stp_plan_free(plan);
	plan = NULL;
	stp_geometry_release(&geo);
	chip(0x447, 0);
	cr_assert_eq(build(NULL), STP_OK);
	cr_assert_eq(plan->write_bytes, 96);
}

Test(plan, holes_stay_holes)
{
	chip(0x410, 0);              /* F1: 1K pages, 2-byte unit */
	add(0x08000000, 16);
	add(0x08004000, 16);         /* 15 pages later */
	cr_assert_eq(build(NULL), STP_OK);
	cr_assert_eq(plan->nerase, 2);
	cr_assert_eq(plan->erase[1].index, 16);
	cr_assert_eq(plan->nwrites, 2);
	cr_assert_eq(plan->write_bytes, 32);
}

Test(plan, transport_alignment_adds_to_program_unit)
{
	stp_plan_opts o = {.write_align = 4, .image_name = "fw.bin"};
	chip(0x410, 0);              /* 2-byte unit, UART needs 4 */
	add(0x08000002, 2);
	cr_assert_eq(build(&o), STP_OK);
	cr_assert_eq(plan->unit_align, 4);
	cr_assert_eq(plan->writes[0].addr, 0x08000000);
	cr_assert_eq(plan->writes[0].len, 4);
}

Test(plan, past_the_end_names_the_first_address)
{
	chip(0x413, 512 * 1024);
	add(0x0807FF00, 0x200);
	cr_assert_eq(build(NULL), STP_ERR_LAYOUT);
	cr_assert_null(plan);
	cr_assert(strstr(stp_last_detail(ctx), "fw.hex: data at 0x08080000"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "512 KiB"), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "nothing was written"));
}

Test(plan, system_memory_ram_and_option_bytes_refused)
{
	chip(0x413, 0);
	add(0x1FFF0000, 4);
	cr_assert_eq(build(NULL), STP_ERR_LAYOUT);
	cr_assert(strstr(stp_last_detail(ctx), "system memory"), "%s", stp_last_detail(ctx));
	stp_image_free(img);
	img = stp_image_new();
	add(0x20000000, 4);
	cr_assert_eq(build(NULL), STP_ERR_LAYOUT);
	cr_assert(strstr(stp_last_detail(ctx), "RAM"), "%s", stp_last_detail(ctx));
	stp_image_free(img);
	img = stp_image_new();
	add(0x1FFFC000, 4);
	cr_assert_eq(build(NULL), STP_ERR_LAYOUT);
	cr_assert(strstr(stp_last_detail(ctx), "option bytes"), "%s", stp_last_detail(ctx));
}

Test(plan, other_alternate_settings_and_empty_images_refused)
{
	uint8_t ob[16] = {0xAA};
	chip(0x413, 0);
	cr_assert_eq(build(NULL), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "holds no data"));
	cr_assert_eq(stp_image_add(ctx, img, 1, 0x1FFFC000, ob, 16, "ob"), STP_OK);
	cr_assert_eq(build(NULL), STP_ERR_LAYOUT);
	cr_assert(strstr(stp_last_detail(ctx), "alternate setting 1"), "%s",
	          stp_last_detail(ctx));
}

Test(plan, units_already_holding_the_image_are_skipped)
{
	uint8_t *now;
	stp_plan_opts o = {.image_name = "fw.hex"};
	chip(0x413, 0);
	add(0x08000000, 3 * 16384);  /* sectors 0..2, whole */
	cr_assert_eq(build(NULL), STP_OK);
	now = malloc(geo.flash_size);
	memset(now, 0xFF, geo.flash_size);
	/* the device holds what programming leaves, but sector 1 differs */
	for (size_t i = 0; i < plan->ntouched; i++)
		memcpy(now + (plan->touched[i].addr - geo.flash_base),
		       plan->touched[i].data, plan->touched[i].len);
	now[16384 + 5] ^= 1;
	stp_plan_free(plan);
	plan = NULL;
	o.current = now;
	cr_assert_eq(build(&o), STP_OK);
	cr_assert_eq(plan->units_skipped, 2);
	cr_assert_eq(plan->nerase, 1);
	cr_assert_eq(plan->erase[0].index, 1);
	cr_assert_eq(plan->write_bytes, 16384);
	cr_assert_eq(plan->writes[0].addr, 0x08004000);
	free(now);
}

Test(plan, blank_unit_needs_no_erase_unless_ecc)
{
	uint8_t *now;
	stp_plan_opts o = {.image_name = "fw.hex"};
	chip(0x413, 0);
	add(0x08000000, 64);
	now = malloc(geo.flash_size);
	memset(now, 0xFF, geo.flash_size);
	o.current = now;
	cr_assert_eq(build(&o), STP_OK);
	cr_assert_eq(plan->nerase, 0);
	cr_assert_eq(plan->write_bytes, 64);
	stp_plan_free(plan);
	plan = NULL;
	stp_geometry_release(&geo);
	chip(0x415, 0);              /* L4: 64-bit ECC words, always erase */
	cr_assert_eq(build(&o), STP_OK);
	cr_assert_eq(plan->nerase, 1);
	free(now);
}

Test(plan, mass_erase_when_asked_or_when_everything_is_erased)
{
	stp_plan_opts o = {.image_name = "fw", .mass_erase = true};
	chip(0x413, 0);
	add(0x08000000, 16);
	cr_assert_eq(build(&o), STP_OK);
	cr_assert(plan->mass_erase);
	cr_assert_eq(plan->nerase, 0);
	stp_plan_free(plan);
	plan = NULL;
	stp_image_free(img);
	img = stp_image_new();
	add(0x08000000, geo.flash_size);
	o.mass_erase = false;
	o.can_mass_erase = true;
	cr_assert_eq(build(&o), STP_OK);
	cr_assert(plan->mass_erase);
	o.can_mass_erase = false;
	stp_plan_free(plan);
	plan = NULL;
	cr_assert_eq(build(&o), STP_OK);
	cr_assert_not(plan->mass_erase);
	cr_assert_eq(plan->nerase, geo.nunits);
}

Test(plan, aligned_copy_for_conversion)
{
	stp_image *out;
	add(0x08000004, 9);          /* ends at 0x0800000C */
	add(0x08000010, 4);          /* meets the first after padding */
	add(0x08000100, 1);
	cr_assert_eq(stp_image_aligned(ctx, img, 32, 0xFF, &out), STP_OK);
	cr_assert_eq(stp_image_segment_count(out), 2);
	cr_assert_eq(stp_image_segment(out, 0)->addr, 0x08000000);
	cr_assert_eq(stp_image_segment(out, 0)->len, 32);
	cr_assert_eq(stp_image_segment(out, 0)->data[0], 0xFF);
	cr_assert_eq(stp_image_segment(out, 0)->data[4], 0x11 + 4);
	cr_assert_eq(stp_image_segment(out, 0)->data[13], 0xFF);
	cr_assert_eq(stp_image_segment(out, 0)->data[16], 0x11 + 16);
	cr_assert_eq(stp_image_segment(out, 1)->addr, 0x08000100);
	cr_assert_eq(stp_image_segment(out, 1)->len, 32);
	stp_image_free(out);
	cr_assert_eq(stp_image_aligned(ctx, img, 24, 0xFF, &out), STP_ERR_ARG);
}

Test(plan, stm32_crc_matches_the_crc_unit)
{
	/* The STM32 CRC unit over the word 0x12345678 from reset gives
	 * 0xDF8A8A2B (CRC-32/MPEG-2 of the bytes 12 34 56 78). */
	const uint8_t word[4] = {0x78, 0x56, 0x34, 0x12};
	cr_assert_eq(stp_crc32_stm32(0xFFFFFFFFu, word, 4), 0xDF8A8A2Bu);
	/* a length that is not a whole word leaves the tail out */
	cr_assert_eq(stp_crc32_stm32(0xFFFFFFFFu, word, 3), 0xFFFFFFFFu);
}

/* The planner's read-modify-write (keep_rest) and --skipErase (no_erase)
 * without a device: what a known unit keeps, what is written back and
 * verified, what is refused and where, on flash with and without ECC
 * words. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/plan.h"

static stp_ctx *ctx;
static stp_geometry geo;
static stp_image *img;
static stp_plan *plan;
static uint8_t *now;      /* what the device holds, the whole flash */

static void setup(void)
{
	ctx = stp_ctx_new();
	img = stp_image_new();
	plan = NULL;
	now = NULL;
	memset(&geo, 0, sizeof(geo));
}

static void teardown(void)
{
	stp_plan_free(plan);
	stp_image_free(img);
	stp_geometry_release(&geo);
	stp_ctx_free(ctx);
	free(now);
}

TestSuite(plan_rmw, .init = setup, .fini = teardown);

/* The chip, and a device whose flash is erased except for the first
 * used bytes, which hold a pattern that is never erased. */
static void chip(uint16_t pid, size_t used)
{
	const stp_chip *c = stp_chip_by_pid(pid);

	cr_assert_not_null(c);
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	now = malloc(geo.flash_size);
	cr_assert_not_null(now);
	memset(now, c->erased_value, geo.flash_size);
	for (size_t i = 0; i < used; i++)
		now[i] = (uint8_t)(0x21 + i % 0x50);
}

static void patch(uint32_t off, const char *bytes)
{
	cr_assert_eq(stp_image_add(ctx, img, 0, geo.flash_base + off,
	                           (const uint8_t *)bytes, strlen(bytes), "serial"),
	             STP_OK);
}

static stp_status build(bool keep, bool no_erase)
{
	stp_plan_opts o = {.image_name = "serial", .current = now,
	                   .keep_rest = keep, .no_erase = no_erase};

	return stp_plan_build(ctx, img, &geo, &o, &plan);
}

/* The plan's final contents of the unit at off. */
static const uint8_t *unit_contents(uint32_t off)
{
	for (size_t i = 0; i < plan->ntouched; i++)
		if (plan->touched[i].addr <= geo.flash_base + off &&
		    geo.flash_base + off - plan->touched[i].addr < plan->touched[i].len)
			return plan->touched[i].data +
			       (geo.flash_base + off - plan->touched[i].addr);
	cr_assert_fail("0x%X not touched", off);
	return NULL;
}

/* F4 (no ECC, 16 KiB sector 0 full of data): the sector is erased, its
 * data written back with the serial in it, every written byte verified. */
Test(plan_rmw, a_used_unit_keeps_its_data)
{
	chip(0x413, 0x4000);
	patch(0x3F00, "SN-0042");
	cr_assert_eq(build(true, false), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(plan->nerase, 1);
	cr_assert(plan->partial[0]);
	cr_assert_eq(plan->units_kept, 1);
	cr_assert_eq(plan->kept_bytes, 0x4000 - 8, "%llu",
	             (unsigned long long)plan->kept_bytes);
	cr_assert_eq(plan->write_bytes, 0x4000);
	cr_assert_eq(plan->verify_bytes, 0x4000);
	cr_assert_eq(memcmp(unit_contents(0), now, 0x3F00), 0);
	cr_assert_eq(memcmp(unit_contents(0x3F00), "SN-0042", 7), 0);
	/* The padding of the serial's last word is the device's byte. */
	cr_assert_eq(unit_contents(0x3F07)[0], now[0x3F07]);
}

/* Without keep_rest (the old plan) the rest of the unit is erased. */
Test(plan_rmw, without_keep_the_rest_is_wiped)
{
	chip(0x413, 0x4000);
	patch(0x3F00, "SN-0042");
	cr_assert_eq(build(false, false), STP_OK);
	cr_assert_eq(plan->kept_bytes, 0);
	cr_assert_eq(unit_contents(0)[0], 0xFF);
}

/* Kept bytes that are erased are left to the erase: a unit with data
 * only in its first KiB writes back one KiB. */
Test(plan_rmw, erased_kept_bytes_are_not_written)
{
	chip(0x413, 1024);
	patch(0x3F00, "SN-0042");
	cr_assert_eq(build(true, false), STP_OK);
	cr_assert_eq(plan->kept_bytes, 1024);
	cr_assert_eq(plan->write_bytes, 1024 + 8);
}

/* A unit that already holds the serial with everything else as it is
 * is skipped: nothing erased, nothing written. */
Test(plan_rmw, a_unit_already_holding_it_is_skipped)
{
	chip(0x413, 0x4000);
	memcpy(now + 0x3F00, "SN-0042", 7);
	patch(0x3F00, "SN-0042");
	cr_assert_eq(build(true, false), STP_OK);
	cr_assert_eq(plan->units_skipped, 1);
	cr_assert_eq(plan->nerase, 0);
	cr_assert_eq(plan->write_bytes, 0);
}

/* After a mass erase there is nothing to keep. */
Test(plan_rmw, nothing_is_kept_after_a_mass_erase)
{
	stp_plan_opts o = {.current = NULL, .keep_rest = true,
	                   .flash_erased = true};

	chip(0x413, 0x4000);
	patch(0x3F00, "SN-0042");
	o.current = now;
	cr_assert_eq(stp_plan_build(ctx, img, &geo, &o, &plan), STP_OK);
	cr_assert_eq(plan->kept_bytes, 0);
	cr_assert_eq(plan->nerase, 0);
}

/* --skipErase into erased bytes: no erase, only the serial's chunks. */
Test(plan_rmw, skip_erase_writes_only_the_chunks)
{
	chip(0x413, 0x3F00);
	patch(0x3F00, "SN-0042");
	cr_assert_eq(build(true, true), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(plan->nerase, 0);
	cr_assert(!plan->mass_erase);
	cr_assert_eq(plan->write_bytes, 8);
	cr_assert_eq(plan->verify_bytes, 8);
}

/* --skipErase onto used bytes: refused naming the first one. */
Test(plan_rmw, skip_erase_refuses_a_used_byte)
{
	chip(0x413, 0x3F03);
	patch(0x3F00, "SN-0042");
	now[0x3F01] = 'N'; /* equal: fine */
	cr_assert_eq(build(true, true), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "0x08003F00 holds 0x"),
	          "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "nothing was written"), "%s",
	          stp_last_detail(ctx));
}

/* --skipErase, every byte already equal: nothing written, the unit
 * counted as holding it. */
Test(plan_rmw, skip_erase_with_equal_bytes_writes_nothing)
{
	chip(0x413, 0);
	memcpy(now + 0x3F00, "SN-0042", 7);
	patch(0x3F00, "SN-0042");
	cr_assert_eq(build(true, true), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(plan->write_bytes, 0);
	cr_assert_eq(plan->units_skipped, 1);
}

/* L4 (64-bit ECC words): a word holding one equal programmed byte and
 * erased ones cannot be written again without an erase. */
Test(plan_rmw, skip_erase_on_ecc_flash_needs_whole_erased_words)
{
	chip(0x435, 0);
	now[0x100] = 'S';
	patch(0x100, "SN");
	cr_assert_eq(build(true, true), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "8-byte word at 0x08000100"),
	          "%s", stp_last_detail(ctx));
}

/* ECC flash, read-modify-write: the kept words are written back whole;
 * erased ones are not written (a word written with the erased value
 * could not be written again). */
Test(plan_rmw, ecc_flash_keeps_words)
{
	chip(0x435, 64);
	patch(0x400, "SN-0042");
	cr_assert_eq(build(true, false), STP_OK);
	cr_assert_eq(plan->nerase, 1);
	cr_assert_eq(plan->kept_bytes, 64);
	cr_assert_eq(plan->write_bytes, 64 + 8);
}

/* Tests of the timing model: the chip database's flash times (every row
 * has them, and they hang together), the erase time per unit size
 * (stp_geometry_unit_erase_ms), and stmprog-sim --print-timing, which
 * must report exactly the times the simulator sleeps by.  No clock is
 * read: these are the figures, not a measurement of them. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_helpers.h"

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

TestSuite(timing_model, .init = setup, .fini = teardown);

Test(timing_model, every_chip_has_its_times)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);

	for (size_t i = 0; i < n; i++) {
		const stp_chip *c = &t[i];

		cr_expect_gt(c->page_erase_ms, 0, "0x%03X page_erase_ms", c->pid);
		cr_expect_gt(c->program_us, 0, "0x%03X program_us", c->pid);
		cr_expect_leq(c->small_erase_ms, c->page_erase_ms,
		              "0x%03X: the smallest unit takes longer than the "
		              "largest", c->pid);
	}
}

/* Units whose sizes differ say so with small_erase_ms; uniform ones do
 * not need it (it would be ignored). */
Test(timing_model, units_of_different_sizes_have_a_small_erase_time)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);

	for (size_t i = 0; i < n; i++) {
		stp_geometry geo;
		uint32_t lo = UINT32_MAX, hi = 0;

		cr_assert_eq(stp_chip_geometry(ctx, &t[i], 0, &geo), STP_OK);
		for (size_t u = 0; u < geo.nunits; u++) {
			if (geo.units[u].size < lo)
				lo = geo.units[u].size;
			if (geo.units[u].size > hi)
				hi = geo.units[u].size;
		}
		if (lo < hi)
			cr_expect_gt(t[i].small_erase_ms, 0, "0x%03X has units of %u "
			             "and %u bytes but one erase time", t[i].pid,
			             (unsigned)lo, (unsigned)hi);
		stp_geometry_release(&geo);
	}
}

Test(timing_model, f4_sectors_take_longer_the_larger_they_are)
{
	const stp_chip *f4 = stp_chip_by_pid(0x413);
	stp_geometry geo;
	uint32_t ms16, ms64, ms128;

	cr_assert_not_null(f4);
	cr_assert_eq(stp_chip_geometry(ctx, f4, 0, &geo), STP_OK);
	cr_assert_eq(geo.units[0].size, 16384u);
	cr_assert_eq(geo.units[4].size, 65536u);
	cr_assert_eq(geo.units[5].size, 131072u);
	ms16 = stp_geometry_unit_erase_ms(&geo, &geo.units[0]);
	ms64 = stp_geometry_unit_erase_ms(&geo, &geo.units[4]);
	ms128 = stp_geometry_unit_erase_ms(&geo, &geo.units[5]);
	cr_expect_eq(ms16, f4->small_erase_ms);
	cr_expect_lt(ms16, ms64, "16 KiB %u ms, 64 KiB %u ms", ms16, ms64);
	cr_expect_lt(ms64, ms128, "64 KiB %u ms, 128 KiB %u ms", ms64, ms128);
	cr_expect_eq(ms128, f4->page_erase_ms);
	stp_geometry_release(&geo);
}

Test(timing_model, uniform_pages_all_take_page_erase_ms)
{
	const stp_chip *l4 = stp_chip_by_pid(0x415);
	stp_geometry geo;

	cr_assert_not_null(l4);
	cr_assert_eq(stp_chip_geometry(ctx, l4, 0, &geo), STP_OK);
	for (size_t u = 0; u < geo.nunits; u++)
		cr_expect_eq(stp_geometry_unit_erase_ms(&geo, &geo.units[u]),
		             l4->page_erase_ms, "unit %zu", u);
	stp_geometry_release(&geo);
}

/* --print-timing's JSON, read by python3's parser (what bench/bound.py
 * uses), must list the part's units with the erase time the simulator
 * sleeps for each. */
static void check_print_timing(const char *pid, unsigned flash_kb)
{
	const stp_chip *chip = stp_chip_find(pid, NULL);
	char cmd[4096], out[1 << 16], *line, *save = NULL;
	stp_geometry geo;
	size_t seen = 0;
	int rc;

	cr_assert_not_null(chip);
	cr_assert_eq(stp_chip_geometry(ctx, chip, flash_kb * 1024u, &geo), STP_OK);
	snprintf(cmd, sizeof(cmd),
	         "'%s' --chip %s --flash-kb %u --print-timing | python3 -c '"
	         "import json, sys\n"
	         "d = json.load(sys.stdin)\n"
	         "print(\"head\", int(d[\"chip\"], 16), d[\"flash_size\"], "
	         "d[\"program_us\"], d[\"mass_erase_ms\"], d[\"ob_program_ms\"])\n"
	         "for u in d[\"units\"]:\n"
	         "    print(\"unit\", u[\"index\"], u[\"addr\"], u[\"size\"], "
	         "u[\"bank\"], u[\"erase_ms\"])\n'",
	         th_build_path("contrib/sim/stmprog-sim"), pid, flash_kb);
	rc = th_run(cmd, out, sizeof(out));
	cr_assert_eq(rc, 0, "%s\n%s", cmd, out);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long a, b, c, d, e;

		if (sscanf(line, "head %lu %lu %lu %lu %lu", &a, &b, &c, &d, &e) == 5) {
			cr_expect_eq(a, chip->pid);
			cr_expect_eq(b, geo.flash_size);
			cr_expect_eq(c, chip->program_us);
			if (chip->mass_erase_ms)
				cr_expect_eq(d, chip->mass_erase_ms);
			cr_expect_eq(e, chip->ob_program_ms ? chip->ob_program_ms
			                                    : chip->page_erase_ms);
		} else if (sscanf(line, "unit %lu %lu %lu %lu %lu", &a, &b, &c, &d,
		                  &e) == 5) {
			const stp_erase_unit *u;

			cr_assert_lt(seen, geo.nunits, "more units than %zu", geo.nunits);
			u = &geo.units[seen++];
			cr_expect_eq(a, u->index);
			cr_expect_eq(b, u->addr);
			cr_expect_eq(c, u->size);
			cr_expect_eq(d, u->bank);
			cr_expect_eq(e, stp_geometry_unit_erase_ms(&geo, u),
			             "%s unit %lu", pid, a);
		} else {
			cr_expect_fail("unexpected line: %s", line);
		}
	}
	cr_expect_eq(seen, geo.nunits);
	stp_geometry_release(&geo);
}

Test(timing_model, print_timing_is_json_with_the_model_s_times)
{
	th_need("python3", "python3");
	check_print_timing("0x413", 512);   /* 16, 64 and 128 KiB sectors */
	check_print_timing("0x415", 1024);  /* uniform pages, two banks */
}

Test(timing_model, print_timing_runs_no_command)
{
	char cmd[4096], out[4096];

	snprintf(cmd, sizeof(cmd), "'%s' --chip 0x413 --print-timing -- true",
	         th_build_path("contrib/sim/stmprog-sim"));
	cr_expect_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "--print-timing runs no COMMAND"), "%s", out);
}

/* The job (stmprog/job.h) through the library alone: built and validated
 * without a device (a bad file, an address outside the named chip, a
 * frozen job), run in-process on the memdev test backend (order
 * violations and cancels touch nothing, per-target patches differ per
 * target), and over UART against stmprog-sim (two images and a patch as
 * one plan, the same job on two targets one after another). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/backend.h"
#include "stmprog/chip.h"
#include "stmprog/events.h"
#include "stmprog/job.h"
#include "stmprog/plan.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"
#include "test_helpers.h"

#define FLASH 0x08000000u

static stp_ctx *ctx;
static stp_job *job;
static stp_target *target;
static char results[16384]; /* every RESULT sentence, one a line */

static void record(void *user, const stp_event *ev)
{
	(void)user;
	if (ev->kind == STP_EVENT_RESULT &&
	    strlen(results) + strlen(ev->message) + 2 < sizeof(results)) {
		strcat(results, ev->message);
		strcat(results, "\n");
	}
}

static void setup(void)
{
	th_dir_setup();
	results[0] = '\0';
	setenv(STP_BACKEND_PATH_ENV, th_build_path("tests/modules/good"), 1);
	setenv("STP_MEMDEV_PID", "413", 1);
	setenv("STP_MEMDEV_JOURNAL", th_dir_path("journal.txt"), 1);
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
	stp_ctx_set_events(ctx, record, NULL, STP_LOG_WARN);
	job = stp_job_new();
	cr_assert_not_null(job);
}

static void teardown(void)
{
	stp_target_close(target);
	target = NULL;
	stp_job_free(job);
	stp_ctx_free(ctx);
	unsetenv("STP_MEMDEV_JOURNAL");
	th_dir_teardown();
}

TestSuite(job, .init = setup, .fini = teardown, .timeout = 120);

static void open_port(const char *portspec)
{
	stp_portspec spec;

	cr_assert_eq(stp_portspec_parse_string(ctx, portspec, &spec), STP_OK,
	             "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_target_open(ctx, &spec, &target), STP_OK, "%s",
	             stp_last_detail(ctx));
}

static void open_memdev(void)
{
	open_port("port=/stp-test/memdev");
}

/* n bytes that are never 0xFF, different per seed. */
static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *b = malloc(n);

	cr_assert_not_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)((i * 31 + seed * 7 + (i >> 8)) % 0xFF);
	return b;
}

static stp_image *image_at(uint32_t addr, const uint8_t *data, size_t len)
{
	stp_image *img = stp_image_new();

	cr_assert_not_null(img);
	cr_assert_eq(stp_image_add(ctx, img, 0, addr, data, len, "test"), STP_OK);
	return img;
}

static void add_image(uint32_t addr, const uint8_t *data, size_t len,
                      const char *name)
{
	stp_image *img = image_at(addr, data, len);

	cr_assert_eq(stp_job_add_image(job, ctx, img, name), STP_OK, "%s",
	             stp_last_detail(ctx));
	stp_image_free(img);
}

static int journal_count(const char *what)
{
	static char j[1 << 20];
	FILE *f = fopen(th_dir_path("journal.txt"), "r");
	size_t n = 0;
	int count = 0;

	if (f) {
		n = fread(j, 1, sizeof(j) - 1, f);
		fclose(f);
	}
	j[n] = '\0';
	for (char *p = j; (p = strstr(p, what)); p++)
		count++;
	return count;
}

static void assert_device_holds(uint32_t addr, const uint8_t *want, size_t len)
{
	uint8_t *got = malloc(len);

	cr_assert_not_null(got);
	cr_assert_eq(stp_target_read(target, addr, got, (uint32_t)len), STP_OK,
	             "%s", stp_last_detail(ctx));
	cr_assert_eq(memcmp(got, want, len), 0, "0x%08X holds other bytes", addr);
	free(got);
}

/* ---- without a device --------------------------------------------- */

Test(job, a_bad_file_fails_naming_it)
{
	const char *path = th_dir_path("missing.hex");

	cr_assert_neq(stp_job_add_file(job, ctx, path, STP_FMT_AUTO, false, 0),
	              STP_OK);
	cr_assert(strstr(stp_last_detail(ctx), "missing.hex"), "%s",
	          stp_last_detail(ctx));

	FILE *f = fopen(th_dir_path("bad.hex"), "w");
	cr_assert_not_null(f);
	fputs(":10000000000102030405060708090A0B0C0D0E0FFF\n", f);
	fclose(f);
	cr_assert_eq(stp_job_add_file(job, ctx, th_dir_path("bad.hex"),
	                              STP_FMT_AUTO, false, 0), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "bad.hex"), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "line 1"), "%s", stp_last_detail(ctx));
}

Test(job, an_address_outside_the_named_chip_fails_naming_it)
{
	uint8_t sn[8] = "SN000001";
	stp_job_patch p = {0x08100000u, sn, sizeof(sn), "serial"};

	cr_assert_eq(stp_job_set_chip(job, ctx, stp_chip_find("0x413", NULL)), STP_OK);
	cr_assert_eq(stp_job_add_patch(job, ctx, &p), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_neq(stp_job_validate(job, ctx), STP_OK);
	cr_assert(strstr(stp_last_detail(ctx), "0x08100000"), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "serial"), "%s", stp_last_detail(ctx));
}

Test(job, a_unit_the_named_chip_lacks_fails_before_connecting)
{
	unsigned units[] = {2, 12};

	cr_assert_eq(stp_job_set_chip(job, ctx, stp_chip_find("0x413", NULL)), STP_OK);
	cr_assert_eq(stp_job_add_erase(job, ctx, false, units, 2), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "sector 12 does not exist"), "%s",
	          stp_last_detail(ctx));
}

Test(job, a_validated_job_is_frozen)
{
	uint8_t *a = pattern(256, 1);

	add_image(FLASH, a, 256, "a.bin");
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_job_add_erase(job, ctx, true, NULL, 0), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "frozen"), "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_job_add_readout_unprotect(job, ctx), STP_ERR_ARG);
	cr_assert_eq(stp_job_set_end(job, ctx, STP_JOB_END_GO, false, 0), STP_ERR_ARG);
	free(a);
}

Test(job, the_order_is_checked_without_a_device)
{
	uint8_t *a = pattern(256, 1);
	unsigned unit = 5;

	add_image(FLASH, a, 256, "a.bin");
	cr_assert_eq(stp_job_add_erase(job, ctx, false, &unit, 1), STP_OK);
	add_image(FLASH + 0x8000, a, 256, "b.bin");
	cr_assert_eq(stp_job_validate(job, ctx), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "-e between two -d"), "%s",
	          stp_last_detail(ctx));
	free(a);
}

Test(job, overlapping_images_are_refused_without_a_device)
{
	uint8_t *a = pattern(4096, 1);

	add_image(FLASH, a, 4096, "boot.bin");
	add_image(FLASH + 0x800, a, 4096, "app.bin");
	cr_assert_eq(stp_job_validate(job, ctx), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "boot.bin and app.bin both have data"),
	          "%s", stp_last_detail(ctx));
	free(a);
}

/* ---- on the memdev backend ---------------------------------------- */

Test(job, a_job_not_validated_does_not_run)
{
	uint8_t *a = pattern(256, 1);

	add_image(FLASH, a, 256, "a.bin");
	open_memdev();
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, NULL), STP_ERR_ARG);
	cr_assert(strstr(stp_last_hint(ctx), "stp_job_validate"), "%s",
	          stp_last_hint(ctx));
	cr_assert_eq(journal_count("write"), 0);
	free(a);
}

/* An erase after the plan of what it writes is found on the target,
 * before the first erase. */
Test(job, an_erase_of_what_the_plan_writes_touches_nothing)
{
	uint8_t *a = pattern(256, 1);
	unsigned units[] = {3, 0};

	cr_assert_eq(stp_job_add_erase(job, ctx, true, NULL, 0), STP_OK);
	add_image(FLASH, a, 256, "a.bin");
	cr_assert_eq(stp_job_add_erase(job, ctx, false, units, 2), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK, "%s", stp_last_detail(ctx));
	open_memdev();
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, NULL), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx),
	                 "sector 0 (0x08000000) holds data this run writes"),
	          "%s", stp_last_detail(ctx));
	cr_assert_eq(journal_count("erase"), 0);
	cr_assert_eq(journal_count("write"), 0);
	free(a);
}

Test(job, a_cancel_before_the_run_writes_nothing)
{
	uint8_t *a = pattern(2048, 1);
	stp_job_report rep;

	cr_assert_eq(stp_job_add_erase(job, ctx, true, NULL, 0), STP_OK);
	add_image(FLASH, a, 2048, "a.bin");
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK, "%s", stp_last_detail(ctx));
	open_memdev();
	stp_cancel(ctx);
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, &rep), STP_ERR_CANCELLED);
	cr_assert(strstr(stp_last_hint(ctx), "nothing was written"), "%s",
	          stp_last_hint(ctx));
	cr_assert_eq(journal_count("erase"), 0);
	cr_assert_eq(journal_count("write"), 0);
	cr_assert(!rep.programmed);
	free(a);
}

/* One validated job, two targets in turn, each with its own serial
 * number patched into the one plan. */
Test(job, per_target_patches_differ_per_run)
{
	uint8_t *a = pattern(8192, 2);
	uint8_t fixed[4] = {0xC0, 0xFF, 0xEE, 0x00};
	stp_job_patch cal = {FLASH + 0x3000, fixed, sizeof(fixed), "calibration"};
	const char *serials[] = {"SN-00000001", "SN-00000002"};
	stp_job_report rep;

	add_image(FLASH, a, 8192, "app.bin");
	cr_assert_eq(stp_job_add_patch(job, ctx, &cal), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK, "%s", stp_last_detail(ctx));
	for (int run = 0; run < 2; run++) {
		stp_job_patch sn = {FLASH + 0x3800, (const uint8_t *)serials[run], 12,
		                    "serial"};
		stp_job_run_opts opts = {&sn, 1};

		results[0] = '\0';
		open_memdev(); /* a fresh memdev: another chip */
		cr_assert_eq(stp_job_run(job, ctx, target, &opts, &rep), STP_OK, "%s",
		             stp_last_detail(ctx));
		cr_assert(rep.programmed);
		cr_assert_geq(rep.bytes_verified, 8192 + 4 + 12);
		assert_device_holds(FLASH, a, 8192);
		assert_device_holds(FLASH + 0x3000, fixed, 4);
		assert_device_holds(FLASH + 0x3800, (const uint8_t *)serials[run], 12);
		cr_assert(strstr(results, "app.bin, calibration, serial: "), "%s", results);
		cr_assert(strstr(results, "calibration: written and verified with the "
		                          "files above, as one plan"), "%s", results);
		stp_target_close(target);
		target = NULL;
	}
	free(a);
}

Test(job, per_target_patches_need_a_plan_step)
{
	uint8_t sn[4] = "SN01";
	stp_job_patch p = {FLASH, sn, 4, "serial"};
	stp_job_run_opts opts = {&p, 1};

	cr_assert_eq(stp_job_add_erase(job, ctx, true, NULL, 0), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK);
	open_memdev();
	cr_assert_eq(stp_job_run(job, ctx, target, &opts, NULL), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "per-target patches"), "%s",
	          stp_last_detail(ctx));
	cr_assert_eq(journal_count("erase"), 0);
}

/* A per-target patch over the image's data fails before anything. */
Test(job, a_per_target_patch_overlapping_the_image_touches_nothing)
{
	uint8_t *a = pattern(1024, 3);
	uint8_t sn[4] = "SN01";
	stp_job_patch p = {FLASH + 0x10, sn, 4, "serial"};
	stp_job_run_opts opts = {&p, 1};

	add_image(FLASH, a, 1024, "app.bin");
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK);
	open_memdev();
	cr_assert_eq(stp_job_check(job, ctx, target, &opts), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "serial"), "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_job_run(job, ctx, target, &opts, NULL), STP_ERR_IMAGE);
	cr_assert_eq(journal_count("erase"), 0);
	cr_assert_eq(journal_count("write"), 0);
	free(a);
}

static stp_status keep_read(void *user, stp_ctx *c, uint32_t addr,
                            const uint8_t *data, size_t len)
{
	uint8_t *dst = user;

	(void)c;
	cr_assert_eq(addr, FLASH + 0x100);
	cr_assert_eq(len, 64);
	memcpy(dst, data, len);
	return STP_OK;
}

Test(job, a_read_step_hands_over_what_the_plan_wrote)
{
	uint8_t *a = pattern(1024, 4);
	uint8_t got[64];

	add_image(FLASH, a, 1024, "app.bin");
	cr_assert_eq(stp_job_add_read(job, ctx, FLASH + 0x100, 64, keep_read, got),
	             STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK);
	open_memdev();
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, NULL), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(memcmp(got, a + 0x100, 64), 0);
	free(a);
}

/* ---- over UART against stmprog-sim --------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	b = malloc(*len ? *len : 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(b, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static bool all_erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

/* Two images and a patch in sector 0 are one plan: the patch bytes land
 * between the images, every byte is verified; the same validated job
 * then runs on the second simulated chip with its own serial number.
 * tests/job_runner.c is the production line, run as the simulator's
 * COMMAND with one port per chip. */
Test(job, two_images_and_a_patch_are_one_plan_on_two_targets_over_uart)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	static char out[65536];
	uint8_t *boot = pattern(8192, 5), *app = pattern(2048, 6);
	const uint8_t cal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	char cmd[8192], flash[512];

	spit(th_dir_path("boot.bin"), boot, 8192);
	spit(th_dir_path("app.bin"), app, 2048);
	snprintf(flash, sizeof(flash), "%s", th_dir_path("flash.bin"));
	snprintf(cmd, sizeof(cmd),
	         "unset STMPROG_BACKEND_PATH; '%s' --chip 0x413 --devices 2 "
	         "--flash '%s' --trace '%s' -- '%s' '%s' '%s' {port1} {port2}",
	         th_build_path("contrib/sim/stmprog-sim"), flash,
	         th_dir_path("trace.txt"), th_build_path("tests/job_runner"),
	         th_dir_path("boot.bin"), th_dir_path("app.bin"));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	for (int dev = 0; dev < 2; dev++) {
		char path[600], serial[4] = {'S', 'N', '-', (char)('A' + dev)};
		char report[64];
		uint8_t *img;
		size_t len;

		snprintf(report, sizeof(report), "report %d: programmed=1", dev + 1);
		cr_assert(strstr(out, report), "%s", out);
		snprintf(path, sizeof(path), dev ? "%s.2" : "%s", flash);
		img = slurp(path, &len);
		cr_assert_geq(len, 0x4000);
		cr_assert_eq(memcmp(img, boot, 8192), 0, "device %d", dev + 1);
		cr_assert_eq(memcmp(img + 0x2000, serial, 4), 0, "device %d", dev + 1);
		cr_assert_eq(memcmp(img + 0x3000, cal, 8), 0, "device %d", dev + 1);
		cr_assert_eq(memcmp(img + 0x3400, app, 2048), 0, "device %d", dev + 1);
		cr_assert(all_erased(img + 0x2004, 0x3000 - 0x2004));
		cr_assert(all_erased(img + 0x3C00, len - 0x3C00));
		free(img);
	}
	/* One plan, one sentence, naming every input; the later ones say
	 * they were part of it. */
	cr_assert(strstr(out, "boot.bin, "), "%s", out);
	cr_assert(strstr(out, "app.bin, calibration, serial: "), "%s", out);
	cr_assert(strstr(out, "bytes verified by"), "%s", out);
	cr_assert(strstr(out, "app.bin: written and verified with the files above, "
	                      "as one plan"), "%s", out);
	free(boot);
	free(app);
}

/* ---- the verified step --------------------------------------------- */

Test(job, a_verified_step_needs_a_write_before_it)
{
	cr_assert_eq(stp_job_add_verified(job, ctx), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "needs a write before it"), "%s",
	          stp_last_detail(ctx));
}

/* "Verified" stands where the step was added: after the plan's result,
 * and the steps after it still run. */
Test(job, a_verified_step_reports_in_its_place)
{
	uint8_t *a = pattern(1024, 5);
	uint8_t got[64];
	const char *plan, *verified;

	add_image(FLASH, a, 1024, "app.bin");
	cr_assert_eq(stp_job_add_verified(job, ctx), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(stp_job_add_read(job, ctx, FLASH + 0x100, 64, keep_read, got), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK, "%s", stp_last_detail(ctx));
	open_memdev();
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, NULL), STP_OK, "%s",
	             stp_last_detail(ctx));
	plan = strstr(results, "app.bin: ");
	verified = strstr(results, "Verified\n");
	cr_assert(plan && verified && plan < verified, "%s", results);
	/* The read after it ran, and handed over what the plan wrote. */
	cr_assert_eq(memcmp(got, a + 0x100, sizeof(got)), 0);
	free(a);
}

/* ---- phases of the steps outside the plan --------------------------- */

static char phases[1024];

static void record_phases(void *user, const stp_event *ev)
{
	static const char *const names[] = {"erase", "write", "verify", "read"};
	const char *what = ev->kind == STP_EVENT_PHASE_BEGIN ? "begin"
	                   : ev->kind == STP_EVENT_PHASE_END  ? "end"
	                   : ev->kind == STP_EVENT_PHASE_FAILED ? "failed"
	                                                        : NULL;

	(void)user;
	if (what)
		snprintf(phases + strlen(phases), sizeof(phases) - strlen(phases),
		         "%s %s %llu;", names[ev->phase], what,
		         (unsigned long long)ev->total);
}

/* An erase of listed units and a read are phases of their own, opened
 * and closed once, so a renderer prints their finished line (on a pipe:
 * "Erasing: 2 units", "Reading: 64 bytes"). */
Test(job, erase_and_read_steps_are_phases)
{
	unsigned units[] = {1, 2};
	uint8_t got[64];

	cr_assert_eq(stp_job_add_erase(job, ctx, false, units, 2), STP_OK);
	cr_assert_eq(stp_job_add_read(job, ctx, FLASH + 0x100, 64, keep_read, got),
	             STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK, "%s", stp_last_detail(ctx));
	open_memdev();
	phases[0] = '\0';
	stp_ctx_set_events(ctx, record_phases, NULL, STP_LOG_WARN);
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, NULL), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_str_eq(phases, "erase begin 2;erase end 2;read begin 64;read end 64;");
}

/* ---- -checksum, --skipErase, --flash-size, -rst without a device ---- */

static stp_status no_crc(void *user, stp_ctx *c, uint32_t addr, uint32_t len,
                         uint32_t crc, bool by_device)
{
	(void)user;
	(void)c;
	(void)addr;
	(void)len;
	(void)crc;
	(void)by_device;
	return STP_OK;
}

/* Whole words only: the device's CRC takes nothing else, and padding
 * would checksum bytes nobody named; the hint names the covering words. */
Test(job, a_checksum_of_part_words_is_refused_naming_the_words)
{
	cr_assert_eq(stp_job_add_checksum(job, ctx, FLASH + 2, 5, no_crc, NULL),
	             STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "multiples of 4"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "-checksum 0x08000000 0x8"), "%s",
	          stp_last_hint(ctx));
	cr_assert_eq(stp_job_add_checksum(job, ctx, FLASH, 8, NULL, NULL),
	             STP_ERR_ARG);
	cr_assert_eq(stp_job_add_checksum(job, ctx, FLASH, 8, no_crc, NULL),
	             STP_OK);
}

/* A checksum running past the flash of the named chip fails before
 * connecting, naming the option. */
Test(job, a_checksum_past_the_flash_fails_without_a_device)
{
	const stp_chip *c = stp_chip_by_pid(0x413);

	cr_assert_eq(stp_job_set_chip(job, ctx, c), STP_OK);
	cr_assert_eq(stp_job_add_checksum(job, ctx,
	                                  c->flash_base + c->flash_size - 4, 8,
	                                  no_crc, NULL), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "-checksum 0x"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "past the end of the flash"),
	          "%s", stp_last_detail(ctx));
}

/* --flash-size: whole KiB, at most the named line's largest part, and
 * planned with when the chip is named (data past it fails). */
Test(job, flash_size_is_checked_and_planned_with)
{
	const stp_chip *c = stp_chip_by_pid(0x413);
	uint8_t *b = pattern(16, 1);
	stp_job_patch p = {0x08080000u, b, 16, "serial"};

	cr_assert_eq(stp_job_set_flash_size(job, ctx, 1000), STP_ERR_ARG);
	cr_assert_eq(stp_job_set_chip(job, ctx, c), STP_OK);
	cr_assert_eq(stp_job_set_flash_size(job, ctx, 2u << 20), STP_ERR_ARG);
	cr_assert(strstr(stp_last_detail(ctx), "the largest"), "%s",
	          stp_last_detail(ctx));
	cr_assert_eq(stp_job_set_flash_size(job, ctx, 512u << 10), STP_OK);
	cr_assert_eq(stp_job_add_patch(job, ctx, &p), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_ERR_LAYOUT);
	cr_assert(strstr(stp_last_detail(ctx), "512 KiB"), "%s",
	          stp_last_detail(ctx));
	free(b);
}

/* The new ends and settings are accepted before validation and frozen
 * after it. */
Test(job, reset_ends_and_settings_freeze_with_the_job)
{
	cr_assert_eq(stp_job_set_end(job, ctx, STP_JOB_END_RESET, false, 0),
	             STP_OK);
	cr_assert_eq(stp_job_set_end(job, ctx, STP_JOB_END_HARD_RESET, false, 0),
	             STP_OK);
	cr_assert_eq(stp_job_set_end(job, ctx, (stp_job_end)9, false, 0),
	             STP_ERR_ARG);
	cr_assert_eq(stp_job_set_skip_erase(job, ctx, true), STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK);
	cr_assert_eq(stp_job_set_skip_erase(job, ctx, false), STP_ERR_ARG);
	cr_assert_eq(stp_job_set_flash_size(job, ctx, 65536), STP_ERR_ARG);
	cr_assert_eq(stp_job_add_checksum(job, ctx, FLASH, 4, no_crc, NULL),
	             STP_ERR_ARG);
}

/* -checksum on memdev (no CRC command): computed from a read, the same
 * number as the bytes' CRC, after the plan that wrote them. */
static uint32_t got_crc;
static bool got_by_device;

static stp_status keep_crc(void *user, stp_ctx *c, uint32_t addr,
                           uint32_t len, uint32_t crc, bool by_device)
{
	(void)user;
	(void)c;
	(void)addr;
	(void)len;
	got_crc = crc;
	got_by_device = by_device;
	return STP_OK;
}

Test(job, a_checksum_step_hands_over_the_crc_of_what_was_written)
{
	uint8_t *b = pattern(4096, 3);

	add_image(FLASH, b, 4096, "app.bin");
	cr_assert_eq(stp_job_add_checksum(job, ctx, FLASH, 4096, keep_crc, NULL),
	             STP_OK);
	cr_assert_eq(stp_job_validate(job, ctx), STP_OK);
	open_memdev();
	cr_assert_eq(stp_job_run(job, ctx, target, NULL, NULL), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(got_crc, stp_crc32_stm32(0xFFFFFFFFu, b, 4096));
	cr_assert(!got_by_device);
	cr_assert(strstr(results, "computed by stmprog from a read"), "%s",
	          results);
	free(b);
}

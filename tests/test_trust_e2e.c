/* The promises of every run, end to end through stmprog-sim over UART,
 * USB DFU and CAN (slcan): all of a run's files are one plan (nothing
 * lost, overlaps refused before the first erase), every command's
 * arguments are checked against the chip before the first command runs,
 * irreversible option bytes pass one guard that needs
 * --confirm-irreversible, "Started" is said only of a real vector table,
 * and a stopped run says what the chip holds.  What the chip holds is
 * read from the simulator's flash file, what it was asked to do from its
 * trace. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "stmprog/plan.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(trust, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 180);

typedef struct transport {
	const char *simopts;  /* stmprog-sim options */
	const char *connect;  /* after port={port} */
} transport;

static const transport uart = {"", "br=115200"};
static const transport usb = {"--transport usb", ""};
static const transport can = {"--transport slcan", "br=125"};

static int run(const transport *tr, const char *chip, const char *args)
{
	char all[8192];

	snprintf(all, sizeof(all), "%s %s", tr->connect, args);
	return e2e_stmprog(out, sizeof(out), chip, tr->simopts, all);
}

/* A binary of len bytes made by seed, written to name in the test dir. */
static unsigned char *make_bin(const char *name, size_t len, unsigned seed)
{
	unsigned char *b = malloc(len);

	cr_assert(b);
	srand(seed);
	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(rand() % 255); /* never 0xFF */
	e2e_spit(th_dir_path(name), b, len);
	return b;
}

/* Under valgrind (STMPROG_TEST_QUICK) the UART run of a check that runs
 * on every transport stands for the others: their backends go under
 * valgrind in their own end-to-end tests; the ASan pass runs all. */
static void uart_stands_for_all_when_quick(const transport *tr)
{
	if (getenv("STMPROG_TEST_QUICK") && tr != &uart)
		cr_skip_test("STMPROG_TEST_QUICK is set");
}

static void assert_untouched(void)
{
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "erased before refusing: %s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote before refusing: %s", out);
}

/* ---- 1. one run, one plan --------------------------------------------- */

/* The factory's ordinary job: a bootloader and an application sharing
 * sector 0's neighbourhood.  Planned alone, the second -d padded and
 * erased the units the first had written and still said "Verified". */
static void two_files_one_plan(const transport *tr)
{
	uart_stands_for_all_when_quick(tr); /* before anything is allocated */

	const stp_chip *c = e2e_chip("0x413");
	unsigned char *boot = make_bin("boot.bin", 8192, 1);
	unsigned char *app = make_bin("app.bin", 12000, 2);
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -d '%s' 0x08002000 -v",
	         th_dir_path("boot.bin"), th_dir_path("app.bin"));
	cr_assert_eq(run(tr, "0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	cr_assert(strstr(out, "as one plan"), "%s", out);
	e2e_assert_flash(c, boot, 0, 8192, 8192);
	e2e_assert_flash(c, app, 8192, 12000, 32768);
	/* Sector 0 (16 KiB) holds parts of both files: erased once (UART
	 * and CAN trace unit numbers, DfuSe addresses), or not at all where
	 * reading it blank is cheaper than the erase (USB). */
	cr_assert_leq(e2e_count_lines(e2e_trace(), "ERASE 0") +
	                      e2e_count_lines(e2e_trace(), "ERASE PAGE 0x08000000"),
	              1, "the shared sector was erased more than once");
	free(boot);
	free(app);
}

Test(trust, two_files_one_plan_uart) { two_files_one_plan(&uart); }
Test(trust, two_files_one_plan_usb) { two_files_one_plan(&usb); }
Test(trust, two_files_one_plan_can) { two_files_one_plan(&can); }

static void overlap_refused(const transport *tr)
{
	char args[4096];

	uart_stands_for_all_when_quick(tr);

	free(make_bin("boot.bin", 8192, 3));
	free(make_bin("app.bin", 8192, 4));
	snprintf(args, sizeof(args), "-e all -d '%s' 0x08000000 -d '%s' 0x08001000",
	         th_dir_path("boot.bin"), th_dir_path("app.bin"));
	cr_assert_eq(run(tr, "0x413", args), 4, "%s", out);
	cr_assert(strstr(out, "boot.bin and") && strstr(out, "app.bin both have data "
	                                                   "at 0x08001000..0x08001FFF"),
	          "%s", out);
	assert_untouched();
}

Test(trust, overlap_refused_before_anything_uart) { overlap_refused(&uart); }
Test(trust, overlap_refused_before_anything_usb) { overlap_refused(&usb); }

/* Every sector number exists before sector 0 is erased. */
static void erase_list_checked_first(const transport *tr)
{
	uart_stands_for_all_when_quick(tr);
	cr_assert_eq(run(tr, "0x413", "-e 0 -e 99"), 2, "%s", out);
	cr_assert(strstr(out, "sector 99 does not exist"), "%s", out);
	assert_untouched();
	cr_assert_eq(run(tr, "0x413", "-e 0 --write-protect 40"), 2, "%s", out);
	cr_assert(strstr(out, "sector 40 does not exist"), "%s", out);
	assert_untouched();
}

Test(trust, erase_list_checked_first_uart) { erase_list_checked_first(&uart); }
Test(trust, erase_list_checked_first_can) { erase_list_checked_first(&can); }

/* What would undo the plan in the middle or after it is refused before
 * the device is touched. */
Test(trust, nothing_undoes_the_plan)
{
	char args[4096];

	free(make_bin("boot.bin", 4096, 5));
	free(make_bin("app.bin", 4096, 6));
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -e 1 -d '%s' 0x08008000",
	         th_dir_path("boot.bin"), th_dir_path("app.bin"));
	cr_assert_eq(run(&uart, "0x413", args), 2, "%s", out);
	cr_assert(strstr(out, "-e between two -d"), "%s", out);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -e 0", th_dir_path("boot.bin"));
	cr_assert_eq(run(&uart, "0x413", args), 2, "%s", out);
	cr_assert(strstr(out, "sector 0 (0x08000000) holds data this run writes"),
	          "%s", out);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -e all", th_dir_path("boot.bin"));
	cr_assert_eq(run(&uart, "0x413", args), 2, "%s", out);
	assert_untouched();
	/* An erase elsewhere after the plan is fine. */
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -e 5", th_dir_path("boot.bin"));
	cr_assert_eq(run(&uart, "0x413", args), 0, "%s", out);
}

/* ---- 2. never irreversible by accident -------------------------------- */

Test(trust, rdp2_by_name_needs_confirmation)
{
	cr_assert_eq(run(&usb, "0x413", "-ob RDP=0xCC"), 2, "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible rdp2"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "OB WRITE"), "written: %s", out);
	/* A confirmation for something else does not count. */
	cr_assert_eq(run(&usb, "0x413", "--confirm-irreversible otp -ob RDP=0xCC"), 2,
	             "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "OB WRITE"), "written: %s", out);
	cr_assert_eq(run(&usb, "0x413", "--confirm-irreversible rdp3 -ob RDP=0xCC"), 2,
	             "%s", out);
	cr_assert(strstr(out, "'rdp3'"), "%s", out);
}

Test(trust, rdp2_confirmed_is_written_and_said_permanent)
{
	cr_assert_eq(run(&usb, "0x413", "--confirm-irreversible rdp2 -ob RDP=0xCC"),
	             0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "OB WRITE"), "not written: %s", out);
	cr_assert(strstr(out, "permanent"), "%s", out);
	cr_assert(!strstr(out, "-rdu removes"), "suggests -rdu for level 2: %s", out);
}

/* A .dfu file's option-byte target went around the -ob refusal. */
Test(trust, dfu_file_with_rdp2_is_refused_before_the_flash)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char ob[16] = {0xEC, 0xCC, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF,
	                        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	char cmd[8192];

	th_need("dfuse-pack", "dfu-util");
	free(e2e_app(c, 4000, 8));
	e2e_spit(th_dir_path("ob.bin"), ob, sizeof(ob));
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && dfuse-pack -b 0x08000000:app.bin -b 0x1FFFC000@1:ob.bin "
	         "fw.dfu", th_dir);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "-d '%s' -v", th_dir_path("fw.dfu"));
	cr_assert_eq(run(&usb, "0x413", cmd), 2, "%s", out);
	cr_assert(strstr(out, "fw.dfu: its option bytes"), "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible rdp2"), "%s", out);
	assert_untouched();
	cr_assert(!e2e_file_has(e2e_trace(), "OB WRITE"), "written: %s", out);
}

/* L4: the boot source set to the option bit with nBOOT0 = 1 boots the
 * flash whatever BOOT0 says: the bootloader is out of reach. */
Test(trust, bootloader_lock_out_needs_confirmation)
{
	cr_assert_eq(run(&uart, "0x435", "-ob nSWBOOT0=0 nBOOT0=1"), 2, "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible bootloader"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "written: %s", out);
	/* Only one of the two: the pin still decides, nothing to guard. */
	cr_assert_eq(run(&uart, "0x435", "-ob nBOOT0=1"), 0, "%s", out);
}

/* ---- 4. "Started" means started --------------------------------------- */

static void go_checks_the_vector_table(const transport *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	char args[4096];

	uart_stands_for_all_when_quick(tr);

	/* Data that is no application: refused, nothing started. */
	free(make_bin("data.bin", 2048, 9));
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -g", th_dir_path("data.bin"));
	cr_assert_eq(run(tr, "0x413", args), 4, "%s", out);
	cr_assert(strstr(out, "no application to start at 0x08000000"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "GO "), "started anyway");
	cr_assert(!e2e_file_has(e2e_trace(), "LEAVE "), "started anyway");
	/* A real one starts, and the table is named. */
	free(e2e_app(c, 2048, 10));
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -g", e2e_app_path());
	cr_assert_eq(run(tr, "0x413", args), 0, "%s", out);
	cr_assert(strstr(out, "Started the application at 0x08000000 (stack pointer"),
	          "%s", out);
}

Test(trust, go_checks_the_vector_table_uart) { go_checks_the_vector_table(&uart); }
Test(trust, go_checks_the_vector_table_usb) { go_checks_the_vector_table(&usb); }
Test(trust, go_checks_the_vector_table_can) { go_checks_the_vector_table(&can); }

/* 0xFFFFFFFF was the "no address" sentinel: it jumped to the flash base. */
Test(trust, go_to_all_ones_is_not_the_flash_base)
{
	cr_assert_eq(run(&uart, "0x413", "-g 0xFFFFFFFF"), 2, "%s", out);
	cr_assert(strstr(out, "-g 0xFFFFFFFF"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "GO "), "jumped somewhere");
	cr_assert_eq(run(&uart, "0x413", "-g 0x60000000"), 2, "%s", out);
	cr_assert(strstr(out, "neither in the flash"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "GO "), "jumped somewhere");
}

/* ---- 7. a stopped run says what the chip holds ------------------------ */

/* SIGINT once the first WRITE is in the trace (a state the test waits
 * for, bounded, not a time): the run stops at a block boundary with exit
 * 7 and says the image is partial; the next run finishes it. */
Test(trust, interrupted_write_is_reported_and_repaired)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img;
	char command[8192];

	if (getenv("STMPROG_TEST_QUICK")) /* a paced session: the ASan pass runs it */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	img = e2e_app(c, 60000, 11);

	snprintf(command, sizeof(command),
	         "sh -c '\"%s\" -c port=$STMPROG_SIM_PORT br=115200 -d \"%s\" -v & p=$!; "
	         "i=0; while [ $i -lt 2000 ] && ! grep -q \"^WRITE\" \"%s\"; do "
	         "i=$((i+1)); sleep 0.01; done; kill -INT $p; wait $p'",
	         th_build_path("frontends/stmprog"), e2e_app_path(), e2e_trace());
	cr_assert_eq(e2e_sim(out, sizeof(out), "0x413", "--baud 115200 --timing real",
	                     command), 7, "%s", out);
	cr_assert(strstr(out, "stopped before writing 0x080"), "%s", out);
	cr_assert(strstr(out, "no complete image"), "%s", out);
	cr_assert(strstr(out, "run the same command again"), "%s", out);
	cr_assert(!strstr(out, "Verified"), "%s", out);

	snprintf(command, sizeof(command), "-d '%s' -v", e2e_app_path());
	cr_assert_eq(run(&uart, "0x413", command), 0, "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	e2e_assert_flash(c, img, 0, 60000, 0);
	free(img);
}

/* ---- the core's merge, without a device ------------------------------- */

Test(trust, merge_names_both_inputs_and_keeps_shared_units)
{
	stp_ctx *ctx = stp_ctx_new();
	stp_image *a = stp_image_new(), *b = stp_image_new(), *m = NULL;
	uint8_t x[16], y[16];
	stp_image_input in[2] = {{a, "boot.bin"}, {b, "app.bin"}};

	memset(x, 1, sizeof(x));
	memset(y, 2, sizeof(y));
	cr_assert_eq(stp_image_add(ctx, a, 0, 0x08000000, x, 16, "boot.bin"), STP_OK);
	cr_assert_eq(stp_image_add(ctx, b, 0, 0x08000010, y, 16, "app.bin"), STP_OK);
	cr_assert_eq(stp_images_merge(ctx, in, 2, &m), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_image_size(m), 32);
	stp_image_free(m);
	stp_image_free(b);
	b = stp_image_new();
	cr_assert_eq(stp_image_add(ctx, b, 0, 0x0800000C, y, 16, "app.bin"), STP_OK);
	in[1].img = b;
	cr_assert_eq(stp_images_merge(ctx, in, 2, &m), STP_ERR_IMAGE);
	cr_assert_null(m);
	cr_assert(strstr(stp_last_detail(ctx),
	                 "boot.bin and app.bin both have data at 0x0800000C..0x0800000F"),
	          "%s", stp_last_detail(ctx));
	stp_image_free(a);
	stp_image_free(b);
	stp_ctx_free(ctx);
}

/* ---- 8. hints name something that works -------------------------------- */

/* An OTP target in a .dfu was refused with a hint to use -w at an
 * explicit address, which was refused in turn.  Both now name the
 * confirmation, and the command it names writes the OTP. */
Test(trust, otp_hints_do_not_point_at_another_refusal)
{
	unsigned char otp[32], *file;
	size_t len;
	char cmd[8192];

	th_need("dfuse-pack", "dfu-util");
	memset(otp, 0x5A, sizeof(otp));
	e2e_spit(th_dir_path("otp.bin"), otp, sizeof(otp));
	free(e2e_app(e2e_chip("0x413"), 2048, 12));
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && dfuse-pack -b 0x08000000:app.bin -b 0x1FFF7800@2:otp.bin "
	         "otp.dfu", th_dir);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "-d '%s'", th_dir_path("otp.dfu"));
	cr_assert_eq(run(&usb, "0x413", cmd), 2, "%s", out);
	cr_assert(!strstr(out, "-w at an explicit"), "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible otp"), "%s", out);
	snprintf(cmd, sizeof(cmd), "-w '%s' 0x1FFF7800", th_dir_path("otp.bin"));
	cr_assert_eq(run(&usb, "0x413", cmd), 2, "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible otp"), "%s", out);
	assert_untouched();
	snprintf(cmd, sizeof(cmd), "--confirm-irreversible otp -d '%s'",
	         th_dir_path("otp.dfu"));
	cr_assert_eq(run(&usb, "0x413", cmd), 0, "%s", out);
	file = e2e_slurp(th_dir_path("flash.bin.otp"), &len);
	cr_assert_eq(memcmp(file, otp, sizeof(otp)), 0, "the OTP differs");
	free(file);
}

/* Level 2 over UART: the bootloader is gone after the write's reset, and
 * that silence is what level 2 means, said as such, not as a failure to
 * reconnect. */
Test(trust, rdp2_over_uart_is_said_permanent)
{
	cr_assert_eq(run(&uart, "0x413", "--confirm-irreversible rdp2 -ob RDP=0xCC"),
	             0, "%s", out);
	cr_assert(strstr(out, "level 2"), "%s", out);
	cr_assert(strstr(out, "permanent"), "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=2"), "%s", out);
}

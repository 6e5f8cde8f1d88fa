/* stmprog-sim --devices N: several chips in one run, each on its own pty
 * with its own flash file and UID.  stmprog (the CLI) programs each one
 * through its own port ({portI} and STMPROG_SIM_PORTI) with a different
 * image; each flash file must then hold its own image and nothing of the
 * others', and a read of the UID address must return what --uid said. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

#define PID "0x413"

static char out[65536];

TestSuite(sim_multi, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 180);

/* Device i's flash file: flash.bin for 1, flash.bin.I after. */
static const char *flash_of(unsigned i)
{
	static char name[32];

	if (i == 1)
		return th_dir_path("flash.bin");
	snprintf(name, sizeof(name), "flash.bin.%u", i);
	return th_dir_path(name);
}

static const char *app_of(unsigned i)
{
	static char name[32];

	snprintf(name, sizeof(name), "app%u.bin", i);
	return th_dir_path(name);
}

/* A script COMMAND runs: it gets {port1}..{portN} as its arguments,
 * checks each against STMPROG_SIM_PORTI, and runs stmprog with args on
 * every device in turn; in args the shell gives $i the device number and
 * $port its port, and $dir is th_dir. */
static void write_script(unsigned n, const char *args)
{
	FILE *f = fopen(th_dir_path("each.sh"), "w");

	cr_assert(f);
	fprintf(f,
	        "set -e\n"
	        "dir='%s'\n"
	        "i=0\n"
	        "for port in \"$@\"; do\n"
	        "  i=$((i + 1))\n"
	        "  eval env_port=\\$STMPROG_SIM_PORT$i\n"
	        "  if [ \"$port\" != \"$env_port\" ]; then\n"
	        "    echo \"device $i: {port$i} is $port, STMPROG_SIM_PORT$i "
	        "is $env_port\"; exit 9\n"
	        "  fi\n"
	        "  '%s' %s\n"
	        "done\n"
	        "[ \"$i\" = %u ]\n",
	        th_dir, th_build_path("frontends/stmprog"), args, n);
	fclose(f);
}

/* Runs each.sh under the simulator with n devices and simopts. */
static int run_each(unsigned n, const char *simopts)
{
	char command[4096], opts[1024];
	size_t used;

	used = (size_t)snprintf(command, sizeof(command), "sh '%s'",
	                        th_dir_path("each.sh"));
	for (unsigned i = 1; i <= n; i++)
		used += (size_t)snprintf(command + used, sizeof(command) - used,
		                         " {port%u}", i);
	snprintf(opts, sizeof(opts), "--devices %u %s", n, simopts);
	return e2e_sim(out, sizeof(out), PID, opts, command);
}

/* n devices, each programmed with its own image through its own port. */
static void program_each(unsigned n)
{
	const stp_chip *c = e2e_chip(PID);
	unsigned char *img[4];
	size_t len[4];

	cr_assert_leq(n, 4);
	for (unsigned i = 1; i <= n; i++) {
		/* Different contents and lengths, so no file can pass for
		 * another's. */
		len[i - 1] = 1024 + 700 * i;
		img[i - 1] = e2e_make_app(c, len[i - 1], 100 + i);
		e2e_spit(app_of(i), img[i - 1], len[i - 1]);
	}
	write_script(n, "-c port=\"$port\" -q -d \"$dir/app$i.bin\" "
	             "0x08000000 -v");
	cr_assert_eq(run_each(n, "--seed 5"), 0, "%s", out);
	for (unsigned i = 1; i <= n; i++) {
		size_t flen;
		unsigned char *flash = e2e_slurp(flash_of(i), &flen);
		char prefix[16];

		cr_assert_eq(flen, c->flash_size, "device %u", i);
		cr_assert_eq(memcmp(flash, img[i - 1], len[i - 1]), 0,
		             "device %u's flash is not its image", i);
		cr_assert(e2e_all_equal(flash + len[i - 1], 16384 - len[i - 1],
		                        c->erased_value),
		          "device %u: bytes after its image are not erased", i);
		free(flash);
		free(img[i - 1]);
		/* Every device was written, each through its own port. */
		snprintf(prefix, sizeof(prefix), "d%u WRITE", i);
		cr_assert_gt(e2e_count_lines(e2e_trace(), prefix), 0,
		             "no write in device %u's trace lines", i);
	}
}

Test(sim_multi, two_devices_two_images)
{
	program_each(2);
}

Test(sim_multi, four_devices_four_images)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	program_each(4);
}

/* The UIDs as stmprog reads them from the chip's UID address. */
static void read_uids(unsigned n, const char *simopts, unsigned char uid[][12])
{
	const stp_chip *c = e2e_chip(PID);
	char args[128];

	snprintf(args, sizeof(args), "-c port=\"$port\" -q -u 0x%08X 12 "
	         "\"$dir/uid$i.bin\"", c->uid_addr);
	write_script(n, args);
	cr_assert_eq(run_each(n, simopts), 0, "%s", out);
	for (unsigned i = 1; i <= n; i++) {
		char name[32];
		size_t len;
		unsigned char *got;

		snprintf(name, sizeof(name), "uid%u.bin", i);
		got = e2e_slurp(th_dir_path(name), &len);
		cr_assert_eq(len, 12, "device %u: %zu bytes of UID", i, len);
		memcpy(uid[i - 1], got, 12);
		free(got);
	}
}

/* --uid as the reference manual prints it: the word at +8, +4, +0. */
Test(sim_multi, explicit_uids_read_back)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	static const unsigned char want[2][12] = {
		/* 0033002A 3432510E 30363838 */
		{0x38, 0x38, 0x36, 0x30, 0x0E, 0x51, 0x32, 0x34,
		 0x2A, 0x00, 0x33, 0x00},
		/* 0033002A 3432510E 30363839: differs in one bit of +0 */
		{0x39, 0x38, 0x36, 0x30, 0x0E, 0x51, 0x32, 0x34,
		 0x2A, 0x00, 0x33, 0x00},
	};
	unsigned char uid[2][12];

	read_uids(2, "--uid 0033002A3432510E30363838 "
	          "--uid 0033002a3432510e30363839", uid);
	cr_assert_eq(memcmp(uid[0], want[0], 12), 0, "device 1's UID");
	cr_assert_eq(memcmp(uid[1], want[1], 12), 0, "device 2's UID");
}

/* Without --uid the UIDs differ per device, and device 1 keeps the UID a
 * one-device run with the same --seed has; one --uid sets device 1's
 * only. */
Test(sim_multi, default_uids_differ)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	unsigned char four[4][12], one[1][12], mixed[2][12];

	read_uids(4, "--seed 9", four);
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = i + 1; j < 4; j++)
			cr_assert_neq(memcmp(four[i], four[j], 12), 0,
			              "devices %u and %u have one UID", i + 1, j + 1);
	read_uids(1, "--seed 9", one);
	cr_assert_eq(memcmp(one[0], four[0], 12), 0,
	             "device 1's UID depends on --devices");
	read_uids(2, "--seed 9 --uid 000000000000000000000001", mixed);
	cr_assert_eq(mixed[0][0], 1);
	cr_assert(e2e_all_equal(mixed[0] + 1, 11, 0));
	cr_assert_eq(memcmp(mixed[1], four[1], 12), 0,
	             "device 2's UID changed with device 1's --uid");
}

/* Mistakes are usage errors (exit 2) that say what is wrong. */
Test(sim_multi, usage_errors)
{
	char cmd[1024];
	const char *sim = th_build_path("contrib/sim/stmprog-sim");

	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --devices 2 -- echo {port3}",
	         sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "{port3}") && strstr(out, "only 2 devices"),
	          "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --uid 0033002A3432510E3036383 "
	         "-- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "--uid '0033002A3432510E3036383'"), "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --uid 0033002A3432510E3036383G "
	         "-- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --uid 000000000000000000000001 "
	         "--uid 000000000000000000000002 -- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_assert(strstr(out, "2 --uid values for 1 device"), "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --devices 17 -- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --chip %s --devices 0 -- true", sim, PID);
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 2, "%s", out);
}

/* The stmprog program as users run it: help, version, exit codes, the
 * backend listing, an operation end to end through a test module, and
 * that the program itself links none of the transports' libraries. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/backend.h"

#include "test_helpers.h"

static char out[65536];

static int stmprog(const char *env, const char *args)
{
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "%s '%s' %s", env ? env : "",
	         th_build_path("frontends/stmprog"), args);
	return th_run(cmd, out, sizeof(out));
}

static const char *test_modules(const char *which)
{
	static char env[4096];
	snprintf(env, sizeof(env), "STMPROG_BACKEND_PATH='%s'",
	         th_build_path(which));
	return env;
}

Test(frontend, version_and_help)
{
	cr_assert_eq(stmprog(NULL, "--version"), 0);
	cr_assert(strstr(out, "stmprog " PACKAGE_VERSION), "%s", out);
	cr_assert_eq(stmprog(NULL, "-h"), 0);
	cr_assert(strstr(out, "-c, --connect port=usbN"), "%s", out);
	cr_assert(strstr(out, "Exit codes"), "%s", out);
}

Test(frontend, usage_errors_exit_2_with_a_hint)
{
	cr_assert_eq(stmprog(NULL, "--frobnicate"), 2);
	cr_assert(strstr(out, "stmprog: error: unknown option --frobnicate"), "%s", out);
	cr_assert(strstr(out, "stmprog: hint:"), "%s", out);
	cr_assert_eq(stmprog(NULL, ""), 2);
	cr_assert(strstr(out, "nothing to do"), "%s", out);
	cr_assert_eq(stmprog(test_modules("tests/modules/good"),
	                     "-c port=/dev/ttyUSB0 baud=9600 -u 0x08000000 4 /dev/null"), 2);
	cr_assert(strstr(out, "unknown key 'baud'"), "%s", out);
	cr_assert_eq(stmprog(test_modules("tests/modules/good"), "-u 0x08000000 4 /dev/null"), 2);
	cr_assert(strstr(out, "needs a connection"), "%s", out);
}

Test(frontend, backends_listing_in_the_build_tree)
{
	/* Without the variable, an uninstalled stmprog looks in the build
	 * tree's backends/, never at test modules. */
	cr_assert_eq(stmprog("unset STMPROG_BACKEND_PATH;", "--backends"), 0);
	cr_assert(strstr(out, "backend directory: "), "%s", out);
	cr_assert(strstr(out, "/backends"), "%s", out);
	cr_assert_null(strstr(out, "memdev"), "%s", out);
	cr_assert_null(strstr(out, "tests/modules"), "%s", out);
}

Test(frontend, backends_listing_shows_loaded_and_refused)
{
	char path[4096];
	snprintf(path, sizeof(path), "STMPROG_BACKEND_PATH='%s:%s'",
	         th_build_path("tests/modules/good"), th_build_path("tests/modules/bad"));
	cr_assert_eq(stmprog(path, "--backends"), 0);
	char want[64];
	snprintf(want, sizeof(want), "memdev   ABI %d.%d  uart",
	         STP_BACKEND_ABI_MAJOR, STP_BACKEND_ABI_MINOR);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, "ports: /stp-test/*"), "%s", out);
	cr_assert(strstr(out, "refused  "), "%s", out);
	cr_assert(strstr(out, "bad_abi"), "%s", out);
	cr_assert(strstr(out, "ABI 2.0"), "%s", out);
}

Test(frontend, unclaimed_port_exits_3)
{
	cr_assert_eq(stmprog(test_modules("tests/modules/good"),
	                     "-c port=usb1 -u 0x08000000 4 /dev/null"), 3);
	cr_assert(strstr(out, "no loaded backend handles usb port usb1"), "%s", out);
}

Test(frontend, upload_through_a_test_module)
{
	char *dir = th_tempdir();
	char env[8192], args[4096], flash[4200], dump[4200];
	unsigned char buf[64];
	FILE *f;

	cr_assert_not_null(dir);
	snprintf(flash, sizeof(flash), "%s/flash.bin", dir);
	snprintf(dump, sizeof(dump), "%s/dump.bin", dir);
	/* a flash file whose first bytes are known */
	f = fopen(flash, "wb");
	for (int i = 0; i < 64; i++)
		fputc(i ^ 0x5A, f);
	fclose(f);
	snprintf(env, sizeof(env), "%s STP_MEMDEV_PID=413 STP_MEMDEV_FLASH='%s'",
	         test_modules("tests/modules/good"), flash);
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -u 0x08000000 64 '%s'", dump);
	cr_assert_eq(stmprog(env, args), 0, "%s", out);
	cr_assert(strstr(out, "Connected through memdev: PID 0x413"), "%s", out);
	f = fopen(dump, "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(buf, 1, sizeof(buf), f), 64);
	fclose(f);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(buf[i], i ^ 0x5A, "byte %d", i);
	/* a read the device refuses: exit 1 with the device's sentence */
	snprintf(args, sizeof(args), "-c port=/stp-test/memdev -u 0x20000000 4 '%s'", dump);
	cr_assert_eq(stmprog(env, args), 1, "%s", out);
	cr_assert(strstr(out, "read at 0x20000000 refused"), "%s", out);
	th_rmtree(dir);
	free(dir);
}

Test(frontend, program_links_no_transport_library)
{
	/* The real binary lives in .libs/ behind libtool's wrapper script. */
	char cmd[4096];
	int rc;
	snprintf(cmd, sizeof(cmd), "ldd '%s'", th_build_path("frontends/.libs/stmprog"));
	rc = th_run(cmd, out, sizeof(out));
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "libstmprog"), "ldd output: %s", out);
	cr_assert_null(strstr(out, "libusb"), "%s", out);
	cr_assert_null(strstr(out, "libserialport"), "%s", out);
	cr_assert_null(strstr(out, "libftdi"), "%s", out);
}

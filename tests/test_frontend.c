/* The stmprog program as users run it: help, version, exit codes, the
 * backend listing, an operation end to end through a test module, and
 * that the program itself links none of the transports' libraries. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	cr_assert(strstr(out, "ABI 2.2"), "%s", out);
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

/* ---- issue 11: input that must not hurt, smaller truths ------------ */

/* stmprog under stmprog-sim (chip, "--transport ..." or ""), flash and
 * trace in dir; args follow "-c port={port}" unless connect is given. */
static int under_sim(const char *dir, const char *chip, const char *simopts,
                     const char *connect, const char *args)
{
	char cmd[16384];

	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && unset STMPROG_BACKEND_PATH; '%s' --chip %s "
	         "--flash flash.bin --trace trace.txt %s -- '%s' -c %s %s",
	         dir, th_build_path("contrib/sim/stmprog-sim"), chip, simopts,
	         th_build_path("frontends/stmprog"),
	         connect ? connect : "port={port}", args);
	return th_run(cmd, out, sizeof(out));
}

/* Lines of dir/trace.txt starting with prefix (no trace: none). */
static unsigned trace_lines(const char *dir, const char *prefix)
{
	char path[4200], line[1024];
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace.txt", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	return n;
}

/* §7: 1100-digit erase lists overran a stack buffer; now exit 2. */
Test(frontend, huge_erase_list_is_a_usage_error)
{
	char args[8192], digits[1101];

	memset(digits, '9', sizeof(digits) - 1);
	digits[sizeof(digits) - 1] = '\0';
	snprintf(args, sizeof(args), "-c port=usb1 -e %s %s", digits, digits);
	cr_assert_eq(stmprog(test_modules("tests/modules/good"), args), 2, "%s", out);
	cr_assert(strstr(out, "stmprog: error: -e: '999999999999...' (1100 "
	                      "characters) is not a sector number"), "%s", out);
	snprintf(args, sizeof(args), "-c port=usb1 --write-protect %s %s",
	         digits, digits);
	cr_assert_eq(stmprog(test_modules("tests/modules/good"), args), 2, "%s", out);
	cr_assert(strstr(out, "--write-protect: '999999999999...'"), "%s", out);
}

/* §7: /dev/zero and a 2 GiB (sparse) file fail as bad input, naming the
 * file and the limit, before the simulated chip sees a single command
 * that changes it. */
Test(frontend, endless_and_huge_images_touch_nothing)
{
	char *dir = th_tempdir();
	char args[8192], big[4200];
	FILE *f;

	cr_assert_not_null(dir);
	cr_assert_eq(under_sim(dir, "STM32F405", "", NULL,
	                       "-e all -d /dev/zero 0x08000000 -v"), 4, "%s", out);
	cr_assert(strstr(out, "stmprog: error: /dev/zero is not a regular file"),
	          "%s", out);
	cr_assert(strstr(out, "a raw binary can be at most 4 MiB"), "%s", out);
	cr_assert_eq(trace_lines(dir, "ERASE"), 0);
	cr_assert_eq(trace_lines(dir, "WRITE"), 0);

	snprintf(big, sizeof(big), "%s/big.bin", dir);
	f = fopen(big, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), (off_t)2 << 30), 0);
	fclose(f);
	snprintf(args, sizeof(args), "-e all -d '%s' -v -g", big);
	cr_assert_eq(under_sim(dir, "STM32F405", "", NULL, args), 4, "%s", out);
	cr_assert(strstr(out, "big.bin is 2147483648 bytes; a raw binary can be "
	                      "at most 4 MiB"), "%s", out);
	cr_assert(strstr(out, "stmprog: hint:"), "%s", out);
	cr_assert_eq(trace_lines(dir, "ERASE"), 0);
	cr_assert_eq(trace_lines(dir, "WRITE"), 0);
	cr_assert_eq(trace_lines(dir, "GO"), 0);
	th_rmtree(dir);
	free(dir);
}

/* §7: -log FILE did not care whether FILE was a symbolic link, so a link
 * planted there made stmprog overwrite what it pointed to. */
Test(frontend, log_file_symlink_is_refused)
{
	char *dir = th_tempdir();
	char victim[4200], link[4200], dangling[4200], real[4200], args[16384];
	char buf[64] = "";
	FILE *f;

	cr_assert_not_null(dir);
	snprintf(victim, sizeof(victim), "%s/precious", dir);
	snprintf(link, sizeof(link), "%s/run.log", dir);
	snprintf(dangling, sizeof(dangling), "%s/other.log", dir);
	snprintf(real, sizeof(real), "%s/real.log", dir);
	f = fopen(victim, "w");
	fputs("keep me\n", f);
	fclose(f);
	cr_assert_eq(symlink(victim, link), 0);
	snprintf(args, sizeof(args), "-log '%s' --chips", link);
	cr_assert_eq(stmprog(NULL, args), 2, "%s", out);
	cr_assert(strstr(out, "stmprog: error: -log "), "%s", out);
	cr_assert(strstr(out, "run.log: the file is a symbolic link"), "%s", out);
	cr_assert(strstr(out, "stmprog: hint: name the file itself"), "%s", out);
	f = fopen(victim, "r");
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_assert_str_eq(buf, "keep me\n");
	/* A link to nothing would create its target: refused the same way. */
	snprintf(buf, sizeof(buf), "%s", "created-by-link");
	{
		char target[4200];

		snprintf(target, sizeof(target), "%s/%s", dir, buf);
		cr_assert_eq(symlink(target, dangling), 0);
		snprintf(args, sizeof(args), "-log '%s' --chips", dangling);
		cr_assert_eq(stmprog(NULL, args), 2, "%s", out);
		cr_assert(strstr(out, "symbolic link"), "%s", out);
		cr_assert_null(fopen(target, "r"), "the link's target was created");
	}
	/* A plain file is written as before. */
	snprintf(args, sizeof(args), "-log '%s' --chips", real);
	cr_assert_eq(stmprog(NULL, args), 0, "%s", out);
	f = fopen(real, "r");
	cr_assert_not_null(f);
	fclose(f);
	th_rmtree(dir);
	free(dir);
}

/* §8: the vendor CLI's users write port=USB1 and PORT=usb1; both program
 * the simulated DfuSe device end to end. */
Test(frontend, uppercase_usb_port_programs)
{
#ifdef HAVE_UMOCKDEV
	char *dir = th_tempdir();
	char args[8192], app[4200];
	unsigned char img[1024];
	FILE *f;

	cr_assert_not_null(dir);
	snprintf(app, sizeof(app), "%s/app.bin", dir);
	/* SP in RAM, reset vector in flash (Thumb), then a pattern. */
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (unsigned char)(i * 7 + 3);
	memcpy(img, "\x00\x00\x02\x20\x01\x01\x00\x08", 8);
	f = fopen(app, "wb");
	cr_assert_eq(fwrite(img, 1, sizeof(img), f), sizeof(img));
	fclose(f);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -v", app);
	cr_assert_eq(under_sim(dir, "STM32F405", "--transport usb",
	                       "PORT=USB1", args), 0, "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	cr_assert_neq(trace_lines(dir, "WRITE"), 0);
	{
		unsigned char back[sizeof(img)];
		char flash[4200];

		snprintf(flash, sizeof(flash), "%s/flash.bin", dir);
		f = fopen(flash, "rb");
		cr_assert_not_null(f);
		cr_assert_eq(fread(back, 1, sizeof(back), f), sizeof(back));
		fclose(f);
		cr_assert_eq(memcmp(back, img, sizeof(img)), 0);
	}
	cr_assert_eq(under_sim(dir, "STM32F405", "--transport usb",
	                       "Port=Usb1 sn=NOSUCH", "-u 0x08000000 4 /dev/null"),
	             3, "%s", out);
	cr_assert(strstr(out, "no USB DFU device matches sn=NOSUCH"), "%s", out);
	th_rmtree(dir);
	free(dir);
#else
	cr_skip_test("stmprog-sim has no USB transport without umockdev");
#endif
}

/* §8: the udev rules once made every FTDI tty 0664 and set the latency of
 * every ftdi_sio port.  Every rule must now be narrowed to a vendor and a
 * product ID, and give access through uaccess, never by mode or group. */
Test(frontend, udev_rules_are_narrow)
{
	char path[4096], line[2048];
	unsigned rules = 0, dfu = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/contrib/udev/50-stmprog.rules",
	         th_srcdir());
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	for (unsigned no = 1; fgets(line, sizeof(line), f); no++) {
		const char *p = line + strspn(line, " \t");

		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		cr_assert_null(strchr(line, '\\'), "line %u: one rule per line", no);
		rules++;
		cr_assert(strstr(line, "idVendor}==\""), "line %u matches no vendor: %s",
		          no, line);
		cr_assert(strstr(line, "idProduct}==\""),
		          "line %u matches no product: %s", no, line);
		cr_assert_null(strstr(line, "MODE"), "line %u sets a mode: %s", no, line);
		cr_assert_null(strstr(line, "GROUP"), "line %u sets a group: %s", no, line);
		cr_assert_null(strstr(line, "OWNER"), "line %u sets an owner: %s", no, line);
		if (!strstr(line, "latency_timer"))
			cr_assert(strstr(line, "TAG+=\"uaccess\""),
			          "line %u grants access without uaccess: %s", no, line);
		dfu += strstr(line, "\"0483\"") && strstr(line, "\"df11\"");
	}
	fclose(f);
	cr_assert_geq(rules, 3);
	cr_assert_eq(dfu, 1, "one rule for ST's DFU bootloader 0483:df11");
}

/* The memories other than the flash, end to end: the L0/L1 data EEPROM,
 * OTP and the RAM the bootloader leaves to users, written by stmprog
 * through stmprog-sim on every transport that reaches them (L0/L1 have
 * no CAN bootloader, so their EEPROM is tested over UART and USB; OTP
 * and RAM on an F405 over UART, CAN and USB).  What the chip holds is
 * checked in the simulator's files (FILE.eeprom, FILE.otp, FILE.state),
 * what it was asked to do in its trace. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(memories_e2e, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 240);

static const char *const uart = "", *const can = "--transport slcan",
                         *const usb = "--transport usb";

/* Under valgrind and distcheck (STMPROG_TEST_QUICK) UART stands for the
 * other transports: the memory code above the backends is the same. */
static void uart_stands_for_all_when_quick(const char *simopts)
{
	if (getenv("STMPROG_TEST_QUICK") && simopts != uart)
		cr_skip_test("STMPROG_TEST_QUICK is set");
}

/* stmprog under the simulator, with a fresh trace. */
static int run(const char *chip, const char *simopts, const char *args)
{
	remove(e2e_trace());
	return e2e_stmprog(out, sizeof(out), chip, simopts, args);
}

/* n bytes that are never 0x00 or 0xFF (never an erased value). */
static unsigned char *data(const char *name, size_t n, unsigned seed)
{
	unsigned char *b = malloc(n);

	cr_assert(b);
	srand(seed);
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(1 + rand() % 254);
	e2e_spit(th_dir_path(name), b, n);
	return b;
}

static unsigned char *sim_file(const char *suffix, size_t *len)
{
	char name[64];

	snprintf(name, sizeof(name), "flash.bin%s", suffix);
	return e2e_slurp(th_dir_path(name), len);
}

/* ---- data EEPROM ------------------------------------------------------ */

/* Flash and EEPROM in one run; then the EEPROM again with one word
 * changed (only that word written), then a part word (the rest of the
 * word kept from the device). */
static void eeprom_cycle(const char *pid, const char *simopts)
{
	uart_stands_for_all_when_quick(simopts); /* before allocating */

	const stp_chip *c = e2e_chip(pid);
	unsigned char *app = e2e_app(c, 3000, 5), *ee = data("ee.bin", 64, 9);
	unsigned char *file;
	size_t len;
	char args[4096];

	cr_assert_eq(c->eeprom_start, 0x08080000u);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -d '%s' 0x08080010 -v",
	         e2e_app_path(), th_dir_path("ee.bin"));
	cr_assert_eq(run(pid, simopts, args), 0, "%s", out);
	cr_assert(strstr(out, "data EEPROM at 0x08080010..0x0808004F: 16 word(s) "
	                      "compared, 16 written, 64 bytes verified"), "%s", out);
	cr_assert(strstr(out, "Verified"), "%s", out);
	e2e_assert_flash(c, app, 0, 3000, 0);
	file = sim_file(".eeprom", &len);
	cr_assert_eq(len, c->eeprom_size);
	cr_assert_eq(memcmp(file + 16, ee, 64), 0, "the EEPROM differs from ee.bin");
	cr_assert(e2e_all_equal(file, 16, 0x00), "bytes before the data changed");
	cr_assert(e2e_all_equal(file + 80, len - 80, 0x00),
	          "bytes after the data changed");
	cr_assert(e2e_file_has(e2e_trace(), "WRITE 0x08080010"), "no EEPROM write");
	free(file);

	/* One word differs: compared first, only it is written. */
	ee[21] ^= 0x5A;
	e2e_spit(th_dir_path("ee.bin"), ee, 64);
	snprintf(args, sizeof(args), "-d '%s' 0x08080010 -u 0x08080010 64 '%s'",
	         th_dir_path("ee.bin"), th_dir_path("back.bin"));
	cr_assert_eq(run(pid, simopts, args), 0, "%s", out);
	cr_assert(strstr(out, "16 word(s) compared, 1 written"), "%s", out);
	file = e2e_slurp(th_dir_path("back.bin"), &len);
	cr_assert_eq(len, 64);
	cr_assert_eq(memcmp(file, ee, 64), 0, "-u read other bytes from the EEPROM");
	free(file);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "WRITE 0x0808"), 1,
	             "more than the changed word was written");
	cr_assert(e2e_file_has(e2e_trace(), "WRITE 0x08080024 4"),
	          "the changed word (0x08080024) was not the one written");
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE"), 0,
	             "the EEPROM needs no erase");
	file = sim_file(".eeprom", &len);
	cr_assert_eq(memcmp(file + 16, ee, 64), 0, "the EEPROM differs from ee.bin");
	free(file);

	/* Two bytes in the middle of a word: the others stay.  With --chip
	 * the job's check before connecting leaves the EEPROM to the run. */
	e2e_spit(th_dir_path("two.bin"), (const unsigned char *)"XY", 2);
	snprintf(args, sizeof(args), "--chip %s -d '%s' 0x08080021", pid,
	         th_dir_path("two.bin"));
	cr_assert_eq(run(pid, simopts, args), 0, "%s", out);
	file = sim_file(".eeprom", &len);
	cr_assert_eq(file[0x20], ee[0x10]);
	cr_assert_eq(file[0x21], 'X');
	cr_assert_eq(file[0x22], 'Y');
	cr_assert_eq(file[0x23], ee[0x13]);
	free(file);
	free(app);
	free(ee);
}

Test(memories_e2e, eeprom_l0_uart)
{
	eeprom_cycle("0x447", uart);
}

Test(memories_e2e, eeprom_l1_uart)
{
	eeprom_cycle("0x437", uart);
}

/* The L1 DfuSe layout with a data EEPROM alternate setting: assumed, as
 * ST's DfuSe tools wrote it on these parts; the simulator's own strings
 * for 0x437 have only the flash and the option bytes. */
#define L1_ALTS "@Internal Flash  /0x08000000/2048*256 g\n" \
                "@Option Bytes  /0x1FF80000/01*160 e\n"

Test(memories_e2e, eeprom_l1_usb)
{
	setenv("STMPROG_SIM_DFU_ALTS", L1_ALTS "@Data EEPROM /0x08080000/01*016Ke\n", 1);
	eeprom_cycle("0x437", usb);
	unsetenv("STMPROG_SIM_DFU_ALTS");
}

/* A DFU device whose layout names no EEPROM cannot take it: refused
 * before the flash is touched. */
Test(memories_e2e, eeprom_usb_without_alt_refused_first)
{
	uart_stands_for_all_when_quick(usb);

	const stp_chip *c = e2e_chip("0x437");
	unsigned char *app = e2e_app(c, 3000, 5), *file;
	size_t len;
	char args[4096];

	free(data("ee.bin", 64, 9));
	setenv("STMPROG_SIM_DFU_ALTS", L1_ALTS, 1);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 -d '%s' 0x08080000",
	         e2e_app_path(), th_dir_path("ee.bin"));
	cr_assert_eq(run("0x437", usb, args), 1, "%s", out);
	unsetenv("STMPROG_SIM_DFU_ALTS");
	cr_assert(strstr(out, "data EEPROM at 0x08080000..0x0808003F"), "%s", out);
	cr_assert(strstr(out, "alternate settings"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "erased before refusing");
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote before refusing");
	file = sim_file(".eeprom", &len);
	cr_assert(e2e_all_equal(file, len, 0x00));
	free(file);
	free(app);
}

/* ---- OTP -------------------------------------------------------------- */

/* Unconfirmed: refused, nothing written.  Confirmed: written and read
 * back.  The same again: nothing written.  Other bytes in a programmed
 * word: refused naming the word. */
static void otp_cycle(const char *simopts)
{
	uart_stands_for_all_when_quick(simopts); /* before allocating */

	const stp_chip *c = e2e_chip("0x413");
	unsigned char *otp = data("otp.bin", 32, 3), *file;
	size_t len;
	char args[4096];

	snprintf(args, sizeof(args), "-d '%s' 0x1FFF7800", th_dir_path("otp.bin"));
	cr_assert_eq(run("0x413", simopts, args), 2, "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible otp"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote without confirmation");
	file = sim_file(".otp", &len);
	cr_assert_eq(len, c->otp_size);
	cr_assert(e2e_all_equal(file, len, 0xFF), "the OTP changed");
	free(file);

	snprintf(args, sizeof(args),
	         "--confirm-irreversible otp -d '%s' 0x1FFF7800 -v",
	         th_dir_path("otp.bin"));
	cr_assert_eq(run("0x413", simopts, args), 0, "%s", out);
	cr_assert(strstr(out, "OTP at 0x1FFF7800..0x1FFF781F: 8 word(s) "
	                      "compared, 8 written, 32 bytes verified"), "%s", out);
	file = sim_file(".otp", &len);
	cr_assert_eq(memcmp(file, otp, 32), 0, "the OTP differs from otp.bin");
	cr_assert(e2e_all_equal(file + 32, len - 32, 0xFF));
	free(file);

	/* Equal bytes are fine: nothing written. */
	cr_assert_eq(run("0x413", simopts, args), 0, "%s", out);
	cr_assert(strstr(out, "8 word(s) compared, 0 written"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE 0x1FFF"), "rewrote the OTP");

	/* One programmed word with other bytes: refused, nothing written. */
	otp[9] ^= 0x01;
	e2e_spit(th_dir_path("otp.bin"), otp, 32);
	cr_assert_eq(run("0x413", simopts, args), 4, "%s", out);
	cr_assert(strstr(out, "OTP word at 0x1FFF7808 already holds"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote a refused OTP run");
	otp[9] ^= 0x01;
	file = sim_file(".otp", &len);
	cr_assert_eq(memcmp(file, otp, 32), 0, "the OTP changed");
	free(file);
	free(otp);
}

Test(memories_e2e, otp_uart)
{
	otp_cycle(uart);
}

Test(memories_e2e, otp_can)
{
	otp_cycle(can);
}

Test(memories_e2e, otp_usb)
{
	otp_cycle(usb);
}

/* A .dfu file's OTP target goes the same way as OTP data from a binary:
 * over USB through the device's OTP alternate setting, over UART by its
 * address. */
static void otp_dfu(const char *simopts)
{
	uart_stands_for_all_when_quick(simopts); /* before allocating */

	unsigned char *otp = data("otp.bin", 16, 4), *file;
	size_t len;
	char cmd[4096];

	th_need("dfuse-pack", "dfu-util");
	free(e2e_app(e2e_chip("0x413"), 2048, 6)); /* app.bin is what is used */
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && dfuse-pack -b 0x08000000:app.bin "
	         "-b 0x1FFF7840@2:otp.bin fw.dfu", th_dir_path(""));
	cr_assert_eq(th_run(cmd, out, sizeof(out)), 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "-d '%s'", th_dir_path("fw.dfu"));
	cr_assert_eq(run("0x413", simopts, cmd), 2, "%s", out);
	cr_assert(strstr(out, "fw.dfu"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "erased before refusing");
	snprintf(cmd, sizeof(cmd), "--confirm-irreversible otp -d '%s' -v",
	         th_dir_path("fw.dfu"));
	cr_assert_eq(run("0x413", simopts, cmd), 0, "%s", out);
	file = sim_file(".otp", &len);
	cr_assert_eq(memcmp(file + 0x40, otp, 16), 0, "the OTP differs");
	free(file);
	free(otp);
}

Test(memories_e2e, otp_dfu_file_usb)
{
	otp_dfu(usb);
}

Test(memories_e2e, otp_dfu_file_uart)
{
	otp_dfu(uart);
}

/* ---- RAM -------------------------------------------------------------- */

/* A program for RAM: its vector table (SP in RAM, a Thumb reset vector
 * in RAM) at 0x20004000, then bytes. */
static void ram_image(void)
{
	unsigned char img[520];

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (unsigned char)(i * 7 + 1);
	img[0] = 0x00; img[1] = 0x80; img[2] = 0x00; img[3] = 0x20;
	img[4] = 0x01; img[5] = 0x41; img[6] = 0x00; img[7] = 0x20;
	e2e_spit(th_dir_path("ram.bin"), img, sizeof(img));
}

static void ram_cycle(const char *simopts)
{
	uart_stands_for_all_when_quick(simopts); /* before allocating */

	char args[4096];

	ram_image();
	snprintf(args, sizeof(args), "-d '%s' 0x20004000 -v -g 0x20004000",
	         th_dir_path("ram.bin"));
	cr_assert_eq(run("0x413", simopts, args), 0, "%s", out);
	cr_assert(strstr(out, "520 bytes written to RAM at 0x20004000 and "
	                      "verified"), "%s", out);
	cr_assert(strstr(out, "Started the application at 0x20004000"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "WRITE 0x20004000"), "no RAM write");
	cr_assert(e2e_file_has(e2e_trace(), "GO 0x20004000"), "no GO");
	cr_assert(!e2e_file_has(e2e_trace(), "ERASE"), "RAM needs no erase");
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "go=0x20004000"));
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "app=running"));

	/* The same with --chip: checked before connecting without being
	 * taken for flash data. */
	snprintf(args, sizeof(args), "--chip 0x413 -d '%s' 0x20004000 -v",
	         th_dir_path("ram.bin"));
	cr_assert_eq(run("0x413", simopts, args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "WRITE 0x20004000"), "no RAM write");

	/* The bootloader's own RAM: refused naming the free range. */
	snprintf(args, sizeof(args), "-d '%s' 0x20001000", th_dir_path("ram.bin"));
	cr_assert_eq(run("0x413", simopts, args), 4, "%s", out);
	cr_assert(strstr(out, "0x20003000..0x2001FFFF"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote the ROM's RAM");
}

Test(memories_e2e, ram_uart)
{
	ram_cycle(uart);
}

Test(memories_e2e, ram_can)
{
	ram_cycle(can);
}

/* The F405's DfuSe ROM has no alternate setting for RAM. */
Test(memories_e2e, ram_usb_refused)
{
	uart_stands_for_all_when_quick(usb);

	char args[4096];

	ram_image();
	snprintf(args, sizeof(args), "-d '%s' 0x20004000 -g 0x20004000",
	         th_dir_path("ram.bin"));
	cr_assert_eq(run("0x413", usb, args), 1, "%s", out);
	cr_assert(strstr(out, "RAM at 0x20004000..0x20004207"), "%s", out);
	cr_assert(strstr(out, "alternate settings"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote before refusing");
	cr_assert(!e2e_file_has(e2e_trace(), "GO"), "started");
}

/* The L011's bootloader keeps all of its 2 KB of SRAM: neither a load
 * nor a start there. */
Test(memories_e2e, ram_none_left_to_users)
{
	char args[4096];

	ram_image();
	snprintf(args, sizeof(args), "-d '%s' 0x20000000", th_dir_path("ram.bin"));
	cr_assert_eq(run("0x457", uart, args), 4, "%s", out);
	cr_assert(strstr(out, "keeps all of its RAM"), "%s", out);
	cr_assert_eq(run("0x457", uart, "-g 0x20000400"), 2, "%s", out);
	cr_assert(strstr(out, "keeps all of its RAM"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "WRITE"), "wrote");
	cr_assert(!e2e_file_has(e2e_trace(), "GO"), "started");
}

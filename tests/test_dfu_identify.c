/* Which chip is behind a USB DFU device, end to end: stmprog through
 * libusb against stmprog-sim's DfuSe ROM (umockdev).  A DfuSe ROM does not
 * say its PID; its layout strings, DBGMCU_IDCODE and the flash-size
 * register do, when it lets them be read.  A wrong answer is dangerous
 * (option-byte bits of another family), so: G0/C0/U0 are never taken for
 * L4 parts, a readout-protected chip is named as protected, --chip either
 * settles an open question or contradicts the device, and every device
 * string reaches the terminal escaped. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(dfu_identify, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

static int stmprog(const char *chip, const char *args)
{
	return e2e_stmprog(out, sizeof(out), chip, "--transport usb", args);
}

/* A fresh simulated part: the flash files of another chip do not fit. */
static void forget_chip(void)
{
	remove(th_dir_path("flash.bin"));
	remove(th_dir_path("flash.bin.ob"));
	remove(th_dir_path("flash.bin.state"));
}

/* Issue 11 §3: the layout strings of these parts also fit L4 parts
 * (0x467 -> 0x462, 0x460 -> 0x464, 0x493 -> 0x464, 0x489 -> 0x435).  Their
 * option-bytes alt is 128 bytes (an L4's is 40) and their DBGMCU_IDCODE
 * sits at 0x40015800, not at the L4's 0xE0042000. */
Test(dfu_identify, g0_c0_u0_are_not_taken_for_l4)
{
	static const char *const pids[] = {"0x467", "0x460", "0x493", "0x489"};

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		const stp_chip *c = e2e_chip(pids[i]);
		char want[256];

		forget_chip();
		cr_assert_eq(stmprog(pids[i], "-ob displ"), 0, "%s", out);
		snprintf(want, sizeof(want), "PID 0x%03X, %s, UID", c->pid, c->name);
		cr_expect(strstr(out, want), "%s: no \"%s\" in:\n%s", pids[i],
		          want, out);
		cr_expect(!strstr(out, "could be"), "%s", out);
	}
}

/* -ob nBOOT0=0 on a G0: the whole 128-byte block is read, one bit
 * changes (FLASH_OPTR bit 26, its complement in the next word), and the
 * whole block is written; nothing else (NRST_MODE, write protection)
 * moves. */
Test(dfu_identify, g0_option_byte_write_changes_only_the_named_bit)
{
	unsigned char *before, *after;
	size_t n, m;

	cr_assert_eq(stmprog("0x467", "-ob displ"), 0, "%s", out);
	before = e2e_slurp(th_dir_path("flash.bin.ob"), &n);
	cr_assert_eq(n, 128);
	cr_assert_eq(stmprog("0x467", "-ob nBOOT0=0"), 0, "%s", out);
	cr_assert(strstr(out, "written and read back"), "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "OB WRITE 0x1FFF7800 128\n"),
	          "the option bytes were not written whole");
	after = e2e_slurp(th_dir_path("flash.bin.ob"), &m);
	cr_assert_eq(m, 128);
	for (size_t i = 0; i < n; i++) {
		unsigned char want = before[i];
		if (i == 3)
			want = (unsigned char)(before[3] & ~0x04);
		if (i == 7)
			want = (unsigned char)(before[7] | 0x04);
		cr_expect_eq(after[i], want, "byte %zu: 0x%02X, expected 0x%02X",
		             i, after[i], want);
	}
	free(before);
	free(after);
}

/* Issue 11 §3: after -ob RDP=0xBB the F405's ROM refuses every read, so
 * DBGMCU_IDCODE cannot tell F2, F405 and F412 apart any more.  The chip
 * is named as protected with the way out, not as an F205; option bytes
 * wait for --chip because the F412's differ; -rdu needs no name. */
Test(dfu_identify, protected_f405_is_named_as_protected)
{
	cr_assert_eq(stmprog("0x413", "-ob RDP=0xBB"), 0, "%s", out);
	cr_assert_neq(stmprog("0x413", "-ob displ"), 0, "%s", out);
	cr_expect(!strstr(out, "PID 0x411, STM32F205"), "%s", out);
	cr_expect(strstr(out, "readout-protected chip, F2/F4 family (PID 0x411, "
	                      "0x413 or 0x441); -rdu removes the protection"),
	          "%s", out);
	cr_expect(strstr(out, "refusing to touch the option bytes"), "%s", out);
	cr_expect(strstr(out, "add --chip 0x411 or --chip 0x413 or --chip 0x441"),
	          "%s", out);

	/* Named, it is the protected F405; once its protection is gone the
	 * ROM names it without help. */
	cr_assert_eq(stmprog("0x413", "--chip 0x413 -rdu"), 0, "%s", out);
	cr_expect(strstr(out, "PID 0x413, readout-protected STM32F405"), "%s",
	          out);
	cr_assert_eq(stmprog("0x413", "-ob displ"), 0, "%s", out);
	cr_expect(strstr(out, "PID 0x413, STM32F405xx/407xx/415xx/417xx, UID"),
	          "%s", out);
}

/* A protected G0 is still told from the L4 by its option-bytes string. */
Test(dfu_identify, protected_g0_keeps_its_name)
{
	cr_assert_eq(stmprog("0x467", "-ob RDP=0xBB"), 0, "%s", out);
	cr_assert_eq(stmprog("0x467", "-rdu"), 0, "%s", out);
	cr_expect(strstr(out, "PID 0x467, readout-protected STM32G0B0xx"), "%s",
	          out);
	cr_expect(e2e_file_has(e2e_trace(), "RDU"), "no read unprotect");
}

/* Issue 11 §3: --chip naming another part than the device is an error
 * naming both, before anything is done. */
Test(dfu_identify, chip_contradicting_the_device_is_an_error)
{
	cr_assert_eq(stmprog("0x413", "--chip 0x467 -ob displ"), 2, "%s", out);
	cr_expect(strstr(out, "--chip names STM32G0B0xx/0B1xx/0C1xx (PID 0x467), "
	                      "but the device on usb1 is "
	                      "STM32F405xx/407xx/415xx/417xx (PID 0x413)"),
	          "%s", out);
	cr_expect(!e2e_file_has(e2e_trace(), "OB WRITE"), "wrote anyway");
	/* The same part, named: no complaint. */
	cr_assert_eq(stmprog("0x413", "--chip STM32F405 -ob displ"), 0, "%s", out);
}

/* A ROM whose answers fit parts with different option bytes: flash and
 * option-bytes strings of a G0B1/L45x shape, but an option-bytes size no
 * database part has (64), and a DBGMCU_IDCODE that names none of them
 * (the simulated chip behind it is an F405, which the strings hide).
 * Option bytes are refused until --chip settles it; then they are read
 * as the named part's. */
Test(dfu_identify, ambiguous_device_refuses_option_bytes_until_chip)
{
	setenv("STMPROG_SIM_DFU_ALTS",
	       "@Internal Flash  /0x08000000/256*0002Kg\n"
	       "@Option Bytes  /0x1FFF7800/01*0064 e", 1);
	cr_assert_eq(stmprog("0x413", "-ob displ"), 2, "%s", out);
	cr_expect(strstr(out, "the device could be PID 0x462 "), "%s", out);
	cr_expect(strstr(out, "0x467 (STM32G0B0xx/0B1xx/0C1xx)"), "%s", out);
	cr_expect(strstr(out, "refusing to touch the option bytes"), "%s", out);
	cr_expect(strstr(out, "--chip 0x467"), "%s", out);
	cr_expect(!e2e_file_has(e2e_trace(), "SETADDR 0x1FFF7800"),
	          "option bytes touched before --chip");

	cr_assert_eq(stmprog("0x413", "--chip 0x467 -ob displ"), 0, "%s", out);
	cr_expect(strstr(out, "PID 0x467, STM32G0B0xx/0B1xx/0C1xx, UID"), "%s", out);
	cr_expect(strstr(out, "nBOOT0"), "%s", out);
	unsetenv("STMPROG_SIM_DFU_ALTS");
}

static bool has_control_bytes(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			return true;
	return false;
}

/* Issue 11 §7: a device's product and alternate-setting strings that
 * carry terminal control sequences reach the output as \xNN text. */
Test(dfu_identify, device_strings_are_escaped)
{
	char cmd[4096];

	setenv("STMPROG_SIM_USB_PRODUCT", "EVIL\x1b[2J\x1b[31mRED", 1);
	setenv("STMPROG_SIM_DFU_ALTS",
	       "@Internal Flash\x1b]0;pwned\x07  /0x08000000/04*016Kg,01*064Kg,"
	       "07*128Kg\n"
	       "@Option Bytes  /0x1FFFC000/01*016 e", 1);
	snprintf(cmd, sizeof(cmd), "'%s' -l usb", th_build_path("frontends/stmprog"));
	cr_assert_eq(e2e_sim(out, sizeof(out), "0x413", "--transport usb", cmd), 0,
	             "%s", out);
	cr_expect(!has_control_bytes(out), "raw control bytes in:\n%s", out);
	cr_expect(strstr(out, "EVIL\\x1B[2J\\x1B[31mRED"), "%s", out);
	cr_expect(strstr(out, "@Internal Flash\\x1B]0;pwned\\x07  /0x08000000"),
	          "%s", out);

	/* Connected: the chip is still found, and the log quotes the string
	 * escaped too. */
	cr_assert_eq(stmprog("0x413", "-vb 3 -ob displ"), 0, "%s", out);
	cr_expect(!has_control_bytes(out), "raw control bytes in:\n%s", out);
	cr_expect(strstr(out, "PID 0x413"), "%s", out);
	unsetenv("STMPROG_SIM_USB_PRODUCT");
	unsetenv("STMPROG_SIM_DFU_ALTS");
}

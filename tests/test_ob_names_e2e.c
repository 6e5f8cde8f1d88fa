/* Option bytes by name on the register-window families (L5, U5, H7),
 * option-byte presets (-ob FILE), and readout and write protection over
 * USB through the option-bytes memory, end to end: stmprog against
 * stmprog-sim over UART, USB DfuSe and CAN (each where it is built).  What
 * the chip holds is checked in the simulator's option-byte file
 * (flash.bin.ob) and state file, what it was asked in its trace. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(ob_names, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 180);

#ifdef OB_NAMES_USB
#define USB_BUILT true
#else
#define USB_BUILT false
#endif
#ifdef OB_NAMES_CAN
#define CAN_BUILT true
#else
#define CAN_BUILT false
#endif

static const char *transport(const char *name)
{
	return e2e_transport(name, USB_BUILT, CAN_BUILT);
}

static int stmprog(const char *chip, const char *tr, const char *args)
{
	return e2e_stmprog(out, sizeof(out), chip, transport(tr), args);
}

static unsigned char *ob_file(size_t *len)
{
	return e2e_slurp(th_dir_path("flash.bin.ob"), len);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void spit_text(const char *name, const char *text)
{
	e2e_spit(th_dir_path(name), (const unsigned char *)text, strlen(text));
}

/* ---- fields by name on L5, U5, H7 ---------------------------------------- */

/* L5 and U5: FLASH_OPTR at the window's start; the named bits change,
 * nothing else, and the read-back lists them with their meaning. */
static void optr_by_name(const char *pid, const char *tr)
{
	size_t n;
	unsigned char *ob;
	uint32_t optr;

	cr_assert_eq(stmprog(pid, tr, "-ob BOR_LEV=2 nRST_STOP=0 IWDG_SW=0"), 0,
	             "%s", out);
	cr_assert(strstr(out, "Option bytes written and read back"), "%s", out);
	cr_assert(strstr(out, "BOR_LEV") && strstr(out, "0x2 (BOR level 2"),
	          "%s", out);
	cr_assert(strstr(out, "hardware watchdog"), "%s", out);
	ob = ob_file(&n);
	cr_assert_eq(n, 0x40);
	optr = le32(ob);
	/* From the simulator's all-ones OPTR with RDP 0xAA: bits 10:8 = 2,
	 * bit 12 and bit 16 cleared, every other bit as it was. */
	cr_assert_eq(optr, 0xFFFEEAAAu, "OPTR 0x%08X", optr);
	cr_assert(e2e_all_equal(ob + 4, n - 4, 0xFF), "other registers changed");
	free(ob);
}

Test(ob_names, l5_optr_by_name_uart) { optr_by_name("0x472", "uart"); }
Test(ob_names, l5_optr_by_name_usb) { optr_by_name("0x472", "usb"); }
Test(ob_names, u5_optr_by_name_uart) { optr_by_name("0x482", "uart"); }
Test(ob_names, u5_optr_by_name_usb) { optr_by_name("0x482", "usb"); }

/* H7: OPTSR_CUR at the window's start, RDP in its bits 15:8; a change is
 * written into OPTSR_CUR and its program twin OPTSR_PRG alike. */
static void h7_by_name(const char *tr)
{
	size_t n;
	unsigned char *ob;

	cr_assert_eq(stmprog("0x450", tr, "-ob BOR_LEV=2 nRST_STOP=0 "
	                                  "BOOT_ADD0=0x0800"), 0, "%s", out);
	cr_assert(strstr(out, "RDP") && strstr(out, "0xAA (level 0"), "%s", out);
	ob = ob_file(&n);
	cr_assert_eq(n, 0x2C);
	cr_assert_eq(le32(ob), 0xFFFFAAB8u, "OPTSR_CUR 0x%08X", le32(ob));
	cr_assert_eq(le32(ob + 4), le32(ob), "OPTSR_PRG 0x%08X", le32(ob + 4));
	/* BOOT_CURR and BOOT_PRGR: BOOT_ADD0 in bits 15:0. */
	cr_assert_eq(le32(ob + 0x24), 0xFFFF0800u, "BOOT_CURR 0x%08X", le32(ob + 0x24));
	cr_assert_eq(le32(ob + 0x28), 0xFFFF0800u, "BOOT_PRGR 0x%08X", le32(ob + 0x28));
	free(ob);
	/* Read-only fields are shown, never changed. */
	cr_assert_neq(stmprog("0x450", tr, "-ob SECURITY=0"), 0, "%s", out);
	cr_assert(strstr(out, "SECURITY is read-only"), "%s", out);
}

Test(ob_names, h7_by_name_uart) { h7_by_name("uart"); }
Test(ob_names, h7_by_name_usb) { h7_by_name("usb"); }

/* A boot address that no longer reaches the ROM locks the bootloader
 * out: the guard refuses it unless confirmed. */
static void h7_boot_address_guarded(const char *tr)
{
	unsigned char *ob;

	cr_assert_eq(stmprog("0x450", tr, "-ob BOOT_ADD1=0x1FF0"), 0, "%s", out);
	cr_assert_neq(stmprog("0x450", tr, "-ob BOOT_ADD1=0x0800"), 0, "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible bootloader"), "%s", out);
	cr_assert(strstr(out, "0x1FF00000"), "%s", out);
	ob = ob_file(&(size_t){0});
	cr_assert_eq(le32(ob + 0x24) >> 16, 0x1FF0, "written anyway");
	free(ob);
}

Test(ob_names, h7_boot_address_guarded_uart) { h7_boot_address_guarded("uart"); }
Test(ob_names, h7_boot_address_guarded_usb) { h7_boot_address_guarded("usb"); }

/* ---- presets ----------------------------------------------------------------- */

static void preset(const char *tr)
{
	size_t n;
	unsigned char *ob;
	char args[1024];

	spit_text("line.txt", "# production line settings\n"
	                      "BOR_LEV = 1\n"
	                      "\n"
	                      "nRST_STOP=0   # keep running in Stop\n");
	snprintf(args, sizeof(args), "-ob '%s'", th_dir_path("line.txt"));
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	ob = ob_file(&n);
	/* F4 USER 0xEC: BOR_LEV (3:2) = 01, nRST_STOP (6) = 0. */
	cr_assert_eq(ob[0], 0xA4, "USER 0x%02X", ob[0]);
	cr_assert_eq(ob[1], 0xAA, "RDP 0x%02X", ob[1]);
	free(ob);

	/* A misspelt field on the last line: the whole set is checked
	 * before anything is written, the erase before it included. */
	remove(e2e_trace());
	spit_text("bad.txt", "BOR_LEV=3\nnRST_STDBY=0\nBOR_LEVEL=2\n");
	snprintf(args, sizeof(args), "-e all -ob '%s'", th_dir_path("bad.txt"));
	cr_assert_neq(stmprog("0x413", tr, args), 0, "%s", out);
	cr_assert(strstr(out, "BOR_LEVEL=2") && strstr(out, "known fields"),
	          "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE"), 0, "erased first");
	cr_assert(!e2e_file_has(e2e_trace(), "OB WRITE"), "wrote first");
	ob = ob_file(&n);
	cr_assert_eq(ob[0], 0xA4, "changed: USER 0x%02X", ob[0]);
	free(ob);

	/* Form errors name the file and line and the fix. */
	spit_text("form.txt", "BOR_LEV=3\nnRST_STDBY 0\n");
	snprintf(args, sizeof(args), "-ob '%s'", th_dir_path("form.txt"));
	cr_assert_neq(stmprog("0x413", tr, args), 0, "%s", out);
	cr_assert(strstr(out, "form.txt:2:") && strstr(out, "KEY=VALUE"),
	          "%s", out);

	/* The guard applies: level 2 from a file needs the confirmation. */
	spit_text("rdp2.txt", "BOR_LEV=3\nRDP=0xCC\n");
	snprintf(args, sizeof(args), "-ob '%s'", th_dir_path("rdp2.txt"));
	cr_assert_neq(stmprog("0x413", tr, args), 0, "%s", out);
	cr_assert(strstr(out, "--confirm-irreversible rdp2"), "%s", out);
	ob = ob_file(&n);
	cr_assert_eq(ob[1], 0xAA, "RDP 0x%02X written", ob[1]);
	free(ob);
}

Test(ob_names, preset_uart) { preset("uart"); }
Test(ob_names, preset_usb) { preset("usb"); }
Test(ob_names, preset_can) { preset("can"); }

/* ---- protection over USB through the option bytes ---------------------- */

/* --readout-protect: the DfuSe ROM has no command, so RDP=0xBB goes
 * through the option-bytes memory; the ROM's own read unprotect undoes
 * it, erasing the flash.  Over UART the ROM's command does it. */
static void readout_protection(const char *pid, const char *tr)
{
	const stp_chip *c = e2e_chip(pid);
	unsigned char *img = e2e_app(c, 4096, 3), *back;
	char args[1024];

	snprintf(args, sizeof(args), "-d '%s' 0x08000000 --readout-protect",
	         e2e_app_path());
	cr_assert_eq(stmprog(pid, tr, args), 0, "%s", out);
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=1"),
	          "readout protection not set");
	if (!strcmp(tr, "usb")) {
		cr_assert(strstr(out, "no READOUT PROTECT command"), "%s", out);
		cr_assert(e2e_file_has(e2e_trace(), "OB WRITE"), "not through the OB alt");
	} else {
		cr_assert(e2e_count_lines(e2e_trace(), "RDP") >= 1, "no command");
	}
	e2e_assert_flash(c, img, 0, 4096, 0);
	snprintf(args, sizeof(args), "-rdu -u 0x08000000 64 '%s'",
	         th_dir_path("back.bin"));
	cr_assert_eq(stmprog(pid, tr, args), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "RDU"), "no read unprotect");
	cr_assert(e2e_file_has(th_dir_path("flash.bin.state"), "rdp=0"));
	back = e2e_slurp(th_dir_path("back.bin"), &(size_t){0});
	cr_assert(e2e_all_equal(back, 64, c->erased_value), "-rdu did not erase");
	free(back);
	free(img);
}

Test(ob_names, readout_protection_f4_usb) { readout_protection("0x413", "usb"); }
Test(ob_names, readout_protection_f4_uart) { readout_protection("0x413", "uart"); }
Test(ob_names, readout_protection_f4_can) { readout_protection("0x413", "can"); }
Test(ob_names, readout_protection_h7_usb) { readout_protection("0x450", "usb"); }

/* --write-protect / --write-unprotect over USB: F4's nWRP mask. */
Test(ob_names, write_protection_f4_usb)
{
	unsigned char *ob;

	cr_assert_eq(stmprog("0x413", "usb", "--write-protect 1 2"), 0, "%s", out);
	cr_assert(strstr(out, "no WRITE PROTECT command"), "%s", out);
	cr_assert(strstr(out, "Write protection set through the option bytes "
	                      "and read back"), "%s", out);
	ob = ob_file(&(size_t){0});
	cr_assert_eq(ob[8] | ob[9] << 8, 0xFFF9, "nWRP 0x%04X", ob[8] | ob[9] << 8);
	cr_assert_eq(ob[1], 0xAA);
	free(ob);
	cr_assert_eq(stmprog("0x413", "usb", "--write-unprotect"), 0, "%s", out);
	ob = ob_file(&(size_t){0});
	cr_assert_eq(ob[8] | ob[9] << 8, 0xFFFF, "nWRP 0x%04X", ob[8] | ob[9] << 8);
	free(ob);
}

/* Over UART the ROM's WRITE PROTECT command is used, as before. */
Test(ob_names, write_protection_f4_uart_uses_the_command)
{
	cr_assert_eq(stmprog("0x413", "uart", "--write-protect 1 2"), 0, "%s", out);
	cr_assert(e2e_file_has(e2e_trace(), "WP 1-2") ||
	          e2e_file_has(e2e_trace(), "WP 1,2") ||
	          e2e_count_lines(e2e_trace(), "WP ") == 1, "no WP command");
	cr_assert(!strstr(out, "writing the option bytes instead"), "%s", out);
}

/* H7: WRPSN1 in the current word and its program twin. */
Test(ob_names, write_protection_h7_usb)
{
	unsigned char *ob;

	cr_assert_eq(stmprog("0x450", "usb", "--write-protect 0 3"), 0, "%s", out);
	ob = ob_file(&(size_t){0});
	cr_assert_eq(ob[0x1C], 0xF6, "WPSN_CUR1R 0x%02X", ob[0x1C]);
	cr_assert_eq(ob[0x20], 0xF6, "WPSN_PRG1R 0x%02X", ob[0x20]);
	free(ob);
	/* Bank 2's sectors are outside the window: refused, nothing written. */
	remove(e2e_trace());
	cr_assert_neq(stmprog("0x450", "usb", "--write-protect 9"), 0, "%s", out);
	cr_assert(strstr(out, "bank 2") && strstr(out, "UART"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "OB WRITE"), "written anyway");
}

/* L5: pages as WRP areas, at most two ranges a bank. */
Test(ob_names, write_protection_l5_usb)
{
	unsigned char *ob;

	cr_assert_eq(stmprog("0x472", "usb", "--write-protect 4 5 6 10"), 0, "%s", out);
	ob = ob_file(&(size_t){0});
	/* WRP1AR: start 4, end 6; WRP1BR: 10..10 (7-bit fields). */
	cr_assert_eq(le32(ob + 0x18) & 0x007F007F, 0x00060004, "WRP1AR 0x%08X",
	             le32(ob + 0x18));
	cr_assert_eq(le32(ob + 0x1C) & 0x007F007F, 0x000A000A, "WRP1BR 0x%08X",
	             le32(ob + 0x1C));
	/* Bank 2's areas off: start above end. */
	cr_assert_eq(le32(ob + 0x28) & 0x007F007F, 0x0000007F, "WRP2AR 0x%08X",
	             le32(ob + 0x28));
	free(ob);
	remove(e2e_trace());
	cr_assert_neq(stmprog("0x472", "usb", "--write-protect 1 3 5"), 0, "%s", out);
	cr_assert(strstr(out, "more than two ranges"), "%s", out);
	cr_assert(!e2e_file_has(e2e_trace(), "OB WRITE"), "written anyway");
}

/* Refused before the download when the transport cannot do it: L4's
 * write-protection areas are not in the 16 bytes its table maps, H5 has
 * no RDP.  Nothing is erased or written. */
Test(ob_names, refused_before_the_download_usb)
{
	const stp_chip *c = e2e_chip("0x462");
	unsigned char *img = e2e_app(c, 2048, 5);
	char args[1024];

	free(img);
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 --write-protect 3",
	         e2e_app_path());
	cr_assert_neq(stmprog("0x462", "usb", args), 0, "%s", out);
	cr_assert(strstr(out, "no WRITE PROTECT command"), "%s", out);
	cr_assert(strstr(out, "UART"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "WRITE"), 0, "downloaded first");
	cr_assert_eq(e2e_count_lines(e2e_trace(), "ERASE"), 0, "erased first");

	/* Another chip: its own flash and option-byte files. */
	remove(e2e_trace());
	remove(th_dir_path("flash.bin"));
	remove(th_dir_path("flash.bin.ob"));
	remove(th_dir_path("flash.bin.otp"));
	remove(th_dir_path("flash.bin.state"));
	snprintf(args, sizeof(args), "-d '%s' 0x08000000 --readout-protect",
	         e2e_app_path());
	cr_assert_neq(stmprog("0x484", "usb", args), 0, "%s", out);
	cr_assert(strstr(out, "PRODUCT_STATE"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "WRITE"), 0, "downloaded first");
}

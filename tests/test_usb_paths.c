/* Which board, by where it is plugged: two simulated STM32U585 DFU
 * devices on one USB bus (stmprog-sim --devices 2) whose unique IDs
 * differ only in the bits the ROM leaves out of its serial string, as on
 * the production line that programmed boards with each other's images.
 * `-l usb` shows each path and that the serial is shared, sn= alone is
 * refused naming both paths, and path= / port=usb:PATH program each
 * board with its own image (read back from the simulator's flash files).
 * Also: the per-family serial derivation against the published
 * UID/serial pairs, and udev's by-path/by-id names of serial ports. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serial_names.h"
#include "sim_usb_desc.h"
#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

/* The U585's UID words as RM0456 prints them (+8, +4, +0): the same lot
 * and die coordinates, wafers 0x0B and 0x0C.  The wafer number sits in
 * the low byte of the word at +4, which the ROM's string leaves out. */
#define UID_WAFER_11 "32313533" "3334510B" "002D0030"
#define UID_WAFER_12 "32313533" "3334510C" "002D0030"
/* Another die of wafer 11: the word at +0 differs. */
#define UID_OTHER_DIE "32313533" "3334510B" "002E0031"
/* hex8(w0 + w2) hex4(w1 >> 16) of the first two */
#define SHARED_SERIAL "325E35633334"

#define U585 "0x482"
#define IMAGE_LEN 4096

TestSuite(usb_paths, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 120);

/* COMMAND under the simulator with two U585s on one bus. */
static int two_boards(const char *uid1, const char *uid2, const char *extra,
                      const char *command)
{
	char opts[512];

	snprintf(opts, sizeof(opts),
	         "--transport usb --devices 2 --uid %s --uid %s %s", uid1, uid2,
	         extra ? extra : "");
	return e2e_sim(out, sizeof(out), U585, opts, command);
}

static const char *stmprog_bin(void)
{
	return th_build_path("frontends/stmprog");
}

/* The first len bytes of the device's flash file (device 1: flash.bin,
 * device I: flash.bin.I). */
static unsigned char *flash_of(unsigned device, size_t len)
{
	char name[32];
	size_t flen;
	unsigned char *f;

	snprintf(name, sizeof(name), device == 1 ? "flash.bin" : "flash.bin.%u",
	         device);
	f = e2e_slurp(th_dir_path(name), &flen);
	cr_assert_geq(flen, len, "%s holds %zu bytes", name, flen);
	return f;
}

/* The line of out that starts with prefix, or NULL. */
static const char *line_starting(const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return p;
	return NULL;
}

static bool line_has(const char *line, const char *needle)
{
	const char *end = strchr(line, '\n');
	const char *hit = strstr(line, needle);

	return hit && (!end || hit < end);
}

Test(usb_paths, list_shows_each_path_and_the_shared_serial)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char cmd[1024];
	const char *l1, *l2;

	snprintf(cmd, sizeof(cmd), "'%s' -l usb", stmprog_bin());
	cr_assert_eq(two_boards(UID_WAFER_11, UID_WAFER_12, NULL, cmd), 0, "%s",
	             out);
	l1 = line_starting("usb1 ");
	l2 = line_starting("usb2 ");
	cr_assert(l1 && l2, "%s", out);
	cr_assert(line_has(l1, "sn=" SHARED_SERIAL), "%s", out);
	cr_assert(line_has(l2, "sn=" SHARED_SERIAL), "%s", out);
	l1 = line_starting("  path=1-1");
	l2 = line_starting("  path=1-2");
	cr_assert(l1 && l2, "%s", out);
	cr_assert(line_has(l1, "(serial shared with another device: select "
	                       "these by path)"), "%s", out);
	cr_assert(line_has(l2, "serial shared"), "%s", out);
	cr_assert(l1 < l2, "usb1 is the board at 1-1:\n%s", out);
}

Test(usb_paths, distinct_serials_are_not_called_shared)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char cmd[1024];

	/* One shell under the simulator runs both. */
	snprintf(cmd, sizeof(cmd), "sh -c \"'%s' -l usb && '%s' -c port=usb "
	         "sn=%s -u 0x08000000 16 '%s'\"", stmprog_bin(), stmprog_bin(),
	         SHARED_SERIAL, th_dir_path("up.bin"));
	cr_assert_eq(two_boards(UID_WAFER_11, UID_OTHER_DIE, NULL, cmd), 0, "%s",
	             out);
	cr_assert(line_starting("  path=1-1\n"), "%s", out);
	cr_assert(line_starting("  path=1-2\n"), "%s", out);
	cr_assert_null(strstr(out, "serial shared"), "%s", out);
	/* sn= names one board: the one at 1-1. */
	cr_assert(strstr(out, "at 1-1"), "%s", out);
	cr_assert_null(strstr(out, "at 1-2"), "%s", out);
}

Test(usb_paths, a_shared_serial_alone_is_refused_naming_both_paths)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' -c port=usb sn=%s -e all",
	         stmprog_bin(), SHARED_SERIAL);
	cr_assert_eq(two_boards(UID_WAFER_11, UID_WAFER_12, NULL, cmd), 2, "%s",
	             out);
	cr_assert(strstr(out, "sn=" SHARED_SERIAL " matches 2 USB DFU devices: "
	                      "select these by path: path=1-1 or path=1-2"),
	          "%s", out);
	cr_assert(strstr(out, "48 of the chip's 96 unique-ID bits"), "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "d1 ERASE"), 0);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "d2 ERASE"), 0);
	/* usb2 sn=... is no way out either: the order is not the board. */
	snprintf(cmd, sizeof(cmd), "'%s' -c port=usb2 sn=%s -e all",
	         stmprog_bin(), SHARED_SERIAL);
	cr_assert_eq(two_boards(UID_WAFER_11, UID_WAFER_12, NULL, cmd), 2, "%s",
	             out);
	cr_assert(strstr(out, "path=1-1 or path=1-2"), "%s", out);
	/* sn= and path= together must both match. */
	snprintf(cmd, sizeof(cmd), "'%s' -c port=usb path=1-2 sn=0000 -e all",
	         stmprog_bin());
	cr_assert_eq(two_boards(UID_WAFER_11, UID_WAFER_12, NULL, cmd), 3, "%s",
	             out);
	cr_assert(strstr(out, "no USB DFU device matches path=1-2 sn=0000"),
	          "%s", out);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "d1 ERASE"), 0);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "d2 ERASE"), 0);
}

Test(usb_paths, each_board_gets_its_own_image_by_path)
{
	const stp_chip *c = e2e_chip(U585);
	unsigned char *a = e2e_make_app(c, IMAGE_LEN, 1);
	unsigned char *b = e2e_make_app(c, IMAGE_LEN, 2);
	unsigned char *f1, *f2;
	char cmd[2048];

	cr_assert_neq(memcmp(a, b, IMAGE_LEN), 0);
	e2e_spit(th_dir_path("a.bin"), a, IMAGE_LEN);
	e2e_spit(th_dir_path("b.bin"), b, IMAGE_LEN);
	/* The second board first, so "the first match" would be wrong. */
	snprintf(cmd, sizeof(cmd),
	         "'%s' -c port=usb path=1-2 sn=%s -d '%s' 0x08000000 -v",
	         stmprog_bin(), SHARED_SERIAL, th_dir_path("b.bin"));
	cr_assert_eq(two_boards(UID_WAFER_11, UID_WAFER_12, NULL, cmd), 0, "%s",
	             out);
	cr_assert(strstr(out, "at 1-2"), "%s", out);
	f1 = flash_of(1, IMAGE_LEN);
	f2 = flash_of(2, IMAGE_LEN);
	cr_assert(e2e_all_equal(f1, IMAGE_LEN, c->erased_value),
	          "board 1 was written");
	cr_assert_eq(memcmp(f2, b, IMAGE_LEN), 0, "board 2 does not hold b.bin");
	free(f1);
	free(f2);
	cr_assert_eq(e2e_count_lines(e2e_trace(), "d1 WRITE"), 0);
	cr_assert_gt(e2e_count_lines(e2e_trace(), "d2 WRITE"), 0);
	/* Then the first board, in the one-word form. */
	snprintf(cmd, sizeof(cmd), "'%s' -c port=usb:1-1 -d '%s' 0x08000000 -v",
	         stmprog_bin(), th_dir_path("a.bin"));
	cr_assert_eq(two_boards(UID_WAFER_11, UID_WAFER_12, NULL, cmd), 0, "%s",
	             out);
	cr_assert(strstr(out, "at 1-1"), "%s", out);
	f1 = flash_of(1, IMAGE_LEN);
	f2 = flash_of(2, IMAGE_LEN);
	cr_assert_eq(memcmp(f1, a, IMAGE_LEN), 0, "board 1 does not hold a.bin");
	cr_assert_eq(memcmp(f2, b, IMAGE_LEN), 0, "board 2 lost b.bin");
	free(f1);
	free(f2);
	free(a);
	free(b);
}

/* The ST-LINK sits after the targets, so the boards keep 1-1 and 1-2. */
Test(usb_paths, stlink_is_plugged_after_the_targets)
{
	if (getenv("STMPROG_TEST_QUICK")) /* whole sessions: the ASan pass runs them */
		cr_skip_test("STMPROG_TEST_QUICK is set");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	         "sh -c \"cat \\\"\\$UMOCKDEV_DIR/sys/devices/pci0000:00/usb1/"
	         "1-3/idProduct\\\" && '%s' -l usb\"", stmprog_bin());
	cr_assert_eq(two_boards(UID_WAFER_11, UID_OTHER_DIE, "--usb-stlink", cmd),
	             0, "%s", out);
	cr_assert(line_starting("374b\n"), "%s", out);
	cr_assert(line_starting("  path=1-1\n"), "%s", out);
	cr_assert(line_starting("  path=1-2\n"), "%s", out);
	cr_assert_null(strstr(out, "path=1-3"), "%s", out);
}

/* ---- the ROMs' serial strings, against published UID/serial pairs ---- */

TestSuite(rom_serial);

/* uid as the reference manual prints it (+8, +4, +0) into memory order. */
static void uid_from_words(uint32_t w8, uint32_t w4, uint32_t w0,
                           uint8_t uid[12])
{
	const uint32_t w[3] = {w0, w4, w8};

	for (int i = 0; i < 3; i++)
		for (int b = 0; b < 4; b++)
			uid[4 * i + b] = (uint8_t)(w[i] >> (8 * b));
}

static const char *serial_of(const char *pid, const uint8_t uid[12])
{
	static char s[SIM_USB_SERIAL_MAX];

	sim_usb_serial_from_uid(e2e_chip(pid), uid, s);
	return s;
}

Test(rom_serial, published_pairs)
{
	/* C071, as the vendor forum thread lists it: the UID's bytes in
	 * memory order, then the ROM's string. */
	static const uint8_t c071[12] = {0x7A, 0x00, 0x25, 0x00, 0x01, 0x50,
	                                 0x36, 0x42, 0x48, 0x37, 0x30, 0x20};
	uint8_t uid[12];

	/* F4 (libopencm3 issue 760): UID 002D0030 3334510B 32313533 by
	 * word +0, +4, +8. */
	uid_from_words(0x32313533, 0x3334510B, 0x002D0030, uid);
	cr_assert_str_eq(serial_of("0x413", uid), "325E35633334");
	/* F3: the same issue; the last four digits come from the word at +8. */
	uid_from_words(0x20333333, 0x50335706, 0x003B0041, uid);
	cr_assert_str_eq(serial_of("0x422", uid), "206E33742033");
	cr_assert_str_eq(serial_of("0x493", c071), "205537C24236");
	/* Constant strings reported for the F072 and the F723. */
	cr_assert_str_eq(serial_of("0x448", uid), "FFFFFFFEFFFF");
	cr_assert_str_eq(serial_of("0x452", uid), "STM32FxSTM32");
}

Test(rom_serial, the_bits_each_scheme_leaves_out)
{
	uint8_t a[12], b[12];
	char sa[SIM_USB_SERIAL_MAX];

	/* F4 scheme (assumed for U5): the low half of the word at +4. */
	uid_from_words(0x32313533, 0x3334510B, 0x002D0030, a);
	uid_from_words(0x32313533, 0x3334FFFF, 0x002D0030, b);
	snprintf(sa, sizeof(sa), "%s", serial_of(U585, a));
	cr_assert_str_eq(serial_of(U585, b), sa);
	/* ... and whatever moves between the words at +0 and +8. */
	uid_from_words(0x32313533 - 5, 0x3334510B, 0x002D0030 + 5, b);
	cr_assert_str_eq(serial_of(U585, b), sa);
	/* The top half of the word at +4 is in it. */
	uid_from_words(0x32313533, 0x3335510B, 0x002D0030, b);
	cr_assert_str_neq(serial_of(U585, b), sa);
	/* F3: nothing of the word at +4. */
	uid_from_words(0x20333333, 0x50335706, 0x003B0041, a);
	uid_from_words(0x20333333, 0xAAAAAAAA, 0x003B0041, b);
	snprintf(sa, sizeof(sa), "%s", serial_of("0x422", a));
	cr_assert_str_eq(serial_of("0x422", b), sa);
}

/* ---- udev's stable names of serial ports ---- */

TestSuite(serial_names, .init = th_dir_setup, .fini = th_dir_teardown);

static void make_link(const char *target, const char *name)
{
	cr_assert_eq(symlink(target, th_dir_path(name)), 0, "symlink %s", name);
}

Test(serial_names, by_path_and_by_id_resolve_to_the_port)
{
	char by_path[256], by_id[256], want[512];
	FILE *f;

	cr_assert_eq(mkdir(th_dir_path("dev"), 0700), 0);
	cr_assert_eq(mkdir(th_dir_path("dev/serial"), 0700), 0);
	cr_assert_eq(mkdir(th_dir_path("dev/serial/by-path"), 0700), 0);
	cr_assert_eq(mkdir(th_dir_path("dev/serial/by-id"), 0700), 0);
	cr_assert((f = fopen(th_dir_path("dev/ttyUSB0"), "w")));
	fclose(f);
	cr_assert((f = fopen(th_dir_path("dev/ttyUSB1"), "w")));
	fclose(f);
	/* Relative links, as udev makes them. */
	make_link("../../ttyUSB1",
	          "dev/serial/by-path/pci-0000:00:14.0-usb-0:2.3:1.0-port0");
	make_link("../../ttyUSB0",
	          "dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0-port0");
	make_link("../../ttyUSB1",
	          "dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K2Z3C-if00-port0");
	/* A second link to the same port: the first in byte order wins. */
	make_link("../../ttyUSB1", "dev/serial/by-id/usb-FTDI_B-if00-port0");
	make_link("../../nothing", "dev/serial/by-id/usb-dangling");

	serial_stable_names(th_dir_path("dev/serial"), th_dir_path("dev/ttyUSB1"),
	                    by_path, sizeof(by_path), by_id, sizeof(by_id));
	snprintf(want, sizeof(want), "%s/pci-0000:00:14.0-usb-0:2.3:1.0-port0",
	         th_dir_path("dev/serial/by-path"));
	cr_assert_str_eq(by_path, want);
	snprintf(want, sizeof(want), "%s/usb-FTDI_B-if00-port0",
	         th_dir_path("dev/serial/by-id"));
	cr_assert_str_eq(by_id, want);

	/* Asked through one of its own names, the port is the same. */
	serial_stable_names(th_dir_path("dev/serial"), want, by_path,
	                    sizeof(by_path), by_id, sizeof(by_id));
	cr_assert_str_eq(by_id, want);

	/* ttyUSB0 has a by-path name and no by-id one. */
	serial_stable_names(th_dir_path("dev/serial"), th_dir_path("dev/ttyUSB0"),
	                    by_path, sizeof(by_path), by_id, sizeof(by_id));
	cr_assert(strstr(by_path, "usb-0:1:1.0-port0"), "%s", by_path);
	cr_assert_str_eq(by_id, "");

	/* A name that does not fit is left out, not cut. */
	serial_stable_names(th_dir_path("dev/serial"), th_dir_path("dev/ttyUSB1"),
	                    by_path, 16, by_id, sizeof(by_id));
	cr_assert_str_eq(by_path, "");

	/* No udev directories, no such port: nothing. */
	serial_stable_names(th_dir_path("nodir"), th_dir_path("dev/ttyUSB1"),
	                    by_path, sizeof(by_path), by_id, sizeof(by_id));
	cr_assert_str_eq(by_path, "");
	cr_assert_str_eq(by_id, "");
	serial_stable_names(th_dir_path("dev/serial"), th_dir_path("dev/ttyUSB9"),
	                    by_path, sizeof(by_path), by_id, sizeof(by_id));
	cr_assert_str_eq(by_path, "");
	cr_assert_str_eq(by_id, "");
}

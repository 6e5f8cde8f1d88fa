/* The vendor CLI's operations end to end: stmprog against stmprog-sim
 * over UART, USB DFU and CAN (each where it is built), the chip's memory
 * checked in the simulator's flash file and what the device was asked in
 * its trace. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "test_e2e_util.h"
#include "test_helpers.h"

static char out[65536];

TestSuite(vendor_ops, .init = th_dir_setup, .fini = th_dir_teardown,
          .timeout = 180);

/* The simulator options of a transport, or NULL (and the test skipped)
 * when it is not built. */
static const char *transport(const char *name)
{
	if (!strcmp(name, "uart"))
		return "";
#ifdef VENDOR_OPS_USB
	if (!strcmp(name, "usb"))
		return "--transport usb";
#endif
#ifdef VENDOR_OPS_CAN
	if (!strcmp(name, "can"))
		return "--transport slcan";
#endif
	cr_skip_test("the %s transport is not built (configure found no "
	             "library for it)", name);
	return NULL;
}

static int stmprog(const char *chip, const char *tr, const char *args)
{
	return e2e_stmprog(out, sizeof(out), chip, transport(tr), args);
}

/* -w FILE ADDRESS is still a download (the vendor's -w), beside -w8..-w64. */
static void w_downloads(const char *tr)
{
	const stp_chip *c = e2e_chip("0x413");
	unsigned char *img = e2e_app(c, 3000, 5);
	char args[4096];

	snprintf(args, sizeof(args), "-w '%s' 0x%08X", e2e_app_path(),
	         c->flash_base);
	cr_assert_eq(stmprog("0x413", tr, args), 0, "%s", out);
	e2e_assert_flash(c, img, 0, 3000, 0x4000);
	free(img);
}

Test(vendor_ops, w_downloads_uart) { w_downloads("uart"); }
Test(vendor_ops, w_downloads_usb) { w_downloads("usb"); }
Test(vendor_ops, w_downloads_can) { w_downloads("can"); }

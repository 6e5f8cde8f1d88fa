/* The DFU backend's protocol layers (backends/dfu/dfu_proto.c and
 * dfuse_cmd.c) against a scripted fake device: every test lists the exact
 * control transfers the host must make (bmRequestType, bRequest, wValue,
 * wIndex, data) and what the device answers.  Time is virtual: the clock
 * only moves when the host sleeps, so a test can check that the host
 * waited exactly the bwPollTimeouts the device asked for. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_proto.h"
#include "dfuse_cmd.h"

/* ---- the scripted device ---------------------------------------------- */

#define MAX_STEPS 96
#define MAX_DATA 64
#define INTF 0
#define XFER 16 /* a small wTransferSize keeps the scripts short */

typedef struct step {
	uint8_t type, request;
	uint16_t value, index;
	size_t n;                /* OUT: bytes expected; IN: bytes answered */
	uint8_t data[MAX_DATA];
	int rc;                  /* a DFU_IO_* code instead of an answer */
} step;

typedef struct fake {
	step steps[MAX_STEPS];
	size_t nsteps, at;
	uint64_t clock;
	char err[256];
} fake;

static fake F;
static stp_ctx *ctx;
static dfu_dev dev;
static dfuse ds;

static step *add(uint8_t type, uint8_t request, uint16_t value)
{
	cr_assert_lt(F.nsteps, MAX_STEPS);
	step *s = &F.steps[F.nsteps++];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->request = request;
	s->value = value;
	s->index = INTF;
	return s;
}

/* The host sends a request with these data bytes. */
static step *out_bytes(uint8_t request, uint16_t value, size_t n, ...)
{
	step *s = add(DFU_OUT, request, value);
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		s->data[s->n++] = (uint8_t)va_arg(ap, int);
	va_end(ap);
	return s;
}

#define NARGS(...) (sizeof((int[]){__VA_ARGS__}) / sizeof(int))
#define OUT(req, val, ...) out_bytes(req, val, NARGS(__VA_ARGS__), __VA_ARGS__)

static void status(uint8_t st, uint32_t poll, uint8_t state)
{
	step *s = add(DFU_IN, DFU_GETSTATUS, 0);
	s->n = 6;
	s->data[0] = st;
	s->data[1] = (uint8_t)poll;
	s->data[2] = (uint8_t)(poll >> 8);
	s->data[3] = (uint8_t)(poll >> 16);
	s->data[4] = state;
	s->data[5] = 0;
}

static void fail_next(uint8_t type, uint8_t request, uint16_t value, int rc)
{
	add(type, request, value)->rc = rc;
}

/* Set address as the ROM answers it: busy for poll ms, then idle. */
static void set_address(uint32_t a, uint32_t poll)
{
	OUT(DFU_DNLOAD, 0, 0x21, a & 0xFF, a >> 8 & 0xFF, a >> 16 & 0xFF,
	    a >> 24);
	status(DFU_OK, poll, DFU_DNBUSY);
	status(DFU_OK, 0, DFU_DNLOAD_IDLE);
}

static uint8_t pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static step *data_out(uint16_t block, uint32_t off, size_t n)
{
	step *s = add(DFU_OUT, DFU_DNLOAD, block);
	for (size_t i = 0; i < n; i++)
		s->data[i] = pattern((uint32_t)(off + i));
	s->n = n;
	return s;
}

static void data_in(uint16_t block, uint32_t off, size_t n)
{
	step *s = add(DFU_IN, DFU_UPLOAD, block);
	for (size_t i = 0; i < n; i++)
		s->data[i] = pattern((uint32_t)(off + i));
	s->n = n;
}

static int f_control(void *user, uint8_t type, uint8_t request,
                     uint16_t value, uint16_t index, uint8_t *data,
                     uint16_t length, unsigned timeout_ms)
{
	step *s;

	(void)user;
	(void)timeout_ms;
	if (F.err[0])
		return DFU_IO_ERROR;
	if (F.at >= F.nsteps) {
		snprintf(F.err, sizeof(F.err),
		         "extra request %02X %u wValue %u after the script ended",
		         type, request, value);
		return DFU_IO_ERROR;
	}
	s = &F.steps[F.at];
	if (s->type != type || s->request != request || s->value != value ||
	    s->index != index) {
		snprintf(F.err, sizeof(F.err),
		         "step %zu: expected %02X req %u wValue %u wIndex %u, got "
		         "%02X req %u wValue %u wIndex %u",
		         F.at, s->type, s->request, s->value, s->index, type,
		         request, value, index);
		return DFU_IO_ERROR;
	}
	F.at++;
	if (s->rc)
		return s->rc;
	if (type == DFU_OUT) {
		if (length != s->n || (length && memcmp(data, s->data, length))) {
			snprintf(F.err, sizeof(F.err),
			         "step %zu: request %u data differs (%u bytes, "
			         "expected %zu; first byte 0x%02X)",
			         F.at - 1, request, length, s->n,
			         length ? data[0] : 0);
			return DFU_IO_ERROR;
		}
		return length;
	}
	if (s->n > length) {
		snprintf(F.err, sizeof(F.err), "step %zu: answer longer than asked",
		         F.at - 1);
		return DFU_IO_ERROR;
	}
	memcpy(data, s->data, s->n);
	return (int)s->n;
}

static uint64_t f_now(void *user)
{
	(void)user;
	return F.clock;
}

static void f_sleep(void *user, unsigned ms)
{
	(void)user;
	F.clock += ms;
}

static const char *f_error(void *user)
{
	(void)user;
	return F.err;
}

static const dfu_io fake_io = {NULL, f_control, f_now, f_sleep, f_error};

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	ctx = stp_ctx_new();
	dfu_init(&dev, ctx, &fake_io, "usb1 (1-1)", INTF, XFER);
	dev.state = DFU_IDLE; /* as after the recovery at open */
	dfuse_init(&ds, &dev);
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

/* The whole script ran and nothing unexpected was sent. */
static void done(void)
{
	cr_expect_str_empty(F.err, "%s", F.err);
	cr_expect_eq(F.at, F.nsteps, "script stopped at step %zu of %zu", F.at,
	             F.nsteps);
}

#define OK(expr) cr_assert_eq((expr), STP_OK, "%s: %s (script: %s)", #expr, \
                              stp_last_detail(ctx), F.err)

static void expect_detail(const char *part)
{
	cr_expect(strstr(stp_last_detail(ctx), part), "want \"%s\" in: %s",
	          part, stp_last_detail(ctx));
}

TestSuite(dfuse, .init = setup, .fini = teardown);

/* ---- commands --------------------------------------------------------- */

Test(dfuse, set_address_waits_the_poll_timeout_exactly)
{
	set_address(0x08004000, 7);
	OK(dfuse_set_address(&ds, 0x08004000));
	done();
	cr_expect_eq(F.clock, 7, "slept %llu ms", (unsigned long long)F.clock);
	cr_expect_eq(dev.state, DFU_DNLOAD_IDLE);
}

Test(dfuse, erase_page)
{
	OUT(DFU_DNLOAD, 0, 0x41, 0x00, 0x40, 0x00, 0x08);
	status(DFU_OK, 250, DFU_DNBUSY);
	status(DFU_OK, 250, DFU_DNBUSY);
	status(DFU_OK, 0, DFU_DNLOAD_IDLE);
	OK(dfuse_erase_unit(&ds, 0x08004000, 16384));
	done();
	cr_expect_eq(F.clock, 500);
}

Test(dfuse, mass_erase_and_24_bit_poll_timeout)
{
	OUT(DFU_DNLOAD, 0, 0x41);
	status(DFU_OK, 0x011170, DFU_DNBUSY); /* 70000 ms */
	status(DFU_OK, 0, DFU_DNLOAD_IDLE);
	ds.t.mass_erase_ms = 100000;
	OK(dfuse_mass_erase(&ds));
	done();
	cr_expect_eq(F.clock, 70000);
}

Test(dfuse, get_commands)
{
	step *s = add(DFU_IN, DFU_UPLOAD, 0);
	uint8_t cmds[8];
	size_t n;

	s->n = 4;
	memcpy(s->data, "\x00\x21\x41\x92", 4);
	OK(dfuse_get_commands(&ds, cmds, sizeof(cmds), &n));
	done();
	cr_assert_eq(n, 3);
	cr_expect_eq(cmds[0], 0x21);
	cr_expect_eq(cmds[1], 0x41);
	cr_expect_eq(cmds[2], 0x92);
}

Test(dfuse, read_unprotect_vanishing_device_is_success)
{
	OUT(DFU_DNLOAD, 0, 0x92);
	status(DFU_OK, 100, DFU_DNBUSY);
	fail_next(DFU_IN, DFU_GETSTATUS, 0, DFU_IO_GONE);
	OK(dfuse_read_unprotect(&ds));
	done();
	cr_expect_eq(F.clock, 100);
	cr_expect(dev.reset_seen);
}

Test(dfuse, leave)
{
	set_address(0x08000000, 1);
	add(DFU_OUT, DFU_DNLOAD, 2); /* zero-length */
	status(DFU_OK, 0, DFU_MANIFEST);
	OK(dfuse_leave(&ds, 0x08000000));
	done();
	cr_expect_eq(F.clock, 1);
}

/* ---- data ------------------------------------------------------------- */

static uint8_t *image(size_t n)
{
	uint8_t *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = pattern((uint32_t)i);
	return b;
}

static void block_ok(uint16_t block, uint32_t off, size_t n, uint32_t poll)
{
	data_out(block, off, n);
	status(DFU_OK, poll, DFU_DNBUSY);
	status(DFU_OK, 0, DFU_DNLOAD_IDLE);
}

Test(dfuse, run_of_full_blocks_sets_the_address_once)
{
	uint8_t *img = image(5 * XFER);

	set_address(0x08000000, 2);
	block_ok(2, 0, XFER, 3);
	block_ok(3, XFER, XFER, 3);
	block_ok(4, 2 * XFER, XFER, 3);
	/* A later call that continues the run needs no new pointer. */
	block_ok(5, 3 * XFER, XFER, 3);
	/* One that does not continue it gets one. */
	set_address(0x08001000, 2);
	block_ok(2, 4 * XFER, XFER, 3);
	OK(dfuse_download(&ds, 0x08000000, img, 3 * XFER));
	OK(dfuse_download(&ds, 0x08000000 + 3 * XFER, img + 3 * XFER, XFER));
	OK(dfuse_download(&ds, 0x08001000, img + 4 * XFER, XFER));
	done();
	cr_expect_eq(F.clock, 2 + 3 * 3 + 3 + 2 + 3);
	cr_expect_eq(ds.set_addresses, 2);
	free(img);
}

Test(dfuse, short_last_block_gets_its_own_address)
{
	uint8_t *img = image(2 * XFER + 5);

	set_address(0x08000000, 0);
	block_ok(2, 0, XFER, 1);
	block_ok(3, XFER, XFER, 1);
	set_address(0x08000000 + 2 * XFER, 0);
	block_ok(2, 2 * XFER, 5, 1);
	OK(dfuse_download(&ds, 0x08000000, img, 2 * XFER + 5));
	done();
	/* A device that says 0 while busy gets 1 ms per poll. */
	cr_expect_eq(F.clock, 2 + 3);
	free(img);
}

Test(dfuse, upload_aborts_between_set_address_and_upload)
{
	uint8_t buf[2 * XFER + 4];

	set_address(0x08000000, 0);
	add(DFU_OUT, DFU_ABORT, 0);
	data_in(2, 0, XFER);
	data_in(3, XFER, XFER);
	/* The short tail: out of dfuUPLOAD-IDLE, new pointer, back to idle. */
	add(DFU_OUT, DFU_ABORT, 0);
	set_address(0x08000000 + 2 * XFER, 0);
	add(DFU_OUT, DFU_ABORT, 0);
	data_in(2, 2 * XFER, 4);
	OK(dfuse_upload(&ds, 0x08000000, buf, sizeof(buf)));
	done();
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], pattern((uint32_t)i), "byte %zu", i);
}

Test(dfuse, download_after_upload_aborts_first)
{
	uint8_t buf[XFER];
	uint8_t *img = image(XFER);

	set_address(0x08000000, 0);
	add(DFU_OUT, DFU_ABORT, 0);
	data_in(2, 0, XFER);
	add(DFU_OUT, DFU_ABORT, 0);
	set_address(0x08000000, 0);
	block_ok(2, 0, XFER, 0);
	OK(dfuse_upload(&ds, 0x08000000, buf, XFER));
	OK(dfuse_download(&ds, 0x08000000, img, XFER));
	done();
	free(img);
}

/* ---- errors and recovery ---------------------------------------------- */

Test(dfuse, block_retried_after_errprog)
{
	uint8_t *img = image(XFER);

	set_address(0x08000000, 0);
	data_out(2, 0, XFER);
	status(DFU_OK, 5, DFU_DNBUSY);
	status(DFU_ERR_PROG, 0, DFU_ERROR);
	/* recovery: the error is still there, CLRSTATUS, idle */
	status(DFU_ERR_PROG, 0, DFU_ERROR);
	add(DFU_OUT, DFU_CLRSTATUS, 0);
	status(DFU_OK, 0, DFU_IDLE);
	/* the same block again, after a new pointer */
	set_address(0x08000000, 0);
	block_ok(2, 0, XFER, 5);
	OK(dfuse_download(&ds, 0x08000000, img, XFER));
	done();
	cr_expect_eq(ds.retries, 1);
	cr_expect_eq(F.clock, 2 + 5 + 5);
	free(img);
}

Test(dfuse, errprog_three_times_fails)
{
	uint8_t *img = image(XFER);

	for (int i = 0; i < DFUSE_TRIES; i++) {
		if (i) {
			status(DFU_ERR_PROG, 0, DFU_ERROR);
			add(DFU_OUT, DFU_CLRSTATUS, 0);
			status(DFU_OK, 0, DFU_IDLE);
		}
		set_address(0x08000000, 0);
		data_out(2, 0, XFER);
		status(DFU_ERR_PROG, 0, DFU_ERROR);
	}
	cr_expect_eq(dfuse_download(&ds, 0x08000000, img, XFER), STP_ERR_NACK);
	done();
	expect_detail("write at 0x08000000 failed: programming the flash failed");
	expect_detail("errPROG");
	cr_expect_eq(ds.retries, DFUSE_TRIES - 1);
	free(img);
}

Test(dfuse, errwrite_is_not_retried_and_says_write_protection)
{
	uint8_t *img = image(XFER);

	set_address(0x08000000, 0);
	data_out(2, 0, XFER);
	status(DFU_OK, 5, DFU_DNBUSY);
	status(DFU_ERR_WRITE, 0, DFU_ERROR);
	cr_expect_eq(dfuse_download(&ds, 0x08000000, img, XFER), STP_ERR_NACK);
	done();
	expect_detail("usb1 (1-1): write at 0x08000000 failed");
	expect_detail("the flash did not take the data: write protection?");
	cr_expect(strstr(stp_last_hint(ctx), "write protection"), "%s",
	          stp_last_hint(ctx));
	free(img);
}

Test(dfuse, errvendor_on_upload_says_readout_protection)
{
	uint8_t buf[XFER];

	set_address(0x08000000, 0);
	add(DFU_OUT, DFU_ABORT, 0);
	fail_next(DFU_IN, DFU_UPLOAD, 2, DFU_IO_STALL);
	status(DFU_ERR_VENDOR, 0, DFU_ERROR);
	cr_expect_eq(dfuse_upload(&ds, 0x08000000, buf, XFER), STP_ERR_PROTECTED);
	done();
	expect_detail("read at 0x08000000 failed: readout protection is active: "
	              "-rdu removes it and erases the chip");
	cr_expect(strstr(stp_last_hint(ctx), "-rdu"), "%s", stp_last_hint(ctx));
}

/* A stall the device does not explain (errSTALLEDPKT) is one bad moment:
 * the read is sent again after recovery, and the data is the device's. */
Test(dfuse, unexplained_stalled_upload_is_read_again)
{
	uint8_t buf[XFER];

	set_address(0x08000000, 0);
	add(DFU_OUT, DFU_ABORT, 0);
	fail_next(DFU_IN, DFU_UPLOAD, 2, DFU_IO_STALL);
	status(DFU_ERR_STALLEDPKT, 0, DFU_ERROR);
	/* recovery: still in dfuERROR, CLRSTATUS, idle */
	status(DFU_ERR_STALLEDPKT, 0, DFU_ERROR);
	add(DFU_OUT, DFU_CLRSTATUS, 0);
	status(DFU_OK, 0, DFU_IDLE);
	set_address(0x08000000, 0);
	add(DFU_OUT, DFU_ABORT, 0);
	data_in(2, 0, XFER);
	OK(dfuse_upload(&ds, 0x08000000, buf, XFER));
	done();
	cr_expect_eq(ds.retries, 1);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], pattern((uint32_t)i), "byte %zu", i);
}

Test(dfuse, errtarget_on_set_address)
{
	OUT(DFU_DNLOAD, 0, 0x21, 0x00, 0x00, 0x00, 0x30);
	status(DFU_ERR_TARGET, 0, DFU_ERROR);
	cr_expect_eq(dfuse_set_address(&ds, 0x30000000), STP_ERR_NACK);
	done();
	expect_detail("set address at 0x30000000 failed: the address is outside "
	              "the memory");
	expect_detail("errTARGET");
}

/* dfuERROR is an error whatever bStatus says: a device that reports OK
 * there must not have its write taken as done (found by fuzz_dfu_status). */
Test(dfuse, error_state_with_status_ok_fails)
{
	status(DFU_OK, 0, DFU_ERROR);
	cr_expect_eq(dfu_wait(&dev, "write", 0x08000000, 1000, DFU_DNLOAD_IDLE,
	                      false),
	             STP_ERR_PROTOCOL);
	done();
	expect_detail("write at 0x08000000 failed");
	expect_detail("dfuERROR");
}

Test(dfuse, stalled_command_is_named)
{
	fail_next(DFU_OUT, DFU_DNLOAD, 0, DFU_IO_STALL);
	cr_expect_eq(dfuse_mass_erase(&ds), STP_ERR_NACK);
	done();
	expect_detail("mass erase: the device stalled DNLOAD");
}

Test(dfuse, erase_deadline_exceeded)
{
	OUT(DFU_DNLOAD, 0, 0x41, 0x00, 0x40, 0x00, 0x08);
	status(DFU_OK, 40, DFU_DNBUSY);
	status(DFU_OK, 40, DFU_DNBUSY);
	status(DFU_OK, 40, DFU_DNBUSY);
	status(DFU_OK, 40, DFU_DNBUSY);
	ds.t.unit_erase_ms = 100;
	ds.t.largest_unit = 0;
	cr_expect_eq(dfuse_erase_unit(&ds, 0x08004000, 16384), STP_ERR_TIMEOUT);
	done();
	/* 40 + 40, then what is left of the deadline, then one last look */
	cr_expect_eq(F.clock, 100);
	expect_detail("erase at 0x08004000 did not finish within 100 ms");
}

Test(dfuse, erase_deadline_scaled_for_small_units)
{
	dfuse_timing t;
	stp_chip c = {.page_erase_ms = 1000, .mass_erase_ms = 8000,
	              .program_unit = 4, .program_us = 16};

	dfuse_timing_for(&t, &c, 2048, 128 * 1024);
	cr_expect_eq(t.unit_erase_ms, 4000);
	cr_expect_eq(t.mass_erase_ms, 25000);
	cr_expect_eq(t.block_ms, 3 * 512 * 16 / 1000 + 1000);
	ds.t = t;
	OUT(DFU_DNLOAD, 0, 0x41, 0x00, 0x00, 0x00, 0x08);
	for (int i = 0; i < 20; i++)
		status(DFU_OK, 100, DFU_DNBUSY);
	/* 16 KiB of a 128 KiB largest unit: 3000 / 8 + 1000 ms */
	cr_expect_eq(dfuse_erase_unit(&ds, 0x08000000, 16384), STP_ERR_TIMEOUT);
	expect_detail("within 1375 ms");
	cr_expect_eq(F.clock, 1375);
}

Test(dfuse, device_gone_during_write)
{
	uint8_t *img = image(XFER);

	set_address(0x08000000, 0);
	fail_next(DFU_OUT, DFU_DNLOAD, 2, DFU_IO_GONE);
	cr_expect_eq(dfuse_download(&ds, 0x08000000, img, XFER),
	             STP_ERR_DISCONNECTED);
	done();
	expect_detail("write at 0x08000000: the device left the USB bus");
	free(img);
}

Test(dfuse, recover_from_error_and_from_dnload_idle)
{
	status(DFU_ERR_UNKNOWN, 0, DFU_ERROR);
	add(DFU_OUT, DFU_CLRSTATUS, 0);
	status(DFU_OK, 0, DFU_DNLOAD_IDLE);
	add(DFU_OUT, DFU_ABORT, 0);
	status(DFU_OK, 0, DFU_IDLE);
	OK(dfu_recover(&dev));
	done();
	cr_expect_eq(dev.recoveries, 2);
}

Test(dfuse, recover_refuses_runtime_mode)
{
	status(DFU_OK, 0, DFU_APP_IDLE);
	cr_expect_eq(dfu_recover(&dev), STP_ERR_PROTOCOL);
	expect_detail("run-time mode");
}

Test(dfuse, option_bytes_write_reset_is_success)
{
	uint8_t ob[16];
	bool vanished = false;

	memset(ob, 0xAA, sizeof(ob));
	set_address(0x1FFFC000, 0);
	step *s = add(DFU_OUT, DFU_DNLOAD, 2);
	memcpy(s->data, ob, 16);
	s->n = 16;
	status(DFU_OK, 30, DFU_DNBUSY);
	fail_next(DFU_IN, DFU_GETSTATUS, 0, DFU_IO_ERROR);
	OK(dfuse_download_resetting(&ds, 0x1FFFC000, ob, 16, "option bytes write",
	                            &vanished));
	cr_expect(vanished);
	cr_expect_eq(F.clock, 1 + 30); /* the set address said 0 while busy */
}

Test(dfu_words, every_status_has_a_sentence)
{
	for (uint8_t s = 1; s <= DFU_ERR_STALLEDPKT; s++) {
		cr_expect_str_neq(dfu_status_name(s), "an undefined status");
		cr_expect_gt(strlen(dfu_status_sentence(s)), 10);
		cr_expect_neq(dfu_status_code(s), STP_OK);
	}
	cr_expect_str_eq(dfu_state_name(DFU_DNBUSY), "dfuDNBUSY");
	cr_expect_str_eq(dfu_state_name(DFU_ERROR), "dfuERROR");
}

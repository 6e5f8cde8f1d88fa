/* The uart backend module end to end over a pseudo-terminal: the core
 * loads it from the build tree, and a small responder thread on the pty's
 * master side answers as a USART bootloader would (a few commands, 64 KiB
 * of flash).  This covers the termios link, the open-time checks and the
 * glue; the protocol's corner cases are in test_uart_protocol.c, and the
 * full device model is the simulator's job. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stmprog/backend.h"
#include "stmprog/target.h"

#define FLASH 0x08000000u
#define FLASH_SIZE 0x10000u

typedef struct responder {
	int master;
	bool synced;             /* starts synced (for noinit=1) */
	bool stray_zero;         /* a 0x00 before the sync ACK */
	bool silent;             /* never answers */
	uint8_t wire[4096];      /* what the host sent, first bytes */
	size_t nwire;
	uint32_t go_addr;
	uint8_t flash[FLASH_SIZE];
	pthread_t thread;
	volatile bool stop;
} responder;

static responder R;
static stp_ctx *ctx;
static char port[128];

/* Reads exactly n bytes from the host; false when it went quiet. */
static bool take(uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n && !R.stop) {
		struct pollfd p = {.fd = R.master, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t k = read(R.master, b + got, n - got);
		if (k <= 0)
			return false;
		for (ssize_t i = 0; i < k && R.nwire < sizeof(R.wire); i++)
			R.wire[R.nwire++] = b[got + (size_t)i];
		got += (size_t)k;
	}
	return got == n;
}

static void give(const uint8_t *b, size_t n)
{
	if (write(R.master, b, n) != (ssize_t)n)
		R.stop = true;
}

static void give1(uint8_t b)
{
	give(&b, 1);
}

static uint8_t xorsum(const uint8_t *b, size_t n)
{
	uint8_t x = 0;
	while (n--)
		x ^= *b++;
	return x;
}

/* The address frame; the offset into flash, or -1 (NACKed). */
static long take_addr(size_t len)
{
	uint8_t a[5];
	uint32_t addr;

	if (!take(a, 5))
		return -2;
	addr = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	       (uint32_t)a[2] << 8 | a[3];
	if (xorsum(a, 4) != a[4] || addr < FLASH ||
	    addr + len > FLASH + FLASH_SIZE) {
		give1(0x1F);
		return -1;
	}
	give1(0x79);
	return (long)(addr - FLASH);
}

static void *respond(void *unused)
{
	static const uint8_t get[] = {0x79, 11, 0x31, 0x00, 0x01, 0x02, 0x11,
	                              0x21, 0x31, 0x44, 0x63, 0x73, 0x82, 0x92,
	                              0x79};
	uint8_t c[2], b[300];
	long off;

	while (!R.stop) {
		if (!R.synced) {
			if (!take(c, 1))
				continue;
			if (c[0] == 0x7F && !R.silent) {
				if (R.stray_zero)
					give1(0x00);
				give1(0x79);
				R.synced = true;
			}
			continue;
		}
		if (!take(c, 2))
			continue;
		if ((c[0] ^ c[1]) != 0xFF) {
			give1(0x1F);
			continue;
		}
		switch (c[0]) {
		case 0x00:
			give(get, sizeof(get));
			break;
		case 0x01:
			give((const uint8_t[]){0x79, 0x31, 0, 0, 0x79}, 5);
			break;
		case 0x02:
			give((const uint8_t[]){0x79, 0x01, 0x04, 0x13, 0x79}, 5);
			break;
		case 0x11:
			give1(0x79);
			if ((off = take_addr(1)) < 0 || !take(b, 2))
				break;
			give1(0x79);
			give(R.flash + off, (size_t)b[0] + 1);
			break;
		case 0x31:
			give1(0x79);
			if ((off = take_addr(4)) < 0 || !take(b, 1) ||
			    !take(b + 1, (size_t)b[0] + 2))
				break;
			if (xorsum(b, (size_t)b[0] + 2) != b[b[0] + 2]) {
				give1(0x1F);
				break;
			}
			memcpy(R.flash + off, b + 1, (size_t)b[0] + 1);
			give1(0x79);
			break;
		case 0x44:
			give1(0x79);
			if (!take(b, 3))
				break;
			if (b[0] == 0xFF && b[1] == 0xFF)
				memset(R.flash, 0xFF, FLASH_SIZE);
			give1(0x79);
			break;
		case 0x21:
			give1(0x79);
			if (!take(b, 5))
				break;
			R.go_addr = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			            (uint32_t)b[2] << 8 | b[3];
			give1(0x79);
			R.silent = true;
			R.synced = false;    /* the application runs: no answers */
			break;
		default:
			give1(0x1F);
		}
	}
	return NULL;
}

static void start(void)
{
	R.master = posix_openpt(O_RDWR | O_NOCTTY);
	cr_assert_geq(R.master, 0);
	cr_assert_eq(grantpt(R.master), 0);
	cr_assert_eq(unlockpt(R.master), 0);
	snprintf(port, sizeof(port), "%s", ptsname(R.master));
	memset(R.flash, 0xFF, sizeof(R.flash));
	cr_assert_eq(pthread_create(&R.thread, NULL, respond, NULL), 0);
}

static void setup(void)
{
	memset(&R, 0, sizeof(R));
	ctx = stp_ctx_new();
}

static void teardown(void)
{
	if (R.master > 0) {
		R.stop = true;
		pthread_join(R.thread, NULL);
		close(R.master);
	}
	stp_ctx_free(ctx);
}

TestSuite(backend, .init = setup, .fini = teardown, .timeout = 30);

static stp_status open_with(const char *extra, stp_target **t)
{
	char text[512];
	stp_portspec spec;
	stp_status st;

	snprintf(text, sizeof(text), "port=%s %s", port, extra);
	st = stp_portspec_parse_string(ctx, text, &spec);
	cr_assert_eq(st, STP_OK, "%s: %s", text, stp_last_detail(ctx));
	return stp_target_open(ctx, &spec, t);
}

static void ok(stp_status st)
{
	cr_assert_eq(st, STP_OK, "%s: %s", stp_status_name(st),
	             stp_last_detail(ctx));
}

Test(backend, open_identify_write_read_erase_go)
{
	stp_target *t = NULL;
	uint8_t data[512], back[512];
	stp_erase_req mass = {.kind = STP_ERASE_MASS};

	R.stray_zero = true;
	start();
	ok(open_with("", &t));
	cr_assert_str_eq(stp_target_backend_name(t), "uart");
	const stp_device_info *info = stp_target_info(t);
	const stp_caps *caps = stp_target_caps(t);
	cr_assert_eq(info->pid, 0x413);
	cr_assert_eq(info->bl_version, 0x31);
	cr_assert_str_eq(info->description, "USART bootloader v3.1");
	cr_assert_eq(info->ncommands, 11);
	cr_assert_eq(caps->max_read, 256);
	cr_assert_eq(caps->max_write, 256);
	cr_assert_eq(caps->write_align, 4);
	cr_assert_eq(caps->max_erase_list, 511);
	cr_assert(caps->flags & STP_CAP_MASS_ERASE);
	cr_assert(!(caps->flags & STP_CAP_CRC), "0xA1 is not listed");
	cr_assert(!(caps->flags & STP_CAP_BANK_ERASE), "one bank");
	cr_assert_eq(R.wire[0], 0x7F);

	for (int i = 0; i < 512; i++)
		data[i] = (uint8_t)(i ^ 0x5A);
	ok(stp_target_write(t, FLASH + 0x100, data, sizeof(data)));
	ok(stp_target_read(t, FLASH + 0x100, back, sizeof(back)));
	cr_assert_arr_eq(back, data, sizeof(data));
	ok(stp_target_erase(t, &mass));
	ok(stp_target_read(t, FLASH + 0x100, back, 16));
	cr_assert_eq(back[0], 0xFF);

	ok(stp_target_go(t, FLASH));
	cr_assert_eq(R.go_addr, FLASH);
	cr_assert_eq(stp_target_read(t, FLASH, back, 4), STP_ERR_DISCONNECTED);
	stp_target_close(t);
}

Test(backend, noinit_probes_with_get)
{
	stp_target *t = NULL;

	R.synced = true;
	start();
	ok(open_with("noinit=1", &t));
	cr_assert_eq(R.wire[0], 0x00, "GET, not 0x7F");
	cr_assert_eq(R.wire[1], 0xFF);
	stp_target_close(t);
}

Test(backend, no_answer_to_the_sync)
{
	stp_target *t = NULL;

	R.silent = true;
	start();
	cr_assert_eq(open_with("", &t), STP_ERR_TIMEOUT);
	cr_assert(strstr(stp_last_detail(ctx), port), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_hint(ctx), "BOOT0"));
}

static void refused_untouched(const char *extra, stp_status want,
                              const char *text)
{
	stp_target *t = NULL;

	start();
	cr_assert_eq(open_with(extra, &t), want, "%s: %s", extra,
	             stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), text), "%s", stp_last_detail(ctx));
	usleep(100000);
	cr_assert_eq(R.nwire, 0, "the port was written to");
}

Test(backend, modem_lines_on_a_pty_are_refused_by_name)
{
	refused_untouched("init=-dtr&rts,-rts", STP_ERR_UNSUPPORTED, "dtr");
	cr_assert(strstr(stp_last_detail(ctx), "pseudo-terminal"));
}

Test(backend, cbus_needs_an_ftdi_adapter)
{
	refused_untouched("init=cbus0,-cbus0", STP_ERR_UNSUPPORTED, "cbus0");
}

Test(backend, bad_sequences_are_refused_before_the_port)
{
	refused_untouched("init=rts,bogus", STP_ERR_PORTSPEC, "\"bogus\"");
	cr_assert(strstr(stp_last_hint(ctx), "ENTRY[:EXIT]"));
}

Test(backend, software_flow_control_is_refused)
{
	refused_untouched("fc=Software", STP_ERR_PORTSPEC, "0x11");
}

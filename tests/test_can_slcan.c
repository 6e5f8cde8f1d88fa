/* The slcan host (backends/can/can_slcan.c) against a scripted byte link:
 * the text the host must send and what the adapter answers, byte for
 * byte, with a virtual clock (a read with nothing scripted times out at
 * once and moves the clock on). */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "can_slcan.h"
#include "test_script_link.h"

static script_link *F;
static stp_ctx *ctx;
static slcan *s;

#define H(t) sl_text(F, 'H', t)
#define D(t) sl_text(F, 'D', t)

static void setup(void)
{
	F = sl_new();
	ctx = stp_ctx_new();
	s = slcan_new(ctx, &F->link, "slcan:/dev/ttyACM0");
}

static void teardown(void)
{
	slcan_free(s);
	stp_ctx_free(ctx);
	sl_free(F);
}

static void done(void)
{
	cr_assert_eq(F->at, F->nsteps, "script stopped at step %zu of %zu: %s",
	             F->at, F->nsteps, F->err);
}

TestSuite(slcan, .init = setup, .fini = teardown);

Test(slcan, open_with_acks)
{
	H("C\r");
	D("\r");
	H("S4\r");
	D("\r");
	H("O\r");
	D("\r");
	cr_assert_eq(slcan_start(s, 125, 0), STP_OK, "%s", stp_last_detail(ctx));
	done();
}

Test(slcan, open_without_acks_costs_only_time)
{
	H("C\r");
	H("S8\r");
	H("O\r");
	cr_assert_eq(slcan_start(s, 1000, 0), STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(F->clock, 3 * SLCAN_ACK_MS);
	done();
}

Test(slcan, open_fd_sets_data_rate)
{
	H("C\r");
	D("\r");
	H("S6\r");
	D("\r");
	H("Y2\r");
	D("\r");
	H("O\r");
	D("\r");
	cr_assert_eq(slcan_start(s, 500, 2000), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert(slcan_link(s)->can_fd(slcan_link(s)->user));
	done();
}

Test(slcan, bell_to_close_is_ignored)
{
	H("C\r");
	D("\a");
	H("S4\r");
	D("\r");
	H("O\r");
	D("\r");
	cr_assert_eq(slcan_start(s, 125, 0), STP_OK, "%s", stp_last_detail(ctx));
	done();
}

Test(slcan, bell_to_rate_names_command)
{
	H("C\r");
	D("\r");
	H("S6\r");
	D("\r");
	H("Y5\r");
	D("\a");
	cr_assert_eq(slcan_start(s, 500, 5000), STP_ERR_IO);
	cr_assert(strstr(stp_last_detail(ctx), "Y5"), "%s", stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "5000 kbit/s"));
	done();
}

Test(slcan, bell_to_open_names_command)
{
	H("C\r");
	H("S4\r");
	H("O\r");
	D("\a");
	cr_assert_eq(slcan_start(s, 125, 0), STP_ERR_IO);
	cr_assert(strstr(stp_last_detail(ctx), "to O "), "%s",
	          stp_last_detail(ctx));
	done();
}

Test(slcan, unknown_rates_refused_before_sending)
{
	cr_assert_eq(slcan_start(s, 83, 0), STP_ERR_PORTSPEC);
	cr_assert_eq(slcan_start(s, 125, 3000), STP_ERR_PORTSPEC);
	done();
}

Test(slcan, rate_codes)
{
	static const unsigned r[] = {10, 20, 50, 100, 125, 250, 500, 800, 1000};

	for (int i = 0; i < 9; i++)
		cr_assert_eq(slcan_rate_code(r[i]), i);
	cr_assert_eq(slcan_rate_code(750), -1);
	cr_assert_eq(slcan_data_rate_code(2000), 2);
	cr_assert_eq(slcan_data_rate_code(8000), 8);
	cr_assert_eq(slcan_data_rate_code(3000), -1);
}

Test(slcan, encode_classic_and_fd)
{
	cl_frame f = {.id = 0x79, .len = 0};
	char buf[200];

	cr_assert_eq(slcan_encode(&f, buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "t0790\r");
	f = (cl_frame){.id = 0x11, .len = 5, .data = {0x08, 0, 0x1, 0xab, 0xFF}};
	slcan_encode(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "t0115080001ABFF\r");
	f = (cl_frame){.id = 0x111, .len = 1, .fd = true, .brs = true,
	               .data = {0x5A}};
	slcan_encode(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "b11115A\r");
	f.brs = false;
	slcan_encode(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "d11115A\r");
	f = (cl_frame){.id = 0x31, .len = 12, .fd = true, .brs = true};
	memset(f.data, 0xEE, 12);
	slcan_encode(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "b0319EEEEEEEEEEEEEEEEEEEEEEEE\r");
	f.len = 64;
	cr_assert_eq(slcan_encode(&f, buf, sizeof(buf)), 1 + 3 + 1 + 128 + 1);
	cr_assert_eq(buf[4], 'F');
	f = (cl_frame){.id = 0x1ABCDEF0, .ext = true, .len = 1, .data = {1}};
	slcan_encode(&f, buf, sizeof(buf));
	cr_assert_str_eq(buf, "T1ABCDEF0101\r");
}

Test(slcan, encode_refuses_illegal_lengths)
{
	cl_frame f = {.id = 1, .len = 10, .fd = true};
	char buf[200];

	cr_assert_eq(slcan_encode(&f, buf, sizeof(buf)), 0);
	f.fd = false;
	f.len = 12;
	cr_assert_eq(slcan_encode(&f, buf, sizeof(buf)), 0);
}

Test(slcan, decode_lengths_and_case)
{
	cl_frame f;

	cr_assert(slcan_decode("t079179", 7, &f));
	cr_assert_eq(f.id, 0x79);
	cr_assert_eq(f.len, 1);
	cr_assert_eq(f.data[0], 0x79);
	cr_assert_not(f.fd);
	cr_assert(slcan_decode("t0112abcd", 9, &f));
	cr_assert_eq(f.data[1], 0xCD);
	cr_assert(slcan_decode("b011D", 5 + 64, &f) == false);
	char line[200] = "b011D";
	for (int i = 0; i < 32; i++)
		strcat(line, "a5");
	cr_assert(slcan_decode(line, strlen(line), &f));
	cr_assert(f.fd && f.brs);
	cr_assert_eq(f.len, 32);
	cr_assert_eq(f.data[31], 0xA5);
	cr_assert(slcan_decode("d0000", 5, &f));
	cr_assert(f.fd && !f.brs);
	cr_assert_not(slcan_decode("t0799", 5, &f)); /* classic DLC 9 */
	cr_assert_not(slcan_decode("t07", 3, &f));
	cr_assert_not(slcan_decode("z", 1, &f));
	cr_assert_not(slcan_decode("V1013", 5, &f));
	cr_assert_not(slcan_decode("t0792zz", 7, &f));
	/* a timestamp after the data is ignored */
	cr_assert(slcan_decode("t079179BEEF", 11, &f));
	cr_assert_eq(f.len, 1);
}

Test(slcan, recv_skips_acks_and_other_lines)
{
	const can_link *l = slcan_link(s);
	cl_frame f = {.id = 0x79};

	H("t0790\r");
	D("z\r");
	D("\r");
	D("F00\r");
	D("t079179\r");
	cr_assert_eq(l->send(l->user, &f), 0, "%s", l->error(l->user));
	cr_assert_eq(l->recv(l->user, &f, 100), 1, "%s", l->error(l->user));
	cr_assert_eq(f.id, 0x79);
	cr_assert_eq(f.data[0], 0x79);
	cr_assert_eq(l->recv(l->user, &f, 100), 0);
	done();
}

Test(slcan, recv_bell_is_an_error)
{
	const can_link *l = slcan_link(s);
	cl_frame f;

	D("\a");
	cr_assert_eq(l->recv(l->user, &f, 100), -1);
	cr_assert(strstr(l->error(l->user), "BELL"));
	done();
}

Test(slcan, set_bitrate_reopens)
{
	const can_link *l = slcan_link(s);

	H("C\r");
	H("S4\r");
	H("O\r");
	cr_assert_eq(slcan_start(s, 125, 0), STP_OK);
	H("C\r");
	D("\r");
	H("S6\r");
	D("\r");
	H("O\r");
	D("\r");
	D("t0031");
	D("79\r");
	cl_frame f;
	cr_assert_eq(l->set_bitrate(l->user, 500), 0, "%s", l->error(l->user));
	cr_assert_eq(l->recv(l->user, &f, 100), 1);
	cr_assert_eq(f.id, 0x03);
	done();
}

Test(slcan, frame_during_command_wait_is_kept)
{
	const can_link *l = slcan_link(s);
	cl_frame f;

	H("C\r");
	H("S4\r");
	H("O\r");
	D("t0791790\r");  /* trailing junk after the data: still a frame */
	cr_assert_eq(slcan_start(s, 125, 0), STP_OK);
	cr_assert_eq(l->recv(l->user, &f, 100), 1);
	cr_assert_eq(f.id, 0x79);
	done();
}

Test(slcan, version)
{
	char v[32];

	H("V\r");
	D("V1013\r");
	cr_assert(slcan_version(s, v, sizeof(v), 100));
	cr_assert_str_eq(v, "V1013");
	done();
}

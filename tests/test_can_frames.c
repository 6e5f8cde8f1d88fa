/* The SocketCAN frame layer (backends/can/can_socket.c): classic and FD
 * records in and out over a SOCK_SEQPACKET socketpair standing in for
 * the CAN socket (same record sizes, message boundaries kept), the
 * interface checks, and, when STMPROG_TEST_CAN_IF names a real CAN
 * interface (vcan0 in a VM), frames through the kernel. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/can.h>
#include <linux/can/raw.h>

#include "can_socket.h"

static int peer = -1;
static cansock *cs;
static const can_link *L;

static void pair(bool fd)
{
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0, "%s",
	             strerror(errno));
	peer = sv[1];
	cs = cansock_from_fd(sv[0], fd, "pair0");
	cr_assert_not_null(cs);
	L = cansock_link(cs);
}

static void teardown(void)
{
	cansock_close(cs);
	cs = NULL;
	if (peer >= 0)
		close(peer);
	peer = -1;
}

TestSuite(frames, .fini = teardown);

Test(frames, classic_frame_out_is_a_can_frame)
{
	cl_frame f = {.id = 0x11, .len = 5, .data = {8, 0, 0, 0, 0xFF}};
	struct canfd_frame got;

	pair(false);
	cr_assert_eq(L->send(L->user, &f), 0, "%s", L->error(L->user));
	cr_assert_eq(read(peer, &got, sizeof(got)), (ssize_t)CAN_MTU);
	cr_assert_eq(got.can_id, 0x11);
	cr_assert_eq(got.len, 5);
	cr_assert_eq(got.data[4], 0xFF);
}

Test(frames, fd_frame_out_has_brs)
{
	cl_frame f = {.id = 0x111, .len = 1, .fd = true, .brs = true,
	              .data = {0x5A}};
	struct canfd_frame got;

	pair(true);
	cr_assert_eq(L->send(L->user, &f), 0, "%s", L->error(L->user));
	cr_assert_eq(read(peer, &got, sizeof(got)), (ssize_t)CANFD_MTU);
	cr_assert_eq(got.can_id, 0x111);
	cr_assert_eq(got.len, 1);
	cr_assert(got.flags & CANFD_BRS);
	cr_assert_eq(got.data[0], 0x5A);
}

Test(frames, fd_frame_refused_on_classic_socket)
{
	cl_frame f = {.id = 0x111, .len = 1, .fd = true};

	pair(false);
	cr_assert_eq(L->send(L->user, &f), -1);
	cr_assert(strstr(L->error(L->user), "FD"));
	cr_assert_not(L->can_fd(L->user));
}

Test(frames, classic_and_fd_in)
{
	struct can_frame c = {.can_id = 0x79, .can_dlc = 1, .data = {0x79}};
	struct canfd_frame d = {.can_id = 0x11, .len = 64, .flags = CANFD_BRS};
	cl_frame f;

	pair(true);
	memset(d.data, 0xA5, 64);
	cr_assert_eq(write(peer, &c, CAN_MTU), (ssize_t)CAN_MTU);
	cr_assert_eq(write(peer, &d, CANFD_MTU), (ssize_t)CANFD_MTU);
	cr_assert_eq(L->recv(L->user, &f, 1000), 1, "%s", L->error(L->user));
	cr_assert_eq(f.id, 0x79);
	cr_assert_not(f.fd);
	cr_assert_eq(f.len, 1);
	cr_assert_eq(f.data[0], 0x79);
	cr_assert_eq(L->recv(L->user, &f, 1000), 1, "%s", L->error(L->user));
	cr_assert(f.fd && f.brs);
	cr_assert_eq(f.len, 64);
	cr_assert_eq(f.data[63], 0xA5);
}

Test(frames, error_and_remote_frames_skipped_then_timeout)
{
	struct can_frame e = {.can_id = CAN_ERR_FLAG | 0x4, .can_dlc = 8};
	struct can_frame r = {.can_id = CAN_RTR_FLAG | 0x11};
	struct can_frame x = {.can_id = CAN_EFF_FLAG | 0x1234567, .can_dlc = 2,
	                      .data = {1, 2}};
	cl_frame f;

	pair(false);
	cr_assert_eq(write(peer, &e, CAN_MTU), (ssize_t)CAN_MTU);
	cr_assert_eq(write(peer, &r, CAN_MTU), (ssize_t)CAN_MTU);
	cr_assert_eq(write(peer, &x, CAN_MTU), (ssize_t)CAN_MTU);
	cr_assert_eq(L->recv(L->user, &f, 1000), 1);
	cr_assert(f.ext);
	cr_assert_eq(f.id, 0x1234567);
	cr_assert_eq(L->recv(L->user, &f, 20), 0);
}

Test(frames, closed_peer_is_an_error)
{
	cl_frame f;

	pair(false);
	close(peer);
	peer = -1;
	cr_assert_eq(L->recv(L->user, &f, 100), -1);
	cr_assert(strstr(L->error(L->user), "pair0"), "%s", L->error(L->user));
}

Test(frames, missing_interface_is_explained)
{
	stp_ctx *ctx = stp_ctx_new();
	cansock *c = NULL;
	stp_status st = cansock_open(ctx, "nosuchcan7", 125, 2000, false, &c);

	cr_assert_null(c);
	if (st == STP_ERR_UNSUPPORTED) {
		/* No CAN in this kernel: the hint says how to get it. */
		cr_assert(strstr(stp_last_hint(ctx), "modprobe"));
	} else {
		cr_assert_eq(st, STP_ERR_NOT_FOUND, "%s", stp_last_detail(ctx));
		cr_assert(strstr(stp_last_detail(ctx), "nosuchcan7"));
		cr_assert(strstr(stp_last_hint(ctx), "ip link"));
	}
	cr_assert_eq(cansock_open(ctx, "a_very_long_interface_name", 125, 0,
	                          false, &c), STP_ERR_PORTSPEC);
	stp_ctx_free(ctx);
}

/* ---- a real interface ------------------------------------------------------ */

static int raw_on(const char *ifname, bool fd)
{
	struct sockaddr_can a = {.can_family = AF_CAN};
	struct ifreq ifr;
	int s = socket(PF_CAN, SOCK_RAW, CAN_RAW), on = 1;

	cr_assert_geq(s, 0, "%s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	cr_assert_eq(ioctl(s, SIOCGIFINDEX, &ifr), 0);
	a.can_ifindex = ifr.ifr_ifindex;
	if (fd)
		setsockopt(s, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof(on));
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

Test(frames, real_interface)
{
	const char *ifname = getenv("STMPROG_TEST_CAN_IF");
	stp_ctx *ctx;
	cansock *c = NULL;
	struct can_frame in = {.can_id = 0x79, .can_dlc = 1, .data = {0x79}};
	struct can_frame other = {.can_id = 0x300, .can_dlc = 1};
	struct canfd_frame out;
	cl_frame f = {.id = 0x02, .len = 0};
	int s;

	if (!ifname || !*ifname)
		cr_skip_test("STMPROG_TEST_CAN_IF is not set (e.g. vcan0 after "
		             "`ip link add dev vcan0 type vcan && ip link set vcan0 "
		             "up`)");
	if (!if_nametoindex(ifname))
		cr_skip_test("STMPROG_TEST_CAN_IF=%s: no such interface", ifname);
	ctx = stp_ctx_new();
	cr_assert_eq(cansock_open(ctx, ifname, 125, 2000, false, &c), STP_OK,
	             "%s / %s", stp_last_detail(ctx), stp_last_hint(ctx));
	L = cansock_link(c);
	s = raw_on(ifname, true);
	/* host -> bus */
	cr_assert_eq(L->send(L->user, &f), 0, "%s", L->error(L->user));
	cr_assert_eq(read(s, &out, sizeof(out)), (ssize_t)CAN_MTU);
	cr_assert_eq(out.can_id, 0x02);
	/* bus -> host, with 0x300 filtered out */
	cr_assert_eq(write(s, &other, CAN_MTU), (ssize_t)CAN_MTU);
	cr_assert_eq(write(s, &in, CAN_MTU), (ssize_t)CAN_MTU);
	cr_assert_eq(L->recv(L->user, &f, 1000), 1, "%s", L->error(L->user));
	cr_assert_eq(f.id, 0x79);
	cr_assert_eq(f.data[0], 0x79);
	if (L->can_fd(L->user)) {
		struct canfd_frame d = {.can_id = 0x111, .len = 1,
		                        .flags = CANFD_BRS, .data = {0x79}};
		cr_assert_eq(write(s, &d, CANFD_MTU), (ssize_t)CANFD_MTU);
		cr_assert_eq(L->recv(L->user, &f, 1000), 1);
		cr_assert(f.fd);
		cr_assert_eq(f.id, 0x111);
	}
	close(s);
	cansock_close(c);
	stp_ctx_free(ctx);
}

/* SocketCAN frames behind the frame link (can_socket.h).
 *
 * The kernel does the CAN work (bit timing, CRC, acknowledge, automatic
 * retransmission); this file moves struct can_frame / canfd_frame
 * records and explains the interface's state when it is missing, down or
 * not in FD mode, naming the ip commands that fix it. */
#include "config.h"

#ifdef HAVE_SOCKETCAN

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/can.h>
#include <linux/can/raw.h>

#include "can_socket.h"

/* Send retries while the kernel's transmit queue is full (ENOBUFS): a
 * bus with nobody acknowledging fills it in a few frames. */
#define TXQ_TRIES 50
#define TXQ_WAIT_MS 2

struct cansock {
	int fd;
	bool fd_frames;          /* the socket carries canfd_frame records */
	char name[IFNAMSIZ + 16];
	can_link link;
	char err[768];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
	                      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the frame link ----------------------------------------------------- */

static int l_send(void *user, const cl_frame *f)
{
	cansock *cs = user;
	struct canfd_frame fr;
	size_t size;

	memset(&fr, 0, sizeof(fr));
	fr.can_id = f->ext ? (f->id & CAN_EFF_MASK) | CAN_EFF_FLAG
	                   : f->id & CAN_SFF_MASK;
	fr.len = f->len;
	memcpy(fr.data, f->data, f->len);
	if (f->fd) {
		if (!cs->fd_frames) {
			snprintf(cs->err, sizeof(cs->err),
			         "%s does not carry CAN FD frames", cs->name);
			return -1;
		}
		fr.flags = f->brs ? CANFD_BRS : 0;
		size = CANFD_MTU;
	} else {
		if (f->len > CAN_MAX_DLEN) {
			snprintf(cs->err, sizeof(cs->err),
			         "a classic frame of %u bytes", f->len);
			return -1;
		}
		size = CAN_MTU;
	}
	for (unsigned i = 0;; i++) {
		ssize_t n = write(cs->fd, &fr, size);
		if (n == (ssize_t)size)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS && i < TXQ_TRIES) {
			pause_ms(TXQ_WAIT_MS);
			continue;
		}
		if (n < 0 && errno == ENOBUFS)
			snprintf(cs->err, sizeof(cs->err),
			         "the transmit queue of %s stays full: no node "
			         "acknowledges frames (is the chip connected and at "
			         "the same bit rate?)",
			         cs->name);
		else if (n < 0 && errno == ENETDOWN)
			snprintf(cs->err, sizeof(cs->err), "%s went down", cs->name);
		else if (n < 0)
			snprintf(cs->err, sizeof(cs->err), "writing to %s: %s",
			         cs->name, strerror(errno));
		else
			snprintf(cs->err, sizeof(cs->err),
			         "writing to %s: %zd of %zu bytes", cs->name, n, size);
		return -1;
	}
}

static int l_recv(void *user, cl_frame *f, unsigned timeout_ms)
{
	cansock *cs = user;
	uint64_t deadline = mono_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = {.fd = cs->fd, .events = POLLIN};
		uint64_t now = mono_ms();
		struct canfd_frame fr;
		ssize_t n;
		int r;

		r = poll(&p, 1, now >= deadline ? 0 : (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(cs->err, sizeof(cs->err), "waiting on %s: %s",
			         cs->name, strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;
		n = read(cs->fd, &fr, sizeof(fr));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			snprintf(cs->err, sizeof(cs->err), "reading from %s: %s",
			         cs->name, strerror(errno));
			return -1;
		}
		if (n == 0) {
			snprintf(cs->err, sizeof(cs->err), "%s was closed", cs->name);
			return -1;
		}
		if (n != CAN_MTU && n != CANFD_MTU)
			continue;
		/* Error frames and remote requests are nobody's answer. */
		if (fr.can_id & (CAN_ERR_FLAG | CAN_RTR_FLAG))
			continue;
		memset(f, 0, sizeof(*f));
		f->ext = (fr.can_id & CAN_EFF_FLAG) != 0;
		f->id = fr.can_id & (f->ext ? CAN_EFF_MASK : CAN_SFF_MASK);
		f->fd = n == CANFD_MTU;
		f->brs = f->fd && (fr.flags & CANFD_BRS);
		f->len = fr.len > (f->fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN)
		         ? (f->fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN)
		         : fr.len;
		memcpy(f->data, fr.data, f->len);
		return 1;
	}
}

static bool l_can_fd(void *user)
{
	cansock *cs = user;

	return cs->fd_frames;
}

static uint64_t l_now(void *user)
{
	(void)user;
	return mono_ms();
}

static void l_sleep(void *user, unsigned ms)
{
	(void)user;
	pause_ms(ms);
}

static const char *l_error(void *user)
{
	cansock *cs = user;

	return cs->err;
}

cansock *cansock_from_fd(int fd, bool fd_frames, const char *name)
{
	cansock *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->fd = fd;
	cs->fd_frames = fd_frames;
	snprintf(cs->name, sizeof(cs->name), "%s", name);
	cs->link = (can_link){
		.user = cs,
		.send = l_send,
		.recv = l_recv,
		.set_bitrate = NULL,
		.can_fd = l_can_fd,
		.now_ms = l_now,
		.sleep_ms = l_sleep,
		.error = l_error,
	};
	return cs;
}

void cansock_close(cansock *cs)
{
	if (!cs)
		return;
	if (cs->fd >= 0)
		close(cs->fd);
	free(cs);
}

const can_link *cansock_link(cansock *cs)
{
	return &cs->link;
}

/* ---- opening an interface ------------------------------------------------ */

static stp_status fail_sock(stp_ctx *ctx, int fd, stp_status st,
                            const char *hint, const char *fmt,
                            const char *ifname, const char *why)
{
	if (fd >= 0)
		close(fd);
	return stp_fail(ctx, st, hint, fmt, ifname, why);
}

stp_status cansock_open(stp_ctx *ctx, const char *ifname, unsigned kbps,
                        unsigned data_kbps, bool want_fd, cansock **out)
{
	/* Replies come on 0x000..0x0FF (the command codes, 0x79) and on
	 * 0x111 (the FDCAN start frame); standard identifiers only. */
	struct can_filter filter[2] = {
		{.can_id = 0x000,
		 .can_mask = 0x700 | CAN_EFF_FLAG | CAN_RTR_FLAG},
		{.can_id = 0x111,
		 .can_mask = CAN_SFF_MASK | CAN_EFF_FLAG | CAN_RTR_FLAG},
	};
	struct sockaddr_can addr;
	struct ifreq ifr;
	char hint[512];
	int fd, on = 1;
	bool fd_frames = false;

	*out = NULL;
	if (strlen(ifname) >= IFNAMSIZ)
		return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
		                "port=%s: network interface names have at most %d "
		                "characters",
		                ifname, IFNAMSIZ - 1);
	fd = socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC, CAN_RAW);
	if (fd < 0)
		return stp_fail(ctx, errno == EAFNOSUPPORT || errno ==
		                     EPROTONOSUPPORT ? STP_ERR_UNSUPPORTED : STP_ERR_IO,
		                "load the kernel's CAN support: `modprobe can-raw` "
		                "(needs root)",
		                "cannot open a CAN socket for %s: %s", ifname,
		                strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		snprintf(hint, sizeof(hint),
		         "`ip link show type can` lists CAN interfaces; plug the "
		         "adapter in (USB adapters with the gs_usb, peak_usb or "
		         "kvaser_usb driver appear as can0), attach a serial slcan "
		         "adapter with `slcand -o -s%d /dev/ttyACM0 slcan0` or use "
		         "port=slcan:/dev/ttyACM0 directly; a virtual bus: "
		         "`ip link add dev vcan0 type vcan` (needs root)",
		         kbps == 125 ? 4 : kbps == 250 ? 5 : kbps == 500 ? 6 : 8);
		return fail_sock(ctx, fd, STP_ERR_NOT_FOUND, hint,
		                 "no network interface %s: %s", ifname,
		                 strerror(errno));
	}
	addr = (struct sockaddr_can){.can_family = AF_CAN,
	                             .can_ifindex = ifr.ifr_ifindex};
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		if (!strncmp(ifname, "vcan", 4))
			snprintf(hint, sizeof(hint),
			         "bring it up (needs root or CAP_NET_ADMIN): `ip link "
			         "set %s up`",
			         ifname);
		else if (want_fd)
			snprintf(hint, sizeof(hint),
			         "set its rates and bring it up (needs root or "
			         "CAP_NET_ADMIN): `ip link set %s type can bitrate %u000 "
			         "dbitrate %u000 fd on` and `ip link set %s up`",
			         ifname, kbps, data_kbps, ifname);
		else
			snprintf(hint, sizeof(hint),
			         "set its rate and bring it up (needs root or "
			         "CAP_NET_ADMIN): `ip link set %s type can bitrate %u000` "
			         "and `ip link set %s up`",
			         ifname, kbps, ifname);
		return fail_sock(ctx, fd, STP_ERR_IO, hint,
		                 "CAN interface %s is down%s", ifname, "");
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == CANFD_MTU &&
	    setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof(on)) == 0)
		fd_frames = true;
	if (setsockopt(fd, SOL_CAN_RAW, CAN_RAW_FILTER, filter,
	               sizeof(filter)) < 0)
		return fail_sock(ctx, fd, STP_ERR_IO, NULL,
		                 "setting the receive filter on %s: %s", ifname,
		                 strerror(errno));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail_sock(ctx, fd, STP_ERR_IO, NULL,
		                 "cannot bind a CAN socket to %s: %s", ifname,
		                 strerror(errno));
	if (!(*out = cansock_from_fd(fd, fd_frames, ifname))) {
		close(fd);
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	}
	return STP_OK;
}

/* ---- listing ---------------------------------------------------------------- */

static long sysfs_long(const char *name, const char *attr, int base)
{
	char path[256], buf[64];
	FILE *f;
	long v = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	if (!(f = fopen(path, "r")))
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, base);
	fclose(f);
	return v;
}

void cansock_list(cansock_if_fn fn, void *user)
{
	struct if_nameindex *ifs = if_nameindex();

	if (!ifs)
		return;
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		long flags;
		/* 280 is ARPHRD_CAN. */
		if (sysfs_long(i->if_name, "type", 10) != 280)
			continue;
		flags = sysfs_long(i->if_name, "flags", 16);
		fn(user, i->if_name, flags >= 0 && (flags & IFF_UP),
		   sysfs_long(i->if_name, "mtu", 10) == CANFD_MTU);
	}
	if_freenameindex(ifs);
}

#endif /* HAVE_SOCKETCAN */

/* The frame link the CAN bootloader protocols (an3154.c, an5405.c) run
 * over.  SocketCAN (can_socket.c) and slcan adapters (can_slcan.c) each
 * provide one; the tests provide a scripted one with a virtual clock, so
 * the protocols never see a socket or a serial port, and a 30 s erase
 * deadline costs nothing in a test. */
#ifndef STMPROG_CAN_LINK_H
#define STMPROG_CAN_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CL_MAX_DATA 64

/* One CAN frame, classic or FD, as the protocols see it. */
typedef struct cl_frame {
	uint32_t id;            /* 11-bit, or 29-bit when ext */
	bool ext;               /* 29-bit identifier */
	bool fd;                /* CAN FD frame */
	bool brs;               /* FD: data phase at the data bit rate */
	uint8_t len;            /* data bytes: 0..8, or an FD length */
	uint8_t data[CL_MAX_DATA];
} cl_frame;

typedef struct can_link {
	void *user;
	/* Queues one frame on the bus; 0, or -1 with error() saying why. */
	int (*send)(void *user, const cl_frame *f);
	/* Queues n frames in order, in one write to the adapter where it
	 * can (slcan: one write(2) instead of n, each a USB transfer);
	 * optional: NULL sends them one by one. */
	int (*send_many)(void *user, const cl_frame *f, size_t n);
	/* Waits up to timeout_ms for one frame: 1 when *f holds one, 0 on
	 * timeout, -1 with error() saying why. */
	int (*recv)(void *user, cl_frame *f, unsigned timeout_ms);
	/* Changes the adapter's nominal bit rate (AN3154 SPEED): 0, -1 with
	 * error() saying why.  NULL when the adapter's rate is set outside
	 * the process (SocketCAN). */
	int (*set_bitrate)(void *user, unsigned kbps);
	/* Whether the adapter can carry FD frames right now. */
	bool (*can_fd)(void *user);
	uint64_t (*now_ms)(void *user);       /* monotonic */
	void (*sleep_ms)(void *user, unsigned ms);
	const char *(*error)(void *user);
} can_link;

/* CAN FD data lengths by DLC code 0..15. */
static const uint8_t cl_dlc_len[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8,
                                       12, 16, 20, 24, 32, 48, 64};

/* The smallest legal FD length that holds n bytes (n <= 64). */
static inline uint8_t cl_fd_len(size_t n)
{
	for (unsigned i = 0; i < 16; i++)
		if (cl_dlc_len[i] >= n)
			return cl_dlc_len[i];
	return 64;
}

/* The DLC code of a legal length, or -1. */
static inline int cl_len_dlc(unsigned len)
{
	for (int i = 0; i < 16; i++)
		if (cl_dlc_len[i] == len)
			return i;
	return -1;
}

#endif

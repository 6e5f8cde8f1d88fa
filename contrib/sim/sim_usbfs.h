/* stmprog-sim: a usbfs device's URB bookkeeping on umockdev.
 *
 * A simulated USB device (sim_usb.c's DfuSe ROM, sim_ftdi.c's FT230X)
 * answers the usbfs ioctls of /dev/bus/usb/BBB/DDD in a umockdev ioctl
 * handler.  The device decides what a transfer does and when its answer
 * is ready; this file keeps the submitted URBs until the host reaps
 * them: one list per handler, each URB owned by the client (the host
 * process) that submitted it.
 *
 * Locking is the device's: the list shares the device's mutex, since a
 * submit runs the device model and queues its URB in one critical
 * section.  Every function but the client-vanished handler is called
 * with that mutex held (from the device's ioctl handler). */
#ifndef STMPROG_SIM_USBFS_H
#define STMPROG_SIM_USBFS_H

#include <pthread.h>
#include <stdint.h>

#include <umockdev.h>

/* A URB's buffer: a control transfer's setup bytes and the largest data
 * stage a DfuSe ROM takes (wTransferSize 4096). */
#define SIM_USBFS_DATA_MAX (8 + 4096)

/* A submitted URB waiting to be reaped. */
typedef struct sim_usbfs_urb {
	UMockdevIoctlData *urb;    /* the struct usbdevfs_urb */
	UMockdevIoctlData *buf;    /* its buffer (NULL: length 0) */
	char devnode[64];          /* where it was submitted */
	/* The process that submitted it (umockdev keeps one client per
	 * connection): only it may reap it, and its URBs go when it does, so
	 * a host killed mid-transfer leaves nothing for the next one to
	 * reap in its place. */
	UMockdevIoctlClient *owner;
	int64_t ready_at;          /* not reaped before (sim_now_ns); 0: at once */
	int status;                /* 0 or -errno */
	int actual;
	/* The buffer as submitted; at reap, in_len bytes from in_at (the IN
	 * data the device wrote there) go back to the host's buffer. */
	uint8_t data[SIM_USBFS_DATA_MAX];
	int in_at, in_len;
	struct sim_usbfs_urb *next;
} sim_usbfs_urb;

typedef struct sim_usbfs {
	pthread_mutex_t *lock;     /* the device's */
	sim_usbfs_urb *urbs;       /* in submit order */
} sim_usbfs;

/* An empty list guarded by lock; drops a client's URBs when umockdev
 * says it has gone (handler's "client-vanished"). */
void sim_usbfs_init(sim_usbfs *q, pthread_mutex_t *lock,
                    UMockdevIoctlBase *handler);
/* No more calls from handler into q (before q's memory goes). */
void sim_usbfs_unwatch(sim_usbfs *q, UMockdevIoctlBase *handler);
/* Frees every URB left. */
void sim_usbfs_clear(sim_usbfs *q);

/* USBDEVFS_SUBMITURB, first step: the struct usbdevfs_urb at arg, or NULL
 * with the ioctl completed (EFAULT). */
UMockdevIoctlData *sim_usbfs_urb_header(UMockdevIoctlClient *client,
                                        UMockdevIoctlData *arg);
/* Second step: a URB holding a copy of the buffer, which takes over
 * urb_data; NULL (the buffer unreadable, longer than SIM_USBFS_DATA_MAX,
 * or no memory) leaves urb_data and the ioctl's answer to the caller. */
sim_usbfs_urb *sim_usbfs_urb_new(UMockdevIoctlClient *client,
                                 UMockdevIoctlData *urb_data);
/* Frees a URB that was not queued. */
void sim_usbfs_urb_free(sim_usbfs_urb *u);
/* Last step: u (its status, actual length and IN data filled in) waits
 * for its reap; the submit succeeds. */
void sim_usbfs_submitted(sim_usbfs *q, UMockdevIoctlClient *client,
                         sim_usbfs_urb *u);

/* USBDEVFS_REAPURB(NDELAY): hands back the client's first URB on its
 * devnode whose ready_at has come, or fails with EAGAIN. */
void sim_usbfs_reap(sim_usbfs *q, UMockdevIoctlClient *client,
                    UMockdevIoctlData *arg);
/* USBDEVFS_DISCARDURB for URBs that are in flight until their reap: the
 * URB is handed back cancelled (-ENOENT) at once; EINVAL if unknown. */
void sim_usbfs_discard(sim_usbfs *q, UMockdevIoctlClient *client,
                       UMockdevIoctlData *arg);
/* USBDEVFS_GET_CAPABILITIES: answers caps. */
void sim_usbfs_capabilities(UMockdevIoctlClient *client,
                            UMockdevIoctlData *arg, uint32_t caps);

#endif

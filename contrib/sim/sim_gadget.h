/* stmprog-sim: the gadget transport, the DfuSe ROM as a real USB device.
 *
 * The same ROM as the usb transport (sim_dfuse.c, sim_usb_desc.c), served
 * through Linux's gadgetfs on a USB device controller (dummy_hcd's
 * dummy_udc in the tests), so the host side of the same kernel enumerates
 * it and COMMAND reaches it through the real usbfs, with no preload.
 * Linux only; sim_transport.c lists it where linux/usb/gadgetfs.h is. */
#ifndef STMPROG_SIM_GADGET_H
#define STMPROG_SIM_GADGET_H

#include "sim_transport.h"

/* The DfuSe model is built with the usb transport (umockdev); gadgetfs's
 * header comes with the Linux UAPI headers (linux-libc-dev). */
#if defined(HAVE_UMOCKDEV) && defined(__linux__) && defined(__has_include)
#if __has_include(<linux/usb/gadgetfs.h>)
#define SIM_HAVE_GADGET 1
#endif
#endif

/* Where gadgetfs is mounted unless STMPROG_SIM_GADGETFS says otherwise. */
#define SIM_GADGET_DIR "/dev/gadget"

/* gadgetfs answers control transfers from a 256-byte buffer (RBUF_SIZE
 * in drivers/usb/gadget/legacy/inode.c): it stalls an OUT request with
 * more data and cuts an IN request's wLength to it.  The gadget shows
 * this wTransferSize instead of the ROM's 2048 unless
 * STMPROG_SIM_GADGET_XFER asks for another (the tests ask for 2048 to
 * show the limit). */
#define SIM_GADGET_XFER 256

#ifdef SIM_HAVE_GADGET
extern const sim_transport_ops sim_gadget_transport;
#endif

#endif

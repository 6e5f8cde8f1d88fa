/* A CAN frame link (backends/can/can_link.h) whose received frames are
 * the fuzz input's device bytes: per frame a header byte, the identifier,
 * the data.  Header: bit 0 extended identifier (4 bytes, else 2), bit 1
 * FD, bit 2 BRS, bits 4-7 the DLC code; 0xFF is a receive error, 0xFE a
 * timeout.  Out of bytes, every receive times out. */
#ifndef STMPROG_FUZZ_FAKE_CAN_H
#define STMPROG_FUZZ_FAKE_CAN_H

#include "can_link.h"
#include "fuzz_fake_input.h"

void fz_can_link(fz_in *in, can_link *cl, bool fd);
/* One frame from the device bytes as the link would deliver it: 1, 0 on
 * a timeout, -1 on an error (also used by the slcan harness's
 * round trip). */
int fz_can_frame(fz_in *in, cl_frame *f);

#endif

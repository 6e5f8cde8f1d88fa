/* The host side of the Lawicel "slcan" ASCII protocol that USB-to-CAN
 * adapters (CANable, USBtin, and many others) speak over a serial port,
 * behind the frame link (can_link.h).  It runs over a byte_link so tests
 * script the adapter byte for byte. */
#ifndef STMPROG_CAN_SLCAN_H
#define STMPROG_CAN_SLCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "byte_link.h"
#include "can_link.h"
#include "stmprog/context.h"

typedef struct slcan slcan;

/* How long one command waits for the adapter's CR or BELL.  Many
 * firmwares never answer, so silence is taken as success. */
#define SLCAN_ACK_MS 100

/* The S digit for a nominal rate in kbit/s, or -1. */
int slcan_rate_code(unsigned kbps);
/* The Y digit for an FD data rate in kbit/s, or -1. */
int slcan_data_rate_code(unsigned kbps);

/* Text for one frame, CR included ("t0790\r"); its length, or 0 when the
 * frame cannot be written (an FD length that is not legal, classic with
 * more than 8 bytes). */
size_t slcan_encode(const cl_frame *f, char *buf, size_t size);
/* A received line without its CR: true and *f filled when it is a frame
 * (t T d D b B; remote frames r R are reported with no data). */
bool slcan_decode(const char *line, size_t n, cl_frame *f);

/* Wraps bl (which must outlive the result).  Nothing is sent yet. */
slcan *slcan_new(stp_ctx *ctx, const byte_link *bl, const char *port);
void slcan_free(slcan *s);
/* C (a BELL to it is ignored: the channel was closed already), S<n>,
 * Y<n> when data_kbps is not 0 (FD), O.  A BELL to S, Y or O fails,
 * naming the command. */
stp_status slcan_start(slcan *s, unsigned kbps, unsigned data_kbps);
/* C, so the adapter stops acknowledging frames on the bus. */
void slcan_stop(slcan *s);
/* The frame link; set_bitrate re-opens at the new rate (C, S<n>, O). */
const can_link *slcan_link(slcan *s);
/* The adapter's V answer ("V1013"), "" when it gave none; waits ms. */
bool slcan_version(slcan *s, char *buf, size_t size, unsigned ms);

#endif

/* The FTDI latency timer: ftdi_sio holds received bytes for up to this
 * many milliseconds (16 by default) before handing them over, and AN3155
 * turns the line around for every ACK, so at 16 ms a session runs about
 * 1.7 times longer than at 1 ms (field report: 39 s against 23 s for the
 * same 66 KB).  Linux exposes the timer in sysfs:
 *   /sys/bus/usb-serial/devices/ttyUSBn/latency_timer
 * STMPROG_SYSFS_ROOT replaces /sys, for tests. */
#ifndef STMPROG_UART_LATENCY_H
#define STMPROG_UART_LATENCY_H

#include <stdbool.h>
#include <stddef.h>

#include "stmprog/context.h"

#define LATENCY_ENV "STMPROG_SYSFS_ROOT"

typedef enum latency_result {
	LATENCY_NONE = 0,   /* no such file: not an ftdi_sio port, or not Linux */
	LATENCY_ALREADY,    /* already 1 ms */
	LATENCY_SET,        /* lowered to 1 ms */
	LATENCY_DENIED      /* could not write it; a note was logged */
} latency_result;

/* The latency_timer file of port (a /dev path, symlinks followed) into
 * buf; false when the name is not a tty. */
bool latency_path(const char *port, char *buf, size_t len);
/* The timer in ms, or -1 when it cannot be read. */
int latency_read(const char *port);
/* Lowers the timer to 1 ms when it is higher.  Never fails: when the file
 * is not writable it logs a note naming the file and the fix. */
latency_result latency_lower(stp_ctx *ctx, const char *port);

#endif

/* A link that moves bytes and owns time: what the bootloader protocols
 * (AN3155 over a UART, Lawicel slcan text for CAN) run over, so each
 * protocol is tested against a scripted link with a virtual clock and
 * run against a serial port (serial_link.h) in real use. */
#ifndef STMPROG_SERIAL_BYTE_LINK_H
#define STMPROG_SERIAL_BYTE_LINK_H

#include <stddef.h>
#include <stdint.h>

/* The byte link.  It owns time as well as bytes: a scripted test link
 * advances a virtual clock when a read times out or the protocol pauses,
 * so a 35 s re-sync deadline costs nothing in a test. */
typedef struct byte_link {
	void *user;
	/* Sends all of buf; 0, or -1 with error() saying why. */
	int (*write)(void *user, const uint8_t *buf, size_t len);
	/* Waits up to timeout_ms for len bytes; returns how many arrived
	 * (fewer on timeout), or -1 with error() saying why. */
	int (*read)(void *user, uint8_t *buf, size_t len, unsigned timeout_ms);
	/* Drops bytes received and not read yet. */
	void (*flush)(void *user);
	uint64_t (*now_ms)(void *user);       /* monotonic */
	void (*sleep_ms)(void *user, unsigned ms);
	const char *(*error)(void *user);
} byte_link;

#endif

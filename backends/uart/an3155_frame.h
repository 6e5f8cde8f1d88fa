/* Inside the AN3155 layer: one exchange's building blocks and the retry
 * loop, shared by an3155.c (framing, sync, recovery, identification),
 * an3155_mem.c (memory commands) and an3155_reset.c (commands that reset
 * the device).  Not used outside an3155*.c. */
#ifndef STMPROG_UART_AN3155_FRAME_H
#define STMPROG_UART_AN3155_FRAME_H

#include "an3155.h"

/* How one exchange ended; only RES_OK and RES_IO are final, the others
 * are tried again (an_tries). */
typedef enum an_res {
	RES_OK = 0,
	RES_NACK,      /* the ROM refused; it waits for a command again */
	RES_TIMEOUT,   /* no answer; the ROM may be inside a frame */
	RES_JUNK,      /* an unexpected byte */
	RES_IO,        /* the port failed */
	RES_AGAIN      /* complete and in step, but the content is doubtful
	                  (GET's list): ask again, no re-sync needed */
} an_res;

/* Records in d->why what went wrong, returns r. */
an_res an_why(an_dev *d, an_res r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
an_res an_xmit(an_dev *d, const uint8_t *buf, size_t n);
/* One 0x7F and up to sync_ms for ACK or NACK (in *answer): 1 when one
 * came, 0 on silence, -1 on a port error (stp_fail done).  Other bytes
 * are counted in *junk, the latest in *last. */
int an_sync_once(an_dev *d, uint8_t *answer, unsigned *junk, uint8_t *last);
an_res an_recv(an_dev *d, uint8_t *buf, size_t n, unsigned ms,
               const char *what);
an_res an_ack(an_dev *d, unsigned ms, const char *after);
/* cmd and its complement, then the ACK (stage AN_AT_CMD). */
an_res an_command(an_dev *d, uint8_t cmd);
/* 4 bytes MSB first and their XOR, then the ACK. */
an_res an_send_word(an_dev *d, uint32_t v, unsigned ms, const char *what);
an_res an_address(an_dev *d, uint32_t addr);
uint8_t an_xor(const uint8_t *b, size_t n);

typedef an_res (*an_once_fn)(an_dev *d, void *arg);
/* Runs fn up to AN_TRIES times, recovering in between; the tries used
 * go to *ntries. */
an_res an_tries(an_dev *d, an_once_fn fn, void *arg, unsigned *ntries);

stp_status an_status(an_res r);
const char *an_default_hint(const an_dev *d, an_res r);
/* Fails when GO left the bootloader or GET did not list cmd. */
stp_status an_usable(an_dev *d, uint8_t cmd);

extern const char an_hint_rdp[];
extern const char an_hint_lost[];

#endif

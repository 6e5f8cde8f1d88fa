/* Inside serial_link: one implementation per way of opening a port
 * (libserialport, termios).  Not used outside serial_*.c. */
#ifndef STMPROG_SERIAL_IMPL_H
#define STMPROG_SERIAL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "serial_link.h"

typedef struct serial_impl {
	/* Both return what byte_link's write and read return. */
	int (*write)(serial_link *sl, const uint8_t *buf, size_t len,
	             unsigned timeout_ms);
	int (*read)(serial_link *sl, uint8_t *buf, size_t len, unsigned timeout_ms);
	void (*flush)(serial_link *sl);
	int (*set_line)(serial_link *sl, ls_signal sig, bool high);
	void (*close)(serial_link *sl);
} serial_impl;

struct serial_link {
	stp_ctx *ctx;            /* for the -vb 3 byte trace */
	const serial_impl *impl;
	void *sp;                /* struct sp_port *, libserialport */
	int fd;                  /* termios */
	char port[STP_PORT_MAX];
	unsigned bits_per_byte;  /* start + data + parity + stop */
	unsigned baud;
	bool modem_lines;
	bool pty;
	uint64_t tx_done_ms;     /* when the bytes written so far are out */
	char err[256];
	byte_link link;
	ls_driver lines;
};

/* Each fills sl (impl, handle, modem_lines) or fails with stp_fail.
 * path is the port with symlinks resolved. */
stp_status serial_sp_open(stp_ctx *ctx, const stp_portspec *spec,
                          const char *path, serial_link *sl);
stp_status serial_posix_open(stp_ctx *ctx, const stp_portspec *spec,
                             const char *path, serial_link *sl);
/* Whether libserialport knows path (serial_sp.c). */
bool serial_sp_knows(const char *path);

/* The hint for a port that cannot be opened, by errno. */
const char *serial_open_hint(int err);

#ifndef _WIN32
/* Takes the port for this process alone: flock(LOCK_EX|LOCK_NB), which
 * every stmprog (and minicom, picocom, ModemManager...) honours, then
 * TIOCEXCL, so that other open()s fail with EBUSY (root excepted).
 * Fails with STP_ERR_BUSY naming the holder where the OS tells. */
stp_status serial_lock_fd(stp_ctx *ctx, int fd, const char *port);
/* Undoes TIOCEXCL (it stays on the tty while any other descriptor of it
 * is open, e.g. the simulator's); the flock goes with the descriptor. */
void serial_unlock_fd(int fd);
/* The busy failure for a port another program holds (open() said EBUSY
 * or the flock was taken). */
stp_status serial_busy(stp_ctx *ctx, const char *port, const char *path);
#endif

#endif

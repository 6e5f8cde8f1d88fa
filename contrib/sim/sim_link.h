/* stmprog-sim: a serial line on a pseudo-terminal, with wire timing and
 * injected faults.
 *
 * The host opens the pty's slave like any serial port; the simulator
 * keeps the master and its own descriptor on the slave (so the host may
 * close and reopen the port within one run, and so the host's termios can
 * be read back).  Every byte in either direction goes through here:
 *
 *   - with real timing, a byte costs 11 bit times (8E1) at the baud:
 *     bytes from the host are "received" only at their wire arrival time,
 *     bytes to the host leave one at a time on an absolute schedule, and
 *     each reply waits the adapter's latency first;
 *   - faults (drop, flip, stall, disconnect) are decided per byte/reply.
 *
 * A device protocol (AN3155 today; slcan later) sits on top and never
 * sleeps: it says how long its work takes with sim_link_work(). */
#ifndef STMPROG_SIM_LINK_H
#define STMPROG_SIM_LINK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "sim_faults.h"
#include "sim_trace.h"

typedef struct sim_link_config {
	bool real_time;        /* --timing real */
	unsigned baud;         /* --baud, 0 = whatever the host set */
	unsigned latency_ms;   /* --latency-ms */
	bool shared;           /* other devices share the event loop */
} sim_link_config;

typedef struct sim_link sim_link;

/* Creates the pty; NULL with a sentence in err on failure. */
sim_link *sim_link_open(const sim_link_config *cfg, sim_faults *faults,
                        sim_trace *trace, char *err, size_t errlen);
void sim_link_close(sim_link *l);

/* The slave's path, e.g. /dev/pts/5. */
const char *sim_link_port(const sim_link *l);
/* True once a disconnect fault closed the line. */
bool sim_link_gone(const sim_link *l);

/* The line settings the host gave the port, and its baud (0 if unknown).
 * The character size and parity come from the host's own tcsetattr calls
 * (sim_ttywatch.h), since the pty itself cannot keep them. */
int sim_link_host_termios(const sim_link *l, struct termios *tio);
/* Whether the host's parity and character size can be known at all. */
bool sim_link_parity_known(const sim_link *l);
unsigned sim_link_host_baud(const sim_link *l);

/* The watch on the host's calls to this pty (sim_ttywatch.h: its modem
 * lines), or NULL. */
const struct sim_ttywatch *sim_link_watch(const sim_link *l);

/* ---- the device side ---- */

/* The next byte whose arrival time has come, after faults. */
bool sim_link_recv(sim_link *l, uint8_t *b);
/* Queues bytes for the host, paced and subject to faults. */
void sim_link_send(sim_link *l, const uint8_t *buf, size_t n);
/* The device is busy for ns (erasing, programming) before it can answer. */
void sim_link_work(sim_link *l, int64_t ns);

/* ---- the host process ---- */

/* In the child after fork: runs argv with its termios calls under watch
 * (returns only on failure); in the parent after fork: starts watching. */
void sim_link_child_exec(sim_link *l, char **argv);
void sim_link_child_started(sim_link *l);
/* Several links for one COMMAND (--devices): l's host termios calls are
 * watched through first's, whose sim_link_child_exec alone runs COMMAND.
 * Close l before first. */
void sim_link_follow(sim_link *first, sim_link *l);

/* ---- the event loop ---- */

#define SIM_LINK_POLLFDS 2

/* Fills SIM_LINK_POLLFDS pollfds (unused ones with fd -1); lowers
 * *deadline (absolute, CLOCK_MONOTONIC ns) to when the link next has
 * something to do. */
void sim_link_poll_setup(sim_link *l, struct pollfd *pfd, int64_t *deadline);
/* Reads what the host sent, answers its termios calls, and writes what
 * is due; pfd NULL: only write what is due. */
void sim_link_service(sim_link *l, const struct pollfd *pfd);

#endif

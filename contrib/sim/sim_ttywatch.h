/* stmprog-sim: seeing the line settings a host asks its serial port for.
 *
 * A Linux pty cannot hold parity or a character size: the kernel's pty
 * driver clears PARENB and forces CS8 on every tcsetattr.  A host that
 * asks for 8E1 therefore reads back 8N1 (stm32flash 0.7 then refuses the
 * port: "Failed to set terminal flags"), and the simulator cannot tell an
 * 8E1 host from an 8N1 one by looking at the pty.
 *
 * So COMMAND runs under a seccomp filter that hands its termios ioctls
 * (TCGETS/TCSETS* and the termios2 variants) to the simulator.  For the
 * simulator's pty only: a set is noted (the character size and parity the
 * host asked for) and then carried out by the kernel as usual; a get is
 * answered with the pty's real settings plus the noted size and parity,
 * as a real UART driver would keep them.  Every other ioctl, and every
 * termios call on another descriptor, goes to the kernel untouched.
 *
 * The modem-line calls (TIOCMGET, TIOCMSET, TIOCMBIS, TIOCMBIC) on the
 * simulator's pty are answered here entirely, since a pty has no modem
 * lines (the kernel fails them with ENOTTY): a set records RTS and DTR
 * and succeeds, a get answers them back, with CTS, DSR, DCD and RI never
 * asserted - a USB-UART adapter with nothing wired to those inputs pulls
 * them up, which reads as not asserted.  The lines start de-asserted: a
 * pty does not see the open at which a real tty raises DTR and RTS.
 *
 * Where seccomp user notification is unavailable, the watcher is simply
 * absent, the host's parity is unknown and its modem-line calls fail as
 * the pty fails them. */
#ifndef STMPROG_SIM_TTYWATCH_H
#define STMPROG_SIM_TTYWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct sim_ttywatch sim_ttywatch;

/* The four flag words of a termios, in whichever layout they came. */
typedef struct sim_tty_flags {
	uint32_t iflag, oflag, cflag, lflag;
} sim_tty_flags;

/* Watches termios calls on the terminal device rdev, whose descriptor in
 * the simulator is tty_fd; now is how the simulator set it up. */
sim_ttywatch *sim_ttywatch_new(dev_t rdev, int tty_fd, const sim_tty_flags *now);
void sim_ttywatch_free(sim_ttywatch *w);
/* Several ports for one COMMAND (--devices): w's terminal is watched
 * through leader's filter.  Only the leader is passed to
 * sim_ttywatch_exec; sim_ttywatch_parent on a follower only reports
 * whether the leader's filter runs; the leader's fd and service answer
 * for all.  Free followers before their leader. */
void sim_ttywatch_follow(sim_ttywatch *leader, sim_ttywatch *w);

/* In the child after fork: installs the filter, passes its listener to
 * the parent and runs argv (execvp); returns only if that failed.  Where
 * the filter cannot be installed from this process (under valgrind, which
 * does not know seccomp(2)) a native helper does it: /bin/sh runs this
 * program again with SIM_TTYWATCH_HELPER (tools skip shells when they
 * follow children).  Failure leaves COMMAND unwatched. */
void sim_ttywatch_exec(sim_ttywatch *w, char **argv);

/* The helper's first argument: "stmprog-sim --ttywatch-helper FD -- COMMAND
 * [ARG...]", for sim_ttywatch_helper_main(); not for people. */
#define SIM_TTYWATCH_HELPER "--ttywatch-helper"
int sim_ttywatch_helper_main(int argc, char **argv);
/* In the parent, after fork: takes the listener (or learns there is
 * none).  Returns true when the host's termios calls are watched. */
bool sim_ttywatch_parent(sim_ttywatch *w);

/* Our descriptor on the terminal was closed (a disconnect fault). */
void sim_ttywatch_tty_closed(sim_ttywatch *w);

/* The descriptor to poll, or -1. */
int sim_ttywatch_fd(const sim_ttywatch *w);
/* Answers the pending termios calls. */
void sim_ttywatch_service(sim_ttywatch *w);

/* Whether the watcher runs, and the c_cflag the host last asked for. */
bool sim_ttywatch_active(const sim_ttywatch *w);
uint32_t sim_ttywatch_cflag(const sim_ttywatch *w);
/* TIOCM_RTS | TIOCM_DTR as the host last set them (0 until it sets
 * them; always 0 without a watcher), and a counter that grows by one on
 * every change of those bits.  One sim_ttywatch_service call applies at
 * most one change, so a caller comparing the counter after each call
 * sees every edge of a pulse. */
unsigned sim_ttywatch_modem(const sim_ttywatch *w);
unsigned sim_ttywatch_modem_changes(const sim_ttywatch *w);
/* Whether the terminal still has the settings of the last watched set
 * (cur as the pty shows them): if not, a process outside COMMAND's tree
 * (a test opening the port itself) changed them, unseen. */
bool sim_ttywatch_current(const sim_ttywatch *w, const sim_tty_flags *cur);

/* The output rate the terminal fd runs at, in baud, whatever way the
 * host set it (a Bxxx constant or BOTHER with any integer, through
 * termios2); 0 when it cannot be read.  Here because this file alone sees
 * the kernel's termios2, which <termios.h> hides. */
unsigned sim_tty_baud(int fd);

#endif

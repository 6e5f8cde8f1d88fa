/* Serial ports at any integer baud rate, not only the Bxxx list.
 *
 * POSIX termios knows a fixed list of rates; Linux takes any integer
 * through termios2 with BOTHER, which <asm/termbits.h> declares and
 * <termios.h> (glibc's layout) hides, so it lives in a file of its own. */
#ifndef STMPROG_SERIAL_RATE_H
#define STMPROG_SERIAL_RATE_H

#include <stdbool.h>

/* Whether this build can set a rate outside the Bxxx list. */
bool serial_rate_any_supported(void);
/* Sets fd's input and output rate to baud (BOTHER), after tcsetattr set
 * everything else; 0 or -1 with errno.  Reads the rate back: a driver
 * that rounds to another rate is -1 with ERANGE. */
int serial_rate_set_any(int fd, unsigned baud);

#endif

/* Serial ports at any integer baud rate (see serial_rate.h). */
#include "config.h"

#include <errno.h>

#include "serial_rate.h"

#if defined(__linux__)
#include <sys/ioctl.h>
#include <asm/termbits.h>

bool serial_rate_any_supported(void)
{
	return true;
}

int serial_rate_set_any(int fd, unsigned baud)
{
	struct termios2 t2;
	unsigned got;

	if (ioctl(fd, TCGETS2, &t2) != 0)
		return -1;
	t2.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << IBSHIFT));
	t2.c_cflag |= BOTHER | (BOTHER << IBSHIFT);
	t2.c_ispeed = baud;
	t2.c_ospeed = baud;
	if (ioctl(fd, TCSETS2, &t2) != 0 || ioctl(fd, TCGETS2, &t2) != 0)
		return -1;
	/* A UART driver rounds to what its divisor gives; more than 2 % off
	 * and the bootloader's autobaud would be out of its 2.5 %. */
	got = (unsigned)t2.c_ospeed;
	if ((got > baud ? got - baud : baud - got) > baud / 50) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}
#else
bool serial_rate_any_supported(void)
{
	return false;
}

int serial_rate_set_any(int fd, unsigned baud)
{
	(void)fd;
	(void)baud;
	errno = ENOTSUP;
	return -1;
}
#endif

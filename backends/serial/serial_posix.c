/* The serial link through termios, for the ports libserialport 0.1.1
 * refuses because they are not in /sys/class/tty: Linux pseudo-terminals
 * (the simulator's ports) and any other tty it does not list. */
#include "config.h"

#ifndef _WIN32

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/sysmacros.h>      /* major(), minor() */
#endif
#include <termios.h>
#include <unistd.h>

#include "serial_impl.h"
#include "serial_rate.h"

static int os_error(serial_link *sl, const char *what)
{
	snprintf(sl->err, sizeof(sl->err), "%s: %s", what, strerror(errno));
	return -1;
}

static uint64_t now_ms(void)
{
	return serial_now_ms();
}

static int px_write(serial_link *sl, const uint8_t *buf, size_t len,
                    unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (len) {
		ssize_t n = write(sl->fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return os_error(sl, "write");
		uint64_t now = now_ms();
		if (now >= end) {
			snprintf(sl->err, sizeof(sl->err),
			         "%zu bytes did not go out in %u ms", len, timeout_ms);
			return -1;
		}
		struct pollfd p = {.fd = sl->fd, .events = POLLOUT};
		poll(&p, 1, (int)(end - now));
	}
	return 0;
}

static int px_read(serial_link *sl, uint8_t *buf, size_t len,
                   unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(sl->fd, buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		/* With VMIN = VTIME = 0 an empty tty reads 0, not EAGAIN; a
		 * hang-up shows as POLLHUP below. */
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			/* EIO: the other end of a pseudo-terminal went away. */
			if (errno == EIO) {
				snprintf(sl->err, sizeof(sl->err),
				         "the port closed (the other end went away)");
				return -1;
			}
			return os_error(sl, "read");
		}
		uint64_t now = now_ms();
		if (now >= end)
			break;
		struct pollfd p = {.fd = sl->fd, .events = POLLIN};
		int r = poll(&p, 1, (int)(end - now));
		if (r < 0 && errno != EINTR)
			return os_error(sl, "poll");
		if (r > 0 && (p.revents & (POLLHUP | POLLERR)) &&
		    !(p.revents & POLLIN)) {
			snprintf(sl->err, sizeof(sl->err),
			         "the port closed (the other end went away)");
			return -1;
		}
	}
	return (int)got;
}

static void px_flush(serial_link *sl)
{
	tcflush(sl->fd, TCIFLUSH);
}

static int px_set_line(serial_link *sl, ls_signal sig, bool high)
{
	int bit = sig == LS_RTS ? TIOCM_RTS : TIOCM_DTR;

	if (sig == LS_BRK) {
		if (ioctl(sl->fd, high ? TIOCSBRK : TIOCCBRK) < 0)
			return os_error(sl, "brk");
		return 0;
	}
	if (sig != LS_RTS && sig != LS_DTR) {
		strcpy(sl->err, "not a serial-port line");
		return -1;
	}
	if (ioctl(sl->fd, high ? TIOCMBIS : TIOCMBIC, &bit) < 0)
		return os_error(sl, ls_signal_name(sig));
	return 0;
}

static void px_close(serial_link *sl)
{
	serial_unlock_fd(sl->fd);
	close(sl->fd);
	sl->fd = -1;
}

static const serial_impl px_impl = {
	.write = px_write,
	.read = px_read,
	.flush = px_flush,
	.set_line = px_set_line,
	.close = px_close,
};

/* ---- exclusive use ---------------------------------------------------- */

/* "PID 123 (stmprog)" into out, from /proc/PID/comm. */
static void name_pid(long pid, char *out, size_t len)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((f = fopen(path, "r"))) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	if (comm[0])
		snprintf(out, len, "PID %ld (%s)", pid, comm);
	else
		snprintf(out, len, "PID %ld", pid);
}

/* Who holds a flock on the port: /proc/locks names the PID and the
 * inode ("1: FLOCK  ADVISORY  WRITE 4242 00:19:3 0 EOF"). */
static bool lock_holder(const struct stat *st, char *out, size_t len)
{
	char line[256], want[64];
	FILE *f = fopen("/proc/locks", "r");
	bool found = false;

	if (!f)
		return false;
	snprintf(want, sizeof(want), "%02x:%02x:%lu", major(st->st_dev),
	         minor(st->st_dev), (unsigned long)st->st_ino);
	while (!found && fgets(line, sizeof(line), f)) {
		char kind[16], where[64];
		long pid;

		if (sscanf(line, "%*[^:]: %15s %*s %*s %ld %63s", kind, &pid,
		           where) == 3 &&
		    !strcmp(kind, "FLOCK") && !strcmp(where, want) &&
		    pid != (long)getpid()) {
			name_pid(pid, out, len);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Otherwise the processes that have the device open, from /proc/PID/fd
 * (best effort: only the processes this user may look into). */
static void open_holders(const struct stat *st, char *out, size_t len)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	size_t at = 0;
	unsigned n = 0;

	if (!proc)
		return;
	while ((e = readdir(proc)) && n < 4) {
		char dir[300];
		long pid = strtol(e->d_name, NULL, 10);
		DIR *fds;
		struct dirent *fe;

		if (pid <= 0 || pid == (long)getpid())
			continue;
		snprintf(dir, sizeof(dir), "/proc/%ld/fd", pid);
		if (!(fds = opendir(dir)))
			continue;
		while ((fe = readdir(fds))) {
			char link[600];
			struct stat fs;

			snprintf(link, sizeof(link), "%s/%s", dir, fe->d_name);
			if (fe->d_name[0] == '.' || stat(link, &fs) != 0 ||
			    !S_ISCHR(fs.st_mode) || fs.st_rdev != st->st_rdev)
				continue;
			if (at < len) {
				char who[96];
				name_pid(pid, who, sizeof(who));
				at += (size_t)snprintf(out + at, len - at, "%s%s",
				                       n ? ", " : "", who);
			}
			n++;
			break;
		}
		closedir(fds);
	}
	closedir(proc);
}

stp_status serial_busy(stp_ctx *ctx, const char *port, const char *path)
{
	char who[256] = "";
	struct stat st;

	if (stat(path, &st) == 0 && !lock_holder(&st, who, sizeof(who)))
		open_holders(&st, who, sizeof(who));
	if (who[0])
		return stp_fail(ctx, STP_ERR_BUSY,
		                "wait for it to finish, or stop it; two programs on "
		                "one bootloader garble each other's bytes",
		                "%s is busy: %s is using it", port, who);
	return stp_fail(ctx, STP_ERR_BUSY,
	                "wait for the other program to finish, or stop it "
	                "(`fuser -v PORT` names it); two programs on one "
	                "bootloader garble each other's bytes",
	                "%s is busy: another program has it locked", port);
}

stp_status serial_lock_fd(stp_ctx *ctx, int fd, const char *port)
{
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		char path[64];

		/* stat() through the descriptor: the lock is on its inode. */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		return serial_busy(ctx, port, path);
	}
	/* Other flock failures (not supported here): TIOCEXCL still
	 * guards. */
	if (ioctl(fd, TIOCEXCL, NULL) != 0 && errno != ENOTTY)
		stp_log(ctx, STP_LOG_DEBUG, "%s: TIOCEXCL: %s", port, strerror(errno));
	return STP_OK;
}

void serial_unlock_fd(int fd)
{
	if (fd >= 0)
		ioctl(fd, TIOCNXCL, NULL);
}

static speed_t speed_of(unsigned baud)
{
	static const struct {
		unsigned baud;
		speed_t speed;
	} speeds[] = {
		{1200, B1200},     {1800, B1800},     {2400, B2400},
		{4800, B4800},     {9600, B9600},     {19200, B19200},
		{38400, B38400},   {57600, B57600},   {115200, B115200},
		{230400, B230400},
#ifdef B460800
		{460800, B460800}, {500000, B500000}, {576000, B576000},
		{921600, B921600}, {1000000, B1000000},
#endif
	};

	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud == baud)
			return speeds[i].speed;
	return 0;
}

stp_status serial_posix_open(stp_ctx *ctx, const stp_portspec *spec,
                             const char *path, serial_link *sl)
{
	speed_t speed = speed_of(sl->baud);
	struct termios t;
	int fd, bits;

	/* A rate outside the Bxxx list is set afterwards through termios2;
	 * B38400 stands in until then. */
	if (!speed && !serial_rate_any_supported())
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "use a standard rate: 1200, 2400, ..., 57600, 115200",
		                "br=%u: %s takes only standard baud rates here",
		                sl->baud, spec->port);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == EBUSY)
		return serial_busy(ctx, spec->port, path);
	if (fd < 0)
		return stp_fail(ctx,
		                errno == EACCES || errno == EPERM ? STP_ERR_ACCESS
		                : errno == ENOENT ? STP_ERR_NOT_FOUND
		                                  : STP_ERR_IO,
		                serial_open_hint(errno), "cannot open %s: %s",
		                spec->port, strerror(errno));
	if (!isatty(fd) || tcgetattr(fd, &t) < 0) {
		close(fd);
		return stp_fail(ctx, STP_ERR_NOT_FOUND,
		                "`stmprog -l uart` lists the serial ports",
		                "%s is not a serial port", spec->port);
	}
	/* Before the line settings: a port in use stays as its user set
	 * it. */
	{
		stp_status st = serial_lock_fd(ctx, fd, spec->port);
		if (st) {
			close(fd);
			return st;
		}
	}
	cfmakeraw(&t);
	t.c_cflag &= ~(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS | HUPCL);
	t.c_cflag |= CLOCAL | CREAD;
	switch (spec->data_bits ? spec->data_bits : 8) {
	case 5: t.c_cflag |= CS5; break;
	case 6: t.c_cflag |= CS6; break;
	case 7: t.c_cflag |= CS7; break;
	default: t.c_cflag |= CS8; break;
	}
	if (spec->parity != STP_PARITY_NONE)
		t.c_cflag |= PARENB | (spec->parity == STP_PARITY_ODD ? PARODD : 0);
	if (spec->stop_halves == 4)
		t.c_cflag |= CSTOPB;
	if (spec->flow == STP_FLOW_HARDWARE)
		t.c_cflag |= CRTSCTS;
	t.c_iflag &= ~(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, speed ? speed : B38400);
	cfsetospeed(&t, speed ? speed : B38400);
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		int err = errno;
		close(fd);
		return stp_fail(ctx, STP_ERR_IO, NULL, "cannot configure %s: %s",
		                spec->port, strerror(err));
	}
	if (!speed && serial_rate_set_any(fd, sl->baud) != 0) {
		int err = errno;
		close(fd);
		return stp_fail(ctx, STP_ERR_IO,
		                "the adapter may not support this baud rate; try a "
		                "standard one such as 115200 or 460800",
		                "cannot set %u baud on %s: %s", sl->baud, spec->port,
		                strerror(err));
	}
	tcflush(fd, TCIOFLUSH);
	sl->fd = fd;
	sl->impl = &px_impl;
	sl->modem_lines = ioctl(fd, TIOCMGET, &bits) == 0;
	sl->pty = strncmp(path, "/dev/pts/", 9) == 0;
	return STP_OK;
}

#endif

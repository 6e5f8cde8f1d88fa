/* Host-side helpers for the simulator's tests (see test_sim_util.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "test_helpers.h"
#include "test_sim_util.h"

const char *ts_sim_path(void)
{
	/* STMPROG_SIM: another simulator command, e.g. a script that runs
	 * the built one under valgrind. */
	const char *p = getenv("STMPROG_SIM");

	return p && *p ? p : th_build_path("contrib/sim/stmprog-sim");
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

void ts_start(ts_sim *s, const char *opts)
{
	static int serial;
	char script[9000], *copy, *save = NULL, *tok;
	char *argv[64];
	int argc = 0, n = ++serial;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(s->portfile, sizeof(s->portfile), "%s/port%d", th_dir, n);
	snprintf(s->donefile, sizeof(s->donefile), "%s/done%d", th_dir, n);
	snprintf(s->errfile, sizeof(s->errfile), "%s/stderr.txt", th_dir);
	snprintf(script, sizeof(script),
	         "printf %%s \"$STMPROG_SIM_PORT\" > %s.tmp && mv %s.tmp %s; "
	         "while [ ! -e %s ]; do sleep 0.05; done",
	         s->portfile, s->portfile, s->portfile, s->donefile);
	copy = strdup(opts);
	cr_assert_not_null(copy);
	argv[argc++] = (char *)ts_sim_path();
	for (tok = strtok_r(copy, " ", &save); tok && argc < 56;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc++] = "--";
	argv[argc++] = "sh";
	argv[argc++] = "-c";
	argv[argc++] = script;
	argv[argc] = NULL;
	s->pid = fork();
	cr_assert(s->pid >= 0);
	if (s->pid == 0) {
		int fd = open(s->errfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	free(copy);
	/* Up to 60 s: under valgrind on a loaded machine the simulator's
	 * start alone has taken 7 s.  A hang check, not a timing. */
	for (int i = 0; i < 2400; i++) {
		FILE *f = fopen(s->portfile, "r");
		if (f) {
			size_t got = fread(s->port, 1, sizeof(s->port) - 1, f);
			fclose(f);
			s->port[got] = '\0';
			if (got)
				return;
		}
		sleep_ms(25);
	}
	cr_assert_fail("stmprog-sim did not start: %s", ts_text(s->errfile));
}

void ts_open(ts_sim *s, bool even)
{
	struct termios tio;

	s->fd = open(s->port, O_RDWR | O_NOCTTY);
	cr_assert(s->fd >= 0, "cannot open %s: %s", s->port, strerror(errno));
	cr_assert_eq(tcgetattr(s->fd, &tio), 0);
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	tio.c_iflag &= ~(tcflag_t)(INPCK | IGNPAR);
	if (even) {
		tio.c_cflag |= PARENB;
		tio.c_iflag |= INPCK;
	}
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	cr_assert_eq(tcsetattr(s->fd, TCSANOW, &tio), 0);
}

int ts_finish(ts_sim *s)
{
	int status = 0;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	ts_write_file(s->donefile, "", 0);
	for (int i = 0; i < 400; i++) {
		pid_t r = waitpid(s->pid, &status, WNOHANG);
		if (r == s->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		sleep_ms(25);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	cr_assert_fail("stmprog-sim did not exit after COMMAND");
	return -1;
}

void ts_send(ts_sim *s, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(s->fd, b, n);
		cr_assert(w > 0, "write to %s: %s", s->port, strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

void ts_send1(ts_sim *s, uint8_t b)
{
	ts_send(s, &b, 1);
}

size_t ts_recv(ts_sim *s, uint8_t *buf, size_t n, int timeout_ms)
{
	size_t got = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < n) {
		struct pollfd p = {s->fd, POLLIN, 0};
		long left;
		ssize_t r;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		                     (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		r = read(s->fd, buf + got, n - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

int ts_byte(ts_sim *s, int timeout_ms)
{
	uint8_t b;

	return ts_recv(s, &b, 1, timeout_ms) == 1 ? b : -1;
}

bool ts_silent(ts_sim *s, int timeout_ms)
{
	uint8_t b[64];

	return ts_recv(s, b, sizeof(b), timeout_ms) == 0;
}

int ts_sync(ts_sim *s)
{
	ts_send1(s, 0x7F);
	return ts_byte(s, 1000);
}

int ts_cmd(ts_sim *s, uint8_t code)
{
	uint8_t b[2] = {code, (uint8_t)~code};

	ts_send(s, b, 2);
	return ts_byte(s, 1000);
}

int ts_addr(ts_sim *s, uint32_t addr)
{
	uint8_t b[5] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16),
	                (uint8_t)(addr >> 8), (uint8_t)addr, 0};

	b[4] = b[0] ^ b[1] ^ b[2] ^ b[3];
	ts_send(s, b, 5);
	return ts_byte(s, 1000);
}

int ts_read(ts_sim *s, uint32_t addr, uint8_t *buf, unsigned n)
{
	uint8_t len[2] = {(uint8_t)(n - 1), (uint8_t)~(n - 1)};

	if (ts_cmd(s, 0x11) != TS_ACK)
		return 1;
	if (ts_addr(s, addr) != TS_ACK)
		return 2;
	ts_send(s, len, 2);
	if (ts_byte(s, 1000) != TS_ACK)
		return 3;
	return ts_recv(s, buf, n, 2000) == n ? 0 : 4;
}

int ts_write(ts_sim *s, uint32_t addr, const uint8_t *data, unsigned n)
{
	uint8_t b[258];

	if (ts_cmd(s, 0x31) != TS_ACK)
		return 1;
	if (ts_addr(s, addr) != TS_ACK)
		return 2;
	b[0] = (uint8_t)(n - 1);
	b[n + 1] = b[0];
	for (unsigned i = 0; i < n; i++) {
		b[i + 1] = data[i];
		b[n + 1] ^= data[i];
	}
	ts_send(s, b, n + 2);
	return ts_byte(s, 2000) == TS_ACK ? 0 : 3;
}

int ts_eerase(ts_sim *s, const uint16_t *pages, unsigned n)
{
	uint8_t b[2 + 2 * 64 + 1];
	unsigned k = 0;

	cr_assert(n > 0 && n <= 64);
	if (ts_cmd(s, 0x44) != TS_ACK)
		return 1;
	b[k++] = (uint8_t)((n - 1) >> 8);
	b[k++] = (uint8_t)(n - 1);
	for (unsigned i = 0; i < n; i++) {
		b[k++] = (uint8_t)(pages[i] >> 8);
		b[k++] = (uint8_t)pages[i];
	}
	b[k] = 0;
	for (unsigned i = 0; i < k; i++)
		b[k] ^= b[i];
	ts_send(s, b, k + 1);
	return ts_byte(s, 2000) == TS_ACK ? 0 : 2;
}

int ts_eerase_special(ts_sim *s, uint16_t code)
{
	uint8_t b[3] = {(uint8_t)(code >> 8), (uint8_t)code, 0};

	if (ts_cmd(s, 0x44) != TS_ACK)
		return 1;
	b[2] = b[0] ^ b[1];
	ts_send(s, b, 3);
	return ts_byte(s, 2000) == TS_ACK ? 0 : 2;
}

int ts_go(ts_sim *s, uint32_t addr)
{
	if (ts_cmd(s, 0x21) != TS_ACK)
		return 1;
	return ts_addr(s, addr) == TS_ACK ? 0 : 2;
}

size_t ts_read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

void ts_write_file(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(fwrite(buf, 1, n, f), n);
	fclose(f);
}

const char *ts_text(const char *path)
{
	static char text[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	return text;
}

/* stmprog-sim: the host's termios calls on our pty, through seccomp user
 * notification (see sim_ttywatch.h for why). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel's own termios structures and ioctl numbers; <termios.h>
 * (glibc's layout) is deliberately not included in this file. */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sim_ttywatch.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#endif

/* The bits a pty loses and a UART keeps. */
#define KEPT_BITS ((uint32_t)(CSIZE | PARENB))

struct sim_ttywatch {
	dev_t rdev;
	int tty_fd;
	int sock[2];     /* child -> parent, to pass the listener */
	int listener;
	sim_tty_flags req; /* the last settings asked for, as asked */
	unsigned modem;    /* TIOCM_RTS | TIOCM_DTR as the host last set them */
	unsigned modem_changes; /* grows by one on every change of modem */
	/* One COMMAND, one filter: with several simulated ports (--devices)
	 * the first watcher (the leader) installs it and owns its listener,
	 * and answers for the others (its followers, chained through next)
	 * by the device the call names. */
	sim_ttywatch *leader; /* NULL for a leader */
	sim_ttywatch *next;   /* a leader's followers */
};

sim_ttywatch *sim_ttywatch_new(dev_t rdev, int tty_fd, const sim_tty_flags *now)
{
	sim_ttywatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->rdev = rdev;
	w->tty_fd = tty_fd;
	w->req = *now;
	w->listener = -1;
	w->sock[0] = w->sock[1] = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, w->sock) != 0)
		w->sock[0] = w->sock[1] = -1;
	return w;
}

void sim_ttywatch_follow(sim_ttywatch *leader, sim_ttywatch *w)
{
	if (!leader || !w || leader == w || w->leader || w->next)
		return;
	while (leader->leader)
		leader = leader->leader;
	/* A follower neither installs a filter nor receives a listener. */
	for (int i = 0; i < 2; i++)
		if (w->sock[i] >= 0) {
			close(w->sock[i]);
			w->sock[i] = -1;
		}
	w->leader = leader;
	w->next = leader->next;
	leader->next = w;
}

void sim_ttywatch_free(sim_ttywatch *w)
{
	if (!w)
		return;
	if (w->leader) {
		sim_ttywatch **pp = &w->leader->next;
		while (*pp && *pp != w)
			pp = &(*pp)->next;
		if (*pp)
			*pp = w->next;
	} else {
		/* Followers left behind are unwatched from now on. */
		for (sim_ttywatch *f = w->next, *n; f; f = n) {
			n = f->next;
			f->leader = NULL;
			f->next = NULL;
		}
	}
	for (int i = 0; i < 2; i++)
		if (w->sock[i] >= 0)
			close(w->sock[i]);
	if (w->listener >= 0)
		close(w->listener);
	free(w);
}

/* ---- the child ---- */

#ifdef NATIVE_ARCH
static int install_filter(void)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG1_LO offsetof(struct seccomp_data, args[1])
#else
#define ARG1_LO (offsetof(struct seccomp_data, args[1]) + 4)
#endif
#define NOTIFY_IF(cmd, left) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(cmd), (left) + 1, 0)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG1_LO),
		NOTIFY_IF(TCGETS, 11),
		NOTIFY_IF(TCSETS, 10),
		NOTIFY_IF(TCSETSW, 9),
		NOTIFY_IF(TCSETSF, 8),
		NOTIFY_IF(TCGETS2, 7),
		NOTIFY_IF(TCSETS2, 6),
		NOTIFY_IF(TCSETSW2, 5),
		NOTIFY_IF(TCSETSF2, 4),
		NOTIFY_IF(TIOCMGET, 3),
		NOTIFY_IF(TIOCMSET, 2),
		NOTIFY_IF(TIOCMBIS, 1),
		NOTIFY_IF(TIOCMBIC, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(f) / sizeof(f[0])),
		.filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	                    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}
#endif

/* Passes the listener to the parent over sock. */
static int send_listener(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	char one = 1;

	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = &one;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

/* Installs the filter and hands it over; -1 (errno) when not installed. */
static int watch_self(int sock)
{
#ifdef NATIVE_ARCH
	int fd = install_filter();

	if (fd < 0)
		return -1;
	if (send_listener(sock, fd) != 0) {
		/* Nobody will answer: the filter must not block COMMAND. */
		_exit(127);
	}
	close(fd);
	return 0;
#else
	(void)sock;
	errno = ENOSYS;
	return -1;
#endif
}

static void run(char **argv)
{
	execvp(argv[0], argv);
	fprintf(stderr, "stmprog-sim: cannot run %s: %s\n", argv[0],
	        strerror(errno));
	_exit(127);
}

/* valgrind preloads its vgpreload_*.so into what it runs. */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

void sim_ttywatch_exec(sim_ttywatch *w, char **argv)
{
	char self[4096], fdstr[16], **v;
	ssize_t n;
	size_t argc = 0;

	if (!w || w->sock[1] < 0)
		run(argv);
	if (!under_valgrind() && (watch_self(w->sock[1]) == 0 || errno != ENOSYS))
		run(argv);
	/* seccomp(2) is missing here (valgrind): a native helper then. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	while (argv[argc])
		argc++;
	v = calloc(argc + 8, sizeof(*v));
	if (n <= 0 || !v)
		run(argv);
	self[n] = '\0';
	snprintf(fdstr, sizeof(fdstr), "%d", w->sock[1]);
	fcntl(w->sock[1], F_SETFD, 0);
	v[0] = "sh";
	v[1] = "-c";
	v[2] = "exec \"$0\" \"$@\"";
	v[3] = self;
	v[4] = SIM_TTYWATCH_HELPER;
	v[5] = fdstr;
	v[6] = "--";
	memcpy(v + 7, argv, (argc + 1) * sizeof(*v));
	execv("/bin/sh", v);
	fcntl(w->sock[1], F_SETFD, FD_CLOEXEC);
	free(v);
	run(argv);
}

int sim_ttywatch_helper_main(int argc, char **argv)
{
	int fd;

	if (argc < 5 || strcmp(argv[3], "--"))
		return 2;
	fd = atoi(argv[2]);
	/* No second helper: if this fails too, COMMAND runs unwatched. */
	watch_self(fd);
	close(fd);
	run(argv + 4);
	return 127;
}

/* ---- the parent ---- */

bool sim_ttywatch_parent(sim_ttywatch *w)
{
	char cbuf[CMSG_SPACE(sizeof(int))], one;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;

	if (w && w->leader)
		return sim_ttywatch_active(w);
	if (!w || w->sock[0] < 0)
		return false;
	close(w->sock[1]);
	w->sock[1] = -1;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &one;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	/* Returns with the listener, or with 0 when the child's end closed
	 * at exec without one. */
	do
		n = recvmsg(w->sock[0], &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(w->sock[0]);
	w->sock[0] = -1;
	if (n <= 0)
		return false;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return false;
	memcpy(&w->listener, CMSG_DATA(cm), sizeof(int));
	return true;
}

void sim_ttywatch_tty_closed(sim_ttywatch *w)
{
	if (w)
		w->tty_fd = -1;
}

int sim_ttywatch_fd(const sim_ttywatch *w)
{
	/* A follower's calls arrive on its leader's listener. */
	return w && !w->leader ? w->listener : -1;
}

bool sim_ttywatch_active(const sim_ttywatch *w)
{
	if (w && w->leader)
		w = w->leader;
	return w && w->listener >= 0;
}

uint32_t sim_ttywatch_cflag(const sim_ttywatch *w)
{
	return w->req.cflag;
}

unsigned sim_ttywatch_modem(const sim_ttywatch *w)
{
	return w ? w->modem : 0;
}

unsigned sim_ttywatch_modem_changes(const sim_ttywatch *w)
{
	return w ? w->modem_changes : 0;
}

bool sim_ttywatch_current(const sim_ttywatch *w, const sim_tty_flags *cur)
{
	/* What the pty driver rewrites on every set. */
	uint32_t mask = ~(uint32_t)(CSIZE | PARENB | CREAD);

	return cur->iflag == w->req.iflag && cur->oflag == w->req.oflag &&
	       cur->lflag == w->req.lflag &&
	       (cur->cflag & mask) == (w->req.cflag & mask);
}

static bool is_our_tty(const sim_ttywatch *w, pid_t pid, int fd)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == w->rdev;
}

static bool is_get(unsigned long cmd)
{
	return cmd == TCGETS || cmd == TCGETS2;
}

/* Of the leader and its followers, the one whose terminal fd is in pid,
 * or NULL. */
static sim_ttywatch *watcher_of(sim_ttywatch *leader, pid_t pid, int fd)
{
	for (sim_ttywatch *w = leader; w; w = w->next)
		if (w->tty_fd >= 0 && is_our_tty(w, pid, fd))
			return w;
	return NULL;
}

static bool is_modem(unsigned long cmd)
{
	return cmd == TIOCMGET || cmd == TIOCMSET || cmd == TIOCMBIS ||
	       cmd == TIOCMBIC;
}

/* The modem-line calls on our pty, which has no modem lines (its driver
 * has no tiocmget/tiocmset: the kernel answers ENOTTY), answered as a
 * USB-UART adapter's driver would: the outputs (RTS, DTR) keep what the
 * host sets, and the inputs read as nothing wired - an FTDI or CP210x
 * pulls its CTS#, DSR#, DCD# and RI# pins up, which is "not asserted".
 * The kernel does not see these calls.  Returns whether the outputs
 * changed. */
static bool answer_modem(sim_ttywatch *leader, sim_ttywatch *w,
                         const struct seccomp_notif *req,
                         struct seccomp_notif_resp *resp)
{
	unsigned long cmd = (uint32_t)req->data.args[1];
	const unsigned outputs = TIOCM_RTS | TIOCM_DTR;
	int v = 0;
	unsigned now = w->modem;
	struct iovec local = {&v, sizeof(v)},
	             remote = {(void *)(uintptr_t)req->data.args[2], sizeof(v)};

	resp->flags = 0;
	if (cmd == TIOCMGET) {
		v = (int)w->modem;
		if (ioctl(leader->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0)
			return false;
		if (process_vm_writev((pid_t)req->pid, &local, 1, &remote, 1, 0) !=
		    (ssize_t)sizeof(v))
			resp->error = -EFAULT;
		return false;
	}
	if (process_vm_readv((pid_t)req->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)sizeof(v)) {
		resp->error = -EFAULT;
		return false;
	}
	if (cmd == TIOCMSET)
		now = (unsigned)v & outputs;
	else if (cmd == TIOCMBIS)
		now |= (unsigned)v & outputs;
	else
		now &= ~((unsigned)v & outputs);
	if (now == w->modem)
		return false;
	w->modem = now;
	w->modem_changes++;
	return true;
}

/* One call: note a set, answer a get; returns true when the call changed
 * the modem outputs. */
static bool answer(sim_ttywatch *leader, const struct seccomp_notif *req,
                   struct seccomp_notif_resp *resp)
{
	sim_ttywatch *w;
	unsigned long cmd = (uint32_t)req->data.args[1];
	uint64_t ptr = req->data.args[2];
	struct termios2 t2;
	size_t size = (cmd == TCGETS2 || cmd == TCSETS2 || cmd == TCSETSW2 ||
	               cmd == TCSETSF2) ? sizeof(struct termios2) :
	              sizeof(struct termios);
	struct iovec local = {&t2, size}, remote = {(void *)(uintptr_t)ptr, size};

	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	resp->error = 0;
	resp->val = 0;
	w = watcher_of(leader, (pid_t)req->pid, (int)req->data.args[0]);
	if (!w)
		return false;
	if (is_modem(cmd))
		return answer_modem(leader, w, req, resp);
	if (!is_get(cmd)) {
		/* Carried out by the kernel; only what it drops is noted. */
		if (process_vm_readv((pid_t)req->pid, &local, 1, &remote, 1, 0) ==
		    (ssize_t)size) {
			w->req.iflag = t2.c_iflag;
			w->req.oflag = t2.c_oflag;
			w->req.cflag = t2.c_cflag;
			w->req.lflag = t2.c_lflag;
		}
		return false;
	}
	if (ioctl(w->tty_fd, cmd == TCGETS2 ? TCGETS2 : TCGETS, &t2) != 0)
		return false;
	t2.c_cflag = (t2.c_cflag & ~KEPT_BITS) | (w->req.cflag & KEPT_BITS);
	/* The request may have died and its ID been reused meanwhile. */
	if (ioctl(leader->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) != 0)
		return false;
	resp->flags = 0;
	if (process_vm_writev((pid_t)req->pid, &local, 1, &remote, 1, 0) !=
	    (ssize_t)size)
		resp->error = -EFAULT;
	return false;
}

void sim_ttywatch_service(sim_ttywatch *w)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct pollfd p;
	bool changed;

	if (!w || w->leader || !sim_ttywatch_active(w))
		return;
	/* The ioctl numbers carry these sizes: the header's are the ABI.
	 * (SECCOMP_GET_NOTIF_SIZES would need seccomp(2), which valgrind
	 * does not pass through.) */
	req = malloc(sizeof(*req));
	resp = malloc(sizeof(*resp));
	if (!req || !resp)
		goto out;
	p.fd = w->listener;
	p.events = POLLIN;
	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		memset(req, 0, sizeof(*req));
		memset(resp, 0, sizeof(*resp));
		if (ioctl(w->listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			break;
		}
		changed = answer(w, req, resp);
		/* ENOENT: the caller died in the meantime; nothing to do. */
		ioctl(w->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
		/* One edge per call: the caller looks at the lines between
		 * calls, and a pulse (NRST low, then high) must not merge
		 * into no change.  The rest stay queued; poll wakes again. */
		if (changed)
			break;
	}
out:
	free(req);
	free(resp);
}

unsigned sim_tty_baud(int fd)
{
	struct termios2 t2;

	/* The kernel fills c_ospeed from the Bxxx code too, so one read
	 * answers both kinds of host. */
	if (fd < 0 || ioctl(fd, TCGETS2, &t2) != 0)
		return 0;
	return (unsigned)t2.c_ospeed;
}

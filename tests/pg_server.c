/* Starting and stopping the tests' own PostgreSQL server. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pg_server.h"
#include "test_helpers.h"

/* How long the server may take to accept connections, in 50 ms polls
 * (a bound for a stuck server, not a measurement). */
#define PG_READY_POLLS 1200

static void last_log_line(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	char line[512];

	snprintf(out, outlen, "(no log)");
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		if (line[0] != '\n') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, outlen, "%s", line);
		}
	fclose(f);
}

/* In the child: send the output to log and run argv, as the server's
 * user when the test is root (setpriv).  Through sh, which the valgrind
 * pass of tests/run-all.sh does not follow: the server then runs
 * natively, not under valgrind (far too slow, and not our code), and no
 * process under valgrind changes its user.  The server dies with the
 * test (a test killed by a crash leaves no server behind): setpriv sets
 * the parent-death signal after its user change, which would clear it. */
static void child_exec(bool as_postgres, const char *log, char *const argv[])
{
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, 0);
	prctl(PR_SET_PDEATHSIG, SIGQUIT);
	char *sh_argv[40] = {
		"/bin/sh", "-c",
		as_postgres ? "exec setpriv --reuid=postgres --regid=postgres "
		              "--clear-groups --pdeathsig=SIGQUIT -- \"$0\" \"$@\""
		            : "exec \"$0\" \"$@\""
	};
	int n = 3;
	for (int i = 0; argv[i] && n < 39; i++)
		sh_argv[n++] = argv[i];
	sh_argv[n] = NULL;
	execv(sh_argv[0], sh_argv);
	_exit(127);
}

int pg_server_start(pg_server *s, const char *bindir, char *why,
                    size_t whylen)
{
	char initdb[512], postgres[512], data[128], log[128], tail[512];
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool drop = geteuid() == 0;

	memset(s, 0, sizeof *s);
	snprintf(initdb, sizeof initdb, "%s/initdb", bindir ? bindir : "");
	snprintf(postgres, sizeof postgres, "%s/postgres", bindir ? bindir : "");
	if (!bindir || !bindir[0] || access(initdb, X_OK) ||
	    access(postgres, X_OK)) {
		snprintf(why, whylen, "no PostgreSQL server programs (initdb, "
		         "postgres) in '%s': install the Debian package "
		         "postgresql, or configure with PG_BINDIR=DIR",
		         bindir ? bindir : "");
		return 1;
	}
	if (drop) {
		struct passwd *pw = getpwnam("postgres");
		if (!pw) {
			snprintf(why, whylen, "running as root and there is no "
			         "'postgres' account to run the server as (it "
			         "refuses root)");
			return 1;
		}
		if (access("/usr/bin/setpriv", X_OK) &&
		    access("/bin/setpriv", X_OK)) {
			snprintf(why, whylen, "running as root and there is no "
			         "setpriv (util-linux) to run the server as "
			         "'postgres'");
			return 1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	snprintf(s->dir, sizeof s->dir, "/tmp/stmprog-test-pg-XXXXXX");
	if (!mkdtemp(s->dir)) {
		snprintf(why, whylen, "mkdtemp: %s", strerror(errno));
		s->dir[0] = '\0';
		return -1;
	}
	if (drop && chown(s->dir, uid, gid)) {
		snprintf(why, whylen, "chown %s: %s", s->dir, strerror(errno));
		pg_server_stop(s);
		return -1;
	}
	snprintf(data, sizeof data, "%s/data", s->dir);
	snprintf(log, sizeof log, "%s/initdb.log", s->dir);

	/* Trust on a socket only this user's directory holds; no fsync: the
	 * data lives as long as the test. */
	char *init_argv[] = { initdb, "-D", data, "-U", "stmprog", "-A",
	                      "trust", "-E", "UTF8", "--locale=C", "--no-sync",
	                      NULL };
	pid_t pid = fork();
	if (pid == 0)
		child_exec(drop, log, init_argv);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		last_log_line(log, tail, sizeof tail);
		snprintf(why, whylen, "initdb failed (status %d): %s", status,
		         tail);
		pg_server_stop(s);
		return -1;
	}

	snprintf(log, sizeof log, "%s/postgres.log", s->dir);
	char *pg_argv[] = { postgres, "-D", data, "-k", s->dir, "-p", "5432",
	                    "-c", "listen_addresses=", "-c", "fsync=off",
	                    "-c", "max_connections=30", "-c",
	                    "shared_buffers=16MB", NULL };
	pid = fork();
	if (pid == 0)
		child_exec(drop, log, pg_argv);
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		pg_server_stop(s);
		return -1;
	}
	s->pid = pid;
	snprintf(s->conninfo, sizeof s->conninfo,
	         "host=%s port=5432 user=stmprog dbname=postgres", s->dir);
	for (int i = 0; i < PG_READY_POLLS; i++) {
		if (PQping(s->conninfo) == PQPING_OK)
			return 0;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			break;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	last_log_line(log, tail, sizeof tail);
	snprintf(why, whylen, "postgres did not accept connections: %s", tail);
	pg_server_stop(s);
	return -1;
}

void pg_server_stop(pg_server *s)
{
	if (s->pid > 0) {
		/* Immediate shutdown: the data is thrown away anyway. */
		kill(s->pid, SIGQUIT);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0]) {
		th_rmtree(s->dir);
		s->dir[0] = '\0';
	}
}

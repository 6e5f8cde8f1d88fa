/* A PostgreSQL server of the test's own: initdb into a temporary
 * directory, postgres listening on a Unix socket there only, run as an
 * unprivileged user (the "postgres" account when the test runs as root,
 * since the server refuses root), stopped and removed at the end. */
#ifndef STMPROG_TESTS_PG_SERVER_H
#define STMPROG_TESTS_PG_SERVER_H

#include <stddef.h>
#include <sys/types.h>

typedef struct pg_server {
	char dir[64];           /* data, socket and logs */
	pid_t pid;              /* the postmaster, 0 when not running */
	char conninfo[256];     /* libpq key/value form */
} pg_server;

/* 0: running, conninfo set.  1: cannot run here (why names what is
 * missing: initdb, postgres, the postgres account).  -1: it should have
 * run and did not (why says what failed, with the log's last line). */
int pg_server_start(pg_server *s, const char *bindir, char *why,
                    size_t whylen);
/* Immediate shutdown (SIGQUIT) and the directory removed. */
void pg_server_stop(pg_server *s);

#endif

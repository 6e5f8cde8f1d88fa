/* Small helpers the Criterion tests share: where the build tree is, and
 * running a command to collect its output and exit status. */
#ifndef STMPROG_TEST_HELPERS_H
#define STMPROG_TEST_HELPERS_H

#include <stddef.h>

/* $top_builddir / $top_srcdir as the test harness exports them ("." when
 * run by hand from the build directory). */
const char *th_builddir(void);
const char *th_srcdir(void);
/* "<builddir>/<rel>" in a static buffer (one of four rotating). */
const char *th_build_path(const char *rel);
/* Runs cmd with sh -c, stdout and stderr together into out; returns the
 * exit status (or -1 if it did not exit normally). */
int th_run(const char *cmd, char *out, size_t outlen);
/* Skips the current test unless cmd is on PATH, naming the Debian package
 * that brings it (CI installs them all). */
void th_need(const char *cmd, const char *package);
/* A fresh temporary directory for one test, removed by th_rmtree. */
char *th_tempdir(void);
void th_rmtree(const char *dir);

/* A temporary directory per test, as a Criterion fixture:
 * TestSuite(x, .init = th_dir_setup, .fini = th_dir_teardown). */
extern char *th_dir;
void th_dir_setup(void);
void th_dir_teardown(void);
/* "<th_dir>/<name>" in a static buffer (one of four rotating). */
const char *th_dir_path(const char *name);

#endif

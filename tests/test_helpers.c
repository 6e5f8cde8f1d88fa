/* Helpers shared by the Criterion tests (see test_helpers.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ftw.h>

#include <criterion/criterion.h>

#include "test_helpers.h"

const char *th_builddir(void)
{
	const char *d = getenv("top_builddir");
	return d && *d ? d : ".";
}

const char *th_srcdir(void)
{
	const char *d = getenv("top_srcdir");
	return d && *d ? d : ".";
}

const char *th_build_path(const char *rel)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", th_builddir(), rel);
	return b;
}

int th_run(const char *cmd, char *out, size_t outlen)
{
	char full[8192];
	FILE *p;
	size_t n = 0;
	int status;

	snprintf(full, sizeof(full), "(%s) 2>&1", cmd);
	p = popen(full, "r");
	if (!p)
		return -1;
	if (outlen) {
		n = fread(out, 1, outlen - 1, p);
		out[n] = '\0';
	}
	/* Drain what did not fit so the child is never blocked on a pipe. */
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *th_tempdir(void)
{
	char tmpl[] = "/tmp/stmprog-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "could not remove %s\n", path);
	return 0;
}

/* Depth first, not following links; only our own temporary
 * directories, so a wrong argument cannot remove anything else. */
void th_rmtree(const char *dir)
{
	if (!dir || strncmp(dir, "/tmp/stmprog-test-", 18) != 0)
		return;
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *th_dir;

void th_dir_setup(void)
{
	th_dir = th_tempdir();
	cr_assert_not_null(th_dir);
}

void th_dir_teardown(void)
{
	th_rmtree(th_dir);
	free(th_dir);
	th_dir = NULL;
}

const char *th_dir_path(const char *name)
{
	static char bufs[4][4200];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", th_dir, name);
	return b;
}

void th_need(const char *cmd, const char *package)
{
	char line[512], out[256];

	snprintf(line, sizeof(line), "command -v '%s'", cmd);
	if (th_run(line, out, sizeof(out)) != 0)
		cr_skip_test("%s is not installed (Debian package %s); CI installs it",
		             cmd, package);
}

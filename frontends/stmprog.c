/* stmprog: program STM32 microcontrollers through their ROM bootloaders,
 * with the vendor CLI's option syntax.  This file parses the command line,
 * sets up output, and runs the commands in the order given; what each
 * command does lives in commands.c and goes through libstmprog only. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "help.h"
#include "output.h"

/* -log FILE.  An existing symbolic link is not followed: a link planted
 * where the log goes (a shared directory, a name a script reuses) would
 * otherwise make stmprog truncate and write whatever it points to, with
 * the user's rights.  The descriptor is not inherited by anything the
 * backends start. */
static int open_log(const char *path, FILE **log)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	              0644);

	*log = NULL;
	if (fd < 0) {
		int e = errno;
		struct stat sb;

		if (e == ELOOP || (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))) {
			fprintf(stderr, "stmprog: error: -log %s: the file is a "
			        "symbolic link; stmprog does not write its log "
			        "through one\n", path);
			fprintf(stderr, "stmprog: hint: name the file itself, or "
			        "remove the link\n");
			return EXIT_USAGE;
		}
		fprintf(stderr, "stmprog: error: -log: cannot create the log file "
		        "%s: %s\n", path, strerror(e));
		fprintf(stderr, "stmprog: hint: name a file in a directory you can "
		        "write to\n");
		return EXIT_USAGE;
	}
	*log = fdopen(fd, "w");
	if (!*log) {
		close(fd);
		fprintf(stderr, "stmprog: error: out of memory\n");
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cli c;
	output out = {0};
	stp_ctx *ctx;
	char err[512], hint[512];
	int rc;

	if (cli_parse(&c, argc, argv, err, sizeof(err), hint, sizeof(hint))) {
		output_usage_error(err, hint);
		return EXIT_USAGE;
	}
	if (c.help) {
		print_help();
		return EXIT_OK;
	}
	if (c.version) {
		printf("stmprog %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (c.ncmds == 0) {
		output_usage_error("nothing to do",
		                   "give a command such as -l, -d FILE or -u; "
		                   "stmprog -h lists them");
		return EXIT_USAGE;
	}
	out.verbosity = c.quiet ? 0 : c.verbosity;
	if (c.log_file) {
		rc = open_log(c.log_file, &out.log);
		if (rc != EXIT_OK)
			return rc;
	}
	ctx = stp_ctx_new();
	if (!ctx) {
		fprintf(stderr, "stmprog: error: out of memory\n");
		return EXIT_INTERNAL;
	}
	output_attach(&out, ctx);
	rc = commands_run(&c, ctx, &out);
	stp_ctx_free(ctx);
	if (out.log)
		fclose(out.log);
	return rc;
}

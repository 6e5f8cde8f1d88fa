/* stmprog: program STM32 microcontrollers through their ROM bootloaders,
 * with the vendor CLI's option syntax.  This file parses the command line,
 * sets up output, and runs the commands in the order given; what each
 * command does lives in commands.c and goes through libstmprog only. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "help.h"
#include "json_output.h"
#include "output.h"

/* -log FILE.  An existing symbolic link is not followed: a link planted
 * where the log goes (a shared directory, a name a script reuses) would
 * otherwise make stmprog truncate and write whatever it points to, with
 * the user's rights.  The descriptor is not inherited by anything the
 * backends start.  On failure err and hint say why. */
static int open_log(const char *path, FILE **log, char *err, size_t errlen,
                    char *hint, size_t hintlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	              0644);

	*log = NULL;
	if (fd < 0) {
		int e = errno;
		struct stat sb;

		if (e == ELOOP || (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))) {
			snprintf(err, errlen, "-log %s: the file is a symbolic link; "
			         "stmprog does not write its log through one", path);
			snprintf(hint, hintlen, "name the file itself, or remove the "
			         "link");
			return EXIT_USAGE;
		}
		snprintf(err, errlen, "-log: cannot create the log file %s: %s",
		         path, strerror(e));
		snprintf(hint, hintlen, "name a file in a directory you can write "
		         "to");
		return EXIT_USAGE;
	}
	*log = fdopen(fd, "w");
	if (!*log) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		hint[0] = '\0';
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

/* Whether --json is among the words: a command line the parser refused
 * still gets its "exit" line when the script asked for JSON. */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	cli c;
	output out = {.verbosity = 1};
	stp_ctx *ctx;
	char err[512], hint[512];
	int rc;

	output_init(&out);
	if (cli_parse(&c, argc, argv, err, sizeof(err), hint, sizeof(hint))) {
		out.json = wants_json(argc, argv);
		return output_usage(&out, err, hint);
	}
	if (c.help) {
		print_help();
		return EXIT_OK;
	}
	if (c.version) {
		if (c.json)
			json_version(stdout, PACKAGE_VERSION);
		else
			printf("stmprog %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	out.json = c.json;
	out.verbosity = c.quiet ? 0 : c.verbosity;
	if (c.ncmds == 0)
		return output_usage(&out, "nothing to do",
		                    "give a command such as -l, -d FILE or -u; "
		                    "stmprog -h lists them");
	if (c.log_file) {
		rc = open_log(c.log_file, &out.log, err, sizeof(err), hint,
		              sizeof(hint));
		if (rc == EXIT_USAGE)
			return output_usage(&out, err, hint);
		if (rc != EXIT_OK) {
			output_usage_error(err, hint);
			return output_finish(&out, rc);
		}
	}
	ctx = stp_ctx_new();
	if (!ctx) {
		output_usage_error("out of memory", NULL);
		return output_finish(&out, EXIT_INTERNAL);
	}
	output_attach(&out, ctx);
	rc = commands_run(&c, ctx, &out);
	stp_ctx_free(ctx);
	return output_finish(&out, rc);
}

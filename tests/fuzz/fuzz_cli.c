/* libFuzzer harness: the stmprog command line (frontends/cli.c, compiled
 * into this program).  The input split at NUL bytes is argv[1..].  What
 * cli_parse accepts must stay inside its fixed arrays and point only at
 * the words it was given; what it refuses must say why.  The -c words and
 * --confirm-irreversible then go to the core's parsers, as the front-end
 * sends them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/guard.h"
#include "stmprog/portspec.h"
#include "../../frontends/cli.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 200

#define check(cond, what)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz: %s\n", what);                \
			abort();                                            \
		}                                                           \
	} while (0)

static bool is_arg(const fuzz_words *w, const char *p)
{
	for (int i = 0; i < w->n; i++)
		if (w->word[i] == p)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cli c;
	char err[512], hint[512];
	fuzz_words w;

	if (!fuzz_split(data, size, MAX_ARGS, "stmprog", &w))
		return 0;
	memset(err, 'x', sizeof(err));
	memset(hint, 'x', sizeof(hint));
	if (cli_parse(&c, w.n, w.word, err, sizeof(err), hint, sizeof(hint))) {
		check(memchr(err, '\0', sizeof(err)) && err[0],
		      "a refusal without a message");
		check(memchr(hint, '\0', sizeof(hint)), "hint unterminated");
		fuzz_words_free(&w);
		return 0;
	}
	check(c.nconnect >= 0 && c.nconnect <= CLI_MAX_WORDS,
	      "-c words out of bounds");
	check(c.ncmds >= 0 && c.ncmds <= CLI_MAX_COMMANDS,
	      "commands out of bounds");
	for (int i = 0; i < c.nconnect; i++)
		check(is_arg(&w, c.connect[i]), "a -c word that was not given");
	for (int k = 0; k < c.ncmds; k++) {
		const cli_command *cmd = &c.cmds[k];

		check(cmd->nwords >= 0 && cmd->nwords <= CLI_MAX_WORDS &&
		      cmd->nunits >= 0 && cmd->nunits <= CLI_MAX_WORDS,
		      "a command's words out of bounds");
		for (int i = 0; i < cmd->nwords; i++)
			check(is_arg(&w, cmd->words[i]),
			      "a command word that was not given");
		check(!cmd->file || is_arg(&w, cmd->file), "file not given");
		check(!cmd->file2 || is_arg(&w, cmd->file2), "file not given");
	}
	(void)cli_needs_target(&c);
	if (c.nconnect) {
		stp_ctx *ctx = stp_ctx_new();
		stp_portspec spec;

		check(ctx, "out of memory");
		(void)stp_portspec_parse(ctx, c.nconnect, c.connect, &spec);
		stp_ctx_free(ctx);
	}
	if (c.confirm) {
		unsigned kinds;

		(void)stp_irreversible_parse(NULL, c.confirm, &kinds);
	}
	fuzz_words_free(&w);
	return 0;
}

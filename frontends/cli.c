/* Parsing of the stmprog command line (see cli.h).
 *
 * Every option is a row of the table below: its spellings, how many words
 * it takes, and a decoder that checks those words.  An option's words are
 * all the following arguments that do not look like an option themselves
 * (a negative number never appears as an argument, so "-" starts an
 * option). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

typedef struct parse_state {
	char *err;
	unsigned errlen;
	char *hint;
	unsigned hintlen;
} parse_state;

static int fail(parse_state *ps, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(parse_state *ps, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	snprintf(ps->hint, ps->hintlen, "%s", hint ? hint : "");
	return -1;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

typedef int (*decode_fn)(parse_state *ps, cli *c, cli_command *cmd,
                         const char *opt);

static int d_none(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	return 0;
}

static int d_list(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (cmd->nwords == 1 && strcasecmp(cmd->words[0], "usb") &&
	    strcasecmp(cmd->words[0], "uart") && strcasecmp(cmd->words[0], "can"))
		return fail(ps, "write -l, -l usb, -l uart or -l can",
		            "%s %s: unknown interface", opt, cmd->words[0]);
	return 0;
}

/* -e all | -e N [M ...] | -e [A B] (brackets as their own words or stuck
 * to the numbers, as the vendor CLI's users write them).  Each word is
 * split in place of a copy: a joined copy needs a buffer, and the list's
 * length is the user's to choose. */
static int d_erase(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	static const char seps[] = "[], ";
	int opens = 0, closes = 0;
	bool range;
	int n = 0;

	if (cmd->nwords == 1 && !strcasecmp(cmd->words[0], "all")) {
		cmd->all = true;
		return 0;
	}
	for (int i = 0; i < cmd->nwords; i++)
		for (const char *p = cmd->words[i]; *p; p++) {
			opens += *p == '[';
			closes += *p == ']';
		}
	range = opens > 0;
	if (opens != closes)
		return fail(ps, "write a range as -e [5 10]",
		            "%s: unbalanced brackets (%d '[', %d ']')", opt, opens,
		            closes);
	if (opens > 1)
		return fail(ps, "write a range as -e [5 10]",
		            "%s: one range per option", opt);
	for (int i = 0; i < cmd->nwords; i++) {
		const char *p = cmd->words[i];

		for (;;) {
			size_t len;
			char tok[16];

			p += strspn(p, seps);
			if (!*p)
				break;
			len = strcspn(p, seps);
			if (n == CLI_MAX_WORDS)
				return fail(ps, "use a range: -e [first last]",
				            "%s: more than %d sector numbers", opt,
				            CLI_MAX_WORDS);
			/* Sector numbers fit in 16 bits: a longer token is no
			 * number, whatever it holds, and is quoted cut short. */
			if (len >= sizeof(tok))
				return fail(ps, "-e all, -e 0 1 2 or -e [5 10]",
				            "%s: '%.12s...' (%zu characters) is not a "
				            "sector number", opt, p, len);
			memcpy(tok, p, len);
			tok[len] = '\0';
			if (!parse_u32(tok, &cmd->units[n]) || cmd->units[n] > 0xFFFF)
				return fail(ps, "-e all, -e 0 1 2 or -e [5 10]",
				            "%s: '%s' is not a sector number", opt, tok);
			n++;
			p += len;
		}
	}
	if (range) {
		if (n != 2)
			return fail(ps, "write a range as -e [5 10]",
			            "%s: a range takes exactly two sector numbers", opt);
		if (cmd->units[0] > cmd->units[1])
			return fail(ps, NULL, "%s [%u %u]: the range is backwards", opt,
			            cmd->units[0], cmd->units[1]);
		cmd->first = cmd->units[0];
		cmd->last = cmd->units[1];
		cmd->range = true;
		n = 0;
	}
	if (!range && n == 0)
		return fail(ps, "-e all, -e 0 1 2 or -e [5 10]",
		            "%s needs 'all', sector numbers or a range", opt);
	cmd->nunits = n;
	return 0;
}

static int d_download(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	cmd->file = cmd->words[0];
	if (cmd->nwords == 2) {
		if (!parse_u32(cmd->words[1], &cmd->addr))
			return fail(ps, "write the address as 0x08000000",
			            "%s %s %s: '%s' is not an address", opt,
			            cmd->words[0], cmd->words[1], cmd->words[1]);
		cmd->has_addr = true;
	}
	return 0;
}

static int d_upload(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (!parse_u32(cmd->words[0], &cmd->addr))
		return fail(ps, "usage: -u ADDRESS SIZE FILE, e.g. -u 0x08000000 0x4000 out.bin",
		            "%s: '%s' is not an address", opt, cmd->words[0]);
	if (!parse_u32(cmd->words[1], &cmd->size) || cmd->size == 0)
		return fail(ps, "usage: -u ADDRESS SIZE FILE, e.g. -u 0x08000000 0x4000 out.bin",
		            "%s: '%s' is not a size", opt, cmd->words[1]);
	if ((uint64_t)cmd->addr + cmd->size > (uint64_t)UINT32_MAX + 1)
		return fail(ps, NULL, "%s: 0x%08X + 0x%X runs past the 4 GiB address space",
		            opt, cmd->addr, cmd->size);
	cmd->has_addr = true;
	cmd->file = cmd->words[2];
	return 0;
}

static int d_go(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (cmd->nwords == 1) {
		if (!parse_u32(cmd->words[0], &cmd->addr))
			return fail(ps, "write the address as 0x08000000",
			            "%s: '%s' is not an address", opt, cmd->words[0]);
		cmd->has_addr = true;
	}
	return 0;
}

static int d_ob(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (cmd->nwords == 1 && !strcasecmp(cmd->words[0], "displ"))
		return 0;
	for (int i = 0; i < cmd->nwords; i++) {
		const char *eq = strchr(cmd->words[i], '=');
		uint32_t v;
		if (!eq || eq == cmd->words[i])
			return fail(ps, "-ob displ, or -ob RDP=0xAA nBOOT0=1 ...",
			            "%s: '%s' is not KEY=VALUE", opt, cmd->words[i]);
		if (!parse_u32(eq + 1, &v))
			return fail(ps, "give the value as a number, e.g. RDP=0xAA or "
			            "nBOOT0=1 (-ob displ shows each field's value)",
			            "%s %s: '%s' is not a number", opt, cmd->words[i],
			            eq + 1);
	}
	return 0;
}

static int d_chip(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->chip = cmd->words[0];
	return 0;
}

static int d_convert(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	cmd->file = cmd->words[0];
	cmd->file2 = cmd->words[1];
	return 0;
}

/* Settings, not commands: they change how the commands run. */
static int d_connect(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (c->nconnect)
		return fail(ps, "give one -c per run", "%s given twice", opt);
	for (int i = 0; i < cmd->nwords; i++)
		c->connect[c->nconnect++] = cmd->words[i];
	return 0;
}

static int d_quiet(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->quiet = true;
	return 0;
}

static int d_json(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->json = true;
	return 0;
}

static int d_verbosity(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	uint32_t v;

	if (!parse_u32(cmd->words[0], &v) || v < 1 || v > 3)
		return fail(ps, "use -vb 1, -vb 2 or -vb 3", "%s %s: expected 1, 2 or 3",
		            opt, cmd->words[0]);
	c->verbosity = (int)v;
	return 0;
}

static int d_log(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->log_file = cmd->nwords ? cmd->words[0] : "stmprog.log";
	return 0;
}

static int d_help(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->help = true;
	return 0;
}

static int d_version(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->version = true;
	return 0;
}

static int d_format(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	c->format = cmd->words[0];
	return 0;
}

static int d_base(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (!parse_u32(cmd->words[0], &c->base))
		return fail(ps, "write the address as 0x08000000",
		            "%s: '%s' is not an address", opt, cmd->words[0]);
	c->has_base = true;
	return 0;
}

static int d_confirm(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (c->confirm)
		return fail(ps, "name every step in one list: "
		            "--confirm-irreversible rdp2,otp",
		            "%s given twice", opt);
	c->confirm = cmd->words[0];
	return 0;
}

#define SETTING (-1)

static const struct option_row {
	const char *names[4];
	int kind;            /* cli_kind, or SETTING */
	int min, max;        /* words */
	decode_fn decode;
	const char *usage;
} options[] = {
	{{"-c", "--connect"}, SETTING, 1, CLI_MAX_WORDS, d_connect, "-c port=NAME [key=value ...]"},
	{{"-l", "--list"}, CMD_LIST, 0, 1, d_list, "-l [usb|uart|can]"},
	{{"--backends"}, CMD_BACKENDS, 0, 0, d_none, "--backends"},
	{{"-e", "--erase"}, CMD_ERASE, 1, CLI_MAX_WORDS, d_erase, "-e all | -e N [M ...] | -e [FIRST LAST]"},
	{{"-d", "--download", "-w", "--write"}, CMD_DOWNLOAD, 1, 2, d_download, "-d FILE [ADDRESS]"},
	{{"-v", "--verify"}, CMD_VERIFY, 0, 0, d_none, "-v"},
	{{"-u", "--upload", "-r", "--read"}, CMD_UPLOAD, 3, 3, d_upload, "-u ADDRESS SIZE FILE"},
	{{"-g", "--go", "-s", "--start"}, CMD_GO, 0, 1, d_go, "-g [ADDRESS]"},
	{{"-ob", "--optionbytes"}, CMD_OB, 1, CLI_MAX_WORDS, d_ob, "-ob displ | -ob KEY=VALUE ..."},
	{{"-rdu", "--readunprotect"}, CMD_RDU, 0, 0, d_none, "-rdu"},
	{{"--write-protect", "-wp"}, CMD_WP, 1, CLI_MAX_WORDS, d_erase, "--write-protect all | N [M ...] | [FIRST LAST]"},
	{{"--write-unprotect", "-wup"}, CMD_WUP, 0, 0, d_none, "--write-unprotect"},
	{{"--readout-protect", "-rdp"}, CMD_RDP, 0, 0, d_none, "--readout-protect"},
	{{"--chips"}, CMD_CHIPS, 0, 0, d_none, "--chips"},
	{{"--chip"}, CMD_CHIP, 1, 1, d_chip, "--chip NAME|PID"},
	{{"--convert"}, CMD_CONVERT, 2, 2, d_convert, "--convert IN OUT"},
	{{"--format"}, SETTING, 1, 1, d_format, "--format bin|hex|srec|elf|dfu"},
	{{"--base"}, SETTING, 1, 1, d_base, "--base ADDRESS"},
	{{"--confirm-irreversible"}, SETTING, 1, 1, d_confirm, "--confirm-irreversible rdp2|bootloader|otp|all[,...]"},
	{{"-q", "--quiet"}, SETTING, 0, 0, d_quiet, "-q"},
	{{"--json"}, SETTING, 0, 0, d_json, "--json"},
	{{"-vb", "--verbosity"}, SETTING, 1, 1, d_verbosity, "-vb 1|2|3"},
	{{"-log", "--log"}, SETTING, 0, 1, d_log, "-log [FILE]"},
	{{"-h", "--help", "-?"}, SETTING, 0, 0, d_help, "-h"},
	{{"--version", "-version"}, SETTING, 0, 0, d_version, "--version"},
};

static const struct option_row *find_option(const char *arg)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		for (int j = 0; j < 4 && options[i].names[j]; j++)
			if (!strcmp(arg, options[i].names[j]))
				return &options[i];
	return NULL;
}

int cli_parse(cli *c, int argc, char **argv, char *err, unsigned errlen,
              char *hint, unsigned hintlen)
{
	parse_state ps = {err, errlen, hint, hintlen};
	int i = 1;

	memset(c, 0, sizeof(*c));
	c->verbosity = 1;
	err[0] = hint[0] = '\0';
	while (i < argc) {
		const char *opt = argv[i];
		const struct option_row *row = find_option(opt);
		cli_command scratch, *cmd = &scratch;

		if (!row) {
			if (is_option(opt))
				return fail(&ps, "stmprog -h lists the options",
				            "unknown option %s", opt);
			return fail(&ps, "every command starts with an option such as -d or -u",
			            "'%s' does not belong to any option", opt);
		}
		if (row->kind != SETTING) {
			if (c->ncmds == CLI_MAX_COMMANDS)
				return fail(&ps, NULL, "more than %d commands", CLI_MAX_COMMANDS);
			cmd = &c->cmds[c->ncmds];
		}
		memset(cmd, 0, sizeof(*cmd));
		cmd->kind = row->kind == SETTING ? CMD_LIST : (cli_kind)row->kind;
		i++;
		while (i < argc && !is_option(argv[i]) && cmd->nwords < row->max)
			cmd->words[cmd->nwords++] = argv[i++];
		if (cmd->nwords < row->min)
			return fail(&ps, row->usage, "%s needs %s%d argument%s", opt,
			            row->min == row->max ? "" : "at least ", row->min,
			            row->min == 1 ? "" : "s");
		if (row->decode(&ps, c, cmd, opt))
			return -1;
		if (row->kind != SETTING)
			c->ncmds++;
	}
	/* --chip alone describes the chip; with other commands it forces it. */
	for (int k = 0; k < c->ncmds; k++) {
		if (c->cmds[k].kind == CMD_CHIP && c->ncmds > 1) {
			memmove(&c->cmds[k], &c->cmds[k + 1],
			        (size_t)(c->ncmds - k - 1) * sizeof(c->cmds[0]));
			c->ncmds--;
			k--;
		}
	}
	return 0;
}

bool cli_needs_target(const cli *c)
{
	for (int i = 0; i < c->ncmds; i++) {
		switch (c->cmds[i].kind) {
		case CMD_ERASE:
		case CMD_DOWNLOAD:
		case CMD_VERIFY:
		case CMD_UPLOAD:
		case CMD_GO:
		case CMD_OB:
		case CMD_RDU:
		case CMD_WP:
		case CMD_WUP:
		case CMD_RDP:
			return true;
		default:
			break;
		}
	}
	return false;
}

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
#include <sys/stat.h>

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

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
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

/* -ob FILE: a preset of KEY=VALUE lines, told from an assignment by
 * the file being there or by its name (a missing preset is then said to
 * be missing, not taken for a malformed assignment). */
static bool is_preset_file(const char *word)
{
	size_t n = strlen(word);
	struct stat sb;

	if (strchr(word, '=') && stat(word, &sb) != 0)
		return false;
	return stat(word, &sb) == 0 ||
	       (n > 4 && !strcasecmp(word + n - 4, ".txt")) ||
	       (n > 3 && !strcasecmp(word + n - 3, ".ob"));
}

static int d_ob(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	if (cmd->nwords == 1 && !strcasecmp(cmd->words[0], "displ"))
		return 0;
	if (cmd->nwords == 1 && is_preset_file(cmd->words[0])) {
		cmd->file = cmd->words[0];
		return 0;
	}
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

/* The width in bits an option's name ends with: -w32 -> 32. */
static unsigned name_width(const char *opt)
{
	return (unsigned)strtoul(opt + strcspn(opt, "0123456789"), NULL, 10);
}

/* -w8/-w16/-w32/-w64 ADDRESS DATA ...: the words, little-endian, as
 * the chip stores them. */
static int d_write_words(parse_state *ps, cli *c, cli_command *cmd,
                         const char *opt)
{
	unsigned bytes;

	cmd->width = name_width(opt);
	bytes = cmd->width / 8;
	if (!parse_u32(cmd->words[0], &cmd->addr))
		return fail(ps, "e.g. -w32 0x08003F00 0x12345678",
		            "%s: '%s' is not an address", opt, cmd->words[0]);
	cmd->has_addr = true;
	for (int i = 1; i < cmd->nwords; i++) {
		uint64_t v;

		if (!parse_u64(cmd->words[i], &v) ||
		    (cmd->width < 64 && v >> cmd->width))
			return fail(ps, "give each value as a number that fits the "
			            "width, e.g. 0xAB for -w8, 0x12345678 for -w32",
			            "%s: '%s' is not a %u-bit value", opt,
			            cmd->words[i], cmd->width);
		for (unsigned b = 0; b < bytes; b++)
			cmd->data[cmd->ndata++] = (uint8_t)(v >> (8 * b));
	}
	if ((uint64_t)cmd->addr + cmd->ndata > (uint64_t)UINT32_MAX + 1)
		return fail(ps, NULL, "%s: 0x%08X + %u bytes runs past the 4 GiB "
		            "address space", opt, cmd->addr, cmd->ndata);
	return 0;
}

/* ADDRESS SIZE of -r8..-r32 and -checksum: a non-empty range below
 * 4 GiB. */
static int decode_range(parse_state *ps, cli_command *cmd, const char *opt,
                        const char *usage)
{
	if (!parse_u32(cmd->words[0], &cmd->addr))
		return fail(ps, usage, "%s: '%s' is not an address", opt,
		            cmd->words[0]);
	if (!parse_u32(cmd->words[1], &cmd->size) || cmd->size == 0)
		return fail(ps, usage, "%s: '%s' is not a size", opt, cmd->words[1]);
	if ((uint64_t)cmd->addr + cmd->size > (uint64_t)UINT32_MAX + 1)
		return fail(ps, NULL, "%s: 0x%08X + 0x%X runs past the 4 GiB "
		            "address space", opt, cmd->addr, cmd->size);
	cmd->has_addr = true;
	return 0;
}

/* -r8/-r16/-r32 ADDRESS SIZE: SIZE in bytes, whole words of the width. */
static int d_read_words(parse_state *ps, cli *c, cli_command *cmd,
                        const char *opt)
{
	cmd->width = name_width(opt);
	if (decode_range(ps, cmd, opt, "e.g. -r32 0x08000000 64 (SIZE in bytes)"))
		return -1;
	if (cmd->size % (cmd->width / 8))
		return fail(ps, "give the size in bytes, a multiple of the width",
		            "%s: %u bytes is not a whole number of %u-bit words",
		            opt, cmd->size, cmd->width);
	return 0;
}

static int d_checksum(parse_state *ps, cli *c, cli_command *cmd,
                      const char *opt)
{
	return decode_range(ps, cmd, opt,
	                    "e.g. -checksum 0x08000000 0x4000 (SIZE in bytes)");
}

/* The most -fillmemory writes: more than any STM32's flash. */
#define FILL_MAX (64u << 20)

/* -fillmemory ADDRESS size=N pattern=P [dataWidth=8|16|32]: N bytes of
 * the pattern, a word of dataWidth bits (8 unless given) repeated. */
static int d_fill(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	static const char usage[] =
		"-fillmemory 0x08010000 size=0x400 pattern=0xA5 [dataWidth=8|16|32]";
	bool has_size = false, has_pattern = false;
	uint32_t pattern = 0;

	cmd->width = 8;
	if (!parse_u32(cmd->words[0], &cmd->addr))
		return fail(ps, usage, "%s: '%s' is not an address", opt,
		            cmd->words[0]);
	cmd->has_addr = true;
	for (int i = 1; i < cmd->nwords; i++) {
		const char *w = cmd->words[i], *eq = strchr(w, '=');
		uint32_t v;

		if (!eq || !parse_u32(eq + 1, &v))
			return fail(ps, usage, "%s: '%s' is not size=N, pattern=P or "
			            "dataWidth=W with a number", opt, w);
		if (!strncasecmp(w, "size=", 5)) {
			cmd->size = v;
			has_size = true;
		} else if (!strncasecmp(w, "pattern=", 8)) {
			pattern = v;
			has_pattern = true;
		} else if (!strncasecmp(w, "dataWidth=", 10)) {
			if (v != 8 && v != 16 && v != 32)
				return fail(ps, usage, "%s: dataWidth=%u: expected 8, 16 "
				            "or 32", opt, v);
			cmd->width = v;
		} else {
			return fail(ps, usage, "%s: unknown key in '%s'", opt, w);
		}
	}
	if (!has_size || !has_pattern)
		return fail(ps, usage, "%s needs size= and pattern=", opt);
	if (cmd->size == 0 || cmd->size > FILL_MAX)
		return fail(ps, usage, "%s: size=%u: expected 1 to %u bytes", opt,
		            cmd->size, FILL_MAX);
	if (cmd->width < 32 && pattern >> cmd->width)
		return fail(ps, "give a pattern that fits dataWidth, or a wider "
		            "dataWidth", "%s: pattern=0x%X does not fit %u bits",
		            opt, pattern, cmd->width);
	if (cmd->size % (cmd->width / 8))
		return fail(ps, usage, "%s: size=%u is not a whole number of "
		            "%u-bit words", opt, cmd->size, cmd->width);
	if ((uint64_t)cmd->addr + cmd->size > (uint64_t)UINT32_MAX + 1)
		return fail(ps, NULL, "%s: 0x%08X + 0x%X runs past the 4 GiB "
		            "address space", opt, cmd->addr, cmd->size);
	cmd->pattern = pattern;
	return 0;
}

static int d_reset(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	cmd->hard = !strcasecmp(opt, "-hardRst");
	return 0;
}

static int d_skip_erase(parse_state *ps, cli *c, cli_command *cmd,
                        const char *opt)
{
	c->skip_erase = true;
	return 0;
}

static int d_flash_size(parse_state *ps, cli *c, cli_command *cmd,
                        const char *opt)
{
	uint32_t kb;

	if (!parse_u32(cmd->words[0], &kb) || kb == 0 || kb > 4u * 1024 * 1024 - 1)
		return fail(ps, "e.g. --flash-size 128 for 128 KiB",
		            "%s %s: expected a size in KiB", opt, cmd->words[0]);
	c->flash_size = kb * 1024u;
	return 0;
}

static int d_timeout(parse_state *ps, cli *c, cli_command *cmd, const char *opt)
{
	uint32_t ms;

	if (!parse_u32(cmd->words[0], &ms) || ms == 0)
		return fail(ps, "e.g. -tm 5000 for five seconds",
		            "%s %s: expected milliseconds, more than 0", opt,
		            cmd->words[0]);
	c->timeout_ms = ms;
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
	{{"-ob", "--optionbytes"}, CMD_OB, 1, CLI_MAX_WORDS, d_ob, "-ob displ | -ob KEY=VALUE ... | -ob FILE"},
	{{"-rdu", "--readunprotect"}, CMD_RDU, 0, 0, d_none, "-rdu"},
	{{"--write-protect", "-wp"}, CMD_WP, 1, CLI_MAX_WORDS, d_erase, "--write-protect all | N [M ...] | [FIRST LAST]"},
	{{"--write-unprotect", "-wup"}, CMD_WUP, 0, 0, d_none, "--write-unprotect"},
	{{"--readout-protect", "-rdp"}, CMD_RDP, 0, 0, d_none, "--readout-protect"},
	{{"-w8", "-w16", "-w32", "-w64"}, CMD_WRITE_WORDS, 2, CLI_MAX_WORDS, d_write_words, "-w32 ADDRESS DATA ..."},
	{{"-r8", "-r16", "-r32"}, CMD_READ_WORDS, 2, 2, d_read_words, "-r32 ADDRESS SIZE"},
	{{"-fillmemory", "--fillmemory"}, CMD_FILL, 1, 4, d_fill, "-fillmemory ADDRESS size=N pattern=P [dataWidth=8|16|32]"},
	{{"-blankcheck", "--blankcheck"}, CMD_BLANKCHECK, 0, 0, d_none, "-blankcheck"},
	{{"-checksum", "--checksum"}, CMD_CHECKSUM, 2, 2, d_checksum, "-checksum ADDRESS SIZE"},
	{{"-rst", "-hardRst"}, CMD_RESET, 0, 0, d_reset, "-rst | -hardRst"},
	{{"--skipErase", "-skipErase"}, SETTING, 0, 0, d_skip_erase, "--skipErase"},
	{{"--flash-size"}, SETTING, 1, 1, d_flash_size, "--flash-size KB"},
	{{"-tm", "--timeout"}, SETTING, 1, 1, d_timeout, "-tm MS"},
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

/* The vendor CLI's options for debug probes, external loaders and
 * provisioning, which have nothing to act on over a ROM bootloader: a
 * script that uses one is told why it is refused, not only that the
 * option is unknown (docs/vendor-compat.md has the same table). */
static const struct {
	const char *names[7];
	const char *why;
} vendor_only[] = {
	{{"-el", "-elbl"},
	 "it loads an external flash loader, code that would run in the target; "
	 "stmprog programs the chip's own memories"},
	{{"-halt", "-run", "-step", "-score", "-coreReg", "-regdump"},
	 "core control and registers need the debug port"},
	{{"-swv", "-startswv"}, "trace output needs the debug port"},
	{{"-sfi", "-ssfi", "-smi", "-sl"},
	 "secure firmware install and image tools are provisioning flows "
	 "outside programming"},
	{{"-startfus", "-fwupgrade", "-fwdelete", "-antirollback"},
	 "the STM32WB wireless stack's FUS protocol is not in stmprog"},
	{{"-lockRDP1", "-unlockRDP1", "-lockRDP2", "-unlockRDP2", "-tzenreg"},
	 "password-based RDP regression and TrustZone regions are not reachable "
	 "through the ROM bootloaders stmprog speaks"},
	{{"-ssigfoxc", "-wsigfoxc"},
	 "Sigfox credentials are one product family's application data"},
};

static const char *vendor_only_reason(const char *arg)
{
	for (size_t i = 0; i < sizeof(vendor_only) / sizeof(vendor_only[0]); i++)
		for (int j = 0; j < 7 && vendor_only[i].names[j]; j++)
			if (!strcasecmp(arg, vendor_only[i].names[j]))
				return vendor_only[i].why;
	return NULL;
}

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
	/* --convert IN OUT takes its two files wherever they stand among
	 * the options that shape it (--chip, --format, --base): the command
	 * short of its files, or -1. */
	int pending = -1;
	const struct option_row *pending_row = NULL;

	memset(c, 0, sizeof(*c));
	c->verbosity = 1;
	err[0] = hint[0] = '\0';
	while (i < argc) {
		const char *opt = argv[i];
		const struct option_row *row = find_option(opt);
		cli_command scratch, *cmd = &scratch;

		if (!row && pending >= 0 && !is_option(opt)) {
			cli_command *p = &c->cmds[pending];

			p->words[p->nwords++] = opt;
			i++;
			if (p->nwords == pending_row->max) {
				if (pending_row->decode(&ps, c, p, pending_row->names[0]))
					return -1;
				pending = -1;
			}
			continue;
		}
		if (!row) {
			const char *why = vendor_only_reason(opt);
			if (why)
				return fail(&ps, "docs/vendor-compat.md lists what "
				            "stmprog does with each vendor option",
				            "%s is an option of ST's CLI that does not "
				            "apply over a ROM bootloader: %s", opt, why);
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
		if (row->kind == CMD_CONVERT && cmd->nwords < row->min &&
		    pending < 0) {
			pending = c->ncmds++;
			pending_row = row;
			continue;
		}
		if (cmd->nwords < row->min)
			return fail(&ps, row->usage, "%s needs %s%d argument%s", opt,
			            row->min == row->max ? "" : "at least ", row->min,
			            row->min == 1 ? "" : "s");
		if (row->decode(&ps, c, cmd, opt))
			return -1;
		if (row->kind != SETTING)
			c->ncmds++;
	}
	if (pending >= 0)
		return fail(&ps, pending_row->usage, "%s needs %d arguments",
		            pending_row->names[0], pending_row->min);
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
		case CMD_WRITE_WORDS:
		case CMD_READ_WORDS:
		case CMD_FILL:
		case CMD_BLANKCHECK:
		case CMD_CHECKSUM:
		case CMD_RESET:
			return true;
		default:
			break;
		}
	}
	return false;
}

/* The stmprog command line, in the vendor CLI's syntax: options that take
 * the words after them until the next option, commands run in the order
 * given.  Parsing is kept apart from running so it can be tested alone. */
#ifndef STMPROG_CLI_H
#define STMPROG_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define CLI_MAX_WORDS 64
#define CLI_MAX_COMMANDS 32

typedef enum cli_kind {
	CMD_LIST = 0,     /* -l [usb|uart|can] */
	CMD_BACKENDS,     /* --backends */
	CMD_ERASE,        /* -e all | -e N M ... | -e [A B] */
	CMD_DOWNLOAD,     /* -d/-w FILE [ADDR] */
	CMD_VERIFY,       /* -v: verify what the last download wrote */
	CMD_UPLOAD,       /* -u ADDR SIZE FILE */
	CMD_GO,           /* -g/-s [ADDR] */
	CMD_OB,           /* -ob displ | -ob KEY=VALUE ... */
	CMD_RDU,          /* -rdu */
	CMD_CHIPS,        /* --chips */
	CMD_CHIP,         /* --chip NAME|PID (alone: show the entry) */
	CMD_CONVERT,      /* --convert IN OUT */
	CMD_WP,           /* --write-protect all | N [M ...] | [FIRST LAST] */
	CMD_WUP,          /* --write-unprotect */
	CMD_RDP,          /* --readout-protect (level 1) */
	CMD_WRITE_WORDS,  /* -w8/-w16/-w32/-w64 ADDRESS DATA ... */
	CMD_READ_WORDS,   /* -r8/-r16/-r32 ADDRESS SIZE: print memory */
	CMD_FILL,         /* -fillmemory ADDRESS size=N pattern=P [dataWidth=W] */
	CMD_BLANKCHECK,   /* -blankcheck */
	CMD_CHECKSUM,     /* -checksum ADDRESS SIZE */
	CMD_RESET         /* -rst / -hardRst */
} cli_kind;

/* The most bytes -w8..-w64 take (the words of one option, 8 bytes each). */
#define CLI_MAX_DATA (CLI_MAX_WORDS * 8)

typedef struct cli_command {
	cli_kind kind;
	const char *words[CLI_MAX_WORDS]; /* the option's words, verbatim */
	int nwords;
	/* Decoded forms: */
	bool all;                 /* -e all */
	uint32_t addr;            /* -d ADDR, -u ADDR, -g ADDR */
	bool has_addr;
	uint32_t size;            /* -u SIZE */
	const char *file;         /* -d FILE, -u FILE, --convert IN */
	const char *file2;        /* --convert OUT */
	bool range;               /* -e [A B]: first..last, units unused */
	uint32_t first, last;     /* (only with range) */
	uint32_t units[CLI_MAX_WORDS];
	int nunits;
	unsigned width;           /* -w8..-w64, -r8..-r32, dataWidth=: bits */
	uint8_t data[CLI_MAX_DATA]; /* -wN: the words, little-endian */
	uint32_t ndata;           /* bytes in data */
	uint32_t pattern;         /* -fillmemory pattern= */
	bool hard;                /* -hardRst */
} cli_command;

typedef struct cli {
	const char *connect[CLI_MAX_WORDS]; /* -c's words */
	int nconnect;
	bool quiet;
	bool json;                /* --json: events as JSON lines on stdout */
	int verbosity;            /* -vb 1..3, default 1 */
	const char *log_file;     /* -log FILE */
	bool help, version;
	const char *chip;         /* --chip NAME|PID: force/describe the chip */
	const char *format;       /* --format NAME */
	uint32_t base;            /* --base ADDR (binary images) */
	bool has_base;
	cli_command cmds[CLI_MAX_COMMANDS];
	int ncmds;
	/* --confirm-irreversible WHAT[,WHAT]: the irreversible steps this
	 * run may take (rdp2, bootloader, otp, all); checked by the core. */
	const char *confirm;
	bool skip_erase;          /* --skipErase */
	uint32_t flash_size;      /* --flash-size KB, in bytes (0: the chip's) */
	unsigned timeout_ms;      /* -tm MS (0: the backends' own) */
} cli;

/* Parses argv[1..argc-1].  On failure returns -1 with a message naming the
 * option in err (and a hint in hint, possibly empty). */
int cli_parse(cli *c, int argc, char **argv, char *err, unsigned errlen,
              char *hint, unsigned hintlen);

/* Does any command need a connection (-c)? */
bool cli_needs_target(const cli *c);

#endif

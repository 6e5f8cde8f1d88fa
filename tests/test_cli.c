/* The stmprog command line in the vendor CLI's syntax: what each option
 * takes, the order of commands, and errors that name the option. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../frontends/cli.h"

static cli c;
static char err[512], hint[512];

static int parse(const char *line)
{
	static char buf[2048];
	static char *argv[128];
	int argc = 0;
	char *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = "stmprog";
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return cli_parse(&c, argc, argv, err, sizeof(err), hint, sizeof(hint));
}

static void parse_ok(const char *line)
{
	cr_assert_eq(parse(line), 0, "'%s': %s", line, err);
}

static void parse_fails(const char *line, const char *needle)
{
	cr_assert_eq(parse(line), -1, "'%s' should fail", line);
	cr_assert(strstr(err, needle), "'%s': error '%s' lacks '%s'", line, err, needle);
}

Test(cli, vendor_download_line)
{
	parse_ok("-c port=usb1 -d fw.bin 0x08000000 -v -g");
	cr_assert_eq(c.nconnect, 1);
	cr_assert_str_eq(c.connect[0], "port=usb1");
	cr_assert_eq(c.ncmds, 3);
	cr_assert_eq(c.cmds[0].kind, CMD_DOWNLOAD);
	cr_assert_str_eq(c.cmds[0].file, "fw.bin");
	cr_assert(c.cmds[0].has_addr);
	cr_assert_eq(c.cmds[0].addr, 0x08000000);
	cr_assert_eq(c.cmds[1].kind, CMD_VERIFY);
	cr_assert_eq(c.cmds[2].kind, CMD_GO);
	cr_assert_not(c.cmds[2].has_addr);
	cr_assert(cli_needs_target(&c));
}

Test(cli, uart_connection_words)
{
	parse_ok("-c port=/dev/ttyUSB0 br=115200 P=EVEN db=8 sb=1 fc=OFF noinit=0 -w fw.hex");
	cr_assert_eq(c.nconnect, 7);
	cr_assert_str_eq(c.connect[6], "noinit=0");
	cr_assert_eq(c.cmds[0].kind, CMD_DOWNLOAD);
	cr_assert_not(c.cmds[0].has_addr);
}

Test(cli, erase_forms)
{
	parse_ok("-c port=usb1 -e all");
	cr_assert(c.cmds[0].all);
	parse_ok("-c port=usb1 -e 0 1 2");
	cr_assert_eq(c.cmds[0].nunits, 3);
	cr_assert_eq(c.cmds[0].units[2], 2);
	parse_ok("-c port=usb1 -e [5 10]");
	cr_assert(c.cmds[0].range);
	cr_assert_eq(c.cmds[0].first, 5);
	cr_assert_eq(c.cmds[0].last, 10);
	parse_ok("-c port=usb1 -e [ 0 200 ]");
	cr_assert_eq(c.cmds[0].last, 200);
	parse_fails("-c port=usb1 -e [5 10", "unbalanced");
	parse_fails("-c port=usb1 -e [10 5]", "backwards");
	parse_fails("-c port=usb1 -e [1 2 3]", "exactly two");
	parse_fails("-c port=usb1 -e some", "'some' is not a sector number");
	parse_fails("-c port=usb1 -e", "-e needs at least 1 argument");
}

Test(cli, upload_and_go)
{
	parse_ok("-c port=COM3 -u 0x08000000 0x4000 out.bin -s 0x08000000");
	cr_assert_eq(c.cmds[0].kind, CMD_UPLOAD);
	cr_assert_eq(c.cmds[0].addr, 0x08000000);
	cr_assert_eq(c.cmds[0].size, 0x4000);
	cr_assert_str_eq(c.cmds[0].file, "out.bin");
	cr_assert_eq(c.cmds[1].kind, CMD_GO);
	cr_assert_eq(c.cmds[1].addr, 0x08000000);
	parse_fails("-c port=COM3 -u 0x08000000 out.bin", "-u needs 3 arguments");
	parse_fails("-c port=COM3 -u 0x08000000 zero out.bin", "'zero' is not a size");
	parse_fails("-c port=COM3 -u 0xFFFFFF00 0x200 out.bin", "runs past");
	parse_fails("-c port=COM3 -g main", "'main' is not an address");
}

Test(cli, settings_and_listing)
{
	parse_ok("-l usb -q");
	cr_assert(c.quiet);
	cr_assert_eq(c.cmds[0].kind, CMD_LIST);
	cr_assert_str_eq(c.cmds[0].words[0], "usb");
	cr_assert_not(cli_needs_target(&c));
	parse_ok("-l -vb 3");
	cr_assert_eq(c.verbosity, 3);
	cr_assert_eq(c.cmds[0].nwords, 0);
	parse_fails("-l serial", "unknown interface");
	parse_fails("-vb 4 -l", "expected 1, 2 or 3");
	parse_ok("--backends -log run.log");
	cr_assert_str_eq(c.log_file, "run.log");
	parse_ok("--version");
	cr_assert(c.version);
	parse_ok("-h");
	cr_assert(c.help);
}

Test(cli, option_bytes)
{
	parse_ok("-c port=usb1 -ob displ");
	cr_assert_eq(c.cmds[0].kind, CMD_OB);
	parse_ok("-c port=usb1 -ob RDP=0xAA nBOOT0=1");
	cr_assert_eq(c.cmds[0].nwords, 2);
	parse_fails("-c port=usb1 -ob RDP", "'RDP' is not KEY=VALUE");
	parse_ok("-c port=usb1 -rdu");
	cr_assert_eq(c.cmds[0].kind, CMD_RDU);
}

Test(cli, chip_and_convert)
{
	parse_ok("--chip 0x450");
	cr_assert_eq(c.ncmds, 1);
	cr_assert_eq(c.cmds[0].kind, CMD_CHIP);
	parse_ok("--convert fw.hex fw.dfu --chip 0x450");
	cr_assert_eq(c.ncmds, 1);
	cr_assert_eq(c.cmds[0].kind, CMD_CONVERT);
	cr_assert_str_eq(c.cmds[0].file2, "fw.dfu");
	cr_assert_str_eq(c.chip, "0x450");
	parse_ok("--format hex --base 0x08004000 --chips");
	cr_assert_str_eq(c.format, "hex");
	cr_assert_eq(c.base, 0x08004000);
}

Test(cli, errors_name_the_option)
{
	parse_fails("-x", "unknown option -x");
	parse_fails("fw.bin", "'fw.bin' does not belong to any option");
	parse_fails("-c port=usb1 -c port=usb2", "-c given twice");
	parse_fails("-d fw.bin 0xZZ", "'0xZZ' is not an address");
	parse_fails("-c", "-c needs at least 1 argument");
	parse_fails("-d", "-d needs at least 1 argument");
}

Test(cli, protection_commands)
{
	parse_ok("-c port=/dev/ttyUSB0 --write-protect [2 3] --write-unprotect "
	         "--readout-protect -rdu");
	cr_assert_eq(c.ncmds, 4);
	cr_assert_eq(c.cmds[0].kind, CMD_WP);
	cr_assert(c.cmds[0].range);
	cr_assert_eq(c.cmds[0].first, 2);
	cr_assert_eq(c.cmds[0].last, 3);
	cr_assert_eq(c.cmds[1].kind, CMD_WUP);
	cr_assert_eq(c.cmds[2].kind, CMD_RDP);
	cr_assert_eq(c.cmds[3].kind, CMD_RDU);
	cr_assert(cli_needs_target(&c));
	parse_ok("-c port=/dev/ttyUSB0 -wp 0 1 7");
	cr_assert_eq(c.cmds[0].nunits, 3);
	cr_assert_eq(c.cmds[0].units[2], 7);
	parse_fails("-c port=/dev/ttyUSB0 --write-protect", "--write-protect");
	parse_fails("-c port=/dev/ttyUSB0 --write-protect x", "'x'");
}

/* Parses argv as given (no splitting), for words longer than parse()'s
 * line buffer. */
static int parse_argv(int argc, char **argv)
{
	return cli_parse(&c, argc, argv, err, sizeof(err), hint, sizeof(hint));
}

/* Issue 11 §7: the erase and write-protect lists used to be joined into a
 * 1024-byte stack buffer; two long words underflowed strncat's length and
 * overran it (1100 digits crashed).  Any length is now a usage error that
 * quotes the word cut short. */
Test(cli, very_long_sector_lists_are_usage_errors)
{
	static char digits[1101], digits2[1101], commas[4096];
	const char *opts[] = {"-e", "--write-protect"};
	size_t pos = 0;

	memset(digits, '1', sizeof(digits) - 1);
	memset(digits2, '7', sizeof(digits2) - 1);
	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		char *two[] = {"stmprog", "-c", "port=usb1", (char *)opts[k], digits,
		               digits2};
		char *one[] = {"stmprog", "-c", "port=usb1", (char *)opts[k], digits};
		char *range[] = {"stmprog", "-c", "port=usb1", (char *)opts[k], "[",
		                 digits, digits2, "]"};

		cr_assert_eq(parse_argv(6, two), -1);
		cr_assert(strstr(err, "'111111111111...' (1100 characters) is not a "
		                      "sector number"), "%s", err);
		cr_assert(strstr(err, opts[k]), "%s", err);
		cr_assert_eq(parse_argv(5, one), -1);
		cr_assert(strstr(err, "(1100 characters)"), "%s", err);
		cr_assert_eq(parse_argv(8, range), -1);
		cr_assert(strstr(err, "(1100 characters)"), "%s", err);
	}
	/* 64 numbers in words is the most; more, in one comma list, says so. */
	for (int i = 0; i <= CLI_MAX_WORDS; i++)
		pos += (size_t)snprintf(commas + pos, sizeof(commas) - pos, "%d,", i);
	{
		char *argv[] = {"stmprog", "-c", "port=usb1", "-e", commas};

		cr_assert_eq(parse_argv(5, argv), -1);
		cr_assert(strstr(err, "more than 64 sector numbers"), "%s", err);
	}
	/* A long list that is all valid still parses, numbers kept in order. */
	parse_ok("-c port=usb1 -e 0,1,2 3 4");
	cr_assert_eq(c.cmds[0].nunits, 5);
	cr_assert_eq(c.cmds[0].units[4], 4);
	parse_fails("-c port=usb1 -e [1 2][3 4]", "one range per option");
}

/* -w8..-w64 take an address and words of their width, stored
 * little-endian; -w alone stays the vendor's download. */
Test(cli, word_writes)
{
	static const uint8_t w32[] = {0x78, 0x56, 0x34, 0x12, 0xBE, 0xBA, 0xFE, 0xCA};
	static const uint8_t w16[] = {0x34, 0x12, 0x01, 0x00};

	parse_ok("-c port=usb1 -w32 0x08003F00 0x12345678 0xCAFEBABE");
	cr_assert_eq(c.cmds[0].kind, CMD_WRITE_WORDS);
	cr_assert_eq(c.cmds[0].width, 32);
	cr_assert_eq(c.cmds[0].addr, 0x08003F00);
	cr_assert_eq(c.cmds[0].ndata, 8);
	cr_assert_eq(memcmp(c.cmds[0].data, w32, 8), 0);
	parse_ok("-c port=usb1 -w16 0x08000000 0x1234 1");
	cr_assert_eq(c.cmds[0].ndata, 4);
	cr_assert_eq(memcmp(c.cmds[0].data, w16, 4), 0);
	parse_ok("-c port=usb1 -w64 0x08000000 0x0102030405060708");
	cr_assert_eq(c.cmds[0].ndata, 8);
	cr_assert_eq(c.cmds[0].data[0], 0x08);
	cr_assert_eq(c.cmds[0].data[7], 0x01);
	parse_ok("-c port=usb1 -w8 0x08000000 0xAB -w fw.bin 0x08004000");
	cr_assert_eq(c.cmds[0].ndata, 1);
	cr_assert_eq(c.cmds[1].kind, CMD_DOWNLOAD);
	cr_assert(cli_needs_target(&c));
	parse_fails("-c port=usb1 -w8 0x08000000 0x100", "'0x100' is not a 8-bit value");
	parse_fails("-c port=usb1 -w16 0x08000000 0x10000", "not a 16-bit value");
	parse_fails("-c port=usb1 -w32 0x08000000", "-w32 needs at least 2 arguments");
	parse_fails("-c port=usb1 -w32 flash 1", "'flash' is not an address");
	parse_fails("-c port=usb1 -w32 0xFFFFFFFE 1", "runs past");
}

Test(cli, word_reads_and_checksum)
{
	parse_ok("-c port=usb1 -r32 0x08000000 64 -r8 0x08000000 3 -checksum 0x08000000 0x4000");
	cr_assert_eq(c.ncmds, 3);
	cr_assert_eq(c.cmds[0].kind, CMD_READ_WORDS);
	cr_assert_eq(c.cmds[0].width, 32);
	cr_assert_eq(c.cmds[0].size, 64);
	cr_assert_eq(c.cmds[1].width, 8);
	cr_assert_eq(c.cmds[2].kind, CMD_CHECKSUM);
	cr_assert_eq(c.cmds[2].size, 0x4000);
	/* -r with a file is still the upload. */
	parse_ok("-c port=usb1 -r 0x08000000 16 out.bin");
	cr_assert_eq(c.cmds[0].kind, CMD_UPLOAD);
	parse_fails("-c port=usb1 -r32 0x08000000 6", "not a whole number of 32-bit words");
	parse_fails("-c port=usb1 -r16 0x08000000", "-r16 needs 2 arguments");
	parse_fails("-c port=usb1 -checksum 0x08000000 0", "'0' is not a size");
}

Test(cli, fillmemory)
{
	parse_ok("-c port=usb1 -fillmemory 0x08004000 size=0x20 pattern=0xA5B6 dataWidth=16");
	cr_assert_eq(c.cmds[0].kind, CMD_FILL);
	cr_assert_eq(c.cmds[0].size, 0x20);
	cr_assert_eq(c.cmds[0].pattern, 0xA5B6);
	cr_assert_eq(c.cmds[0].width, 16);
	parse_ok("-c port=usb1 -fillmemory 0x08004000 pattern=0x5A size=3");
	cr_assert_eq(c.cmds[0].width, 8);
	parse_fails("-c port=usb1 -fillmemory 0x08004000 size=4", "needs size= and pattern=");
	parse_fails("-c port=usb1 -fillmemory 0x08004000 size=4 pattern=0x1FF", "does not fit 8 bits");
	parse_fails("-c port=usb1 -fillmemory 0x08004000 size=6 pattern=1 dataWidth=32", "whole number of 32-bit words");
	parse_fails("-c port=usb1 -fillmemory 0x08004000 size=4 pattern=1 dataWidth=12", "expected 8, 16 or 32");
	parse_fails("-c port=usb1 -fillmemory 0x08004000 size=4 colour=1", "unknown key");
}

Test(cli, run_settings)
{
	parse_ok("-c port=usb1 --skipErase --flash-size 128 -tm 5000 -w8 0x08000000 1 -blankcheck -rst");
	cr_assert(c.skip_erase);
	cr_assert_eq(c.flash_size, 128 * 1024);
	cr_assert_eq(c.timeout_ms, 5000);
	cr_assert_eq(c.ncmds, 3);
	cr_assert_eq(c.cmds[1].kind, CMD_BLANKCHECK);
	cr_assert_eq(c.cmds[2].kind, CMD_RESET);
	cr_assert_not(c.cmds[2].hard);
	parse_ok("-c port=/dev/ttyUSB0 -hardRst");
	cr_assert(c.cmds[0].hard);
	parse_fails("-c port=usb1 -tm 0 -rst", "expected milliseconds");
	parse_fails("-c port=usb1 --flash-size big -rst", "expected a size in KiB");
}

/* "-" is a file word (standard input or output), never an option. */
Test(cli, dash_is_a_file)
{
	parse_ok("-c port=usb1 -u 0x08000000 16 - -d - 0x08000000");
	cr_assert_str_eq(c.cmds[0].file, "-");
	cr_assert_str_eq(c.cmds[1].file, "-");
	cr_assert(c.cmds[1].has_addr);
}

/* --convert's two files may stand on either side of --chip, --format
 * and --base, as the help shows them. */
Test(cli, convert_in_any_order)
{
	static const char *const lines[] = {
		"--convert in.hex out.bin --chip F405",
		"--chip F405 --convert in.hex out.bin",
		"--convert --chip F405 in.hex out.bin",
		"--convert in.hex --chip F405 out.bin",
		"--format bin --convert in.hex --base 0x08000000 out.bin --chip F405",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		parse_ok(lines[i]);
		cr_assert_eq(c.ncmds, 1, "%s", lines[i]);
		cr_assert_eq(c.cmds[0].kind, CMD_CONVERT, "%s", lines[i]);
		cr_assert_str_eq(c.cmds[0].file, "in.hex", "%s", lines[i]);
		cr_assert_str_eq(c.cmds[0].file2, "out.bin", "%s", lines[i]);
		cr_assert_str_eq(c.chip, "F405", "%s", lines[i]);
	}
	parse_fails("--convert in.hex --chip F405", "--convert needs 2 arguments");
	parse_fails("--convert in.hex out.bin extra", "'extra' does not belong");
}

/* -ob FILE: a preset when the word names a file or looks like one. */
Test(cli, option_byte_preset)
{
	parse_ok("-c port=usb1 -ob preset.txt");
	cr_assert_str_eq(c.cmds[0].file, "preset.txt");
	parse_ok("-c port=usb1 -ob board.ob");
	cr_assert_str_eq(c.cmds[0].file, "board.ob");
	parse_ok("-c port=usb1 -ob RDP=0xAA");
	cr_assert_null(c.cmds[0].file);
	parse_fails("-c port=usb1 -ob preset", "'preset' is not KEY=VALUE");
}

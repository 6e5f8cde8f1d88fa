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
#include "output.h"

static void print_help(void)
{
	printf(
	"Usage: stmprog [-c port=PORT [key=value ...]] COMMAND [COMMAND ...]\n"
	"Programs STM32 microcontrollers through their ROM bootloaders\n"
	"(USB DFU, UART, CAN), with the option syntax of ST's CLI.\n"
	"\n"
	"Connection:\n"
	"  -c, --connect port=usbN [sn=SERIAL] [VID=0x0483] [PID=0xDF11]\n"
	"  -c, --connect port=/dev/ttyUSB0|COM3 [br=115200] [P=EVEN] [db=8]\n"
	"                [sb=1] [fc=OFF] [noinit=0] [init=ENTRY[:EXIT]]\n"
	"  -c, --connect port=can0|slcan:/dev/ttyACM0 [br=125] [dbr=KBPS] [fd=0|1]\n"
	"\n"
	"Commands, run in the order given:\n"
	"  -l, --list [usb|uart|can]   list ports and devices\n"
	"  -e, --erase all | N [M ...] | [FIRST LAST]\n"
	"                              erase everything, or sectors by number\n"
	"  -d, -w, --download FILE [ADDRESS]\n"
	"                              program FILE (bin/hex/srec/elf/dfu); a\n"
	"                              binary goes to ADDRESS (default flash base)\n"
	"  -v, --verify                verify what the download wrote\n"
	"  -u, --upload ADDRESS SIZE FILE\n"
	"                              read memory into FILE\n"
	"  -g, -s, --go [ADDRESS]      start the application\n"
	"  -ob displ | KEY=VALUE ...   show or change option bytes\n"
	"  -rdu                        remove readout protection (erases flash)\n"
	"  --readout-protect           set readout protection level 1\n"
	"  --write-protect all | N [M ...] | [FIRST LAST]\n"
	"                              write-protect sectors (the device resets)\n"
	"  --write-unprotect           remove all write protection\n"
	"\n"
	"stmprog's own:\n"
	"  --backends                  list backend modules and where they came from\n"
	"  --chips                     list the chip database\n"
	"  --chip NAME|PID             show one chip; with other commands, use it\n"
	"  --convert IN OUT            convert an image (with --chip: align and pad)\n"
	"  --format bin|hex|srec|elf|dfu   force the file format\n"
	"  --base ADDRESS              address of a raw binary\n"
	"  --confirm-irreversible rdp2|bootloader|otp|all[,...]\n"
	"                              allow these permanent steps (RDP level 2,\n"
	"                              option bytes that lock the bootloader out)\n"
	"\n"
	"Output:\n"
	"  -q, --quiet                 only errors\n"
	"  -vb, --verbosity 1|2|3      more detail (3: protocol trace)\n"
	"  -log [FILE]                 also write everything to FILE\n"
	"  -h, --help                  this text\n"
	"  --version                   the version\n"
	"\n"
	"Exit codes: 0 success, 1 device or transport failure, 2 usage error,\n"
	"3 no device/port/backend found, 4 input file malformed or does not fit\n"
	"(nothing on the device touched), 5 verify failed, 6 internal error,\n"
	"7 stopped by a signal (the message says what may be partial).\n"
	"Environment: STMPROG_BACKEND_PATH overrides where backends are found.\n");
}

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

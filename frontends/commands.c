/* The commands of stmprog.  The ones that act on a device are translated
 * into one libstmprog job (stmprog/job.h), which checks everything before
 * the first erase and runs them in order; the others (-l, --backends,
 * --chips, --chip, --convert) are short functions over the core.  None of
 * them knows which backend is behind a target. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_list.h"
#include "cmd_memory.h"
#include "cmd_stdio.h"
#include "commands.h"
#include "stmprog/backend.h"
#include "stmprog/chip.h"
#include "stmprog/events.h"
#include "stmprog/guard.h"
#include "stmprog/image.h"
#include "stmprog/job.h"
#include "stmprog/option_bytes.h"
#include "stmprog/plan.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

typedef struct run {
	const cli *c;
	stp_ctx *ctx;
	output *out;
	stp_target *target;      /* opened when the job runs */
	stp_job *job;            /* the commands that act on a device */
	bool job_ran;
	stp_job_report report;
	mem_view views[CLI_MAX_COMMANDS]; /* -r8..-r32, -checksum printing */
} run;

/* The format forced with --format, for reading or writing. */
static stp_status forced_format(run *r, stp_image_format *fmt)
{
	*fmt = STP_FMT_AUTO;
	if (!r->c->format)
		return STP_OK;
	*fmt = stp_image_format_from_name(r->c->format);
	if (*fmt == STP_FMT_AUTO)
		return stp_fail(r->ctx, STP_ERR_ARG, "use bin, hex, srec, elf or dfu",
		                "--format %s: unknown format", r->c->format);
	return STP_OK;
}

/* ---- commands without a device ------------------------------------- */

static stp_status cmd_list(run *r, const cli_command *cmd)
{
	return list_ports(r->ctx, r->out, cmd->nwords ? cmd->words[0] : NULL);
}

static stp_status cmd_backends(run *r, const cli_command *cmd)
{
	const stp_backend_info *list;
	size_t n;
	stp_status st = stp_backends_list(r->ctx, &list, &n);

	if (st)
		return st;
	output_say(r->out, "backend directory: %s\n", stp_backends_path(r->ctx));
	if (!n)
		output_say(r->out, "no backend modules found\n");
	for (size_t i = 0; i < n; i++) {
		const stp_backend_info *b = &list[i];
		if (b->error) {
			output_say(r->out, "refused  %s\n         %s\n", b->file, b->error);
			continue;
		}
		output_say(r->out, "%-8s ABI %u.%u  %-5s  %s\n         file: %s\n         ports:",
		           b->name, b->abi_major, b->abi_minor,
		           stp_transport_name(b->transport),
		           b->description ? b->description : "", b->file);
		for (const char *const *p = b->port_prefixes; p && *p; p++)
			output_say(r->out, " %s*", *p);
		output_say(r->out, "\n");
	}
	return STP_OK;
}

static stp_status cmd_chips(run *r, const cli_command *cmd)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);
	char ifs[128];

	output_say(r->out, "PID    family  flash     interfaces             name\n");
	for (size_t i = 0; i < n; i++)
		output_say(r->out, "0x%03X  %-6s  %5u KiB %-22s %s\n", t[i].pid,
		           t[i].family, t[i].flash_size / 1024,
		           stp_interfaces_str(t[i].interfaces, ifs, sizeof(ifs)),
		           t[i].name);
	output_say(r->out, "%zu chips\n", n);
	return STP_OK;
}

static stp_status find_chip(run *r, const char *what, const stp_chip **chip)
{
	bool ambiguous = false;

	*chip = stp_chip_find(what, &ambiguous);
	if (!*chip)
		return stp_fail(r->ctx, STP_ERR_NOT_FOUND,
		                "stmprog --chips lists the chips by PID and name",
		                ambiguous ? "'%s' matches more than one chip; be more "
		                            "precise or give the PID"
		                          : "no chip matches '%s'",
		                what);
	return STP_OK;
}

static stp_status cmd_chip(run *r, const cli_command *cmd)
{
	const stp_chip *c;
	stp_geometry geo;
	char ifs[128];
	stp_status st;

	if ((st = find_chip(r, r->c->chip, &c)))
		return st;
	if ((st = stp_chip_geometry(r->ctx, c, 0, &geo)))
		return st;
	output_say(r->out, "%s\n  PID 0x%03X, family %s\n", c->name, c->pid, c->family);
	output_say(r->out, "  flash: up to %u KiB at 0x%08X, %u bank(s), %zu erase units\n",
	           c->flash_size / 1024, c->flash_base, geo.nbanks, geo.nunits);
	output_say(r->out, "  layout: %s\n", c->layout);
	output_say(r->out, "  program unit: %u bytes, erased value 0x%02X\n",
	           c->program_unit, c->erased_value);
	if (c->flash_size_reg)
		output_say(r->out, "  flash size register: 0x%08X\n", c->flash_size_reg);
	output_say(r->out, "  bootloader RAM free for users: 0x%08X..0x%08X\n",
	           c->ram_start, c->ram_end ? c->ram_end - 1 : 0);
	output_say(r->out, "  system memory: 0x%08X..0x%08X\n", c->sysmem_start,
	           c->sysmem_end - 1);
	output_say(r->out, "  option bytes: %u bytes at 0x%08X\n", c->ob_size, c->ob_start);
	if (c->otp_size)
		output_say(r->out, "  OTP: %u bytes at 0x%08X\n", c->otp_size, c->otp_start);
	if (c->eeprom_size)
		output_say(r->out, "  data EEPROM: up to %u bytes at 0x%08X\n",
		           c->eeprom_size, c->eeprom_start);
	output_say(r->out, "  unique ID: 0x%08X\n", c->uid_addr);
	output_say(r->out, "  bootloader interfaces: %s\n",
	           stp_interfaces_str(c->interfaces, ifs, sizeof(ifs)));
	if (c->quirks & STP_QUIRK_EMPTY_CHECK)
		output_say(r->out, "  quirk: empty check (boots the bootloader while "
		                   "the first flash word is erased)\n");
	if (c->quirks & STP_QUIRK_DFU_LAYOUT_WRONG)
		output_say(r->out, "  quirk: the DFU ROM's memory-layout string is "
		                   "wrong; stmprog uses this table\n");
	if (c->quirks & STP_QUIRK_NO_MASS_ERASE)
		output_say(r->out, "  quirk: no mass erase command\n");
	if (c->quirks & STP_QUIRK_OB_RELOAD)
		output_say(r->out, "  quirk: option bytes need a reload to apply\n");
	if (c->quirks & STP_QUIRK_UART_CHECKSUM)
		output_say(r->out, "  USART bootloader: GET CHECKSUM (CRC verify)\n");
	output_say(r->out, "  typical times: unit erase %u ms, mass erase %u ms, "
	                   "program %u us per unit\n",
	           c->page_erase_ms, c->mass_erase_ms, c->program_us);
	stp_geometry_release(&geo);
	return STP_OK;
}

static stp_status cmd_convert(run *r, const cli_command *cmd)
{
	stp_image *in = NULL, *aligned = NULL;
	stp_image_format in_fmt = STP_FMT_AUTO, out_fmt;
	stp_write_opts wo = {.fill = 0xFF};
	uint32_t base = r->c->has_base ? r->c->base : 0x08000000u;
	stp_status st;

	/* --format names the output format; the input is detected. */
	if ((st = forced_format(r, &out_fmt)))
		return st;
	if (out_fmt == STP_FMT_AUTO)
		out_fmt = stp_image_format_from_path(cmd->file2);
	if (out_fmt == STP_FMT_AUTO || out_fmt == STP_FMT_ELF)
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "name the output .bin, .hex, .srec/.s19 or .dfu, or "
		                "give --format",
		                "cannot tell which format to write %s in", cmd->file2);
	if ((st = stp_image_load(r->ctx, cmd->file, in_fmt, base, &in)))
		return st;
	if (r->c->chip) {
		const stp_chip *chip;
		stp_geometry geo;
		stp_plan_opts po = {.image_name = cmd->file};
		stp_plan *plan;

		if ((st = find_chip(r, r->c->chip, &chip)))
			goto out;
		if ((st = stp_chip_geometry(r->ctx, chip, 0, &geo)))
			goto out;
		/* The same validation as a download: it must fit the chip. */
		st = stp_plan_build(r->ctx, in, &geo, &po, &plan);
		stp_plan_free(plan);
		stp_geometry_release(&geo);
		if (st)
			goto out;
		wo.fill = chip->erased_value;
		if ((st = stp_image_aligned(r->ctx, in, chip->program_unit,
		                            chip->erased_value, &aligned)))
			goto out;
		output_say(r->out, "Aligned and padded to %u-byte units with 0x%02X for %s\n",
		           chip->program_unit, chip->erased_value, chip->name);
	}
	st = stp_image_save(r->ctx, aligned ? aligned : in, cmd->file2, out_fmt, &wo);
	if (!st)
		output_say(r->out, "Wrote %s (%s, %llu bytes of data)\n", cmd->file2,
		           stp_image_format_name(out_fmt),
		           (unsigned long long)stp_image_size(aligned ? aligned : in));
out:
	stp_image_free(aligned);
	stp_image_free(in);
	return st;
}

/* ---- commands on a device ------------------------------------------ */

static stp_status open_target(run *r)
{
	stp_portspec spec;
	stp_status st;

	if (r->target)
		return STP_OK;
	if (!r->c->nconnect)
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "add -c port=usb1, -c port=/dev/ttyUSB0 or -c port=can0; "
		                "stmprog -l lists the ports",
		                "this command needs a connection (-c port=...)");
	st = stp_portspec_parse(r->ctx, r->c->nconnect, r->c->connect, &spec);
	if (st)
		return st;
	/* --chip: the part on the port; the core holds it against the device. */
	if (r->c->chip && (st = find_chip(r, r->c->chip, &(const stp_chip *){NULL})))
		return st;
	spec.chip_pid = r->c->chip ? stp_chip_find(r->c->chip, NULL)->pid : 0;
	/* The connection line is the IDENTIFIED event's (output.c). */
	return stp_target_open(r->ctx, &spec, &r->target);
}


/* ---- the job ---------------------------------------------------------- */

#define UPLOAD_HINT "check that the directory exists and may be written"

/* -u FILE: a file that cannot be created is said before anything
 * connects (the file itself is created only once the bytes are read). */
static stp_status check_upload_file(stp_ctx *ctx, const char *file)
{
	char dir[4096];
	const char *slash = strrchr(file, '/');
	struct stat sb;

	if (stdio_is_dash(file))
		return STP_OK;  /* standard output, checked when claimed */
	if (stat(file, &sb) == 0 && S_ISDIR(sb.st_mode))
		return stp_fail(ctx, STP_ERR_FILE, "name a file in it",
		                "-u %s: is a directory", file);
	snprintf(dir, sizeof(dir), "%.*s",
	         slash ? (int)(slash == file ? 1 : slash - file) : 1,
	         slash ? file : ".");
	if (access(dir, W_OK | X_OK) != 0)
		return stp_fail(ctx, STP_ERR_FILE, UPLOAD_HINT,
		                "-u %s: cannot create a file in %s: %s", file, dir,
		                strerror(errno));
	return STP_OK;
}

/* -u: the job hands over the bytes; the file is written here. */
static stp_status write_upload(void *user, stp_ctx *ctx, uint32_t addr,
                               const uint8_t *data, size_t len)
{
	const cli_command *cmd = user;
	FILE *f;

	if (stdio_is_dash(cmd->file)) {
		stp_status st = stdio_write_upload(ctx, data, len);

		if (!st)
			stp_result(ctx, "Read %zu bytes from 0x%08X to standard output",
			           len, addr);
		return st;
	}
	f = fopen(cmd->file, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		int e = errno;

		if (f)
			fclose(f);
		return stp_fail(ctx, STP_ERR_FILE, UPLOAD_HINT, "cannot write %s: %s",
		                cmd->file, strerror(e));
	}
	if (fclose(f))
		return stp_fail(ctx, STP_ERR_FILE, UPLOAD_HINT, "cannot write %s: %s",
		                cmd->file, strerror(errno));
	stp_result(ctx, "Read %zu bytes from 0x%08X into %s", len, addr,
	           cmd->file);
	return STP_OK;
}

static void say_line(void *user, const char *line)
{
	output_say(user, "  %s\n", line);
}

/* -ob displ: the raw bytes, then every field the chip database names. */
static stp_status show_option_bytes(void *user, stp_ctx *ctx, uint32_t addr,
                                    const uint8_t *buf, size_t len)
{
	run *r = user;
	const stp_chip *chip = stp_target_info(r->target)->chip;

	output_say(r->out, "Option bytes at 0x%08X:\n", addr);
	for (size_t i = 0; i < len; i++)
		output_say(r->out, "%s%02X%s", i % 16 == 0 ? "  " : " ", buf[i],
		           i % 16 == 15 || i + 1 == len ? "\n" : "");
	if (stp_ob_fields(chip, &(size_t){0}))
		return stp_ob_format(ctx, chip, buf, len, say_line, r->out);
	return STP_OK;
}

/* Whether a command is a step of the job (else it runs on its own). */
static bool is_job_command(cli_kind k)
{
	return k == CMD_ERASE || k == CMD_DOWNLOAD || k == CMD_VERIFY ||
	       k == CMD_UPLOAD || k == CMD_GO || k == CMD_OB || k == CMD_RDU ||
	       k == CMD_WP || k == CMD_WUP || k == CMD_RDP ||
	       k == CMD_WRITE_WORDS || k == CMD_READ_WORDS || k == CMD_FILL ||
	       k == CMD_CHECKSUM || k == CMD_RESET;
}

/* A raw binary goes to its ADDRESS, else --base, else the flash base;
 * --base is no address given after a file that carries its own, so it
 * passes only for binaries and files whose name does not say. */
static stp_status add_download(run *r, const cli_command *cmd)
{
	stp_image_format fmt, by_name = stp_image_format_from_path(cmd->file);
	bool has_addr = cmd->has_addr;
	uint32_t addr = cmd->addr;
	stp_status st = forced_format(r, &fmt);

	if (st)
		return st;
	if (!has_addr && r->c->has_base &&
	    (fmt == STP_FMT_BIN || by_name == STP_FMT_BIN || by_name == STP_FMT_AUTO)) {
		has_addr = true;
		addr = r->c->base;
	}
	if (stdio_is_dash(cmd->file)) {
		stp_image *img;

		if ((st = stdio_load_image(r->ctx, fmt, has_addr, addr, &img)))
			return st;
		st = stp_job_add_image(r->job, r->ctx, img, "standard input");
		stp_image_free(img);
		return st;
	}
	return stp_job_add_file(r->job, r->ctx, cmd->file, fmt, has_addr, addr);
}

static stp_status add_units(run *r, const cli_command *cmd)
{
	unsigned units[CLI_MAX_WORDS];

	for (int i = 0; i < cmd->nunits; i++)
		units[i] = cmd->units[i];
	if (cmd->kind == CMD_ERASE)
		return cmd->range ? stp_job_add_erase_range(r->job, r->ctx, cmd->first,
		                                            cmd->last)
		                  : stp_job_add_erase(r->job, r->ctx, cmd->all, units,
		                                      (size_t)cmd->nunits);
	if (cmd->all)
		return stp_job_add_write_protect_all(r->job, r->ctx);
	return cmd->range ? stp_job_add_write_protect_range(r->job, r->ctx,
	                                                    cmd->first, cmd->last)
	                  : stp_job_add_write_protect(r->job, r->ctx, units,
	                                              (size_t)cmd->nunits);
}

/* -ob FILE: the preset's assignments as one -ob step, so the whole set
 * is checked against the chip before anything is written. */
static stp_status add_ob_preset(run *r, const char *file)
{
	char **words;
	size_t n;
	stp_status st = stp_ob_preset_load(r->ctx, file, &words, &n);

	if (st)
		return st;
	st = stp_job_add_option_bytes(r->job, r->ctx, (const char *const *)words,
	                              n);
	stp_ob_preset_free(words, n);
	return st;
}

/* One command as a step of the job.  -v only says "Verified" in its
 * place: every download is verified before it reports success. */
static stp_status add_step(run *r, int i, bool *downloads)
{
	const cli_command *cmd = &r->c->cmds[i];
	bool displ = cmd->nwords == 1 && !strcasecmp(cmd->words[0], "displ");

	switch (cmd->kind) {
	case CMD_DOWNLOAD:
		*downloads = true;
		return add_download(r, cmd);
	case CMD_VERIFY:
		if (!*downloads)
			return stp_fail(r->ctx, STP_ERR_ARG,
			                "write -d FILE before -v (downloads are always "
			                "verified)",
			                "-v verifies a download, and none came before it");
		return stp_job_add_verified(r->job, r->ctx);
	case CMD_ERASE:
	case CMD_WP:
		return add_units(r, cmd);
	case CMD_UPLOAD:
		if (check_upload_file(r->ctx, cmd->file))
			return stp_last_status(r->ctx);
		return stp_job_add_read(r->job, r->ctx, cmd->addr, cmd->size,
		                        write_upload, (void *)cmd);
	case CMD_OB:
		if (displ)
			return stp_job_add_option_bytes_read(r->job, r->ctx,
			                                     show_option_bytes, r);
		if (cmd->file)
			return add_ob_preset(r, cmd->file);
		return stp_job_add_option_bytes(r->job, r->ctx,
		                                (const char *const *)cmd->words,
		                                (size_t)cmd->nwords);
	case CMD_WRITE_WORDS:
		*downloads = true;
		return mem_add_write_words(r->job, r->ctx, cmd);
	case CMD_FILL:
		*downloads = true;
		return mem_add_fill(r->job, r->ctx, cmd);
	case CMD_READ_WORDS:
		r->views[i] = (mem_view){r->out, cmd};
		return mem_add_read_words(r->job, r->ctx, &r->views[i]);
	case CMD_CHECKSUM:
		r->views[i] = (mem_view){r->out, cmd};
		return mem_add_checksum(r->job, r->ctx, &r->views[i]);
	case CMD_RDU:
		return stp_job_add_readout_unprotect(r->job, r->ctx);
	case CMD_RDP:
		return stp_job_add_readout_protect(r->job, r->ctx);
	case CMD_WUP:
		return stp_job_add_write_unprotect(r->job, r->ctx);
	case CMD_GO:
	case CMD_RESET: {
		/* The application runs (or the chip restarts) after everything
		 * else, so nothing may follow -g or -rst but -v, and only one
		 * of them ends the run. */
		const char *name = cmd->kind == CMD_GO ? "-g"
		                   : cmd->hard ? "-hardRst" : "-rst";

		for (int k = i + 1; k < r->c->ncmds; k++) {
			cli_kind next = r->c->cmds[k].kind;

			if (next == CMD_GO || next == CMD_RESET)
				return stp_fail(r->ctx, STP_ERR_ARG,
				                "give one of -g, -rst and -hardRst",
				                "%s and a second end of the run: the "
				                "chip can start its application or "
				                "restart once", name);
			if ((is_job_command(next) && next != CMD_VERIFY) ||
			    next == CMD_BLANKCHECK)
				return stp_fail(r->ctx, STP_ERR_ARG,
				                "put it last (only -v may follow)",
				                "%s ends the run (the chip leaves its "
				                "bootloader): nothing can follow it",
				                name);
		}
		if (cmd->kind == CMD_RESET)
			return stp_job_set_end(r->job, r->ctx,
			                       cmd->hard ? STP_JOB_END_HARD_RESET
			                                 : STP_JOB_END_RESET,
			                       false, 0);
		return stp_job_set_end(r->job, r->ctx, STP_JOB_END_GO,
		                       cmd->has_addr, cmd->addr);
	}
	default:
		return stp_fail(r->ctx, STP_ERR_INTERNAL, NULL,
		                "command %d is no step of a job", (int)cmd->kind);
	}
}

/* -blankcheck is a read of the whole flash of the connected chip, not a
 * step of the job (whose ranges are fixed before it connects), so it
 * runs before the job's commands or after all of them: never between
 * two, where it would seem to check a state the job has already left. */
static stp_status check_blankcheck_place(run *r)
{
	for (int i = 0; i < r->c->ncmds; i++) {
		bool before = false, after = false;

		if (r->c->cmds[i].kind != CMD_BLANKCHECK)
			continue;
		for (int k = 0; k < r->c->ncmds; k++)
			if (is_job_command(r->c->cmds[k].kind)) {
				before |= k < i;
				after |= k > i;
			}
		if (before && after)
			return stp_fail(r->ctx, STP_ERR_ARG,
			                "put -blankcheck before or after the commands "
			                "that change the device",
			                "-blankcheck between two device commands: "
			                "those run as one job, so it would check the "
			                "flash before or after all of them");
	}
	return STP_OK;
}

/* Every device command becomes a step of one job, and the job checks
 * what it can before connecting: every input file is read here. */
static stp_status build_job(run *r)
{
	bool downloads = false;
	stp_status st;

	if (!(r->job = stp_job_new()))
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* --chip: addresses are checked against its map before connecting. */
	if (r->c->chip) {
		const stp_chip *chip;
		if ((st = find_chip(r, r->c->chip, &chip)) ||
		    (st = stp_job_set_chip(r->job, r->ctx, chip)))
			return st;
	}
	if ((st = stp_job_set_skip_erase(r->job, r->ctx, r->c->skip_erase)))
		return st;
	if (r->c->flash_size &&
	    (st = stp_job_set_flash_size(r->job, r->ctx, r->c->flash_size)))
		return st;
	if ((st = check_blankcheck_place(r)))
		return st;
	for (int i = 0; i < r->c->ncmds; i++)
		if (is_job_command(r->c->cmds[i].kind) &&
		    (st = add_step(r, i, &downloads)))
			return st;
	return stp_job_validate(r->job, r->ctx);
}

/* -hardRst needs a line to NRST, which only a serial port's init= EXIT
 * sequence (RTS, DTR, CBUS pins) gives: over USB DFU and CAN, or with no
 * EXIT, it is refused here, before the job writes anything, rather than
 * by the backend at the end of a run that already changed the chip. */
static stp_status check_hard_reset(run *r)
{
	stp_portspec spec;
	bool hard = false;

	for (int i = 0; i < r->c->ncmds; i++)
		hard |= r->c->cmds[i].kind == CMD_RESET && r->c->cmds[i].hard;
	if (!hard || !r->c->nconnect ||
	    stp_portspec_parse(r->ctx, r->c->nconnect, r->c->connect, &spec)) {
		stp_clear_error(r->ctx);  /* open_target says what is wrong */
		return STP_OK;
	}
	if (spec.transport == STP_TRANSPORT_USB || spec.transport == STP_TRANSPORT_CAN)
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "use -rst (GO or the DfuSe leave to the reset "
		                "handler), or reset the board by its button or "
		                "supply",
		                "-hardRst drives NRST, and over %s no line reaches "
		                "it; nothing was done",
		                spec.transport == STP_TRANSPORT_USB ? "USB DFU" : "CAN");
	if (spec.transport == STP_TRANSPORT_UART && !strchr(spec.init_seq, ':'))
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "give init=ENTRY:EXIT with an EXIT that pulses the "
		                "line wired to NRST, e.g. "
		                "init=rts&dtr,-dtr:-rts&dtr,-dtr; or use -rst",
		                "-hardRst drives NRST, and no init= EXIT sequence "
		                "drives a line; nothing was done");
	return STP_OK;
}

/* Connects, runs the whole job (it checks everything against the chip
 * before its first erase). */
static stp_status run_job(run *r)
{
	stp_status st;

	if (r->job_ran)
		return STP_OK;
	r->job_ran = true;
	if ((st = check_hard_reset(r)) || (st = open_target(r)))
		return st;
	return stp_job_run(r->job, r->ctx, r->target, NULL, &r->report);
}

/* -blankcheck: the flash of the connected chip, --flash-size honoured. */
static stp_status cmd_blankcheck(run *r, const cli_command *cmd)
{
	stp_status st = open_target(r);

	(void)cmd;
	return st ? st : mem_blankcheck(r->target, r->ctx, r->c->flash_size);
}

typedef stp_status (*command_fn)(run *r, const cli_command *cmd);

static const struct {
	cli_kind kind;
	command_fn fn;
} table[] = {
	{CMD_LIST, cmd_list},
	{CMD_BACKENDS, cmd_backends},
	{CMD_CHIPS, cmd_chips},
	{CMD_CHIP, cmd_chip},
	{CMD_CONVERT, cmd_convert},
	{CMD_BLANKCHECK, cmd_blankcheck},
};

static stp_status run_command(run *r, const cli_command *cmd)
{
	if (is_job_command(cmd->kind))
		return run_job(r);
	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++)
		if (table[k].kind == cmd->kind)
			return table[k].fn(r, cmd);
	return stp_fail(r->ctx, STP_ERR_INTERNAL, NULL,
	                "command %d has no runner", (int)cmd->kind);
}

/* SIGINT/SIGTERM ask the run to stop at the next block boundary, where
 * the engine says what the chip holds; a second signal ends it at once. */
static stp_ctx *signal_ctx;

static void on_signal(int sig)
{
	if (signal_ctx)
		stp_cancel(signal_ctx);
	signal(sig, SIG_DFL);
}

static void catch_signals(stp_ctx *ctx)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signal_ctx = ctx;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int commands_run(const cli *c, stp_ctx *ctx, output *out)
{
	run r = {.c = c, .ctx = ctx, .out = out};
	unsigned confirmed = 0;
	stp_status st = STP_OK;

	if (c->confirm && !(st = stp_irreversible_parse(ctx, c->confirm, &confirmed)))
		stp_ctx_confirm(ctx, confirmed);
	catch_signals(ctx);
	/* -tm: before any target opens, so every operation is bounded. */
	stp_ctx_set_timeout_ms(ctx, c->timeout_ms);
	if (!st)
		st = stdio_claim_stdout(ctx, c);
	if (!st)
		st = build_job(&r);
	/* The job runs whole at its first command; the others where they
	 * stand. */
	for (int i = 0; i < c->ncmds && !st; i++)
		st = run_command(&r, &c->cmds[i]);
	stp_target_close(r.target);
	signal_ctx = NULL;
	stp_job_free(r.job);
	stdio_release_stdout();
	return st ? output_failure(out, ctx, st) : EXIT_OK;
}

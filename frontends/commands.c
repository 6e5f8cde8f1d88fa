/* The commands of stmprog.  Each one is a short function over the
 * libstmprog API; none of them knows which backend is behind a target. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "stmprog/backend.h"
#include "stmprog/chip.h"
#include "stmprog/guard.h"
#include "stmprog/image.h"
#include "stmprog/option_bytes.h"
#include "stmprog/plan.h"
#include "stmprog/portspec.h"
#include "stmprog/start.h"
#include "stmprog/target.h"

typedef struct run {
	const cli *c;
	stp_ctx *ctx;
	output *out;
	stp_target *target;      /* opened on the first command that needs it */
	stp_image *images[CLI_MAX_COMMANDS]; /* -d files, loaded before connecting */
	/* Every -d of the run, merged into one image and written as one plan
	 * at the first -d (core/image_merge.c): planned alone, a later file
	 * would pad and erase again the units an earlier one shares. */
	stp_image *merged;
	int first_download, last_download; /* command indexes, -1 if none */
	char names[512];         /* "boot.bin, app.bin" for messages */
	/* Option bytes a .dfu file carries (its option-bytes alt): one
	 * block per run, written after the flash. */
	uint8_t *ob_image;
	uint32_t ob_len;
	const char *ob_file;
	bool flash_erased;       /* -e all ran: the flash is blank */
	bool downloaded;         /* the run's plan ran (for -v) */
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

/* Loads one input image; a raw binary goes to ADDRESS, --base, or the
 * usual flash base. */
static stp_status load_image(run *r, const char *path, bool has_addr,
                             uint32_t addr, stp_image **img)
{
	stp_image_format fmt;
	uint32_t base = has_addr ? addr : r->c->has_base ? r->c->base : 0x08000000u;
	stp_status st = forced_format(r, &fmt);

	if (st)
		return st;
	st = stp_image_load(r->ctx, path, fmt, base, img);
	if (st)
		return st;
	if (has_addr && fmt != STP_FMT_BIN &&
	    stp_image_format_from_path(path) != STP_FMT_BIN &&
	    stp_image_format_from_path(path) != STP_FMT_AUTO)
		stp_log(r->ctx, STP_LOG_WARN,
		        "%s carries its own addresses; the address 0x%08X given "
		        "after it is ignored",
		        path, addr);
	return STP_OK;
}

/* ---- commands without a device ------------------------------------- */

static void print_port(void *user, const stp_port_info *p)
{
	output *out = user;

	output_say(out, "%-24s %-5s %s", p->port, stp_transport_name(p->transport),
	           p->description);
	if (p->vid || p->pid)
		output_say(out, " [%04x:%04x]", p->vid, p->pid);
	if (p->serial[0])
		output_say(out, " sn=%s", p->serial);
	output_say(out, "\n");
	/* Where it is plugged: what path= (USB) or port= (a serial port's
	 * udev names) selects whatever else gets plugged in.  Names that
	 * carry device strings (by-id holds the USB serial) are escaped
	 * like every device string. */
	if (p->path[0] || p->by_id[0]) {
		char esc[4 * sizeof(p->path)];
		if (p->transport == STP_TRANSPORT_USB)
			output_say(out, "  path=%s",
			           stp_escape(esc, sizeof(esc), p->path));
		else if (p->path[0])
			output_say(out, "  by-path %s",
			           stp_escape(esc, sizeof(esc), p->path));
		if (p->by_id[0])
			output_say(out, "%s by-id %s", p->path[0] ? "," : " ",
			           stp_escape(esc, sizeof(esc), p->by_id));
		if (p->serial_shared)
			output_say(out, " (serial shared with another device: "
			                "select these by path)");
		output_say(out, "\n");
	}
	if (p->details[0])
		output_say(out, "%s\n", p->details);
}

static stp_status cmd_list(run *r, const cli_command *cmd)
{
	stp_transport t = STP_TRANSPORT_NONE;

	if (cmd->nwords) {
		if (!strcasecmp(cmd->words[0], "usb"))
			t = STP_TRANSPORT_USB;
		else if (!strcasecmp(cmd->words[0], "uart"))
			t = STP_TRANSPORT_UART;
		else
			t = STP_TRANSPORT_CAN;
	}
	return stp_enumerate(r->ctx, t, print_port, r->out);
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
	const stp_device_info *info;

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
	st = stp_target_open(r->ctx, &spec, &r->target);
	if (st)
		return st;
	info = stp_target_info(r->target);
	output_say(r->out, "Connected through %s: PID 0x%03X, ",
	           stp_target_backend_name(r->target), info->pid);
	/* DFU bootloaders do not tell their version. */
	if (info->bl_version)
		output_say(r->out, "bootloader v%u.%u, ", info->bl_version >> 4,
		           info->bl_version & 15);
	output_say(r->out, "%s\n", info->identity);
	if (info->usb_location[0])
		output_say(r->out, "USB device %04x:%04x at %s%s%s\n", info->usb_vid,
		           info->usb_pid, info->usb_location,
		           info->serial[0] ? ", serial " : "", info->serial);
	return STP_OK;
}

/* The units a sector list (-e, --write-protect) names, checked against
 * the chip: every number asked for must exist, because acting on "some"
 * of them would be a silent partial success. */
static stp_status select_units(run *r, const cli_command *cmd,
                               stp_geometry *geo, stp_erase_unit **out,
                               size_t *count)
{
	stp_erase_unit *units;
	size_t n = 0;
	stp_status st;

	if ((st = stp_target_geometry(r->ctx, r->target, geo)))
		return st;
	for (int k = 0; k < (cmd->range ? 2 : cmd->nunits); k++) {
		uint32_t want = cmd->range ? (k ? cmd->last : cmd->first) : cmd->units[k];
		if (want >= geo->nunits) {
			st = stp_fail(r->ctx, STP_ERR_ARG,
			              "stmprog --chip NAME shows the sectors of a chip",
			              "sector %u does not exist: this %s has sectors 0 to %zu",
			              want, geo->chip->name, geo->nunits - 1);
			stp_geometry_release(geo);
			return st;
		}
	}
	units = calloc(geo->nunits ? geo->nunits : 1, sizeof(*units));
	if (!units) {
		stp_geometry_release(geo);
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < geo->nunits; i++) {
		uint32_t idx = geo->units[i].index;
		bool want = cmd->all ||
		            (cmd->range && idx >= cmd->first && idx <= cmd->last);
		for (int k = 0; !cmd->range && k < cmd->nunits; k++)
			want |= cmd->units[k] == idx;
		if (want)
			units[n++] = geo->units[i];
	}
	*out = units;
	*count = n;
	return STP_OK;
}

static stp_status cmd_erase(run *r, const cli_command *cmd)
{
	stp_geometry geo;
	stp_erase_req req = {0};
	stp_erase_unit *units;
	size_t n;
	stp_status st;

	if (cmd->all) {
		req.kind = STP_ERASE_MASS;
		output_say(r->out, "Erasing all of the flash\n");
		st = stp_target_erase(r->target, &req);
		r->flash_erased = st == STP_OK;
		return st;
	}
	if ((st = select_units(r, cmd, &geo, &units, &n)))
		return st;
	req.kind = STP_ERASE_UNITS;
	req.units = units;
	req.nunits = n;
	output_say(r->out, "Erasing %zu sector(s)\n", n);
	stp_progress(r->ctx, STP_PHASE_ERASE, 0, n);
	st = stp_target_erase(r->target, &req);
	if (!st)
		stp_progress(r->ctx, STP_PHASE_ERASE, n, n);
	r->flash_erased = false;
	free(units);
	stp_geometry_release(&geo);
	return st;
}

static stp_status cmd_write_protect(run *r, const cli_command *cmd)
{
	stp_geometry geo;
	stp_erase_unit *units;
	uint16_t *codes;
	size_t n;
	stp_status st;

	if ((st = select_units(r, cmd, &geo, &units, &n)))
		return st;
	codes = calloc(n ? n : 1, sizeof(*codes));
	if (!codes)
		st = stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; codes && i < n; i++)
		codes[i] = units[i].index;
	if (!st)
		st = stp_target_write_protect(r->target, codes, n);
	if (!st)
		output_say(r->out, "Write protection set on %zu sector(s); the "
		                   "device was reset\n", n);
	free(codes);
	free(units);
	stp_geometry_release(&geo);
	return st;
}

static stp_status cmd_write_unprotect(run *r, const cli_command *cmd)
{
	stp_status st = stp_target_write_unprotect(r->target);
	if (!st)
		output_say(r->out, "Write protection removed; the device was reset\n");
	return st;
}

static stp_status cmd_readout_protect(run *r, const cli_command *cmd)
{
	stp_status st = stp_target_readout_protect(r->target);
	if (!st)
		output_say(r->out, "Readout protection set (level 1); reads are "
		                   "refused until -rdu, which erases the flash\n");
	return st;
}

/* A read that starts in the flash must end in it: past its end the ROM
 * refuses the block half-way, after a file's worth of waiting. */
static stp_status check_upload(run *r, const cli_command *cmd)
{
	const stp_device_info *info = stp_target_info(r->target);
	uint32_t base, size;

	if (!info->chip)
		return STP_OK;
	base = info->chip->flash_base;
	size = info->flash_size ? info->flash_size : info->chip->flash_size;
	if (cmd->addr >= base && cmd->addr - base < size &&
	    (uint64_t)cmd->addr + cmd->size > (uint64_t)base + size) {
		stp_fail(r->ctx, STP_ERR_ARG, NULL,
		         "-u 0x%08X 0x%X runs past the end of the flash "
		         "(0x%08X..0x%08X, %u KiB on this %s)",
		         cmd->addr, cmd->size, base, base + size - 1, size / 1024,
		         info->chip->name);
		stp_set_hint(r->ctx, "read at most 0x%X bytes from 0x%08X",
		             base + size - cmd->addr, cmd->addr);
		return STP_ERR_ARG;
	}
	return STP_OK;
}

static stp_status cmd_upload(run *r, const cli_command *cmd)
{
	uint8_t *buf = malloc(cmd->size);
	uint32_t done = 0;
	stp_status st = STP_OK;
	FILE *f;

	if (!buf)
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* Read in slices so the user sees progress on long reads. */
	while (done < cmd->size) {
		uint32_t n = cmd->size - done > 4096 ? 4096 : cmd->size - done;
		stp_progress(r->ctx, STP_PHASE_READ, done, cmd->size);
		if ((st = stp_target_read(r->target, cmd->addr + done, buf + done, n)))
			goto out;
		done += n;
	}
	stp_progress(r->ctx, STP_PHASE_READ, done, cmd->size);
	f = fopen(cmd->file, "wb");
	if (!f || fwrite(buf, 1, cmd->size, f) != cmd->size) {
		st = stp_fail(r->ctx, STP_ERR_FILE, NULL, "cannot write %s", cmd->file);
		if (f)
			fclose(f);
		goto out;
	}
	if (fclose(f))
		st = stp_fail(r->ctx, STP_ERR_FILE, NULL, "cannot write %s", cmd->file);
	else
		output_say(r->out, "Read %u bytes from 0x%08X into %s\n", cmd->size,
		           cmd->addr, cmd->file);
out:
	free(buf);
	return st;
}

static void download_opts(run *r, stp_program_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->flash_erased = r->flash_erased;
	o->skip_matching = !r->flash_erased;
	o->image_name = r->names;
}

/* After an option-byte write that raised readout protection the
 * bootloader refuses to read them back; that refusal is the proof it
 * took.  What to say then depends on the level: -rdu undoes level 1
 * only. */
static bool protection_took(run *r, const uint8_t *before, const uint8_t *want,
                            uint32_t len)
{
	const stp_chip *chip = stp_target_info(r->target)->chip;
	uint32_t was, now;

	if (stp_last_status(r->ctx) != STP_ERR_PROTECTED ||
	    stp_ob_get(r->ctx, chip, want, len, "RDP", &now) ||
	    (before && !stp_ob_get(r->ctx, chip, before, len, "RDP", &was) &&
	     was == now)) {
		stp_clear_error(r->ctx);
		return false;
	}
	stp_clear_error(r->ctx);
	if (now == 0xCC)
		output_say(r->out, "Option bytes written; read protection level 2 "
		                   "is now active (RDP=0xCC), so the bootloader "
		                   "refuses to read them back, which confirms it; "
		                   "level 2 is permanent: nothing can undo it\n");
	else
		output_say(r->out, "Option bytes written; readout protection is "
		                   "now active (RDP=0x%02X, level 1), so the "
		                   "bootloader refuses to read them back, which "
		                   "confirms it; -rdu removes it and erases the "
		                   "flash\n", now);
	return true;
}

/* Level 2 switches the bootloader off for good, so after the write's
 * reset nothing answers any more: for a write that set it (confirmed,
 * past the guard), that silence is the expected outcome, and saying
 * "did not answer" as a failure would send the user looking for a fault. */
static bool level2_took(run *r, const uint8_t *want, uint32_t len,
                        stp_status st)
{
	const stp_chip *chip = stp_target_info(r->target)->chip;
	uint32_t rdp;

	if ((st != STP_ERR_TIMEOUT && st != STP_ERR_DISCONNECTED &&
	     st != STP_ERR_NOT_FOUND && st != STP_ERR_PROTECTED) ||
	    !(stp_ob_irreversible(chip, NULL, want, len, NULL, 0) & STP_IRREV_RDP2) ||
	    stp_ob_get(r->ctx, chip, want, len, "RDP", &rdp) || rdp != 0xCC)
		return false;
	stp_clear_error(r->ctx);
	output_say(r->out, "Option bytes written with RDP=0xCC: read protection "
	                   "level 2 is permanent; the bootloader no longer "
	                   "answers after the reset, as level 2 means, and "
	                   "nothing can undo it\n");
	return true;
}

/* The option bytes of a .dfu file, after the flash: written, then read
 * back, since they reset the device and a refused value comes back
 * changed. */
static stp_status write_image_ob(run *r)
{
	const stp_chip *chip = stp_target_info(r->target)->chip;
	uint8_t back[512];
	uint32_t len = r->ob_len;
	stp_status st;

	if (!r->ob_image)
		return STP_OK;
	if (len > sizeof(back))
		return stp_fail(r->ctx, STP_ERR_INTERNAL, NULL,
		                "%u option bytes are more than stmprog handles", len);
	output_say(r->out, "%s: writing its option bytes (the device resets "
	                   "to load them)\n", r->ob_file);
	if ((st = stp_target_option_bytes_write(r->target, r->ob_image, len)))
		return level2_took(r, r->ob_image, len, st) ? STP_OK : st;
	if ((st = stp_target_option_bytes_read(r->target, back, len))) {
		if (protection_took(r, NULL, r->ob_image, len)) {
			r->downloaded = true;
			return STP_OK;
		}
		return st;
	}
	if (memcmp(back, r->ob_image, len))
		return stp_fail(r->ctx, STP_ERR_VERIFY,
		                "compare the file's option bytes with -ob displ",
		                "%s: the option bytes at 0x%08X read back differ "
		                "from the file's", r->ob_file, chip->ob_start);
	output_say(r->out, "%s: %u option bytes written and verified\n",
	           r->ob_file, len);
	r->downloaded = true;
	return STP_OK;
}

/* Every -d of the run is one plan: it runs at the first -d, and the
 * others only say they were part of it. */
static stp_status cmd_download(run *r, const cli_command *cmd)
{
	stp_program_opts o;
	stp_program_report rep;
	stp_status st;

	if ((int)(cmd - r->c->cmds) != r->first_download) {
		output_say(r->out, "%s: written and verified with the files "
		                   "above, as one plan\n", cmd->file);
		return STP_OK;
	}
	download_opts(r, &o);
	if (!stp_image_size(r->merged) && r->ob_image)
		return write_image_ob(r);
	st = stp_program(r->ctx, r->target, r->merged, &o, &rep);
	if (st)
		return st;
	r->downloaded = true;
	/* The flash now holds this image, no longer blank. */
	r->flash_erased = false;
	if (rep.units_erased == 0 && !rep.mass_erased && rep.bytes_written == 0)
		output_say(r->out, "%s: the flash already holds this image "
		                   "(%zu unit(s) compared, nothing written)\n",
		           r->names, rep.units_skipped);
	else
		output_say(r->out, "%s: %s%zu unit(s) erased, %zu unchanged unit(s) "
		                   "skipped, %llu bytes written, %llu bytes verified "
		                   "by %s\n",
		           r->names, rep.mass_erased ? "mass erase, " : "",
		           rep.units_erased, rep.units_skipped,
		           (unsigned long long)rep.bytes_written,
		           (unsigned long long)rep.bytes_verified,
		           rep.verified_by_crc ? "device CRC" : "read-back");
	return write_image_ob(r);
}

static stp_status cmd_verify(run *r, const cli_command *cmd)
{
	/* Every download is verified before it reports success, so -v only
	 * has to make sure there was one to verify. */
	if (!r->downloaded)
		return stp_fail(r->ctx, STP_ERR_ARG,
		                "write -d FILE before -v (downloads are always verified)",
		                "-v verifies a download, and none came before it");
	output_say(r->out, "Verified\n");
	return STP_OK;
}

static stp_status cmd_go(run *r, const cli_command *cmd)
{
	stp_start_report rep;
	stp_status st = stp_start(r->ctx, r->target, cmd->has_addr, cmd->addr,
	                          &rep);

	if (st)
		return st;
	if (rep.checked)
		output_say(r->out, "Started the application at 0x%08X (stack "
		                   "pointer 0x%08X, reset vector 0x%08X); the chip "
		                   "left its bootloader\n",
		           rep.addr, rep.sp, rep.pc);
	else
		output_say(r->out, "Started the application at 0x%08X; the chip "
		                   "left its bootloader\n", rep.addr);
	return STP_OK;
}

static stp_status cmd_rdu(run *r, const cli_command *cmd)
{
	stp_status st = stp_target_readout_unprotect(r->target);
	if (!st)
		output_say(r->out, "Readout protection removed; the flash was erased\n");
	return st;
}

static void say_line(void *user, const char *line)
{
	output_say(user, "  %s\n", line);
}

static void dump_ob(run *r, uint32_t base, const uint8_t *buf, uint32_t len)
{
	output_say(r->out, "Option bytes at 0x%08X:\n", base);
	for (uint32_t i = 0; i < len; i++)
		output_say(r->out, "%s%02X%s", i % 16 == 0 ? "  " : " ", buf[i],
		           i % 16 == 15 || i + 1 == len ? "\n" : "");
}

/* -ob displ: the raw bytes, then every field the chip database names.
 * -ob KEY=VALUE...: read, change the fields (all or nothing, checked
 * before anything is written), write, and read back to prove it took. */
static stp_status cmd_ob(run *r, const cli_command *cmd)
{
	const stp_device_info *info = stp_target_info(r->target);
	const stp_chip *chip = info->chip;
	uint8_t buf[512], want[512], back[512];
	uint32_t len;
	bool displ = cmd->nwords == 1 && !strcasecmp(cmd->words[0], "displ");
	stp_status st;

	if (!chip || !chip->ob_size)
		return stp_fail(r->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the option bytes of PID 0x%03X are not in the chip "
		                "database", info->pid);
	len = chip->ob_size > sizeof(buf) ? sizeof(buf) : chip->ob_size;
	if ((st = stp_target_option_bytes_read(r->target, buf, len)))
		return st;
	if (displ) {
		dump_ob(r, chip->ob_start, buf, len);
		if (stp_ob_fields(chip, &(size_t){0}))
			return stp_ob_format(r->ctx, chip, buf, len, say_line, r->out);
		return STP_OK;
	}
	memcpy(want, buf, len);
	if ((st = stp_ob_apply(r->ctx, chip, want, len,
	                       (const char *const *)cmd->words,
	                       (size_t)cmd->nwords, 0)))
		return st;
	if (!memcmp(want, buf, len)) {
		output_say(r->out, "Option bytes already hold these values; "
		                   "nothing written\n");
		return STP_OK;
	}
	output_say(r->out, "Writing the option bytes (the device resets to "
	                   "load them)\n");
	if ((st = stp_target_option_bytes_write(r->target, want, len)))
		return level2_took(r, want, len, st) ? STP_OK : st;
	if ((st = stp_target_option_bytes_read(r->target, back, len)))
		return protection_took(r, buf, want, len) ? STP_OK : st;
	if (memcmp(want, back, len)) {
		dump_ob(r, chip->ob_start, back, len);
		return stp_fail(r->ctx, STP_ERR_VERIFY,
		                "the part may not allow that value (see -ob displ "
		                "and docs/option-bytes.md)",
		                "the option bytes read back differ from what was "
		                "written");
	}
	output_say(r->out, "Option bytes written and read back:\n");
	return stp_ob_format(r->ctx, chip, back, len, say_line, r->out);
}

typedef stp_status (*command_fn)(run *r, const cli_command *cmd);

static const struct {
	cli_kind kind;
	bool needs_target;
	command_fn fn;
} table[] = {
	{CMD_LIST, false, cmd_list},
	{CMD_BACKENDS, false, cmd_backends},
	{CMD_CHIPS, false, cmd_chips},
	{CMD_CHIP, false, cmd_chip},
	{CMD_CONVERT, false, cmd_convert},
	{CMD_ERASE, true, cmd_erase},
	{CMD_DOWNLOAD, true, cmd_download},
	{CMD_VERIFY, true, cmd_verify},
	{CMD_UPLOAD, true, cmd_upload},
	{CMD_GO, true, cmd_go},
	{CMD_OB, true, cmd_ob},
	{CMD_RDU, true, cmd_rdu},
	{CMD_WP, true, cmd_write_protect},
	{CMD_WUP, true, cmd_write_unprotect},
	{CMD_RDP, true, cmd_readout_protect},
};

/* A .dfu file's alternate settings meet the device's: the flash part
 * replaces the loaded image, an option-byte part is kept for after the
 * flash (one per run: two files' blocks cannot both be the chip's). */
static stp_status route_image(run *r, int i)
{
	stp_image *flash;
	uint8_t *ob;
	uint32_t ob_len;
	const char *file = r->c->cmds[i].file;
	const stp_chip *chip = stp_target_info(r->target)->chip;
	stp_status st = stp_image_route(r->ctx, r->target, r->images[i], file,
	                                &flash, &ob, &ob_len);
	if (st)
		return st;
	stp_image_free(r->images[i]);
	r->images[i] = flash;
	if (!ob)
		return STP_OK;
	if (r->ob_image) {
		free(ob);
		return stp_fail(r->ctx, STP_ERR_IMAGE,
		                "keep the option bytes in one of the files",
		                "%s and %s both carry option bytes; a run writes "
		                "one option-byte block", r->ob_file, file);
	}
	r->ob_image = ob;
	r->ob_len = ob_len;
	r->ob_file = file;
	if (stp_ob_fields(chip, &(size_t){0}))
		return stp_ob_check(r->ctx, chip, ob, ob_len);
	return STP_OK;
}

/* The device's option bytes, for checks before anything is written. */
static stp_status read_ob(run *r, uint8_t *buf, size_t size, uint32_t *len)
{
	const stp_chip *chip = stp_target_info(r->target)->chip;

	*len = chip->ob_size > size ? (uint32_t)size : chip->ob_size;
	return stp_target_option_bytes_read(r->target, buf, *len);
}

/* The .dfu file's option bytes pass the irreversible-step guard against
 * what the chip holds now, before the first erase. */
static stp_status check_image_ob(run *r)
{
	const stp_chip *chip = stp_target_info(r->target)->chip;
	uint8_t now[512];
	uint32_t len;
	char source[300];
	bool have_now;

	if (!r->ob_image)
		return STP_OK;
	have_now = !read_ob(r, now, sizeof(now), &len) && len == r->ob_len;
	if (!have_now)
		stp_clear_error(r->ctx);
	snprintf(source, sizeof(source), "%s: its option bytes", r->ob_file);
	return stp_guard_option_bytes(r->ctx, chip, have_now ? now : NULL,
	                              r->ob_image, r->ob_len, source);
}

/* -ob KEY=VALUE... is tried on a copy of the device's option bytes
 * before the first command runs, so a misspelt field, or a value that
 * cannot be undone and was not confirmed, fails before any erase. */
static stp_status check_ob_assignments(run *r, const cli_command *cmd)
{
	const stp_chip *chip = stp_target_info(r->target)->chip;
	uint8_t buf[512], want[512];
	uint32_t len;
	stp_status st;

	if (cmd->nwords == 1 && !strcasecmp(cmd->words[0], "displ"))
		return STP_OK;
	if (!chip || !chip->ob_size)
		return STP_OK; /* cmd_ob says why when it runs */
	if ((st = read_ob(r, buf, sizeof(buf), &len)))
		return st;
	memcpy(want, buf, len);
	if ((st = stp_ob_apply(r->ctx, chip, want, len,
	                       (const char *const *)cmd->words,
	                       (size_t)cmd->nwords, 0)))
		return st;
	return stp_guard_option_bytes(r->ctx, chip, buf, want, len, "this -ob");
}

/* Whether a command changes the device in a way that, between two -d of
 * one plan, would run in the middle of it. */
static bool changes_device(cli_kind k)
{
	return k == CMD_ERASE || k == CMD_OB || k == CMD_RDU || k == CMD_WP ||
	       k == CMD_WUP || k == CMD_RDP || k == CMD_GO;
}

static const char *option_of(cli_kind k)
{
	switch (k) {
	case CMD_ERASE: return "-e";
	case CMD_OB: return "-ob";
	case CMD_RDU: return "-rdu";
	case CMD_WP: return "--write-protect";
	case CMD_WUP: return "--write-unprotect";
	case CMD_RDP: return "--readout-protect";
	case CMD_GO: return "-g";
	default: return "this command";
	}
}

/* The order of a run's commands, before anything else: the downloads
 * are one plan, so nothing that changes the device may sit between two
 * of them, and nothing may erase or unprotect (which erases) after them
 * what they wrote. */
static stp_status check_order(run *r)
{
	const cli *c = r->c;

	r->first_download = r->last_download = -1;
	for (int i = 0; i < c->ncmds; i++)
		if (c->cmds[i].kind == CMD_DOWNLOAD) {
			if (r->first_download < 0)
				r->first_download = i;
			r->last_download = i;
		}
	for (int i = r->first_download + 1; r->first_download >= 0 && i < c->ncmds; i++) {
		cli_kind k = c->cmds[i].kind;
		if (i < r->last_download && changes_device(k))
			return stp_fail(r->ctx, STP_ERR_ARG,
			                "put it before the first -d or after the last",
			                "%s between two -d: every -d of a run is "
			                "written and verified as one plan, so nothing "
			                "may change the device in the middle of it",
			                option_of(k));
		if (k == CMD_RDU || (k == CMD_ERASE && c->cmds[i].all))
			return stp_fail(r->ctx, STP_ERR_ARG,
			                "put it before the first -d",
			                "%s after -d would erase what the run just "
			                "wrote", option_of(k));
	}
	return STP_OK;
}

/* The run's files as one name list for messages. */
static void name_downloads(run *r)
{
	size_t used = 0;

	r->names[0] = '\0';
	for (int i = 0; i < r->c->ncmds && used < sizeof(r->names); i++) {
		int n;
		if (r->c->cmds[i].kind != CMD_DOWNLOAD)
			continue;
		n = snprintf(r->names + used, sizeof(r->names) - used, "%s%s",
		             used ? ", " : "", r->c->cmds[i].file);
		if (n > 0)
			used += (size_t)n;
	}
}

/* Routes every -d file and merges their flash data into the run's one
 * image, then plans it against the chip: overlaps, bad addresses and
 * images that do not fit fail here. */
static stp_status plan_downloads(run *r)
{
	const cli *c = r->c;
	stp_image_input in[CLI_MAX_COMMANDS];
	size_t n = 0;
	stp_program_opts o;
	stp_status st;

	for (int i = 0; i < c->ncmds; i++) {
		if (c->cmds[i].kind != CMD_DOWNLOAD)
			continue;
		if ((st = route_image(r, i)))
			return st;
		in[n].img = r->images[i];
		in[n].name = c->cmds[i].file;
		n++;
	}
	if (!n)
		return STP_OK;
	name_downloads(r);
	if ((st = stp_images_merge(r->ctx, in, n, &r->merged)))
		return st;
	download_opts(r, &o);
	/* Only option bytes: nothing to plan.  Any other run, an empty
	 * one too, goes through the planner's checks. */
	if ((stp_image_size(r->merged) || !r->ob_image) &&
	    (st = stp_program_check(r->ctx, r->target, r->merged, &o)))
		return st;
	return check_image_ob(r);
}

/* An erase after the downloads must not touch what they wrote. */
static stp_status check_erase_after(run *r, const cli_command *cmd,
                                    const stp_erase_unit *units, size_t n)
{
	if (r->first_download < 0 || (int)(cmd - r->c->cmds) < r->first_download)
		return STP_OK;
	for (size_t u = 0; u < n; u++)
		for (size_t s = 0; s < stp_image_segment_count(r->merged); s++) {
			const stp_segment *seg = stp_image_segment(r->merged, s);
			if ((uint64_t)seg->addr < (uint64_t)units[u].addr + units[u].size &&
			    (uint64_t)seg->addr + seg->len > units[u].addr)
				return stp_fail(r->ctx, STP_ERR_ARG,
				                "put the erase before the first -d",
				                "-e after -d: sector %u (0x%08X) holds "
				                "data this run writes", units[u].index,
				                units[u].addr);
		}
	return STP_OK;
}

/* Sector lists (-e, --write-protect), -u ranges and -g addresses,
 * checked against the connected chip before the first command runs. */
static stp_status check_arguments(run *r)
{
	const cli *c = r->c;
	stp_status st = STP_OK;

	for (int i = 0; i < c->ncmds && !st; i++) {
		const cli_command *cmd = &c->cmds[i];
		stp_geometry geo;
		stp_erase_unit *units;
		size_t n;
		uint32_t go;

		switch (cmd->kind) {
		case CMD_ERASE:
			if (cmd->all)
				break;
			/* fall through */
		case CMD_WP:
			if ((st = select_units(r, cmd, &geo, &units, &n)))
				break;
			if (cmd->kind == CMD_ERASE)
				st = check_erase_after(r, cmd, units, n);
			free(units);
			stp_geometry_release(&geo);
			break;
		case CMD_UPLOAD:
			st = check_upload(r, cmd);
			break;
		case CMD_GO:
			st = stp_start_check(r->ctx, r->target, cmd->has_addr,
			                     cmd->addr, &go);
			break;
		case CMD_OB:
			st = check_ob_assignments(r, cmd);
			break;
		default:
			break;
		}
	}
	return st;
}

/* Everything that can be checked before the device is touched: the
 * order of the commands, every input file, and once connected, the one
 * plan of every download and every command's arguments against the
 * chip.  Bad input fails here, before any erase. */
static stp_status prepare(run *r)
{
	const cli *c = r->c;
	stp_status st;

	if ((st = check_order(r)))
		return st;
	for (int i = 0; i < c->ncmds; i++) {
		const cli_command *cmd = &c->cmds[i];
		if (cmd->kind == CMD_DOWNLOAD &&
		    (st = load_image(r, cmd->file, cmd->has_addr, cmd->addr,
		                     &r->images[i])))
			return st;
	}
	if (!cli_needs_target(c))
		return STP_OK;
	if ((st = open_target(r)) || (st = plan_downloads(r)))
		return st;
	return check_arguments(r);
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

static stp_status stopped_between_commands(run *r)
{
	return stp_fail(r->ctx, STP_ERR_CANCELLED,
	                r->downloaded ? NULL : "nothing was written",
	                "stopped between two commands%s",
	                r->downloaded ? "; everything written so far was verified"
	                              : "");
}

int commands_run(const cli *c, stp_ctx *ctx, output *out)
{
	run r = {.c = c, .ctx = ctx, .out = out};
	unsigned confirmed = 0;
	stp_status st = STP_OK;

	if (c->confirm && !(st = stp_irreversible_parse(ctx, c->confirm, &confirmed)))
		stp_ctx_confirm(ctx, confirmed);
	catch_signals(ctx);
	if (!st)
		st = prepare(&r);

	for (int i = 0; i < c->ncmds && !st; i++) {
		const cli_command *cmd = &c->cmds[i];
		size_t k;

		if (stp_cancelled(ctx)) {
			st = stopped_between_commands(&r);
			break;
		}
		for (k = 0; k < sizeof(table) / sizeof(table[0]); k++)
			if (table[k].kind == cmd->kind)
				break;
		if (k == sizeof(table) / sizeof(table[0])) {
			st = stp_fail(ctx, STP_ERR_INTERNAL, NULL,
			              "command %d has no runner", (int)cmd->kind);
			break;
		}
		if (table[k].needs_target && (st = open_target(&r)))
			break;
		st = table[k].fn(&r, cmd);
	}
	stp_target_close(r.target);
	signal_ctx = NULL;
	for (int i = 0; i < c->ncmds; i++)
		stp_image_free(r.images[i]);
	stp_image_free(r.merged);
	free(r.ob_image);
	return st ? output_failure(out, ctx, st) : EXIT_OK;
}

/* The commands of stmprog.  Each one is a short function over the
 * libstmprog API; none of them knows which backend is behind a target. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "stmprog/backend.h"
#include "stmprog/chip.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

typedef struct run {
	const cli *c;
	stp_ctx *ctx;
	output *out;
	stp_target *target;      /* opened on the first command that needs it */
} run;

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
	st = stp_target_open(r->ctx, &spec, &r->target);
	if (st)
		return st;
	info = stp_target_info(r->target);
	output_say(r->out, "Connected through %s: PID 0x%03X, bootloader v%u.%u, %s\n",
	           stp_target_backend_name(r->target), info->pid,
	           info->bl_version >> 4, info->bl_version & 15,
	           info->chip ? info->chip->name : "chip not in the database");
	return STP_OK;
}

/* The erase units of the connected part; fails without a known chip. */
static stp_status target_geometry(run *r, stp_geometry *geo)
{
	const stp_device_info *info = stp_target_info(r->target);

	if (!info->chip)
		return stp_fail(r->ctx, STP_ERR_NOT_FOUND,
		                "update stmprog, or report the PID so it can be added",
		                "PID 0x%03X is not in the chip database, so its "
		                "sectors are unknown",
		                info->pid);
	return stp_chip_geometry(r->ctx, info->chip, info->flash_size, geo);
}

static stp_status cmd_erase(run *r, const cli_command *cmd)
{
	stp_geometry geo;
	stp_erase_req req = {0};
	stp_erase_unit *units;
	size_t n = 0;
	stp_status st;

	if (cmd->all) {
		req.kind = STP_ERASE_MASS;
		output_say(r->out, "Erasing all of the flash\n");
		return stp_target_erase(r->target, &req);
	}
	if ((st = target_geometry(r, &geo)))
		return st;
	units = calloc(geo.nunits ? geo.nunits : 1, sizeof(*units));
	if (!units) {
		stp_geometry_release(&geo);
		return stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	}
	for (size_t i = 0; i < geo.nunits; i++) {
		uint32_t idx = geo.units[i].index;
		bool want = cmd->range ? (idx >= cmd->first && idx <= cmd->last) : false;
		for (int k = 0; !cmd->range && k < cmd->nunits; k++)
			want |= cmd->units[k] == idx;
		if (want)
			units[n++] = geo.units[i];
	}
	/* Every number asked for must exist: erasing "some" of them would be
	 * a silent partial success. */
	for (int k = 0; k < (cmd->range ? 2 : cmd->nunits); k++) {
		uint32_t want = cmd->range ? (k ? cmd->last : cmd->first) : cmd->units[k];
		if (want >= geo.nunits) {
			st = stp_fail(r->ctx, STP_ERR_ARG,
			              "stmprog --chip NAME shows the sectors of a chip",
			              "sector %u does not exist: this %s has sectors 0 to %zu",
			              want, geo.chip->name, geo.nunits - 1);
			goto out;
		}
	}
	req.kind = STP_ERASE_UNITS;
	req.units = units;
	req.nunits = n;
	output_say(r->out, "Erasing %zu sector(s)\n", n);
	stp_progress(r->ctx, STP_PHASE_ERASE, 0, n);
	st = stp_target_erase(r->target, &req);
	if (!st)
		stp_progress(r->ctx, STP_PHASE_ERASE, n, n);
out:
	free(units);
	stp_geometry_release(&geo);
	return st;
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

static stp_status cmd_go(run *r, const cli_command *cmd)
{
	uint32_t addr = cmd->has_addr ? cmd->addr : STP_GO_DEFAULT;
	stp_status st = stp_target_go(r->target, addr);

	if (!st) {
		if (cmd->has_addr)
			output_say(r->out, "Started the application at 0x%08X\n", addr);
		else
			output_say(r->out, "Started the application\n");
	}
	return st;
}

static stp_status cmd_rdu(run *r, const cli_command *cmd)
{
	stp_status st = stp_target_readout_unprotect(r->target);
	if (!st)
		output_say(r->out, "Readout protection removed; the flash was erased\n");
	return st;
}

static stp_status cmd_ob(run *r, const cli_command *cmd)
{
	const stp_device_info *info = stp_target_info(r->target);
	uint8_t buf[512];
	uint32_t len;
	stp_status st;

	if (cmd->nwords != 1 || strcasecmp(cmd->words[0], "displ"))
		return stp_fail(r->ctx, STP_ERR_UNSUPPORTED,
		                "read them with -ob displ",
		                "changing option bytes by name is not supported for "
		                "this chip yet");
	if (!info->chip || !info->chip->ob_size)
		return stp_fail(r->ctx, STP_ERR_UNSUPPORTED, NULL,
		                "the option bytes of PID 0x%03X are not in the chip "
		                "database", info->pid);
	len = info->chip->ob_size > sizeof(buf) ? sizeof(buf) : info->chip->ob_size;
	if ((st = stp_target_option_bytes_read(r->target, buf, len)))
		return st;
	output_say(r->out, "Option bytes at 0x%08X:\n", info->chip->ob_start);
	for (uint32_t i = 0; i < len; i++)
		output_say(r->out, "%s%02X%s", i % 16 == 0 ? "  " : " ", buf[i],
		           i % 16 == 15 || i + 1 == len ? "\n" : "");
	return STP_OK;
}

typedef stp_status (*command_fn)(run *r, const cli_command *cmd);

static const struct {
	cli_kind kind;
	bool needs_target;
	command_fn fn;
} table[] = {
	{CMD_LIST, false, cmd_list},
	{CMD_BACKENDS, false, cmd_backends},
	{CMD_ERASE, true, cmd_erase},
	{CMD_UPLOAD, true, cmd_upload},
	{CMD_GO, true, cmd_go},
	{CMD_OB, true, cmd_ob},
	{CMD_RDU, true, cmd_rdu},
};

int commands_run(const cli *c, stp_ctx *ctx, output *out)
{
	run r = {c, ctx, out, NULL};
	stp_status st = STP_OK;

	for (int i = 0; i < c->ncmds && !st; i++) {
		const cli_command *cmd = &c->cmds[i];
		size_t k;

		for (k = 0; k < sizeof(table) / sizeof(table[0]); k++)
			if (table[k].kind == cmd->kind)
				break;
		if (k == sizeof(table) / sizeof(table[0])) {
			st = stp_fail(ctx, STP_ERR_UNSUPPORTED, NULL,
			              "this build of stmprog cannot run that command yet");
			break;
		}
		if (table[k].needs_target && (st = open_target(&r)))
			break;
		st = table[k].fn(&r, cmd);
	}
	stp_target_close(r.target);
	return st ? output_failure(out, ctx, st) : EXIT_OK;
}

/* Starting the application, honestly: the address is always a real one
 * (the flash base unless the caller names another, never a sentinel that
 * a real address could collide with), the vector table there is read from
 * the device and checked before the jump, and the backend's go returns
 * only once it saw the chip leave its bootloader. */
#include "config.h"

#include <string.h>

#include "stmprog/plan.h"
#include "stmprog/start.h"

/* Cortex-M: the SRAM region of the memory map, and the CCM / SRAM2 /
 * DTCM aliases STM32 parts keep at 0x10000000 (F3/F4/G4 CCM, L4 SRAM2). */
static bool in_ram(uint32_t a)
{
	return (a >= 0x20000000u && a < 0x40000000u) ||
	       (a >= 0x10000000u && a < 0x10100000u);
}

static bool in_flash(const stp_geometry *geo, uint32_t a)
{
	return geo && a >= geo->flash_base &&
	       a - geo->flash_base < geo->flash_size;
}

stp_status stp_start_check(stp_ctx *ctx, stp_target *t, bool has_addr,
                           uint32_t addr, uint32_t *resolved)
{
	const stp_device_info *info = stp_target_info(t);
	stp_geometry geo;
	bool have_geo;

	if (!has_addr) {
		if (!info->chip)
			return stp_fail(ctx, STP_ERR_ARG,
			                "name the address: -g 0x08000000",
			                "PID 0x%03X is not in the chip database, so "
			                "its flash base (where -g starts) is unknown",
			                info->pid);
		*resolved = info->chip->flash_base;
		return STP_OK;
	}
	if (addr % 4)
		return stp_fail(ctx, STP_ERR_ARG,
		                "give the address of the vector table, e.g. -g "
		                "0x08000000 (the bootloader loads SP from the first "
		                "word and jumps to the second)",
		                "-g 0x%08X: a vector table starts on a word boundary",
		                addr);
	have_geo = info->chip && !stp_target_geometry(ctx, t, &geo);
	if (!have_geo)
		stp_clear_error(ctx);
	if (!in_ram(addr) && !in_flash(have_geo ? &geo : NULL, addr)) {
		stp_status st = stp_fail(ctx, STP_ERR_ARG,
		                         "give the address of a vector table in "
		                         "flash or RAM, e.g. -g 0x08000000",
		                         "-g 0x%08X is neither in the flash%s nor "
		                         "in RAM",
		                         addr, have_geo ? " of this chip" : "");
		if (have_geo)
			stp_geometry_release(&geo);
		return st;
	}
	if (have_geo)
		stp_geometry_release(&geo);
	/* The SRAM below ram_start is the bootloader's own, and none lies
	 * past ram_end: the ROM refuses to read or jump there, so the table
	 * could not be checked and GO would fail without saying why. */
	/* Parts whose bootloader keeps all of the SRAM (L01x/02x, F042):
	 * nothing there is the user's while the ROM runs. */
	if (info->chip && info->chip->ram_end <= info->chip->ram_start &&
	    addr >= 0x20000000u && addr < 0x40000000u)
		return stp_fail(ctx, STP_ERR_ARG,
		                "start an application in the flash, e.g. -g "
		                "0x08000000",
		                "-g 0x%08X: the bootloader of this %s keeps all of "
		                "its RAM for itself, so no program can be loaded "
		                "there", addr, info->chip->name);
	if (info->chip && info->chip->ram_end > info->chip->ram_start &&
	    addr >= 0x20000000u && addr < 0x40000000u &&
	    (addr < info->chip->ram_start || addr >= info->chip->ram_end)) {
		stp_status st = stp_fail(ctx, STP_ERR_ARG, NULL,
		                         "-g 0x%08X is outside the RAM the bootloader "
		                         "of this %s leaves to applications "
		                         "(0x%08X..0x%08X)",
		                         addr, info->chip->name, info->chip->ram_start,
		                         info->chip->ram_end - 1);
		stp_set_hint(ctx, "give the address of a vector table in flash "
		             "(e.g. -g 0x%08X) or in RAM from 0x%08X",
		             info->chip->flash_base, info->chip->ram_start);
		return st;
	}
	*resolved = addr;
	return STP_OK;
}

stp_status stp_start(stp_ctx *ctx, stp_target *t, bool has_addr,
                     uint32_t addr, stp_start_report *rep)
{
	const stp_device_info *info = stp_target_info(t);
	uint8_t vt[8];
	stp_geometry geo;
	bool have_geo, sp_ok, pc_ok;
	stp_status st;

	memset(rep, 0, sizeof(*rep));
	if ((st = stp_start_check(ctx, t, has_addr, addr, &rep->addr)))
		return st;
	if ((st = stp_target_read(t, rep->addr, vt, sizeof(vt)))) {
		/* Readout protection hides the table; the bootloader then
		 * decides, and the backend still checks that the chip left. */
		stp_log(ctx, STP_LOG_WARN,
		        "could not read the vector table at 0x%08X (%s); starting "
		        "without checking it",
		        rep->addr, stp_last_detail(ctx));
		stp_clear_error(ctx);
	} else {
		rep->checked = true;
		rep->sp = (uint32_t)vt[0] | (uint32_t)vt[1] << 8 |
		          (uint32_t)vt[2] << 16 | (uint32_t)vt[3] << 24;
		rep->pc = (uint32_t)vt[4] | (uint32_t)vt[5] << 8 |
		          (uint32_t)vt[6] << 16 | (uint32_t)vt[7] << 24;
		have_geo = info->chip && !stp_target_geometry(ctx, t, &geo);
		if (!have_geo)
			stp_clear_error(ctx);
		sp_ok = rep->sp % 4 == 0 && in_ram(rep->sp - 1) && rep->sp != 0;
		/* Cortex-M runs Thumb code only: bit 0 of the reset vector is
		 * set, and the handler lies in flash or RAM. */
		pc_ok = (rep->pc & 1) &&
		        (in_flash(have_geo ? &geo : NULL, rep->pc & ~1u) ||
		         in_ram(rep->pc & ~1u));
		if (have_geo)
			stp_geometry_release(&geo);
		if (!sp_ok || !pc_ok)
			return stp_fail(ctx, STP_ERR_IMAGE,
			                "program an application whose vector table is "
			                "at that address (check the link address), or "
			                "give -g the address of its vector table",
			                "no application to start at 0x%08X: %s 0x%08X "
			                "%s, %s 0x%08X %s%s; nothing was started",
			                rep->addr, "the initial stack pointer", rep->sp,
			                sp_ok ? "is in RAM" : "is not a word address in RAM",
			                "the reset vector", rep->pc,
			                pc_ok ? "is a Thumb address in flash or RAM"
			                      : "is not a Thumb address in flash or RAM",
			                rep->sp == 0xFFFFFFFFu && rep->pc == 0xFFFFFFFFu
			                        ? " (the flash there is erased)"
			                        : "");
	}
	return stp_target_go(t, rep->addr);
}

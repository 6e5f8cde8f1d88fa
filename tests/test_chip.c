/* Tests of the chip database: invariants every row must keep, facts about
 * well-known PIDs, layout expansion and lookups. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "stmprog/chip.h"

static stp_ctx *ctx;

static void setup(void)
{
	ctx = stp_ctx_new();
	cr_assert_not_null(ctx);
}

static void teardown(void)
{
	stp_ctx_free(ctx);
}

TestSuite(chip, .init = setup, .fini = teardown);

static bool is_l0_l1(const stp_chip *c)
{
	return strcmp(c->family, "L0") == 0 || strcmp(c->family, "L1") == 0;
}

/* AN2606: on these the bootloader takes all of the SRAM, so nothing is
 * left for a RAM stub (F042/F070x6: 6 KB, L011: 2 KB). */
static bool ram_all_reserved(const stp_chip *c)
{
	return c->pid == 0x445 || c->pid == 0x457;
}

Test(chip, table_size_and_order)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);

	cr_assert_not_null(t);
	cr_assert_geq(n, 70, "only %zu entries", n);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(t[i - 1].pid, t[i].pid,
		             "not sorted or duplicate at 0x%03X",
		             (unsigned)t[i].pid);
}

Test(chip, every_entry_invariants)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n);

	for (size_t i = 0; i < n; i++) {
		const stp_chip *c = &t[i];
		unsigned pid = c->pid;
		stp_geometry geo;

		cr_assert_not_null(c->name);
		cr_assert_not_null(c->family);
		cr_assert(strncmp(c->name, "STM32", 5) == 0, "0x%03X name", pid);
		cr_assert_eq(c->flash_base, 0x08000000u, "0x%03X base", pid);
		cr_assert_gt(c->flash_size, 0u);
		cr_assert(c->program_unit == 2 || c->program_unit == 4 ||
		          c->program_unit == 8 || c->program_unit == 16 ||
		          c->program_unit == 32,
		          "0x%03X program unit %u", pid, c->program_unit);
		if (is_l0_l1(c))
			cr_assert_eq(c->erased_value, 0x00, "0x%03X erased", pid);
		else
			cr_assert_eq(c->erased_value, 0xFF, "0x%03X erased", pid);
		if (ram_all_reserved(c))
			cr_assert_eq(c->ram_start, c->ram_end);
		else
			cr_assert_lt(c->ram_start, c->ram_end, "0x%03X RAM", pid);
		cr_assert_geq(c->ram_start, 0x20000000u, "0x%03X RAM", pid);
		cr_assert_leq(c->ram_end, 0x30000000u, "0x%03X RAM", pid);
		cr_assert_lt(c->sysmem_start, c->sysmem_end, "0x%03X sysmem", pid);
		/* System memory never overlaps the main flash or SRAM. */
		cr_assert(c->sysmem_end <= c->flash_base ||
		          c->sysmem_start >= c->flash_base + c->flash_size,
		          "0x%03X sysmem in flash", pid);
		cr_assert_neq(c->uid_addr, 0u, "0x%03X uid", pid);
		cr_assert_neq(c->interfaces, 0u, "0x%03X interfaces", pid);
		cr_assert(c->interfaces & STP_IF_USART, "0x%03X no USART", pid);
		cr_assert_gt(c->ob_size, 0u, "0x%03X OB", pid);
		cr_assert_eq(c->otp_start == 0, c->otp_size == 0);
		cr_assert_gt(c->page_erase_ms, 0, "0x%03X erase time", pid);
		cr_assert_gt(c->program_us, 0, "0x%03X program time", pid);
		if (c->quirks & STP_QUIRK_NO_MASS_ERASE)
			cr_assert_eq(c->mass_erase_ms, 0u);
		else
			cr_assert_gt(c->mass_erase_ms, 0u, "0x%03X", pid);

		cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK,
		             "0x%03X: %s", pid, stp_last_detail(ctx));
		cr_assert_eq(geo.chip, c);
		cr_assert_eq(geo.flash_size, c->flash_size);
		cr_assert_gt(geo.nunits, 0u);
		cr_assert(geo.nbanks == 1 || geo.nbanks == 2);
		uint64_t sum = 0;
		for (size_t k = 0; k < geo.nunits; k++) {
			const stp_erase_unit *u = &geo.units[k];
			sum += u->size;
			cr_assert_eq(u->index, k, "0x%03X index", pid);
			cr_assert_lt(u->bank, geo.nbanks);
			cr_assert_eq(u->size % c->program_unit, 0,
			             "0x%03X unit %zu size", pid, k);
			if (k == 0) {
				cr_assert_eq(u->addr, c->flash_base);
				cr_assert_eq(u->bank, 0);
			} else if (u->bank == geo.units[k - 1].bank) {
				cr_assert_eq(u->addr, geo.units[k - 1].addr +
				                      geo.units[k - 1].size,
				             "0x%03X unit %zu not contiguous", pid, k);
			} else {
				cr_assert_eq(u->bank, geo.units[k - 1].bank + 1);
				cr_assert_geq(u->addr, geo.units[k - 1].addr +
				                       geo.units[k - 1].size);
			}
			cr_assert_eq(stp_geometry_unit_at(&geo, u->addr), u);
			cr_assert_eq(stp_geometry_unit_at(&geo,
			                                  u->addr + u->size - 1), u);
		}
		cr_assert_eq(sum, c->flash_size, "0x%03X sum", pid);
		cr_assert_eq(stp_chip_by_pid(c->pid), c);
		stp_geometry_release(&geo);
		cr_assert_null(geo.units);
	}
}

Test(chip, empty_check_parts)
{
	static const uint16_t with[] = {0x442, 0x445, 0x443, 0x453, 0x44C,
	                                0x493, 0x44D, 0x466, 0x456, 0x460,
	                                0x467, 0x457, 0x464, 0x435, 0x462,
	                                0x461, 0x470, 0x459, 0x489, 0x497,
	                                0x494, 0x495};
	static const uint16_t without[] = {0x410, 0x413, 0x449, 0x450, 0x468};

	for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		const stp_chip *c = stp_chip_by_pid(with[i]);
		cr_assert_not_null(c, "0x%03X missing", (unsigned)with[i]);
		cr_assert(c->quirks & STP_QUIRK_EMPTY_CHECK, "0x%03X",
		          (unsigned)with[i]);
	}
	for (size_t i = 0; i < sizeof(without) / sizeof(without[0]); i++)
		cr_assert_not(stp_chip_by_pid(without[i])->quirks &
		              STP_QUIRK_EMPTY_CHECK);
}

Test(chip, f4_405)
{
	const stp_chip *c = stp_chip_by_pid(0x413);
	stp_geometry geo;

	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "F4");
	cr_assert_eq(c->flash_size, 1024u * 1024u);
	cr_assert_str_eq(c->layout, "4*16K,1*64K,7*128K");
	cr_assert_eq(c->flash_size_reg, 0x1FFF7A22u);
	cr_assert_eq(c->uid_addr, 0x1FFF7A10u);
	cr_assert_eq(c->program_unit, 4);
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 12);
	cr_assert_eq(geo.units[4].addr, 0x08010000u);
	cr_assert_eq(geo.units[4].size, 64u * 1024u);
	cr_assert_eq(geo.units[11].addr, 0x080E0000u);
	stp_geometry_release(&geo);

	/* A 512 KB part of the same PID: sectors 0..7. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 512u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 8);
	cr_assert_eq(geo.flash_size, 512u * 1024u);
	cr_assert_eq(geo.units[7].addr + geo.units[7].size, 0x08080000u);
	cr_assert_null(stp_geometry_unit_at(&geo, 0x08080000u));
	stp_geometry_release(&geo);
}

Test(chip, f1_medium_density)
{
	const stp_chip *c = stp_chip_by_pid(0x410);
	stp_geometry geo;

	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "F1");
	cr_assert_eq(c->program_unit, 2);
	cr_assert_eq(c->flash_size_reg, 0x1FFFF7E0u);
	cr_assert_eq(c->uid_addr, 0x1FFFF7E8u);
	cr_assert_eq(c->erased_value, 0xFF);
	/* STM32F103C8: 64 KB of the 128 KB the PID allows. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 64u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 64);
	for (size_t i = 0; i < geo.nunits; i++)
		cr_assert_eq(geo.units[i].size, 1024u);
	stp_geometry_release(&geo);
}

Test(chip, l4_476)
{
	const stp_chip *c = stp_chip_by_pid(0x415);
	stp_geometry geo;

	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "L4");
	cr_assert_eq(c->program_unit, 8);
	cr_assert_eq(c->flash_size_reg, 0x1FFF75E0u);
	cr_assert_eq(c->uid_addr, 0x1FFF7590u);
	cr_assert(c->quirks & STP_QUIRK_OB_RELOAD);
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	cr_assert_eq(geo.nbanks, 2);
	cr_assert_eq(geo.nunits, 512);
	cr_assert_eq(geo.units[0].size, 2048u);
	cr_assert_eq(geo.units[256].addr, 0x08080000u);
	cr_assert_eq(geo.units[256].bank, 1);
	stp_geometry_release(&geo);
	/* STM32L476xE: 512 KB, bank 2 right after bank 1's real end. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 512u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 256);
	cr_assert_eq(geo.units[128].addr, 0x08040000u);
	cr_assert_eq(geo.units[128].bank, 1);
	stp_geometry_release(&geo);

	/* The L43x/L44x: empty check (field report 2). */
	c = stp_chip_by_pid(0x435);
	cr_assert(c->quirks & STP_QUIRK_EMPTY_CHECK);
	cr_assert_eq(c->program_unit, 8);
}

Test(chip, l0_cat5)
{
	const stp_chip *c = stp_chip_by_pid(0x447);
	stp_geometry geo;

	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "L0");
	cr_assert_eq(c->erased_value, 0x00);
	cr_assert(c->quirks & STP_QUIRK_DFU_LAYOUT_WRONG);
	cr_assert(c->quirks & STP_QUIRK_NO_MASS_ERASE);
	cr_assert_eq(c->program_unit, 4);
	cr_assert(c->interfaces & STP_IF_USB_DFU);
	cr_assert_eq(c->flash_size_reg, 0x1FF8007Cu);
	/* STM32L073xZ: 192 KB of 128-byte pages. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 1536);
	cr_assert_eq(geo.units[0].size, 128u);
	stp_geometry_release(&geo);
	/* STM32L072xB: the 128 KB part the DFU string overstates. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 128u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 1024);
	cr_assert_eq(geo.units[1023].addr, 0x0801FF80u);
	stp_geometry_release(&geo);
}

Test(chip, h7_dual_bank)
{
	const stp_chip *c = stp_chip_by_pid(0x450);
	stp_geometry geo;

	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "H7");
	cr_assert_eq(c->program_unit, 32);
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	cr_assert_eq(geo.nbanks, 2);
	cr_assert_eq(geo.nunits, 16);
	cr_assert_eq(geo.units[0].addr, 0x08000000u);
	cr_assert_eq(geo.units[0].size, 128u * 1024u);
	cr_assert_eq(geo.units[8].addr, 0x08100000u);
	cr_assert_eq(geo.units[8].bank, 1);
	cr_assert_eq(geo.units[8].index, 8);
	stp_geometry_release(&geo);

	/* STM32H743xG: 1 MB, 512 KB a bank, bank 2 stays at 0x08100000. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 1024u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nbanks, 2);
	cr_assert_eq(geo.nunits, 8);
	cr_assert_eq(geo.units[3].addr, 0x08060000u);
	cr_assert_eq(geo.units[4].addr, 0x08100000u);
	cr_assert_eq(geo.units[4].bank, 1);
	cr_assert_null(stp_geometry_unit_at(&geo, 0x08080000u));
	cr_assert_null(stp_geometry_unit_at(&geo, 0x080FFFFFu));
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x08100000u), &geo.units[4]);
	stp_geometry_release(&geo);

	/* STM32H750: a single 128 KB sector. */
	cr_assert_eq(stp_chip_geometry(ctx, c, 128u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nbanks, 1);
	cr_assert_eq(geo.nunits, 1);
	stp_geometry_release(&geo);
}

Test(chip, h72x_flash_base)
{
	const stp_chip *c = stp_chip_by_pid(0x483);

	cr_assert_not_null(c);
	/* stm32flash writes 0x80000000 here; the flash is at 0x08000000. */
	cr_assert_eq(c->flash_base, 0x08000000u);
	cr_assert_eq(c->program_unit, 32);
	cr_assert_str_eq(c->layout, "8*128K");
	cr_assert_eq(c->flash_size, 1024u * 1024u);
}

Test(chip, f7_and_g4)
{
	const stp_chip *c = stp_chip_by_pid(0x449);
	stp_geometry geo;

	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "F7");
	cr_assert_eq(c->flash_size_reg, 0x1FF0F442u);
	cr_assert_eq(c->uid_addr, 0x1FF0F420u);
	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	cr_assert_eq(geo.nunits, 8);
	cr_assert_eq(geo.units[0].size, 32u * 1024u);
	cr_assert_eq(geo.units[4].size, 128u * 1024u);
	cr_assert_eq(geo.units[5].size, 256u * 1024u);
	stp_geometry_release(&geo);

	c = stp_chip_by_pid(0x468);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "G4");
	cr_assert_eq(c->program_unit, 8);
	cr_assert(c->interfaces & STP_IF_FDCAN);

	/* G47x: bank 2 keeps its address on trimmed parts (a gap). */
	c = stp_chip_by_pid(0x469);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->family, "G4");
	cr_assert_eq(stp_chip_geometry(ctx, c, 256u * 1024u, &geo), STP_OK);
	cr_assert_eq(geo.nbanks, 2);
	cr_assert_eq(geo.nunits, 128);
	cr_assert_eq(geo.units[64].addr, 0x08040000u);
	cr_assert_eq(geo.units[63].addr + geo.units[63].size, 0x08020000u);
	stp_geometry_release(&geo);
}

Test(chip, unit_at_boundaries)
{
	const stp_chip *c = stp_chip_by_pid(0x413);
	stp_geometry geo;

	cr_assert_eq(stp_chip_geometry(ctx, c, 0, &geo), STP_OK);
	cr_assert_null(stp_geometry_unit_at(&geo, 0x07FFFFFFu));
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x08000000u)->index, 0);
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x08003FFFu)->index, 0);
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x08004000u)->index, 1);
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x0801FFFFu)->index, 4);
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x08020000u)->index, 5);
	cr_assert_eq(stp_geometry_unit_at(&geo, 0x080FFFFFu)->index, 11);
	cr_assert_null(stp_geometry_unit_at(&geo, 0x08100000u));
	cr_assert_null(stp_geometry_unit_at(&geo, 0xFFFFFFFFu));
	stp_geometry_release(&geo);
	cr_assert_null(stp_geometry_unit_at(&geo, 0x08000000u));
	cr_assert_null(stp_geometry_unit_at(NULL, 0x08000000u));
}

static stp_status geometry_of(const char *layout, uint32_t size,
                              uint32_t cut, stp_geometry *geo)
{
	stp_chip c = {0};

	c.pid = 0x999;
	c.name = "STM32TEST";
	c.family = "T";
	c.flash_base = 0x08000000u;
	c.flash_size = size;
	c.layout = layout;
	c.program_unit = 4;
	/* Copied into static storage so geo->chip stays valid. */
	static stp_chip keep;
	keep = c;
	return stp_chip_geometry(ctx, &keep, cut, geo);
}

Test(chip, malformed_layouts)
{
	static const char *bad[] = {
		"",           "4*",          "*16K",        "4*16K,",
		"4*16K|",     "4x16K",       "4*16Q",       "0*16K",
		"4*0",        "-4*16K",      "4*16K;1*64K", "0x:4*16K",
		"0x08000000", "4*16K|4*16K|4*16K",          " 4*16K",
		"99999999999*1K",
	};
	stp_geometry geo;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		stp_clear_error(ctx);
		cr_assert_eq(geometry_of(bad[i], 64u * 1024u, 0, &geo),
		             STP_ERR_LAYOUT, "accepted \"%s\"", bad[i]);
		cr_assert_eq(stp_last_status(ctx), STP_ERR_LAYOUT);
		cr_assert_not_null(strstr(stp_last_detail(ctx), "0x999"),
		                   "detail does not name the chip: %s",
		                   stp_last_detail(ctx));
		cr_assert_null(geo.units);
	}
	/* Layout and table size disagree. */
	cr_assert_eq(geometry_of("4*16K", 128u * 1024u, 0, &geo),
	             STP_ERR_LAYOUT);
	/* Bank 2 below bank 1. */
	cr_assert_eq(geometry_of("2*16K|0x07000000:2*16K", 64u * 1024u, 0, &geo),
	             STP_ERR_LAYOUT);
	/* A size between unit boundaries, and more than the chip has. */
	cr_assert_eq(geometry_of("4*16K,1*64K,7*128K", 1024u * 1024u,
	                         100u * 1024u, &geo),
	             STP_ERR_LAYOUT);
	cr_assert_not_null(strstr(stp_last_detail(ctx), "boundary"));
	cr_assert_eq(geometry_of("4*16K,1*64K,7*128K", 1024u * 1024u,
	                         2048u * 1024u, &geo),
	             STP_ERR_LAYOUT);
	/* Sizes with M and plain bytes parse. */
	cr_assert_eq(geometry_of("1*1M,2*512", 1024u * 1024u + 1024u, 0, &geo),
	             STP_OK);
	cr_assert_eq(geo.nunits, 3);
	cr_assert_eq(geo.units[2].addr, 0x08100200u);
	stp_geometry_release(&geo);
	/* Explicit address of the first bank. */
	cr_assert_eq(geometry_of("0x08000000:4*1K|0x08010000:4*1K", 8192u, 0,
	                         &geo),
	             STP_OK);
	cr_assert_eq(geo.units[4].addr, 0x08010000u);
	stp_geometry_release(&geo);
}

Test(chip, find_by_pid_and_name)
{
	bool amb = true;

	cr_assert_eq(stp_chip_find("0x413", &amb), stp_chip_by_pid(0x413));
	cr_assert_not(amb);
	cr_assert_eq(stp_chip_find("413", &amb), stp_chip_by_pid(0x413));
	cr_assert_eq(stp_chip_find("0X450", NULL), stp_chip_by_pid(0x450));
	cr_assert_eq(stp_chip_find("stm32f405", &amb), stp_chip_by_pid(0x413));
	cr_assert_eq(stp_chip_find("STM32F407VG", &amb), stp_chip_by_pid(0x413));
	cr_assert_eq(stp_chip_find("f417", &amb), stp_chip_by_pid(0x413));
	cr_assert_eq(stp_chip_find("l073", &amb), stp_chip_by_pid(0x447));
	cr_assert_eq(stp_chip_find("STM32L073RZ", &amb), stp_chip_by_pid(0x447));
	cr_assert_eq(stp_chip_find("stm32f103c8", &amb), stp_chip_by_pid(0x410));
	cr_assert_eq(stp_chip_find("H743", &amb), stp_chip_by_pid(0x450));
	cr_assert_eq(stp_chip_find("h723", &amb), stp_chip_by_pid(0x483));
	cr_assert_eq(stp_chip_find("G474", &amb), stp_chip_by_pid(0x469));
	cr_assert_eq(stp_chip_find("STM32F746", &amb), stp_chip_by_pid(0x449));
	cr_assert_eq(stp_chip_find("stm32l476rg", &amb), stp_chip_by_pid(0x415));
	cr_assert_not(amb);
}

Test(chip, find_ambiguous_and_missing)
{
	bool amb = false;

	/* F401, F405, F407 ... all start so. */
	cr_assert_null(stp_chip_find("F40", &amb));
	cr_assert(amb);
	amb = false;
	cr_assert_null(stp_chip_find("stm32", &amb));
	cr_assert(amb);
	amb = true;
	cr_assert_null(stp_chip_find("nosuchchip", &amb));
	cr_assert_not(amb);
	cr_assert_null(stp_chip_find("0x999", &amb));
	cr_assert_not(amb);
	cr_assert_null(stp_chip_find("", &amb));
	cr_assert_null(stp_chip_find(NULL, NULL));
	cr_assert_null(stp_chip_by_pid(0x000));
	cr_assert_null(stp_chip_by_pid(0xFFF));
}

Test(chip, interfaces_str)
{
	char buf[64], small[8];

	cr_assert_str_eq(stp_interfaces_str(STP_IF_USART | STP_IF_USB_DFU |
	                                    STP_IF_CAN, buf, sizeof(buf)),
	                 "USART, USB DFU, CAN");
	cr_assert_str_eq(stp_interfaces_str(STP_IF_FDCAN | STP_IF_I2C |
	                                    STP_IF_SPI, buf, sizeof(buf)),
	                 "FDCAN, I2C, SPI");
	cr_assert_str_eq(stp_interfaces_str(0, buf, sizeof(buf)), "none");
	/* Truncation stays terminated. */
	stp_interfaces_str(STP_IF_USART | STP_IF_USB_DFU, small, sizeof(small));
	cr_assert_lt(strlen(small), sizeof(small));
	cr_assert_str_eq(small, "USART");
}

/* DBGMCU_IDCODE addresses from the reference manuals' debug chapters: the
 * one fact that tells parts with the same memory map apart. */
Test(chip, idcode_address_per_family)
{
	cr_assert_eq(stp_chip_idcode_addr(stp_chip_by_pid(0x413)), 0xE0042000u);
	cr_assert_eq(stp_chip_idcode_addr(stp_chip_by_pid(0x411)), 0xE0042000u);
	cr_assert_eq(stp_chip_idcode_addr(stp_chip_by_pid(0x447)), 0x40015800u);
	cr_assert_eq(stp_chip_idcode_addr(stp_chip_by_pid(0x450)), 0x5C001000u);
	cr_assert_eq(stp_chip_idcode_addr(stp_chip_by_pid(0x482)), 0xE0044000u);
	cr_assert_eq(stp_chip_idcode_addr(NULL), 0);
	/* Every family in the table has one. */
	size_t n;
	const stp_chip *t = stp_chip_table(&n);
	for (size_t i = 0; i < n; i++)
		cr_assert_neq(stp_chip_idcode_addr(&t[i]), 0, "%s (%s)", t[i].name,
		              t[i].family);
}

/* Issue 11 §3: the option-byte blocks are whole (FLASH_OPTR up to the
 * last register with its complement): what -ob reads, changes and writes
 * back, and what tells a G0's DfuSe strings from an L4's. */
Test(chip, option_byte_blocks_are_whole)
{
	static const uint16_t l4[] = {0x415, 0x435, 0x461, 0x462, 0x464};
	static const uint16_t g0c0u0[] = {0x456, 0x460, 0x466, 0x467, 0x443,
	                                  0x44C, 0x44D, 0x453, 0x493, 0x459,
	                                  0x489};

	for (size_t i = 0; i < sizeof(l4) / sizeof(l4[0]); i++) {
		const stp_chip *c = stp_chip_by_pid(l4[i]);
		cr_assert(c, "0x%03X", l4[i]);
		/* OPTR, PCROP1_STRT, PCROP1_END, WRP1A, WRP1B: 5 word pairs. */
		cr_expect_eq(c->ob_size, 40u, "0x%03X: %u", c->pid, c->ob_size);
		cr_expect_eq(c->ob_start, 0x1FFF7800u);
	}
	for (size_t i = 0; i < sizeof(g0c0u0) / sizeof(g0c0u0[0]); i++) {
		const stp_chip *c = stp_chip_by_pid(g0c0u0[i]);
		cr_assert(c, "0x%03X", g0c0u0[i]);
		/* FLASH_OPTR at 0x1FFF7800 to SECR at 0x1FFF7870. */
		cr_expect_eq(c->ob_size, 128u, "0x%03X: %u", c->pid, c->ob_size);
		cr_expect_eq(c->ob_start, 0x1FFF7800u);
	}
}

/* stmprog-sim: DfuSe memory-layout strings, from a table or generated.
 *
 * The table holds strings typed in from real ROMs or field reports, and
 * the assumed strings of parts whose strings matter to identification
 * (G0/C0/U0, whose flash strings are also L4 parts').  Only two are
 * confirmed: the F405/407 flash string and the L07x flash string
 * (the inaccurate one of field report 3, kept byte for byte because a
 * client must survive it).  The other table entries are what ST documents
 * or users report for those parts, not checked against a chip here; every
 * other part gets strings generated in the same style from the chip
 * database (erase units, option bytes, OTP), also unconfirmed. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_dfu_layout.h"
#include "sim_trace.h"

typedef struct known_strings {
	uint16_t pid;
	const char *alt[SIM_DFU_MAX_ALTS];   /* NULL-terminated */
	unsigned confirmed;                  /* bit per alt */
} known_strings;

static const known_strings known[] = {
	/* F405/407/415/417: alt 0 confirmed; 1..3 as reported, unconfirmed. */
	{0x413, {"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
	         "@Option Bytes  /0x1FFFC000/01*016 e",
	         "@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
	         "@Device Feature/0xFFFF0000/01*004 e", NULL}, 1u << 0},
	/* L431/432/433/442/443: pages of 2 K; unconfirmed. */
	{0x435, {"@Internal Flash  /0x08000000/128*0002Kg",
	         "@Option Bytes  /0x1FFF7800/01*040 e", NULL}, 0},
	/* G0B0/G0B1/G0C1, C071, U073/U083: the parts of those families with
	 * a USB DFU bootloader (AN2606).  Unconfirmed; assumed in the style
	 * of the L4 ROMs they share a flash controller with (four-digit
	 * sizes, the OTP as one 1 KiB unit), with what the reference manuals
	 * fix: 2 KiB pages from 0x08000000 (G0B1's two banks touch, so one
	 * group), the option bytes at 0x1FFF7800 as one block of 128 bytes
	 * (FLASH_OPTR up to SECR; an L4's is 40), the OTP at 0x1FFF7000
	 * (U0: 0x1FFF6800).  The option-byte size is what tells these
	 * strings from an L4's when DBGMCU_IDCODE cannot be read. */
	{0x467, {"@Internal Flash  /0x08000000/256*0002Kg",
	         "@Option Bytes  /0x1FFF7800/01*0128 e",
	         "@OTP Memory /0x1FFF7000/01*0001Ke", NULL}, 0},
	{0x493, {"@Internal Flash  /0x08000000/64*0002Kg",
	         "@Option Bytes  /0x1FFF7800/01*0128 e",
	         "@OTP Memory /0x1FFF7000/01*0001Ke", NULL}, 0},
	{0x489, {"@Internal Flash  /0x08000000/128*0002Kg",
	         "@Option Bytes  /0x1FFF7800/01*0128 e",
	         "@OTP Memory /0x1FFF6800/01*0001Ke", NULL}, 0},
	/* L071/072/073/081/082/083: confirmed (field report 3).  No unit
	 * letter: the type letter sits where the unit goes, so the string
	 * claims 1536 pages of 128 bytes (192 KiB) on every part. */
	{0x447, {"@Internal Flash   /0x08000000/1536*128g", NULL}, 1u << 0},
};

/* Families whose ROMs print sizes with four digits ("0002Kg"). */
static bool wide_sizes(const char *family)
{
	static const char *const wide[] = {"L4", "L4+", "L5", "G0", "G4", "WB",
	                                   "WL", "U5", "C0", "U0", NULL};

	for (size_t i = 0; wide[i]; i++)
		if (!strcmp(wide[i], family))
			return true;
	return false;
}

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* "NN*SSSu" for count units of size bytes, then the type letter. */
static void append_group(char *buf, size_t len, unsigned count, uint32_t size,
                         bool wide, char type)
{
	int w = wide ? 4 : 3;

	if (size >= 1024 * 1024 && size % (1024 * 1024) == 0)
		append(buf, len, "%02u*%0*uM%c", count, w, size / (1024 * 1024), type);
	else if (size >= 1024 && size % 1024 == 0)
		append(buf, len, "%02u*%0*uK%c", count, w, size / 1024, type);
	else
		append(buf, len, "%02u*%0*u %c", count, w, size, type);
}

/* The flash string from the PID's largest geometry: equal neighbours
 * grouped, a new "/0xADDR/" section wherever there is a gap. */
static int flash_string(const stp_chip *chip, char *buf, size_t len,
                        char *err, size_t errlen)
{
	stp_ctx *ctx = stp_ctx_new();
	stp_geometry geo;
	bool wide = wide_sizes(chip->family);
	uint32_t next = 0;

	if (!ctx || stp_chip_geometry(ctx, chip, 0, &geo) != STP_OK) {
		snprintf(err, errlen, "chip 0x%03X: %s", (unsigned)chip->pid,
		         ctx ? stp_last_detail(ctx) : "out of memory");
		stp_ctx_free(ctx);
		return -1;
	}
	stp_ctx_free(ctx);
	snprintf(buf, len, "@Internal Flash  ");
	for (size_t i = 0; i < geo.nunits;) {
		size_t j = i + 1;
		const stp_erase_unit *u = &geo.units[i];

		if (i == 0 || u->addr != next)
			append(buf, len, "/0x%08X/", (unsigned)u->addr);
		else
			append(buf, len, ",");
		while (j < geo.nunits && geo.units[j].size == u->size &&
		       geo.units[j].addr == geo.units[j - 1].addr + u->size)
			j++;
		append_group(buf, len, (unsigned)(j - i), u->size, wide, 'g');
		next = geo.units[j - 1].addr + u->size;
		i = j;
	}
	stp_geometry_release(&geo);
	return 0;
}

/* Reads back what a string declares, leniently: "NN*SSS" then a unit
 * (B, K, M or space) and a type letter, or the type letter alone. */
static void parse_regions(sim_dfu_alt *alt)
{
	const char *p = strchr(alt->name, '/');

	alt->nregions = 0;
	while (p && *p == '/' && alt->nregions < SIM_DFU_MAX_REGIONS) {
		char *end;
		unsigned long start = strtoul(p + 1, &end, 0);
		uint64_t total = 0;

		if (end == p + 1 || *end != '/')
			return;
		p = end + 1;
		for (;;) {
			unsigned long count = strtoul(p, &end, 10), size;
			if (end == p || *end != '*')
				return;
			p = end + 1;
			size = strtoul(p, &end, 10);
			if (end == p)
				return;
			p = end;
			if (*p == 'K')
				size *= 1024;
			else if (*p == 'M')
				size *= 1024 * 1024;
			if (*p == 'K' || *p == 'M' || *p == 'B' || *p == ' ')
				p++;
			if (*p >= 'a' && *p <= 'g')
				p++;
			total += (uint64_t)count * size;
			if (*p != ',')
				break;
			p++;
		}
		alt->start[alt->nregions] = (uint32_t)start;
		alt->size[alt->nregions] = total > UINT32_MAX ? UINT32_MAX :
		                           (uint32_t)total;
		alt->nregions++;
	}
}

static sim_dfu_alt *add_alt(sim_dfu_layout *out)
{
	sim_dfu_alt *a;

	if (out->nalts >= SIM_DFU_MAX_ALTS)
		return NULL;
	a = &out->alt[out->nalts++];
	memset(a, 0, sizeof(*a));
	return a;
}

int sim_dfu_layout_build(const stp_chip *chip, sim_dfu_layout *out,
                         char *err, size_t errlen)
{
	sim_dfu_alt *a;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (known[k].pid != chip->pid)
			continue;
		for (size_t i = 0; i < SIM_DFU_MAX_ALTS && known[k].alt[i]; i++) {
			if (!(a = add_alt(out)))
				break;
			snprintf(a->name, sizeof(a->name), "%s", known[k].alt[i]);
			a->confirmed = known[k].confirmed & (1u << i);
			parse_regions(a);
		}
		/* A known flash string alone: the rest as generated. */
		if (out->nalts > 1)
			return 0;
		break;
	}
	if (out->nalts == 0 && (a = add_alt(out))) {
		if (flash_string(chip, a->name, sizeof(a->name), err, errlen) != 0)
			return -1;
		parse_regions(a);
	}
	if (chip->ob_start && chip->ob_size && (a = add_alt(out))) {
		snprintf(a->name, sizeof(a->name), "@Option Bytes  /0x%08X/",
		         (unsigned)chip->ob_start);
		append_group(a->name, sizeof(a->name), 1, chip->ob_size,
		             wide_sizes(chip->family), 'e');
		parse_regions(a);
	}
	if (chip->otp_start && chip->otp_size && (a = add_alt(out))) {
		snprintf(a->name, sizeof(a->name), "@OTP Memory /0x%08X/",
		         (unsigned)chip->otp_start);
		append_group(a->name, sizeof(a->name), 1, chip->otp_size,
		             wide_sizes(chip->family), 'e');
		parse_regions(a);
	}
	return 0;
}

int sim_dfu_layout_override(sim_dfu_layout *out, const char *names,
                            char *err, size_t errlen)
{
	sim_dfu_layout lay;
	sim_dfu_alt *a;

	memset(&lay, 0, sizeof(lay));
	for (const char *p = names; *p;) {
		size_t n = strcspn(p, "\n");
		if (n) {
			if (!(a = add_alt(&lay))) {
				snprintf(err, errlen, "STMPROG_SIM_DFU_ALTS: more than %d "
				         "strings", SIM_DFU_MAX_ALTS);
				return -1;
			}
			snprintf(a->name, sizeof(a->name), "%.*s", (int)n, p);
			parse_regions(a);
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	if (!lay.nalts) {
		snprintf(err, errlen, "STMPROG_SIM_DFU_ALTS: no strings");
		return -1;
	}
	*out = lay;
	return 0;
}

bool sim_dfu_alt_covers(const sim_dfu_alt *alt, uint32_t addr, uint32_t len)
{
	for (size_t i = 0; i < alt->nregions; i++)
		if (addr >= alt->start[i] &&
		    (uint64_t)addr + len <= (uint64_t)alt->start[i] + alt->size[i])
			return true;
	return false;
}

int sim_dfu_layout_for_rom(const stp_chip *chip, sim_dfu_layout *out,
                           char *err, size_t errlen)
{
	const char *alts = getenv("STMPROG_SIM_DFU_ALTS");

	if (!(chip->interfaces & STP_IF_USB_DFU))
		sim_say("the %s has no USB DFU bootloader (AN2606); simulating "
		        "one anyway", chip->name);
	if (sim_dfu_layout_build(chip, out, err, errlen) != 0)
		return -1;
	if (alts && sim_dfu_layout_override(out, alts, err, errlen) != 0)
		return -1;
	return 0;
}

/* libstmprog: chip database lookups and flash layout expansion.
 *
 * The table (chip_table.c) is plain data; everything that interprets it
 * lives here so the data can be reviewed without reading code.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"

/* The header numbers banks 0 and 1 only. */
#define MAX_BANKS 2
/* Enough for any layout in the table (F4 dual bank has 6 groups a bank). */
#define MAX_GROUPS 16
#define HINT_TABLE "this is a bug in the chip table; please report it"

typedef struct layout_group {
	uint32_t count;
	uint32_t size;
} layout_group;

typedef struct layout_bank {
	bool has_addr;
	uint32_t addr;
	size_t ngroups;
	layout_group groups[MAX_GROUPS];
	uint64_t size; /* sum of the groups */
} layout_bank;

typedef struct layout {
	size_t nbanks;
	layout_bank banks[MAX_BANKS];
} layout;

const stp_chip *stp_chip_by_pid(uint16_t pid)
{
	size_t n, lo = 0, hi;
	const stp_chip *t = stp_chip_table(&n);

	/* The table is sorted by PID (the tests hold it to that). */
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].pid == pid)
			return &t[mid];
		if (t[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Decimal number; no sign, no blanks, no overflow past 32 bits. */
static bool parse_dec(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "0x" followed by 1..8 hex digits. */
static bool parse_hex(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint32_t v = 0;
	int n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	s += 2;
	while (hexval(*s) >= 0) {
		if (++n > 8)
			return false;
		v = (v << 4) | (uint32_t)hexval(*s);
		s++;
	}
	if (n == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

static stp_status layout_error(stp_ctx *ctx, const stp_chip *chip,
                               const char *at, const char *what)
{
	return stp_fail(ctx, STP_ERR_LAYOUT, HINT_TABLE,
	                "chip 0x%03X (%s): layout \"%s\" %s at offset %d",
	                (unsigned)chip->pid, chip->name ? chip->name : "?",
	                chip->layout, what, (int)(at - chip->layout));
}

static stp_status parse_layout(stp_ctx *ctx, const stp_chip *chip, layout *lo)
{
	const char *s = chip->layout;

	memset(lo, 0, sizeof(*lo));
	if (!s || !*s)
		return stp_fail(ctx, STP_ERR_LAYOUT, HINT_TABLE,
		                "chip 0x%03X (%s): empty layout string",
		                (unsigned)chip->pid,
		                chip->name ? chip->name : "?");
	for (;;) {
		layout_bank *b;

		if (lo->nbanks == MAX_BANKS)
			return layout_error(ctx, chip, s, "has more than two banks");
		b = &lo->banks[lo->nbanks++];
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			if (!parse_hex(&s, &b->addr) || *s != ':')
				return layout_error(ctx, chip, s,
				                    "has a malformed bank address");
			b->has_addr = true;
			s++;
		}
		for (;;) {
			uint64_t count, size;
			layout_group *g;

			if (b->ngroups == MAX_GROUPS)
				return layout_error(ctx, chip, s, "has too many groups");
			if (!parse_dec(&s, &count) || count == 0)
				return layout_error(ctx, chip, s,
				                    "expects a unit count");
			if (*s++ != '*')
				return layout_error(ctx, chip, s - 1,
				                    "expects '*' after the count");
			if (!parse_dec(&s, &size) || size == 0)
				return layout_error(ctx, chip, s,
				                    "expects a unit size");
			if (*s == 'K') {
				size *= 1024;
				s++;
			} else if (*s == 'M') {
				size *= 1024 * 1024;
				s++;
			}
			if (size > UINT32_MAX || count * size > UINT32_MAX)
				return layout_error(ctx, chip, s, "is too large");
			g = &b->groups[b->ngroups++];
			g->count = (uint32_t)count;
			g->size = (uint32_t)size;
			b->size += count * size;
			if (b->size > UINT32_MAX)
				return layout_error(ctx, chip, s, "is too large");
			if (*s == ',') {
				s++;
				continue;
			}
			break;
		}
		if (*s == '|') {
			s++;
			continue;
		}
		if (*s != '\0')
			return layout_error(ctx, chip, s,
			                    "has an unexpected character");
		return STP_OK;
	}
}

/* How many units of bank b make up its first `want` bytes, or -1 when
 * `want` does not end on a unit boundary. */
static long units_for(const layout_bank *b, uint64_t want)
{
	uint64_t got = 0;
	long n = 0;

	for (size_t i = 0; i < b->ngroups && got < want; i++) {
		for (uint32_t j = 0; j < b->groups[i].count && got < want; j++) {
			got += b->groups[i].size;
			n++;
		}
	}
	return got == want ? n : -1;
}

stp_status stp_chip_geometry(stp_ctx *ctx, const stp_chip *chip,
                             uint32_t flash_size, stp_geometry *out)
{
	layout lo;
	uint64_t total = 0, bank_want[MAX_BANKS];
	long bank_units[MAX_BANKS];
	size_t nbanks, nunits = 0, k = 0;
	uint32_t addr;
	stp_status st;

	if (!chip || !out)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_chip_geometry: no chip or no output");
	memset(out, 0, sizeof(*out));
	st = parse_layout(ctx, chip, &lo);
	if (st != STP_OK)
		return st;
	for (size_t i = 0; i < lo.nbanks; i++)
		total += lo.banks[i].size;
	if (total != chip->flash_size)
		return stp_fail(ctx, STP_ERR_LAYOUT, HINT_TABLE,
		                "chip 0x%03X (%s): layout \"%s\" holds %llu bytes, "
		                "the table says %lu",
		                (unsigned)chip->pid, chip->name, chip->layout,
		                (unsigned long long)total,
		                (unsigned long)chip->flash_size);
	if (flash_size == 0)
		flash_size = chip->flash_size;
	if (flash_size > total)
		return stp_fail(ctx, STP_ERR_LAYOUT,
		                "check the flash size read from the device",
		                "chip 0x%03X (%s): %lu bytes of flash is more than "
		                "the %lu this chip comes with",
		                (unsigned)chip->pid, chip->name,
		                (unsigned long)flash_size, (unsigned long)total);

	/* A smaller part of a dual-bank PID has both banks cut to half its
	 * flash (that is how L4, G4, H7, U5 ... split a trimmed die).  When
	 * half does not land on a unit boundary but the whole fits bank 1
	 * (H750: one 128K sector), the part is single-bank. */
	nbanks = lo.nbanks;
	if (nbanks > 1 && flash_size < total) {
		bool halves = flash_size % nbanks == 0;
		for (size_t i = 0; halves && i < nbanks; i++)
			halves = units_for(&lo.banks[i], flash_size / nbanks) > 0;
		if (!halves && flash_size <= lo.banks[0].size &&
		    units_for(&lo.banks[0], flash_size) > 0)
			nbanks = 1;
	}
	for (size_t i = 0; i < nbanks; i++) {
		if (nbanks == 1)
			bank_want[i] = flash_size;
		else if (flash_size == total)
			bank_want[i] = lo.banks[i].size;
		else
			bank_want[i] = flash_size / nbanks;
		if (nbanks > 1 && flash_size % nbanks)
			bank_units[i] = -1;
		else
			bank_units[i] = units_for(&lo.banks[i], bank_want[i]);
		if (bank_units[i] <= 0)
			return stp_fail(ctx, STP_ERR_LAYOUT,
			                "check the flash size read from the device",
			                "chip 0x%03X (%s): %lu bytes of flash does "
			                "not end on an erase-unit boundary of "
			                "layout \"%s\"",
			                (unsigned)chip->pid, chip->name,
			                (unsigned long)flash_size, chip->layout);
		nunits += (size_t)bank_units[i];
	}
	if (nunits > UINT16_MAX + 1u)
		return stp_fail(ctx, STP_ERR_LAYOUT, HINT_TABLE,
		                "chip 0x%03X (%s): %zu erase units do not fit "
		                "the 16-bit unit index",
		                (unsigned)chip->pid, chip->name, nunits);
	out->units = calloc(nunits, sizeof(*out->units));
	if (!out->units)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL,
		                "no memory for %zu erase units", nunits);

	addr = chip->flash_base;
	for (size_t i = 0; i < nbanks; i++) {
		const layout_bank *b = &lo.banks[i];
		long left = bank_units[i];

		if (b->has_addr) {
			/* Banks must come in address order without overlap,
			 * or unit indexes would not follow addresses. */
			if (b->addr < addr) {
				free(out->units);
				out->units = NULL;
				return stp_fail(ctx, STP_ERR_LAYOUT, HINT_TABLE,
				                "chip 0x%03X (%s): bank %zu at "
				                "0x%08lX overlaps the bank before",
				                (unsigned)chip->pid, chip->name, i,
				                (unsigned long)b->addr);
			}
			addr = b->addr;
		}
		for (size_t g = 0; g < b->ngroups && left > 0; g++) {
			for (uint32_t j = 0; j < b->groups[g].count && left > 0;
			     j++, left--) {
				stp_erase_unit *u = &out->units[k];
				u->addr = addr;
				u->size = b->groups[g].size;
				u->index = (uint16_t)k;
				u->bank = (uint8_t)i;
				addr += u->size;
				k++;
			}
		}
	}
	out->chip = chip;
	out->flash_base = chip->flash_base;
	out->flash_size = flash_size;
	out->nunits = nunits;
	out->nbanks = (unsigned)nbanks;
	return STP_OK;
}

void stp_geometry_release(stp_geometry *geo)
{
	if (!geo)
		return;
	free(geo->units);
	memset(geo, 0, sizeof(*geo));
}

uint32_t stp_geometry_unit_erase_ms(const stp_geometry *geo,
                                    const stp_erase_unit *u)
{
	const stp_chip *chip = geo->chip;
	uint32_t lo = UINT32_MAX, hi = 0;

	if (!chip->small_erase_ms || !u)
		return chip->page_erase_ms;
	for (size_t i = 0; i < geo->nunits; i++) {
		if (geo->units[i].size < lo)
			lo = geo->units[i].size;
		if (geo->units[i].size > hi)
			hi = geo->units[i].size;
	}
	if (hi <= lo)
		return chip->page_erase_ms;
	/* A straight line through (smallest, small_erase_ms) and (largest,
	 * page_erase_ms): the F4 datasheet's 16/64/128 KiB figures sit
	 * within 5 % of it. */
	return chip->small_erase_ms +
	       (uint32_t)((uint64_t)(u->size - lo) *
	                  (chip->page_erase_ms - chip->small_erase_ms) / (hi - lo));
}

const stp_erase_unit *stp_geometry_unit_at(const stp_geometry *geo,
                                           uint32_t addr)
{
	size_t lo = 0, hi;

	if (!geo || !geo->units)
		return NULL;
	/* Units are sorted by address; there may be a gap between banks. */
	hi = geo->nunits;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const stp_erase_unit *u = &geo->units[mid];
		if (addr < u->addr)
			hi = mid;
		else if (addr - u->addr >= u->size)
			lo = mid + 1;
		else
			return u;
	}
	return NULL;
}

/* Query character q against name character n: case-insensitive, and a
 * lowercase 'x' in the name (or an 'x' in the query) matches any
 * letter or digit, as part numbers are written "STM32F40xxx". */
static bool char_match(char q, char n)
{
	if (tolower((unsigned char)q) == tolower((unsigned char)n))
		return true;
	if ((n == 'x' || q == 'x' || q == 'X') && isalnum((unsigned char)q) &&
	    isalnum((unsigned char)n))
		return true;
	return false;
}

static bool contains(const char *hay, size_t hlen, const char *needle)
{
	size_t nlen = strlen(needle);

	if (nlen > hlen)
		return false;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t j = 0;
		while (j < nlen && char_match(needle[j], hay[i + j]))
			j++;
		if (j == nlen)
			return true;
	}
	return false;
}

/* Does q match one of the part numbers in name?  See the naming
 * convention at the top of chip_table.c. */
static bool name_matches(const char *name, const char *q)
{
	char first[64], alias[64];
	size_t flen = 0;
	const char *p = name;

	if (contains(name, strlen(name), q))
		return true;
	while (*p && *p != '/' && *p != ' ' && flen < sizeof(first) - 1)
		first[flen++] = *p++;
	first[flen] = '\0';
	while (*p == '/') {
		size_t tlen = 0;
		const char *t = ++p;

		while (*p && *p != '/' && *p != ' ')
			p++;
		tlen = (size_t)(p - t);
		if (tlen == 0 || tlen >= sizeof(alias))
			continue;
		if (tlen >= 5 && strncmp(t, "STM32", 5) == 0) {
			memcpy(alias, t, tlen);
			alias[tlen] = '\0';
		} else if (tlen <= flen) {
			/* The token replaces the tail of the first part. */
			memcpy(alias, first, flen - tlen);
			memcpy(alias + flen - tlen, t, tlen);
			alias[flen] = '\0';
		} else {
			continue;
		}
		if (contains(alias, strlen(alias), q))
			return true;
	}
	return false;
}

/* "0x413" or "413": a PID written in hex. */
static bool parse_pid(const char *s, uint16_t *pid)
{
	uint32_t v = 0;
	int n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		if (hexval(*s) < 0 || ++n > 4)
			return false;
		v = (v << 4) | (uint32_t)hexval(*s);
	}
	if (n == 0)
		return false;
	*pid = (uint16_t)v;
	return true;
}

const stp_chip *stp_chip_find(const char *name_or_pid, bool *ambiguous)
{
	size_t n;
	const stp_chip *t = stp_chip_table(&n), *found = NULL;
	uint16_t pid;

	if (ambiguous)
		*ambiguous = false;
	if (!name_or_pid || !*name_or_pid)
		return NULL;
	/* A PID wins over a name fragment: "413" is the F40x PID even though
	 * it also appears in "STM32F413". */
	if (parse_pid(name_or_pid, &pid)) {
		const stp_chip *c = stp_chip_by_pid(pid);
		if (c)
			return c;
	}
	for (size_t i = 0; i < n; i++) {
		if (!name_matches(t[i].name, name_or_pid))
			continue;
		if (found) {
			if (ambiguous)
				*ambiguous = true;
			return NULL;
		}
		found = &t[i];
	}
	return found;
}

const char *stp_interfaces_str(uint32_t interfaces, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{STP_IF_USART, "USART"}, {STP_IF_USB_DFU, "USB DFU"},
		{STP_IF_CAN, "CAN"},     {STP_IF_FDCAN, "FDCAN"},
		{STP_IF_I2C, "I2C"},     {STP_IF_SPI, "SPI"},
	};
	size_t used = 0;

	if (!buf || len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;

		if (!(interfaces & names[i].bit))
			continue;
		w = snprintf(buf + used, len - used, "%s%s",
		             used ? ", " : "", names[i].name);
		if (w < 0 || (size_t)w >= len - used) {
			/* Drop the partial name rather than print half of it. */
			buf[used] = '\0';
			return buf;
		}
		used += (size_t)w;
	}
	if (used == 0)
		snprintf(buf, len, "none");
	return buf;
}

/* Where DBGMCU_IDCODE sits, per family (the reference manuals' debug
 * chapters): the PID in its low 12 bits, the revision in the high half.
 * Kept by family rather than in every table row, since it never differs
 * within one. */
uint32_t stp_chip_idcode_addr(const stp_chip *chip)
{
	static const struct {
		const char *families;
		uint32_t addr;
	} map[] = {
		{" F0 G0 L0 C0 U0 ", 0x40015800u},
		{" F1 F2 F3 F4 F7 L1 L4 L4+ G4 WB WL ", 0xE0042000u},
		{" L5 U5 U3 WBA ", 0xE0044000u},
		{" H7 ", 0x5C001000u},
		{" H5 ", 0x44024000u},
	};
	char key[16];

	if (!chip || !chip->family)
		return 0;
	snprintf(key, sizeof(key), " %s ", chip->family);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strstr(map[i].families, key))
			return map[i].addr;
	return 0;
}

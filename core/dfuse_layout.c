/* DfuSe memory-layout strings: a lenient parser, range queries, and the
 * match against the chip database (see stmprog/dfuse.h for the grammar
 * and what is accepted beyond it). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "stmprog/dfuse.h"
#include "stmprog/option_bytes.h"

typedef struct parser {
	stp_ctx *ctx;
	const char *str;     /* the whole string, for messages */
	const char *p;       /* where we are */
	stp_dfuse_layout *lo;
} parser;

static unsigned pos(const parser *ps)
{
	return (unsigned)(ps->p - ps->str) + 1;
}

static stp_status bad(const parser *ps, const char *what)
{
	char at[16];

	if (*ps->p)
		snprintf(at, sizeof(at), "'%c'", *ps->p);
	else
		snprintf(at, sizeof(at), "the end");
	return stp_fail(ps->ctx, STP_ERR_PROTOCOL,
	                "the device's memory-layout string is malformed; "
	                "report it with `stmprog -l usb` output",
	                "DfuSe layout \"%s\": %s at character %u (found %s)",
	                ps->str, what, pos(ps), at);
}

static void skip_spaces(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static void note_guess(parser *ps, unsigned what, const char *start,
                       const char *fmt)
{
	stp_dfuse_layout *lo = ps->lo;
	int n = (int)(ps->p - start);

	lo->guessed |= what;
	if (lo->guess[0])
		return;
	/* fmt has one %.*s for the token and one %u for its position. */
	snprintf(lo->guess, sizeof(lo->guess), fmt, n, start,
	         (unsigned)(start - ps->str) + 1);
}

/* Decimal with leading zeros ("016"), at most 32 bits. */
static bool parse_dec(parser *ps, uint32_t *out)
{
	uint64_t v = 0;
	const char *start = ps->p;

	while (isdigit((unsigned char)*ps->p)) {
		v = v * 10 + (uint64_t)(*ps->p - '0');
		if (v > UINT32_MAX)
			return false;
		ps->p++;
	}
	*out = (uint32_t)v;
	return ps->p != start;
}

static stp_status parse_addr(parser *ps, uint32_t *out)
{
	const char *start = ps->p;
	uint64_t v = 0;
	bool prefixed = false;
	int digits = 0;

	if (ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X')) {
		ps->p += 2;
		prefixed = true;
	}
	while (isxdigit((unsigned char)*ps->p)) {
		int c = tolower((unsigned char)*ps->p);
		v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
		if (v > UINT32_MAX)
			return bad(ps, "the address does not fit 32 bits");
		ps->p++;
		digits++;
	}
	if (!digits)
		return bad(ps, "expected a hexadecimal address");
	if (!prefixed)
		note_guess(ps, STP_DFUSE_GUESS_ADDRESS, start,
		           "address \"%.*s\" at character %u has no 0x: "
		           "hexadecimal assumed");
	*out = (uint32_t)v;
	return STP_OK;
}

static bool is_type(char c)
{
	return (c >= 'a' && c <= 'g') || (c >= 'A' && c <= 'G');
}

/* COUNT*SIZE[unit][type] */
static stp_status parse_group(parser *ps, uint32_t addr, stp_dfuse_group *g)
{
	const char *start;
	uint32_t mult = 1;
	bool spaced;

	memset(g, 0, sizeof(*g));
	g->addr = addr;
	skip_spaces(ps);
	start = ps->p;
	if (!parse_dec(ps, &g->count))
		return bad(ps, "expected a unit count");
	if (!g->count)
		return bad(ps, "a group of zero units");
	skip_spaces(ps);
	if (*ps->p != '*')
		return bad(ps, "expected '*' after the unit count");
	ps->p++;
	skip_spaces(ps);
	if (!parse_dec(ps, &g->size))
		return bad(ps, "expected a unit size");
	/* The unit: a letter, possibly after spaces ("2 * 1 M g"); a space
	 * followed by the type letter is the spec's "bytes" ("01*016 e"). */
	spaced = *ps->p == ' ' || *ps->p == '\t';
	skip_spaces(ps);
	switch (*ps->p) {
	case 'B':
		ps->p++;
		break;
	case 'K': case 'k':
		mult = 1024;
		ps->p++;
		break;
	case 'M': case 'm':
		mult = 1024 * 1024;
		ps->p++;
		break;
	default:
		/* "1536*128g": the letter in the unit's place is the type,
		 * so the size is in bytes. */
		if (!spaced && is_type(*ps->p)) {
			note_guess(ps, STP_DFUSE_GUESS_UNIT, start,
			           "\"%.*s\" at character %u has no unit: bytes "
			           "assumed");
			g->guessed |= STP_DFUSE_GUESS_UNIT;
		}
		break;
	}
	if ((uint64_t)g->size * mult > UINT32_MAX || !g->size)
		return bad(ps, g->size ? "a unit larger than 4 GiB"
		                       : "a unit of zero bytes");
	g->size *= mult;
	skip_spaces(ps);
	if (is_type(*ps->p)) {
		g->attr = (uint8_t)(*ps->p & 7);
		ps->p++;
	} else {
		note_guess(ps, STP_DFUSE_GUESS_TYPE, start,
		           "\"%.*s\" at character %u has no type letter: "
		           "readable, erasable and writable assumed");
		g->guessed |= STP_DFUSE_GUESS_TYPE;
		g->attr = STP_DFUSE_READABLE | STP_DFUSE_ERASABLE |
		          STP_DFUSE_WRITABLE;
	}
	if ((uint64_t)g->addr + (uint64_t)g->count * g->size >
	    (uint64_t)UINT32_MAX + 1)
		return bad(ps, "the group runs past 4 GiB");
	skip_spaces(ps);
	return STP_OK;
}

stp_status stp_dfuse_parse(stp_ctx *ctx, const char *str,
                           stp_dfuse_layout *out)
{
	parser ps = {ctx, str, str, out};
	const char *name;
	size_t nlen;
	stp_status st;

	memset(out, 0, sizeof(*out));
	if (!str)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "no DfuSe layout string");
	skip_spaces(&ps);
	if (*ps.p != '@')
		return bad(&ps, "a DfuSe layout starts with '@'");
	ps.p++;
	name = ps.p;
	while (*ps.p && *ps.p != '/')
		ps.p++;
	nlen = (size_t)(ps.p - name);
	while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
		nlen--;
	while (nlen && *name == ' ') {
		name++;
		nlen--;
	}
	if (nlen >= sizeof(out->name))
		nlen = sizeof(out->name) - 1;
	memcpy(out->name, name, nlen);
	out->name[nlen] = '\0';
	if (*ps.p != '/')
		return bad(&ps, "expected '/' and an address after the name");

	/* Segments: /ADDR/GROUP,GROUP... */
	while (*ps.p == '/') {
		uint32_t addr = 0;
		ps.p++;
		skip_spaces(&ps);
		if ((st = parse_addr(&ps, &addr)))
			return st;
		skip_spaces(&ps);
		if (*ps.p != '/')
			return bad(&ps, "expected '/' after the address");
		ps.p++;
		for (;;) {
			stp_dfuse_group *g;
			if (out->ngroups == STP_DFUSE_MAX_GROUPS)
				return bad(&ps, "too many groups");
			g = &out->groups[out->ngroups];
			if ((st = parse_group(&ps, addr, g)))
				return st;
			out->ngroups++;
			addr = (uint32_t)stp_dfuse_group_end(g);
			if (*ps.p != ',')
				break;
			ps.p++;
		}
		skip_spaces(&ps);
	}
	/* Some ROMs end the string with spaces or a NUL-padded tail. */
	skip_spaces(&ps);
	if (*ps.p)
		return bad(&ps, "expected ',', '/' or the end of the string");
	return STP_OK;
}

uint64_t stp_dfuse_group_end(const stp_dfuse_group *g)
{
	return (uint64_t)g->addr + (uint64_t)g->count * g->size;
}

uint64_t stp_dfuse_total(const stp_dfuse_layout *lo)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < lo->ngroups; i++)
		sum += (uint64_t)lo->groups[i].count * lo->groups[i].size;
	return sum;
}

const stp_dfuse_group *stp_dfuse_group_at(const stp_dfuse_layout *lo,
                                          uint32_t addr)
{
	for (size_t i = 0; i < lo->ngroups; i++) {
		const stp_dfuse_group *g = &lo->groups[i];
		if (addr >= g->addr && addr < stp_dfuse_group_end(g))
			return g;
	}
	return NULL;
}

bool stp_dfuse_contains(const stp_dfuse_layout *lo, uint32_t addr,
                        uint64_t len)
{
	uint64_t at = addr, end = (uint64_t)addr + (len ? len : 1);

	/* Walk from group to group while they touch; groups need not be in
	 * address order. */
	while (at < end) {
		const stp_dfuse_group *g;
		if (at > UINT32_MAX || !(g = stp_dfuse_group_at(lo, (uint32_t)at)))
			return false;
		at = stp_dfuse_group_end(g);
	}
	return true;
}

bool stp_dfuse_unit_at(const stp_dfuse_layout *lo, uint32_t addr,
                       uint32_t *start, uint32_t *size)
{
	const stp_dfuse_group *g = stp_dfuse_group_at(lo, addr);

	if (!g)
		return false;
	*size = g->size;
	*start = g->addr + (addr - g->addr) / g->size * g->size;
	return true;
}

const char *stp_dfuse_group_str(const stp_dfuse_group *g, char *buf,
                                size_t len)
{
	static const char types[] = "?abcdefg";
	char t = g->attr ? types[g->attr] : '?';

	if (g->size % (1024 * 1024) == 0)
		snprintf(buf, len, "%u*%uM%c", g->count, g->size >> 20, t);
	else if (g->size % 1024 == 0)
		snprintf(buf, len, "%u*%uK%c", g->count, g->size >> 10, t);
	else
		snprintf(buf, len, "%u*%u %c", g->count, g->size, t);
	return buf;
}

/* ---- matching against the chip database ------------------------------ */

/* Every unit of the flash alt is a unit of the chip's geometry. */
static bool units_agree(const stp_dfuse_layout *flash, const stp_geometry *geo)
{
	for (size_t i = 0; i < flash->ngroups; i++) {
		const stp_dfuse_group *g = &flash->groups[i];
		for (uint32_t k = 0; k < g->count; k++) {
			uint32_t a = g->addr + k * g->size;
			const stp_erase_unit *u = stp_geometry_unit_at(geo, a);
			if (!u || u->addr != a || u->size != g->size)
				return false;
		}
	}
	return true;
}

/* Bytes of the option-bytes segment that starts at addr: its groups
 * while they follow each other (a second segment, the L47x's bank-2
 * block at 0x1FFFF800, is another memory). */
static uint64_t segment_size(const stp_dfuse_layout *lo, uint32_t addr)
{
	uint64_t size = 0, at = addr;
	size_t i = 0;

	/* The parser keeps a segment's groups together and in order. */
	while (i < lo->ngroups && lo->groups[i].addr != addr)
		i++;
	for (; i < lo->ngroups && lo->groups[i].addr == at; i++) {
		size += (uint64_t)lo->groups[i].count * lo->groups[i].size;
		at = stp_dfuse_group_end(&lo->groups[i]);
	}
	return size;
}

int stp_dfuse_fit(stp_ctx *ctx, const stp_chip *c, const stp_dfuse_layout *alts,
                  size_t nalts)
{
	const stp_dfuse_layout *flash = NULL, *ob = NULL;
	stp_geometry geo;
	bool agree;
	int score = STP_DFUSE_FITS;

	for (size_t i = 0; i < nalts; i++) {
		if (!alts[i].ngroups)
			continue;
		if (alts[i].groups[0].addr == c->flash_base && !flash)
			flash = &alts[i];
		if (c->ob_size && alts[i].groups[0].addr == c->ob_start && !ob)
			ob = &alts[i];
	}
	if (!flash || (c->ob_size && !ob) ||
	    stp_dfuse_total(flash) > c->flash_size)
		return 0;
	if (stp_chip_geometry(ctx, c, 0, &geo)) {
		stp_clear_error(ctx);
		return 0;
	}
	agree = units_agree(flash, &geo);
	stp_geometry_release(&geo);
	if (!agree)
		return 0;
	if (c->interfaces & STP_IF_USB_DFU)
		score |= STP_DFUSE_HAS_DFU;
	if (!c->ob_size || segment_size(ob, c->ob_start) == c->ob_size)
		score |= STP_DFUSE_OB_SIZE;
	if (stp_dfuse_total(flash) == c->flash_size)
		score |= STP_DFUSE_FLASH_SIZE;
	return score;
}

size_t stp_dfuse_match(stp_ctx *ctx, const stp_dfuse_layout *alts,
                       size_t nalts, uint16_t *pids, size_t max)
{
	size_t n, found = 0;
	const stp_chip *t = stp_chip_table(&n);

	/* One pass per score, best first, keeps table order within a score
	 * without sorting. */
	for (int want = STP_DFUSE_SCORE_MAX; want >= STP_DFUSE_FITS; want--) {
		for (size_t i = 0; i < n; i++) {
			if (stp_dfuse_fit(ctx, &t[i], alts, nalts) != want)
				continue;
			if (found < max)
				pids[found] = t[i].pid;
			found++;
		}
	}
	return found;
}

bool stp_dfuse_interchangeable(const stp_chip *a, const stp_chip *b)
{
	const uint32_t matters = STP_QUIRK_EMPTY_CHECK | STP_QUIRK_DFU_LAYOUT_WRONG |
	                         STP_QUIRK_NO_MASS_ERASE | STP_QUIRK_OB_RELOAD |
	                         STP_QUIRK_FIXED_SIZE;

	if (a == b)
		return true;
	if (!a || !b)
		return false;
	/* The option-byte field table is compared by identity: two families
	 * sharing one table (F2 and F405) have the same bits in the same
	 * places. */
	return a->flash_base == b->flash_base &&
	       !strcmp(a->layout, b->layout) &&
	       a->program_unit == b->program_unit &&
	       a->erased_value == b->erased_value &&
	       a->flash_size_reg == b->flash_size_reg &&
	       a->ob_start == b->ob_start && a->ob_size == b->ob_size &&
	       stp_ob_fields(a, NULL) == stp_ob_fields(b, NULL) &&
	       (a->quirks & matters) == (b->quirks & matters);
}

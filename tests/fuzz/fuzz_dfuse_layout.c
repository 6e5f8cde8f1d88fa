/* libFuzzer harness: the DfuSe memory-layout string parser.  The strings
 * come from the USB device, so they are as untrusted as a file.  The input
 * is split at NUL bytes into up to four strings, one per alternate
 * setting.  Each string the parser accepts must describe what it claims
 * (a total that is the sum of its groups, each group's first and last
 * byte found in that group and in a unit that holds them), and the set
 * of them is matched against the chip database as a DFU device's would be. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/dfuse.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ALTS 4

#define check(cond, what)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz: %s\n", what);                \
			abort();                                            \
		}                                                           \
	} while (0)

static void probe(const stp_dfuse_layout *lo, uint32_t addr)
{
	const stp_dfuse_group *g = stp_dfuse_group_at(lo, addr);
	uint32_t start, usize;
	bool in = stp_dfuse_contains(lo, addr, 0);
	bool unit = stp_dfuse_unit_at(lo, addr, &start, &usize);

	check(!g == !in, "group_at and contains disagree");
	check(unit == in, "unit_at and contains disagree");
	if (g)
		check(addr >= g->addr && addr < stp_dfuse_group_end(g),
		      "group_at returned a group without the address");
	if (unit)
		check(usize > 0 && addr >= start &&
		      (uint64_t)addr < (uint64_t)start + usize,
		      "unit_at returned a unit without the address");
}

static void check_layout(const stp_dfuse_layout *lo)
{
	uint64_t sum = 0;
	char buf[64];

	check(lo->ngroups <= STP_DFUSE_MAX_GROUPS, "too many groups");
	check(memchr(lo->name, '\0', sizeof(lo->name)) &&
	      memchr(lo->guess, '\0', sizeof(lo->guess)),
	      "a string is not terminated");
	check(!lo->guessed == !lo->guess[0], "a guess made but not said");
	for (size_t i = 0; i < lo->ngroups; i++) {
		const stp_dfuse_group *g = &lo->groups[i];
		uint64_t end = stp_dfuse_group_end(g);

		check(g->attr <= 7, "attributes beyond the three bits");
		check(end == (uint64_t)g->addr + (uint64_t)g->count * g->size,
		      "group end is not addr + count * size");
		sum += (uint64_t)g->count * g->size;
		stp_dfuse_group_str(g, buf, sizeof(buf));
		check(memchr(buf, '\0', sizeof(buf)), "group text unterminated");
		if (end > g->addr && end <= 0x100000000ull) {
			probe(lo, g->addr);
			probe(lo, (uint32_t)(end - 1));
		}
		probe(lo, (uint32_t)end);
		probe(lo, g->addr - 1);
	}
	check(stp_dfuse_total(lo) == sum, "total is not the sum of the groups");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static stp_dfuse_layout alts[MAX_ALTS];
	stp_ctx *ctx = stp_ctx_new();
	fuzz_words w;
	size_t n = 0;
	uint16_t pids[8];

	if (!ctx)
		return 0;
	if (!fuzz_split(data, size, MAX_ALTS, NULL, &w)) {
		stp_ctx_free(ctx);
		return 0;
	}
	for (int i = 0; i < w.n && n < MAX_ALTS; i++) {
		memset(&alts[n], 0xA5, sizeof(alts[n]));
		if (stp_dfuse_parse(i % 2 ? NULL : ctx, w.word[i], &alts[n]) ==
		    STP_OK)
			check_layout(&alts[n++]);
	}
	if (n) {
		size_t found = stp_dfuse_match(ctx, alts, n, pids, 8);

		for (size_t i = 0; i < found && i < 8; i++)
			check(stp_chip_by_pid(pids[i]) != NULL,
			      "a match that is no chip");
	}
	fuzz_words_free(&w);
	stp_ctx_free(ctx);
	return 0;
}

/* The backends' reset and -tm through the library, for tests that run it
 * as stmprog-sim's COMMAND (so they do not wait for the CLI's options):
 *
 *   be_runner [tm=MS] PORTSPEC OP
 *
 * PORTSPEC is one word ("port=/dev/pts/3 init=..."); OP is one of
 *   rst         stp_target_reset(STP_RESET_SOFT)
 *   hardrst     stp_target_reset(STP_RESET_HARD)
 *   erase=N     erase the unit the bootloaders number N
 * Prints "how: SENTENCE" or "ok" on success and exits 0; on failure
 * "failed: DETAIL" and "hint: HINT" and exits 1 (2: usage). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"
#include "stmprog/portspec.h"
#include "stmprog/target.h"

static int fail(stp_ctx *ctx)
{
	printf("failed: %s\nhint: %s\n", stp_last_detail(ctx), stp_last_hint(ctx));
	return 1;
}

static stp_status erase_unit(stp_ctx *ctx, stp_target *t, unsigned index)
{
	const stp_device_info *info = stp_target_info(t);
	stp_geometry geo;
	stp_status st;

	if (!info->chip)
		return stp_fail(ctx, STP_ERR_ARG, NULL, "the part is not known");
	if ((st = stp_chip_geometry(ctx, info->chip, info->flash_size, &geo)))
		return st;
	st = stp_fail(ctx, STP_ERR_ARG, NULL, "no unit %u", index);
	for (size_t i = 0; i < geo.nunits; i++)
		if (geo.units[i].index == index) {
			stp_erase_req req = {.kind = STP_ERASE_UNITS,
			                     .units = &geo.units[i], .nunits = 1};
			stp_clear_error(ctx);
			st = stp_target_erase(t, &req);
			break;
		}
	stp_geometry_release(&geo);
	return st;
}

int main(int argc, char **argv)
{
	stp_ctx *ctx = stp_ctx_new();
	stp_portspec spec;
	stp_target *t = NULL;
	char how[512] = "";
	const char *op;
	int a = 1, rc = 0;
	stp_status st;

	if (!ctx)
		return 2;
	if (a < argc && !strncmp(argv[a], "tm=", 3))
		stp_ctx_set_timeout_ms(ctx, (unsigned)strtoul(argv[a++] + 3, NULL, 0));
	if (argc - a != 2) {
		fprintf(stderr, "usage: be_runner [tm=MS] PORTSPEC OP\n");
		stp_ctx_free(ctx);
		return 2;
	}
	op = argv[a + 1];
	if (stp_portspec_parse_string(ctx, argv[a], &spec) ||
	    stp_target_open(ctx, &spec, &t)) {
		rc = fail(ctx);
		goto out;
	}
	if (!strcmp(op, "rst") || !strcmp(op, "hardrst"))
		st = stp_target_reset(t, op[0] == 'h' ? STP_RESET_HARD
		                                      : STP_RESET_SOFT,
		                      how, sizeof(how));
	else if (!strncmp(op, "erase=", 6))
		st = erase_unit(ctx, t, (unsigned)strtoul(op + 6, NULL, 0));
	else
		st = stp_fail(ctx, STP_ERR_ARG, NULL, "unknown OP %s", op);
	if (st)
		rc = fail(ctx);
	else if (how[0])
		printf("how: %s\n", how);
	else
		printf("ok\n");
out:
	stp_target_close(t);
	stp_ctx_free(ctx);
	return rc;
}

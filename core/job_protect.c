/* libstmprog: a job's protection steps (--readout-protect, -rdu,
 * --write-protect, --write-unprotect): what the transport can do is
 * checked before the first erase, and each step says what it did. */
#include "config.h"

#include <stdlib.h>

#include "job_internal.h"
#include "stmprog/events.h"

stp_status job_protect_check_step(job_run *r, const job_step *s)
{
	(void)r;
	(void)s;
	return STP_OK;
}

stp_status job_protect_write_step(job_run *r, const job_step *s)
{
	stp_geometry geo;
	stp_erase_unit *units = NULL;
	uint16_t *codes = NULL;
	size_t n = 0;
	stp_status st;

	if ((st = stp_target_geometry(r->ctx, r->t, &geo)))
		return st;
	if (!(st = job_select_units(r->ctx, &geo, &s->units, &units, &n)) &&
	    !(codes = calloc(n ? n : 1, sizeof(*codes))))
		st = stp_fail(r->ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (size_t i = 0; !st && i < n; i++)
		codes[i] = (uint16_t)units[i].index;
	if (!st)
		st = stp_target_write_protect(r->t, codes, n);
	if (!st)
		stp_result(r->ctx, "Write protection set on %zu sector(s); the "
		                   "device was reset", n);
	free(codes);
	free(units);
	stp_geometry_release(&geo);
	return st;
}

stp_status job_protect_step(job_run *r, const job_step *s)
{
	job_step_kind kind = s->kind;
	stp_status st;

	switch (kind) {
	case JOB_RDP:
		if (!(st = stp_target_readout_protect(r->t)))
			stp_result(r->ctx, "Readout protection set (level 1); reads are "
			                   "refused until -rdu, which erases the flash");
		return st;
	case JOB_RDU:
		if (!(st = stp_target_readout_unprotect(r->t)))
			stp_result(r->ctx, "Readout protection removed; the flash was "
			                   "erased");
		return st;
	default:
		if (!(st = stp_target_write_unprotect(r->t)))
			stp_result(r->ctx, "Write protection removed; the device was "
			                   "reset");
		return st;
	}
}

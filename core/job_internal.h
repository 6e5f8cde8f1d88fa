/* libstmprog: what the job's parts share (not installed).
 *
 * job.c builds and validates a job (the steps, without a device);
 * job_run.c plans a validated job on a target and runs its steps;
 * job_ob.c holds the option-byte steps (checks, writes, read-backs).
 * A run only reads the job: everything it computes lives in a job_run.
 */
#ifndef STMPROG_JOB_INTERNAL_H
#define STMPROG_JOB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/job.h"
#include "stmprog/plan.h"

typedef enum job_step_kind {
	JOB_IMAGE = 0,    /* a file or an image: part of the one plan */
	JOB_PATCH,        /* data at an address: part of the one plan */
	JOB_ERASE,
	JOB_OB_WRITE,     /* option-byte assignments */
	JOB_OB_READ,
	JOB_RDP,
	JOB_RDU,
	JOB_WP,
	JOB_WUP,
	JOB_READ,
	JOB_VERIFIED,     /* says that every write before it was verified */
	JOB_CHECKSUM      /* the CRC of a region (-checksum) */
} job_step_kind;

/* Which units an erase or write-protect step names. */
typedef struct job_units {
	bool all;
	bool range;               /* first..last; list unused */
	unsigned first, last;
	unsigned *list;
	size_t n;
} job_units;

typedef struct job_step {
	job_step_kind kind;
	char *name;               /* IMAGE: the file; PATCH: the patch's */
	stp_image *img;           /* IMAGE, PATCH */
	job_units units;          /* ERASE, WP */
	char **words;             /* OB_WRITE */
	size_t nwords;
	uint32_t addr;            /* READ */
	size_t len;               /* READ */
	stp_job_read_fn fn;       /* READ, OB_READ */
	stp_job_checksum_fn crc_fn; /* CHECKSUM (addr, len as READ) */
	void *user;
} job_step;

struct stp_job {
	job_step *steps;
	size_t nsteps, cap;
	const stp_chip *chip;     /* stp_job_set_chip, or NULL */
	stp_job_end end;
	bool end_has_addr;
	uint32_t end_addr;
	bool skip_erase;          /* --skipErase: the plan erases nothing */
	uint32_t flash_size;      /* --flash-size in bytes; 0: the register's */
	bool validated;           /* frozen: adds fail, runs may start */
};

/* Everything one run computes; the job itself is never written. */
typedef struct job_run {
	const stp_job *job;
	stp_ctx *ctx;
	stp_target *t;
	const stp_job_run_opts *opts;
	stp_image **routed;       /* per step: an IMAGE step's flash part */
	stp_image **target_patches; /* opts->patches as images */
	stp_image *merged;        /* the one plan's image; NULL: no plan */
	size_t plan_step;         /* index of the first IMAGE/PATCH step */
	char names[512];          /* "boot.bin, app.bin, serial" */
	/* A .dfu file's option bytes: one block per run, after the flash. */
	uint8_t *ob_image;
	uint32_t ob_len;
	const char *ob_file;
	bool flash_erased;        /* a mass erase ran: the flash is blank */
	/* Per unit of job_geometry: erased by an -e step of this run, so
	 * the plan need not read it to keep its bytes; NULL: none. */
	bool *units_erased;
	size_t nunits_erased;
	bool downloaded;          /* the plan ran */
	stp_job_report rep;
	/* core/job_memory.c's own: the run's data for RAM, EEPROM, OTP. */
	void *memories;
} job_run;

/* The vendor CLI option that makes a step, for messages. */
const char *job_step_option(job_step_kind kind);
/* Whether a step changes the device (so may not sit inside the plan). */
bool job_step_changes_device(job_step_kind kind);
bool job_step_in_plan(job_step_kind kind);

/* The units of geo that u names; every number must exist, since acting
 * on some of them would be a silent partial success. *out is freed by
 * the caller. */
stp_status job_select_units(stp_ctx *ctx, const stp_geometry *geo,
                            const job_units *u, stp_erase_unit **out,
                            size_t *count);
/* A read that starts in the flash (base, size bytes) must end in it;
 * option names the step in messages ("-u", "-checksum"). */
stp_status job_check_read(stp_ctx *ctx, const char *option,
                          const stp_chip *chip, uint32_t size,
                          uint32_t addr, size_t len);
/* The flash geometry a run plans with: the connected part's, cut to
 * --flash-size when the job sets one. */
stp_status job_geometry(const job_run *r, stp_geometry *geo);
/* An image holding a patch's bytes. */
stp_status job_patch_image(stp_ctx *ctx, const stp_job_patch *p,
                           stp_image **out);
/* The name a patch's messages use. */
const char *job_patch_name(const char *name);

/* job_ob.c */
stp_status job_ob_guard_image(job_run *r);
stp_status job_ob_check_step(job_run *r, const job_step *s);
stp_status job_ob_write_image(job_run *r);
stp_status job_ob_write_step(job_run *r, const job_step *s);
stp_status job_ob_read_step(job_run *r, const job_step *s);

/* core/job_protect.c: --readout-protect, -rdu, --write-protect,
 * --write-unprotect: checked before the first erase, then run. */
stp_status job_protect_check_step(job_run *r, const job_step *s);
stp_status job_protect_step(job_run *r, const job_step *s);
stp_status job_protect_write_step(job_run *r, const job_step *s);

/* core/job_memory.c: after the merge, moves the merged image's bytes
 * outside the flash (RAM, EEPROM, OTP) out of r->merged and checks them
 * against the chip; writes and verifies them after the flash. */
stp_status job_memory_split(job_run *r);
bool job_memory_pending(const job_run *r);
stp_status job_memory_write(job_run *r);
void job_memory_free(job_run *r);
/* Without a device (stp_job_validate with a chip): *img without its
 * bytes for RAM, data EEPROM and OTP, which are checked once connected;
 * *stripped says whether there were any. */
stp_status job_memory_strip(stp_ctx *ctx, const stp_chip *chip,
                            stp_image **img, bool *stripped);

#endif

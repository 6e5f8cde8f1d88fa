/* The vendor CLI's memory commands: -w8..-w64 and -fillmemory (patches
 * of the one plan), -r8..-r32 (memory printed as words), -checksum and
 * -blankcheck. */
#ifndef STMPROG_CMD_MEMORY_H
#define STMPROG_CMD_MEMORY_H

#include "cli.h"
#include "output.h"
#include "stmprog/job.h"
#include "stmprog/target.h"

/* What a read or checksum step prints with, kept by the caller for as
 * long as the job runs. */
typedef struct mem_view {
	output *out;
	const cli_command *cmd;
} mem_view;

/* -wN ADDRESS DATA... and -fillmemory as patches of the job's plan. */
stp_status mem_add_write_words(stp_job *job, stp_ctx *ctx,
                               const cli_command *cmd);
stp_status mem_add_fill(stp_job *job, stp_ctx *ctx, const cli_command *cmd);
/* -r8/-r16/-r32 ADDRESS SIZE: a read step that prints what it read. */
stp_status mem_add_read_words(stp_job *job, stp_ctx *ctx, mem_view *view);
/* -checksum ADDRESS SIZE: a checksum step that prints the CRC. */
stp_status mem_add_checksum(stp_job *job, stp_ctx *ctx, mem_view *view);
/* -blankcheck on an open target: reads the whole flash (flash_size
 * bytes when not 0, else the size the device reports) and fails with
 * STP_ERR_VERIFY naming the first byte that is not the erased value. */
stp_status mem_blankcheck(stp_target *t, stp_ctx *ctx, uint32_t flash_size);

#endif

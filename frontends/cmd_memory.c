/* The vendor CLI's memory commands (see cmd_memory.h).  Writes are
 * patches of the job's one plan, so a word written into used flash goes
 * through the same checks, read-modify-write and verify as a download;
 * nothing here talks to a device but through libstmprog. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_memory.h"
#include "stmprog/events.h"

stp_status mem_add_write_words(stp_job *job, stp_ctx *ctx,
                               const cli_command *cmd)
{
	char name[32];
	stp_job_patch p = {.addr = cmd->addr, .data = cmd->data,
	                   .len = cmd->ndata, .name = name};

	snprintf(name, sizeof(name), "-w%u", cmd->width);
	return stp_job_add_patch(job, ctx, &p);
}

stp_status mem_add_fill(stp_job *job, stp_ctx *ctx, const cli_command *cmd)
{
	unsigned bytes = cmd->width / 8;
	uint8_t *buf = malloc(cmd->size);
	stp_job_patch p = {.addr = cmd->addr, .len = cmd->size,
	                   .name = "-fillmemory"};
	stp_status st;

	if (!buf)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	/* The pattern is a word of dataWidth bits, stored little-endian as
	 * the chip stores its words. */
	for (uint32_t i = 0; i < cmd->size; i++)
		buf[i] = (uint8_t)(cmd->pattern >> (8 * (i % bytes)));
	p.data = buf;
	st = stp_job_add_patch(job, ctx, &p);  /* the job copies it */
	free(buf);
	return st;
}

/* Sixteen bytes a line, as words of the width, the address first:
 * "0x08000000 : 20000400 08000101 ...", the vendor CLI's layout. */
static stp_status print_words(void *user, stp_ctx *ctx, uint32_t addr,
                              const uint8_t *data, size_t len)
{
	mem_view *v = user;
	unsigned bytes = v->cmd->width / 8;
	char line[128];

	for (size_t off = 0; off < len; off += 16) {
		int n = snprintf(line, sizeof(line), "0x%08X :",
		                 (unsigned)(addr + off));

		for (size_t w = off; w < off + 16 && w < len; w += bytes) {
			uint32_t word = 0;

			for (unsigned b = 0; b < bytes; b++)
				word |= (uint32_t)data[w + b] << (8 * b);
			n += snprintf(line + n, sizeof(line) - (size_t)n, " %0*X",
			              (int)(2 * bytes), word);
		}
		output_say(v->out, "%s\n", line);
	}
	return STP_OK;
}

stp_status mem_add_read_words(stp_job *job, stp_ctx *ctx, mem_view *view)
{
	return stp_job_add_read(job, ctx, view->cmd->addr, view->cmd->size,
	                        print_words, view);
}

/* The job's checksum step says the CRC and who computed it itself (a
 * RESULT event, which --json carries too); nothing to add here. */
static stp_status print_checksum(void *user, stp_ctx *ctx, uint32_t addr,
                                 uint32_t len, uint32_t crc, bool by_device)
{
	(void)user, (void)ctx, (void)addr, (void)len, (void)crc, (void)by_device;
	return STP_OK;
}

stp_status mem_add_checksum(stp_job *job, stp_ctx *ctx, mem_view *view)
{
	return stp_job_add_checksum(job, ctx, view->cmd->addr, view->cmd->size,
	                            print_checksum, view);
}

/* The read's bytes against the chip's erased value. */
static stp_status check_blank(void *user, stp_ctx *ctx, uint32_t addr,
                              const uint8_t *data, size_t len)
{
	const stp_chip *chip = user;
	size_t i = 0;

	while (i < len && data[i] == chip->erased_value)
		i++;
	if (i < len)
		return stp_fail(ctx, STP_ERR_VERIFY,
		                "erase it with -e all (or the sectors in use)",
		                "-blankcheck: the flash is not blank: 0x%08X holds "
		                "0x%02X (erased reads 0x%02X)", (unsigned)(addr + i),
		                data[i], chip->erased_value);
	stp_result(ctx, "Blank: the flash 0x%08X..0x%08X (%zu KiB) reads 0x%02X "
	           "throughout", addr, (unsigned)(addr + len - 1), len / 1024,
	           chip->erased_value);
	return STP_OK;
}

/* The read runs as a job of its own on the open target, so it has the
 * read phase and its progress like any other read (a megabyte over
 * UART takes minutes). */
stp_status mem_blankcheck(stp_target *t, stp_ctx *ctx, uint32_t flash_size)
{
	const stp_device_info *info = stp_target_info(t);
	const stp_chip *chip = info->chip;
	uint32_t size;
	stp_job *job;
	stp_status st;

	if (!chip)
		return stp_fail(ctx, STP_ERR_UNSUPPORTED,
		                "give the part with --chip NAME",
		                "-blankcheck: the chip is not in the database, so "
		                "where its flash is and what erased reads as are "
		                "unknown");
	size = flash_size ? flash_size
	                  : info->flash_size ? info->flash_size : chip->flash_size;
	if (!(job = stp_job_new()))
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	if (!(st = stp_job_add_read(job, ctx, chip->flash_base, size, check_blank,
	                            (void *)chip)) &&
	    !(st = stp_job_validate(job, ctx)))
		st = stp_job_run(job, ctx, t, NULL, NULL);
	stp_job_free(job);
	return st;
}

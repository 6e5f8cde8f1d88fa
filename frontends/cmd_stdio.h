/* "-" as a file: -u ADDRESS SIZE - writes the bytes to standard output,
 * -d - reads the image from standard input. */
#ifndef STMPROG_CMD_STDIO_H
#define STMPROG_CMD_STDIO_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "stmprog/context.h"
#include "stmprog/image.h"

/* Whether a file word means standard input or output. */
bool stdio_is_dash(const char *file);

/* Before anything runs: when some -u writes to standard output, that
 * stream is kept for the data alone (refused on a terminal, and with
 * --json, whose lines also want it) and every message stmprog prints
 * there goes to standard error instead. */
stp_status stdio_claim_stdout(stp_ctx *ctx, const cli *c);
/* Writes an upload's bytes to the standard output claimed above. */
stp_status stdio_write_upload(stp_ctx *ctx, const uint8_t *data, size_t len);
/* Releases it at the end of the run. */
void stdio_release_stdout(void);

/* -d -: the image on standard input, its format by content unless fmt
 * forces one; a raw binary needs has_addr (its address). */
stp_status stdio_load_image(stp_ctx *ctx, stp_image_format fmt,
                            bool has_addr, uint32_t addr, stp_image **out);

#endif

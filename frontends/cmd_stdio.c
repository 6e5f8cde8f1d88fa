/* "-" as a file for -u and -d (see cmd_stdio.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_stdio.h"

/* The descriptor the upload's bytes go to, once claimed; -1 before. */
static int data_fd = -1;

bool stdio_is_dash(const char *file)
{
	return file && !strcmp(file, "-");
}

stp_status stdio_claim_stdout(stp_ctx *ctx, const cli *c)
{
	int n = 0;

	for (int i = 0; i < c->ncmds; i++)
		n += c->cmds[i].kind == CMD_UPLOAD && stdio_is_dash(c->cmds[i].file);
	if (!n)
		return STP_OK;
	if (n > 1)
		return stp_fail(ctx, STP_ERR_ARG, "read the others into files",
		                "-u ... -: only one upload can go to standard "
		                "output (the reader could not tell them apart)");
	if (c->json)
		return stp_fail(ctx, STP_ERR_ARG,
		                "write the upload to a file, or leave out --json",
		                "-u ... - with --json: both the memory's bytes and "
		                "the JSON lines would go to standard output");
	if (isatty(STDOUT_FILENO))
		return stp_fail(ctx, STP_ERR_ARG,
		                "redirect it (-u ADDRESS SIZE - > out.bin, or "
		                "| xxd), or name a file",
		                "-u ... -: standard output is a terminal; the "
		                "memory's raw bytes would garble it");
	/* Messages printed on stdout would be mixed into the data: they go
	 * to stderr from here on, the data to the original stdout. */
	fflush(stdout);
	data_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (data_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return stp_fail(ctx, STP_ERR_FILE, NULL,
		                "-u ... -: cannot set standard output aside: %s",
		                strerror(errno));
	return STP_OK;
}

stp_status stdio_write_upload(stp_ctx *ctx, const uint8_t *data, size_t len)
{
	size_t done = 0;

	if (data_fd < 0)
		return stp_fail(ctx, STP_ERR_INTERNAL, NULL,
		                "-u ... -: standard output was not claimed");
	while (done < len) {
		ssize_t w = write(data_fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return stp_fail(ctx, STP_ERR_FILE,
			                "check what reads standard output",
			                "-u ... -: cannot write standard output: %s",
			                w < 0 ? strerror(errno) : "nothing written");
		done += (size_t)w;
	}
	return STP_OK;
}

void stdio_release_stdout(void)
{
	if (data_fd >= 0)
		close(data_fd);
	data_fd = -1;
}

/* Reads standard input whole, but never more than limit bytes: a larger
 * input cannot be any chip's image. */
static stp_status slurp_stdin(stp_ctx *ctx, uint64_t limit, uint8_t **buf,
                              size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *b = malloc(cap);

	*buf = NULL;
	*len = 0;
	if (!b)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb;

			if (cap > limit) {
				free(b);
				return stp_fail(ctx, STP_ERR_IMAGE,
				                "give a file that fits the chip",
				                "-d -: standard input holds more than "
				                "%llu bytes, more than any chip's image",
				                (unsigned long long)limit);
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
			}
			b = nb;
			cap *= 2;
		}
		r = read(STDIN_FILENO, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			return stp_fail(ctx, STP_ERR_FILE, NULL,
			                "-d -: cannot read standard input: %s",
			                strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > limit) {
		free(b);
		return stp_fail(ctx, STP_ERR_IMAGE, "give a file that fits the chip",
		                "-d -: standard input holds %zu bytes, more than "
		                "any chip's image (%llu)", n,
		                (unsigned long long)limit);
	}
	*buf = b;
	*len = n;
	return STP_OK;
}

stp_status stdio_load_image(stp_ctx *ctx, stp_image_format fmt,
                            bool has_addr, uint32_t addr, stp_image **out)
{
	uint8_t *buf;
	size_t len;
	stp_status st;

	*out = NULL;
	if (isatty(STDIN_FILENO))
		return stp_fail(ctx, STP_ERR_ARG,
		                "pipe the image in (cat fw.hex | stmprog ... -d -) "
		                "or name the file",
		                "-d -: standard input is a terminal, not an image");
	if ((st = slurp_stdin(ctx, stp_image_default_limit(), &buf, &len)))
		return st;
	if (!len) {
		free(buf);
		return stp_fail(ctx, STP_ERR_IMAGE, "check what feeds the pipe",
		                "-d -: standard input is empty");
	}
	if (fmt == STP_FMT_AUTO)
		fmt = stp_image_detect(buf, len, "-");
	if (fmt == STP_FMT_BIN && !has_addr) {
		free(buf);
		return stp_fail(ctx, STP_ERR_ARG,
		                "give its address: -d - 0x08000000 (or --base)",
		                "-d -: standard input is a raw binary, which "
		                "carries no address");
	}
	st = stp_image_parse(ctx, buf, len, fmt, "standard input", addr, out);
	free(buf);
	return st;
}

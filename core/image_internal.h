/* libstmprog: what the image model (image.c) and the per-format readers
 * and writers (image_*.c) share.  Not installed.
 *
 * Readers fill an empty image through stp_image_add and return a status;
 * on failure the caller (stp_image_parse) frees the partial image, so a
 * reader never has to undo what it added.  Writers append to an output
 * buffer that the caller frees on failure.
 */
#ifndef STMPROG_IMAGE_INTERNAL_H
#define STMPROG_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/context.h"
#include "stmprog/image.h"

/* The image model (opaque in stmprog/image.h): the library's own files
 * read and change it directly. */
struct stp_image {
	stp_segment *segs;  /* sorted by (alt, addr), never overlapping */
	size_t nsegs;
	size_t cap;
	bool has_entry;     /* a start address was given (HEX 03/05, S7-9, ELF) */
	uint32_t entry;
	/* DFU suffix fields, when the file had a suffix. */
	bool has_dfu_suffix;
	uint16_t dfu_vid, dfu_pid, dfu_bcd_device;
	/* DfuSe target names per alternate setting (NULL when unnamed),
	 * owned by the image. */
	char *alt_name[256];
};

/* Size of an origin string ("fw.hex line 123456", "fw.elf offset 0x34"). */
#define STP_ORIGIN_MAX 320

/* A growable output buffer for the writers. */
typedef struct stp_obuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;           /* an append failed; checked once at the end */
} stp_obuf;

void stp_obuf_put(stp_obuf *b, const void *data, size_t len);
void stp_obuf_putc(stp_obuf *b, uint8_t c);
void stp_obuf_le16(stp_obuf *b, uint16_t v);
void stp_obuf_le32(stp_obuf *b, uint32_t v);
void stp_obuf_printf(stp_obuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Little-endian loads from a buffer the caller has bounds-checked. */
static inline uint16_t stp_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t stp_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Value of a hex digit, or -1. */
int stp_hexval(uint8_t c);
/* Blanks a text record may carry around it (not line ends). */
bool stp_text_blank(uint8_t c);
/* Describes a byte for a message: 'x' when printable, else "byte 0xNN". */
const char *stp_show_byte(char *tmp, size_t sz, uint8_t c);

/* The text formats share their line splitting: the next line of buf from
 * *pos, without its CR/LF; false at the end of the buffer. */
bool stp_next_line(const uint8_t *buf, size_t len, size_t *pos,
                   const uint8_t **line, size_t *linelen);

/* Fails, naming format, when the image holds data for several DfuSe
 * alternate settings, which only a DfuSe file keeps apart. */
stp_status stp_image_single_alt(stp_ctx *ctx, const stp_image *img,
                                const char *format);

/* Readers.  name is for messages; img is empty on entry. */
stp_status stp_read_bin(stp_ctx *ctx, const uint8_t *buf, size_t len,
                        const char *name, uint32_t base, stp_image *img);
stp_status stp_read_ihex(stp_ctx *ctx, const uint8_t *buf, size_t len,
                         const char *name, stp_image *img);
stp_status stp_read_srec(stp_ctx *ctx, const uint8_t *buf, size_t len,
                         const char *name, stp_image *img);
stp_status stp_read_elf(stp_ctx *ctx, const uint8_t *buf, size_t len,
                        const char *name, stp_image *img);
stp_status stp_read_dfuse(stp_ctx *ctx, const uint8_t *buf, size_t len,
                          const char *name, stp_image *img);
stp_status stp_read_dfu(stp_ctx *ctx, const uint8_t *buf, size_t len,
                        const char *name, uint32_t base, stp_image *img);

/* Content sniffers for stp_image_detect. */
bool stp_looks_ihex(const uint8_t *buf, size_t len);
bool stp_looks_srec(const uint8_t *buf, size_t len);
/* A DFU suffix signature ("UFD", bLength 16, bcdDFU 0x0100 or 0x011A) at
 * the end; the CRC is the reader's business so a damaged file is reported
 * as such instead of being taken for a raw binary. */
bool stp_has_dfu_suffix(const uint8_t *buf, size_t len);

/* Writers. */
stp_status stp_write_bin(stp_ctx *ctx, const stp_image *img,
                         const stp_write_opts *opts, stp_obuf *out);
stp_status stp_write_ihex(stp_ctx *ctx, const stp_image *img,
                          const stp_write_opts *opts, stp_obuf *out);
stp_status stp_write_srec(stp_ctx *ctx, const stp_image *img,
                          const stp_write_opts *opts, stp_obuf *out);
stp_status stp_write_dfuse(stp_ctx *ctx, const stp_image *img,
                           const stp_write_opts *opts, stp_obuf *out);
stp_status stp_write_dfu(stp_ctx *ctx, const stp_image *img,
                         const stp_write_opts *opts, stp_obuf *out);

#endif

/* libstmprog: firmware images.
 *
 * Every file format is read into one sparse model: a sorted list of
 * non-overlapping segments, each a run of bytes at an address.  Holes stay
 * holes.  Adjacent data is merged into one segment.  DfuSe files carry an
 * alternate setting per element, kept per segment (alt 0 for every other
 * format); two segments with different alt settings are never merged.
 *
 * Parsers take a buffer and its length and keep no global state.  Every
 * error names the file (the name given by the caller), the line or byte
 * offset, what was expected and what was found.
 *
 * Ownership and threading: every stp_image **out (parse, load, and the
 * planner's copies) is a new image the caller frees with stp_image_free,
 * NULL on failure; stp_image_write's *out is a malloc'd buffer the caller
 * frees with free().  Images are independent objects: functions that only
 * read an image (const) may run on it from several threads at once;
 * nothing may run alongside a call that changes it (add, set).  Failures
 * are recorded on ctx, one thread at a time per context.
 */
#ifndef STMPROG_IMAGE_H
#define STMPROG_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stp_image_format {
	STP_FMT_AUTO = 0, /* detect: content first, file name extension second */
	STP_FMT_BIN,      /* raw bytes at a base address */
	STP_FMT_IHEX,     /* Intel HEX */
	STP_FMT_SREC,     /* Motorola S-record */
	STP_FMT_ELF,      /* ELF32 little-endian ARM executable */
	STP_FMT_DFUSE,    /* ST DfuSe .dfu (prefix, targets, elements, suffix) */
	STP_FMT_DFU,      /* plain binary with a DFU 1.1 suffix */
	STP_FMT_COUNT
} stp_image_format;

typedef struct stp_segment {
	uint32_t addr;
	uint32_t len;
	uint8_t *data;
	uint8_t alt;        /* DfuSe alternate setting (0 otherwise) */
} stp_segment;

/* An image is opaque: only stp_image_new and the readers make one, and
 * only the accessors below look inside.  Segments are sorted by (alt,
 * addr) and never overlap. */
typedef struct stp_image stp_image;

/* A new empty image, owned by the caller: free it with stp_image_free
 * (NULL when out of memory).  stp_image_free(NULL) does nothing.
 * Threading: an image has no shared state; several threads may read one
 * image at once (every const function here), but a change (add, set)
 * must not run concurrently with any other use of that image. */
stp_image *stp_image_new(void);
void stp_image_free(stp_image *img);

/* The number of segments, and segment i (0 <= i < count; NULL past the
 * end).  The segment and its bytes belong to the image and stay valid
 * until the image is changed or freed. */
size_t stp_image_segment_count(const stp_image *img);
const stp_segment *stp_image_segment(const stp_image *img, size_t i);

/* The start address a file gave (HEX record 03/05, S7-S9, ELF e_entry),
 * and whether it gave one; set_entry records or (has false) forgets it. */
bool stp_image_has_entry(const stp_image *img);
uint32_t stp_image_entry(const stp_image *img);
void stp_image_set_entry(stp_image *img, bool has, uint32_t entry);

/* The DFU suffix of the file, when it had one (stp_image_has_dfu_suffix):
 * idVendor, idProduct and bcdDevice, 0xFFFF meaning "any". */
bool stp_image_has_dfu_suffix(const stp_image *img);
uint16_t stp_image_dfu_vid(const stp_image *img);
uint16_t stp_image_dfu_pid(const stp_image *img);
uint16_t stp_image_dfu_bcd_device(const stp_image *img);

/* A DfuSe target name per alternate setting: NULL when unnamed; the
 * string belongs to the image.  set_alt_name copies name (NULL forgets
 * it); STP_ERR_NOMEM when the copy fails. */
const char *stp_image_alt_name(const stp_image *img, uint8_t alt);
stp_status stp_image_set_alt_name(stp_ctx *ctx, stp_image *img, uint8_t alt,
                                  const char *name);

/* Adds len bytes at addr (alternate setting alt).  Overlap with data
 * already present is an STP_ERR_IMAGE failure whose detail names origin
 * (e.g. "fw.hex line 40") and the address range it collides with. */
stp_status stp_image_add(stp_ctx *ctx, stp_image *img, uint8_t alt,
                         uint32_t addr, const uint8_t *data, size_t len,
                         const char *origin);

/* Total number of data bytes, and the lowest/highest+1 address (alt 0
 * and all others together); 0/0 when empty. */
uint64_t stp_image_size(const stp_image *img);
void stp_image_span(const stp_image *img, uint32_t *lo, uint32_t *hi);

/* name is used in messages and for extension-based detection; base is the
 * address of a raw binary (ignored by the other formats). */
stp_image_format stp_image_detect(const uint8_t *buf, size_t len,
                                  const char *name);
stp_status stp_image_parse(stp_ctx *ctx, const uint8_t *buf, size_t len,
                           stp_image_format fmt, const char *name,
                           uint32_t base, stp_image **out);
/* Reads and parses a file, but never more of it than an image can be:
 * a raw binary (every byte data) at most limit bytes and never past the
 * 4 GiB address space above base; HEX, S-record, ELF and DfuSe files at
 * most 256 MiB.  A larger regular file fails before it is read; a pipe or
 * device (/dev/zero) is read up to that much and then refused; a
 * directory is refused.  These are STP_ERR_IMAGE / STP_ERR_FILE failures
 * naming the file and the limit.  limit 0 means stp_image_default_limit();
 * limit_what, when not NULL, says in the message what the limit is
 * ("the flash of the STM32F405 (1 MiB)"). */
stp_status stp_image_load_max(stp_ctx *ctx, const char *path,
                              stp_image_format fmt, uint32_t base,
                              uint64_t limit, const char *limit_what,
                              stp_image **out);
/* stp_image_load_max with the default limit. */
stp_status stp_image_load(stp_ctx *ctx, const char *path,
                          stp_image_format fmt, uint32_t base,
                          stp_image **out);
/* The largest memory (flash or the RAM the bootloader leaves free) of any
 * chip in the database: no raw binary for an STM32 holds more. */
uint64_t stp_image_default_limit(void);

/* Writers.  bin: the bytes from the lowest to the highest address, holes
 * filled with fill; the others keep holes.  DfuSe: one target per
 * alternate setting, one element per segment, suffix with vid/pid. */
typedef struct stp_write_opts {
	uint8_t fill;          /* bin holes */
	uint16_t vid, pid;     /* DfuSe/DFU suffix; 0x0483/0xDF11 when 0 */
	uint16_t bcd_device;   /* DfuSe/DFU suffix; 0xFFFF when 0 */
} stp_write_opts;

stp_status stp_image_write(stp_ctx *ctx, const stp_image *img,
                           stp_image_format fmt, const stp_write_opts *opts,
                           uint8_t **out, size_t *outlen);
stp_status stp_image_save(stp_ctx *ctx, const stp_image *img,
                          const char *path, stp_image_format fmt,
                          const stp_write_opts *opts);

const char *stp_image_format_name(stp_image_format fmt);
/* "hex", "ihex", "srec", "s19", "elf", "dfu", "bin" ... -> format, or
 * STP_FMT_AUTO when unknown. */
stp_image_format stp_image_format_from_name(const char *s);
/* From a file name's extension; STP_FMT_AUTO when unknown. */
stp_image_format stp_image_format_from_path(const char *path);

/* The DfuSe/DFU suffix CRC: reflected CRC-32, init 0xFFFFFFFF, no final
 * xor (the complement of zlib's crc32). */
uint32_t stp_dfu_crc(const uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

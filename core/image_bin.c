/* Raw binary images: the bytes of the file at a base address, and the
 * bin writer (lowest to highest address, holes filled). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stmprog/image.h"
#include "image_internal.h"

/* A bin spanning more than this is almost surely two far-apart regions
 * (flash and RAM, or flash and option bytes) that were not meant to be
 * joined by hundreds of megabytes of fill. */
#define BIN_SPAN_MAX (256u * 1024 * 1024)

stp_status stp_read_bin(stp_ctx *ctx, const uint8_t *buf, size_t len,
                        const char *name, uint32_t base, stp_image *img)
{
	char origin[STP_ORIGIN_MAX];

	snprintf(origin, sizeof(origin), "%s (raw binary at 0x%08X)", name,
	         (unsigned)base);
	return stp_image_add(ctx, img, 0, base, buf, len, origin);
}

stp_status stp_write_bin(stp_ctx *ctx, const stp_image *img,
                         const stp_write_opts *opts, stp_obuf *out)
{
	uint32_t lo, hi;
	uint64_t pos, end;
	uint8_t fill[256];
	stp_status st;
	size_t i;

	if ((st = stp_image_single_alt(ctx, img, "a raw binary")))
		return st;
	stp_image_span(img, &lo, &hi);
	end = img->segs[img->nsegs - 1].addr +
	      (uint64_t)img->segs[img->nsegs - 1].len;
	if (end - lo > BIN_SPAN_MAX)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "write HEX or S-record, which keep holes, or "
		                "split the image",
		                "the image spans 0x%08X..0x%08X; a raw binary "
		                "would hold %llu bytes, mostly fill", (unsigned)lo,
		                (unsigned)(end - 1), (unsigned long long)(end - lo));
	memset(fill, opts->fill, sizeof(fill));
	pos = lo;
	for (i = 0; i < img->nsegs; i++) {
		const stp_segment *s = &img->segs[i];

		while (pos < s->addr) {
			uint64_t n = s->addr - pos;

			if (n > sizeof(fill))
				n = sizeof(fill);
			stp_obuf_put(out, fill, (size_t)n);
			pos += n;
		}
		stp_obuf_put(out, s->data, s->len);
		pos += s->len;
	}
	return STP_OK;
}

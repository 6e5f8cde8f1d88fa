/* DFU files: ST's DfuSe container (prefix, targets, elements, suffix;
 * UM0391) and plain files carrying a DFU 1.1 suffix, plus the suffix CRC.
 *
 * The suffix is checked first, CRC included, so a damaged or cut-off file
 * is reported as such before its structure is looked at.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmprog/image.h"
#include "image_internal.h"

#define SUFFIX_LEN 16
#define PREFIX_LEN 11
#define TARGET_LEN 274
#define TARGET_NAME_LEN 255
#define BCD_DFU 0x0100
#define BCD_DFUSE 0x011A

uint32_t stp_dfu_crc(const uint8_t *buf, size_t len)
{
	uint32_t table[256], crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	/* The table is rebuilt per call (2 KiB of work) so the library
	 * keeps no state, not even a lazily filled one. */
	for (i = 0; i < 256; i++) {
		uint32_t c = (uint32_t)i;

		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
	return crc;
}

bool stp_has_dfu_suffix(const uint8_t *buf, size_t len)
{
	const uint8_t *s;
	uint16_t bcd;

	if (len < SUFFIX_LEN)
		return false;
	s = buf + len - SUFFIX_LEN;
	bcd = stp_le16(s + 6);
	return memcmp(s + 8, "UFD", 3) == 0 && s[11] >= SUFFIX_LEN &&
	       (bcd == BCD_DFU || bcd == BCD_DFUSE);
}

/* Checks the suffix and fills the image's suffix fields; *body is the
 * length of what precedes the suffix. */
static stp_status read_suffix(stp_ctx *ctx, const uint8_t *buf, size_t len,
                              const char *name, uint16_t want_bcd,
                              stp_image *img, size_t *body)
{
	const char *hint = want_bcd == BCD_DFUSE ?
	                   "the file is not a valid DfuSe file; regenerate "
	                   "it (dfuse-pack) or check how it was copied" :
	                   "the file has no valid DFU suffix; add one with "
	                   "dfu-suffix, or load it as a raw binary";
	const uint8_t *s;
	uint32_t crc, want;
	uint16_t bcd;
	size_t slen;

	if (len < SUFFIX_LEN)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s: %zu bytes, too short for the 16-byte DFU "
		                "suffix", name, len);
	s = buf + len - SUFFIX_LEN;
	if (memcmp(s + 8, "UFD", 3) != 0)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset %zu: DFU suffix signature %02X %02X "
		                "%02X, expected \"UFD\" (55 46 44); the file is "
		                "truncated or has no suffix", name,
		                len - SUFFIX_LEN + 8, (unsigned)s[8],
		                (unsigned)s[9], (unsigned)s[10]);
	slen = s[11];
	if (slen < SUFFIX_LEN || slen > len ||
	    (want_bcd == BCD_DFUSE && slen != SUFFIX_LEN))
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset %zu: DFU suffix length %zu, expected "
		                "16", name, len - SUFFIX_LEN + 11, slen);
	crc = stp_le32(s + 12);
	want = stp_dfu_crc(buf, len - 4);
	if (crc != want)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset %zu: DFU suffix CRC 0x%08X, expected "
		                "0x%08X", name, len - 4, (unsigned)crc,
		                (unsigned)want);
	bcd = stp_le16(s + 6);
	if (bcd != want_bcd)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset %zu: bcdDFU 0x%04X, expected 0x%04X "
		                "(%s)%s", name, len - SUFFIX_LEN + 6,
		                (unsigned)bcd, (unsigned)want_bcd,
		                want_bcd == BCD_DFUSE ? "DfuSe" : "DFU 1.1",
		                bcd == BCD_DFUSE ? "; a DfuSe file starts with "
		                "\"DfuSe\"" : "");
	img->has_dfu_suffix = true;
	img->dfu_bcd_device = stp_le16(s);
	img->dfu_pid = stp_le16(s + 2);
	img->dfu_vid = stp_le16(s + 4);
	*body = len - slen;
	return STP_OK;
}

stp_status stp_read_dfu(stp_ctx *ctx, const uint8_t *buf, size_t len,
                        const char *name, uint32_t base, stp_image *img)
{
	char origin[STP_ORIGIN_MAX];
	size_t body;
	stp_status st;

	st = read_suffix(ctx, buf, len, name, BCD_DFU, img, &body);
	if (st != STP_OK)
		return st;
	snprintf(origin, sizeof(origin), "%s (DFU file data at 0x%08X)", name,
	         (unsigned)base);
	return stp_image_add(ctx, img, 0, base, buf, body, origin);
}

stp_status stp_read_dfuse(stp_ctx *ctx, const uint8_t *buf, size_t len,
                          const char *name, stp_image *img)
{
	const char *hint = "the file is not a valid DfuSe file; regenerate "
	                   "it (dfuse-pack) or check how it was copied";
	char origin[STP_ORIGIN_MAX];
	size_t body, pos;
	uint32_t size;
	unsigned ntargets, t;
	stp_status st;

	if (len < 5 || memcmp(buf, "DfuSe", 5) != 0)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 0: expected the \"DfuSe\" prefix",
		                name);
	st = read_suffix(ctx, buf, len, name, BCD_DFUSE, img, &body);
	if (st != STP_OK)
		return st;
	if (body < PREFIX_LEN)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s: %zu bytes before the suffix, too short for "
		                "the 11-byte DfuSe prefix", name, body);
	if (buf[5] != 1)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 5: DfuSe version %u, expected 1",
		                name, (unsigned)buf[5]);
	/* UM0391 calls DFUImageSize the total file length, and dfuse-pack
	 * writes that; other writers leave the suffix out.  Both are taken,
	 * anything else means bytes were lost or added. */
	size = stp_le32(buf + 6);
	if (size != len && size != body)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset 6: DFUImageSize %u, expected %zu (the "
		                "file size, or %zu without the suffix)", name,
		                (unsigned)size, len, body);
	ntargets = buf[10];
	pos = PREFIX_LEN;
	for (t = 0; t < ntargets; t++) {
		const uint8_t *tp = buf + pos;
		uint32_t tsize, nelem, e;
		uint8_t alt;
		size_t tend;

		if (body - pos < TARGET_LEN)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s offset %zu: target %u of %u needs a "
			                "274-byte prefix, %zu bytes are left", name,
			                pos, t, ntargets, body - pos);
		if (memcmp(tp, "Target", 6) != 0)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s offset %zu: target %u of %u does not "
			                "start with \"Target\"", name, pos, t,
			                ntargets);
		alt = tp[6];
		tsize = stp_le32(tp + 266);
		nelem = stp_le32(tp + 270);
		if (stp_le32(tp + 7) != 0 && !img->alt_name[alt]) {
			/* A name repeated for a second target of the same
			 * alt setting: the first one wins. */
			img->alt_name[alt] = strndup((const char *)tp + 11,
			                             TARGET_NAME_LEN);
			if (!img->alt_name[alt])
				return stp_fail(ctx, STP_ERR_NOMEM, NULL,
				                "%s: out of memory", name);
		}
		pos += TARGET_LEN;
		if (tsize > body - pos)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s offset %zu: target %u size %u runs "
			                "past the image, %zu bytes are left", name,
			                pos - TARGET_LEN + 266, t, (unsigned)tsize,
			                body - pos);
		tend = pos + tsize;
		for (e = 0; e < nelem; e++) {
			uint32_t eaddr, esize;

			if (tend - pos < 8)
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s offset %zu: element %u of %u "
				                "in target %u needs an 8-byte "
				                "header, the target has %zu bytes "
				                "left", name, pos, (unsigned)e,
				                (unsigned)nelem, t, tend - pos);
			eaddr = stp_le32(buf + pos);
			esize = stp_le32(buf + pos + 4);
			if (esize > tend - pos - 8)
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s offset %zu: element %u of "
				                "target %u holds %u bytes, the "
				                "target has %zu left", name,
				                pos + 4, (unsigned)e, t,
				                (unsigned)esize, tend - pos - 8);
			snprintf(origin, sizeof(origin),
			         "%s target %u (alt %u) element %u (offset %zu)",
			         name, t, (unsigned)alt, (unsigned)e, pos);
			pos += 8;
			st = stp_image_add(ctx, img, alt, eaddr, buf + pos,
			                   esize, origin);
			if (st != STP_OK)
				return st;
			pos += esize;
		}
		if (pos != tend)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s offset %zu: target %u has %zu bytes "
			                "after its %u elements; its size says %u",
			                name, pos, t, tend - pos, (unsigned)nelem,
			                (unsigned)tsize);
	}
	if (pos != body)
		return stp_fail(ctx, STP_ERR_IMAGE, hint,
		                "%s offset %zu: %zu bytes after the last of %u "
		                "targets", name, pos, body - pos, ntargets);
	return STP_OK;
}

static void put_suffix(stp_obuf *out, const stp_write_opts *opts,
                       uint16_t bcd_dfu)
{
	stp_obuf_le16(out, opts->bcd_device ? opts->bcd_device : 0xFFFF);
	stp_obuf_le16(out, opts->pid ? opts->pid : 0xDF11);
	stp_obuf_le16(out, opts->vid ? opts->vid : 0x0483);
	stp_obuf_le16(out, bcd_dfu);
	stp_obuf_put(out, "UFD", 3);
	stp_obuf_putc(out, SUFFIX_LEN);
	if (!out->oom)
		stp_obuf_le32(out, stp_dfu_crc(out->p, out->len));
}

static void patch_le32(stp_obuf *out, size_t at, uint32_t v)
{
	if (out->oom)
		return;
	out->p[at] = (uint8_t)v;
	out->p[at + 1] = (uint8_t)(v >> 8);
	out->p[at + 2] = (uint8_t)(v >> 16);
	out->p[at + 3] = (uint8_t)(v >> 24);
}

stp_status stp_write_dfuse(stp_ctx *ctx, const stp_image *img,
                           const stp_write_opts *opts, stp_obuf *out)
{
	unsigned ntargets = 0;
	size_t i = 0, j;

	stp_obuf_put(out, "DfuSe\x01", 6);
	stp_obuf_le32(out, 0);          /* DFUImageSize, patched below */
	stp_obuf_putc(out, 0);          /* bTargets, patched below */
	/* Segments are sorted by alt: each run of one alt is a target, and
	 * each of its segments an element, unpadded (padding to the flash
	 * word is the programmer's business, not the file's). */
	while (i < img->nsegs) {
		uint8_t alt = img->segs[i].alt;
		const char *nm = img->alt_name[alt];
		char namebuf[TARGET_NAME_LEN] = {0};
		uint64_t tsize = 0;

		for (j = i; j < img->nsegs && img->segs[j].alt == alt; j++)
			tsize += 8 + (uint64_t)img->segs[j].len;
		if (tsize > UINT32_MAX)
			return stp_fail(ctx, STP_ERR_IMAGE, NULL,
			                "alternate setting %u holds more than "
			                "4 GiB, too much for a DfuSe target",
			                (unsigned)alt);
		if (++ntargets > 255)
			return stp_fail(ctx, STP_ERR_IMAGE, NULL,
			                "the image has data for more than 255 "
			                "alternate settings, too many for DfuSe");
		if (nm)
			strncpy(namebuf, nm, TARGET_NAME_LEN - 1);
		stp_obuf_put(out, "Target", 6);
		stp_obuf_putc(out, alt);
		stp_obuf_le32(out, nm ? 1 : 0);
		stp_obuf_put(out, namebuf, TARGET_NAME_LEN);
		stp_obuf_le32(out, (uint32_t)tsize);
		stp_obuf_le32(out, (uint32_t)(j - i));
		for (; i < j; i++) {
			stp_obuf_le32(out, img->segs[i].addr);
			stp_obuf_le32(out, img->segs[i].len);
			stp_obuf_put(out, img->segs[i].data, img->segs[i].len);
		}
	}
	if (out->len > UINT32_MAX - SUFFIX_LEN)
		return stp_fail(ctx, STP_ERR_IMAGE, NULL,
		                "the image is too large for a DfuSe file");
	/* The whole file length, suffix included, as UM0391 and
	 * dfuse-pack have it. */
	patch_le32(out, 6, (uint32_t)(out->len + SUFFIX_LEN));
	if (!out->oom)
		out->p[10] = (uint8_t)ntargets;
	put_suffix(out, opts, BCD_DFUSE);
	return STP_OK;
}

stp_status stp_write_dfu(stp_ctx *ctx, const stp_image *img,
                         const stp_write_opts *opts, stp_obuf *out)
{
	stp_status st = stp_write_bin(ctx, img, opts, out);

	if (st != STP_OK)
		return st;
	put_suffix(out, opts, BCD_DFU);
	return STP_OK;
}

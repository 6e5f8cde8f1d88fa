/* Intel HEX: record types 00 (data), 01 (end of file), 02 (extended
 * segment address), 03 (start segment address), 04 (extended linear
 * address) and 05 (start linear address).
 *
 * Data is placed at base + offset without the 64 KiB wrap-around of the
 * original 8086 semantics: a record whose data crosses a 64 KiB boundary
 * continues linearly, which is what every ARM toolchain means by it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stmprog/image.h"
#include "image_internal.h"

#define IHEX_MAX_REC (255 + 5)   /* count, offset(2), type, data, sum */
#define IHEX_LINE_DATA 16        /* bytes per data record we write */

bool stp_looks_ihex(const uint8_t *buf, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && (stp_text_blank(buf[i]) || buf[i] == '\r' ||
	                   buf[i] == '\n'))
		i++;
	if (i >= len || buf[i] != ':')
		return false;
	for (i++; i < len && stp_hexval(buf[i]) >= 0; i++)
		n++;
	/* The smallest record (":00000001FF") has ten digits. */
	return n >= 10 && n % 2 == 0 &&
	       (i == len || buf[i] == '\r' || buf[i] == '\n');
}

stp_status stp_read_ihex(stp_ctx *ctx, const uint8_t *buf, size_t len,
                         const char *name, stp_image *img)
{
	const char *hint = "the file is not valid Intel HEX; regenerate it "
	                   "(objcopy -O ihex) or check how it was copied";
	uint8_t rec[IHEX_MAX_REC];
	char origin[STP_ORIGIN_MAX], tmp[16];
	const uint8_t *line;
	size_t pos = 0, lineno = 0, linelen, eof_line = 0, i, n;
	uint32_t base = 0;
	stp_status st;

	while (stp_next_line(buf, len, &pos, &line, &linelen)) {
		uint8_t count, type, sum = 0;
		uint16_t off;

		lineno++;
		while (linelen > 0 && stp_text_blank(line[linelen - 1]))
			linelen--;
		if (linelen == 0)
			continue;
		if (eof_line)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: text after the end-of-file "
			                "record on line %zu", name, lineno,
			                eof_line);
		if (line[0] != ':')
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: expected ':' at the start "
			                "of a record, found %s", name, lineno,
			                stp_show_byte(tmp, sizeof(tmp), line[0]));
		for (i = 1; i < linelen; i++)
			if (stp_hexval(line[i]) < 0)
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s line %zu column %zu: expected "
				                "a hex digit, found %s", name,
				                lineno, i + 1,
				                stp_show_byte(tmp, sizeof(tmp),
				                          line[i]));
		if ((linelen - 1) % 2 != 0 || linelen - 1 < 10 ||
		    (linelen - 1) / 2 > IHEX_MAX_REC)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: a record has an even number "
			                "of hex digits, 10 to %d; found %zu", name,
			                lineno, 2 * IHEX_MAX_REC, linelen - 1);
		n = (linelen - 1) / 2;
		for (i = 0; i < n; i++)
			rec[i] = (uint8_t)(stp_hexval(line[1 + 2 * i]) << 4 |
			                   stp_hexval(line[2 + 2 * i]));
		count = rec[0];
		if (n != (size_t)count + 5)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: the record announces %u data "
			                "bytes but holds %zu", name, lineno,
			                (unsigned)count, n - 5);
		for (i = 0; i + 1 < n; i++)
			sum = (uint8_t)(sum + rec[i]);
		if ((uint8_t)(sum + rec[n - 1]) != 0)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: checksum 0x%02X, expected "
			                "0x%02X", name, lineno,
			                (unsigned)rec[n - 1],
			                (unsigned)(uint8_t)-sum);
		off = (uint16_t)(rec[1] << 8 | rec[2]);
		type = rec[3];

		/* Every type but 00 has a fixed length. */
		static const int8_t want[6] = {-1, 0, 2, 4, 2, 4};
		if (type <= 5 && want[type] >= 0 && count != want[type])
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: a type %02X record has %d "
			                "data bytes, this one has %u", name,
			                lineno, (unsigned)type, want[type],
			                (unsigned)count);
		switch (type) {
		case 0x00: {
			uint64_t a = (uint64_t)base + off;

			snprintf(origin, sizeof(origin), "%s line %zu", name,
			         lineno);
			if (a + count > UINT64_C(0x100000000))
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s: %u bytes at 0x%llX run past "
				                "the end of the 32-bit address "
				                "space", origin, (unsigned)count,
				                (unsigned long long)a);
			st = stp_image_add(ctx, img, 0, (uint32_t)a, rec + 4,
			                   count, origin);
			if (st != STP_OK)
				return st;
			break;
		}
		case 0x01:
			eof_line = lineno;
			break;
		case 0x02:
			base = (uint32_t)(rec[4] << 8 | rec[5]) << 4;
			break;
		case 0x03:
			img->has_entry = true;
			img->entry = ((uint32_t)(rec[4] << 8 | rec[5]) << 4) +
			             (uint32_t)(rec[6] << 8 | rec[7]);
			break;
		case 0x04:
			base = (uint32_t)(rec[4] << 8 | rec[5]) << 16;
			break;
		case 0x05:
			img->has_entry = true;
			img->entry = (uint32_t)rec[4] << 24 |
			             (uint32_t)rec[5] << 16 |
			             (uint32_t)rec[6] << 8 | rec[7];
			break;
		default:
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: record type 0x%02X, expected "
			                "00 to 05", name, lineno, (unsigned)type);
		}
	}
	/* Without the end record a cut-off file would load as a shorter,
	 * valid-looking image. */
	if (!eof_line)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "the file is probably truncated; copy it again",
		                "%s line %zu: end of file without an end-of-file "
		                "record (type 01)", name, lineno + 1);
	return STP_OK;
}

/* One record: ":" count offset type data checksum, newline. */
static void put_record(stp_obuf *out, uint8_t type, uint16_t off,
                       const uint8_t *data, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	char line[1 + 2 * (IHEX_LINE_DATA + 5) + 1];
	uint8_t hdr[4] = {(uint8_t)n, (uint8_t)(off >> 8), (uint8_t)off, type};
	uint8_t sum = 0;
	size_t k = 0, i;

	line[k++] = ':';
	for (i = 0; i < 4; i++) {
		line[k++] = hx[hdr[i] >> 4];
		line[k++] = hx[hdr[i] & 15];
		sum = (uint8_t)(sum + hdr[i]);
	}
	for (i = 0; i < n; i++) {
		line[k++] = hx[data[i] >> 4];
		line[k++] = hx[data[i] & 15];
		sum = (uint8_t)(sum + data[i]);
	}
	sum = (uint8_t)-sum;
	line[k++] = hx[sum >> 4];
	line[k++] = hx[sum & 15];
	line[k++] = '\n';
	stp_obuf_put(out, line, k);
}

stp_status stp_write_ihex(stp_ctx *ctx, const stp_image *img,
                          const stp_write_opts *opts, stp_obuf *out)
{
	uint32_t upper = 0;
	bool have_upper = false;
	stp_status st;
	size_t i;

	if ((st = stp_image_single_alt(ctx, img, "Intel HEX")))
		return st;
	for (i = 0; i < img->nsegs; i++) {
		const stp_segment *s = &img->segs[i];
		uint64_t a = s->addr;
		size_t done = 0;

		while (done < s->len) {
			size_t n = s->len - done;
			uint32_t room = 0x10000 - (uint32_t)(a & 0xFFFF);

			/* A record never crosses a 64 KiB boundary, so every
			 * reader agrees on where its bytes go. */
			if (n > IHEX_LINE_DATA)
				n = IHEX_LINE_DATA;
			if (n > room)
				n = room;
			if (!have_upper || (uint32_t)(a >> 16) != upper) {
				uint8_t u[2];

				upper = (uint32_t)(a >> 16);
				u[0] = (uint8_t)(upper >> 8);
				u[1] = (uint8_t)upper;
				put_record(out, 0x04, 0, u, 2);
				have_upper = true;
			}
			put_record(out, 0x00, (uint16_t)a, s->data + done, n);
			done += n;
			a += n;
		}
	}
	if (img->has_entry) {
		uint8_t e[4] = {(uint8_t)(img->entry >> 24),
		                (uint8_t)(img->entry >> 16),
		                (uint8_t)(img->entry >> 8), (uint8_t)img->entry};

		put_record(out, 0x05, 0, e, 4);
	}
	put_record(out, 0x01, 0, NULL, 0);
	return STP_OK;
}

/* Motorola S-records: S0 header, S1/S2/S3 data with 16/24/32-bit
 * addresses, S5/S6 record counts (checked), S7/S8/S9 termination with
 * the start address.
 *
 * A termination record of address 0 is what tools write when there is no
 * start address, so it sets no entry point.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "stmprog/image.h"
#include "image_internal.h"

#define SREC_MAX_REC (255 + 1)   /* count byte plus what it counts */
#define SREC_LINE_DATA 16        /* bytes per S3 record we write */

bool stp_looks_srec(const uint8_t *buf, size_t len)
{
	size_t i = 0, n = 0;

	while (i < len && (stp_text_blank(buf[i]) || buf[i] == '\r' ||
	                   buf[i] == '\n'))
		i++;
	if (len - i < 2 || buf[i] != 'S' || buf[i + 1] < '0' ||
	    buf[i + 1] > '9')
		return false;
	for (i += 2; i < len && stp_hexval(buf[i]) >= 0; i++)
		n++;
	/* Count, a 16-bit address and a checksum at the least. */
	return n >= 8 && n % 2 == 0 &&
	       (i == len || buf[i] == '\r' || buf[i] == '\n');
}

/* Address bytes per record type; 0 for the reserved S4. */
static const uint8_t addr_bytes[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};

stp_status stp_read_srec(stp_ctx *ctx, const uint8_t *buf, size_t len,
                         const char *name, stp_image *img)
{
	const char *hint = "the file is not a valid S-record file; "
	                   "regenerate it (objcopy -O srec) or check how it "
	                   "was copied";
	uint8_t rec[SREC_MAX_REC];
	char origin[STP_ORIGIN_MAX], tmp[16];
	const uint8_t *line;
	size_t pos = 0, lineno = 0, linelen, end_line = 0, i, n;
	uint64_t ndata = 0;
	stp_status st;

	while (stp_next_line(buf, len, &pos, &line, &linelen)) {
		unsigned type, alen;
		uint8_t count, sum = 0;
		uint32_t addr = 0;

		lineno++;
		while (linelen > 0 && stp_text_blank(line[linelen - 1]))
			linelen--;
		if (linelen == 0)
			continue;
		if (end_line)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: text after the termination "
			                "record on line %zu", name, lineno,
			                end_line);
		if (line[0] != 'S')
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: expected 'S' at the start "
			                "of a record, found %s", name, lineno,
			                stp_show_byte(tmp, sizeof(tmp), line[0]));
		if (linelen < 2 || line[1] < '0' || line[1] > '9' ||
		    line[1] == '4')
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: record type %s, expected "
			                "S0-S3 or S5-S9", name, lineno,
			                linelen < 2 ? "missing" :
			                stp_show_byte(tmp, sizeof(tmp), line[1]));
		type = (unsigned)(line[1] - '0');
		alen = addr_bytes[type];
		for (i = 2; i < linelen; i++)
			if (stp_hexval(line[i]) < 0)
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s line %zu column %zu: expected "
				                "a hex digit, found %s", name,
				                lineno, i + 1,
				                stp_show_byte(tmp, sizeof(tmp),
				                          line[i]));
		if ((linelen - 2) % 2 != 0 || (linelen - 2) / 2 < alen + 2 ||
		    (linelen - 2) / 2 > SREC_MAX_REC)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: an S%u record has an even "
			                "number of hex digits, %u to %d; found %zu",
			                name, lineno, type, 2 * (alen + 2),
			                2 * SREC_MAX_REC, linelen - 2);
		n = (linelen - 2) / 2;
		for (i = 0; i < n; i++)
			rec[i] = (uint8_t)(stp_hexval(line[2 + 2 * i]) << 4 |
			                   stp_hexval(line[3 + 2 * i]));
		count = rec[0];
		if (n != (size_t)count + 1)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: the record announces %u "
			                "bytes after its count but holds %zu",
			                name, lineno, (unsigned)count, n - 1);
		for (i = 0; i + 1 < n; i++)
			sum = (uint8_t)(sum + rec[i]);
		if ((uint8_t)(sum + rec[n - 1]) != 0xFF)
			return stp_fail(ctx, STP_ERR_IMAGE, hint,
			                "%s line %zu: checksum 0x%02X, expected "
			                "0x%02X", name, lineno,
			                (unsigned)rec[n - 1],
			                (unsigned)(uint8_t)~sum);
		for (i = 0; i < alen; i++)
			addr = addr << 8 | rec[1 + i];

		switch (type) {
		case 0:
			break;
		case 1:
		case 2:
		case 3: {
			size_t dlen = n - 2 - alen;

			snprintf(origin, sizeof(origin), "%s line %zu", name,
			         lineno);
			st = stp_image_add(ctx, img, 0, addr, rec + 1 + alen,
			                   dlen, origin);
			if (st != STP_OK)
				return st;
			ndata++;
			break;
		}
		case 5:
		case 6:
			if (n - 2 != alen)
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s line %zu: an S%u count record "
				                "holds no data, this one has %zu "
				                "bytes", name, lineno, type,
				                n - 2 - alen);
			if (addr != ndata)
				return stp_fail(ctx, STP_ERR_IMAGE,
				                "data records are missing or "
				                "repeated; regenerate the file",
				                "%s line %zu: record count %u, but "
				                "%llu data records precede it",
				                name, lineno, (unsigned)addr,
				                (unsigned long long)ndata);
			break;
		default: /* 7, 8, 9 */
			if (n - 2 != alen)
				return stp_fail(ctx, STP_ERR_IMAGE, hint,
				                "%s line %zu: an S%u termination "
				                "record holds no data, this one has "
				                "%zu bytes", name, lineno, type,
				                n - 2 - alen);
			if (addr != 0) {
				img->has_entry = true;
				img->entry = addr;
			}
			end_line = lineno;
			break;
		}
	}
	/* Without the termination record a cut-off file would load as a
	 * shorter, valid-looking image. */
	if (!end_line)
		return stp_fail(ctx, STP_ERR_IMAGE,
		                "the file is probably truncated; copy it again",
		                "%s line %zu: end of file without a termination "
		                "record (S7, S8 or S9)", name, lineno + 1);
	return STP_OK;
}

static void put_record(stp_obuf *out, unsigned type, uint32_t addr,
                       unsigned alen, const uint8_t *data, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	char line[4 + 2 * (SREC_LINE_DATA + 6) + 1];
	uint8_t b[4 + 1];
	uint8_t sum;
	size_t k = 0, i;

	b[0] = (uint8_t)(alen + n + 1);
	for (i = 0; i < alen; i++)
		b[1 + i] = (uint8_t)(addr >> (8 * (alen - 1 - i)));
	line[k++] = 'S';
	line[k++] = (char)('0' + type);
	sum = 0;
	for (i = 0; i < 1 + alen; i++) {
		line[k++] = hx[b[i] >> 4];
		line[k++] = hx[b[i] & 15];
		sum = (uint8_t)(sum + b[i]);
	}
	for (i = 0; i < n; i++) {
		line[k++] = hx[data[i] >> 4];
		line[k++] = hx[data[i] & 15];
		sum = (uint8_t)(sum + data[i]);
	}
	sum = (uint8_t)~sum;
	line[k++] = hx[sum >> 4];
	line[k++] = hx[sum & 15];
	line[k++] = '\n';
	stp_obuf_put(out, line, k);
}

stp_status stp_write_srec(stp_ctx *ctx, const stp_image *img,
                          const stp_write_opts *opts, stp_obuf *out)
{
	static const uint8_t header[] = "stmprog";
	uint64_t nrec = 0;
	stp_status st;
	size_t i;

	if ((st = stp_image_single_alt(ctx, img, "S-records")))
		return st;
	put_record(out, 0, 0, 2, header, sizeof(header) - 1);
	for (i = 0; i < img->nsegs; i++) {
		const stp_segment *s = &img->segs[i];
		size_t done = 0;

		while (done < s->len) {
			size_t n = s->len - done;

			if (n > SREC_LINE_DATA)
				n = SREC_LINE_DATA;
			put_record(out, 3, s->addr + (uint32_t)done, 4,
			           s->data + done, n);
			done += n;
			nrec++;
		}
	}
	/* The count lets a reader notice lost lines; beyond 24 bits there
	 * is no count record to write. */
	if (nrec <= 0xFFFF)
		put_record(out, 5, (uint32_t)nrec, 2, NULL, 0);
	else if (nrec <= 0xFFFFFF)
		put_record(out, 6, (uint32_t)nrec, 3, NULL, 0);
	put_record(out, 7, img->has_entry ? img->entry : 0, 4, NULL, 0);
	return STP_OK;
}

/* DfuSe .dfu files and plain files with a DFU 1.1 suffix: a hand-built
 * two-target file, every check of prefix, targets, elements and suffix,
 * truncation, and the writers. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_image.h"

typedef struct {
	uint8_t b[2048];
	size_t n;
} bld;

static void p8(bld *x, uint8_t v)
{
	x->b[x->n++] = v;
}

static void p16(bld *x, uint16_t v)
{
	p8(x, (uint8_t)v);
	p8(x, (uint8_t)(v >> 8));
}

static void p32(bld *x, uint32_t v)
{
	p16(x, (uint16_t)v);
	p16(x, (uint16_t)(v >> 16));
}

static void pmem(bld *x, const void *d, size_t n)
{
	memcpy(x->b + x->n, d, n);
	x->n += n;
}

static void target(bld *x, uint8_t alt, const char *name, uint32_t size,
                   uint32_t nelem)
{
	char nm[255] = {0};

	pmem(x, "Target", 6);
	p8(x, alt);
	p32(x, name ? 1 : 0);
	if (name)
		strcpy(nm, name);
	pmem(x, nm, 255);
	p32(x, size);
	p32(x, nelem);
}

static void suffix(bld *x, uint16_t bcd_dfu)
{
	p16(x, 0x2200);
	p16(x, 0xDF11);
	p16(x, 0x0483);
	p16(x, bcd_dfu);
	pmem(x, "UFD", 3);
	p8(x, 16);
	p32(x, stp_dfu_crc(x->b, x->n));
}

static void recrc(bld *x)
{
	x->n -= 4;
	p32(x, stp_dfu_crc(x->b, x->n));
}

/* Target 0 (alt 0, "Internal Flash"): 0x08000000 {1,2,3,4} and
 * 0x08000100 {5,6}; target 1 (alt 1, unnamed): 0x1FFFC000 {7,8,9,10}. */
static void mk_dfuse(bld *x)
{
	x->n = 0;
	pmem(x, "DfuSe\x01", 6);
	p32(x, 11 + 274 + 12 + 10 + 274 + 12 + 16);
	p8(x, 2);
	target(x, 0, "Internal Flash", 12 + 10, 2);
	p32(x, 0x08000000);
	p32(x, 4);
	pmem(x, "\x01\x02\x03\x04", 4);
	p32(x, 0x08000100);
	p32(x, 2);
	pmem(x, "\x05\x06", 2);
	target(x, 1, NULL, 12, 1);
	p32(x, 0x1FFFC000);
	p32(x, 4);
	pmem(x, "\x07\x08\x09\x0A", 4);
	suffix(x, 0x011A);
}

Test(image_dfuse, two_targets)
{
	bld x;
	stp_image *img;

	mk_dfuse(&x);
	img = t_parse_ok(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0);
	cr_assert_eq(stp_image_segment_count(img), 3);
	t_seg(img, 0, 0, 0x08000000, "\x01\x02\x03\x04", 4);
	t_seg(img, 1, 0, 0x08000100, "\x05\x06", 2);
	t_seg(img, 2, 1, 0x1FFFC000, "\x07\x08\x09\x0A", 4);
	cr_assert_str_eq(stp_image_alt_name(img, 0), "Internal Flash");
	cr_assert_null(stp_image_alt_name(img, 1));
	cr_assert(stp_image_has_dfu_suffix(img));
	cr_assert_eq(stp_image_dfu_vid(img), 0x0483);
	cr_assert_eq(stp_image_dfu_pid(img), 0xDF11);
	cr_assert_eq(stp_image_dfu_bcd_device(img), 0x2200);
	cr_assert_not(stp_image_has_entry(img));
	stp_image_free(img);
}

Test(image_dfuse, image_size_without_suffix_accepted)
{
	bld x;
	stp_image *img;

	/* Some writers leave the suffix out of DFUImageSize. */
	mk_dfuse(&x);
	x.b[6] -= 16;
	recrc(&x);
	img = t_parse_ok(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0);
	cr_assert_eq(stp_image_segment_count(img), 3);
	stp_image_free(img);
}

Test(image_dfuse, writer_matches_hand_built_file)
{
	bld x;
	stp_image *img;
	stp_write_opts o = {.bcd_device = 0x2200};
	uint8_t *out;
	size_t n;

	mk_dfuse(&x);
	img = t_parse_ok(x.b, x.n, STP_FMT_DFUSE, "fw.dfu", 0);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_DFUSE, &o, &out,
	                             &n), STP_OK);
	cr_assert_eq(n, x.n);
	cr_assert_arr_eq(out, x.b, n);
	free(out);
	stp_image_free(img);
}

Test(image_dfuse, crc_checked)
{
	bld x;
	char want[128];

	mk_dfuse(&x);
	x.b[300] ^= 1;
	snprintf(want, sizeof(want), "fw.dfu offset %zu: DFU suffix CRC "
	         "0x%08X, expected 0x%08X", x.n - 4,
	         (unsigned)(x.b[x.n - 4] | x.b[x.n - 3] << 8 |
	                    x.b[x.n - 2] << 16 | (uint32_t)x.b[x.n - 1] << 24),
	         (unsigned)stp_dfu_crc(x.b, x.n - 4));
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE, want);
}

Test(image_dfuse, structure_checked)
{
	bld x;

	mk_dfuse(&x);
	x.b[x.n - 10] = 0x00;          /* bcdDFU 0x011A -> 0x0100 */
	x.b[x.n - 9] = 0x01;
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "offset 599: bcdDFU 0x0100, expected 0x011A (DfuSe)");

	mk_dfuse(&x);
	x.b[5] = 2;
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 5: DfuSe version 2, expected 1");

	mk_dfuse(&x);
	x.b[6]++;
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 6: DFUImageSize 610, expected 609 (the "
	             "file size, or 593 without the suffix)");

	mk_dfuse(&x);
	x.b[10] = 3;                    /* one target more than present */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 593: target 2 of 3 needs a 274-byte "
	             "prefix, 0 bytes are left");

	mk_dfuse(&x);
	x.b[10] = 1;                    /* one target less */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 307: 286 bytes after the last of 1 "
	             "targets");

	mk_dfuse(&x);
	x.b[11] = 't';
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 11: target 0 of 2 does not start with "
	             "\"Target\"");

	mk_dfuse(&x);
	x.b[11 + 266] = 23;             /* target 0 size 22 -> 23 */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 307: target 0 has 1 bytes after its 2 "
	             "elements; its size says 23");

	mk_dfuse(&x);
	x.b[11 + 274 + 4] = 200;        /* element 0 size 4 -> 200 */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 289: element 0 of target 0 holds 200 "
	             "bytes, the target has 14 left");

	mk_dfuse(&x);
	x.b[11 + 270] = 3;              /* three elements announced */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 307: element 2 of 3 in target 0 needs an "
	             "8-byte header, the target has 0 bytes left");

	mk_dfuse(&x);
	x.b[x.n - 7] = 'X';             /* "UFD" -> "UXD" */
	t_parse_fail(x.b, x.n, STP_FMT_DFUSE, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu offset 601: DFU suffix signature 55 58 44, "
	             "expected \"UFD\"");
}

Test(image_dfuse, overlapping_elements_name_both)
{
	bld x;

	mk_dfuse(&x);
	x.b[11 + 274 + 12 + 1] = 0x00; /* element 1 at 0x08000100 -> 0x08000000 */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "fw.dfu target 0 (alt 0) element 1 (offset 297): data at "
	             "0x08000000..0x08000001 overlaps data from fw.dfu target "
	             "0 (alt 0) element 0 (offset 285) (0x08000000..0x08000003)");
}

Test(image_dfuse, element_overflow)
{
	bld x;

	mk_dfuse(&x);
	x.b[11 + 274 + 12] = 0xFF;      /* element 1 at 0xFFFFFFFF, 2 bytes */
	x.b[11 + 274 + 13] = 0xFF;
	x.b[11 + 274 + 14] = 0xFF;
	x.b[11 + 274 + 15] = 0xFF;
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.dfu", 0, STP_ERR_IMAGE,
	             "2 bytes at 0xFFFFFFFF run past the end of the 32-bit");
}

Test(image_dfuse, truncation_at_every_offset)
{
	bld x;

	mk_dfuse(&x);
	t_truncations(x.b, x.n, STP_FMT_DFUSE, "t.dfu", x.n);
	t_truncations(x.b, x.n, STP_FMT_AUTO, "t.dfu", x.n);
}

Test(image_dfu, plain_suffix)
{
	bld x = {.n = 0};
	stp_image *img;

	pmem(&x, "\x10\x20\x30\x40\x50", 5);
	suffix(&x, 0x0100);
	cr_assert_eq(stp_image_detect(x.b, x.n, "fw.bin"), STP_FMT_DFU);
	img = t_parse_ok(x.b, x.n, STP_FMT_AUTO, "fw.bin", 0x08002000);
	cr_assert_eq(stp_image_segment_count(img), 1);
	t_seg(img, 0, 0, 0x08002000, "\x10\x20\x30\x40\x50", 5);
	cr_assert(stp_image_has_dfu_suffix(img));
	cr_assert_eq(stp_image_dfu_vid(img), 0x0483);
	cr_assert_eq(stp_image_dfu_pid(img), 0xDF11);
	cr_assert_eq(stp_image_dfu_bcd_device(img), 0x2200);
	{
		stp_write_opts o = {.fill = 0xFF, .bcd_device = 0x2200};
		uint8_t *out;
		size_t n;

		cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_DFU, &o,
		                             &out, &n), STP_OK);
		cr_assert_eq(n, x.n);
		cr_assert_arr_eq(out, x.b, n);
		free(out);
	}
	stp_image_free(img);
	/* Forced bin keeps the suffix as data. */
	img = t_parse_ok(x.b, x.n, STP_FMT_BIN, "fw.bin", 0);
	cr_assert_eq(stp_image_segment(img, 0)->len, 21);
	stp_image_free(img);
	t_truncations(x.b, x.n, STP_FMT_DFU, "t.bin", x.n);
}

Test(image_dfu, plain_suffix_checked)
{
	bld x = {.n = 0};

	pmem(&x, "\x10\x20\x30\x40\x50", 5);
	suffix(&x, 0x0100);
	x.b[0] ^= 0xFF;
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.bin", 0, STP_ERR_IMAGE,
	             "fw.bin offset 17: DFU suffix CRC");
	x.b[0] ^= 0xFF;
	x.b[x.n - 5] = 200;             /* bLength longer than the file */
	recrc(&x);
	t_parse_fail(x.b, x.n, STP_FMT_DFU, "fw.bin", 0, STP_ERR_IMAGE,
	             "fw.bin offset 16: DFU suffix length 200, expected 16");
	/* A DfuSe suffix without the DfuSe prefix. */
	x.n = 0;
	pmem(&x, "\x10\x20\x30\x40\x50", 5);
	suffix(&x, 0x011A);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.bin", 0, STP_ERR_IMAGE,
	             "bcdDFU 0x011A, expected 0x0100 (DFU 1.1); a DfuSe file "
	             "starts with \"DfuSe\"");
	/* Only the suffix: no data. */
	x.n = 0;
	suffix(&x, 0x0100);
	t_parse_fail(x.b, x.n, STP_FMT_AUTO, "fw.bin", 0, STP_ERR_IMAGE,
	             "holds no data");
}

Test(image_dfuse, writer_defaults_and_names)
{
	stp_image *img = stp_image_new(), *back;
	uint8_t *out;
	size_t n;

	stp_image_add(t_ctx(), img, 0, 0x08000000,
	              (const uint8_t *)"\x01\x02", 2, "a");
	stp_image_add(t_ctx(), img, 3, 0x1FFF7800,
	              (const uint8_t *)"\x03", 1, "b");
	cr_assert_eq(stp_image_set_alt_name(t_ctx(), img, 3, "@OTP Memory /0x1FFF7800/01*512 e"), STP_OK);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_DFUSE, NULL, &out,
	                             &n), STP_OK);
	/* 0483:DF11, bcdDevice 0xFFFF when none is given. */
	cr_assert_arr_eq(out + n - 16, "\xFF\xFF\x11\xDF\x83\x04\x1A\x01UFD\x10",
	                 12);
	back = t_parse_ok(out, n, STP_FMT_AUTO, "rt.dfu", 0);
	cr_assert_eq(stp_image_segment_count(back), 2);
	t_seg(back, 1, 3, 0x1FFF7800, "\x03", 1);
	cr_assert_null(stp_image_alt_name(back, 0));
	cr_assert_str_eq(stp_image_alt_name(back, 3), stp_image_alt_name(img, 3));
	stp_image_free(back);
	free(out);
	stp_image_free(img);
}

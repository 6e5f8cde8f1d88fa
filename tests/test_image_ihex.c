/* Intel HEX: hand-written vectors for every record type, errors and
 * truncation; the writer's records. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_image.h"

/* Types 04, 00, 02, 03, 05 and 01; lines 2-4 merge into one segment. */
static const char all_types[] =
	":020000040800F2\n"
	":10000000000102030405060708090A0B0C0D0E0F78\n"
	":10001000101112131415161718191A1B1C1D1E1F68\n"
	":04002000DEADBEEFA4\n"
	":020000021000EC\n"
	":04000000A1A2A3A472\n"
	":0400000300000100F8\n"
	":0400000508000131BD\n"
	":00000001FF\n";

Test(image_ihex, every_record_type)
{
	stp_image *img = t_parse_ok(all_types, strlen(all_types),
	                            STP_FMT_AUTO, "t.hex", 0);
	uint8_t want[36];
	size_t i;

	for (i = 0; i < 32; i++)
		want[i] = (uint8_t)i;
	memcpy(want + 32, "\xDE\xAD\xBE\xEF", 4);
	cr_assert_eq(stp_image_segment_count(img), 2);
	/* Type 02 segment 0x1000 -> 0x10000. */
	t_seg(img, 0, 0, 0x00010000, "\xA1\xA2\xA3\xA4", 4);
	t_seg(img, 1, 0, 0x08000000, want, 36);
	/* 05 came after 03 and wins. */
	cr_assert(stp_image_has_entry(img));
	cr_assert_eq(stp_image_entry(img), 0x08000131);
	stp_image_free(img);
}

Test(image_ihex, start_segment_address)
{
	static const char s[] =
		":0400000001020304F2\n"
		":0400000312340010A3\n"
		":00000001FF\n";
	stp_image *img = t_parse_ok(s, strlen(s), STP_FMT_IHEX, "t.hex", 0);

	cr_assert(stp_image_has_entry(img));
	cr_assert_eq(stp_image_entry(img), 0x12340 + 0x0010);
	stp_image_free(img);
}

Test(image_ihex, crlf_lowercase_blank_lines)
{
	static const char s[] =
		"\r\n:020000040800f2\r\n\r\n"
		":04002000deadbeefa4  \r\n"
		":00000001ff\r\n\r\n";
	stp_image *img = t_parse_ok(s, strlen(s), STP_FMT_AUTO, "t.hex", 0);

	t_seg(img, 0, 0, 0x08000020, "\xDE\xAD\xBE\xEF", 4);
	cr_assert_not(stp_image_has_entry(img));
	stp_image_free(img);
}

Test(image_ihex, holes_preserved)
{
	static const char s[] =
		":020000040800F2\n"
		":0400000001020304F2\n"
		":0400080001020304EA\n"
		":00000001FF\n";
	stp_image *img = t_parse_ok(s, strlen(s), STP_FMT_AUTO, "t.hex", 0);

	cr_assert_eq(stp_image_segment_count(img), 2);
	t_seg(img, 0, 0, 0x08000000, "\x01\x02\x03\x04", 4);
	t_seg(img, 1, 0, 0x08000008, "\x01\x02\x03\x04", 4);
	stp_image_free(img);
}

Test(image_ihex, checksum_error_names_line)
{
	/* all_types with line 3's checksum 68 changed to 69. */
	static const char s[] =
		":020000040800F2\n"
		":10000000000102030405060708090A0B0C0D0E0F78\n"
		":10001000101112131415161718191A1B1C1D1E1F69\n"
		":00000001FF\n";

	t_parse_fail(s, strlen(s), STP_FMT_AUTO, "fw.hex", 0, STP_ERR_IMAGE,
	             "fw.hex line 3: checksum 0x69, expected 0x68");
}

Test(image_ihex, overlap_names_both_lines)
{
	static const char s[] =
		":020000040800F2\n"
		":10000000000102030405060708090A0B0C0D0E0F78\n"
		":0400060001020304EC\n"
		":00000001FF\n";

	t_parse_fail(s, strlen(s), STP_FMT_AUTO, "fw.hex", 0, STP_ERR_IMAGE,
	             "fw.hex line 3: data at 0x08000006..0x08000009 overlaps "
	             "data from fw.hex line 2 (0x08000000..0x0800000F)");
}

Test(image_ihex, address_overflow)
{
	static const char ok[] =
		":02000004FFFFFC\n"
		":08FFF80011223344556677889D\n"
		":00000001FF\n";
	static const char bad[] =
		":02000004FFFFFC\n"
		":10FFF80000000000000000000000000000000000F9\n"
		":00000001FF\n";
	stp_image *img = t_parse_ok(ok, strlen(ok), STP_FMT_IHEX, "t.hex", 0);

	t_seg(img, 0, 0, 0xFFFFFFF8, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	stp_image_free(img);
	t_parse_fail(bad, strlen(bad), STP_FMT_IHEX, "t.hex", 0,
	             STP_ERR_IMAGE, "t.hex line 2: 16 bytes at 0xFFFFFFF8 run "
	             "past the end of the 32-bit address space");
}

Test(image_ihex, malformed_records)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"x0000001FF\n", "line 1: expected ':' at the start of a "
		                 "record, found 'x'"},
		{":00000001FF\n:0000000G\n", "line 2: text after the "
		                             "end-of-file record on line 1"},
		{":0400000001020304F\n:00000001FF\n", "line 1: a record has "
		 "an even number of hex digits, 10 to 520; found 17"},
		{":00000001F\n", "found 9"},
		{":04000000010203F5\n:00000001FF\n", "line 1: the record "
		 "announces 4 data bytes but holds 3"},
		{":0400000001020304F2\n:0400000601020304EC\n:00000001FF\n",
		 "line 2: record type 0x06, expected 00 to 05"},
		{":01000001AA54\n", "line 1: a type 01 record has 0 data "
		                   "bytes, this one has 1"},
		{":0400000401020304EE\n:00000001FF\n", "a type 04 record has 2"},
		{":0400000001020304F2\n", "line 2: end of file without an "
		                          "end-of-file record"},
		{":0400000001 020304F2\n", "line 1 column 12: expected a hex "
		                           "digit, found ' '"},
		{":0400000001\x80" "20304F2\n", "found byte 0x80"},
		{":00000001FF\n\x1a", "text after the end-of-file"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_parse_fail(cases[i].text, strlen(cases[i].text),
		             STP_FMT_IHEX, "b.hex", 0, STP_ERR_IMAGE,
		             cases[i].want);
}

Test(image_ihex, only_eof_is_no_data)
{
	t_parse_fail(":00000001FF\n", 12, STP_FMT_AUTO, "e.hex", 0,
	             STP_ERR_IMAGE, "e.hex: the ihex file holds no data");
}

Test(image_ihex, truncation_at_every_offset)
{
	/* Every cut before the end record's last digit fails; the final
	 * newline is optional. */
	t_truncations(all_types, strlen(all_types), STP_FMT_IHEX, "t.hex",
	              strlen(all_types) - 1);
	t_truncations(all_types, strlen(all_types), STP_FMT_AUTO, "t.hex",
	              strlen(all_types) - 1);
}

Test(image_ihex, writer_records)
{
	stp_image *img = stp_image_new();
	uint8_t d[20];
	uint8_t *out;
	size_t n, i;
	static const char want[] =
		":020000040800F2\n"
		":08FFF8000001020304050607E5\n"
		":020000040801F1\n"
		":0C00000008090A0B0C0D0E0F1011121352\n"
		":0400000508000131BD\n"
		":00000001FF\n";

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)i;
	/* 20 bytes straddling a 64 KiB boundary: the record splits there
	 * and a new 04 record follows. */
	stp_image_add(t_ctx(), img, 0, 0x0800FFF8, d, 20, "a");
	stp_image_set_entry(img, true, 0x08000131);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_IHEX, NULL, &out,
	                             &n), STP_OK);
	cr_assert_eq(n, strlen(want), "%.*s", (int)n, out);
	cr_assert_arr_eq(out, want, n, "%.*s", (int)n, out);
	free(out);
	stp_image_free(img);
}

Test(image_ihex, writer_round_trip_with_holes)
{
	stp_image *img = stp_image_new(), *back;
	uint8_t d[100], *out;
	size_t n, i;

	for (i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7);
	stp_image_add(t_ctx(), img, 0, 0x00000000, d, 3, "a");
	stp_image_add(t_ctx(), img, 0, 0x08000000, d, 100, "b");
	stp_image_add(t_ctx(), img, 0, 0x08000200, d, 33, "c");
	stp_image_add(t_ctx(), img, 0, 0xFFFFFFF0, d, 16, "d");
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_IHEX, NULL, &out,
	                             &n), STP_OK);
	back = t_parse_ok(out, n, STP_FMT_AUTO, "rt.hex", 0);
	cr_assert_eq(stp_image_segment_count(back), 4);
	for (i = 0; i < 4; i++)
		t_seg(back, i, 0, stp_image_segment(img, i)->addr, stp_image_segment(img, i)->data,
		      stp_image_segment(img, i)->len);
	cr_assert_not(stp_image_has_entry(back));
	stp_image_free(back);
	free(out);
	stp_image_free(img);
}

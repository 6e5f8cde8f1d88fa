/* Motorola S-records: hand-written vectors for every record type, errors
 * and truncation; the writer's records. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_image.h"

/* S0, S1, S2, S3, S5 (count 3), S7 (entry). */
static const char all_types[] =
	"S0060000686472BB\n"
	"S107100001020304DE\n"
	"S20801200005060708BC\n"
	"S30D08000000111213141516171846\n"
	"S5030003F9\n"
	"S70508000101F0\n";

Test(image_srec, every_record_type)
{
	stp_image *img = t_parse_ok(all_types, strlen(all_types),
	                            STP_FMT_AUTO, "t.srec", 0);

	cr_assert_eq(stp_image_segment_count(img), 3);
	t_seg(img, 0, 0, 0x1000, "\x01\x02\x03\x04", 4);
	t_seg(img, 1, 0, 0x012000, "\x05\x06\x07\x08", 4);
	t_seg(img, 2, 0, 0x08000000, "\x11\x12\x13\x14\x15\x16\x17\x18", 8);
	cr_assert(stp_image_has_entry(img));
	cr_assert_eq(stp_image_entry(img), 0x08000101);
	stp_image_free(img);
}

Test(image_srec, s6_s8_s9)
{
	static const char s8[] =
		"S107100001020304DE\n"
		"S20801200005060708BC\n"
		"S30D08000000111213141516171846\n"
		"S604000003F8\n"
		"S804012001D9\n";
	static const char s9[] = "S107100001020304DE\nS9031001EB\n";
	static const char s9zero[] = "S107100001020304DE\nS9030000FC\n";
	stp_image *img = t_parse_ok(s8, strlen(s8), STP_FMT_AUTO, "t.s28", 0);

	cr_assert_eq(stp_image_entry(img), 0x012001);
	stp_image_free(img);
	img = t_parse_ok(s9, strlen(s9), STP_FMT_AUTO, "t.s19", 0);
	cr_assert(stp_image_has_entry(img));
	cr_assert_eq(stp_image_entry(img), 0x1001);
	stp_image_free(img);
	/* Address 0 in the termination record means "no entry". */
	img = t_parse_ok(s9zero, strlen(s9zero), STP_FMT_AUTO, "t.s19", 0);
	cr_assert_not(stp_image_has_entry(img));
	stp_image_free(img);
}

Test(image_srec, checksum_error_names_line)
{
	static const char s[] =
		"S0060000686472BB\n"
		"S107100001020304DE\n"
		"S20801200005060708BD\n"
		"S9030000FC\n";

	t_parse_fail(s, strlen(s), STP_FMT_AUTO, "fw.srec", 0, STP_ERR_IMAGE,
	             "fw.srec line 3: checksum 0xBD, expected 0xBC");
}

Test(image_srec, count_record_checked)
{
	static const char s[] =
		"S107100001020304DE\n"
		"S20801200005060708BC\n"
		"S30D08000000111213141516171846\n"
		"S5030002FA\n"
		"S9030000FC\n";

	t_parse_fail(s, strlen(s), STP_FMT_AUTO, "fw.srec", 0, STP_ERR_IMAGE,
	             "fw.srec line 4: record count 2, but 3 data records "
	             "precede it");
}

Test(image_srec, overlap_and_overflow)
{
	static const char ov[] =
		"S30D08000000111213141516171846\n"
		"S309080000042122232460\n"
		"S9030000FC\n";
	static const char top[] = "S309FFFFFFFC01020304F3\nS9030000FC\n";
	static const char past[] = "S309FFFFFFFD01020304F2\nS9030000FC\n";
	stp_image *img;

	t_parse_fail(ov, strlen(ov), STP_FMT_AUTO, "fw.srec", 0,
	             STP_ERR_IMAGE,
	             "fw.srec line 2: data at 0x08000004..0x08000007 overlaps "
	             "data from fw.srec line 1 (0x08000000..0x08000007)");
	img = t_parse_ok(top, strlen(top), STP_FMT_AUTO, "t.srec", 0);
	t_seg(img, 0, 0, 0xFFFFFFFC, "\x01\x02\x03\x04", 4);
	stp_image_free(img);
	t_parse_fail(past, strlen(past), STP_FMT_AUTO, "t.srec", 0,
	             STP_ERR_IMAGE, "t.srec line 1: 4 bytes at 0xFFFFFFFD "
	             "run past the end of the 32-bit address space");
}

Test(image_srec, malformed_records)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"X107100001020304DE\n", "line 1: expected 'S' at the start"},
		{"S407100001020304DE\n", "line 1: record type '4', expected"},
		{"S\n", "record type missing"},
		{"S107100001020304D\n", "an S1 record has an even number of "
		                        "hex digits, 8 to 512; found 15"},
		{"S1031000\n", "found 6"},
		{"S10810000102030400\nS9030000FC\n",
		 "line 1: the record announces 8 bytes after its count but "
		 "holds 7"},
		{"S107100001020304DE\n", "line 2: end of file without a "
		                         "termination record"},
		{"S9030000FC\nS107100001020304DE\n", "line 2: text after the "
		                                     "termination record"},
		{"S107100001020304DE\nS5050001AABB94\nS9030000FC\n",
		 "line 2: an S5 count record holds no data, this one has 2"},
		{"S107100001020304DE\nS904000001FA\n",
		 "line 2: an S9 termination record holds no data, this one "
		 "has 1"},
		{"S10710000102x304DE\n", "line 1 column 13: expected a hex "
		                         "digit, found 'x'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_parse_fail(cases[i].text, strlen(cases[i].text),
		             STP_FMT_SREC, "b.srec", 0, STP_ERR_IMAGE,
		             cases[i].want);
}

Test(image_srec, truncation_at_every_offset)
{
	t_truncations(all_types, strlen(all_types), STP_FMT_SREC, "t.srec",
	              strlen(all_types) - 1);
	t_truncations(all_types, strlen(all_types), STP_FMT_AUTO, "t.srec",
	              strlen(all_types) - 1);
}

Test(image_srec, writer_records)
{
	stp_image *img = stp_image_new();
	uint8_t *out;
	size_t n;
	static const char want[] =
		"S00A000073746D70726F67E9\n"
		"S30D08000000111213141516171846\n"
		"S5030001FB\n"
		"S70508000101F0\n";

	stp_image_add(t_ctx(), img, 0, 0x08000000,
	              (const uint8_t *)"\x11\x12\x13\x14\x15\x16\x17\x18", 8,
	              "a");
	stp_image_set_entry(img, true, 0x08000101);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_SREC, NULL, &out,
	                             &n), STP_OK);
	cr_assert_eq(n, strlen(want), "%.*s", (int)n, out);
	cr_assert_arr_eq(out, want, n, "%.*s", (int)n, out);
	free(out);
	stp_image_set_entry(img, false, 0);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_SREC, NULL, &out,
	                             &n), STP_OK);
	cr_assert(strstr((char *)out, "S70500000000FA\n"), "%.*s", (int)n, out);
	free(out);
	stp_image_free(img);
}

Test(image_srec, writer_round_trip_large)
{
	stp_image *img = stp_image_new(), *back;
	uint8_t *d = malloc(70000 * 16), *out;
	size_t n, i;

	/* More than 65535 records: S6 count instead of S5. */
	for (i = 0; i < 70000 * 16; i++)
		d[i] = (uint8_t)(i * 13 + 5);
	stp_image_add(t_ctx(), img, 0, 0x08000000, d, 70000 * 16, "a");
	stp_image_add(t_ctx(), img, 0, 0x20000000, d, 5, "b");
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_SREC, NULL, &out,
	                             &n), STP_OK);
	cr_assert(strstr((char *)out, "\nS604011171"), "no S6 record");
	back = t_parse_ok(out, n, STP_FMT_AUTO, "rt.srec", 0);
	cr_assert_eq(stp_image_segment_count(back), 2);
	t_seg(back, 0, 0, 0x08000000, d, 70000 * 16);
	t_seg(back, 1, 0, 0x20000000, d, 5);
	stp_image_free(back);
	free(out);
	free(d);
	stp_image_free(img);
}

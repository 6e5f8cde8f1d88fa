/* The sparse image model, detection, format names, raw binaries, the DFU
 * CRC and the writers' common behaviour. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_image.h"

static const uint8_t d16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                13, 14, 15};

Test(image_model, empty)
{
	stp_image *img = stp_image_new();
	uint32_t lo = 1, hi = 1;

	cr_assert_not_null(img);
	cr_assert_eq(stp_image_size(img), 0);
	stp_image_span(img, &lo, &hi);
	cr_assert_eq(lo, 0);
	cr_assert_eq(hi, 0);
	stp_image_free(img);
	stp_image_free(NULL);
}

Test(image_model, sorted_merged_holes)
{
	stp_image *img = stp_image_new();
	stp_ctx *ctx = t_ctx();
	uint32_t lo, hi;
	uint8_t all[16 * 4];

	/* Out of order: 0x1010, 0x1030, 0x1000 (prepends), 0x1020 (closes
	 * the gap and folds three into one), 0x3000 (a hole stays). */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x1010, d16, 16, "a"), STP_OK);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x1030, d16, 16, "b"), STP_OK);
	cr_assert_eq(stp_image_segment_count(img), 2);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x1000, d16, 16, "c"), STP_OK);
	cr_assert_eq(stp_image_segment_count(img), 2);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x3000, d16, 4, "d"), STP_OK);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x1020, d16, 16, "e"), STP_OK);
	cr_assert_eq(stp_image_segment_count(img), 2);
	memcpy(all, d16, 16);
	memcpy(all + 16, d16, 16);
	memcpy(all + 32, d16, 16);
	memcpy(all + 48, d16, 16);
	t_seg(img, 0, 0, 0x1000, all, 64);
	t_seg(img, 1, 0, 0x3000, d16, 4);
	cr_assert_eq(stp_image_size(img), 68);
	stp_image_span(img, &lo, &hi);
	cr_assert_eq(lo, 0x1000);
	cr_assert_eq(hi, 0x3004);
	/* Zero bytes add nothing. */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x9000, d16, 0, "z"), STP_OK);
	cr_assert_eq(stp_image_segment_count(img), 2);
	stp_image_free(img);
}

Test(image_model, alts_never_merge)
{
	stp_image *img = stp_image_new();
	stp_ctx *ctx = t_ctx();

	cr_assert_eq(stp_image_add(ctx, img, 1, 0x1000, d16, 16, "a"), STP_OK);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x1010, d16, 16, "b"), STP_OK);
	/* Same addresses in another alt setting are no overlap. */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x1000, d16, 16, "c"), STP_OK);
	cr_assert_eq(stp_image_add(ctx, img, 1, 0x1010, d16, 8, "d"), STP_OK);
	cr_assert_eq(stp_image_segment_count(img), 2);
	cr_assert_eq(stp_image_segment(img, 0)->alt, 0);
	cr_assert_eq(stp_image_segment(img, 0)->len, 32);
	cr_assert_eq(stp_image_segment(img, 1)->alt, 1);
	cr_assert_eq(stp_image_segment(img, 1)->len, 24);
	stp_image_free(img);
}

Test(image_model, overlap_names_both_origins)
{
	stp_image *img = stp_image_new();
	stp_ctx *ctx = t_ctx();
	uint8_t other[4] = {0xAA, 0xBB, 0xCC, 0xDD};

	cr_assert_eq(stp_image_add(ctx, img, 0, 0x08000100, d16, 16,
	                           "fw.hex line 12"), STP_OK);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x0800010C, other, 4,
	                           "fw.hex line 40"), STP_ERR_IMAGE);
	cr_assert_str_eq(stp_last_detail(ctx),
	                 "fw.hex line 40: data at 0x0800010C..0x0800010F "
	                 "overlaps data from fw.hex line 12 "
	                 "(0x08000100..0x0800010F)");
	/* Identical bytes are refused too, and the message says so. */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x08000104, d16 + 4, 4,
	                           "fw.hex line 41"), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "identical") != NULL, "%s",
	          stp_last_detail(ctx));
	/* Overlap from below, reaching into the segment. */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x080000F8, d16, 9,
	                           "b.bin"), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "b.bin: data at "
	                 "0x080000F8..0x08000100") != NULL);
	/* Covering the whole segment. */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0x08000000, d16, 0, "x"),
	             STP_OK);
	{
		uint8_t *big = calloc(1, 0x1000);

		cr_assert_eq(stp_image_add(ctx, img, 0, 0x08000000, big,
		                           0x1000, "big"), STP_ERR_IMAGE);
		free(big);
	}
	/* The failed adds changed nothing. */
	cr_assert_eq(stp_image_segment_count(img), 1);
	t_seg(img, 0, 0, 0x08000100, d16, 16);
	stp_image_free(img);
}

Test(image_model, address_overflow)
{
	stp_image *img = stp_image_new();
	stp_ctx *ctx = t_ctx();

	/* Ending exactly at 4 GiB is fine; one byte more is not. */
	cr_assert_eq(stp_image_add(ctx, img, 0, 0xFFFFFFF0, d16, 16, "top"),
	             STP_OK);
	cr_assert_eq(stp_image_add(ctx, img, 0, 0xFFFFFFF8, d16, 9, "over"),
	             STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "32-bit") != NULL);
	{
		uint32_t lo, hi;

		stp_image_span(img, &lo, &hi);
		cr_assert_eq(lo, 0xFFFFFFF0);
		cr_assert_eq(hi, 0xFFFFFFFF);
	}
	stp_image_free(img);
	/* A raw binary whose base pushes it past 4 GiB. */
	t_parse_fail(d16, 16, STP_FMT_BIN, "x.bin", 0xFFFFFFF8, STP_ERR_IMAGE,
	             "x.bin (raw binary at 0xFFFFFFF8): 16 bytes at "
	             "0xFFFFFFF8 run past");
}

Test(image_model, bad_arguments)
{
	stp_image *img = (stp_image *)1;

	cr_assert_eq(stp_image_parse(t_ctx(), NULL, 4, STP_FMT_BIN, "x", 0,
	                             &img), STP_ERR_ARG);
	cr_assert_null(img);
	cr_assert_eq(stp_image_parse(t_ctx(), d16, 4, (stp_image_format)99,
	                             "x", 0, &img), STP_ERR_ARG);
	cr_assert_eq(stp_image_add(t_ctx(), NULL, 0, 0, d16, 1, "x"),
	             STP_ERR_ARG);
	t_parse_fail(d16, 0, STP_FMT_AUTO, "empty.bin", 0, STP_ERR_IMAGE,
	             "empty.bin: the file is empty");
}

Test(image_model, many_sequential_appends_one_segment)
{
	stp_image *img = stp_image_new();
	uint32_t a;

	for (a = 0; a < 100000; a++)
		cr_assert_eq(stp_image_add(t_ctx(), img, 0, 0x08000000 + 16 * a,
		                           d16, 16, "seq"), STP_OK);
	cr_assert_eq(stp_image_segment_count(img), 1);
	cr_assert_eq(stp_image_segment(img, 0)->len, 1600000);
	cr_assert_eq(memcmp(stp_image_segment(img, 0)->data + 1599984, d16, 16), 0);
	stp_image_free(img);
}

Test(image_bin, read_at_base)
{
	stp_image *img = t_parse_ok(d16, 16, STP_FMT_BIN, "fw.bin", 0x08004000);

	cr_assert_eq(stp_image_segment_count(img), 1);
	t_seg(img, 0, 0, 0x08004000, d16, 16);
	cr_assert_not(stp_image_has_entry(img));
	cr_assert_not(stp_image_has_dfu_suffix(img));
	stp_image_free(img);
}

Test(image_bin, write_fills_holes)
{
	stp_image *img = stp_image_new();
	stp_write_opts o = {.fill = 0xA5};
	uint8_t *out;
	size_t n;

	stp_image_add(t_ctx(), img, 0, 0x100, d16, 4, "a");
	stp_image_add(t_ctx(), img, 0, 0x108, d16 + 8, 4, "b");
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_BIN, &o, &out, &n),
	             STP_OK);
	cr_assert_eq(n, 12);
	{
		const uint8_t want[12] = {0, 1, 2, 3, 0xA5, 0xA5, 0xA5, 0xA5,
		                          8, 9, 10, 11};

		cr_assert_arr_eq(out, want, 12);
	}
	free(out);
	/* NULL options: erased-flash fill. */
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_BIN, NULL, &out,
	                             &n), STP_OK);
	cr_assert_eq(out[4], 0xFF);
	free(out);
	/* Two alt settings cannot be one binary. */
	stp_image_add(t_ctx(), img, 1, 0x100, d16, 4, "c");
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_BIN, &o, &out, &n),
	             STP_ERR_IMAGE);
	cr_assert_null(out);
	stp_image_free(img);
}

Test(image_bin, write_refuses_huge_span_and_empty)
{
	stp_image *img = stp_image_new();
	uint8_t *out;
	size_t n;

	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_BIN, NULL, &out,
	                             &n), STP_ERR_IMAGE);
	stp_image_add(t_ctx(), img, 0, 0x08000000, d16, 4, "flash");
	stp_image_add(t_ctx(), img, 0, 0x20000000, d16, 4, "ram");
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_BIN, NULL, &out,
	                             &n), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(t_ctx()), "0x08000000..0x20000003"));
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_ELF, NULL, &out,
	                             &n), STP_ERR_UNSUPPORTED);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_AUTO, NULL, &out,
	                             &n), STP_ERR_ARG);
	stp_image_free(img);
}

Test(image_crc, known_answer)
{
	/* zlib's crc32("123456789") is 0xCBF43926; DFU's is its
	 * complement. */
	cr_assert_eq(stp_dfu_crc((const uint8_t *)"123456789", 9),
	             ~UINT32_C(0xCBF43926));
	cr_assert_eq(stp_dfu_crc(NULL, 0), 0xFFFFFFFF);
}

Test(image_names, format_names_round_trip)
{
	int f;

	for (f = STP_FMT_BIN; f < STP_FMT_COUNT; f++)
		cr_assert_eq(stp_image_format_from_name(
		                     stp_image_format_name((stp_image_format)f)),
		             f, "%s", stp_image_format_name((stp_image_format)f));
	cr_assert_eq(stp_image_format_from_name("HEX"), STP_FMT_IHEX);
	cr_assert_eq(stp_image_format_from_name("s19"), STP_FMT_SREC);
	cr_assert_eq(stp_image_format_from_name("dfu"), STP_FMT_DFUSE);
	cr_assert_eq(stp_image_format_from_name("bogus"), STP_FMT_AUTO);
	cr_assert_eq(stp_image_format_from_name(NULL), STP_FMT_AUTO);
	cr_assert_eq(stp_image_format_from_path("a/b.c/fw.HEX"), STP_FMT_IHEX);
	cr_assert_eq(stp_image_format_from_path("fw.s28"), STP_FMT_SREC);
	cr_assert_eq(stp_image_format_from_path("fw.elf"), STP_FMT_ELF);
	cr_assert_eq(stp_image_format_from_path("fw.axf"), STP_FMT_ELF);
	cr_assert_eq(stp_image_format_from_path("fw.dfu"), STP_FMT_DFUSE);
	cr_assert_eq(stp_image_format_from_path("fw.bin"), STP_FMT_BIN);
	cr_assert_eq(stp_image_format_from_path("dir.hex/fw"), STP_FMT_AUTO);
	cr_assert_eq(stp_image_format_from_path("fw."), STP_FMT_AUTO);
	cr_assert_str_eq(stp_image_format_name((stp_image_format)42),
	                 "unknown");
}

Test(image_detect, content_first_then_extension)
{
	static const char hex[] = ":00000001FF\n";
	static const char srec[] = "S9030000FC\n";
	static const uint8_t elf[] = "\x7f" "ELF\x01\x01";
	static const uint8_t dfuse[] = "DfuSe\x01";
	uint8_t dfu[20] = {1, 2, 3, 4, 0xFF, 0xFF, 0x11, 0xDF, 0x83, 0x04,
	                   0x00, 0x01, 'U', 'F', 'D', 16, 0, 0, 0, 0};

	/* Content wins over a misleading name. */
	cr_assert_eq(stp_image_detect((const uint8_t *)hex, strlen(hex),
	                              "fw.bin"), STP_FMT_IHEX);
	cr_assert_eq(stp_image_detect((const uint8_t *)"\r\n  :00000001FF",
	                              15, NULL), STP_FMT_IHEX);
	cr_assert_eq(stp_image_detect((const uint8_t *)srec, strlen(srec),
	                              "fw.hex"), STP_FMT_SREC);
	cr_assert_eq(stp_image_detect(elf, 6, "fw.bin"), STP_FMT_ELF);
	cr_assert_eq(stp_image_detect(dfuse, 6, "fw.bin"), STP_FMT_DFUSE);
	cr_assert_eq(stp_image_detect(dfu, 20, "fw.bin"), STP_FMT_DFU);
	/* Binary data starting with ':' or 'S' is not text. */
	cr_assert_eq(stp_image_detect((const uint8_t *)":\x01\x02", 3, NULL),
	             STP_FMT_BIN);
	cr_assert_eq(stp_image_detect((const uint8_t *)"S1\xff", 3, NULL),
	             STP_FMT_BIN);
	/* Extension second, raw binary last. */
	cr_assert_eq(stp_image_detect(d16, 16, "fw.hex"), STP_FMT_IHEX);
	cr_assert_eq(stp_image_detect(d16, 16, "fw.srec"), STP_FMT_SREC);
	cr_assert_eq(stp_image_detect(d16, 16, "fw.xyz"), STP_FMT_BIN);
	cr_assert_eq(stp_image_detect(d16, 16, NULL), STP_FMT_BIN);
	cr_assert_eq(stp_image_detect(NULL, 0, NULL), STP_FMT_BIN);
	/* A garbage .hex is reported as bad HEX, not loaded as binary. */
	t_parse_fail(d16, 16, STP_FMT_AUTO, "fw.hex", 0, STP_ERR_IMAGE,
	             "fw.hex line 1: expected ':'");
}

Test(image_detect, forced_format_wins)
{
	static const char hex[] = ":00000001FF\n";
	stp_image *img = t_parse_ok(hex, strlen(hex), STP_FMT_BIN, "fw.hex",
	                            0x100);

	cr_assert_eq(stp_image_segment(img, 0)->len, strlen(hex));
	stp_image_free(img);
}

Test(image_file, load_and_save)
{
	char *dir = t_tmpdir();
	char *path = t_path(dir, "out.hex");
	stp_image *img = stp_image_new(), *back;
	stp_ctx *ctx = t_ctx();

	stp_image_add(ctx, img, 0, 0x08000000, d16, 16, "a");
	stp_image_set_entry(img, true, 0x08000001);
	cr_assert_eq(stp_image_save(ctx, img, path, STP_FMT_AUTO, NULL),
	             STP_OK, "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_image_load(ctx, path, STP_FMT_AUTO, 0, &back),
	             STP_OK, "%s", stp_last_detail(ctx));
	t_seg(back, 0, 0, 0x08000000, d16, 16);
	cr_assert(stp_image_has_entry(back));
	cr_assert_eq(stp_image_entry(back), 0x08000001);
	stp_image_free(back);
	free(path);

	path = t_path(dir, "missing.hex");
	back = (stp_image *)1;
	cr_assert_eq(stp_image_load(ctx, path, STP_FMT_AUTO, 0, &back),
	             STP_ERR_FILE);
	cr_assert_null(back);
	cr_assert(strstr(stp_last_detail(ctx), "missing.hex: cannot open"));
	free(path);

	path = t_path(dir, "out.unknownext");
	cr_assert_eq(stp_image_save(ctx, img, path, STP_FMT_AUTO, NULL),
	             STP_ERR_ARG);
	free(path);
	path = t_path(dir, "no/such/dir.bin");
	cr_assert_eq(stp_image_save(ctx, img, path, STP_FMT_BIN, NULL),
	             STP_ERR_FILE);
	free(path);
	stp_image_free(img);
	t_rmdir(dir);
}

/* Issue 11 §7: a 2 GiB file was read whole (4 GB of memory, minutes)
 * before the planner said it did not fit, and /dev/zero grew until the
 * allocation failed.  What is read is capped at the largest image the file
 * could be; a larger regular file is refused from its size alone. */
Test(image_file, oversized_files_fail_before_they_are_read)
{
	char *dir = t_tmpdir();
	char *big = t_path(dir, "big.bin"), *bighex = t_path(dir, "big.hex");
	char *edge = t_path(dir, "edge.bin");
	stp_ctx *ctx = t_ctx();
	stp_image *img = (stp_image *)1;
	uint64_t limit = stp_image_default_limit();
	FILE *f;

	/* The largest memory in the database: the 4 MiB of the biggest U5. */
	cr_assert_eq(limit, 4u * 1024 * 1024);
	/* Sparse: 2 GiB of size, no blocks, so the test costs nothing. */
	f = fopen(big, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), (off_t)2 << 30), 0);
	fclose(f);
	cr_assert_eq(stp_image_load(ctx, big, STP_FMT_AUTO, 0x08000000, &img),
	             STP_ERR_IMAGE);
	cr_assert_null(img);
	cr_assert(strstr(stp_last_detail(ctx), "big.bin is 2147483648 bytes; a "
	                 "raw binary can be at most 4 MiB"), "%s",
	          stp_last_detail(ctx));
	/* The same file as HEX text is bounded too, more loosely. */
	cr_assert_eq(rename(big, bighex), 0);
	cr_assert_eq(stp_image_load(ctx, bighex, STP_FMT_IHEX, 0, &img),
	             STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "at most 256 MiB"), "%s",
	          stp_last_detail(ctx));
	/* A caller that knows the chip passes its flash. */
	f = fopen(edge, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), 4097), 0);
	fclose(f);
	cr_assert_eq(stp_image_load_max(ctx, edge, STP_FMT_AUTO, 0x08000000,
	                                4096, "the flash of the chip (4 KiB)",
	                                &img), STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "edge.bin is 4097 bytes; a raw "
	                 "binary can be at most 4 KiB, the flash of the chip"),
	          "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_image_load_max(ctx, edge, STP_FMT_BIN, 0x08000000,
	                                4097, NULL, &img), STP_OK, "%s",
	             stp_last_detail(ctx));
	cr_assert_eq(stp_image_size(img), 4097);
	stp_image_free(img);
	/* Near the top of the address space the space left is the limit. */
	cr_assert_eq(stp_image_load(ctx, edge, STP_FMT_BIN, 0xFFFFF000, &img),
	             STP_ERR_IMAGE);
	cr_assert(strstr(stp_last_detail(ctx), "at 0xFFFFF000 can be at most "
	                 "4 KiB (up to the end of the 4 GiB address space)"),
	          "%s", stp_last_detail(ctx));
	free(big);
	free(bighex);
	free(edge);
	t_rmdir(dir);
}

Test(image_file, special_files_are_read_with_the_cap)
{
	char *dir = t_tmpdir();
	char *fifo = t_path(dir, "fifo.hex");
	stp_ctx *ctx = t_ctx();
	stp_image *img = (stp_image *)1;
	const char *hex = ":0400000001020304F2\n:00000001FF\n";

	/* /dev/zero never ends: it is read up to the cap, then refused. */
	cr_assert_eq(stp_image_load(ctx, "/dev/zero", STP_FMT_AUTO, 0x08000000,
	                            &img), STP_ERR_IMAGE);
	cr_assert_null(img);
	cr_assert(strstr(stp_last_detail(ctx), "/dev/zero is not a regular "
	                 "file; reading stopped after"), "%s",
	          stp_last_detail(ctx));
	cr_assert(strstr(stp_last_detail(ctx), "at most 4 MiB"), "%s",
	          stp_last_detail(ctx));
	/* A directory is no image. */
	cr_assert_eq(stp_image_load(ctx, dir, STP_FMT_AUTO, 0, &img),
	             STP_ERR_FILE);
	cr_assert(strstr(stp_last_detail(ctx), "is a directory, not an image "
	                 "file"), "%s", stp_last_detail(ctx));
	/* A pipe with a real image in it still works (<(objcopy ...)). */
	t_sh("mkfifo '%s' && (printf '%s' > '%s' &)", fifo, hex, fifo);
	cr_assert_eq(stp_image_load(ctx, fifo, STP_FMT_AUTO, 0, &img), STP_OK,
	             "%s", stp_last_detail(ctx));
	cr_assert_eq(stp_image_size(img), 4);
	cr_assert_eq(stp_image_segment(img, 0)->addr, 0);
	cr_assert_eq(stp_image_segment(img, 0)->data[3], 4);
	stp_image_free(img);
	free(fifo);
	t_rmdir(dir);
}

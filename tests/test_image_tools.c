/* The readers and writers against independent tools, run at test time by
 * tests/gen-images.sh: arm-none-eabi-gcc and objcopy (gcc-arm-none-eabi),
 * srec_cat and srec_cmp (srecord), dfuse-pack (dfu-util).  A missing tool
 * skips the test that needs it, naming the package. */
#include "config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_image.h"

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s && *s ? s : ".";
}

static void need_gcc(void)
{
	t_need("arm-none-eabi-gcc", "gcc-arm-none-eabi");
	t_need("arm-none-eabi-objcopy", "binutils-arm-none-eabi");
	t_need("arm-none-eabi-readelf", "binutils-arm-none-eabi");
}

/* Generates the reference files into a fresh directory. */
static char *gen(void)
{
	char *dir = t_tmpdir();

	t_sh("sh '%s/tests/gen-images.sh' '%s' >'%s/gen.log' 2>&1", srcdir(),
	     dir, dir);
	return dir;
}

static stp_image *load(const char *dir, const char *file,
                       stp_image_format fmt, uint32_t base)
{
	char *p = t_path(dir, file);
	stp_image *img = NULL;
	stp_status st = stp_image_load(t_ctx(), p, fmt, base, &img);

	cr_assert_eq(st, STP_OK, "%s: %s", p, stp_last_detail(t_ctx()));
	free(p);
	return img;
}

static uint8_t *file_bytes(const char *dir, const char *file, size_t *len)
{
	char *p = t_path(dir, file);
	uint8_t *b = t_slurp(p, len);

	free(p);
	return b;
}

/* The image as objcopy -O binary would write it: holes as zeros. */
static void assert_same_as_bin(const stp_image *img, const uint8_t *bin,
                               size_t len, const char *what)
{
	stp_write_opts o = {.fill = 0};
	uint8_t *out;
	size_t n;
	uint32_t lo, hi;

	stp_image_span(img, &lo, &hi);
	cr_assert_eq(lo, 0x08000000, "%s starts at 0x%08X", what, lo);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_BIN, &o, &out, &n),
	             STP_OK, "%s", stp_last_detail(t_ctx()));
	cr_assert_eq(n, len, "%s: %zu bytes, objcopy -O binary wrote %zu",
	             what, n, len);
	cr_assert_arr_eq(out, bin, len, "%s differs from fw.bin", what);
	free(out);
}

static uint32_t elf_entry(const char *dir)
{
	size_t n;
	uint8_t *b = file_bytes(dir, "fw.entry", &n);
	uint32_t e;

	b[n] = '\0';
	e = (uint32_t)strtoul((char *)b, NULL, 0);
	free(b);
	return e;
}

Test(image_tools, elf_load_addresses_equal_objcopy_binary)
{
	char *dir;
	stp_image *img;
	uint8_t *bin;
	size_t len, i;
	bool found = false;

	need_gcc();
	dir = gen();
	img = load(dir, "fw.elf", STP_FMT_AUTO, 0);
	bin = file_bytes(dir, "fw.bin", &len);
	/* Everything in flash, nothing at the RAM run address, no .bss. */
	cr_assert_eq(stp_image_segment_count(img), 1);
	cr_assert_lt(stp_image_segment(img, 0)->addr + stp_image_segment(img, 0)->len, 0x08010000);
	assert_same_as_bin(img, bin, len, "fw.elf");
	/* The initial value of `counter` sits in the flash copy of .data. */
	for (i = 0x40; i + 4 <= len; i++)
		if (memcmp(bin + i, "\x78\x56\x34\x12", 4) == 0)
			found = true;
	cr_assert(found, "initialised .data missing from the image");
	cr_assert(stp_image_has_entry(img));
	cr_assert_eq(stp_image_entry(img), elf_entry(dir));
	cr_assert_eq(stp_image_entry(img) & 1, 1, "Thumb entry 0x%08X", stp_image_entry(img));
	free(bin);
	stp_image_free(img);
	t_rmdir(dir);
}

Test(image_tools, objcopy_hex_srec_bin_agree)
{
	static const char *const files[] = {"fw.hex", "fw.srec", "fw.elf"};
	char *dir;
	uint8_t *bin;
	size_t len, i;
	stp_image *img;

	need_gcc();
	dir = gen();
	bin = file_bytes(dir, "fw.bin", &len);
	img = load(dir, "fw.bin", STP_FMT_AUTO, 0x08000000);
	assert_same_as_bin(img, bin, len, "fw.bin");
	stp_image_free(img);
	for (i = 0; i < 3; i++) {
		img = load(dir, files[i], STP_FMT_AUTO, 0);
		assert_same_as_bin(img, bin, len, files[i]);
		cr_assert(stp_image_has_entry(img), "%s has no entry", files[i]);
		cr_assert_eq(stp_image_entry(img), elf_entry(dir), "%s entry 0x%08X",
		             files[i], stp_image_entry(img));
		stp_image_free(img);
	}
	free(bin);
	t_rmdir(dir);
}

Test(image_tools, dfuse_pack_file_loads)
{
	char *dir;
	uint8_t *bin;
	size_t len;
	stp_image *img;

	need_gcc();
	t_need("dfuse-pack", "dfu-util");
	dir = gen();
	bin = file_bytes(dir, "fw.bin", &len);
	img = load(dir, "fw.dfu", STP_FMT_AUTO, 0);
	cr_assert_eq(stp_image_segment_count(img), 1);
	cr_assert_eq(stp_image_segment(img, 0)->alt, 0);
	assert_same_as_bin(img, bin, len, "fw.dfu");
	cr_assert(stp_image_has_dfu_suffix(img));
	cr_assert_eq(stp_image_dfu_vid(img), 0x0483);
	cr_assert_eq(stp_image_dfu_pid(img), 0xDF11);
	cr_assert_str_eq(stp_image_alt_name(img, 0), "ST...");
	free(bin);
	stp_image_free(img);
	t_rmdir(dir);
}

Test(image_tools, dfuse_pack_from_hex_loads)
{
	char *dir;
	uint8_t *bin;
	size_t len;
	stp_image *img;

	need_gcc();
	t_need("dfuse-pack", "dfu-util");
	/* Ask the interpreter dfuse-pack runs under (its #! line), which
	 * need not be the python3 first on PATH. */
	if (system("py=$(sed -n '1s/^#! *//p' \"$(command -v dfuse-pack)\"); "
	           "$py -c 'import intelhex' >/dev/null 2>&1") != 0)
		cr_skip_test("dfuse-pack -i needs the Python intelhex module: "
		             "install the Debian package python3-intelhex");
	dir = gen();
	t_sh("cd '%s' && dfuse-pack -i fw.hex fromhex.dfu >/dev/null", dir);
	bin = file_bytes(dir, "fw.bin", &len);
	img = load(dir, "fromhex.dfu", STP_FMT_AUTO, 0);
	assert_same_as_bin(img, bin, len, "fromhex.dfu");
	free(bin);
	stp_image_free(img);
	t_rmdir(dir);
}

Test(image_tools, srec_cat_gap_hex_keeps_holes)
{
	char *dir;
	uint8_t *bin;
	size_t len;
	stp_image *img;

	need_gcc();
	t_need("srec_cat", "srecord");
	dir = gen();
	bin = file_bytes(dir, "fw.bin", &len);
	cr_assert_gt(len, 0x80);
	img = load(dir, "gap.hex", STP_FMT_AUTO, 0);
	cr_assert_eq(stp_image_segment_count(img), 3);
	t_seg(img, 0, 0, 0x08000000, bin, 0x40);
	t_seg(img, 1, 0, 0x08000080, bin + 0x80, len - 0x80);
	t_seg(img, 2, 0, 0x08010000, bin, len);
	free(bin);
	stp_image_free(img);
	t_rmdir(dir);
}

Test(image_tools, our_hex_and_srec_read_by_srec_cat)
{
	char *dir, *p;
	stp_image *img;
	uint8_t *bin, *back;
	size_t len, blen;

	need_gcc();
	t_need("srec_cat", "srecord");
	t_need("srec_cmp", "srecord");
	dir = gen();
	bin = file_bytes(dir, "fw.bin", &len);
	img = load(dir, "fw.elf", STP_FMT_AUTO, 0);
	p = t_path(dir, "ours.hex");
	cr_assert_eq(stp_image_save(t_ctx(), img, p, STP_FMT_AUTO, NULL),
	             STP_OK);
	free(p);
	p = t_path(dir, "ours.srec");
	cr_assert_eq(stp_image_save(t_ctx(), img, p, STP_FMT_AUTO, NULL),
	             STP_OK);
	free(p);
	stp_image_free(img);
	t_sh("cd '%s' && srec_cat ours.hex -intel -offset -0x08000000 "
	     "-o hex.bin -binary", dir);
	t_sh("cd '%s' && srec_cat ours.srec -motorola -offset -0x08000000 "
	     "-o srec.bin -binary", dir);
	back = file_bytes(dir, "hex.bin", &blen);
	cr_assert_eq(blen, len);
	cr_assert_arr_eq(back, bin, len, "srec_cat reads ours.hex differently");
	free(back);
	back = file_bytes(dir, "srec.bin", &blen);
	cr_assert_eq(blen, len);
	cr_assert_arr_eq(back, bin, len, "srec_cat reads ours.srec differently");
	free(back);
	/* And the file with holes, compared by srec_cmp (holes count). */
	img = load(dir, "gap.hex", STP_FMT_AUTO, 0);
	p = t_path(dir, "gap_ours.hex");
	cr_assert_eq(stp_image_save(t_ctx(), img, p, STP_FMT_IHEX, NULL),
	             STP_OK);
	free(p);
	p = t_path(dir, "gap_ours.srec");
	cr_assert_eq(stp_image_save(t_ctx(), img, p, STP_FMT_SREC, NULL),
	             STP_OK);
	free(p);
	stp_image_free(img);
	t_sh("cd '%s' && srec_cmp gap_ours.hex -intel gap.hex -intel", dir);
	t_sh("cd '%s' && srec_cmp gap_ours.srec -motorola gap.hex -intel", dir);
	free(bin);
	t_rmdir(dir);
}

Test(image_tools, our_dfuse_accepted_by_dfuse_pack)
{
	char *dir, *p;
	stp_image *img, *back;
	uint8_t *bin, *dump, *ours, *again;
	size_t len, dlen, olen, alen;
	stp_write_opts o = {.vid = 0x1209, .pid = 0x0001, .bcd_device = 0x0102};

	need_gcc();
	t_need("dfuse-pack", "dfu-util");
	dir = gen();
	bin = file_bytes(dir, "fw.bin", &len);
	img = load(dir, "fw.elf", STP_FMT_AUTO, 0);
	/* A second target (alt 1) with a name, and a hole in alt 0. */
	cr_assert_eq(stp_image_add(t_ctx(), img, 1, 0x1FFFC000,
	                           (const uint8_t *)"\xAA\xBB\xCC\xDD", 4,
	                           "ob"), STP_OK);
	cr_assert_eq(stp_image_add(t_ctx(), img, 0, 0x08008000, bin, 16,
	                           "far"), STP_OK);
	cr_assert_eq(stp_image_set_alt_name(t_ctx(), img, 1, "@Option Bytes  /0x1FFFC000/01*016 e"), STP_OK);
	p = t_path(dir, "ours.dfu");
	cr_assert_eq(stp_image_save(t_ctx(), img, p, STP_FMT_DFUSE, &o),
	             STP_OK);
	free(p);
	t_sh("cd '%s' && dfuse-pack -d ours.dfu > dump.log 2>&1 && "
	     "! grep -i error dump.log && "
	     "grep -q 'usb: 1209:0001, device: 0x0102, dfu: 0x011a' dump.log",
	     dir);
	dump = file_bytes(dir, "ours.dfu.target0.image0.bin", &dlen);
	cr_assert_eq(dlen, len);
	cr_assert_arr_eq(dump, bin, len);
	free(dump);
	dump = file_bytes(dir, "ours.dfu.target0.image1.bin", &dlen);
	cr_assert_eq(dlen, 16);
	cr_assert_arr_eq(dump, bin, 16);
	free(dump);
	dump = file_bytes(dir, "ours.dfu.target1.image0.bin", &dlen);
	cr_assert_eq(dlen, 4);
	cr_assert_arr_eq(dump, "\xAA\xBB\xCC\xDD", 4);
	free(dump);
	t_sh("grep -q 'Target. 1, alt setting: 1, name: \"b.@Option Bytes' "
	     "'%s/dump.log'", dir);

	/* Byte-exact round trip through our reader and writer. */
	ours = file_bytes(dir, "ours.dfu", &olen);
	back = t_parse_ok(ours, olen, STP_FMT_AUTO, "ours.dfu", 0);
	cr_assert_eq(stp_image_dfu_vid(back), 0x1209);
	cr_assert_eq(stp_image_write(t_ctx(), back, STP_FMT_DFUSE, &o, &again,
	                             &alen), STP_OK);
	cr_assert_eq(alen, olen);
	cr_assert_arr_eq(again, ours, olen);
	free(again);
	free(ours);
	stp_image_free(back);
	stp_image_free(img);
	free(bin);
	t_rmdir(dir);
}

Test(image_tools, dfuse_pack_file_rewritten_identically)
{
	char *dir;
	stp_image *img;
	uint8_t *theirs, *ours;
	size_t tlen, olen;
	stp_write_opts o = {0};

	need_gcc();
	t_need("dfuse-pack", "dfu-util");
	dir = gen();
	theirs = file_bytes(dir, "fw.dfu", &tlen);
	img = load(dir, "fw.dfu", STP_FMT_AUTO, 0);
	cr_assert_eq(stp_image_write(t_ctx(), img, STP_FMT_DFUSE, &o, &ours,
	                             &olen), STP_OK);
	cr_assert_eq(olen, tlen);
	/* Prefix, target and element identical; the suffix differs only in
	 * bcdDevice (dfuse-pack writes 0, our default is 0xFFFF) and so in
	 * the CRC. */
	cr_assert_arr_eq(ours, theirs, tlen - 16);
	cr_assert_arr_eq(ours + tlen - 14, theirs + tlen - 14, 10);
	free(ours);
	free(theirs);
	stp_image_free(img);
	t_rmdir(dir);
}

/* libFuzzer harness: a plain file with a DFU 1.1 suffix (bcdDFU 0x0100),
 * its body raw bytes at the base.  The input is read as it is and, when
 * its suffix CRC is wrong, once more with the CRC put right.  What it
 * reads is one segment holding the body; written as a DFU file and read
 * back it is the same, suffix IDs included, and it survives Intel HEX. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size)
{
	stp_image *img = fuzz_image_read(data, size, STP_FMT_DFU, FUZZ_BASE);
	stp_write_opts opts = {.fill = 0xFF};
	stp_image *back;

	if (!img)
		return;
	fuzz_check(stp_image_has_dfu_suffix(img), "read without a suffix");
	fuzz_check(stp_image_segment_count(img) <= 1,
	           "a DFU file is more than one segment");
	if (stp_image_segment_count(img)) {
		const stp_segment *s = stp_image_segment(img, 0);

		fuzz_check(s->addr == FUZZ_BASE && s->len < size &&
		           memcmp(s->data, data, s->len) == 0,
		           "the body is not the file's first bytes at the base");
	}
	opts.vid = stp_image_dfu_vid(img);
	opts.pid = stp_image_dfu_pid(img);
	opts.bcd_device = stp_image_dfu_bcd_device(img);
	back = fuzz_image_roundtrip(img, STP_FMT_DFU, FUZZ_BASE, &opts);
	if (back) {
		fuzz_check(stp_image_has_dfu_suffix(back), "suffix lost");
		if (opts.vid && opts.pid && opts.bcd_device)
			fuzz_check(stp_image_dfu_vid(back) == opts.vid &&
			           stp_image_dfu_pid(back) == opts.pid &&
			           stp_image_dfu_bcd_device(back) ==
			           opts.bcd_device,
			           "round trip changed the suffix IDs");
		stp_image_free(back);
	}
	fuzz_image_roundtrip_text(img, STP_FMT_IHEX);
	stp_image_free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = fuzz_fix_dfu_crc(data, size);

	one(data, size);
	if (fixed) {
		one(fixed, size);
		free(fixed);
	}
	return 0;
}

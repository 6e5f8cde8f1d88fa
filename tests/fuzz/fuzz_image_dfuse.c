/* libFuzzer harness: the DfuSe (.dfu) reader.  The input is read as it
 * is and, when its suffix CRC is wrong, once more with the CRC put right,
 * so the fuzzer reaches the prefix, targets and elements behind the
 * check.  What it reads is written as DfuSe again and read back: same
 * alternate settings, segments, bytes, target names and suffix IDs. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size)
{
	stp_image *img = fuzz_image_read(data, size, STP_FMT_DFUSE, 0);
	stp_write_opts opts = {.fill = 0xFF};
	stp_image *back;

	if (!img)
		return;
	/* 0 asks the writer for its default, so only non-zero IDs can be
	 * carried over verbatim. */
	if (stp_image_has_dfu_suffix(img)) {
		opts.vid = stp_image_dfu_vid(img);
		opts.pid = stp_image_dfu_pid(img);
		opts.bcd_device = stp_image_dfu_bcd_device(img);
	}
	back = fuzz_image_roundtrip(img, STP_FMT_DFUSE, 0, &opts);
	if (back) {
		fuzz_check(stp_image_has_dfu_suffix(back), "suffix lost");
		if (opts.vid && opts.pid && opts.bcd_device)
			fuzz_check(stp_image_dfu_vid(back) == opts.vid &&
			           stp_image_dfu_pid(back) == opts.pid &&
			           stp_image_dfu_bcd_device(back) ==
			           opts.bcd_device,
			           "round trip changed the suffix IDs");
		for (unsigned alt = 0; alt < 256; alt++) {
			const char *a = stp_image_alt_name(img, (uint8_t)alt);
			const char *b = stp_image_alt_name(back, (uint8_t)alt);

			/* An alt with no data is not written, so its name
			 * may go; a name that comes back must be the same. */
			if (b)
				fuzz_check(a && strcmp(a, b) == 0,
				           "round trip changed a target name");
		}
		stp_image_free(back);
	}
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

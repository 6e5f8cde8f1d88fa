/* libFuzzer harness: the raw binary reader.  Every byte is data at the
 * base address, so the property is exact: one segment holding the input,
 * written back as a binary it is the input again, and through Intel HEX
 * and S-records it comes back unchanged. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stp_image *img = fuzz_image_read(data, size, STP_FMT_BIN, FUZZ_BASE);
	stp_ctx *ctx;
	uint8_t *out = NULL;
	size_t outlen = 0;

	if (!img)
		return 0;
	if (size) {
		const stp_segment *s = stp_image_segment(img, 0);

		fuzz_check(stp_image_segment_count(img) == 1 &&
		           s->addr == FUZZ_BASE && s->len == size &&
		           memcmp(s->data, data, size) == 0,
		           "a binary is not its bytes at the base");
		ctx = stp_ctx_new();
		fuzz_check(ctx != NULL, "no context");
		fuzz_check(stp_image_write(ctx, img, STP_FMT_BIN, NULL, &out,
		                           &outlen) == STP_OK,
		           "writing a binary failed");
		fuzz_check(outlen == size && memcmp(out, data, size) == 0,
		           "a binary written back differs from its input");
		free(out);
		stp_ctx_free(ctx);
	} else {
		fuzz_check(stp_image_segment_count(img) == 0,
		           "an empty binary holds data");
	}
	fuzz_image_roundtrip_text(img, STP_FMT_IHEX);
	fuzz_image_roundtrip_text(img, STP_FMT_SREC);
	stp_image_free(img);
	return 0;
}

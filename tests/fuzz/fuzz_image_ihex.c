/* libFuzzer harness: the Intel HEX reader.  What it reads must keep the
 * image model's promises and survive being written as Intel HEX and as
 * S-records and read back: same segments, same bytes, same start address
 * when the input gave one. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz_image_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stp_image *img = fuzz_image_read(data, size, STP_FMT_IHEX, FUZZ_BASE);

	if (!img)
		return 0;
	fuzz_image_roundtrip_text(img, STP_FMT_IHEX);
	fuzz_image_roundtrip_text(img, STP_FMT_SREC);
	stp_image_free(img);
	return 0;
}

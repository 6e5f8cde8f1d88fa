/* libFuzzer harness: what the DFU backend reads from USB descriptors
 * (backends/dfu/dfu_usb.c): the DFU functional descriptor found among an
 * interface's or a configuration's extra bytes, and the text of string
 * descriptors (serial, product, the alternate settings' names that carry
 * DfuSe layouts) as libusb hands it over.
 *
 * Input: one control byte (bit 0: rc is a libusb error; bits 1-7 with
 * the next byte: the string buffer's size), then the bytes, used both as
 * descriptor bytes and as the string's text.
 *
 * Properties: no memory error or undefined behaviour (the descriptor
 * bytes sit in a buffer of exactly their size); a functional descriptor
 * is only reported where the bytes hold one, whole, reached by walking
 * bLength, and its fields are that descriptor's; a string is always
 * terminated inside its buffer and, once made text, printable ASCII only,
 * and making it text again changes nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu_usb.h"
#include "fuzz_fake_input.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: property failed: %s\n", what);
		abort();
	}
}

static void functional(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	dfu_found f;
	bool found;
	size_t o;

	if (!p)
		abort();
	memcpy(p, data, size);
	memset(&f, 0xEE, sizeof(f));
	found = dfu_usb_functional(p, (int)size, &f);
	/* Walk the descriptors the way USB chains them. */
	for (o = 0; o + 2 <= size && p[o] >= 2 && o + p[o] <= size; o += p[o])
		if (p[o + 1] == DFU_FUNC_DESC && p[o] >= 7)
			break;
	if (!found) {
		check(f.xfer == 0xEEEE && f.attrs == 0xEE,
		      "no functional descriptor, yet fields were set");
		check(!(o + 2 <= size && p[o] >= 7 && o + p[o] <= size &&
		        p[o + 1] == DFU_FUNC_DESC),
		      "a whole functional descriptor was missed");
	} else {
		check(o + 7 <= size && o + p[o] <= size,
		      "a functional descriptor reported past the bytes");
		check(f.attrs == p[o + 2] &&
		      f.detach_ms == (uint16_t)(p[o + 3] | p[o + 4] << 8) &&
		      f.xfer == (uint16_t)(p[o + 5] | p[o + 6] << 8) &&
		      f.bcd_dfu == (p[o] >= 9 ? (uint16_t)(p[o + 7] | p[o + 8] << 8)
		                              : 0x0100),
		      "the functional descriptor's fields are not its bytes");
	}
	free(p);
}

static void string_text(uint8_t how, size_t len, const uint8_t *data,
                        size_t size)
{
	char *buf = malloc(len);
	char *again;
	size_t n = size < len - 1 ? size : len - 1;
	int rc;

	if (!buf)
		abort();
	/* What libusb leaves: on success the text, terminated; on an error
	 * whatever the buffer held. */
	memcpy(buf, data, n);
	if (how & 1) {
		rc = -1 - (int)(n % 12);
		if (n < len)
			buf[n] = (char)0x9B; /* not terminated */
		memset(buf + n, 0x9B, len - n);
	} else {
		buf[n] = '\0';
		rc = (int)strlen(buf);
	}
	dfu_usb_string_text(buf, len, rc);
	check(memchr(buf, '\0', len) != NULL, "a string left unterminated");
	for (const unsigned char *c = (const unsigned char *)buf; *c; c++)
		check(*c >= 0x20 && *c < 0x7F, "a device string not escaped");
	again = malloc(len);
	if (!again)
		abort();
	memcpy(again, buf, len);
	dfu_usb_string_text(again, len, (int)strlen(again));
	check(!strcmp(again, buf), "escaping a string twice changed it");
	free(again);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t how;
	size_t len;

	if (size < 2)
		return 0;
	how = data[0];
	/* 1..256 bytes, like the backend's buffers (64, 128, 256). */
	len = 1u + (size_t)((how >> 1) << 1 | (data[1] & 1));
	data += 2;
	size -= 2;
	functional(data, size);
	string_text(how, len, data, size);
	return 0;
}

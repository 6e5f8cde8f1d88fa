/* serial_rule.c: a serial number as the bytes written to the board and
 * the text people read (serial_rule.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "serial_rule.h"

static bool is_ascii(const line_serial_rule *r)
{
	return r->encoding == LINE_SERIAL_ASCII_DEC ||
	       r->encoding == LINE_SERIAL_ASCII_HEX;
}

size_t line_serial_size(const line_serial_rule *r)
{
	switch (r->encoding) {
	case LINE_SERIAL_LE32:
	case LINE_SERIAL_BE32:
		return 4;
	case LINE_SERIAL_LE64:
	case LINE_SERIAL_BE64:
		return 8;
	case LINE_SERIAL_ASCII_DEC:
	case LINE_SERIAL_ASCII_HEX:
		return strlen(r->prefix) + r->digits;
	}
	return 0;
}

uint64_t line_serial_max(const line_serial_rule *r)
{
	uint64_t max = 0;

	switch (r->encoding) {
	case LINE_SERIAL_LE32:
	case LINE_SERIAL_BE32:
		return UINT32_MAX;
	case LINE_SERIAL_LE64:
	case LINE_SERIAL_BE64:
		return UINT64_MAX;
	case LINE_SERIAL_ASCII_DEC:
		/* 10^digits - 1, stopping where uint64_t ends (20 digits hold
		 * every 64-bit value). */
		if (r->digits == 0)
			return 0;
		if (r->digits >= 20)
			return UINT64_MAX;
		max = 1;
		for (unsigned i = 0; i < r->digits; i++)
			max *= 10;
		return max - 1;
	case LINE_SERIAL_ASCII_HEX:
		if (r->digits == 0)
			return 0;
		if (r->digits >= 16)
			return UINT64_MAX;
		return (UINT64_C(1) << (4 * r->digits)) - 1;
	}
	return 0;
}

int line_serial_encode(const line_serial_rule *r, uint64_t serial,
                       uint8_t *out, size_t outlen, char *text, size_t textlen)
{
	size_t size = line_serial_size(r);
	char ascii[LINE_SERIAL_TEXT_MAX];
	int n;

	if (size == 0 || outlen < size || serial > line_serial_max(r))
		return -1;
	if (is_ascii(r)) {
		n = snprintf(ascii, sizeof(ascii),
		             r->encoding == LINE_SERIAL_ASCII_DEC ?
		             "%s%0*" PRIu64 : "%s%0*" PRIX64,
		             r->prefix, (int)r->digits, serial);
		if (n < 0 || (size_t)n != size)
			return -1;
		memcpy(out, ascii, size);
		if (text && textlen)
			snprintf(text, textlen, "%s", ascii);
		return 0;
	}
	for (size_t i = 0; i < size; i++) {
		uint8_t byte = (uint8_t)(serial >> (8 * i));

		if (r->encoding == LINE_SERIAL_LE32 ||
		    r->encoding == LINE_SERIAL_LE64)
			out[i] = byte;
		else
			out[size - 1 - i] = byte;
	}
	if (text && textlen)
		snprintf(text, textlen, "0x%0*" PRIX64, (int)(2 * size), serial);
	return 0;
}

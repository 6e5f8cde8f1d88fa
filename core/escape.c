/* libstmprog: device-supplied strings made safe to print.
 *
 * USB string descriptors (product, serial, DfuSe alternate-setting names)
 * and anything else a device or adapter reports come from the other end
 * of a cable.  Printed raw, an ESC byte in them would reach the user's
 * terminal as a control sequence (move the cursor, rewrite earlier lines,
 * change the title), so a hostile or broken device could make stmprog's
 * output say something it did not.  Every such string passes through
 * stp_escape before it is stored where a front-end may print it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stmprog/context.h"

/* Printable ASCII stays as it is.  The backslash does too: a string is
 * escaped where a backend reads it and again by the core, whichever
 * backend it came from, so escaping must change nothing the second time.
 * A device that sends the four characters "\x1B" only prints them. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7F;
}

char *stp_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	char small[256];
	char *copy = NULL;
	size_t o = 0;

	if (!dst || !dstlen)
		return dst;
	if (!src)
		src = "";
	/* dst may be src itself (escaping in place), and escapes grow the
	 * text, so read from a copy then. */
	if (dst == src) {
		size_t n = strlen(src) + 1;
		if (n <= sizeof(small)) {
			memcpy(small, src, n);
			src = small;
		} else if ((copy = malloc(n))) {
			memcpy(copy, src, n);
			src = copy;
		} else {
			/* No memory for a copy: keep only what needs no
			 * escape, which cannot grow. */
			for (size_t i = 0; dst[i]; i++)
				if (!plain((unsigned char)dst[i]))
					dst[i] = '?';
			return dst;
		}
	}
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		if (plain(*p)) {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)*p;
			continue;
		}
		/* A whole escape or none: a cut "\x1" would mislead. */
		if (o + 4 >= dstlen)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[*p >> 4];
		dst[o++] = hex[*p & 15];
	}
	dst[o] = '\0';
	free(copy);
	return dst;
}

/* Splits a fuzz input into NUL-terminated words at its NUL bytes, the way
 * argv reaches a program: the harnesses of word-based parsers (the port
 * specification, option-byte assignments, the command line) share it. */
#ifndef STMPROG_FUZZ_SPLIT_H
#define STMPROG_FUZZ_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_words {
	char *buf;      /* the input plus a final NUL */
	char **word;    /* max + 1 entries, word[n] == NULL */
	int n;
} fuzz_words;

/* At most max words, the first `first` entries (e.g. argv[0]) given by
 * the caller and not counted against the input.  Returns false when out
 * of memory. */
static inline bool fuzz_split(const uint8_t *data, size_t size, int max,
                              const char *first, fuzz_words *w)
{
	size_t i, start = 0;

	w->n = 0;
	w->buf = malloc(size + 1);
	w->word = calloc((size_t)max + 2, sizeof(*w->word));
	if (!w->buf || !w->word) {
		free(w->buf);
		free(w->word);
		return false;
	}
	memcpy(w->buf, data, size);
	w->buf[size] = '\0';
	if (first)
		w->word[w->n++] = (char *)first;
	for (i = 0; i <= size && w->n <= max; i++)
		if (w->buf[i] == '\0') {
			w->word[w->n++] = w->buf + start;
			start = i + 1;
		}
	w->word[w->n] = NULL;
	return true;
}

static inline void fuzz_words_free(fuzz_words *w)
{
	free(w->buf);
	free(w->word);
}

#endif

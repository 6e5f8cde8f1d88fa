/* libstmprog: option-byte presets (-ob FILE), see stmprog/option_bytes.h.
 *
 * A preset is a list of the same KEY=VALUE assignments -ob takes on the
 * command line, one a line, so a production line keeps its settings in a
 * reviewed file.  This file only reads the form; the chip's fields and
 * the values are checked by stp_ob_apply with the whole set at once, so a
 * bad line anywhere stops the run before any write.  stp_ob_apply quotes
 * the assignment, not the line it came from, so whatever can be named by
 * FILE:LINE is checked here: the form, a key given twice, an empty set.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stmprog/option_bytes.h"

/* Longer lines than this are not assignments anyone wrote by hand. */
#define LINE_MAX_LEN 256

void stp_ob_preset_free(char **words, size_t n)
{
	if (!words)
		return;
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* One "KEY = VALUE" line into "KEY=VALUE" (spaces around '=' dropped);
 * NULL with *why set when it is not that form. */
static char *assignment(char *line, const char **why)
{
	char *eq = strchr(line, '='), *key, *val, *out;
	size_t klen;

	if (!eq) {
		*why = "is not KEY=VALUE";
		return NULL;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (!*key || !*val) {
		*why = !*key ? "has no field name before '='"
		             : "has no value after '='";
		return NULL;
	}
	for (const char *p = key; *p; p++)
		if (!key_char(*p)) {
			*why = "has a field name with characters other than "
			       "letters, digits and '_'";
			return NULL;
		}
	for (const char *p = val; *p; p++)
		if (isspace((unsigned char)*p)) {
			*why = "has more than one value (one KEY=VALUE a line)";
			return NULL;
		}
	klen = strlen(key);
	out = malloc(klen + strlen(val) + 2);
	if (out)
		sprintf(out, "%s=%s", key, val);
	return out;
}

static size_t key_len(const char *w)
{
	return (size_t)(strchr(w, '=') - w);
}

stp_status stp_ob_preset_load(stp_ctx *ctx, const char *path, char ***words,
                              size_t *n)
{
	char buf[LINE_MAX_LEN + 2];
	char **list = NULL;
	unsigned *lines = NULL;
	size_t count = 0, cap = 0;
	unsigned lineno = 0;
	stp_status st = STP_OK;
	FILE *f;

	if (!path || !words || !n)
		return stp_fail(ctx, STP_ERR_ARG, NULL,
		                "stp_ob_preset_load: NULL argument");
	*words = NULL;
	*n = 0;
	f = fopen(path, "r");
	if (!f)
		return stp_fail(ctx, STP_ERR_FILE, NULL,
		                "option-byte preset %s: %s", path, strerror(errno));

	while (!st && fgets(buf, sizeof(buf), f)) {
		const char *why = NULL;
		char *line, *hash, *w;

		lineno++;
		if (!strchr(buf, '\n') && !feof(f)) {
			st = stp_fail(ctx, STP_ERR_ARG,
			              "write one KEY=VALUE assignment a line",
			              "%s:%u: line longer than %d characters", path,
			              lineno, LINE_MAX_LEN);
			break;
		}
		if ((hash = strchr(buf, '#')))
			*hash = '\0';
		line = trim(buf);
		if (!*line)
			continue;
		if (!(w = assignment(line, &why))) {
			if (!why) {
				st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
				break;
			}
			st = stp_fail(ctx, STP_ERR_ARG,
			              "write each line as KEY=VALUE, e.g. RDP=0xAA; "
			              "'#' starts a comment",
			              "%s:%u: '%s' %s", path, lineno, line, why);
			break;
		}
		for (size_t i = 0; i < count; i++)
			if (key_len(list[i]) == key_len(w) &&
			    !strncasecmp(list[i], w, key_len(w))) {
				st = stp_fail(ctx, STP_ERR_ARG,
				              "keep one line per field",
				              "%s:%u: %.*s is already set on line %u",
				              path, lineno, (int)key_len(w), w, lines[i]);
				break;
			}
		if (!st && count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **nl = realloc(list, ncap * sizeof(*nl));
			unsigned *nn = nl ? realloc(lines, ncap * sizeof(*nn)) : NULL;
			if (nl)
				list = nl;
			if (nn)
				lines = nn;
			if (!nl || !nn)
				st = stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
			else
				cap = ncap;
		}
		if (st) {
			free(w);
			break;
		}
		lines[count] = lineno;
		list[count++] = w;
	}
	if (!st && ferror(f))
		st = stp_fail(ctx, STP_ERR_FILE, NULL, "option-byte preset %s: "
		              "read error", path);
	fclose(f);
	if (!st && count == 0)
		st = stp_fail(ctx, STP_ERR_ARG,
		              "write one KEY=VALUE line per field, e.g. RDP=0xAA",
		              "%s: no option-byte assignment in the file", path);
	free(lines);
	if (st) {
		stp_ob_preset_free(list, count);
		return st;
	}
	*words = list;
	*n = count;
	return STP_OK;
}

/* yaml_doc.c: typed getters over libyaml's document tree, each failure
 * naming the file, the line and the key (yaml_doc.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_doc.h"

unsigned ydoc_line(const yaml_node_t *node)
{
	return node ? (unsigned)node->start_mark.line + 1 : 0;
}

int ydoc_fail(ydoc *d, const yaml_node_t *at, const char *key,
              const char *fmt, ...)
{
	size_t n = 0;
	int w;
	va_list ap;

	if (!d->err || !d->errlen)
		return -1;
	if (at)
		w = snprintf(d->err, d->errlen, "%s:%u: ", d->path,
		             ydoc_line(at));
	else
		w = snprintf(d->err, d->errlen, "%s: ", d->path);
	n = w > 0 ? (size_t)w : 0;
	if (key && *key && n < d->errlen) {
		w = snprintf(d->err + n, d->errlen - n, "%s: ", key);
		n += w > 0 ? (size_t)w : 0;
	}
	if (n < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + n, d->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void ydoc_keypath(const char *path, const char *key, char *buf, size_t len)
{
	if (path && *path)
		snprintf(buf, len, "%s.%s", path, key);
	else
		snprintf(buf, len, "%s", key);
}

void ydoc_itempath(const char *path, size_t index, char *buf, size_t len)
{
	snprintf(buf, len, "%s[%zu]", path, index + 1);
}

int ydoc_load(ydoc *d, const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	FILE *f;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->err = err;
	d->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "rb");
	if (!f)
		return ydoc_fail(d, NULL, NULL, "cannot open: %s",
		                 strerror(errno));
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return ydoc_fail(d, NULL, NULL, "out of memory");
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &d->doc)) {
		/* libyaml counts lines from 0. */
		snprintf(err, errlen, "%s:%zu: YAML syntax: %s%s%s", path,
		         parser.problem_mark.line + 1,
		         parser.problem ? parser.problem : "unreadable",
		         parser.context ? " " : "",
		         parser.context ? parser.context : "");
		goto out;
	}
	d->loaded = true;
	if (!yaml_document_get_root_node(&d->doc)) {
		ydoc_fail(d, NULL, NULL, "the file holds no YAML document; "
		          "docs/production.md shows one");
		goto out;
	}
	/* One file, one document: a second one would be ignored silently. */
	if (!yaml_parser_load(&parser, &extra)) {
		snprintf(err, errlen, "%s:%zu: YAML syntax: %s%s%s", path,
		         parser.problem_mark.line + 1,
		         parser.problem ? parser.problem : "unreadable",
		         parser.context ? " " : "",
		         parser.context ? parser.context : "");
		goto out;
	}
	if (yaml_document_get_root_node(&extra)) {
		yaml_node_t *second = yaml_document_get_root_node(&extra);

		snprintf(err, errlen, "%s:%zu: a second YAML document ('---'); "
		         "keep one document per file", path,
		         second->start_mark.line + 1);
		yaml_document_delete(&extra);
		goto out;
	}
	yaml_document_delete(&extra);
	rc = 0;
out:
	yaml_parser_delete(&parser);
	fclose(f);
	if (rc)
		ydoc_free(d);
	return rc;
}

void ydoc_free(ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}

yaml_node_t *ydoc_root(ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool ydoc_is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(scalar(node), nulls[i]))
			return true;
	return false;
}

/* Edit distance, for "did you mean": keys are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64], prev, tmp;

	if (lb >= sizeof(row) / sizeof(row[0]))
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *nearest(const char *key, const char *const *known)
{
	const char *best = known[0];
	size_t bestd = (size_t)-1;

	for (size_t i = 0; known[i]; i++) {
		size_t dist = distance(key, known[i]);

		if (dist < bestd) {
			bestd = dist;
			best = known[i];
		}
	}
	return best;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a single value";
	}
}

int ydoc_map(ydoc *d, yaml_node_t *node, const char *path,
             const char *const *known, ymap *out)
{
	yaml_node_pair_t *p, *q;

	memset(out, 0, sizeof(*out));
	out->d = d;
	out->node = node;
	snprintf(out->path, sizeof(out->path), "%s", path);
	if (node->type != YAML_MAPPING_NODE)
		return ydoc_fail(d, node, path, "%s where KEY: VALUE lines "
		                 "belong; write %s as a mapping",
		                 node_kind(node), *path ? path : "the file");
	for (p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&d->doc, p->key);
		char kp[160];
		bool found = false;

		if (k->type != YAML_SCALAR_NODE)
			return ydoc_fail(d, k, path, "a key is %s; keys are "
			                 "plain words", node_kind(k));
		ydoc_keypath(path, scalar(k), kp, sizeof(kp));
		for (size_t i = 0; known[i] && !found; i++)
			found = !strcmp(known[i], scalar(k));
		if (!found)
			return ydoc_fail(d, k, kp, "unknown key '%s'; did you "
			                 "mean '%s'?", scalar(k),
			                 nearest(scalar(k), known));
		for (q = node->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k0 = yaml_document_get_node(&d->doc,
			                                         q->key);

			if (!strcmp(scalar(k0), scalar(k)))
				return ydoc_fail(d, k, kp, "given twice (first "
				                 "on line %u); keep one",
				                 ydoc_line(k0));
		}
	}
	return 0;
}

static yaml_node_pair_t *find_pair(const ymap *m, const char *key)
{
	for (yaml_node_pair_t *p = m->node->data.mapping.pairs.start;
	     p < m->node->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&m->d->doc, p->key);

		if (!strcmp(scalar(k), key))
			return p;
	}
	return NULL;
}

yaml_node_t *ymap_value(const ymap *m, const char *key)
{
	yaml_node_pair_t *p = find_pair(m, key);

	return p ? yaml_document_get_node(&m->d->doc, p->value) : NULL;
}

yaml_node_t *ymap_key(const ymap *m, const char *key)
{
	yaml_node_pair_t *p = find_pair(m, key);

	return p ? yaml_document_get_node(&m->d->doc, p->key) : NULL;
}

/* Finds key; 1 when absent and optional, -1 when absent and required
 * or present without a value, 0 with *node set. */
static int lookup(const ymap *m, const char *key, bool required,
                  const char *what, yaml_node_t **node, char *kp,
                  size_t kplen)
{
	ydoc_keypath(m->path, key, kp, kplen);
	*node = ymap_value(m, key);
	if (!*node) {
		if (!required)
			return 1;
		return ydoc_fail(m->d, m->node, kp, "missing; give %s", what);
	}
	if (ydoc_is_null(*node))
		return ydoc_fail(m->d, *node, kp, "no value; give %s", what);
	return 0;
}

int ydoc_scalar_str(ydoc *d, yaml_node_t *node, const char *keypath,
                    size_t maxlen, const char *what, char **out)
{
	size_t len;

	if (node->type != YAML_SCALAR_NODE)
		return ydoc_fail(d, node, keypath, "%s; give %s",
		                 node_kind(node), what);
	if (ydoc_is_null(node))
		return ydoc_fail(d, node, keypath, "no value; give %s", what);
	len = node->data.scalar.length;
	if (len == 0)
		return ydoc_fail(d, node, keypath, "empty; give %s", what);
	if (memchr(node->data.scalar.value, '\0', len))
		return ydoc_fail(d, node, keypath, "holds a NUL character; "
		                 "give %s", what);
	if (len > maxlen)
		return ydoc_fail(d, node, keypath, "%zu characters, at most "
		                 "%zu fit; give %s", len, maxlen, what);
	*out = strdup(scalar(node));
	if (!*out)
		return ydoc_fail(d, node, keypath, "out of memory");
	return 0;
}

int ymap_str(const ymap *m, const char *key, bool required, size_t maxlen,
             const char *what, char **out)
{
	yaml_node_t *node;
	char kp[160];
	int rc = lookup(m, key, required, what, &node, kp, sizeof(kp));

	if (rc)
		return rc;
	return ydoc_scalar_str(m->d, node, kp, maxlen, what, out);
}

/* Decimal or 0x hex, nothing else (no sign, no spaces, no octal). */
static bool parse_number(const char *s, uint64_t *out)
{
	int base = 10;
	char *end;
	unsigned long long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		      (*s >= 'A' && *s <= 'F')))
			return false;
	} else if (!(*s >= '0' && *s <= '9')) {
		return false;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

int ymap_uint(const ymap *m, const char *key, bool required, uint64_t min,
              uint64_t max, const char *what, uint64_t *out)
{
	yaml_node_t *node;
	char kp[160];
	uint64_t v;
	int rc = lookup(m, key, required, what, &node, kp, sizeof(kp));

	if (rc)
		return rc;
	if (node->type != YAML_SCALAR_NODE)
		return ydoc_fail(m->d, node, kp, "%s; give %s, a number",
		                 node_kind(node), what);
	if (!parse_number(scalar(node), &v))
		return ydoc_fail(m->d, node, kp, "'%s' is not a number; give "
		                 "%s (decimal, or hex with 0x)", scalar(node),
		                 what);
	if (v < min || v > max)
		return ydoc_fail(m->d, node, kp, "%s is out of range; give %s "
		                 "from %" PRIu64 " to %" PRIu64 " (0x%" PRIX64
		                 ")", scalar(node), what, min, max, max);
	*out = v;
	return 0;
}

int ymap_word(const ymap *m, const char *key, bool required,
              const char *const *words, int *out)
{
	yaml_node_t *node;
	char kp[160], list[256] = "";
	int rc;

	for (size_t i = 0; words[i]; i++) {
		size_t n = strlen(list);

		snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
		         words[i]);
	}
	rc = lookup(m, key, required, list, &node, kp, sizeof(kp));
	if (rc)
		return rc;
	if (node->type != YAML_SCALAR_NODE)
		return ydoc_fail(m->d, node, kp, "%s; give one of %s",
		                 node_kind(node), list);
	for (int i = 0; words[i]; i++)
		if (!strcmp(words[i], scalar(node))) {
			*out = i;
			return 0;
		}
	return ydoc_fail(m->d, node, kp, "'%s' is not one of %s; did you "
	                 "mean '%s'?", scalar(node), list,
	                 nearest(scalar(node), words));
}

int ymap_seq(const ymap *m, const char *key, bool required,
             const char *what, yaml_node_t **out)
{
	yaml_node_t *node;
	char kp[160];
	int rc = lookup(m, key, required, what, &node, kp, sizeof(kp));

	if (rc)
		return rc;
	if (node->type != YAML_SEQUENCE_NODE)
		return ydoc_fail(m->d, node, kp, "%s; give %s as a list "
		                 "('- ' items)", node_kind(node), what);
	*out = node;
	return 0;
}

size_t ydoc_seq_len(const yaml_node_t *seq)
{
	return (size_t)(seq->data.sequence.items.top -
	                seq->data.sequence.items.start);
}

yaml_node_t *ydoc_item(ydoc *d, const yaml_node_t *seq, size_t i)
{
	return yaml_document_get_node(&d->doc,
	                              seq->data.sequence.items.start[i]);
}

char *ydoc_resolve(const ydoc *d, const char *name)
{
	const char *slash = strrchr(d->path, '/');
	size_t dirlen, len;
	char *out;

	if (name[0] == '/' || !slash)
		return strdup(name);
	dirlen = (size_t)(slash - d->path) + 1;
	len = dirlen + strlen(name) + 1;
	out = malloc(len);
	if (out)
		snprintf(out, len, "%.*s%s", (int)dirlen, d->path, name);
	return out;
}

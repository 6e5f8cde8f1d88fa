/* stmprog-line: typed reading of a YAML file loaded with libyaml's
 * document API, for the station and job files (line_config.h).
 *
 * Every failure is one sentence "FILE:LINE: KEY: what is wrong; the fix"
 * written to the buffer given to ydoc_load, and the call returns -1.
 * KEY is the key's path from the top of the file: "serial.encoding",
 * "slots[2].port" (list items counted from 1, as people count slots).
 * A mapping is opened with its known keys: an unknown key is refused
 * naming the nearest known one, a key given twice is refused naming
 * both lines (libyaml keeps both, YAML says keys are unique). */
#ifndef STMPROG_LINE_YAML_DOC_H
#define STMPROG_LINE_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

typedef struct ydoc {
	const char *path;       /* the file, as named in messages */
	yaml_document_t doc;
	bool loaded;
	char *err;
	size_t errlen;
} ydoc;

/* A mapping being read, and its key path ("" at the top). */
typedef struct ymap {
	ydoc *d;
	yaml_node_t *node;
	char path[96];
} ymap;

/* Reads path (one YAML document).  A syntax error names the line libyaml
 * reports; an empty file is refused.  path must outlive d. */
int ydoc_load(ydoc *d, const char *path, char *err, size_t errlen);
void ydoc_free(ydoc *d);
yaml_node_t *ydoc_root(ydoc *d);
/* The 1-based line where node starts. */
unsigned ydoc_line(const yaml_node_t *node);
/* Writes "FILE:LINE: KEY: message" (KEY left out when NULL or "") for
 * the line of at (none when NULL); returns -1. */
int ydoc_fail(ydoc *d, const yaml_node_t *at, const char *key,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* "path.key", or "key" at the top. */
void ydoc_keypath(const char *path, const char *key, char *buf, size_t len);
/* "path[index]" with index counted from 1. */
void ydoc_itempath(const char *path, size_t index, char *buf, size_t len);

/* Opens node as a mapping at path whose keys must be among known
 * (NULL-terminated): every key a plain string, none twice, none
 * unknown. */
int ydoc_map(ydoc *d, yaml_node_t *node, const char *path,
             const char *const *known, ymap *out);
/* The value of key, or NULL when absent. */
yaml_node_t *ymap_value(const ymap *m, const char *key);
/* The key's own node (for its line), or NULL. */
yaml_node_t *ymap_key(const ymap *m, const char *key);

/* The getters return 0 when the key was read, 1 when it is absent and
 * not required (out untouched), -1 on an error.  `what` finishes the
 * sentences: "give <what>". */

/* A scalar string of 1..maxlen bytes without NUL; *out is malloc'ed. */
int ymap_str(const ymap *m, const char *key, bool required, size_t maxlen,
             const char *what, char **out);
/* The same for a scalar node already found (an item of a list). */
int ydoc_scalar_str(ydoc *d, yaml_node_t *node, const char *keypath,
                    size_t maxlen, const char *what, char **out);
/* A number, decimal or 0x hex, in min..max. */
int ymap_uint(const ymap *m, const char *key, bool required, uint64_t min,
              uint64_t max, const char *what, uint64_t *out);
/* One of words (NULL-terminated); *out is its index. */
int ymap_word(const ymap *m, const char *key, bool required,
              const char *const *words, int *out);
/* A list; *out is its node (items: ydoc_item). */
int ymap_seq(const ymap *m, const char *key, bool required,
             const char *what, yaml_node_t **out);
size_t ydoc_seq_len(const yaml_node_t *seq);
yaml_node_t *ydoc_item(ydoc *d, const yaml_node_t *seq, size_t i);
/* name as seen from the directory of the file d reads (an absolute
 * name, or a file in the current directory, unchanged); malloc'ed. */
char *ydoc_resolve(const ydoc *d, const char *name);
/* Whether node is a scalar with no value ("", "~", "null" unquoted). */
bool ydoc_is_null(const yaml_node_t *node);

#endif

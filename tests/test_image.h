/* Helpers shared by the image tests (test_image_*.c). */
#ifndef STMPROG_TEST_IMAGE_H
#define STMPROG_TEST_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "stmprog/context.h"
#include "stmprog/image.h"

/* A context per test process (Criterion forks one per test). */
stp_ctx *t_ctx(void);

/* Parses and asserts success; the image is the caller's. */
stp_image *t_parse_ok(const void *buf, size_t len, stp_image_format fmt,
                      const char *name, uint32_t base);
/* Parses, asserts failure with status st, *out left NULL, and a detail
 * containing want (when want is not NULL); returns the detail. */
const char *t_parse_fail(const void *buf, size_t len, stp_image_format fmt,
                         const char *name, uint32_t base, stp_status st,
                         const char *want);
/* Every prefix shorter than ok_from fails cleanly; longer ones (up to
 * len) parse. */
void t_truncations(const void *buf, size_t len, stp_image_format fmt,
                   const char *name, size_t ok_from);
/* Asserts segment i of img. */
void t_seg(const stp_image *img, size_t i, uint8_t alt, uint32_t addr,
           const void *data, size_t len);

/* Test-time files: a fresh temporary directory, removed by t_rmdir. */
char *t_tmpdir(void);
void t_rmdir(char *dir);
/* Skips the test (never passes it) when a command is missing. */
void t_need(const char *cmd, const char *package);
/* Runs a shell command, asserting exit status 0. */
void t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a whole file (asserts it exists). */
uint8_t *t_slurp(const char *path, size_t *len);
char *t_path(const char *dir, const char *file);

#endif

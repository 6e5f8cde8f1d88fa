/* What the end-to-end tests (stmprog against stmprog-sim, any transport)
 * share: files in and out, application-shaped images, and questions about
 * the simulator's trace. */
#ifndef STMPROG_TEST_E2E_UTIL_H
#define STMPROG_TEST_E2E_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "stmprog/chip.h"

/* Runs COMMAND under stmprog-sim for chip (with simopts, e.g.
 * "--transport usb"), keeping the flash in <th_dir>/flash.bin and the
 * trace in <th_dir>/trace.txt; output and status as th_run gives them. */
int e2e_sim(char *out, size_t outlen, const char *chip, const char *simopts,
            const char *command);

/* A whole file (the test fails when it cannot be read). */
unsigned char *e2e_slurp(const char *path, size_t *len);
void e2e_spit(const char *path, const unsigned char *buf, size_t len);
/* len bytes that start like a real application (initial SP in the chip's
 * RAM, a Thumb reset vector in its flash) followed by bytes that are never
 * the erased value; the same seed gives the same image. */
unsigned char *e2e_make_app(const stp_chip *c, size_t len, unsigned seed);
/* The chip database entry (the test fails when it is missing). */
const stp_chip *e2e_chip(const char *pid);
bool e2e_all_equal(const unsigned char *p, size_t n, unsigned char v);
/* Whether the file (a trace, a .state file) contains needle. */
bool e2e_file_has(const char *path, const char *needle);
/* How many lines of the file start with prefix. */
unsigned e2e_count_lines(const char *path, const char *prefix);

#endif

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

/* The simulator options of a transport by name ("uart", "usb", "can",
 * the last as slcan); the test is skipped when the transport's backend
 * is not built (usb_built, can_built: the test's own configure
 * conditionals) or, for all but UART, when STMPROG_TEST_QUICK is set
 * (valgrind, distcheck), where UART stands for the others. */
const char *e2e_transport(const char *name, bool usb_built, bool can_built);

/* stmprog with "-c port={port} args" under the simulator (e2e_sim). */
int e2e_stmprog(char *out, size_t outlen, const char *chip,
                const char *simopts, const char *args);
/* <th_dir>/trace.txt and <th_dir>/app.bin. */
const char *e2e_trace(void);
const char *e2e_app_path(void);
/* An application image (e2e_make_app) written to app.bin, and returned. */
unsigned char *e2e_app(const stp_chip *c, size_t len, unsigned seed);
/* The simulator's flash file holds img at offset off, and the erased
 * value (the padding to the program unit, and nothing else) after it up
 * to end (0: the end of the flash). */
void e2e_assert_flash(const stp_chip *c, const unsigned char *img, size_t off,
                      size_t len, size_t end);

/* "-e all -d bad.hex" where bad.hex has a wrong checksum on line 2: the
 * run fails as a bad input (exit 4) naming the file and the line, and the
 * trace shows no ERASE and no WRITE: validation comes before the device
 * is touched, on every transport. */
void e2e_bad_input_touches_nothing(char *out, size_t outlen, const char *chip,
                                   const char *simopts);

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
/* How many lines of the file start with prefix (after the time a -log
 * line starts with). */
unsigned e2e_count_lines(const char *path, const char *prefix);

#endif

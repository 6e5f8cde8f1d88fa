/* A scripted byte_link (backends/serial/byte_link.h) for protocol tests:
 * the script lists what the host must send and what the device answers,
 * byte for byte.  A byte the host sends that differs from the script, or
 * comes where the device should speak, fails the write with the step and
 * byte named (script_link.err).  Time is virtual: a read with nothing
 * scripted to arrive returns what there is and moves the clock on by its
 * timeout, so a test of a 35 s deadline takes no time. */
#ifndef STMPROG_TEST_SCRIPT_LINK_H
#define STMPROG_TEST_SCRIPT_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "byte_link.h"

#define SL_MAX_STEPS 64
#define SL_MAX_BYTES 1200

typedef struct sl_step {
	char who;                /* 'H' the host sends, 'D' the device sends */
	size_t n;
	uint8_t b[SL_MAX_BYTES];
} sl_step;

typedef struct script_link {
	sl_step steps[SL_MAX_STEPS];
	size_t nsteps, at, pos;  /* the step being played, and its byte */
	uint64_t clock;          /* virtual ms */
	uint64_t slept;          /* ms the host paused on purpose */
	size_t flushed;          /* device bytes the host threw away */
	char err[300];           /* the first difference, "" when none */
	byte_link link;          /* what the code under test is given */
} script_link;

/* A fresh script (the test fails when memory runs out). */
script_link *sl_new(void);
void sl_free(script_link *sl);
/* One step of n bytes (the test fails when the script is full). */
void sl_bytes(script_link *sl, char who, const uint8_t *b, size_t n);
/* One step of text (slcan and other ASCII protocols). */
void sl_text(script_link *sl, char who, const char *text);

#endif

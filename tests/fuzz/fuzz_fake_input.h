/* What the backend harnesses share: the fuzz input split into the bytes
 * the "device" sends (read from the front) and control bytes that choose
 * the host's operations and their arguments (taken from the back), a
 * virtual clock, a context whose every message is checked for terminal
 * control bytes, and a byte link (byte_link.h) fed from the input.
 *
 * Taking the two streams from opposite ends keeps a mutation of the
 * device's replies from shifting the host's choices, and the reverse. */
#ifndef STMPROG_FUZZ_FAKE_INPUT_H
#define STMPROG_FUZZ_FAKE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byte_link.h"
#include "stmprog/context.h"

/* libFuzzer's entry point, which every harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_in {
	const uint8_t *d;
	size_t head, dev_end;   /* device bytes are d[head..dev_end) */
	size_t ctl, ctl_end;    /* control bytes d[ctl_end..ctl), last first */
	uint64_t clock;         /* virtual milliseconds */
	unsigned long calls;    /* link calls, to report a host that spins */
	unsigned writes;        /* host writes/sends/OUT transfers so far */
	unsigned fail_write;    /* that one fails as an I/O error (0: none) */
	char err[64];
} fz_in;

/* Layout: device bytes, then the control bytes last first, then one
 * byte that counts the control bytes.  The first control byte says which
 * host write fails, if any ((b & 7) == 7: write (b >> 3) + 1). */
void fz_init(fz_in *in, const uint8_t *d, size_t n);
/* The next control byte, 0 when they are used up. */
uint8_t fz_ctl(fz_in *in);
uint32_t fz_ctl_u32(fz_in *in);
bool fz_ctl_left(const fz_in *in);
/* Device bytes: up to n of them into buf, how many there were. */
size_t fz_take(fz_in *in, uint8_t *buf, size_t n);
size_t fz_device_left(const fz_in *in);
/* Counts a link call, aborting when the host is past any sane number of
 * exchanges (a loop that the virtual clock does not end). */
void fz_tick(fz_in *in);
/* Counts a host write; true when it is the one to fail. */
bool fz_write_fails(fz_in *in);

/* A context that formats every message (debug level) and aborts on a
 * message that carries a byte a terminal would act on: whatever a device
 * sent must have been escaped (stp_escape) or printed as numbers. */
stp_ctx *fz_ctx_new(void);
void fz_check_text(const char *what, const char *s);
/* The last failure's detail and hint, checked the same way. */
void fz_check_failure(stp_ctx *ctx);

/* A byte link whose reads take the device bytes in order; out of bytes,
 * a read times out and moves the clock on by its timeout.  FZ_GAP in the
 * device bytes is a pause (the read under way times out there, so the
 * host's "quiet for a while" tests can pass with more bytes to come);
 * FZ_GAP 0x00 is that byte value. */
#define FZ_GAP 0xE5
void fz_byte_link(fz_in *in, byte_link *bl);

#endif

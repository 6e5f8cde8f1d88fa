/* stmprog-line: serial numbers, as the job file's `serial:` rule says to
 * write them.
 *
 * The n-th serial of a sequence is start + n * step (n = 0, 1, ...); the
 * log database hands out n (logdb.h), this file only turns a serial into
 * the bytes written at the rule's address and the text people see.  The
 * bytes go into the one plan of the run as a per-board patch
 * (stp_job_run_opts): no extra erase, no second pass. */
#ifndef STMPROG_LINE_SERIAL_RULE_H
#define STMPROG_LINE_SERIAL_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum line_serial_encoding {
	LINE_SERIAL_LE32,       /* "le32": 4 bytes, little-endian binary */
	LINE_SERIAL_BE32,       /* "be32" */
	LINE_SERIAL_LE64,       /* "le64": 8 bytes */
	LINE_SERIAL_BE64,       /* "be64" */
	LINE_SERIAL_ASCII_DEC,  /* "ascii-dec": prefix + `digits` decimal
	                           digits, zero-padded, no terminator */
	LINE_SERIAL_ASCII_HEX   /* "ascii-hex": prefix + `digits` upper-case
	                           hex digits */
} line_serial_encoding;

/* What becomes of a serial reserved for a board that did not verify. */
typedef enum line_serial_policy {
	LINE_SERIAL_RETURN,     /* "return": the next board may get it */
	LINE_SERIAL_VOID        /* "void": recorded as never used, never
	                           handed out again */
} line_serial_policy;

#define LINE_SERIAL_PREFIX_MAX 31
#define LINE_SERIAL_SEQUENCE_MAX 63
/* The longest text line_serial_format makes, with its NUL. */
#define LINE_SERIAL_TEXT_MAX 64

typedef struct line_serial_rule {
	uint32_t address;             /* where the bytes go */
	line_serial_encoding encoding;
	unsigned digits;              /* ascii-*: 1..20 (dec) / 1..16 (hex) */
	char prefix[LINE_SERIAL_PREFIX_MAX + 1]; /* ascii-*: may be "" */
	uint64_t start;               /* the first serial */
	uint64_t step;                /* >= 1 */
	/* The name of the sequence in the log database; stations that give
	 * the same name share one sequence (default: the job's name). */
	char sequence[LINE_SERIAL_SEQUENCE_MAX + 1];
	line_serial_policy on_failure;
	/* Job file defaults: start 1, step 1, on_failure void (a board
	 * that failed may still carry the serial in its flash), sequence
	 * the job's name.  start + step must fit line_serial_max. */
} line_serial_rule;

/* How many bytes the rule writes. */
size_t line_serial_size(const line_serial_rule *r);
/* The largest serial the encoding can hold (for 32 bits 0xFFFFFFFF, for
 * ascii-dec with 6 digits 999999). */
uint64_t line_serial_max(const line_serial_rule *r);
/* Writes serial's bytes to out (outlen >= line_serial_size) and its text
 * as people see it ("0x000003E8" for binary, "SN000123" for ascii) to
 * text; returns 0, or -1 when serial does not fit the encoding. */
int line_serial_encode(const line_serial_rule *r, uint64_t serial,
                       uint8_t *out, size_t outlen, char *text, size_t textlen);

#endif

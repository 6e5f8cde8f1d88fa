/* stmprog-line: what the operator sees.
 *
 * Three renderings of the same happenings, chosen once per run:
 *   tty    one line per slot rewritten in place (slot, port, state, chip,
 *          serial, progress with rate, last result), totals and boards per
 *          hour under them;
 *   plain  one line per happening, for a pipe or a log file
 *          ("slot 3: Writing done, 65536 bytes");
 *   json   every libstmprog event (stmprog/events.h) and the line's own
 *          (slot states, board results, reservations, the summary) as one
 *          JSON object per line (json-c), for factory systems.
 * Slots report from their own threads; every call here takes the
 * display's lock, so lines never interleave.  Strings a device supplied
 * reach the output only through stp_escape. */
#ifndef STMPROG_LINE_DISPLAY_H
#define STMPROG_LINE_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stmprog/events.h"

typedef enum line_display_mode {
	LINE_DISPLAY_PLAIN,
	LINE_DISPLAY_TTY,
	LINE_DISPLAY_JSON
} line_display_mode;

/* Where a slot is in its cycle. */
typedef enum line_slot_state {
	LINE_SLOT_IDLE = 0,     /* not started */
	LINE_SLOT_WAITING,      /* continuous: no board answers yet */
	LINE_SLOT_CONNECTING,
	LINE_SLOT_PROGRAMMING,
	LINE_SLOT_RETRY_WAIT,   /* a failed attempt; reconnecting soon */
	LINE_SLOT_REMOVAL_WAIT, /* continuous: the board is still there */
	LINE_SLOT_STOPPED       /* the slot's thread ended */
} line_slot_state;

const char *line_slot_state_name(line_slot_state s);

/* The 96-bit unique ID as the reference manuals print it: the word at
 * +8, then +4, then +0, 24 hex digits (the chip stores the words
 * little-endian). */
void line_uid_text(const uint8_t uid[12], char out[25]);

/* A board's end, after its last attempt. */
typedef struct line_board_result {
	char uid[25];           /* "" when it could not be read */
	char chip[96];
	char serial[64];        /* the serial's text, "" without one */
	unsigned attempts;
	const char *outcome;    /* "verified", "failed", "cancelled" */
	const char *cause;      /* failure's sentence, or NULL */
	bool rework;            /* the board had this serial before */
	const char *serial_state; /* "used", "returned", "void", NULL */
} line_board_result;

typedef struct line_summary {
	unsigned verified, failed, cancelled;
	double elapsed_s;
	const char *const *flagged;     /* slot names */
	size_t nflagged;
	/* Boards a cancel stopped: "slot NAME: UID ..., serial ..." lines. */
	const char *const *rerun;
	size_t nrerun;
} line_summary;

typedef struct line_display line_display;

/* names and ports: the slots', nslots each, kept by the caller for the
 * display's life.  quiet: only board results, notes and the summary. */
line_display *line_display_new(FILE *out, line_display_mode mode, bool quiet,
                               size_t nslots, const char *const *names,
                               const char *const *ports);
void line_display_free(line_display *d);

/* A libstmprog event of slot i (any thread). */
void line_display_event(line_display *d, size_t slot, const stp_event *ev);
/* Slot i moved to state; detail (may be NULL) says more ("attempt 2"). */
void line_display_state(line_display *d, size_t slot, line_slot_state state,
                        const char *detail);
/* Slot i identified a board: its chip and UID (as text, "" if unread). */
void line_display_board_found(line_display *d, size_t slot, const char *chip,
                              const char *uid);
/* Slot i's board got serial text. */
void line_display_serial(line_display *d, size_t slot, const char *serial);
/* Slot i's board is done. */
void line_display_board_done(line_display *d, size_t slot,
                             const line_board_result *r);
/* Slot i is flagged for the operator after n failed boards in a row. */
void line_display_flagged(line_display *d, size_t slot, unsigned n);
/* A sentence for the operator not tied to a slot (JSON: a "note"). */
void line_display_note(line_display *d, const char *kind, const char *text);
void line_display_summary(line_display *d, const line_summary *s);

#endif

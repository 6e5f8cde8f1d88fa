/* init=ENTRY[:EXIT]: how the adapter's control lines drive BOOT0 and NRST.
 *
 *   init    = [list] [ ":" list ]
 *   list    = signal { ( "," | "&" ) signal }
 *   signal  = [ "-" ] ( "rts" | "dtr" | "brk" | "cbus0" | "cbus1" |
 *                       "cbus2" | "cbus3" | gpio )
 *   gpio    = [ "gpiochip" digits "." ] digits
 *
 * A number is a GPIO line of the host (libgpiod): "17" is line 17 of
 * gpiochip0, as stm32flash's -i numbers are the host's GPIOs (on a
 * Raspberry Pi the BCM numbers are gpiochip0's offsets); "gpiochip1.5"
 * is line 5 of /dev/gpiochip1.  ':' cannot name the chip, since it
 * separates ENTRY from EXIT.
 *
 * A name alone sets the line high, "-name" low.  ',' pauses 100 ms after
 * the line before it, '&' goes on at once (the idea of stm32flash's -i).
 * "High" is the logical state the port API sets: for rts and dtr that is
 * the line asserted, which a USB-UART adapter's TTL pin shows as 0 V; for
 * brk it is a break on TX (held low); for cbusN it is the pin at 1.
 * ENTRY runs when the port opens, before the 0x7F; EXIT, when given, runs
 * at close or right after GO (release BOOT0, pulse NRST).
 *
 * Parsing touches nothing, so a bad sequence is reported before the port
 * is opened; the executor drives a small line-driver interface that a test
 * can record.
 */
#ifndef STMPROG_SERIAL_LINE_SEQ_H
#define STMPROG_SERIAL_LINE_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stmprog/context.h"

typedef enum ls_signal {
	LS_RTS = 0,
	LS_DTR,
	LS_BRK,
	LS_CBUS0,
	LS_CBUS1,
	LS_CBUS2,
	LS_CBUS3,
	LS_GPIO,            /* a host GPIO line: ls_step.chip, ls_step.line */
	LS_NSIGNALS
} ls_signal;

#define LS_MASK(sig) (1u << (sig))
#define LS_MASK_CBUS (LS_MASK(LS_CBUS0) | LS_MASK(LS_CBUS1) | \
                      LS_MASK(LS_CBUS2) | LS_MASK(LS_CBUS3))
#define LS_MASK_MODEM (LS_MASK(LS_RTS) | LS_MASK(LS_DTR) | LS_MASK(LS_BRK))

#define LS_PAUSE_MS 100
#define LS_MAX_STEPS 32

/* The highest gpiochip number and line offset init= takes. */
#define LS_GPIO_MAX_CHIP 255u
#define LS_GPIO_MAX_LINE 65535u

typedef struct ls_step {
	ls_signal signal;
	uint8_t chip;       /* LS_GPIO: gpiochipN */
	uint16_t line;      /* LS_GPIO: the line's offset on that chip */
	bool high;
	unsigned pause_ms;  /* after this step: 100 for ',', 0 for '&' or last */
} ls_step;

typedef struct ls_seq {
	size_t n;
	ls_step steps[LS_MAX_STEPS];
} ls_seq;

typedef struct ls_init {
	ls_seq entry;
	ls_seq exit;
	bool has_exit;
} ls_init;

/* The grammar in one line, for hints. */
extern const char ls_grammar[];

const char *ls_signal_name(ls_signal s);
/* The step's line as written ("rts", "gpiochip0.17") into buf. */
const char *ls_step_name(const ls_step *s, char *buf, size_t len);

/* Parses text (the init= value); STP_ERR_PORTSPEC naming the token and its
 * position when it is malformed. */
stp_status ls_parse(stp_ctx *ctx, const char *text, ls_init *out);
/* LS_MASK() of every signal the sequence uses. */
unsigned ls_uses(const ls_init *init);
/* The first signal of mask the sequence uses, in the order written. */
bool ls_first_of(const ls_init *init, unsigned mask, ls_signal *out);
/* Whether list sets one line both ways (a pulse), the first such line in
 * *out.  Which line is wired to NRST is not written anywhere, so a pulse
 * in EXIT is what marks a list that resets the chip: a list that only
 * moves BOOT0 sets each line once. */
bool ls_pulses(const ls_seq *list, ls_signal *out);

typedef struct ls_driver {
	void *user;
	/* Sets one line; 0, or -1 with error() saying why. */
	int (*set)(void *user, ls_signal sig, bool high);
	/* Sets a host GPIO line (LS_GPIO steps); NULL where there are none. */
	int (*set_gpio)(void *user, unsigned chip, unsigned line, bool high);
	void (*sleep_ms)(void *user, unsigned ms);
	const char *(*error)(void *user);
} ls_driver;

/* Runs one list; what ("entry", "exit") and port are for messages. */
stp_status ls_run(stp_ctx *ctx, const ls_seq *seq, const ls_driver *drv,
                  const char *what, const char *port);

#endif

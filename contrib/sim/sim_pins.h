/* stmprog-sim: a jig's wires from the host's lines to a chip's BOOT0 and
 * NRST pins (--wire).
 *
 * On silicon with a BOOT0 pin the ROM bootloader starts only when BOOT0
 * is high at the rising edge of NRST; with BOOT0 low the chip runs its
 * flash (or, on parts with an empty check, falls back to the ROM when the
 * flash is empty).  While NRST is low the chip is held in reset and
 * answers nothing.  Without --wire the lines change nothing (the chip
 * sits in its bootloader, as before): every existing test keeps working.
 *
 * The lines: the modem lines of the simulated UART (RTS, DTR), which the
 * host sets with TIOCMSET/TIOCMBIS/TIOCMBIC on the pty and the tty watch
 * sees (sim_ttywatch), and the CBUS pins of the simulated FTDI adapter
 * (sim_ftdi), which libftdi1 sets through bit-bang mode.
 *
 * Levels: a line's "asserted" state is the logical one the host sets
 * (TIOCM_RTS set; CBUS bit 1).  A USB-UART adapter's TTL RTS#/DTR# pins
 * are active low, so an asserted RTS puts 0 V on its wire; a CBUS pin at 1
 * is at VCC.  "!" in the wiring adds an inverter (a transistor stage, as
 * many jigs have).  sim_pins turns lines into pin voltages and pin edges
 * into what the chip must do; the transport that owns the chip does it. */
#ifndef STMPROG_SIM_PINS_H
#define STMPROG_SIM_PINS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sim_line {
	SIM_LINE_RTS = 0,
	SIM_LINE_DTR,
	SIM_LINE_CBUS0,
	SIM_LINE_CBUS1,
	SIM_LINE_CBUS2,
	SIM_LINE_CBUS3,
	SIM_LINE_COUNT
} sim_line;

/* --wire boot0=[!]LINE,nrst=[!]LINE, LINE one of rts dtr cbus0..cbus3. */
typedef struct sim_wiring {
	bool wired;            /* --wire was given */
	sim_line boot0, nrst;
	bool boot0_inverted, nrst_inverted;
} sim_wiring;

/* 0, or -1 with a sentence naming the bad part in err. */
int sim_wiring_parse(sim_wiring *w, const char *spec, char *err, size_t errlen);

/* What a line change means for the chip. */
typedef enum sim_pins_event {
	SIM_PINS_NOTHING = 0,  /* no pin edge that matters */
	SIM_PINS_HOLD_RESET,   /* NRST fell: the chip stops, answers nothing */
	SIM_PINS_BOOT_ROM,     /* NRST rose with BOOT0 high: the bootloader */
	SIM_PINS_BOOT_FLASH    /* NRST rose with BOOT0 low: the flash */
} sim_pins_event;

/* The state of one chip's wired pins. */
typedef struct sim_pins {
	sim_wiring wiring;
	bool asserted[SIM_LINE_COUNT]; /* each line as the host last set it */
	bool boot0_high, nrst_high;    /* the pins' voltages that follow */
} sim_pins;

/* Lines start as a closed port leaves them: RTS and DTR de-asserted
 * (their TTL pins idle high), CBUS pins inputs, which the adapter's
 * pull-ups hold high (so asserted[] starts true for them: a CBUS line's
 * "asserted" is its level, and an input reads 1); the pins take the
 * levels that gives.  w NULL: nothing wired. */
void sim_pins_init(sim_pins *p, const sim_wiring *w);
/* What the chip does at power-on with the pins as they are: held in reset
 * (NRST low), or out of reset as BOOT0 says; NOTHING when not wired (the
 * chip starts in its bootloader, as without --wire). */
sim_pins_event sim_pins_power_on(const sim_pins *p);
/* The host set line to asserted; returns what the chip must do. */
sim_pins_event sim_pins_line(sim_pins *p, sim_line line, bool asserted);
/* Whether the chip is held in reset now. */
bool sim_pins_in_reset(const sim_pins *p);

/* "rts", "dtr", "cbus0".. as --wire spells them. */
const char *sim_line_name(sim_line line);
bool sim_line_is_cbus(sim_line line);
/* Whether the wiring needs a CBUS pin (a simulated FTDI adapter), or a
 * modem line (the tty watch's RTS/DTR). */
bool sim_wiring_uses_cbus(const sim_wiring *w);
bool sim_wiring_uses_modem(const sim_wiring *w);

#endif

/* The simulator's BOOT0/NRST wiring (contrib/sim/sim_pins.c): --wire's
 * parsing, and what each line change means for the chip. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim_pins.h"

static sim_wiring wire(const char *spec)
{
	sim_wiring w;
	char err[256];

	cr_assert_eq(sim_wiring_parse(&w, spec, err, sizeof(err)), 0,
	             "%s: %s", spec, err);
	cr_assert(w.wired);
	return w;
}

static void bad(const char *spec, const char *token)
{
	sim_wiring w;
	char err[256] = "";

	cr_assert_eq(sim_wiring_parse(&w, spec, err, sizeof(err)), -1, "%s", spec);
	cr_assert_not(w.wired);
	cr_assert(strstr(err, token), "'%s': '%s' does not name '%s'", spec,
	          err, token);
}

Test(sim_pins, parse_lines_and_inverters)
{
	sim_wiring w = wire("boot0=cbus0,nrst=!cbus3");

	cr_assert_eq(w.boot0, SIM_LINE_CBUS0);
	cr_assert_not(w.boot0_inverted);
	cr_assert_eq(w.nrst, SIM_LINE_CBUS3);
	cr_assert(w.nrst_inverted);
	cr_assert(sim_wiring_uses_cbus(&w));
	cr_assert_not(sim_wiring_uses_modem(&w));
	w = wire("nrst=dtr,boot0=!rts");
	cr_assert_eq(w.boot0, SIM_LINE_RTS);
	cr_assert(w.boot0_inverted);
	cr_assert_eq(w.nrst, SIM_LINE_DTR);
	cr_assert(sim_wiring_uses_modem(&w));
	cr_assert_not(sim_wiring_uses_cbus(&w));
}

Test(sim_pins, parse_errors_name_the_bad_token)
{
	bad("boot0=cbus9,nrst=cbus1", "cbus9");
	bad("boot0=cbus0,reset=cbus1", "reset");
	bad("boot0=cbus0,nrst", "nrst");
	bad("boot0=cbus0", "nrst is not wired");
	bad("nrst=rts", "boot0 is not wired");
	bad("boot0=rts,boot0=dtr", "boot0 wired twice");
	bad("boot0=rts,nrst=!rts", "same line");
	bad("boot0=!!rts,nrst=dtr", "!rts");
	bad("", "expected boot0=");
	bad("boot0=rts,,nrst=dtr", "''");
}

/* Non-inverted CBUS: 1 is high.  The pins start pulled up: at power-on
 * the chip is out of reset in its bootloader. */
Test(sim_pins, cbus_boot0_high_at_nrst_rise_is_the_rom)
{
	sim_wiring w = wire("boot0=cbus0,nrst=cbus1");
	sim_pins p;

	sim_pins_init(&p, &w);
	cr_assert(p.boot0_high);
	cr_assert(p.nrst_high);
	cr_assert_eq(sim_pins_power_on(&p), SIM_PINS_BOOT_ROM);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS1, false), SIM_PINS_HOLD_RESET);
	cr_assert(sim_pins_in_reset(&p));
	/* BOOT0 moving while NRST is low is no edge. */
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS0, false), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS0, true), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS1, true), SIM_PINS_BOOT_ROM);
	cr_assert_not(sim_pins_in_reset(&p));
	/* Nor is BOOT0 moving while the chip runs, nor NRST staying high. */
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS0, false), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS1, true), SIM_PINS_NOTHING);
	/* A line not wired changes nothing. */
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS2, false), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_RTS, true), SIM_PINS_NOTHING);
}

Test(sim_pins, boot0_low_at_nrst_rise_is_the_flash)
{
	sim_wiring w = wire("boot0=cbus2,nrst=cbus3");
	sim_pins p;

	sim_pins_init(&p, &w);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS2, false), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS3, false), SIM_PINS_HOLD_RESET);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS3, true), SIM_PINS_BOOT_FLASH);
}

/* RTS#/DTR# are active low: asserting DTR pulls a directly wired NRST
 * down; through an inverter, asserting RTS raises BOOT0. */
Test(sim_pins, modem_lines_active_low_and_inverted)
{
	sim_wiring w = wire("boot0=!rts,nrst=dtr");
	sim_pins p;

	sim_pins_init(&p, &w);
	/* A closed port: both idle high; BOOT0 behind the inverter is low. */
	cr_assert_not(p.boot0_high);
	cr_assert(p.nrst_high);
	cr_assert_eq(sim_pins_power_on(&p), SIM_PINS_BOOT_FLASH);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_RTS, true), SIM_PINS_NOTHING);
	cr_assert(p.boot0_high);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_DTR, true), SIM_PINS_HOLD_RESET);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_DTR, false), SIM_PINS_BOOT_ROM);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_RTS, false), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_DTR, true), SIM_PINS_HOLD_RESET);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_DTR, false), SIM_PINS_BOOT_FLASH);
}

Test(sim_pins, inverted_nrst_holds_at_power_on)
{
	sim_wiring w = wire("boot0=dtr,nrst=!cbus1");
	sim_pins p;

	sim_pins_init(&p, &w);
	cr_assert(sim_pins_in_reset(&p));
	cr_assert_eq(sim_pins_power_on(&p), SIM_PINS_HOLD_RESET);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS1, false), SIM_PINS_BOOT_ROM);
}

/* Without --wire the lines change nothing. */
Test(sim_pins, unwired_is_inert)
{
	sim_pins p;

	sim_pins_init(&p, NULL);
	cr_assert_eq(sim_pins_power_on(&p), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_DTR, true), SIM_PINS_NOTHING);
	cr_assert_eq(sim_pins_line(&p, SIM_LINE_CBUS1, false), SIM_PINS_NOTHING);
	cr_assert_not(sim_pins_in_reset(&p));
}

/* stmprog-sim: a jig's wires from the host's lines to BOOT0 and NRST
 * (sim_pins.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sim_pins.h"

static const char *const line_names[SIM_LINE_COUNT] = {
	"rts", "dtr", "cbus0", "cbus1", "cbus2", "cbus3"
};

const char *sim_line_name(sim_line line)
{
	return (unsigned)line < SIM_LINE_COUNT ? line_names[line] : "?";
}

bool sim_line_is_cbus(sim_line line)
{
	return line >= SIM_LINE_CBUS0 && line <= SIM_LINE_CBUS3;
}

bool sim_wiring_uses_cbus(const sim_wiring *w)
{
	return w->wired && (sim_line_is_cbus(w->boot0) || sim_line_is_cbus(w->nrst));
}

bool sim_wiring_uses_modem(const sim_wiring *w)
{
	return w->wired && (!sim_line_is_cbus(w->boot0) || !sim_line_is_cbus(w->nrst));
}

/* One "pin=[!]line" of the spec, len bytes at s. */
static int parse_one(sim_wiring *w, bool seen[2], const char *s, size_t len,
                     char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len), *name;
	size_t plen, nlen;
	bool inverted = false;
	int pin, line = -1;

	if (!eq) {
		snprintf(err, errlen, "'%.*s': expected boot0=LINE or nrst=LINE",
		         (int)len, s);
		return -1;
	}
	plen = (size_t)(eq - s);
	if (plen == 5 && !strncmp(s, "boot0", 5))
		pin = 0;
	else if (plen == 4 && !strncmp(s, "nrst", 4))
		pin = 1;
	else {
		snprintf(err, errlen, "'%.*s': no such pin (boot0 and nrst are "
		         "wired)", (int)plen, s);
		return -1;
	}
	if (seen[pin]) {
		snprintf(err, errlen, "'%.*s': %s wired twice", (int)len, s,
		         pin ? "nrst" : "boot0");
		return -1;
	}
	name = eq + 1;
	nlen = len - plen - 1;
	if (nlen && *name == '!') {
		inverted = true;
		name++;
		nlen--;
	}
	for (int i = 0; i < SIM_LINE_COUNT; i++)
		if (strlen(line_names[i]) == nlen && !strncmp(name, line_names[i], nlen))
			line = i;
	if (line < 0) {
		snprintf(err, errlen, "'%.*s': no such line (rts, dtr, cbus0 to "
		         "cbus3, each optionally after ! for an inverter)",
		         (int)nlen, name);
		return -1;
	}
	seen[pin] = true;
	if (pin == 0) {
		w->boot0 = (sim_line)line;
		w->boot0_inverted = inverted;
	} else {
		w->nrst = (sim_line)line;
		w->nrst_inverted = inverted;
	}
	return 0;
}

int sim_wiring_parse(sim_wiring *w, const char *spec, char *err, size_t errlen)
{
	bool seen[2] = {false, false};
	const char *s = spec;

	memset(w, 0, sizeof(*w));
	if (!spec || !*spec) {
		snprintf(err, errlen, "empty: expected boot0=[!]LINE,nrst=[!]LINE");
		return -1;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (parse_one(w, seen, s, len, err, errlen) != 0) {
			memset(w, 0, sizeof(*w));
			return -1;
		}
		if (!comma)
			break;
		s = comma + 1;
	}
	if (!seen[0] || !seen[1]) {
		snprintf(err, errlen, "'%s': %s is not wired (give both boot0= "
		         "and nrst=)", spec, seen[0] ? "nrst" : "boot0");
		memset(w, 0, sizeof(*w));
		return -1;
	}
	if (w->boot0 == w->nrst) {
		snprintf(err, errlen, "'%s': boot0 and nrst on the same line (%s) "
		         "can never give the bootloader's edge", spec,
		         line_names[w->boot0]);
		memset(w, 0, sizeof(*w));
		return -1;
	}
	w->wired = true;
	return 0;
}

/* The voltage on the line's wire: a TTL RTS#/DTR# pin is low while
 * asserted; a CBUS pin is high at 1 (or as a pulled-up input). */
static bool wire_high(const sim_pins *p, sim_line line)
{
	return sim_line_is_cbus(line) ? p->asserted[line] : !p->asserted[line];
}

static void settle(sim_pins *p)
{
	const sim_wiring *w = &p->wiring;

	p->boot0_high = wire_high(p, w->boot0) != w->boot0_inverted;
	p->nrst_high = wire_high(p, w->nrst) != w->nrst_inverted;
}

void sim_pins_init(sim_pins *p, const sim_wiring *w)
{
	memset(p, 0, sizeof(*p));
	if (w)
		p->wiring = *w;
	for (int i = SIM_LINE_CBUS0; i <= SIM_LINE_CBUS3; i++)
		p->asserted[i] = true;
	settle(p);
}

sim_pins_event sim_pins_power_on(const sim_pins *p)
{
	if (!p->wiring.wired)
		return SIM_PINS_NOTHING;
	if (!p->nrst_high)
		return SIM_PINS_HOLD_RESET;
	return p->boot0_high ? SIM_PINS_BOOT_ROM : SIM_PINS_BOOT_FLASH;
}

sim_pins_event sim_pins_line(sim_pins *p, sim_line line, bool asserted)
{
	bool was_high = p->nrst_high;

	if ((unsigned)line >= SIM_LINE_COUNT)
		return SIM_PINS_NOTHING;
	p->asserted[line] = asserted;
	if (!p->wiring.wired)
		return SIM_PINS_NOTHING;
	settle(p);
	if (was_high && !p->nrst_high)
		return SIM_PINS_HOLD_RESET;
	if (!was_high && p->nrst_high)
		return p->boot0_high ? SIM_PINS_BOOT_ROM : SIM_PINS_BOOT_FLASH;
	return SIM_PINS_NOTHING;
}

bool sim_pins_in_reset(const sim_pins *p)
{
	return p->wiring.wired && !p->nrst_high;
}

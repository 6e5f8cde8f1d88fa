/* init=ENTRY[:EXIT] line sequences: parser and executor (line_seq.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "line_seq.h"

const char ls_grammar[] =
	"init=ENTRY[:EXIT], each a list of rts, dtr, brk, cbus0..cbus3, "
	"host GPIO lines (17 = line 17 of gpiochip0, gpiochip1.5) "
	"('-' before a name sets the line low, else high) joined by ',' "
	"(then 100 ms pause) or '&' (no pause); ENTRY runs before the sync, "
	"EXIT at the end or after GO; e.g. init=-dtr&rts,dtr,-dtr:-rts&dtr,-dtr";

static const char *const names[LS_NSIGNALS] = {
	"rts", "dtr", "brk", "cbus0", "cbus1", "cbus2", "cbus3", "gpio"
};

const char *ls_signal_name(ls_signal s)
{
	return (unsigned)s < LS_NSIGNALS ? names[s] : "?";
}

const char *ls_step_name(const ls_step *s, char *buf, size_t len)
{
	if (s->signal == LS_GPIO)
		snprintf(buf, len, "gpiochip%u.%u", s->chip, s->line);
	else
		snprintf(buf, len, "%s", ls_signal_name(s->signal));
	return buf;
}

/* The digits of text[*pos, end) as a number up to max; false when there
 * are none, something else follows, or it is larger. */
static bool number(const char *text, size_t pos, size_t end, unsigned max,
                   unsigned *out)
{
	unsigned long v = 0;

	if (pos == end)
		return false;
	for (; pos < end; pos++) {
		if (text[pos] < '0' || text[pos] > '9')
			return false;
		v = v * 10 + (unsigned long)(text[pos] - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

/* "17" or "gpiochip1.17" in text[name, end): chip and line. */
static bool gpio_name(const char *text, size_t name, size_t end,
                      unsigned *chip, unsigned *line)
{
	static const char prefix[] = "gpiochip";
	const char *dot;

	*chip = 0;
	if (text[name] >= '0' && text[name] <= '9')
		return number(text, name, end, LS_GPIO_MAX_LINE, line);
	if (end - name <= strlen(prefix) ||
	    strncmp(text + name, prefix, strlen(prefix)))
		return false;
	dot = memchr(text + name, '.', end - name);
	if (!dot)
		return false;
	return number(text, name + strlen(prefix), (size_t)(dot - text),
	              LS_GPIO_MAX_CHIP, chip) &&
	       number(text, (size_t)(dot - text) + 1, end, LS_GPIO_MAX_LINE,
	              line);
}

static stp_status bad(stp_ctx *ctx, const char *text, size_t pos, size_t len,
                      const char *what)
{
	if (len == 0)
		return stp_fail(ctx, STP_ERR_PORTSPEC, ls_grammar,
		                "init=%s: %s at position %zu", text, what, pos + 1);
	return stp_fail(ctx, STP_ERR_PORTSPEC, ls_grammar,
	                "init=%s: %s \"%.*s\" at position %zu", text, what,
	                (int)len, text + pos, pos + 1);
}

/* Parses text[start, end) into seq; an empty range is an empty list. */
static stp_status parse_list(stp_ctx *ctx, const char *text, size_t start,
                             size_t end, ls_seq *seq)
{
	size_t pos = start;

	seq->n = 0;
	while (pos < end) {
		size_t tok = pos, name;
		unsigned chip = 0, line = 0;
		bool high = true;
		ls_step *step;
		int sig = -1;

		if (text[pos] == '-') {
			high = false;
			pos++;
		}
		name = pos;
		while (pos < end && text[pos] != ',' && text[pos] != '&')
			pos++;
		if (pos == name)
			return bad(ctx, text, tok, pos < end ? pos - tok + 1 : pos - tok,
			           "a signal name is missing:");
		for (int i = 0; i < LS_GPIO; i++)
			if (strlen(names[i]) == pos - name &&
			    !strncmp(names[i], text + name, pos - name))
				sig = i;
		if (sig < 0 && gpio_name(text, name, pos, &chip, &line))
			sig = LS_GPIO;
		if (sig < 0)
			return bad(ctx, text, tok, pos - tok,
			           "unknown signal (rts, dtr, brk, cbus0..cbus3, a "
			           "GPIO line 0..65535 or gpiochipN.LINE)");
		if (seq->n == LS_MAX_STEPS)
			return bad(ctx, text, tok, pos - tok,
			           "more than 32 steps in one list, at");
		step = &seq->steps[seq->n++];
		step->signal = (ls_signal)sig;
		step->chip = (uint8_t)chip;
		step->line = (uint16_t)line;
		step->high = high;
		step->pause_ms = 0;
		if (pos == end)
			break;
		step->pause_ms = text[pos] == ',' ? LS_PAUSE_MS : 0;
		if (++pos == end)
			return bad(ctx, text, pos - 1, 1,
			           "a signal must follow the separator");
	}
	return STP_OK;
}

stp_status ls_parse(stp_ctx *ctx, const char *text, ls_init *out)
{
	const char *colon = strchr(text, ':');
	size_t len = strlen(text);
	stp_status st;

	memset(out, 0, sizeof(*out));
	if (colon && strchr(colon + 1, ':'))
		return bad(ctx, text, (size_t)(strchr(colon + 1, ':') - text), 1,
		           "only one ':' may separate ENTRY and EXIT; another");
	if (!colon) {
		if (!len)
			return bad(ctx, text, 0, 0, "the sequence is empty");
		return parse_list(ctx, text, 0, len, &out->entry);
	}
	if ((size_t)(colon - text) + 1 == len)
		return bad(ctx, text, (size_t)(colon - text), 1,
		           "the EXIT list is empty after");
	if ((st = parse_list(ctx, text, 0, (size_t)(colon - text), &out->entry)))
		return st;
	out->has_exit = true;
	return parse_list(ctx, text, (size_t)(colon - text) + 1, len, &out->exit);
}

unsigned ls_uses(const ls_init *init)
{
	unsigned mask = 0;

	for (size_t i = 0; i < init->entry.n; i++)
		mask |= LS_MASK(init->entry.steps[i].signal);
	for (size_t i = 0; i < init->exit.n; i++)
		mask |= LS_MASK(init->exit.steps[i].signal);
	return mask;
}

bool ls_first_of(const ls_init *init, unsigned mask, ls_signal *out)
{
	const ls_seq *lists[2] = {&init->entry, &init->exit};

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (mask & LS_MASK(lists[l]->steps[i].signal)) {
				*out = lists[l]->steps[i].signal;
				return true;
			}
	return false;
}

bool ls_pulses(const ls_seq *list, ls_signal *out)
{
	for (size_t i = 0; i < list->n; i++)
		for (size_t j = i + 1; j < list->n; j++)
			if (list->steps[j].signal == list->steps[i].signal &&
			    list->steps[j].chip == list->steps[i].chip &&
			    list->steps[j].line == list->steps[i].line &&
			    list->steps[j].high != list->steps[i].high) {
				*out = list->steps[i].signal;
				return true;
			}
	return false;
}

stp_status ls_run(stp_ctx *ctx, const ls_seq *seq, const ls_driver *drv,
                  const char *what, const char *port)
{
	for (size_t i = 0; i < seq->n; i++) {
		const ls_step *s = &seq->steps[i];
		char name[32];
		int rc;

		ls_step_name(s, name, sizeof(name));
		stp_log(ctx, STP_LOG_DEBUG, "%s: init= %s: %s%s%s", port, what,
		        s->high ? "" : "-", name, s->pause_ms ? ", pause" : "");
		if (s->signal != LS_GPIO)
			rc = drv->set(drv->user, s->signal, s->high);
		else if (drv->set_gpio)
			rc = drv->set_gpio(drv->user, s->chip, s->line, s->high);
		else
			return stp_fail(ctx, STP_ERR_UNSUPPORTED,
			                "drive BOOT0/NRST with rts/dtr there, or the "
			                "GPIO lines with the adapter's own pins",
			                "init= %s sequence on %s names GPIO line %s, "
			                "and GPIO lines cannot be mixed with CBUS pins",
			                what, port, name);
		if (rc)
			return stp_fail(ctx, STP_ERR_IO,
			                "init= can only name lines the adapter has",
			                "init= %s sequence on %s: setting %s %s failed: %s",
			                what, port, name,
			                s->high ? "high" : "low", drv->error(drv->user));
		if (s->pause_ms)
			drv->sleep_ms(drv->user, s->pause_ms);
	}
	return STP_OK;
}

/* Host GPIO lines for init= through libgpiod v1 (see gpio_lines.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio_lines.h"

#ifdef HAVE_LIBGPIOD
#include <gpiod.h>

#define CONSUMER "stmprog"

typedef struct chip_slot {
	unsigned number;           /* gpiochipN */
	struct gpiod_chip *chip;
} chip_slot;

struct gpio_lines {
	size_t nchips;
	chip_slot chips[2 * LS_MAX_STEPS];
	size_t nlines;
	struct {
		unsigned chip, line;
		struct gpiod_line *l;      /* NULL until first set */
	} lines[2 * LS_MAX_STEPS];
	char err[200];
};

bool gpio_lines_available(void)
{
	return true;
}

static chip_slot *slot_of(gpio_lines *g, unsigned number)
{
	for (size_t i = 0; i < g->nchips; i++)
		if (g->chips[i].number == number)
			return &g->chips[i];
	return NULL;
}

static const char *access_hint(int err)
{
	if (err == EACCES || err == EPERM)
		return "give your user access to /dev/gpiochipN (on Debian and "
		       "Raspberry Pi OS the 'gpio' group, or a udev rule)";
	return "`gpiodetect` (Debian: gpiod) lists this host's GPIO chips; "
	       "name one as gpiochipN.LINE in init= (a bare number is a line "
	       "of gpiochip0)";
}

/* Opens the chip a step names, once, and checks the line's offset. */
static stp_status check_step(stp_ctx *ctx, gpio_lines *g, const ls_step *s,
                             const char *port)
{
	chip_slot *c = slot_of(g, s->chip);
	char name[32];
	unsigned n;

	if (!c) {
		struct gpiod_chip *chip;
		char dev[32];

		snprintf(dev, sizeof(dev), "/dev/gpiochip%u", s->chip);
		if (!(chip = gpiod_chip_open(dev))) {
			int err = errno;
			return stp_fail(ctx,
			                err == EACCES || err == EPERM ? STP_ERR_ACCESS
			                                              : STP_ERR_NOT_FOUND,
			                access_hint(err),
			                "init= on %s names GPIO line %s, and %s cannot "
			                "be opened: %s",
			                port, ls_step_name(s, name, sizeof(name)), dev,
			                strerror(err));
		}
		c = &g->chips[g->nchips++];
		c->number = s->chip;
		c->chip = chip;
	}
	n = gpiod_chip_num_lines(c->chip);
	if (s->line >= n)
		return stp_fail(ctx, STP_ERR_PORTSPEC,
		                "`gpioinfo gpiochipN` (Debian: gpiod) lists a "
		                "chip's lines",
		                "init= on %s names GPIO line %s, and gpiochip%u "
		                "(%s) has %u lines, 0..%u",
		                port, ls_step_name(s, name, sizeof(name)), s->chip,
		                gpiod_chip_label(c->chip), n, n ? n - 1 : 0);
	for (size_t i = 0; i < g->nlines; i++)
		if (g->lines[i].chip == s->chip && g->lines[i].line == s->line)
			return STP_OK;
	g->lines[g->nlines].chip = s->chip;
	g->lines[g->nlines].line = s->line;
	g->lines[g->nlines].l = NULL;
	g->nlines++;
	return STP_OK;
}

stp_status gpio_lines_open(stp_ctx *ctx, const ls_init *init,
                           const char *port, gpio_lines **out)
{
	const ls_seq *lists[2] = {&init->entry, &init->exit};
	gpio_lines *g = calloc(1, sizeof(*g));
	stp_status st;

	*out = NULL;
	if (!g)
		return stp_fail(ctx, STP_ERR_NOMEM, NULL, "out of memory");
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if (lists[l]->steps[i].signal == LS_GPIO &&
			    (st = check_step(ctx, g, &lists[l]->steps[i], port))) {
				gpio_lines_close(g);
				return st;
			}
	*out = g;
	return STP_OK;
}

int gpio_lines_set(gpio_lines *g, unsigned chip, unsigned line, bool high)
{
	for (size_t i = 0; i < g->nlines; i++) {
		struct gpiod_line *l;

		if (g->lines[i].chip != chip || g->lines[i].line != line)
			continue;
		if ((l = g->lines[i].l))
			goto set;
		l = gpiod_chip_get_line(slot_of(g, chip)->chip, line);
		/* Requested at its first level: the line moves now, not
		 * before its turn in the sequence. */
		if (!l || gpiod_line_request_output(l, CONSUMER, high) < 0) {
			int err = errno;
			const char *user = l ? gpiod_line_consumer(l) : NULL;
			snprintf(g->err, sizeof(g->err), "%s%s%s", strerror(err),
			         err == EBUSY && user ? "; it is in use by " : "",
			         err == EBUSY && user ? user : "");
			return -1;
		}
		g->lines[i].l = l;
		return 0;
set:
		if (gpiod_line_set_value(l, high) < 0) {
			snprintf(g->err, sizeof(g->err), "%s", strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(g->err, sizeof(g->err), "gpiochip%u line %u was not checked",
	         chip, line);
	return -1;
}

const char *gpio_lines_error(const gpio_lines *g)
{
	return g->err;
}

void gpio_lines_close(gpio_lines *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nlines; i++)
		if (g->lines[i].l)
			gpiod_line_release(g->lines[i].l);
	for (size_t i = 0; i < g->nchips; i++)
		gpiod_chip_close(g->chips[i].chip);
	free(g);
}

#else /* !HAVE_LIBGPIOD */

struct gpio_lines {
	int unused;
};

bool gpio_lines_available(void)
{
	return false;
}

stp_status gpio_lines_open(stp_ctx *ctx, const ls_init *init,
                           const char *port, gpio_lines **out)
{
	(void)init;
	*out = NULL;
	return stp_fail(ctx, STP_ERR_UNSUPPORTED,
	                "build stmprog with libgpiod (Debian: libgpiod-dev) to "
	                "drive GPIO lines",
	                "init= on %s names a GPIO line, and this stmprog was "
	                "built without libgpiod", port);
}

int gpio_lines_set(gpio_lines *g, unsigned chip, unsigned line, bool high)
{
	(void)g;
	(void)chip;
	(void)line;
	(void)high;
	return -1;
}

const char *gpio_lines_error(const gpio_lines *g)
{
	(void)g;
	return "built without libgpiod";
}

void gpio_lines_close(gpio_lines *g)
{
	(void)g;
}
#endif

/* Host GPIO lines (a Raspberry Pi's header, a jig's GPIO expander) for
 * the LS_GPIO steps of init=, through libgpiod's character-device API
 * (v1, Debian bookworm's 1.6).
 *
 * gpio_lines_open checks, before the serial port is touched, that every
 * chip the sequence names exists and has the lines; a line is requested
 * as an output only when the sequence first sets it, with that level, so
 * no line moves before its turn.  The lines stay requested (and driven)
 * until gpio_lines_close, after EXIT.
 *
 * Without libgpiod, gpio_lines_open fails with a sentence saying so. */
#ifndef STMPROG_UART_GPIO_LINES_H
#define STMPROG_UART_GPIO_LINES_H

#include <stdbool.h>

#include "line_seq.h"

typedef struct gpio_lines gpio_lines;

bool gpio_lines_available(void);

/* For every LS_GPIO step of init: chip present and line in range.  port
 * is for messages. */
stp_status gpio_lines_open(stp_ctx *ctx, const ls_init *init,
                           const char *port, gpio_lines **out);
/* 0, or -1 with gpio_lines_error() saying why. */
int gpio_lines_set(gpio_lines *g, unsigned chip, unsigned line, bool high);
const char *gpio_lines_error(const gpio_lines *g);
void gpio_lines_close(gpio_lines *g);

#endif

/* line_display.h: being written. */

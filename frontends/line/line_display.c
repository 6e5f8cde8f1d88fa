/* line_display.c: being written. */
#include "config.h"

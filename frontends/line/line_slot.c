/* line_slot.c: being written. */
#include "config.h"

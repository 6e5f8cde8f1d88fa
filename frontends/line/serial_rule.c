/* serial_rule.c: being written. */
#include "config.h"

/* stmprog-sim: placeholder for the ftdi device side (issue 16), filled in next. */
#include "config.h"

#include "sim_ftdi.h"

typedef int sim_ftdi_placeholder;

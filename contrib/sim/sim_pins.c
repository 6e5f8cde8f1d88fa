/* stmprog-sim: BOOT0/NRST wiring (sim_pins.h); placeholder, filled in next. */
#include "config.h"

#include "sim_pins.h"

typedef int sim_pins_placeholder;

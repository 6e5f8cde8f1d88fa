/* stmprog-sim: placeholder for the gadget device side (issue 16), filled in next. */
#include "config.h"

#include "sim_gadget.h"

typedef int sim_gadget_placeholder;

/* stmprog-sim: placeholder for the gadget device side (issue 16), filled in next. */
#ifndef STMPROG_SIM_GADGET_H
#define STMPROG_SIM_GADGET_H
#endif

/* stmprog-sim: placeholder for the ftdi device side (issue 16), filled in next. */
#ifndef STMPROG_SIM_FTDI_H
#define STMPROG_SIM_FTDI_H
#endif

/* stmprog-sim: a serial-line CAN adapter (Lawicel/slcan ASCII, like a
 * CANable or USBtin) on a pseudo-terminal, with the chip's CAN bootloader
 * (sim_canboot.h) behind it on a simulated bus.
 *
 * The transport "slcan": {port} is "slcan:/dev/pts/N".  Its ops table is
 * sim_slcan_transport (see sim_transport.h); nothing else is exported. */
#ifndef STMPROG_SIM_SLCAN_H
#define STMPROG_SIM_SLCAN_H

#include "sim_transport.h"

#endif

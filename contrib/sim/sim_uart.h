/* stmprog-sim: the USART bootloader's device side (ST AN3155).
 *
 * The transport "uart": a sim_link (pty) carrying the AN3155 protocol to
 * the simulated chip.  Its ops table is sim_uart_transport (see
 * sim_transport.h); nothing else is exported. */
#ifndef STMPROG_SIM_UART_H
#define STMPROG_SIM_UART_H

#include "sim_transport.h"

#endif

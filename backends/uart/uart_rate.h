/* The USART bootloader's rate: how br= compares with what the chip's ROM
 * is known to accept, and what reading costs at it. */
#ifndef STMPROG_UART_RATE_H
#define STMPROG_UART_RATE_H

#include <stdint.h>

#include "stmprog/chip.h"
#include "stmprog/context.h"

/* The rate AN3155 tests on every family; above it the ROM's clock
 * decides (stp_chip_uart_max_baud). */
#define UART_RATE_TESTED 115200u

/* After GET ID: a warning when baud is above the chip's known limit
 * (naming it and whether it is confirmed), or above UART_RATE_TESTED on
 * a PID the database lacks (chip NULL); a note when it is within a
 * limit no report confirms yet. */
void uart_rate_check(stp_ctx *ctx, const char *port, unsigned baud,
                     uint16_t pid, const stp_chip *chip);
/* Before the port is touched, for a part named with --chip: refuses
 * (STP_ERR_PORTSPEC) a baud the chip database knows the ROM never
 * accepts (stp_chip_uart_never_baud), naming the top rate to use. */
stp_status uart_rate_refuse(stp_ctx *ctx, const char *port, unsigned baud,
                            const stp_chip *chip);

/* stp_caps.read_us_per_kib: microseconds to read 1 KiB in 256-byte READ
 * MEMORY commands at baud with bits_per_byte on the wire, each command's
 * three turnarounds (ACK to the command, to the address, to the count)
 * costing latency_ms of the adapter. */
uint32_t uart_read_us_per_kib(unsigned baud, unsigned bits_per_byte,
                              unsigned latency_ms);

#endif

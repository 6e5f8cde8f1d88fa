/* FTDI CBUS pins (and the adapter's RTS, DTR, break) through libftdi1,
 * for fixtures that wire BOOT0 and NRST to CBUS0..3 (FT232R, FT-X: the
 * pins must be set to "I/O mode" in the adapter's EEPROM first).
 *
 * The constraint that shapes its use: libftdi1 talks to the USB device
 * directly, so the kernel's ftdi_sio driver must let go of it, and while
 * it does, /dev/ttyUSBn does not exist.  So a sequence that names a CBUS
 * pin runs entirely through libftdi1 while the tty is closed: ENTRY before
 * the serial port is opened, EXIT after it is closed.  The context is
 * opened with AUTO_DETACH_REATACH_SIO_MODULE (libftdi1 >= 1.5), which
 * gives the device back to ftdi_sio when it closes; the tty then comes
 * back (ftdi_lines_wait_port).  CBUS bit-bang levels survive that, RTS and
 * DTR do not (opening a tty raises them), so put BOOT0/NRST on CBUS pins
 * when the sequence uses any.
 *
 * Without libftdi1 every function fails with a sentence saying so. */
#ifndef STMPROG_UART_FTDI_LINES_H
#define STMPROG_UART_FTDI_LINES_H

#include <stdbool.h>

#include "line_seq.h"
#include "stmprog/portspec.h"

bool ftdi_lines_available(void);

/* Runs list (ENTRY or EXIT of init) on the adapter at USB bus/addr.  For
 * EXIT, the CBUS pins ENTRY set keep their levels (after_entry). */
stp_status ftdi_lines_run(stp_ctx *ctx, const stp_portspec *spec, int bus,
                          int addr, const ls_init *init, bool exit_list);

/* Waits up to timeout_ms for port's node to reappear after ftdi_sio
 * re-attached (the caller still retries opening it: udev may be slower). */
stp_status ftdi_lines_wait_port(stp_ctx *ctx, const char *port,
                                unsigned timeout_ms);

#endif

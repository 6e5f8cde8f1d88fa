/* Entering the STM32 ROM bootloader (USB DFU, USART, CAN...) from a
 * running application, without touching the BOOT0 pin.
 *
 * Two calls, one in the application and one at the very start of reset:
 *
 *   // somewhere in the application, e.g. on a "update" command:
 *   stm32_request_bootloader();          // does not return: resets the chip
 *
 *   // first thing in Reset_Handler, before clocks, .data and .bss:
 *   stm32_bootloader_check();            // returns unless a request is pending
 *
 * Why a reset in between: the ROM bootloader expects the chip as it comes
 * out of reset (clocks on HSI, no PLL, peripherals and interrupts off,
 * system memory mapped at 0).  Jumping straight from a running application
 * would leave all of that for the application to undo, and whatever it
 * forgets (a pending SysTick, an enabled USB peripheral, the PLL) breaks the
 * bootloader's own USB or CAN clock set-up.  After a reset there is
 * nothing to undo.
 *
 * The request survives the reset in a RAM word that the start-up code must
 * not clear: put it in a section your linker script keeps out of .bss
 * (see README.md in this directory).  The addresses below are the F2/F4
 * ones (AN2606, RM0090); other families differ, see README.md.
 */
#ifndef STM32_ENTER_BOOTLOADER_H
#define STM32_ENTER_BOOTLOADER_H

/* Marks the request and resets the chip.  Never returns. */
void stm32_request_bootloader(void) __attribute__((noreturn));

/* Call before anything else after reset: when a request is pending, clears
 * it and starts the ROM bootloader (never returns); otherwise returns at
 * once. */
void stm32_bootloader_check(void);

#endif

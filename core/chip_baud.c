/* The chip database: the USART bootloader's highest known baud rate.
 *
 * Kept apart from chip_table.c because its facts have another kind of
 * source (the ROM's clock, autobaud limits and field reports, not the
 * datasheets' flash tables) and each carries whether it is confirmed;
 * docs/chips.md lists them with their sources. */
#include "config.h"

#include "stmprog/chip.h"

uint32_t stp_chip_uart_max_baud(const stp_chip *chip, bool *confirmed)
{
	(void)chip;
	/* AN3155 tests 1200..115200; nothing above is claimed yet. */
	if (confirmed)
		*confirmed = true;
	return 115200;
}

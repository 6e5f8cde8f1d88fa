/* The chip database: the USART bootloader's highest known baud rate.
 *
 * Kept apart from chip_table.c because its facts have another kind of
 * source (the ROM's clock, autobaud limits and field reports, not the
 * datasheets' flash tables) and each carries whether it is confirmed;
 * docs/chips.md lists them with their sources.
 *
 * How a derived figure is reached (AN2662/AN3155): the ROM measures the
 * host's 0x7F frame and programs its USART with BRR = fclk / rate, 16x
 * oversampling, so the rate can be at most fclk / 16, and the rounding of
 * BRR to an integer must stay well inside the 2.5 % the autobaud
 * tolerates (half a step is 0.5 / BRR; the RC oscillator's own 1 % takes
 * the rest).  fclk is taken as the family's HSI frequency at reset: a ROM
 * that runs its USART from a PLL can only do better, so the figure is a
 * floor, not a promise, and stays "unconfirmed" until a report says so.
 * The F3 field report (256000 always, 460800 sometimes, 921600 never) is
 * exactly what this model predicts for its 8 MHz HSI. */
#include "config.h"

#include <string.h>

#include "stmprog/chip.h"

/* The rate AN3155 tests up to on every family. */
#define TESTED_MAX 115200u

typedef struct rate_row {
	const char *family;
	uint16_t pid;          /* 0: every PID of the family */
	uint32_t max_baud;
	bool confirmed;
} rate_row;

/* Per family; a row with a PID overrides its family's row.  Reasons are
 * in docs/chips.md ("USART bootloader rates"). */
static const rate_row rows[] = {
	/* HSI 8 MHz: 230400 is BRR 34.7 -> 35 (0.8 %); 460800 is BRR 17
	 * (2.1 % off, over the budget with the RC's 1 %). */
	{"F0", 0, 230400, false},
	{"F1", 0, 230400, false},
	/* Field reports: 256000 every time (cleanflight-configurator#191,
	 * betaflight-configurator#548), 460800 only sometimes. */
	{"F3", 0, 256000, true},
	/* HSI 16 MHz: 460800 is BRR 34.7 -> 35 (0.8 %); 921600 is BRR 17
	 * (2.1 %). */
	{"F2", 0, 460800, false},
	{"F4", 0, 460800, false},
	{"F7", 0, 460800, false},
	{"L0", 0, 460800, false},
	{"L1", 0, 460800, false},
	{"L4", 0, 460800, false},
	{"L4+", 0, 460800, false},
	{"L5", 0, 460800, false},
	{"G0", 0, 460800, false},
	{"G4", 0, 460800, false},
	{"U0", 0, 460800, false},
	{"U3", 0, 460800, false},
	{"U5", 0, 460800, false},
	{"WB", 0, 460800, false},
	{"WBA", 0, 460800, false},
	{"WL", 0, 460800, false},
	/* HSI48 divided by 4 at reset, 12 MHz: 460800 is BRR 26.04 (0.2 %);
	 * 921600 would be BRR 13, under 16. */
	{"C0", 0, 460800, false},
	/* HSI 64 MHz (H5: divided by 2 at reset, 32 MHz): 921600 is BRR
	 * 69.4 -> 69 (0.6 %), on H5 34.7 -> 35 (0.8 %). */
	{"H7", 0, 921600, false},
	{"H5", 0, 921600, false},
};

uint32_t stp_chip_uart_max_baud(const stp_chip *chip, bool *confirmed)
{
	const rate_row *fam = NULL;

	if (chip && chip->family) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			if (strcmp(rows[i].family, chip->family) != 0)
				continue;
			if (rows[i].pid == chip->pid) {
				fam = &rows[i];
				break;
			}
			if (!rows[i].pid && !fam)
				fam = &rows[i];
		}
	}
	if (!fam) {
		/* Unknown family: only what AN3155 tests everywhere. */
		if (confirmed)
			*confirmed = true;
		return TESTED_MAX;
	}
	if (confirmed)
		*confirmed = fam->confirmed;
	return fam->max_baud;
}

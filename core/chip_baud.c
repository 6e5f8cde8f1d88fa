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

#include <stdio.h>
#include <string.h>

#include "stmprog/chip.h"

/* The rate AN3155 tests up to on every family. */
#define TESTED_MAX 115200u

typedef struct rate_row {
	const char *family;
	uint16_t pid;          /* 0: every PID of the family */
	uint32_t max_baud;
	bool confirmed;
	/* The family's highest core clock in the datasheets, MHz: a USART
	 * divides its clock by 8 at least (OVER8), so no ROM can take a
	 * rate above max_mhz / 8. */
	uint16_t max_mhz;
	/* The lowest rate field reports say never works, 0 = none known. */
	uint32_t never_baud;
} rate_row;

/* Per family; a row with a PID overrides its family's row.  Reasons are
 * in docs/chips.md ("USART bootloader rates"). */
static const rate_row rows[] = {
	/* HSI 8 MHz: 230400 is BRR 34.7 -> 35 (0.8 %); 460800 is BRR 17
	 * (2.1 % off, over the budget with the RC's 1 %). */
	{"F0", 0, 230400, false, 48, 0},
	{"F1", 0, 230400, false, 72, 0},
	/* Field reports: 256000 every time (cleanflight-configurator#191,
	 * betaflight-configurator#548), 460800 only sometimes. */
	{"F3", 0, 256000, true, 72, 921600},
	/* HSI 16 MHz: 460800 is BRR 34.7 -> 35 (0.8 %); 921600 is BRR 17
	 * (2.1 %). */
	{"F2", 0, 460800, false, 120, 0},
	{"F4", 0, 460800, false, 180, 0},
	{"F7", 0, 460800, false, 216, 0},
	{"L0", 0, 460800, false, 32, 0},
	{"L1", 0, 460800, false, 32, 0},
	{"L4", 0, 460800, false, 80, 0},
	{"L4+", 0, 460800, false, 120, 0},
	{"L5", 0, 460800, false, 110, 0},
	{"G0", 0, 460800, false, 64, 0},
	{"G4", 0, 460800, false, 170, 0},
	{"U0", 0, 460800, false, 56, 0},
	{"U3", 0, 460800, false, 96, 0},
	{"U5", 0, 460800, false, 160, 0},
	{"WB", 0, 460800, false, 64, 0},
	{"WBA", 0, 460800, false, 100, 0},
	{"WL", 0, 460800, false, 48, 0},
	/* HSI48 divided by 4 at reset, 12 MHz: 460800 is BRR 26.04 (0.2 %);
	 * 921600 would be BRR 13, under 16. */
	{"C0", 0, 460800, false, 48, 0},
	/* HSI 64 MHz (H5: divided by 2 at reset, 32 MHz): 921600 is BRR
	 * 69.4 -> 69 (0.6 %), on H5 34.7 -> 35 (0.8 %). */
	{"H7", 0, 921600, false, 550, 0},
	{"H5", 0, 921600, false, 250, 0},
};

static const rate_row *row_of(const stp_chip *chip)
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
	return fam;
}

uint32_t stp_chip_uart_max_baud(const stp_chip *chip, bool *confirmed)
{
	const rate_row *fam = row_of(chip);

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

uint32_t stp_chip_uart_never_baud(const stp_chip *chip, char *why,
                                  size_t whylen)
{
	const rate_row *fam = row_of(chip);
	uint32_t fastest;

	if (why && whylen)
		why[0] = '\0';
	if (!fam)
		return 0;
	fastest = (uint32_t)fam->max_mhz * 1000000u / 8u;
	if (fam->never_baud && fam->never_baud <= fastest) {
		if (why)
			snprintf(why, whylen, "field reports say its ROM never syncs "
			         "at %lu baud or more (docs/chips.md)",
			         (unsigned long)fam->never_baud);
		return fam->never_baud;
	}
	if (why)
		snprintf(why, whylen, "no %s USART runs faster than the family's "
		         "highest clock, %u MHz, divided by 8: %lu baud",
		         fam->family, fam->max_mhz, (unsigned long)fastest);
	return fastest + 1u;
}

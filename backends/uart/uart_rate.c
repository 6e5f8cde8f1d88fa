/* The USART bootloader's rate (see uart_rate.h). */
#include "config.h"

#include "uart_rate.h"

/* One READ MEMORY of 256 bytes: the host sends the command (2), the
 * address and its checksum (5), N and ~N (2); the ROM answers three ACKs
 * and the 256 bytes. */
#define READ_HOST_BYTES 9u
#define READ_DEVICE_BYTES (3u + 256u)
#define READ_TURNAROUNDS 3u
#define READS_PER_KIB 4u

void uart_rate_check(stp_ctx *ctx, const char *port, unsigned baud,
                     uint16_t pid, const stp_chip *chip)
{
	bool confirmed = false;
	uint32_t max, never;

	if (!chip) {
		if (baud > UART_RATE_TESTED)
			stp_log(ctx, STP_LOG_WARN,
			        "%s: br=%u: PID 0x%03X is not in the chip database, so "
			        "its bootloader's top rate is unknown (AN3155 tests up "
			        "to %u); if transfers fail, use br=%u",
			        port, baud, (unsigned)pid, UART_RATE_TESTED,
			        UART_RATE_TESTED);
		return;
	}
	max = stp_chip_uart_max_baud(chip, &confirmed);
	never = stp_chip_uart_never_baud(chip, NULL, 0);
	if (never && baud >= never)
		stp_log(ctx, STP_LOG_WARN,
		        "%s: br=%u: the %s USART bootloader answered at a rate the "
		        "chip database says it never takes (from %lu); please "
		        "report it (docs/chips.md)",
		        port, baud, chip->family, (unsigned long)never);
	else if (baud > max)
		stp_log(ctx, STP_LOG_WARN,
		        "%s: br=%u is above %lu, the highest rate the %s USART "
		        "bootloader is known to accept (%s, docs/chips.md); if "
		        "transfers fail, use br=%lu or lower",
		        port, baud, (unsigned long)max, chip->family,
		        confirmed ? "confirmed" : "derived from its clock, "
		                                  "unconfirmed",
		        (unsigned long)max);
	else if (baud > UART_RATE_TESTED && !confirmed)
		stp_log(ctx, STP_LOG_INFO,
		        "%s: br=%u is within %lu, the %s bootloader's top rate "
		        "derived from its clock, which no report confirms yet",
		        port, baud, (unsigned long)max, chip->family);
}

stp_status uart_rate_refuse(stp_ctx *ctx, const char *port, unsigned baud,
                            const stp_chip *chip)
{
	char why[160];
	uint32_t never = stp_chip_uart_never_baud(chip, why, sizeof(why));

	if (!never || baud < never)
		return STP_OK;
	return stp_fail(ctx, STP_ERR_PORTSPEC, NULL,
	                "%s: br=%u is impossible for the %s USART bootloader: "
	                "%s; use br=%lu or lower (its highest known rate), or "
	                "br=%u (AN3155's tested range)",
	                port, baud, chip->family, why,
	                (unsigned long)stp_chip_uart_max_baud(chip, NULL),
	                UART_RATE_TESTED);
}

uint32_t uart_read_us_per_kib(unsigned baud, unsigned bits_per_byte,
                              unsigned latency_ms)
{
	uint64_t wire, per_read;

	if (!baud || !bits_per_byte)
		return 0;
	wire = (uint64_t)(READ_HOST_BYTES + READ_DEVICE_BYTES) * bits_per_byte *
	       1000000u / baud;
	per_read = wire + (uint64_t)READ_TURNAROUNDS * latency_ms * 1000u;
	per_read *= READS_PER_KIB;
	return per_read > UINT32_MAX ? UINT32_MAX : (uint32_t)per_read;
}

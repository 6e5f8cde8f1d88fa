/* The STM32 CRC unit's CRC-32, as the bootloaders' GET CHECKSUM command
 * computes it over flash: each 32-bit word is read little-endian from
 * memory and shifted in most significant bit first. */
#include "config.h"

#include "stmprog/plan.h"

uint32_t stp_crc32_stm32(uint32_t crc, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t word = (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8 |
		                (uint32_t)buf[i + 2] << 16 | (uint32_t)buf[i + 3] << 24;
		crc ^= word;
		for (int b = 0; b < 32; b++)
			crc = crc & 0x80000000u ? (crc << 1) ^ 0x04C11DB7u : crc << 1;
	}
	return crc;
}

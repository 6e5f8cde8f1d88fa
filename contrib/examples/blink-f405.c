/* The example image of stmprog's README: blinks the LED on PD12 of an
 * STM32F405/407 board (STM32F4-Discovery wiring), with nothing but
 * register writes, so it builds with arm-none-eabi-gcc alone.
 * Rebuild blink-f405.hex with contrib/examples/build.sh. */
#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR REG(0x40023830u)
#define GPIOD_MODER REG(0x40020C00u)
#define GPIOD_ODR REG(0x40020C14u)

void reset_handler(void);
extern uint32_t stack_top; /* from the linker script: end of SRAM */

/* The vector table the ROM's GO and a reset read: initial SP, reset PC. */
__attribute__((section(".vectors"), used))
static const void *const vectors[2] = {&stack_top, (void *)reset_handler};

void reset_handler(void)
{
	RCC_AHB1ENR |= 1u << 3;            /* clock GPIOD */
	GPIOD_MODER = (GPIOD_MODER & ~(3u << 24)) | (1u << 24); /* PD12 output */
	for (;;) {
		GPIOD_ODR ^= 1u << 12;
		for (volatile uint32_t i = 0; i < 1000000u; i++)
			;
	}
}

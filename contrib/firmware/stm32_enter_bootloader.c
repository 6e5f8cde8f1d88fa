/* Entering the STM32 ROM bootloader from the application: see
 * stm32_enter_bootloader.h for how to use it and why it resets first.
 *
 * Plain register addresses instead of CMSIS headers, so the file builds
 * on its own with arm-none-eabi-gcc; values for STM32F2/F4 (RM0090,
 * AN2606).  For another family change SYSTEM_MEMORY and the memory remap
 * (README.md lists them). */
#include <stdint.h>

#include "stm32_enter_bootloader.h"

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* Where the ROM bootloader lives: its vector table (initial stack
 * pointer, then the reset vector).  F2/F4: 0x1FFF0000.  `stmprog --chip
 * NAME` prints it for every chip as "system memory". */
#define SYSTEM_MEMORY 0x1FFF0000u

/* F4: SYSCFG_MEMRMP MEM_MODE = 01 maps system flash at 0x00000000, so the
 * bootloader's interrupt vectors are the ones taken.  SYSCFG needs its
 * clock (RCC_APB2ENR.SYSCFGEN) to be written. */
#define RCC_APB2ENR   0x40023844u
#define RCC_APB2ENR_SYSCFGEN (1u << 14)
#define SYSCFG_MEMRMP 0x40013800u
#define MEMRMP_SYSTEM_FLASH 0x1u

/* Cortex-M: application interrupt and reset control. */
#define SCB_AIRCR 0xE000ED0Cu
#define AIRCR_SYSRESETREQ (0x05FAu << 16 | 1u << 2)

/* "BOOT" in ASCII: any other value (power-on garbage) means no request. */
#define REQUEST_MAGIC 0x424F4F54u

/* Kept across a system reset: the linker script must place .noinit where
 * the start-up code neither copies nor zeroes (NOLOAD). */
static volatile uint32_t bootloader_request __attribute__((section(".noinit")));

void stm32_request_bootloader(void)
{
	bootloader_request = REQUEST_MAGIC;
	__asm volatile("dsb" ::: "memory");
	REG32(SCB_AIRCR) = AIRCR_SYSRESETREQ;
	__asm volatile("dsb" ::: "memory");
	for (;;)
		; /* the reset takes a few cycles */
}

void stm32_bootloader_check(void)
{
	uint32_t sp, pc;

	if (bootloader_request != REQUEST_MAGIC)
		return;
	/* Cleared first, so the application runs again after the next
	 * reset (the bootloader's "leave" or a power cycle). */
	bootloader_request = 0;

	REG32(RCC_APB2ENR) |= RCC_APB2ENR_SYSCFGEN;
	(void)REG32(RCC_APB2ENR); /* the write lands before SYSCFG is used */
	REG32(SYSCFG_MEMRMP) = MEMRMP_SYSTEM_FLASH;

	sp = REG32(SYSTEM_MEMORY);
	pc = REG32(SYSTEM_MEMORY + 4u);
	/* The bootloader's own stack, then its reset handler, as a reset
	 * with BOOT0 high would start it. */
	__asm volatile("msr msp, %0" : : "r"(sp) : "memory");
	((void (*)(void))pc)();
	for (;;)
		;
}

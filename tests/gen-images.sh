#!/bin/sh
# Produces reference images with tools independent of stmprog, for the
# image tests (tests/test_image_tools.c runs it into a temporary directory):
#
#   fw.elf          a tiny Cortex-M firmware: vector table, code, .rodata,
#                   initialised .data stored in flash after .text (its LMA)
#                   and run in RAM, and .bss; arm-none-eabi-gcc
#   fw.hex fw.srec fw.bin   arm-none-eabi-objcopy -O ihex / srec / binary
#   fw.dfu          dfuse-pack -b 0x08000000:fw.bin
#   gap.hex         srec_cat: fw.bin with 0x40..0x7F cut out, plus a second
#                   copy at 0x08010000
#
# Usage: gen-images.sh OUTDIR.  A missing tool is not an error here: its
# outputs are simply absent and the tests that need them skip, naming the
# Debian package.  A tool that is present but fails is an error.
set -eu

out=${1:?usage: gen-images.sh OUTDIR}
mkdir -p "$out"
cd "$out"

have() { command -v "$1" >/dev/null 2>&1; }

if have arm-none-eabi-gcc && have arm-none-eabi-objcopy; then
	cat > fw.c <<'C'
#include <stdint.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
void Reset_Handler(void);
void Default_Handler(void);
int main(void);

/* Initialised data: its bytes live in flash at the LMA. */
volatile uint32_t counter = 0x12345678;
uint32_t table[5] = {0xA1A2A3A4, 0xB1B2B3B4, 0xC1C2C3C4, 0xD1D2D3D4, 5};
const char greeting[] = "stmprog image test firmware";
uint32_t scratch[16];

__attribute__((section(".isr_vector"), used))
void (*const vectors[16])(void) = {
	(void (*)(void))&_estack, Reset_Handler,
	Default_Handler, Default_Handler, Default_Handler, Default_Handler,
	Default_Handler, 0, 0, 0, 0, Default_Handler, Default_Handler, 0,
	Default_Handler, Default_Handler,
};

void Reset_Handler(void)
{
	uint32_t *s = &_sidata, *d = &_sdata;

	while (d < &_edata)
		*d++ = *s++;
	for (d = &_sbss; d < &_ebss; d++)
		*d = 0;
	main();
	for (;;)
		;
}

void Default_Handler(void)
{
	for (;;)
		;
}

int main(void)
{
	unsigned i;

	for (i = 0; i < 16; i++)
		scratch[i] = table[i % 5] + greeting[i] + counter;
	counter = scratch[3];
	return 0;
}
C
	cat > fw.ld <<'LD'
ENTRY(Reset_Handler)
MEMORY
{
	FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 64K
	RAM (rwx)  : ORIGIN = 0x20000000, LENGTH = 20K
}
_estack = ORIGIN(RAM) + LENGTH(RAM);
SECTIONS
{
	.isr_vector : { KEEP(*(.isr_vector)) } > FLASH
	.text : { *(.text*) *(.rodata*) . = ALIGN(4); } > FLASH
	_sidata = LOADADDR(.data);
	.data : { _sdata = .; *(.data*) . = ALIGN(4); _edata = .; } > RAM AT > FLASH
	.bss (NOLOAD) : { _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; } > RAM
	/DISCARD/ : { *(.ARM.exidx*) *(.ARM.attributes) *(.comment) }
}
LD
	arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -ffreestanding \
		-nostdlib -nostartfiles -Wl,--build-id=none -T fw.ld \
		-o fw.elf fw.c
	arm-none-eabi-objcopy -O ihex fw.elf fw.hex
	arm-none-eabi-objcopy -O srec fw.elf fw.srec
	arm-none-eabi-objcopy -O binary fw.elf fw.bin
	# The entry point, for the tests to compare with.
	arm-none-eabi-readelf -h fw.elf | sed -n 's/.*Entry point address: *//p' \
		> fw.entry
fi

if [ -f fw.bin ] && have dfuse-pack; then
	dfuse-pack -b 0x08000000:fw.bin fw.dfu > dfuse-pack.log
fi

if [ -f fw.bin ] && have srec_cat; then
	srec_cat fw.bin -binary -offset 0x08000000 \
		-exclude 0x08000040 0x08000080 \
		fw.bin -binary -offset 0x08010000 \
		-o gap.hex -intel
fi
exit 0

#!/bin/sh
# Rebuilds the example image from its source (needs gcc-arm-none-eabi).
set -e
cd "$(dirname "$0")"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -nostdlib -ffreestanding \
	-Wall -Wextra -T blink-f405.ld -o blink-f405.elf blink-f405.c
arm-none-eabi-objcopy -O ihex blink-f405.elf blink-f405.hex
rm -f blink-f405.elf

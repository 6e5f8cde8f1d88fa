# Things users install by hand or distributions pick up.
EXTRA_DIST += contrib/udev/50-stmprog.rules

include contrib/sim/local.mk

# The README's example image, its source and how to rebuild it.
EXTRA_DIST += contrib/examples/blink-f405.hex contrib/examples/blink-f405.c \
	contrib/examples/blink-f405.ld contrib/examples/build.sh

# Entering the ROM bootloader from an application (no BOOT0 pin needed).
EXTRA_DIST += contrib/firmware/README.md contrib/firmware/stm32_enter_bootloader.c \
	contrib/firmware/stm32_enter_bootloader.h

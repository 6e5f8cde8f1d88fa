# The udev rule and the bash completion go where udev and bash-completion
# look for them (configure asks their pkg-config files, or takes
# --with-udev-rules-dir / --with-bash-completion-dir); they are in the
# tarball whether or not this build installs them.  A completion file is
# named after its command: bash-completion loads it on the first <Tab>.
EXTRA_DIST += contrib/udev/50-stmprog.rules contrib/completion/stmprog \
	contrib/completion/stmprog-line
if INSTALL_UDEV_RULES
udevrules_DATA = contrib/udev/50-stmprog.rules
endif
if INSTALL_BASH_COMPLETION
bashcompletion_DATA = contrib/completion/stmprog
if BUILD_LINE
bashcompletion_DATA += contrib/completion/stmprog-line
endif
endif

include contrib/sim/local.mk

# The README's example image, its source and how to rebuild it.
EXTRA_DIST += contrib/examples/blink-f405.hex contrib/examples/blink-f405.c \
	contrib/examples/blink-f405.ld contrib/examples/build.sh

# Entering the ROM bootloader from an application (no BOOT0 pin needed).
EXTRA_DIST += contrib/firmware/README.md contrib/firmware/stm32_enter_bootloader.c \
	contrib/firmware/stm32_enter_bootloader.h

# chip database sources (see chip.h and docs/chips.md)
core_libstmprog_la_SOURCES += core/chip_table.c core/chip.c core/chip_baud.c

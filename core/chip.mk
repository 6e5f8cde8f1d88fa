# chip database sources (see chip.h)

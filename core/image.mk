# image format sources (see image.h).  The internal header is listed with
# the sources (not noinst_HEADERS, which Makefile.am does not initialise)
# so it is distributed without a second assignment to a shared variable.
core_libstmprog_la_SOURCES += \
	core/image.c \
	core/image_internal.h \
	core/image_bin.c \
	core/image_ihex.c \
	core/image_srec.c \
	core/image_elf.c \
	core/image_dfuse.c

# libFuzzer harnesses over the parsers of untrusted bytes in the core and
# the front-end (images, port specifications, the DfuSe layout string,
# option-byte KEY=VALUE, the command line).  They are EXTRA_PROGRAMS:
# built only by `make fuzz` in a tree configured with --enable-fuzz
# (CC=clang); tests/fuzz/run.sh configures, builds and runs them.  The
# backends' reply parsers have their own list in tests/fuzz/backends.mk.
# Each harness is tests/fuzz/fuzz_NAME.c, its seeds tests/fuzz/corpus/NAME/
# and its dictionary, where one helps, tests/fuzz/NAME.dict.
FUZZ_CORE_HARNESSES = \
	tests/fuzz/fuzz_image_bin \
	tests/fuzz/fuzz_image_ihex \
	tests/fuzz/fuzz_image_srec \
	tests/fuzz/fuzz_image_elf \
	tests/fuzz/fuzz_image_dfuse \
	tests/fuzz/fuzz_image_dfu \
	tests/fuzz/fuzz_portspec \
	tests/fuzz/fuzz_dfuse_layout \
	tests/fuzz/fuzz_option_bytes \
	tests/fuzz/fuzz_cli
FUZZ_LIBS = core/libstmprog.la $(LTDL_LIBS) $(PTHREAD_LIBS)

FUZZ_IMAGE_H = tests/fuzz/fuzz_image_common.h
tests_fuzz_fuzz_image_bin_SOURCES = tests/fuzz/fuzz_image_bin.c $(FUZZ_IMAGE_H)
tests_fuzz_fuzz_image_bin_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_image_bin_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_image_ihex_SOURCES = tests/fuzz/fuzz_image_ihex.c $(FUZZ_IMAGE_H)
tests_fuzz_fuzz_image_ihex_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_image_ihex_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_image_srec_SOURCES = tests/fuzz/fuzz_image_srec.c $(FUZZ_IMAGE_H)
tests_fuzz_fuzz_image_srec_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_image_srec_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_image_elf_SOURCES = tests/fuzz/fuzz_image_elf.c $(FUZZ_IMAGE_H)
tests_fuzz_fuzz_image_elf_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_image_elf_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_image_dfuse_SOURCES = tests/fuzz/fuzz_image_dfuse.c $(FUZZ_IMAGE_H)
tests_fuzz_fuzz_image_dfuse_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_image_dfuse_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_image_dfu_SOURCES = tests/fuzz/fuzz_image_dfu.c $(FUZZ_IMAGE_H)
tests_fuzz_fuzz_image_dfu_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_image_dfu_LDFLAGS = $(FUZZ_LDFLAGS)

FUZZ_SPLIT_H = tests/fuzz/fuzz_split.h
tests_fuzz_fuzz_portspec_SOURCES = tests/fuzz/fuzz_portspec.c $(FUZZ_SPLIT_H)
tests_fuzz_fuzz_portspec_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_portspec_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_dfuse_layout_SOURCES = tests/fuzz/fuzz_dfuse_layout.c $(FUZZ_SPLIT_H)
tests_fuzz_fuzz_dfuse_layout_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_dfuse_layout_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_option_bytes_SOURCES = tests/fuzz/fuzz_option_bytes.c $(FUZZ_SPLIT_H)
tests_fuzz_fuzz_option_bytes_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_option_bytes_LDFLAGS = $(FUZZ_LDFLAGS)
# The front-end is no library: its parser is compiled in.
tests_fuzz_fuzz_cli_SOURCES = tests/fuzz/fuzz_cli.c $(FUZZ_SPLIT_H) \
	frontends/cli.c frontends/cli.h
tests_fuzz_fuzz_cli_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_cli_LDFLAGS = $(FUZZ_LDFLAGS)

EXTRA_PROGRAMS += $(FUZZ_CORE_HARNESSES)
fuzz: $(FUZZ_CORE_HARNESSES) $(FUZZ_BACKEND_HARNESSES)

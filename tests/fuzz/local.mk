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

# Seeds and dictionaries travel in the tarball, so a release can fuzz as
# the repository does (the harness sources go with their programs).
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/run.sh tests/fuzz/make-seeds.sh \
	tests/fuzz/corpus/image_bin tests/fuzz/corpus/image_ihex \
	tests/fuzz/corpus/image_srec tests/fuzz/corpus/image_elf \
	tests/fuzz/corpus/image_dfuse tests/fuzz/corpus/image_dfu \
	tests/fuzz/corpus/portspec tests/fuzz/corpus/dfuse_layout \
	tests/fuzz/corpus/option_bytes tests/fuzz/corpus/cli \
	tests/fuzz/image_ihex.dict tests/fuzz/image_srec.dict \
	tests/fuzz/image_elf.dict tests/fuzz/image_dfuse.dict \
	tests/fuzz/image_dfu.dict tests/fuzz/portspec.dict \
	tests/fuzz/dfuse_layout.dict tests/fuzz/option_bytes.dict \
	tests/fuzz/cli.dict

fuzz: $(FUZZ_CORE_HARNESSES) $(FUZZ_BACKEND_HARNESSES)

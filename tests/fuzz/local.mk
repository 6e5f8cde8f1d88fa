# libFuzzer harnesses over the parsers of untrusted bytes in the core and
# the front-end (images, port specifications, the DfuSe layout string,
# option-byte KEY=VALUE, the command line).  They are EXTRA_PROGRAMS:
# built only by `make fuzz` in a tree configured with --enable-fuzz
# (CC=clang); tests/fuzz/run.sh configures, builds and runs them.  The
# backends' reply parsers have their own list in tests/fuzz/backends.mk.
# Each harness is tests/fuzz/fuzz_NAME.c, its seeds tests/fuzz/corpus/NAME/
# and its dictionary, where one helps, tests/fuzz/NAME.dict.
FUZZ_CORE_HARNESSES =
FUZZ_LIBS = core/libstmprog.la $(LTDL_LIBS) $(PTHREAD_LIBS)

EXTRA_PROGRAMS += $(FUZZ_CORE_HARNESSES)
fuzz: $(FUZZ_CORE_HARNESSES) $(FUZZ_BACKEND_HARNESSES)

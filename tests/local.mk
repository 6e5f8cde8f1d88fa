# Criterion tests.  Each test_*.c is its own program so one crash names
# its file; all of them run under `make check`.
TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
TEST_LIBS = core/libstmprog.la $(CRITERION_LIBS)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir;

if HAVE_CRITERION
include tests/chip.mk
include tests/image.mk
endif

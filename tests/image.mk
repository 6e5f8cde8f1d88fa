# image format tests: hand-written vectors per format, and the formats
# against independent tools (gen-images.sh, run by test_image_tools.c).
check_PROGRAMS += tests/test_image
TESTS += tests/test_image
tests_test_image_SOURCES = \
	tests/test_image.h \
	tests/test_image_util.c \
	tests/test_image.c \
	tests/test_image_ihex.c \
	tests/test_image_srec.c \
	tests/test_image_elf.c \
	tests/test_image_dfuse.c \
	tests/test_image_tools.c
tests_test_image_CFLAGS = $(TEST_CFLAGS)
tests_test_image_LDADD = $(TEST_LIBS)
EXTRA_DIST += tests/gen-images.sh

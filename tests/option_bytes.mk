# named option-byte field tests (core/option_bytes.c)
check_PROGRAMS += tests/test_option_bytes
TESTS += tests/test_option_bytes
tests_test_option_bytes_SOURCES = tests/test_option_bytes.c
tests_test_option_bytes_CFLAGS = $(TEST_CFLAGS)
tests_test_option_bytes_LDADD = $(TEST_LIBS)

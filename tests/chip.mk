# chip database tests
check_PROGRAMS += tests/test_chip
TESTS += tests/test_chip
tests_test_chip_SOURCES = tests/test_chip.c
tests_test_chip_CFLAGS = $(TEST_CFLAGS)
tests_test_chip_LDADD = $(TEST_LIBS)

# The bad-input table: malformed and hostile input never touches the device.
# Every row runs stmprog under stmprog-sim over UART, some also over USB
# (umockdev) and CAN (slcan), so it needs the three backends.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_bad_input
TESTS += tests/test_bad_input
tests_test_bad_input_SOURCES = tests/test_bad_input.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_bad_input_CFLAGS = $(TEST_CFLAGS)
tests_test_bad_input_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
BAD_INPUT_TEST_LOG = tests/test_bad_input.log
$(BAD_INPUT_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT)
endif
endif
endif
endif

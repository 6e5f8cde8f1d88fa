# The promises every run keeps, end to end over UART, USB and CAN (issue
# "Trust"): one plan per run, the guard in front of irreversible steps,
# honest starts, stops that say what the chip holds.  Needs the three
# backends, the simulator's USB transport and stmprog built.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_trust_e2e
TESTS += tests/test_trust_e2e
tests_test_trust_e2e_SOURCES = tests/test_trust_e2e.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_trust_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_trust_e2e_LDADD = $(TEST_LIBS)
endif
endif
endif
endif

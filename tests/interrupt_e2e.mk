# Interruptions: stmprog killed mid-write (SIGINT, SIGTERM, SIGKILL), then
# run again, on every transport, within one power cycle and after one.
# Needs the three backends, the simulator's USB transport and stmprog.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_interrupt_e2e
TESTS += tests/test_interrupt_e2e
tests_test_interrupt_e2e_SOURCES = tests/test_interrupt_e2e.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_interrupt_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_interrupt_e2e_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
INTERRUPT_E2E_TEST_LOG = tests/test_interrupt_e2e.log
$(INTERRUPT_E2E_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT)
endif
endif
endif
endif

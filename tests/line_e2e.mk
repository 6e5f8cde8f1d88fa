# stmprog-line end to end against stmprog-sim (included inside
# `if HAVE_CRITERION`): eight mixed boards in one batch, boards that come
# and go in continuous mode, configuration errors that touch nothing.
# Needs every transport: USB through umockdev, UART, slcan.
if BUILD_LINE
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_line_e2e
TESTS += tests/test_line_e2e
tests_test_line_e2e_SOURCES = tests/test_line_e2e.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_line_e2e_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_test_line_e2e_LDADD = $(TEST_LIBS) $(SQLITE_LIBS)
# Through a variable, so automake keeps its own rule for the log.
LINE_E2E_TEST_LOG = tests/test_line_e2e.log
$(LINE_E2E_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) \
	frontends/line/stmprog-line$(EXEEXT)
endif
endif
endif
endif
endif

# stmprog-line killed with SIGKILL mid-batch and run again: no serial on
# two boards, none lost, the unknown outcomes reported.
if BUILD_LINE
if HAVE_CRITERION
if BUILD_UART
check_PROGRAMS += tests/test_line_crash
TESTS += tests/test_line_crash
tests_test_line_crash_SOURCES = tests/test_line_crash.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_line_crash_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_test_line_crash_LDADD = $(TEST_LIBS) $(SQLITE_LIBS)
# Through a variable, so automake keeps its own rule for the log.
LINE_CRASH_TEST_LOG = tests/test_line_crash.log
$(LINE_CRASH_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/line/stmprog-line$(EXEEXT)
endif
endif
endif

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
# Two stmprog-line processes on one PostgreSQL log (a server the test
# starts itself), fifty boards, one sequence, then rework.
if BUILD_LINE
if HAVE_CRITERION
if BUILD_UART
if HAVE_LIBPQ
check_PROGRAMS += tests/test_line_pg_e2e
TESTS += tests/test_line_pg_e2e
tests_test_line_pg_e2e_SOURCES = tests/test_line_pg_e2e.c tests/pg_server.c \
	tests/pg_server.h $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_line_pg_e2e_CFLAGS = $(TEST_CFLAGS) $(LIBPQ_CFLAGS) \
	-DPG_BINDIR='"$(PG_BINDIR)"'
tests_test_line_pg_e2e_LDADD = $(TEST_LIBS) $(LIBPQ_LIBS)
LINE_PG_E2E_TEST_LOG = tests/test_line_pg_e2e.log
$(LINE_PG_E2E_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/line/stmprog-line$(EXEEXT)
endif
endif
endif
endif

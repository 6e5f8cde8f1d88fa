# Read-modify-write, --skipErase, --flash-size, -checksum and -rst/-hardRst
# end to end against stmprog-sim over UART, USB and CAN: through the
# library (tests/rmw_runner.c, a job from its arguments) and through
# stmprog.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_rmw_e2e tests/rmw_runner
TESTS += tests/test_rmw_e2e
tests_test_rmw_e2e_SOURCES = tests/test_rmw_e2e.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_rmw_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_rmw_e2e_LDADD = $(TEST_LIBS)
tests_rmw_runner_SOURCES = tests/rmw_runner.c
tests_rmw_runner_LDADD = core/libstmprog.la
# Through a variable, so automake keeps its own rule for the log.
RMW_TEST_LOG = tests/test_rmw_e2e.log
$(RMW_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) tests/rmw_runner$(EXEEXT) \
	frontends/stmprog$(EXEEXT)
endif
endif
endif
endif
# The planner's keep_rest and no_erase without a device.
check_PROGRAMS += tests/test_plan_rmw
TESTS += tests/test_plan_rmw
tests_test_plan_rmw_SOURCES = tests/test_plan_rmw.c
tests_test_plan_rmw_CFLAGS = $(TEST_CFLAGS)
tests_test_plan_rmw_LDADD = $(TEST_LIBS)

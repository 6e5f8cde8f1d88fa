# Issue 17 (dfu): the engine's cost model (read a unit before erasing it
# where that is cheaper, fill left to the erase where reading is dear),
# as a unit test of the decision and end to end over USB and UART.
if HAVE_CRITERION
check_PROGRAMS += tests/test_cost_model
TESTS += tests/test_cost_model
tests_test_cost_model_SOURCES = tests/test_cost_model.c $(TEST_HELPERS)
tests_test_cost_model_CFLAGS = $(TEST_CFLAGS)
tests_test_cost_model_LDADD = $(TEST_LIBS)
if BUILD_UART
if BUILD_DFU
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_cost_model_e2e
TESTS += tests/test_cost_model_e2e
tests_test_cost_model_e2e_SOURCES = tests/test_cost_model_e2e.c \
	$(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_cost_model_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_cost_model_e2e_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
COST_MODEL_E2E_TEST_LOG = tests/test_cost_model_e2e.log
$(COST_MODEL_E2E_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) \
	frontends/stmprog$(EXEEXT) backends/dfu.la backends/uart.la
endif
endif
endif
endif

# Issue 17 (timing): the chip database's flash times, the erase time per
# unit size and stmprog-sim --print-timing (the figures the simulator
# sleeps by and bench/bound.py reads).
if HAVE_CRITERION
check_PROGRAMS += tests/test_timing_model
TESTS += tests/test_timing_model
tests_test_timing_model_SOURCES = tests/test_timing_model.c $(TEST_HELPERS)
tests_test_timing_model_CFLAGS = $(TEST_CFLAGS)
tests_test_timing_model_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
TIMING_MODEL_TEST_LOG = tests/test_timing_model.log
$(TIMING_MODEL_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif

# stmprog-sim's slcan transport on its own: a scripted host speaks
# Lawicel ASCII to the simulated adapter, with the chip's AN3154/AN5405
# bootloader behind it (included inside `if HAVE_CRITERION`).
check_PROGRAMS += tests/test_sim_slcan
TESTS += tests/test_sim_slcan
tests_test_sim_slcan_SOURCES = tests/test_sim_slcan.c $(TEST_SIM_UTIL) \
	$(TEST_HELPERS)
tests_test_sim_slcan_CFLAGS = $(TEST_CFLAGS)
tests_test_sim_slcan_LDADD = $(TEST_LIBS)

# The test runs the simulator: build it first.  Named through a variable
# so automake keeps its own recipe for the .log (see tests/sim_usb.mk).
SIM_SLCAN_TEST_LOG = tests/test_sim_slcan.log
$(SIM_SLCAN_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)

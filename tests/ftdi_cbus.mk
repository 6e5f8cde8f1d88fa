# ftdi_cbus: issue 16's libftdi1 part.  test_sim_pins: the simulator's
# BOOT0/NRST wiring (--wire) on its own.
check_PROGRAMS += tests/test_sim_pins
TESTS += tests/test_sim_pins
tests_test_sim_pins_SOURCES = tests/test_sim_pins.c contrib/sim/sim_pins.c
tests_test_sim_pins_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/contrib/sim
tests_test_sim_pins_LDADD = $(TEST_LIBS)

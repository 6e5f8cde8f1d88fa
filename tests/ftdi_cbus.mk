# ftdi_cbus: issue 16's libftdi1 part.  test_sim_pins: the simulator's
# BOOT0/NRST wiring (--wire) on its own.
check_PROGRAMS += tests/test_sim_pins
TESTS += tests/test_sim_pins
tests_test_sim_pins_SOURCES = tests/test_sim_pins.c contrib/sim/sim_pins.c
tests_test_sim_pins_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/contrib/sim
tests_test_sim_pins_LDADD = $(TEST_LIBS)

# test_ftdi_cbus: stmprog's init= on the CBUS pins of stmprog-sim's
# simulated FT230X (libftdi1 on umockdev's usbfs), data on the pty; and
# the same wiring on RTS/DTR.
if BUILD_UART
if HAVE_UMOCKDEV
if HAVE_FTDI
check_PROGRAMS += tests/test_ftdi_cbus
TESTS += tests/test_ftdi_cbus
tests_test_ftdi_cbus_SOURCES = tests/test_ftdi_cbus.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_ftdi_cbus_CFLAGS = $(TEST_CFLAGS)
tests_test_ftdi_cbus_LDADD = $(TEST_LIBS)
FTDI_CBUS_TEST_LOG = tests/test_ftdi_cbus.log
$(FTDI_CBUS_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif
endif
endif

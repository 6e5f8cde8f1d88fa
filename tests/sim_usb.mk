# stmprog-sim's usb transport against an independent client, dfu-util,
# through umockdev (included inside `if HAVE_CRITERION`; the transport
# exists only where umockdev does).
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_sim_usb
TESTS += tests/test_sim_usb
tests_test_sim_usb_SOURCES = tests/test_sim_usb.c $(TEST_SIM_UTIL) \
	$(TEST_HELPERS)
tests_test_sim_usb_CFLAGS = $(TEST_CFLAGS)
tests_test_sim_usb_LDADD = $(TEST_LIBS)

# The test runs the simulator: build it first.  Named through a variable:
# a rule whose target automake recognises as its own .log would replace
# automake's recipe in every other condition and leave none here (sim.mk
# escapes that by naming two targets in one rule).
SIM_USB_TEST_LOG = tests/test_sim_usb.log
$(SIM_USB_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif

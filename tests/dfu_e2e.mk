# stmprog against stmprog-sim's USB DFU device (umockdev), through the real
# dfu backend and libusb; needs the module, the simulator's USB transport
# and stmprog built.
if BUILD_DFU
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_dfu_e2e
TESTS += tests/test_dfu_e2e
tests_test_dfu_e2e_SOURCES = tests/test_dfu_e2e.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_dfu_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_dfu_e2e_LDADD = $(TEST_LIBS)
# Which chip is behind the device (layouts, IDCODE, protection, --chip).
check_PROGRAMS += tests/test_dfu_identify
TESTS += tests/test_dfu_identify
tests_test_dfu_identify_SOURCES = tests/test_dfu_identify.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_dfu_identify_CFLAGS = $(TEST_CFLAGS)
tests_test_dfu_identify_LDADD = $(TEST_LIBS)
endif
endif

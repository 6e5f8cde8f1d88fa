# Option bytes by name on the register-window families, -ob FILE presets,
# and readout/write protection over USB through the option-bytes memory:
# stmprog against stmprog-sim over each transport that is built (UART at
# least; USB with the dfu module and umockdev; CAN with the can module).
if BUILD_UART
check_PROGRAMS += tests/test_ob_names_e2e
TESTS += tests/test_ob_names_e2e
tests_test_ob_names_e2e_SOURCES = tests/test_ob_names_e2e.c \
	$(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_ob_names_e2e_CFLAGS = $(TEST_CFLAGS) $(OB_NAMES_TRANSPORTS)
tests_test_ob_names_e2e_LDADD = $(TEST_LIBS)
OB_NAMES_TEST_LOG = tests/test_ob_names_e2e.log
$(OB_NAMES_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT)
endif
OB_NAMES_TRANSPORTS =
if BUILD_DFU
if HAVE_UMOCKDEV
OB_NAMES_TRANSPORTS += -DOB_NAMES_USB=1
endif
endif
if BUILD_CAN
OB_NAMES_TRANSPORTS += -DOB_NAMES_CAN=1
endif
# The preset loader and protection as option bytes, without a device.
check_PROGRAMS += tests/test_ob_presets
TESTS += tests/test_ob_presets
tests_test_ob_presets_SOURCES = tests/test_ob_presets.c $(TEST_HELPERS)
tests_test_ob_presets_CFLAGS = $(TEST_CFLAGS)
tests_test_ob_presets_LDADD = $(TEST_LIBS)

# stmprog-sim's own tests: the device side byte by byte (test_sim), and
# an independent client, stm32flash, run through it (test_sim_stm32flash).
check_PROGRAMS += tests/test_sim tests/test_sim_stm32flash
TESTS += tests/test_sim tests/test_sim_stm32flash
noinst_HEADERS += tests/test_sim_util.h
TEST_SIM_UTIL = tests/test_sim_util.c

tests_test_sim_SOURCES = tests/test_sim.c $(TEST_SIM_UTIL) $(TEST_HELPERS)
tests_test_sim_CFLAGS = $(TEST_CFLAGS)
tests_test_sim_LDADD = $(TEST_LIBS)

tests_test_sim_stm32flash_SOURCES = tests/test_sim_stm32flash.c \
	$(TEST_SIM_UTIL) $(TEST_HELPERS)
tests_test_sim_stm32flash_CFLAGS = $(TEST_CFLAGS)
tests_test_sim_stm32flash_LDADD = $(TEST_LIBS)

# The tests run the simulator: build it first.  Named through a variable
# so automake keeps its own recipe for the .log (see tests/sim_usb.mk).
SIM_TEST_LOGS = tests/test_sim.log tests/test_sim_stm32flash.log
$(SIM_TEST_LOGS): contrib/sim/stmprog-sim$(EXEEXT)

# stmprog-sim --device: usb, uart and slcan devices in one run, the
# --station file, and boards that come and go; stmprog programs them all,
# so every backend and the usb transport (umockdev) must be there.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_sim_mixed
TESTS += tests/test_sim_mixed
tests_test_sim_mixed_SOURCES = tests/test_sim_mixed.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_sim_mixed_CFLAGS = $(TEST_CFLAGS)
tests_test_sim_mixed_LDADD = $(TEST_LIBS)
# The station file is read back with libyaml, as stmprog-line reads it.
if BUILD_LINE
tests_test_sim_mixed_CFLAGS += $(YAML_CFLAGS) -DSIM_TEST_HAVE_YAML
tests_test_sim_mixed_LDADD += $(YAML_LIBS)
endif
SIM_MIXED_TEST_LOG = tests/test_sim_mixed.log
$(SIM_MIXED_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT)
endif
endif
endif
endif

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

# The tests run the simulator: build it first.
tests/test_sim.log tests/test_sim_stm32flash.log: contrib/sim/stmprog-sim$(EXEEXT)

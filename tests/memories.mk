# The memories other than the flash (L0/L1 data EEPROM, OTP, the RAM the
# bootloader leaves to users): stmprog against stmprog-sim over UART and
# CAN, and over USB where the ROM's DfuSe layout has the memory.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_memories_e2e
TESTS += tests/test_memories_e2e
tests_test_memories_e2e_SOURCES = tests/test_memories_e2e.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_memories_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_memories_e2e_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
MEMORIES_TEST_LOG = tests/test_memories_e2e.log
$(MEMORIES_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT)
endif
endif
endif
endif

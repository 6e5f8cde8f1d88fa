# stmprog against stmprog-sim's slcan adapter, through the real can
# backend; needs both built.  (Through the kernel's SocketCAN: kernel.mk.)
if BUILD_CAN
check_PROGRAMS += tests/test_can_e2e
TESTS += tests/test_can_e2e
tests_test_can_e2e_SOURCES = tests/test_can_e2e.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_can_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_can_e2e_LDADD = $(TEST_LIBS)
endif

# stmprog against stmprog-sim over a pseudo-terminal, through the real
# UART backend; needs both to be built.
if BUILD_UART
check_PROGRAMS += tests/test_uart_e2e
TESTS += tests/test_uart_e2e
tests_test_uart_e2e_SOURCES = tests/test_uart_e2e.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_uart_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_uart_e2e_LDADD = $(TEST_LIBS)
endif

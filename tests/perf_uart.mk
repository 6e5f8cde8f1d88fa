# Issue 17 (uart): tests of this part are added here.
# USART bootloader rates: the chip database's limit per family, br='s
# warnings against it and the UART backend's read cost (uart_rate.c built
# in, no port needed); then any-integer rates and the ROM's refusal above
# its limit end to end against the simulator.
check_PROGRAMS += tests/test_uart_rate
TESTS += tests/test_uart_rate
tests_test_uart_rate_SOURCES = tests/test_uart_rate.c backends/uart/uart_rate.c
tests_test_uart_rate_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/backends/uart
tests_test_uart_rate_LDADD = $(TEST_LIBS)

if BUILD_UART
check_PROGRAMS += tests/test_uart_rate_e2e
TESTS += tests/test_uart_rate_e2e
tests_test_uart_rate_e2e_SOURCES = tests/test_uart_rate_e2e.c \
	$(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_uart_rate_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_uart_rate_e2e_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
UART_RATE_E2E_TEST_LOG = tests/test_uart_rate_e2e.log
$(UART_RATE_E2E_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT) backends/uart.la
endif

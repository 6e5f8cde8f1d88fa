# The backends' operations for issue 15 (reset, -tm, UART rates, GPIO
# lines), end to end through tests/be_runner, which calls libstmprog as
# stmprog-sim's COMMAND; on all three transports.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/be_runner tests/test_reset_e2e
TESTS += tests/test_reset_e2e
tests_be_runner_SOURCES = tests/be_runner.c
tests_be_runner_LDADD = core/libstmprog.la
tests_test_reset_e2e_SOURCES = tests/test_reset_e2e.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_reset_e2e_CFLAGS = $(TEST_CFLAGS)
tests_test_reset_e2e_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
RESET_E2E_TEST_LOG = tests/test_reset_e2e.log
$(RESET_E2E_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) tests/be_runner$(EXEEXT)
endif
endif
endif
endif
# br= against the rates the chip database knows the ROM never takes.
if BUILD_UART
check_PROGRAMS += tests/test_uart_baud
TESTS += tests/test_uart_baud
tests_test_uart_baud_SOURCES = tests/test_uart_baud.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_uart_baud_CFLAGS = $(TEST_CFLAGS)
tests_test_uart_baud_LDADD = $(TEST_LIBS)
UART_BAUD_TEST_LOG = tests/test_uart_baud.log
$(UART_BAUD_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif
# Host GPIO lines in init= (libgpiod): grammar, routing, a missing chip.
if BUILD_UART
check_PROGRAMS += tests/test_gpio_lines
TESTS += tests/test_gpio_lines
tests_test_gpio_lines_SOURCES = tests/test_gpio_lines.c \
	backends/serial/line_seq.c backends/uart/gpio_lines.c \
	$(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_gpio_lines_CFLAGS = $(TEST_CFLAGS) $(GPIOD_CFLAGS) \
	-I$(top_srcdir)/backends/serial -I$(top_srcdir)/backends/uart
tests_test_gpio_lines_LDADD = $(TEST_LIBS) $(GPIOD_LIBS)
GPIO_LINES_TEST_LOG = tests/test_gpio_lines.log
$(GPIO_LINES_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif

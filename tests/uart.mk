# The USART backend's unit tests (included inside `if HAVE_CRITERION`):
# the AN3155 protocol against a scripted link, init= sequences against a
# recording line driver and the FTDI latency timer against a fake sysfs.
# They build the backend's sources in, so they need no serial port and
# not even libserialport.
UART_TEST_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/backends/uart \
	-I$(top_srcdir)/backends/serial

check_PROGRAMS += tests/test_uart_protocol tests/test_uart_lines
TESTS += tests/test_uart_protocol tests/test_uart_lines

tests_test_uart_protocol_SOURCES = tests/test_uart_protocol.c $(TEST_SCRIPT_LINK) \
	backends/uart/an3155.c backends/uart/an3155_mem.c \
	backends/uart/an3155_reset.c
tests_test_uart_protocol_CFLAGS = $(UART_TEST_CFLAGS)
tests_test_uart_protocol_LDADD = $(TEST_LIBS)

tests_test_uart_lines_SOURCES = tests/test_uart_lines.c \
	backends/serial/line_seq.c backends/uart/latency.c $(TEST_HELPERS)
tests_test_uart_lines_CFLAGS = $(UART_TEST_CFLAGS)
tests_test_uart_lines_LDADD = $(TEST_LIBS)

# The module itself over a pseudo-terminal, with a small responder thread.
if BUILD_UART
check_PROGRAMS += tests/test_uart_backend
TESTS += tests/test_uart_backend
tests_test_uart_backend_SOURCES = tests/test_uart_backend.c
tests_test_uart_backend_CFLAGS = $(TEST_CFLAGS) -pthread
tests_test_uart_backend_LDFLAGS = -pthread
tests_test_uart_backend_LDADD = $(TEST_LIBS)
endif

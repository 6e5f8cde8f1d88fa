# The USART backend (AN3155): libserialport for the port, libftdi1 (when
# found) for FTDI CBUS pins.
if BUILD_UART
backend_LTLIBRARIES += backends/uart.la
backends_uart_la_SOURCES = backends/uart/uart_backend.c
backends_uart_la_CFLAGS = $(AM_CFLAGS) $(SERIALPORT_CFLAGS) $(FTDI_CFLAGS)
backends_uart_la_LDFLAGS = $(STP_MODULE_LINK)
backends_uart_la_LIBADD = core/libstmprog.la $(SERIALPORT_LIBS) $(FTDI_LIBS)
endif

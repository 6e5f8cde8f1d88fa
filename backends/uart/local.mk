# The USART backend (AN3155): the serial port from backends/serial/,
# libftdi1 (when found) for FTDI CBUS pins.
if BUILD_UART
backend_LTLIBRARIES += backends/uart.la
backends_uart_la_SOURCES = backends/uart/uart_backend.c \
	backends/uart/an3155.c backends/uart/an3155.h \
	backends/uart/an3155_frame.h backends/uart/an3155_mem.c \
	backends/uart/an3155_reset.c \
	backends/uart/ftdi_lines.c backends/uart/ftdi_lines.h \
	backends/uart/gpio_lines.c backends/uart/gpio_lines.h \
	backends/uart/latency.c backends/uart/latency.h \
	backends/uart/uart_rate.c backends/uart/uart_rate.h
backends_uart_la_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/backends/serial \
	$(SERIALPORT_CFLAGS) $(FTDI_CFLAGS) $(GPIOD_CFLAGS)
backends_uart_la_LDFLAGS = $(STP_MODULE_LINK)
backends_uart_la_LIBADD = backends/serial/libstpserial.la core/libstmprog.la \
	$(SERIALPORT_LIBS) $(FTDI_LIBS) $(GPIOD_LIBS)
endif

# Serial ports for the backends that speak through one (the USART
# bootloader, slcan CAN adapters): libserialport, termios for the ports it
# will not open (pseudo-terminals), the byte_link the protocols run over,
# and the init= line sequences.  A convenience library, linked into each
# module that needs it.
if BUILD_SERIAL_PORTS
noinst_LTLIBRARIES += backends/serial/libstpserial.la
backends_serial_libstpserial_la_SOURCES = \
	backends/serial/byte_link.h \
	backends/serial/serial_link.c backends/serial/serial_link.h \
	backends/serial/serial_impl.h \
	backends/serial/serial_sp.c backends/serial/serial_posix.c \
	backends/serial/serial_rate.c backends/serial/serial_rate.h \
	backends/serial/line_seq.c backends/serial/line_seq.h \
	backends/serial/serial_names.c backends/serial/serial_names.h
backends_serial_libstpserial_la_CFLAGS = $(AM_CFLAGS) $(SERIALPORT_CFLAGS)
endif

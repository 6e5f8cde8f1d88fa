# The CAN backend (AN3154 classic CAN, AN5405 FDCAN): SocketCAN and slcan.
# Layers: can_socket (SocketCAN) or can_slcan (slcan text over the serial
# library's byte_link) -> can_link.h (frames) -> can_proto + an3154 +
# an5405 (the bootloader protocols), tied together by can_backend (ops).
if BUILD_CAN
backend_LTLIBRARIES += backends/can.la
backends_can_la_SOURCES = backends/can/can_backend.c \
	backends/can/can_link.h \
	backends/can/can_proto.c backends/can/can_proto.h \
	backends/can/an3154.c backends/can/an5405.c \
	backends/can/can_slcan.c backends/can/can_slcan.h \
	backends/can/can_socket.c backends/can/can_socket.h
backends_can_la_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/backends/serial \
	$(SERIALPORT_CFLAGS)
backends_can_la_LDFLAGS = $(STP_MODULE_LINK)
backends_can_la_LIBADD = backends/serial/libstpserial.la core/libstmprog.la \
	$(SERIALPORT_LIBS)
else
# The protocol sources are tested without libserialport (tests/can.mk).
EXTRA_DIST += backends/can/can_backend.c backends/can/can_link.h \
	backends/can/can_proto.c backends/can/can_proto.h \
	backends/can/an3154.c backends/can/an5405.c \
	backends/can/can_slcan.c backends/can/can_slcan.h \
	backends/can/can_socket.c backends/can/can_socket.h
endif


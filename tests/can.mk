# The CAN backend's unit tests (included inside `if HAVE_CRITERION`): the
# AN3154/AN5405 protocol against a scripted frame link, the slcan host
# against a scripted byte link, and the SocketCAN frame layer over a
# socketpair.  They build the backend's sources in, so they need neither
# an adapter nor libserialport.
CAN_TEST_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/backends/can \
	-I$(top_srcdir)/backends/serial

check_PROGRAMS += tests/test_can_protocol tests/test_can_slcan
TESTS += tests/test_can_protocol tests/test_can_slcan

tests_test_can_protocol_SOURCES = tests/test_can_protocol.c \
	backends/can/can_proto.c backends/can/an3154.c backends/can/an5405.c
tests_test_can_protocol_CFLAGS = $(CAN_TEST_CFLAGS)
tests_test_can_protocol_LDADD = $(TEST_LIBS)

tests_test_can_slcan_SOURCES = tests/test_can_slcan.c $(TEST_SCRIPT_LINK) \
	backends/can/can_slcan.c
tests_test_can_slcan_CFLAGS = $(CAN_TEST_CFLAGS)
tests_test_can_slcan_LDADD = $(TEST_LIBS)

# The SocketCAN frame layer over a socketpair (and a real interface when
# STMPROG_TEST_CAN_IF names one).
if HAVE_SOCKETCAN
check_PROGRAMS += tests/test_can_frames
TESTS += tests/test_can_frames
tests_test_can_frames_SOURCES = tests/test_can_frames.c \
	backends/can/can_socket.c
tests_test_can_frames_CFLAGS = $(CAN_TEST_CFLAGS)
tests_test_can_frames_LDADD = $(TEST_LIBS)
endif

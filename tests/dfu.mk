# The DFU backend's unit tests (included inside `if HAVE_CRITERION`).
# test_dfuse_layout needs the core only; test_dfu_protocol builds the
# backend's protocol layer in (no libusb, no device): a scripted fake
# device with a virtual clock stands behind the control-transfer hook.
check_PROGRAMS += tests/test_dfuse_layout
TESTS += tests/test_dfuse_layout
tests_test_dfuse_layout_SOURCES = tests/test_dfuse_layout.c
tests_test_dfuse_layout_CFLAGS = $(TEST_CFLAGS)
tests_test_dfuse_layout_LDADD = $(TEST_LIBS)

DFU_TEST_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/backends/dfu
check_PROGRAMS += tests/test_dfu_protocol
TESTS += tests/test_dfu_protocol
tests_test_dfu_protocol_SOURCES = tests/test_dfu_protocol.c \
	backends/dfu/dfu_proto.c backends/dfu/dfuse_cmd.c
tests_test_dfu_protocol_CFLAGS = $(DFU_TEST_CFLAGS)
tests_test_dfu_protocol_LDADD = $(TEST_LIBS)

# Issue 17 (can): tests of this part are added here.
# What the CAN backend puts on the link per block (frames in flight before
# their ACKs, writes to the adapter, reads per answer line) and the read
# cost it reports, against a model ROM behind a frame link and behind
# slcan text: counts only, no time (backend sources built in, no adapter).
check_PROGRAMS += tests/test_can_perf
TESTS += tests/test_can_perf
tests_test_can_perf_SOURCES = tests/test_can_perf.c \
	backends/can/can_proto.c backends/can/an3154.c backends/can/an5405.c \
	backends/can/can_slcan.c
tests_test_can_perf_CFLAGS = $(CAN_TEST_CFLAGS)
tests_test_can_perf_LDADD = $(TEST_LIBS)

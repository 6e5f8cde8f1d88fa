# libFuzzer harnesses over the backends' device-reply parsers (AN3155
# replies over a fake byte link, slcan lines, AN3154/AN5405 frames, DFU
# status and DfuSe replies over a fake control pipe, USB descriptors).
# Conventions as in tests/fuzz/local.mk; `make fuzz` builds these too.
# Each harness builds the backend's protocol sources in, like the
# backends' unit tests, so it needs neither a device nor libserialport.
FUZZ_BACKEND_HARNESSES = tests/fuzz/fuzz_an3155 tests/fuzz/fuzz_slcan \
	tests/fuzz/fuzz_can_frames tests/fuzz/fuzz_dfu_status tests/fuzz/fuzz_dfuse

FUZZ_FAKE_INPUT = tests/fuzz/fuzz_fake_input.c tests/fuzz/fuzz_fake_input.h
FUZZ_BACKEND_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/backends/serial \
	-I$(top_srcdir)/tests/fuzz

tests_fuzz_fuzz_an3155_SOURCES = tests/fuzz/fuzz_an3155.c $(FUZZ_FAKE_INPUT) \
	backends/uart/an3155.c backends/uart/an3155_mem.c \
	backends/uart/an3155_reset.c
tests_fuzz_fuzz_an3155_CPPFLAGS = $(FUZZ_BACKEND_CPPFLAGS) \
	-I$(top_srcdir)/backends/uart
tests_fuzz_fuzz_an3155_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_an3155_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_fuzz_slcan_SOURCES = tests/fuzz/fuzz_slcan.c $(FUZZ_FAKE_INPUT) \
	backends/can/can_slcan.c backends/can/can_proto.c \
	backends/can/an3154.c backends/can/an5405.c
tests_fuzz_fuzz_slcan_CPPFLAGS = $(FUZZ_BACKEND_CPPFLAGS) \
	-I$(top_srcdir)/backends/can
tests_fuzz_fuzz_slcan_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_slcan_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_fuzz_can_frames_SOURCES = tests/fuzz/fuzz_can_frames.c \
	$(FUZZ_FAKE_INPUT) tests/fuzz/fuzz_fake_can.c tests/fuzz/fuzz_fake_can.h \
	backends/can/can_proto.c backends/can/an3154.c backends/can/an5405.c
tests_fuzz_fuzz_can_frames_CPPFLAGS = $(FUZZ_BACKEND_CPPFLAGS) \
	-I$(top_srcdir)/backends/can
tests_fuzz_fuzz_can_frames_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_can_frames_LDFLAGS = $(FUZZ_LDFLAGS)

FUZZ_FAKE_PIPE = tests/fuzz/fuzz_fake_pipe.c tests/fuzz/fuzz_fake_pipe.h
FUZZ_DFU_CPPFLAGS = $(FUZZ_BACKEND_CPPFLAGS) -I$(top_srcdir)/backends/dfu

tests_fuzz_fuzz_dfu_status_SOURCES = tests/fuzz/fuzz_dfu_status.c \
	$(FUZZ_FAKE_INPUT) $(FUZZ_FAKE_PIPE) backends/dfu/dfu_proto.c
tests_fuzz_fuzz_dfu_status_CPPFLAGS = $(FUZZ_DFU_CPPFLAGS)
tests_fuzz_fuzz_dfu_status_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_dfu_status_LDFLAGS = $(FUZZ_LDFLAGS)

tests_fuzz_fuzz_dfuse_SOURCES = tests/fuzz/fuzz_dfuse.c \
	$(FUZZ_FAKE_INPUT) $(FUZZ_FAKE_PIPE) backends/dfu/dfu_proto.c \
	backends/dfu/dfuse_cmd.c
tests_fuzz_fuzz_dfuse_CPPFLAGS = $(FUZZ_DFU_CPPFLAGS)
tests_fuzz_fuzz_dfuse_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_dfuse_LDFLAGS = $(FUZZ_LDFLAGS)

# The descriptor parsers live in the libusb layer, so this one needs libusb.
if BUILD_DFU
FUZZ_BACKEND_HARNESSES += tests/fuzz/fuzz_usb_desc
endif
tests_fuzz_fuzz_usb_desc_SOURCES = tests/fuzz/fuzz_usb_desc.c \
	tests/fuzz/fuzz_fake_input.h backends/dfu/dfu_usb.c
tests_fuzz_fuzz_usb_desc_CPPFLAGS = $(FUZZ_DFU_CPPFLAGS)
tests_fuzz_fuzz_usb_desc_CFLAGS = $(AM_CFLAGS) $(LIBUSB_CFLAGS)
tests_fuzz_fuzz_usb_desc_LDADD = $(FUZZ_LIBS) $(LIBUSB_LIBS)
tests_fuzz_fuzz_usb_desc_LDFLAGS = $(FUZZ_LDFLAGS)

EXTRA_PROGRAMS += $(FUZZ_BACKEND_HARNESSES)

# Seeds (tests/fuzz/make-backend-seeds.sh writes them), dictionaries and
# the headers the fakes share travel in the tarball too.
EXTRA_DIST += tests/fuzz/make-backend-seeds.sh \
	tests/fuzz/fuzz_fake_input.h tests/fuzz/fuzz_fake_can.h \
	tests/fuzz/fuzz_fake_pipe.h \
	tests/fuzz/corpus/an3155 tests/fuzz/corpus/slcan \
	tests/fuzz/corpus/can_frames tests/fuzz/corpus/dfu_status \
	tests/fuzz/corpus/dfuse tests/fuzz/corpus/usb_desc \
	tests/fuzz/an3155.dict tests/fuzz/slcan.dict \
	tests/fuzz/can_frames.dict tests/fuzz/dfu_status.dict \
	tests/fuzz/dfuse.dict tests/fuzz/usb_desc.dict

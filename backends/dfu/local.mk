# The USB DFU backend (DFU 1.1 with ST's DfuSe extensions): libusb-1.0.
# Layers: dfu_usb (libusb) -> dfu_proto (DFU 1.1) -> dfuse_cmd (DfuSe),
# tied together by dfu_backend (the ops table).
if BUILD_DFU
backend_LTLIBRARIES += backends/dfu.la
backends_dfu_la_SOURCES = backends/dfu/dfu_backend.c \
	backends/dfu/dfu_usb.c backends/dfu/dfu_usb.h \
	backends/dfu/dfu_proto.c backends/dfu/dfu_proto.h \
	backends/dfu/dfuse_cmd.c backends/dfu/dfuse_cmd.h
backends_dfu_la_CFLAGS = $(AM_CFLAGS) $(LIBUSB_CFLAGS)
backends_dfu_la_LDFLAGS = $(STP_MODULE_LINK)
backends_dfu_la_LIBADD = core/libstmprog.la $(LIBUSB_LIBS)
else
# The protocol sources are tested without libusb (tests/dfu.mk).
EXTRA_DIST += backends/dfu/dfu_proto.c backends/dfu/dfu_proto.h \
	backends/dfu/dfuse_cmd.c backends/dfu/dfuse_cmd.h \
	backends/dfu/dfu_backend.c backends/dfu/dfu_usb.c backends/dfu/dfu_usb.h
endif

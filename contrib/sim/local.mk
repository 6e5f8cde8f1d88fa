# stmprog-sim: the STM32 ROM bootloaders' device side, for tests,
# benchmarks and users without hardware.  One file per role: the main
# loop and child, the chip model, one file per transport behind
# sim_transport.h, the pty link, faults and the trace.
bin_PROGRAMS += contrib/sim/stmprog-sim
contrib_sim_stmprog_sim_SOURCES = \
	contrib/sim/sim_main.c \
	contrib/sim/sim_options.c contrib/sim/sim_options.h \
	contrib/sim/sim_jig.c contrib/sim/sim_jig.h \
	contrib/sim/sim_station.c contrib/sim/sim_station.h \
	contrib/sim/sim_chip.c contrib/sim/sim_chip.h \
	contrib/sim/sim_transport.c contrib/sim/sim_transport.h \
	contrib/sim/sim_uart.c contrib/sim/sim_uart.h \
	contrib/sim/sim_link.c contrib/sim/sim_link.h \
	contrib/sim/sim_slcan.c contrib/sim/sim_slcan.h \
	contrib/sim/sim_canboot.c contrib/sim/sim_canboot.h \
	contrib/sim/sim_ttywatch.c contrib/sim/sim_ttywatch.h \
	contrib/sim/sim_faults.c contrib/sim/sim_faults.h \
	contrib/sim/sim_trace.c contrib/sim/sim_trace.h \
	contrib/sim/sim_time.h \
	contrib/sim/sim_gadget.c contrib/sim/sim_gadget.h \
	contrib/sim/sim_pins.c contrib/sim/sim_pins.h
contrib_sim_stmprog_sim_CFLAGS = $(AM_CFLAGS)
contrib_sim_stmprog_sim_LDADD = core/libstmprog.la
# --station writes its YAML with libyaml, which the line needs anyway.
if BUILD_LINE
contrib_sim_stmprog_sim_CFLAGS += $(YAML_CFLAGS) -DSIM_HAVE_YAML
contrib_sim_stmprog_sim_LDADD += $(YAML_LIBS)
endif
# The usb transport (DfuSe over a umockdev test bed) needs umockdev.
if HAVE_UMOCKDEV
contrib_sim_stmprog_sim_SOURCES += \
	contrib/sim/sim_usb.c \
	contrib/sim/sim_usbfs.c contrib/sim/sim_usbfs.h \
	contrib/sim/sim_usb_desc.c contrib/sim/sim_usb_desc.h \
	contrib/sim/sim_dfuse.c contrib/sim/sim_dfuse.h \
	contrib/sim/sim_dfu_layout.c contrib/sim/sim_dfu_layout.h \
	contrib/sim/sim_ftdi.c contrib/sim/sim_ftdi.h
contrib_sim_stmprog_sim_CFLAGS += $(UMOCKDEV_CFLAGS) -pthread
contrib_sim_stmprog_sim_LDADD += $(UMOCKDEV_LIBS) -lpthread
endif
EXTRA_DIST += docs/simulator.md

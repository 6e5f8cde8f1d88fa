# The USB DFU backend (DFU 1.1 with ST's DfuSe extensions): libusb-1.0.
if BUILD_DFU
endif

dnl The backends configure knows about, one STP_BACKEND line each:
dnl STP_BACKEND([name], [description], [test that its dependencies are
dnl there], [what to name when they are not]).  A backend is added here in
dnl the same change that adds its sources to backends/local.mk.

dnl The serial-port convenience library (backends/serial/) is built when a
dnl backend that talks through a serial port is.
AM_CONDITIONAL([BUILD_SERIAL_PORTS], [test "x$have_SERIALPORT" = xyes])
STP_BACKEND([uart], [USART bootloader (AN3155)],
	[test "x$have_SERIALPORT" = xyes], [libserialport])
STP_BACKEND([dfu], [USB DFU / DfuSe bootloader (AN3156)],
	[test "x$have_LIBUSB" = xyes], [libusb-1.0])
STP_BACKEND([can], [CAN bootloader (AN3154, FDCAN AN5405) over SocketCAN and slcan],
	[test "x$have_SERIALPORT" = xyes], [libserialport])

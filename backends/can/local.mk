# The CAN backend (AN3154 classic CAN, AN5405 FDCAN): SocketCAN and slcan.
if BUILD_CAN
endif

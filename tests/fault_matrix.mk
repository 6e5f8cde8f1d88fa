# The fault matrix's seeded CI subset (bench/fault-matrix runs the whole):
# one run per cell, every transport, every fault kind, two families;
# zero silent corruptions and every failed run recovered by a fault-free
# rerun, or the test fails.  It runs stmprog through all three backends
# under the simulator (usb through umockdev).
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
TESTS += tests/test_fault_matrix.sh
# Through a variable, so automake keeps its own rule for the log.
FAULT_MATRIX_TEST_LOG = tests/test_fault_matrix.sh.log
$(FAULT_MATRIX_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT) \
	backends/uart.la backends/dfu.la backends/can.la
endif
endif
endif
endif
EXTRA_DIST += tests/test_fault_matrix.sh bench/fault-matrix

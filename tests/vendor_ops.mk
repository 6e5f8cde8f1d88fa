# The vendor CLI's operations end to end (-w8..-w64, -r8..-r32,
# -fillmemory, -blankcheck, -checksum, --skipErase, -rst, -tm, -u/-d with
# "-", --convert in any order, -ob FILE): stmprog against stmprog-sim over
# each transport that is built.  UART is the least it needs; USB and CAN
# run where their modules (and umockdev for USB) are built.
if BUILD_UART
check_PROGRAMS += tests/test_vendor_ops_e2e
TESTS += tests/test_vendor_ops_e2e
tests_test_vendor_ops_e2e_SOURCES = tests/test_vendor_ops_e2e.c \
	$(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_vendor_ops_e2e_CFLAGS = $(TEST_CFLAGS) $(VENDOR_OPS_TRANSPORTS)
tests_test_vendor_ops_e2e_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
VENDOR_OPS_TEST_LOG = tests/test_vendor_ops_e2e.log
$(VENDOR_OPS_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT)
endif
VENDOR_OPS_TRANSPORTS =
if BUILD_DFU
if HAVE_UMOCKDEV
VENDOR_OPS_TRANSPORTS += -DVENDOR_OPS_USB=1
endif
endif
if BUILD_CAN
VENDOR_OPS_TRANSPORTS += -DVENDOR_OPS_CAN=1
endif

# Issue 17 (bench): tests of this part are added here.
# bench/run-all's machinery with --timing none: every workload's row is
# in the report with a positive bound (tests/test_bench_smoke.sh).  It
# runs stmprog through all three backends under the simulator (usb
# through umockdev), and the peers stm32flash and dfu-util.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
TESTS += tests/test_bench_smoke.sh
# Through a variable, so automake keeps its own rule for the log.
BENCH_SMOKE_TEST_LOG = tests/test_bench_smoke.sh.log
BENCH_SMOKE_DEPS = contrib/sim/stmprog-sim$(EXEEXT) frontends/stmprog$(EXEEXT) \
	backends/uart.la backends/dfu.la backends/can.la
if BUILD_LINE
BENCH_SMOKE_DEPS += frontends/line/stmprog-line$(EXEEXT)
endif
$(BENCH_SMOKE_TEST_LOG): $(BENCH_SMOKE_DEPS)
endif
endif
endif
endif
EXTRA_DIST += tests/test_bench_smoke.sh

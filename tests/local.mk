# Criterion tests.  Each test_*.c is its own program so one crash names
# its file; all of them run under `make check`.
# Tests build command lines in fixed buffers on purpose.
TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS) -Wno-format-truncation
TEST_LIBS = core/libstmprog.la $(CRITERION_LIBS)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	CPP='$(CPP)'; export CPP; \
	unset STMPROG_BACKEND_PATH; \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/lsan.supp"; \
	export LSAN_OPTIONS;

# Test-only backend modules (never installed): check_LTLIBRARIES are
# built for `make check` only; -rpath makes libtool build them shared.
TESTMODULE_FLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/modules/good/memdev.la \
	tests/modules/bad/bad_abi.la \
	tests/modules/bad/small_struct.la \
	tests/modules/bad/no_symbol.la
tests_modules_good_memdev_la_SOURCES = tests/modules/memdev.c
tests_modules_good_memdev_la_LDFLAGS = $(TESTMODULE_FLAGS)
tests_modules_good_memdev_la_LIBADD = core/libstmprog.la
tests_modules_bad_bad_abi_la_SOURCES = tests/modules/bad_abi.c
tests_modules_bad_bad_abi_la_LDFLAGS = $(TESTMODULE_FLAGS)
tests_modules_bad_small_struct_la_SOURCES = tests/modules/small_struct.c
tests_modules_bad_small_struct_la_LDFLAGS = $(TESTMODULE_FLAGS)
tests_modules_bad_no_symbol_la_SOURCES = tests/modules/no_symbol.c
tests_modules_bad_no_symbol_la_LDFLAGS = $(TESTMODULE_FLAGS)
# memdev as built against an older stp_portspec: refused by its size.
check_LTLIBRARIES += tests/modules/old/old_portspec.la
tests_modules_old_old_portspec_la_SOURCES = tests/modules/memdev.c
tests_modules_old_old_portspec_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DSTMPROG_TEST_OLD_PORTSPEC
tests_modules_old_old_portspec_la_LDFLAGS = $(TESTMODULE_FLAGS)
tests_modules_old_old_portspec_la_LIBADD = core/libstmprog.la

EXTRA_DIST += tests/lsan.supp

# libstmprog exports only what the public headers declare.
TESTS += tests/test_exports.sh
EXTRA_DIST += tests/test_exports.sh
noinst_HEADERS = tests/test_helpers.h tests/test_e2e_util.h \
	tests/test_script_link.h
TEST_HELPERS = tests/test_helpers.c
# The end-to-end tests' files, images and trace questions.
TEST_E2E_UTIL = tests/test_e2e_util.c
# The scripted byte link the protocol tests replay (needs backends/serial
# on the include path).
TEST_SCRIPT_LINK = tests/test_script_link.c

if HAVE_CRITERION
check_PROGRAMS += tests/test_portspec tests/test_loader tests/test_cli \
	tests/test_frontend tests/test_plan tests/test_program tests/test_convert
TESTS += tests/test_portspec tests/test_loader tests/test_cli \
	tests/test_frontend tests/test_plan tests/test_program tests/test_convert

tests_test_convert_SOURCES = tests/test_convert.c $(TEST_HELPERS)
tests_test_convert_CFLAGS = $(TEST_CFLAGS)
tests_test_convert_LDADD = $(TEST_LIBS)

tests_test_program_SOURCES = tests/test_program.c $(TEST_HELPERS)
tests_test_program_CFLAGS = $(TEST_CFLAGS)
tests_test_program_LDADD = $(TEST_LIBS)

tests_test_plan_SOURCES = tests/test_plan.c
tests_test_plan_CFLAGS = $(TEST_CFLAGS)
tests_test_plan_LDADD = $(TEST_LIBS)

tests_test_portspec_SOURCES = tests/test_portspec.c
tests_test_portspec_CFLAGS = $(TEST_CFLAGS)
tests_test_portspec_LDADD = $(TEST_LIBS)

tests_test_loader_SOURCES = tests/test_loader.c $(TEST_HELPERS)
tests_test_loader_CFLAGS = $(TEST_CFLAGS) $(PTHREAD_CFLAGS)
tests_test_loader_LDADD = $(TEST_LIBS) $(PTHREAD_LIBS)
tests_test_loader_LDFLAGS = $(PTHREAD_CFLAGS)

tests_test_cli_SOURCES = tests/test_cli.c frontends/cli.c
tests_test_cli_CFLAGS = $(TEST_CFLAGS)
tests_test_cli_LDADD = $(CRITERION_LIBS)

tests_test_frontend_SOURCES = tests/test_frontend.c $(TEST_HELPERS)
tests_test_frontend_CFLAGS = $(TEST_CFLAGS)
tests_test_frontend_LDADD = $(TEST_LIBS)

# The event channel on the memdev test backend: labels, time, one begin
# and end per phase, cancel, repairs, unformatted messages.
check_PROGRAMS += tests/test_events
TESTS += tests/test_events
tests_test_events_SOURCES = tests/test_events.c $(TEST_HELPERS)
tests_test_events_CFLAGS = $(TEST_CFLAGS) $(PTHREAD_CFLAGS)
tests_test_events_LDADD = $(TEST_LIBS) $(PTHREAD_LIBS)
tests_test_events_LDFLAGS = $(PTHREAD_CFLAGS)
# The job through the library: built and validated without a device, run
# on memdev and over UART against stmprog-sim.
if BUILD_UART
check_PROGRAMS += tests/test_job
TESTS += tests/test_job
tests_test_job_SOURCES = tests/test_job.c $(TEST_HELPERS)
tests_test_job_CFLAGS = $(TEST_CFLAGS)
tests_test_job_LDADD = $(TEST_LIBS)
# The production line test_job runs under the simulator.
check_PROGRAMS += tests/job_runner
tests_job_runner_SOURCES = tests/job_runner.c
tests_job_runner_LDADD = core/libstmprog.la
JOB_TEST_LOG = tests/test_job.log
$(JOB_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT) tests/job_runner$(EXEEXT)
endif
# The unique ID on connect over UART, USB and CAN against stmprog-sim.
if BUILD_UART
if BUILD_DFU
if BUILD_CAN
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_uid
TESTS += tests/test_uid
tests_test_uid_SOURCES = tests/test_uid.c $(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_uid_CFLAGS = $(TEST_CFLAGS)
tests_test_uid_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
UID_TEST_LOG = tests/test_uid.log
$(UID_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif
endif
endif
endif

include tests/chip.mk
include tests/image.mk
include tests/sim.mk
include tests/uart.mk
include tests/uart_e2e.mk
include tests/sim_usb.mk
include tests/dfu.mk
include tests/dfu_e2e.mk
include tests/option_bytes.mk
include tests/ob_names.mk
include tests/can.mk
include tests/can_e2e.mk
include tests/sim_slcan.mk
include tests/kernel.mk
include tests/trust_e2e.mk
include tests/line_config.mk
include tests/line_db.mk
include tests/line_e2e.mk
include tests/line_crash.mk
include tests/fault_matrix.mk
include tests/perf_timing.mk
include tests/perf_dfu.mk
include tests/perf_can.mk
include tests/perf_uart.mk
include tests/perf_bench.mk
include tests/bad_input.mk
include tests/interrupt_e2e.mk
include tests/docs.mk
include tests/ftdi_cbus.mk
include tests/kernel_uart.mk
include tests/kernel_gadget.mk
include tests/vendor_ops.mk
include tests/memories.mk
include tests/backends_ops.mk
# Two simulated U585s with one serial string on one USB bus: -l usb shows
# paths, sn= alone is refused, path= programs each board; the ROMs' serial
# derivation; udev's by-path/by-id names of serial ports.
if BUILD_DFU
if HAVE_UMOCKDEV
check_PROGRAMS += tests/test_usb_paths
TESTS += tests/test_usb_paths
tests_test_usb_paths_SOURCES = tests/test_usb_paths.c \
	contrib/sim/sim_usb_desc.c backends/serial/serial_names.c \
	$(TEST_E2E_UTIL) $(TEST_HELPERS)
tests_test_usb_paths_CFLAGS = $(TEST_CFLAGS) \
	-I$(top_srcdir)/contrib/sim -I$(top_srcdir)/backends/serial
tests_test_usb_paths_LDADD = $(TEST_LIBS)
USB_PATHS_TEST_LOG = tests/test_usb_paths.log
$(USB_PATHS_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif
endif
# stmprog-sim --devices N: several chips in one run, each programmed by
# stmprog through its own port.
if BUILD_UART
check_PROGRAMS += tests/test_sim_multi
TESTS += tests/test_sim_multi
tests_test_sim_multi_SOURCES = tests/test_sim_multi.c $(TEST_E2E_UTIL) \
	$(TEST_HELPERS)
tests_test_sim_multi_CFLAGS = $(TEST_CFLAGS)
tests_test_sim_multi_LDADD = $(TEST_LIBS)
# Through a variable, so automake keeps its own rule for the log.
SIM_MULTI_TEST_LOG = tests/test_sim_multi.log
$(SIM_MULTI_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
endif
# Four targets from four threads through the installed library and its
# pkg-config file (tests/threads/run.sh installs into a temporary DESTDIR).
TESTS += tests/threads/run.sh
EXTRA_DIST += tests/threads/run.sh tests/threads/four_targets.c
# Through a variable, so automake keeps its own rule for the log.
THREADS_TEST_LOG = tests/threads/run.sh.log
$(THREADS_TEST_LOG): contrib/sim/stmprog-sim$(EXEEXT)
# Its `make install` relinks the modules in this tree (libtool relinks at
# install time): a test loading them meanwhile finds a half-written file.
# So it runs after every other test of the run.
$(THREADS_TEST_LOG): $(TEST_LOGS:tests/threads/run.sh.log=)
endif
include tests/rmw.mk
include tests/output.mk

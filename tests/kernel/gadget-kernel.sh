#!/usr/bin/env bash
# make check's DfuSe-through-a-real-USB-stack test (tests/kernel_gadget.mk):
# boots Debian's stock kernel once under QEMU and runs gadget-guest.sh
# there: stmprog-sim serves the simulated DfuSe ROM as a USB gadget
# (gadgetfs on dummy_hcd), the same kernel's host side enumerates it, and
# dfu-util and stmprog list, program, verify, read back and leave through
# the real usbfs with no preload (docs/kernel-tests.md).
#
# Exit status: 0 pass, 1 fail, 77 skip (a missing package or kernel
# module is named, or the run is a repeat: see STMPROG_TEST_QUICK below).
set -eu

: "${top_srcdir:?top_srcdir is not set (make check exports it)}"
: "${top_builddir:?top_builddir is not set (make check exports it)}"

# As tests/kernel/can-kernel.sh: tests/run-all.sh sets STMPROG_TEST_QUICK
# for its valgrind stage and distcheck; the guest runs once per CI run.
if [ -n "${STMPROG_TEST_QUICK:-}" ]; then
	echo "SKIP: the kernel test runs once per CI run, not again with STMPROG_TEST_QUICK set"
	exit 77
fi

# The time-out only catches a hung guest (TCG on a loaded machine is
# slow; the guest takes about a minute on an idle one).
out=$top_builddir/tests/kernel-run/gadget
rc=0
bash "$top_srcdir/tests/kernel/run-in-guest.sh" --out "$out" \
	--cache "$top_builddir/tests/kernel-run/cache" --timeout "${STMPROG_KERNEL_TIMEOUT:-600}" \
	-- bash "$top_srcdir/tests/kernel/gadget-guest.sh" || rc=$?
case $rc in
0 | 77) exit "$rc" ;;
*) exit 1 ;;
esac

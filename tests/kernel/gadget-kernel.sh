#!/usr/bin/env bash
# make check's DfuSe-through-a-real-USB-stack test (tests/kernel_gadget.mk):
# boots Debian's stock kernel once under QEMU and runs gadget-guest.sh
# there: stmprog-sim serves the simulated DfuSe ROM as a USB gadget
# (gadgetfs on dummy_hcd), the same kernel's host side enumerates it, and
# dfu-util and stmprog list, program, verify, read back and leave through
# the real usbfs with no preload (docs/kernel-tests.md).
#
# Exit status: 0 pass, 1 fail, 77 skip (a missing package or kernel
# module is named, or the run is a repeat: see STMPROG_TEST_QUICK in
# kernel-test-lib.sh).
set -eu

# top_srcdir, top_builddir and the STMPROG_TEST_QUICK skip, from beside
# this script (a read-only source tree under distcheck).
# shellcheck source=tests/kernel/kernel-test-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/kernel-test-lib.sh"

# The guest takes about a minute on an idle machine.
guest_cmd gadget
rc=0
"${guest[@]}" -- bash "$top_srcdir/tests/kernel/gadget-guest.sh" || rc=$?
guest_exit "$rc"

#!/usr/bin/env bash
# make check's kernel-in-the-loop test (tests/kernel.mk): boots Debian's
# stock kernel once under QEMU and runs can-guest.sh there: vcan, the CAN
# backend's SocketCAN frame tests on it, and stmprog end to end through a
# real SocketCAN interface made by the kernel's slcan line discipline on
# the simulator's pty (docs/kernel-tests.md).
#
# Exit status: 0 pass, 1 fail, 77 skip (a missing package is named, or the
# run is a repeat: see STMPROG_TEST_QUICK in kernel-test-lib.sh).
set -eu

# top_srcdir, top_builddir and the STMPROG_TEST_QUICK skip, from beside
# this script (a read-only source tree under distcheck).
# shellcheck source=tests/kernel/kernel-test-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/kernel-test-lib.sh"

# The guest is root with CAP_NET_ADMIN in its own kernel, whoever runs
# QEMU; only /boot's kernel image (mode 0600 on Debian) needs root here.
# A tree under /tmp or /run gets a share of its own (run-in-guest.sh).
guest_cmd can
rc=0
"${guest[@]}" -- bash "$top_srcdir/tests/kernel/can-guest.sh" || rc=$?
guest_exit "$rc"

#!/usr/bin/env bash
# make check's kernel-in-the-loop test (tests/kernel.mk): boots Debian's
# stock kernel once under QEMU and runs can-guest.sh there: vcan, the CAN
# backend's SocketCAN frame tests on it, and stmprog end to end through a
# real SocketCAN interface made by the kernel's slcan line discipline on
# the simulator's pty (docs/kernel-tests.md).
#
# Exit status: 0 pass, 1 fail, 77 skip (a missing package is named, or the
# run is a repeat: see STMPROG_TEST_QUICK below).
set -eu

: "${top_srcdir:?top_srcdir is not set (make check exports it)}"
: "${top_builddir:?top_builddir is not set (make check exports it)}"

# tests/run-all.sh runs make check three times (stage 1, the valgrind
# stage, distcheck) and sets STMPROG_TEST_QUICK for the last two.  A guest
# costs 10-20 s and valgrind cannot look inside it, so it runs once.
if [ -n "${STMPROG_TEST_QUICK:-}" ]; then
	echo "SKIP: the kernel test runs once per CI run, not again with STMPROG_TEST_QUICK set"
	exit 77
fi

# The guest is root with CAP_NET_ADMIN in its own kernel, whoever runs
# QEMU; only /boot's kernel image (mode 0600 on Debian) needs root here.
# A tree under /tmp or /run gets a share of its own (run-in-guest.sh).
# The time-out catches a hung guest, nothing else: QEMU emulates the CPU
# (no KVM), and on a loaded 2-core machine (CI runs the valgrind pass
# meanwhile) a 52-second guest took over 180 s.
out=$top_builddir/tests/kernel-run/can
rc=0
bash "$top_srcdir/tests/kernel/run-in-guest.sh" --out "$out" \
	--cache "$top_builddir/tests/kernel-run/cache" --timeout "${STMPROG_KERNEL_TIMEOUT:-600}" \
	-- bash "$top_srcdir/tests/kernel/can-guest.sh" || rc=$?
case $rc in
0 | 77) exit "$rc" ;;
*) exit 1 ;;
esac

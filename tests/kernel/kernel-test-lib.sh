# Sourced by make check's kernel-in-the-loop wrappers (can-kernel.sh,
# uart-kernel.sh, gadget-kernel.sh), not run: what every one of them does
# before it boots a guest, so that they agree on it.  It needs top_srcdir
# and top_builddir, skips under STMPROG_TEST_QUICK (exit 77), and defines:
#
#   guest_cmd NAME    sets the array guest to the run-in-guest.sh command
#                     for the test NAME (output in tests/kernel-run/NAME,
#                     the initramfs cache shared); append "-- COMMAND..."
#   guest_exit RC     exits with a guest's status as make check reads it:
#                     0 pass, 77 skip, anything else 1 (fail)
# shellcheck shell=bash

: "${top_srcdir:?top_srcdir is not set (make check exports it)}"
: "${top_builddir:?top_builddir is not set (make check exports it)}"

# tests/run-all.sh runs make check three times (stage 1, the valgrind
# stage, distcheck) and sets STMPROG_TEST_QUICK for the last two.  A guest
# costs 10-20 s and valgrind cannot look inside it, so it runs once.
if [ -n "${STMPROG_TEST_QUICK:-}" ]; then
	echo "SKIP: the kernel test runs once per CI run, not again with STMPROG_TEST_QUICK set"
	exit 77
fi

# The time-out catches a hung guest, nothing else: QEMU emulates the CPU
# (no KVM), and on a loaded 2-core machine (CI runs the valgrind pass
# meanwhile) a 52-second guest took over 180 s.
# shellcheck disable=SC2034 # guest is for the sourcing script
guest_cmd() {
	guest=(bash "$top_srcdir/tests/kernel/run-in-guest.sh" --out "$top_builddir/tests/kernel-run/$1"
		--cache "$top_builddir/tests/kernel-run/cache" --timeout "${STMPROG_KERNEL_TIMEOUT:-600}")
}

guest_exit() {
	case $1 in
	0 | 77) exit "$1" ;;
	*) exit 1 ;;
	esac
}

#!/usr/bin/env bash
# make check's GPIO kernel-in-the-loop test (tests/backends_ops.mk): init=
# with host GPIO lines through libgpiod and a real kernel's GPIO character
# device.  Debian's 6.1 kernel has neither gpio-sim nor gpio-mockup, so an
# out-of-tree module of ours (tests/kernel/gpio-jig: a chip whose lines
# log every level they are driven to) is built here against the guest
# kernel's headers and loaded in the guest, where gpio-guest.sh runs
# stmprog against stmprog-sim with BOOT0/NRST-style sequences on it.
#
# Exit status: 0 pass, 1 fail, 77 skip (the missing piece is named).
set -eu

# shellcheck source=tests/kernel/kernel-test-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/kernel-test-lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ -x "$top_builddir/contrib/sim/stmprog-sim" ] || skip "stmprog-sim is not built"
[ -x "$top_builddir/frontends/stmprog" ] || skip "stmprog is not built"
[ -e "$top_builddir/backends/uart.la" ] || skip "the uart backend is not built (libserialport missing?)"
grep -q '^#define HAVE_LIBGPIOD 1' "$top_builddir/config.h" ||
	skip "stmprog was built without libgpiod (Debian package libgpiod-dev)"

# The kernel run-in-guest.sh boots: the newest under /boot with modules.
kver=${STMPROG_KERNEL_VERSION:-}
if [ -z "$kver" ]; then
	for k in $(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V -r); do
		if [ -f "/lib/modules/$k/modules.dep" ]; then kver=$k; break; fi
	done
fi
[ -n "$kver" ] || skip "no kernel image with modules (Debian package linux-image-amd64)"
[ -f "/lib/modules/$kver/build/Makefile" ] ||
	skip "no headers for kernel $kver to build the GPIO test module (Debian package linux-headers-amd64)"

# The module is built in the build tree (the source tree may be read-only).
jig=$top_builddir/tests/kernel-run/gpio-jig
rm -rf "$jig"
mkdir -p "$jig"
cp "$top_srcdir/tests/kernel/gpio-jig/stmprog_gpio_jig.c" "$top_srcdir/tests/kernel/gpio-jig/Kbuild" "$jig/"
if ! make -s -C "/lib/modules/$kver/build" M="$jig" modules >"$jig/build.log" 2>&1; then
	cat "$jig/build.log"
	echo "FAIL: the GPIO test module does not build against $kver's headers"
	exit 1
fi

guest_cmd gpio
rc=0
"${guest[@]}" -- bash "$top_srcdir/tests/kernel/gpio-guest.sh" "$jig/stmprog_gpio_jig.ko" || rc=$?
guest_exit "$rc"

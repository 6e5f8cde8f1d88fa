#!/usr/bin/env bash
# The UART checks that need a real Linux kernel, run inside the test guest
# (run-in-guest.sh, as root, the host's files read-only, /tmp the guest's).
# The guest has a USB-serial adapter, QEMU's FTDI FT232BM (usb-serial on
# qemu-xhci), whose far end is the pty of a stmprog-sim running on the
# host (uart-kernel.sh): so the path is the kernel's xhci and ftdi_sio
# drivers, /dev/ttyUSB0, QEMU's FTDI emulation (which applies the guest's
# baud rate, parity and modem lines to the pty) and the simulated STM32F405.
#
#   modules   xhci_pci and ftdi_sio load, /dev/ttyUSB0 appears
#   list      stmprog -l uart shows ttyUSB0 with the adapter's USB
#             VID:PID and serial number (libserialport's sp_get_port_usb_*)
#   stmprog   the latency timer set to 16 ms (a real FT232's default)
#             through sysfs; stmprog opens ttyUSB0 with libserialport
#             (its debug line says so; the termios path's does not appear),
#             lowers the timer to 1 ms (read back from sysfs), and writes
#             and verifies an image on 8E1 with an RTS/DTR entry sequence
#   parity    stmprog on 8N1 must not sync, and the simulator must say it
#             saw 8N1 (the parity reached the pty through ftdi_sio and
#             QEMU)
#   stm32flash  stm32flash writes and verifies a second image through
#             ttyUSB0 with the same entry sequence (-i)
#
# Each check prints one "PASS name", "SKIP name: why" or "FAIL name: why"
# line.  Exit status: 1 if anything failed, 0 otherwise.
#
#   uart-guest.sh WORK INIT
# WORK: the host directory with the images (read-only here); INIT: the
# entry/exit sequence, in stmprog's init= syntax, which stm32flash's -i
# shares.  The simulator's trace is checked on the host afterwards.
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
src=${1:?usage: uart-guest.sh WORK INIT}
init=${2:?usage: uart-guest.sh WORK INIT}
work=${TMPDIR:-/tmp}/uart-guest
rm -rf "$work"
mkdir -p "$work"
tty=/dev/ttyUSB0

# The PASS/SKIP/FAIL lines and the helpers the guest scripts share, from
# beside this script (always run by its path: run-in-guest.sh, "$0").
# shellcheck source=tests/kernel/guest-lib.sh
. "${BASH_SOURCE[0]%/*}/guest-lib.sh"

stmprog=$top_builddir/frontends/stmprog
sysfs=/sys/bus/usb-serial/devices/ttyUSB0/latency_timer

# The logs reach the host however the script ends.
trap "save_logs '*.log'" EXIT

# ---------------------------------------------------------------------------
# The kernel cannot load modules by itself in the chroot (guest-init.sh):
# the USB host controller and the FTDI driver are loaded by hand.
if ! modprobe -a xhci_pci ftdi_sio >"$work/modprobe.log" 2>&1; then
	fail modules "modprobe xhci_pci ftdi_sio: $(tr '\n' ' ' <"$work/modprobe.log")"
	exit 1
fi
if ! wait_for 300 test -c "$tty"; then
	fail modules "no $tty within 30 s of loading ftdi_sio"
	lsmod | grep -E 'usb|ftdi|xhci' || true
	exit 1
fi
pass "modules (xhci_pci, ftdi_sio; $tty appeared)"

# ---------------------------------------------------------------------------
"$stmprog" -l uart >"$work/list.log" 2>&1 || true
line=$(grep -A1 "^$tty " "$work/list.log" | tr '\n' ' ' || true)
case $line in
*"[0403:6001]"*"sn=STMPROG1"*"latency timer"*) pass "list ($line)" ;;
*) fail list "no '$tty ... [0403:6001] sn=STMPROG1' with its latency timer in stmprog -l uart"
	cat "$work/list.log" ;;
esac

# ---------------------------------------------------------------------------
# QEMU's FTDI emulation starts with a latency timer of 0, a real FT232 with
# 16 ms: give it the real one through the driver, as a user's adapter has.
if ! echo 16 >"$sysfs" 2>"$work/latency.log" || [ "$(cat "$sysfs")" != 16 ]; then
	fail stmprog "cannot set $sysfs to 16 ($(cat "$sysfs" 2>/dev/null))"
else
	rc=0
	"$stmprog" -vb 3 -c port=$tty br=115200 P=EVEN "init=$init" \
		-d "$src/app.bin" 0x08000000 -v >"$work/stmprog.log" 2>&1 || rc=$?
	lat=$(cat "$sysfs")
	if [ "$rc" != 0 ]; then
		fail stmprog "exit $rc"
		show 30 stmprog.log
	elif ! grep -q "$tty: opened with libserialport .*(a USB adapter)" "$work/stmprog.log"; then
		fail stmprog "no 'opened with libserialport ... (a USB adapter)' debug line"
		show 30 stmprog.log
	elif grep -q "opening it with termios" "$work/stmprog.log"; then
		fail stmprog "the port was opened with termios, not libserialport"
	elif [ "$lat" != 1 ]; then
		fail stmprog "latency timer $lat ms after the run, not 1 ms"
	else
		pass "stmprog (libserialport on $tty, 8E1, init=$init, latency 16 -> $lat ms, write+verify $(wc -c <"$src/app.bin") bytes)"
	fi
fi

# ---------------------------------------------------------------------------
# The parity travels: ftdi_sio sends it to the adapter, QEMU sets it on the
# pty, the simulator sees it.  On 8N1 the ROM never syncs.
rc=0
"$stmprog" -c port=$tty br=115200 P=NONE "init=$init" -r 0x08000000 4 "$work/nosync.bin" \
	>"$work/parity.log" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then
	fail parity "stmprog synced on 8N1; the simulator did not see the parity"
else
	pass "parity (8N1 does not sync: exit $rc; the host checks the trace)"
fi

# ---------------------------------------------------------------------------
if ! command -v stm32flash >/dev/null 2>&1; then
	skip stm32flash "stm32flash not found (Debian package stm32flash)"
else
	rc=0
	stm32flash -b 115200 -m 8e1 -i "$init" -S 0x08004000 -w "$src/app2.bin" -v $tty \
		>"$work/stm32flash.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		fail stm32flash "exit $rc"
		show 30 stm32flash.log
	elif ! grep -q "Wrote and verified\|Done" "$work/stm32flash.log"; then
		fail stm32flash "no success line"
		show 30 stm32flash.log
	else
		pass "stm32flash (-b 115200 -m 8e1 -i '$init', write+verify $(wc -c <"$src/app2.bin") bytes at 0x08004000)"
	fi
fi
exit "$failed"

#!/usr/bin/env bash
# make check's UART kernel-in-the-loop test (tests/kernel_uart.mk): the path
# a user with a USB-serial adapter takes, through a real kernel.  stmprog-sim
# runs on the host and plays the chip behind a pty; its COMMAND is QEMU
# (run-in-guest.sh), which gives the guest an FTDI adapter (usb-serial)
# whose serial chardev is that pty.  So QEMU's termios and modem-line
# ioctls on the pty are the guest's baud rate, parity, RTS and DTR, and the
# simulator's tty watch sees them as it sees a host's (docs/kernel-tests.md).
# In the guest, uart-guest.sh runs stmprog (libserialport) and stm32flash
# on /dev/ttyUSB0; here the simulator's flash and trace are checked.
#
# Exit status: 0 pass, 1 fail, 77 skip (the missing piece is named).
set -eu

# top_srcdir, top_builddir and the STMPROG_TEST_QUICK skip, from beside
# this script (a read-only source tree under distcheck).
# shellcheck source=tests/kernel/kernel-test-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/kernel-test-lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
sim=$top_builddir/contrib/sim/stmprog-sim
stmprog=$top_builddir/frontends/stmprog
[ -x "$sim" ] || skip "stmprog-sim is not built"
[ -x "$stmprog" ] || skip "stmprog is not built"
[ -e "$top_builddir/backends/uart.la" ] || skip "the uart backend is not built (libserialport missing?)"
qemu=${STMPROG_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || skip "$qemu not found (Debian package qemu-system-x86)"
devs=$("$qemu" -device help 2>/dev/null || true)
case $devs in *'"usb-serial"'*) ;; *) skip "$qemu has no usb-serial device (Debian package qemu-system-x86)" ;; esac
case $devs in *'"qemu-xhci"'*) ;; *) skip "$qemu has no qemu-xhci device (Debian package qemu-system-x86)" ;; esac

work=$top_builddir/tests/kernel-run/uart-work
rm -rf "$work"
mkdir -p "$work"

# Two images, each a few 256-byte WRITE blocks and a tail, different
# bytes, in two sectors: stmprog's at 0x08000000, stm32flash's at
# 0x08004000, so the flash file shows both.
awk 'BEGIN { x = 12345; for (i = 0; i < 3000; i++) { x = (x * 1103515245 + 12345) % 2147483648;
	printf "%c", int(x / 65536) % 256 } }' >"$work/app.bin"
awk 'BEGIN { x = 777; for (i = 0; i < 2050; i++) { x = (x * 1103515245 + 12345) % 2147483648;
	printf "%c", int(x / 65536) % 256 } }' >"$work/app2.bin"

# BOOT0 on RTS, NRST on DTR, each through the adapter's active-low TTL
# pin: entry releases RTS (BOOT0 high) and pulses DTR (NRST low, then
# high); exit asserts RTS (BOOT0 low) and pulses DTR again.
init='-rts&dtr,-dtr:rts&dtr,-dtr'
wire=()
if "$sim" --help 2>&1 | grep -q -- '--wire'; then
	wire=(--wire boot0=rts,nrst=dtr)
else
	echo "note: this stmprog-sim has no --wire: the entry sequence runs but decides nothing"
fi

guest_cmd uart
rc=0
"$sim" --chip 0x413 --transport uart --baud 115200 --flash "$work/flash.bin" \
	--trace "$work/trace.txt" "${wire[@]}" -- \
	"${guest[@]}" --qemu-arg -device --qemu-arg qemu-xhci \
	--qemu-arg -chardev --qemu-arg 'serial,id=sim,path={port}' \
	--qemu-arg -device --qemu-arg usb-serial,chardev=sim,serial=STMPROG1 \
	-- bash "$top_srcdir/tests/kernel/uart-guest.sh" "$work" "$init" >"$work/sim.log" 2>&1 || rc=$?
cat "$work/sim.log"
case $rc in
0) ;;
77) exit 77 ;;
*) echo "FAIL: the guest's checks (exit $rc)"; exit 1 ;;
esac

# The simulated chip has both images, and saw the 8N1 attempt.
bad=0
if ! cmp -s -n "$(wc -c <"$work/app.bin")" "$work/app.bin" "$work/flash.bin"; then
	echo "FAIL: the flash at 0x08000000 is not stmprog's image"; bad=1
fi
if ! cmp -s -n "$(wc -c <"$work/app2.bin")" "$work/app2.bin" <(tail -c +16385 "$work/flash.bin"); then
	echo "FAIL: the flash at 0x08004000 is not stm32flash's image"; bad=1
fi
if ! grep -q '^NOSYNC line 8N1' "$work/trace.txt"; then
	echo "FAIL: the simulator's trace has no 'NOSYNC line 8N1': the guest's parity did not reach the pty"; bad=1
fi
for want in 'WRITE 0x08000000' 'READ 0x08000000' 'WRITE 0x08004000' 'READ 0x08004000'; do
	grep -q "^$want" "$work/trace.txt" || { echo "FAIL: the trace has no '$want' line"; bad=1; }
done
# With the wiring the entry sequence decides: each of the three sessions
# (stmprog, the 8N1 attempt, stm32flash) started the ROM by NRST rising
# with BOOT0 high, and each exit sequence booted the flash.
if [ "${#wire[@]}" -gt 0 ]; then
	for b in 1 0; do
		n=$(grep -c "^RESET NRST BOOT0=$b" "$work/trace.txt" || true)
		[ "$n" = 3 ] || { echo "FAIL: $n 'RESET NRST BOOT0=$b' lines in the trace, not 3"; bad=1; }
	done
fi
if [ "$bad" != 0 ]; then
	echo "--- trace (last lines):"
	tail -n 30 "$work/trace.txt"
	exit 1
fi
echo "PASS host (flash holds both images; the simulator saw 8N1 refused and both writes${wire:+; each session entered the ROM through RTS/DTR on BOOT0/NRST})"
exit 0

#!/usr/bin/env bash
# The DfuSe checks that need a real Linux USB stack, run inside the test
# guest (run-in-guest.sh, as root, the host's files read-only, /tmp the
# guest's).  stmprog-sim's gadget transport serves the simulated ROM
# through gadgetfs on dummy_hcd's device side; the same kernel's host side
# enumerates it, and dfu-util and stmprog reach it through the real usbfs,
# with no preload (docs/kernel-tests.md):
#
#   modules   dummy_hcd and gadgetfs load, gadgetfs mounts on /dev/gadget
#   enumerate the kernel enumerates 0483:df11 at full speed; sysfs shows the
#             ROM's strings and descriptors
#   list      dfu-util -l and stmprog -l usb list it with its alt strings
#   program   stmprog -c port=usb1 -d IMAGE 0x08000000 -v; the simulated
#             flash holds the image
#   upload    dfu-util -U reads it back byte for byte
#   leave     dfu-util -s 0x08000000:leave -D: the ROM leaves, the device
#             disconnects and re-enumerates as the application (0483:5740,
#             a new device number)
#   detach    stmprog meets that application: DETACH, a USB reset through
#             the real hub, the ROM re-enumerates, stmprog reads back
#   empty     the same on a virgin STM32L43x (empty check latched): the
#             leave ends back in DFU mode, as the ROM does
#   timing    --timing real: DNLOADs answered dfuDNBUSY with bwPollTimeout,
#             stmprog and dfu-util wait as told (an early poll is held)
#   xfer2048  with the ROM's wTransferSize of 2048: gadgetfs stalls a
#             2048-byte DNLOAD and cuts a 2048-byte UPLOAD to 256 bytes
#             (why the gadget shows 256)
#   compare   the same device under the usb transport (umockdev): every
#             sysfs attribute libusb reads, and those the kernel derives
#             from the descriptors, are the same; the others are listed
#
# Each check prints one "PASS name", "SKIP name: why" or "FAIL name: why"
# line, with its time.  Exit status: 1 if anything failed; 77 if the
# kernel lacks dummy_hcd or gadgetfs (nothing else can run); 0 otherwise.
#
# Needs top_srcdir and top_builddir.  "gadget-guest.sh inner-NAME ..." is
# what runs under the simulator (below).
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
work=${TMPDIR:-/tmp}/gadget-guest
dev=/sys/bus/usb/devices/1-1
# The PASS/SKIP/FAIL lines and the helpers the guest scripts share, from
# beside this script (always run by its path: run-in-guest.sh, "$0").
# shellcheck source=tests/kernel/guest-lib.sh
. "${BASH_SOURCE[0]%/*}/guest-lib.sh"

# The device at 1-1 is VID:PID (the kernel has enumerated it).
is_dev() {
	[ "$(cat "$dev/idVendor" 2>/dev/null):$(cat "$dev/idProduct" 2>/dev/null)" = "$1" ]
}

stmprog=$top_builddir/frontends/stmprog
sim=$top_builddir/contrib/sim/stmprog-sim

# One line per sysfs attribute of 1-1 (name=value; empty when it is not
# there), for compare.  A fixed list read with cat: under umockdev's
# preload only the calls it redirects see the test bed, and a shell's
# globbing or test -f may not be among them.
attrs="busnum devnum speed bConfigurationValue idVendor idProduct bcdDevice
manufacturer product serial descriptors bDeviceClass bDeviceSubClass
bDeviceProtocol bMaxPacketSize0 bNumConfigurations bNumInterfaces
bmAttributes bMaxPower version devpath removable authorized quirks
avoid_reset_quirk maxchild urbnum configuration ltm_capable"
dump_sysfs() {
	local a files=
	for a in $attrs; do
		[ "$a" = descriptors ] || files="$files $dev/$a"
	done
	# One grep for all (every program start is slow in the guest).
	# shellcheck disable=SC2086
	grep -H '' $files 2>/dev/null | sed "s|^$dev/||; s|:|=|"
	echo "descriptors=$(od -An -v -tx1 "$dev/descriptors" 2>/dev/null | tr -d ' \n')"
}

# ---------------------------------------------------------------------------
# What runs under stmprog-sim.  Each prints why on stderr and exits non-zero
# at the first failed step.

# enumerate, list, program, upload: one simulator run, one chip.
inner_main() {
	local len=6000
	wait_for 100 is_dev 0483:df11 || { echo "no 0483:df11 at 1-1 within 10 s" >&2; return 1; }
	dump_sysfs >"$work/sysfs-gadget.txt"
	{
		[ "$(cat "$dev/speed")" = 12 ] || { echo "speed $(cat "$dev/speed"), not full speed (12)" >&2; exit 1; }
		[ "$(cat "$dev/product")" = "STM32  BOOTLOADER" ] || { echo "product '$(cat "$dev/product")'" >&2; exit 1; }
		[ "$(cat "$dev/manufacturer")" = STMicroelectronics ] || { echo "manufacturer '$(cat "$dev/manufacturer")'" >&2; exit 1; }
		grep -qx 'serial=[0-9A-F]\{12\}' "$work/sysfs-gadget.txt" || { echo "serial '$(cat "$dev/serial")' is not 12 hex digits" >&2; exit 1; }
		[ -c /dev/bus/usb/001/"$(printf %03d "$(cat "$dev/devnum")")" ] || { echo "no usbfs node for 1-1" >&2; exit 1; }
	} || { echo "enumerate" >"$work/failed-step"; return 1; }
	echo "PASS-INNER enumerate"

	dfu-util -l >"$work/dfu-list.txt" 2>&1 || true
	grep -q 'Found DFU: \[0483:df11\].*alt=0, name="@Internal Flash  /0x08000000/04\*016Kg,01\*064Kg,07\*128Kg"' "$work/dfu-list.txt" &&
		grep -q 'Found DFU: \[0483:df11\].*alt=1, name="@Option Bytes  /0x1FFFC000/01\*016 e"' "$work/dfu-list.txt" ||
		{ echo "list" >"$work/failed-step"; echo "dfu-util -l does not list the ROM's alternate settings: $(grep Found "$work/dfu-list.txt" | tr '\n' '|')" >&2; return 1; }
	"$stmprog" -l usb >"$work/stmprog-list.txt" 2>&1 || true
	grep -q '^usb1 .*STM32  BOOTLOADER \[0483:df11\]' "$work/stmprog-list.txt" &&
		grep -q 'alt 0: @Internal Flash' "$work/stmprog-list.txt" &&
		grep -q 'wTransferSize 256' "$work/stmprog-list.txt" ||
		{ echo "list" >"$work/failed-step"; echo "stmprog -l usb: $(tr '\n' '|' <"$work/stmprog-list.txt")" >&2; return 1; }
	echo "PASS-INNER list"

	"$stmprog" -c port="$STMPROG_SIM_PORT" -d "$work/app.bin" 0x08000000 -v >"$work/stmprog.log" 2>&1 ||
		{ echo "program" >"$work/failed-step"; echo "stmprog -d -v failed: $(tail -n 3 "$work/stmprog.log" | tr '\n' '|')" >&2; return 1; }
	grep -q 'Verified' "$work/stmprog.log" && cmp -s -n "$len" "$work/app.bin" "$work/flash.bin" ||
		{ echo "program" >"$work/failed-step"; echo "the simulated flash differs from the image" >&2; return 1; }
	echo "PASS-INNER program"

	dfu-util -a 0 -s "0x08000000:$len" -U "$work/up.bin" >"$work/dfu-upload.log" 2>&1 ||
		{ echo "upload" >"$work/failed-step"; echo "dfu-util -U failed: $(tail -n 2 "$work/dfu-upload.log" | tr '\n' '|')" >&2; return 1; }
	cmp -s "$work/app.bin" "$work/up.bin" ||
		{ echo "upload" >"$work/failed-step"; echo "the upload differs from the image ($(stat -c %s "$work/up.bin") bytes)" >&2; return 1; }
	echo "PASS-INNER upload"
}

# leave / empty: dfu-util downloads with :leave; $1 is what must come back
# (0483:5740 the application, 0483:df11 the ROM again).
inner_leave() {
	local want=$1 before after
	if [ "$want" = 0483:5740 ]; then
		# --usb-start runtime: the chip starts in the application, as
		# under usb; dfu-util -e detaches it (DETACH, then a USB reset,
		# since the run-time interface has no bitWillDetach) into the ROM.
		wait_for 100 is_dev 0483:5740 || { echo "no 0483:5740 at 1-1 within 10 s (--usb-start runtime)" >&2; return 1; }
		dfu-util -d 0483:5740 -e >"$work/dfu-detach.log" 2>&1 ||
			{ echo "dfu-util -e failed: $(tail -n 3 "$work/dfu-detach.log" | tr '\n' '|')" >&2; return 1; }
	fi
	wait_for 100 is_dev 0483:df11 || { echo "no 0483:df11 at 1-1 within 10 s" >&2; return 1; }
	before=$(cat "$dev/devnum")
	dfu-util -a 0 -s 0x08000000:leave -D "$work/app.bin" >"$work/dfu-leave-$want.log" 2>&1 ||
		{ echo "dfu-util -D :leave failed: $(tail -n 3 "$work/dfu-leave-$want.log" | tr '\n' '|')" >&2; return 1; }
	cmp -s -n "$(stat -c %s "$work/app.bin")" "$work/app.bin" "$work/flash.bin" ||
		{ echo "the simulated flash differs from the image" >&2; return 1; }
	# The old device goes, a new one (another device number) comes.
	leave_done() { [ "$(cat "$dev/devnum" 2>/dev/null)" != "$before" ] && is_dev "$want"; }
	wait_for 100 leave_done ||
		{ echo "no new device $want at 1-1 within 10 s (now: $(cat "$dev/idVendor" "$dev/idProduct" "$dev/devnum" 2>/dev/null | tr '\n' ' '))" >&2; return 1; }
	after=$(cat "$dev/devnum")
	echo "devnum $before -> $after, $(cat "$dev/product")" >"$work/leave-$want.txt"
	[ "$want" = 0483:5740 ] || return 0
	# detach: stmprog meets the application's run-time interface: DETACH,
	# a USB reset through the real hub (the application jumps to the ROM
	# and the device re-enumerates), then it reads the image back.
	"$stmprog" -c port="$STMPROG_SIM_PORT" -u 0x08000000 "$(stat -c %s "$work/app.bin")" "$work/back.bin" \
		>"$work/stmprog-detach.log" 2>&1 ||
		{ echo "detach: stmprog -u through the run-time interface failed: $(tail -n 3 "$work/stmprog-detach.log" | tr '\n' '|')" >&2; return 1; }
	cmp -s "$work/app.bin" "$work/back.bin" || { echo "detach: the read-back differs from the image" >&2; return 1; }
	is_dev 0483:df11 || { echo "detach: 1-1 is not the ROM after stmprog" >&2; return 1; }
	echo "devnum $after -> $(cat "$dev/devnum")" >"$work/detach.txt"
}

# xfer2048: the ROM's 2048-byte transfers through gadgetfs.
inner_xfer2048() {
	wait_for 100 is_dev 0483:df11 || { echo "no 0483:df11 at 1-1 within 10 s" >&2; return 1; }
	# A 2048-byte DNLOAD: gadgetfs stalls it before the simulator sees it
	# (the erase before it, 5 bytes, goes through).
	if dfu-util -a 0 -s 0x08000000 -D "$work/app.bin" >"$work/dfu-dn2048.log" 2>&1; then
		echo "dfu-util downloaded through 2048-byte DNLOADs; gadgetfs took them" >&2
		return 1
	fi
	grep -q 'LIBUSB_ERROR_PIPE' "$work/dfu-dn2048.log" ||
		{ echo "dfu-util -D did not fail on a stall: $(tail -n 2 "$work/dfu-dn2048.log" | tr '\n' '|')" >&2; return 1; }
	grep -q '^WRITE' "$work/trace.txt" && { echo "a 2048-byte DNLOAD reached the ROM" >&2; return 1; }
	# A 2048-byte UPLOAD: gadgetfs cuts wLength to 256 before the ROM sees
	# it; the ROM answers 256 bytes, four full packets and no short one,
	# so the host's transfer waits for the rest until it times out.
	if dfu-util -a 0 -s 0x08000000:4096 -U "$work/up2048.bin" >"$work/dfu-up2048.log" 2>&1; then
		echo "dfu-util uploaded through 2048-byte UPLOADs" >&2
		return 1
	fi
	grep -q 'LIBUSB_ERROR_TIMEOUT' "$work/dfu-up2048.log" ||
		{ echo "dfu-util -U did not time out: $(tail -n 2 "$work/dfu-up2048.log" | tr '\n' '|')" >&2; return 1; }
	grep -q '^READ 0x08000000 256$' "$work/trace.txt" ||
		{ echo "the ROM was not asked for 256 bytes: $(grep '^READ' "$work/trace.txt" | head -n 2 | tr '\n' '|')" >&2; return 1; }
}

# timing: with --timing real the ROM's operations take their time: the
# first GETSTATUS after a DNLOAD says dfuDNBUSY with bwPollTimeout, and a
# GETSTATUS before that time is up is held (NAKed) until it is.
inner_timing() {
	wait_for 100 is_dev 0483:df11 || { echo "no 0483:df11 at 1-1 within 10 s" >&2; return 1; }
	"$stmprog" -c port="$STMPROG_SIM_PORT" -d "$work/app.bin" 0x08000000 -v >"$work/stmprog-timing.log" 2>&1 ||
		{ echo "stmprog -d -v with --timing real failed: $(tail -n 3 "$work/stmprog-timing.log" | tr '\n' '|')" >&2; return 1; }
	cmp -s -n "$(stat -c %s "$work/app.bin")" "$work/app.bin" "$work/flash.bin" ||
		{ echo "the simulated flash differs from the image" >&2; return 1; }
	# What dfu-util does: no early polls either, and the same result.
	dfu-util -a 0 -s 0x08000000 -D "$work/app.bin" >"$work/dfu-timing.log" 2>&1 ||
		{ echo "dfu-util -D with --timing real failed: $(tail -n 2 "$work/dfu-timing.log" | tr '\n' '|')" >&2; return 1; }
}

inner_dump() {
	wait_for 100 is_dev 0483:df11 || { echo "no 0483:df11 at 1-1 within 10 s" >&2; return 1; }
	dump_sysfs >"$1"
}

case ${1:-} in
inner-main) inner_main; exit $? ;;
inner-leave) inner_leave "$2"; exit $? ;;
inner-xfer2048) inner_xfer2048; exit $? ;;
inner-dump) inner_dump "$2"; exit $? ;;
inner-timing) inner_timing; exit $? ;;
esac

# ---------------------------------------------------------------------------
rm -rf "$work"
mkdir -p "$work"
echo "kernel $(uname -r); work directory $work"

# Runs the simulator with a fresh flash: run_sim LOG SIM-OPTIONS... -- INNER...
run_sim() {
	local log=$1
	shift
	rm -f "$work/flash.bin" "$work/flash.bin".* "$work/trace.txt"
	"$sim" --flash "$work/flash.bin" --trace "$work/trace.txt" "$@" >"$log" 2>&1
}

# A plausible application: the stack pointer in SRAM, the reset vector in
# flash (Thumb), so the ROM's jump reaches it.
mkimage() {
	{ printf '\000\100\000\040\001\001\000\010'; head -c $(($1 - 8)) /dev/urandom; } >"$2"
}

# --- modules ------------------------------------------------------------------
for m in dummy_hcd gadgetfs; do
	if ! load_module "$m"; then
		skip modules "$why (the kernel needs USB_DUMMY_HCD and USB_GADGETFS, as Debian's linux-image-amd64 has)"
		exit 77
	fi
done
mkdir -p /dev/gadget
if ! mount -t gadgetfs gadgetfs /dev/gadget 2>"$work/mount.err"; then
	fail modules "mount -t gadgetfs: $(cat "$work/mount.err")"
	exit 1
fi
pass modules

missing=
[ -x "$sim" ] || missing="stmprog-sim is not built"
[ -x "$stmprog" ] || missing="stmprog is not built"
command -v dfu-util >/dev/null 2>&1 || missing="dfu-util is missing (Debian package dfu-util)"
if [ -z "$missing" ] && "$sim" --chip 0x413 --transport gadget --print-timing 2>&1 | grep -q "unknown"; then
	missing="this stmprog-sim has no gadget transport (built without umockdev or the Linux gadgetfs header)"
fi
if [ -n "$missing" ]; then
	for c in enumerate list program upload leave detach empty timing xfer2048 compare; do skip "$c" "$missing"; done
	exit 0
fi

# --- enumerate, list, program, upload ------------------------------------------
mkimage 6000 "$work/app.bin"
rc=0
STMPROG_SIM_GADGET_TRACE=1 run_sim "$work/sim-main.log" --chip 0x413 --transport gadget -- bash "$0" inner-main 2>"$work/inner.err" || rc=$?
took
grep '^PASS-INNER' "$work/sim-main.log" | sed "s/^PASS-INNER \(.*\)/PASS \1/" || true
echo "(enumerate, list, program and upload together: $dt s)"
if [ "$rc" -ne 0 ]; then
	step=$(cat "$work/failed-step" 2>/dev/null || echo enumerate)
	fail "$step" "$(tail -n 5 "$work/sim-main.log" | tr '\n' '|')"
fi
cp "$work/trace.txt" "$work/trace-main.txt" 2>/dev/null || true

# --- leave: the application re-enumerates with its run-time DFU interface -----
mkimage 3000 "$work/app.bin"
if STMPROG_SIM_GADGET_TRACE=1 run_sim "$work/sim-leave.log" --chip 0x413 --transport gadget --usb-start runtime \
	-- bash "$0" inner-leave 0483:5740 &&
	grep -q '^LEAVE 0x08000000 app' "$work/trace.txt" &&
	grep -q '^ENUMERATE 0483:5740 runtime' "$work/trace.txt"; then
	pass "leave ($(cat "$work/leave-0483:5740.txt"))"
	cp "$work/trace.txt" "$work/trace-leave.txt" 2>/dev/null || true
	grep -q '^DETACH' "$work/trace.txt" && grep -q '^USB RESET after DETACH' "$work/trace.txt" &&
		pass "detach (stmprog through the run-time interface, $(cat "$work/detach.txt"))" ||
		fail detach "no DETACH and reset in the trace"
else
	fail leave "$(tail -n 4 "$work/sim-leave.log" | tr '\n' '|') trace: $(grep -v '^READ\|^WRITE' "$work/trace.txt" | tail -n 6 | tr '\n' '|')"
fi

# --- empty: a virgin L4 comes back in DFU mode ---------------------------------
if run_sim "$work/sim-empty.log" --chip 0x435 --transport gadget -- bash "$0" inner-leave 0483:df11 &&
	grep -q '^LEAVE 0x08000000 bootloader' "$work/trace.txt" &&
	[ "$(grep -c '^ENUMERATE 0483:df11 dfu' "$work/trace.txt")" -ge 2 ]; then
	pass "empty ($(cat "$work/leave-0483:df11.txt"))"
else
	fail empty "$(tail -n 4 "$work/sim-empty.log" | tr '\n' '|') trace: $(grep -v '^READ\|^WRITE' "$work/trace.txt" | tail -n 6 | tr '\n' '|')"
fi

# --- timing: status polling against a ROM that takes its time ---------------
mkimage 3000 "$work/app.bin"
if run_sim "$work/sim-timing.log" --chip 0x413 --transport gadget --timing real -- bash "$0" inner-timing &&
	grep -q '^BUSY erase [1-9][0-9]* ms' "$work/trace.txt" && grep -q '^BUSY write [1-9][0-9]* ms' "$work/trace.txt"; then
	pass "timing ($(grep -c '^BUSY' "$work/trace.txt") busy answers with bwPollTimeout, $(grep -c '^POLL EARLY' "$work/trace.txt") early polls held)"
else
	fail timing "$(tail -n 3 "$work/sim-timing.log" | tr '\n' '|') trace: $(grep '^BUSY\|^POLL' "$work/trace.txt" | head -n 4 | tr '\n' '|')"
fi
cp "$work/trace.txt" "$work/trace-timing.txt" 2>/dev/null || true

# --- xfer2048: why the gadget does not show the ROM's 2048 ----------------------
mkimage 4096 "$work/app.bin"
if STMPROG_SIM_GADGET_XFER=2048 run_sim "$work/sim-2048.log" --chip 0x413 --transport gadget \
	-- bash "$0" inner-xfer2048; then
	pass "xfer2048 (DNLOAD stalled, UPLOAD cut to 256 bytes and timed out)"
else
	fail xfer2048 "$(tail -n 4 "$work/sim-2048.log" | tr '\n' '|')"
fi

# --- compare: the emulated usbfs against the real one -------------------------
# The same chip and serial; the gadget shows the ROM's wTransferSize here
# (only enumeration, no data), so the descriptors can match byte for byte.
if "$sim" --chip 0x413 --transport usb --print-timing 2>&1 | grep -q "umockdev\|unknown"; then
	skip compare "this stmprog-sim has no usb transport (umockdev)"
elif STMPROG_SIM_GADGET_XFER=2048 run_sim "$work/sim-cmp1.log" --chip 0x413 --transport gadget \
	-- bash "$0" inner-dump "$work/sysfs-real.txt" &&
	run_sim "$work/sim-cmp2.log" --chip 0x413 --transport usb \
		-- bash "$0" inner-dump "$work/sysfs-umockdev.txt"; then
	# What libusb's Linux backend reads from sysfs, the strings, and what
	# the kernel derives from the descriptors.
	bad=
	# Device numbers go on counting on the real bus across runs.
	for a in busnum speed bConfigurationValue idVendor idProduct manufacturer product serial descriptors \
		bcdDevice bDeviceClass bDeviceSubClass bDeviceProtocol bMaxPacketSize0 bNumConfigurations \
		bNumInterfaces bmAttributes bMaxPower version devpath; do
		r=$(grep "^$a=" "$work/sysfs-real.txt" || true)
		u=$(grep "^$a=" "$work/sysfs-umockdev.txt" || true)
		[ "$r" = "$u" ] || bad="$bad $a (real '${r#*=}', umockdev '${u#*=}')"
	done
	only=$(for a in $attrs; do
		grep -q "^$a=." "$work/sysfs-umockdev.txt" || printf ' %s' "$a"
	done)
	echo "NOTE compare: only the real kernel shows:$only"
	if [ -z "$bad" ]; then
		pass compare
	else
		fail compare "differs:$bad"
	fi
else
	fail compare "$(tail -n 3 "$work/sim-cmp1.log" "$work/sim-cmp2.log" | tr '\n' '|')"
fi

# The small logs, for a look after the run (run-in-guest.sh's share).
if [ -d /run/kernel-test ]; then
	mkdir -p /run/kernel-test/work
	cp "$work"/*.log "$work"/*.txt /run/kernel-test/work/ 2>/dev/null || true
fi

[ "$failed" -eq 0 ] || {
	echo "--- the work directory's logs:"
	for f in "$work"/*.log "$work"/*.err; do
		[ -s "$f" ] || continue
		echo "== $f"
		tail -n 15 "$f"
	done
}
exit "$failed"

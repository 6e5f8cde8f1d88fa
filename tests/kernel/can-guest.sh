#!/usr/bin/env bash
# The CAN checks that need a real Linux kernel, run inside the test guest
# (run-in-guest.sh, as root, the host's files read-only, /tmp the guest's):
#
#   modules   can, can_raw, can-dev, vcan, slcan load
#   vcan      vcan0 (FD-capable, MTU 72) up; cansend/candump see classic and
#             FD frames on it (proves the harness without stmprog's code)
#   frames    tests/test_can_frames with STMPROG_TEST_CAN_IF=vcan0: the CAN
#             backend's SocketCAN frame tests against a kernel socket
#   e2e       stmprog-sim plays an slcan adapter on a pty; the kernel's
#             slcan line discipline turns that pty into can0; stmprog
#             programs, verifies, reads back, erases, protects and
#             unprotects the simulated STM32F4 through can0
#   slcan     only when e2e did not pass: the kernel's slcan line
#             discipline on a pty with slcan-pty.py as the adapter, so a
#             failure points at the kernel side or at stmprog's
#
# Each check prints one "PASS name", "SKIP name: why" or "FAIL name: why"
# line.  Exit status: 1 if anything failed, 0 otherwise (a part whose code
# is not built yet is skipped by name, the others still run).
#
# Needs top_srcdir and top_builddir.  "can-guest.sh e2e-inner" is the
# command run under the simulator (below).
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
work=${TMPDIR:-/tmp}/can-guest
# The PASS/SKIP/FAIL lines and the helpers the guest scripts share, from
# beside this script (always run by its path: run-in-guest.sh, "$0").
# shellcheck source=tests/kernel/guest-lib.sh
. "${BASH_SOURCE[0]%/*}/guest-lib.sh"

stmprog=$top_builddir/frontends/stmprog
sim=$top_builddir/contrib/sim/stmprog-sim

# ---------------------------------------------------------------------------
# The part that runs under stmprog-sim: $STMPROG_SIM_TTY is the slave of the
# pty behind which the simulator plays the adapter.  Prints one line per
# failed step on stderr and exits non-zero at the first.
e2e_inner() {
	local port=${STMPROG_SIM_PORT:-} slcand_pid rc=0
	local tty=${STMPROG_SIM_TTY:-${port#slcan:}}
	local conn=(-c port=can0 br=125)
	[ -c "$tty" ] || { echo "no pty from the simulator (STMPROG_SIM_TTY='$tty')" >&2; return 1; }

	# slcand sends C, S4 (125 kbit/s) and O to the adapter, attaches the
	# slcan line discipline and renames the new interface can0; -F keeps it
	# in the foreground so it can be stopped by its pid (it holds the pty).
	slcand -o -c -s4 -F "$tty" can0 &
	slcand_pid=$!
	if ! wait_for 50 ip link show dev can0; then
		echo "slcand did not make can0 within 5 s" >&2
		kill "$slcand_pid" 2>/dev/null || true
		return 1
	fi
	if ! ip link set dev can0 up; then
		echo "ip link set can0 up failed" >&2
		kill "$slcand_pid" 2>/dev/null || true
		return 1
	fi
	# For the failure report: slcan's can0 shows its bit rate as 0 (set by
	# slcand's S4, which the kernel does not see).
	ip -details link show dev can0 >"$work/can0.txt" 2>&1 || true

	run() {
		echo "+ stmprog $*" >>"$work/stmprog.log"
		"$stmprog" "${conn[@]}" "$@" >>"$work/stmprog.log" 2>&1
	}
	# A subshell, so that "exit" ends the steps and not the script.
	(
		# 0. -l can lists the SocketCAN interfaces: can0 (up) and vcan0.
		"$stmprog" -l can >"$work/list.txt" 2>&1 ||
			{ echo "stmprog -l can failed: $(tr '\n' '|' <"$work/list.txt")" >&2; exit 1; }
		grep -q '^can0 .*SocketCAN interface, up' "$work/list.txt" ||
			{ echo "-l can does not list can0 as up: $(tr '\n' '|' <"$work/list.txt")" >&2; exit 1; }
		# 1. Program with verify and read back, in one connection.
		run -d "$work/app.bin" 0x08000000 -v -u 0x08000000 "$app_len" "$work/back.bin" ||
			{ echo "program + verify + read back failed (exit $?)" >&2; exit 1; }
		cmp -s "$work/app.bin" "$work/back.bin" ||
			{ echo "the read-back differs from the image" >&2; exit 1; }
		cmp -s -n "$app_len" "$work/app.bin" "$work/flash.bin" ||
			{ echo "the simulated flash differs from the image" >&2; exit 1; }
		# 2. A second stmprog process meets a bootloader that is already
		#    synchronised (as running stmprog twice on a board does).
		run -d "$top_srcdir/contrib/examples/blink-f405.hex" -v ||
			{ echo "programming the example .hex failed (exit $?)" >&2; exit 1; }
		cmp -s -n "$hex_len" "$work/blink.bin" "$work/flash.bin" ||
			{ echo "the simulated flash differs from the example image" >&2; exit 1; }
		# 3. Mass erase.
		run -e all || { echo "-e all failed (exit $?)" >&2; exit 1; }
		cmp -s "$work/erased.bin" "$work/flash.bin" ||
			{ echo "the flash is not erased after -e all" >&2; exit 1; }
		# 4. Readout protection: the chip resets, stmprog re-syncs for -rdu
		#    (which erases and resets again) and once more for -ob displ.
		run -d "$work/app.bin" 0x08000000 --readout-protect ||
			{ echo "--readout-protect failed (exit $?)" >&2; exit 1; }
		grep -qx 'rdp=1' "$work/flash.bin.state" ||
			{ echo "the chip is not at RDP level 1" >&2; exit 1; }
		run -rdu -ob displ || { echo "-rdu -ob displ failed (exit $?)" >&2; exit 1; }
		grep -qx 'rdp=0' "$work/flash.bin.state" ||
			{ echo "the chip is not back at RDP level 0" >&2; exit 1; }
		cmp -s "$work/erased.bin" "$work/flash.bin" ||
			{ echo "-rdu did not erase the flash" >&2; exit 1; }
	) || rc=$?

	# slcand -c sends C (close) to the adapter and detaches; can0 goes.
	kill "$slcand_pid" 2>/dev/null || true
	wait "$slcand_pid" 2>/dev/null || true
	return "$rc"
}

if [ "${1:-}" = e2e-inner ]; then
	app_len=$2 hex_len=$3
	e2e_inner
	exit $?
fi

rm -rf "$work"
mkdir -p "$work"
echo "kernel $(uname -r); work directory $work"

# ---------------------------------------------------------------------------
# modules: can-dev and slcan are what a real adapter needs; vcan for the
# frame tests.
mods_ok=1
for m in can can_raw can-dev vcan slcan; do
	if ! load_module "$m"; then
		mods_ok=0
		fail "modules" "$why"
	fi
done
[ "$mods_ok" = 0 ] || pass "modules (can can_raw can-dev vcan slcan)"

# ---------------------------------------------------------------------------
# vcan: an FD-capable virtual bus and the kernel's own tools on it.
vcan_ok=0
if ip link add dev vcan0 type vcan && ip link set dev vcan0 mtu 72 &&
	ip link set dev vcan0 up; then
	# candump exits after -n frames; -L prints them as cansend writes them
	# (the FD flags nibble may gain FDF, 0x4, which newer kernels set).
	candump -L -n 2 vcan0 >"$work/candump.txt" 2>&1 &
	dump=$!
	# candump binds its socket a moment after it starts: send until seen.
	sent=0
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		sleep 0.2
		grep -q '079#' "$work/candump.txt" && break
		cansend vcan0 079#79 && sent=1
	done
	cansend vcan0 '111##1000102030405060708090A0B0C0D0E0F' || sent=0
	wait_for 50 sh -c "! kill -0 $dump" || kill "$dump" 2>/dev/null || true
	if [ "$sent" = 1 ] && grep -q 'vcan0 079#79$' "$work/candump.txt" &&
		grep -q 'vcan0 111##.000102030405060708090A0B0C0D0E0F$' "$work/candump.txt"; then
		vcan_ok=1
		pass "vcan (vcan0 up, MTU $(cat /sys/class/net/vcan0/mtu); a classic and an FD frame seen by candump)"
	else
		fail "vcan" "candump did not see both frames: $(tr '\n' '|' <"$work/candump.txt")"
	fi
else
	fail "vcan" "cannot create vcan0"
fi

# ---------------------------------------------------------------------------
# frames: the backend's own SocketCAN tests, on a real kernel socket.
frames=$top_builddir/tests/test_can_frames
if [ ! -x "$frames" ]; then
	skip "frames" "tests/test_can_frames is not built (the CAN backend's tests are not there yet)"
elif [ "$vcan_ok" = 0 ]; then
	fail "frames" "no vcan0 to run them on"
else
	set +e
	STMPROG_TEST_CAN_IF=vcan0 "$frames" --jobs 1 --verbose >"$work/frames.log" 2>&1
	rc=$?
	set -e
	# The whole log on failure; otherwise what ran against vcan0 and the sum.
	# Criterion's "Synthesis: Tested:" is reworded: tests/run-all.sh sums
	# those lines over the logs, and the host runs this program too.
	if [ "$rc" = 0 ]; then
		grep -E '^\[(PASS|SKIP)\] frames::real|^\[SKIP\]|Synthesis' "$work/frames.log"
	else
		cat "$work/frames.log"
	fi | sed 's/^/  frames: /; s/Synthesis: Tested:/in the guest, tested:/'
	# A test that skipped here (no interface after all) proves nothing.
	if [ "$rc" = 0 ] && grep -q '\[SKIP\].*STMPROG_TEST_CAN_IF' "$work/frames.log"; then
		fail "frames" "tests/test_can_frames skipped its vcan0 test"
	elif [ "$rc" = 0 ]; then
		pass "frames (tests/test_can_frames, STMPROG_TEST_CAN_IF=vcan0)"
	else
		fail "frames" "tests/test_can_frames exited $rc"
	fi
fi

# ---------------------------------------------------------------------------
# e2e: stmprog -> SocketCAN can0 -> slcan line discipline -> pty ->
# stmprog-sim's slcan adapter -> the simulated chip's CAN bootloader.
e2e_missing=
[ -x "$sim" ] || e2e_missing="contrib/sim/stmprog-sim is not built"
[ -n "$e2e_missing" ] || [ -x "$stmprog" ] || e2e_missing="frontends/stmprog is not built"
if [ -z "$e2e_missing" ]; then
	"$stmprog" --backends >"$work/backends.txt" 2>&1 || true
	grep -qiE '^ *can\b|[ /]can\.so' "$work/backends.txt" ||
		e2e_missing="stmprog has no can backend yet (stmprog --backends lists: $(awk '/ ABI / { printf "%s ", $1 }' "$work/backends.txt"))"
fi
if [ -z "$e2e_missing" ]; then
	# A simulator without the transport refuses it before running anything.
	if ! "$sim" --chip 0x413 --transport slcan -- true >"$work/sim-probe.txt" 2>&1; then
		e2e_missing="stmprog-sim has no slcan transport: $(head -n 1 "$work/sim-probe.txt")"
	fi
fi
command -v slcand >/dev/null 2>&1 || e2e_missing=${e2e_missing:-"slcand not found (Debian package can-utils)"}

e2e_ok=0
if [ -n "$e2e_missing" ]; then
	skip "e2e" "$e2e_missing"
else
	# An image of 6002 bytes: several 256-byte READ/WRITE blocks and a tail
	# that needs padding to the 4-byte program unit.
	app_len=6002
	LC_ALL=C awk -v n="$app_len" 'BEGIN { x = 12345; for (i = 0; i < n; i++) {
		x = (x * 1103515245 + 12345) % 2147483648; printf "%c", int(x / 65536) % 256 } }' \
		>"$work/app.bin"
	# The F405's 1 MiB of flash, erased.
	head -c 1048576 /dev/zero | tr '\0' '\377' >"$work/erased.bin"
	rc=0
	"$stmprog" -q --convert "$top_srcdir/contrib/examples/blink-f405.hex" "$work/blink.bin" \
		>"$work/sim.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		hex_len=$(wc -c <"$work/blink.bin")
		"$sim" --chip 0x413 --transport slcan --flash "$work/flash.bin" --trace "$work/trace.txt" \
			-- bash "$0" e2e-inner "$app_len" "$hex_len" >"$work/sim.log" 2>&1 || rc=$?
	fi
	if [ "$rc" = 0 ]; then
		# The trace shows slcand opened the adapter at 125 kbit/s and the
		# chip was asked the right things over CAN.
		for want in 'ADAPTER O 125' 'WRITE 0x08000000' 'READ 0x08000000' 'ERASE MASS' RDP 'RESET RDP' RDU 'RESET RDU'; do
			grep -q "^$want" "$work/trace.txt" || { rc=1; echo "trace has no '$want' line" >>"$work/sim.log"; }
		done
	fi
	if [ "$rc" = 0 ]; then
		e2e_ok=1
		pass "e2e (stmprog -l can, then -c port=can0 br=125 over slcan: program+verify, read back, second session, erase all, RDP, -rdu)"
	else
		fail "e2e" "exit $rc"
		show 40 sim.log can0.txt stmprog.log trace.txt
	fi
fi

# ---------------------------------------------------------------------------
# slcan: the kernel's slcan line discipline on a pty, with a few lines of
# Python as the adapter, no stmprog code involved.  The end-to-end check
# covers this path when it passes; when it is skipped or failed, this says
# whether the kernel side works (a few seconds: Python starts slowly here).
if [ "$e2e_ok" = 1 ]; then
	:
elif ! command -v python3 >/dev/null 2>&1; then
	skip "slcan" "python3 not found (Debian package python3)"
elif msg=$(python3 -I "$top_srcdir/tests/kernel/slcan-pty.py" 2>&1); then
	pass "slcan (${msg#slcan: })"
else
	fail "slcan" "$msg"
fi

save_logs '*.txt' '*.log' '*.state'
exit "$failed"

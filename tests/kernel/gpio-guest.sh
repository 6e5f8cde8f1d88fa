#!/usr/bin/env bash
# The GPIO checks that need a real kernel, run inside the test guest
# (run-in-guest.sh, as root, the host's files read-only, /tmp the guest's).
# The guest loads stmprog_gpio_jig (gpio-kernel.sh built it), a GPIO chip
# whose lines log each level they are driven to, and runs stmprog under
# stmprog-sim with init= naming the chip's lines:
#
#   module    the module loads and its chip appears as /dev/gpiochipN
#   entry     stmprog programs and verifies an image with a GPIO entry
#             and exit sequence; the kernel log shows the lines' levels
#             in the sequence's order, ENTRY's then EXIT's, EXIT once
#   hardrst   -hardRst pulses the EXIT's NRST line (the output says so)
#   range     a line past the chip's 8 is refused naming the range, with
#             the simulated ROM untouched
#
#   gpio-guest.sh MODULE.ko
set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
ko=${1:?usage: gpio-guest.sh MODULE.ko}
work=${TMPDIR:-/tmp}/gpio-guest
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/kernel/guest-lib.sh
. "${BASH_SOURCE[0]%/*}/guest-lib.sh"

sim=$top_builddir/contrib/sim/stmprog-sim
stmprog=$top_builddir/frontends/stmprog
trap "save_logs '*.log' '*.txt'" EXIT

if ! insmod "$ko" 2>"$work/insmod.log"; then
	fail module "insmod $ko: $(cat "$work/insmod.log")"
	exit 1
fi
chip=
for c in /sys/class/gpio/gpiochip*; do
	[ "$(cat "$c/label" 2>/dev/null)" = stmprog-jig ] || continue
	chip=$(basename "$(readlink -f "$c/device")")
done
if [ -z "$chip" ] || [ ! -c "/dev/$chip" ]; then
	fail module "no GPIO chip labelled stmprog-jig after insmod"
	exit 1
fi
pass module

# The jig's log lines since a mark, one level change per line.
jig_log() { dmesg | sed -n 's/.*stmprog_gpio_jig: //p' | tail -n +"$1"; }
mark() { echo $(($(dmesg | grep -c 'stmprog_gpio_jig: ') + 1)); }

awk 'BEGIN { for (i = 0; i < 1024; i++) printf "%c", (i * 7 + 1) % 256 }' >"$work/app.bin"
# Line 0 stands for BOOT0, line 1 for NRST: ENTRY raises BOOT0 and
# pulses NRST, EXIT lowers BOOT0 and pulses NRST again.
init="$chip.0&-$chip.1,$chip.1:-$chip.0&-$chip.1,$chip.1"
want='line 0 = 1
line 1 = 0
line 1 = 1
line 0 = 0
line 1 = 0
line 1 = 1'

from=$(mark)
if "$sim" --chip 0x413 --flash "$work/flash.bin" --trace "$work/trace.txt" -- \
	"$stmprog" -c port={port} "init=$init" -d "$work/app.bin" 0x08000000 -v \
	>"$work/entry.log" 2>&1 && [ "$(jig_log "$from")" = "$want" ]; then
	pass entry
else
	fail entry "stmprog or the lines' order; the jig saw: $(jig_log "$from" | tr '\n' ';')"
	show 20 entry.log
fi

from=$(mark)
if "$sim" --chip 0x413 --flash "$work/flash.bin" --trace "$work/trace2.txt" -- \
	"$stmprog" -c port={port} "init=$init" -hardRst >"$work/hardrst.log" 2>&1 &&
	grep -q "NRST pulsed by the init= exit sequence" "$work/hardrst.log" &&
	[ "$(jig_log "$from")" = "$want" ]; then
	pass hardrst
else
	fail hardrst "the jig saw: $(jig_log "$from" | tr '\n' ';')"
	show 20 hardrst.log
fi

rm -f "$work/trace3.txt"
if ! "$sim" --chip 0x413 --flash "$work/flash.bin" --trace "$work/trace3.txt" -- \
	"$stmprog" -c port={port} "init=$chip.9" -u 0x08000000 4 "$work/x.bin" \
	>"$work/range.log" 2>&1 && grep -q "has 8 lines, 0..7" "$work/range.log" &&
	[ ! -s "$work/trace3.txt" ]; then
	pass range
else
	fail range "no refusal naming the chip's 8 lines before the port"
	show 10 range.log
fi
exit "$failed"

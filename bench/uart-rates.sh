#!/usr/bin/env bash
# Benchmark P1 at several baud rates: write and verify a 128 KiB image over
# UART on a simulated chip with real timing (8E1, 1 ms adapter latency, the
# chip database's flash times), once with stmprog and once with stm32flash
# at the same rate, each on a freshly erased chip, next to the bound for
# that work (bench/bound.py: every byte on the wire, the latency per
# turnaround, erase and programming times).
#
# The chip is the F405 (0x413) where the rate is within the F4 ROM's known
# top rate (stp_chip_uart_max_baud, docs/chips.md); above it the simulated
# F4 refuses to sync as a ROM would, so the rate is measured on the first
# of FALLBACK_CHIPS whose limit allows it (the H743 by default), and the
# table says which chip each row ran on.
# Usage: bench/uart-rates.sh [BUILD_DIR] [RATE...]
#   (default rates: 115200 460800 921600; LATENCY_MS=1, REPEAT=1)
set -euo pipefail
build=${1:-.}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(115200 460800 921600)
lat=${LATENCY_MS:-1}
repeat=${REPEAT:-1}
fallback=(${FALLBACK_CHIPS:-0x450})
here=$(cd "$(dirname "$0")" && pwd)
size=$((128 * 1024))
sim="$build/contrib/sim/stmprog-sim"
prog="$build/frontends/stmprog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c "$size" /dev/urandom >"$tmp/img.bin"

max_baud() { # CHIP
	"$sim" --chip "$1" --print-timing |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["uart"]["max_baud"])'
}

chip_for() { # RATE
	local c
	for c in 0x413 "${fallback[@]}"; do
		if [ "$(max_baud "$c")" -ge "$1" ]; then
			echo "$c"
			return
		fi
	done
	echo none
}

# Wall time of one run on a fresh chip; checks the flash holds the image.
run() { # CHIP RATE NAME COMMAND...
	local chip=$1 rate=$2 name=$3 flash="$tmp/flash.bin" t0 t1
	shift 3
	rm -f "$flash" "$flash".*
	t0=$(date +%s.%N)
	"$sim" --chip "$chip" --timing real --baud "$rate" --latency-ms "$lat" \
		--flash "$flash" -- "$@" >"$tmp/$name.log" 2>&1 ||
		{ cat "$tmp/$name.log" >&2; echo "$name failed at $rate on $chip" >&2; echo fail; return; }
	t1=$(date +%s.%N)
	cmp -n "$size" "$tmp/img.bin" "$flash" >/dev/null ||
		{ echo "$name: the flash does not hold the image" >&2; echo fail; return; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}

best() { # CHIP RATE NAME COMMAND...: the least of REPEAT runs
	local b="" t
	for _ in $(seq "$repeat"); do
		t=$(run "$@")
		[ "$t" = fail ] && { echo fail; return; }
		if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then
			b=$t
		fi
	done
	echo "$b"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else printf "-" }'; }

printf "%-8s %-6s %9s %11s %8s %14s %17s\n" rate chip stmprog stm32flash bound \
	stmprog/bound stmprog/stm32flash
for rate in "${rates[@]}"; do
	chip=$(chip_for "$rate")
	if [ "$chip" = none ]; then
		printf "%-8s no chip in the database accepts this rate\n" "$rate"
		continue
	fi
	a=$(best "$chip" "$rate" stmprog "$prog" -q -c port={port} br="$rate" \
		-d "$tmp/img.bin" 0x08000000 -v)
	b=-
	if command -v stm32flash >/dev/null; then
		b=$(best "$chip" "$rate" stm32flash stm32flash -b "$rate" \
			-w "$tmp/img.bin" -v -S 0x08000000 {port})
	fi
	bound=-
	if [ -f "$here/bound.py" ]; then
		bound=$(python3 "$here/bound.py" --sim "$sim" --chip "$chip" \
			--transport uart --baud "$rate" --latency-ms "$lat" \
			--image "$tmp/img.bin" | awk '{ print $1 }')
	fi
	printf "%-8s %-6s %8ss %10ss %7ss %14s %17s\n" "$rate" "$chip" "$a" "$b" \
		"$bound" "$(ratio "$a" "$bound")" "$(ratio "$a" "$b")"
done

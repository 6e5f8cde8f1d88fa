#!/usr/bin/env bash
# Benchmark: write and verify a 128 KiB image on a simulated STM32F405
# over UART with real timing (115200 baud 8E1, 1 ms adapter latency, the
# chip database's flash times), once with stmprog and once with
# stm32flash, each on a freshly erased chip.  Prints each wall time and
# the wire-time lower bound: every byte of the WRITE and READ commands at
# 11 bit times, nothing else (no latency, no flash time).
# Usage: bench/uart-write.sh [BUILD_DIR] [BAUD] [LATENCY_MS]
set -euo pipefail
build=${1:-.}
baud=${2:-115200}
lat=${3:-1}
size=$((128 * 1024))
sim="$build/contrib/sim/stmprog-sim"
prog="$build/frontends/stmprog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c "$size" /dev/urandom >"$tmp/img.bin"
simopts=(--chip 0x413 --timing real --baud "$baud" --latency-ms "$lat")

run() { # NAME FLASHFILE COMMAND...
	local name=$1 flash=$2 t0 t1
	shift 2
	t0=$(date +%s.%N)
	"$sim" "${simopts[@]}" --flash "$flash" -- "$@" >"$tmp/$name.log" 2>&1 ||
		{ cat "$tmp/$name.log"; echo "$name failed"; exit 1; }
	t1=$(date +%s.%N)
	cmp -n "$size" "$tmp/img.bin" "$flash" >/dev/null ||
		{ echo "$name: the flash does not hold the image"; exit 1; }
	awk -v n="$name" -v a="$t0" -v b="$t1" -v s="$size" \
		'BEGIN { printf "%-10s %6.2f s  write + verify of %d bytes\n", n, b - a, s }'
}

run stmprog "$tmp/a.bin" "$prog" -q -c port={port} br="$baud" -d "$tmp/img.bin" 0x08000000 -v
if command -v stm32flash >/dev/null; then
	run stm32flash "$tmp/b.bin" stm32flash -b "$baud" -w "$tmp/img.bin" -v -S 0x08000000 {port}
fi
# WRITE per 256 bytes: 2 (command) + 5 (address) + 258 (count, data,
# checksum) host bytes and 3 ACKs; READ: 2 + 5 + 2 host bytes, 3 ACKs and
# 256 data bytes.  Both are 268 bytes per block.
blocks=$((size / 256))
echo "$blocks $baud" | awk '{ b = $1 * 2 * 268 * 11 / $2;
	printf "wire-time lower bound: %.2f s (%d blocks written and read back)\n", b, $1 }'

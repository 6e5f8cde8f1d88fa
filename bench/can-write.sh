#!/usr/bin/env bash
# Benchmark: write and verify a 64 KiB image on a simulated STM32F405
# through its CAN bootloader (AN3154) behind the simulator's slcan adapter,
# with real timing (frames paced at the bus bit rate with worst-case bit
# stuffing, the chip database's erase and program times).  Once at the
# bootloader's start rate, 125 kbit/s, and once with speed=500 and
# speed=1000 (SPEED after connecting).  Prints each wall time and the
# bus-time lower bound at 125 kbit/s: every frame of the WRITE and READ
# commands without stuff bits, nothing else.
# Usage: bench/can-write.sh [BUILD_DIR]
set -euo pipefail
build=${1:-.}
size=$((64 * 1024))
sim="$build/contrib/sim/stmprog-sim"
prog="$build/frontends/stmprog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c "$size" /dev/urandom >"$tmp/img.bin"

run() { # NAME PORT-KEYS...
	local name=$1 t0 t1
	shift
	rm -f "$tmp/flash.bin"*
	t0=$(date +%s.%N)
	"$sim" --chip 0x413 --transport slcan --timing real --flash "$tmp/flash.bin" -- \
		"$prog" -q -c port={port} "$@" -d "$tmp/img.bin" 0x08000000 -v \
		>"$tmp/run.log" 2>&1 || { cat "$tmp/run.log"; echo "$name failed"; exit 1; }
	t1=$(date +%s.%N)
	cmp -n "$size" "$tmp/img.bin" "$tmp/flash.bin" >/dev/null ||
		{ echo "$name: the flash does not hold the image"; exit 1; }
	awk -v n="$name" -v a="$t0" -v b="$t1" -v s="$size" \
		'BEGIN { printf "%-28s %7.2f s  write + verify of %d bytes\n", n, b - a, s }'
}

run "stmprog br=125" br=125
run "stmprog br=125 speed=500" br=125 speed=500
run "stmprog br=125 speed=1000" br=125 speed=1000
# A classic data frame of n bytes is 47 + 8n bits without stuffing (SOF,
# 11-bit ID, RTR, IDE, r0, DLC, CRC and delimiter, ACK slot and delimiter,
# EOF, interframe space).  Per 256-byte block, WRITE: the 5-byte header,
# 32 data frames of 8 bytes and 34 one-byte ACKs (command, each data
# frame, programming); READ: the header, 32 data frames and 2 ACKs.
echo "$size" | awk '{ blocks = $1 / 256;
	hdr = 47 + 40; ack = 47 + 8; data = 47 + 64;
	w = hdr + 32 * data + 34 * ack; r = hdr + 32 * data + 2 * ack;
	printf "bus-time lower bound at 125 kbit/s: %.2f s (%d blocks written and read back, %d bits)\n",
		blocks * (w + r) / 125000, blocks, blocks * (w + r) }'

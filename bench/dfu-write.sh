#!/usr/bin/env bash
# Benchmark: a 512 KiB image into a simulated STM32F405's DfuSe ROM over
# USB (stmprog-sim --transport usb --timing real: full-speed transfer
# times, the chip database's erase and program times reported through
# bwPollTimeout), with stmprog and with dfu-util 0.11:
#   1. fresh: both start from an erased chip;
#   2. re-write: the same chip again after one 16 KiB sector of the image
#      changed.
# stmprog's runs include its read-back verify (it never reports success
# without one); dfu-util does not verify, so its download is also shown
# followed by an upload and a compare, which is the same work.
# Usage: bench/dfu-write.sh [BUILD_DIR]
set -euo pipefail
build=${1:-.}
size=$((512 * 1024))
sim="$build/contrib/sim/stmprog-sim"
prog="$build/frontends/stmprog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v dfu-util >/dev/null || { echo "dfu-util is not installed"; exit 1; }
head -c "$size" /dev/urandom >"$tmp/img.bin"
# The changed image: sector 1 (0x08004000, 16 KiB) gets new bytes.
cp "$tmp/img.bin" "$tmp/img2.bin"
head -c 16384 /dev/urandom |
	dd of="$tmp/img2.bin" bs=16384 seek=1 conv=notrunc status=none

timed() { # LABEL FLASHFILE IMAGE COMMAND...
	local label=$1 flash=$2 image=$3 t0 t1
	shift 3
	t0=$(date +%s.%N)
	"$sim" --chip 0x413 --transport usb --timing real --flash "$flash" \
		--trace "$tmp/trace.txt" -- "$@" >"$tmp/run.log" 2>&1 ||
		{ cat "$tmp/run.log"; echo "$label failed"; exit 1; }
	t1=$(date +%s.%N)
	cmp -n "$size" "$image" "$flash" >/dev/null ||
		{ echo "$label: the flash does not hold the image"; exit 1; }
	awk -v n="$label" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%-44s %7.2f s\n", n, b - a }'
	printf '%44s %s erases, %s writes, %s reads, %s set-address\n' "" \
		"$(grep -c '^ERASE' "$tmp/trace.txt" || true)" \
		"$(grep -c '^WRITE' "$tmp/trace.txt" || true)" \
		"$(grep -c '^READ' "$tmp/trace.txt" || true)" \
		"$(grep -c '^SETADDR' "$tmp/trace.txt" || true)"
	rm -f "$tmp/trace.txt"
}

dfu_util_verify() { # IMAGE: download, upload, compare (inside the sim)
	echo "dfu-util -a 0 -s 0x08000000 -D '$1' &&
	      dfu-util -a 0 -s 0x08000000:$size -U '$tmp/up.bin' &&
	      cmp '$1' '$tmp/up.bin' && rm -f '$tmp/up.bin'"
}

echo "512 KiB into a simulated F405 over USB DFU, --timing real"
timed "stmprog -d -v (fresh)" "$tmp/a.bin" "$tmp/img.bin" \
	"$prog" -q -c port={port} -d "$tmp/img.bin" 0x08000000 -v
timed "dfu-util -D (fresh, no verify)" "$tmp/b.bin" "$tmp/img.bin" \
	dfu-util -a 0 -s 0x08000000 -D "$tmp/img.bin"
timed "dfu-util -D, -U, cmp (fresh, verified)" "$tmp/c.bin" "$tmp/img.bin" \
	sh -c "$(dfu_util_verify "$tmp/img.bin")"
echo "the same chips again, one 16 KiB sector changed"
timed "stmprog -d -v (re-write)" "$tmp/a.bin" "$tmp/img2.bin" \
	"$prog" -q -c port={port} -d "$tmp/img2.bin" 0x08000000 -v
timed "dfu-util -D (re-write, no verify)" "$tmp/b.bin" "$tmp/img2.bin" \
	dfu-util -a 0 -s 0x08000000 -D "$tmp/img2.bin"
timed "dfu-util -D, -U, cmp (re-write, verified)" "$tmp/c.bin" "$tmp/img2.bin" \
	sh -c "$(dfu_util_verify "$tmp/img2.bin")"

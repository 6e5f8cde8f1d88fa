#!/usr/bin/env bash
# Benchmark: reading a 2 MiB Intel HEX file (131072 data records of 16
# bytes, made by srec_cat from random data) with stmprog --convert to a
# binary, which loads the image and writes it back out.  Reports wall time
# and peak resident memory (from /usr/bin/time) for each of RUNS runs.
# Usage: bench/hex-parse.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-.}
runs=${2:-5}
prog="$build/frontends/stmprog"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

head -c $((2 * 1024 * 1024)) /dev/urandom >"$tmp/r.bin"
srec_cat "$tmp/r.bin" -binary -offset 0x08000000 -o "$tmp/r.hex" -intel \
	-output_block_size=16
echo "input: $(stat -c %s "$tmp/r.hex") bytes of HEX, $(wc -l <"$tmp/r.hex") lines"
for i in $(seq "$runs"); do
	"$build/libtool" --mode=execute /usr/bin/time -f "%e s wall, %M KiB peak RSS" \
		"$prog" -q --convert "$tmp/r.hex" "$tmp/out.bin"
done
cmp "$tmp/r.bin" "$tmp/out.bin" && echo "output identical to the input bytes"

#!/bin/sh
# The fault matrix's CI subset: bench/fault-matrix --subset, seeded, one
# write+verify per cell (transport x fault kind x rate x family) under
# injected faults, each failed run followed by a fault-free rerun on the
# same flash.  Counts are asserted, not timings: the script exits 1 on
# any silent corruption, any odd outcome or any rerun that does not
# verify.  Held replies are held just past the host's timeouts (uart
# 600 ms, usb 5200 ms, slcan 1100 ms) and run 6 at a time, since a run
# mostly waits out a timeout; the table and the summary line end the log.
set -eu

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: no python3 to run bench/fault-matrix"
	exit 77
fi
keep=$top_builddir/tests/fault-matrix-failures
rm -rf "$keep"
exec python3 "$top_srcdir/bench/fault-matrix" --subset --seed 1 --jobs 6 \
	--builddir "$top_builddir" --keep "$keep"

#!/usr/bin/env bash
# Benchmark P8: stmprog-line's continuous mode on eight simulated slots
# (three USB, three UART, two slcan; --timing real) with simulated board
# handling: each jig gets K boards in turn, the next arriving HANDLING_MS
# after the last was taken away, and the "operator" takes a board away
# 300 ms after the host went quiet on it.  Prints boards per hour against
# the bound that handling plus programming allows: every slot needs at
# least K x (handling + its programming time alone + removal) and the
# run lasts as long as its slowest slot, so the bound is
# 8K / max over slots of that, per hour.  Programming times alone come
# from the log of one single-board run per slot.
# Usage: bench/line-throughput.sh [BUILD_DIR] [K] [HANDLING_MS] [IMAGE_KIB]
set -euo pipefail
build=$(cd "${1:-.}" && pwd)
k=${2:-3}
handling=${3:-2000}
kib=${4:-16}
removal=300
timing=${TIMING:-real} # TIMING=none: the machinery only (bench/run-all)
job_name=p8
# shellcheck source=bench/line-setup.sh
. "$(dirname "$0")/line-setup.sh"
attempt_s() { # the verified attempt's duration in the log, in seconds
	python3 -c 'import sqlite3,sys
d = sqlite3.connect("sim-line.db")
r = d.execute("select max(ended_us - started_us) from attempts where outcome = '"'"'verified'"'"'").fetchone()
print(r[0] / 1e6)'
}

slowest=0
for i in "${!devices[@]}"; do
	rm -f st.yaml sim-line.db*
	# shellcheck disable=SC2086
	"$sim" --timing "$timing" --station st.yaml ${devices[$i]} -- \
		"$line" run st.yaml job.yaml --quiet >alone.log 2>&1 ||
		{ cat alone.log; exit 1; }
	t=$(attempt_s)
	printf '  programming alone: %-34s %6.2f s\n' "${devices[$i]}" "$t"
	(($(echo "$t > $slowest" | bc -l))) && slowest=$t
done

rm -f st.yaml sim-line.db*
per_device=""
for d in "${devices[@]}"; do
	per_device="$per_device $d --boards $k --handling-ms $handling --start-absent --remove-after-idle-ms $removal"
done
t0=$(date +%s.%N)
# shellcheck disable=SC2086
"$sim" --timing "$timing" --station st.yaml $per_device -- \
	"$line" run st.yaml job.yaml --continuous --boards $((8 * k)) --quiet >line.log 2>&1 ||
	{ tail -n 30 line.log; echo "the continuous run failed" >&2; exit 1; }
t1=$(date +%s.%N)
verified=$(python3 -c 'import sqlite3
print(sqlite3.connect("sim-line.db").execute("select count(*) from attempts where outcome = '"'"'verified'"'"'").fetchone()[0])')
wall=$(echo "$t1 - $t0" | bc -l)
bound_s=$(echo "$k * ($handling + $removal) / 1000 + $k * $slowest" | bc -l)
printf 'P8: %d of %d boards verified in %.1f s: %.0f boards/h; bound %.0f boards/h (slot cycle >= %.2f s handling+removal + %.2f s programming); ratio %.2f\n' \
	"$verified" $((8 * k)) "$wall" "$(echo "$verified * 3600 / $wall" | bc -l)" \
	"$(echo "8 * $k * 3600 / $bound_s" | bc -l)" \
	"$(echo "($handling + $removal) / 1000" | bc -l)" "$slowest" \
	"$(echo "($verified * 3600 / $wall) / (8 * $k * 3600 / $bound_s)" | bc -l)"

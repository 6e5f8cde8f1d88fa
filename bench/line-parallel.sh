#!/usr/bin/env bash
# Benchmark P6: eight simulated boards on three transports programmed by
# stmprog-line in parallel (--timing real), against the slowest of the
# same boards programmed alone.  Goal: parallel <= 1.2 x the slowest alone
# on a 2-core machine.  Also prints the line's CPU time per board (user +
# system of stmprog-line; the simulator's own CPU is not counted).
# Usage: bench/line-parallel.sh [BUILD_DIR] [IMAGE_KIB]
set -euo pipefail
build=$(cd "${1:-.}" && pwd)
kib=${2:-16}
timing=${TIMING:-real} # TIMING=none: the machinery only (bench/run-all)
job_name=p6
# shellcheck source=bench/line-setup.sh
. "$(dirname "$0")/line-setup.sh"

# run NAME DEVICE-OPTIONS...: prints "wall user sys" of one line run.
run() {
	local name=$1 t0 t1
	shift
	rm -f st.yaml sim-line.db*
	t0=$(date +%s.%N)
	# shellcheck disable=SC2068
	"$sim" --timing "$timing" --station st.yaml $@ -- \
		/usr/bin/time -f '%U %S' -o "$name.cpu" "$line" run st.yaml job.yaml --quiet \
		>"$name.log" 2>&1 || { cat "$name.log"; echo "$name failed" >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc -l) $(cat "$name.cpu")"
}

slowest=0 slowest_name=""
for i in "${!devices[@]}"; do
	read -r wall _ _ < <(run "alone$i" "${devices[$i]}")
	printf '  alone: %-34s %6.2f s\n' "${devices[$i]}" "$wall"
	if (($(echo "$wall > $slowest" | bc -l))); then
		slowest=$wall slowest_name=${devices[$i]}
	fi
done
read -r wall user sys < <(run all "${devices[*]}")
grep -q "8 verified" all.log || { cat all.log; echo "not all eight verified" >&2; exit 1; }
printf 'P6: 8 boards in parallel %.2f s; slowest alone (%s) %.2f s; ratio %.2f (goal <= 1.2)\n' \
	"$wall" "$slowest_name" "$slowest" "$(echo "$wall / $slowest" | bc -l)"
printf 'P6: stmprog-line CPU %.2f s user + %.2f s system = %.3f s per board\n' \
	"$user" "$sys" "$(echo "($user + $sys) / 8" | bc -l)"

# Sourced by the guest scripts (can-guest.sh, uart-guest.sh,
# gadget-guest.sh), not run: what each check prints and how the result is
# summed, so that the three keep one line format (docs/kernel-tests.md and
# the logs quote it).  Defines:
#
#   pass NAME         "PASS NAME [T s]"
#   skip NAME WHY     "SKIP NAME: WHY [T s]"
#   fail NAME WHY     "FAIL NAME: WHY [T s]", and sets failed=1
#   took              sets dt to the seconds since the last line (or since
#                     this file was sourced) and restarts the clock
#   wait_for N CMD... waits up to N tenths of a second for CMD to succeed
#   load_module M     modprobe M; on failure sets why to "modprobe M: ERROR"
#   show N FILE...    the last N lines of each FILE in $work that exists
#   save_logs PAT...  copies $work's files named PAT to the host's output
#                     share (run-in-guest.sh), replacing the last run's
#
# The sourcing script sets work, its work directory, and ends with
# exit "$failed".
# shellcheck shell=bash
# shellcheck disable=SC2154 # work is the sourcing script's

# The guest's result: 1 once any check has failed.
failed=0

# Each line ends with the check's own time (the guest is slow: TCG, and
# every program starts over 9p), to see where the time goes.  Bash's
# EPOCHREALTIME, not date: no program start for the clock.
mark=${EPOCHREALTIME:-0}
took() {
	local now=${EPOCHREALTIME:-0}
	dt=$(awk -v a="$mark" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
	mark=$now
}
pass() { took; echo "PASS $1 [$dt s]"; }
skip() { took; echo "SKIP $1: $2 [$dt s]"; }
# shellcheck disable=SC2034 # failed is the sourcing script's exit status
fail() { took; echo "FAIL $1: $2 [$dt s]"; failed=1; }

wait_for() {
	local n=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# The kernel cannot load modules by itself in the chroot (guest-init.sh).
# shellcheck disable=SC2034 # why is for the sourcing script's line
load_module() {
	modprobe "$1" 2>"$work/modprobe.err" && return 0
	why="modprobe $1: $(cat "$work/modprobe.err")"
	return 1
}

show() {
	local n=$1 f
	shift
	for f in "$@"; do
		[ -f "$work/$f" ] && { echo "--- $f (last lines):"; tail -n "$n" "$work/$f"; }
	done
	return 0
}

# Keep the small logs where the host can read them after the guest is gone
# (the flash images stay behind).
save_logs() {
	local p names=()
	[ -d /run/kernel-test ] && [ -w /run/kernel-test ] || return 0
	for p in "$@"; do
		names+=(${names[0]+-o} -name "$p")
	done
	rm -rf /run/kernel-test/work
	mkdir -p /run/kernel-test/work
	find "$work" -maxdepth 1 -type f \( "${names[@]}" \) -exec cp {} /run/kernel-test/work/ \;
}

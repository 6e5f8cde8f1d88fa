#!/usr/bin/env bash
# Builds stmprog's libFuzzer harnesses and runs each of them for a while.
#
#   tests/fuzz/run.sh [--seconds N] [--only NAME[,NAME...]] [--build-dir DIR]
#                     [--keep DIR]
#
#   --seconds N     how long each harness runs (default 15; the documented
#                   long run is --seconds 600)
#   --only NAMES    only these harnesses (NAME is fuzz_NAME without the
#                   prefix, e.g. image_ihex; comma-separated, repeatable)
#   --build-dir DIR the clang build (default $STMPROG_TEST_DIR/fuzz, else
#                   build-tests/fuzz in the source tree); configured once
#                   with CC=clang --enable-fuzz --disable-shared, then
#                   `make fuzz` brings it up to date on every run
#   --keep DIR      where crashing inputs are kept (default DIR/crashes of
#                   the build directory)
#
# Every executable tests/fuzz/fuzz_* the build produced runs, one at a
# time, on a copy of its seeds (tests/fuzz/corpus/NAME, never written to)
# with its dictionary (tests/fuzz/NAME.dict) when there is one.  One line
# per harness, "NAME: E executions, C crashes", then
# "fuzz: H harnesses, E executions, C crashes".  Exit status: 0 when
# nothing crashed, 1 when something did (the input is kept and its path
# printed) or the build failed, 77 when clang or libFuzzer is missing
# (the stage is skipped and says so: it never passes silently).
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=15
only=
build=
keep=

usage() {
	sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
	--seconds=*) seconds=${1#*=}; shift ;;
	--only) [ $# -ge 2 ] || usage; only="$only,$2"; shift 2 ;;
	--only=*) only="$only,${1#*=}"; shift ;;
	--build-dir) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
	--build-dir=*) build=${1#*=}; shift ;;
	--keep) [ $# -ge 2 ] || usage; keep=$2; shift 2 ;;
	--keep=*) keep=${1#*=}; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
case $seconds in
''|*[!0-9]*|0) echo "run.sh: --seconds needs a positive whole number" >&2; exit 2 ;;
esac
if [ -z "$build" ]; then
	if [ -n "${STMPROG_TEST_DIR:-}" ]; then
		build=$STMPROG_TEST_DIR/fuzz
	else
		build=$src/build-tests/fuzz
	fi
fi
mkdir -p "$build" || exit 1
build=$(cd "$build" && pwd)
keep=${keep:-$build/crashes}

skip() {
	echo "fuzz stage skipped: $*"
	exit 77
}

# ---- can this machine build a harness at all? -----------------------------
cc=${FUZZ_CC:-clang}
command -v "$cc" >/dev/null 2>&1 || skip "$cc not found (Debian: clang)"
probe=$(mktemp -d) || exit 1
trap 'rm -rf "$probe"' EXIT
cat > "$probe/p.c" <<'C'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
C
"$cc" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" \
	>"$probe/log" 2>&1 ||
	skip "$cc cannot link libFuzzer harnesses (Debian: libclang-rt-dev): $(head -n 1 "$probe/log")"

# ---- configure once, then make fuzz ----------------------------------------
if [ ! -x "$src/configure" ]; then
	echo "run.sh: $src/configure is missing: run 'autoreconf -fi' there first" >&2
	exit 1
fi
if [ -f "$build/config.status" ]; then
	if ! grep -q -- '--enable-fuzz' "$build/config.status"; then
		echo "run.sh: $build is configured without --enable-fuzz; give another --build-dir" >&2
		exit 1
	fi
else
	echo "fuzz: configuring $build (CC=$cc --enable-fuzz --disable-shared)"
	if ! (cd "$build" && "$src/configure" -q CC="$cc" --enable-fuzz \
		--disable-shared >"$build/configure.out" 2>&1); then
		tail -n 20 "$build/configure.out" >&2
		echo "run.sh: configure failed (whole output: $build/configure.out)" >&2
		exit 1
	fi
fi
jobs=$(nproc 2>/dev/null || echo 2)
if ! make -C "$build" -s -j"$jobs" fuzz >"$build/make-fuzz.out" 2>&1; then
	tail -n 30 "$build/make-fuzz.out" >&2
	echo "run.sh: make fuzz failed (whole output: $build/make-fuzz.out)" >&2
	exit 1
fi

# ---- run ---------------------------------------------------------------------
wanted() { # wanted NAME: no --only, or NAME among its list
	[ -z "$only" ] && return 0
	case ",$only," in *",$1,"*|*",fuzz_$1,"*) return 0 ;; esac
	return 1
}

harnesses=()
for exe in "$build"/tests/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	case $exe in *.o|*.c|*.h) continue ;; esac
	name=${exe##*/fuzz_}
	wanted "$name" && harnesses+=("$name")
done
for n in ${only//,/ }; do
	n=${n#fuzz_}
	[ -x "$build/tests/fuzz/fuzz_$n" ] ||
		{ echo "run.sh: no harness fuzz_$n in $build/tests/fuzz" >&2; exit 2; }
done
[ ${#harnesses[@]} -gt 0 ] ||
	{ echo "run.sh: make fuzz built no harness in $build/tests/fuzz" >&2; exit 1; }

# Leaks are failures (libFuzzer checks after every input that allocated);
# the suppressions only name third-party code.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

total_exec=0
total_crash=0
for name in "${harnesses[@]}"; do
	work=$(mktemp -d) || exit 1
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$src/tests/fuzz/corpus/$name" ]; then
		cp -R "$src/tests/fuzz/corpus/$name/." "$work/corpus/"
		chmod -R u+w "$work/corpus"
	fi
	args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
	      -print_final_stats=1 -artifact_prefix="$work/artifacts/")
	[ -f "$src/tests/fuzz/$name.dict" ] && args+=(-dict="$src/tests/fuzz/$name.dict")
	# A harness that hangs outside libFuzzer's own -timeout is a failure
	# too, not a stuck CI job.
	(cd "$work" && timeout -k 10 $((seconds * 2 + 120)) \
		"$build/tests/fuzz/fuzz_$name" "${args[@]}" "$work/corpus" \
		>"$work/log" 2>&1)
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\)[[:space:]].*/\1/p' "$work/log" | tail -n 1)
	execs=${execs:-0}
	crashes=$(find "$work/artifacts" -type f | wc -l)
	# A failure that left no input (the harness could not start, the
	# outer time-out) still counts, with its log as the evidence.
	[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
	echo "$name: $execs executions, $crashes crashes"
	if [ "$crashes" -gt 0 ]; then
		mkdir -p "$keep/$name"
		cp "$work/log" "$keep/$name/fuzz.log"
		for f in "$work"/artifacts/*; do
			[ -f "$f" ] || continue
			cp "$f" "$keep/$name/"
			echo "  kept $keep/$name/${f##*/}"
		done
		echo "  log  $keep/$name/fuzz.log (exit status $rc)"
		echo "  reproduce: $build/tests/fuzz/fuzz_$name INPUT"
	fi
	total_exec=$((total_exec + execs))
	total_crash=$((total_crash + crashes))
	rm -rf "$work"
done
echo "fuzz: ${#harnesses[@]} harnesses, $total_exec executions, $total_crash crashes"
[ "$total_crash" -eq 0 ] || exit 1
exit 0

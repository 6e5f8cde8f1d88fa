#!/usr/bin/env bash
# Runs every test stmprog has, the way CI does:
#   0. README's two set-up commands configure on a fresh clone in either
#      order (.ci/readme-setup.sh);
#   1. an AddressSanitizer + UBSan build and its `make check` (every test,
#      in full);
#   2. a plain build whose test programs and the stmprog binary run again
#      under valgrind (any error or definite leak fails; with
#      STMPROG_TEST_QUICK set, one session per area stands for the rest);
#   2b. the installed program: links no transport library, installs no
#      test module, looks for backends in the install directory;
#   2c. four threads programming four simulated boards through the
#      installed library, under ThreadSanitizer and under helgrind;
#   2d. the fuzz smoke stage: every libFuzzer harness of tests/fuzz for
#       a few seconds (skipped, and said, without clang);
#   3. `make distcheck`: the release tarball builds everything, its tests
#      included, and passes a smoke subset of them (stage 1 ran them all
#      on this tree; distcheck is there for what the tarball lacks).
# Stage 1's `make check` runs in the background while stages 2 to 3 run:
# most of its wall time is test_uart_e2e's fault-injection sessions
# waiting out protocol time-outs with the CPU idle (12 of its 13 minutes).
# Its output is shown when it ends, before the closing count.
# The PostgreSQL log tests fail instead of skipping when the server is
# missing (STMPROG_REQUIRE_PG=1): CI installs one (.ci/deps).
# Builds go to build-tests/ (or $STMPROG_TEST_DIR).  The last line counts
# the Criterion tests of stage 1: "tests: N passed, N failed".
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${STMPROG_TEST_DIR:-$src/build-tests}
jobs=$(nproc 2>/dev/null || echo 2)

cd "$src"
# A configuration in the source tree itself (a plain ./configure) makes
# every out-of-tree configure refuse ("source directory already
# configured"), ours below and README's main-job command alike: clean it.
if [ -f config.status ]; then
	echo "cleaning the configuration in the source tree (make distclean)"
	if [ -f Makefile ]; then
		make -s distclean >/dev/null 2>&1 || rm -f config.status
	else
		rm -f config.status
	fi
fi
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi >/dev/null
fi
# --prepare: only the above (.ci/readme-setup.sh checks it).
[ "${1:-}" = --prepare ] && exit 0

# Each header says when it starts (seconds into the run): where CI's time
# goes, without timing it again.
stage() { printf '\n=== %s  [%d s]\n' "$*" "$SECONDS"; }
show_failures() {
	# automake keeps each test's output in its .log: show the failing ones
	grep -l '^FAIL\|^ERROR' "$1"/tests/*.trs 2>/dev/null | sed 's/\.trs$/.log/' |
		xargs -r tail -n 40 || true
}

stage "0. README's set-up commands on a fresh clone"
bash "$src/.ci/readme-setup.sh" || exit 1

stage "1. ASan + UBSan build, make check"
export STMPROG_REQUIRE_PG=1
mkdir -p "$out/asan"
(cd "$out/asan" && "$src/configure" -q --enable-asan >/dev/null &&
	make -s -j"$jobs" >/dev/null) || { show_failures "$out/asan"; exit 1; }
# In a session of its own (setsid), so a failure further on stops the
# whole of it.
rm -f "$out/asan-check.log"
setsid bash -c 'cd "$1" || exit
	rc=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 make -s -j"$2" check || rc=$?
	echo "(make check took $SECONDS s)"
	exit $rc' \
	_ "$out/asan" "$jobs" >"$out/asan-check.log" 2>&1 &
asan_pid=$!
asan_running=1
trap '[ -z "${asan_running:-}" ] || kill -- -"$asan_pid" 2>/dev/null || true' EXIT
echo "make check runs in the background (its output: $out/asan-check.log); the result comes at the end"

stage "2. plain build under valgrind"
# One session per area under valgrind: stage 1 runs every case (the
# background check above started before this was set).
export STMPROG_TEST_QUICK=1
mkdir -p "$out/plain"
# Stage 1 ran every test already: build the test programs (TESTS= runs
# none) and run each once, under valgrind, below.
(cd "$out/plain" && "$src/configure" -q >/dev/null && make -s -j"$jobs" >/dev/null &&
	make -s -j"$jobs" check TESTS= >/dev/null) || { show_failures "$out/plain"; exit 1; }
(
	cd "$out/plain"
	export top_srcdir="$src" top_builddir="$out/plain"
	unset STMPROG_BACKEND_PATH
	# Criterion runs each test in a child process: follow children, but not
	# the shells and independent tools the tests start.
	vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-possibly-lost=no
	    --trace-children=yes --trace-children-skip=*/sh,*/bash,*/dash,*/ldd,*/cmp,*/rm,*/srec_cat,*/srec_cmp,*/dfuse-pack,*/python3*,*/arm-none-eabi-*,*/head,*/test,*/env,*/stm32flash,*/dfu-util,*/sleep,*/cat,*/sed"
	# valgrind notes the serial lock's TIOCEXCL/TIOCNXCL (0x540c/0x540d),
	# ioctls without arguments it has no wrapper for: a note, not an error.
	vg_ioctl_note='unhandled ioctl 0x540[cd] with no size|could cause spurious value errors|README_MISSING_SYSCALL_OR_IOCTL'
	# One program under valgrind; its output stays in its own log.
	vg_one() {
		local t=$1 start=$SECONDS rc=0
		rm -f "$t.valgrind.failed"
		# Criterion does not pass a child's valgrind exit status on, so
		# any valgrind report (quiet mode prints only errors) fails too.
		if ! ./libtool --mode=execute $vg "$t" --jobs 1 >"$t.valgrind.log" 2>&1 ||
			grep -E '^==[0-9]+== ' "$t.valgrind.log" | grep -vqE "$vg_ioctl_note"; then
			rc=1
		fi
		# A mark the parent finds (wait -n does not say which job ended).
		[ $rc = 0 ] || : >"$t.valgrind.failed"
		echo "valgrind $t: $((SECONDS - start)) s$([ $rc = 0 ] || echo ', FAILED')"
	}
	# The slowest under valgrind first (so the two lanes end together),
	# then the rest; each program once.
	slow="tests/test_sim tests/test_sim_slcan tests/test_image tests/test_uart_e2e
	      tests/test_can_protocol tests/test_uart_protocol tests/test_dfu_e2e
	      tests/test_sim_usb tests/test_trust_e2e tests/test_can_e2e"
	tests=()
	for t in $slow tests/test_*; do
		case "$t" in *.o | *.log | *.trs | *.c | *.h) continue ;; esac
		[ -f "$t" ] && [ -x "$t" ] || continue
		case " ${tests[*]} " in *" $t "*) continue ;; esac
		tests+=("$t")
	done
	set -f # the valgrind patterns below are not file names
	# Two programs at once (valgrind runs one thread at a time; a 2-core
	# machine then has both busy).
	failed=()
	for t in "${tests[@]}"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
		vg_one "$t" &
	done
	wait
	for t in "${tests[@]}"; do
		[ ! -e "$t.valgrind.failed" ] || failed+=("$t")
	done
	if ((${#failed[@]})); then
		for t in "${failed[@]}"; do
			echo "--- $t.valgrind.log"
			tail -n 60 "$t.valgrind.log"
		done
		exit 1
	fi
	echo "valgrind frontends/stmprog"
	./libtool --mode=execute $vg frontends/stmprog --backends >/dev/null
	STMPROG_BACKEND_PATH="$out/plain/tests/modules/good:$out/plain/tests/modules/bad" \
		./libtool --mode=execute $vg frontends/stmprog --backends >/dev/null 2>&1
)

stage "2b. the installed program"
(
	cd "$out/plain"
	rm -rf "$out/inst"
	make -s install DESTDIR="$out/inst" >/dev/null
	prefix=$(sed -n 's/^prefix = //p' Makefile)
	bin="$out/inst$prefix/bin/stmprog"
	lib="$out/inst$prefix/lib/libstmprog.so"
	needed=$(readelf -d "$bin" "$lib" | grep NEEDED)
	echo "$needed" | grep -q libstmprog || { echo "stmprog does not link libstmprog"; exit 1; }
	if echo "$needed" | grep -E 'libusb|libserialport|libftdi'; then
		echo "stmprog or libstmprog links a transport library"; exit 1
	fi
	if find "$out/inst" -name 'memdev*' -o -name 'bad_abi*' | grep .; then
		echo "a test-only module was installed"; exit 1
	fi
	LD_LIBRARY_PATH="$out/inst$prefix/lib" "$bin" --backends |
		grep -qx "backend directory: $prefix/lib/stmprog/backends" ||
		{ echo "the installed stmprog does not look in the install directory"; exit 1; }
	echo "installed stmprog links no transport library and looks in $prefix/lib/stmprog/backends"
)

stage "2c. four targets from four threads: ThreadSanitizer, helgrind"
# tests/threads/run.sh: one job run from four threads on four simulated
# boards through the installed library, once in a -fsanitize=thread build
# ($out/tsan) and once under helgrind (the plain build); any report fails,
# a skip (77: no TSan runtime, no valgrind) is said and passes.
for mode in --tsan --helgrind; do
	rc=0
	top_srcdir="$src" top_builddir="$out/plain" STMPROG_TSAN_DIR="$out/tsan" \
		sh "$src/tests/threads/run.sh" $mode || rc=$?
	[ $rc = 0 ] || [ $rc = 77 ] || exit 1
done

stage "2d. fuzz smoke: every libFuzzer harness briefly"
# tests/fuzz/run.sh: a clang build with libFuzzer, ASan and UBSan
# ($out/fuzz), then each harness for STMPROG_FUZZ_SECONDS (default 15)
# from its seed corpus; any crash fails.  Without clang or its libFuzzer
# it says so and exits 77: said here, never counted as a pass.
fuzz_rc=0
bash "$src/tests/fuzz/run.sh" --build-dir "$out/fuzz" \
	--seconds "${STMPROG_FUZZ_SECONDS:-15}" | tee "$out/fuzz.log" || fuzz_rc=${PIPESTATUS[0]}
case $fuzz_rc in
0) ;;
77) echo "fuzz: SKIPPED (see the reason above)" >>"$out/fuzz.log" ;;
*) exit 1 ;;
esac

# Stage 1's check, waited for; its output is shown once, whole.
finish_stage1() {
	local rc=0
	wait "$asan_pid" || rc=$?
	asan_running=
	stage "1. (its make check, run meanwhile)"
	cat "$out/asan-check.log"
	[ $rc = 0 ] || { show_failures "$out/asan"; exit 1; }
}
# Ended already (a failure, say): no need for distcheck first.
kill -0 "$asan_pid" 2>/dev/null || finish_stage1

stage "3. make distcheck"
# The tarball builds everything, test programs included (a source missing
# from it fails there), and runs a smoke subset of the tests: the ones
# that read files of the source tree or install (what a tarball can
# lack), and one session per transport.  Stage 1 ran them all on this
# tree.  STMPROG_TEST_QUICK is still set.
# Only those this configuration has (automake's TESTS, asked of make).
all_tests=$(cd "$out/plain" && printf 'print-tests:\n\t@echo $(TESTS)\n' |
	make -s -f Makefile -f - print-tests)
smoke=
for t in tests/test_exports.sh tests/test_frontend tests/test_image \
	tests/test_line_config tests/test_uart_e2e tests/test_dfu_e2e \
	tests/test_can_e2e tests/threads/run.sh; do
	case " $all_tests " in *" $t "*) smoke="$smoke $t" ;; esac
done
(cd "$out/plain" && make -s -j"$jobs" distcheck TESTS="${smoke# }" >/dev/null 2>"$out/distcheck.log") ||
	{ tail -n 60 "$out/distcheck.log"; exit 1; }
echo "distcheck passed (tests:$smoke)"

[ -z "${asan_running:-}" ] || finish_stage1
echo "all stages: $SECONDS s"

# The reliability figures: fuzzing (above), and the last line of the
# fault-matrix subset, the bad-input table and the interruption tests
# (stage 1's logs).
grep -h '^fuzz' "$out/fuzz.log" | tail -n 1
for t in test_fault_matrix.sh test_bad_input test_interrupt_e2e; do
	line=$(grep -hE '^(fault matrix|bad-input table|interruptions):' \
		"$out/asan/tests/$t.log" 2>/dev/null | tail -n 1) || true
	echo "${line:-$t: no count in its log}"
done

# Criterion's own closing lines, summed over the test programs of stage 1.
awk -F'|' '/Synthesis: Tested:/ {
	for (i = 1; i <= NF; i++) {
		if ($i ~ /Passing:/) { sub(/.*Passing: */, "", $i); p += $i }
		if ($i ~ /Failing:/) { sub(/.*Failing: */, "", $i); f += $i }
		if ($i ~ /Crashing:/) { sub(/.*Crashing: */, "", $i); f += $i }
	}
} END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' \
	"$out"/asan/tests/*.log

#!/bin/sh
# --json, -q and -log end to end: stmprog programs a simulated F405
# (stmprog-sim) over UART, USB DFU (umockdev) and, when the CAN backend is
# built, slcan; a run that succeeds and one the simulator breaks off
# (--faults disconnect=N) on each.  Every stdout line of a --json run is
# parsed with Python's json module (tests/output_check.py): the schema
# version on each line, one "exit" line last with the process's exit
# code, phases that open, move on and close, the identified chip with its
# UID.  -q leaves stderr empty on success and keeps the JSON lines; -log
# lines carry ISO 8601 times.
set -u

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 is not installed (Debian package python3)"
	exit 77
fi
sim=$top_builddir/contrib/sim/stmprog-sim
prog=$top_builddir/frontends/stmprog
dir=$top_builddir/tests/json-output.d
rm -rf "$dir"
mkdir -p "$dir"
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

check() {
	python3 "$top_srcdir/tests/output_check.py" "$@" || fail "output_check.py $*"
}

# run NAME TRANSPORT 'SIMOPTS' STMPROG-ARGS...: stdout in NAME.out, stderr
# in NAME.err, the exit status in $rc.  The flash persists per transport.
run() {
	name=$1 transport=$2 simopts=$3
	shift 3
	# shellcheck disable=SC2086 # simopts are words
	"$sim" --chip 0x413 --flash "$dir/$transport.flash" \
		--trace "$dir/$name.trace" --transport "$transport" $simopts -- \
		"$prog" -c 'port={port}' "$@" >"$dir/$name.out" 2>"$dir/$name.err"
	rc=$?
	echo "$name: exit $rc"
}

# Two images that differ in every 16 KiB sector they touch.
python3 - "$dir" <<'PY'
import sys
for name, k in (("app1.bin", 7), ("app2.bin", 13)):
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(bytes((i * k + 3) % 251 for i in range(20000)))
PY

transports="uart usb"
[ -e "$top_builddir/backends/can.la" ] && transports="$transports slcan"
for t in $transports; do
	case $t in
	uart) backend=uart usb= cut=disconnect=6000 ;;
	usb) backend=dfu usb=--usb cut=disconnect=60 ;;
	slcan) backend=can usb= cut=disconnect=800 ;;
	esac

	# A whole run: JSON only on stdout, people's text on stderr.
	run "$t-ok" "$t" "" --json -log "$dir/$t.log" \
		-d "$dir/app1.bin" 0x08000000 -v
	[ "$rc" = 0 ] || fail "$t-ok: exit $rc"
	check json "$dir/$t-ok.out" --rc "$rc" --backend "$backend" $usb \
		--phases write,verify --result
	grep -q '^Connected through ' "$dir/$t-ok.err" ||
		fail "$t-ok: no connection line on stderr"
	grep -q '^Verifying: 20000 bytes$' "$dir/$t-ok.err" ||
		fail "$t-ok: no finished line of the verify on stderr"
	check log "$dir/$t.log" --has "Connected through $backend" \
		--has "progress: Writing 20000/20000 bytes in " \
		--has "progress: Verifying 20000/20000 bytes in "

	# -q: nothing on stderr when all goes well, the same JSON lines.
	run "$t-quiet" "$t" "" -q --json -d "$dir/app2.bin" 0x08000000 -v
	[ "$rc" = 0 ] || fail "$t-quiet: exit $rc"
	[ -s "$dir/$t-quiet.err" ] && fail "$t-quiet: stderr not empty"
	check json "$dir/$t-quiet.out" --rc "$rc" --backend "$backend" $usb \
		--phases write,verify --result

	# The device goes away in the middle of the write: the phase fails,
	# the exit line says why with the process's exit code.  After -e all
	# the plan reads nothing first, so the byte, transfer or frame count
	# of the cut falls in the write whatever the flash held.
	run "$t-cut" "$t" "--faults $cut" --json -e all \
		-d "$dir/app1.bin" 0x08000000
	[ "$rc" = 1 ] || fail "$t-cut: exit $rc"
	check json "$dir/$t-cut.out" --rc "$rc" --backend "$backend" $usb \
		--failed-phase
	grep -q '^stmprog: error: ' "$dir/$t-cut.err" ||
		fail "$t-cut: no error on stderr"

	# -q on a failure: the error and its hint, nothing else of stmprog's
	# (the simulator's own fault line aside); stdout empty.
	run "$t-cut-quiet" "$t" "--faults $cut" -q -e all \
		-d "$dir/app2.bin" 0x08000000
	[ "$rc" = 1 ] || fail "$t-cut-quiet: exit $rc"
	[ -s "$dir/$t-cut-quiet.out" ] && fail "$t-cut-quiet: stdout not empty"
	grep -v '^stmprog-sim: ' "$dir/$t-cut-quiet.err" |
		grep -v -q '^stmprog: \(error\|hint\): ' &&
		fail "$t-cut-quiet: more than the error on stderr"
	grep -q '^stmprog: error: ' "$dir/$t-cut-quiet.err" ||
		fail "$t-cut-quiet: no error on stderr"
done

# Bytes that are not UTF-8, a control character, a quote and a backslash
# in a file name reach the exit line's detail as valid JSON: the invalid
# byte as U+FFFD, the others escaped and read back as they were.
bad=$(printf 'x\377\001"\\y.bin')
run name-bytes uart "" --json -d "$dir/$bad"
[ "$rc" = 4 ] || fail "name-bytes: exit $rc"
check json "$dir/name-bytes.out" --rc "$rc" --status file \
	--detail-has "$(printf '\357\277\275\001"\\y.bin')"

# The lines commands print (a listing) are "output" lines, and the text
# people see moves to stderr as it was; -q keeps the lines, drops the text.
"$prog" --json --chips >"$dir/chips.out" 2>"$dir/chips.err"
check json "$dir/chips.out" --rc $? --text "STM32F405xx"
"$prog" --chips >"$dir/chips-plain.out"
cmp -s "$dir/chips-plain.out" "$dir/chips.err" ||
	fail "--json --chips: stderr is not the listing without --json"
"$prog" --json -q --chips >"$dir/chips-q.out" 2>"$dir/chips-q.err"
cmp -s "$dir/chips.out" "$dir/chips-q.out" ||
	fail "--json -q --chips differs from --json --chips"
[ -s "$dir/chips-q.err" ] && fail "--json -q --chips wrote to stderr"

# A command line the parser refuses still ends with its exit line.
"$prog" --json --no-such-option >"$dir/usage.out" 2>"$dir/usage.err"
check json "$dir/usage.out" --rc $? --status argument \
	--detail-has=--no-such-option

echo "$fails failure(s)"
# The runs' files stay for reading after a failure only.
[ "$fails" = 0 ] && rm -rf "$dir"
[ "$fails" = 0 ]

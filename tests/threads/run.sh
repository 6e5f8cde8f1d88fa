#!/bin/sh
# Four targets from four threads through the INSTALLED library: installs
# the build (make install DESTDIR=...), compiles four_targets.c with
# `pkg-config --cflags --libs libstmprog` against that install, and runs
# it under stmprog-sim --devices 4 (uart) with the installed backends;
# then each device's flash file must hold the image and its own serial.
#
#   run.sh              the build in $top_builddir (as `make check` runs it)
#   run.sh --tsan       first builds $STMPROG_TSAN_DIR (default
#                       $top_builddir/../tsan) with -fsanitize=thread and
#                       runs there; any ThreadSanitizer report fails
#   run.sh --helgrind   runs the program under valgrind --tool=helgrind;
#                       any report fails ($top_builddir must be a build
#                       without sanitizers)
#
# Exit 77 (skipped) when pkg-config, the uart backend, or (for the modes)
# the sanitizer or valgrind are missing.
set -eu
mode=${1:-}
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$PWD}
src=$(cd "$src" && pwd)
build=$(cd "$build" && pwd)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

command -v pkg-config >/dev/null 2>&1 || skip "pkg-config is not installed"
case $mode in
--tsan)
	tsan=${STMPROG_TSAN_DIR:-$build/../tsan}
	mkdir -p "$tsan"
	tsan=$(cd "$tsan" && pwd)
	echo 'int main(void){return 0;}' >"$tsan/probe.c"
	${CC:-cc} -fsanitize=thread "$tsan/probe.c" -o "$tsan/probe" 2>/dev/null &&
		"$tsan/probe" 2>/dev/null || skip "the compiler cannot build with -fsanitize=thread here"
	if [ ! -f "$tsan/Makefile" ]; then
		(cd "$tsan" && "$src/configure" -q \
			CFLAGS="-fsanitize=thread -g -O1" LDFLAGS=-fsanitize=thread \
			>/dev/null) || fail "configure in $tsan"
	fi
	# Only what the program needs: the library, its backends, the
	# simulator; installed piecewise below (`make install` would build
	# the frontends and the rest first).
	backend_las=$(cd "$tsan" && printf 'print-backends:\n\t@echo $(backend_LTLIBRARIES)\n' |
		make -s -f Makefile -f - print-backends)
	# shellcheck disable=SC2086
	make -s -C "$tsan" -j2 core/libstmprog.la contrib/sim/stmprog-sim \
		$backend_las >/dev/null || fail "the ThreadSanitizer build in $tsan"
	install_targets="install-libLTLIBRARIES install-backendLTLIBRARIES
		install-pkgconfigDATA install-stmprogincludeHEADERS"
	build=$tsan
	;;
--helgrind)
	command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
	grep -q '^CFLAGS = .*-fsanitize' "$build/Makefile" &&
		skip "$build is a sanitizer build; helgrind needs a plain one"
	;;
'') ;;
*) echo "usage: run.sh [--tsan|--helgrind]" >&2; exit 2 ;;
esac
[ -f "$build/backends/uart.la" ] || skip "the uart backend was not built (libserialport missing)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stmprog-threads.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
make -s -C "$build" ${install_targets:-install} DESTDIR="$tmp/inst" >/dev/null 2>"$tmp/install.log" ||
	{ cat "$tmp/install.log"; fail "make install DESTDIR=$tmp/inst"; }
pcdir=$(dirname "$(find "$tmp/inst" -name libstmprog.pc | head -n 1)")
[ -f "$pcdir/libstmprog.pc" ] || fail "no libstmprog.pc was installed"
# --define-prefix: the prefix is where the .pc file is now (two levels
# up), not the one configure was given.
pc() { PKG_CONFIG_PATH=$pcdir pkg-config --define-prefix "$@" libstmprog; }
libdir=$(pc --variable=libdir)
backends=$(pc --variable=backenddir)
[ -d "$backends" ] || fail "pkg-config's backenddir $backends is not in the install"

# docs/architecture.md quotes four_targets.c: every line of its excerpt
# (comments, "..." and blank lines aside) must still be in the program.
doc=$src/docs/architecture.md
if [ -f "$doc" ]; then
	awk '/^## Using libstmprog/ {in_sec = 1} /^```c/ && in_sec {code = 1; next}
	     /^```/ && code {exit} code' "$doc" |
		sed 's|/\*.*\*/||; s/^[[:space:]]*//; s/[[:space:]]*$//' |
		grep -v '^$' | grep -vx '\.\.\.' >"$tmp/excerpt"
	[ -s "$tmp/excerpt" ] || fail "no excerpt of four_targets.c in $doc"
	while IFS= read -r line; do
		grep -qF -- "$line" "$src/tests/threads/four_targets.c" ||
			fail "docs/architecture.md quotes a line four_targets.c does not have: $line"
	done <"$tmp/excerpt"
fi

# The build's own CFLAGS and LDFLAGS, so a sanitizer build's library
# links with its runtime.
cflags=$(sed -n 's/^CFLAGS = //p' "$build/Makefile")
ldflags=$(sed -n 's/^LDFLAGS = //p' "$build/Makefile")
cc=$(sed -n 's/^CC = //p' "$build/Makefile")
# shellcheck disable=SC2046,SC2086
$cc -std=c11 -Wall -Wextra -Werror $cflags -pthread $(pc --cflags) \
	"$src/tests/threads/four_targets.c" -o "$tmp/four_targets" \
	$ldflags -pthread $(pc --libs) -Wl,-rpath,"$libdir" ||
	fail "four_targets.c does not build against the installed library"

# 4 KiB image at 0x08000000; board n's serial 0x5E00000n at 0x08003FF0.
yes 'stmprog: four boards, one job.' | head -c 4096 >"$tmp/image.bin"
run="$tmp/four_targets"
case $mode in
--helgrind) run="valgrind -q --tool=helgrind --error-exitcode=99 $run" ;;
--tsan) export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" ;;
esac
# The simulator and stmprog of the same build; the program finds the
# installed backends only.
STMPROG_BACKEND_PATH=$backends "$build/contrib/sim/stmprog-sim" --chip 0x413 \
	--devices 4 --flash "$tmp/flash.bin" -- $run "$tmp/image.bin" \
	'port={port1}' 'port={port2}' 'port={port3}' 'port={port4}' \
	>"$tmp/out.txt" 2>&1 || { cat "$tmp/out.txt"; fail "four_targets failed"; }
cat "$tmp/out.txt"
# valgrind notes the serial lock's argument-less TIOCEXCL/TIOCNXCL
# (0x540c/0x540d), which it has no wrapper for: a note, not a report
# (as in tests/run-all.sh); any other valgrind line is one.
vg_ioctl_note='unhandled ioctl 0x540[cd] with no size|could cause spurious value errors|README_MISSING_SYSCALL_OR_IOCTL'
if grep -q 'WARNING: ThreadSanitizer' "$tmp/out.txt" ||
	grep -E '^==[0-9]+== ' "$tmp/out.txt" | grep -qvE "$vg_ioctl_note"; then
	fail "reports above"
fi

tr '\000' '\377' </dev/zero | head -c $((0x3FF0 - 4096)) >"$tmp/erased"
for n in 1 2 3 4; do
	f=$tmp/flash.bin
	[ $n = 1 ] || f=$tmp/flash.bin.$n
	cmp -n 4096 "$tmp/image.bin" "$f" || fail "board $n's flash does not start with the image"
	cmp -n $((0x3FF0 - 4096)) -i 4096:0 "$f" "$tmp/erased" ||
		fail "board $n: flash between the image and the serial is not erased"
	serial=$(od -An -tx1 -j $((0x3FF0)) -N 4 "$f" | tr -d ' \n')
	[ "$serial" = "0${n}00005e" ] || fail "board $n's serial reads $serial, not 0${n}00005e"
	grep -q "^board $n: ok," "$tmp/out.txt" || fail "board $n did not say ok"
done
echo "four boards programmed from four threads, each with its own serial"

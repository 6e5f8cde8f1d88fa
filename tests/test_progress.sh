#!/bin/sh
# Progress for people, end to end through stmprog-sim over UART and USB
# DFU (umockdev): bars on a terminal (a pseudo-terminal from Python's pty
# module), plain lines into a pipe, stdout's lines in order with stderr's
# (tests/progress_pty.py says what is checked; never a duration).
set -u

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"

if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 is not installed (Debian package python3)"
	exit 77
fi
dir=$top_builddir/tests/progress.d
rm -rf "$dir"
mkdir -p "$dir"
python3 - "$dir" <<'PY'
import sys
for name, k in (("app1.bin", 7), ("app2.bin", 13)):
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(bytes((i * k + 3) % 251 for i in range(20000)))
PY
rc=0
for t in uart usb; do
	python3 "$top_srcdir/tests/progress_pty.py" "$dir" "$t" \
		"$top_builddir/contrib/sim/stmprog-sim" \
		"$top_builddir/frontends/stmprog" || rc=1
done
# The runs' files stay for reading after a failure only.
[ "$rc" = 0 ] && rm -rf "$dir"
exit $rc

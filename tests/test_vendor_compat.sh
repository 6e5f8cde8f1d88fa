#!/bin/bash
# docs/vendor-compat.md says which of the vendor CLI's options stmprog
# refuses: every option of its "do not apply to a ROM bootloader" table,
# the debug-probe and I2C/SPI ports, and the UART keys rts=/dtr=.  Each is
# run here and must exit 2 (a usage error, before any port is opened)
# with a message naming what was refused: the table may not claim a
# refusal stmprog does not make, and stmprog may not take one of them
# silently.  And every test the table cites as proof exists.
set -u

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"
stmprog=$top_builddir/frontends/stmprog
doc=$top_srcdir/docs/vendor-compat.md
[ -x "$stmprog" ] || { echo "FAIL: no $stmprog"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

# refused WHAT ARGS...: stmprog ARGS exits 2 and its error line names WHAT.
refused() {
	local what=$1 rc
	shift
	n=$((n + 1))
	"$stmprog" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 2 ] || ! grep -q -F -e "$what" "$tmp/err"; then
		echo "FAIL: stmprog $*: exit $rc (expected 2 naming '$what'):"
		cat "$tmp/err"
		fails=$((fails + 1))
	else
		echo "ok: $* -> $(head -n 1 "$tmp/err")"
	fi
}

# The options of the table under "Options that do not apply": every
# backticked word of its first column.
opts=$(awk '/^## Options that do not apply/ { on = 1; next }
	/^## / { on = 0 }
	on && /^\| `-/ {
		split($0, col, "|")
		c = col[2]
		while (match(c, /`-[^`]*`/)) {
			print substr(c, RSTART + 1, RLENGTH - 2)
			c = substr(c, RSTART + RLENGTH)
		}
	}' "$doc")
count=$(printf '%s\n' "$opts" | grep -c .)
if [ "$count" -lt 10 ]; then
	echo "FAIL: only $count options read from $doc's table"
	exit 1
fi
for o in $opts; do
	refused "$o" -c port=usb1 "$o"
	# ... and says why, not only that the option is unknown.
	if ! grep -q -F "does not apply over a ROM bootloader: " "$tmp/err"; then
		echo "FAIL: stmprog $o: no reason given:"
		cat "$tmp/err"
		fails=$((fails + 1))
	fi
done

# Ports stmprog has no transport for, and the vendor's RTS/DTR keys.
for p in SWD JTAG I2C SPI; do
	refused "port=$p" -c port=$p -e all
done
refused "rts" -c port=/dev/ttyUSB0 rts=low -e all
refused "dtr" -c port=/dev/ttyUSB0 dtr=high -e all

echo "$n refusals checked"

# Every test the table names in its last column exists: a Criterion test
# name (`word_write_keeps_the_unit_*` stands for one per transport) in
# tests/*.c, or a script under tests/.  The table may not cite a proof
# that is not there.
names=$(awk -F'|' '/^\| / && NF > 6 { print $(NF - 1) }' "$doc" |
	grep -o '`[^`]*`' | tr -d '`' | grep -E '^[a-z0-9][a-z0-9_]*[*]?$' | sort -u)
cited=0
for t in $names; do
	cited=$((cited + 1))
	pat="Test\\([a-z_0-9]*, ${t%\*}"
	[ "$t" = "${t%\*}" ] && pat="$pat[,)]"
	# ... or a row of a table test (tests/test_bad_input.c's names).
	if ! grep -q -E -e "$pat" -e "\{\"${t%\*}" "$top_srcdir"/tests/*.c; then
		echo "FAIL: $doc cites a test '$t' that no tests/*.c defines"
		fails=$((fails + 1))
	fi
done
for f in $(awk -F'|' '/^\| / && NF > 6 { print $(NF - 1) }' "$doc" |
	grep -o 'tests/[A-Za-z0-9_./-]*' | sed 's/[.,;]$//' | sort -u); do
	cited=$((cited + 1))
	[ -e "$top_srcdir/$f" ] || {
		echo "FAIL: $doc cites $f, which does not exist"
		fails=$((fails + 1))
	}
done
echo "$cited cited tests and files checked"
[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }

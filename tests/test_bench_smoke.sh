#!/bin/sh
# bench/run-all's machinery, without sleeps: every workload of the report
# (P1-P8; P6 and P8 only when stmprog-line is built) runs once with
# --timing none on fresh random images against the simulator, and its
# row must be in the table, the CSV and the Markdown with a positive
# bound and a time for stmprog (and for the peer where there is one).
# Counts and presence only: no times are compared.
set -eu

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"

for tool in python3 dfu-util stm32flash gnuplot; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		[ "$tool" = gnuplot ] && continue # the report says it skips the PNG
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done
only=P1,P2,P3,P4,P5,P7
rows="P1 P2 P3 P4 P5a P5b P5c P7a P7b"
if [ -x "$top_builddir/frontends/line/stmprog-line" ]; then
	only=$only,P6,P8
	rows="$rows P6 P8"
fi
out=$top_builddir/tests/test_bench_smoke.out
rm -rf "$out"
python3 "$top_srcdir/bench/run-all" --builddir "$top_builddir" --timing none \
	--only "$only" --out "$out"

python3 - "$out" "$rows" <<'PY'
import csv, os, sys
out, rows = sys.argv[1], sys.argv[2].split()
with_peer = {"P1", "P2", "P3", "P4"}
bad = []
with open(os.path.join(out, "report.csv")) as f:
    got = {r["id"]: r for r in csv.DictReader(f)}
md = open(os.path.join(out, "report.md")).read()
if "nothing sleeps" not in md:
    bad.append("report.md does not say that --timing none times mean nothing")
for wid in rows:
    r = got.get(wid)
    if r is None:
        bad.append("%s: no row in report.csv" % wid)
        continue
    if not float(r["bound_s"]) > 0:
        bad.append("%s: bound %s" % (wid, r["bound_s"]))
    if not float(r["stmprog_s"]) > 0:
        bad.append("%s: stmprog time %s" % (wid, r["stmprog_s"]))
    if wid in with_peer and not (r["peer_s"] and float(r["peer_s"]) > 0):
        bad.append("%s: no time for the peer %s" % (wid, r["peer"]))
    if "| %s |" % wid not in md:
        bad.append("%s: no row in report.md" % wid)
if set(got) - set(rows):
    bad.append("unexpected rows: %s" % sorted(set(got) - set(rows)))
for b in bad:
    print("FAIL:", b)
print("%d rows checked, %d problems" % (len(rows), len(bad)))
sys.exit(1 if bad else 0)
PY

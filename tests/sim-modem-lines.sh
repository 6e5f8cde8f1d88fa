#!/bin/sh
# The simulator's pty has modem lines (contrib/sim/sim_ttywatch.h): a pty
# fails TIOCMGET/TIOCMSET with ENOTTY, so the tty watch answers them for
# COMMAND.  Checks:
#  - a host setting RTS and DTR through TIOCMSET/TIOCMBIS/TIOCMBIC reads
#    exactly those bits back with TIOCMGET, and the inputs (CTS, DSR, DCD,
#    RI) read as an adapter with nothing wired: not asserted;
#  - a pty of the host's own is left to the kernel (still ENOTTY);
#  - stmprog's termios path runs an init= entry/exit sequence on the
#    simulator's pty (before, it refused: no modem lines), and with the
#    simulator's --wire the sequence is what starts the ROM.
set -eu

: "${top_srcdir:?run from make check (top_srcdir)}"
: "${top_builddir:?run from make check (top_builddir)}"
sim=$top_builddir/contrib/sim/stmprog-sim
stmprog=$top_builddir/frontends/stmprog
[ -x "$sim" ] || { echo "SKIP: stmprog-sim is not built"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found (Debian package python3)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/modem.py" <<'EOF'
import errno, fcntl, os, struct, sys, termios as T

fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)

def get(f=fd):
    return struct.unpack('i', fcntl.ioctl(f, T.TIOCMGET, struct.pack('i', 0)))[0]

def put(cmd, bits):
    fcntl.ioctl(fd, cmd, struct.pack('i', bits))

try:
    start = get()
except OSError as e:
    if e.errno == errno.ENOTTY:
        print("SKIP: TIOCMGET on the simulator's pty fails (ENOTTY): no tty watch here (seccomp user notification)")
        sys.exit(77)
    raise
inputs = T.TIOCM_CTS | T.TIOCM_DSR | T.TIOCM_CAR | T.TIOCM_RI
steps = [("start", None, None, 0),
         ("TIOCMSET RTS|CTS", T.TIOCMSET, T.TIOCM_RTS | T.TIOCM_CTS, T.TIOCM_RTS),
         ("TIOCMBIS DTR", T.TIOCMBIS, T.TIOCM_DTR, T.TIOCM_RTS | T.TIOCM_DTR),
         ("TIOCMBIC RTS", T.TIOCMBIC, T.TIOCM_RTS, T.TIOCM_DTR),
         ("TIOCMBIC DTR", T.TIOCMBIC, T.TIOCM_DTR, 0),
         ("TIOCMSET RTS|DTR", T.TIOCMSET, T.TIOCM_RTS | T.TIOCM_DTR, T.TIOCM_RTS | T.TIOCM_DTR)]
bad = 0
for name, cmd, bits, want in steps:
    if cmd is not None:
        put(cmd, bits)
    got = get()
    if got != want or got & inputs:
        print("FAIL: after %s TIOCMGET gives 0x%x, want 0x%x" % (name, got, want))
        bad = 1
# A pty the simulator did not make: the kernel's answer, untouched.
m, s = os.openpty()
try:
    get(s)
    print("FAIL: TIOCMGET on another pty succeeded; the watch answered for it")
    bad = 1
except OSError as e:
    if e.errno != errno.ENOTTY:
        print("FAIL: TIOCMGET on another pty: %s, not ENOTTY" % e)
        bad = 1
if not bad:
    print("PASS: RTS/DTR kept and read back on the simulator's pty; inputs not asserted; another pty untouched")
sys.exit(bad)
EOF

rc=0
"$sim" --chip 0x413 --transport uart -- python3 -I "$tmp/modem.py" '{port}' || rc=$?
[ "$rc" = 0 ] || exit "$rc"

# stmprog's termios path, entry and exit sequence on the pty.
[ -x "$stmprog" ] || { echo "SKIP: stmprog is not built (the sequence part)"; exit 0; }
[ -e "$top_builddir/backends/uart.la" ] || { echo "SKIP: the uart backend is not built (the sequence part)"; exit 0; }
wire=
if "$sim" --help 2>&1 | grep -q -- '--wire'; then
	wire="--wire boot0=rts,nrst=dtr"
fi
rc=0
# shellcheck disable=SC2086 # $wire is two words or none
"$sim" --chip 0x413 --transport uart --trace "$tmp/trace.txt" $wire -- \
	"$stmprog" -c 'port={port}' 'init=-rts&dtr,-dtr:rts&dtr,-dtr' -r 0x08000000 16 "$tmp/r.bin" \
	>"$tmp/out.log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
	echo "FAIL: stmprog with an init= sequence on the simulator's pty: exit $rc"
	cat "$tmp/out.log"
	exit 1
fi
if [ -n "$wire" ] && ! grep -q '^RESET NRST BOOT0=1' "$tmp/trace.txt"; then
	echo "FAIL: with $wire the trace has no 'RESET NRST BOOT0=1': the entry sequence did not reach the pins"
	cat "$tmp/trace.txt"
	exit 1
fi
echo "PASS: stmprog (termios) ran init= on the simulator's pty${wire:+ and entered the ROM through $wire}"

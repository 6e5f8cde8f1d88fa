#!/usr/bin/env python3
"""Proves the kernel's slcan line discipline on a pseudo-terminal, with no
stmprog code involved: this script plays a Lawicel/slcan adapter on the
master side of a pty, slcand attaches the slave and names the interface
slcanpty0, and frames must cross in both directions.  Run by can-guest.sh
in the test guest (root, can_raw and slcan loaded); exits 0 on success, 1
with a message otherwise.  The simulator's slcan transport does the same job for
the end-to-end check, so when that fails and this passes, the kernel side
is not the cause."""
import os
import pty
import select
import subprocess
import sys
import time

# Not can0: after a failed end-to-end check its can0 may still be there.
IFACE = "slcanpty0"


def fail(msg):
    print(msg)
    sys.exit(1)


master, slave = pty.openpty()
# The slave stays open here too: a pty master reads EIO while no slave is
# open, which would end the exchange before slcand has opened it.
tty = os.ttyname(slave)
got = b""


def read_until(want, seconds=5.0):
    """Reads from the adapter's side until WANT arrived or time is up."""
    global got
    end = time.monotonic() + seconds
    while want not in got and time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            got += os.read(master, 4096)
    return want in got


def run(*cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=10)


# -s4: 125 kbit/s; -o/-c: open and close commands; -F: foreground, so the
# daemon can be stopped by its pid.
slcand = subprocess.Popen(["slcand", "-o", "-c", "-s4", "-F", tty, IFACE],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    if not read_until(b"O\r"):
        fail("slcand did not send C, S4, O to the adapter: %r" % got)
    if not got.endswith(b"S4\rO\r"):
        fail("unexpected set-up from slcand: %r" % got)
    for _ in range(50):
        if run("ip", "link", "show", "dev", IFACE).returncode == 0:
            break
        time.sleep(0.1)
    else:
        fail("slcand made no %s" % IFACE)
    r = run("ip", "link", "set", "dev", IFACE, "up")
    if r.returncode:
        fail("ip link set %s up: %s" % (IFACE, r.stdout))

    # Host to adapter: a frame sent on the interface comes out as a 't' line.
    got = b""
    r = run("cansend", IFACE, "079#79")
    if r.returncode:
        fail("cansend: %s" % r.stdout)
    if not read_until(b"t0791" + b"79\r"):
        fail("cansend 079#79 did not reach the adapter as t079179: %r" % got)

    # Adapter to host: a 't' line becomes a frame on the interface (the
    # filter keeps the echo of the frame above out).
    dump = subprocess.Popen(["candump", "-L", "-n", "1", IFACE + ",123:7FF"],
                            stdout=subprocess.PIPE, text=True)
    try:
        out = ""
        for _ in range(20):  # candump binds a moment after it starts
            time.sleep(0.1)
            os.write(master, b"t1232ABCD\r")
            try:
                out, _ = dump.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                pass
        if not out.rstrip().endswith(IFACE + " 123#ABCD"):
            fail("the adapter's t1232ABCD did not arrive on %s: %r" % (IFACE, out))
    finally:
        if dump.poll() is None:
            dump.kill()
            dump.wait()
finally:
    slcand.terminate()
    slcand.wait()

# slcand -c closes the adapter's channel when it stops.
got = b""
if not read_until(b"C\r", 2.0):
    fail("slcand did not send C when it stopped: %r" % got)
print("slcan: %s: C S4 O at attach, 079#79 out as t079179, t1232ABCD in as 123#ABCD, C at exit" % IFACE)

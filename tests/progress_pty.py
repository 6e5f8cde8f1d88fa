#!/usr/bin/env python3
"""What stmprog draws for people (tests/test_progress.sh runs this).

  progress_pty.py DIR TRANSPORT SIM STMPROG

On a terminal (stderr on a pseudo-terminal from Python's pty module): a
bar per phase, each frame with the count in the phase's unit (units for
an erase, bytes otherwise), an elapsed field and an ETA field, a rate once
there is one; erase frames count units, not a jump in bytes.  Not on a
terminal: one plain line per finished phase and no control characters.
stdout and stderr into one pipe: the lines in the order they were made
(stdout line-buffered).  Only content and order are checked, never a
duration.
"""
import os
import pty
import re
import subprocess
import sys

problems = []
FRAME = re.compile(
    r"(Erasing|Writing|Verifying|Reading) +\[([#.]{20})\] +(\d+)%  "
    r"(\d+)/(\d+) (units|bytes)  "
    r"(?:([\d.]+) (units/s|B/s|KiB/s|MiB/s)  )?"
    r"(\d+:\d\d\.\d) ETA (--:--|\d+:\d\d)\x1b\[K")
UNIT = {"Erasing": "units", "Writing": "bytes", "Verifying": "bytes",
        "Reading": "bytes"}


def bad(msg):
    problems.append(msg)


def on_pty(argv):
    """Runs argv with stderr on a pty; returns (stderr text, stdout, rc)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            d = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the pty
            break
        if not d:
            break
        chunks.append(d)
    out = p.stdout.read()
    p.wait()
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace"), out.decode(), \
        p.returncode


def frames(text):
    """The bar frames, in order: each starts with \\r and ends with \\e[K."""
    got = []
    for piece in re.findall(r"\r([^\r\n]*\x1b\[K)", text):
        m = FRAME.fullmatch(piece)
        if not m:
            bad("a frame not in the documented form: %r" % piece)
            continue
        got.append(m)
    return got


def check_bars(name, text, expect):
    """Each bar is one line of frames (it ends with its newline) and moves
    forward from 0 to its total; expect: phase -> the total of its first
    bar.  Returns phase -> the frames of its first bar."""
    seen = {}
    for line in text.split("\n"):
        fr = frames(line)
        if not fr:
            continue
        phase = fr[0].group(1)
        dones = []
        for m in fr:
            ph, bar, pct, done, total, unit = m.group(1, 2, 3, 4, 5, 6)
            done, total, pct = int(done), int(total), int(pct)
            if ph != phase:
                bad("%s: %s and %s in one bar" % (name, phase, ph))
            if unit != UNIT[ph]:
                bad("%s: %s counts %s" % (name, ph, unit))
            if (pct != done * 100 // total or
                    bar.count("#") != done * 20 // total):
                bad("%s: %r does not show %d/%d" % (name, m.group(0), done,
                                                    total))
            if m.group(8) and (m.group(8) == "units/s") != (unit == "units"):
                bad("%s: %s rate in %s" % (name, ph, m.group(8)))
            if m.group(7) and m.group(10) == "--:--" and done < total:
                bad("%s: a rate but no ETA: %r" % (name, m.group(0)))
            dones.append((done, total, m))
        counts = [d for d, _, _ in dones]
        if counts != sorted(counts) or counts[-1] != dones[-1][1]:
            bad("%s: a %s bar went %s of %d" % (name, phase, counts,
                                                dones[-1][1]))
        seen.setdefault(phase, dones)
    for phase, total in expect.items():
        got = seen.get(phase, [])
        if not got:
            bad("%s: no %s bar" % (name, phase))
        elif got[0][0] != 0 or got[-1][1] != total:
            bad("%s: the first %s bar went from %d to %d of %d" %
                (name, phase, got[0][0], got[-1][0], got[-1][1]))
    return seen


def main():
    d, transport, sim, prog = sys.argv[1:5]

    def cmd(flash, *args):
        return [sim, "--chip", "0x413", "--flash", os.path.join(d, flash),
                "--transport", transport, "--",
                prog, "-c", "port={port}"] + list(args)

    app1, app2 = os.path.join(d, "app1.bin"), os.path.join(d, "app2.bin")
    up = os.path.join(d, transport + "-up.bin")
    flash = transport + ".flash"

    # Four sectors erased by number, then a program and its verify, then
    # a read to a file (a bar outside any phase).
    text, out, rc = on_pty(cmd(flash, "-e", "0", "1", "2", "3",
                               "-d", app1, "0x08000000", "-v",
                               "-u", "0x08000000", "0x8000", up))
    name = transport + " on a terminal"
    if rc != 0:
        bad("%s: exit %d: %s" % (name, rc, text))
    seen = check_bars(name, text, {"Erasing": 4, "Writing": 20000,
                                   "Verifying": 20000, "Reading": 0x8000})
    # DfuSe erases one sector per request and the library reports each;
    # a UART ROM would take the list in one command, so the library sends
    # it in pieces of about half a second (an F4 sector each) and reports
    # each piece: on both the bar counts the sectors one by one.
    erase = [dn for dn, _, _ in seen.get("Erasing", [])]
    if not {1, 2, 3} <= set(erase):
        bad("%s: the erase bar did not count units: %s" % (name, erase))
    # Between the first and the last step of a phase the events' times
    # give a rate and an ETA (their values are not checked).
    mid = [m for ph in ("Writing", "Verifying") for dn, t, m in
           seen.get(ph, []) if 0 < dn < t]
    if not mid or not all(m.group(7) and m.group(10) != "--:--" for m in mid):
        bad("%s: a frame between 0 and the total without rate or ETA" % name)
    if "Erasing: " in text or "Writing: " in text:
        bad("%s: the plain lines on a terminal" % name)

    # Not a terminal: the plain lines, no bar.
    p = subprocess.run(cmd(flash, "-e", "0", "1", "2", "3", "-d", app2,
                           "0x08000000", "-v"),
                       stdin=subprocess.DEVNULL, capture_output=True)
    err = p.stderr.decode("utf-8", "replace")
    name = transport + " into a pipe"
    for line in ("Erasing: 4 units", "Writing: 20000 bytes",
                 "Verifying: 20000 bytes"):
        if line not in err.splitlines():
            bad("%s: no line %r in %r" % (name, line, err))
    if "\r" in err or "\x1b" in err:
        bad("%s: control characters in %r" % (name, err))

    # One pipe for both: stdout's lines arrive where they were made.
    p = subprocess.run(cmd(flash, "-e", "0", "1", "2", "3", "-d", app1,
                           "0x08000000", "-v"),
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    lines = p.stdout.decode("utf-8", "replace").splitlines()
    name = transport + " into one pipe"
    order = ["Connected through ", "Erasing 4 sector(s)", "Erasing: 4 units",
             "Writing: 20000 bytes", "Verifying: 20000 bytes", "Verified"]
    at = []
    for want in order:
        idx = [i for i, l in enumerate(lines) if l.startswith(want)]
        if not idx:
            bad("%s: no line %r" % (name, want))
            return
        at.append(idx[0])
    if at != sorted(at):
        bad("%s: lines out of order: %s" % (name, lines))


if __name__ == "__main__":
    main()
    for msg in problems:
        print("FAIL:", msg)
    print("%s: %d problem(s)" % (sys.argv[2], len(problems)))
    sys.exit(1 if problems else 0)

#!/usr/bin/env python3
"""Checks what stmprog wrote for machines and people (docs/json.md).

  output_check.py json FILE --rc N [options]   stdout of a --json run
  output_check.py log FILE [--has TEXT ...]    a -log file

Every JSON line is parsed with the json module; every problem found is
printed and the exit status is 1 if there was one.
"""
import argparse
import json
import re
import sys

SCHEMA = 1
EXIT_NAMES = ["ok", "device", "usage", "not-found", "input", "verify",
              "internal", "interrupted"]
EVENT_TYPES = {"log", "phase_begin", "progress", "phase_end", "phase_failed",
               "identified", "unit_repaired", "result"}
TYPES = EVENT_TYPES | {"output", "exit", "version"}
PHASES = {"erase": "units", "write": "bytes", "verify": "bytes",
          "read": "bytes"}

problems = []


def bad(msg):
    problems.append(msg)


def check_phases(lines):
    """Each phase opens, moves forward and closes once, in its unit."""
    open_phase = None
    done = 0
    seen = {}
    for n, o in lines:
        t = o["type"]
        if t not in ("phase_begin", "progress", "phase_end", "phase_failed"):
            continue
        ph = o.get("phase")
        if PHASES.get(ph) != o.get("unit"):
            bad("line %d: phase %r in unit %r" % (n, ph, o.get("unit")))
        if not 0 <= o["done"] <= o["total"]:
            bad("line %d: done %r of %r" % (n, o["done"], o["total"]))
        if t == "phase_begin":
            if open_phase:
                bad("line %d: %s begins inside %s" % (n, ph, open_phase))
            open_phase, done = ph, 0
            seen.setdefault(ph, []).append("begin")
        elif t == "progress":
            if open_phase and ph != open_phase:
                bad("line %d: progress of %s inside %s" % (n, ph, open_phase))
            if ph == open_phase and o["done"] < done:
                bad("line %d: progress went back" % n)
            done = o["done"]
        else:
            if ph != open_phase:
                bad("line %d: %s of %s, which is not open" % (n, t, ph))
            if t == "phase_end" and o["done"] != o["total"]:
                bad("line %d: phase_end with done != total" % n)
            if t == "phase_failed" and (not o.get("status") or
                                        not o.get("message")):
                bad("line %d: phase_failed without status or message" % n)
            open_phase = None
            seen.setdefault(ph, []).append(t)
    return seen


def check_json(a):
    with open(a.file, "rb") as f:
        raw = f.read().split(b"\n")
    if raw and raw[-1] == b"":
        raw.pop()
    else:
        bad("the last line has no newline")
    lines = []
    for n, b in enumerate(raw, 1):
        try:
            o = json.loads(b.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            bad("line %d is not JSON (%s): %r" % (n, e, b[:200]))
            continue
        if not isinstance(o, dict):
            bad("line %d is not an object" % n)
            continue
        if o.get("schema") != SCHEMA:
            bad("line %d: schema %r" % (n, o.get("schema")))
        if o.get("type") not in TYPES:
            bad("line %d: type %r" % (n, o.get("type")))
            continue
        lines.append((n, o))
    if not lines:
        bad("no JSON lines")
        return
    types = [o["type"] for _, o in lines]
    # The run's last line, and only there, is its exit.
    if types.count("exit") != 1 or types[-1] != "exit":
        bad("not exactly one exit line, last: %s" % types[-3:])
    ex = lines[-1][1]
    if ex.get("code") != a.rc:
        bad("exit line code %r, process %d" % (ex.get("code"), a.rc))
    if 0 <= a.rc < len(EXIT_NAMES) and ex.get("code_name") != EXIT_NAMES[a.rc]:
        bad("exit code_name %r" % ex.get("code_name"))
    if a.rc == 0 and (ex.get("status") != "ok" or ex.get("detail")):
        bad("success with status %r detail %r" % (ex.get("status"),
                                                  ex.get("detail")))
    if a.rc != 0 and (ex.get("status") in ("ok", "", None) or
                      not ex.get("detail")):
        bad("failure without status or detail: %r" % ex)
    if a.status and ex.get("status") != a.status:
        bad("exit status %r, expected %r" % (ex.get("status"), a.status))
    for s in a.detail_has:
        if s not in ex.get("detail", ""):
            bad("exit detail %r lacks %r" % (ex.get("detail"), s))
    # Events carry the target and a clock that does not go back.
    last = 0
    for n, o in lines:
        if o["type"] in EVENT_TYPES:
            if not isinstance(o.get("time_ns"), int) or o["time_ns"] < last:
                bad("line %d: time_ns %r after %r" % (n, o.get("time_ns"),
                                                      last))
            else:
                last = o["time_ns"]
            if not isinstance(o.get("target"), str):
                bad("line %d: no target" % n)
        if o["type"] == "log" and o.get("level") not in (
                "error", "warning", "info", "debug", "trace"):
            bad("line %d: level %r" % (n, o.get("level")))
    seen = check_phases(lines)
    for ph in a.phases:
        if seen.get(ph) != ["begin", "phase_end"]:
            bad("phase %s: %r, expected one begin and one end" %
                (ph, seen.get(ph)))
    if a.failed_phase and not any(t == "phase_failed" for t in types):
        bad("no phase_failed line")
    if a.result and "result" not in types:
        bad("no result line")
    for s in a.text:
        if not any(o["type"] == "output" and s in o.get("text", "")
                   for _, o in lines):
            bad("no output line with %r" % s)
    if a.backend:
        ids = [o for _, o in lines if o["type"] == "identified"]
        if len(ids) != 1:
            bad("%d identified lines" % len(ids))
        for o in ids:
            if o.get("backend") != a.backend:
                bad("identified backend %r" % o.get("backend"))
            if o.get("pid") != int(a.pid, 0):
                bad("identified pid %r" % o.get("pid"))
            if not o.get("chip") or not o.get("port"):
                bad("identified without chip or port: %r" % o)
            if o.get("uid_status") != "read" or not re.fullmatch(
                    r"[0-9A-F]{24}", o.get("uid") or ""):
                bad("identified uid %r (%r)" % (o.get("uid"),
                                                o.get("uid_status")))
            if a.usb and not (isinstance(o.get("usb"), dict) and
                              o["usb"].get("vid") == 0x0483 and
                              o["usb"].get("serial")):
                bad("identified usb %r" % o.get("usb"))


def check_log(a):
    stamp = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)")
    prev = ""
    text = []
    with open(a.file, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = stamp.fullmatch(line.rstrip("\n"))
            if not m:
                bad("log line %d has no ISO 8601 time: %r" % (n, line))
                continue
            # Fixed width, so the strings order as the times do.
            if m.group(1) < prev:
                bad("log line %d goes back in time" % n)
            prev = m.group(1)
            text.append(m.group(2))
    if not text:
        bad("empty log")
    for s in a.has:
        if not any(s in t for t in text):
            bad("no log line with %r" % s)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    j = sub.add_parser("json")
    j.add_argument("file")
    j.add_argument("--rc", type=int, required=True)
    j.add_argument("--status")
    j.add_argument("--detail-has", action="append", default=[])
    j.add_argument("--backend")
    j.add_argument("--pid", default="0x413")
    j.add_argument("--usb", action="store_true")
    j.add_argument("--phases", type=lambda s: s.split(","), default=[])
    j.add_argument("--failed-phase", action="store_true")
    j.add_argument("--result", action="store_true")
    j.add_argument("--text", action="append", default=[])
    lg = sub.add_parser("log")
    lg.add_argument("file")
    lg.add_argument("--has", action="append", default=[])
    a = p.parse_args()
    if a.what == "json":
        check_json(a)
    else:
        check_log(a)
    for msg in problems:
        print("%s: %s" % (a.file, msg))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

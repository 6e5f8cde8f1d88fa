#!/usr/bin/env python3
"""The physical bound of a programming run on the simulator.

One model, documented in docs/performance.md ("The bound"): the least time
any host can take for a workload (a transport, a chip, an image, what the
device holds before, the wire's rates), made of

  * the erases of the units the work must erase (each unit's erase_ms),
  * programming: program_us per program unit written,
  * every byte, frame or USB transaction of the commands the bootloader
    protocol needs (identification, erase, write, and the verify: a
    read-back, or the device's CRC where the ROM has GET CHECKSUM),
  * the adapter's turnaround before each reply (UART).

The figures come from the simulator itself (`stmprog-sim --print-timing`,
the same chip model the transports sleep by) and the wire formulas are the
simulator's, written again here:

  * UART: 11 bit times per byte (8E1) at the baud, and --latency-ms before
    the first byte of every reply (docs/simulator.md "Timing";
    contrib/sim/sim_link.c byte_ns, sim_link_send).
  * USB full speed: a control transfer is a setup transaction (8 bytes), a
    transaction per 64 bytes of data stage and a zero-length status
    transaction; a transaction of n bytes is 113 + 8n + 8n/6 bit times at
    12 Mbit/s (docs/simulator.md "USB timing"; contrib/sim/sim_usb.c
    transaction_bits, control_ns).
  * CAN: a classic frame of n bytes with an 11-bit ID is 34 + 8n bits
    plus one stuff bit per 4 after the first plus 13; an FD frame is
    17 + 17/4 + 12 bits at the nominal rate and 5 + 8n, plus stuffing,
    4, the CRC (17 bits up to 16 bytes, else 21) with its fixed stuff bits
    and 2, at the data rate (docs/simulator.md "slcan timing";
    contrib/sim/sim_slcan.c frame_ns).  Stuffing is the worst case, as
    the simulator paces it.

Two strategies are computed for every workload; which one a workload's
bound is stated in bench/run-all's table:

  * "erase": the tool does not look at the device first: it erases every
    unit the image touches, writes the blocks that hold anything but the
    erased value and reads them back (or asks their CRC).
  * "read-first": per unit the cheaper of that and reading the unit first
    (a unit that already holds its final contents needs nothing more; a
    blank one, on flash without ECC words, is written without an erase; a
    unit that differs is erased as above, its read counted as one block).

Used as a module by bench/run-all, or alone:
  bench/bound.py --sim BUILD/contrib/sim/stmprog-sim --chip 0x413 \\
      --transport uart --latency-ms 1 --image img.bin [--before old.bin]
  bench/bound.py --selftest
"""

import argparse
import json
import math
import subprocess
import sys

# ---- the wires -----------------------------------------------------------


def uart_byte_s(baud, bits_per_byte=11):
    return bits_per_byte / baud


def usb_transaction_bits(n):
    """contrib/sim/sim_usb.c transaction_bits(): token 35 + turnaround 8,
    data packet (sync, PID, data with one stuff bit in six, CRC16, EOP,
    turnaround), handshake 19 + turnaround 8."""
    data_bits = n * 8
    return (35 + 8) + (8 + 8 + data_bits + data_bits // 6 + 16 + 3 + 8) + (19 + 8)


def usb_control_s(data_len, bit_rate=12000000):
    """contrib/sim/sim_usb.c control_ns(): setup, data in 64-byte
    transactions, status."""
    bits = usb_transaction_bits(8) + usb_transaction_bits(0)
    done = 0
    while done < data_len:
        bits += usb_transaction_bits(min(64, data_len - done))
        done += 64
    return bits / bit_rate


# Worst-case stuff bits, as the simulator paces frames; False only for
# the selftest's reproduction of the figures, which left them out.
CAN_STUFFING = True


def can_classic_bits(n):
    """contrib/sim/sim_slcan.c frame_ns(), classic, 11-bit ID."""
    stuffable = 34 + 8 * n
    return stuffable + ((stuffable - 1) // 4 if CAN_STUFFING else 0) + 13


FD_LENGTHS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64)


def fd_len(n):
    """An FD frame's data is one of the DLC lengths: padded up to it."""
    for L in FD_LENGTHS:
        if L >= n:
            return L
    raise ValueError("FD frame of %d bytes" % n)


def can_fd_s(n, nominal_kbps, data_kbps):
    """contrib/sim/sim_slcan.c frame_ns(), FD with bit-rate switching,
    11-bit ID: arbitration and ACK/EOF/intermission at the nominal rate,
    the rest at the data rate."""
    n = fd_len(n)
    nom = 17
    nom += nom // 4 + 12
    crc = 17 if n <= 16 else 21
    dat = 5 + 8 * n
    dat += dat // 4 + 4 + crc + (4 + crc) // 4 + 1 + 1
    return nom / (nominal_kbps * 1000.0) + dat / (data_kbps * 1000.0)


# ---- the figures ---------------------------------------------------------


def print_timing(sim, chip, extra=()):
    """The simulator's figures for chip (docs: /tmp contract
    `stmprog-sim --print-timing`, schema 1)."""
    out = subprocess.run([sim, "--chip", chip] + list(extra) + ["--print-timing"],
                         check=True, capture_output=True, text=True).stdout
    t = json.loads(out)
    if t.get("schema") != 1:
        raise RuntimeError("stmprog-sim --print-timing: schema %r" % t.get("schema"))
    return t


# ---- the cost of commands, per transport -------------------------------


class Cost:
    """Seconds, split by what they are spent on."""

    KINDS = ("erase", "program", "wire", "latency")

    def __init__(self):
        self.s = dict.fromkeys(self.KINDS, 0.0)

    def add(self, kind, seconds):
        self.s[kind] += seconds

    def merge(self, other):
        for k in self.KINDS:
            self.s[k] += other.s[k]

    def total(self):
        return sum(self.s.values())


class Uart:
    """AN3155: per command the host's bytes, the device's bytes and the
    replies (each waits the adapter's latency)."""
    block = 256

    def __init__(self, t, baud, latency_ms):
        self.bt = uart_byte_s(baud, t["uart"]["bits_per_byte"])
        self.lat = latency_ms / 1000.0
        self.crc = bool(t["uart"].get("get_checksum"))

    def _cmd(self, c, host, dev, replies):
        c.add("wire", (host + dev) * self.bt)
        c.add("latency", replies * self.lat)

    def connect(self, c, t):
        self._cmd(c, 1, 1, 1)            # 0x7F, ACK
        ncodes = 11 + (1 if self.crc else 0)
        self._cmd(c, 2, 3 + ncodes + 1, 1)   # GET: ACK N version codes ACK
        self._cmd(c, 2, 5, 1)            # GET ID: ACK N PID(2) ACK

    def erase(self, c, units):
        # EXTENDED ERASE: code, then N-1 (2), the numbers (2 each), checksum.
        for i in range(0, len(units), 512):
            k = len(units[i:i + 512])
            self._cmd(c, 2 + 2 + 2 * k + 1, 2, 2)

    def mass_erase(self, c):
        self._cmd(c, 2 + 3, 2, 2)

    def write(self, c, n):
        self._cmd(c, 2 + 5 + 1 + n + 1, 3, 3)

    def read(self, c, n):
        self._cmd(c, 2 + 5 + 2, 3 + n, 3)

    def checksum(self, c, n):
        # GET CHECKSUM 0xA1: code, address, length (each with its
        # checksum), ACKs and the CRC with its checksum.
        self._cmd(c, 2 + 5 + 5, 3 + 1 + 5, 3)


class Usb:
    """DfuSe over full-speed USB: every request a control transfer; each
    DNLOAD is followed by the GETSTATUS that starts it (dfuDNBUSY) and the
    one after bwPollTimeout that sees it done."""

    def __init__(self, t):
        self.block = t["usb"]["transfer_size"]
        self.rate = t["usb"]["bit_rate"]
        self.crc = False

    def _ctl(self, c, n):
        c.add("wire", usb_control_s(n, self.rate))

    def _dnload(self, c, n):
        self._ctl(c, n)
        self._ctl(c, 6)
        self._ctl(c, 6)

    def connect(self, c, t):
        pass  # descriptors: enumeration, before any tool runs

    def erase(self, c, units):
        for _ in units:
            self._dnload(c, 5)           # 0x41 + address

    def mass_erase(self, c):
        self._dnload(c, 1)

    def set_address(self, c, upload=False):
        self._dnload(c, 5)               # 0x21 + address
        if upload:
            self._ctl(c, 0)              # ABORT back to dfuIDLE

    def write(self, c, n):
        self._dnload(c, n)

    def read(self, c, n):
        self._ctl(c, n)


class Can:
    """AN3154 (classic, 8-byte frames, one ACK per data frame) or AN5405
    (FD with bit-rate switching, 64-byte frames, one ACK per command
    phase).  speed_kbps: AN3154's SPEED after connecting."""
    block = 256

    def __init__(self, t, nominal_kbps=None, data_kbps=None, speed_kbps=None):
        self.fd = bool(t["can"]["fd"])
        self.start = nominal_kbps or t["can"]["nominal_kbps"]
        self.kbps = speed_kbps or self.start
        self.dkbps = data_kbps or t["can"]["data_kbps"] or self.kbps
        self.speed = speed_kbps
        self.crc = False

    def frame(self, c, n, kbps=None):
        if self.fd:
            c.add("wire", can_fd_s(n, self.kbps, self.dkbps))
        else:
            c.add("wire", can_classic_bits(n) / ((kbps or self.kbps) * 1000.0))

    def connect(self, c, t):
        if self.fd:
            self.frame(c, 1)             # 0x111 [0x5A]
            self.frame(c, 1)             # ACK
        else:
            self.frame(c, 0, self.start)  # 0x79
            self.frame(c, 1, self.start)
        # GET ID: command, ACK, PID, ACK
        rate = self.start if not self.fd else None
        for n in (0, 1, 2, 1):
            self.frame(c, n, rate)
        if self.speed and not self.fd:
            self.frame(c, 1, self.start)  # SPEED [code]
            self.frame(c, 1, self.start)  # ACK at the old rate
            self.frame(c, 1)              # ACK at the new one

    def erase(self, c, units):
        if self.fd:
            for i in range(0, len(units), 32):
                k = len(units[i:i + 32])
                for n in (2, 1, 2 * k, 1):
                    self.frame(c, n)
        else:
            for i in range(0, len(units), 8):
                k = len(units[i:i + 8])
                for n in (k, 1, 1):
                    self.frame(c, n)

    def mass_erase(self, c):
        for n in ((2, 1, 1) if self.fd else (1, 1, 1)):
            self.frame(c, n)

    def write(self, c, n):
        self.frame(c, 5)
        self.frame(c, 1)
        per = 64 if self.fd else 8
        for i in range(0, n, per):
            self.frame(c, min(per, n - i))
            if not self.fd:
                self.frame(c, 1)
        self.frame(c, 1)

    def read(self, c, n):
        self.frame(c, 5)
        self.frame(c, 1)
        per = 64 if self.fd else 8
        for i in range(0, n, per):
            self.frame(c, min(per, n - i))
        self.frame(c, 1)


# ---- the model -----------------------------------------------------------


def segments_of(data, base):
    """An image as [(addr, bytes)]: one segment (binary files)."""
    return [(base, bytes(data))]


def bound(t, proto, image, before=None, strategy="erase", verify="auto"):
    """The bound of writing image ([(addr, bytes)]) on a device whose flash
    holds before ([(addr, bytes)], None = blank) with proto (Uart, Usb or
    Can).  Returns (total seconds, Cost, notes)."""
    ev = t["erased_value"]
    pu = t["program_unit"]
    ecc = pu >= 8
    blk = proto.block
    use_crc = proto.crc if verify == "auto" else verify == "crc"

    def device_at(addr, n):
        out = bytearray([ev]) * n
        for a, d in before or []:
            lo, hi = max(a, addr), min(a + len(d), addr + n)
            if lo < hi:
                out[lo - addr:hi - addr] = d[lo - a:hi - a]
        return bytes(out)

    # Per unit: the blocks of the image in it (aligned to the block size).
    per_unit = {}
    for a, d in image:
        for u in t["units"]:
            lo, hi = max(a, u["addr"]), min(a + len(d), u["addr"] + u["size"])
            if lo >= hi:
                continue
            final = bytearray([ev]) * u["size"]
            final[lo - u["addr"]:hi - u["addr"]] = d[lo - a:hi - a]
            if u["index"] in per_unit:
                prev = per_unit[u["index"]][1]
                for i in range(lo - u["addr"], hi - u["addr"]):
                    prev[i] = final[i]
            else:
                per_unit[u["index"]] = (u, final, [lo, hi])
            rng = per_unit[u["index"]][2]
            rng[0], rng[1] = min(rng[0], lo), max(rng[1], hi)

    total = Cost()
    proto.connect(total, t)
    notes = []
    blind_units = []
    for idx in sorted(per_unit):
        u, final, (lo, hi) = per_unit[idx]
        # The blocks holding anything but the erased value are written and
        # verified; the rest of the unit is the erase's.
        first = (lo - u["addr"]) // blk * blk
        blocks = []
        for off in range(first, hi - u["addr"], blk):
            n = min(blk, u["size"] - off)
            if any(b != ev for b in final[off:off + n]):
                blocks.append((off, n))
        held = device_at(u["addr"], u["size"])

        def write_verify(c):
            runs = 0
            prev_end = None
            for off, n in blocks:
                if off != prev_end:
                    runs += 1
                prev_end = off + n
                proto.write(c, n)
                nz = sum(1 for i in range(off, off + n, pu)
                         if any(b != ev for b in final[i:i + pu]))
                c.add("program", nz * t["program_us"] / 1e6)
            if isinstance(proto, Usb):
                for _ in range(runs):
                    proto.set_address(c)
            if not blocks:
                return
            if use_crc:
                for _ in range(runs):
                    proto.checksum(c, 0)
            else:
                for off, n in blocks:
                    proto.read(c, n)
                if isinstance(proto, Usb):
                    for _ in range(runs):
                        proto.set_address(c, upload=True)

        blind = Cost()
        blind.add("erase", u["erase_ms"] / 1000.0)
        proto.erase(blind, [idx])
        write_verify(blind)
        if strategy == "erase":
            total.merge(blind)
            blind_units.append(idx)
            continue
        # Read first: the unit in blocks (one block when it differs from
        # its final contents and is not blank: the first difference).
        first_look = Cost()
        blank = all(b == ev for b in held)
        if held == bytes(final):
            nread = u["size"]
        elif blank:
            nread = u["size"]
        else:
            nread = blk
        if use_crc and held == bytes(final):
            proto.checksum(first_look, u["size"])
        else:
            for off in range(0, nread, blk):
                proto.read(first_look, min(blk, u["size"] - off))
        if isinstance(proto, Usb):
            proto.set_address(first_look, upload=True)
        if held == bytes(final):
            pass
        elif blank and not ecc:
            write_verify(first_look)
        else:
            first_look.merge(blind)
        if first_look.total() < blind.total():
            total.merge(first_look)
        else:
            total.merge(blind)
            blind_units.append(idx)
    if blind_units and len(blind_units) == len(t["units"]) and t.get("mass_erase"):
        units_ms = sum(per_unit[i][0]["erase_ms"] for i in blind_units)
        if t["mass_erase_ms"] < units_ms:
            total.add("erase", (t["mass_erase_ms"] - units_ms) / 1000.0)
            notes.append("mass erase")
    notes.append("%d of %d touched units erased" % (len(blind_units), len(per_unit)))
    notes.append("verify by %s" % ("device CRC" if use_crc else "read-back"))
    return total.total(), total, notes


def make_proto(t, transport, baud=115200, latency_ms=None, can_kbps=None,
               can_data_kbps=None, speed_kbps=None):
    if transport == "uart":
        lat = t["uart"]["latency_ms"] if latency_ms is None else latency_ms
        return Uart(t, baud, lat)
    if transport == "usb":
        return Usb(t)
    if transport == "slcan":
        return Can(t, can_kbps, can_data_kbps, speed_kbps)
    raise ValueError(transport)


# ---- the figures, as a check of the model ---------------------


def _f4_as_filed():
    """The F4 as the figures of issue 17 were computed: every sector
    1000 ms, 16 us per 4-byte word, 1 ms latency, 2048-byte transfers."""
    sizes = [16384] * 4 + [65536] + [131072] * 7
    units, a = [], 0x08000000
    for i, s in enumerate(sizes):
        units.append({"index": i, "addr": a, "size": s, "bank": 0, "erase_ms": 1000})
        a += s
    return {"schema": 1, "erased_value": 255, "program_unit": 4, "program_us": 16,
            "units": units, "mass_erase_ms": 8000, "mass_erase": True,
            "uart": {"bits_per_byte": 11, "latency_ms": 1, "get_checksum": False},
            "usb": {"transfer_size": 2048, "bit_rate": 12000000},
            "can": {"classic": True, "fd": False, "nominal_kbps": 125, "data_kbps": 0}}


def selftest():
    t = _f4_as_filed()
    img = lambda kib: [(0x08000000, b"\x5a" * (kib * 1024))]
    got = {
        "uart 128 KiB": bound(t, make_proto(t, "uart"), img(128))[0],
        "usb 512 KiB": bound(t, make_proto(t, "usb"), img(512))[0],
        "can 64 KiB 125k": bound(t, make_proto(t, "slcan"), img(64))[0],
        "can 64 KiB 1M": bound(t, make_proto(t, "slcan", speed_kbps=1000), img(64))[0],
    }
    # The 23.2 s and 6.6 s left the stuff bits out; with the
    # simulator's worst-case stuffing the same work is 27.2 s and 7.1 s.
    want = {"uart 128 KiB": 34.8, "usb 512 KiB": 11.1,
            "can 64 KiB 125k": 27.2, "can 64 KiB 1M": 7.1}
    global CAN_STUFFING
    CAN_STUFFING = False
    got["can 125k, no stuff"] = bound(t, make_proto(t, "slcan"), img(64))[0]
    got["can 1M, no stuff"] = bound(t, make_proto(t, "slcan", speed_kbps=1000), img(64))[0]
    CAN_STUFFING = True
    want["can 125k, no stuff"], want["can 1M, no stuff"] = 23.2, 6.6
    bad = 0
    for k, v in got.items():
        ok = abs(v - want[k]) <= 0.1
        bad += not ok
        print("%-20s %6.2f s (expected %.1f) %s" % (k, v, want[k], "ok" if ok else "WRONG"))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--selftest", action="store_true",
                    help="the issue's F4 figures from the model")
    ap.add_argument("--sim", default="contrib/sim/stmprog-sim")
    ap.add_argument("--chip", default="0x413")
    ap.add_argument("--transport", choices=("uart", "usb", "slcan"), default="uart")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--latency-ms", type=int, default=1)
    ap.add_argument("--can-bitrate", type=int)
    ap.add_argument("--can-data-bitrate", type=int)
    ap.add_argument("--speed", type=int, help="AN3154 SPEED after connecting, kbit/s")
    ap.add_argument("--image", help="binary image")
    ap.add_argument("--address", type=lambda s: int(s, 0), default=0x08000000)
    ap.add_argument("--before", help="binary the flash holds before (default blank)")
    ap.add_argument("--strategy", choices=("erase", "read-first"), default="erase")
    args = ap.parse_args()
    if args.selftest:
        return selftest()
    if not args.image:
        ap.error("--image is needed (or --selftest)")
    t = print_timing(args.sim, args.chip, ["--latency-ms", str(args.latency_ms)])
    proto = make_proto(t, args.transport, args.baud, args.latency_ms,
                       args.can_bitrate, args.can_data_bitrate, args.speed)
    with open(args.image, "rb") as f:
        image = segments_of(f.read(), args.address)
    before = None
    if args.before:
        with open(args.before, "rb") as f:
            before = segments_of(f.read(), args.address)
    s, cost, notes = bound(t, proto, image, before, args.strategy)
    print("%.3f s (%s; %s)" % (s, ", ".join("%s %.3f" % kv for kv in cost.s.items()),
                                "; ".join(notes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A pcapng block the reader cannot use but can step over (an Enhanced Packet Block naming an
interface no Interface Description Block defined): the frames before and after it are still
processed, `packets` reports it in place as an error object with the code, the file and the
frame count so far (as every capture-level error object), `conns` counts it in the summary's
skipped_capture_blocks, and both exit 0 (the capture was read to its end).

usage: cli_skipped_block.py --tcpsift BIN
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packet_builder import SYN, ethernet_ipv4_tcp  # noqa: E402


def syn_frame(sport):
    return ethernet_ipv4_tcp(bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2]), sport, 80, 1000, 0,
                             SYN)


def block(kind, body):
    body += b"\0" * (-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def epb(interface, usec, frame):
    return block(6, struct.pack("<IIIII", interface, usec >> 32, usec & 0xFFFFFFFF, len(frame),
                                len(frame)) + frame)


def write_capture(path):
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(1, struct.pack("<HHI", 1, 0, 65535))
    t = 1700000000 * 10**6
    with open(path, "wb") as f:
        f.write(shb + idb + epb(0, t, syn_frame(40001)) + epb(7, t + 1, syn_frame(40002)) +
                epb(0, t + 2, syn_frame(40003)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "skipped.pcapng")
        write_capture(cap)
        r = subprocess.run([args.tcpsift, "packets", cap], stdout=subprocess.PIPE, text=True)
        lines = [json.loads(x) for x in r.stdout.splitlines()]
        want = [{"frame": 1, "sport": 40001},
                {"error": "unknown_interface", "file": cap, "after_frame": 1},
                {"frame": 2, "sport": 40003}]
        if r.returncode != 0:
            failures.append("packets exited %d" % r.returncode)
        if len(lines) != len(want) or any(any(got.get(k) != v for k, v in w.items())
                                          for got, w in zip(lines, want)):
            failures.append("packets printed %s, expected objects with %s" % (lines, want))
        r = subprocess.run([args.tcpsift, "conns", cap], stdout=subprocess.PIPE, text=True)
        lines = [json.loads(x) for x in r.stdout.splitlines()]
        conns = [o for o in lines if "id" in o]
        summary = next((o["summary"] for o in lines if "summary" in o), {})
        if r.returncode != 0:
            failures.append("conns exited %d" % r.returncode)
        if [c.get("cport") for c in conns] != [40001, 40003]:
            failures.append("conns: connections %s, expected cports 40001 and 40003" % conns)
        if summary.get("skipped_capture_blocks") != 1 or summary.get("frames") != 2:
            failures.append("conns summary: %s" % summary)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("skipped block: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Span-port duplicates (issue 8): a capture holding every frame twice.

For each classic-pcap capture under the given directories, writes a copy in
which every record appears twice (the copy 1 microsecond/nanosecond later,
as a mirror port records it), runs `tcpsift conns --span-duplicates 100` on
the original and on the copy, and requires the outputs to be equal except for
the duplicate counters: each connection's `events.duplicate_frame`, and the
summary's `frames`, packet counts, `duplicate_frames` and
`events.duplicate_frame`; decode errors are counted per frame, so the
summary's `errors` must be exactly doubled, but for the fragment pool's: a repeated
fragment meets the pool's state (an exact duplicate is ignored, a copy of the fragment that
made the pool discard its datagram is `frag_discarded`), so of the summary's `defrag` counters
and `frag_*` errors only the datagrams handed on (`reassembled`, `discarded`) must be equal.
It also requires that the
copies, read *without* the option, differ for every capture but those whose
duplicates something else absorbs (IP fragments: defragmentation drops a
repeated fragment), so the equality is the option's doing.

usage: span_duplicates.py --tcpsift BIN DIR... (exit 0 when every capture agrees)
"""
import argparse
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

DUP_KEYS_SUMMARY = ("frames", "tcp_packets", "udp_packets", "other_packets", "duplicate_frames")


def doubled(data):
    """The capture with every record repeated, the copy one tick later."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None  # pcapng: not handled here
    out = [data[:24]]
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(end + "IIII", data[pos:pos + 16])
        rec = data[pos + 16:pos + 16 + incl]
        if len(rec) < incl:
            break
        out.append(data[pos:pos + 16] + rec)
        out.append(struct.pack(end + "IIII", sec, frac + 1, incl, orig) + rec)
        pos += 16 + incl
    return b"".join(out)


def conns(tcpsift, path, *opts):
    res = subprocess.run([tcpsift, "conns", *opts, path], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{path}: exit {res.returncode}: {res.stderr.strip()}")
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def normalised(objs, halve_errors=False):
    out = []
    for o in objs:
        o = json.loads(json.dumps(o))
        if "summary" in o:
            s = o["summary"]
            defrag = s.pop("defrag", None)
            if defrag:
                s["defrag_datagrams"] = {k: defrag[k] for k in ("reassembled", "discarded")}
            for k in [k for k in s.get("errors", {}) if k.startswith("frag_")]:
                del s["errors"][k]
            if halve_errors:
                errs = s.get("errors", {})
                if any(v % 2 for v in errs.values()):
                    errs["odd_count_in_doubled_capture"] = 2
                s["errors"] = {k: v // 2 for k, v in errs.items()}
            for k in DUP_KEYS_SUMMARY:
                s.pop(k, None)
            s.get("events", {}).pop("duplicate_frame", None)
        else:
            o.get("events", {}).pop("duplicate_frame", None)
        out.append(o)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()
    captures = sorted(p for d in args.dirs for p in glob.glob(os.path.join(d, "*.pcap")))
    checked = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap in captures:
            with open(cap, "rb") as f:
                twice = doubled(f.read())
            if twice is None:
                continue
            copy = os.path.join(tmp, "twice.pcap")
            with open(copy, "wb") as f:
                f.write(twice)
            want = normalised(conns(args.tcpsift, cap, "--span-duplicates", "100"))
            got = normalised(conns(args.tcpsift, copy, "--span-duplicates", "100"), True)
            plain = normalised(conns(args.tcpsift, copy), True)
            checked += 1
            if got != want:
                failed += 1
                print(f"FAIL {cap}: doubled capture differs beyond the duplicate counters")
                for a, b in zip(want, got):
                    if a != b:
                        print(f"  want {json.dumps(a)}\n  got  {json.dumps(b)}")
                        break
            elif plain == want and not os.path.basename(cap).startswith("fragments"):
                failed += 1
                print(f"FAIL {cap}: without --span-duplicates the doubled capture looks the same")
            else:
                dups = [o for o in conns(args.tcpsift, copy, "--span-duplicates", "100")
                        if "summary" in o][0]["summary"].get("duplicate_frames", 0)
                print(f"ok   {cap}: {dups} duplicate frames ignored")
    print(f"{checked - failed} of {checked} captures agree")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

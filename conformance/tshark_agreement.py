#!/usr/bin/env python3
"""Compare `tcpsift packets` with tshark's per-TCP-packet oracle (.tshark.tsv)
for every capture under ../shared/captures/external.

Every TCP row tshark printed must match tcpsift's frame field by field, unless
the (capture, frame, field) is listed in tshark-exceptions.tsv with a reason
(a documented tshark error, or a feature whose issue has not landed yet).
A listed exception that no longer occurs is also a failure, so the list stays
true. Prints one row per capture and a closing 'N passed, N failed' line.
"""
import argparse
import csv
import json
import os
import subprocess
import sys

# tshark column -> function(tcpsift frame object) giving the comparable text
def _opt(key):
    return lambda f: "" if key not in f.get("opts", {}) else str(f["opts"][key])

def _addr(version_key, key):
    def get(f):
        if key not in f:
            return ""
        is_v6 = ":" in f[key]
        return f[key] if (version_key == "ipv6") == is_v6 else ""
    return get

CSUM = {"bad": "0", "good": "1", "unverified": "2"}
FIELDS = [
    ("ip.src", _addr("ip", "src")),
    ("ipv6.src", _addr("ipv6", "src")),
    ("tcp.srcport", lambda f: str(f.get("sport", ""))),
    ("ip.dst", _addr("ip", "dst")),
    ("ipv6.dst", _addr("ipv6", "dst")),
    ("tcp.dstport", lambda f: str(f.get("dport", ""))),
    ("tcp.seq_raw", lambda f: str(f.get("seq", ""))),
    ("tcp.ack_raw", lambda f: str(f.get("ack", ""))),
    ("tcp.flags", lambda f: "" if "flags" not in f else "0x%04x" % f["flags"]),
    ("tcp.window_size_value", lambda f: str(f.get("win", ""))),
    ("tcp.len", lambda f: str(f.get("len", ""))),
    ("tcp.options.mss_val", _opt("mss")),
    ("tcp.options.wscale.shift", _opt("ws")),
    ("tcp.options.sack_perm", lambda f: "1" if f.get("opts", {}).get("sack_perm") else ""),
    ("tcp.options.timestamp.tsval", _opt("tsval")),
    ("tcp.options.timestamp.tsecr", _opt("tsecr")),
    ("tcp.checksum.status", lambda f: CSUM.get(f.get("csum"), "")),
]


def load_exceptions(path):
    table = {}
    if not os.path.exists(path):
        return table
    with open(path, newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "capture":
                continue
            capture, frame, field, reason = row[0], row[1], row[2], row[3]
            table[(capture, frame, field)] = reason
    return table


def run_tcpsift(tcpsift, capture):
    proc = subprocess.run([tcpsift, "packets", capture], capture_output=True, text=True)
    frames = {}
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        if "frame" in obj:
            frames[str(obj["frame"])] = obj
    return proc.returncode, frames, proc.stderr


def matches_exception(exceptions, capture, frame, field):
    for key in ((capture, frame, field), (capture, frame, "*"), (capture, "*", field),
                (capture, "*", "*")):
        if key in exceptions:
            return key
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("--shared", required=True, help="path to the shared/ directory")
    ap.add_argument("--exceptions", default=os.path.join(os.path.dirname(__file__),
                                                         "tshark-exceptions.tsv"))
    ap.add_argument("--captures", help="compare the captures under this directory instead of "
                    "the shared external ones (e.g. conformance/tunnels)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    root = args.captures or os.path.join(args.shared, "captures", "external")
    if not os.path.isdir(root):
        print("SKIPPED: %s is absent; the tshark agreement test did not run" % root)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    exceptions = load_exceptions(args.exceptions)
    used = set()
    captures = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".tshark.tsv"):
                captures.append(os.path.join(dirpath, name[: -len(".tshark.tsv")]))
    captures.sort()

    passed = failed = 0
    total_rows = total_agree = total_excused = 0
    print("%-78s %6s %6s %6s  %s" % ("capture", "rows", "agree", "excused", "result"))
    for cap in captures:
        rel = os.path.relpath(cap, root)
        rc, frames, err = run_tcpsift(args.tcpsift, cap)
        problems = []
        if rc != 0:
            problems.append("exit status %d: %s" % (rc, err.strip()[:200]))
        rows = agree = excused = 0
        with open(cap + ".tshark.tsv", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            header = next(reader)
            col = {name: i for i, name in enumerate(header)}
            for row in reader:
                if not row:
                    continue
                rows += 1
                frame_no = row[col["frame.number"]]
                mine = frames.get(frame_no)
                row_ok = True
                for field, get in FIELDS:
                    theirs = row[col[field]] if col[field] < len(row) else ""
                    ours = get(mine) if mine is not None else "<missing frame>"
                    if ours == theirs:
                        continue
                    key = matches_exception(exceptions, rel, frame_no, field)
                    if key:
                        used.add(key)
                        row_ok = None if row_ok is not False else False
                        continue
                    row_ok = False
                    problems.append("frame %s %s: tshark %r, tcpsift %r" % (frame_no, field, theirs, ours))
                if row_ok is True:
                    agree += 1
                elif row_ok is None:
                    excused += 1
        total_rows += rows
        total_agree += agree
        total_excused += excused
        ok = not problems
        passed += ok
        failed += not ok
        print("%-78s %6d %6d %6d  %s" % (rel, rows, agree, excused, "ok" if ok else "FAIL"))
        for p in problems[: (len(problems) if args.verbose else 8)]:
            print("    " + p)
        if len(problems) > 8 and not args.verbose:
            print("    ... %d more (use -v)" % (len(problems) - 8))

    stale = [k for k in exceptions if k not in used]
    for k in stale:
        print("STALE exception (no longer occurs, remove it): %s" % "\t".join(k))
    if stale:
        failed += 1
    pct = 100.0 * total_agree / total_rows if total_rows else 0.0
    print("TCP rows: %d, agree: %d (%.2f%%), documented exceptions: %d"
          % (total_rows, total_agree, pct, total_excused))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check `tcpsift frames` on every capture under conformance/captures/ that has
a <name>.messages.json sidecar: each direction's frames must be exactly the
messages the application wrote (recorded when the capture was made), and
`tcpsift conns` must report the recorded end. Prints a row per capture and a
closing 'N passed, N failed' line."""
import argparse
import glob
import json
import os
import subprocess
import sys


def frames_of(tcpsift, capture, spec):
    out = subprocess.run([tcpsift, "frames", "--framing", spec, capture],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError("frames exit %d: %s" % (out.returncode, out.stderr.strip()))
    got = {}
    for line in out.stdout.splitlines():
        obj = json.loads(line)
        if "conn" not in obj or obj.get("proto") == "udp":
            continue
        if "error" in obj:
            got.setdefault((obj["conn"], obj["dir"]), []).append("<error %s>" % obj["error"])
        else:
            got.setdefault((obj["conn"], obj["dir"]), []).append(obj["data"])
    return got


def conns_of(tcpsift, capture):
    out = subprocess.run([tcpsift, "conns", capture], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError("conns exit %d: %s" % (out.returncode, out.stderr.strip()))
    return [json.loads(l) for l in out.stdout.splitlines() if '"proto":"tcp"' in l]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("--captures", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "captures"))
    args = ap.parse_args()
    sidecars = sorted(glob.glob(os.path.join(args.captures, "**", "*.messages.json"),
                                recursive=True))
    passed = failed = 0
    for sidecar in sidecars:
        meta = json.load(open(sidecar))
        capture = os.path.join(os.path.dirname(sidecar), meta["capture"])
        problems = []
        try:
            got = frames_of(args.tcpsift, capture, meta["framing"])
            conns = conns_of(args.tcpsift, capture)
        except RuntimeError as e:
            problems.append(str(e))
            got, conns = {}, []
        for i, want in enumerate(meta["connections"]):
            conn = next((c for c in conns if c["client"] == want["client"]
                         and c["cport"] == want["cport"] and c["server"] == want["server"]
                         and c["sport"] == want["sport"]), None)
            if conn is None:
                problems.append("connection %d (%s:%s -> %s:%s) not reported" % (
                    i, want["client"], want["cport"], want["server"], want["sport"]))
                continue
            for d in ("c2s", "s2c"):
                expect = want[d + "_messages_hex"]
                have = got.get((conn["id"], d), [])
                if have != expect:
                    problems.append("conn %d %s: expected %d messages, got %d; first difference "
                                    "at message %d" % (conn["id"], d, len(expect), len(have),
                                                      next((k for k, (a, b) in enumerate(
                                                          zip(expect, have)) if a != b),
                                                          min(len(expect), len(have)))))
            if "end" in want and conn["end"] != want["end"]:
                problems.append("conn %d: end %s, expected %s" % (conn["id"], conn["end"],
                                                                  want["end"]))
        ok = not problems
        passed += ok
        failed += not ok
        print("%-60s %s" % (os.path.relpath(capture, args.captures), "ok" if ok else "FAIL"))
        for p in problems:
            print("    " + p)
    if not sidecars:
        print("no capture with a .messages.json sidecar found under %s" % args.captures)
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

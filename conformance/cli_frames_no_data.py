#!/usr/bin/env python3
"""frames --no-data leaves out "data" and nothing else (the CLI contract): on every capture under
the given directories and several framing specs (one with header bytes before the length field,
so frames carry "header"), each --no-data line equals the line printed without the option, its
"data" key removed, and both runs exit alike.

usage: cli_frames_no_data.py --tcpsift BIN DIR...
"""
import argparse
import glob
import json
import os
import subprocess
import sys

SPECS = ["len:4:be", "len:2,offset=2", "len:1,offset=3,adjust=-1", "line", "delim:0d0a",
         "json-header:4"]


def run(binary, args):
    p = subprocess.run([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace").splitlines()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    captures = sorted(c for d in a.dirs for c in glob.glob(os.path.join(d, "*.pcap*"))
                      if not c.endswith((".json", ".tsv")))
    if not captures:
        print("FAIL: no captures under", a.dirs)
        return 1
    failures, frames, headers = 0, 0, 0
    for cap in captures:
        for spec in SPECS:
            rc_full, full = run(a.tcpsift, ["frames", "--framing", spec, cap])
            rc_bare, bare = run(a.tcpsift, ["frames", "--framing", spec, "--no-data", cap])
            want = []
            for line in full:
                obj = json.loads(line)
                if "dir" in obj:  # a frame (the last line is the summary)
                    frames += 1
                    headers += "header" in obj
                obj.pop("data", None)
                want.append(obj)
            got = [json.loads(line) for line in bare]
            if rc_full != rc_bare or got != want:
                failures += 1
                first = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                             min(len(got), len(want)))
                print("FAIL: %s %s: exit %d/%d, line %d: --no-data %s, expected %s" % (
                    os.path.basename(cap), spec, rc_bare, rc_full, first + 1,
                    got[first] if first < len(got) else "(none)",
                    want[first] if first < len(want) else "(none)"))
    if headers == 0:
        print("FAIL: no frame carried a header: the check would not see one dropped")
        failures += 1
    print("%s: %d captures x %d specs, %d frames (%d with a header)" % (
        "FAIL" if failures else "PASS", len(captures), len(SPECS), frames, headers))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check `tcpsift frames` and `tcpsift conns` on every capture under
conformance/captures/ that has a <name>.messages.json sidecar (the crafted
captures and the real-stack ones recorded by conformance/record/record.sh).

The sidecar records what each side's application wrote and how the capture was
made; every expectation comes from that construction, never from tcpsift:
  framing                          the SPEC the application used (`frames --framing`)
  connections[]                    every connection of the capture, in order, matched by its
                                   4-tuple (the n-th with a reused tuple to the n-th id):
    c2s_messages_hex, s2c_messages_hex   frames must be exactly these messages, in order
    c2s_frames_hex, s2c_frames_hex       optional: the frames instead, when the capture lost
                                   part of the messages ("<error CODE>" for an error frame)
    end                            `conns` end (fin, half_closed, rst, rejected, syn_unanswered)
    c2s_stream_bytes, s2c_stream_bytes   optional: bytes the application wrote, all delivered
    gaps                           optional: bytes never seen, in each direction (0 when the
                                   capture point sees every byte the receiver got)
    handshake                      optional: SYN, SYN-ACK and ACK all captured
    rst_unconfirmed, direction_guessed   optional: as the CLI contract defines them
    events_constructed             optional: {anomaly: count} the capture was built to hold
    client_state, server_state     optional: endpoint states that follow from construction,
    states_reason                  with the reason (RFC 9293 sections)
  known_bug                        optional (top level or per connection): a mismatch that is
                                   a known tcpsift bug; printed loudly as KNOWN BUG, not a
                                   failure, and reported as FIXED? once the check passes
Prints a row per capture and a closing 'N passed, N failed' line; exits 1 on a failure."""
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


def check_connection(i, want, conns, got, nth):
    """Problems found for one expected connection (empty when it matches). nth: how many
    earlier expected connections have the same 4-tuple (a reused tuple gives new ids)."""
    same = sorted((c for c in conns if c["client"] == want["client"]
                   and c["cport"] == want["cport"] and c["server"] == want["server"]
                   and c["sport"] == want["sport"]), key=lambda c: c["id"])
    conn = same[nth] if nth < len(same) else None
    if conn is None:
        return ["connection %d (%s:%s -> %s:%s) not reported" % (
            i, want["client"], want["cport"], want["server"], want["sport"])]
    problems = []
    for d in ("c2s", "s2c"):
        # <dir>_frames_hex, when given, are the frames construction and the CLI contract
        # fix when the capture lost part of the messages (e.g. a snap length).
        expect = want.get(d + "_frames_hex", want[d + "_messages_hex"])
        have = got.get((conn["id"], d), [])
        if have != expect:
            k = next((k for k, (a, b) in enumerate(zip(expect, have)) if a != b),
                     min(len(expect), len(have)))
            problems.append("conn %d %s: expected %d messages, got %d; first difference at "
                            "message %d%s" % (conn["id"], d, len(expect), len(have), k,
                                              " (got %s)" % have[k][:40] if k < len(have) else ""))
        key = d + "_stream_bytes"
        if key in want and conn.get(key) != want[key]:
            problems.append("conn %d: %s %s, expected %d" % (conn["id"], key, conn.get(key),
                                                             want[key]))
        if "gaps" in want and conn.get(d + "_gaps") != want["gaps"]:
            problems.append("conn %d: %s_gaps %s, expected %d" % (conn["id"], d,
                                                                 conn.get(d + "_gaps"), want["gaps"]))
    for key in ("end", "handshake", "client_state", "server_state", "rst_unconfirmed",
                "direction_guessed"):
        if key in want and conn.get(key) != want[key]:
            problems.append("conn %d: %s %s, expected %s" % (conn["id"], key, conn.get(key),
                                                            want[key]))
    # events_constructed: anomalies the capture was built to contain, with their exact
    # counts (other events are recorded outputs, checked by conformance/run).
    for name, count in want.get("events_constructed", {}).items():
        have = conn.get("events", {}).get(name, 0)
        if have != count:
            problems.append("conn %d: event %s counted %d, constructed %d" % (
                conn["id"], name, have, count))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("--captures", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "captures"))
    args = ap.parse_args()
    sidecars = sorted(glob.glob(os.path.join(args.captures, "**", "*.messages.json"),
                                recursive=True))
    passed = failed = known = 0
    for sidecar in sidecars:
        with open(sidecar) as f:
            meta = json.load(f)
        capture = os.path.join(os.path.dirname(sidecar), meta["capture"])
        problems, known_bugs = [], []
        try:
            got = frames_of(args.tcpsift, capture, meta["framing"])
            conns = conns_of(args.tcpsift, capture)
        except RuntimeError as e:
            problems.append(str(e))
            got, conns = {}, []
        if meta.get("known_bug"):
            known_bugs.append(meta["known_bug"])
        seen = {}
        for i, want in enumerate(meta["connections"]):
            if want.get("known_bug"):
                known_bugs.append(want["known_bug"])
            key = (want["client"], want["cport"], want["server"], want["sport"])
            problems += check_connection(i, want, conns, got, seen.get(key, 0))
            seen[key] = seen.get(key, 0) + 1
        if len(conns) != len(meta["connections"]):
            problems.append("%d TCP connections reported, %d recorded" % (
                len(conns), len(meta["connections"])))
        name = os.path.relpath(capture, args.captures)
        if problems and known_bugs:
            known += 1
            print("%-60s KNOWN BUG" % name)
            for b in known_bugs:
                print("    KNOWN BUG: " + b)
        elif problems:
            failed += 1
            print("%-60s FAIL" % name)
        elif known_bugs:
            # A known bug that no longer shows: the sidecar must be updated, so
            # the list of known bugs stays true.
            failed += 1
            print("%-60s FAIL (stale known_bug: it passes now, remove the note)" % name)
        else:
            passed += 1
            print("%-60s ok" % name)
        for p in problems:
            print("    " + p)
    if not sidecars:
        print("no capture with a .messages.json sidecar found under %s" % args.captures)
        failed += 1
    print("%d passed, %d failed%s" % (passed, failed,
                                      ", %d KNOWN BUG (not counted as failures)" % known
                                      if known else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

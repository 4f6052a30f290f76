#!/usr/bin/env python3
"""--reasm-cap, --reasm-segments and --reasm-memcap: what a direction, and all directions
together, may hold out of order. The capture: three connections whose clients each send a
segment that is lost until the end (retransmitted last) and ten 1,000-byte segments after it,
interleaved, so each client direction holds 10,000 bytes out of order at once (30,000 in all).

  no option                 every stream whole: no gaps, no cap hit, the messages intact
  --reasm-memcap 12000      the three together exceed it: gaps, reassembly_memcap, memcap_hits
  --reasm-memcap 1000000    room for all: the same as no option
  --reasm-cap 4000          each direction exceeds it alone: gaps in every connection
  --reasm-segments 4        each direction holds more than 4 pieces: reassembly_segment_cap
  bad values                exit 2 (usage)

usage: cli_reassembly_caps.py --tcpsift BIN
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packet_builder import ACK, FIN, PSH, SYN, write_pcap  # noqa: E402
from packet_builder import ethernet_ipv4_tcp as frame  # noqa: E402

SERVER = bytes([198, 51, 100, 20])
PIECES, PIECE = 10, 1000
CONNS = 3


def piece(conn, k):
    """Piece k of connection conn's stream: a 4-byte big-endian length prefix and its body."""
    body = bytes([(conn * 31 + k) & 0xFF]) * (PIECE - 4)
    return struct.pack("!I", len(body)) + body


def write_capture(path):
    clients = [(bytes([192, 0, 2, 10 + i]), 40000 + i) for i in range(CONNS)]
    isn_c, isn_s = 1000, 5000
    frames = []
    for i, (c, cp) in enumerate(clients):
        frames.append(frame(c, SERVER, cp, 7000, isn_c, 0, SYN))
        frames.append(frame(SERVER, c, 7000, cp, isn_s, isn_c + 1, SYN | ACK))
        frames.append(frame(c, SERVER, cp, 7000, isn_c + 1, isn_s + 1, ACK))
    # Piece 0 is lost; pieces 1..PIECES arrive interleaved over the connections.
    for k in range(1, PIECES + 1):
        for i, (c, cp) in enumerate(clients):
            seq = isn_c + 1 + k * PIECE
            frames.append(frame(c, SERVER, cp, 7000, seq, isn_s + 1, PSH | ACK, piece(i, k)))
    total = (PIECES + 1) * PIECE
    for i, (c, cp) in enumerate(clients):
        frames.append(frame(c, SERVER, cp, 7000, isn_c + 1, isn_s + 1, PSH | ACK, piece(i, 0)))
        frames.append(frame(SERVER, c, 7000, cp, isn_s + 1, isn_c + 1 + total, ACK))
        frames.append(frame(c, SERVER, cp, 7000, isn_c + 1 + total, isn_s + 1, FIN | ACK))
        frames.append(frame(SERVER, c, 7000, cp, isn_s + 1, isn_c + 2 + total, FIN | ACK))
        frames.append(frame(c, SERVER, cp, 7000, isn_c + 2 + total, isn_s + 2, ACK))
    write_pcap(path, frames)


def run(binary, args, capture):
    r = subprocess.run([binary] + args + [capture], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    lines = [json.loads(line) for line in r.stdout.splitlines() if line]
    return r.returncode, lines, r.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    args = ap.parse_args()
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "held.pcap")
        write_capture(cap)

        def conns(opts):
            rc, lines, err = run(args.tcpsift, ["conns"] + opts, cap)
            check(rc == 0, "conns %s: exit %d: %s" % (opts, rc, err.strip()))
            return [o for o in lines if "id" in o], next((o["summary"] for o in lines
                                                          if "summary" in o), {})

        def events(c, name):
            return c.get("events", {}).get(name, 0)

        plain, plain_sum = conns([])
        check(len(plain) == CONNS, "no option: %d connections" % len(plain))
        for c in plain:
            check(c.get("c2s_gaps", 0) == 0 and c.get("c2s_stream_bytes") == (PIECES + 1) * PIECE,
                  "no option: connection %s not whole: %s" % (c.get("id"), c))
        check(plain_sum.get("memcap_hits") == 0, "no option: memcap_hits %s" % plain_sum)

        roomy, roomy_sum = conns(["--reasm-memcap", "1000000"])
        check(roomy == plain, "--reasm-memcap 1000000 changed the connections")

        capped, capped_sum = conns(["--reasm-memcap", "12000"])
        check(capped_sum.get("memcap_hits", 0) > 0, "--reasm-memcap 12000: no memcap_hits")
        check(sum(c.get("c2s_gaps", 0) for c in capped) >= PIECE,
              "--reasm-memcap 12000: no gap: %s" % capped)
        check(sum(events(c, "reassembly_memcap") for c in capped) > 0,
              "--reasm-memcap 12000: no reassembly_memcap event: %s" % capped)

        per, per_sum = conns(["--reasm-cap", "4000"])
        for c in per:
            check(c.get("c2s_gaps", 0) >= PIECE and events(c, "reassembly_memcap") > 0,
                  "--reasm-cap 4000: connection %s has no gap or event: %s" % (c.get("id"), c))

        seg, seg_sum = conns(["--reasm-segments", "4"])
        for c in seg:
            check(c.get("c2s_gaps", 0) >= PIECE and events(c, "reassembly_segment_cap") > 0,
                  "--reasm-segments 4: connection %s has no gap or event: %s" % (c.get("id"), c))
        check(seg_sum.get("memcap_hits", 0) > 0, "--reasm-segments 4: no memcap_hits")

        # The messages: whole without caps; with the per-direction cap the hole cuts the first.
        rc, frames, err = run(args.tcpsift, ["frames", "--framing", "len:4:be", "--no-data"], cap)
        data = [f for f in frames if f.get("dir") == "c2s" and "len" in f]
        check(rc == 0 and len(data) == CONNS * (PIECES + 1),
              "frames: %d client messages, expected %d (exit %d)" % (len(data),
                                                                    CONNS * (PIECES + 1), rc))

        for opt, bad in (("--reasm-memcap", "-1"), ("--reasm-cap", "1k"),
                         ("--reasm-segments", "4294967296"), ("--reasm-memcap", "")):
            rc, _, err = run(args.tcpsift, ["conns", opt, bad], cap)
            check(rc == 2 and opt in err, "%s %r: exit %d, stderr %r" % (opt, bad, rc, err))
        r = subprocess.run([args.tcpsift, "conns", "--help"], stdout=subprocess.PIPE, text=True)
        for opt in ("--reasm-cap", "--reasm-segments", "--reasm-memcap"):
            check(opt in r.stdout, "conns --help lacks %s" % opt)

    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    print("reassembly caps: ok (%d connections, %d bytes held out of order per direction)"
          % (CONNS, PIECES * PIECE))
    return 0


if __name__ == "__main__":
    sys.exit(main())

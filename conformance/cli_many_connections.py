#!/usr/bin/env python3
"""conns past the records the CLI keeps in memory (tools/conn_records.c: 16,384; the rest go to a
temporary file): a capture of 20,000 TCP connection attempts and 300 UDP flows, interleaved, read
from the file and from standard input, with and without --max-conns evicting them early. Every
connection must be printed exactly once, TCP ids 0..N-1 then UDP ids in order, each with the
tuple the capture gave that id (a record read back from the wrong place fails). The temporary
file is made in $TMPDIR: pointed at a directory that does not exist, the run must fail loudly
(exit 1, "out of memory (or temporary file space)"), not write to /tmp behind the user's back.

usage: cli_many_connections.py --tcpsift BIN
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inet_checksum import with_ipv4_header_checksum  # noqa: E402
from packet_builder import ETHERNET_IPV4, SYN, ethernet_ipv4_tcp, write_pcap  # noqa: E402

N_TCP, N_UDP = 20000, 300


def ethernet_ipv4_udp(src, dst, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, 17, 0, src, dst)
    return ETHERNET_IPV4 + with_ipv4_header_checksum(h) + l4


def tuple_of(i):
    """Connection i's client address and port (distinct for every i)."""
    return bytes([10, 1 + i // 60000, (i % 60000) // 250, 1 + i % 250]), 1024 + i % 50000


def write_capture(path):
    server = bytes([192, 0, 2, 1])
    frames = []
    udp_made = 0
    for i in range(N_TCP):
        src, sport = tuple_of(i)
        frames.append(ethernet_ipv4_tcp(src, server, sport, 80, 1000 + i, 0, SYN))
        if i % (N_TCP // N_UDP) == 0 and udp_made < N_UDP:
            usrc = bytes([10, 200, udp_made // 250, 1 + udp_made % 250])
            udp = struct.pack("!HHHH", 5000 + udp_made, 53, 8 + 4, 0) + b"ping"
            frames.append(ethernet_ipv4_udp(usrc, server, udp))
            udp_made += 1
    assert udp_made == N_UDP
    write_pcap(path, frames, start_us=1700000000 * 10**6 + 1, step_us=1)


def check(binary, cap, extra, stdin):
    args = [binary, "conns"] + extra + (["-"] if stdin else [cap])
    with open(cap, "rb") as f:
        p = subprocess.run(args, stdin=f if stdin else None, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    what = " ".join(args[1:]) + (" < capture" if stdin else "")
    if p.returncode != 0:
        return ["%s: exit %d: %s" % (what, p.returncode, p.stderr.decode()[-300:])]
    objs = [json.loads(line) for line in p.stdout.decode().splitlines()]
    conns = [o for o in objs if "id" in o]
    problems = []
    tcp = [o for o in conns if o["proto"] == "tcp"]
    udp = [o for o in conns if o["proto"] == "udp"]
    if [o["id"] for o in tcp] != list(range(N_TCP)):
        problems.append("%s: TCP ids not 0..%d in order (%d objects)" % (what, N_TCP - 1, len(tcp)))
    if [o["id"] for o in udp] != list(range(N_UDP)):
        problems.append("%s: UDP ids not 0..%d in order (%d objects)" % (what, N_UDP - 1, len(udp)))
    if conns[:N_TCP] != tcp:
        problems.append("%s: a UDP flow printed among the TCP connections" % what)
    for o in tcp:
        src, sport = tuple_of(o["id"])
        if o["client"] != ".".join(map(str, src)) or o["cport"] != sport:
            problems.append("%s: id %d has %s:%d, the capture gave it %s:%d" % (
                what, o["id"], o["client"], o["cport"], ".".join(map(str, src)), sport))
            break
    for o in udp:
        if o["cport"] != 5000 + o["id"]:
            problems.append("%s: UDP id %d has port %d" % (what, o["id"], o["cport"]))
            break
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "many.pcap")
        write_capture(cap)
        problems = []
        for extra in ([], ["--max-conns", "1000"]):
            for stdin in (False, True):
                problems += check(a.tcpsift, cap, extra, stdin)
        env = dict(os.environ, TMPDIR=os.path.join(tmp, "no", "such", "dir"))
        r = subprocess.run([a.tcpsift, "conns", cap], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=env)
        if r.returncode != 1 or "temporary file space" not in r.stderr:
            problems.append("TMPDIR missing: exit %d, stderr %r (expected exit 1 and the "
                            "temporary-file message)" % (r.returncode, r.stderr[-200:]))
    for p in problems:
        print("FAIL:", p)
    print("%s: %d TCP connections and %d UDP flows, 4 runs, TMPDIR honoured" % (
        "FAIL" if problems else "PASS", N_TCP, N_UDP))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

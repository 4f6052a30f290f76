#!/usr/bin/python3
"""A user-space Ethernet bridge between two interfaces (AF_PACKET sockets) that
drops, delays, reorders and duplicates TCP frames by a seeded random policy.

This kernel has no sch_netem, so record.py runs this in a middle namespace
between two veth pairs to make real TCP stacks see loss, reordering,
duplication and delay. Only TCP frames other than SYN and RST are touched (ARP,
neighbour discovery and the handshake pass unharmed; a lost RST would never be
retransmitted). Frames this bridge sends are ignored when they come back on the
same socket (PACKET_OUTGOING). Bounded: it exits on SIGTERM, on SIGINT, or
after --max-seconds. At exit it prints what it did as one JSON line.

Usage: bridge.py IFACE_A IFACE_B --seed N [--drop P --dup P --reorder P --delay P --delay-ms MS]"""
import argparse
import heapq
import json
import random
import select
import signal
import socket
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def tcp_flags(frame):
    """TCP flags of an untagged IPv4/IPv6 frame carrying TCP, or None."""
    if len(frame) < 14:
        return None
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype == 0x0800 and len(frame) >= 34 and frame[23] == 6:
        ihl = (frame[14] & 0x0F) * 4
        off = 14 + ihl
    elif ethertype == 0x86DD and len(frame) >= 54 and frame[20] == 6:
        off = 54  # no extension headers from these peers
    else:
        return None
    if len(frame) < off + 14:
        return None
    return frame[off + 13]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--drop", type=float, default=0.0)
    ap.add_argument("--dup", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0,
                    help="hold a frame until the next one in its direction has gone")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--delay-ms", type=float, default=30.0)
    ap.add_argument("--max-seconds", type=float, default=60.0)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    socks = {}
    for name in (a.a, a.b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        socks[name] = s
    other = {a.a: a.b, a.b: a.a}
    stats = {k: 0 for k in ("forwarded", "dropped", "duplicated", "reordered", "delayed")}
    pending = []        # heap of (release time, sequence number, out iface, frame)
    held = {}           # out iface -> frame held back until the next frame goes that way
    seq = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    def send(out, frame):
        socks[out].send(frame)
        stats["forwarded"] += 1

    print("bridging", flush=True)
    deadline = time.monotonic() + a.max_seconds
    while not stop and time.monotonic() < deadline:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, out, frame = heapq.heappop(pending)
            send(out, frame)
        timeout = 0.05 if not pending else max(0.0, min(0.05, pending[0][0] - now))
        try:
            ready, _, _ = select.select(list(socks.values()), [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue  # our own transmission seen again
            out = other[addr[0]]
            flags = tcp_flags(frame)
            if flags is None or flags & 0x06:  # not TCP, or SYN/RST: pass untouched
                send(out, frame)
                continue
            # one draw per frame picks its fate, so a seed gives one sequence of fates
            r = rng.random()
            if r < a.drop:
                stats["dropped"] += 1
            elif r < a.drop + a.reorder and out not in held:
                held[out] = frame
                stats["reordered"] += 1
                continue
            elif a.drop + a.reorder <= r < a.drop + a.reorder + a.delay:
                seq += 1
                heapq.heappush(pending, (time.monotonic() + a.delay_ms / 1000.0, seq, out, frame))
                stats["delayed"] += 1
            else:
                send(out, frame)
                if r >= 1.0 - a.dup:
                    send(out, frame)
                    stats["duplicated"] += 1
            if out in held:
                send(out, held.pop(out))  # the held frame goes after a later one
        # a held frame waits at most for one more frame; none came within the tick: release
        if not ready:
            for out in list(held):
                send(out, held.pop(out))
    for out in list(held):
        send(out, held.pop(out))
    while pending:
        _, _, out, frame = heapq.heappop(pending)
        send(out, frame)
    print(json.dumps(stats), flush=True)


if __name__ == "__main__":
    main()

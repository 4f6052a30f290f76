#!/usr/bin/env python3
"""Write a capture of IPv4 fragments that never complete a datagram: the shapes that make a
fragment pool work hardest (standard library only; deterministic bytes).

  distinct     every fragment starts a datagram of its own (the pool stays full: each one
               evicts the oldest)
  pieces-asc   8-byte fragments of 64 KB datagrams, ascending, the last never sent
  pieces-rand  the same in a shuffled order
  pieces-desc  the same, descending

usage: gen_fragment_flood.py SHAPE COUNT OUT.pcap
Time a command on it, e.g.:
  /usr/bin/time -f '%e s %M KB' tcpsift conns OUT.pcap
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
from inet_checksum import with_ipv4_header_checksum  # noqa: E402

ETHERNET_IPV4 = bytes.fromhex("020000000002" "020000000001" "0800")
SERVER = bytes([10, 0, 0, 2])
PIECES_PER_DATAGRAM = 8180  # 8-byte units: offsets 0 .. 65,432


def ipv4_fragment(src, ident, offset8, more, data):
    flags = (0x2000 if more else 0) | offset8
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), ident & 0xFFFF, flags, 64, 17,
                         0, src, SERVER)
    return ETHERNET_IPV4 + with_ipv4_header_checksum(header) + data


def fragments(shape, count):
    client = bytes([10, 0, 0, 1])
    if shape == "distinct":
        for i in range(count):
            src = bytes([11, 0, (i >> 24) & 255, (i >> 16) & 255]) if i >> 16 else client
            yield ipv4_fragment(src, i, 0, True, bytes(16))
        return
    order = list(range(PIECES_PER_DATAGRAM))
    if shape == "pieces-desc":
        order.reverse()
    elif shape == "pieces-rand":
        random.Random(2).shuffle(order)
    elif shape != "pieces-asc":
        sys.exit("unknown shape %r" % shape)
    made, ident = 0, 0
    while made < count:
        for k in order:
            if made == count:
                break
            yield ipv4_fragment(client, ident, k, True, b"\1" * 8)
            made += 1
        ident += 1


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    shape, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(fragments(shape, count)):
            out.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000, len(frame),
                                  len(frame)))
            out.write(frame)


if __name__ == "__main__":
    main()

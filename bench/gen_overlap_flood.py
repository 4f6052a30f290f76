#!/usr/bin/env python3
"""Write a capture of one TCP connection whose out-of-order bytes are held as thousands of
1-byte pieces, then overlapped again and again: the shape that makes stream reassembly walk
the most held pieces per packet (standard library only; deterministic bytes).

The client's first data byte is never sent, so nothing is ever delivered and the pieces stay
held (2,000 of them, under the default cap of 4,096 segments). The first overlapping segment
fills the gaps between them; every later one covers ~1,400 held pieces.

  differ   the overlapping segments carry other bytes than the held ones (each piece a conflict)
  same     they carry the held bytes (each piece a retransmission)

usage: gen_overlap_flood.py SHAPE COUNT OUT.pcap     (COUNT overlapping segments)
Time a command on it, e.g.:
  /usr/bin/time -f '%e s %M KB' tcpsift conns OUT.pcap
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
from packet_builder import ACK, PSH, SYN, ethernet_ipv4_tcp, write_pcap  # noqa: E402

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CPORT, SPORT = 40000, 80
CLIENT_ISN, SERVER_ISN = 1000, 5000
PIECES = 2000
SEGMENT = 1400


def frames(shape, count):
    c, s = CLIENT_ISN + 1, SERVER_ISN + 1
    yield ethernet_ipv4_tcp(CLIENT, SERVER, CPORT, SPORT, CLIENT_ISN, 0, SYN)
    yield ethernet_ipv4_tcp(SERVER, CLIENT, SPORT, CPORT, SERVER_ISN, c, SYN | ACK)
    yield ethernet_ipv4_tcp(CLIENT, SERVER, CPORT, SPORT, c, s, ACK)

    def data(offset, payload):
        return ethernet_ipv4_tcp(CLIENT, SERVER, CPORT, SPORT, c + offset, s, PSH | ACK, payload)

    for k in range(PIECES):  # offsets 1, 3, 5, ...: offset 0 stays a hole
        yield data(1 + 2 * k, b"y")
    for i in range(count):
        offset = 1 + (i * 13) % (2 * PIECES - SEGMENT)
        payload = b"y" * SEGMENT if shape == "same" else bytes([i & 0xFF]) * SEGMENT
        yield data(offset, payload)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("differ", "same"):
        sys.exit(__doc__)
    shape, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    write_pcap(path, list(frames(shape, count)))


if __name__ == "__main__":
    main()

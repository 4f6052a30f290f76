#!/usr/bin/python3
"""Write the crafted conformance captures (scapy, Debian's python3-scapy).

Each capture is written with a sidecar <name>.messages.json that records what
each side's application sent (the messages, in order) and how the connection
was built, so expectations come from construction, never from tcpsift's output.
Deterministic: fixed ISNs, ports and timestamps. Run: /usr/bin/python3 make_crafted.py OUTDIR
"""
import json
import os
import struct
import sys
from decimal import Decimal

from scapy.all import IP, TCP, Ether, wrpcap  # noqa: E402

CLIENT, SERVER = "192.0.2.10", "198.51.100.20"
CPORT, SPORT = 40001, 7000
T0_US = 1700000000 * 10**6  # integer microseconds: exact timestamps


class Conversation:
    """Builds both directions of one TCP connection with correct seq/ack."""

    def __init__(self, cisn, sisn):
        self.pkts = []
        self.t_us = T0_US
        self.seq = {"c": cisn, "s": sisn}

    def _send(self, side, flags, payload=b"", seq=None, ack=True):
        other = "s" if side == "c" else "c"
        src, dst = (CLIENT, SERVER) if side == "c" else (SERVER, CLIENT)
        sport, dport = (CPORT, SPORT) if side == "c" else (SPORT, CPORT)
        s = self.seq[side] if seq is None else seq
        a = self.seq[other] if ack else 0
        pkt = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
               IP(src=src, dst=dst, ttl=64, id=len(self.pkts) + 1) /
               TCP(sport=sport, dport=dport, seq=s, ack=a, flags=flags, window=65535) /
               payload)
        pkt.time = Decimal(self.t_us) / Decimal(10**6)
        self.t_us += 1000
        self.pkts.append(pkt)
        if seq is None:
            self.seq[side] = (s + len(payload) + ("S" in flags) + ("F" in flags)) % 2**32

    def handshake(self):
        self._send("c", "S", ack=False)
        self._send("s", "SA")
        self._send("c", "A")

    def data(self, side, payload):
        self._send(side, "PA", payload)
        self._send("s" if side == "c" else "c", "A")

    def segments(self, side, stream, cuts, order, duplicate=()):
        """Send `stream` cut at `cuts`, in `order` (indices of the pieces),
        re-sending the pieces listed in `duplicate` right after themselves;
        then the peer acknowledges everything."""
        base = self.seq[side]
        bounds = [0] + list(cuts) + [len(stream)]
        pieces = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
        for i in order:
            a, b = pieces[i]
            for _ in range(2 if i in duplicate else 1):
                self._send(side, "PA", stream[a:b], seq=(base + a) % 2**32)
        self.seq[side] = (base + len(stream)) % 2**32
        self._send("s" if side == "c" else "c", "A")

    def close(self):
        self._send("c", "FA")
        self._send("s", "FA")
        self._send("c", "A")


def lp(body):
    return struct.pack(">I", len(body)) + body


def lenprefix_coalesced(out):
    """Length-prefixed messages coalesced and split across segments."""
    client_msgs = [b"hello", b"sticky", b"packets", b"x" * 1200 + b"end", b"", b"bye"]
    server_msgs = [b"welcome", b"ok" * 300]
    cstream = b"".join(lp(m) for m in client_msgs)
    sstream = b"".join(lp(m) for m in server_msgs)
    conv = Conversation(0x10000000, 0x20000000)
    conv.handshake()
    # client: first three messages in one segment, the big one split in three pieces
    # that do not align with message boundaries, then the rest together.
    cuts = [0, len(lp(b"hello")) + len(lp(b"sticky")) + len(lp(b"packets")) + 2, 600, 1100,
            len(cstream)]
    cuts = sorted(set(cuts))
    for a, b in zip(cuts, cuts[1:]):
        conv.data("c", cstream[a:b])
    # server: one byte, then everything else
    conv.data("s", sstream[:1])
    conv.data("s", sstream[1:])
    conv.close()
    name = "lenprefix-coalesced"
    wrpcap(os.path.join(out, name + ".pcap"), conv.pkts)
    meta = {
        "capture": name + ".pcap",
        "how": "scapy, conformance/crafted/make_crafted.py: one IPv4 connection, handshake, "
               "4-byte big-endian length-prefixed messages coalesced and split across "
               "segments, FIN from the client then the server",
        "framing": "len:4:be",
        "connections": [{
            "client": CLIENT, "cport": CPORT, "server": SERVER, "sport": SPORT,
            "c2s_messages_hex": [m.hex() for m in client_msgs],
            "s2c_messages_hex": [m.hex() for m in server_msgs],
            "end": "fin",
        }],
    }
    with open(os.path.join(out, name + ".messages.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")


def write_case(out, name, how, framing, conv, client_msgs, server_msgs, end="fin"):
    wrpcap(os.path.join(out, name + ".pcap"), conv.pkts)
    meta = {
        "capture": name + ".pcap", "how": how, "framing": framing,
        "connections": [{
            "client": CLIENT, "cport": CPORT, "server": SERVER, "sport": SPORT,
            "c2s_messages_hex": [m.hex() for m in client_msgs],
            "s2c_messages_hex": [m.hex() for m in server_msgs],
            "end": end,
        }],
    }
    with open(os.path.join(out, name + ".messages.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")


def json_header_file_transfer(out):
    """A file transfer: 4-byte length, JSON header naming the size, then the
    file; the body is split, reordered and partly retransmitted."""
    body = bytes((i * 7 + 3) % 256 for i in range(3000))
    header = json.dumps({"name": "report.bin", "size": len(body)}).encode()
    stream = struct.pack(">I", len(header)) + header + body
    conv = Conversation(0xFFFFF000, 0x30000000)  # the client's sequence numbers wrap
    conv.handshake()
    conv.segments("c", stream, [20, 700, 1400, 2100, 2800], [0, 2, 1, 3, 5, 4], duplicate=(3,))
    conv.close()
    write_case(out, "json-header-file-transfer",
               "scapy, make_crafted.py: a JSON-header file transfer (json-header:4) whose "
               "body segments arrive out of order with one exact retransmission, client "
               "sequence numbers wrapping past 2^32",
               "json-header:4", conv, [header, body], [])


def lines_reordered(out):
    """Newline-delimited messages (CRLF and LF), segments reordered."""
    msgs = [b"GET /a", b"Host: example", b"", b"x" * 500, b"last"]
    stream = b"GET /a\r\nHost: example\r\n\r\n" + b"x" * 500 + b"\nlast\n"
    conv = Conversation(0x40000000, 0x50000000)
    conv.handshake()
    conv.segments("c", stream, [3, 9, 25, 300], [1, 0, 2, 4, 3])
    conv.close()
    write_case(out, "lines-reordered",
               "scapy, make_crafted.py: line-delimited messages, CRLF and LF, cut mid-line "
               "and mid-delimiter, segments delivered out of order", "line", conv, msgs, [])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "captures", "crafted")
    os.makedirs(out, exist_ok=True)
    lenprefix_coalesced(out)
    json_header_file_transfer(out)
    lines_reordered(out)


if __name__ == "__main__":
    main()

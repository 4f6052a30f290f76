#!/usr/bin/env python3
"""Write the crafted tunnel and fragment captures of this directory (deterministic bytes).

Each capture wraps ordinary TCP segments (correct checksums) in one kind of outer layer:
MPLS, GRE (key/sequence, bridged Ethernet, ERSPAN II), IP-in-IP (4in4, 6in4, 4in6, 6in6),
VXLAN, Teredo (bare, origin indication), PPP link types (9, 50, 104), IPv4/IPv6
fragments (in order, reverse, overlapping with equal bytes), and tunnels whose outer datagram
is fragmented. Their .tshark.tsv oracles come
from ../shared/captures/external/make-oracles.sh run on these files, and
conformance/tshark_agreement.py compares `tcpsift packets` with them.

Usage: make_tunnels.py [DIR]   (default: the directory of this script)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from inet_checksum import with_ipv4_header_checksum, with_transport_checksum  # noqa: E402

V4A, V4B = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
O4A, O4B = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
V6A = bytes.fromhex("20010db8000000000000000000000001")
V6B = bytes.fromhex("20010db8000000000000000000000002")
O6A = bytes.fromhex("20010db8ffff00000000000000000001")
O6B = bytes.fromhex("20010db8ffff00000000000000000002")


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b""):
    doff = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 29200, 0, 0) + opts
    return with_transport_checksum(src, dst, 6, h + payload)


def udp(src, dst, sport, dport, payload):
    d = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return with_transport_checksum(src, dst, 17, d)


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    return with_ipv4_header_checksum(h) + payload


def ipv6(src, dst, nxt, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), nxt, 64) + src + dst + payload


def eth(ethertype, payload):
    return bytes.fromhex("020000000002020000000001") + struct.pack("!H", ethertype) + payload


def conversation(src, dst, sport=40000, dport=80):
    """A handshake, one data segment each way: the TCP segments of both directions."""
    syn_opts = bytes.fromhex("020405b4") + bytes.fromhex("01030307")
    return [
        (src, dst, tcp(src, dst, sport, dport, 1000, 0, 0x02, opts=syn_opts)),
        (dst, src, tcp(dst, src, dport, sport, 5000, 1001, 0x12, opts=syn_opts)),
        (src, dst, tcp(src, dst, sport, dport, 1001, 5001, 0x18, b"GET / HTTP/1.0\r\n\r\n")),
        (dst, src, tcp(dst, src, dport, sport, 5001, 1019, 0x18, b"HTTP/1.0 200 OK\r\n\r\n")),
    ]


def ip_of(src, dst, seg):
    return ipv4(src, dst, 6, seg) if len(src) == 4 else ipv6(src, dst, 6, seg)


def write_pcap(path, linktype, frames):
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, f in enumerate(frames):
            fh.write(struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f)


def captures():
    out = {}
    conv4, conv6 = conversation(V4A, V4B), conversation(V6A, V6B)
    labels = struct.pack("!II", 100 << 12 | 64, 200 << 12 | 0x100 | 64)
    out["mpls"] = (1, [eth(0x8847, labels + ip_of(s, d, g)) for s, d, g in conv4] +
                   [eth(0x8847, labels + ip_of(s, d, g)) for s, d, g in conv6])
    gre_key_seq = lambda proto, inner, n: struct.pack("!HHII", 0x3000, proto, 0xABCD, n) + inner
    frames = [eth(0x0800, ipv4(O4A, O4B, 47, gre_key_seq(0x0800, ip_of(s, d, g), i)))
              for i, (s, d, g) in enumerate(conv4)]
    frames += [eth(0x0800, ipv4(O4A, O4B, 47, struct.pack("!HH", 0, 0x6558) +
                                eth(0x86DD, ip_of(s, d, g)))) for s, d, g in conv6]
    erspan2 = bytes.fromhex("1001000500000000")
    frames += [eth(0x0800, ipv4(O4A, O4B, 47, struct.pack("!HHI", 0x1000, 0x88BE, i) + erspan2 +
                                eth(0x0800, ip_of(s, d, g)))) for i, (s, d, g) in
               enumerate(conversation(V4A, V4B, 40001))]
    out["gre"] = (1, frames)
    frames = []
    for outer in (4, 6):
        for inner, conv in ((4, conversation(V4A, V4B, 40010 + outer)),
                            (6, conversation(V6A, V6B, 40020 + outer))):
            proto = 4 if inner == 4 else 41
            for s, d, g in conv:
                body = ip_of(s, d, g)
                frames.append(eth(0x0800, ipv4(O4A, O4B, proto, body)) if outer == 4 else
                              eth(0x86DD, ipv6(O6A, O6B, proto, body)))
    out["ipip"] = (1, frames)
    vx = bytes.fromhex("0800000000123400")
    out["vxlan"] = (1, [eth(0x0800, ipv4(O4A, O4B, 17, udp(O4A, O4B, 51000, 4789, vx +
                                                           eth(0x0800, ip_of(s, d, g))))) for
                        s, d, g in conv4])
    origin = bytes.fromhex("0000f2273fffffee")
    frames = [eth(0x0800, ipv4(O4A, O4B, 17, udp(O4A, O4B, 3544, 61000, ip_of(s, d, g))))
              for s, d, g in conv6[:2]]
    frames += [eth(0x0800, ipv4(O4A, O4B, 17, udp(O4A, O4B, 3544, 61000, origin + ip_of(s, d, g))))
               for s, d, g in conv6[2:]]
    out["teredo"] = (1, frames)
    out["ppp"] = (9, [bytes.fromhex("ff030021") + ip_of(s, d, g) for s, d, g in conv4] +
                  [bytes.fromhex("0057") + ip_of(s, d, g) for s, d, g in conv6])
    out["ppp_hdlc"] = (50, [bytes.fromhex("ff030021") + ip_of(s, d, g) for s, d, g in conv4[:2]] +
                       [bytes.fromhex("0f000800") + ip_of(s, d, g) for s, d, g in conv4[2:]])
    out["c_hdlc"] = (104, [bytes.fromhex("0f0086dd") + ip_of(s, d, g) for s, d, g in conv6])
    # Fragments: a 1000-byte TCP payload, cut in 3 (in order), reversed, and with an overlap.
    big = bytes((i * 7 + 3) & 0xFF for i in range(1000))
    seg4 = tcp(V4A, V4B, 40100, 80, 7000, 0, 0x10, big)
    seg6 = tcp(V6A, V6B, 40100, 80, 7000, 0, 0x10, big)
    frames = []

    def frag4(ident, off, data, more):
        return eth(0x0800, ipv4(V4A, V4B, 6, data, ident, (0x2000 if more else 0) | off // 8))

    def frag6(ident, off, data, more):
        fh = struct.pack("!BBHI", 6, 0, off | (1 if more else 0), ident)
        return eth(0x86DD, ipv6(V6A, V6B, 44, fh + data))

    cuts = [(0, 400), (400, 800), (800, len(seg4))]
    frames += [frag4(1, a, seg4[a:b], b < len(seg4)) for a, b in cuts]
    frames += [frag4(2, a, seg4[a:b], b < len(seg4)) for a, b in reversed(cuts)]
    frames += [frag4(3, 0, seg4[0:504], True), frag4(3, 400, seg4[400:904], True),
               frag4(3, 904, seg4[904:], False)]
    frames += [frag6(0x11, a, seg6[a:b], b < len(seg6)) for a, b in cuts]
    frames += [frag6(0x12, a, seg6[a:b], b < len(seg6)) for a, b in reversed(cuts)]
    out["fragments"] = (1, frames)
    # Tunnels carried in fragments of the OUTER datagram (GRE, IP-in-IP, VXLAN over IPv4; GRE
    # over IPv6): the segment inside shows on the last fragment with its own addresses.
    frames = []
    inner = ip_of(V4A, V4B, tcp(V4A, V4B, 40200, 80, 9000, 0, 0x18, big))
    outers = [(47, struct.pack("!HH", 0, 0x0800) + inner),
              (4, inner),
              (17, udp(O4A, O4B, 51000, 4789, vx + eth(0x0800, inner)))]
    for ident, (proto, payload) in enumerate(outers, start=0x21):
        frames += [eth(0x0800, ipv4(O4A, O4B, proto, payload[:600], ident, 0x2000)),
                   eth(0x0800, ipv4(O4A, O4B, proto, payload[600:], ident, 600 // 8))]
    gre6 = struct.pack("!HH", 0, 0x0800) + inner
    frames += [eth(0x86DD, ipv6(O6A, O6B, 44, struct.pack("!BBHI", 47, 0, 1, 0x31) + gre6[:600])),
               eth(0x86DD, ipv6(O6A, O6B, 44, struct.pack("!BBHI", 47, 0, 600, 0x31) +
                                gre6[600:]))]
    out["fragments_tunnels"] = (1, frames)
    return out


def main():
    where = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, (linktype, frames) in captures().items():
        write_pcap(os.path.join(where, name + ".pcap"), linktype, frames)
        print("%s.pcap: %d frames" % (name, len(frames)))


if __name__ == "__main__":
    main()

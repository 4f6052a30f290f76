#!/usr/bin/python3
"""Write the crafted, named seeds into corpus/<harness>/ (standard library only).

    fuzz/craft_seeds.py [CORPUS_ROOT]      (default: corpus/ beside fuzz/)

These reach paths the conformance captures do not: big-endian pcapng, negative
if_tsoffset, 2^-k timestamp resolution, obsolete Packet Blocks, Simple Packet
Blocks, PPPoE carrying IPv6, every TCP option kind. fuzz/merge.sh keeps named
seeds as they are."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance"))
from inet_checksum import with_ipv4_header_checksum, with_transport_checksum  # noqa: E402


ALL_OPTIONS = (b"\x02\x04\x05\xb4" b"\x01\x03\x03\x07" b"\x04\x02" b"\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00"
               b"\x22\x0a" + bytes(range(8)) + b"\x1c\x04\x80\x05" b"\x00\x00")  # 40 bytes


def tcp_ipv4(opts=b"", payload=b"hello"):
    tcp_len = 20 + len(opts)
    src, dst = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1000, 0, (tcp_len // 4) << 4, 0x02, 65535, 0, 0)
    seg = tcp + opts + payload
    seg = with_transport_checksum(src, dst, 6, seg)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0, src, dst)
    ip = with_ipv4_header_checksum(ip)
    return ip + seg


def tcp_ipv6(opts=b"", payload=b"hi"):
    src, dst = bytes(15) + b"\x01", bytes(15) + b"\x02"
    tcp = struct.pack("!HHIIBBHHH", 40000, 443, 7, 9, ((20 + len(opts)) // 4) << 4, 0x12, 1000, 0, 0)
    seg = tcp + opts + payload
    seg = with_transport_checksum(src, dst, 6, seg)
    return struct.pack("!IHBB", 0x60000000, len(seg), 6, 64) + src + dst + seg


def ether(payload, ethertype=0x0800):
    return b"\x02" * 6 + b"\x04" * 6 + struct.pack("!H", ethertype) + payload


def block(end, btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(end + "II", btype, n) + body + struct.pack(end + "I", n)


def opt(end, code, value):
    return struct.pack(end + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng(end, tsresol, tsoffset):
    shb = block(end, 0x0A0D0D0A, struct.pack(end + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = block(end, 1, struct.pack(end + "HHI", 1, 0, 0) + opt(end, 9, bytes([tsresol])) +
                opt(end, 14, struct.pack(end + "q", tsoffset)) + opt(end, 0, b""))
    frame = ether(tcp_ipv4(b"\x02\x04\x05\xb4"))
    epb = block(end, 6, struct.pack(end + "IIIII", 0, 0x00000001, 0x00000002, len(frame), len(frame))
                + frame + opt(end, 2, struct.pack(end + "I", 1)) + opt(end, 0, b""))
    pb = block(end, 2, struct.pack(end + "HHIIII", 0, 0, 0, 5, len(frame), len(frame)) + frame)
    spb = block(end, 3, struct.pack(end + "I", len(frame)) + frame)
    isb = block(end, 5, struct.pack(end + "III", 0, 0, 0))
    return shb + idb + epb + pb + spb + isb


def flow_table(cfg0, salt_key, ops):
    """fuzz_flow_table input: config byte, hash-key byte, then (op, key, rev, salt, step, cls,
    flags) operations (fuzz/fuzz_flow_table.c's format)."""
    out = bytes([cfg0, salt_key])
    for op, key, rev, salt, step, cls, flags in ops:
        out += bytes([op | key << 3, rev | salt << 1, step, flags | cls << 4])
    return out


LOOKUP, INSERT, TOUCH, REMOVE, EM_INSERT, EM_PROMOTE, EM_OTHER, EXPIRE_FOREACH = range(8)


def flow_table_seeds():
    every = range(8)  # one key of each kind: IPv4, VLAN, tunnel, both; the same in IPv6
    mixed = ([(INSERT, k, 0, 1, 1, 1, 0) for k in every] +
             [(LOOKUP, k, r, 1, 0, 0, 0) for k in every for r in (0, 1)] +
             [(EXPIRE_FOREACH, 0, 0, 0, 0, 0, 0), (REMOVE, 2, 1, 1, 1, 0, 0),
              (TOUCH, 5, 0, 1, 1, 2, 0), (EXPIRE_FOREACH, 0, 0, 0, 0x90, 0, 8)] +
             [(EM_INSERT, k, k & 1, 2, 1, 0, 0) for k in every] +
             [(EM_PROMOTE, k, 0, 2, 1, k & 3, 4 * (k & 1)) for k in every] +
             [(EXPIRE_FOREACH, 0, 0, 0, 0, 0, 0)])
    promote = ([(EM_INSERT, k + 8, 0, 0, 1, 0, 0) for k in every] +
               [(EM_OTHER, k + 8, 1, 0, 1, 0, 2) for k in every] +
               [(EM_PROMOTE, k + 8, k & 1, 0, 1, 1, 4 * (k & 1)) for k in every] +
               [(EM_OTHER, 9, 0, 0, 1, 0, 1), (EM_OTHER, 10, 0, 0, 1, 0, 0),
                (EXPIRE_FOREACH, 0, 0, 0, 0, 0, 0), (EXPIRE_FOREACH, 0, 0, 0, 0x82, 0, 8),
                (EXPIRE_FOREACH, 0, 0, 0, 0, 0, 0)])
    unkeyed = ([(INSERT, k, 0, k & 3, 1, 3, 0) for k in every] +
               [(INSERT, k, 1, 3 - (k & 3), 1, 3, 0) for k in every] +
               [(LOOKUP, k, 1, 2, 0, 0, 0) for k in every] +
               [(REMOVE, k, 0, 1, 0, 0, 0) for k in (1, 6)] +
               [(EXPIRE_FOREACH, 0, 0, 0, 0, 0, 0)])
    return {
        # 1 entry and 1 embryo (one bucket each), VLAN and tunnel keyed: every kind evicts
        # every other in one chain.
        ("fuzz_flow_table", "mixed-kinds-one-slot-keyed"): flow_table(0xC8, 0, mixed),
        ("fuzz_flow_table", "mixed-kinds-four-slots-keyed"): flow_table(0xD3, 0x5A, mixed),
        ("fuzz_flow_table", "embryos-promoted-expired-keyed"): flow_table(0xF9, 0x11, promote),
        ("fuzz_flow_table", "unkeyed-salts-are-one-flow"): flow_table(0x3F, 0x22, unkeyed),
        ("fuzz_flow_table", "no-embryo-pool-vlan-keyed"): flow_table(0x47, 0x33, mixed),
    }


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "..", "corpus")
    seeds = {
        ("fuzz_capture", "pcapng-le-negative-tsoffset-tsresol-2pow"): pcapng("<", 0x9E, -5),
        ("fuzz_capture", "pcapng-be-tsoffset-nsec"): pcapng(">", 9, 1 << 40),
        ("fuzz_capture", "pcap-nsec-be-two-records"):
            struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1) +
            b"".join(struct.pack(">IIII", 1, 999999999, len(f), len(f) + 10) + f
                     for f in (ether(tcp_ipv4()), ether(tcp_ipv6(), 0x86DD))),
        # selector 0 = Ethernet: PPPoE session carrying IPv6 (PPP protocol 0x0057).
        ("fuzz_decode", "ethernet-pppoe-ipv6-tcp"):
            b"\x00\x00" + ether(struct.pack("!BBHH", 0x11, 0, 1, 2 + len(tcp_ipv6())) + b"\x00\x57" +
                                tcp_ipv6(), 0x8864),
        ("fuzz_decode", "ethernet-ipv4-tcp-all-options"): b"\x00\x00" + ether(tcp_ipv4(ALL_OPTIONS)),
        ("fuzz_decode", "raw-ipv6-tcp-synack"): b"\x01\x00" + tcp_ipv6(b"\x02\x04\x05\xa0\x01\x01\x04\x02"),
        ("fuzz_tcp_options", "all-kinds"): b"\x00" + ALL_OPTIONS,
        ("fuzz_tcp_options", "sack-4-blocks-md5"): b"\x00\x05\x22" + bytes(range(32)) + b"\x13\x12" + bytes(16),
        ("fuzz_tcp_options", "mptcp-tfo-exp-cut"): b"\x84\x1e\x06\x00\x81\x00\x00\xfe\x08\xf9\x89\x01\x02\x03\x04",
    }
    seeds.update(flow_table_seeds())
    for (harness, name), data in seeds.items():
        d = os.path.join(root, harness)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("craft_seeds: wrote %d named seeds under %s" % (len(seeds), root))


if __name__ == "__main__":
    main()

"""Ethernet/IPv4/TCP frames with correct checksums and microsecond pcap files, written with
Python's standard library, for the CLI tests that build their captures at run time
(cli_reassembly_caps.py, cli_stream_files.py, cli_skipped_block.py, cli_forget_acked.sh).
"""
import struct

from inet_checksum import with_ipv4_header_checksum, with_transport_checksum

ETHERNET_IPV4 = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def ethernet_ipv4_tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535):
    """One frame: Ethernet, IPv4 (id 1, TTL 64, no DF), TCP without options, both checksums
    correct. seq and ack are taken modulo 2^32."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, window, 0, 0) + payload
    tcp = with_transport_checksum(src, dst, 6, tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    return ETHERNET_IPV4 + with_ipv4_header_checksum(ip) + tcp


def write_pcap(path, frames, times_us=None, start_us=1700000000 * 10**6, step_us=1000):
    """A little-endian microsecond pcap (LINKTYPE_ETHERNET) of frames, the i-th at times_us[i]
    (microseconds since the epoch) or, without times, at start_us + i * step_us."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            t = times_us[i] if times_us is not None else start_us + i * step_us
            f.write(struct.pack("<IIII", t // 10**6, t % 10**6, len(frame), len(frame)) + frame)

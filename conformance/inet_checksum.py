"""The Internet checksum (RFC 1071) and the transport pseudo-headers it covers (RFC 9293 3.1,
RFC 768, RFC 8200 8.1), for the scripts that write test captures byte by byte with Python's
standard library: conformance/tunnels/make_tunnels.py, conformance/packet_builder.py (and
the CLI tests built on it), conformance/cli_many_connections.py, fuzz/craft_seeds.py and
bench/gen_fragment_flood.py.
"""
import struct


def internet_checksum(data):
    """One's complement of the one's complement sum of data's 16-bit big-endian words (an odd
    length is padded with a zero byte)."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src, dst, proto, length):
    """The pseudo-header a TCP or UDP checksum covers: IPv4's (4-byte addresses) or IPv6's."""
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def with_transport_checksum(src, dst, proto, segment):
    """segment (a TCP or UDP header and its payload, checksum field zero) with its checksum
    written in: offset 16 for TCP, 6 for UDP, where a computed 0 is sent as 0xFFFF."""
    value = internet_checksum(pseudo_header(src, dst, proto, len(segment)) + segment)
    at = 16 if proto == 6 else 6
    if proto == 17 and value == 0:
        value = 0xFFFF
    return segment[:at] + struct.pack("!H", value) + segment[at + 2:]


def with_ipv4_header_checksum(header):
    """An IPv4 header (checksum field zero) with its header checksum written in."""
    return header[:10] + struct.pack("!H", internet_checksum(header)) + header[12:]

#!/usr/bin/python3
"""Write the crafted, named seeds of the stream harnesses (fuzz_reassembly,
fuzz_framer, fuzz_split_invariance, fuzz_tracker) into corpus/<harness>/.

    fuzz/craft_stream_seeds.py [CORPUS_ROOT]      (default: corpus/ beside fuzz/)

Each seed is built from the input format documented at the top of its harness
and named by what it exercises; fuzz/merge.sh keeps named seeds as they are.
Standard library only."""
import os
import struct
import sys

# ---------------------------------------------------------------- reassembly
SEG, ACK = 0, 3
SYN, FIN, RST, CONFLICT, TRUNC, BACK = 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


def reasm_header(isn_off=0x10, retained=0, fail=2, acked=False, policy=0, budget=None,
                 max_segments=0, max_mem16=0):
    """isn = 2^32 - 1 - isn_off; retained index 0..3 (0, 16, 1000, 64 KiB); fail index 2 = never."""
    b0, b1lo = isn_off // 16, isn_off % 16
    b1 = b1lo | retained << 4 | fail << 6
    b2 = (1 if acked else 0) | policy << 1
    if budget is not None:
        b2 |= 0x10 | budget << 5
    b3 = max_segments | max_mem16 << 4
    return bytes([b0, b1, b2, b3])


def seg(dist, length, flags=0, back=False, extra=0):
    return bytes([SEG | flags | (BACK if back else 0), dist, length & 0xFF,
                  (length >> 8) & 3 | extra << 2])


def ack(around=128, far=0):
    return bytes([ACK | (BACK if far else 0), around, far, 0])


REASSEMBLY = {
    # SYN, ten in-order segments crossing 2^32, FIN, the final ACK
    "in-order-across-wrap": reasm_header(isn_off=0xFF)
    + seg(0, 0, SYN) + b"".join(seg(0, 200) for _ in range(10)) + seg(0, 0, FIN) + ack(129),
    # holes filled late, backward overlaps, one conflicting copy, acks (ACKED, linux policy)
    "out-of-order-overlap-linux-acked": reasm_header(acked=True, policy=4, retained=2)
    + seg(0, 0, SYN) + seg(100, 50) + seg(0, 50) + seg(200, 100, back=True)
    + seg(30, 80, CONFLICT, back=True) + ack(128) + seg(10, 40) + ack(200, far=1),
    # every policy byte-wise decision: old/new copies with equal and different bounds
    "overlap-solaris-conflicts": reasm_header(policy=6)
    + seg(0, 0, SYN) + seg(20, 40) + seg(40, 40, CONFLICT, back=True)
    + seg(60, 100, CONFLICT, back=True) + seg(0, 0) + seg(160, 200, back=True),
    # retransmissions of delivered bytes compared against the retention ring
    "retransmit-verified-ring": reasm_header(retained=2)
    + seg(0, 0, SYN) + seg(0, 100) + seg(0, 100) + seg(100, 100, back=True)
    + seg(50, 50, CONFLICT, back=True) + seg(0, 100),
    # without stable buffers the ring grows 256 -> 512 -> 1000 (not a power of two) while
    # the stream delivers 1,200 bytes; copies of its oldest retained bytes are compared after
    # each move, a conflicting one too
    "retransmit-ring-grown": reasm_header(retained=2)
    + seg(0, 0, SYN) + seg(0, 200) + seg(0, 200) + seg(200, 150, back=True)
    + seg(50, 300) + seg(250, 200, CONFLICT, back=True) + seg(50, 400)
    + seg(255, 255, back=True),
    # the same with a 1 KiB budget: the move into 1000 bytes is refused (both rings held
    # at once), the 512-byte ring stays and older copies are unverified
    "retransmit-ring-growth-refused": reasm_header(retained=2, budget=2)
    + seg(0, 0, SYN) + seg(0, 200) + seg(0, 200) + seg(200, 150, back=True)
    + seg(50, 300) + seg(250, 200, CONFLICT, back=True) + seg(50, 400)
    + seg(255, 255, back=True),
    # tiny caps: 2 extents, 256 bytes of memory, and a shared budget
    "memcap-segment-cap-small": reasm_header(max_segments=2, max_mem16=1, budget=1)
    + seg(0, 0, SYN) + seg(10, 100) + seg(10, 100) + seg(10, 100) + seg(10, 100)
    + seg(0, 300) + ack(255),
    # no SYN: the first data segment fixes offset 0; older bytes are never delivered
    "midstream-pickup": reasm_header(isn_off=3)
    + seg(50, 100) + seg(100, 60, back=True) + seg(0, 100) + ack(128),
    # RST payload is not stream data; a truncated segment leaves a gap
    "rst-payload-truncated": reasm_header()
    + seg(0, 0, SYN) + seg(0, 30) + seg(0, 20, RST) + seg(0, 40, TRUNC, extra=9) + seg(0, 10)
    + seg(0, 5, FIN) + seg(0, 20),
    # the allocator fails every 4th allocation (handled as MEMCAP_HIT)
    "allocator-fails": reasm_header(fail=0, retained=1)
    + seg(0, 0, SYN) + b"".join(seg(20, 30) for _ in range(8)) + seg(255, 255, back=True),
}

# ---------------------------------------------------------------- framer config
MAX_SMALL, MAX_MEDIUM, MAX_NONE, MAX_HUGE = 0, 1, 2, 3
WIDTH = {1: 0, 2: 1, 3: 2, 4: 3, 8: 4, "varint": 5}


def fc_len(width, le=False, offset=0, adjust=0, counts_all=False, max_sel=MAX_NONE, c5=0):
    c1 = WIDTH[width] | (8 if le else 0) | offset << 4 | (0x80 if counts_all else 0)
    return bytes([0 | max_sel << 2, c1, adjust & 0xFF, 0, 0, c5])


def fc_line(max_sel=MAX_NONE, c5=0):
    return bytes([1 | max_sel << 2, 0, 0, 0, 0, c5])


def fc_delim(delim, max_sel=MAX_NONE, c5=0):
    d = list(delim) + [0] * (4 - len(delim))
    c1 = (len(delim) - 1) | (d[3] & ~3 if len(delim) == 4 else 0)
    if len(delim) == 4:
        assert d[3] & 3 == 3, "a 4-byte delimiter's last byte must end in binary 11"
    return bytes([2 | max_sel << 2, c1, d[0], d[1], d[2], c5])


def fc_json(width, le=False, key=0, max_sel=MAX_NONE, c5=0):
    c1 = [1, 2, 3, 4, 8].index(width) | (8 if le else 0)
    return bytes([3 | max_sel << 2, c1, key, 0, 0, c5])


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def json_msg(width, body, key=b"size", extra=b""):
    hdr = b'{"' + key + b'":' + str(len(body)).encode() + extra + b"}"
    return len(hdr).to_bytes(width, "big") + hdr + body


FRAMER = {
    "len4-be-two-frames": fc_len(4) + b"\0\0\0\x05hello\0\0\0\x03abc",
    "len-varint-300": fc_len("varint") + varint(300) + bytes(range(256)) + b"x" * 44 + varint(1) + b"!",
    "len2-le-offset2-counts-all": fc_len(2, le=True, offset=2, counts_all=True)
    + b"HD\x09\x00abcde" + b"ZZ\x04\x00",
    "len1-adjust-negative-bad-length": fc_len(1, adjust=-3) + b"\x05ab\x01",
    "len3-too-long-small-max": fc_len(3, max_sel=MAX_SMALL, c5=4) + b"\0\0\x02ab\0\0\x09123456789\0\0\x01z",
    "len8-incomplete": fc_len(8) + b"\0\0\0\0\0\0\0\x10short",
    "line-crlf-http": fc_line() + b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody\rnot-end\n",
    "line-too-long-max8": fc_line(MAX_SMALL, c5=8) + b"short\nthis one is too long\nok\n",
    "delim-crlf": fc_delim(b"\r\n") + b"a\r\nbb\r\r\n\r\nccc",
    "delim-aab-kmp": fc_delim(b"aab") + b"aaaab" + b"aaab" + b"ab" + b"aab",
    "json-header-2be": fc_json(2) + json_msg(2, b"abc") + json_msg(2, b"")
    + json_msg(2, b"xy", extra=b',"n":[1,{"a":null}]'),
    "json-header-bad-duplicate": fc_json(1) + json_msg(1, b"ab", extra=b',"size":2'),
    "json-header-4le-key-n": fc_json(4, le=True, key=2)
    + (lambda h: len(h).to_bytes(4, "little") + h)(b'{"n":4,"t":"\\u00e9"}') + b"body",
}

# ---------------------------------------------------------------- split invariance


def split(config, stream, cuts, transient=0, reverse=False, isn_sel=0, gaps=0):
    """gaps: bit i set = chunk i is never seen (a gap)."""
    b6 = len(cuts) | (0x10 if reverse else 0) | isn_sel << 5
    return (config + bytes([b6]) + struct.pack(">I", transient | gaps << 16)
            + b"".join(struct.pack(">H", c) for c in cuts) + stream)


MIXED = (varint(5) + b"ab\r\ncd" + b"\0\x02" + b'{"size":1}' + b"Z" + b"line\n"
         + json_msg(2, b"payload") + b"\r\n")

SPLIT = {
    # Netty's bug: a varint length cut between its bytes
    "varint-cut-inside-field": split(fc_len("varint"), varint(300) + b"v" * 300 + varint(2) + b"ok",
                                     [1, 2, 150, 302], transient=0b01010),
    "crlf-cut-between-cr-lf": split(fc_delim(b"\r\n"), b"one\r\ntwo\r\nthree\r\n",
                                    [4, 9, 10, 17], transient=0b10101),
    "json-header-cut-everywhere": split(fc_json(2), json_msg(2, b"abcdef") + json_msg(2, b"g"),
                                        list(range(1, 16)), transient=0x5555),
    "len-offset-cut-in-header": split(fc_len(2, offset=3, adjust=1), b"HDR\x00\x02abc" * 3,
                                      [1, 3, 4, 8, 12, 20], transient=0b100100, isn_sel=7),
    "mixed-reverse-segments": split(fc_line(), MIXED, [3, 7, 11, 20, 30], reverse=True,
                                    transient=0xFFFF, isn_sel=3),
    # gaps inside a length body (truncated), a length field (desync) and a line
    "gaps-in-body-and-header": split(fc_len(2), b"\0\x0aabcdefghij\0\x04wxyz\0\x02ok",
                                     [4, 6, 13, 15, 19], gaps=0b001001, transient=0b10),
    "gaps-adjacent-reverse-json": split(fc_json(1), json_msg(1, b"abcdefgh") + json_msg(1, b"ij") + b"x\n",
                                        [5, 9, 12, 20, 26], gaps=0b0110, reverse=True),
    "many-views-stable": split(fc_delim(b"\n"), b"x" * 40 + b"\n", list(range(2, 32, 2))),
}

# ---------------------------------------------------------------- tracker
F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
O_MSS, O_WS, O_SACK, O_TS = 0x10, 0x20, 0x40, 0x80


def tconfig(policy=0, acked=False, framing=True, stable=False, small_caps=False, fail=0,
            max_conns=4, global_cap=0, framer=None):
    c0 = (policy | (4 if acked else 0) | (8 if framing else 0) | (0x10 if stable else 0)
          | (0x20 if small_caps else 0) | fail << 6)
    c1 = (max_conns - 1) | global_cap << 3
    return bytes([c0, c1]) + (framer or fc_line())


def pkt(flags, server=False, conn=0, opts=0, seq=0, ack=0, length=0, window=64, ms=1,
        bad_csum=False, offload=False, scale8=False, salt=0):
    r0 = conn | (4 if server else 0) | (8 if bad_csum else 0) | opts
    r7 = (1 if scale8 else 0) | (2 if offload else 0) | salt << 2
    return bytes([r0, flags, seq & 0xFF, ack & 0xFF, length, window, ms, r7])


def handshake(conn=0, opts=O_MSS | O_WS | O_SACK | O_TS):
    return (pkt(F_SYN, conn=conn, opts=opts) + pkt(F_SYN | F_ACK, server=True, conn=conn, opts=opts)
            + pkt(F_ACK, conn=conn))


def close(conn=0):
    return (pkt(F_FIN | F_ACK, conn=conn) + pkt(F_FIN | F_ACK, server=True, conn=conn)
            + pkt(F_ACK, conn=conn))


LINES_REQ = pkt(F_PSH | F_ACK, length=30) + pkt(F_ACK, server=True)
# len:4 framing; byte 6 (the framer's fifth byte) 0x0C: streams rest after 1 ns, with
# rest_drops_acked
RESTING_DROPS = fc_len(4)[:4] + bytes([0x0C]) + fc_len(4)[5:]
TRACKER = {
    "handshake-data-fin-close": tconfig() + handshake() + LINES_REQ
    + pkt(F_PSH | F_ACK, server=True, length=200) + pkt(F_ACK) + close(),
    "syn-rejected-rst": tconfig() + pkt(F_SYN) + pkt(F_RST | F_ACK, server=True),
    "syn-unanswered-timeout": tconfig() + pkt(F_SYN) + pkt(F_SYN, ms=0x83) + pkt(F_SYN, ms=0xFF),
    "midstream-bad-checksum-verify": tconfig(policy=1) + pkt(F_PSH | F_ACK, length=40)
    + pkt(F_ACK, server=True, bad_csum=True) + pkt(F_PSH | F_ACK, length=40, bad_csum=True)
    + pkt(F_PSH | F_ACK, length=40),
    "offload-checksums-auto": tconfig(policy=0) + handshake()
    + pkt(F_PSH | F_ACK, length=50, bad_csum=True, offload=True)
    + pkt(F_PSH | F_ACK, length=50, bad_csum=True, offload=True) + close(),
    "out-of-order-acked-retransmit": tconfig(acked=True, stable=True) + handshake()
    + pkt(F_PSH | F_ACK, seq=40, length=40) + pkt(F_PSH | F_ACK, seq=0x100 - 80, length=40)
    + pkt(F_ACK, server=True) + pkt(F_PSH | F_ACK, seq=0x100 - 80, length=40) + close(),
    "capacity-one-four-conns": tconfig(max_conns=1) + handshake(0) + handshake(1)
    + pkt(F_PSH | F_ACK, conn=2, length=10) + handshake(3) + pkt(F_ACK, conn=0),
    "rst-in-window-and-data-after": tconfig() + handshake() + LINES_REQ
    + pkt(F_RST, server=True, seq=5) + pkt(F_RST, server=True) + pkt(F_PSH | F_ACK, length=9),
    "small-caps-holes-len-framing": tconfig(small_caps=True, global_cap=2,
                                            framer=fc_len(2, max_sel=MAX_MEDIUM, c5=8))
    + handshake() + pkt(F_PSH | F_ACK, seq=100, length=250, scale8=True)
    + pkt(F_PSH | F_ACK, seq=50, length=60) + pkt(F_ACK, server=True, ack=120) + close(),
    "allocator-fails-json": tconfig(fail=2, framer=fc_json(2)) + handshake()
    + b"".join(pkt(F_PSH | F_ACK, length=60) for _ in range(6)) + close(),
    # rest_drops_acked (byte 6: rest after 1 ns, bit 3): a copy of acknowledged bytes after the
    # rest; then, stable, the covering ACK coming after the rest
    "rest-drops-acked-late-copy": tconfig(framer=RESTING_DROPS) + handshake()
    + pkt(F_PSH | F_ACK, length=30) + pkt(F_ACK, server=True) + pkt(F_ACK, server=True, ms=20)
    + pkt(F_PSH | F_ACK, seq=0x100 - 30, length=30, salt=5) + pkt(F_ACK, server=True) + close(),
    "rest-drops-acked-later-ack": tconfig(stable=True, framer=RESTING_DROPS) + handshake()
    + pkt(F_PSH | F_ACK, length=30) + pkt(F_ACK, server=True, ack=0x100 - 10)
    + pkt(F_ACK, server=True, ack=0x100 - 10, ms=20) + pkt(F_ACK, server=True)
    + pkt(F_PSH | F_ACK, seq=0x100 - 30, length=30, salt=7) + close(),
}
# A server FIN injected 100 ahead of the client's RCV.NXT (TTL 50), the real bytes below it,
# the client's FIN, the server's real FIN, and the client's ACK of exactly that one (fin_moved;
# the sender's next sequence number is then 101 past the data's start, hence the offsets).
FIN_AHEAD = (handshake() + LINES_REQ + pkt(F_FIN | F_ACK, server=True, seq=100, salt=0x20)
             + pkt(F_PSH | F_ACK, server=True, seq=-101, length=16) + pkt(F_ACK, ack=-85)
             + pkt(F_FIN | F_ACK, ack=-85) + pkt(F_FIN | F_ACK, server=True, seq=-85)
             + pkt(F_ACK, ack=-84))
TRACKER["fin-injected-ahead"] = tconfig() + FIN_AHEAD
TRACKER["fin-injected-ahead-acked"] = tconfig(acked=True, stable=True) + FIN_AHEAD

# Forged ACKs (ack_unacceptable, tcp_conn.c): the client advertises only zero windows, so the
# server can send nothing past the client's last ACK + 1; the client's first bytes come with an
# ACK 5 past anything the server sent (dropped, data and all), then the real bytes; the server's
# pure ACK 100 behind the client's last (past its zero largest window: dropped too).
ACK_FORGED = (pkt(F_SYN, opts=O_MSS | O_WS | O_TS, window=0)
              + pkt(F_SYN | F_ACK, server=True, opts=O_MSS | O_WS | O_TS)
              + pkt(F_ACK, window=0) + pkt(F_PSH | F_ACK, length=30, ack=5, window=0, salt=0x11)
              + pkt(F_PSH | F_ACK, length=30, window=0) + pkt(F_ACK, server=True)
              + pkt(F_PSH | F_ACK, server=True, length=8) + pkt(F_ACK, window=0)
              + pkt(F_ACK, server=True, ack=-100) + close())
TRACKER["ack-forged"] = tconfig() + ACK_FORGED
TRACKER["ack-forged-acked"] = tconfig(acked=True, stable=True) + ACK_FORGED
# A FIN+PSH without ACK carrying other bytes at the client's next sequence number (dropped:
# fin_without_ack), then the real bytes and a close.
FIN_NO_ACK = handshake() + pkt(F_FIN | F_PSH, length=30, salt=0x12) + LINES_REQ + close()
TRACKER["fin-without-ack"] = tconfig() + FIN_NO_ACK
TRACKER["fin-without-ack-acked"] = tconfig(acked=True, stable=True) + FIN_NO_ACK
# Byte 3 bit 2 (the framer's second byte): records may carry a signature option (r7 bit 2;
# bit 3 MD5, else AO, which is not judged). Bytes forged with TCP-MD5, then with TCP-AO, at the client's next
# sequence number on a connection whose SYNs carried neither (dropped under policy host:
# tcp_signature_unexpected), then the real bytes and a close; bit 1 also: policy accept.
def signing(accept=False):
    fr = bytearray(fc_line())
    fr[1] |= 4 | (2 if accept else 0)
    return bytes(fr)


SIG_FORGED = (handshake() + pkt(F_PSH | F_ACK, length=30, salt=0x13)
              + pkt(F_PSH | F_ACK, length=30, salt=0x11) + LINES_REQ + close())
TRACKER["tcp-signature-unexpected"] = tconfig(framer=signing()) + SIG_FORGED
TRACKER["tcp-signature-unexpected-acked"] = tconfig(acked=True, stable=True,
                                                    framer=signing()) + SIG_FORGED
TRACKER["tcp-signature-accepted"] = tconfig(framer=signing(accept=True)) + SIG_FORGED


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "corpus")
    for harness, seeds in (("fuzz_reassembly", REASSEMBLY), ("fuzz_framer", FRAMER),
                           ("fuzz_split_invariance", SPLIT), ("fuzz_tracker", TRACKER)):
        d = os.path.join(root, harness)
        os.makedirs(d, exist_ok=True)
        for name, blob in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(blob)
        print("%s: %d named seeds" % (d, len(seeds)))


if __name__ == "__main__":
    main()

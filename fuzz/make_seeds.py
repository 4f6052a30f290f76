#!/usr/bin/python3
"""Generate fuzz seeds from the conformance captures (../shared/captures/external).

    fuzz/make_seeds.py OUTDIR [CAPTURE_DIR]

Writes OUTDIR/fuzz_decode/, OUTDIR/fuzz_capture/, OUTDIR/fuzz_tcp_options/ in each
harness's input format. Nothing here is committed as is: fuzz/merge.sh merges
these seeds with libFuzzer -merge=1 into corpus/<harness>/ (files named by
SHA-1, only those that add coverage). Standard library only.

  fuzz_decode       link-type selector byte, wirelen-slack byte, frame (cut to 512 bytes)
  fuzz_capture      the capture's file header (or SHB/IDB blocks) and its first records,
                    pcap records cut to 256 bytes: never a copy of a shared capture
  fuzz_tcp_options  mode byte 0 + the TCP option bytes of each TCP segment, and a
                    few truncated variants (mode 0x80 | bytes cut)
"""
import hashlib
import os
import struct
import sys

# Order of fuzz/fuzz_decode.c's `linktypes` table: the selector byte is the index.
DECODE_LINKTYPES = [1, 101, 113, 276, 0, 108, 12, 14, 228, 229]
MAX_FRAME = 512
MAX_CAPTURE_RECORDS = 6
MAX_RECORD = 256
PER_CAPTURE = 40


def read_pcap(data):
    """Yield (linktype, frame, wirelen) and the records' byte ranges of a pcap file."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0xFFFF
    pos, recs = 24, []
    while pos + 16 <= len(data):
        _, _, incl, orig = struct.unpack(end + "IIII", data[pos:pos + 16])
        if pos + 16 + incl > len(data):
            break
        recs.append((linktype, data[pos + 16:pos + 16 + incl], orig, pos))
        pos += 16 + incl
    return ("pcap", end, recs)


def read_pcapng(data):
    if data[:4] != b"\x0a\x0d\x0d\x0a" or len(data) < 12:
        return None
    pos, end, links, recs, blocks = 0, "<", [], [], []
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
            end = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        btype, blen = struct.unpack(end + "II", data[pos:pos + 8])
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1 and len(body) >= 8:
            links.append(struct.unpack(end + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifid, _, _, cap, orig = struct.unpack(end + "IIIII", body[:20])
            if ifid < len(links):
                recs.append((links[ifid], body[20:20 + cap], orig, pos))
        elif btype == 3 and len(body) >= 4 and links:
            orig = struct.unpack(end + "I", body[:4])[0]
            recs.append((links[0], body[4:4 + min(orig, len(body) - 4)], orig, pos))
        blocks.append((btype, pos, blen))
        pos += blen
    return ("pcapng", end, recs, blocks)


def slack_byte(cut_bytes):
    """fuzz_decode's byte 1: 0..127 extra bytes, 128+k: k KiB extra."""
    if cut_bytes < 128:
        return cut_bytes
    return min(191, 128 + (cut_bytes + 1023) // 1024)


def tcp_options_of(linktype, frame):
    """Locate the TCP option bytes of a frame, or None (a small, tolerant decoder)."""
    off = {1: 14, 113: 16, 276: 20, 0: 4, 108: 4, 101: 0, 12: 0, 14: 0, 228: 0, 229: 0}.get(linktype)
    if off is None:
        return None
    if linktype == 1:
        etype = frame[12:14]
        while etype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= off + 4:
            etype = frame[off + 2:off + 4]
            off += 4
    ip = frame[off:]
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        proto, l4 = ip[9], ip[ihl:]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        proto, l4 = ip[6], ip[40:]
    else:
        return None
    if proto != 6 or len(l4) < 20:
        return None
    hlen = (l4[12] >> 4) * 4
    if hlen <= 20 or len(l4) < hlen:
        return None
    return l4[20:hlen]


def write(outdir, harness, data, seen):
    digest = hashlib.sha1(data).hexdigest()
    if digest in seen:
        return
    seen.add(digest)
    with open(os.path.join(outdir, harness, digest), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    capdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "shared",
                                                                "captures", "external")
    if not os.path.isdir(capdir):
        sys.exit("make_seeds: no capture directory %s (SKIPPED: no seeds made)" % capdir)
    for h in ("fuzz_decode", "fuzz_capture", "fuzz_tcp_options"):
        os.makedirs(os.path.join(outdir, h), exist_ok=True)
    seen = set()
    shared_digests = set()
    files = []
    for root, _, names in os.walk(capdir):
        for n in sorted(names):
            if n.endswith((".pcap", ".pcapng", ".cap")):
                files.append(os.path.join(root, n))
    counts = {"fuzz_decode": 0, "fuzz_capture": 0, "fuzz_tcp_options": 0}
    for path in sorted(files):
        with open(path, "rb") as f:
            data = f.read()
        shared_digests.add(hashlib.sha1(data).hexdigest())
        parsed = read_pcap(data) or read_pcapng(data)
        if parsed is None:
            continue
        recs = parsed[2]
        for linktype, frame, orig, _ in recs[:PER_CAPTURE]:
            if linktype in DECODE_LINKTYPES:
                cut = frame[:MAX_FRAME]
                extra = max(0, orig - len(cut))
                seed = bytes([DECODE_LINKTYPES.index(linktype), slack_byte(extra)]) + cut
                write(outdir, "fuzz_decode", seed, seen)
                counts["fuzz_decode"] += 1
            opts = tcp_options_of(linktype, frame)
            if opts:
                write(outdir, "fuzz_tcp_options", b"\x00" + opts, seen)
                write(outdir, "fuzz_tcp_options", bytes([0x80 | (len(opts) // 2)]) + opts, seen)
                counts["fuzz_tcp_options"] += 1
        # A small capture: header and the first records, pcap records cut short.
        if parsed[0] == "pcap":
            end = parsed[1]
            out = bytearray(data[:24])
            for _, frame, orig, pos in recs[:MAX_CAPTURE_RECORDS]:
                sec, frac = struct.unpack(end + "II", data[pos:pos + 8])
                cut = frame[:MAX_RECORD]
                out += struct.pack(end + "IIII", sec, frac, len(cut), orig) + cut
        else:
            blocks = parsed[3]
            out = bytearray()
            packets = 0
            for btype, pos, blen in blocks:
                if btype in (3, 6, 2):
                    packets += 1
                    if packets > MAX_CAPTURE_RECORDS or blen > 2048:
                        continue
                out += data[pos:pos + blen]
                if len(out) > 8192:
                    break
        if hashlib.sha1(bytes(out)).hexdigest() in shared_digests:
            out = out[:-1]  # never a byte-for-byte copy of a shared capture
        write(outdir, "fuzz_capture", bytes(out), seen)
        counts["fuzz_capture"] += 1
    for h, n in counts.items():
        print("make_seeds: %s: %d seeds from %d captures" % (h, n, len(files)))


if __name__ == "__main__":
    main()

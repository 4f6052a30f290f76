#!/bin/bash
# --forget-acked (issue 9): a connection whose client retransmits its message, other bytes,
# 2.5 s after the server acknowledged it. Without the option the copy is compared with the
# bytes retained (overlap_mismatch); with it the client's direction, quiet for 1 s, let them go,
# so the copy is counted retransmission_unverified instead. Everything else is the same: the
# conns objects but for those two counts, and the reassembled bytes.
# usage: cli_forget_acked.sh TCPSIFT
set -u
B=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The capture, built here (Python's standard library and packet_builder.py beside this
# script): Ethernet, IPv4, TCP with correct checksums, microsecond pcap.
PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}" \
python3 - "$tmp/late-copy.pcap" <<'PY' || fail "could not write the capture"
import sys
from packet_builder import ACK, FIN, PSH, SYN, ethernet_ipv4_tcp, write_pcap

C, S = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
CP, SP = 40001, 7000

def frame(client, seq, ack, flags, payload=b""):
    if client:
        return ethernet_ipv4_tcp(C, S, CP, SP, seq, ack, flags, payload)
    return ethernet_ipv4_tcp(S, C, SP, CP, seq, ack, flags, payload)

msg, other = b"\0\0\0\x08hello!!!", b"\0\0\0\x08HELLO???"
c, s = 1000, 5000
pkts = [
    (0.000, frame(1, c, 0, SYN)),
    (0.001, frame(0, s, c + 1, SYN | ACK)),
    (0.002, frame(1, c + 1, s + 1, ACK)),
    (0.010, frame(1, c + 1, s + 1, PSH | ACK, msg)),
    (0.020, frame(0, s + 1, c + 13, ACK)),
    (2.500, frame(0, s + 1, c + 13, ACK)),              # the client's direction rests
    (2.510, frame(1, c + 1, s + 1, PSH | ACK, other)),  # the late copy, other bytes
    (2.520, frame(0, s + 1, c + 13, ACK)),
    (2.530, frame(1, c + 13, s + 1, FIN | ACK)),
    (2.540, frame(0, s + 1, c + 14, FIN | ACK)),
    (2.550, frame(1, c + 14, s + 2, ACK)),
]
write_pcap(sys.argv[1], [p for _, p in pkts],
           times_us=[1700000000 * 10**6 + round(t * 10**6) for t, _ in pkts])
PY
"$B" conns --help | grep -qF -- "--forget-acked" || fail "conns --help lacks --forget-acked"
plain=$("$B" conns "$tmp/late-copy.pcap") || fail "conns"
forget=$("$B" conns --forget-acked "$tmp/late-copy.pcap") || fail "conns --forget-acked"
conn() { head -1 <<<"$1"; }
grep -q '"overlap_mismatch":1' <<<"$(conn "$plain")" || fail "without the option: no overlap_mismatch: $(conn "$plain")"
grep -q 'retransmission_unverified' <<<"$(conn "$plain")" && fail "without the option: unverified: $(conn "$plain")"
grep -q '"retransmission_unverified":1' <<<"$(conn "$forget")" || fail "with it: not unverified: $(conn "$forget")"
grep -q 'overlap_mismatch' <<<"$(conn "$forget")" && fail "with it: still compared: $(conn "$forget")"
# the rest of the connection's object is the same
strip() { sed -E 's/,?"(overlap_mismatch|retransmission_unverified)":1//; s/\{,/{/' <<<"$1"; }
[ "$(strip "$(conn "$plain")")" = "$(strip "$(conn "$forget")")" ] ||
    fail "other fields differ: $(conn "$plain") / $(conn "$forget")"
grep -q '"c2s_stream_bytes":12' <<<"$(conn "$forget")" || fail "stream bytes: $(conn "$forget")"
mkdir "$tmp/a" "$tmp/b"
"$B" stream --out "$tmp/a" "$tmp/late-copy.pcap" >/dev/null || fail stream
"$B" stream --out "$tmp/b" --forget-acked "$tmp/late-copy.pcap" >/dev/null || fail "stream --forget-acked"
cmp -s "$tmp/a/0.c2s.bin" "$tmp/b/0.c2s.bin" || fail "the reassembled bytes differ"
echo ok

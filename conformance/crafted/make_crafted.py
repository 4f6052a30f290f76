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


# ---------------------------------------------------------------------------
# Second set: one case per RFC rule or decoding path (issue 5). Each builds the
# packets by hand with a generic two-sided builder and records, in the sidecar,
# the messages, the end and the endpoint states that follow from construction.

from scapy.all import (UDP, CookedLinux, CookedLinuxV2, Dot1AD, Dot1Q,  # noqa: E402
                       HBHOptUnknown, IPOption_LSRR, IPOption_NOP, IPOption_RR,
                       IPOption_Router_Alert, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, Raw)

C6, S6 = "2001:db8::10", "2001:db8:1::20"
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"
CLOSE_REASON = "client active close, server passive close (RFC 9293 3.6, 3.10.7.4)"


def l2_ether(ip, side):
    return Ether(src=MAC_C if side == "c" else MAC_S, dst=MAC_S if side == "c" else MAC_C) / ip


def l2_vlan(ip, side):
    return (Ether(src=MAC_C if side == "c" else MAC_S, dst=MAC_S if side == "c" else MAC_C) /
            Dot1Q(vlan=100) / ip)


def l2_qinq(ip, side):
    return (Ether(src=MAC_C if side == "c" else MAC_S, dst=MAC_S if side == "c" else MAC_C) /
            Dot1AD(vlan=10) / Dot1Q(vlan=20) / ip)


def l2_sll(ip, side):
    proto = 0x86DD if ip.version == 6 else 0x0800
    return CookedLinux(pkttype=0 if side == "s" else 4, lladdrtype=1, lladdrlen=6,
                       src=bytes.fromhex((MAC_C if side == "c" else MAC_S).replace(":", "")) +
                       b"\0\0", proto=proto) / ip


def l2_sll2(ip, side):
    proto = 0x86DD if ip.version == 6 else 0x0800
    return CookedLinuxV2(proto=proto, ifindex=2, lladdrtype=1, pkttype=0 if side == "s" else 4,
                         lladdrlen=6,
                         src=bytes.fromhex((MAC_C if side == "c" else MAC_S).replace(":", "")) +
                         b"\0\0") / ip


class Conv:
    """Both directions of TCP connections with correct seq/ack by default;
    every field can be overridden per packet to build the odd cases."""

    def __init__(self, cisn, sisn, v6=False, l2=l2_ether, cport=CPORT, sport=SPORT,
                 ip_extra=None, pkts=None, t_us=None):
        self.v6, self.l2, self.ip_extra = v6, l2, ip_extra or {}
        self.client, self.server = (C6, S6) if v6 else (CLIENT, SERVER)
        self.cport, self.sport = cport, sport
        self.pkts = [] if pkts is None else pkts
        self.t_us = T0_US if t_us is None else t_us
        self.seq = {"c": cisn, "s": sisn}

    def raw(self, side, flags, payload=b"", seq=None, ack=None, window=65535, options=None,
            chksum=None, advance=True, v6ext=None, ttl=64):
        other = "s" if side == "c" else "c"
        src, dst = (self.client, self.server) if side == "c" else (self.server, self.client)
        sp, dp = (self.cport, self.sport) if side == "c" else (self.sport, self.cport)
        s = self.seq[side] if seq is None else seq
        a = (self.seq[other] if "A" in flags else 0) if ack is None else ack
        tcp = TCP(sport=sp, dport=dp, seq=s, ack=a, flags=flags, window=window,
                  options=options or [])
        if chksum is not None:
            tcp.chksum = chksum
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=ttl)
            for h in (v6ext or self.ip_extra.get("v6ext", [])):
                ip = ip / h()
            ip = ip / tcp / payload
        else:
            ip = IP(src=src, dst=dst, ttl=ttl, id=len(self.pkts) + 1,
                    options=self.ip_extra.get("options", [])) / tcp / payload
        pkt = self.l2(ip, side)
        pkt.time = Decimal(self.t_us) / Decimal(10**6)
        self.t_us += 1000
        self.pkts.append(pkt)
        if advance and seq is None:
            self.seq[side] = (s + len(payload) + ("S" in flags) + ("F" in flags)) % 2**32
        return pkt

    def handshake(self):
        self.raw("c", "S")
        self.raw("s", "SA")
        self.raw("c", "A")

    def data(self, side, payload):
        self.raw(side, "PA", payload)
        self.raw("s" if side == "c" else "c", "A")

    def close(self):
        self.raw("c", "FA")
        self.raw("s", "FA")
        self.raw("c", "A")


def conn_meta(conv, c_msgs, s_msgs, end=None, states=None, reason=None, **extra):
    d = {"client": conv.client, "cport": conv.cport, "server": conv.server,
         "sport": conv.sport, "c2s_messages_hex": [m.hex() for m in c_msgs],
         "s2c_messages_hex": [m.hex() for m in s_msgs]}
    if end:
        d["end"] = end
    if states:
        d["client_state"], d["server_state"] = states
        d["states_reason"] = reason
    d.update(extra)
    return d


def save(out, name, how, framing, pkts, connections, linktype=None, snaplen=None, **extra):
    path = os.path.join(out, name + ".pcap")
    if snaplen is None:
        wrpcap(path, pkts, linktype=linktype) if linktype else wrpcap(path, pkts)
    else:
        write_truncated(path, pkts, snaplen)
    meta = {"capture": name + ".pcap", "how": how, "framing": framing,
            "connections": connections}
    meta.update(extra)
    with open(os.path.join(out, name + ".messages.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")


def write_truncated(path, pkts, snaplen):
    """A classic pcap (Ethernet) whose records keep at most `snaplen` bytes, as
    tcpdump -s SNAPLEN writes them (caplen < len)."""
    with open(path, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        for p in pkts:
            raw = bytes(p)
            t = int(p.time * 10**6)
            fh.write(struct.pack("<IIII", t // 10**6, t % 10**6, min(len(raw), snaplen),
                                 len(raw)))
            fh.write(raw[:snaplen])


def std_messages():
    return [b"hello", b"x" * 300, b""], [b"welcome", b"ok"]


def std_exchange(conv, cm, sm):
    conv.data("c", b"".join(lp(m) for m in cm))
    conv.data("s", b"".join(lp(m) for m in sm))


def simple_case(out, name, how, **kw):
    linktype = kw.pop("linktype", None)
    conv = Conv(0x11000000, 0x22000000, **kw)
    cm, sm = std_messages()
    conv.handshake()
    std_exchange(conv, cm, sm)
    conv.close()
    save(out, name, how, "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON,
                    handshake=True, c2s_stream_bytes=sum(4 + len(m) for m in cm),
                    s2c_stream_bytes=sum(4 + len(m) for m in sm), gaps=0)],
         linktype=linktype)


def link_and_ip_cases(out):
    simple_case(out, "link-vlan", "scapy, make_crafted.py: the standard exchange (handshake, "
                "length-prefixed messages both ways, client close) in 802.1Q frames (VLAN 100)",
                l2=l2_vlan)
    simple_case(out, "link-qinq", "scapy, make_crafted.py: the standard exchange in QinQ "
                "frames (802.1ad S-tag 10, then 802.1Q C-tag 20)", l2=l2_qinq)
    simple_case(out, "link-sll", "scapy, make_crafted.py: the standard exchange as Linux "
                "cooked capture v1 (DLT_LINUX_SLL, 113), as `tcpdump -i any` writes it",
                l2=l2_sll)
    simple_case(out, "link-sll2", "scapy, make_crafted.py: the standard exchange as Linux "
                "cooked capture v2 (DLT_LINUX_SLL2, 276)", l2=l2_sll2)
    simple_case(out, "link-sll-ipv6", "scapy, make_crafted.py: the standard exchange over "
                "IPv6 as Linux cooked capture v1", l2=l2_sll, v6=True)
    simple_case(out, "ipv4-options", "scapy, make_crafted.py: the standard exchange, every "
                "IPv4 header carrying options (Router Alert, NOP, Record Route: IHL 11, "
                "RFC 791 3.1)",
                ip_extra={"options": [IPOption_Router_Alert(), IPOption_NOP(),
                                      IPOption_RR(routers=["0.0.0.0"] * 5)]})
    simple_case(out, "ipv6-ext-headers", "scapy, make_crafted.py: the standard exchange over "
                "IPv6, every packet carrying a Hop-by-Hop then a Destination Options header "
                "before TCP (RFC 8200 4.1-4.6)",
                v6=True, ip_extra={"v6ext": [IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt]})


def simultaneous_open(out):
    conv = Conv(0x31000000, 0x32000000)
    cm, sm = std_messages()
    ci, si = conv.seq["c"], conv.seq["s"]
    conv.raw("c", "S")                 # SYN_SENT
    conv.raw("s", "S")                 # crosses it: both SYN_SENT -> SYN_RECEIVED
    conv.raw("c", "SA", seq=ci, ack=si + 1)
    conv.raw("s", "SA", seq=si, ack=ci + 1)
    std_exchange(conv, cm, sm)
    conv.close()
    save(out, "simultaneous-open", "scapy, make_crafted.py: both ends send a SYN that cross "
         "(RFC 9293 3.5, figure 8), then each sends SYN,ACK; data both ways; the first SYN's "
         "sender closes first", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "simultaneous open reaches ESTABLISHED on both ends (RFC 9293 3.5); then "
                    + CLOSE_REASON)])


def simultaneous_close(out):
    conv = Conv(0x41000000, 0x42000000)
    cm, sm = std_messages()
    conv.handshake()
    std_exchange(conv, cm, sm)
    cf, sf = conv.seq["c"], conv.seq["s"]
    conv.raw("c", "FA", ack=sf)        # FIN_WAIT_1
    conv.raw("s", "FA", ack=cf)        # crossed: it does not acknowledge the client's FIN
    conv.raw("c", "A")                 # CLOSING -> each ACK of the other's FIN
    conv.raw("s", "A")
    save(out, "simultaneous-close", "scapy, make_crafted.py: both FINs cross (neither "
         "acknowledges the other's), then each acknowledges the other's FIN", "len:4:be",
         conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "TIME_WAIT"),
                    "simultaneous close: FIN_WAIT_1 -> CLOSING -> TIME_WAIT on both ends "
                    "(RFC 9293 3.6, figure 13)")])


def rst_cases(out):
    cm, sm = std_messages()
    # Outside the window: ignored (RFC 9293 3.10.7.4 first check, RFC 5961 3.2).
    conv = Conv(0x51000000, 0x52000000)
    conv.handshake()
    std_exchange(conv, cm, sm)
    conv.raw("s", "R", seq=(conv.seq["s"] + 10_000_000) % 2**32, ack=0)
    more = [b"still here"]
    conv.data("c", b"".join(lp(m) for m in more))
    conv.close()
    save(out, "rst-out-of-window", "scapy, make_crafted.py: after the exchange an RST from "
         "the server's port with a sequence number 10^7 beyond the client's window; the "
         "connection goes on and closes normally", "len:4:be", conv.pkts,
         [conn_meta(conv, cm + more, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "an RST outside the receive window is discarded (RFC 9293 3.10.7.4, "
                    "RFC 5961 3.2); then " + CLOSE_REASON,
                    events_constructed={"rst_out_of_window": 1})])
    # Exactly RCV.NXT: accepted, both CLOSED.
    conv = Conv(0x53000000, 0x54000000)
    conv.handshake()
    std_exchange(conv, cm, sm)
    conv.raw("s", "R", ack=0, advance=False)
    save(out, "rst-in-window-exact", "scapy, make_crafted.py: after the exchange the server "
         "aborts with an RST whose sequence number is exactly the client's RCV.NXT",
         "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "rst", ("CLOSED", "CLOSED"),
                    "the server aborts (RFC 9293 3.10.5: RST, CLOSED); an RST at exactly "
                    "RCV.NXT is accepted (RFC 9293 3.10.7.4, RFC 5961 3.2)")])
    # In the window but not exact, then silence.
    conv = Conv(0x55000000, 0x56000000)
    conv.handshake()
    std_exchange(conv, cm, sm)
    conv.raw("s", "R", seq=(conv.seq["s"] + 1000) % 2**32, ack=0, advance=False)
    save(out, "rst-in-window-inexact", "scapy, make_crafted.py: after the exchange an RST "
         "1000 bytes beyond the client's RCV.NXT (inside its window); nothing follows (no "
         "challenge ACK, no more data)", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "rst", None, None, rst_unconfirmed=True)],
         states_note="an inexact in-window RST draws a challenge ACK from an RFC 5961 "
         "receiver (3.2) and is accepted by an older one; no answer was captured, so the "
         "contract counts it accepted with rst_unconfirmed; the states are not fixed")


def syn_fin(out):
    cm, sm = std_messages()
    pkts = []
    stray = Conv(0x61000000, 0, cport=CPORT + 1, pkts=pkts)
    stray.raw("c", "SF")               # invalid: SYN and FIN together, never answered
    conv = Conv(0x62000000, 0x63000000, pkts=pkts, t_us=stray.t_us)
    conv.handshake()
    std_exchange(conv, cm, sm)
    conv.close()
    save(out, "invalid-syn-fin", "scapy, make_crafted.py: a lone SYN+FIN (an invalid flag "
         "combination, as scanners send) from another client port, unanswered; then a normal "
         "connection", "len:4:be", pkts,
         [conn_meta(stray, [], [], events_constructed={"invalid_flag_combination": 1}),
          conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON)],
         connections_note="the SYN+FIN tuple's end and states are not fixed by any RFC rule; "
         "only that it carries no data and does not disturb the other connection")


def overlap_conflict(out):
    cm, sm = [b"A" * 120, b"second"], [b"ok"]
    stream = b"".join(lp(m) for m in cm)
    conv = Conv(0x71000000, 0x72000000)
    conv.handshake()
    base = conv.seq["c"]
    conv.raw("c", "PA", stream[:100], seq=base)
    forged = stream[50:100].replace(b"A", b"Z") + stream[100:]
    conv.raw("c", "PA", forged, seq=(base + 50) % 2**32)
    conv.seq["c"] = (base + len(stream)) % 2**32
    conv.raw("s", "A")
    conv.data("s", b"".join(lp(m) for m in sm))
    conv.close()
    save(out, "overlap-conflict", "scapy, make_crafted.py: the client's stream in two segments "
         "where the second overlaps the first by 50 bytes with different bytes there (Z for "
         "A): the first copy is what was sent and delivered", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON,
                    events_constructed={"overlap_mismatch": 1})],
         overlap_note="bytes already delivered in order keep the first copy (the contract's "
         "default delivery on arrival; RFC 9293 3.10.7.4 trims what was already received); "
         "the differing copy must be counted as overlap_mismatch (recorded events)")


REST_OF_REPLY = [b"the rest of the reply", b"end"]
# The same lengths, other bytes: what an injection puts where the rest of the reply goes.
FORGED_REST = b"".join(lp(m.upper()) for m in REST_OF_REPLY)


def injected_then_real(cisn, sisn, inject, v6=False):
    """The standard exchange, then what `inject(conv)` sends (advancing no sequence number),
    then the server's real messages from the client's RCV.NXT and a normal close. Returns the
    conversation and the messages each side sent."""
    cm, sm = std_messages()
    conv = Conv(cisn, sisn, v6=v6)
    conv.handshake()
    std_exchange(conv, cm, sm)
    inject(conv)
    conv.data("s", b"".join(lp(m) for m in REST_OF_REPLY))
    conv.close()
    return conv, cm, sm + REST_OF_REPLY


def injected_fin_then_real(cisn, sisn, ahead):
    """A FIN from the server's address `ahead` bytes past the client's RCV.NXT with TTL 1 (an
    injection that expires before the client), then the real messages (injected_then_real)."""
    return injected_then_real(cisn, sisn, lambda conv: conv.raw(
        "s", "FA", seq=(conv.seq["s"] + ahead) % 2**32, ttl=1, advance=False))


def fin_injected(out):
    conv, cm, sm = injected_fin_then_real(0x81000000, 0x82000000, 0)
    save(out, "fin-injected-exact", "scapy, make_crafted.py: after the exchange a FIN from the "
         "server's address at exactly the client's RCV.NXT with TTL 1 (an injection that "
         "expires before the client), then the server's real messages at the same sequence "
         "numbers, acknowledged by the client, and a normal close", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "the client acknowledges bytes sent past the injected FIN, so it never "
                    "took that FIN (nothing follows a FIN, RFC 9293 3.5): the server's close is "
                    "undone; then " + CLOSE_REASON,
                    events_constructed={"fin_refuted": 1})])


def fin_injected_ahead(out):
    # 100 bytes ahead: in the client's window, ahead of a hole the real bytes then fill
    conv, cm, sm = injected_fin_then_real(0x83000000, 0x84000000, 100)
    save(out, "fin-injected-ahead", "scapy, make_crafted.py: after the exchange a FIN from the "
         "server's address 100 bytes ahead of the client's RCV.NXT with TTL 1 (an injection "
         "that expires before the client), then the server's real messages below it, "
         "acknowledged by the client, and a normal close: the client's FIN, then the server's "
         "real FIN, which the client acknowledges", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "the server sends FINs at two sequence numbers before the client "
                    "acknowledges either; the client acknowledges exactly the second, so it never "
                    "took the first: the server's FIN moves there (FIN_REFUTED, then SEND_FIN "
                    "again: LAST_ACK, not CLOSING); then " + CLOSE_REASON,
                    events_constructed={"fin_moved": 1, "fin_refuted": 1})])


def ack_forged(out):
    def inject(conv):
        # a pure ACK from the client's address of 100,000 server bytes never sent, then the
        # server's next bytes forged with an ACK of 100,000 client bytes never sent
        conv.raw("c", "A", ack=(conv.seq["s"] + 100000) % 2**32, advance=False)
        conv.raw("s", "PA", FORGED_REST, ack=(conv.seq["c"] + 100000) % 2**32, advance=False)
    conv, cm, sm = injected_then_real(0x85000000, 0x86000000, inject)
    save(out, "ack-forged", "scapy, make_crafted.py: after the exchange a pure ACK from the "
         "client's address acknowledging 100,000 bytes the server never sent, then the "
         "server's next bytes forged (other bytes, same lengths) with an ACK of 100,000 client "
         "bytes never sent, then the server's real bytes, acknowledged, and a normal close",
         "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "both forged segments acknowledge bytes their receiver never sent, past the "
                    "largest window it was offered: each receiver drops the segment, data and "
                    "all (RFC 9293 3.10.7.4, RFC 5961 5.2); then " + CLOSE_REASON,
                    events_constructed={"ack_out_of_window": 2})])


def fin_without_ack(out):
    conv, cm, sm = injected_then_real(0x87000000, 0x88000000, lambda conv: conv.raw(
        "s", "FP", FORGED_REST, advance=False))
    save(out, "fin-without-ack", "scapy, make_crafted.py: after the exchange the server's next "
         "bytes forged (other bytes, same lengths) in a FIN+PSH segment without ACK, then the "
         "server's real bytes, acknowledged, and a normal close", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "a segment without ACK is dropped by a synchronized receiver (RFC 9293 "
                    "3.10.7.4, fifth check): the forged FIN neither closes nor carries data; "
                    "then " + CLOSE_REASON,
                    events_constructed={"fin_without_ack": 1})])


def tcp_md5_insertion(out):
    conv, cm, sm = injected_then_real(0x89000000, 0x8a000000, lambda conv: conv.raw(
        "s", "PA", FORGED_REST, options=[(19, bytes(range(16))), ("NOP", None), ("NOP", None)],
        advance=False))
    save(out, "tcp-md5-insertion", "scapy, make_crafted.py: after the exchange (whose SYN and "
         "SYN-ACK carry no TCP-MD5 option) the server's next bytes forged (other bytes, same "
         "lengths) with a TCP-MD5 option, then the server's real bytes without it, "
         "acknowledged, and a normal close", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "a segment with a TCP-MD5 option on a connection that never agreed to one "
                    "is dropped by Linux before any state processing (tcp_inbound_hash, "
                    "RFC 2385): the forged bytes are not the stream; then " + CLOSE_REASON,
                    events_constructed={"tcp_signature_unexpected": 1})])


def ip_options_discarded(out):
    """The server's next bytes forged in a datagram every host discards for its IP layer (a
    loose source route, for IPv4; an unknown Destination Option whose action bits say discard,
    for IPv6), then the real bytes (injected_then_real)."""
    def inject_v4(conv):
        conv.ip_extra = {"options": [IPOption_NOP(), IPOption_LSRR(routers=[conv.client])]}
        conv.raw("s", "PA", FORGED_REST, advance=False)
        conv.ip_extra = {}

    def inject_v6(conv):
        conv.raw("s", "PA", FORGED_REST, advance=False, v6ext=[lambda: IPv6ExtHdrDestOpt(
            options=[HBHOptUnknown(otype=0x8F, optdata=b"\0" * 4)])])
    for v6, inject, name, what in (
            (False, inject_v4, "ip-option-source-route",
             "an IPv4 loose source route (hosts refuse source-routed datagrams by default: "
             "Linux accept_source_route 0)"),
            (True, inject_v6, "ipv6-option-discard",
             "an IPv6 Destination Options header holding option type 0x8F, unknown, whose "
             "action bits 10 say discard and send an ICMP Parameter Problem (RFC 8200 4.2)")):
        conv, cm, sm = injected_then_real(0x89000000, 0x8a000000, inject, v6=v6)
        save(out, name, "scapy, make_crafted.py: after the exchange the server's next bytes "
             "forged (other bytes, same lengths) in a datagram with " + what + ", then the "
             "server's real bytes, acknowledged, and a normal close", "len:4:be", conv.pkts,
             [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                        "the client's host discards the forged datagram for its IP layer, so "
                        "its bytes are not the stream (ip_option_discarded); then "
                        + CLOSE_REASON,
                        events_constructed={"ip_option_discarded": 1})])


def client_segment_bytes(conv, payload):
    """The client's next PSH,ACK segment carrying `payload`, as TCP bytes (header + payload, its
    checksum over conv's addresses): what the fragment cases cut into IP fragments."""
    ip = IPv6(src=conv.client, dst=conv.server) if conv.v6 else IP(src=conv.client,
                                                                    dst=conv.server)
    return bytes((ip / TCP(sport=conv.cport, dport=conv.sport, seq=conv.seq["c"],
                           ack=conv.seq["s"], flags="PA", window=65535) / payload)[TCP])


def add_client_fragment(conv, ident, off, data, more, bad_ip_checksum=False):
    """One IP fragment of the client's (IPv6 fragment header or IPv4 flags), 1 ms after the
    last packet; with `bad_ip_checksum` the IPv4 header checksum is wrong."""
    if conv.v6:
        ip = (IPv6(src=conv.client, dst=conv.server, hlim=64) /
              IPv6ExtHdrFragment(nh=6, offset=off // 8, m=int(more), id=ident))
    else:
        ip = IP(src=conv.client, dst=conv.server, ttl=64, id=ident, proto=6,
                flags="MF" if more else 0, frag=off // 8)
        if bad_ip_checksum:
            ip.chksum = IP(bytes(ip / Raw(data))).chksum ^ 0x5a5a
    pkt = l2_ether(ip / Raw(data), "c")
    pkt.time = Decimal(conv.t_us) / Decimal(10**6)
    conv.t_us += 1000
    conv.pkts.append(pkt)


def fragment_overlap(out, v6):
    """Insertion through overlapping IP fragments (Ptacek & Newsham 1998; the black-box finding
    t15): before the client's real segment R, a datagram whose two fragments overlap: A = E[0:32]
    with more fragments, B = R[16:] last, where E is R with payload bytes 0-11 changed (and its
    own valid checksum). Merged first-wins it is E, last-wins R. A receiver following RFC 5722 §4
    (IPv6) or Linux since 4.19 (IPv4 too) discards that datagram, sends no ACK, and the client
    retransmits R whole: the application wrote R's message only."""
    cm, sm = [b"GET /index.html"], [b"200 OK"]
    real = lp(cm[0])
    evil = real[:4] + b"GET /eviex.ht" + real[17:]
    assert len(evil) == len(real) and evil != real
    conv = Conv(0x81000000, 0x82000000, v6=v6)
    conv.handshake()
    r_bytes, e_bytes = client_segment_bytes(conv, real), client_segment_bytes(conv, evil)
    assert e_bytes[16:18] != r_bytes[16:18] and e_bytes[32:] == r_bytes[32:]
    for off, data, more in ((0, e_bytes[:32], True), (16, r_bytes[16:], False)):
        add_client_fragment(conv, 0x5722, off, data, more)
    conv.data("c", real)
    conv.data("s", lp(sm[0]))
    conv.close()
    name = "fragment-overlap-" + ("ipv6" if v6 else "ipv4")
    save(out, name, "scapy, make_crafted.py: a connection whose client segment is preceded by an "
         "IP%s datagram of two overlapping fragments (A = bytes 0-31 of a segment carrying "
         "'GET /eviex.html' with its own valid checksum, more fragments; B = bytes 16- of the "
         "real segment 'GET /index.html', last): first-wins reassembly gives the forged segment, "
         "last-wins the real one; the receiver discards the datagram (RFC 5722 section 4%s) and "
         "the client sends the real segment unfragmented" % ("v6" if v6 else "v4",
                                                             "" if v6 else "; Linux >= 4.19"),
         "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON, handshake=True,
                    c2s_stream_bytes=len(real), s2c_stream_bytes=4 + len(sm[0]), gaps=0,
                    events_constructed={})],
         fragment_note="the overlapping datagram must not reach the stream: it is discarded as a "
         "whole (the fragment that overlaps: error frag_overlap); no retransmission or "
         "overlap_mismatch follows because the stream never held the forged bytes")


def fragment_bad_ip_checksum(out):
    """A forged IPv4 fragment with a bad header checksum, overlapping the real first fragment of
    the client's segment R with other bytes (those of E, R with 'GET /eviex.ht' in it), sent
    just before R's two real fragments. The receiver drops the forged one unread (RFC 1122
    3.2.1.2) and reassembles R: the application wrote R's message only, and R is not sent again.
    An observer that feeds the forged fragment to its reassembly either takes E's bytes or, as
    RFC 5722 / Linux would, discards the datagram for the overlap, and loses R."""
    cm, sm = [b"GET /index.html"], [b"200 OK"]
    real = lp(cm[0])
    evil = real[:4] + b"GET /eviex.ht" + real[17:]
    conv = Conv(0x91000000, 0x92000000)
    conv.handshake()
    r_bytes, e_bytes = client_segment_bytes(conv, real), client_segment_bytes(conv, evil)
    for off, data, more, bad in ((0, e_bytes[:32], True, True), (0, r_bytes[:32], True, False),
                                 (32, r_bytes[32:], False, False)):
        add_client_fragment(conv, 0x1122, off, data, more, bad_ip_checksum=bad)
    conv.seq["c"] += len(real)
    conv.raw("s", "A")
    conv.data("s", lp(sm[0]))
    conv.close()
    save(out, "fragment-bad-ip-checksum", "scapy, make_crafted.py: a connection whose client "
         "segment 'GET /index.html' comes in two IPv4 fragments, the first preceded by a forged "
         "fragment at the same offset with other bytes ('GET /eviex.ht') and a bad IP header "
         "checksum: the receiver drops the forged fragment (RFC 1122 3.2.1.2) and reassembles "
         "the real segment, which it acknowledges", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON, handshake=True,
                    c2s_stream_bytes=len(real), s2c_stream_bytes=4 + len(sm[0]), gaps=0,
                    events_constructed={})],
         fragment_note="the fragment with the bad header checksum must not reach reassembly "
         "(--checksums auto, the default): neither its bytes nor an overlap discard; "
         "packets shows it with ip_csum bad")


def seq_wrap(out):
    cm = [b"m%02d" % i + b"." * (i * 7) for i in range(12)]
    sm = [b"r%02d" % i + b"-" * (i * 5) for i in range(8)]
    conv = Conv(2**32 - 150, 2**32 - 40)
    conv.handshake()
    for m in cm:
        conv.data("c", lp(m))
    for m in sm:
        conv.data("s", lp(m))
    conv.close()
    save(out, "seq-wrap-data", "scapy, make_crafted.py: both directions' sequence numbers "
         "wrap past 2^32 in the middle of the data (ISNs 2^32-150 and 2^32-40), one message "
         "per segment", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "sequence arithmetic is modulo 2^32 (RFC 9293 3.4); " + CLOSE_REASON,
                    c2s_stream_bytes=sum(4 + len(m) for m in cm),
                    s2c_stream_bytes=sum(4 + len(m) for m in sm), gaps=0)])


def zero_window_keepalive(out):
    m1, m2 = b"first" * 10, b"second" * 10
    conv = Conv(0x81000000, 0x82000000)
    conv.handshake()
    conv.raw("c", "PA", lp(m1))
    conv.raw("s", "A", window=0)                       # receiver full: window 0
    nxt = conv.seq["c"]
    conv.raw("c", "A", seq=(nxt - 1) % 2**32)          # keep-alive: SEG.SEQ = SND.NXT-1, no data
    conv.raw("s", "A", window=0)
    conv.raw("c", "A", seq=(nxt - 1) % 2**32)          # second keep-alive
    conv.raw("s", "A", window=0)
    conv.raw("c", "PA", lp(m2)[:1], seq=nxt)           # zero-window probe: one new byte
    conv.raw("s", "A", window=0)                       # not accepted: ACK unchanged
    conv.raw("s", "A", window=65535)                   # window update
    conv.data("c", lp(m2))
    conv.data("s", lp(b"done"))
    conv.close()
    save(out, "zero-window-keepalive", "scapy, make_crafted.py: the server advertises a zero "
         "window; the client sends two keep-alives (SEG.SEQ = SND.NXT-1, no data, nothing "
         "outstanding), then a one-byte zero-window probe (not accepted); then the window opens and the client sends the "
         "message again in full", "len:4:be", conv.pkts,
         [conn_meta(conv, [m1, m2], [b"done"], "fin", ("TIME_WAIT", "CLOSED"),
                    "zero-window probing (RFC 9293 3.8.6.1) and keep-alives (RFC 1122 "
                    "4.2.3.6) do not change the state; then " + CLOSE_REASON,
                    events_constructed={"zero_window_probe": 1, "keep_alive": 2})])


def bad_checksums(out):
    cm, sm = std_messages()
    stream = b"".join(lp(m) for m in cm)
    conv = Conv(0x91000000, 0x92000000)
    conv.handshake()
    base = conv.seq["c"]
    conv.raw("c", "PA", stream.replace(b"x", b"E"), seq=base, chksum=0xBAD0)  # corrupted
    conv.raw("c", "PA", stream)                                                  # retransmitted
    conv.raw("s", "A")
    conv.raw("s", "R", ack=0, advance=False, chksum=0xBAD1)   # exact RST, bad checksum
    conv.data("s", b"".join(lp(m) for m in sm))
    conv.close()
    save(out, "bad-checksums", "scapy, make_crafted.py: a data segment with a bad TCP "
         "checksum and different bytes, then its good retransmission; an RST at exactly "
         "RCV.NXT with a bad checksum; then the exchange completes", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "segments with a bad checksum are discarded (RFC 9293 3.1, RFC 1122 "
                    "4.2.2.7), so neither the corrupted data nor the RST count; then "
                    + CLOSE_REASON, events_constructed={"bad_checksum": 2})])


def malformed_options(out):
    cm, sm = std_messages()
    conv = Conv(0xA1000000, 0xA2000000)
    conv.raw("c", "S", options=[("MSS", 1460), (8, b"")])           # timestamp of length 2
    conv.raw("s", "SA", options=[("MSS", 1460), (3, b"\x07\x00")])  # window scale of length 4
    conv.raw("c", "A")
    conv.raw("c", "PA", b"".join(lp(m) for m in cm), options=[(2, b"\x05")])  # MSS length 3
    conv.raw("s", "A")
    std_exchange_s = b"".join(lp(m) for m in sm)
    conv.data("s", std_exchange_s)
    conv.close()
    save(out, "malformed-options", "scapy, make_crafted.py: a SYN with a timestamp option of "
         "length 2, a SYN,ACK with a window-scale option of length 4, a data segment with an "
         "MSS option of length 3", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "a malformed option does not make the segment unacceptable (RFC 9293 "
                    "3.1: options are processed, unknown/invalid ones skipped; RFC 1122 "
                    "4.2.2.5); then " + CLOSE_REASON,
                    events_constructed={"bad_option": 3})])


def snaplen_truncated(out):
    cm = [b"hi", b"there"]
    sm = [b"ok", b"B" * 500, b"done"]
    conv = Conv(0xB1000000, 0xB2000000)
    conv.handshake()
    for m in cm:
        conv.data("c", lp(m))
    for m in sm:
        conv.data("s", lp(m))
    conv.close()
    snap = 96  # Ethernet 14 + IPv4 20 + TCP 20 + 42 bytes of payload
    save(out, "snaplen-truncated", "scapy, make_crafted.py: written as by tcpdump -s 96: each "
         "record keeps at most 96 bytes; only the server's 504-byte segment is cut (42 of its "
         "bytes captured)", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON,
                    s2c_frames_hex=[b"ok".hex(), "<error truncated>", b"done".hex()],
                    c2s_stream_bytes=sum(4 + len(m) for m in cm),
                    s2c_stream_bytes=6 + 42 + 8,
                    events_constructed={"segment_truncated": 1})],
         snaplen=snap,
         frames_note="s2c_frames_hex: the 500-byte message's bytes past the snap length were "
         "never captured (a hole inside a body of known length: frame error `truncated`, "
         "framing goes on at the next boundary, per the CLI contract)")


def midstream(out):
    cm, sm = std_messages()
    conv = Conv(0xC1000000, 0xC2000000)
    std_exchange(conv, cm, sm)           # no handshake in the capture
    conv.close()
    save(out, "midstream-pickup", "scapy, make_crafted.py: the capture starts after the "
         "handshake: data both ways (client port 40001, server port 7000), then the client "
         "closes", "len:4:be", conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"), CLOSE_REASON,
                    direction_guessed=True, events_constructed={"midstream_pickup": 1})])


def tuple_reuse(out):
    pkts = []
    conns = []
    t = None
    for i, isn in enumerate((0xD1000000, 0xE1000000)):
        conv = Conv(isn, 0xD2000000 + i * 0x01000000, pkts=pkts, t_us=t)
        cm, sm = [b"round %d" % i], [b"answer %d" % i]
        conv.handshake()
        std_exchange(conv, cm, sm)
        conv.close()
        t = conv.t_us + 1000
        # The second SYN (higher ISN) reopens the tuple from the client's TIME_WAIT (RFC 9293
        # 3.10.7.4, RFC 6191); a host keeps one socket a tuple, so that ends the first
        # incarnation's TIME_WAIT: at the end of the capture only the last one's remains.
        last = i == 1
        conns.append(conn_meta(conv, cm, sm, "fin",
                               ("TIME_WAIT" if last else "CLOSED", "CLOSED"),
                               "each connection: " + CLOSE_REASON +
                               ("" if last else "; the next SYN (higher ISN) reopened the tuple "
                                "from this client's TIME_WAIT, ending it (RFC 9293 3.10.7.4, "
                                "RFC 6191): one socket a tuple"),
                               events_constructed={"tuple_reuse": i}))
    save(out, "tuple-reuse", "scapy, make_crafted.py: two connections one after another on "
         "the same 4-tuple, the second SYN (higher ISN) 1 ms after the first closed",
         "len:4:be", pkts, conns)


def tuple_reuse_close_unfinished(out):
    pkts = []
    conns = []
    first = Conv(0xD5000000, 0xD6000000, pkts=pkts)
    cm, sm = [b"first round"], [b"first answer"]
    first.handshake()
    std_exchange(first, cm, sm)
    first.raw("c", "FA")
    first.raw("s", "FA")   # the client's last ACK is not in the capture
    conns.append(conn_meta(first, cm, sm, "fin", ("FIN_WAIT_2", "LAST_ACK"),
                           "the server's FIN,ACK acknowledges the client's FIN (FIN-WAIT-2) and "
                           "closes (LAST-ACK); the client's ACK of it was not captured "
                           "(RFC 9293 3.6)", events_constructed={"tuple_reuse": 0}))
    second = Conv(0xE5000000, 0xE6000000, pkts=pkts, t_us=first.t_us + 1000)
    cm, sm = [b"second round"], [b"second answer"]
    second.handshake()
    std_exchange(second, cm, sm)
    second.close()
    conns.append(conn_meta(second, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                           CLOSE_REASON + "; its SYN comes from an endpoint that had sent its "
                           "FIN, the last sequence number of the first connection (RFC 9293 3.5)",
                           events_constructed={"tuple_reuse": 1}))
    save(out, "tuple-reuse-close-unfinished", "scapy, make_crafted.py: two connections on the "
         "same 4-tuple; the first closes without the client's last ACK in the capture, then the "
         "client's new SYN (another ISN) opens the second", "len:4:be", pkts, conns)


def tcp_fast_open(out):
    cm, sm = [b"request on the SYN", b"then more"], [b"reply"]
    conv = Conv(0xF1000000, 0xF2000000)
    cookie = bytes.fromhex("0011223344556677")
    conv.raw("c", "S", lp(cm[0]), options=[("MSS", 1460), (34, cookie)])
    conv.raw("s", "SA", options=[("MSS", 1460)])   # acknowledges the SYN's data
    conv.raw("c", "A")
    conv.data("c", lp(cm[1]))
    conv.data("s", lp(sm[0]))
    conv.close()
    save(out, "tcp-fast-open", "scapy, make_crafted.py: TCP Fast Open: the SYN carries a "
         "cookie (option 34) and the first message; the SYN,ACK acknowledges it", "len:4:be",
         conv.pkts,
         [conn_meta(conv, cm, sm, "fin", ("TIME_WAIT", "CLOSED"),
                    "data on the SYN is delivered once the SYN,ACK acknowledges it (RFC 7413 "
                    "3; RFC 9293 3.10.7.3); then " + CLOSE_REASON)])


def udp_datagrams(out):
    c_dgrams = [b"query one", b"", b"q" * 400]
    s_dgrams = [b"answer one", b"a" * 300]
    pkts = []
    t = T0_US
    for side, d in (("c", c_dgrams[0]), ("s", s_dgrams[0]), ("c", c_dgrams[1]),
                    ("c", c_dgrams[2]), ("s", s_dgrams[1])):
        src, dst = (CLIENT, SERVER) if side == "c" else (SERVER, CLIENT)
        sp, dp = (CPORT, 5353) if side == "c" else (5353, CPORT)
        p = l2_ether(IP(src=src, dst=dst, ttl=64) / UDP(sport=sp, dport=dp) / d, side)
        p.time = Decimal(t) / Decimal(10**6)
        t += 1000
        pkts.append(p)
    save(out, "udp-datagrams", "scapy, make_crafted.py: one UDP flow, three datagrams from "
         "the client (one empty) and two answers", "line", pkts, [],
         udp_flows=[{"client": CLIENT, "cport": CPORT, "server": SERVER, "sport": 5353,
                     "c2s_messages_hex": [d.hex() for d in c_dgrams],
                     "s2c_messages_hex": [d.hex() for d in s_dgrams]}],
         udp_note="each UDP datagram is one frame whatever the framing (RFC 768: datagrams "
         "keep their boundaries)")


def second_set(out):
    link_and_ip_cases(out)
    simultaneous_open(out)
    simultaneous_close(out)
    rst_cases(out)
    syn_fin(out)
    overlap_conflict(out)
    fin_injected(out)
    fin_injected_ahead(out)
    ack_forged(out)
    fin_without_ack(out)
    tcp_md5_insertion(out)
    ip_options_discarded(out)
    fragment_overlap(out, v6=False)
    fragment_overlap(out, v6=True)
    fragment_bad_ip_checksum(out)
    seq_wrap(out)
    zero_window_keepalive(out)
    bad_checksums(out)
    malformed_options(out)
    snaplen_truncated(out)
    midstream(out)
    tuple_reuse(out)
    tuple_reuse_close_unfinished(out)
    tcp_fast_open(out)
    udp_datagrams(out)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "captures", "crafted")
    os.makedirs(out, exist_ok=True)
    lenprefix_coalesced(out)
    json_header_file_transfer(out)
    lines_reordered(out)
    second_set(out)


if __name__ == "__main__":
    main()

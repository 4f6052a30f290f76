#!/usr/bin/python3
"""One side (client or server) of a recorded conformance conversation.

Run by record.py inside a network namespace. Both sides follow the same small
protocol so every step is bounded and its order is fixed by construction:

  1. the client connects and writes its messages (framed, in the write mode);
  2. the server reads exactly those bytes (or, after a half-close, until EOF);
  3. the server writes its messages; the client reads exactly those bytes;
  4. the connection ends as the case says (see CLOSES below).

Each side logs the messages its application really wrote (only after the
write succeeded), its socket addresses and what happened, as JSON to --log.
The record script turns the two logs into the capture's sidecar. Standard
library only (Debian's /usr/bin/python3)."""
import argparse
import fcntl
import json
import os
import socket
import struct
import sys
import termios
import time

IO_TIMEOUT = 10.0  # every blocking socket call is bounded

CLOSES = (
    "client_first",   # client close(); server reads EOF, then close()
    "server_first",   # server close() after writing; client reads EOF, close()
    "both",           # both close() at the same wall-clock instant (--close-at)
    "half_close",     # client shutdown(SHUT_WR) after writing; server reads to EOF,
                      # writes, close(); client reads to EOF, close()
    "half_hold",      # as half_close, but the server never closes: both hold the
                      # socket until their stdin ends (after the capture stopped)
    "rst_client",     # client close() with SO_LINGER {1, 0}: abortive close, RST
    "rst_unread",     # server close() with client bytes still unread: RST
                      # (RFC 9293 3.10.4 / RFC 2525 2.17)
    "refused",        # no listener: connect() fails with ECONNREFUSED
    "syn_dropped",    # SYNs dropped on the way: connect() times out
)


def frame(framing, msg):
    """The bytes the application writes for one message."""
    if framing == "len:4:be":
        return struct.pack(">I", len(msg)) + msg
    if framing == "line":
        return msg + b"\n"
    if framing == "line-crlf":
        return msg + b"\r\n"
    raise ValueError(framing)


def encode(framing, msgs):
    """List of (wire bytes, messages recorded) per application message.
    json-header:4 messages are (name, body) pairs: one write unit, two frames."""
    out = []
    for m in msgs:
        if framing == "json-header:4":
            name, body = m
            hdr = json.dumps({"name": name, "size": len(body)}).encode()
            out.append((struct.pack(">I", len(hdr)) + hdr + body, [hdr, body]))
        elif framing == "line":
            # alternate LF and CRLF endings: `line` drops a \r before the \n
            wire = frame("line-crlf" if len(out) % 2 else "line", m)
            out.append((wire, [m]))
        else:
            out.append((frame(framing, m), [m]))
    return out


def write_all(sock, units, mode, log):
    """Write each unit as the mode says; record the messages once written."""
    if mode == "cork":
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    for i, (wire, msgs) in enumerate(units):
        last = i == len(units) - 1
        if mode == "pieces" and len(wire) > 4:
            # header and body as separate writes (classic Nagle interplay)
            sock.sendall(wire[:4])
            sock.sendall(wire[4:])
        elif mode == "msgmore" and not last:
            view = memoryview(wire)
            while view:
                n = sock.send(view, socket.MSG_MORE)
                view = view[n:]
        else:
            sock.sendall(wire)
        log["sent_messages_hex"].extend(m.hex() for m in msgs)
        log["sent_wire_bytes"] += len(wire)
    if mode == "cork":
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)


def read_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(65536, n - len(buf)))
        if not chunk:
            raise ConnectionError("EOF after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def read_to_eof(sock, limit):
    buf = bytearray()
    while len(buf) <= limit:
        chunk = sock.recv(65536)
        if not chunk:
            return bytes(buf)
        buf += chunk
    raise ConnectionError("more than %d bytes before EOF" % limit)


def wait_stdin_eof():
    """Hold until the record script closes our stdin (bounded by its timeout)."""
    print("holding", flush=True)  # record.py stops the capture, then closes stdin
    while sys.stdin.buffer.read(1):
        pass


def sleep_until(t):
    delay = t - time.time()
    if 0 < delay < 30:
        time.sleep(delay)


def load_case(path):
    with open(path) as f:
        case = json.load(f)
    framing = case["framing"]

    def msgs(key):
        out = []
        for m in case.get(key, []):
            if framing == "json-header:4":
                out.append((m[0], bytes.fromhex(m[1])))
            else:
                out.append(bytes.fromhex(m))
        return out
    return case, encode(framing, msgs("client")), encode(framing, msgs("server"))


def listen(a):
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(4)
    ls.settimeout(IO_TIMEOUT)
    print("listening", flush=True)  # record.py waits for this line
    return ls


def run_server(ls, a, case, cunits, sunits, log):
    s, peer = ls.accept()
    s.settimeout(IO_TIMEOUT)
    log["local"], log["peer"] = s.getsockname()[:2], peer[:2]
    close = case["close"]
    want = sum(len(w) for w, _ in cunits)
    if close == "rst_unread":
        # Read all but the last message, wait until the last one is queued in
        # the receive buffer, then close with it unread: RST, no FIN.
        read_exact(s, want - len(cunits[-1][0]))
        end = time.time() + IO_TIMEOUT
        queued = 0
        while time.time() < end:
            queued = struct.unpack("i", fcntl.ioctl(s, termios.FIONREAD, b"\0\0\0\0"))[0]
            if queued >= len(cunits[-1][0]):
                break
            time.sleep(0.01)
        if queued < len(cunits[-1][0]):
            raise ValueError("last message never queued")
        s.close()
        log["result"] = "closed with unread data"
        return
    if close in ("half_close", "half_hold"):
        got = read_to_eof(s, want)
    else:
        got = read_exact(s, want)
    if got != b"".join(w for w, _ in cunits):
        raise ValueError("server received other bytes than the client's messages")
    write_all(s, sunits, case.get("server_mode", "bulk"), log)
    if close == "client_first":
        if s.recv(1) != b"":
            raise ValueError("expected EOF")
        s.close()
    elif close == "server_first" or close == "half_close":
        s.close()
    elif close == "both":
        sleep_until(a.close_at)
        s.close()
    elif close == "half_hold":
        wait_stdin_eof()
        s.close()
    elif close == "rst_client":
        try:
            s.recv(1)
            log["result"] = "no reset seen"
        except ConnectionResetError:
            log["result"] = "reset by peer"
        s.close()


def run_client(a, case, cunits, sunits, log):
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.cport))
    close = case["close"]
    s.settimeout(a.connect_timeout)
    log["local"] = s.getsockname()[:2]
    try:
        s.connect((a.addr, a.port))
    except ConnectionRefusedError:
        log["result"] = "refused"
        return
    except (socket.timeout, TimeoutError):
        log["result"] = "connect timed out"
        return
    s.settimeout(IO_TIMEOUT)
    log["peer"] = s.getpeername()[:2]
    write_all(s, cunits, case.get("client_mode", "bulk"), log)
    if close == "rst_unread":
        # the server closes with our last message unread: its RST ends it
        try:
            r = s.recv(1)
            log["result"] = "eof" if r == b"" else "data"
        except ConnectionResetError:
            log["result"] = "reset by peer"
        s.close()
        return
    if close in ("half_close", "half_hold"):
        s.shutdown(socket.SHUT_WR)
    want = sum(len(w) for w, _ in sunits)
    got = read_exact(s, want)
    if got != b"".join(w for w, _ in sunits):
        raise ValueError("client received other bytes than the server's messages")
    if close == "client_first":
        s.close()
    elif close in ("server_first", "half_close"):
        if s.recv(1) != b"":
            raise ValueError("expected EOF")
        s.close()
    elif close == "both":
        sleep_until(a.close_at)
        s.close()
    elif close == "half_hold":
        wait_stdin_eof()
        s.close()
    elif close == "rst_client":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    log.setdefault("result", "ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("role", choices=("client", "server"))
    ap.add_argument("--case", required=True, help="case JSON written by record.py")
    ap.add_argument("--addr", required=True, help="server address")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", help="client source address")
    ap.add_argument("--cport", type=int, default=0)
    ap.add_argument("--connect-timeout", type=float, default=IO_TIMEOUT)
    ap.add_argument("--close-at", type=float, default=0.0)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    case, cunits, sunits = load_case(a.case)
    if case["close"] not in CLOSES:
        raise ValueError(case["close"])
    # Several connections run one after another; the client reuses its port, so on
    # loopback (net.ipv4.tcp_tw_reuse=2) each new SYN reuses the TIME_WAIT 4-tuple.
    top = {"role": a.role, "connections": []}
    try:
        ls = listen(a) if a.role == "server" else None
        for _ in range(case.get("connections", 1)):
            log = {"sent_messages_hex": [], "sent_wire_bytes": 0}
            top["connections"].append(log)
            if a.role == "server":
                run_server(ls, a, case, cunits, sunits, log)
            else:
                run_client(a, case, cunits, sunits, log)
        if ls is not None:
            ls.close()
    except Exception as e:  # logged for record.py, which fails the case
        top["error"] = "%s: %s" % (type(e).__name__, e)
    with open(a.log + ".tmp", "w") as f:
        json.dump(top, f)
    os.rename(a.log + ".tmp", a.log)
    return 1 if "error" in top else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Live capture check: `tcpsift packets -i` and `tcpsift conns -i` on a veth.

Creates two network namespaces joined by a veth pair (names unique to this
run), runs a TCP exchange across it with Python sockets inside
`ip netns exec`, and checks what tcpsift captured on one end:

  packets -i VETH --filter "tcp port P" -c 3
      exactly the handshake (SYN, SYN-ACK, ACK) of the connection, in order,
      with the right addresses and ports; a UDP datagram and a TCP connection
      to another port sent first are filtered out; tcpsift stops by itself.
  conns -i VETH --filter "tcp port P"   (stopped with SIGINT)
      one connection: handshake, end fin, both stream byte counts exact,
      then a summary.
  and the other ends: a filter that does not compile (exit 2), a missing interface (exit 1,
      an error object, no summary), SIGHUP (as SIGINT), output to /dev/full (exit 1), the
      interface set down then deleted (exit 1).

Needs root (namespaces, raw capture). Anything else: prints SKIPPED loudly
and exits 77 (ctest's SKIP_RETURN_CODE). The namespaces are always removed.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

SERVER = r"""
import socket, sys
addr, port, reply_len, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(4)
print("listening", flush=True)
for _ in range(conns):
    c, _ = s.accept()
    got = b""
    while not got.endswith(b"\n"):
        chunk = c.recv(4096)
        if not chunk: break
        got += chunk
    c.sendall(b"r" * reply_len)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096): pass
    c.close()
"""

CLIENT = r"""
import socket, sys, time
addr, port, request_len, other_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
# Noise the filter must drop: a UDP datagram and a refused TCP connection.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(b"noise", (addr, other_port)); u.close()
try:
    socket.create_connection((addr, other_port), timeout=2).close()
except OSError:
    pass
time.sleep(0.2)
c = socket.create_connection((addr, port), timeout=5)
c.sendall(b"q" * (request_len - 1) + b"\n")
got = b""
while True:
    chunk = c.recv(4096)
    if not chunk: break
    got += chunk
c.close()
print(len(got), flush=True)
"""


def skip(why):
    print(f"SKIPPED: live capture test: {why}", flush=True)
    sys.exit(SKIP)


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


class Netns:
    def __init__(self, tag):
        self.a, self.b = f"tsl{tag}a", f"tsl{tag}b"
        self.va, self.vb = f"tsl{tag}a", f"tsl{tag}b"  # veth names (<= 15 chars)
        n = int(tag) % 250 + 1
        self.addr_a, self.addr_b = f"10.213.{n}.1", f"10.213.{n}.2"

    def __enter__(self):
        try:
            run("ip", "netns", "add", self.a)
            run("ip", "netns", "add", self.b)
            run("ip", "link", "add", self.va, "type", "veth", "peer", "name", self.vb)
            run("ip", "link", "set", self.va, "netns", self.a)
            run("ip", "link", "set", self.vb, "netns", self.b)
            for ns, dev, addr in ((self.a, self.va, self.addr_a), (self.b, self.vb, self.addr_b)):
                run("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
                run("ip", "-n", ns, "link", "set", dev, "up")
                run("ip", "-n", ns, "link", "set", "lo", "up")
        except subprocess.CalledProcessError as e:
            self.__exit__(None, None, None)
            skip(f"cannot create the namespaces/veth ({' '.join(e.cmd)}: {e.stderr.strip()})")
        return self

    def __exit__(self, *exc):
        for ns in (self.a, self.b):
            run("ip", "netns", "del", ns, check=False)

    def exec(self, ns, *cmd, **kw):
        return subprocess.Popen(("ip", "netns", "exec", ns) + cmd, text=True, **kw)


def start_capture(net, tcpsift, args):
    p = net.exec(net.a, tcpsift, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # tcpsift says "capturing on IFACE" once the filter is in place.
    line = p.stderr.readline()
    if "capturing on" not in line:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"tcpsift {' '.join(args)} did not start: {line}{err}")
    return p


def exchange(net, port, other_port, request_len, reply_len, conns=1):
    server = net.exec(net.b, PYTHON, "-c", SERVER, net.addr_b, str(port), str(reply_len),
                      str(conns), stdout=subprocess.PIPE)
    assert server.stdout.readline().strip() == "listening"
    client = net.exec(net.a, PYTHON, "-c", CLIENT, net.addr_b, str(port), str(request_len),
                      str(other_port), stdout=subprocess.PIPE)
    out, _ = client.communicate(timeout=20)
    server.wait(timeout=20)
    assert client.returncode == 0 and int(out) == reply_len, f"exchange failed: {out!r}"


def check_packets(net, tcpsift, failures):
    port, other = 7401, 7402
    cap = start_capture(net, tcpsift, ["packets", "-i", net.va, "--filter", f"tcp port {port}",
                                       "-c", "3"])
    exchange(net, port, other, 100, 300)
    try:
        out, err = cap.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        cap.kill()
        failures.append("packets -c 3 did not stop after 3 packets")
        return
    if cap.returncode != 0:
        failures.append(f"packets -i exited {cap.returncode}: {err}")
    rows = [json.loads(line) for line in out.splitlines()]
    want = [  # (frame, src, dst, sport/dport side, flags)
        (1, net.addr_a, net.addr_b, "dport", 0x002),
        (2, net.addr_b, net.addr_a, "sport", 0x012),
        (3, net.addr_a, net.addr_b, "dport", 0x010),
    ]
    if len(rows) != 3:
        failures.append(f"packets -c 3 printed {len(rows)} objects: {out}")
        return
    for row, (frame, src, dst, side, flags) in zip(rows, want):
        got = (row.get("frame"), row.get("proto"), row.get("src"), row.get("dst"),
               row.get(side), row.get("flags"))
        exp = (frame, "tcp", src, dst, port, flags)
        if got != exp:
            failures.append(f"packets frame {frame}: got {got}, want {exp}")
    if rows[0].get("opts", {}).get("mss") is None:
        failures.append("packets: the SYN's MSS option is missing")
    print(f"packets -i: {len(rows)} frames checked")


def check_conns(net, tcpsift, failures):
    port, other = 7411, 7412
    request_len, reply_len = 1000, 5000
    cap = start_capture(net, tcpsift, ["conns", "-i", net.va, "--filter", f"tcp port {port}"])
    exchange(net, port, other, request_len, reply_len)
    time.sleep(0.5)  # let the last ACK arrive
    cap.send_signal(signal.SIGINT)
    try:
        out, err = cap.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        cap.kill()
        failures.append("conns -i did not stop on SIGINT")
        return
    if cap.returncode != 0:
        failures.append(f"conns -i exited {cap.returncode}: {err}")
    rows = [json.loads(line) for line in out.splitlines()]
    conns = [r for r in rows if "id" in r]
    summary = [r for r in rows if "summary" in r]
    if len(conns) != 1 or len(summary) != 1 or rows[-1] is not summary[0]:
        failures.append(f"conns -i: want one connection then a summary, got: {out}")
        return
    c = conns[0]
    want = {"proto": "tcp", "client": net.addr_a, "server": net.addr_b, "sport": port,
            "handshake": True, "end": "fin", "c2s_stream_bytes": request_len,
            "s2c_stream_bytes": reply_len, "c2s_gaps": 0, "s2c_gaps": 0}
    for k, v in want.items():
        if c.get(k) != v:
            failures.append(f"conns -i: {k} = {c.get(k)!r}, want {v!r} ({c})")
    if summary[0]["summary"].get("tcp_connections") != 1:
        failures.append(f"conns -i: summary {summary[0]}")
    if not isinstance(summary[0]["summary"].get("kernel_drops"), int):
        failures.append(f"conns -i: the summary lacks kernel_drops: {summary[0]}")
    print(f"conns -i: connection {c['client']}:{c['cport']} -> {c['server']}:{c['sport']} checked")


def expect_failure_end(p, message, what, failures):
    """The capture p ends by itself within 20 s with exit 1 and `message` on stderr."""
    try:
        _, err = p.communicate(timeout=20)
        if p.returncode != 1 or message not in err:
            failures.append(f"{what}: exit {p.returncode}, stderr {err!r}")
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        failures.append(f"{what}: the capture never ended")


def check_failures(net, tcpsift, failures):
    """Ends other than Ctrl-C and -c: a filter that does not compile (usage error, exit 2), an
    interface that does not exist (exit 1, an error object, no summary), SIGHUP (stops as
    SIGINT does: summary, exit 0), output that cannot be written (exit 1, said), the interface
    set down then deleted (exit 1, said; libpcap alone waits for ever)."""
    r = subprocess.run(("ip", "netns", "exec", net.a, tcpsift, "conns", "-i", net.va, "--filter",
                        "tcp port", "-c", "1"), capture_output=True, text=True, timeout=30)
    if r.returncode != 2 or "summary" in r.stdout:
        failures.append(f"bad filter: exit {r.returncode}, stdout {r.stdout!r}")
    r = subprocess.run(("ip", "netns", "exec", net.a, tcpsift, "conns", "-i", "tslnosuch0"),
                       capture_output=True, text=True, timeout=30)
    if (r.returncode != 1 or '"error":"cannot_open"' not in r.stdout or
            "summary" in r.stdout):
        failures.append(f"missing interface: exit {r.returncode}, stdout {r.stdout!r}")
    cap = start_capture(net, tcpsift, ["conns", "-i", net.va])
    cap.send_signal(signal.SIGHUP)
    out, err = cap.communicate(timeout=30)
    if cap.returncode != 0 or '"summary"' not in out:
        failures.append(f"SIGHUP: exit {cap.returncode}, stdout {out!r}, stderr {err!r}")
    with open("/dev/full", "w") as full:
        p = net.exec(net.a, tcpsift, "packets", "-i", net.va, stdout=full,
                     stderr=subprocess.PIPE)
        assert "capturing on" in p.stderr.readline()
        exchange(net, 7402, 7403, 100, 100)
        expect_failure_end(p, "error writing output", "/dev/full", failures)
    tag = str(os.getpid() % 100000)
    extra_a, extra_b = f"tslx{tag}a", f"tslx{tag}b"
    run("ip", "link", "add", extra_a, "netns", net.a, "type", "veth", "peer", "name", extra_b,
        "netns", net.b)
    run("ip", "-n", net.a, "link", "set", extra_a, "up")
    cap = start_capture(net, tcpsift, ["conns", "-i", extra_a])
    run("ip", "-n", net.a, "link", "set", extra_a, "down")
    time.sleep(0.5)
    run("ip", "-n", net.a, "link", "del", extra_a)
    expect_failure_end(cap, "disappeared", "interface set down then deleted", failures)
    print("live capture: bad filter, missing interface, SIGHUP, unwritable output, deleted "
          "interface checked")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    args = ap.parse_args()
    tcpsift = os.path.abspath(args.tcpsift)
    if os.geteuid() != 0:
        skip("needs root to create network namespaces and capture")
    if not shutil.which("ip"):
        skip("the ip command (iproute2) is missing")
    help_text = run(tcpsift, "packets", "--help").stdout
    if "-i IFACE" not in help_text:
        print("FAIL: tcpsift packets --help does not offer -i IFACE")
        return 1
    failures = []
    with Netns(str(os.getpid() % 100000)) as net:
        check_packets(net, tcpsift, failures)
        check_conns(net, tcpsift, failures)
        check_failures(net, tcpsift, failures)
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("live capture: PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""`tcpsift stream --out DIR`: the files hold exactly each direction's bytes when many
connections interleave (more than the CLI keeps open at once, tools/stream_files.h, so files
are closed and reopened mid-stream), a second run into the same DIR replaces the files of
the first (and any file already there under those names) instead of appending to them, and a
DIR whose parents are missing is created with them. What a name held before is replaced, never
written through: a symbolic link's target and a hard link's other name keep their bytes, and a
FIFO neither blocks the run nor receives bytes. With few file descriptors (RLIMIT_NOFILE 20:
fewer than the files the CLI would keep open) every file is still whole.

The capture: 150 connections, each client and server sending 6 chunks in turn, the chunks of
all connections interleaved round by round, then every connection closed.

usage: cli_stream_files.py --tcpsift BIN
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packet_builder import ACK, FIN, PSH, SYN, write_pcap  # noqa: E402
from packet_builder import ethernet_ipv4_tcp as frame  # noqa: E402

CONNS, ROUNDS = 150, 6
SERVER = bytes([198, 51, 100, 20])


def chunk(conn, side, r):
    return ("%s%d.%d;" % ("cs"[side], conn, r)).encode() * (1 + (conn + r) % 5)


def build(path):
    clients = [(bytes([192, 0, 2, 1 + i // 200]), 20000 + i) for i in range(CONNS)]
    seq = {}
    frames = []
    for i, (c, cp) in enumerate(clients):
        frames += [frame(c, SERVER, cp, 80, 1000, 0, SYN),
                   frame(SERVER, c, 80, cp, 9000, 1001, SYN | ACK),
                   frame(c, SERVER, cp, 80, 1001, 9001, ACK)]
        seq[i] = [1001, 9001]
    expected = {i: [b"", b""] for i in range(CONNS)}
    for r in range(ROUNDS):
        for side in (0, 1):
            for i, (c, cp) in enumerate(clients):
                data = chunk(i, side, r)
                s_c, s_s = seq[i]
                if side == 0:
                    frames.append(frame(c, SERVER, cp, 80, s_c, s_s, PSH | ACK, data))
                    seq[i][0] += len(data)
                else:
                    frames.append(frame(SERVER, c, 80, cp, s_s, s_c, PSH | ACK, data))
                    seq[i][1] += len(data)
                expected[i][side] += data
    for i, (c, cp) in enumerate(clients):
        s_c, s_s = seq[i]
        frames += [frame(c, SERVER, cp, 80, s_c, s_s, FIN | ACK),
                   frame(SERVER, c, 80, cp, s_s, s_c + 1, FIN | ACK),
                   frame(c, SERVER, cp, 80, s_c + 1, s_s + 1, ACK)]
    write_pcap(path, frames, step_us=1)
    return expected


def check_dir(out, expected, failures, label):
    names = sorted(os.listdir(out))
    want = sorted("%d.%s.bin" % (i, d) for i in expected for d in ("c2s", "s2c"))
    if names != want:
        failures.append("%s: files %s..., expected %s..." % (label, names[:4], want[:4]))
        return
    for i, (c2s, s2c) in expected.items():
        for d, data in (("c2s", c2s), ("s2c", s2c)):
            with open(os.path.join(out, "%d.%s.bin" % (i, d)), "rb") as f:
                got = f.read()
            if got != data:
                failures.append("%s: %d.%s.bin holds %d bytes (%r...), expected %d"
                                % (label, i, d, len(got), got[:20], len(data)))
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    args = ap.parse_args()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "interleaved.pcap")
        expected = build(cap)
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        with open(os.path.join(out, "0.c2s.bin"), "wb") as f:
            f.write(b"left by an earlier run")
        # --out creates missing parents too, as its help says ("created if missing").
        deep = os.path.join(tmp, "not", "yet", "there")
        r = subprocess.run([args.tcpsift, "stream", "--out", deep, cap], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            failures.append("--out with missing parents: exit %d: %s"
                            % (r.returncode, r.stderr.strip()))
        else:
            check_dir(deep, expected, failures, "--out with missing parents")
        for run in (1, 2):
            r = subprocess.run([args.tcpsift, "stream", "--out", out, cap],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                failures.append("run %d: exit %d: %s" % (run, r.returncode, r.stderr.strip()))
            check_dir(out, expected, failures, "run %d" % run)
        # Names planted in DIR: a symbolic link and a hard link to files outside, a FIFO.
        planted = os.path.join(tmp, "planted")
        os.mkdir(planted)
        victim, other = os.path.join(tmp, "victim"), os.path.join(tmp, "other")
        for path in (victim, other):
            with open(path, "wb") as f:
                f.write(b"not yours")
        os.symlink(victim, os.path.join(planted, "0.c2s.bin"))
        os.link(other, os.path.join(planted, "0.s2c.bin"))
        os.mkfifo(os.path.join(planted, "1.c2s.bin"))
        try:
            r = subprocess.run([args.tcpsift, "stream", "--out", planted, cap],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               timeout=60)
            if r.returncode != 0:
                failures.append("planted names: exit %d: %s" % (r.returncode, r.stderr.strip()))
            check_dir(planted, expected, failures, "planted names")
        except subprocess.TimeoutExpired:
            failures.append("planted names: the run blocked (on the FIFO?)")
        for path in (victim, other):
            with open(path, "rb") as f:
                if f.read() != b"not yours":
                    failures.append("planted names: %s was written through a link" % path)
        # Few descriptors: the CLI keeps fewer files open instead of losing bytes.
        few = os.path.join(tmp, "few")

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (20, 20))
        r = subprocess.run([args.tcpsift, "stream", "--out", few, cap], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, preexec_fn=limit)
        if r.returncode != 0:
            failures.append("RLIMIT_NOFILE 20: exit %d: %s" % (r.returncode, r.stderr.strip()))
        check_dir(few, expected, failures, "RLIMIT_NOFILE 20")
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("stream files: ok (%d connections, %d files, two runs into one directory, "
              "planted links and a FIFO replaced, 20 descriptors)" % (CONNS, 2 * CONNS))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

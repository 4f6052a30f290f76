#!/usr/bin/env python3
"""Compare `tcpsift stream` with tshark's `follow,tcp,raw` for every TCP stream
of every capture under ../shared/captures/external, and with PcapPlusPlus'
expected reassembled payloads.

For each capture, `tcpsift stream --out TMP CAPTURE` writes <id>.c2s.bin and
<id>.s2c.bin per connection and prints the conns objects. The oracle for
tshark stream N (tcp.stream == N) is read from the committed file
oracles/external-follow/<capture path with / as __>.follow.json: Node 0's
address and port, the flags of the stream's first packet, and each node's
followed bytes (hex when at most 256 bytes, otherwise sha256 + length). For
each stream the check is:
  * tcpsift has a connection with id N and its {client, server} endpoints are
    tshark's {Node 0, Node 1} ("tuple");
  * when the stream's first packet is a pure SYN, Node 0 is tcpsift's client
    ("client");
  * each direction's bytes equal tshark's ("c2s", "s2c");
and tcpsift may have no connection that tshark lacks ("extra").
Each PcapPlusPlus expected file (listed in EXPECTED.tsv) must be an
interleaving (shuffle) of tcpsift's c2s and s2c bytes of its connection
("pcpp:<expected file name>").

A difference is excused only by a row of stream-exceptions.tsv
(capture, stream, check, reason) with a written reason; an exception that no
longer occurs is a failure, so the list stays true.

--regenerate-oracles rewrites the oracle files with the installed tshark.
--live also runs the installed tshark and checks that it still produces the
committed oracle (only when its version is the oracle's).
Prints one row per capture and a closing 'N passed, N failed' line.
"""
import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_DIR = os.path.join(HERE, "oracles", "external-follow")
INLINE_MAX = 256  # directions longer than this are stored as sha256 + length
# The follow output does not depend on these, but pin them so a personal
# profile cannot change the oracle (checksum checking stays off, tshark's
# default: follow then uses every segment, as the brief's plain command does).
TSHARK_OPTS = ["-n", "-o", "tcp.check_checksum:FALSE"]
SELECT = "tcp && !icmp && !icmpv6"


# ---------------------------------------------------------------- tshark side

def tshark_version(tshark):
    try:
        out = subprocess.run([tshark, "--version"], capture_output=True, text=True).stdout
    except OSError:
        return None
    m = re.search(r"TShark \(Wireshark\) (\S+)", out)
    return m.group(1).rstrip(".") if m else None


def tshark_env():
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = tempfile.mkdtemp(prefix="sdiff-ws-")
    return env


def tshark_streams(tshark, capture, env):
    """{stream: flags of its first packet} for every tcp.stream tshark numbers."""
    proc = subprocess.run([tshark, "-r", capture] + TSHARK_OPTS +
                          ["-Y", SELECT, "-T", "fields", "-e", "tcp.stream", "-e", "tcp.flags"],
                          capture_output=True, text=True, env=env)
    first = {}
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or parts[0] == "":
            continue
        stream = int(parts[0].split(",")[-1])
        if stream not in first:
            first[stream] = int(parts[1].split(",")[-1], 16) if parts[1] else None
    return first


def parse_node(text):
    """'1.2.3.4:80' or '[::1]:80' -> [address, port]; ':0' (no data) -> None."""
    text = text.strip()
    if text == ":0" or text == "":
        return None
    addr, _, port = text.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    return [addr, int(port)]


def parse_follow(text):
    """Parse tshark -z follow,tcp,raw output (possibly several blocks).

    Each block: a '=====' line, 'Follow: tcp,raw', 'Filter: tcp.stream eq N',
    'Node 0: ADDR:PORT', 'Node 1: ADDR:PORT', then one hex line per chunk
    (node 0's lines start at column 0, node 1's are indented by one tab), and
    a closing '=====' line. Returns {N: (node0, node1, bytes0, bytes1)}."""
    blocks = {}
    cur = None
    for line in text.split("\n"):
        if line.startswith("====="):
            if cur is not None and cur.get("stream") is not None:
                blocks[cur["stream"]] = (cur["node0"], cur["node1"],
                                         bytes(cur["d0"]), bytes(cur["d1"]))
                cur = None
            else:
                cur = {"stream": None, "node0": None, "node1": None,
                       "d0": bytearray(), "d1": bytearray()}
            continue
        if cur is None or line == "":
            continue
        if line.startswith("Follow:"):
            continue
        if line.startswith("Filter:"):
            cur["stream"] = int(line.split()[-1])
        elif line.startswith("Node 0:"):
            cur["node0"] = parse_node(line[len("Node 0:"):])
        elif line.startswith("Node 1:"):
            cur["node1"] = parse_node(line[len("Node 1:"):])
        elif line.startswith("\t"):
            cur["d1"] += bytes.fromhex(line[1:].strip())
        else:
            cur["d0"] += bytes.fromhex(line.strip())
    return blocks


def run_follow(tshark, capture, streams, env):
    """Follow every stream in one tshark pass (one -z per stream)."""
    blocks = {}
    streams = sorted(streams)
    for i in range(0, len(streams), 200):  # bound the command line
        args = [tshark, "-r", capture] + TSHARK_OPTS + ["-q"]
        for s in streams[i:i + 200]:
            args += ["-z", "follow,tcp,raw,%d" % s]
        proc = subprocess.run(args, capture_output=True, text=True, env=env)
        blocks.update(parse_follow(proc.stdout))
    return blocks


# tshark's follow writes, in place of bytes never captured, the text
# "[N bytes missing in capture file]" and a NUL (tshark 4.0 follow.c); tcpsift
# skips holes (cli.md), so the oracle keeps the bytes without these markers and
# lists the holes separately as [offset in the kept bytes, N].
MISSING = re.compile(rb"\[(\d+) bytes missing in capture file\]\x00?")


def strip_missing(data):
    kept = bytearray()
    holes = []
    pos = 0
    for m in MISSING.finditer(data):
        kept += data[pos:m.start()]
        holes.append([len(kept), int(m.group(1))])
        pos = m.end()
    kept += data[pos:]
    return bytes(kept), holes


def describe(data):
    data, holes = strip_missing(data)
    d = {"len": len(data)}
    if holes:
        d["missing"] = holes
    if len(data) <= INLINE_MAX:
        d["hex"] = data.hex()
    else:
        d["sha256"] = hashlib.sha256(data).hexdigest()
    return d


def live_oracle(tshark, version, capture, rel):
    env = tshark_env()
    try:
        first = tshark_streams(tshark, capture, env)
        blocks = run_follow(tshark, capture, first.keys(), env) if first else {}
    finally:
        shutil.rmtree(env["WIRESHARK_CONFIG_DIR"], ignore_errors=True)
    streams = []
    for s in sorted(first):
        node0, node1, d0, d1 = blocks.get(s, (None, None, b"", b""))
        streams.append({"stream": s, "first_flags": first[s], "node0": node0,
                        "node1": node1, "node0_data": describe(d0),
                        "node1_data": describe(d1)})
    return {"capture": rel, "tshark_version": version,
            "tshark_command": "tshark -r CAPTURE %s -q -z follow,tcp,raw,N"
                              % " ".join(TSHARK_OPTS),
            "streams": streams}


def oracle_path(rel):
    return os.path.join(ORACLE_DIR, rel.replace("/", "__") + ".follow.json")


def write_oracle(path, oracle):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("{\n")
        fh.write('"capture": %s,\n' % json.dumps(oracle["capture"]))
        fh.write('"tshark_version": %s,\n' % json.dumps(oracle["tshark_version"]))
        fh.write('"tshark_command": %s,\n' % json.dumps(oracle["tshark_command"]))
        fh.write('"streams": [')
        for i, s in enumerate(oracle["streams"]):
            fh.write("%s\n%s" % ("," if i else "", json.dumps(s, sort_keys=True)))
        fh.write("\n]\n}\n")


# --------------------------------------------------------------- tcpsift side

def run_tcpsift(tcpsift, capture, outdir, extra=()):
    proc = subprocess.run([tcpsift, "stream", "--out", outdir] + list(extra) + [capture],
                          capture_output=True, text=True)
    conns = {}
    for line in proc.stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("proto") == "tcp" and "id" in obj:
            conns[obj["id"]] = obj
    return proc.returncode, conns, proc.stderr


def read_bin(outdir, cid, direction):
    path = os.path.join(outdir, "%d.%s.bin" % (cid, direction))
    if not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        return fh.read()


def same(desc, data):
    if data is None or desc["len"] != len(data):
        return False
    if "hex" in desc:
        return bytes.fromhex(desc["hex"]) == data
    return hashlib.sha256(data).hexdigest() == desc["sha256"]


def first_diff(desc, data):
    """Human text for a mismatch between an oracle direction and tcpsift's bytes."""
    if data is None:
        return "tcpsift wrote no file (tshark %d bytes)" % desc["len"]
    text = "tshark %d bytes, tcpsift %d bytes" % (desc["len"], len(data))
    if "hex" in desc:
        theirs = bytes.fromhex(desc["hex"])
        n = next((i for i in range(min(len(theirs), len(data))) if theirs[i] != data[i]),
                 min(len(theirs), len(data)))
        text += ", first difference at offset %d" % n
    elif desc["len"] == len(data):
        text += ", same length, different sha256"
    return text


# ----------------------------------------------------------- PcapPlusPlus side

def is_shuffle(whole, a, b, limit=200000):
    """True when `whole` is an interleaving of `a` and `b` (each kept in order).

    Breadth-first over positions in `whole`, keeping the set of reachable
    positions i in `a` (the position in `b` is k - i). The set stays tiny
    except where both streams carry the same bytes; `limit` bounds it."""
    if len(whole) != len(a) + len(b):
        return False
    frontier = {0}
    for k, ch in enumerate(whole):
        nxt = set()
        for i in frontier:
            j = k - i
            if i < len(a) and a[i] == ch:
                nxt.add(i + 1)
            if j < len(b) and b[j] == ch:
                nxt.add(i)
        if not nxt:
            return False
        if len(nxt) > limit:
            raise RuntimeError("shuffle search too wide at byte %d" % k)
        frontier = nxt
    return len(a) in frontier


def pcpp_expectations(root):
    """[(capture rel, expected file rel, connection id)] from EXPECTED.tsv.

    `..._conn_K_output.txt` belongs to connection K-1 (PcapPlusPlus numbers
    connections from 1 in order of first packet, as tcpsift's ids from 0);
    other files describe the capture's only connection, id 0.
    one_tcp_stream_max_seq.pcap has no file of its own: EXPECTED.tsv says its
    test expects one_tcp_stream_output.txt."""
    path = os.path.join(root, "EXPECTED.tsv")
    out = []
    if not os.path.exists(path):
        return out
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["source_repo"] != "seladb/PcapPlusPlus":
                continue
            exp = row["expected_file"]
            if exp == "-":
                m = re.search(r"same reassembled data as (\S+?)_output\.txt \(see (\S+?)\)",
                              row["how_it_was_produced"])
                if not m:
                    continue
                exp = os.path.join(os.path.dirname(row["capture"]), m.group(2))
            m = re.search(r"_conn_(\d+)_output\.txt$", exp)
            out.append((row["capture"], exp, int(m.group(1)) - 1 if m else 0))
    return out


# ----------------------------------------------------------------- exceptions

def load_exceptions(path):
    table = {}
    if not os.path.exists(path):
        return table
    with open(path, newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "capture":
                continue
            if len(row) < 4 or not row[3].strip():
                raise SystemExit("exception without a reason: %r" % (row,))
            table[(row[0], row[1], row[2])] = row[3]
    return table


def excused(exceptions, used, capture, stream, check):
    for key in ((capture, stream, check), (capture, stream, "*"), (capture, "*", check)):
        if key in exceptions:
            used.add(key)
            return True
    return False


# ----------------------------------------------------------------------- main

def find_captures(root):
    captures = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".tshark.tsv"):
                captures.append(os.path.join(dirpath, name[: -len(".tshark.tsv")]))
    return sorted(captures)


def compare_capture(args, cap, rel, oracle, pcpp, exceptions, used, counts,
                    extra=(), shift=0):
    """Returns (problems, excused_count). `extra` are tcpsift options and
    `shift` is added to tshark's stream number to get tcpsift's id (both
    only under a whole-capture exception, see main)."""
    problems = []
    n_excused = 0
    tmp = tempfile.mkdtemp(prefix="sdiff-")
    try:
        rc, conns, err = run_tcpsift(args.tcpsift, cap, tmp, extra)
        if rc != 0:
            problems.append("exit status %d: %s" % (rc, err.strip()[:200]))

        def check(stream, name, ok, text):
            nonlocal n_excused
            if ok:
                return True
            if excused(exceptions, used, rel, str(stream), name):
                n_excused += 1
                if args.verbose:
                    problems.append("(excused) stream %s %s: %s" % (stream, name, text))
                return None
            problems.append("stream %s %s: %s" % (stream, name, text))
            return False

        seen = set()
        for s in oracle["streams"]:
            sid = s["stream"] + shift
            seen.add(sid)
            counts["streams"] += 1
            conn = conns.get(sid)
            stream_ok = True
            if conn is None:
                check(sid, "tuple", False, "tcpsift has no connection %d" % sid)
                counts["dirs"] += 2
                continue
            client = [conn.get("client"), conn.get("cport")]
            server = [conn.get("server"), conn.get("sport")]
            n0, n1 = s["node0"], s["node1"]
            if n0 is None:
                # tshark followed no packet with data: nothing names the nodes
                node0_is_client = True
            else:
                node0_is_client = n0 == client
                tuple_ok = (n0 == client and n1 == server) or (n0 == server and n1 == client)
                r = check(sid, "tuple", tuple_ok,
                          "tshark nodes %s / %s, tcpsift client %s server %s"
                          % (n0, n1, client, server))
                if r is not True:
                    stream_ok = False
                if s["first_flags"] == 0x002:
                    r = check(sid, "client", node0_is_client,
                              "first packet is a SYN from tshark node 0 %s, tcpsift client is %s"
                              % (n0, client))
                    if r is not True:
                        stream_ok = False
            mine = {"c2s": read_bin(tmp, sid, "c2s"), "s2c": read_bin(tmp, sid, "s2c")}
            theirs = {"c2s": s["node0_data"] if node0_is_client else s["node1_data"],
                      "s2c": s["node1_data"] if node0_is_client else s["node0_data"]}
            for d in ("c2s", "s2c"):
                counts["dirs"] += 1
                r = check(sid, d, same(theirs[d], mine[d]), first_diff(theirs[d], mine[d]))
                if r is True:
                    counts["dirs_agree"] += 1
                elif r is None:
                    counts["dirs_excused"] += 1
                    stream_ok = False
                else:
                    stream_ok = False
                # holes: tshark's markers against tcpsift's skipped-byte count.
                # tshark marks only a hole that later data closes off, so
                # trailing or never-resolved losses (and bytes cut by the
                # snap length) cannot be compared: check only marked holes.
                want = sum(n for _, n in theirs[d].get("missing", []))
                got = conn.get(d + "_gaps", 0)
                r = check(sid, d + "_gaps", not want or want == got,
                          "tshark marks %d bytes missing, tcpsift counts %d gap bytes"
                          % (want, got))
                if r is not True:
                    stream_ok = False
            if stream_ok:
                counts["streams_agree"] += 1
        for cid in sorted(set(conns) - seen):
            if cid < shift:
                continue  # the connections the shift steps over
            check(cid, "extra", False, "tcpsift connection %d is not a tshark stream" % cid)

        for exp_rel, cid in pcpp:
            name = "pcpp:" + os.path.basename(exp_rel)
            counts["pcpp"] += 1
            with open(os.path.join(args.root, exp_rel), "rb") as fh:
                whole = fh.read()

            def total(c):
                return sum(len(read_bin(tmp, c, d) or b"") for d in ("c2s", "s2c"))
            if total(cid) != len(whole):
                # PcapPlusPlus numbers connections by its own flow table order:
                # take the one connection whose byte total fits, if unique
                fits = [c for c in sorted(conns) if total(c) == len(whole)]
                if len(fits) == 1:
                    cid = fits[0]
            a = read_bin(tmp, cid, "c2s") or b""
            b = read_bin(tmp, cid, "s2c") or b""
            try:
                ok = is_shuffle(whole, a, b)
                text = ("expected %d bytes are not an interleaving of tcpsift's c2s %d and "
                        "s2c %d bytes" % (len(whole), len(a), len(b)))
            except RuntimeError as e:
                ok, text = False, str(e)
            r = check(cid, name, ok, text)
            if r is True:
                counts["pcpp_agree"] += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return problems, n_excused


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("--shared", required=True, help="path to the shared/ directory")
    ap.add_argument("--exceptions", default=os.path.join(HERE, "stream-exceptions.tsv"))
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--regenerate-oracles", action="store_true",
                    help="rewrite oracles/external-follow/*.follow.json with the installed tshark")
    ap.add_argument("--live", action="store_true",
                    help="also check the committed oracles against the installed tshark "
                         "(skipped when its version differs)")
    ap.add_argument("--captures", default=None,
                    help="compare the captures under this directory instead of ../shared's "
                         "external ones (e.g. conformance/captures)")
    ap.add_argument("--oracles", default=None,
                    help="directory of the .follow.json oracles (default oracles/external-follow)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    global ORACLE_DIR
    if args.oracles:
        ORACLE_DIR = args.oracles
    root = args.captures or os.path.join(args.shared, "captures", "external")
    args.root = root
    if not os.path.isdir(root):
        print("SKIPPED: %s is absent; the stream agreement test did not run" % root)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    captures = find_captures(root)

    version = None
    if args.regenerate_oracles or args.live:
        version = tshark_version(args.tshark)
        if version is None:
            print("tshark (%s) not found" % args.tshark)
            if args.regenerate_oracles:
                return 1
    if args.regenerate_oracles:
        for cap in captures:
            rel = os.path.relpath(cap, root)
            write_oracle(oracle_path(rel), live_oracle(args.tshark, version, cap, rel))
        print("regenerated %d oracle files in %s with tshark %s"
              % (len(captures), ORACLE_DIR, version))

    exceptions = load_exceptions(args.exceptions)
    used = set()
    pcpp_all = pcpp_expectations(root)
    counts = dict(streams=0, streams_agree=0, dirs=0, dirs_agree=0, dirs_excused=0,
                  pcpp=0, pcpp_agree=0)
    passed = failed = 0
    live_note = None
    print("%-74s %7s %7s %7s  %s" % ("capture", "streams", "agree", "excused", "result"))
    for cap in captures:
        rel = os.path.relpath(cap, root)
        problems = []
        path = oracle_path(rel)
        if not os.path.exists(path):
            problems.append("no oracle %s (run with --regenerate-oracles)" % path)
            oracle = {"streams": []}
        else:
            with open(path) as fh:
                oracle = json.load(fh)
            if args.live and version is not None:
                if oracle.get("tshark_version") != version:
                    live_note = ("--live: installed tshark %s is not the oracles' %s; "
                                 "live comparison skipped" % (version, oracle.get("tshark_version")))
                elif not args.regenerate_oracles:
                    fresh = live_oracle(args.tshark, version, cap, rel)
                    if fresh["streams"] != oracle["streams"]:
                        problems.append("committed oracle differs from live tshark %s" % version)
        before = counts["streams_agree"]
        pcpp = [(e, c) for (c_rel, e, c) in pcpp_all if c_rel == rel]
        # Whole-capture exceptions (stream "*") that change how tcpsift is
        # compared, each proven by the comparison passing under it:
        #   checksums=off  tcpsift drops bad-checksum segments by default, tshark's
        #                  follow does not check; rerun with --checksums off.
        #   id_shift=K     tcpsift's ids are tshark's stream numbers + K.
        #   frag_overlap=P tcpsift discards datagrams with overlapping fragments by
        #                  default, tshark's follow reassembles them; rerun with
        #                  --frag-overlap P (tshark keeps the first copy: first).
        #   ip_options=accept  tcpsift ignores segments in datagrams a host discards for
        #                  their IP options or IPv6 extension headers, tshark's follow
        #                  takes them; rerun with --ip-options accept.
        #   tcp_signature=accept  tcpsift ignores segments with a TCP-MD5 or TCP-AO option
        #                  on a connection that never agreed to one, tshark's follow takes
        #                  them; rerun with --tcp-signature accept.
        extra, shift, how = [], 0, []
        for (c_rel, stream, chk) in exceptions:
            if c_rel != rel or stream != "*":
                continue
            if chk == "checksums=off":
                extra += ["--checksums", "off"]
            elif chk.startswith("id_shift="):
                shift = int(chk.split("=", 1)[1])
            elif chk.startswith("frag_overlap="):
                extra += ["--frag-overlap", chk.split("=", 1)[1]]
            elif chk == "ip_options=accept":
                extra += ["--ip-options", "accept"]
            elif chk == "tcp_signature=accept":
                extra += ["--tcp-signature", "accept"]
            else:
                continue
            how.append((c_rel, stream, chk))
        if how:
            scratch = dict(counts)
            plain, _ = compare_capture(args, cap, rel, oracle, pcpp, {}, set(), scratch)
            if plain:
                used.update(how)  # the plain comparison does differ: exception needed
        more, n_exc = compare_capture(args, cap, rel, oracle, pcpp, exceptions, used, counts,
                                      extra, shift)
        if how:
            n_exc += 1
            problems += ["(excused) compared with %s" % ", ".join(h[2] for h in how)]
        problems += more
        real = [p for p in problems if not p.startswith("(excused)")]
        ok = not real
        passed += ok
        failed += not ok
        print("%-74s %7d %7d %7d  %s" % (rel, len(oracle["streams"]),
                                         counts["streams_agree"] - before, n_exc,
                                         "ok" if ok else "FAIL"))
        limit = len(problems) if args.verbose else 8
        for p in problems[:limit]:
            print("    " + p)
        if len(problems) > limit:
            print("    ... %d more (use -v)" % (len(problems) - limit))

    stale = [k for k in exceptions if k not in used]
    for k in stale:
        print("STALE exception (no longer occurs, remove it): %s" % "\t".join(k))
    if stale:
        failed += 1
    if live_note:
        print(live_note)
    print("TCP streams: %d, all checks agree: %d; directions: %d, agree: %d, excused: %d; "
          "PcapPlusPlus payloads: %d, agree: %d"
          % (counts["streams"], counts["streams_agree"], counts["dirs"], counts["dirs_agree"],
             counts["dirs_excused"], counts["pcpp"], counts["pcpp_agree"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

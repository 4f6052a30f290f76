#!/usr/bin/env python3
"""Compare `tcpsift conns` with two outside oracles for every capture under
../shared/captures/external:

1. tshark's tcp.stream (from <capture>.tshark.tsv): for each stream id, the
   unordered endpoint pair and the packet count must equal tcpsift's TCP
   connection with the same id (contract: TCP ids equal tshark's tcp.stream).
2. Zeek's conn.log baselines shipped beside the capture
   (<capture>.expected.zeek.*, read by zeek_baselines.py): for each row whose
   tuple is one of tcpsift's connections (baselines may concatenate several
   traces), the originator/responder, `conn_state` and `history` must equal
   tcpsift's.

A difference is excused only when (capture, check, key) is listed in
conns-exceptions.tsv with a reason (a documented quirk of the other tool, not
a tcpsift bug). Keys: `<id>:tuple|pkts|missing|extra` for tshark,
`<orig>:<port>-<resp>:<port>#<n>:direction|conn_state|history|missing` for Zeek
(n counts rows with the same tuple in one baseline); shell wildcards allowed.
A listed exception that no longer occurs is a failure, so the list stays true.
Prints one row per capture and a closing 'N passed, N failed' line.
"""
import argparse
import csv
import fnmatch
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zeek_baselines  # noqa: E402


def load_exceptions(path):
    table = {}
    if not os.path.exists(path):
        return table
    with open(path, newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "capture":
                continue
            if len(row) < 4 or not row[3].strip():
                raise SystemExit("%s: every exception needs capture, check, key and a reason: %r"
                                 % (path, row))
            table[(row[0], row[1], row[2])] = row[3]
    return table


def find_exception(exceptions, capture, check, key):
    for (cap, chk, pattern) in exceptions:
        if cap == capture and chk == check and fnmatch.fnmatchcase(key, pattern):
            return (cap, chk, pattern)
    return None


def run_tcpsift(tcpsift, capture, extra=()):
    proc = subprocess.run([tcpsift, "conns"] + list(extra) + [capture], capture_output=True,
                          text=True)
    conns = []
    for line in proc.stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get("proto") == "tcp":
            conns.append(obj)
    conns.sort(key=lambda c: c["id"])
    return proc.returncode, conns, proc.stderr


def tshark_streams(tsv):
    """stream id -> (frozenset of (addr, port) endpoints, packet count)."""
    streams = {}
    with open(tsv, newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}

        def get(row, name):
            i = col[name]
            return row[i] if i < len(row) else ""

        for row in reader:
            if not row or not get(row, "tcp.stream"):
                continue
            sid = int(get(row, "tcp.stream"))
            src = (get(row, "ip.src") or get(row, "ipv6.src"), get(row, "tcp.srcport"))
            dst = (get(row, "ip.dst") or get(row, "ipv6.dst"), get(row, "tcp.dstport"))
            ends, count = streams.get(sid, (frozenset((src, dst)), 0))
            streams[sid] = (ends, count + 1)
    return streams


def ends_text(ends):
    return " <-> ".join("%s:%s" % e for e in sorted(ends))


def conn_ends(c):
    return frozenset(((c["client"], str(c["cport"])), (c["server"], str(c["sport"]))))


def compare_tshark(tsv, conns):
    """[(key, message)] for every disagreement, and (agree, total)."""
    streams = tshark_streams(tsv)
    by_id = {c["id"]: c for c in conns}
    diffs, agree = [], 0
    ids = sorted(set(streams) | set(by_id))
    for sid in ids:
        mine = by_id.get(sid)
        if sid not in streams:
            diffs.append(("%d:extra" % sid, "stream %d: tshark has no such stream; tcpsift %s, %d pkts"
                          % (sid, ends_text(conn_ends(mine)), mine["c2s_pkts"] + mine["s2c_pkts"])))
            continue
        ends, count = streams[sid]
        if mine is None:
            diffs.append(("%d:missing" % sid, "stream %d: tshark %s, %d pkts; tcpsift has no connection %d"
                          % (sid, ends_text(ends), count, sid)))
            continue
        ok = True
        if conn_ends(mine) != ends:
            ok = False
            diffs.append(("%d:tuple" % sid, "stream %d: tshark %s, tcpsift %s"
                          % (sid, ends_text(ends), ends_text(conn_ends(mine)))))
        pkts = mine["c2s_pkts"] + mine["s2c_pkts"]
        if pkts != count:
            ok = False
            diffs.append(("%d:pkts" % sid, "stream %d (%s): tshark %d pkts, tcpsift %d (c2s %d + s2c %d)"
                          % (sid, ends_text(ends), count, pkts, mine["c2s_pkts"], mine["s2c_pkts"])))
        agree += ok
    return diffs, agree, len(ids)


def compare_zeek(root, rel, conns_for, notes):
    """[(key, message)] for every disagreement, and (agree, total).
    conns_for(extra_args) gives tcpsift's connections under those options."""
    diffs, agree, total = [], 0, 0
    for name, rows, skip in zeek_baselines.baselines_for(root, rel):
        short = name.split(".expected.zeek.", 1)[1]
        if skip:
            notes.append("zeek %s not compared: %s" % (short, skip))
            continue
        extra = zeek_baselines.tcpsift_args(name)
        conns = conns_for(extra)
        if extra:
            notes.append("zeek %s compared with `tcpsift conns %s` (the btest ran zeek -C)"
                         % (short, " ".join(extra)))
        # Pair rows with connections: rows sharing an unordered tuple are
        # matched in order with tcpsift's connections on that tuple (by id).
        used = {}
        for row in rows:
            if all(k in row for k in zeek_baselines.TUPLE_KEYS):
                orig = (row["orig_h"], row["orig_p"])
                resp = (row["resp_h"], row["resp_p"])
                ends = frozenset((orig, resp))
                cands = [c for c in conns if conn_ends(c) == ends]
                if not cands:
                    continue  # another trace of a concatenated baseline
                n = used.get(ends, 0)
                used[ends] = n + 1
                tup = "%s:%s-%s:%s" % (orig + resp)
                mine = cands[n] if n < len(cands) else None
            else:
                # A zeek-cut output without the tuple: only unambiguous when the
                # trace and the baseline both have a single TCP connection.
                if len(conns) != 1 or len(rows) != 1:
                    notes.append("zeek %s line %d not compared: no tuple and %d connections"
                                 % (short, row["line"], len(conns)))
                    continue
                tup, n, mine, orig = "-", 0, conns[0], None
            total += 1
            key = "%s#%d" % (tup, n)
            where = "zeek %s line %d %s" % (short, row["line"], tup)
            if mine is None:
                diffs.append((key + ":missing", "%s: Zeek has a connection (conn_state %s, history %s) "
                              "that tcpsift does not (it has %d on this tuple)"
                              % (where, row.get("conn_state", "-"), row.get("history", "-"),
                                 len(cands))))
                continue
            ok = True
            label = "%s (tcpsift%s id %d)" % (where, "".join(" " + a for a in extra), mine["id"])
            if orig is not None and (mine["client"], str(mine["cport"])) != orig:
                ok = False
                diffs.append((key + ":direction", "%s: Zeek originator %s:%s, tcpsift client %s:%s%s"
                              % (label, orig[0], orig[1], mine["client"], mine["cport"],
                                 " (direction_guessed)" if mine.get("direction_guessed") else "")))
            for field in ("conn_state", "history"):
                if field in row and row[field] != mine.get(field):
                    ok = False
                    diffs.append((key + ":" + field, "%s: %s Zeek %r, tcpsift %r"
                                  % (label, field, row[field], mine.get(field))))
            agree += ok
    return diffs, agree, total


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("--shared", required=True, help="path to the shared/ directory")
    ap.add_argument("--exceptions", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "conns-exceptions.tsv"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    root = os.path.join(args.shared, "captures", "external")
    if not os.path.isdir(root):
        print("SKIPPED: %s is absent; the conns agreement test did not run" % root)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    exceptions = load_exceptions(args.exceptions)
    used = set()
    captures = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            if name.endswith(".tshark.tsv"):
                captures.append(os.path.join(dirpath, name[: -len(".tshark.tsv")]))
    captures.sort()

    passed = failed = 0
    sums = [0, 0, 0, 0, 0]  # tshark agree, total; zeek agree, total; excused
    print("%-78s %9s %7s %7s  %s" % ("capture", "tshark", "zeek", "excused", "result"))
    for cap in captures:
        rel = os.path.relpath(cap, root)
        rc, conns, err = run_tcpsift(args.tcpsift, cap)
        problems, notes, excused = [], [], 0
        if rc != 0:
            problems.append("exit status %d: %s" % (rc, err.strip()[:200]))
        t_diffs, t_agree, t_total = compare_tshark(cap + ".tshark.tsv", conns)
        runs = {(): conns}

        def conns_for(extra, cap=cap, runs=runs):
            if extra not in runs:
                xrc, runs[extra], xerr = run_tcpsift(args.tcpsift, cap, extra)
                if xrc != 0:
                    problems.append("exit status %d with %s: %s"
                                    % (xrc, " ".join(extra), xerr.strip()[:200]))
            return runs[extra]

        z_diffs, z_agree, z_total = compare_zeek(root, rel, conns_for, notes)
        for check, diffs in (("tshark", t_diffs), ("zeek", z_diffs)):
            for key, msg in diffs:
                exc = find_exception(exceptions, rel, check, key)
                if exc:
                    used.add(exc)
                    excused += 1
                    notes.append("excused [%s %s]: %s -- %s" % (check, key, msg, exceptions[exc]))
                else:
                    problems.append("[%s %s] %s" % (check, key, msg))
        for i, v in enumerate((t_agree, t_total, z_agree, z_total, excused)):
            sums[i] += v
        ok = not problems
        passed += ok
        failed += not ok
        zeek_col = "%d/%d" % (z_agree, z_total) if z_total else "-"
        print("%-78s %9s %7s %7d  %s" % (rel, "%d/%d" % (t_agree, t_total), zeek_col, excused,
                                         "ok" if ok else "FAIL"))
        limit = len(problems) if args.verbose else 8
        for p in problems[:limit]:
            print("    " + p)
        if len(problems) > limit:
            print("    ... %d more (use -v)" % (len(problems) - limit))
        if args.verbose:
            for n in notes:
                print("    note: " + n)

    stale = [k for k in exceptions if k not in used]
    for k in stale:
        print("STALE exception (no longer occurs, remove it): %s" % "\t".join(k))
    if stale:
        failed += 1
    print("tshark streams: %d/%d agree; Zeek rows: %d/%d agree; documented exceptions: %d"
          % tuple(sums))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

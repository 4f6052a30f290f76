"""Read the Zeek connection summaries (conn_state, history) that ship beside
the external captures as btest baselines (`<capture>.expected.zeek.*`).

Stdlib only. A baseline counts as conn.log content when:
  * it is an ASCII Zeek log whose `#fields` header has `history` or
    `conn_state` (several logs may be concatenated; each `#fields` line
    starts a new column set), or
  * it is a `zeek-cut` output (`*.cut`, `*.log.*`) whose first line after the
    btest banner is a plain tab-separated header naming `history` or
    `conn_state`, or
  * it is one of the few script outputs whose line format is known (see
    SCRIPT_OUTPUTS): they print the history of a connection when it is
    removed, which is the same field conn.log logs.

Each row is a dict with the keys that were present among: orig_h, orig_p,
resp_h, resp_p, conn_state, history, plus `source` (baseline file name) and
`line` (1-based line number in it).
"""
import csv
import glob
import os
import re

TUPLE_KEYS = ("orig_h", "orig_p", "resp_h", "resp_p")
_FIELD_NAMES = {
    "id.orig_h": "orig_h", "id.orig_p": "orig_p", "id.resp_h": "resp_h",
    "id.resp_p": "resp_p", "conn_state": "conn_state", "history": "history",
}

# Baselines produced with non-default Zeek settings, for traces that have one
# baseline per setting: only the one whose run matches tcpsift's defaults is
# compared. The key is the capture's path relative to captures/external.
#  * core.checksums_ignore_nets: conn-failed.log is the default run (Zeek drops
#    every segment with a bad checksum: history "C", states OTH/SH);
#    conn-worked.log is the run with ignore_checksums_nets covering the sender,
#    so the segments are used. tcpsift's default `--checksums auto` accepts a
#    bad checksum that looks like transmit offload on a locally sent packet,
#    which is exactly this capture (loopback-side capture of outgoing packets).
#  * core.expire-all-timers: conn-all.log expires every timer at the end of
#    the run (the 300 s gap before the retransmission lets the inactivity
#    timer fire, so the retransmission opens a new connection); conn-limited
#    caps timer expiry. tcpsift expires idle connections by packet time.
PREFERRED = {
    "zeek/localhost-bad-chksum.pcap": "core.checksums_ignore_nets.conn-worked.log",
    "zeek/retransmit-timeout.pcapng": "core.expire-all-timers.conn-all.log",
}

# Baselines whose btest ran `zeek -C` (ignore_checksums: every segment is used
# whatever its checksum; testing/btest/... @TEST-EXEC lines at the commit in
# captures/external/README.md). tcpsift's equivalent is `--checksums off`;
# comparing them with tcpsift's default (which drops segments with a bad
# checksum, as Zeek does without -C) would compare different settings.
ZEEK_IGNORE_CHECKSUMS = (
    "core.tcp.missing-syn.conn.log",                      # zeek -b -C
    "core.history-flip.conn.log",                         # zeek -b -C
    "core.tcp-padding.conn.log",                          # zeek -C
    "core.tcp.rxmit-history.conn-1.log",                  # zeek -C
    "core.conn-size-flip.conn.log.one-sided",             # zeek -C -b
    "core.tcp.tcp-dups.out",                              # zeek -C
    "core.expire-all-timers.conn-all.log",                # zeek -b -C
    "core.expire-all-timers.conn-limited.log",            # zeek -b -C
    "scripts.base.protocols.conn.conn_state-RST-behavior.out",  # zeek -b -C
    "scripts.base.protocols.syslog.tcp-framing.conn.log",  # zeek -C -b
)


def tcpsift_args(baseline_name):
    """Extra `tcpsift conns` options matching the Zeek run of a baseline."""
    if any(baseline_name.endswith(s) for s in ZEEK_IGNORE_CHECKSUMS):
        return ("--checksums", "off")
    return ()


_TUPLE_RE = re.compile(r"\[orig_h=([^,]+), orig_p=(\d+)/tcp, resp_h=([^,]+), resp_p=(\d+)/tcp")


def _conn_state_remove(lines):
    """core.connection_flipped: `ts, connection_state_remove, [orig_h=...], HIST, ts`."""
    rows = []
    for n, line in lines:
        if ", connection_state_remove, " not in line:
            continue
        m = _TUPLE_RE.search(line)
        # the record may hold nested brackets (ctx=[]): count from the end
        hist = line.split(", ")[-2].strip()
        rows.append({"orig_h": m.group(1), "orig_p": m.group(2), "resp_h": m.group(3),
                     "resp_p": m.group(4), "history": hist, "line": n})
    return rows


def _remove_line(lines):
    """core.tcp.tcp-dups: `REMOVE:, [orig_h=...], HIST` at connection_state_remove."""
    rows = []
    for n, line in lines:
        if not line.startswith("REMOVE:, "):
            continue
        m = _TUPLE_RE.search(line)
        hist = line.split(", ")[-1].strip()
        rows.append({"orig_h": m.group(1), "orig_p": m.group(2), "resp_h": m.group(3),
                     "resp_p": m.group(4), "history": hist, "line": n})
    return rows


def _history_state_per_trace(lines):
    """conn_state-RST-behavior: one `HIST, STATE` line per trace, in trace order
    (connection_state_remove prints c$history, c$conn$conn_state)."""
    rows = []
    for n, line in lines:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2:
            rows.append({"history": parts[0], "conn_state": parts[1], "line": n,
                         "per_trace": True})
    return rows


# baseline name suffix (after `.expected.zeek.`) -> parser of its lines
SCRIPT_OUTPUTS = {
    "core.connection_flipped.out": _conn_state_remove,
    "core.tcp.tcp-dups.out": _remove_line,
    "scripts.base.protocols.conn.conn_state-RST-behavior.out": _history_state_per_trace,
}


def _numbered_lines(path):
    with open(path, encoding="utf-8", errors="replace") as fh:
        return [(i + 1, line.rstrip("\n")) for i, line in enumerate(fh)]


def parse_conn_rows(path):
    """Rows of conn.log content in one baseline, or None when it has none."""
    lines = [(n, l) for n, l in _numbered_lines(path) if not l.startswith("###")]
    name = os.path.basename(path)
    suffix = name.split(".expected.zeek.", 1)[1] if ".expected.zeek." in name else name
    if suffix in SCRIPT_OUTPUTS:
        return SCRIPT_OUTPUTS[suffix](lines)
    rows, columns, seen_header = [], None, False
    for n, line in lines:
        if line.startswith("#fields\t"):
            names = line.split("\t")[1:]
            columns = names if ("history" in names or "conn_state" in names) else None
            seen_header = True
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if not seen_header:
            # a zeek-cut output: the first line is a plain header row
            seen_header = True
            if "history" in fields or "conn_state" in fields:
                columns = fields
            continue
        if columns is None or len(fields) != len(columns):
            continue
        row = {"line": n}
        for col, val in zip(columns, fields):
            if col in _FIELD_NAMES:
                row[_FIELD_NAMES[col]] = val
        rows.append(row)
    return rows if columns is not None or rows else None


def trace_position(expected_tsv, rel_capture, baseline_name):
    """(index of this capture among the traces the btest ran, number of traces),
    from EXPECTED.tsv's `traces used by that test, in order: ...` text."""
    if not os.path.exists(expected_tsv):
        return None
    with open(expected_tsv, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["capture"] != rel_capture or os.path.basename(row["expected_file"]) != baseline_name:
                continue
            how = row["how_it_was_produced"]
            m = re.search(r"in order: ([^(]*)", how)
            if not m:
                return None
            traces = [t.strip() for t in m.group(1).split(",") if t.strip()]
            this = re.search(r"this capture is ([^) ]+)", how)
            wanted = this.group(1) if this else traces[0]
            if wanted in traces:
                return traces.index(wanted), len(traces)
    return None


def baselines_for(root, rel_capture):
    """[(baseline file name, rows or None, skip reason or None)] for a capture."""
    cap = os.path.join(root, rel_capture)
    out = []
    for path in sorted(glob.glob(glob.escape(cap) + ".expected.zeek.*")):
        name = os.path.basename(path)
        rows = parse_conn_rows(path)
        if rows is None:
            continue
        skip = None
        want = PREFERRED.get(rel_capture)
        if want and not name.endswith(want):
            skip = "run with non-default Zeek settings; compared against %s instead" % want
        if rows and rows[0].get("per_trace"):
            pos = trace_position(os.path.join(root, "EXPECTED.tsv"), rel_capture, name)
            if pos is None or pos[1] != len(rows):
                skip = skip or "cannot tell which output line belongs to this trace"
                rows = []
            else:
                rows = [rows[pos[0]]]
        for r in rows:
            r["source"] = name
        out.append((name, rows, skip))
    return out

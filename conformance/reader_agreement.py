#!/usr/bin/env python3
"""The two capture readers agree (issue 9): tcpsift's own pcap/pcapng reader
and libpcap (`--reader libpcap`) give identical results.

For every capture (*.pcap, *.pcapng) under ../shared/captures/external and the
given directories, runs `packets`, `conns`, `frames --framing len:4:be` (frame
bytes printed) and `stream --deliver acked` (each direction's bytes, in the
mode that keeps delivered bytes to judge overlaps) once with each reader and
requires identical output and identical stream files. The own reader also
reads each capture piped through standard input (a stream read through a
sliding window: TCPSIFT_STREAM_WINDOW makes it small, so it slides every few
records), which must give exactly the mapped file's output. The one allowed difference: libpcap
does not tell a pcapng interface's timestamp resolution, so its `ts` carries
9 digits; `ts` is therefore compared as a decimal number. And libpcap reuses
its record buffer, so under it the tracker keeps copies of the bytes it
retains rather than views into the mapped file: the summary's
`reassembly_memory_peak` (memory, not a result) is left out of the comparison.

Where libpcap stops early (its final object is an error), the capture must be
listed in conformance/reader-exceptions.tsv with the reason libpcap gives;
then the frames libpcap did read must equal the own reader's first frames,
the own reader must read further, and `conns`/`frames` are not compared (the
two runs saw different packets). An unlisted early stop, a listed capture
libpcap reads to its end, or any difference fails.

Also checked: standard input through libpcap; the automatic fallback (a
"modified" pcap, magic 0xa1b2cd34, which only libpcap reads, gives the same
output as the plain pcap it was made from under the default --reader, and is
refused by --reader own).

usage: reader_agreement.py --tcpsift BIN --shared DIR [--captures DIR]...
exit 0 when the readers agree everywhere. Without libpcap in this tcpsift
only the piped reading and the hostile pipes are checked (said loudly).
"""
import argparse
import decimal
import glob
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COMMANDS = (("packets",), ("conns",), ("frames", "--framing", "len:4:be"))
PIPE_WINDOW = 997  # bytes: the piped reading's first window (it grows only for a bigger block)


def run(tcpsift, args, stdin=None, piped=None):
    """Exit status, JSON lines, stderr. piped: bytes written to the program through a pipe
    (the capture read as a stream, through a small window that slides every few records)."""
    env = dict(os.environ, TCPSIFT_STREAM_WINDOW=str(PIPE_WINDOW)) if piped is not None else None
    res = subprocess.run([tcpsift, *args], capture_output=True, stdin=stdin, input=piped,
                         env=env, timeout=300)
    lines = [json.loads(line, parse_float=decimal.Decimal)
             for line in res.stdout.decode().splitlines() if line.strip()]
    for obj in lines:
        if isinstance(obj.get("summary"), dict):
            obj["summary"].pop("reassembly_memory_peak", None)
    return res.returncode, lines, res.stderr.decode()


def run_raw(tcpsift, args, piped, name):
    """Exit status and output lines, the capture's name and reassembly_memory_peak made
    neutral; piped as in run()."""
    env = dict(os.environ, TCPSIFT_STREAM_WINDOW=str(PIPE_WINDOW)) if piped is not None else None
    res = subprocess.run([tcpsift, *args], capture_output=True, input=piped, env=env, timeout=300)
    out = res.stdout.decode(errors="replace").replace(json.dumps(name), '"CAPTURE"')
    return res.returncode, re.sub(r'"reassembly_memory_peak":\d+', "", out).splitlines()


def stream_files(tcpsift, reader, path, piped=None):
    """`stream --deliver acked`: exit status, JSON lines and {file name: bytes}."""
    with tempfile.TemporaryDirectory() as out:
        rc, lines, _ = run(tcpsift, ["stream", "--deliver", "acked", "--reader", reader,
                                     "--out", out, "-" if piped is not None else path],
                           piped=piped)
        files = {}
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name), "rb") as f:
                files[name] = f.read()
    return rc, lines, files


def load_exceptions(path):
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, reason = line.rstrip("\n").split("\t", 1)
            out[name] = reason
    return out


def captures(roots):
    found = []
    for root in roots:
        for pattern in ("*.pcap", "*.pcapng"):
            found += glob.glob(os.path.join(root, "**", pattern), recursive=True)
    return sorted(set(found))


def short(path, roots):
    for root in roots:
        if path.startswith(root + os.sep):
            return os.path.relpath(path, os.path.dirname(root))
    return path


def modified_pcap(data):
    """The little-endian microsecond pcap `data` rewritten in the "modified" format
    (Kuznetzov's patch: magic 0xa1b2cd34, 24-byte record headers with ifindex, protocol,
    packet type and padding), or None for another format."""
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        return None
    out = [struct.pack("<I", 0xA1B2CD34) + data[4:24]]
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack("<I", data[pos + 8:pos + 12])[0]
        out.append(data[pos:pos + 16] + struct.pack("<IHBB", 1, 0x0800, 0, 0))
        out.append(data[pos + 16:pos + 16 + incl])
        pos += 16 + incl
    return b"".join(out)


def pcapng_block(btype, body):
    total = 12 + len(body) + (-len(body) % 4)
    return (struct.pack("<II", btype, total) + body + b"\0" * (-len(body) % 4)
            + struct.pack("<I", total))


def hostile_pipe_checks(tcpsift):
    problems = []
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(1, struct.pack("<HHI", 1, 0, 0))
    frame = bytes(range(60))
    epb = pcapng_block(6, struct.pack("<IIIII", 0, 0, 1, len(frame), len(frame)) + frame)
    # A block declaring 100 MiB of which 4 KiB follow: the stream ends inside it, which is the
    # truncation the same bytes give as a file.
    cut = shb + idb + epb + struct.pack("<II", 6, 100 << 20) + b"\0" * 4096
    rc, lines, _ = run(tcpsift, ["packets", "-"], piped=cut)
    if rc != 0 or len(lines) != 2 or lines[0].get("frame") != 1 or \
            lines[1].get("error") != "capture_truncated" or lines[1].get("after_frame") != 1:
        problems.append("hostile pipe (a 100 MiB block cut after 4 KiB): exit %d, %s"
                        % (rc, lines[-1:] or "no output"))
    # A whole block of 65 MiB: more than a pipe's window may hold, named as such.
    big = 65 << 20
    whole = shb + idb + epb + struct.pack("<II", 0x0BAD, big) + b"\0" * (big - 12) + \
        struct.pack("<I", big)
    rc, lines, _ = run(tcpsift, ["packets", "-"], piped=whole)
    if rc != 0 or len(lines) != 2 or lines[0].get("frame") != 1 or \
            lines[1].get("error") != "bad_pcapng_block" or \
            "may buffer" not in lines[1].get("detail", ""):
        problems.append("hostile pipe (a whole 65 MiB block after one frame): exit %d, %s"
                        % (rc, lines[-1:] or "no output"))
    big_shb = struct.pack("<II", 0x0A0D0D0A, 100 << 20) + struct.pack("<I", 0x1A2B3C4D) + \
        b"\0" * 4096
    rc, lines, _ = run(tcpsift, ["conns", "-"], piped=big_shb)
    if rc != 1 or not lines or lines[-1].get("error") != "not_a_capture":
        problems.append("hostile pipe (a first block of 100 MiB): exit %d, %s" % (rc, lines[-1:]))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcpsift", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--captures", action="append", default=[])
    ap.add_argument("--exceptions", default=os.path.join(HERE, "reader-exceptions.tsv"))
    ap.add_argument("--hostile", action="append", default=[],
                    help="a directory of hostile inputs (the fuzz corpus): each read as a file "
                         "and piped must give the same conns output")
    a = ap.parse_args()

    probe = subprocess.run([a.tcpsift, "packets", "--reader", "libpcap", os.devnull],
                           capture_output=True, text=True)
    has_libpcap = "built without libpcap" not in probe.stderr
    if not has_libpcap:
        print("*** SKIPPED (part): this tcpsift was built without libpcap: only the piped "
              "(sliding window) reading is compared, not libpcap's, nor the fallback")
    external = os.path.abspath(os.path.join(a.shared, "captures", "external"))
    roots = [os.path.abspath(d) for d in a.captures]
    if os.path.isdir(external):
        roots.insert(0, external)
    else:
        print("*** SKIPPED (part): %s is absent; only the project's own captures are compared"
              % external)
    exceptions = load_exceptions(a.exceptions)
    failures, compared, stopped = [], 0, []

    for path in captures(roots):
        name = short(path, roots)
        outs = {}
        with open(path, "rb") as f:
            data = f.read()
        for cmd in COMMANDS:
            own = run(a.tcpsift, [*cmd, "--reader", "own", path])
            lib = run(a.tcpsift, [*cmd, "--reader", "libpcap", path]) if has_libpcap else None
            piped = run(a.tcpsift, [*cmd, "--reader", "own", "-"], piped=data)
            outs[cmd[0]] = (own, lib)
            if own[:2] != piped[:2]:
                failures.append("%s %s: piped through a sliding window, the output differs "
                                "(exit %d vs %d, %d vs %d lines)" % (name, cmd[0], own[0],
                                                                    piped[0], len(own[1]),
                                                                    len(piped[1])))
        own_stream = stream_files(a.tcpsift, "own", path)
        if stream_files(a.tcpsift, "own", path, piped=data) != own_stream:
            failures.append("%s stream: piped through a sliding window, the files or output "
                            "differ" % name)
        if not has_libpcap:
            compared += 1
            continue
        outs["stream"] = (own_stream, stream_files(a.tcpsift, "libpcap", path))
        (own_rc, own_pk, _), (lib_rc, lib_pk, _) = outs["packets"]
        lib_err = lib_pk[-1].get("detail", "") if lib_pk and lib_pk[-1].get("error") == \
            "libpcap_error" else None
        expected_stop = exceptions.get(name)
        if lib_err is not None:
            if expected_stop is None or expected_stop not in lib_err:
                failures.append("%s: libpcap stopped early (%s); not in %s" %
                                (name, lib_err, os.path.basename(a.exceptions)))
                continue
            lib_frames = lib_pk[:-1]
            own_frames = [o for o in own_pk if "frame" in o]
            if len(own_frames) <= len(lib_frames) or own_frames[:len(lib_frames)] != lib_frames:
                failures.append("%s: the %d frames libpcap read differ from the own reader's "
                                "first frames, or the own reader read no further" %
                                (name, len(lib_frames)))
            else:
                stopped.append("%s: libpcap stopped after frame %d of %d (%s)" %
                               (name, len(lib_frames), len(own_frames), lib_err))
            continue
        if expected_stop is not None:
            failures.append("%s: listed in %s but libpcap read it to its end" %
                            (name, os.path.basename(a.exceptions)))
        for cmd, (own, lib) in outs.items():
            if own[0] != lib[0]:
                failures.append("%s %s: exit %d (own) vs %d (libpcap)" % (name, cmd, own[0], lib[0]))
            elif cmd == "stream" and own[2] != lib[2]:
                failures.append("%s stream: the stream files differ (own %d files, libpcap %d)"
                                % (name, len(own[2]), len(lib[2])))
            elif own[1] != lib[1]:
                first = next((i for i, (x, y) in enumerate(zip(own[1], lib[1])) if x != y),
                             min(len(own[1]), len(lib[1])))
                failures.append("%s %s: outputs differ from line %d (own %d lines, libpcap %d)"
                                % (name, cmd, first + 1, len(own[1]), len(lib[1])))
        compared += 1

    # Standard input through libpcap, on the first own capture.
    own_caps = [p for p in captures(roots[1:] if os.path.isdir(external) else roots)]
    if own_caps and has_libpcap:
        with open(own_caps[0], "rb") as f:
            piped = run(a.tcpsift, ["conns", "--reader", "libpcap", "-"], stdin=f)
        direct = run(a.tcpsift, ["conns", "--reader", "own", own_caps[0]])
        if piped[:2] != direct[:2]:
            failures.append("stdin through libpcap differs from the file: %s" % own_caps[0])

    # The fallback: a format only libpcap knows.
    plain = next((p for p in own_caps if open(p, "rb").read(4) == b"\xd4\xc3\xb2\xa1"), None)
    if not has_libpcap:
        pass
    elif plain:
        with tempfile.TemporaryDirectory() as tmp:
            modified = os.path.join(tmp, "modified.pcap")
            with open(plain, "rb") as f:
                data = modified_pcap(f.read())
            with open(modified, "wb") as f:
                f.write(data)
            for cmd in COMMANDS:
                want = run(a.tcpsift, [*cmd, plain])
                got = run(a.tcpsift, [*cmd, modified])
                if got[:2] != want[:2] or "through libpcap" not in got[2]:
                    failures.append("fallback %s: the modified pcap of %s does not read as the "
                                    "original (exit %d, %s)" % (cmd[0], plain, got[0],
                                                                got[2].strip()))
            refused = run(a.tcpsift, ["packets", "--reader", "own", modified])
            if refused[0] != 1 or not refused[1] or refused[1][-1].get("error") != "not_a_capture":
                failures.append("--reader own accepted the modified pcap (exit %d)" % refused[0])
    else:
        failures.append("no little-endian microsecond pcap among the own captures for the "
                        "fallback check")

    # Hostile pipes: a pcapng block declaring more than a piped capture may buffer (64 MiB)
    # ends reading after the good frame before it (exit 0): capture_truncated when the stream
    # ends inside it (as the file would), else a named error; a first block that large means
    # the stream is no capture (exit 1).
    for problem in hostile_pipe_checks(a.tcpsift):
        failures.append(problem)

    # The fuzz corpus, hostile inputs: piped through a small window, the same conns output as
    # the file (the file's name aside), and never a crash (exit 0 or 1 only).
    hostile = 0
    for d in a.hostile:
        for path in sorted(glob.glob(os.path.join(d, "*"))):
            with open(path, "rb") as f:
                data = f.read()
            want = run_raw(a.tcpsift, ["conns", path], None, path)
            got = run_raw(a.tcpsift, ["conns", "-"], data, "-")
            hostile += 1
            if want[0] not in (0, 1) or got[0] not in (0, 1) or want != got:
                failures.append("hostile input %s: file (exit %d) and pipe (exit %d) differ"
                                % (path, want[0], got[0]))

    for line in stopped:
        print("libpcap limit: " + line)
    for line in failures:
        print("FAIL: " + line)
    if has_libpcap:
        print("reader agreement: %d captures identical under both readers and piped, %d where "
              "libpcap stops early (listed), %d hostile inputs piped = file, %d failures"
              % (compared, len(stopped), hostile, len(failures)))
    else:
        print("reader agreement: %d captures identical piped (libpcap comparisons SKIPPED), "
              "%d failures" % (compared, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared helpers of bench/run and bench/callgrind-gate: build, capture cache, callgrind."""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIERS = ["floor", "floor-nopf", "floor-16k", "decode", "state", "full", "full-csum"]
# instructions/packet targets of issue 9 (callgrind, small workload)
TARGETS = {"decode": 250, "state": 450, "full": 500}
# bench_plain's tiers: the straightforward parser each tcpsift tier is compared with
PLAIN = {"plain-decode": "decode", "plain-state": "state", "plain-full": "full",
         "plain-full-16k": "full"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def build(build_dir, jobs=2, extra_targets=None):
    """Release (-O2) gcc build of the bench programs and the library; extra_targets: None =
    the peers that are available, else the list given."""
    cfg = ["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
           "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG", "-DCMAKE_C_COMPILER=gcc",
           "-DTCPSIFT_BUILD_TESTS=OFF", "-DTCPSIFT_SANITIZE=OFF"]
    def run(cmd):
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if out.returncode != 0:
            raise SystemExit("bench: build failed: %s\n%s" % (" ".join(cmd), out.stdout))
    run(cfg)
    # Which optional programs the tree has is known only once it is configured.
    extra = (peers_targets(build_dir) + ["tcpsift_cli"] if extra_targets is None
             else extra_targets)
    run(["cmake", "--build", build_dir, "-j%d" % jobs, "--target", "gen_capture",
         "bench_inproc", "bench_plain"] + extra)
    return (os.path.join(build_dir, "bench", "gen_capture"),
            os.path.join(build_dir, "bench", "bench_inproc"))


PEERS = {"libnids": "bench_nids", "libtins": "bench_tins"}


def peers_targets(build_dir):
    """Peer programs and the bare libpcap loop, those the configured tree knows (CMake adds
    them only when their packages are installed)."""
    try:
        with open(os.path.join(build_dir, "bench", "Makefile")) as f:
            text = f.read()
    except OSError:
        return []
    return [t for t in list(PEERS.values()) + ["bench_pcaploop"]
            if re.search(r"^%s:" % t, text, re.M)]


def peer_binaries(build_dir):
    """{tier: path} of the peer programs that were built."""
    found = {}
    for tier, target in PEERS.items():
        path = os.path.join(build_dir, "bench", target)
        if os.access(path, os.X_OK):
            found[tier] = path
    return found


def capture(build_dir, gen, workload, seed=1):
    """Path of the cached capture (regenerated when the generator is newer)."""
    d = os.path.join(build_dir, "captures")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "%s-seed%d.pcap" % (workload, seed))
    truth = path + ".json"
    if (not os.path.exists(truth) or not os.path.exists(path)
            or os.path.getmtime(truth) < os.path.getmtime(gen)):
        log("generating %s (seed %d)" % (workload, seed))
        subprocess.run([gen, "--seed", str(seed), workload, path], check=True)
    return path, truth


def run_tier(bench, tier, cap, truth, repeat=3, extra=()):
    out = subprocess.run([bench, "--tier", tier, "--capture", cap, "--truth", truth,
                          "--repeat", str(repeat)] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit("bench_inproc --tier %s on %s FAILED (exit %d):\n%s" %
                         (tier, cap, out.returncode, out.stderr))
    return json.loads(out.stdout)


def callgrind(bench, tier, cap, truth, outfile):
    """Instructions executed inside the packet loop (bench_loop) and the packet count."""
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=bench_loop",
           "--callgrind-out-file=" + outfile, bench, "--tier", tier, "--capture", cap,
           "--truth", truth, "--repeat", "1"]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise SystemExit("callgrind %s FAILED (exit %d):\n%s" % (tier, out.returncode,
                                                                 out.stderr[-3000:]))
    m = re.search(r"Collected : (\d+)", out.stderr)
    if not m:
        raise SystemExit("callgrind %s: no instruction count in its output" % tier)
    res = json.loads(out.stdout)
    return int(m.group(1)), res["packets"]


def top_functions(outfile, n=8):
    """callgrind_annotate's top functions by self cost: (percent, name) pairs."""
    out = subprocess.run(["callgrind_annotate", outfile], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\s*[\d,]+\s+\(\s*([\d.]+)%\)\s+(.*?)(\s+\[[^]]*\])?$", line)
        if not m or "PROGRAM" in line:
            continue
        name = m.group(2)
        name = name[name.index(":") + 1:] if ":" in name else name  # drop "file:"
        name = name.split("(")[0][:60]  # C++: drop the argument list
        rows.append((float(m.group(1)), name))
        if len(rows) >= n:
            break
    return rows

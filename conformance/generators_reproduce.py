#!/usr/bin/env python3
"""The committed test inputs are what their generators write: each generator runs into a
temporary directory and every file it writes must equal, byte for byte, the committed file of
the same name. A generator changed without regenerating its files (or a file edited by hand)
fails here.

  conformance/tunnels/make_tunnels.py        -> conformance/tunnels/
  fuzz/craft_seeds.py                        -> corpus/<harness>/
  fuzz/craft_stream_seeds.py                 -> corpus/<harness>/ (the stream harnesses)
  conformance/crafted/make_crafted.py        -> conformance/captures/crafted/ (needs scapy,
                                                Debian's python3-scapy, for /usr/bin/python3)

A generator whose interpreter lacks what it imports is SKIPPED loudly; if every one is, the
test exits 77 (ctest's SKIP_RETURN_CODE).

usage: generators_reproduce.py [SOURCE_ROOT]
"""
import filecmp
import os
import subprocess
import sys
import tempfile

SCAPY_PYTHON = "/usr/bin/python3"


def has_scapy(python):
    if not os.access(python, os.X_OK):
        return False
    return subprocess.run([python, "-c", "import scapy.all"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def compare_tree(made, committed):
    """Names of files under made that differ from (or are missing in) committed."""
    bad = []
    count = 0
    for dirpath, _, names in os.walk(made):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, made)
            other = os.path.join(committed, rel)
            count += 1
            if not os.path.isfile(other):
                bad.append(rel + " (not committed)")
            elif not filecmp.cmp(path, other, shallow=False):
                bad.append(rel + " (differs)")
    return count, bad


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    generators = [
        ("make_tunnels.py", sys.executable, "conformance/tunnels/make_tunnels.py",
         "conformance/tunnels"),
        ("craft_seeds.py", sys.executable, "fuzz/craft_seeds.py", "corpus"),
        ("craft_stream_seeds.py", sys.executable, "fuzz/craft_stream_seeds.py", "corpus"),
        ("make_crafted.py", SCAPY_PYTHON, "conformance/crafted/make_crafted.py",
         "conformance/captures/crafted"),
    ]
    failures, ran = 0, 0
    for name, python, script, committed in generators:
        if script.endswith("make_crafted.py") and not has_scapy(python):
            print("*** SKIPPED: %s needs scapy for %s (Debian's python3-scapy); its captures "
                  "were not regenerated" % (name, python))
            continue
        with tempfile.TemporaryDirectory() as out:
            run = subprocess.run([python, os.path.join(root, script), out],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if run.returncode != 0:
                print("FAIL: %s exited %d: %s" % (name, run.returncode, run.stderr.strip()))
                failures += 1
                continue
            count, bad = compare_tree(out, os.path.join(root, committed))
        ran += 1
        if count == 0:
            print("FAIL: %s wrote nothing" % name)
            failures += 1
        elif bad:
            print("FAIL: %s: %d of %d files are not the committed ones: %s"
                  % (name, len(bad), count, ", ".join(sorted(bad))))
            failures += 1
        else:
            print("%s: %d files, each equal to %s/" % (name, count, committed))
    if failures:
        return 1
    return 0 if ran else 77


if __name__ == "__main__":
    sys.exit(main())

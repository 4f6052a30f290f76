#!/usr/bin/env bash
# Line, branch and function coverage of parser/ reached by the checked-in fuzz
# corpora plus the unit tests (clang source-based coverage).
#
#   fuzz/coverage.sh                  corpus/ + corpus/regress/ of every harness, plus ctest's
#                                     unit tests (test_*): the figure README.md reports
#   fuzz/coverage.sh --corpus-only    the corpora alone (what fuzzing reaches)
#   fuzz/coverage.sh --extra DIR      also replay DIR/<harness>/corpus (or DIR/<harness>), e.g.
#                                     fuzz/scratch after a campaign (not deterministic: default off)
#
# Builds the replay binaries and the unit tests with clang -fprofile-instr-generate
# -fcoverage-mapping (Debug, no sanitizers) in build-fuzz-cov/ (TCPSIFT_FUZZ_COV_BUILD overrides),
# replays corpus/<harness>/ and corpus/regress/<harness>/ through every fuzz/fuzz_*.c harness,
# runs every test_* ctest with LLVM_PROFILE_FILE set, merges the profiles and prints, for every
# file of parser/src, lines / branches / functions covered (corpus + unit tests) and lines /
# branches reached by the corpora alone, then the totals. Files below the target (95 % lines,
# 90 % branches) are marked '<'. The library's shared object is passed to llvm-cov too, so a
# file that no binary links still appears (at 0 %). Writes:
#   build-fuzz-cov/coverage.md       the same table in Markdown (for README.md / CAMPAIGNS.md)
#   build-fuzz-cov/html/index.html   llvm-cov's HTML report (corpus + unit tests)
# About 2 minutes from a clean build dir on 2 busy cores. Exit status: non-zero when a build,
# a replay or a unit test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=${TCPSIFT_FUZZ_COV_BUILD:-$ROOT/build-fuzz-cov}
JOBS=${TCPSIFT_FUZZ_JOBS:-2} # build and ctest jobs
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "TCPSIFT_FUZZ_JOBS must be a positive whole number" >&2; exit 2; }
UNIT=1
EXTRA=""
while [ $# -gt 0 ]; do
  case "$1" in
    --corpus-only) UNIT=0 ;;
    --with-unit-tests) UNIT=1 ;;          # the default; kept for explicitness
    --extra) shift; EXTRA=${1:?--extra needs a directory} ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "fuzz/coverage.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for tool in clang llvm-profdata llvm-cov python3; do
  command -v $tool >/dev/null || { echo "fuzz/coverage.sh: $tool not found" >&2; exit 1; }
done

# The commit measured (taken before building; "+dirty": parser/ or corpus/ differ from it).
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD -- parser corpus 2>/dev/null || commit="$commit+dirty"

flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S "$ROOT" -B "$B" -DCMAKE_C_COMPILER=clang -DTCPSIFT_FUZZ=replay -DTCPSIFT_BUILD_CLI=OFF \
      -DTCPSIFT_BUILD_TESTS=ON -DTCPSIFT_SANITIZE=OFF -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS="$flags" >/dev/null || exit 1
harnesses=$(cd fuzz && ls fuzz_*.c | sed 's/\.c$//')
units=$(cd parser/tests && ls test_*.c | sed 's/\.c$//')
targets="tcpsift_shared"
for h in $harnesses; do targets="$targets replay_$h"; done
[ $UNIT -eq 1 ] && targets="$targets $units"
echo "building (clang source-based coverage) in $B ..."
cmake --build "$B" -j"$JOBS" --target $targets >/dev/null || { echo "build failed" >&2; exit 1; }

rm -rf "$B/prof" "$B/html" && mkdir -p "$B/prof/corpus" "$B/prof/unit"
status=0
objs=("$B/libtcpsift.so")   # llvm-cov: first binary positional, the rest -object
for h in $harnesses; do
  dirs=("$ROOT/corpus/$h" "$ROOT/corpus/regress/$h")
  if [ -n "$EXTRA" ]; then
    for d in "$EXTRA/$h/corpus" "$EXTRA/$h"; do [ -d "$d" ] && { dirs+=("$d"); break; }; done
  fi
  n=$(find "${dirs[@]}" -maxdepth 1 -type f ! -name 'README*' ! -name '.*' 2>/dev/null | wc -l)
  if LLVM_PROFILE_FILE="$B/prof/corpus/$h.profraw" "$B/fuzz/replay_$h" "${dirs[@]}" >/dev/null; then
    printf 'replayed %-24s %6d inputs\n' "$h" "$n"
  else
    echo "replay_$h FAILED" >&2; status=1
  fi
  objs+=(-object "$B/fuzz/replay_$h")
done
if [ $UNIT -eq 1 ]; then
  # %p: one profile per process (ctest -j runs several at once).
  if (cd "$B" && LLVM_PROFILE_FILE="$B/prof/unit/%p.profraw" \
        ctest -j"$JOBS" -R '^test_' --output-on-failure >"$B/prof/ctest.log" 2>&1); then
    echo "unit tests: $(grep -E 'tests passed' "$B/prof/ctest.log")"
  else
    echo "unit tests FAILED (see $B/prof/ctest.log)" >&2; tail -20 "$B/prof/ctest.log" >&2; status=1
  fi
  for u in $units; do objs+=(-object "$B/parser/tests/$u"); done
fi

llvm-profdata merge -sparse "$B"/prof/corpus/*.profraw -o "$B/prof/corpus.profdata" || exit 1
if [ $UNIT -eq 1 ]; then
  llvm-profdata merge -sparse "$B"/prof/corpus/*.profraw "$B"/prof/unit/*.profraw \
                -o "$B/prof/all.profdata" || exit 1
else
  cp "$B/prof/corpus.profdata" "$B/prof/all.profdata"
fi
# Coverage of parser/src only (harness and test code excluded).
for p in all corpus; do
  llvm-cov export -summary-only "${objs[@]}" -instr-profile="$B/prof/$p.profdata" \
    "$ROOT/parser/src" >"$B/prof/$p.json" 2>/dev/null ||
    { echo "llvm-cov export failed" >&2; exit 1; }
done
python3 - "$B/prof/all.json" "$B/prof/corpus.json" "$ROOT/parser/src" "$commit" "$UNIT" \
  "$B/coverage.md" <<'EOF'
import json, os, sys
allj, corpj, src, commit, unit, mdpath = sys.argv[1:7]
unit = unit == "1"
def files(path):
    out = {}
    for f in json.load(open(path))["data"][0]["files"]:
        out[os.path.relpath(f["filename"], os.path.dirname(os.path.dirname(src)))] = f["summary"]
    return out
A, C = files(allj), files(corpj)
names = sorted(set(A) | {os.path.join("parser/src", n) for n in os.listdir(src)
                         if n.endswith((".c", ".h"))})
def cell(s, k):
    if s is None or s[k]["count"] == 0: return "-", None
    c, n = s[k]["covered"], s[k]["count"]
    return f"{100.0 * c / n:5.1f} % {c}/{n}", 100.0 * c / n
tot = {k: [0, 0] for k in ("lines", "branches", "functions")}
ctot = {k: [0, 0] for k in ("lines", "branches")}
rows = []
for n in names:
    s, cs = A.get(n), C.get(n)
    if s is not None:
        for k in tot: tot[k][0] += s[k]["covered"]; tot[k][1] += s[k]["count"]
    if cs is not None:
        for k in ctot: ctot[k][0] += cs[k]["covered"]; ctot[k][1] += cs[k]["count"]
    l, lp = cell(s, "lines"); b, bp = cell(s, "branches"); f, _ = cell(s, "functions")
    cl, _ = cell(cs, "lines"); cb, _ = cell(cs, "branches")
    # A header with no function bodies has no coverage records; a .c file without
    # records was linked into nothing measured.
    missing = s is None and n.endswith(".c")
    if s is None: l = "not linked" if missing else "no code"
    low = (lp is not None and lp < 95.0) or (bp is not None and bp < 90.0) or missing
    rows.append((os.path.basename(n), l, b, f, cl, cb, "<" if low else ""))
def pct(c, n): return f"{100.0 * c / n:5.1f} % {c}/{n}" if n else "-"
total = ("TOTAL", pct(*tot["lines"]), pct(*tot["branches"]), pct(*tot["functions"]),
         pct(*ctot["lines"]), pct(*ctot["branches"]), "")
what = "corpus + unit tests" if unit else "corpus only"
hdr = ("file", f"lines ({what})", "branches", "functions", "lines (corpus)", "branches (corpus)", "")
w = [max(len(r[i]) for r in rows + [hdr, total]) for i in range(7)]
line = lambda r: "  ".join(r[i].ljust(w[i]) if i == 0 else r[i].rjust(w[i]) for i in range(7)).rstrip()
print(f"\nparser/src coverage at {commit} ({what}; '<' = below 95 % lines / 90 % branches)")
print(line(hdr)); [print(line(r)) for r in rows]; print(line(total))
with open(mdpath, "w") as md:
    md.write(f"Measured by `fuzz/coverage.sh` at {commit} ({what}; clang "
             f"source-based coverage; branches are llvm-cov branch conditions).\n\n")
    md.write("| file | lines | branches | functions | lines, corpus only | branches, corpus only |\n")
    md.write("|---|---:|---:|---:|---:|---:|\n")
    for r in rows + [total]:
        name = f"**{r[0]}**" if r[0] == "TOTAL" else f"`{r[0]}`" + (" <" if r[6] else "")
        md.write("| " + " | ".join([name] + [x.strip() for x in r[1:6]]) + " |\n")
print(f"Markdown: {mdpath}")
EOF
llvm-cov show -format=html -show-branches=count -output-dir="$B/html" "${objs[@]}" \
  -instr-profile="$B/prof/all.profdata" "$ROOT/parser/src" >/dev/null 2>&1 &&
  echo "HTML: $B/html/index.html"
exit $status

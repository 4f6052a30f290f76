#!/usr/bin/env bash
# Line and branch coverage of parser/ reached by the fuzz corpora (replay binaries
# built with clang source-based coverage).
#
#   fuzz/coverage.sh [CORPUS_DIR_ROOT]
#
# Replays corpus/<harness>/ and corpus/regress/<harness>/ (plus fuzz/scratch/<harness>/corpus
# when present, or CORPUS_DIR_ROOT/<harness>), prints llvm-cov's report for parser/src and
# writes HTML to build-fuzz-cov/html/.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B=${TCPSIFT_FUZZ_COV_BUILD:-$ROOT/build-fuzz-cov}
EXTRA=${1:-$ROOT/fuzz/scratch}
cmake -S "$ROOT" -B "$B" -DCMAKE_C_COMPILER=clang -DTCPSIFT_FUZZ=replay -DTCPSIFT_BUILD_CLI=OFF \
      -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" >/dev/null || exit 1
harnesses=$(cd fuzz && ls fuzz_*.c | sed 's/\.c$//')
targets=""; for h in $harnesses; do targets="$targets replay_$h"; done
cmake --build "$B" -j2 --target $targets >/dev/null || exit 1
rm -rf "$B/prof" && mkdir -p "$B/prof"
objs=()
for h in $harnesses; do
  dirs=("$ROOT/corpus/$h" "$ROOT/corpus/regress/$h")
  for d in "$EXTRA/$h/corpus" "$EXTRA/$h"; do [ -d "$d" ] && { dirs+=("$d"); break; }; done
  LLVM_PROFILE_FILE="$B/prof/$h.profraw" "$B/fuzz/replay_$h" "${dirs[@]}" | tail -1
  objs+=(-object "$B/fuzz/replay_$h")
done
llvm-profdata merge -sparse "$B"/prof/*.profraw -o "$B/prof/all.profdata" || exit 1
llvm-cov report -show-branch-summary "${objs[@]:1}" -instr-profile="$B/prof/all.profdata" \
  "$ROOT/parser/src" 2>/dev/null
llvm-cov show -format=html -output-dir="$B/html" "${objs[@]:1}" \
  -instr-profile="$B/prof/all.profdata" "$ROOT/parser/src" >/dev/null 2>&1 &&
  echo "HTML: $B/html/index.html"

#!/usr/bin/env bash
# AFL++ campaign on one harness, one instance per core.
#
#   fuzz/afl.sh HARNESS SECONDS [CORES]      (CORES default 1)
#
# Builds four variants with afl-clang-fast (TCPSIFT_FUZZ=afl: persistent mode via
# AFL++'s libFuzzer-compatible driver) under build-fuzz-afl-{plain,cmplog,asan,laf}/:
#   main  -M main   plain binary with the CMPLOG binary (-c) for input-to-state
#   -S s1           ASan (AFL_USE_ASAN=1)            -S s2  LAF-intel (AFL_LLVM_LAF_ALL=1)
#   -S s3...        plain
# Inputs: corpus/HARNESS and corpus/regress/HARNESS, reduced by afl-cmin; output and sync dir:
# fuzz/scratch/afl-HARNESS/ (or $TCPSIFT_AFL_OUT). AFL++ exits 0 even when it saved
# crashes, so this script sums saved_crashes over every instance's fuzzer_stats
# and exits 1 when any. Afterwards copy crashes to fuzz/scratch/HARNESS/crashes/ and
# run fuzz/merge.sh to minimise them into corpus/regress/.
#
# Many machines: give every host its own unique main name and output directory
# (TCPSIFT_AFL_MAIN=main-$(hostname)), share one sync directory by rsync-ing each
# host's fuzz/scratch/afl-HARNESS/<instance>/ dirs to the others every few minutes
# (AFL++ "distributed fuzzing": instances import queue entries from every
# sibling directory in the sync dir); only one -M per host.
set -uo pipefail
. "$(dirname "$0")/common.sh"
if [ $# -lt 2 ]; then sed -n '2,/^set /{/^#/p}' "$0"; exit 2; fi
H=$1 BUDGET=$2 CORES=${3:-1}
harness_known "$H" || exit 2
positive_integer SECONDS "$BUDGET"
positive_integer CORES "$CORES"
command -v afl-clang-fast >/dev/null || { echo "afl.sh: afl-clang-fast missing (apt install afl++)" >&2; exit 2; }

build_variant() {  # build_variant NAME ENV...
  local name=$1; shift
  local dir="$ROOT/build-fuzz-afl-$name"
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    env CC=afl-clang-fast cmake -S "$ROOT" -B "$dir" -DTCPSIFT_FUZZ=afl -DTCPSIFT_BUILD_CLI=OFF \
      -DTCPSIFT_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || return 1
  fi
  env AFL_QUIET=1 "$@" cmake --build "$dir" -j"$JOBS" --target "$H" >/dev/null || return 1
}
build_variant plain || exit 1
build_variant cmplog AFL_LLVM_CMPLOG=1 || exit 1
[ "$CORES" -ge 2 ] && { build_variant asan AFL_USE_ASAN=1 || exit 1; }
[ "$CORES" -ge 3 ] && { build_variant laf AFL_LLVM_LAF_ALL=1 || exit 1; }

out=${TCPSIFT_AFL_OUT:-$SCRATCH/afl-$H}
main=${TCPSIFT_AFL_MAIN:-main}
in="$SCRATCH/afl-$H-in"
seeds="$SCRATCH/afl-$H-seeds"
rm -rf "$in" "$seeds" && mkdir -p "$seeds" "$out"
find "$ROOT/corpus/$H" "$ROOT/corpus/regress/$H" -maxdepth 1 -type f ! -name 'README*' \
  -exec cp {} "$seeds/" \; 2>/dev/null
# The checked-in corpora are minimised by libFuzzer's coverage; AFL++ counts edges its own way
# and would spend its first cycles on inputs that add nothing to its map, so afl-cmin picks the
# seeds by AFL++'s coverage (it refuses to run under /tmp: then every seed is used).
if command -v afl-cmin >/dev/null &&
   AFL_QUIET=1 afl-cmin -i "$seeds" -o "$in" -- "$ROOT/build-fuzz-afl-plain/fuzz/$H" \
     >"$out/afl-cmin.log" 2>&1 && [ -n "$(ls -A "$in")" ]; then
  echo "afl.sh: afl-cmin kept $(ls "$in" | wc -l) of $(ls "$seeds" | wc -l) seeds"
else
  echo "afl.sh: afl-cmin unavailable or failed (see $out/afl-cmin.log): every seed used" >&2
  rm -rf "$in" && mv "$seeds" "$in"
fi
rm -rf "$seeds"
dict=()
[ -f "$FUZZ_DIR/dict/$H.dict" ] && dict=(-x "$FUZZ_DIR/dict/$H.dict")
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1
pids=() names=("$main")
bin() { echo "$ROOT/build-fuzz-afl-$1/fuzz/$H"; }
# Stats from an earlier run must not pass for this one's: each instance this run starts gets its
# stats file removed first (AFL++ rewrites it as it runs).
rm -f "$out/$main/fuzzer_stats"
for i in $(seq 1 $((CORES - 1))); do rm -f "$out/s$i/fuzzer_stats"; names+=("s$i"); done
afl-fuzz -M "$main" -V "$BUDGET" -i "$in" -o "$out" "${dict[@]}" -c "$(bin cmplog)" \
  -- "$(bin plain)" >"$out/$main.log" 2>&1 &
pids+=($!)
for i in $(seq 1 $((CORES - 1))); do
  case $i in 1) v=asan; extra=(-m none) ;; 2) v=laf; extra=() ;; *) v=plain; extra=() ;; esac
  afl-fuzz -S "s$i" -V "$BUDGET" -i "$in" -o "$out" "${dict[@]}" "${extra[@]}" -- "$(bin $v)" \
    >"$out/s$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "afl.sh: afl-fuzz ${names[$i]} failed; see $out/${names[$i]}.log:" >&2
    grep -m3 -E 'PROGRAM ABORT|ERROR|Location' "$out/${names[$i]}.log" >&2
    failed=1
  fi
done

total=0
for n in "${names[@]}"; do
  s="$out/$n/fuzzer_stats"
  if [ ! -f "$s" ]; then
    echo "afl.sh: $n wrote no fuzzer_stats (it did not run)" >&2
    failed=1
    continue
  fi
  c=$(sed -n 's/^\(saved_crashes\|unique_crashes\) *: *//p' "$s" | head -1)
  e=$(sed -n 's/^execs_done *: *//p' "$s")
  r=$(sed -n 's/^execs_per_sec *: *//p' "$s")
  echo "afl.sh: $(basename "$(dirname "$s")"): $e execs, $r exec/s, ${c:-0} crashes"
  total=$((total + ${c:-0}))
done
if [ "$total" -ne 0 ]; then
  echo "afl.sh: $H: $total crash(es) under $out/*/crashes/ (copy them without AFL++'s README.txt)" >&2
  exit 1
fi
[ "$failed" -eq 0 ] || exit 1
echo "afl.sh: $H: no crashes"

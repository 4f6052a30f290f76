#!/usr/bin/env bash
# Run one libFuzzer campaign on one harness.
#
#   fuzz/run.sh HARNESS SECONDS [extra libFuzzer flags...]
#
# Builds the libFuzzer harnesses (clang, ASan+UBSan) in build-fuzz/ (or
# $TCPSIFT_FUZZ_BUILD), then fuzzes a scratch corpus, fuzz/scratch/HARNESS/corpus,
# topped up at each run with the files of corpus/HARNESS and corpus/regress/HARNESS
# it lacks: the checked-in seeds are never written to. Crashes and property failures land in
# fuzz/scratch/HARNESS/crashes/. Afterwards fuzz/merge.sh folds the grown corpus
# back into corpus/ and minimised crashes into corpus/regress/.
# Exit status: 0 when nothing was found; non-zero otherwise.
set -uo pipefail
. "$(dirname "$0")/common.sh"
if [ $# -lt 2 ]; then sed -n '2,/^set /{/^#/p}' "$0"; exit 2; fi
H=$1 SECONDS_BUDGET=$2; shift 2
harness_known "$H" || exit 2
positive_integer SECONDS "$SECONDS_BUDGET"
build_libfuzzer || { echo "run.sh: build failed" >&2; exit 1; }

work="$SCRATCH/$H"
mkdir -p "$work/corpus" "$work/crashes"
# Every run tops the scratch corpus up with the checked-in inputs it lacks (by name), so inputs
# added to corpus/ since the last run (a pull, a merge) are fuzzed too.
for d in "$ROOT/corpus/$H" "$ROOT/corpus/regress/$H"; do
  [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name 'README*' -exec cp -n {} "$work/corpus/" \;
done
dict=()
[ -f "$FUZZ_DIR/dict/$H.dict" ] && dict=(-dict="$FUZZ_DIR/dict/$H.dict")
log="$work/run-$(date +%Y%m%d-%H%M%S).log"
echo "run.sh: $H for ${SECONDS_BUDGET}s, corpus $work/corpus, log $log"
"$BUILD/fuzz/$H" -max_total_time="$SECONDS_BUDGET" -print_final_stats=1 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$work/crashes/" "${dict[@]}" "$@" "$work/corpus" \
  >"$log" 2>&1
rc=$?
grep -E '^#[0-9]+[[:space:]]+DONE|property broken|^SUMMARY|stat::number_of_executed_units|stat::average_exec_per_sec' "$log"
if [ $rc -ne 0 ]; then
  echo "run.sh: $H FAILED (exit $rc); inputs in $work/crashes/, log $log" >&2
  grep -A30 -m1 -E 'ERROR|property broken' "$log" | head -40 >&2
fi
exit $rc

#!/usr/bin/env bash
# Minimise the corpora and collect regression inputs.
#
#   fuzz/merge.sh [HARNESS...]          (default: every harness)
#
# For each harness: regenerates seeds from ../shared/captures/external
# (fuzz/make_seeds.py, into fuzz/scratch/seeds/), then libFuzzer -merge=1 over
# corpus/HARNESS, those seeds and the scratch corpus of fuzz/run.sh, and
# replaces the SHA-1-named files of corpus/HARNESS with the result (seeds named
# by meaning are kept as they are). Every input under fuzz/scratch/HARNESS/crashes/
# is minimised (-minimize_crash=1) when it still fails, and stored as
# corpus/regress/HARNESS/<sha1> either way, one per failure signature (the first error
# line and innermost library frame); the originals move to crashes/merged/.
set -uo pipefail
. "$(dirname "$0")/common.sh"
want=${*:-$HARNESSES}
for H in $want; do harness_known "$H" || exit 2; done
build_libfuzzer || { echo "merge.sh: build failed" >&2; exit 1; }
/usr/bin/python3 "$FUZZ_DIR/make_seeds.py" "$SCRATCH/seeds" || echo "merge.sh: no new seeds"

is_hash_name() { [[ "$1" =~ ^[0-9a-f]{40}$ ]]; }

for H in $want; do
  bin="$BUILD/fuzz/$H"
  dest="$ROOT/corpus/$H"
  mkdir -p "$dest" "$ROOT/corpus/regress/$H"
  new=$(mktemp -d "$SCRATCH/merge-$H.XXXXXX")
  inputs=("$dest")
  [ -d "$SCRATCH/seeds/$H" ] && inputs+=("$SCRATCH/seeds/$H")
  [ -d "$SCRATCH/$H/corpus" ] && inputs+=("$SCRATCH/$H/corpus")
  if ! "$bin" -merge=1 -timeout=10 "$new" "${inputs[@]}" >"$new.log" 2>&1; then
    echo "merge.sh: $H: merge failed (a corpus input fails?), see $new.log" >&2
    exit 1
  fi
  # Drop merged copies of the named seeds, then swap the hash-named files.
  for f in "$dest"/*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    is_hash_name "$b" && continue
    rm -f "$new/$(sha1sum <"$f" | cut -c1-40)"
  done
  for f in "$dest"/*; do is_hash_name "$(basename "$f")" && rm -f "$f"; done
  cp "$new"/* "$dest"/ 2>/dev/null
  echo "merge.sh: $H: $(ls "$dest" | wc -l) files, $(du -sh --apparent-size "$dest" | cut -f1)"
  rm -rf "$new" "$new.log"

  # Crashes -> corpus/regress/H, minimised when they still reproduce.
  crashes="$SCRATCH/$H/crashes"
  [ -d "$crashes" ] || continue
  mkdir -p "$crashes/merged"
  declare -A filed=() # this merge's failure signatures: one regression input per bug
  for c in "$crashes"/*; do
    [ -f "$c" ] || continue
    case "$(basename "$c")" in README*|*.txt) continue ;; esac # AFL++'s crashes/README.txt
    out="$c.min"
    # A hang reproduces as a timeout: bounded, never waited on for ever.
    if ! timeout 60 "$bin" -timeout=10 "$c" >/dev/null 2>&1; then
      timeout 300 "$bin" -minimize_crash=1 -runs=20000 -timeout=10 \
        -exact_artifact_path="$out" "$c" >/dev/null 2>&1
    fi
    [ -s "$out" ] || cp "$c" "$out"
    # The failure's signature: the sanitizer's or the property's first line and the innermost
    # frame of the library. Several inputs of one run with the same signature are one bug.
    report=$(timeout 60 "$bin" -timeout=10 "$out" 2>&1)
    sig="$(grep -m1 -E 'property broken|runtime error|ERROR: ' <<<"$report" |
           sed -E 's/==[0-9]+==//g; s/ 0x[0-9a-f]{6,}/ ADDR/g; s/pid [0-9]+//')"
    frame="$(grep -m1 -E ' in [A-Za-z_0-9]+ .*parser/src/' <<<"$report" |
             sed -E 's/.* in ([A-Za-z_0-9]+) .*/\1/')"
    [ -n "$sig" ] && sig="$sig; first library frame: ${frame:-none}"
    if [ -n "$sig" ] && [ -n "${filed[$sig]+x}" ]; then
      echo "merge.sh: $H: $(basename "$c") fails as ${filed[$sig]} does ($sig): not filed again"
      rm -f "$out"
      mv "$c" "$crashes/merged/"
      continue
    fi
    sum=$(sha1sum <"$out" | cut -c1-40)
    [ -n "$sig" ] && filed[$sig]=$sum
    mv "$out" "$ROOT/corpus/regress/$H/$sum"
    mv "$c" "$crashes/merged/"
    echo "merge.sh: $H: regression input corpus/regress/$H/$sum (from $(basename "$c"))"
  done
done

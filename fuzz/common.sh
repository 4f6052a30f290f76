# Shared by fuzz/run.sh and fuzz/merge.sh (sourced, not run).
FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FUZZ_DIR/.." && pwd)
BUILD=${TCPSIFT_FUZZ_BUILD:-$ROOT/build-fuzz}
SCRATCH=${TCPSIFT_FUZZ_SCRATCH:-$FUZZ_DIR/scratch}
HARNESSES=$(cd "$FUZZ_DIR" && ls fuzz_*.c | sed 's/\.c$//')
# Parallel build jobs (and coverage.sh's ctest jobs): TCPSIFT_FUZZ_JOBS, default 2.
JOBS=${TCPSIFT_FUZZ_JOBS:-2}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "TCPSIFT_FUZZ_JOBS must be a positive whole number" >&2; exit 2; }

# Configure (once) and build the libFuzzer harnesses with clang, ASan+UBSan.
build_libfuzzer() {
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_C_COMPILER=clang -DTCPSIFT_FUZZ=libfuzzer \
          -DTCPSIFT_BUILD_CLI=OFF -DTCPSIFT_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null \
      || return 1
  fi
  cmake --build "$BUILD" -j"$JOBS" --target $HARNESSES >/dev/null || return 1
}

# positive_integer WHAT VALUE: usage error (exit 2) unless VALUE is a whole number > 0 (libFuzzer
# reads -max_total_time=abc or 0 as "no limit", AFL++ aborts on a bad -V).
positive_integer() {
  [[ "$2" =~ ^[1-9][0-9]*$ ]] && return 0
  echo "$(basename "$0"): $1 must be a positive whole number, got '$2'" >&2
  exit 2
}

harness_known() {
  for h in $HARNESSES; do [ "$h" = "$1" ] && return 0; done
  echo "unknown harness '$1'; one of: $HARNESSES" >&2
  return 1
}

#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: $CC, $CFLAGS, $LIB_FUZZING_ENGINE, $SRC and $OUT come
# from the base-builder image (ci/fuzz-smoke style emulation: see fuzz/README in the
# top-level README's "Running a fuzz campaign").
SRC_DIR=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}/tcpsift
[ -d "$SRC_DIR" ] || SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WORK:-/tmp}/tcpsift-ossfuzz-build
cmake -S "$SRC_DIR" -B "$BUILD" -DCMAKE_C_COMPILER="${CC:-clang}" \
      -DCMAKE_C_FLAGS="${CFLAGS:-}" -DTCPSIFT_FUZZ=ossfuzz -DTCPSIFT_BUILD_CLI=OFF \
      -DTCPSIFT_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD" -j"$(nproc)" --target $(cd "$SRC_DIR/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
for src in "$SRC_DIR"/fuzz/fuzz_*.c; do
  h=$(basename "$src" .c)
  cp "$BUILD/fuzz/$h" "$OUT/"
  [ -f "$SRC_DIR/fuzz/dict/$h.dict" ] && cp "$SRC_DIR/fuzz/dict/$h.dict" "$OUT/$h.dict"
  # Seed corpus: the checked-in corpus and every regression input.
  # (python3's zipfile: zip(1) is not always installed where this is emulated)
  seeds=$(cd "$SRC_DIR/corpus" && find "$PWD/$h" "$PWD/regress/$h" -maxdepth 1 -type f \
            ! -name 'README*' 2>/dev/null)
  rm -f "$OUT/${h}_seed_corpus.zip"
  [ -n "$seeds" ] && python3 -m zipfile -c "$OUT/${h}_seed_corpus.zip" $seeds
done

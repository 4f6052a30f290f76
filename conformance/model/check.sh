#!/bin/sh
# Model-checks conformance/model/tcp_endpoint.pml against the state table the
# library runs: generates state_table.pml from parser/src/state_table.c, then
# runs Spin's exhaustive safety search. Needs spin and a C compiler.
# Usage: conformance/model/check.sh
#   SPIN_DEFS=-DEDGE_ACKS conformance/model/check.sh  models a tracker that raises each
#   ACK-coverage event only once per endpoint (fails: see docs/state-events.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cc=${CC:-cc}
command -v spin >/dev/null || { echo "check.sh: SKIPPED: spin not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$cc" -std=c11 -I"$root/parser/include" -o "$work/gen_table" "$here/gen_table.c" \
    "$root/parser/src/state_table.c" "$root/parser/src/anomaly.c"
"$work/gen_table" >"$work/state_table.pml"
cp "$here/tcp_endpoint.pml" "$work/"
cd "$work"
spin ${SPIN_DEFS:-} -a tcp_endpoint.pml >spin.out 2>&1 || { cat spin.out; echo "check.sh: spin -a failed" >&2; exit 1; }
"$cc" -O2 -DSAFETY -DNOREDUCE -o pan pan.c
./pan -m100000 >pan.out 2>&1 || true
cat pan.out
if grep -q "errors: 0" pan.out && ! grep -q "max search depth too small" pan.out; then
    echo "check.sh: model OK"
else
    [ -f tcp_endpoint.pml.trail ] && spin -t -p -g tcp_endpoint.pml | tail -60
    echo "check.sh: model FAILED" >&2
    exit 1
fi

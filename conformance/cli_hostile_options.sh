#!/bin/bash
# The hostile-traffic options of conns/stream/frames (issue 8): documented in
# each command's --help, bad values are usage errors (exit 2), a prefix table
# that matches no server leaves the output unchanged (the contract's
# --overlap output stays as it was), and a matching prefix applies its
# policy: --overlap-for NET=last gives the bytes --overlap last gives.
# usage: cli_hostile_options.sh TCPSIFT REPO
set -u
B=$1
CAP=$2/conformance/captures/crafted/overlap-conflict.pcap
fail() { echo "FAIL: $*"; exit 1; }
for cmd in conns stream frames; do
    help=$("$B" $cmd --help) || fail "$cmd --help"
    for opt in "--urgent inline|oob|gap" "--overlap-for NET/LEN=POLICY" "--ttl-outliers flag|drop" \
               "--ttl-margin N" "--span-duplicates USEC" "--release-unacked BYTES"; do
        grep -qF -- "$opt" <<<"$help" || fail "$cmd --help lacks $opt"
    done
done
for bad in "--urgent x" "--overlap-for 10.0.0.0/33=linux" "--overlap-for 10.0.0.0/8" \
           "--ttl-outliers maybe" "--ttl-margin 256" "--span-duplicates -1" "--release-unacked x"; do
    "$B" conns $bad "$CAP" >/dev/null 2>&1
    [ $? -eq 2 ] || fail "conns $bad: expected exit 2"
done
diff <("$B" conns "$CAP") <("$B" conns --overlap-for 203.0.113.0/24=last \
    --overlap-for 2001:db8::/32=last --urgent oob --ttl-outliers drop "$CAP") >/dev/null ||
    fail "options that do not apply changed the output"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/first" "$tmp/last" "$tmp/prefix"
"$B" stream --out "$tmp/first" --deliver acked "$CAP" >/dev/null || fail stream
"$B" stream --out "$tmp/last" --deliver acked --overlap last "$CAP" >/dev/null || fail stream
"$B" stream --out "$tmp/prefix" --deliver acked --overlap-for 198.51.100.0/24=last "$CAP" \
    >/dev/null || fail stream
cmp -s "$tmp/first/0.c2s.bin" "$tmp/last/0.c2s.bin" && fail "the capture does not tell first from last"
cmp -s "$tmp/last/0.c2s.bin" "$tmp/prefix/0.c2s.bin" || fail "--overlap-for did not apply"
# -- ends the options: a capture whose name begins with '-'; a missing argument is named.
cp "$CAP" "$tmp/-dash.pcap"
(cd "$tmp" && diff <("$B" conns "$CAP") <("$B" conns -- -dash.pcap) >/dev/null) ||
    fail "conns -- -dash.pcap differs from the same capture's output"
(cd "$tmp" && "$B" packets -- -dash.pcap >/dev/null) || fail "packets -- -dash.pcap"
for args in "frames $CAP:--framing SPEC" "stream $CAP:--out DIR" "conns:CAPTURE (or -i IFACE)"             "frames --framing:a value for --framing" "conns --format:a value for --format"; do
    err=$("$B" ${args%%:*} 2>&1 >/dev/null)
    [ $? -eq 2 ] && grep -qF "missing ${args#*:}" <<<"$err" ||
        fail "${args%%:*}: expected exit 2 and 'missing ${args#*:}', got: $(head -1 <<<"$err")"
done
echo ok

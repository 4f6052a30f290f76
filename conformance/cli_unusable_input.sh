#!/bin/bash
# Inputs unusable as a whole (the contract: exit 1 with one error object): a directory, a
# closed standard input, a stream of zeros longer than any window a pipe may buffer. Each is
# reported by name, without reading more than it takes to tell, and (in the sanitizer builds)
# without a leak (LeakSanitizer keeps the exit status 1: its report on standard error is
# looked for). A format only libpcap knows still
# reaches libpcap through a pipe (Kuznetsov's modified pcap, magic 0xa1b2cd34).
# usage: cli_unusable_input.sh TCPSIFT
set -u
B=$1
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
expect() { # expect NAME CODE OUTPUT STATUS (standard error in $tmp/err)
    [ "$4" -eq 1 ] || fail "$1: exit $4, expected 1"
    grep -q "\"error\":\"$2\"" <<<"$3" || fail "$1: expected error $2, got: $3"
    ! grep -q "Sanitizer" "$tmp/err" || fail "$1: $(grep -m1 Sanitizer "$tmp/err")"
}
trap 'rm -rf "$tmp"' EXIT
for cmd in packets conns; do
    out=$("$B" $cmd "$tmp" 2>"$tmp/err"); expect "$cmd DIR" cannot_open "$out" $?
done
out=$("$B" packets - <"$tmp" 2>"$tmp/err"); expect "stdin a directory" cannot_open "$out" $?
out=$("$B" packets - <&- 2>"$tmp/err"); expect "stdin closed" cannot_open "$out" $?
out=$(head -c 1000 /dev/zero | "$B" packets - 2>"$tmp/err"); expect "1000 zeros" not_a_capture "$out" $?
# 80 MiB: more than the 64 MiB a piped capture may buffer (it used to be read whole for
# libpcap, then reported cannot_open); timeout: reading it all would be the bug
out=$(head -c 83886080 /dev/zero | timeout 60 "$B" packets - 2>"$tmp/err")
expect "80 MiB of zeros" not_a_capture "$out" $?
out=$(timeout 60 "$B" packets /dev/zero 2>"$tmp/err"); expect "/dev/zero" not_a_capture "$out" $?
if "$B" packets --reader libpcap "$tmp" 2>&1 | grep -q "built without libpcap"; then
    echo "cli_unusable_input: SKIPPED the libpcap fallback check: built without libpcap"
    exit 0
fi
# Kuznetsov's modified pcap: the file header, then one record (24-byte header: the usual 16,
# ifindex, protocol, packet type, padding) holding a 60-byte frame
printf '\xa1\xb2\xcd\x34\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x00\x01' >"$tmp/k.pcap"
printf '\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x3c\x00\x00\x00\x3c\x00\x00\x00\x01\x08\x00\x00\x00' >>"$tmp/k.pcap"
head -c 60 /dev/zero >>"$tmp/k.pcap"
file_out=$("$B" packets "$tmp/k.pcap" 2>/dev/null) || fail "modified pcap file: exit $?"
pipe_out=$(cat "$tmp/k.pcap" | "$B" packets - 2>/dev/null) || fail "modified pcap piped: exit $?"
grep -q '"frame":1' <<<"$pipe_out" || fail "modified pcap piped: no frame: $pipe_out"
[ "$file_out" = "$pipe_out" ] || fail "modified pcap: piped output differs from the file's"
echo "cli_unusable_input: ok"

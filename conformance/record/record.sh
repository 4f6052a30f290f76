#!/usr/bin/env bash
# Re-create the real-stack conformance captures in conformance/captures/real/.
#
# Needs root (network namespaces, tcpdump, nftables). All generated traffic stays on
# loopback inside a namespace or on veth pairs between namespaces this script creates;
# they are deleted on exit, whatever happens. Every wait in record.py is bounded.
#
#   tsift-lo                    loopback only (127.0.0.1, ::1)
#   tsift-c  c0 <-> s0  tsift-s 10.77.0.1/24, fd77::1/64   <-> 10.77.0.2, fd77::2   MTU 1500
#            c1 <-> s1          10.77.1.1/24               <-> 10.77.1.2            MTU 600
#            c2 <-> s2          fd77:1::1/64               <-> fd77:1::2            MTU 1280
#   tsift-c  c3 <-> r0  tsift-r r1 <-> s3  tsift-s   a router namespace in between:
#            10.77.2.1, fd77:2::1 -> (forwarding, nftables drops) -> 10.77.3.2, fd77:3::2
#   tsift-c  c4 <-> b0  tsift-b b1 <-> s4  tsift-s   one Ethernet segment through bridge.py
#            10.77.4.1, fd77:4::1  (AF_PACKET bridge: seeded drop/delay/reorder/duplicate)  10.77.4.2, fd77:4::2
#
# Usage: bash conformance/record/record.sh [OUTDIR] [CASE...]
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    echo "record.sh: must run as root (network namespaces, tcpdump, nftables); the committed" >&2
    echo "captures are replayed without root by ctest (crafted_messages)." >&2
    exit 2
fi
for tool in ip tcpdump nft ethtool ss /usr/bin/python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "record.sh: $tool is missing (Debian: apt-get install iproute2 tcpdump nftables ethtool python3)" >&2
        exit 2
    fi
done

here=$(cd "$(dirname "$0")" && pwd)
outdir=${1:-$here/../captures/real}
shift || true

NSS="tsift-lo tsift-c tsift-s tsift-r tsift-b"
cleanup() {
    for ns in $NSS; do
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap cleanup EXIT INT TERM
cleanup

for ns in $NSS; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
done

# veth pair: name-a ns-a name-b ns-b mtu
pair() {
    ip link add "$1" netns "$2" type veth peer name "$3" netns "$4"
    ip -n "$2" link set "$1" mtu "$5" up
    ip -n "$4" link set "$3" mtu "$5" up
    # Real segments on the wire: no TSO/GSO super-packets, no GRO merging, real checksums.
    ip netns exec "$2" ethtool -K "$1" tso off gso off gro off tx off >/dev/null 2>&1 || true
    ip netns exec "$4" ethtool -K "$3" tso off gso off gro off tx off >/dev/null 2>&1 || true
}
pair c0 tsift-c s0 tsift-s 1500
pair c1 tsift-c s1 tsift-s 600
pair c2 tsift-c s2 tsift-s 1280
pair c3 tsift-c r0 tsift-r 1500
pair r1 tsift-r s3 tsift-s 1500
pair c4 tsift-c b0 tsift-b 1500
pair b1 tsift-b s4 tsift-s 1500
ip netns exec tsift-b sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n tsift-b link set b0 promisc on
ip -n tsift-b link set b1 promisc on
ip -n tsift-c addr add 10.77.4.1/24 dev c4
ip -n tsift-s addr add 10.77.4.2/24 dev s4
ip -n tsift-c addr add fd77:4::1/64 dev c4 nodad
ip -n tsift-s addr add fd77:4::2/64 dev s4 nodad
ip -n tsift-c addr add 10.77.0.1/24 dev c0
ip -n tsift-s addr add 10.77.0.2/24 dev s0
ip -n tsift-c addr add fd77::1/64 dev c0 nodad
ip -n tsift-s addr add fd77::2/64 dev s0 nodad
ip -n tsift-c addr add 10.77.1.1/24 dev c1
ip -n tsift-s addr add 10.77.1.2/24 dev s1
ip -n tsift-c addr add fd77:1::1/64 dev c2 nodad
ip -n tsift-s addr add fd77:1::2/64 dev s2 nodad
ip -n tsift-c addr add 10.77.2.1/24 dev c3
ip -n tsift-r addr add 10.77.2.254/24 dev r0
ip -n tsift-r addr add 10.77.3.254/24 dev r1
ip -n tsift-s addr add 10.77.3.2/24 dev s3
ip -n tsift-c addr add fd77:2::1/64 dev c3 nodad
ip -n tsift-r addr add fd77:2::fe/64 dev r0 nodad
ip -n tsift-r addr add fd77:3::fe/64 dev r1 nodad
ip -n tsift-s addr add fd77:3::2/64 dev s3 nodad
ip -n tsift-c route add 10.77.3.0/24 via 10.77.2.254
ip -n tsift-s route add 10.77.2.0/24 via 10.77.3.254
ip -n tsift-c -6 route add fd77:3::/64 via fd77:2::fe
ip -n tsift-s -6 route add fd77:2::/64 via fd77:3::fe
ip netns exec tsift-r sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# Hard-coded TCP defaults, so re-recording does not depend on the host's sysctls
# (each namespace has its own copy).
for ns in $NSS; do
    ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_syn_retries=6 net.ipv4.tcp_sack=1 \
        net.ipv4.tcp_timestamps=1 net.ipv4.tcp_window_scaling=1 net.ipv4.tcp_ecn=2 >/dev/null
done
sleep 1  # links up, IPv6 addresses usable

mkdir -p "$outdir"
/usr/bin/python3 "$here/record.py" "$outdir" "$@"

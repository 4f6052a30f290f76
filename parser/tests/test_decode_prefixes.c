/* Every prefix of every sample packet, placed to end at a PROT_NONE guard page, decodes to an
 * error or a sane partial decode that agrees with the full one (after picohttpparser's test.c).
 *
 * The catalogue below holds at least one packet per link type, per IP feature and per TCP
 * option, each with the layers and error its full decode must give. (The per-layer test files
 * run every packet they build through the same every-prefix check, see decode_all().) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_guard.h"
#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/error.h"

#define LK         TCPSIFT_LAYER_LINK
#define VL         TCPSIFT_LAYER_VLAN
#define V4         TCPSIFT_LAYER_IPV4
#define V6         TCPSIFT_LAYER_IPV6
#define FR         TCPSIFT_LAYER_FRAGMENT
#define PT         TCPSIFT_LAYER_PORTS
#define TF         (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED)
#define TCP4       (LK | V4 | PT | TF | TCPSIFT_LAYER_TCP_OPTIONS)
#define TCP6       (LK | V6 | PT | TF | TCPSIFT_LAYER_TCP_OPTIONS)
#define TCP4_NOOPT (LK | V4 | PT | TF)
#define UDP4       (LK | V4 | PT | TCPSIFT_LAYER_UDP)
#define UDP6       (LK | V6 | PT | TCPSIFT_LAYER_UDP)

typedef int (*build_fn)(struct pb *p); /* builds the frame, returns its link type */

struct sample {
    const char *name;
    build_fn build;
    uint32_t layers;
    tcpsift_error error;
};

/* ---- helpers ---- */

static void tcp_v4_with(struct pb *p, const struct tcp_spec *t)
{
    build_eth_ipv4_tcp(p, t);
}

static void tcp_v4_opts(struct pb *p, const uint8_t *opts, size_t n)
{
    struct tcp_spec t = tcp_default();
    t.opts = opts;
    t.opts_len = n;
    t.payload = (const uint8_t *)"payload";
    t.payload_len = 7;
    tcp_v4_with(p, &t);
}

static void ip4_with(struct pb *p, const struct ip4_spec *ip)
{
    struct tcp_spec t = tcp_default();
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    uint8_t seg[64];
    size_t n = tcp_segment(seg, sizeof seg, &t);
    pb_eth_ipv4(p, ip, seg, n);
}

static void ip6_with(struct pb *p, struct ip6_spec *ip, uint8_t first, const uint8_t *ext,
                     size_t ext_len)
{
    struct tcp_spec t = tcp_default();
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    uint8_t seg[64];
    size_t n = tcp_segment(seg, sizeof seg, &t);
    ip->next = first;
    ip->ext = ext;
    ip->ext_len = ext_len;
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, ip, seg, n);
}

/* ---- link layers ---- */

static int s_eth_v4(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x0800);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_eth_v6(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_eth_arp(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x0806);
    pb_zero(p, 28);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_vlan(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x8100);
    pb_vlan(p, 0x2064, 0x0800);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_qinq(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x88A8);
    pb_vlan(p, 10, 0x8100);
    pb_vlan(p, 20, 0x86DD);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_qinq_9100(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x9100);
    pb_vlan(p, 300, 0x8100);
    pb_vlan(p, 5, 0x0800);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int tags(struct pb *p, size_t n)
{
    pb_init(p);
    pb_ethernet(p, 0x8100);
    for (size_t i = 0; i < n; i++)
        pb_vlan(p, (uint16_t)(i + 1), i + 1 < n ? 0x8100 : 0x0800);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_vlan_max(struct pb *p)
{
    return tags(p, TCPSIFT_MAX_VLAN_TAGS);
}
static int s_vlan_too_deep(struct pb *p)
{
    return tags(p, TCPSIFT_MAX_VLAN_TAGS + 1);
}

static int s_pppoe(struct pb *p)
{
    pb_init(p);
    pb_ethernet(p, 0x8864);
    static const uint8_t pppoe[8] = {0x11, 0x00, 0x00, 0x02, 0x00, 0x2f, 0x00, 0x21};
    pb_bytes(p, pppoe, sizeof pppoe);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_sll(struct pb *p)
{
    pb_init(p);
    pb_sll(p, 0x0800);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_LINUX_SLL;
}

static int s_sll2(struct pb *p)
{
    pb_init(p);
    pb_sll2(p, 0x86DD);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_LINUX_SLL2;
}

static int s_null_le(struct pb *p)
{
    pb_init(p);
    pb_null(p, 2, 0);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_NULL;
}

static int s_null_be_v6(struct pb *p)
{
    pb_init(p);
    pb_null(p, 30, 1);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_NULL;
}

static int s_loop(struct pb *p)
{
    pb_init(p);
    pb_loop(p, 28);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_LOOP;
}

static int s_raw(struct pb *p)
{
    pb_init(p);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_RAW;
}

static int s_raw12(struct pb *p)
{
    pb_init(p);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_RAW_DLT12;
}

static int s_raw14(struct pb *p)
{
    pb_init(p);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_RAW_DLT14;
}

static int s_ipv4_link(struct pb *p)
{
    pb_init(p);
    pb_default_ipv4_tcp(p);
    return TCPSIFT_LINK_IPV4;
}

static int s_ipv6_link(struct pb *p)
{
    pb_init(p);
    pb_default_ipv6_tcp(p);
    return TCPSIFT_LINK_IPV6;
}

static int s_unsupported(struct pb *p)
{
    pb_init(p);
    pb_default_ipv4_tcp(p);
    return 147;
}

/* ---- IPv4 ---- */

static int s_ip4_options(struct pb *p)
{
    static const uint8_t opts[8] = {0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0};
    struct ip4_spec ip = ip4_default(6);
    ip.opts = opts;
    ip.opts_len = 8;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_bad_option(struct pb *p)
{
    static const uint8_t opts[8] = {0x07, 0x0C, 0x04, 0, 0, 0, 0, 0};
    struct ip4_spec ip = ip4_default(6);
    ip.opts = opts;
    ip.opts_len = 8;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_tso(struct pb *p)
{
    struct ip4_spec ip = ip4_default(6);
    ip.total_len = 0;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_total_beyond_wire(struct pb *p)
{
    struct ip4_spec ip = ip4_default(6);
    ip.total_len = 200;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_first_fragment(struct pb *p)
{
    struct ip4_spec ip = ip4_default(6);
    ip.frag = 0x2000;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_later_fragment(struct pb *p)
{
    struct ip4_spec ip = ip4_default(6);
    ip.frag = 0x0040;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_padding(struct pb *p)
{
    s_eth_v4(p);
    pb_zero(p, 60 - p->len);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_bad_ihl(struct pb *p)
{
    struct ip4_spec ip = ip4_default(6);
    ip.ihl = 3;
    ip4_with(p, &ip);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip4_icmp(struct pb *p)
{
    static const uint8_t icmp[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0};
    struct ip4_spec ip = ip4_default(1);
    pb_eth_ipv4(p, &ip, icmp, 8);
    return TCPSIFT_LINK_ETHERNET;
}

static int udp4(struct pb *p, int csum)
{
    uint8_t dg[32];
    size_t n = udp_datagram(dg, sizeof dg, 53, 5353, (const uint8_t *)"dnsdata", 7, -1);
    struct ip4_spec ip = ip4_default(17);
    ip.l4_csum = csum;
    pb_eth_ipv4(p, &ip, dg, n);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_udp4(struct pb *p)
{
    return udp4(p, 1);
}
static int s_udp4_nocsum(struct pb *p)
{
    return udp4(p, 0);
}

static int s_udp4_bad_len(struct pb *p)
{
    uint8_t dg[32];
    size_t n = udp_datagram(dg, sizeof dg, 53, 5353, (const uint8_t *)"dnsdata", 7, 99);
    struct ip4_spec ip = ip4_default(17);
    pb_eth_ipv4(p, &ip, dg, n);
    return TCPSIFT_LINK_ETHERNET;
}

/* ---- IPv6 ---- */

static int s_ip6_hbh_dst(struct pb *p)
{
    uint8_t ext[24];
    size_t n = ext_opts(ext, 60, 0);
    n += ext_opts(ext + n, 6, 1);
    struct ip6_spec ip = ip6_default(6);
    ip6_with(p, &ip, 0, ext, n);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip6_rh0(struct pb *p)
{
    const uint8_t addrs[2][16] = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11},
                                  {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22}};
    uint8_t ext[40];
    size_t n = ext_rh0(ext, 6, 2, addrs, 2);
    struct ip6_spec ip = ip6_default(6);
    ip.csum_dst = addrs[1];
    ip6_with(p, &ip, 43, ext, n);
    return TCPSIFT_LINK_ETHERNET;
}

static int frag6(struct pb *p, uint16_t off, int more)
{
    uint8_t ext[8];
    ext_frag(ext, 6, off, more, 0xCAFE);
    struct ip6_spec ip = ip6_default(6);
    ip6_with(p, &ip, 44, ext, 8);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip6_atomic_fragment(struct pb *p)
{
    return frag6(p, 0, 0);
}
static int s_ip6_first_fragment(struct pb *p)
{
    return frag6(p, 0, 1);
}
static int s_ip6_later_fragment(struct pb *p)
{
    return frag6(p, 3, 1);
}

static int s_ip6_ah(struct pb *p)
{
    uint8_t ext[24];
    size_t n = ext_ah(ext, 6, 4);
    struct ip6_spec ip = ip6_default(6);
    ip6_with(p, &ip, 51, ext, n);
    return TCPSIFT_LINK_ETHERNET;
}

static int chain6(struct pb *p, size_t count)
{
    uint8_t ext[8 * 16];
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += ext_opts(ext + n, i + 1 < count ? 60 : 6, 0);
    struct ip6_spec ip = ip6_default(6);
    ip6_with(p, &ip, 60, ext, n);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip6_chain_max(struct pb *p)
{
    return chain6(p, TCPSIFT_MAX_IPV6_EXT_HEADERS);
}
static int s_ip6_chain_too_long(struct pb *p)
{
    return chain6(p, TCPSIFT_MAX_IPV6_EXT_HEADERS + 1);
}

static int s_ip6_ext_too_long(struct pb *p)
{
    uint8_t ext[8];
    ext_opts(ext, 6, 0);
    ext[1] = 10;
    struct ip6_spec ip = ip6_default(6);
    ip6_with(p, &ip, 0, ext, 8);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip6_plen_zero(struct pb *p)
{
    struct ip6_spec ip = ip6_default(6);
    ip.payload_len = 0;
    ip6_with(p, &ip, 6, NULL, 0);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_ip6_plen_beyond_wire(struct pb *p)
{
    struct ip6_spec ip = ip6_default(6);
    ip.payload_len = 300;
    ip6_with(p, &ip, 6, NULL, 0);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_udp6(struct pb *p)
{
    uint8_t dg[32];
    size_t n = udp_datagram(dg, sizeof dg, 40001, 443, (const uint8_t *)"quic", 4, -1);
    struct ip6_spec ip = ip6_default(17);
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, &ip, dg, n);
    return TCPSIFT_LINK_ETHERNET;
}

/* ---- TCP ---- */

static int s_tcp_all_flags(struct pb *p)
{
    struct tcp_spec t = tcp_default();
    t.flags = 0x0FFF;
    tcp_v4_with(p, &t);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_tcp_bad_doff(struct pb *p)
{
    struct tcp_spec t = tcp_default();
    t.doff = 15;
    tcp_v4_with(p, &t);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_tcp_big_payload(struct pb *p)
{
    static uint8_t data[1400];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    struct tcp_spec t = tcp_default();
    t.payload = data;
    t.payload_len = sizeof data;
    build_eth_ipv6_tcp(p, &t);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_syn(struct pb *p)
{
    static const uint8_t o[20] = {0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x9a, 0x3b,
                                  0x1c, 0x22, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_sack4(struct pb *p)
{
    uint8_t o[36] = {1, 1, 5, 34};
    for (size_t i = 0; i < 32; i++)
        o[4 + i] = (uint8_t)(i * 3);
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_tfo34(struct pb *p)
{
    static const uint8_t o[12] = {34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_tfo254(struct pb *p)
{
    static const uint8_t o[8] = {254, 8, 0xF9, 0x89, 9, 8, 7, 6};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_md5(struct pb *p)
{
    uint8_t o[20] = {1, 1, 19, 18};
    for (size_t i = 0; i < 16; i++)
        o[4 + i] = (uint8_t)(0xF0 ^ i);
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_uto_mptcp(struct pb *p)
{
    static const uint8_t o[16] = {28, 4, 0x01, 0x2c, 30, 12, 0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_unknown(struct pb *p)
{
    static const uint8_t o[8] = {0x99, 2, 0xAB, 4, 0, 0, 1, 0};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_eol_garbage(struct pb *p)
{
    static const uint8_t o[8] = {1, 0, 2, 4, 0xFF, 0xFF, 0xFF, 0xFF};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_bad_length(struct pb *p)
{
    static const uint8_t o[8] = {1, 1, 2, 5, 0, 0, 0, 0};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static int s_opt_past_space(struct pb *p)
{
    static const uint8_t o[4] = {1, 8, 10, 0};
    tcp_v4_opts(p, o, sizeof o);
    return TCPSIFT_LINK_ETHERNET;
}

static const struct sample samples[] = {
    {"eth_ipv4_tcp", s_eth_v4, TCP4, TCPSIFT_OK},
    {"eth_ipv6_tcp", s_eth_v6, TCP6, TCPSIFT_OK},
    {"eth_arp", s_eth_arp, LK, TCPSIFT_OK},
    {"vlan_8021q", s_vlan, TCP4 | VL, TCPSIFT_OK},
    {"qinq_88a8", s_qinq, TCP6 | VL, TCPSIFT_OK},
    {"qinq_9100", s_qinq_9100, TCP4 | VL, TCPSIFT_OK},
    {"vlan_max_depth", s_vlan_max, TCP4 | VL, TCPSIFT_OK},
    {"vlan_too_deep", s_vlan_too_deep, LK | VL, TCPSIFT_E_VLAN_TOO_DEEP},
    {"pppoe_session", s_pppoe, TCP4, TCPSIFT_OK},
    {"sll", s_sll, TCP4, TCPSIFT_OK},
    {"sll2", s_sll2, TCP6, TCPSIFT_OK},
    {"null_le_af2", s_null_le, TCP4, TCPSIFT_OK},
    {"null_be_af30", s_null_be_v6, TCP6, TCPSIFT_OK},
    {"loop_af28", s_loop, TCP6, TCPSIFT_OK},
    {"raw101", s_raw, TCP4, TCPSIFT_OK},
    {"raw12_v6", s_raw12, TCP6, TCPSIFT_OK},
    {"raw14", s_raw14, TCP4, TCPSIFT_OK},
    {"linktype_ipv4", s_ipv4_link, TCP4, TCPSIFT_OK},
    {"linktype_ipv6", s_ipv6_link, TCP6, TCPSIFT_OK},
    {"unsupported_link", s_unsupported, 0, TCPSIFT_E_UNSUPPORTED_LINK_TYPE},
    {"ip4_options", s_ip4_options, TCP4, TCPSIFT_OK},
    {"ip4_bad_option", s_ip4_bad_option, TCP4, TCPSIFT_E_BAD_IP_OPTION_LENGTH},
    {"ip4_tso_len0", s_ip4_tso, TCP4, TCPSIFT_OK},
    {"ip4_total_beyond_wire", s_ip4_total_beyond_wire, TCP4, TCPSIFT_E_BAD_IP_TOTAL_LENGTH},
    {"ip4_first_fragment", s_ip4_first_fragment, TCP4 | FR, TCPSIFT_OK},
    {"ip4_later_fragment", s_ip4_later_fragment, LK | V4 | FR, TCPSIFT_OK},
    {"ip4_eth_padding", s_ip4_padding, TCP4, TCPSIFT_OK},
    {"ip4_bad_ihl", s_ip4_bad_ihl, LK, TCPSIFT_E_BAD_IP_HEADER_LENGTH},
    {"ip4_icmp", s_ip4_icmp, LK | V4, TCPSIFT_OK},
    {"udp4", s_udp4, UDP4, TCPSIFT_OK},
    {"udp4_no_checksum", s_udp4_nocsum, UDP4, TCPSIFT_OK},
    {"udp4_bad_length", s_udp4_bad_len, LK | V4 | PT, TCPSIFT_E_BAD_UDP_LENGTH},
    {"ip6_hbh_dstopts", s_ip6_hbh_dst, TCP6, TCPSIFT_OK},
    {"ip6_routing0", s_ip6_rh0, TCP6, TCPSIFT_OK},
    {"ip6_atomic_fragment", s_ip6_atomic_fragment, TCP6, TCPSIFT_OK},
    {"ip6_first_fragment", s_ip6_first_fragment, TCP6 | FR, TCPSIFT_OK},
    {"ip6_later_fragment", s_ip6_later_fragment, LK | V6 | FR, TCPSIFT_OK},
    {"ip6_ah", s_ip6_ah, TCP6, TCPSIFT_OK},
    {"ip6_chain_max", s_ip6_chain_max, TCP6, TCPSIFT_OK},
    {"ip6_chain_too_long", s_ip6_chain_too_long, LK | V6, TCPSIFT_E_IPV6_EXT_CHAIN_TOO_LONG},
    {"ip6_ext_too_long", s_ip6_ext_too_long, LK | V6, TCPSIFT_E_BAD_IPV6_EXT_HEADER},
    {"ip6_plen0", s_ip6_plen_zero, TCP6, TCPSIFT_OK},
    {"ip6_plen_beyond_wire", s_ip6_plen_beyond_wire, TCP6, TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH},
    {"udp6", s_udp6, UDP6, TCPSIFT_OK},
    {"tcp_all_flag_bits", s_tcp_all_flags, TCP4, TCPSIFT_OK},
    {"tcp_bad_doff", s_tcp_bad_doff, LK | V4 | PT | TCPSIFT_LAYER_TCP_FIXED, TCPSIFT_E_BAD_TCP_DATA_OFFSET},
    {"tcp_big_payload", s_tcp_big_payload, TCP6, TCPSIFT_OK},
    {"opt_syn", s_opt_syn, TCP4, TCPSIFT_OK},
    {"opt_sack4", s_opt_sack4, TCP4, TCPSIFT_OK},
    {"opt_tfo34", s_opt_tfo34, TCP4, TCPSIFT_OK},
    {"opt_tfo254", s_opt_tfo254, TCP4, TCPSIFT_OK},
    {"opt_md5", s_opt_md5, TCP4, TCPSIFT_OK},
    {"opt_uto_mptcp", s_opt_uto_mptcp, TCP4, TCPSIFT_OK},
    {"opt_unknown", s_opt_unknown, TCP4, TCPSIFT_OK},
    {"opt_eol_garbage", s_opt_eol_garbage, TCP4, TCPSIFT_OK},
    {"opt_bad_length", s_opt_bad_length, TCP4_NOOPT, TCPSIFT_E_BAD_OPTION_LENGTH},
    {"opt_past_space", s_opt_past_space, TCP4_NOOPT, TCPSIFT_E_BAD_OPTION_LENGTH},
};
#define SAMPLE_COUNT (sizeof samples / sizeof samples[0])

static void test_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        struct pb p;
        int linktype = samples[i].build(&p);
        struct decoded d;
        decode_pb(&d, linktype, &p); /* every prefix, wirelen = full length */
        if (d.pkt.layers != samples[i].layers || d.rc != samples[i].error)
            print_error("sample %s: layers 0x%x error %s\n", samples[i].name, d.pkt.layers,
                        tcpsift_error_name(d.rc));
        assert_int_equal(d.pkt.layers, samples[i].layers);
        assert_int_equal(d.rc, samples[i].error);
        /* A clean full decode of a TCP/UDP sample holds its whole payload and a good checksum
         * (except fragments and the deliberately unchecked UDP one). */
        if ((d.pkt.layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP)) && d.rc == TCPSIFT_OK) {
            assert_int_equal(d.pkt.payload.len, d.pkt.payload_len);
            if (d.pkt.layers & FR)
                assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
            else if (strcmp(samples[i].name, "udp4_no_checksum") == 0)
                assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_ABSENT);
            else
                assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
        }
        if (d.pkt.layers & V4) assert_int_equal(d.pkt.ip_csum, TCPSIFT_CSUM_GOOD);
        decoded_release(&d);
    }
}

static void test_every_prefix_snapped(void **state)
{
    (void)state;
    /* The same, as if each frame were the snapped head of a longer one. */
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        struct pb p;
        int linktype = samples[i].build(&p);
        struct decoded d;
        decode_all(&d, linktype, p.b, p.len, p.len + 1000);
        assert_int_equal(d.pkt.wirelen, p.len + 1000);
        /* An IP length of 0 now means "the 1000 bytes more the wire had": unverifiable. */
        if ((d.pkt.layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP)) && d.pkt.ip_len_from_capture)
            assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
        decoded_release(&d);
    }
}

static void test_single_byte_mutations(void **state)
{
    (void)state;
    /* Every byte of every sample set to 0x00, 0xFF and flipped: decoded at the guard page,
     * every view must stay inside the frame. */
    static const int kinds = 3;
    for (size_t i = 0; i < SAMPLE_COUNT; i++) {
        struct pb p;
        int linktype = samples[i].build(&p);
        for (size_t at = 0; at < p.len; at++) {
            for (int k = 0; k < kinds; k++) {
                uint8_t saved = p.b[at];
                p.b[at] = k == 0 ? 0x00 : k == 1 ? 0xFF : (uint8_t)~saved;
                struct guard_buf g;
                const uint8_t *f = guard_place(&g, p.b, p.len);
                assert_non_null(f);
                tcpsift_packet pkt;
                tcpsift_error rc = decode_checked(&pkt, linktype, f, p.len, p.len);
                assert_int_equal(rc, pkt.error);
                tcpsift_packet_verify_checksums(&pkt);
                check_packet_sane(&pkt);
                guard_release(&g);
                p.b[at] = saved;
            }
        }
    }
}

static int is_lower_snake(const char *s)
{
    if (!*s || *s == '_') return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) return 0;
    return s[strlen(s) - 1] != '_';
}

static void test_error_names(void **state)
{
    (void)state;
    for (int i = 0; i < (int)TCPSIFT_ERROR_COUNT_; i++) {
        const char *name = tcpsift_error_name((tcpsift_error)i);
        assert_non_null(name);
        assert_true(is_lower_snake(name));
        assert_string_not_equal(name, "unknown_error");
        const char *text = tcpsift_error_text((tcpsift_error)i);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, tcpsift_error_name((tcpsift_error)j));
    }
    assert_string_equal(tcpsift_error_name(TCPSIFT_OK), "ok");
    assert_string_equal(tcpsift_error_name(TCPSIFT_E_TRUNCATED_IP_HEADER), "truncated_ip_header");
    assert_string_equal(tcpsift_error_name(TCPSIFT_E_BAD_IP_VERSION), "bad_ip_version");
    assert_string_equal(tcpsift_error_name(TCPSIFT_E_BAD_TCP_DATA_OFFSET), "bad_tcp_data_offset");
    assert_string_equal(tcpsift_error_name(TCPSIFT_E_BAD_OPTION_LENGTH), "bad_option_length");
    assert_string_equal(tcpsift_error_name(TCPSIFT_ERROR_COUNT_), "unknown_error");
    assert_string_equal(tcpsift_error_name((tcpsift_error)(TCPSIFT_ERROR_COUNT_ + 100)),
                        "unknown_error");
    assert_string_equal(tcpsift_error_name((tcpsift_error)-1), "unknown_error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_every_prefix_snapped),
        cmocka_unit_test(test_single_byte_mutations),
        cmocka_unit_test(test_error_names),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

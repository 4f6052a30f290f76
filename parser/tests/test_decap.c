/* Decapsulation: byte-exact vectors for MPLS, PPP link types, PPPoE, IP-in-IP, GRE (with
 * ERSPAN), VXLAN and Teredo, each decoded with every prefix placed at a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

static const uint8_t OUTER_V4_SRC[4] = {198, 51, 100, 1}, OUTER_V4_DST[4] = {198, 51, 100, 2};

/* Full decode under the guard page plus every shorter capture: each prefix must be sane, and
 * its encap list a prefix of the full one (a cut frame can only know fewer outer layers). */
static void decode_tunnel(struct decoded *d, int linktype, const struct pb *p)
{
    memset(d, 0, sizeof *d);
    d->frame = guard_place(&d->g, p->b, p->len);
    assert_non_null(d->frame);
    d->len = p->len;
    d->rc = tcpsift_packet_decode(&d->pkt, linktype, d->frame, p->len, p->len);
    assert_int_equal(d->rc, d->pkt.error);
    tcpsift_packet_verify_checksums(&d->pkt);
    check_packet_sane(&d->pkt);
    for (size_t k = 0; k < p->len; k++) {
        struct guard_buf g;
        const uint8_t *f = guard_place(&g, p->b, k);
        assert_non_null(f);
        tcpsift_packet pre;
        tcpsift_error rc = tcpsift_packet_decode(&pre, linktype, f, k, p->len);
        assert_int_equal(rc, pre.error);
        tcpsift_packet_verify_checksums(&pre);
        check_packet_sane(&pre);
        assert_true(pre.encap_count <= d->pkt.encap_count);
        assert_memory_equal(pre.encap, d->pkt.encap, pre.encap_count);
        guard_release(&g);
    }
}

/* The default IPv4/IPv6 TCP "hello" segment (support_packets.h) is the innermost datagram. */
static void expect_inner_default(const struct decoded *d, size_t l3, int version)
{
    const tcpsift_packet *p = &d->pkt;
    assert_int_equal(p->error, TCPSIFT_OK);
    assert_int_equal(p->ip_version, version);
    assert_int_equal(p->l3_offset, l3);
    assert_ptr_equal(p->ip_header.ptr, d->frame + l3);
    assert_memory_equal(p->src, version == 4 ? TEST_V4_SRC : TEST_V6_SRC, version == 4 ? 4 : 16);
    assert_memory_equal(p->dst, version == 4 ? TEST_V4_DST : TEST_V6_DST, version == 4 ? 4 : 16);
    assert_int_equal(p->ip_proto, 6);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->dport, 80);
    assert_int_equal(p->seq, 0x01020304);
    assert_int_equal(p->payload_len, 5);
    assert_memory_equal(p->payload.ptr, "hello", 5);
    assert_int_equal(p->l4_csum, TCPSIFT_CSUM_GOOD);
    assert_true(p->layers & TCPSIFT_LAYER_TCP);
    assert_false(p->layers & TCPSIFT_LAYER_UDP);
}

static void expect_encap(const tcpsift_packet *p, const uint8_t *kinds, size_t n)
{
    assert_int_equal(p->encap_count, n);
    assert_memory_equal(p->encap, kinds, n);
}

/* Bytes of a default inner datagram, for building tunnels around it. */
static size_t inner_default(uint8_t *out, int version)
{
    struct pb p;
    pb_init(&p);
    if (version == 4)
        pb_default_ipv4_tcp(&p);
    else
        pb_default_ipv6_tcp(&p);
    memcpy(out, p.b, p.len);
    return p.len;
}

static size_t outer_ipv4(struct pb *p, uint8_t proto, const uint8_t *l4, size_t n)
{
    struct ip4_spec ip = ip4_default(proto);
    memcpy(ip.src, OUTER_V4_SRC, 4);
    memcpy(ip.dst, OUTER_V4_DST, 4);
    ip.l4_csum = proto == 17;
    return pb_ipv4(p, &ip, l4, n);
}

static size_t outer_ipv6(struct pb *p, uint8_t next, const uint8_t *l4, size_t n)
{
    struct ip6_spec ip = ip6_default(next);
    ip.src[15] = 0x99;
    ip.l4_csum = next == 17;
    return pb_ipv6(p, &ip, l4, n);
}

/* ---------------------------------------------------------------- MPLS */

static void test_mpls_two_labels_ipv4(void **state)
{
    (void)state;
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8847);
    pb_be32(&p, 100u << 12 | 64);             /* label 100, TTL 64 */
    pb_be32(&p, 200u << 12 | 0x100 | 64);     /* label 200, bottom of stack */
    pb_default_ipv4_tcp(&p);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 22, 4);
    const uint8_t want[] = {TCPSIFT_ENCAP_MPLS};
    expect_encap(&d.pkt, want, 1);
    assert_int_equal(d.pkt.ethertype, 0x0800);
    /* The bottom label names the tunnel, not the outer (transport) one. */
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_MPLS);
    assert_int_equal(d.pkt.tunnel_id, 200);
    guard_release(&d.g);
}

static void test_mpls_multicast_ipv6_under_vlan(void **state)
{
    (void)state;
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8100);
    pb_vlan(&p, 7, 0x8848);
    pb_be32(&p, 5u << 12 | 0x100 | 1);
    pb_default_ipv6_tcp(&p);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 22, 6);
    const uint8_t want[] = {TCPSIFT_ENCAP_VLAN, TCPSIFT_ENCAP_MPLS};
    expect_encap(&d.pkt, want, 2);
    assert_int_equal(d.pkt.vlan_ids[0], 7);
    guard_release(&d.g);
}

static void test_mpls_stack_too_deep(void **state)
{
    (void)state;
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8847);
    for (int i = 0; i < TCPSIFT_MAX_MPLS_LABELS; i++) pb_be32(&p, (uint32_t)i << 12 | 64);
    pb_be32(&p, 0x100 | 64);
    pb_default_ipv4_tcp(&p);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_ENCAP_TOO_DEEP);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    guard_release(&d.g);
}

static void test_mpls_truncated_and_non_ip(void **state)
{
    (void)state;
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8847);
    pb_be32(&p, 1u << 12 | 64); /* no bottom of stack, then the frame ends */
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_TRUNCATED_ENCAP_HEADER);
    guard_release(&d.g);

    pb_init(&p);
    pb_ethernet(&p, 0x8847);
    pb_be32(&p, 1u << 12 | 0x100 | 64);
    pb_be32(&p, 0); /* a pseudowire control word: not IP, not an error */
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_version, 0);
    assert_int_equal(d.pkt.encap_count, 1);
    guard_release(&d.g);
}

/* ---------------------------------------------------------------- PPP link types */

static void ppp_case(int linktype, const uint8_t *link, size_t n, int version, size_t encaps)
{
    struct pb p;
    pb_init(&p);
    pb_bytes(&p, link, n);
    if (version == 4)
        pb_default_ipv4_tcp(&p);
    else
        pb_default_ipv6_tcp(&p);
    struct decoded d;
    decode_tunnel(&d, linktype, &p);
    expect_inner_default(&d, n, version);
    assert_int_equal(d.pkt.encap_count, encaps);
    guard_release(&d.g);
}

static void test_ppp_link_types(void **state)
{
    (void)state;
    const uint8_t hdlc_v4[] = {0xFF, 0x03, 0x00, 0x21};
    const uint8_t bare_v6[] = {0x00, 0x57};
    const uint8_t compressed_v4[] = {0x21}; /* RFC 1661 §6.5 protocol field compression */
    const uint8_t cisco_v4[] = {0x0F, 0x00, 0x08, 0x00};
    const uint8_t cisco_v6[] = {0x8F, 0x00, 0x86, 0xDD};
    const uint8_t pppoe_v4[] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x2F, 0x00, 0x21};
    ppp_case(TCPSIFT_LINK_PPP, hdlc_v4, sizeof hdlc_v4, 4, 0);
    ppp_case(TCPSIFT_LINK_PPP, bare_v6, sizeof bare_v6, 6, 0);
    ppp_case(TCPSIFT_LINK_PPP, compressed_v4, sizeof compressed_v4, 4, 0);
    ppp_case(TCPSIFT_LINK_PPP_HDLC, hdlc_v4, sizeof hdlc_v4, 4, 0);
    ppp_case(TCPSIFT_LINK_PPP_HDLC, cisco_v4, sizeof cisco_v4, 4, 0);
    ppp_case(TCPSIFT_LINK_C_HDLC, cisco_v6, sizeof cisco_v6, 6, 0);
    ppp_case(TCPSIFT_LINK_PPP_ETHER, pppoe_v4, sizeof pppoe_v4, 4, 1);
    /* PPPoE with a compressed protocol field (RFC 2516 §7 does not forbid it), bare and in an
     * Ethernet frame (ethertype 0x8864). */
    const uint8_t pppoe_compressed_v4[] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x2E, 0x21};
    const uint8_t eth_pppoe_compressed_v6[] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x64,
                                               0x11, 0x00, 0x12, 0x34, 0x00, 0x42, 0x57};
    ppp_case(TCPSIFT_LINK_PPP_ETHER, pppoe_compressed_v4, sizeof pppoe_compressed_v4, 4, 1);
    ppp_case(TCPSIFT_LINK_ETHERNET, eth_pppoe_compressed_v6, sizeof eth_pppoe_compressed_v6, 6, 1);
    assert_string_equal(tcpsift_linktype_name(9), "ppp");
    assert_string_equal(tcpsift_linktype_name(50), "ppp_hdlc");
    assert_true(tcpsift_linktype_supported(104));
}

static void test_ppp_lcp_is_not_ip(void **state)
{
    (void)state;
    const uint8_t lcp[] = {0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04};
    struct pb p;
    pb_init(&p);
    pb_bytes(&p, lcp, sizeof lcp);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_PPP, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    guard_release(&d.g);
}

/* PPPoE's LENGTH bounds the PPP payload (RFC 2516 §4): the datagram inside ends there. */
static void test_pppoe_length_bounds_payload(void **state)
{
    (void)state;
    uint8_t hdr[8] = {0x11, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x21};
    struct pb p;
    struct decoded d;
    /* 3 bytes short of the 2 + 45 the frame holds: the inner IPv4 total length runs past the
     * session payload, a bad length (not a capture cut short), and "he" is all it carries. */
    hdr[5] = 2 + 45 - 3;
    pb_init(&p);
    pb_bytes(&p, hdr, sizeof hdr);
    pb_default_ipv4_tcp(&p);
    decode_tunnel(&d, TCPSIFT_LINK_PPP_ETHER, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
    assert_int_equal(d.pkt.payload_len, 2);
    assert_int_equal(d.pkt.payload.len, 2);
    assert_int_equal(d.pkt.wirelen, p.len); /* the frame's own, whatever the layers bound */
    guard_release(&d.g);
    /* Longer than the frame carries, or too short for its protocol field: dropped by a host
     * (Linux pppoe_rcv()), a bad link header here. */
    /* Ending inside the IPv4 header: malformed, the packet has no IP layer. */
    hdr[5] = 2 + 10;
    pb_init(&p);
    pb_bytes(&p, hdr, sizeof hdr);
    pb_default_ipv4_tcp(&p);
    decode_tunnel(&d, TCPSIFT_LINK_PPP_ETHER, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_IPV4);
    guard_release(&d.g);
    const uint8_t bad_lengths[] = {2 + 45 + 1, 1, 0};
    for (size_t i = 0; i < sizeof bad_lengths; i++) {
        hdr[5] = bad_lengths[i];
        pb_init(&p);
        pb_bytes(&p, hdr, sizeof hdr);
        pb_default_ipv4_tcp(&p);
        decode_tunnel(&d, TCPSIFT_LINK_PPP_ETHER, &p);
        assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_LINK_HEADER);
        assert_false(d.pkt.layers & TCPSIFT_LAYER_IPV4);
        guard_release(&d.g);
    }
}

/* ---------------------------------------------------------------- IP in IP */

static void ipip_case(int outer, int inner)
{
    uint8_t in[128];
    size_t n = inner_default(in, inner);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, outer == 4 ? 0x0800 : 0x86DD);
    uint8_t proto = inner == 4 ? 4 : 41;
    if (outer == 4)
        outer_ipv4(&p, proto, in, n);
    else
        outer_ipv6(&p, proto, in, n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + (outer == 4 ? 20u : 40u), inner);
    const uint8_t want[] = {TCPSIFT_ENCAP_IPIP};
    expect_encap(&d.pkt, want, 1);
    guard_release(&d.g);
}

static void udp_tunnel(struct pb *p, uint16_t sport, uint16_t dport, const uint8_t *payload,
                       size_t n);

/* Ethernet / IPv4 or IPv6 (`outer`) / `proto` carrying l4. */
static void ip_outer_frame(struct pb *p, int outer, uint8_t proto, const uint8_t *l4, size_t n)
{
    pb_init(p);
    pb_ethernet(p, outer == 4 ? 0x0800 : 0x86DD);
    if (outer == 4)
        outer_ipv4(p, proto, l4, n);
    else
        outer_ipv6(p, proto, l4, n);
}

/* Ethernet / IPv4 / UDP to 4789 / VXLAN VNI 0x1234 / Ethernet / the inner datagram `in`. */
static void vxlan_frame(struct pb *p, const uint8_t *in, size_t n)
{
    uint8_t v[256];
    const uint8_t hdr[8] = {0x08, 0, 0, 0, 0x00, 0x12, 0x34, 0};
    memcpy(v, hdr, 8);
    struct pb eth;
    pb_init(&eth);
    pb_ethernet(&eth, 0x0800);
    memcpy(v + 8, eth.b, eth.len);
    memcpy(v + 8 + eth.len, in, n);
    udp_tunnel(p, 51000, 4789, v, 8 + eth.len + n);
}

/* An inner datagram ends where its enclosing one does (RFC 2003 §3; a UDP tunnel's at its UDP
 * length): an inner length past that end is a bad length even when the frame holds the bytes
 * after it, never a capture cut short (which would count the missing bytes as a hole and lose
 * the real copy that follows). */
static void test_inner_length_bounded_by_outer(void **state)
{
    (void)state;
    uint8_t in[128];
    size_t n = inner_default(in, 4);
    struct pb p;
    struct decoded d;
    /* IP-in-IP, IPv4 outside: the outer total length 3 short of the inner datagram. */
    ip_outer_frame(&p, 4, 4, in, n);
    p.b[14 + 3] = (uint8_t)(p.b[14 + 3] - 3);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
    assert_int_equal(d.pkt.encap_count, 1);
    assert_memory_equal(d.pkt.src, TEST_V4_SRC, 4);
    assert_int_equal(d.pkt.payload_len, 2);
    assert_int_equal(d.pkt.payload.len, 2);
    guard_release(&d.g);
    /* IPv6 outside, its payload length 3 short. */
    ip_outer_frame(&p, 6, 4, in, n);
    p.b[14 + 5] = (uint8_t)(p.b[14 + 5] - 3);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
    assert_int_equal(d.pkt.payload_len, 2);
    guard_release(&d.g);
    /* The outer datagram ends inside the inner header: there is no inner datagram (its header
     * is incomplete, as in a frame cut there), and the packet describes the outer one. */
    ip_outer_frame(&p, 4, 4, in, n);
    p.b[14 + 3] = (uint8_t)(p.b[14 + 3] - (n - 10));
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(d.pkt.encap_count, 0);
    assert_memory_equal(d.pkt.src, OUTER_V4_SRC, 4);
    guard_release(&d.g);
    /* VXLAN: the outer UDP length 3 short (the outer IP length still covers every byte). */
    vxlan_frame(&p, in, n);
    p.b[14 + 20 + 5] = (uint8_t)(p.b[14 + 20 + 5] - 3);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
    assert_int_equal(d.pkt.encap_count, 1);
    assert_int_equal(d.pkt.payload_len, 2);
    guard_release(&d.g);
}

static void test_ip_in_ip(void **state)
{
    (void)state;
    ipip_case(4, 4);
    ipip_case(4, 6);
    ipip_case(6, 4);
    ipip_case(6, 6);

    /* An inner header that is cut or not IP leaves the outer datagram, with the error. */
    const uint8_t cut[10] = {0x45};
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    outer_ipv4(&p, 4, cut, sizeof cut);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(d.pkt.ip_version, 4);
    assert_int_equal(d.pkt.ip_proto, 4);
    assert_int_equal(d.pkt.l3_offset, 14);
    assert_memory_equal(d.pkt.src, OUTER_V4_SRC, 4);
    assert_int_equal(d.pkt.encap_count, 0);
    guard_release(&d.g);
    const uint8_t not_ip[40] = {0x50};
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    outer_ipv4(&p, 41, not_ip, sizeof not_ip);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_BAD_IP_VERSION);
    assert_int_equal(d.pkt.ip_proto, 41);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_IPV4);
    assert_int_equal(d.pkt.encap_count, 0);
    guard_release(&d.g);
}

static void test_nesting_too_deep(void **state)
{
    (void)state;
    uint8_t a[PB_MAX], b[PB_MAX];
    size_t n = inner_default(a, 4);
    for (int i = 0; i < TCPSIFT_MAX_ENCAP + 1; i++) {
        struct pb p;
        pb_init(&p);
        outer_ipv4(&p, 4, a, n);
        memcpy(b, p.b, p.len);
        memcpy(a, b, p.len);
        n = p.len;
    }
    struct pb p;
    pb_init(&p);
    pb_bytes(&p, a, n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_RAW, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_ENCAP_TOO_DEEP);
    assert_int_equal(d.pkt.encap_count, TCPSIFT_MAX_ENCAP);
    /* The packet describes the deepest datagram reached: the 9th IPv4 header, proto 4. */
    assert_int_equal(d.pkt.l3_offset, 20u * TCPSIFT_MAX_ENCAP);
    assert_int_equal(d.pkt.ip_proto, 4);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_TCP);
    guard_release(&d.g);
}

/* ---------------------------------------------------------------- GRE */

static void test_gre_checksum_key_sequence(void **state)
{
    (void)state;
    uint8_t in[128], gre[256];
    size_t n = inner_default(in, 4);
    size_t g = 0;
    gre[g++] = 0xB0; /* C, K, S */
    gre[g++] = 0x00;
    gre[g++] = 0x08;
    gre[g++] = 0x00;
    memset(gre + g, 0xAB, 12); /* checksum+reserved, key, sequence */
    g += 12;
    memcpy(gre + g, in, n);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    outer_ipv4(&p, 47, gre, g + n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 16, 4);
    const uint8_t want[] = {TCPSIFT_ENCAP_GRE};
    expect_encap(&d.pkt, want, 1);
    guard_release(&d.g);
}

/* What a decapsulating host checks before the inner datagram exists (encap_csum): a present
 * GRE checksum, an outer IPv4 header checksum, a UDP tunnel's non-zero checksum. A bad one makes
 * the inner segment one the host never received, however sound its own sums. */
static void test_tunnel_integrity_checked(void **state)
{
    (void)state;
    uint8_t in[128], gre[256];
    size_t n = inner_default(in, 4);
    gre[0] = 0x80; /* C */
    gre[1] = 0x00;
    gre[2] = 0x08;
    gre[3] = 0x00;
    memset(gre + 4, 0, 4); /* checksum, reserved */
    memcpy(gre + 8, in, n);
    uint16_t sum = ref_csum(gre, 8 + n);
    gre[4] = (uint8_t)(sum >> 8);
    gre[5] = (uint8_t)sum;
    struct pb p;
    struct decoded d;
    ip_outer_frame(&p, 4, 47, gre, 8 + n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 8, 4);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_IP_TUNNEL);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_GOOD);
    guard_release(&d.g);
    /* The GRE checksum wrong. */
    gre[5] ^= 0x01;
    ip_outer_frame(&p, 4, 47, gre, 8 + n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_BAD);
    assert_int_equal(d.pkt.encap_csum_offload, 0);
    guard_release(&d.g);
    /* IP-in-IP with the outer IPv4 header checksum wrong (not 0: not offload-like). */
    ip_outer_frame(&p, 4, 4, in, n);
    p.b[14 + 10] ^= 0x40;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_BAD);
    assert_int_equal(d.pkt.encap_csum_offload, 0);
    guard_release(&d.g);
    /* ... and 0, as a sender with IP checksum offload captures its own datagrams. */
    p.b[14 + 10] = 0;
    p.b[14 + 11] = 0;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_BAD);
    assert_int_equal(d.pkt.encap_csum_offload, 1);
    guard_release(&d.g);
    /* VXLAN: the outer UDP checksum sound, then wrong, then 0 (none sent: not checked). */
    vxlan_frame(&p, in, n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_GOOD);
    guard_release(&d.g);
    p.b[14 + 20 + 7] ^= 0x01;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_BAD);
    guard_release(&d.g);
    p.b[14 + 20 + 6] = 0;
    p.b[14 + 20 + 7] = 0;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_GOOD); /* the outer IPv4 header's */
    guard_release(&d.g);
    /* No IP-level tunnel (VLAN, MPLS): nothing of the kind to check. */
    pb_init(&p);
    pb_ethernet(&p, 0x8847);
    pb_be32(&p, 100u << 12 | 0x100 | 64);
    pb_default_ipv4_tcp(&p);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_IP_TUNNEL);
    assert_int_equal(d.pkt.encap_csum, TCPSIFT_CSUM_NOT_CHECKED);
    guard_release(&d.g);
}

static void test_vlan_mpls_gre_bridged_ethernet(void **state)
{
    (void)state;
    /* GRE carrying transparent Ethernet bridging with a VLAN tag, over MPLS over VLAN. */
    uint8_t in[128], gre[256];
    size_t n = inner_default(in, 6);
    struct pb inner_eth;
    pb_init(&inner_eth);
    pb_ethernet(&inner_eth, 0x8100);
    pb_vlan(&inner_eth, 42, 0x86DD);
    pb_bytes(&inner_eth, in, n);
    size_t g = 0;
    gre[g++] = 0x00;
    gre[g++] = 0x00;
    gre[g++] = 0x65;
    gre[g++] = 0x58;
    memcpy(gre + g, inner_eth.b, inner_eth.len);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8100);
    pb_vlan(&p, 10, 0x8847);
    pb_be32(&p, 77u << 12 | 0x100 | 9);
    outer_ipv4(&p, 47, gre, g + inner_eth.len);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 18 + 4 + 20 + 4 + 18, 6);
    const uint8_t want[] = {TCPSIFT_ENCAP_VLAN, TCPSIFT_ENCAP_MPLS, TCPSIFT_ENCAP_GRE,
                            TCPSIFT_ENCAP_VLAN};
    expect_encap(&d.pkt, want, 4);
    assert_int_equal(d.pkt.vlan_count, 2);
    assert_int_equal(d.pkt.vlan_ids[0], 10);
    assert_int_equal(d.pkt.vlan_ids[1], 42);
    /* The keyless GRE names no tunnel: the MPLS label outside it stands. */
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_MPLS);
    assert_int_equal(d.pkt.tunnel_id, 77);
    guard_release(&d.g);
}

static void erspan_case(uint16_t gre_flags, uint16_t protocol, const uint8_t *hdr, size_t hlen,
                        size_t expect_l3)
{
    uint8_t in[128], gre[256];
    size_t n = inner_default(in, 4);
    size_t g = 0;
    gre[g++] = (uint8_t)(gre_flags >> 8);
    gre[g++] = (uint8_t)gre_flags;
    gre[g++] = (uint8_t)(protocol >> 8);
    gre[g++] = (uint8_t)protocol;
    if (gre_flags & 0x1000) {
        memset(gre + g, 0, 4);
        g += 4;
    }
    if (hlen) memcpy(gre + g, hdr, hlen);
    g += hlen;
    struct pb eth;
    pb_init(&eth);
    pb_ethernet(&eth, 0x0800);
    memcpy(gre + g, eth.b, eth.len);
    g += eth.len;
    memcpy(gre + g, in, n);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    outer_ipv4(&p, 47, gre, g + n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, expect_l3, 4);
    const uint8_t want[] = {TCPSIFT_ENCAP_GRE};
    expect_encap(&d.pkt, want, 1);
    guard_release(&d.g);
}

static void test_gre_erspan(void **state)
{
    (void)state;
    const uint8_t type2[8] = {0x10, 0x01, 0x00, 0x05, 0, 0, 0, 0};
    const uint8_t type3_platform[20] = {0x20, 0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x01};
    erspan_case(0x0000, 0x88BE, NULL, 0, 14 + 20 + 4 + 14);                 /* type I */
    erspan_case(0x1000, 0x88BE, type2, sizeof type2, 14 + 20 + 8 + 8 + 14); /* type II */
    erspan_case(0x1000, 0x22EB, type3_platform, sizeof type3_platform,
                14 + 20 + 8 + 20 + 14); /* type III with the platform subheader */
}

static void test_gre_not_decoded_and_truncated(void **state)
{
    (void)state;
    uint8_t in[128], gre[256];
    size_t n = inner_default(in, 4);
    /* Version 1 (PPTP enhanced GRE) is left as the outer datagram, without error. */
    const uint8_t v1[] = {0x30, 0x01, 0x88, 0x0B, 0, 0, 0, 0};
    memcpy(gre, v1, sizeof v1);
    memcpy(gre + sizeof v1, in, n);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    outer_ipv4(&p, 47, gre, sizeof v1 + n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_proto, 47);
    assert_memory_equal(d.pkt.src, OUTER_V4_SRC, 4);
    assert_int_equal(d.pkt.encap_count, 0);
    guard_release(&d.g);

    /* Key flag set but the key is not there. */
    const uint8_t cut[] = {0x20, 0x00, 0x08, 0x00, 0xAA};
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    outer_ipv4(&p, 47, cut, sizeof cut);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_TRUNCATED_ENCAP_HEADER);
    assert_int_equal(d.pkt.ip_version, 4);
    assert_memory_equal(d.pkt.dst, OUTER_V4_DST, 4);
    assert_int_equal(d.pkt.encap_count, 0);
    guard_release(&d.g);
}

/* ---------------------------------------------------------------- tunnel ids */

/* GRE over IPv4 with the given flags word (C, K, S as in RFC 2890 §2) around `in`. */
static void gre_with(struct pb *p, uint16_t flags, uint32_t key, const uint8_t *in, size_t n)
{
    uint8_t gre[256];
    size_t g = 0;
    gre[g++] = (uint8_t)(flags >> 8);
    gre[g++] = (uint8_t)flags;
    gre[g++] = 0x08;
    gre[g++] = 0x00;
    if (flags & 0x8000) {
        memset(gre + g, 0xC5, 4); /* checksum + reserved1: must not be read as the key */
        g += 4;
    }
    if (flags & 0x2000) {
        gre[g++] = (uint8_t)(key >> 24);
        gre[g++] = (uint8_t)(key >> 16);
        gre[g++] = (uint8_t)(key >> 8);
        gre[g++] = (uint8_t)key;
    }
    if (flags & 0x1000) {
        memset(gre + g, 0x5A, 4); /* sequence number */
        g += 4;
    }
    memcpy(gre + g, in, n);
    pb_init(p);
    pb_ethernet(p, 0x0800);
    outer_ipv4(p, 47, gre, g + n);
}

static void test_tunnel_id_mpls_label(void **state)
{
    (void)state;
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8847);
    pb_be32(&p, 16u << 12 | 7u << 9 | 255);              /* transport label, TC 7 */
    pb_be32(&p, 0xFEDCBu << 12 | 5u << 9 | 0x100 | 255); /* all 20 label bits, TC, TTL set */
    pb_default_ipv4_tcp(&p);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 22, 4);
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_MPLS);
    assert_int_equal(d.pkt.tunnel_id, 0xFEDCB);
    guard_release(&d.g);

    /* A plain frame has none. */
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    pb_default_ipv4_tcp(&p);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14, 4);
    assert_int_equal(d.pkt.tunnel_id_kind, 0);
    assert_int_equal(d.pkt.tunnel_id, 0);
    guard_release(&d.g);
}

static void test_tunnel_id_gre_key(void **state)
{
    (void)state;
    uint8_t in[128];
    size_t n = inner_default(in, 4);
    struct pb p;
    struct decoded d;

    /* Key between checksum and sequence: all 32 bits taken from the key field only. */
    gre_with(&p, 0xB000, 0xDEADBEEF, in, n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 16, 4);
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_GRE);
    assert_int_equal(d.pkt.tunnel_id, 0xDEADBEEF);
    guard_release(&d.g);

    /* Key alone. */
    gre_with(&p, 0x2000, 0x00000001, in, n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 8, 4);
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_GRE);
    assert_int_equal(d.pkt.tunnel_id, 1);
    guard_release(&d.g);

    /* No K bit: checksum and sequence are not a key. */
    gre_with(&p, 0x9000, 0, in, n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 12, 4);
    const uint8_t want[] = {TCPSIFT_ENCAP_GRE};
    expect_encap(&d.pkt, want, 1);
    assert_int_equal(d.pkt.tunnel_id_kind, 0);
    assert_int_equal(d.pkt.tunnel_id, 0);
    guard_release(&d.g);

    /* The inner datagram is cut: the packet is the outer one, without the layer or its key. */
    const uint8_t cut[10] = {0x45};
    gre_with(&p, 0x2000, 0x01020304, cut, sizeof cut);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(d.pkt.ip_proto, 47);
    assert_int_equal(d.pkt.encap_count, 0);
    assert_int_equal(d.pkt.tunnel_id_kind, 0);
    assert_int_equal(d.pkt.tunnel_id, 0);
    guard_release(&d.g);
}

/* VXLAN VNI 0xABCDEF in a header whose reserved bytes are all ones: only the VNI counts. */
static void test_tunnel_id_vxlan_vni(void **state)
{
    (void)state;
    uint8_t in[128], v[256];
    size_t n = inner_default(in, 6);
    const uint8_t hdr[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xAB, 0xCD, 0xEF, 0xFF};
    memcpy(v, hdr, 8);
    struct pb eth;
    pb_init(&eth);
    pb_ethernet(&eth, 0x86DD);
    memcpy(v + 8, eth.b, eth.len);
    memcpy(v + 8 + eth.len, in, n);
    uint8_t udp[PB_MAX];
    size_t u = udp_datagram(udp, sizeof udp, 4789, 4789, v, 8 + eth.len + n, -1);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8100);
    pb_vlan(&p, 300, 0x0800);
    outer_ipv4(&p, 17, udp, u);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 18 + 20 + 8 + 8 + 14, 6);
    const uint8_t want[] = {TCPSIFT_ENCAP_VLAN, TCPSIFT_ENCAP_VXLAN};
    expect_encap(&d.pkt, want, 2);
    assert_int_equal(d.pkt.vlan_ids[0], 300);
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_VXLAN);
    assert_int_equal(d.pkt.tunnel_id, 0xABCDEF);
    guard_release(&d.g);

    /* VXLAN over GRE with a key: the innermost id (the VNI) names the tunnel. */
    uint8_t vx[PB_MAX];
    size_t m = 0;
    struct pb ip;
    pb_init(&ip);
    outer_ipv4(&ip, 17, udp, u);
    memcpy(vx, ip.b, ip.len);
    m = ip.len;
    gre_with(&p, 0x2000, 0x77777777, vx, m);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 8 + 20 + 8 + 8 + 14, 6);
    const uint8_t want2[] = {TCPSIFT_ENCAP_GRE, TCPSIFT_ENCAP_VXLAN};
    expect_encap(&d.pkt, want2, 2);
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_VXLAN);
    assert_int_equal(d.pkt.tunnel_id, 0xABCDEF);
    guard_release(&d.g);
}

/* ---------------------------------------------------------------- VXLAN, Teredo */

static void udp_tunnel(struct pb *p, uint16_t sport, uint16_t dport, const uint8_t *payload,
                       size_t n)
{
    uint8_t udp[PB_MAX];
    size_t u = udp_datagram(udp, sizeof udp, sport, dport, payload, n, -1);
    pb_init(p);
    pb_ethernet(p, 0x0800);
    outer_ipv4(p, 17, udp, u);
}

static void test_vxlan(void **state)
{
    (void)state;
    uint8_t in[128], v[256];
    size_t n = inner_default(in, 4);
    const uint8_t hdr[8] = {0x08, 0, 0, 0, 0x00, 0x12, 0x34, 0};
    memcpy(v, hdr, 8);
    struct pb eth;
    pb_init(&eth);
    pb_ethernet(&eth, 0x0800);
    memcpy(v + 8, eth.b, eth.len);
    memcpy(v + 8 + eth.len, in, n);
    struct pb p;
    udp_tunnel(&p, 51000, 4789, v, 8 + eth.len + n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 8 + 8 + 14, 4);
    const uint8_t want[] = {TCPSIFT_ENCAP_VXLAN};
    expect_encap(&d.pkt, want, 1);
    assert_int_equal(d.pkt.tunnel_id_kind, TCPSIFT_ENCAP_VXLAN);
    assert_int_equal(d.pkt.tunnel_id, 0x1234);
    guard_release(&d.g);

    /* Without the I flag it is not VXLAN (RFC 7348 §5): plain UDP. */
    v[0] = 0;
    udp_tunnel(&p, 51000, 4789, v, 8 + eth.len + n);
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_UDP);
    assert_int_equal(d.pkt.dport, 4789);
    assert_int_equal(d.pkt.encap_count, 0);
    assert_int_equal(d.pkt.tunnel_id_kind, 0);
    assert_int_equal(d.pkt.tunnel_id, 0);
    guard_release(&d.g);
}

static void teredo_case(const uint8_t *prefix, size_t plen)
{
    uint8_t in[128], t[256];
    size_t n = inner_default(in, 6);
    if (plen) memcpy(t, prefix, plen);
    memcpy(t + plen, in, n);
    struct pb p;
    udp_tunnel(&p, 3544, 61000, t, plen + n);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_inner_default(&d, 14 + 20 + 8 + plen, 6);
    const uint8_t want[] = {TCPSIFT_ENCAP_TEREDO};
    expect_encap(&d.pkt, want, 1);
    assert_int_equal(d.pkt.tunnel_id_kind, 0); /* Teredo carries no tunnel id */
    assert_int_equal(d.pkt.tunnel_id, 0);
    guard_release(&d.g);
}

static void test_teredo(void **state)
{
    (void)state;
    teredo_case(NULL, 0);
    const uint8_t origin[8] = {0x00, 0x00, 0xF2, 0x27, 0x3F, 0xFF, 0xFF, 0xFE};
    teredo_case(origin, sizeof origin);
    /* Authentication (ID-len 2, AU-len 1) then origin indication (RFC 4380 §5.1.1). */
    const uint8_t auth_origin[] = {0x00, 0x01, 2, 1, 'i', 'd', 0x5A, 1, 2, 3, 4, 5, 6, 7, 8, 0,
                                   0x00, 0x00, 0xF2, 0x27, 0x3F, 0xFF, 0xFF, 0xFE};
    teredo_case(auth_origin, sizeof auth_origin);

    /* Port 3544 with a payload that is not IPv6 stays UDP. */
    const uint8_t junk[48] = {0x45};
    struct pb p;
    udp_tunnel(&p, 3544, 61000, junk, sizeof junk);
    struct decoded d;
    decode_tunnel(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.error, TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_UDP);
    assert_int_equal(d.pkt.payload_len, sizeof junk);
    assert_int_equal(d.pkt.encap_count, 0);
    guard_release(&d.g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mpls_two_labels_ipv4),
        cmocka_unit_test(test_mpls_multicast_ipv6_under_vlan),
        cmocka_unit_test(test_mpls_stack_too_deep),
        cmocka_unit_test(test_mpls_truncated_and_non_ip),
        cmocka_unit_test(test_ppp_link_types),
        cmocka_unit_test(test_ppp_lcp_is_not_ip),
        cmocka_unit_test(test_pppoe_length_bounds_payload),
        cmocka_unit_test(test_inner_length_bounded_by_outer),
        cmocka_unit_test(test_ip_in_ip),
        cmocka_unit_test(test_nesting_too_deep),
        cmocka_unit_test(test_gre_checksum_key_sequence),
        cmocka_unit_test(test_tunnel_integrity_checked),
        cmocka_unit_test(test_vlan_mpls_gre_bridged_ethernet),
        cmocka_unit_test(test_gre_erspan),
        cmocka_unit_test(test_gre_not_decoded_and_truncated),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_tunnel_id_mpls_label),
        cmocka_unit_test(test_tunnel_id_gre_key),
        cmocka_unit_test(test_tunnel_id_vxlan_vni),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* IPv6 (RFC 8200): fixed header, extension header chain, fragments, lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

#define HBH    0
#define RH     43
#define FRAG   44
#define AH     51
#define DSTOPT 60

/* Ethernet + IPv6(spec, with `ext` chain) + default TCP carrying "hello". */
static void build(struct pb *p, struct ip6_spec *ip, const uint8_t *ext, size_t ext_len)
{
    uint8_t seg[64];
    struct tcp_spec t = tcp_default();
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    size_t n = tcp_segment(seg, sizeof seg, &t);
    ip->ext = ext;
    ip->ext_len = ext_len;
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, ip, seg, n);
}

/* The default TCP segment found after `ext_len` bytes of extensions. */
static void expect_tcp_after(const struct decoded *d, size_t ext_len)
{
    const tcpsift_packet *k = &d->pkt;
    assert_true(k->layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(k->ip_proto, 6);
    assert_int_equal(k->ip_header.len, 40 + ext_len);
    assert_int_equal(k->l4_offset, 14 + 40 + ext_len);
    assert_int_equal(k->l4_length, 25);
    assert_int_equal(k->sport, 40000);
    assert_int_equal(k->dport, 80);
    assert_int_equal(k->seq, 0x01020304);
    assert_int_equal(k->payload_len, 5);
    assert_ptr_equal(k->payload.ptr, d->frame + 14 + 40 + ext_len + 20);
    assert_memory_equal(k->payload.ptr, "hello", 5);
}

static void test_fixed_header(void **state)
{
    (void)state;
    struct ip6_spec ip = ip6_default(6);
    ip.tclass = 0xAB;
    ip.flow = 0x12345;
    ip.hlim = 33;
    struct pb p;
    build(&p, &ip, NULL, 0);
    assert_int_equal(p.b[14], 0x6A);
    assert_int_equal(p.b[15], 0xB1);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6 | TCPSIFT_LAYER_PORTS |
                                       TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED |
                                    TCPSIFT_LAYER_TCP_OPTIONS);
    assert_int_equal(d.pkt.ip_version, 6);
    assert_int_equal(d.pkt.addr_len, 16);
    assert_int_equal(d.pkt.ip_tos, 0xAB);
    assert_int_equal(d.pkt.ttl, 33);
    assert_int_equal(d.pkt.ipv6_ext_count, 0);
    assert_ptr_equal(d.pkt.src, d.frame + 22);
    assert_ptr_equal(d.pkt.dst, d.frame + 38);
    assert_ptr_equal(d.pkt.final_dst, d.pkt.dst);
    assert_memory_equal(d.pkt.src, TEST_V6_SRC, 16);
    assert_memory_equal(d.pkt.dst, TEST_V6_DST, 16);
    assert_int_equal(d.pkt.ip_len_from_capture, 0);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(d.pkt.ip_csum, TCPSIFT_CSUM_NOT_CHECKED); /* IPv6 has no header checksum */
    expect_tcp_after(&d, 0);
    decoded_release(&d);
}

static void test_hop_by_hop_and_dest_opts(void **state)
{
    (void)state;
    uint8_t ext[64];
    size_t n = ext_opts(ext, DSTOPT, 0);
    n += ext_opts(ext + n, 6, 1);
    assert_int_equal(n, 24);
    /* Byte-exact: next 60, len 0, PadN(4) ... */
    static const uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};
    assert_memory_equal(ext, hbh, 8);
    struct ip6_spec ip = ip6_default(6);
    ip.next = HBH;
    struct pb p;
    build(&p, &ip, ext, n);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ipv6_ext_count, 2);
    assert_int_equal(d.pkt.ipv6_ext_types[0], HBH);
    assert_int_equal(d.pkt.ipv6_ext_types[1], DSTOPT);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    expect_tcp_after(&d, 24);
    decoded_release(&d);
}

/* A jumbogram (RFC 2675): payload length 0, the length in a Hop-by-Hop Jumbo Payload option.
 * The option's length is the datagram's, as a host and tshark read it: bytes after it in the
 * frame are a trailer, and one claiming more than the wire carried is a bad length. */
static void test_jumbo_payload_length(void **state)
{
    (void)state;
    for (int c = 0; c < 3; c++) {
        uint32_t jumbo = c == 2 ? 33 + 10 : 33; /* 8 (the option's header) + 25 (TCP) */
        const uint8_t ext[8] = {6, 0, 0xC2, 4, (uint8_t)(jumbo >> 24), (uint8_t)(jumbo >> 16),
                                (uint8_t)(jumbo >> 8), (uint8_t)jumbo};
        struct ip6_spec ip = ip6_default(6);
        ip.next = HBH;
        ip.payload_len = 0;
        struct pb p;
        build(&p, &ip, ext, sizeof ext);
        if (c == 1) pb_bytes(&p, (const uint8_t *)"TAIL", 4); /* a trailer after the datagram */
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        if (c == 2) {
            assert_int_equal(d.rc, TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH);
        } else {
            assert_int_equal(d.rc, TCPSIFT_OK);
            expect_tcp_after(&d, 8);
            assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
        }
        assert_true(d.pkt.ip_len_from_capture);
        decoded_release(&d);
    }
}

static const uint8_t FINAL[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22};

static void test_routing_type0_final_destination(void **state)
{
    (void)state;
    const uint8_t addrs[2][16] = {
        {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11},
        {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22},
    };
    uint8_t ext[64];
    size_t n = ext_rh0(ext, 6, 2, addrs, 2);
    assert_int_equal(n, 40);
    static const uint8_t rh_head[8] = {6, 4, 0, 2, 0, 0, 0, 0};
    assert_memory_equal(ext, rh_head, 8);
    struct ip6_spec ip = ip6_default(6);
    ip.next = RH;
    ip.csum_dst = FINAL; /* RFC 8200 §8.1: the pseudo-header uses the final destination */
    struct pb p;
    build(&p, &ip, ext, n);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ipv6_ext_count, 1);
    assert_int_equal(d.pkt.ipv6_ext_types[0], RH);
    assert_ptr_equal(d.pkt.dst, d.frame + 38); /* as in the header */
    assert_ptr_equal(d.pkt.final_dst, d.frame + 14 + 40 + 8 + 16);
    assert_memory_equal(d.pkt.final_dst, FINAL, 16);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    expect_tcp_after(&d, 40);
    decoded_release(&d);

    /* Segments left 0: the header's destination is already the final one. */
    n = ext_rh0(ext, 6, 0, addrs, 2);
    ip.csum_dst = NULL;
    build(&p, &ip, ext, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_ptr_equal(d.pkt.final_dst, d.pkt.dst);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_fragment_header(void **state)
{
    (void)state;
    uint8_t ext[8];
    /* Atomic fragment (RFC 6946): offset 0, M 0 -- a whole datagram. */
    ext_frag(ext, 6, 0, 0, 0xDEADBEEF);
    static const uint8_t atomic[8] = {6, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};
    assert_memory_equal(ext, atomic, 8);
    struct ip6_spec ip = ip6_default(6);
    ip.next = FRAG;
    struct pb p;
    build(&p, &ip, ext, 8);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.ip6_frag_id, 0xDEADBEEF);
    assert_int_equal(d.pkt.ip_id, 0xBEEF);
    assert_int_equal(d.pkt.ipv6_ext_types[0], FRAG);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    expect_tcp_after(&d, 8);
    decoded_release(&d);

    /* First fragment: TCP header decoded, checksum not checkable. */
    ext_frag(ext, 6, 0, 1, 0x01020304);
    build(&p, &ip, ext, 8);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.more_fragments, 1);
    assert_int_equal(d.pkt.frag_offset, 0);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    expect_tcp_after(&d, 8);
    decoded_release(&d);

    /* Non-first fragment: offset 100 (800 bytes), no transport header. */
    ext_frag(ext, 6, 100, 0, 7);
    static const uint8_t later[8] = {6, 0, 0x03, 0x20, 0, 0, 0, 7};
    assert_memory_equal(ext, later, 8);
    build(&p, &ip, ext, 8);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers,
                     TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6 | TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.frag_offset, 100);
    assert_int_equal(d.pkt.more_fragments, 0);
    assert_int_equal(d.pkt.ip_proto, 6);
    assert_int_equal(d.pkt.ip6_frag_id, 7);
    assert_int_equal(d.pkt.sport, 0);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_NOT_CHECKED);
    decoded_release(&d);
}

static void test_ah_and_full_chain(void **state)
{
    (void)state;
    uint8_t ext[128];
    size_t n = ext_ah(ext, 6, 4);
    assert_int_equal(n, 24);
    struct ip6_spec ip = ip6_default(6);
    ip.next = AH;
    struct pb p;
    build(&p, &ip, ext, n);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ipv6_ext_types[0], AH);
    expect_tcp_after(&d, 24);
    decoded_release(&d);

    /* HBH -> dest opts -> routing (segments left 0) -> fragment (atomic) -> AH -> TCP. */
    const uint8_t addr[1][16] = {{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}};
    n = ext_opts(ext, DSTOPT, 0);
    n += ext_opts(ext + n, RH, 0);
    n += ext_rh0(ext + n, FRAG, 0, addr, 1);
    n += ext_frag(ext + n, AH, 0, 0, 99);
    n += ext_ah(ext + n, 6, 1);
    assert_int_equal(n, 8 + 8 + 24 + 8 + 12);
    ip.next = HBH;
    build(&p, &ip, ext, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ipv6_ext_count, 5);
    static const uint8_t types[5] = {HBH, DSTOPT, RH, FRAG, AH};
    assert_memory_equal(d.pkt.ipv6_ext_types, types, 5);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    expect_tcp_after(&d, n);
    decoded_release(&d);
}

static size_t dest_opts_chain(uint8_t *ext, size_t count)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += ext_opts(ext + n, i + 1 < count ? DSTOPT : 6, 0);
    return n;
}

static void test_chain_limit(void **state)
{
    (void)state;
    uint8_t ext[8 * 16];
    struct ip6_spec ip = ip6_default(6);
    ip.next = DSTOPT;
    struct pb p;
    size_t n = dest_opts_chain(ext, TCPSIFT_MAX_IPV6_EXT_HEADERS);
    build(&p, &ip, ext, n);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ipv6_ext_count, TCPSIFT_MAX_IPV6_EXT_HEADERS);
    expect_tcp_after(&d, n);
    decoded_release(&d);

    n = dest_opts_chain(ext, TCPSIFT_MAX_IPV6_EXT_HEADERS + 1);
    build(&p, &ip, ext, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_IPV6_EXT_CHAIN_TOO_LONG);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6);
    assert_int_equal(d.pkt.ipv6_ext_count, TCPSIFT_MAX_IPV6_EXT_HEADERS);
    assert_int_equal(d.pkt.l4_length, 0);
    assert_int_equal(d.pkt.ip_header.len, 40 + 8 * TCPSIFT_MAX_IPV6_EXT_HEADERS);
    decoded_release(&d);
}

static void test_ext_longer_than_payload(void **state)
{
    (void)state;
    uint8_t ext[8];
    ext_opts(ext, 6, 0);
    ext[1] = 10; /* claims 88 bytes; the payload is 8 + 25 */
    struct ip6_spec ip = ip6_default(6);
    ip.next = HBH;
    ip.l4_csum = 0;
    struct pb p;
    build(&p, &ip, ext, 8);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IPV6_EXT_HEADER);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6);
    assert_int_equal(d.pkt.ipv6_ext_count, 0);
    assert_int_equal(d.pkt.l4_length, 0);
    decoded_release(&d);
}

static void test_ext_header_outside_payload(void **state)
{
    (void)state;
    /* The hop-by-hop header names a destination-options header next, but the payload length
     * ends 0 or 1 byte after it while the frame goes on: the IPv6 length is what is wrong,
     * not the capture (the frame does not end there). */
    uint8_t ext[8];
    ext_opts(ext, DSTOPT, 0);
    for (long extra = 0; extra <= 1; extra++) {
        struct ip6_spec ip = ip6_default(6);
        ip.next = HBH;
        ip.payload_len = 8 + extra;
        struct pb p;
        build(&p, &ip, ext, 8);
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_IPV6_EXT_HEADER);
        assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6);
        assert_int_equal(d.pkt.ipv6_ext_count, 1);
        assert_int_equal(d.pkt.ip_header.len, 48);
        decoded_release(&d);
    }
}

static void test_ext_truncated(void **state)
{
    (void)state;
    uint8_t ext[16];
    ext_opts(ext, 6, 1);
    struct ip6_spec ip = ip6_default(6);
    ip.next = HBH;
    struct pb p;
    build(&p, &ip, ext, 16);
    /* Cut by the snap length inside the header: 1 byte, then 10 bytes of it. */
    static const size_t cuts[] = {14 + 40 + 1, 14 + 40 + 10};
    for (size_t i = 0; i < 2; i++) {
        struct decoded d;
        decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, cuts[i], p.len);
        assert_int_equal(d.rc, TCPSIFT_E_TRUNCATED_IPV6_EXT_HEADER);
        assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6);
        assert_int_equal(d.pkt.ipv6_ext_count, 0);
        decoded_release(&d);
    }
    /* Cut just after it: the chain is whole, TCP is what is missing. */
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, 14 + 40 + 16 + 3, p.len);
    assert_int_equal(d.rc, TCPSIFT_E_TRUNCATED_TCP_HEADER);
    assert_int_equal(d.pkt.ipv6_ext_count, 1);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_PORTS);
    decoded_release(&d);
}

static void test_payload_length_zero(void **state)
{
    (void)state;
    struct ip6_spec ip = ip6_default(6);
    ip.payload_len = 0;
    struct pb p;
    build(&p, &ip, NULL, 0);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_len_from_capture, 1);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    expect_tcp_after(&d, 0);
    decoded_release(&d);

    /* Big TCP frame cut by a snap length: the length comes from the wire. */
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, p.len - 3, p.len);
    assert_int_equal(d.pkt.l4_length, 25);
    assert_int_equal(d.pkt.payload_len, 5);
    assert_int_equal(d.pkt.payload.len, 2);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    decoded_release(&d);
}

static void test_payload_length_beyond_wire(void **state)
{
    (void)state;
    struct ip6_spec ip = ip6_default(6);
    ip.payload_len = 25 + 100;
    ip.l4_csum = 0;
    struct pb p;
    build(&p, &ip, NULL, 0);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_IPV6);
    expect_tcp_after(&d, 0); /* clamped to the 25 bytes the wire carried */
    decoded_release(&d);

    /* Shorter than the frame (Ethernet padding): the IPv6 length wins. */
    ip = ip6_default(6);
    build(&p, &ip, NULL, 0);
    pb_be32(&p, 0xFFFFFFFF);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.payload.len, 5);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    expect_tcp_after(&d, 0);
    decoded_release(&d);
}

static void test_truncated_fixed_header(void **state)
{
    (void)state;
    struct ip6_spec ip = ip6_default(6);
    struct pb p;
    build(&p, &ip, NULL, 0);
    tcpsift_packet k;
    assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, 14 + 39, p.len),
                     TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(k.layers, TCPSIFT_LAYER_LINK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_header),
        cmocka_unit_test(test_hop_by_hop_and_dest_opts),
        cmocka_unit_test(test_jumbo_payload_length),
        cmocka_unit_test(test_routing_type0_final_destination),
        cmocka_unit_test(test_fragment_header),
        cmocka_unit_test(test_ah_and_full_chain),
        cmocka_unit_test(test_chain_limit),
        cmocka_unit_test(test_ext_longer_than_payload),
        cmocka_unit_test(test_ext_header_outside_payload),
        cmocka_unit_test(test_ext_truncated),
        cmocka_unit_test(test_payload_length_zero),
        cmocka_unit_test(test_payload_length_beyond_wire),
        cmocka_unit_test(test_truncated_fixed_header),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

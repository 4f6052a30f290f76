/* Checksums (RFC 1071): IPv4 header, TCP and UDP over the IPv4 (RFC 9293 §3.1) and IPv6
 * (RFC 8200 §8.1) pseudo-headers, against the reference implementation in support_packets.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

#define L4V4 34
#define L4V6 54

static void put16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void build_tcp(struct pb *p, int version, const uint8_t *payload, size_t n)
{
    struct tcp_spec t = tcp_default();
    t.payload = payload;
    t.payload_len = n;
    if (version == 4)
        build_eth_ipv4_tcp(p, &t);
    else
        build_eth_ipv6_tcp(p, &t);
}

static void build_udp(struct pb *p, int version, const uint8_t *payload, size_t n)
{
    uint8_t dg[128];
    size_t len = udp_datagram(dg, sizeof dg, 5000, 6000, payload, n, -1);
    pb_init(p);
    if (version == 4) {
        struct ip4_spec ip = ip4_default(17);
        pb_ethernet(p, 0x0800);
        pb_ipv4(p, &ip, dg, len);
    } else {
        struct ip6_spec ip = ip6_default(17);
        pb_ethernet(p, 0x86DD);
        pb_ipv6(p, &ip, dg, len);
    }
}

static void expect_csums(const struct pb *p, uint8_t ip_csum, uint8_t l4_csum, uint8_t offload)
{
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, p);
    assert_int_equal(d.pkt.ip_csum, ip_csum);
    assert_int_equal(d.pkt.l4_csum, l4_csum);
    assert_int_equal(d.pkt.l4_csum_offload, offload);
    decoded_release(&d);
}

static void test_reference_checksum(void **state)
{
    (void)state;
    /* RFC 1071 §3 example: words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is ~ddf2. */
    static const uint8_t rfc[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(ref_csum(rfc, 8), (uint16_t)~0xddf2);
    /* A well-known IPv4 header (Wikipedia's example): checksum b861. */
    uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                     0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    assert_int_equal(ref_csum(h, 20), 0xb861);
    /* And the decoder agrees on that header. */
    h[10] = 0xb8;
    h[11] = 0x61;
    tcpsift_packet k;
    tcpsift_packet_decode(&k, TCPSIFT_LINK_IPV4, h, 20, 0x73);
    assert_int_equal(k.l4_csum, TCPSIFT_CSUM_NOT_CHECKED);
    assert_int_equal(k.ip_csum, TCPSIFT_CSUM_NOT_CHECKED); /* before verify */
    tcpsift_packet_verify_checksums(&k);
    assert_int_equal(k.ip_csum, TCPSIFT_CSUM_GOOD);
}

static void test_ipv4_header(void **state)
{
    (void)state;
    struct pb p;
    build_tcp(&p, 4, (const uint8_t *)"hello", 5);
    expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_GOOD, 0);
    p.b[14 + 10] ^= 0x01; /* header checksum off by one bit */
    expect_csums(&p, TCPSIFT_CSUM_BAD, TCPSIFT_CSUM_GOOD, 0);
    p.b[14 + 10] ^= 0x01;
    p.b[14 + 8] ^= 0x80; /* TTL changed, checksum not: bad header, TCP untouched */
    expect_csums(&p, TCPSIFT_CSUM_BAD, TCPSIFT_CSUM_GOOD, 0);

    /* With options: the checksum covers them. */
    static const uint8_t opts[4] = {1, 1, 1, 0};
    struct ip4_spec ip = ip4_default(1);
    ip.opts = opts;
    ip.opts_len = 4;
    static const uint8_t icmp[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0};
    pb_eth_ipv4(&p, &ip, icmp, 8);
    expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_NOT_CHECKED, 0);
    p.b[14 + 23] = 1; /* EOL -> NOP inside the options */
    expect_csums(&p, TCPSIFT_CSUM_BAD, TCPSIFT_CSUM_NOT_CHECKED, 0);
}

/* Every header length (20-60 bytes), options of all-ones bytes (the most carries): good as
 * built, and bad after any one bit of the header flips (a one's-complement sum sees every
 * single-bit change). */
static void test_ipv4_header_every_length_and_bit(void **state)
{
    (void)state;
    static const uint8_t icmp[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0};
    uint8_t opts[40];
    memset(opts, 0xFF, sizeof opts);
    for (size_t olen = 0; olen <= 40; olen += 4) {
        struct ip4_spec ip = ip4_default(1);
        ip.opts = olen ? opts : NULL;
        ip.opts_len = olen;
        struct pb p;
        pb_eth_ipv4(&p, &ip, icmp, 8);
        expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_NOT_CHECKED, 0);
        for (size_t bit = 0; bit < (20 + olen) * 8; bit++) {
            if (bit < 8) continue; /* version and IHL: the header would not decode */
            if (bit >= 16 && bit < 32) continue; /* total length: the frame would not match */
            p.b[14 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
            expect_csums(&p, TCPSIFT_CSUM_BAD, TCPSIFT_CSUM_NOT_CHECKED, 0);
            p.b[14 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
    }
}

static void test_tcp_good_and_bad(void **state)
{
    (void)state;
    static const uint8_t odd[1] = {0x7F};
    for (int version = 4; version <= 6; version += 2) {
        size_t l4 = version == 4 ? L4V4 : L4V6;
        struct pb p;
        build_tcp(&p, version, (const uint8_t *)"hello", 5);
        uint8_t ip_good = version == 4 ? TCPSIFT_CSUM_GOOD : TCPSIFT_CSUM_NOT_CHECKED;
        expect_csums(&p, ip_good, TCPSIFT_CSUM_GOOD, 0);
        p.b[l4 + 20 + 4] ^= 0x10; /* one payload bit */
        expect_csums(&p, ip_good, TCPSIFT_CSUM_BAD, 0);
        build_tcp(&p, version, odd, 1); /* odd length: the last byte is padded with zero */
        expect_csums(&p, ip_good, TCPSIFT_CSUM_GOOD, 0);
        build_tcp(&p, version, NULL, 0);
        expect_csums(&p, ip_good, TCPSIFT_CSUM_GOOD, 0);
        /* The pseudo-header counts: a changed source address breaks the TCP checksum. */
        p.b[version == 4 ? 14 + 12 : 14 + 8] ^= 0x01;
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_BAD);
        decoded_release(&d);
    }
}

/* The word-at-a-time sum must equal the byte-at-a-time reference for every
 * length (every tail shape after the 16-byte blocks) and for data that makes
 * every carry path fire (runs of 0xFF). */
static void test_tcp_every_length_and_carry(void **state)
{
    (void)state;
    static uint8_t payload[600];
    uint32_t x = 12345;
    for (int pattern = 0; pattern < 3; pattern++) {
        for (size_t i = 0; i < sizeof payload; i++) {
            x = x * 1103515245u + 12345u;
            payload[i] = pattern == 0 ? (uint8_t)(x >> 16) : pattern == 1 ? 0xFF : (uint8_t)(i & 1 ? 0xFF : 0x01);
        }
        for (int version = 4; version <= 6; version += 2) {
            size_t l4 = version == 4 ? L4V4 : L4V6;
            for (size_t n = 0; n <= sizeof payload; n += (n < 80 ? 1 : 37)) {
                struct pb p;
                build_tcp(&p, version, payload, n);
                struct decoded d;
                decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
                assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
                decoded_release(&d);
                if (n == 0) continue;
                p.b[l4 + 20 + (n * 7 + 3) % n] ^= 0x04; /* one bit somewhere in the payload */
                decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
                assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_BAD);
                decoded_release(&d);
            }
        }
    }
}

static void test_udp_good_and_bad(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        size_t l4 = version == 4 ? L4V4 : L4V6;
        uint8_t ip_good = version == 4 ? TCPSIFT_CSUM_GOOD : TCPSIFT_CSUM_NOT_CHECKED;
        struct pb p;
        build_udp(&p, version, (const uint8_t *)"abcdefg", 7);
        expect_csums(&p, ip_good, TCPSIFT_CSUM_GOOD, 0);
        p.b[l4 + 8] ^= 0x02;
        expect_csums(&p, ip_good, TCPSIFT_CSUM_BAD, 0);
    }
}

static void test_unverified(void **state)
{
    (void)state;
    struct pb p;
    build_tcp(&p, 4, (const uint8_t *)"hello", 5);
    /* Truncated by one byte. */
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, p.len - 1, p.len);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    assert_int_equal(d.pkt.ip_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
    /* A first fragment's checksum covers data it does not hold. */
    struct tcp_spec t = tcp_default();
    uint8_t seg[64];
    size_t n = tcp_segment(seg, sizeof seg, &t);
    struct ip4_spec ip = ip4_default(6);
    ip.frag = 0x2000;
    pb_eth_ipv4(&p, &ip, seg, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    decoded_release(&d);
    /* IPv6 first fragment: the same. */
    uint8_t ext[8];
    ext_frag(ext, 6, 0, 1, 1);
    struct ip6_spec ip6 = ip6_default(6);
    ip6.next = 44;
    ip6.ext = ext;
    ip6.ext_len = 8;
    pb_init(&p);
    pb_ethernet(&p, 0x86DD);
    pb_ipv6(&p, &ip6, seg, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    decoded_release(&d);
}

static void test_offload_partial_sum(void **state)
{
    (void)state;
    /* A CHECKSUM_PARTIAL sender leaves the folded pseudo-header sum in the field. */
    struct pb p;
    build_tcp(&p, 4, (const uint8_t *)"hello", 5);
    put16(p.b + L4V4 + 16, ref_pseudo_partial(TEST_V4_SRC, TEST_V4_DST, 4, 6, 25));
    expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_BAD, 1);
    /* Any other wrong value is just bad. */
    put16(p.b + L4V4 + 16, 0x1234);
    expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_BAD, 0);

    build_tcp(&p, 6, (const uint8_t *)"hello", 5);
    put16(p.b + L4V6 + 16, ref_pseudo_partial(TEST_V6_SRC, TEST_V6_DST, 16, 6, 25));
    expect_csums(&p, TCPSIFT_CSUM_NOT_CHECKED, TCPSIFT_CSUM_BAD, 1);

    build_udp(&p, 4, (const uint8_t *)"abcdefg", 7);
    put16(p.b + L4V4 + 6, ref_pseudo_partial(TEST_V4_SRC, TEST_V4_DST, 4, 17, 15));
    expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_BAD, 1);
    build_udp(&p, 6, (const uint8_t *)"abcdefg", 7);
    put16(p.b + L4V6 + 6, ref_pseudo_partial(TEST_V6_SRC, TEST_V6_DST, 16, 17, 15));
    expect_csums(&p, TCPSIFT_CSUM_NOT_CHECKED, TCPSIFT_CSUM_BAD, 1);
}

static void test_routing_header_final_destination(void **state)
{
    (void)state;
    static const uint8_t final_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0,
                                          0,    0,    0,    0,    0,    0, 0, 0x99};
    const uint8_t addrs[1][16] = {
        {0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99}};
    uint8_t ext[24];
    size_t n = ext_rh0(ext, 6, 1, addrs, 1);
    struct tcp_spec t = tcp_default();
    uint8_t seg[64];
    size_t sn = tcp_segment(seg, sizeof seg, &t);
    struct ip6_spec ip = ip6_default(6);
    ip.next = 43;
    ip.ext = ext;
    ip.ext_len = n;
    ip.csum_dst = final_dst;
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x86DD);
    pb_ipv6(&p, &ip, seg, sn);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_memory_equal(d.pkt.final_dst, final_dst, 16);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);

    /* Computed (wrongly) over the header's destination: the decoder must call it bad. */
    ip.csum_dst = NULL;
    pb_init(&p);
    pb_ethernet(&p, 0x86DD);
    pb_ipv6(&p, &ip, seg, sn);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_BAD);
    decoded_release(&d);
}

static void test_no_l4_no_check(void **state)
{
    (void)state;
    /* Bad data offset: no TCP layer, nothing to check. */
    struct tcp_spec t = tcp_default();
    t.doff = 15;
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    expect_csums(&p, TCPSIFT_CSUM_GOOD, TCPSIFT_CSUM_NOT_CHECKED, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_checksum),
        cmocka_unit_test(test_ipv4_header),
        cmocka_unit_test(test_ipv4_header_every_length_and_bit),
        cmocka_unit_test(test_tcp_good_and_bad),
        cmocka_unit_test(test_udp_good_and_bad),
        cmocka_unit_test(test_unverified),
        cmocka_unit_test(test_offload_partial_sum),
        cmocka_unit_test(test_routing_header_final_destination),
        cmocka_unit_test(test_no_l4_no_check),
        cmocka_unit_test(test_tcp_every_length_and_carry),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

/* UDP header (RFC 768) over IPv4 and IPv6: lengths, truncation, the zero checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

#define L4 34 /* Ethernet 14 + IPv4 20 */

static const uint8_t DATA[7] = {'d', 'n', 's', 'd', 'a', 't', 'a'};

static void build_v4(struct pb *p, long udp_length, int csum)
{
    uint8_t dg[64];
    size_t n = udp_datagram(dg, sizeof dg, 53, 5353, DATA, sizeof DATA, udp_length);
    struct ip4_spec ip = ip4_default(17);
    ip.l4_csum = csum;
    pb_eth_ipv4(p, &ip, dg, n);
}

static void test_udp_ipv4(void **state)
{
    (void)state;
    struct pb p;
    build_v4(&p, -1, 1);
    /* Byte-exact header: ports 53 -> 5353, length 15. */
    static const uint8_t head[6] = {0x00, 0x35, 0x14, 0xe9, 0x00, 0x0f};
    assert_memory_equal(p.b + L4, head, 6);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS |
                                       TCPSIFT_LAYER_UDP);
    assert_int_equal(d.pkt.ip_proto, 17);
    assert_int_equal(d.pkt.sport, 53);
    assert_int_equal(d.pkt.dport, 5353);
    assert_int_equal(d.pkt.udp_length, 15);
    assert_int_equal(d.pkt.udp_checksum, (uint16_t)(p.b[L4 + 6] << 8 | p.b[L4 + 7]));
    assert_int_equal(d.pkt.payload_len, 7);
    assert_int_equal(d.pkt.payload.len, 7);
    assert_ptr_equal(d.pkt.payload.ptr, d.frame + L4 + 8);
    assert_memory_equal(d.pkt.payload.ptr, DATA, 7);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_udp_ipv6(void **state)
{
    (void)state;
    uint8_t dg[64];
    size_t n = udp_datagram(dg, sizeof dg, 40001, 443, DATA, sizeof DATA, -1);
    struct ip6_spec ip = ip6_default(17);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x86DD);
    pb_ipv6(&p, &ip, dg, n);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_UDP);
    assert_int_equal(d.pkt.sport, 40001);
    assert_int_equal(d.pkt.dport, 443);
    assert_int_equal(d.pkt.udp_length, 15);
    assert_int_equal(d.pkt.payload_len, 7);
    assert_ptr_equal(d.pkt.payload.ptr, d.frame + 54 + 8);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);

    /* UDP jumbogram shape (RFC 2675 §4): IPv6 payload length 0 and UDP length 0. */
    n = udp_datagram(dg, sizeof dg, 40001, 443, DATA, sizeof DATA, 0);
    ip.payload_len = 0;
    pb_init(&p);
    pb_ethernet(&p, 0x86DD);
    pb_ipv6(&p, &ip, dg, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.udp_length, 0);
    assert_int_equal(d.pkt.payload_len, 7);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_udp_length_below_8(void **state)
{
    (void)state;
    static const long lens[] = {0, 1, 7};
    for (size_t i = 0; i < 3; i++) {
        struct pb p;
        build_v4(&p, lens[i], 0);
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_UDP_LENGTH);
        assert_int_equal(d.pkt.layers,
                         TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS);
        assert_int_equal(d.pkt.sport, 53);
        assert_int_equal(d.pkt.udp_length, lens[i]);
        decoded_release(&d);
    }
}

static void test_udp_length_beyond_ip(void **state)
{
    (void)state;
    struct pb p;
    build_v4(&p, 16, 0);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_UDP_LENGTH);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_UDP);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_PORTS);
    decoded_release(&d);
}

static void test_udp_length_inside_ip(void **state)
{
    (void)state;
    /* UDP says 10 bytes, IP carries 15: the datagram is 10 bytes, the rest is IP padding. */
    struct pb p;
    build_v4(&p, 10, 0);
    uint16_t c = ref_l4_csum(TEST_V4_SRC, TEST_V4_DST, 4, 17, p.b + L4, 10);
    p.b[L4 + 6] = (uint8_t)(c >> 8);
    p.b[L4 + 7] = (uint8_t)c;
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.udp_length, 10);
    assert_int_equal(d.pkt.payload_len, 2);
    assert_int_equal(d.pkt.payload.len, 2);
    assert_memory_equal(d.pkt.payload.ptr, "dn", 2);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_udp_truncated(void **state)
{
    (void)state;
    struct pb p;
    build_v4(&p, -1, 1);
    for (size_t cut = 4; cut < 8; cut++) {
        struct decoded d;
        decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, L4 + cut, p.len);
        assert_int_equal(d.rc, TCPSIFT_E_TRUNCATED_UDP_HEADER);
        assert_int_equal(d.pkt.layers,
                         TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS);
        assert_int_equal(d.pkt.sport, 53);
        assert_int_equal(d.pkt.dport, 5353);
        decoded_release(&d);
    }
    tcpsift_packet k;
    assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, L4 + 3, p.len),
                     TCPSIFT_E_TRUNCATED_UDP_HEADER);
    assert_int_equal(k.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4);
    /* Header whole, payload cut: a clean decode, checksum unverifiable. */
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, L4 + 10, p.len);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.payload_len, 7);
    assert_int_equal(d.pkt.payload.len, 2);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    decoded_release(&d);
}

static void test_zero_checksum(void **state)
{
    (void)state;
    struct pb p;
    build_v4(&p, -1, 0);
    assert_int_equal(p.b[L4 + 6] | p.b[L4 + 7], 0);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_ABSENT); /* RFC 768: none was computed */
    decoded_release(&d);

    /* Over IPv6 a zero UDP checksum is not "absent" (RFC 8200 §8.1): it is checked, and wrong. */
    uint8_t dg[64];
    size_t n = udp_datagram(dg, sizeof dg, 1, 2, DATA, sizeof DATA, -1);
    struct ip6_spec ip = ip6_default(17);
    ip.l4_csum = 0;
    pb_init(&p);
    pb_ethernet(&p, 0x86DD);
    pb_ipv6(&p, &ip, dg, n);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.udp_checksum, 0);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_BAD);
    decoded_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_ipv4),
        cmocka_unit_test(test_udp_ipv6),
        cmocka_unit_test(test_udp_length_below_8),
        cmocka_unit_test(test_udp_length_beyond_ip),
        cmocka_unit_test(test_udp_length_inside_ip),
        cmocka_unit_test(test_udp_truncated),
        cmocka_unit_test(test_zero_checksum),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

/* Link layers: byte-exact vectors for every link type in decode.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

#define FULL_V4_TCP                                                                                \
    (TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS | TCPSIFT_LAYER_TCP |           \
     TCPSIFT_LAYER_TCP_FIXED | TCPSIFT_LAYER_TCP_OPTIONS)
#define FULL_V6_TCP                                                                                \
    (TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV6 | TCPSIFT_LAYER_PORTS | TCPSIFT_LAYER_TCP |           \
     TCPSIFT_LAYER_TCP_FIXED | TCPSIFT_LAYER_TCP_OPTIONS)

/* The default TCP segment (see support_packets.h) decoded at l3 offset `l3`. */
static void expect_default_tcp(const struct decoded *d, size_t l3, int version)
{
    const tcpsift_packet *p = &d->pkt;
    assert_int_equal(p->error, TCPSIFT_OK);
    assert_int_equal(p->l3_offset, l3);
    assert_int_equal(p->ip_version, version);
    size_t iphl = version == 4 ? 20 : 40;
    assert_int_equal(p->l4_offset, l3 + iphl);
    assert_ptr_equal(p->src, d->frame + l3 + (version == 4 ? 12 : 8));
    assert_memory_equal(p->src, version == 4 ? TEST_V4_SRC : TEST_V6_SRC, version == 4 ? 4 : 16);
    assert_memory_equal(p->dst, version == 4 ? TEST_V4_DST : TEST_V6_DST, version == 4 ? 4 : 16);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->dport, 80);
    assert_int_equal(p->seq, 0x01020304);
    assert_int_equal(p->ack, 0x0A0B0C0D);
    assert_int_equal(p->tcp_flags, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH);
    assert_int_equal(p->payload_len, 5);
    assert_int_equal(p->payload.len, 5);
    assert_ptr_equal(p->payload.ptr, d->frame + l3 + iphl + 20);
    assert_memory_equal(p->payload.ptr, "hello", 5);
    assert_int_equal(p->l4_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(p->layers & ~(uint32_t)TCPSIFT_LAYER_VLAN,
                     version == 4 ? FULL_V4_TCP : FULL_V6_TCP);
}

static void decode_link_then(struct decoded *d, int linktype, const uint8_t *link, size_t n,
                             int version)
{
    struct pb p;
    pb_init(&p);
    pb_bytes(&p, link, n);
    if (version == 4)
        pb_default_ipv4_tcp(&p);
    else
        pb_default_ipv6_tcp(&p);
    decode_pb(d, linktype, &p);
}

static void test_ethernet_ipv4(void **state)
{
    (void)state;
    static const uint8_t eth[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                  0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_ETHERNET, eth, sizeof eth, 4);
    expect_default_tcp(&d, 14, 4);
    assert_int_equal(d.pkt.ethertype, 0x0800);
    assert_int_equal(d.pkt.vlan_count, 0);
    assert_int_equal(d.pkt.ip_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(d.pkt.linktype, TCPSIFT_LINK_ETHERNET);
    decoded_release(&d);
}

static void test_ethernet_ipv6(void **state)
{
    (void)state;
    static const uint8_t eth[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                                  0x77, 0x88, 0x99, 0xaa, 0xbb, 0x86, 0xdd};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_ETHERNET, eth, sizeof eth, 6);
    expect_default_tcp(&d, 14, 6);
    assert_int_equal(d.pkt.ethertype, 0x86DD);
    decoded_release(&d);
}

static void test_ethernet_not_ip(void **state)
{
    (void)state;
    static const uint8_t arp[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0,    0,    0,    0,
                                  1,    0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_ETHERNET, arp, sizeof arp, sizeof arp);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    assert_int_equal(d.pkt.ethertype, 0x0806);
    assert_int_equal(d.pkt.l3_offset, 14);
    assert_int_equal(d.pkt.ip_version, 0);
    decoded_release(&d);
}

static void test_ethernet_truncated(void **state)
{
    (void)state;
    static const uint8_t eth[13] = {0};
    tcpsift_packet p;
    assert_int_equal(tcpsift_packet_decode(&p, TCPSIFT_LINK_ETHERNET, eth, 13, 60),
                     TCPSIFT_E_TRUNCATED_LINK_HEADER);
    assert_int_equal(p.layers, 0);
    assert_int_equal(p.wirelen, 60);
}

static void test_vlan_8021q(void **state)
{
    (void)state;
    /* TCI 0x2064: priority 1, DEI 0, VID 100. */
    static const uint8_t eth[] = {0,    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                  0x99, 0xaa, 0xbb, 0x81, 0x00, 0x20, 0x64, 0x08, 0x00};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_ETHERNET, eth, sizeof eth, 4);
    expect_default_tcp(&d, 18, 4);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_VLAN);
    assert_int_equal(d.pkt.vlan_count, 1);
    assert_int_equal(d.pkt.vlan_ids[0], 100);
    assert_int_equal(d.pkt.ethertype, 0x0800);
    decoded_release(&d);
}

static void test_vlan_qinq_88a8(void **state)
{
    (void)state;
    static const uint8_t eth[] = {0,    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                  0xbb, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0xef, 0xff, 0x86, 0xdd};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_ETHERNET, eth, sizeof eth, 6);
    expect_default_tcp(&d, 22, 6);
    assert_int_equal(d.pkt.vlan_count, 2);
    assert_int_equal(d.pkt.vlan_ids[0], 10);
    assert_int_equal(d.pkt.vlan_ids[1], 0xFFF);
    assert_int_equal(d.pkt.ethertype, 0x86DD);
    decoded_release(&d);
}

static void test_vlan_qinq_9100(void **state)
{
    (void)state;
    static const uint8_t eth[] = {0,    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                  0xbb, 0x91, 0x00, 0x01, 0x2c, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_ETHERNET, eth, sizeof eth, 4);
    expect_default_tcp(&d, 22, 4);
    assert_int_equal(d.pkt.vlan_count, 2);
    assert_int_equal(d.pkt.vlan_ids[0], 300);
    assert_int_equal(d.pkt.vlan_ids[1], 5);
    decoded_release(&d);
}

/* Build Ethernet with `tags` tags (VIDs 1..tags) then IPv4. */
static void build_tags(struct pb *p, size_t tags)
{
    pb_init(p);
    pb_ethernet(p, tags ? 0x8100 : 0x0800);
    for (size_t i = 0; i < tags; i++)
        pb_vlan(p, (uint16_t)(i + 1), i + 1 < tags ? 0x8100 : 0x0800);
    pb_default_ipv4_tcp(p);
}

static void test_vlan_depth_limit(void **state)
{
    (void)state;
    struct pb p;
    struct decoded d;
    build_tags(&p, TCPSIFT_MAX_VLAN_TAGS);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    expect_default_tcp(&d, 14 + 4 * TCPSIFT_MAX_VLAN_TAGS, 4);
    assert_int_equal(d.pkt.vlan_count, TCPSIFT_MAX_VLAN_TAGS);
    for (size_t i = 0; i < TCPSIFT_MAX_VLAN_TAGS; i++)
        assert_int_equal(d.pkt.vlan_ids[i], i + 1);
    decoded_release(&d);

    build_tags(&p, TCPSIFT_MAX_VLAN_TAGS + 1);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_VLAN_TOO_DEEP);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_VLAN);
    assert_int_equal(d.pkt.vlan_count, TCPSIFT_MAX_VLAN_TAGS);
    decoded_release(&d);
}

static void test_vlan_truncated(void **state)
{
    (void)state;
    static const uint8_t eth[] = {0,    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                  0x99, 0xaa, 0xbb, 0x81, 0x00, 0x00, 0x07, 0x08};
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_ETHERNET, eth, sizeof eth, sizeof eth);
    assert_int_equal(d.rc, TCPSIFT_E_TRUNCATED_VLAN_HEADER);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    assert_int_equal(d.pkt.vlan_count, 0);
    decoded_release(&d);
}

static void test_sll(void **state)
{
    (void)state;
    static const uint8_t sll[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00,
                                  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_LINUX_SLL, sll, sizeof sll, 4);
    expect_default_tcp(&d, 16, 4);
    assert_int_equal(d.pkt.ethertype, 0x0800);
    decoded_release(&d);

    static const uint8_t sll6[] = {0x00, 0x04, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x86, 0xdd};
    decode_link_then(&d, TCPSIFT_LINK_LINUX_SLL, sll6, sizeof sll6, 6);
    expect_default_tcp(&d, 16, 6);
    decoded_release(&d);

    /* The SLL protocol field may itself be an 802.1Q TPID. */
    static const uint8_t sllv[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00,
                                   0x00, 0x01, 0x00, 0x00, 0x81, 0x00, 0x00, 0x2a, 0x08, 0x00};
    decode_link_then(&d, TCPSIFT_LINK_LINUX_SLL, sllv, sizeof sllv, 4);
    expect_default_tcp(&d, 20, 4);
    assert_int_equal(d.pkt.vlan_ids[0], 42);
    decoded_release(&d);

    struct pb p;
    pb_init(&p);
    pb_sll(&p, 0x0800);
    tcpsift_packet pk;
    assert_int_equal(tcpsift_packet_decode(&pk, TCPSIFT_LINK_LINUX_SLL, p.b, 15, 15),
                     TCPSIFT_E_TRUNCATED_LINK_HEADER);
    assert_int_equal(pk.layers, 0);
}

static void test_sll2(void **state)
{
    (void)state;
    static const uint8_t sll2[] = {0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01,
                                   0x04, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_LINUX_SLL2, sll2, sizeof sll2, 4);
    expect_default_tcp(&d, 20, 4);
    decoded_release(&d);

    static const uint8_t sll2v6[] = {0x86, 0xdd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
                                     0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00};
    decode_link_then(&d, TCPSIFT_LINK_LINUX_SLL2, sll2v6, sizeof sll2v6, 6);
    expect_default_tcp(&d, 20, 6);
    decoded_release(&d);

    tcpsift_packet pk;
    assert_int_equal(tcpsift_packet_decode(&pk, TCPSIFT_LINK_LINUX_SLL2, sll2, 19, 19),
                     TCPSIFT_E_TRUNCATED_LINK_HEADER);
}

static void test_null_families(void **state)
{
    (void)state;
    static const struct {
        uint8_t af[4];
        int version;
    } cases[] = {
        {{2, 0, 0, 0}, 4},  {{0, 0, 0, 2}, 4},  {{10, 0, 0, 0}, 6}, {{0, 0, 0, 10}, 6},
        {{24, 0, 0, 0}, 6}, {{0, 0, 0, 24}, 6}, {{28, 0, 0, 0}, 6}, {{0, 0, 0, 28}, 6},
        {{30, 0, 0, 0}, 6}, {{0, 0, 0, 30}, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct decoded d;
        decode_link_then(&d, TCPSIFT_LINK_NULL, cases[i].af, 4, cases[i].version);
        expect_default_tcp(&d, 4, cases[i].version);
        assert_int_equal(d.pkt.ethertype, cases[i].version == 4 ? 0x0800 : 0x86DD);
        decoded_release(&d);
    }
    /* AF_APPLETALK-ish family 16: a clean frame that is not IP. */
    static const uint8_t other[] = {16, 0, 0, 0, 0x45, 0, 0, 20};
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_NULL, other, sizeof other, sizeof other);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    assert_int_equal(d.pkt.ethertype, 0);
    decoded_release(&d);
    tcpsift_packet pk;
    assert_int_equal(tcpsift_packet_decode(&pk, TCPSIFT_LINK_NULL, other, 3, 3),
                     TCPSIFT_E_TRUNCATED_LINK_HEADER);
}

static void test_loop(void **state)
{
    (void)state;
    static const uint8_t v4[] = {0, 0, 0, 2}, v6[] = {0, 0, 0, 24};
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_LOOP, v4, 4, 4);
    expect_default_tcp(&d, 4, 4);
    decoded_release(&d);
    decode_link_then(&d, TCPSIFT_LINK_LOOP, v6, 4, 6);
    expect_default_tcp(&d, 4, 6);
    decoded_release(&d);
    /* LOOP is always network order: 02 00 00 00 is family 0x02000000, not IP. */
    static const uint8_t le[] = {2, 0, 0, 0};
    decode_link_then(&d, TCPSIFT_LINK_LOOP, le, 4, 4);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    decoded_release(&d);
}

static void test_raw_types(void **state)
{
    (void)state;
    static const int raws[] = {TCPSIFT_LINK_RAW, TCPSIFT_LINK_RAW_DLT12, TCPSIFT_LINK_RAW_DLT14};
    for (size_t i = 0; i < 3; i++) {
        struct decoded d;
        decode_link_then(&d, raws[i], NULL, 0, 4);
        expect_default_tcp(&d, 0, 4);
        assert_int_equal(d.pkt.ethertype, 0x0800);
        decoded_release(&d);
        decode_link_then(&d, raws[i], NULL, 0, 6);
        expect_default_tcp(&d, 0, 6);
        assert_int_equal(d.pkt.ethertype, 0x86DD);
        decoded_release(&d);
        assert_string_equal(tcpsift_linktype_name(raws[i]), "raw");
        assert_true(tcpsift_linktype_supported(raws[i]));
    }
    static const uint8_t v5[] = {0x55, 0, 0, 20};
    tcpsift_packet p;
    assert_int_equal(tcpsift_packet_decode(&p, TCPSIFT_LINK_RAW, v5, 4, 4),
                     TCPSIFT_E_BAD_IP_VERSION);
    assert_int_equal(p.layers, TCPSIFT_LAYER_LINK);
    assert_int_equal(tcpsift_packet_decode(&p, TCPSIFT_LINK_RAW, v5, 0, 0),
                     TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(p.layers, 0);
}

static void test_ipv4_ipv6_linktypes(void **state)
{
    (void)state;
    struct decoded d;
    decode_link_then(&d, TCPSIFT_LINK_IPV4, NULL, 0, 4);
    expect_default_tcp(&d, 0, 4);
    decoded_release(&d);
    decode_link_then(&d, TCPSIFT_LINK_IPV6, NULL, 0, 6);
    expect_default_tcp(&d, 0, 6);
    decoded_release(&d);
    /* The link type promises IPv4: an IPv6 header is a version error. */
    decode_link_then(&d, TCPSIFT_LINK_IPV4, NULL, 0, 6);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_VERSION);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    decoded_release(&d);
    decode_link_then(&d, TCPSIFT_LINK_IPV6, NULL, 0, 4);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_VERSION); /* 45 bytes: a whole IPv6 header's worth */
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    decoded_release(&d);
}

static void test_unsupported_and_names(void **state)
{
    (void)state;
    static const uint8_t frame[64] = {0};
    tcpsift_packet p;
    assert_int_equal(tcpsift_packet_decode(&p, 147, frame, sizeof frame, sizeof frame),
                     TCPSIFT_E_UNSUPPORTED_LINK_TYPE);
    assert_int_equal(p.error, TCPSIFT_E_UNSUPPORTED_LINK_TYPE);
    assert_int_equal(p.layers, 0);
    assert_int_equal(p.linktype, 147);
    assert_false(tcpsift_linktype_supported(147));
    assert_false(tcpsift_linktype_supported(-1));
    assert_string_equal(tcpsift_linktype_name(147), "unknown");
    static const struct {
        int lt;
        const char *name;
    } names[] = {{0, "null"},   {1, "ethernet"},    {101, "raw"},       {12, "raw"},
                 {14, "raw"},   {108, "loop"},      {113, "linux_sll"}, {228, "ipv4"},
                 {229, "ipv6"}, {276, "linux_sll2"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_string_equal(tcpsift_linktype_name(names[i].lt), names[i].name);
        assert_true(tcpsift_linktype_supported(names[i].lt));
    }
}

static void test_api_edges(void **state)
{
    (void)state;
    static const uint8_t frame[20] = {0};
    tcpsift_packet p;
    assert_int_equal(tcpsift_packet_decode(NULL, 1, frame, 20, 20), TCPSIFT_E_INVALID_ARGUMENT);
    /* NULL frame: treated as an empty capture. */
    assert_int_equal(tcpsift_packet_decode(&p, TCPSIFT_LINK_ETHERNET, NULL, 100, 100),
                     TCPSIFT_E_TRUNCATED_LINK_HEADER);
    assert_int_equal(p.caplen, 0);
    /* wirelen below caplen is raised to caplen. */
    tcpsift_packet_decode(&p, TCPSIFT_LINK_ETHERNET, frame, 20, 5);
    assert_int_equal(p.wirelen, 20);
    assert_int_equal(p.caplen, 20);
    assert_ptr_equal(p.frame, frame);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_ipv4),
        cmocka_unit_test(test_ethernet_ipv6),
        cmocka_unit_test(test_ethernet_not_ip),
        cmocka_unit_test(test_ethernet_truncated),
        cmocka_unit_test(test_vlan_8021q),
        cmocka_unit_test(test_vlan_qinq_88a8),
        cmocka_unit_test(test_vlan_qinq_9100),
        cmocka_unit_test(test_vlan_depth_limit),
        cmocka_unit_test(test_vlan_truncated),
        cmocka_unit_test(test_sll),
        cmocka_unit_test(test_sll2),
        cmocka_unit_test(test_null_families),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_raw_types),
        cmocka_unit_test(test_ipv4_ipv6_linktypes),
        cmocka_unit_test(test_unsupported_and_names),
        cmocka_unit_test(test_api_edges),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

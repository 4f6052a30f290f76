/* IPv4 (RFC 791): header fields, options, lengths, fragments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

static const uint8_t HELLO[5] = {'h', 'e', 'l', 'l', 'o'};

/* Ethernet + IPv4(spec) + default TCP carrying `payload_len` bytes of a counting pattern. */
static void build(struct pb *p, const struct ip4_spec *ip, size_t payload_len)
{
    static uint8_t data[1500];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    struct tcp_spec t = tcp_default();
    t.payload = payload_len == 5 ? HELLO : data;
    t.payload_len = payload_len;
    uint8_t seg[1600];
    size_t n = tcp_segment(seg, sizeof seg, &t);
    pb_eth_ipv4(p, ip, seg, n);
}

static void test_header_fields(void **state)
{
    (void)state;
    struct ip4_spec ip = ip4_default(6);
    ip.tos = 0xB8;
    ip.ttl = 17;
    ip.id = 0xBEEF;
    struct pb p;
    build(&p, &ip, 5);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    const tcpsift_packet *k = &d.pkt;
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(k->layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS |
                                    TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED |
                                    TCPSIFT_LAYER_TCP_OPTIONS);
    assert_int_equal(k->ip_version, 4);
    assert_int_equal(k->addr_len, 4);
    assert_int_equal(k->ip_tos, 0xB8);
    assert_int_equal(k->ttl, 17);
    assert_int_equal(k->ip_id, 0xBEEF);
    assert_int_equal(k->ip_proto, 6);
    assert_int_equal(k->dont_fragment, 1);
    assert_int_equal(k->more_fragments, 0);
    assert_int_equal(k->frag_offset, 0);
    assert_int_equal(k->ip_checksum, (uint16_t)(p.b[24] << 8 | p.b[25]));
    assert_ptr_equal(k->ip_header.ptr, d.frame + 14);
    assert_int_equal(k->ip_header.len, 20);
    assert_ptr_equal(k->src, d.frame + 26);
    assert_ptr_equal(k->dst, d.frame + 30);
    assert_memory_equal(k->src, TEST_V4_SRC, 4);
    assert_memory_equal(k->dst, TEST_V4_DST, 4);
    assert_int_equal(k->l4_offset, 34);
    assert_int_equal(k->l4_length, 25);
    assert_int_equal(k->ip_len_from_capture, 0);
    assert_int_equal(k->ip_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_not_tcp_or_udp(void **state)
{
    (void)state;
    static const uint8_t icmp[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0};
    struct ip4_spec ip = ip4_default(1);
    struct pb p;
    pb_eth_ipv4(&p, &ip, icmp, sizeof icmp);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4);
    assert_int_equal(d.pkt.ip_proto, 1);
    assert_int_equal(d.pkt.l4_length, 8);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_NOT_CHECKED);
    decoded_release(&d);
}

static void test_options_valid(void **state)
{
    (void)state;
    /* NOP, Record Route (7, len 7, pointer 4, one empty slot). */
    static const uint8_t opts[8] = {0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0};
    struct ip4_spec ip = ip4_default(6);
    ip.opts = opts;
    ip.opts_len = sizeof opts;
    struct pb p;
    build(&p, &ip, 5);
    assert_int_equal(p.b[14], 0x47);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_header.len, 28);
    assert_int_equal(d.pkt.l4_offset, 42);
    assert_int_equal(d.pkt.l4_length, 25);
    assert_int_equal(d.pkt.sport, 40000);
    assert_int_equal(d.pkt.payload_len, 5);
    assert_int_equal(d.pkt.ip_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);

    /* EOL ends the list: what follows is padding, whatever it holds. */
    static const uint8_t eol[4] = {0x00, 0xFF, 0x01, 0xFF};
    ip.opts = eol;
    ip.opts_len = sizeof eol;
    build(&p, &ip, 5);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_header.len, 24);
    decoded_release(&d);
}

static void test_options_malformed(void **state)
{
    (void)state;
    static const uint8_t past[8] = {0x07, 0x0C, 0x04, 0, 0, 0, 0, 0}; /* 12 > 8 bytes left */
    static const uint8_t short_len[4] = {0x44, 0x01, 0, 0};           /* length below 2 */
    static const uint8_t no_len[4] = {0x01, 0x01, 0x01, 0x44};        /* length byte missing */
    static const uint8_t zero_len[4] = {0x83, 0x00, 0x01, 0x01};      /* length 0 */
    const uint8_t *cases[] = {past, short_len, no_len, zero_len};
    size_t lens[] = {8, 4, 4, 4};
    for (size_t i = 0; i < 4; i++) {
        struct ip4_spec ip = ip4_default(6);
        ip.opts = cases[i];
        ip.opts_len = lens[i];
        struct pb p;
        build(&p, &ip, 5);
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_OPTION_LENGTH);
        /* The header length itself is sound, so TCP is still decoded. */
        assert_true(d.pkt.layers & TCPSIFT_LAYER_IPV4);
        assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
        assert_int_equal(d.pkt.l4_offset, 14 + 20 + lens[i]);
        assert_int_equal(d.pkt.sport, 40000);
        assert_int_equal(d.pkt.payload_len, 5);
        assert_memory_equal(d.pkt.payload.ptr, "hello", 5);
        decoded_release(&d);
    }
}

static void test_bad_ihl_and_version(void **state)
{
    (void)state;
    for (uint8_t ihl = 1; ihl < 5; ihl++) {
        struct ip4_spec ip = ip4_default(6);
        ip.ihl = ihl;
        struct pb p;
        build(&p, &ip, 5);
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_HEADER_LENGTH);
        assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
        decoded_release(&d);
    }
    struct ip4_spec ip = ip4_default(6);
    ip.version = 5;
    struct pb p;
    build(&p, &ip, 5);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_VERSION);
    assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
    decoded_release(&d);
    /* An IPv6 header behind ethertype 0x0800. */
    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    pb_default_ipv6_tcp(&p);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_VERSION);
    decoded_release(&d);
}

static void test_truncated_header(void **state)
{
    (void)state;
    struct ip4_spec ip = ip4_default(6);
    struct pb p;
    build(&p, &ip, 5);
    tcpsift_packet k;
    assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, 14 + 19, p.len),
                     TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(k.layers, TCPSIFT_LAYER_LINK);
    /* IHL 15: 60-byte header, only 40 captured. */
    static uint8_t opts[40];
    memset(opts, 1, sizeof opts);
    ip.opts = opts;
    ip.opts_len = 40;
    build(&p, &ip, 5);
    assert_int_equal(p.b[14], 0x4F);
    assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, 14 + 40, p.len),
                     TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(k.layers, TCPSIFT_LAYER_LINK);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_header.len, 60);
    assert_int_equal(d.pkt.l4_offset, 74);
    decoded_release(&d);
}

static void test_total_length_below_header(void **state)
{
    (void)state;
    static const long totals[] = {1, 19};
    for (size_t i = 0; i < 2; i++) {
        struct ip4_spec ip = ip4_default(6);
        ip.total_len = totals[i];
        struct pb p;
        build(&p, &ip, 5);
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
        assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK);
        decoded_release(&d);
    }
    /* Exactly the header: a datagram with no payload (TCP cannot fit). */
    struct ip4_spec ip = ip4_default(6);
    ip.total_len = 20;
    struct pb p;
    build(&p, &ip, 5);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.l4_length, 0);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_IPV4);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_TCP);
    decoded_release(&d);
}

static void test_total_length_beyond_wire(void **state)
{
    (void)state;
    struct ip4_spec ip = ip4_default(6);
    ip.total_len = 45 + 10;
    ip.l4_csum = 0;
    struct pb p;
    build(&p, &ip, 5);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_IP_TOTAL_LENGTH);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_IPV4);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
    /* Clamped to what the wire carried. */
    assert_int_equal(d.pkt.l4_length, 25);
    assert_int_equal(d.pkt.payload_len, 5);
    assert_int_equal(d.pkt.payload.len, 5);
    decoded_release(&d);
}

static void test_snaplen_shorter_than_total(void **state)
{
    (void)state;
    struct ip4_spec ip = ip4_default(6);
    struct pb p;
    build(&p, &ip, 200);
    struct decoded d;
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, 14 + 20 + 20 + 30, p.len);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.l4_length, 220);
    assert_int_equal(d.pkt.payload_len, 200);
    assert_int_equal(d.pkt.payload.len, 30);
    assert_ptr_equal(d.pkt.payload.ptr, d.frame + 54);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    assert_int_equal(d.pkt.ip_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_total_length_zero_tso(void **state)
{
    (void)state;
    struct ip4_spec ip = ip4_default(6);
    ip.total_len = 0;
    struct pb p;
    build(&p, &ip, 5);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_len_from_capture, 1);
    assert_int_equal(d.pkt.l4_length, 25);
    assert_int_equal(d.pkt.payload_len, 5);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);

    /* A TSO super-frame cut by the snap length: the datagram is what the wire carried, so the
     * payload is incomplete and its checksum cannot be judged. */
    build(&p, &ip, 1000);
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, 14 + 20 + 20 + 100, p.len);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_len_from_capture, 1);
    assert_int_equal(d.pkt.l4_length, 1020);
    assert_int_equal(d.pkt.payload_len, 1000);
    assert_int_equal(d.pkt.payload.len, 100);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    decoded_release(&d);
}

static void test_ethernet_padding_ignored(void **state)
{
    (void)state;
    struct ip4_spec ip = ip4_default(6);
    struct pb p;
    build(&p, &ip, 5);
    assert_int_equal(p.len, 59);
    pb_u8(&p, 0xEE); /* 60-byte minimum frame: one byte of padding */
    pb_be32(&p, 0xDEADBEEF);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.l4_length, 25);
    assert_int_equal(d.pkt.payload_len, 5);
    assert_int_equal(d.pkt.payload.len, 5);
    assert_memory_equal(d.pkt.payload.ptr, "hello", 5);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

/* An IPv4 datagram with MF set (`more`) or not, carrying `l4` as its transport bytes. */
static tcpsift_error decode_l4(struct decoded *d, uint8_t proto, int more, const uint8_t *l4,
                               size_t len)
{
    struct ip4_spec ip = ip4_default(proto);
    ip.frag = more ? 0x2000 : 0;
    ip.l4_csum = 0;
    struct pb p;
    pb_eth_ipv4(&p, &ip, l4, len);
    decode_pb(d, TCPSIFT_LINK_ETHERNET, &p);
    return d->rc;
}

/* A first fragment holds the datagram's start: a transport header it cuts, or a UDP length
 * that covers later fragments, is not a malformed frame (the whole datagram is judged once
 * reassembled). The same bytes in an unfragmented datagram are. */
static void test_first_fragment_cuts_transport(void **state)
{
    (void)state;
    struct decoded d;
    /* A TCP header cut after 12 bytes (RFC 1858's tiny fragment). */
    static const uint8_t tcp12[12] = {0x9c, 0x40, 0x00, 0x50, 1, 2, 3, 4, 0, 0, 0, 0};
    assert_int_equal(decode_l4(&d, 6, 1, tcp12, sizeof tcp12), TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_PORTS);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(d.pkt.sport, 40000);
    decoded_release(&d);
    assert_int_equal(decode_l4(&d, 6, 0, tcp12, sizeof tcp12), TCPSIFT_E_TRUNCATED_TCP_HEADER);
    decoded_release(&d);

    /* Data offset 15 (60 bytes of header), 24 in this fragment: options go on in the next. */
    uint8_t tcp24[24] = {0x9c, 0x40, 0x00, 0x50, 1, 2, 3, 4, 0, 0, 0, 0, 0xF0, 0x02, 0xFF, 0xFF,
                         0, 0, 0, 0, 0x01, 0x01, 0x01, 0x01};
    assert_int_equal(decode_l4(&d, 6, 1, tcp24, sizeof tcp24), TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP_FIXED);
    assert_int_equal(d.pkt.tcp_flags, 0x002);
    decoded_release(&d);
    assert_int_equal(decode_l4(&d, 6, 0, tcp24, sizeof tcp24), TCPSIFT_E_BAD_TCP_DATA_OFFSET);
    decoded_release(&d);
    /* A data offset below 5 is malformed in any fragment. */
    tcp24[12] = 0x40;
    assert_int_equal(decode_l4(&d, 6, 1, tcp24, sizeof tcp24), TCPSIFT_E_BAD_TCP_DATA_OFFSET);
    decoded_release(&d);

    /* UDP length 3008 with 16 bytes here: the rest is in later fragments. */
    uint8_t udp16[16] = {0x14, 0xe9, 0x00, 0x35, 0x0b, 0xc0, 0,   0,
                         'a',  'b',  'c',  'd',  'e',  'f',  'g', 'h'};
    assert_int_equal(decode_l4(&d, 17, 1, udp16, sizeof udp16), TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_UDP);
    assert_int_equal(d.pkt.udp_length, 3008);
    assert_int_equal(d.pkt.payload.len, 8);
    decoded_release(&d);
    assert_int_equal(decode_l4(&d, 17, 0, udp16, sizeof udp16), TCPSIFT_E_BAD_UDP_LENGTH);
    decoded_release(&d);
    /* A UDP length below its own header is malformed in any fragment. */
    udp16[4] = 0;
    udp16[5] = 4;
    assert_int_equal(decode_l4(&d, 17, 1, udp16, sizeof udp16), TCPSIFT_E_BAD_UDP_LENGTH);
    decoded_release(&d);
}

static void test_fragments(void **state)
{
    (void)state;
    /* First fragment: MF set, offset 0. The TCP header is there. */
    struct ip4_spec ip = ip4_default(6);
    ip.frag = 0x2000;
    struct pb p;
    build(&p, &ip, 5);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(d.pkt.more_fragments, 1);
    assert_int_equal(d.pkt.dont_fragment, 0);
    assert_int_equal(d.pkt.frag_offset, 0);
    assert_int_equal(d.pkt.sport, 40000);
    assert_int_equal(d.pkt.seq, 0x01020304);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    decoded_release(&d);

    /* Middle fragment (MF, offset 185 = 1480 bytes): no transport header. */
    ip.frag = 0x2000 | 185;
    build(&p, &ip, 5);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.layers,
                     TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.frag_offset, 185);
    assert_int_equal(d.pkt.more_fragments, 1);
    assert_int_equal(d.pkt.sport, 0);
    assert_int_equal(d.pkt.l4_length, 25);
    decoded_release(&d);

    /* Last fragment: offset 0x1FFF (the maximum), no MF. */
    ip.frag = 0x1FFF;
    build(&p, &ip, 5);
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.pkt.layers,
                     TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(d.pkt.frag_offset, 0x1FFF);
    assert_int_equal(d.pkt.more_fragments, 0);
    decoded_release(&d);

    /* DF alone, and the reserved bit alone: neither is a fragment. */
    static const uint16_t whole[] = {0x4000, 0x8000, 0x0000};
    for (size_t i = 0; i < 3; i++) {
        ip.frag = whole[i];
        build(&p, &ip, 5);
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_false(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
        assert_int_equal(d.pkt.dont_fragment, whole[i] == 0x4000);
        assert_int_equal(d.pkt.more_fragments, 0);
        assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
        decoded_release(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_not_tcp_or_udp),
        cmocka_unit_test(test_options_valid),
        cmocka_unit_test(test_options_malformed),
        cmocka_unit_test(test_bad_ihl_and_version),
        cmocka_unit_test(test_truncated_header),
        cmocka_unit_test(test_total_length_below_header),
        cmocka_unit_test(test_total_length_beyond_wire),
        cmocka_unit_test(test_snaplen_shorter_than_total),
        cmocka_unit_test(test_total_length_zero_tso),
        cmocka_unit_test(test_ethernet_padding_ignored),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_first_fragment_cuts_transport),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

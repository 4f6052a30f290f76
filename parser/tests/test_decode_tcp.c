/* TCP header (RFC 9293 §3.1): fields, flags, data offset, truncation, zero-copy payload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

#define L4 34 /* Ethernet 14 + IPv4 20 */

static void test_fixed_fields_byte_exact(void **state)
{
    (void)state;
    /* A hand-written SYN-ACK segment: every field at its RFC 9293 position. */
    static const uint8_t seg[20] = {0xC3, 0x50, 0x01, 0xBB, /* ports 50000 -> 443 */
                                    0xFF, 0xFF, 0xFF, 0xFE, /* seq */
                                    0x00, 0x00, 0x00, 0x01, /* ack */
                                    0x50, 0x12,             /* doff 5, SYN|ACK */
                                    0x72, 0x10,             /* window 29200 */
                                    0x00, 0x00,             /* checksum (filled below) */
                                    0x12, 0x34};            /* urgent pointer */
    struct ip4_spec ip = ip4_default(6);
    struct pb p;
    pb_eth_ipv4(&p, &ip, seg, sizeof seg);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    const tcpsift_packet *k = &d.pkt;
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(k->sport, 50000);
    assert_int_equal(k->dport, 443);
    assert_int_equal(k->seq, 0xFFFFFFFE);
    assert_int_equal(k->ack, 1);
    assert_int_equal(k->tcp_flags, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK);
    assert_int_equal(k->window, 29200);
    assert_int_equal(k->urgent_ptr, 0x1234);
    assert_int_equal(k->tcp_checksum, (uint16_t)(p.b[L4 + 16] << 8 | p.b[L4 + 17]));
    assert_int_equal(k->tcp_header_len, 20);
    assert_int_equal(k->l4_offset, L4);
    assert_int_equal(k->payload_len, 0);
    assert_int_equal(k->payload.len, 0);
    assert_int_equal(k->tcp_options_raw.len, 0);
    assert_int_equal(k->opts.present, 0);
    assert_true(k->layers & TCPSIFT_LAYER_TCP_OPTIONS);
    assert_int_equal(k->l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void decode_flags(struct decoded *d, uint16_t flags)
{
    struct tcp_spec t = tcp_default();
    t.flags = flags;
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    decode_pb(d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d->rc, TCPSIFT_OK);
    assert_int_equal(d->pkt.tcp_header_len, 20); /* flags never leak into the data offset */
}

static void test_each_flag(void **state)
{
    (void)state;
    static const uint16_t flags[9] = {TCPSIFT_TCP_FIN, TCPSIFT_TCP_SYN, TCPSIFT_TCP_RST,
                                      TCPSIFT_TCP_PSH, TCPSIFT_TCP_ACK, TCPSIFT_TCP_URG,
                                      TCPSIFT_TCP_ECE, TCPSIFT_TCP_CWR, TCPSIFT_TCP_NS};
    static const uint16_t wire[9] = {0x001, 0x002, 0x004, 0x008, 0x010, 0x020, 0x040, 0x080, 0x100};
    uint16_t all = 0;
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(flags[i], wire[i]);
        struct decoded d;
        decode_flags(&d, flags[i]);
        assert_int_equal(d.pkt.tcp_flags, wire[i]);
        decoded_release(&d);
        all |= flags[i];
    }
    struct decoded d;
    decode_flags(&d, all);
    assert_int_equal(d.pkt.tcp_flags, 0x1FF);
    decoded_release(&d);
    decode_flags(&d, 0);
    assert_int_equal(d.pkt.tcp_flags, 0);
    decoded_release(&d);
}

static void test_reserved_bits_kept(void **state)
{
    (void)state;
    /* Bytes 12-13 low 12 bits, as tshark's tcp.flags: the three reserved bits are kept. */
    struct decoded d;
    decode_flags(&d, 0x0E00 | TCPSIFT_TCP_ACK);
    assert_int_equal(d.pkt.tcp_flags, 0x0E10);
    decoded_release(&d);
    decode_flags(&d, 0x0FFF);
    assert_int_equal(d.pkt.tcp_flags, 0x0FFF);
    decoded_release(&d);
}

/* A bad data offset still leaves the fixed header's fields readable (as tshark shows them). */
static void assert_fixed_fields(const tcpsift_packet *pkt, const struct tcp_spec *t)
{
    assert_int_equal(pkt->seq, t->seq);
    assert_int_equal(pkt->ack, t->ack);
    assert_int_equal(pkt->tcp_flags, t->flags);
    assert_int_equal(pkt->window, t->window);
}

static void test_data_offset_below_five(void **state)
{
    (void)state;
    for (uint8_t doff = 0; doff < 5; doff++) {
        struct tcp_spec t = tcp_default();
        t.payload = (const uint8_t *)"hello";
        t.payload_len = 5;
        struct pb p;
        build_eth_ipv4_tcp(&p, &t);
        p.b[L4 + 12] = (uint8_t)(doff << 4); /* (tcp_spec's doff 0 means "automatic") */
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_TCP_DATA_OFFSET);
        assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 |
                                           TCPSIFT_LAYER_PORTS | TCPSIFT_LAYER_TCP_FIXED);
        assert_false(d.pkt.layers & TCPSIFT_LAYER_TCP);
        assert_int_equal(d.pkt.sport, 40000);
        assert_int_equal(d.pkt.dport, 80);
        assert_fixed_fields(&d.pkt, &t);
        assert_int_equal(d.pkt.payload.len, 0);
        assert_int_equal(d.pkt.payload_len, 0);
        assert_int_equal(d.pkt.tcp_header_len, 0);
        decoded_release(&d);
    }
}

static void test_data_offset_past_segment(void **state)
{
    (void)state;
    /* 20-byte header + 5 bytes, but data offset 7 .. 15 (28 .. 60 bytes). */
    for (uint8_t doff = 7; doff <= 15; doff++) {
        struct tcp_spec t = tcp_default();
        t.doff = doff;
        t.payload = (const uint8_t *)"hello";
        t.payload_len = 5;
        struct pb p;
        build_eth_ipv4_tcp(&p, &t);
        struct decoded d;
        decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
        assert_int_equal(d.rc, TCPSIFT_E_BAD_TCP_DATA_OFFSET);
        assert_int_equal(d.pkt.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 |
                                           TCPSIFT_LAYER_PORTS | TCPSIFT_LAYER_TCP_FIXED);
        assert_fixed_fields(&d.pkt, &t);
        decoded_release(&d);
    }
    /* Data offset 6 = 24 bytes <= 25: valid; the "options" are 'h' 'e' 'l' 'l' = unknown
     * kind 104 with length 101 running past the option space. */
    struct tcp_spec t = tcp_default();
    t.doff = 6;
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_E_BAD_OPTION_LENGTH);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
    assert_false(d.pkt.layers & TCPSIFT_LAYER_TCP_OPTIONS);
    assert_int_equal(d.pkt.tcp_header_len, 24);
    assert_int_equal(d.pkt.payload_len, 1);
    assert_memory_equal(d.pkt.payload.ptr, "o", 1);
    decoded_release(&d);
}

static void test_truncated_header_keeps_ports(void **state)
{
    (void)state;
    struct tcp_spec t = tcp_default();
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    for (size_t cut = 4; cut < 20; cut++) {
        struct decoded d;
        decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, L4 + cut, p.len);
        assert_int_equal(d.rc, TCPSIFT_E_TRUNCATED_TCP_HEADER);
        assert_int_equal(d.pkt.layers,
                         TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS);
        assert_int_equal(d.pkt.sport, 40000);
        assert_int_equal(d.pkt.dport, 80);
        assert_int_equal(d.pkt.seq, 0);
        decoded_release(&d);
    }
    for (size_t cut = 0; cut < 4; cut++) {
        tcpsift_packet k;
        assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, L4 + cut, p.len),
                         TCPSIFT_E_TRUNCATED_TCP_HEADER);
        assert_int_equal(k.layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4);
    }
}

static void test_payload_is_a_view(void **state)
{
    (void)state;
    static uint8_t data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    struct tcp_spec t = tcp_default();
    t.payload = data;
    t.payload_len = sizeof data;
    struct pb p;
    build_eth_ipv4_tcp(&p, &t);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_ptr_equal(d.pkt.payload.ptr, d.frame + L4 + 20); /* zero copy */
    assert_int_equal(d.pkt.payload.len, 1000);
    assert_int_equal(d.pkt.payload_len, 1000);
    assert_memory_equal(d.pkt.payload.ptr, data, 1000);
    assert_ptr_equal(d.pkt.tcp_options_raw.ptr, d.frame + L4 + 20);
    decoded_release(&d);

    /* Snap length 100: the view covers what was captured, payload_len what was sent. */
    tcpsift_packet k;
    assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, 100, p.len), TCPSIFT_OK);
    assert_ptr_equal(k.payload.ptr, p.b + L4 + 20);
    assert_int_equal(k.payload.len, 100 - L4 - 20);
    assert_int_equal(k.payload_len, 1000);
    tcpsift_packet_verify_checksums(&k);
    assert_int_equal(k.l4_csum, TCPSIFT_CSUM_UNVERIFIED);
    /* Snap length exactly at the end of the header: an empty view. */
    assert_int_equal(tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, p.b, L4 + 20, p.len),
                     TCPSIFT_OK);
    assert_int_equal(k.payload.len, 0);
    assert_int_equal(k.payload_len, 1000);
}

static void test_tcp_over_ipv6(void **state)
{
    (void)state;
    struct tcp_spec t = tcp_default();
    t.flags = TCPSIFT_TCP_FIN | TCPSIFT_TCP_ACK;
    t.seq = 0x80000000;
    struct pb p;
    build_eth_ipv6_tcp(&p, &t);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.l4_offset, 54);
    assert_int_equal(d.pkt.seq, 0x80000000);
    assert_int_equal(d.pkt.tcp_flags, 0x011);
    assert_int_equal(d.pkt.l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_fields_byte_exact),
        cmocka_unit_test(test_each_flag),
        cmocka_unit_test(test_reserved_bits_kept),
        cmocka_unit_test(test_data_offset_below_five),
        cmocka_unit_test(test_data_offset_past_segment),
        cmocka_unit_test(test_truncated_header_keeps_ports),
        cmocka_unit_test(test_payload_is_a_view),
        cmocka_unit_test(test_tcp_over_ipv6),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

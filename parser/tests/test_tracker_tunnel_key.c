/* key_tunnel at the tracker: one inner TCP connection (same addresses, ports and sequence
 * numbers) carried in two VXLAN networks is two connections when the tunnel id is keyed, and
 * one (the second copy being retransmissions) when it is not. Frames are built byte by byte
 * (support_packets.h) and decoded like any capture frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define MAX_ENDS 8

struct ends {
    unsigned n;
    uint64_t id[MAX_ENDS];
    uint8_t handshake[MAX_ENDS];
    uint16_t client_port[MAX_ENDS], server_port[MAX_ENDS];
    uint32_t retrans[MAX_ENDS];
};

static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    struct ends *e = ctx;
    assert_true(e->n < MAX_ENDS);
    assert_int_equal(c->proto, 6);
    e->id[e->n] = c->id;
    e->handshake[e->n] = c->handshake;
    e->client_port[e->n] = c->client_port;
    e->server_port[e->n] = c->server_port;
    e->retrans[e->n] = c->events[TCPSIFT_ANOMALY_RETRANSMISSION];
    e->n++;
}

/* Ethernet / IPv4 198.51.100.1 -> .2 / UDP -> 4789 / VXLAN `vni` / Ethernet / IPv4
 * 10.0.0.1 <-> 10.0.0.2 / TCP; `to_server` picks the inner direction. */
static void vxlan_tcp(struct pb *p, uint32_t vni, int to_server, uint16_t flags, uint32_t seq,
                      uint32_t ack)
{
    static const uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    uint8_t tcp[128], v[512], udp[PB_MAX];
    struct tcp_spec t = tcp_default();
    t.sport = to_server ? 40000 : 80;
    t.dport = to_server ? 80 : 40000;
    t.seq = seq;
    t.ack = ack;
    t.flags = flags;
    t.window = 65535;
    t.payload = NULL;
    t.payload_len = 0;
    size_t tl = tcp_segment(tcp, sizeof tcp, &t);

    struct pb inner;
    struct ip4_spec ip = ip4_default(6);
    memcpy(ip.src, to_server ? client : server, 4);
    memcpy(ip.dst, to_server ? server : client, 4);
    pb_eth_ipv4(&inner, &ip, tcp, tl);

    /* RFC 7348 §5: I flag, reserved, 24-bit VNI, reserved. */
    const uint8_t hdr[8] = {0x08, 0, 0, 0, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8), (uint8_t)vni,
                            0};
    memcpy(v, hdr, 8);
    memcpy(v + 8, inner.b, inner.len);
    size_t u = udp_datagram(udp, sizeof udp, 51000, 4789, v, 8 + inner.len, -1);

    struct ip4_spec outer = ip4_default(17);
    const uint8_t osrc[4] = {198, 51, 100, 1}, odst[4] = {198, 51, 100, 2};
    memcpy(outer.src, osrc, 4);
    memcpy(outer.dst, odst, 4);
    outer.l4_csum = 1;
    pb_eth_ipv4(p, &outer, udp, u);
}

static void feed(tcpsift_tracker *t, const struct pb *p, int64_t ts)
{
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p->b, p->len, p->len),
                     TCPSIFT_OK);
    assert_true(pkt.layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(pkt.tunnel_id_kind, TCPSIFT_ENCAP_VXLAN);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, ts), TCPSIFT_OK);
}

/* The same handshake in VNI 100 and VNI 200, interleaved packet by packet. */
static void run(int key_tunnel, struct ends *e, tcpsift_tracker_stats *stats)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker *t = NULL;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++) cfg.hash_key[i] = (uint8_t)(0xA0 + i);
    cfg.key_tunnel = key_tunnel;
    cfg.checksums = TCPSIFT_CHECKSUM_VERIFY;
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = e;
    memset(e, 0, sizeof *e);
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);

    const uint32_t vnis[2] = {100, 200};
    int64_t ts = 1000000000;
    struct pb p;
    for (int v = 0; v < 2; v++) {
        vxlan_tcp(&p, vnis[v], 1, TCPSIFT_TCP_SYN, 1000, 0);
        feed(t, &p, ts++);
    }
    for (int v = 0; v < 2; v++) {
        vxlan_tcp(&p, vnis[v], 0, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, 5000, 1001);
        feed(t, &p, ts++);
    }
    for (int v = 0; v < 2; v++) {
        vxlan_tcp(&p, vnis[v], 1, TCPSIFT_TCP_ACK, 1001, 5001);
        feed(t, &p, ts++);
    }
    tcpsift_tracker_finish(t);
    *stats = *tcpsift_tracker_get_stats(t);
    tcpsift_tracker_destroy(t);
}

static void test_vni_keyed(void **state)
{
    (void)state;
    struct ends e;
    tcpsift_tracker_stats s;
    run(1, &e, &s);
    assert_int_equal(s.tcp_connections, 2);
    assert_int_equal(s.packets, 6);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.id[0], 0);
    assert_int_equal(e.id[1], 1);
    for (unsigned i = 0; i < 2; i++) {
        assert_int_equal(e.handshake[i], 1);
        assert_int_equal(e.client_port[i], 40000);
        assert_int_equal(e.server_port[i], 80);
        assert_int_equal(e.retrans[i], 0);
    }
}

static void test_vni_not_keyed(void **state)
{
    (void)state;
    struct ends e;
    tcpsift_tracker_stats s;
    run(0, &e, &s);
    assert_int_equal(s.tcp_connections, 1);
    assert_int_equal(s.packets, 6);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.id[0], 0);
    assert_int_equal(e.handshake[0], 1);
    assert_int_equal(e.client_port[0], 40000);
    /* The second tunnel's copy of each packet is a repeat of the first. */
    assert_true(e.retrans[0] >= 1);
}

/* A segment whose tunnel a host would drop (the outer UDP checksum wrong, RFC 7348 §5) is
 * ignored as one with a bad checksum of its own: an inserted copy must not count. */
static void test_bad_outer_checksum_ignored(void **state)
{
    (void)state;
    for (int policy = 0; policy < 2; policy++) {
        tcpsift_tracker_config cfg;
        tcpsift_tracker *t = NULL;
        tcpsift_tracker_config_init(&cfg);
        cfg.checksums = policy ? TCPSIFT_CHECKSUM_OFF : TCPSIFT_CHECKSUM_AUTO;
        assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
        struct pb p;
        vxlan_tcp(&p, 100, 1, TCPSIFT_TCP_SYN, 1000, 0);
        p.b[14 + 20 + 7] ^= 0x01; /* the outer UDP checksum */
        feed(t, &p, 1000000000);
        const tcpsift_tracker_stats *s = tcpsift_tracker_get_stats(t);
        /* The connection is seen either way (as Zeek and tshark see it); the segment is
         * discarded (RFC 9293 §3.10.7.4) unless checksums are off, the tunnel's included. */
        assert_int_equal(s->tcp_connections, 1);
        assert_int_equal(s->bad_checksum, policy == 0 ? 1 : 0);
        tcpsift_tracker_destroy(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vni_keyed),
        cmocka_unit_test(test_vni_not_keyed),
        cmocka_unit_test(test_bad_outer_checksum_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

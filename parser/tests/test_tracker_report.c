/* The per-connection end of the tracker (issue 9): what tcpsift_tracker_finish() reports and in
 * which order, and the report of connections with and without the side table.
 *
 * finish() reports every TCP connection (embryos included) in order of first packet, then every
 * UDP flow: it skips the UDP pass when no UDP flow was ever created, which must change nothing
 * (TCP only, UDP only, both interleaved). A report takes its counts from the connection alone
 * when it has no side table: checked against one that has it (reassembly on, stream bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "support_segments.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define MAX_ENDS 16

struct ends {
    unsigned n;
    struct {
        uint64_t id;
        uint8_t proto;
        uint16_t client_port;
        uint64_t pkts[2], bytes[2], stream[2], gaps[2];
        char history[TCPSIFT_HISTORY_MAX + 1];
        char conn_state[8];
        tcpsift_conn_end end;
    } e[MAX_ENDS];
};

static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    struct ends *s = ctx;
    assert_true(s->n < MAX_ENDS);
    unsigned i = s->n++;
    s->e[i].id = c->id;
    s->e[i].proto = c->proto;
    s->e[i].client_port = c->client_port;
    s->e[i].pkts[0] = c->client.pkts;
    s->e[i].pkts[1] = c->server.pkts;
    s->e[i].bytes[0] = c->client.bytes;
    s->e[i].bytes[1] = c->server.bytes;
    s->e[i].stream[0] = c->client.stream_bytes;
    s->e[i].stream[1] = c->server.stream_bytes;
    s->e[i].gaps[0] = c->client.gap_bytes;
    s->e[i].gaps[1] = c->server.gap_bytes;
    s->e[i].end = c->end;
    assert_true(strlen(c->history) <= TCPSIFT_HISTORY_MAX);
    strcpy(s->e[i].history, c->history);
    assert_true(strlen(c->conn_state) < sizeof s->e[i].conn_state);
    strcpy(s->e[i].conn_state, c->conn_state);
}

static tcpsift_tracker *make(struct ends *s, int reassemble)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x21 + 7 * i);
    cfg.reassemble = reassemble;
    cfg.checksums = TCPSIFT_CHECKSUM_OFF; /* feed_tcp() rewrites ports after the checksum */
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = s;
    memset(s, 0, sizeof *s);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

/* One UDP datagram 10.9.9.1:sport -> 10.9.9.2:53. */
static void feed_udp(tcpsift_tracker *t, uint16_t sport, int64_t ts)
{
    uint8_t udp[64];
    size_t u = udp_datagram(udp, sizeof udp, sport, 53, (const uint8_t *)"q", 1, -1);
    struct ip4_spec ip = ip4_default(17);
    const uint8_t src[4] = {10, 9, 9, 1}, dst[4] = {10, 9, 9, 2};
    memcpy(ip.src, src, 4);
    memcpy(ip.dst, dst, 4);
    feed_eth_ipv4(t, &ip, udp, u, ts);
}

/* One scripted segment of the support_segments connection (client port 40000, server 80),
 * its client port moved to `cport`. */
static void feed_tcp(tcpsift_tracker *t, const struct seg *s, uint16_t cport, int64_t ts)
{
    struct pb p;
    tcpsift_packet pkt;
    seg_decode(s, &p, &pkt);
    /* The client's port field is rewritten in the frame, which is decoded again (the tracker
     * does not verify checksums, make()). */
    size_t tcp_at = 14 + 20;
    size_t port_at = tcp_at + (s->from == 0 ? 0 : 2);
    p.b[port_at] = (uint8_t)(cport >> 8);
    p.b[port_at + 1] = (uint8_t)cport;
    assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, ts), TCPSIFT_OK);
}

static const uint8_t MSS_WS_SACK[12] = {2, 4, 5, 180, 1, 3, 3, 7, 4, 2, 1, 1};

/* A bare SYN (an embryo until anything else comes). */
static void syn_only(tcpsift_tracker *t, uint16_t cport, int64_t ts)
{
    struct seg syn = {0, TCPSIFT_TCP_SYN, 1000, 0, 64240, 7, MSS_WS_SACK, 8, 0, 0, 0};
    feed_tcp(t, &syn, cport, ts);
}

/* SYN, SYN-ACK, ACK, `len` bytes from the client, the server's ACK of them, FINs both ways. */
static void full_conn(tcpsift_tracker *t, uint16_t cport, size_t len, int64_t ts)
{
    const struct seg segs[] = {
        {0, TCPSIFT_TCP_SYN, 1000, 0, 64240, 7, MSS_WS_SACK, 8, 0, 0, 0},
        {1, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, 5000, 1001, 65160, 9, MSS_WS_SACK, 8, 0, 0, 0},
        {0, TCPSIFT_TCP_ACK, 1001, 5001, 502, 8, NULL, 0, 0, 0, 0},
        {0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, 1001, 5001, 502, 8, NULL, 0, len, 0, 0},
        {1, TCPSIFT_TCP_ACK, 5001, 1001 + (uint32_t)len, 509, 10, NULL, 0, 0, 0, 0},
        {0, TCPSIFT_TCP_FIN | TCPSIFT_TCP_ACK, 1001 + (uint32_t)len, 5001, 502, 11, NULL, 0, 0, 0, 0},
        {1, TCPSIFT_TCP_FIN | TCPSIFT_TCP_ACK, 5001, 1002 + (uint32_t)len, 509, 12, NULL, 0, 0, 0, 0},
        {0, TCPSIFT_TCP_ACK, 1002 + (uint32_t)len, 5002, 502, 13, NULL, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++)
        feed_tcp(t, &segs[i], cport, ts + (int64_t)i);
}

/* TCP only: every connection once, in id order (the embryo at its place). */
static void test_finish_tcp_only(void **state)
{
    struct ends s;
    (void)state;
    tcpsift_tracker *t = make(&s, 0);
    full_conn(t, 41000, 100, 1000);
    syn_only(t, 41001, 2000);
    full_conn(t, 41002, 0, 3000);
    tcpsift_tracker_finish(t);
    assert_int_equal(s.n, 3);
    static const uint16_t ports[3] = {41000, 41001, 41002};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(s.e[i].id, i);
        assert_int_equal(s.e[i].proto, 6);
        assert_int_equal(s.e[i].client_port, ports[i]);
    }
    assert_int_equal(tcpsift_tracker_get_stats(t)->udp_flows, 0);
    tcpsift_tracker_destroy(t);
}

/* UDP first, TCP after, interleaved: all TCP connections first, then the UDP flows. */
static void test_finish_tcp_then_udp(void **state)
{
    struct ends s;
    (void)state;
    tcpsift_tracker *t = make(&s, 0);
    feed_udp(t, 5000, 10);
    full_conn(t, 42000, 10, 100);
    feed_udp(t, 5001, 200);
    syn_only(t, 42001, 300);
    tcpsift_tracker_finish(t);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.e[0].proto, 6);
    assert_int_equal(s.e[0].client_port, 42000);
    assert_int_equal(s.e[1].proto, 6);
    assert_int_equal(s.e[1].client_port, 42001);
    assert_int_equal(s.e[2].proto, 17);
    assert_int_equal(s.e[2].client_port, 5000);
    assert_int_equal(s.e[3].proto, 17);
    assert_int_equal(s.e[3].client_port, 5001);
    tcpsift_tracker_destroy(t);
}

/* UDP only: each flow once. */
static void test_finish_udp_only(void **state)
{
    struct ends s;
    (void)state;
    tcpsift_tracker *t = make(&s, 0);
    feed_udp(t, 6000, 10);
    feed_udp(t, 6001, 20);
    feed_udp(t, 6000, 30);
    tcpsift_tracker_finish(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.e[0].client_port, 6000);
    assert_int_equal(s.e[0].pkts[0], 2);
    assert_int_equal(s.e[1].client_port, 6001);
    assert_int_equal(s.e[1].pkts[0], 1);
    tcpsift_tracker_destroy(t);
}

/* The same connection reported without a side table (state only) and with one (reassembly
 * keeps the stream totals there): the same counts, history and state; stream bytes only
 * where a stream existed. */
static void test_report_with_and_without_side_table(void **state)
{
    struct ends plain, streams;
    (void)state;
    tcpsift_tracker *a = make(&plain, 0);
    tcpsift_tracker *b = make(&streams, 1);
    full_conn(a, 43000, 300, 1000);
    full_conn(b, 43000, 300, 1000);
    tcpsift_tracker_finish(a);
    tcpsift_tracker_finish(b);
    assert_int_equal(plain.n, 1);
    assert_int_equal(streams.n, 1);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(plain.e[0].pkts[i], streams.e[0].pkts[i]);
        assert_int_equal(plain.e[0].bytes[i], streams.e[0].bytes[i]);
        assert_int_equal(plain.e[0].stream[i], 0);
        assert_int_equal(plain.e[0].gaps[i], 0);
        assert_int_equal(streams.e[0].gaps[i], 0);
    }
    assert_int_equal(plain.e[0].pkts[0], 5);
    assert_int_equal(plain.e[0].pkts[1], 3);
    assert_int_equal(plain.e[0].bytes[0], 300);
    assert_int_equal(plain.e[0].bytes[1], 0);
    assert_int_equal(streams.e[0].stream[0], 300);
    assert_int_equal(streams.e[0].stream[1], 0);
    assert_string_equal(plain.e[0].history, "ShADaFf");
    assert_string_equal(streams.e[0].history, "ShADaFf");
    assert_string_equal(plain.e[0].conn_state, "SF");
    assert_int_equal(plain.e[0].end, TCPSIFT_END_FIN);
    tcpsift_tracker_destroy(a);
    tcpsift_tracker_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finish_tcp_only),
        cmocka_unit_test(test_finish_tcp_then_udp),
        cmocka_unit_test(test_finish_udp_only),
        cmocka_unit_test(test_report_with_and_without_side_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tracker paths no other unit test reaches (found by fuzz/coverage.sh; the CLI's conformance
 * capture udp-datagrams.pcap covers the UDP ones end to end, these check them at the API):
 * UDP flows with framing on (each datagram is one WHOLE frame, contract `udp`; a datagram cut
 * by the snap length is TRUNCATED with the bytes present), off, or on without a frame
 * callback; packets that are neither TCP nor UDP, fragments and unusable L4 headers counted;
 * the argument contract of create/packet/finish and create's failures; the VLAN id a flow
 * reports; checksum-policy and connection-end names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define MAX_FRAMES 8

struct seen {
    unsigned frames, ends;
    struct {
        uint64_t conn;
        uint8_t proto;
        tcpsift_direction dir;
        tcpsift_frame_part part;
        tcpsift_frame_error error;
        uint64_t offset, len, data_len;
        size_t nsegs;
        uint8_t body[32];
    } f[MAX_FRAMES];
    tcpsift_conn_info end;
    uint8_t client_addr[4];
    uint16_t vlans[4]; /* conn.vlan of each report, in order */
};

static void on_frame(void *ctx, uint64_t conn_id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame)
{
    struct seen *s = ctx;
    assert_true(s->frames < MAX_FRAMES);
    unsigned i = s->frames++;
    s->f[i].conn = conn_id;
    s->f[i].proto = proto;
    s->f[i].dir = dir;
    s->f[i].part = frame->part;
    s->f[i].error = frame->error;
    s->f[i].offset = frame->offset;
    s->f[i].len = frame->len;
    s->f[i].data_len = frame->data_len;
    s->f[i].nsegs = frame->nsegs;
    assert_true(frame->data_len <= sizeof s->f[i].body);
    assert_int_equal(tcpsift_frame_copy_body(frame, s->f[i].body, sizeof s->f[i].body),
                     frame->data_len);
}

static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    struct seen *s = ctx;
    if (s->ends < 4) s->vlans[s->ends] = c->vlan;
    s->ends++;
    s->end = *c;
    memcpy(s->client_addr, c->client_addr, 4);
    s->end.client_addr = s->end.server_addr = NULL; /* valid only during the callback */
    s->end.conn_state = s->end.history = NULL;
    s->end.events = NULL;
}

static const uint8_t CLIENT[4] = {10, 0, 0, 1}, SERVER[4] = {10, 0, 0, 2};

/* Ethernet / IPv4 / UDP between CLIENT:5353 and SERVER:53. */
static void udp_frame(struct pb *p, int to_server, const char *payload)
{
    uint8_t udp[128];
    size_t n = strlen(payload);
    size_t u = udp_datagram(udp, sizeof udp, to_server ? 5353 : 53, to_server ? 53 : 5353,
                            (const uint8_t *)payload, n, -1);
    struct ip4_spec ip = ip4_default(17);
    memcpy(ip.src, to_server ? CLIENT : SERVER, 4);
    memcpy(ip.dst, to_server ? SERVER : CLIENT, 4);
    pb_eth_ipv4(p, &ip, udp, u);
}

/* Feeds: client "abc", server "hello", client "0123456789" captured 4 bytes short, client "". */
static tcpsift_tracker *run(int framing, int with_frame_cb, struct seen *s)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x30 + i);
    cfg.framing = framing;
    char why[100];
    assert_int_equal(tcpsift_framer_spec_parse("line", &cfg.framer, why, sizeof why), TCPSIFT_OK);
    cfg.cb.on_frame = with_frame_cb ? on_frame : NULL;
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = s;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    static const struct {
        int to_server;
        const char *payload;
        size_t cut;
    } feed[] = {{1, "abc", 0}, {0, "hello", 0}, {1, "0123456789", 4}, {1, "", 0}};
    for (size_t i = 0; i < sizeof feed / sizeof feed[0]; i++) {
        struct pb p;
        udp_frame(&p, feed[i].to_server, feed[i].payload);
        tcpsift_packet pkt;
        tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len - feed[i].cut, p.len);
        assert_true(pkt.layers & TCPSIFT_LAYER_UDP);
        assert_int_equal(pkt.payload_len, strlen(feed[i].payload));
        assert_int_equal(tcpsift_tracker_packet(t, &pkt, (int64_t)(i + 1) * 1000), TCPSIFT_OK);
    }
    tcpsift_tracker_finish(t);
    return t;
}

static void expect_flow(const struct seen *s, const tcpsift_tracker *t)
{
    assert_int_equal(s->ends, 1);
    assert_int_equal(s->end.proto, 17);
    assert_int_equal(s->end.id, 0);
    assert_memory_equal(s->client_addr, CLIENT, 4);
    assert_int_equal(s->end.client_port, 5353);
    assert_int_equal(s->end.server_port, 53);
    assert_int_equal(s->end.client.pkts, 3);
    assert_int_equal(s->end.client.bytes, 13);
    assert_int_equal(s->end.server.pkts, 1);
    assert_int_equal(s->end.server.bytes, 5);
    assert_int_equal(s->end.end, TCPSIFT_END_OPEN);
    assert_int_equal(s->end.first_ns, 1000);
    assert_int_equal(s->end.last_ns, 4000);
    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
    assert_int_equal(st->udp_packets, 4);
    assert_int_equal(st->udp_flows, 1);
    assert_int_equal(st->tcp_packets, 0);
}

static void test_udp_datagrams_are_frames(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof s);
    tcpsift_tracker *t = run(1, 1, &s);
    assert_int_equal(s.frames, 4);
    /* Offsets count each direction's datagram bytes (declared lengths). */
    static const struct {
        tcpsift_direction dir;
        tcpsift_frame_error error;
        uint64_t offset, len, data_len;
        const char *body;
    } want[4] = {
        {TCPSIFT_C2S, TCPSIFT_FRAME_OK, 0, 3, 3, "abc"},
        {TCPSIFT_S2C, TCPSIFT_FRAME_OK, 0, 5, 5, "hello"},
        {TCPSIFT_C2S, TCPSIFT_FRAME_TRUNCATED, 3, 10, 6, "012345"},
        {TCPSIFT_C2S, TCPSIFT_FRAME_OK, 13, 0, 0, ""},
    };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(s.f[i].conn, 0);
        assert_int_equal(s.f[i].proto, 17);
        assert_int_equal(s.f[i].part, TCPSIFT_FRAME_WHOLE);
        assert_int_equal(s.f[i].dir, want[i].dir);
        assert_int_equal(s.f[i].error, want[i].error);
        assert_int_equal(s.f[i].offset, want[i].offset);
        assert_int_equal(s.f[i].len, want[i].len);
        assert_int_equal(s.f[i].data_len, want[i].data_len);
        assert_int_equal(s.f[i].nsegs, want[i].data_len ? 1 : 0);
        assert_memory_equal(s.f[i].body, want[i].body, want[i].data_len);
    }
    expect_flow(&s, t);
    tcpsift_tracker_destroy(t);
}

/* Framing off, or on without an on_frame callback: no frames, the same flow report. */
static void test_udp_without_frames(void **state)
{
    (void)state;
    for (int framing = 0; framing <= 1; framing++) {
        struct seen s;
        memset(&s, 0, sizeof s);
        tcpsift_tracker *t = run(framing, framing ? 0 : 1, &s);
        assert_int_equal(s.frames, 0);
        expect_flow(&s, t);
        tcpsift_tracker_destroy(t);
    }
}

static void test_policy_and_end_names(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_checksum_policy_name(TCPSIFT_CHECKSUM_AUTO), "auto");
    assert_string_equal(tcpsift_checksum_policy_name(TCPSIFT_CHECKSUM_VERIFY), "verify");
    assert_string_equal(tcpsift_checksum_policy_name(TCPSIFT_CHECKSUM_OFF), "off");
    assert_string_equal(tcpsift_checksum_policy_name((tcpsift_checksum_policy)3), "unknown");
    tcpsift_checksum_policy p = TCPSIFT_CHECKSUM_AUTO;
    assert_int_equal(tcpsift_checksum_policy_parse("off", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_CHECKSUM_OFF);
    assert_int_equal(tcpsift_checksum_policy_parse("verify", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_CHECKSUM_VERIFY);
    assert_int_equal(tcpsift_checksum_policy_parse("auto", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_CHECKSUM_AUTO);
    p = TCPSIFT_CHECKSUM_OFF;
    assert_int_equal(tcpsift_checksum_policy_parse("Verify", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_checksum_policy_parse("", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_checksum_policy_parse(NULL, &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(p, TCPSIFT_CHECKSUM_OFF); /* untouched on error */
    assert_string_equal(tcpsift_conn_end_name(TCPSIFT_END_SYN_UNANSWERED), "syn_unanswered");
    assert_string_equal(tcpsift_conn_end_name((tcpsift_conn_end)(TCPSIFT_END_SYN_UNANSWERED + 1)),
                        "unknown");
}

/* Not TCP/UDP (ICMP), a fragment, an unknown link type (other), and TCP headers cut after or
 * before the ports and an IP header cut (malformed): counted, no flow. */
static void test_other_and_malformed_packets(void **state)
{
    (void)state;
    struct seen s;
    memset(&s, 0, sizeof s);
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = &s;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    static const uint8_t icmp[8] = {8, 0, 0xf7, 0xff, 0, 0, 0, 0}; /* echo request */
    struct pb p;
    tcpsift_packet pkt;
    struct ip4_spec ip = ip4_default(1);
    pb_eth_ipv4(&p, &ip, icmp, sizeof icmp);
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 1), TCPSIFT_OK);

    uint8_t udp[64];
    assert_int_equal(
        udp_datagram(udp, sizeof udp, 1, 2, (const uint8_t *)"0123456789abcdef", 16, -1), 24);
    ip = ip4_default(17);
    ip.frag = 0x2000; /* first fragment (MF): 16 of the datagram's 24 bytes */
    pb_eth_ipv4(&p, &ip, udp, 16);
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len);
    assert_true(pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 2), TCPSIFT_OK);

    pb_init(&p);
    pb_ethernet(&p, 0x0800);
    pb_default_ipv4_tcp(&p);
    size_t cut = 14 + 20 + 4; /* the ports and nothing more of the TCP header */
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, cut, p.len);
    assert_true(pkt.layers & TCPSIFT_LAYER_PORTS);
    assert_false(pkt.layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 3), TCPSIFT_OK);
    tcpsift_error cut_error = pkt.error;

    /* Cut before the ports, and inside the IP header: malformed too (the first was counted
     * other while the second one's TCP header, cut after the ports, was malformed). */
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, 14 + 20 + 2, p.len);
    assert_false(pkt.layers & TCPSIFT_LAYER_PORTS);
    assert_int_equal(pkt.error, TCPSIFT_E_TRUNCATED_TCP_HEADER);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 4), TCPSIFT_OK);
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, 14 + 12, p.len);
    assert_int_equal(pkt.error, TCPSIFT_E_TRUNCATED_IP_HEADER);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 5), TCPSIFT_OK);
    /* A link type the decoder does not know: other. */
    tcpsift_packet_decode(&pkt, 147 /* LINKTYPE_USER0 */, p.b, p.len, p.len);
    assert_int_equal(pkt.error, TCPSIFT_E_UNSUPPORTED_LINK_TYPE);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 6), TCPSIFT_OK);

    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
    assert_int_equal(st->packets, 6);
    assert_int_equal(st->other_packets, 3);
    assert_int_equal(st->malformed, 3);
    assert_int_equal(st->errors[cut_error], 2);
    assert_int_not_equal(cut_error, TCPSIFT_OK);
    assert_int_equal(st->tcp_packets + st->udp_packets, 0);
    assert_int_equal(st->tcp_connections + st->udp_flows, 0);
    tcpsift_tracker_finish(t);
    assert_int_equal(s.ends, 0);
    tcpsift_tracker_destroy(t);
}

/* NULL arguments are invalid_argument; after finish() packets are refused and finish() and
 * advance_time() do nothing (each connection still reported exactly once). */
static void test_argument_contract(void **state)
{
    (void)state;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(NULL, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_create(&cfg, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
    tcpsift_tracker_destroy(NULL);
    tcpsift_tracker_finish(NULL);
    tcpsift_tracker_advance_time(NULL, 5);
    assert_null(tcpsift_tracker_get_stats(NULL));

    struct seen s;
    memset(&s, 0, sizeof s);
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = &s;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    struct pb p;
    udp_frame(&p, 1, "abc");
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len);
    assert_int_equal(tcpsift_tracker_packet(NULL, &pkt, 1), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_packet(t, NULL, 1), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 1), TCPSIFT_OK);
    tcpsift_tracker_finish(t);
    assert_int_equal(s.ends, 1);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 2), TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_tracker_finish(t);
    tcpsift_tracker_advance_time(t, INT64_MAX);
    assert_int_equal(s.ends, 1);
    assert_int_equal(tcpsift_tracker_get_stats(t)->packets, 1);
    tcpsift_tracker_destroy(t);
}

/* Allocator counting live bytes, failing call number `fail_at` (1-based; 0 = never). */
struct flaky {
    size_t live;
    unsigned calls, fail_at;
};
static void *flaky_alloc(void *ctx, size_t n)
{
    struct flaky *f = ctx;
    if (++f->calls == f->fail_at) return NULL;
    f->live += n;
    return malloc(n);
}
static void flaky_free(void *ctx, void *p, size_t n)
{
    struct flaky *f = ctx;
    assert_true(f->live >= n);
    f->live -= n;
    free(p);
}

/* create() failing at its first or second allocation (the tracker, then its flow table) or on
 * a config the flow table refuses returns that error, hands out nothing and leaks nothing. */
static void test_create_failures(void **state)
{
    (void)state;
    for (unsigned fail = 1; fail <= 2; fail++) {
        struct flaky f = {0, 0, fail};
        tcpsift_allocator a = {flaky_alloc, flaky_free, &f};
        tcpsift_tracker_config cfg;
        tcpsift_tracker_config_init(&cfg);
        cfg.allocator = &a;
        tcpsift_tracker *t = (tcpsift_tracker *)(void *)&f; /* overwritten with NULL */
        assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_E_NO_MEMORY);
        assert_null(t);
        assert_int_equal(f.live, 0);
        assert_int_equal(f.calls, fail);
    }
    struct flaky f = {0, 0, 0};
    tcpsift_allocator a = {flaky_alloc, flaky_free, &f};
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.allocator = &a;
    cfg.max_connections = 0; /* tcpsift/flow_table.h: at least one */
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
    assert_int_equal(f.live, 0);
}

/* One UDP datagram CLIENT:5353 -> SERVER:53 inside 802.1Q VLAN `vid`. */
static void vlan_udp(struct pb *p, uint16_t vid)
{
    uint8_t udp[64];
    size_t u = udp_datagram(udp, sizeof udp, 5353, 53, (const uint8_t *)"q", 1, -1);
    struct ip4_spec ip = ip4_default(17);
    memcpy(ip.src, CLIENT, 4);
    memcpy(ip.dst, SERVER, 4);
    pb_init(p);
    pb_ethernet(p, 0x8100);
    pb_vlan(p, vid, 0x0800);
    pb_ipv4(p, &ip, udp, u);
}

/* The same flow in VLANs 42 and 43: two flows when the VLAN id is keyed (each reporting its
 * own), one flow reporting the first packet's VLAN when it is not. */
static void test_vlan_of_first_packet(void **state)
{
    (void)state;
    for (int keyed = 0; keyed <= 1; keyed++) {
        struct seen s;
        memset(&s, 0, sizeof s);
        tcpsift_tracker_config cfg;
        tcpsift_tracker_config_init(&cfg);
        cfg.key_vlan = keyed;
        cfg.cb.on_conn_end = on_end;
        cfg.cb.ctx = &s;
        tcpsift_tracker *t = NULL;
        assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
        static const uint16_t vids[2] = {42, 43};
        for (int i = 0; i < 2; i++) {
            struct pb p;
            vlan_udp(&p, vids[i]);
            tcpsift_packet pkt;
            assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len),
                             TCPSIFT_OK);
            assert_int_equal(pkt.vlan_count, 1);
            assert_int_equal(tcpsift_tracker_packet(t, &pkt, 1000 + i), TCPSIFT_OK);
        }
        tcpsift_tracker_finish(t);
        /* Flows are reported in id order. */
        assert_int_equal(s.ends, keyed ? 2 : 1);
        assert_int_equal(s.vlans[0], 42);
        if (keyed) assert_int_equal(s.vlans[1], 43);
        assert_int_equal(s.end.client.pkts, keyed ? 1 : 2);
        assert_int_equal(tcpsift_tracker_get_stats(t)->udp_flows, keyed ? 2 : 1);
        tcpsift_tracker_destroy(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_datagrams_are_frames),
        cmocka_unit_test(test_udp_without_frames),
        cmocka_unit_test(test_policy_and_end_names),
        cmocka_unit_test(test_other_and_malformed_packets),
        cmocka_unit_test(test_argument_contract),
        cmocka_unit_test(test_create_failures),
        cmocka_unit_test(test_vlan_of_first_packet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

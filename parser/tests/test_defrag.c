/* IP fragment reassembly pool: in order, reverse, overlaps (equal and conflicting, per policy
 * with overlap RESOLVE),
 * missing piece then timeout, caps, and every named error. Each fragment frame is decoded with
 * every prefix at the guard page (decode_pb) and the reassembled datagram is decoded again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"

#define SEC 1000000000LL
#define PAYLOAD 100 /* TCP payload bytes: the segment is 120 */

static uint8_t segment[PB_MAX];
static size_t segment_len;

/* A TCP segment with PAYLOAD patterned bytes and a correct checksum for `version`. */
static void make_segment(int version)
{
    segment_len = test_tcp_segment(segment, sizeof segment, version, PAYLOAD);
}

/* An Ethernet frame with an IPv4 fragment of `data` at byte offset `off`, TOS `tos`. */
static void frag4_tos(struct pb *p, uint16_t id, uint8_t proto, size_t off, int more,
                      const uint8_t *data, size_t len, uint8_t tos)
{
    struct ip4_spec ip = ip4_default(proto);
    ip.tos = tos;
    ip.id = id;
    ip.frag = (uint16_t)((more ? 0x2000 : 0) | off / 8);
    ip.l4_csum = 0;
    pb_eth_ipv4(p, &ip, data, len);
}

static void frag4(struct pb *p, uint16_t id, uint8_t proto, size_t off, int more,
                  const uint8_t *data, size_t len)
{
    frag4_tos(p, id, proto, off, more, data, len, 0);
}

/* An IPv6 fragment whose fragment header names `next`; with `hbh` a hop-by-hop header precedes
 * the fragment header. Traffic class `tclass`. */
static void frag6_tc(struct pb *p, uint32_t id, uint8_t next, size_t off, int more,
                     const uint8_t *data, size_t len, int hbh, uint8_t tclass)
{
    uint8_t ext[64];
    size_t e = 0;
    if (hbh) e = ext_opts(ext, 44, 0);
    e += ext_frag(ext + e, next, (uint16_t)(off / 8), more, id);
    struct ip6_spec ip = ip6_default(6);
    ip.tclass = tclass;
    ip.next = hbh ? 0 : 44;
    ip.ext = ext;
    ip.ext_len = e;
    ip.l4_csum = 0;
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, &ip, data, len);
}

static void frag6_next(struct pb *p, uint32_t id, uint8_t next, size_t off, int more,
                       const uint8_t *data, size_t len, int hbh)
{
    frag6_tc(p, id, next, off, more, data, len, hbh, 0);
}

/* An IPv6 fragment of a TCP segment. */
static void frag6(struct pb *p, uint32_t id, size_t off, int more, const uint8_t *data, size_t len,
                  int hbh)
{
    frag6_next(p, id, 6, off, more, data, len, hbh);
}

/* Decode a built frame (all prefixes under the guard page) and feed it. */
static tcpsift_error feed(tcpsift_defrag *df, const struct pb *p, int64_t ts, uint8_t *out,
                          size_t *out_len, int *overlapped)
{
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, p);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    tcpsift_bytes dg;
    tcpsift_error rc = tcpsift_defrag_feed(df, &d.pkt, ts, &dg, overlapped);
    *out_len = dg.len;
    if (dg.ptr) memcpy(out, dg.ptr, dg.len);
    if (rc != TCPSIFT_OK) assert_null(dg.ptr);
    guard_release(&d.g);
    return rc;
}

static tcpsift_defrag *make_pool(tcpsift_overlap_policy policy)
{
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.overlap = TCPSIFT_DEFRAG_RESOLVE; /* the policies; discarding: test_defrag_discard */
    cfg.policy = policy;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    return df;
}

static size_t load16(const uint8_t *b);

/* The reassembled datagram is the original segment behind a fixed IP header. */
static void expect_segment(const uint8_t *dg, size_t len, int version, int ext_count)
{
    struct decoded r;
    decode_all(&r, TCPSIFT_LINK_RAW, dg, len, len);
    const tcpsift_packet *p = &r.pkt;
    assert_int_equal(p->error, TCPSIFT_OK);
    assert_int_equal(p->ip_version, version);
    assert_false(p->layers & TCPSIFT_LAYER_FRAGMENT);
    assert_true(p->layers & TCPSIFT_LAYER_TCP);
    assert_int_equal(p->ipv6_ext_count, ext_count);
    assert_int_equal(p->l4_length, segment_len);
    assert_memory_equal(dg + p->l4_offset, segment, segment_len);
    assert_int_equal(p->payload_len, PAYLOAD);
    assert_int_equal(p->sport, 40000);
    assert_int_equal(p->l4_csum, TCPSIFT_CSUM_GOOD);
    if (version == 4) {
        assert_int_equal(p->ip_csum, TCPSIFT_CSUM_GOOD);
        assert_int_equal(p->more_fragments, 0);
        assert_int_equal(p->frag_offset, 0);
        assert_int_equal(load16(dg + 2), len); /* total length rewritten */
    }
    decoded_release(&r);
}

static size_t load16(const uint8_t *b) { return (size_t)b[0] << 8 | b[1]; }

static const size_t CUTS[4] = {0, 48, 96, 120};

static void run_order(int version, const int *order, int hbh)
{
    make_segment(version);
    tcpsift_defrag *df = make_pool(TCPSIFT_OVERLAP_FIRST);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    for (int k = 0; k < 3; k++) {
        int i = order[k];
        struct pb p;
        int more = i < 2;
        if (version == 4)
            frag4(&p, 0x4242, 6, CUTS[i], more, segment + CUTS[i], CUTS[i + 1] - CUTS[i]);
        else
            frag6(&p, 0xABCDEF01, CUTS[i], more, segment + CUTS[i], CUTS[i + 1] - CUTS[i], hbh);
        int ov = -1;
        assert_int_equal(feed(df, &p, k * SEC, out, &out_len, &ov), TCPSIFT_OK);
        assert_int_equal(ov, 0);
        assert_int_equal(out_len, k == 2 ? (version == 4 ? 20 : 40 + (hbh ? 8 : 0)) + 120 : 0);
    }
    expect_segment(out, out_len, version, hbh ? 1 : 0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->fragments, 3);
    assert_int_equal(s->reassembled, 1);
    assert_int_equal(s->in_progress, 0);
    assert_int_equal(s->overlaps, 0);
    assert_true(s->memory > 0); /* the handed-out datagram, until the next call */
    tcpsift_defrag_expire(df, 0);
    tcpsift_defrag_destroy(df);
}

/* key_vlan / key_tunnel: fragments with equal addresses and id that came on two VLANs or in
 * two tunnels are two datagrams when those ids are keyed (the tracker keeps their connections
 * apart), one otherwise. The ids are set on the decoded fragments as a tunnel would set them. */
static void test_vlan_and_tunnel_keys(void **state)
{
    (void)state;
    make_segment(4);
    for (int keyed = 0; keyed < 2; keyed++) {
        for (int by_tunnel = 0; by_tunnel < 2; by_tunnel++) {
            tcpsift_defrag_config cfg;
            tcpsift_defrag_config_init(&cfg);
            cfg.key_vlan = keyed && !by_tunnel;
            cfg.key_tunnel = keyed && by_tunnel;
            tcpsift_defrag *df = NULL;
            assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
            tcpsift_bytes dg = {0};
            for (int part = 0; part < 2; part++) {
                struct pb p;
                frag4(&p, 0x77, 6, part ? 16 : 0, !part, segment + (part ? 16 : 0),
                      part ? segment_len - 16 : 16);
                tcpsift_packet pkt;
                assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len,
                                                       p.len), TCPSIFT_OK);
                if (by_tunnel) {
                    pkt.tunnel_id_kind = TCPSIFT_ENCAP_GRE;
                    pkt.tunnel_id = 100u + (uint32_t)part;
                } else {
                    pkt.layers |= TCPSIFT_LAYER_VLAN;
                    pkt.vlan_count = 1;
                    pkt.vlan_ids[0] = (uint16_t)(10 + part);
                }
                int overlapped;
                assert_int_equal(tcpsift_defrag_feed(df, &pkt, part, &dg, &overlapped),
                                 TCPSIFT_OK);
            }
            if (keyed)
                assert_null(dg.ptr); /* the second fragment started a datagram of its own */
            else
                assert_non_null(dg.ptr);
            tcpsift_defrag_destroy(df);
        }
    }
}

static void test_ipv4_in_order_and_reverse(void **state)
{
    (void)state;
    const int in_order[3] = {0, 1, 2}, reverse[3] = {2, 1, 0}, middle_last[3] = {0, 2, 1};
    run_order(4, in_order, 0);
    run_order(4, reverse, 0);
    run_order(4, middle_last, 0);
}

static void test_ipv6_in_order_and_reverse(void **state)
{
    (void)state;
    const int in_order[3] = {0, 1, 2}, reverse[3] = {2, 1, 0};
    run_order(6, in_order, 0);
    run_order(6, reverse, 0);
    run_order(6, in_order, 1); /* hop-by-hop stays in the unfragmentable part */
    run_order(6, reverse, 1);
}

/* Fragments [24,72) then [0,48) (conflicting on [24,48) when `conflict`), then [72,120). */
static void run_overlap(tcpsift_overlap_policy policy, int conflict, int expect_new_wins)
{
    make_segment(4);
    uint8_t alt[48];
    memcpy(alt, segment, 48);
    if (conflict) memset(alt + 24, 0xEE, 24);
    tcpsift_defrag *df = make_pool(policy);
    uint8_t out[PB_MAX];
    size_t out_len;
    int ov;
    struct pb p;
    frag4(&p, 7, 6, 24, 1, segment + 24, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, &ov), TCPSIFT_OK);
    assert_int_equal(ov, 0);
    frag4(&p, 7, 6, 0, 1, alt, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, &ov), TCPSIFT_OK);
    assert_int_equal(ov, 1);
    frag4(&p, 7, 6, 72, 0, segment + 72, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, &ov), TCPSIFT_OK);
    assert_int_equal(ov, 0);
    assert_int_equal(out_len, 140);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->overlaps, 1);
    assert_int_equal(s->conflicts, conflict ? 1 : 0);
    assert_int_equal(s->reassembled, 1);
    assert_memory_equal(out + 20, segment, 24);
    assert_memory_equal(out + 20 + 48, segment + 48, 72);
    if (!conflict || !expect_new_wins) {
        assert_memory_equal(out + 20 + 24, segment + 24, 24);
        expect_segment(out, out_len, 4, 0);
    } else {
        assert_memory_equal(out + 20 + 24, alt + 24, 24);
    }
    tcpsift_defrag_destroy(df);
}

static void test_overlap_equal_and_conflicting(void **state)
{
    (void)state;
    run_overlap(TCPSIFT_OVERLAP_FIRST, 0, 0);
    run_overlap(TCPSIFT_OVERLAP_FIRST, 1, 0);
    run_overlap(TCPSIFT_OVERLAP_LAST, 1, 1);
    run_overlap(TCPSIFT_OVERLAP_BSD, 1, 1);     /* the new copy starts before the old one */
    run_overlap(TCPSIFT_OVERLAP_SOLARIS, 1, 0); /* it ends before the old one */
}

static void test_missing_piece_then_timeout(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag *df = make_pool(TCPSIFT_OVERLAP_FIRST);
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    frag4(&p, 1, 6, 0, 1, segment, 48);
    assert_int_equal(feed(df, &p, 10 * SEC, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 1, 6, 96, 0, segment + 96, 24);
    assert_int_equal(feed(df, &p, 20 * SEC, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_defrag_get_stats(df)->in_progress, 1);
    /* 30 s after the first fragment exactly: still held. */
    tcpsift_defrag_expire(df, 40 * SEC);
    assert_int_equal(tcpsift_defrag_get_stats(df)->timed_out, 0);
    /* The missing piece arrives too late: the datagram was dropped, this starts a new one. */
    frag4(&p, 1, 6, 48, 1, segment + 48, 48);
    assert_int_equal(feed(df, &p, 40 * SEC + 1, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->timed_out, 1);
    assert_int_equal(s->in_progress, 1);
    assert_int_equal(s->reassembled, 0);
    tcpsift_defrag_destroy(df);
}

/* A first fragment of datagram `id` (IPv4) at packet time `t` seconds. */
static void start_datagram(tcpsift_defrag *df, uint16_t id, int64_t t)
{
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    frag4(&p, id, 6, 0, 1, segment, 48);
    assert_int_equal(feed(df, &p, t * SEC, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
}

/* The rest of datagram `id` at time `t` seconds: 1 when it completed the original segment. */
static int finish_datagram(tcpsift_defrag *df, uint16_t id, int64_t t)
{
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    frag4(&p, id, 6, 48, 0, segment + 48, segment_len - 48);
    assert_int_equal(feed(df, &p, t * SEC, out, &out_len, NULL), TCPSIFT_OK);
    if (out_len == 0) return 0;
    expect_segment(out, out_len, 4, 0);
    return 1;
}

/* Timeouts count from each datagram's first fragment even when packet time steps back, and
 * eviction takes the datagram created first whatever its time: the pool keeps both orders
 * without visiting every slot (a datagram started at an earlier time than one before it must
 * still time out on time). */
static void test_expiry_when_time_steps_back(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag *df = make_pool(TCPSIFT_OVERLAP_FIRST);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    /* In time order: each goes 30 s after its first fragment, the others stay. */
    start_datagram(df, 1, 0);
    start_datagram(df, 2, 10);
    start_datagram(df, 3, 20);
    tcpsift_defrag_expire(df, 31 * SEC);
    assert_int_equal(s->timed_out, 1);
    assert_int_equal(s->in_progress, 2);
    tcpsift_defrag_expire(df, 45 * SEC);
    assert_int_equal(s->timed_out, 2);
    assert_true(finish_datagram(df, 3, 46));
    assert_int_equal(s->in_progress, 0);

    /* Out of time order: started at 100, 50, 120, 60 s (in that order). */
    start_datagram(df, 11, 100);
    start_datagram(df, 12, 50);
    start_datagram(df, 13, 120);
    start_datagram(df, 14, 60);
    tcpsift_defrag_expire(df, 85 * SEC); /* 50 + 35: only datagram 12 */
    assert_int_equal(s->timed_out, 3);
    assert_int_equal(s->in_progress, 3);
    /* Time steps back again: a datagram at 40 s must go at 71 s, though 60 s was the earliest
     * left after the last expiry. */
    start_datagram(df, 15, 40);
    tcpsift_defrag_expire(df, 71 * SEC);
    assert_int_equal(s->timed_out, 4);
    assert_int_equal(s->in_progress, 3);
    tcpsift_defrag_expire(df, 91 * SEC); /* 60 + 31: datagram 14 */
    assert_int_equal(s->timed_out, 5);
    tcpsift_defrag_expire(df, 131 * SEC); /* 100 + 31: datagram 11; 13 (120) stays */
    assert_int_equal(s->timed_out, 6);
    assert_int_equal(s->in_progress, 1);
    assert_false(finish_datagram(df, 11, 131)); /* gone: this starts it anew */
    assert_true(finish_datagram(df, 13, 132));
    assert_int_equal(s->timed_out, 6);
    assert_int_equal(s->in_progress, 1); /* 11, started anew at 131 s */
    /* Started at 200, 150, 160 s; the middle one completes, which leaves 200 before 160 as
     * neighbours: 160 s must still go at 191 s. */
    start_datagram(df, 31, 200);
    start_datagram(df, 32, 150);
    start_datagram(df, 33, 160);
    assert_true(finish_datagram(df, 32, 161));
    tcpsift_defrag_expire(df, 191 * SEC); /* 11 (131 s) and 33 (160 s) */
    assert_int_equal(s->timed_out, 8);
    assert_int_equal(s->in_progress, 1);
    assert_true(finish_datagram(df, 31, 192));
    tcpsift_defrag_destroy(df);

    /* Full pool, times out of order: the datagram created first is evicted, not the one with
     * the earliest time. */
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagrams = 2;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    s = tcpsift_defrag_get_stats(df);
    start_datagram(df, 21, 100);
    start_datagram(df, 22, 90);
    start_datagram(df, 23, 95); /* evicts 21 */
    assert_int_equal(s->evicted, 1);
    assert_true(finish_datagram(df, 22, 96));
    assert_true(finish_datagram(df, 23, 97));
    assert_int_equal(s->evicted, 1);
    assert_int_equal(s->in_progress, 0);
    tcpsift_defrag_destroy(df);
}

/* Many datagrams in progress at once, from the same addresses or differing only in version or
 * protocol, some sharing hash chains (a small pool, and a zero key): each completes with its own
 * bytes, whatever order their pieces come in, and the slots freed are used again. */
static void test_many_datagrams_in_progress(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagrams = 48;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    for (int round = 0; round < 3; round++) {
        /* 40 IPv4 first fragments, ids spread over the round. */
        for (uint16_t i = 0; i < 40; i++) start_datagram(df, (uint16_t)(round * 1000 + i * 7), round);
        /* Same id, other protocol (UDP): a datagram of its own (RFC 791's key has the
         * protocol); and an IPv6 one with the same id. */
        uint8_t other[56];
        memset(other, 0xA5, sizeof other);
        frag4(&p, (uint16_t)(round * 1000), 17, 0, 1, other, 48);
        assert_int_equal(feed(df, &p, round * SEC, out, &out_len, NULL), TCPSIFT_OK);
        make_segment(6);
        frag6(&p, (uint32_t)(round * 1000), 0, 1, segment, 48, 0);
        assert_int_equal(feed(df, &p, round * SEC, out, &out_len, NULL), TCPSIFT_OK);
        frag6(&p, (uint32_t)(round * 1000), 48, 0, segment + 48, segment_len - 48, 0);
        assert_int_equal(feed(df, &p, round * SEC, out, &out_len, NULL), TCPSIFT_OK);
        expect_segment(out, out_len, 6, 0);
        make_segment(4);
        assert_int_equal(s->in_progress, 41);
        /* The IPv4 TCP ones complete in reverse order, each with its own segment. */
        for (int i = 39; i >= 0; i--)
            assert_true(finish_datagram(df, (uint16_t)(round * 1000 + i * 7), round));
        assert_int_equal(s->in_progress, 1);
        frag4(&p, (uint16_t)(round * 1000), 17, 48, 0, other + 48, 8);
        assert_int_equal(feed(df, &p, round * SEC, out, &out_len, NULL), TCPSIFT_OK);
        assert_int_equal(out_len, 20 + 56);
        assert_memory_equal(out + 20, other, 56);
        assert_int_equal(s->in_progress, 0);
    }
    assert_int_equal(s->reassembled, 3 * 42);
    assert_int_equal(s->evicted, 0);
    tcpsift_defrag_destroy(df);
}

/* Counting allocator: the pool must give back everything and never hold more than its cap. */
struct counter {
    size_t live, peak;
};
static void *count_alloc(void *ctx, size_t n)
{
    struct counter *c = ctx;
    c->live += n;
    if (c->live > c->peak) c->peak = c->live;
    return malloc(n);
}
static void count_free(void *ctx, void *p, size_t n)
{
    struct counter *c = ctx;
    c->live -= n;
    free(p);
}

static void test_caps_exhausted(void **state)
{
    (void)state;
    make_segment(4);
    struct counter cnt = {0, 0};
    tcpsift_allocator a = {count_alloc, count_free, &cnt};
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagrams = 2;
    cfg.allocator = &a;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    for (uint16_t id = 1; id <= 3; id++) {
        frag4(&p, id, 6, 0, 1, segment, 48);
        assert_int_equal(feed(df, &p, id, out, &out_len, NULL), TCPSIFT_OK);
    }
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->evicted, 1);
    assert_int_equal(s->in_progress, 2);
    /* Datagram 1 was evicted (it started first): its rest cannot complete it. */
    frag4(&p, 1, 6, 48, 0, segment + 48, 72);
    assert_int_equal(feed(df, &p, 4, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(s->evicted, 2); /* and starting it again evicted datagram 2 */
    frag4(&p, 3, 6, 48, 0, segment + 48, 72);
    assert_int_equal(feed(df, &p, 5, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 140);
    expect_segment(out, out_len, 4, 0);
    tcpsift_defrag_destroy(df);
    assert_int_equal(cnt.live, 0);

    /* Memory cap: room for one datagram buffer; a second datagram evicts the first. */
    cnt.peak = 0;
    tcpsift_defrag_config_init(&cfg);
    cfg.allocator = &a;
    cfg.memory_cap = 2048 + 512;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    size_t base = cnt.live;
    frag4(&p, 1, 6, 0, 1, segment, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 2, 6, 0, 1, segment, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->evicted, 1);
    assert_int_equal(s->in_progress, 1);
    assert_true(s->memory_peak <= cfg.memory_cap);
    assert_true(cnt.peak - base <= cfg.memory_cap);
    /* A fragment ending far away needs a bigger buffer than the cap allows. */
    frag4(&p, 3, 6, 8000, 1, segment, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_NO_MEMORY);
    assert_int_equal(s->errors[TCPSIFT_E_NO_MEMORY], 1);
    assert_true(cnt.peak - base <= cfg.memory_cap);
    tcpsift_defrag_destroy(df);
    assert_int_equal(cnt.live, 0);
}

static void test_named_errors(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.reject_tiny = 1;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);

    /* Not a multiple of 8: refused for IPv6 (Linux ip6_frag_queue(): "if (end & 0x7)" sends a
     * parameter problem). IPv4 used to be refused here too; Linux ip_frag_queue() trims it
     * instead ("if (end & 7) end &= ~7;"): test_ipv4_unaligned_fragment_trimmed. */
    frag6(&p, 1, 0, 1, segment, 44, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_BAD_LENGTH);
    assert_int_equal(s->in_progress, 0);
    frag4(&p, 1, 6, 65520, 0, segment, 40); /* 65520 + 40 > 65535 - 20 */
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TOO_LARGE);
    frag4(&p, 1, 6, 0, 1, segment, 16); /* TCP header split (RFC 1858 §3) */
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TINY);
    frag4(&p, 1, 6, 8, 1, segment + 8, 16); /* overwrites the TCP flags (RFC 1858 §4) */
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TINY);
    assert_int_equal(s->tiny, 2);
    frag4(&p, 1, 17, 0, 1, segment, 16); /* a short first fragment is fine for UDP */
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(s->in_progress, 1);

    /* Teardrop: a last fragment ending inside bytes already held drops the datagram. */
    frag4(&p, 2, 6, 0, 1, segment, 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 2, 6, 24, 0, segment + 24, 4);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TEARDROP);
    assert_int_equal(s->in_progress, 1);
    /* ... and so does a fragment past the end the last one set. */
    frag4(&p, 3, 6, 48, 0, segment + 48, 8);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 3, 6, 48, 1, segment + 48, 16);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TEARDROP);

    /* Duplicate last fragment: same end is an overlap (an exact duplicate: ignored), another end
     * an error. */
    frag4(&p, 4, 6, 96, 0, segment + 96, 24);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(s->overlaps, 1);
    frag4(&p, 4, 6, 96, 0, segment + 96, 20);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_DUPLICATE_LAST);
    assert_int_equal(s->in_progress, 1);

    /* A fragment cut by the snap length cannot be reassembled. */
    frag4(&p, 5, 6, 0, 1, segment, 48);
    p.len -= 1;
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TRUNCATED);

    /* Not a fragment at all. */
    struct pb whole;
    pb_init(&whole);
    pb_ethernet(&whole, 0x0800);
    pb_default_ipv4_tcp(&whole);
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, whole.b, whole.len, whole.len);
    tcpsift_bytes dg;
    assert_int_equal(tcpsift_defrag_feed(df, &pkt, 0, &dg, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(dg.ptr);

    assert_int_equal(s->errors[TCPSIFT_E_FRAG_BAD_LENGTH], 1);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TOO_LARGE], 1);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TINY], 2);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TEARDROP], 2);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_DUPLICATE_LAST], 1);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TRUNCATED], 1);
    assert_int_equal(s->errors[TCPSIFT_E_INVALID_ARGUMENT], 1);
    assert_int_equal(s->reassembled, 0);
    tcpsift_defrag_destroy(df);
}

/* By default 8-byte TCP fragments at offsets 0, 8, 16 (as in Suricata's bug-6887 capture) are
 * counted as tiny but reassembled, like tshark and Suricata. */
static void test_tiny_fragments_accepted_by_default(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag *df = make_pool(TCPSIFT_OVERLAP_FIRST);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    struct pb p;
    for (size_t off = 0; off < segment_len; off += 8) {
        size_t len = segment_len - off < 8 ? segment_len - off : 8;
        frag4(&p, 77, 6, off, off + len < segment_len, segment + off, len);
        assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    }
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->tiny, 2);
    assert_int_equal(s->reassembled, 1);
    assert_int_equal(s->fragments, 15);
    expect_segment(out, out_len, 4, 0);
    tcpsift_defrag_destroy(df);
}

static void test_ipv4_udp_and_config_checks(void **state)
{
    (void)state;
    uint8_t payload[64], udp[128];
    for (int i = 0; i < 64; i++) payload[i] = (uint8_t)i;
    size_t n = udp_datagram(udp, sizeof udp, 5353, 53, payload, sizeof payload, -1);
    tcpsift_defrag *df = make_pool(TCPSIFT_OVERLAP_LAST);
    uint8_t out[PB_MAX];
    size_t out_len;
    struct pb p;
    frag4(&p, 9, 17, 32, 0, udp + 32, n - 32);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 9, 17, 0, 1, udp, 32);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + n);
    struct decoded r;
    decode_all(&r, TCPSIFT_LINK_RAW, out, out_len, out_len);
    assert_int_equal(r.pkt.error, TCPSIFT_OK);
    assert_true(r.pkt.layers & TCPSIFT_LAYER_UDP);
    assert_int_equal(r.pkt.dport, 53);
    assert_int_equal(r.pkt.payload_len, 64);
    assert_memory_equal(r.pkt.payload.ptr, payload, 64);
    decoded_release(&r);
    tcpsift_defrag_destroy(df);

    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagrams = 0;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagram_bytes = 70000;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_defrag_config_init(&cfg);
    cfg.overlap = TCPSIFT_DEFRAG_OVERLAP_COUNT_;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    /* An allocator missing a hook is refused before anything is allocated (it crashed). */
    tcpsift_allocator half = {count_alloc, NULL, NULL};
    tcpsift_defrag_config_init(&cfg);
    cfg.allocator = &half;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    half.alloc = NULL;
    half.free = count_free;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
}

/* memory_cap 0 is no cap of the pool's own, as every other cap's 0 (it refused every fragment
 * with no_memory); NULL arguments are named errors or no-ops, never a crash. */
static void test_no_memory_cap_and_null_arguments(void **state)
{
    (void)state;
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.memory_cap = 0;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    make_segment(4);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    for (int i = 0; i < 3; i++) {
        struct pb p;
        frag4(&p, 0x77, 6, CUTS[i], i < 2, segment + CUTS[i], CUTS[i + 1] - CUTS[i]);
        assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    }
    assert_int_equal(out_len, 20 + 120);
    expect_segment(out, out_len, 4, 0);

    struct pb p;
    frag4(&p, 0x78, 6, 0, 1, segment, 48);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    tcpsift_bytes dg = {(const uint8_t *)"x", 1};
    int ov = 7;
    assert_int_equal(tcpsift_defrag_feed(NULL, &d.pkt, 0, &dg, &ov), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(dg.ptr);
    assert_int_equal(dg.len, 0);
    assert_int_equal(ov, 0);
    assert_int_equal(tcpsift_defrag_feed(df, NULL, 0, &dg, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_defrag_feed(df, &d.pkt, 0, NULL, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_defrag_get_stats(df)->fragments, 3); /* none of those was taken */
    guard_release(&d.g);
    assert_null(tcpsift_defrag_get_stats(NULL));
    tcpsift_defrag_expire(NULL, 0);
    tcpsift_defrag_config_init(NULL);
    tcpsift_defrag_destroy(df);
}

/* RFC 8200 §4.5, RFC 7112 (tests below): an IPv6 first fragment must hold the whole header chain
 * through the upper-layer header; hosts discard it otherwise (Linux since 5.10). */
static tcpsift_defrag *make_default_pool(int accept_incomplete_chain)
{
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.accept_incomplete_chain = accept_incomplete_chain;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    return df;
}

/* Feed fragment [off, off + len) of `chain` (the fragmentable part, its first header `next`). */
static tcpsift_error feed_chain(tcpsift_defrag *df, uint32_t id, uint8_t next, const uint8_t *chain,
                                size_t off, size_t len, int more, uint8_t *out, size_t *out_len)
{
    struct pb p;
    frag6_next(&p, id, next, off, more, chain + off, len, 0);
    return feed(df, &p, 0, out, out_len, NULL);
}

/* A first fragment with 8 of the TCP header's 20 bytes is refused, and the rest of its datagram
 * (before or after it) never completes: the host never sees this segment. IPv4 is unchanged. */
static void test_ipv6_first_fragment_splits_tcp_header(void **state)
{
    (void)state;
    make_segment(6);
    tcpsift_defrag *df = make_default_pool(0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    struct pb p;
    frag6(&p, 1, 0, 1, segment, 8, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(s->in_progress, 0); /* not stored */
    assert_int_equal(s->tiny, 1);        /* still counted as an RFC 1858 tiny fragment */
    frag6(&p, 1, 8, 0, segment + 8, segment_len - 8, 0);
    assert_int_equal(feed(df, &p, 1, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    /* The same datagram with its first fragment last. */
    frag6(&p, 2, 8, 0, segment + 8, segment_len - 8, 0);
    assert_int_equal(feed(df, &p, 2, out, &out_len, NULL), TCPSIFT_OK);
    frag6(&p, 2, 0, 1, segment, 8, 0);
    assert_int_equal(feed(df, &p, 3, out, &out_len, NULL),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(out_len, 0);
    tcpsift_defrag_expire(df, 40 * SEC);
    assert_int_equal(s->timed_out, 2);
    assert_int_equal(s->reassembled, 0);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE], 2);
    tcpsift_defrag_destroy(df);

    /* With reject_tiny the RFC 1858 verdict comes first, as before. */
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.reject_tiny = 1;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    frag6(&p, 3, 0, 1, segment, 8, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_TINY);
    tcpsift_defrag_destroy(df);

    /* IPv4 hosts take such fragments: reassembled. */
    make_segment(4);
    df = make_default_pool(0);
    frag4(&p, 4, 6, 0, 1, segment, 8);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 4, 6, 8, 0, segment + 8, segment_len - 8);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    expect_segment(out, out_len, 4, 0);
    tcpsift_defrag_destroy(df);
}

/* An extension header after the fragment header that runs past the first fragment, or whose
 * upper-layer header is missing, is refused; with the chain and 24 TCP bytes it reassembles. A
 * chain cut before a second extension header's first two bytes is taken, as Linux takes it
 * (ipv6_skip_exthdr() cannot read it, so ipv6frag_thdr_truncated() says not truncated), and
 * reassembles once its other fragments arrive. */
static void test_ipv6_first_fragment_ext_header_past_fragment(void **state)
{
    (void)state;
    make_segment(6);
    uint8_t chain[PB_MAX];
    size_t n = ext_opts(chain, 6, 1); /* 16 bytes of destination options, then TCP */
    memcpy(chain + n, segment, segment_len);
    n += segment_len;
    tcpsift_defrag *df = make_default_pool(0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    assert_int_equal(feed_chain(df, 1, 60, chain, 0, 8, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(feed_chain(df, 2, 60, chain, 0, 16, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(s->in_progress, 0);
    assert_int_equal(feed_chain(df, 4, 60, chain, 0, 40, 1, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_chain(df, 4, 60, chain, 40, n - 40, 0, out, &out_len), TCPSIFT_OK);
    expect_segment(out, out_len, 6, 1);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE], 2);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TRUNCATED], 0);
    /* Destination Options (8 bytes) naming Destination Options (16 bytes) naming TCP: cut after
     * the first header, Linux cannot read the second and takes the fragment. */
    uint8_t two[PB_MAX];
    size_t m = ext_opts(two, 60, 0);
    m += ext_opts(two + m, 6, 1);
    memcpy(two + m, segment, segment_len);
    m += segment_len;
    assert_int_equal(feed_chain(df, 5, 60, two, 0, 8, 1, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_chain(df, 5, 60, two, 8, m - 8, 0, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 40 + m);
    assert_memory_equal(out + 40 + 24, segment, segment_len);
    /* Cut inside the second header's first 8 bytes (its first two readable): it runs past the
     * fragment, and the upper layer after it is missing: refused. */
    assert_int_equal(feed_chain(df, 6, 60, two, 0, 16, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    /* No Next Header ends the walk: taken. */
    (void)ext_opts(two, 59, 0);
    assert_int_equal(feed_chain(df, 7, 60, two, 0, 8, 1, out, &out_len), TCPSIFT_OK);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE], 3);
    tcpsift_defrag_destroy(df);
}

/* The upper-layer minimum after the extension headers: TCP 20 bytes, UDP 8, ICMPv6 8. AH
 * ((n + 2) * 4 bytes) lets a fragment of a multiple of 8 end at any multiple of 4. */
static void test_ipv6_first_fragment_upper_layer_minimum(void **state)
{
    (void)state;
    make_segment(6);
    uint8_t chain[PB_MAX], out[PB_MAX];
    size_t out_len = 0;
    tcpsift_defrag *df = make_default_pool(0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);

    /* AH of 12 bytes + exactly the 20-byte TCP header. */
    size_t n = ext_ah(chain, 6, 1);
    memcpy(chain + n, segment, segment_len);
    n += segment_len;
    assert_int_equal(feed_chain(df, 1, 51, chain, 0, 32, 1, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_chain(df, 1, 51, chain, 32, n - 32, 0, out, &out_len), TCPSIFT_OK);
    expect_segment(out, out_len, 6, 1);
    /* AH of 16 bytes + 16 TCP bytes. */
    n = ext_ah(chain, 6, 2);
    memcpy(chain + n, segment, segment_len);
    assert_int_equal(feed_chain(df, 2, 51, chain, 0, 32, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);

    uint8_t payload[64], udp[128];
    for (int i = 0; i < 64; i++) payload[i] = (uint8_t)i;
    size_t u = udp_datagram(udp, sizeof udp, 5353, 53, payload, sizeof payload, -1);
    /* UDP: 8 bytes are enough ... */
    assert_int_equal(feed_chain(df, 3, 17, udp, 0, 8, 1, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_chain(df, 3, 17, udp, 8, u - 8, 0, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 40 + u);
    /* ... 4 are not (AH of 12 bytes first). */
    n = ext_ah(chain, 17, 1);
    memcpy(chain + n, udp, u);
    assert_int_equal(feed_chain(df, 4, 51, chain, 0, 16, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    /* ICMPv6 (Linux: sizeof(struct icmp6hdr), 8 bytes): 4 are not enough, 8 are. */
    n = ext_ah(chain, 58, 1);
    memset(chain + n, 0x80, 64);
    assert_int_equal(feed_chain(df, 5, 51, chain, 0, 16, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(feed_chain(df, 6, 58, chain + n, 0, 8, 1, out, &out_len), TCPSIFT_OK);
    /* Any other upper layer, ESP included (Linux does not walk it): 1 byte. Here the fragment
     * ends right after the options, then holds 8 bytes more. */
    (void)ext_opts(chain, 50, 0);
    assert_int_equal(feed_chain(df, 7, 60, chain, 0, 8, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(feed_chain(df, 8, 60, chain, 0, 16, 1, out, &out_len), TCPSIFT_OK);
    (void)ext_opts(chain, 47, 0);
    assert_int_equal(feed_chain(df, 9, 60, chain, 0, 8, 1, out, &out_len),
                     TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE], 5);
    assert_int_equal(s->reassembled, 2);
    tcpsift_defrag_destroy(df);
}

/* An atomic fragment (offset 0, no more fragments) is a whole datagram (RFC 6946): the decoder
 * does not mark it a fragment, so it never reaches the pool, even with a short TCP header. */
static void test_ipv6_atomic_fragment_untouched(void **state)
{
    (void)state;
    make_segment(6);
    tcpsift_defrag *df = make_default_pool(0);
    for (int whole = 0; whole < 2; whole++) {
        struct pb p;
        frag6(&p, 1, 0, 0, segment, whole ? segment_len : 8, 0);
        struct decoded dec;
        decode_pb(&dec, TCPSIFT_LINK_ETHERNET, &p);
        assert_false(dec.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
        assert_int_equal(!!(dec.pkt.layers & TCPSIFT_LAYER_TCP), whole);
        tcpsift_bytes dg;
        assert_int_equal(tcpsift_defrag_feed(df, &dec.pkt, 0, &dg, NULL),
                         TCPSIFT_E_INVALID_ARGUMENT);
        guard_release(&dec.g);
    }
    assert_int_equal(tcpsift_defrag_get_stats(df)->errors[TCPSIFT_E_FRAG_HEADER_CHAIN_INCOMPLETE],
                     0);
    tcpsift_defrag_destroy(df);
}

/* accept_incomplete_chain reassembles such datagrams, as tshark and Linux before 5.10 do. */
static void test_incomplete_chain_accepted_when_configured(void **state)
{
    (void)state;
    make_segment(6);
    tcpsift_defrag *df = make_default_pool(1);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    struct pb p;
    frag6(&p, 1, 0, 1, segment, 8, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag6(&p, 1, 8, 0, segment + 8, segment_len - 8, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    expect_segment(out, out_len, 6, 0);
    /* The destination options run past the first fragment: the decoder reports
     * bad_ipv6_ext_header on it, but its bytes are all there. */
    uint8_t chain[PB_MAX];
    size_t n = ext_opts(chain, 6, 1);
    memcpy(chain + n, segment, segment_len);
    n += segment_len;
    assert_int_equal(feed_chain(df, 2, 60, chain, 0, 8, 1, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_chain(df, 2, 60, chain, 8, n - 8, 0, out, &out_len), TCPSIFT_OK);
    expect_segment(out, out_len, 6, 1);
    assert_int_equal(tcpsift_defrag_get_stats(df)->reassembled, 2);
    tcpsift_defrag_destroy(df);
}

/* Linux ip_frag_queue(): an IPv4 fragment other than the last whose length is not a multiple of
 * 8 is trimmed ("if (end & 7) end &= ~7;") and queued; the bytes past the trimmed end are not
 * part of it. As eva_frag_unaligned: 27 bytes at 0 (24 kept), the rest at 24. IPv6 refuses it
 * (ip6_frag_queue(): parameter problem) and keeps the datagram's other fragments. */
static void test_ipv4_unaligned_fragment_trimmed(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag *df = make_default_pool(0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    struct pb p;
    frag4(&p, 1, 6, 0, 1, segment, 27);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 1, 6, 24, 0, segment + 24, segment_len - 24);
    int ov = -1;
    assert_int_equal(feed(df, &p, 0, out, &out_len, &ov), TCPSIFT_OK);
    assert_int_equal(ov, 0); /* bytes 24-26 of the first were never held */
    expect_segment(out, out_len, 4, 0);

    /* The trimmed bytes are not compared either: other bytes there are no conflict. */
    uint8_t first[52];
    memcpy(first, segment, 48);
    memset(first + 48, 0xEE, 4);
    frag4(&p, 2, 6, 48, 0, segment + 48, segment_len - 48);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 2, 6, 0, 1, first, 52);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    expect_segment(out, out_len, 4, 0);
    assert_int_equal(s->overlaps, 0);

    /* Trimmed, [0,44) is [0,40): it neither overlaps a last fragment [40,48) (an overlap would
     * discard the datagram) nor ends past it (teardrop). */
    frag4(&p, 4, 6, 40, 0, segment + 40, 8);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag4(&p, 4, 6, 0, 1, first, 44);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + 48); /* a 48-byte datagram (not a whole segment) */
    assert_memory_equal(out + 20, segment, 48);
    assert_int_equal(s->overlaps, 0);
    assert_int_equal(s->reassembled, 3);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_BAD_LENGTH], 0);
    tcpsift_defrag_destroy(df);

    /* IPv6: the unaligned fragment alone is refused; the datagram completes without it. */
    make_segment(6);
    df = make_default_pool(0);
    s = tcpsift_defrag_get_stats(df);
    frag6(&p, 5, 0, 1, segment, 27, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_E_FRAG_BAD_LENGTH);
    frag6(&p, 5, 24, 0, segment + 24, segment_len - 24, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    frag6(&p, 5, 0, 1, segment, 24, 0);
    assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
    expect_segment(out, out_len, 6, 0);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_BAD_LENGTH], 1);
    tcpsift_defrag_destroy(df);
}

/* Feed an IPv4 (version 4) or IPv6 TCP fragment of `segment` through the default pool. */
static tcpsift_error feed_v(tcpsift_defrag *df, int version, uint32_t id, size_t off, int more,
                            size_t len, uint8_t ecn, uint8_t *out, size_t *out_len)
{
    struct pb p;
    if (version == 4)
        frag4_tos(&p, (uint16_t)id, 6, off, more, segment + off, len, ecn);
    else
        frag6_tc(&p, id, 6, off, more, segment + off, len, 0, ecn);
    return feed(df, &p, 0, out, out_len, NULL);
}

/* Linux ip_frag_queue() and ip6_frag_queue(): "if (end == offset) goto discard_qp;". An empty
 * fragment, last or not (IPv4: or one under 8 bytes, trimmed to nothing), kills its datagram's
 * queue; a later fragment with the same key starts a new one. As frag_zero_len: 24 bytes (16
 * there; IPv6 needs the whole TCP header first), an empty fragment at 24, then the rest at 24:
 * never delivered. */
static void test_empty_fragment_drops_datagram(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        make_segment(version);
        tcpsift_defrag *df = make_default_pool(0);
        const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
        uint8_t out[PB_MAX];
        size_t out_len = 0;
        size_t whole = (version == 4 ? 20 : 40) + segment_len;
        assert_int_equal(feed_v(df, version, 1, 0, 1, 24, 0, out, &out_len), TCPSIFT_OK);
        assert_int_equal(feed_v(df, version, 1, 24, 1, 0, 0, out, &out_len),
                         TCPSIFT_E_FRAG_EMPTY);
        assert_int_equal(s->in_progress, 0);
        assert_int_equal(feed_v(df, version, 1, 24, 0, segment_len - 24, 0, out, &out_len),
                         TCPSIFT_OK);
        assert_int_equal(out_len, 0);
        assert_int_equal(s->in_progress, 1); /* a new datagram, not a discarded one */
        assert_int_equal(feed_v(df, version, 1, 0, 1, 24, 0, out, &out_len), TCPSIFT_OK);
        assert_int_equal(out_len, whole); /* which completes from new fragments */
        expect_segment(out, out_len, version, 0);

        /* An empty last fragment where the data ends. */
        assert_int_equal(feed_v(df, version, 2, 0, 1, 48, 0, out, &out_len), TCPSIFT_OK);
        assert_int_equal(feed_v(df, version, 2, 48, 0, 0, 0, out, &out_len),
                         TCPSIFT_E_FRAG_EMPTY);
        assert_int_equal(out_len, 0);
        assert_int_equal(s->in_progress, 0);
        /* An empty fragment of no datagram starts none. */
        assert_int_equal(feed_v(df, version, 3, 48, 1, 0, 0, out, &out_len),
                         TCPSIFT_E_FRAG_EMPTY);
        assert_int_equal(s->in_progress, 0);
        if (version == 4) {
            /* 7 bytes with more fragments: trimmed to none. */
            assert_int_equal(feed_v(df, 4, 4, 0, 1, 48, 0, out, &out_len), TCPSIFT_OK);
            assert_int_equal(feed_v(df, 4, 4, 48, 1, 7, 0, out, &out_len),
                             TCPSIFT_E_FRAG_EMPTY);
            assert_int_equal(s->in_progress, 0);
        }
        assert_int_equal(s->errors[TCPSIFT_E_FRAG_EMPTY], version == 4 ? 4 : 3);
        assert_int_equal(s->errors[TCPSIFT_E_FRAG_DISCARDED], 0);
        assert_int_equal(s->reassembled, 1);
        tcpsift_defrag_destroy(df);
    }
}

#define NOT_ECT 0
#define ECT1 1
#define ECT0 2
#define CE 3

/* Two fragments with ECN `a` then `b`: the error of the second, and the ECN of the result. */
static tcpsift_error ecn_pair(int version, uint8_t a, uint8_t b, int *ecn_out)
{
    make_segment(version);
    tcpsift_defrag *df = make_default_pool(0);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    /* IPv4 TOS / IPv6 traffic class: ECN is the low 2 bits; keep a DSCP to see it untouched. */
    uint8_t dscp = 0xA0;
    assert_int_equal(feed_v(df, version, 7, 0, 1, 48, dscp | a, out, &out_len), TCPSIFT_OK);
    tcpsift_error rc =
        feed_v(df, version, 7, 48, 0, segment_len - 48, dscp | b, out, &out_len);
    *ecn_out = -1;
    if (rc == TCPSIFT_OK) {
        expect_segment(out, out_len, version, 0); /* IPv4 header checksum good after the change */
        struct decoded r;
        decode_all(&r, TCPSIFT_LINK_RAW, out, out_len, out_len);
        assert_int_equal(r.pkt.ip_tos & 0xFC, dscp);
        *ecn_out = r.pkt.ip_tos & 3;
        decoded_release(&r);
    } else {
        assert_int_equal(out_len, 0);
        assert_int_equal(tcpsift_defrag_get_stats(df)->in_progress, 0);
        assert_int_equal(tcpsift_defrag_get_stats(df)->errors[rc], 1);
    }
    tcpsift_defrag_destroy(df);
    return rc;
}

/* A fragment's own IP options or IPv6 extension headers are judged before it is queued, as a
 * host reads them on each fragment (Linux ip_rcv_options(), ipv6_parse_hopopts()): a later
 * fragment with a loose source route, or with a Hop-by-Hop option whose action bits say
 * discard, never joins its datagram (frag_ip_options), so the datagram does not complete;
 * with accept_ip_options it does. */
static void test_fragment_ip_options_judged_per_fragment(void **state)
{
    (void)state;
    static const uint8_t unknown_discard_hbh[8] = {44, 0, 0x80, 4, 0, 0, 0, 0};
    for (int accept = 0; accept < 2; accept++) {
        tcpsift_defrag_config cfg;
        tcpsift_defrag_config_init(&cfg);
        cfg.accept_ip_options = accept;
        tcpsift_defrag *df = NULL;
        assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
        const tcpsift_defrag_stats *st = tcpsift_defrag_get_stats(df);
        uint8_t out[PB_MAX];
        size_t out_len = 0;
        struct pb p;

        /* IPv4: the second fragment carries a loose source route (to the destination). */
        make_segment(4);
        frag4(&p, 7, 6, 0, 1, segment, 24);
        assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
        uint8_t lsrr[8] = {1, 131, 7, 4};
        memcpy(lsrr + 4, TEST_V4_DST, 4);
        struct ip4_spec ip = ip4_default(6);
        ip.id = 7;
        ip.frag = 24 / 8;
        ip.opts = lsrr;
        ip.opts_len = sizeof lsrr;
        ip.l4_csum = 0;
        pb_eth_ipv4(&p, &ip, segment + 24, segment_len - 24);
        assert_int_equal(feed(df, &p, 0, out, &out_len, NULL),
                         accept ? TCPSIFT_OK : TCPSIFT_E_FRAG_IP_OPTIONS);
        if (accept)
            expect_segment(out, out_len, 4, 0);
        else
            assert_int_equal(out_len, 0);

        /* IPv6: the second fragment's Hop-by-Hop header holds an unknown option marked
         * discard (RFC 8200 §4.2, action bits 10). */
        make_segment(6);
        frag6(&p, 9, 0, 1, segment, 24, 0);
        assert_int_equal(feed(df, &p, 0, out, &out_len, NULL), TCPSIFT_OK);
        uint8_t ext[16];
        memcpy(ext, unknown_discard_hbh, 8);
        size_t e = 8 + ext_frag(ext + 8, 6, 24 / 8, 0, 9);
        struct ip6_spec ip6 = ip6_default(6);
        ip6.next = 0;
        ip6.ext = ext;
        ip6.ext_len = e;
        ip6.l4_csum = 0;
        pb_init(&p);
        pb_ethernet(&p, 0x86DD);
        pb_ipv6(&p, &ip6, segment + 24, segment_len - 24);
        assert_int_equal(feed(df, &p, 0, out, &out_len, NULL),
                         accept ? TCPSIFT_OK : TCPSIFT_E_FRAG_IP_OPTIONS);
        if (accept)
            expect_segment(out, out_len, 6, 0);
        else
            assert_int_equal(out_len, 0);

        assert_int_equal(st->errors[TCPSIFT_E_FRAG_IP_OPTIONS], accept ? 0 : 2);
        assert_int_equal(st->in_progress, accept ? 0 : 2); /* their first fragments wait */
        tcpsift_defrag_destroy(df);
    }
}

/* Linux ip_frag_reasm() / ip6_frag_reasm() through ip_frag_ecn_table[]: Not-ECT mixed with
 * ECT(0), ECT(1) or CE drops the datagram (0xff); CE with ECT makes it CE; otherwise the first
 * fragment's header is kept. As frag_ecn_mix, frag_ecn_ect0_notect, v6_frag_ecn_mix. */
static void test_ecn_mixed_fragments(void **state)
{
    (void)state;
    static const struct {
        uint8_t a, b;
        int ecn; /* of the datagram; -1: dropped */
    } cases[] = {
        {NOT_ECT, NOT_ECT, NOT_ECT}, {ECT0, ECT0, ECT0}, {CE, CE, CE},
        {ECT0, ECT1, ECT0},          {ECT1, ECT0, ECT1}, /* no table entry: the first header's */
        {ECT0, CE, CE},              {CE, ECT1, CE},     {ECT1, CE, CE},
        {NOT_ECT, CE, -1},           {CE, NOT_ECT, -1},  {NOT_ECT, ECT0, -1},
        {ECT0, NOT_ECT, -1},         {NOT_ECT, ECT1, -1}, {ECT1, NOT_ECT, -1},
    };
    for (int version = 4; version <= 6; version += 2)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            int ecn;
            tcpsift_error rc = ecn_pair(version, cases[i].a, cases[i].b, &ecn);
            assert_int_equal(rc, cases[i].ecn < 0 ? TCPSIFT_E_FRAG_ECN_MIXED : TCPSIFT_OK);
            assert_int_equal(ecn, cases[i].ecn);
        }

    /* The mix is judged on the fragments stored: an exact duplicate is not stored (Linux does
     * not queue it either), and a dropped datagram's key starts a new one. */
    make_segment(4);
    tcpsift_defrag *df = make_default_pool(0);
    uint8_t out[PB_MAX];
    size_t out_len = 0;
    assert_int_equal(feed_v(df, 4, 8, 0, 1, 48, NOT_ECT, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_v(df, 4, 8, 0, 1, 48, CE, out, &out_len), TCPSIFT_OK);
    assert_int_equal(tcpsift_defrag_get_stats(df)->duplicates, 1);
    assert_int_equal(feed_v(df, 4, 8, 48, 0, segment_len - 48, NOT_ECT, out, &out_len),
                     TCPSIFT_OK);
    expect_segment(out, out_len, 4, 0);
    assert_int_equal(feed_v(df, 4, 9, 48, 1, 48, CE, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_v(df, 4, 9, 0, 1, 48, NOT_ECT, out, &out_len), TCPSIFT_OK);
    assert_int_equal(feed_v(df, 4, 9, 96, 0, segment_len - 96, CE, out, &out_len),
                     TCPSIFT_E_FRAG_ECN_MIXED);
    assert_int_equal(feed_v(df, 4, 9, 48, 0, segment_len - 48, NOT_ECT, out, &out_len),
                     TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(feed_v(df, 4, 9, 0, 1, 48, NOT_ECT, out, &out_len), TCPSIFT_OK);
    expect_segment(out, out_len, 4, 0);
    assert_int_equal(tcpsift_defrag_get_stats(df)->reassembled, 2);
    tcpsift_defrag_destroy(df);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_in_order_and_reverse),
        cmocka_unit_test(test_vlan_and_tunnel_keys),
        cmocka_unit_test(test_ipv6_in_order_and_reverse),
        cmocka_unit_test(test_overlap_equal_and_conflicting),
        cmocka_unit_test(test_missing_piece_then_timeout),
        cmocka_unit_test(test_expiry_when_time_steps_back),
        cmocka_unit_test(test_many_datagrams_in_progress),
        cmocka_unit_test(test_caps_exhausted),
        cmocka_unit_test(test_named_errors),
        cmocka_unit_test(test_tiny_fragments_accepted_by_default),
        cmocka_unit_test(test_ipv4_udp_and_config_checks),
        cmocka_unit_test(test_no_memory_cap_and_null_arguments),
        cmocka_unit_test(test_ipv6_first_fragment_splits_tcp_header),
        cmocka_unit_test(test_ipv6_first_fragment_ext_header_past_fragment),
        cmocka_unit_test(test_ipv6_first_fragment_upper_layer_minimum),
        cmocka_unit_test(test_ipv6_atomic_fragment_untouched),
        cmocka_unit_test(test_incomplete_chain_accepted_when_configured),
        cmocka_unit_test(test_ipv4_unaligned_fragment_trimmed),
        cmocka_unit_test(test_empty_fragment_drops_datagram),
        cmocka_unit_test(test_ecn_mixed_fragments),
        cmocka_unit_test(test_fragment_ip_options_judged_per_fragment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

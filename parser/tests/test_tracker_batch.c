/* tcpsift_tracker_packets(): a batch gives exactly what one tcpsift_tracker_packet() call per
 * packet gives — every callback, in the same order with the same arguments, the same statistics
 * and the same per-packet results — whatever the chunking, on synthetic interleaved traffic
 * (eviction and timeout pressure included), on the bundled conformance captures and on the
 * captures under ../shared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_files.h"
#include "support_packets.h"
#include "tcpsift/capture.h"
#include "tcpsift/decode.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"

/* ------------------------------------------------------------------ observed output */

/* Everything the tracker reports, folded into a digest in callback order (FNV-1a over the
 * fields, never over struct padding), with counts so a failure says what differs. */
struct observed {
    uint64_t digest;
    uint64_t conns, data_calls, gaps, frames;
};

static void mix(struct observed *o, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        o->digest ^= b[i];
        o->digest *= UINT64_C(0x100000001b3);
    }
}

static void mix_u64(struct observed *o, uint64_t v) { mix(o, &v, sizeof v); }

static void mix_endpoint(struct observed *o, const tcpsift_endpoint_info *e)
{
    mix_u64(o, (uint64_t)e->state);
    mix_u64(o, e->pkts);
    mix_u64(o, e->bytes);
    mix_u64(o, e->stream_bytes);
    mix_u64(o, e->gap_bytes);
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *c)
{
    struct observed *o = ctx;
    o->conns++;
    mix_u64(o, 0xc0);
    mix_u64(o, c->id);
    mix_u64(o, c->proto);
    mix_u64(o, c->ip_version);
    mix_u64(o, c->vlan);
    size_t alen = c->ip_version == 6 ? 16 : 4;
    mix(o, c->client_addr, alen);
    mix(o, c->server_addr, alen);
    mix_u64(o, c->client_port);
    mix_u64(o, c->server_port);
    mix_u64(o, (uint64_t)c->first_ns);
    mix_u64(o, (uint64_t)c->last_ns);
    mix_endpoint(o, &c->client);
    mix_endpoint(o, &c->server);
    mix_u64(o, (uint64_t)c->end);
    mix_u64(o, c->handshake);
    mix_u64(o, c->direction_guessed);
    mix_u64(o, c->rst_unconfirmed);
    mix_u64(o, c->timed_out);
    mix_u64(o, c->evicted);
    mix_u64(o, c->completeness);
    mix(o, c->conn_state, strlen(c->conn_state));
    mix(o, c->history, strlen(c->history));
    mix(o, c->events, TCPSIFT_ANOMALY_COUNT * sizeof c->events[0]);
}

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    struct observed *o = ctx;
    o->data_calls++;
    mix_u64(o, 0xda);
    mix_u64(o, id);
    mix_u64(o, (uint64_t)dir);
    mix_u64(o, offset);
    mix_u64(o, len);
    mix(o, data, len);
}

static void on_gap(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset, uint64_t len)
{
    struct observed *o = ctx;
    o->gaps++;
    mix_u64(o, 0x9a);
    mix_u64(o, id);
    mix_u64(o, (uint64_t)dir);
    mix_u64(o, offset);
    mix_u64(o, len);
}

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    struct observed *o = ctx;
    o->frames++;
    mix_u64(o, 0xf4);
    mix_u64(o, id);
    mix_u64(o, proto);
    mix_u64(o, (uint64_t)dir);
    mix_u64(o, (uint64_t)f->part);
    mix_u64(o, (uint64_t)f->error);
    mix_u64(o, f->offset);
    mix_u64(o, f->len);
    mix_u64(o, f->data_len);
    for (size_t i = 0; i < f->nheader; i++)
        mix(o, f->header[i].ptr, f->header[i].len);
    for (size_t i = 0; i < f->nsegs; i++)
        mix(o, f->segs[i].ptr, f->segs[i].len);
}

/* ------------------------------------------------------------------ configurations */

enum run_config { CFG_STATE, CFG_FULL, CFG_PRESSURE, CFG_COUNT };

static void config_for(enum run_config which, tcpsift_tracker_config *cfg, struct observed *o)
{
    tcpsift_tracker_config_init(cfg);
    for (int i = 0; i < 16; i++)
        cfg->hash_key[i] = (uint8_t)(0x11 * i + 3);
    cfg->cb.on_conn_end = on_conn_end;
    cfg->cb.ctx = o;
    /* Small enough that creating hundreds of trackers stays quick; the captures' busiest
     * has fewer connections. */
    cfg->max_connections = 4096;
    cfg->embryo_capacity = 1024;
    switch (which) {
    case CFG_STATE:
        break;
    case CFG_FULL:
    case CFG_PRESSURE:
        cfg->reassemble = 1;
        cfg->framing = 1;
        cfg->buffers_stable = 1;
        assert_int_equal(tcpsift_framer_spec_parse("len:4:be", &cfg->framer, NULL, 0), TCPSIFT_OK);
        cfg->cb.on_data = on_data;
        cfg->cb.on_gap = on_gap;
        cfg->cb.on_frame = on_frame;
        if (which == CFG_PRESSURE) {
            /* A table far smaller than the traffic: evictions and embryo pressure between a
             * packet's look-ahead and its turn; short timeouts expire flows mid-batch. */
            cfg->max_connections = 24;
            cfg->embryo_capacity = 8;
            for (int i = 0; i < TCPSIFT_FLOW_CLASS_COUNT; i++)
                cfg->timeout_ns[i] = 40 * 1000000ull;
        }
        break;
    case CFG_COUNT:
        break;
    }
}

/* ------------------------------------------------------------------ runs */

struct packets {
    tcpsift_packet *pkt;
    int64_t *ts;
    size_t n, cap;
};

static void packets_add(struct packets *ps, const tcpsift_packet *p, int64_t ts)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 256;
        ps->pkt = realloc(ps->pkt, ps->cap * sizeof *ps->pkt);
        ps->ts = realloc(ps->ts, ps->cap * sizeof *ps->ts);
        assert_non_null(ps->pkt);
        assert_non_null(ps->ts);
    }
    ps->pkt[ps->n] = *p;
    ps->ts[ps->n] = ts;
    ps->n++;
}

static void packets_free(struct packets *ps)
{
    free(ps->pkt);
    free(ps->ts);
    memset(ps, 0, sizeof *ps);
}

struct outcome {
    struct observed seen;
    tcpsift_tracker_stats stats;
    tcpsift_error *results;
};

/* chunk 0: one tcpsift_tracker_packet() call per packet; else batches of `chunk`. */
static void run(const struct packets *ps, enum run_config which, size_t chunk, struct outcome *out)
{
    tcpsift_tracker_config cfg;
    memset(out, 0, sizeof *out);
    out->seen.digest = UINT64_C(0xcbf29ce484222325);
    out->results = calloc(ps->n ? ps->n : 1, sizeof *out->results);
    assert_non_null(out->results);
    config_for(which, &cfg, &out->seen);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    if (chunk == 0) {
        for (size_t i = 0; i < ps->n; i++)
            out->results[i] = tcpsift_tracker_packet(t, &ps->pkt[i], ps->ts[i]);
    } else {
        for (size_t i = 0; i < ps->n; i += chunk) {
            size_t m = ps->n - i < chunk ? ps->n - i : chunk;
            tcpsift_error first = tcpsift_tracker_packets(t, ps->pkt + i, ps->ts + i, m,
                                                          out->results + i);
            /* The return value is the first packet's error of the batch. */
            tcpsift_error want = TCPSIFT_OK;
            for (size_t k = 0; k < m && want == TCPSIFT_OK; k++)
                want = out->results[i + k];
            assert_int_equal(first, want);
        }
    }
    tcpsift_tracker_finish(t);
    out->stats = *tcpsift_tracker_get_stats(t);
    tcpsift_tracker_destroy(t);
}

static void outcome_free(struct outcome *o) { free(o->results); }

/* Every chunking of every configuration must equal the one-by-one run. Returns the
 * one-by-one connections reported under CFG_STATE (so callers can assert the input meant
 * something). */
static uint64_t assert_batches_equal(const struct packets *ps, const char *what)
{
    static const size_t chunks[] = {1, 3, 16, 17, 1000000};
    uint64_t conns = 0;
    for (int c = 0; c < CFG_COUNT; c++) {
        struct outcome single;
        run(ps, (enum run_config)c, 0, &single);
        if (c == CFG_STATE) conns = single.seen.conns;
        for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
            struct outcome batch;
            run(ps, (enum run_config)c, chunks[k], &batch);
            if (batch.seen.digest != single.seen.digest ||
                memcmp(&batch.stats, &single.stats, sizeof batch.stats) != 0 ||
                (ps->n && memcmp(batch.results, single.results, ps->n * sizeof *batch.results)))
                fail_msg("%s, config %d, chunk %zu: batch differs from one-by-one "
                         "(conns %llu/%llu data %llu/%llu gaps %llu/%llu frames %llu/%llu)",
                         what, c, chunks[k], (unsigned long long)batch.seen.conns,
                         (unsigned long long)single.seen.conns,
                         (unsigned long long)batch.seen.data_calls,
                         (unsigned long long)single.seen.data_calls,
                         (unsigned long long)batch.seen.gaps, (unsigned long long)single.seen.gaps,
                         (unsigned long long)batch.seen.frames,
                         (unsigned long long)single.seen.frames);
            outcome_free(&batch);
        }
        outcome_free(&single);
    }
    return conns;
}

/* ------------------------------------------------------------------ synthetic traffic */

/* Frames live in one arena for the whole run: with buffers_stable the tracker keeps views. */
struct arena {
    uint8_t *b;
    size_t used, cap;
};

static const uint8_t *arena_put(struct arena *a, const uint8_t *p, size_t n)
{
    assert_true(a->used + n <= a->cap);
    memcpy(a->b + a->used, p, n);
    a->used += n;
    return a->b + a->used - n;
}

static uint32_t rnd(uint64_t *s)
{
    *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)(*s >> 33);
}

struct synth_conn {
    uint16_t cport;
    uint32_t cseq, sseq; /* next sequence numbers */
    int stage;           /* 0 SYN, 1 SYN-ACK, 2 ACK, 3.. data, 9 FIN or RST */
};

/* One segment; the server's go from the default destination address to the source. */
static void emit(struct arena *a, struct packets *ps, const struct tcp_spec *t, int v6,
                 int from_server, int64_t ts)
{
    struct pb p;
    uint8_t seg[1600];
    struct tcp_spec seg_spec = *t;
    if (from_server) {
        seg_spec.sport = t->dport;
        seg_spec.dport = t->sport;
    }
    size_t n = tcp_segment(seg, sizeof seg, &seg_spec);
    pb_init(&p);
    if (v6) {
        struct ip6_spec ip = ip6_default(6);
        if (from_server) {
            memcpy(ip.src, TEST_V6_DST, 16);
            memcpy(ip.dst, TEST_V6_SRC, 16);
        }
        pb_ethernet(&p, 0x86DD);
        pb_ipv6(&p, &ip, seg, n);
    } else {
        struct ip4_spec ip = ip4_default(6);
        if (from_server) {
            memcpy(ip.src, TEST_V4_DST, 4);
            memcpy(ip.dst, TEST_V4_SRC, 4);
        }
        pb_ethernet(&p, 0x0800);
        pb_ipv4(&p, &ip, seg, n);
    }
    const uint8_t *frame = arena_put(a, p.b, p.len);
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, frame, p.len, p.len);
    packets_add(ps, &pkt, ts);
}

/* Interleaved connections: handshakes, length-prefixed messages both ways (some
 * retransmitted, some reordered, some carried on a lost segment), FIN or RST teardowns,
 * midstream pickups, an IPv6 share, non-TCP frames and packets whose key is unusable. */
static void synth(uint64_t seed, size_t nconn, struct arena *a, struct packets *ps)
{
    struct synth_conn *cs = calloc(nconn, sizeof *cs);
    assert_non_null(cs);
    uint64_t s = seed;
    int64_t ts = 1700000000LL * 1000000000LL;
    size_t live = nconn;
    for (size_t i = 0; i < nconn; i++) {
        cs[i].cport = (uint16_t)(20000 + i);
        cs[i].cseq = rnd(&s);
        cs[i].sseq = rnd(&s);
        cs[i].stage = rnd(&s) % 10 == 0 ? 3 : 0; /* a tenth picked up midstream */
    }
    uint8_t body[600];
    while (live > 0) {
        size_t i = rnd(&s) % nconn;
        struct synth_conn *c = &cs[i];
        if (c->stage > 9) continue;
        ts += (int64_t)(rnd(&s) % 3000000); /* up to 3 ms apart: timeouts fire under PRESSURE */
        int v6 = i % 7 == 3;
        struct tcp_spec t = tcp_default();
        t.sport = c->cport;
        t.dport = 9000;
        t.opts = NULL;
        t.opts_len = 0;
        int from_server = 0;
        switch (c->stage) {
        case 0:
            t.flags = 0x002;
            t.seq = c->cseq++;
            t.ack = 0;
            break;
        case 1:
            from_server = 1;
            t.flags = 0x012;
            t.seq = c->sseq++;
            t.ack = c->cseq;
            break;
        case 2:
            t.flags = 0x010;
            t.seq = c->cseq;
            t.ack = c->sseq;
            break;
        case 9:
            t.flags = rnd(&s) % 4 == 0 ? 0x004 : 0x011;
            t.seq = c->cseq;
            t.ack = c->sseq;
            break;
        default: {
            from_server = rnd(&s) % 2;
            size_t blen = 1 + rnd(&s) % 300, n = 4 + blen;
            body[0] = 0;
            body[1] = 0;
            body[2] = (uint8_t)(blen >> 8);
            body[3] = (uint8_t)blen;
            for (size_t k = 4; k < n; k++)
                body[k] = (uint8_t)rnd(&s);
            uint32_t *seq = from_server ? &c->sseq : &c->cseq;
            t.flags = 0x018;
            t.seq = *seq;
            t.ack = from_server ? c->cseq : c->sseq;
            t.payload = body;
            t.payload_len = n;
            uint32_t r = rnd(&s) % 16;
            if (r == 0) {
                /* A segment lost on the way: the next one opens a hole. */
                *seq += (uint32_t)n;
                c->stage++;
                continue;
            }
            *seq += (uint32_t)n;
            if (r == 1) {
                emit(a, ps, &t, v6, from_server, ts); /* retransmitted at once */
                ts += 1000;
            }
            break;
        }
        }
        emit(a, ps, &t, v6, from_server, ts);
        if (c->stage == 9) live--;
        c->stage++;
        uint32_t extra = rnd(&s) % 32;
        if (extra == 0) {
            /* Not a flow: an IPv4 datagram of an unknown protocol. */
            struct pb p;
            struct ip4_spec ip = ip4_default(47);
            const uint8_t l4[8] = {0};
            pb_eth_ipv4(&p, &ip, l4, sizeof l4);
            const uint8_t *frame = arena_put(a, p.b, p.len);
            tcpsift_packet pkt;
            tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, frame, p.len, p.len);
            packets_add(ps, &pkt, ts);
        } else if (extra == 1) {
            /* A packet whose key cannot be made: each path must report INVALID_ARGUMENT. */
            tcpsift_packet bad = ps->pkt[ps->n - 1];
            bad.ip_version = 5;
            packets_add(ps, &bad, ts);
        }
    }
    free(cs);
}

static void test_batch_equals_single_synthetic(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct arena a = {malloc(8u << 20), 0, 8u << 20};
        assert_non_null(a.b);
        struct packets ps = {0};
        synth(seed, 120, &a, &ps);
        assert_true(ps.n > 1000);
        char what[64];
        snprintf(what, sizeof what, "synthetic seed %llu", (unsigned long long)seed);
        uint64_t conns = assert_batches_equal(&ps, what);
        assert_true(conns >= 120);
        packets_free(&ps);
        free(a.b);
    }
}

/* ------------------------------------------------------------------ captures */



static void collect_packet(void *ctx, const tcpsift_packet *pkt, int64_t ns)
{
    packets_add(ctx, pkt, ns);
}

/* One capture: its packets through the tracker one by one and in batches; counts the
 * connections into *(uint64_t *)ctx. */
static void check_capture(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
    struct packets ps = {0};
    test_each_packet(buf, len, collect_packet, &ps);
    *(uint64_t *)ctx += assert_batches_equal(&ps, path);
    packets_free(&ps);
}

static void test_batch_equals_single_conformance_captures(void **state)
{
    (void)state;
    uint64_t conns = 0;
    size_t files =
        test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/crafted", check_capture,
                             &conns) +
        test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/real", check_capture,
                             &conns);
    printf("batch == one-by-one on %zu conformance captures (%llu connections)\n", files,
           (unsigned long long)conns);
    assert_true(files >= 20);
    assert_true(conns > 0);
}

static void test_batch_equals_single_shared_captures(void **state)
{
    (void)state;
    uint64_t conns = 0;
    size_t files = test_each_shared_capture("batch vs one-by-one", check_capture, &conns);
    if (files == 0) {
        skip();
        return;
    }
    printf("batch == one-by-one on %zu shared captures (%llu connections)\n", files,
           (unsigned long long)conns);
    assert_int_equal(files, 80);
}

/* ------------------------------------------------------------------ arguments and errors */

static void test_batch_arguments_and_bad_packets(void **state)
{
    (void)state;
    struct observed seen = {UINT64_C(0xcbf29ce484222325), 0, 0, 0, 0};
    tcpsift_tracker_config cfg;
    config_for(CFG_STATE, &cfg, &seen);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);

    struct pb p;
    struct tcp_spec ts = tcp_default();
    build_eth_ipv4_tcp(&p, &ts);
    tcpsift_packet pk[3];
    int64_t when[3] = {1000, 2000, 3000};
    tcpsift_packet_decode(&pk[0], TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len);
    pk[1] = pk[0];
    pk[1].ip_version = 0; /* no key can be made from it */
    pk[2] = pk[0];

    assert_int_equal(tcpsift_tracker_packets(NULL, pk, when, 3, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_packets(t, NULL, when, 3, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_packets(t, pk, NULL, 3, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_packets(t, NULL, NULL, 0, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_tracker_get_stats(t)->packets, 0);

    /* The bad packet's error is reported, the good ones around it are processed. */
    tcpsift_error res[3] = {TCPSIFT_E_NO_MEMORY, TCPSIFT_E_NO_MEMORY, TCPSIFT_E_NO_MEMORY};
    assert_int_equal(tcpsift_tracker_packets(t, pk, when, 3, res), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(res[0], TCPSIFT_OK);
    assert_int_equal(res[1], TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(res[2], TCPSIFT_OK);
    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
    assert_int_equal(st->packets, 3);
    assert_int_equal(st->tcp_packets, 3);
    assert_int_equal(st->tcp_connections, 1);

    tcpsift_tracker_finish(t);
    assert_int_equal(seen.conns, 1);
    /* After finish nothing is processed. */
    assert_int_equal(tcpsift_tracker_packets(t, pk, when, 1, res), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_tracker_get_stats(t)->packets, 3);
    tcpsift_tracker_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_arguments_and_bad_packets),
        cmocka_unit_test(test_batch_equals_single_synthetic),
        cmocka_unit_test(test_batch_equals_single_conformance_captures),
        cmocka_unit_test(test_batch_equals_single_shared_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

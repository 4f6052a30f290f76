/* The stream's direct path for an in-order segment (tracker.c, stream_direct; issue 9) against
 * the general path (tcpsift_reasm_segment and its callbacks), and streams that rest
 * (stream_rest.c; issue 9) against streams that never do.
 *
 * Each capture runs four times through trackers of the same configuration: streams never
 * resting, once with the direct paths and once with tracker.no_stream_direct set (every
 * segment through the general path); then with the direct paths and streams resting as soon as
 * they can (stream_rest_ns 1 ns: at nearly every packet of another connection), and after 1 ms
 * (a busy connection's quiet direction rests while the other sends). Every callback (data,
 * gaps, frames with their bytes, connection reports with their events and history) and the
 * final statistics are folded into a digest; the runs must agree, the first must have taken the
 * direct path (stream_direct_segments) and the resting ones must have rested streams
 * (streams_rested, streams_woken; their forms were never refused). Configurations: stable
 * buffers and copies, len:4:be, line and json-header framing, urgent policy oob, acknowledged
 * reassembly (never direct), tight reassembly caps. A scripted connection then asserts segment
 * by segment which segments are direct (each condition on both sides) with the same
 * comparison. */
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
#include "support_segments.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"
#include "tracker_internal.h"

/* ------------------------------------------------------------------ the digest of a run */

typedef struct digest {
    uint64_t h;
    uint64_t data, gaps, frames, conns; /* callbacks */
} digest;

static void mix(digest *d, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        d->h ^= b[i];
        d->h *= 0x100000001b3ull; /* FNV-1a 64 */
    }
}

static void mix_u64(digest *d, uint64_t v) { mix(d, &v, sizeof v); }

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    digest *d = ctx;
    d->data++;
    mix_u64(d, 1);
    mix_u64(d, id);
    mix_u64(d, dir);
    mix_u64(d, offset);
    mix_u64(d, len);
    mix(d, data, len);
}

static void on_gap(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset, uint64_t len)
{
    digest *d = ctx;
    d->gaps++;
    mix_u64(d, 2);
    mix_u64(d, id);
    mix_u64(d, dir);
    mix_u64(d, offset);
    mix_u64(d, len);
}

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    digest *d = ctx;
    d->frames++;
    mix_u64(d, 3);
    mix_u64(d, id);
    mix_u64(d, proto);
    mix_u64(d, dir);
    mix_u64(d, f->part);
    mix_u64(d, f->error);
    mix_u64(d, f->offset);
    mix_u64(d, f->len);
    mix_u64(d, f->data_len);
    /* the views themselves (how the bytes are split is part of the zero-copy contract) */
    mix_u64(d, f->nheader);
    for (size_t i = 0; i < f->nheader; i++) {
        mix_u64(d, f->header[i].len);
        mix(d, f->header[i].ptr, f->header[i].len);
    }
    mix_u64(d, f->nsegs);
    for (size_t i = 0; i < f->nsegs; i++) {
        mix_u64(d, f->segs[i].len);
        mix(d, f->segs[i].ptr, f->segs[i].len);
    }
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *c)
{
    digest *d = ctx;
    d->conns++;
    mix_u64(d, 4);
    mix_u64(d, c->id);
    const tcpsift_endpoint_info *side[2] = {&c->client, &c->server};
    for (int i = 0; i < 2; i++) {
        mix_u64(d, side[i]->state);
        mix_u64(d, side[i]->pkts);
        mix_u64(d, side[i]->bytes);
        mix_u64(d, side[i]->stream_bytes);
        mix_u64(d, side[i]->gap_bytes);
    }
    mix_u64(d, c->end);
    mix_u64(d, c->completeness);
    mix(d, c->conn_state, strlen(c->conn_state));
    mix(d, c->history, strlen(c->history));
    mix(d, c->events, TCPSIFT_ANOMALY_COUNT * sizeof c->events[0]);
}

/* Every counter (the struct is uint64_t fields and arrays only: no padding) but the two only
 * resting changes. */
static void mix_stats(digest *d, const tcpsift_tracker_stats *s)
{
    tcpsift_tracker_stats c = *s;
    c.streams_rested = c.streams_woken = 0;
    mix(d, &c, sizeof c);
}

/* ------------------------------------------------------------------ configurations */

enum { CFG_STABLE, CFG_COPY, CFG_LINE, CFG_JSON, CFG_URGENT_OOB, CFG_ACKED, CFG_TIGHT, CFG_COUNT };

static const char *const cfg_names[CFG_COUNT] = {"len:4:be stable", "len:4:be copies",
                                                 "line",            "json-header",
                                                 "urgent oob",      "acked",
                                                 "tight caps"};

static void config_for(int which, digest *d, tcpsift_tracker_config *cfg)
{
    tcpsift_tracker_config_init(cfg);
    for (int i = 0; i < 16; i++)
        cfg->hash_key[i] = (uint8_t)(0x11 * i + 5);
    cfg->max_connections = 4096;
    cfg->embryo_capacity = 1024;
    cfg->reassemble = 1;
    cfg->framing = 1;
    cfg->buffers_stable = which != CFG_COPY;
    const char *spec = which == CFG_LINE ? "line" : which == CFG_JSON ? "json-header:4" : "len:4:be";
    assert_int_equal(tcpsift_framer_spec_parse(spec, &cfg->framer, NULL, 0), TCPSIFT_OK);
    if (which == CFG_URGENT_OOB) cfg->urgent = TCPSIFT_URGENT_OOB;
    if (which == CFG_ACKED) cfg->reasm.mode = TCPSIFT_REASM_ACKED;
    if (which == CFG_TIGHT) {
        cfg->reasm.max_buffered_bytes = 4096;
        cfg->reasm.max_segments = 4;
        cfg->reasm.max_retained_bytes = 600;
        cfg->reasm.max_retained_views = 3;
    }
    cfg->cb.on_data = on_data;
    cfg->cb.on_gap = on_gap;
    cfg->cb.on_frame = on_frame;
    cfg->cb.on_conn_end = on_conn_end;
    cfg->cb.ctx = d;
}

typedef struct totals {
    size_t files;
    uint64_t packets, direct, rested, woken, too_large, rested_ms, folded;
    uint64_t direct_by_cfg[CFG_COUNT], rested_by_cfg[CFG_COUNT];
} totals;

/* How a run takes its segments: the direct paths or not, streams resting or not (at once, or
 * after 1 ms: a busy connection's quiet direction then rests while the other is still sending,
 * the rule that 1 ns hides). */
enum { RUN_DIRECT, RUN_GENERAL, RUN_RESTING, RUN_RESTING_MS };

static void feed_packet(void *ctx, const tcpsift_packet *pkt, int64_t ns)
{
    tcpsift_tracker_packet(ctx, pkt, ns);
}

/* A tracker of configuration `which` digesting into *d (cleared), its segments taken as `how`
 * says. */
static tcpsift_tracker *tracker_for(int which, int how, digest *d)
{
    tcpsift_tracker_config cfg;
    memset(d, 0, sizeof *d);
    d->h = 0xcbf29ce484222325ull;
    config_for(which, d, &cfg);
    cfg.stream_rest_ns = how == RUN_RESTING ? 1 : how == RUN_RESTING_MS ? 1000000 : 0;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    t->no_stream_direct = how == RUN_GENERAL;
    return t;
}

static int digests_differ(const digest *a, const digest *b)
{
    return a->h != b->h || a->data != b->data || a->gaps != b->gaps || a->frames != b->frames ||
           a->conns != b->conns;
}

/* One run of the capture; its digest (callbacks and statistics) in *d. */
static tcpsift_tracker *run(int which, int how, const uint8_t *buf, size_t len, digest *d,
                            uint64_t *packets)
{
    tcpsift_tracker *t = tracker_for(which, how, d);
    *packets = test_each_packet(buf, len, feed_packet, t);
    tcpsift_tracker_finish(t);
    mix_stats(d, tcpsift_tracker_get_stats(t));
    return t;
}

static void compare_capture(const char *path, const uint8_t *buf, size_t len, void *ctx)
{
    totals *tot = ctx;
    tot->files++;
    for (int which = 0; which < CFG_COUNT; which++) {
        digest a, b, c, m;
        uint64_t packets;
        tcpsift_tracker *ta = run(which, RUN_DIRECT, buf, len, &a, &packets);
        tcpsift_tracker *tb = run(which, RUN_GENERAL, buf, len, &b, &packets);
        tcpsift_tracker *tc = run(which, RUN_RESTING, buf, len, &c, &packets);
        tcpsift_tracker *tm = run(which, RUN_RESTING_MS, buf, len, &m, &packets);
        assert_int_equal(tb->stream_direct_segments, 0);
        assert_int_equal(ta->stats.streams_rested + tb->stats.streams_rested, 0);
        assert_int_equal(tc->rest_mismatch + tm->rest_mismatch, 0);
        if (digests_differ(&a, &m))
            fail_msg("%s (%s): the run with streams resting after 1 ms differs from the run "
                     "without (data %llu/%llu, frames %llu/%llu; %llu rested)",
                     path, cfg_names[which], (unsigned long long)m.data,
                     (unsigned long long)a.data, (unsigned long long)m.frames,
                     (unsigned long long)a.frames, (unsigned long long)tm->stats.streams_rested);
        if (digests_differ(&a, &c))
            fail_msg("%s (%s): the run with streams resting differs from the run without "
                     "(data %llu/%llu, gaps %llu/%llu, frames %llu/%llu, conns %llu/%llu; %llu "
                     "rested)",
                     path, cfg_names[which], (unsigned long long)c.data,
                     (unsigned long long)a.data, (unsigned long long)c.gaps,
                     (unsigned long long)a.gaps, (unsigned long long)c.frames,
                     (unsigned long long)a.frames, (unsigned long long)c.conns,
                     (unsigned long long)a.conns, (unsigned long long)tc->stats.streams_rested);
        if (digests_differ(&a, &b))
            fail_msg("%s (%s): the direct path's run differs from the general path's "
                     "(data %llu/%llu, gaps %llu/%llu, frames %llu/%llu, conns %llu/%llu)",
                     path, cfg_names[which], (unsigned long long)a.data,
                     (unsigned long long)b.data, (unsigned long long)a.gaps,
                     (unsigned long long)b.gaps, (unsigned long long)a.frames,
                     (unsigned long long)b.frames, (unsigned long long)a.conns,
                     (unsigned long long)b.conns);
        if (which == CFG_ACKED) assert_int_equal(ta->stream_direct_segments, 0);
        tot->packets += packets;
        tot->direct += ta->stream_direct_segments;
        tot->direct_by_cfg[which] += ta->stream_direct_segments;
        tot->rested += tc->stats.streams_rested;
        tot->woken += tc->stats.streams_woken;
        tot->too_large += tc->rest_too_large;
        tot->rested_by_cfg[which] += tc->stats.streams_rested;
        tot->rested_ms += tm->stats.streams_rested;
        tot->folded += tc->rest_views_folded + tm->rest_views_folded;
        tcpsift_tracker_destroy(ta);
        tcpsift_tracker_destroy(tb);
        tcpsift_tracker_destroy(tc);
        tcpsift_tracker_destroy(tm);
    }
}

static void report(const char *set, const totals *tot)
{
    printf("stream direct == general == resting on %zu %s captures: %llu segments direct of "
           "%llu packets, %llu streams rested and %llu woken, %llu rests refused as too large (%d "
           "configurations); resting after 1 ms: %llu rests; %llu forms with their views\n",
           tot->files, set, (unsigned long long)tot->direct, (unsigned long long)tot->packets,
           (unsigned long long)tot->rested, (unsigned long long)tot->woken,
           (unsigned long long)tot->too_large, CFG_COUNT, (unsigned long long)tot->rested_ms,
           (unsigned long long)tot->folded);
    for (int which = 0; which < CFG_COUNT; which++) {
        if (which != CFG_ACKED) assert_true(tot->direct_by_cfg[which] > 0);
        assert_true(tot->rested_by_cfg[which] > 0);
    }
    assert_true(tot->woken > 0);
    assert_true(tot->rested_ms > 0);
    assert_true(tot->folded > 0);
}

static void test_direct_equals_general_conformance_captures(void **state)
{
    (void)state;
    totals tot;
    memset(&tot, 0, sizeof tot);
    test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/crafted", compare_capture, &tot);
    test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/captures/real", compare_capture, &tot);
    test_each_capture_in(TCPSIFT_SOURCE_DIR "/conformance/tunnels", compare_capture, &tot);
    report("conformance", &tot);
    assert_true(tot.files >= 20);
    assert_true(tot.direct >= 100);
}

static void test_direct_equals_general_shared_captures(void **state)
{
    (void)state;
    totals tot;
    memset(&tot, 0, sizeof tot);
    if (test_each_shared_capture("the stream's direct path vs the general one", compare_capture,
                                 &tot) == 0) {
        skip();
        return;
    }
    report("shared", &tot);
    assert_int_equal(tot.files, 80);
    assert_true(tot.direct >= 1000);
}

/* The bench workloads (bench/direct_paths.cmake names them in TCPSIFT_STEADY_CAPTURES). */
static void test_direct_equals_general_named_captures(void **state)
{
    (void)state;
    totals tot;
    memset(&tot, 0, sizeof tot);
    if (test_each_named_capture("TCPSIFT_STEADY_CAPTURES", compare_capture, &tot) == 0) {
        skip();
        return;
    }
    report("named", &tot);
    assert_true(tot.direct > 0);
}

/* ------------------------------------------------------------------ a scripted connection */

enum { CLIENT = 0, SERVER = 1 };
#define A  TCPSIFT_TCP_ACK
#define AP (TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH)

typedef struct step {
    int from;
    uint16_t flags;
    int32_t seq_delta; /* from the sender's next sequence number */
    uint16_t len;
    uint16_t urgent;
    uint16_t captured; /* 0: all of len; else only this many bytes captured (snap length) */
    int want;          /* 1: the direct path */
} step;

struct side {
    uint32_t next;
};

/* The script's frames (kept: stable buffers keep views into them until the run ends). */
#define MAX_STEPS 40
typedef struct script_run {
    uint8_t *frames[MAX_STEPS];
    size_t nframes;
} script_run;

static void send_step(tcpsift_tracker *t, script_run *sr, struct side sd[2], const step *s,
                      int64_t now, uint64_t *direct_seen)
{
    uint8_t payload[1500];
    for (size_t i = 0; i < s->len; i++)
        payload[i] = (uint8_t)(i * 7 + s->seq_delta + s->from);
    /* frames of 4-byte lengths: a 6-byte body each, so frames span segments */
    for (size_t i = 0; i + 10 <= s->len; i += 10) {
        payload[i] = payload[i + 1] = payload[i + 2] = 0;
        payload[i + 3] = 6;
    }
    struct tcp_spec ts = tcp_default();
    ts.seq = sd[s->from].next + (uint32_t)s->seq_delta;
    ts.ack = sd[1 - s->from].next;
    ts.flags = s->flags;
    ts.window = 65535;
    ts.urgent = s->urgent;
    ts.payload = payload;
    ts.payload_len = s->len;
    if (s->from == SERVER) {
        ts.sport = 80;
        ts.dport = 40000;
    }
    tcpsift_packet pkt;
    uint8_t *frame = seg_stable_frame(&ts, s->from, &pkt);
    assert_true(sr->nframes < MAX_STEPS);
    sr->frames[sr->nframes++] = frame;
    if (s->captured) {
        /* a snap length: the payload's tail not captured */
        pkt.payload.len = s->captured;
    }
    uint32_t end = ts.seq + s->len + ((s->flags & TCPSIFT_TCP_SYN) ? 1u : 0u) +
                   ((s->flags & TCPSIFT_TCP_FIN) ? 1u : 0u);
    if ((int32_t)(end - sd[s->from].next) > 0) sd[s->from].next = end;
    uint64_t before = t->stream_direct_segments;
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, now), TCPSIFT_OK);
    *direct_seen = t->stream_direct_segments - before;
}

static const step script[] = {
    {CLIENT, TCPSIFT_TCP_SYN, 0, 0, 0, 0, 0},
    {SERVER, TCPSIFT_TCP_SYN | A, 0, 0, 0, 0, 0},
    {CLIENT, A, 0, 0, 0, 0, 0}, /* no stream yet: nothing to do either way */
    {CLIENT, AP, 0, 25, 0, 0, 1}, /* the first payload opens the stream, then direct */
    {CLIENT, AP, 0, 30, 0, 0, 1}, /* in order */
    {SERVER, A, 0, 0, 0, 0, 0},   /* the server has no stream: not direct */
    {SERVER, AP, 0, 40, 0, 0, 1},
    {CLIENT, A, 0, 0, 0, 0, 1},   /* a bare in-order ACK on an open stream */
    {CLIENT, AP, -30, 30, 0, 0, 0}, /* a retransmission of delivered bytes */
    {CLIENT, AP, 30, 20, 0, 0, 0},  /* 30 bytes ahead of the next byte: held */
    {CLIENT, AP, -50, 30, 0, 0, 0}, /* fills the hole, but data is held: general */
    {CLIENT, AP, 0, 30, 0, 0, 1},   /* nothing held any more */
    {CLIENT, AP | TCPSIFT_TCP_URG, 0, 30, 5, 0, 0}, /* urgent pointer */
    {CLIENT, AP, 0, 30, 0, 0, 1},
    {CLIENT, AP, 0, 40, 0, 25, 0}, /* captured in part */
    {CLIENT, AP, 0, 30, 0, 0, 1},
    {SERVER, AP | TCPSIFT_TCP_FIN, 0, 20, 0, 0, 1}, /* an in-order FIN with data: finishes */
    {SERVER, A, 0, 0, 0, 0, 0},                    /* past the server's FIN: stream done */
    {CLIENT, AP, 0, 10, 0, 0, 1},
    {CLIENT, AP | TCPSIFT_TCP_FIN, 20, 10, 0, 0, 0}, /* a FIN 20 bytes ahead: held */
    {CLIENT, TCPSIFT_TCP_RST | A, 0, 10, 0, 0, 0}, /* RST with payload */
};

static void run_script(int which, int how, digest *d, uint64_t *rested)
{
    tcpsift_tracker *t = tracker_for(which, how, d);
    int direct = how != RUN_GENERAL;
    struct side sd[2] = {{1000}, {900000}};
    script_run sr = {{NULL}, 0};
    int64_t now = 1000000000;
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        uint64_t seen = 0;
        now += 1000000;
        send_step(t, &sr, sd, &script[i], now, &seen);
        int want = direct && which != CFG_ACKED && script[i].want;
        if (seen != (uint64_t)want)
            fail_msg("%s, step %zu: expected the %s path", cfg_names[which], i + 1,
                     want ? "direct" : "general");
    }
    tcpsift_tracker_finish(t);
    mix_stats(d, tcpsift_tracker_get_stats(t));
    *rested = t->stats.streams_rested;
    assert_int_equal(t->rest_mismatch, 0);
    tcpsift_tracker_destroy(t);
    for (size_t i = 0; i < sr.nframes; i++)
        free(sr.frames[i]);
}

static void test_scripted_connection(void **state)
{
    (void)state;
    for (int which = 0; which < CFG_COUNT; which++) {
        digest a, b, c;
        uint64_t rested[3];
        run_script(which, RUN_DIRECT, &a, &rested[0]);
        run_script(which, RUN_GENERAL, &b, &rested[1]);
        run_script(which, RUN_RESTING, &c, &rested[2]);
        if (digests_differ(&a, &b))
            fail_msg("%s: the scripted connection differs between the paths", cfg_names[which]);
        if (digests_differ(&a, &c))
            fail_msg("%s: the scripted connection differs with streams resting",
                     cfg_names[which]);
        assert_int_equal(rested[0] + rested[1], 0);
        /* the script's steps are 1 ms apart: a stream rests before each step that finds it with
         * nothing held (acknowledged mode holds data until its ACK: 4 rests; 6 to 10 others) */
        printf("%s: %llu rests\n", cfg_names[which], (unsigned long long)rested[2]);
        assert_true(rested[2] >= 4);
        assert_true(a.data > 0);
        assert_int_equal(a.conns, 1);
        if (which != CFG_LINE && which != CFG_JSON) assert_true(a.frames > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripted_connection),
        cmocka_unit_test(test_direct_equals_general_conformance_captures),
        cmocka_unit_test(test_direct_equals_general_shared_captures),
        cmocka_unit_test(test_direct_equals_general_named_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

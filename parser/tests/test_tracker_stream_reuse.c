/* What a direction stream reuses from the one before it (issue 9): the stream object and the
 * reassembler's blocks of 64..1024 bytes (its retained-view rings) come back from the tracker's
 * spares instead of the embedder's allocator, and a stream after its SYN starts without a
 * whole segment call. None of it may show: a connection's report, the tracker's stream stats,
 * the reassembler's memory accounting (budget used and peak) and its caps must be exactly what
 * the same connection gives in a fresh tracker.
 *
 * Expected allocator calls and budget figures follow from the documented rules (reassembly.c:
 * a retained view is 16 bytes; the view ring starts at 4 views and doubles; a growth holds the
 * old and the new ring at once), never from running the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reasm_settled.h"
#include "support_packets.h"
#include "support_segments.h"
#include "tracker_internal.h"

#define MAX_CONNS         24
#define MAX_PKTS          2048

/* An allocator that checks the size handed back to free() against the size asked (the
 * contract of tcpsift/alloc.h), counts live blocks and the requests per size. */
typedef struct size_alloc {
    unsigned live;
    unsigned bad_free; /* free() with a size other than the one allocated */
    unsigned asked[5]; /* requests of 64 << i bytes */
} size_alloc;

static void *sa_alloc(void *ctx, size_t size)
{
    size_alloc *a = ctx;
    for (int i = 0; i < 5; i++)
        if (size == (size_t)64 << i) a->asked[i]++;
    uint8_t *p = malloc(size + 16);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    a->live++;
    return p + 16;
}

static void sa_free(void *ctx, void *p, size_t size)
{
    size_alloc *a = ctx;
    if (!p) return;
    uint8_t *block = (uint8_t *)p - 16;
    size_t had;
    memcpy(&had, block, sizeof had);
    if (had != size) a->bad_free++;
    a->live--;
    free(block);
}

/* One connection's report, by order of creation. */
typedef struct report {
    uint64_t stream_bytes[2], gap_bytes[2];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    char history[TCPSIFT_HISTORY_MAX + 1];
    int seen;
} report;

typedef struct run {
    tcpsift_tracker *t;
    size_alloc a;
    tcpsift_allocator hooks;
    uint8_t *pkts[MAX_PKTS]; /* stable buffers: every frame lives until the tracker is gone */
    size_t npkts;
    int64_t ts;
    report reports[MAX_CONNS]; /* by client port - 41000 */
    report want[MAX_CONNS];
    uint64_t frames, frame_bytes;
} run;

static void on_conn_end(void *ctx, const tcpsift_conn_info *info)
{
    run *r = ctx;
    unsigned k = (unsigned)info->client_port - 41000u;
    assert_true(k < MAX_CONNS);
    report *rep = &r->reports[k];
    assert_false(rep->seen);
    rep->seen = 1;
    rep->stream_bytes[0] = info->client.stream_bytes;
    rep->stream_bytes[1] = info->server.stream_bytes;
    rep->gap_bytes[0] = info->client.gap_bytes;
    rep->gap_bytes[1] = info->server.gap_bytes;
    memcpy(rep->events, info->events, sizeof rep->events);
    strcpy(rep->history, info->history);
}

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    run *r = ctx;
    (void)id;
    (void)proto;
    (void)dir;
    r->frames++;
    r->frame_bytes += f->data_len;
}

typedef struct setup {
    int stable;          /* buffers_stable: views retained (the rings reused) */
    int framing;         /* len:2:be framing */
    uint64_t global_cap; /* reasm_global_cap */
} setup;

static void run_init(run *r, const setup *s)
{
    memset(r, 0, sizeof *r);
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x35 * i + 1);
    cfg.reassemble = 1;
    cfg.framing = s->framing;
    cfg.buffers_stable = s->stable;
    cfg.reasm_global_cap = s->global_cap;
    cfg.embryo_capacity = 0;
    if (s->framing) {
        char why[96];
        assert_int_equal(tcpsift_framer_spec_parse("len:2:be", &cfg.framer, why, sizeof why),
                         TCPSIFT_OK);
    }
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.on_frame = on_frame;
    cfg.cb.ctx = r;
    r->hooks.alloc = sa_alloc;
    r->hooks.free = sa_free;
    r->hooks.ctx = &r->a;
    cfg.allocator = &r->hooks;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    r->ts = 1700000000LL * 1000000000LL;
}

static void run_free(run *r)
{
    tcpsift_tracker_destroy(r->t);
    assert_int_equal(r->a.live, 0);
    assert_int_equal(r->a.bad_free, 0);
    for (size_t i = 0; i < r->npkts; i++)
        free(r->pkts[i]);
}

static void send_seg(run *r, uint16_t cport, int from, uint16_t flags, uint32_t seq, uint32_t ack,
                     const uint8_t *data, size_t len)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = from == 0 ? cport : 80;
    ts.dport = from == 0 ? 80 : cport;
    ts.seq = seq;
    ts.ack = ack;
    ts.flags = flags;
    ts.window = 65535;
    ts.payload = data;
    ts.payload_len = len;
    assert_true(r->npkts < MAX_PKTS);
    tcpsift_packet pkt;
    r->pkts[r->npkts++] = seg_stable_frame(&ts, from, &pkt);
    r->ts += 1000000;
    assert_int_equal(tcpsift_tracker_packet(r->t, &pkt, r->ts), TCPSIFT_OK);
}

/* Connection k (client port 41000 + k): handshake, `nseg` client segments of 30 bytes of a
 * stream of 13-byte length-framed messages (2 + 11: most span two segments, so a COPY_TAIL
 * framer copies), sent in order except that with
 * `swap` the second and third trade places (held, copied), with `hole` the third is never
 * sent (a gap at the FIN), then FINs from both sides. Each side ACKs what it saw. */
static void connection(run *r, int k, int nseg, int swap, int hole)
{
    uint16_t cport = (uint16_t)(41000 + k);
    uint32_t c = 0x10000000u * (uint32_t)k + 0xfffffff0u, s = 0x7000u + 77u * (uint32_t)k;
    uint8_t stream[16 * 30 + 13];
    for (int m = 0; 13 * m < 16 * 30; m++) {
        stream[13 * m] = 0;
        stream[13 * m + 1] = 11;
        memset(&stream[13 * m + 2], 'a' + (m + k) % 26, 11);
    }
    const uint8_t(*data)[30] = (const uint8_t(*)[30])stream;
    send_seg(r, cport, 0, TCPSIFT_TCP_SYN, c, 0, NULL, 0);
    send_seg(r, cport, 1, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, s, c + 1, NULL, 0);
    send_seg(r, cport, 0, TCPSIFT_TCP_ACK, c + 1, s + 1, NULL, 0);
    for (int j = 0; j < nseg; j++) {
        int i = j;
        if (swap && j == 1) i = 2;
        if (swap && j == 2) i = 1;
        if (hole && i == 2) continue;
        send_seg(r, cport, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, c + 1 + 30u * (uint32_t)i, s + 1,
                 data[i], 30);
    }
    uint32_t cfin = c + 1 + 30u * (uint32_t)nseg;
    send_seg(r, cport, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, cfin, s + 1, NULL, 0);
    send_seg(r, cport, 1, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, s + 1, cfin + 1, NULL, 0);
    send_seg(r, cport, 0, TCPSIFT_TCP_ACK, cfin + 1, s + 2, NULL, 0);
}

/* The connections of the comparison: in order of 1 to 9 segments (view rings of 4, 8 and 16),
 * held out-of-order data, holes. */
typedef struct conn_spec {
    int nseg, swap, hole;
} conn_spec;
static const conn_spec specs[] = {
    {9, 0, 0}, {1, 0, 0}, {3, 1, 0}, {5, 0, 1}, {4, 0, 0}, {8, 1, 1}, {2, 0, 0},
    {6, 1, 0}, {9, 1, 0}, {3, 0, 1}, {7, 0, 0}, {1, 0, 0}, {5, 1, 1}, {9, 0, 0},
};
#define NSPECS (sizeof specs / sizeof specs[0])

static void assert_reports_equal(const report *x, const report *y)
{
    assert_true(x->seen && y->seen);
    for (int d = 0; d < 2; d++) {
        assert_int_equal(x->stream_bytes[d], y->stream_bytes[d]);
        assert_int_equal(x->gap_bytes[d], y->gap_bytes[d]);
    }
    assert_memory_equal(x->events, y->events, sizeof x->events);
    assert_string_equal(x->history, y->history);
}

/* Every connection, one after another in one tracker (each stream reuses the released ones),
 * against each connection alone in a fresh tracker: equal reports, equal stream stats, the
 * tracker's peak the largest of the fresh ones, and the budget back at 0 between connections. */
static void check_reuse_equals_fresh(const setup *s, uint64_t *memcap_hits_out,
                                     uint64_t *copied_out)
{
    static run shared, fresh; /* large: not on the stack */
    run_init(&shared, s);
    uint64_t copied = 0, memcap = 0, peak = 0, frames = 0, frame_bytes = 0;
    for (size_t k = 0; k < NSPECS; k++) {
        connection(&shared, (int)k, specs[k].nseg, specs[k].swap, specs[k].hole);
        /* Both directions reached their FIN: every stream released, nothing counted. */
        assert_int_equal(shared.t->budget.used, 0);

        run_init(&fresh, s);
        connection(&fresh, (int)k, specs[k].nseg, specs[k].swap, specs[k].hole);
        tcpsift_tracker_finish(fresh.t);
        const tcpsift_tracker_stats *fs = tcpsift_tracker_get_stats(fresh.t);
        copied += fs->stream_copied_bytes;
        memcap += fs->memcap_hits;
        if (fs->reasm_buffered_peak > peak) peak = fs->reasm_buffered_peak;
        frames += fresh.frames;
        frame_bytes += fresh.frame_bytes;
        for (size_t j = 0; j < NSPECS; j++)
            if (j != k) assert_false(fresh.reports[j].seen);
        shared.want[k] = fresh.reports[k];
        run_free(&fresh);
    }
    tcpsift_tracker_finish(shared.t);
    for (size_t k = 0; k < NSPECS; k++)
        assert_reports_equal(&shared.reports[k], &shared.want[k]);
    const tcpsift_tracker_stats *ss = tcpsift_tracker_get_stats(shared.t);
    assert_int_equal(ss->stream_copied_bytes, copied);
    assert_int_equal(ss->memcap_hits, memcap);
    assert_int_equal(ss->reasm_buffered_peak, peak);
    assert_int_equal(shared.frames, frames);
    assert_int_equal(shared.frame_bytes, frame_bytes);
    *memcap_hits_out = memcap;
    *copied_out = copied;
    run_free(&shared);
}

static void test_reuse_equals_fresh_stable(void **state)
{
    (void)state;
    setup s = {1, 1, 0};
    uint64_t memcap, copied;
    check_reuse_equals_fresh(&s, &memcap, &copied);
    assert_int_equal(memcap, 0);
}

static void test_reuse_equals_fresh_copy_tail(void **state)
{
    (void)state;
    setup s = {0, 1, 0};
    uint64_t memcap, copied;
    check_reuse_equals_fresh(&s, &memcap, &copied);
    assert_int_equal(memcap, 0);
    assert_true(copied > 0); /* frames across segments: the framers' tails copied */
}

/* A shared budget of 200 bytes: a 4-view ring (64) grows to 8 (64 + 128 at once) but not to 16
 * (128 + 256), and held data (an extent array of 16 extents, 384 bytes) never fits: the swapped
 * and holed connections hit the memcap, and the streams after them reuse their blocks. */
static void test_reuse_equals_fresh_under_budget(void **state)
{
    (void)state;
    setup s = {1, 1, 200};
    uint64_t memcap, copied;
    check_reuse_equals_fresh(&s, &memcap, &copied);
    assert_true(memcap > 0);
    setup s2 = {0, 0, 200};
    check_reuse_equals_fresh(&s2, &memcap, &copied);
    assert_true(memcap > 0);
}

/* Sequential streams of 9, 3 and 9 in-order segments with stable buffers: the first grows its
 * view ring 4 -> 8 -> 16 views (64, 128, 256 bytes, each asked of the embedder once); the others
 * reuse those blocks, so the embedder is asked for none again. The budget counts each ring as
 * if fresh: its peak is a growth from 8 to 16 views, 128 + 256 bytes, and it is back at 0. */
static void test_view_rings_reused_counted_as_fresh(void **state)
{
    (void)state;
    static run r;
    setup s = {1, 0, 0};
    run_init(&r, &s);
    memset(r.a.asked, 0, sizeof r.a.asked); /* the tracker's own blocks: not counted */
    connection(&r, 0, 9, 0, 0);
    assert_int_equal(r.a.asked[0], 1);
    assert_int_equal(r.a.asked[1], 1);
    assert_int_equal(r.a.asked[2], 1);
    assert_int_equal(r.t->budget.peak, 128 + 256);
    assert_int_equal(r.t->budget.used, 0);
    connection(&r, 1, 3, 0, 0);
    connection(&r, 2, 9, 0, 0);
    assert_int_equal(r.a.asked[0], 1);
    assert_int_equal(r.a.asked[1], 1);
    assert_int_equal(r.a.asked[2], 1);
    assert_int_equal(r.a.asked[3], 0);
    assert_int_equal(r.t->budget.peak, 128 + 256);
    assert_int_equal(r.t->budget.used, 0);
    tcpsift_tracker_finish(r.t);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(r.reports[k].stream_bytes[0], k == 1 ? 90 : 270);
        assert_int_equal(r.reports[k].gap_bytes[0], 0);
    }
    run_free(&r);
}

/* Streams still open when the tracker is destroyed, one holding out-of-order data (copies,
 * an extent array), then the same again in a tracker whose spares are full: every block goes
 * back to the embedder, each with the size it was asked for. */
static void test_open_streams_released_at_destroy(void **state)
{
    (void)state;
    static run r;
    setup s = {1, 1, 0};
    run_init(&r, &s);
    for (int k = 0; k < 3; k++)
        connection(&r, k, 9, 0, 0); /* spares: streams and rings */
    uint16_t cport = 41010;
    uint32_t c = 5000, sv = 9000;
    uint8_t d[40];
    memset(d, 'x', sizeof d);
    send_seg(&r, cport, 0, TCPSIFT_TCP_SYN, c, 0, NULL, 0);
    send_seg(&r, cport, 1, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, sv, c + 1, NULL, 0);
    send_seg(&r, cport, 0, TCPSIFT_TCP_ACK, c + 1, sv + 1, NULL, 0);
    send_seg(&r, cport, 0, TCPSIFT_TCP_ACK, c + 1, sv + 1, d, 40);
    send_seg(&r, cport, 0, TCPSIFT_TCP_ACK, c + 81, sv + 1, d, 40); /* held: a hole before it */
    send_seg(&r, cport, 1, TCPSIFT_TCP_ACK, sv + 1, c + 41, d, 20);
    assert_true(r.t->budget.used > 0);
    run_free(&r); /* no finish: destroy releases the open streams */
}

/* ------------------------------------------------------------------ the SYN start */

typedef struct trace {
    uint64_t data_off[64], data_len[64], gap_off[64], gap_len[64];
    uint8_t bytes[4096];
    size_t ndata, ngap, nbytes;
} trace;

static void t_data(void *ctx, uint64_t off, const uint8_t *p, size_t len, int copied)
{
    trace *tr = ctx;
    (void)copied;
    assert_true(tr->ndata < 64 && tr->nbytes + len <= sizeof tr->bytes);
    tr->data_off[tr->ndata] = off;
    tr->data_len[tr->ndata++] = len;
    memcpy(tr->bytes + tr->nbytes, p, len);
    tr->nbytes += len;
}

static void t_gap(void *ctx, uint64_t off, uint64_t len, tcpsift_reasm_gap_reason why)
{
    trace *tr = ctx;
    (void)why;
    assert_true(tr->ngap < 64);
    tr->gap_off[tr->ngap] = off;
    tr->gap_len[tr->ngap++] = len;
}

/* reasm_start_at_syn(isn) and tcpsift_reasm_segment(isn, SYN) leave reassemblers that deliver
 * the same bytes at the same offsets from the same later segments: on a fresh reassembler, one
 * that only counted RST payload, and (the general path) one already started; ISNs at the wrap. */
static void test_start_at_syn_equals_syn_segment(void **state)
{
    (void)state;
    static const uint32_t isns[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu,
                                    0x12345678u};
    uint8_t payload[256];
    for (int i = 0; i < 256; i++)
        payload[i] = (uint8_t)(i * 7 + 1);
    for (size_t n = 0; n < sizeof isns / sizeof isns[0]; n++)
        for (int prior = 0; prior < 3; prior++) {
            uint32_t isn = isns[n];
            trace ta, tb;
            memset(&ta, 0, sizeof ta);
            memset(&tb, 0, sizeof tb);
            tcpsift_reasm a, b;
            tcpsift_reasm_callbacks ca = {t_data, t_gap, NULL, &ta}, cb = {t_data, t_gap, NULL, &tb};
            assert_int_equal(tcpsift_reasm_init(&a, NULL, &ca, NULL, NULL), TCPSIFT_OK);
            assert_int_equal(tcpsift_reasm_init(&b, NULL, &cb, NULL, NULL), TCPSIFT_OK);
            for (tcpsift_reasm *r = &a; r; r = r == &a ? &b : NULL) {
                if (prior == 1) /* RST payload only: still no base */
                    tcpsift_reasm_segment(r, isn + 5, payload, 10, 10, TCPSIFT_REASM_RST);
                if (prior == 2) /* started by an earlier SYN 100 below */
                    tcpsift_reasm_segment(r, isn - 100, NULL, 0, 0, TCPSIFT_REASM_SYN);
            }
            reasm_start_at_syn(&a.state, &a.setup, isn);
            assert_int_equal(tcpsift_reasm_segment(&b, isn, NULL, 0, 0, TCPSIFT_REASM_SYN),
                             TCPSIFT_OK);
            assert_int_equal(tcpsift_reasm_next_offset(&a), tcpsift_reasm_next_offset(&b));
            /* Later segments: in order, out of order, overlapping the SYN's number, a FIN. */
            const struct {
                uint32_t rel;
                size_t len;
                unsigned flags;
            } segs[] = {{1, 20, 0}, {41, 30, 0}, {21, 20, 0}, {0, 25, 0}, {81, 10, 0},
                        {71, 10, TCPSIFT_REASM_FIN}};
            for (size_t j = 0; j < sizeof segs / sizeof segs[0]; j++)
                for (tcpsift_reasm *r = &a; r; r = r == &a ? &b : NULL)
                    tcpsift_reasm_segment(r, isn + segs[j].rel, payload + segs[j].rel % 128,
                                          segs[j].len, segs[j].len, segs[j].flags);
            tcpsift_reasm_ack(&a, isn + 200);
            tcpsift_reasm_ack(&b, isn + 200);
            assert_true(tcpsift_reasm_check(&a));
            assert_int_equal(tcpsift_reasm_finish(&a), TCPSIFT_OK);
            assert_int_equal(tcpsift_reasm_finish(&b), TCPSIFT_OK);
            assert_int_equal(ta.ndata, tb.ndata);
            assert_int_equal(ta.ngap, tb.ngap);
            assert_int_equal(ta.nbytes, tb.nbytes);
            assert_memory_equal(ta.data_off, tb.data_off, sizeof ta.data_off);
            assert_memory_equal(ta.data_len, tb.data_len, sizeof ta.data_len);
            assert_memory_equal(ta.gap_off, tb.gap_off, sizeof ta.gap_off);
            assert_memory_equal(ta.gap_len, tb.gap_len, sizeof ta.gap_len);
            assert_memory_equal(ta.bytes, tb.bytes, ta.nbytes);
            assert_memory_equal(tcpsift_reasm_get_stats(&a), tcpsift_reasm_get_stats(&b),
                                sizeof(tcpsift_reasm_stats));
            if (prior != 2) {
                /* Offset 0 is ISN+1 (the SYN's number is before it): bytes ISN+1 .. ISN+80,
                 * then the FIN at ISN+81; the 10 bytes held from ISN+81 are after it. */
                assert_int_equal(ta.nbytes, 80);
                assert_int_equal(ta.data_off[0], 0);
                assert_memory_equal(ta.bytes, payload + 1, 20);
            }
            tcpsift_reasm_free(&a);
            tcpsift_reasm_free(&b);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_rings_reused_counted_as_fresh),
        cmocka_unit_test(test_reuse_equals_fresh_stable),
        cmocka_unit_test(test_reuse_equals_fresh_copy_tail),
        cmocka_unit_test(test_reuse_equals_fresh_under_budget),
        cmocka_unit_test(test_open_streams_released_at_destroy),
        cmocka_unit_test(test_start_at_syn_equals_syn_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

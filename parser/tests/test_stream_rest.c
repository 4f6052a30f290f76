/* Resting streams (stream_rest.c; issue 9), step by step: when a stream rests, what leaves it at
 * rest (an ACK of delivered bytes, a bare in-order segment), what wakes it (data, a
 * retransmission, which is still checked against the bytes retained before the rest), a stream
 * that holds data out of order never resting, the form's size, and a stream that cannot be
 * woken for want of memory (counted; still finished and reported at the end, through the
 * tracker's reserve). Each scenario also runs with resting off: the reports must agree. (The
 * captures and every configuration are compared in test_tracker_stream_direct.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "support_packets.h"
#include "support_segments.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"
#include "tracker_internal.h"

enum { CLIENT = 0, SERVER = 1 };
#define SEC 1000000000ll

typedef struct outcome {
    uint64_t frames, data_bytes, conns;
    uint64_t stream_bytes[2];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    char history[TCPSIFT_HISTORY_MAX + 1];
} outcome;

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    (void)id, (void)dir, (void)offset, (void)data;
    ((outcome *)ctx)->data_bytes += len;
}

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    (void)id, (void)proto, (void)dir, (void)f;
    ((outcome *)ctx)->frames++;
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *c)
{
    outcome *o = ctx;
    o->conns++;
    if (c->client_port != 40000) return; /* the scenarios' connection; another has none */
    o->stream_bytes[0] = c->client.stream_bytes;
    o->stream_bytes[1] = c->server.stream_bytes;
    memcpy(o->events, c->events, sizeof o->events);
    strncpy(o->history, c->history, TCPSIFT_HISTORY_MAX);
}

/* An allocator that can be told to refuse. */
typedef struct refusing {
    int refuse;
} refusing;
static void *refusing_alloc(void *ctx, size_t n)
{
    return ((refusing *)ctx)->refuse ? NULL : malloc(n);
}
static void refusing_free(void *ctx, void *p, size_t n)
{
    (void)ctx, (void)n;
    free(p);
}

typedef struct run {
    tcpsift_tracker *t;
    outcome out;
    refusing gate;
    tcpsift_allocator hooks;
    uint32_t next[2];
    uint16_t cport; /* the client's port: 40000, another for another connection */
    uint8_t *frames[64];
    size_t nframes;
} run;

/* stable: buffers stable (views retained) or not (copies in a ring); drops_acked:
 * cfg.rest_drops_acked. */
static void run_start_as(run *r, uint64_t rest_ns, int stable, int drops_acked)
{
    memset(r, 0, sizeof *r);
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.reassemble = 1;
    cfg.framing = 1;
    cfg.buffers_stable = stable;
    cfg.stream_rest_ns = rest_ns;
    cfg.rest_drops_acked = drops_acked;
    for (int i = 0; i < TCPSIFT_FLOW_CLASS_COUNT; i++)
        cfg.timeout_ns[i] = TCPSIFT_FLOW_NO_TIMEOUT; /* as the CLI reads files: no expiry */
    assert_int_equal(tcpsift_framer_spec_parse("len:4:be", &cfg.framer, NULL, 0), TCPSIFT_OK);
    cfg.cb.on_data = on_data;
    cfg.cb.on_frame = on_frame;
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.ctx = &r->out;
    r->hooks.alloc = refusing_alloc;
    r->hooks.free = refusing_free;
    r->hooks.ctx = &r->gate;
    cfg.allocator = &r->hooks;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    r->next[CLIENT] = 1000;
    r->next[SERVER] = 500000;
    r->cport = 40000;
}

static void run_start(run *r, uint64_t rest_ns)
{
    run_start_as(r, rest_ns, 1, 0);
}

/* A segment from `from` at `seq_delta` from its next sequence number, `len` bytes: a message of
 * a 4-byte length and (len - 4) bytes of `fill` when len > 4. */
static void send(run *r, int from, uint16_t flags, int32_t seq_delta, size_t len, uint8_t fill,
                 int64_t ns)
{
    uint8_t payload[64];
    assert_true(len <= sizeof payload);
    memset(payload, fill, len);
    if (len > 4) {
        payload[0] = payload[1] = payload[2] = 0;
        payload[3] = (uint8_t)(len - 4);
    }
    struct tcp_spec ts = tcp_default();
    ts.seq = r->next[from] + (uint32_t)seq_delta;
    ts.ack = r->next[1 - from];
    ts.flags = flags;
    ts.window = 65535;
    ts.payload = payload;
    ts.payload_len = len;
    ts.sport = r->cport;
    if (from == SERVER) {
        ts.sport = 80;
        ts.dport = r->cport;
    }
    tcpsift_packet pkt;
    assert_true(r->nframes < 64);
    r->frames[r->nframes++] = seg_stable_frame(&ts, from, &pkt);
    uint32_t end = ts.seq + (uint32_t)len + ((flags & TCPSIFT_TCP_SYN) ? 1u : 0u) +
                   ((flags & TCPSIFT_TCP_FIN) ? 1u : 0u);
    if ((int32_t)(end - r->next[from]) > 0) r->next[from] = end;
    assert_int_equal(tcpsift_tracker_packet(r->t, &pkt, ns), TCPSIFT_OK);
}

static void handshake(run *r)
{
    send(r, CLIENT, TCPSIFT_TCP_SYN, 0, 0, 0, 1 * SEC);
    send(r, SERVER, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 1000);
    send(r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 2000);
}

static void run_end(run *r)
{
    r->gate.refuse = 0;
    tcpsift_tracker_finish(r->t);
    tcpsift_tracker_destroy(r->t);
    for (size_t i = 0; i < r->nframes; i++)
        free(r->frames[i]);
}

static void outcomes_equal(const outcome *a, const outcome *b)
{
    assert_int_equal(a->frames, b->frames);
    assert_int_equal(a->data_bytes, b->data_bytes);
    assert_int_equal(a->conns, b->conns);
    assert_int_equal(a->stream_bytes[0], b->stream_bytes[0]);
    assert_int_equal(a->stream_bytes[1], b->stream_bytes[1]);
    assert_memory_equal(a->events, b->events, sizeof a->events);
    assert_string_equal(a->history, b->history);
}

#define AP (TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH)

/* The scenario, for resting on (checks the counts at each step) and off. */
static void quiet_then_busy(run *r, int resting)
{
    tcpsift_tracker *t = r->t;
    handshake(r);
    send(r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);           /* one message */
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 4000); /* acknowledged */
    if (resting) assert_int_equal(t->stats.streams_rested, 0);
    /* 1.5 s later: the sweep at this packet rests the client's stream (idle since 1 s + 3 us);
     * the packet itself, an ACK of delivered bytes, leaves it at rest. */
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2);
    if (resting) {
        assert_int_equal(t->stats.streams_rested, 1);
        assert_int_equal(t->stats.streams_woken, 0);
    }
    /* a bare in-order segment of the client: at rest still, counted as a direct segment */
    uint64_t direct = t->stream_direct_segments;
    send(r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2 + 1000);
    if (resting) {
        assert_int_equal(t->stats.streams_woken, 0);
        assert_int_equal(t->stream_direct_segments, direct + 1);
    }
    /* the message again, other bytes: wakes it, and is checked against the retained view */
    send(r, CLIENT, AP, -10, 10, 'b', 2 * SEC + SEC / 2 + 2000);
    if (resting) assert_int_equal(t->stats.streams_woken, 1);
    /* the next message, then a hole: 6 bytes ahead are held, so the stream does not rest */
    send(r, CLIENT, AP, 0, 10, 'c', 2 * SEC + SEC / 2 + 3000);
    send(r, CLIENT, AP, 6, 10, 'd', 2 * SEC + SEC / 2 + 4000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 5 * SEC);
    if (resting) assert_int_equal(t->stats.streams_rested, 1);
    /* (the sweep at that ACK came first; the ACK then passed the hole: a 6-byte gap, the held
     * message delivered) the hole's bytes come late, then quiet again: it rests once more */
    send(r, CLIENT, AP, -16, 6, 'e', 5 * SEC + 1000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 9 * SEC);
    if (resting) assert_int_equal(t->stats.streams_rested, 2);
}

static void test_rest_and_wake(void **state)
{
    (void)state;
    run on, off;
    run_start(&on, SEC);
    quiet_then_busy(&on, 1);
    run_start(&off, 0);
    quiet_then_busy(&off, 0);
    assert_int_equal(off.t->stats.streams_rested, 0);
    assert_int_equal(on.t->rest_mismatch, 0);
    run_end(&on);
    run_end(&off);
    outcomes_equal(&on.out, &off.out);
    assert_int_equal(on.out.stream_bytes[0], 30); /* 36 sent, 6 of them after their gap */
    assert_true(on.out.events[TCPSIFT_ANOMALY_CONTENT_GAP] > 0);
    assert_true(on.out.events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH] > 0); /* checked after the rest */
    assert_true(on.out.frames >= 3);
}

static int find_conn(void *ctx, const tcpsift_flow_view *flow)
{
    if (!flow->embryo) *(conn **)ctx = flow->value;
    return 0;
}

/* The tracker's one connection. */
static conn *the_conn(tcpsift_tracker *t)
{
    conn *c = NULL;
    assert_int_equal(tcpsift_flow_table_foreach(t->table, find_conn, &c), 1);
    assert_non_null(c);
    return c;
}

/* A one-way transfer: the client's request, then the server sends for 3 s. The connection is
 * never idle, but the client's direction is: its stream rests (its next offset has not moved
 * since it was listed) while the server's keeps working, the server's segments (ACKs of the
 * request) leave it at rest, and the client's next message wakes it. */
static void one_way_transfer(run *r, int resting)
{
    tcpsift_tracker *t = r->t;
    handshake(r);
    send(r, CLIENT, AP, 0, 10, 'q', 1 * SEC + 3000); /* the request */
    for (int i = 0; i < 20; i++) /* the answer: 20 messages, one every 150 ms */
        send(r, SERVER, AP, 0, 60, (uint8_t)('A' + i),
             1 * SEC + 4000 + (int64_t)i * (SEC / 20 * 3));
    if (resting) {
        assert_int_equal(t->stats.streams_rested, 1); /* the client's only */
        assert_int_equal(t->stats.streams_woken, 0);
        conn *c = the_conn(t);
        assert_non_null(conn_stream_rested(c, CLIENT));
        assert_non_null(conn_stream(c, SERVER)); /* awake */
    }
    send(r, CLIENT, AP, 0, 10, 'r', 4 * SEC); /* the next request wakes it */
    if (resting) assert_int_equal(t->stats.streams_woken, 1);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 4 * SEC + 1000);
}

static void test_rest_quiet_direction(void **state)
{
    (void)state;
    run on, off;
    run_start(&on, SEC);
    one_way_transfer(&on, 1);
    run_start(&off, 0);
    one_way_transfer(&off, 0);
    assert_int_equal(on.t->rest_mismatch, 0);
    run_end(&on);
    run_end(&off);
    outcomes_equal(&on.out, &off.out);
    assert_int_equal(on.out.stream_bytes[0], 20);
    assert_int_equal(on.out.stream_bytes[1], 20 * 60);
    assert_int_equal(on.out.frames, 22);
}

/* A typical quiet stream (one message delivered, its view retained) fits the small form. */
static void test_rest_form_small(void **state)
{
    (void)state;
    run r;
    run_start(&r, SEC);
    handshake(&r);
    send(&r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);
    send(&r, SERVER, AP, 0, 12, 'z', 1 * SEC + 4000);
    send(&r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 5000);
    send(&r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 3 * SEC);
    assert_int_equal(r.t->stats.streams_rested, 2);
    tcpsift_flow_table *table = r.t->table;
    assert_non_null(table);
    /* both forms of the smallest class (48 bytes): chunks of no other class */
    assert_non_null(r.t->rest_chunks[0].room);
    for (int cls = 1; cls < STREAM_REST_CLASSES; cls++) {
        assert_null(r.t->rest_chunks[cls].room);
        assert_null(r.t->rest_chunks[cls].full);
    }
    run_end(&r);
    assert_int_equal(r.out.stream_bytes[0], 10);
    assert_int_equal(r.out.stream_bytes[1], 12);
    assert_int_equal(r.out.frames, 2);
}

/* No memory to wake a rested stream: the segment is not streamed (a memcap hit), the stream
 * stays at rest, and the end still finishes and reports it (the reserve). */
static void test_rest_wake_without_memory(void **state)
{
    (void)state;
    run r;
    run_start(&r, SEC);
    handshake(&r);
    send(&r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);
    send(&r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 3 * SEC);
    assert_int_equal(r.t->stats.streams_rested, 1);
    spares_drain(r.t, &r.t->spare_streams, sizeof(direction_stream));
    r.gate.refuse = 1;
    uint64_t hits = tcpsift_tracker_get_stats(r.t)->memcap_hits;
    send(&r, CLIENT, AP, 0, 10, 'b', 3 * SEC + 1000);
    assert_int_equal(tcpsift_tracker_get_stats(r.t)->memcap_hits, hits + 1);
    assert_int_equal(r.t->stats.streams_woken, 0);
    assert_non_null(r.t->wake_reserve);
    tcpsift_tracker_finish(r.t); /* still refusing: the reserve wakes it */
    assert_int_equal(r.t->stats.streams_woken, 1);
    assert_int_equal(r.out.conns, 1);
    assert_int_equal(r.out.stream_bytes[0], 10);
    assert_int_equal(r.out.frames, 1);
    assert_non_null(r.t->wake_reserve); /* given back by the release */
    run_end(&r);
}

/* Destroyed while streams rest, without finishing: every form and what the streams own is freed
 * (ASan's leak check in the sanitizer builds), through the reserve when nothing else can be had. */
static void test_destroy_at_rest(void **state)
{
    (void)state;
    run r;
    run_start(&r, SEC);
    handshake(&r);
    send(&r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);
    send(&r, SERVER, AP, 0, 40, 'z', 1 * SEC + 4000);
    send(&r, SERVER, AP, 0, 40, 'y', 1 * SEC + 5000); /* two views retained: a view ring */
    send(&r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 3 * SEC);
    assert_int_equal(r.t->stats.streams_rested, 2);
    spares_drain(r.t, &r.t->spare_streams, sizeof(direction_stream));
    r.gate.refuse = 1;
    tcpsift_tracker_destroy(r.t);
    assert_int_equal(r.out.conns, 0); /* destroy reports nothing */
    for (size_t i = 0; i < r.nframes; i++)
        free(r.frames[i]);
}

/* A stream that retains many views (40 segments, each its own buffer: a 64-view array of
 * 1 KiB) rests with its views in the form (a 256- to 512-byte class) and the array freed; a
 * retransmission after the wake, other bytes of the oldest segment, is still compared with
 * them (an overlap mismatch), as without resting. */
static void many_views(run *r, int resting)
{
    tcpsift_tracker *t = r->t;
    handshake(r);
    send(r, CLIENT, AP, 0, 10, 'q', 1 * SEC + 3000);
    for (int i = 0; i < 40; i++)
        send(r, SERVER, AP, 0, 60, (uint8_t)('A' + i), 1 * SEC + 4000 + i * 1000);
    send(r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 50000);
    send(r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 3 * SEC); /* both streams rest */
    if (resting) {
        assert_int_equal(t->stats.streams_rested, 2);
        assert_int_equal(t->rest_views_folded, 1); /* the server's; the client's has one view */
        int large = 0;
        for (int cls = 3; cls < STREAM_REST_CLASSES; cls++)
            large += t->rest_chunks[cls].room != NULL;
        assert_int_equal(large, 1);
    }
    /* the freed array is a spare block still holding the views: the wake must not find them
     * there, but in the form */
    spare_blocks_drain(t);
    /* the first server message again, other bytes: 40 * 60 bytes back from the next */
    send(r, SERVER, AP, -40 * 60, 60, 'z', 3 * SEC + 1000);
    if (resting) assert_int_equal(t->stats.streams_woken, 1);
    send(r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 3 * SEC + 2000);
}

static void test_rest_many_views(void **state)
{
    (void)state;
    run on, off;
    run_start(&on, SEC);
    many_views(&on, 1);
    run_start(&off, 0);
    many_views(&off, 0);
    assert_int_equal(on.t->rest_mismatch + on.t->rest_too_large, 0);
    run_end(&on);
    run_end(&off);
    outcomes_equal(&on.out, &off.out);
    assert_int_equal(on.out.stream_bytes[1], 40 * 60);
    assert_true(on.out.events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH] > 0);
    assert_int_equal(on.out.frames, 41);
}

/* A stream whose views are in its form, and no memory: a segment cannot wake it (no array for
 * its views; a memcap hit, it stays at rest); the end still finishes and reports it, its views
 * dropped (nothing can be compared with them any more) and their bytes uncounted, so the
 * reassembly budget is back to 0. */
static void test_rest_views_without_memory(void **state)
{
    (void)state;
    run r;
    run_start(&r, SEC);
    handshake(&r);
    send(&r, CLIENT, AP, 0, 10, 'q', 1 * SEC + 3000);
    for (int i = 0; i < 8; i++)
        send(&r, SERVER, AP, 0, 60, (uint8_t)('A' + i), 1 * SEC + 4000 + i * 1000);
    send(&r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 3 * SEC);
    assert_int_equal(r.t->rest_views_folded, 1);
    assert_true(r.t->budget.used > 0); /* the folded array is still counted */
    /* a stream object to be had, but no array: */
    spare_blocks_drain(r.t);
    r.gate.refuse = 1;
    uint64_t hits = tcpsift_tracker_get_stats(r.t)->memcap_hits;
    send(&r, SERVER, AP, 0, 60, 'I', 3 * SEC + 1000);
    assert_int_equal(tcpsift_tracker_get_stats(r.t)->memcap_hits, hits + 1);
    assert_int_equal(r.t->stats.streams_woken, 0);
    assert_non_null(conn_stream_rested(the_conn(r.t), SERVER));
    tcpsift_tracker_finish(r.t); /* still refusing */
    assert_int_equal(r.out.conns, 1);
    assert_int_equal(r.out.stream_bytes[1], 8 * 60);
    assert_int_equal(r.out.frames, 9);
    assert_int_equal(r.t->budget.used, 0);
    run_end(&r);
}

/* A SYN of another connection (client port 40001) at `ns`. */
static void other_syn(run *r, int64_t ns)
{
    uint32_t keep[2] = {r->next[0], r->next[1]};
    r->cport = 40001;
    send(r, CLIENT, TCPSIFT_TCP_SYN, 0, 0, 0, ns);
    r->cport = 40000;
    r->next[0] = keep[0];
    r->next[1] = keep[1];
}

/* The clock is the table's, which never goes back: a packet a century ahead rests every quiet
 * stream once; packets of the past then wake and list streams in order, and results stay those
 * of a tracker that never rests. */
static void clock_jump(run *r, int resting)
{
    handshake(r);
    send(r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 4000);
    other_syn(r, 100ll * 365 * 24 * 3600 * SEC); /* a century ahead */
    if (resting) assert_int_equal(r->t->stats.streams_rested, 1);
    send(r, CLIENT, AP, 0, 10, 'b', 1 * SEC + 5000); /* back in time: wakes it */
    if (resting) assert_int_equal(r->t->stats.streams_woken, 1);
    send(r, SERVER, AP, 0, 10, 'c', 1 * SEC + 6000);
    send(r, CLIENT, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 7000);
    /* no time passes on the table's clock now: nothing more rests */
    other_syn(r, 5 * SEC);
    if (resting) assert_int_equal(r->t->stats.streams_rested, 1);
}

static void test_rest_clock_jump(void **state)
{
    (void)state;
    run on, off;
    run_start(&on, SEC);
    clock_jump(&on, 1);
    run_start(&off, 0);
    clock_jump(&off, 0);
    run_end(&on);
    run_end(&off);
    outcomes_equal(&on.out, &off.out);
    assert_int_equal(on.out.stream_bytes[0], 20);
    assert_int_equal(on.out.stream_bytes[1], 10);
}

/* The client's stream as it rests (stream_rest_peek), the tracker's one connection. */
static direction_stream client_at_rest(run *r)
{
    conn *c = the_conn(r->t);
    const stream_rest *rs = conn_stream_rested(c, CLIENT);
    assert_non_null(rs);
    direction_stream ds;
    stream_rest_peek(r->t, c, CLIENT, rs, &ds);
    return ds;
}

/* cfg.rest_drops_acked: the client's message, acknowledged, then 1.5 s quiet: its stream rests
 * and lets go of what it retained (the copies' ring, or the view); a differing copy of the
 * message after the rest is unverified, not a mismatch; the next message is retained again and
 * its differing copy is a mismatch. Results otherwise as without the option. */
static void acked_then_quiet(run *r, int drops)
{
    tcpsift_tracker *t = r->t;
    handshake(r);
    send(r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 4000);
    uint64_t held = t->budget.used; /* the ring (copies) or nothing (one view, inline) */
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2); /* the client's rests */
    assert_int_equal(t->stats.streams_rested, 1);
    direction_stream ds = client_at_rest(r);
    if (drops) {
        assert_null(ds.reasm.ring);
        assert_int_equal(ds.reasm.view_count, 0);
        assert_int_equal(ds.reasm.ring_start, ds.reasm.next_offset);
        assert_int_equal(t->budget.used, 0);
    } else {
        assert_int_equal(ds.reasm.ring_start, 0);
        assert_int_equal(t->budget.used, held);
    }
    send(r, CLIENT, AP, -10, 10, 'b', 2 * SEC + SEC / 2 + 1000); /* wakes it */
    assert_int_equal(t->stats.streams_woken, 1);
    send(r, CLIENT, AP, 0, 10, 'c', 2 * SEC + SEC / 2 + 2000);
    send(r, CLIENT, AP, -10, 10, 'd', 2 * SEC + SEC / 2 + 3000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2 + 4000);
}

static void test_rest_drops_acked(void **state)
{
    (void)state;
    for (int stable = 0; stable <= 1; stable++) {
        run on, off;
        run_start_as(&on, SEC, stable, 1);
        acked_then_quiet(&on, 1);
        run_start_as(&off, SEC, stable, 0);
        acked_then_quiet(&off, 0);
        assert_int_equal(on.t->rest_mismatch + off.t->rest_mismatch, 0);
        run_end(&on);
        run_end(&off);
        assert_int_equal(on.out.frames, off.out.frames);
        assert_int_equal(on.out.data_bytes, off.out.data_bytes);
        assert_int_equal(on.out.stream_bytes[0], 20);
        assert_int_equal(off.out.stream_bytes[0], 20);
        /* the first copy: unverified with the option, compared without it */
        assert_int_equal(on.out.events[TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED], 1);
        assert_int_equal(on.out.events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], 1);
        assert_int_equal(off.out.events[TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED], 0);
        assert_int_equal(off.out.events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], 2);
    }
}

/* cfg.rest_drops_acked (copies or views as `stable` says): the client's 10-byte message, the
 * server's ACK 5 bytes short of it, then quiet until the client's stream rests. */
static void rest_half_acked(run *r, int stable)
{
    run_start_as(r, SEC, stable, 1);
    handshake(r);
    send(r, CLIENT, AP, 0, 10, 'a', 1 * SEC + 3000);
    r->next[CLIENT] -= 5; /* the server's ACKs stop 5 bytes short */
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 1 * SEC + 4000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2);
    r->next[CLIENT] += 5;
    assert_int_equal(r->t->stats.streams_rested, 1);
}

/* cfg.rest_drops_acked with the message acknowledged only in part (5 of 10 bytes): the stream
 * rests keeping all it retained, and a differing copy after the rest is still a mismatch. */
static void test_rest_keeps_unacked(void **state)
{
    (void)state;
    for (int stable = 0; stable <= 1; stable++) {
        run r;
        rest_half_acked(&r, stable);
        direction_stream ds = client_at_rest(&r);
        assert_int_equal(ds.reasm.ring_start, 0);
        assert_int_equal(ds.reasm.next_offset, 10);
        if (stable)
            assert_int_equal(ds.reasm.view_count, 1);
        else
            assert_non_null(ds.reasm.ring);
        assert_true(conn_stream_rested(the_conn(r.t), CLIENT)->cls & REST_AWAITS_ACK);
        send(&r, CLIENT, AP, -10, 10, 'b', 2 * SEC + SEC / 2 + 1000);
        send(&r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2 + 2000);
        run_end(&r);
        assert_int_equal(r.out.events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], 1);
        assert_int_equal(r.out.events[TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED], 0);
    }
}

/* The same, and then, the stream at rest, the ACK that covers the message: the stream lets go
 * of it there (woken and rested again), and a differing copy after that is unverified. */
static void test_rest_drops_at_later_ack(void **state)
{
    (void)state;
    for (int stable = 0; stable <= 1; stable++) {
        run r;
        rest_half_acked(&r, stable);
        send(&r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2 + 1000); /* covers it */
        assert_int_equal(r.t->stats.streams_woken, 1);
        assert_int_equal(r.t->stats.streams_rested, 2);
        const stream_rest *rs = conn_stream_rested(the_conn(r.t), CLIENT);
        assert_non_null(rs);
        assert_false(rs->cls & REST_AWAITS_ACK);
        direction_stream ds = client_at_rest(&r);
        assert_null(ds.reasm.ring);
        assert_int_equal(ds.reasm.view_count, 0);
        assert_int_equal(ds.reasm.ring_start, 10);
        assert_int_equal(r.t->budget.used, 0);
        /* another ACK of the same: nothing more to let go, it stays at rest */
        send(&r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2 + 2000);
        assert_int_equal(r.t->stats.streams_woken, 1);
        send(&r, CLIENT, AP, -10, 10, 'b', 2 * SEC + SEC / 2 + 3000);
        send(&r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2 + 4000);
        run_end(&r);
        assert_int_equal(r.out.events[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], 0);
        assert_int_equal(r.out.events[TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED], 1);
        assert_int_equal(r.out.stream_bytes[0], 10);
    }
}

/* A frame spanning segments, bytes copied (buffers not stable): its 4-byte length in two
 * segments, its 8-byte body in two more, so the framer copies the pending bytes into its tail. */
static void spanning_frame(run *r, int64_t ns)
{
    send(r, CLIENT, AP, 0, 3, 0, ns);         /* 00 00 00 */
    send(r, CLIENT, AP, 0, 1, 8, ns + 1000);  /* 08: the body is 8 bytes */
    send(r, CLIENT, AP, 0, 3, 'x', ns + 2000);
    send(r, CLIENT, AP, 0, 5, 'y', ns + 3000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, ns + 4000);
}

static void spanning_then_quiet(run *r, int resting)
{
    handshake(r);
    spanning_frame(r, 1 * SEC + 3000);
    send(r, SERVER, TCPSIFT_TCP_ACK, 0, 0, 0, 2 * SEC + SEC / 2);
    if (resting) {
        assert_int_equal(r->t->stats.streams_rested, 1);
        direction_stream ds = client_at_rest(r);
        assert_null(ds.framer.tail); /* the empty tail buffer was let go */
        assert_int_equal(ds.framer.tail_cap, 0);
        assert_true(ds.framer.copied_bytes > 0); /* it had been used */
    }
    spanning_frame(r, 2 * SEC + SEC / 2 + 1000); /* wakes it; the tail grows again */
    if (resting) assert_int_equal(r->t->stats.streams_woken, 1);
}

/* A stream at rest keeps no empty framer tail; results as without resting. */
static void test_rest_frees_framer_tail(void **state)
{
    (void)state;
    run on, off;
    run_start_as(&on, SEC, 0, 0);
    spanning_then_quiet(&on, 1);
    run_start_as(&off, 0, 0, 0);
    spanning_then_quiet(&off, 0);
    assert_int_equal(on.t->rest_mismatch, 0);
    run_end(&on);
    run_end(&off);
    outcomes_equal(&on.out, &off.out);
    assert_int_equal(on.out.frames, 2);
    assert_int_equal(on.out.stream_bytes[0], 24);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rest_and_wake),
        cmocka_unit_test(test_rest_quiet_direction),
        cmocka_unit_test(test_rest_form_small),
        cmocka_unit_test(test_rest_wake_without_memory),
        cmocka_unit_test(test_destroy_at_rest),
        cmocka_unit_test(test_rest_many_views),
        cmocka_unit_test(test_rest_views_without_memory),
        cmocka_unit_test(test_rest_clock_jump),
        cmocka_unit_test(test_rest_drops_acked),
        cmocka_unit_test(test_rest_keeps_unacked),
        cmocka_unit_test(test_rest_drops_at_later_ack),
        cmocka_unit_test(test_rest_frees_framer_tail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

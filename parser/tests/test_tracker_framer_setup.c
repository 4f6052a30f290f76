/* The tracker's framers share one setup (issue 9: memory per connection). A direction's stream
 * holds its framer's state only; the config, buffer mode, allocator hooks and the delimiter's
 * KMP failure table are the tracker's, once (tracker_internal.h, t->framer_setup).
 *
 * A framer's pending views are not in the stream either: while a chunk is fed they are in the
 * tracker's scratch, and a direction whose frame spans segments (stable buffers) keeps them in
 * a block of its own until that frame is delivered, then gives the block back.
 *
 * Proven four ways:
 *   - at compile time: a stream's framer is a tcpsift_framer_state, and a direction_stream
 *     stays within its byte budget (a setup put back into each stream breaks it);
 *   - two directions of one connection, their frames and partial delimiter matches
 *     interleaved across segments, cut exactly the frames the framing defines. The delimiter
 *     `abac` needs its failure table: after "abab" the match falls back to "ab", never to
 *     nothing (a zeroed table misses the delimiter in "xyababac");
 *   - the tracker's one setup is what both directions read: lowering its max between two
 *     segments changes both directions' next frames (a copied setup would keep the old max);
 *   - the views: both directions mid-frame hold a block each (their frames' bytes, checked
 *     exactly, would be the other direction's if they shared the scratch), the blocks come back
 *     when the frames complete; without memory for a block the views are copied into the tail
 *     (the same frames).
 * In both buffer modes (stable views, copied tails). Expected frames are written out by hand
 * from the framing's definition (tcpsift/framer.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "support_segments.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"
#include "tracker_internal.h"

/* A stream embeds its framer's state, never a whole framer (state and setup). */
_Static_assert(sizeof(((direction_stream *)0)->framer) == sizeof(tcpsift_framer_state),
               "a direction_stream holds its framer's state only");
/* Bytes per direction_stream (bench_inproc --sizes, x86_64: 1,064 with a framer setup in each
 * stream, 752 with the shared setup, 640 with the reassembler's shared setup too, 392 with the
 * pending views outside the stream, 408 with the first retained view inline: +16 B a stream,
 * -80 B of array and its allocator header a stream between messages, 1,213 -> ~1,085 B per
 * connection after data; 432 with the awake list's links and time: +24 B while a stream
 * works, a stream at rest is a 48- to 128-byte form, stream_rest.c; 440 with the next offset
 * when listed: +8 B while it works, and the quiet direction of a one-way transfer rests, -392 B
 * or more). Lower it when the stream shrinks; never raise it without a reason measured in bytes
 * per connection. */
#define DIRECTION_STREAM_BUDGET 440
_Static_assert(sizeof(direction_stream) <= DIRECTION_STREAM_BUDGET,
               "direction_stream over its budget (issue 9: memory per connection)");

enum { CLIENT = 0, SERVER = 1 };

#define MAX_FRAMES 16
#define MAX_PKTS   16

typedef struct got_frame {
    tcpsift_direction dir;
    tcpsift_frame_part part;
    tcpsift_frame_error error;
    uint64_t offset, len;
    char body[32]; /* the frame's bytes, NUL-terminated */
} got_frame;

typedef struct run {
    got_frame frames[MAX_FRAMES];
    size_t nframes;
    uint8_t *pkts[MAX_PKTS]; /* stable buffers: the frames keep views into them */
    size_t npkts;
    uint32_t next[2]; /* each side's next sequence number */
} run;

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    run *r = ctx;
    (void)id;
    assert_int_equal(proto, 6);
    assert_true(r->nframes < MAX_FRAMES);
    got_frame *g = &r->frames[r->nframes++];
    memset(g, 0, sizeof *g);
    g->dir = dir;
    g->part = f->part;
    g->error = f->error;
    g->offset = f->offset;
    g->len = f->len;
    assert_true(f->data_len < sizeof g->body);
    assert_int_equal(tcpsift_frame_copy_body(f, (uint8_t *)g->body, sizeof g->body - 1),
                     f->data_len);
}

/* The tracker's allocator; refuses blocks of a framer's views when `refuse_views` is set. */
typedef struct counting_alloc {
    int refuse_views;
    unsigned refused;
} counting_alloc;

static void *ca_alloc(void *ctx, size_t size)
{
    counting_alloc *a = ctx;
    if (a->refuse_views && size == FRAMER_VIEW_BLOCK) {
        a->refused++;
        return NULL;
    }
    return malloc(size);
}

static void ca_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static void send_seg(tcpsift_tracker *t, run *r, int from, uint16_t flags, const char *payload)
{
    struct tcp_spec ts = tcp_default();
    size_t n = strlen(payload);
    ts.seq = r->next[from];
    ts.ack = r->next[1 - from];
    ts.flags = flags;
    ts.window = 65535;
    ts.payload = (const uint8_t *)payload;
    ts.payload_len = n;
    if (!(flags & TCPSIFT_TCP_ACK)) ts.ack = 0;
    if (from == SERVER) {
        ts.sport = 80;
        ts.dport = 40000;
    }
    tcpsift_packet pkt;
    assert_true(r->npkts < MAX_PKTS);
    r->pkts[r->npkts++] = seg_stable_frame(&ts, from, &pkt);
    r->next[from] += (uint32_t)n + ((flags & TCPSIFT_TCP_SYN) ? 1u : 0u);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, 1000000000 + (int64_t)r->npkts), TCPSIFT_OK);
}

/* The connection's two streams (the only flow in the table). */
typedef struct streams {
    const direction_stream *ds[2];
    size_t flows;
} streams;

static int find_streams(void *ctx, const tcpsift_flow_view *flow)
{
    streams *s = ctx;
    s->flows++;
    if (flow->embryo) return 0;
    const conn *c = flow->value;
    s->ds[0] = conn_stream(c, 0);
    s->ds[1] = conn_stream(c, 1);
    return 0;
}

static void expect(const run *r, size_t i, tcpsift_direction dir, tcpsift_frame_error err,
                   uint64_t offset, uint64_t len, const char *body)
{
    assert_true(i < r->nframes);
    const got_frame *g = &r->frames[i];
    assert_int_equal(g->dir, dir);
    assert_int_equal(g->part, TCPSIFT_FRAME_WHOLE);
    assert_int_equal(g->error, err);
    assert_int_equal(g->offset, offset);
    assert_int_equal(g->len, len);
    assert_string_equal(g->body, body);
}

static void interleaved(int stable, int refuse_views)
{
    run r;
    memset(&r, 0, sizeof r);
    r.next[CLIENT] = 1000;
    r.next[SERVER] = 900000;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.max_connections = 16;
    cfg.reassemble = 1;
    cfg.framing = 1;
    cfg.buffers_stable = stable;
    assert_int_equal(tcpsift_framer_spec_parse("delim:61626163", &cfg.framer, NULL, 0),
                     TCPSIFT_OK); /* "abac" */
    cfg.cb.on_frame = on_frame;
    cfg.cb.ctx = &r;
    counting_alloc ca = {refuse_views, 0};
    tcpsift_allocator hooks = {ca_alloc, ca_free, &ca};
    cfg.allocator = &hooks;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);

    /* The setup: the config, the mode, and the failure table of "abac" ([0, 0, 1, 0]). */
    assert_memory_equal(t->framer_setup.cfg.delim, "abac", 4);
    assert_int_equal(t->framer_setup.cfg.delim_len, 4);
    assert_int_equal(t->framer_setup.mode,
                     stable ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL);
    static const uint8_t fail[4] = {0, 0, 1, 0};
    assert_memory_equal(t->framer_setup.fail, fail, sizeof fail);

    const uint16_t A = TCPSIFT_TCP_ACK, AP = TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH;
    send_seg(t, &r, CLIENT, TCPSIFT_TCP_SYN, "");
    send_seg(t, &r, SERVER, TCPSIFT_TCP_SYN | A, "");
    send_seg(t, &r, CLIENT, A, "");
    /* Each direction ends its segment inside a frame with a partial match: "ab" (client), "aba"
     * (server). */
    send_seg(t, &r, CLIENT, AP, "helloabacxyab");
    send_seg(t, &r, SERVER, AP, "srv1abacaba");

    streams s;
    memset(&s, 0, sizeof s);
    tcpsift_flow_table_foreach(t->table, find_streams, &s);
    assert_int_equal(s.flows, 1);
    assert_non_null(s.ds[CLIENT]);
    assert_non_null(s.ds[SERVER]);
    assert_true(s.ds[CLIENT]->has_framer && s.ds[SERVER]->has_framer);
    /* Per direction: its own progress (frame start, partial match), nothing of the setup. */
    assert_int_equal(s.ds[CLIENT]->framer.pos, 13);
    assert_int_equal(s.ds[CLIENT]->framer.frame_start, 9);
    assert_int_equal(s.ds[CLIENT]->framer.match, 2);
    assert_int_equal(s.ds[SERVER]->framer.pos, 11);
    assert_int_equal(s.ds[SERVER]->framer.frame_start, 8);
    assert_int_equal(s.ds[SERVER]->framer.match, 3);
    /* Their pending views: with stable buffers one each ("xyab", "aba": views into the packets),
     * in a block of each direction's own, unless refused (then copied into the tails); with
     * copies none (the tails hold the bytes), so both still use the scratch. */
    const tcpsift_bytes *scratch = t->framer_views;
    for (int d = 0; d < 2; d++) {
        const tcpsift_framer_state *f = &s.ds[d]->framer;
        assert_int_equal(f->nviews, stable && !refuse_views ? 1 : 0);
        assert_int_equal(f->tail_len, stable && !refuse_views ? 0 : d == CLIENT ? 4 : 3);
        if (stable && !refuse_views)
            assert_ptr_not_equal(f->views, scratch);
        else
            assert_ptr_equal(f->views, scratch);
    }
    if (stable && !refuse_views)
        assert_ptr_not_equal(s.ds[CLIENT]->framer.views, s.ds[SERVER]->framer.views);
    assert_int_equal(ca.refused, stable && refuse_views ? 2 : 0);
    assert_int_equal(t->nspare_views, 0);

    /* client: "xyab" + "abac": after "xyabab" the match of "abac" falls back to "ab" (fail[2] =
     * 1), so "xyababac" is the frame "xyab"; then "q". */
    send_seg(t, &r, CLIENT, AP, "abacqabac");
    /* server: "aba" + "bac" = "ababac": the frame "ab". */
    send_seg(t, &r, SERVER, AP, "bac");
    assert_int_equal(r.nframes, 5);
    expect(&r, 0, TCPSIFT_C2S, TCPSIFT_FRAME_OK, 0, 5, "hello");
    expect(&r, 1, TCPSIFT_S2C, TCPSIFT_FRAME_OK, 0, 4, "srv1");
    expect(&r, 2, TCPSIFT_C2S, TCPSIFT_FRAME_OK, 9, 4, "xyab");
    expect(&r, 3, TCPSIFT_C2S, TCPSIFT_FRAME_OK, 17, 1, "q");
    expect(&r, 4, TCPSIFT_S2C, TCPSIFT_FRAME_OK, 8, 2, "ab");
    /* Both frames delivered: the blocks are back with the tracker, the views in the scratch. */
    assert_ptr_equal(s.ds[CLIENT]->framer.views, scratch);
    assert_ptr_equal(s.ds[SERVER]->framer.views, scratch);
    assert_int_equal(t->nspare_views, stable && !refuse_views ? 2 : 0);

    /* One setup for both directions: a max lowered in it (a test's write; nothing else ever
     * writes a setup after init) is the max of both directions' next frames. */
    t->framer_setup.cfg.max = 2;
    send_seg(t, &r, CLIENT, AP, "toolongabac");
    send_seg(t, &r, SERVER, AP, "xyzabacokabac");
    assert_int_equal(r.nframes, 8);
    expect(&r, 5, TCPSIFT_C2S, TCPSIFT_FRAME_TOO_LONG, 22, 7, "");
    expect(&r, 6, TCPSIFT_S2C, TCPSIFT_FRAME_TOO_LONG, 14, 3, "");
    expect(&r, 7, TCPSIFT_S2C, TCPSIFT_FRAME_OK, 21, 2, "ok");

    /* Nothing pending in either direction: the end adds no frame. */
    tcpsift_tracker_finish(t);
    assert_int_equal(r.nframes, 8);
    /* Stable buffers: every frame a view into the packets, nothing copied, unless the views'
     * blocks were refused: then the framers copied the unfinished tails "xyab" and "aba" at the
     * end of their segments. Copies: those tails, and the reassembler's retention ring holds a
     * copy of each of the 60 payload bytes (tcpsift/reassembly.h). */
    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(t);
    assert_int_equal(st->stream_copied_bytes, stable ? (refuse_views ? 4 + 3 : 0) : 60 + 4 + 3);
    assert_int_equal(st->memcap_hits, 0);
    tcpsift_tracker_destroy(t);
    for (size_t i = 0; i < r.npkts; i++)
        free(r.pkts[i]);
}

static void test_interleaved_directions_stable(void **state)
{
    (void)state;
    interleaved(1, 0);
}

static void test_interleaved_directions_copies(void **state)
{
    (void)state;
    interleaved(0, 0);
}

/* No memory for a block of views: the pending views are copied into the tail instead. */
static void test_interleaved_directions_no_view_blocks(void **state)
{
    (void)state;
    interleaved(1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved_directions_stable),
        cmocka_unit_test(test_interleaved_directions_copies),
        cmocka_unit_test(test_interleaved_directions_no_view_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

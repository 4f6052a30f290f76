/* What the full pipeline (tracker + reassembly + framing) copies, counted by
 * tcpsift_tracker_stats.stream_copied_bytes: with stable packet buffers an
 * in-order stream is never copied, frames spanning segments included (they
 * come out as lists of views into the packets); out-of-order bytes are.
 * Expected counts follow from the documented copy rules (reassembly.h:
 * a held segment is copied once, and once more into the retention ring when
 * it is delivered from that copy; framer.h: a frame lying in one delivered
 * chunk is a view), never from running the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "support_segments.h"
#include "tcpsift/tracker.h"

#define MAX_PKTS          32

struct run {
    tcpsift_tracker *t;
    uint8_t *pkts[MAX_PKTS]; /* every frame stays allocated until the tracker is gone */
    size_t npkts;
    int64_t ts;
    uint32_t nxt[2];
    /* frames seen from the client */
    size_t frames, multi_view_frames;
    uint64_t frame_bytes;
    uint8_t body[8192];
    size_t body_len;
};

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    struct run *r = ctx;
    (void)id;
    assert_int_equal(proto, 6);
    assert_int_equal(dir, TCPSIFT_C2S);
    assert_int_equal(f->error, TCPSIFT_FRAME_OK);
    r->frames++;
    if (f->nsegs > 1) r->multi_view_frames++;
    r->frame_bytes += f->data_len;
    assert_true(r->body_len + f->data_len <= sizeof r->body);
    r->body_len += tcpsift_frame_copy_body(f, r->body + r->body_len, (size_t)f->data_len);
}

static void run_init(struct run *r)
{
    memset(r, 0, sizeof *r);
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x29 * i + 3);
    cfg.reassemble = 1;
    cfg.framing = 1;
    cfg.buffers_stable = 1;
    char why[96];
    assert_int_equal(tcpsift_framer_spec_parse("len:4:be", &cfg.framer, why, sizeof why),
                     TCPSIFT_OK);
    cfg.cb.on_frame = on_frame;
    cfg.cb.ctx = r;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    r->ts = 1700000000LL * 1000000000LL;
}

static void run_free(struct run *r)
{
    tcpsift_tracker_destroy(r->t);
    for (size_t i = 0; i < r->npkts; i++)
        free(r->pkts[i]);
}

/* One segment from endpoint `from` (0 client, 1 server) with sequence `seq`. */
static void send_at(struct run *r, int from, uint16_t flags, uint32_t seq, const uint8_t *data,
                    size_t len)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = from == 0 ? 40000 : 80;
    ts.dport = from == 0 ? 80 : 40000;
    ts.seq = seq;
    ts.ack = (flags & TCPSIFT_TCP_ACK) ? r->nxt[1 - from] : 0;
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

static void handshake(struct run *r)
{
    r->nxt[0] = 1000;
    r->nxt[1] = 7000;
    send_at(r, 0, TCPSIFT_TCP_SYN, r->nxt[0]++, NULL, 0);
    send_at(r, 1, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, r->nxt[1]++, NULL, 0);
    send_at(r, 0, TCPSIFT_TCP_ACK, r->nxt[0], NULL, 0);
}

/* The client's stream: n messages of `body` bytes each (4-byte big-endian length, then the
 * body filled with the message's index). */
static size_t make_stream(uint8_t *out, size_t cap, int n, size_t body)
{
    size_t at = 0;
    for (int m = 0; m < n; m++) {
        assert_true(at + 4 + body <= cap);
        out[at++] = 0;
        out[at++] = 0;
        out[at++] = (uint8_t)(body >> 8);
        out[at++] = (uint8_t)body;
        memset(out + at, 'a' + m, body);
        at += body;
    }
    return at;
}

static void check_bodies(const struct run *r, int n, size_t body)
{
    assert_int_equal(r->frames, (size_t)n);
    assert_int_equal(r->body_len, (size_t)n * body);
    for (int m = 0; m < n; m++)
        for (size_t i = 0; i < body; i++)
            assert_int_equal(r->body[(size_t)m * body + i], 'a' + m);
}

/* In order, segments of 700 bytes cutting 3 messages of 1196 + 4 bytes: every frame but none
 * lies in one segment, each comes out as a list of views, and nothing is copied. */
static void test_in_order_stable_copies_nothing(void **state)
{
    (void)state;
    struct run r;
    run_init(&r);
    handshake(&r);
    uint8_t stream[3600];
    size_t n = make_stream(stream, sizeof stream, 3, 1196);
    assert_int_equal(n, 3600);
    for (size_t at = 0; at < n; at += 700) {
        size_t len = n - at < 700 ? n - at : 700;
        send_at(&r, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, r.nxt[0], stream + at, len);
        r.nxt[0] += (uint32_t)len;
    }
    send_at(&r, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, r.nxt[0]++, NULL, 0);
    tcpsift_tracker_finish(r.t);
    check_bodies(&r, 3, 1196);
    assert_int_equal(r.multi_view_frames, 3); /* each frame spans segments */
    assert_int_equal(tcpsift_tracker_get_stats(r.t)->stream_copied_bytes, 0);
    run_free(&r);
}

/* Three 1000-byte segments, one message each; the third arrives before the second. It is
 * held (1000 bytes copied) and, delivered from that copy, retained in the ring (1000 more);
 * its frame lies inside that one delivered chunk, so the framer copies nothing. */
static void test_out_of_order_stable_copies_held_bytes(void **state)
{
    (void)state;
    struct run r;
    run_init(&r);
    handshake(&r);
    uint8_t stream[3000];
    size_t n = make_stream(stream, sizeof stream, 3, 996);
    assert_int_equal(n, 3000);
    uint32_t base = r.nxt[0];
    send_at(&r, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, base, stream, 1000);
    send_at(&r, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, base + 2000, stream + 2000, 1000);
    send_at(&r, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, base + 1000, stream + 1000, 1000);
    r.nxt[0] = base + 3000;
    send_at(&r, 0, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, r.nxt[0]++, NULL, 0);
    tcpsift_tracker_finish(r.t);
    check_bodies(&r, 3, 996);
    assert_int_equal(r.multi_view_frames, 0);
    assert_int_equal(tcpsift_tracker_get_stats(r.t)->stream_copied_bytes, 2000);
    run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_stable_copies_nothing),
        cmocka_unit_test(test_out_of_order_stable_copies_held_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

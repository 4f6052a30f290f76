/* A callback that calls back into its own tracker is refused (tracker.h): while an entry point
 * runs, tcpsift_tracker_packet() and tcpsift_tracker_packets() return
 * TCPSIFT_E_INVALID_ARGUMENT with nothing processed (no result written), advance_time() and
 * finish() do nothing, destroy() frees nothing. Such a call would otherwise nest inside a
 * packet's analysis: the flow table mid-update, the framers' one scratch of pending views in use.
 *
 * Each callback kind (data, frame, gap, connection end) tries every entry point, from inside
 * each outer entry point (packet, packets, advance_time, finish), and the whole run's callbacks
 * (ids, directions, offsets, lengths, bytes, ends) must equal those of the same run without the
 * tries. After each outer call the tracker takes packets again; after finish it refuses them;
 * destroy then frees everything (the sanitizers' leak check). */
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

enum outer { IN_PACKET, IN_PACKETS, IN_ADVANCE, IN_FINISH, OUTER_COUNT };
enum kind { EV_DATA, EV_FRAME, EV_GAP, EV_END, KIND_COUNT };

#define MAX_EVENTS 64
#define MAX_PKTS   32

typedef struct event {
    uint8_t kind;
    uint8_t dir;
    uint8_t end;
    uint8_t part;
    uint64_t id, offset, len;
    uint64_t hash; /* FNV-1a of the bytes (data, frame body), 0 otherwise */
} event;

typedef struct run {
    tcpsift_tracker *t;
    int nest;          /* callbacks try to call back in */
    enum outer outer;  /* the entry point running */
    unsigned tries[OUTER_COUNT][KIND_COUNT];
    event ev[MAX_EVENTS];
    size_t nev;
    uint8_t *pkts[MAX_PKTS]; /* stable buffers */
    size_t npkts;
    tcpsift_packet intruder; /* a SYN of a connection never fed from outside */
} run;

static uint64_t fnv(const uint8_t *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static event *log_event(run *r, enum kind k, uint64_t id)
{
    assert_true(r->nev < MAX_EVENTS);
    event *e = &r->ev[r->nev++];
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)k;
    e->id = id;
    return e;
}

/* Every entry point, from inside a callback: each refused, nothing done. */
static void call_back_in(run *r, enum kind k)
{
    if (!r->nest) return;
    r->tries[r->outer][k]++;
    tcpsift_tracker *t = r->t;
    const tcpsift_tracker_stats before = *tcpsift_tracker_get_stats(t);
    assert_int_equal(tcpsift_tracker_packet(t, &r->intruder, 2000000000), TCPSIFT_E_INVALID_ARGUMENT);
    int64_t ts = 2000000000;
    tcpsift_error result = TCPSIFT_E_NO_MEMORY; /* a sentinel: nothing may write it */
    assert_int_equal(tcpsift_tracker_packets(t, &r->intruder, &ts, 1, &result),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(result, TCPSIFT_E_NO_MEMORY);
    size_t nev = r->nev;
    tcpsift_tracker_advance_time(t, INT64_MAX); /* would expire every connection */
    tcpsift_tracker_finish(t);                  /* would report every connection */
    tcpsift_tracker_destroy(t);                 /* would free the tracker under its caller */
    assert_int_equal(r->nev, nev);              /* no callback from any of them */
    const tcpsift_tracker_stats *after = tcpsift_tracker_get_stats(t);
    assert_memory_equal(after, &before, sizeof before);
}

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    run *r = ctx;
    event *e = log_event(r, EV_DATA, id);
    e->dir = (uint8_t)dir;
    e->offset = offset;
    e->len = len;
    e->hash = fnv(data, len, 0xcbf29ce484222325ull);
    call_back_in(r, EV_DATA);
}

static void on_gap(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset, uint64_t len)
{
    run *r = ctx;
    event *e = log_event(r, EV_GAP, id);
    e->dir = (uint8_t)dir;
    e->offset = offset;
    e->len = len;
    call_back_in(r, EV_GAP);
}

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *f)
{
    run *r = ctx;
    assert_int_equal(proto, 6);
    event *e = log_event(r, EV_FRAME, id);
    e->dir = (uint8_t)dir;
    e->part = (uint8_t)f->part;
    e->offset = f->offset;
    e->len = f->len;
    uint8_t body[64];
    assert_true(f->data_len <= sizeof body);
    assert_int_equal(tcpsift_frame_copy_body(f, body, sizeof body), f->data_len);
    e->hash = fnv(body, f->data_len, 0xcbf29ce484222325ull);
    call_back_in(r, EV_FRAME);
}

static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    run *r = ctx;
    event *e = log_event(r, EV_END, c->id);
    e->end = (uint8_t)c->end;
    e->offset = c->client.stream_bytes;
    e->len = c->server.stream_bytes;
    e->hash = c->client.gap_bytes << 32 | c->server.gap_bytes;
    call_back_in(r, EV_END);
}

/* One segment of the connection whose client port is `cport` (server 10.0.0.2:80 side as in
 * support_segments), `seq`/`ack` absolute. */
static tcpsift_packet segment(run *r, uint16_t cport, int from, uint16_t flags, uint32_t seq,
                              uint32_t ack, const char *payload, size_t n)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = from == 0 ? cport : 80;
    ts.dport = from == 0 ? 80 : cport;
    ts.seq = seq;
    ts.ack = (flags & TCPSIFT_TCP_ACK) ? ack : 0;
    ts.flags = flags;
    ts.window = 65535;
    ts.payload = (const uint8_t *)payload;
    ts.payload_len = n;
    tcpsift_packet pkt;
    assert_true(r->npkts < MAX_PKTS);
    r->pkts[r->npkts++] = seg_stable_frame(&ts, from, &pkt);
    return pkt;
}

/* Fed one at a time, alternately through tcpsift_tracker_packet() and _packets(). */
static void feed(run *r, tcpsift_packet pkt, int64_t ts)
{
    if (r->npkts % 2) {
        r->outer = IN_PACKET;
        assert_int_equal(tcpsift_tracker_packet(r->t, &pkt, ts), TCPSIFT_OK);
    } else {
        r->outer = IN_PACKETS;
        tcpsift_error result = TCPSIFT_E_NO_MEMORY;
        assert_int_equal(tcpsift_tracker_packets(r->t, &pkt, &ts, 1, &result), TCPSIFT_OK);
        assert_int_equal(result, TCPSIFT_OK);
    }
}

#define S  TCPSIFT_TCP_SYN
#define A  TCPSIFT_TCP_ACK
#define F  TCPSIFT_TCP_FIN
#define AP (TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH)

static void handshake(run *r, uint16_t cport, uint32_t c, uint32_t s, int64_t ts)
{
    feed(r, segment(r, cport, 0, S, c, 0, "", 0), ts);
    feed(r, segment(r, cport, 1, S | A, s, c + 1, "", 0), ts + 1);
    feed(r, segment(r, cport, 0, A, c + 1, s + 1, "", 0), ts + 2);
}

/* The script: connection 40000 frames both ways (a frame split over two segments), closes with
 * FINs; 40001 leaves a hole, expired by a time jump (advance_time); 40002 stops inside a
 * frame, reported by finish. */
static void script(run *r)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.max_connections = 16;
    cfg.reassemble = 1;
    cfg.framing = 1;
    cfg.buffers_stable = 1;
    assert_int_equal(tcpsift_framer_spec_parse("len:4:be", &cfg.framer, NULL, 0), TCPSIFT_OK);
    cfg.cb.on_data = on_data;
    cfg.cb.on_gap = on_gap;
    cfg.cb.on_frame = on_frame;
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = r;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    r->intruder = segment(r, 50000, 0, S, 7, 0, "", 0);
    const int64_t t0 = 1000000000;

    uint32_t c = 1000, s = 900000;
    handshake(r, 40000, c, s, t0);
    feed(r, segment(r, 40000, 0, AP, c + 1, s + 1, "\0\0\0\3abc\0\0", 9), t0 + 10);
    feed(r, segment(r, 40000, 1, AP, s + 1, c + 10, "\0\0\0\2hi", 6), t0 + 11);
    feed(r, segment(r, 40000, 0, AP, c + 10, s + 7, "\0\5hello", 7), t0 + 12);
    feed(r, segment(r, 40000, 1, A, s + 7, c + 17, "", 0), t0 + 13);
    feed(r, segment(r, 40000, 0, F | A, c + 17, s + 7, "", 0), t0 + 14);
    feed(r, segment(r, 40000, 1, F | A, s + 7, c + 18, "", 0), t0 + 15);
    feed(r, segment(r, 40000, 0, A, c + 18, s + 8, "", 0), t0 + 16);

    c = 5000, s = 700000;
    handshake(r, 40001, c, s, t0 + 20);
    feed(r, segment(r, 40001, 0, AP, c + 11, s + 1, "\0\0\0\1x", 5), t0 + 23); /* 10 unseen */

    r->outer = IN_ADVANCE;
    const int64_t later = t0 + INT64_C(1000000) * 1000000000; /* a million seconds on */
    tcpsift_tracker_advance_time(r->t, later);

    c = 77, s = 99;
    handshake(r, 40002, c, s, later + 1);
    feed(r, segment(r, 40002, 0, AP, c + 1, s + 1, "\0\0\0\4ab", 6), later + 4);

    r->outer = IN_FINISH;
    tcpsift_tracker_finish(r->t);
    /* Finished: packets refused from outside too, as before. */
    assert_int_equal(tcpsift_tracker_packet(r->t, &r->intruder, later + 5),
                     TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_tracker_destroy(r->t);
    for (size_t i = 0; i < r->npkts; i++) free(r->pkts[i]);
}

static void test_callbacks_cannot_call_back_in(void **state)
{
    (void)state;
    run *plain = calloc(1, sizeof *plain), *nested = calloc(1, sizeof *nested);
    assert_non_null(plain);
    assert_non_null(nested);
    nested->nest = 1;
    script(plain);
    script(nested);

    /* The tries changed nothing: the same callbacks, in the same order, with the same bytes. */
    assert_int_equal(nested->nev, plain->nev);
    assert_memory_equal(nested->ev, plain->ev, plain->nev * sizeof plain->ev[0]);

    /* And the script reached every callback kind (sanity of the comparison above). */
    unsigned kinds[KIND_COUNT] = {0};
    for (size_t i = 0; i < plain->nev; i++) kinds[plain->ev[i].kind]++;
    for (int k = 0; k < KIND_COUNT; k++) assert_true(kinds[k] > 0);
    assert_int_equal(kinds[EV_END], 3); /* the intruder's SYN never made a connection */

    /* Every callback tried, inside every outer entry point that makes callbacks: data and frames
     * within a packet through both packet calls (the calls alternate); after the time jump the
     * held byte of 40001 delivered past its hole, its frame, the hole's gap and two reports
     * (40000 in TIME_WAIT, 40001); finish's incomplete frame and report of 40002. */
    static const unsigned want[OUTER_COUNT][KIND_COUNT] = {
        [IN_PACKET] = {[EV_DATA] = 3, [EV_FRAME] = 2},
        [IN_PACKETS] = {[EV_DATA] = 1, [EV_FRAME] = 1},
        [IN_ADVANCE] = {[EV_DATA] = 1, [EV_FRAME] = 1, [EV_GAP] = 1, [EV_END] = 2},
        [IN_FINISH] = {[EV_FRAME] = 1, [EV_END] = 1},
    };
    assert_memory_equal(nested->tries, want, sizeof want);
    free(plain);
    free(nested);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callbacks_cannot_call_back_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

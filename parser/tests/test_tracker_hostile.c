/* Hostile-traffic policies of the tracker (issue 8), from byte-exact frames:
 * urgent data (inline / oob / gap), TTL outliers (flag / drop), overlap
 * policy per destination prefix, span-port duplicates, one-sided captures in
 * acked delivery, and clock abuse (time backwards, zero, years ahead; the
 * advance-time and finish calls).
 *
 * Frames come from support_packets (naive reference checksums); expected
 * values follow from RFC 9293 §3.8.5, RFC 6093, the policies' definitions in
 * tcpsift/tracker.h and the frames sent, never from running the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define LINKTYPE_ETHERNET 1
#define MAX_FRAMES        4096
#define MAX_CONNS         2048
#define STREAM_CAP        1024
#define MS                1000000LL
#define SEC               (1000 * MS)

#define F_FIN TCPSIFT_TCP_FIN
#define F_SYN TCPSIFT_TCP_SYN
#define F_URG TCPSIFT_TCP_URG
#define F_ACK TCPSIFT_TCP_ACK
#define F_PSH TCPSIFT_TCP_PSH

#define C 0
#define S 1

/* bytes[] holds the delivered bytes at their offsets minus the bytes jumped
 * before them (so under urgent oob the in-band bytes are contiguous). */
struct rec_stream {
    uint8_t bytes[STREAM_CAP];
    uint64_t pos, data_len, gap_len;
    unsigned gaps;
    uint64_t first_gap_at;
    /* offsets skipped with neither data nor gap (urgent oob): where, how many */
    uint64_t jumped, jump_at[16];
    unsigned njumps;
};

/* One reported connection; streams recorded by id (ids < 8 only). */
struct rec_conn {
    tcpsift_conn_info info;
    char history[TCPSIFT_HISTORY_MAX + 1];
    char conn_state[8];
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
};

/* A stored frame: fed later (or twice) by feed_frames(). */
struct frame {
    uint8_t *bytes;
    size_t len;
    int64_t ts;
};

struct ht {
    tcpsift_tracker *t;
    struct rec_conn *conns;
    size_t nconns;
    unsigned reports_per_id[MAX_CONNS];
    struct rec_stream streams[8][2];
    struct frame frames[MAX_FRAMES];
    size_t nframes;
    int64_t ts;
    int keep;       /* store frames instead of feeding them */
    int allow_jump; /* urgent oob: an offset may skip a removed byte */
    /* frames of connection 0, c2s (framing on) */
    struct {
        uint64_t offset, len;
        tcpsift_frame_error error;
        char body[32];
    } fr[8];
    size_t nfr;
};

/* One conversation between two hosts. */
struct conv {
    struct ht *h;
    int v6;
    uint8_t addr[2][16];
    uint16_t port[2];
    uint32_t nxt[2];
    uint8_t ttl[2];
    uint16_t ip_id[2];
};

static void on_conn_end(void *ctx, const tcpsift_conn_info *ci)
{
    struct ht *h = ctx;
    assert_true(h->nconns < MAX_CONNS);
    assert_true(ci->id < MAX_CONNS);
    h->reports_per_id[ci->id]++;
    struct rec_conn *r = &h->conns[h->nconns++];
    r->info = *ci;
    snprintf(r->history, sizeof r->history, "%s", ci->history);
    snprintf(r->conn_state, sizeof r->conn_state, "%s", ci->conn_state);
    memcpy(r->ev, ci->events, sizeof r->ev);
    r->info.history = r->history;
    r->info.conn_state = r->conn_state;
    r->info.events = NULL;
    r->info.client_addr = r->info.server_addr = NULL;
}

static struct rec_stream *stream_of(struct ht *h, uint64_t id, tcpsift_direction dir)
{
    assert_true(id < 8);
    return &h->streams[id][dir == TCPSIFT_C2S ? 0 : 1];
}

static struct rec_stream *recorded(struct ht *h, uint64_t id, tcpsift_direction dir)
{
    return id < 8 ? stream_of(h, id, dir) : NULL; /* streams of ids >= 8 are not kept */
}

/* Offsets are in sequence space, contiguous with gaps whatever the policy,
 * except past a byte urgent oob removed (neither data nor gap). */
static void note_jump(struct ht *h, struct rec_stream *st, uint64_t offset)
{
    if (offset == st->pos) return;
    assert_true(h->allow_jump && offset > st->pos);
    assert_true(st->njumps < 16);
    st->jump_at[st->njumps++] = st->pos;
    st->jumped += offset - st->pos;
    st->pos = offset;
}

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    struct rec_stream *st = recorded(ctx, id, dir);
    if (!st) return;
    note_jump(ctx, st, offset);
    assert_true(offset + len <= STREAM_CAP);
    memcpy(st->bytes + offset - st->jumped, data, len);
    st->pos += len;
    st->data_len += len;
}

static void on_gap(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset, uint64_t len)
{
    struct rec_stream *st = recorded(ctx, id, dir);
    if (!st) return;
    note_jump(ctx, st, offset);
    if (!st->gaps) st->first_gap_at = offset;
    st->pos += len;
    st->gap_len += len;
    st->gaps++;
}

static void on_frame(void *ctx, uint64_t id, uint8_t proto, tcpsift_direction dir,
                     const tcpsift_frame *frame)
{
    struct ht *h = ctx;
    if (id != 0 || proto != 6 || dir != TCPSIFT_C2S) return;
    assert_true(h->nfr < 8);
    h->fr[h->nfr].offset = frame->offset;
    h->fr[h->nfr].len = frame->len;
    h->fr[h->nfr].error = frame->error;
    size_t n = tcpsift_frame_copy_body(frame, (uint8_t *)h->fr[h->nfr].body, 31);
    h->fr[h->nfr].body[n] = '\0';
    h->nfr++;
}

static void ht_config(tcpsift_tracker_config *cfg)
{
    tcpsift_tracker_config_init(cfg);
    for (int i = 0; i < 16; i++)
        cfg->hash_key[i] = (uint8_t)(0x29 * i + 3);
    cfg->reassemble = 1;
    /* A capture file, as the CLI reads it: no idle expiry unless a test sets it. */
    for (int i = 0; i < TCPSIFT_FLOW_CLASS_COUNT; i++) cfg->timeout_ns[i] = TCPSIFT_FLOW_NO_TIMEOUT;
}

static void ht_start(struct ht *h, tcpsift_tracker_config *cfg)
{
    memset(h, 0, sizeof *h);
    h->allow_jump = cfg->urgent == TCPSIFT_URGENT_OOB;
    h->conns = calloc(MAX_CONNS, sizeof *h->conns);
    assert_non_null(h->conns);
    h->ts = 1700000000LL * SEC;
    cfg->cb.on_conn_end = on_conn_end;
    cfg->cb.on_data = on_data;
    cfg->cb.on_gap = on_gap;
    cfg->cb.on_frame = on_frame;
    cfg->cb.ctx = h;
    assert_int_equal(tcpsift_tracker_create(cfg, &h->t), TCPSIFT_OK);
}

/* A tracker reassembling acknowledged bytes under the overlap policy `dflt`, and the policies
 * of `nrows` prefix rows (none: rows NULL). */
static void ht_start_policies(struct ht *h, tcpsift_overlap_policy dflt,
                              const tcpsift_overlap_prefix *rows, size_t nrows)
{
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.reasm.mode = TCPSIFT_REASM_ACKED;
    cfg.reasm.policy = dflt;
    cfg.overlap_prefixes = rows;
    cfg.overlap_prefix_count = nrows;
    ht_start(h, &cfg);
}

static void ht_free(struct ht *h)
{
    tcpsift_tracker_destroy(h->t);
    for (size_t i = 0; i < h->nframes; i++)
        free(h->frames[i].bytes);
    free(h->conns);
}

static void feed(struct ht *h, const uint8_t *bytes, size_t len, int64_t ts)
{
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, LINKTYPE_ETHERNET, bytes, len, len), TCPSIFT_OK);
    assert_int_equal(tcpsift_tracker_packet(h->t, &pkt, ts), TCPSIFT_OK);
}

static void conv_init(struct conv *cv, struct ht *h, int v6, const uint8_t *client,
                      const uint8_t *server, uint16_t cport)
{
    memset(cv, 0, sizeof *cv);
    cv->h = h;
    cv->v6 = v6;
    memcpy(cv->addr[C], client, v6 ? 16 : 4);
    memcpy(cv->addr[S], server, v6 ? 16 : 4);
    cv->port[C] = cport;
    cv->port[S] = 80;
    cv->ttl[C] = cv->ttl[S] = 64;
    cv->ip_id[C] = 0x100;
    cv->ip_id[S] = 0x900;
}

/* One segment with explicit fields; 1 ms after the previous frame. */
static void seg(struct conv *cv, int from, uint16_t flags, uint32_t seq, const void *data,
                size_t len, uint16_t urgent, uint8_t ttl)
{
    struct ht *h = cv->h;
    struct tcp_spec ts = tcp_default();
    ts.sport = cv->port[from];
    ts.dport = cv->port[1 - from];
    ts.seq = seq;
    ts.ack = (flags & F_ACK) ? cv->nxt[1 - from] : 0;
    ts.flags = flags;
    ts.window = 65535;
    ts.urgent = urgent;
    ts.payload = data;
    ts.payload_len = len;
    uint8_t l4[1600];
    size_t n = tcp_segment(l4, sizeof l4, &ts);
    struct pb *p = malloc(sizeof *p);
    assert_non_null(p);
    pb_init(p);
    if (cv->v6) {
        pb_ethernet(p, 0x86DD);
        struct ip6_spec ip = ip6_default(6);
        memcpy(ip.src, cv->addr[from], 16);
        memcpy(ip.dst, cv->addr[1 - from], 16);
        ip.hlim = ttl;
        pb_ipv6(p, &ip, l4, n);
    } else {
        pb_ethernet(p, 0x0800);
        struct ip4_spec ip = ip4_default(6);
        memcpy(ip.src, cv->addr[from], 4);
        memcpy(ip.dst, cv->addr[1 - from], 4);
        ip.ttl = ttl;
        ip.id = cv->ip_id[from]++; /* every datagram sent differs, as a real stack's */
        pb_ipv4(p, &ip, l4, n);
    }
    h->ts += MS;
    if (h->keep) {
        assert_true(h->nframes < MAX_FRAMES);
        struct frame *f = &h->frames[h->nframes++];
        f->bytes = malloc(p->len);
        assert_non_null(f->bytes);
        memcpy(f->bytes, p->b, p->len);
        f->len = p->len;
        f->ts = h->ts;
    } else {
        feed(h, p->b, p->len, h->ts);
    }
    free(p);
}

/* The next segment of `from`: SEQ its next number, ACK the peer's. */
static void tx(struct conv *cv, int from, uint16_t flags, const char *data)
{
    size_t len = data ? strlen(data) : 0;
    seg(cv, from, flags, cv->nxt[from], data, len, 0, cv->ttl[from]);
    cv->nxt[from] += (uint32_t)len + ((flags & F_SYN) ? 1u : 0u) + ((flags & F_FIN) ? 1u : 0u);
}

/* Data with URG and the given urgent pointer. */
static void tx_urg(struct conv *cv, int from, const char *data, uint16_t urgent)
{
    size_t len = strlen(data);
    seg(cv, from, F_ACK | F_PSH | F_URG, cv->nxt[from], data, len, urgent, cv->ttl[from]);
    cv->nxt[from] += (uint32_t)len;
}

static void conv_open(struct conv *cv, uint32_t cisn, uint32_t sisn)
{
    cv->nxt[C] = cisn;
    cv->nxt[S] = sisn;
    tx(cv, C, F_SYN, NULL);
    tx(cv, S, F_SYN | F_ACK, NULL);
    tx(cv, C, F_ACK, NULL);
}

static void conv_close(struct conv *cv)
{
    tx(cv, C, F_ACK | F_FIN, NULL);
    tx(cv, S, F_ACK | F_FIN, NULL);
    tx(cv, C, F_ACK, NULL);
}

static const struct rec_conn *conn_by_id(struct ht *h, uint64_t id)
{
    for (size_t i = 0; i < h->nconns; i++)
        if (h->conns[i].info.id == id && h->conns[i].info.proto == 6) return &h->conns[i];
    fail_msg("connection %llu not reported", (unsigned long long)id);
    return NULL;
}

static void assert_stream(struct ht *h, uint64_t id, tcpsift_direction dir, const char *want,
                          uint64_t gap_len)
{
    struct rec_stream *st = stream_of(h, id, dir);
    size_t n = strlen(want);
    assert_int_equal(st->data_len, n);
    assert_int_equal(st->gap_len, gap_len);
    /* with gaps, `want` lists the delivered bytes in order, holes left out */
    if (gap_len == 0) assert_memory_equal(st->bytes, want, n);
}

#define EV(r, name) ((r)->ev[TCPSIFT_ANOMALY_##name])

static void overlap_conv(struct ht *h, struct conv *cv, int v6, const uint8_t *server,
                         uint16_t cport);

static const uint8_t V4_A[4] = {192, 0, 2, 10};
static const uint8_t V4_B[4] = {198, 51, 100, 20};

/* ------------------------------------------------------------ urgent data */

/* hooks NULL: the C library's allocator. */
static void urgent_run_alloc(struct ht *h, tcpsift_urgent_policy policy,
                             const tcpsift_allocator *hooks)
{
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = policy;
    cfg.allocator = hooks; /* the tracker copies the hooks */
    ht_start(h, &cfg);
    struct conv cv;
    conv_init(&cv, h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    /* "ab!cd" with the urgent pointer 3: one past '!' (RFC 6093 §2). */
    tx_urg(&cv, C, "ab!cd", 3);
    tx(&cv, C, F_ACK | F_PSH, "ef");
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h->t);
}

static void urgent_run(struct ht *h, tcpsift_urgent_policy policy)
{
    urgent_run_alloc(h, policy, NULL);
}

/* Default: the urgent byte stays in the stream; the segment is counted. */
static void test_urgent_inline(void **state)
{
    (void)state;
    struct ht h;
    urgent_run(&h, TCPSIFT_URGENT_INLINE);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_stream(&h, 0, TCPSIFT_C2S, "ab!cdef", 0);
    assert_int_equal(r->info.client.stream_bytes, 7);
    assert_int_equal(EV(r, URGENT_DATA), 1);
    assert_int_equal(EV(r, URGENT_REMOVED), 0);
    assert_int_equal(EV(r, URGENT_SKIPPED), 0);
    ht_free(&h);
}

/* oob: '!' (sequence offset 2) is out of band: the bytes delivered are the
 * in-band ones, at their sequence-space offsets, so the offset jumps from 2
 * to 3 with no gap (the CLI contract: offsets are in sequence space). */
static void test_urgent_oob(void **state)
{
    (void)state;
    struct ht h;
    urgent_run(&h, TCPSIFT_URGENT_OOB);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_stream(&h, 0, TCPSIFT_C2S, "abcdef", 0);
    struct rec_stream *st = stream_of(&h, 0, TCPSIFT_C2S);
    assert_int_equal(st->njumps, 1);
    assert_int_equal(st->jump_at[0], 2);
    assert_int_equal(st->jumped, 1);
    assert_int_equal(st->pos, 7); /* "ab!cdef": 7 sequence numbers */
    assert_int_equal(st->gaps, 0);
    assert_int_equal(r->info.client.stream_bytes, 6);
    assert_int_equal(r->info.client.gap_bytes, 0);
    assert_int_equal(EV(r, URGENT_DATA), 1);
    assert_int_equal(EV(r, URGENT_REMOVED), 1);
    assert_int_equal(EV(r, CONTENT_GAP), 0);
    assert_string_equal(r->history, "ShADaFf");
    ht_free(&h);
}

/* gap: '!' becomes a one-byte hole at offset 2; Zeek's history has no G. */
static void test_urgent_gap(void **state)
{
    (void)state;
    struct ht h;
    urgent_run(&h, TCPSIFT_URGENT_GAP);
    const struct rec_conn *r = conn_by_id(&h, 0);
    struct rec_stream *st = stream_of(&h, 0, TCPSIFT_C2S);
    assert_int_equal(st->data_len, 6);
    assert_int_equal(st->gap_len, 1);
    assert_int_equal(st->gaps, 1);
    assert_memory_equal(st->bytes, "ab", 2);
    assert_memory_equal(st->bytes + 3, "cdef", 4);
    assert_int_equal(r->info.client.stream_bytes, 6);
    assert_int_equal(r->info.client.gap_bytes, 1);
    assert_int_equal(EV(r, URGENT_SKIPPED), 1);
    assert_int_equal(EV(r, CONTENT_GAP), 1);
    assert_string_equal(r->history, "ShADaFf");
    ht_free(&h);
}

/* A pointer beyond its segment marks a byte of a later one; a later
 * segment's pointer at or before the pending byte changes nothing (Linux
 * tcp_check_urg); a pointer of 0 or one behind the delivery point marks
 * nothing. Offsets: "abc" 0-2, "def" 3-5, "ghij" 6-9. */
static void test_urgent_pointer_ahead_and_stale(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = TCPSIFT_URGENT_OOB;
    ht_start(&h, &cfg);
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    tx_urg(&cv, C, "abc", 10); /* urgent byte at offset 9: 'j' */
    tx_urg(&cv, C, "def", 6);  /* offset 3 + 5 = 8: not after 9, ignored */
    tx_urg(&cv, C, "ghij", 0); /* pointer 0: no byte */
    /* A retransmission of "abc" pointing at 'b' (already delivered). */
    seg(&cv, C, F_ACK | F_URG, 1001, "abc", 3, 2, 64);
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_stream(&h, 0, TCPSIFT_C2S, "abcdefghi", 0);
    /* 'j' was the last byte: nothing after it, so no offset jumps */
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->njumps, 0);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->pos, 9);
    assert_int_equal(EV(r, URGENT_REMOVED), 1);
    assert_int_equal(EV(r, URGENT_DATA), 4);
    assert_int_equal(r->info.client.stream_bytes, 9);
    ht_free(&h);
}

/* Framing sees the stream the policy makes: under oob the line "ab!c"
 * arrives as "abc" (len 3) and the next frame's offset is still its sequence
 * offset, 5, as under inline; under gap the hole inside the delimiter search
 * desynchronises that line. */
static void urgent_framed(struct ht *h, tcpsift_urgent_policy policy)
{
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = policy;
    char why[128];
    assert_int_equal(tcpsift_framer_spec_parse("line", &cfg.framer, why, sizeof why), TCPSIFT_OK);
    cfg.framing = 1;
    ht_start(h, &cfg);
    struct conv cv;
    conv_init(&cv, h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    tx_urg(&cv, C, "ab!c\nde\n", 3);
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h->t);
}

static void test_urgent_framing(void **state)
{
    (void)state;
    struct ht h;
    urgent_framed(&h, TCPSIFT_URGENT_OOB);
    assert_int_equal(h.nfr, 2);
    assert_int_equal(h.fr[0].error, TCPSIFT_FRAME_OK);
    assert_string_equal(h.fr[0].body, "abc");
    assert_int_equal(h.fr[0].offset, 0);
    assert_int_equal(h.fr[0].len, 3);
    assert_int_equal(h.fr[1].error, TCPSIFT_FRAME_OK);
    assert_string_equal(h.fr[1].body, "de");
    assert_int_equal(h.fr[1].offset, 5);
    assert_int_equal(h.fr[1].len, 2);
    ht_free(&h);

    urgent_framed(&h, TCPSIFT_URGENT_GAP);
    assert_int_equal(h.nfr, 2);
    assert_int_equal(h.fr[0].error, TCPSIFT_FRAME_DESYNC);
    assert_int_equal(h.fr[1].error, TCPSIFT_FRAME_OK);
    assert_string_equal(h.fr[1].body, "de");
    assert_int_equal(h.fr[1].offset, 5);
    ht_free(&h);

    urgent_framed(&h, TCPSIFT_URGENT_INLINE);
    assert_int_equal(h.nfr, 2);
    assert_string_equal(h.fr[0].body, "ab!c");
    assert_int_equal(h.fr[1].offset, 5);
    ht_free(&h);
}

static void urgent_oob_framed(struct ht *h, const char *spec)
{
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = TCPSIFT_URGENT_OOB;
    char why[128];
    assert_int_equal(tcpsift_framer_spec_parse(spec, &cfg.framer, why, sizeof why), TCPSIFT_OK);
    cfg.framing = 1;
    ht_start(h, &cfg);
}

/* len:1 frames with out-of-band bytes inside and between them. Sequence
 * offsets: 0 \x03, 1 a, 2 !, 3 b, 4 c, 5 !, 6 \x02, 7 d, 8 e, 9 \x04, 10 w,
 * 11 !, 12 x, 13 !, 14 y, 15 z, 16 \x05, 17 p, 18 !. The framer sees the
 * in-band bytes \x03abc \x02de \x04wxyz \x05p (frames at in-band 0, 4, 7,
 * 12); each reported offset adds the removed bytes before it (RFC 6093 §3:
 * the urgent byte is not part of the in-band stream). */
static void test_urgent_oob_frame_offsets(void **state)
{
    (void)state;
    struct ht h;
    urgent_oob_framed(&h, "len:1");
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    tx_urg(&cv, C, "\x03" "a!", 3);          /* '!' at 2: inside the body */
    tx_urg(&cv, C, "bc!", 3);                /* '!' at 5: between frames */
    tx_urg(&cv, C, "\x02" "de" "\x04" "w!", 6); /* '!' at 11 */
    tx_urg(&cv, C, "x!", 2);                 /* '!' at 13: two in one body */
    tx(&cv, C, F_ACK | F_PSH, "yz");
    tx_urg(&cv, C, "\x05" "p!", 3);          /* '!' at 18; the frame never ends */
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(h.nfr, 4);
    assert_int_equal(h.fr[0].error, TCPSIFT_FRAME_OK);
    assert_int_equal(h.fr[0].offset, 0);
    assert_int_equal(h.fr[0].len, 3);
    assert_string_equal(h.fr[0].body, "abc");
    assert_int_equal(h.fr[1].error, TCPSIFT_FRAME_OK);
    assert_int_equal(h.fr[1].offset, 6); /* in-band 4 + removed at 2 and 5 */
    assert_int_equal(h.fr[1].len, 2);
    assert_string_equal(h.fr[1].body, "de");
    assert_int_equal(h.fr[2].error, TCPSIFT_FRAME_OK);
    assert_int_equal(h.fr[2].offset, 9); /* removed bytes inside it come later */
    assert_int_equal(h.fr[2].len, 4);
    assert_string_equal(h.fr[2].body, "wxyz");
    assert_int_equal(h.fr[3].error, TCPSIFT_FRAME_INCOMPLETE);
    assert_int_equal(h.fr[3].offset, 16); /* in-band 12 + 4 removed */
    assert_int_equal(h.fr[3].len, 5);
    /* on_data: sequence offsets, jumping over each removed byte but the last */
    struct rec_stream *st = stream_of(&h, 0, TCPSIFT_C2S);
    assert_int_equal(st->njumps, 4);
    assert_int_equal(st->jump_at[0], 2);
    assert_int_equal(st->jump_at[1], 5);
    assert_int_equal(st->jump_at[2], 11);
    assert_int_equal(st->jump_at[3], 13);
    assert_int_equal(st->pos, 18);
    assert_stream(&h, 0, TCPSIFT_C2S, "\x03" "abc" "\x02" "de" "\x04" "wxyz" "\x05" "p", 0);
    assert_int_equal(EV(r, URGENT_REMOVED), 5);
    assert_int_equal(EV(r, URGENT_DATA), 5);
    assert_int_equal(r->info.client.stream_bytes, 14);
    ht_free(&h);
}

/* A direction remembers at most 8 removals past the start of the last frame
 * it reported: the 9th and 10th urgent bytes of a long line stay inline
 * (counted urgent_data only); once the next frame is reported the list is
 * free again. Line 1 "a!" x 10 + "\n": offsets 0-20, '!' at odd offsets;
 * line 2 "bc\n" at 21; line 3 "d!e\n" at 24, '!' at 25. */
static void test_urgent_oob_point_list_full(void **state)
{
    (void)state;
    struct ht h;
    urgent_oob_framed(&h, "line");
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    for (int i = 0; i < 10; i++) tx_urg(&cv, C, "a!", 2);
    tx(&cv, C, F_ACK | F_PSH, "\nbc\n");
    tx_urg(&cv, C, "d!e\n", 2);
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(h.nfr, 3);
    assert_int_equal(h.fr[0].error, TCPSIFT_FRAME_OK);
    assert_int_equal(h.fr[0].offset, 0);
    assert_int_equal(h.fr[0].len, 12);
    assert_string_equal(h.fr[0].body, "aaaaaaaaa!a!");
    assert_int_equal(h.fr[1].offset, 21); /* in-band 13 + 8 removed */
    assert_string_equal(h.fr[1].body, "bc");
    assert_int_equal(h.fr[2].offset, 24);
    assert_int_equal(h.fr[2].len, 2);
    assert_string_equal(h.fr[2].body, "de");
    struct rec_stream *st = stream_of(&h, 0, TCPSIFT_C2S);
    assert_int_equal(st->njumps, 9);
    for (unsigned i = 0; i < 8; i++) assert_int_equal(st->jump_at[i], 2 * i + 1);
    assert_int_equal(st->jump_at[8], 25);
    assert_int_equal(st->pos, 28);
    assert_stream(&h, 0, TCPSIFT_C2S, "aaaaaaaaa!a!\nbc\nde\n", 0);
    assert_int_equal(EV(r, URGENT_REMOVED), 9);
    assert_int_equal(EV(r, URGENT_DATA), 11);
    assert_int_equal(r->info.client.stream_bytes, 19);
    ht_free(&h);
}

/* Without framing nothing is remembered, so no limit: all 10 are removed. */
/* An anomaly raised while a connection is flushed at finish counts on that
 * connection even when the last packet processed (another connection's)
 * raised the same anomaly: closing is not that packet's segment. */
static void test_urgent_removed_at_finish_counts(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = TCPSIFT_URGENT_OOB;
    ht_start(&h, &cfg);
    struct conv a, b;
    conv_init(&a, &h, 0, V4_A, V4_B, 40001);
    conv_open(&a, 1000, 5000);
    /* "ab" never seen: "!cd" (urgent byte '!') waits behind the hole until finish. */
    seg(&a, C, F_ACK | F_PSH | F_URG, a.nxt[C] + 2, "!cd", 3, 1, a.ttl[C]);
    conv_init(&b, &h, 0, V4_A, V4_B, 40002);
    conv_open(&b, 7000, 9000);
    tx_urg(&b, C, "x!y", 2); /* removed in order: the last packet counts urgent_removed */
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *ra = conn_by_id(&h, 0);
    const struct rec_conn *rb = conn_by_id(&h, 1);
    assert_int_equal(EV(rb, URGENT_REMOVED), 1);
    assert_int_equal(EV(ra, URGENT_REMOVED), 1);
    assert_stream(&h, 0, TCPSIFT_C2S, "cd", 2);
    assert_stream(&h, 1, TCPSIFT_C2S, "xy", 0);
    ht_free(&h);
}

static void test_urgent_oob_unframed_no_limit(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = TCPSIFT_URGENT_OOB;
    ht_start(&h, &cfg);
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    for (int i = 0; i < 10; i++) tx_urg(&cv, C, "a!", 2);
    tx(&cv, C, F_ACK | F_PSH, "\n");
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(EV(r, URGENT_REMOVED), 10);
    assert_stream(&h, 0, TCPSIFT_C2S, "aaaaaaaaaa\n", 0);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->pos, 21);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->njumps, 10);
    ht_free(&h);
}

/* Prefix bits past a byte boundary: 10.0.0.0/9 holds 10.127.x.x, not 10.128.x.x. (Rows
 * that cannot match are refused at create: test_tracker_config.) */
static void test_overlap_prefix_bits(void **state)
{
    (void)state;
    tcpsift_overlap_prefix rows[1];
    memset(rows, 0, sizeof rows);
    assert_int_equal(tcpsift_overlap_prefix_parse("10.0.0.0/9=first", &rows[0]), TCPSIFT_OK);
    struct ht h;
    ht_start_policies(&h, TCPSIFT_OVERLAP_LAST, rows, 1);
    static const uint8_t inside[4] = {10, 127, 255, 1}, outside[4] = {10, 128, 0, 1};
    struct conv a, b;
    overlap_conv(&h, &a, 0, inside, 40001);
    overlap_conv(&h, &b, 0, outside, 40002);
    tcpsift_tracker_finish(h.t);
    assert_stream(&h, 0, TCPSIFT_C2S, "AAAA", 0);
    assert_stream(&h, 1, TCPSIFT_C2S, "BBBB", 0);
    ht_free(&h);
}

/* A C-library allocator that refuses its refuse_at-th call (0: none), records the first 64
 * sizes asked for, and counts what is live (a leak shows as live != 0). */
struct refusing_alloc {
    unsigned calls, refuse_at;
    size_t live, sizes[64];
};

static void *refusing_alloc_fn(void *ctx, size_t size)
{
    struct refusing_alloc *a = ctx;
    unsigned call = ++a->calls;
    if (call <= 64) a->sizes[call - 1] = size;
    if (call == a->refuse_at) return NULL;
    void *p = malloc(size);
    if (p) a->live++;
    return p;
}

static void refusing_free_fn(void *ctx, void *p, size_t size)
{
    struct refusing_alloc *a = ctx;
    (void)size;
    if (p) a->live--;
    free(p);
}

/* The urgent state is allocated by a direction's first urgent pointer (policies oob and
 * gap): refused, that urgent byte stays inline, the refusal is counted, nothing leaks. Its
 * allocation is found as the one call an oob run makes beyond an inline run. */
static void urgent_run_with(struct ht *h, tcpsift_urgent_policy policy, struct refusing_alloc *a)
{
    tcpsift_allocator alloc = {refusing_alloc_fn, refusing_free_fn, a};
    urgent_run_alloc(h, policy, &alloc);
}

static void test_urgent_state_allocation_refused(void **state)
{
    (void)state;
    struct ht h;
    struct refusing_alloc inl = {0}, oob = {0};
    urgent_run_with(&h, TCPSIFT_URGENT_INLINE, &inl);
    ht_free(&h);
    urgent_run_with(&h, TCPSIFT_URGENT_OOB, &oob);
    assert_int_equal(EV(conn_by_id(&h, 0), URGENT_REMOVED), 1);
    ht_free(&h);
    assert_int_equal(oob.calls, inl.calls + 1);
    unsigned extra = 1;
    while (extra <= inl.calls && extra <= 64 && oob.sizes[extra - 1] == inl.sizes[extra - 1])
        extra++;
    assert_true(extra <= 64);

    struct refusing_alloc refused = {0};
    refused.refuse_at = extra;
    urgent_run_with(&h, TCPSIFT_URGENT_OOB, &refused);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_stream(&h, 0, TCPSIFT_C2S, "ab!cdef", 0); /* the urgent byte stayed inline */
    assert_int_equal(r->info.client.stream_bytes, 7);
    assert_int_equal(EV(r, URGENT_DATA), 1);
    assert_int_equal(EV(r, URGENT_REMOVED), 0);
    assert_int_equal(tcpsift_tracker_get_stats(h.t)->memcap_hits, 1);
    ht_free(&h);
    assert_int_equal(refused.live, 0);
    assert_int_equal(oob.live, 0);
}

/* The prefix table's copy is an allocation: refused, create fails cleanly
 * (nothing leaks); refused later (the flow table), the copy is freed. */
static void test_overlap_prefix_allocation_refused(void **state)
{
    (void)state;
    tcpsift_overlap_prefix row;
    assert_int_equal(tcpsift_overlap_prefix_parse("10.0.0.0/8=bsd", &row), TCPSIFT_OK);
    for (unsigned refuse = 1; refuse <= 3; refuse++) {
        struct refusing_alloc a = {0, refuse, 0, {0}};
        tcpsift_allocator alloc = {refusing_alloc_fn, refusing_free_fn, &a};
        tcpsift_tracker_config cfg;
        ht_config(&cfg);
        cfg.allocator = &alloc;
        cfg.overlap_prefixes = &row;
        cfg.overlap_prefix_count = 1;
        tcpsift_tracker *t = NULL;
        tcpsift_error err = tcpsift_tracker_create(&cfg, &t);
        if (refuse <= 2) {
            assert_int_equal(err, TCPSIFT_E_NO_MEMORY);
            assert_null(t);
        } else if (err == TCPSIFT_OK) {
            tcpsift_tracker_destroy(t);
        }
        assert_int_equal(a.live, 0);
    }
}

/* The ring remembers the last 32 datagrams: a copy after 32 others is not
 * recognised (the documented limit); one after 31 others is. */
static void test_span_duplicate_ring_limit(void **state)
{
    (void)state;
    struct ht gen, h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    ht_start(&gen, &cfg);
    gen.keep = 1;
    struct conv cv;
    conv_init(&cv, &gen, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    for (int i = 0; i < 40; i++)
        tx(&cv, C, F_ACK | F_PSH, "x");
    assert_int_equal(gen.nframes, 43);
    ht_config(&cfg);
    cfg.duplicate_window_ns = 10 * SEC;
    ht_start(&h, &cfg);
    for (size_t i = 0; i < gen.nframes; i++)
        feed(&h, gen.frames[i].bytes, gen.frames[i].len, gen.frames[i].ts);
    /* frame 10: 32 datagrams since (11..42): forgotten; frame 11: 31 since */
    feed(&h, gen.frames[11].bytes, gen.frames[11].len, h.ts + SEC);
    feed(&h, gen.frames[10].bytes, gen.frames[10].len, h.ts + SEC);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(EV(r, DUPLICATE_FRAME), 1);
    assert_int_equal(EV(r, RETRANSMISSION), 1);
    ht_free(&gen);
    ht_free(&h);
}

/* Urgent edges under oob: a midstream first segment whose first byte is
 * urgent (pointer 1, the stream has no base yet); an RST with URG changes
 * nothing; an urgent byte inside a hole is never seen, so nothing is taken
 * out and later offsets are unchanged. */
static void test_urgent_edges(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.urgent = TCPSIFT_URGENT_OOB;
    ht_start(&h, &cfg);
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    cv.nxt[C] = 7000;
    cv.nxt[S] = 9000;
    tx_urg(&cv, C, "!xyz", 1);     /* midstream: offset 0 is urgent */
    tx_urg(&cv, C, "abc", 5);      /* offsets 4-6; urgent byte at 8 */
    cv.nxt[C] += 3;                /* offsets 7-9 never captured */
    tx(&cv, C, F_ACK | F_PSH, "ghi"); /* offsets 10-12 */
    seg(&cv, C, F_ACK | F_URG | TCPSIFT_TCP_RST, cv.nxt[C], NULL, 0, 1, 64);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    struct rec_stream *st = stream_of(&h, 0, TCPSIFT_C2S);
    assert_int_equal(EV(r, URGENT_REMOVED), 1);
    assert_int_equal(st->data_len, 9);
    assert_int_equal(st->gap_len, 3);
    /* '!' at offset 0 removed: the stream resumes at 1; the hole stays at
     * its sequence offset 7 (bytes[] is kept one behind past the jump) */
    assert_int_equal(st->njumps, 1);
    assert_int_equal(st->jump_at[0], 0);
    assert_int_equal(st->first_gap_at, 7);
    assert_int_equal(st->pos, 13);
    assert_memory_equal(st->bytes, "xyzabc", 6);
    assert_memory_equal(st->bytes + 9, "ghi", 3); /* offsets 10-12, one jumped */
    assert_int_equal(r->info.client.stream_bytes, 9);
    assert_int_equal(r->info.client.gap_bytes, 3);
    ht_free(&h);
}

static void test_urgent_policy_names(void **state)
{
    (void)state;
    tcpsift_urgent_policy u;
    assert_int_equal(tcpsift_urgent_policy_parse("oob", &u), TCPSIFT_OK);
    assert_int_equal(u, TCPSIFT_URGENT_OOB);
    assert_int_equal(tcpsift_urgent_policy_parse("gap", &u), TCPSIFT_OK);
    assert_int_equal(u, TCPSIFT_URGENT_GAP);
    assert_int_equal(tcpsift_urgent_policy_parse("inline", &u), TCPSIFT_OK);
    assert_int_equal(u, TCPSIFT_URGENT_INLINE);
    assert_int_equal(tcpsift_urgent_policy_parse("OOB", &u), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(tcpsift_urgent_policy_name(TCPSIFT_URGENT_GAP), "gap");
    tcpsift_ttl_policy tp;
    assert_int_equal(tcpsift_ttl_policy_parse("drop", &tp), TCPSIFT_OK);
    assert_int_equal(tp, TCPSIFT_TTL_DROP);
    assert_int_equal(tcpsift_ttl_policy_parse("kill", &tp), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(tcpsift_ttl_policy_name(TCPSIFT_TTL_FLAG), "flag");
    assert_string_equal(tcpsift_urgent_policy_name((tcpsift_urgent_policy)9), "unknown");
    assert_string_equal(tcpsift_ttl_policy_name((tcpsift_ttl_policy)9), "unknown");
    assert_int_equal(tcpsift_urgent_policy_parse(NULL, &u), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_urgent_policy_parse("oob", NULL), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_ttl_policy_parse(NULL, &tp), TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_overlap_prefix p;
    assert_int_equal(tcpsift_overlap_prefix_parse(NULL, &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_overlap_prefix_parse("10.0.0.0/8=bsd", NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------ TTL outliers */

/* Insertion (Ptacek & Newsham): "EVIL" with TTL 58 (6 below the client's
 * 64, margin 5) reaches the observer but not the server; the real "GOOD"
 * follows at the same sequence numbers. A TTL of 60 (4 below) is within the
 * margin. */
static void ttl_run_on(struct ht *h, tcpsift_ttl_policy policy, uint8_t margin, int v6)
{
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.ttl_policy = policy;
    cfg.ttl_margin = margin;
    ht_start(h, &cfg);
    struct conv cv;
    conv_init(&cv, h, v6, v6 ? TEST_V6_SRC : V4_A, v6 ? TEST_V6_DST : V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    seg(&cv, C, F_ACK | F_PSH, cv.nxt[C], "EVIL", 4, 0, 58);
    seg(&cv, C, F_ACK | F_PSH, cv.nxt[C], "GOOD", 4, 0, 64);
    cv.nxt[C] += 4;
    seg(&cv, C, F_ACK | F_PSH, cv.nxt[C], "ok", 2, 0, 60);
    cv.nxt[C] += 2;
    tx(&cv, S, F_ACK, NULL);
    conv_close(&cv);
    tcpsift_tracker_finish(h->t);
}

static void ttl_run(struct ht *h, tcpsift_ttl_policy policy, uint8_t margin)
{
    ttl_run_on(h, policy, margin, 0);
}

/* The same with IPv6's hop limit. */
static void test_hop_limit_outlier_dropped(void **state)
{
    (void)state;
    struct ht h;
    ttl_run_on(&h, TCPSIFT_TTL_DROP, 5, 1);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(r->info.ip_version, 6);
    assert_stream(&h, 0, TCPSIFT_C2S, "GOODok", 0);
    assert_int_equal(EV(r, TTL_BELOW_EXPECTED), 1);
    assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
    ht_free(&h);
}

static void test_ttl_outlier_flagged(void **state)
{
    (void)state;
    struct ht h;
    ttl_run(&h, TCPSIFT_TTL_FLAG, 5);
    const struct rec_conn *r = conn_by_id(&h, 0);
    /* Flag only: the inserted copy is delivered first, as before. */
    assert_stream(&h, 0, TCPSIFT_C2S, "EVILok", 0);
    assert_int_equal(EV(r, TTL_BELOW_EXPECTED), 1);
    assert_int_equal(EV(r, TTL_CHANGED), 2);
    assert_int_equal(EV(r, OVERLAP_MISMATCH), 1);
    assert_int_equal(r->info.client.pkts, 7);
    ht_free(&h);
}

static void test_ttl_outlier_dropped(void **state)
{
    (void)state;
    struct ht h;
    ttl_run(&h, TCPSIFT_TTL_DROP, 5);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_stream(&h, 0, TCPSIFT_C2S, "GOODok", 0);
    assert_int_equal(EV(r, TTL_BELOW_EXPECTED), 1);
    assert_int_equal(EV(r, OVERLAP_MISMATCH), 0);
    assert_int_equal(EV(r, RETRANSMISSION), 0); /* the dropped copy made no sequence state */
    assert_int_equal(r->info.client.pkts, 7);   /* seen, though ignored */
    assert_int_equal(r->info.client.bytes, 10);
    ht_free(&h);
}

/* Margin 1: the TTL-60 segment is an outlier too; dropped, its "ok" is a
 * hole the server's ACK passes. */
static void test_ttl_margin(void **state)
{
    (void)state;
    struct ht h;
    ttl_run(&h, TCPSIFT_TTL_DROP, 1);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(EV(r, TTL_BELOW_EXPECTED), 2);
    assert_stream(&h, 0, TCPSIFT_C2S, "GOOD", 2);
    ht_free(&h);
}

/* --------------------------------------------- overlap policy per prefix */

/* acked delivery: "AAAA" then "BBBB" at the same sequence numbers, then the
 * ACK. Which copy is delivered is the destination's policy. */
static void overlap_conv(struct ht *h, struct conv *cv, int v6, const uint8_t *server,
                         uint16_t cport)
{
    static const uint8_t V6_CLIENT[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 1};
    conv_init(cv, h, v6, v6 ? V6_CLIENT : V4_A, server, cport);
    conv_open(cv, 1000, 5000);
    seg(cv, C, F_ACK | F_PSH, cv->nxt[C], "AAAA", 4, 0, 64);
    seg(cv, C, F_ACK | F_PSH, cv->nxt[C], "BBBB", 4, 0, 64);
    cv->nxt[C] += 4;
    tx(cv, S, F_ACK, NULL);
    conv_close(cv);
}

static void test_overlap_policy_per_destination(void **state)
{
    (void)state;
    tcpsift_overlap_prefix rows[3];
    /* Given shortest first: the tracker must still prefer the longest. */
    assert_int_equal(tcpsift_overlap_prefix_parse("10.0.0.0/8=first", &rows[0]), TCPSIFT_OK);
    assert_int_equal(tcpsift_overlap_prefix_parse("10.9.0.0/16=last", &rows[1]), TCPSIFT_OK);
    assert_int_equal(tcpsift_overlap_prefix_parse("2001:db8::/32=first", &rows[2]), TCPSIFT_OK);
    struct ht h;
    ht_start_policies(&h, TCPSIFT_OVERLAP_LAST, rows, 3); /* everywhere else */
    memset(rows, 0, sizeof rows); /* copied at create: the caller's array is free again */
    static const uint8_t in8[4] = {10, 1, 2, 3}, in16[4] = {10, 9, 0, 1},
                         other[4] = {192, 0, 2, 99};
    static const uint8_t v6_in[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 7};
    static const uint8_t v6_out[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 7};
    struct conv a, b, c, d, e;
    overlap_conv(&h, &a, 0, in8, 40001);    /* 10/8: first */
    overlap_conv(&h, &b, 0, in16, 40002);   /* 10.9/16 beats 10/8: last */
    overlap_conv(&h, &c, 0, other, 40003);  /* no row: default last */
    overlap_conv(&h, &d, 1, v6_in, 40004);  /* 2001:db8::/32: first */
    overlap_conv(&h, &e, 1, v6_out, 40005); /* outside it: last */
    tcpsift_tracker_finish(h.t);
    assert_stream(&h, 0, TCPSIFT_C2S, "AAAA", 0);
    assert_stream(&h, 1, TCPSIFT_C2S, "BBBB", 0);
    assert_stream(&h, 2, TCPSIFT_C2S, "BBBB", 0);
    assert_stream(&h, 3, TCPSIFT_C2S, "AAAA", 0);
    assert_stream(&h, 4, TCPSIFT_C2S, "BBBB", 0);
    ht_free(&h);
}

/* One connection, two policies: every direction's reassembler shares the tracker's one setup
 * (tracker.c, stream_template_init) and keeps its own overlap policy in its state, picked by its
 * receiver's address. The client 10.1.2.3 is in 10/8=first, the server 192.0.2.99 in no row
 * (default last): the server's bytes (s2c, received by the client) keep the first copy, the
 * client's (c2s) the last, whichever direction opens its stream first. */
static void test_overlap_policy_per_direction_one_conn(void **state)
{
    (void)state;
    tcpsift_overlap_prefix row;
    assert_int_equal(tcpsift_overlap_prefix_parse("10.0.0.0/8=first", &row), TCPSIFT_OK);
    struct ht h;
    ht_start_policies(&h, TCPSIFT_OVERLAP_LAST, &row, 1);
    static const uint8_t client[4] = {10, 1, 2, 3}, server[4] = {192, 0, 2, 99};
    for (int server_first = 0; server_first < 2; server_first++) {
        struct conv cv;
        conv_init(&cv, &h, 0, client, server, (uint16_t)(41000 + server_first));
        conv_open(&cv, 1000, 5000);
        for (int k = 0; k < 2; k++) {
            int from = (k == 0) == !server_first ? C : S;
            seg(&cv, from, F_ACK | F_PSH, cv.nxt[from], from == C ? "cccc" : "ssss", 4, 0, 64);
            seg(&cv, from, F_ACK | F_PSH, cv.nxt[from], from == C ? "CCCC" : "SSSS", 4, 0, 64);
            cv.nxt[from] += 4;
        }
        tx(&cv, S, F_ACK, NULL); /* acknowledges the client's bytes: c2s delivered */
        tx(&cv, C, F_ACK, NULL); /* and the server's */
        conv_close(&cv);
    }
    tcpsift_tracker_finish(h.t);
    for (uint64_t id = 0; id < 2; id++) {
        assert_stream(&h, id, TCPSIFT_C2S, "CCCC", 0); /* last */
        assert_stream(&h, id, TCPSIFT_S2C, "ssss", 0); /* first */
        const struct rec_conn *r = conn_by_id(&h, id);
        assert_int_equal(r->info.client.stream_bytes, 4);
        assert_int_equal(r->info.server.stream_bytes, 4);
        assert_int_equal(EV(r, OVERLAP_MISMATCH), 2); /* one per direction */
    }
    ht_free(&h);
}

/* Without prefixes the template carries the configured policy (tracker.c,
 * stream_template_init): it applies to every direction. (An invalid default policy, with or
 * without prefixes, is refused at create: test_tracker_config.) */
static void test_policy_without_prefixes(void **state)
{
    (void)state;
    static const uint8_t other[4] = {192, 0, 2, 99};
    struct ht h;
    ht_start_policies(&h, TCPSIFT_OVERLAP_LAST, NULL, 0);
    struct conv a, b;
    overlap_conv(&h, &a, 0, other, 40001);
    overlap_conv(&h, &b, 0, other, 40002);
    tcpsift_tracker_finish(h.t);
    for (uint64_t id = 0; id < 2; id++) assert_stream(&h, id, TCPSIFT_C2S, "BBBB", 0);
    ht_free(&h);
}

static void test_overlap_prefix_parse(void **state)
{
    (void)state;
    tcpsift_overlap_prefix p;
    assert_int_equal(tcpsift_overlap_prefix_parse("172.16.0.0/12=windows", &p), TCPSIFT_OK);
    assert_int_equal(p.ip_version, 4);
    assert_int_equal(p.prefix_len, 12);
    assert_int_equal(p.addr[0], 172);
    assert_int_equal(p.addr[1], 16);
    assert_int_equal(p.policy, TCPSIFT_OVERLAP_WINDOWS);
    assert_int_equal(tcpsift_overlap_prefix_parse("::1=solaris", &p), TCPSIFT_OK);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.prefix_len, 128);
    assert_int_equal(p.addr[15], 1);
    assert_int_equal(tcpsift_overlap_prefix_parse("0.0.0.0/0=bsd", &p), TCPSIFT_OK);
    assert_int_equal(p.prefix_len, 0);
    static const char *const bad[] = {"10.0.0.0/8",       "10.0.0.0/33=first", "10.0.0.0/=first",
                                      "10.0.0/8=first",   "10.0.0.0/8=nope",   "/8=first",
                                      "::/129=linux",     "10.0.0.0/8x=last",  "10.0.0.0/-1=last",
                                      "10.0.0.0/0008=last", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tcpsift_overlap_prefix_parse(bad[i], &p), TCPSIFT_E_INVALID_ARGUMENT);
}

/* ---------------------------------------------------- span-port duplicates */

/* A connection with a real retransmission (a new IP id, as a stack sends it). */
static void span_conversation(struct ht *h)
{
    struct conv cv;
    conv_init(&cv, h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    tx(&cv, C, F_ACK | F_PSH, "GET /\r\n");
    seg(&cv, C, F_ACK | F_PSH, cv.nxt[C] - 7, "GET /\r\n", 7, 0, 64); /* retransmission */
    tx(&cv, S, F_ACK | F_PSH, "200 ok\r\n");
    tx(&cv, C, F_ACK, NULL);
    tx(&cv, C, F_ACK, NULL); /* a duplicate ACK: same TCP header, new IP id */
    conv_close(&cv);
}

static void span_feed(struct ht *h, const struct ht *src, int copies, int64_t apart)
{
    for (size_t i = 0; i < src->nframes; i++)
        for (int k = 0; k < copies; k++)
            feed(h, src->frames[i].bytes, src->frames[i].len, src->frames[i].ts + k * apart);
    tcpsift_tracker_finish(h->t);
}

static void assert_same_conn(const struct rec_conn *x, const struct rec_conn *y)
{
    assert_int_equal(x->info.id, y->info.id);
    assert_int_equal(x->info.client.state, y->info.client.state);
    assert_int_equal(x->info.server.state, y->info.server.state);
    assert_int_equal(x->info.client.pkts, y->info.client.pkts);
    assert_int_equal(x->info.server.pkts, y->info.server.pkts);
    assert_int_equal(x->info.client.bytes, y->info.client.bytes);
    assert_int_equal(x->info.server.bytes, y->info.server.bytes);
    assert_int_equal(x->info.client.stream_bytes, y->info.client.stream_bytes);
    assert_int_equal(x->info.server.stream_bytes, y->info.server.stream_bytes);
    assert_int_equal(x->info.end, y->info.end);
    assert_int_equal(x->info.handshake, y->info.handshake);
    assert_int_equal(x->info.completeness, y->info.completeness);
    assert_string_equal(x->history, y->history);
    assert_string_equal(x->conn_state, y->conn_state);
    for (int a = 0; a < TCPSIFT_ANOMALY_COUNT; a++)
        if (a != TCPSIFT_ANOMALY_DUPLICATE_FRAME) assert_int_equal(x->ev[a], y->ev[a]);
}

static void test_span_duplicates(void **state)
{
    (void)state;
    struct ht gen;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    ht_start(&gen, &cfg);
    gen.keep = 1;
    span_conversation(&gen);
    size_t n = gen.nframes;
    assert_int_equal(n, 11);

    struct ht once, twice, off;
    ht_config(&cfg);
    cfg.duplicate_window_ns = 1 * MS;
    ht_start(&once, &cfg);
    span_feed(&once, &gen, 1, 0);
    ht_config(&cfg);
    cfg.duplicate_window_ns = 1 * MS;
    ht_start(&twice, &cfg);
    span_feed(&twice, &gen, 2, 5000); /* each frame again 5 us later */
    ht_config(&cfg);
    ht_start(&off, &cfg); /* detection off: the copies are retransmissions */
    span_feed(&off, &gen, 2, 5000);

    const struct rec_conn *a = conn_by_id(&once, 0), *b = conn_by_id(&twice, 0);
    assert_int_equal(once.nconns, 1);
    assert_int_equal(twice.nconns, 1);
    assert_same_conn(a, b);
    assert_int_equal(EV(a, RETRANSMISSION), 1);
    assert_int_equal(EV(a, DUPLICATE_ACK), 1);
    assert_int_equal(EV(a, DUPLICATE_FRAME), 0);
    /* The copy of the first SYN meets a half-open embryo, which keeps no
     * counts: it is in the tracker's totals only. */
    assert_int_equal(EV(b, DUPLICATE_FRAME), n - 1);
    const tcpsift_tracker_stats *st = tcpsift_tracker_get_stats(twice.t);
    assert_int_equal(st->duplicate_frames, n);
    assert_int_equal(st->events[TCPSIFT_ANOMALY_DUPLICATE_FRAME], n);
    assert_int_equal(st->tcp_packets, 2 * n);
    assert_memory_equal(stream_of(&once, 0, TCPSIFT_C2S)->bytes,
                        stream_of(&twice, 0, TCPSIFT_C2S)->bytes, 7);

    const struct rec_conn *o = conn_by_id(&off, 0);
    assert_int_equal(o->info.client.pkts, 2 * a->info.client.pkts);
    assert_true(EV(o, RETRANSMISSION) > EV(a, RETRANSMISSION));
    ht_free(&gen);
    ht_free(&once);
    ht_free(&twice);
    ht_free(&off);
}

/* Outside the window an identical datagram is not a span copy. */
static void test_span_duplicate_window(void **state)
{
    (void)state;
    struct ht gen, h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    ht_start(&gen, &cfg);
    gen.keep = 1;
    span_conversation(&gen);
    ht_config(&cfg);
    cfg.duplicate_window_ns = 1 * MS;
    ht_start(&h, &cfg);
    /* frame 4 (the request) again 2 ms later, and again 1 ms before it:
     * the first is outside the window, the second (time backwards) inside */
    for (size_t i = 0; i < gen.nframes; i++) {
        feed(&h, gen.frames[i].bytes, gen.frames[i].len, gen.frames[i].ts);
        if (i == 3) {
            feed(&h, gen.frames[i].bytes, gen.frames[i].len, gen.frames[i].ts + 2 * MS + 1);
            feed(&h, gen.frames[i].bytes, gen.frames[i].len, gen.frames[i].ts - MS);
        }
    }
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(EV(r, DUPLICATE_FRAME), 1);
    assert_int_equal(EV(r, RETRANSMISSION), 2);
    ht_free(&gen);
    ht_free(&h);
}

/* ------------------------------------------- one-sided capture, acked mode */

static void one_sided_start(struct ht *h, uint64_t budget)
{
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.reasm.mode = TCPSIFT_REASM_ACKED;
    cfg.one_sided_release_bytes = budget;
    ht_start(h, &cfg);
}

static const char SIXTY[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX";

/* Only the client's segments were captured (asymmetric route). */
static void test_one_sided_release_budget(void **state)
{
    (void)state;
    struct ht h;
    one_sided_start(&h, 100);
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    cv.nxt[C] = 1000;
    cv.nxt[S] = 5000;
    tx(&cv, C, F_SYN, NULL);
    tx(&cv, C, F_ACK, NULL);
    tx(&cv, C, F_ACK | F_PSH, SIXTY);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 0); /* 60 < 100: held */
    tx(&cv, C, F_ACK | F_PSH, SIXTY);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 120); /* released */
    tx(&cv, C, F_ACK | F_PSH, "tail");
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 120);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 124);
    assert_int_equal(r->info.client.stream_bytes, 124);
    assert_int_equal(EV(r, RELEASED_UNACKED), 2); /* the budget, then the end */
    assert_int_equal(tcpsift_tracker_get_stats(h.t)->released_unacked_bytes, 124);
    ht_free(&h);
}

/* Budget 0: held until the connection ends (here: times out). */
static void test_one_sided_release_at_timeout(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    cfg.reasm.mode = TCPSIFT_REASM_ACKED;
    cfg.one_sided_release_bytes = 0;
    tcpsift_tracker_config defaults;
    tcpsift_tracker_config_init(&defaults);
    memcpy(cfg.timeout_ns, defaults.timeout_ns, sizeof cfg.timeout_ns);
    ht_start(&h, &cfg);
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    cv.nxt[C] = 1000;
    tx(&cv, C, F_SYN, NULL);
    tx(&cv, C, F_ACK, NULL);
    tx(&cv, C, F_ACK | F_PSH, SIXTY);
    tx(&cv, C, F_ACK | F_PSH, SIXTY);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 0);
    /* one-sided (SYN, nothing back): the embryonic class, 30 s */
    tcpsift_tracker_advance_time(h.t, h.ts + 301 * SEC);
    assert_int_equal(h.nconns, 1);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(r->info.timed_out, 1);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 120);
    assert_int_equal(EV(r, RELEASED_UNACKED), 1);
    tcpsift_tracker_finish(h.t);
    assert_int_equal(h.nconns, 1);
    ht_free(&h);
}

/* The peer seen: acked delivery waits for its ACKs, nothing is released. */
static void test_two_sided_acked_not_released(void **state)
{
    (void)state;
    struct ht h;
    one_sided_start(&h, 100);
    struct conv cv;
    conv_init(&cv, &h, 0, V4_A, V4_B, 40000);
    conv_open(&cv, 1000, 5000);
    tx(&cv, C, F_ACK | F_PSH, SIXTY);
    tx(&cv, C, F_ACK | F_PSH, SIXTY);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 0);
    tx(&cv, S, F_ACK, NULL);
    assert_int_equal(stream_of(&h, 0, TCPSIFT_C2S)->data_len, 120);
    conv_close(&cv);
    tcpsift_tracker_finish(h.t);
    const struct rec_conn *r = conn_by_id(&h, 0);
    assert_int_equal(EV(r, RELEASED_UNACKED), 0);
    assert_int_equal(tcpsift_tracker_get_stats(h.t)->released_unacked_bytes, 0);
    ht_free(&h);
}

/* ------------------------------------------------------------ clock abuse */

static void timeouts_on(tcpsift_tracker_config *cfg)
{
    tcpsift_tracker_config defaults;
    tcpsift_tracker_config_init(&defaults);
    memcpy(cfg->timeout_ns, defaults.timeout_ns, sizeof cfg->timeout_ns);
}

/* Time going backwards, to zero and below zero, never expires anything: the
 * clock holds at its newest value and idle time is never negative. */
static void test_clock_backwards_and_zero(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    timeouts_on(&cfg);
    ht_start(&h, &cfg);
    struct conv cv[3];
    for (int i = 0; i < 3; i++) {
        conv_init(&cv[i], &h, 0, V4_A, V4_B, (uint16_t)(41000 + i));
        conv_open(&cv[i], 1000, 5000);
    }
    int64_t late = h.ts;
    h.ts = 10 * SEC; /* 53 years back */
    tx(&cv[0], C, F_ACK | F_PSH, "x");
    h.ts = -2 * MS; /* before the epoch (-1 ms), then exactly 0 */
    tx(&cv[1], C, F_ACK | F_PSH, "y");
    tx(&cv[2], C, F_ACK | F_PSH, "z");
    tcpsift_tracker_advance_time(h.t, 0);
    tcpsift_tracker_advance_time(h.t, INT64_MIN);
    assert_int_equal(h.nconns, 0);
    /* Back to the newest time plus less than the established timeout. */
    tcpsift_tracker_advance_time(h.t, late + 299 * SEC);
    assert_int_equal(h.nconns, 0);
    tcpsift_tracker_finish(h.t);
    assert_int_equal(h.nconns, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(h.conns[i].info.timed_out, 0);
        assert_int_equal(h.reports_per_id[i], 1);
    }
    assert_int_equal(tcpsift_tracker_get_stats(h.t)->timed_out, 0);
    ht_free(&h);
}

/* A jump of a century expires every idle connection in one call, each
 * reported exactly once; connections made after the jump at the old time
 * (the clock came back) are not expired by the jump's clock. */
static void test_clock_jump_years_ahead(void **state)
{
    (void)state;
    enum { N = 1500 };
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    timeouts_on(&cfg);
    cfg.max_connections = 4096;
    ht_start(&h, &cfg);
    static struct conv cv[N];
    for (int i = 0; i < N; i++) {
        static const uint8_t base[4] = {10, 0, 0, 0};
        uint8_t client[4];
        memcpy(client, base, 4);
        client[2] = (uint8_t)(i >> 8);
        client[3] = (uint8_t)i;
        conv_init(&cv[i], &h, 0, client, V4_B, 40000);
        conv_open(&cv[i], 1000, 5000);
    }
    int64_t before = h.ts;
    tcpsift_tracker_advance_time(h.t, before + 100LL * 365 * 24 * 3600 * SEC);
    assert_int_equal(h.nconns, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(h.reports_per_id[i], 1);
        assert_int_equal(h.conns[i].info.timed_out, 1);
    }
    assert_int_equal(tcpsift_tracker_get_stats(h.t)->timed_out, N);
    /* The clock came back: a new connection at the old time lives on. */
    h.ts = before;
    struct conv late;
    conv_init(&late, &h, 0, V4_A, V4_B, 42000);
    conv_open(&late, 7000, 9000);
    tx(&late, C, F_ACK | F_PSH, "still here");
    assert_int_equal(h.nconns, N);
    /* The far end of int64 time: no overflow, still one report each. */
    tcpsift_tracker_advance_time(h.t, INT64_MAX);
    tcpsift_tracker_advance_time(h.t, INT64_MAX);
    tcpsift_tracker_finish(h.t);
    assert_int_equal(h.nconns, N + 1);
    assert_int_equal(h.reports_per_id[N], 1);
    ht_free(&h);
}

/* The explicit calls: advance_time expires by the class timeouts (not a
 * moment early), finish reports the rest once, and after finish the
 * tracker refuses packets and ignores both calls. */
static void test_advance_time_and_finish(void **state)
{
    (void)state;
    struct ht h;
    tcpsift_tracker_config cfg;
    ht_config(&cfg);
    timeouts_on(&cfg);
    ht_start(&h, &cfg);
    struct conv a, b;
    conv_init(&a, &h, 0, V4_A, V4_B, 40000);
    conv_open(&a, 1000, 5000);
    int64_t a_last = h.ts;
    conv_init(&b, &h, 0, V4_A, V4_B, 40001);
    conv_open(&b, 1000, 5000);
    tcpsift_tracker_advance_time(h.t, a_last + 300 * SEC);
    assert_int_equal(h.nconns, 0); /* idle exactly the timeout: not yet */
    tcpsift_tracker_advance_time(h.t, a_last + 300 * SEC + 1);
    assert_int_equal(h.nconns, 1);
    assert_int_equal(h.conns[0].info.id, 0);
    assert_int_equal(h.conns[0].info.timed_out, 1);
    tcpsift_tracker_advance_time(h.t, a_last); /* backwards: nothing */
    assert_int_equal(h.nconns, 1);
    tcpsift_tracker_finish(h.t);
    assert_int_equal(h.nconns, 2);
    assert_int_equal(h.conns[1].info.id, 1);
    assert_int_equal(h.conns[1].info.timed_out, 0);
    tcpsift_tracker_finish(h.t);
    tcpsift_tracker_advance_time(h.t, INT64_MAX);
    assert_int_equal(h.nconns, 2);
    uint8_t frame[128];
    struct pb p;
    pb_init(&p);
    struct tcp_spec ts = tcp_default();
    build_eth_ipv4_tcp(&p, &ts);
    assert_true(p.len <= sizeof frame);
    memcpy(frame, p.b, p.len);
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, LINKTYPE_ETHERNET, frame, p.len, p.len);
    assert_int_equal(tcpsift_tracker_packet(h.t, &pkt, h.ts), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(h.nconns, 2);
    ht_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urgent_inline),
        cmocka_unit_test(test_urgent_oob),
        cmocka_unit_test(test_urgent_state_allocation_refused),
        cmocka_unit_test(test_urgent_gap),
        cmocka_unit_test(test_urgent_pointer_ahead_and_stale),
        cmocka_unit_test(test_urgent_framing),
        cmocka_unit_test(test_urgent_oob_frame_offsets),
        cmocka_unit_test(test_urgent_oob_point_list_full),
        cmocka_unit_test(test_urgent_oob_unframed_no_limit),
        cmocka_unit_test(test_urgent_removed_at_finish_counts),
        cmocka_unit_test(test_urgent_edges),
        cmocka_unit_test(test_urgent_policy_names),
        cmocka_unit_test(test_overlap_prefix_bits),
        cmocka_unit_test(test_overlap_prefix_allocation_refused),
        cmocka_unit_test(test_span_duplicate_ring_limit),
        cmocka_unit_test(test_ttl_outlier_flagged),
        cmocka_unit_test(test_ttl_outlier_dropped),
        cmocka_unit_test(test_ttl_margin),
        cmocka_unit_test(test_hop_limit_outlier_dropped),
        cmocka_unit_test(test_overlap_policy_per_destination),
        cmocka_unit_test(test_overlap_policy_per_direction_one_conn),
        cmocka_unit_test(test_policy_without_prefixes),
        cmocka_unit_test(test_overlap_prefix_parse),
        cmocka_unit_test(test_span_duplicates),
        cmocka_unit_test(test_span_duplicate_window),
        cmocka_unit_test(test_one_sided_release_budget),
        cmocka_unit_test(test_one_sided_release_at_timeout),
        cmocka_unit_test(test_two_sided_acked_not_released),
        cmocka_unit_test(test_clock_backwards_and_zero),
        cmocka_unit_test(test_clock_jump_years_ahead),
        cmocka_unit_test(test_advance_time_and_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

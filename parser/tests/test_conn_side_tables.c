/* A connection's two side tables (conn_internal.h, issue 9): conn_ext, which every connection
 * with payload takes for its streams and their delivered bytes, and conn_rare, taken on the
 * first rare fact (anomaly counts past the inline slots, counted history letters, a sequence
 * hole, counts past 2^32, a released stream's gap bytes).
 *
 * Scripted connections through a tracker (reassembly on) whose allocator counts the requests
 * of each kind of side-table chunk and can refuse the rare tables' chunks: a clean in-order
 * connection never asks for a rare table; each rare fact arriving after the connection has its
 * conn_ext reaches the report exactly; a refused rare table drops only the fact that needed it,
 * counted as one memcap hit. Expected values follow from the rules (tcp_conn.c's sequence
 * analysis, zeek_summary.c's counted letters), not from running the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "support_segments.h"
#include "tracker_internal.h"

enum { CLIENT = 0, SERVER = 1 };
enum { C0 = 1000, S0 = 5000 }; /* the ISNs */

#define EXT_CHUNK_BYTES  SIDE_CHUNK_BYTES(sizeof(conn_ext), EXT_CHUNK)
#define RARE_CHUNK_BYTES SIDE_CHUNK_BYTES(sizeof(conn_rare), RARE_CHUNK)

/* Counts live blocks and the requests of each side-table chunk size; refuses the next
 * refuse_rare requests for a rare tables' chunk. */
typedef struct side_alloc {
    unsigned live;
    unsigned ext_asked, rare_asked, rare_refused, ext_refused;
    int refuse_rare, refuse_ext;
} side_alloc;

static void *sa_alloc(void *ctx, size_t size)
{
    side_alloc *a = ctx;
    if (size == EXT_CHUNK_BYTES) {
        a->ext_asked++;
        if (a->refuse_ext > 0) {
            a->refuse_ext--;
            a->ext_refused++;
            return NULL;
        }
    }
    if (size == RARE_CHUNK_BYTES) {
        a->rare_asked++;
        if (a->refuse_rare > 0) {
            a->refuse_rare--;
            a->rare_refused++;
            return NULL;
        }
    }
    void *p = malloc(size);
    if (p) a->live++;
    return p;
}

static void sa_free(void *ctx, void *p, size_t size)
{
    side_alloc *a = ctx;
    (void)size;
    if (!p) return;
    a->live--;
    free(p);
}

typedef struct report {
    int seen;
    uint64_t pkts[2], bytes[2], stream_bytes[2], gap_bytes[2];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    char history[TCPSIFT_HISTORY_MAX + 1];
} report;

typedef struct run {
    tcpsift_tracker *t;
    side_alloc a;
    tcpsift_allocator hooks;
    int64_t now;
    report rep;
    uint64_t memcap_hits; /* the tracker's, when it was destroyed */
} run;

static void on_conn_end(void *ctx, const tcpsift_conn_info *info)
{
    run *r = ctx;
    assert_false(r->rep.seen);
    r->rep.seen = 1;
    const tcpsift_endpoint_info *side[2] = {&info->client, &info->server};
    for (int i = 0; i < 2; i++) {
        r->rep.pkts[i] = side[i]->pkts;
        r->rep.bytes[i] = side[i]->bytes;
        r->rep.stream_bytes[i] = side[i]->stream_bytes;
        r->rep.gap_bytes[i] = side[i]->gap_bytes;
    }
    memcpy(r->rep.events, info->events, sizeof r->rep.events);
    strcpy(r->rep.history, info->history);
}

static void run_init(run *r)
{
    memset(r, 0, sizeof *r);
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    cfg.reassemble = 1;
    cfg.embryo_capacity = 0; /* the SYN makes the connection */
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.ctx = r;
    r->hooks.alloc = sa_alloc;
    r->hooks.free = sa_free;
    r->hooks.ctx = &r->a;
    cfg.allocator = &r->hooks;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    r->now = 1700000000LL * 1000000000LL;
}

/* The report, after finish; every block freed at destroy. */
static void run_end(run *r)
{
    tcpsift_tracker_finish(r->t);
    assert_true(r->rep.seen);
    r->memcap_hits = tcpsift_tracker_get_stats(r->t)->memcap_hits;
    tcpsift_tracker_destroy(r->t);
    assert_int_equal(r->a.live, 0);
}

static uint64_t memcap_hits(const run *r)
{
    return tcpsift_tracker_get_stats(r->t)->memcap_hits;
}

static void send(run *r, int from, uint16_t flags, uint32_t seq, uint32_t ack, size_t len)
{
    static struct pb p;
    struct seg s;
    memset(&s, 0, sizeof s);
    s.from = from;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.window = 65535;
    s.len = len;
    tcpsift_packet pkt;
    seg_decode(&s, &p, &pkt);
    r->now += 1000000;
    assert_int_equal(tcpsift_tracker_packet(r->t, &pkt, r->now), TCPSIFT_OK);
}

static int find_conn(void *ctx, const tcpsift_flow_view *flow)
{
    if (!flow->embryo) *(conn **)ctx = flow->value;
    return 0;
}

/* The run's one connection. */
static conn *the_conn(run *r)
{
    conn *c = NULL;
    assert_int_equal(tcpsift_flow_table_foreach(r->t->table, find_conn, &c), 1);
    assert_non_null(c);
    return c;
}

enum { ACK = TCPSIFT_TCP_ACK, PSH_ACK = TCPSIFT_TCP_PSH | TCPSIFT_TCP_ACK };

/* Handshake, 100 bytes from the client, 50 from the server, each acknowledged: a clean
 * connection with both streams, its conn_ext and no rare table. */
static conn *clean_start(run *r)
{
    send(r, CLIENT, TCPSIFT_TCP_SYN, C0, 0, 0);
    send(r, SERVER, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, S0, C0 + 1, 0);
    send(r, CLIENT, ACK, C0 + 1, S0 + 1, 0);
    send(r, CLIENT, PSH_ACK, C0 + 1, S0 + 1, 100);
    send(r, SERVER, ACK, S0 + 1, C0 + 101, 0);
    send(r, SERVER, PSH_ACK, S0 + 1, C0 + 101, 50);
    send(r, CLIENT, ACK, C0 + 101, S0 + 51, 0);
    conn *c = the_conn(r);
    assert_non_null(c->ext);
    assert_non_null(conn_stream(c, CLIENT));
    assert_non_null(conn_stream(c, SERVER));
    assert_null(c->ext->rare);
    assert_int_equal(r->a.rare_asked, 0);
    return c;
}

/* Both FINs and the last ACK; `csent` the client's bytes in all, the server sent 50. */
static void clean_close(run *r, uint32_t csent)
{
    send(r, CLIENT, TCPSIFT_TCP_FIN | ACK, C0 + 1 + csent, S0 + 51, 0);
    send(r, SERVER, TCPSIFT_TCP_FIN | ACK, S0 + 51, C0 + 2 + csent, 0);
    send(r, CLIENT, ACK, C0 + 2 + csent, S0 + 52, 0);
}

static int has_counted_letter(const char *history)
{
    return strpbrk(history, "CGTWcgtw") != NULL;
}

static void assert_events(const report *rep, const uint32_t want[TCPSIFT_ANOMALY_COUNT])
{
    for (int a = 0; a < TCPSIFT_ANOMALY_COUNT; a++)
        if (rep->events[a] != want[a])
            fail_msg("anomaly %s counted %u times, expected %u",
                     tcpsift_anomaly_name((tcpsift_anomaly)a), rep->events[a], want[a]);
}

/* A clean in-order connection: one conn_ext chunk asked for, never a rare table, not even
 * when its streams are released at their FINs (their delivered bytes stay in conn_ext). */
static void test_clean_connection_has_no_rare_table(void **state)
{
    static run r;
    (void)state;
    run_init(&r);
    conn *c = clean_start(&r);
    assert_int_equal(r.a.ext_asked, 1);
    clean_close(&r, 100);
    assert_ptr_equal(the_conn(&r), c);
    assert_non_null(c->ext);
    assert_null(conn_stream(c, CLIENT)); /* released at the FIN */
    assert_null(conn_stream(c, SERVER));
    assert_int_equal(conn_stream_kept_bytes(c, CLIENT), 100);
    assert_int_equal(conn_stream_kept_bytes(c, SERVER), 50);
    /* Each FIN's F letter kept its seq in the same table. */
    assert_int_equal(c->ext->hist_seq_fin[CLIENT], C0 + 101);
    assert_int_equal(c->ext->hist_seq_fin[SERVER], S0 + 51);
    assert_int_equal(c->ep[CLIENT].hist_once & (SEQ_F_SET | SEQ_R_SET), SEQ_F_SET);
    assert_null(c->ext->rare);
    assert_null(r.t->rare_chunks.room);
    assert_null(r.t->rare_chunks.full);
    run_end(&r);
    assert_int_equal(r.a.ext_asked, 1);
    assert_int_equal(r.a.rare_asked, 0);
    static const uint32_t none[TCPSIFT_ANOMALY_COUNT];
    assert_events(&r.rep, none);
    assert_false(has_counted_letter(r.rep.history));
    assert_int_equal(r.rep.stream_bytes[CLIENT], 100);
    assert_int_equal(r.rep.stream_bytes[SERVER], 50);
    assert_int_equal(r.rep.gap_bytes[CLIENT], 0);
    assert_int_equal(r.rep.gap_bytes[SERVER], 0);
    assert_int_equal(r.rep.pkts[CLIENT], 6);
    assert_int_equal(r.rep.pkts[SERVER], 4);
    assert_int_equal(r.rep.bytes[CLIENT], 100);
    assert_int_equal(r.rep.bytes[SERVER], 50);
}

/* Anomaly counts past the inline slots, on a connection that has its conn_ext: the third kind
 * takes the rare table and every count reaches the report exactly. Refused: the third kind's
 * count is dropped (one memcap hit), the two inline ones stay. */
static void spill(int refuse)
{
    static run r;
    run_init(&r);
    conn *c = clean_start(&r);
    conn_event_add(r.t, c, TCPSIFT_ANOMALY_KEEP_ALIVE, 3);
    conn_event_add(r.t, c, TCPSIFT_ANOMALY_DUPLICATE_ACK, 2);
    assert_null(c->ext->rare); /* two kinds: inline */
    r.a.refuse_rare = refuse;
    conn_event_add(r.t, c, TCPSIFT_ANOMALY_ZERO_WINDOW, 5);
    r.a.refuse_rare = 0;
    assert_int_equal(r.a.rare_asked, 1);
    assert_int_equal(c->ext->rare != NULL, !refuse);
    assert_int_equal(conn_events_spilled(c), !refuse);
    assert_int_equal(memcap_hits(&r), (uint64_t)refuse);
    conn_event_add(r.t, c, TCPSIFT_ANOMALY_KEEP_ALIVE, 1);
    clean_close(&r, 100);
    run_end(&r);
    uint32_t want[TCPSIFT_ANOMALY_COUNT] = {0};
    want[TCPSIFT_ANOMALY_KEEP_ALIVE] = 4;
    want[TCPSIFT_ANOMALY_DUPLICATE_ACK] = 2;
    want[TCPSIFT_ANOMALY_ZERO_WINDOW] = refuse ? 0 : 5;
    assert_events(&r.rep, want);
    assert_int_equal(r.rep.stream_bytes[CLIENT], 100);
    assert_int_equal(r.rep.stream_bytes[SERVER], 50);
    assert_int_equal(r.a.rare_asked, 1);
}

static void test_spill_after_conn_ext(void **state)
{
    (void)state;
    spill(0);
}

static void test_spill_refused(void **state)
{
    (void)state;
    spill(1);
}

/* A counted letter: the client re-sends its 100 bytes after the server acknowledged them, a
 * (spurious) retransmission and Zeek's first 'T' (zeek_summary.c: the 1st, 10th, ...), whose
 * count takes the rare table. Refused: the letter is lost (one memcap hit), the counts stay. */
static void counted_letter(int refuse)
{
    static run r;
    run_init(&r);
    conn *c = clean_start(&r);
    r.a.refuse_rare = refuse;
    send(&r, CLIENT, PSH_ACK, C0 + 1, S0 + 51, 100);
    r.a.refuse_rare = 0;
    assert_int_equal(r.a.rare_asked, 1);
    assert_int_equal(c->ext->rare != NULL, !refuse);
    if (!refuse) assert_int_equal(c->ext->rare->hist_count[CLIENT][HIST_T], 1);
    assert_int_equal(memcap_hits(&r), (uint64_t)refuse);
    clean_close(&r, 100);
    run_end(&r);
    uint32_t want[TCPSIFT_ANOMALY_COUNT] = {0};
    want[TCPSIFT_ANOMALY_RETRANSMISSION] = 1;
    want[TCPSIFT_ANOMALY_SPURIOUS_RETRANSMISSION] = 1;
    assert_events(&r.rep, want);
    assert_int_equal(strchr(r.rep.history, 'T') != NULL, !refuse);
    assert_int_equal(r.rep.stream_bytes[CLIENT], 100); /* the copy is not delivered twice */
    assert_int_equal(r.rep.bytes[CLIENT], 200);
}

static void test_counted_letter_after_conn_ext(void **state)
{
    (void)state;
    counted_letter(0);
}

static void test_counted_letter_refused(void **state)
{
    (void)state;
    counted_letter(1);
}

/* A hole: the client skips 50 bytes (a lost segment; the range is kept in the rare table),
 * then sends them: out of order, not a retransmission, since they fill the hole (and Zeek's
 * 'T', any old sequence number). Refused: the hole is not kept (one memcap hit), so the bytes
 * that fill it look re-sent: a retransmission. Either way the stream delivers all 200. */
static void hole(int refuse)
{
    static run r;
    run_init(&r);
    conn *c = clean_start(&r);
    r.a.refuse_rare = refuse;
    send(&r, CLIENT, PSH_ACK, C0 + 151, S0 + 51, 50);
    r.a.refuse_rare = 0;
    assert_int_equal(r.a.rare_asked, 1);
    assert_int_equal(c->ext->rare != NULL, !refuse);
    assert_int_equal((c->ep[CLIENT].flags & EP_HOLE) != 0, !refuse);
    if (!refuse) {
        assert_int_equal(c->ext->rare->hole_start[CLIENT], C0 + 101);
        assert_int_equal(c->ext->rare->hole_end[CLIENT], C0 + 151);
    }
    assert_int_equal(memcap_hits(&r), (uint64_t)refuse);
    send(&r, CLIENT, PSH_ACK, C0 + 101, S0 + 51, 50);
    assert_int_equal(c->ep[CLIENT].flags & EP_HOLE, 0);
    send(&r, SERVER, ACK, S0 + 51, C0 + 201, 0);
    clean_close(&r, 200);
    run_end(&r);
    assert_int_equal(r.a.rare_asked, refuse ? 2 : 1); /* refused: taken later, for 'T' */
    assert_int_equal(r.rep.events[TCPSIFT_ANOMALY_LOST_SEGMENT], 1);
    assert_int_equal(r.rep.events[TCPSIFT_ANOMALY_OUT_OF_ORDER], refuse ? 0 : 1);
    assert_int_equal(r.rep.events[TCPSIFT_ANOMALY_RETRANSMISSION], refuse ? 1 : 0);
    assert_non_null(strchr(r.rep.history, 'T'));
    assert_int_equal(r.rep.stream_bytes[CLIENT], 200);
    assert_int_equal(r.rep.gap_bytes[CLIENT], 0);
    assert_int_equal(r.memcap_hits, (uint64_t)refuse);
}

static void test_hole_after_conn_ext(void **state)
{
    (void)state;
    hole(0);
}

static void test_hole_refused(void **state)
{
    (void)state;
    hole(1);
}

/* Counts past 2^16 packets and 2^32 bytes on a connection that has its conn_ext: the server's
 * packet and byte counts, set just below, carry into the rare table and reach the report
 * exactly. Refused: the high parts are lost (one memcap hit), the low parts stay. */
static void counts_past_32_bits(int refuse)
{
    static run r;
    run_init(&r);
    conn *c = clean_start(&r);
    c->pkts[SERVER] = UINT16_MAX;       /* as if 2^16 - 1 packets were seen */
    c->ep[SERVER].bytes = UINT32_MAX - 9; /* and 2^32 - 10 bytes */
    r.a.refuse_rare = refuse;
    send(&r, SERVER, PSH_ACK, S0 + 51, C0 + 101, 50); /* the 2^16th packet, 40 bytes past */
    r.a.refuse_rare = 0;
    assert_int_equal(c->ext->rare != NULL, !refuse);
    assert_int_equal(memcap_hits(&r), (uint64_t)refuse);
    send(&r, CLIENT, ACK, C0 + 101, S0 + 101, 0);
    send(&r, CLIENT, TCPSIFT_TCP_FIN | ACK, C0 + 101, S0 + 101, 0);
    send(&r, SERVER, TCPSIFT_TCP_FIN | ACK, S0 + 101, C0 + 102, 0);
    send(&r, CLIENT, ACK, C0 + 102, S0 + 102, 0);
    run_end(&r);
    uint64_t hi = refuse ? 0 : (uint64_t)1 << 32;
    assert_true(r.rep.pkts[SERVER] == (refuse ? 0 : (uint64_t)1 << 16) + 1); /* + the FIN */
    assert_true(r.rep.bytes[SERVER] == hi + 40);
    assert_int_equal(r.rep.pkts[CLIENT], 7);
    assert_int_equal(r.rep.bytes[CLIENT], 100);
    assert_int_equal(r.rep.stream_bytes[SERVER], 100);
    assert_int_equal(r.memcap_hits, (uint64_t)refuse);
}

static void test_counts_past_32_bits_after_conn_ext(void **state)
{
    (void)state;
    counts_past_32_bits(0);
}

static void test_counts_past_32_bits_refused(void **state)
{
    (void)state;
    counts_past_32_bits(1);
}

/* A released stream's totals: the client skips 50 bytes that never come (the hole kept
 * nowhere: its rare table refused then), and its FIN. At the report the stream is flushed
 * past the gap and released: the gap's 'G' letter takes the rare table (its count), else the
 * gap bytes do as the stream is released; its delivered bytes stay in conn_ext. `refused`
 * rare-table requests at the report: 0, both kept; 1, the letter lost (a memcap hit) and the
 * gap bytes kept, the table taken for them at the release; 2, both lost (a memcap hit each).
 * The delivered bytes are exact in every case. */
static void stream_totals(int refused)
{
    static run r;
    run_init(&r);
    conn *c = clean_start(&r);
    r.a.refuse_rare = 1;
    send(&r, CLIENT, PSH_ACK, C0 + 151, S0 + 51, 50);
    assert_int_equal(r.a.rare_refused, 1);
    assert_null(c->ext->rare);
    assert_int_equal(memcap_hits(&r), 1);
    send(&r, CLIENT, TCPSIFT_TCP_FIN | ACK, C0 + 201, S0 + 51, 0);
    assert_non_null(conn_stream(c, CLIENT)); /* the FIN is not reached: bytes missing */
    assert_null(c->ext->rare);
    r.a.refuse_rare = refused;
    run_end(&r);
    assert_int_equal(r.a.refuse_rare, 0);
    assert_int_equal(r.a.rare_refused, 1 + (unsigned)refused);
    assert_int_equal(r.a.rare_asked, refused == 0 ? 2 : 3); /* the letter, then the release */
    assert_int_equal(r.rep.stream_bytes[CLIENT], 150);
    assert_int_equal(r.rep.gap_bytes[CLIENT], refused == 2 ? 0 : 50);
    assert_int_equal(r.rep.stream_bytes[SERVER], 50);
    assert_int_equal(r.rep.gap_bytes[SERVER], 0);
    assert_int_equal(strchr(r.rep.history, 'G') != NULL, refused == 0);
    assert_int_equal(r.rep.events[TCPSIFT_ANOMALY_LOST_SEGMENT], 1);
    assert_int_equal(r.memcap_hits, 1 + (uint64_t)refused);
}

static void test_stream_totals_after_conn_ext(void **state)
{
    (void)state;
    stream_totals(0);
}

static void test_stream_totals_letter_refused(void **state)
{
    (void)state;
    stream_totals(1);
}

static void test_stream_totals_refused(void **state)
{
    (void)state;
    stream_totals(2);
}

/* F and R letters (zeek_summary.c): Zeek repeats one only at a new sequence number, so each
 * endpoint's last F and R seq is kept, in conn_ext (taken at the first of them: a connection
 * without payload has none before). The client's FIN, then the same FIN again (no letter),
 * then a FIN one below it (a new seq: F again); the server's RST, the same RST again (no
 * letter), then one a byte below (r again). `refuse`: the conn_ext chunk is refused every
 * time: each letter is still recorded but its seq is not, so each FIN and RST is lettered
 * (a memcap hit for each). The FIN one below the first, which the server has not
 * acknowledged, is also a second FIN position (fin_moved), kept in conn_rare: refused, two
 * more memcap hits, that position's and the third anomaly kind's (RST out of window: lost). */
static void fin_rst_letters(int refuse)
{
    static run r;
    run_init(&r);
    send(&r, CLIENT, TCPSIFT_TCP_SYN, C0, 0, 0);
    send(&r, SERVER, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, S0, C0 + 1, 0);
    send(&r, CLIENT, ACK, C0 + 1, S0 + 1, 0);
    conn *c = the_conn(&r);
    assert_null(c->ext); /* handshake only: no side table */
    r.a.refuse_ext = refuse ? 1000 : 0;
    send(&r, CLIENT, TCPSIFT_TCP_FIN | ACK, C0 + 1, S0 + 1, 0);
    assert_int_equal(r.a.ext_asked, 1);
    if (!refuse) {
        assert_non_null(c->ext);
        assert_int_equal(c->ext->hist_seq_fin[CLIENT], C0 + 1);
    } else {
        assert_null(c->ext);
    }
    send(&r, CLIENT, TCPSIFT_TCP_FIN | ACK, C0 + 1, S0 + 1, 0);
    send(&r, CLIENT, TCPSIFT_TCP_FIN | ACK, C0, S0 + 1, 0);
    if (!refuse) assert_int_equal(c->ext->hist_seq_fin[CLIENT], C0);
    send(&r, SERVER, TCPSIFT_TCP_RST, S0 + 1, 0, 0);
    send(&r, SERVER, TCPSIFT_TCP_RST, S0 + 1, 0, 0);
    send(&r, SERVER, TCPSIFT_TCP_RST, S0, 0, 0);
    if (!refuse) {
        assert_int_equal(c->ext->hist_seq_rst[SERVER], S0);
        assert_int_equal(r.a.ext_asked, 1); /* one table for all of them */
    }
    r.a.refuse_ext = 0;
    run_end(&r);
    assert_string_equal(r.rep.history, refuse ? "ShAFFFrrr" : "ShAFFrr");
    assert_int_equal(r.memcap_hits, refuse ? 8 : 0);
    assert_int_equal(r.a.ext_asked, refuse ? 8 : 1);
    assert_int_equal(r.a.ext_refused, refuse ? 8 : 0);
    assert_int_equal(r.a.rare_asked, refuse ? 0 : 1);
    /* The repeated FIN and the one below it; the RST below (the two at S0 + 1 are accepted). */
    uint32_t want[TCPSIFT_ANOMALY_COUNT] = {0};
    want[TCPSIFT_ANOMALY_RETRANSMISSION] = 2;
    want[TCPSIFT_ANOMALY_FIN_MOVED] = 1;
    want[TCPSIFT_ANOMALY_RST_OUT_OF_WINDOW] = refuse ? 0 : 1;
    assert_events(&r.rep, want);
}

static void test_fin_rst_letters_per_seq(void **state)
{
    (void)state;
    fin_rst_letters(0);
}

static void test_fin_rst_seqs_refused(void **state)
{
    (void)state;
    fin_rst_letters(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_connection_has_no_rare_table),
        cmocka_unit_test(test_spill_after_conn_ext),
        cmocka_unit_test(test_spill_refused),
        cmocka_unit_test(test_counted_letter_after_conn_ext),
        cmocka_unit_test(test_counted_letter_refused),
        cmocka_unit_test(test_hole_after_conn_ext),
        cmocka_unit_test(test_hole_refused),
        cmocka_unit_test(test_counts_past_32_bits_after_conn_ext),
        cmocka_unit_test(test_counts_past_32_bits_refused),
        cmocka_unit_test(test_stream_totals_after_conn_ext),
        cmocka_unit_test(test_stream_totals_letter_refused),
        cmocka_unit_test(test_stream_totals_refused),
        cmocka_unit_test(test_fin_rst_letters_per_seq),
        cmocka_unit_test(test_fin_rst_seqs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

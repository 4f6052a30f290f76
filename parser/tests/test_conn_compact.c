/* The compact per-connection state (conn_internal.h): anomaly counts in two
 * inline slots with a spill to the side table, history letters packed 5
 * bits each, packet/byte counts whose high halves live in the side table.
 * Every reported value must stay exact; the struct size is pinned because
 * memory per connection is budgeted (bench/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/flow_table.h"
#include "tracker_internal.h"

/* An allocator that can be told to refuse. */
typedef struct test_alloc {
    int refuse;
    unsigned live;
} test_alloc;

static void *ta_alloc(void *ctx, size_t size)
{
    test_alloc *a = ctx;
    if (a->refuse) return NULL;
    a->live++;
    return malloc(size);
}

static void ta_free(void *ctx, void *p, size_t size)
{
    test_alloc *a = ctx;
    (void)size;
    if (!p) return;
    a->live--;
    free(p);
}

static tcpsift_tracker *make_tracker(test_alloc *a, tcpsift_allocator *hooks)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker *t = NULL;
    tcpsift_tracker_config_init(&cfg);
    cfg.max_connections = 4;
    cfg.embryo_capacity = 0;
    hooks->alloc = ta_alloc;
    hooks->free = ta_free;
    hooks->ctx = a;
    cfg.allocator = hooks;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

static void test_sizes_pinned(void **state)
{
    (void)state;
    /* 520 bytes before issue 9's compaction, 200 until the stream pointers
     * moved to the side table; pinned exactly where
     * pointers are 8 bytes, bounded elsewhere. The side table every
     * connection with payload has: 312 bytes until its rare facts moved to
     * conn_rare. */
    assert_true(sizeof(conn) <= 152);
    if (sizeof(void *) == 8) {
        assert_int_equal(sizeof(endpoint), 40);
        assert_int_equal(sizeof(conn), 152);
        assert_int_equal(sizeof(conn_ext), 40);
    }
    /* A half-open attempt's SYN state: 56 bytes until it kept its first SYN's TSval beside
     * the newest (the RST check's range, embryo_absorb()); the pool takes at most this. */
    assert_true(sizeof(embryo) <= TCPSIFT_FLOW_EMBRYO_VALUE_MAX);
    if (sizeof(void *) == 8) assert_int_equal(sizeof(embryo), 64);
}

/* The flow-table slot of a connection: the table's 48-byte node (an IPv4
 * flow's 16-byte compact key, 32 bytes of links, time and class; see
 * flow_ckey) and the connection. This is the memory per handshake-only
 * connection (bench_inproc --sizes, flow_table_entry_bytes; bench/README.md's
 * open-hs figure), so it is pinned: a field added to either fails here first.
 * Issue 9's target is 200 bytes (bench/README.md says what stands between). */
static void test_slot_budget(void **state)
{
    (void)state;
    tcpsift_flow_table_config fc;
    tcpsift_flow_table *ft = NULL;
    tcpsift_flow_table_config_init(&fc);
    fc.max_connections = 4;
    fc.embryo_capacity = 0;
    fc.value_size = sizeof(conn);
    assert_int_equal(tcpsift_flow_table_create(&fc, &ft), TCPSIFT_OK);
    size_t slot = tcpsift_flow_table_entry_size(ft);
    tcpsift_flow_table_destroy(ft);
    assert_int_equal(slot, 48 + ((sizeof(conn) + 7) & ~(size_t)7));
    assert_true(slot <= 200);
    if (sizeof(void *) == 8) assert_int_equal(slot, 200);
}

static void test_events_inline_then_spill_exact(void **state)
{
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    unsigned live0 = a.live;
    conn c;
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
    (void)state;
    memset(&c, 0, sizeof c);

    conn_event_add(t, &c, TCPSIFT_ANOMALY_RETRANSMISSION, 3);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_DUPLICATE_ACK, 1);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_RETRANSMISSION, 2);
    assert_null(c.ext); /* two kinds: inline */
    conn_events_read(&c, ev);
    for (int i = 0; i < TCPSIFT_ANOMALY_COUNT; i++) {
        uint32_t want = i == TCPSIFT_ANOMALY_RETRANSMISSION ? 5
                        : i == TCPSIFT_ANOMALY_DUPLICATE_ACK ? 1
                                                             : 0;
        assert_int_equal(ev[i], want);
    }

    /* A third kind moves every count to the side table. */
    conn_event_add(t, &c, TCPSIFT_ANOMALY_KEEP_ALIVE, 7);
    assert_non_null(c.ext);
    assert_non_null(c.ext->rare);
    assert_true(conn_events_spilled(&c));
    assert_int_equal(a.live, live0 + 2); /* a chunk of each kind of side table */
    conn_event_add(t, &c, TCPSIFT_ANOMALY_DUPLICATE_ACK, 4);
    conn_events_read(&c, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_RETRANSMISSION], 5);
    assert_int_equal(ev[TCPSIFT_ANOMALY_DUPLICATE_ACK], 5);
    assert_int_equal(ev[TCPSIFT_ANOMALY_KEEP_ALIVE], 7);
    conn_ext_free(t, &c);
    assert_null(c.ext);
    /* Both chunks kept (each the only one of its kind without live tables): the next
     * connection's side tables reuse them. */
    assert_int_equal(a.live, live0 + 2);
    conn d;
    memset(&d, 0, sizeof d);
    assert_non_null(conn_ext_get(t, &d));
    assert_null(d.ext->rare);
    conn_rare *r = conn_rare_get(t, &d);
    assert_non_null(r);
    assert_ptr_equal(d.ext->rare, r);
    assert_int_equal(a.live, live0 + 2);
    conn_events_read(&d, ev); /* a reused table starts empty */
    assert_true(!conn_events_spilled(&d));
    for (int i = 0; i < TCPSIFT_ANOMALY_COUNT; i++)
        assert_int_equal(r->events[i], 0);
    conn_ext_free(t, &d);
    tcpsift_tracker_destroy(t);
    assert_int_equal(a.live, 0);
}

/* A count past the slot's 16 bits spills instead of wrapping. */
static void test_events_slot_overflow_spills(void **state)
{
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    conn c;
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
    (void)state;
    memset(&c, 0, sizeof c);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_ZERO_WINDOW, CONN_EV_COUNT_MAX - 1);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_ZERO_WINDOW, 1);
    assert_null(c.ext);
    conn_events_read(&c, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_ZERO_WINDOW], CONN_EV_COUNT_MAX);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_ZERO_WINDOW, 2);
    assert_true(conn_events_spilled(&c));
    conn_events_read(&c, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_ZERO_WINDOW], (uint32_t)CONN_EV_COUNT_MAX + 2);
    /* One add larger than a slot holds, on a fresh connection. */
    conn d;
    memset(&d, 0, sizeof d);
    conn_event_add(t, &d, TCPSIFT_ANOMALY_ZERO_WINDOW, 0x1000000u);
    conn_events_read(&d, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_ZERO_WINDOW], 0x1000000u);
    conn_ext_free(t, &c);
    conn_ext_free(t, &d);
    tcpsift_tracker_destroy(t);
    assert_int_equal(a.live, 0);
}

/* No memory for the side table: the count is dropped and says so. */
static void test_events_spill_without_memory(void **state)
{
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    conn c;
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
    (void)state;
    memset(&c, 0, sizeof c);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_RETRANSMISSION, 1);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_DUPLICATE_ACK, 1);
    uint64_t hits = tcpsift_tracker_get_stats(t)->memcap_hits;
    a.refuse = 1;
    conn_event_add(t, &c, TCPSIFT_ANOMALY_KEEP_ALIVE, 1);
    a.refuse = 0;
    assert_int_equal(tcpsift_tracker_get_stats(t)->memcap_hits, hits + 1);
    assert_null(c.ext);
    conn_events_read(&c, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_RETRANSMISSION], 1);
    assert_int_equal(ev[TCPSIFT_ANOMALY_DUPLICATE_ACK], 1);
    assert_int_equal(ev[TCPSIFT_ANOMALY_KEEP_ALIVE], 0);
    tcpsift_tracker_destroy(t);
}

/* Side tables come from chunks of EXT_CHUNK (tcp_conn.c): one allocator call per chunk, a
 * released table reused before a new chunk is taken, every table starting zeroed whatever the
 * connection before left in it (poisoned here: all but the rare pointer, which is always a
 * table's or NULL), a chunk freed when its last table is released unless it is the only one
 * without live tables, and every chunk freed at destroy. No rare table is taken. */
static void test_side_tables_chunked_reused_zeroed(void **state)
{
    enum { N = EXT_CHUNK + 1 };
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    unsigned live0 = a.live;
    static conn cs[N];
    conn_ext *first[N];
    static conn_ext zero;
    (void)state;
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < N; i++) {
        first[i] = conn_ext_get(t, &cs[i]);
        assert_non_null(first[i]);
        assert_ptr_equal(cs[i].ext, first[i]);
        assert_memory_equal(first[i], &zero, sizeof(conn_ext));
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(first[i], first[j]);
        assert_int_equal(a.live, live0 + 1 + (unsigned)(i / EXT_CHUNK));
        /* whatever a connection leaves in its table */
        memset(first[i], 0xA5, offsetof(conn_ext, rare));
    }
    for (int i = 0; i < N; i++) {
        conn_ext_free(t, &cs[i]);
        assert_null(cs[i].ext);
    }
    /* The first chunk emptied first and is kept; the second, emptied next, is freed. */
    assert_int_equal(a.live, live0 + 1);
    for (int i = 0; i < N; i++) {
        conn_ext *x = conn_ext_get(t, &cs[i]);
        assert_non_null(x);
        /* the kept chunk's tables first, the last released first; then a new chunk */
        if (i < EXT_CHUNK) assert_ptr_equal(x, first[EXT_CHUNK - 1 - i]);
        assert_memory_equal(x, &zero, sizeof(conn_ext));
        assert_int_equal(tracker_stream_delivered(NULL, &cs[i], 0), 0);
        assert_int_equal(tracker_stream_gaps(NULL, &cs[i], 1), 0);
    }
    assert_int_equal(a.live, live0 + 2);
    assert_null(t->rare_chunks.room);
    assert_null(t->rare_chunks.full);
    /* Destroy frees the chunks of tables still held (here by connections outside the table). */
    tcpsift_tracker_destroy(t);
    assert_int_equal(a.live, 0);
}

/* The same for the rare tables (chunks of RARE_CHUNK), each hung off a connection's conn_ext:
 * released alone (conn_rare_free) or with its conn_ext (conn_ext_free), reused zeroed. */
static void test_rare_tables_chunked_reused_zeroed(void **state)
{
    enum { N = RARE_CHUNK + 1 };
    _Static_assert(N <= EXT_CHUNK, "the connections' conn_ext fit one chunk");
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    unsigned live0 = a.live;
    static conn cs[N];
    conn_rare *first[N];
    static conn_rare zero;
    (void)state;
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < N; i++) {
        /* A connection with a conn_ext first (a stream, say), its rare table later. */
        assert_non_null(conn_ext_get(t, &cs[i]));
        assert_null(cs[i].ext->rare);
        first[i] = conn_rare_get(t, &cs[i]);
        assert_non_null(first[i]);
        assert_ptr_equal(cs[i].ext->rare, first[i]);
        assert_ptr_equal(conn_rare_get(t, &cs[i]), first[i]); /* taken once */
        assert_memory_equal(first[i], &zero, offsetof(conn_rare, slot));
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(first[i], first[j]);
        assert_int_equal(a.live, live0 + 1 + 1 + (unsigned)(i / RARE_CHUNK));
        /* whatever a connection leaves in its table */
        memset(first[i], 0xA5, offsetof(conn_rare, slot));
        cs[i].ev_kind[0] = CONN_EV_SPILLED;
    }
    /* Released alone (the first half) or with the connection's conn_ext (the rest). */
    for (int i = 0; i < N; i++) {
        if (i < N / 2) {
            conn_rare_free(t, cs[i].ext);
            assert_non_null(cs[i].ext);
            assert_null(cs[i].ext->rare);
        } else {
            conn_ext_free(t, &cs[i]);
            assert_null(cs[i].ext);
        }
        cs[i].ev_kind[0] = 0;
    }
    /* The first rare chunk emptied first and is kept; the second is freed; the conn_ext chunk
     * still has live tables. */
    assert_int_equal(a.live, live0 + 2);
    for (int i = 0; i < N; i++) {
        conn_rare *x = conn_rare_get(t, &cs[i]);
        assert_non_null(x);
        if (i < RARE_CHUNK) assert_ptr_equal(x, first[RARE_CHUNK - 1 - i]);
        assert_memory_equal(x, &zero, offsetof(conn_rare, slot));
        uint32_t ev[TCPSIFT_ANOMALY_COUNT];
        conn_events_read(&cs[i], ev);
        for (int e = 0; e < TCPSIFT_ANOMALY_COUNT; e++)
            assert_int_equal(ev[e], 0);
        assert_int_equal(conn_pkts(&cs[i], 0), 0);
        assert_int_equal(conn_bytes(&cs[i], 1), 0);
        assert_int_equal(tracker_stream_gaps(NULL, &cs[i], 0), 0);
    }
    assert_int_equal(a.live, live0 + 3);
    tcpsift_tracker_destroy(t);
    assert_int_equal(a.live, 0);
}

/* No memory for a rare table on a connection that has its conn_ext: only the fact that needed
 * it is dropped (one memcap hit), the conn_ext and the inline counts stay. */
static void test_rare_without_memory(void **state)
{
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    conn c;
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
    (void)state;
    memset(&c, 0, sizeof c);
    conn_ext *x = conn_ext_get(t, &c);
    assert_non_null(x);
    x->stream_word[1] = 1234u << 1 | 1; /* a released stream delivered 1234 bytes */
    conn_event_add(t, &c, TCPSIFT_ANOMALY_RETRANSMISSION, 1);
    conn_event_add(t, &c, TCPSIFT_ANOMALY_DUPLICATE_ACK, 2);
    uint64_t hits = tcpsift_tracker_get_stats(t)->memcap_hits;
    a.refuse = 1;
    conn_event_add(t, &c, TCPSIFT_ANOMALY_KEEP_ALIVE, 1);
    assert_int_equal(tcpsift_tracker_get_stats(t)->memcap_hits, hits + 1);
    c.pkts[0] = UINT16_MAX;
    conn_count_packets(t, &c, 0, 1, 0); /* the carry: dropped too */
    assert_int_equal(tcpsift_tracker_get_stats(t)->memcap_hits, hits + 2);
    a.refuse = 0;
    assert_ptr_equal(c.ext, x);
    assert_null(x->rare);
    assert_false(conn_events_spilled(&c));
    assert_int_equal(tracker_stream_delivered(NULL, &c, 1), 1234);
    conn_events_read(&c, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_RETRANSMISSION], 1);
    assert_int_equal(ev[TCPSIFT_ANOMALY_DUPLICATE_ACK], 2);
    assert_int_equal(ev[TCPSIFT_ANOMALY_KEEP_ALIVE], 0);
    assert_int_equal(conn_pkts(&c, 0), 0);
    /* With memory again the next fact is kept, the earlier counts with it. */
    conn_event_add(t, &c, TCPSIFT_ANOMALY_KEEP_ALIVE, 4);
    assert_non_null(x->rare);
    conn_events_read(&c, ev);
    assert_int_equal(ev[TCPSIFT_ANOMALY_RETRANSMISSION], 1);
    assert_int_equal(ev[TCPSIFT_ANOMALY_DUPLICATE_ACK], 2);
    assert_int_equal(ev[TCPSIFT_ANOMALY_KEEP_ALIVE], 4);
    assert_int_equal(tcpsift_tracker_get_stats(t)->memcap_hits, hits + 2);
    conn_ext_free(t, &c);
    tcpsift_tracker_destroy(t);
    assert_int_equal(a.live, 0);
}

/* 31 letters round-trip through the 5-bit packing; the 32nd is dropped as
 * before (TCPSIFT_HISTORY_MAX). */
static void test_history_packing(void **state)
{
    conn c;
    char out[TCPSIFT_HISTORY_MAX + 1];
    const char *letters = "SHADFRCGTWIQ";
    char want[TCPSIFT_HISTORY_MAX + 1];
    (void)state;
    memset(&c, 0, sizeof c);
    zeek_history_string(&c, out);
    assert_string_equal(out, "");
    zeek_history_flip(&c);
    want[0] = '^';
    for (int i = 1; i < TCPSIFT_HISTORY_MAX; i++) {
        char l = letters[i % 12];
        int from = i % 3 == 0;
        zeek_history_add(&c, from, l);
        want[i] = from ? (char)(l - 'A' + 'a') : l;
    }
    want[TCPSIFT_HISTORY_MAX] = '\0';
    zeek_history_string(&c, out);
    assert_string_equal(out, want);
    zeek_history_add(&c, 0, 'S');
    assert_int_equal(c.history_len, TCPSIFT_HISTORY_MAX);
    zeek_history_string(&c, out);
    assert_string_equal(out, want);
}

/* Every length from 0 to TCPSIFT_HISTORY_MAX reads back exactly (the string
 * is decoded eight letters, five bytes, at a time: each group boundary and
 * each partial group), with no letter past the terminator's place in use. */
static void test_history_every_length(void **state)
{
    conn c;
    char out[TCPSIFT_HISTORY_MAX + 1];
    char want[TCPSIFT_HISTORY_MAX + 1];
    const char *letters = "SHADFRCGTWIQ";
    (void)state;
    memset(&c, 0, sizeof c);
    for (int len = 0; len <= TCPSIFT_HISTORY_MAX; len++) {
        memset(out, 'x', sizeof out);
        zeek_history_string(&c, out);
        want[len] = '\0';
        assert_string_equal(out, want);
        for (int i = len + 1; i <= TCPSIFT_HISTORY_MAX; i++)
            assert_int_equal(out[i], 'x');
        if (len == TCPSIFT_HISTORY_MAX) break;
        /* A different letter and side at each place (7 is prime to 12 and 2). */
        char l = letters[(len * 7) % 12];
        int from = (len * 5 / 3) % 2;
        zeek_history_add(&c, from, l);
        want[len] = from ? (char)(l - 'A' + 'a') : l;
    }
}

/* history_code_of() (a switch, inlined where letters are constants) agrees
 * with the decoder's table for every character: exactly Zeek's 25 letters
 * have a code, and each pushed code reads back as its own letter. */
static void test_history_codes_round_trip(void **state)
{
    const char *zeek_letters = "SHADFRCGTWIQshadfrcgtwiq^";
    unsigned with_code = 0;
    (void)state;
    for (int ch = 0; ch < 256; ch++) {
        unsigned code = history_code_of((char)ch);
        int is_letter = ch != 0 && strchr(zeek_letters, ch) != NULL;
        assert_int_equal(code != 0, is_letter);
        if (!code) continue;
        with_code++;
        assert_true(code <= 25);
        conn c;
        char out[TCPSIFT_HISTORY_MAX + 1];
        memset(&c, 0, sizeof c);
        history_push_code(&c, code);
        zeek_history_string(&c, out);
        assert_int_equal(out[0], ch);
        assert_int_equal(out[1], '\0');
    }
    assert_int_equal(with_code, 25);
}

/* Packet counts past 2^16 (the connection keeps 16 bits) and byte counts past 2^32 carry
 * into the side table, exactly. */
static void test_counts_past_32_bits(void **state)
{
    test_alloc a = {0};
    tcpsift_allocator hooks;
    tcpsift_tracker *t = make_tracker(&a, &hooks);
    conn c;
    (void)state;
    memset(&c, 0, sizeof c);
    conn_count_packets(t, &c, 1, 1, 1448);
    assert_null(c.ext);
    assert_int_equal(conn_pkts(&c, 1), 1);
    c.pkts[1] = UINT16_MAX;
    c.ep[1].bytes = UINT32_MAX - 100;
    conn_count_packets(t, &c, 1, 1, 1448);
    assert_non_null(c.ext);
    assert_non_null(c.ext->rare);
    assert_int_equal(c.pkts[1], 0);
    assert_true(conn_pkts(&c, 1) == (uint64_t)UINT16_MAX + 1);
    assert_true(conn_bytes(&c, 1) == (uint64_t)UINT32_MAX - 100 + 1448);
    conn_count_packets(t, &c, 1, 3, 10);
    assert_true(conn_pkts(&c, 1) == (uint64_t)UINT16_MAX + 4);
    assert_true(conn_bytes(&c, 1) == (uint64_t)UINT32_MAX - 100 + 1458);
    assert_true(conn_pkts(&c, 0) == 0 && conn_bytes(&c, 0) == 0);
    /* A count of 2^32 - 1 at once (an embryo's SYNs can be that many), then one more. */
    conn_count_packets(t, &c, 0, UINT32_MAX, 0);
    assert_true(conn_pkts(&c, 0) == UINT32_MAX);
    conn_count_packets(t, &c, 0, 1, 0);
    assert_true(conn_pkts(&c, 0) == (uint64_t)UINT32_MAX + 1);
    for (int i = 0; i < 3; i++)
        conn_count_packets(t, &c, 0, UINT32_MAX, 0);
    assert_true(conn_pkts(&c, 0) == 4 * (uint64_t)UINT32_MAX + 1);
    conn_ext_free(t, &c);
    tcpsift_tracker_destroy(t);
    assert_int_equal(a.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_pinned),
        cmocka_unit_test(test_slot_budget),
        cmocka_unit_test(test_events_inline_then_spill_exact),
        cmocka_unit_test(test_events_slot_overflow_spills),
        cmocka_unit_test(test_events_spill_without_memory),
        cmocka_unit_test(test_side_tables_chunked_reused_zeroed),
        cmocka_unit_test(test_rare_tables_chunked_reused_zeroed),
        cmocka_unit_test(test_rare_without_memory),
        cmocka_unit_test(test_history_packing),
        cmocka_unit_test(test_history_every_length),
        cmocka_unit_test(test_history_codes_round_trip),
        cmocka_unit_test(test_counts_past_32_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

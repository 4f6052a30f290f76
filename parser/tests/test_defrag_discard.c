/* Overlap DISCARD, the IP fragment pool's default, in its two readings.
 *
 * RFC 5722 §4 as worded (rfc5722_strict, make_pool()): a fragment overlapping bytes already
 * held, at the start, in the middle or at the end, discards its datagram, for IPv4 and IPv6;
 * later fragments of it are dropped until its timeout; exact duplicates are ignored (RFC 8200
 * §4.5); the insertion shape of the black-box reproducer (first-wins and last-wins give
 * different TCP payloads) is discarded (in both readings) and still resolved per policy with
 * overlap RESOLVE.
 *
 * As Linux (4.19 and later) does it, the default (make_linux_pool()), the ground truth of an
 * evasion hunt against a real 6.18 receiver: a fragment inside one run of held fragments is a
 * duplicate (dropped, the datagram kept, whatever its bytes), one reaching across runs or below
 * the highest fragment's end overlaps and drops the datagram, which is forgotten (a later
 * complete set with its key is reassembled). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"

#define SEC 1000000000LL
#define PAYLOAD 100 /* TCP payload bytes: the segment is 120 */

static uint8_t segment[PB_MAX];
static size_t segment_len;

static void make_segment(int version)
{
    segment_len = test_tcp_segment(segment, sizeof segment, version, PAYLOAD);
}

/* An Ethernet frame carrying bytes [off, off+len) of a datagram as an IPv4 or IPv6 fragment. */
static void frag(struct pb *p, int version, uint32_t id, size_t off, int more, const uint8_t *data,
                 size_t len)
{
    if (version == 4) {
        struct ip4_spec ip = ip4_default(6);
        ip.id = (uint16_t)id;
        ip.frag = (uint16_t)((more ? 0x2000 : 0) | off / 8);
        ip.l4_csum = 0;
        pb_eth_ipv4(p, &ip, data, len);
        return;
    }
    uint8_t ext[8];
    size_t e = ext_frag(ext, 6, (uint16_t)(off / 8), more, id);
    struct ip6_spec ip = ip6_default(6);
    ip.next = 44;
    ip.ext = ext;
    ip.ext_len = e;
    ip.l4_csum = 0;
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, &ip, data, len);
}

typedef struct fed {
    tcpsift_error rc;
    int overlapped;
    size_t len; /* of the datagram completed, 0 if none */
    uint8_t datagram[PB_MAX];
} fed;

/* Decode fragment [off, off+len) of `data` (every prefix at the guard page) and feed it. */
static tcpsift_error feed(tcpsift_defrag *df, fed *f, int version, uint32_t id, size_t off,
                          int more, const uint8_t *data, size_t len, int64_t ts)
{
    struct pb p;
    frag(&p, version, id, off, more, data + off, len);
    struct decoded d;
    decode_pb(&d, TCPSIFT_LINK_ETHERNET, &p);
    assert_true(d.pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    tcpsift_bytes dg;
    f->overlapped = -1;
    f->rc = tcpsift_defrag_feed(df, &d.pkt, ts, &dg, &f->overlapped);
    f->len = dg.len;
    if (dg.ptr) memcpy(f->datagram, dg.ptr, dg.len);
    if (f->rc != TCPSIFT_OK) assert_null(dg.ptr);
    guard_release(&d.g);
    return f->rc;
}

static tcpsift_defrag *make_pool(tcpsift_defrag_overlap overlap, tcpsift_overlap_policy policy)
{
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.overlap = overlap;
    cfg.policy = policy;
    cfg.rfc5722_strict = 1;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    return df;
}

/* The default pool: overlap DISCARD as Linux does it. */
static tcpsift_defrag *make_linux_pool(void)
{
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    return df;
}

static size_t header_len(int version) { return version == 4 ? 20 : 40; }

/* The datagram completed is the segment, whole. */
static void expect_segment(const fed *f, int version)
{
    assert_int_equal(f->len, header_len(version) + segment_len);
    assert_memory_equal(f->datagram + header_len(version), segment, segment_len);
}

/* One overlap case: fragments `before` are held, then `bad` overlaps them (OK or not, the
 * datagram is gone), then every fragment of a clean cut [0,48) [48,96) [96,120) is dropped. */
struct piece {
    size_t off, len;
    int more;
};

static void run_discard(int version, const struct piece *before, size_t nbefore,
                        struct piece bad, const uint8_t *bad_bytes, int conflict)
{
    make_segment(version);
    tcpsift_defrag *df = make_pool(TCPSIFT_DEFRAG_DISCARD, TCPSIFT_OVERLAP_FIRST);
    static fed f;
    const uint32_t id = 0x51;
    for (size_t i = 0; i < nbefore; i++) {
        feed(df, &f, version, id, before[i].off, before[i].more, segment, before[i].len, 0);
        assert_int_equal(f.rc, TCPSIFT_OK);
        assert_int_equal(f.overlapped, 0);
    }
    uint8_t bytes[PB_MAX];
    memcpy(bytes, segment, segment_len);
    if (bad_bytes) memcpy(bytes + bad.off, bad_bytes + bad.off, bad.len);
    assert_int_equal(feed(df, &f, version, id, bad.off, bad.more, bytes, bad.len, SEC),
                     TCPSIFT_E_FRAG_OVERLAP);
    assert_int_equal(f.overlapped, 1);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->overlaps, 1);
    assert_int_equal(s->conflicts, conflict ? 1 : 0);
    assert_int_equal(s->discarded, 1);
    assert_int_equal(s->duplicates, 0);
    assert_int_equal(s->memory, 0); /* nothing of it is kept but its key */
    assert_int_equal(s->in_progress, 1);
    /* Late fragments cannot complete it, not even a whole clean set. */
    const struct piece clean[3] = {{0, 48, 1}, {48, 48, 1}, {96, 24, 0}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(feed(df, &f, version, id, clean[i].off, clean[i].more, segment,
                              clean[i].len, 2 * SEC),
                         TCPSIFT_E_FRAG_DISCARDED);
        assert_int_equal(f.len, 0);
    }
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_OVERLAP], 1);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_DISCARDED], 3);
    assert_int_equal(s->reassembled, 0);
    assert_int_equal(s->memory, 0);
    tcpsift_defrag_destroy(df);
}

static void test_overlap_at_start_middle_end_discards(void **state)
{
    (void)state;
    uint8_t other[PB_MAX];
    memset(other, 0xEE, sizeof other);
    for (int version = 4; version <= 6; version += 2) {
        /* Start: [0,48) held, then [0,24) with other bytes. */
        const struct piece first[1] = {{0, 48, 1}};
        run_discard(version, first, 1, (struct piece){0, 24, 1}, other, 1);
        /* Middle: [0,48) and [48,96) held, then [40,64) across both, same bytes. */
        const struct piece two[2] = {{0, 48, 1}, {48, 48, 1}};
        run_discard(version, two, 2, (struct piece){40, 24, 1}, NULL, 0);
        /* End: the last fragment [96,120) held, then a last fragment [88,120). */
        const struct piece last[1] = {{96, 24, 0}};
        run_discard(version, last, 1, (struct piece){88, 32, 0}, other, 1);
        /* Inside bytes held with equal bytes: still an overlap (RFC 5722), not a duplicate. */
        run_discard(version, first, 1, (struct piece){8, 16, 1}, NULL, 0);
        /* The same bounds, other bytes: a conflicting copy, not a duplicate. */
        run_discard(version, first, 1, (struct piece){0, 48, 1}, other, 1);
        /* The same bounds and bytes, but now claiming to be the last fragment. */
        run_discard(version, two, 2, (struct piece){48, 48, 0}, NULL, 0);
    }
}

/* RFC 8200 §4.5: an exact duplicate may be dropped and the datagram kept (Linux does: "net:
 * ipv4: do not handle duplicate fragments as overlapping"); a copy a network made must not cost
 * the datagram. */
static void test_exact_duplicates_ignored(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        make_segment(version);
        tcpsift_defrag *df = make_pool(TCPSIFT_DEFRAG_DISCARD, TCPSIFT_OVERLAP_FIRST);
        static fed f;
        const struct piece order[6] = {{0, 48, 1},  {0, 48, 1},  {96, 24, 0},
                                       {96, 24, 0}, {0, 48, 1},  {48, 48, 1}};
        for (int i = 0; i < 6; i++) {
            assert_int_equal(feed(df, &f, version, 7, order[i].off, order[i].more, segment,
                                  order[i].len, i),
                             TCPSIFT_OK);
            assert_int_equal(f.overlapped, i == 1 || i == 3 || i == 4);
        }
        expect_segment(&f, version);
        const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
        assert_int_equal(s->overlaps, 3);
        assert_int_equal(s->duplicates, 3);
        assert_int_equal(s->conflicts, 0);
        assert_int_equal(s->discarded, 0);
        assert_int_equal(s->reassembled, 1);
        /* A duplicate after completion starts a new datagram: nothing to compare it with. */
        assert_int_equal(feed(df, &f, version, 7, 48, 1, segment, 48, 7), TCPSIFT_OK);
        assert_int_equal(f.overlapped, 0);
        tcpsift_defrag_destroy(df);
    }
}

/* A discarded datagram's key is remembered for timeout_ns after its first fragment, then a
 * datagram with the same key is new. The other datagrams are not touched. */
static void test_late_fragments_until_timeout(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        make_segment(version);
        tcpsift_defrag *df = make_pool(TCPSIFT_DEFRAG_DISCARD, TCPSIFT_OVERLAP_FIRST);
        static fed f;
        const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
        assert_int_equal(feed(df, &f, version, 1, 0, 1, segment, 48, 10 * SEC), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 2, 0, 1, segment, 48, 10 * SEC), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 1, 40, 1, segment, 16, 11 * SEC),
                         TCPSIFT_E_FRAG_OVERLAP);
        /* 30 s after the first fragment exactly: still discarded. */
        assert_int_equal(feed(df, &f, version, 1, 48, 1, segment, 48, 40 * SEC),
                         TCPSIFT_E_FRAG_DISCARDED);
        /* Datagram 2 was not touched: it completes. */
        assert_int_equal(feed(df, &f, version, 2, 96, 0, segment, 24, 39 * SEC), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 2, 48, 1, segment, 48, 39 * SEC), TCPSIFT_OK);
        expect_segment(&f, version);
        /* Past the timeout the key is free: a whole new datagram with it is reassembled. */
        assert_int_equal(feed(df, &f, version, 1, 0, 1, segment, 48, 40 * SEC + 1), TCPSIFT_OK);
        assert_int_equal(s->timed_out, 0); /* the discarded one is not counted twice */
        assert_int_equal(s->in_progress, 1);
        assert_int_equal(feed(df, &f, version, 1, 48, 1, segment, 48, 41 * SEC), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 1, 96, 0, segment, 24, 41 * SEC), TCPSIFT_OK);
        expect_segment(&f, version);
        assert_int_equal(s->reassembled, 2);
        assert_int_equal(s->discarded, 1);
        assert_int_equal(s->errors[TCPSIFT_E_FRAG_DISCARDED], 1);
        tcpsift_defrag_destroy(df);
    }
}

/* A discarded datagram holds a slot but no memory: a full table evicts it (it is the oldest)
 * without counting a datagram lost incomplete. */
static void test_discarded_slot_eviction(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagrams = 2;
    cfg.rfc5722_strict = 1;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    static fed f;
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    feed(df, &f, 4, 1, 0, 1, segment, 48, 0);
    assert_int_equal(feed(df, &f, 4, 1, 0, 1, segment, 24, 0), TCPSIFT_E_FRAG_OVERLAP);
    assert_int_equal(feed(df, &f, 4, 2, 0, 1, segment, 48, 0), TCPSIFT_OK);
    assert_int_equal(s->in_progress, 2);
    assert_int_equal(feed(df, &f, 4, 3, 0, 1, segment, 48, 0), TCPSIFT_OK);
    assert_int_equal(s->in_progress, 2);
    assert_int_equal(s->evicted, 0);
    /* Datagram 1's key was forgotten with its slot: its fragments start a new datagram. */
    assert_int_equal(feed(df, &f, 4, 1, 48, 1, segment, 48, 0), TCPSIFT_OK);
    assert_int_equal(s->evicted, 1); /* datagram 2, incomplete */
    tcpsift_defrag_destroy(df);
}

/* The reproducer's shape (t15_frag_overlap): fragment A = evil[0,32) with more fragments, then
 * fragment B = real[16,end) last. First-wins and last-wins give different payloads; the default
 * discards both, RESOLVE still gives each policy's bytes for those modelling older stacks. */
static void test_insertion_discarded_by_default_resolved_on_request(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        make_segment(version);
        uint8_t evil[PB_MAX];
        memcpy(evil, segment, segment_len);
        memset(evil + 20, 'X', 12); /* payload bytes 0..11 */
        static fed f;

        tcpsift_defrag *df = make_pool(TCPSIFT_DEFRAG_DISCARD, TCPSIFT_OVERLAP_FIRST);
        assert_int_equal(feed(df, &f, version, 9, 0, 1, evil, 32, 0), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 9, 16, 0, segment, segment_len - 16, 0),
                         TCPSIFT_E_FRAG_OVERLAP);
        assert_int_equal(f.len, 0);
        assert_int_equal(tcpsift_defrag_get_stats(df)->conflicts, 1);
        tcpsift_defrag_destroy(df);

        df = make_pool(TCPSIFT_DEFRAG_RESOLVE, TCPSIFT_OVERLAP_FIRST);
        assert_int_equal(feed(df, &f, version, 9, 0, 1, evil, 32, 0), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 9, 16, 0, segment, segment_len - 16, 0),
                         TCPSIFT_OK);
        assert_int_equal(f.overlapped, 1);
        assert_int_equal(f.len, header_len(version) + segment_len);
        assert_memory_equal(f.datagram + header_len(version), evil, segment_len);
        tcpsift_defrag_destroy(df);

        df = make_pool(TCPSIFT_DEFRAG_RESOLVE, TCPSIFT_OVERLAP_LAST);
        assert_int_equal(feed(df, &f, version, 9, 0, 1, evil, 32, 0), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 9, 16, 0, segment, segment_len - 16, 0),
                         TCPSIFT_OK);
        expect_segment(&f, version);
        tcpsift_defrag_destroy(df);
    }
}

/* Three fragments [0,48) [48,96) [96,120) fed in `order` (indexes), with `extra` (a fragment of
 * `bytes`) fed after the `after`-th; returns the verdict on `extra`, and in *done whether the
 * datagram completed (with the real segment) by the end. */
struct frag_case {
    size_t off, len;
    int more;
};
static const struct frag_case CUT[3] = {{0, 48, 1}, {48, 48, 1}, {96, 24, 0}};

static tcpsift_error run_case(int version, const int order[3], size_t after, struct frag_case extra,
                              const uint8_t *bytes, int *done, const tcpsift_defrag_stats **st,
                              tcpsift_defrag **pool)
{
    make_segment(version);
    tcpsift_defrag *df = make_linux_pool();
    static fed f;
    tcpsift_error verdict = TCPSIFT_OK;
    *done = 0;
    for (size_t i = 0; i < 3; i++) {
        const struct frag_case *c = &CUT[order[i]];
        feed(df, &f, version, 0x77, c->off, c->more, segment, c->len, 0);
        if (f.len) {
            expect_segment(&f, version);
            *done = 1;
        }
        if (i + 1 == after) {
            uint8_t mixed[PB_MAX];
            memcpy(mixed, segment, segment_len);
            if (bytes) memcpy(mixed + extra.off, bytes + extra.off, extra.len);
            verdict = feed(df, &f, version, 0x77, extra.off, extra.more, mixed, extra.len, 0);
            assert_int_equal(f.len, 0);
        }
    }
    *st = tcpsift_defrag_get_stats(df);
    *pool = df;
    return verdict;
}

/* A fragment inside one fragment held, with other bytes or the same bounds and other bytes, or
 * inside a run of fragments appended in order: a duplicate, dropped whatever its bytes; the
 * datagram completes with the first copy (Linux inet_frag_queue_insert(): IPFRAG_DUP; a real
 * 6.18 receiver read the first copy). */
static void test_fragment_inside_a_run_is_a_duplicate(void **state)
{
    (void)state;
    uint8_t other[PB_MAX];
    memset(other, 'E', sizeof other);
    static const int in_order[3] = {0, 1, 2};
    static const struct frag_case inside[] = {
        {8, 16, 1},  /* inside [0,48) */
        {0, 48, 1},  /* the same bounds */
        {40, 24, 1}, /* across [0,48) and [48,96), one run: appended in order */
    };
    for (int version = 4; version <= 6; version += 2) {
        for (size_t k = 0; k < sizeof inside / sizeof inside[0]; k++) {
            int done;
            const tcpsift_defrag_stats *st;
            tcpsift_defrag *df;
            size_t after = k == 2 ? 2 : 1;
            assert_int_equal(run_case(version, in_order, after, inside[k], other, &done, &st, &df),
                             TCPSIFT_OK);
            assert_true(done);
            assert_int_equal(st->duplicates, 1);
            assert_int_equal(st->overlaps, 1);
            assert_int_equal(st->conflicts, 1);
            assert_int_equal(st->discarded, 0);
            assert_int_equal(st->reassembled, 1);
            tcpsift_defrag_destroy(df);
        }
    }
}

/* Runs follow arrival: [48,96) then [0,48) (placed below the highest: a run of its own), so
 * [40,64) reaches into two runs and overlaps; the datagram is dropped. So does a fragment
 * starting below the end of the highest one and ending past it, and one spanning the gap
 * between [0,48) and a [96,120) that came next (appended with a gap: a run of its own). */
static void test_fragment_across_runs_overlaps(void **state)
{
    (void)state;
    static const int reversed[3] = {1, 0, 2};
    static const int in_order[3] = {0, 1, 2};
    for (int version = 4; version <= 6; version += 2) {
        int done;
        const tcpsift_defrag_stats *st;
        tcpsift_defrag *df;
        assert_int_equal(run_case(version, reversed, 2, (struct frag_case){40, 24, 1}, NULL, &done,
                                  &st, &df),
                         TCPSIFT_E_FRAG_OVERLAP);
        assert_int_equal(st->discarded, 1);
        assert_int_equal(st->conflicts, 0);
        /* The fragments after it started a new datagram, which never completes. */
        assert_false(done);
        tcpsift_defrag_destroy(df);
        assert_int_equal(run_case(version, in_order, 1, (struct frag_case){40, 16, 1}, NULL, &done,
                                  &st, &df),
                         TCPSIFT_E_FRAG_OVERLAP);
        assert_int_equal(st->discarded, 1);
        assert_false(done);
        tcpsift_defrag_destroy(df);
        /* [0,48) then [96,120): a gap between, so two runs; [40,104) spans the gap. */
        static const int gap_first[3] = {0, 2, 1};
        assert_int_equal(run_case(version, gap_first, 2, (struct frag_case){40, 64, 1}, NULL, &done,
                                  &st, &df),
                         TCPSIFT_E_FRAG_OVERLAP);
        assert_int_equal(st->discarded, 1);
        tcpsift_defrag_destroy(df);
    }
}

/* An overlap drops the datagram and forgets it (inet_frag_kill()): a fresh complete set with the
 * same key is reassembled, as a real Linux receiver did, and nothing is frag_discarded. */
static void test_overlap_forgotten_fresh_set_reassembled(void **state)
{
    (void)state;
    for (int version = 4; version <= 6; version += 2) {
        make_segment(version);
        tcpsift_defrag *df = make_linux_pool();
        static fed f;
        assert_int_equal(feed(df, &f, version, 5, 0, 1, segment, 48, 0), TCPSIFT_OK);
        assert_int_equal(feed(df, &f, version, 5, 40, 1, segment, 16, 0), TCPSIFT_E_FRAG_OVERLAP);
        const tcpsift_defrag_stats *st = tcpsift_defrag_get_stats(df);
        assert_int_equal(st->in_progress, 0);
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(feed(df, &f, version, 5, CUT[i].off, CUT[i].more, segment,
                                  CUT[i].len, 1),
                             TCPSIFT_OK);
        expect_segment(&f, version);
        assert_int_equal(st->errors[TCPSIFT_E_FRAG_DISCARDED], 0);
        assert_int_equal(st->discarded, 1);
        assert_int_equal(st->reassembled, 1);
        tcpsift_defrag_destroy(df);
    }
}

/* A duplicate claiming to be the last fragment fixes the datagram's end, as ip_frag_queue() takes
 * the flag before the insert refuses the fragment: a later last fragment with another end is
 * frag_duplicate_last. */
static void test_duplicate_last_flag_taken(void **state)
{
    (void)state;
    make_segment(4);
    tcpsift_defrag *df = make_linux_pool();
    static fed f;
    assert_int_equal(feed(df, &f, 4, 6, 0, 1, segment, 48, 0), TCPSIFT_OK);
    assert_int_equal(feed(df, &f, 4, 6, 48, 1, segment, 48, 0), TCPSIFT_OK);
    assert_int_equal(feed(df, &f, 4, 6, 48, 0, segment, 48, 0), TCPSIFT_OK); /* duplicate */
    assert_int_equal(f.len, 0);
    assert_int_equal(feed(df, &f, 4, 6, 96, 0, segment, 24, 0), TCPSIFT_E_FRAG_DUPLICATE_LAST);
    tcpsift_defrag_destroy(df);
}

static void test_default_is_discard(void **state)
{
    (void)state;
    tcpsift_defrag_config cfg;
    memset(&cfg, 0xA5, sizeof cfg);
    tcpsift_defrag_config_init(&cfg);
    assert_int_equal(cfg.overlap, TCPSIFT_DEFRAG_DISCARD);
    assert_int_equal(cfg.policy, TCPSIFT_OVERLAP_FIRST);
    assert_int_equal(cfg.rfc5722_strict, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap_at_start_middle_end_discards),
        cmocka_unit_test(test_exact_duplicates_ignored),
        cmocka_unit_test(test_late_fragments_until_timeout),
        cmocka_unit_test(test_discarded_slot_eviction),
        cmocka_unit_test(test_insertion_discarded_by_default_resolved_on_request),
        cmocka_unit_test(test_default_is_discard),
        cmocka_unit_test(test_fragment_inside_a_run_is_a_duplicate),
        cmocka_unit_test(test_fragment_across_runs_overlaps),
        cmocka_unit_test(test_overlap_forgotten_fresh_set_reassembled),
        cmocka_unit_test(test_duplicate_last_flag_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

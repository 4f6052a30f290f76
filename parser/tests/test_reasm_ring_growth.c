/* The retention ring grows with the stream (issue 9: memory of a live sensor, where without
 * stable buffers every stream copies its delivered bytes): 256 bytes at the first delivery,
 * doubled as the delivered bytes grow, up to max_retained_bytes (here not a power of two, so
 * the last step moves the bytes into a ring of another modulus). Whatever the ring's size, the
 * last max_retained_bytes delivered bytes are retained and compared with later copies, and a
 * ring that cannot grow keeps what it has and retains less. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/reassembly.h"

enum { ISN = 0xfffff000u }; /* the stream's sequence numbers wrap during the test */

static uint64_t rng_state;
static uint32_t rng_below(uint32_t n) /* xorshift64*, seeded per test */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32) % n;
}

/* Counts the bytes allocated and checks each free's size. */
struct sized_alloc {
    uint64_t now, allocs;
};

static void *sized_alloc_fn(void *ctx, size_t size)
{
    struct sized_alloc *a = ctx;
    uint64_t *p = malloc(size + 16);
    assert_non_null(p);
    p[0] = size;
    a->now += size;
    a->allocs++;
    return p + 2;
}

static void sized_free_fn(void *ctx, void *q, size_t size)
{
    struct sized_alloc *a = ctx;
    uint64_t *p = (uint64_t *)q - 2;
    assert_int_equal(p[0], size);
    a->now -= size;
    free(p);
}

static void on_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    (void)ctx;
    (void)offset;
    (void)ptr;
    (void)len;
    (void)copied;
}

/* A reassembler keeping `retained` delivered bytes (copies, or views with `stable`), its SYN
 * just before ISN. */
static void start(tcpsift_reasm *r, uint32_t retained, int stable, struct sized_alloc *a,
                  tcpsift_reasm_budget *budget)
{
    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg);
    cfg.max_retained_bytes = retained;
    cfg.stable_buffers = stable;
    cfg.max_retained_views = 1024; /* with stable buffers the byte budget binds, not the views' */
    tcpsift_reasm_callbacks cb = {on_data, NULL, NULL, NULL};
    tcpsift_allocator al = {sized_alloc_fn, sized_free_fn, a};
    assert_int_equal(tcpsift_reasm_init(r, &cfg, &cb, &al, budget), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(r, ISN - 1, NULL, 0, 0, TCPSIFT_REASM_SYN),
                     TCPSIFT_OK);
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    rng_state = seed;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng_below(256);
}

/* Send stream[off, off+len) (from a scratch copy, so nothing can point into `stream`). */
static void send_copy(tcpsift_reasm *r, const uint8_t *stream, uint64_t off, size_t len,
                      long flip)
{
    uint8_t buf[512];
    assert_true(len <= sizeof buf);
    memcpy(buf, stream + off, len);
    if (flip >= 0) buf[flip] ^= 0x5a;
    assert_int_equal(tcpsift_reasm_segment(r, ISN + (uint32_t)off, buf, len, len, 0), TCPSIFT_OK);
}

/* The ring's expected size after `delivered` bytes: 256, 512, ... up to `retained`. */
static uint64_t ring_expected(uint64_t delivered, uint64_t retained)
{
    uint64_t size = 256;
    while (size < delivered && size < retained)
        size *= 2;
    return size < retained ? size : retained;
}

static void test_ring_grows_and_keeps_bytes(void **state)
{
    (void)state;
    enum { TOTAL = 20000, RETAINED = 3000 };
    static uint8_t stream[TOTAL];
    fill_random(stream, TOTAL, 0x9e3779b97f4a7c15ULL);
    struct sized_alloc a = {0};
    tcpsift_reasm r;
    start(&r, RETAINED, 0, &a, NULL);
    const tcpsift_reasm_stats *st = tcpsift_reasm_get_stats(&r);
    uint64_t delivered = 0, conflicts = 0, retrans = 0, unverified = 0;
    uint64_t sizes_seen = 0, last_size = 0;
    const uint64_t records = TCPSIFT_REASM_CONFLICT_RECORDS * sizeof(tcpsift_reasm_conflict);
    tcpsift_reasm_conflict recs[TCPSIFT_REASM_CONFLICT_RECORDS];
    while (delivered < TOTAL) {
        size_t len = 1 + rng_below(400);
        if (len > TOTAL - delivered) len = (size_t)(TOTAL - delivered);
        send_copy(&r, stream, delivered, len, -1);
        delivered += len;
        assert_int_equal(st->delivered_bytes, delivered);
        uint64_t size = ring_expected(delivered, RETAINED);
        /* the ring, and the conflict records from the first conflict on */
        assert_int_equal(st->memory_bytes, size + (conflicts ? records : 0));
        if (size != last_size) sizes_seen++;
        last_size = size;
        assert_true(tcpsift_reasm_check(&r));

        /* A copy of retained bytes, equal, then with one byte changed: the byte's offset
         * found wherever the ring's move put it. */
        uint64_t lo = delivered > RETAINED ? delivered - RETAINED : 0;
        uint64_t off = lo + rng_below((uint32_t)(delivered - lo));
        size_t n = 1 + rng_below(300);
        if (n > delivered - off) n = (size_t)(delivered - off);
        send_copy(&r, stream, off, n, -1);
        retrans += n;
        assert_int_equal(st->retransmitted_bytes, retrans);
        long flip = (long)rng_below((uint32_t)n);
        send_copy(&r, stream, off, n, flip);
        retrans += n - 1;
        conflicts++;
        assert_int_equal(st->retransmitted_bytes, retrans);
        assert_int_equal(st->conflicts, conflicts);
        size_t kept = tcpsift_reasm_conflicts(&r, recs, TCPSIFT_REASM_CONFLICT_RECORDS);
        assert_true(kept > 0);
        assert_int_equal(recs[kept - 1].offset, off + (uint64_t)flip);
        assert_int_equal(recs[kept - 1].len, 1);
        assert_int_equal(recs[kept - 1].delivered, 1);
        /* The byte before the retained ones: only counted. */
        if (lo > 0) {
            send_copy(&r, stream, lo - 1, 1, -1);
            unverified++;
        }
        assert_int_equal(st->unverified_bytes, unverified);
    }
    /* 256, 512, 1024, 2048, then 3000 */
    assert_int_equal(sizes_seen, 5);
    /* the moves cost at most as much again as the bytes stored */
    assert_true(st->bytes_copied < 2 * delivered);
    tcpsift_reasm_free(&r);
    assert_int_equal(a.now, 0);
}

/* A stream that delivers a few hundred bytes holds a few hundred bytes, not
 * max_retained_bytes. */
static void test_short_stream_small_ring(void **state)
{
    (void)state;
    static const uint8_t hello[300] = "GET / HTTP/1.1";
    struct sized_alloc a = {0};
    tcpsift_reasm r;
    start(&r, 64u << 10, 0, &a, NULL);
    send_copy(&r, hello, 0, 100, -1);
    assert_int_equal(tcpsift_reasm_get_stats(&r)->memory_bytes, 256);
    send_copy(&r, hello, 100, 200, -1);
    assert_int_equal(tcpsift_reasm_get_stats(&r)->memory_bytes, 512);
    assert_int_equal(a.allocs, 2);
    assert_int_equal(a.now, 512);
    send_copy(&r, hello, 0, 300, -1);
    assert_int_equal(tcpsift_reasm_get_stats(&r)->retransmitted_bytes, 300);
    tcpsift_reasm_free(&r);
    assert_int_equal(a.now, 0);
}

/* A budget that allows a 1 KiB ring but not the move into 2 KiB (both are held during the
 * move): the ring stays at 1 KiB and retains the last 1,024 bytes, older copies unverified. */
static void test_ring_growth_refused(void **state)
{
    (void)state;
    enum { TOTAL = 5000 };
    static uint8_t stream[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        stream[i] = (uint8_t)(i * 7 + (i >> 8));
    struct sized_alloc a = {0};
    tcpsift_reasm_budget budget = {0};
    budget.cap = 2048;
    tcpsift_reasm r;
    start(&r, 64u << 10, 0, &a, &budget);
    const tcpsift_reasm_stats *st = tcpsift_reasm_get_stats(&r);
    for (uint64_t off = 0; off < TOTAL; off += 250)
        send_copy(&r, stream, off, 250, -1);
    assert_int_equal(st->delivered_bytes, TOTAL);
    assert_int_equal(st->memory_bytes, 1024);
    assert_int_equal(budget.used, 1024);
    assert_true(tcpsift_reasm_check(&r));
    send_copy(&r, stream, TOTAL - 1024, 300, -1);
    assert_int_equal(st->retransmitted_bytes, 300);
    assert_int_equal(st->unverified_bytes, 0);
    send_copy(&r, stream, TOTAL - 1025, 1, -1);
    assert_int_equal(st->unverified_bytes, 1);
    tcpsift_reasm_free(&r);
    assert_int_equal(budget.used, 0);
    assert_int_equal(a.now, 0);
}

/* With stable buffers the ring holds only bytes delivered from held copies, and retained views
 * point into it; with max_retained_bytes a power of two it grows too, by doubling, and the views
 * into it move along (each stays one piece). Every step delivers one piece from the caller's
 * buffer and one from a held copy (sent first, ahead of it); copies of retained bytes are then
 * compared wherever those bytes are. */
static void test_stable_ring_moves_views(void **state)
{
    (void)state;
    enum { TOTAL = 16000, RETAINED = 4096 };
    static uint8_t stream[TOTAL];
    fill_random(stream, TOTAL, 0x2545f4914f6cdd1dULL);
    struct sized_alloc a = {0};
    tcpsift_reasm r;
    start(&r, RETAINED, 1, &a, NULL);
    const tcpsift_reasm_stats *st = tcpsift_reasm_get_stats(&r);
    tcpsift_reasm_conflict recs[TCPSIFT_REASM_CONFLICT_RECORDS];
    uint64_t delivered = 0, conflicts = 0, copied = 0;
    int small_ring_seen = 0;
    while (delivered + 2 < TOTAL) {
        size_t la = 1 + rng_below(200), lb = 1 + rng_below(200);
        if (la + lb > TOTAL - delivered) la = lb = (size_t)(TOTAL - delivered) / 2;
        const uint8_t *pa = stream + delivered, *pb = pa + la;
        assert_int_equal(tcpsift_reasm_segment(&r, ISN + (uint32_t)(delivered + la), pb, lb, lb, 0),
                         TCPSIFT_OK); /* held: copied */
        assert_int_equal(tcpsift_reasm_segment(&r, ISN + (uint32_t)delivered, pa, la, la, 0),
                         TCPSIFT_OK); /* fills the hole: both delivered */
        delivered += la + lb;
        copied += lb;
        assert_int_equal(st->delivered_bytes, delivered);
        assert_true(tcpsift_reasm_check(&r));
        /* held copies are freed: what is left is the ring, the view array and the records */
        if (copied < 200 && st->memory_bytes < RETAINED) small_ring_seen = 1;

        uint64_t lo = delivered > RETAINED ? delivered - RETAINED : 0;
        uint64_t off = lo + rng_below((uint32_t)(delivered - lo));
        size_t n = 1 + rng_below(400);
        if (n > delivered - off) n = (size_t)(delivered - off);
        uint64_t before = st->retransmitted_bytes;
        send_copy(&r, stream, off, n, -1);
        assert_int_equal(st->retransmitted_bytes, before + n);
        long flip = (long)rng_below((uint32_t)n);
        send_copy(&r, stream, off, n, flip);
        conflicts++;
        assert_int_equal(st->conflicts, conflicts);
        size_t kept = tcpsift_reasm_conflicts(&r, recs, TCPSIFT_REASM_CONFLICT_RECORDS);
        assert_true(kept > 0);
        assert_int_equal(recs[kept - 1].offset, off + (uint64_t)flip);
        assert_int_equal(recs[kept - 1].len, 1);
    }
    assert_int_equal(st->unverified_bytes, 0);
    assert_true(small_ring_seen);
    tcpsift_reasm_free(&r);
    assert_int_equal(a.now, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_grows_and_keeps_bytes),
        cmocka_unit_test(test_short_stream_small_ring),
        cmocka_unit_test(test_ring_growth_refused),
        cmocka_unit_test(test_stable_ring_moves_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The first retained view lives in the reassembler's state (issue 9: memory per connection
 * after data): a stream that retains one view of delivered bytes (a stream between messages,
 * its last message in one segment) allocates nothing; the second separate view moves it into
 * an array of four, and the bytes it covers are still checked against retransmissions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/reassembly.h"

static void on_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    (void)ctx;
    (void)offset;
    (void)ptr;
    (void)len;
    (void)copied;
}

/* A stable-buffers reassembler with `views` views at most, its SYN at seq 100. */
static void start(tcpsift_reasm *r, uint32_t views)
{
    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg);
    cfg.stable_buffers = 1;
    cfg.max_retained_views = views;
    tcpsift_reasm_callbacks cb = {on_data, NULL, NULL, NULL};
    assert_int_equal(tcpsift_reasm_init(r, &cfg, &cb, NULL, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(r, 100, NULL, 0, 0, TCPSIFT_REASM_SYN), TCPSIFT_OK);
}

static void seg(tcpsift_reasm *r, uint32_t seq, const char *bytes)
{
    size_t n = strlen(bytes);
    assert_int_equal(tcpsift_reasm_segment(r, seq, (const uint8_t *)bytes, n, n, 0), TCPSIFT_OK);
}

static void test_one_view_allocates_nothing(void **state)
{
    (void)state;
    /* Separate arrays: views of them never merge into one. */
    static const char hello[] = "hello", world[] = "world!";
    char copy[8];
    tcpsift_reasm r;
    start(&r, 64);
    const tcpsift_reasm_stats *st = tcpsift_reasm_get_stats(&r);

    seg(&r, 101, hello);
    assert_int_equal(st->delivered_bytes, 5);
    assert_int_equal(st->memory_bytes, 0);
    assert_int_equal(st->memory_peak, 0);
    /* The one view checks retransmissions: an equal copy (from another buffer) is a
     * retransmission, a differing one a conflict. */
    memcpy(copy, "hello", 6);
    seg(&r, 101, copy);
    assert_int_equal(st->retransmitted_bytes, 5);
    assert_int_equal(st->conflicts, 0);
    seg(&r, 101, "hxllo");
    assert_int_equal(st->conflicts, 1);
    assert_int_equal(st->unverified_bytes, 0);
    /* the conflict's record ring, taken at the first conflict, is the only memory */
    const uint64_t records = TCPSIFT_REASM_CONFLICT_RECORDS * sizeof(tcpsift_reasm_conflict);
    assert_int_equal(st->memory_bytes, records);

    /* A second view: an array of four views (64 bytes) holds both. */
    seg(&r, 106, world);
    assert_int_equal(st->delivered_bytes, 11);
    assert_int_equal(st->memory_bytes, records + 64);
    /* Both still checked: the first view's bytes moved into the array intact. */
    seg(&r, 101, "hellx");
    assert_int_equal(st->conflicts, 2);
    memcpy(copy, "hello", 6);
    seg(&r, 101, copy);
    memcpy(copy, "world!", 7);
    seg(&r, 106, copy);
    /* equal bytes count as retransmitted, those of a differing copy too (h llo, hell) */
    assert_int_equal(st->retransmitted_bytes, 5 + 4 + 4 + 5 + 6);
    assert_int_equal(st->conflicts, 2);
    assert_int_equal(st->unverified_bytes, 0);

    tcpsift_reasm_free(&r);
    assert_int_equal(st->memory_bytes, 0);
}

/* At most one view: never an allocation; a second separate view replaces the first, whose
 * bytes are then no longer retained (unverified when sent again). */
static void test_one_view_limit_never_allocates(void **state)
{
    (void)state;
    static const char hello[] = "hello", world[] = "world!";
    char copy[8];
    tcpsift_reasm r;
    start(&r, 1);
    const tcpsift_reasm_stats *st = tcpsift_reasm_get_stats(&r);
    seg(&r, 101, hello);
    seg(&r, 106, world);
    assert_int_equal(st->delivered_bytes, 11);
    assert_int_equal(st->memory_peak, 0);
    memcpy(copy, "world!", 7);
    seg(&r, 106, copy);
    assert_int_equal(st->retransmitted_bytes, 6);
    memcpy(copy, "hello", 6);
    seg(&r, 101, copy);
    assert_int_equal(st->unverified_bytes, 5);
    assert_int_equal(st->conflicts, 0);
    tcpsift_reasm_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_view_allocates_nothing),
        cmocka_unit_test(test_one_view_limit_never_allocates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

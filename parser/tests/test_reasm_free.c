/* tcpsift_reasm_free(): memory released without delivering, and after it the reassembler is
 * done (reassembly.h). Two ways it went wrong before:
 *   - segments after a free were still taken: compared with retained bytes that were gone,
 *     and a conflict would open a new record ring behind the old count (records read back
 *     uninitialised). Now they are ignored, as after finish: no callback, no count.
 *   - a free from one of its own callbacks released the held extents that the delivering call
 *     was walking (a use after free). Now it does nothing there; the delivery completes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/reassembly.h"

typedef struct sink {
    tcpsift_reasm *r;
    int free_in_callback; /* on_data calls tcpsift_reasm_free(r) */
    uint8_t bytes[64];
    size_t len;
    unsigned data_calls, gaps, events;
} sink;

static void on_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    sink *s = ctx;
    (void)copied;
    assert_int_equal(offset, s->len);
    assert_true(s->len + len <= sizeof s->bytes);
    memcpy(s->bytes + s->len, ptr, len);
    s->len += len;
    s->data_calls++;
    if (s->free_in_callback) tcpsift_reasm_free(s->r);
}

static void on_gap(void *ctx, uint64_t offset, uint64_t len, tcpsift_reasm_gap_reason reason)
{
    sink *s = ctx;
    (void)offset;
    (void)len;
    (void)reason;
    s->gaps++;
}

static void on_event(void *ctx, tcpsift_reasm_event_kind kind, uint64_t offset, uint64_t len)
{
    sink *s = ctx;
    (void)kind;
    (void)offset;
    (void)len;
    s->events++;
}

static void start(tcpsift_reasm *r, sink *s)
{
    memset(s, 0, sizeof *s);
    s->r = r;
    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg); /* on arrival, 64 KiB retained (a copy ring) */
    tcpsift_reasm_callbacks cb = {on_data, on_gap, on_event, s};
    assert_int_equal(tcpsift_reasm_init(r, &cfg, &cb, NULL, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(r, 100, NULL, 0, 0, TCPSIFT_REASM_SYN), TCPSIFT_OK);
}

static void test_segments_after_free_ignored(void **state)
{
    (void)state;
    tcpsift_reasm r;
    sink s;
    start(&r, &s);
    /* "abc" delivered, then a differing copy of it: one conflict recorded. */
    assert_int_equal(tcpsift_reasm_segment(&r, 101, (const uint8_t *)"abc", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(&r, 101, (const uint8_t *)"xbc", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_get_stats(&r)->conflicts, 1);
    tcpsift_reasm_conflict rec[4];
    assert_int_equal(tcpsift_reasm_conflicts(&r, rec, 4), 1);

    tcpsift_reasm_free(&r);
    const tcpsift_reasm_stats before = *tcpsift_reasm_get_stats(&r);
    const sink seen = s;
    assert_int_equal(before.memory_bytes, 0);
    /* Another differing copy of the delivered bytes, new bytes, a hole, an ACK: all ignored. */
    assert_int_equal(tcpsift_reasm_segment(&r, 101, (const uint8_t *)"yyy", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(&r, 104, (const uint8_t *)"def", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(&r, 110, (const uint8_t *)"ghi", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_ack(&r, 120), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_finish(&r), TCPSIFT_OK);
    assert_memory_equal(tcpsift_reasm_get_stats(&r), &before, sizeof before);
    assert_memory_equal(&s, &seen, sizeof s);
    assert_int_equal(tcpsift_reasm_conflicts(&r, rec, 4), 0); /* the records went with the memory */
    tcpsift_reasm_free(&r);                                  /* twice: nothing left to free */
}

static void test_free_from_callback_refused(void **state)
{
    (void)state;
    tcpsift_reasm r;
    sink s;
    start(&r, &s);
    /* "def" and "ghi" held out of order; "abc" fills the hole: three deliveries in one call, the
     * held ones from their copies, each of which tries to free the reassembler. */
    assert_int_equal(tcpsift_reasm_segment(&r, 104, (const uint8_t *)"def", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_segment(&r, 107, (const uint8_t *)"ghi", 3, 3, 0), TCPSIFT_OK);
    assert_int_equal(tcpsift_reasm_get_stats(&r)->buffered_bytes, 6);
    s.free_in_callback = 1;
    assert_int_equal(tcpsift_reasm_segment(&r, 101, (const uint8_t *)"abc", 3, 3, 0), TCPSIFT_OK);
    s.free_in_callback = 0;
    assert_int_equal(s.len, 9);
    assert_memory_equal(s.bytes, "abcdefghi", 9);
    assert_true(s.data_calls >= 2);
    assert_int_equal(tcpsift_reasm_get_stats(&r)->buffered_bytes, 0);
    /* Not freed, not finished: it goes on. */
    assert_int_equal(tcpsift_reasm_segment(&r, 110, (const uint8_t *)"jk", 2, 2, 0), TCPSIFT_OK);
    assert_int_equal(s.len, 11);
    assert_memory_equal(s.bytes + 9, "jk", 2);
    assert_int_equal(s.gaps, 0);
    assert_int_equal(s.events, 0);
    assert_int_equal(tcpsift_reasm_finish(&r), TCPSIFT_OK);
    tcpsift_reasm_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_after_free_ignored),
        cmocka_unit_test(test_free_from_callback_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Bad arguments an embedder may pass, found by a black-box pass over the public API: an
 * allocator missing a hook is refused by every create call before anything is allocated (the
 * tracker called the NULL hook); NULL objects given to getters, comparisons and checks are
 * answered without a dereference; a capture reader at its end never reports more consumed bytes
 * than the window it was just given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/tcpsift.h"

static void *plain_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}

static void plain_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

static void test_allocator_missing_a_hook(void **state)
{
    (void)state;
    const tcpsift_allocator halves[3] = {
        {plain_alloc, NULL, NULL}, {NULL, plain_free, NULL}, {NULL, NULL, NULL}};
    for (int i = 0; i < 3; i++) {
        tcpsift_tracker_config tc;
        tcpsift_tracker_config_init(&tc);
        tc.allocator = &halves[i];
        tcpsift_tracker *t = (tcpsift_tracker *)&tc; /* create must clear it */
        assert_int_equal(tcpsift_tracker_create(&tc, &t), TCPSIFT_E_INVALID_ARGUMENT);
        assert_null(t);

        tcpsift_flow_table_config fc;
        tcpsift_flow_table_config_init(&fc);
        fc.allocator = &halves[i];
        tcpsift_flow_table *ft = NULL;
        assert_int_equal(tcpsift_flow_table_create(&fc, &ft), TCPSIFT_E_INVALID_ARGUMENT);

        tcpsift_defrag_config dc;
        tcpsift_defrag_config_init(&dc);
        dc.allocator = &halves[i];
        tcpsift_defrag *df = NULL;
        assert_int_equal(tcpsift_defrag_create(&dc, &df), TCPSIFT_E_INVALID_ARGUMENT);

        tcpsift_reasm_config rc;
        tcpsift_reasm_config_default(&rc);
        tcpsift_reasm r;
        assert_int_equal(tcpsift_reasm_init(&r, &rc, NULL, &halves[i], NULL),
                         TCPSIFT_E_INVALID_ARGUMENT);
    }
}

static void test_null_objects(void **state)
{
    (void)state;
    tcpsift_tracker_config_init(NULL);
    tcpsift_defrag_config_init(NULL);
    tcpsift_packet_verify_checksums(NULL);
    tcpsift_flow_key k;
    memset(&k, 0, sizeof k);
    assert_int_equal(tcpsift_flow_key_equal(&k, NULL), 0);
    assert_int_equal(tcpsift_flow_key_equal(NULL, &k), 0);
    assert_int_equal(tcpsift_flow_key_equal(NULL, NULL), 1);
    assert_int_equal(tcpsift_flow_key_equal(&k, &k), 1);
    assert_int_equal(tcpsift_flow_entry_last_seen(NULL), 0);
    assert_int_equal(tcpsift_flow_entry_class(NULL), TCPSIFT_FLOW_EMBRYONIC);
    assert_int_equal(tcpsift_flow_embryo_last_seen(NULL), 0);
    assert_int_equal(tcpsift_flow_embryo_isn(NULL), 0);
    assert_int_equal(tcpsift_flow_embryo_syn_reversed(NULL), 0);
    assert_int_equal(tcpsift_flow_table_entry_size(NULL), 0);
    assert_int_equal(tcpsift_flow_table_embryo_size(NULL), 0);
    assert_int_equal(tcpsift_flow_table_longest_chain(NULL), 0);
    assert_int_equal(tcpsift_framer_offset(NULL), 0);
    assert_int_equal(tcpsift_framer_stopped(NULL), 1);
    assert_int_equal(tcpsift_framer_copied_bytes(NULL), 0);
    uint8_t out[4];
    assert_int_equal(tcpsift_frame_copy_body(NULL, out, sizeof out), 0);
    tcpsift_frame empty;
    memset(&empty, 0, sizeof empty);
    assert_int_equal(tcpsift_frame_copy_body(&empty, NULL, 4), 0);
}

/* A flow table's value is bounded, and says so in its header. */
static void test_flow_value_bound(void **state)
{
    (void)state;
    tcpsift_flow_table_config fc;
    tcpsift_flow_table_config_init(&fc);
    fc.max_connections = 2;
    fc.value_size = TCPSIFT_FLOW_VALUE_MAX;
    size_t bytes = 0;
    assert_int_equal(tcpsift_flow_table_memory_needed(&fc, &bytes), TCPSIFT_OK);
    fc.value_size = TCPSIFT_FLOW_VALUE_MAX + 1;
    assert_int_equal(tcpsift_flow_table_memory_needed(&fc, &bytes), TCPSIFT_E_INVALID_ARGUMENT);
}

/* The capture is written little-endian whatever the machine (the magic says so), so the test
 * reads the same bytes on the big-endian cross build. */
static void put32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A fatal record in a partial window, then another window: consumed() stays inside it (it kept
 * the old window's offset, 40 against a window of 10, and a caller sliding its buffer by
 * len - consumed underflowed). */
static void test_consumed_within_window_after_end(void **state)
{
    (void)state;
    uint8_t cap[24 + 16 + 32];
    memset(cap, 0, sizeof cap);
    put32le(cap, 0xa1b2c3d4);
    cap[4] = 2;
    cap[6] = 4;
    put32le(cap + 16, 65535);          /* snaplen */
    put32le(cap + 20, 1);              /* Ethernet */
    put32le(cap + 24 + 8, 0x7fffffff); /* caplen past any snaplen: fatal */
    put32le(cap + 24 + 12, 32);
    tcpsift_capture_reader r;
    assert_int_equal(tcpsift_capture_open_partial(&r, cap, sizeof cap), TCPSIFT_OK);
    tcpsift_capture_record rec;
    tcpsift_error err = TCPSIFT_OK;
    int got, errors = 0;
    while ((got = tcpsift_capture_next(&r, &rec, &err)) != 0)
        if (got < 0) errors++;
    assert_int_equal(errors, 1);
    assert_true(tcpsift_capture_at_end(&r));
    uint8_t small[10] = {0};
    assert_int_equal(tcpsift_capture_refill(&r, small, sizeof small, 0), TCPSIFT_OK);
    assert_true(tcpsift_capture_at_end(&r));
    assert_true(tcpsift_capture_consumed(&r) <= sizeof small);
    assert_int_equal(tcpsift_capture_next(&r, &rec, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allocator_missing_a_hook),
        cmocka_unit_test(test_null_objects),
        cmocka_unit_test(test_flow_value_bound),
        cmocka_unit_test(test_consumed_within_window_after_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

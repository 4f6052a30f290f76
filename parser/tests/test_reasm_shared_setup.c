/* The reassembler split in a shared setup and a per-direction state (issue 9: memory per
 * connection). A tracker keeps one tcpsift_reasm_setup; each direction_stream holds only a
 * tcpsift_reasm_state. These tests fail if the setup (configuration, callbacks, allocator,
 * budget) is copied back into every direction, if the fields an in-order segment and an ACK
 * touch leave the state's first cache line, or if states sharing one setup stop resolving
 * overlaps by their own policy or stop getting their own address as the callbacks' ctx. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "reasm_settled.h"
#include "tracker_internal.h"

/* The state's size on LP64 targets (8-byte pointers): 104 bytes of position, views, extents and
 * records, then the 120 bytes of tcpsift_reasm_stats. A setup copied back (>= 80 bytes) or a
 * field added without taking a hole breaks it. */
#define STATE_BYTES_LP64 240
/* direction_stream besides its framer: the state, then the tracker's own per-direction fields
 * (t, c, from and flags, urg, ack_gap_offset, last_gap_end: 48 bytes; the awake list's two
 * links, time and next offset: 32, stream_rest.c). */
#define STREAM_BYTES_BESIDES_FRAMER_LP64 (STATE_BYTES_LP64 + 48 + 32)

static void test_state_size_budget(void **state)
{
    (void)state;
    if (sizeof(void *) == 8) {
        assert_int_equal(sizeof(tcpsift_reasm_state), STATE_BYTES_LP64);
        assert_true(sizeof(direction_stream) - sizeof(tcpsift_framer_state) <=
                    STREAM_BYTES_BESIDES_FRAMER_LP64);
    }
    assert_true(sizeof(tcpsift_reasm_state) <= STATE_BYTES_LP64);
    /* The stream embeds the state, nothing of the setup. */
    assert_int_equal(sizeof(((direction_stream *)0)->reasm), sizeof(tcpsift_reasm_state));
    /* The standalone reassembler is both parts, nothing more. */
    assert_true(sizeof(tcpsift_reasm) <=
                sizeof(tcpsift_reasm_state) + sizeof(tcpsift_reasm_setup) + sizeof(void *));
}

/* What reasm_in_order(), reasm_in_order_advance()'s next_offset, reasm_retain_delivered()'s
 * view append and reasm_ack_settled() read: in the first 64 bytes. */
static void test_hot_fields_first_line(void **state)
{
    (void)state;
#define HOT(f)                                                                                     \
    assert_true(offsetof(tcpsift_reasm_state, f) + sizeof(((tcpsift_reasm_state *)0)->f) <= 64)
    HOT(base_seq);
    HOT(have_base);
    HOT(have_fin);
    HOT(finished);
    HOT(in_callback);
    HOT(next_offset);
    HOT(acked_hole_end);
    HOT(ring_start);
    HOT(views);
    HOT(view_head);
    HOT(view_count);
    HOT(view_cap);
    HOT(view_bytes);
    HOT(ext_count);
#undef HOT
}

struct sink {
    const tcpsift_reasm_state *self; /* the state the callbacks must be called for */
    uint8_t bytes[64];
    size_t len;
    unsigned wrong_ctx;
};

static struct sink g_sinks[2];
static tcpsift_reasm_state g_states[2];
static unsigned g_stray; /* callbacks whose ctx is neither state */

static void on_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    (void)copied;
    if (ctx != &g_states[0] && ctx != &g_states[1]) {
        g_stray++;
        return;
    }
    struct sink *s = &g_sinks[ctx == &g_states[1]];
    if (s->self != ctx || offset != s->len || s->len + len > sizeof s->bytes) {
        s->wrong_ctx++;
        return;
    }
    memcpy(s->bytes + s->len, ptr, len);
    s->len += len;
}

/* Two states, one setup (ACKED delivery, so every copy waits for the ACK and the policy decides
 * among all of them): "aaaa" then "bbbb" over the same four bytes. The state with policy first
 * delivers the first copy, the one with policy last the second; each callback gets its own
 * state's address. */
static void test_two_states_one_setup_own_policies(void **state)
{
    (void)state;
    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg);
    cfg.mode = TCPSIFT_REASM_ACKED;
    cfg.policy = (tcpsift_overlap_policy)99; /* the setup never reads it */
    tcpsift_reasm_callbacks cb = {on_data, NULL, NULL, NULL};
    tcpsift_reasm_budget budget;
    memset(&budget, 0, sizeof budget);
    tcpsift_reasm_setup su;
    assert_int_equal(reasm_setup_init(&su, &cfg, &cb, NULL, &budget), TCPSIFT_OK);
    su.ctx_is_state = 1;
    const tcpsift_overlap_policy pol[2] = {TCPSIFT_OVERLAP_FIRST, TCPSIFT_OVERLAP_LAST};
    memset(g_sinks, 0, sizeof g_sinks);
    g_stray = 0;
    for (int d = 0; d < 2; d++) {
        reasm_state_init(&g_states[d], pol[d]);
        g_sinks[d].self = &g_states[d];
    }
    for (int d = 0; d < 2; d++) {
        uint32_t isn = d ? 7000u : 100u;
        tcpsift_reasm_state *r = &g_states[d];
        assert_int_equal(reasm_segment(r, &su, isn, NULL, 0, 0, TCPSIFT_REASM_SYN), TCPSIFT_OK);
        assert_int_equal(reasm_segment(r, &su, isn + 1, (const uint8_t *)"aaaa", 4, 4, 0),
                         TCPSIFT_OK);
        assert_int_equal(reasm_segment(r, &su, isn + 1, (const uint8_t *)"bbbb", 4, 4, 0),
                         TCPSIFT_OK);
        assert_int_equal(g_sinks[d].len, 0); /* held until the ACK */
        assert_true(reasm_check(r, &su));
    }
    /* Both states hold their bytes in the one budget. */
    assert_int_equal(budget.used, g_states[0].stats.memory_bytes + g_states[1].stats.memory_bytes);
    assert_int_equal(reasm_ack(&g_states[1], &su, 7005u), TCPSIFT_OK);
    assert_int_equal(reasm_ack(&g_states[0], &su, 105u), TCPSIFT_OK);
    for (int d = 0; d < 2; d++) {
        assert_int_equal(g_sinks[d].wrong_ctx, 0);
        assert_int_equal(g_sinks[d].len, 4);
        assert_int_equal(g_states[d].stats.conflicts, 1);
        assert_int_equal(reasm_finish(&g_states[d], &su), TCPSIFT_OK);
        assert_int_equal(g_states[d].stats.memory_bytes, 0);
    }
    assert_int_equal(g_stray, 0);
    assert_memory_equal(g_sinks[0].bytes, "aaaa", 4);
    assert_memory_equal(g_sinks[1].bytes, "bbbb", 4);
    assert_int_equal(budget.used, 0);
}

/* The standalone API keeps each reassembler's own ctx (ctx_is_state is the tracker's). */
static void *g_seen_ctx;
static void on_data_ctx(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    (void)offset;
    (void)ptr;
    (void)len;
    (void)copied;
    g_seen_ctx = ctx;
}

static void test_standalone_ctx(void **state)
{
    (void)state;
    int token = 0;
    tcpsift_reasm r;
    tcpsift_reasm_callbacks cb = {on_data_ctx, NULL, NULL, &token};
    assert_int_equal(tcpsift_reasm_init(&r, NULL, &cb, NULL, NULL), TCPSIFT_OK);
    g_seen_ctx = NULL;
    assert_int_equal(tcpsift_reasm_segment(&r, 1, (const uint8_t *)"x", 1, 1, 0), TCPSIFT_OK);
    assert_ptr_equal(g_seen_ctx, &token);
    tcpsift_reasm_free(&r);
    /* An invalid policy is still refused by the standalone init. */
    tcpsift_reasm_config cfg;
    tcpsift_reasm_config_default(&cfg);
    cfg.policy = TCPSIFT_OVERLAP_COUNT_;
    assert_int_equal(tcpsift_reasm_init(&r, &cfg, &cb, NULL, NULL), TCPSIFT_E_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_size_budget),
        cmocka_unit_test(test_hot_fields_first_line),
        cmocka_unit_test(test_two_states_one_setup_own_policies),
        cmocka_unit_test(test_standalone_ctx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

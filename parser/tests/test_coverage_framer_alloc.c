/* Tail-buffer allocation failure in every framer phase that can need it (found by
 * fuzz/coverage.sh): tcpsift/framer.h says the call whose allocation fails returns
 * TCPSIFT_E_NO_MEMORY and the framer stops for good (sticky). In STABLE mode the tail is needed
 * once a frame spans more than TCPSIFT_FRAMER_MAX_VIEWS separate chunks; in COPY_TAIL mode as
 * soon as a frame spans two feed() calls. Fed one byte per chunk from non-adjacent addresses,
 * so no two chunks merge into one view. Through the public framer API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/framer.h"

struct alloc_log {
    unsigned calls;
};
static void *refuse(void *ctx, void *ptr, size_t size)
{
    struct alloc_log *l = ctx;
    (void)ptr;
    (void)size;
    l->calls++;
    return NULL;
}
static void never_freed(void *ctx, void *ptr)
{
    (void)ctx;
    (void)ptr;
    fail_msg("nothing was allocated, nothing may be freed");
}

static void count_frame(void *ctx, const tcpsift_frame *fr)
{
    unsigned *n = ctx;
    (void)fr;
    (*n)++;
}

/* Feeds `stream` one byte per chunk; returns the index of the first chunk whose feed failed
 * (checking that it failed with no_memory and that every later call does too), or `len`. */
static size_t first_failure(const char *spec, tcpsift_framer_mode mode, const uint8_t *stream,
                            size_t len, unsigned *frames, unsigned *alloc_calls)
{
    tcpsift_framer_config cfg;
    char why[100];
    assert_int_equal(tcpsift_framer_spec_parse(spec, &cfg, why, sizeof why), TCPSIFT_OK);
    struct alloc_log log = {0};
    tcpsift_framer_alloc a = {refuse, never_freed, &log};
    tcpsift_framer f;
    assert_int_equal(tcpsift_framer_init(&f, &cfg, mode, &a), TCPSIFT_OK);
    static uint8_t spaced[2 * 512];
    assert_true(len <= 512);
    for (size_t i = 0; i < len; i++)
        spaced[2 * i] = stream[i];
    *frames = 0;
    size_t failed = len;
    for (size_t i = 0; i < len; i++) {
        tcpsift_error e = tcpsift_framer_feed(&f, &spaced[2 * i], 1, count_frame, frames);
        if (failed == len && e != TCPSIFT_OK) failed = i;
        if (failed != len) assert_int_equal(e, TCPSIFT_E_NO_MEMORY);
    }
    if (failed != len) {
        assert_int_equal(tcpsift_framer_stopped(&f), 1);
        assert_int_equal(tcpsift_framer_gap(&f, 5, count_frame, frames), TCPSIFT_E_NO_MEMORY);
        assert_int_equal(tcpsift_framer_finish(&f, count_frame, frames), TCPSIFT_E_NO_MEMORY);
        /* After finish() every call is refused (tcpsift/framer.h). */
        assert_int_equal(tcpsift_framer_gap(&f, 5, count_frame, frames),
                         TCPSIFT_E_INVALID_ARGUMENT);
    }
    *alloc_calls = log.calls;
    tcpsift_framer_destroy(&f);
    return failed;
}

static void test_stable_views_exhausted(void **state)
{
    (void)state;
    uint8_t s[64];
    unsigned frames, calls;
    const size_t nth = TCPSIFT_FRAMER_MAX_VIEWS; /* 0-based index of the chunk past the views */

    /* len:1,offset=20: the 17th chunk is still one of the 20 header bytes. */
    memset(s, 'h', 20);
    s[20] = 3;
    memcpy(s + 21, "abc", 3);
    assert_int_equal(
        first_failure("len:1,offset=20", TCPSIFT_FRAMER_STABLE, s, 24, &frames, &calls), nth);
    assert_int_equal(frames, 0);
    assert_int_equal(calls, 1);

    /* len:8,offset=10: the 17th chunk is byte 6 of the length field. */
    memset(s, 'h', 10);
    memset(s + 10, 0, 8);
    assert_int_equal(
        first_failure("len:8,offset=10", TCPSIFT_FRAMER_STABLE, s, 18, &frames, &calls), nth);
    assert_int_equal(frames, 0);

    /* len:1, a 30-byte body: the 17th chunk is body byte 15. */
    s[0] = 30;
    memset(s + 1, 'b', 30);
    assert_int_equal(first_failure("len:1", TCPSIFT_FRAMER_STABLE, s, 31, &frames, &calls), nth);
    assert_int_equal(frames, 0);

    /* delim:00 and line: 20 content bytes before the delimiter. */
    memset(s, 'c', 20);
    s[20] = 0;
    assert_int_equal(first_failure("delim:00", TCPSIFT_FRAMER_STABLE, s, 21, &frames, &calls), nth);
    s[20] = '\n';
    assert_int_equal(first_failure("line", TCPSIFT_FRAMER_STABLE, s, 21, &frames, &calls), nth);
    assert_int_equal(frames, 0);

    /* json-header:1, a 25-byte header: the 17th chunk is header byte 15. */
    const char *json = "{\"size\":2,\"pad\":\"xxxxx\"}";
    size_t jl = strlen(json);
    s[0] = (uint8_t)jl;
    memcpy(s + 1, json, jl);
    memcpy(s + 1 + jl, "ok", 2);
    assert_int_equal(
        first_failure("json-header:1", TCPSIFT_FRAMER_STABLE, s, 1 + jl + 2, &frames, &calls), nth);
    assert_int_equal(frames, 0);

    /* json-header:1, a short header and a 30-byte body: the header frame is delivered (its
     * views released), then the body's 17th chunk fails. */
    json = "{\"size\":30}";
    jl = strlen(json);
    s[0] = (uint8_t)jl;
    memcpy(s + 1, json, jl);
    memset(s + 1 + jl, 'B', 30);
    assert_int_equal(
        first_failure("json-header:1", TCPSIFT_FRAMER_STABLE, s, 1 + jl + 30, &frames, &calls),
        1 + jl + nth);
    assert_int_equal(frames, 1);

    /* Frames shorter than the view limit never need the tail: no allocation at all. */
    for (int i = 0; i < 8; i++) {
        s[2 * i] = 1;
        s[2 * i + 1] = (uint8_t)('a' + i);
    }
    assert_int_equal(first_failure("len:1", TCPSIFT_FRAMER_STABLE, s, 16, &frames, &calls), 16);
    assert_int_equal(frames, 8);
    assert_int_equal(calls, 0);
}

/* COPY_TAIL: the first frame left unfinished at the end of a feed() needs the tail. */
static void test_copy_tail_unfinished_frame(void **state)
{
    (void)state;
    static const uint8_t s[] = {2, 'a', 'b', 3, 'c', 'd', 'e'};
    unsigned frames, calls;
    /* Byte 0 alone is an unfinished length field: copied, so the first feed fails. */
    assert_int_equal(first_failure("len:1", TCPSIFT_FRAMER_COPY_TAIL, s, sizeof s, &frames, &calls),
                     0);
    assert_int_equal(frames, 0);
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable_views_exhausted),
        cmocka_unit_test(test_copy_tail_unfinished_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* A frame callback that calls back into its own framer (tcpsift/framer.h: it must not): feed,
 * feed_transient, gap and finish are refused with invalid_argument and change nothing, destroy
 * frees nothing, and once the outer call returns the framer goes on as if the callback had
 * never tried. Without the refusal the inner feed would reuse the tail buffer and views the
 * outer call is still reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/framer.h"

struct reentry {
    tcpsift_framer *f;
    unsigned frames;
    uint64_t offsets[8];
    uint8_t bodies[8][8];
    tcpsift_error inner[5];
};

static void on_frame(void *ctx, const tcpsift_frame *fr)
{
    struct reentry *r = ctx;
    assert_true(r->frames < 8);
    r->offsets[r->frames] = fr->offset;
    assert_int_equal(tcpsift_frame_copy_body(fr, r->bodies[r->frames], 8), fr->len);
    r->frames++;
    static const uint8_t more[] = {0, 1, 'z'};
    r->inner[0] = tcpsift_framer_feed(r->f, more, sizeof more, on_frame, r);
    r->inner[1] = tcpsift_framer_feed_transient(r->f, more, sizeof more, on_frame, r);
    r->inner[2] = tcpsift_framer_gap(r->f, 5, on_frame, r);
    r->inner[3] = tcpsift_framer_finish(r->f, on_frame, r);
    tcpsift_framer_destroy(r->f);
    /* The getters still answer. */
    r->inner[4] = tcpsift_framer_stopped(r->f) ? TCPSIFT_E_INVALID_ARGUMENT : TCPSIFT_OK;
}

static void test_callback_reentry_refused(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        tcpsift_framer_config cfg;
        assert_int_equal(tcpsift_framer_spec_parse("len:2", &cfg, NULL, 0), TCPSIFT_OK);
        tcpsift_framer f;
        assert_int_equal(tcpsift_framer_init(&f, &cfg,
                                             mode ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL,
                                             NULL),
                         TCPSIFT_OK);
        struct reentry r;
        memset(&r, 0, sizeof r);
        r.f = &f;
        /* "ab" then "cde", the second frame split across two feeds (a tail in COPY_TAIL). */
        static const uint8_t first[] = {0, 2, 'a', 'b', 0, 3, 'c'};
        static const uint8_t second[] = {'d', 'e'};
        assert_int_equal(tcpsift_framer_feed(&f, first, sizeof first, on_frame, &r), TCPSIFT_OK);
        assert_int_equal(r.frames, 1);
        for (int i = 0; i < 4; i++) assert_int_equal(r.inner[i], TCPSIFT_E_INVALID_ARGUMENT);
        assert_int_equal(r.inner[4], TCPSIFT_OK);
        assert_int_equal(tcpsift_framer_offset(&f), sizeof first);
        memset(r.inner, 0, sizeof r.inner);
        assert_int_equal(tcpsift_framer_feed(&f, second, sizeof second, on_frame, &r), TCPSIFT_OK);
        assert_int_equal(r.frames, 2);
        for (int i = 0; i < 4; i++) assert_int_equal(r.inner[i], TCPSIFT_E_INVALID_ARGUMENT);
        assert_int_equal(r.offsets[0], 0);
        assert_memory_equal(r.bodies[0], "ab", 2);
        assert_int_equal(r.offsets[1], 4);
        assert_memory_equal(r.bodies[1], "cde", 3);
        /* Outside a callback every call works again. */
        assert_int_equal(tcpsift_framer_gap(&f, 0, on_frame, &r), TCPSIFT_OK);
        assert_int_equal(tcpsift_framer_finish(&f, on_frame, &r), TCPSIFT_OK);
        assert_int_equal(r.frames, 2);
        tcpsift_framer_destroy(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_reentry_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

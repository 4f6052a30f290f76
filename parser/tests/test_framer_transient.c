/* STABLE framers fed a mix of stable chunks (views kept) and transient ones
 * (tcpsift_framer_feed_transient: copied before the call returns), as the
 * tracker does with in-order views and reassembler-held bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/framer.h"

struct seen {
    int frames;
    size_t nsegs[4];
    const uint8_t *first_seg[4];
    uint8_t body[4][64];
    uint64_t len[4];
};

static void collect(void *ctx, const tcpsift_frame *fr)
{
    struct seen *s = ctx;
    if (s->frames >= 4) return;
    s->nsegs[s->frames] = fr->nsegs;
    s->first_seg[s->frames] = fr->nsegs ? fr->segs[0].ptr : NULL;
    s->len[s->frames] = fr->len;
    tcpsift_frame_copy_body(fr, s->body[s->frames], sizeof s->body[0]);
    s->frames++;
}

static tcpsift_framer make(const char *spec)
{
    tcpsift_framer_config cfg;
    char why[100];
    assert_int_equal(tcpsift_framer_spec_parse(spec, &cfg, why, sizeof why), TCPSIFT_OK);
    tcpsift_framer f;
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_STABLE, NULL), TCPSIFT_OK);
    return f;
}

/* A frame over two stable chunks is two views into them: nothing copied. */
static void test_stable_chunks_stay_views(void **state)
{
    (void)state;
    /* One array with a gap byte: two separate statics may be laid out back to back (no
     * sanitizer redzones), and the framer rightly merges views that touch. */
    static const uint8_t chunks[] = {0x00, 0x06, 'h', 'e', 'l', 0xee, 'l', 'o', '!'};
    const uint8_t *a = chunks, *b = chunks + 6;
    tcpsift_framer f = make("len:2:be");
    struct seen s = {0};
    assert_int_equal(tcpsift_framer_feed(&f, a, 5, collect, &s), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, b, 3, collect, &s), TCPSIFT_OK);
    assert_int_equal(s.frames, 1);
    assert_int_equal(s.nsegs[0], 2);
    assert_ptr_equal(s.first_seg[0], a + 2);
    assert_memory_equal(s.body[0], "hello!", 6);
    tcpsift_framer_destroy(&f);
}

/* Stable, then transient, then stable: the transient bytes are copied before
 * the call returns (the test scribbles over them), and the frame is intact. */
static void test_transient_chunk_is_copied(void **state)
{
    (void)state;
    static const uint8_t a[] = {0x00, 0x08, 'a', 'b'}, c[] = {'g', 'h', 0x00, 0x01, 'z'};
    uint8_t transient[] = {'c', 'd', 'e', 'f'};
    tcpsift_framer f = make("len:2:be");
    struct seen s = {0};
    assert_int_equal(tcpsift_framer_feed(&f, a, sizeof a, collect, &s), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed_transient(&f, transient, sizeof transient, collect, &s),
                     TCPSIFT_OK);
    memset(transient, 'X', sizeof transient); /* the reassembler reuses its buffer */
    assert_int_equal(tcpsift_framer_feed(&f, c, sizeof c, collect, &s), TCPSIFT_OK);
    assert_int_equal(s.frames, 2);
    assert_int_equal(s.len[0], 8);
    assert_memory_equal(s.body[0], "abcdefgh", 8);
    assert_int_equal(s.len[1], 1);
    assert_memory_equal(s.body[1], "z", 1);
    assert_int_equal(s.nsegs[1], 1);
    assert_ptr_equal(s.first_seg[1], c + 4); /* a frame inside one stable chunk: a view */
    tcpsift_framer_destroy(&f);
}

/* A whole frame inside a transient chunk is delivered during the call. */
static void test_whole_frame_in_transient_chunk(void **state)
{
    (void)state;
    uint8_t transient[] = {'o', 'n', 'e', '\n', 't', 'w'};
    static const uint8_t rest[] = {'o', '\n'};
    tcpsift_framer f = make("line");
    struct seen s = {0};
    assert_int_equal(tcpsift_framer_feed_transient(&f, transient, sizeof transient, collect, &s),
                     TCPSIFT_OK);
    assert_int_equal(s.frames, 1);
    memset(transient, 'X', sizeof transient);
    assert_int_equal(tcpsift_framer_feed(&f, rest, sizeof rest, collect, &s), TCPSIFT_OK);
    assert_int_equal(s.frames, 2);
    assert_memory_equal(s.body[0], "one", 3);
    assert_memory_equal(s.body[1], "two", 3);
    tcpsift_framer_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable_chunks_stay_views),
        cmocka_unit_test(test_transient_chunk_is_copied),
        cmocka_unit_test(test_whole_frame_in_transient_chunk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

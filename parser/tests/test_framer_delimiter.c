/* Delimiter framing (`line`, `delim:HEX`): hand-written vectors, split
 * invariance at every cut, gaps (desync then resync), too_long with exact
 * length, incomplete, bounded memory without a delimiter, and the Netty
 * regression (partial delimiter straddling the discard boundary). */
#include "test_framer_support.h"

static void test_line_basic(void **state)
{
    (void)state;
    static const step s[] = {DATA("GET /\r\nHost: x\n\r\n\na\r\r\nend")};
    static const expect e[] = {W_OK(0, "GET /"), W_OK(7, "Host: x"), W_OK(15, ""),
                               W_OK(17, ""),     W_OK(18, "a\r"),    W_ERR(INCOMPLETE, 22, 3)};
    check_split_invariance("line", s, NELEM(s), e, NELEM(e));
}

/* max counts content after the "\r" is dropped: "abcd\r\n" fits max=4. */
static void test_line_max(void **state)
{
    (void)state;
    static const step s[] = {DATA("abcd\r\n"
                                  "abcde\n"
                                  "abcd\rx\n"
                                  "ok\n"
                                  "\r\r\r\r\r\n"
                                  "abcd\r")};
    static const expect e[] = {W_OK(0, "abcd"), W_ERR(TOO_LONG, 6, 5), W_ERR(TOO_LONG, 12, 6),
                               W_OK(19, "ok"),  W_OK(22, "\r\r\r\r"),  W_ERR(INCOMPLETE, 28, 5)};
    check_split_invariance("line,max=4", s, NELEM(s), e, NELEM(e));
}

static void test_delim_multibyte(void **state)
{
    (void)state;
    /* KMP fallbacks: "\r\n\r" then "\r" restarts the match at 1. */
    static const step s[] = {DATA("ab\r\n\r\r\n\r\nX\r\n\r\n")};
    static const expect e[] = {W_OK(0, "ab\r\n\r"), W_OK(9, "X")};
    check_split_invariance("delim:0d0a0d0a", s, NELEM(s), e, NELEM(e));
    /* "abcab" then "c": the match falls back to "abc", then "abd" ends it. */
    static const step s2[] = {DATA("abcabcabdxabcabd")};
    static const expect e2[] = {W_OK(0, "abc"), W_OK(9, "x")};
    check_split_invariance("delim:616263616264", s2, NELEM(s2), e2, NELEM(e2));
    static const step s3[] = {DATA("a||b|||c")};
    static const expect e3[] = {W_OK(0, "a"), W_OK(3, "b"),
                                W_ERR(INCOMPLETE, 6, 2)}; /* "|c" never ends */
    check_split_invariance("delim:7c7c,max=8", s3, NELEM(s3), e3, NELEM(e3));
}

static void test_delim_max_len(void **state)
{
    (void)state;
    static uint8_t stream[71];
    static char want[8];
    memset(stream, 'a', 70);
    stream[70] = 'b';
    memset(want, 'a', 7);
    /* 63 'a' then 'b': every prefix of the delimiter is a partial match. */
    char spec[6 + 128 + 1] = "delim:";
    for (int i = 0; i < 63; i++)
        memcpy(spec + 6 + 2 * i, "61", 2);
    memcpy(spec + 6 + 126, "62", 3);
    step s[] = {{stream, sizeof stream, 0}};
    expect e[] = {{TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, 0, 7, "", 0, want, 7}};
    check_split_invariance(spec, s, NELEM(s), e, NELEM(e));
}

static void test_delim_too_long_resume(void **state)
{
    (void)state;
    static const step s[] = {DATA("toolongframe\r\nok\r\nabc\r\nabcd\r\r\n")};
    static const expect e[] = {W_ERR(TOO_LONG, 0, 12), W_OK(14, "ok"), W_OK(18, "abc"),
                               W_ERR(TOO_LONG, 23, 5)};
    check_split_invariance("delim:0d0a,max=3", s, NELEM(s), e, NELEM(e));
    static const step s2[] = {DATA("abcdef---gh---")};
    static const expect e2[] = {W_ERR(TOO_LONG, 0, 6), W_OK(9, "gh")};
    check_split_invariance("delim:2d2d2d,max=2", s2, NELEM(s2), e2, NELEM(e2));
}

/* Netty's DelimiterBasedFrameDecoder regression: while discarding an
 * over-long frame, a chunk ending inside the delimiter must not lose the
 * partial match. */
static void feed_chunks(const char *spec, tcpsift_framer_mode mode, const char *const *chunks,
                        flog *l)
{
    tcpsift_framer_config cfg = parse_spec(spec);
    tcpsift_framer f;
    assert_int_equal(tcpsift_framer_init(&f, &cfg, mode, NULL), TCPSIFT_OK);
    uint8_t *held[8];
    size_t nheld = 0;
    for (; *chunks; chunks++) {
        size_t n = strlen(*chunks);
        uint8_t *b = malloc(n);
        assert_non_null(b);
        memcpy(b, *chunks, n);
        assert_int_equal(tcpsift_framer_feed(&f, b, n, on_frame, l), TCPSIFT_OK);
        if (mode == TCPSIFT_FRAMER_COPY_TAIL) {
            memset(b, 0, n);
            free(b);
        } else {
            assert_true(nheld < 8);
            held[nheld++] = b; /* STABLE: kept until the frames are out */
        }
    }
    assert_int_equal(tcpsift_framer_finish(&f, on_frame, l), TCPSIFT_OK);
    tcpsift_framer_destroy(&f);
    while (nheld)
        free(held[--nheld]);
}

static void test_regression_partial_delimiter_while_discarding(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        tcpsift_framer_mode mode = m ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL;
        flog l = {0};
        /* Discarding starts in the first chunk; the second ends in "\r". */
        static const char *const c1[] = {"toolong", "frame\r", "\nok\r\n", NULL};
        static const char *const c1b[] = {"toolongframe\r", "\nok\r\n", NULL};
        static const expect e[] = {W_ERR(TOO_LONG, 0, 12), W_OK(14, "ok")};
        feed_chunks("delim:0d0a,max=3", mode, c1, &l);
        assert_log_expected(&l, e, NELEM(e));
        flog_free(&l);
        feed_chunks("delim:0d0a,max=3", mode, c1b, &l);
        assert_log_expected(&l, e, NELEM(e));
        flog_free(&l);
        /* Three-byte delimiter split 2+1 and 1+2 while discarding. */
        static const char *const c2[] = {"abc", "def--", "-gh---", NULL};
        static const char *const c2b[] = {"abc", "def-", "--gh---", NULL};
        static const expect e2[] = {W_ERR(TOO_LONG, 0, 6), W_OK(9, "gh")};
        feed_chunks("delim:2d2d2d,max=2", mode, c2, &l);
        assert_log_expected(&l, e2, NELEM(e2));
        flog_free(&l);
        feed_chunks("delim:2d2d2d,max=2", mode, c2b, &l);
        assert_log_expected(&l, e2, NELEM(e2));
        flog_free(&l);
        /* line: the "\r" before a split "\n" while discarding. */
        static const char *const c3[] = {"abc", "def\r", "\nhi\n", NULL};
        static const expect e3[] = {W_ERR(TOO_LONG, 0, 6), W_OK(8, "hi")};
        feed_chunks("line,max=2", mode, c3, &l);
        assert_log_expected(&l, e3, NELEM(e3));
        flog_free(&l);
    }
}

static void test_delim_gaps(void **state)
{
    (void)state;
    static const step a[] = {DATA("abc"), GAP(2), DATA("de\nfg\n")};
    static const expect ea[] = {W_ERR(DESYNC, 0, 3), W_OK(8, "fg")};
    check_split_invariance("line", a, NELEM(a), ea, NELEM(ea));
    /* At a frame boundary the gap may still hide a delimiter. */
    static const step b[] = {DATA("x\n"), GAP(1), DATA("y\nz\n")};
    static const expect eb[] = {W_OK(0, "x"), W_ERR(DESYNC, 2, 0), W_OK(5, "z")};
    check_split_invariance("line", b, NELEM(b), eb, NELEM(eb));
    /* A gap while discarding an over-long frame. */
    static const step c[] = {DATA("abcd"), GAP(1), DATA("\nq\n")};
    static const expect ec[] = {W_ERR(DESYNC, 0, 4), W_OK(6, "q")};
    check_split_invariance("line,max=2", c, NELEM(c), ec, NELEM(ec));
    /* The partial match does not survive a gap: "\r" + gap + "\n" is no delimiter. */
    static const step d[] = {DATA("ab\r"), GAP(1), DATA("\nc\r\nd\r\n")};
    static const expect ed[] = {W_ERR(DESYNC, 0, 3), W_OK(8, "d")};
    check_split_invariance("delim:0d0a", d, NELEM(d), ed, NELEM(ed));
    /* More gaps while resynchronising report nothing new. */
    static const step g[] = {DATA("a"), GAP(1), DATA("b"), GAP(1), DATA("c\nd\n")};
    static const expect eg[] = {W_ERR(DESYNC, 0, 1), W_OK(6, "d")};
    check_split_invariance("line", g, NELEM(g), eg, NELEM(eg));
    /* Finish while resynchronising: nothing. */
    static const step h[] = {DATA("a\n"), GAP(4), DATA("bc")};
    static const expect eh[] = {W_OK(0, "a"), W_ERR(DESYNC, 2, 0)};
    check_split_invariance("line", h, NELEM(h), eh, NELEM(eh));
}

static void test_delim_incomplete(void **state)
{
    (void)state;
    static const step a[] = {DATA("ab\r")};
    static const expect ea[] = {W_ERR(INCOMPLETE, 0, 3)};
    check_split_invariance("delim:0d0a", a, NELEM(a), ea, NELEM(ea));
    /* Ending while discarding an over-long frame. */
    static const step b[] = {DATA("ok\nabcdef")};
    static const expect eb[] = {W_OK(0, "ok"), W_ERR(INCOMPLETE, 3, 6)};
    check_split_invariance("line,max=3", b, NELEM(b), eb, NELEM(eb));
}

typedef struct count_alloc {
    size_t calls, largest;
} count_alloc;

static void *ca_realloc(void *ctx, void *ptr, size_t size)
{
    count_alloc *a = ctx;
    a->calls++;
    if (size > a->largest) a->largest = size;
    return realloc(ptr, size);
}

static void ca_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

/* A peer that never sends the delimiter: memory stays bounded by max. */
static void test_delim_never_sent_is_bounded(void **state)
{
    (void)state;
    tcpsift_framer_config cfg = parse_spec("line,max=100");
    count_alloc ca = {0};
    tcpsift_framer_alloc hooks = {ca_realloc, ca_free, &ca};
    tcpsift_framer f;
    flog l = {0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, &hooks), TCPSIFT_OK);
    uint8_t chunk[7];
    memset(chunk, 'x', sizeof chunk);
    size_t total = 0;
    while (total < 100000) {
        assert_int_equal(tcpsift_framer_feed(&f, chunk, sizeof chunk, on_frame, &l), TCPSIFT_OK);
        total += sizeof chunk;
    }
    assert_true(ca.largest <= 100 + TCPSIFT_FRAMER_TAIL_SLACK + TCPSIFT_FRAMER_MAX_DELIM);
    assert_int_equal(l.n, 0);
    assert_int_equal(tcpsift_framer_feed(&f, (const uint8_t *)"\nyes\n", 5, on_frame, &l),
                     TCPSIFT_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].error, TCPSIFT_FRAME_TOO_LONG);
    assert_int_equal(l.v[0].len, total);
    assert_int_equal(l.v[1].error, TCPSIFT_FRAME_OK);
    assert_int_equal(l.v[1].offset, total + 1);
    assert_memory_equal(l.v[1].body, "yes", 3);
    tcpsift_framer_destroy(&f);
    flog_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_basic),
        cmocka_unit_test(test_line_max),
        cmocka_unit_test(test_delim_multibyte),
        cmocka_unit_test(test_delim_max_len),
        cmocka_unit_test(test_delim_too_long_resume),
        cmocka_unit_test(test_regression_partial_delimiter_while_discarding),
        cmocka_unit_test(test_delim_gaps),
        cmocka_unit_test(test_delim_incomplete),
        cmocka_unit_test(test_delim_never_sent_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Length-prefixed framing (`len:W...`): hand-written vectors, split
 * invariance at every cut, gaps, too_long resume, bad_length stop,
 * incomplete, and the varint-split regression (netty#17549). */
#include "test_framer_support.h"

static void test_len2_basic(void **state)
{
    (void)state;
    static const step s[] = {DATA("\x00\x05"
                                  "hello"
                                  "\x00\x00"
                                  "\x00\x03"
                                  "abc")};
    static const expect e[] = {W_OK(0, "hello"), W_OK(7, ""), W_OK(9, "abc")};
    check_split_invariance("len:2", s, NELEM(s), e, NELEM(e));
    check_split_invariance("len:2:be", s, NELEM(s), e, NELEM(e));
}

static void test_len_widths(void **state)
{
    (void)state;
    static const step s1[] = {DATA("\x02"
                                   "ab"
                                   "\x01"
                                   "c")};
    static const expect e1[] = {W_OK(0, "ab"), W_OK(3, "c")};
    check_split_invariance("len:1", s1, NELEM(s1), e1, NELEM(e1));
    static const step s3[] = {DATA("\x00\x00\x02"
                                   "ab")};
    static const expect e3[] = {W_OK(0, "ab")};
    check_split_invariance("len:3", s3, NELEM(s3), e3, NELEM(e3));
    static const step s3le[] = {DATA("\x02\x00\x00"
                                     "ab")};
    check_split_invariance("len:3:le", s3le, NELEM(s3le), e3, NELEM(e3));
    static const step s4le[] = {DATA("\x03\x00\x00\x00"
                                     "xyz")};
    static const expect e4[] = {W_OK(0, "xyz")};
    check_split_invariance("len:4:le", s4le, NELEM(s4le), e4, NELEM(e4));
    static const step s8[] = {DATA("\x00\x00\x00\x00\x00\x00\x00\x01"
                                   "Q"
                                   "\x01\x00\x00\x00\x00\x00\x00\x00"
                                   "R")};
    static const expect e8[] = {W_OK(0, "Q"), W_ERR(TOO_LONG, 9, UINT64_C(1) << 56)};
    check_split_invariance("len:8", s8, NELEM(s8), e8, NELEM(e8));
}

/* Negative adjust: the field counts the 2 header bytes, itself and the body
 * (adjust = -(offset + W)); max bounds the whole frame, checked after. */
static void test_len_offset_adjust_max(void **state)
{
    (void)state;
    static const step s[] = {DATA("AB"
                                  "\x09\x00\x00\x00"
                                  "xyz"
                                  "CD"
                                  "\x06\x00\x00\x00"
                                  "EF"
                                  "\x1e\x00\x00\x00"
                                  "XXXXXXXXXXXXXXXXXXXXXXXX"
                                  "GH"
                                  "\x14\x00\x00\x00"
                                  "0123456789abcd"
                                  "IJ"
                                  "\x15\x00\x00\x00"
                                  "0123456789abcde"
                                  "KL"
                                  "\x07\x00\x00\x00"
                                  "z")};
    static const expect e[] = {W_HDR(0, "AB", "xyz"),   W_HDR(9, "CD", ""),
                               W_ERR(TOO_LONG, 15, 24), W_HDR(45, "GH", "0123456789abcd"),
                               W_ERR(TOO_LONG, 65, 15), W_HDR(86, "KL", "z")};
    check_split_invariance("len:4:le,offset=2,adjust=-6,max=20", s, NELEM(s), e, NELEM(e));
}

/* tokio#4815: the maximum is checked after the adjustment. A field of 7 is
 * under max=10, but the frame is 1 + 7 + 3 = 11 bytes: too_long. */
static void test_len_max_after_positive_adjust(void **state)
{
    (void)state;
    static const step s[] = {DATA("\x06"
                                  "abcdefghi"
                                  "\x07"
                                  "abcdefghij"
                                  "\x00"
                                  "xyz")};
    static const expect e[] = {W_OK(0, "abcdefghi"), W_ERR(TOO_LONG, 10, 10), W_OK(21, "xyz")};
    check_split_invariance("len:1,adjust=3,max=10", s, NELEM(s), e, NELEM(e));
}

static uint8_t big_stream[2 + 300 + 8];
static char big_body[300];

static void test_len_varint(void **state)
{
    (void)state;
    /* 300 = 0xac 0x02 in base-128 */
    size_t n = 0;
    big_stream[n++] = 0xac;
    big_stream[n++] = 0x02;
    for (int i = 0; i < 300; i++)
        big_body[i] = (char)('a' + i % 26);
    memcpy(big_stream + n, big_body, 300);
    n += 300;
    static const step head = DATA("\x03"
                                  "abc");
    static const step tail = DATA("\x80\x00" /* non-canonical zero */
                                  "\x81\x00"
                                  "q" /* 1 */
                                  "\x85\x80\x80\x80\x80\x80\x80\x80\x80\x00"
                                  "12345"); /* 10-byte encoding of 5 */
    step s[3] = {head, {big_stream, n, 0}, tail};
    expect e[] = {W_OK(0, "abc"),
                  {TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, 4, 300, "", 0, big_body, 300},
                  W_OK(306, ""),
                  W_OK(308, "q"),
                  W_OK(311, "12345")};
    check_split_invariance("len:varint", s, NELEM(s), e, NELEM(e));
}

/* netty#17549: a varint split across chunks must decode as if whole. */
static void test_regression_varint_split(void **state)
{
    (void)state;
    tcpsift_framer_config cfg = parse_spec("len:varint,max=1000");
    uint8_t body[300];
    for (int i = 0; i < 300; i++)
        body[i] = (uint8_t)i;
    for (int m = 0; m < 2; m++) {
        tcpsift_framer f;
        flog l = {0};
        assert_int_equal(tcpsift_framer_init(
                             &f, &cfg, m ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL, NULL),
                         TCPSIFT_OK);
        static const uint8_t lo[1] = {0xac}, hi[1] = {0x02};
        assert_int_equal(tcpsift_framer_feed(&f, lo, 1, on_frame, &l), TCPSIFT_OK);
        assert_int_equal(l.n, 0);
        assert_int_equal(tcpsift_framer_feed(&f, hi, 1, on_frame, &l), TCPSIFT_OK);
        assert_int_equal(l.n, 0);
        assert_int_equal(tcpsift_framer_feed(&f, body, 299, on_frame, &l), TCPSIFT_OK);
        assert_int_equal(l.n, 0);
        assert_int_equal(tcpsift_framer_feed(&f, body + 299, 1, on_frame, &l), TCPSIFT_OK);
        assert_int_equal(l.n, 1);
        assert_int_equal(l.v[0].error, TCPSIFT_FRAME_OK);
        assert_int_equal(l.v[0].offset, 0);
        assert_int_equal(l.v[0].len, 300);
        assert_memory_equal(l.v[0].body, body, 300);
        assert_int_equal(tcpsift_framer_finish(&f, on_frame, &l), TCPSIFT_OK);
        assert_int_equal(l.n, 1);
        tcpsift_framer_destroy(&f);
        flog_free(&l);
    }
}

static void test_len_varint_overflow(void **state)
{
    (void)state;
    /* Ten bytes whose last carries more than bit 63: over 64 bits. */
    static const step s1[] = {DATA("\x01"
                                   "a"
                                   "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02"
                                   "zzz\x01"
                                   "b")};
    static const expect e1[] = {W_OK(0, "a"), W_ERR(BAD_LENGTH, 2, 0)};
    check_split_invariance("len:varint", s1, NELEM(s1), e1, NELEM(e1));
    /* An eleventh byte (continuation bit on the tenth). */
    static const step s2[] = {DATA("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"
                                   "q")};
    static const expect e2[] = {W_ERR(BAD_LENGTH, 0, 0)};
    check_split_invariance("len:varint", s2, NELEM(s2), e2, NELEM(e2));
    /* 2^64 - 1 fits the varint but the frame is beyond 2^63. */
    static const step s3[] = {DATA("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")};
    check_split_invariance("len:varint", s3, NELEM(s3), e2, NELEM(e2));
}

static void test_len_bad_length_stops(void **state)
{
    (void)state;
    static const step s[] = {DATA("\x00\x06"
                                  "ab"
                                  "\x00\x03"
                                  "\x00\x05"
                                  "x")};
    static const expect e[] = {W_OK(0, "ab"), W_ERR(BAD_LENGTH, 4, 0)};
    check_split_invariance("len:2,adjust=-4", s, NELEM(s), e, NELEM(e));
    /* 2^63 in 8 bytes: 8 + 2^63 is beyond 2^63. */
    static const step s8[] = {DATA("\x80\x00\x00\x00\x00\x00\x00\x00"
                                   "abc")};
    static const expect e8[] = {W_ERR(BAD_LENGTH, 0, 0)};
    check_split_invariance("len:8", s8, NELEM(s8), e8, NELEM(e8));
    /* 2^63 - 9: the whole frame is 2^63 - 1, possible but over max. */
    static const step s9[] = {DATA("\x7f\xff\xff\xff\xff\xff\xff\xf7"
                                   "abc")};
    static const expect e9[] = {W_ERR(TOO_LONG, 0, (UINT64_C(1) << 63) - 9)};
    check_split_invariance("len:8", s9, NELEM(s9), e9, NELEM(e9));

    tcpsift_framer_config cfg = parse_spec("len:2,adjust=-4");
    tcpsift_framer f;
    flog l = {0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, (const uint8_t *)"\x00\x01", 2, on_frame, &l),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_stopped(&f), 1);
    assert_int_equal(tcpsift_framer_feed(&f, (const uint8_t *)"\x00\x04", 2, on_frame, &l),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_offset(&f), 4);
    assert_int_equal(l.n, 1);
    tcpsift_framer_destroy(&f);
    flog_free(&l);
}

static void test_len_gaps(void **state)
{
    (void)state;
    /* Gap inside a body: truncated with the known part, resume at its end. */
    static const step a[] = {DATA("\x00\x05"
                                  "he"),
                             GAP(3),
                             DATA("\x00\x02"
                                  "ok")};
    static const expect ea[] = {W_TRUNC(0, 5, "", "he"), W_OK(7, "ok")};
    check_split_invariance("len:2", a, NELEM(a), ea, NELEM(ea));
    /* Gap running past the body into the next header: truncated, then desync. */
    static const step b[] = {DATA("\x00\x05"
                                  "he"),
                             GAP(5),
                             DATA("\x00\x02"
                                  "ok")};
    static const expect eb[] = {W_TRUNC(0, 5, "", "he"), W_ERR(DESYNC, 7, 0)};
    check_split_invariance("len:2", b, NELEM(b), eb, NELEM(eb));
    /* Gap inside the length field. */
    static const step c[] = {DATA("\x00"), GAP(1), DATA("ab")};
    static const expect ec[] = {W_ERR(DESYNC, 0, 0)};
    check_split_invariance("len:2", c, NELEM(c), ec, NELEM(ec));
    /* Gap exactly at a frame boundary swallows the next header. */
    static const step d[] = {DATA("\x00\x01"
                                  "a"),
                             GAP(2),
                             DATA("\x00\x01"
                                  "b")};
    static const expect ed[] = {W_OK(0, "a"), W_ERR(DESYNC, 3, 0)};
    check_split_invariance("len:2", d, NELEM(d), ed, NELEM(ed));
    /* Gap inside a too_long skip: exactly 9 body bytes are skipped. */
    static const step e[] = {DATA("\x09"
                                  "ab"),
                             GAP(3),
                             DATA("cdef"
                                  "\x01"
                                  "z")};
    static const expect ee[] = {W_ERR(TOO_LONG, 0, 9), W_OK(10, "z")};
    check_split_invariance("len:1,max=4", e, NELEM(e), ee, NELEM(ee));
    /* Truncated keeps the offset=N header bytes; gap at the very start of a body. */
    static const step g[] = {DATA("HH"
                                  "\x04"
                                  "ab"),
                             GAP(2),
                             DATA("HH"
                                  "\x03"),
                             GAP(3),
                             DATA("HH"
                                  "\x01"
                                  "c")};
    static const expect eg[] = {W_TRUNC(0, 4, "HH", "ab"), W_TRUNC(7, 3, "HH", ""),
                                W_HDR(13, "HH", "c")};
    check_split_invariance("len:1,offset=2", g, NELEM(g), eg, NELEM(eg));
}

static void test_len_incomplete(void **state)
{
    (void)state;
    static const step a[] = {DATA("\x00\x05"
                                  "he")};
    static const expect ea[] = {W_ERR(INCOMPLETE, 0, 5)};
    check_split_invariance("len:2", a, NELEM(a), ea, NELEM(ea));
    static const step b[] = {DATA("\x00\x01"
                                  "a"
                                  "\x00")};
    static const expect eb[] = {W_OK(0, "a"), W_ERR(INCOMPLETE, 3, 0)};
    check_split_invariance("len:2", b, NELEM(b), eb, NELEM(eb));
    static const step c[] = {DATA("")};
    check_split_invariance("len:2", c, NELEM(c), NULL, 0);
    /* Ending during a too_long skip: already reported, nothing more. */
    static const step d[] = {DATA("\x09"
                                  "ab")};
    static const expect ed[] = {W_ERR(TOO_LONG, 0, 9)};
    check_split_invariance("len:1,max=4", d, NELEM(d), ed, NELEM(ed));
}

/* Frame views: one chunk = one view into it; STABLE = views into each chunk. */
typedef struct view_probe {
    size_t n;
    tcpsift_bytes segs[TCPSIFT_FRAMER_MAX_VIEWS + 1];
    size_t nsegs;
} view_probe;

static void on_probe(void *ctx, const tcpsift_frame *fr)
{
    view_probe *p = ctx;
    p->n++;
    assert_true(fr->nsegs <= TCPSIFT_FRAMER_MAX_VIEWS + 1);
    p->nsegs = fr->nsegs;
    memcpy(p->segs, fr->segs, fr->nsegs * sizeof *fr->segs);
}

static void test_len_zero_copy_views(void **state)
{
    (void)state;
    tcpsift_framer_config cfg = parse_spec("len:2");
    for (int m = 0; m < 2; m++) {
        tcpsift_framer f;
        view_probe p = {0};
        assert_int_equal(tcpsift_framer_init(
                             &f, &cfg, m ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL, NULL),
                         TCPSIFT_OK);
        static const uint8_t chunk[] = {0, 3, 'a', 'b', 'c', 0, 1, 'd'};
        assert_int_equal(tcpsift_framer_feed(&f, chunk, sizeof chunk, on_probe, &p), TCPSIFT_OK);
        assert_int_equal(p.n, 2);
        assert_int_equal(p.nsegs, 1);
        assert_ptr_equal(p.segs[0].ptr, chunk + 7);
        tcpsift_framer_destroy(&f);
    }
    /* STABLE: a frame over three chunks is a list of views into them. */
    tcpsift_framer f;
    view_probe p = {0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_STABLE, NULL), TCPSIFT_OK);
    /* Slices of one buffer with a byte between them, so the chunks can never
     * be adjacent in memory (the framer rightly merges touching views). */
    static const uint8_t buf[] = {0, 6, 'a', '|', 'b', 'c', '|', 'd', 'e', 'f'};
    const uint8_t *c1 = buf, *c2 = buf + 4, *c3 = buf + 7;
    assert_int_equal(tcpsift_framer_feed(&f, c1, 3, on_probe, &p), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, c2, 2, on_probe, &p), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, c3, 3, on_probe, &p), TCPSIFT_OK);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.nsegs, 3);
    assert_ptr_equal(p.segs[0].ptr, c1 + 2);
    assert_int_equal(p.segs[0].len, 1);
    assert_ptr_equal(p.segs[1].ptr, c2);
    assert_int_equal(p.segs[1].len, 2);
    assert_ptr_equal(p.segs[2].ptr, c3);
    assert_int_equal(p.segs[2].len, 3);
    assert_int_equal(f.state.tail_cap, 0); /* nothing was copied */
    tcpsift_framer_destroy(&f);
}

/* STABLE with more pieces than views: falls back to copying, same bytes. */
static void test_len_stable_view_overflow(void **state)
{
    (void)state;
    tcpsift_framer_config cfg = parse_spec("len:1");
    uint8_t spaced[2 * 41]; /* byte i at spaced[2i]: chunks never adjacent */
    uint8_t want[40];
    spaced[0] = 40;
    for (int i = 0; i < 40; i++) {
        want[i] = (uint8_t)(0x30 + i);
        spaced[2 * (i + 1)] = want[i];
    }
    tcpsift_framer f;
    flog l = {0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_STABLE, NULL), TCPSIFT_OK);
    for (int i = 0; i <= 40; i++)
        assert_int_equal(tcpsift_framer_feed(&f, spaced + 2 * i, 1, on_frame, &l), TCPSIFT_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].len, 40);
    assert_memory_equal(l.v[0].body, want, 40);
    assert_true(l.v[0].nsegs >= 1 && l.v[0].nsegs <= TCPSIFT_FRAMER_MAX_VIEWS + 1);
    tcpsift_framer_destroy(&f);
    flog_free(&l);
}

/* Allocation: never by a declared length; failures are sticky. */
typedef struct count_alloc {
    size_t calls, largest;
    int fail;
} count_alloc;

static void *ca_realloc(void *ctx, void *ptr, size_t size)
{
    count_alloc *a = ctx;
    a->calls++;
    if (size > a->largest) a->largest = size;
    if (a->fail) return NULL;
    return realloc(ptr, size);
}

static void ca_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

static void test_len_alloc_bounded(void **state)
{
    (void)state;
    /* A 2 GiB declared body (allowed by max) with 10 bytes present. */
    tcpsift_framer_config cfg = parse_spec("len:4,max=4294967296");
    count_alloc ca = {0};
    tcpsift_framer_alloc hooks = {ca_realloc, ca_free, &ca};
    tcpsift_framer f;
    flog l = {0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, &hooks), TCPSIFT_OK);
    static const uint8_t s[] = {0x80, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    for (size_t i = 0; i < sizeof s; i++) {
        uint8_t b = s[i];
        assert_int_equal(tcpsift_framer_feed(&f, &b, 1, on_frame, &l), TCPSIFT_OK);
    }
    assert_true(ca.calls >= 1);
    assert_true(ca.largest <= 256);
    assert_int_equal(tcpsift_framer_finish(&f, on_frame, &l), TCPSIFT_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].error, TCPSIFT_FRAME_INCOMPLETE);
    assert_int_equal(l.v[0].len, UINT64_C(0x80000000));
    tcpsift_framer_destroy(&f);
    flog_free(&l);

    /* Over-long frames are skipped without any allocation. */
    cfg = parse_spec("len:4");
    ca = (count_alloc){0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, &hooks), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, s, sizeof s, on_frame, &l), TCPSIFT_OK);
    for (int i = 0; i < 100; i++)
        assert_int_equal(tcpsift_framer_feed(&f, s, sizeof s, on_frame, &l), TCPSIFT_OK);
    assert_int_equal(ca.calls, 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].error, TCPSIFT_FRAME_TOO_LONG);
    tcpsift_framer_destroy(&f);
    flog_free(&l);

    /* A failing allocator: NO_MEMORY, sticky. */
    cfg = parse_spec("len:2");
    ca = (count_alloc){0, 0, 1};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, &hooks), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, s + 3, 2, on_frame, &l), TCPSIFT_E_NO_MEMORY);
    assert_int_equal(tcpsift_framer_feed(&f, s + 5, 2, on_frame, &l), TCPSIFT_E_NO_MEMORY);
    assert_int_equal(tcpsift_framer_stopped(&f), 1);
    assert_int_equal(l.n, 0);
    tcpsift_framer_destroy(&f);
}

static void test_len_api_misuse(void **state)
{
    (void)state;
    tcpsift_framer_config cfg = parse_spec("len:2");
    tcpsift_framer f;
    flog l = {0};
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, NULL, 3, on_frame, &l), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_framer_gap(&f, UINT64_MAX, on_frame, &l), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_gap(&f, 1, on_frame, &l), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_framer_finish(&f, on_frame, &l), TCPSIFT_OK);
    assert_int_equal(tcpsift_framer_feed(&f, (const uint8_t *)"a", 1, on_frame, &l),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_framer_finish(&f, on_frame, &l), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].error, TCPSIFT_FRAME_DESYNC);
    tcpsift_framer_destroy(&f);
    flog_free(&l);
    cfg.width = 5;
    assert_int_equal(tcpsift_framer_init(&f, &cfg, TCPSIFT_FRAMER_COPY_TAIL, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_len2_basic),
        cmocka_unit_test(test_len_widths),
        cmocka_unit_test(test_len_offset_adjust_max),
        cmocka_unit_test(test_len_max_after_positive_adjust),
        cmocka_unit_test(test_len_varint),
        cmocka_unit_test(test_regression_varint_split),
        cmocka_unit_test(test_len_varint_overflow),
        cmocka_unit_test(test_len_bad_length_stops),
        cmocka_unit_test(test_len_gaps),
        cmocka_unit_test(test_len_incomplete),
        cmocka_unit_test(test_len_zero_copy_views),
        cmocka_unit_test(test_len_stable_view_overflow),
        cmocka_unit_test(test_len_alloc_bounded),
        cmocka_unit_test(test_len_api_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* json-header framing: header then body frames, the bounded JSON reader
 * (found / missing / duplicate / non-integer / negative / overflow / depth),
 * split invariance, gaps, too_long, incomplete. */
#include "test_framer_support.h"

#include "framer_internal.h"

/* Builds "W-byte big-endian length, json, body" messages. */
typedef struct msgbuf {
    uint8_t b[4096];
    size_t n;
} msgbuf;

static uint64_t msg_add(msgbuf *m, unsigned w, int le, const char *json, const char *body)
{
    uint64_t at = m->n;
    size_t jl = strlen(json), bl = strlen(body);
    for (unsigned i = 0; i < w; i++) {
        unsigned shift = le ? 8 * i : 8 * (w - 1 - i);
        m->b[m->n++] = (uint8_t)((uint64_t)jl >> shift);
    }
    memcpy(m->b + m->n, json, jl);
    m->n += jl;
    memcpy(m->b + m->n, body, bl);
    m->n += bl;
    return at;
}

#define HDR(off, json)                                                                             \
    {                                                                                              \
        TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_OK, (off), strlen(json), "", 0, (json), strlen(json)   \
    }
#define BODY(off, s)                                                                               \
    {                                                                                              \
        TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_OK, (off), strlen(s), "", 0, (s), strlen(s)              \
    }

static void test_json_messages(void **state)
{
    (void)state;
    static msgbuf m;
    m.n = 0;
    const char *j1 = "{\"size\":3,\"x\":[1,{\"a\":null},true,false,-1.5e3,\"}\\\"\"],\"s\":\"q\"}";
    const char *j2 = "{\"size\":0}";
    const char *j3 = " { \"type\" : \"x\" ,\r\n\t\"size\" : 5 } ";
    const char *j4 = "{\"si\\u007ae\":2,\"sizes\":9,\"\\u00e9\":1}";
    uint64_t o1 = msg_add(&m, 2, 0, j1, "abc");
    uint64_t o2 = msg_add(&m, 2, 0, j2, "");
    uint64_t o3 = msg_add(&m, 2, 0, j3, "hello");
    uint64_t o4 = msg_add(&m, 2, 0, j4, "hi");
    step s[] = {{m.b, m.n, 0}};
    expect e[] = {HDR(o1, j1), BODY(o1 + 2 + strlen(j1), "abc"),
                  HDR(o2, j2), BODY(o2 + 2 + strlen(j2), ""),
                  HDR(o3, j3), BODY(o3 + 2 + strlen(j3), "hello"),
                  HDR(o4, j4), BODY(o4 + 2 + strlen(j4), "hi")};
    check_split_invariance("json-header:2", s, NELEM(s), e, NELEM(e));

    static msgbuf k;
    k.n = 0;
    const char *jk = "{\"size\":\"big\",\"len\":2}";
    uint64_t ok = msg_add(&k, 4, 1, jk, "hi");
    step sk[] = {{k.b, k.n, 0}};
    expect ek[] = {HDR(ok, jk), BODY(ok + 4 + strlen(jk), "hi")};
    check_split_invariance("json-header:4:le,key=len", sk, NELEM(sk), ek, NELEM(ek));

    /* A key beyond U+FFFF (U+1F600, UTF-8 f0 9f 98 80) written as a surrogate pair escape is the
     * same string (RFC 8259 section 7); a lone or reversed surrogate is no character, so those
     * keys are other strings (were either taken, the key would be duplicated: bad_length). */
    static msgbuf u;
    u.n = 0;
    const char *ju1 = "{\"\\ud83d\\ude00\":3}";
    const char *ju2 = "{\"\\ud83d\\ud83d\\ude00\":7,\"\\ude00\\ud83d\":7,\"\\ud83d\":7,"
                      "\"\\ud83dx\":7,\"\\ud83d\\u0041\":7,\"\xf0\x9f\x98\x80\":2}";
    uint64_t ou1 = msg_add(&u, 2, 0, ju1, "abc");
    uint64_t ou2 = msg_add(&u, 2, 0, ju2, "hi");
    step su[] = {{u.b, u.n, 0}};
    expect eu[] = {HDR(ou1, ju1), BODY(ou1 + 2 + strlen(ju1), "abc"), HDR(ou2, ju2),
                   BODY(ou2 + 2 + strlen(ju2), "hi")};
    check_split_invariance("json-header:2,key=\xf0\x9f\x98\x80", su, NELEM(su), eu, NELEM(eu));
}

/* Each bad header: the header frame, then bad_length for the body; stop. */
static void test_json_bad_headers(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"size\":-1}",
        "{\"size\":1.5}",
        "{\"size\":1e2}",
        "{\"size\":\"3\"}",
        "{\"x\":1}",
        "{\"size\":1,\"size\":1}",
        "{\"size\":18446744073709551616}",
        "{\"a\":{\"size\":3}}",
        "[1]",
        "{\"size\":1}x",
        "{\"size\":01}",
        "{\"size\":1,}",
        "{\"size\" 1}",
        "{\"size\":tru}",
        "{\"s\":\"\x01\"}",
        "{\"s\":\"\\q\"}",
        "",
        "{\"size\":9223372036854775809}",
        ("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"
         "\"size\":1}"),
    };
    for (size_t i = 0; i < NELEM(bad); i++) {
        static msgbuf m;
        m.n = 0;
        msg_add(&m, 2, 0, bad[i], "abcdefgh");
        msg_add(&m, 2, 0, "{\"size\":1}", "z"); /* never reached: stopped */
        step s[] = {{m.b, m.n, 0}};
        size_t hl = strlen(bad[i]);
        expect e[] = {HDR(0, bad[i]), J_ERR(BODY, BAD_LENGTH, 2 + hl, 0)};
        check_split_invariance("json-header:2", s, NELEM(s), e, NELEM(e));
    }
}

/* The largest body the contract allows parses; depth 32 is accepted. */
static void test_json_reader_limits(void **state)
{
    (void)state;
    uint64_t v = 0;
    const char *max64 = "{\"size\":18446744073709551615}";
    tcpsift_bytes one = {(const uint8_t *)max64, strlen(max64)};
    assert_int_equal(framer_json_find_uint(&one, 1, "size", 4, &v), 1);
    assert_true(v == UINT64_MAX);
    char deep[256];
    size_t n = 0;
    n += (size_t)sprintf(deep + n, "{\"a\":");
    for (int i = 0; i < TCPSIFT_FRAMER_JSON_MAX_DEPTH - 1; i++)
        deep[n++] = '[';
    for (int i = 0; i < TCPSIFT_FRAMER_JSON_MAX_DEPTH - 1; i++)
        deep[n++] = ']';
    n += (size_t)sprintf(deep + n, ",\"size\":7}");
    tcpsift_bytes d = {(const uint8_t *)deep, n};
    assert_int_equal(framer_json_find_uint(&d, 1, "size", 4, &v), 1);
    assert_int_equal(v, 7);
    /* One level more is refused. */
    memmove(deep + 6, deep + 5, n - 5);
    deep[5] = '[';
    memmove(deep + 6 + TCPSIFT_FRAMER_JSON_MAX_DEPTH, deep + 5 + TCPSIFT_FRAMER_JSON_MAX_DEPTH,
            n + 1 - 5 - TCPSIFT_FRAMER_JSON_MAX_DEPTH);
    deep[5 + TCPSIFT_FRAMER_JSON_MAX_DEPTH] = ']';
    d.len = n + 2;
    assert_int_equal(framer_json_find_uint(&d, 1, "size", 4, &v), 0);
    /* Every split of a header into segments reads the same. */
    const char *j = "{\"x\":[1,2,{\"y\":\"\\u0041\\\"\"}],\"size\" : 12345 , \"z\":-0.5e-3}";
    size_t jl = strlen(j);
    for (size_t cut1 = 0; cut1 <= jl; cut1++) {
        for (size_t cut2 = cut1; cut2 <= jl; cut2 += 3) {
            tcpsift_bytes segs[3] = {{(const uint8_t *)j, cut1},
                                     {(const uint8_t *)j + cut1, cut2 - cut1},
                                     {(const uint8_t *)j + cut2, jl - cut2}};
            v = 0;
            assert_int_equal(framer_json_find_uint(segs, 3, "size", 4, &v), 1);
            assert_int_equal(v, 12345);
        }
    }
    assert_int_equal(framer_json_find_uint(NULL, 0, "size", 4, &v), 0);
}

static void test_json_too_long(void **state)
{
    (void)state;
    /* Body over max: skipped exactly, framing resumes. */
    static msgbuf m;
    m.n = 0;
    const char *j1 = "{\"size\":20}";
    const char *j2 = "{\"size\":1}";
    msg_add(&m, 1, 0, j1, "01234567890123456789");
    uint64_t o2 = msg_add(&m, 1, 0, j2, "z");
    step s[] = {{m.b, m.n, 0}};
    expect e[] = {HDR(0, j1), J_ERR(BODY, TOO_LONG, 12, 20), HDR(o2, j2),
                  BODY(o2 + 1 + strlen(j2), "z")};
    check_split_invariance("json-header:1,max=12", s, NELEM(s), e, NELEM(e));
    /* Header over max: the body length is inside it, so the direction stops. */
    static msgbuf h;
    h.n = 0;
    msg_add(&h, 1, 0, "{\"size\":11}", "01234567890");
    msg_add(&h, 1, 0, j2, "z");
    step sh[] = {{h.b, h.n, 0}};
    expect eh[] = {J_ERR(HEADER, TOO_LONG, 0, 11)};
    check_split_invariance("json-header:1,max=10", sh, NELEM(sh), eh, NELEM(eh));
}

static void test_json_gaps_and_incomplete(void **state)
{
    (void)state;
    const char *j = "{\"size\":4}";
    size_t jl = strlen(j);
    static msgbuf a;
    a.n = 0;
    msg_add(&a, 2, 0, j, "ab");
    static msgbuf b;
    b.n = 0;
    msg_add(&b, 2, 0, "{\"size\":1}", "z");
    /* Gap inside a body: truncated (known part), resume at the next message. */
    step s1[] = {{a.b, a.n, 0}, GAP(2), {b.b, b.n, 0}};
    uint64_t o2 = a.n + 2;
    expect e1[] = {HDR(0, j),
                   {TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_TRUNCATED, 2 + jl, 4, "", 0, "ab", 2},
                   HDR(o2, "{\"size\":1}"),
                   BODY(o2 + 2 + 10, "z")};
    check_split_invariance("json-header:2", s1, NELEM(s1), e1, NELEM(e1));
    /* Gap inside the JSON header: desync, stop. */
    step s2[] = {{a.b, 5, 0}, GAP(3), {b.b, b.n, 0}};
    expect e2[] = {J_ERR(HEADER, DESYNC, 0, 0)};
    check_split_invariance("json-header:2", s2, NELEM(s2), e2, NELEM(e2));
    /* Gap over the rest of the body and into the next message. */
    step s3[] = {{a.b, a.n, 0}, GAP(3), {b.b, b.n, 0}};
    expect e3[] = {HDR(0, j),
                   {TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_TRUNCATED, 2 + jl, 4, "", 0, "ab", 2},
                   J_ERR(HEADER, DESYNC, a.n + 2, 0)};
    check_split_invariance("json-header:2", s3, NELEM(s3), e3, NELEM(e3));
    /* Ends inside the header, inside the body, inside the length. */
    step s4[] = {{a.b, 5, 0}};
    expect e4[] = {J_ERR(HEADER, INCOMPLETE, 0, jl)};
    check_split_invariance("json-header:2", s4, NELEM(s4), e4, NELEM(e4));
    step s5[] = {{a.b, a.n, 0}};
    expect e5[] = {HDR(0, j), J_ERR(BODY, INCOMPLETE, 2 + jl, 4)};
    check_split_invariance("json-header:2", s5, NELEM(s5), e5, NELEM(e5));
    step s6[] = {{a.b, 1, 0}};
    expect e6[] = {J_ERR(HEADER, INCOMPLETE, 0, 0)};
    check_split_invariance("json-header:2", s6, NELEM(s6), e6, NELEM(e6));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_messages),
        cmocka_unit_test(test_json_bad_headers),
        cmocka_unit_test(test_json_reader_limits),
        cmocka_unit_test(test_json_too_long),
        cmocka_unit_test(test_json_gaps_and_incomplete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

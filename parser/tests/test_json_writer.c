/* The CLI's JSON Lines writer (tools/json_writer.c), whose per-frame path is inline in its
 * header: every number printf would print, literal and escaped strings, and lines crossing its
 * 64 KiB buffer at every offset, compared byte for byte with snprintf-built expectations. */
#define _GNU_SOURCE /* open_memstream */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_writer.h"

typedef struct sink {
    FILE *f;
    char *text;
    size_t len;
    json_writer w;
} sink;

static void sink_open(sink *s)
{
    s->text = NULL;
    s->len = 0;
    s->f = open_memstream(&s->text, &s->len);
    assert_non_null(s->f);
    jw_init(&s->w, s->f);
}

/* Everything written, NUL-terminated; the caller frees it. */
static char *sink_close(sink *s)
{
    jw_flush(&s->w);
    assert_int_equal(s->w.failed, 0);
    assert_int_equal(fclose(s->f), 0);
    return s->text;
}

/* A growing expected text. */
typedef struct expect {
    char *text;
    size_t len, cap;
} expect;

static void expect_add(expect *e, const char *fmt, ...)
{
    va_list ap;
    char piece[256];
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof piece);
    if (e->len + (size_t)n + 1 > e->cap) {
        e->cap = (e->len + (size_t)n + 1) * 2;
        e->text = realloc(e->text, e->cap);
        assert_non_null(e->text);
    }
    memcpy(e->text + e->len, piece, (size_t)n + 1);
    e->len += (size_t)n;
}

/* Values around every power of ten, the extremes, and a deterministic spread. */
static size_t test_values(uint64_t *out, size_t max)
{
    size_t n = 0;
    uint64_t p = 1;
    for (int k = 0; k <= 19; k++) {
        uint64_t around[] = {p - 1, p, p + 1, p * 2 - 1, p * 5, p * 9 + (p - 1)};
        for (size_t i = 0; i < sizeof around / sizeof around[0] && n < max; i++) out[n++] = around[i];
        if (k < 19) p *= 10;
    }
    out[n++] = UINT64_MAX;
    out[n++] = UINT64_MAX - 1;
    out[n++] = (uint64_t)INT64_MAX;
    uint64_t x = 0x9E3779B97F4A7C15u;
    while (n < max) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[n++] = x >> (x & 63); /* every magnitude */
    }
    return n;
}

static void test_numbers_as_printf(void **state)
{
    (void)state;
    uint64_t v[2000];
    size_t n = test_values(v, sizeof v / sizeof v[0]);
    sink s;
    expect e = {0};
    sink_open(&s);
    for (size_t i = 0; i < n; i++) {
        jw_object_begin(&s.w);
        jw_key_u64(&s.w, "u", v[i]);
        jw_key_i64(&s.w, "i", (int64_t)v[i]);
        jw_key_i64(&s.w, "neg", -(int64_t)(v[i] >> 1));
        jw_object_end(&s.w);
        jw_line_end(&s.w);
        expect_add(&e, "{\"u\":%" PRIu64 ",\"i\":%" PRId64 ",\"neg\":%" PRId64 "}\n", v[i],
                   (int64_t)v[i], -(int64_t)(v[i] >> 1));
    }
    jw_object_begin(&s.w);
    jw_key_i64(&s.w, "min", INT64_MIN);
    jw_object_end(&s.w);
    jw_line_end(&s.w);
    expect_add(&e, "{\"min\":%" PRId64 "}\n", INT64_MIN);
    char *got = sink_close(&s);
    assert_string_equal(got, e.text);
    free(got);
    free(e.text);
}

static void test_strings_literal_and_escaped(void **state)
{
    (void)state;
    sink s;
    sink_open(&s);
    jw_object_begin(&s.w);
    jw_key_literal(&s.w, "dir", "c2s");
    jw_key_str(&s.w, "s", "a\"b\\c\n\x01z");
    jw_key_str(&s.w, "empty", "");
    jw_key_literal(&s.w, "e", "");
    jw_key_bool(&s.w, "t", 1);
    jw_key_object_begin(&s.w, "o");
    jw_key_u64(&s.w, "x", 7);
    jw_object_end(&s.w);
    jw_key_array_begin(&s.w, "a");
    jw_u64(&s.w, 1);
    jw_u64(&s.w, 23);
    jw_str(&s.w, "q");
    jw_array_end(&s.w);
    jw_object_end(&s.w);
    jw_line_end(&s.w);
    jw_object_begin(&s.w);
    jw_object_end(&s.w);
    jw_line_end(&s.w);
    char *got = sink_close(&s);
    assert_string_equal(got, "{\"dir\":\"c2s\",\"s\":\"a\\\"b\\\\c\\u000a\\u0001z\",\"empty\":\"\","
                             "\"e\":\"\",\"t\":true,\"o\":{\"x\":7},\"a\":[1,23,\"q\"]}\n{}\n");
    free(got);
}

/* Strings are UTF-8 whatever bytes they are given (a file name is any bytes): well-formed
 * sequences of every length pass unchanged, and each byte of an ill-formed one (a stray
 * continuation, a truncated sequence, an overlong form, a surrogate, past U+10FFFF, 0xFE/0xFF)
 * becomes \ufffd. */
static void test_strings_invalid_utf8_replaced(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", /* 2, 3, 4 bytes; U+10FFFF */
         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"},
        {"bad\xff\xfeutf8.pcap", "bad\\ufffd\\ufffdutf8.pcap"},
        {"\x80x", "\\ufffdx"},                           /* a continuation byte alone */
        {"\xc3", "\\ufffd"},                             /* cut at the string's end */
        {"\xe2\x82", "\\ufffd\\ufffd"},                  /* likewise, 3-byte */
        {"\xc0\xaf", "\\ufffd\\ufffd"},                  /* overlong '/' */
        {"\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd"},       /* overlong, 3-byte */
        {"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"},       /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"}, /* U+110000 */
        {"\xc3\"", "\\ufffd\\\""},                       /* cut by a quote, which is escaped */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sink s;
        sink_open(&s);
        jw_object_begin(&s.w);
        jw_key_str(&s.w, "file", cases[i].in);
        jw_object_end(&s.w);
        char *got = sink_close(&s);
        char want[128];
        snprintf(want, sizeof want, "{\"file\":\"%s\"}", cases[i].out);
        assert_string_equal(got, want);
        free(got);
    }
}

/* Frame lines as `tcpsift frames --no-data` writes them, through several buffer flushes: one
 * line's position in the buffer shifts by one byte to the next, so every key and number meets
 * the buffer's end at every offset. */
static void test_lines_across_buffer_flushes(void **state)
{
    (void)state;
    sink s;
    expect e = {0};
    sink_open(&s);
    uint64_t x = 12345;
    for (uint64_t i = 0; i < 40000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t conn = i % 977, off = x >> 40, len = (x >> 20) & 0xFFFFF;
        const char *dir = (x & 1) ? "s2c" : "c2s";
        jw_object_begin(&s.w);
        jw_key_u64(&s.w, "conn", conn);
        jw_key_literal(&s.w, "dir", dir);
        jw_key_u64(&s.w, "offset", off);
        jw_key_u64(&s.w, "len", len);
        jw_object_end(&s.w);
        jw_line_end(&s.w);
        expect_add(&e, "{\"conn\":%" PRIu64 ",\"dir\":\"%s\",\"offset\":%" PRIu64 ",\"len\":%" PRIu64
                       "}\n",
                   conn, dir, off, len);
    }
    char *got = sink_close(&s);
    assert_true(e.len > 3 * sizeof s.w.buf); /* it did cross the buffer */
    assert_int_equal(strlen(got), e.len);
    assert_memory_equal(got, e.text, e.len);
    free(got);
    free(e.text);
}

/* jw_frame_line against the same line written key by key, for numbers of every length (every
 * power of ten and its neighbours, the extremes) and lines meeting the buffer's end at every
 * offset; a pending comma is kept as jw_object_begin keeps it. */
static void test_frame_line_as_key_by_key(void **state)
{
    (void)state;
    uint64_t v[600];
    size_t n = test_values(v, sizeof v / sizeof v[0]);
    sink fast, ref;
    sink_open(&fast);
    sink_open(&ref);
    for (int round = 0; round < 40; round++) {
        for (size_t i = 0; i < n; i++) {
            uint64_t conn = v[i], off = v[(i + 7 * (size_t)round + 1) % n], len = v[(i * 13) % n];
            int s2c = (int)((i + (size_t)round) & 1);
            jw_frame_line(&fast.w, conn, s2c, off, len);
            jw_object_begin(&ref.w);
            jw_key_u64(&ref.w, "conn", conn);
            jw_key_literal(&ref.w, "dir", s2c ? "s2c" : "c2s");
            jw_key_u64(&ref.w, "offset", off);
            jw_key_u64(&ref.w, "len", len);
            jw_object_end(&ref.w);
            jw_line_end(&ref.w);
        }
    }
    /* after a value at top level (need_comma set): both write the comma first */
    jw_u64(&fast.w, 1);
    jw_frame_line(&fast.w, 2, 0, 3, 4);
    jw_u64(&ref.w, 1);
    jw_object_begin(&ref.w);
    jw_key_u64(&ref.w, "conn", 2);
    jw_key_literal(&ref.w, "dir", "c2s");
    jw_key_u64(&ref.w, "offset", 3);
    jw_key_u64(&ref.w, "len", 4);
    jw_object_end(&ref.w);
    jw_line_end(&ref.w);
    char *got = sink_close(&fast), *want = sink_close(&ref);
    assert_true(strlen(want) > 3 * sizeof fast.w.buf); /* it did cross the buffer */
    assert_string_equal(got, want);
    free(got);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_as_printf),
        cmocka_unit_test(test_strings_literal_and_escaped),
        cmocka_unit_test(test_strings_invalid_utf8_replaced),
        cmocka_unit_test(test_lines_across_buffer_flushes),
        cmocka_unit_test(test_frame_line_as_key_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

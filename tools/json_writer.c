/* JSON Lines output, buffered: the CLI prints one object per frame or
 * connection, so formatting cost matters; integers avoid printf. */
#include "json_writer.h"

#include <string.h>

void jw_init(json_writer *w, FILE *out)
{
    w->out = out;
    w->used = 0;
    w->need_comma = 0;
    w->failed = 0;
}

const uint64_t jw_pow10[19] = {
    UINT64_C(10),
    UINT64_C(100),
    UINT64_C(1000),
    UINT64_C(10000),
    UINT64_C(100000),
    UINT64_C(1000000),
    UINT64_C(10000000),
    UINT64_C(100000000),
    UINT64_C(1000000000),
    UINT64_C(10000000000),
    UINT64_C(100000000000),
    UINT64_C(1000000000000),
    UINT64_C(10000000000000),
    UINT64_C(100000000000000),
    UINT64_C(1000000000000000),
    UINT64_C(10000000000000000),
    UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000)};

const char jw_digit_pairs[200] = "00010203040506070809101112131415161718192021222324252627282930"
                                 "31323334353637383940414243444546474849505152535455565758596061"
                                 "62636465666768697071727374757677787980818283848586878889909192"
                                 "939495969798" "99";

void jw_flush_buffer(json_writer *w)
{
    if (w->used && fwrite(w->buf, 1, w->used, w->out) != w->used) w->failed = 1;
    w->used = 0;
}

void jw_flush(json_writer *w)
{
    jw_flush_buffer(w);
    if (fflush(w->out) != 0) w->failed = 1;
}

static inline int reserve(json_writer *w, size_t n) { return jw_reserve(w, n); }

static void put(json_writer *w, const char *s, size_t n)
{
    if (!reserve(w, n)) {
        if (fwrite(s, 1, n, w->out) != n) w->failed = 1;
        return;
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

static inline void putc_(json_writer *w, char ch) { jw_putc(w, ch); }

static inline void put_u64(json_writer *w, uint64_t v) { jw_put_u64(w, v); }

/* Length of the well-formed UTF-8 sequence starting at non-ASCII byte p[0] (RFC 3629 §4: no
 * overlong forms, surrogates or code points past U+10FFFF), 0 when there is none. A NUL ends
 * the string, so a continuation byte is read only after its predecessor passed. */
static size_t utf8_sequence(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0xC2 && c <= 0xDF) return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4
                                                                                          : 0;
    }
    return 0;
}

/* A JSON string of s: escaped as RFC 8259 §7 requires, and valid UTF-8 whatever s holds (a
 * file name is any bytes): each byte not part of a well-formed sequence becomes U+FFFD. */
static void put_string(json_writer *w, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    putc_(w, '"');
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        /* Copy each run of bytes that need no escape in one piece. */
        const unsigned char *run = p;
        for (;;) {
            if (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') {
                p++;
                continue;
            }
            size_t n = *p >= 0x80 ? utf8_sequence(p) : 0;
            if (n == 0) break;
            p += n;
        }
        if (p > run) put(w, (const char *)run, (size_t)(p - run));
        if (!*p) break;
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put(w, esc, sizeof esc);
        } else if (*p >= 0x80) {
            put(w, "\\ufffd", 6);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put(w, esc, sizeof esc);
        }
        p++;
    }
    putc_(w, '"');
}

static inline void key(json_writer *w, const char *k) { jw_key(w, k); }

static void element(json_writer *w)
{
    if (w->need_comma) putc_(w, ',');
    w->need_comma = 1;
}

void jw_key_object_begin(json_writer *w, const char *k)
{
    key(w, k);
    putc_(w, '{');
    w->need_comma = 0;
}

void jw_key_array_begin(json_writer *w, const char *k)
{
    key(w, k);
    putc_(w, '[');
    w->need_comma = 0;
}

void jw_array_begin(json_writer *w)
{
    element(w);
    putc_(w, '[');
    w->need_comma = 0;
}

void jw_array_end(json_writer *w)
{
    putc_(w, ']');
    w->need_comma = 1;
}

void jw_key_i64(json_writer *w, const char *k, int64_t v)
{
    key(w, k);
    if (v < 0) {
        putc_(w, '-');
        put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(w, (uint64_t)v);
    }
}

void jw_key_str(json_writer *w, const char *k, const char *s)
{
    key(w, k);
    put_string(w, s);
}

void jw_key_bool(json_writer *w, const char *k, int v)
{
    key(w, k);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jw_key_hex(json_writer *w, const char *k, const uint8_t *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    key(w, k);
    putc_(w, '"');
    for (size_t i = 0; i < len; i++) {
        char two[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        put(w, two, 2);
    }
    putc_(w, '"');
}

void jw_key_raw(json_writer *w, const char *k, const char *literal)
{
    key(w, k);
    put(w, literal, strlen(literal));
}

void jw_key_timestamp(json_writer *w, const char *k, int64_t sec, uint32_t nsec, unsigned digits)
{
    key(w, k);
    if (sec < 0 && nsec > 0) {
        /* -1.25 s is stored as sec=-2, nsec=750000000. */
        putc_(w, '-');
        put_u64(w, (uint64_t)0 - (uint64_t)(sec + 1));
        nsec = 1000000000u - nsec;
    } else if (sec < 0) {
        putc_(w, '-');
        put_u64(w, (uint64_t)0 - (uint64_t)sec);
    } else {
        put_u64(w, (uint64_t)sec);
    }
    if (digits == 0) return;
    if (digits > 9) digits = 9;
    char frac[10];
    frac[0] = '.';
    uint32_t v = nsec;
    for (unsigned i = 9; i > digits; i--) v /= 10;
    for (unsigned i = digits; i > 0; i--) {
        frac[i] = (char)('0' + v % 10);
        v /= 10;
    }
    put(w, frac, (size_t)digits + 1);
}

void jw_u64(json_writer *w, uint64_t v)
{
    element(w);
    put_u64(w, v);
}

void jw_str(json_writer *w, const char *s)
{
    element(w);
    put_string(w, s);
}

void jw_raw(json_writer *w, const char *text) { put(w, text, strlen(text)); }

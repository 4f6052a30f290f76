/* A small JSON Lines writer: one compact object per line, buffered stdout.
 * Keys are trusted literals; string values are escaped. */
#ifndef TCPSIFT_TOOLS_JSON_WRITER_H
#define TCPSIFT_TOOLS_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json_writer {
    FILE *out;
    size_t used;
    int need_comma; /* a value was written at the current nesting level */
    int failed;     /* a write to `out` failed */
    char buf[1 << 16];
} json_writer;

void jw_init(json_writer *w, FILE *out);
void jw_flush(json_writer *w);

void jw_key_object_begin(json_writer *w, const char *key);
void jw_key_array_begin(json_writer *w, const char *key);
void jw_array_begin(json_writer *w); /* array element that is an array */
void jw_array_end(json_writer *w);

void jw_key_i64(json_writer *w, const char *key, int64_t v);
void jw_key_str(json_writer *w, const char *key, const char *s);
void jw_key_bool(json_writer *w, const char *key, int v);
void jw_key_hex(json_writer *w, const char *key, const uint8_t *p, size_t len);
void jw_key_raw(json_writer *w, const char *key, const char *literal); /* pre-formatted value */
void jw_key_timestamp(json_writer *w, const char *key, int64_t sec, uint32_t nsec,
                      unsigned digits);
void jw_u64(json_writer *w, uint64_t v); /* array element */
void jw_raw(json_writer *w, const char *text); /* inside a value being written */
void jw_str(json_writer *w, const char *s);

/* ---- the per-frame and per-connection path, inline (issue 9): a key is a literal, so its
 * length folds to a constant and its copy to a few stores; a number is written two digits at a
 * time straight into the buffer. A frame line cost ~790 instructions through calls, strlen and
 * memcpy. */

#include <string.h>

void jw_flush_buffer(json_writer *w);  /* write out the buffer (json_writer.c) */
extern const char jw_digit_pairs[200]; /* "00" "01" ... "99" */
extern const uint64_t jw_pow10[19];    /* 10, 100, ..., 10^19 */

/* Room for n more bytes, flushing first when needed; 0 when n is more than the whole buffer. */
static inline int jw_reserve(json_writer *w, size_t n)
{
    if (n <= sizeof w->buf - w->used) return 1;
    jw_flush_buffer(w);
    return n <= sizeof w->buf;
}

static inline void jw_putc(json_writer *w, char ch)
{
    if (w->used == sizeof w->buf) jw_flush_buffer(w);
    w->buf[w->used++] = ch;
}

/* Decimal digits of v, at most 20, written at o; returns their count. Counted first, so the
 * digits go straight to their place (a copy of a variable length was a memcpy call). */
static inline size_t jw_format_u64(char *o, uint64_t v)
{
    size_t n = 1;
    while (n < 20 && v >= jw_pow10[n - 1]) n++;
    char *p = o + n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, jw_digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, jw_digit_pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return n;
}

static inline void jw_put_u64(json_writer *w, uint64_t v)
{
    jw_reserve(w, 20); /* the buffer is far larger: always room after it */
    w->used += jw_format_u64(w->buf + w->used, v);
}

/* `,"key":` (no comma first in an object). Keys are trusted literals, shorter than the buffer. */
static inline void jw_key(json_writer *w, const char *k)
{
    size_t n = strlen(k);
    jw_reserve(w, n + 4);
    char *o = w->buf + w->used;
    if (w->need_comma) *o++ = ',';
    *o++ = '"';
    memcpy(o, k, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    w->used = (size_t)(o - w->buf);
    w->need_comma = 1;
}

static inline void jw_object_begin(json_writer *w) /* top-level object or array element */
{
    if (w->need_comma) jw_putc(w, ',');
    jw_putc(w, '{');
    w->need_comma = 0;
}

static inline void jw_object_end(json_writer *w) /* ends the line when top-level */
{
    jw_putc(w, '}');
    w->need_comma = 1;
}

static inline void jw_line_end(json_writer *w) /* newline after a top-level object */
{
    jw_putc(w, '\n');
    w->need_comma = 0;
}

static inline void jw_key_u64(json_writer *w, const char *k, uint64_t v)
{
    jw_key(w, k);
    jw_put_u64(w, v);
}

/* A string value that needs no escaping: a trusted literal (a name from a fixed table). */
static inline void jw_key_literal(json_writer *w, const char *k, const char *literal)
{
    size_t n = strlen(literal);
    jw_key(w, k);
    jw_reserve(w, n + 2);
    char *o = w->buf + w->used;
    *o++ = '"';
    memcpy(o, literal, n);
    o += n;
    *o++ = '"';
    w->used = (size_t)(o - w->buf);
}

/* The usual line of `tcpsift frames --no-data`, an OK whole TCP frame, in one reservation:
 * {"conn":C,"dir":"c2s"|"s2c","offset":O,"len":L} and a newline, the same bytes as
 * jw_object_begin, jw_key_u64 "conn", jw_key_literal "dir", jw_key_u64 "offset" and "len",
 * jw_object_end and jw_line_end (issue 9: ~230 instructions a line through those calls). */
static inline void jw_frame_line(json_writer *w, uint64_t conn, int s2c, uint64_t offset,
                                 uint64_t len)
{
    /* 1 + 8 + 20 + 22 + 20 + 7 + 20 + 2 bytes at most */
    jw_reserve(w, 100);
    char *o = w->buf + w->used;
    if (w->need_comma) *o++ = ',';
    memcpy(o, "{\"conn\":", 8);
    o += 8;
    o += jw_format_u64(o, conn);
    memcpy(o, s2c ? ",\"dir\":\"s2c\",\"offset\":" : ",\"dir\":\"c2s\",\"offset\":", 22);
    o += 22;
    o += jw_format_u64(o, offset);
    memcpy(o, ",\"len\":", 7);
    o += 7;
    o += jw_format_u64(o, len);
    memcpy(o, "}\n", 2);
    o += 2;
    w->used = (size_t)(o - w->buf);
    w->need_comma = 0;
}

#endif

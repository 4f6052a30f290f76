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

void jw_object_begin(json_writer *w);               /* top-level object or array element */
void jw_object_end(json_writer *w);                 /* ends the line when top-level */
void jw_line_end(json_writer *w);                   /* newline after a top-level object */
void jw_key_object_begin(json_writer *w, const char *key);
void jw_key_array_begin(json_writer *w, const char *key);
void jw_array_begin(json_writer *w); /* array element that is an array */
void jw_array_end(json_writer *w);

void jw_key_u64(json_writer *w, const char *key, uint64_t v);
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

#endif

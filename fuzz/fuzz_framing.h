/* Shared by the framing harnesses (fuzz_framer.c, fuzz_split_invariance.c,
 * fuzz_tracker.c): a framer SPEC chosen by six config bytes, a frame log that
 * serialises every frame (so two runs compare with memcmp), and a counting
 * allocator for the framer's tail buffer. Header-only, static functions. */
#ifndef TCPSIFT_FUZZ_FRAMING_H
#define TCPSIFT_FUZZ_FRAMING_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tcpsift/framer.h"

#define FUZZ_FRAMER_CONFIG_BYTES 6

/* Six config bytes c[0..5] -> a SPEC string, parsed by the library's own
 * parser (so the spec parser is exercised too). kind < 0: c[0] & 3 picks the
 * form; else that form.
 *   c[0] bits 2-3  max: 0 smallest valid + (c[5] & 63); 1 that + c[5] * 16;
 *                  2 none (default); 3 2^62
 *   len          c[1] % 6 width 1,2,3,4,8,varint; bit 3 le; bits 4-6 offset;
 *                bit 7 adjust = -(offset + width) (field counts everything),
 *                else adjust = (int8_t)c[2]
 *   delim        (c[1] & 3) + 1 bytes: c[2], c[3], c[4], c[1]
 *   json-header  c[1] % 5 width 1,2,3,4,8; bit 3 le; key by c[2] % 3
 * Returns 1 with *cfg set, or 0 when the library refuses the spec (then the
 * input is skipped). spec receives the text (for messages). */
static inline int fuzz_framer_config(const uint8_t *c, int kind, tcpsift_framer_config *cfg,
                                     char *spec, size_t spec_len)
{
    static const unsigned len_widths[6] = {1, 2, 3, 4, 8, 0};
    static const unsigned json_widths[5] = {1, 2, 3, 4, 8};
    static const char *const keys[3] = {"size", "len", "n"};
    if (kind < 0) kind = c[0] & 3;
    uint64_t min_frame = 1;
    int n = 0;
    switch (kind) {
    case 0: {
        unsigned w = len_widths[c[1] % 6];
        unsigned off = (c[1] >> 4) & 7;
        long adjust = (c[1] & 0x80) ? -(long)(off + (w ? w : 1)) : (long)(int8_t)c[2];
        if (w)
            n = snprintf(spec, spec_len, "len:%u:%s,offset=%u,adjust=%ld", w,
                         (c[1] & 8) ? "le" : "be", off, adjust);
        else
            n = snprintf(spec, spec_len, "len:varint,offset=%u,adjust=%ld", off, adjust);
        min_frame = off + (w ? w : 1);
        break;
    }
    case 1:
        n = snprintf(spec, spec_len, "line");
        break;
    case 2: {
        const uint8_t d[4] = {c[2], c[3], c[4], c[1]};
        unsigned dl = (c[1] & 3u) + 1u;
        n = snprintf(spec, spec_len, "delim:");
        for (unsigned i = 0; i < dl && n > 0 && (size_t)n < spec_len; i++)
            n += snprintf(spec + n, spec_len - (size_t)n, "%02x", d[i]);
        break;
    }
    default: {
        unsigned w = json_widths[c[1] % 5];
        n = snprintf(spec, spec_len, "json-header:%u:%s,key=%s", w, (c[1] & 8) ? "le" : "be",
                     keys[c[2] % 3]);
        min_frame = w;
        break;
    }
    }
    if (n <= 0 || (size_t)n >= spec_len) return 0;
    uint64_t max = 0;
    switch ((c[0] >> 2) & 3) {
    case 0: max = min_frame + (c[5] & 63u); break;
    case 1: max = min_frame + (c[5] & 63u) + (uint64_t)c[5] * 16u; break;
    case 2: max = 0; break;
    default: max = TCPSIFT_FRAMER_MAX_MAX; break;
    }
    if (max) {
        int m = snprintf(spec + n, spec_len - (size_t)n, ",max=%" PRIu64, max);
        if (m <= 0 || (size_t)m >= spec_len - (size_t)n) return 0;
    }
    char why[128];
    return tcpsift_framer_spec_parse(spec, cfg, why, sizeof why) == TCPSIFT_OK;
}

/* ------------------------------------------------------------ frame log */

typedef struct fuzz_frame_log {
    uint8_t *buf;
    size_t len, cap;
    size_t frames;
    uint64_t last_offset; /* offset of the previous frame */
} fuzz_frame_log;

static inline void fuzz_log_put(fuzz_frame_log *log, const void *p, size_t n)
{
    if (n == 0) return;
    if (log->cap - log->len < n) {
        size_t cap = log->cap ? log->cap : 256;
        while (cap - log->len < n) cap *= 2;
        uint8_t *grown = realloc(log->buf, cap);
        if (grown == NULL) abort();
        log->buf = grown;
        log->cap = cap;
    }
    memcpy(log->buf + log->len, p, n);
    log->len += n;
}

/* Properties of a single frame that hold in every harness; then the frame is
 * appended to the log (every field and every byte). */
static inline void fuzz_log_frame(fuzz_frame_log *log, const tcpsift_frame *f)
{
    FUZZ_CHECK(f->part <= TCPSIFT_FRAME_BODY);
    FUZZ_CHECK(f->error <= TCPSIFT_FRAME_INCOMPLETE);
    FUZZ_CHECK(f->nheader == 0 || f->header != NULL);
    FUZZ_CHECK(f->nsegs == 0 || f->segs != NULL);
    uint64_t hsum = 0, bsum = 0;
    for (size_t i = 0; i < f->nheader; i++) {
        FUZZ_CHECK(f->header[i].ptr != NULL || f->header[i].len == 0);
        hsum += f->header[i].len;
    }
    for (size_t i = 0; i < f->nsegs; i++) {
        FUZZ_CHECK(f->segs[i].ptr != NULL || f->segs[i].len == 0);
        bsum += f->segs[i].len;
    }
    FUZZ_CHECK(bsum == f->data_len);
    if (f->error == TCPSIFT_FRAME_OK) FUZZ_CHECK(f->len == f->data_len);
    else if (f->error == TCPSIFT_FRAME_TRUNCATED) FUZZ_CHECK(f->data_len <= f->len);
    else FUZZ_CHECK(f->nsegs == 0 && f->nheader == 0 && f->data_len == 0);
    /* Frames come in stream order (an empty json-header body shares its offset
     * with the next message, so equal offsets are allowed). */
    if (log->frames) FUZZ_CHECK(f->offset >= log->last_offset);
    log->last_offset = f->offset;
    log->frames++;

    uint64_t fixed[7] = {(uint64_t)f->part, (uint64_t)f->error, f->offset, f->len,
                         f->data_len, hsum, (uint64_t)f->nsegs ? 1u : 0u};
    fuzz_log_put(log, fixed, sizeof fixed);
    for (size_t i = 0; i < f->nheader; i++) fuzz_log_put(log, f->header[i].ptr, f->header[i].len);
    for (size_t i = 0; i < f->nsegs; i++) fuzz_log_put(log, f->segs[i].ptr, f->segs[i].len);
}

static inline void fuzz_log_free(fuzz_frame_log *log)
{
    free(log->buf);
    memset(log, 0, sizeof *log);
}

/* Two logs must be identical; on a difference, say which frame. */
static inline void fuzz_log_same(const fuzz_frame_log *a, const fuzz_frame_log *b,
                                 const char *what, const char *spec)
{
    if (a->frames == b->frames && a->len == b->len &&
        (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0))
        return;
    fprintf(stderr, "tcpsift fuzz: property broken: %s differ for spec '%s' (%zu vs %zu frames)\n",
            what, spec, a->frames, b->frames);
    abort();
}

/* ------------------------------------------------------------ tail allocator */

/* The framer's tail buffer is its only allocation: one block at most, never
 * larger than limit. */
typedef struct fuzz_tail_alloc {
    void *block;
    size_t size, peak, limit;
    unsigned live;
} fuzz_tail_alloc;

static inline void *fuzz_tail_realloc(void *ctx, void *ptr, size_t size)
{
    fuzz_tail_alloc *a = ctx;
    FUZZ_CHECK(ptr == a->block);
    FUZZ_CHECK(size > 0);
    FUZZ_CHECK(size <= a->limit);
    void *p = realloc(ptr, size);
    if (p == NULL) return NULL;
    if (ptr == NULL) a->live++;
    FUZZ_CHECK(a->live == 1);
    a->block = p;
    a->size = size;
    if (size > a->peak) a->peak = size;
    return p;
}

static inline void fuzz_tail_free(void *ctx, void *ptr)
{
    fuzz_tail_alloc *a = ctx;
    if (ptr == NULL) return;
    FUZZ_CHECK(ptr == a->block && a->live == 1);
    free(ptr);
    a->block = NULL;
    a->size = 0;
    a->live = 0;
}

/* The documented bound on the tail buffer (framer.h, memory). */
static inline size_t fuzz_tail_limit(const tcpsift_framer_config *cfg)
{
    uint64_t lim = cfg->max + TCPSIFT_FRAMER_TAIL_SLACK + TCPSIFT_FRAMER_MAX_DELIM +
                   cfg->header_offset;
    return lim > SIZE_MAX ? SIZE_MAX : (size_t)lim;
}

#endif

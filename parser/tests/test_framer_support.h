/* Shared harness for the framer tests (header-only, included by each
 * test_framer_*.c): records frames, replays a stream (data steps and gaps)
 * with any chunking in either buffer mode, and compares frame logs. */
#ifndef TEST_FRAMER_SUPPORT_H
#define TEST_FRAMER_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/framer.h"

typedef struct rec {
    tcpsift_frame_part part;
    tcpsift_frame_error error;
    uint64_t offset, len, data_len;
    size_t nsegs, nheader;
    uint8_t *hdr;
    size_t hdr_len;
    uint8_t *body;
    size_t body_len;
} rec;

typedef struct flog {
    rec *v;
    size_t n, cap;
    size_t max_nsegs;
} flog;

static inline void flog_free(flog *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].hdr);
        free(l->v[i].body);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static inline uint8_t *gather(const tcpsift_bytes *segs, size_t n, size_t *len)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += segs[i].len;
    uint8_t *p = malloc(total ? total : 1);
    assert_non_null(p);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(segs[i].ptr);
        assert_true(segs[i].len > 0);
        memcpy(p + at, segs[i].ptr, segs[i].len);
        at += segs[i].len;
    }
    *len = total;
    return p;
}

static inline void on_frame(void *ctx, const tcpsift_frame *fr)
{
    flog *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    rec *r = &l->v[l->n++];
    r->part = fr->part;
    r->error = fr->error;
    r->offset = fr->offset;
    r->len = fr->len;
    r->data_len = fr->data_len;
    r->nsegs = fr->nsegs;
    r->nheader = fr->nheader;
    r->hdr = gather(fr->header, fr->nheader, &r->hdr_len);
    r->body = gather(fr->segs, fr->nsegs, &r->body_len);
    assert_int_equal(r->body_len, fr->data_len);
    if (fr->nsegs > l->max_nsegs) l->max_nsegs = fr->nsegs;
    /* The copy helper agrees with the segments. */
    uint8_t tmp[64];
    size_t c = tcpsift_frame_copy_body(fr, tmp, sizeof tmp);
    assert_int_equal(c, r->body_len < sizeof tmp ? r->body_len : sizeof tmp);
    assert_memory_equal(tmp, r->body, c);
}

/* A stream: data steps and gaps. */
typedef struct step {
    const uint8_t *data; /* NULL: a gap of `gap` bytes */
    size_t len;
    uint64_t gap;
} step;

#define DATA(s)                                                                                    \
    {                                                                                              \
        (const uint8_t *)(s), sizeof(s) - 1, 0                                                     \
    }
#define GAP(n)                                                                                     \
    {                                                                                              \
        NULL, 0, (n)                                                                               \
    }

/* Deterministic PRNG (xorshift64*) so random cuts are reproducible. */
static inline uint64_t prng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

enum cut_kind { CUT_ONCE, CUT_FIXED, CUT_RANDOM };

typedef struct cutter {
    enum cut_kind kind;
    size_t size;   /* CUT_FIXED */
    uint64_t seed; /* CUT_RANDOM */
} cutter;

static inline size_t cut_next(cutter *c, size_t left)
{
    size_t n = left;
    switch (c->kind) {
    case CUT_ONCE:
        break;
    case CUT_FIXED:
        n = c->size;
        break;
    case CUT_RANDOM:
        n = 1 + (size_t)(prng_next(&c->seed) % 17);
        break;
    }
    return n < left ? n : left;
}

/* Replay steps into a fresh framer; frames land in *out. COPY_TAIL: every
 * chunk lives in its own heap buffer that is scribbled over and freed right
 * after feed() returns, so a dangling view is caught (wrong bytes or ASan). */
static inline void run_steps(const tcpsift_framer_config *cfg, tcpsift_framer_mode mode,
                             const step *steps, size_t nsteps, cutter cut, flog *out)
{
    tcpsift_framer f;
    assert_int_equal(tcpsift_framer_init(&f, cfg, mode, NULL), TCPSIFT_OK);
    for (size_t s = 0; s < nsteps; s++) {
        if (!steps[s].data) {
            assert_int_equal(tcpsift_framer_gap(&f, steps[s].gap, on_frame, out), TCPSIFT_OK);
            continue;
        }
        size_t at = 0;
        while (at < steps[s].len) {
            size_t n = cut_next(&cut, steps[s].len - at);
            if (mode == TCPSIFT_FRAMER_COPY_TAIL) {
                uint8_t *buf = malloc(n);
                assert_non_null(buf);
                memcpy(buf, steps[s].data + at, n);
                assert_int_equal(tcpsift_framer_feed(&f, buf, n, on_frame, out), TCPSIFT_OK);
                memset(buf, 0xA5, n);
                free(buf);
            } else {
                assert_int_equal(tcpsift_framer_feed(&f, steps[s].data + at, n, on_frame, out),
                                 TCPSIFT_OK);
            }
            at += n;
        }
    }
    assert_int_equal(tcpsift_framer_finish(&f, on_frame, out), TCPSIFT_OK);
    tcpsift_framer_destroy(&f);
}

static inline void assert_logs_equal(const flog *a, const flog *b, const char *what)
{
    if (a->n != b->n) fail_msg("%s: %zu frames vs %zu", what, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const rec *x = &a->v[i], *y = &b->v[i];
        if (x->part != y->part || x->error != y->error || x->offset != y->offset ||
            x->len != y->len || x->hdr_len != y->hdr_len || x->body_len != y->body_len ||
            memcmp(x->hdr, y->hdr, x->hdr_len) != 0 || memcmp(x->body, y->body, x->body_len) != 0)
            fail_msg("%s: frame %zu differs (offset %llu/%llu len %llu/%llu err %d/%d)", what, i,
                     (unsigned long long)x->offset, (unsigned long long)y->offset,
                     (unsigned long long)x->len, (unsigned long long)y->len, (int)x->error,
                     (int)y->error);
    }
}

/* A hand-written expected frame; hdr/body are byte strings with lengths. */
typedef struct expect {
    tcpsift_frame_part part;
    tcpsift_frame_error error;
    uint64_t offset, len;
    const char *hdr;
    size_t hdr_len;
    const char *body;
    size_t body_len;
} expect;

#define W_OK(off, s)                                                                               \
    {                                                                                              \
        TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, (off), sizeof(s) - 1, "", 0, (s), sizeof(s) - 1     \
    }
#define W_HDR(off, h, s)                                                                           \
    {                                                                                              \
        TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, (off), sizeof(s) - 1, (h), sizeof(h) - 1, (s),      \
            sizeof(s) - 1                                                                          \
    }
#define W_ERR(err, off, len)                                                                       \
    {                                                                                              \
        TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_##err, (off), (len), "", 0, "", 0                       \
    }
#define W_TRUNC(off, len, hdr, known)                                                              \
    {                                                                                              \
        TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_TRUNCATED, (off), (len), (hdr), sizeof(hdr) - 1,        \
            (known), sizeof(known) - 1                                                             \
    }
#define J_HDR(off, s)                                                                              \
    {                                                                                              \
        TCPSIFT_FRAME_HEADER, TCPSIFT_FRAME_OK, (off), sizeof(s) - 1, "", 0, (s), sizeof(s) - 1    \
    }
#define J_BODY(off, s)                                                                             \
    {                                                                                              \
        TCPSIFT_FRAME_BODY, TCPSIFT_FRAME_OK, (off), sizeof(s) - 1, "", 0, (s), sizeof(s) - 1      \
    }
#define J_ERR(part, err, off, len)                                                                 \
    {                                                                                              \
        TCPSIFT_FRAME_##part, TCPSIFT_FRAME_##err, (off), (len), "", 0, "", 0                      \
    }

static inline void assert_log_expected(const flog *l, const expect *e, size_t ne)
{
    if (l->n != ne) {
        for (size_t i = 0; i < l->n; i++)
            print_message("  got: part=%d err=%d off=%llu len=%llu data=%zu\n", (int)l->v[i].part,
                          (int)l->v[i].error, (unsigned long long)l->v[i].offset,
                          (unsigned long long)l->v[i].len, l->v[i].body_len);
        fail_msg("expected %zu frames, got %zu", ne, l->n);
    }
    for (size_t i = 0; i < ne; i++) {
        const rec *r = &l->v[i];
        if (r->part != e[i].part || r->error != e[i].error || r->offset != e[i].offset ||
            r->len != e[i].len)
            fail_msg("frame %zu: part %d/%d err %d/%d offset %llu/%llu len %llu/%llu", i,
                     (int)r->part, (int)e[i].part, (int)r->error, (int)e[i].error,
                     (unsigned long long)r->offset, (unsigned long long)e[i].offset,
                     (unsigned long long)r->len, (unsigned long long)e[i].len);
        assert_int_equal(r->hdr_len, e[i].hdr_len);
        assert_memory_equal(r->hdr, e[i].hdr, e[i].hdr_len);
        assert_int_equal(r->body_len, e[i].body_len);
        assert_memory_equal(r->body, e[i].body, e[i].body_len);
    }
}

static inline tcpsift_framer_config parse_spec(const char *spec)
{
    tcpsift_framer_config cfg;
    char why[128];
    tcpsift_error e = tcpsift_framer_spec_parse(spec, &cfg, why, sizeof why);
    if (e != TCPSIFT_OK) fail_msg("spec %s rejected: %s", spec, why);
    return cfg;
}

/* THE property: the frames from feeding everything at once equal the
 * hand-written ones, and every other cut (byte by byte, every chunk size
 * 1..N, 64 random cuts), in both buffer modes, gives the same frames. */
static inline void check_split_invariance(const char *spec, const step *steps, size_t nsteps,
                                          const expect *e, size_t ne)
{
    tcpsift_framer_config cfg = parse_spec(spec);
    size_t total = 0;
    for (size_t s = 0; s < nsteps; s++)
        total += steps[s].len;
    flog ref = {0};
    run_steps(&cfg, TCPSIFT_FRAMER_COPY_TAIL, steps, nsteps, (cutter){CUT_ONCE, 0, 0}, &ref);
    assert_log_expected(&ref, e, ne);
    for (int m = 0; m < 2; m++) {
        tcpsift_framer_mode mode = m ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL;
        char what[96];
        flog l = {0};
        run_steps(&cfg, mode, steps, nsteps, (cutter){CUT_ONCE, 0, 0}, &l);
        snprintf(what, sizeof what, "%s mode %d at once", spec, m);
        assert_logs_equal(&ref, &l, what);
        flog_free(&l);
        for (size_t k = 1; k <= total; k++) {
            run_steps(&cfg, mode, steps, nsteps, (cutter){CUT_FIXED, k, 0}, &l);
            snprintf(what, sizeof what, "%s mode %d chunk %zu", spec, m, k);
            assert_logs_equal(&ref, &l, what);
            flog_free(&l);
        }
        for (uint64_t seed = 1; seed <= 64; seed++) {
            run_steps(&cfg, mode, steps, nsteps,
                      (cutter){CUT_RANDOM, 0, seed * 0x9E3779B97F4A7C15u}, &l);
            snprintf(what, sizeof what, "%s mode %d random seed %llu", spec, m,
                     (unsigned long long)seed);
            assert_logs_equal(&ref, &l, what);
            flog_free(&l);
        }
    }
    flog_free(&ref);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#endif

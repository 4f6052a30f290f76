/* The capture reader over a stream in pieces, checked against the whole-buffer reader: shared
 * by fuzz_capture (every fuzzed input) and the unit test test_capture_partial (real captures).
 *
 * cw_read_whole() records what tcpsift_capture_open()/next() give on the whole input.
 * cw_read_windows() reads the same bytes as a stream arriving in chunks of pseudo-random sizes
 * (seeded), through tcpsift_capture_open_partial()/refill(), each window a fresh allocation (so
 * AddressSanitizer catches a reader that keeps using a window it was moved off), and requires
 * exactly the same records (every field, the same bytes), errors and end. Header-only: both
 * users compile it in. */
#ifndef TCPSIFT_FUZZ_CAPTURE_WINDOWS_H
#define TCPSIFT_FUZZ_CAPTURE_WINDOWS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpsift/capture.h"

typedef struct cw_event {
    int got; /* 1 record, -1 error */
    tcpsift_error err;
    tcpsift_capture_record rec;
    size_t data_off; /* rec.data - input */
} cw_event;

typedef struct cw_reference {
    tcpsift_error open_err;
    cw_event *events;
    size_t n;
} cw_reference;

/* 0 when out of memory (the caller skips the comparison). */
static inline int cw_read_whole(const uint8_t *buf, size_t size, cw_reference *ref)
{
    memset(ref, 0, sizeof *ref);
    tcpsift_capture_reader r;
    ref->open_err = tcpsift_capture_open(&r, buf, size);
    size_t cap = 0;
    for (size_t calls = 0; ref->open_err == TCPSIFT_OK && calls <= size / 12 + 2; calls++) {
        cw_event ev;
        memset(&ev, 0, sizeof ev);
        ev.got = tcpsift_capture_next(&r, &ev.rec, &ev.err);
        if (ev.got == 0) break;
        if (ev.got == 1) ev.data_off = ev.rec.caplen ? (size_t)(ev.rec.data - buf) : 0;
        if (ref->n == cap) {
            cap = cap ? cap * 2 : 64;
            cw_event *bigger = realloc(ref->events, cap * sizeof *bigger);
            if (!bigger) {
                free(ref->events);
                ref->events = NULL;
                return 0;
            }
            ref->events = bigger;
        }
        ref->events[ref->n++] = ev;
    }
    return 1;
}

static inline void cw_reference_free(cw_reference *ref)
{
    free(ref->events);
    ref->events = NULL;
}

static inline uint64_t cw_next_random(uint64_t *s)
{
    /* xorshift64*: repeatable chunk sizes from the seed */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Bytes of the next chunk: mostly small (to end windows everywhere), sometimes up to max. */
static inline size_t cw_chunk(uint64_t *s, size_t max)
{
    uint64_t v = cw_next_random(s);
    size_t limit = (v & 3) == 0 ? max : 16;
    return 1 + (size_t)((v >> 8) % (limit ? limit : 1));
}

typedef struct cw_stream {
    const uint8_t *input;
    size_t size, fed; /* bytes of input given to windows so far */
    uint8_t *win;
    size_t len;
    uint64_t seed;
    size_t max_chunk;
} cw_stream;

/* A fresh window holding win[keep_from..len) and the next chunk; 0 when out of memory. */
static inline int cw_slide(cw_stream *st, size_t keep_from)
{
    size_t keep = st->len - keep_from;
    size_t add = cw_chunk(&st->seed, st->max_chunk);
    if (add > st->size - st->fed) add = st->size - st->fed;
    uint8_t *next = malloc(keep + add ? keep + add : 1);
    if (!next) return 0;
    if (keep) memcpy(next, st->win + keep_from, keep);
    if (add) memcpy(next + keep, st->input + st->fed, add);
    free(st->win);
    st->win = next;
    st->len = keep + add;
    st->fed += add;
    return 1;
}

#define CW_FAIL(...)                                                                               \
    do {                                                                                           \
        snprintf(why, why_len, __VA_ARGS__);                                                       \
        goto out;                                                                                  \
    } while (0)

/* Returns 1 when the windowed reading agrees with `ref`; otherwise 0 and says why. batch:
 * read through tcpsift_capture_next_batch() with batch sizes 1..8 instead of next(). */
static inline int cw_read_windows(const uint8_t *input, size_t size, const cw_reference *ref,
                                  uint64_t seed, size_t max_chunk, int batch, char *why,
                                  size_t why_len)
{
    cw_stream st = {input, size, 0, NULL, 0, seed | 1, max_chunk ? max_chunk : 1};
    int ok = 0;
    size_t i = 0, guard = 0;
    tcpsift_capture_reader r;
    snprintf(why, why_len, "out of memory");
    if (!cw_slide(&st, 0)) goto out;
    tcpsift_error oe;
    for (;;) { /* open on a window long enough for the file header */
        int final = st.fed == size;
        oe = final ? tcpsift_capture_open(&r, st.win, st.len)
                   : tcpsift_capture_open_partial(&r, st.win, st.len);
        if (oe != TCPSIFT_E_CAPTURE_TRUNCATED || final) break;
        if (!tcpsift_capture_wants_more(&r)) CW_FAIL("open: truncated without wanting more");
        if (!cw_slide(&st, 0)) goto out;
    }
    if (oe != ref->open_err)
        CW_FAIL("open: %s in windows, %s whole", tcpsift_error_name(oe),
                tcpsift_error_name(ref->open_err));
    if (oe != TCPSIFT_OK) {
        ok = 1;
        goto out;
    }
    for (;;) {
        if (++guard > 4 * size + 64) CW_FAIL("no progress after %zu calls", guard);
        tcpsift_capture_record recs[8];
        tcpsift_error err = TCPSIFT_OK;
        size_t n;
        int got = 0;
        if (batch) {
            n = tcpsift_capture_next_batch(&r, recs, 1 + (size_t)(cw_next_random(&st.seed) % 8),
                                           &err);
        } else {
            got = tcpsift_capture_next(&r, &recs[0], &err);
            n = got == 1;
        }
        for (size_t k = 0; k < n; k++) {
            const tcpsift_capture_record *rec = &recs[k];
            if (i >= ref->n || ref->events[i].got != 1)
                CW_FAIL("event %zu: a record in windows, not whole", i);
            const tcpsift_capture_record *want = &ref->events[i].rec;
            if (rec->caplen != want->caplen || rec->wirelen != want->wirelen ||
                rec->ts_sec != want->ts_sec || rec->ts_nsec != want->ts_nsec ||
                rec->ts_digits != want->ts_digits || rec->linktype != want->linktype ||
                rec->interface_id != want->interface_id || rec->epb_flags != want->epb_flags ||
                rec->frame_number != want->frame_number)
                CW_FAIL("event %zu (frame %llu): record fields differ", i,
                        (unsigned long long)want->frame_number);
            if (rec->caplen && (rec->data < st.win || rec->data + rec->caplen > st.win + st.len))
                CW_FAIL("event %zu: record data outside the window", i);
            if (rec->caplen && memcmp(rec->data, input + ref->events[i].data_off, rec->caplen))
                CW_FAIL("event %zu: record bytes differ", i);
            i++;
        }
        if (err != TCPSIFT_OK || got < 0) {
            if (i >= ref->n || ref->events[i].got != -1 || ref->events[i].err != err)
                CW_FAIL("event %zu: error %s in windows", i, tcpsift_error_name(err));
            i++;
            continue;
        }
        if (batch ? n > 0 : got == 1) continue;
        if (!tcpsift_capture_wants_more(&r)) break; /* the end */
        size_t consumed = tcpsift_capture_consumed(&r), needed = tcpsift_capture_needed(&r);
        if (consumed > st.len) CW_FAIL("consumed %zu of a %zu-byte window", consumed, st.len);
        if (needed && needed <= st.len - consumed)
            CW_FAIL("wants %zu bytes with %zu unread in the window", needed, st.len - consumed);
        if (st.fed == size && consumed == 0 && st.len > 0 && guard > 2 * size + 32)
            CW_FAIL("waiting on a final window");
        if (!cw_slide(&st, consumed)) goto out;
        if (tcpsift_capture_refill(&r, st.win, st.len, st.fed == size) != TCPSIFT_OK)
            CW_FAIL("refill refused");
    }
    if (i != ref->n) CW_FAIL("windows ended after %zu events, whole after %zu", i, ref->n);
    ok = 1;
out:
    free(st.win);
    return ok;
}

#undef CW_FAIL
#endif

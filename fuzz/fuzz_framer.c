/* Fuzz harness: stream framers (tcpsift/framer.h), every SPEC form.
 *
 * Input: FUZZ_FRAMER_CONFIG_BYTES config bytes (see fuzz_framing.h: form,
 * width 1/2/3/4/8/varint, be/le, offset, adjust incl. negative, small max;
 * line; delim of 1..4 bytes; json-header with its key), then the stream. The
 * stream (copied into an exactly-sized buffer) is fed at once, then finish(),
 * in COPY_TAIL and in STABLE mode.
 *
 * Properties:
 *   - frame offsets never decrease (and each frame starts where the previous
 *     one ended, below); error frames carry no bytes; every
 *     frame's data_len is the sum of its views, and len == data_len when OK;
 *   - with no gap fed, no frame is TRUNCATED or DESYNC, at most one is
 *     INCOMPLETE and it is the last;
 *   - every OK frame is one view into the stream (zero-copy: the frame lies
 *     inside the one fed chunk) at the position a reference decoder written
 *     here computes: length framers: header = the offset=N bytes, body right
 *     after the W-byte (or varint) field, len = field value + adjust, and the
 *     next frame starts right after the body; delimiter framers: body, then
 *     the delimiter (line: "\n" or "\r\n"), first occurrence, next frame right
 *     after it; json-header: the header frame's len is the W-byte field and
 *     its bytes follow it, the body frame starts right after them;
 *   - the tail buffer is the only allocation, one block, never above
 *     max + offset + TAIL_SLACK + MAX_DELIM bytes; released by destroy();
 *   - both modes give the identical frame sequence. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "fuzz_framing.h"
#include "tcpsift/framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct ctx {
    const uint8_t *s;
    size_t n;
    const tcpsift_framer_config *cfg;
    fuzz_frame_log log;
    int saw_incomplete;
    int have_next;
    uint64_t next; /* where the next frame must start, when have_next */
    uint64_t json_body; /* json-header: where the BODY frame of the last header starts */
    int json_expect_body;
} ctx;

/* Reads a W-byte or varint field at s[pos..n). Returns bytes used, 0 when
 * the field does not fit (or a varint is over 10 bytes). */
static unsigned read_field(const ctx *c, uint64_t pos, unsigned width, int be, uint64_t *value)
{
    uint64_t v = 0;
    if (width == 0) {
        for (unsigned i = 0; i < TCPSIFT_FRAMER_VARINT_MAX_BYTES; i++) {
            if (pos + i >= c->n) return 0;
            uint8_t b = c->s[pos + i];
            if (i == 9 && b > 1) return 0; /* beyond 64 bits */
            v |= (uint64_t)(b & 0x7F) << (7 * i);
            if (!(b & 0x80)) {
                *value = v;
                return i + 1;
            }
        }
        return 0;
    }
    if (pos > c->n || c->n - pos < width) return 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned k = be ? i : width - 1 - i;
        v = v << 8 | c->s[pos + k];
    }
    *value = v;
    return width;
}

static void expect_view(const ctx *c, const tcpsift_frame *f, uint64_t start)
{
    FUZZ_CHECK(start <= c->n && f->len <= c->n - start);
    if (f->len == 0) return;
    FUZZ_CHECK(f->nsegs == 1);
    FUZZ_CHECK(f->segs[0].ptr == c->s + start && f->segs[0].len == f->len);
}

static void check_length(ctx *c, const tcpsift_frame *f)
{
    const tcpsift_framer_config *cfg = c->cfg;
    uint64_t n_hdr = cfg->header_offset;
    FUZZ_CHECK(f->part == TCPSIFT_FRAME_WHOLE);
    if (f->error != TCPSIFT_FRAME_OK && f->error != TCPSIFT_FRAME_TOO_LONG) return;
    uint64_t value = 0;
    unsigned used = read_field(c, f->offset + n_hdr, cfg->width, cfg->big_endian, &value);
    FUZZ_CHECK(used != 0);
    /* body length = field + adjust (framer.h), measured after the field */
    FUZZ_CHECK(value + (uint64_t)cfg->adjust == f->len);
    uint64_t body = f->offset + n_hdr + used;
    if (f->error == TCPSIFT_FRAME_OK) {
        if (n_hdr) {
            FUZZ_CHECK(f->nheader == 1);
            FUZZ_CHECK(f->header[0].ptr == c->s + f->offset && f->header[0].len == n_hdr);
        } else {
            FUZZ_CHECK(f->nheader == 0);
        }
        expect_view(c, f, body);
    } else {
        FUZZ_CHECK(f->len > cfg->max || n_hdr + used > cfg->max - f->len);
    }
    c->have_next = 1;
    c->next = body + f->len;
}

static void check_delim(ctx *c, const tcpsift_frame *f, int line)
{
    const tcpsift_framer_config *cfg = c->cfg;
    FUZZ_CHECK(f->part == TCPSIFT_FRAME_WHOLE);
    if (f->error != TCPSIFT_FRAME_OK) {
        /* TOO_LONG: the frame ended at a delimiter we cannot place exactly
         * for line (a dropped \r); framing resumes there. */
        c->have_next = 0;
        if (f->error == TCPSIFT_FRAME_TOO_LONG) FUZZ_CHECK(f->len > cfg->max);
        return;
    }
    FUZZ_CHECK(f->len <= cfg->max);
    expect_view(c, f, f->offset);
    uint64_t end = f->offset + f->len; /* first byte after the content */
    const uint8_t *d = cfg->delim;
    size_t dl = cfg->delim_len;
    if (line) {
        FUZZ_CHECK(end < c->n);
        if (c->s[end] == '\r') {
            FUZZ_CHECK(end + 1 < c->n && c->s[end + 1] == '\n');
            end += 2;
        } else {
            FUZZ_CHECK(c->s[end] == '\n');
            /* a \r right before the \n is dropped, never kept in the body */
            FUZZ_CHECK(f->len == 0 || c->s[end - 1] != '\r');
            end += 1;
        }
        for (uint64_t i = f->offset; i + 1 < end; i++) FUZZ_CHECK(c->s[i] != '\n');
    } else {
        FUZZ_CHECK(end <= c->n && dl <= c->n - end && memcmp(c->s + end, d, dl) == 0);
        /* the first occurrence after the frame start */
        for (uint64_t i = f->offset; i < end; i++)
            FUZZ_CHECK(memcmp(c->s + i, d, dl) != 0);
        end += dl;
    }
    c->have_next = 1;
    c->next = end;
}

static void check_json(ctx *c, const tcpsift_frame *f)
{
    const tcpsift_framer_config *cfg = c->cfg;
    if (f->part == TCPSIFT_FRAME_BODY) {
        FUZZ_CHECK(c->json_expect_body);
        FUZZ_CHECK(f->offset == c->json_body);
        c->json_expect_body = 0;
        if (f->error == TCPSIFT_FRAME_OK) expect_view(c, f, f->offset);
        if (f->error == TCPSIFT_FRAME_OK || f->error == TCPSIFT_FRAME_TOO_LONG) {
            c->have_next = 1;
            c->next = f->offset + f->len;
        }
        return;
    }
    FUZZ_CHECK(f->part == TCPSIFT_FRAME_HEADER);
    FUZZ_CHECK(!c->json_expect_body);
    if (f->error != TCPSIFT_FRAME_OK) return;
    uint64_t value = 0;
    unsigned used = read_field(c, f->offset, cfg->width, cfg->big_endian, &value);
    FUZZ_CHECK(used == cfg->width && value == f->len);
    expect_view(c, f, f->offset + used);
    c->json_expect_body = 1;
    c->json_body = f->offset + used + f->len;
    c->have_next = 0;
}

/* tcpsift_frame_copy_body(): the body's views in order, cut at the cap (the whole body, half
 * of it, nothing), into an exactly sized buffer. */
static void check_copy_body(const tcpsift_frame *f)
{
    size_t whole = (size_t)f->data_len, caps[3] = {whole, whole / 2, 0};
    for (int k = 0; k < 3; k++) {
        size_t cap = caps[k];
        uint8_t *out = malloc(cap ? cap : 1);
        if (out == NULL) return;
        FUZZ_CHECK(tcpsift_frame_copy_body(f, out, cap) == cap);
        size_t at = 0;
        for (size_t i = 0; i < f->nsegs && at < cap; i++) {
            size_t take = f->segs[i].len < cap - at ? f->segs[i].len : cap - at;
            FUZZ_CHECK(memcmp(out + at, f->segs[i].ptr, take) == 0);
            at += take;
        }
        FUZZ_CHECK(at == cap);
        free(out);
    }
}

static void on_frame(void *arg, const tcpsift_frame *f)
{
    ctx *c = arg;
    fuzz_log_frame(&c->log, f);
    check_copy_body(f);
    FUZZ_CHECK(f->error != TCPSIFT_FRAME_TRUNCATED && f->error != TCPSIFT_FRAME_DESYNC);
    FUZZ_CHECK(!c->saw_incomplete); /* INCOMPLETE only at finish, last */
    if (f->error == TCPSIFT_FRAME_INCOMPLETE) c->saw_incomplete = 1;
    FUZZ_CHECK(f->offset <= c->n);
    if (c->have_next && !(c->cfg->kind == TCPSIFT_FRAMER_JSON_HEADER &&
                          f->part == TCPSIFT_FRAME_BODY))
        FUZZ_CHECK(f->offset == c->next);
    c->have_next = 0;
    switch (c->cfg->kind) {
    case TCPSIFT_FRAMER_LENGTH: check_length(c, f); break;
    case TCPSIFT_FRAMER_LINE: check_delim(c, f, 1); break;
    case TCPSIFT_FRAMER_DELIM: check_delim(c, f, 0); break;
    case TCPSIFT_FRAMER_JSON_HEADER: check_json(c, f); break;
    }
}

static void run(const tcpsift_framer_config *cfg, tcpsift_framer_mode mode, const uint8_t *s,
                size_t n, ctx *c)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->n = n;
    c->cfg = cfg;
    fuzz_tail_alloc ta;
    memset(&ta, 0, sizeof ta);
    ta.limit = fuzz_tail_limit(cfg);
    tcpsift_framer_alloc alloc = {fuzz_tail_realloc, fuzz_tail_free, &ta};
    tcpsift_framer f;
    FUZZ_CHECK(tcpsift_framer_init(&f, cfg, mode, &alloc) == TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_framer_feed(&f, n ? s : NULL, n, on_frame, c) == TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_framer_offset(&f) == n);
    FUZZ_CHECK(tcpsift_framer_finish(&f, on_frame, c) == TCPSIFT_OK);
    FUZZ_CHECK(tcpsift_framer_feed(&f, s, n, on_frame, c) == TCPSIFT_E_INVALID_ARGUMENT || n == 0);
    int stopped = tcpsift_framer_stopped(&f);
    FUZZ_CHECK(stopped == 0 || stopped == 1);
    FUZZ_CHECK(tcpsift_framer_copied_bytes(&f) <= n); /* a byte is copied into the tail once */
    tcpsift_framer_destroy(&f);
    FUZZ_CHECK(ta.live == 0 && ta.block == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_FRAMER_CONFIG_BYTES) return 0;
    tcpsift_framer_config cfg;
    char spec[160];
    if (!fuzz_framer_config(data, -1, &cfg, spec, sizeof spec)) return 0;
    size_t n = size - FUZZ_FRAMER_CONFIG_BYTES;
    uint8_t *s = malloc(n ? n : 1);
    if (s == NULL) return 0;
    memcpy(s, data + FUZZ_FRAMER_CONFIG_BYTES, n);

    ctx a, b;
    run(&cfg, TCPSIFT_FRAMER_COPY_TAIL, s, n, &a);
    run(&cfg, TCPSIFT_FRAMER_STABLE, s, n, &b);
    fuzz_log_same(&a.log, &b.log, "COPY_TAIL and STABLE frames", spec);
    fuzz_log_free(&a.log);
    fuzz_log_free(&b.log);
    free(s);
    return 0;
}

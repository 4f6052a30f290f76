/* Length-prefixed framing, `len:W[:be|le][,offset=N][,adjust=N][,max=N]`.
 *
 *   | N header bytes | W-byte field (or varint) | body = value + adjust |
 *
 * The field is decoded one byte at a time into state kept between calls, so
 * a field (in particular a varint, netty#17549) split across chunks decodes
 * exactly as if it arrived at once. The maximum is checked after the
 * adjustment, on the whole frame (tokio#4815). */
#include "framer_internal.h"

enum length_phase {
    LEN_HEADER, /* header bytes (need = left) then the field */
    LEN_BODY,   /* need = body bytes left */
    LEN_SKIP    /* too_long: need = body bytes left to skip */
};

/* Whole frames beyond 2^63 bytes are impossible lengths (contract). */
#define LENGTH_LIMIT (UINT64_C(1) << 63)

enum framer_field_step framer_field_byte(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                                         uint8_t b)
{
    unsigned i = f->field_got++;
    if (s->cfg.width == 0) {
        /* protobuf base-128: 7 bits per byte, least significant group first;
         * the 10th byte may only carry bit 63 and must end the varint. */
        uint64_t group = b & 0x7f;
        if (i == TCPSIFT_FRAMER_VARINT_MAX_BYTES - 1 && (group > 1 || (b & 0x80)))
            return FIELD_OVERFLOW;
        f->field_value |= group << (7 * i);
        return (b & 0x80) ? FIELD_MORE : FIELD_DONE;
    }
    if (s->cfg.big_endian)
        f->field_value = f->field_value << 8 | b;
    else
        f->field_value |= (uint64_t)b << (8 * i);
    return f->field_got == s->cfg.width ? FIELD_DONE : FIELD_MORE;
}

static void length_next_frame(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                              uint64_t start)
{
    f->phase = LEN_HEADER;
    f->frame_start = start;
    f->need = s->cfg.header_offset;
    framer_field_reset(f);
    framer_pend_reset(f);
}

void framer_length_init(tcpsift_framer_state *f, const tcpsift_framer_setup *s)
{
    length_next_frame(f, s, 0);
}

static void length_stop(tcpsift_framer_state *f, tcpsift_frame_error err, uint64_t offset,
                        tcpsift_frame_cb cb, void *ctx)
{
    framer_pend_reset(f);
    framer_emit_error(f, TCPSIFT_FRAME_WHOLE, err, offset, 0, cb, ctx);
    f->stopped = 1;
}

static void length_deliver(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                           tcpsift_frame_cb cb, void *ctx)
{
    uint64_t hdr = s->cfg.header_offset, field = f->field_got;
    if (hdr == 0 && f->tail_len == 0 && f->nviews > 0 && f->views[0].len > field) {
        /* Views only, no header, the field inside the first view: the pending bytes are the
         * field then exactly the body, so the body's views are the pending views with the
         * field's bytes cut from the front, which is what framer_emit's slicing returns
         * (framer_pend_slice skips no view then: none is empty). Delivered in place; the
         * views are reset right after (issue 9: frames spanning segments). */
        tcpsift_bytes *v = f->views;
        v[0].ptr += field;
        v[0].len -= (size_t)field;
        tcpsift_frame fr = {TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, f->frame_start, f->body_len,
                            NULL, 0, v, f->nviews, f->body_len};
        cb(ctx, &fr);
        length_next_frame(f, s, f->pos);
        return;
    }
    framer_emit(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, f->frame_start, f->body_len, 0, hdr,
                hdr + f->field_got, f->body_len, cb, ctx);
    length_next_frame(f, s, f->pos);
}

/* The body length a complete field of `got` bytes with value v declares, after adjust: 1 and
 * *body, or 0 for an impossible length (negative, or a whole frame beyond 2^63). */
static int length_body_of(const tcpsift_framer_setup *s, uint64_t v, unsigned got, uint64_t *body)
{
    if (s->cfg.adjust >= 0) {
        uint64_t a = (uint64_t)s->cfg.adjust;
        if (v > LENGTH_LIMIT - a) return 0; /* a <= 2^62 */
        *body = v + a;
    } else {
        uint64_t a = (uint64_t)(-(s->cfg.adjust + 1)) + 1; /* |adjust| without overflow */
        if (v < a) return 0;                               /* negative after adjustment */
        *body = v - a;
    }
    uint64_t prefix = s->cfg.header_offset + got; /* <= 2^62 + 10 */
    return *body <= LENGTH_LIMIT - prefix;
}

/* The field is complete (f->pos is just past it): apply adjust, check. */
static void length_field_done(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                              tcpsift_frame_cb cb, void *ctx)
{
    uint64_t body;
    if (!length_body_of(s, f->field_value, f->field_got, &body)) {
        length_stop(f, TCPSIFT_FRAME_BAD_LENGTH, f->frame_start, cb, ctx);
        return;
    }
    uint64_t prefix = s->cfg.header_offset + f->field_got;
    f->body_len = body;
    if (prefix + body > s->cfg.max) {
        framer_pend_reset(f);
        framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_TOO_LONG, f->frame_start, body, cb,
                          ctx);
        if (body == 0) {
            length_next_frame(f, s, f->pos);
        } else {
            f->phase = LEN_SKIP;
            f->need = body;
        }
        return;
    }
    if (body == 0) {
        length_deliver(f, s, cb, ctx);
        return;
    }
    f->phase = LEN_BODY;
    f->need = body;
}

/* A whole fixed-width field of w bytes at p: the value framer_field_byte builds byte by byte
 * (the split-invariance tests compare both paths); the common widths in one load. */
static inline uint64_t field_value_of(const uint8_t *p, unsigned w, int big_endian)
{
    if (w == 4) return big_endian ? load_be32(p) : load_le32(p);
    if (w == 2) return big_endian ? load_be16(p) : (uint64_t)p[0] | (uint64_t)p[1] << 8;
    uint64_t v = 0;
    for (unsigned i = 0; i < w; i++)
        v |= (uint64_t)p[i] << (8 * (big_endian ? w - 1 - i : i));
    return v;
}

/* One whole frame of length_whole_frames' chunk, its body at `body_ptr`, `whole` bytes with
 * its field (and header): its body's view and lengths set in the frame built once, the stream
 * position past it before the callback, the next frame's offset after. */
static inline void whole_frame_deliver(tcpsift_framer_state *f, tcpsift_frame *fr,
                                       tcpsift_bytes *seg, const uint8_t *body_ptr, uint64_t body,
                                       uint64_t whole, tcpsift_frame_cb cb, void *ctx)
{
    seg->ptr = body_ptr;
    seg->len = (size_t)body;
    fr->len = fr->data_len = body;
    f->pos += whole;
    cb(ctx, fr);
    fr->offset = f->pos; /* the next frame starts where this one ended */
}

/* At a frame's start with nothing pending, a whole frame (header bytes, a fixed-width field
 * and a non-empty body within max) inside this chunk: delivered at once as (when N > 0) one
 * header view and one body view, which is what the step-by-step path below delivers for it (the
 * split-invariance tests and fuzz_split_invariance compare chunkings that take either path).
 * 0, consuming nothing, for anything else; 1 when it delivered one or more such frames.
 *
 * One cursor_peek proves the whole chunk present; every frame's loads are inside it by the
 * length checks before them. The setup's fields are read once and the frame is built once,
 * each round writing only what changes (issue 9: a callback per frame forced every field to be
 * reloaded and the 72-byte frame rebuilt). f->pos is advanced before each callback, as the
 * step-by-step path does (tcpsift_framer_offset() inside a callback reads it); the rest of the
 * next frame's state (length_next_frame) is written once, after the last. */
static int length_whole_frames(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                               tcpsift_cursor *in, tcpsift_frame_cb cb, void *ctx)
{
    const uint64_t hdr = s->cfg.header_offset, max = s->cfg.max;
    const unsigned w = s->cfg.width;
    const int big_endian = s->cfg.big_endian;
    const size_t left = cursor_left(in);
    const uint8_t *chunk;
    if (w < 2 || !cursor_peek(in, left, &chunk)) return 0;
    tcpsift_bytes header = {NULL, (size_t)hdr}, seg = {NULL, 0};
    tcpsift_frame fr = {TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, f->frame_start, 0,
                        hdr ? &header : NULL, hdr ? 1u : 0u, &seg, 1, 0};
    size_t used = 0; /* bytes of the chunk delivered */
    /* Each round is what the loop of framer_length_feed does after a whole frame: the next
     * frame starts with nothing pending (length_next_frame), so it is tried here at once
     * (issue 9: without the loop's dispatch per frame). */
    if (hdr == 0 && w == 4 && big_endian && s->cfg.adjust == 0) {
        /* len:4:be, the usual spec, as the general loop runs it: every 32-bit field value is a
         * body length_body_of accepts, so only the checks that can fail are made. */
        while (!f->stopped && left - used >= 4) {
            const uint8_t *p = chunk + used;
            uint64_t body = load_be32(p), whole = 4 + body;
            if (body == 0 || whole > max || whole > left - used) break;
            used += (size_t)whole;
            whole_frame_deliver(f, &fr, &seg, p + 4, body, whole, cb, ctx);
        }
    } else {
        while (!f->stopped) {
            size_t rest = left - used;
            if (hdr > rest || w > rest - hdr) break;
            const uint8_t *p = chunk + used;
            uint64_t body;
            if (!length_body_of(s, field_value_of(p + hdr, w, big_endian), w, &body)) break;
            uint64_t whole = hdr + w + body; /* <= 2^63 (length_body_of) */
            if (body == 0 || whole > max || whole > rest) break;
            /* header: the offset=N bytes before the field (none when N is 0); body: after the
             * field */
            header.ptr = p;
            used += (size_t)whole;
            whole_frame_deliver(f, &fr, &seg, p + hdr + w, body, whole, cb, ctx);
        }
    }
    if (used == 0) return 0;
    cursor_skip(in, used);
    length_next_frame(f, s, f->pos);
    return 1;
}

int framer_length_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s, tcpsift_cursor *in,
                       tcpsift_frame_cb cb, void *ctx)
{
    while (cursor_left(in) > 0 && !f->stopped) {
        size_t left = cursor_left(in);
        size_t n = f->need < left ? (size_t)f->need : left;
        const uint8_t *p = NULL;
        switch ((enum length_phase)f->phase) {
        case LEN_HEADER:
            if (f->need == s->cfg.header_offset && f->field_got == 0 && f->nviews == 0 &&
                f->tail_len == 0 && length_whole_frames(f, s, in, cb, ctx))
                break;
            if (f->need > 0) {
                cursor_take(in, n, &p);
                if (!framer_pend_add(f, s, p, n)) return 0;
                f->pos += n;
                f->need -= n;
                break;
            }
            if (s->cfg.width > 1 && f->field_got == 0 && left >= s->cfg.width) {
                /* The whole fixed-width field is in this chunk: decode it in one step (the
                 * value framer_field_byte builds byte by byte; the split-invariance tests
                 * compare both paths), with one view append. */
                unsigned w = s->cfg.width;
                cursor_take(in, w, &p);
                if (!framer_pend_add(f, s, p, w)) return 0;
                f->pos += w;
                f->field_value = field_value_of(p, w, s->cfg.big_endian);
                f->field_got = w;
                length_field_done(f, s, cb, ctx);
                break;
            }
            cursor_take(in, 1, &p);
            if (!framer_pend_add(f, s, p, 1)) return 0;
            f->pos += 1;
            switch (framer_field_byte(f, s, p[0])) {
            case FIELD_MORE:
                break;
            case FIELD_DONE:
                length_field_done(f, s, cb, ctx);
                break;
            case FIELD_OVERFLOW:
                length_stop(f, TCPSIFT_FRAME_BAD_LENGTH, f->frame_start, cb, ctx);
                break;
            }
            break;
        case LEN_BODY:
            cursor_take(in, n, &p);
            if (!framer_pend_add(f, s, p, n)) return 0;
            f->pos += n;
            f->need -= n;
            if (f->need == 0) length_deliver(f, s, cb, ctx);
            break;
        case LEN_SKIP:
            cursor_skip(in, n);
            f->pos += n;
            f->need -= n;
            if (f->need == 0) length_next_frame(f, s, f->pos);
            break;
        }
    }
    /* A stopped direction swallows the rest. */
    f->pos += cursor_left(in);
    cursor_skip(in, cursor_left(in));
    return 1;
}

void framer_length_gap(tcpsift_framer_state *f, const tcpsift_framer_setup *s, uint64_t gap_len,
                       tcpsift_frame_cb cb, void *ctx)
{
    uint64_t hdr = s->cfg.header_offset;
    switch ((enum length_phase)f->phase) {
    case LEN_HEADER:
        /* Even at a frame boundary the gap swallows the next header. */
        length_stop(f, TCPSIFT_FRAME_DESYNC, f->frame_start, cb, ctx);
        return;
    case LEN_BODY: {
        uint64_t known = f->body_len - f->need;
        framer_emit(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_TRUNCATED, f->frame_start, f->body_len, 0,
                    hdr, hdr + f->field_got, known, cb, ctx);
        framer_pend_reset(f);
        f->phase = LEN_SKIP;
        break;
    }
    case LEN_SKIP:
        break;
    }
    /* Skipping a body of known length: resume at its end when the gap ends
     * there or before, else the gap reaches into the next header. */
    if (gap_len < f->need) {
        f->need -= gap_len;
        return;
    }
    uint64_t next = f->pos + f->need;
    if (gap_len == f->need) {
        length_next_frame(f, s, next);
        return;
    }
    length_stop(f, TCPSIFT_FRAME_DESYNC, next, cb, ctx);
}

void framer_length_finish(tcpsift_framer_state *f, tcpsift_frame_cb cb, void *ctx)
{
    switch ((enum length_phase)f->phase) {
    case LEN_HEADER:
        if (framer_pend_len(f) > 0)
            framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_INCOMPLETE, f->frame_start, 0,
                              cb, ctx);
        return;
    case LEN_BODY:
        framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_INCOMPLETE, f->frame_start,
                          f->body_len, cb, ctx);
        return;
    case LEN_SKIP:
        return;
    }
}

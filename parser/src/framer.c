/* Framer machinery common to every framing: the pending-frame buffer (views
 * into fed chunks plus a bounded, caller-allocated tail copy), frame
 * delivery, and the feed/gap/finish entry points that dispatch by kind. */
#include <stdlib.h>
#include <string.h>

#include "framer_internal.h"

static void *libc_realloc(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    return realloc(ptr, size);
}

static void libc_free(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

const char *tcpsift_frame_error_name(tcpsift_frame_error err)
{
    switch (err) {
    case TCPSIFT_FRAME_OK:
        return "";
    case TCPSIFT_FRAME_TRUNCATED:
        return "truncated";
    case TCPSIFT_FRAME_DESYNC:
        return "desync";
    case TCPSIFT_FRAME_TOO_LONG:
        return "too_long";
    case TCPSIFT_FRAME_BAD_LENGTH:
        return "bad_length";
    case TCPSIFT_FRAME_INCOMPLETE:
        return "incomplete";
    }
    return "unknown";
}

const char *tcpsift_frame_part_name(tcpsift_frame_part part)
{
    switch (part) {
    case TCPSIFT_FRAME_WHOLE:
        return "whole";
    case TCPSIFT_FRAME_HEADER:
        return "header";
    case TCPSIFT_FRAME_BODY:
        return "body";
    }
    return "unknown";
}

size_t tcpsift_frame_copy_body(const tcpsift_frame *frame, uint8_t *out, size_t cap)
{
    if (!frame || (!out && cap)) return 0;
    size_t done = 0;
    for (size_t i = 0; i < frame->nsegs && done < cap; i++) {
        size_t n = frame->segs[i].len;
        if (n > cap - done) n = cap - done;
        if (n) memcpy(out + done, frame->segs[i].ptr, n);
        done += n;
    }
    return done;
}

/* ------------------------------------------------------------ pending bytes */

uint64_t framer_pend_len(const tcpsift_framer_state *f)
{
    uint64_t n = f->tail_len;
    for (size_t i = 0; i < f->nviews; i++)
        n += f->views[i].len;
    return n;
}

void framer_fail_memory(tcpsift_framer_state *f)
{
    f->sticky = TCPSIFT_E_NO_MEMORY;
    f->stopped = 1;
    framer_pend_reset(f);
}

/* Make room for `extra` more tail bytes, growing geometrically but never past
 * tail_limit: the buffer grows only as bytes really arrive. */
static int framer_tail_reserve(tcpsift_framer_state *f, const tcpsift_framer_setup *s, size_t extra)
{
    if (extra > s->tail_limit || f->tail_len > s->tail_limit - extra) return 0;
    size_t need = f->tail_len + extra;
    if (need <= f->tail_cap) return 1;
    size_t cap = f->tail_cap ? f->tail_cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > s->tail_limit) cap = s->tail_limit;
    uint8_t *p = s->alloc.realloc_fn(s->alloc.ctx, f->tail, cap);
    if (!p) return 0;
    f->tail = p;
    f->tail_cap = cap;
    return 1;
}

int framer_pend_settle(tcpsift_framer_state *f, const tcpsift_framer_setup *s)
{
    size_t total = 0;
    for (size_t i = 0; i < f->nviews; i++) {
        if (f->views[i].len > SIZE_MAX - total) return 0;
        total += f->views[i].len;
    }
    if (total == 0) {
        f->nviews = 0;
        return 1;
    }
    if (!framer_tail_reserve(f, s, total)) {
        framer_fail_memory(f);
        return 0;
    }
    for (size_t i = 0; i < f->nviews; i++) {
        memcpy(f->tail + f->tail_len, f->views[i].ptr, f->views[i].len);
        f->tail_len += f->views[i].len;
    }
    f->copied_bytes += total;
    f->nviews = 0;
    return 1;
}

size_t framer_pend_slice(const tcpsift_framer_state *f, uint64_t from, uint64_t len,
                         tcpsift_bytes *out, size_t cap)
{
    if (f->tail_len == 0 && f->nviews == 1) {
        /* The common case, a frame inside one fed chunk: the loop below reduced to its one
         * piece (same result). */
        const tcpsift_bytes *v = &f->views[0];
        if (len == 0 || cap == 0 || from >= v->len) return 0;
        uint64_t take = v->len - from;
        out[0].ptr = v->ptr + from;
        out[0].len = (size_t)(take < len ? take : len);
        return 1;
    }
    if (f->tail_len == 0) {
        /* Views only (STABLE mode): the loop below without its empty tail piece, the views
         * before `from` skipped first (same result; issue 9: frames spanning segments). */
        size_t used = 0, i = 0;
        if (len == 0 || cap == 0) return 0;
        while (i < f->nviews && from >= f->views[i].len) {
            from -= f->views[i].len;
            i++;
        }
        for (; i < f->nviews && len > 0 && used < cap; i++) {
            if (f->views[i].len == 0) continue;
            uint64_t take = f->views[i].len - from;
            if (take > len) take = len;
            out[used].ptr = f->views[i].ptr + from;
            out[used].len = (size_t)take;
            used++;
            len -= take;
            from = 0;
        }
        return used;
    }
    size_t used = 0;
    uint64_t at = 0; /* pending offset of the current piece */
    for (size_t i = 0; i <= f->nviews && len > 0 && used < cap; i++) {
        const uint8_t *ptr = i == 0 ? f->tail : f->views[i - 1].ptr;
        uint64_t plen = i == 0 ? f->tail_len : f->views[i - 1].len;
        if (plen == 0) continue;
        if (from >= at + plen) {
            at += plen;
            continue;
        }
        uint64_t skip = from > at ? from - at : 0;
        uint64_t take = plen - skip;
        if (take > len) take = len;
        out[used].ptr = ptr + skip;
        out[used].len = (size_t)take;
        used++;
        len -= take;
        from += take;
        at += plen;
    }
    return used;
}

void framer_emit(tcpsift_framer_state *f, tcpsift_frame_part part, tcpsift_frame_error err,
                 uint64_t offset, uint64_t len, uint64_t hdr_from, uint64_t hdr_len,
                 uint64_t body_from, uint64_t body_len, tcpsift_frame_cb cb, void *ctx)
{
    /* Scratch for the frame's view lists: on the stack, valid during the callback only, so
     * they cost no per-direction memory. */
    tcpsift_bytes out_header[TCPSIFT_FRAMER_MAX_VIEWS + 1], out_body[TCPSIFT_FRAMER_MAX_VIEWS + 1];
    tcpsift_frame fr;
    fr.part = part;
    fr.error = err;
    fr.offset = offset;
    fr.len = len;
    fr.nheader = hdr_len ? framer_pend_slice(f, hdr_from, hdr_len, out_header,
                                             TCPSIFT_FRAMER_MAX_VIEWS + 1)
                         : 0;
    fr.header = fr.nheader ? out_header : NULL;
    fr.nsegs = body_len ? framer_pend_slice(f, body_from, body_len, out_body,
                                            TCPSIFT_FRAMER_MAX_VIEWS + 1)
                        : 0;
    fr.segs = fr.nsegs ? out_body : NULL;
    fr.data_len = 0;
    for (size_t i = 0; i < fr.nsegs; i++)
        fr.data_len += fr.segs[i].len;
    cb(ctx, &fr);
}

void framer_emit_error(tcpsift_framer_state *f, tcpsift_frame_part part, tcpsift_frame_error err,
                       uint64_t offset, uint64_t len, tcpsift_frame_cb cb, void *ctx)
{
    framer_emit(f, part, err, offset, len, 0, 0, 0, 0, cb, ctx);
}

/* ------------------------------------------------------------ entry points */

tcpsift_error framer_setup_init(tcpsift_framer_setup *s, const tcpsift_framer_config *cfg,
                                tcpsift_framer_mode mode, const tcpsift_framer_alloc *alloc)
{
    memset(s, 0, sizeof *s);
    if (framer_config_check(cfg)) return TCPSIFT_E_INVALID_ARGUMENT;
    if (mode != TCPSIFT_FRAMER_COPY_TAIL && mode != TCPSIFT_FRAMER_STABLE)
        return TCPSIFT_E_INVALID_ARGUMENT;
    if (alloc && (!alloc->realloc_fn || !alloc->free_fn)) return TCPSIFT_E_INVALID_ARGUMENT;
    s->cfg = *cfg;
    s->mode = mode;
    if (alloc) {
        s->alloc = *alloc;
    } else {
        s->alloc.realloc_fn = libc_realloc;
        s->alloc.free_fn = libc_free;
    }
    /* Pending never holds more than the frame max plus a length field
     * (header bytes before the field are inside max) or a partial delimiter. */
    uint64_t limit =
        cfg->max + TCPSIFT_FRAMER_TAIL_SLACK + TCPSIFT_FRAMER_MAX_DELIM + cfg->header_offset;
    s->tail_limit = limit > SIZE_MAX ? SIZE_MAX : (size_t)limit;
    if (cfg->kind == TCPSIFT_FRAMER_LINE || cfg->kind == TCPSIFT_FRAMER_DELIM) {
        /* fail[i] = length of the longest proper prefix of delim[0..i] that is also its
         * suffix (the KMP automaton of framer_delimiter.c). */
        const uint8_t *d = cfg->delim;
        size_t k = 0;
        for (size_t i = 1; i < cfg->delim_len; i++) {
            while (k > 0 && d[i] != d[k])
                k = s->fail[k - 1];
            if (d[i] == d[k]) k++;
            s->fail[i] = (uint8_t)k;
        }
    }
    return TCPSIFT_OK;
}

void framer_state_init(tcpsift_framer_state *f, const tcpsift_framer_setup *s, tcpsift_bytes *views)
{
    memset(f, 0, sizeof *f);
    f->sticky = TCPSIFT_OK;
    f->views = views;
    switch (s->cfg.kind) {
    case TCPSIFT_FRAMER_LENGTH:
        framer_length_init(f, s);
        break;
    case TCPSIFT_FRAMER_LINE:
    case TCPSIFT_FRAMER_DELIM:
        framer_delimiter_init(f);
        break;
    case TCPSIFT_FRAMER_JSON_HEADER:
        framer_json_init(f);
        break;
    }
}

tcpsift_error tcpsift_framer_init(tcpsift_framer *f, const tcpsift_framer_config *cfg,
                                  tcpsift_framer_mode mode, const tcpsift_framer_alloc *alloc)
{
    if (!f || !cfg) return TCPSIFT_E_INVALID_ARGUMENT;
    memset(f, 0, sizeof *f);
    tcpsift_error err = framer_setup_init(&f->setup, cfg, mode, alloc);
    if (err != TCPSIFT_OK) return err;
    framer_state_init(&f->state, &f->setup, f->views);
    return TCPSIFT_OK;
}

void framer_state_destroy(tcpsift_framer_state *f, const tcpsift_framer_setup *s)
{
    if (f->tail && s->alloc.free_fn) s->alloc.free_fn(s->alloc.ctx, f->tail);
    f->tail = NULL;
    f->tail_cap = f->tail_len = 0;
    f->nviews = 0;
}

void framer_tail_release(tcpsift_framer_state *f, const tcpsift_framer_setup *s)
{
    if (f->tail == NULL || f->tail_len != 0) return;
    s->alloc.free_fn(s->alloc.ctx, f->tail);
    f->tail = NULL;
    f->tail_cap = 0;
}

void tcpsift_framer_destroy(tcpsift_framer *f)
{
    if (!f || f->busy) return;
    framer_state_destroy(&f->state, &f->setup);
}

/* A public call that runs callbacks: refused while another runs (a callback calling back). */
static int framer_enter(tcpsift_framer *f)
{
    if (!f || f->busy) return 0;
    f->busy = 1;
    f->state.views = f->views;
    return 1;
}

static tcpsift_error framer_leave(tcpsift_framer *f, tcpsift_error err)
{
    f->busy = 0;
    return err;
}

tcpsift_error tcpsift_framer_feed(tcpsift_framer *f, const uint8_t *data, size_t len,
                                  tcpsift_frame_cb cb, void *ctx)
{
    if (!framer_enter(f)) return TCPSIFT_E_INVALID_ARGUMENT;
    return framer_leave(f, framer_feed(&f->state, &f->setup, data, len, cb, ctx, 0));
}

tcpsift_error tcpsift_framer_feed_transient(tcpsift_framer *f, const uint8_t *data, size_t len,
                                            tcpsift_frame_cb cb, void *ctx)
{
    if (!framer_enter(f)) return TCPSIFT_E_INVALID_ARGUMENT;
    return framer_leave(f, framer_feed(&f->state, &f->setup, data, len, cb, ctx, 1));
}

tcpsift_error framer_state_gap(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                               uint64_t gap_len, tcpsift_frame_cb cb, void *ctx)
{
    if (!cb || f->finished) return TCPSIFT_E_INVALID_ARGUMENT;
    if (f->sticky != TCPSIFT_OK) return f->sticky;
    if (gap_len > UINT64_MAX - f->pos) return TCPSIFT_E_INVALID_ARGUMENT;
    if (gap_len == 0) return TCPSIFT_OK;
    if (!f->stopped) {
        switch (s->cfg.kind) {
        case TCPSIFT_FRAMER_LENGTH:
            framer_length_gap(f, s, gap_len, cb, ctx);
            break;
        case TCPSIFT_FRAMER_LINE:
        case TCPSIFT_FRAMER_DELIM:
            framer_delimiter_gap(f, gap_len, cb, ctx);
            break;
        case TCPSIFT_FRAMER_JSON_HEADER:
            framer_json_gap(f, gap_len, cb, ctx);
            break;
        }
    }
    f->pos += gap_len;
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_framer_gap(tcpsift_framer *f, uint64_t gap_len, tcpsift_frame_cb cb,
                                 void *ctx)
{
    if (!framer_enter(f)) return TCPSIFT_E_INVALID_ARGUMENT;
    return framer_leave(f, framer_state_gap(&f->state, &f->setup, gap_len, cb, ctx));
}

tcpsift_error framer_state_finish(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                                  tcpsift_frame_cb cb, void *ctx)
{
    if (!cb || f->finished) return TCPSIFT_E_INVALID_ARGUMENT;
    f->finished = 1;
    if (f->sticky != TCPSIFT_OK) return f->sticky;
    if (!f->stopped) {
        switch (s->cfg.kind) {
        case TCPSIFT_FRAMER_LENGTH:
            framer_length_finish(f, cb, ctx);
            break;
        case TCPSIFT_FRAMER_LINE:
        case TCPSIFT_FRAMER_DELIM:
            framer_delimiter_finish(f, cb, ctx);
            break;
        case TCPSIFT_FRAMER_JSON_HEADER:
            framer_json_finish(f, cb, ctx);
            break;
        }
    }
    framer_pend_reset(f);
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_framer_finish(tcpsift_framer *f, tcpsift_frame_cb cb, void *ctx)
{
    if (!framer_enter(f)) return TCPSIFT_E_INVALID_ARGUMENT;
    return framer_leave(f, framer_state_finish(&f->state, &f->setup, cb, ctx));
}

uint64_t tcpsift_framer_offset(const tcpsift_framer *f)
{
    if (!f) return 0;
    return f->state.pos;
}

int tcpsift_framer_stopped(const tcpsift_framer *f)
{
    if (!f) return 1;
    return f->state.stopped;
}

uint64_t tcpsift_framer_copied_bytes(const tcpsift_framer *f)
{
    if (!f) return 0;
    return f->state.copied_bytes;
}

/* Private machinery shared by the framer kinds (framer.c owns the pending
 * buffer and delivery; framer_length.c, framer_delimiter.c and
 * framer_json_header.c own their state machines). Never installed.
 *
 * Everything works on a direction's state `f` and the setup `s` it was initialised with
 * (tcpsift/framer.h): the public tcpsift_framer passes its own pair, the tracker each
 * direction's state and its one setup. */
#ifndef TCPSIFT_FRAMER_INTERNAL_H
#define TCPSIFT_FRAMER_INTERNAL_H

#include "tcpsift/framer.h"
#include "cursor.h"

/* Config validation shared by spec parsing and init. Returns NULL when
 * valid, else a static reason. */
const char *framer_config_check(const tcpsift_framer_config *cfg);

/* The setup for cfg, mode and alloc (NULL: the C library), validated as tcpsift_framer_init
 * documents; s is then never written again. */
tcpsift_error framer_setup_init(tcpsift_framer_setup *s, const tcpsift_framer_config *cfg,
                                tcpsift_framer_mode mode, const tcpsift_framer_alloc *alloc);
/* A fresh direction of setup s (valid), its pending views kept in `views`
 * (TCPSIFT_FRAMER_MAX_VIEWS entries, the caller's; f->views may be pointed elsewhere between
 * calls, the nviews entries pending copied along). Nothing is allocated. */
void framer_state_init(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                       tcpsift_bytes *views);
/* Release the tail buffer (tcpsift_framer_destroy). */
void framer_state_destroy(tcpsift_framer_state *f, const tcpsift_framer_setup *s);
/* Frees the tail buffer when it holds no byte (its room is only kept for the next frame that
 * spans chunks, which grows one again): for a direction going quiet (stream_rest.c). */
void framer_tail_release(tcpsift_framer_state *f, const tcpsift_framer_setup *s);
/* tcpsift_framer_gap and tcpsift_framer_finish of one direction. */
tcpsift_error framer_state_gap(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                               uint64_t gap_len, tcpsift_frame_cb cb, void *ctx);
tcpsift_error framer_state_finish(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                                  tcpsift_frame_cb cb, void *ctx);

/* Pending frame bytes ------------------------------------------------- */
/* Inline: at every frame boundary (issue 9). */
static inline void framer_pend_reset(tcpsift_framer_state *f)
{
    f->tail_len = 0;
    f->nviews = 0;
}
uint64_t framer_pend_len(const tcpsift_framer_state *f);
/* Copy every view into the tail buffer (COPY_TAIL: before feed() returns). */
int framer_pend_settle(tcpsift_framer_state *f, const tcpsift_framer_setup *s);
/* Append n bytes at p (a view into the chunk being fed, or a copy). Returns 0
 * when the tail buffer could not grow (the framer is then stopped). Inline: once or twice per
 * chunk (issue 9). */
static inline int framer_pend_add(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                                  const uint8_t *p, size_t n)
{
    if (n == 0) return 1;
    if (f->nviews > 0) {
        tcpsift_bytes *last = &f->views[f->nviews - 1];
        /* Contiguous with the last view (same chunk): extend, so a frame inside
         * one chunk stays one view. Compare without forming an out-of-range
         * pointer: p is inside the current chunk, last->ptr + last->len is the
         * one-past-end of a valid range. */
        if (last->ptr + last->len == p) {
            last->len += n;
            return 1;
        }
    }
    if (f->nviews == TCPSIFT_FRAMER_MAX_VIEWS && !framer_pend_settle(f, s)) return 0;
    f->views[f->nviews].ptr = p;
    f->views[f->nviews].len = n;
    f->nviews++;
    return 1;
}

/* Deliver one frame. Header bytes are pending[hdr_from, hdr_from+hdr_len),
 * body bytes pending[body_from, body_from+body_len) (both within pending). */
void framer_emit(tcpsift_framer_state *f, tcpsift_frame_part part, tcpsift_frame_error err,
                 uint64_t offset, uint64_t len, uint64_t hdr_from, uint64_t hdr_len,
                 uint64_t body_from, uint64_t body_len, tcpsift_frame_cb cb, void *ctx);
/* Deliver an error frame without bytes. */
void framer_emit_error(tcpsift_framer_state *f, tcpsift_frame_part part, tcpsift_frame_error err,
                       uint64_t offset, uint64_t len, tcpsift_frame_cb cb, void *ctx);
/* Slice pending[from, from+len) into out (cap entries); returns entries used. */
size_t framer_pend_slice(const tcpsift_framer_state *f, uint64_t from, uint64_t len,
                         tcpsift_bytes *out, size_t cap);

/* Length fields (framer_length.c) ------------------------------------- */
enum framer_field_step { FIELD_MORE, FIELD_DONE, FIELD_OVERFLOW };
/* Consume one length-field byte into f->field_value / f->field_got. */
enum framer_field_step framer_field_byte(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                                         uint8_t b);
static inline void framer_field_reset(tcpsift_framer_state *f)
{
    f->field_value = 0;
    f->field_got = 0;
}

/* Kinds: each consumes the whole cursor (f->pos advances in framer.c). ---- */
void framer_length_init(tcpsift_framer_state *f, const tcpsift_framer_setup *s);
int framer_length_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s, tcpsift_cursor *in,
                       tcpsift_frame_cb cb, void *ctx);
void framer_length_gap(tcpsift_framer_state *f, const tcpsift_framer_setup *s, uint64_t gap_len,
                       tcpsift_frame_cb cb, void *ctx);
void framer_length_finish(tcpsift_framer_state *f, tcpsift_frame_cb cb, void *ctx);

void framer_delimiter_init(tcpsift_framer_state *f);
int framer_delimiter_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                          tcpsift_cursor *in, tcpsift_frame_cb cb, void *ctx);
void framer_delimiter_gap(tcpsift_framer_state *f, uint64_t gap_len, tcpsift_frame_cb cb,
                          void *ctx);
void framer_delimiter_finish(tcpsift_framer_state *f, tcpsift_frame_cb cb, void *ctx);

void framer_json_init(tcpsift_framer_state *f);
int framer_json_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s, tcpsift_cursor *in,
                     tcpsift_frame_cb cb, void *ctx);
void framer_json_gap(tcpsift_framer_state *f, uint64_t gap_len, tcpsift_frame_cb cb, void *ctx);
void framer_json_finish(tcpsift_framer_state *f, tcpsift_frame_cb cb, void *ctx);

/* Bounded JSON reader: find top-level integer member `key` of the object in
 * segs. Returns 1 and *out when found exactly once as an integer >= 0 that
 * fits in 64 bits; 0 for anything else. */
int framer_json_find_uint(const tcpsift_bytes *segs, size_t nsegs, const char *key, size_t key_len,
                          uint64_t *out);

/* Out of memory: sticky error, stopped, nothing pending. */
void framer_fail_memory(tcpsift_framer_state *f);

/* tcpsift_framer_feed (transient 0) and tcpsift_framer_feed_transient (1): inline, so the
 * tracker feeds each stream chunk without a call of its own (issue 9). */
static inline tcpsift_error framer_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                                        const uint8_t *data, size_t len, tcpsift_frame_cb cb,
                                        void *ctx, int transient)
{
    if (!f || !cb || (!data && len > 0) || f->finished) return TCPSIFT_E_INVALID_ARGUMENT;
    if (f->sticky != TCPSIFT_OK) return f->sticky;
    if ((uint64_t)len > UINT64_MAX - f->pos) return TCPSIFT_E_INVALID_ARGUMENT;
    if (len == 0) return TCPSIFT_OK;
    if (f->stopped) {
        f->pos += len;
        return TCPSIFT_OK;
    }
    tcpsift_cursor in = cursor_make(data, len);
    int ok = 0;
    switch (s->cfg.kind) {
    case TCPSIFT_FRAMER_LENGTH:
        ok = framer_length_feed(f, s, &in, cb, ctx);
        break;
    case TCPSIFT_FRAMER_LINE:
    case TCPSIFT_FRAMER_DELIM:
        ok = framer_delimiter_feed(f, s, &in, cb, ctx);
        break;
    case TCPSIFT_FRAMER_JSON_HEADER:
        ok = framer_json_feed(f, s, &in, cb, ctx);
        break;
    }
    if (!ok) {
        framer_fail_memory(f);
        return f->sticky;
    }
    /* COPY_TAIL, or a transient chunk: the caller reuses data after we
     * return; keep no view into it. */
    if ((s->mode == TCPSIFT_FRAMER_COPY_TAIL || transient) && !framer_pend_settle(f, s))
        return f->sticky;
    return TCPSIFT_OK;
}

#endif

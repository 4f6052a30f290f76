/* Delimiter framing, `line[,max=N]` and `delim:HEX[,max=N]`: a frame is the
 * bytes before the delimiter (`line`: before "\n", one preceding "\r"
 * dropped).
 *
 * The search is a KMP automaton whose state (bytes of the delimiter matched
 * so far) lives in the framer, so a delimiter straddling chunks is found and
 * no byte is examined twice: linear time, and memory bounded by max plus the
 * delimiter even when the peer never sends one. Discarding an over-long
 * frame runs the same automaton, so the partial delimiter at a chunk
 * boundary is kept (Netty's DelimiterBasedFrameDecoder could drop it). */
#include <string.h>

#include "framer_internal.h"

enum delim_phase {
    DELIM_SEARCH,  /* collecting a frame */
    DELIM_DISCARD, /* frame is over max: counting to the delimiter, keeping nothing */
    DELIM_RESYNC   /* after a gap: skipping to the next delimiter */
};

static int is_line(const tcpsift_framer_setup *s)
{
    return s->cfg.kind == TCPSIFT_FRAMER_LINE;
}

/* The failure table is the setup's (framer_setup_init): one per configuration. */
void framer_delimiter_init(tcpsift_framer_state *f)
{
    f->phase = DELIM_SEARCH;
    f->frame_start = 0;
    f->seen = 0;
    f->match = 0;
    f->last_cr = 0;
    framer_pend_reset(f);
}

static size_t kmp_step(const tcpsift_framer_setup *s, size_t j, uint8_t b)
{
    const uint8_t *d = s->cfg.delim;
    while (j > 0 && d[j] != b)
        j = s->fail[j - 1];
    if (d[j] == b) j++;
    return j;
}

static void delim_next_frame(tcpsift_framer_state *f, enum delim_phase phase)
{
    f->phase = phase;
    f->frame_start = f->pos;
    f->seen = 0;
    f->match = 0;
    f->last_cr = 0;
    framer_pend_reset(f);
}

int framer_delimiter_feed(tcpsift_framer_state *f, const tcpsift_framer_setup *s,
                          tcpsift_cursor *in, tcpsift_frame_cb cb, void *ctx)
{
    const size_t dlen = s->cfg.delim_len;
    const uint8_t d0 = s->cfg.delim[0];
    while (cursor_left(in) > 0) {
        const uint8_t *base = in->ptr;
        size_t left = cursor_left(in);
        size_t i = 0;
        size_t j = f->match;
        int found = 0;
        /* Run the automaton to the end of the next delimiter or of the chunk;
         * with no partial match, memchr jumps to the delimiter's first byte. */
        while (i < left) {
            if (j == 0) {
                const uint8_t *q = memchr(base + i, d0, left - i);
                if (!q) {
                    i = left;
                    break;
                }
                i = (size_t)(q - base);
            }
            j = kmp_step(s, j, base[i]);
            i++;
            if (j == dlen) {
                found = 1;
                break;
            }
        }
        const uint8_t *run = NULL;
        cursor_take(in, i, &run);
        uint64_t total = f->seen + i; /* frame bytes so far, delimiter included if found */

        if (found) {
            /* line: the byte before "\n" (in this run, or carried over). */
            int cr = 0;
            if (is_line(s) && total >= 2) cr = i >= 2 ? base[i - 2] == '\r' : f->last_cr;
            /* In SEARCH/DISCARD `seen` counts every frame byte, so total >= dlen. */
            uint64_t content = total >= dlen + (uint64_t)cr ? total - dlen - (uint64_t)cr : 0;
            f->pos += i;
            switch ((enum delim_phase)f->phase) {
            case DELIM_SEARCH:
                if (content <= s->cfg.max) {
                    if (!framer_pend_add(f, s, run, i)) return 0;
                    framer_emit(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_OK, f->frame_start, content,
                                0, 0, 0, content, cb, ctx);
                } else { /* over max: reported with its exact length */
                    framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_TOO_LONG,
                                      f->frame_start, content, cb, ctx);
                }
                break;
            case DELIM_DISCARD:
                framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_TOO_LONG, f->frame_start,
                                  content, cb, ctx);
                break;
            case DELIM_RESYNC:
                break;
            }
            delim_next_frame(f, DELIM_SEARCH);
            continue;
        }

        /* Chunk ended inside the frame: i == left, j = partial match. */
        f->pos += i;
        f->match = (uint8_t)j; /* j <= delim_len <= TCPSIFT_FRAMER_MAX_DELIM */
        if (i > 0 && is_line(s)) f->last_cr = base[i - 1] == '\r';
        switch ((enum delim_phase)f->phase) {
        case DELIM_SEARCH: {
            /* Smallest content length the frame can still have: bytes that
             * may yet be the delimiter (match, or line's trailing "\r") are
             * not counted. It never decreases, so the decision is the same
             * whatever the chunking. */
            uint64_t bound = total - (is_line(s) ? (uint64_t)f->last_cr : j);
            if (bound > s->cfg.max) {
                framer_pend_reset(f);
                f->phase = DELIM_DISCARD;
            } else if (!framer_pend_add(f, s, run, i)) {
                return 0;
            }
            f->seen = total;
            break;
        }
        case DELIM_DISCARD:
            f->seen = total;
            break;
        case DELIM_RESYNC:
            break;
        }
    }
    return 1;
}

void framer_delimiter_gap(tcpsift_framer_state *f, uint64_t gap_len, tcpsift_frame_cb cb, void *ctx)
{
    (void)gap_len;
    switch ((enum delim_phase)f->phase) {
    case DELIM_SEARCH:
    case DELIM_DISCARD:
        /* The gap may hide a delimiter (even at a frame boundary): frames
         * cannot be told apart until the next delimiter we see. */
        framer_pend_reset(f);
        framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_DESYNC, f->frame_start, f->seen, cb,
                          ctx);
        break;
    case DELIM_RESYNC:
        break;
    }
    f->phase = DELIM_RESYNC;
    f->match = 0; /* bytes on both sides of a gap are not contiguous */
    f->last_cr = 0;
    f->seen = 0;
}

void framer_delimiter_finish(tcpsift_framer_state *f, tcpsift_frame_cb cb, void *ctx)
{
    switch ((enum delim_phase)f->phase) {
    case DELIM_SEARCH:
    case DELIM_DISCARD:
        if (f->seen > 0)
            framer_emit_error(f, TCPSIFT_FRAME_WHOLE, TCPSIFT_FRAME_INCOMPLETE, f->frame_start,
                              f->seen, cb, ctx);
        return;
    case DELIM_RESYNC:
        return;
    }
}

/* Resting streams (issue 9: memory per open connection after data). A direction's stream is
 * ~440 bytes while it works: the reassembler's state and counts, the framer's state. A
 * direction that has gone quiet needs almost none of it: most of the object still equals the
 * tracker's stream template (stream_get copies it), and the rest is a few sequence numbers,
 * counts and views. So a stream idle for cfg.stream_rest_ns (its whole connection, or only its
 * own direction), with nothing held out of order, is kept as the words that differ from the
 * template, each an (index, varint) pair in a 48-, 64- or 128-byte form (conn_stream_rested()),
 * and woken, word for word the same object, at its next segment that needs it. Nothing is
 * delivered or dropped by resting, so a tracker gives the same results with it as without
 * (ctest test_tracker_stream_direct, test_stream_rest).
 *
 * Which streams are due is kept cheaply: an awake list in the order streams were listed
 * (opened, woken, or found still busy at their last check), each with the time it was listed
 * and its next offset then. A packet's only cost is comparing its time with the head's due time
 * (rest_check_ns); at that time the head is taken off and rests if its connection's last packet
 * is as old or its next offset has not moved since it was listed, else it is listed again at
 * the back. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conn_internal.h"
#include "flow_table_internal.h"
#include "side_chunks.h"
#include "tracker_internal.h"

enum { STREAM_WORDS = (sizeof(direction_stream) + 7) / 8 };
_Static_assert(STREAM_WORDS <= 256, "a word index fits a byte");
_Static_assert(sizeof(stream_rest) <= 16, "the rested form's head");

static int rest_due(uint64_t since, uint64_t now, uint64_t after)
{
    return now >= since && now - since >= after;
}

static uint64_t conn_clock(const conn *c)
{
    return c->last_ns < 0 ? 0 : (uint64_t)c->last_ns;
}

/* The stream as words, with what a rested form does not keep set as in the template: the
 * tracker, connection and direction (known when it wakes) and the awake list's fields. */
static void stream_words(const struct tcpsift_tracker *t, const direction_stream *ds,
                         uint64_t w[STREAM_WORDS])
{
    const direction_stream *tmpl = t->stream_template;
    direction_stream n;
    memcpy(&n, ds, sizeof n);
    n.t = tmpl->t;
    n.c = tmpl->c;
    n.from = tmpl->from;
    n.listed = tmpl->listed;
    n.awake_prev = tmpl->awake_prev;
    n.awake_next = tmpl->awake_next;
    n.listed_ns = tmpl->listed_ns;
    n.listed_offset = tmpl->listed_offset;
    w[STREAM_WORDS - 1] = 0;
    memcpy(w, &n, sizeof n);
}

static void template_words(const struct tcpsift_tracker *t, uint64_t w[STREAM_WORDS])
{
    w[STREAM_WORDS - 1] = 0;
    memcpy(w, t->stream_template, sizeof *t->stream_template);
}

static unsigned varint_put(uint8_t *p, uint64_t v)
{
    unsigned n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static unsigned varint_len(uint64_t v)
{
    unsigned n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* A word's pair: its index, then the word as one varint, or (index | PAIR_HALVES) as two, its
 * low half first, when that is shorter: a word of two small 32-bit fields (view_head and
 * view_count; a view's offset and length) takes 2-3 bytes instead of 5-6. A word equal to the
 * form's next_offset is (index | PAIR_NEXT) alone: a quiet stream's delivered count, its
 * framer's position and frame start usually are. */
enum { PAIR_HALVES = 0x80, PAIR_NEXT = 0x40 };
_Static_assert((int)STREAM_WORDS <= (int)PAIR_NEXT, "the index leaves the flag bits free");

static unsigned pair_put(uint8_t *p, unsigned index, uint64_t w, uint64_t next_offset)
{
    if (w == next_offset) {
        p[0] = (uint8_t)(index | PAIR_NEXT);
        return 1;
    }
    uint64_t lo = w & 0xFFFFFFFFu, hi = w >> 32;
    if (varint_len(lo) + varint_len(hi) < varint_len(w)) {
        p[0] = (uint8_t)(index | PAIR_HALVES);
        unsigned n = 1 + varint_put(p + 1, lo);
        return n + varint_put(p + n, hi);
    }
    p[0] = (uint8_t)index;
    return 1 + varint_put(p + 1, w);
}

static uint64_t varint_get(const stream_rest *rs, unsigned *at)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = rs->code[(*at)++];
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while ((b & 0x80) && *at < rs->len);
    return v;
}

/* The words a rested form stands for (template words with its pairs applied). The form is the
 * tracker's own, written by stream_put_to_rest(): every pair is whole and within len. */
static void rest_words(const struct tcpsift_tracker *t, const stream_rest *rs,
                       uint64_t w[STREAM_WORDS])
{
    template_words(t, w);
    unsigned at = 0;
    while (at < rs->len) {
        unsigned index = rs->code[at++];
        uint64_t v;
        if (index & PAIR_NEXT) {
            v = rs->next_offset;
        } else {
            v = varint_get(rs, &at);
            if ((index & PAIR_HALVES) && at < rs->len) v |= varint_get(rs, &at) << 32;
        }
        w[(index & ~(unsigned)(PAIR_HALVES | PAIR_NEXT)) % STREAM_WORDS] = v;
    }
}

void stream_rest_peek(const struct tcpsift_tracker *t, const conn *c, int from,
                      const stream_rest *rs, direction_stream *out)
{
    uint64_t w[STREAM_WORDS];
    rest_words(t, rs, w);
    memcpy(out, w, sizeof *out);
    out->t = (struct tcpsift_tracker *)(uintptr_t)t;
    out->c = (conn *)(uintptr_t)c;
    out->from = (uint8_t)from;
}

/* What the no-op tests (rest_ack_settled, rest_in_order) and stream_rest_peek's readers take
 * for granted of a rested stream. Any other state is kept exactly by the form, if it fits. */
static int rest_allowed(const direction_stream *ds)
{
    const tcpsift_reasm_state *r = &ds->reasm;
    return ds->has_reasm && r->have_base && !r->have_fin && !r->finished && !r->in_callback &&
           r->ext_count == 0 && r->acked_hole_end <= r->next_offset && !ds->gap_letter_pending &&
           !ds->urg;
}

static const size_t rest_sizes[STREAM_REST_CLASSES] = STREAM_REST_SIZES;

/* Constant sizes, so side_give's slot arithmetic is a multiply (as side_take's). */
static void rest_give(struct tcpsift_tracker *t, stream_rest *rs)
{
    switch (rs->cls) {
    case 0:
        side_give(t, &t->rest_chunks[0], rest_sizes[0], REST_CHUNK, rs, rs->slot);
        break;
    case 1:
        side_give(t, &t->rest_chunks[1], rest_sizes[1], REST_CHUNK, rs, rs->slot);
        break;
    default:
        side_give(t, &t->rest_chunks[2], rest_sizes[2], REST_CHUNK, rs, rs->slot);
        break;
    }
}

static stream_rest *rest_take(struct tcpsift_tracker *t, unsigned cls, uint8_t *slot)
{
    switch (cls) {
    case 0:
        return side_take(t, &t->rest_chunks[0], rest_sizes[0], REST_CHUNK, 0, slot);
    case 1:
        return side_take(t, &t->rest_chunks[1], rest_sizes[1], REST_CHUNK, 0, slot);
    default:
        return side_take(t, &t->rest_chunks[2], rest_sizes[2], REST_CHUNK, 0, slot);
    }
}

/* Puts ds (off the awake list) to rest: 1 when it did (ds is released), 0 when the stream
 * stays awake (not allowed, its form does not fit, or no memory for the form). */
static int stream_put_to_rest(struct tcpsift_tracker *t, direction_stream *ds)
{
    if (!rest_allowed(ds)) return 0;
    uint64_t w[STREAM_WORDS], tw[STREAM_WORDS], back[STREAM_WORDS];
    stream_words(t, ds, w);
    template_words(t, tw);
    uint8_t code[STREAM_WORDS * 12];
    unsigned len = 0;
    for (unsigned i = 0; i < STREAM_WORDS; i++)
        if (w[i] != tw[i]) len += pair_put(code + len, i, w[i], ds->reasm.next_offset);
    unsigned cls = 0;
    while (cls < STREAM_REST_CLASSES && len > rest_sizes[cls] - sizeof(stream_rest))
        cls++;
    if (cls == STREAM_REST_CLASSES) {
        t->rest_too_large++;
        return 0;
    }
    uint8_t slot;
    stream_rest *rs = rest_take(t, cls, &slot);
    if (!rs) return 0;
    rs->next_offset = ds->reasm.next_offset;
    rs->base_seq = ds->reasm.base_seq;
    rs->slot = slot;
    rs->cls = (uint8_t)cls;
    rs->len = (uint8_t)len;
    memcpy(rs->code, code, len);
    /* The form must give back the same stream (it always does: a failure is a bug, and costs
     * the memory the rest would have saved, never a result). */
    rest_words(t, rs, back);
    if (memcmp(back, w, sizeof w) != 0) {
        t->rest_mismatch++;
        rest_give(t, rs);
        return 0;
    }
    conn *c = ds->c;
    c->ext->stream_word[ds->from] = (uint64_t)(uintptr_t)rs | 2; /* ds exists, so c->ext does */
    spares_give(t, &t->spare_streams, ds, sizeof *ds);
    t->stats.streams_rested++;
    return 1;
}

void streams_rest_sweep(struct tcpsift_tracker *t)
{
    /* The table's clock: the packets' time, never going back (a packet from the past does not
     * reorder the list; one from the far future rests every quiet stream once, as it expires
     * every idle connection). A connection's last packet is never after it. */
    uint64_t now = t->table->clock_ns;
    uint64_t after = t->cfg.stream_rest_ns;
    direction_stream *ds;
    /* A stream listed again is listed at `now`, and after > 0: the loop ends. */
    while ((ds = t->awake_head) != NULL && rest_due(ds->listed_ns, now, after)) {
        stream_awake_unlist(t, ds);
        /* Idle: its connection (no packet either way), or the stream itself (nothing delivered
         * or skipped since it was listed, at least `after` ago), so the quiet direction of a
         * one-way transfer rests while the other keeps sending. */
        int idle = rest_due(conn_clock(ds->c), now, after) ||
                   ds->reasm.next_offset == ds->listed_offset;
        if (!(idle && stream_put_to_rest(t, ds)))
            stream_awake_list(t, ds, now);
    }
    t->rest_check_ns = ds ? rest_deadline(ds->listed_ns, after) : UINT64_MAX;
}

direction_stream *stream_wake(struct tcpsift_tracker *t, conn *c, int from, int reserve)
{
    stream_rest *rs = conn_stream_rested(c, from);
    direction_stream *ds = spares_take(t, &t->spare_streams, sizeof *ds);
    if (!ds && reserve) {
        ds = t->wake_reserve;
        t->wake_reserve = NULL;
    }
    if (!ds) {
        t->stats.memcap_hits++;
        return NULL;
    }
    stream_rest_peek(t, c, from, rs, ds);
    rest_give(t, rs);
    c->ext->stream_word[from] = (uint64_t)(uintptr_t)ds;
    t->stats.streams_woken++;
    stream_awake_list(t, ds, t->table->clock_ns);
    return ds;
}

void stream_rest_drain(struct tcpsift_tracker *t)
{
    for (unsigned cls = 0; cls < STREAM_REST_CLASSES; cls++)
        side_drain(t, &t->rest_chunks[cls], rest_sizes[cls], REST_CHUNK);
}

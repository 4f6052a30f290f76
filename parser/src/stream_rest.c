/* Resting streams (issue 9: memory per open connection after data). A direction's stream is
 * ~440 bytes while it works: the reassembler's state and counts, the framer's state; and the
 * views it retains of delivered bytes (to compare retransmissions with), in an array of up to
 * 64 views of 16 bytes once it holds more than one. A direction that has gone quiet needs
 * almost none of it: most of the object still equals the tracker's stream template
 * (stream_get copies it), and the rest is a few sequence numbers, counts and views. So a
 * stream idle for cfg.stream_rest_ns (its whole connection, or only its own direction), with
 * nothing held out of order, is kept as the words that differ from the template, each an
 * (index, varint) pair, then its views' array coded as deltas (4-5 bytes a view), in a form of
 * 48 to 512 bytes (conn_stream_rested()); the array is freed. At its next segment that needs
 * it the stream is woken, word for word the same object but for where its views are (an array
 * again, oldest first). Nothing is delivered or dropped by resting, so a tracker gives the same
 * results with it as without (ctest test_tracker_stream_direct, test_stream_rest).
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
#include "framer_internal.h"
#include "reasm_settled.h"
#include "side_chunks.h"
#include "tracker_internal.h"

enum { STREAM_WORDS = (sizeof(direction_stream) + 7) / 8 };
_Static_assert(sizeof(stream_rest) <= 16, "the rested form's head");

static const size_t rest_sizes[STREAM_REST_CLASSES] = STREAM_REST_SIZES;
_Static_assert(STREAM_REST_CLASSES <= REST_CLASS_MASK + 1 && !(REST_CLASS_MASK & REST_AWAITS_ACK),
               "a class and the flag share stream_rest.cls");
/* Code bytes in the largest form. */
enum { REST_CODE_MAX = 512 - sizeof(stream_rest) };
_Static_assert(REST_CODE_MAX < 65536, "a form's length fits stream_rest.len");

typedef struct tcpsift_reasm_view view_t;

/* Whether the stream's retained views are in an array of their own (else none, or the one
 * inline in the state) that goes into the form at rest, freed: the views are contiguous from
 * ring_start (as the reassembler keeps them; if not, the array stays and its address is coded
 * with the words), so the form keeps only each one's address and length. */
static int views_fold(const tcpsift_reasm_state *r)
{
    if (r->view_cap <= 1 || r->views == NULL) return 0;
    uint32_t off = (uint32_t)r->ring_start;
    for (uint32_t i = 0; i < r->view_count; i++) {
        const struct tcpsift_reasm_view *v = &r->views[(r->view_head + i) & (r->view_cap - 1)];
        if (v->off_lo != off) return 0;
        off += v->len;
    }
    return 1;
}

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
    if (views_fold(&ds->reasm)) {
        /* the views themselves follow the words in the form; the inline view is unused while
         * there is an array (reassembly.c, view_at) */
        n.reasm.views = NULL;
        n.reasm.view_head = 0;
        n.reasm.first_view = tmpl->reasm.first_view;
    }
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
/* After the pairs, this byte (no pair's: its index is past the words) starts the retained
 * views, oldest first, each as two varints: its address less the end of the view before it
 * (zigzag: a mapped capture's next segment of the stream is usually within a few megabytes),
 * the first's from 0, and its length. Their offsets follow from ring_start (views_fold). */
enum { VIEWS_MARK = 0xFF };
_Static_assert((VIEWS_MARK & (PAIR_NEXT - 1)) >= STREAM_WORDS, "the mark is no word's index");

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

static uint64_t zigzag(int64_t v)
{
    return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
}

static uint64_t unzigzag(uint64_t v)
{
    return (v >> 1) ^ (0 - (v & 1));
}

/* The views of r (views_fold), oldest first, coded into p (at most `room` bytes): 1 and the
 * bytes used in *used, or 0 when they may not fit. */
static int views_put(uint8_t *p, unsigned room, const tcpsift_reasm_state *r, unsigned *used)
{
    unsigned n = 0;
    uint64_t prev_ptr = 0;
    for (uint32_t i = 0; i < r->view_count; i++) {
        const view_t *v = &r->views[(r->view_head + i) & (r->view_cap - 1)];
        uint64_t ptr = (uint64_t)(uintptr_t)v->ptr;
        if (room - n < 2 * 10) return 0; /* two varints of at most 10 bytes each */
        n += varint_put(p + n, zigzag((int64_t)(ptr - prev_ptr)));
        n += varint_put(p + n, v->len);
        prev_ptr = ptr + v->len;
    }
    *used = n;
    return 1;
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

/* The words a rested form stands for (template words with its pairs applied); where its views
 * section's mark is (rs->len: none; a stream whose views array was empty has the mark alone).
 * The form is the tracker's own, written by stream_put_to_rest(): every pair is whole and
 * within len. */
static unsigned rest_words(const struct tcpsift_tracker *t, const stream_rest *rs,
                           uint64_t w[STREAM_WORDS])
{
    template_words(t, w);
    unsigned at = 0;
    while (at < rs->len) {
        unsigned index = rs->code[at++];
        if (index == VIEWS_MARK) return at - 1;
        uint64_t v;
        if (index & PAIR_NEXT) {
            v = rs->next_offset;
        } else {
            v = varint_get(rs, &at);
            if ((index & PAIR_HALVES) && at < rs->len) v |= varint_get(rs, &at) << 32;
        }
        w[(index & ~(unsigned)(PAIR_HALVES | PAIR_NEXT)) % STREAM_WORDS] = v;
    }
    return at;
}

/* The next view of a form's views section (views_put), after the one ending at *prev_ptr and
 * at offset *prev_off (low 32 bits; the first starts at ring_start). */
static void view_get(const stream_rest *rs, unsigned *at, uint64_t *prev_ptr, uint32_t *prev_off,
                     view_t *v)
{
    uint64_t ptr = *prev_ptr + unzigzag(varint_get(rs, at));
    uint32_t off = *prev_off;
    uint32_t len = (uint32_t)varint_get(rs, at);
    memset(v, 0, sizeof *v);
    v->ptr = (const uint8_t *)(uintptr_t)ptr;
    v->off_lo = off;
    v->len = len;
    *prev_ptr = ptr + len;
    *prev_off = off + len;
}

/* Whether the views section whose mark is at `at` gives back r's views, in order. */
static int views_match(const stream_rest *rs, unsigned at, const tcpsift_reasm_state *r)
{
    if (at >= rs->len || rs->code[at++] != VIEWS_MARK) return 0;
    uint64_t prev_ptr = 0;
    uint32_t prev_off = (uint32_t)r->ring_start;
    for (uint32_t i = 0; i < r->view_count; i++) {
        if (at >= rs->len) return 0;
        view_t got;
        view_get(rs, &at, &prev_ptr, &prev_off, &got);
        const view_t *v = &r->views[(r->view_head + i) & (r->view_cap - 1)];
        if (got.ptr != v->ptr || got.off_lo != v->off_lo || got.len != v->len) return 0;
    }
    return at == rs->len;
}

/* The stream a form stands for, in *out, its views (if any) not yet in an array: where their
 * section's mark is in the form (rs->len: none). */
static unsigned rest_words_into(const struct tcpsift_tracker *t, const conn *c, int from,
                                const stream_rest *rs, direction_stream *out)
{
    uint64_t w[STREAM_WORDS];
    unsigned views_at = rest_words(t, rs, w);
    memcpy(out, w, sizeof *out);
    out->t = (struct tcpsift_tracker *)(uintptr_t)t;
    out->c = (conn *)(uintptr_t)c;
    out->from = (uint8_t)from;
    return views_at;
}

void stream_rest_peek(const struct tcpsift_tracker *t, const conn *c, int from,
                      const stream_rest *rs, direction_stream *out)
{
    rest_words_into(t, c, from, rs, out); /* the readers read counts, not views */
}

/* The folded views (the section whose mark is at `at`) back in an array of the stream's
 * view_cap (from the reassembler's allocator, uncounted: see stream_put_to_rest), oldest first.
 * 0 when none can be had. */
static int views_unfold(struct tcpsift_tracker *t, const stream_rest *rs, unsigned at,
                        direction_stream *ds)
{
    at++; /* the mark */
    tcpsift_reasm_state *r = &ds->reasm;
    view_t *a = t->reasm_setup.alloc.alloc(t->reasm_setup.alloc.ctx,
                                           (size_t)r->view_cap * sizeof(view_t));
    if (!a) return 0;
    uint64_t prev_ptr = 0;
    uint32_t prev_off = (uint32_t)r->ring_start;
    for (uint32_t i = 0; i < r->view_count; i++)
        view_get(rs, &at, &prev_ptr, &prev_off, &a[i]);
    r->views = a;
    return 1;
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

/* Whether ds retains delivered bytes, every one of them acknowledged by its peer (the peer's
 * last ACK at or past the next byte): cfg.rest_drops_acked lets them go at rest. */
static int retained_all_acked(const direction_stream *ds)
{
    const tcpsift_reasm_state *r = &ds->reasm;
    const endpoint *peer = &ds->c->ep[1 - ds->from];
    if (r->ring == NULL && r->view_count == 0 && r->view_cap <= 1) return 0;
    if (!(peer->flags & EP_ACK_SEEN)) return 0;
    uint32_t next_seq = r->base_seq + (uint32_t)r->next_offset;
    return (int32_t)(peer->last_ack - next_seq) >= 0;
}

/* Constant sizes, so side_give's slot arithmetic is a multiply (as side_take's): one case a
 * class, each with its class's constant. */
#define REST_GIVE(k)                                                                               \
    case k:                                                                                        \
        side_give(t, &t->rest_chunks[k], rest_sizes[k], REST_CHUNK, rs, rs->slot);               \
        break;
#define REST_TAKE(k)                                                                               \
    case k:                                                                                        \
        return side_take(t, &t->rest_chunks[k], rest_sizes[k], REST_CHUNK, 0, slot);

static void rest_give(struct tcpsift_tracker *t, stream_rest *rs)
{
    _Static_assert(STREAM_REST_CLASSES == 8, "the cases below");
    switch (rs->cls & REST_CLASS_MASK) {
        REST_GIVE(0) REST_GIVE(1) REST_GIVE(2) REST_GIVE(3)
        REST_GIVE(4) REST_GIVE(5) REST_GIVE(6) REST_GIVE(7)
    default: /* a class is below STREAM_REST_CLASSES */
        break;
    }
}

static stream_rest *rest_take(struct tcpsift_tracker *t, unsigned cls, uint8_t *slot)
{
    switch (cls) {
        REST_TAKE(0) REST_TAKE(1) REST_TAKE(2) REST_TAKE(3)
        REST_TAKE(4) REST_TAKE(5) REST_TAKE(6) REST_TAKE(7)
    default: /* a class is below STREAM_REST_CLASSES */
        return NULL;
    }
}
#undef REST_GIVE
#undef REST_TAKE

/* Puts ds (off the awake list) to rest: 1 when it did (ds is released), 0 when the stream
 * stays awake (not allowed, its form does not fit, or no memory for the form). */
static int stream_put_to_rest(struct tcpsift_tracker *t, direction_stream *ds)
{
    if (!rest_allowed(ds)) return 0;
    /* Before the form is made, what it would keep for nothing: the framer's empty tail buffer
     * (copies: room kept for the next frame spanning segments, grown again then; no result
     * changes), and with cfg.rest_drops_acked the acknowledged bytes retained. */
    if (ds->has_framer) framer_tail_release(&ds->framer, &t->framer_setup);
    if (t->cfg.rest_drops_acked && retained_all_acked(ds))
        reasm_retained_drop(&ds->reasm, &t->reasm_setup);
    uint64_t w[STREAM_WORDS], tw[STREAM_WORDS], back[STREAM_WORDS];
    stream_words(t, ds, w);
    template_words(t, tw);
    uint8_t code[STREAM_WORDS * 12 + REST_CODE_MAX];
    unsigned len = 0;
    for (unsigned i = 0; i < STREAM_WORDS; i++)
        if (w[i] != tw[i]) len += pair_put(code + len, i, w[i], ds->reasm.next_offset);
    const tcpsift_reasm_state *r = &ds->reasm;
    int fold = views_fold(r);
    if (fold) {
        unsigned n = 0;
        if (len < REST_CODE_MAX && views_put(code + len + 1, REST_CODE_MAX - len - 1, r, &n)) {
            code[len] = VIEWS_MARK;
            len += 1 + n;
        } else {
            len = REST_CODE_MAX + 1; /* too large for any form */
        }
    }
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
    if (t->cfg.rest_drops_acked && (r->ring != NULL || r->view_count != 0))
        rs->cls |= REST_AWAITS_ACK;
    rs->len = (uint16_t)len;
    memcpy(rs->code, code, len);
    /* The form must give back the same stream (it always does: a failure is a bug, and costs
     * the memory the rest would have saved, never a result). */
    unsigned views_at = rest_words(t, rs, back);
    int views_back = fold ? views_match(rs, views_at, r) : views_at == len;
    if (memcmp(back, w, sizeof w) != 0 || !views_back) {
        t->rest_mismatch++;
        rest_give(t, rs);
        return 0;
    }
    /* The array goes back to the reassembler's allocator uncounted: the stream still counts it
     * (memory_bytes, the budget), and stream_wake() takes one back the same way. */
    if (fold) {
        t->reasm_setup.alloc.free(t->reasm_setup.alloc.ctx, r->views,
                                  (size_t)r->view_cap * sizeof(view_t));
        t->rest_views_folded++;
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
    unsigned views_at = rest_words_into(t, c, from, rs, ds);
    if (views_at < rs->len && !views_unfold(t, rs, views_at, ds)) {
        /* No array for its views. To be released (reserve), it needs none: it retains nothing
         * (a retransmission can no longer come). Else it stays at rest. */
        t->stats.memcap_hits++;
        if (!reserve) {
            spares_give(t, &t->spare_streams, ds, sizeof *ds);
            return NULL;
        }
        reasm_views_forget(&ds->reasm, &t->reasm_setup);
    }
    rest_give(t, rs);
    c->ext->stream_word[from] = (uint64_t)(uintptr_t)ds;
    t->stats.streams_woken++;
    stream_awake_list(t, ds, t->table->clock_ns);
    return ds;
}

void stream_rest_drop_acked(struct tcpsift_tracker *t, conn *c, int from)
{
    direction_stream *ds = stream_wake(t, c, from, 0);
    if (!ds) return; /* no memory to wake it: counted; it keeps its bytes */
    stream_awake_unlist(t, ds);
    if (!stream_put_to_rest(t, ds)) stream_awake_list(t, ds, t->table->clock_ns);
}

void stream_rest_drain(struct tcpsift_tracker *t)
{
    for (unsigned cls = 0; cls < STREAM_REST_CLASSES; cls++)
        side_drain(t, &t->rest_chunks[cls], rest_sizes[cls], REST_CHUNK);
}

/* Per-direction TCP stream reassembly (see tcpsift/reassembly.h for the contract).
 *
 * Held data is an ordered set of non-overlapping extents [start, end) in stream offsets, each
 * pointing into a "held" block: one copy of one received segment, reference-counted because
 * an overlap resolved in favour of a newer copy can split an extent in two. An extent without a
 * block marks bytes known to exist but never captured (snaplen), delivered as a gap.
 *
 * The extents live in a power-of-two ring-ordered array: lookup is a binary search, and an
 * insertion shifts only the shorter side, so ascending and descending arrival (the common and
 * the adversarial "reversed tiny segments" patterns) cost O(1) moves per insertion and any
 * other order costs at most max_segments/2 moves: bounded work per segment.
 *
 * Invariant: every extent starts at or after next_offset (held bytes are never behind the
 * delivery point) and ends at or before fin_offset once a FIN is known. */
#include <stdlib.h>
#include <string.h>

#include "allocator_default.h"
#include "reasm_settled.h"
#include "tcpsift/reassembly.h"

struct tcpsift_reasm_held {
    uint64_t start;        /* stream offset of held_data()[0] */
    uint64_t ostart, oend; /* the copy's original bounds: what the OS policies compare */
    size_t alloc_size;
    uint64_t refs; /* extents pointing into this copy */
};

struct tcpsift_reasm_extent {
    uint64_t start, end;
    struct tcpsift_reasm_held *held; /* NULL: bytes never captured */
};

/* stable_buffers: delivered bytes [off, off+len) retained as a view (into the caller's buffer,
 * or into the ring for bytes that were delivered from a held copy). The offset is kept in 32
 * bits: every retained view lies in [ring_start, ring_start + max_retained_bytes), less than
 * 2^32 bytes (view_off() gives it back), so an entry is 16 bytes (issue 9: one written per
 * in-order segment). */
/* struct tcpsift_reasm_view (tcpsift/reassembly.h, where a state holds one inline): ptr; on
 * 32-bit targets pad_, so it is 16 bytes on every target (the same ring sizes, and the
 * tracker's spare block classes, 64 << k bytes, fit them there too); off_lo, the stream
 * offset's low 32 bits; len, <= max_retained_bytes, a uint32_t. */
_Static_assert(sizeof(struct tcpsift_reasm_view) == 16, "a retained view is 16 bytes everywhere");
_Static_assert(sizeof(((tcpsift_reasm_config *)0)->max_retained_bytes) == 4,
               "a view's offset and length are kept in 32 bits");

/* Issue 9: a direction's stream memory holds the state only; the setup is shared (its size
 * budget and hot-field layout are checked by ctest test_reasm_shared_setup). */
_Static_assert(sizeof(tcpsift_reasm_state) <= 240, "the per-direction state holds no setup");
_Static_assert(TCPSIFT_REASM_CONFLICT_RECORDS <= 255,
               "the conflict ring's next slot is kept in a uint8_t");

typedef struct tcpsift_reasm_held held_t;
typedef struct tcpsift_reasm_extent ext_t;
typedef struct tcpsift_reasm_view view_t;

#define DEFAULT_MAX_BUFFERED (1u << 20)
#define DEFAULT_MAX_SEGMENTS 4096u
#define DEFAULT_MAX_RETAINED (64u << 10)
#define DEFAULT_MAX_VIEWS    64u
#define RING_MIN_SHIFT       8u /* a grown ring's first size: 256 bytes */
#define MAX_VIEWS_LIMIT      (1u << 20)
#define MAX_WIRE_LEN         0x7fffffffu /* a segment longer than half the sequence space is nonsense */

static uint8_t *held_data(held_t *h)
{
    return (uint8_t *)(h + 1);
}

/* ------------------------------------------------------------------ memory accounting */

enum cap_kind { CAP_NONE = 0, CAP_MEMORY, CAP_BUDGET, CAP_SEGMENTS };

/* Which memory cap (if any) `n` more bytes would exceed. */
static enum cap_kind mem_check(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su,
                               uint64_t n)
{
    if (su->max_buffered_bytes &&
        (n > su->max_buffered_bytes || r->stats.memory_bytes > su->max_buffered_bytes - n))
        return CAP_MEMORY;
    if (su->budget && su->budget->cap &&
        (n > su->budget->cap || su->budget->used > su->budget->cap - n))
        return CAP_BUDGET;
    return CAP_NONE;
}

/* Allocate n bytes if every cap allows it; NULL otherwise. */
static void *mem_alloc(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, size_t n)
{
    if (mem_check(r, su, n) != CAP_NONE) return NULL;
    void *p = su->alloc.alloc(su->alloc.ctx, n);
    if (p == NULL) return NULL;
    r->stats.memory_bytes += n;
    if (r->stats.memory_bytes > r->stats.memory_peak) r->stats.memory_peak = r->stats.memory_bytes;
    if (su->budget) {
        su->budget->used += n;
        if (su->budget->used > su->budget->peak) su->budget->peak = su->budget->used;
    }
    return p;
}

static void mem_free(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, void *p, size_t n)
{
    if (p == NULL) return;
    su->alloc.free(su->alloc.ctx, p, n);
    r->stats.memory_bytes -= n;
    if (su->budget) su->budget->used -= n;
}

static void held_unref(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, held_t *h)
{
    if (h && --h->refs == 0) mem_free(r, su, h, h->alloc_size);
}

static void buffered_add(tcpsift_reasm_state *r, uint64_t n)
{
    r->stats.buffered_bytes += n;
    if (r->stats.buffered_bytes > r->stats.buffered_peak)
        r->stats.buffered_peak = r->stats.buffered_bytes;
}

/* ------------------------------------------------------------------ extent ring array */

static ext_t *ext_at(const tcpsift_reasm_state *r, uint32_t i)
{
    return &r->ext[(r->ext_head + i) & (r->ext_cap - 1)];
}

/* Bytes a growth to hold `want` extents would allocate (0 when it fits already). */
static uint64_t ext_growth_bytes(const tcpsift_reasm_state *r, uint64_t want)
{
    if (want <= r->ext_cap) return 0;
    uint64_t cap = r->ext_cap ? r->ext_cap : 16;
    while (cap < want)
        cap *= 2;
    return cap * sizeof(ext_t);
}

/* Make room for `want` extents in total. 0 on allocation failure. */
static int ext_reserve(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t want)
{
    uint64_t bytes = ext_growth_bytes(r, want);
    if (bytes == 0) return 1;
    if (bytes > SIZE_MAX) return 0;
    ext_t *n = mem_alloc(r, su, (size_t)bytes);
    if (n == NULL) return 0;
    for (uint32_t i = 0; i < r->ext_count; i++)
        n[i] = *ext_at(r, i);
    mem_free(r, su, r->ext, (size_t)r->ext_cap * sizeof(ext_t));
    r->ext = n;
    r->ext_head = 0;
    r->ext_cap = (uint32_t)(bytes / sizeof(ext_t));
    return 1;
}

/* Index of the first extent with end > off (ext_count when none). */
static uint32_t ext_find(const tcpsift_reasm_state *r, uint64_t off)
{
    uint32_t lo = 0, hi = r->ext_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ext_at(r, mid)->end > off)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ext_find(r, off), trying `hint` first: the index just past the last extent a walk over the
 * extents touched. A segment covering thousands of held extents then costs one step per
 * extent rather than a binary search each (a DoS shape: 1-byte extents overlapped again and
 * again). The test is exact, so a hint an insertion or removal made stale only costs the
 * search. */
static uint32_t ext_find_from(const tcpsift_reasm_state *r, uint64_t off, uint32_t hint)
{
    if (hint <= r->ext_count && (hint == 0 || ext_at(r, hint - 1)->end <= off) &&
        (hint == r->ext_count || ext_at(r, hint)->end > off))
        return hint;
    return ext_find(r, off);
}

/* Insert at index i; capacity must have been reserved. Shifts the shorter side. */
static void ext_insert(tcpsift_reasm_state *r, uint32_t i, ext_t e)
{
    uint32_t mask = r->ext_cap - 1;
    if (i < r->ext_count - i) {
        r->ext_head = (r->ext_head + mask) & mask; /* head - 1 */
        for (uint32_t j = 0; j < i; j++)
            *ext_at(r, j) = *ext_at(r, j + 1);
    } else {
        for (uint32_t j = r->ext_count; j > i; j--)
            *ext_at(r, j) = *ext_at(r, j - 1);
    }
    r->ext_count++;
    *ext_at(r, i) = e;
}

static void ext_remove(tcpsift_reasm_state *r, uint32_t i)
{
    uint32_t mask = r->ext_cap - 1;
    if (i < r->ext_count - 1 - i) {
        for (uint32_t j = i; j > 0; j--)
            *ext_at(r, j) = *ext_at(r, j - 1);
        r->ext_head = (r->ext_head + 1) & mask;
    } else {
        for (uint32_t j = i; j + 1 < r->ext_count; j++)
            *ext_at(r, j) = *ext_at(r, j + 1);
    }
    r->ext_count--;
}

static const uint8_t *ext_data(const ext_t *e, uint64_t off)
{
    return held_data(e->held) + (off - e->held->start);
}

/* ------------------------------------------------------------------ output */

/* The callbacks' ctx: the state itself when one setup serves many states (the tracker's). */
static void *cb_ctx(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    return su->ctx_is_state ? (void *)r : su->cb.ctx;
}

static void emit_event(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su,
                       tcpsift_reasm_event_kind k, uint64_t off, uint64_t len)
{
    if (su->cb.on_event == NULL) return;
    r->in_callback = 1;
    su->cb.on_event(cb_ctx(r, su), k, off, len);
    r->in_callback = 0;
}

static void record_conflict(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t off,
                            uint64_t len, int new_won, int delivered)
{
    /* The records are allocated by the first conflict: a clean stream never pays for them. */
    if (r->conflicts == NULL)
        r->conflicts =
            mem_alloc(r, su, TCPSIFT_REASM_CONFLICT_RECORDS * sizeof(tcpsift_reasm_conflict));
    if (r->conflicts) {
        tcpsift_reasm_conflict *c = &r->conflicts[r->conflict_next];
        if (++r->conflict_next == TCPSIFT_REASM_CONFLICT_RECORDS) {
            r->conflict_next = 0;
            r->conflicts_wrapped = 1;
        }
        c->offset = off;
        c->len = len;
        c->new_won = (uint8_t)new_won;
        c->delivered = (uint8_t)delivered;
    }
    r->stats.conflicts++;
    r->stats.overlap_bytes += len;
    emit_event(r, su, TCPSIFT_REASM_EV_OVERLAP_MISMATCH, off, len);
}

/* A capacity of one is the state's own first_view: a stream between messages usually retains
 * a single view, and its array (64 bytes and the allocator's header) was most of what it held
 * beyond its state (issue 9: memory per connection after data). */
static view_t *view_at(tcpsift_reasm_state *r, uint32_t i)
{
    if (r->view_cap == 1) return &r->first_view;
    return &r->views[(r->view_head + i) & (r->view_cap - 1)];
}

/* view_at() for readers. */
static const view_t *view_peek(const tcpsift_reasm_state *r, uint32_t i)
{
    if (r->view_cap == 1) return &r->first_view;
    return &r->views[(r->view_head + i) & (r->view_cap - 1)];
}

/* A retained view's stream offset (see struct tcpsift_reasm_view). */
static uint64_t view_off(const tcpsift_reasm_state *r, const view_t *v)
{
    return r->ring_start + (uint32_t)(v->off_lo - (uint32_t)r->ring_start);
}

static void views_clear(tcpsift_reasm_state *r)
{
    r->view_count = 0;
    r->view_bytes = 0;
}

static void view_pop_oldest(tcpsift_reasm_state *r)
{
    r->view_bytes -= view_at(r, 0)->len;
    r->view_head = (r->view_head + 1) & (r->view_cap - 1);
    r->view_count--;
}

/* The retention ring's size: grown on demand (a stream that delivers a few hundred bytes would
 * otherwise hold max_retained_bytes for its whole life: issue 9, memory of a live sensor), as
 * 1 << ring_shift while that is smaller than max_retained_bytes; ring_shift 0 is
 * max_retained_bytes itself. */
static uint64_t ring_size(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    return r->ring_shift ? (uint64_t)1 << r->ring_shift : su->max_retained_bytes;
}

/* Whether the ring grows. With stable buffers retained views point into it, so it grows only by
 * doubling (a view within one turn of the ring is within one turn of one twice as large, so it
 * stays one piece): up to a max_retained_bytes that is a power of two; else it is whole from the
 * start. */
static int ring_grows(const tcpsift_reasm_setup *su)
{
    uint64_t max = su->max_retained_bytes;
    return !su->stable_buffers || (max & (max - 1)) == 0;
}

static int in_ring(const uint8_t *ring, uint64_t size, const uint8_t *p)
{
    return (uintptr_t)p >= (uintptr_t)ring && (uintptr_t)p - (uintptr_t)ring < size;
}

/* Copy stream offsets [a, b) from a ring of `from_size` bytes into one of `to_size` (each
 * byte at its offset modulo the ring's size). */
static void ring_move(uint8_t *to, uint64_t to_size, const uint8_t *from, uint64_t from_size,
                      uint64_t a, uint64_t b)
{
    while (a < b) {
        uint64_t fp = a % from_size, tp = a % to_size, n = b - a;
        if (n > from_size - fp) n = from_size - fp;
        if (n > to_size - tp) n = to_size - tp;
        memcpy(to + tp, from + fp, (size_t)n);
        a += n;
    }
}

/* Move what the ring retains into `n`, a ring of `size` bytes: without stable buffers the
 * bytes from ring_start up to the new piece of `len` bytes (those it leaves room for); with
 * them, the bytes of every view into the ring, the view following. */
static void ring_move_retained(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint8_t *n,
                               uint64_t size, size_t len)
{
    uint64_t old = ring_size(r, su);
    if (!su->stable_buffers) {
        uint64_t end = r->next_offset - len, from = r->ring_start;
        if (end - from > size - len) from = end - (size - len);
        ring_move(n, size, r->ring, old, from, end);
        r->stats.bytes_copied += end - from;
        return;
    }
    for (uint32_t i = 0; i < r->view_count; i++) {
        view_t *v = view_at(r, i);
        if (!in_ring(r->ring, old, v->ptr)) continue;
        uint8_t *to = n + view_off(r, v) % size;
        memcpy(to, v->ptr, v->len);
        v->ptr = to;
        r->stats.bytes_copied += v->len;
    }
}

/* Make the ring hold the `need` newest bytes up to next_offset (the new piece of `len` bytes
 * included): a ring of the next power of two from 256 bytes, or of max_retained_bytes once that
 * is not larger, what the old one retains moved into it. 0 when no such ring can be had. */
static int ring_grow(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t need,
                     size_t len)
{
    uint64_t max = su->max_retained_bytes;
    unsigned shift = RING_MIN_SHIFT;
    while (((uint64_t)1 << shift) < need && ((uint64_t)1 << shift) < max)
        shift++;
    if (((uint64_t)1 << shift) >= max) shift = 0;
    uint64_t size = shift ? (uint64_t)1 << shift : max;
    uint8_t *n = mem_alloc(r, su, (size_t)size);
    if (n == NULL) return 0;
    if (r->ring) {
        ring_move_retained(r, su, n, size, len);
        mem_free(r, su, r->ring, (size_t)ring_size(r, su));
    }
    r->ring = n;
    r->ring_shift = (uint8_t)shift;
    return 1;
}

/* Copy [next_offset - len, next_offset) (len <= max_retained_bytes) into the ring at its
 * offset modulo the ring's size, growing the ring first to hold what is retained from
 * ring_start on (at most max_retained_bytes). Without stable buffers a ring that cannot grow
 * keeps its size and its newest bytes (older copies become unverified); with them that would
 * overwrite bytes views still point to, so then 0, as when there is no ring at all. */
static int ring_store(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const uint8_t *p,
                      size_t len)
{
    if (ring_grows(su)) {
        /* retained after this piece: from ring_start (at most next_offset - len) if a ring
         * holds bytes already, else the piece alone */
        uint64_t need = r->ring ? r->next_offset - r->ring_start : len;
        if (need > su->max_retained_bytes) need = su->max_retained_bytes;
        if ((r->ring == NULL || need > ring_size(r, su)) && !ring_grow(r, su, need, len) &&
            (r->ring == NULL || su->stable_buffers))
            return 0;
    } else if (r->ring == NULL) {
        r->ring = mem_alloc(r, su, (size_t)su->max_retained_bytes);
        if (r->ring == NULL) return 0;
    }
    uint64_t cap = ring_size(r, su);
    if (len > cap) { /* a ring that could not grow: its newest bytes */
        p += len - cap;
        len = (size_t)cap;
    }
    r->stats.bytes_copied += len;
    uint64_t off = r->next_offset - len;
    size_t pos = (size_t)(off % cap);
    size_t first = len < cap - pos ? len : (size_t)(cap - pos);
    memcpy(r->ring + pos, p, first);
    memcpy(r->ring, p + first, len - first);
    return 1;
}

/* A free slot for one more view: grow the array (doubling, up to max_retained_views) or drop
 * the oldest view. 0 when no view can be kept at all. */
static int view_slot(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    if (r->view_count < r->view_cap) return 1;
    uint32_t max = su->max_retained_views;
    if (r->view_cap < max) {
        /* 1 (inline), then 4 (the block class of 64 bytes), then doubling */
        uint32_t cap = r->view_cap == 0 ? 1 : r->view_cap == 1 ? 4 : r->view_cap * 2;
        if (cap > max) cap = max;
        /* keep the capacity a power of two (view_at masks): round max down to one */
        while (cap & (cap - 1))
            cap &= cap - 1;
        if (cap == 1) { /* the inline view: nothing to allocate or copy */
            r->view_cap = 1;
            r->view_head = 0;
            return 1;
        }
        if (cap > r->view_cap) {
            view_t *n = mem_alloc(r, su, (size_t)cap * sizeof(view_t));
            if (n) {
                for (uint32_t i = 0; i < r->view_count; i++)
                    n[i] = *view_at(r, i);
                if (r->view_cap > 1) mem_free(r, su, r->views, (size_t)r->view_cap * sizeof(view_t));
                r->views = n;
                r->view_cap = cap;
                r->view_head = 0;
                return 1;
            }
        }
    }
    if (r->view_count == 0) return 0;
    view_pop_oldest(r);
    return 1;
}

/* Retain [next_offset - len, next_offset) as a view of p. */
static void view_add(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const uint8_t *p,
                     size_t len)
{
    uint64_t cap = su->max_retained_bytes, off = r->next_offset - len;
    /* The byte budget: trim the oldest views so the newest `cap` bytes remain. */
    while (r->view_count && (uint64_t)r->view_bytes + len > cap) {
        view_t *v = view_at(r, 0);
        uint64_t over = (uint64_t)r->view_bytes + len - cap;
        if (over >= v->len) {
            view_pop_oldest(r);
        } else {
            v->off_lo += (uint32_t)over;
            v->ptr += over;
            v->len -= (uint32_t)over;
            r->view_bytes -= (uint32_t)over;
        }
    }
    if (r->view_count) {
        view_t *last = view_at(r, r->view_count - 1);
        /* the same buffer, continued: one view (len <= cap - view_bytes: fits 32 bits); never
         * a view of the ring continued into a buffer that happens to follow it (a view into the
         * ring stays within it when the ring moves) */
        if (last->ptr + last->len == p && (uint32_t)(last->off_lo + last->len) == (uint32_t)off &&
            (r->ring == NULL ||
             in_ring(r->ring, ring_size(r, su), last->ptr) == in_ring(r->ring, ring_size(r, su), p))) {
            last->len += (uint32_t)len;
            r->view_bytes += (uint32_t)len; /* <= cap, a uint32_t */
            r->ring_start = view_off(r, view_at(r, 0));
            return;
        }
    }
    if (!view_slot(r, su)) {
        r->ring_start = r->next_offset; /* nothing retained: copies become unverified */
        return;
    }
    view_t *v = view_at(r, r->view_count++);
    v->off_lo = (uint32_t)off;
    v->ptr = p;
    v->len = (uint32_t)len; /* <= cap (trimmed above or by retain()) */
    r->view_bytes += (uint32_t)len; /* <= cap, a uint32_t */
    r->ring_start = view_off(r, view_at(r, 0));
}

/* Keep the last max_retained_bytes delivered bytes (next_offset already advanced past them). */
static void retain(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const uint8_t *p,
                   size_t len, int copied)
{
    uint64_t cap = su->max_retained_bytes;
    if (cap == 0) return;
    if (len >= cap) { /* this piece alone fills the budget: everything older goes */
        p += len - cap;
        len = (size_t)cap;
        views_clear(r);
    }
    if (!su->stable_buffers) {
        int fresh = r->ring == NULL;
        if (!ring_store(r, su, p, len)) return; /* best effort: copies become unverified */
        if (fresh) r->ring_start = r->next_offset - len;
        uint64_t size = ring_size(r, su);
        if (r->next_offset - r->ring_start > size) r->ring_start = r->next_offset - size;
        return;
    }
    if (su->max_retained_views == 0) {
        r->ring_start = r->next_offset;
        return;
    }
    if (!copied) {
        view_add(r, su, p, len);
        return;
    }
    /* Bytes from a held copy die after on_data: copy them into the ring (slot = offset modulo
     * its size, so retained ring bytes are never overwritten while still in the byte budget)
     * and retain views of the ring. */
    if (!ring_store(r, su, p, len)) {
        views_clear(r);
        r->ring_start = r->next_offset;
        return;
    }
    uint64_t off = r->next_offset - len, size = ring_size(r, su); /* the ring may have grown */
    size_t pos = (size_t)(off % size);
    size_t first = len < size - pos ? len : (size_t)(size - pos);
    r->next_offset -= len - first; /* view_add takes the piece ending at next_offset */
    view_add(r, su, r->ring + pos, first);
    r->next_offset += len - first;
    if (len > first) view_add(r, su, r->ring, len - first);
}

void reasm_retain_delivered(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const uint8_t *p,
                            size_t len)
{
    /* retain(r, su, p, len, 0) when it comes down to appending one view (issue 9: most in-order
     * segments): stable buffers, views kept, the piece within the byte budget with the views
     * already held (view_add trims nothing), a free slot (view_slot allocates nothing), and the
     * piece not continuing the last view. Anything else takes retain(). */
    uint64_t cap = su->max_retained_bytes;
    if (su->stable_buffers && su->max_retained_views && len < cap && r->view_count &&
        r->view_count < r->view_cap && (uint64_t)r->view_bytes + len <= cap) {
        const view_t *last = view_at(r, r->view_count - 1);
        uint64_t off = r->next_offset - len;
        if (!(last->ptr + last->len == p && (uint32_t)(last->off_lo + last->len) == (uint32_t)off)) {
            view_t *v = view_at(r, r->view_count++);
            v->off_lo = (uint32_t)off;
            v->ptr = p;
            v->len = (uint32_t)len;
            r->view_bytes += (uint32_t)len; /* <= cap, a uint32_t */
            r->ring_start = view_off(r, view_at(r, 0));
            return;
        }
    }
    retain(r, su, p, len, 0);
}

static void emit_data(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const uint8_t *p,
                      size_t len, int copied)
{
    if (len == 0) return;
    uint64_t off = r->next_offset;
    r->next_offset += len;
    r->stats.delivered_bytes += len;
    if (su->cb.on_data) {
        r->in_callback = 1;
        su->cb.on_data(cb_ctx(r, su), off, p, len, copied);
        r->in_callback = 0;
    }
    retain(r, su, p, len, copied);
}

static void emit_gap(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t len,
                     tcpsift_reasm_gap_reason why)
{
    if (len == 0) return;
    uint64_t off = r->next_offset;
    r->next_offset += len;
    r->ring_start = r->next_offset; /* retained bytes must be contiguous with next_offset */
    views_clear(r);
    r->stats.gap_bytes += len;
    if (su->cb.on_gap) {
        r->in_callback = 1;
        su->cb.on_gap(cb_ctx(r, su), off, len, why);
        r->in_callback = 0;
    }
}

/* Deliver the first extent (which starts at next_offset) up to `limit`. */
static void deliver_front(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t limit)
{
    ext_t *e = ext_at(r, 0);
    uint64_t stop = e->end < limit ? e->end : limit;
    uint64_t n = stop - e->start;
    held_t *h = e->held;
    const uint8_t *p = h ? ext_data(e, e->start) : NULL;
    int gone = stop == e->end;
    e->start = stop;
    if (gone) ext_remove(r, 0);
    if (h) {
        r->stats.buffered_bytes -= n;
        emit_data(r, su, p, (size_t)n, 1);
        if (gone) held_unref(r, su, h); /* after the callback: p points into h */
    } else {
        emit_gap(r, su, n, TCPSIFT_GAP_TRUNCATED);
    }
}

/* Deliver held extents and skip holes up to `limit` (UINT64_MAX: everything held). */
static void release_until(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t limit,
                          tcpsift_reasm_gap_reason why)
{
    while (r->next_offset < limit) {
        if (r->ext_count == 0) {
            if (limit != UINT64_MAX) emit_gap(r, su, limit - r->next_offset, why);
            return;
        }
        ext_t *e = ext_at(r, 0);
        if (e->start > r->next_offset) {
            uint64_t stop = e->start < limit ? e->start : limit;
            emit_gap(r, su, stop - r->next_offset, why);
            continue;
        }
        deliver_front(r, su, limit);
    }
}

static void flush_contiguous(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    while (r->ext_count && ext_at(r, 0)->start == r->next_offset)
        deliver_front(r, su, UINT64_MAX);
}

/* ------------------------------------------------------------------ room under the caps */

/* Release the lowest held data until `bytes` more memory and `extents` more extents fit, or the
 * segment starting at `s` is itself the lowest data (then any hole before it is skipped).
 * Returns 1 when the segment must be delivered at once instead of being held. */
static int make_room(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t s,
                     uint64_t seg_len, uint64_t bytes, uint64_t extents)
{
    int hit = 0;
    for (;;) {
        enum cap_kind k = CAP_NONE;
        if (su->max_segments && r->ext_count + extents > su->max_segments)
            k = CAP_SEGMENTS;
        else
            k = mem_check(r, su, bytes + ext_growth_bytes(r, r->ext_count + extents));
        if (k == CAP_NONE) return 0;
        if (!hit) {
            hit = 1;
            if (k == CAP_SEGMENTS) {
                r->stats.segment_cap_hits++;
                emit_event(r, su, TCPSIFT_REASM_EV_SEGMENT_CAP_HIT, s, seg_len);
            } else {
                r->stats.memcap_hits++;
                if (k == CAP_BUDGET) su->budget->hits++;
                emit_event(r, su, TCPSIFT_REASM_EV_MEMCAP_HIT, s, seg_len);
            }
        }
        tcpsift_reasm_gap_reason why =
            k == CAP_SEGMENTS ? TCPSIFT_GAP_SEGMENT_CAP : TCPSIFT_GAP_MEMCAP;
        if (r->ext_count == 0 || ext_at(r, 0)->start >= s) {
            if (s > r->next_offset) emit_gap(r, su, s - r->next_offset, why);
            return 1;
        }
        uint64_t first = ext_at(r, 0)->start;
        if (first > r->next_offset) emit_gap(r, su, first - r->next_offset, why);
        flush_contiguous(r, su);
    }
}

/* ------------------------------------------------------------------ one segment */

typedef struct seg_in {
    uint64_t s, e, w;      /* captured bytes [s,e), uncaptured tail [e,w) */
    const uint8_t *data;   /* byte at stream offset s */
    uint64_t ostart, oend; /* the copy's original captured bounds (for the OS policies) */
    held_t *nh;            /* our copy of [s,e) when it must be held */
    int now;               /* [s,w) is delivered at once, in order */
    uint64_t queued_end;   /* held bytes below it are in the receiver's queue (held_queued_end) */
} seg_in;

/* 64-bit stream offset of sequence number `seq`, taken within ±2^31 of next_offset
 * (RFC 9293 §3.4 sequence arithmetic). May be negative: before the first byte. */
static int64_t seq_offset(const tcpsift_reasm_state *r, uint32_t seq)
{
    uint32_t d = seq - (uint32_t)(r->base_seq + (uint32_t)r->next_offset);
    int64_t rel = d < 0x80000000u ? (int64_t)d : (int64_t)d - (int64_t)0x100000000;
    return (int64_t)r->next_offset + rel;
}

static void diff_bounds(const uint8_t *x, const uint8_t *y, size_t n, size_t base, int *any,
                        size_t *d0, size_t *d1)
{
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            if (!*any) *d0 = base + i;
            *any = 1;
            *d1 = base + i;
        }
    }
}

/* Count an overlap of n bytes at `off`: identical bytes are retransmissions, the span from the
 * first to the last differing byte is a mismatch. */
static void account_overlap(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t off,
                            uint64_t n, int any, size_t d0, size_t d1, int new_won, int delivered)
{
    if (!any) {
        r->stats.retransmitted_bytes += n;
        emit_event(r, su, TCPSIFT_REASM_EV_RETRANSMISSION, off, n);
        return;
    }
    uint64_t mlen = (uint64_t)(d1 - d0) + 1;
    r->stats.retransmitted_bytes += n - mlen;
    record_conflict(r, su, off + d0, mlen, new_won, delivered);
}

static int retained_any(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    return su->stable_buffers ? r->view_count > 0 : r->ring != NULL;
}

/* Compare p[0,n) with the retained bytes at stream offsets [a, a+n), all of them retained. */
static void compare_retained(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su,
                             uint64_t a, const uint8_t *p, size_t n, int *any, size_t *d0,
                             size_t *d1)
{
    size_t done = 0;
    if (!su->stable_buffers) {
        uint64_t cap = ring_size(r, su);
        while (done < n) {
            size_t pos = (size_t)((a + done) % cap);
            size_t chunk = n - done < cap - pos ? n - done : (size_t)(cap - pos);
            diff_bounds(p + done, r->ring + pos, chunk, done, any, d0, d1);
            done += chunk;
        }
        return;
    }
    /* the first view ending after a (views are contiguous and ordered) */
    uint32_t lo = 0, hi = r->view_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const view_t *v = view_peek(r, mid);
        if (view_off(r, v) + v->len > a)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (uint32_t i = lo; i < r->view_count && done < n; i++) {
        const view_t *v = view_peek(r, i);
        size_t skip = (size_t)(a + done - view_off(r, v));
        size_t chunk = v->len - skip < n - done ? v->len - skip : n - done;
        diff_bounds(p + done, v->ptr + skip, chunk, done, any, d0, d1);
        done += chunk;
    }
}

/* Drop the part of the segment before next_offset: compare it with the retained delivered
 * bytes where we still have them. */
static void trim_delivered(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, int64_t *s,
                           int64_t *e, int64_t w, const uint8_t **data)
{
    int64_t next = (int64_t)r->next_offset;
    if (*s >= next) return;
    int64_t stop = w < next ? w : next;
    int64_t cap_stop = *e < stop ? *e : stop; /* captured bytes below next: [s, cap_stop) */
    int64_t lo = retained_any(r, su) ? (int64_t)r->ring_start : next;
    uint64_t unverified = 0;
    int64_t a = *s;
    const uint8_t *p = *data;
    if (a < lo && a < cap_stop) {
        int64_t m = cap_stop < lo ? cap_stop : lo;
        unverified += (uint64_t)(m - a);
        p += m - a;
        a = m;
    }
    if (a < cap_stop) {
        size_t n = (size_t)(cap_stop - a), d0 = 0, d1 = 0;
        int any = 0;
        compare_retained(r, su, (uint64_t)a, p, n, &any, &d0, &d1);
        account_overlap(r, su, (uint64_t)a, n, any, d0, d1, 0, 1);
    }
    if (stop > cap_stop && stop > *s) /* uncaptured bytes below next */
        unverified += (uint64_t)(stop - (cap_stop > *s ? cap_stop : *s));
    if (unverified) {
        r->stats.unverified_bytes += unverified;
        emit_event(r, su, TCPSIFT_REASM_EV_RETRANSMISSION_UNVERIFIED, *s < 0 ? 0 : (uint64_t)*s,
                   unverified);
    }
    if (cap_stop > *s) *data += cap_stop - *s;
    *s = stop;
    if (*e < *s) *e = *s;
}

/* Remove held bytes at or after the FIN: the FIN takes the sender's last sequence number
 * (RFC 9293 §3.4), so nothing after it is stream data. */
static void drop_held_after(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint64_t fin)
{
    uint64_t dropped = 0, maxend = fin;
    while (r->ext_count) {
        ext_t *x = ext_at(r, r->ext_count - 1);
        if (x->end <= fin) break;
        if (x->end > maxend) maxend = x->end;
        uint64_t from = x->start > fin ? x->start : fin;
        uint64_t n = x->end - from;
        dropped += n;
        if (x->held) r->stats.buffered_bytes -= n;
        if (from == x->start) {
            held_t *h = x->held;
            ext_remove(r, r->ext_count - 1);
            held_unref(r, su, h);
        } else {
            x->end = fin;
        }
    }
    if (dropped) {
        r->stats.dropped_after_fin_bytes += dropped;
        emit_event(r, su, TCPSIFT_REASM_EV_DATA_AFTER_FIN, fin, maxend - fin);
    }
}

static void piece_uncovered(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, seg_in *g,
                            uint64_t a, uint64_t b)
{
    int has_data = a < g->e;
    if (g->now) {
        if (has_data)
            emit_data(r, su, g->data + (a - g->s), (size_t)(b - a), 0);
        else
            emit_gap(r, su, b - a, TCPSIFT_GAP_TRUNCATED);
        return;
    }
    ext_t x = {a, b, has_data ? g->nh : NULL};
    if (has_data) {
        g->nh->refs++;
        buffered_add(r, b - a);
    }
    ext_insert(r, ext_find(r, a), x);
}

/* Held extent i now holds the new copy on [a,b) (split as needed). */
static void replace_piece(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t i,
                          uint64_t a, uint64_t b, held_t *nh)
{
    ext_t old = *ext_at(r, i);
    ext_t mid = {a, b, nh};
    int left = a > old.start, right = b < old.end;
    nh->refs++;
    if (old.held == NULL) buffered_add(r, b - a); /* a never-captured range gets bytes */
    if (left && right && old.held) old.held->refs++;
    if (!left && !right) held_unref(r, su, old.held);
    uint32_t k = i;
    if (left) {
        ext_at(r, i)->end = a;
        ext_insert(r, i + 1, mid);
        k = i + 1;
    } else {
        *ext_at(r, i) = mid;
    }
    if (right) {
        ext_t rt = old;
        rt.start = b;
        ext_insert(r, k + 1, rt);
    }
}

/* ACKED mode keeps bytes a receiver has already taken in order: held copies contiguous from the
 * delivery point are in its receive queue (RCV.NXT is past them) once they arrived, and every
 * stack trims a later copy to RCV.NXT (RFC 9293 section 3.10.7.4; Linux tcp_data_queue(), BSD
 * tcp_input()'s todrop). The OS policies' pairwise rules (Novak & Sturges, Suricata) decide only
 * among copies past a hole, the out-of-order queue those tests filled; so the two delivery
 * modes agree on every byte both copies of which reached the receiver. FIRST needs no rule and
 * LAST (no stack) keeps its definition. End of that run of held copies, or next_offset. */
static uint64_t held_queued_end(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su,
                                uint64_t seg_start)
{
    uint64_t end = r->next_offset;
    if (su->mode != TCPSIFT_REASM_ACKED || r->policy == TCPSIFT_OVERLAP_FIRST ||
        r->policy == TCPSIFT_OVERLAP_LAST || r->ext_count == 0 ||
        seg_start >= ext_at(r, r->ext_count - 1)->end) /* overlaps nothing held */
        return end;
    for (uint32_t i = 0; i < r->ext_count; i++) {
        const ext_t *x = ext_at(r, i);
        if (x->start != end || x->held == NULL) break;
        end = x->end;
    }
    return end;
}

static void piece_overlap(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, seg_in *g,
                          uint32_t i, uint64_t a, uint64_t b)
{
    ext_t *x = ext_at(r, i);
    int has_data = a < g->e;
    int new_wins;
    if (!has_data) {
        new_wins = 0; /* an uncaptured tail never replaces anything */
    } else if (x->held == NULL) {
        new_wins = 1; /* real bytes for a range we only knew was missing */
    } else {
        int any = 0;
        size_t d0 = 0, d1 = 0;
        diff_bounds(g->data + (a - g->s), ext_data(x, a), (size_t)(b - a), 0, &any, &d0, &d1);
        new_wins = any && x->end > g->queued_end &&
                   tcpsift_overlap_new_wins(r->policy, g->ostart, g->oend, x->held->ostart,
                                            x->held->oend);
        account_overlap(r, su, a, b - a, any, d0, d1, new_wins, 0);
        x = ext_at(r, i); /* (callbacks cannot change r, but keep the pointer fresh) */
    }
    if (g->now) { /* x starts at a == next_offset */
        if (new_wins) {
            held_t *h = x->held;
            if (h) r->stats.buffered_bytes -= b - a;
            x->start = b;
            if (x->start == x->end) {
                ext_remove(r, 0);
                held_unref(r, su, h);
            }
            emit_data(r, su, g->data + (a - g->s), (size_t)(b - a), 0);
        } else {
            deliver_front(r, su, b);
        }
        return;
    }
    if (new_wins) replace_piece(r, su, i, a, b, g->nh);
}

static void process_range(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, seg_in *g,
                          uint64_t a, uint64_t b)
{
    uint64_t cur = a;
    uint32_t hint = ext_find(r, cur);
    while (cur < b) {
        uint32_t i = ext_find_from(r, cur, hint);
        if (i == r->ext_count || ext_at(r, i)->start >= b) {
            piece_uncovered(r, su, g, cur, b);
            return;
        }
        uint64_t xs = ext_at(r, i)->start, xe = ext_at(r, i)->end;
        if (xs > cur) {
            piece_uncovered(r, su, g, cur, xs); /* inserted at i: the extent is now at i + 1 */
            cur = xs;
            hint = i + 1;
            continue;
        }
        uint64_t stop = xe < b ? xe : b;
        piece_overlap(r, su, g, i, cur, stop);
        cur = stop;
        hint = i + 1;
    }
}

/* Dry run over [a,b): how many uncovered pieces it has and whether it overlaps a
 * never-captured range. */
static void plan_range(const tcpsift_reasm_state *r, uint64_t a, uint64_t b, uint64_t *pieces,
                       int *markers)
{
    uint64_t cur = a;
    for (uint32_t i = ext_find(r, a); i < r->ext_count && cur < b; i++) {
        const ext_t *x = ext_at(r, i);
        if (x->start >= b) break;
        if (x->start > cur) ++*pieces;
        if (x->held == NULL) *markers = 1;
        cur = x->end;
    }
    if (cur < b) ++*pieces;
}

static held_t *held_new(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const seg_in *g)
{
    uint64_t n = g->e - g->s;
    if (n > SIZE_MAX - sizeof(held_t)) return NULL;
    size_t size = sizeof(held_t) + (size_t)n;
    held_t *h = mem_alloc(r, su, size);
    if (h == NULL) return NULL;
    h->start = g->s;
    h->ostart = g->ostart;
    h->oend = g->oend;
    h->alloc_size = size;
    h->refs = 0;
    memcpy(held_data(h), g->data, (size_t)n);
    r->stats.bytes_copied += n;
    return h;
}

tcpsift_error reasm_segment(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t seq,
                            const uint8_t *data, size_t len, size_t wire_len, unsigned flags)
{
    if (r->in_callback || len > wire_len || (len && data == NULL) || wire_len > MAX_WIRE_LEN)
        return TCPSIFT_E_INVALID_ARGUMENT;
    if (r->finished) return TCPSIFT_OK;
    /* The common segment first (issue 9): in order on arrival, no flag, no FIN seen, nothing
     * held. The path below does exactly this for it: its offset is next_offset, so nothing is
     * trimmed, no acknowledged hole lies before it, and it is delivered at once. */
    if (flags == 0 && r->have_base && !r->have_fin && r->ext_count == 0 &&
        su->mode == TCPSIFT_REASM_ON_ARRIVAL && seq == r->base_seq + (uint32_t)r->next_offset) {
        if (len) emit_data(r, su, data, len, 0);
        if (wire_len > len) emit_gap(r, su, wire_len - len, TCPSIFT_GAP_TRUNCATED);
        return TCPSIFT_OK;
    }
    if (flags & TCPSIFT_REASM_RST) {
        r->stats.rst_payload_bytes += wire_len;
        return TCPSIFT_OK;
    }
    /* The SYN occupies the sequence number before the first data byte (RFC 9293 §3.4). */
    uint32_t ds = seq + ((flags & TCPSIFT_REASM_SYN) ? 1u : 0u);
    if (!r->have_base) {
        if (!(flags & (TCPSIFT_REASM_SYN | TCPSIFT_REASM_FIN)) && wire_len == 0) return TCPSIFT_OK;
        r->have_base = 1;
        r->base_seq = ds;
        r->next_offset = 0;
        r->ring_start = 0;
    }
    int64_t s = seq_offset(r, ds);
    int64_t e = s + (int64_t)len, w = s + (int64_t)wire_len;
    const int64_t ostart = s < 0 ? 0 : s, oend = e < 0 ? 0 : e;

    /* The FIN follows the segment's last byte and occupies one number (RFC 9293 §3.4). */
    if ((flags & TCPSIFT_REASM_FIN) && !r->have_fin && w >= (int64_t)r->next_offset) {
        r->have_fin = 1;
        r->fin_offset = (uint64_t)w;
        drop_held_after(r, su, r->fin_offset);
    }
    if (r->have_fin && w > (int64_t)r->fin_offset) {
        int64_t from = s > (int64_t)r->fin_offset ? s : (int64_t)r->fin_offset;
        r->stats.dropped_after_fin_bytes += (uint64_t)(w - from);
        emit_event(r, su, TCPSIFT_REASM_EV_DATA_AFTER_FIN, (uint64_t)from, (uint64_t)(w - from));
        w = from;
        if (e > w) e = w;
        if (s > w) s = w;
    }
    /* Data past an acknowledged hole: the receiver had the hole's bytes,
     * the capture never will (see the header on late data). */
    if (r->acked_hole_end > r->next_offset && ostart > (int64_t)r->next_offset) {
        uint64_t stop = (uint64_t)ostart < r->acked_hole_end ? (uint64_t)ostart : r->acked_hole_end;
        release_until(r, su, stop, TCPSIFT_GAP_ACK_UNSEEN);
    }
    seg_in g = {0, 0, 0, NULL, (uint64_t)ostart, (uint64_t)oend, NULL, 0, 0};
    for (;;) {
        trim_delivered(r, su, &s, &e, w, &data);
        if (s >= w) return TCPSIFT_OK;
        g.s = (uint64_t)s;
        g.e = (uint64_t)e;
        g.w = (uint64_t)w;
        g.data = data;
        g.now = su->mode == TCPSIFT_REASM_ON_ARRIVAL && g.s == r->next_offset;
        if (g.now) break;
        uint64_t pieces = 0;
        int markers = 0, tail_markers = 0;
        plan_range(r, g.s, g.e, &pieces, &markers);
        int need_copy = g.e > g.s && (pieces > 0 || markers || r->policy != TCPSIFT_OVERLAP_FIRST);
        plan_range(r, g.e, g.w, &pieces, &tail_markers);
        uint64_t bytes = need_copy ? sizeof(held_t) + (g.e - g.s) : 0;
        uint64_t extents = pieces + 2; /* +2: a replaced range can split two held extents */
        int must_deliver = make_room(r, su, g.s, g.w - g.s, bytes, extents);
        /* Releasing held data may have delivered past s: compare that part with what was
         * delivered and plan the rest again (each round released something: it ends). */
        if (r->next_offset > g.s) continue;
        if (must_deliver) {
            g.now = 1; /* make_room skipped the hole up to s */
            break;
        }
        if (!ext_reserve(r, su, (uint64_t)r->ext_count + extents) ||
            (need_copy && (g.nh = held_new(r, su, &g)) == NULL)) {
            /* The allocator itself refused: behave as at a cap, deliver what we have. */
            r->stats.memcap_hits++;
            emit_event(r, su, TCPSIFT_REASM_EV_MEMCAP_HIT, g.s, g.w - g.s);
            release_until(r, su, g.s, TCPSIFT_GAP_MEMCAP); /* stops exactly at s */
            g.now = 1;
        }
        break;
    }
    if (g.now && r->ext_count == 0 && g.nh == NULL) {
        /* The common case, in order with nothing held: what process_range would do. */
        if (g.e > g.s) emit_data(r, su, g.data, (size_t)(g.e - g.s), 0);
        if (g.w > g.e) emit_gap(r, su, g.w - g.e, TCPSIFT_GAP_TRUNCATED);
        return TCPSIFT_OK;
    }
    if (g.s < g.w) {
        g.queued_end = held_queued_end(r, su, g.s);
        process_range(r, su, &g, g.s, g.e);
        process_range(r, su, &g, g.e, g.w);
    }
    if (g.nh && g.nh->refs == 0) mem_free(r, su, g.nh, g.nh->alloc_size);
    if (su->mode == TCPSIFT_REASM_ON_ARRIVAL) flush_contiguous(r, su);
    return TCPSIFT_OK;
}

tcpsift_error reasm_ack(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t ack)
{
    if (r->in_callback) return TCPSIFT_E_INVALID_ARGUMENT;
    if (r->finished || !r->have_base) return TCPSIFT_OK;
    int64_t off = seq_offset(r, ack);
    if (off <= (int64_t)r->next_offset) return TCPSIFT_OK;
    uint64_t limit = (uint64_t)off;
    if (r->have_fin && limit > r->fin_offset) limit = r->fin_offset; /* the FIN's own number */
    if (su->mode == TCPSIFT_REASM_ON_ARRIVAL && r->ext_count == 0) {
        /* Nothing waits behind the hole: keep it open for late data. */
        if (limit > r->acked_hole_end) r->acked_hole_end = limit;
        return TCPSIFT_OK;
    }
    release_until(r, su, limit, TCPSIFT_GAP_ACK_UNSEEN);
    if (su->mode == TCPSIFT_REASM_ON_ARRIVAL) flush_contiguous(r, su);
    return TCPSIFT_OK;
}

void reasm_forget_held_before(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t end)
{
    if (r->in_callback || r->finished || !r->have_base) return;
    int64_t off = seq_offset(r, end);
    if (off <= (int64_t)r->next_offset) return;
    uint64_t limit = (uint64_t)off;
    while (r->ext_count) {
        ext_t *x = ext_at(r, 0);
        if (x->start >= limit) break;
        uint64_t to = x->end < limit ? x->end : limit;
        if (x->held) r->stats.buffered_bytes -= to - x->start;
        if (to == x->end) {
            held_t *h = x->held;
            ext_remove(r, 0);
            if (h) held_unref(r, su, h);
        } else {
            x->start = to; /* ext_data() reads from the held copy's own start */
        }
    }
}

void reasm_views_forget(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    if (r->view_cap > 1) {
        size_t n = (size_t)r->view_cap * sizeof(view_t);
        r->stats.memory_bytes -= n;
        if (su->budget) su->budget->used -= n;
    }
    r->views = NULL;
    r->view_cap = r->view_head = 0;
    views_clear(r);
    r->ring_start = r->next_offset; /* nothing retained: copies become unverified */
}

void reasm_retained_drop(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    mem_free(r, su, r->ring, (size_t)ring_size(r, su));
    r->ring = NULL;
    r->ring_shift = 0; /* the next byte starts a ring of 256 again (ring_grow) */
    if (r->view_cap > 1) mem_free(r, su, r->views, (size_t)r->view_cap * sizeof(view_t));
    r->views = NULL;
    r->view_cap = r->view_head = 0;
    memset(&r->first_view, 0, sizeof r->first_view);
    views_clear(r);
    r->ring_start = r->next_offset; /* nothing retained: copies become unverified */
}

void reasm_release(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    while (r->ext_count) {
        held_t *h = ext_at(r, r->ext_count - 1)->held;
        if (h)
            r->stats.buffered_bytes -=
                ext_at(r, r->ext_count - 1)->end - ext_at(r, r->ext_count - 1)->start;
        r->ext_count--;
        held_unref(r, su, h);
    }
    mem_free(r, su, r->ext, (size_t)r->ext_cap * sizeof(ext_t));
    r->ext = NULL;
    r->ext_cap = 0;
    r->ext_head = 0;
    mem_free(r, su, r->ring, (size_t)ring_size(r, su));
    r->ring = NULL;
    r->ring_shift = 0;
    if (r->view_cap > 1) mem_free(r, su, r->views, (size_t)r->view_cap * sizeof(view_t));
    r->views = NULL;
    r->view_cap = r->view_head = 0;
    views_clear(r);
    mem_free(r, su, r->conflicts, TCPSIFT_REASM_CONFLICT_RECORDS * sizeof(tcpsift_reasm_conflict));
    r->conflicts = NULL;
}

tcpsift_error reasm_finish(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    if (r->in_callback) return TCPSIFT_E_INVALID_ARGUMENT;
    if (r->finished) return TCPSIFT_OK;
    if (r->acked_hole_end > r->next_offset)
        release_until(r, su, r->acked_hole_end, TCPSIFT_GAP_ACK_UNSEEN);
    /* Nothing held: release_until() would return at once (issue 9: once per stream). */
    if (r->ext_count) release_until(r, su, UINT64_MAX, TCPSIFT_GAP_FINISH);
    if (r->have_fin && r->next_offset < r->fin_offset)
        emit_gap(r, su, r->fin_offset - r->next_offset, TCPSIFT_GAP_FINISH);
    r->finished = 1;
    reasm_release(r, su);
    return TCPSIFT_OK;
}

/* ------------------------------------------------------------------ the standalone reassembler */

tcpsift_error tcpsift_reasm_segment(tcpsift_reasm *r, uint32_t seq, const uint8_t *data, size_t len,
                                    size_t wire_len, unsigned flags)
{
    if (r == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    return reasm_segment(&r->state, &r->setup, seq, data, len, wire_len, flags);
}

tcpsift_error tcpsift_reasm_ack(tcpsift_reasm *r, uint32_t ack)
{
    if (r == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    return reasm_ack(&r->state, &r->setup, ack);
}

void tcpsift_reasm_free(tcpsift_reasm *r)
{
    /* From a callback: refused, the call delivering is still walking what would be freed. */
    if (!r || r->state.in_callback) return;
    reasm_release(&r->state, &r->setup);
    /* Held bytes, retained bytes and conflict records are gone: further segments are ignored,
     * as after finish (they would be compared with nothing, and a conflict would start a new
     * record ring behind the old count). */
    r->state.finished = 1;
}

tcpsift_error tcpsift_reasm_finish(tcpsift_reasm *r)
{
    if (r == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    return reasm_finish(&r->state, &r->setup);
}

/* ------------------------------------------------------------------ setup and queries */

int reasm_check(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su)
{
    if (r->ext_count > r->ext_cap) return 0;
    if (su->max_segments && r->ext_count > su->max_segments) return 0;
    if (su->max_buffered_bytes && r->stats.memory_bytes > su->max_buffered_bytes) return 0;
    uint64_t prev = r->next_offset, held_bytes = 0;
    for (uint32_t i = 0; i < r->ext_count; i++) {
        const ext_t *x = ext_at(r, i);
        if (x->start < prev || x->end <= x->start) return 0;
        if (r->have_fin && x->end > r->fin_offset) return 0;
        if (x->held) {
            if (x->held->refs == 0 || x->start < x->held->start ||
                x->end - x->held->start > x->held->alloc_size - sizeof(held_t))
                return 0;
            held_bytes += x->end - x->start;
        }
        prev = x->end;
    }
    if (r->ring_shift && (!ring_grows(su) || r->ring == NULL ||
                          ((uint64_t)1 << r->ring_shift) >= su->max_retained_bytes))
        return 0; /* a ring grows only as ring_grows() says, and up to max_retained_bytes */
    if (!su->stable_buffers && r->ring && r->next_offset - r->ring_start > ring_size(r, su))
        return 0; /* retains more than its ring holds */
    if (r->view_count) { /* retained views: contiguous, ending at next, within the budget */
        uint64_t at = r->ring_start, sum = 0;
        if (!su->stable_buffers || r->view_count > su->max_retained_views) return 0;
        for (uint32_t i = 0; i < r->view_count; i++) {
            const view_t *v = view_peek(r, i);
            if (v->off_lo != (uint32_t)at || v->len == 0) return 0;
            /* a view into the ring: one piece, where its offset puts it */
            uint64_t size = ring_size(r, su);
            if (r->ring && in_ring(r->ring, size, v->ptr) &&
                ((uint64_t)(v->ptr - r->ring) != at % size || at % size + v->len > size))
                return 0;
            at += v->len;
            sum += v->len;
        }
        if (at != r->next_offset || sum != r->view_bytes || sum > su->max_retained_bytes) return 0;
    }
    return held_bytes == r->stats.buffered_bytes;
}

int tcpsift_reasm_check(const tcpsift_reasm *r)
{
    return r != NULL && reasm_check(&r->state, &r->setup);
}

void tcpsift_reasm_config_default(tcpsift_reasm_config *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = TCPSIFT_REASM_ON_ARRIVAL;
    cfg->policy = TCPSIFT_OVERLAP_FIRST;
    cfg->max_buffered_bytes = DEFAULT_MAX_BUFFERED;
    cfg->max_segments = DEFAULT_MAX_SEGMENTS;
    cfg->max_retained_bytes = DEFAULT_MAX_RETAINED;
    cfg->max_retained_views = DEFAULT_MAX_VIEWS;
}

tcpsift_error reasm_setup_init(tcpsift_reasm_setup *su, const tcpsift_reasm_config *cfg,
                               const tcpsift_reasm_callbacks *cb, const tcpsift_allocator *alloc,
                               tcpsift_reasm_budget *budget)
{
    if ((unsigned)cfg->mode > TCPSIFT_REASM_ACKED || cfg->max_segments > (1u << 30) ||
        cfg->max_retained_views > MAX_VIEWS_LIMIT ||
        !allocator_usable(alloc))
        return TCPSIFT_E_INVALID_ARGUMENT;
    memset(su, 0, sizeof(*su));
    su->mode = (uint8_t)cfg->mode;
    su->stable_buffers = cfg->stable_buffers != 0;
    su->max_buffered_bytes = cfg->max_buffered_bytes;
    su->max_segments = cfg->max_segments;
    su->max_retained_bytes = cfg->max_retained_bytes;
    su->max_retained_views = cfg->max_retained_views;
    if (cb) su->cb = *cb;
    su->alloc = allocator_or_libc(alloc);
    su->budget = budget;
    return TCPSIFT_OK;
}

void reasm_state_init(tcpsift_reasm_state *r, tcpsift_overlap_policy policy)
{
    memset(r, 0, sizeof(*r));
    r->policy = (uint8_t)policy;
}

tcpsift_error tcpsift_reasm_init(tcpsift_reasm *r, const tcpsift_reasm_config *cfg,
                                 const tcpsift_reasm_callbacks *cb, const tcpsift_allocator *alloc,
                                 tcpsift_reasm_budget *budget)
{
    if (r == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_reasm_config c;
    if (cfg)
        c = *cfg;
    else
        tcpsift_reasm_config_default(&c);
    if ((unsigned)c.policy >= TCPSIFT_OVERLAP_COUNT_) return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_reasm_setup su;
    tcpsift_error err = reasm_setup_init(&su, &c, cb, alloc, budget);
    if (err != TCPSIFT_OK) return err;
    r->setup = su;
    reasm_state_init(&r->state, c.policy);
    return TCPSIFT_OK;
}

const tcpsift_reasm_stats *tcpsift_reasm_get_stats(const tcpsift_reasm *r)
{
    return r ? &r->state.stats : NULL;
}

size_t tcpsift_reasm_conflicts(const tcpsift_reasm *r, tcpsift_reasm_conflict *out, size_t max)
{
    if (r == NULL || out == NULL || r->state.conflicts == NULL) return 0;
    const tcpsift_reasm_state *st = &r->state;
    /* The ring's slots in record order: the oldest at conflict_next once every slot is written. */
    size_t kept = st->conflicts_wrapped ? TCPSIFT_REASM_CONFLICT_RECORDS : st->conflict_next;
    size_t n = kept < max ? kept : max;
    for (size_t i = 0; i < n; i++)
        out[i] = st->conflicts[(st->conflict_next + TCPSIFT_REASM_CONFLICT_RECORDS - n + i) %
                               TCPSIFT_REASM_CONFLICT_RECORDS];
    return n;
}

uint64_t tcpsift_reasm_next_offset(const tcpsift_reasm *r)
{
    return r ? r->state.next_offset : 0;
}

int tcpsift_reasm_fin_reached(const tcpsift_reasm *r)
{
    return r != NULL && reasm_fin_reached(&r->state);
}

const char *tcpsift_reasm_gap_reason_name(tcpsift_reasm_gap_reason why)
{
    switch (why) {
    case TCPSIFT_GAP_MEMCAP:
        return "memcap";
    case TCPSIFT_GAP_SEGMENT_CAP:
        return "segment_cap";
    case TCPSIFT_GAP_ACK_UNSEEN:
        return "ack_unseen";
    case TCPSIFT_GAP_FINISH:
        return "finish";
    case TCPSIFT_GAP_TRUNCATED:
        return "truncated";
    }
    return "unknown";
}

const char *tcpsift_reasm_event_name(tcpsift_reasm_event_kind k)
{
    switch (k) {
    case TCPSIFT_REASM_EV_RETRANSMISSION:
        return "retransmission";
    case TCPSIFT_REASM_EV_RETRANSMISSION_UNVERIFIED:
        return "retransmission_unverified";
    case TCPSIFT_REASM_EV_OVERLAP_MISMATCH:
        return "overlap_mismatch";
    case TCPSIFT_REASM_EV_DATA_AFTER_FIN:
        return "data_after_fin";
    case TCPSIFT_REASM_EV_MEMCAP_HIT:
        return "memcap_hit";
    case TCPSIFT_REASM_EV_SEGMENT_CAP_HIT:
        return "segment_cap_hit";
    case TCPSIFT_REASM_EV_COUNT_:
        break;
    }
    return "unknown";
}

uint64_t tcpsift_reasm_acked_hole(const tcpsift_reasm *r)
{
    return r ? reasm_acked_hole(&r->state) : 0;
}

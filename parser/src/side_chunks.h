/* Private: fixed-size objects carved from chunks (tcp_conn.c's side tables, stream_rest.c's
 * rested streams). */
#ifndef TCPSIFT_SIDE_CHUNKS_H
#define TCPSIFT_SIDE_CHUNKS_H

#include <stddef.h>
#include <string.h>

#include "tracker_internal.h"

/* Side tables in chunks (issue 9): a capture's connections keep theirs until reported, often
 * many at once (a flush, a burst of timeouts), so a released table was rarely there when the
 * next connection needed one, and the allocator's round trip per connection (~350
 * instructions) was the cost. A chunk holds `per` tables of one kind and counts its live ones;
 * a released table goes back to its chunk for reuse, and a chunk whose last table is released
 * is freed unless it is the only such chunk of its kind (kept for the next connections).
 * Chunks with room are on one list (its first serves), full ones on another. A table's index
 * in its chunk (a byte: conn.ext_slot, conn_rare.slot, stream_rest.slot) finds the chunk again, so
 * a table carries no chunk pointer. (struct side_chunk: tracker_internal.h.) */
static inline int chunk_has_room(const struct side_chunk *k, unsigned per)
{
    return k->free != NULL || k->carved < per;
}

static inline void chunk_unlink(struct side_chunk **head, struct side_chunk *k)
{
    if (k->prev) k->prev->next = k->next;
    else *head = k->next;
    if (k->next) k->next->prev = k->prev;
}

static inline void chunk_push(struct side_chunk **head, struct side_chunk *k)
{
    k->prev = NULL;
    k->next = *head;
    if (k->next) k->next->prev = k;
    *head = k;
}

/* A zeroed table of `size` bytes (its first `zero` bytes zeroed: the rest is the caller's) and
 * its index in its chunk; NULL when the allocator refuses (the caller counts it). Inline with
 * constant sizes, so the index is a multiply, not a division. */
static inline void *side_take(struct tcpsift_tracker *t, side_chunks *s, size_t size,
                              unsigned per, size_t zero, uint8_t *slot)
{
    struct side_chunk *k = s->room;
    if (!k || !chunk_has_room(k, per)) {
        k = t->alloc.alloc(t->alloc.ctx, SIDE_CHUNK_BYTES(size, per));
        if (!k) return NULL;
        k->free = NULL;
        k->live = k->carved = 0;
        chunk_push(&s->room, k);
        s->empty++;
    }
    unsigned char *items = (unsigned char *)k->items, *x;
    if (k->free) {
        x = k->free;
        /* the next released table, stored in this one's first bytes (side_give) */
        memcpy(&k->free, x, sizeof k->free);
        *slot = (uint8_t)((size_t)(x - items) / size);
    } else {
        *slot = (uint8_t)k->carved;
        x = items + (size_t)k->carved++ * size;
    }
    if (k->live++ == 0) s->empty--;
    if (!chunk_has_room(k, per)) {
        chunk_unlink(&s->room, k);
        chunk_push(&s->full, k);
    }
    memset(x, 0, zero);
    return x;
}

static inline void side_give(struct tcpsift_tracker *t, side_chunks *s, size_t size,
                             unsigned per, void *table, uint8_t slot)
{
    unsigned char *x = table;
    struct side_chunk *k =
        (struct side_chunk *)(void *)(x - (size_t)slot * size - offsetof(struct side_chunk, items));
    int was_full = !chunk_has_room(k, per);
    memcpy(x, &k->free, sizeof k->free);
    k->free = x;
    if (was_full) {
        chunk_unlink(&s->full, k);
        chunk_push(&s->room, k);
    }
    if (--k->live == 0) {
        if (s->empty > 0) {
            chunk_unlink(&s->room, k);
            t->alloc.free(t->alloc.ctx, k, SIDE_CHUNK_BYTES(size, per));
            return;
        }
        s->empty++;
    }
}

static inline void side_drain(struct tcpsift_tracker *t, side_chunks *s, size_t size, unsigned per)
{
    struct side_chunk **lists[2] = {&s->room, &s->full};
    for (int i = 0; i < 2; i++) {
        while (*lists[i]) {
            struct side_chunk *k = *lists[i];
            *lists[i] = k->next;
            t->alloc.free(t->alloc.ctx, k, SIDE_CHUNK_BYTES(size, per));
        }
    }
    s->empty = 0;
}

#endif

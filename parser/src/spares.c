/* Spare objects: a direction's stream (~1.2 KB) and a connection's side
 * table are released when a stream reaches its FIN or a connection is
 * reported, and the next connection with payload needs the same sizes at
 * once. Keeping a few released ones saves an allocator round trip each
 * (issue 9: malloc and free were ~100 instructions per packet of the full
 * pipeline) and hands back memory that is still in cache. Bounded, so the
 * memory held beyond the live objects is at most SPARES_MAX of each. */
#include "tracker_internal.h"

void *spares_take(struct tcpsift_tracker *t, spare_list *l, size_t size)
{
    if (l->n > 0) return l->items[--l->n];
    return t->alloc.alloc(t->alloc.ctx, size);
}

void spares_give(struct tcpsift_tracker *t, spare_list *l, void *p, size_t size)
{
    if (p == NULL) return;
    if (l->n < SPARES_MAX) {
        l->items[l->n++] = p;
        return;
    }
    t->alloc.free(t->alloc.ctx, p, size);
}

void spares_drain(struct tcpsift_tracker *t, spare_list *l, size_t size)
{
    while (l->n > 0) t->alloc.free(t->alloc.ctx, l->items[--l->n], size);
}

/* Spare objects: a direction's stream (~1.2 KB) is released when it reaches
 * its FIN, and the next connection with payload needs the same size at once
 * (side tables come from chunks instead: tcp_conn.c, conn_ext_get). Keeping
 * a few released ones saves an allocator round trip each (issue 9: malloc
 * and free were ~100 instructions per packet of the full pipeline) and
 * hands back memory that is still in cache. Bounded, so the
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

/* A released view ring is the size the next stream's first segment asks for (issue 9: a
 * malloc and a free per direction stream). The size class of `size`, or -1. */
static int block_class(size_t size)
{
    _Static_assert(SPARE_BLOCK_MIN == 64 && SPARE_BLOCK_CLASSES == 5, "the cases below");
    switch (size) {
    case 64:
        return 0;
    case 128:
        return 1;
    case 256:
        return 2;
    case 512:
        return 3;
    case 1024:
        return 4;
    default:
        return -1;
    }
}

static void *block_alloc(void *ctx, size_t size)
{
    struct tcpsift_tracker *t = ctx;
    int k = block_class(size);
    if (k >= 0) return spares_take(t, &t->spare_blocks[k], size);
    return t->alloc.alloc(t->alloc.ctx, size);
}

/* `size` is the size asked of block_alloc (the allocator contract, tcpsift/alloc.h). */
static void block_free(void *ctx, void *p, size_t size)
{
    struct tcpsift_tracker *t = ctx;
    int k = block_class(size);
    if (k >= 0)
        spares_give(t, &t->spare_blocks[k], p, size);
    else
        t->alloc.free(t->alloc.ctx, p, size);
}

void spare_blocks_allocator(struct tcpsift_tracker *t, tcpsift_allocator *out)
{
    out->alloc = block_alloc;
    out->free = block_free;
    out->ctx = t;
}

void spare_blocks_drain(struct tcpsift_tracker *t)
{
    for (int i = 0; i < SPARE_BLOCK_CLASSES; i++)
        spares_drain(t, &t->spare_blocks[i], (size_t)SPARE_BLOCK_MIN << i);
}

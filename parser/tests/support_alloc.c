/* Test support: the poisoned allocator (support_alloc.h). */
#include <stdlib.h>
#include <string.h>

#include "support_alloc.h"

static void *poisoned_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *p = malloc(size);
    if (p) memset(p, 0xA5, size);
    return p;
}

static void plain_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

const tcpsift_allocator support_poisoned_allocator = {poisoned_alloc, plain_free, NULL};

/* The C library's allocator behind the tcpsift_allocator hooks (allocator_default.h). */
#include "allocator_default.h"

#include <stdlib.h>

static void *libc_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void libc_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

int allocator_usable(const tcpsift_allocator *given)
{
    return !given || (given->alloc && given->free);
}

tcpsift_allocator allocator_or_libc(const tcpsift_allocator *given)
{
    if (given) return *given;
    tcpsift_allocator libc = {libc_alloc, libc_free, NULL};
    return libc;
}

/* Allocator hooks an embedder hands to tcpsift.
 *
 * Every tcpsift object that owns memory takes a `const tcpsift_allocator *`
 * at create time; NULL means the C library's malloc/free. `free` receives
 * the size that was asked of `alloc`, so an embedder can account bytes
 * without a header per block (and cap them: a failing `alloc` makes the
 * create call return TCPSIFT_E_NO_MEMORY). */
#ifndef TCPSIFT_ALLOC_H
#define TCPSIFT_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tcpsift_allocator {
    /* Returns memory aligned for any object type, or NULL. */
    void *(*alloc)(void *ctx, size_t size);
    /* Releases `p`, which `alloc` returned for exactly `size` bytes. */
    void (*free)(void *ctx, void *p, size_t size);
    void *ctx;
} tcpsift_allocator;

#ifdef __cplusplus
}
#endif
#endif

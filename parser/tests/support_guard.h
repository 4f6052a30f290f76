/* Test support: place an input so that it ends exactly at a PROT_NONE guard page, so any read
 * one byte past its end faults at once (after picohttpparser's test.c). */
#ifndef TCPSIFT_SUPPORT_GUARD_H
#define TCPSIFT_SUPPORT_GUARD_H

#include <stddef.h>
#include <stdint.h>

struct guard_buf {
    void *map;      /* start of the mapping (NULL when nothing is placed) */
    size_t map_len; /* data pages + the guard page */
};

/* Copy `len` bytes of `data` so they end at a PROT_NONE page; returns the copy (for len 0, a
 * pointer to the guard page itself, which must not be read), or NULL if mapping failed.
 * Each guard_place() must be paired with guard_release(). */
const uint8_t *guard_place(struct guard_buf *g, const void *data, size_t len);
void guard_release(struct guard_buf *g);

#endif

/* The one way tcpsift reads bytes: a bounds-checked cursor over a borrowed
 * buffer (after BoringSSL's CBS).
 *
 * Every read asks `len < n` before touching memory, so `ptr + n` is never
 * formed past the end and no length arithmetic can overflow. A failed read
 * leaves the cursor unmoved and returns 0; a successful read returns 1.
 * Private header: never installed. */
#ifndef TCPSIFT_CURSOR_H
#define TCPSIFT_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct tcpsift_cursor {
    const uint8_t *ptr;
    size_t len;
} tcpsift_cursor;

static inline tcpsift_cursor cursor_make(const uint8_t *ptr, size_t len)
{
    tcpsift_cursor c = {ptr, ptr ? len : 0};
    return c;
}

static inline size_t cursor_left(const tcpsift_cursor *c) { return c->len; }

static inline int cursor_skip(tcpsift_cursor *c, size_t n)
{
    if (c->len < n) return 0;
    if (n == 0) return 1; /* never form NULL + 0 */
    c->ptr += n;
    c->len -= n;
    return 1;
}

/* Borrow the next n bytes as a pointer, advancing past them. */
static inline int cursor_take(tcpsift_cursor *c, size_t n, const uint8_t **out)
{
    if (c->len < n) return 0;
    *out = c->ptr;
    if (n == 0) return 1; /* never form NULL + 0 */
    c->ptr += n;
    c->len -= n;
    return 1;
}

/* Split off the next n bytes as a child cursor, advancing past them. */
static inline int cursor_child(tcpsift_cursor *c, size_t n, tcpsift_cursor *child)
{
    const uint8_t *p;
    if (!cursor_take(c, n, &p)) return 0;
    *child = cursor_make(p, n);
    return 1;
}

/* Look at the next n bytes without advancing. */
static inline int cursor_peek(const tcpsift_cursor *c, size_t n, const uint8_t **out)
{
    if (c->len < n) return 0;
    *out = c->ptr;
    return 1;
}

static inline int cursor_u8(tcpsift_cursor *c, uint8_t *out)
{
    if (c->len < 1) return 0;
    *out = c->ptr[0];
    c->ptr += 1;
    c->len -= 1;
    return 1;
}

static inline int cursor_be16(tcpsift_cursor *c, uint16_t *out)
{
    if (c->len < 2) return 0;
    *out = (uint16_t)((uint16_t)c->ptr[0] << 8 | c->ptr[1]);
    c->ptr += 2;
    c->len -= 2;
    return 1;
}

static inline int cursor_le16(tcpsift_cursor *c, uint16_t *out)
{
    if (c->len < 2) return 0;
    *out = (uint16_t)((uint16_t)c->ptr[1] << 8 | c->ptr[0]);
    c->ptr += 2;
    c->len -= 2;
    return 1;
}

static inline int cursor_be32(tcpsift_cursor *c, uint32_t *out)
{
    if (c->len < 4) return 0;
    *out = (uint32_t)c->ptr[0] << 24 | (uint32_t)c->ptr[1] << 16 | (uint32_t)c->ptr[2] << 8 |
           c->ptr[3];
    c->ptr += 4;
    c->len -= 4;
    return 1;
}

static inline int cursor_le32(tcpsift_cursor *c, uint32_t *out)
{
    if (c->len < 4) return 0;
    *out = (uint32_t)c->ptr[3] << 24 | (uint32_t)c->ptr[2] << 16 | (uint32_t)c->ptr[1] << 8 |
           c->ptr[0];
    c->ptr += 4;
    c->len -= 4;
    return 1;
}

/* Byte-order-parameterised reads for capture formats whose order is known only at run time. */
static inline int cursor_u16_order(tcpsift_cursor *c, int big_endian, uint16_t *out)
{
    return big_endian ? cursor_be16(c, out) : cursor_le16(c, out);
}

static inline int cursor_u32_order(tcpsift_cursor *c, int big_endian, uint32_t *out)
{
    return big_endian ? cursor_be32(c, out) : cursor_le32(c, out);
}

/* Branch hints for the hot paths (the common Ethernet/IPv4/TCP frame). */
#if defined(__GNUC__) || defined(__clang__)
#define TCPSIFT_LIKELY(x) __builtin_expect(!!(x), 1)
#define TCPSIFT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TCPSIFT_NOINLINE __attribute__((noinline))
#else
#define TCPSIFT_LIKELY(x) (x)
#define TCPSIFT_UNLIKELY(x) (x)
#define TCPSIFT_NOINLINE
#endif

/* Pure helpers on bytes already proven present (callers hold a checked pointer, e.g. from
 * cursor_peek or cursor_take of the whole fixed-size header: one length check, then every load
 * of the header is in bounds by construction). */
static inline uint16_t load_be16(const uint8_t *p) { return (uint16_t)((uint16_t)p[0] << 8 | p[1]); }
static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

#endif

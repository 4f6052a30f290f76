/* SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012): a keyed 64-bit hash, so that an attacker who does not
 * know the key cannot choose flow tuples that collide in the flow table.
 * Private header: never installed. */
#ifndef TCPSIFT_SIPHASH_H
#define TCPSIFT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define TCPSIFT_SIPHASH_KEY_SIZE 16

/* SipHash-2-4 of `len` bytes at `msg` under the 128-bit `key` (bytes
 * k0..k15, read little-endian as the paper specifies). `msg` may be NULL
 * when `len` is 0. */
uint64_t tcpsift_siphash24(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len);

#endif

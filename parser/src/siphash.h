/* SipHash (Aumasson & Bernstein, "SipHash: a fast short-input PRF",
 * INDOCRYPT 2012): a keyed 64-bit hash, so that an attacker who does not
 * know the key cannot choose flow tuples that collide in the flow table.
 *
 * SipHash-2-4 is the paper's recommendation. The flow table uses
 * SipHash-1-3 (one SipRound per message word, three at finalization), the
 * variant Rust's std HashMap and CPython's str/bytes hash use for the same
 * job, hash-flooding resistance of a table: it keeps the property that
 * matters here (no cheap way to find colliding inputs without the key) at
 * about half the rounds. The table's message is fixed-size whole words
 * (tcpsift_siphash13_words), so no generic tail loop runs per packet.
 * Private header: never installed. */
#ifndef TCPSIFT_SIPHASH_H
#define TCPSIFT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define TCPSIFT_SIPHASH_KEY_SIZE 16

/* The four state words after keying: computed once per key. */
typedef struct tcpsift_siphash_key {
    uint64_t v0, v1, v2, v3;
} tcpsift_siphash_key;

/* Keys the initial state from the 128-bit `key` (bytes k0..k15, read
 * little-endian as the paper specifies). */
void tcpsift_siphash_key_init(tcpsift_siphash_key *k, const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE]);

/* SipHash-2-4 / SipHash-1-3 of `len` bytes at `msg` (`msg` may be NULL when
 * `len` is 0). */
uint64_t tcpsift_siphash24(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len);
uint64_t tcpsift_siphash13(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len);

static inline uint64_t tcpsift_sip_rotl(uint64_t x, unsigned b)
{
    return x << b | x >> (64u - b);
}

/* One SipRound: the ARX network of the paper's figure 2.1. */
#define TCPSIFT_SIPROUND(v0, v1, v2, v3)                                                          \
    do {                                                                                          \
        v0 += v1;                                                                                 \
        v1 = tcpsift_sip_rotl(v1, 13);                                                            \
        v1 ^= v0;                                                                                 \
        v0 = tcpsift_sip_rotl(v0, 32);                                                            \
        v2 += v3;                                                                                 \
        v3 = tcpsift_sip_rotl(v3, 16);                                                            \
        v3 ^= v2;                                                                                 \
        v0 += v3;                                                                                 \
        v3 = tcpsift_sip_rotl(v3, 21);                                                            \
        v3 ^= v0;                                                                                 \
        v2 += v1;                                                                                 \
        v1 = tcpsift_sip_rotl(v1, 17);                                                            \
        v1 ^= v2;                                                                                 \
        v2 = tcpsift_sip_rotl(v2, 32);                                                            \
    } while (0)

/* SipHash-1-3 of a message of `n` whole 8-byte words followed by
 * `tail_len` (0..7) more bytes: w[i] is the little-endian value of bytes
 * 8i..8i+7 and `tail` that of the last tail_len bytes (its upper bytes
 * zero), n * 8 + tail_len <= 255. The same value tcpsift_siphash13 gives for
 * those bytes, without its byte loop. The tail rides in the paper's last
 * block beside the length byte, so a message of 8n + 7 bytes costs the
 * rounds of one of 8n bytes (the flow table packs its keys that way). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline)) /* once per packet: gcc made it a call */
#endif
static inline uint64_t tcpsift_siphash13_words_tail(const tcpsift_siphash_key *k,
                                                    const uint64_t *w, size_t n, uint64_t tail,
                                                    size_t tail_len)
{
    uint64_t v0 = k->v0, v1 = k->v1, v2 = k->v2, v3 = k->v3;
    for (size_t i = 0; i < n; i++) {
        v3 ^= w[i];
        TCPSIFT_SIPROUND(v0, v1, v2, v3);
        v0 ^= w[i];
    }
    uint64_t last = (uint64_t)((n * 8u + tail_len) & 0xffu) << 56 | tail;
    v3 ^= last;
    TCPSIFT_SIPROUND(v0, v1, v2, v3);
    v0 ^= last;
    v2 ^= 0xffu;
    TCPSIFT_SIPROUND(v0, v1, v2, v3);
    TCPSIFT_SIPROUND(v0, v1, v2, v3);
    TCPSIFT_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The same for whole words only (no tail). */
static inline uint64_t tcpsift_siphash13_words(const tcpsift_siphash_key *k, const uint64_t *w,
                                               size_t n)
{
    return tcpsift_siphash13_words_tail(k, w, n, 0, 0);
}

#endif

/* SipHash-2-4, written from the paper's description (section 2):
 * four 64-bit words of state initialised from the key and constants, two
 * SipRounds per 8-byte message word, a final word carrying the length byte,
 * then four SipRounds after xoring 0xff into v2. */
#include "siphash.h"

#include "cursor.h"

/* Little-endian 64-bit load of 8 bytes already proven present by the cursor. */
static uint64_t le64_at(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
    return x << b | x >> (64u - b);
}

typedef struct sip_state {
    uint64_t v0, v1, v2, v3;
} sip_state;

/* One SipRound: the ARX network of the paper's figure 2.1. */
static inline void sip_round(sip_state *s)
{
    s->v0 += s->v1;
    s->v1 = rotl64(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl64(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl64(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl64(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl64(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl64(s->v2, 32);
}

/* Compression: c = 2 SipRounds per message word. */
static inline void sip_compress(sip_state *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

uint64_t tcpsift_siphash24(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len)
{
    tcpsift_cursor kc = cursor_make(key, TCPSIFT_SIPHASH_KEY_SIZE);
    tcpsift_cursor mc = cursor_make(msg, len);
    const uint8_t *p;
    uint64_t k0 = 0, k1 = 0, last;
    sip_state s;
    size_t tail;

    if (cursor_take(&kc, 8, &p)) k0 = le64_at(p);
    if (cursor_take(&kc, 8, &p)) k1 = le64_at(p);
    /* "somepseudorandomlygeneratedbytes" constants of the paper. */
    s.v0 = k0 ^ UINT64_C(0x736f6d6570736575);
    s.v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    s.v2 = k0 ^ UINT64_C(0x6c7967656e657261);
    s.v3 = k1 ^ UINT64_C(0x7465646279746573);

    while (cursor_take(&mc, 8, &p))
        sip_compress(&s, le64_at(p));

    /* Final word: the 0..7 remaining bytes, little-endian, with the message
     * length modulo 256 in the top byte. */
    last = (uint64_t)(len & 0xffu) << 56;
    tail = cursor_left(&mc);
    /* tail == 0 skips the take: the message may be NULL, and even a zero
     * offset added to a null pointer is undefined behaviour. */
    if (tail != 0 && cursor_take(&mc, tail, &p))
        for (size_t i = 0; i < tail; i++)
            last |= (uint64_t)p[i] << (8u * i);
    sip_compress(&s, last);

    /* Finalization: d = 4 SipRounds. */
    s.v2 ^= 0xffu;
    sip_round(&s);
    sip_round(&s);
    sip_round(&s);
    sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

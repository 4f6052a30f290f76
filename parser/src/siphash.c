/* SipHash-c-d, written from the paper's description (section 2): four
 * 64-bit words of state initialised from the key and constants, c SipRounds
 * per 8-byte message word, a final word carrying the length byte, then d
 * SipRounds after xoring 0xff into v2. c-d = 2-4 (the paper's) and 1-3
 * (the flow table's, see siphash.h). */
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

void tcpsift_siphash_key_init(tcpsift_siphash_key *k, const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE])
{
    tcpsift_cursor kc = cursor_make(key, TCPSIFT_SIPHASH_KEY_SIZE);
    const uint8_t *p;
    uint64_t k0 = 0, k1 = 0;
    if (cursor_take(&kc, 8, &p)) k0 = le64_at(p);
    if (cursor_take(&kc, 8, &p)) k1 = le64_at(p);
    /* "somepseudorandomlygeneratedbytes" constants of the paper. */
    k->v0 = k0 ^ UINT64_C(0x736f6d6570736575);
    k->v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    k->v2 = k0 ^ UINT64_C(0x6c7967656e657261);
    k->v3 = k1 ^ UINT64_C(0x7465646279746573);
}

static uint64_t siphash_cd(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len, int c_rounds, int d_rounds)
{
    tcpsift_siphash_key k;
    tcpsift_cursor mc = cursor_make(msg, len);
    const uint8_t *p;
    uint64_t last, m;
    size_t tail;

    tcpsift_siphash_key_init(&k, key);
    uint64_t v0 = k.v0, v1 = k.v1, v2 = k.v2, v3 = k.v3;

    while (cursor_take(&mc, 8, &p)) {
        m = le64_at(p);
        v3 ^= m;
        for (int r = 0; r < c_rounds; r++)
            TCPSIFT_SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }

    /* Final word: the 0..7 remaining bytes, little-endian, with the message
     * length modulo 256 in the top byte. */
    last = (uint64_t)(len & 0xffu) << 56;
    tail = cursor_left(&mc);
    /* tail == 0 skips the take: the message may be NULL, and even a zero
     * offset added to a null pointer is undefined behaviour. */
    if (tail != 0 && cursor_take(&mc, tail, &p))
        for (size_t i = 0; i < tail; i++)
            last |= (uint64_t)p[i] << (8u * i);
    v3 ^= last;
    for (int r = 0; r < c_rounds; r++)
        TCPSIFT_SIPROUND(v0, v1, v2, v3);
    v0 ^= last;

    /* Finalization. */
    v2 ^= 0xffu;
    for (int r = 0; r < d_rounds; r++)
        TCPSIFT_SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t tcpsift_siphash24(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len)
{
    return siphash_cd(key, msg, len, 2, 4);
}

uint64_t tcpsift_siphash13(const uint8_t key[TCPSIFT_SIPHASH_KEY_SIZE], const uint8_t *msg,
                           size_t len)
{
    return siphash_cd(key, msg, len, 1, 3);
}

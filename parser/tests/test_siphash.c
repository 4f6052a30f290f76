/* SipHash-2-4 against the official test vectors; SipHash-1-3 (the flow
 * table's) against CPython's, and its whole-word form against the bytes form.
 *
 * Key 00 01 .. 0f, message of length n = bytes 00 01 .. (n-1), for n = 0..63.
 * Expected outputs: vectors_sip64 of the reference implementation
 * (github.com/veorq/SipHash, vectors.h), written here as the 64-bit value
 * whose little-endian bytes the reference lists. Vector 15 is also the
 * worked example in appendix A of the SipHash paper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "siphash.h"
#include "support_guard.h"

static const uint64_t expected_sip64[64] = {
    UINT64_C(0x726fdb47dd0e0e31), /* 0 */
    UINT64_C(0x74f839c593dc67fd), /* 1 */
    UINT64_C(0x0d6c8009d9a94f5a), /* 2 */
    UINT64_C(0x85676696d7fb7e2d), /* 3 */
    UINT64_C(0xcf2794e0277187b7), /* 4 */
    UINT64_C(0x18765564cd99a68d), /* 5 */
    UINT64_C(0xcbc9466e58fee3ce), /* 6 */
    UINT64_C(0xab0200f58b01d137), /* 7 */
    UINT64_C(0x93f5f5799a932462), /* 8 */
    UINT64_C(0x9e0082df0ba9e4b0), /* 9 */
    UINT64_C(0x7a5dbbc594ddb9f3), /* 10 */
    UINT64_C(0xf4b32f46226bada7), /* 11 */
    UINT64_C(0x751e8fbc860ee5fb), /* 12 */
    UINT64_C(0x14ea5627c0843d90), /* 13 */
    UINT64_C(0xf723ca908e7af2ee), /* 14 */
    UINT64_C(0xa129ca6149be45e5), /* 15 */
    UINT64_C(0x3f2acc7f57c29bdb), /* 16 */
    UINT64_C(0x699ae9f52cbe4794), /* 17 */
    UINT64_C(0x4bc1b3f0968dd39c), /* 18 */
    UINT64_C(0xbb6dc91da77961bd), /* 19 */
    UINT64_C(0xbed65cf21aa2ee98), /* 20 */
    UINT64_C(0xd0f2cbb02e3b67c7), /* 21 */
    UINT64_C(0x93536795e3a33e88), /* 22 */
    UINT64_C(0xa80c038ccd5ccec8), /* 23 */
    UINT64_C(0xb8ad50c6f649af94), /* 24 */
    UINT64_C(0xbce192de8a85b8ea), /* 25 */
    UINT64_C(0x17d835b85bbb15f3), /* 26 */
    UINT64_C(0x2f2e6163076bcfad), /* 27 */
    UINT64_C(0xde4daaaca71dc9a5), /* 28 */
    UINT64_C(0xa6a2506687956571), /* 29 */
    UINT64_C(0xad87a3535c49ef28), /* 30 */
    UINT64_C(0x32d892fad841c342), /* 31 */
    UINT64_C(0x7127512f72f27cce), /* 32 */
    UINT64_C(0xa7f32346f95978e3), /* 33 */
    UINT64_C(0x12e0b01abb051238), /* 34 */
    UINT64_C(0x15e034d40fa197ae), /* 35 */
    UINT64_C(0x314dffbe0815a3b4), /* 36 */
    UINT64_C(0x027990f029623981), /* 37 */
    UINT64_C(0xcadcd4e59ef40c4d), /* 38 */
    UINT64_C(0x9abfd8766a33735c), /* 39 */
    UINT64_C(0x0e3ea96b5304a7d0), /* 40 */
    UINT64_C(0xad0c42d6fc585992), /* 41 */
    UINT64_C(0x187306c89bc215a9), /* 42 */
    UINT64_C(0xd4a60abcf3792b95), /* 43 */
    UINT64_C(0xf935451de4f21df2), /* 44 */
    UINT64_C(0xa9538f0419755787), /* 45 */
    UINT64_C(0xdb9acddff56ca510), /* 46 */
    UINT64_C(0xd06c98cd5c0975eb), /* 47 */
    UINT64_C(0xe612a3cb9ecba951), /* 48 */
    UINT64_C(0xc766e62cfcadaf96), /* 49 */
    UINT64_C(0xee64435a9752fe72), /* 50 */
    UINT64_C(0xa192d576b245165a), /* 51 */
    UINT64_C(0x0a8787bf8ecb74b2), /* 52 */
    UINT64_C(0x81b3e73d20b49b6f), /* 53 */
    UINT64_C(0x7fa8220ba3b2ecea), /* 54 */
    UINT64_C(0x245731c13ca42499), /* 55 */
    UINT64_C(0xb78dbfaf3a8d83bd), /* 56 */
    UINT64_C(0xea1ad565322a1a0b), /* 57 */
    UINT64_C(0x60e61c23a3795013), /* 58 */
    UINT64_C(0x6606d7e446282b93), /* 59 */
    UINT64_C(0x6ca4ecb15c5f91e1), /* 60 */
    UINT64_C(0x9f626da15c9625f3), /* 61 */
    UINT64_C(0xe51b38608ef25f57), /* 62 */
    UINT64_C(0x958a324ceb064572), /* 63 */
};

static void reference_key(uint8_t key[16])
{
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
}

/* The first vectors spelled out, so a reader sees the convention. */
static void test_first_vectors_literal(void **state)
{
    uint8_t key[16], msg[1] = {0x00};
    (void)state;
    reference_key(key);
    assert_true(tcpsift_siphash24(key, NULL, 0) == UINT64_C(0x726fdb47dd0e0e31));
    assert_true(tcpsift_siphash24(key, msg, 1) == UINT64_C(0x74f839c593dc67fd));
}

/* All 64 reference vectors; each message is placed to end at a guard page,
 * so reading one byte past the message would fault. */
static void test_all_reference_vectors(void **state)
{
    uint8_t key[16], msg[64];
    (void)state;
    reference_key(key);
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    for (size_t n = 0; n < 64; n++) {
        struct guard_buf g = {0};
        const uint8_t *placed = guard_place(&g, msg, n);
        assert_non_null(placed);
        uint64_t got = tcpsift_siphash24(key, n ? placed : NULL, n);
        guard_release(&g);
        if (got != expected_sip64[n])
            fail_msg("length %zu: got %016llx, want %016llx", n, (unsigned long long)got,
                     (unsigned long long)expected_sip64[n]);
    }
}

/* The paper's appendix A example: 15-byte message 00..0e. */
static void test_paper_example(void **state)
{
    uint8_t key[16], msg[15];
    (void)state;
    reference_key(key);
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    assert_true(tcpsift_siphash24(key, msg, sizeof msg) == UINT64_C(0xa129ca6149be45e5));
}

/* The key matters: flipping one key bit changes the hash (a table keyed per
 * instance is the whole point). */
static void test_key_changes_output(void **state)
{
    uint8_t key[16], msg[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    (void)state;
    reference_key(key);
    uint64_t a = tcpsift_siphash24(key, msg, sizeof msg);
    key[15] ^= 0x80;
    uint64_t b = tcpsift_siphash24(key, msg, sizeof msg);
    assert_true(a != b);
    key[15] ^= 0x80;
    assert_true(tcpsift_siphash24(key, msg, sizeof msg) == a);
}

/* SipHash-1-3 under the all-zero key, message bytes 00 01 .. (n-1): the
 * values CPython 3.11 gives for hash(bytes(range(n))) with PYTHONHASHSEED=0
 * (its bytes hash is SipHash-1-3 keyed by a secret that seed 0 zeroes),
 * taken as unsigned 64-bit. An independent implementation. */
static void test_siphash13_cpython_vectors(void **state)
{
    static const struct {
        size_t n;
        uint64_t want;
    } v[] = {
        {1, UINT64_C(0x68a914128e01e473)},  {7, UINT64_C(0x2f098ab0c751325a)},
        {8, UINT64_C(0xead411e67ebe2eea)},  {15, UINT64_C(0xf30eb725bb91c9ea)},
        {16, UINT64_C(0x8972188433a5c5b7)}, {17, UINT64_C(0x4883c49a2c009c1d)},
        {24, UINT64_C(0x31185a47af932f3a)}, {40, UINT64_C(0x95bc321ab41d8206)},
        {63, UINT64_C(0x385d3e39e5f37359)},
    };
    uint8_t key[16] = {0}, msg[64];
    (void)state;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct guard_buf g = {0};
        const uint8_t *placed = guard_place(&g, msg, v[i].n);
        assert_non_null(placed);
        uint64_t got = tcpsift_siphash13(key, placed, v[i].n);
        guard_release(&g);
        if (got != v[i].want)
            fail_msg("1-3, length %zu: got %016llx, want %016llx", v[i].n,
                     (unsigned long long)got, (unsigned long long)v[i].want);
    }
    /* Different from 2-4 on the same input. */
    assert_true(tcpsift_siphash13(key, msg, 16) != tcpsift_siphash24(key, msg, 16));
}

/* The reference key, and a 64-byte message (byte i = mul * i + add) with its eight words as
 * the flow table forms them (little-endian). */
static void words_setup(uint8_t key[16], tcpsift_siphash_key *k, uint8_t msg[64], uint64_t w[8],
                        unsigned mul, unsigned add)
{
    reference_key(key);
    tcpsift_siphash_key_init(k, key);
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)(mul * (unsigned)i + add);
    for (int i = 0; i < 8; i++) {
        w[i] = 0;
        for (int b = 7; b >= 0; b--)
            w[i] = w[i] << 8 | msg[8 * i + b];
    }
}

/* The flow table's whole-word form equals the bytes form, for every word
 * count it uses (2, 3, 5, 6) and more, under a non-trivial key. */
static void test_siphash13_words_equal_bytes(void **state)
{
    uint8_t key[16], msg[8 * 8];
    uint64_t w[8];
    tcpsift_siphash_key k;
    (void)state;
    words_setup(key, &k, msg, w, 0x9d, 3);
    for (size_t n = 0; n <= 8; n++)
        assert_true(tcpsift_siphash13_words(&k, w, n) == tcpsift_siphash13(key, msg, 8 * n));
}

/* Whole words plus a tail of 0..7 bytes (the flow table's keys: 15, 20, 39
 * and 44 bytes) equal the bytes form, for 0..7 words before the tail. The
 * tail word holds exactly its bytes; a wrong length byte or a tail byte
 * dropped or misplaced changes the value. */
static void test_siphash13_words_tail_equal_bytes(void **state)
{
    uint8_t key[16], msg[8 * 8];
    uint64_t w[8];
    tcpsift_siphash_key k;
    (void)state;
    words_setup(key, &k, msg, w, 0x6b, 0x11);
    for (size_t n = 0; n < 8; n++) {
        for (size_t tl = 0; tl <= 7; tl++) {
            uint64_t tail = 0;
            for (size_t b = tl; b-- > 0;)
                tail = tail << 8 | msg[8 * n + b];
            uint64_t got = tcpsift_siphash13_words_tail(&k, w, n, tail, tl);
            if (got != tcpsift_siphash13(key, msg, 8 * n + tl))
                fail_msg("%zu words + %zu tail bytes differ from the bytes form", n, tl);
        }
    }
    /* 15 bytes (the IPv4 key) against a known value of the bytes form
     * under the all-zero key (CPython's vector for bytes(range(15))). */
    uint8_t zero[16] = {0};
    tcpsift_siphash_key_init(&k, zero);
    uint64_t w0 = UINT64_C(0x0706050403020100), t15 = UINT64_C(0x000e0d0c0b0a0908);
    assert_true(tcpsift_siphash13_words_tail(&k, &w0, 1, t15, 7) == UINT64_C(0xf30eb725bb91c9ea));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_vectors_literal),
        cmocka_unit_test(test_all_reference_vectors),
        cmocka_unit_test(test_paper_example),
        cmocka_unit_test(test_key_changes_output),
        cmocka_unit_test(test_siphash13_cpython_vectors),
        cmocka_unit_test(test_siphash13_words_equal_bytes),
        cmocka_unit_test(test_siphash13_words_tail_equal_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

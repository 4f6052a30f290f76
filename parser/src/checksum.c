/* Internet checksums (RFC 1071): IPv4 header, and TCP/UDP over the IPv4
 * (RFC 9293 §3.1) and IPv6 (RFC 8200 §8.1) pseudo-headers. */
#include <string.h>

#include "decode_internal.h"

/* Sum of the native-order 64-bit words of [p, p+8n), end-around carries
 * kept apart. The one's-complement sum does not depend on byte order (RFC 1071
 * §2(B)): summing words as the machine loads them and swapping the folded
 * result once is the same sum, at a fraction of the cost per byte. */
static uint64_t sum_native_words(const uint8_t *p, size_t words, uint64_t *carries)
{
    uint64_t s0 = 0, s1 = 0, c = 0;
    for (; words >= 2; words -= 2, p += 16) {
        uint64_t w0, w1;
        memcpy(&w0, p, 8); /* the view is bounded by the caller; memcpy: unaligned */
        memcpy(&w1, p + 8, 8);
        s0 += w0;
        c += s0 < w0;
        s1 += w1;
        c += s1 < w1;
    }
    if (words) {
        uint64_t w;
        memcpy(&w, p, 8);
        s0 += w;
        c += s0 < w;
    }
    s0 += s1;
    c += s0 < s1;
    *carries = c;
    return s0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CSUM_AVX2 1
#include <immintrin.h>

/* The native-order 16-bit words of [p, p+64n) summed on a CPU with AVX2 (the caller checks): the
 * same one's-complement sum as sum_native_words() in fewer instructions (issue 9: checksums were
 * a fifth of the CLI's instructions). Each word w is flipped to the signed w - 0x8000 and
 * vpmaddwd adds pairs of them into 32-bit lanes in one instruction (three a 32-byte load with the
 * lane sum); the 0x8000 a word is added back once at the end. A lane moves by at most 2^16 a
 * step, so over a run of 8,192 steps both accumulators stay within 2^29 and their sum within
 * 2^30; runs are added up in 64 bits. */
typedef int32_t csum_lanes8 __attribute__((vector_size(32)));

/* One run of n <= 8,192 steps (the accumulators written as `+=` on a vector type: gcc 12 copies
 * them between registers every step when written with _mm256_add_epi32). */
__attribute__((target("avx2"))) static inline csum_lanes8 sum_run_avx2(const uint8_t *p, size_t n)
{
    const __m256i flip = _mm256_set1_epi16((short)0x8000), ones = _mm256_set1_epi16(1);
    csum_lanes8 a = {0}, b = {0};
    for (size_t i = 0; i < n; i++, p += 64) {
        /* the view is bounded by the caller; loadu: unaligned */
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
        a += (csum_lanes8)_mm256_madd_epi16(_mm256_xor_si256(x, flip), ones);
        b += (csum_lanes8)_mm256_madd_epi16(_mm256_xor_si256(y, flip), ones);
    }
    return a + b;
}

__attribute__((target("avx2"))) static uint64_t sum_native_avx2(const uint8_t *p, size_t steps)
{
    int64_t total = (int64_t)steps * 32 * 0x8000; /* the flip's bias: 32 words a step */
    while (steps) {
        size_t n = steps < 8192 ? steps : 8192;
        csum_lanes8 lanes = sum_run_avx2(p, n);
        for (int lane = 0; lane < 8; lane++) total += lanes[lane];
        p += n * 64;
        steps -= n;
    }
    return (uint64_t)total; /* the sum of the words: not negative */
}
#endif

/* Folds a 64-bit one's-complement partial sum to 16 bits. */
static uint16_t fold64(uint64_t acc)
{
    acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
    acc = (acc & 0xFFFFu) + (acc >> 16);
    acc = (acc & 0xFFFFu) + (acc >> 16);
    acc = (acc & 0xFFFFu) + (acc >> 16);
    return (uint16_t)acc;
}

/* One's-complement sum of big-endian 16-bit words, not yet folded. Reads
 * only [p, p+len): the caller passes bytes already bounded by the capture.
 * `simd`: the AVX2 path may be used for the bulk (checksum_sum_words() lets
 * a test compare both). */
static inline uint64_t sum_words_with(uint64_t acc, const uint8_t *p, size_t len, int simd)
{
    if (len >= 16) {
        uint64_t carries, wide = 0;
#ifdef CSUM_AVX2
        if (simd && len >= 128 && __builtin_cpu_supports("avx2")) {
            size_t steps = len / 64;
            wide = sum_native_avx2(p, steps); /* < 2^19 a step: no 64-bit overflow */
            p += steps * 64;
            len -= steps * 64;
        }
#else
        (void)simd;
#endif
        size_t words = len / 8;
        uint64_t s = sum_native_words(p, words, &carries);
        /* Both partial sums to 33 bits (2^32 is 1 modulo 0xFFFF), then 2^64 is 1 modulo 0xFFFF:
         * each carry adds one. */
        uint16_t folded = fold64((s & 0xFFFFFFFFu) + (s >> 32) + (wide & 0xFFFFFFFFu) +
                                 (wide >> 32) + carries);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        acc += folded;
#else
        acc += (uint16_t)(folded << 8 | folded >> 8);
#endif
        p += words * 8;
        len -= words * 8;
    }
    while (len >= 2) {
        acc += load_be16(p);
        p += 2;
        len -= 2;
    }
    if (len) acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint64_t sum_words(uint64_t acc, const uint8_t *p, size_t len)
{
    return sum_words_with(acc, p, len, 1);
}

int checksum_simd_available(void)
{
#ifdef CSUM_AVX2
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

uint64_t checksum_sum_words(const uint8_t *p, size_t len, int simd)
{
    return sum_words_with(0, p, len, simd);
}

static uint16_t fold(uint64_t acc)
{
    while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)acc;
}

/* The addresses' part of the IPv6 pseudo-header (and of any address length but 4). */
static uint64_t pseudo_addresses_sum(const tcpsift_packet *pkt)
{
    return sum_words(sum_words(0, pkt->src, pkt->addr_len), pkt->final_dst, pkt->addr_len);
}

/* Inline: for IPv4 two loads and a few adds, less than a call's cost (issue 9). */
static inline uint64_t pseudo_header_sum(const tcpsift_packet *pkt, size_t l4_len)
{
    uint64_t acc;
    if (pkt->addr_len == 4) { /* IPv4: two words each, without the general loop */
        uint32_t s = load_be32(pkt->src), d = load_be32(pkt->final_dst);
        acc = (uint64_t)(s >> 16) + (s & 0xFFFFu) + (d >> 16) + (d & 0xFFFFu);
    } else {
        acc = pseudo_addresses_sum(pkt);
    }
    acc += pkt->ip_proto;
    acc += (uint64_t)l4_len; /* IPv6 uses a 32-bit length: summed as two words */
    return acc;
}

void checksum_l4_status(const tcpsift_packet *pkt, uint8_t *status, uint8_t *offload)
{
    *status = TCPSIFT_CSUM_NOT_CHECKED;
    *offload = 0;
    int is_tcp = (pkt->layers & TCPSIFT_LAYER_TCP) != 0;
    int is_udp = (pkt->layers & TCPSIFT_LAYER_UDP) != 0;
    if (!is_tcp && !is_udp) return;
    if (is_udp && pkt->ip_version == 4 && pkt->udp_checksum == 0) {
        *status = TCPSIFT_CSUM_ABSENT; /* RFC 768: zero means none was computed */
        return;
    }
    /* A fragment's checksum covers the whole datagram; a truncated capture
     * lacks bytes. Neither can be checked. */
    size_t header_len = is_tcp ? pkt->tcp_header_len : 8;
    size_t l4_len = header_len + pkt->payload_len;
    if ((pkt->layers & TCPSIFT_LAYER_FRAGMENT) || pkt->payload.len < pkt->payload_len ||
        pkt->l4_offset > pkt->caplen || pkt->caplen - pkt->l4_offset < l4_len) {
        *status = TCPSIFT_CSUM_UNVERIFIED;
        return;
    }
    uint64_t pseudo = pseudo_header_sum(pkt, l4_len);
    uint16_t total = fold(sum_words(pseudo, pkt->frame + pkt->l4_offset, l4_len));
    if (total == 0xFFFF) {
        *status = TCPSIFT_CSUM_GOOD;
        return;
    }
    *status = TCPSIFT_CSUM_BAD;
    /* Transmit offload: the stack left only the folded pseudo-header sum in
     * the field for the NIC to finish (Linux CHECKSUM_PARTIAL), so a capture
     * on the sending host sees that partial sum. */
    uint16_t stored = is_tcp ? pkt->tcp_checksum : pkt->udp_checksum;
    uint16_t partial = fold(pseudo);
    uint16_t inverted = (uint16_t)~partial;
    /* With segmentation offload (IP length 0) the stack's partial sum
     * leaves the length out: the NIC adds each segment's own. */
    uint16_t partial_no_len = fold(pseudo_header_sum(pkt, 0));
    *offload = stored == partial || stored == inverted ||
               (pkt->ip_len_from_capture && stored == partial_no_len);
}

uint16_t checksum_over(const uint8_t *p, size_t len)
{
    return fold(sum_words(0, p, len));
}

void tcpsift_packet_verify_checksums(tcpsift_packet *pkt)
{
    if (!pkt) return;
    if (pkt->layers & TCPSIFT_LAYER_IP_TUNNEL)
        decode_outer_checksums(pkt, &pkt->encap_csum, &pkt->encap_csum_offload);
    pkt->ip_csum = checksum_ipv4_header_status(pkt);
    if (!(pkt->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP))) return;
    checksum_l4_status(pkt, &pkt->l4_csum, &pkt->l4_csum_offload);
}

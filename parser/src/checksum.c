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
 * only [p, p+len): the caller passes bytes already bounded by the capture. */
static uint64_t sum_words(uint64_t acc, const uint8_t *p, size_t len)
{
    if (len >= 16) {
        uint64_t carries;
        size_t words = len / 8;
        uint64_t s = sum_native_words(p, words, &carries);
        /* 2^64 is 1 modulo 0xFFFF: each carry adds one. */
        uint16_t folded = fold64((s & 0xFFFFFFFFu) + (s >> 32) + carries);
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

static uint16_t fold(uint64_t acc)
{
    while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)acc;
}

static uint64_t pseudo_header_sum(const tcpsift_packet *pkt, size_t l4_len)
{
    uint64_t acc = sum_words(0, pkt->src, pkt->addr_len);
    acc = sum_words(acc, pkt->final_dst, pkt->addr_len);
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

void tcpsift_packet_verify_checksums(tcpsift_packet *pkt)
{
    if (pkt->layers & TCPSIFT_LAYER_IPV4) {
        pkt->ip_csum = fold(sum_words(0, pkt->ip_header.ptr, pkt->ip_header.len)) == 0xFFFF
                           ? TCPSIFT_CSUM_GOOD
                           : TCPSIFT_CSUM_BAD;
    }
    if (!(pkt->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP))) return;
    checksum_l4_status(pkt, &pkt->l4_csum, &pkt->l4_csum_offload);
}

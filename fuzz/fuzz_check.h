/* Property checks shared by the fuzz harnesses (header-only, static functions).
 *
 * FUZZ_CHECK aborts with the broken property's text, so libFuzzer, AFL++ and
 * the replay driver all report it as a crash and keep the input. */
#ifndef TCPSIFT_FUZZ_CHECK_H
#define TCPSIFT_FUZZ_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpsift/decode.h"
#include "tcpsift/error.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "tcpsift fuzz: property broken: %s (%s:%d)\n", #cond, __FILE__,       \
                    __LINE__);                                                                     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* [ptr, ptr+len) lies inside [base, base+size). Compared as integers so no
 * out-of-range pointer is ever formed. A NULL view must be empty. */
static inline int fuzz_inside(const uint8_t *base, size_t size, const uint8_t *ptr, size_t len)
{
    if (ptr == NULL) return len == 0;
    uintptr_t b = (uintptr_t)base, p = (uintptr_t)ptr;
    if (p < b) return 0;
    uintptr_t off = p - b;
    return off <= size && len <= size - off;
}

static inline void fuzz_check_error(tcpsift_error err)
{
    FUZZ_CHECK((int)err >= 0 && (int)err < (int)TCPSIFT_ERROR_COUNT_);
    FUZZ_CHECK(strcmp(tcpsift_error_name(err), "unknown_error") != 0);
    FUZZ_CHECK(tcpsift_error_text(err) != NULL);
}

static inline uint16_t fuzz_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static inline uint32_t fuzz_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define FUZZ_ALL_LAYERS                                                                            \
    (TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_VLAN | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6 |           \
     TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_OPTIONS | TCPSIFT_LAYER_UDP | TCPSIFT_LAYER_FRAGMENT |  \
     TCPSIFT_LAYER_PORTS | TCPSIFT_LAYER_TCP_FIXED | TCPSIFT_LAYER_IP_TUNNEL)
#define FUZZ_ALL_OPTS (2u * TCPSIFT_OPT_EOL - 1u)

/* Every property of one decoded packet that does not depend on the link type. */
static inline void fuzz_check_packet(const tcpsift_packet *p, tcpsift_error ret, const uint8_t *frame,
                              size_t caplen, size_t wirelen)
{
    fuzz_check_error(ret);
    FUZZ_CHECK(ret == p->error);
    FUZZ_CHECK(p->frame == frame);
    FUZZ_CHECK(p->caplen == caplen);
    FUZZ_CHECK(p->wirelen == (wirelen < caplen ? caplen : wirelen));
    FUZZ_CHECK((p->layers & ~(uint32_t)FUZZ_ALL_LAYERS) == 0);
    /* Out of an IP-level tunnel: its layer is listed and an inner IP datagram decoded. */
    if (p->layers & TCPSIFT_LAYER_IP_TUNNEL) {
        FUZZ_CHECK(p->encap_count >= 1);
        FUZZ_CHECK(p->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6));
    }

    /* Every view lies inside the frame. */
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->src, p->src ? p->addr_len : 0));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->dst, p->dst ? p->addr_len : 0));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->final_dst, p->final_dst ? p->addr_len : 0));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->ip_header.ptr, p->ip_header.len));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->tcp_options_raw.ptr, p->tcp_options_raw.len));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->payload.ptr, p->payload.len));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->opts.tfo_cookie.ptr, p->opts.tfo_cookie.len));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->opts.md5_digest.ptr, p->opts.md5_digest.len));
    FUZZ_CHECK(fuzz_inside(frame, caplen, p->opts.mptcp.ptr, p->opts.mptcp.len));
    FUZZ_CHECK(p->payload.len <= p->payload_len);

    /* Bounded arrays. */
    FUZZ_CHECK(p->vlan_count <= TCPSIFT_MAX_VLAN_TAGS);
    FUZZ_CHECK(p->encap_count <= TCPSIFT_MAX_ENCAP);
    FUZZ_CHECK(p->ipv6_ext_count <= TCPSIFT_MAX_IPV6_EXT_HEADERS);
    for (unsigned i = 0; i < p->encap_count; i++)
        FUZZ_CHECK(p->encap[i] >= TCPSIFT_ENCAP_VLAN && p->encap[i] <= TCPSIFT_ENCAP_TEREDO);
    for (unsigned i = 0; i < p->vlan_count; i++) FUZZ_CHECK(p->vlan_ids[i] <= 0x0FFF);

    /* Layers agree with each other. */
    int v4 = (p->layers & TCPSIFT_LAYER_IPV4) != 0, v6 = (p->layers & TCPSIFT_LAYER_IPV6) != 0;
    int tcp = (p->layers & TCPSIFT_LAYER_TCP) != 0, udp = (p->layers & TCPSIFT_LAYER_UDP) != 0;
    FUZZ_CHECK(!(v4 && v6));
    FUZZ_CHECK(!(tcp && udp));
    if (p->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6)) {
        FUZZ_CHECK(p->layers & TCPSIFT_LAYER_LINK);
        FUZZ_CHECK(p->ip_version == (v4 ? 4 : 6));
        FUZZ_CHECK(p->addr_len == (v4 ? 4 : 16));
        FUZZ_CHECK(p->src != NULL && p->dst != NULL && p->final_dst != NULL);
        FUZZ_CHECK(p->ip_header.ptr != NULL && p->ip_header.len >= (v4 ? 20u : 40u));
        FUZZ_CHECK(p->ip_header.ptr == frame + p->l3_offset);
        if (v4) FUZZ_CHECK(p->ip_header.len <= 60 && p->ip_header.ptr[0] >> 4 == 4);
        else FUZZ_CHECK(p->ip_header.ptr[0] >> 4 == 6);
    } else {
        FUZZ_CHECK(p->ip_version == 0);
        FUZZ_CHECK(p->src == NULL && p->dst == NULL && p->final_dst == NULL);
        FUZZ_CHECK(!(p->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP | TCPSIFT_LAYER_PORTS |
                                  TCPSIFT_LAYER_TCP_OPTIONS | TCPSIFT_LAYER_FRAGMENT |
                                  TCPSIFT_LAYER_TCP_FIXED)));
    }
    if (p->layers & TCPSIFT_LAYER_TCP_OPTIONS) FUZZ_CHECK(tcp);
    if (tcp) FUZZ_CHECK(p->layers & TCPSIFT_LAYER_TCP_FIXED);
    if (p->layers & TCPSIFT_LAYER_TCP_FIXED) {
        FUZZ_CHECK(!udp && (p->layers & TCPSIFT_LAYER_PORTS));
        FUZZ_CHECK(p->l4_offset <= caplen && caplen - p->l4_offset >= 20);
    }
    if (tcp || udp) FUZZ_CHECK(p->layers & TCPSIFT_LAYER_PORTS);
    if (p->layers & TCPSIFT_LAYER_PORTS) {
        FUZZ_CHECK(p->l4_offset <= caplen && caplen - p->l4_offset >= 4);
        FUZZ_CHECK(p->sport == fuzz_be16(frame + p->l4_offset));
        FUZZ_CHECK(p->dport == fuzz_be16(frame + p->l4_offset + 2));
    }
    if (tcp) {
        const uint8_t *h = frame + p->l4_offset;
        FUZZ_CHECK(caplen - p->l4_offset >= 20);
        FUZZ_CHECK(p->ip_proto == 6);
        FUZZ_CHECK(p->tcp_header_len >= 20 && p->tcp_header_len <= 60);
        FUZZ_CHECK(p->tcp_header_len == (h[12] >> 4) * 4);
        FUZZ_CHECK(p->seq == fuzz_be32(h + 4) && p->ack == fuzz_be32(h + 8));
        FUZZ_CHECK(p->tcp_flags == (fuzz_be16(h + 12) & 0x0FFF));
        FUZZ_CHECK(p->window == fuzz_be16(h + 14));
        FUZZ_CHECK(p->tcp_header_len + p->payload_len == p->l4_length);
        FUZZ_CHECK(p->tcp_options_raw.len <= (size_t)p->tcp_header_len - 20);
        if (p->tcp_options_raw.len) FUZZ_CHECK(p->tcp_options_raw.ptr == h + 20);
        if (p->payload.len) FUZZ_CHECK(p->payload.ptr == h + p->tcp_header_len);
        FUZZ_CHECK((p->opts.present & ~FUZZ_ALL_OPTS) == 0);
        FUZZ_CHECK(p->opts.sack_count <= TCPSIFT_MAX_SACK_BLOCKS);
        FUZZ_CHECK(p->opts.unknown_count <= TCPSIFT_MAX_UNKNOWN_OPTIONS);
        fuzz_check_error(p->opts.error);
        FUZZ_CHECK(p->opts.error == TCPSIFT_OK || p->opts.error == TCPSIFT_E_BAD_OPTION_LENGTH ||
                   p->opts.error == TCPSIFT_E_TRUNCATED_TCP_OPTIONS);
        if (p->layers & TCPSIFT_LAYER_TCP_OPTIONS) FUZZ_CHECK(p->opts.error == TCPSIFT_OK);
    } else {
        FUZZ_CHECK(p->payload.ptr == NULL || udp);
        FUZZ_CHECK(p->opts.present == 0);
    }
    if (udp) {
        FUZZ_CHECK(p->ip_proto == 17);
        FUZZ_CHECK(caplen - p->l4_offset >= 8);
        FUZZ_CHECK(p->udp_length == fuzz_be16(frame + p->l4_offset + 4));
        if (p->payload.len) FUZZ_CHECK(p->payload.ptr == frame + p->l4_offset + 8);
    }
    FUZZ_CHECK(p->ip_csum == TCPSIFT_CSUM_NOT_CHECKED && p->l4_csum == TCPSIFT_CSUM_NOT_CHECKED);
}

/* tcpsift_packet_verify_checksums: only the checksum fields change, and they
 * hold valid statuses. */
static inline void fuzz_check_checksums(const tcpsift_packet *decoded)
{
    tcpsift_packet p = *decoded;
    tcpsift_packet_verify_checksums(&p);
    FUZZ_CHECK(p.ip_csum <= TCPSIFT_CSUM_ABSENT && p.l4_csum <= TCPSIFT_CSUM_ABSENT);
    FUZZ_CHECK(p.ip_csum != TCPSIFT_CSUM_ABSENT);
    FUZZ_CHECK(p.l4_csum_offload <= 1);
    if (p.l4_csum_offload) FUZZ_CHECK(p.l4_csum == TCPSIFT_CSUM_BAD);
    if (decoded->layers & TCPSIFT_LAYER_IPV4)
        FUZZ_CHECK(p.ip_csum == TCPSIFT_CSUM_GOOD || p.ip_csum == TCPSIFT_CSUM_BAD);
    else
        FUZZ_CHECK(p.ip_csum == TCPSIFT_CSUM_NOT_CHECKED);
    if (decoded->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP))
        FUZZ_CHECK(p.l4_csum != TCPSIFT_CSUM_NOT_CHECKED);
    else
        FUZZ_CHECK(p.l4_csum == TCPSIFT_CSUM_NOT_CHECKED);
    if (p.l4_csum == TCPSIFT_CSUM_ABSENT)
        FUZZ_CHECK((decoded->layers & TCPSIFT_LAYER_UDP) && decoded->udp_checksum == 0);
    /* The outer layers' statuses: only out of an IP-level tunnel, never ABSENT (a UDP tunnel
     * without a checksum is not checked), offload only on a bad one. */
    if (!(decoded->layers & TCPSIFT_LAYER_IP_TUNNEL))
        FUZZ_CHECK(p.encap_csum == TCPSIFT_CSUM_NOT_CHECKED);
    FUZZ_CHECK(p.encap_csum <= TCPSIFT_CSUM_UNVERIFIED && p.encap_csum_offload <= 1);
    if (p.encap_csum_offload) FUZZ_CHECK(p.encap_csum == TCPSIFT_CSUM_BAD);
    p.ip_csum = decoded->ip_csum;
    p.l4_csum = decoded->l4_csum;
    p.l4_csum_offload = decoded->l4_csum_offload;
    p.encap_csum = decoded->encap_csum;
    p.encap_csum_offload = decoded->encap_csum_offload;
    FUZZ_CHECK(memcmp(&p, decoded, sizeof p) == 0);
}

#endif

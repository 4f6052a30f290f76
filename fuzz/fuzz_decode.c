/* Fuzz harness: tcpsift_packet_decode and tcpsift_packet_verify_checksums.
 *
 * Input: byte 0 selects the link type (every supported one, plus one that is
 * not), byte 1 selects how much longer the frame was on the wire than
 * captured, the rest is the frame. The frame is copied into a buffer of exactly
 * its size so a read one byte past the capture is caught by ASan.
 *
 * Properties (fuzz_check.h): every view lies inside the frame, lengths agree
 * with the header bytes, layers are consistent, errors and checksum statuses
 * are valid enum values; decoding is deterministic and writes every byte of the packet
 * (decoded into 0x00- and 0xFF-filled structs, then compared); verifying checksums
 * changes nothing but the checksum fields; a fully captured option space
 * parses as tcpsift_tcp_options_parse() does; a captured prefix of the frame
 * reports a subset of the layers with the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tcpsift/decode.h"
#include "decode_internal.h" /* ip_options_discarded */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
    TCPSIFT_LINK_ETHERNET, TCPSIFT_LINK_RAW,   TCPSIFT_LINK_LINUX_SLL, TCPSIFT_LINK_LINUX_SLL2,
    TCPSIFT_LINK_NULL,     TCPSIFT_LINK_LOOP,  TCPSIFT_LINK_RAW_DLT12, TCPSIFT_LINK_RAW_DLT14,
    TCPSIFT_LINK_IPV4,     TCPSIFT_LINK_IPV6,  147 /* LINKTYPE_USER0: not supported */
};
#define N_LINKTYPES (sizeof linktypes / sizeof linktypes[0])

/* Byte 1: 0..127 extra bytes, 128..191 extra KiB, 192..254 a wirelen below
 * caplen (treated as caplen), 255 the largest size_t. */
static size_t pick_wirelen(uint8_t b, size_t caplen)
{
    if (b < 128) return caplen + b;
    if (b < 192) return caplen + (size_t)(b - 128) * 1024;
    if (b < 255) return caplen > (size_t)(b - 191) ? caplen - (size_t)(b - 191) : 0;
    return SIZE_MAX;
}

/* Capturing less never invents anything: decoding a prefix of the frame (same
 * wirelen) yields a subset of the layers, and the TCP fields it does report
 * equal those of the whole frame. */
static void check_prefix(const tcpsift_packet *full, int linktype, const uint8_t *frame,
                         size_t caplen, size_t pick)
{
    /* Tunnels are excluded: when an inner header (IP-in-IP, GRE, VXLAN, Teredo)
     * fails, the decoder drops the outer IP layer, while a prefix cut before the
     * tunnel still reports the outer one (see fuzz/CAMPAIGNS.md, 2026-11-22). */
    if (caplen == 0 || full->encap_count != 0) return;
    size_t k = pick % caplen; /* a strict prefix */
    uint8_t *cut = malloc(k ? k : 1);
    if (cut == NULL) return;
    memcpy(cut, frame, k);
    tcpsift_packet p;
    tcpsift_error ret = tcpsift_packet_decode(&p, linktype, cut, k, full->wirelen);
    fuzz_check_packet(&p, ret, cut, k, full->wirelen);
    FUZZ_CHECK((p.layers & ~full->layers) == 0);
    if (p.layers & TCPSIFT_LAYER_PORTS)
        FUZZ_CHECK(p.sport == full->sport && p.dport == full->dport &&
                   p.l4_offset == full->l4_offset);
    if (p.layers & TCPSIFT_LAYER_TCP)
        FUZZ_CHECK(p.seq == full->seq && p.ack == full->ack && p.tcp_flags == full->tcp_flags &&
                   p.tcp_header_len == full->tcp_header_len);
    if (p.layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6))
        FUZZ_CHECK(p.l3_offset == full->l3_offset &&
                   p.ip_version == full->ip_version && p.src - cut == full->src - frame);
    free(cut);
}

/* The IPv4 options of h[20..n), by index: what a host discards (tcpsift/tracker.h,
 * tcpsift_ip_option_policy). */
static int ref_ipv4_discarded(const uint8_t *h, size_t n)
{
    int rr = 0, ts = 0;
    for (size_t i = 20; i < n;) {
        uint8_t kind = h[i];
        if (kind == 0) return 0;
        if (kind == 1) {
            i++;
            continue;
        }
        if (n - i < 2 || h[i + 1] < 2 || h[i + 1] > n - i) return 1;
        if (kind == 131 || kind == 137 || kind == 134) return 1; /* source routes, CIPSO */
        const uint8_t *o = h + i;
        size_t len = o[1];
        if (kind == 7 && (rr++ || len < 3 || o[2] < 4 || (o[2] <= len && o[2] + 3u > len)))
            return 1; /* Record Route */
        if (kind == 68) { /* Timestamp */
            if (ts++ || len < 4 || o[2] < 5) return 1;
            unsigned flags = o[3] & 15;
            if (o[2] <= len && (o[2] + 3u > len || ((flags == 1 || flags == 3) && o[2] + 7u > len)))
                return 1;
            if (o[2] > len && flags != 3 && (o[3] >> 4) == 15) return 1;
        }
        if (kind == 148 && len < 4) return 1; /* Router Alert */
        i += len;
    }
    return 0;
}

/* One Hop-by-Hop (hbh 1) or Destination Options header's options, h[i..end) of packet p. */
static int ref_ipv6_options_discarded(const tcpsift_packet *p, const uint8_t *h, size_t i,
                                      size_t end, int hbh)
{
    unsigned padding = 0, options = 0;
    while (i < end) {
        uint8_t type = h[i];
        if (type == 0) {
            if (++padding > 7) return 1;
            i++;
            continue;
        }
        if (end - i < 2 || h[i + 1] > end - i - 2) return 1;
        size_t len = h[i + 1];
        if (type == 1) {
            padding += 2u + (unsigned)len;
            if (padding > 7) return 1;
            for (size_t j = 0; j < len; j++)
                if (h[i + 2 + j] != 0) return 1;
        } else {
            padding = 0;
            if (++options > 8) return 1;
            if ((type & 0xC0) != 0 && type != (hbh ? 0xC2 : 0xC9)) return 1;
            if (hbh && type == 0xC2) { /* Jumbo Payload, as Linux's ipv6_hop_jumbo() takes it */
                if (len != 4 || i % 4 != 2) return 1;
                uint32_t v = (uint32_t)h[i + 2] << 24 | (uint32_t)h[i + 3] << 16 |
                             (uint32_t)h[i + 4] << 8 | h[i + 5];
                if (v <= 65535 || h[4] != 0 || h[5] != 0) return 1;
                if (p->wirelen < p->l3_offset + 40 || v > p->wirelen - p->l3_offset - 40) return 1;
            }
        }
        i += 2 + len;
    }
    return 0;
}

/* The same for the IPv6 extension headers the decoder listed, by index. */
static int ref_ipv6_discarded(const tcpsift_packet *p)
{
    const uint8_t *h = p->ip_header.ptr;
    size_t n = p->ip_header.len, at = 40;
    for (size_t e = 0; e < p->ipv6_ext_count; e++) {
        uint8_t type = p->ipv6_ext_types[e];
        if (n < at + 2) return 0;
        size_t len = type == 44 ? 8 : type == 51 ? ((size_t)h[at + 1] + 2) * 4
                                                   : ((size_t)h[at + 1] + 1) * 8;
        if (n - at < len) return 0;
        if (type == 0 && e != 0) return 1;
        if ((type == 0 || type == 60) &&
            ref_ipv6_options_discarded(p, h, at + 2, at + len, type == 0))
            return 1;
        if (type == 43 && (h[at + 2] == 3 || h[at + 2] == 4)) return 1; /* RPL, SRH */
        at += len;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int linktype = linktypes[data[0] % N_LINKTYPES];
    size_t caplen = size - 2;
    size_t wirelen = pick_wirelen(data[1], caplen);
    uint8_t *frame = malloc(caplen ? caplen : 1);
    if (frame == NULL) return 0;
    memcpy(frame, data + 2, caplen);

    /* Decoded into different prior contents (0x00 / 0xFF bytes): equal bytes show that every
     * byte, padding included, is written whatever the struct held before. */
    tcpsift_packet pkt, again;
    memset(&pkt, 0x00, sizeof pkt);
    memset(&again, 0xFF, sizeof again);
    tcpsift_error ret = tcpsift_packet_decode(&pkt, linktype, frame, caplen, wirelen);
    FUZZ_CHECK(pkt.linktype == linktype);
    if (!tcpsift_linktype_supported(linktype)) {
        FUZZ_CHECK(ret == TCPSIFT_E_UNSUPPORTED_LINK_TYPE);
        FUZZ_CHECK(strcmp(tcpsift_linktype_name(linktype), "unknown") == 0);
    } else {
        FUZZ_CHECK(ret != TCPSIFT_E_UNSUPPORTED_LINK_TYPE);
    }
    fuzz_check_packet(&pkt, ret, frame, caplen, wirelen);

    tcpsift_error ret2 = tcpsift_packet_decode(&again, linktype, frame, caplen, wirelen);
    FUZZ_CHECK(ret2 == ret);
    FUZZ_CHECK(memcmp(&pkt, &again, sizeof pkt) == 0);

    fuzz_check_checksums(&pkt);

    /* The tracker's IP option policy (ip_option_policy.c) agrees with the by-index reference. */
    if (pkt.ip_header.ptr && pkt.ip_version == 4)
        FUZZ_CHECK(ip_options_discarded(&pkt) == ref_ipv4_discarded(pkt.ip_header.ptr,
                                                                     pkt.ip_header.len));
    else if (pkt.ip_header.ptr && pkt.ip_version == 6)
        FUZZ_CHECK(ip_options_discarded(&pkt) == ref_ipv6_discarded(&pkt));

    /* The parsed options of the packet equal a direct parse of the same bytes
     * when the whole option space was captured. */
    if ((pkt.layers & TCPSIFT_LAYER_TCP) &&
        pkt.tcp_options_raw.len == (size_t)pkt.tcp_header_len - 20) {
        tcpsift_tcp_options direct;
        memset(&direct, 0xFF, sizeof direct);
        tcpsift_error oe =
            tcpsift_tcp_options_parse(&direct, pkt.tcp_options_raw.ptr, pkt.tcp_options_raw.len);
        FUZZ_CHECK(oe == direct.error);
        if (pkt.tcp_options_raw.len) {
            FUZZ_CHECK(memcmp(&direct, &pkt.opts, sizeof direct) == 0);
        }
    }
    check_prefix(&pkt, linktype, frame, caplen, (size_t)data[0] * 251u + data[1]);
    free(frame);
    return 0;
}

/* Test support: assemble byte-exact frames (link headers, IPv4 with options, IPv6 with extension
 * headers, TCP with options, UDP) and decode them under the guard page.
 *
 * Checksums here come from a deliberately naive reference implementation (byte pairs summed
 * into a 32-bit accumulator over an explicitly built pseudo-header), so the tests never trust
 * the checksum code under test. */
#ifndef TCPSIFT_SUPPORT_PACKETS_H
#define TCPSIFT_SUPPORT_PACKETS_H

#include <stddef.h>
#include <stdint.h>

#include "support_guard.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define PB_MAX 4096

/* A frame under construction. Every pb_* call appends and returns the offset it wrote at. */
struct pb {
    uint8_t b[PB_MAX];
    size_t len;
};

void pb_init(struct pb *p);
size_t pb_bytes(struct pb *p, const void *data, size_t n);
size_t pb_zero(struct pb *p, size_t n);
size_t pb_u8(struct pb *p, uint8_t v);
size_t pb_be16(struct pb *p, uint16_t v);
size_t pb_be32(struct pb *p, uint32_t v);
size_t pb_le32(struct pb *p, uint32_t v);

/* Link layers. Fixed MACs: dst 02:00:00:00:00:02, src 02:00:00:00:00:01. */
size_t pb_ethernet(struct pb *p, uint16_t ethertype);
/* One 802.1Q/802.1ad tag body: TCI then the ethertype that follows (the TPID is the previous
 * ethertype field). */
size_t pb_vlan(struct pb *p, uint16_t tci, uint16_t inner_ethertype);
size_t pb_sll(struct pb *p, uint16_t protocol);  /* 16 bytes, packet type 0 (to us) */
size_t pb_sll2(struct pb *p, uint16_t protocol); /* 20 bytes, ifindex 3 */
size_t pb_null(struct pb *p, uint32_t family, int big_endian);
size_t pb_loop(struct pb *p, uint32_t family); /* network order */

/* Reference checksums (RFC 1071), computed the slow obvious way. */
uint16_t ref_csum(const uint8_t *data, size_t len); /* ~folded sum: value to store */
/* Checksum of an L4 segment (its checksum field must hold 0) with the pseudo-header. */
uint16_t ref_l4_csum(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto,
                     const uint8_t *l4, size_t l4_len);
/* Folded, non-inverted pseudo-header sum: what a CHECKSUM_PARTIAL sender leaves in the field. */
uint16_t ref_pseudo_partial(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto,
                            size_t l4_len);

/* TCP segment, checksum field 0. Options are zero-padded to a multiple of 4. */
struct tcp_spec {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags; /* low 12 bits of bytes 12-13 */
    uint16_t window, urgent;
    const uint8_t *opts;
    size_t opts_len;
    uint8_t doff; /* data offset in words; 0 = 5 + padded options / 4 */
    const uint8_t *payload;
    size_t payload_len;
};
struct tcp_spec tcp_default(void); /* 40000 -> 80, seq 0x01020304, ack 0x0A0B0C0D, ACK|PSH */
size_t tcp_segment(uint8_t *out, size_t cap, const struct tcp_spec *s);

/* UDP datagram, checksum field 0. length < 0 = 8 + payload. */
size_t udp_datagram(uint8_t *out, size_t cap, uint16_t sport, uint16_t dport,
                    const uint8_t *payload, size_t n, long length);

extern const uint8_t TEST_V4_SRC[4], TEST_V4_DST[4];
extern const uint8_t TEST_V6_SRC[16], TEST_V6_DST[16];
/* tcp_default()'s segment with `payload_len` patterned bytes (i * 7 + 3) and its checksum
 * correct between TEST_V4_* (version 4) or TEST_V6_* (6) addresses: what the defragmentation
 * tests cut into fragments. Returns its length. */
size_t test_tcp_segment(uint8_t *out, size_t cap, int version, size_t payload_len);

struct ip4_spec {
    uint8_t version; /* 4 */
    uint8_t ihl;     /* 0 = 5 + options / 4 */
    uint8_t tos;
    uint16_t id;
    uint16_t frag; /* flags (DF 0x4000, MF 0x2000) | offset in 8-byte units */
    uint8_t ttl, proto;
    uint8_t src[4], dst[4];
    const uint8_t *opts; /* zero-padded to a multiple of 4 */
    size_t opts_len;
    long total_len; /* < 0 = header + l4 */
    int l4_csum;    /* fill the TCP/UDP checksum (by proto) over the whole l4 given */
};
struct ip4_spec ip4_default(uint8_t proto); /* DF, ttl 64, tos 0, id 0x1234, checksums on */
/* Appends header + l4; returns the header's offset. The header checksum is always correct. */
size_t pb_ipv4(struct pb *p, const struct ip4_spec *s, const uint8_t *l4, size_t l4_len);

struct ip6_spec {
    uint8_t tclass;
    uint32_t flow;
    uint8_t hlim;
    uint8_t next; /* next header of the fixed header */
    uint8_t src[16], dst[16];
    const uint8_t *ext; /* prebuilt extension header chain */
    size_t ext_len;
    uint8_t l4_proto;        /* protocol for the pseudo-header */
    const uint8_t *csum_dst; /* final destination for the pseudo-header; NULL = dst */
    long payload_len;        /* < 0 = ext + l4 */
    int l4_csum;
};
struct ip6_spec ip6_default(uint8_t proto); /* tclass 0, hlim 64, no extensions */
size_t pb_ipv6(struct pb *p, const struct ip6_spec *s, const uint8_t *l4, size_t l4_len);

/* IPv6 extension headers, written to out; return their length. */
size_t ext_opts(uint8_t *out, uint8_t next, uint8_t hdr_ext_len); /* HBH / dest opts, PadN */
size_t ext_frag(uint8_t *out, uint8_t next, uint16_t offset8, int more, uint32_t id);
size_t ext_rh0(uint8_t *out, uint8_t next, uint8_t segments_left, const uint8_t (*addrs)[16],
               size_t n);
size_t ext_ah(uint8_t *out, uint8_t next, uint8_t len_field); /* (len_field + 2) * 4 bytes */

/* Append a default IPv4 / IPv6 header + default TCP segment carrying "hello" (5 bytes);
 * returns the IP header's offset. */
size_t pb_default_ipv4_tcp(struct pb *p);
size_t pb_default_ipv6_tcp(struct pb *p);

/* A fresh frame in *p: Ethernet (type IPv4), then pb_ipv4(s, l4); returns the IP header's
 * offset (14). */
size_t pb_eth_ipv4(struct pb *p, const struct ip4_spec *s, const uint8_t *l4, size_t l4_len);

/* The frame pb_eth_ipv4(s, l4) decoded (asserted TCPSIFT_OK) and handed to the tracker at ts_ns
 * (asserted TCPSIFT_OK). The frame lives on the stack: only for trackers that keep no views
 * into it (buffers_stable off). */
void feed_eth_ipv4(tcpsift_tracker *t, const struct ip4_spec *s, const uint8_t *l4, size_t l4_len,
                   int64_t ts_ns);

/* Convenience: Ethernet + IPv4 (defaults) + TCP(spec). */
void build_eth_ipv4_tcp(struct pb *p, const struct tcp_spec *t);
void build_eth_ipv6_tcp(struct pb *p, const struct tcp_spec *t);

/* tcpsift_packet_decode(), checked field by field and byte by byte against the decoder's
 * general path (decode_packet_general, no fast path) so that the fast path for Ethernet/IPv4/TCP
 * is proven to report exactly what the layer decoders do, errors included; fails the test
 * otherwise. Every decode of decode_all goes through it. */
tcpsift_error decode_checked(tcpsift_packet *out, int linktype, const uint8_t *frame, size_t caplen,
                             size_t wirelen);

/* Decode `len` bytes placed to end at a PROT_NONE page. Before the full decode, every prefix
 * (caplen 0..len-1, wirelen = `wirelen`) is decoded and checked for sane views and for
 * agreement with the full decode. Checksums are verified on every decode. */
struct decoded {
    struct guard_buf g;
    const uint8_t *frame; /* the guarded copy */
    size_t len;
    tcpsift_error rc;
    tcpsift_packet pkt;
};
void decode_all(struct decoded *d, int linktype, const uint8_t *bytes, size_t len, size_t wirelen);
void decode_pb(struct decoded *d, int linktype, const struct pb *p);
void decoded_release(struct decoded *d);

/* Assert every view of pkt lies inside [frame, frame + caplen) and offsets are consistent. */
void check_packet_sane(const tcpsift_packet *pkt);
/* Assert a prefix decode agrees with the full decode on every layer both report. */
void check_prefix_agrees(const tcpsift_packet *prefix, const tcpsift_packet *full);

#endif

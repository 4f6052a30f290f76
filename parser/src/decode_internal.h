/* Private interfaces between the decoder's layers. Never installed.
 *
 * Each layer decoder receives a cursor positioned at its header and bounded
 * by what the capture holds, fills its part of the packet, and returns an
 * error code (TCPSIFT_OK when clean). Layers that decoded cleanly keep their
 * fields even when a later layer fails. */
#ifndef TCPSIFT_DECODE_INTERNAL_H
#define TCPSIFT_DECODE_INTERNAL_H

#include <string.h>

#include "cursor.h"
#include "tcpsift/decode.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_MPLS_UNICAST 0x8847
#define ETHERTYPE_MPLS_MULTICAST 0x8848
#define ETHERTYPE_TEB 0x6558        /* transparent Ethernet bridging: an Ethernet frame follows */
#define ETHERTYPE_ERSPAN_I_II 0x88BE /* GRE payload: ERSPAN type I (no GRE sequence) or II */
#define ETHERTYPE_ERSPAN_III 0x22EB

#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_IPIP 4  /* IPv4 in IP (RFC 2003) */
#define IPPROTO_NUM_IPV6 41 /* IPv6 in IP (RFC 4213 §3.5, RFC 2473) */
#define IPPROTO_NUM_GRE 47

/* Outcome of a tunnel decoder that looks at an IP or UDP payload. */
typedef enum decap_result {
    DECAP_NONE = 0, /* not this tunnel (or a kind not decoded): the outer packet stands */
    DECAP_INNER,    /* cursor moved to the inner header whose ethertype is reported */
    DECAP_TRUNCATED /* the tunnel header itself is cut: the outer packet stands, with an error */
} decap_result;

/* Every frame: link -> (tunnels ->) IP -> TCP/UDP, each layer's decoder reporting its named
 * errors; tcpsift_packet_decode() without its fast path for the common Ethernet/IPv4/TCP frame
 * (which must give exactly the same fields: the tests compare the two). Preconditions: pkt not
 * NULL, caplen 0 when frame is NULL, wirelen >= caplen. Out of line so that the fast path's
 * caller does not pay for this one's stack frame (it holds a whole packet for tunnels). */
TCPSIFT_NOINLINE tcpsift_error decode_packet_general(tcpsift_packet *pkt, int linktype,
                                                     const uint8_t *frame, size_t caplen,
                                                     size_t wirelen);

/* Link layer: consume the link header (and VLAN tags) and report the
 * ethertype of what follows. Raw-IP link types report the ethertype that
 * matches the IP version nibble. */
tcpsift_error decode_link(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype);

/* An Ethernet frame carried inside a tunnel (GRE bridging, VXLAN, ERSPAN), with its tags. */
tcpsift_error decode_inner_ethernet(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype);

/* Record an outer layer; 0 when the list is full (nesting too deep). */
int note_encap(tcpsift_packet *pkt, uint8_t kind);

/* The identifier a tunnel header names its tunnel by (pkt->tunnel_id / tunnel_id_kind). */
typedef struct tunnel_ident {
    uint32_t id;
    uint8_t kind; /* enum tcpsift_encap_kind; 0 = the header carries none */
} tunnel_ident;

/* Tunnels. Each reads only through `c` and, on DECAP_INNER, leaves it at the inner header.
 * decap_mpls records its layer and bottom label in pkt itself; the others report the
 * identifier in *ident (kind 0 when none) for the caller to record with the layer. */
tcpsift_error decap_mpls(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype);
decap_result decap_gre(tcpsift_cursor *c, uint16_t *ethertype, tunnel_ident *ident);
decap_result decap_udp_tunnel(const tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype,
                              uint8_t *kind, tunnel_ident *ident);
/* PPP protocol number (RFC 1661) -> ethertype of the payload, 0 when not IP or MPLS. */
uint16_t ppp_protocol_ethertype(uint16_t protocol);

/* IP: on success, *l4 is bounded by both the IP length and the capture. */
tcpsift_error decode_ipv4(tcpsift_packet *pkt, tcpsift_cursor *c, tcpsift_cursor *l4);
tcpsift_error decode_ipv6(tcpsift_packet *pkt, tcpsift_cursor *c, tcpsift_cursor *l4);

/* IPv6 extension header numbers (RFC 8200 §4; IANA) the decoder walks. */
#define IP6_HOP_BY_HOP 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_DEST_OPTS 60
#define IP6_MOBILITY 135
#define IP6_HIP 139
#define IP6_SHIM6 140

/* Length of an IPv6 extension header of type `type` whose first two bytes are eh[0..1]: the
 * fragment header is 8 bytes, AH counts 4-byte units minus 2 (RFC 4302), the others 8-byte
 * units not counting the first (RFC 8200 §4.3). */
static inline size_t ipv6_ext_header_len(uint8_t type, const uint8_t *eh)
{
    if (type == IP6_FRAGMENT) return 8;
    if (type == IP6_AH) return ((size_t)eh[1] + 2) * 4;
    return ((size_t)eh[1] + 1) * 8;
}

/* IPv4 options (RFC 791 §3.1): EOL and NOP are one byte long; every other carries a length
 * byte counting the whole option, at least 2. */
#define IPV4_OPT_EOL 0
#define IPV4_OPT_NOP 1
#define IPV4_OPT_LSRR 131 /* loose source and record route */
#define IPV4_OPT_SSRR 137 /* strict source and record route */

/* The next option of `opts`: 1 with *opt and *len its bytes (kind first), 0 at the end (an
 * EOL, or no byte left), -1 for a length under 2 or past the options. */
static inline int ipv4_option_next(tcpsift_cursor *opts, const uint8_t **opt, size_t *len)
{
    const uint8_t *p;
    if (!cursor_peek(opts, 1, &p) || p[0] == IPV4_OPT_EOL) return 0;
    size_t n = 1;
    if (p[0] != IPV4_OPT_NOP) {
        if (!cursor_peek(opts, 2, &p) || p[1] < 2) return -1;
        n = p[1];
    }
    if (!cursor_take(opts, n, opt)) return -1;
    *len = n;
    return 1;
}

/* The IPv4 header's fields (RFC 791 §3.1), written here only: decode_ipv4 and the fast path
 * (decode.c) both call it. h: the header, header_len bytes (>= 20) that the caller's cursor has
 * proven present; frag: its bytes 6-7 (flags, fragment offset) as the caller loaded them (the
 * fast path passes them with the bits it proved zero masked off, which lets the compiler fold
 * the fragment fields); l3_offset: where the header starts in the frame; total_len: the
 * datagram's length as the caller settled it (>= header_len). */
static inline void ipv4_store_fields(tcpsift_packet *pkt, const uint8_t *h, size_t header_len,
                                     uint16_t frag, size_t l3_offset, size_t total_len)
{
    pkt->ip_version = 4;
    pkt->addr_len = 4;
    pkt->src = h + 12;
    pkt->dst = h + 16;
    pkt->final_dst = h + 16;
    pkt->ip_header.ptr = h;
    pkt->ip_header.len = header_len;
    pkt->ttl = h[8];
    pkt->ip_proto = h[9];
    pkt->ip_id = load_be16(h + 4);
    pkt->dont_fragment = (frag & 0x4000) != 0;
    pkt->more_fragments = (frag & 0x2000) != 0;
    pkt->frag_offset = (uint16_t)(frag & 0x1FFF);
    pkt->ip_tos = h[1];
    pkt->ip_checksum = load_be16(h + 10);
    pkt->l4_offset = l3_offset + header_len;
    pkt->l4_length = total_len - header_len;
}

/* TCP ports (RFC 9293 §3.1) from the header's first 4 bytes, proven present by the caller. */
static inline void tcp_store_ports(tcpsift_packet *pkt, const uint8_t *h)
{
    pkt->sport = load_be16(h);
    pkt->dport = load_be16(h + 2);
}

/* The rest of the TCP fixed header (RFC 9293 §3.1) and the views of the options and payload,
 * written here only: decode_tcp and the fast path both call it. h: the header, with `captured`
 * bytes (>= 20) proven present by the caller's cursor; header_len: the data offset in bytes,
 * 20 <= header_len <= l4_length (the transport length IP declared). Options and payload may be
 * cut by the snap length: the views hold what was captured. */
/* The fixed header's fields after the ports (h: 20 bytes present). */
static inline void tcp_store_fixed(tcpsift_packet *pkt, const uint8_t *h)
{
    pkt->seq = load_be32(h + 4);
    pkt->ack = load_be32(h + 8);
    pkt->tcp_flags = (uint16_t)(load_be16(h + 12) & 0x0FFF);
    pkt->window = load_be16(h + 14);
    pkt->tcp_checksum = load_be16(h + 16);
    pkt->urgent_ptr = load_be16(h + 18);
}

static inline void tcp_store_fields(tcpsift_packet *pkt, const uint8_t *h, size_t header_len,
                                    size_t captured, size_t l4_length)
{
    tcp_store_fixed(pkt, h);
    pkt->tcp_header_len = (uint8_t)header_len;
    pkt->payload_len = l4_length - header_len;
    size_t option_space = header_len - 20;
    pkt->tcp_options_raw.ptr = h + 20;
    /* captured < header_len: the options are cut (the same test as captured - 20 <
     * option_space, as both are >= 20; the fast path's own check lets it fold this one). */
    pkt->tcp_options_raw.len = captured < header_len ? captured - 20 : option_space;
    if (captured > header_len) {
        pkt->payload.ptr = h + header_len;
        pkt->payload.len = captured - header_len;
    }
}

/* Transport: `l4` holds the captured transport bytes; pkt->l4_length the declared ones. */
tcpsift_error decode_tcp(tcpsift_packet *pkt, tcpsift_cursor *l4);
tcpsift_error decode_udp(tcpsift_packet *pkt, tcpsift_cursor *l4);

/* The outer layers' checksum status of a tunnelled packet (tcpsift_packet.encap_csum and
 * encap_csum_offload), computed by decoding its frame again, without writing into it;
 * NOT_CHECKED for a packet outside any tunnel. */
void decode_outer_checksums(const tcpsift_packet *pkt, uint8_t *status, uint8_t *offload);
/* The folded one's-complement sum of [p, p+len) (0xFFFF: a checksum over it holds). */
uint16_t checksum_over(const uint8_t *p, size_t len);
/* TCP/UDP checksum status of a decoded packet, computed without writing
 * into it (the tracker reads packets it was given as const). */
void checksum_l4_status(const tcpsift_packet *pkt, uint8_t *status, uint8_t *offload);
/* IPv4 header checksum status (NOT_CHECKED for anything but a decoded IPv4 header). Inline and
 * in native-order 32-bit words (a one's-complement sum is the same in either byte order, so the
 * all-ones test holds): the tracker checks every segment's header. */
static inline uint8_t checksum_ipv4_header_status(const tcpsift_packet *pkt)
{
    if (!(pkt->layers & TCPSIFT_LAYER_IPV4)) return TCPSIFT_CSUM_NOT_CHECKED;
    const uint8_t *h = pkt->ip_header.ptr;
    uint32_t w[5];
    memcpy(w, h, 20); /* the decoder proved 20-60 bytes, a multiple of 4 */
    uint64_t acc = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
    for (size_t i = 20; i < pkt->ip_header.len; i += 4) { /* options: rare */
        uint32_t o;
        memcpy(&o, h + i, 4);
        acc += o;
    }
    /* < 2^36: three folds reach 16 bits */
    acc = (acc & 0xFFFF) + (acc >> 16);
    acc = (acc & 0xFFFF) + (acc >> 16);
    acc = (acc & 0xFFFF) + (acc >> 16);
    return acc == 0xFFFF ? TCPSIFT_CSUM_GOOD : TCPSIFT_CSUM_BAD;
}

/* Tests: the unfolded one's-complement sum of [p, p+len) as checksums use it, with the vector
 * path allowed (simd 1) or not (0); and whether this CPU has that path (AVX2 on x86-64). */
uint64_t checksum_sum_words(const uint8_t *p, size_t len, int simd);
int checksum_simd_available(void);

/* Bytes of the frame the wire had beyond `offset` (0 when offset is past it). */
static inline size_t wire_bytes_after(const tcpsift_packet *pkt, size_t offset)
{
    return pkt->wirelen > offset ? pkt->wirelen - offset : 0;
}

static inline size_t offset_in_frame(const tcpsift_packet *pkt, const tcpsift_cursor *c)
{
    return (size_t)(c->ptr - pkt->frame);
}

/* ip_option_policy.c: 1 when a host discards the datagram for its IPv4 options or IPv6
 * extension headers (tcpsift_ip_option_policy says which; the tracker asks); the same for a
 * fragment's own, read before reassembly: its IPv4 options, the IPv6 headers before its
 * fragment header (the fragment pool asks). */
int ip_options_discarded(const tcpsift_packet *pkt);
int ip_fragment_options_discarded(const tcpsift_packet *pkt);

#endif

/* Packet decoding entry point: link -> (tunnels ->) IP -> TCP/UDP.
 *
 * Tunnels are peeled in a loop, each layer recorded in pkt->encap; the loop is bounded because
 * every turn adds an entry and the list holds TCPSIFT_MAX_ENCAP (VLAN tags included). The IP and
 * transport fields describe the innermost datagram. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_internal.h"
#include "tcp_options_internal.h"

static void keep_first_error(tcpsift_error *first, tcpsift_error err)
{
    if (*first == TCPSIFT_OK) *first = err;
}

/* Forget the outer datagram before decoding the inner one. */
static void reset_network_fields(tcpsift_packet *pkt)
{
    size_t from = offsetof(tcpsift_packet, ip_version);
    memset((uint8_t *)pkt + from, 0, sizeof *pkt - from);
    pkt->layers &= ~(uint32_t)(TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6 | TCPSIFT_LAYER_TCP |
                               TCPSIFT_LAYER_TCP_OPTIONS | TCPSIFT_LAYER_UDP |
                               TCPSIFT_LAYER_FRAGMENT | TCPSIFT_LAYER_PORTS |
                               TCPSIFT_LAYER_TCP_FIXED);
}

/* The IP payload is another tunnel layer: find the inner ethertype and move `c` to it. */
static decap_result find_tunnel(tcpsift_packet *pkt, tcpsift_cursor *l4, uint16_t *ethertype,
                                uint8_t *kind, tunnel_ident *ident, tcpsift_error *first)
{
    decap_result r = DECAP_NONE;
    ident->id = 0;
    ident->kind = 0;
    switch (pkt->ip_proto) {
    case IPPROTO_NUM_IPIP:
        *kind = TCPSIFT_ENCAP_IPIP;
        *ethertype = ETHERTYPE_IPV4;
        return DECAP_INNER;
    case IPPROTO_NUM_IPV6:
        *kind = TCPSIFT_ENCAP_IPIP;
        *ethertype = ETHERTYPE_IPV6;
        return DECAP_INNER;
    case IPPROTO_NUM_GRE:
        *kind = TCPSIFT_ENCAP_GRE;
        r = decap_gre(l4, ethertype, ident);
        break;
    case IPPROTO_NUM_UDP: {
        tcpsift_error err = decode_udp(pkt, l4);
        keep_first_error(first, err);
        if (err != TCPSIFT_OK) return DECAP_NONE;
        tcpsift_cursor payload = cursor_make(pkt->payload.ptr, pkt->payload.len);
        r = decap_udp_tunnel(pkt, &payload, ethertype, kind, ident);
        if (r == DECAP_INNER) *l4 = payload;
        break;
    }
    default:
        return DECAP_NONE;
    }
    if (r == DECAP_TRUNCATED) keep_first_error(first, TCPSIFT_E_TRUNCATED_ENCAP_HEADER);
    return r;
}

/* No IP datagram inside the tunnel (cut, malformed, or not IP): the packet describes the
 * innermost datagram that did decode, with the first error met. */
static tcpsift_error no_inner_ip(tcpsift_packet *pkt, const tcpsift_packet *outer,
                                 tcpsift_error first)
{
    if (outer) *pkt = *outer;
    return pkt->error = first;
}

/* Ethernet II (14) + IPv4 without options (20) + TCP fixed header (20). */
#define FAST_ETH_LEN    14u
#define FAST_IPV4_LEN   20u
#define FAST_SLL_LEN    16u /* Linux cooked v1: ..., protocol at 14 */
#define FAST_SLL2_LEN   20u /* Linux cooked v2: protocol at 0, ... */
#define FAST_NO_ETHERTYPE SIZE_MAX /* raw IP: the version nibble says IPv4 */

/* Zero the whole packet in constant pieces of at most 64 bytes: compilers turn each into a few
 * vector stores, where one memset of the 400-byte struct becomes a `rep stos` (gcc) or a call.
 * The conditions and sizes are compile-time constants. */
#define PACKET_PIECE 64u
#define PACKET_CLEAR_PIECE(k)                                                                      \
    do {                                                                                           \
        if (sizeof *pkt > (k)*PACKET_PIECE)                                                        \
            memset((uint8_t *)pkt + (k)*PACKET_PIECE, 0,                                           \
                   sizeof *pkt - (k)*PACKET_PIECE < PACKET_PIECE ? sizeof *pkt - (k)*PACKET_PIECE  \
                                                                 : PACKET_PIECE);                  \
    } while (0)

static inline void packet_clear(tcpsift_packet *pkt)
{
    _Static_assert(sizeof(tcpsift_packet) <= 8 * PACKET_PIECE, "packet_clear covers 8 pieces");
    PACKET_CLEAR_PIECE(0);
    PACKET_CLEAR_PIECE(1);
    PACKET_CLEAR_PIECE(2);
    PACKET_CLEAR_PIECE(3);
    PACKET_CLEAR_PIECE(4);
    PACKET_CLEAR_PIECE(5);
    PACKET_CLEAR_PIECE(6);
    PACKET_CLEAR_PIECE(7);
}

enum fast_outcome {
    FAST_NOT_TAKEN,      /* nothing written: the general path decodes the frame */
    FAST_DONE,           /* *pkt complete */
    FAST_PARSE_OPTIONS   /* *pkt complete but for options other than the lone timestamp */
};

/* The fast path's frames whose options are not the usual lone timestamp: every declared option
 * byte is captured (decode_fast_ipv4_tcp checked). Out of line and reached by a tail
 * call, so the common path makes no call and saves no registers (issue 9). */
static TCPSIFT_NOINLINE tcpsift_error decode_fast_options(tcpsift_packet *pkt)
{
    tcpsift_error err = tcp_options_parse_cleared(&pkt->opts, pkt->tcp_options_raw.ptr,
                                                  pkt->tcp_options_raw.len,
                                                  pkt->tcp_options_raw.len);
    if (err != TCPSIFT_OK) pkt->layers &= ~(uint32_t)TCPSIFT_LAYER_TCP_OPTIONS;
    return pkt->error = err;
}

/* The dominant frame, decoded in one pass: untagged Ethernet (link_len 14), Linux cooked v1 / v2
 * (16 / 20, tcpdump -i any) or raw IP (link_len 0: LINKTYPE_RAW and its DLT variants,
 * LINKTYPE_IPV4; no ethertype), IPv4 with a 20-byte header whose
 * total length fits the wire (and is not 0), not a fragment, carrying TCP whose header (options
 * included) is all captured and fits the datagram. Every such frame decodes cleanly in the
 * general path too, to exactly the same fields; anything else (tags, tunnels, IP options,
 * fragments, TSO, truncation, bad lengths) returns FAST_NOT_TAKEN before writing anything and
 * takes the general path, which reports the named errors.
 *
 * Reads go through the cursor: one cursor_peek proves the fixed bytes present (link_len + 40), a
 * second one the TCP options; the loads in between are inside those ranges by construction.
 * Inlined with a constant link_len at each call, so each link type gets its own straight code.
 *
 * Like the general path, it clears the whole packet first (packet_clear), then writes the
 * fields that are not zero: every byte of *pkt is defined, padding included. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline)) /* each call keeps its constant link_len */
#endif
static inline enum fast_outcome decode_fast_ipv4_tcp(tcpsift_packet *pkt, const uint8_t *frame,
                                                     size_t caplen, size_t wirelen, int linktype,
                                                     size_t link_len, size_t ethertype_at)
{
    tcpsift_cursor c = cursor_make(frame, caplen);
    const uint8_t *f;
    const size_t tcp_offset = link_len + FAST_IPV4_LEN;
    if (TCPSIFT_UNLIKELY(!cursor_peek(&c, tcp_offset + 20u, &f))) return FAST_NOT_TAKEN;
    const uint8_t *ip = f + link_len;
    const uint8_t *th = f + tcp_offset;
    /* ethertype IPv4 (Ethernet), version 4 + IHL 5, MF clear and fragment offset 0 (DF may be
     * set), protocol TCP (RFC 791 §3.1). */
    uint16_t frag = load_be16(ip + 6);
    if (TCPSIFT_UNLIKELY((ethertype_at != FAST_NO_ETHERTYPE &&
                          load_be16(f + ethertype_at) != ETHERTYPE_IPV4) ||
                         ip[0] != 0x45 || (frag & 0x3FFF) != 0 || ip[9] != IPPROTO_NUM_TCP))
        return FAST_NOT_TAKEN;
    size_t total_len = load_be16(ip + 2);
    /* wirelen >= caplen >= tcp_offset + 20, so on_wire cannot underflow. */
    size_t on_wire = wirelen - link_len;
    size_t tcp_header_len = (size_t)(th[12] >> 4) * 4;
    /* total_len 0 (TSO) and total_len > on_wire are the general path's to report; so is a TCP
     * data offset below 5 or beyond the datagram (RFC 9293 §3.1). */
    if (TCPSIFT_UNLIKELY(total_len < FAST_IPV4_LEN || total_len > on_wire || tcp_header_len < 20 ||
                         tcp_header_len > total_len - FAST_IPV4_LEN))
        return FAST_NOT_TAKEN;
    size_t l4_length = total_len - FAST_IPV4_LEN;
    size_t l4_present = caplen - tcp_offset;
    size_t l4_captured = l4_present < l4_length ? l4_present : l4_length;
    /* Options cut by the snap length: the general path reports them. */
    tcpsift_cursor l4 = cursor_make(th, l4_captured);
    if (TCPSIFT_UNLIKELY(!cursor_peek(&l4, tcp_header_len, &th))) return FAST_NOT_TAKEN;
    size_t option_space = tcp_header_len - 20;
    tcpsift_cursor opts = cursor_make(th + 20, option_space);

    packet_clear(pkt);
    pkt->frame = frame;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = linktype;
    pkt->ethertype = ETHERTYPE_IPV4;
    pkt->l3_offset = (uint32_t)link_len;

    /* The same stores as decode_ipv4 and decode_tcp (the helpers are theirs), on the bytes the
     * two cursor_peeks above proved present: the 20-byte IP header, and l4_captured >=
     * tcp_header_len bytes of TCP. */
    ipv4_store_fields(pkt, ip, FAST_IPV4_LEN, (uint16_t)(frag & 0xC000), link_len, total_len);
    tcp_store_ports(pkt, th);
    tcp_store_fields(pkt, th, tcp_header_len, l4_captured, l4_length);
    pkt->layers = TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS |
                  TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED | TCPSIFT_LAYER_TCP_OPTIONS;
    pkt->error = TCPSIFT_OK;
    uint32_t tsval, tsecr;
    if (option_space == 0) return FAST_DONE; /* no options: the cleared struct says so */
    if (TCPSIFT_UNLIKELY(!tcp_options_timestamps_only(opts, &tsval, &tsecr)))
        return FAST_PARSE_OPTIONS; /* tcp_options_raw holds all option_space bytes */
    pkt->opts.present = TCPSIFT_OPT_TIMESTAMP;
    pkt->opts.tsval = tsval;
    pkt->opts.tsecr = tsecr;
    return FAST_DONE;
}

/* Link types other than Ethernet: raw IP and Linux cooked captures take the fast path's own
 * copies, out of line so that the Ethernet path keeps its code as it was. */
static TCPSIFT_NOINLINE tcpsift_error decode_other_link(tcpsift_packet *pkt, int linktype,
                                                       const uint8_t *frame, size_t caplen,
                                                       size_t wirelen)
{
    enum fast_outcome fast = FAST_NOT_TAKEN;
    switch (linktype) {
    case TCPSIFT_LINK_RAW:
    case TCPSIFT_LINK_RAW_DLT12:
    case TCPSIFT_LINK_RAW_DLT14:
    case TCPSIFT_LINK_IPV4:
        fast = decode_fast_ipv4_tcp(pkt, frame, caplen, wirelen, linktype, 0, FAST_NO_ETHERTYPE);
        break;
    case TCPSIFT_LINK_LINUX_SLL:
        fast = decode_fast_ipv4_tcp(pkt, frame, caplen, wirelen, linktype, FAST_SLL_LEN, 14);
        break;
    case TCPSIFT_LINK_LINUX_SLL2:
        fast = decode_fast_ipv4_tcp(pkt, frame, caplen, wirelen, linktype, FAST_SLL2_LEN, 0);
        break;
    default:
        break;
    }
    switch (fast) {
    case FAST_DONE: return TCPSIFT_OK;
    case FAST_PARSE_OPTIONS: return decode_fast_options(pkt);
    case FAST_NOT_TAKEN: break;
    }
    return decode_packet_general(pkt, linktype, frame, caplen, wirelen);
}

tcpsift_error tcpsift_packet_decode(tcpsift_packet *pkt, int linktype, const uint8_t *frame,
                                    size_t caplen, size_t wirelen)
{
    if (TCPSIFT_UNLIKELY(pkt == NULL)) return TCPSIFT_E_INVALID_ARGUMENT;
    if (TCPSIFT_UNLIKELY(frame == NULL)) caplen = 0;
    if (wirelen < caplen) wirelen = caplen;
    if (TCPSIFT_LIKELY(linktype == TCPSIFT_LINK_ETHERNET)) {
        switch (decode_fast_ipv4_tcp(pkt, frame, caplen, wirelen, linktype, FAST_ETH_LEN, 12)) {
        case FAST_DONE: return TCPSIFT_OK;
        case FAST_PARSE_OPTIONS: return decode_fast_options(pkt);
        case FAST_NOT_TAKEN: break;
        }
    } else {
        return decode_other_link(pkt, linktype, frame, caplen, wirelen);
    }
    return decode_packet_general(pkt, linktype, frame, caplen, wirelen);
}

/* Folds one outer layer's checksum status into *acc (the worst so far: BAD, then UNVERIFIED,
 * then GOOD); *offload stays 1 while every bad one looked like transmit offload. */
static void outer_status_add(uint8_t *acc, uint8_t *offload, uint8_t status, int looks_offloaded)
{
    if (status == TCPSIFT_CSUM_BAD) {
        if (*acc != TCPSIFT_CSUM_BAD) *offload = 1;
        *offload = (uint8_t)(*offload && looks_offloaded);
        *acc = TCPSIFT_CSUM_BAD;
    } else if (status == TCPSIFT_CSUM_UNVERIFIED && *acc != TCPSIFT_CSUM_BAD) {
        *acc = TCPSIFT_CSUM_UNVERIFIED;
    } else if (status == TCPSIFT_CSUM_GOOD && *acc == TCPSIFT_CSUM_NOT_CHECKED) {
        *acc = TCPSIFT_CSUM_GOOD;
    }
}

/* The layer pkt describes is about to be decapsulated (kind): what a host checks before the
 * inner datagram exists. An IPv4 header checksum (RFC 1122 §3.2.1.2; Linux ip_rcv_core()), a
 * present GRE checksum over the GRE header and payload (RFC 2784 §2.2; gre_parse_header()), a
 * UDP tunnel's non-zero checksum (RFC 7348 §5; udp_queue_rcv_one_skb() checks it before the
 * encapsulation socket sees it; zero is none, RFC 768 and RFC 6935 for IPv6 tunnels). */
static void outer_layer_checks(const tcpsift_packet *pkt, uint8_t kind, uint8_t *acc,
                               uint8_t *offload)
{
    if (pkt->layers & TCPSIFT_LAYER_IPV4)
        outer_status_add(acc, offload, checksum_ipv4_header_status(pkt),
                         pkt->ip_header.ptr[10] == 0 && pkt->ip_header.ptr[11] == 0);
    if (kind == TCPSIFT_ENCAP_GRE && pkt->l4_offset < pkt->caplen &&
        (pkt->frame[pkt->l4_offset] & 0x80)) {
        uint8_t status = TCPSIFT_CSUM_UNVERIFIED;
        if (pkt->caplen - pkt->l4_offset >= pkt->l4_length)
            status = checksum_over(pkt->frame + pkt->l4_offset, pkt->l4_length) == 0xFFFF
                         ? TCPSIFT_CSUM_GOOD
                         : TCPSIFT_CSUM_BAD;
        outer_status_add(acc, offload, status, 0);
    }
    if ((pkt->layers & TCPSIFT_LAYER_UDP) && pkt->udp_checksum != 0) {
        uint8_t status, looks_offloaded;
        checksum_l4_status(pkt, &status, &looks_offloaded);
        outer_status_add(acc, offload, status, looks_offloaded);
    }
}

/* decode_packet_general's layers. Inside a tunnel (and a PPPoE session) pkt->wirelen is the end
 * of the enclosing datagram on the wire, not the frame's: decode_packet_general restores it.
 * With outer_csum (tcpsift_packet_verify_checksums), each outer layer's checksums are checked
 * as it is left (outer_layer_checks) into outer_csum[0] (status) and outer_csum[1] (offload). */
static tcpsift_error decode_layers(tcpsift_packet *pkt, int linktype, const uint8_t *frame,
                                   size_t caplen, size_t wirelen, uint8_t *outer_csum)
{
    packet_clear(pkt);
    pkt->frame = frame;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen;
    pkt->linktype = linktype;

    tcpsift_cursor c = cursor_make(frame, caplen);
    uint16_t ethertype;
    tcpsift_error err = decode_link(pkt, &c, &ethertype);
    if (err != TCPSIFT_OK) return pkt->error = err;

    tcpsift_error first = TCPSIFT_OK; /* an outer layer's error outlives the inner decode */
    tcpsift_packet outer;             /* the last IP datagram decoded, once inside a tunnel */
    int in_tunnel = 0;
    for (;;) {
        if (ethertype == ETHERTYPE_TEB) {
            /* A bridged Ethernet frame (GRE, VXLAN, ERSPAN): its tunnel is already noted. */
            err = decode_inner_ethernet(pkt, &c, &ethertype);
            keep_first_error(&first, err);
            if (err != TCPSIFT_OK) return no_inner_ip(pkt, in_tunnel ? &outer : NULL, first);
        }
        if (ethertype == ETHERTYPE_MPLS_UNICAST || ethertype == ETHERTYPE_MPLS_MULTICAST) {
            err = decap_mpls(pkt, &c, &ethertype);
            keep_first_error(&first, err);
            if (err != TCPSIFT_OK) return no_inner_ip(pkt, in_tunnel ? &outer : NULL, first);
        }
        pkt->ethertype = ethertype;
        pkt->l3_offset = offset_in_frame(pkt, &c);

        tcpsift_cursor l4;
        switch (ethertype) {
        case ETHERTYPE_IPV4:
            err = decode_ipv4(pkt, &c, &l4);
            break;
        case ETHERTYPE_IPV6:
            err = decode_ipv6(pkt, &c, &l4);
            break;
        default: /* a clean frame that is not IP */
            return no_inner_ip(pkt, in_tunnel ? &outer : NULL, first);
        }
        keep_first_error(&first, err);
        if (!(pkt->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6)))
            return no_inner_ip(pkt, in_tunnel ? &outer : NULL, first);

        /* A fragment's payload (tunnel or transport) exists only once reassembled. */
        if ((pkt->layers & TCPSIFT_LAYER_FRAGMENT) && pkt->frag_offset != 0)
            return pkt->error = first;
        if (pkt->l4_length == 0 && first != TCPSIFT_OK) return pkt->error = first;
        if (pkt->ip_proto == IPPROTO_NUM_TCP) {
            keep_first_error(&first, decode_tcp(pkt, &l4));
            return pkt->error = first;
        }
        if (pkt->layers & TCPSIFT_LAYER_FRAGMENT) {
            if (pkt->ip_proto == IPPROTO_NUM_UDP) keep_first_error(&first, decode_udp(pkt, &l4));
            return pkt->error = first;
        }

        uint8_t kind = 0;
        tunnel_ident ident;
        decap_result r = find_tunnel(pkt, &l4, &ethertype, &kind, &ident, &first);
        if (r != DECAP_INNER) return pkt->error = first;
        if (outer_csum) outer_layer_checks(pkt, kind, &outer_csum[0], &outer_csum[1]);
        outer = *pkt; /* only tunnelled packets pay this copy */
        in_tunnel = 1;
        /* The inner datagram ends where the enclosing one does (RFC 2003 §3, RFC 2784 §2; a UDP
         * tunnel's by its UDP length): the bytes after it are the frame's. An inner length
         * past that end is a bad length, as for the outermost datagram, not a capture cut
         * short: a decapsulating host drops it (Linux ip_rcv_core()). */
        size_t enclosing_end = pkt->l4_offset + ((pkt->layers & TCPSIFT_LAYER_UDP)
                                                     ? 8 + pkt->payload_len
                                                     : pkt->l4_length);
        if (enclosing_end < pkt->wirelen) pkt->wirelen = enclosing_end;
        if (!note_encap(pkt, kind)) {
            /* Too deep: the packet describes the deepest datagram decoded so far. */
            keep_first_error(&first, TCPSIFT_E_ENCAP_TOO_DEEP);
            return pkt->error = first;
        }
        pkt->layers |= TCPSIFT_LAYER_IP_TUNNEL;
        /* Recorded with the layer, so a failed inner decode (back to `outer`) drops both. */
        if (ident.kind != 0) {
            pkt->tunnel_id = ident.id;
            pkt->tunnel_id_kind = ident.kind;
        }
        reset_network_fields(pkt);
        c = l4;
    }
}

tcpsift_error decode_packet_general(tcpsift_packet *pkt, int linktype, const uint8_t *frame,
                                    size_t caplen, size_t wirelen)
{
    tcpsift_error err = decode_layers(pkt, linktype, frame, caplen, wirelen, NULL);
    pkt->wirelen = wirelen;
    return err;
}

void decode_outer_checksums(const tcpsift_packet *pkt, uint8_t *status, uint8_t *offload)
{
    uint8_t outer[2] = {TCPSIFT_CSUM_NOT_CHECKED, 0};
    if ((pkt->layers & TCPSIFT_LAYER_IP_TUNNEL) && pkt->frame) {
        tcpsift_packet again;
        (void)decode_layers(&again, pkt->linktype, pkt->frame, pkt->caplen, pkt->wirelen, outer);
    }
    *status = outer[0];
    *offload = outer[1];
}

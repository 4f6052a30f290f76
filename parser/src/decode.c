/* Packet decoding entry point: link -> (tunnels ->) IP -> TCP/UDP.
 *
 * Tunnels are peeled in a loop, each layer recorded in pkt->encap; the loop is bounded because
 * every turn adds an entry and the list holds TCPSIFT_MAX_ENCAP (VLAN tags included). The IP and transport fields
 * describe the innermost datagram. */
#include <stddef.h>
#include <string.h>

#include "decode_internal.h"

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
                               TCPSIFT_LAYER_FRAGMENT | TCPSIFT_LAYER_PORTS);
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

tcpsift_error tcpsift_packet_decode(tcpsift_packet *pkt, int linktype, const uint8_t *frame,
                                    size_t caplen, size_t wirelen)
{
    if (pkt == NULL) return TCPSIFT_E_INVALID_ARGUMENT;
    memset(pkt, 0, sizeof *pkt);
    if (frame == NULL) caplen = 0;
    pkt->frame = frame;
    pkt->caplen = caplen;
    pkt->wirelen = wirelen < caplen ? caplen : wirelen;
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
        outer = *pkt; /* only tunnelled packets pay this copy */
        in_tunnel = 1;
        if (!note_encap(pkt, kind)) {
            /* Too deep: the packet describes the deepest datagram decoded so far. */
            keep_first_error(&first, TCPSIFT_E_ENCAP_TOO_DEEP);
            return pkt->error = first;
        }
        /* Recorded with the layer, so a failed inner decode (back to `outer`) drops both. */
        if (ident.kind != 0) {
            pkt->tunnel_id = ident.id;
            pkt->tunnel_id_kind = ident.kind;
        }
        reset_network_fields(pkt);
        c = l4;
    }
}

/* Packet decoding entry point: link -> IP -> TCP/UDP. */
#include <string.h>

#include "decode_internal.h"

static void keep_first_error(tcpsift_error *first, tcpsift_error err)
{
    if (*first == TCPSIFT_OK) *first = err;
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
    default:
        return pkt->error = TCPSIFT_OK; /* a clean frame that is not IP */
    }
    if (!(pkt->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6))) return pkt->error = err;
    tcpsift_error first = err;

    /* A non-first fragment carries no transport header. */
    if ((pkt->layers & TCPSIFT_LAYER_FRAGMENT) && pkt->frag_offset != 0) return pkt->error = first;
    if (pkt->l4_length == 0 && first != TCPSIFT_OK) return pkt->error = first;

    switch (pkt->ip_proto) {
    case IPPROTO_NUM_TCP:
        keep_first_error(&first, decode_tcp(pkt, &l4));
        break;
    case IPPROTO_NUM_UDP:
        keep_first_error(&first, decode_udp(pkt, &l4));
        break;
    default:
        break;
    }
    return pkt->error = first;
}

/* UDP header (RFC 768). */
#include "decode_internal.h"

tcpsift_error decode_udp(tcpsift_packet *pkt, tcpsift_cursor *l4)
{
    uint16_t sport, dport, length, checksum;
    tcpsift_cursor probe = *l4;
    if (!cursor_be16(&probe, &sport) || !cursor_be16(&probe, &dport)) {
        return TCPSIFT_E_TRUNCATED_UDP_HEADER;
    }
    pkt->sport = sport;
    pkt->dport = dport;
    pkt->layers |= TCPSIFT_LAYER_PORTS;
    if (!cursor_be16(&probe, &length) || !cursor_be16(&probe, &checksum))
        return TCPSIFT_E_TRUNCATED_UDP_HEADER;
    pkt->udp_length = length;
    pkt->udp_checksum = checksum;

    size_t datagram = length;
    if (length == 0 && pkt->ip_len_from_capture) {
        datagram = pkt->l4_length; /* IPv6 jumbogram (RFC 2675 §4) */
    } else if (length < 8 || length > pkt->l4_length) {
        /* A first fragment holds the datagram's start: its length covers later fragments. */
        if (length < 8 || !(pkt->layers & TCPSIFT_LAYER_FRAGMENT)) return TCPSIFT_E_BAD_UDP_LENGTH;
    }
    pkt->payload_len = datagram - 8;
    pkt->layers |= TCPSIFT_LAYER_UDP;
    size_t captured = cursor_left(&probe) < pkt->payload_len ? cursor_left(&probe) : pkt->payload_len;
    if (captured > 0) cursor_take(&probe, captured, &pkt->payload.ptr);
    pkt->payload.len = captured;
    *l4 = probe;
    return TCPSIFT_OK;
}

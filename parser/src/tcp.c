/* TCP header (RFC 9293 §3.1). */
#include "decode_internal.h"
#include "tcp_options_internal.h"

tcpsift_error decode_tcp(tcpsift_packet *pkt, tcpsift_cursor *l4)
{
    const uint8_t *h;
    if (!cursor_peek(l4, 20, &h)) {
        /* Keep what survived: tshark and tcpdump still show the ports. */
        if (cursor_peek(l4, 4, &h)) {
            pkt->sport = load_be16(h);
            pkt->dport = load_be16(h + 2);
            pkt->layers |= TCPSIFT_LAYER_PORTS;
        }
        return TCPSIFT_E_TRUNCATED_TCP_HEADER;
    }
    pkt->sport = load_be16(h);
    pkt->dport = load_be16(h + 2);
    pkt->layers |= TCPSIFT_LAYER_PORTS;
    size_t header_len = (size_t)(h[12] >> 4) * 4;
    if (header_len < 20 || header_len > pkt->l4_length) return TCPSIFT_E_BAD_TCP_DATA_OFFSET;

    pkt->seq = load_be32(h + 4);
    pkt->ack = load_be32(h + 8);
    pkt->tcp_flags = (uint16_t)(load_be16(h + 12) & 0x0FFF);
    pkt->window = load_be16(h + 14);
    pkt->tcp_checksum = load_be16(h + 16);
    pkt->urgent_ptr = load_be16(h + 18);
    pkt->tcp_header_len = (uint8_t)header_len;
    pkt->payload_len = pkt->l4_length - header_len;
    pkt->layers |= TCPSIFT_LAYER_TCP;

    /* Options and payload may be cut short by the snap length. */
    size_t option_space = header_len - 20;
    size_t captured = cursor_left(l4);
    size_t options_captured = captured - 20 < option_space ? captured - 20 : option_space;
    pkt->tcp_options_raw.ptr = h + 20;
    pkt->tcp_options_raw.len = options_captured;
    tcpsift_error err = TCPSIFT_OK;
    if (option_space == 0) {
        pkt->layers |= TCPSIFT_LAYER_TCP_OPTIONS;
    } else {
        err = tcp_options_parse_bounded(&pkt->opts, h + 20, options_captured, option_space);
        if (err == TCPSIFT_OK) pkt->layers |= TCPSIFT_LAYER_TCP_OPTIONS;
    }

    if (captured > header_len) {
        pkt->payload.ptr = h + header_len;
        pkt->payload.len = captured - header_len;
    }
    cursor_skip(l4, captured);
    return err;
}

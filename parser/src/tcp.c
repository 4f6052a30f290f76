/* TCP header (RFC 9293 §3.1). */
#include "decode_internal.h"
#include "tcp_options_internal.h"

tcpsift_error decode_tcp(tcpsift_packet *pkt, tcpsift_cursor *l4)
{
    const uint8_t *h;
    if (!cursor_peek(l4, 20, &h)) {
        /* Keep what survived: tshark and tcpdump still show the ports. */
        if (cursor_peek(l4, 4, &h)) {
            tcp_store_ports(pkt, h);
            pkt->layers |= TCPSIFT_LAYER_PORTS;
        }
        /* A first fragment may end inside the header, which goes on in the next fragment: not
         * malformed (RFC 1858's tiny fragment, which the defragmenter counts frag_tiny). */
        if ((pkt->layers & TCPSIFT_LAYER_FRAGMENT) && pkt->l4_length < 20) return TCPSIFT_OK;
        return TCPSIFT_E_TRUNCATED_TCP_HEADER;
    }
    tcp_store_ports(pkt, h);
    pkt->layers |= TCPSIFT_LAYER_PORTS;
    size_t header_len = (size_t)(h[12] >> 4) * 4;
    if (header_len < 20 || header_len > pkt->l4_length) {
        /* The fixed fields are still what the sender wrote; tshark shows them too. */
        tcp_store_fixed(pkt, h);
        pkt->layers |= TCPSIFT_LAYER_TCP_FIXED;
        /* Likewise options that go on in the next fragment. */
        if (header_len >= 20 && (pkt->layers & TCPSIFT_LAYER_FRAGMENT)) return TCPSIFT_OK;
        return TCPSIFT_E_BAD_TCP_DATA_OFFSET;
    }

    /* Options and payload may be cut short by the snap length: the views say how much. */
    size_t captured = cursor_left(l4);
    tcp_store_fields(pkt, h, header_len, captured, pkt->l4_length);
    pkt->layers |= TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED;

    size_t option_space = header_len - 20;
    tcpsift_error err = TCPSIFT_OK;
    if (option_space == 0) {
        pkt->layers |= TCPSIFT_LAYER_TCP_OPTIONS;
    } else {
        err = tcp_options_parse_bounded(&pkt->opts, pkt->tcp_options_raw.ptr,
                                        pkt->tcp_options_raw.len, option_space);
        if (err == TCPSIFT_OK) pkt->layers |= TCPSIFT_LAYER_TCP_OPTIONS;
    }
    cursor_skip(l4, captured);
    return err;
}

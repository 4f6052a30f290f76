/* IPv4 (RFC 791): header, options, lengths, fragments. */
#include "decode_internal.h"

/* A loose or strict source route whose pointer has not passed its last address: the datagram
 * is on its way to that address, the final destination, which the TCP/UDP pseudo-header uses
 * (RFC 791 §3.1, RFC 1122 §3.2.1.8 and §4.2.3.2: "the final destination"). */
static void note_source_route(tcpsift_packet *pkt, const uint8_t *opt, size_t len)
{
    if (len < 3 + 4) return;
    size_t last = 3 + ((len - 3) / 4 - 1) * 4; /* offset of the last whole address */
    if (opt[2] <= len) pkt->final_dst = opt + last;
}

/* Walk the options so a malformed length is reported, never skipped. */
static int ipv4_options_valid(tcpsift_packet *pkt, tcpsift_cursor opts)
{
    const uint8_t *opt;
    size_t len;
    int r;
    while ((r = ipv4_option_next(&opts, &opt, &len)) > 0)
        if (opt[0] == IPV4_OPT_LSRR || opt[0] == IPV4_OPT_SSRR) note_source_route(pkt, opt, len);
    return r == 0;
}

tcpsift_error decode_ipv4(tcpsift_packet *pkt, tcpsift_cursor *c, tcpsift_cursor *l4)
{
    const uint8_t *h;
    if (!cursor_peek(c, 20, &h)) return TCPSIFT_E_TRUNCATED_IP_HEADER;
    if (h[0] >> 4 != 4) return TCPSIFT_E_BAD_IP_VERSION;
    size_t header_len = (size_t)(h[0] & 0x0F) * 4;
    if (header_len < 20) return TCPSIFT_E_BAD_IP_HEADER_LENGTH;
    if (!cursor_take(c, header_len, &h)) return TCPSIFT_E_TRUNCATED_IP_HEADER;

    size_t l3_offset = pkt->l3_offset;
    size_t total_len = load_be16(h + 2);
    size_t on_wire = wire_bytes_after(pkt, l3_offset);
    /* Only inside a tunnel can the wire end before the header does: the enclosing datagram
     * ends there (decode.c), so this one is malformed. */
    if (on_wire < header_len) return TCPSIFT_E_BAD_IP_TOTAL_LENGTH;
    tcpsift_error err = TCPSIFT_OK;
    if (total_len == 0) {
        /* Segmentation offload (TSO/GSO) captures carry 0: the frame on the
         * wire is the datagram, as tshark assumes (its reported length). Not
         * the captured bytes: a snap length would then hide the truncation. */
        pkt->ip_len_from_capture = 1;
        total_len = on_wire;
    } else if (total_len < header_len) {
        return TCPSIFT_E_BAD_IP_TOTAL_LENGTH;
    } else if (total_len > on_wire) {
        /* Claims more than the wire carried: decode what is there, report it. */
        err = TCPSIFT_E_BAD_IP_TOTAL_LENGTH;
        total_len = on_wire;
    }

    ipv4_store_fields(pkt, h, header_len, load_be16(h + 6), l3_offset, total_len);
    pkt->layers |= TCPSIFT_LAYER_IPV4;
    if (pkt->more_fragments || pkt->frag_offset != 0) pkt->layers |= TCPSIFT_LAYER_FRAGMENT;

    if (header_len > 20 && !ipv4_options_valid(pkt, cursor_make(h + 20, header_len - 20)) &&
        err == TCPSIFT_OK)
        err = TCPSIFT_E_BAD_IP_OPTION_LENGTH;

    size_t captured = cursor_left(c) < pkt->l4_length ? cursor_left(c) : pkt->l4_length;
    *l4 = cursor_make(c->ptr, captured);
    return err;
}

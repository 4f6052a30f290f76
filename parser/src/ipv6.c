/* IPv6 (RFC 8200): fixed header and a bounded chain of extension headers. */
#include "decode_internal.h"

/* Routing headers whose last address is the final destination, which the
 * TCP/UDP pseudo-header must use (RFC 8200 §8.1). Type 0 (deprecated, still
 * captured) and type 2 list addresses after 8 bytes; the SRH (type 4, RFC
 * 8754) holds the final destination in Segment List[0]. */
static void note_final_destination(tcpsift_packet *pkt, const uint8_t *rh, size_t len)
{
    uint8_t type = rh[2], segments_left = rh[3];
    if (segments_left == 0) return;
    if ((type == 0 || type == 2) && len >= 24) {
        size_t addresses = (len - 8) / 16;
        pkt->final_dst = rh + 8 + (addresses - 1) * 16;
    } else if (type == 4 && len >= 24) {
        pkt->final_dst = rh + 8;
    }
}

/* The Jumbo Payload option of a Hop-by-Hop header (RFC 2675 §2: type 0xC2, 4 bytes), 1 with its
 * value when present. The first one counts (a second makes the host drop the datagram, which
 * the tracker's option rules judge: ip_option_policy.c). */
static int hop_by_hop_jumbo(const uint8_t *eh, size_t eh_len, uint32_t *jumbo)
{
    tcpsift_cursor opts = cursor_make(eh + 2, eh_len - 2);
    uint8_t type, len;
    while (cursor_u8(&opts, &type)) {
        if (type == 0) continue; /* Pad1 */
        const uint8_t *data;
        if (!cursor_u8(&opts, &len) || !cursor_take(&opts, len, &data)) return 0;
        if (type == 0xC2 && len == 4) {
            *jumbo = load_be32(data);
            return 1;
        }
    }
    return 0;
}

tcpsift_error decode_ipv6(tcpsift_packet *pkt, tcpsift_cursor *c, tcpsift_cursor *l4)
{
    const uint8_t *h;
    if (!cursor_take(c, 40, &h)) return TCPSIFT_E_TRUNCATED_IP_HEADER;
    if (h[0] >> 4 != 6) return TCPSIFT_E_BAD_IP_VERSION;

    /* Only inside a tunnel can the wire end before the header does (ipv4.c). */
    if (wire_bytes_after(pkt, pkt->l3_offset) < 40) return TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH;
    size_t payload_len = load_be16(h + 4);
    size_t on_wire = wire_bytes_after(pkt, pkt->l3_offset + 40);
    tcpsift_error err = TCPSIFT_OK;
    if (payload_len == 0) {
        /* Jumbogram or big TCP (RFC 2675, Linux BIG TCP): the payload length
         * lives elsewhere or nowhere; take what the wire carried, as tshark
         * does (never the captured bytes, which would hide a snap length). */
        pkt->ip_len_from_capture = 1;
        payload_len = on_wire;
    } else if (payload_len > on_wire) {
        err = TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH;
        payload_len = on_wire;
    }

    pkt->ip_version = 6;
    pkt->addr_len = 16;
    pkt->ip_tos = (uint8_t)((h[0] & 0x0F) << 4 | h[1] >> 4);
    pkt->ttl = h[7];
    pkt->src = h + 8;
    pkt->dst = h + 24;
    pkt->final_dst = pkt->dst;
    pkt->layers |= TCPSIFT_LAYER_IPV6;

    /* The extension headers live inside the payload length. */
    size_t captured = cursor_left(c) < payload_len ? cursor_left(c) : payload_len;
    tcpsift_cursor chain = cursor_make(c->ptr, captured);
    size_t remaining = payload_len; /* declared bytes left, for the L4 length */
    uint8_t next = h[6];
    for (;;) {
        const uint8_t *eh;
        size_t eh_len;
        switch (next) {
        case IP6_HOP_BY_HOP:
        case IP6_ROUTING:
        case IP6_DEST_OPTS:
        case IP6_MOBILITY:
        case IP6_HIP:
        case IP6_SHIM6:
        case IP6_FRAGMENT:
        case IP6_AH:
            break;
        default:
            goto done;
        }
        if (pkt->ipv6_ext_count == TCPSIFT_MAX_IPV6_EXT_HEADERS) {
            if (err == TCPSIFT_OK) err = TCPSIFT_E_IPV6_EXT_CHAIN_TOO_LONG;
            goto stop;
        }
        if (!cursor_peek(&chain, 2, &eh)) {
            /* Under 2 declared bytes left: the payload length is short, not the capture. */
            if (err == TCPSIFT_OK)
                err = remaining < 2 ? TCPSIFT_E_BAD_IPV6_EXT_HEADER
                                    : TCPSIFT_E_TRUNCATED_IPV6_EXT_HEADER;
            goto stop;
        }
        eh_len = ipv6_ext_header_len(next, eh);
        if (eh_len > remaining) {
            if (err == TCPSIFT_OK) err = TCPSIFT_E_BAD_IPV6_EXT_HEADER;
            goto stop;
        }
        if (!cursor_take(&chain, eh_len, &eh)) {
            if (err == TCPSIFT_OK) err = TCPSIFT_E_TRUNCATED_IPV6_EXT_HEADER;
            goto stop;
        }
        remaining -= eh_len;
        uint32_t jumbo;
        if (next == IP6_HOP_BY_HOP && pkt->ipv6_ext_count == 0 && pkt->ip_len_from_capture &&
            hop_by_hop_jumbo(eh, eh_len, &jumbo)) {
            /* A jumbogram: its length is the option's (RFC 2675 §2), not the frame's, as a host
             * (Linux ipv6_hop_jumbo() trims to it) and tshark read it. Past the wire: a bad
             * length, decoded to the wire's end. */
            if (jumbo > payload_len) {
                if (err == TCPSIFT_OK) err = TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH;
            } else if (jumbo < payload_len - remaining) {
                if (err == TCPSIFT_OK) err = TCPSIFT_E_BAD_IPV6_EXT_HEADER; /* shorter than itself */
            } else {
                remaining -= payload_len - jumbo;
                payload_len = jumbo;
                if (cursor_left(&chain) > remaining) chain = cursor_make(chain.ptr, remaining);
            }
        }
        pkt->ipv6_ext_types[pkt->ipv6_ext_count++] = next;
        if (next == IP6_FRAGMENT) {
            uint16_t off_flags = load_be16(eh + 2);
            pkt->frag_offset = (uint16_t)(off_flags >> 3);
            pkt->more_fragments = off_flags & 1;
            pkt->ip6_frag_id = load_be32(eh + 4);
            pkt->ip_id = (uint16_t)pkt->ip6_frag_id;
            /* An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946). */
            if (pkt->frag_offset != 0 || pkt->more_fragments) pkt->layers |= TCPSIFT_LAYER_FRAGMENT;
        } else if (next == IP6_ROUTING) {
            note_final_destination(pkt, eh, eh_len);
        }
        next = eh[0];
        if (pkt->layers & TCPSIFT_LAYER_FRAGMENT && pkt->frag_offset != 0) goto done;
    }
done:
    pkt->ip_proto = next;
    pkt->ip_header.ptr = h;
    pkt->ip_header.len = 40 + (payload_len - remaining);
    pkt->l4_offset = pkt->l3_offset + pkt->ip_header.len;
    pkt->l4_length = remaining;
    *l4 = chain;
    return err;
stop:
    /* No upper layer can be located: report the IP layer only. */
    pkt->ip_proto = next;
    pkt->ip_header.ptr = h;
    pkt->ip_header.len = 40 + (payload_len - remaining);
    pkt->l4_offset = pkt->l3_offset + pkt->ip_header.len;
    pkt->l4_length = 0;
    *l4 = cursor_make(NULL, 0);
    return err;
}

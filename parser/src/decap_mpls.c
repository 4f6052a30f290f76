/* MPLS label stacks (RFC 3032): 4-byte entries until the bottom-of-stack bit. */
#include "decode_internal.h"

#define MPLS_BOTTOM_OF_STACK 0x100u
#define MPLS_LABEL_SHIFT 12 /* RFC 3032 §2.1: label in the top 20 bits of the entry */

tcpsift_error decap_mpls(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    uint32_t entry;
    for (unsigned labels = 0;; labels++) {
        if (labels == TCPSIFT_MAX_MPLS_LABELS) return TCPSIFT_E_ENCAP_TOO_DEEP;
        if (!cursor_be32(&probe, &entry)) return TCPSIFT_E_TRUNCATED_ENCAP_HEADER;
        if (entry & MPLS_BOTTOM_OF_STACK) break;
    }
    if (!note_encap(pkt, TCPSIFT_ENCAP_MPLS)) return TCPSIFT_E_ENCAP_TOO_DEEP;
    /* The bottom label is the one the egress router demultiplexes on (the VPN or pseudowire
     * label of RFC 4364 §4.3.2 / RFC 4448): the outer ones only name the path. */
    pkt->tunnel_id = entry >> MPLS_LABEL_SHIFT;
    pkt->tunnel_id_kind = TCPSIFT_ENCAP_MPLS;
    *c = probe;
    /* The stack does not name its payload (RFC 3032 §2.2): like tshark, an IP version nibble
     * of 4 or 6 is IP; anything else (a pseudowire control word, ...) is not decoded. */
    const uint8_t *first;
    *ethertype = 0;
    if (cursor_peek(c, 1, &first)) {
        if (first[0] >> 4 == 4) *ethertype = ETHERTYPE_IPV4;
        if (first[0] >> 4 == 6) *ethertype = ETHERTYPE_IPV6;
    }
    return TCPSIFT_OK;
}

/* MPLS label stacks (RFC 3032): 4-byte entries until the bottom-of-stack bit. */
#include "decode_internal.h"

#define MPLS_BOTTOM_OF_STACK 0x100u

tcpsift_error decap_mpls(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    for (unsigned labels = 0;; labels++) {
        uint32_t entry;
        if (labels == TCPSIFT_MAX_MPLS_LABELS) return TCPSIFT_E_ENCAP_TOO_DEEP;
        if (!cursor_be32(&probe, &entry)) return TCPSIFT_E_TRUNCATED_ENCAP_HEADER;
        if (entry & MPLS_BOTTOM_OF_STACK) break;
    }
    if (!note_encap(pkt, TCPSIFT_ENCAP_MPLS)) return TCPSIFT_E_ENCAP_TOO_DEEP;
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

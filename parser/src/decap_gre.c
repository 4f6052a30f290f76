/* GRE (RFC 2784 with the key and sequence fields of RFC 2890) and the ERSPAN headers GRE
 * carries (draft-foschiano-erspan, types I-III). */
#include "decode_internal.h"

#define GRE_CHECKSUM 0x8000u
#define GRE_ROUTING 0x4000u /* RFC 1701 source routing: not decoded */
#define GRE_KEY 0x2000u
#define GRE_SEQUENCE 0x1000u
#define GRE_VERSION_MASK 0x0007u
#define ERSPAN_II_LEN 8
#define ERSPAN_III_LEN 12
#define ERSPAN_III_PLATFORM_LEN 8 /* optional subheader when the O bit is set */

/* Skip an ERSPAN header; the mirrored Ethernet frame follows. Type I has no header and is
 * sent without the GRE sequence field. */
static decap_result skip_erspan(tcpsift_cursor *c, uint16_t protocol, int has_sequence)
{
    const uint8_t *h;
    if (protocol == ETHERTYPE_ERSPAN_I_II) {
        if (!has_sequence) return DECAP_INNER;
        return cursor_skip(c, ERSPAN_II_LEN) ? DECAP_INNER : DECAP_TRUNCATED;
    }
    if (!cursor_take(c, ERSPAN_III_LEN, &h)) return DECAP_TRUNCATED;
    if ((h[11] & 1) && !cursor_skip(c, ERSPAN_III_PLATFORM_LEN)) return DECAP_TRUNCATED;
    return DECAP_INNER;
}

decap_result decap_gre(tcpsift_cursor *c, uint16_t *ethertype, tunnel_ident *ident)
{
    tcpsift_cursor probe = *c;
    uint16_t flags, protocol;
    uint32_t key = 0;
    ident->id = 0;
    ident->kind = 0;
    if (!cursor_be16(&probe, &flags) || !cursor_be16(&probe, &protocol)) return DECAP_TRUNCATED;
    /* Version 1 is PPTP's enhanced GRE (RFC 2637) and routing is obsolete: neither decoded. */
    if ((flags & GRE_VERSION_MASK) != 0 || (flags & GRE_ROUTING)) return DECAP_NONE;
    /* Optional fields in this order: checksum + reserved1, key, sequence (RFC 2890 §2). */
    if ((flags & GRE_CHECKSUM) && !cursor_skip(&probe, 4)) return DECAP_TRUNCATED;
    if ((flags & GRE_KEY) && !cursor_be32(&probe, &key)) return DECAP_TRUNCATED;
    if ((flags & GRE_SEQUENCE) && !cursor_skip(&probe, 4)) return DECAP_TRUNCATED;

    decap_result r;
    switch (protocol) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
    case ETHERTYPE_MPLS_UNICAST:
    case ETHERTYPE_MPLS_MULTICAST:
    case ETHERTYPE_TEB:
        r = DECAP_INNER;
        break;
    case ETHERTYPE_ERSPAN_I_II:
    case ETHERTYPE_ERSPAN_III:
        r = skip_erspan(&probe, protocol, (flags & GRE_SEQUENCE) != 0);
        protocol = ETHERTYPE_TEB;
        break;
    default:
        return DECAP_NONE;
    }
    if (r != DECAP_INNER) return r;
    *c = probe;
    *ethertype = protocol;
    /* The key names the flow within the tunnel (RFC 2890 §2.1): a tunnel id for us. */
    if (flags & GRE_KEY) {
        ident->id = key;
        ident->kind = TCPSIFT_ENCAP_GRE;
    }
    return DECAP_INNER;
}

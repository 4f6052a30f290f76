/* Tunnels over UDP: VXLAN (RFC 7348, port 4789) and Teredo (RFC 4380, port 3544). */
#include "decode_internal.h"

#define VXLAN_PORT 4789
#define TEREDO_PORT 3544
#define VXLAN_HEADER_LEN 8
#define VXLAN_FLAG_VNI 0x08 /* RFC 7348 §5: the I flag MUST be set */
#define TEREDO_AUTH 0x0001   /* RFC 4380 §5.1.1 authentication indicator */
#define TEREDO_ORIGIN 0x0000 /* RFC 4380 §5.1.1 origin indication */
#define TEREDO_ORIGIN_LEN 8
#define TEREDO_AUTH_FIXED_LEN 13 /* type, ID-len, AU-len, nonce 8, confirmation 1 */

static decap_result decap_vxlan(tcpsift_cursor *c, uint16_t *ethertype, tunnel_ident *ident)
{
    const uint8_t *h;
    if (!cursor_peek(c, VXLAN_HEADER_LEN, &h)) return DECAP_TRUNCATED;
    if (!(h[0] & VXLAN_FLAG_VNI)) return DECAP_NONE;
    cursor_skip(c, VXLAN_HEADER_LEN);
    *ethertype = ETHERTYPE_TEB;
    /* RFC 7348 §5: flags(8) reserved(24) VNI(24) reserved(8). */
    ident->id = (uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6];
    ident->kind = TCPSIFT_ENCAP_VXLAN;
    return DECAP_INNER;
}

/* Teredo has no header of its own, only optional indicators before an IPv6 packet. The
 * port alone does not prove it (as tshark's heuristic): the payload must hold an IPv6 header
 * whose payload length fits, else the datagram stays plain UDP. */
static decap_result decap_teredo(const tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    const uint8_t *h;
    if (cursor_peek(&probe, 2, &h) && load_be16(h) == TEREDO_AUTH) {
        uint8_t id_len, au_len;
        if (!cursor_peek(&probe, 4, &h)) return DECAP_NONE;
        id_len = h[2];
        au_len = h[3];
        if (!cursor_skip(&probe, TEREDO_AUTH_FIXED_LEN + (size_t)id_len + au_len)) return DECAP_NONE;
    }
    if (cursor_peek(&probe, 2, &h) && load_be16(h) == TEREDO_ORIGIN &&
        !cursor_skip(&probe, TEREDO_ORIGIN_LEN))
        return DECAP_NONE;
    if (!cursor_peek(&probe, 40, &h) || h[0] >> 4 != 6) return DECAP_NONE;
    /* Against the declared UDP payload, so a snap length does not hide the tunnel. */
    size_t consumed = cursor_left(c) - cursor_left(&probe);
    if ((size_t)load_be16(h + 4) + 40 > pkt->payload_len - consumed) return DECAP_NONE;
    *c = probe;
    *ethertype = ETHERTYPE_IPV6;
    return DECAP_INNER;
}

decap_result decap_udp_tunnel(const tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype,
                              uint8_t *kind, tunnel_ident *ident)
{
    ident->id = 0;
    ident->kind = 0; /* Teredo names no tunnel: the inner IPv6 addresses embed the relay */
    if (pkt->sport == VXLAN_PORT || pkt->dport == VXLAN_PORT) {
        *kind = TCPSIFT_ENCAP_VXLAN;
        return decap_vxlan(c, ethertype, ident);
    }
    if (pkt->sport == TEREDO_PORT || pkt->dport == TEREDO_PORT) {
        *kind = TCPSIFT_ENCAP_TEREDO;
        return decap_teredo(pkt, c, ethertype);
    }
    return DECAP_NONE;
}

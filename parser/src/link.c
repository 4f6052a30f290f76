/* Link layers: Ethernet II with 802.1Q/802.1ad tags, Linux SLL and SLL2,
 * BSD NULL/LOOP, raw IP, PPP (plain, HDLC-framed, PPPoE) and Cisco HDLC. Each consumes its header and reports the ethertype
 * of the payload so decode.c can dispatch to IPv4 or IPv6. */
#include <string.h>

#include "decode_internal.h"

/* BSD address families as loopback captures write them. */
#define BSD_AF_INET 2
#define LINUX_AF_INET6 10
#define BSD_AF_INET6_BSD 24     /* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28 /* FreeBSD, DragonFly */
#define BSD_AF_INET6_DARWIN 30  /* macOS, iOS */

/* PPP protocol numbers (RFC 1661, IANA PPP DLL protocol numbers). */
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS_UNICAST 0x0281
#define PPP_MPLS_MULTICAST 0x0283
#define HDLC_ALL_STATIONS 0xFF  /* RFC 1662 §3.1 address */
#define HDLC_UI 0x03            /* RFC 1662 §3.1 control */
#define CISCO_HDLC_UNICAST 0x0F /* Cisco HDLC address bytes */
#define CISCO_HDLC_MULTICAST 0x8F

int note_encap(tcpsift_packet *pkt, uint8_t kind)
{
    if (pkt->encap_count == TCPSIFT_MAX_ENCAP) return 0;
    pkt->encap[pkt->encap_count++] = kind;
    return 1;
}

uint16_t ppp_protocol_ethertype(uint16_t protocol)
{
    switch (protocol) {
    case PPP_IPV4:
        return ETHERTYPE_IPV4;
    case PPP_IPV6:
        return ETHERTYPE_IPV6;
    case PPP_MPLS_UNICAST:
        return ETHERTYPE_MPLS_UNICAST;
    case PPP_MPLS_MULTICAST:
        return ETHERTYPE_MPLS_MULTICAST;
    default:
        return 0; /* LCP, IPCP, ...: clean, but not IP */
    }
}

/* The PPP protocol field (RFC 1661 §2): two bytes, or one odd byte when compressed (Protocol
 * Field Compression, §6.5; RFC 2516 §7 does not forbid it over PPPoE). 0 when cut short. */
static int ppp_protocol_field(tcpsift_cursor *c, uint16_t *protocol)
{
    uint8_t first, second;
    if (!cursor_u8(c, &first)) return 0;
    *protocol = first;
    if (!(first & 1)) {
        if (!cursor_u8(c, &second)) return 0;
        *protocol = (uint16_t)(first << 8 | second);
    }
    return 1;
}

/* PPP frame (RFC 1661 §2) optionally in HDLC-like framing (RFC 1662 §3.1): address 0xFF and
 * control 0x03 may be present. */
static tcpsift_error decode_ppp_frame(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    const uint8_t *h;
    tcpsift_cursor probe = *c;
    if (cursor_peek(&probe, 2, &h) && h[0] == HDLC_ALL_STATIONS && h[1] == HDLC_UI)
        cursor_skip(&probe, 2);
    uint16_t protocol;
    if (!ppp_protocol_field(&probe, &protocol)) return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    *c = probe;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    *ethertype = ppp_protocol_ethertype(protocol);
    return TCPSIFT_OK;
}

/* Cisco HDLC: address (0x0F unicast, 0x8F broadcast), control 0, then an ethertype. */
static tcpsift_error decode_cisco_hdlc(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    if (!cursor_skip(&probe, 2) || !cursor_be16(&probe, ethertype))
        return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    *c = probe;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    return TCPSIFT_OK;
}

/* LINKTYPE_PPP_HDLC carries PPP in HDLC framing or Cisco HDLC; the address byte tells which. */
static tcpsift_error decode_ppp_hdlc(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    const uint8_t *h;
    if (!cursor_peek(c, 1, &h)) return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    if (h[0] == CISCO_HDLC_UNICAST || h[0] == CISCO_HDLC_MULTICAST)
        return decode_cisco_hdlc(pkt, c, ethertype);
    return decode_ppp_frame(pkt, c, ethertype);
}

/* PPPoE session stage (RFC 2516 §4): version/type, code, session id, length,
 * then the PPP protocol field (RFC 1661) of the payload. */
static tcpsift_error decode_pppoe_session(tcpsift_packet *pkt, tcpsift_cursor *c,
                                          uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    uint16_t length, protocol;
    if (!cursor_skip(&probe, 4) || !cursor_be16(&probe, &length)) return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    /* LENGTH is the PPP payload's, protocol field included (RFC 2516 §4): the datagram inside
     * ends there (Linux pppoe_rcv() trims to it), and a session frame shorter than it on the
     * wire is dropped. */
    size_t payload_at = offset_in_frame(pkt, &probe);
    if (length > wire_bytes_after(pkt, payload_at)) return TCPSIFT_E_BAD_LINK_HEADER;
    if (!ppp_protocol_field(&probe, &protocol)) return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    if (offset_in_frame(pkt, &probe) - payload_at > length) return TCPSIFT_E_BAD_LINK_HEADER;
    pkt->wirelen = payload_at + length; /* decode_packet_general restores the frame's */
    *c = probe;
    note_encap(pkt, TCPSIFT_ENCAP_PPPOE);
    *ethertype = ppp_protocol_ethertype(protocol);
    return TCPSIFT_OK;
}

/* 802.1Q / 802.1ad tags, outermost first; bounded by TCPSIFT_MAX_VLAN_TAGS. */
static tcpsift_error decode_vlan_tags(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    while (*ethertype == ETHERTYPE_VLAN || *ethertype == ETHERTYPE_QINQ ||
           *ethertype == ETHERTYPE_QINQ_OLD) {
        uint16_t tci, inner;
        if (pkt->vlan_count == TCPSIFT_MAX_VLAN_TAGS) return TCPSIFT_E_VLAN_TOO_DEEP;
        tcpsift_cursor probe = *c;
        if (!cursor_be16(&probe, &tci) || !cursor_be16(&probe, &inner))
            return TCPSIFT_E_TRUNCATED_VLAN_HEADER;
        *c = probe;
        pkt->vlan_ids[pkt->vlan_count++] = (uint16_t)(tci & 0x0FFF);
        note_encap(pkt, TCPSIFT_ENCAP_VLAN);
        pkt->layers |= TCPSIFT_LAYER_VLAN;
        *ethertype = inner;
    }
    if (*ethertype == ETHERTYPE_PPPOE_SESSION) return decode_pppoe_session(pkt, c, ethertype);
    return TCPSIFT_OK;
}

static tcpsift_error decode_ethernet(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    if (!cursor_skip(&probe, 12) || !cursor_be16(&probe, ethertype))
        return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    *c = probe;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    return decode_vlan_tags(pkt, c, ethertype);
}

tcpsift_error decode_inner_ethernet(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    if (!cursor_skip(&probe, 12) || !cursor_be16(&probe, ethertype))
        return TCPSIFT_E_TRUNCATED_ENCAP_HEADER;
    *c = probe;
    return decode_vlan_tags(pkt, c, ethertype);
}

/* Linux cooked v1: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2). */
static tcpsift_error decode_sll(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    if (!cursor_skip(&probe, 14) || !cursor_be16(&probe, ethertype))
        return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    *c = probe;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    return decode_vlan_tags(pkt, c, ethertype);
}

/* Linux cooked v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) pkttype(1)
 * addr len(1) addr(8). */
static tcpsift_error decode_sll2(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    tcpsift_cursor probe = *c;
    if (!cursor_be16(&probe, ethertype) || !cursor_skip(&probe, 18))
        return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    *c = probe;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    return decode_vlan_tags(pkt, c, ethertype);
}

static tcpsift_error ethertype_of_family(uint32_t family, uint16_t *ethertype)
{
    switch (family) {
    case BSD_AF_INET:
        *ethertype = ETHERTYPE_IPV4;
        return TCPSIFT_OK;
    case LINUX_AF_INET6:
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        *ethertype = ETHERTYPE_IPV6;
        return TCPSIFT_OK;
    default:
        *ethertype = 0; /* another family: a clean frame that is not IP */
        return TCPSIFT_OK;
    }
}

/* NULL: the family is in the byte order of the machine that wrote the file,
 * which the file does not record. Families are small numbers, so a value
 * whose low 16 bits are zero in one reading must be the other order. */
static tcpsift_error decode_null(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    const uint8_t *af;
    if (!cursor_take(c, 4, &af)) return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    uint32_t little = (uint32_t)af[3] << 24 | (uint32_t)af[2] << 16 | (uint32_t)af[1] << 8 | af[0];
    uint32_t family = little > 0xFFFF ? load_be32(af) : little;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    return ethertype_of_family(family, ethertype);
}

static tcpsift_error decode_loop(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    uint32_t family;
    tcpsift_cursor probe = *c;
    if (!cursor_be32(&probe, &family)) return TCPSIFT_E_TRUNCATED_LINK_HEADER;
    *c = probe;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    return ethertype_of_family(family, ethertype);
}

/* Raw IP: the version nibble tells which IP follows. */
static tcpsift_error decode_raw(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    const uint8_t *first;
    if (!cursor_peek(c, 1, &first)) return TCPSIFT_E_TRUNCATED_IP_HEADER;
    pkt->layers |= TCPSIFT_LAYER_LINK;
    switch (first[0] >> 4) {
    case 4:
        *ethertype = ETHERTYPE_IPV4;
        return TCPSIFT_OK;
    case 6:
        *ethertype = ETHERTYPE_IPV6;
        return TCPSIFT_OK;
    default:
        return TCPSIFT_E_BAD_IP_VERSION;
    }
}

tcpsift_error decode_link(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype)
{
    *ethertype = 0;
    switch (pkt->linktype) {
    case TCPSIFT_LINK_ETHERNET:
        return decode_ethernet(pkt, c, ethertype);
    case TCPSIFT_LINK_LINUX_SLL:
        return decode_sll(pkt, c, ethertype);
    case TCPSIFT_LINK_LINUX_SLL2:
        return decode_sll2(pkt, c, ethertype);
    case TCPSIFT_LINK_NULL:
        return decode_null(pkt, c, ethertype);
    case TCPSIFT_LINK_LOOP:
        return decode_loop(pkt, c, ethertype);
    case TCPSIFT_LINK_PPP:
        return decode_ppp_frame(pkt, c, ethertype);
    case TCPSIFT_LINK_PPP_HDLC:
        return decode_ppp_hdlc(pkt, c, ethertype);
    case TCPSIFT_LINK_C_HDLC:
        return decode_cisco_hdlc(pkt, c, ethertype);
    case TCPSIFT_LINK_PPP_ETHER:
        pkt->layers |= TCPSIFT_LAYER_LINK;
        return decode_pppoe_session(pkt, c, ethertype);
    case TCPSIFT_LINK_RAW:
    case TCPSIFT_LINK_RAW_DLT12:
    case TCPSIFT_LINK_RAW_DLT14:
        return decode_raw(pkt, c, ethertype);
    case TCPSIFT_LINK_IPV4:
        pkt->layers |= TCPSIFT_LAYER_LINK;
        *ethertype = ETHERTYPE_IPV4;
        return TCPSIFT_OK;
    case TCPSIFT_LINK_IPV6:
        pkt->layers |= TCPSIFT_LAYER_LINK;
        *ethertype = ETHERTYPE_IPV6;
        return TCPSIFT_OK;
    default:
        return TCPSIFT_E_UNSUPPORTED_LINK_TYPE;
    }
}

const char *tcpsift_encap_name(int kind)
{
    switch ((enum tcpsift_encap_kind)kind) {
    case TCPSIFT_ENCAP_VLAN:
        return "vlan";
    case TCPSIFT_ENCAP_MPLS:
        return "mpls";
    case TCPSIFT_ENCAP_PPPOE:
        return "pppoe";
    case TCPSIFT_ENCAP_IPIP:
        return "ipip";
    case TCPSIFT_ENCAP_GRE:
        return "gre";
    case TCPSIFT_ENCAP_VXLAN:
        return "vxlan";
    case TCPSIFT_ENCAP_TEREDO:
        return "teredo";
    }
    return "unknown";
}

int tcpsift_linktype_supported(int linktype)
{
    return strcmp(tcpsift_linktype_name(linktype), "unknown") != 0;
}

const char *tcpsift_linktype_name(int linktype)
{
    switch (linktype) {
    case TCPSIFT_LINK_NULL:
        return "null";
    case TCPSIFT_LINK_ETHERNET:
        return "ethernet";
    case TCPSIFT_LINK_RAW:
    case TCPSIFT_LINK_RAW_DLT12:
    case TCPSIFT_LINK_RAW_DLT14:
        return "raw";
    case TCPSIFT_LINK_LOOP:
        return "loop";
    case TCPSIFT_LINK_PPP:
        return "ppp";
    case TCPSIFT_LINK_PPP_HDLC:
        return "ppp_hdlc";
    case TCPSIFT_LINK_C_HDLC:
        return "c_hdlc";
    case TCPSIFT_LINK_PPP_ETHER:
        return "ppp_ether";
    case TCPSIFT_LINK_LINUX_SLL:
        return "linux_sll";
    case TCPSIFT_LINK_IPV4:
        return "ipv4";
    case TCPSIFT_LINK_IPV6:
        return "ipv6";
    case TCPSIFT_LINK_LINUX_SLL2:
        return "linux_sll2";
    default:
        return "unknown";
    }
}

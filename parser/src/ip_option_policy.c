/* Datagrams a host discards for their IP options or IPv6 extension headers, or for a length
 * past what the frame carried on the wire. An observer that
 * takes their segments takes bytes the receiver never reads (insertion, Ptacek & Newsham 1998;
 * RFC 4942 §2.1.9.5 for IPv6 padding). The judgement follows the RFCs and, where they leave it
 * to the host, the defaults of Linux (FreeBSD and Windows agree on source routes):
 *   IPv4: a malformed option (a length under 2 or past the header), a loose or strict
 *         source route (hosts refuse source-routed datagrams by default: Linux
 *         accept_source_route 0, FreeBSD net.inet.ip.accept_sourceroute 0), and what Linux's
 *         ip_options_compile() refuses: a second Record Route or Timestamp option, a Record
 *         Route or Timestamp whose length or pointer is impossible, a full Timestamp whose
 *         overflow count is 15, a Router Alert under 4 bytes; and any CIPSO option (Linux
 *         built with NetLabel, as distributions are, drops it while no DOI is configured,
 *         the default: cipso_v4_validate()).
 *   IPv6: a Hop-by-Hop header anywhere but first (RFC 8200 §4.1); in a Hop-by-Hop or
 *         Destination Options header, an option running past the header, an option the host
 *         does not know whose two high bits say discard (RFC 8200 §4.2; known: Pad1, PadN,
 *         Jumbo Payload in Hop-by-Hop, Home Address in Destination Options), PadN bytes other
 *         than zero or more than 7 bytes of padding in a row (RFC 4942; Linux ip6_parse_tlv),
 *         or more than 8 other options (Linux max_hbh_opts_number / max_dst_opts_number); a
 *         Jumbo Payload option Linux refuses (ipv6_hop_jumbo(): not 4 bytes or not at 4n+2,
 *         a length up to 65535 or past the frame, or a nonzero payload length, RFC 2675 §3);
 *         a segment routing (type 4, RFC 8754) or RPL (type 3, RFC 6554) routing header,
 *         which Linux drops while seg6_enabled / rpl_seg_enabled is 0, the default.
 * Only the datagram's own bytes are read, through a bounded cursor over its IP header. */
#include "decode_internal.h"
#include "policy_names.h"
#include "tracker_internal.h"

#define IPV4_OPT_RR 7
#define IPV4_OPT_TIMESTAMP 68
#define IPV4_OPT_CIPSO 134
#define IPV4_OPT_ROUTER_ALERT 148
#define IPV4_TS_TSANDADDR 1 /* timestamp flags (RFC 791): address and time pairs */
#define IPV4_TS_PRESPEC 3   /* prespecified addresses */
#define IP6_ROUTING_RPL 3
#define IP6_ROUTING_SRH 4
#define IP6_JUMBO_MIN 65536u
#define IP6_OPT_PAD1 0
#define IP6_OPT_PADN 1
#define IP6_OPT_JUMBO 0xC2
#define IP6_OPT_HOME_ADDRESS 0xC9
#define IP6_OPTS_MAX 8  /* Linux's default max_hbh_opts_number and max_dst_opts_number */
#define IP6_PADDING_MAX 7 /* padding exists to align to 8 bytes (RFC 4942 §2.1.9.5) */

static const char *const ip_option_policy_names[] = {
    [TCPSIFT_IP_OPTIONS_HOST] = "host", [TCPSIFT_IP_OPTIONS_ACCEPT] = "accept"};

const char *tcpsift_ip_option_policy_name(tcpsift_ip_option_policy p)
{
    return policy_name_at(POLICY_NAMES(ip_option_policy_names), (unsigned)p);
}

tcpsift_error tcpsift_ip_option_policy_parse(const char *name, tcpsift_ip_option_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(ip_option_policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_ip_option_policy)v;
    return TCPSIFT_OK;
}

/* A Timestamp option Linux's ip_options_compile() refuses (len >= 4, pointer >= 5 checked). */
static int ipv4_timestamp_refused(const uint8_t *opt, size_t len)
{
    unsigned ptr = opt[2], flags = opt[3] & 0xF;
    if (ptr <= len) /* room left: the next entry must fit */
        return ptr + 3 > len ||
               ((flags == IPV4_TS_TSANDADDR || flags == IPV4_TS_PRESPEC) && ptr + 7 > len);
    return flags != IPV4_TS_PRESPEC && (opt[3] >> 4) == 15; /* full, overflow count full */
}

static int ipv4_options_discarded(tcpsift_cursor opts)
{
    const uint8_t *opt;
    size_t len;
    int r, record_routes = 0, timestamps = 0;
    while ((r = ipv4_option_next(&opts, &opt, &len)) > 0) {
        switch (opt[0]) {
        case IPV4_OPT_LSRR:
        case IPV4_OPT_SSRR:
        case IPV4_OPT_CIPSO:
            return 1;
        case IPV4_OPT_RR:
            if (record_routes++ || len < 3 || opt[2] < 4) return 1;
            if (opt[2] <= len && opt[2] + 3u > len) return 1; /* room left, but not for one */
            break;
        case IPV4_OPT_TIMESTAMP:
            if (timestamps++ || len < 4 || opt[2] < 5 || ipv4_timestamp_refused(opt, len)) return 1;
            break;
        case IPV4_OPT_ROUTER_ALERT:
            if (len < 4) return 1;
            break;
        default:
            break;
        }
    }
    return r < 0; /* malformed */
}

/* A Jumbo Payload option (type byte at `at` from the IPv6 header, its data `data`) Linux's
 * ipv6_hop_jumbo() refuses. */
static int ipv6_jumbo_refused(const tcpsift_packet *pkt, size_t at, const uint8_t *data, uint8_t len)
{
    if (len != 4 || (at & 3) != 2) return 1;
    uint32_t jumbo = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    const uint8_t *h = pkt->ip_header.ptr;
    if (jumbo < IP6_JUMBO_MIN || (h[4] | h[5]) != 0) return 1;
    size_t after_fixed = pkt->wirelen > pkt->l3_offset + 40 ? pkt->wirelen - pkt->l3_offset - 40 : 0;
    return jumbo > after_fixed;
}

/* The options of one Hop-by-Hop (hop_by_hop 1) or Destination Options header, after its two
 * fixed bytes. */
static int ipv6_options_discarded(const tcpsift_packet *pkt, tcpsift_cursor opts, int hop_by_hop)
{
    unsigned padding = 0, options = 0;
    uint8_t type, len;
    while (cursor_u8(&opts, &type)) {
        if (type == IP6_OPT_PAD1) {
            if (++padding > IP6_PADDING_MAX) return 1;
            continue;
        }
        const uint8_t *data;
        if (!cursor_u8(&opts, &len) || !cursor_take(&opts, len, &data)) return 1; /* malformed */
        if (type == IP6_OPT_PADN) {
            padding += 2u + len;
            if (padding > IP6_PADDING_MAX) return 1;
            for (size_t i = 0; i < len; i++)
                if (data[i] != 0) return 1;
            continue;
        }
        padding = 0;
        if (++options > IP6_OPTS_MAX) return 1;
        if (hop_by_hop && type == IP6_OPT_JUMBO &&
            ipv6_jumbo_refused(pkt, (size_t)(data - 2 - pkt->ip_header.ptr), data, len))
            return 1;
        int known = hop_by_hop ? type == IP6_OPT_JUMBO : type == IP6_OPT_HOME_ADDRESS;
        if ((type >> 6) != 0 && !known) return 1; /* unknown, and its action is to discard */
    }
    return 0;
}

/* The extension headers the decoder listed; with `before_fragment`, only those before a
 * fragment header (a fragment's own: the rest are the datagram's, read after reassembly). */
static int ipv6_headers_discarded(const tcpsift_packet *pkt, int before_fragment)
{
    tcpsift_cursor c = cursor_make(pkt->ip_header.ptr, pkt->ip_header.len);
    if (!cursor_skip(&c, 40)) return 0;
    for (size_t i = 0; i < pkt->ipv6_ext_count; i++) {
        uint8_t type = pkt->ipv6_ext_types[i];
        if (before_fragment && type == IP6_FRAGMENT) return 0;
        const uint8_t *eh;
        if (!cursor_peek(&c, 2, &eh)) return 0; /* the decoder took it whole: not reached */
        tcpsift_cursor header;
        if (!cursor_child(&c, ipv6_ext_header_len(type, eh), &header)) return 0;
        if (type == IP6_HOP_BY_HOP && i != 0) return 1;
        if (type == IP6_HOP_BY_HOP || type == IP6_DEST_OPTS) {
            cursor_skip(&header, 2);
            if (ipv6_options_discarded(pkt, header, type == IP6_HOP_BY_HOP)) return 1;
        }
        if (type == IP6_ROUTING) {
            const uint8_t *rh; /* the routing type is its third byte */
            if (cursor_peek(&header, 3, &rh) && (rh[2] == IP6_ROUTING_SRH || rh[2] == IP6_ROUTING_RPL))
                return 1;
        }
    }
    return 0;
}

int ip_layer_discard(const tcpsift_packet *pkt)
{
    /* The decoder's first error: a length past the wire is the datagram's own (a snap length
     * cuts the capture, not the wire length these compare with). */
    if (pkt->error == TCPSIFT_E_BAD_IP_TOTAL_LENGTH || pkt->error == TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH)
        return SEGMENT_IP_LENGTH;
    return ip_options_discarded(pkt) ? SEGMENT_IP_OPTIONS : SEGMENT_READ;
}

int ip_options_discarded(const tcpsift_packet *pkt)
{
    if (pkt->ip_version == 4) {
        if (pkt->ip_header.len <= 20) return 0;
        return ipv4_options_discarded(cursor_make(pkt->ip_header.ptr + 20, pkt->ip_header.len - 20));
    }
    return pkt->ip_version == 6 && ipv6_headers_discarded(pkt, 0);
}

int ip_fragment_options_discarded(const tcpsift_packet *pkt)
{
    if (pkt->ip_version == 4) return ip_options_discarded(pkt);
    return pkt->ip_version == 6 && ipv6_headers_discarded(pkt, 1);
}

/* Datagrams a host discards for their IP options or IPv6 extension headers, or for a length
 * past what the frame carried on the wire. An observer that
 * takes their segments takes bytes the receiver never reads (insertion, Ptacek & Newsham 1998;
 * RFC 4942 §2.1.9.5 for IPv6 padding). The judgement follows the RFCs and, where they leave it
 * to the host, the defaults of Linux (FreeBSD and Windows agree on source routes):
 *   IPv4: a malformed option (a length under 2 or past the header), or a loose or strict
 *         source route (hosts refuse source-routed datagrams by default: Linux
 *         accept_source_route 0, FreeBSD net.inet.ip.accept_sourceroute 0).
 *   IPv6: a Hop-by-Hop header anywhere but first (RFC 8200 §4.1); in a Hop-by-Hop or
 *         Destination Options header, an option running past the header, an option the host
 *         does not know whose two high bits say discard (RFC 8200 §4.2; known: Pad1, PadN,
 *         Jumbo Payload in Hop-by-Hop, Home Address in Destination Options), PadN bytes other
 *         than zero or more than 7 bytes of padding in a row (RFC 4942; Linux ip6_parse_tlv),
 *         or more than 8 other options (Linux max_hbh_opts_number / max_dst_opts_number).
 * Only the datagram's own bytes are read, through a bounded cursor over its IP header. */
#include <string.h>

#include "decode_internal.h"
#include "tracker_internal.h"

#define IP6_OPT_PAD1 0
#define IP6_OPT_PADN 1
#define IP6_OPT_JUMBO 0xC2
#define IP6_OPT_HOME_ADDRESS 0xC9
#define IP6_OPTS_MAX 8  /* Linux's default max_hbh_opts_number and max_dst_opts_number */
#define IP6_PADDING_MAX 7 /* padding exists to align to 8 bytes (RFC 4942 §2.1.9.5) */

const char *tcpsift_ip_option_policy_name(tcpsift_ip_option_policy p)
{
    switch (p) {
    case TCPSIFT_IP_OPTIONS_HOST:
        return "host";
    case TCPSIFT_IP_OPTIONS_ACCEPT:
        return "accept";
    }
    return "unknown";
}

tcpsift_error tcpsift_ip_option_policy_parse(const char *name, tcpsift_ip_option_policy *out)
{
    static const tcpsift_ip_option_policy all[] = {TCPSIFT_IP_OPTIONS_HOST,
                                                   TCPSIFT_IP_OPTIONS_ACCEPT};
    for (size_t i = 0; name && out && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, tcpsift_ip_option_policy_name(all[i])) == 0) {
            *out = all[i];
            return TCPSIFT_OK;
        }
    return TCPSIFT_E_INVALID_ARGUMENT;
}

static int ipv4_options_discarded(tcpsift_cursor opts)
{
    const uint8_t *opt;
    size_t len;
    int r;
    while ((r = ipv4_option_next(&opts, &opt, &len)) > 0)
        if (opt[0] == IPV4_OPT_LSRR || opt[0] == IPV4_OPT_SSRR) return 1;
    return r < 0; /* malformed */
}

/* The options of one Hop-by-Hop (hop_by_hop 1) or Destination Options header, after its two
 * fixed bytes. */
static int ipv6_options_discarded(tcpsift_cursor opts, int hop_by_hop)
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
        int known = hop_by_hop ? type == IP6_OPT_JUMBO : type == IP6_OPT_HOME_ADDRESS;
        if ((type >> 6) != 0 && !known) return 1; /* unknown, and its action is to discard */
    }
    return 0;
}

static int ipv6_headers_discarded(const tcpsift_packet *pkt)
{
    tcpsift_cursor c = cursor_make(pkt->ip_header.ptr, pkt->ip_header.len);
    if (!cursor_skip(&c, 40)) return 0;
    for (size_t i = 0; i < pkt->ipv6_ext_count; i++) {
        uint8_t type = pkt->ipv6_ext_types[i];
        const uint8_t *eh;
        if (!cursor_peek(&c, 2, &eh)) return 0; /* the decoder took it whole: not reached */
        tcpsift_cursor header;
        if (!cursor_child(&c, ipv6_ext_header_len(type, eh), &header)) return 0;
        if (type == IP6_HOP_BY_HOP && i != 0) return 1;
        if (type == IP6_HOP_BY_HOP || type == IP6_DEST_OPTS) {
            cursor_skip(&header, 2);
            if (ipv6_options_discarded(header, type == IP6_HOP_BY_HOP)) return 1;
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
    return pkt->ip_version == 6 && ipv6_headers_discarded(pkt);
}

/* TCP segments in frames sent to a link-layer group address: an Ethernet destination with the
 * group bit set (broadcast ff:ff:ff:ff:ff:ff, IPv4 multicast 01:00:5e:..., IPv6 multicast
 * 33:33:..., any other multicast MAC). Linux takes TCP only from frames addressed to the host
 * itself (tcp_v4_rcv / tcp_v6_rcv: pkt_type PACKET_HOST), so a segment forged with such a
 * destination reaches every host on the segment, and the observer's span port, but no TCP
 * endpoint reads it: an insertion from anyone on the capture's link. Such segments are counted
 * (policy FLAG, the default) or also ignored (DROP). Not ignored by default: Microsoft NLB's
 * multicast modes address a cluster's unicast IP with a group MAC, and its Windows hosts take
 * those segments; and captures made by test tools often carry arbitrary MACs (several
 * Suricata test captures under ../shared). Only Ethernet frames are judged (cooked captures
 * carry the host's own packet type; raw IP has no link layer). */
#include "policy_names.h"
#include "tracker_internal.h"

enum { LINKTYPE_ETHERNET = 1, ETHERNET_HEADER_LEN = 14 };

static const char *const link_multicast_policy_names[] = {
    [TCPSIFT_LINK_MULTICAST_FLAG] = "flag", [TCPSIFT_LINK_MULTICAST_DROP] = "drop"};

const char *tcpsift_link_multicast_policy_name(tcpsift_link_multicast_policy p)
{
    return policy_name_at(POLICY_NAMES(link_multicast_policy_names), (unsigned)p);
}

tcpsift_error tcpsift_link_multicast_policy_parse(const char *name,
                                                  tcpsift_link_multicast_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(link_multicast_policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_link_multicast_policy)v;
    return TCPSIFT_OK;
}

int link_multicast_destination(const tcpsift_packet *pkt)
{
    /* The group bit is the least significant bit of the destination's first byte (IEEE 802). */
    return pkt->linktype == LINKTYPE_ETHERNET && pkt->frame && pkt->caplen >= ETHERNET_HEADER_LEN &&
           (pkt->frame[0] & 1);
}

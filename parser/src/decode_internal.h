/* Private interfaces between the decoder's layers. Never installed.
 *
 * Each layer decoder receives a cursor positioned at its header and bounded
 * by what the capture holds, fills its part of the packet, and returns an
 * error code (TCPSIFT_OK when clean). Layers that decoded cleanly keep their
 * fields even when a later layer fails. */
#ifndef TCPSIFT_DECODE_INTERNAL_H
#define TCPSIFT_DECODE_INTERNAL_H

#include "cursor.h"
#include "tcpsift/decode.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_PPPOE_SESSION 0x8864

#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17

/* Link layer: consume the link header (and VLAN tags) and report the
 * ethertype of what follows. Raw-IP link types report the ethertype that
 * matches the IP version nibble. */
tcpsift_error decode_link(tcpsift_packet *pkt, tcpsift_cursor *c, uint16_t *ethertype);

/* IP: on success, *l4 is bounded by both the IP length and the capture. */
tcpsift_error decode_ipv4(tcpsift_packet *pkt, tcpsift_cursor *c, tcpsift_cursor *l4);
tcpsift_error decode_ipv6(tcpsift_packet *pkt, tcpsift_cursor *c, tcpsift_cursor *l4);

/* Transport: `l4` holds the captured transport bytes; pkt->l4_length the declared ones. */
tcpsift_error decode_tcp(tcpsift_packet *pkt, tcpsift_cursor *l4);
tcpsift_error decode_udp(tcpsift_packet *pkt, tcpsift_cursor *l4);

/* Bytes of the frame the wire had beyond `offset` (0 when offset is past it). */
static inline size_t wire_bytes_after(const tcpsift_packet *pkt, size_t offset)
{
    return pkt->wirelen > offset ? pkt->wirelen - offset : 0;
}

static inline size_t offset_in_frame(const tcpsift_packet *pkt, const tcpsift_cursor *c)
{
    return (size_t)(c->ptr - pkt->frame);
}

#endif

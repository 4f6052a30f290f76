/* The canonical 5-tuple (plus optional VLAN id and tunnel id) that names a flow.
 *
 * Both directions of a connection map to one key: the two (address, port)
 * endpoints are stored in a fixed order (the smaller first, comparing the
 * 16 address bytes and then the port), and tcpsift_flow_key_make() says which
 * way the packet went relative to that order. Keys are plain bytes without
 * padding, so two keys are equal exactly when their bytes are equal. */
#ifndef TCPSIFT_FLOW_KEY_H
#define TCPSIFT_FLOW_KEY_H

#include <stdint.h>

#include "tcpsift/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCPSIFT_VLAN_ID_MASK 0x0fffu /* 802.1Q VID is 12 bits */

typedef struct tcpsift_flow_key {
    /* Endpoint "a" sorts before (or equals) endpoint "b". IPv4 addresses fill
     * the first 4 bytes, the other 12 are zero. Ports in host byte order. */
    uint8_t a_addr[16];
    uint8_t b_addr[16];
    uint16_t a_port;
    uint16_t b_port;
    uint16_t vlan;      /* 12-bit VLAN id; 0 = none (the table zeroes it unless key_vlan) */
    uint8_t ip_version; /* 4 or 6 */
    uint8_t proto;      /* IP protocol number: 6 TCP, 17 UDP, ... */
    /* The tunnel the flow travelled in (tcpsift_packet tunnel_id / tunnel_id_kind): an MPLS
     * label, GRE key or VXLAN VNI, with the kind so that GRE key 7 and VNI 7 differ. Both 0
     * = none; the table zeroes them unless key_tunnel. */
    uint32_t tunnel;
    uint8_t tunnel_kind; /* enum tcpsift_encap_kind, 0 = none */
    uint8_t spare[3];    /* always zero: keeps the key free of padding */
} tcpsift_flow_key;

/* Builds the canonical key of a packet from `src`:`sport` to `dst`:`dport`.
 * `src` and `dst` point to 4 bytes (ip_version 4) or 16 bytes (ip_version 6)
 * in network order. `*reversed` (may be NULL) is set to 0 when the packet
 * went from endpoint a to endpoint b, 1 when it went from b to a; a packet
 * whose two endpoints are equal counts as a->b.
 * The tunnel fields are left 0 (see tcpsift_flow_key_set_tunnel).
 * Returns TCPSIFT_E_INVALID_ARGUMENT (key zeroed) for a NULL pointer or an
 * ip_version other than 4 or 6. */
tcpsift_error tcpsift_flow_key_make(tcpsift_flow_key *key, uint8_t ip_version, const uint8_t *src,
                                    const uint8_t *dst, uint16_t sport, uint16_t dport,
                                    uint8_t proto, uint16_t vlan, int *reversed);

/* Puts a made key in tunnel `id` of kind `kind` (enum tcpsift_encap_kind, as in
 * tcpsift_packet tunnel_id / tunnel_id_kind; kind 0 = no tunnel, which forces id 0). The
 * direction reported by tcpsift_flow_key_make is unchanged. A NULL key is ignored. */
void tcpsift_flow_key_set_tunnel(tcpsift_flow_key *key, uint8_t kind, uint32_t id);

/* 1 when both keys name the same flow, else 0. */
int tcpsift_flow_key_equal(const tcpsift_flow_key *x, const tcpsift_flow_key *y);

#ifdef __cplusplus
}
#endif
#endif

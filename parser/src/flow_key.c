/* Canonical flow keys: one key for both directions of a flow. */
#include "tcpsift/flow_key.h"

#include <string.h>

/* The key is compared and hashed as bytes: a padding byte would make two
 * equal tuples differ. */
_Static_assert(sizeof(tcpsift_flow_key) == 48, "tcpsift_flow_key must have no padding");

/* Orders endpoints by address bytes, then port: any total order works as
 * long as both directions of a flow agree on it. */
static int endpoint_compare(const uint8_t x_addr[16], uint16_t x_port, const uint8_t y_addr[16],
                            uint16_t y_port)
{
    int c = memcmp(x_addr, y_addr, 16);
    if (c != 0) return c;
    if (x_port != y_port) return x_port < y_port ? -1 : 1;
    return 0;
}

tcpsift_error tcpsift_flow_key_make(tcpsift_flow_key *key, uint8_t ip_version, const uint8_t *src,
                                    const uint8_t *dst, uint16_t sport, uint16_t dport,
                                    uint8_t proto, uint16_t vlan, int *reversed)
{
    uint8_t s[16] = {0}, d[16] = {0};
    size_t addr_len;

    if (reversed) *reversed = 0;
    if (!key) return TCPSIFT_E_INVALID_ARGUMENT;
    memset(key, 0, sizeof *key);
    if (!src || !dst) return TCPSIFT_E_INVALID_ARGUMENT;
    if (ip_version == 4)
        addr_len = 4;
    else if (ip_version == 6)
        addr_len = 16;
    else
        return TCPSIFT_E_INVALID_ARGUMENT;
    memcpy(s, src, addr_len);
    memcpy(d, dst, addr_len);

    key->ip_version = ip_version;
    key->proto = proto;
    key->vlan = (uint16_t)(vlan & TCPSIFT_VLAN_ID_MASK);
    if (endpoint_compare(s, sport, d, dport) <= 0) {
        memcpy(key->a_addr, s, 16);
        memcpy(key->b_addr, d, 16);
        key->a_port = sport;
        key->b_port = dport;
    } else {
        memcpy(key->a_addr, d, 16);
        memcpy(key->b_addr, s, 16);
        key->a_port = dport;
        key->b_port = sport;
        if (reversed) *reversed = 1;
    }
    return TCPSIFT_OK;
}

void tcpsift_flow_key_set_tunnel(tcpsift_flow_key *key, uint8_t kind, uint32_t id)
{
    if (!key) return;
    key->tunnel_kind = kind;
    key->tunnel = kind != 0 ? id : 0;
}

int tcpsift_flow_key_equal(const tcpsift_flow_key *x, const tcpsift_flow_key *y)
{
    return memcmp(x, y, sizeof *x) == 0;
}

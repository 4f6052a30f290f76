/* Canonical flow keys: one key for both directions of a flow. */
#include "tcpsift/flow_key.h"

#include <string.h>

/* The key is compared and hashed as bytes: a padding byte would make two
 * equal tuples differ. */
_Static_assert(sizeof(tcpsift_flow_key) == 48, "tcpsift_flow_key must have no padding");

/* Endpoints are ordered by address bytes (as memcmp over the 16 zero-padded
 * bytes would), then port: any total order works as long as both
 * directions of a flow agree on it. */
static int endpoint_after(const uint8_t *x_addr, uint16_t x_port, const uint8_t *y_addr,
                          uint16_t y_port, size_t addr_len)
{
    if (addr_len == 4) {
        /* Big-endian value order is byte order: one compare instead of memcmp. */
        uint32_t x = (uint32_t)x_addr[0] << 24 | (uint32_t)x_addr[1] << 16 |
                     (uint32_t)x_addr[2] << 8 | x_addr[3];
        uint32_t y = (uint32_t)y_addr[0] << 24 | (uint32_t)y_addr[1] << 16 |
                     (uint32_t)y_addr[2] << 8 | y_addr[3];
        if (x != y) return x > y;
    } else {
        int c = memcmp(x_addr, y_addr, addr_len);
        if (c != 0) return c > 0;
    }
    return x_port > y_port;
}

tcpsift_error tcpsift_flow_key_make(tcpsift_flow_key *key, uint8_t ip_version, const uint8_t *src,
                                    const uint8_t *dst, uint16_t sport, uint16_t dport,
                                    uint8_t proto, uint16_t vlan, int *reversed)
{
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

    key->ip_version = ip_version;
    key->proto = proto;
    key->vlan = (uint16_t)(vlan & TCPSIFT_VLAN_ID_MASK);
    int after = endpoint_after(src, sport, dst, dport, addr_len);
    const uint8_t *a = after ? dst : src, *b = after ? src : dst;
    /* Fixed-size copies (no memcpy call with a variable length per packet). */
    if (addr_len == 4) {
        memcpy(key->a_addr, a, 4);
        memcpy(key->b_addr, b, 4);
    } else {
        memcpy(key->a_addr, a, 16);
        memcpy(key->b_addr, b, 16);
    }
    key->a_port = after ? dport : sport;
    key->b_port = after ? sport : dport;
    if (after && reversed) *reversed = 1;
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
    if (!x || !y) return x == y;
    return memcmp(x, y, sizeof *x) == 0;
}

/* tcpsift_flow_table_probe_ipv4() (the tracker's per-packet key, issue 9) against the two-step
 * path it replaces: tcpsift_flow_key_make() + tcpsift_flow_key_set_tunnel() +
 * tcpsift_flow_table_probe_in_place(). The node form (and the full key of a flow in a keyed
 * tunnel), the hash and the direction must be equal
 * for every table configuration (VLAN and tunnel keyed or not), on pseudo-random tuples and on
 * the tie cases of the endpoint order (equal addresses, addresses differing in one byte, equal
 * ports); and a flow inserted under the public key is found through the new probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flow_table_internal.h"
#include "tcpsift/decode.h"
#include "tcpsift/flow_key.h"
#include "tcpsift/flow_table.h"

static tcpsift_flow_table *table(int key_vlan, int key_tunnel)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = 64;
    cfg.value_size = 8;
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x5a ^ (i * 29));
    cfg.key_vlan = key_vlan;
    cfg.key_tunnel = key_tunnel;
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

struct tuple {
    uint8_t src[4], dst[4];
    uint16_t sport, dport, vlan;
    uint8_t proto, tunnel_kind;
    uint32_t tunnel;
};

/* Both ways; returns the probe for further use. */
static void assert_same_probe(const tcpsift_flow_table *t, int key_vlan, int key_tunnel,
                              const struct tuple *u, tcpsift_flow_probe *out)
{
    tcpsift_flow_probe old, now;
    int old_rev = -1, now_rev = -1;
    memset(&old, 0xa5, sizeof old); /* the old path must write every byte, as the new one does */
    memset(&now, 0x5a, sizeof now);
    assert_int_equal(tcpsift_flow_key_make(&old.key, 4, u->src, u->dst, u->sport, u->dport,
                                           u->proto, key_vlan ? u->vlan : 0, &old_rev),
                     TCPSIFT_OK);
    if (key_tunnel) tcpsift_flow_key_set_tunnel(&old.key, u->tunnel_kind, u->tunnel);
    tcpsift_flow_table_probe_in_place(t, &old);
    tcpsift_packet pkt;
    memset(&pkt, 0, sizeof pkt);
    pkt.ip_version = 4;
    pkt.addr_len = 4;
    pkt.src = u->src;
    pkt.dst = u->dst;
    pkt.sport = u->sport;
    pkt.dport = u->dport;
    pkt.tunnel_id_kind = u->tunnel_kind;
    pkt.tunnel_id = u->tunnel;
    now_rev = tcpsift_flow_table_probe_ipv4(t, &pkt, u->proto, u->vlan, &now);
    /* The node form (the whole key of a compact flow, see flow_ckey) and the hash; the full
     * key too when the flow has one (in a keyed tunnel), the only case the probe writes it. */
    assert_memory_equal(&now.ck, &old.ck, sizeof old.ck);
    assert_true(now.hash == old.hash);
    int full = key_tunnel && u->tunnel_kind != 0;
    assert_int_equal(ckey_is_full(&now.ck), full);
    if (full) assert_memory_equal(&now.key, &old.key, sizeof old.key);
    /* Either way the node form stands for the two-step key exactly. */
    tcpsift_flow_key back;
    memset(&back, 0x33, sizeof back);
    ckey_expand(full ? &(flow_ckey){(uint64_t)(uintptr_t)&old.key, now.ck.w1} : &now.ck, &back);
    assert_memory_equal(&back, &old.key, sizeof old.key);
    assert_int_equal(now_rev, old_rev);
    if (out) *out = now;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void test_probe_ipv4_equals_two_step(void **state)
{
    (void)state;
    for (int cfgi = 0; cfgi < 4; cfgi++) {
        int key_vlan = cfgi & 1, key_tunnel = (cfgi >> 1) & 1;
        tcpsift_flow_table *t = table(key_vlan, key_tunnel);
        for (int i = 0; i < 20000; i++) {
            struct tuple u;
            uint32_t r = rnd();
            for (int b = 0; b < 4; b++) {
                u.src[b] = (uint8_t)rnd();
                u.dst[b] = (uint8_t)rnd();
            }
            /* Ties of the order: same address; addresses one byte apart (first or last). */
            if ((r & 7) == 0) memcpy(u.dst, u.src, 4);
            if ((r & 7) == 1) {
                memcpy(u.dst, u.src, 4);
                u.dst[(r >> 3) & 1 ? 0 : 3] ^= (uint8_t)(1u << ((r >> 4) & 7));
            }
            u.sport = (uint16_t)rnd();
            u.dport = (r & 0x300) == 0 ? u.sport : (uint16_t)rnd();
            u.proto = (r & 0x400) ? 6 : 17;
            u.vlan = (r & 0x800) ? (uint16_t)rnd() : 0; /* bits above the 12-bit id too */
            u.tunnel_kind = (uint8_t)((r >> 12) & 3);
            u.tunnel = rnd();
            assert_same_probe(t, key_vlan, key_tunnel, &u, NULL);
        }
        tcpsift_flow_table_destroy(t);
    }
}

static void test_probe_ipv4_finds_inserted_flow(void **state)
{
    (void)state;
    for (int cfgi = 0; cfgi < 4; cfgi++) {
        int key_vlan = cfgi & 1, key_tunnel = (cfgi >> 1) & 1;
        tcpsift_flow_table *t = table(key_vlan, key_tunnel);
        struct tuple u = {{192, 0, 2, 10}, {198, 51, 100, 20}, 40001, 7000, 0x1064, 6, 2, 77};
        tcpsift_flow_key k;
        assert_int_equal(tcpsift_flow_key_make(&k, 4, u.src, u.dst, u.sport, u.dport, u.proto,
                                               u.vlan, NULL),
                         TCPSIFT_OK);
        tcpsift_flow_key_set_tunnel(&k, u.tunnel_kind, u.tunnel);
        tcpsift_flow_entry *e = NULL;
        assert_int_equal(tcpsift_flow_table_insert(t, &k, 1, TCPSIFT_FLOW_ESTABLISHED, &e),
                         TCPSIFT_OK);
        /* Either direction of the packet finds it. */
        tcpsift_flow_probe pr;
        assert_same_probe(t, key_vlan, key_tunnel, &u, &pr);
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &pr), e);
        struct tuple back = u;
        memcpy(back.src, u.dst, 4);
        memcpy(back.dst, u.src, 4);
        back.sport = u.dport;
        back.dport = u.sport;
        assert_same_probe(t, key_vlan, key_tunnel, &back, &pr);
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &pr), e);
        /* Another VLAN or tunnel id is another flow exactly when it is keyed. */
        struct tuple other = u;
        other.vlan = 0x1065;
        assert_same_probe(t, key_vlan, key_tunnel, &other, &pr);
        assert_true((tcpsift_flow_table_lookup_probe(t, &pr) == e) == !key_vlan);
        other = u;
        other.tunnel = 78;
        assert_same_probe(t, key_vlan, key_tunnel, &other, &pr);
        assert_true((tcpsift_flow_table_lookup_probe(t, &pr) == e) == !key_tunnel);
        tcpsift_flow_table_destroy(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_ipv4_equals_two_step),
        cmocka_unit_test(test_probe_ipv4_finds_inserted_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

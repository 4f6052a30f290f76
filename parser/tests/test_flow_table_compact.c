/* The flow table's compact keys (flow_ckey in flow_table_internal.h, issue 9): an IPv4 flow
 * outside a keyed tunnel occupies a 48-byte node holding its whole key in 16 bytes and never
 * touches the pool's full-key array; an IPv6 flow, a flow in a keyed tunnel (and any other key)
 * keeps its 48-byte key there. Checked here: the sizes; which memory each kind writes; that
 * every kind's key comes back exactly through tcpsift_flow_entry_key_get(),
 * tcpsift_flow_embryo_key_get() and the views of foreach, eviction and expiry; that a compact
 * form and a full form never compare equal, even when crafted to share their words and hash;
 * and lookups, removals, evictions, expiry and promotions in chains that mix both kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_table_internal.h"
#include "tcpsift/decode.h" /* enum tcpsift_encap_kind */
#include "tcpsift/flow_table.h"

#define FILL 0xEE /* what the test allocator writes over a new block */

static void *filling_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *p = malloc(size);
    if (p) memset(p, FILL, size);
    return p;
}

static void plain_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static const tcpsift_allocator filling = {filling_alloc, plain_free, NULL};

static tcpsift_flow_table *make(uint32_t cap, uint32_t embryos, tcpsift_flow_remove_fn on_evict,
                                void *ctx)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = cap;
    cfg.embryo_capacity = embryos;
    cfg.value_size = 24;
    cfg.embryo_value_size = 8;
    cfg.key_vlan = 1;
    cfg.key_tunnel = 1;
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(i * 37 + 5);
    cfg.allocator = &filling;
    cfg.on_evict = on_evict;
    cfg.on_evict_ctx = ctx;
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

/* Keys. v4(n): 10.1.n.n:n+1000 <-> 192.0.2.1:80; v6(n): 2001:db8::n.n:n+1000 <-> 2001:db8::1:443.
 * Both already normalised for a table that keys VLAN and tunnel (key_make zeroes the rest). */
static tcpsift_flow_key v4(uint32_t n, uint16_t vlan)
{
    uint8_t a[4] = {10, 1, (uint8_t)(n >> 8), (uint8_t)n}, b[4] = {192, 0, 2, 1};
    tcpsift_flow_key k;
    assert_int_equal(tcpsift_flow_key_make(&k, 4, a, b, (uint16_t)(1000 + n), 80, 6, vlan, NULL),
                     TCPSIFT_OK);
    return k;
}

static tcpsift_flow_key v6(uint32_t n, uint16_t vlan)
{
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8}, b[16] = {0x20, 0x01, 0x0d, 0xb8};
    a[14] = (uint8_t)(n >> 8);
    a[15] = (uint8_t)n;
    b[13] = 1;
    b[15] = 1;
    tcpsift_flow_key k;
    assert_int_equal(tcpsift_flow_key_make(&k, 6, a, b, (uint16_t)(1000 + n), 443, 17, vlan, NULL),
                     TCPSIFT_OK);
    return k;
}

static tcpsift_flow_key tunnelled(tcpsift_flow_key k, uint8_t kind, uint32_t id)
{
    tcpsift_flow_key_set_tunnel(&k, kind, id);
    return k;
}

/* The same flow seen the other way (the key swaps its endpoints back). */
static tcpsift_flow_key reversed_key(const tcpsift_flow_key *k)
{
    tcpsift_flow_key r;
    assert_int_equal(tcpsift_flow_key_make(&r, k->ip_version, k->b_addr, k->a_addr, k->b_port,
                                           k->a_port, k->proto, k->vlan, NULL),
                     TCPSIFT_OK);
    tcpsift_flow_key_set_tunnel(&r, k->tunnel_kind, k->tunnel);
    return r;
}

static int compact_key(const tcpsift_flow_key *k)
{
    return k->ip_version == 4 && k->tunnel_kind == 0;
}

static tcpsift_flow_key entry_key(const tcpsift_flow_entry *e)
{
    tcpsift_flow_key k;
    memset(&k, 0x77, sizeof k); /* every byte must be written */
    tcpsift_flow_entry_key_get(e, &k);
    return k;
}

static tcpsift_flow_key embryo_key(const tcpsift_flow_embryo *em)
{
    tcpsift_flow_key k;
    memset(&k, 0x77, sizeof k);
    tcpsift_flow_embryo_key_get(em, &k);
    return k;
}

/* An embryo starts with its node (flow_table.c's struct tcpsift_flow_embryo). */
static const flow_node *embryo_node(const tcpsift_flow_embryo *em)
{
    return (const flow_node *)(const void *)em;
}

#define assert_key_equal(a, b) assert_memory_equal(&(a), &(b), sizeof(tcpsift_flow_key))

static int all_bytes(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v) return 0;
    return 1;
}

/* Records the keys of the views a callback sees. */
typedef struct key_log {
    size_t n;
    tcpsift_flow_key key[32];
    int embryo[32];
} key_log;

static void log_removed(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason r)
{
    (void)r;
    key_log *l = ctx;
    assert_true(l->n < 32);
    l->embryo[l->n] = v->embryo != NULL;
    l->key[l->n++] = v->key;
}

static int log_visit(void *ctx, const tcpsift_flow_view *v)
{
    log_removed(ctx, v, TCPSIFT_FLOW_TIMED_OUT);
    return 0;
}

/* ------------------------------------------------------------ sizes and memory */

static void test_ipv4_flows_occupy_compact_nodes(void **state)
{
    (void)state;
    tcpsift_flow_table *t = make(64, 16, NULL, NULL);
    /* 48-byte node + 24 payload; 48-byte embryo node + isn + spare + 8 payload. */
    assert_int_equal(tcpsift_flow_table_entry_size(t), 48 + 24);
    assert_int_equal(tcpsift_flow_table_embryo_size(t), 56 + 8);
    assert_int_equal(sizeof(flow_node), 48);
    assert_int_equal(TCPSIFT_FLOW_ENTRY_HEADER_SIZE, 48);

    /* 40 IPv4 entries (half in a VLAN) and 10 IPv4 embryos: compact, nothing written to either
     * pool's full keys. */
    for (uint32_t n = 0; n < 40; n++) {
        tcpsift_flow_key k = v4(n, (uint16_t)(n & 1 ? 0x100 + n : 0));
        tcpsift_flow_entry *e = NULL;
        assert_int_equal(tcpsift_flow_table_insert(t, &k, 1 + n, TCPSIFT_FLOW_ESTABLISHED, &e),
                         TCPSIFT_OK);
        assert_false(ckey_is_full(&e->node.key));
        tcpsift_flow_key got = entry_key(e);
        assert_key_equal(got, k);
    }
    for (uint32_t n = 0; n < 10; n++) {
        tcpsift_flow_key k = v4(100 + n, 7);
        tcpsift_flow_embryo *em = NULL;
        assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k, 50, n, 0, &em), TCPSIFT_OK);
        assert_false(ckey_is_full(&embryo_node(em)->key));
    }
    assert_true(all_bytes(t->full.full_keys, 64 * sizeof(tcpsift_flow_key), FILL));
    assert_true(all_bytes(t->embryo.full_keys, 16 * sizeof(tcpsift_flow_key), FILL));

    /* An IPv6 entry writes its own slot's full key, and only that. */
    tcpsift_flow_key k6 = v6(1, 0);
    tcpsift_flow_entry *e6 = NULL;
    assert_int_equal(tcpsift_flow_table_insert(t, &k6, 60, TCPSIFT_FLOW_ESTABLISHED, &e6),
                     TCPSIFT_OK);
    assert_true(ckey_is_full(&e6->node.key));
    uint32_t i6 = pool_index(&t->full, &e6->node);
    assert_int_equal(i6, 40); /* slots are taken in order */
    assert_memory_equal(&t->full.full_keys[i6], &k6, sizeof k6);
    assert_ptr_equal(ckey_full_key(&e6->node.key), &t->full.full_keys[i6]);
    assert_true(all_bytes(t->full.full_keys, i6 * sizeof(tcpsift_flow_key), FILL));
    assert_true(
        all_bytes(t->full.full_keys + i6 + 1, (64 - i6 - 1) * sizeof(tcpsift_flow_key), FILL));
    /* An IPv4 embryo in a keyed tunnel: the embryo pool's slot 10. */
    tcpsift_flow_key kt = tunnelled(v4(200, 0), TCPSIFT_ENCAP_VXLAN, 4242);
    tcpsift_flow_embryo *emt = NULL;
    assert_int_equal(tcpsift_flow_table_embryo_insert(t, &kt, 61, 9, 1, &emt), TCPSIFT_OK);
    assert_true(ckey_is_full(&embryo_node(emt)->key));
    assert_memory_equal(&t->embryo.full_keys[10], &kt, sizeof kt);
    assert_true(all_bytes(t->embryo.full_keys, 10 * sizeof(tcpsift_flow_key), FILL));
    tcpsift_flow_table_destroy(t);

    /* A table that does not key tunnels drops the tunnel: the flow is compact. */
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = 4;
    cfg.embryo_capacity = 0;
    cfg.allocator = &filling;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    tcpsift_flow_entry *e = NULL;
    assert_int_equal(tcpsift_flow_table_insert(t, &kt, 1, TCPSIFT_FLOW_UDP, &e), TCPSIFT_OK);
    assert_false(ckey_is_full(&e->node.key));
    tcpsift_flow_key got = entry_key(e), plain = v4(200, 0);
    assert_key_equal(got, plain);
    assert_true(all_bytes(t->full.full_keys, 4 * sizeof(tcpsift_flow_key), FILL));
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ round trips */

#define NKEYS 7

static void round_trip_keys(tcpsift_flow_key k[NKEYS])
{
    k[0] = v6(1, 0);
    k[1] = tunnelled(v6(2, 0x0abc), TCPSIFT_ENCAP_GRE, 0xfedcba98u);
    k[2] = tunnelled(v4(3, 0), TCPSIFT_ENCAP_VXLAN, 0x00ffffffu);
    k[3] = v4(4, 0x0fff); /* VLAN keyed: compact, the VLAN id in the compact form */
    k[4] = v4(5, 0);
    k[5] = tunnelled(v4(6, 0x0123), TCPSIFT_ENCAP_MPLS, 0x000fffffu);
    /* An IPv4 flow whose endpoints tie on address (ports decide) and with extreme values. */
    const uint8_t a[4] = {255, 255, 255, 255};
    assert_int_equal(tcpsift_flow_key_make(&k[6], 4, a, a, 65535, 0, 255, 0x0fff, NULL),
                     TCPSIFT_OK);
}

static void test_keys_round_trip_through_every_view(void **state)
{
    (void)state;
    tcpsift_flow_key k[NKEYS];
    round_trip_keys(k);
    key_log evicted = {0};
    tcpsift_flow_table *t = make(NKEYS, NKEYS, log_removed, &evicted);
    tcpsift_flow_entry *e[NKEYS];
    tcpsift_flow_embryo *em[NKEYS];

    /* Each key as an entry, and the same flow on another port as an embryo. */
    tcpsift_flow_key ek[NKEYS];
    for (int i = 0; i < NKEYS; i++) {
        assert_int_equal(tcpsift_flow_table_insert(t, &k[i], 10, TCPSIFT_FLOW_ESTABLISHED, &e[i]),
                         TCPSIFT_OK);
        assert_int_equal(ckey_is_full(&e[i]->node.key), !compact_key(&k[i]));
        tcpsift_flow_key got = entry_key(e[i]);
        assert_key_equal(got, k[i]);
        tcpsift_flow_key r = reversed_key(&k[i]);
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &r), e[i]);
        ek[i] = k[i];
        ek[i].b_port = (uint16_t)(ek[i].b_port ^ 0x4000u);
        assert_int_equal(
            tcpsift_flow_table_embryo_insert(t, &ek[i], 11, (uint32_t)i, i & 1, &em[i]),
            TCPSIFT_OK);
        got = embryo_key(em[i]);
        assert_key_equal(got, ek[i]);
        assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &ek[i]), em[i]);
    }
    /* foreach: insertion order, entry then embryo per key. */
    key_log seen = {0};
    assert_int_equal(tcpsift_flow_table_foreach(t, log_visit, &seen), 2 * NKEYS);
    for (int i = 0; i < NKEYS; i++) {
        assert_key_equal(seen.key[2 * i], k[i]);
        assert_false(seen.embryo[2 * i]);
        assert_key_equal(seen.key[2 * i + 1], ek[i]);
        assert_true(seen.embryo[2 * i + 1]);
    }
    /* Promotion keeps the key: the public promote frees a slot first (the full pool is full:
     * it evicts the oldest entry, k[0], whose view carries its key). Alternate public promote
     * and the probe-checked one. */
    for (int i = 0; i < NKEYS; i++) {
        tcpsift_flow_entry *p = NULL;
        if (i & 1) {
            tcpsift_flow_probe pr;
            tcpsift_flow_table_probe(t, &ek[i], &pr);
            assert_int_equal(tcpsift_flow_table_embryo_promote_probe(t, &pr, em[i], 20 + i,
                                                                     TCPSIFT_FLOW_CLOSING, &p),
                             TCPSIFT_OK);
        } else {
            assert_int_equal(
                tcpsift_flow_table_embryo_promote(t, em[i], 20 + i, TCPSIFT_FLOW_CLOSING, &p),
                TCPSIFT_OK);
        }
        tcpsift_flow_key got = entry_key(p);
        assert_key_equal(got, ek[i]);
        assert_int_equal(ckey_is_full(&p->node.key), !compact_key(&ek[i]));
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &ek[i]), p);
        assert_null(tcpsift_flow_table_embryo_lookup(t, &ek[i]));
        /* Each promotion evicted the oldest entry (ESTABLISHED at 10, insertion order). */
        assert_int_equal(evicted.n, (size_t)i + 1);
        assert_key_equal(evicted.key[i], k[i]);
        assert_false(evicted.embryo[i]);
        assert_null(tcpsift_flow_table_lookup(t, &k[i]));
    }
    /* Expiry: the promoted flows (CLOSING) time out in promotion order. */
    key_log expired = {0};
    assert_int_equal(tcpsift_flow_table_expire(t, 20 + TCPSIFT_FLOW_DEFAULT_CLOSING_NS + NKEYS,
                                               log_removed, &expired),
                     NKEYS);
    for (int i = 0; i < NKEYS; i++)
        assert_key_equal(expired.key[i], ek[i]);
    tcpsift_flow_table_destroy(t);

    /* Embryos evicted and expired carry their keys too. */
    key_log ev = {0};
    t = make(2, 2, log_removed, &ev);
    for (int i = 0; i < NKEYS; i++)
        assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k[i], 100 + i, 0, 0, NULL),
                         TCPSIFT_OK);
    assert_int_equal(ev.n, NKEYS - 2);
    for (int i = 0; i < NKEYS - 2; i++) {
        assert_key_equal(ev.key[i], k[i]);
        assert_true(ev.embryo[i]);
    }
    key_log ex = {0};
    assert_int_equal(
        tcpsift_flow_table_expire(t, 200 + TCPSIFT_FLOW_DEFAULT_EMBRYONIC_NS, log_removed, &ex), 2);
    assert_key_equal(ex.key[0], k[NKEYS - 2]);
    assert_key_equal(ex.key[1], k[NKEYS - 1]);
    tcpsift_flow_table_destroy(t);

    /* NULL arguments of the copy-outs. */
    tcpsift_flow_key z;
    memset(&z, 0x77, sizeof z);
    tcpsift_flow_entry_key_get(NULL, &z);
    assert_true(all_bytes(&z, sizeof z, 0));
    memset(&z, 0x77, sizeof z);
    tcpsift_flow_embryo_key_get(NULL, &z);
    assert_true(all_bytes(&z, sizeof z, 0));
    tcpsift_flow_entry_key_get(NULL, NULL);
    tcpsift_flow_embryo_key_get(NULL, NULL);
}

/* ------------------------------------------------------------ compact vs full */

static void test_compact_and_full_forms_never_equal(void **state)
{
    (void)state;
    tcpsift_flow_table *t = make(8, 8, NULL, NULL);
    tcpsift_flow_key k6 = v6(9, 0), k6b = v6(10, 0), k4 = v4(9, 0);
    tcpsift_flow_probe p6, p6b, p4;
    tcpsift_flow_table_probe(t, &k6, &p6);
    tcpsift_flow_table_probe(t, &k6b, &p6b);
    tcpsift_flow_table_probe(t, &k4, &p4);
    assert_true(ckey_is_full(&p6.ck));
    assert_false(ckey_is_full(&p4.ck));
    /* A full probe's form: tag and the hash's low 56 bits. */
    assert_true(p6.ck.w1 == (FLOW_CKEY_FULL | (p6.hash & FLOW_CKEY_HASH56)));
    tcpsift_flow_entry *e6 = NULL, *e4 = NULL;
    assert_int_equal(tcpsift_flow_table_insert_probe(t, &p6, 1, TCPSIFT_FLOW_UDP, &e6), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert_probe(t, &p4, 1, TCPSIFT_FLOW_UDP, &e4), TCPSIFT_OK);
    const flow_ckey *n6 = &e6->node.key, *n4 = &e4->node.key;

    /* A compact form sharing the full node's words but the tag (w0 its pointer, w1 its hash
     * bits): no match, and a lookup with that form and the full key's hash (same bucket, the
     * full node in the chain) finds nothing. */
    flow_ckey c = {n6->w0, n6->w1 & FLOW_CKEY_HASH56};
    assert_false(ckey_match(n6, &c, NULL));
    tcpsift_flow_probe crafted = p6;
    crafted.ck = c;
    assert_null(tcpsift_flow_table_lookup_probe(t, &crafted));
    assert_int_equal(tcpsift_flow_table_embryo_insert_probe(t, &crafted, 2, 0, 0, NULL),
                     TCPSIFT_OK);
    /* ... and the same compact form stored is never found by the full key. */
    assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &p6), e6);
    assert_null(tcpsift_flow_table_embryo_lookup_probe(t, &p6));

    /* A full form with the compact node's words and the tag, and the same key as a full key:
     * the tag keeps them apart. */
    flow_ckey f = {n4->w0, n4->w1 | FLOW_CKEY_FULL};
    assert_false(ckey_match(n4, &f, &k4));
    crafted = p4;
    crafted.ck = f;
    crafted.key = k4;
    assert_null(tcpsift_flow_table_lookup_probe(t, &crafted));

    /* Two full keys whose hashes collide (crafted: k6b given k6's form and hash): compared by
     * their full keys, two flows in one chain, each found by its own key. */
    crafted = p6b;
    crafted.ck = p6.ck;
    crafted.hash = p6.hash;
    assert_true(ckey_match(n6, &p6.ck, &k6));
    assert_false(ckey_match(n6, &crafted.ck, &k6b));
    assert_null(tcpsift_flow_table_lookup_probe(t, &crafted));
    tcpsift_flow_entry *eb = NULL;
    assert_int_equal(tcpsift_flow_table_insert_probe(t, &crafted, 3, TCPSIFT_FLOW_UDP, &eb),
                     TCPSIFT_OK);
    assert_true(eb != e6);
    assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &crafted), eb);
    assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &p6), e6);
    assert_int_equal(tcpsift_flow_table_insert_probe(t, &crafted, 3, TCPSIFT_FLOW_UDP, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_flow_table_remove(t, e6);
    assert_null(tcpsift_flow_table_lookup_probe(t, &p6));
    assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &crafted), eb);
    tcpsift_flow_key got = entry_key(eb);
    assert_key_equal(got, k6b);
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ mixed chains */

/* `n` keys of alternating kinds (IPv4, IPv6, IPv4 in a tunnel, IPv4 in a VLAN) whose hashes
 * share their low `bits` bits with key 0's: one bucket of a table with 2^bits buckets. */
static void same_bucket_keys(const tcpsift_flow_table *t, unsigned bits, tcpsift_flow_key *out,
                             size_t n)
{
    uint64_t mask = ((uint64_t)1 << bits) - 1, want = 0;
    size_t got = 0;
    for (uint32_t i = 0; got < n; i++) {
        assert_true(i < 100000);
        tcpsift_flow_key k;
        switch (got % 4) {
        case 0:
            k = v4(i, 0);
            break;
        case 1:
            k = v6(i, 0);
            break;
        case 2:
            k = tunnelled(v4(i, 0), TCPSIFT_ENCAP_GRE, i);
            break;
        default:
            k = v4(i, (uint16_t)(1 + (i & 0xffe)));
            break;
        }
        tcpsift_flow_probe pr;
        tcpsift_flow_table_probe(t, &k, &pr);
        if (got == 0) want = pr.hash & mask;
        if ((pr.hash & mask) != want) continue;
        out[got++] = k;
    }
}

static void test_mixed_chain_operations(void **state)
{
    (void)state;
    key_log evicted = {0};
    /* 8 entries and 8 embryos: 8 buckets each. */
    tcpsift_flow_table *t = make(8, 8, log_removed, &evicted);
    /* k[0..11] entries, k[12..15] embryos (IPv4, IPv6, tunnel, VLAN): one bucket of each pool. */
    tcpsift_flow_key k[16];
    same_bucket_keys(t, 3, k, 16);
    tcpsift_flow_entry *e[12] = {0};
    for (int i = 0; i < 8; i++)
        assert_int_equal(
            tcpsift_flow_table_insert(t, &k[i], 100 + i, TCPSIFT_FLOW_ESTABLISHED, &e[i]),
            TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_longest_chain(t), 8); /* one chain of both kinds */
    for (int i = 0; i < 8; i++) {
        tcpsift_flow_key r = reversed_key(&k[i]);
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &k[i]), e[i]);
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &r), e[i]);
    }
    for (int i = 8; i < 12; i++)
        assert_null(tcpsift_flow_table_lookup(t, &k[i]));

    /* Removals at the head, middle and tail of the chain (pushed at the head: the chain is
     * 7..0), of both kinds. */
    static const int gone[] = {7, 4, 1, 0};
    for (size_t g = 0; g < 4; g++) {
        tcpsift_flow_table_remove(t, e[gone[g]]);
        e[gone[g]] = NULL;
        for (int i = 0; i < 8; i++)
            assert_ptr_equal(tcpsift_flow_table_lookup(t, &k[i]), e[i]);
    }
    /* Put two back (different kinds), then fill with new keys of the same bucket. */
    assert_int_equal(tcpsift_flow_table_insert(t, &k[1], 200, TCPSIFT_FLOW_ESTABLISHED, &e[1]),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(t, &k[4], 201, TCPSIFT_FLOW_ESTABLISHED, &e[4]),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(t, &k[8], 202, TCPSIFT_FLOW_ESTABLISHED, &e[8]),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(t, &k[9], 203, TCPSIFT_FLOW_ESTABLISHED, &e[9]),
                     TCPSIFT_OK);
    assert_int_equal(evicted.n, 0);
    /* Full now: touching 2 makes 3 the oldest; inserting 10 evicts 3, then 11 evicts 5. */
    tcpsift_flow_table_touch(t, e[2], 300, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(tcpsift_flow_table_insert(t, &k[10], 301, TCPSIFT_FLOW_ESTABLISHED, &e[10]),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(t, &k[11], 302, TCPSIFT_FLOW_ESTABLISHED, &e[11]),
                     TCPSIFT_OK);
    assert_int_equal(evicted.n, 2);
    assert_key_equal(evicted.key[0], k[3]);
    assert_key_equal(evicted.key[1], k[5]);
    e[3] = e[5] = NULL;
    for (int i = 0; i < 12; i++) {
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &k[i]), e[i]);
        if (e[i]) {
            tcpsift_flow_key got = entry_key(e[i]);
            assert_key_equal(got, k[i]);
        }
    }
    assert_int_equal(tcpsift_flow_table_longest_chain(t), 8);

    /* Embryos of both kinds in one embryo chain, the IPv6 one promoted into the full chain
     * (its full key moves from the embryo pool's array to the full pool's) after a removal. */
    tcpsift_flow_embryo *em[4];
    const tcpsift_flow_key *ek = k + 12;
    for (int i = 0; i < 4; i++)
        assert_int_equal(tcpsift_flow_table_embryo_insert(t, &ek[i], 400, 1, 0, &em[i]),
                         TCPSIFT_OK);
    for (int i = 0; i < 4; i++)
        assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &ek[i]), em[i]);
    tcpsift_flow_table_remove(t, e[6]);
    e[6] = NULL;
    tcpsift_flow_entry *p = NULL;
    assert_int_equal(tcpsift_flow_table_embryo_promote(t, em[1], 401, TCPSIFT_FLOW_ESTABLISHED, &p),
                     TCPSIFT_OK);
    assert_true(ckey_is_full(&p->node.key));
    assert_ptr_equal(ckey_full_key(&p->node.key),
                     &t->full.full_keys[pool_index(&t->full, &p->node)]);
    tcpsift_flow_key got = entry_key(p);
    assert_key_equal(got, ek[1]);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &ek[1]));
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &ek[1]), p);
    tcpsift_flow_table_embryo_remove(t, em[3]);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &ek[3]));
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &ek[0]), em[0]);
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &ek[2]), em[2]);

    /* Expire at 250 + the established timeout: the embryos (400, past the 30 s embryonic
     * timeout) first, then the entries last seen before 250; 2 (touched at 300), 10, 11 and
     * the promoted flow stay. */
    key_log ex = {0};
    size_t gone_now =
        tcpsift_flow_table_expire(t, 250 + TCPSIFT_FLOW_DEFAULT_ESTABLISHED_NS, log_removed, &ex);
    assert_int_equal(gone_now, 6);
    assert_key_equal(ex.key[0], ek[0]);
    assert_key_equal(ex.key[1], ek[2]);
    assert_true(ex.embryo[0] && ex.embryo[1]);
    static const int order[] = {1, 4, 8, 9}; /* least recently touched first */
    for (int i = 0; i < 4; i++) {
        assert_key_equal(ex.key[2 + i], k[order[i]]);
        assert_false(ex.embryo[2 + i]);
        e[order[i]] = NULL;
    }
    for (int i = 0; i < 12; i++)
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &k[i]), e[i]);
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &ek[1]), p);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &ek[0]));
    assert_null(tcpsift_flow_table_embryo_lookup(t, &ek[2]));
    tcpsift_flow_table_stats s;
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.entries, 4); /* 2, 10, 11, the promoted flow */
    assert_int_equal(s.embryos, 0);
    tcpsift_flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_flows_occupy_compact_nodes),
        cmocka_unit_test(test_keys_round_trip_through_every_view),
        cmocka_unit_test(test_compact_and_full_forms_never_equal),
        cmocka_unit_test(test_mixed_chain_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

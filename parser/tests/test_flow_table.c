/* Flow table: canonical keys, insert/lookup/remove, collisions, eviction
 * order, timeouts by packet time, memory cap, SYN flood bound, determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcpsift/decode.h" /* enum tcpsift_encap_kind for tunnel kinds */
#include "tcpsift/flow_table.h"

#include "flow_table_internal.h" /* the probe variants the tracker uses */
#include "support_alloc.h"

static const uint8_t test_hash_key[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                          0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

/* ------------------------------------------------------------ helpers */

/* Counts every byte that goes through the hooks and refuses to pass a cap. */
typedef struct counting_allocator {
    size_t cap;         /* 0: no cap */
    size_t outstanding; /* bytes allocated and not yet freed */
    size_t peak;
    unsigned calls, frees, refusals;
} counting_allocator;

static void *counting_alloc(void *ctx, size_t size)
{
    counting_allocator *c = ctx;
    c->calls++;
    if (c->cap && (size > c->cap || c->outstanding > c->cap - size)) {
        c->refusals++;
        return NULL;
    }
    void *p = malloc(size);
    if (!p) return NULL;
    c->outstanding += size;
    if (c->outstanding > c->peak) c->peak = c->outstanding;
    return p;
}

static void counting_free(void *ctx, void *p, size_t size)
{
    counting_allocator *c = ctx;
    c->frees++;
    assert_true(c->outstanding >= size);
    c->outstanding -= size;
    free(p);
}

/* Key of an IPv4 TCP flow 10.0.x.y:sport -> 192.168.0.1:dport. */
static tcpsift_flow_key v4_key(uint32_t n, uint16_t sport, uint16_t dport)
{
    uint8_t src[4] = {10, 0, (uint8_t)(n >> 8), (uint8_t)n};
    uint8_t dst[4] = {192, 168, 0, 1};
    tcpsift_flow_key k;
    assert_int_equal(tcpsift_flow_key_make(&k, 4, src, dst, sport, dport, 6, 0, NULL), TCPSIFT_OK);
    return k;
}

/* A distinct key per n (n < 2^32): spreads n over address and port. */
static tcpsift_flow_key nth_key(uint32_t n)
{
    uint8_t src[4] = {10, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8)};
    uint8_t dst[4] = {172, 16, 0, 1};
    tcpsift_flow_key k;
    assert_int_equal(
        tcpsift_flow_key_make(&k, 4, src, dst, (uint16_t)(1024 + (n & 0xff)), 80, 6, 0, NULL),
        TCPSIFT_OK);
    return k;
}

static void base_config(tcpsift_flow_table_config *cfg, uint32_t max, uint32_t embryos)
{
    tcpsift_flow_table_config_init(cfg);
    cfg->allocator = &support_poisoned_allocator;
    cfg->max_connections = max;
    cfg->embryo_capacity = embryos;
    cfg->value_size = 32;
    cfg->embryo_value_size = 8;
    memcpy(cfg->hash_key, test_hash_key, sizeof cfg->hash_key);
}

static tcpsift_flow_table *make_table(const tcpsift_flow_table_config *cfg)
{
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(cfg, &t), TCPSIFT_OK);
    assert_non_null(t);
    return t;
}

/* Records removals: which flow (by the first payload word the test wrote,
 * or 0xffff.. for embryos, whose payload holds their tag too), class, why. */
#define LOG_MAX 64
typedef struct removal_log {
    unsigned count;
    uint64_t tag[LOG_MAX];
    enum tcpsift_flow_class cls[LOG_MAX];
    enum tcpsift_flow_remove_reason reason[LOG_MAX];
    int embryo[LOG_MAX];
} removal_log;

static void log_removal(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason why)
{
    removal_log *log = ctx;
    uint64_t tag = 0;
    assert_true(log->count < LOG_MAX);
    if (v->value_size >= sizeof tag) memcpy(&tag, v->value, sizeof tag);
    log->tag[log->count] = tag;
    log->cls[log->count] = v->cls;
    log->reason[log->count] = why;
    log->embryo[log->count] = v->embryo != NULL;
    assert_true((v->embryo != NULL) != (v->entry != NULL));
    log->count++;
}

static tcpsift_flow_entry *insert_tagged(tcpsift_flow_table *t, uint32_t n, uint64_t now,
                                         enum tcpsift_flow_class cls)
{
    tcpsift_flow_key k = nth_key(n);
    tcpsift_flow_entry *e = NULL;
    uint64_t tag = n;
    assert_int_equal(tcpsift_flow_table_insert(t, &k, now, cls, &e), TCPSIFT_OK);
    assert_non_null(e);
    memcpy(tcpsift_flow_entry_value(e), &tag, sizeof tag);
    return e;
}

static tcpsift_flow_embryo *embryo_tagged(tcpsift_flow_table *t, uint32_t n, uint64_t now)
{
    tcpsift_flow_key k = nth_key(n);
    tcpsift_flow_embryo *em = NULL;
    uint64_t tag = n;
    assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k, now, 1000 + n, 0, &em), TCPSIFT_OK);
    assert_non_null(em);
    memcpy(tcpsift_flow_embryo_value(em), &tag, sizeof tag);
    return em;
}

/* ------------------------------------------------------------ keys */

/* tcpsift_flow_entry_key_get() / tcpsift_flow_embryo_key_get() as a value. */
static tcpsift_flow_key entry_key(const tcpsift_flow_entry *e)
{
    tcpsift_flow_key k;
    memset(&k, 0xA5, sizeof k); /* every byte must be written */
    tcpsift_flow_entry_key_get(e, &k);
    return k;
}

static tcpsift_flow_key embryo_key(const tcpsift_flow_embryo *em)
{
    tcpsift_flow_key k;
    memset(&k, 0xA5, sizeof k);
    tcpsift_flow_embryo_key_get(em, &k);
    return k;
}

static int key_is(tcpsift_flow_key got, const tcpsift_flow_key *want)
{
    return memcmp(&got, want, sizeof got) == 0;
}

static void test_key_symmetry_ipv4(void **state)
{
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    tcpsift_flow_key fwd, rev;
    int rf = -1, rr = -1;
    (void)state;
    assert_int_equal(tcpsift_flow_key_make(&fwd, 4, b, a, 443, 50000, 6, 0, &rf), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_key_make(&rev, 4, a, b, 50000, 443, 6, 0, &rr), TCPSIFT_OK);
    assert_true(tcpsift_flow_key_equal(&fwd, &rev));
    assert_memory_equal(&fwd, &rev, sizeof fwd);
    /* 10.0.0.1 sorts first, so the b->a packet is the reversed one. */
    assert_int_equal(rf, 1);
    assert_int_equal(rr, 0);
    assert_memory_equal(fwd.a_addr, a, 4);
    assert_memory_equal(fwd.b_addr, b, 4);
    assert_int_equal(fwd.a_port, 50000);
    assert_int_equal(fwd.b_port, 443);
    assert_int_equal(fwd.ip_version, 4);
    assert_int_equal(fwd.proto, 6);
    for (int i = 4; i < 16; i++)
        assert_int_equal(fwd.a_addr[i] | fwd.b_addr[i], 0);

    /* Same address both sides (loopback): the port decides. */
    assert_int_equal(tcpsift_flow_key_make(&fwd, 4, a, a, 8080, 40000, 17, 0, &rf), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_key_make(&rev, 4, a, a, 40000, 8080, 17, 0, &rr), TCPSIFT_OK);
    assert_true(tcpsift_flow_key_equal(&fwd, &rev));
    assert_int_equal(rf, 0); /* port 8080 sorts first: 8080 -> 40000 is a->b */
    assert_int_equal(rr, 1);
    assert_int_equal(fwd.a_port, 8080);
    assert_int_equal(fwd.b_port, 40000);

    /* Identical endpoints: a->b by definition, both ways. */
    assert_int_equal(tcpsift_flow_key_make(&fwd, 4, a, a, 7, 7, 17, 0, &rf), TCPSIFT_OK);
    assert_int_equal(rf, 0);

    /* Different protocol, different flow. */
    assert_int_equal(tcpsift_flow_key_make(&rev, 4, a, a, 7, 7, 6, 0, &rr), TCPSIFT_OK);
    assert_false(tcpsift_flow_key_equal(&fwd, &rev));
}

static void test_key_symmetry_ipv6_and_vlan(void **state)
{
    uint8_t a[16] = {0x20, 0x01, 0x0d, 0xb8}, b[16] = {0x20, 0x01, 0x0d, 0xb8};
    tcpsift_flow_key fwd, rev, other_vlan;
    int rf = -1, rr = -1;
    (void)state;
    a[15] = 0x09;
    b[15] = 0x01; /* b sorts first */
    assert_int_equal(tcpsift_flow_key_make(&fwd, 6, a, b, 1234, 80, 6, 0x0123, &rf), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_key_make(&rev, 6, b, a, 80, 1234, 6, 0x0123, &rr), TCPSIFT_OK);
    assert_true(tcpsift_flow_key_equal(&fwd, &rev));
    assert_int_equal(rf, 1);
    assert_int_equal(rr, 0);
    assert_memory_equal(fwd.a_addr, b, 16);
    assert_memory_equal(fwd.b_addr, a, 16);
    assert_int_equal(fwd.vlan, 0x123);
    assert_int_equal(fwd.ip_version, 6);

    /* VLAN ids are 12 bits: PCP/DEI bits never reach the key. */
    assert_int_equal(tcpsift_flow_key_make(&other_vlan, 6, a, b, 1234, 80, 6, 0xf123, NULL),
                     TCPSIFT_OK);
    assert_true(tcpsift_flow_key_equal(&fwd, &other_vlan));
    assert_int_equal(tcpsift_flow_key_make(&other_vlan, 6, a, b, 1234, 80, 6, 0x0124, NULL),
                     TCPSIFT_OK);
    assert_false(tcpsift_flow_key_equal(&fwd, &other_vlan));

    /* An IPv4 address and the IPv6 address with the same first bytes differ. */
    tcpsift_flow_key v4, v6;
    uint8_t x[16] = {10, 0, 0, 1}, y[16] = {10, 0, 0, 2};
    assert_int_equal(tcpsift_flow_key_make(&v4, 4, x, y, 1, 2, 6, 0, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_key_make(&v6, 6, x, y, 1, 2, 6, 0, NULL), TCPSIFT_OK);
    assert_false(tcpsift_flow_key_equal(&v4, &v6));
}

static void test_key_bad_arguments(void **state)
{
    const uint8_t a[16] = {1};
    tcpsift_flow_key k;
    int r = 7;
    (void)state;
    assert_int_equal(tcpsift_flow_key_make(&k, 5, a, a, 1, 2, 6, 0, &r),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(r, 0);
    assert_int_equal(k.ip_version, 0);
    assert_int_equal(tcpsift_flow_key_make(&k, 4, NULL, a, 1, 2, 6, 0, &r),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_flow_key_make(NULL, 4, a, a, 1, 2, 6, 0, &r),
                     TCPSIFT_E_INVALID_ARGUMENT);
}

/* key_vlan off: the VLAN id is ignored; on: it separates flows. */
static void test_table_vlan_keying(void **state)
{
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    tcpsift_flow_table_config cfg;
    tcpsift_flow_key k10, k20;
    tcpsift_flow_entry *e = NULL;
    (void)state;
    assert_int_equal(tcpsift_flow_key_make(&k10, 4, a, b, 1, 2, 17, 10, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_key_make(&k20, 4, b, a, 2, 1, 17, 20, NULL), TCPSIFT_OK);

    base_config(&cfg, 8, 0);
    tcpsift_flow_table *plain = make_table(&cfg);
    assert_int_equal(tcpsift_flow_table_insert(plain, &k10, 1, TCPSIFT_FLOW_UDP, &e), TCPSIFT_OK);
    assert_ptr_equal(tcpsift_flow_table_lookup(plain, &k20), e);
    assert_int_equal(entry_key(e).vlan, 0);
    assert_int_equal(tcpsift_flow_table_insert(plain, &k20, 1, TCPSIFT_FLOW_UDP, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);

    cfg.key_vlan = 1;
    tcpsift_flow_table *keyed = make_table(&cfg);
    assert_int_equal(tcpsift_flow_table_insert(keyed, &k10, 1, TCPSIFT_FLOW_UDP, &e), TCPSIFT_OK);
    assert_null(tcpsift_flow_table_lookup(keyed, &k20));
    assert_ptr_equal(tcpsift_flow_table_lookup(keyed, &k10), e);
    assert_int_equal(entry_key(e).vlan, 10);
    assert_int_equal(tcpsift_flow_table_insert(keyed, &k20, 1, TCPSIFT_FLOW_UDP, NULL), TCPSIFT_OK);

    /* Two tables are independent: nothing of `keyed` shows in `plain`. */
    tcpsift_flow_table_stats s;
    tcpsift_flow_table_get_stats(plain, &s);
    assert_int_equal(s.entries, 1);
    tcpsift_flow_table_get_stats(keyed, &s);
    assert_int_equal(s.entries, 2);
    tcpsift_flow_table_destroy(plain);
    tcpsift_flow_table_destroy(keyed);
}

/* Tunnel ids: tcpsift_flow_key_make leaves them zero, set_tunnel fills them (kind 0 forces
 * id 0); the table keys on them only with key_tunnel. */
static void test_key_tunnel_fields(void **state)
{
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    tcpsift_flow_key k, plain;
    int r = -1;
    (void)state;
    assert_int_equal(tcpsift_flow_key_make(&k, 4, b, a, 80, 1234, 6, 0, &r), TCPSIFT_OK);
    plain = k;
    assert_int_equal(k.tunnel, 0);
    assert_int_equal(k.tunnel_kind, 0);
    tcpsift_flow_key_set_tunnel(&k, TCPSIFT_ENCAP_GRE, 0xDEADBEEF);
    assert_int_equal(k.tunnel, 0xDEADBEEF);
    assert_int_equal(k.tunnel_kind, TCPSIFT_ENCAP_GRE);
    assert_false(tcpsift_flow_key_equal(&k, &plain));
    /* The endpoints and direction are untouched. */
    assert_int_equal(r, 1);
    assert_memory_equal(k.a_addr, a, 4);
    assert_int_equal(k.a_port, 1234);
    /* Same number, other kind: another tunnel. */
    tcpsift_flow_key vni = plain;
    tcpsift_flow_key_set_tunnel(&vni, TCPSIFT_ENCAP_VXLAN, 0xDEADBEEF);
    assert_false(tcpsift_flow_key_equal(&k, &vni));
    /* Kind 0 is no tunnel, whatever the id. */
    tcpsift_flow_key_set_tunnel(&k, 0, 99);
    assert_int_equal(k.tunnel, 0);
    assert_true(tcpsift_flow_key_equal(&k, &plain));
    tcpsift_flow_key_set_tunnel(NULL, TCPSIFT_ENCAP_GRE, 1); /* ignored, no crash */
}

/* key_tunnel off: one flow for the same inner tuple in two tunnels; on: two. */
static void test_table_tunnel_keying(void **state)
{
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    tcpsift_flow_table_config cfg;
    tcpsift_flow_key vni100, vni200, vni100_rev, gre100, none;
    tcpsift_flow_entry *e = NULL;
    (void)state;
    assert_int_equal(tcpsift_flow_key_make(&vni100, 4, a, b, 40000, 80, 6, 0, NULL), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_key_make(&vni100_rev, 4, b, a, 80, 40000, 6, 0, NULL),
                     TCPSIFT_OK);
    none = vni200 = gre100 = vni100;
    tcpsift_flow_key_set_tunnel(&vni100, TCPSIFT_ENCAP_VXLAN, 100);
    tcpsift_flow_key_set_tunnel(&vni100_rev, TCPSIFT_ENCAP_VXLAN, 100);
    tcpsift_flow_key_set_tunnel(&vni200, TCPSIFT_ENCAP_VXLAN, 200);
    tcpsift_flow_key_set_tunnel(&gre100, TCPSIFT_ENCAP_GRE, 100);

    base_config(&cfg, 8, 4);
    tcpsift_flow_table *plain = make_table(&cfg);
    assert_int_equal(tcpsift_flow_table_insert(plain, &vni100, 1, TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_OK);
    assert_ptr_equal(tcpsift_flow_table_lookup(plain, &vni200), e);
    assert_ptr_equal(tcpsift_flow_table_lookup(plain, &gre100), e);
    assert_ptr_equal(tcpsift_flow_table_lookup(plain, &none), e);
    assert_int_equal(entry_key(e).tunnel, 0);
    assert_int_equal(entry_key(e).tunnel_kind, 0);
    assert_int_equal(tcpsift_flow_table_insert(plain, &vni200, 1, TCPSIFT_FLOW_ESTABLISHED, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
    /* Embryos are normalised the same way. */
    tcpsift_flow_embryo *em = NULL;
    assert_int_equal(tcpsift_flow_table_embryo_insert(plain, &vni100, 1, 7, 0, &em), TCPSIFT_OK);
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup(plain, &vni200), em);

    cfg.key_tunnel = 1;
    tcpsift_flow_table *keyed = make_table(&cfg);
    tcpsift_flow_entry *e100 = NULL, *e200 = NULL, *eg = NULL, *en = NULL;
    assert_int_equal(tcpsift_flow_table_insert(keyed, &vni100, 1, TCPSIFT_FLOW_ESTABLISHED, &e100),
                     TCPSIFT_OK);
    assert_null(tcpsift_flow_table_lookup(keyed, &vni200));
    assert_null(tcpsift_flow_table_lookup(keyed, &gre100));
    assert_null(tcpsift_flow_table_lookup(keyed, &none));
    /* Both directions inside one tunnel are still one flow. */
    assert_ptr_equal(tcpsift_flow_table_lookup(keyed, &vni100_rev), e100);
    assert_int_equal(entry_key(e100).tunnel, 100);
    assert_int_equal(entry_key(e100).tunnel_kind, TCPSIFT_ENCAP_VXLAN);
    assert_int_equal(tcpsift_flow_table_insert(keyed, &vni200, 1, TCPSIFT_FLOW_ESTABLISHED, &e200),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(keyed, &gre100, 1, TCPSIFT_FLOW_ESTABLISHED, &eg),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(keyed, &none, 1, TCPSIFT_FLOW_ESTABLISHED, &en),
                     TCPSIFT_OK);
    assert_true(e100 != e200 && e100 != eg && e100 != en && e200 != eg && e200 != en && eg != en);
    assert_ptr_equal(tcpsift_flow_table_lookup(keyed, &vni200), e200);
    assert_ptr_equal(tcpsift_flow_table_lookup(keyed, &gre100), eg);
    assert_ptr_equal(tcpsift_flow_table_lookup(keyed, &none), en);

    tcpsift_flow_table_stats s;
    tcpsift_flow_table_get_stats(plain, &s);
    assert_int_equal(s.entries, 1);
    tcpsift_flow_table_get_stats(keyed, &s);
    assert_int_equal(s.entries, 4);
    tcpsift_flow_table_destroy(plain);
    tcpsift_flow_table_destroy(keyed);
}

/* ------------------------------------------------------------ basic operations */

static void test_insert_lookup_remove(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    tcpsift_flow_key k = v4_key(1, 40000, 80), r;
    const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {192, 168, 0, 1};
    tcpsift_flow_entry *e = NULL;
    int reversed = -1;
    (void)state;
    base_config(&cfg, 16, 4);
    tcpsift_flow_table *t = make_table(&cfg);

    assert_null(tcpsift_flow_table_lookup(t, &k));
    assert_int_equal(tcpsift_flow_table_insert(t, &k, 5000, TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_OK);
    assert_non_null(e);
    assert_true(key_is(entry_key(e), &k));
    assert_int_equal(tcpsift_flow_entry_last_seen(e), 5000);
    assert_int_equal(tcpsift_flow_entry_class(e), TCPSIFT_FLOW_ESTABLISHED);
    /* Payload: zeroed, value_size bytes, 8-aligned. */
    uint8_t *v = tcpsift_flow_entry_value(e);
    assert_int_equal((uintptr_t)v % TCPSIFT_FLOW_VALUE_ALIGN, 0);
    for (size_t i = 0; i < cfg.value_size; i++)
        assert_int_equal(v[i], 0);
    memset(v, 0xab, cfg.value_size);

    /* The reply direction finds the same entry. */
    assert_int_equal(tcpsift_flow_key_make(&r, 4, dst, src, 80, 40000, 6, 0, &reversed),
                     TCPSIFT_OK);
    assert_int_equal(reversed, 1);
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &r), e);
    assert_int_equal(((uint8_t *)tcpsift_flow_entry_value(e))[cfg.value_size - 1], 0xab);

    /* Duplicates and bad classes are refused without side effects. */
    assert_int_equal(tcpsift_flow_table_insert(t, &r, 6000, TCPSIFT_FLOW_UDP, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_flow_table_insert(t, &k, 6000, (enum tcpsift_flow_class)9, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);

    tcpsift_flow_table_touch(t, e, 7000, TCPSIFT_FLOW_CLOSING);
    assert_int_equal(tcpsift_flow_entry_last_seen(e), 7000);
    assert_int_equal(tcpsift_flow_entry_class(e), TCPSIFT_FLOW_CLOSING);
    assert_int_equal(tcpsift_flow_table_now(t), 7000);

    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.inserts, 1);
    assert_int_equal(s.entries, 1);
    assert_int_equal(s.peak_entries, 1);

    tcpsift_flow_table_remove(t, e);
    assert_null(tcpsift_flow_table_lookup(t, &k));
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.removals, 1);
    assert_int_equal(s.peak_entries, 1);

    /* Reinsert after removal: a fresh, zeroed payload. */
    assert_int_equal(tcpsift_flow_table_insert(t, &k, 8000, TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_OK);
    assert_int_equal(((uint8_t *)tcpsift_flow_entry_value(e))[0], 0);
    tcpsift_flow_table_destroy(t);
}

/* Model check against a presence array: a 4-slot table (4 buckets) churned by
 * a fixed pseudo-random sequence of inserts, lookups and removals over 64
 * keys. Every eviction is reported, so the model can follow it exactly. */
typedef struct model {
    uint8_t present[64];
    unsigned evicted;
} model;

static void model_evict(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason why)
{
    model *m = ctx;
    uint64_t tag;
    assert_int_equal(why, TCPSIFT_FLOW_EVICTED);
    memcpy(&tag, v->value, sizeof tag);
    assert_true(tag < 64 && m->present[tag]);
    m->present[tag] = 0;
    m->evicted++;
}

static void test_collisions_model(void **state)
{
    tcpsift_flow_table_config cfg;
    model m = {{0}, 0};
    uint32_t rng = 12345;
    (void)state;
    base_config(&cfg, 4, 0);
    cfg.on_evict = model_evict;
    cfg.on_evict_ctx = &m;
    tcpsift_flow_table *t = make_table(&cfg);
    for (int step = 0; step < 20000; step++) {
        rng = rng * 1103515245u + 12345u;
        uint32_t n = (rng >> 16) % 64, op = (rng >> 24) % 3;
        tcpsift_flow_key k = nth_key(n);
        tcpsift_flow_entry *e = tcpsift_flow_table_lookup(t, &k);
        assert_int_equal(e != NULL, m.present[n]);
        if (e) {
            uint64_t tag;
            memcpy(&tag, tcpsift_flow_entry_value(e), sizeof tag);
            assert_int_equal(tag, n);
        }
        if (op == 0 && !e) {
            insert_tagged(t, n, (uint64_t)step, TCPSIFT_FLOW_ESTABLISHED);
            m.present[n] = 1;
        } else if (op == 1 && e) {
            tcpsift_flow_table_remove(t, e);
            m.present[n] = 0;
        } else if (e) {
            tcpsift_flow_table_touch(t, e, (uint64_t)step, TCPSIFT_FLOW_ESTABLISHED);
        }
        unsigned live = 0;
        for (int i = 0; i < 64; i++)
            live += m.present[i];
        tcpsift_flow_table_stats s;
        tcpsift_flow_table_get_stats(t, &s);
        assert_int_equal(s.entries, live);
        assert_true(live <= 4);
    }
    assert_true(m.evicted > 100); /* the sequence really exercised eviction */
    assert_true(tcpsift_flow_table_longest_chain(t) <= 4);
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ eviction order */

static void test_eviction_order(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    removal_log log = {0};
    (void)state;
    base_config(&cfg, 3, 2);
    cfg.on_evict = log_removal;
    cfg.on_evict_ctx = &log;
    tcpsift_flow_table *t = make_table(&cfg);

    tcpsift_flow_entry *a = insert_tagged(t, 1, 10, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 2, 20, TCPSIFT_FLOW_UDP);
    insert_tagged(t, 3, 30, TCPSIFT_FLOW_EMBRYONIC);
    /* Full: the embryonic-class entry goes first although it is the newest. */
    insert_tagged(t, 4, 40, TCPSIFT_FLOW_CLOSING);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.tag[0], 3);
    assert_int_equal(log.cls[0], TCPSIFT_FLOW_EMBRYONIC);
    assert_int_equal(log.reason[0], TCPSIFT_FLOW_EVICTED);
    assert_int_equal(log.embryo[0], 0);
    assert_null(tcpsift_flow_table_lookup(t, &(tcpsift_flow_key){0}));

    /* Then longest idle across classes: 1 was touched at 50, so 2 (20) goes. */
    tcpsift_flow_table_touch(t, a, 50, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 5, 60, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(log.count, 2);
    assert_int_equal(log.tag[1], 2);
    assert_int_equal(log.cls[1], TCPSIFT_FLOW_UDP);
    /* Then 4 (40) before 1 (50). */
    insert_tagged(t, 6, 70, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(log.tag[2], 4);
    assert_int_equal(log.cls[2], TCPSIFT_FLOW_CLOSING);
    insert_tagged(t, 7, 80, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(log.tag[3], 1);

    /* Equal idle times: ESTABLISHED before CLOSING before UDP. */
    tcpsift_flow_key k5 = nth_key(5), k6 = nth_key(6), k7 = nth_key(7);
    tcpsift_flow_table_touch(t, tcpsift_flow_table_lookup(t, &k7), 90, TCPSIFT_FLOW_UDP);
    tcpsift_flow_table_touch(t, tcpsift_flow_table_lookup(t, &k6), 90, TCPSIFT_FLOW_CLOSING);
    tcpsift_flow_table_touch(t, tcpsift_flow_table_lookup(t, &k5), 90, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 8, 90, TCPSIFT_FLOW_UDP);
    insert_tagged(t, 9, 90, TCPSIFT_FLOW_UDP);
    assert_int_equal(log.tag[4], 5);
    assert_int_equal(log.tag[5], 6);

    /* Embryo pool: the embryo idle longest goes. */
    tcpsift_flow_embryo *e10 = embryo_tagged(t, 10, 100);
    embryo_tagged(t, 11, 110);
    tcpsift_flow_table_embryo_touch(t, e10, 120);
    assert_int_equal(tcpsift_flow_embryo_last_seen(e10), 120);
    embryo_tagged(t, 12, 130);
    assert_int_equal(log.count, 7);
    assert_int_equal(log.tag[6], 11);
    assert_int_equal(log.embryo[6], 1);
    assert_int_equal(log.cls[6], TCPSIFT_FLOW_EMBRYONIC);

    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.evictions[TCPSIFT_FLOW_EMBRYONIC], 1);
    assert_int_equal(s.evictions[TCPSIFT_FLOW_UDP], 1);
    assert_int_equal(s.evictions[TCPSIFT_FLOW_CLOSING], 2);
    assert_int_equal(s.evictions[TCPSIFT_FLOW_ESTABLISHED], 2);
    assert_int_equal(s.embryo_evictions, 1);
    assert_int_equal(s.memcap_hits, 7);
    assert_int_equal(s.entries, 3);
    assert_int_equal(s.embryos, 2);
    assert_int_equal(s.inserts, 9);
    assert_int_equal(s.embryo_inserts, 3);
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ embryos */

typedef struct order_log {
    unsigned count;
    uint64_t tag[LOG_MAX];
    int embryo[LOG_MAX];
    unsigned stop_after;
} order_log;

static int log_order(void *ctx, const tcpsift_flow_view *v)
{
    order_log *log = ctx;
    assert_true(log->count < LOG_MAX);
    memcpy(&log->tag[log->count], v->value, sizeof(uint64_t));
    log->embryo[log->count] = v->embryo != NULL;
    log->count++;
    return log->stop_after && log->count >= log->stop_after;
}

/* Without allocator hooks the table uses the C library's (the other tests pass poisoned
 * memory): it works the same, and destroy returns everything (ASan's leak check). */
static void test_default_allocator(void **state)
{
    (void)state;
    tcpsift_flow_table_config cfg;
    base_config(&cfg, 4, 2);
    cfg.allocator = NULL;
    tcpsift_flow_table *t = make_table(&cfg);
    tcpsift_flow_key k = nth_key(7);
    tcpsift_flow_entry *e = NULL;
    assert_int_equal(tcpsift_flow_table_insert(t, &k, 5, TCPSIFT_FLOW_ESTABLISHED, &e), TCPSIFT_OK);
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &k), e);
    tcpsift_flow_table_stats st;
    tcpsift_flow_table_get_stats(t, &st);
    assert_int_equal(st.entries, 1);
    size_t need = 0;
    assert_int_equal(tcpsift_flow_table_memory_needed(&cfg, &need), TCPSIFT_OK);
    assert_int_equal(st.bytes_allocated, need);
    tcpsift_flow_table_destroy(t);
}

/* The in-place probe (a key built inside the probe) normalises exactly as the copying one,
 * whatever junk the unkeyed fields, spare bytes and unused IPv4 address bytes hold; the
 * look-ahead hints read nothing but the bucket and change nothing. */
static void test_probe_in_place_and_hints(void **state)
{
    (void)state;
    for (int keyed = 0; keyed < 2; keyed++) {
        tcpsift_flow_table_config cfg;
        base_config(&cfg, 8, 0);
        cfg.key_vlan = keyed;
        cfg.key_tunnel = keyed;
        tcpsift_flow_table *t = make_table(&cfg);
        for (uint32_t n = 0; n < 64; n++) {
            tcpsift_flow_key k = nth_key(n);
            k.vlan = (uint16_t)(0xF000u | n);
            k.tunnel = n * 977u;
            k.tunnel_kind = (uint8_t)(n % 3);
            k.spare[1] = 0xAA;
            if (k.ip_version == 4) {
                k.a_addr[9] = 0x55;
                k.b_addr[15] = (uint8_t)n;
            }
            tcpsift_flow_probe copied, in_place;
            tcpsift_flow_table_probe(t, &k, &copied);
            memset(&in_place, 0x5C, sizeof in_place);
            in_place.key = k;
            tcpsift_flow_table_probe_in_place(t, &in_place);
            assert_memory_equal(&in_place.key, &copied.key, sizeof copied.key);
            assert_true(in_place.hash == copied.hash);
            assert_memory_equal(&in_place.ck, &copied.ck, sizeof copied.ck);
            /* Hints on an empty bucket and on a filled one. */
            tcpsift_flow_table_prefetch_bucket(t, &in_place);
            tcpsift_flow_table_prefetch_entry(t, &in_place);
            if (n < 8) {
                tcpsift_flow_entry *e = NULL;
                assert_int_equal(tcpsift_flow_table_insert_probe(t, &in_place, 10 + n,
                                                                 TCPSIFT_FLOW_ESTABLISHED, &e),
                                 TCPSIFT_OK);
                tcpsift_flow_table_prefetch_entry(t, &in_place);
                assert_ptr_equal(tcpsift_flow_table_lookup(t, &k), e);
            }
        }
        tcpsift_flow_table_stats st;
        tcpsift_flow_table_get_stats(t, &st);
        assert_int_equal(st.entries, 8);
        tcpsift_flow_table_destroy(t);
    }
}

/* The tracker promotes the embryo its probe found without hashing again:
 * same result as the public promote; a probe of another key is refused. */
static void test_embryo_promote_probe(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_entry *e = NULL;
    tcpsift_flow_embryo *em = NULL;
    tcpsift_flow_probe pr, other;
    (void)state;
    base_config(&cfg, 4, 4);
    tcpsift_flow_table *t = make_table(&cfg);
    tcpsift_flow_key k1 = nth_key(1), k2 = nth_key(2);
    tcpsift_flow_table_probe(t, &k1, &pr);
    tcpsift_flow_table_probe(t, &k2, &other);
    assert_int_equal(tcpsift_flow_table_embryo_insert_probe(t, &pr, 100, 7, 0, &em), TCPSIFT_OK);
    uint64_t tag = 11;
    memcpy(tcpsift_flow_embryo_value(em), &tag, sizeof tag);
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup_probe(t, &pr), em);

    assert_int_equal(tcpsift_flow_table_embryo_promote_probe(t, &other, em, 110,
                                                             TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(e);
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &k1), em); /* untouched */

    assert_int_equal(tcpsift_flow_table_embryo_promote_probe(t, &pr, em, 120,
                                                             TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_OK);
    assert_non_null(e);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &k1));
    /* Found by an independent lookup (the public one hashes the key itself). */
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &k1), e);
    assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &pr), e);
    assert_int_equal(tcpsift_flow_entry_last_seen(e), 120);
    assert_int_equal(tcpsift_flow_entry_class(e), TCPSIFT_FLOW_ESTABLISHED);
    assert_memory_equal(tcpsift_flow_entry_value(e), &tag, sizeof tag);
    tcpsift_flow_table_stats s;
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.embryos, 0);
    assert_int_equal(s.entries, 1);
    assert_int_equal(s.promotions, 1);
    tcpsift_flow_table_destroy(t);
}

static void test_embryo_promote_and_order(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    order_log order = {0};
    tcpsift_flow_entry *e = NULL;
    (void)state;
    base_config(&cfg, 4, 4);
    tcpsift_flow_table *t = make_table(&cfg);

    tcpsift_flow_key k1 = nth_key(1);
    tcpsift_flow_embryo *em1 = NULL;
    assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k1, 100, 0xdeadbeef, 1, &em1),
                     TCPSIFT_OK);
    uint64_t tag1 = 1;
    memcpy(tcpsift_flow_embryo_value(em1), &tag1, sizeof tag1);
    assert_int_equal(tcpsift_flow_embryo_isn(em1), 0xdeadbeef);
    assert_int_equal(tcpsift_flow_embryo_syn_reversed(em1), 1);
    assert_int_equal(tcpsift_flow_embryo_last_seen(em1), 100);
    assert_true(key_is(embryo_key(em1), &k1));
    assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k1, 101, 1, 0, NULL),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &k1), em1);
    assert_null(tcpsift_flow_table_lookup(t, &k1)); /* embryos are not full entries */

    insert_tagged(t, 2, 110, TCPSIFT_FLOW_UDP);
    embryo_tagged(t, 3, 120);
    insert_tagged(t, 4, 130, TCPSIFT_FLOW_ESTABLISHED);

    assert_int_equal(tcpsift_flow_table_embryo_promote(t, em1, 140, TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_OK);
    assert_non_null(e);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &k1));
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &k1), e);
    assert_int_equal(tcpsift_flow_entry_last_seen(e), 140);
    assert_int_equal(tcpsift_flow_entry_class(e), TCPSIFT_FLOW_ESTABLISHED);
    /* Embryo payload copied to the head of the entry payload, rest zero. */
    uint8_t *v = tcpsift_flow_entry_value(e);
    assert_memory_equal(v, &tag1, sizeof tag1);
    for (size_t i = cfg.embryo_value_size; i < cfg.value_size; i++)
        assert_int_equal(v[i], 0);

    /* Insertion order, the promoted flow in its embryo's place. */
    assert_int_equal(tcpsift_flow_table_foreach(t, log_order, &order), 4);
    assert_int_equal(order.count, 4);
    const uint64_t want_tags[4] = {1, 2, 3, 4};
    const int want_embryo[4] = {0, 0, 1, 0};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(order.tag[i], want_tags[i]);
        assert_int_equal(order.embryo[i], want_embryo[i]);
    }

    /* Removal keeps the order of the rest; a visitor can stop early. */
    tcpsift_flow_key k2 = nth_key(2);
    tcpsift_flow_table_remove(t, tcpsift_flow_table_lookup(t, &k2));
    memset(&order, 0, sizeof order);
    order.stop_after = 2;
    assert_int_equal(tcpsift_flow_table_foreach(t, log_order, &order), 2);
    assert_int_equal(order.tag[0], 1);
    assert_int_equal(order.tag[1], 3);

    /* A key with a full entry cannot be promoted onto it. */
    tcpsift_flow_embryo *dup = NULL;
    assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k1, 150, 5, 0, &dup), TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_embryo_promote(t, dup, 150, TCPSIFT_FLOW_ESTABLISHED, &e),
                     TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(e);
    assert_ptr_equal(tcpsift_flow_table_embryo_lookup(t, &k1), dup);
    tcpsift_flow_table_embryo_remove(t, dup);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &k1));

    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.promotions, 1);
    assert_int_equal(s.embryos, 1);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.removals, 2);
    assert_int_equal(s.peak_embryos, 2);
    tcpsift_flow_table_destroy(t);
}

/* Promotion into a full pool evicts a full entry, never the promoted embryo. */
static void test_promote_when_full(void **state)
{
    tcpsift_flow_table_config cfg;
    removal_log log = {0};
    tcpsift_flow_entry *e = NULL;
    (void)state;
    base_config(&cfg, 2, 2);
    cfg.on_evict = log_removal;
    cfg.on_evict_ctx = &log;
    tcpsift_flow_table *t = make_table(&cfg);
    tcpsift_flow_embryo *em = embryo_tagged(t, 7, 5);
    insert_tagged(t, 1, 10, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 2, 20, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(tcpsift_flow_table_embryo_promote(t, em, 30, TCPSIFT_FLOW_EMBRYONIC, &e),
                     TCPSIFT_OK);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.tag[0], 1);
    assert_int_equal(log.embryo[0], 0);
    uint64_t tag;
    memcpy(&tag, tcpsift_flow_entry_value(e), sizeof tag);
    assert_int_equal(tag, 7);

    order_log order = {0};
    assert_int_equal(tcpsift_flow_table_foreach(t, log_order, &order), 2);
    assert_int_equal(order.tag[0], 7);
    assert_int_equal(order.tag[1], 2);
    tcpsift_flow_table_destroy(t);
}

/* A table without an embryo pool refuses embryos cleanly. */
static void test_no_embryo_pool(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_key k = nth_key(1);
    tcpsift_flow_embryo *em = (tcpsift_flow_embryo *)&k;
    (void)state;
    base_config(&cfg, 2, 0);
    tcpsift_flow_table *t = make_table(&cfg);
    assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k, 1, 1, 0, &em), TCPSIFT_E_NO_MEMORY);
    assert_null(em);
    assert_null(tcpsift_flow_table_embryo_lookup(t, &k));
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ time */

static void test_timeouts_by_class(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    removal_log log = {0};
    (void)state;
    base_config(&cfg, 8, 4);
    cfg.timeout_ns[TCPSIFT_FLOW_EMBRYONIC] = 10;
    cfg.timeout_ns[TCPSIFT_FLOW_ESTABLISHED] = 100;
    cfg.timeout_ns[TCPSIFT_FLOW_CLOSING] = 50;
    cfg.timeout_ns[TCPSIFT_FLOW_UDP] = 30;
    tcpsift_flow_table *t = make_table(&cfg);

    tcpsift_flow_entry *est = insert_tagged(t, 1, 1000, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 2, 1000, TCPSIFT_FLOW_CLOSING);
    insert_tagged(t, 3, 1000, TCPSIFT_FLOW_UDP);
    insert_tagged(t, 4, 1000, TCPSIFT_FLOW_EMBRYONIC);
    embryo_tagged(t, 5, 1000);

    /* Idle exactly the timeout: still alive (expiry needs idle > timeout). */
    assert_int_equal(tcpsift_flow_table_expire(t, 1010, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 1011, log_removal, &log), 2);
    assert_int_equal(log.tag[0], 5); /* embryos first */
    assert_int_equal(log.embryo[0], 1);
    assert_int_equal(log.tag[1], 4);
    assert_int_equal(log.cls[1], TCPSIFT_FLOW_EMBRYONIC);
    assert_int_equal(log.reason[0], TCPSIFT_FLOW_TIMED_OUT);
    assert_int_equal(log.reason[1], TCPSIFT_FLOW_TIMED_OUT);

    assert_int_equal(tcpsift_flow_table_expire(t, 1031, log_removal, &log), 1);
    assert_int_equal(log.tag[2], 3);
    assert_int_equal(log.cls[2], TCPSIFT_FLOW_UDP);
    assert_int_equal(tcpsift_flow_table_expire(t, 1051, log_removal, &log), 1);
    assert_int_equal(log.tag[3], 2);
    assert_int_equal(log.cls[3], TCPSIFT_FLOW_CLOSING);

    /* Activity resets the idle time. */
    tcpsift_flow_table_touch(t, est, 1060, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(tcpsift_flow_table_expire(t, 1150, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 1161, log_removal, &log), 1);
    assert_int_equal(log.tag[4], 1);
    assert_int_equal(log.reason[4], TCPSIFT_FLOW_TIMED_OUT);

    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.timeouts[TCPSIFT_FLOW_EMBRYONIC], 1);
    assert_int_equal(s.timeouts[TCPSIFT_FLOW_ESTABLISHED], 1);
    assert_int_equal(s.timeouts[TCPSIFT_FLOW_CLOSING], 1);
    assert_int_equal(s.timeouts[TCPSIFT_FLOW_UDP], 1);
    assert_int_equal(s.embryo_timeouts, 1);
    assert_int_equal(s.entries + s.embryos, 0);
    for (int c = 0; c < TCPSIFT_FLOW_CLASS_COUNT; c++)
        assert_int_equal(s.evictions[c], 0);
    tcpsift_flow_table_destroy(t);
}

/* A class change moves the entry to its new class's timeout. */
static void test_class_change_timeout(void **state)
{
    tcpsift_flow_table_config cfg;
    removal_log log = {0};
    (void)state;
    base_config(&cfg, 4, 0);
    cfg.timeout_ns[TCPSIFT_FLOW_ESTABLISHED] = 1000;
    cfg.timeout_ns[TCPSIFT_FLOW_CLOSING] = 20;
    tcpsift_flow_table *t = make_table(&cfg);
    tcpsift_flow_entry *a = insert_tagged(t, 1, 0, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 2, 5, TCPSIFT_FLOW_ESTABLISHED);
    tcpsift_flow_table_touch(t, a, 10, TCPSIFT_FLOW_CLOSING);
    assert_int_equal(tcpsift_flow_table_expire(t, 30, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 31, log_removal, &log), 1);
    assert_int_equal(log.tag[0], 1);
    assert_int_equal(log.cls[0], TCPSIFT_FLOW_CLOSING);
    tcpsift_flow_table_destroy(t);
}

/* expire returns at once until the earliest deadline passes; that bound is
 * recomputed after each pass and lowered again by any flow whose class has
 * a shorter timeout, so such a flow still expires on time. */
static void test_expire_deadline_after_pass(void **state)
{
    tcpsift_flow_table_config cfg;
    removal_log log = {0};
    (void)state;
    base_config(&cfg, 8, 4);
    cfg.timeout_ns[TCPSIFT_FLOW_EMBRYONIC] = 10;
    cfg.timeout_ns[TCPSIFT_FLOW_ESTABLISHED] = 1000;
    cfg.timeout_ns[TCPSIFT_FLOW_CLOSING] = 20;
    cfg.timeout_ns[TCPSIFT_FLOW_UDP] = 30;
    tcpsift_flow_table *t = make_table(&cfg);
    tcpsift_flow_entry *est = insert_tagged(t, 1, 0, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 2, 0, TCPSIFT_FLOW_UDP);
    assert_int_equal(tcpsift_flow_table_expire(t, 31, log_removal, &log), 1); /* a pass: UDP */
    assert_int_equal(log.tag[0], 2);
    /* Only the established flow is left (deadline 1000); a new embryo's is 110. */
    embryo_tagged(t, 3, 100);
    assert_int_equal(tcpsift_flow_table_expire(t, 110, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 111, log_removal, &log), 1);
    assert_int_equal(log.tag[1], 3);
    assert_int_equal(log.embryo[1], 1);
    /* An embryonic full entry inserted later, and a touch into CLOSING. */
    insert_tagged(t, 4, 200, TCPSIFT_FLOW_EMBRYONIC);
    tcpsift_flow_table_touch(t, est, 205, TCPSIFT_FLOW_CLOSING);
    assert_int_equal(tcpsift_flow_table_expire(t, 210, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 211, log_removal, &log), 1);
    assert_int_equal(log.tag[2], 4);
    assert_int_equal(tcpsift_flow_table_expire(t, 225, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 226, log_removal, &log), 1);
    assert_int_equal(log.tag[3], 1);
    assert_int_equal(log.cls[3], TCPSIFT_FLOW_CLOSING);
    /* An embryo touched (SYN retransmission) counts from the touch. */
    tcpsift_flow_embryo *em = embryo_tagged(t, 5, 300);
    assert_int_equal(tcpsift_flow_table_expire(t, 305, log_removal, &log), 0);
    tcpsift_flow_table_embryo_touch(t, em, 308);
    assert_int_equal(tcpsift_flow_table_expire(t, 318, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 319, log_removal, &log), 1);
    assert_int_equal(log.count, 5);
    tcpsift_flow_table_destroy(t);
}

/* Time going backwards: the clock holds, nothing expires en masse, idle
 * times never go negative (an unsigned wrap would expire everything). */
static void test_time_backwards(void **state)
{
    tcpsift_flow_table_config cfg;
    removal_log log = {0};
    (void)state;
    base_config(&cfg, 8, 4);
    for (int c = 0; c < TCPSIFT_FLOW_CLASS_COUNT; c++)
        cfg.timeout_ns[c] = 30;
    tcpsift_flow_table *t = make_table(&cfg);

    tcpsift_flow_entry *x = insert_tagged(t, 1, 1000000, TCPSIFT_FLOW_UDP);
    insert_tagged(t, 2, 1000000, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(tcpsift_flow_table_expire(t, 5, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 0, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_now(t), 1000000);

    /* A packet stamped in the past counts as now. */
    tcpsift_flow_table_touch(t, x, 3, TCPSIFT_FLOW_UDP);
    assert_int_equal(tcpsift_flow_entry_last_seen(x), 1000000);
    tcpsift_flow_entry *y = insert_tagged(t, 3, 0, TCPSIFT_FLOW_UDP);
    assert_int_equal(tcpsift_flow_entry_last_seen(y), 1000000);
    tcpsift_flow_embryo *em = embryo_tagged(t, 4, 7);
    assert_int_equal(tcpsift_flow_embryo_last_seen(em), 1000000);

    assert_int_equal(tcpsift_flow_table_expire(t, 1000030, log_removal, &log), 0);
    assert_int_equal(tcpsift_flow_table_expire(t, 1000031, log_removal, &log), 4);
    assert_int_equal(log.count, 4);
    tcpsift_flow_table_destroy(t);
}

/* A huge jump expires everything in one call; NO_TIMEOUT classes stay. */
static void test_huge_time_jump(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    (void)state;
    base_config(&cfg, 1024, 512);
    tcpsift_flow_table *t = make_table(&cfg);
    for (uint32_t n = 0; n < 1000; n++)
        insert_tagged(t, n, 1000 + n, (enum tcpsift_flow_class)(n % TCPSIFT_FLOW_CLASS_COUNT));
    for (uint32_t n = 0; n < 500; n++)
        embryo_tagged(t, 5000 + n, 3000 + n);
    /* 100 years later, in one call. */
    size_t gone =
        tcpsift_flow_table_expire(t, UINT64_C(100) * 365 * 24 * 3600 * 1000000000u, NULL, NULL);
    assert_int_equal(gone, 1500);
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.embryos, 0);
    assert_int_equal(s.timeouts[TCPSIFT_FLOW_UDP], 250);
    assert_int_equal(s.embryo_timeouts, 500);
    order_log order = {0};
    assert_int_equal(tcpsift_flow_table_foreach(t, log_order, &order), 0);
    /* The jump to the largest time still works (no overflow). */
    insert_tagged(t, 1, 0, TCPSIFT_FLOW_UDP);
    assert_int_equal(tcpsift_flow_table_expire(t, UINT64_MAX, NULL, NULL), 1);
    tcpsift_flow_table_destroy(t);

    /* NO_TIMEOUT: survives any jump. */
    cfg.timeout_ns[TCPSIFT_FLOW_ESTABLISHED] = TCPSIFT_FLOW_NO_TIMEOUT;
    t = make_table(&cfg);
    insert_tagged(t, 1, 0, TCPSIFT_FLOW_ESTABLISHED);
    insert_tagged(t, 2, 0, TCPSIFT_FLOW_UDP);
    assert_int_equal(tcpsift_flow_table_expire(t, UINT64_MAX, NULL, NULL), 1);
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.entries, 1);
    tcpsift_flow_table_destroy(t);
}

/* Bounded expiry: at most max_flows per call, oldest first, none lost. */
static void test_expire_some(void **state)
{
    tcpsift_flow_table_config cfg;
    removal_log log = {0};
    (void)state;
    base_config(&cfg, 16, 4);
    for (int c = 0; c < TCPSIFT_FLOW_CLASS_COUNT; c++)
        cfg.timeout_ns[c] = 10;
    tcpsift_flow_table *t = make_table(&cfg);
    embryo_tagged(t, 100, 0);
    for (uint32_t n = 1; n <= 6; n++)
        insert_tagged(t, n, n, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(tcpsift_flow_table_expire_some(t, 1000, 3, log_removal, &log), 3);
    assert_int_equal(tcpsift_flow_table_expire_some(t, 1000, 3, log_removal, &log), 3);
    assert_int_equal(tcpsift_flow_table_expire_some(t, 1000, 3, log_removal, &log), 1);
    assert_int_equal(tcpsift_flow_table_expire_some(t, 1000, 3, log_removal, &log), 0);
    const uint64_t want[7] = {100, 1, 2, 3, 4, 5, 6};
    assert_int_equal(log.count, 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(log.tag[i], want[i]);
    assert_int_equal(tcpsift_flow_table_expire_some(t, 1000, 0, log_removal, &log), 0);
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ memory */

static void test_memory_cap_and_hooks(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    counting_allocator ca = {0};
    tcpsift_allocator hooks = {counting_alloc, counting_free, &ca};
    tcpsift_flow_table *t = NULL;
    size_t need = 0;
    (void)state;
    base_config(&cfg, 1000, 300);
    cfg.allocator = &hooks;
    assert_int_equal(tcpsift_flow_table_memory_needed(&cfg, &need), TCPSIFT_OK);
    /* Pools + their full keys (48 bytes a slot, see flow_ckey) + bucket arrays (1024 and
     * 512 buckets of 4 bytes) + the recent-flow index (8 bytes per full bucket, up to 16,384)
     * + the table. */
    size_t pools = 1000 * (48 + 32 + 48) + 300 * (56 + 8 + 48) + 1024 * 4 + 512 * 4 + 1024 * 8;
    assert_true(need > pools && need < pools + 1024);

    /* One byte under the cap needed: refused before any allocation. */
    cfg.memcap_bytes = need - 1;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_NO_MEMORY);
    assert_null(t);
    assert_int_equal(ca.calls, 0);

    /* Exactly the cap: accepted, one allocation of exactly that size. */
    cfg.memcap_bytes = need;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    assert_int_equal(ca.calls, 1);
    assert_int_equal(ca.outstanding, need);
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.bytes_allocated, need);

    /* Churn far past capacity: no further allocation, ever. */
    for (uint32_t n = 0; n < 5000; n++) {
        insert_tagged(t, n, n, TCPSIFT_FLOW_ESTABLISHED);
        embryo_tagged(t, 100000 + n, n);
    }
    tcpsift_flow_table_expire(t, UINT64_MAX, NULL, NULL);
    assert_int_equal(ca.calls, 1);
    assert_true(ca.peak <= cfg.memcap_bytes);
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.peak_entries, 1000);
    assert_int_equal(s.peak_embryos, 300);
    assert_int_equal(s.memcap_hits, (5000 - 1000) + (5000 - 300));
    tcpsift_flow_table_destroy(t);
    assert_int_equal(ca.outstanding, 0);
    assert_int_equal(ca.frees, 1);

    /* An allocator that fails: NO_MEMORY, nothing leaked. */
    ca.cap = 100;
    cfg.memcap_bytes = 0;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_NO_MEMORY);
    assert_null(t);
    assert_int_equal(ca.refusals, 1);
    assert_int_equal(ca.outstanding, 0);
}

static void test_bad_configs(void **state)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table *t = NULL;
    tcpsift_allocator half = {counting_alloc, NULL, NULL};
    size_t need = 1;
    (void)state;

    base_config(&cfg, 0, 4);
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    base_config(&cfg, TCPSIFT_FLOW_MAX_CAPACITY + 1, 4);
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    base_config(&cfg, 4, TCPSIFT_FLOW_MAX_CAPACITY + 1);
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    base_config(&cfg, 4, 4);
    cfg.embryo_value_size = cfg.value_size + 1;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    base_config(&cfg, 4, 4);
    cfg.value_size = 1000;
    cfg.embryo_value_size = TCPSIFT_FLOW_EMBRYO_VALUE_MAX + 1;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    base_config(&cfg, 4, 4);
    cfg.allocator = &half;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_flow_table_memory_needed(&cfg, &need), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(need, 0);
    assert_int_equal(tcpsift_flow_table_create(NULL, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
    /* The largest legal configuration does not fit a small cap. */
    base_config(&cfg, TCPSIFT_FLOW_MAX_CAPACITY, TCPSIFT_FLOW_MAX_CAPACITY);
    cfg.memcap_bytes = (size_t)1 << 30;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_E_NO_MEMORY);
    assert_null(t);
    tcpsift_flow_table_destroy(NULL);
}

/* Entry sizes, reported and pinned (the project budgets <= 200 bytes per
 * open connection including the tracker's state). */
static void test_entry_sizes(void **state)
{
    tcpsift_flow_table_config cfg;
    size_t need_small = 0, need_big = 0;
    (void)state;
    base_config(&cfg, 65536, 16384);
    cfg.value_size = 0;
    cfg.embryo_value_size = 0;
    tcpsift_flow_table *t = make_table(&cfg);
    size_t entry = tcpsift_flow_table_entry_size(t), embryo = tcpsift_flow_table_embryo_size(t);
    tcpsift_flow_table_destroy(t);
    cfg.value_size = 120;
    cfg.embryo_value_size = 20;
    t = make_table(&cfg);
    size_t entry120 = tcpsift_flow_table_entry_size(t),
           embryo20 = tcpsift_flow_table_embryo_size(t);
    tcpsift_flow_table_destroy(t);

    /* Per-connection overhead including the bucket array: difference in
     * memory needed for 65536 vs 131072 connections, no payload. */
    cfg.value_size = cfg.embryo_value_size = 0;
    cfg.embryo_capacity = 0;
    assert_int_equal(tcpsift_flow_table_memory_needed(&cfg, &need_small), TCPSIFT_OK);
    cfg.max_connections = 131072;
    assert_int_equal(tcpsift_flow_table_memory_needed(&cfg, &need_big), TCPSIFT_OK);
    size_t per_conn = (need_big - need_small) / 65536;

    printf("flow table sizes: full entry %zu bytes + value_size (rounded to 8); "
           "embryo %zu bytes + embryo_value_size; with value 120 / embryo value 20: %zu / %zu; "
           "per connection incl. bucket array: %zu bytes (16 of them the node's key, 48 the "
           "full key reserved for a flow that is not compact)\n",
           entry, embryo, entry120, embryo20, per_conn);
    assert_int_equal(entry, 48);
    assert_int_equal(embryo, 56);
    assert_int_equal(entry120, 48 + 120);
    assert_int_equal(embryo20, 56 + 24);
    assert_int_equal(per_conn, 48 + 48 + 4);
}

/* ------------------------------------------------------------ floods */

typedef struct flood_count {
    uint64_t evicted, timed_out;
} flood_count;

static void count_removal(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason r)
{
    flood_count *c = ctx;
    assert_non_null(v->embryo);
    if (r == TCPSIFT_FLOW_EVICTED)
        c->evicted++;
    else
        c->timed_out++;
}

/* `syns` distinct SYNs (no answer) against a table: the full pool is never
 * touched, memory stays at what create took, every eviction is counted. */
static void syn_flood(uint32_t max_connections, uint32_t embryos, uint32_t syns)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_stats s;
    counting_allocator ca = {0};
    tcpsift_allocator hooks = {counting_alloc, counting_free, &ca};
    flood_count fc = {0, 0};
    size_t need = 0;

    base_config(&cfg, max_connections, embryos);
    cfg.value_size = 128;
    cfg.embryo_value_size = 16;
    cfg.allocator = &hooks;
    cfg.on_evict = count_removal;
    cfg.on_evict_ctx = &fc;
    assert_int_equal(tcpsift_flow_table_memory_needed(&cfg, &need), TCPSIFT_OK);
    cfg.memcap_bytes = need;
    tcpsift_flow_table *t = make_table(&cfg);
    ca.cap = cfg.memcap_bytes; /* any later allocation beyond the cap would be refused */

    for (uint32_t n = 0; n < syns; n++) {
        tcpsift_flow_key k = nth_key(n);
        /* The tracker's path for a SYN: full lookup, embryo lookup, insert. */
        assert_null(tcpsift_flow_table_lookup(t, &k));
        assert_null(tcpsift_flow_table_embryo_lookup(t, &k));
        assert_int_equal(tcpsift_flow_table_embryo_insert(t, &k, (uint64_t)n * 1000, n, 0, NULL),
                         TCPSIFT_OK);
    }
    tcpsift_flow_table_get_stats(t, &s);
    printf("SYN flood: %u SYNs, %u entries, %u embryos: %llu evicted, %zu bytes (cap %zu)\n", syns,
           max_connections, embryos, (unsigned long long)s.embryo_evictions, ca.peak,
           cfg.memcap_bytes);
    assert_int_equal(s.embryo_inserts, syns);
    assert_int_equal(s.embryo_evictions, syns - embryos);
    assert_int_equal(fc.evicted, syns - embryos);
    assert_int_equal(s.memcap_hits, syns - embryos);
    assert_int_equal(s.embryos, embryos);
    assert_int_equal(s.peak_embryos, embryos);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.peak_entries, 0);
    assert_int_equal(ca.calls, 1);
    assert_true(ca.peak <= cfg.memcap_bytes);

    /* The survivors are exactly the newest `embryos` SYNs. */
    tcpsift_flow_key newest = nth_key(syns - 1), evicted = nth_key(syns - embryos - 1);
    assert_non_null(tcpsift_flow_table_embryo_lookup(t, &newest));
    assert_null(tcpsift_flow_table_embryo_lookup(t, &evicted));
    tcpsift_flow_table_destroy(t);
    assert_int_equal(ca.outstanding, 0);
}

static void test_syn_flood_small(void **state)
{
    (void)state;
    syn_flood(4096, 1024, 100000);
}

/* The figure: 1M distinct SYNs against a 64k-entry table. */
static void test_syn_flood_1m_against_64k(void **state)
{
    (void)state;
    syn_flood(65536, 16384, 1000000);
}

/* ------------------------------------------------------------ hashing, determinism */

/* Tuples an attacker would line up (one source, consecutive ports) spread
 * over the buckets: the longest chain stays short. With 4096 keys in 4096
 * buckets a uniform hash gives a longest chain of about 7. */
static void test_structured_keys_spread(void **state)
{
    tcpsift_flow_table_config cfg;
    (void)state;
    base_config(&cfg, 4096, 0);
    tcpsift_flow_table *t = make_table(&cfg);
    for (uint32_t p = 0; p < 4096; p++) {
        tcpsift_flow_key k = v4_key(1, (uint16_t)(10000 + p), 80);
        assert_int_equal(tcpsift_flow_table_insert(t, &k, 0, TCPSIFT_FLOW_ESTABLISHED, NULL),
                         TCPSIFT_OK);
    }
    uint32_t longest = tcpsift_flow_table_longest_chain(t);
    printf("4096 consecutive-port keys: longest chain %u\n", longest);
    assert_true(longest >= 2 && longest <= 12);
    for (uint32_t p = 0; p < 4096; p++) {
        tcpsift_flow_key k = v4_key(1, (uint16_t)(10000 + p), 80);
        assert_non_null(tcpsift_flow_table_lookup(t, &k));
    }
    tcpsift_flow_table_destroy(t);
}

/* Replays one pseudo-random workload and returns a digest of the eviction
 * and timeout sequence (which flow, why, in which order). */
typedef struct digest {
    uint64_t h;
    uint64_t events;
} digest;

static void digest_removal(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason r)
{
    digest *d = ctx;
    uint64_t tag;
    memcpy(&tag, v->value, sizeof tag);
    d->h = (d->h ^ (tag * 4 + (uint64_t)r * 2 + (v->embryo != NULL))) * UINT64_C(0x100000001b3);
    d->events++;
}

static digest run_workload(const uint8_t hash_key[16])
{
    tcpsift_flow_table_config cfg;
    digest d = {UINT64_C(0xcbf29ce484222325), 0};
    uint32_t rng = 99;
    base_config(&cfg, 64, 32);
    memcpy(cfg.hash_key, hash_key, 16);
    cfg.timeout_ns[TCPSIFT_FLOW_EMBRYONIC] = 50;
    cfg.timeout_ns[TCPSIFT_FLOW_UDP] = 300;
    cfg.on_evict = digest_removal;
    cfg.on_evict_ctx = &d;
    tcpsift_flow_table *t = make_table(&cfg);
    for (uint64_t now = 0; now < 20000; now++) {
        rng = rng * 1103515245u + 12345u;
        uint32_t n = (rng >> 8) % 500;
        tcpsift_flow_key k = nth_key(n);
        tcpsift_flow_entry *e = tcpsift_flow_table_lookup(t, &k);
        tcpsift_flow_embryo *em = tcpsift_flow_table_embryo_lookup(t, &k);
        if (e) {
            tcpsift_flow_table_touch(t, e, now, (enum tcpsift_flow_class)(rng >> 29));
        } else if (em && (rng & 1)) {
            tcpsift_flow_table_embryo_promote(t, em, now, TCPSIFT_FLOW_ESTABLISHED, &e);
        } else if (!em && (rng & 2)) {
            embryo_tagged(t, n, now);
        } else if (!em) {
            insert_tagged(t, n, now, TCPSIFT_FLOW_UDP);
        }
        if (now % 64 == 0) tcpsift_flow_table_expire(t, now, NULL, NULL);
    }
    tcpsift_flow_table_destroy(t);
    return d;
}

static void test_deterministic_eviction(void **state)
{
    uint8_t other_key[16];
    (void)state;
    for (int i = 0; i < 16; i++)
        other_key[i] = (uint8_t)(0xf0 ^ i);
    digest a = run_workload(test_hash_key), b = run_workload(test_hash_key);
    digest c = run_workload(other_key);
    printf("workload: %llu evictions/timeouts\n", (unsigned long long)a.events);
    assert_true(a.events > 1000);
    assert_int_equal(a.events, b.events);
    assert_true(a.h == b.h);
    /* Eviction never depends on the hash key (documented property). */
    assert_int_equal(a.events, c.events);
    assert_true(a.h == c.h);
}

/* Re-entry: a callback that tries to change its table is refused, and the table stays whole. */
typedef struct reentry_probe {
    tcpsift_flow_table *t;
    tcpsift_flow_entry *other; /* a live entry the callback tries to touch and remove */
    tcpsift_flow_embryo *embryo;
    unsigned calls;
    tcpsift_error insert, embryo_insert, promote;
    size_t expired;
} reentry_probe;

static void reentry_try_all(reentry_probe *rp)
{
    tcpsift_flow_key k = nth_key(900 + rp->calls);
    tcpsift_flow_entry *e = (tcpsift_flow_entry *)1;
    tcpsift_flow_embryo *em = (tcpsift_flow_embryo *)1;
    rp->calls++;
    rp->insert = tcpsift_flow_table_insert(rp->t, &k, 1000, TCPSIFT_FLOW_ESTABLISHED, &e);
    assert_null(e);
    rp->embryo_insert = tcpsift_flow_table_embryo_insert(rp->t, &k, 1000, 1, 0, &em);
    assert_null(em);
    rp->promote = tcpsift_flow_table_embryo_promote(rp->t, rp->embryo, 1000,
                                                    TCPSIFT_FLOW_ESTABLISHED, &e);
    rp->expired = tcpsift_flow_table_expire(rp->t, UINT64_MAX, NULL, NULL) +
                  tcpsift_flow_table_expire_some(rp->t, UINT64_MAX, 10, NULL, NULL);
    tcpsift_flow_table_touch(rp->t, rp->other, 1000, TCPSIFT_FLOW_CLOSING);
    tcpsift_flow_table_remove(rp->t, rp->other);
    tcpsift_flow_table_embryo_touch(rp->t, rp->embryo, 1000);
    tcpsift_flow_table_embryo_remove(rp->t, rp->embryo);
    tcpsift_flow_table_destroy(rp->t);
    /* Reading is allowed: the entry is still there. */
    tcpsift_flow_key other = nth_key(2);
    assert_true(tcpsift_flow_table_lookup(rp->t, &other) == rp->other);
}

static void reentry_on_remove(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason why)
{
    (void)v;
    (void)why;
    reentry_try_all(ctx);
}

static int reentry_on_visit(void *ctx, const tcpsift_flow_view *v)
{
    (void)v;
    reentry_try_all(ctx);
    return 0;
}

static void assert_reentry_refused(const reentry_probe *rp, tcpsift_flow_table *t)
{
    tcpsift_flow_table_stats s;
    tcpsift_flow_key other = nth_key(2);
    assert_true(rp->calls > 0);
    assert_int_equal(rp->insert, TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(rp->embryo_insert, TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(rp->promote, TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(rp->expired, 0);
    /* Nothing the callback tried took effect. */
    assert_true(tcpsift_flow_table_lookup(t, &other) == rp->other);
    assert_int_equal(tcpsift_flow_entry_class(rp->other), TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(tcpsift_flow_entry_last_seen(rp->other), 20);
    assert_int_equal(tcpsift_flow_embryo_last_seen(rp->embryo), 5);
    for (unsigned i = 0; i < rp->calls; i++) {
        tcpsift_flow_key k = nth_key(900 + i);
        assert_null(tcpsift_flow_table_lookup(t, &k));
        assert_null(tcpsift_flow_table_embryo_lookup(t, &k));
    }
    tcpsift_flow_table_get_stats(t, &s);
    assert_int_equal(s.removals, 0);
    assert_int_equal(s.promotions, 0);
}

static void test_callback_reentry_refused(void **state)
{
    tcpsift_flow_table_config cfg;
    reentry_probe rp = {0};
    (void)state;
    base_config(&cfg, 2, 1);
    cfg.on_evict = reentry_on_remove;
    cfg.on_evict_ctx = &rp;
    tcpsift_flow_table *t = make_table(&cfg);
    rp.t = t;
    rp.embryo = embryo_tagged(t, 50, 5);
    insert_tagged(t, 1, 10, TCPSIFT_FLOW_ESTABLISHED);
    rp.other = insert_tagged(t, 2, 20, TCPSIFT_FLOW_ESTABLISHED);

    /* An eviction's callback, inside insert: the table is full, 1 goes. */
    insert_tagged(t, 3, 30, TCPSIFT_FLOW_ESTABLISHED);
    assert_int_equal(rp.calls, 1);
    assert_reentry_refused(&rp, t);
    tcpsift_flow_key first = nth_key(1);
    assert_null(tcpsift_flow_table_lookup(t, &first)); /* the eviction itself went through */

    /* A visit's callback, inside foreach: each of the three flows. */
    rp.calls = 0;
    assert_int_equal(tcpsift_flow_table_foreach(t, reentry_on_visit, &rp), 3);
    assert_int_equal(rp.calls, 3);
    assert_reentry_refused(&rp, t);

    /* Outside callbacks the same calls work again. */
    tcpsift_flow_key k = nth_key(4);
    assert_int_equal(tcpsift_flow_table_insert(t, &k, 40, TCPSIFT_FLOW_ESTABLISHED, NULL),
                     TCPSIFT_OK);
    tcpsift_flow_table_remove(t, rp.other);
    tcpsift_flow_key other = nth_key(2);
    assert_null(tcpsift_flow_table_lookup(t, &other));
    tcpsift_flow_table_destroy(t);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tcpsift_flow_class_name(TCPSIFT_FLOW_EMBRYONIC), "embryonic");
    assert_string_equal(tcpsift_flow_class_name(TCPSIFT_FLOW_ESTABLISHED), "established");
    assert_string_equal(tcpsift_flow_class_name(TCPSIFT_FLOW_CLOSING), "closing");
    assert_string_equal(tcpsift_flow_class_name(TCPSIFT_FLOW_UDP), "udp");
    assert_string_equal(tcpsift_flow_class_name((enum tcpsift_flow_class)17), "unknown");
    assert_string_equal(tcpsift_flow_remove_reason_name(TCPSIFT_FLOW_TIMED_OUT), "timed_out");
    assert_string_equal(tcpsift_flow_remove_reason_name(TCPSIFT_FLOW_EVICTED), "evicted");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_symmetry_ipv4),
        cmocka_unit_test(test_key_symmetry_ipv6_and_vlan),
        cmocka_unit_test(test_key_bad_arguments),
        cmocka_unit_test(test_table_vlan_keying),
        cmocka_unit_test(test_key_tunnel_fields),
        cmocka_unit_test(test_table_tunnel_keying),
        cmocka_unit_test(test_insert_lookup_remove),
        cmocka_unit_test(test_collisions_model),
        cmocka_unit_test(test_eviction_order),
        cmocka_unit_test(test_embryo_promote_and_order),
        cmocka_unit_test(test_embryo_promote_probe),
        cmocka_unit_test(test_probe_in_place_and_hints),
        cmocka_unit_test(test_default_allocator),
        cmocka_unit_test(test_promote_when_full),
        cmocka_unit_test(test_no_embryo_pool),
        cmocka_unit_test(test_timeouts_by_class),
        cmocka_unit_test(test_class_change_timeout),
        cmocka_unit_test(test_expire_deadline_after_pass),
        cmocka_unit_test(test_time_backwards),
        cmocka_unit_test(test_huge_time_jump),
        cmocka_unit_test(test_expire_some),
        cmocka_unit_test(test_memory_cap_and_hooks),
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_entry_sizes),
        cmocka_unit_test(test_syn_flood_small),
        cmocka_unit_test(test_syn_flood_1m_against_64k),
        cmocka_unit_test(test_structured_keys_spread),
        cmocka_unit_test(test_deterministic_eviction),
        cmocka_unit_test(test_callback_reentry_refused),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

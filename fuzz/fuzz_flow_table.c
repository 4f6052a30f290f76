/* Fuzz harness: the flow table (tcpsift/flow_table.h) driven directly, against a model, over
 * a universe of keys of every kind the table stores differently: IPv4 flows (a compact 16-byte
 * key in the node), IPv4 in a VLAN (compact when VLAN is keyed), IPv4 in a tunnel and IPv6
 * flows with and without VLAN and tunnel (the full key in the pool's side array), each used in
 * either direction. Tiny pools (1..8 slots, so 1..8 buckets) put both kinds in one chain.
 *
 * Input:
 *   byte 0  bits 0-2 max_connections - 1 (1..8); bits 3-5 embryo_capacity (0..7);
 *           bit 6 key_vlan; bit 7 key_tunnel
 *   byte 1  xored into the hash key (a fixed key otherwise), so chains vary
 *   then 4-byte operations:
 *     o0  bits 0-2 operation: lookup, insert, touch, remove, embryo insert, embryo
 *         promote (public or probe-checked, by o3 bit 2), embryo touch / remove / lookup
 *         (o3 bits 0-1), expire or foreach (o3 bit 3); bits 3-7 key (of 32)
 *     o1  bit 0 the key the other way round; bits 1-2 salt of the VLAN id and tunnel id (they
 *         only matter where keyed; the model normalises exactly as the table documents)
 *     o2  time step: o2 ms, or (o2 & 0x7F) * 20 s when bit 7 (timeouts)
 *     o3  class (bits 4-5) and the flags above
 *
 * Properties:
 *   - every lookup (full and embryo) agrees with the model: the handle of the flow's
 *     normalised key, or NULL; inserts and promotions fail exactly when the model says
 *     (a duplicate, no embryo pool);
 *   - every key read back (tcpsift_flow_entry_key_get, tcpsift_flow_embryo_key_get, the views
 *     of evictions, expiry and foreach) is the model's normalised key byte for byte, and a
 *     view's handle is the model's;
 *   - the tracker's per-packet lookup (a hinted probe of an IPv4 packet of the flow, through
 *     the recent-flow index, either direction) finds what the public lookup finds, whatever
 *     the index's words hold (with 1..8 buckets they are shared and go stale constantly);
 *   - a node holds the compact form exactly for IPv4 keys outside a keyed tunnel;
 *   - foreach visits every flow once; the table's counts equal the model's, within capacity;
 *   - time: the model keeps each flow's last touch and class; expiry removes exactly the flows
 *     idle longer than their class's timeout (and returns how many), an eviction removes the
 *     flow the documented order names (embryonic class first, then the longest idle, ties
 *     ESTABLISHED, CLOSING, UDP; within a class the one touched first);
 *   - one allocation at create, given back at destroy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow_table_internal.h"
#include "fuzz_check.h"
#include "tcpsift/decode.h"
#include "tcpsift/flow_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEYS   32
#define OP_SIZE 4

typedef struct model_flow {
    tcpsift_flow_key key; /* normalised */
    tcpsift_flow_entry *entry;
    tcpsift_flow_embryo *embryo;
    uint64_t entry_seen, embryo_seen; /* last touch (insert, touch, promote) */
    uint64_t entry_order, embryo_order; /* when, in touches: LRU order within a list */
    enum tcpsift_flow_class cls;
} model_flow;

typedef struct model {
    model_flow f[4 * NKEYS]; /* one per distinct normalised key seen (4 salts) */
    size_t n;
    uint32_t entries, embryos;
    size_t visited;
    int key_vlan, key_tunnel;
    size_t allocated, allocations;
    uint64_t touches;     /* counter behind entry_order / embryo_order */
    uint64_t now;         /* the table's clock */
    const uint64_t *timeout_ns;
    int expiring;         /* inside tcpsift_flow_table_expire() */
    size_t removed;       /* removals seen by on_removed */
    const void *victim;   /* the handle an eviction must take now, or NULL: none expected */
} model;

static void entry_touched(model *m, model_flow *f, enum tcpsift_flow_class cls)
{
    f->entry_seen = m->now;
    f->entry_order = ++m->touches;
    f->cls = cls;
}

static void embryo_touched(model *m, model_flow *f)
{
    f->embryo_seen = m->now;
    f->embryo_order = ++m->touches;
}

/* The full pool's eviction victim by the documented order. */
static const void *full_victim(const model *m)
{
    static const enum tcpsift_flow_class order[] = {TCPSIFT_FLOW_EMBRYONIC, TCPSIFT_FLOW_ESTABLISHED,
                                                    TCPSIFT_FLOW_CLOSING, TCPSIFT_FLOW_UDP};
    const model_flow *best = NULL;
    for (size_t c = 0; c < 4; c++) {
        const model_flow *head = NULL; /* the class's least recently touched */
        for (size_t i = 0; i < m->n; i++) {
            const model_flow *f = &m->f[i];
            if (f->entry && f->cls == order[c] && (!head || f->entry_order < head->entry_order))
                head = f;
        }
        if (!head) continue;
        if (c == 0) return head->entry; /* an embryonic-class entry goes first */
        if (!best || head->entry_seen < best->entry_seen) best = head;
    }
    return best ? best->entry : NULL;
}

static const void *embryo_victim(const model *m)
{
    const model_flow *best = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (m->f[i].embryo && (!best || m->f[i].embryo_order < best->embryo_order)) best = &m->f[i];
    return best ? best->embryo : NULL;
}

/* Whether a flow is idle past its timeout at the model's clock. */
static int entry_expired(const model *m, const model_flow *f)
{
    return m->now - f->entry_seen > m->timeout_ns[f->cls];
}

static int embryo_expired(const model *m, const model_flow *f)
{
    return m->now - f->embryo_seen > m->timeout_ns[TCPSIFT_FLOW_EMBRYONIC];
}

static void *m_alloc(void *ctx, size_t size)
{
    model *m = ctx;
    void *p = malloc(size ? size : 1);
    if (p) {
        m->allocated += size;
        m->allocations++;
    }
    return p;
}

static void m_free(void *ctx, void *p, size_t size)
{
    model *m = ctx;
    FUZZ_CHECK(p != NULL && size == m->allocated);
    m->allocated = 0;
    free(p);
}

/* Key i of the universe, salted by `salt` (VLAN and tunnel ids), the other way when `rev`. */
static void universe_key(unsigned i, unsigned salt, int rev, tcpsift_flow_key *k)
{
    unsigned kind = i % 8, n = i / 8; /* 4 flows of each kind */
    uint8_t a[16] = {0}, b[16] = {0};
    uint8_t version = (kind >= 4) ? 6 : 4;
    if (version == 4) {
        a[0] = 10, a[3] = (uint8_t)(1 + n);
        b[0] = 192, b[1] = 0, b[2] = 2, b[3] = (uint8_t)(n & 1); /* ties: b = 192.0.2.0/1 */
    } else {
        a[0] = 0x20, a[1] = 0x01, a[15] = (uint8_t)(1 + n);
        b[0] = 0x20, b[1] = 0x01, b[15] = (uint8_t)(n & 1);
    }
    uint16_t vlan = (kind & 1) ? (uint16_t)(0x100 + salt * 37) : 0; /* above 12 bits too */
    uint16_t sport = (uint16_t)(1000 + n), dport = (n & 2) ? sport : 80;
    uint8_t proto = (n & 1) ? 17 : 6;
    const uint8_t *src = rev ? b : a, *dst = rev ? a : b;
    FUZZ_CHECK(tcpsift_flow_key_make(k, version, src, dst, rev ? dport : sport, rev ? sport : dport,
                                     proto, vlan, NULL) == TCPSIFT_OK);
    /* kinds 2, 3, 6, 7 in a tunnel: VXLAN, GRE or MPLS by the salt */
    if (kind & 2) tcpsift_flow_key_set_tunnel(k, (uint8_t)(1 + salt % 3), salt * 0x01010101u);
}

/* The table's normalised form (flow_table.h: VLAN and tunnel dropped unless keyed). */
static void normalise(const model *m, tcpsift_flow_key *k)
{
    k->vlan = m->key_vlan ? (uint16_t)(k->vlan & TCPSIFT_VLAN_ID_MASK) : 0;
    if (!m->key_tunnel) k->tunnel = 0, k->tunnel_kind = 0;
}

static model_flow *flow_of(model *m, const tcpsift_flow_key *k)
{
    for (size_t i = 0; i < m->n; i++)
        if (memcmp(&m->f[i].key, k, sizeof *k) == 0) return &m->f[i];
    FUZZ_CHECK(m->n < sizeof m->f / sizeof m->f[0]);
    model_flow *f = &m->f[m->n++];
    memset(f, 0, sizeof *f);
    f->key = *k;
    return f;
}

static int compact(const tcpsift_flow_key *k)
{
    return k->ip_version == 4 && k->tunnel_kind == 0;
}

static void check_view(model *m, const tcpsift_flow_view *v)
{
    FUZZ_CHECK((v->entry == NULL) != (v->embryo == NULL));
    model_flow *f = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (memcmp(&m->f[i].key, &v->key, sizeof v->key) == 0) f = &m->f[i];
    FUZZ_CHECK(f != NULL);
    if (v->entry)
        FUZZ_CHECK(f->entry == v->entry);
    else
        FUZZ_CHECK(f->embryo == v->embryo && v->cls == TCPSIFT_FLOW_EMBRYONIC);
    const flow_node *node = v->entry ? (const flow_node *)(const void *)v->entry
                                     : (const flow_node *)(const void *)v->embryo;
    FUZZ_CHECK(ckey_is_full(&node->key) == !compact(&v->key));
}

static void on_removed(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason r)
{
    model *m = ctx;
    FUZZ_CHECK(r == TCPSIFT_FLOW_TIMED_OUT || r == TCPSIFT_FLOW_EVICTED);
    check_view(m, v);
    m->removed++;
    if (r == TCPSIFT_FLOW_EVICTED) { /* only where the model expects one, of that flow */
        FUZZ_CHECK(!m->expiring && m->victim != NULL);
        FUZZ_CHECK(v->entry ? (const void *)v->entry == m->victim
                            : (const void *)v->embryo == m->victim);
        m->victim = NULL;
    } else {
        FUZZ_CHECK(m->expiring);
    }
    for (size_t i = 0; i < m->n; i++) {
        if (r == TCPSIFT_FLOW_TIMED_OUT && v->entry && m->f[i].entry == v->entry)
            FUZZ_CHECK(entry_expired(m, &m->f[i]));
        if (r == TCPSIFT_FLOW_TIMED_OUT && v->embryo && m->f[i].embryo == v->embryo)
            FUZZ_CHECK(embryo_expired(m, &m->f[i]));
        if (v->entry && m->f[i].entry == v->entry) {
            m->f[i].entry = NULL;
            m->entries--;
        }
        if (v->embryo && m->f[i].embryo == v->embryo) {
            m->f[i].embryo = NULL;
            m->embryos--;
        }
    }
}

static int on_visit(void *ctx, const tcpsift_flow_view *v)
{
    model *m = ctx;
    check_view(m, v);
    m->visited++;
    return 0;
}

/* tcpsift_flow_table_lookup_hinted() of a packet of k's flow (an IPv4 key as made, before
 * normalising) going from its endpoint a to b, or from b to a when `rev`. */
static tcpsift_flow_entry *hinted_lookup(tcpsift_flow_table *t, const tcpsift_flow_key *k, int rev)
{
    tcpsift_packet pkt;
    memset(&pkt, 0, sizeof pkt);
    pkt.ip_version = 4;
    pkt.addr_len = 4;
    pkt.src = rev ? k->b_addr : k->a_addr;
    pkt.dst = rev ? k->a_addr : k->b_addr;
    pkt.sport = rev ? k->b_port : k->a_port;
    pkt.dport = rev ? k->a_port : k->b_port;
    pkt.tunnel_id_kind = k->tunnel_kind;
    pkt.tunnel_id = k->tunnel;
    tcpsift_flow_probe pr;
    memset(&pr, 0xa5, sizeof pr);
    tcpsift_flow_table_probe_ipv4_hinted(t, &pkt, k->proto, k->vlan, &pr);
    FUZZ_CHECK(pr.hashed || pr.hint != NIL);
    return tcpsift_flow_table_lookup_hinted(t, &pr);
}

static void check_hinted(tcpsift_flow_table *t, const tcpsift_flow_key *k, const model_flow *f)
{
    if (k->ip_version != 4) return;
    FUZZ_CHECK(hinted_lookup(t, k, 0) == f->entry);
    FUZZ_CHECK(hinted_lookup(t, k, 1) == f->entry);
}

static void check_entry_key(const model_flow *f)
{
    tcpsift_flow_key k;
    memset(&k, 0x5a, sizeof k);
    tcpsift_flow_entry_key_get(f->entry, &k);
    FUZZ_CHECK(memcmp(&k, &f->key, sizeof k) == 0);
    FUZZ_CHECK(ckey_is_full(&((const flow_node *)(const void *)f->entry)->key) == !compact(&k));
}

static void check_embryo_key(const model_flow *f)
{
    tcpsift_flow_key k;
    memset(&k, 0x5a, sizeof k);
    tcpsift_flow_embryo_key_get(f->embryo, &k);
    FUZZ_CHECK(memcmp(&k, &f->key, sizeof k) == 0);
    FUZZ_CHECK(ckey_is_full(&((const flow_node *)(const void *)f->embryo)->key) == !compact(&k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    model m;
    memset(&m, 0, sizeof m);
    m.key_vlan = (data[0] >> 6) & 1;
    m.key_tunnel = (data[0] >> 7) & 1;

    tcpsift_allocator alloc = {m_alloc, m_free, &m};
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = (data[0] & 7u) + 1u;
    cfg.embryo_capacity = (data[0] >> 3) & 7u;
    cfg.value_size = 16;
    cfg.embryo_value_size = 8;
    cfg.key_vlan = m.key_vlan;
    cfg.key_tunnel = m.key_tunnel;
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)((i * 73 + 11) ^ data[1]);
    cfg.allocator = &alloc;
    cfg.on_evict = on_removed;
    cfg.on_evict_ctx = &m;
    tcpsift_flow_table *t = NULL;
    FUZZ_CHECK(tcpsift_flow_table_create(&cfg, &t) == TCPSIFT_OK);
    FUZZ_CHECK(m.allocations == 1);
    m.timeout_ns = cfg.timeout_ns;

    uint64_t now = 1000;
    for (size_t at = 2; at + OP_SIZE <= size; at += OP_SIZE) {
        const uint8_t *o = data + at;
        now += (o[2] & 0x80) ? (uint64_t)(o[2] & 0x7F) * 20000000000u : (uint64_t)o[2] * 1000000u;
        m.now = now; /* every operation below advances the table's clock to now */
        m.victim = NULL;
        tcpsift_flow_key k;
        universe_key(o[0] >> 3, (o[1] >> 1) & 3, o[1] & 1, &k);
        enum tcpsift_flow_class cls = (enum tcpsift_flow_class)((o[3] >> 4) & 3);
        /* The table is told the key as made; the model keeps the normalised one. */
        tcpsift_flow_key nk = k;
        normalise(&m, &nk);
        model_flow *f = flow_of(&m, &nk);
        tcpsift_error err;
        switch (o[0] & 7) {
        case 0: /* lookup */
            FUZZ_CHECK(tcpsift_flow_table_lookup(t, &k) == f->entry);
            check_hinted(t, &k, f);
            FUZZ_CHECK(tcpsift_flow_table_embryo_lookup(t, &k) == f->embryo);
            break;
        case 1: { /* insert */
            tcpsift_flow_entry *e = NULL;
            int had = f->entry != NULL;
            if (!had && m.entries == cfg.max_connections) m.victim = full_victim(&m);
            err = tcpsift_flow_table_insert(t, &k, now, cls, &e);
            FUZZ_CHECK(m.victim == NULL); /* the expected eviction happened */
            if (had) {
                FUZZ_CHECK(err == TCPSIFT_E_INVALID_ARGUMENT && e == NULL);
                break;
            }
            FUZZ_CHECK(err == TCPSIFT_OK && e != NULL);
            f = flow_of(&m, &nk); /* an eviction may not remove model flows, only handles */
            FUZZ_CHECK(f->entry == NULL);
            f->entry = e;
            m.entries++;
            entry_touched(&m, f, cls);
            check_entry_key(f);
            break;
        }
        case 2: /* touch */
            if (f->entry) {
                tcpsift_flow_table_touch(t, f->entry, now, cls);
                entry_touched(&m, f, cls);
                FUZZ_CHECK(tcpsift_flow_entry_class(f->entry) == cls);
                FUZZ_CHECK(tcpsift_flow_entry_last_seen(f->entry) == now);
                check_entry_key(f);
            }
            break;
        case 3: /* remove */
            if (f->entry) {
                tcpsift_flow_table_remove(t, f->entry);
                f->entry = NULL;
                m.entries--;
                FUZZ_CHECK(tcpsift_flow_table_lookup(t, &k) == NULL);
            }
            break;
        case 4: { /* embryo insert */
            tcpsift_flow_embryo *em = NULL;
            int had = f->embryo != NULL;
            if (!had && cfg.embryo_capacity && m.embryos == cfg.embryo_capacity)
                m.victim = embryo_victim(&m);
            err = tcpsift_flow_table_embryo_insert(t, &k, now, 7, o[3] & 1, &em);
            FUZZ_CHECK(m.victim == NULL);
            if (cfg.embryo_capacity == 0) {
                FUZZ_CHECK(err == TCPSIFT_E_NO_MEMORY && em == NULL);
                break;
            }
            if (had) {
                FUZZ_CHECK(err == TCPSIFT_E_INVALID_ARGUMENT && em == NULL);
                break;
            }
            FUZZ_CHECK(err == TCPSIFT_OK && em != NULL);
            FUZZ_CHECK(f->embryo == NULL);
            f->embryo = em;
            m.embryos++;
            embryo_touched(&m, f);
            FUZZ_CHECK(tcpsift_flow_embryo_isn(em) == 7);
            check_embryo_key(f);
            FUZZ_CHECK(tcpsift_flow_embryo_syn_reversed(em) == (o[3] & 1));
            break;
        }
        case 5: { /* embryo promote */
            if (!f->embryo) break;
            tcpsift_flow_entry *e = NULL;
            if (!f->entry && m.entries == cfg.max_connections) m.victim = full_victim(&m);
            if (o[3] & 4) {
                tcpsift_flow_probe pr;
                tcpsift_flow_table_probe(t, &k, &pr);
                err = tcpsift_flow_table_embryo_promote_probe(t, &pr, f->embryo, now, cls, &e);
            } else {
                err = tcpsift_flow_table_embryo_promote(t, f->embryo, now, cls, &e);
            }
            FUZZ_CHECK(m.victim == NULL);
            if (f->entry) {
                FUZZ_CHECK(err == TCPSIFT_E_INVALID_ARGUMENT && e == NULL);
                check_embryo_key(f); /* kept */
                break;
            }
            FUZZ_CHECK(err == TCPSIFT_OK && e != NULL);
            /* The full pool may have evicted an entry, never this embryo. */
            FUZZ_CHECK(f->embryo != NULL && f->entry == NULL);
            f->embryo = NULL;
            m.embryos--;
            f->entry = e;
            m.entries++;
            entry_touched(&m, f, cls);
            check_entry_key(f);
            FUZZ_CHECK(tcpsift_flow_table_embryo_lookup(t, &k) == NULL);
            break;
        }
        case 6: /* embryo touch / remove / lookup */
            if (!f->embryo) {
                FUZZ_CHECK(tcpsift_flow_table_embryo_lookup(t, &k) == NULL);
                break;
            }
            switch (o[3] & 3) {
            case 0:
                tcpsift_flow_table_embryo_touch(t, f->embryo, now);
                embryo_touched(&m, f);
                FUZZ_CHECK(tcpsift_flow_embryo_last_seen(f->embryo) == now);
                break;
            case 1:
                tcpsift_flow_table_embryo_remove(t, f->embryo);
                f->embryo = NULL;
                m.embryos--;
                break;
            default:
                FUZZ_CHECK(tcpsift_flow_table_embryo_lookup(t, &k) == f->embryo);
                check_embryo_key(f);
                break;
            }
            break;
        default: /* expire or foreach */
            if (o[3] & 8) {
                m.expiring = 1;
                m.removed = 0;
                size_t n = (o[3] & 1) ? tcpsift_flow_table_expire(t, now, on_removed, &m)
                                      : tcpsift_flow_table_expire_some(t, now, SIZE_MAX, on_removed,
                                                                       &m);
                m.expiring = 0;
                FUZZ_CHECK(n == m.removed);
                FUZZ_CHECK(tcpsift_flow_table_now(t) == now);
                for (size_t i = 0; i < m.n; i++) { /* nothing idle too long is left */
                    FUZZ_CHECK(!m.f[i].entry || !entry_expired(&m, &m.f[i]));
                    FUZZ_CHECK(!m.f[i].embryo || !embryo_expired(&m, &m.f[i]));
                }
            } else {
                m.visited = 0;
                FUZZ_CHECK(tcpsift_flow_table_foreach(t, on_visit, &m) == m.entries + m.embryos);
                FUZZ_CHECK(m.visited == m.entries + m.embryos);
            }
            break;
        }
        tcpsift_flow_table_stats s;
        tcpsift_flow_table_get_stats(t, &s);
        FUZZ_CHECK(s.entries == m.entries && s.embryos == m.embryos);
        FUZZ_CHECK(m.entries <= cfg.max_connections && m.embryos <= cfg.embryo_capacity);
    }
    /* Every flow the model holds is found by its key, both ways. */
    for (size_t i = 0; i < m.n; i++) {
        FUZZ_CHECK(tcpsift_flow_table_lookup(t, &m.f[i].key) == m.f[i].entry);
        check_hinted(t, &m.f[i].key, &m.f[i]);
        if (cfg.embryo_capacity)
            FUZZ_CHECK(tcpsift_flow_table_embryo_lookup(t, &m.f[i].key) == m.f[i].embryo);
        if (m.f[i].entry) check_entry_key(&m.f[i]);
        if (m.f[i].embryo) check_embryo_key(&m.f[i]);
    }
    tcpsift_flow_table_destroy(t);
    FUZZ_CHECK(m.allocated == 0);
    return 0;
}

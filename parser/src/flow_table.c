/* Bounded flow table: two preallocated pools (full entries, compact embryos),
 * SipHash-keyed bucket chains, per-class LRU lists and one insertion-order
 * list. Design notes are in tcpsift/flow_table.h. */
#include "allocator_default.h"
#include "tcpsift/flow_table.h"

#include <stdlib.h>
#include <string.h>

#include "flow_table_internal.h"
#include "siphash.h"

/* Largest full-entry payload accepted. */
#define VALUE_SIZE_MAX TCPSIFT_FLOW_VALUE_MAX

struct tcpsift_flow_embryo {
    flow_node node;
    uint32_t isn;
    uint32_t spare; /* explicit: keeps the size 56 where uint64_t aligns to 4 (i386) */
    /* embryo_value_size bytes of payload follow, 8-aligned */
};

_Static_assert(sizeof(flow_ckey) == 16, "the node's key is 16 bytes");
_Static_assert(sizeof(flow_node) == 48, "flow_node layout drifted: per-entry overhead grows");
_Static_assert(sizeof(struct tcpsift_flow_entry) == TCPSIFT_FLOW_ENTRY_HEADER_SIZE,
               "tcpsift_flow_entry_value_at() must find the payload");
_Static_assert(sizeof(struct tcpsift_flow_entry) % TCPSIFT_FLOW_VALUE_ALIGN == 0,
               "entry payload must stay aligned");
_Static_assert(sizeof(struct tcpsift_flow_embryo) == 56, "embryo layout drifted");

/* ------------------------------------------------------------ sizes */

static int size_add(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b) return 0;
    *out = a + b;
    return 1;
}

static int size_mul(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b) return 0;
    *out = a * b;
    return 1;
}

static size_t round_up8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

/* Bucket count: the power of two >= n (load factor <= 1); 0 for n == 0. */
static uint32_t bucket_count(uint32_t n)
{
    uint32_t b = 1;
    if (n == 0) return 0;
    while (b < n)
        b <<= 1; /* n <= 2^30, so no overflow */
    return b;
}

typedef struct flow_layout {
    size_t entry_stride, embryo_stride;
    size_t full_off, embryo_off, keys_off, embryo_keys_off, buckets_off, embryo_buckets_off,
        recent_off, total;
    uint32_t buckets, embryo_buckets, recent;
} flow_layout;

static tcpsift_error layout_compute(const tcpsift_flow_table_config *cfg, flow_layout *l)
{
    size_t part, off;

    if (!cfg) return TCPSIFT_E_INVALID_ARGUMENT;
    if (cfg->max_connections == 0 || cfg->max_connections > TCPSIFT_FLOW_MAX_CAPACITY ||
        cfg->embryo_capacity > TCPSIFT_FLOW_MAX_CAPACITY || cfg->value_size > VALUE_SIZE_MAX ||
        cfg->embryo_value_size > TCPSIFT_FLOW_EMBRYO_VALUE_MAX ||
        cfg->embryo_value_size > cfg->value_size)
        return TCPSIFT_E_INVALID_ARGUMENT;
    if (!allocator_usable(cfg->allocator))
        return TCPSIFT_E_INVALID_ARGUMENT;

    l->entry_stride = sizeof(struct tcpsift_flow_entry) + round_up8(cfg->value_size);
    l->embryo_stride = sizeof(struct tcpsift_flow_embryo) + round_up8(cfg->embryo_value_size);
    l->buckets = bucket_count(cfg->max_connections);
    l->embryo_buckets = bucket_count(cfg->embryo_capacity);
    /* A power of two, at least 2: recent_index() shifts by 64 - log2 of it (< 64). */
    l->recent = l->buckets < 2 ? 2 : l->buckets < RECENT_MAX ? l->buckets : RECENT_MAX;

    off = round_up8(sizeof(struct tcpsift_flow_table));
    l->full_off = off;
    if (!size_mul(l->entry_stride, cfg->max_connections, &part) || !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    l->embryo_off = off;
    if (!size_mul(l->embryo_stride, cfg->embryo_capacity, &part) || !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    /* Each pool's full keys (flow_ckey), one per slot. */
    l->keys_off = off;
    if (!size_mul(sizeof(tcpsift_flow_key), cfg->max_connections, &part) ||
        !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    l->embryo_keys_off = off;
    if (!size_mul(sizeof(tcpsift_flow_key), cfg->embryo_capacity, &part) ||
        !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    l->buckets_off = off;
    if (!size_mul(sizeof(uint32_t), l->buckets, &part) || !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    l->embryo_buckets_off = off;
    if (!size_mul(sizeof(uint32_t), l->embryo_buckets, &part) || !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    /* Words of 8 bytes after the 4-byte buckets: aligned up (overflow-checked). */
    if (!size_add(off, 7, &off)) return TCPSIFT_E_NO_MEMORY;
    off &= ~(size_t)7u;
    l->recent_off = off;
    if (!size_mul(sizeof(uint64_t), l->recent, &part) || !size_add(off, part, &off))
        return TCPSIFT_E_NO_MEMORY;
    l->total = off;
    if (cfg->memcap_bytes != 0 && l->total > cfg->memcap_bytes) return TCPSIFT_E_NO_MEMORY;
    return TCPSIFT_OK;
}

/* ------------------------------------------------------------ config, create */

void tcpsift_flow_table_config_init(tcpsift_flow_table_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_connections = 65536;
    cfg->embryo_capacity = 16384;
    cfg->timeout_ns[TCPSIFT_FLOW_EMBRYONIC] = TCPSIFT_FLOW_DEFAULT_EMBRYONIC_NS;
    cfg->timeout_ns[TCPSIFT_FLOW_ESTABLISHED] = TCPSIFT_FLOW_DEFAULT_ESTABLISHED_NS;
    cfg->timeout_ns[TCPSIFT_FLOW_CLOSING] = TCPSIFT_FLOW_DEFAULT_CLOSING_NS;
    cfg->timeout_ns[TCPSIFT_FLOW_UDP] = TCPSIFT_FLOW_DEFAULT_UDP_NS;
}

tcpsift_error tcpsift_flow_table_memory_needed(const tcpsift_flow_table_config *cfg, size_t *bytes)
{
    flow_layout l;
    tcpsift_error err;
    if (!bytes) return TCPSIFT_E_INVALID_ARGUMENT;
    *bytes = 0;
    err = layout_compute(cfg, &l);
    if (err == TCPSIFT_OK) *bytes = l.total;
    return err;
}

static void pool_init(flow_pool *p, uint8_t *block, size_t off, size_t stride, size_t header,
                      uint32_t capacity, size_t keys_off, size_t buckets_off, uint32_t buckets)
{
    p->base = block + off;
    p->full_keys = (tcpsift_flow_key *)(void *)(block + keys_off);
    p->stride = stride;
    p->header = header;
    p->capacity = capacity;
    p->buckets = buckets ? (uint32_t *)(void *)(block + buckets_off) : NULL;
    p->bucket_mask = buckets ? buckets - 1 : 0;
    p->count = p->peak = 0;
    size_t last = stride - 1 < 256 ? stride - 1 : 256;
    p->prefetch_at[0] = (uint32_t)(last / 4);
    p->prefetch_at[1] = (uint32_t)(last / 2);
    p->prefetch_at[2] = (uint32_t)(last / 4 * 3);
    p->prefetch_at[3] = (uint32_t)last;
    /* stride (>= 48) = odd << shift. Newton's iteration x <- x (2 - odd x)
     * doubles the bits of x that invert odd; x = odd is right in 3 bits. */
    size_t odd = stride;
    p->stride_shift = 0;
    while ((odd & 1u) == 0) {
        odd >>= 1;
        p->stride_shift++;
    }
    size_t inv = odd;
    for (int bits = 3; bits < (int)(8 * sizeof inv); bits *= 2)
        inv *= 2 - odd * inv;
    p->stride_inverse = inv;
    for (uint32_t b = 0; b < buckets; b++)
        p->buckets[b] = NIL;
    /* No free list yet: a fresh table fills slots 0, 1, 2, ... (see fresh). */
    p->free_head = NIL;
    p->fresh = 0;
}

/* The recent-flow index (flow_table_internal.h): every word empty (no check of 2^32 - 1 names a
 * slot: NIL); the hashes' multipliers are SipHash values of constants under this table's key,
 * made odd. */
static void recent_init(tcpsift_flow_table *t, uint8_t *words, uint32_t count)
{
    t->recent = (uint64_t *)(void *)words;
    unsigned bits = 0;
    while (((uint32_t)1 << bits) < count)
        bits++;
    t->recent_shift = 64u - bits; /* count >= 2 (layout_compute): bits >= 1 */
    for (uint64_t i = 0; i < 4; i++)
        t->recent_mul[i] = tcpsift_siphash13_words_tail(&t->sip, &i, 1, 0x726563656e74u, 6) | 1u;
    for (uint32_t i = 0; i < count; i++)
        t->recent[i] = UINT64_MAX;
}

tcpsift_error tcpsift_flow_table_create(const tcpsift_flow_table_config *cfg,
                                        tcpsift_flow_table **out)
{
    flow_layout l;
    tcpsift_allocator a;
    tcpsift_flow_table *t;
    uint8_t *block;
    tcpsift_error err;

    if (!out) return TCPSIFT_E_INVALID_ARGUMENT;
    *out = NULL;
    err = layout_compute(cfg, &l);
    if (err != TCPSIFT_OK) return err;
    a = allocator_or_libc(cfg->allocator);
    block = a.alloc(a.ctx, l.total);
    if (!block) return TCPSIFT_E_NO_MEMORY;

    t = (tcpsift_flow_table *)(void *)block;
    memset(t, 0, sizeof *t);
    pool_init(&t->full, block, l.full_off, l.entry_stride, sizeof(struct tcpsift_flow_entry),
              cfg->max_connections, l.keys_off, l.buckets_off, l.buckets);
    pool_init(&t->embryo, block, l.embryo_off, l.embryo_stride, sizeof(struct tcpsift_flow_embryo),
              cfg->embryo_capacity, l.embryo_keys_off, l.embryo_buckets_off, l.embryo_buckets);
    for (int i = 0; i < LIST_COUNT; i++)
        t->lru[i].head = t->lru[i].tail = NIL;
    t->order_head = t->order_tail = NIL;
    tcpsift_siphash_key_init(&t->sip, cfg->hash_key);
    recent_init(t, block + l.recent_off, l.recent);
    t->min_deadline = UINT64_MAX;
    t->key_vlan = cfg->key_vlan != 0;
    t->key_tunnel = cfg->key_tunnel != 0;
    t->vlan_mask = t->key_vlan ? TCPSIFT_VLAN_ID_MASK : 0;
    memcpy(t->timeout_ns, cfg->timeout_ns, sizeof t->timeout_ns);
    t->value_size = cfg->value_size;
    t->embryo_value_size = cfg->embryo_value_size;
    t->on_evict = cfg->on_evict;
    t->on_evict_ctx = cfg->on_evict_ctx;
    t->allocator = a;
    t->block_size = l.total;
    t->stats.bytes_allocated = l.total;
    *out = t;
    return TCPSIFT_OK;
}

void tcpsift_flow_table_destroy(tcpsift_flow_table *t)
{
    tcpsift_allocator a;
    size_t size;
    if (!t || t->in_callback) return; /* from a callback: refused, its caller still runs */
    a = t->allocator;
    size = t->block_size;
    a.free(a.ctx, t, size);
}

/* ------------------------------------------------------------ keys and hashing */

/* The stored form of a key: VLAN and tunnel dropped unless keyed, unused IPv4
 * address bytes and spare bytes zero, so that byte equality is flow equality. */
static void normalise_key_in_place(const tcpsift_flow_table *t, tcpsift_flow_key *k)
{
    k->vlan = t->key_vlan ? (uint16_t)(k->vlan & TCPSIFT_VLAN_ID_MASK) : 0;
    if (!t->key_tunnel || k->tunnel_kind == 0) {
        k->tunnel = 0;
        k->tunnel_kind = 0;
    }
    memset(k->spare, 0, sizeof k->spare);
    if (k->ip_version == 4) {
        memset(k->a_addr + 4, 0, 12);
        memset(k->b_addr + 4, 0, 12);
    }
}

static void normalise_key(const tcpsift_flow_table *t, const tcpsift_flow_key *in,
                          tcpsift_flow_key *out)
{
    *out = *in;
    normalise_key_in_place(t, out);
}

static inline uint64_t le64_of(const uint8_t *p)
{
    return le32_of(p) | le32_of(p + 4) << 32;
}

/* SipHash-1-3 (siphash.h says why not 2-4) of a normalised key, over a fixed
 * serialisation built from the fields (not the struct's memory), so the hash,
 * and thus bucket order, is the same on little- and big-endian hosts:
 *   IPv4: a_addr[0..3] b_addr[0..3] | ports, vlan + version, proto  (15 bytes)
 *   IPv6: a_addr b_addr (32 bytes)  | ports, vlan + version, proto  (39 bytes)
 * and for a key in a tunnel the tunnel kind after the proto and the tunnel id
 * last (20 and 44 bytes); the length tells the forms apart. The 7 bytes after
 * the addresses ride in SipHash's last block with the length byte
 * (tcpsift_siphash13_words_tail), so an IPv4 key costs one compression round
 * and the three of finalization. Computed once per packet
 * (tcpsift_flow_table_probe). */
static uint64_t key_hash(const tcpsift_flow_table *t, const tcpsift_flow_key *k)
{
    uint64_t w[5];
    size_t n = 0;
    uint64_t tail = key_hash_tail(k->a_port, k->b_port, k->vlan, k->ip_version, k->proto);
    if (k->ip_version == 4) {
        w[n++] = le32_of(k->a_addr) | le32_of(k->b_addr) << 32;
    } else {
        w[n++] = le64_of(k->a_addr);
        w[n++] = le64_of(k->a_addr + 8);
        w[n++] = le64_of(k->b_addr);
        w[n++] = le64_of(k->b_addr + 8);
    }
    if (k->tunnel_kind != 0) {
        w[n++] = tail | (uint64_t)k->tunnel_kind << 56;
        return tcpsift_siphash13_words_tail(&t->sip, w, n, k->tunnel, 4);
    }
    /* The common form with a constant length, so the rounds unroll. */
    if (n == 1) return tcpsift_siphash13_words_tail(&t->sip, w, 1, tail, 7);
    return tcpsift_siphash13_words_tail(&t->sip, w, n, tail, 7);
}

/* The node form and hash of the normalised key in pr->key (see flow_ckey). */
static void probe_finish(const tcpsift_flow_table *t, tcpsift_flow_probe *pr)
{
    const tcpsift_flow_key *k = &pr->key;
    pr->hash = key_hash(t, k);
    pr->hashed = 1;
    pr->recent = pr->check = pr->hint = NIL; /* the index serves the tracker's hinted probes */
    if (k->ip_version == 4 && k->tunnel_kind == 0) {
        /* Normalised: address bytes 4..15, tunnel and spare zero, VLAN id 12 bits. */
        pr->ck.w0 = le32_of(k->a_addr) | le32_of(k->b_addr) << 32;
        pr->ck.w1 = key_hash_tail(k->a_port, k->b_port, k->vlan, 4, k->proto);
    } else {
        pr->ck.w0 = 0;
        pr->ck.w1 = FLOW_CKEY_FULL | (pr->hash & FLOW_CKEY_HASH56);
    }
}

void tcpsift_flow_table_probe(const tcpsift_flow_table *t, const tcpsift_flow_key *key,
                              tcpsift_flow_probe *out)
{
    normalise_key(t, key, &out->key);
    probe_finish(t, out);
}

void tcpsift_flow_table_probe_in_place(const tcpsift_flow_table *t, tcpsift_flow_probe *pr)
{
    normalise_key_in_place(t, &pr->key);
    probe_finish(t, pr);
}

/* The hash of a node's key, as its probe had it: a compact form is its own
 * hash message; a full form keeps the low 56 bits, all a bucket index uses
 * (bucket masks are below 2^30). */
static uint64_t node_hash(const tcpsift_flow_table *t, const flow_node *n)
{
    if (ckey_is_full(&n->key)) return n->key.w1 & FLOW_CKEY_HASH56;
    return tcpsift_siphash13_words_tail(&t->sip, &n->key.w0, 1, n->key.w1, 7);
}

/* ------------------------------------------------------------ pools and lists */

static inline void *node_value(const flow_pool *p, flow_node *n)
{
    return (uint8_t *)n + p->header;
}

static void chain_push(flow_pool *p, uint32_t i, uint64_t h)
{
    uint32_t *bucket = &p->buckets[h & p->bucket_mask];
    pool_node(p, i)->chain_next = *bucket;
    *bucket = i;
}

static void chain_unlink(flow_pool *p, uint32_t i, uint64_t h)
{
    uint32_t *link = &p->buckets[h & p->bucket_mask];
    while (*link != NIL) {
        if (*link == i) {
            *link = pool_node(p, i)->chain_next;
            return;
        }
        link = &pool_node(p, *link)->chain_next;
    }
}

static void lru_append(flow_pool *p, flow_list *l, uint32_t i)
{
    lru_append_node(p, l, i, pool_node(p, i));
}

static void lru_unlink(flow_pool *p, flow_list *l, uint32_t i)
{
    lru_unlink_node(p, l, pool_node(p, i));
}

/* Insertion-order ids: full slot i is id i, embryo slot j is id
 * full.capacity + j (both pools are <= 2^30, so ids never reach NIL). */
static inline int pool_is_embryo(const tcpsift_flow_table *t, const flow_pool *p)
{
    return p == &t->embryo;
}

static inline uint32_t node_id(const tcpsift_flow_table *t, const flow_pool *p, uint32_t i)
{
    return pool_is_embryo(t, p) ? t->full.capacity + i : i;
}

static inline flow_node *node_by_id(const tcpsift_flow_table *t, uint32_t id)
{
    return id < t->full.capacity ? pool_node(&t->full, id)
                                 : pool_node(&t->embryo, id - t->full.capacity);
}

static void order_append(tcpsift_flow_table *t, uint32_t id)
{
    flow_node *n = node_by_id(t, id);
    n->order_prev = t->order_tail;
    n->order_next = NIL;
    if (t->order_tail != NIL)
        node_by_id(t, t->order_tail)->order_next = id;
    else
        t->order_head = id;
    t->order_tail = id;
}

static void order_unlink(tcpsift_flow_table *t, uint32_t id)
{
    flow_node *n = node_by_id(t, id);
    if (n->order_prev != NIL)
        node_by_id(t, n->order_prev)->order_next = n->order_next;
    else
        t->order_head = n->order_next;
    if (n->order_next != NIL)
        node_by_id(t, n->order_next)->order_prev = n->order_prev;
    else
        t->order_tail = n->order_prev;
    n->order_prev = n->order_next = NIL;
}

/* Puts `new_id` where `old_id` was in insertion order (promotion). */
static void order_replace(tcpsift_flow_table *t, uint32_t old_id, uint32_t new_id)
{
    flow_node *o = node_by_id(t, old_id), *n = node_by_id(t, new_id);
    n->order_prev = o->order_prev;
    n->order_next = o->order_next;
    if (n->order_prev != NIL)
        node_by_id(t, n->order_prev)->order_next = new_id;
    else
        t->order_head = new_id;
    if (n->order_next != NIL)
        node_by_id(t, n->order_next)->order_prev = new_id;
    else
        t->order_tail = new_id;
    o->order_prev = o->order_next = NIL;
}

static inline flow_list *node_list(tcpsift_flow_table *t, const flow_pool *p, const flow_node *n)
{
    return &t->lru[pool_is_embryo(t, p) ? EMBRYO_LIST : n->cls];
}

static void make_view(const tcpsift_flow_table *t, const flow_pool *p, flow_node *n,
                      tcpsift_flow_view *v)
{
    int embryo = pool_is_embryo(t, p);
    ckey_expand(&n->key, &v->key);
    v->last_seen_ns = n->last_seen_ns;
    v->cls = (enum tcpsift_flow_class)n->cls;
    v->value = node_value(p, n);
    v->value_size = embryo ? t->embryo_value_size : t->value_size;
    v->entry = embryo ? NULL : (tcpsift_flow_entry *)(void *)n;
    v->embryo = embryo ? (tcpsift_flow_embryo *)(void *)n : NULL;
}

/* Unlinks slot i (whose key hashes to h) from its chain, LRU list and
 * (unless keep_order) the insertion order, and returns it to the free list. */
static void node_release_hashed(tcpsift_flow_table *t, flow_pool *p, uint32_t i, uint64_t h,
                                int keep_order)
{
    flow_node *n = pool_node(p, i);
    chain_unlink(p, i, h);
    lru_unlink(p, node_list(t, p, n), i);
    if (!keep_order) order_unlink(t, node_id(t, p, i));
    n->in_use = 0;
    n->chain_next = p->free_head;
    p->free_head = i;
    p->count--;
}

/* The same when the hash is not at hand: a compact key is hashed again (once
 * per flow removed; the node does not store its hash, to stay 48 bytes). */
static void node_release(tcpsift_flow_table *t, flow_pool *p, uint32_t i, int keep_order)
{
    node_release_hashed(t, p, i, node_hash(t, pool_node(p, i)), keep_order);
}

/* Removes slot i after telling `cb` why. */
static void node_drop(tcpsift_flow_table *t, flow_pool *p, uint32_t i,
                      enum tcpsift_flow_remove_reason reason, tcpsift_flow_remove_fn cb, void *ctx)
{
    flow_node *n = pool_node(p, i);
    int embryo = pool_is_embryo(t, p);
    if (cb) {
        tcpsift_flow_view v;
        make_view(t, p, n, &v);
        t->in_callback++;
        cb(ctx, &v, reason);
        t->in_callback--;
    }
    switch (reason) {
    case TCPSIFT_FLOW_TIMED_OUT:
        if (embryo)
            t->stats.embryo_timeouts++;
        else
            t->stats.timeouts[n->cls]++;
        break;
    case TCPSIFT_FLOW_EVICTED:
        if (embryo)
            t->stats.embryo_evictions++;
        else
            t->stats.evictions[n->cls]++;
        break;
    }
    node_release(t, p, i, 0);
}

/* The eviction victim of a full pool (order documented in the header). */
static uint32_t full_victim(const tcpsift_flow_table *t)
{
    static const enum tcpsift_flow_class idle_order[] = {TCPSIFT_FLOW_ESTABLISHED,
                                                         TCPSIFT_FLOW_CLOSING, TCPSIFT_FLOW_UDP};
    uint32_t best = t->lru[TCPSIFT_FLOW_EMBRYONIC].head;
    if (best != NIL) return best;
    for (size_t c = 0; c < sizeof idle_order / sizeof idle_order[0]; c++) {
        uint32_t head = t->lru[idle_order[c]].head;
        /* Strictly older wins, so ties go to the class listed first. */
        if (head != NIL && (best == NIL || pool_node(&t->full, head)->last_seen_ns <
                                               pool_node(&t->full, best)->last_seen_ns))
            best = head;
    }
    return best;
}

/* A free slot of pool p, evicting one flow first if the pool is full.
 * NIL only for an empty (capacity 0) pool. */
static uint32_t slot_take(tcpsift_flow_table *t, flow_pool *p)
{
    uint32_t i;
    if (p->free_head == NIL && p->fresh == p->capacity) {
        uint32_t victim = pool_is_embryo(t, p) ? t->lru[EMBRYO_LIST].head : full_victim(t);
        if (victim == NIL) return NIL;
        t->stats.memcap_hits++;
        node_drop(t, p, victim, TCPSIFT_FLOW_EVICTED, t->on_evict, t->on_evict_ctx);
    }
    if (p->free_head != NIL) {
        i = p->free_head;
        p->free_head = pool_node(p, i)->chain_next;
    } else {
        i = p->fresh++;
    }
    p->count++;
    if (p->count > p->peak) p->peak = p->count;
    return i;
}

/* Writes every field of a fresh slot's node and links it everywhere but the
 * insertion order; the payload is the caller's. The key: node form `ck`,
 * with its full key `full` when ck is full (copied to the slot's full_keys). */
static flow_node *slot_link(tcpsift_flow_table *t, flow_pool *p, uint32_t i, const flow_ckey *ck,
                            const tcpsift_flow_key *full, uint64_t h, uint64_t ts, uint8_t cls)
{
    flow_node *n = pool_node(p, i);
    if (ckey_is_full(ck)) {
        p->full_keys[i] = *full;
        n->key.w0 = (uint64_t)(uintptr_t)&p->full_keys[i];
        n->key.w1 = ck->w1;
    } else {
        n->key = *ck;
        if (p == &t->full) { /* its next packet's hint */
            uint32_t check, at = recent_index(t, ck, &check);
            t->recent[at] = recent_word(check, i);
        }
    }
    n->last_seen_ns = ts;
    n->cls = cls;
    n->in_use = 1;
    n->syn_reversed = 0;
    n->spare = 0;
    n->order_prev = n->order_next = NIL;
    chain_push(p, i, h);
    lru_append(p, node_list(t, p, n), i);
    deadline_note(t, ts, cls);
    return n;
}

/* The same with the whole slot, payload included, zeroed first. */
static flow_node *slot_fill(tcpsift_flow_table *t, flow_pool *p, uint32_t i, const flow_ckey *ck,
                            const tcpsift_flow_key *full, uint64_t h, uint64_t ts, uint8_t cls)
{
    memset(pool_node(p, i), 0, p->stride);
    return slot_link(t, p, i, ck, full, h, ts, cls);
}

/* ------------------------------------------------------------ look-ahead */

/* ------------------------------------------------------------ full entries */

tcpsift_flow_entry *tcpsift_flow_table_lookup(tcpsift_flow_table *t, const tcpsift_flow_key *key)
{
    tcpsift_flow_probe pr;
    if (!t || !key) return NULL;
    tcpsift_flow_table_probe(t, key, &pr);
    return tcpsift_flow_table_lookup_probe(t, &pr);
}

tcpsift_error tcpsift_flow_table_insert_probe(tcpsift_flow_table *t, const tcpsift_flow_probe *pr,
                                              uint64_t now_ns, enum tcpsift_flow_class cls,
                                              tcpsift_flow_entry **out)
{
    uint64_t ts;
    uint32_t i;

    if (out) *out = NULL;
    if (!class_valid(cls)) return TCPSIFT_E_INVALID_ARGUMENT;
    if (chain_find_probe(&t->full, pr) != NIL) return TCPSIFT_E_INVALID_ARGUMENT;
    ts = clock_advance(t, now_ns);
    i = slot_take(t, &t->full); /* capacity >= 1, so never NIL */
    slot_fill(t, &t->full, i, &pr->ck, &pr->key, pr->hash, ts, (uint8_t)cls);
    order_append(t, node_id(t, &t->full, i));
    t->stats.inserts++;
    if (out) *out = (tcpsift_flow_entry *)(void *)pool_node(&t->full, i);
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_flow_table_insert(tcpsift_flow_table *t, const tcpsift_flow_key *key,
                                        uint64_t now_ns, enum tcpsift_flow_class cls,
                                        tcpsift_flow_entry **out)
{
    tcpsift_flow_probe pr;
    if (out) *out = NULL;
    if (!t || !key || !class_valid(cls) || t->in_callback) return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_flow_table_probe(t, key, &pr);
    return tcpsift_flow_table_insert_probe(t, &pr, now_ns, cls, out);
}

void tcpsift_flow_table_touch_reclass(tcpsift_flow_table *t, flow_node *n, uint64_t ts,
                                      enum tcpsift_flow_class cls)
{
    lru_unlink_node(&t->full, &t->lru[n->cls], n);
    n->cls = (uint8_t)cls;
    lru_append_node(&t->full, &t->lru[n->cls], pool_index(&t->full, n), n);
    /* A shorter timeout can bring the deadline before min_deadline. */
    deadline_note(t, ts, n->cls);
}

void tcpsift_flow_table_touch(tcpsift_flow_table *t, tcpsift_flow_entry *e, uint64_t now_ns,
                              enum tcpsift_flow_class cls)
{
    if (!t || !e || !e->node.in_use || t->in_callback) return;
    /* An invalid class keeps the entry's. */
    if (!class_valid(cls)) cls = (enum tcpsift_flow_class)e->node.cls;
    clock_advance(t, now_ns);
    tcpsift_flow_table_touch_at_clock(t, e, cls);
}

void tcpsift_flow_table_remove(tcpsift_flow_table *t, tcpsift_flow_entry *e)
{
    if (!t || !e || !e->node.in_use || t->in_callback) return;
    node_release(t, &t->full, pool_index(&t->full, &e->node), 0);
    t->stats.removals++;
}

void tcpsift_flow_entry_key_get(const tcpsift_flow_entry *e, tcpsift_flow_key *out)
{
    if (!out) return;
    if (!e) {
        memset(out, 0, sizeof *out);
        return;
    }
    ckey_expand(&e->node.key, out);
}

void *tcpsift_flow_entry_value(tcpsift_flow_entry *e)
{
    if (!e) return NULL;
    return e + 1;
}

uint64_t tcpsift_flow_entry_last_seen(const tcpsift_flow_entry *e)
{
    if (!e) return 0;
    return e->node.last_seen_ns;
}

enum tcpsift_flow_class tcpsift_flow_entry_class(const tcpsift_flow_entry *e)
{
    if (!e) return TCPSIFT_FLOW_EMBRYONIC;
    return (enum tcpsift_flow_class)e->node.cls;
}

/* ------------------------------------------------------------ embryos */

tcpsift_flow_embryo *tcpsift_flow_table_embryo_lookup_probe(tcpsift_flow_table *t,
                                                            const tcpsift_flow_probe *pr)
{
    uint32_t i;
    if (t->embryo.capacity == 0) return NULL;
    i = chain_find_probe(&t->embryo, pr);
    return i == NIL ? NULL : (tcpsift_flow_embryo *)(void *)pool_node(&t->embryo, i);
}

tcpsift_flow_embryo *tcpsift_flow_table_embryo_lookup(tcpsift_flow_table *t,
                                                      const tcpsift_flow_key *key)
{
    tcpsift_flow_probe pr;
    if (!t || !key || t->embryo.capacity == 0) return NULL;
    tcpsift_flow_table_probe(t, key, &pr);
    return tcpsift_flow_table_embryo_lookup_probe(t, &pr);
}

/* An embryo for pr's key in a slot taken now: linked, its ISN and direction set, appended to
 * the insertion order. `zero`: the whole slot, payload included, is zeroed first (the public
 * insert); else the caller writes all of the payload (the tracker's embryo_init). */
static inline tcpsift_flow_embryo *embryo_place(tcpsift_flow_table *t, const tcpsift_flow_probe *pr,
                                                uint64_t now_ns, uint32_t isn, int syn_reversed,
                                                int zero)
{
    uint64_t ts = clock_advance(t, now_ns);
    uint32_t i = slot_take(t, &t->embryo);
    if (zero) memset(pool_node(&t->embryo, i), 0, t->embryo.stride);
    tcpsift_flow_embryo *em = (tcpsift_flow_embryo *)(void *)slot_link(
        t, &t->embryo, i, &pr->ck, &pr->key, pr->hash, ts, TCPSIFT_FLOW_EMBRYONIC);
    em->isn = isn;
    em->spare = 0;
    em->node.syn_reversed = syn_reversed != 0;
    order_append(t, node_id(t, &t->embryo, i));
    t->stats.embryo_inserts++;
    return em;
}

tcpsift_error tcpsift_flow_table_embryo_insert_probe(tcpsift_flow_table *t,
                                                     const tcpsift_flow_probe *pr, uint64_t now_ns,
                                                     uint32_t isn, int syn_reversed,
                                                     tcpsift_flow_embryo **out)
{
    if (out) *out = NULL;
    if (t->embryo.capacity == 0) return TCPSIFT_E_NO_MEMORY;
    if (chain_find_probe(&t->embryo, pr) != NIL) return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_flow_embryo *em = embryo_place(t, pr, now_ns, isn, syn_reversed, 1);
    if (out) *out = em;
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_flow_table_embryo_insert_new(tcpsift_flow_table *t,
                                                   const tcpsift_flow_probe *pr, uint64_t now_ns,
                                                   uint32_t isn, int syn_reversed,
                                                   tcpsift_flow_embryo **out)
{
    *out = NULL;
    if (t->embryo.capacity == 0) return TCPSIFT_E_NO_MEMORY;
    /* The caller's lookups of this key just missed: no duplicate check. */
    *out = embryo_place(t, pr, now_ns, isn, syn_reversed, 0);
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_flow_table_embryo_insert(tcpsift_flow_table *t, const tcpsift_flow_key *key,
                                               uint64_t now_ns, uint32_t isn, int syn_reversed,
                                               tcpsift_flow_embryo **out)
{
    tcpsift_flow_probe pr;
    if (out) *out = NULL;
    if (!t || !key || t->in_callback) return TCPSIFT_E_INVALID_ARGUMENT;
    if (t->embryo.capacity == 0) return TCPSIFT_E_NO_MEMORY;
    tcpsift_flow_table_probe(t, key, &pr);
    return tcpsift_flow_table_embryo_insert_probe(t, &pr, now_ns, isn, syn_reversed, out);
}

void tcpsift_flow_table_embryo_touch(tcpsift_flow_table *t, tcpsift_flow_embryo *em,
                                     uint64_t now_ns)
{
    uint32_t i;
    if (!t || !em || !em->node.in_use || t->in_callback) return;
    i = pool_index(&t->embryo, &em->node);
    lru_unlink(&t->embryo, &t->lru[EMBRYO_LIST], i);
    em->node.last_seen_ns = clock_advance(t, now_ns);
    lru_append(&t->embryo, &t->lru[EMBRYO_LIST], i);
    deadline_note(t, em->node.last_seen_ns, TCPSIFT_FLOW_EMBRYONIC);
}

/* Promotion with the key's hash `h` already known (key_hash of em's key). */
static tcpsift_error embryo_promote_hashed(tcpsift_flow_table *t, tcpsift_flow_embryo *em,
                                           uint64_t h, uint64_t now_ns,
                                           enum tcpsift_flow_class cls, tcpsift_flow_entry **out)
{
    /* The embryo's node form; a full one points into the embryo pool's
     * full_keys, which evicting a full entry never touches. */
    flow_ckey ck = em->node.key;
    const tcpsift_flow_key *full = ckey_is_full(&ck) ? ckey_full_key(&ck) : NULL;
    uint64_t ts;
    uint32_t ei, fi;
    flow_node *n;

    if (chain_find(&t->full, &ck, full, h) != NIL) return TCPSIFT_E_INVALID_ARGUMENT;
    ts = clock_advance(t, now_ns);
    ei = pool_index(&t->embryo, &em->node);
    /* Evicting a full entry never touches the embryo pool, so `em` stays valid. */
    fi = slot_take(t, &t->full);
    n = slot_fill(t, &t->full, fi, &ck, full, h, ts, (uint8_t)cls);
    memcpy(node_value(&t->full, n), node_value(&t->embryo, &em->node), t->embryo_value_size);
    order_replace(t, node_id(t, &t->embryo, ei), node_id(t, &t->full, fi));
    node_release_hashed(t, &t->embryo, ei, h, 1);
    t->stats.promotions++;
    if (out) *out = (tcpsift_flow_entry *)(void *)n;
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_flow_table_embryo_promote(tcpsift_flow_table *t, tcpsift_flow_embryo *em,
                                                uint64_t now_ns, enum tcpsift_flow_class cls,
                                                tcpsift_flow_entry **out)
{
    if (out) *out = NULL;
    if (!t || !em || !em->node.in_use || !class_valid(cls) || t->in_callback)
        return TCPSIFT_E_INVALID_ARGUMENT;
    return embryo_promote_hashed(t, em, node_hash(t, &em->node), now_ns, cls, out);
}

tcpsift_error tcpsift_flow_table_embryo_promote_probe(tcpsift_flow_table *t,
                                                      const tcpsift_flow_probe *pr,
                                                      tcpsift_flow_embryo *em, uint64_t now_ns,
                                                      enum tcpsift_flow_class cls,
                                                      tcpsift_flow_entry **out)
{
    if (out) *out = NULL;
    if (!t || !pr || !em || !em->node.in_use || !class_valid(cls) ||
        !ckey_match(&em->node.key, &pr->ck, &pr->key))
        return TCPSIFT_E_INVALID_ARGUMENT;
    return embryo_promote_hashed(t, em, pr->hash, now_ns, cls, out);
}

tcpsift_error tcpsift_flow_table_embryo_promote_found(tcpsift_flow_table *t,
                                                      const tcpsift_flow_probe *pr,
                                                      tcpsift_flow_embryo *em, uint64_t now_ns,
                                                      tcpsift_flow_entry **out)
{
    /* embryo_promote_hashed() without its checks (the caller's lookups
     * proved them) and without the payload's zeroing and copy. */
    uint64_t ts = clock_advance(t, now_ns);
    uint32_t ei = pool_index(&t->embryo, &em->node);
    /* Evicting a full entry never touches the embryo pool, so `em` stays valid. */
    uint32_t fi = slot_take(t, &t->full);
    flow_node *n =
        slot_link(t, &t->full, fi, &pr->ck, &pr->key, pr->hash, ts, TCPSIFT_FLOW_EMBRYONIC);
    order_replace(t, node_id(t, &t->embryo, ei), node_id(t, &t->full, fi));
    node_release_hashed(t, &t->embryo, ei, pr->hash, 1);
    t->stats.promotions++;
    *out = (tcpsift_flow_entry *)(void *)n;
    return TCPSIFT_OK;
}

void tcpsift_flow_table_embryo_remove(tcpsift_flow_table *t, tcpsift_flow_embryo *em)
{
    if (!t || !em || !em->node.in_use || t->in_callback) return;
    node_release(t, &t->embryo, pool_index(&t->embryo, &em->node), 0);
    t->stats.removals++;
}

void tcpsift_flow_embryo_key_get(const tcpsift_flow_embryo *em, tcpsift_flow_key *out)
{
    if (!out) return;
    if (!em) {
        memset(out, 0, sizeof *out);
        return;
    }
    ckey_expand(&em->node.key, out);
}

void *tcpsift_flow_embryo_value(tcpsift_flow_embryo *em)
{
    if (!em) return NULL;
    return em + 1;
}

uint64_t tcpsift_flow_embryo_last_seen(const tcpsift_flow_embryo *em)
{
    if (!em) return 0;
    return em->node.last_seen_ns;
}

uint32_t tcpsift_flow_embryo_isn(const tcpsift_flow_embryo *em)
{
    if (!em) return 0;
    return em->isn;
}

int tcpsift_flow_embryo_syn_reversed(const tcpsift_flow_embryo *em)
{
    if (!em) return 0;
    return em->node.syn_reversed;
}

/* ------------------------------------------------------------ time, iteration */

/* Pops expired flows off the head of one LRU list. The list is sorted by
 * last_seen and one timeout applies to it, so the first live flow ends it. */
static size_t expire_list(tcpsift_flow_table *t, flow_pool *p, flow_list *l, uint64_t timeout,
                          size_t budget, tcpsift_flow_remove_fn cb, void *ctx)
{
    size_t n = 0;
    while (n < budget && l->head != NIL) {
        uint64_t idle = t->clock_ns - pool_node(p, l->head)->last_seen_ns;
        if (idle <= timeout) break;
        node_drop(t, p, l->head, TCPSIFT_FLOW_TIMED_OUT, cb, ctx);
        n++;
    }
    return n;
}

size_t tcpsift_flow_table_expire_some(tcpsift_flow_table *t, uint64_t now_ns, size_t max_flows,
                                      tcpsift_flow_remove_fn cb, void *ctx)
{
    size_t n;
    if (!t || t->in_callback) return 0;
    if (!cb) {
        cb = t->on_evict;
        ctx = t->on_evict_ctx;
    }
    if (clock_advance(t, now_ns) <= t->min_deadline) return 0; /* nothing can be idle enough */
    n = expire_list(t, &t->embryo, &t->lru[EMBRYO_LIST], t->timeout_ns[TCPSIFT_FLOW_EMBRYONIC],
                    max_flows, cb, ctx);
    for (int c = 0; c < TCPSIFT_FLOW_CLASS_COUNT; c++)
        n += expire_list(t, &t->full, &t->lru[c], t->timeout_ns[c], max_flows - n, cb, ctx);
    /* The heads left are each list's oldest: the exact earliest deadline. */
    t->min_deadline = UINT64_MAX;
    if (t->lru[EMBRYO_LIST].head != NIL)
        deadline_note(t, pool_node(&t->embryo, t->lru[EMBRYO_LIST].head)->last_seen_ns,
                      TCPSIFT_FLOW_EMBRYONIC);
    for (int c = 0; c < TCPSIFT_FLOW_CLASS_COUNT; c++)
        if (t->lru[c].head != NIL)
            deadline_note(t, pool_node(&t->full, t->lru[c].head)->last_seen_ns, (uint8_t)c);
    return n;
}

size_t tcpsift_flow_table_expire(tcpsift_flow_table *t, uint64_t now_ns, tcpsift_flow_remove_fn cb,
                                 void *ctx)
{
    /* The per-packet call: the common "nothing to do" without the full pass's setup. */
    if (!t || t->in_callback) return 0;
    if (clock_advance(t, now_ns) <= t->min_deadline) return 0;
    return tcpsift_flow_table_expire_some(t, now_ns, SIZE_MAX, cb, ctx);
}

size_t tcpsift_flow_table_foreach(tcpsift_flow_table *t, tcpsift_flow_visit_fn cb, void *ctx)
{
    size_t n = 0;
    if (!t || !cb) return 0;
    for (uint32_t id = t->order_head; id != NIL;) {
        flow_pool *p = id < t->full.capacity ? &t->full : &t->embryo;
        flow_node *node = node_by_id(t, id);
        tcpsift_flow_view v;
        id = node->order_next;
        make_view(t, p, node, &v);
        n++;
        t->in_callback++;
        int stop = cb(ctx, &v);
        t->in_callback--;
        if (stop) break;
    }
    return n;
}

uint64_t tcpsift_flow_table_now(const tcpsift_flow_table *t)
{
    return t ? t->clock_ns : 0;
}

void tcpsift_flow_table_get_stats(const tcpsift_flow_table *t, tcpsift_flow_table_stats *out)
{
    if (!out) return;
    if (!t) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = t->stats;
    out->entries = t->full.count;
    out->embryos = t->embryo.count;
    out->peak_entries = t->full.peak;
    out->peak_embryos = t->embryo.peak;
}

void tcpsift_flow_table_counts(const tcpsift_flow_table *t, uint32_t *entries, uint32_t *embryos)
{
    *entries = t->full.count;
    *embryos = t->embryo.count;
}

size_t tcpsift_flow_table_entry_size(const tcpsift_flow_table *t)
{
    if (!t) return 0;
    return t->full.stride;
}

size_t tcpsift_flow_table_embryo_size(const tcpsift_flow_table *t)
{
    if (!t) return 0;
    return t->embryo.stride;
}

uint32_t tcpsift_flow_table_longest_chain(const tcpsift_flow_table *t)
{
    if (!t) return 0;
    uint32_t longest = 0;
    for (uint32_t b = 0; b <= t->full.bucket_mask; b++) {
        uint32_t len = 0;
        for (uint32_t i = t->full.buckets[b]; i != NIL; i = pool_node(&t->full, i)->chain_next)
            len++;
        if (len > longest) longest = len;
    }
    return longest;
}

const char *tcpsift_flow_class_name(enum tcpsift_flow_class cls)
{
    switch (cls) {
    case TCPSIFT_FLOW_EMBRYONIC:
        return "embryonic";
    case TCPSIFT_FLOW_ESTABLISHED:
        return "established";
    case TCPSIFT_FLOW_CLOSING:
        return "closing";
    case TCPSIFT_FLOW_UDP:
        return "udp";
    }
    return "unknown";
}

const char *tcpsift_flow_remove_reason_name(enum tcpsift_flow_remove_reason reason)
{
    switch (reason) {
    case TCPSIFT_FLOW_TIMED_OUT:
        return "timed_out";
    case TCPSIFT_FLOW_EVICTED:
        return "evicted";
    }
    return "unknown";
}

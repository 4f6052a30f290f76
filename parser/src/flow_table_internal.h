/* Private: the flow table's layout and its per-packet entry points for the
 * tracker, which normalise and hash a key once (a probe) and reuse that for
 * the lookup, the embryo lookup and the insert of the same packet. The
 * public functions of tcpsift/flow_table.h are these plus a probe each.
 *
 * What every packet runs (the probe of an IPv4 flow, the look-ahead hints,
 * the lookup, the touch and expire's "nothing to do") is inline here, so the
 * tracker's packet loop makes no call into the table for it: the calls, their
 * saved registers and their argument checks were ~80 of the state tier's
 * instructions per packet (issue 9). The rest is in flow_table.c. */
#ifndef TCPSIFT_FLOW_TABLE_INTERNAL_H
#define TCPSIFT_FLOW_TABLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "siphash.h"
#include "tcpsift/decode.h"
#include "tcpsift/flow_table.h"

#if defined(__GNUC__) || defined(__clang__)
#define FLOW_HOT __attribute__((always_inline)) inline
#else
#define FLOW_HOT inline
#endif

#define NIL UINT32_MAX
/* LRU list index of the embryo pool, after the four full-entry classes. */
#define EMBRYO_LIST TCPSIFT_FLOW_CLASS_COUNT
#define LIST_COUNT  (TCPSIFT_FLOW_CLASS_COUNT + 1)

/* A node's key in 16 bytes (issue 9: the node was 80 bytes with the 48-byte
 * tcpsift_flow_key in it). A flow is "compact" when its normalised key is an
 * IPv4 key outside a keyed tunnel: then the two words are exactly its hash
 * message (key_hash()), which holds all of it:
 *   w0 = a_addr[0..3] | b_addr[0..3] << 32   (le32_of of each, so host-independent)
 *   w1 = key_hash_tail(ports, VLAN id + version nibble, proto), top byte 0.
 * Any other flow (IPv6, a keyed tunnel, a hand-made key of another version)
 * is "full": its normalised tcpsift_flow_key lives in its pool's full_keys[i]
 * (i the node's slot, reserved at create: no new failure mode), and
 *   w0 = the address of that full key (never compared: a probe has none),
 *   w1 = FLOW_CKEY_FULL | the low 56 bits of its hash.
 * The tag is the top byte of w1, zero in every compact form, so a compact and
 * a full form never compare equal; two full forms are equal only when their
 * hashes' bits match and then their full keys do (ckey_match). */
typedef struct flow_ckey {
    uint64_t w0, w1;
} flow_ckey;

#define FLOW_CKEY_FULL   (UINT64_C(0xff) << 56)
#define FLOW_CKEY_HASH56 (~FLOW_CKEY_FULL)

/* The part every flow has, full or embryo. Indices are 32-bit so the whole
 * bookkeeping is 32 bytes beside the 16-byte key. */
typedef struct flow_node {
    flow_ckey key;                   /* see flow_ckey */
    uint64_t last_seen_ns;           /* <= table clock, so idle time is never negative */
    uint32_t chain_next;             /* next in the bucket chain; next free slot when free */
    uint32_t lru_prev, lru_next;     /* slot indices within this pool's list */
    uint32_t order_prev, order_next; /* node ids (see node_id) */
    uint8_t cls;                     /* enum tcpsift_flow_class */
    uint8_t in_use;
    uint8_t syn_reversed; /* embryos only */
    uint8_t spare;
} flow_node;

struct tcpsift_flow_entry {
    flow_node node;
    /* value_size bytes of payload follow */
};

typedef struct flow_pool {
    uint8_t *base;
    size_t stride; /* bytes per slot, payload included */
    size_t header; /* bytes before the payload in a slot */
    /* stride = odd << stride_shift, and stride_inverse * odd == 1 (mod
     * 2^bits of size_t): a slot's index from its offset, an exact multiple
     * of stride, by a shift and a multiply instead of a division. */
    unsigned stride_shift;
    size_t stride_inverse;
    uint32_t capacity;
    uint32_t *buckets;
    /* The full keys of the flows that are not compact, full_keys[i] for slot
     * i (see flow_ckey): capacity keys reserved at create, only ever written
     * for such a flow, so an IPv4-only capture never touches (faults in) them. */
    tcpsift_flow_key *full_keys;
    uint32_t bucket_mask;
    uint32_t free_head;
    /* Slots [fresh, capacity) were never used: taken in order before any
     * eviction, and never touched until then, so creating a large table does
     * not fault in (and the allocator's memory need not be zeroed for) slots
     * a capture never fills. */
    uint32_t fresh;
    uint32_t count, peak;
    /* The offsets tcpsift_flow_table_prefetch_entry() touches in a slot
     * after its start: last / 4, last / 2, last / 4 * 3 and last, for last =
     * min(stride - 1, 256); fixed at create. */
    uint32_t prefetch_at[4];
} flow_pool;

typedef struct flow_list {
    uint32_t head, tail; /* head = least recently touched */
} flow_list;

struct tcpsift_flow_table {
    flow_pool full;
    flow_pool embryo;
    flow_list lru[LIST_COUNT];
    uint32_t order_head, order_tail;
    uint64_t clock_ns;
    /* A lower bound of every flow's expiry time (last_seen + its class
     * timeout, saturated): until the clock passes it, expire has nothing to
     * do and returns at once. Lowered by each insert and each touch that
     * changes a class, recomputed from the list heads after an expire pass. */
    uint64_t min_deadline;

    tcpsift_siphash_key sip; /* SipHash state keyed by hash_key, once */
    /* The recent-flow index (see "recent-flow index" below): 2^(64 - recent_shift) words, each
     * a key's check << 32 | a full-pool slot, or all ones; its hashes' multipliers (odd, derived
     * from hash_key). */
    uint64_t *recent;
    unsigned recent_shift;
    uint64_t recent_mul[4];
    int key_vlan;
    int key_tunnel;
    uint16_t vlan_mask; /* TCPSIFT_VLAN_ID_MASK when key_vlan, else 0 */
    uint64_t timeout_ns[TCPSIFT_FLOW_CLASS_COUNT];
    size_t value_size, embryo_value_size;
    tcpsift_flow_remove_fn on_evict;
    void *on_evict_ctx;
    /* Callbacks running now (remove and visit): while any is, the public functions that change
     * the table refuse (flow_table.h), as a callback would otherwise rebuild what the calling
     * function is in the middle of (a chain, a list, the slot it is about to take). */
    uint32_t in_callback;

    tcpsift_allocator allocator;
    size_t block_size;
    tcpsift_flow_table_stats stats;
};

typedef struct tcpsift_flow_probe {
    flow_ckey ck;         /* the key's node form (for a full key, w0 is 0 and unused) */
    uint64_t hash;        /* SipHash-1-3 of key under the table's key, once `hashed` */
    /* A compact key's word in the recent-flow index and its check, and the slot the word named
     * for this key when the probe was made (NIL: none, or a full key); `hashed` 0 only for a
     * probe made with a slot named, whose hash waits until a lookup needs it
     * (tcpsift_flow_table_probe_hash). */
    uint32_t recent, check, hint;
    int hashed;
    tcpsift_flow_key key; /* normalised: VLAN / tunnel dropped unless keyed, padding zero;
                           * written only for a full key (ck tagged FLOW_CKEY_FULL), and by
                           * tcpsift_flow_table_probe() for every key */
} tcpsift_flow_probe;

/* The bytes before a full entry's payload (flow_table.c asserts it): the
 * tracker reaches its connection without a call per packet. */
#define TCPSIFT_FLOW_ENTRY_HEADER_SIZE 48

/* tcpsift_flow_entry_value(), inline. */
static inline void *tcpsift_flow_entry_value_at(tcpsift_flow_entry *e)
{
    return (unsigned char *)e + TCPSIFT_FLOW_ENTRY_HEADER_SIZE;
}

/* ------------------------------------------------------------ keys */

static inline uint64_t le32_of(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

/* The last 7 bytes of a key's hash message: ports, VLAN id with the IP
 * version in its free upper nibble (a normalised VLAN id is 12 bits), proto. */
static inline uint64_t key_hash_tail(uint16_t a_port, uint16_t b_port, uint16_t vlan,
                                     uint8_t ip_version, uint8_t proto)
{
    return (uint64_t)a_port | (uint64_t)b_port << 16 |
           (uint64_t)(vlan | (uint16_t)((ip_version & 0xfu) << 12)) << 32 | (uint64_t)proto << 48;
}

/* Word i of a key's memory (loaded, not aliased: memcpy). */
static inline uint64_t key_word(const tcpsift_flow_key *k, size_t i)
{
    uint64_t w;
    memcpy(&w, (const uint8_t *)k + 8 * i, sizeof w);
    return w;
}

/* Byte equality of two normalised keys, as six word compares folded into
 * one branch. Word by word in scalars: an array copy of each key made
 * compilers spill both to the stack on every chain node. */
static inline int key_equal(const tcpsift_flow_key *x, const tcpsift_flow_key *y)
{
    _Static_assert(sizeof(tcpsift_flow_key) == 48, "key is six words");
    uint64_t diff = (key_word(x, 0) ^ key_word(y, 0)) | (key_word(x, 1) ^ key_word(y, 1)) |
                    (key_word(x, 2) ^ key_word(y, 2)) | (key_word(x, 3) ^ key_word(y, 3)) |
                    (key_word(x, 4) ^ key_word(y, 4)) | (key_word(x, 5) ^ key_word(y, 5));
    return diff == 0;
}

static inline int ckey_is_full(const flow_ckey *ck)
{
    return (ck->w1 & FLOW_CKEY_FULL) != 0;
}

/* The full key of a full node form (w0 holds its address). */
static inline const tcpsift_flow_key *ckey_full_key(const flow_ckey *ck)
{
    return (const tcpsift_flow_key *)(uintptr_t)ck->w0;
}

/* Whether node form `n` is the flow of the node form `ck` (with, when `ck` is
 * full, its full key `full`): both words for a compact `ck` (a full node's
 * tag makes w1 differ), else the tag and hash bits, then the full keys. */
static inline int ckey_match(const flow_ckey *n, const flow_ckey *ck, const tcpsift_flow_key *full)
{
    if (!ckey_is_full(ck)) return ((n->w0 ^ ck->w0) | (n->w1 ^ ck->w1)) == 0;
    return n->w1 == ck->w1 && key_equal(ckey_full_key(n), full);
}

/* The tcpsift_flow_key a node form stands for. */
static inline void ckey_expand(const flow_ckey *ck, tcpsift_flow_key *out)
{
    if (ckey_is_full(ck)) {
        *out = *ckey_full_key(ck);
        return;
    }
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 4; i++) {
        out->a_addr[i] = (uint8_t)(ck->w0 >> (8 * i));
        out->b_addr[i] = (uint8_t)(ck->w0 >> (32 + 8 * i));
    }
    out->a_port = (uint16_t)ck->w1;
    out->b_port = (uint16_t)(ck->w1 >> 16);
    out->vlan = (uint16_t)((ck->w1 >> 32) & TCPSIFT_VLAN_ID_MASK);
    out->ip_version = (uint8_t)((ck->w1 >> 44) & 0xfu);
    out->proto = (uint8_t)(ck->w1 >> 48);
}

/* ------------------------------------------------------------ pools, chains, lists */

static inline flow_node *pool_node(const flow_pool *p, uint32_t i)
{
    return (flow_node *)(void *)(p->base + (size_t)i * p->stride);
}

static inline uint32_t pool_index(const flow_pool *p, const flow_node *n)
{
    size_t off = (size_t)((const uint8_t *)n - p->base);
    return (uint32_t)((off >> p->stride_shift) * p->stride_inverse);
}

/* Callers of an embryo pool check its capacity first: only a capacity-0
 * pool has no buckets. The slot of the flow of node form `ck` (full key
 * `full` when ck is full) hashed to `h`, or NIL. */
static FLOW_HOT uint32_t chain_find(const flow_pool *p, const flow_ckey *ck,
                                    const tcpsift_flow_key *full, uint64_t h)
{
    for (uint32_t i = p->buckets[h & p->bucket_mask]; i != NIL; i = pool_node(p, i)->chain_next)
        if (ckey_match(&pool_node(p, i)->key, ck, full)) return i;
    return NIL;
}

static FLOW_HOT uint32_t chain_find_probe(const flow_pool *p, const tcpsift_flow_probe *pr)
{
    return chain_find(p, &pr->ck, &pr->key, pr->hash);
}

/* List operations on slot i, whose node the caller has at hand (n). */
static inline void lru_append_node(flow_pool *p, flow_list *l, uint32_t i, flow_node *n)
{
    n->lru_prev = l->tail;
    n->lru_next = NIL;
    if (l->tail != NIL)
        pool_node(p, l->tail)->lru_next = i;
    else
        l->head = i;
    l->tail = i;
}

static inline void lru_unlink_node(flow_pool *p, flow_list *l, flow_node *n)
{
    if (n->lru_prev != NIL)
        pool_node(p, n->lru_prev)->lru_next = n->lru_next;
    else
        l->head = n->lru_next;
    if (n->lru_next != NIL)
        pool_node(p, n->lru_next)->lru_prev = n->lru_prev;
    else
        l->tail = n->lru_prev;
    n->lru_prev = n->lru_next = NIL;
}

/* lru_unlink_node() then lru_append_node() on the same list, for a node that
 * is not its tail (so the list has another node at its tail). */
static inline void lru_move_to_tail(flow_pool *p, flow_list *l, flow_node *n)
{
    uint32_t i = pool_index(p, n), prev = n->lru_prev, next = n->lru_next;
    if (prev != NIL)
        pool_node(p, prev)->lru_next = next;
    else
        l->head = next;
    pool_node(p, next)->lru_prev = prev;
    n->lru_prev = l->tail;
    n->lru_next = NIL;
    pool_node(p, l->tail)->lru_next = i;
    l->tail = i;
}

static inline uint64_t clock_advance(tcpsift_flow_table *t, uint64_t now_ns)
{
    if (now_ns > t->clock_ns) t->clock_ns = now_ns;
    return t->clock_ns;
}

/* Keeps min_deadline a lower bound after a flow of class cls was touched at ts. */
static inline void deadline_note(tcpsift_flow_table *t, uint64_t ts, uint8_t cls)
{
    uint64_t timeout = t->timeout_ns[cls];
    uint64_t d = ts > UINT64_MAX - timeout ? UINT64_MAX : ts + timeout;
    if (d < t->min_deadline) t->min_deadline = d;
}

static inline int class_valid(enum tcpsift_flow_class cls)
{
    switch (cls) {
    case TCPSIFT_FLOW_EMBRYONIC:
    case TCPSIFT_FLOW_ESTABLISHED:
    case TCPSIFT_FLOW_CLOSING:
    case TCPSIFT_FLOW_UDP:
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ probes */

void tcpsift_flow_table_probe(const tcpsift_flow_table *t, const tcpsift_flow_key *key,
                              tcpsift_flow_probe *out);
/* The same for a key already in pr->key: normalised there, then hashed (no copy). */
void tcpsift_flow_table_probe_in_place(const tcpsift_flow_table *t, tcpsift_flow_probe *pr);

/* ------------------------------------------------------------ recent-flow index
 *
 * SipHash is what keeps aimed tuples out of one bucket chain, and it is the largest single cost
 * of a packet's lookup (~83 of the state tier's instructions, issue 9). Most packets belong to a
 * flow seen a moment ago, so beside the buckets the table keeps a direct-mapped array from a
 * cheap keyed hash of a compact key to the full-pool slot last linked or found with that key,
 * with a 32-bit check (a second such hash) of the key (at most RECENT_MAX words, and never more
 * than the buckets). A packet whose word has its key's check names a slot before the packet's
 * turn; at its turn, if the slot is in use and holds its very key (compared whole: exact), the
 * flow is found without SipHash. A word with another check (another flow's, the common case
 * when more flows are active than there are words) is no hint: the packet is hashed ahead as
 * without the index, its bucket prefetched. A hint that does not hold (the flow gone, its slot
 * reused) costs the SipHash lookup at the packet's turn, which then rewrites the word. Hints
 * never decide anything: an attacker who makes tuples share words (the hashes are keyed, but no
 * PRF) turns lookups back into SipHash lookups, and chains are still chosen by SipHash alone.
 * Full keys (IPv6, keyed tunnels) always take the SipHash path. */
#define RECENT_MAX ((uint32_t)1 << 14)

/* The word of a compact key, and its check in *check. */
static FLOW_HOT uint32_t recent_index(const tcpsift_flow_table *t, const flow_ckey *ck,
                                      uint32_t *check)
{
    *check = (uint32_t)((ck->w0 * t->recent_mul[2] + ck->w1 * t->recent_mul[3]) >> 32);
    return (uint32_t)((ck->w0 * t->recent_mul[0] + ck->w1 * t->recent_mul[1]) >> t->recent_shift);
}

static FLOW_HOT uint64_t recent_word(uint32_t check, uint32_t slot)
{
    return (uint64_t)check << 32 | slot;
}

/* pr's hash, when its probe left it for later (a hinted probe whose hint did not hold). */
static FLOW_HOT void tcpsift_flow_table_probe_hash(const tcpsift_flow_table *t,
                                                   tcpsift_flow_probe *pr)
{
    if (pr->hashed) return;
    pr->hash = tcpsift_siphash13_words_tail(&t->sip, &pr->ck.w0, 1, pr->ck.w1, 7);
    pr->hashed = 1;
}

/* The node form of an IPv4 packet's flow (pkt->ip_version 4, src and dst set), built in its
 * normalised form directly; a full key (keyed tunnel) is written whole and hashed. Returns
 * tcpsift_flow_key_make()'s *reversed. */
static FLOW_HOT int probe_ipv4_key(const tcpsift_flow_table *t, const tcpsift_packet *pkt,
                                   uint8_t proto, uint16_t vlan, tcpsift_flow_probe *pr)
{
    const uint8_t *src = pkt->src, *dst = pkt->dst;
    uint16_t sport = pkt->sport, dport = pkt->dport;
    /* tcpsift_flow_key_make()'s order: address as a big-endian value, then port. */
    uint32_t s = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3];
    uint32_t d = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3];
    int after = s != d ? s > d : sport > dport;
    const uint8_t *a = after ? dst : src, *b = after ? src : dst;
    uint16_t a_port = after ? dport : sport, b_port = after ? sport : dport;
    uint16_t kvlan = (uint16_t)(vlan & t->vlan_mask);
    if (t->key_tunnel && pkt->tunnel_id_kind != 0) {
        /* A full key (see flow_ckey): built whole, then hashed. */
        tcpsift_flow_key *k = &pr->key;
        memset(k, 0, sizeof *k); /* unused address bytes and spare bytes stay zero */
        memcpy(k->a_addr, a, 4);
        memcpy(k->b_addr, b, 4);
        k->a_port = a_port;
        k->b_port = b_port;
        k->vlan = kvlan;
        k->ip_version = 4;
        k->proto = proto;
        k->tunnel_kind = pkt->tunnel_id_kind;
        k->tunnel = pkt->tunnel_id;
        tcpsift_flow_table_probe_in_place(t, pr); /* normalised already: hashed */
        return after;
    }
    /* The compact form is flow_table.c key_hash()'s message for this key. */
    pr->ck.w0 = le32_of(a) | le32_of(b) << 32;
    pr->ck.w1 = key_hash_tail(a_port, b_port, kvlan, 4, proto);
    pr->hashed = 0;
    return after;
}

/* The probe of an IPv4 packet's flow: the same key and hash as tcpsift_flow_key_make() (pkt's
 * addresses and ports, `proto`, `vlan`), tcpsift_flow_key_set_tunnel() (pkt's tunnel id) and
 * tcpsift_flow_table_probe_in_place() give, without the intermediate key (issue 9). Returns
 * tcpsift_flow_key_make()'s *reversed: 1 when the packet went from the key's endpoint b to a. */
static FLOW_HOT int tcpsift_flow_table_probe_ipv4(const tcpsift_flow_table *t,
                                                  const tcpsift_packet *pkt, uint8_t proto,
                                                  uint16_t vlan, tcpsift_flow_probe *pr)
{
    int after = probe_ipv4_key(t, pkt, proto, vlan, pr);
    pr->recent = pr->check = pr->hint = NIL;
    tcpsift_flow_table_probe_hash(t, pr);
    return after;
}

/* The same probe with the recent-flow index's hint (the tracker's per-packet path): a compact
 * key whose word names a slot leaves its hash for tcpsift_flow_table_lookup_hinted() to make
 * only if the slot no longer holds the key. */
static FLOW_HOT int tcpsift_flow_table_probe_ipv4_hinted(const tcpsift_flow_table *t,
                                                         const tcpsift_packet *pkt, uint8_t proto,
                                                         uint16_t vlan, tcpsift_flow_probe *pr)
{
    int after = probe_ipv4_key(t, pkt, proto, vlan, pr);
    if (pr->hashed) {
        pr->recent = pr->check = pr->hint = NIL;
        return after;
    }
    pr->recent = recent_index(t, &pr->ck, &pr->check);
    uint64_t w = t->recent[pr->recent];
    pr->hint = (uint32_t)(w >> 32) == pr->check ? (uint32_t)w : NIL;
    if (pr->hint == NIL) tcpsift_flow_table_probe_hash(t, pr); /* its bucket is prefetched */
    return after;
}

/* ------------------------------------------------------------ look-ahead */

/* Look-ahead for a batch of packets (tcpsift_tracker_packets): a hint that the
 * flow of `pr` will be looked up soon. The bucket first, while the packets
 * ahead are still being hashed; then, a few packets before its turn, the
 * chain's first node (its key, links and the start of its value). Reads only the
 * bucket word; the lookup itself is unchanged, so a stale hint costs nothing
 * but a wasted prefetch. (The full pool has at least one slot, so buckets.) */
static FLOW_HOT void tcpsift_flow_table_prefetch_bucket(const tcpsift_flow_table *t,
                                                        const tcpsift_flow_probe *pr)
{
#if defined(__GNUC__) || defined(__clang__)
    /* A hinted probe's slot needs no bucket (its hash may not be made). */
    if (pr->hint == NIL) __builtin_prefetch(&t->full.buckets[pr->hash & t->full.bucket_mask]);
#else
    (void)t;
    (void)pr;
#endif
}

static FLOW_HOT void tcpsift_flow_table_prefetch_entry(const tcpsift_flow_table *t,
                                                       const tcpsift_flow_probe *pr)
{
#if defined(__GNUC__) || defined(__clang__)
    uint32_t i = pr->hint != NIL ? pr->hint : t->full.buckets[pr->hash & t->full.bucket_mask];
    if (i == NIL) return;
    /* The node and the start of the value (the tracker's connection keeps the
     * endpoint state every segment reads there): five lines spread over at
     * most 257 bytes, never past the slot. */
    const uint8_t *n = (const uint8_t *)pool_node(&t->full, i);
    __builtin_prefetch(n);
    __builtin_prefetch(n + t->full.prefetch_at[0]);
    __builtin_prefetch(n + t->full.prefetch_at[1]);
    __builtin_prefetch(n + t->full.prefetch_at[2]);
    __builtin_prefetch(n + t->full.prefetch_at[3]);
#else
    (void)t;
    (void)pr;
#endif
}

/* ------------------------------------------------------------ per packet */

static FLOW_HOT tcpsift_flow_entry *tcpsift_flow_table_lookup_probe(tcpsift_flow_table *t,
                                                                    const tcpsift_flow_probe *pr)
{
    const flow_pool *p = &t->full;
    uint32_t i;
    if (!ckey_is_full(&pr->ck)) {
        /* Two words against the node's two (a full node's tag never matches). */
        uint64_t w0 = pr->ck.w0, w1 = pr->ck.w1;
        for (i = p->buckets[pr->hash & p->bucket_mask]; i != NIL; i = pool_node(p, i)->chain_next) {
            const flow_node *n = pool_node(p, i);
            if (((n->key.w0 ^ w0) | (n->key.w1 ^ w1)) == 0) break;
        }
    } else {
        i = chain_find_probe(p, pr);
    }
    return i == NIL ? NULL : (tcpsift_flow_entry *)(void *)pool_node(p, i);
}

/* tcpsift_flow_table_lookup_probe() of a probe from tcpsift_flow_table_probe_ipv4_hinted(): the
 * hinted slot when it holds the key (in use, both words equal: exact, a compact key is in one
 * slot at most), else the SipHash lookup, whose slot found becomes the key's word. */
static FLOW_HOT tcpsift_flow_entry *tcpsift_flow_table_lookup_hinted(tcpsift_flow_table *t,
                                                                     tcpsift_flow_probe *pr)
{
    flow_pool *p = &t->full;
    if (pr->hint != NIL) {
        flow_node *n = pool_node(p, pr->hint);
        if (n->in_use && ((n->key.w0 ^ pr->ck.w0) | (n->key.w1 ^ pr->ck.w1)) == 0)
            return (tcpsift_flow_entry *)(void *)n;
    }
    tcpsift_flow_table_probe_hash(t, pr);
    tcpsift_flow_entry *e = tcpsift_flow_table_lookup_probe(t, pr);
    if (e && pr->recent != NIL)
        t->recent[pr->recent] = recent_word(pr->check, pool_index(p, &e->node));
    return e;
}

/* The class change of a touch (flow_table.c): from n's list to the tail of
 * cls's, at time ts (already n's last_seen_ns). */
void tcpsift_flow_table_touch_reclass(tcpsift_flow_table *t, flow_node *n, uint64_t ts,
                                      enum tcpsift_flow_class cls);

/* tcpsift_flow_table_touch() of an entry in use, with a valid `cls`, once
 * the clock has the packet's time (the tracker's expire_inline() advanced it
 * for this packet): its last_seen the clock's time, and to the tail of its
 * class's LRU list. */
static FLOW_HOT void tcpsift_flow_table_touch_at_clock(tcpsift_flow_table *t,
                                                       tcpsift_flow_entry *e,
                                                       enum tcpsift_flow_class cls)
{
    flow_node *n = &e->node;
    /* Moving to the tail with the clock's time keeps every list sorted by
     * last_seen, which is what lets expire stop at the first live entry. */
    uint64_t ts = t->clock_ns;
    n->last_seen_ns = ts;
    if ((unsigned)cls != n->cls) {
        tcpsift_flow_table_touch_reclass(t, n, ts, cls);
        return;
    }
    /* The same list. Already its tail: nothing moves. The flow's deadline
     * only moved later (ts >= its old last_seen), so min_deadline stays a
     * lower bound without a note. */
    if (n->lru_next != NIL) lru_move_to_tail(&t->full, &t->lru[n->cls], n);
}

/* tcpsift_flow_table_expire() of a table: the common "nothing can be idle
 * enough" is one compare; the pass itself is out of line. */
static FLOW_HOT size_t tcpsift_flow_table_expire_inline(tcpsift_flow_table *t, uint64_t now_ns,
                                                        tcpsift_flow_remove_fn cb, void *ctx)
{
    if (clock_advance(t, now_ns) <= t->min_deadline) return 0;
    return tcpsift_flow_table_expire_some(t, now_ns, SIZE_MAX, cb, ctx);
}

/* ------------------------------------------------------------ the rest, out of line */

tcpsift_flow_embryo *tcpsift_flow_table_embryo_lookup_probe(tcpsift_flow_table *t,
                                                            const tcpsift_flow_probe *pr);
tcpsift_error tcpsift_flow_table_insert_probe(tcpsift_flow_table *t, const tcpsift_flow_probe *pr,
                                              uint64_t now_ns, enum tcpsift_flow_class cls,
                                              tcpsift_flow_entry **out);
tcpsift_error tcpsift_flow_table_embryo_insert_probe(tcpsift_flow_table *t,
                                                     const tcpsift_flow_probe *pr, uint64_t now_ns,
                                                     uint32_t isn, int syn_reversed,
                                                     tcpsift_flow_embryo **out);
/* tcpsift_flow_table_embryo_promote() of the embryo `em` that `pr` found
 * (its key must equal pr->key): the probe's hash is not recomputed. */
tcpsift_error tcpsift_flow_table_embryo_promote_probe(tcpsift_flow_table *t,
                                                      const tcpsift_flow_probe *pr,
                                                      tcpsift_flow_embryo *em, uint64_t now_ns,
                                                      enum tcpsift_flow_class cls,
                                                      tcpsift_flow_entry **out);

/* The tracker's new half-open connection (issue 9):
 * tcpsift_flow_table_embryo_insert_probe() for a key the caller has just
 * looked up in both pools and not found, without the duplicate check; the
 * embryo's payload is not zeroed (the caller writes all of it). Fails only
 * without an embryo pool (TCPSIFT_E_NO_MEMORY). */
tcpsift_error tcpsift_flow_table_embryo_insert_new(tcpsift_flow_table *t,
                                                   const tcpsift_flow_probe *pr, uint64_t now_ns,
                                                   uint32_t isn, int syn_reversed,
                                                   tcpsift_flow_embryo **out);
/* The tracker's promotion (issue 9): tcpsift_flow_table_embryo_promote_probe()
 * of the embryo `em` that `pr` has just found, to class EMBRYONIC, for a key
 * the same packet's lookup of the full pool has just missed: none of its
 * checks, and the full entry's payload neither zeroed nor copied from the
 * embryo's (the caller writes all of it from the embryo it kept). Same
 * slot, order, LRU, clock, eviction and statistics as the public promotion;
 * cannot fail (the full pool evicts when it has no free slot). */
tcpsift_error tcpsift_flow_table_embryo_promote_found(tcpsift_flow_table *t,
                                                      const tcpsift_flow_probe *pr,
                                                      tcpsift_flow_embryo *em, uint64_t now_ns,
                                                      tcpsift_flow_entry **out);
/* The entries and embryos in the table now (tcpsift_flow_table_get_stats()'s
 * `entries` and `embryos`, without copying the rest: the tracker asks once
 * per new connection, issue 9). */
void tcpsift_flow_table_counts(const tcpsift_flow_table *t, uint32_t *entries, uint32_t *embryos);

#endif

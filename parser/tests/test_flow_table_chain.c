/* Flow table internals of the per-packet lookup (issue 9): the key's hash is
 * keyed SipHash-1-3 of the documented serialisation (15, 20, 39 or 44
 * bytes); a bucket chain tells apart keys that differ in any one word of
 * the key (the chain's key compare folds six word compares into one branch,
 * four for an IPv4 probe), IPv4 and IPv6 keys alike, and an IPv4 flow from its
 * IPv6 twin (keys equal but for the version byte);
 * and touch keeps the LRU lists exact: eviction victims and expiry order
 * equal a plain model's over random inserts, touches (at the tail, the head,
 * with and without a class change), removals and time moving both ways; a
 * touch into a shorter timeout is expired on time; and slots of every stride
 * shape keep the LRU order (a slot index by shift and multiply). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flow_table_internal.h"
#include "siphash.h"
#include "tcpsift/decode.h"
#include "tcpsift/flow_key.h"
#include "tcpsift/flow_table.h"

static const uint8_t hash_key[16] = {0x3c, 0x91, 0x07, 0xee, 0x52, 0x18, 0xa4, 0x6d,
                                     0xf0, 0x2b, 0x99, 0x41, 0xc7, 0x0e, 0x63, 0xb5};

static tcpsift_flow_table *make_table(uint32_t max, int keyed)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = max;
    cfg.embryo_capacity = 0;
    cfg.value_size = 8;
    cfg.key_vlan = keyed;
    cfg.key_tunnel = keyed;
    memcpy(cfg.hash_key, hash_key, sizeof cfg.hash_key);
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

static tcpsift_flow_key key_of(uint8_t version, uint16_t vlan)
{
    static const uint8_t v4a[4] = {192, 0, 2, 7}, v4b[4] = {198, 51, 100, 9};
    static const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb8, 0xf0, 0xe1, 0xd2, 0xc3,
                                    0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b};
    tcpsift_flow_key k;
    assert_int_equal(tcpsift_flow_key_make(&k, version, version == 4 ? v4a : v6a,
                                           version == 4 ? v4b : v6b, 40123, 443, 6, vlan, NULL),
                     TCPSIFT_OK);
    return k;
}

/* The serialisation flow_table.c documents, byte by byte. */
static size_t serialise(const tcpsift_flow_key *k, uint8_t *out)
{
    size_t n = 0, alen = k->ip_version == 4 ? 4 : 16;
    memcpy(out + n, k->a_addr, alen);
    n += alen;
    memcpy(out + n, k->b_addr, alen);
    n += alen;
    uint16_t vv = (uint16_t)(k->vlan | (k->ip_version & 0xf) << 12);
    const uint16_t le16[3] = {k->a_port, k->b_port, vv};
    for (int i = 0; i < 3; i++) {
        out[n++] = (uint8_t)le16[i];
        out[n++] = (uint8_t)(le16[i] >> 8);
    }
    out[n++] = k->proto;
    if (k->tunnel_kind != 0) {
        out[n++] = k->tunnel_kind;
        for (int i = 0; i < 4; i++)
            out[n++] = (uint8_t)(k->tunnel >> (8 * i));
    }
    return n;
}

static void test_hash_is_siphash13_of_serialisation(void **state)
{
    (void)state;
    tcpsift_flow_table *t = make_table(16, 1);
    static const size_t want_len[4] = {15, 20, 39, 44};
    for (int form = 0; form < 4; form++) {
        tcpsift_flow_key k = key_of(form < 2 ? 4 : 6, 0x123);
        if (form & 1) tcpsift_flow_key_set_tunnel(&k, TCPSIFT_ENCAP_VXLAN, 0x00abcdefu);
        tcpsift_flow_probe pr;
        tcpsift_flow_table_probe(t, &k, &pr);
        uint8_t msg[64];
        size_t n = serialise(&pr.key, msg);
        assert_int_equal(n, want_len[form]);
        if (pr.hash != tcpsift_siphash13(hash_key, msg, n))
            fail_msg("form %d: the hash is not SipHash-1-3 of the %zu-byte serialisation", form, n);
        /* Keyed: another key gives another value. */
        uint8_t other[16];
        memcpy(other, hash_key, sizeof other);
        other[5] ^= 1;
        assert_true(pr.hash != tcpsift_siphash13(other, msg, n));
    }
    /* The VLAN id is hashed (keyed table): two VLANs, two hashes. */
    tcpsift_flow_probe p1, p2;
    tcpsift_flow_key k1 = key_of(4, 1), k2 = key_of(4, 2);
    tcpsift_flow_table_probe(t, &k1, &p1);
    tcpsift_flow_table_probe(t, &k2, &p2);
    assert_true(p1.hash != p2.hash);
    tcpsift_flow_table_destroy(t);
}

/* One key per word of the key's memory, differing from `base` in that word
 * only (a byte the normalised form keeps), landing in base's bucket. */
static int variant_in_bucket(const tcpsift_flow_table *t, const tcpsift_flow_key *base,
                             uint64_t mask, const tcpsift_flow_probe *bp, size_t word,
                             tcpsift_flow_key *out)
{
    for (unsigned v = 1; v < 4096; v++) {
        tcpsift_flow_key k = *base;
        switch (word) {
        case 0: k.a_addr[v % 8] ^= (uint8_t)(v >> 3 | 1); break;
        case 1: k.a_addr[8 + v % 8] ^= (uint8_t)(v >> 3 | 1); break;
        case 2: k.b_addr[v % 8] ^= (uint8_t)(v >> 3 | 1); break;
        case 3: k.b_addr[8 + v % 8] ^= (uint8_t)(v >> 3 | 1); break;
        case 4: k.b_port = (uint16_t)(k.b_port ^ v); break;
        default: k.tunnel ^= v; break;
        }
        tcpsift_flow_probe pr;
        tcpsift_flow_table_probe(t, &k, &pr);
        if (memcmp(&pr.key, &k, sizeof k) != 0) continue; /* not a normalised difference */
        if ((pr.hash & mask) == (bp->hash & mask) && pr.hash != bp->hash) {
            *out = k;
            return 1;
        }
    }
    return 0;
}

static void chain_tells_apart_one_word(uint8_t version)
{
    /* 8 connections, 8 buckets: bucket = hash & 7. */
    tcpsift_flow_table *t = make_table(8, 1);
    tcpsift_flow_key base = key_of(version, 0x2a);
    tcpsift_flow_key_set_tunnel(&base, TCPSIFT_ENCAP_GRE, 0x10203u);
    tcpsift_flow_probe bp;
    tcpsift_flow_table_probe(t, &base, &bp);
    tcpsift_flow_entry *be = NULL;
    assert_int_equal(tcpsift_flow_table_insert_probe(t, &bp, 1, TCPSIFT_FLOW_ESTABLISHED, &be),
                     TCPSIFT_OK);
    assert_ptr_equal(tcpsift_flow_entry_value_at(be), tcpsift_flow_entry_value(be));
    for (size_t word = 0; word < 6; word++) {
        /* An IPv4 key's words 1 and 3 are zero in its normalised form. */
        if (version == 4 && (word == 1 || word == 3)) continue;
        tcpsift_flow_key k;
        if (!variant_in_bucket(t, &base, 7, &bp, word, &k)) fail_msg("no variant of word %zu", word);
        tcpsift_flow_probe pr;
        tcpsift_flow_table_probe(t, &k, &pr);
        /* Same bucket, not yet in the table: the chain holds only base. */
        if (tcpsift_flow_table_lookup_probe(t, &pr) != NULL)
            fail_msg("word %zu: a key differing only there found base's entry", word);
        tcpsift_flow_entry *e = NULL;
        assert_int_equal(tcpsift_flow_table_insert_probe(t, &pr, 2, TCPSIFT_FLOW_ESTABLISHED, &e),
                         TCPSIFT_OK);
        /* Both in one chain; each lookup finds its own, either order of the chain. */
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &pr), e);
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &bp), be);
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &k), e);
        assert_ptr_equal(tcpsift_flow_table_lookup(t, &base), be);
        assert_int_equal(tcpsift_flow_table_longest_chain(t), 2);
        tcpsift_flow_table_remove(t, e);
        assert_null(tcpsift_flow_table_lookup_probe(t, &pr));
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &bp), be);
    }
    tcpsift_flow_table_destroy(t);
}

/* IPv6 keys and IPv4 keys (whose lookup compares four of the six words). */
static void test_chain_tells_apart_one_word(void **state)
{
    (void)state;
    chain_tells_apart_one_word(6);
    chain_tells_apart_one_word(4);
}

/* An IPv4 flow and its IPv6 twin (the same address bytes, zero-padded, the
 * same ports, VLAN, protocol and tunnel: the keys differ only in the version
 * byte) in one bucket: each lookup finds its own, and neither finds the other
 * alone. */
static void test_ipv4_and_ipv6_twin_in_one_chain(void **state)
{
    (void)state;
    tcpsift_flow_table *t = make_table(2, 1); /* 2 buckets */
    unsigned tried = 0;
    for (uint32_t n = 0; n < 64; n++) {
        uint8_t a4[4] = {192, 0, 2, (uint8_t)n}, b4[4] = {198, 51, 100, 9};
        uint8_t a6[16] = {0}, b6[16] = {0};
        memcpy(a6, a4, 4);
        memcpy(b6, b4, 4);
        tcpsift_flow_key k4, k6;
        assert_int_equal(tcpsift_flow_key_make(&k4, 4, a4, b4, 1234, 80, 6, 5, NULL), TCPSIFT_OK);
        assert_int_equal(tcpsift_flow_key_make(&k6, 6, a6, b6, 1234, 80, 6, 5, NULL), TCPSIFT_OK);
        tcpsift_flow_key_set_tunnel(&k4, TCPSIFT_ENCAP_VXLAN, 77);
        tcpsift_flow_key_set_tunnel(&k6, TCPSIFT_ENCAP_VXLAN, 77);
        tcpsift_flow_probe p4, p6;
        tcpsift_flow_table_probe(t, &k4, &p4);
        tcpsift_flow_table_probe(t, &k6, &p6);
        if ((p4.hash & 1) != (p6.hash & 1)) continue; /* not one bucket */
        tried++;
        tcpsift_flow_entry *e4 = NULL, *e6 = NULL;
        assert_int_equal(tcpsift_flow_table_insert_probe(t, &p6, 1, TCPSIFT_FLOW_UDP, &e6),
                         TCPSIFT_OK);
        assert_null(tcpsift_flow_table_lookup_probe(t, &p4));
        assert_int_equal(tcpsift_flow_table_insert_probe(t, &p4, 1, TCPSIFT_FLOW_UDP, &e4),
                         TCPSIFT_OK);
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &p4), e4);
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &p6), e6);
        tcpsift_flow_table_remove(t, e6);
        assert_ptr_equal(tcpsift_flow_table_lookup_probe(t, &p4), e4);
        assert_null(tcpsift_flow_table_lookup_probe(t, &p6));
        tcpsift_flow_table_remove(t, e4);
    }
    assert_true(tried > 8);
    tcpsift_flow_table_destroy(t);
}

/* ------------------------------------------------------------ LRU model */

#define MODEL_KEYS 24
#define MODEL_CAP  8

typedef struct lru_model {
    int present[MODEL_KEYS];
    enum tcpsift_flow_class cls[MODEL_KEYS];
    uint64_t last_seen[MODEL_KEYS];
    uint64_t seq[MODEL_KEYS]; /* order of the latest insert or touch */
    uint64_t next_seq, clock;
    uint64_t timeout[TCPSIFT_FLOW_CLASS_COUNT];
    /* What the table reported, in order. */
    unsigned removed_count;
    uint32_t removed[MODEL_KEYS * 2];
    enum tcpsift_flow_remove_reason reason[MODEL_KEYS * 2];
} lru_model;

static tcpsift_flow_key model_key(uint32_t n)
{
    uint8_t a[4] = {10, 9, 8, (uint8_t)n}, b[4] = {10, 9, 7, 1};
    tcpsift_flow_key k;
    assert_int_equal(tcpsift_flow_key_make(&k, 4, a, b, 5000, 80, 6, 0, NULL), TCPSIFT_OK);
    return k;
}

static void model_removed(void *ctx, const tcpsift_flow_view *v,
                          enum tcpsift_flow_remove_reason why)
{
    lru_model *m = ctx;
    uint32_t id;
    memcpy(&id, v->value, sizeof id);
    assert_true(m->removed_count < MODEL_KEYS * 2);
    /* The view agrees with the model at the moment of removal. */
    assert_int_equal(v->cls, m->cls[id]);
    assert_int_equal(v->last_seen_ns, m->last_seen[id]);
    m->removed[m->removed_count] = id;
    m->reason[m->removed_count++] = why;
}

/* The documented victim: the oldest EMBRYONIC entry, else the entry idle
 * longest over ESTABLISHED, CLOSING, UDP (ties in that class order; within a
 * class, the one touched first). */
static int model_victim(const lru_model *m)
{
    int head[TCPSIFT_FLOW_CLASS_COUNT] = {-1, -1, -1, -1};
    for (int i = 0; i < MODEL_KEYS; i++)
        if (m->present[i] && (head[m->cls[i]] < 0 || m->seq[i] < m->seq[head[m->cls[i]]]))
            head[m->cls[i]] = i;
    if (head[TCPSIFT_FLOW_EMBRYONIC] >= 0) return head[TCPSIFT_FLOW_EMBRYONIC];
    int best = -1;
    for (int c = TCPSIFT_FLOW_ESTABLISHED; c <= TCPSIFT_FLOW_UDP; c++)
        if (head[c] >= 0 && (best < 0 || m->last_seen[head[c]] < m->last_seen[best])) best = head[c];
    return best;
}

static uint32_t model_rnd(uint64_t *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return (uint32_t)(*r >> 20);
}

static void test_touch_lru_model(void **state)
{
    (void)state;
    lru_model m;
    memset(&m, 0, sizeof m);
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = MODEL_CAP;
    cfg.embryo_capacity = 0;
    cfg.value_size = 8;
    memcpy(cfg.hash_key, hash_key, sizeof cfg.hash_key);
    static const uint64_t timeouts[TCPSIFT_FLOW_CLASS_COUNT] = {40, 300, 120, 80};
    memcpy(cfg.timeout_ns, timeouts, sizeof timeouts);
    memcpy(m.timeout, timeouts, sizeof timeouts);
    cfg.on_evict = model_removed;
    cfg.on_evict_ctx = &m;
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    uint64_t r = 0x243f6a8885a308d3u, now = 1000;
    unsigned evictions = 0, expiries = 0, tail_touches = 0, class_changes = 0;
    unsigned moved_within_class = 0;
    for (int step = 0; step < 200000; step++) {
        uint32_t x = model_rnd(&r);
        /* Time mostly forward in small steps, sometimes back (the clock
         * keeps its value), sometimes a jump past every timeout. */
        switch (x % 16) {
        case 0: now = now > 30 ? now - 30 : 0; break;
        case 1: now += 400; break;
        default: now += x % 7; break;
        }
        x = model_rnd(&r);
        uint32_t id = x % MODEL_KEYS;
        enum tcpsift_flow_class cls = (enum tcpsift_flow_class)((x >> 5) % TCPSIFT_FLOW_CLASS_COUNT);
        uint32_t op = (x >> 8) % 8;
        tcpsift_flow_key k = model_key(id);
        tcpsift_flow_entry *e = tcpsift_flow_table_lookup(t, &k);
        assert_int_equal(e != NULL, m.present[id]);
        m.removed_count = 0;
        if (op == 0) {
            /* Expire: everything idle past its class timeout, by class, oldest first. */
            if (now > m.clock) m.clock = now;
            uint32_t want[MODEL_KEYS];
            unsigned nwant = 0;
            for (int c = 0; c < TCPSIFT_FLOW_CLASS_COUNT; c++) {
                for (;;) {
                    int best = -1;
                    for (int i = 0; i < MODEL_KEYS; i++)
                        if (m.present[i] && m.cls[i] == (enum tcpsift_flow_class)c &&
                            m.clock - m.last_seen[i] > m.timeout[c] &&
                            (best < 0 || m.seq[i] < m.seq[best]))
                            best = i;
                    if (best < 0) break;
                    want[nwant++] = (uint32_t)best;
                    m.present[best] = 0;
                }
            }
            for (unsigned i = 0; i < nwant; i++)
                m.present[want[i]] = 1; /* the callback checks them still there */
            size_t got = tcpsift_flow_table_expire(t, now, NULL, NULL);
            assert_int_equal(got, nwant);
            assert_int_equal(m.removed_count, nwant);
            for (unsigned i = 0; i < nwant; i++) {
                if (m.removed[i] != want[i])
                    fail_msg("step %d: expiry %u removed key %u, the model %u", step, i,
                             m.removed[i], want[i]);
                assert_int_equal(m.reason[i], TCPSIFT_FLOW_TIMED_OUT);
                m.present[want[i]] = 0;
            }
            expiries += nwant;
        } else if (op == 1 && e) {
            tcpsift_flow_table_remove(t, e);
            m.present[id] = 0;
        } else if (!e) {
            unsigned live = 0;
            for (int i = 0; i < MODEL_KEYS; i++)
                live += (unsigned)m.present[i];
            int victim = live == MODEL_CAP ? model_victim(&m) : -1;
            tcpsift_flow_entry *ne = NULL;
            assert_int_equal(tcpsift_flow_table_insert(t, &k, now, cls, &ne), TCPSIFT_OK);
            if (victim >= 0) {
                assert_int_equal(m.removed_count, 1);
                if (m.removed[0] != (uint32_t)victim)
                    fail_msg("step %d: evicted key %u, the model %d", step, m.removed[0], victim);
                assert_int_equal(m.reason[0], TCPSIFT_FLOW_EVICTED);
                m.present[victim] = 0;
                evictions++;
            } else {
                assert_int_equal(m.removed_count, 0);
            }
            memcpy(tcpsift_flow_entry_value(ne), &id, sizeof id);
            if (now > m.clock) m.clock = now;
            m.present[id] = 1;
            m.cls[id] = cls;
            m.last_seen[id] = m.clock;
            m.seq[id] = m.next_seq++;
        } else {
            /* Touch; some of them the latest-touched flow of all (op 2) or of
             * a random class (op 3): the tail of its list, which stays put. */
            if (op == 2 || op == 3) {
                int tail = -1;
                for (int i = 0; i < MODEL_KEYS; i++)
                    if (m.present[i] && (op == 2 || m.cls[i] == cls) &&
                        (tail < 0 || m.seq[i] > m.seq[tail]))
                        tail = i;
                if (tail >= 0) {
                    id = (uint32_t)tail;
                    k = model_key(id);
                    e = tcpsift_flow_table_lookup(t, &k);
                    assert_non_null(e);
                    tail_touches++;
                }
            }
            /* Keep the class most of the time, as packets of a flow do. */
            if ((x >> 12) % 4 != 0) cls = m.cls[id];
            if ((x >> 14) % 16 == 0) cls = (enum tcpsift_flow_class)7; /* out of range: kept */
            /* Within its class: moved to the tail unless it is there already. */
            int latest_of_class = 1;
            for (int i = 0; i < MODEL_KEYS; i++)
                if (m.present[i] && m.cls[i] == m.cls[id] && m.seq[i] > m.seq[id]) latest_of_class = 0;
            if (!latest_of_class && ((unsigned)cls >= TCPSIFT_FLOW_CLASS_COUNT || cls == m.cls[id]))
                moved_within_class++;
            tcpsift_flow_table_touch(t, e, now, cls);
            if (now > m.clock) m.clock = now;
            if ((unsigned)cls < TCPSIFT_FLOW_CLASS_COUNT && cls != m.cls[id]) {
                m.cls[id] = cls;
                class_changes++;
            }
            m.last_seen[id] = m.clock;
            m.seq[id] = m.next_seq++;
            assert_int_equal(tcpsift_flow_entry_last_seen(e), m.clock);
            assert_int_equal(tcpsift_flow_entry_class(e), m.cls[id]);
            assert_int_equal(m.removed_count, 0);
        }
        assert_int_equal(tcpsift_flow_table_now(t), m.clock);
    }
    /* The sequence exercised every path. */
    assert_true(evictions > 1000);
    assert_true(expiries > 1000);
    assert_true(tail_touches > 1000);
    assert_true(class_changes > 1000);
    assert_true(moved_within_class > 1000);
    tcpsift_flow_table_destroy(t);
}

/* A touch into a class with a shorter timeout moves the flow's deadline
 * earlier than every other: expire must find it (the table's "nothing can be
 * idle enough" bound is lowered by such a touch, and only by such a touch). */
static void test_touch_to_shorter_class_expires(void **state)
{
    (void)state;
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = 4;
    cfg.embryo_capacity = 0;
    cfg.value_size = 8;
    static const uint64_t timeouts[TCPSIFT_FLOW_CLASS_COUNT] = {40, 300, 120, 80};
    memcpy(cfg.timeout_ns, timeouts, sizeof timeouts);
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    tcpsift_flow_key ka = model_key(1), kb = model_key(2);
    tcpsift_flow_entry *a = NULL, *b = NULL;
    assert_int_equal(tcpsift_flow_table_insert(t, &ka, 1000, TCPSIFT_FLOW_ESTABLISHED, &a),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_insert(t, &kb, 1000, TCPSIFT_FLOW_ESTABLISHED, &b),
                     TCPSIFT_OK);
    /* b in its class (deadline later), a into the 40 ns class. */
    tcpsift_flow_table_touch(t, b, 1005, TCPSIFT_FLOW_ESTABLISHED);
    tcpsift_flow_table_touch(t, a, 1010, TCPSIFT_FLOW_EMBRYONIC);
    assert_int_equal(tcpsift_flow_table_expire(t, 1050, NULL, NULL), 0); /* idle 40: not past */
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &ka), a);
    assert_int_equal(tcpsift_flow_table_expire(t, 1051, NULL, NULL), 1);
    assert_null(tcpsift_flow_table_lookup(t, &ka));
    /* b's deadline is 1305: its touch moved it from 1300. */
    assert_int_equal(tcpsift_flow_table_expire(t, 1305, NULL, NULL), 0);
    assert_ptr_equal(tcpsift_flow_table_lookup(t, &kb), b);
    assert_int_equal(tcpsift_flow_table_expire(t, 1306, NULL, NULL), 1);
    assert_null(tcpsift_flow_table_lookup(t, &kb));
    tcpsift_flow_table_destroy(t);
}

/* Slots of every shape of stride (the index of a slot comes from its offset
 * by a shift and a multiply, not a division): touches in a shuffled order,
 * some changing class, then an expiry of everything, which reports each
 * class's flows in the order they were last touched. */
struct expired_log {
    unsigned n;
    uint8_t id[32];
};

static void log_expired(void *ctx, const tcpsift_flow_view *v,
                        enum tcpsift_flow_remove_reason why)
{
    struct expired_log *log = ctx;
    assert_int_equal(why, TCPSIFT_FLOW_TIMED_OUT);
    assert_true(log->n < 32);
    log->id[log->n++] = v->key.b_addr[3]; /* model_key(i)'s 10.9.8.i sorts after 10.9.7.1 */
}

static void test_touch_order_every_stride(void **state)
{
    (void)state;
    static const size_t value_sizes[] = {0, 1, 7, 8, 9, 24, 40, 56, 100, 248, 256, 1000, 4097};
    for (size_t vs = 0; vs < sizeof value_sizes / sizeof value_sizes[0]; vs++) {
        tcpsift_flow_table_config cfg;
        tcpsift_flow_table_config_init(&cfg);
        cfg.max_connections = 16;
        cfg.embryo_capacity = 2;
        cfg.value_size = value_sizes[vs];
        cfg.embryo_value_size = value_sizes[vs] < 64 ? value_sizes[vs] : 64;
        tcpsift_flow_table *t = NULL;
        assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
        tcpsift_flow_entry *e[16];
        for (uint32_t i = 0; i < 16; i++) {
            tcpsift_flow_key k = model_key(i);
            assert_int_equal(tcpsift_flow_table_insert(t, &k, 100, TCPSIFT_FLOW_ESTABLISHED, &e[i]),
                             TCPSIFT_OK);
        }
        /* A removal in the middle frees a slot the next insert reuses. */
        tcpsift_flow_table_remove(t, e[5]);
        tcpsift_flow_key k5 = model_key(5);
        assert_int_equal(tcpsift_flow_table_insert(t, &k5, 100, TCPSIFT_FLOW_ESTABLISHED, &e[5]),
                         TCPSIFT_OK);
        /* Touch order: a permutation of the 16 by a stride prime to 16;
         * ids 3 mod 4 go to CLOSING on the way. */
        uint8_t want_est[16], want_closing[16];
        unsigned n_est = 0, n_closing = 0;
        for (uint32_t step = 0; step < 16; step++) {
            uint32_t i = (step * 7 + (uint32_t)vs) % 16;
            enum tcpsift_flow_class cls =
                i % 4 == 3 ? TCPSIFT_FLOW_CLOSING : TCPSIFT_FLOW_ESTABLISHED;
            tcpsift_flow_table_touch(t, e[i], 200 + step, cls);
            if (cls == TCPSIFT_FLOW_CLOSING)
                want_closing[n_closing++] = (uint8_t)i;
            else
                want_est[n_est++] = (uint8_t)i;
        }
        struct expired_log log = {0, {0}};
        assert_int_equal(tcpsift_flow_table_expire(t, UINT64_C(1) << 62, log_expired, &log), 16);
        /* By class (ESTABLISHED, then CLOSING), oldest first. */
        assert_int_equal(log.n, 16);
        assert_memory_equal(log.id, want_est, n_est);
        assert_memory_equal(log.id + n_est, want_closing, n_closing);
        tcpsift_flow_table_destroy(t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_siphash13_of_serialisation),
        cmocka_unit_test(test_chain_tells_apart_one_word),
        cmocka_unit_test(test_ipv4_and_ipv6_twin_in_one_chain),
        cmocka_unit_test(test_touch_lru_model),
        cmocka_unit_test(test_touch_to_shorter_class_expires),
        cmocka_unit_test(test_touch_order_every_stride),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The tracker's embryo insert and promotion (flow_table_internal.h, issue 9) against the public
 * ones: tcpsift_flow_table_embryo_insert_new() and tcpsift_flow_table_embryo_promote_found()
 * skip the checks their caller's lookups already made and leave the payload to the caller;
 * everything else must be what tcpsift_flow_table_embryo_insert_probe() and
 * tcpsift_flow_table_embryo_promote_probe() do.
 *
 * Two tables with the same configuration get the same scripted operations, one through each
 * pair of functions, over poisoned memory, with small pools so that inserts and promotions
 * evict (a SYN flood in the embryo pool, a full pool evicting on promotion) and with time
 * passing so that flows expire. After every step the two must agree on the statistics, the
 * flows in insertion order (key, class, last seen, full or embryo, payload, ISN and SYN
 * direction), every key's lookups, and the log of evicted and expired flows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow_table_internal.h"
#include "tcpsift/flow_key.h"
#include "tcpsift/flow_table.h"

#include "support_alloc.h"

#define KEYS      24
#define LOG_MAX   512
#define FLOWS_MAX 64
#define VALUE     40 /* full payload bytes */
#define EVALUE    24 /* embryo payload bytes */

static const uint8_t hash_key[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};

struct removed {
    unsigned n;
    struct {
        uint16_t port;
        int embryo, reason, cls;
        uint64_t last_seen;
        uint8_t value[VALUE];
    } r[LOG_MAX];
};

static uint16_t port_of(const tcpsift_flow_key *k) { return k->a_port == 80 ? k->b_port : k->a_port; }

static void on_removed(void *ctx, const tcpsift_flow_view *v, enum tcpsift_flow_remove_reason why)
{
    struct removed *log = ctx;
    assert_true(log->n < LOG_MAX);
    unsigned i = log->n++;
    memset(&log->r[i], 0, sizeof log->r[i]);
    log->r[i].port = port_of(&v->key);
    log->r[i].embryo = v->embryo != NULL;
    log->r[i].reason = (int)why;
    log->r[i].cls = (int)v->cls;
    log->r[i].last_seen = v->last_seen_ns;
    memcpy(log->r[i].value, v->value, v->embryo ? EVALUE : VALUE);
}

static tcpsift_flow_table *make(struct removed *log)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = 5;
    cfg.embryo_capacity = 4;
    cfg.value_size = VALUE;
    cfg.embryo_value_size = EVALUE;
    memcpy(cfg.hash_key, hash_key, sizeof hash_key);
    cfg.timeout_ns[TCPSIFT_FLOW_EMBRYONIC] = 50;
    cfg.timeout_ns[TCPSIFT_FLOW_ESTABLISHED] = 400;
    cfg.allocator = &support_poisoned_allocator;
    cfg.on_evict = on_removed;
    cfg.on_evict_ctx = log;
    memset(log, 0, sizeof *log);
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

static tcpsift_flow_probe probe_of(const tcpsift_flow_table *t, unsigned n)
{
    const uint8_t src[4] = {10, 1, 2, 3}, dst[4] = {10, 1, 2, 4};
    tcpsift_flow_key k;
    int reversed = 0;
    assert_int_equal(tcpsift_flow_key_make(&k, 4, src, dst, (uint16_t)(20000 + n), 80, 6, 0,
                                           &reversed),
                     TCPSIFT_OK);
    tcpsift_flow_probe pr;
    tcpsift_flow_table_probe(t, &k, &pr);
    return pr;
}

struct flows {
    unsigned n;
    struct {
        uint16_t port;
        int embryo, cls;
        uint64_t last_seen;
        uint32_t isn;
        int syn_reversed;
        uint8_t value[VALUE];
    } f[FLOWS_MAX];
};

static int collect(void *ctx, const tcpsift_flow_view *v)
{
    struct flows *fl = ctx;
    assert_true(fl->n < FLOWS_MAX);
    unsigned i = fl->n++;
    memset(&fl->f[i], 0, sizeof fl->f[i]);
    fl->f[i].port = port_of(&v->key);
    fl->f[i].embryo = v->embryo != NULL;
    fl->f[i].cls = (int)v->cls;
    fl->f[i].last_seen = v->last_seen_ns;
    if (v->embryo) {
        fl->f[i].isn = tcpsift_flow_embryo_isn(v->embryo);
        fl->f[i].syn_reversed = tcpsift_flow_embryo_syn_reversed(v->embryo);
    }
    memcpy(fl->f[i].value, v->value, v->embryo ? EVALUE : VALUE);
    return 0;
}

/* Everything observable of the two tables is the same. */
static void assert_same(tcpsift_flow_table *a, const struct removed *la, tcpsift_flow_table *b,
                        const struct removed *lb)
{
    tcpsift_flow_table_stats sa, sb;
    tcpsift_flow_table_get_stats(a, &sa);
    tcpsift_flow_table_get_stats(b, &sb);
    assert_memory_equal(&sa, &sb, sizeof sa);
    uint32_t entries, embryos;
    tcpsift_flow_table_counts(b, &entries, &embryos);
    assert_int_equal(entries, sb.entries);
    assert_int_equal(embryos, sb.embryos);
    static struct flows fa, fb;
    memset(&fa, 0, sizeof fa);
    memset(&fb, 0, sizeof fb);
    tcpsift_flow_table_foreach(a, collect, &fa);
    tcpsift_flow_table_foreach(b, collect, &fb);
    assert_int_equal(fa.n, fb.n);
    assert_memory_equal(&fa, &fb, sizeof fa);
    assert_int_equal(la->n, lb->n);
    assert_memory_equal(la, lb, sizeof *la);
    for (unsigned k = 0; k < KEYS; k++) {
        tcpsift_flow_probe pa = probe_of(a, k), pb = probe_of(b, k);
        assert_int_equal(tcpsift_flow_table_lookup_probe(a, &pa) != NULL,
                         tcpsift_flow_table_lookup_probe(b, &pb) != NULL);
        assert_int_equal(tcpsift_flow_table_embryo_lookup_probe(a, &pa) != NULL,
                         tcpsift_flow_table_embryo_lookup_probe(b, &pb) != NULL);
    }
}

/* Key k's embryo: inserted where neither pool has the key (the tracker's condition). */
static void insert_both(tcpsift_flow_table *a, tcpsift_flow_table *b, unsigned k, uint64_t now)
{
    tcpsift_flow_probe pa = probe_of(a, k), pb = probe_of(b, k);
    assert_null(tcpsift_flow_table_lookup_probe(b, &pb));
    assert_null(tcpsift_flow_table_embryo_lookup_probe(b, &pb));
    tcpsift_flow_embryo *ea, *eb;
    uint32_t isn = 1000u * k + 7;
    int rev = (int)(k % 2);
    assert_int_equal(tcpsift_flow_table_embryo_insert_probe(a, &pa, now, isn, rev, &ea),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_embryo_insert_new(b, &pb, now, isn, rev, &eb), TCPSIFT_OK);
    /* The caller writes the payload: the public insert zeroed it first, the new one not. */
    uint8_t v[EVALUE];
    memset(v, (int)(0x10 + k), sizeof v);
    v[0] = 0;
    memcpy(tcpsift_flow_embryo_value(ea), v, sizeof v);
    memcpy(tcpsift_flow_embryo_value(eb), v, sizeof v);
}

/* Key k's embryo promoted (its full lookup misses: the tracker's condition). */
static void promote_both(tcpsift_flow_table *a, tcpsift_flow_table *b, unsigned k, uint64_t now)
{
    tcpsift_flow_probe pa = probe_of(a, k), pb = probe_of(b, k);
    tcpsift_flow_embryo *ea = tcpsift_flow_table_embryo_lookup_probe(a, &pa);
    tcpsift_flow_embryo *eb = tcpsift_flow_table_embryo_lookup_probe(b, &pb);
    assert_non_null(ea);
    assert_non_null(eb);
    assert_null(tcpsift_flow_table_lookup_probe(b, &pb));
    uint8_t kept[EVALUE];
    memcpy(kept, tcpsift_flow_embryo_value(eb), sizeof kept);
    tcpsift_flow_entry *fa, *fb;
    assert_int_equal(
        tcpsift_flow_table_embryo_promote_probe(a, &pa, ea, now, TCPSIFT_FLOW_EMBRYONIC, &fa),
        TCPSIFT_OK);
    assert_int_equal(tcpsift_flow_table_embryo_promote_found(b, &pb, eb, now, &fb), TCPSIFT_OK);
    /* The public promotion copied the embryo's payload over a zeroed one; the tracker's caller
     * writes the whole payload itself, here the same bytes. */
    uint8_t v[VALUE] = {0};
    memcpy(v, kept, sizeof kept);
    assert_memory_equal(tcpsift_flow_entry_value(fa), v, sizeof v);
    memcpy(tcpsift_flow_entry_value(fb), v, sizeof v);
    assert_int_equal(tcpsift_flow_entry_class(fb), TCPSIFT_FLOW_EMBRYONIC);
    assert_int_equal(tcpsift_flow_entry_last_seen(fb), tcpsift_flow_entry_last_seen(fa));
    /* As the tracker does after the packet (mostly: established). */
    if (k % 4 != 0) {
        tcpsift_flow_table_touch(a, fa, now, TCPSIFT_FLOW_ESTABLISHED);
        tcpsift_flow_table_touch(b, fb, now, TCPSIFT_FLOW_ESTABLISHED);
    }
}

/* A scripted mix: new embryos (a flood through a 4-embryo pool), promotions (through a 5-entry
 * full pool: evictions of embryonic and established entries), touches, expiry and a finish. */
static void test_insert_and_promote_match_public(void **state)
{
    (void)state;
    static struct removed la, lb;
    tcpsift_flow_table *a = make(&la), *b = make(&lb);
    uint64_t now = 1000;
    unsigned next = 0;
    int present[KEYS] = {0}; /* 0 none, 1 embryo, 2 full (as both tables agree) */
    for (unsigned step = 0; step < 120; step++) {
        now += (step % 7 == 0) ? 60 : 3; /* some steps let embryos time out */
        tcpsift_flow_table_expire(a, now, on_removed, &la);
        tcpsift_flow_table_expire(b, now, on_removed, &lb);
        /* Which keys each pool holds now (evictions and expiry change that). */
        for (unsigned k = 0; k < KEYS; k++) {
            tcpsift_flow_probe pb = probe_of(b, k);
            present[k] = tcpsift_flow_table_lookup_probe(b, &pb)          ? 2
                         : tcpsift_flow_table_embryo_lookup_probe(b, &pb) ? 1
                                                                          : 0;
        }
        unsigned k = (next * 7 + step) % KEYS;
        int flood = step >= 40 && step < 60; /* new embryos only: the pool evicts */
        if (step % 3 == 2 && !flood) {
            /* Promote some embryo, if any. */
            for (unsigned d = 0; d < KEYS; d++) {
                unsigned j = (k + d) % KEYS;
                if (present[j] == 1) {
                    promote_both(a, b, j, now);
                    break;
                }
            }
        } else if (step % 5 == 4 && !flood) {
            /* Touch a full entry as established. */
            for (unsigned d = 0; d < KEYS; d++) {
                unsigned j = (k + d) % KEYS;
                if (present[j] == 2) {
                    tcpsift_flow_probe pa = probe_of(a, j), pb = probe_of(b, j);
                    tcpsift_flow_table_touch(a, tcpsift_flow_table_lookup_probe(a, &pa), now,
                                             TCPSIFT_FLOW_ESTABLISHED);
                    tcpsift_flow_table_touch(b, tcpsift_flow_table_lookup_probe(b, &pb), now,
                                             TCPSIFT_FLOW_ESTABLISHED);
                    break;
                }
            }
        } else if (present[k] == 0) {
            insert_both(a, b, k, now);
            next++;
        }
        assert_same(a, &la, b, &lb);
    }
    tcpsift_flow_table_stats st;
    tcpsift_flow_table_get_stats(b, &st);
    tcpsift_flow_table_destroy(a);
    tcpsift_flow_table_destroy(b);
    /* The script reached what it is for: embryo evictions and timeouts, promotions, and full
     * entries evicted by a promotion. */
    assert_true(st.embryo_evictions > 0);
    assert_true(st.embryo_timeouts > 0);
    assert_true(st.promotions > 10);
    assert_true(st.evictions[TCPSIFT_FLOW_EMBRYONIC] + st.evictions[TCPSIFT_FLOW_ESTABLISHED] > 0);
}

/* Without an embryo pool the new insert fails as the public one does. */
static void test_insert_new_without_pool(void **state)
{
    (void)state;
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = 4;
    cfg.embryo_capacity = 0;
    cfg.value_size = VALUE;
    memcpy(cfg.hash_key, hash_key, sizeof hash_key);
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    tcpsift_flow_probe pr = probe_of(t, 1);
    tcpsift_flow_embryo *em = (tcpsift_flow_embryo *)&pr; /* overwritten with NULL */
    assert_int_equal(tcpsift_flow_table_embryo_insert_new(t, &pr, 10, 1, 0, &em),
                     TCPSIFT_E_NO_MEMORY);
    assert_null(em);
    tcpsift_flow_table_stats st;
    tcpsift_flow_table_get_stats(t, &st);
    assert_int_equal(st.embryo_inserts, 0);
    assert_int_equal(st.embryos, 0);
    tcpsift_flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_promote_match_public),
        cmocka_unit_test(test_insert_new_without_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

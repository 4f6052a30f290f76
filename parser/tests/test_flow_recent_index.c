/* The flow table's recent-flow index (flow_table_internal.h, issue 9): the tracker's hinted
 * probe of a packet names the full-pool slot last linked or found with its compact key, and
 * tcpsift_flow_table_lookup_hinted() takes that slot only when it still holds the key, else the
 * SipHash lookup. Here: a flow's packets find it without SipHash (the probe's hash is never
 * made); a removed flow, a slot reused by another flow, a word shared by two or two hundred
 * flows and a word naming the wrong slot all give the public lookup's answer; a word held by
 * another flow is no hint (the packet is hashed ahead as without the index); keys that are not
 * compact never use the index; a one-slot table works. */
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

static tcpsift_flow_table *table(uint32_t max_connections, int key_tunnel)
{
    tcpsift_flow_table_config cfg;
    tcpsift_flow_table_config_init(&cfg);
    cfg.max_connections = max_connections;
    cfg.embryo_capacity = 0;
    cfg.value_size = 8;
    for (int i = 0; i < 16; i++)
        cfg.hash_key[i] = (uint8_t)(0x3c ^ (i * 41));
    cfg.key_tunnel = key_tunnel;
    tcpsift_flow_table *t = NULL;
    assert_int_equal(tcpsift_flow_table_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

/* Flow n: 10.0.x.y:(1024 + n) -> 192.0.2.1:80, TCP. */
typedef struct flow {
    uint8_t client[4], server[4];
    uint16_t client_port;
    uint8_t tunnel_kind;
    uint32_t tunnel;
} flow;

static flow flow_n(uint32_t n)
{
    flow f = {{10, 0, (uint8_t)(n >> 8), (uint8_t)n}, {192, 0, 2, 1}, (uint16_t)(1024 + n), 0, 0};
    return f;
}

static void packet_of(const flow *f, int from_server, tcpsift_packet *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    pkt->ip_version = 4;
    pkt->addr_len = 4;
    pkt->src = from_server ? f->server : f->client;
    pkt->dst = from_server ? f->client : f->server;
    pkt->sport = from_server ? 80 : f->client_port;
    pkt->dport = from_server ? f->client_port : 80;
    pkt->tunnel_id_kind = f->tunnel_kind;
    pkt->tunnel_id = f->tunnel;
}

static void hinted_probe(const tcpsift_flow_table *t, const flow *f, int from_server,
                         tcpsift_flow_probe *pr)
{
    tcpsift_packet pkt;
    packet_of(f, from_server, &pkt);
    memset(pr, 0xa5, sizeof *pr);
    tcpsift_flow_table_probe_ipv4_hinted(t, &pkt, 6, 0, pr);
}

static void key_of(const flow *f, tcpsift_flow_key *k)
{
    tcpsift_error err =
        tcpsift_flow_key_make(k, 4, f->client, f->server, f->client_port, 80, 6, 0, NULL);
    assert_int_equal(err, TCPSIFT_OK);
    tcpsift_flow_key_set_tunnel(k, f->tunnel_kind, f->tunnel);
}

static tcpsift_flow_entry *insert(tcpsift_flow_table *t, const flow *f)
{
    tcpsift_flow_key k;
    key_of(f, &k);
    tcpsift_flow_entry *e = NULL;
    assert_int_equal(tcpsift_flow_table_insert(t, &k, 1, TCPSIFT_FLOW_ESTABLISHED, &e), TCPSIFT_OK);
    return e;
}

/* The public lookup's answer for f. */
static tcpsift_flow_entry *public_lookup(tcpsift_flow_table *t, const flow *f)
{
    tcpsift_flow_key k;
    key_of(f, &k);
    return tcpsift_flow_table_lookup(t, &k);
}

/* Words in the table's recent-flow index. */
static uint32_t words_of(const tcpsift_flow_table *t)
{
    return (uint32_t)1 << (64 - t->recent_shift);
}

static uint32_t slot_of(const tcpsift_flow_table *t, const tcpsift_flow_entry *e)
{
    return pool_index(&t->full, &e->node);
}

static uint32_t word_of(const tcpsift_flow_table *t, const flow *f)
{
    tcpsift_flow_probe pr;
    hinted_probe(t, f, 0, &pr);
    return pr.recent;
}

static void test_packets_find_their_flow_without_siphash(void **state)
{
    (void)state;
    tcpsift_flow_table *t = table(64, 0);
    flow f = flow_n(7);
    tcpsift_flow_entry *e = insert(t, &f);
    for (int from_server = 0; from_server < 2; from_server++) {
        tcpsift_flow_probe pr;
        hinted_probe(t, &f, from_server, &pr);
        assert_true(pr.recent < words_of(t));
        assert_int_equal(pr.hint, slot_of(t, e)); /* the insert wrote the word */
        assert_int_equal(pr.hashed, 0);
        assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e);
        assert_int_equal(pr.hashed, 0); /* found without the hash */
        /* Asked for, the hash is the one the plain probe makes. */
        tcpsift_flow_table_probe_hash(t, &pr);
        tcpsift_flow_probe plain;
        tcpsift_packet pkt;
        packet_of(&f, from_server, &pkt);
        tcpsift_flow_table_probe_ipv4(t, &pkt, 6, 0, &plain);
        assert_true(pr.hash == plain.hash);
        assert_int_equal(plain.hint, NIL);
    }
    /* A flow never inserted: no slot, or a slot that is not its own. */
    flow g = flow_n(8);
    tcpsift_flow_probe pr;
    hinted_probe(t, &g, 0, &pr);
    assert_null(tcpsift_flow_table_lookup_hinted(t, &pr));
    assert_int_equal(pr.hashed, 1);
    tcpsift_flow_table_destroy(t);
}

static void test_removed_flow_and_reused_slot(void **state)
{
    (void)state;
    tcpsift_flow_table *t = table(64, 0);
    flow a = flow_n(1), b = flow_n(2);
    tcpsift_flow_entry *ea = insert(t, &a);
    uint32_t slot = slot_of(t, ea);
    tcpsift_flow_table_remove(t, ea);
    /* The word still names the freed slot, which still holds a's key bytes: not in use. */
    tcpsift_flow_probe pr;
    hinted_probe(t, &a, 0, &pr);
    assert_int_equal(pr.hint, slot);
    assert_null(tcpsift_flow_table_lookup_hinted(t, &pr));
    assert_int_equal(pr.hashed, 1);
    /* b takes the freed slot (the free list's head): a's word names b's slot now. */
    tcpsift_flow_entry *eb = insert(t, &b);
    assert_int_equal(slot_of(t, eb), slot);
    hinted_probe(t, &a, 1, &pr);
    assert_null(tcpsift_flow_table_lookup_hinted(t, &pr));
    hinted_probe(t, &b, 1, &pr);
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), eb);
    /* a back, in another slot: found, through its word again. */
    ea = insert(t, &a);
    assert_true(slot_of(t, ea) != slot);
    hinted_probe(t, &a, 0, &pr);
    assert_int_equal(pr.hint, slot_of(t, ea));
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), ea);
    assert_int_equal(pr.hashed, 0);
    tcpsift_flow_table_destroy(t);
}

/* Flows n >= `from` whose word is `word`, `want` of them, in out[]. */
static size_t flows_sharing(const tcpsift_flow_table *t, uint32_t word, uint32_t from, size_t want,
                            flow *out)
{
    size_t got = 0;
    for (uint32_t n = from; n < 60000 && got < want; n++) {
        flow f = flow_n(n);
        if (word_of(t, &f) == word) out[got++] = f;
    }
    return got;
}

static void test_shared_word_falls_back_then_follows(void **state)
{
    (void)state;
    tcpsift_flow_table *t = table(1024, 0);
    flow pair[2];
    pair[0] = flow_n(0);
    assert_int_equal(flows_sharing(t, word_of(t, &pair[0]), 1, 1, &pair[1]), 1);
    tcpsift_flow_entry *e0 = insert(t, &pair[0]), *e1 = insert(t, &pair[1]);
    /* The word holds the flow inserted last, with its check: no hint for the other one, which
     * is hashed at once (its bucket can be prefetched), found, and the word follows it. */
    tcpsift_flow_probe pr;
    hinted_probe(t, &pair[0], 0, &pr);
    assert_int_equal(pr.hint, NIL);
    assert_int_equal(pr.hashed, 1);
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e0);
    hinted_probe(t, &pair[0], 1, &pr);
    assert_int_equal(pr.hint, slot_of(t, e0));
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e0);
    assert_int_equal(pr.hashed, 0);
    hinted_probe(t, &pair[1], 0, &pr);
    assert_int_equal(pr.hint, NIL);
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e1);
    assert_int_equal(pr.hashed, 1);
    /* A word that names a slot with the right check but not the key: a hint that does not
     * hold (here made by hand: e1's slot under e0's check) costs the SipHash lookup, exact. */
    hinted_probe(t, &pair[0], 0, &pr);
    t->recent[pr.recent] = recent_word(pr.check, slot_of(t, e1));
    hinted_probe(t, &pair[0], 1, &pr);
    assert_int_equal(pr.hint, slot_of(t, e1));
    assert_int_equal(pr.hashed, 0);
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e0);
    assert_int_equal(pr.hashed, 1);
    assert_int_equal(t->recent[pr.recent], recent_word(pr.check, slot_of(t, e0)));
    tcpsift_flow_table_destroy(t);
}

/* Tuples aimed at one word (as if the index's hash were known): every lookup is still exact,
 * and the bucket chains, chosen by SipHash, stay short. */
static void test_tuples_aimed_at_one_word(void **state)
{
    (void)state;
    enum { N = 200 };
    tcpsift_flow_table *t = table(256, 0);
    static flow same[N];
    flow first = flow_n(0);
    same[0] = first;
    assert_int_equal(flows_sharing(t, word_of(t, &first), 1, N - 1, same + 1), N - 1);
    static tcpsift_flow_entry *e[N];
    for (size_t i = 0; i < N; i++)
        e[i] = insert(t, &same[i]);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < N; i++) {
            tcpsift_flow_probe pr;
            hinted_probe(t, &same[i], (int)(i & 1), &pr);
            assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e[i]);
            assert_ptr_equal(public_lookup(t, &same[i]), e[i]);
        }
    }
    uint32_t longest = tcpsift_flow_table_longest_chain(t);
    printf("%d flows sharing one recent-index word: longest bucket chain %u of 256 buckets\n", N,
           longest);
    assert_true(longest <= 8);
    tcpsift_flow_table_destroy(t);
}

static void test_full_keys_never_hinted(void **state)
{
    (void)state;
    tcpsift_flow_table *t = table(64, 1);
    flow f = flow_n(3);
    f.tunnel_kind = 1;
    f.tunnel = 4242;
    tcpsift_flow_entry *e = insert(t, &f);
    tcpsift_flow_probe pr;
    hinted_probe(t, &f, 0, &pr);
    assert_int_equal(pr.hint, NIL);
    assert_int_equal(pr.recent, NIL);
    assert_int_equal(pr.hashed, 1);
    assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), e);
    /* The same tuple outside the tunnel is a compact key, another flow. */
    flow g = f;
    g.tunnel_kind = 0;
    g.tunnel = 0;
    hinted_probe(t, &g, 0, &pr);
    assert_true(pr.recent != NIL);
    assert_null(tcpsift_flow_table_lookup_hinted(t, &pr));
    tcpsift_flow_table_destroy(t);
}

static void test_one_slot_table(void **state)
{
    (void)state;
    tcpsift_flow_table *t = table(1, 0);
    assert_int_equal(words_of(t), 2); /* two words at least */
    for (uint32_t n = 0; n < 50; n++) {
        flow f = flow_n(n);
        tcpsift_flow_entry *e = insert(t, &f); /* evicts the one before */
        for (uint32_t m = 0; m <= n; m++) {
            flow g = flow_n(m);
            tcpsift_flow_probe pr;
            hinted_probe(t, &g, (int)(m & 1), &pr);
            assert_true(pr.recent < 2);
            assert_ptr_equal(tcpsift_flow_table_lookup_hinted(t, &pr), m == n ? e : NULL);
        }
    }
    tcpsift_flow_table_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packets_find_their_flow_without_siphash),
        cmocka_unit_test(test_removed_flow_and_reused_slot),
        cmocka_unit_test(test_shared_word_falls_back_then_follows),
        cmocka_unit_test(test_tuples_aimed_at_one_word),
        cmocka_unit_test(test_full_keys_never_hinted),
        cmocka_unit_test(test_one_slot_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

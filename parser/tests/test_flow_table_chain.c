/* Flow table internals of the per-packet lookup (issue 9): the key's hash is
 * keyed SipHash-1-3 of the documented serialisation (15, 20, 39 or 44
 * bytes), and a bucket chain tells apart keys that differ in any one word of
 * the key (the chain's key compare folds six word compares into one branch). */
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

static void test_chain_tells_apart_one_word(void **state)
{
    (void)state;
    /* 8 connections, 8 buckets: bucket = hash & 7. */
    tcpsift_flow_table *t = make_table(8, 1);
    tcpsift_flow_key base = key_of(6, 0x2a);
    tcpsift_flow_key_set_tunnel(&base, TCPSIFT_ENCAP_GRE, 0x10203u);
    tcpsift_flow_probe bp;
    tcpsift_flow_table_probe(t, &base, &bp);
    tcpsift_flow_entry *be = NULL;
    assert_int_equal(tcpsift_flow_table_insert_probe(t, &bp, 1, TCPSIFT_FLOW_ESTABLISHED, &be),
                     TCPSIFT_OK);
    assert_ptr_equal(tcpsift_flow_entry_value_at(be), tcpsift_flow_entry_value(be));
    for (size_t word = 0; word < 6; word++) {
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_siphash13_of_serialisation),
        cmocka_unit_test(test_chain_tells_apart_one_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

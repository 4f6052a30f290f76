/* IP fragment reassembly paths test_defrag.c leaves out (found by fuzz/coverage.sh): every
 * create() argument check, allocation failure at each allocation the pool makes, buffer growth
 * and its max_datagram_bytes ceiling, fragments of the same id from different hosts, IPv6 AH
 * in the unfragmentable part (RFC 8200 §4.5), oversized unfragmentable parts, empty and
 * duplicate fragments, and every decode error that makes a fragment's bytes unknown. All
 * through the public API (tcpsift/defrag.h) with frames decoded by tcpsift_packet_decode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"
#include "tcpsift/defrag.h"

#define SEGMENT 120 /* bytes of the fragmented UDP datagram */
#define OUT_MAX 8192

static uint8_t data[SEGMENT];

/* A whole UDP datagram (8-byte header + 112 patterned bytes), so reassembled results decode. */
static void fill_data(void)
{
    uint8_t payload[SEGMENT - 8];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 11 + 5);
    assert_int_equal(udp_datagram(data, sizeof data, 5353, 53, payload, sizeof payload, -1),
                     SEGMENT);
}

/* Ethernet + IPv4 fragment of protocol 17 (UDP: no RFC 1858 tiny rules) from src to dst. */
static void frag4_hosts(struct pb *p, const uint8_t src[4], const uint8_t dst[4], uint16_t id,
                        size_t off, int more, const uint8_t *bytes, size_t len)
{
    struct ip4_spec ip = ip4_default(17);
    memcpy(ip.src, src, 4);
    memcpy(ip.dst, dst, 4);
    ip.id = id;
    ip.frag = (uint16_t)((more ? 0x2000 : 0) | off / 8);
    ip.l4_csum = 0;
    pb_eth_ipv4(p, &ip, bytes, len);
}

static void frag4(struct pb *p, uint16_t id, size_t off, int more, const uint8_t *bytes, size_t len)
{
    frag4_hosts(p, TEST_V4_SRC, TEST_V4_DST, id, off, more, bytes, len);
}

/* Ethernet + IPv6 with extension headers `pre` (whose first next-header byte chain must end
 * in 44) in front of a fragment header for UDP. */
static void frag6_after(struct pb *p, uint8_t first_next, const uint8_t *pre, size_t pre_len,
                        uint32_t id, size_t off, int more, const uint8_t *bytes, size_t len)
{
    uint8_t ext[1024];
    memcpy(ext, pre, pre_len);
    size_t e = pre_len + ext_frag(ext + pre_len, 17, (uint16_t)(off / 8), more, id);
    struct ip6_spec ip = ip6_default(17);
    ip.next = first_next;
    ip.ext = ext;
    ip.ext_len = e;
    ip.l4_csum = 0;
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, &ip, bytes, len);
}

/* Decode a frame (it must be a fragment) and feed it; the datagram, if any, is copied out. */
static tcpsift_error feed_pkt(tcpsift_defrag *df, const tcpsift_packet *pkt, uint8_t *out,
                              size_t *out_len)
{
    tcpsift_bytes dg = {(const uint8_t *)"x", 99};
    tcpsift_error rc = tcpsift_defrag_feed(df, pkt, 0, &dg, NULL);
    if (rc != TCPSIFT_OK) {
        assert_null(dg.ptr); /* the contract: an error hands out no datagram */
        assert_int_equal(dg.len, 0);
    }
    *out_len = dg.len;
    if (dg.ptr) memcpy(out, dg.ptr, dg.len);
    return rc;
}

static tcpsift_error feed(tcpsift_defrag *df, const struct pb *p, uint8_t *out, size_t *out_len)
{
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p->b, p->len, p->len);
    assert_true(pkt.layers & TCPSIFT_LAYER_FRAGMENT);
    return feed_pkt(df, &pkt, out, out_len);
}

/* Allocator that counts live bytes, fails allocation number `fail_at` (1-based, 0 = never)
 * and refuses any single request above `largest`. */
struct flaky {
    size_t live, calls, fail_at, largest, biggest_seen;
};
static void *flaky_alloc(void *ctx, size_t n)
{
    struct flaky *f = ctx;
    f->calls++;
    if (f->calls == f->fail_at || n > f->largest) return NULL;
    if (n > f->biggest_seen) f->biggest_seen = n;
    f->live += n;
    return malloc(n);
}
static void flaky_free(void *ctx, void *p, size_t n)
{
    struct flaky *f = ctx;
    assert_true(f->live >= n);
    f->live -= n;
    free(p);
}

static void test_create_rejects_each_bad_argument(void **state)
{
    (void)state;
    tcpsift_defrag_config cfg;
    static char sentinel_byte;
    tcpsift_defrag *const sentinel = (tcpsift_defrag *)(void *)&sentinel_byte;
    tcpsift_defrag *df = sentinel; /* must stay untouched on error */
    tcpsift_defrag_config_init(&cfg);
    assert_int_equal(tcpsift_defrag_create(NULL, &df), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_defrag_create(&cfg, NULL), TCPSIFT_E_INVALID_ARGUMENT);
    cfg.max_datagram_bytes = 0;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    cfg.max_datagram_bytes = 65535 + 8 + 1; /* one past the documented ceiling */
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_defrag_config_init(&cfg);
    cfg.policy = TCPSIFT_OVERLAP_COUNT_;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    tcpsift_defrag_config_init(&cfg);
    cfg.timeout_ns = -1;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_INVALID_ARGUMENT);
    assert_ptr_equal(df, sentinel);
    /* The ceiling itself is accepted. */
    tcpsift_defrag_config_init(&cfg);
    cfg.max_datagram_bytes = 65535 + 8;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    assert_ptr_not_equal(df, sentinel);
    tcpsift_defrag_destroy(df);
    tcpsift_defrag_destroy(NULL); /* a no-op, like free(NULL) */
}

static void test_create_allocation_failures(void **state)
{
    (void)state;
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    struct flaky f = {0, 0, 1, SIZE_MAX, 0};
    tcpsift_allocator a = {flaky_alloc, flaky_free, &f};
    cfg.allocator = &a;
    tcpsift_defrag *df = NULL;
    /* The pool itself, its slot array, its hash buckets: each failure is no_memory and leaks
     * nothing. */
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_NO_MEMORY);
    assert_null(df);
    assert_int_equal(f.live, 0);
    for (size_t fail = 2; fail <= 3; fail++) {
        f.calls = 0;
        f.fail_at = fail;
        assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_NO_MEMORY);
        assert_null(df);
        assert_int_equal(f.live, 0);
    }
    /* 2^32 - 1 slots: a size_t overflow on 32-bit targets, a refused request on 64-bit. */
    f.calls = 0;
    f.fail_at = 0;
    f.largest = 1u << 20;
    cfg.max_datagrams = UINT32_MAX;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_E_NO_MEMORY);
    assert_null(df);
    assert_int_equal(f.live, 0);
}

/* The first fragment of a datagram allocates its buffer, then its two piece arrays; failing
 * any of them refuses the fragment with no_memory and leaves the pool as it was. */
static void test_feed_allocation_failures(void **state)
{
    (void)state;
    fill_data();
    for (size_t fail = 4; fail <= 6; fail++) {
        tcpsift_defrag_config cfg;
        tcpsift_defrag_config_init(&cfg);
        cfg.max_datagrams = 4;
        struct flaky f = {0, 0, 0, SIZE_MAX, 0};
        tcpsift_allocator a = {flaky_alloc, flaky_free, &f};
        cfg.allocator = &a;
        tcpsift_defrag *df = NULL;
        assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
        assert_int_equal(f.calls, 3);
        size_t base = f.live;
        f.fail_at = fail;
        struct pb p;
        static uint8_t out[OUT_MAX];
        size_t out_len;
        frag4(&p, 1, 0, 1, data, 48);
        assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_E_NO_MEMORY);
        const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
        assert_int_equal(s->errors[TCPSIFT_E_NO_MEMORY], 1);
        assert_int_equal(s->in_progress, 0);
        assert_int_equal(s->memory, 0);
        assert_int_equal(f.live, base);
        /* Allocation works again: the same datagram reassembles from scratch. */
        frag4(&p, 1, 0, 1, data, 48);
        assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
        frag4(&p, 1, 48, 0, data + 48, SEGMENT - 48);
        assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
        assert_int_equal(out_len, 20 + SEGMENT);
        assert_memory_equal(out + 20, data, SEGMENT);
        assert_int_equal(s->reassembled, 1);
        tcpsift_defrag_destroy(df);
        assert_int_equal(f.live, 0);
    }
}

/* A buffer grows (doubling, or straight to what a far fragment needs) and never past the
 * unfragmentable-part room plus max_datagram_bytes. */
static void test_buffer_growth_and_ceiling(void **state)
{
    (void)state;
    static uint8_t big[4096];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    struct flaky f = {0, 0, 0, SIZE_MAX, 0};
    tcpsift_allocator a = {flaky_alloc, flaky_free, &f};
    cfg.allocator = &a;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    /* [0,1000) then [3000,4000) (needs a bigger buffer), [1000,3000) in two, last [4000,4096). */
    frag4(&p, 5, 0, 1, big, 1000);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag4(&p, 5, 3000, 1, big + 3000, 1000);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag4(&p, 5, 1000, 1, big + 1000, 1000);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag4(&p, 5, 2000, 1, big + 2000, 1000);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    frag4(&p, 5, 4000, 0, big + 4000, 96);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + 4096);
    assert_memory_equal(out + 20, big, 4096);
    assert_true(f.biggest_seen >= TCPSIFT_DEFRAG_MAX_HEADER + 4096);
    tcpsift_defrag_destroy(df);
    assert_int_equal(f.live, 0);

    /* max_datagram_bytes 1000: no buffer is ever larger than 256 + 1000 bytes, and a
     * fragment ending past 1000 bytes is frag_too_large even though IPv4 allows it. */
    tcpsift_defrag_config_init(&cfg);
    cfg.allocator = &a;
    cfg.max_datagram_bytes = 1000;
    f.biggest_seen = 0;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    f.biggest_seen = 0;
    frag4(&p, 6, 0, 1, big, 496);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(f.biggest_seen, TCPSIFT_DEFRAG_MAX_HEADER + 1000);
    frag4(&p, 6, 1000, 0, big, 8);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_E_FRAG_TOO_LARGE);
    frag4(&p, 6, 496, 0, big + 496, 504); /* ends exactly at the ceiling */
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + 1000);
    assert_memory_equal(out + 20, big, 1000);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TOO_LARGE], 1);
    assert_int_equal(s->reassembled, 1);
    tcpsift_defrag_destroy(df);
    assert_int_equal(f.live, 0);
}

/* A fragment the memory cap cannot take is refused, but the datagram it belongs to keeps the
 * pieces it had and still completes. */
static void test_refused_fragment_keeps_datagram(void **state)
{
    (void)state;
    fill_data();
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    cfg.memory_cap = 2048 + 512;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    frag4(&p, 9, 0, 1, data, 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag4(&p, 9, 16000, 1, data, 48); /* would need a 16 KiB buffer */
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_E_NO_MEMORY);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->in_progress, 1);
    assert_int_equal(s->evicted, 0);
    frag4(&p, 9, 48, 0, data + 48, SEGMENT - 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + SEGMENT);
    assert_memory_equal(out + 20, data, SEGMENT);
    assert_true(s->memory_peak <= cfg.memory_cap);
    tcpsift_defrag_destroy(df);
}

/* Every memory cap from 8 bytes to 3 KiB: the first fragment of a datagram either fits (buffer
 * and piece lists) or is refused with no_memory leaving nothing held; the cap is never exceeded.
 * (0 is no cap: test_defrag's test_no_memory_cap_and_null_arguments.) */
static void test_every_small_memory_cap(void **state)
{
    (void)state;
    fill_data();
    int refused = 0, stored = 0;
    for (uint64_t cap = 8; cap <= 3072; cap += 8) {
        tcpsift_defrag_config cfg;
        tcpsift_defrag_config_init(&cfg);
        cfg.memory_cap = cap;
        tcpsift_defrag *df = NULL;
        assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
        struct pb p;
        static uint8_t out[OUT_MAX];
        size_t out_len;
        frag4(&p, 1, 0, 1, data, 48);
        tcpsift_error rc = feed(df, &p, out, &out_len);
        const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
        assert_true(s->memory_peak <= cap);
        if (rc == TCPSIFT_OK) {
            stored++;
            assert_int_equal(s->in_progress, 1);
            assert_true(s->memory > 0);
        } else {
            refused++;
            assert_int_equal(rc, TCPSIFT_E_NO_MEMORY);
            assert_int_equal(refused, cap / 8); /* refusals come first, then only fits */
            assert_int_equal(s->in_progress, 0);
            assert_int_equal(s->memory, 0);
        }
        tcpsift_defrag_destroy(df);
    }
    assert_true(refused > 0 && stored > 0);
}

/* IPv4 datagrams are keyed by source and destination too (RFC 791 §3.2): the same id from two
 * hosts, or to two hosts, is three datagrams. */
static void test_same_id_other_hosts(void **state)
{
    (void)state;
    fill_data();
    static const uint8_t other_host[4] = {198, 51, 100, 77};
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    frag4(&p, 3, 0, 1, data, 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag4_hosts(&p, other_host, TEST_V4_DST, 3, 48, 0, data + 48, SEGMENT - 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    frag4_hosts(&p, TEST_V4_SRC, other_host, 3, 48, 0, data + 48, SEGMENT - 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 0);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->in_progress, 3);
    assert_int_equal(s->reassembled, 0);
    /* The matching second half completes the first datagram only. */
    frag4(&p, 3, 48, 0, data + 48, SEGMENT - 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + SEGMENT);
    assert_memory_equal(out + 12, TEST_V4_SRC, 4);
    assert_int_equal(s->in_progress, 2);
    tcpsift_defrag_destroy(df);
}

/* An Authentication Header before the fragment header belongs to the unfragmentable part
 * (RFC 8200 §4.5); its length is counted in 4-byte units (RFC 4302 §2.2). */
static void test_ipv6_ah_before_fragment_header(void **state)
{
    (void)state;
    fill_data();
    uint8_t ah[64];
    size_t ah_len = ext_ah(ah, 44, 4); /* (4 + 2) * 4 = 24 bytes */
    assert_int_equal(ah_len, 24);
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    frag6_after(&p, 51, ah, ah_len, 0x1234567, 64, 0, data + 64, SEGMENT - 64);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag6_after(&p, 51, ah, ah_len, 0x1234567, 0, 1, data, 64);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 40 + ah_len + SEGMENT);
    assert_int_equal(out[6], 51);  /* fixed header still names the AH */
    assert_int_equal(out[40], 17); /* AH now names UDP: no fragment header */
    assert_memory_equal(out + 40 + 4, ah + 4, ah_len - 4);
    assert_int_equal((size_t)out[4] << 8 | out[5], ah_len + SEGMENT); /* payload length */
    assert_memory_equal(out + 40 + ah_len, data, SEGMENT);
    tcpsift_packet r;
    assert_int_equal(tcpsift_packet_decode(&r, TCPSIFT_LINK_RAW, out, out_len, out_len),
                     TCPSIFT_OK);
    assert_false(r.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(r.ipv6_ext_count, 1);
    assert_int_equal(r.ipv6_ext_types[0], 51);
    assert_true(r.layers & TCPSIFT_LAYER_UDP);
    assert_int_equal(r.dport, 53);
    tcpsift_defrag_destroy(df);
}

/* An unfragmentable part longer than TCPSIFT_DEFRAG_MAX_HEADER cannot be kept: frag_too_large
 * for the first fragment; later fragments are stored (their header is not needed). */
static void test_ipv6_unfragmentable_part_too_long(void **state)
{
    (void)state;
    fill_data();
    uint8_t hbh[256];
    size_t hbh_len = ext_opts(hbh, 44, 27); /* 28 * 8 = 224 bytes: 40 + 224 > 256 */
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    /* That much padding is what a host discards (frag_ip_options): judged apart here. */
    cfg.accept_ip_options = 1;
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    frag6_after(&p, 0, hbh, hbh_len, 77, 0, 1, data, 64);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_E_FRAG_TOO_LARGE);
    frag6_after(&p, 0, hbh, hbh_len, 77, 64, 0, data + 64, SEGMENT - 64);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TOO_LARGE], 1);
    assert_int_equal(s->in_progress, 1);
    /* 216 bytes of extension headers (40 + 216 = 256) still fit. */
    hbh_len = ext_opts(hbh, 44, 26);
    frag6_after(&p, 0, hbh, hbh_len, 78, 64, 0, data + 64, SEGMENT - 64);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag6_after(&p, 0, hbh, hbh_len, 78, 0, 1, data, 64);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 40 + 216 + SEGMENT);
    assert_memory_equal(out + 256, data, SEGMENT);
    tcpsift_defrag_destroy(df);
}

/* An empty fragment, last or not, is frag_empty and drops its datagram (Linux ip_frag_queue():
 * "if (end == offset) goto discard_qp;"; it used to be frag_bad_length when not last, and an
 * empty last fragment used to just set the end); a repeated first fragment is an exact
 * duplicate and keeps the first header. */
static void test_empty_and_repeated_fragments(void **state)
{
    (void)state;
    fill_data();
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    frag4(&p, 11, 8, 1, data, 0);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_E_FRAG_EMPTY);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->in_progress, 0); /* none started */

    frag4(&p, 12, 0, 1, data, 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    p.b[14 + 8] = 99; /* the repeat has another TTL (header checksum not re-checked here) */
    tcpsift_packet pkt;
    tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len);
    tcpsift_bytes dg;
    int overlapped = 0;
    assert_int_equal(tcpsift_defrag_feed(df, &pkt, 0, &dg, &overlapped), TCPSIFT_OK);
    assert_int_equal(overlapped, 1);
    frag4(&p, 12, 48, 0, data + 48, 0); /* empty last fragment: the datagram is dropped */
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_E_FRAG_EMPTY);
    assert_int_equal(out_len, 0);
    assert_int_equal(s->in_progress, 0);
    frag4(&p, 12, 0, 1, data, 48); /* the same key starts a new datagram */
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    frag4(&p, 12, 48, 0, data + 48, SEGMENT - 48);
    assert_int_equal(feed(df, &p, out, &out_len), TCPSIFT_OK);
    assert_int_equal(out_len, 20 + SEGMENT);
    assert_int_equal(out[8], 64); /* the first header's TTL */
    assert_int_equal((size_t)out[2] << 8 | out[3], 20 + SEGMENT);
    assert_memory_equal(out + 20, data, SEGMENT);
    assert_int_equal(s->overlaps, 1);
    assert_int_equal(s->duplicates, 1);
    assert_int_equal(s->conflicts, 0);
    assert_int_equal(s->reassembled, 1);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_EMPTY], 2);
    tcpsift_defrag_destroy(df);
}

/* A fragment whose decode reported an IP-layer error, or whose length came from the capture
 * rather than the IP header, or whose declared end lies outside the frame, has unknown bytes:
 * frag_truncated. A packet without its frame is invalid_argument. */
static void test_unknown_bytes_are_truncated(void **state)
{
    (void)state;
    fill_data();
    static const tcpsift_error ip_errors[] = {
        TCPSIFT_E_TRUNCATED_IP_HEADER,     TCPSIFT_E_BAD_IP_VERSION,
        TCPSIFT_E_BAD_IP_HEADER_LENGTH,    TCPSIFT_E_BAD_IP_TOTAL_LENGTH,
        TCPSIFT_E_BAD_IPV6_PAYLOAD_LENGTH, TCPSIFT_E_TRUNCATED_IPV6_EXT_HEADER,
        TCPSIFT_E_BAD_IPV6_EXT_HEADER,     TCPSIFT_E_IPV6_EXT_CHAIN_TOO_LONG,
    };
    tcpsift_defrag_config cfg;
    tcpsift_defrag_config_init(&cfg);
    tcpsift_defrag *df = NULL;
    assert_int_equal(tcpsift_defrag_create(&cfg, &df), TCPSIFT_OK);
    struct pb p;
    static uint8_t out[OUT_MAX];
    size_t out_len;
    frag4(&p, 21, 0, 1, data, 48);
    tcpsift_packet good;
    tcpsift_packet_decode(&good, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len);
    assert_true(good.layers & TCPSIFT_LAYER_FRAGMENT);
    tcpsift_packet pkt;
    for (size_t i = 0; i < sizeof ip_errors / sizeof ip_errors[0]; i++) {
        pkt = good;
        pkt.error = ip_errors[i];
        assert_int_equal(feed_pkt(df, &pkt, out, &out_len), TCPSIFT_E_FRAG_TRUNCATED);
    }
    /* A TCP-layer error leaves the IP datagram's bytes known: stored. */
    pkt = good;
    pkt.error = TCPSIFT_E_TRUNCATED_TCP_HEADER;
    assert_int_equal(feed_pkt(df, &pkt, out, &out_len), TCPSIFT_OK);
    pkt = good;
    pkt.ip_len_from_capture = 1;
    assert_int_equal(feed_pkt(df, &pkt, out, &out_len), TCPSIFT_E_FRAG_TRUNCATED);
    pkt = good;
    pkt.l4_length = SIZE_MAX - pkt.l4_offset + 1; /* end wraps to 0 */
    assert_int_equal(feed_pkt(df, &pkt, out, &out_len), TCPSIFT_E_FRAG_TRUNCATED);
    /* Cut by the snap length (caplen < wirelen): the IP header is intact, the bytes are not. */
    tcpsift_packet cut;
    tcpsift_packet_decode(&cut, TCPSIFT_LINK_ETHERNET, p.b, p.len - 1, p.len);
    assert_true(cut.layers & TCPSIFT_LAYER_FRAGMENT);
    assert_int_equal(feed_pkt(df, &cut, out, &out_len), TCPSIFT_E_FRAG_TRUNCATED);
    pkt = good;
    pkt.frame = NULL;
    assert_int_equal(feed_pkt(df, &pkt, out, &out_len), TCPSIFT_E_INVALID_ARGUMENT);
    const tcpsift_defrag_stats *s = tcpsift_defrag_get_stats(df);
    assert_int_equal(s->errors[TCPSIFT_E_FRAG_TRUNCATED], 11);
    assert_int_equal(s->errors[TCPSIFT_E_INVALID_ARGUMENT], 1);
    assert_int_equal(s->fragments, 13);
    assert_int_equal(s->in_progress, 1);
    tcpsift_defrag_destroy(df);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_each_bad_argument),
        cmocka_unit_test(test_create_allocation_failures),
        cmocka_unit_test(test_feed_allocation_failures),
        cmocka_unit_test(test_buffer_growth_and_ceiling),
        cmocka_unit_test(test_refused_fragment_keeps_datagram),
        cmocka_unit_test(test_every_small_memory_cap),
        cmocka_unit_test(test_same_id_other_hosts),
        cmocka_unit_test(test_ipv6_ah_before_fragment_header),
        cmocka_unit_test(test_ipv6_unfragmentable_part_too_long),
        cmocka_unit_test(test_empty_and_repeated_fragments),
        cmocka_unit_test(test_unknown_bytes_are_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

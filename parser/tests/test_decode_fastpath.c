/* The decoder's fast path for untagged Ethernet or raw IP / IPv4 (no options) / TCP (decode.c)
 * against its general path, at every boundary of the fast path's conditions. Every decode here goes
 * through decode_all -> decode_checked, which compares the public entry point field by field with
 * decode_packet_general (no fast path) for the frame and every prefix of it; the asserts below
 * pin the values both must report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

#define L4 34 /* Ethernet 14 + IPv4 20 */

/* NOP, NOP, timestamps (RFC 7323 Appendix A): what Linux sends on every segment. */
static const uint8_t ts_opts[12] = {1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

/* The raw-IP link types the fast path also takes (link header length 0). */
static const int raw_links[] = {TCPSIFT_LINK_RAW, TCPSIFT_LINK_IPV4, TCPSIFT_LINK_RAW_DLT12,
                                TCPSIFT_LINK_RAW_DLT14};

/* The frame's IPv4 datagram behind each other link header the fast path takes: none (the raw
 * link types), Linux cooked v1 (16 bytes, protocol at 14) and v2 (20 bytes, protocol at 0). */
struct relinked {
    int linktype;
    uint8_t b[PB_MAX + 8];
    size_t link_len, len;
};

static size_t relink_count(void)
{
    return sizeof raw_links / sizeof raw_links[0] + 2;
}

static void relink(struct relinked *r, size_t i, const uint8_t *datagram, size_t n)
{
    static const uint8_t sll[16] = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00};
    static const uint8_t sll2[20] = {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1,
                                     0,    6,    2, 0, 0, 0, 0, 2, 0, 0};
    size_t nraw = sizeof raw_links / sizeof raw_links[0];
    const uint8_t *hdr = i == nraw ? sll : sll2;
    r->linktype = i < nraw    ? raw_links[i]
                  : i == nraw ? TCPSIFT_LINK_LINUX_SLL
                              : TCPSIFT_LINK_LINUX_SLL2;
    r->link_len = i < nraw ? 0 : i == nraw ? sizeof sll : sizeof sll2;
    memcpy(r->b, hdr, r->link_len);
    assert_true(r->link_len + n <= sizeof r->b);
    memcpy(r->b + r->link_len, datagram, n);
    r->len = r->link_len + n;
}

/* decode_pb(ETHERNET) into d, and the same datagram behind every other link header the fast
 * path takes: decode_all checks each (and every prefix) against the general path, so the fast
 * path's other forms are held to the same boundaries as its Ethernet form. */
static void decode_eth_and_raw(struct decoded *d, const struct pb *p)
{
    decode_pb(d, TCPSIFT_LINK_ETHERNET, p);
    if (p->len < 14 || p->b[12] != 0x08 || p->b[13] != 0x00) return;
    for (size_t i = 0; i < relink_count(); i++) {
        static struct relinked x;
        relink(&x, i, p->b + 14, p->len - 14);
        struct decoded r;
        decode_all(&r, x.linktype, x.b, x.len, x.len);
        assert_int_equal(r.rc, d->rc);
        if (r.rc == TCPSIFT_OK) {
            assert_int_equal(r.pkt.layers, d->pkt.layers);
            assert_int_equal(r.pkt.l3_offset, x.link_len);
            assert_int_equal(r.pkt.payload_len, d->pkt.payload_len);
        }
        decoded_release(&r);
    }
}

/* Ethernet + IPv4 (ip, total length `total_len`, < 0 = right) + TCP (t). */
static void build(struct pb *p, struct ip4_spec ip, long total_len, const struct tcp_spec *t)
{
    uint8_t seg[1600];
    size_t n = tcp_segment(seg, sizeof seg, t);
    ip.total_len = total_len;
    pb_eth_ipv4(p, &ip, seg, n);
}

static struct tcp_spec ts_segment(const uint8_t *payload, size_t n)
{
    struct tcp_spec t = tcp_default();
    t.opts = ts_opts;
    t.opts_len = sizeof ts_opts;
    t.payload = payload;
    t.payload_len = n;
    return t;
}

static void test_timestamps_segment(void **state)
{
    (void)state;
    static const uint8_t hello[5] = {'h', 'e', 'l', 'l', 'o'};
    struct tcp_spec t = ts_segment(hello, sizeof hello);
    struct pb p;
    build(&p, ip4_default(6), -1, &t);
    struct decoded d;
    decode_eth_and_raw(&d, &p);
    const tcpsift_packet *k = &d.pkt;
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(k->layers, TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_PORTS |
                                    TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED |
                                    TCPSIFT_LAYER_TCP_OPTIONS);
    assert_int_equal(k->opts.present, TCPSIFT_OPT_TIMESTAMP);
    assert_int_equal(k->opts.tsval, 0x11223344);
    assert_int_equal(k->opts.tsecr, 0x55667788);
    assert_int_equal(k->opts.error, TCPSIFT_OK);
    assert_int_equal(k->tcp_header_len, 32);
    assert_ptr_equal(k->tcp_options_raw.ptr, d.frame + L4 + 20);
    assert_int_equal(k->tcp_options_raw.len, 12);
    assert_int_equal(k->payload_len, 5);
    assert_ptr_equal(k->payload.ptr, d.frame + L4 + 32);
    assert_int_equal(k->payload.len, 5);
    assert_int_equal(k->dont_fragment, 1);
    assert_int_equal(k->ip_id, 0x1234);
    assert_int_equal(k->ttl, 64);
    assert_int_equal(k->l4_length, 37);
    assert_int_equal(k->l4_csum, TCPSIFT_CSUM_GOOD);
    decoded_release(&d);
}

static void test_timestamps_then_sack(void **state)
{
    (void)state;
    /* NOP NOP TS, then NOP NOP SACK with one block: the prefix is recognised, the loop goes on. */
    static const uint8_t opts[24] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
                                     1, 1, 5, 10, 0, 0, 1, 0, 0, 0, 2, 0};
    struct tcp_spec t = tcp_default();
    t.opts = opts;
    t.opts_len = sizeof opts;
    struct pb p;
    build(&p, ip4_default(6), -1, &t);
    struct decoded d;
    decode_eth_and_raw(&d, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.opts.present, TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_SACK);
    assert_int_equal(d.pkt.opts.tsval, 7);
    assert_int_equal(d.pkt.opts.tsecr, 9);
    assert_int_equal(d.pkt.opts.sack_count, 1);
    assert_int_equal(d.pkt.opts.sack[0][0], 0x100);
    assert_int_equal(d.pkt.opts.sack[0][1], 0x200);
    decoded_release(&d);
}

static void test_timestamps_lookalikes(void **state)
{
    (void)state;
    /* 12 option bytes that start like the prediction but are not it. */
    static const uint8_t bad_len[12] = {1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 0};  /* TS length 9 */
    static const uint8_t eol_pad[12] = {1, 1, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0}; /* EOL, padding */
    static const uint8_t mss_bad[12] = {2, 3, 1, 1, 8, 10, 0, 0, 0, 0, 0, 0}; /* MSS length 3 */
    struct {
        const uint8_t *opts;
        tcpsift_error want;
        uint32_t present;
    } cases[] = {{bad_len, TCPSIFT_E_BAD_OPTION_LENGTH, 0},
                 {eol_pad, TCPSIFT_OK, TCPSIFT_OPT_EOL},
                 {mss_bad, TCPSIFT_E_BAD_OPTION_LENGTH, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tcp_spec t = tcp_default();
        t.opts = cases[i].opts;
        t.opts_len = 12;
        struct pb p;
        build(&p, ip4_default(6), -1, &t);
        struct decoded d;
        decode_eth_and_raw(&d, &p);
        assert_int_equal(d.rc, cases[i].want);
        assert_int_equal(d.pkt.opts.present, cases[i].present);
        assert_true(d.pkt.layers & TCPSIFT_LAYER_TCP);
        assert_int_equal((d.pkt.layers & TCPSIFT_LAYER_TCP_OPTIONS) != 0,
                         cases[i].want == TCPSIFT_OK);
        decoded_release(&d);
    }
}

static void test_ip_total_length_boundaries(void **state)
{
    (void)state;
    struct tcp_spec t = ts_segment((const uint8_t *)"abcd", 4);
    const long right = 20 + 32 + 4;
    struct {
        long total_len;
        tcpsift_error want;
        size_t payload_len, captured;
    } cases[] = {
        {right, TCPSIFT_OK, 4, 4},
        {right + 1, TCPSIFT_E_BAD_IP_TOTAL_LENGTH, 4, 4}, /* one byte more than the wire */
        {right - 1, TCPSIFT_OK, 3, 3},                    /* the last byte is link padding */
        {20 + 32, TCPSIFT_OK, 0, 0},                      /* header only, 4 bytes of padding */
        {20 + 31, TCPSIFT_E_BAD_TCP_DATA_OFFSET, 0, 0},   /* header longer than the datagram */
        {19, TCPSIFT_E_BAD_IP_TOTAL_LENGTH, 0, 0},
        {0, TCPSIFT_OK, 4, 4}, /* TSO: the length comes from the wire */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pb p;
        build(&p, ip4_default(6), cases[i].total_len, &t);
        struct decoded d;
        decode_eth_and_raw(&d, &p);
        assert_int_equal(d.rc, cases[i].want);
        if (d.pkt.layers & TCPSIFT_LAYER_TCP) {
            assert_int_equal(d.pkt.payload_len, cases[i].payload_len);
            assert_int_equal(d.pkt.payload.len, cases[i].captured);
        }
        assert_int_equal(d.pkt.ip_len_from_capture, cases[i].total_len == 0);
        decoded_release(&d);
    }
}

static void test_ip_header_variants(void **state)
{
    (void)state;
    static const uint8_t ip_opts[4] = {1, 1, 1, 0}; /* NOP NOP NOP EOL: IHL 6 */
    struct tcp_spec t = ts_segment((const uint8_t *)"xy", 2);
    struct {
        uint16_t frag;
        int with_opts;
        uint8_t proto;
        uint32_t layers_set, layers_clear;
    } cases[] = {
        {0x0000, 0, 6, TCPSIFT_LAYER_TCP, TCPSIFT_LAYER_FRAGMENT},     /* DF clear */
        {0x4000, 1, 6, TCPSIFT_LAYER_TCP, TCPSIFT_LAYER_FRAGMENT},     /* IP options */
        {0x2000, 0, 6, TCPSIFT_LAYER_FRAGMENT | TCPSIFT_LAYER_TCP, 0}, /* MF, offset 0 */
        {0x0001, 0, 6, TCPSIFT_LAYER_FRAGMENT, TCPSIFT_LAYER_TCP},     /* offset 8 */
        {0x4000, 0, 17, TCPSIFT_LAYER_IPV4, TCPSIFT_LAYER_TCP},        /* not TCP */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ip4_spec ip = ip4_default(cases[i].proto);
        ip.frag = cases[i].frag;
        ip.l4_csum = 0;
        if (cases[i].with_opts) {
            ip.opts = ip_opts;
            ip.opts_len = sizeof ip_opts;
        }
        struct pb p;
        build(&p, ip, -1, &t);
        struct decoded d;
        decode_eth_and_raw(&d, &p);
        assert_int_equal(d.pkt.layers & cases[i].layers_set, cases[i].layers_set);
        assert_int_equal(d.pkt.layers & cases[i].layers_clear, 0);
        assert_int_equal(d.pkt.dont_fragment, (cases[i].frag & 0x4000) != 0);
        assert_int_equal(d.pkt.more_fragments, (cases[i].frag & 0x2000) != 0);
        assert_int_equal(d.pkt.frag_offset, cases[i].frag & 0x1FFF);
        assert_int_equal(d.pkt.ip_header.len, cases[i].with_opts ? 24 : 20);
        decoded_release(&d);
    }
}

static void test_every_header_field(void **state)
{
    (void)state;
    /* Every IPv4 and TCP header field the fast path stores, each with a value no other field
     * has and none of them 0 (the cleared struct), so that a field the fast path forgets or
     * reads from the wrong bytes differs from the general path (decode_checked) and from the
     * values pinned here. The reserved fragment bit (RFC 791 §3.1) is set with DF: it keeps
     * the fast path and stays out of dont_fragment. */
    struct tcp_spec t = ts_segment((const uint8_t *)"abc", 3);
    t.sport = 0xC001;
    t.dport = 0x01BB;
    t.seq = 0xDEADBEEF;
    t.ack = 0xFEEDFACE;
    t.flags = 0x01FF; /* NS (RFC 3540) through FIN: the whole 12-bit field but reserved bits */
    t.window = 0x5A5A;
    t.urgent = 0xA55A;
    struct ip4_spec ip = ip4_default(6);
    ip.tos = 0xB9;
    ip.id = 0xBEEF;
    ip.frag = 0xC000;
    ip.ttl = 0x7E;
    struct pb p;
    build(&p, ip, -1, &t);
    struct decoded d;
    decode_eth_and_raw(&d, &p);
    const tcpsift_packet *k = &d.pkt;
    const uint8_t *ih = d.frame + 14;
    const uint8_t *th = d.frame + L4;
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(k->ip_version, 4);
    assert_int_equal(k->addr_len, 4);
    assert_ptr_equal(k->src, ih + 12);
    assert_memory_equal(k->src, TEST_V4_SRC, 4);
    assert_ptr_equal(k->dst, ih + 16);
    assert_memory_equal(k->dst, TEST_V4_DST, 4);
    assert_ptr_equal(k->final_dst, ih + 16);
    assert_ptr_equal(k->ip_header.ptr, ih);
    assert_int_equal(k->ip_header.len, 20);
    assert_int_equal(k->ip_tos, 0xB9);
    assert_int_equal(k->ip_id, 0xBEEF);
    assert_int_equal(k->dont_fragment, 1);
    assert_int_equal(k->more_fragments, 0);
    assert_int_equal(k->frag_offset, 0);
    assert_int_equal(k->ttl, 0x7E);
    assert_int_equal(k->ip_proto, 6);
    assert_int_equal(k->ip_checksum, (uint16_t)(ih[10] << 8 | ih[11]));
    assert_int_equal(k->ip_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(k->l3_offset, 14);
    assert_int_equal(k->l4_offset, L4);
    assert_int_equal(k->l4_length, 20 + 12 + 3);
    assert_int_equal(k->sport, 0xC001);
    assert_int_equal(k->dport, 0x01BB);
    assert_int_equal(k->seq, 0xDEADBEEF);
    assert_int_equal(k->ack, 0xFEEDFACE);
    assert_int_equal(k->tcp_flags, 0x01FF);
    assert_int_equal(k->window, 0x5A5A);
    assert_int_equal(k->urgent_ptr, 0xA55A);
    assert_int_equal(k->tcp_checksum, (uint16_t)(th[16] << 8 | th[17]));
    assert_int_equal(k->l4_csum, TCPSIFT_CSUM_GOOD);
    assert_int_equal(k->tcp_header_len, 32);
    assert_ptr_equal(k->tcp_options_raw.ptr, th + 20);
    assert_int_equal(k->tcp_options_raw.len, 12);
    assert_int_equal(k->payload_len, 3);
    assert_ptr_equal(k->payload.ptr, th + 32);
    assert_int_equal(k->payload.len, 3);
    decoded_release(&d);
}

static void test_data_offsets(void **state)
{
    (void)state;
    /* Data offset 4 (below the minimum), 5 (no options), 15 (40 option bytes, all NOPs). */
    static const uint8_t nops[40] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    struct {
        uint8_t doff;
        const uint8_t *opts;
        size_t opts_len;
        tcpsift_error want;
    } cases[] = {{4, NULL, 0, TCPSIFT_E_BAD_TCP_DATA_OFFSET},
                 {5, NULL, 0, TCPSIFT_OK},
                 {15, nops, sizeof nops, TCPSIFT_OK}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tcp_spec t = tcp_default();
        t.doff = cases[i].doff;
        t.opts = cases[i].opts;
        t.opts_len = cases[i].opts_len;
        t.payload = (const uint8_t *)"0123456789";
        t.payload_len = 10;
        struct pb p;
        build(&p, ip4_default(6), -1, &t);
        struct decoded d;
        decode_eth_and_raw(&d, &p);
        assert_int_equal(d.rc, cases[i].want);
        if (cases[i].want == TCPSIFT_OK) {
            assert_int_equal(d.pkt.tcp_header_len, cases[i].doff * 4);
            assert_int_equal(d.pkt.opts.present, 0);
            assert_int_equal(d.pkt.payload.len, 10);
        }
        decoded_release(&d);
    }
}

static void test_snap_lengths(void **state)
{
    (void)state;
    /* Cut inside the options (truncated options, general path) and inside the payload (fast
     * path: the payload view is shorter than payload_len); the wire had the whole frame. */
    uint8_t body[100];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    struct tcp_spec t = ts_segment(body, sizeof body);
    struct pb p;
    build(&p, ip4_default(6), -1, &t);
    for (size_t caplen = 50; caplen <= p.len; caplen += 3) {
        struct guard_buf g;
        const uint8_t *f = guard_place(&g, p.b, caplen);
        assert_non_null(f);
        tcpsift_packet k;
        tcpsift_error rc = decode_checked(&k, TCPSIFT_LINK_ETHERNET, f, caplen, p.len);
        if (caplen < L4 + 20) {
            assert_int_equal(rc, TCPSIFT_E_TRUNCATED_TCP_HEADER);
        } else if (caplen < L4 + 32) {
            assert_int_equal(rc, TCPSIFT_E_TRUNCATED_TCP_OPTIONS);
        } else {
            assert_int_equal(rc, TCPSIFT_OK);
            assert_int_equal(k.payload_len, sizeof body);
            assert_int_equal(k.payload.len, caplen - (L4 + 32));
        }
        guard_release(&g);
        /* The same datagram behind each other link header, cut at the same place in it. */
        for (size_t i = 0; i < relink_count(); i++) {
            static struct relinked x;
            relink(&x, i, p.b + 14, p.len - 14);
            size_t cut = x.link_len + caplen - 14;
            f = guard_place(&g, x.b, cut);
            assert_non_null(f);
            tcpsift_packet other;
            assert_int_equal(decode_checked(&other, x.linktype, f, cut, x.len), rc);
            if (rc == TCPSIFT_OK) assert_int_equal(other.payload.len, k.payload.len);
            guard_release(&g);
        }
    }
}

static void test_other_frames_take_the_general_path(void **state)
{
    (void)state;
    /* Tagged, another link type, IPv6, wirelen below caplen: each decodes as before. */
    struct tcp_spec t = ts_segment((const uint8_t *)"q", 1);
    uint8_t seg[200];
    size_t n = tcp_segment(seg, sizeof seg, &t);
    struct ip4_spec ip = ip4_default(6);
    struct pb p;
    pb_init(&p);
    pb_ethernet(&p, 0x8100);
    pb_vlan(&p, 0x0064, 0x0800);
    pb_ipv4(&p, &ip, seg, n);
    struct decoded d;
    decode_eth_and_raw(&d, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.vlan_count, 1);
    assert_int_equal(d.pkt.vlan_ids[0], 100);
    assert_int_equal(d.pkt.opts.tsval, 0x11223344);
    decoded_release(&d);

    /* The same bytes after the tag, as raw IPv4. */
    decode_all(&d, TCPSIFT_LINK_RAW, p.b + 18, p.len - 18, p.len - 18);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.opts.tsecr, 0x55667788);
    decoded_release(&d);

    build_eth_ipv6_tcp(&p, &t);
    decode_eth_and_raw(&d, &p);
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.ip_version, 6);
    assert_int_equal(d.pkt.opts.present, TCPSIFT_OPT_TIMESTAMP);
    decoded_release(&d);

    build(&p, ip4_default(6), -1, &t);
    decode_all(&d, TCPSIFT_LINK_ETHERNET, p.b, p.len, 10); /* wirelen 10 < caplen */
    assert_int_equal(d.rc, TCPSIFT_OK);
    assert_int_equal(d.pkt.wirelen, p.len);
    decoded_release(&d);
}

static void test_stale_struct_is_overwritten(void **state)
{
    (void)state;
    /* A struct that held a tagged SYN with many options, then a plain timestamps segment: the
     * second decode leaves nothing of the first behind (counts, views, bits). */
    static const uint8_t syn_opts[20] = {2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0,
                                         0, 1, 0, 0,    0, 0, 1, 3,  3, 7};
    struct tcp_spec syn = tcp_default();
    syn.flags = TCPSIFT_TCP_SYN;
    syn.opts = syn_opts;
    syn.opts_len = sizeof syn_opts;
    uint8_t seg[200];
    size_t n = tcp_segment(seg, sizeof seg, &syn);
    struct ip4_spec ip = ip4_default(6);
    struct pb tagged;
    pb_init(&tagged);
    pb_ethernet(&tagged, 0x8100);
    pb_vlan(&tagged, 0x0005, 0x0800);
    pb_ipv4(&tagged, &ip, seg, n);
    struct tcp_spec t = ts_segment((const uint8_t *)"z", 1);
    struct pb plain;
    build(&plain, ip4_default(6), -1, &t);

    tcpsift_packet k;
    assert_int_equal(
        tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, tagged.b, tagged.len, tagged.len),
        TCPSIFT_OK);
    assert_int_equal(k.vlan_count, 1);
    assert_int_equal(k.opts.present, TCPSIFT_OPT_MSS | TCPSIFT_OPT_SACK_PERM |
                                         TCPSIFT_OPT_TIMESTAMP | TCPSIFT_OPT_WSCALE);
    assert_int_equal(
        tcpsift_packet_decode(&k, TCPSIFT_LINK_ETHERNET, plain.b, plain.len, plain.len),
        TCPSIFT_OK);
    assert_int_equal(k.vlan_count, 0);
    assert_int_equal(k.encap_count, 0);
    assert_int_equal(k.opts.present, TCPSIFT_OPT_TIMESTAMP);
    assert_int_equal(k.opts.mss, 0);
    assert_int_equal(k.opts.wscale, 0);
    assert_int_equal(k.tcp_flags, tcp_default().flags);
    assert_int_equal(k.payload.len, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps_segment),
        cmocka_unit_test(test_timestamps_then_sack),
        cmocka_unit_test(test_timestamps_lookalikes),
        cmocka_unit_test(test_ip_total_length_boundaries),
        cmocka_unit_test(test_ip_header_variants),
        cmocka_unit_test(test_every_header_field),
        cmocka_unit_test(test_data_offsets),
        cmocka_unit_test(test_snap_lengths),
        cmocka_unit_test(test_other_frames_take_the_general_path),
        cmocka_unit_test(test_stale_struct_is_overwritten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

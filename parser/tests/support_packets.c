/* Test support: byte-exact frame builders and the guarded every-prefix decoder (see
 * support_packets.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"

#include "decode_internal.h" /* decode_packet_general */

const uint8_t TEST_V4_SRC[4] = {192, 0, 2, 1};
const uint8_t TEST_V4_DST[4] = {198, 51, 100, 2};
const uint8_t TEST_V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
const uint8_t TEST_V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};

void pb_init(struct pb *p)
{
    memset(p->b, 0, sizeof p->b);
    p->len = 0;
}

size_t pb_bytes(struct pb *p, const void *data, size_t n)
{
    assert_true(n <= PB_MAX - p->len);
    size_t at = p->len;
    if (n) memcpy(p->b + at, data, n);
    p->len += n;
    return at;
}

size_t pb_zero(struct pb *p, size_t n)
{
    assert_true(n <= PB_MAX - p->len);
    size_t at = p->len;
    memset(p->b + at, 0, n);
    p->len += n;
    return at;
}

size_t pb_u8(struct pb *p, uint8_t v)
{
    return pb_bytes(p, &v, 1);
}

size_t pb_be16(struct pb *p, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return pb_bytes(p, b, 2);
}

size_t pb_be32(struct pb *p, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return pb_bytes(p, b, 4);
}

size_t pb_le32(struct pb *p, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return pb_bytes(p, b, 4);
}

static void put_be16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> 8);
    at[1] = (uint8_t)v;
}

static void put_be32(uint8_t *at, uint32_t v)
{
    at[0] = (uint8_t)(v >> 24);
    at[1] = (uint8_t)(v >> 16);
    at[2] = (uint8_t)(v >> 8);
    at[3] = (uint8_t)v;
}

/* ---- link layers ---- */

size_t pb_ethernet(struct pb *p, uint16_t ethertype)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    size_t at = pb_bytes(p, macs, sizeof macs);
    pb_be16(p, ethertype);
    return at;
}

size_t pb_vlan(struct pb *p, uint16_t tci, uint16_t inner_ethertype)
{
    size_t at = pb_be16(p, tci);
    pb_be16(p, inner_ethertype);
    return at;
}

size_t pb_sll(struct pb *p, uint16_t protocol)
{
    size_t at = pb_be16(p, 0); /* packet type: to us */
    pb_be16(p, 1);             /* ARPHRD_ETHER */
    pb_be16(p, 6);             /* address length */
    static const uint8_t addr[8] = {2, 0, 0, 0, 0, 1, 0, 0};
    pb_bytes(p, addr, sizeof addr);
    pb_be16(p, protocol);
    return at;
}

size_t pb_sll2(struct pb *p, uint16_t protocol)
{
    size_t at = pb_be16(p, protocol);
    pb_be16(p, 0); /* reserved */
    pb_be32(p, 3); /* ifindex */
    pb_be16(p, 1); /* ARPHRD_ETHER */
    pb_u8(p, 4);   /* packet type: outgoing */
    pb_u8(p, 6);   /* address length */
    static const uint8_t addr[8] = {2, 0, 0, 0, 0, 1, 0, 0};
    pb_bytes(p, addr, sizeof addr);
    return at;
}

size_t pb_null(struct pb *p, uint32_t family, int big_endian)
{
    return big_endian ? pb_be32(p, family) : pb_le32(p, family);
}

size_t pb_loop(struct pb *p, uint32_t family)
{
    return pb_be32(p, family);
}

/* ---- reference checksums ---- */

static uint32_t ref_sum(uint32_t acc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (i % 2 == 0)
            acc += (uint32_t)data[i] << 8;
        else
            acc += data[i];
        while (acc > 0xFFFF)
            acc = (acc & 0xFFFF) + (acc >> 16);
    }
    return acc;
}

uint16_t ref_csum(const uint8_t *data, size_t len)
{
    return (uint16_t)~ref_sum(0, data, len);
}

static size_t ref_pseudo(uint8_t *out, const uint8_t *src, const uint8_t *dst, size_t addr_len,
                         uint8_t proto, size_t l4_len)
{
    size_t n = 0;
    memcpy(out + n, src, addr_len);
    n += addr_len;
    memcpy(out + n, dst, addr_len);
    n += addr_len;
    if (addr_len == 4) {
        out[n++] = 0;
        out[n++] = proto;
        out[n++] = (uint8_t)(l4_len >> 8);
        out[n++] = (uint8_t)l4_len;
    } else {
        out[n++] = (uint8_t)(l4_len >> 24);
        out[n++] = (uint8_t)(l4_len >> 16);
        out[n++] = (uint8_t)(l4_len >> 8);
        out[n++] = (uint8_t)l4_len;
        out[n++] = 0;
        out[n++] = 0;
        out[n++] = 0;
        out[n++] = proto;
    }
    return n;
}

uint16_t ref_l4_csum(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto,
                     const uint8_t *l4, size_t l4_len)
{
    uint8_t pseudo[40];
    size_t n = ref_pseudo(pseudo, src, dst, addr_len, proto, l4_len);
    /* The pseudo-header has an even length, so the segment's bytes keep their word parity. */
    uint32_t acc = ref_sum(0, pseudo, n);
    acc = ref_sum(acc, l4, l4_len);
    return (uint16_t)~acc;
}

uint16_t ref_pseudo_partial(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto,
                            size_t l4_len)
{
    uint8_t pseudo[40];
    size_t n = ref_pseudo(pseudo, src, dst, addr_len, proto, l4_len);
    return (uint16_t)ref_sum(0, pseudo, n);
}

/* ---- transport ---- */

struct tcp_spec tcp_default(void)
{
    struct tcp_spec s;
    memset(&s, 0, sizeof s);
    s.sport = 40000;
    s.dport = 80;
    s.seq = 0x01020304;
    s.ack = 0x0A0B0C0D;
    s.flags = TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH;
    s.window = 0xFAF0;
    return s;
}

size_t tcp_segment(uint8_t *out, size_t cap, const struct tcp_spec *s)
{
    size_t opt_padded = (s->opts_len + 3) / 4 * 4;
    size_t len = 20 + opt_padded + s->payload_len;
    assert_true(len <= cap);
    memset(out, 0, len);
    put_be16(out, s->sport);
    put_be16(out + 2, s->dport);
    put_be32(out + 4, s->seq);
    put_be32(out + 8, s->ack);
    uint8_t doff = s->doff ? s->doff : (uint8_t)(5 + opt_padded / 4);
    put_be16(out + 12, (uint16_t)((uint16_t)doff << 12 | (s->flags & 0x0FFF)));
    put_be16(out + 14, s->window);
    put_be16(out + 18, s->urgent);
    if (s->opts_len) memcpy(out + 20, s->opts, s->opts_len);
    if (s->payload_len) memcpy(out + 20 + opt_padded, s->payload, s->payload_len);
    return len;
}

size_t udp_datagram(uint8_t *out, size_t cap, uint16_t sport, uint16_t dport,
                    const uint8_t *payload, size_t n, long length)
{
    assert_true(8 + n <= cap);
    put_be16(out, sport);
    put_be16(out + 2, dport);
    put_be16(out + 4, (uint16_t)(length < 0 ? (long)(8 + n) : length));
    put_be16(out + 6, 0);
    if (n) memcpy(out + 8, payload, n);
    return 8 + n;
}

/* Write the TCP or UDP checksum of the l4 bytes at `l4` (field currently 0). */
static void fill_l4_csum(uint8_t *l4, size_t l4_len, const uint8_t *src, const uint8_t *dst,
                         size_t addr_len, uint8_t proto)
{
    size_t field;
    if (proto == 6)
        field = 16;
    else if (proto == 17)
        field = 6;
    else
        return;
    if (l4_len < field + 2) return;
    put_be16(l4 + field, 0);
    uint16_t c = ref_l4_csum(src, dst, addr_len, proto, l4, l4_len);
    if (proto == 17 && c == 0) c = 0xFFFF; /* RFC 768: 0 means "no checksum" */
    put_be16(l4 + field, c);
}

/* ---- IPv4 ---- */

struct ip4_spec ip4_default(uint8_t proto)
{
    struct ip4_spec s;
    memset(&s, 0, sizeof s);
    s.version = 4;
    s.id = 0x1234;
    s.frag = 0x4000;
    s.ttl = 64;
    s.proto = proto;
    memcpy(s.src, TEST_V4_SRC, 4);
    memcpy(s.dst, TEST_V4_DST, 4);
    s.total_len = -1;
    s.l4_csum = 1;
    return s;
}

size_t pb_ipv4(struct pb *p, const struct ip4_spec *s, const uint8_t *l4, size_t l4_len)
{
    size_t opt_padded = (s->opts_len + 3) / 4 * 4;
    size_t hlen = 20 + opt_padded;
    size_t at = pb_zero(p, hlen);
    uint8_t *h = p->b + at;
    uint8_t ihl = s->ihl ? s->ihl : (uint8_t)(hlen / 4);
    h[0] = (uint8_t)(s->version << 4 | (ihl & 0x0F));
    h[1] = s->tos;
    put_be16(h + 2, (uint16_t)(s->total_len < 0 ? (long)(hlen + l4_len) : s->total_len));
    put_be16(h + 4, s->id);
    put_be16(h + 6, s->frag);
    h[8] = s->ttl;
    h[9] = s->proto;
    memcpy(h + 12, s->src, 4);
    memcpy(h + 16, s->dst, 4);
    if (s->opts_len) memcpy(h + 20, s->opts, s->opts_len);
    put_be16(h + 10, ref_csum(h, hlen));
    size_t l4_at = pb_bytes(p, l4, l4_len);
    if (s->l4_csum) fill_l4_csum(p->b + l4_at, l4_len, s->src, s->dst, 4, s->proto);
    return at;
}

/* ---- IPv6 ---- */

struct ip6_spec ip6_default(uint8_t proto)
{
    struct ip6_spec s;
    memset(&s, 0, sizeof s);
    s.hlim = 64;
    s.next = proto;
    s.l4_proto = proto;
    memcpy(s.src, TEST_V6_SRC, 16);
    memcpy(s.dst, TEST_V6_DST, 16);
    s.payload_len = -1;
    s.l4_csum = 1;
    return s;
}

size_t pb_ipv6(struct pb *p, const struct ip6_spec *s, const uint8_t *l4, size_t l4_len)
{
    size_t at = pb_zero(p, 40);
    uint8_t *h = p->b + at;
    put_be32(h, (uint32_t)6 << 28 | (uint32_t)s->tclass << 20 | (s->flow & 0xFFFFF));
    put_be16(h + 4, (uint16_t)(s->payload_len < 0 ? (long)(s->ext_len + l4_len) : s->payload_len));
    h[6] = s->next;
    h[7] = s->hlim;
    memcpy(h + 8, s->src, 16);
    memcpy(h + 24, s->dst, 16);
    pb_bytes(p, s->ext, s->ext_len);
    size_t l4_at = pb_bytes(p, l4, l4_len);
    if (s->l4_csum)
        fill_l4_csum(p->b + l4_at, l4_len, s->src, s->csum_dst ? s->csum_dst : s->dst, 16,
                     s->l4_proto);
    return at;
}

size_t ext_opts(uint8_t *out, uint8_t next, uint8_t hdr_ext_len)
{
    size_t len = ((size_t)hdr_ext_len + 1) * 8;
    memset(out, 0, len);
    out[0] = next;
    out[1] = hdr_ext_len;
    out[2] = 1; /* PadN covering the rest (RFC 8200 §4.2) */
    out[3] = (uint8_t)(len - 4);
    return len;
}

size_t ext_frag(uint8_t *out, uint8_t next, uint16_t offset8, int more, uint32_t id)
{
    memset(out, 0, 8);
    out[0] = next;
    put_be16(out + 2, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
    put_be32(out + 4, id);
    return 8;
}

size_t ext_rh0(uint8_t *out, uint8_t next, uint8_t segments_left, const uint8_t (*addrs)[16],
               size_t n)
{
    size_t len = 8 + 16 * n;
    memset(out, 0, len);
    out[0] = next;
    out[1] = (uint8_t)(2 * n);
    out[2] = 0; /* type 0 */
    out[3] = segments_left;
    for (size_t i = 0; i < n; i++)
        memcpy(out + 8 + 16 * i, addrs[i], 16);
    return len;
}

size_t ext_ah(uint8_t *out, uint8_t next, uint8_t len_field)
{
    size_t len = ((size_t)len_field + 2) * 4;
    memset(out, 0, len);
    out[0] = next;
    out[1] = len_field;
    put_be32(out + 4, 0x00001000); /* SPI */
    put_be32(out + 8, 7);          /* sequence number */
    for (size_t i = 12; i < len; i++)
        out[i] = (uint8_t)(0xA0 + i); /* ICV */
    return len;
}

size_t pb_default_ipv4_tcp(struct pb *p)
{
    uint8_t seg[64];
    struct tcp_spec t = tcp_default();
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    size_t n = tcp_segment(seg, sizeof seg, &t);
    struct ip4_spec ip = ip4_default(6);
    return pb_ipv4(p, &ip, seg, n);
}

size_t pb_default_ipv6_tcp(struct pb *p)
{
    uint8_t seg[64];
    struct tcp_spec t = tcp_default();
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    size_t n = tcp_segment(seg, sizeof seg, &t);
    struct ip6_spec ip = ip6_default(6);
    return pb_ipv6(p, &ip, seg, n);
}

size_t pb_eth_ipv4(struct pb *p, const struct ip4_spec *s, const uint8_t *l4, size_t l4_len)
{
    pb_init(p);
    pb_ethernet(p, 0x0800);
    return pb_ipv4(p, s, l4, l4_len);
}

void feed_eth_ipv4(tcpsift_tracker *t, const struct ip4_spec *s, const uint8_t *l4, size_t l4_len,
                   int64_t ts_ns)
{
    struct pb p;
    pb_eth_ipv4(&p, s, l4, l4_len);
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p.b, p.len, p.len),
                     TCPSIFT_OK);
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, ts_ns), TCPSIFT_OK);
}

void build_eth_ipv4_tcp(struct pb *p, const struct tcp_spec *t)
{
    uint8_t seg[1600];
    size_t n = tcp_segment(seg, sizeof seg, t);
    struct ip4_spec ip = ip4_default(6);
    pb_eth_ipv4(p, &ip, seg, n);
}

void build_eth_ipv6_tcp(struct pb *p, const struct tcp_spec *t)
{
    uint8_t seg[1600];
    size_t n = tcp_segment(seg, sizeof seg, t);
    struct ip6_spec ip = ip6_default(6);
    pb_init(p);
    pb_ethernet(p, 0x86DD);
    pb_ipv6(p, &ip, seg, n);
}

/* ---- guarded decoding ---- */

static void check_view(const tcpsift_packet *pkt, const uint8_t *ptr, size_t len)
{
    if (len == 0 && ptr == NULL) return;
    assert_non_null(ptr);
    assert_true(ptr >= pkt->frame);
    size_t off = (size_t)(ptr - pkt->frame);
    assert_true(off <= pkt->caplen);
    assert_true(len <= pkt->caplen - off);
}

void check_packet_sane(const tcpsift_packet *pkt)
{
    assert_true((unsigned)pkt->error < (unsigned)TCPSIFT_ERROR_COUNT_);
    assert_true(pkt->wirelen >= pkt->caplen);
    uint32_t ip = pkt->layers & (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6);
    assert_true(ip != (TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6));
    if (pkt->layers & ~(uint32_t)TCPSIFT_LAYER_LINK) assert_true(pkt->layers & TCPSIFT_LAYER_LINK);
    if (pkt->layers & TCPSIFT_LAYER_VLAN) {
        assert_true(pkt->vlan_count >= 1 && pkt->vlan_count <= TCPSIFT_MAX_VLAN_TAGS);
    }
    if (!ip) {
        assert_int_equal(pkt->layers & ~(uint32_t)(TCPSIFT_LAYER_LINK | TCPSIFT_LAYER_VLAN), 0);
        return;
    }
    assert_true(pkt->l3_offset <= pkt->caplen);
    assert_ptr_equal(pkt->ip_header.ptr, pkt->frame + pkt->l3_offset);
    check_view(pkt, pkt->ip_header.ptr, pkt->ip_header.len);
    if (ip == TCPSIFT_LAYER_IPV4) {
        assert_int_equal(pkt->ip_version, 4);
        assert_int_equal(pkt->addr_len, 4);
        assert_true(pkt->ip_header.len >= 20 && pkt->ip_header.len <= 60);
    } else {
        assert_int_equal(pkt->ip_version, 6);
        assert_int_equal(pkt->addr_len, 16);
        assert_true(pkt->ip_header.len >= 40);
        assert_true(pkt->ipv6_ext_count <= TCPSIFT_MAX_IPV6_EXT_HEADERS);
    }
    check_view(pkt, pkt->src, pkt->addr_len);
    check_view(pkt, pkt->dst, pkt->addr_len);
    check_view(pkt, pkt->final_dst, pkt->addr_len);
    assert_non_null(pkt->final_dst);
    assert_int_equal(pkt->l4_offset, pkt->l3_offset + pkt->ip_header.len);
    assert_true(pkt->l4_offset <= pkt->caplen);
    int non_first = (pkt->layers & TCPSIFT_LAYER_FRAGMENT) && pkt->frag_offset != 0;
    uint32_t l4 = TCPSIFT_LAYER_PORTS | TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED |
                  TCPSIFT_LAYER_TCP_OPTIONS | TCPSIFT_LAYER_UDP;
    if (non_first) assert_int_equal(pkt->layers & l4, 0);
    assert_true((pkt->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP)) !=
                (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP));
    if (pkt->layers & (TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_UDP))
        assert_true(pkt->layers & TCPSIFT_LAYER_PORTS);
    if (pkt->layers & TCPSIFT_LAYER_TCP_OPTIONS) assert_true(pkt->layers & TCPSIFT_LAYER_TCP);
    if (pkt->layers & TCPSIFT_LAYER_TCP) assert_true(pkt->layers & TCPSIFT_LAYER_TCP_FIXED);
    if (pkt->layers & TCPSIFT_LAYER_TCP_FIXED) {
        assert_true(pkt->layers & TCPSIFT_LAYER_PORTS);
        assert_true(pkt->caplen - pkt->l4_offset >= 20);
    }
    if (pkt->layers & TCPSIFT_LAYER_PORTS) assert_true(pkt->caplen - pkt->l4_offset >= 4);
    if (pkt->layers & TCPSIFT_LAYER_TCP) {
        assert_int_equal(pkt->ip_proto, 6);
        assert_true(pkt->caplen - pkt->l4_offset >= 20);
        assert_true(pkt->tcp_header_len >= 20 && pkt->tcp_header_len <= 60);
        assert_int_equal(pkt->tcp_header_len % 4, 0);
        assert_true(pkt->tcp_header_len <= pkt->l4_length);
        assert_int_equal(pkt->payload_len, pkt->l4_length - pkt->tcp_header_len);
        assert_ptr_equal(pkt->tcp_options_raw.ptr, pkt->frame + pkt->l4_offset + 20);
        assert_true(pkt->tcp_options_raw.len <= (size_t)pkt->tcp_header_len - 20);
        check_view(pkt, pkt->tcp_options_raw.ptr, pkt->tcp_options_raw.len);
        if (pkt->payload.len)
            assert_ptr_equal(pkt->payload.ptr, pkt->frame + pkt->l4_offset + pkt->tcp_header_len);
        const tcpsift_tcp_options *o = &pkt->opts;
        assert_true(o->sack_count <= TCPSIFT_MAX_SACK_BLOCKS);
        assert_true(o->unknown_count <= TCPSIFT_MAX_UNKNOWN_OPTIONS);
        if (o->present & TCPSIFT_OPT_TFO) check_view(pkt, o->tfo_cookie.ptr, o->tfo_cookie.len);
        if (o->present & TCPSIFT_OPT_MD5) check_view(pkt, o->md5_digest.ptr, o->md5_digest.len);
        if (o->present & TCPSIFT_OPT_MPTCP) check_view(pkt, o->mptcp.ptr, o->mptcp.len);
        if (o->error != TCPSIFT_OK) assert_true(o->error_offset < pkt->tcp_header_len - 20);
    }
    if (pkt->layers & TCPSIFT_LAYER_UDP) {
        assert_int_equal(pkt->ip_proto, 17);
        assert_true(pkt->caplen - pkt->l4_offset >= 8);
        if (pkt->payload.len) assert_ptr_equal(pkt->payload.ptr, pkt->frame + pkt->l4_offset + 8);
    }
    check_view(pkt, pkt->payload.ptr, pkt->payload.len);
    assert_true(pkt->payload.len <= pkt->payload_len);
}

static size_t off_of(const tcpsift_packet *pkt, const uint8_t *p)
{
    return p ? (size_t)(p - pkt->frame) : (size_t)-1;
}

void check_prefix_agrees(const tcpsift_packet *pre, const tcpsift_packet *full)
{
    /* A shorter capture can only lose layers, never gain one. */
    assert_int_equal(pre->layers & ~full->layers, 0);
    uint32_t ip = TCPSIFT_LAYER_IPV4 | TCPSIFT_LAYER_IPV6;
    if (pre->layers & full->layers & TCPSIFT_LAYER_VLAN) {
        for (size_t i = 0; i < pre->vlan_count; i++)
            assert_int_equal(pre->vlan_ids[i], full->vlan_ids[i]);
    }
    if (!(pre->layers & full->layers & ip)) return;
    assert_int_equal(pre->ethertype, full->ethertype);
    assert_int_equal(pre->vlan_count, full->vlan_count);
    assert_int_equal(pre->l3_offset, full->l3_offset);
    assert_int_equal(pre->ip_version, full->ip_version);
    assert_int_equal(pre->ttl, full->ttl);
    assert_int_equal(pre->ip_tos, full->ip_tos);
    assert_int_equal(off_of(pre, pre->src), off_of(full, full->src));
    assert_int_equal(pre->ip_len_from_capture, full->ip_len_from_capture);
    if (pre->ip_version == 4) {
        assert_int_equal(pre->ip_id, full->ip_id);
        assert_int_equal(pre->frag_offset, full->frag_offset);
        assert_int_equal(pre->more_fragments, full->more_fragments);
        assert_int_equal(pre->dont_fragment, full->dont_fragment);
        assert_int_equal(pre->ip_checksum, full->ip_checksum);
        assert_int_equal(pre->ip_header.len, full->ip_header.len);
        assert_int_equal(pre->l4_length, full->l4_length);
        assert_int_equal(pre->ip_csum, full->ip_csum);
    }
    if (pre->layers & TCPSIFT_LAYER_PORTS) {
        assert_int_equal(pre->l4_offset, full->l4_offset);
        assert_int_equal(pre->l4_length, full->l4_length);
        assert_int_equal(pre->ip_proto, full->ip_proto);
        assert_int_equal(off_of(pre, pre->dst), off_of(full, full->dst));
        assert_int_equal(off_of(pre, pre->final_dst), off_of(full, full->final_dst));
        assert_int_equal(pre->sport, full->sport);
        assert_int_equal(pre->dport, full->dport);
    }
    if (pre->layers & TCPSIFT_LAYER_TCP) {
        assert_int_equal(pre->seq, full->seq);
        assert_int_equal(pre->ack, full->ack);
        assert_int_equal(pre->tcp_flags, full->tcp_flags);
        assert_int_equal(pre->window, full->window);
        assert_int_equal(pre->tcp_checksum, full->tcp_checksum);
        assert_int_equal(pre->urgent_ptr, full->urgent_ptr);
        assert_int_equal(pre->tcp_header_len, full->tcp_header_len);
        assert_int_equal(pre->payload_len, full->payload_len);
        assert_true(pre->payload.len <= full->payload.len);
    }
    if (pre->layers & TCPSIFT_LAYER_TCP_OPTIONS) {
        const tcpsift_tcp_options *a = &pre->opts, *b = &full->opts;
        assert_int_equal(a->present, b->present);
        assert_int_equal(a->mss, b->mss);
        assert_int_equal(a->wscale, b->wscale);
        assert_int_equal(a->sack_count, b->sack_count);
        assert_int_equal(a->tsval, b->tsval);
        assert_int_equal(a->tsecr, b->tsecr);
        assert_int_equal(a->unknown_count, b->unknown_count);
    }
    if (pre->layers & TCPSIFT_LAYER_UDP) {
        assert_int_equal(pre->udp_length, full->udp_length);
        assert_int_equal(pre->udp_checksum, full->udp_checksum);
        assert_int_equal(pre->payload_len, full->payload_len);
    }
    /* A checksum computed on a prefix must be the one computed on the whole frame: if bytes
     * were missing it has to say UNVERIFIED, not guess. */
    if (pre->l4_csum == TCPSIFT_CSUM_GOOD || pre->l4_csum == TCPSIFT_CSUM_BAD) {
        assert_int_equal(pre->l4_csum, full->l4_csum);
        assert_int_equal(pre->l4_csum_offload, full->l4_csum_offload);
    }
}

/* The name of the first field in which two decoded packets (or option sets) differ, NULL when
 * none does: the message of decode_checked, which then also compares every byte. */
#define SAME(field)                                                                                \
    do {                                                                                           \
        if (a->field != b->field) return #field;                                                   \
    } while (0)
#define SAME_BYTES(field)                                                                          \
    do {                                                                                           \
        if (a->field.ptr != b->field.ptr || a->field.len != b->field.len) return #field;           \
    } while (0)

static const char *options_diff(const tcpsift_tcp_options *a, const tcpsift_tcp_options *b)
{
    SAME(present);
    SAME(mss);
    SAME(wscale);
    SAME(sack_count);
    SAME(tsval);
    SAME(tsecr);
    for (unsigned i = 0; i < a->sack_count && i < TCPSIFT_MAX_SACK_BLOCKS; i++)
        if (a->sack[i][0] != b->sack[i][0] || a->sack[i][1] != b->sack[i][1]) return "sack";
    SAME(tfo_kind);
    SAME_BYTES(tfo_cookie);
    SAME_BYTES(md5_digest);
    SAME(user_timeout);
    SAME_BYTES(mptcp);
    SAME(unknown_count);
    for (unsigned i = 0; i < a->unknown_count && i < TCPSIFT_MAX_UNKNOWN_OPTIONS; i++)
        if (a->unknown_kinds[i] != b->unknown_kinds[i]) return "unknown_kinds";
    SAME(error);
    SAME(error_offset);
    return NULL;
}

static const char *packet_diff(const tcpsift_packet *a, const tcpsift_packet *b)
{
    SAME(frame);
    SAME(caplen);
    SAME(wirelen);
    SAME(linktype);
    SAME(layers);
    SAME(error);
    SAME(ethertype);
    SAME(vlan_count);
    for (unsigned i = 0; i < a->vlan_count && i < TCPSIFT_MAX_VLAN_TAGS; i++)
        if (a->vlan_ids[i] != b->vlan_ids[i]) return "vlan_ids";
    SAME(encap_count);
    for (unsigned i = 0; i < a->encap_count && i < TCPSIFT_MAX_ENCAP; i++)
        if (a->encap[i] != b->encap[i]) return "encap";
    SAME(tunnel_id);
    SAME(tunnel_id_kind);
    SAME(l3_offset);
    SAME(ip_version);
    SAME(addr_len);
    SAME(src);
    SAME(dst);
    SAME(final_dst);
    SAME_BYTES(ip_header);
    SAME(ttl);
    SAME(ip_proto);
    SAME(ip_id);
    SAME(ip6_frag_id);
    SAME(frag_offset);
    SAME(more_fragments);
    SAME(dont_fragment);
    SAME(ip_tos);
    SAME(ipv6_ext_count);
    for (unsigned i = 0; i < a->ipv6_ext_count && i < TCPSIFT_MAX_IPV6_EXT_HEADERS; i++)
        if (a->ipv6_ext_types[i] != b->ipv6_ext_types[i]) return "ipv6_ext_types";
    SAME(ip_checksum);
    SAME(l4_offset);
    SAME(l4_length);
    SAME(ip_len_from_capture);
    SAME(sport);
    SAME(dport);
    SAME(seq);
    SAME(ack);
    SAME(tcp_flags);
    SAME(window);
    SAME(tcp_checksum);
    SAME(urgent_ptr);
    SAME(tcp_header_len);
    SAME_BYTES(tcp_options_raw);
    const char *o = options_diff(&a->opts, &b->opts);
    if (o) return o;
    SAME(udp_length);
    SAME(udp_checksum);
    SAME(payload_len);
    SAME_BYTES(payload);
    SAME(ip_csum);
    SAME(l4_csum);
    SAME(l4_csum_offload);
    return NULL;
}
#undef SAME
#undef SAME_BYTES

tcpsift_error decode_checked(tcpsift_packet *out, int linktype, const uint8_t *frame, size_t caplen,
                             size_t wirelen)
{
    /* The public entry point, into a struct full of 0xFF bytes (a byte it forgot to write would
     * keep them), against the general path into zeros: the same fields, the same bytes. */
    memset(out, 0xFF, sizeof *out);
    tcpsift_error rc = tcpsift_packet_decode(out, linktype, frame, caplen, wirelen);
    tcpsift_packet general;
    memset(&general, 0, sizeof general);
    tcpsift_error grc = decode_packet_general(&general, linktype, frame, caplen,
                                              wirelen < caplen ? caplen : wirelen);
    const char *diff = packet_diff(out, &general);
    if (diff != NULL || rc != grc)
        fail_msg("fast path and general decode differ in %s (caplen %zu, wirelen %zu)",
                 diff ? diff : "the return code", caplen, wirelen);
    if (memcmp(out, &general, sizeof general) != 0)
        fail_msg("fast path and general decode differ in padding or past a count (caplen %zu)",
                 caplen);
    return rc;
}

void decode_all(struct decoded *d, int linktype, const uint8_t *bytes, size_t len, size_t wirelen)
{
    memset(d, 0, sizeof *d);
    /* The full decode first, to compare every prefix with. */
    d->frame = guard_place(&d->g, bytes, len);
    assert_non_null(d->frame);
    d->len = len;
    d->rc = decode_checked(&d->pkt, linktype, d->frame, len, wirelen);
    assert_int_equal(d->rc, d->pkt.error);
    assert_ptr_equal(d->pkt.frame, d->frame);
    assert_int_equal(d->pkt.caplen, len);
    tcpsift_packet_verify_checksums(&d->pkt);
    check_packet_sane(&d->pkt);
    size_t wire = wirelen < len ? len : wirelen;
    for (size_t k = 0; k < len; k++) {
        struct guard_buf g;
        const uint8_t *f = guard_place(&g, bytes, k);
        assert_non_null(f);
        tcpsift_packet pre;
        tcpsift_error rc = decode_checked(&pre, linktype, f, k, wire);
        assert_int_equal(rc, pre.error);
        assert_int_equal(pre.caplen, k);
        assert_int_equal(pre.wirelen, wire);
        tcpsift_packet_verify_checksums(&pre);
        check_packet_sane(&pre);
        check_prefix_agrees(&pre, &d->pkt);
        guard_release(&g);
    }
}

void decode_pb(struct decoded *d, int linktype, const struct pb *p)
{
    decode_all(d, linktype, p->b, p->len, p->len);
}

void decoded_release(struct decoded *d)
{
    guard_release(&d->g);
}

size_t test_tcp_segment(uint8_t *out, size_t cap, int version, size_t payload_len)
{
    uint8_t payload[PB_MAX];
    assert_true(payload_len <= sizeof payload);
    for (size_t i = 0; i < payload_len; i++) payload[i] = (uint8_t)(i * 7 + 3);
    struct tcp_spec t = tcp_default();
    t.payload = payload;
    t.payload_len = payload_len;
    size_t n = tcp_segment(out, cap, &t);
    uint16_t c = version == 4 ? ref_l4_csum(TEST_V4_SRC, TEST_V4_DST, 4, 6, out, n)
                              : ref_l4_csum(TEST_V6_SRC, TEST_V6_DST, 16, 6, out, n);
    out[16] = (uint8_t)(c >> 8);
    out[17] = (uint8_t)c;
    return n;
}

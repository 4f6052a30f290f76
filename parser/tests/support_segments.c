#include "support_segments.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void seg_decode(const struct seg *s, struct pb *p, tcpsift_packet *pkt)
{
    static const uint8_t zeros[1500];
    uint8_t opts[40];
    size_t nopts = 0;
    assert_true(s->extra_len <= 28 && s->len <= sizeof zeros);
    if (s->extra_len) memcpy(opts, s->extra_opts, s->extra_len);
    nopts = s->extra_len;
    if (s->tsval) {
        const uint8_t ts[12] = {1, 1, 8, 10, (uint8_t)(s->tsval >> 24), (uint8_t)(s->tsval >> 16),
                                (uint8_t)(s->tsval >> 8), (uint8_t)s->tsval, 0, 0, 0, 1};
        memcpy(opts + nopts, ts, sizeof ts);
        nopts += sizeof ts;
    }
    struct tcp_spec tcp = tcp_default();
    tcp.sport = s->from == 0 ? 40000 : 80;
    tcp.dport = s->from == 0 ? 80 : 40000;
    tcp.seq = s->seq;
    tcp.ack = s->ack;
    tcp.flags = s->flags;
    tcp.window = s->window;
    tcp.opts = nopts ? opts : NULL;
    tcp.opts_len = nopts;
    tcp.payload = zeros;
    tcp.payload_len = s->len;
    uint8_t l4[1600];
    size_t n = tcp_segment(l4, sizeof l4, &tcp);
    struct ip4_spec ip = ip4_default(6);
    if (s->ttl) ip.ttl = s->ttl;
    if (s->from != 0) {
        memcpy(ip.src, TEST_V4_DST, 4);
        memcpy(ip.dst, TEST_V4_SRC, 4);
    }
    pb_eth_ipv4(p, &ip, l4, n);
    assert_int_equal(tcpsift_packet_decode(pkt, TCPSIFT_LINK_ETHERNET, p->b, p->len, p->len),
                     TCPSIFT_OK);
}

uint8_t *seg_stable_frame(const struct tcp_spec *ts, int from, tcpsift_packet *pkt)
{
    uint8_t seg[1600];
    size_t n = tcp_segment(seg, sizeof seg, ts);
    struct pb *p = malloc(sizeof *p);
    assert_non_null(p);
    struct ip4_spec ip = ip4_default(6);
    memcpy(ip.src, from == 0 ? TEST_V4_SRC : TEST_V4_DST, 4);
    memcpy(ip.dst, from == 0 ? TEST_V4_DST : TEST_V4_SRC, 4);
    ip.l4_csum = 1;
    pb_eth_ipv4(p, &ip, seg, n);
    uint8_t *frame = malloc(p->len);
    assert_non_null(frame);
    memcpy(frame, p->b, p->len);
    assert_int_equal(tcpsift_packet_decode(pkt, TCPSIFT_LINK_ETHERNET, frame, p->len, p->len),
                     TCPSIFT_OK);
    free(p);
    return frame;
}

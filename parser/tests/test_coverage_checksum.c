/* Transmit offload with segmentation offload (found by fuzz/coverage.sh): a capture on the
 * sending host of a TSO/GSO super-segment has IPv4 total length 0 and, in the TCP checksum
 * field, the folded pseudo-header sum WITHOUT the length (the NIC adds each segment's own).
 * Such a checksum is bad but recognised as offload; the same value in a packet whose IP header
 * states its length is just bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support_packets.h"
#include "tcpsift/decode.h"

static void build(struct pb *p, long total_len, uint16_t tcp_csum, size_t *l4_at)
{
    uint8_t seg[64];
    struct tcp_spec t = tcp_default();
    t.payload = (const uint8_t *)"hello";
    t.payload_len = 5;
    size_t n = tcp_segment(seg, sizeof seg, &t);
    seg[16] = (uint8_t)(tcp_csum >> 8);
    seg[17] = (uint8_t)tcp_csum;
    struct ip4_spec ip = ip4_default(6);
    ip.total_len = total_len;
    ip.l4_csum = 0; /* keep the checksum written above */
    *l4_at = pb_eth_ipv4(p, &ip, seg, n) + 20;
}

static void expect(const struct pb *p, int from_capture, uint8_t l4, uint8_t offload)
{
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, TCPSIFT_LINK_ETHERNET, p->b, p->len, p->len),
                     TCPSIFT_OK);
    assert_int_equal(pkt.ip_len_from_capture, from_capture);
    assert_int_equal(pkt.payload_len, 5);
    tcpsift_packet_verify_checksums(&pkt);
    assert_int_equal(pkt.l4_csum, l4);
    assert_int_equal(pkt.l4_csum_offload, offload);
}

static void test_tso_partial_sum_without_length(void **state)
{
    (void)state;
    struct pb p;
    size_t l4;
    uint16_t no_len = ref_pseudo_partial(TEST_V4_SRC, TEST_V4_DST, 4, 6, 0);
    uint16_t with_len = ref_pseudo_partial(TEST_V4_SRC, TEST_V4_DST, 4, 6, 25);
    assert_int_not_equal(no_len, with_len);
    /* IP total length 0: the length-less partial sum is offload. */
    build(&p, 0, no_len, &l4);
    expect(&p, 1, TCPSIFT_CSUM_BAD, 1);
    /* ... and so is the ordinary partial sum (the stack may include the length). */
    build(&p, 0, with_len, &l4);
    expect(&p, 1, TCPSIFT_CSUM_BAD, 1);
    /* With the length stated, a length-less partial sum is no offload signature. */
    build(&p, -1, no_len, &l4);
    expect(&p, 0, TCPSIFT_CSUM_BAD, 0);
    /* The right checksum is good either way (the reference sums the 25 bytes). */
    build(&p, 0, 0, &l4);
    uint16_t good = ref_l4_csum(TEST_V4_SRC, TEST_V4_DST, 4, 6, p.b + l4, 25);
    p.b[l4 + 16] = (uint8_t)(good >> 8);
    p.b[l4 + 17] = (uint8_t)good;
    expect(&p, 1, TCPSIFT_CSUM_GOOD, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tso_partial_sum_without_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

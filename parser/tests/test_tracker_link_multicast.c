/* Frames sent to a link-layer group address (tcpsift_link_multicast_policy): a TCP segment in
 * an Ethernet frame whose destination MAC has the group bit (broadcast, IPv4 or IPv6 multicast,
 * any other multicast MAC) reaches every host on the link and the observer's span port, but
 * Linux takes TCP only from frames addressed to the host (tcp_v4_rcv / tcp_v6_rcv: PACKET_HOST).
 * It is counted link_multicast_destination under both policies; under policy drop it is also
 * ignored, and the real bytes sent after it are the stream; under policy flag (the default) it
 * is processed as any other.
 * Frames of other link types carry no destination MAC to judge.
 *
 * Each case: a handshake, then the client's next bytes forged ("EVIL!") in a frame with the
 * case's destination, then the real bytes ("GET /") to the server's MAC, the server's ACK and a
 * close. Expectations follow from IEEE 802's group bit (the first byte's least significant
 * bit), the policy's definition in tcpsift/tracker.h and Linux's tcp_v4_rcv(), never from
 * running the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support_forged.h"
#include "support_packets.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define C FORGED_CLIENT
#define S FORGED_SERVER

/* One segment of `from` at its next sequence number, IPv4 or IPv6, in a frame of link type
 * `linktype` sent to `dst_mac` (Ethernet; NULL: the fixed unicast MAC); advances the sender's
 * next number when `advance`. */
static void segment(struct forged_run *r, int linktype, int from, uint16_t flags, const char *data,
                    int v6, const uint8_t *dst_mac, int advance)
{
    struct tcp_spec ts = forged_tcp_spec(r, from, flags, data);
    uint8_t l4[256];
    size_t n = tcp_segment(l4, sizeof l4, &ts);
    struct pb p;
    pb_init(&p);
    if (linktype == LINKTYPE_ETHERNET) {
        pb_ethernet(&p, v6 ? 0x86DD : 0x0800);
        if (dst_mac) memcpy(p.b, dst_mac, 6);
    }
    if (v6) {
        struct ip6_spec ip = ip6_default(6);
        if (from == S) {
            memcpy(ip.src, TEST_V6_DST, 16);
            memcpy(ip.dst, TEST_V6_SRC, 16);
        }
        pb_ipv6(&p, &ip, l4, n);
    } else {
        struct ip4_spec ip = ip4_default(6);
        if (from == S) {
            memcpy(ip.src, TEST_V4_DST, 4);
            memcpy(ip.dst, TEST_V4_SRC, 4);
        }
        pb_ipv4(&p, &ip, l4, n);
    }
    forged_send(r, linktype, &p, &ts, from, advance, 0);
}

struct mac_case {
    const char *what;
    int linktype, v6;
    uint8_t mac[6];
    int group; /* the destination is a group address */
};

static const struct mac_case CASES[] = {
    {"broadcast", LINKTYPE_ETHERNET, 0, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1},
    {"IPv4 multicast MAC", LINKTYPE_ETHERNET, 0, {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, 1},
    {"IPv6 multicast MAC", LINKTYPE_ETHERNET, 1, {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, 1},
    {"NLB multicast cluster MAC", LINKTYPE_ETHERNET, 0, {0x03, 0xbf, 0xc0, 0xa8, 0x01, 0x0a}, 1},
    {"another unicast MAC", LINKTYPE_ETHERNET, 0, {0x02, 0x00, 0x00, 0x00, 0x00, 0x99}, 0},
    {"locally administered unicast MAC", LINKTYPE_ETHERNET, 1, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}, 0},
    /* Raw IP: no link layer (an IPv4 header's first byte, 0x45, is odd: still not judged). */
    {"raw IPv4", LINKTYPE_RAW, 0, {0}, 0},
    {"raw IPv6", LINKTYPE_RAW, 1, {0}, 0},
};

static void run_case(struct forged_run *r, const struct mac_case *mc,
                     tcpsift_link_multicast_policy policy)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    forged_init(r, &cfg);
    cfg.link_multicast = policy;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    int lt = mc->linktype, v6 = mc->v6;
    segment(r, lt, C, TCPSIFT_TCP_SYN, NULL, v6, NULL, 1);
    segment(r, lt, S, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, NULL, v6, NULL, 1);
    segment(r, lt, C, TCPSIFT_TCP_ACK, NULL, v6, NULL, 1);
    segment(r, lt, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "EVIL!", v6, mc->mac, 0);
    segment(r, lt, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "GET /", v6, NULL, 1);
    segment(r, lt, S, TCPSIFT_TCP_ACK, NULL, v6, NULL, 1);
    segment(r, lt, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL, v6, NULL, 1);
    segment(r, lt, S, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL, v6, NULL, 1);
    segment(r, lt, C, TCPSIFT_TCP_ACK, NULL, v6, NULL, 1);
    forged_finish(r);
}

static void test_link_multicast_flag_and_drop(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const struct mac_case *mc = &CASES[k];
        for (int drop = 0; drop < 2; drop++) {
            struct forged_run r;
            printf("  %s, policy %s\n", mc->what, drop ? "drop" : "flag");
            run_case(&r, mc, drop ? TCPSIFT_LINK_MULTICAST_DROP : TCPSIFT_LINK_MULTICAST_FLAG);
            int ignored = mc->group && drop;
            assert_int_equal(r.ev[TCPSIFT_ANOMALY_LINK_MULTICAST_DESTINATION], mc->group);
            /* Taken, the forged bytes came first: the real ones are a differing copy. */
            assert_int_equal(r.ev[TCPSIFT_ANOMALY_OVERLAP_MISMATCH], !ignored);
            assert_int_equal(r.c2s_len, 5);
            assert_memory_equal(r.c2s, ignored ? "GET /" : "EVIL!", 5);
        }
    }
}

static void test_link_multicast_policy_names(void **state)
{
    (void)state;
    tcpsift_link_multicast_policy p = TCPSIFT_LINK_MULTICAST_FLAG;
    assert_int_equal(tcpsift_link_multicast_policy_parse("drop", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_LINK_MULTICAST_DROP);
    assert_int_equal(tcpsift_link_multicast_policy_parse("flag", &p), TCPSIFT_OK);
    assert_int_equal(p, TCPSIFT_LINK_MULTICAST_FLAG);
    assert_int_equal(tcpsift_link_multicast_policy_parse("host", &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_int_equal(tcpsift_link_multicast_policy_parse(NULL, &p), TCPSIFT_E_INVALID_ARGUMENT);
    assert_string_equal(tcpsift_link_multicast_policy_name(TCPSIFT_LINK_MULTICAST_DROP), "drop");
    assert_string_equal(tcpsift_link_multicast_policy_name((tcpsift_link_multicast_policy)7), "unknown");
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    assert_int_equal(cfg.link_multicast, TCPSIFT_LINK_MULTICAST_FLAG);
    cfg.link_multicast = (tcpsift_link_multicast_policy)7;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_E_INVALID_ARGUMENT);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_multicast_flag_and_drop),
        cmocka_unit_test(test_link_multicast_policy_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

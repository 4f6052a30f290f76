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

#include "support_packets.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define MS 1000000LL
#define C 0
#define S 1

struct run {
    tcpsift_tracker *t;
    int linktype;
    uint32_t nxt[2];
    int64_t ts;
    char c2s[64];
    size_t c2s_len;
    uint32_t ev[TCPSIFT_ANOMALY_COUNT];
    int reported;
};

static void on_data(void *ctx, uint64_t id, tcpsift_direction dir, uint64_t offset,
                    const uint8_t *data, size_t len)
{
    struct run *r = ctx;
    if (id != 0 || dir != TCPSIFT_C2S) return;
    assert_int_equal(offset, r->c2s_len);
    assert_true(r->c2s_len + len < sizeof r->c2s);
    memcpy(r->c2s + r->c2s_len, data, len);
    r->c2s_len += len;
}

static void on_conn_end(void *ctx, const tcpsift_conn_info *ci)
{
    struct run *r = ctx;
    assert_int_equal(ci->id, 0);
    memcpy(r->ev, ci->events, sizeof r->ev);
    r->reported++;
}

/* One segment of `from` at its next sequence number, IPv4 or IPv6, in a frame of the run's link
 * type sent to `dst_mac` (Ethernet; NULL: the fixed unicast MAC); advances the sender's next
 * number when `advance`. */
static void segment(struct run *r, int from, uint16_t flags, const char *data, int v6,
                    const uint8_t *dst_mac, int advance)
{
    struct tcp_spec ts = tcp_default();
    ts.sport = from == C ? 40000 : 80;
    ts.dport = from == C ? 80 : 40000;
    ts.seq = r->nxt[from];
    ts.ack = (flags & TCPSIFT_TCP_ACK) ? r->nxt[1 - from] : 0;
    ts.flags = flags;
    ts.window = 65535;
    ts.payload = (const uint8_t *)data;
    ts.payload_len = data ? strlen(data) : 0;
    uint8_t l4[256];
    size_t n = tcp_segment(l4, sizeof l4, &ts);
    struct pb p;
    pb_init(&p);
    if (r->linktype == LINKTYPE_ETHERNET) {
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
    tcpsift_packet pkt;
    assert_int_equal(tcpsift_packet_decode(&pkt, r->linktype, p.b, p.len, p.len), TCPSIFT_OK);
    r->ts += MS;
    assert_int_equal(tcpsift_tracker_packet(r->t, &pkt, r->ts), TCPSIFT_OK);
    if (advance)
        r->nxt[from] += (uint32_t)ts.payload_len + ((flags & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN)) != 0);
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

static void run_case(struct run *r, const struct mac_case *mc,
                     tcpsift_link_multicast_policy policy)
{
    memset(r, 0, sizeof *r);
    r->linktype = mc->linktype;
    r->ts = 1700000000LL * 1000 * MS;
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    for (int i = 0; i < 16; i++) cfg.hash_key[i] = (uint8_t)(0x17 * i + 5);
    cfg.reassemble = 1;
    cfg.link_multicast = policy;
    cfg.cb.on_data = on_data;
    cfg.cb.on_conn_end = on_conn_end;
    cfg.cb.ctx = r;
    assert_int_equal(tcpsift_tracker_create(&cfg, &r->t), TCPSIFT_OK);
    r->nxt[C] = 1000;
    r->nxt[S] = 5000;
    segment(r, C, TCPSIFT_TCP_SYN, NULL, mc->v6, NULL, 1);
    segment(r, S, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, NULL, mc->v6, NULL, 1);
    segment(r, C, TCPSIFT_TCP_ACK, NULL, mc->v6, NULL, 1);
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "EVIL!", mc->v6, mc->mac, 0);
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH, "GET /", mc->v6, NULL, 1);
    segment(r, S, TCPSIFT_TCP_ACK, NULL, mc->v6, NULL, 1);
    segment(r, C, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL, mc->v6, NULL, 1);
    segment(r, S, TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN, NULL, mc->v6, NULL, 1);
    segment(r, C, TCPSIFT_TCP_ACK, NULL, mc->v6, NULL, 1);
    tcpsift_tracker_finish(r->t);
    tcpsift_tracker_destroy(r->t);
    assert_int_equal(r->reported, 1);
}

static void test_link_multicast_flag_and_drop(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        const struct mac_case *mc = &CASES[k];
        for (int drop = 0; drop < 2; drop++) {
            struct run r;
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

/* The first SYN of a promoted embryo applied directly (tcp_conn_embryo_syn(), tcp_conn.c,
 * issue 9) against tcp_conn_segment()'s general path.
 *
 * With tracker.verify_embryo_syn set, every embryo SYN the tracker applies directly is also run
 * through tcp_conn_segment(): the direct path on a copy of the connection, the general path on
 * the connection; embryo_syn_mismatches counts SYNs after which the connection bytes, the side
 * table, the tracker's counters or the per-segment anomaly marks differ. That runs over every
 * bundled capture and the captures under ../shared (state only, and with reassembly and
 * framing), and over scripted SYNs on both sides of each condition of the direct path, where
 * the path each one takes and what the connection reports are asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_files.h"
#include "support_verify.h"
#include "support_packets.h"
#include "tcpsift/capture.h"
#include "tcpsift/decode.h"
#include "tcpsift/framer.h"
#include "tcpsift/tracker.h"
#include "tracker_internal.h"

enum run_config { CFG_STATE, CFG_FULL };

static void config_for(enum run_config which, tcpsift_tracker_config *cfg)
{
    verify_config(which == CFG_FULL, cfg);
}

/* ------------------------------------------------------------------ captures */

static void test_embryo_syn_conformance_captures(void **state)
{
    (void)state;
    verify_test_conformance(VERIFY_EMBRYO_SYN, 20);
}

static void test_embryo_syn_shared_captures(void **state)
{
    (void)state;
    verify_test_shared(VERIFY_EMBRYO_SYN, 100);
}

/* More captures, named in TCPSIFT_STEADY_CAPTURES (colon-separated), e.g. the bench workloads
 * (bench/gen_capture small / impaired): checked the same way when set. */
static void test_embryo_syn_named_captures(void **state)
{
    (void)state;
    verify_test_named(VERIFY_EMBRYO_SYN);
}

/* ------------------------------------------------------------------ scripted SYNs */

struct seen {
    int n;
    char history[TCPSIFT_HISTORY_MAX + 1];
    char conn_state[8];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    uint64_t client_pkts;
    uint8_t completeness, handshake;
};

static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    struct seen *s = ctx;
    s->n++;
    snprintf(s->history, sizeof s->history, "%s", c->history);
    snprintf(s->conn_state, sizeof s->conn_state, "%s", c->conn_state);
    memcpy(s->events, c->events, sizeof s->events);
    s->client_pkts = c->client.pkts;
    s->completeness = c->completeness;
    s->handshake = c->handshake;
}

static void send_seg(tcpsift_tracker *t, int64_t ns, int from_server, uint16_t flags, uint32_t seq,
                     uint32_t ack, uint16_t window, const uint8_t *opts, size_t opts_len)
{
    struct tcp_spec tcp = tcp_default();
    tcp.sport = from_server ? 80 : 40000;
    tcp.dport = from_server ? 40000 : 80;
    tcp.seq = seq;
    tcp.ack = ack;
    tcp.flags = flags;
    tcp.window = window;
    tcp.opts = opts_len ? opts : NULL;
    tcp.opts_len = opts_len;
    tcp.payload = NULL;
    tcp.payload_len = 0;
    uint8_t l4[128];
    size_t n = tcp_segment(l4, sizeof l4, &tcp);
    struct ip4_spec ip = ip4_default(6);
    if (from_server) {
        memcpy(ip.src, TEST_V4_DST, 4);
        memcpy(ip.dst, TEST_V4_SRC, 4);
    }
    feed_eth_ipv4(t, &ip, l4, n, ns);
}

/* One connection: `syns` copies of a client SYN with `flags`, `window` and options, then the
 * server's SYN-ACK and the client's ACK. Asserts how many SYNs took the direct path and that
 * each compared equal; returns what the connection reported. */
static struct seen one_conn(enum run_config which, uint16_t flags, uint16_t window,
                            const uint8_t *opts, size_t opts_len, int syns, uint64_t want_direct)
{
    struct seen seen;
    memset(&seen, 0, sizeof seen);
    tcpsift_tracker_config cfg;
    config_for(which, &cfg);
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = &seen;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    t->verify_embryo_syn = 1;
    int64_t ns = 1000000000;
    for (int i = 0; i < syns; i++)
        send_seg(t, ns += 1000000, 0, flags, 1000, 0, window, opts, opts_len);
    static const uint8_t synack_opts[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
    send_seg(t, ns += 1000000, 1, TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK, 5000, 1001, 65535,
             synack_opts, sizeof synack_opts);
    send_seg(t, ns += 1000000, 0, TCPSIFT_TCP_ACK, 1001, 5001, 512, NULL, 0);
    tcpsift_tracker_finish(t);
    assert_int_equal(t->embryo_syn_checked, want_direct);
    assert_int_equal(t->embryo_syn_mismatches, 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.client_pkts, (uint64_t)syns + 1);
    tcpsift_tracker_destroy(t);
    return seen;
}

static void scripted(enum run_config which)
{
    /* MSS 1460, SACK permitted, window scale 7, timestamps 100/0. */
    static const uint8_t full_opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7, 1,
                                          8, 10, 0, 0, 0, 100, 0, 0, 0, 0};
    static const uint8_t mss_only[4] = {2, 4, 0x05, 0xb4};
    static const uint8_t ws14[4] = {3, 3, 14, 1};
    static const uint8_t ws15[4] = {3, 3, 15, 1};
    const uint16_t S = TCPSIFT_TCP_SYN;
    struct seen s;

    /* The plain SYN, with every SYN option, or with the MSS only: direct. */
    s = one_conn(which, S, 64240, full_opts, sizeof full_opts, 1, 1);
    assert_string_equal(s.history, "ShA");
    assert_string_equal(s.conn_state, "S1");
    assert_int_equal(s.completeness, 1 | 2 | 4);
    assert_int_equal(s.handshake, 1);
    s = one_conn(which, S, 64240, mss_only, sizeof mss_only, 1, 1);
    assert_string_equal(s.history, "ShA");
    /* A shift of 14: direct; 15: wscale_too_large, the general path. */
    s = one_conn(which, S, 1024, ws14, sizeof ws14, 1, 1);
    assert_int_equal(s.events[TCPSIFT_ANOMALY_WSCALE_TOO_LARGE], 0);
    s = one_conn(which, S, 1024, ws15, sizeof ws15, 1, 0);
    assert_int_equal(s.events[TCPSIFT_ANOMALY_WSCALE_TOO_LARGE], 1);
    /* ECE and CWR (an ECN setup SYN) and PSH are read by no rule: direct. URG is: general. */
    s = one_conn(which, S | TCPSIFT_TCP_ECE | TCPSIFT_TCP_CWR | TCPSIFT_TCP_PSH, 64240,
                 mss_only, sizeof mss_only, 1, 1);
    assert_string_equal(s.history, "ShA");
    s = one_conn(which, S | TCPSIFT_TCP_URG, 64240, mss_only, sizeof mss_only, 1, 0);
    assert_int_equal(s.events[TCPSIFT_ANOMALY_URGENT_DATA], 1);
    /* A zero window: Zeek's W, the general path. */
    s = one_conn(which, S, 0, mss_only, sizeof mss_only, 1, 0);
    assert_string_equal(s.history, "SWhA");
    /* Repeats: the first SYN direct, the second through the general path (a retransmission),
     * the rest counted. */
    s = one_conn(which, S, 64240, full_opts, sizeof full_opts, 2, 1);
    assert_int_equal(s.events[TCPSIFT_ANOMALY_RETRANSMISSION], 1);
    s = one_conn(which, S, 64240, full_opts, sizeof full_opts, 5, 1);
    assert_int_equal(s.events[TCPSIFT_ANOMALY_RETRANSMISSION], 4);
    assert_string_equal(s.history, "ShA");
}

static void test_embryo_syn_boundaries_state(void **state)
{
    (void)state;
    scripted(CFG_STATE);
}

static void test_embryo_syn_boundaries_full(void **state)
{
    (void)state;
    scripted(CFG_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embryo_syn_boundaries_state),
        cmocka_unit_test(test_embryo_syn_boundaries_full),
        cmocka_unit_test(test_embryo_syn_conformance_captures),
        cmocka_unit_test(test_embryo_syn_shared_captures),
        cmocka_unit_test(test_embryo_syn_named_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

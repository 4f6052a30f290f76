/* The steady-segment path of tcp_conn_segment() (tcp_conn.c, issue 9) against the general path.
 *
 * With tracker.verify_steady set, every segment the tracker takes as steady is run through
 * both: the steady update on a copy of the connection, the general path on the connection;
 * steady_mismatches counts segments after which the connection bytes, the tracker's counters
 * or the per-segment anomaly marks differ. Here that runs over every bundled capture and the
 * captures under ../shared (state only, and with reassembly and framing), and over a scripted
 * connection whose segments sit on both sides of each of the steady conditions, where each
 * segment's expected path is asserted one by one. */
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
#include "support_segments.h"
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

static void test_steady_equals_general_conformance_captures(void **state)
{
    (void)state;
    verify_test_conformance(VERIFY_STEADY, 100);
}

static void test_steady_equals_general_shared_captures(void **state)
{
    (void)state;
    verify_test_shared(VERIFY_STEADY, 1000);
}

/* More captures, named in TCPSIFT_STEADY_CAPTURES (colon-separated), e.g. the bench workloads
 * (bench/gen_capture small / impaired): checked the same way when set. */
static void test_steady_equals_general_named_captures(void **state)
{
    (void)state;
    verify_test_named(VERIFY_STEADY);
}

/* ------------------------------------------------------------------ a scripted connection */

enum { CLIENT = 0, SERVER = 1 };


struct script {
    tcpsift_tracker *t;
    int64_t now;
    size_t step;
};

/* Sends one segment; asserts whether the tracker took it as steady (and that nothing differed). */
static void send(struct script *sc, const struct seg *s)
{
    static struct pb p;
    tcpsift_packet pkt;
    seg_decode(s, &p, &pkt);
    uint64_t before = sc->t->steady_checked;
    sc->now += 1000000;
    assert_int_equal(tcpsift_tracker_packet(sc->t, &pkt, sc->now), TCPSIFT_OK);
    sc->step++;
    if (sc->t->steady_checked - before != (uint64_t)s->want)
        fail_msg("step %zu: expected the %s path", sc->step, s->want ? "steady" : "general");
    assert_int_equal(sc->t->steady_mismatches, 0);
}

#define A TCPSIFT_TCP_ACK
#define AP (TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH)

static uint32_t seen_events[TCPSIFT_ANOMALY_COUNT];
static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    (void)ctx;
    memcpy(seen_events, c->events, sizeof seen_events);
}

static void scripted(enum run_config which)
{
    struct script sc = {NULL, 1000000000, 0};
    tcpsift_tracker_config cfg;
    config_for(which, &cfg);
    cfg.cb.on_conn_end = on_end;
    assert_int_equal(tcpsift_tracker_create(&cfg, &sc.t), TCPSIFT_OK);
    sc.t->verify_steady = 1;
    memset(seen_events, 0, sizeof seen_events);

    /* MSS 1460, SACK permitted, window scale 7 (SYN options). */
    static const uint8_t syn_opts[12] = {2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7, 1, 1, 1};
    static const uint8_t mss_opt[4] = {2, 4, 0x05, 0xb4};
    static const uint8_t sack_opt[12] = {1, 1, 5, 10, 0, 0, 0x10, 0, 0, 0, 0x20, 0};
    const uint32_t c0 = 1000, s0 = 5000;
    const uint16_t W = 1000; /* scaled by 128 */
    uint32_t cts = 100, sts = 700; /* TSvals */

    /* Handshake: never steady (SYN flags; then the client has not acknowledged the SYN-ACK). */
    send(&sc, &(struct seg){CLIENT, TCPSIFT_TCP_SYN, c0, 0, 65535, cts, syn_opts, 12, 0, 0, 0});
    send(&sc, &(struct seg){SERVER, TCPSIFT_TCP_SYN | A, s0, c0 + 1, 65535, sts, syn_opts, 12, 0, 0, 0});
    send(&sc, &(struct seg){CLIENT, A, c0 + 1, s0 + 1, W, ++cts, NULL, 0, 0, 0, 0});
    uint32_t cn = c0 + 1, sn = s0 + 1; /* next sequence numbers */
    /* First data: steady (its D letter is added on the steady path). */
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 100, 0, 1});
    cn += 100;
    /* The server's first bare ACK (its A letter): steady, ack == the client's next sequence. */
    send(&sc, &(struct seg){SERVER, A, sn, cn, W, ++sts, NULL, 0, 0, 0, 1});
    /* Same ACK, same window: a duplicate ACK; then a new window: a window update. */
    send(&sc, &(struct seg){SERVER, A, sn, cn, W, sts, NULL, 0, 0, 0, 0});
    send(&sc, &(struct seg){SERVER, A, sn, cn, W + 1, sts, NULL, 0, 0, 0, 0});
    /* TSval equal to TS.Recent: steady; two older: PAWS, the general path drops it (one older
     * passes Linux's PAWS window, on the general path too). */
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, cts, NULL, 0, 50, 0, 1});
    cn += 50;
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, cts - 2, NULL, 0, 50, 0, 0});
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 50, 0, 1});
    cn += 50;
    /* ACK of exactly the client's next sequence: steady; one past it: ack_unseen_segment. */
    send(&sc, &(struct seg){SERVER, A, sn, cn, W + 1, ++sts, NULL, 0, 0, 0, 1});
    send(&sc, &(struct seg){SERVER, A, sn, cn + 1, W + 1, ++sts, NULL, 0, 0, 0, 0});
    /* A data segment whose ACK equals the last one: steady (only a bare ACK is a duplicate). */
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 10, 0, 1});
    cn += 10;
    /* The server's right edge was cn - 10 + 1 + (W + 1) * 128 = cn - 9 + (W + 1) * 128. An ACK
     * of cn with window W + 1 moves it right: steady. Then 128 more bytes and an ACK with
     * one unit less: the same edge, steady; then one unit less again: window_shrunk. */
    send(&sc, &(struct seg){SERVER, A, sn, cn, W + 1, ++sts, NULL, 0, 0, 0, 1});
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 128, 0, 1});
    cn += 128;
    send(&sc, &(struct seg){SERVER, A, sn, cn, W, ++sts, NULL, 0, 0, 0, 1});
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 128, 0, 1});
    cn += 128;
    send(&sc, &(struct seg){SERVER, A, sn, cn, W - 2, ++sts, NULL, 0, 0, 0, 0});
    /* A SACK option is no SYN option: steady. MSS outside the SYN: general. */
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, sack_opt, 12, 20, 0, 1});
    cn += 20;
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, mss_opt, 4, 20, 0, 0});
    cn += 20;
    /* No timestamps after both SYNs had them: timestamp_missing, general. */
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, 0, NULL, 0, 20, 0, 0});
    cn += 20;
    /* Another TTL: ttl_changed, general. Back to the first TTL: steady. */
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 20, 65, 0});
    cn += 20;
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W, ++cts, NULL, 0, 20, 0, 1});
    cn += 20;
    /* ECE and CWR are read by no rule: steady. URG is: general. */
    send(&sc, &(struct seg){CLIENT, AP | TCPSIFT_TCP_ECE | TCPSIFT_TCP_CWR, cn, sn, W, ++cts, NULL, 0, 20, 0, 1});
    cn += 20;
    send(&sc, &(struct seg){CLIENT, AP | TCPSIFT_TCP_URG, cn, sn, W, ++cts, NULL, 0, 20, 0, 0});
    cn += 20;
    /* A keep-alive (one below the next sequence, no data), a retransmission, a segment past a
     * gap: general. */
    send(&sc, &(struct seg){CLIENT, A, cn - 1, sn, W, ++cts, NULL, 0, 0, 0, 0});
    send(&sc, &(struct seg){CLIENT, AP, cn - 20, sn, W, ++cts, NULL, 0, 20, 0, 0});
    send(&sc, &(struct seg){CLIENT, AP, cn + 100, sn, W, ++cts, NULL, 0, 20, 0, 0});
    cn += 120;
    /* The server's data: its first D letter, steady. The client's ACK of it: steady; then an
     * ACK 100 below it (less than a window, with one more window unit, so its right edge
     * moves right: the client keeps that window from here on): no anomaly, but not steady. */
    send(&sc, &(struct seg){SERVER, AP, sn, cn, W, ++sts, NULL, 0, 300, 0, 1});
    sn += 300;
    send(&sc, &(struct seg){CLIENT, A, cn, sn, W, ++cts, NULL, 0, 0, 0, 1});
    send(&sc, &(struct seg){CLIENT, A, cn, sn - 100, W + 1, ++cts, NULL, 0, 0, 0, 0});
    /* Zero window from the server: general (zero_window, and its right edge moves left:
     * window_shrunk); then a one-byte probe: zero_window_probe, general; the window
     * reopens: steady. */
    send(&sc, &(struct seg){SERVER, A, sn, cn, 0, ++sts, NULL, 0, 0, 0, 0});
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W + 1, ++cts, NULL, 0, 1, 0, 0});
    cn += 1;
    send(&sc, &(struct seg){SERVER, A, sn, cn, W, ++sts, NULL, 0, 0, 0, 1});
    /* The close. The client's FIN (its ACK unchanged: a FIN is no duplicate ACK): steady, with
     * SEND_FIN. The server's ACK of it (ACK-of-FIN events) and its data after it: steady. */
    send(&sc, &(struct seg){CLIENT, TCPSIFT_TCP_FIN | A, cn, sn, W + 1, ++cts, NULL, 0, 0, 0, 1});
    cn += 1;
    send(&sc, &(struct seg){SERVER, A, sn, cn, W, ++sts, NULL, 0, 0, 0, 1});
    send(&sc, &(struct seg){SERVER, AP, sn, cn, W, ++sts, NULL, 0, 10, 0, 1});
    sn += 10;
    /* The client after its FIN: a bare ACK is steady; data (data_after_fin), and its FIN again
     * (a retransmission), are not. */
    send(&sc, &(struct seg){CLIENT, A, cn, sn, W + 1, ++cts, NULL, 0, 0, 0, 1});
    send(&sc, &(struct seg){CLIENT, AP, cn, sn, W + 1, ++cts, NULL, 0, 5, 0, 0});
    cn += 5; /* taken as sent (data_after_fin is counted, the bytes are not dropped) */
    send(&sc, &(struct seg){CLIENT, TCPSIFT_TCP_FIN | A, cn - 1, sn, W + 1, ++cts, NULL, 0, 0, 0, 0});
    /* The server's FIN with data, acknowledging those bytes; the client's last ACK: steady. */
    send(&sc, &(struct seg){SERVER, TCPSIFT_TCP_FIN | AP, sn, cn, W, ++sts, NULL, 0, 7, 0, 1});
    sn += 8;
    send(&sc, &(struct seg){CLIENT, A, cn, sn, W + 1, ++cts, NULL, 0, 0, 0, 1});
    tcpsift_tracker_finish(sc.t);
    /* The anomalies the general-path segments above stand for were each counted. */
    static const struct {
        tcpsift_anomaly a;
        uint32_t n;
    } want[] = {
        {TCPSIFT_ANOMALY_DUPLICATE_ACK, 1},     {TCPSIFT_ANOMALY_WINDOW_UPDATE, 1},
        {TCPSIFT_ANOMALY_PAWS_FAILURE, 1},      {TCPSIFT_ANOMALY_ACK_UNSEEN_SEGMENT, 1},
        {TCPSIFT_ANOMALY_WINDOW_SHRUNK, 2},     {TCPSIFT_ANOMALY_OPTION_OUTSIDE_SYN, 1},
        {TCPSIFT_ANOMALY_TIMESTAMP_MISSING, 1}, {TCPSIFT_ANOMALY_TTL_CHANGED, 1},
        {TCPSIFT_ANOMALY_URGENT_DATA, 1},       {TCPSIFT_ANOMALY_KEEP_ALIVE, 1},
        {TCPSIFT_ANOMALY_RETRANSMISSION, 2},    {TCPSIFT_ANOMALY_LOST_SEGMENT, 1},
        {TCPSIFT_ANOMALY_ZERO_WINDOW, 1},       {TCPSIFT_ANOMALY_ZERO_WINDOW_PROBE, 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (seen_events[want[i].a] != want[i].n)
            fail_msg("anomaly %d counted %u times, expected %u", (int)want[i].a,
                     seen_events[want[i].a], want[i].n);
    assert_int_equal(sc.t->steady_mismatches, 0);
    tcpsift_tracker_destroy(sc.t);
}

static void test_steady_boundaries_state(void **state)
{
    (void)state;
    scripted(CFG_STATE);
}

static void test_steady_boundaries_full(void **state)
{
    (void)state;
    scripted(CFG_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_boundaries_state),
        cmocka_unit_test(test_steady_boundaries_full),
        cmocka_unit_test(test_steady_equals_general_conformance_captures),
        cmocka_unit_test(test_steady_equals_general_shared_captures),
        cmocka_unit_test(test_steady_equals_general_named_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The handshake's SYN-ACK and completing ACK applied directly (handshake_synack_apply(),
 * handshake_ack_apply(), tcp_conn.c, issue 9) against segment_general().
 *
 * With tracker.verify_handshake set, every SYN-ACK or ACK the tracker takes directly is also run
 * through segment_general(): the direct path on a copy of the connection, the general path on
 * the connection; handshake_mismatches counts segments after which the connection bytes, the
 * side table, the tracker's counters or the per-segment anomaly marks differ. That runs over
 * every bundled capture, the captures under ../shared and those named in
 * TCPSIFT_STEADY_CAPTURES (state only, and with reassembly and framing), and over scripted
 * handshakes on both sides of the direct paths' conditions, where the path each segment takes
 * and what the connection reports are asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support_files.h"
#include "support_packets.h"
#include "support_segments.h"
#include "support_verify.h"
#include "tcpsift/decode.h"
#include "tcpsift/tracker.h"
#include "tracker_internal.h"

/* ------------------------------------------------------------------ captures */

/* The minimum counts are far below what the captures hold (the test prints them): they only
 * make sure the comparison compared something. */
static void test_handshake_conformance_captures(void **state)
{
    (void)state;
    verify_test_conformance(VERIFY_HANDSHAKE, 200);
}

static void test_handshake_shared_captures(void **state)
{
    (void)state;
    verify_test_shared(VERIFY_HANDSHAKE, 200);
}

/* More captures, named in TCPSIFT_STEADY_CAPTURES (colon-separated), e.g. the bench workloads
 * (bench/gen_capture small / impaired): checked the same way when set. */
static void test_handshake_named_captures(void **state)
{
    (void)state;
    verify_test_named(VERIFY_HANDSHAKE);
}

/* ------------------------------------------------------------------ scripted handshakes */

enum { CLIENT = 0, SERVER = 1 };
/* The path a segment is expected to take: GENERAL is any but the two handshake direct paths
 * (segment_general(), the steady segment, an embryo). */
enum want { GENERAL = 0, DIRECT_SYNACK, DIRECT_ACK };

#define S TCPSIFT_TCP_SYN
#define A TCPSIFT_TCP_ACK
#define SA (TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK)
#define AP (TCPSIFT_TCP_ACK | TCPSIFT_TCP_PSH)

/* MSS 1460, SACK permitted, window scale 7, NOP (SYN options); with a shift of 15. */
static const uint8_t syn_opts[12] = {2, 4, 0x05, 0xb4, 4, 2, 3, 3, 7, 1, 1, 1};
static const uint8_t syn_opts_ws15[12] = {2, 4, 0x05, 0xb4, 4, 2, 3, 3, 15, 1, 1, 1};
static const uint8_t mss_opt[4] = {2, 4, 0x05, 0xb4};


struct seen {
    int n;
    char history[TCPSIFT_HISTORY_MAX + 1];
    char conn_state[8];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    tcpsift_tcp_state client_state, server_state;
    uint64_t client_bytes;
    uint8_t completeness, handshake;
};

static void on_end(void *ctx, const tcpsift_conn_info *c)
{
    struct seen *s = ctx;
    s->n++;
    snprintf(s->history, sizeof s->history, "%s", c->history);
    snprintf(s->conn_state, sizeof s->conn_state, "%s", c->conn_state);
    memcpy(s->events, c->events, sizeof s->events);
    s->client_state = c->client.state;
    s->server_state = c->server.state;
    s->client_bytes = c->client.bytes;
    s->completeness = c->completeness;
    s->handshake = c->handshake;
}

static void send(tcpsift_tracker *t, int64_t ns, size_t step, const struct seg *s)
{
    static struct pb p;
    tcpsift_packet pkt;
    seg_decode(s, &p, &pkt);
    uint64_t checked = t->handshake_checked, synacks = t->handshake_synack_checked;
    assert_int_equal(tcpsift_tracker_packet(t, &pkt, ns), TCPSIFT_OK);
    int took = t->handshake_checked == checked ? GENERAL
               : t->handshake_synack_checked != synacks ? DIRECT_SYNACK
                                                        : DIRECT_ACK;
    static const char *const names[] = {"general", "direct SYN-ACK", "direct ACK"};
    if (took != s->want)
        fail_msg("segment %zu: took the %s path, expected the %s path", step, names[took],
                 names[s->want]);
    assert_true(t->handshake_checked - checked <= 1);
    assert_int_equal(t->handshake_mismatches, 0);
}

/* One connection of the segments in `segs`, cross-checked, under `full` (0 state only, 1 with
 * reassembly and framing) and embryos on or off; returns what it reported. */
static struct seen run(int full, int embryos, const struct seg *segs, size_t n)
{
    struct seen seen;
    memset(&seen, 0, sizeof seen);
    tcpsift_tracker_config cfg;
    verify_config(full, &cfg);
    if (!embryos) cfg.embryo_capacity = 0;
    cfg.cb.on_conn_end = on_end;
    cfg.cb.ctx = &seen;
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    t->verify_handshake = 1;
    int64_t ns = 1000000000;
    for (size_t i = 0; i < n; i++)
        send(t, ns += 1000000, i, &segs[i]);
    tcpsift_tracker_finish(t);
    assert_int_equal(t->handshake_mismatches, 0);
    assert_int_equal(seen.n, 1);
    tcpsift_tracker_destroy(t);
    return seen;
}

#define RUN(full, embryos, ...)                                                                  \
    run(full, embryos, (const struct seg[]){__VA_ARGS__},                                        \
        sizeof((const struct seg[]){__VA_ARGS__}) / sizeof(struct seg))

enum { C0 = 1000, S0 = 5000, W = 1000 };

static void events_are(int line, const struct seen *s, const tcpsift_anomaly *which,
                       const uint32_t *n, size_t k)
{
    uint32_t want[TCPSIFT_ANOMALY_COUNT] = {0};
    for (size_t i = 0; i < k; i++)
        want[which[i]] = n[i];
    for (int a = 0; a < TCPSIFT_ANOMALY_COUNT; a++)
        if (s->events[a] != want[a])
            fail_msg("line %d: anomaly %d counted %u times, expected %u", line, a, s->events[a],
                     want[a]);
}
#define assert_events(...) events_are(__LINE__, __VA_ARGS__)

static void scripted(int full)
{
    struct seen s;
    for (int embryos = 0; embryos <= 1; embryos++) {
        /* The plain handshake with every SYN option and timestamps: the SYN-ACK and the ACK
         * direct (whichever path the SYN took); then data, steady. */
        s = RUN(full, embryos,
                {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
                {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK},
                {CLIENT, A, C0 + 1, S0 + 1, W, 101, NULL, 0, 0, 0, DIRECT_ACK},
                {CLIENT, AP, C0 + 1, S0 + 1, W, 102, NULL, 0, 10, 0, GENERAL},
                {SERVER, A, S0 + 1, C0 + 11, W, 701, NULL, 0, 0, 0, GENERAL});
        assert_string_equal(s.history, "ShADa");
        assert_string_equal(s.conn_state, "S1");
        assert_int_equal(s.completeness, 1 | 2 | 4 | 8);
        assert_int_equal(s.handshake, 1);
        assert_int_equal(s.client_state, TCPSIFT_ST_ESTABLISHED);
        assert_int_equal(s.server_state, TCPSIFT_ST_ESTABLISHED);
        assert_events(&s, NULL, NULL, 0);
    }

    /* Without options on the SYN-ACK, or without timestamps anywhere: direct. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, NULL, 0, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK});
    assert_string_equal(s.history, "ShA");
    assert_int_equal(s.handshake, 1);

    /* The SYN-ACK alone: the client stays SYN-SENT until it acknowledges it (the table's
     * SYN_SENT x RECV_ACK_OF_SYN keeps it), the server is SYN-RECEIVED. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK});
    assert_string_equal(s.history, "Sh");
    assert_int_equal(s.client_state, TCPSIFT_ST_SYN_SENT);
    assert_int_equal(s.server_state, TCPSIFT_ST_SYN_RECEIVED);
    assert_int_equal(s.completeness, 1 | 2);
    assert_int_equal(s.handshake, 0);

    /* Simultaneous open (RFC 9293 §3.5, figure 7): SYN, SYN, then each side's SYN-ACK. The
     * client's SYN-ACK comes from the originator and the server's from an endpoint that
     * already sent: both general; the ACK after them from an endpoint that already
     * acknowledged: general. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, S, S0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {CLIENT, SA, C0, S0 + 1, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, GENERAL});
    assert_string_equal(s.history, "SsA");
    assert_int_equal(s.client_state, TCPSIFT_ST_ESTABLISHED);
    assert_int_equal(s.server_state, TCPSIFT_ST_ESTABLISHED);
    /* Simultaneous open answered by bare ACKs: each is the first ACK of the peer's SYN from
     * an endpoint whose SYN was seen, so both are direct ACKs; the server's comes from the
     * responder (no handshake flag from it), the client's completes the handshake flag
     * only with a SYN-ACK seen, and none was. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, S, S0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, A, S0 + 1, C0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK});
    assert_string_equal(s.history, "SsaA");
    assert_int_equal(s.client_state, TCPSIFT_ST_ESTABLISHED);
    assert_int_equal(s.server_state, TCPSIFT_ST_ESTABLISHED);
    assert_int_equal(s.handshake, 0);

    /* A SYN-ACK acknowledging more than the SYN, or less (the ISN itself): SYN-SENT discards
     * it (RFC 9293 §3.10.7.3), ack_out_of_window, general, and the server's ISN is not taken
     * from it; the real SYN-ACK after it is direct, and so is the client's ACK. */
    for (uint32_t bad_ack = C0; bad_ack <= C0 + 2; bad_ack += 2) {
        s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
                {SERVER, SA, 0x12345678, bad_ack, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
                {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, DIRECT_SYNACK},
                {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK});
        assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_ACK_OUT_OF_WINDOW},
                      (const uint32_t[]){1}, 1);
        assert_int_equal(s.handshake, 1);
        assert_int_equal(s.client_state, TCPSIFT_ST_ESTABLISHED);
        assert_int_equal(s.server_state, TCPSIFT_ST_ESTABLISHED);
    }

    /* The SYN-ACK re-sent: the first direct, the repeat general (a retransmission, and the
     * table's SYN_RECEIVED x SEND_SYNACK, one count for the segment); no second h. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK},
            {SERVER, SA, S0, C0 + 1, 65535, 701, syn_opts, 12, 0, 0, GENERAL},
            {CLIENT, A, C0 + 1, S0 + 1, W, 101, NULL, 0, 0, 0, DIRECT_ACK});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_RETRANSMISSION},
                  (const uint32_t[]){1}, 1);
    assert_string_equal(s.history, "ShA");
    assert_int_equal(s.server_state, TCPSIFT_ST_ESTABLISHED);

    /* The third ACK carrying data: direct, with SEND_DATA (D, no A; completeness DATA, not
     * the bare ACK's bit). */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK},
            {CLIENT, AP, C0 + 1, S0 + 1, W, 101, NULL, 0, 100, 0, DIRECT_ACK});
    assert_string_equal(s.history, "ShD");
    assert_int_equal(s.completeness, 1 | 2 | 8);
    assert_int_equal(s.client_bytes, 100);
    assert_int_equal(s.handshake, 1);
    assert_int_equal(s.client_state, TCPSIFT_ST_ESTABLISHED);
    assert_events(&s, NULL, NULL, 0);
    /* One byte to a server whose SYN-ACK advertised a zero window: zero_window_probe, so
     * general (and the zero-window SYN-ACK itself: Zeek's w, general). */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 0, 0, mss_opt, 4, 0, 0, GENERAL},
            {CLIENT, AP, C0 + 1, S0 + 1, W, 0, NULL, 0, 1, 0, GENERAL});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_ZERO_WINDOW_PROBE},
                  (const uint32_t[]){1}, 1);
    assert_string_equal(s.history, "ShwD");
    /* A zero-window SYN-ACK, then a bare ACK: the ACK is direct. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 0, 0, mss_opt, 4, 0, 0, GENERAL},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK});
    assert_string_equal(s.history, "ShwA");
    assert_events(&s, NULL, NULL, 0);
    /* A zero window on the third ACK: zero_window and Zeek's W, general. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, 0, 0, NULL, 0, 0, 0, GENERAL});
    assert_string_equal(s.history, "ShAW");
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_ZERO_WINDOW},
                  (const uint32_t[]){1}, 1);

    /* A SYN-ACK with a shift of 15: wscale_too_large, general; the ACK: direct. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts_ws15, 12, 0, 0, GENERAL},
            {CLIENT, A, C0 + 1, S0 + 1, W, 101, NULL, 0, 0, 0, DIRECT_ACK});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_WSCALE_TOO_LARGE},
                  (const uint32_t[]){1}, 1);
    /* URG on the SYN-ACK: urgent_data, general. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA | TCPSIFT_TCP_URG, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_URGENT_DATA},
                  (const uint32_t[]){1}, 1);

    /* TTLs: the SYN-ACK's is its sender's first, any value is direct; the client's ACK with
     * another TTL than its SYN's: ttl_changed, general. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 50, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 65, GENERAL});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_TTL_CHANGED},
                  (const uint32_t[]){1}, 1);
    assert_int_equal(s.handshake, 1);

    /* The third ACK without the timestamps both SYNs negotiated (timestamp_missing), with a
     * TSval two older than its SYN's (PAWS: dropped, so no handshake), with an MSS option
     * (option_outside_syn), or past the SYN (lost_segment): general. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, GENERAL});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_TIMESTAMP_MISSING},
                  (const uint32_t[]){1}, 1);
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 98, NULL, 0, 0, 0, GENERAL});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_PAWS_FAILURE},
                  (const uint32_t[]){1}, 1);
    assert_int_equal(s.handshake, 0);
    /* One older than its SYN's passes Linux's PAWS window (tcp_paws_check(), TCP_PAWS_WINDOW
     * 1): general, taken. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 100, syn_opts, 12, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 700, syn_opts, 12, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 99, NULL, 0, 0, 0, GENERAL});
    assert_events(&s, NULL, NULL, 0);
    assert_int_equal(s.handshake, 1);
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, mss_opt, 4, 0, 0, GENERAL});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_OPTION_OUTSIDE_SYN},
                  (const uint32_t[]){1}, 1);
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, DIRECT_SYNACK},
            {CLIENT, AP, C0 + 11, S0 + 1, W, 0, NULL, 0, 10, 0, GENERAL});
    /* (With reassembly the ten bytes never seen are a content gap at the end.) */
    assert_events(&s,
                  (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_LOST_SEGMENT,
                                            TCPSIFT_ANOMALY_CONTENT_GAP},
                  (const uint32_t[]){1, (uint32_t)full}, 2);
    /* An ACK acknowledging past the SYN-ACK: ack_unseen_segment, general. */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 2, W, 0, NULL, 0, 0, 0, GENERAL});
    assert_events(&s,
                  (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_ACK_UNSEEN_SEGMENT,
                                            TCPSIFT_ANOMALY_CONTENT_GAP},
                  (const uint32_t[]){1, (uint32_t)full}, 2);
    /* The third ACK twice: the first direct, the repeat general (the same ACK and window
     * again: a duplicate ACK). */
    s = RUN(full, 1, {CLIENT, S, C0, 0, 65535, 0, mss_opt, 4, 0, 0, GENERAL},
            {SERVER, SA, S0, C0 + 1, 65535, 0, mss_opt, 4, 0, 0, DIRECT_SYNACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, DIRECT_ACK},
            {CLIENT, A, C0 + 1, S0 + 1, W, 0, NULL, 0, 0, 0, GENERAL});
    assert_events(&s, (const tcpsift_anomaly[]){TCPSIFT_ANOMALY_DUPLICATE_ACK},
                  (const uint32_t[]){1}, 1);
}

static void test_handshake_boundaries_state(void **state)
{
    (void)state;
    scripted(0);
}

static void test_handshake_boundaries_full(void **state)
{
    (void)state;
    scripted(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_boundaries_state),
        cmocka_unit_test(test_handshake_boundaries_full),
        cmocka_unit_test(test_handshake_conformance_captures),
        cmocka_unit_test(test_handshake_shared_captures),
        cmocka_unit_test(test_handshake_named_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

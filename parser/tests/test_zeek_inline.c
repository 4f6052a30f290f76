/* The Zeek summary's inline answers (conn_internal.h, issue 9) against its full rules:
 * zeek_history_packet() and zeek_history_packet_first() against zeek_history_packet_all(), each
 * on a segment and on its repeat, and zeek_endpoint_update() against
 * zeek_endpoint_update_all(), exhaustively over the inputs they read: the control flags and ACK
 * (with PSH and URG, read by none), payload or none, zero window or not, either sender, every
 * combination of the sender's once-letter bits and last-F sequence, SYN seen or not, and every
 * Zeek state of both endpoints (a RESET with the prev-closed bit included). After each pair of
 * calls the two connections (side tables, where the W count goes, compared by content) must be
 * identical. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tracker_internal.h"

static const uint8_t zeek_states[] = {ZEEK_INACTIVE, ZEEK_SYN_SENT,   ZEEK_SYN_ACK_SENT,
                                      ZEEK_PARTIAL,  ZEEK_ESTABLISHED, ZEEK_CLOSED,
                                      ZEEK_RESET,    ZEEK_RESET | ZEEK_PREV_CLOSED};
#define NSTATES (sizeof zeek_states / sizeof zeek_states[0])

static const unsigned flag_bits[] = {TCPSIFT_TCP_SYN, TCPSIFT_TCP_FIN, TCPSIFT_TCP_RST,
                                     TCPSIFT_TCP_ACK, TCPSIFT_TCP_PSH, TCPSIFT_TCP_URG};
#define NFLAGS (sizeof flag_bits / sizeof flag_bits[0])

static tcpsift_tracker *tracker(void)
{
    tcpsift_tracker_config cfg;
    tcpsift_tracker_config_init(&cfg);
    tcpsift_tracker *t = NULL;
    assert_int_equal(tcpsift_tracker_create(&cfg, &t), TCPSIFT_OK);
    return t;
}

/* Identical connections, side tables compared by content (not by address). */
static void assert_equal_conns(const conn *a, const conn *b)
{
    assert_int_equal(a->ext != NULL, b->ext != NULL);
    if (a->ext) {
        assert_memory_equal(a->ext, b->ext, offsetof(conn_ext, rare));
        assert_int_equal(a->ext->rare != NULL, b->ext->rare != NULL);
        if (a->ext->rare)
            assert_memory_equal(a->ext->rare, b->ext->rare, offsetof(conn_rare, slot));
    }
    conn x = *a, y = *b;
    x.ext = y.ext = NULL;
    x.ext_slot = y.ext_slot = 0;
    assert_memory_equal(&x, &y, sizeof x);
}

/* The same, then both side tables released. */
static void assert_same_conn(tcpsift_tracker *t, conn *a, conn *b)
{
    assert_equal_conns(a, b);
    conn_ext_free(t, a);
    conn_ext_free(t, b);
}

static void packet_of(unsigned combo, int payload, int window, tcpsift_packet *pkt)
{
    memset(pkt, 0, sizeof *pkt);
    for (unsigned i = 0; i < NFLAGS; i++)
        if (combo & (1u << i)) pkt->tcp_flags |= (uint16_t)flag_bits[i];
    pkt->payload_len = payload ? 10 : 0;
    pkt->window = window ? 512 : 0;
    pkt->seq = 7000;
}

static void test_history_inline_matches_all(void **state)
{
    (void)state;
    tcpsift_tracker *t = tracker();
    uint64_t cases = 0;
    for (unsigned combo = 0; combo < (1u << NFLAGS); combo++)
        for (int payload = 0; payload <= 1; payload++)
            for (int window = 0; window <= 1; window++)
                for (int from = 0; from <= 1; from++)
                    for (unsigned once = 0; once < 64; once++)
                        for (int same_fin_seq = 0; same_fin_seq <= 1; same_fin_seq++)
                            for (int syn_seen = 0; syn_seen <= 1; syn_seen++)
                                for (size_t zs = 0; zs < NSTATES; zs++)
                                    for (size_t zp = 0; zp < NSTATES; zp++) {
                                        tcpsift_packet pkt;
                                        packet_of(combo, payload, window, &pkt);
                                        conn a;
                                        memset(&a, 0, sizeof a);
                                        a.proto = 6;
                                        endpoint *s = &a.ep[from];
                                        s->hist_once = (uint8_t)once;
                                        if (syn_seen) s->flags |= EP_SYN_SEEN;
                                        s->isn = pkt.seq;
                                        s->zeek = zeek_states[zs];
                                        a.ep[1 - from].zeek = zeek_states[zp];
                                        /* Some letters already there. */
                                        zeek_history_add(&a, 0, 'S');
                                        zeek_history_add(&a, 1, 'H');
                                        conn b = a, d = a;
                                        /* The last F and R seqs, in each copy's own side
                                         * table when their bits are set. */
                                        if (once & (SEQ_F_SET | SEQ_R_SET)) {
                                            conn *copies[3] = {&a, &b, &d};
                                            for (int k = 0; k < 3; k++) {
                                                conn_ext *x = conn_ext_get(t, copies[k]);
                                                assert_non_null(x);
                                                x->hist_seq_fin[from] =
                                                    same_fin_seq ? pkt.seq : pkt.seq + 1;
                                                x->hist_seq_rst[from] = pkt.seq;
                                            }
                                        }
                                        for (int rep = 0; rep < 2; rep++) {
                                            zeek_history_packet(t, &a, from, &pkt);
                                            zeek_history_packet_all(t, &b, from, &pkt);
                                            zeek_history_packet_first(t, &d, from, &pkt);
                                            assert_equal_conns(&a, &b);
                                            assert_equal_conns(&d, &b);
                                        }
                                        conn_ext_free(t, &d);
                                        assert_same_conn(t, &a, &b);
                                        cases++;
                                    }
    assert_int_equal(cases, 64ull * 2 * 2 * 2 * 64 * 2 * 2 * NSTATES * NSTATES);
    tcpsift_tracker_destroy(t);
}

static void test_endpoint_inline_matches_all(void **state)
{
    (void)state;
    tcpsift_tracker *t = tracker();
    for (unsigned combo = 0; combo < (1u << NFLAGS); combo++)
        for (int payload = 0; payload <= 1; payload++)
            for (int from = 0; from <= 1; from++)
                for (size_t zs = 0; zs < NSTATES; zs++)
                    for (size_t zp = 0; zp < NSTATES; zp++) {
                        tcpsift_packet pkt;
                        packet_of(combo, payload, 1, &pkt);
                        conn a;
                        memset(&a, 0, sizeof a);
                        a.proto = 6;
                        a.ep[from].zeek = zeek_states[zs];
                        a.ep[1 - from].zeek = zeek_states[zp];
                        conn b = a;
                        zeek_endpoint_update(&a, from, &pkt);
                        zeek_endpoint_update_all(&b, from, &pkt);
                        assert_same_conn(t, &a, &b);
                    }
    tcpsift_tracker_destroy(t);
}

/* The inline answers do record what they should (so the comparison above is not between two
 * calls that do nothing): a first D, a first F and its repeat, a FIN closing an endpoint. */
static void test_inline_records(void **state)
{
    (void)state;
    tcpsift_tracker *t = tracker();
    conn c;
    memset(&c, 0, sizeof c);
    c.proto = 6;
    c.ep[0].zeek = c.ep[1].zeek = ZEEK_ESTABLISHED;
    tcpsift_packet pkt;
    packet_of(1u << 3 | 1u << 4, 1, 1, &pkt); /* ACK PSH, data */
    zeek_history_packet(t, &c, 1, &pkt);
    zeek_history_packet(t, &c, 1, &pkt);
    packet_of(1u << 1 | 1u << 3, 0, 1, &pkt); /* FIN ACK */
    zeek_history_packet(t, &c, 0, &pkt);
    zeek_history_packet(t, &c, 0, &pkt); /* the same FIN again: no second F */
    pkt.seq++;
    zeek_history_packet(t, &c, 0, &pkt); /* a FIN at another seq: F again */
    zeek_endpoint_update(&c, 0, &pkt);
    char h[TCPSIFT_HISTORY_MAX + 1];
    zeek_history_string(&c, h);
    assert_string_equal(h, "dFF");
    assert_int_equal(c.ep[0].zeek, ZEEK_CLOSED);
    assert_int_equal(c.ep[1].zeek, ZEEK_ESTABLISHED);
    tcpsift_tracker_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_inline_matches_all),
        cmocka_unit_test(test_endpoint_inline_matches_all),
        cmocka_unit_test(test_inline_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

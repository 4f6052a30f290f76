/* The TCP endpoint state table: every cell walked against invariants, the
 * table checked against an independently written list of RFC 9293
 * transitions (rfc9293_transitions.h), the printers checked, and two-endpoint
 * scenarios walked through the documented event-raising rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rfc9293_transitions.h"
#include "tcpsift/anomaly.h"
#include "tcpsift/state.h"

#define NS TCPSIFT_ST_COUNT
#define NE TCPSIFT_EV_COUNT

static tcpsift_state_transition cell(int s, int e)
{
    const tcpsift_state_transition *c =
        tcpsift_state_table_cell((tcpsift_tcp_state)s, (tcpsift_state_event)e);
    assert_non_null(c);
    return *c;
}

/* ------------------------------------------------------------ every cell */

static void test_every_cell_is_deliberate(void **state)
{
    (void)state;
    for (int s = 0; s < NS; s++) {
        for (int e = 0; e < NE; e++) {
            tcpsift_state_transition c = cell(s, e);
            const char *why =
                tcpsift_state_table_reason((tcpsift_tcp_state)s, (tcpsift_state_event)e);
            /* A cell missing from the X-macro list would be all zero: UNSET. */
            assert_int_not_equal(c.kind, TCPSIFT_CELL_UNSET);
            assert_true(c.kind < TCPSIFT_CELL_KIND_COUNT);
            assert_true(c.next_state < NS);
            assert_true(c.action < TCPSIFT_ACT_COUNT);
            assert_true(c.anomaly < TCPSIFT_ANOMALY_COUNT);
            assert_non_null(why);
            assert_true(strlen(why) > 10);
            /* kind says whether the state moves. */
            if (c.kind == TCPSIFT_CELL_TRANSITION)
                assert_int_not_equal(c.next_state, s);
            else
                assert_int_equal(c.next_state, s);
            /* Impossible and ignored cells do nothing and raise nothing. */
            if (c.kind == TCPSIFT_CELL_IMPOSSIBLE || c.kind == TCPSIFT_CELL_IGNORED) {
                assert_int_equal(c.action, TCPSIFT_ACT_NONE);
                assert_int_equal(c.anomaly, TCPSIFT_ANOMALY_NONE);
            }
            /* tcpsift_state_next is the cell. */
            tcpsift_state_action act = TCPSIFT_ACT_COUNT;
            tcpsift_anomaly an = TCPSIFT_ANOMALY_COUNT;
            tcpsift_tcp_state n =
                tcpsift_state_next((tcpsift_tcp_state)s, (tcpsift_state_event)e, &act, &an);
            assert_int_equal(n, c.next_state);
            assert_int_equal(act, c.action);
            assert_int_equal(an, c.anomaly);
            /* NULL out-pointers are allowed. */
            assert_int_equal(
                tcpsift_state_next((tcpsift_tcp_state)s, (tcpsift_state_event)e, NULL, NULL),
                c.next_state);
        }
    }
}

static void test_unknown_is_never_reentered(void **state)
{
    (void)state;
    /* Once heard from (or inferred), an endpoint never goes back to UNKNOWN. */
    for (int s = 0; s < NS; s++)
        for (int e = 0; e < NE; e++)
            if (s != TCPSIFT_ST_UNKNOWN)
                assert_int_not_equal(cell(s, e).next_state, TCPSIFT_ST_UNKNOWN);
}

static void test_time_wait_exits(void **state)
{
    (void)state;
    for (int e = 0; e < NE; e++) {
        tcpsift_state_transition c = cell(TCPSIFT_ST_TIME_WAIT, e);
        switch ((tcpsift_state_event)e) {
        case TCPSIFT_EV_TIMEOUT:
            assert_int_equal(c.next_state, TCPSIFT_ST_CLOSED);
            assert_int_equal(c.anomaly, TCPSIFT_ANOMALY_NONE);
            break;
        case TCPSIFT_EV_SEND_RST:
        case TCPSIFT_EV_RECV_RST:
            assert_int_equal(c.next_state, TCPSIFT_ST_CLOSED);
            assert_int_equal(c.action, TCPSIFT_ACT_ABORT);
            break;
        case TCPSIFT_EV_SEND_SYN: /* a new SYN reopens the tuple (RFC 6191) */
            assert_int_equal(c.next_state, TCPSIFT_ST_SYN_SENT);
            assert_int_equal(c.action, TCPSIFT_ACT_RECORD_ISN);
            assert_int_equal(c.anomaly, TCPSIFT_ANOMALY_TUPLE_REUSE);
            break;
        case TCPSIFT_EV_SEND_SYNACK:
            assert_int_equal(c.next_state, TCPSIFT_ST_SYN_RECEIVED);
            assert_int_equal(c.action, TCPSIFT_ACT_RECORD_ISN);
            assert_int_equal(c.anomaly, TCPSIFT_ANOMALY_TUPLE_REUSE);
            break;
        case TCPSIFT_EV_SEND_FIN: /* its FIN re-sent: the ACK seen was lost */
            assert_int_equal(c.next_state, TCPSIFT_ST_TIME_WAIT);
            assert_int_equal(c.anomaly, TCPSIFT_ANOMALY_RETRANSMISSION);
            break;
        case TCPSIFT_EV_RESEND_SYN: /* a late duplicate reopens nothing */
        case TCPSIFT_EV_SEND_ACK_OF_SYN:
        case TCPSIFT_EV_SEND_DATA:
        case TCPSIFT_EV_SEND_ACK_OF_FIN:
        case TCPSIFT_EV_RECV_ACK_OF_SYN:
        case TCPSIFT_EV_RECV_ACK_OF_FIN:
        case TCPSIFT_EV_MIDSTREAM:
        case TCPSIFT_EV_FIN_REFUTED: /* its FIN was acknowledged to get here */
            assert_int_equal(c.next_state, TCPSIFT_ST_TIME_WAIT);
            break;
        case TCPSIFT_EV_COUNT:
            fail();
        }
    }
    /* TIMEOUT moves nothing else: idle expiry ends tracking, not endpoints. */
    for (int s = 0; s < NS; s++)
        if (s != TCPSIFT_ST_TIME_WAIT) assert_int_equal(cell(s, TCPSIFT_EV_TIMEOUT).next_state, s);
}

static void test_closed_reached_only_by_documented_events(void **state)
{
    (void)state;
    int n_into_closed = 0;
    for (int s = 0; s < NS; s++) {
        if (s == TCPSIFT_ST_CLOSED) continue;
        for (int e = 0; e < NE; e++) {
            tcpsift_state_transition c = cell(s, e);
            if (c.next_state != TCPSIFT_ST_CLOSED) continue;
            n_into_closed++;
            if (e == TCPSIFT_EV_SEND_RST || e == TCPSIFT_EV_RECV_RST) {
                assert_int_equal(c.action, TCPSIFT_ACT_ABORT);
            } else if (e == TCPSIFT_EV_TIMEOUT) {
                assert_int_equal(s, TCPSIFT_ST_TIME_WAIT);
            } else if (e == TCPSIFT_EV_RECV_ACK_OF_FIN) {
                assert_int_equal(s, TCPSIFT_ST_LAST_ACK);
            } else {
                print_error("%s + %s -> CLOSED is not a documented way in\n",
                            tcpsift_tcp_state_name((tcpsift_tcp_state)s),
                            tcpsift_state_event_name((tcpsift_state_event)e));
                fail();
            }
        }
    }
    /* 8 synchronized states + SYN_SENT + SYN_RECEIVED(send) + UNKNOWN(send) by RST, plus
     * TIME_WAIT timeout and LAST_ACK's ACK of FIN: counted so a new way in is noticed. */
    assert_int_equal(n_into_closed, 20);
}

static void test_time_wait_entered_with_timer(void **state)
{
    (void)state;
    for (int s = 0; s < NS; s++)
        for (int e = 0; e < NE; e++)
            if (s != TCPSIFT_ST_TIME_WAIT && cell(s, e).next_state == TCPSIFT_ST_TIME_WAIT)
                assert_int_equal(cell(s, e).action, TCPSIFT_ACT_START_TIME_WAIT_TIMER);
}

static void test_accepted_rst_closes_synchronized_states(void **state)
{
    (void)state;
    const tcpsift_tcp_state sync[] = {
        TCPSIFT_ST_SYN_SENT,   TCPSIFT_ST_ESTABLISHED, TCPSIFT_ST_FIN_WAIT_1, TCPSIFT_ST_FIN_WAIT_2,
        TCPSIFT_ST_CLOSE_WAIT, TCPSIFT_ST_CLOSING,     TCPSIFT_ST_LAST_ACK,   TCPSIFT_ST_TIME_WAIT};
    for (size_t i = 0; i < sizeof sync / sizeof sync[0]; i++) {
        assert_int_equal(cell(sync[i], TCPSIFT_EV_RECV_RST).next_state, TCPSIFT_ST_CLOSED);
        assert_int_equal(cell(sync[i], TCPSIFT_EV_SEND_RST).next_state, TCPSIFT_ST_CLOSED);
    }
}

/* Breadth-first search over the table from one start state. */
static unsigned reachable_from(tcpsift_tcp_state start)
{
    unsigned seen = 1u << start;
    int queue[NS], head = 0, tail = 0;
    queue[tail++] = start;
    while (head < tail) {
        int s = queue[head++];
        for (int e = 0; e < NE; e++) {
            int n = cell(s, e).next_state;
            if (!(seen & (1u << n))) {
                seen |= 1u << n;
                queue[tail++] = n;
            }
        }
    }
    return seen;
}

static void test_every_state_reachable(void **state)
{
    (void)state;
    unsigned all = (1u << NS) - 1;
    assert_int_equal(reachable_from(TCPSIFT_ST_UNKNOWN), all);
    /* From CLOSED, everything but UNKNOWN (which is only a starting point). */
    assert_int_equal(reachable_from(TCPSIFT_ST_CLOSED), all & ~(1u << TCPSIFT_ST_UNKNOWN));
    /* And every state can still end: CLOSED is reachable from each. */
    for (int s = 0; s < NS; s++)
        assert_true(reachable_from((tcpsift_tcp_state)s) & (1u << TCPSIFT_ST_CLOSED));
}

/* FIN_REFUTED undoes SEND_FIN: from the state a FIN led to, back to the one it left (SYN-RECEIVED
 * excepted: the peer acknowledged bytes past the FIN, so its SYN too: ESTABLISHED), and undoing
 * it commutes with acknowledging the peer's FIN (crossing FINs: CLOSING, without its own FIN, is
 * ESTABLISHED having acked the peer's: CLOSE-WAIT). Every cell that can be taken notes it. */
static void test_fin_refuted_undoes_send_fin(void **state)
{
    (void)state;
    int undone = 0;
    for (int s = 0; s < NS; s++) {
        tcpsift_state_transition fin = cell(s, TCPSIFT_EV_SEND_FIN);
        if (fin.kind != TCPSIFT_CELL_TRANSITION) continue;
        tcpsift_state_transition back = cell(fin.next_state, TCPSIFT_EV_FIN_REFUTED);
        assert_int_equal(back.kind, TCPSIFT_CELL_TRANSITION);
        assert_int_equal(back.next_state,
                         s == TCPSIFT_ST_SYN_RECEIVED ? TCPSIFT_ST_ESTABLISHED : s);
        undone++;
    }
    assert_int_equal(undone, 3); /* ESTABLISHED, SYN_RECEIVED, CLOSE_WAIT */
    for (int s = 0; s < NS; s++) {
        tcpsift_state_transition r = cell(s, TCPSIFT_EV_FIN_REFUTED);
        if (r.kind != TCPSIFT_CELL_TRANSITION) continue;
        tcpsift_tcp_state acked = (tcpsift_tcp_state)cell(s, TCPSIFT_EV_SEND_ACK_OF_FIN).next_state;
        if (cell(acked, TCPSIFT_EV_FIN_REFUTED).kind == TCPSIFT_CELL_TRANSITION)
            assert_int_equal(cell(acked, TCPSIFT_EV_FIN_REFUTED).next_state,
                             cell(r.next_state, TCPSIFT_EV_SEND_ACK_OF_FIN).next_state);
    }
    for (int s = 0; s < NS; s++) {
        tcpsift_state_transition r = cell(s, TCPSIFT_EV_FIN_REFUTED);
        if (r.kind == TCPSIFT_CELL_IMPOSSIBLE) continue;
        assert_int_equal(r.anomaly, TCPSIFT_ANOMALY_FIN_REFUTED);
        assert_int_equal(r.action, TCPSIFT_ACT_NONE);
    }
    /* An acknowledged FIN is never refuted: the states only its acknowledgement leads to. */
    assert_int_equal(cell(TCPSIFT_ST_FIN_WAIT_2, TCPSIFT_EV_FIN_REFUTED).kind, TCPSIFT_CELL_IMPOSSIBLE);
    assert_int_equal(cell(TCPSIFT_ST_TIME_WAIT, TCPSIFT_EV_FIN_REFUTED).kind, TCPSIFT_CELL_IMPOSSIBLE);
}

/* ------------------------------------------------------------ names */

static void test_state_and_event_names(void **state)
{
    (void)state;
    static const char *const want[NS] = {"UNKNOWN",      "CLOSED",      "LISTEN",     "SYN_SENT",
                                         "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
                                         "CLOSE_WAIT",   "CLOSING",     "LAST_ACK",   "TIME_WAIT"};
    for (int s = 0; s < NS; s++)
        assert_string_equal(tcpsift_tcp_state_name((tcpsift_tcp_state)s), want[s]);
    assert_string_equal(tcpsift_tcp_state_name(TCPSIFT_ST_COUNT), "invalid");
    assert_string_equal(tcpsift_tcp_state_name((tcpsift_tcp_state)-1), "invalid");
    assert_string_equal(tcpsift_state_event_name(TCPSIFT_EV_SEND_ACK_OF_FIN), "SEND_ACK_OF_FIN");
    assert_string_equal(tcpsift_state_event_name(TCPSIFT_EV_MIDSTREAM), "MIDSTREAM");
    assert_string_equal(tcpsift_state_event_name(TCPSIFT_EV_RESEND_SYN), "RESEND_SYN");
    assert_string_equal(tcpsift_state_event_name(TCPSIFT_EV_COUNT), "invalid");
    assert_string_equal(tcpsift_state_action_name(TCPSIFT_ACT_START_TIME_WAIT_TIMER),
                        "start_time_wait_timer");
    assert_string_equal(tcpsift_state_action_name(TCPSIFT_ACT_COUNT), "invalid");
    assert_string_equal(tcpsift_state_cell_kind_name(TCPSIFT_CELL_IMPOSSIBLE), "impossible");
    /* Event names are distinct and upper-case. */
    for (int a = 0; a < NE; a++) {
        const char *na = tcpsift_state_event_name((tcpsift_state_event)a);
        for (const char *p = na; *p; p++)
            assert_true((*p >= 'A' && *p <= 'Z') || *p == '_');
        for (int b = a + 1; b < NE; b++)
            assert_string_not_equal(na, tcpsift_state_event_name((tcpsift_state_event)b));
    }
}

static void test_anomaly_names(void **state)
{
    (void)state;
    assert_true(TCPSIFT_ANOMALY_COUNT <= 64); /* the scenario driver keeps a 64-bit set */
    static const char *const required[] = {"retransmission",
                                           "out_of_order",
                                           "duplicate_ack",
                                           "zero_window",
                                           "keep_alive",
                                           "window_update",
                                           "lost_segment",
                                           "ack_unseen_segment",
                                           "rst_out_of_window",
                                           "rst_in_window_pending",
                                           "syn_with_data",
                                           "data_after_fin",
                                           "invalid_flag_combination",
                                           "bad_checksum",
                                           "ack_out_of_window",
                                           "window_shrunk",
                                           "tuple_reuse",
                                           "overlap_mismatch",
                                           "bad_option"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        int found = 0;
        for (int a = 0; a < TCPSIFT_ANOMALY_COUNT; a++)
            if (strcmp(tcpsift_anomaly_name((tcpsift_anomaly)a), required[i]) == 0) found++;
        if (found != 1) print_error("anomaly %s found %d times\n", required[i], found);
        assert_int_equal(found, 1);
    }
    assert_string_equal(tcpsift_anomaly_name(TCPSIFT_ANOMALY_NONE), "none");
    assert_string_equal(tcpsift_anomaly_name(TCPSIFT_ANOMALY_DATA_AFTER_FIN), "data_after_fin");
    assert_string_equal(tcpsift_anomaly_name(TCPSIFT_ANOMALY_COUNT), "unknown_anomaly");
    assert_string_equal(tcpsift_anomaly_text(TCPSIFT_ANOMALY_COUNT), "unknown anomaly");
    for (int a = 0; a < TCPSIFT_ANOMALY_COUNT; a++) {
        const char *n = tcpsift_anomaly_name((tcpsift_anomaly)a);
        assert_true(n[0] >= 'a' && n[0] <= 'z');
        for (const char *p = n; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        assert_true(strlen(tcpsift_anomaly_text((tcpsift_anomaly)a)) > 5);
        for (int b = a + 1; b < TCPSIFT_ANOMALY_COUNT; b++)
            assert_string_not_equal(n, tcpsift_anomaly_name((tcpsift_anomaly)b));
    }
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_null(tcpsift_state_table_cell(TCPSIFT_ST_COUNT, TCPSIFT_EV_SEND_SYN));
    assert_null(tcpsift_state_table_cell(TCPSIFT_ST_CLOSED, TCPSIFT_EV_COUNT));
    assert_null(tcpsift_state_table_reason(TCPSIFT_ST_CLOSED, TCPSIFT_EV_COUNT));
    tcpsift_state_action act = TCPSIFT_ACT_ABORT;
    tcpsift_anomaly an = TCPSIFT_ANOMALY_RETRANSMISSION;
    assert_int_equal(tcpsift_state_next(TCPSIFT_ST_ESTABLISHED, TCPSIFT_EV_COUNT, &act, &an),
                     TCPSIFT_ST_ESTABLISHED);
    assert_int_equal(act, TCPSIFT_ACT_NONE);
    assert_int_equal(an, TCPSIFT_ANOMALY_NONE);
    assert_int_equal(tcpsift_state_next(TCPSIFT_ST_COUNT, TCPSIFT_EV_SEND_SYN, &act, &an),
                     TCPSIFT_ST_COUNT);
    assert_int_equal(tcpsift_state_table_print_dot(NULL), -1);
    assert_int_equal(tcpsift_state_table_print_text(NULL), -1);
}

/* ------------------------------------------------------------ RFC list */

static void test_rfc9293_transitions(void **state)
{
    (void)state;
    size_t n = sizeof rfc9293_transitions / sizeof rfc9293_transitions[0];
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        const struct rfc_transition *t = &rfc9293_transitions[i];
        tcpsift_tcp_state s = t->from;
        tcpsift_anomaly an = TCPSIFT_ANOMALY_NONE;
        for (int k = 0; k < t->n_events; k++)
            s = tcpsift_state_next(s, t->events[k], NULL, &an);
        if (s != t->to || (t->anomaly != RFC_ANY_ANOMALY && (int)an != t->anomaly)) {
            print_error("RFC 9293 [%s]: %s -> got %s (%s), want %s (%s)\n", t->rfc,
                        tcpsift_tcp_state_name(t->from), tcpsift_tcp_state_name(s),
                        tcpsift_anomaly_name(an), tcpsift_tcp_state_name(t->to),
                        t->anomaly == RFC_ANY_ANOMALY
                            ? "any"
                            : tcpsift_anomaly_name((tcpsift_anomaly)t->anomaly));
            fail();
        }
    }
    /* Every state of Figure 5 appears as a source in the list. */
    for (tcpsift_tcp_state st = TCPSIFT_ST_CLOSED; st < TCPSIFT_ST_COUNT; st++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= rfc9293_transitions[i].from == st;
        assert_true(found);
    }
}

/* ------------------------------------------------------------ printers */

static char *print_to_string(int (*printer)(FILE *), size_t *len_out)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(printer(f), 0);
    long len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    *len_out = (size_t)len;
    return buf;
}

static size_t count_substr(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_dot_output(void **state)
{
    (void)state;
    size_t len;
    char *dot = print_to_string(tcpsift_state_table_print_dot, &len);
    assert_int_equal(strncmp(dot, "digraph tcpsift_tcp_endpoint {\n", 31), 0);
    assert_string_equal(dot + len - 2, "}\n");
    assert_int_equal(count_substr(dot, "{"), 1);
    assert_int_equal(count_substr(dot, "}"), 1);
    assert_int_equal(count_substr(dot, "\"") % 2, 0);
    char line[64];
    for (int s = 0; s < NS; s++) {
        const char *name = tcpsift_tcp_state_name((tcpsift_tcp_state)s);
        snprintf(line, sizeof line, "\n  %s;\n", name);
        if (s == TCPSIFT_ST_UNKNOWN) snprintf(line, sizeof line, "\n  %s [", name);
        assert_non_null(strstr(dot, line));
    }
    /* Edges of Figure 5 are present with their events. */
    assert_non_null(strstr(dot, "ESTABLISHED -> FIN_WAIT_1 [label=\"SEND_FIN\"]"));
    assert_non_null(strstr(dot, "FIN_WAIT_1 -> CLOSING [label=\"SEND_ACK_OF_FIN\"]"));
    assert_non_null(strstr(dot, "TIME_WAIT -> CLOSED [label=\"SEND_RST\\nRECV_RST\\nTIMEOUT\"]"));
    assert_non_null(strstr(dot, "SYN_SENT -> SYN_RECEIVED [label=\"SEND_SYNACK\"]"));
    assert_non_null(strstr(dot, "TIME_WAIT -> SYN_SENT [label=\"SEND_SYN (tuple_reuse)\"]"));
    /* One solid edge per distinct (from, to) pair, one dashed loop per state with anomalies. */
    size_t pairs = 0, loops = 0;
    for (int s = 0; s < NS; s++) {
        unsigned to_seen = 0;
        int has_loop = 0;
        for (int e = 0; e < NE; e++) {
            tcpsift_state_transition c = cell(s, e);
            if (c.next_state != s)
                to_seen |= 1u << c.next_state;
            else if (c.anomaly != TCPSIFT_ANOMALY_NONE)
                has_loop = 1;
        }
        pairs += (size_t)__builtin_popcount(to_seen);
        loops += (size_t)has_loop;
    }
    assert_int_equal(count_substr(dot, " -> "), pairs + loops);
    assert_int_equal(count_substr(dot, "style=dashed, fontsize"), loops);
    free(dot);
}

static void test_text_output(void **state)
{
    (void)state;
    size_t len;
    char *txt = print_to_string(tcpsift_state_table_print_text, &len);
    assert_int_equal(count_substr(txt, "\n"), 1 + NS * NE);
    assert_non_null(strstr(txt, "LAST_ACK      RECV_ACK_OF_FIN  CLOSED"));
    assert_non_null(strstr(txt, "FIN_WAIT_1    SEND_DATA        FIN_WAIT_1    none"
                                "                   data_after_fin"));
    free(txt);
}

/* ------------------------------------------------------------ scenarios */

enum { CLI = 0, SRV = 1 };

struct pair {
    tcpsift_tcp_state st[2];
    unsigned visited[2]; /* bit per state each endpoint passed through */
    int anomalies[TCPSIFT_ANOMALY_COUNT];
    int actions[2][TCPSIFT_ACT_COUNT];
};

static void pair_init(struct pair *p)
{
    memset(p, 0, sizeof *p);
    p->st[CLI] = p->st[SRV] = TCPSIFT_ST_UNKNOWN;
    p->visited[CLI] = p->visited[SRV] = 1u << TCPSIFT_ST_UNKNOWN;
}

/* Feeds one event. Within one segment (`seen` not NULL) each anomaly is
 * counted once, as docs/state-events.md asks of the tracker. */
static void raise_on(struct pair *p, int who, tcpsift_state_event e, uint64_t *seen)
{
    tcpsift_state_action act;
    tcpsift_anomaly an;
    p->st[who] = tcpsift_state_next(p->st[who], e, &act, &an);
    p->visited[who] |= 1u << p->st[who];
    if (an != TCPSIFT_ANOMALY_NONE && !(seen && (*seen & (UINT64_C(1) << an)))) {
        p->anomalies[an]++;
        if (seen) *seen |= UINT64_C(1) << an;
    }
    p->actions[who][act]++;
}

static void raise_event(struct pair *p, int who, tcpsift_state_event e)
{
    raise_on(p, who, e, NULL);
}

/* One observed segment from `who`, raising events in the order
 * docs/state-events.md prescribes. Letters: M midstream pickup (first
 * segment of the connection), S SYN flag (with r: repeating the sender's
 * recorded ISN), A the ACK covers the peer's SYN,
 * a the ACK covers the peer's FIN, D new payload, F FIN flag, R accepted RST. */
static void seg(struct pair *p, int who, const char *flags)
{
    int peer = 1 - who;
    int m = strchr(flags, 'M') != NULL, syn = strchr(flags, 'S') != NULL;
    int ack_syn = strchr(flags, 'A') != NULL, ack_fin = strchr(flags, 'a') != NULL;
    int data = strchr(flags, 'D') != NULL, fin = strchr(flags, 'F') != NULL;
    int rst = strchr(flags, 'R') != NULL, resend = strchr(flags, 'r') != NULL;
    uint64_t seen = 0;
    if (m) {
        raise_on(p, who, TCPSIFT_EV_MIDSTREAM, &seen);
        raise_on(p, peer, TCPSIFT_EV_MIDSTREAM, &seen);
    }
    if (rst) { /* a RST's ACK field is not an acknowledgement (§3.10.7.3) */
        raise_on(p, who, TCPSIFT_EV_SEND_RST, &seen);
        raise_on(p, peer, TCPSIFT_EV_RECV_RST, &seen);
        return;
    }
    if (syn && ack_syn)
        raise_on(p, who, TCPSIFT_EV_SEND_SYNACK, &seen);
    else if (syn)
        raise_on(p, who, resend ? TCPSIFT_EV_RESEND_SYN : TCPSIFT_EV_SEND_SYN, &seen);
    else if (ack_syn)
        raise_on(p, who, TCPSIFT_EV_SEND_ACK_OF_SYN, &seen);
    if (ack_fin) raise_on(p, who, TCPSIFT_EV_SEND_ACK_OF_FIN, &seen);
    if (data) raise_on(p, who, TCPSIFT_EV_SEND_DATA, &seen);
    if (fin) raise_on(p, who, TCPSIFT_EV_SEND_FIN, &seen);
    if (ack_syn) raise_on(p, peer, TCPSIFT_EV_RECV_ACK_OF_SYN, &seen);
    if (ack_fin) raise_on(p, peer, TCPSIFT_EV_RECV_ACK_OF_FIN, &seen);
}

static int total_anomalies(const struct pair *p)
{
    int n = 0;
    for (int a = 1; a < TCPSIFT_ANOMALY_COUNT; a++)
        n += p->anomalies[a];
    return n;
}

#define ST(x) TCPSIFT_ST_##x
#define ASSERT_STATES(p, c, s)                                                                     \
    do {                                                                                           \
        assert_string_equal(tcpsift_tcp_state_name((p)->st[CLI]), tcpsift_tcp_state_name(ST(c)));  \
        assert_string_equal(tcpsift_tcp_state_name((p)->st[SRV]), tcpsift_tcp_state_name(ST(s)));  \
    } while (0)

static void open_normally(struct pair *p)
{
    pair_init(p);
    seg(p, CLI, "S");
    ASSERT_STATES(p, SYN_SENT, UNKNOWN);
    seg(p, SRV, "SA");
    ASSERT_STATES(p, SYN_SENT, SYN_RECEIVED);
    seg(p, CLI, "A");
    ASSERT_STATES(p, ESTABLISHED, ESTABLISHED);
}

static void test_scenario_normal_open(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, CLI, "AD");
    seg(&p, SRV, "AD");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(total_anomalies(&p), 0);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_RECORD_ISN], 1);
    assert_int_equal(p.actions[SRV][TCPSIFT_ACT_RECORD_ISN], 1);
}

static void test_scenario_syn_and_synack_retransmission(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, CLI, "Sr");
    seg(&p, SRV, "SA");
    seg(&p, SRV, "SA");
    ASSERT_STATES(&p, SYN_SENT, SYN_RECEIVED);
    seg(&p, CLI, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_RETRANSMISSION], 2);
    assert_int_equal(total_anomalies(&p), 2);
}

static void test_scenario_syn_unanswered_and_rejected(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, CLI, "Sr");
    seg(&p, CLI, "Sr");
    ASSERT_STATES(&p, SYN_SENT, UNKNOWN); /* contract: the silent server stays UNKNOWN */
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_RETRANSMISSION], 2);
    seg(&p, CLI, "S"); /* the tracker raises SEND_SYN for every re-sent SYN today */
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_RETRANSMISSION], 3);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_RECORD_ISN], 1);

    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "RA"); /* RST,ACK answering the SYN */
    ASSERT_STATES(&p, CLOSED, CLOSED);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_ABORT], 1);
    assert_int_equal(total_anomalies(&p), 0);
    /* The client's SYN re-sent before the RST reached it is stale: no reopening. */
    seg(&p, CLI, "Sr");
    ASSERT_STATES(&p, CLOSED, CLOSED);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_SEGMENT_AFTER_CLOSE], 1);
    /* A SYN with a new ISN is a new incarnation. */
    seg(&p, CLI, "S");
    ASSERT_STATES(&p, SYN_SENT, CLOSED);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_TUPLE_REUSE], 1);
}

static void test_scenario_simultaneous_open(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "S");
    ASSERT_STATES(&p, SYN_SENT, SYN_SENT);
    seg(&p, CLI, "SA");
    ASSERT_STATES(&p, SYN_RECEIVED, SYN_SENT);
    seg(&p, SRV, "SA");
    ASSERT_STATES(&p, ESTABLISHED, SYN_RECEIVED);
    seg(&p, CLI, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_true(p.visited[CLI] & (1u << ST(SYN_RECEIVED)));
    assert_true(p.visited[SRV] & (1u << ST(SYN_RECEIVED)));
    assert_int_equal(total_anomalies(&p), 0);
}

static void test_scenario_simultaneous_open_synack_lost(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "S");
    seg(&p, SRV, "SA"); /* acks the client's SYN while the client is still SYN_SENT */
    seg(&p, CLI, "SA"); /* lost after the capture point */
    ASSERT_STATES(&p, SYN_RECEIVED, ESTABLISHED);
    /* The client got the server's SYN,ACK and acks it: a SYN_RECEIVED end sending a segment
     * without SYN has left SYN_RECEIVED (Spin found the client otherwise stuck there). */
    seg(&p, CLI, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(total_anomalies(&p), 0);
}

static void test_scenario_split_handshake(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "S");  /* the server answers with a bare SYN */
    seg(&p, CLI, "SA"); /* the client answers that with SYN,ACK */
    ASSERT_STATES(&p, SYN_RECEIVED, SYN_SENT);
    seg(&p, SRV, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(total_anomalies(&p), 0);

    /* The other split: the server acks the SYN without a SYN of its own. */
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "A");
    ASSERT_STATES(&p, SYN_SENT, UNKNOWN);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_ACK_BEFORE_SYN], 1);
    seg(&p, SRV, "S");
    seg(&p, CLI, "SA");
    seg(&p, SRV, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
}

static void test_scenario_close_from_client(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, CLI, "AF");
    ASSERT_STATES(&p, FIN_WAIT_1, ESTABLISHED); /* no evidence yet that the server got it */
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, FIN_WAIT_2, CLOSE_WAIT);
    seg(&p, SRV, "AaF");
    ASSERT_STATES(&p, FIN_WAIT_2, LAST_ACK);
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, CLOSED);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_START_TIME_WAIT_TIMER], 1);
    raise_event(&p, CLI, TCPSIFT_EV_TIMEOUT);
    ASSERT_STATES(&p, CLOSED, CLOSED);
    assert_int_equal(total_anomalies(&p), 0);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_RECORD_FIN_SEQ], 1);
    assert_int_equal(p.actions[SRV][TCPSIFT_ACT_RECORD_FIN_SEQ], 1);
}

static void test_scenario_close_from_server_three_way(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, SRV, "AF");
    seg(&p, CLI, "AaF"); /* FIN,ACK answering the FIN at once */
    ASSERT_STATES(&p, LAST_ACK, FIN_WAIT_2);
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, CLOSED, TIME_WAIT);
    assert_false(p.visited[SRV] & (1u << ST(CLOSING)));
    assert_int_equal(total_anomalies(&p), 0);
}

static void test_scenario_simultaneous_close(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "AF"); /* crossing FIN: its ACK does not cover the client's FIN */
    ASSERT_STATES(&p, FIN_WAIT_1, FIN_WAIT_1);
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, CLOSING, FIN_WAIT_2);
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, TIME_WAIT);
    assert_true(p.visited[CLI] & (1u << ST(CLOSING)));
    assert_int_equal(total_anomalies(&p), 0);

    /* The ACKs seen in the other order: the server passes through CLOSING. */
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "AF");
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, FIN_WAIT_2, CLOSING);
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, TIME_WAIT);
}

static void test_scenario_half_close(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "Aa");
    seg(&p, SRV, "AaD"); /* data keeps flowing server -> client */
    seg(&p, CLI, "A");
    seg(&p, SRV, "AaD");
    ASSERT_STATES(&p, FIN_WAIT_2, CLOSE_WAIT);
    assert_int_equal(total_anomalies(&p), 0);
    seg(&p, SRV, "AaF");
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, CLOSED);
}

static void test_scenario_fin_retransmission_and_data_after_fin(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, CLI, "AF");
    ASSERT_STATES(&p, FIN_WAIT_1, ESTABLISHED);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_RETRANSMISSION], 1);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_RECORD_FIN_SEQ], 1);
    seg(&p, CLI, "AD");
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_DATA_AFTER_FIN], 1);
    ASSERT_STATES(&p, FIN_WAIT_1, ESTABLISHED);

    /* The last ACK is seen but lost before the LAST_ACK end, which re-sends its FIN: the
     * observer already closed it, so the repeat is noticed; the TIME_WAIT end re-acks and
     * restarts its 2 MSL timer (§3.10.7.4 eighth). */
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "AaF");
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, CLOSED);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_START_TIME_WAIT_TIMER], 1);
    seg(&p, SRV, "AaF");
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_SEGMENT_AFTER_CLOSE], 1);
    seg(&p, CLI, "Aa");
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_START_TIME_WAIT_TIMER], 2);
    ASSERT_STATES(&p, TIME_WAIT, CLOSED);
    assert_int_equal(total_anomalies(&p), 1);
}

static void test_scenario_ack_lost_after_capture_point(void **state)
{
    (void)state;
    struct pair p;
    /* The handshake ACK is seen, then lost: the server re-sends its SYN,ACK, the client
     * re-acks, and the server stays ESTABLISHED throughout (it is, once the re-ACK lands). */
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "SA");
    seg(&p, CLI, "A");
    seg(&p, SRV, "SA");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    seg(&p, CLI, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_RETRANSMISSION], 1);

    /* The ACK of the client's FIN is seen, then lost: the client re-sends its FIN. */
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "Aa");
    seg(&p, CLI, "AF");
    ASSERT_STATES(&p, FIN_WAIT_2, CLOSE_WAIT);
    seg(&p, SRV, "AaF");
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, CLOSED);

    /* Simultaneous close, one closing ACK lost: the re-sent FIN is re-acked. */
    open_normally(&p);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "AF");
    seg(&p, CLI, "Aa");
    seg(&p, SRV, "Aa"); /* lost after the capture point */
    ASSERT_STATES(&p, TIME_WAIT, TIME_WAIT);
    seg(&p, CLI, "AaF");
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, TIME_WAIT);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_RETRANSMISSION], 1);
    assert_int_equal(p.actions[SRV][TCPSIFT_ACT_START_TIME_WAIT_TIMER], 2); /* restarted */
}

static void test_scenario_rst(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, SRV, "AD");
    seg(&p, CLI, "R");
    ASSERT_STATES(&p, CLOSED, CLOSED);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_ABORT], 1);
    assert_int_equal(p.actions[SRV][TCPSIFT_ACT_ABORT], 1);
    seg(&p, SRV, "AD"); /* the reset server keeps talking */
    /* ack and data after the close: one anomaly for the one segment */
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_SEGMENT_AFTER_CLOSE], 1);

    /* A SYN,ACK it sent before the RST reached it is stale: it does not reopen it. */
    seg(&p, SRV, "SA");
    ASSERT_STATES(&p, CLOSED, CLOSED);
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_SEGMENT_AFTER_CLOSE], 2);

    /* A RST answering a SYN,ACK: the passive opener returns to LISTEN. */
    pair_init(&p);
    seg(&p, CLI, "S");
    seg(&p, SRV, "SA");
    seg(&p, CLI, "R");
    ASSERT_STATES(&p, CLOSED, LISTEN);
}

static void test_scenario_midstream_and_flipped(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p);
    seg(&p, CLI, "MAD");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_MARK_INFERRED], 1);
    assert_int_equal(p.actions[SRV][TCPSIFT_ACT_MARK_INFERRED], 1);
    seg(&p, SRV, "AF");
    seg(&p, CLI, "AaF");
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, CLOSED, TIME_WAIT);

    /* First segment seen is the SYN,ACK: the client's SYN is inferred. */
    pair_init(&p);
    seg(&p, SRV, "SA");
    ASSERT_STATES(&p, SYN_SENT, SYN_RECEIVED);
    assert_int_equal(p.actions[CLI][TCPSIFT_ACT_MARK_INFERRED], 1);
    seg(&p, CLI, "A");
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    assert_int_equal(total_anomalies(&p), 0);
}

static void test_scenario_time_wait_reuse_and_synchronized_syn(void **state)
{
    (void)state;
    struct pair p;
    open_normally(&p);
    seg(&p, CLI, "S");
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_SYN_IN_SYNCHRONIZED_STATE], 1);
    ASSERT_STATES(&p, ESTABLISHED, ESTABLISHED);
    seg(&p, CLI, "AF");
    seg(&p, SRV, "AaF");
    seg(&p, CLI, "Aa");
    ASSERT_STATES(&p, TIME_WAIT, CLOSED);
    seg(&p, CLI, "S"); /* same tuple, new SYN from TIME_WAIT */
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_TUPLE_REUSE], 1);
    ASSERT_STATES(&p, SYN_SENT, CLOSED);
    /* On tuple_reuse the tracker starts a new connection with fresh endpoints. */
    struct pair q;
    open_normally(&q);
    assert_int_equal(total_anomalies(&q), 0);

    /* Same from CLOSED (the server closed last, then the client reconnects). */
    open_normally(&p);
    seg(&p, SRV, "AF");
    seg(&p, CLI, "AaF");
    seg(&p, SRV, "Aa");
    ASSERT_STATES(&p, CLOSED, TIME_WAIT);
    seg(&p, CLI, "S");
    assert_int_equal(p.anomalies[TCPSIFT_ANOMALY_TUPLE_REUSE], 1);
    ASSERT_STATES(&p, SYN_SENT, TIME_WAIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cell_is_deliberate),
        cmocka_unit_test(test_unknown_is_never_reentered),
        cmocka_unit_test(test_time_wait_exits),
        cmocka_unit_test(test_closed_reached_only_by_documented_events),
        cmocka_unit_test(test_time_wait_entered_with_timer),
        cmocka_unit_test(test_accepted_rst_closes_synchronized_states),
        cmocka_unit_test(test_every_state_reachable),
        cmocka_unit_test(test_fin_refuted_undoes_send_fin),
        cmocka_unit_test(test_state_and_event_names),
        cmocka_unit_test(test_anomaly_names),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_rfc9293_transitions),
        cmocka_unit_test(test_dot_output),
        cmocka_unit_test(test_text_output),
        cmocka_unit_test(test_scenario_normal_open),
        cmocka_unit_test(test_scenario_syn_and_synack_retransmission),
        cmocka_unit_test(test_scenario_syn_unanswered_and_rejected),
        cmocka_unit_test(test_scenario_simultaneous_open),
        cmocka_unit_test(test_scenario_simultaneous_open_synack_lost),
        cmocka_unit_test(test_scenario_split_handshake),
        cmocka_unit_test(test_scenario_close_from_client),
        cmocka_unit_test(test_scenario_close_from_server_three_way),
        cmocka_unit_test(test_scenario_simultaneous_close),
        cmocka_unit_test(test_scenario_half_close),
        cmocka_unit_test(test_scenario_fin_retransmission_and_data_after_fin),
        cmocka_unit_test(test_scenario_ack_lost_after_capture_point),
        cmocka_unit_test(test_scenario_rst),
        cmocka_unit_test(test_scenario_midstream_and_flipped),
        cmocka_unit_test(test_scenario_time_wait_reuse_and_synchronized_syn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Per-segment analysis of one TCP connection, as a passive observer.
 *
 * For each accepted segment the observer derives events for the sender (S)
 * and the receiver (R) and feeds them to the explicit state table
 * (state_table.c); the order below is the one docs/state-events.md gives:
 * the sender's SYN, its acknowledgements of the peer's SYN and FIN, its new
 * data, its FIN, then an accepted RST. Sequence analysis (retransmission,
 * out-of-order, lost segments, duplicate ACKs, windows) follows the rules
 * tshark applies that do not depend on timing. */
#include <stddef.h>
#include <string.h>

#include "conn_internal.h"
#include "side_chunks.h"
#include "state_table_internal.h"
#include "tracker_internal.h"

void conn_count_event(struct tcpsift_tracker *t, conn *c, tcpsift_anomaly a)
{
    if (a == TCPSIFT_ANOMALY_NONE || (unsigned)a >= TCPSIFT_ANOMALY_COUNT) return;
    /* Each anomaly counts at most once per segment (docs/state-events.md). */
    uint64_t bit = (uint64_t)1 << (a % 64);
    if (t->segment_anomalies[a / 64] & bit) return;
    t->segment_anomalies[a / 64] |= bit;
    conn_event_add(t, c, a, 1);
    t->stats.events[a]++;
}

/* Whether anomaly `a` was counted for the segment being processed. */
static inline int segment_marked(const struct tcpsift_tracker *t, tcpsift_anomaly a)
{
    return (t->segment_anomalies[a / 64] >> (a % 64)) & 1;
}

conn_ext *conn_ext_get(struct tcpsift_tracker *t, conn *c)
{
    if (c->ext) return c->ext;
    conn_ext *x = side_take(t, &t->ext_chunks, sizeof *x, EXT_CHUNK, sizeof *x, &c->ext_slot);
    if (!x) t->stats.memcap_hits++;
    c->ext = x;
    return x;
}

conn_rare *conn_rare_get(struct tcpsift_tracker *t, conn *c)
{
    conn_ext *x = conn_ext_get(t, c);
    if (!x) return NULL; /* counted by conn_ext_get */
    if (x->rare) return x->rare;
    uint8_t slot;
    conn_rare *r =
        side_take(t, &t->rare_chunks, sizeof *r, RARE_CHUNK, offsetof(conn_rare, slot), &slot);
    if (!r) {
        t->stats.memcap_hits++;
        return NULL;
    }
    r->slot = slot;
    x->rare = r;
    return r;
}

void conn_rare_free(struct tcpsift_tracker *t, conn_ext *x)
{
    conn_rare *r = x->rare;
    if (!r) return;
    x->rare = NULL;
    side_give(t, &t->rare_chunks, sizeof *r, RARE_CHUNK, r, r->slot);
}

void conn_ext_release(struct tcpsift_tracker *t, conn *c)
{
    conn_ext *x = c->ext;
    if (x->rare) conn_rare_free(t, x);
    c->ext = NULL;
    side_give(t, &t->ext_chunks, sizeof *x, EXT_CHUNK, x, c->ext_slot);
}

void conn_ext_drain(struct tcpsift_tracker *t)
{
    side_drain(t, &t->ext_chunks, sizeof(conn_ext), EXT_CHUNK);
    side_drain(t, &t->rare_chunks, sizeof(conn_rare), RARE_CHUNK);
}

void conn_event_add(struct tcpsift_tracker *t, conn *c, tcpsift_anomaly a, uint32_t n)
{
    if ((unsigned)a >= TCPSIFT_ANOMALY_COUNT || n == 0) return;
    if (!conn_events_spilled(c)) {
        uint8_t kind = (uint8_t)(a + 1);
        for (int i = 0; i < CONN_EV_INLINE; i++) {
            if (c->ev_kind[i] == 0) {
                if (n > CONN_EV_COUNT_MAX) break;
                c->ev_kind[i] = kind;
                c->ev_count[i] = (uint16_t)n;
                return;
            }
            if (c->ev_kind[i] == kind) {
                if (c->ev_count[i] > CONN_EV_COUNT_MAX - n) break;
                c->ev_count[i] = (uint16_t)(c->ev_count[i] + n);
                return;
            }
        }
        /* A third kind, or a count past the slot's 16 bits: all counts move
         * to the side table, exact as before. */
        conn_rare *x = conn_rare_get(t, c);
        if (!x) return; /* no memory: this count is lost (memcap_hits) */
        for (int i = 0; i < CONN_EV_INLINE; i++) {
            if (c->ev_kind[i]) x->events[c->ev_kind[i] - 1] += c->ev_count[i];
            c->ev_kind[i] = 0;
            c->ev_count[i] = 0;
        }
        c->ev_kind[0] = CONN_EV_SPILLED;
    }
    c->ext->rare->events[a] += n;
}

void conn_events_read(const conn *c, uint32_t out[TCPSIFT_ANOMALY_COUNT])
{
    if (conn_events_spilled(c)) {
        memcpy(out, c->ext->rare->events, sizeof c->ext->rare->events);
        return;
    }
    memset(out, 0, TCPSIFT_ANOMALY_COUNT * sizeof out[0]);
    for (int i = 0; i < CONN_EV_INLINE; i++)
        if (c->ev_kind[i]) out[c->ev_kind[i] - 1] += c->ev_count[i];
}

void conn_count_carry(struct tcpsift_tracker *t, conn *c, int from, uint64_t pkts_hi,
                      uint32_t bytes_hi)
{
    /* Past 2^16 packets or 2^32 bytes: the high parts live in the rare side table. */
    conn_rare *x = conn_rare_get(t, c);
    if (!x) return;
    x->pkts_hi[from] += pkts_hi;
    x->bytes_hi[from] += bytes_hi;
}

/* Feed one event to the table for endpoint `who`; count the cell's anomaly.
 * The cell is indexed directly: an endpoint's state is always a value the
 * table (or the zeroed connection, UNKNOWN) wrote and `ev` is an enum
 * constant, so tcpsift_state_next()'s range checks cannot fail here. */
static inline void raise_event(struct tcpsift_tracker *t, conn *c, int who,
                               tcpsift_state_event ev)
{
    endpoint *e = &c->ep[who];
    const tcpsift_state_transition *cell = &state_table_cells[e->state][ev];
    e->state = cell->next_state;
    if (cell->anomaly != TCPSIFT_ANOMALY_NONE)
        conn_count_event(t, c, (tcpsift_anomaly)cell->anomaly);
    switch ((tcpsift_state_action)cell->action) {
    case TCPSIFT_ACT_START_TIME_WAIT_TIMER:
        c->closed_for_reuse = 1;
        break;
    case TCPSIFT_ACT_ABORT:
        c->closed_for_reuse = 1;
        break;
    case TCPSIFT_ACT_NONE:
    case TCPSIFT_ACT_RECORD_ISN:      /* recorded by the caller with the SYN */
    case TCPSIFT_ACT_RECORD_FIN_SEQ:  /* recorded by the caller with the FIN */
    case TCPSIFT_ACT_MARK_INFERRED:   /* direction_guessed already says so */
    case TCPSIFT_ACT_COUNT:
        break;
    }
}

int tcp_conn_start(conn *c, const tcpsift_packet *pkt)
{
    unsigned f = pkt->tcp_flags;
    if ((f & TCPSIFT_TCP_SYN) && !(f & TCPSIFT_TCP_ACK)) return 0;
    if ((f & TCPSIFT_TCP_SYN) && (f & TCPSIFT_TCP_ACK)) {
        c->flipped = 1; /* Zeek '^': the first packet was the responder's */
        return 1;
    }
    /* Midstream: a well-known port answering an ephemeral one is the server;
     * otherwise the first sender is taken as the client, as Zeek does. */
    c->direction_guessed = 1;
    if (pkt->sport < 1024 && pkt->dport >= 1024) {
        c->flipped = 1;
        return 1;
    }
    return 0;
}

static uint32_t scaled_window(const conn *c, int from, const tcpsift_packet *pkt)
{
    /* RFC 7323 §2.2: scaling applies only when both SYNs carried the option,
     * never to a SYN's own window; shifts above 14 count as 14. */
    const endpoint *e = &c->ep[from], *peer = &c->ep[1 - from];
    if ((pkt->tcp_flags & TCPSIFT_TCP_SYN) || !(e->flags & peer->flags & EP_WS_OFFERED))
        return pkt->window;
    return (uint32_t)pkt->window << e->wscale; /* capped at 14 by note_syn() */
}

/* RFC 5961 §3.2 as a passive observer sees it: RCV.NXT of the receiver is
 * approximated by its last acknowledgement, or the sender's next sequence. */
enum rst_verdict { RST_ACCEPT, RST_PENDING, RST_IGNORE };

/* The TSval of the last SYN with timestamps from the peer of `e`, an endpoint that has sent
 * no SYN (kept in its isn by syn_note()). */
static inline uint32_t syn_tsval_of_peer(const endpoint *e) { return e->isn; }

static enum rst_verdict judge_rst(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    /* RFC 9293 §3.10.7.3: in SYN-SENT a RST counts only if it acks the SYN. */
    if (r->state == TCPSIFT_ST_SYN_SENT && !(s->flags & EP_SYN_SEEN)) {
        if (!(pkt->tcp_flags & TCPSIFT_TCP_ACK) || !(r->flags & EP_SYN_SEEN) ||
            pkt->ack != r->isn + 1)
            return RST_IGNORE;
        /* Linux checks TSecr against its SYN's timestamps before looking at
         * RST (tcp_rcv_synsent_state_process): a reply that does not echo
         * them is dropped. Evasion tools forge exactly that RST. */
        if ((r->flags & EP_TS_OFFERED) && (pkt->opts.present & TCPSIFT_OPT_TIMESTAMP) &&
            pkt->opts.tsecr != 0 &&
            (seq_lt(pkt->opts.tsecr, syn_tsval_of_peer(s)) ||
             seq_gt(pkt->opts.tsecr, r->ts_recent)))
            return RST_IGNORE;
        return RST_ACCEPT;
    }
    /* An RST from a SYN-SENT endpoint whose peer never answered with a SYN
     * is its reply to an unacceptable segment (Linux answers a segment that
     * fails its SYN-SENT checks with RST and keeps the attempt); the peer,
     * in LISTEN at most, ignores it (RFC 9293 §3.10.7.2). */
    if (s->state == TCPSIFT_ST_SYN_SENT && !(r->flags & EP_SYN_SEEN) && !c->direction_guessed)
        return RST_IGNORE;
    int have_ack = (r->flags & EP_ACK_SEEN) != 0, have_next = (s->flags & EP_NEXT_VALID) != 0;
    if (!have_ack && !have_next) return RST_ACCEPT; /* nothing to judge it by */
    if ((have_ack && pkt->seq == r->last_ack) || (have_next && pkt->seq == s->next_seq))
        return RST_ACCEPT;
    /* Linux also resets at RCV.NXT - 1 once the sender's FIN is in (tcp_reset_check(): the
     * receiver in CLOSE_WAIT, LAST_ACK or CLOSING; some stacks reset at their FIN's own number),
     * even though that number is left of its window. */
    if ((s->flags & EP_FIN_SEEN) && pkt->seq == s->fin_seq &&
        ((1u << r->state) & (1u << TCPSIFT_ST_CLOSE_WAIT | 1u << TCPSIFT_ST_LAST_ACK |
                             1u << TCPSIFT_ST_CLOSING)))
        return RST_ACCEPT;
    uint32_t base = have_ack ? r->last_ack : s->next_seq;
    uint32_t window = (r->flags & EP_WIN_VALID) ? r->max_win : 65535;
    if (window == 0) window = 1;
    if (seq_geq(pkt->seq, base) && seq_lt(pkt->seq, base + window)) return RST_PENDING;
    return RST_IGNORE;
}

static void accept_rst(struct tcpsift_tracker *t, conn *c, int from)
{
    endpoint *r = &c->ep[1 - from];
    if (r->state == TCPSIFT_ST_SYN_SENT && !(c->ep[from].flags & EP_SYN_SEEN) && from == 1)
        c->rejected = 1;
    c->rst_accepted = (unsigned)(from + 1) & 3u; /* 1 or 2: a 2-bit field */
    /* Both FINs already seen: the close had completed (an RST answering a
     * late duplicate from a CLOSED endpoint ends TIME-WAIT, RFC 9293
     * §3.10.7.1/§3.10.7.4), so the connection ended by FIN. */
    if ((c->ep[0].flags & EP_FIN_SEEN) && (c->ep[1].flags & EP_FIN_SEEN)) c->rst_after_fins = 1;
    c->rst_active = 0;
    raise_event(t, c, from, TCPSIFT_EV_SEND_RST);
    raise_event(t, c, 1 - from, TCPSIFT_EV_RECV_RST);
    c->closed_for_reuse = 1;
}

/* A later packet decides a pending in-window RST (RFC 5961 §3.2): any segment but a RST, from
 * either side, shows the connection lived on. The sender going on refutes it; so does anything
 * from the receiver, its challenge ACK included: an RFC 5961 receiver answers an inexact RST
 * with one and stays ESTABLISHED (a sender that did reset answers that ACK with an exact RST,
 * which is accepted), and an older stack that took the RST sends nothing but RSTs after it.
 * Only silence from both leaves it accepted (the contract's rst_unconfirmed). */
static void check_pending_rst(conn *c, int from, const tcpsift_packet *pkt)
{
    (void)from;
    if (!c->rst_active || c->rst_refuted) return;
    if (!(pkt->tcp_flags & TCPSIFT_TCP_RST)) c->rst_refuted = 1;
}

/* An endpoint's SYN: its ISN and the options it offered (`present`: TCPSIFT_OPT_* bits). The
 * general path and the direct ones (a SYN-ACK, an embryo's kept SYN) all record it here. The
 * TSval of a SYN with timestamps is needed only while the peer has sent no SYN (judge_rst():
 * a RST from a peer without SYN, Linux's check of TSecr against its SYN's), so it is kept in
 * the peer's isn, unused until the peer's own SYN (conn_internal.h); once the peer has a SYN
 * it is never read again. EP_SYN_SEEN is never cleared. */
static inline void syn_note(conn *c, int from, uint32_t isn, uint32_t present, uint8_t wscale,
                            uint32_t tsval)
{
    endpoint *s = &c->ep[from], *peer = &c->ep[1 - from];
    s->isn = isn;
    s->flags |= EP_SYN_SEEN;
    if (present & TCPSIFT_OPT_WSCALE) {
        s->flags |= EP_WS_OFFERED;
        /* RFC 7323 §2.3: a shift above 14 is used as 14. */
        s->wscale = wscale > 14 ? 14 : wscale;
    }
    if (present & TCPSIFT_OPT_TIMESTAMP) {
        s->flags |= EP_TS_OFFERED;
        if (!(peer->flags & EP_SYN_SEEN)) peer->isn = tsval;
    }
}

static void note_syn(conn *c, int from, const tcpsift_packet *pkt)
{
    syn_note(c, from, pkt->seq, pkt->opts.present, pkt->opts.wscale, pkt->opts.tsval);
}

/* Whether [seq, end) lies in the oldest range the sender skipped; shrinks
 * the range from its start as it fills. EP_HOLE implies c->ext->rare. */
static int fills_hole(conn *c, int from, uint32_t seq, uint32_t end)
{
    endpoint *s = &c->ep[from];
    if (!(s->flags & EP_HOLE)) return 0;
    conn_rare *r = c->ext->rare;
    uint32_t *start = &r->hole_start[from], hole_end = r->hole_end[from];
    if (seq_lt(seq, *start) || seq_geq(seq, hole_end)) return 0;
    if (seq == *start) {
        if (seq_geq(end, hole_end))
            s->flags &= (uint16_t)~EP_HOLE;
        else
            *start = end;
    }
    return 1;
}

static void sequence_analysis(struct tcpsift_tracker *t, conn *c, int from,
                              const tcpsift_packet *pkt, int *new_data)
{
    endpoint *s = &c->ep[from];
    unsigned f = pkt->tcp_flags;
    uint32_t seg_len = (uint32_t)pkt->payload_len + ((f & TCPSIFT_TCP_SYN) ? 1u : 0u) +
                       ((f & TCPSIFT_TCP_FIN) ? 1u : 0u);
    uint32_t end = pkt->seq + seg_len;
    *new_data = pkt->payload_len > 0 && !(f & TCPSIFT_TCP_RST);
    if (f & TCPSIFT_TCP_RST) return;
    if (!(s->flags & EP_NEXT_VALID)) {
        s->next_seq = end;
        s->flags |= EP_NEXT_VALID;
        return;
    }
    s->flags &= (uint16_t)~EP_LAST_KEEPALIVE;
    if (seg_len == 0) {
        /* Keep-alive: one byte (or none, as Linux sends) below the next sequence. */
        if (pkt->seq == s->next_seq - 1) {
            conn_count_event(t, c, TCPSIFT_ANOMALY_KEEP_ALIVE);
            s->flags |= EP_LAST_KEEPALIVE;
        }
        return;
    }
    if (pkt->payload_len <= 1 && pkt->seq == s->next_seq - 1 && !(f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN))) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_KEEP_ALIVE);
        s->flags |= EP_LAST_KEEPALIVE;
        *new_data = 0;
        return;
    }
    if (pkt->payload_len == 1 && pkt->seq == s->next_seq && (c->ep[1 - from].flags & EP_WIN_VALID) &&
        c->ep[1 - from].last_win == 0)
        conn_count_event(t, c, TCPSIFT_ANOMALY_ZERO_WINDOW_PROBE);
    if (seq_leq(end, s->next_seq) && fills_hole(c, from, pkt->seq, end)) {
        /* Bytes below the highest sent but inside a range that was skipped:
         * first seen now, out of order rather than a retransmission. */
        conn_count_event(t, c, TCPSIFT_ANOMALY_OUT_OF_ORDER);
        if (pkt->payload_len > 0) zeek_history_counted(t, c, from, HIST_T); /* Zeek: any old seq */
        return;
    }
    if (seq_leq(end, s->next_seq)) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_RETRANSMISSION);
        /* Spurious: re-sent *bytes* the peer already acknowledged (tshark
         * requires payload too); a re-sent SYN or FIN alone is not. */
        if (pkt->payload_len > 0 && (c->ep[1 - from].flags & EP_ACK_SEEN) &&
            seq_leq(end, c->ep[1 - from].last_ack))
            conn_count_event(t, c, TCPSIFT_ANOMALY_SPURIOUS_RETRANSMISSION);
        if (pkt->payload_len > 0) zeek_history_counted(t, c, from, HIST_T);
        *new_data = 0;
        return;
    }
    if (seq_lt(pkt->seq, s->next_seq)) {
        /* Partly old, partly new. */
        conn_count_event(t, c, TCPSIFT_ANOMALY_RETRANSMISSION);
        if (pkt->payload_len > 0) zeek_history_counted(t, c, from, HIST_T);
    } else if (seq_gt(pkt->seq, s->next_seq)) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_LOST_SEGMENT);
        conn_rare *x;
        if (!(s->flags & EP_HOLE) && (x = conn_rare_get(t, c)) != NULL) {
            /* remember the oldest skipped range */
            s->flags |= EP_HOLE;
            x->hole_start[from] = s->next_seq;
            x->hole_end[from] = pkt->seq;
        }
    }
    s->next_seq = end;
}

static void ack_analysis(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    unsigned f = pkt->tcp_flags;
    uint32_t win = scaled_window(c, from, pkt);
    int pure = pkt->payload_len == 0 && !(f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST));
    if (pkt->window == 0 && !(f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST)))
        conn_count_event(t, c, TCPSIFT_ANOMALY_ZERO_WINDOW);
    if (!(f & TCPSIFT_TCP_ACK) || (f & TCPSIFT_TCP_RST)) return;
    uint32_t ack = pkt->ack;
    if (s->flags & EP_ACK_SEEN) {
        /* tshark: neither a duplicate ACK nor a window update advertises a
         * zero window (a zero window is its own event). */
        if (pure && ack == s->last_ack && pkt->window != 0) {
            if (pkt->window == s->last_win) {
                /* Neither a keep-alive nor the answer to one is a dup ACK. */
                if (pkt->seq != s->next_seq - 1 && !(r->flags & EP_LAST_KEEPALIVE))
                    conn_count_event(t, c, TCPSIFT_ANOMALY_DUPLICATE_ACK);
            } else {
                conn_count_event(t, c, TCPSIFT_ANOMALY_WINDOW_UPDATE);
            }
        }
        if (seq_lt(ack, s->last_ack) && s->last_ack - ack > (s->max_win ? s->max_win : 65535))
            conn_count_event(t, c, TCPSIFT_ANOMALY_ACK_OUT_OF_WINDOW);
    }
    if ((r->flags & EP_NEXT_VALID) && seq_gt(ack, r->next_seq))
        conn_count_event(t, c, TCPSIFT_ANOMALY_ACK_UNSEEN_SEGMENT);
    if (!(s->flags & EP_ACK_SEEN) || seq_gt(ack, s->last_ack)) s->last_ack = ack;
    /* RFC 9293 §3.8.6.2.2: the right edge of the window should not move left. */
    uint32_t edge = ack + win;
    if ((s->flags & EP_WIN_VALID) && !(f & TCPSIFT_TCP_SYN) && seq_lt(edge, s->right_edge))
        conn_count_event(t, c, TCPSIFT_ANOMALY_WINDOW_SHRUNK);
    s->right_edge = edge;
    s->flags |= EP_ACK_SEEN | EP_WIN_VALID;
    s->last_win = pkt->window;
    if (win > s->max_win) s->max_win = win;
}

/* RFC 9293 §3.10.7.4 acceptability of a data segment, with the receiver's
 * last acknowledgement as RCV.NXT and the largest window it advertised as
 * RCV.WND (lenient: windows move while data is in flight). Unknown when the
 * receiver has not acknowledged anything yet. */
static int outside_receive_window(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *r = &c->ep[1 - from], *s = &c->ep[from];
    if (!(r->flags & EP_ACK_SEEN) || !(r->flags & EP_WIN_VALID)) return 0;
    /* Without both SYNs the window scale is unknown (RFC 7323 §2.2): a
     * midstream window cannot be judged. */
    if (!(r->flags & EP_SYN_SEEN) || !(s->flags & EP_SYN_SEEN)) return 0;
    uint32_t rcv_nxt = r->last_ack, wnd = r->max_win;
    uint32_t first = pkt->seq, last = pkt->seq + (uint32_t)pkt->payload_len - 1;
    if (wnd == 0) return 0; /* a zero window admits probes; judged elsewhere */
    int first_in = seq_geq(first, rcv_nxt) && seq_lt(first, rcv_nxt + wnd);
    int last_in = seq_geq(last, rcv_nxt) && seq_lt(last, rcv_nxt + wnd);
    /* Old data (retransmissions below RCV.NXT) is the reassembler's business. */
    int old = seq_lt(last, rcv_nxt);
    return !first_in && !last_in && !old;
}

/* A zero window admits no new data (RFC 9293 §3.10.7.4): a receiver whose last advertised window
 * is 0 drops a segment carrying any byte past RCV.NXT, whatever its length (Linux
 * tcp_data_queue(): TCPZeroWindowDrop). The sender sends the bytes again once the window opens;
 * a segment forged into the closed window must not take their place. */
static inline int zero_window_drops(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *r = &c->ep[1 - from];
    if (r->last_win != 0 || (r->flags & (EP_ACK_SEEN | EP_WIN_VALID)) != (EP_ACK_SEEN | EP_WIN_VALID))
        return 0;
    return seq_gt(pkt->seq + (uint32_t)pkt->payload_len, r->last_ack);
}

/* RFC 9293 §3.10.7.4, first check: a segment outside the receive window is dropped, FIN and
 * all. A FIN closes a direction for good, so a blind forged one (any sequence number) must
 * not: judged as data is (outside_receive_window()), on the FIN's own sequence number, which
 * may also be RCV.NXT - 1 (a FIN the receiver already acknowledged, sent again). A repeat of
 * the FIN already seen is the retransmission analysis's. */
static inline int fin_unacceptable(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *r = &c->ep[1 - from], *s = &c->ep[from];
    uint32_t fin_at = pkt->seq + (uint32_t)pkt->payload_len;
    /* fin_at in [RCV.NXT - 1, RCV.NXT + RCV.WND], first: the common answer, in one test */
    if (fin_at - (r->last_ack - 1) <= r->max_win + 1) return 0;
    if (!(r->flags & EP_ACK_SEEN) || !(r->flags & EP_WIN_VALID)) return 0;
    if (!(r->flags & EP_SYN_SEEN) || !(s->flags & EP_SYN_SEEN)) return 0;
    if (pkt->tcp_flags & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST)) return 0; /* judged as those */
    return !((s->flags & EP_FIN_SEEN) && fin_at == s->fin_seq);
}

/* RFC 9293 §3.10.7.4 (fifth check) and RFC 5961 §5.2: a segment whose ACK acknowledges bytes
 * its receiver never sent, or lies more than a window (as Linux has it, and no more than the
 * bytes the receiver had acknowledged) behind the acknowledgements already made, is dropped,
 * data and all: a forged ACK, or bytes injected with a wrong one, must move neither
 * the acknowledgements (a phantom gap, a FIN judged outside the window) nor the stream. The
 * observer knows the receiver's SND.NXT only as far as the capture showed it, so "never sent"
 * is an ACK past anything the receiver could send: past its peer's largest window beyond the
 * peer's last ACK (+1 for a FIN; Suricata's STREAM_PKT_INVALID_ACK draws the same line). An
 * ACK of unseen bytes short of that is capture loss (ack_unseen_segment), not a drop. The
 * sender's first ACK (the receiver in SYN-RECEIVED, §3.10.7.4) must also pass the receiver's
 * ISN, and its window is the largest a SYN can offer, scaled. Judged once both SYNs are seen. */
static int ack_unacceptable(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    if ((pkt->tcp_flags & (TCPSIFT_TCP_ACK | TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST)) != TCPSIFT_TCP_ACK)
        return 0; /* no ACK to judge, or judged as a SYN or RST */
    if (!(s->flags & EP_SYN_SEEN) || (r->flags & (EP_SYN_SEEN | EP_NEXT_VALID)) !=
                                         (EP_SYN_SEEN | EP_NEXT_VALID))
        return 0;
    uint32_t ack = pkt->ack, reach;
    if (!(s->flags & EP_ACK_SEEN)) {
        if (seq_leq(ack, r->isn)) return 1; /* SEG.ACK =< ISS */
        unsigned shift = (s->flags & r->flags & EP_WS_OFFERED) ? s->wscale : 0;
        reach = r->isn + 1 + (65535u << shift) + 1;
    } else {
        if (seq_lt(ack, s->last_ack)) {
            /* Behind by more than the largest window, or than the bytes the receiver had
             * acknowledged (Linux tcp_ack(): min(max_window, bytes_acked), "do not accept ACK
             * for bytes we never sent"): while it has sent nothing, any older ACK. */
            uint32_t behind = s->max_win ? s->max_win : 65535, acked = s->last_ack - (r->isn + 1);
            if (seq_geq(s->last_ack, r->isn + 1) && acked < behind) behind = acked;
            return s->last_ack - ack > behind;
        }
        reach = s->last_ack + s->max_win + 1;
    }
    if (seq_lt(reach, r->next_seq)) reach = r->next_seq; /* it sent past the window: seen */
    return seq_gt(ack, reach);
}

/* RFC 7323 §5.3 R1 as Linux applies it (tcp_paws_check()): a TSval more than TCP_PAWS_WINDOW (1)
 * below TS.Recent fails; a TS.Recent of 0 checks nothing (some stacks send their SYN with TSval
 * 0). Dropping what the receiver takes would hide its bytes from the observer. */
static inline int paws_rejects(uint32_t ts_recent, uint32_t tsval)
{
    return ts_recent != 0 && (int32_t)(ts_recent - tsval) > 1;
}

/* Whether a TSval becomes TS.Recent as far as its value goes (Linux tcp_replace_ts_recent():
 * not older, or TS.Recent 0); where it starts is the caller's test. */
static inline int ts_recent_takes(const endpoint *s, uint32_t tsval)
{
    return !(s->flags & EP_TS_OFFERED) || seq_geq(tsval, s->ts_recent) || s->ts_recent == 0;
}

/* Checks on one segment that need no sequence state. Returns 1 when the
 * segment fails PAWS (RFC 7323 §5.3 R1: the receiver drops it). */
static int segment_checks(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    int paws_failed = 0;
    endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    unsigned f = pkt->tcp_flags;
    uint32_t opts = pkt->opts.present;
    /* The flag-dependent checks, behind one test of the flags they need. */
    if (f & (TCPSIFT_TCP_RST | TCPSIFT_TCP_URG | TCPSIFT_TCP_SYN)) {
        if ((f & TCPSIFT_TCP_RST) && pkt->payload_len > 0)
            conn_count_event(t, c, TCPSIFT_ANOMALY_RST_WITH_DATA);
        if (f & TCPSIFT_TCP_URG) conn_count_event(t, c, TCPSIFT_ANOMALY_URGENT_DATA);
        if ((f & TCPSIFT_TCP_SYN) && (opts & TCPSIFT_OPT_WSCALE) && pkt->opts.wscale > 14)
            conn_count_event(t, c, TCPSIFT_ANOMALY_WSCALE_TOO_LARGE);
    }
    if (pkt->payload.len < pkt->payload_len) conn_count_event(t, c, TCPSIFT_ANOMALY_SEGMENT_TRUNCATED);
    if (!(f & TCPSIFT_TCP_SYN) && (opts & (TCPSIFT_OPT_MSS | TCPSIFT_OPT_WSCALE | TCPSIFT_OPT_SACK_PERM)))
        conn_count_event(t, c, TCPSIFT_ANOMALY_OPTION_OUTSIDE_SYN);
    /* RFC 7323 §3.2: once both SYNs carried timestamps every segment but an
     * RST must; §5.3: a TSval older than TS.Recent fails PAWS. */
    int negotiated = (s->flags & r->flags & EP_TS_OFFERED) != 0;
    if (negotiated && !(f & (TCPSIFT_TCP_RST | TCPSIFT_TCP_SYN))) {
        if (!(opts & TCPSIFT_OPT_TIMESTAMP))
            conn_count_event(t, c, TCPSIFT_ANOMALY_TIMESTAMP_MISSING);
        else if (paws_rejects(s->ts_recent, pkt->opts.tsval)) {
            conn_count_event(t, c, TCPSIFT_ANOMALY_PAWS_FAILURE);
            paws_failed = 1;
        }
    }
    if (!(s->flags & EP_TTL_SEEN)) {
        s->flags |= EP_TTL_SEEN;
        c->ttl_first[from] = pkt->ttl;
    } else if (pkt->ttl != c->ttl_first[from]) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_TTL_CHANGED);
    }
    return paws_failed;
}

/* Flags no stack sends together (RFC 9293 §3.1, §3.10.7). */
static int invalid_flags(unsigned f)
{
    if ((f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST | TCPSIFT_TCP_ACK)) == 0)
        return 1; /* no control flag at all ("null" scan) */
    if ((f & TCPSIFT_TCP_SYN) && (f & (TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST))) return 1;
    return 0;
}

/* RFC 9293 §3.10.7.3: SYN-SENT discards a SYN-ACK whose ACK is not of its SYN (SEG.ACK =< ISS
 * or > SND.NXT) and answers it with a RST. Taken, a blind forged one would give the peer an
 * ISN and make its ACK look like bytes the observer missed. */
static int synack_unacceptable(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *r = &c->ep[1 - from];
    if (!(pkt->tcp_flags & TCPSIFT_TCP_ACK) || r->state != TCPSIFT_ST_SYN_SENT ||
        !(r->flags & EP_SYN_SEEN))
        return 0;
    if (!seq_gt(pkt->ack, r->isn)) return 1;
    return (r->flags & EP_NEXT_VALID) ? seq_gt(pkt->ack, r->next_seq) : pkt->ack != r->isn + 1;
}

/* RFC 9293 §3.10.7.4 and RFC 5961 §4: a synchronized receiver drops a SYN (answering with a
 * challenge ACK). So a SYN with another ISN from an endpoint whose first SYN its peer already
 * took is no new attempt (tuple reuse was judged before: starts_new_connection()) and must not
 * rebase that endpoint's stream: one blind forged SYN would hide every later byte. The peer
 * took it when it acknowledged it, or, in SYN-SENT, at once if it was a SYN-ACK of its SYN
 * (RFC 9293 §3.10.7.3: ESTABLISHED; unacceptable ones never get here): so of two SYN-ACKs with
 * different ISNs the first stands, as at the client. */
static int syn_to_synchronized_peer(const conn *c, int from, const tcpsift_packet *pkt)
{
    enum {
        SYNCHRONIZED = 1u << TCPSIFT_ST_ESTABLISHED | 1u << TCPSIFT_ST_FIN_WAIT_1 |
                       1u << TCPSIFT_ST_FIN_WAIT_2 | 1u << TCPSIFT_ST_CLOSE_WAIT |
                       1u << TCPSIFT_ST_CLOSING | 1u << TCPSIFT_ST_LAST_ACK
    };
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    if (!(s->flags & EP_SYN_SEEN) || pkt->seq == s->isn) return 0;
    if ((s->flags & EP_SYN_ACKED_BY_PEER) && ((1u << r->state) & SYNCHRONIZED)) return 1;
    return (pkt->tcp_flags & TCPSIFT_TCP_ACK) && (s->flags & EP_ACKED_PEER_SYN) &&
           r->state == TCPSIFT_ST_SYN_SENT;
}

/* A SYN-ACK acknowledging the peer's SYN but not the data the SYN carried (no Fast Open). */
static int syn_data_refused(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *r = &c->ep[1 - from];
    return (r->flags & EP_SYN_SEEN) && (r->flags & EP_NEXT_VALID) && pkt->ack == r->isn + 1 &&
           r->next_seq != pkt->ack;
}

/* Data on a SYN-ACK: kept apart until the peer's first ACK of the SYN-ACK judges it
 * (synack_data_judge). Bytes the SYN-ACK's sender sends after it are not the SYN-ACK's, so the
 * end of its own data is noted, the furthest of any SYN-ACK's. */
static void synack_data_note(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    if (t->cfg.reasm.mode != TCPSIFT_REASM_ACKED) return; /* on arrival they are out already */
    conn_rare *x = conn_rare_get(t, c);
    if (!x) return; /* counted in memcap_hits: the bytes stay, as before this rule */
    uint32_t end = pkt->seq + 1 + (uint32_t)pkt->payload_len;
    if (!(x->synack_data_set & (1u << from)) || seq_gt(end, x->synack_data_end[from]))
        x->synack_data_end[from] = end;
    x->synack_data_set |= (uint8_t)(1u << from);
}

/* The peer's first ACK of a SYN-ACK that carried data: an ACK of the SYN alone (ISN + 1) says
 * the receiver dropped the data, as Linux does (tcp_rcv_synsent_state_process() answers with
 * RCV.NXT = ISN + 1; FreeBSD queues it, and then acknowledges it), so acked delivery forgets
 * it, and other bytes the sender puts at those sequence numbers are the stream's. */
static void synack_data_judge(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    conn_rare *x = c->ext ? c->ext->rare : NULL;
    int synack_sender = 1 - from;
    if (!x || !(x->synack_data_set & (1u << synack_sender))) return;
    x->synack_data_set &= (uint8_t)~(1u << synack_sender);
    if (pkt->ack == c->ep[synack_sender].isn + 1)
        tracker_stream_syn_data_refused(t, c, synack_sender, x->synack_data_end[synack_sender]);
}

/* Whether `ack` acknowledges bytes endpoint e sent past a FIN at `fin_at`: beyond it, and no
 * further than e was seen to send (the ACK may be forged too). */
static inline int ack_passes(const endpoint *e, uint32_t fin_at, uint32_t ack)
{
    return seq_gt(ack, fin_at + 1) && seq_leq(ack, e->next_seq);
}

/* A FIN its receiver never took: the receiver (`from`, the segment's sender) acknowledges bytes
 * the FIN's sender sent past it before acknowledging the FIN itself, and nothing follows a FIN
 * in sequence space (RFC 9293 §3.5). Taken at its word, one FIN injected at the receiver's
 * RCV.NXT (a TTL that expires before the receiver, a checksum only the receiver judges) would
 * close the direction and hide every real byte after it. An acknowledged FIN is never
 * refuted; bytes the observer did not see sent refute nothing (the ACK may be forged too). */
static inline int fin_refuted_by(const conn *c, int from, uint32_t ack)
{
    const endpoint *r = &c->ep[1 - from];
    return fin_unacknowledged(r) && ack_passes(r, r->fin_seq, ack);
}

/* The refuted FIN is forgotten: its sender's state walks back through the table
 * (FIN_REFUTED), and its stream, which is given a FIN only once the receiver acknowledges
 * one (tracker.c), goes on with the bytes after it. */
static void fin_refute(struct tcpsift_tracker *t, conn *c, int fin_sender)
{
    c->ep[fin_sender].flags &= (uint16_t)~EP_FIN_SEEN;
    raise_event(t, c, fin_sender, TCPSIFT_EV_FIN_REFUTED);
}

/* A second FIN position from an endpoint whose first FIN is unacknowledged (fin_moved): one
 * of them is injected, e.g. a FIN ahead of a hole the real bytes then fill, before the real
 * FIN. Both are kept until the receiver's ACK decides (fin_decide); the first is the one in
 * force meanwhile. A third position replaces the second. */
static void fin_note_alternative(struct tcpsift_tracker *t, conn *c, int from, uint32_t fin_at)
{
    conn_count_event(t, c, TCPSIFT_ANOMALY_FIN_MOVED);
    conn_rare *x = conn_rare_get(t, c);
    if (!x) return; /* counted in memcap_hits: the first FIN stays in force */
    x->fin_alt[from] = fin_at;
    x->fin_alt_set |= (uint8_t)(1u << from);
}

/* The FIN in force was not its sender's, the one at `alt` was: its sender's state is walked
 * back and forward again through the table (FIN_REFUTED, then SEND_FIN: a peer's FIN received
 * in between now leads to LAST_ACK, not CLOSING; where FIN_REFUTED changes nothing, e.g. after
 * a RST, neither does the FIN), and nothing follows the FIN taken in sequence space, so the
 * sender's next sequence number is the one after it. */
static void fin_replace(struct tcpsift_tracker *t, conn *c, int fin_sender, uint32_t alt)
{
    endpoint *e = &c->ep[fin_sender];
    uint8_t before = e->state;
    raise_event(t, c, fin_sender, TCPSIFT_EV_FIN_REFUTED);
    e->fin_seq = alt;
    if (seq_gt(e->next_seq, alt + 1)) {
        e->next_seq = alt + 1;
        if (e->flags & EP_HOLE) { /* the skipped range ends there too (fills_hole) */
            conn_rare *x = c->ext->rare;
            if (seq_geq(x->hole_start[fin_sender], e->next_seq))
                e->flags &= (uint16_t)~EP_HOLE;
            else if (seq_gt(x->hole_end[fin_sender], e->next_seq))
                x->hole_end[fin_sender] = e->next_seq;
        }
    }
    if (e->state != before) raise_event(t, c, fin_sender, TCPSIFT_EV_SEND_FIN);
}

/* The receiver (`from`) acknowledges while its peer's FIN is unacknowledged. An ACK of exactly
 * the other FIN position kept by fin_note_alternative() takes that one, and an ACK past it
 * (no further than the sender was seen to send) refutes it, so that an older ACK arriving late
 * cannot take it after all; an ACK past the FIN in force refutes that one (fin_refuted_by),
 * and the other position, when not also passed, is then the FIN. */
static void fin_decide(struct tcpsift_tracker *t, conn *c, int from, uint32_t ack)
{
    int fin_sender = 1 - from;
    conn_rare *x = c->ext ? c->ext->rare : NULL;
    unsigned bit = 1u << fin_sender;
    int alt_set = x && (x->fin_alt_set & bit);
    uint32_t alt = alt_set ? x->fin_alt[fin_sender] : 0;
    if (alt_set && ack == alt + 1) {
        x->fin_alt_set &= (uint8_t)~bit;
        fin_replace(t, c, fin_sender, alt);
        return;
    }
    if (alt_set && ack_passes(&c->ep[fin_sender], alt, ack)) {
        x->fin_alt_set &= (uint8_t)~bit; /* passed: refuted */
        alt_set = 0;
    }
    if (!fin_refuted_by(c, from, ack)) return;
    if (alt_set) { /* not passed: it is the FIN now */
        x->fin_alt_set &= (uint8_t)~bit;
        fin_replace(t, c, fin_sender, alt);
        return;
    }
    fin_refute(t, c, fin_sender);
}

/* tshark's completeness bits: SYN, SYN-ACK, ACK, DATA, FIN, RST. tshark does not judge
 * acceptance: a segment the receiver drops counts too. */
static void completeness_note(conn *c, const tcpsift_packet *pkt)
{
    unsigned f = pkt->tcp_flags;
    if (f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST)) {
        if ((f & TCPSIFT_TCP_SYN) && !(f & TCPSIFT_TCP_ACK)) c->completeness |= 1;
        if ((f & TCPSIFT_TCP_SYN) && (f & TCPSIFT_TCP_ACK)) c->completeness |= 2;
        if (f & TCPSIFT_TCP_FIN) c->completeness |= 16;
        if (f & TCPSIFT_TCP_RST) c->completeness |= 32;
    } else if ((f & TCPSIFT_TCP_ACK) && pkt->payload_len == 0 && (c->completeness & 2)) {
        c->completeness |= 4;
    }
    if (pkt->payload_len > 0) c->completeness |= 8;
}

/* Everything tcp_conn_segment() does for any segment but the stream tail.
 * Returns 1 when the segment goes on to segment_streams(). */
static int segment_general(struct tcpsift_tracker *t, conn *c, const tcpsift_packet *pkt, int from,
                           int discard)
{
    endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    unsigned f = pkt->tcp_flags;
    if (discard == SEGMENT_BAD_CHECKSUM) {
        /* RFC 9293 §3.10.7.4: a segment with a bad checksum is discarded. */
        conn_count_event(t, c, TCPSIFT_ANOMALY_BAD_CHECKSUM);
        zeek_history_counted(t, c, from, HIST_C);
        t->stats.bad_checksum++;
        return 0;
    }
    if (discard == SEGMENT_IP_OPTIONS || discard == SEGMENT_IP_LENGTH ||
        discard == SEGMENT_LINK_MULTICAST) {
        /* The host discards the frame or datagram (link_multicast_policy.c,
         * ip_option_policy.c); Zeek and tshark, which judge neither layer, still see the
         * segment. */
        conn_count_event(t, c,
                         discard == SEGMENT_IP_OPTIONS ? TCPSIFT_ANOMALY_IP_OPTION_DISCARDED
                         : discard == SEGMENT_IP_LENGTH ? TCPSIFT_ANOMALY_IP_LENGTH_BEYOND_FRAME
                                                        : TCPSIFT_ANOMALY_LINK_MULTICAST_DESTINATION);
        zeek_history_packet(t, c, from, pkt);
        zeek_endpoint_update(c, from, pkt);
        completeness_note(c, pkt);
        return 0;
    }
    if (discard == SEGMENT_READ_LINK_MULTICAST)
        conn_count_event(t, c, TCPSIFT_ANOMALY_LINK_MULTICAST_DESTINATION);
    if ((pkt->opts.present & TCPSIFT_OPT_MD5) || c->signature_required) {
        tcpsift_anomaly dropped = tcp_signature_judge(t, c, from, pkt);
        if (dropped != TCPSIFT_ANOMALY_COUNT) {
            /* The receiver drops it before any state processing (tcp_signature_policy.c);
             * Zeek and tshark, which do not judge signatures, still see the segment. */
            conn_count_event(t, c, dropped);
            zeek_history_packet(t, c, from, pkt);
            zeek_endpoint_update(c, from, pkt);
            completeness_note(c, pkt);
            return 0;
        }
    }
    /* Policy drop: the segment never reached the receiver (ttl_policy.c). */
    if (pkt->ttl < c->ttl_first[from] && ttl_outlier(t, c, from, pkt)) return 0;
    if (!(pkt->layers & TCPSIFT_LAYER_TCP_OPTIONS)) conn_count_event(t, c, TCPSIFT_ANOMALY_BAD_OPTION);
    zeek_history_packet(t, c, from, pkt);
    if (invalid_flags(f)) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_INVALID_FLAG_COMBINATION);
        if (!(f & TCPSIFT_TCP_FIN && f & TCPSIFT_TCP_RST && !(f & TCPSIFT_TCP_SYN))) return 0;
    }
    /* RFC 9293 §3.10.7.3: in SYN-SENT, a segment with neither SYN nor RST
     * is dropped by the receiver; it must not fix a FIN or stream bytes
     * (an evasion sends a FIN before its SYN-ACK). */
    if (r->state == TCPSIFT_ST_SYN_SENT && !(s->flags & EP_SYN_SEEN) &&
        !(f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST))) {
        conn_count_event(t, c,
                         (f & TCPSIFT_TCP_FIN)    ? TCPSIFT_ANOMALY_FIN_BEFORE_HANDSHAKE
                         : pkt->payload_len > 0 ? TCPSIFT_ANOMALY_DATA_BEFORE_HANDSHAKE
                                                : TCPSIFT_ANOMALY_ACK_BEFORE_SYN);
        return 0;
    }
    /* A FIN without ACK (invalid_flags took the rest without SYN, RST or ACK): dropped in every
     * state (RFC 9293 §3.10.7: LISTEN and SYN-SENT take only a SYN or an RST, later states no
     * segment without ACK, §3.10.7.4 fifth check). A sender that never synchronized gets the
     * table's anomaly for its FIN there. tshark's completeness and Zeek's endpoint, which do
     * not judge acceptance, still see the FIN. */
    if (!(f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST | TCPSIFT_TCP_ACK))) {
        int unsynchronized = s->state == TCPSIFT_ST_UNKNOWN || s->state == TCPSIFT_ST_LISTEN ||
                             s->state == TCPSIFT_ST_SYN_SENT;
        conn_count_event(t, c,
                         unsynchronized ? TCPSIFT_ANOMALY_FIN_BEFORE_HANDSHAKE
                                        : TCPSIFT_ANOMALY_FIN_WITHOUT_ACK);
        completeness_note(c, pkt);
        zeek_endpoint_update(c, from, pkt);
        return 0;
    }
    if ((f & TCPSIFT_TCP_FIN) && fin_unacceptable(c, from, pkt)) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_FIN_OUT_OF_WINDOW);
        return 0;
    }
    if (ack_unacceptable(c, from, pkt)) {
        conn_count_event(t, c, TCPSIFT_ANOMALY_ACK_OUT_OF_WINDOW);
        return 0;
    }
    if (f & TCPSIFT_TCP_SYN) {
        if (synack_unacceptable(c, from, pkt)) {
            conn_count_event(t, c, TCPSIFT_ANOMALY_ACK_OUT_OF_WINDOW);
            return 0;
        }
        if (syn_to_synchronized_peer(c, from, pkt)) {
            conn_count_event(t, c, TCPSIFT_ANOMALY_SYN_IN_SYNCHRONIZED_STATE);
            return 0;
        }
    }
    int paws_failed = segment_checks(t, c, from, pkt);
    /* TS.Recent (RFC 7323 §4.3): a TSval is recorded only when it is not
     * older and the segment starts at or below the receiver's Last.ACK.sent,
     * so a segment reordered ahead of its predecessors does not make them
     * fail PAWS. Before both SYNs are seen every TSval counts. */
    if ((pkt->opts.present & TCPSIFT_OPT_TIMESTAMP) && !paws_failed &&
        ts_recent_takes(s, pkt->opts.tsval) &&
        (!(r->flags & EP_ACK_SEEN) || seq_leq(pkt->seq, r->last_ack)))
        s->ts_recent = pkt->opts.tsval;
    zeek_endpoint_update(c, from, pkt); /* Zeek has no PAWS */
    if (!paws_failed) check_pending_rst(c, from, pkt);

    completeness_note(c, pkt);
    /* RFC 7323 §5.3 R1: dropped by the receiver, so no state event and no
     * stream bytes (docs/state-events.md). */
    if (paws_failed) return 0;

    int first_from_sender = !(s->flags & EP_SENT);
    if (c->flipped && !(c->ep[0].flags & EP_SENT) && !(c->ep[1].flags & EP_SENT))
        conn_count_event(t, c, TCPSIFT_ANOMALY_DIRECTION_FLIPPED);
    s->flags |= EP_SENT;
    if (first_from_sender && !(f & TCPSIFT_TCP_SYN) && !(s->flags & EP_SYN_SEEN) &&
        s->state == TCPSIFT_ST_UNKNOWN && c->direction_guessed) {
        /* Midstream pickup: both ends must already be synchronized. */
        raise_event(t, c, from, TCPSIFT_EV_MIDSTREAM);
        if (r->state == TCPSIFT_ST_UNKNOWN) raise_event(t, c, 1 - from, TCPSIFT_EV_MIDSTREAM);
        conn_count_event(t, c, TCPSIFT_ANOMALY_MIDSTREAM_PICKUP);
    }

    /* Data beyond the FIN this endpoint already sent (RFC 9293 §3.10.4). */
    if ((s->flags & EP_FIN_SEEN) && pkt->payload_len > 0 &&
        seq_gt(pkt->seq + (uint32_t)pkt->payload_len, s->fin_seq))
        conn_count_event(t, c, TCPSIFT_ANOMALY_DATA_AFTER_FIN);

    int new_data = 0, syn_repeat = 0;
    if (f & TCPSIFT_TCP_SYN) {
        int repeat = (s->flags & EP_SYN_SEEN) && s->isn == pkt->seq;
        syn_repeat = repeat;
        if (!repeat) {
            /* A new ISN: a stream based on the old one would misplace every
             * byte (an attempt re-made while SYN-SENT). */
            if (s->flags & EP_SYN_SEEN) tracker_stream_rebase(t, c, from);
            note_syn(c, from, pkt);
            s->flags &= (uint16_t)~EP_NEXT_VALID;
        }
        if (pkt->payload_len > 0) conn_count_event(t, c, TCPSIFT_ANOMALY_SYN_WITH_DATA);
        if (f & TCPSIFT_TCP_ACK) {
            if (from == 1) c->handshake_synack = 1;
        } else if (from == 0) {
            c->handshake_syn = 1;
        }
    }
    /* The one-sided capture seen from the other side: a SYN_SENT peer never seen sending (its
     * state inferred from this endpoint's SYN,ACK), whose bytes this ACK covers past the last one
     * (its SYN's, at first), sent data or a FIN, which it does only once synchronized (RFC 9293
     * §3.10.7.3): its ACK of this endpoint's SYN went unseen. Judged before ack_analysis() moves
     * last_ack. */
    int peer_synchronized_unseen = (f & (TCPSIFT_TCP_ACK | TCPSIFT_TCP_SYN)) == TCPSIFT_TCP_ACK &&
                                   r->state == TCPSIFT_ST_SYN_SENT && !(r->flags & EP_SENT) &&
                                   (s->flags & EP_ACK_SEEN) && seq_gt(pkt->ack, s->last_ack);
    sequence_analysis(t, c, from, pkt, &new_data);
    ack_analysis(t, c, from, pkt);

    /* ---- state events, in the order docs/state-events.md gives ---- */
    if (f & TCPSIFT_TCP_RST) {
        /* An RST is judged for acceptability only; its ACK field is not an
         * acknowledgement (RFC 9293 §3.10.7.3). */
        tracker_stream_segment(t, c, from, pkt);
        switch (judge_rst(c, from, pkt)) {
        case RST_ACCEPT:
            accept_rst(t, c, from);
            break;
        case RST_PENDING:
            conn_count_event(t, c, TCPSIFT_ANOMALY_RST_IN_WINDOW_PENDING);
            c->rst_active = 1;
            c->rst_from = (unsigned)from & 1u;
            c->rst_refuted = 0;
            break;
        case RST_IGNORE:
            conn_count_event(t, c, TCPSIFT_ANOMALY_RST_OUT_OF_WINDOW);
            break;
        }
        return 0;
    }
    int acks = (f & TCPSIFT_TCP_ACK) != 0;
    if (acks && fin_unacknowledged(r)) fin_decide(t, c, from, pkt->ack);
    /* ACK-coverage events are level-triggered in the table: they are raised
     * again while the endpoint is in a state that still waits for them (a
     * simultaneous opener acks the peer's SYN after its own SYN-ACK). */
    int s_waits_syn_ack = s->state == TCPSIFT_ST_SYN_SENT || s->state == TCPSIFT_ST_SYN_RECEIVED;
    int r_waits_syn_ack = r->state == TCPSIFT_ST_SYN_SENT || r->state == TCPSIFT_ST_SYN_RECEIVED;
    int r_waits_fin_ack = r->state == TCPSIFT_ST_FIN_WAIT_1 || r->state == TCPSIFT_ST_CLOSING ||
                          r->state == TCPSIFT_ST_LAST_ACK;
    /* Whether an ACK of the peer's SYN could still raise an event: both
     * conditions below that read acks_peer_syn also need one of these facts
     * (neither changes before they are read), so once the handshake is done
     * the sequence comparison is skipped. */
    int syn_ack_pending = !(s->flags & EP_ACKED_PEER_SYN) || s_waits_syn_ack ||
                          !(r->flags & EP_SYN_ACKED_BY_PEER) || r_waits_syn_ack;
    int acks_peer_syn = acks && (((f & TCPSIFT_TCP_SYN) != 0) ||
                                 (syn_ack_pending && (r->flags & EP_SYN_SEEN) &&
                                  seq_gt(pkt->ack, r->isn)));
    int acks_peer_fin = acks && (r->flags & EP_FIN_SEEN) && seq_gt(pkt->ack, r->fin_seq);
    if (f & TCPSIFT_TCP_SYN) {
        raise_event(t, c, from,
                    acks         ? TCPSIFT_EV_SEND_SYNACK
                    : syn_repeat ? TCPSIFT_EV_RESEND_SYN
                                 : TCPSIFT_EV_SEND_SYN);
        if (acks) {
            s->flags |= EP_ACKED_PEER_SYN; /* the SYN-ACK itself answers the SYN */
            /* Simultaneous open: the peer's SYN,ACK acknowledged this end's SYN before this
             * SYN,ACK was captured. An end that had taken it would be ESTABLISHED and send a bare
             * ACK, so it was in flight: it arrives now, and SYN-RECEIVED takes it (RFC 9293
             * Figure 8; Linux tcp_validate_incoming() lets it pass). The two crossing SYN,ACKs
             * complete the handshake: each acknowledges the other end's SYN. */
            if ((s->flags & EP_SYN_ACKED_BY_PEER) && s->state == TCPSIFT_ST_SYN_RECEIVED) {
                raise_event(t, c, from, TCPSIFT_EV_RECV_ACK_OF_SYN);
                if (c->handshake_syn && c->handshake_synack) c->handshake = 1;
            }
            if (t->streams && syn_data_refused(c, from, pkt))
                tracker_stream_syn_data_refused(t, c, 1 - from, c->ep[1 - from].next_seq);
            if (t->streams && pkt->payload_len > 0) synack_data_note(t, c, from, pkt);
        }
    } else if (acks && s->state == TCPSIFT_ST_SYN_SENT && !(r->flags & (EP_SENT | EP_SYN_SEEN))) {
        /* A SYN-SENT endpoint sends nothing but SYNs until the peer's SYN,ACK reaches it (RFC
         * 9293 §3.10.7.3): an ACK from it shows it took one the capture does not have (a
         * one-sided capture, or lost before the capture point). Its ACK covers that unseen SYN. */
        s->flags |= EP_ACKED_PEER_SYN;
        conn_count_event(t, c, TCPSIFT_ANOMALY_ACK_UNSEEN_SEGMENT);
        raise_event(t, c, from, TCPSIFT_EV_SEND_ACK_OF_SYN);
    } else if (acks_peer_syn && (!(s->flags & EP_ACKED_PEER_SYN) || s_waits_syn_ack)) {
        s->flags |= EP_ACKED_PEER_SYN;
        raise_event(t, c, from, TCPSIFT_EV_SEND_ACK_OF_SYN);
        if (t->streams) synack_data_judge(t, c, from, pkt);
    }
    /* The client's ACK of the server's SYN after the server's SYN-ACK completes the handshake,
     * also when the client's own SYN-ACK (a simultaneous open) had acknowledged that SYN first
     * and this ACK raises no event. */
    if (!c->handshake && from == 0 && acks && !(f & TCPSIFT_TCP_SYN) && c->handshake_syn &&
        c->handshake_synack && (r->flags & EP_SYN_SEEN) && seq_gt(pkt->ack, r->isn))
        c->handshake = 1;
    if (acks_peer_fin && !(s->flags & EP_ACKED_PEER_FIN)) {
        s->flags |= EP_ACKED_PEER_FIN;
        raise_event(t, c, from, TCPSIFT_EV_SEND_ACK_OF_FIN);
    }
    /* Data on the SYN itself is syn_with_data, not data before the
     * handshake (docs/state-events.md, SEND_DATA; RFC 9293 §3.10.7.2 queues it). Bytes
     * that end at or below the sender's FIN were sent before it (reordered, or filling a hole
     * the FIN came ahead of): not data after the FIN. */
    if (new_data && !(f & TCPSIFT_TCP_SYN) &&
        !((s->flags & EP_FIN_SEEN) && seq_leq(pkt->seq + (uint32_t)pkt->payload_len, s->fin_seq)))
        raise_event(t, c, from, TCPSIFT_EV_SEND_DATA);
    if (f & TCPSIFT_TCP_FIN) {
        uint32_t fin_at = pkt->seq + (uint32_t)pkt->payload_len;
        /* A LAST_ACK end whose final ACK was seen but lost re-sends its FIN
         * from the observer's CLOSED; sequence analysis already counts it as
         * a retransmission, so not also segment_after_close
         * (docs/state-events.md: one or the other). */
        int resent_after_close =
            (s->flags & EP_FIN_SEEN) && fin_at == s->fin_seq && s->state == TCPSIFT_ST_CLOSED;
        /* A FIN at a second position is not in force: SEND_FIN waits until it is taken
         * (fin_replace), and it is no retransmission. */
        int moved = 0;
        if (!(s->flags & EP_FIN_SEEN)) {
            s->fin_seq = fin_at;
            s->flags |= EP_FIN_SEEN;
        } else if (fin_at != s->fin_seq && fin_unacknowledged(s)) {
            fin_note_alternative(t, c, from, fin_at);
            moved = 1;
        }
        if (!resent_after_close && !moved) raise_event(t, c, from, TCPSIFT_EV_SEND_FIN);
    }
    if (acks_peer_syn && (!(r->flags & EP_SYN_ACKED_BY_PEER) || r_waits_syn_ack)) {
        r->flags |= EP_SYN_ACKED_BY_PEER;
        raise_event(t, c, 1 - from, TCPSIFT_EV_RECV_ACK_OF_SYN);
    }
    if (peer_synchronized_unseen && r->state == TCPSIFT_ST_SYN_SENT) {
        r->flags |= EP_ACKED_PEER_SYN;
        raise_event(t, c, 1 - from, TCPSIFT_EV_SEND_ACK_OF_SYN);
    }
    if (acks_peer_fin && (!(r->flags & EP_FIN_ACKED_BY_PEER) || r_waits_fin_ack)) {
        r->flags |= EP_FIN_ACKED_BY_PEER;
        raise_event(t, c, 1 - from, TCPSIFT_EV_RECV_ACK_OF_FIN);
    }
    return 1;
}


/* Stream bytes: the sender's segment, then its acknowledgement of the peer.
 * Data the receiver's window cannot hold is dropped by the receiver
 * (RFC 9293 §3.10.7.4), so it is not delivered. */
static inline void segment_streams(struct tcpsift_tracker *t, conn *c, int from,
                                   const tcpsift_packet *pkt)
{
    int streams = t->streams; /* else the stream glue has nothing to do */
    if (pkt->payload_len > 0 && outside_receive_window(c, from, pkt))
        conn_count_event(t, c, TCPSIFT_ANOMALY_DATA_OUT_OF_WINDOW);
    else if (pkt->payload_len == 1 && segment_marked(t, TCPSIFT_ANOMALY_ZERO_WINDOW_PROBE))
        ; /* the probe's byte (Suricata skips it too): zero_window_drops() */
    else if (pkt->payload_len > 0 && zero_window_drops(c, from, pkt))
        conn_count_event(t, c, TCPSIFT_ANOMALY_DATA_OUT_OF_WINDOW);
    else if (streams && !stream_segment_noop(t, c, from, pkt))
        tracker_stream_segment(t, c, from, pkt);
    if ((pkt->tcp_flags & TCPSIFT_TCP_ACK) && streams &&
        (t->no_stream_direct || !stream_ack_noop(c, 1 - from, pkt->ack)))
        tracker_stream_ack(t, c, 1 - from, pkt->ack);
}

/* ---- the steady segment (issue 9) ----
 *
 * Most segments of a connection are in-order data, ACKs and FINs between
 * two synchronized endpoints. For them most of segment_general()'s sixty-odd
 * rules are silent: no anomaly of the segment checks, no SYN or RST rule, no
 * sequence or acknowledgement anomaly. steady_segment() recognises such a
 * segment from conditions that each make one of those rules provably silent
 * (listed below with the rule each one silences); steady_update() then does
 * exactly what segment_general() would do with it: the sequence,
 * acknowledgement, window and timestamp bookkeeping, the history letters and
 * Zeek state (the same functions), and the FIN and ACK-of-FIN events through
 * the table (raise_event(), in segment_general()'s order). Any other segment
 * takes segment_general(). With tracker.verify_steady set (tests only),
 * every steady segment is run through both and compared (steady_verify). */

enum {
    /* Sender: has sent (no first-sender rules), its ACK of the peer's SYN
     * was seen, its last ACK, next sequence, window and TTL are known. */
    STEADY_S_NEED = EP_SENT | EP_ACKED_PEER_SYN | EP_ACK_SEEN | EP_NEXT_VALID | EP_WIN_VALID |
                    EP_TTL_SEEN,
    /* Receiver: its SYN's acknowledgement was raised, its next sequence is
     * known. */
    STEADY_R_NEED = EP_SYN_ACKED_BY_PEER | EP_NEXT_VALID,
    /* States waiting for an ACK of a SYN: with them the ACK-of-SYN events
     * (and, for the receiver, the SYN-SENT drop) would need judging. */
    STEADY_SYN_STATES = 1u << TCPSIFT_ST_SYN_SENT | 1u << TCPSIFT_ST_SYN_RECEIVED,
    /* Options only a SYN may carry (option_outside_syn), and TCP-MD5, a signature the receiver
     * may never have agreed to (tcp_signature_policy.c). */
    STEADY_GENERAL_OPTIONS = TCPSIFT_OPT_MSS | TCPSIFT_OPT_WSCALE | TCPSIFT_OPT_SACK_PERM |
                             TCPSIFT_OPT_MD5
};
_Static_assert(TCPSIFT_ST_COUNT <= 32, "states must fit the STEADY_SYN_STATES mask");

/* The sender's window in bytes (scaled_window() for a segment without SYN). */
static inline uint32_t steady_window(const endpoint *s, const endpoint *r, const tcpsift_packet *pkt)
{
    return (s->flags & r->flags & EP_WS_OFFERED) ? (uint32_t)pkt->window << s->wscale
                                                 : pkt->window;
}

static inline int steady_segment(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    unsigned f = pkt->tcp_flags;
    size_t len = pkt->payload_len;
    /* ACK, maybe FIN, PSH, ECE, CWR, NS (which no rule reads): valid flags,
     * no SYN, RST or urgent rules. */
    if ((f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST | TCPSIFT_TCP_URG | TCPSIFT_TCP_ACK)) !=
        TCPSIFT_TCP_ACK)
        return 0;
    if ((s->flags & STEADY_S_NEED) != STEADY_S_NEED || (r->flags & STEADY_R_NEED) != STEADY_R_NEED)
        return 0;
    /* After its own FIN only a bare ACK: no data_after_fin, no repeated FIN. */
    if ((s->flags & EP_FIN_SEEN) && (len || (f & TCPSIFT_TCP_FIN))) return 0;
    /* With the flags above, no ACK-of-SYN event and no SYN-SENT drop. */
    if (((1u << s->state) | (1u << r->state)) & STEADY_SYN_STATES) return 0;
    /* No pending RST to refute, no signature to judge (one mask test). */
    if (c->rst_active || c->signature_required) return 0;
    /* In order: not a keep-alive, retransmission, hole fill or lost segment. */
    if (pkt->seq != s->next_seq) return 0;
    if ((f & TCPSIFT_TCP_FIN) && fin_unacceptable(c, from, pkt)) return 0; /* fin_out_of_window */
    /* Neither below the first TTL (ttl policy) nor changed. */
    if (pkt->ttl != c->ttl_first[from]) return 0;
    /* No zero_window, no Zeek W. */
    if (pkt->window == 0) return 0;
    if (!(pkt->layers & TCPSIFT_LAYER_TCP_OPTIONS)) return 0; /* bad_option */
    if (pkt->opts.present & STEADY_GENERAL_OPTIONS) return 0;
    /* Not truncated; a length whose 32-bit sequence arithmetic is plain. */
    if (len >= 0x80000000u || pkt->payload.len < len) return 0;
    if (len == 1 && r->last_win == 0) return 0; /* zero_window_probe */
    /* ack_analysis(): not below the last ACK (ack_out_of_window), not past
     * the peer's data (ack_unseen_segment), a bare ACK moves it (else a
     * duplicate ACK or window update), the right edge does not move left. */
    uint32_t ack = pkt->ack;
    if (seq_lt(ack, s->last_ack) || seq_gt(ack, r->next_seq)) return 0;
    /* The peer's FIN not acknowledged yet: anything but its exact ACK may refute it or take
     * another FIN position (fin_decide). */
    if (fin_unacknowledged(r) && ack != r->fin_seq + 1) return 0;
    if (!(len | (f & TCPSIFT_TCP_FIN)) && ack == s->last_ack) return 0;
    if (seq_lt(ack + steady_window(s, r, pkt), s->right_edge)) return 0;
    /* Timestamps negotiated: present and not older than TS.Recent (PAWS). */
    if ((s->flags & r->flags & EP_TS_OFFERED) &&
        (!(pkt->opts.present & TCPSIFT_OPT_TIMESTAMP) || seq_lt(pkt->opts.tsval, s->ts_recent)))
        return 0;
    return 1;
}

/* TS.Recent on a direct path, as segment_general() updates it with paws_failed 0 (a direct path
 * has checked PAWS). */
static inline void direct_ts_recent(endpoint *s, const endpoint *r, const tcpsift_packet *pkt)
{
    if ((pkt->opts.present & TCPSIFT_OPT_TIMESTAMP) && ts_recent_takes(s, pkt->opts.tsval) &&
        (!(r->flags & EP_ACK_SEEN) || seq_leq(pkt->seq, r->last_ack)))
        s->ts_recent = pkt->opts.tsval;
}

/* segment_general()'s effects on a steady segment, in its order. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline void steady_update(struct tcpsift_tracker *t, conn *c, int from,
                                 const tcpsift_packet *pkt)
{
    endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    size_t len = pkt->payload_len;
    uint32_t fin = (pkt->tcp_flags & TCPSIFT_TCP_FIN) != 0;
    uint32_t win = steady_window(s, r, pkt);
    /* D, A or F, per Zeek's rules (no W: the window is not zero). */
    zeek_history_packet(t, c, from, pkt);
    direct_ts_recent(s, r, pkt);
    zeek_endpoint_update(c, from, pkt);
    /* Completeness: FIN, or ACK (after a SYN-ACK); DATA. */
    if (fin)
        c->completeness |= 16;
    else if (len == 0 && (c->completeness & 2))
        c->completeness |= 4;
    if (len) c->completeness |= 8;
    s->flags &= (uint16_t)~EP_LAST_KEEPALIVE;
    s->next_seq = pkt->seq + (uint32_t)len + fin;
    s->last_ack = pkt->ack; /* not older: checked */
    s->right_edge = pkt->ack + win;
    s->last_win = pkt->window;
    if (win > s->max_win) s->max_win = win;
    /* State events, in segment_general()'s order (no SYN ones here). */
    int acks_peer_fin = (r->flags & EP_FIN_SEEN) && seq_gt(pkt->ack, r->fin_seq);
    if (acks_peer_fin && !(s->flags & EP_ACKED_PEER_FIN)) {
        s->flags |= EP_ACKED_PEER_FIN;
        raise_event(t, c, from, TCPSIFT_EV_SEND_ACK_OF_FIN);
    }
    if (len) raise_event(t, c, from, TCPSIFT_EV_SEND_DATA);
    if (fin) {
        /* Its first FIN (checked), so never resent_after_close. */
        s->fin_seq = pkt->seq + (uint32_t)len;
        s->flags |= EP_FIN_SEEN;
        raise_event(t, c, from, TCPSIFT_EV_SEND_FIN);
    }
    if (acks_peer_fin) {
        int r_waits_fin_ack = r->state == TCPSIFT_ST_FIN_WAIT_1 || r->state == TCPSIFT_ST_CLOSING ||
                              r->state == TCPSIFT_ST_LAST_ACK;
        if (!(r->flags & EP_FIN_ACKED_BY_PEER) || r_waits_fin_ack) {
            r->flags |= EP_FIN_ACKED_BY_PEER;
            raise_event(t, c, 1 - from, TCPSIFT_EV_RECV_ACK_OF_FIN);
        }
    }
}

/* Tests only (tracker.verify_steady, verify_embryo_syn): a direct path checked against the
 * general one. The direct path runs first on a copy of the connection with its own copy of the
 * side tables (counts spilled there must not be added twice); the tracker counters and
 * per-segment anomaly marks it left are kept and the tracker's restored; then the general path
 * runs on the connection itself, and both must leave the same connection bytes, side tables,
 * counters and marks. Side tables the copy allocated are given back. */
typedef struct verify_copy {
    conn fast;
    conn_ext fast_ext;
    conn_rare fast_rare;
    tcpsift_tracker_stats stats_before, stats_fast;
    uint64_t marks_before[2], marks_fast[2];
} verify_copy;

CONN_COLD static void verify_begin(const struct tcpsift_tracker *t, const conn *c, verify_copy *v)
{
    memcpy(&v->fast, c, sizeof v->fast);
    if (c->ext) {
        memcpy(&v->fast_ext, c->ext, sizeof v->fast_ext);
        v->fast.ext = &v->fast_ext;
        if (c->ext->rare) {
            memcpy(&v->fast_rare, c->ext->rare, sizeof v->fast_rare);
            v->fast_ext.rare = &v->fast_rare;
        }
    }
    memcpy(&v->stats_before, &t->stats, sizeof v->stats_before);
    memcpy(v->marks_before, t->segment_anomalies, sizeof v->marks_before);
}

/* The direct path has run on v->fast: keep what it did to the tracker, undo it. */
CONN_COLD static void verify_direct_done(struct tcpsift_tracker *t, verify_copy *v)
{
    memcpy(&v->stats_fast, &t->stats, sizeof v->stats_fast);
    memcpy(v->marks_fast, t->segment_anomalies, sizeof v->marks_fast);
    memcpy(&t->stats, &v->stats_before, sizeof v->stats_before);
    memcpy(t->segment_anomalies, v->marks_before, sizeof v->marks_before);
}

/* Both side tables' contents alike (where they live and their slots aside). */
static int side_tables_same(const conn_ext *a, const conn_ext *b)
{
    if ((a != NULL) != (b != NULL)) return 0;
    if (!a) return 1;
    if (memcmp(a, b, offsetof(conn_ext, rare)) != 0) return 0;
    if ((a->rare != NULL) != (b->rare != NULL)) return 0;
    return !a->rare || memcmp(a->rare, b->rare, offsetof(conn_rare, slot)) == 0;
}

/* The general path has run on c: 1 when both left the same. */
CONN_COLD static int verify_end(struct tcpsift_tracker *t, const conn *c, verify_copy *v)
{
    conn_ext *fast_side = v->fast.ext;
    uint8_t fast_slot = v->fast.ext_slot;
    int same = side_tables_same(fast_side, c->ext);
    /* compared above by content */
    v->fast.ext = c->ext;
    v->fast.ext_slot = c->ext_slot;
    same = same && memcmp(c, &v->fast, sizeof v->fast) == 0 &&
           memcmp(&t->stats, &v->stats_fast, sizeof v->stats_fast) == 0 &&
           memcmp(t->segment_anomalies, v->marks_fast, sizeof v->marks_fast) == 0;
    if (fast_side && fast_side != &v->fast_ext) {
        v->fast.ext = fast_side; /* allocated by the direct path, with its rare table if any */
        v->fast.ext_slot = fast_slot;
        conn_ext_free(t, &v->fast);
    } else if (fast_side && fast_side->rare && fast_side->rare != &v->fast_rare) {
        conn_rare_free(t, fast_side); /* only the rare table was allocated by the direct path */
    }
    return same;
}

/* Tests only: the steady update checked against segment_general(). */
CONN_COLD static void steady_verify(struct tcpsift_tracker *t, conn *c, int from,
                                    const tcpsift_packet *pkt)
{
    verify_copy v;
    verify_begin(t, c, &v);
    steady_update(t, &v.fast, from, pkt);
    verify_direct_done(t, &v);
    int tail = segment_general(t, c, pkt, from, 0);
    t->steady_checked++;
    if (!verify_end(t, c, &v) || !tail) t->steady_mismatches++;
}

/* ---- the handshake's SYN-ACK and its completing ACK (issue 9) ----
 *
 * After the originator's first SYN (embryo_syn_apply() or the general path)
 * two segments of nearly every connection are still control segments the
 * steady path cannot take: the responder's SYN-ACK and the originator's ACK
 * of it. For a plain one most of segment_general()'s rules are again
 * silent. handshake_synack_plain() and handshake_ack_plain() recognise them
 * from conditions that each make one named rule provably silent (written
 * beside each); handshake_synack_apply() / handshake_ack_apply() then do
 * exactly what segment_general() does with such a segment, in its order,
 * with the same table events through raise_event(); segment_streams()
 * follows as for any segment. Any other segment takes segment_general().
 * With tracker.verify_handshake set (tests only) both run and are compared
 * (handshake_verify). */
enum handshake_kind { HS_NONE = 0, HS_SYNACK, HS_ACK };

enum {
    /* ACK of the SYN-ACK, sender: it has sent (no first-sender rules:
     * midstream pickup, direction_flipped), its SYN was seen (no SYN-SENT
     * drop), its next sequence is known (sequence_analysis() judges order)
     * and its first TTL recorded (the TTL rules, with the TTL test below). */
    HS_ACK_S_NEED = EP_SENT | EP_SYN_SEEN | EP_NEXT_VALID | EP_TTL_SEEN,
    /* ... and it has acknowledged nothing yet: no duplicate ACK, window
     * update or ack_out_of_window (EP_ACK_SEEN), no window_shrunk
     * (EP_WIN_VALID), SEND_ACK_OF_SYN is raised (EP_ACKED_PEER_SYN), no
     * data_after_fin (EP_FIN_SEEN). */
    HS_ACK_S_MASK = HS_ACK_S_NEED | EP_ACK_SEEN | EP_WIN_VALID | EP_ACKED_PEER_SYN | EP_FIN_SEEN,
    /* Receiver: its SYN was seen (the ACK covers it: acks_peer_syn) and its
     * next sequence known (ack_unseen_segment is judged below); no FIN (no
     * acks_peer_fin). */
    HS_ACK_R_NEED = EP_SYN_SEEN | EP_NEXT_VALID,
    HS_ACK_R_MASK = HS_ACK_R_NEED | EP_FIN_SEEN,
    /* Flags read by some rule: of these a plain SYN-ACK has SYN and ACK, a
     * plain ACK only ACK (PSH, ECE, CWR and NS are read by none). */
    HS_FLAGS = TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST |
               TCPSIFT_TCP_URG
};

/* The responder's SYN-ACK answering the originator's SYN. */
static inline int handshake_synack_plain(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    /* SYN+ACK without FIN, RST, URG: valid flags (invalid_flags), no RST
     * rules, no FIN, no urgent_data. From the responder: handshake_synack. */
    if ((pkt->tcp_flags & HS_FLAGS) != (TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK) || from != 1) return 0;
    /* The responder sent nothing yet (no flag at all): no TTL recorded
     * (ttl_outlier() needs one; the first TTL is taken, no ttl_changed), a
     * new ISN (Zeek's H; note_syn(); no stream rebase, no RESEND_SYN), no
     * timestamps offered (no PAWS; TS.Recent taken), no ACK or window (no
     * duplicate ACK, ack_out_of_window; the SYN's window cannot shrink),
     * next sequence unknown (sequence_analysis() takes the SYN's). Zeek
     * INACTIVE: its SYN-ACK establishes it (zeek_endpoint_update_all()). */
    if (s->flags != 0 || s->zeek != ZEEK_INACTIVE) return 0;
    /* The originator: its SYN seen and its next sequence known (judged
     * below), no FIN (no acks_peer_fin), not yet acknowledged by anyone's
     * ACK (no TS.Recent condition on Last.ACK.sent), Zeek SYN_SENT (the
     * SYN-ACK establishes it too). */
    if ((r->flags & (HS_ACK_R_MASK | EP_ACK_SEEN)) != HS_ACK_R_NEED || r->zeek != ZEEK_SYN_SENT)
        return 0;
    /* It acknowledges exactly the SYN, and nothing the originator did not
     * send: no ack_unseen_segment. */
    if (pkt->ack != r->isn + 1 || seq_gt(pkt->ack, r->next_seq)) return 0;
    if (c->flipped) return 0;            /* direction_flipped */
    if (c->rst_active || c->signature_required) return 0; /* check_pending_rst(), a signature */
    if (pkt->payload_len != 0) return 0; /* syn_with_data, segment_truncated, no stream bytes */
    if (!(pkt->layers & TCPSIFT_LAYER_TCP_OPTIONS)) return 0; /* bad_option */
    if (pkt->opts.present & TCPSIFT_OPT_MD5) return 0; /* a signature to judge */
    /* wscale_too_large (and note_syn()'s cap is then a plain copy). */
    if ((pkt->opts.present & TCPSIFT_OPT_WSCALE) && pkt->opts.wscale > 14) return 0;
    if (pkt->window == 0) return 0; /* Zeek's W count (a SYN is no zero_window) */
    return 1;
}

/* segment_general()'s effects on a plain SYN-ACK, in its order. */
static inline void handshake_synack_apply(struct tcpsift_tracker *t, conn *c,
                                          const tcpsift_packet *pkt)
{
    endpoint *s = &c->ep[1], *r = &c->ep[0];
    uint32_t opts = pkt->opts.present;
    /* segment_general()'s SYN-ACK rule for data on the SYN it does not acknowledge. */
    if (t->streams && syn_data_refused(c, 1, pkt)) tracker_stream_syn_data_refused(t, c, 0, c->ep[0].next_seq);
    /* zeek_history_packet_all(): a SYN-ACK of an ISN not seen before; no W. */
    zeek_history_add(c, 1, 'H');
    /* segment_checks(): the first TTL. */
    s->flags |= EP_TTL_SEEN;
    c->ttl_first[1] = pkt->ttl;
    /* TS.Recent: nothing offered by the responder yet, nothing acknowledged
     * by the originator: every TSval counts. */
    if (opts & TCPSIFT_OPT_TIMESTAMP) s->ts_recent = pkt->opts.tsval;
    /* zeek_endpoint_update_all(): the responder's SYN-ACK establishes both. */
    r->zeek = ZEEK_ESTABLISHED;
    s->zeek = ZEEK_ESTABLISHED;
    c->completeness |= 2;
    s->flags |= EP_SENT;
    syn_note(c, 1, pkt->seq, opts, pkt->opts.wscale, pkt->opts.tsval); /* note_syn() */
    c->handshake_synack = 1;
    /* sequence_analysis(): the endpoint's first sequence number. */
    s->next_seq = pkt->seq + 1;
    s->flags |= EP_NEXT_VALID;
    /* ack_analysis(): a SYN's window is never scaled (RFC 7323 §2.2). */
    s->last_ack = pkt->ack;
    s->right_edge = pkt->ack + pkt->window;
    s->flags |= EP_ACK_SEEN | EP_WIN_VALID;
    s->last_win = pkt->window;
    if (pkt->window > s->max_win) s->max_win = pkt->window;
    /* State events: SEND_SYNACK, then the originator's RECV_ACK_OF_SYN. */
    int r_waits_syn_ack = r->state == TCPSIFT_ST_SYN_SENT || r->state == TCPSIFT_ST_SYN_RECEIVED;
    raise_event(t, c, 1, TCPSIFT_EV_SEND_SYNACK);
    s->flags |= EP_ACKED_PEER_SYN;
    if (!(r->flags & EP_SYN_ACKED_BY_PEER) || r_waits_syn_ack) {
        r->flags |= EP_SYN_ACKED_BY_PEER;
        raise_event(t, c, 0, TCPSIFT_EV_RECV_ACK_OF_SYN);
    }
}

/* The first ACK of the peer's SYN (the handshake's third segment), with or
 * without data, in order. */
static inline int handshake_ack_plain(const conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    size_t len = pkt->payload_len;
    /* ACK only: valid flags, no SYN, FIN, RST or urgent rules. */
    if ((pkt->tcp_flags & HS_FLAGS) != TCPSIFT_TCP_ACK) return 0;
    if ((s->flags & HS_ACK_S_MASK) != HS_ACK_S_NEED) return 0;
    if ((r->flags & HS_ACK_R_MASK) != HS_ACK_R_NEED) return 0;
    if (c->rst_active || c->signature_required) return 0; /* check_pending_rst(), a signature */
    /* In order: not a keep-alive, retransmission, hole fill or lost segment. */
    if (pkt->seq != s->next_seq) return 0;
    /* Neither below the first TTL (ttl policy) nor changed (ttl_changed). */
    if (pkt->ttl != c->ttl_first[from]) return 0;
    if (pkt->window == 0) return 0; /* zero_window, Zeek's W */
    if (!(pkt->layers & TCPSIFT_LAYER_TCP_OPTIONS)) return 0; /* bad_option */
    if (pkt->opts.present & STEADY_GENERAL_OPTIONS) return 0; /* option_outside_syn, a signature */
    /* Not truncated; a length whose 32-bit sequence arithmetic is plain. */
    if (len >= 0x80000000u || pkt->payload.len < len) return 0;
    if (len == 1 && r->last_win == 0) return 0; /* zero_window_probe */
    /* It covers exactly the peer's SYN (acks_peer_syn: SEND_ACK_OF_SYN and
     * RECV_ACK_OF_SYN) and nothing unsent (ack_unseen_segment). */
    if (pkt->ack != r->isn + 1 || seq_gt(pkt->ack, r->next_seq)) return 0;
    /* The peer sent its SYN alone so far (else this ACK may refuse a SYN-ACK's data:
     * synack_data_judge()). */
    if (r->next_seq != r->isn + 1) return 0;
    /* Timestamps negotiated: present (timestamp_missing) and not older than
     * TS.Recent (PAWS). */
    if ((s->flags & r->flags & EP_TS_OFFERED) &&
        (!(pkt->opts.present & TCPSIFT_OPT_TIMESTAMP) || seq_lt(pkt->opts.tsval, s->ts_recent)))
        return 0;
    return 1;
}

/* segment_general()'s effects on a plain handshake ACK, in its order. */
static inline void handshake_ack_apply(struct tcpsift_tracker *t, conn *c, int from,
                                       const tcpsift_packet *pkt)
{
    endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    size_t len = pkt->payload_len;
    uint32_t win = steady_window(s, r, pkt); /* scaled_window() without SYN */
    /* zeek_history_packet_all() without SYN, FIN or RST: D for data, else A
     * for the ACK, each once per direction; no W (the window is not zero). */
    unsigned once = len ? ONCE_D : ONCE_A;
    if (!(s->hist_once & once)) {
        s->hist_once = (uint8_t)(s->hist_once | once);
        zeek_history_add(c, from, len ? 'D' : 'A');
    }
    direct_ts_recent(s, r, pkt);
    zeek_endpoint_update(c, from, pkt);
    /* Completeness: ACK (after a SYN-ACK) or DATA. */
    if (len)
        c->completeness |= 8;
    else if (c->completeness & 2)
        c->completeness |= 4;
    /* sequence_analysis(): in order. */
    s->flags &= (uint16_t)~EP_LAST_KEEPALIVE;
    s->next_seq = pkt->seq + (uint32_t)len;
    /* ack_analysis(): its first ACK and window. */
    s->last_ack = pkt->ack;
    s->right_edge = pkt->ack + win;
    s->flags |= EP_ACK_SEEN | EP_WIN_VALID;
    s->last_win = pkt->window;
    if (win > s->max_win) s->max_win = win;
    /* State events, in segment_general()'s order. */
    int r_waits_syn_ack = r->state == TCPSIFT_ST_SYN_SENT || r->state == TCPSIFT_ST_SYN_RECEIVED;
    s->flags |= EP_ACKED_PEER_SYN;
    raise_event(t, c, from, TCPSIFT_EV_SEND_ACK_OF_SYN);
    if (from == 0 && c->handshake_syn && c->handshake_synack) c->handshake = 1;
    if (len) raise_event(t, c, from, TCPSIFT_EV_SEND_DATA);
    if (!(r->flags & EP_SYN_ACKED_BY_PEER) || r_waits_syn_ack) {
        r->flags |= EP_SYN_ACKED_BY_PEER;
        raise_event(t, c, 1 - from, TCPSIFT_EV_RECV_ACK_OF_SYN);
    }
}

static inline enum handshake_kind handshake_segment(const conn *c, int from,
                                                    const tcpsift_packet *pkt)
{
    if (pkt->tcp_flags & TCPSIFT_TCP_SYN) return handshake_synack_plain(c, from, pkt) ? HS_SYNACK : HS_NONE;
    return handshake_ack_plain(c, from, pkt) ? HS_ACK : HS_NONE;
}

static inline void handshake_apply(struct tcpsift_tracker *t, conn *c, int from,
                                   const tcpsift_packet *pkt, enum handshake_kind kind)
{
    if (kind == HS_SYNACK)
        handshake_synack_apply(t, c, pkt);
    else
        handshake_ack_apply(t, c, from, pkt);
}

/* Tests only: a handshake segment's direct path checked against segment_general(). */
CONN_COLD static void handshake_verify(struct tcpsift_tracker *t, conn *c, int from,
                                       const tcpsift_packet *pkt, enum handshake_kind kind)
{
    verify_copy v;
    verify_begin(t, c, &v);
    handshake_apply(t, &v.fast, from, pkt, kind);
    verify_direct_done(t, &v);
    int tail = segment_general(t, c, pkt, from, 0);
    t->handshake_checked++;
    if (kind == HS_SYNACK) t->handshake_synack_checked++;
    if (!verify_end(t, c, &v) || !tail) t->handshake_mismatches++;
}

void tcp_conn_segment(struct tcpsift_tracker *t, conn *c, const tcpsift_packet *pkt, int from,
                      int discard)
{
    t->cur_pkt = pkt;
    t->cur_from = from;
    conn_count_packets(t, c, from, 1, pkt->payload_len);
    enum handshake_kind hs = HS_NONE;
    if (!discard && steady_segment(c, from, pkt)) {
        if (t->verify_steady)
            steady_verify(t, c, from, pkt);
        else
            steady_update(t, c, from, pkt);
    } else if (!discard && (hs = handshake_segment(c, from, pkt)) != HS_NONE) {
        if (t->verify_handshake)
            handshake_verify(t, c, from, pkt, hs);
        else
            handshake_apply(t, c, from, pkt, hs);
    } else if (!segment_general(t, c, pkt, from, discard)) {
        return;
    }
    segment_streams(t, c, from, pkt);
}

/* ---- the first SYN of a promoted embryo (issue 9) ----
 *
 * embryo_replay() gives tcp_conn_segment() the kept SYN as sender 0 with a
 * good checksum on a connection it has just zeroed; the SYN has no payload,
 * parsed options and, of SYN, ACK, FIN and RST, only SYN (embryo_wanted()).
 * On such a connection most of segment_general()'s rules are silent: the
 * first TTL is still 0 (no TTL policy drop, no ttl_changed), the peer has
 * sent nothing (no SYN-SENT drop, no timestamp negotiation, no PAWS, no ACK
 * or window rules), nothing was sent before (a SYN is no midstream pickup,
 * no retransmission), the connection is not flipped and has no stream (and
 * the SYN no payload: the stream glue does nothing), no RST is pending.
 * Three rules may still speak, and a SYN that could make them takes the
 * general path: URG (urgent_data), a zero window (Zeek's W count), a window
 * shift above 14 (wscale_too_large). embryo_syn_apply() does the rest in
 * segment_general()'s order; the only event is the table's SEND_SYN, through
 * raise_event(). With tracker.verify_embryo_syn set (tests only) both run
 * and are compared (embryo_syn_verify). */
static inline int embryo_syn_plain(const embryo *e)
{
    if (e->tcp_flags & TCPSIFT_TCP_URG) return 0;
    if (e->window == 0) return 0;
    if ((e->opts_present & TCPSIFT_OPT_WSCALE) && e->wscale > 14) return 0;
    if (e->opts_present & TCPSIFT_OPT_MD5) return 0; /* a signed SYN is noted (tcp_signature_policy.c) */
    return 1;
}

static inline void embryo_syn_apply(struct tcpsift_tracker *t, conn *c, const embryo *e)
{
    endpoint *s = &c->ep[0];
    uint32_t opts = e->opts_present;
    conn_count_packets(t, c, 0, 1, 0);
    zeek_history_add(c, 0, 'S'); /* zeek_history_packet_all(): a SYN not seen before */
    /* segment_checks(): the first TTL. */
    s->flags |= EP_TTL_SEEN;
    c->ttl_first[0] = e->ttl;
    /* TS.Recent: nothing offered or acknowledged yet, so every TSval counts. */
    if (opts & TCPSIFT_OPT_TIMESTAMP) s->ts_recent = e->tsval_first;
    s->zeek = ZEEK_SYN_SENT; /* zeek_endpoint_update_all(): an inactive originator's SYN */
    c->completeness |= 1;
    s->flags |= EP_SENT;
    syn_note(c, 0, e->isn, opts, e->wscale, e->tsval_first); /* note_syn() */
    c->handshake_syn = 1;
    /* sequence_analysis(): the endpoint's first sequence number. */
    s->next_seq = e->isn + 1;
    s->flags |= EP_NEXT_VALID;
    raise_event(t, c, 0, TCPSIFT_EV_SEND_SYN);
}

/* Tests only: embryo_syn_apply() checked against tcp_conn_segment() on the kept SYN. */
CONN_COLD static void embryo_syn_verify(struct tcpsift_tracker *t, conn *c, const embryo *e)
{
    const tcpsift_packet *cur_pkt = t->cur_pkt;
    int cur_from = t->cur_from;
    verify_copy v;
    verify_begin(t, c, &v);
    embryo_syn_apply(t, &v.fast, e);
    verify_direct_done(t, &v);
    tcpsift_packet syn;
    embryo_syn_packet(e, e->tsval_first, &syn);
    tcp_conn_segment(t, c, &syn, 0, 0);
    /* The applied path leaves the current packet alone; so does this one. */
    t->cur_pkt = cur_pkt;
    t->cur_from = cur_from;
    t->embryo_syn_checked++;
    if (!verify_end(t, c, &v)) t->embryo_syn_mismatches++;
}

int tcp_conn_embryo_syn(struct tcpsift_tracker *t, conn *c, const embryo *e)
{
    if (!embryo_syn_plain(e)) return 0;
    if (t->verify_embryo_syn)
        embryo_syn_verify(t, c, e);
    else
        embryo_syn_apply(t, c, e);
    return 1;
}

void tcp_conn_close(struct tcpsift_tracker *t, conn *c)
{
    if (c->rst_active && !c->rst_refuted && !c->rst_accepted) {
        /* Nobody spoke after the in-window RST: take it as accepted. */
        accept_rst(t, c, c->rst_from);
        c->rst_unconfirmed = 1;
    }
    /* Nothing to finish without a stream word (a connection without payload, or without
     * streams: only its F / R letters took the side table): checked here, once. */
    if (c->ext && (c->ext->stream_word[0] | c->ext->stream_word[1])) tracker_stream_finish(t, c);
}

/* Spin model: does tcpsift's endpoint state table, driven by the event rules
 * of docs/state-events.md, follow two real RFC 9293 endpoints?
 *
 * Two endpoints run a reduced RFC 9293 machine (open, simultaneous open,
 * data, close from either side, crossing FINs, abort by RST, TIME-WAIT
 * timeout, retransmission of an unacknowledged SYN, SYN,ACK or FIN, RST from
 * a closed endpoint) over two FIFO channels, one per
 * direction, which may drop one segment after the capture point saw it. Endpoint 0 opens actively;
 * endpoint 1 opens actively or passively (nondeterministic), so both the
 * normal and the simultaneous open are explored, with every interleaving of
 * the two directions. Sequence numbers are abstracted to what the observer
 * derives from them: a segment's ACK "covers the peer's SYN" (A_SYN) or "the
 * peer's FIN" (A_FIN).
 *
 * The observer sits on the wire next to the sender: in the same atomic step
 * as each send, it raises the events of the segment in the documented order
 * and moves its copy of both endpoints through the table generated from the
 * C table (state_table.pml, written by gen_table.c; see check.sh).
 *
 * Checked:
 *   - no event ever hits an IMPOSSIBLE cell;
 *   - no anomaly is raised in a run without RST, loss or retransmission (a
 *     clean exchange is clean), and with loss only `retransmission` and
 *     `segment_after_close` (an endpoint re-sending its FIN after its final
 *     ACK was seen on the wire but lost);
 *   - when everything has stopped (Spin's `timeout`; the applications may
 *     stop calling at any point, so this is checked in every state, not only
 *     after a close), the observer's state of
 *     each endpoint equals the endpoint's real state — except after a RST,
 *     where CLOSED and LISTEN (both: no connection left) may be confused: the
 *     observer applies an accepted RST on sight, while the receiver may still
 *     act before it arrives (a SYN-RECEIVED end that sends its FIN meanwhile
 *     ends CLOSED, not LISTEN), and the table cannot tell a simultaneous
 *     opener in SYN-RECEIVED (reset: CLOSED) from a passive one (LISTEN). */

#include "state_table.pml"

#define F_SYN 1
#define F_ASYN 2 /* ACK covers the peer's SYN */
#define F_FIN 4
#define F_AFIN 8 /* ACK covers the peer's FIN */
#define F_DATA 16
#define F_RST 32

chan wire[2] = [6] of { byte };

byte rs[2];          /* real RFC 9293 state of each endpoint (same numbering as the table) */
bool is_active[2];      /* opened actively (sent the first SYN) */
bool got_syn[2];     /* received the peer's SYN */
bool got_fin[2];     /* received the peer's FIN */
byte obs[2];         /* the observer's state of each endpoint */
bool rst_sent;       /* a RST is on the wire: from then on, on-sight RST handling may race */
bool lossy;          /* a segment was lost or re-sent */
bool acked_syn[2], acked_fin[2]; /* EDGE_ACKS: event already raised for this endpoint */
bool syn_seen[2];
bool sent_any[2];    /* the observer has seen a segment from this endpoint */    /* the observer recorded this endpoint's ISN (each endpoint has one) */
byte data_left[2];
byte rst_left;
byte lose_left;      /* segments the network may still drop, after the capture point */
bool frozen;         /* the applications stop calling (so the check also runs mid-life) */

inline raise(who, ev) {
    idx = obs[who] * N_EV + ev;
    assert(tbl_kind[idx] != CELL_IMPOSSIBLE);
    if
    :: rst_sent -> skip
    :: !rst_sent && !lossy -> assert(tbl_anomaly[idx] == AN_none)
    :: !rst_sent && lossy -> /* re-sent segments, and segments from an endpoint whose
                              * closing ACK was seen but lost, are all it may note */
        assert(tbl_anomaly[idx] == AN_none || tbl_anomaly[idx] == AN_retransmission ||
               tbl_anomaly[idx] == AN_segment_after_close)
    fi;
    obs[who] = tbl_next[idx]
}

/* The tracker's event rules for one segment from `me` (docs/state-events.md). */
inline observe(me, f) {
    sent_any[me] = true;
    if
    :: (f & F_RST) ->
        rst_sent = true;
        raise(me, EV_SEND_RST);
        raise(1 - me, EV_RECV_RST)
    :: else ->
        if
        :: (f & F_SYN) && (f & F_ASYN) -> raise(me, EV_SEND_SYNACK)
        :: (f & F_SYN) && !(f & F_ASYN) && !syn_seen[me] -> raise(me, EV_SEND_SYN)
        :: (f & F_SYN) && !(f & F_ASYN) && syn_seen[me] -> raise(me, EV_RESEND_SYN)
        :: !(f & F_SYN) && (f & F_ASYN) -> raise(me, EV_SEND_ACK_OF_SYN)
        :: else -> skip
        fi;
        if :: (f & F_AFIN) -> raise(me, EV_SEND_ACK_OF_FIN) :: else -> skip fi;
        if :: (f & F_DATA) -> raise(me, EV_SEND_DATA) :: else -> skip fi;
        if :: (f & F_FIN) -> raise(me, EV_SEND_FIN) :: else -> skip fi;
#ifdef EDGE_ACKS
        /* the tracker's current choice: each ACK-coverage event raised once */
        if :: (f & F_ASYN) && !acked_syn[1 - me] -> acked_syn[1 - me] = true;
                                                    raise(1 - me, EV_RECV_ACK_OF_SYN)
           :: else -> skip fi;
        if :: (f & F_AFIN) && !acked_fin[1 - me] -> acked_fin[1 - me] = true;
                                                    raise(1 - me, EV_RECV_ACK_OF_FIN)
           :: else -> skip fi;
#else
        if :: (f & F_ASYN) -> raise(1 - me, EV_RECV_ACK_OF_SYN) :: else -> skip fi;
        if :: (f & F_AFIN) -> raise(1 - me, EV_RECV_ACK_OF_FIN) :: else -> skip fi;
#endif
        if :: (f & F_SYN) -> syn_seen[me] = true :: else -> skip fi
    fi
}

/* Send with the ACK bits every segment after the handshake carries. */
inline send(me, f) {
    out = f;
    if :: got_syn[me] -> out = out | F_ASYN :: else -> skip fi;
    if :: got_fin[me] -> out = out | F_AFIN :: else -> skip fi;
    if
    :: wire[me] ! out
    :: lose_left > 0 -> lose_left--; lossy = true /* seen by the observer, then lost */
    fi;
    observe(me, out)
}

proctype endpoint(byte me) {
    byte f, out, idx;
    bool opened;
end:
    do
    /* ---- user calls ---- */
    :: atomic { !frozen && rs[me] == ST_CLOSED && is_active[me] && !opened ->
        opened = true; send(me, F_SYN); rs[me] = ST_SYN_SENT }     /* active OPEN */
    :: atomic { !frozen && (rs[me] == ST_ESTABLISHED || rs[me] == ST_CLOSE_WAIT) && data_left[me] > 0 ->
        data_left[me]--; send(me, F_DATA) }
    :: atomic { !frozen && (rs[me] == ST_ESTABLISHED || rs[me] == ST_SYN_RECEIVED) ->
        send(me, F_FIN); rs[me] = ST_FIN_WAIT_1 }             /* CLOSE, §3.10.4 */
    :: atomic { !frozen && rs[me] == ST_CLOSE_WAIT -> send(me, F_FIN); rs[me] = ST_LAST_ACK }
    :: atomic { !frozen && rst_left > 0 && (rs[me] == ST_SYN_RECEIVED || rs[me] == ST_ESTABLISHED ||
                rs[me] == ST_FIN_WAIT_1 || rs[me] == ST_FIN_WAIT_2 ||
                rs[me] == ST_CLOSE_WAIT) ->
        rst_left--; wire[me] ! F_RST; observe(me, F_RST); rs[me] = ST_CLOSED } /* ABORT, §3.10.5 */
    /* ---- retransmission timer, §3.8.1: the SYN, SYN,ACK or FIN is unacknowledged ---- */
    /* (fires only when nothing is in flight — an RTO longer than the round trip — which
     * keeps the channels bounded; it keeps firing until the segment is acknowledged, so a
     * loss is always repaired, as TCP repairs it) */
    :: atomic { len(wire[0]) == 0 && len(wire[1]) == 0 &&
                (rs[me] == ST_SYN_SENT || rs[me] == ST_SYN_RECEIVED) ->
        lossy = true; send(me, F_SYN) }
    :: atomic { len(wire[0]) == 0 && len(wire[1]) == 0 &&
                (rs[me] == ST_FIN_WAIT_1 || rs[me] == ST_CLOSING || rs[me] == ST_LAST_ACK) ->
        lossy = true; send(me, F_FIN) }
    :: atomic { rs[me] == ST_TIME_WAIT ->                       /* 2 MSL, §3.10.8 */
        rs[me] = ST_CLOSED; raise(me, EV_TIMEOUT) }
    /* ---- segment arrival, §3.10.7 ---- */
    :: atomic { wire[1 - me] ? f ->
        if
        :: (f & F_RST) ->
            if
            :: rs[me] == ST_SYN_RECEIVED && !is_active[me] -> rs[me] = ST_LISTEN
            :: rs[me] == ST_LISTEN || rs[me] == ST_CLOSED -> skip
            :: else -> rs[me] = ST_CLOSED
            fi
        :: rs[me] == ST_CLOSED && (opened || !is_active[me]) ->
            /* §3.10.7.1: a closed endpoint answers with RST (e.g. a FIN re-sent
             * after TIME-WAIT expired) */
            wire[me] ! F_RST; observe(me, F_RST)
        :: rs[me] == ST_CLOSED && is_active[me] && !opened -> skip /* not yet opened */
        :: rs[me] == ST_LISTEN && (!(f & F_SYN) || (f & F_ASYN)) -> skip /* §3.10.7.2 */
        :: rs[me] == ST_LISTEN && (f & F_SYN) && !(f & F_ASYN) ->
            got_syn[me] = true; send(me, F_SYN); rs[me] = ST_SYN_RECEIVED
        :: rs[me] == ST_SYN_SENT ->
            if
            :: (f & F_SYN) && (f & F_ASYN) ->
                got_syn[me] = true; rs[me] = ST_ESTABLISHED; send(me, 0)
            :: (f & F_SYN) && !(f & F_ASYN) ->
                got_syn[me] = true; rs[me] = ST_SYN_RECEIVED; send(me, F_SYN)
            :: else -> skip /* §3.10.7.3: neither SYN nor RST: drop */
            fi
        :: else -> /* synchronized states and SYN-RECEIVED */
            if
            :: rs[me] == ST_SYN_RECEIVED && (f & F_ASYN) -> rs[me] = ST_ESTABLISHED
            :: else -> skip
            fi;
            if
            :: (f & F_AFIN) && rs[me] == ST_FIN_WAIT_1 -> rs[me] = ST_FIN_WAIT_2
            :: (f & F_AFIN) && rs[me] == ST_CLOSING -> rs[me] = ST_TIME_WAIT
            :: (f & F_AFIN) && rs[me] == ST_LAST_ACK -> rs[me] = ST_CLOSED
            :: else -> skip
            fi;
            if
            :: (f & F_FIN) && rs[me] != ST_CLOSED ->
                got_fin[me] = true;
                if
                :: rs[me] == ST_ESTABLISHED || rs[me] == ST_SYN_RECEIVED -> rs[me] = ST_CLOSE_WAIT
                :: rs[me] == ST_FIN_WAIT_1 -> rs[me] = ST_CLOSING
                :: rs[me] == ST_FIN_WAIT_2 -> rs[me] = ST_TIME_WAIT
                :: else -> skip
                fi;
                send(me, 0)
            :: !(f & F_FIN) && (f & F_SYN) && rs[me] != ST_CLOSED ->
                send(me, 0) /* repeated SYN (simultaneous open): acknowledge it */
            :: else -> skip
            fi
        fi }
    od
}

/* When nothing can move any more, the observer must agree with the endpoints. */
active proctype freeze() { frozen = true }

active proctype check() {
    byte i;
    timeout ->
    for (i : 0 .. 1) {
        assert(obs[i] == rs[i] ||
               (obs[i] == ST_UNKNOWN && !sent_any[i]) || /* never heard from */
               (rst_sent && (obs[i] == ST_LISTEN || obs[i] == ST_CLOSED) &&
                (rs[i] == ST_LISTEN || rs[i] == ST_CLOSED)))
    }
}

init {
    table_init();
    atomic {
        rs[0] = ST_CLOSED; is_active[0] = true;
        if
        :: rs[1] = ST_CLOSED; is_active[1] = true   /* simultaneous open possible */
        :: rs[1] = ST_LISTEN; is_active[1] = false
        fi;
        obs[0] = ST_UNKNOWN; obs[1] = ST_UNKNOWN;
        data_left[0] = 1; data_left[1] = 1;
        rst_left = 1;
        lose_left = 1;
        run endpoint(0); run endpoint(1)
    }
}

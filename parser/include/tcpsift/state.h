/* tcpsift TCP endpoint state table: RFC 9293 endpoint states driven by what a
 * passive observer sees.
 *
 * Each endpoint of a connection has its own state. The connection tracker
 * turns every accepted segment into a few events for the SENDER endpoint
 * (SEND_*) and for the RECEIVER endpoint (RECV_*), and feeds each event to
 * tcpsift_state_next(). The table is plain const data, [state][event] ->
 * {next state, action, anomaly, kind}; it can be printed (text or Graphviz)
 * and is walked cell by cell by the unit tests.
 *
 * The one rule behind the event set (docs/state-events.md explains each event
 * and the order the tracker raises them in):
 *   - a segment that occupies sequence space (SYN, FIN) changes its
 *     RECEIVER's state only when the receiver is seen acknowledging it —
 *     that is the observer's only evidence that the receiver processed it
 *     (this is what tells crossing FINs, FIN-WAIT-1 -> CLOSING, apart from
 *     an answered FIN, CLOSE-WAIT -> LAST-ACK);
 *   - segments that are never acknowledged (an ACK, an accepted RST) change
 *     the receiver's state when they are seen.
 * The ACK-coverage events are level-triggered: the tracker raises them for
 * every segment whose ACK covers the SYN or FIN (at least while the endpoint
 * awaits that ACK); raising one again where it was already applied is a
 * harmless self-loop. Raising each only once loses simultaneous opens
 * (found by the Spin model, conformance/model/).
 *
 * The table is a pure function: it keeps no per-connection data. Sequence
 * numbers, acceptability (RFC 5961) and timers belong to the tracker, which
 * performs the cell's action. */
#ifndef TCPSIFT_STATE_H
#define TCPSIFT_STATE_H

#include <stdint.h>
#include <stdio.h>

#include "tcpsift/anomaly.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 9293 §3.3.2 states, plus UNKNOWN. Names (tcpsift_tcp_state_name) are
 * part of the CLI contract (`client_state`, `server_state`). */
typedef enum tcpsift_tcp_state {
    TCPSIFT_ST_UNKNOWN = 0, /* never heard from and not inferable (server of an unanswered SYN) */
    TCPSIFT_ST_CLOSED,
    TCPSIFT_ST_LISTEN,
    TCPSIFT_ST_SYN_SENT,
    TCPSIFT_ST_SYN_RECEIVED,
    TCPSIFT_ST_ESTABLISHED,
    TCPSIFT_ST_FIN_WAIT_1,
    TCPSIFT_ST_FIN_WAIT_2,
    TCPSIFT_ST_CLOSE_WAIT,
    TCPSIFT_ST_CLOSING,
    TCPSIFT_ST_LAST_ACK,
    TCPSIFT_ST_TIME_WAIT,
    TCPSIFT_ST_COUNT
} tcpsift_tcp_state;

/* What the observer saw, per endpoint ("this endpoint" = E, its peer = P).
 * See docs/state-events.md for when the tracker raises each one. */
typedef enum tcpsift_state_event {
    TCPSIFT_EV_SEND_SYN = 0,    /* E sent a SYN without ACK, with an ISN new for E */
    TCPSIFT_EV_RESEND_SYN,      /* E sent a SYN without ACK repeating E's recorded ISN */
    TCPSIFT_EV_SEND_SYNACK,     /* E sent a SYN+ACK (so E received P's SYN) */
    TCPSIFT_EV_SEND_ACK_OF_SYN, /* E sent a non-SYN segment whose ACK covers P's SYN */
    TCPSIFT_EV_SEND_DATA,       /* E sent new payload (beyond anything E sent before) */
    TCPSIFT_EV_SEND_FIN,        /* E sent a FIN (first or retransmitted) */
    TCPSIFT_EV_SEND_ACK_OF_FIN, /* E sent a segment whose ACK covers P's FIN */
    TCPSIFT_EV_SEND_RST,        /* E sent a RST that the tracker accepted */
    TCPSIFT_EV_RECV_ACK_OF_SYN, /* P sent a segment whose ACK covers E's SYN */
    TCPSIFT_EV_RECV_ACK_OF_FIN, /* P sent a segment whose ACK covers E's FIN */
    TCPSIFT_EV_RECV_RST,        /* P sent a RST that the tracker accepted (RFC 5961 §3) */
    TCPSIFT_EV_MIDSTREAM,       /* connection picked up without a SYN: raised once, both ends */
    TCPSIFT_EV_TIMEOUT,         /* the 2*MSL TIME-WAIT timer expired (packet time) */
    TCPSIFT_EV_FIN_REFUTED,     /* P acked bytes E sent past E's FIN, before acking the FIN:
                                 * P never took that FIN (injected), E's close is undone */
    TCPSIFT_EV_COUNT
} tcpsift_state_event;

/* What the tracker must do when it takes a cell. */
typedef enum tcpsift_state_action {
    TCPSIFT_ACT_NONE = 0,
    TCPSIFT_ACT_RECORD_ISN,            /* the segment's SEQ is E's ISN (RFC 9293 §3.4.1) */
    TCPSIFT_ACT_RECORD_FIN_SEQ,        /* remember the FIN's sequence number (it occupies one) */
    TCPSIFT_ACT_START_TIME_WAIT_TIMER, /* (re)arm the 2*MSL timer (§3.10.7.4, TIME-WAIT) */
    TCPSIFT_ACT_MARK_INFERRED,         /* the new state was inferred, not observed */
    TCPSIFT_ACT_ABORT,                 /* connection reset: flush E's pending data, end = rst */
    TCPSIFT_ACT_COUNT
} tcpsift_state_action;

/* Why a cell is what it is; every cell has one (none is 0 so that a cell
 * left out of the table is detectable). */
typedef enum tcpsift_state_cell_kind {
    TCPSIFT_CELL_UNSET = 0,  /* never in a finished table */
    TCPSIFT_CELL_TRANSITION, /* the state changes */
    TCPSIFT_CELL_KEEP,       /* legitimate, no state change (repeat, or anomaly noted) */
    TCPSIFT_CELL_IGNORED,    /* the RFC has the endpoint discard such a segment */
    TCPSIFT_CELL_IMPOSSIBLE, /* the tracker never raises this event in this state */
    TCPSIFT_CELL_KIND_COUNT
} tcpsift_state_cell_kind;

/* One cell. Fields hold values of the enums named in the comments, stored
 * as bytes so that the whole table stays within a few cache lines. */
typedef struct tcpsift_state_transition {
    uint8_t next_state; /* tcpsift_tcp_state */
    uint8_t action;     /* tcpsift_state_action */
    uint8_t anomaly;    /* tcpsift_anomaly */
    uint8_t kind;       /* tcpsift_state_cell_kind */
} tcpsift_state_transition;

/* Next state of an endpoint in state `s` on event `e`. Writes the cell's
 * action and anomaly through the pointers that are not NULL. An out-of-range
 * `s` or `e` returns `s` unchanged with no action and no anomaly. */
tcpsift_tcp_state tcpsift_state_next(tcpsift_tcp_state s, tcpsift_state_event e,
                                     tcpsift_state_action *action, tcpsift_anomaly *anomaly);

/* The cell itself, or NULL when `s` or `e` is out of range. */
const tcpsift_state_transition *tcpsift_state_table_cell(tcpsift_tcp_state s,
                                                         tcpsift_state_event e);

/* The one-line reason of a cell, citing RFC 9293 (or 5961, 6191, 7413);
 * NULL when out of range. */
const char *tcpsift_state_table_reason(tcpsift_tcp_state s, tcpsift_state_event e);

/* Contract names: "CLOSED", "SYN_SENT", ..., "UNKNOWN"; "invalid" when out of range. */
const char *tcpsift_tcp_state_name(tcpsift_tcp_state s);
/* "SEND_SYN", ..., "FIN_REFUTED"; "invalid" when out of range. */
const char *tcpsift_state_event_name(tcpsift_state_event e);
/* "none", "record_isn", ...; "invalid" when out of range. */
const char *tcpsift_state_action_name(tcpsift_state_action a);
/* "transition", "keep", "ignored", "impossible"; "unset" / "invalid". */
const char *tcpsift_state_cell_kind_name(tcpsift_state_cell_kind k);

/* The table as a Graphviz digraph: one node per state, one solid edge per
 * (from, to) pair labelled with its events, and per state one dashed
 * self-loop listing the events that stay but raise an anomaly. Returns 0, or
 * -1 when writing failed. */
int tcpsift_state_table_print_dot(FILE *out);

/* Every cell as one line: state, event, next state, action, anomaly, kind,
 * reason. Returns 0, or -1 when writing failed. */
int tcpsift_state_table_print_text(FILE *out);

#ifdef __cplusplus
}
#endif
#endif

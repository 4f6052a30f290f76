/* RFC 9293 endpoint transitions, written from the RFC — Figure 5 (§3.3.2,
 * "TCP Connection State Diagram") and the event-processing text of §3.10 —
 * NOT from tcpsift's table. test_state_table.c checks the table against it.
 *
 * The RFC labels an arc "event / action" from the endpoint's own view
 * ("rcv SYN / snd SYN,ACK"). A passive observer sees only segments, so each
 * arc is written here as the observer's evidence for it, in the order it is
 * seen (docs/state-events.md):
 *   "snd X"            -> SEND_X of this endpoint (a SYN re-sent: RESEND_SYN);
 *   "rcv SYN / snd SYN,ACK"  -> SEND_SYNACK (the SYN,ACK proves the SYN arrived);
 *   "rcv FIN / snd ACK"      -> SEND_ACK_OF_FIN (the ACK proves the FIN arrived);
 *   "rcv ACK of SYN/FIN"     -> RECV_ACK_OF_SYN / RECV_ACK_OF_FIN;
 *   "rcv RST" (acceptable)   -> RECV_RST;  "Timeout=2MSL" -> TIMEOUT.
 *
 * Arcs with no segment on the wire cannot be observed and are not listed:
 * CLOSED --passive OPEN--> LISTEN, LISTEN --CLOSE--> CLOSED, SYN-SENT --CLOSE-->
 * CLOSED (§3.10.4: "delete the TCB", nothing sent). */
#ifndef TCPSIFT_TEST_RFC9293_TRANSITIONS_H
#define TCPSIFT_TEST_RFC9293_TRANSITIONS_H

#include "tcpsift/state.h"

#define RFC_MAX_EVENTS 3
#define RFC_ANY_ANOMALY (-1)

struct rfc_transition {
    tcpsift_tcp_state from;
    int n_events;
    tcpsift_state_event events[RFC_MAX_EVENTS];
    tcpsift_tcp_state to;
    int anomaly; /* anomaly of the LAST event, or RFC_ANY_ANOMALY when the RFC says nothing */
    const char *rfc;
};

#define EV1(a) 1, {TCPSIFT_EV_##a}
#define EV2(a, b) 2, {TCPSIFT_EV_##a, TCPSIFT_EV_##b}
#define S(x) TCPSIFT_ST_##x
#define AN(x) TCPSIFT_ANOMALY_##x

static const struct rfc_transition rfc9293_transitions[] = {
    /* ---- Figure 5, arc by arc ---- */
    /* (the observer flags a SYN from CLOSED as tuple reuse: the RFC says nothing of that) */
    {S(CLOSED), EV1(SEND_SYN), S(SYN_SENT), RFC_ANY_ANOMALY, "Fig.5 CLOSED active OPEN / snd SYN"},
    /* A passive OPEN sends nothing, so an endpoint in the RFC's initial LISTEN has never been
     * heard from: to the observer it is UNKNOWN, and these two arcs leave from there. */
    {S(UNKNOWN), EV1(SEND_SYNACK), S(SYN_RECEIVED), AN(NONE),
     "Fig.5 LISTEN rcv SYN / snd SYN,ACK (LISTEN unseen: UNKNOWN)"},
    {S(UNKNOWN), EV1(SEND_SYN), S(SYN_SENT), AN(NONE),
     "Fig.5 LISTEN SEND / snd SYN (LISTEN unseen: UNKNOWN)"},
    /* LISTEN re-entered after a reset (3.10.7.4): SEND there still makes it active. */
    {S(LISTEN), EV1(SEND_SYN), S(SYN_SENT), RFC_ANY_ANOMALY, "3.10.2 SEND in LISTEN / snd SYN"},
    {S(SYN_SENT), EV1(SEND_SYNACK), S(SYN_RECEIVED), AN(NONE),
     "Fig.5 SYN-SENT rcv SYN / snd SYN,ACK (simultaneous open)"},
    {S(SYN_SENT), EV2(RECV_ACK_OF_SYN, SEND_ACK_OF_SYN), S(ESTABLISHED), AN(NONE),
     "Fig.5 SYN-SENT rcv SYN,ACK / snd ACK"},
    {S(SYN_RECEIVED), EV1(RECV_ACK_OF_SYN), S(ESTABLISHED), AN(NONE),
     "Fig.5 SYN-RCVD rcv ACK of SYN"},
    {S(SYN_RECEIVED), EV1(SEND_FIN), S(FIN_WAIT_1), AN(NONE), "Fig.5 SYN-RCVD CLOSE / snd FIN"},
    {S(ESTABLISHED), EV1(SEND_FIN), S(FIN_WAIT_1), AN(NONE), "Fig.5 ESTAB CLOSE / snd FIN"},
    {S(ESTABLISHED), EV1(SEND_ACK_OF_FIN), S(CLOSE_WAIT), AN(NONE),
     "Fig.5 ESTAB rcv FIN / snd ACK"},
    {S(FIN_WAIT_1), EV1(RECV_ACK_OF_FIN), S(FIN_WAIT_2), AN(NONE), "Fig.5 FIN-WAIT-1 rcv ACK of FIN"},
    {S(FIN_WAIT_1), EV1(SEND_ACK_OF_FIN), S(CLOSING), AN(NONE),
     "Fig.5 FIN-WAIT-1 rcv FIN / snd ACK"},
    {S(FIN_WAIT_2), EV1(SEND_ACK_OF_FIN), S(TIME_WAIT), AN(NONE),
     "Fig.5 FIN-WAIT-2 rcv FIN / snd ACK"},
    {S(CLOSING), EV1(RECV_ACK_OF_FIN), S(TIME_WAIT), AN(NONE), "Fig.5 CLOSING rcv ACK of FIN"},
    {S(CLOSE_WAIT), EV1(SEND_FIN), S(LAST_ACK), AN(NONE), "Fig.5 CLOSE-WAIT CLOSE / snd FIN"},
    {S(LAST_ACK), EV1(RECV_ACK_OF_FIN), S(CLOSED), AN(NONE), "Fig.5 LAST-ACK rcv ACK of FIN"},
    {S(TIME_WAIT), EV1(TIMEOUT), S(CLOSED), AN(NONE), "Fig.5 TIME-WAIT Timeout=2MSL"},

    /* ---- §3.10.7.3 SYN-SENT ---- */
    {S(SYN_SENT), EV1(RECV_RST), S(CLOSED), AN(NONE),
     "3.10.7.3 SYN-SENT: acceptable RST -> connection reset, CLOSED"},

    /* ---- §3.10.7.2 LISTEN ---- */
    {S(LISTEN), EV1(RECV_RST), S(LISTEN), AN(NONE), "3.10.7.2 LISTEN: an incoming RST is ignored"},

    /* ---- §3.10.7.1 CLOSED ---- */
    {S(CLOSED), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.1 CLOSED: an incoming RST is discarded"},
    {S(CLOSED), EV1(SEND_RST), S(CLOSED), AN(NONE),
     "3.10.7.1 CLOSED: any other segment is answered by RST"},

    /* ---- §3.10.7.4 second check (RST) ---- */
    {S(SYN_RECEIVED), EV1(RECV_RST), S(LISTEN), AN(NONE),
     "3.10.7.4 SYN-RECEIVED: RST returns a passive open to LISTEN"},
    {S(ESTABLISHED), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 ESTABLISHED: RST -> CLOSED"},
    {S(FIN_WAIT_1), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 FIN-WAIT-1: RST -> CLOSED"},
    {S(FIN_WAIT_2), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 FIN-WAIT-2: RST -> CLOSED"},
    {S(CLOSE_WAIT), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 CLOSE-WAIT: RST -> CLOSED"},
    {S(CLOSING), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 CLOSING: RST -> CLOSED"},
    {S(LAST_ACK), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 LAST-ACK: RST -> CLOSED"},
    {S(TIME_WAIT), EV1(RECV_RST), S(CLOSED), AN(NONE), "3.10.7.4 TIME-WAIT: RST -> CLOSED"},

    /* ---- §3.10.5 ABORT: snd RST, enter CLOSED ---- */
    {S(SYN_RECEIVED), EV1(SEND_RST), S(CLOSED), AN(NONE), "3.10.5 ABORT in SYN-RECEIVED"},
    {S(ESTABLISHED), EV1(SEND_RST), S(CLOSED), AN(NONE), "3.10.5 ABORT in ESTABLISHED"},
    {S(FIN_WAIT_1), EV1(SEND_RST), S(CLOSED), AN(NONE), "3.10.5 ABORT in FIN-WAIT-1"},
    {S(FIN_WAIT_2), EV1(SEND_RST), S(CLOSED), AN(NONE), "3.10.5 ABORT in FIN-WAIT-2"},
    {S(CLOSE_WAIT), EV1(SEND_RST), S(CLOSED), AN(NONE), "3.10.5 ABORT in CLOSE-WAIT"},

    /* ---- §3.10.7.4 fifth check (ACK) and eighth check (FIN) ---- */
    {S(FIN_WAIT_1), EV2(RECV_ACK_OF_FIN, SEND_ACK_OF_FIN), S(TIME_WAIT), AN(NONE),
     "3.10.7.4 FIN-WAIT-1: FIN with our FIN ACKed (perhaps in this segment) -> TIME-WAIT"},
    {S(SYN_RECEIVED), EV1(SEND_ACK_OF_FIN), S(CLOSE_WAIT), AN(NONE),
     "3.10.7.4 eighth: SYN-RECEIVED, FIN -> CLOSE-WAIT"},
    {S(CLOSE_WAIT), EV1(SEND_ACK_OF_FIN), S(CLOSE_WAIT), AN(NONE),
     "3.10.7.4 eighth: CLOSE-WAIT, FIN -> remain"},
    {S(CLOSING), EV1(SEND_ACK_OF_FIN), S(CLOSING), AN(NONE),
     "3.10.7.4 eighth: CLOSING, FIN -> remain"},
    {S(LAST_ACK), EV1(SEND_ACK_OF_FIN), S(LAST_ACK), AN(NONE),
     "3.10.7.4 eighth: LAST-ACK, FIN -> remain"},
    {S(TIME_WAIT), EV1(SEND_ACK_OF_FIN), S(TIME_WAIT), AN(NONE),
     "3.10.7.4 eighth: TIME-WAIT, retransmitted FIN -> ack, restart 2 MSL, remain"},
    {S(FIN_WAIT_2), EV1(RECV_ACK_OF_FIN), S(FIN_WAIT_2), AN(NONE),
     "3.10.7.4 fifth: FIN-WAIT-2, further ACKs -> remain"},
    {S(TIME_WAIT), EV1(RECV_ACK_OF_FIN), S(TIME_WAIT), AN(NONE),
     "3.10.7.4 fifth: TIME-WAIT, only a retransmitted FIN can arrive -> remain"},

    /* ---- §3.10.2 SEND ---- */
    {S(ESTABLISHED), EV1(SEND_DATA), S(ESTABLISHED), AN(NONE), "3.10.2 SEND in ESTABLISHED"},
    {S(CLOSE_WAIT), EV1(SEND_DATA), S(CLOSE_WAIT), AN(NONE),
     "3.10.2 SEND in CLOSE-WAIT (half-close: still sends)"},
    {S(FIN_WAIT_1), EV1(SEND_DATA), S(FIN_WAIT_1), AN(DATA_AFTER_FIN),
     "3.10.2 SEND in FIN-WAIT-1: error: connection closing"},
    {S(FIN_WAIT_2), EV1(SEND_DATA), S(FIN_WAIT_2), AN(DATA_AFTER_FIN),
     "3.10.2 SEND in FIN-WAIT-2: error: connection closing"},
    {S(CLOSING), EV1(SEND_DATA), S(CLOSING), AN(DATA_AFTER_FIN),
     "3.10.2 SEND in CLOSING: error: connection closing"},
    {S(LAST_ACK), EV1(SEND_DATA), S(LAST_ACK), AN(DATA_AFTER_FIN),
     "3.10.2 SEND in LAST-ACK: error: connection closing"},
    {S(TIME_WAIT), EV1(SEND_DATA), S(TIME_WAIT), AN(DATA_AFTER_FIN),
     "3.10.2 SEND in TIME-WAIT: error: connection closing"},

    /* ---- §3.8.1 retransmission of a FIN: the state does not move ---- */
    {S(SYN_SENT), EV1(RESEND_SYN), S(SYN_SENT), AN(RETRANSMISSION), "3.8.1 SYN re-sent"},
    {S(SYN_RECEIVED), EV1(SEND_SYNACK), S(SYN_RECEIVED), AN(RETRANSMISSION),
     "3.8.1 SYN,ACK re-sent"},
    {S(FIN_WAIT_1), EV1(SEND_FIN), S(FIN_WAIT_1), AN(RETRANSMISSION), "3.8.1 FIN re-sent"},
    {S(LAST_ACK), EV1(SEND_FIN), S(LAST_ACK), AN(RETRANSMISSION), "3.8.1 FIN re-sent"},
    {S(CLOSING), EV1(SEND_FIN), S(CLOSING), AN(RETRANSMISSION), "3.8.1 FIN re-sent"},

    /* ---- RFC 5961 §4: a SYN in a synchronized state changes nothing ---- */
    {S(ESTABLISHED), EV1(SEND_SYN), S(ESTABLISHED), AN(SYN_IN_SYNCHRONIZED_STATE),
     "RFC 5961 §4: SYN in ESTABLISHED -> challenge ACK"},
};

#undef EV1
#undef EV2
#undef S
#undef AN

#endif

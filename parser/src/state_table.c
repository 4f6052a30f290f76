/* The TCP endpoint state table as data: [state][event] -> cell.
 *
 * Every one of the 12 x 14 cells is written out below, one row per cell, in
 * one X-macro list, so the transitions and their reasons cannot drift apart.
 * A duplicated cell fails the build (-Woverride-init / -Winitializer-overrides
 * under -Wextra -Werror); a missing one keeps kind UNSET, which the unit test
 * that walks every cell rejects.
 *
 * Rules the cells follow (see tcpsift/state.h and docs/state-events.md):
 *   - a peer's SYN or FIN moves this endpoint only when this endpoint
 *     acknowledges it (SEND_SYNACK, SEND_ACK_OF_SYN, SEND_ACK_OF_FIN);
 *   - ACK-coverage events are level-triggered: repeats are KEEP, no anomaly;
 *   - an accepted RST closes every state that has a connection to close;
 *   - IMPOSSIBLE cells keep the state with no action and no anomaly;
 *   - an ACK seen but lost after the capture point is repaired by the
 *     peer's re-ACK: re-sent SYN,ACKs and FINs keep the state (moving the
 *     endpoint back would need level-triggered ACK events, which the
 *     tracker raises only once; see docs/state-events.md);
 *   - a tracked connection starts in UNKNOWN, so a SYN from CLOSED or
 *     TIME_WAIT is a new incarnation of the tuple (tuple_reuse: the tracker
 *     starts a new connection), while any other segment from CLOSED is stale
 *     (segment_after_close) — Spin found that letting a stale SYN,ACK reopen
 *     a reset endpoint desynchronises the observer
 *     (conformance/model/tcp_endpoint.pml); the same holds in LISTEN, which
 *     the table reaches only by a reset. */
#include "tcpsift/state.h"

#include "state_table_internal.h"

#include <stddef.h>

/* C(state, event, next, action, anomaly, kind, reason) — suffixes of the
 * TCPSIFT_ST_, TCPSIFT_EV_, TCPSIFT_ACT_, TCPSIFT_ANOMALY_, TCPSIFT_CELL_ enums. */
#define STATE_TABLE(C)                                                                             \
    /* ---- UNKNOWN: never heard from (a new connection starts both ends here) ---- */             \
    C(UNKNOWN, SEND_SYN, SYN_SENT, RECORD_ISN, NONE, TRANSITION,                                   \
      "active open observed (§3.5, Figure 6)")                                                     \
    C(UNKNOWN, RESEND_SYN, UNKNOWN, NONE, NONE, IMPOSSIBLE,                                        \
      "no ISN of this endpoint is recorded, so its first SYN is SEND_SYN")                         \
    C(UNKNOWN, SEND_SYNACK, SYN_RECEIVED, RECORD_ISN, NONE, TRANSITION,                            \
      "LISTEN inferred then left: rcv SYN / snd SYN,ACK (§3.10.7.2)")                              \
    C(UNKNOWN, SEND_ACK_OF_SYN, UNKNOWN, NONE, ACK_BEFORE_SYN, KEEP,                               \
      "acks the peer's SYN without a SYN of its own: LISTEN answers a SYN only with SYN,ACK "      \
      "(§3.10.7.2); split handshake")                                                              \
    C(UNKNOWN, SEND_DATA, UNKNOWN, NONE, DATA_BEFORE_HANDSHAKE, KEEP,                              \
      "payload before any SYN of this endpoint (midstream pickups raise MIDSTREAM first)")        \
    C(UNKNOWN, SEND_FIN, UNKNOWN, NONE, FIN_BEFORE_HANDSHAKE, KEEP,                                \
      "FIN before any SYN of this endpoint (§3.10.4)")                                             \
    C(UNKNOWN, SEND_ACK_OF_FIN, UNKNOWN, NONE, ACK_BEFORE_SYN, KEEP,                               \
      "acks the peer's FIN without a SYN of its own")                                              \
    C(UNKNOWN, SEND_RST, CLOSED, ABORT, NONE, TRANSITION,                                          \
      "a CLOSED port answers a SYN with RST: connection rejected (§3.10.7.1)")                     \
    C(UNKNOWN, RECV_ACK_OF_SYN, SYN_SENT, MARK_INFERRED, NONE, TRANSITION,                         \
      "the peer's SYN,ACK acks a SYN the capture missed: this end must be in SYN-SENT "            \
      "(§3.10.7.3)")                                                                               \
    C(UNKNOWN, RECV_ACK_OF_FIN, UNKNOWN, NONE, NONE, IMPOSSIBLE,                                   \
      "no FIN of this endpoint was seen, so nothing of it can be acked")                           \
    C(UNKNOWN, RECV_RST, UNKNOWN, NONE, NONE, KEEP,                                                \
      "the peer aborts its own attempt; this silent end stays not inferable")                      \
    C(UNKNOWN, MIDSTREAM, ESTABLISHED, MARK_INFERRED, NONE, TRANSITION,                            \
      "segment without SYN on a new tuple: both ends must be synchronized (§3.3.2)")               \
    C(UNKNOWN, TIMEOUT, UNKNOWN, NONE, NONE, KEEP, "no timer runs for an endpoint never heard from") \
    C(UNKNOWN, FIN_REFUTED, UNKNOWN, NONE, FIN_REFUTED, KEEP,                                      \
      "its FIN came before any SYN of it and moved it nowhere: nothing to undo")                   \
    /* ---- CLOSED: after a reset or a completed close (or RFC's starting point) ---- */         \
    C(CLOSED, SEND_SYN, SYN_SENT, RECORD_ISN, TUPLE_REUSE, TRANSITION,                             \
      "active OPEN / snd SYN (Figure 5) on a tuple already used: the tracker starts a new "        \
      "connection")                                                                                \
    C(CLOSED, RESEND_SYN, CLOSED, NONE, SEGMENT_AFTER_CLOSE, KEEP,                                 \
      "stale SYN re-sent before the RST reached it: not a new incarnation")                        \
    C(CLOSED, SEND_SYNACK, CLOSED, NONE, SEGMENT_AFTER_CLOSE, KEEP,                                \
      "stale SYN,ACK sent before a RST arrived; a new SYN on a closed tuple is a new connection "  \
      "for the tracker, whose endpoints start in UNKNOWN")                                         \
    C(CLOSED, SEND_ACK_OF_SYN, CLOSED, NONE, SEGMENT_AFTER_CLOSE, KEEP,                            \
      "a CLOSED endpoint answers segments only with RST (§3.10.7.1)")                              \
    C(CLOSED, SEND_DATA, CLOSED, NONE, SEGMENT_AFTER_CLOSE, KEEP,                                  \
      "a CLOSED endpoint has no connection to send on (§3.10.2)")                                  \
    C(CLOSED, SEND_FIN, CLOSED, NONE, SEGMENT_AFTER_CLOSE, KEEP,                                   \
      "a CLOSED endpoint has no connection to close (§3.10.4)")                                    \
    C(CLOSED, SEND_ACK_OF_FIN, CLOSED, NONE, SEGMENT_AFTER_CLOSE, KEEP,                            \
      "a CLOSED endpoint answers segments only with RST (§3.10.7.1)")                              \
    C(CLOSED, SEND_RST, CLOSED, NONE, NONE, KEEP,                                                  \
      "a CLOSED endpoint answers any segment with RST (§3.10.7.1)")                                \
    C(CLOSED, RECV_ACK_OF_SYN, CLOSED, NONE, NONE, IGNORED,                                        \
      "late acknowledgement after the close; answered by RST (§3.10.7.1)")                         \
    C(CLOSED, RECV_ACK_OF_FIN, CLOSED, NONE, NONE, KEEP,                                           \
      "repeated ACK of this end's FIN after LAST-ACK completed")                                   \
    C(CLOSED, RECV_RST, CLOSED, NONE, NONE, IGNORED, "an incoming RST is discarded (§3.10.7.1)")   \
    C(CLOSED, MIDSTREAM, CLOSED, NONE, NONE, IMPOSSIBLE,                                           \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(CLOSED, TIMEOUT, CLOSED, NONE, NONE, KEEP, "no timer runs in CLOSED")                        \
    C(CLOSED, FIN_REFUTED, CLOSED, NONE, FIN_REFUTED, KEEP,                                        \
      "closed by other means (an accepted RST) before the FIN was refuted: nothing to undo")       \
    /* ---- LISTEN: reached only when a passively opened SYN-RECEIVED is reset; the RFC's  ---- */\
    /* ---- initial LISTEN is invisible to an observer: that endpoint is UNKNOWN          ---- */\
    C(LISTEN, SEND_SYN, SYN_SENT, RECORD_ISN, TUPLE_REUSE, TRANSITION,                             \
      "SEND in LISTEN turns it active (§3.10.2): after a reset, a new incarnation of the tuple")    \
    C(LISTEN, RESEND_SYN, LISTEN, NONE, RETRANSMISSION, KEEP,                                      \
      "simultaneous opener's SYN re-sent before the RST reached it (§3.8.1)")                      \
    C(LISTEN, SEND_SYNACK, LISTEN, NONE, RETRANSMISSION, KEEP,                                     \
      "stale SYN,ACK re-sent before the RST arrived; a SYN,ACK to a new SYN belongs to a new "     \
      "connection (the peer's SYN from CLOSED raised tuple_reuse), whose ends start in UNKNOWN")   \
    C(LISTEN, SEND_ACK_OF_SYN, LISTEN, NONE, ACK_BEFORE_SYN, KEEP,                                 \
      "LISTEN answers a SYN only with SYN,ACK (§3.10.7.2)")                                        \
    C(LISTEN, SEND_DATA, LISTEN, NONE, DATA_BEFORE_HANDSHAKE, KEEP,                                \
      "no connection to send on before the handshake (§3.10.2)")                                  \
    C(LISTEN, SEND_FIN, LISTEN, NONE, FIN_BEFORE_HANDSHAKE, KEEP,                                  \
      "CLOSE in LISTEN sends nothing (§3.10.4)")                                                   \
    C(LISTEN, SEND_ACK_OF_FIN, LISTEN, NONE, ACK_BEFORE_SYN, KEEP,                                 \
      "LISTEN acknowledges nothing (§3.10.7.2)")                                                   \
    C(LISTEN, SEND_RST, LISTEN, NONE, NONE, KEEP,                                                  \
      "LISTEN answers an ACK-bearing segment with RST and stays (§3.10.7.2)")                      \
    C(LISTEN, RECV_ACK_OF_SYN, LISTEN, NONE, NONE, IGNORED,                                        \
      "an ACK in LISTEN is bad and answered by RST (§3.10.7.2)")                                   \
    C(LISTEN, RECV_ACK_OF_FIN, LISTEN, NONE, NONE, IMPOSSIBLE,                                     \
      "LISTEN is entered only from SYN-RECEIVED, before any FIN of this end")                      \
    C(LISTEN, RECV_RST, LISTEN, NONE, NONE, IGNORED, "an incoming RST is ignored (§3.10.7.2)")     \
    C(LISTEN, MIDSTREAM, LISTEN, NONE, NONE, IMPOSSIBLE,                                           \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(LISTEN, TIMEOUT, LISTEN, NONE, NONE, KEEP, "no timer runs in LISTEN")                        \
    C(LISTEN, FIN_REFUTED, LISTEN, NONE, FIN_REFUTED, KEEP,                                        \
      "reached by a reset: the refuted FIN moved it nowhere")                                      \
    /* ---- SYN-SENT ---- */                                                                      \
    C(SYN_SENT, SEND_SYN, SYN_SENT, NONE, RETRANSMISSION, KEEP,                                    \
      "SYN re-sent (§3.8.1); a new ISN is a new attempt the tracker detects by ISN (tuple reuse)") \
    C(SYN_SENT, RESEND_SYN, SYN_SENT, NONE, RETRANSMISSION, KEEP, "SYN re-sent (§3.8.1)")          \
    C(SYN_SENT, SEND_SYNACK, SYN_RECEIVED, NONE, NONE, TRANSITION,                                 \
      "simultaneous open: rcv SYN / snd SYN,ACK (Figure 5, §3.10.7.3)")                            \
    C(SYN_SENT, SEND_ACK_OF_SYN, ESTABLISHED, NONE, NONE, TRANSITION,                              \
      "rcv SYN,ACK / snd ACK (Figure 5, §3.10.7.3)")                                               \
    C(SYN_SENT, SEND_DATA, SYN_SENT, NONE, DATA_BEFORE_HANDSHAKE, KEEP,                            \
      "data is queued until ESTABLISHED (§3.10.2); data on the SYN itself is syn_with_data")      \
    C(SYN_SENT, SEND_FIN, SYN_SENT, NONE, FIN_BEFORE_HANDSHAKE, KEEP,                              \
      "CLOSE in SYN-SENT deletes the TCB without a FIN (§3.10.4)")                                 \
    C(SYN_SENT, SEND_ACK_OF_FIN, SYN_SENT, NONE, NONE, IMPOSSIBLE,                                 \
      "an ACK covering the peer's FIN covers its SYN too: SEND_ACK_OF_SYN comes first")            \
    C(SYN_SENT, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT (§3.10.5)")                      \
    C(SYN_SENT, RECV_ACK_OF_SYN, SYN_SENT, NONE, NONE, KEEP,                                       \
      "own SYN acked; ESTABLISHED once this end acks the peer's SYN (§3.10.7.3)")                  \
    C(SYN_SENT, RECV_ACK_OF_FIN, SYN_SENT, NONE, NONE, IMPOSSIBLE,                                 \
      "a FIN in SYN-SENT is not recorded, so it is never acked")                                   \
    C(SYN_SENT, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                         \
      "RST acking the SYN: connection refused (§3.10.7.3)")                                        \
    C(SYN_SENT, MIDSTREAM, SYN_SENT, NONE, NONE, IMPOSSIBLE,                                       \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(SYN_SENT, TIMEOUT, SYN_SENT, NONE, NONE, KEEP,                                               \
      "idle expiry ends tracking, not the endpoint: the report keeps SYN_SENT")                    \
    C(SYN_SENT, FIN_REFUTED, SYN_SENT, NONE, FIN_REFUTED, KEEP,                                    \
      "a FIN in SYN-SENT moved it nowhere (fin_before_handshake): nothing to undo")                \
    /* ---- SYN-RECEIVED ---- */                                                                  \
    C(SYN_RECEIVED, SEND_SYN, SYN_RECEIVED, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                 \
      "SYN with a new ISN after the handshake began: challenge ACK (§3.10.7.4 fourth)")           \
    C(SYN_RECEIVED, RESEND_SYN, SYN_RECEIVED, NONE, RETRANSMISSION, KEEP,                          \
      "simultaneous open: own SYN re-sent (§3.8.1)")                                               \
    C(SYN_RECEIVED, SEND_SYNACK, SYN_RECEIVED, NONE, RETRANSMISSION, KEEP,                         \
      "SYN,ACK re-sent (§3.8.1)")                                                                  \
    C(SYN_RECEIVED, SEND_ACK_OF_SYN, ESTABLISHED, NONE, NONE, TRANSITION,                          \
      "SYN-RECEIVED re-sends SYN,ACK until its SYN is acked: a segment without SYN shows it is "   \
      "ESTABLISHED (simultaneous open: it acks the peer's SYN,ACK, §3.10.7.4 fifth)")              \
    C(SYN_RECEIVED, SEND_DATA, SYN_RECEIVED, NONE, NONE, KEEP,                                     \
      "server data before the final ACK: TCP Fast Open (RFC 7413 §4.2)")                           \
    C(SYN_RECEIVED, SEND_FIN, FIN_WAIT_1, RECORD_FIN_SEQ, NONE, TRANSITION,                        \
      "CLOSE / snd FIN (Figure 5, §3.10.4)")                                                       \
    C(SYN_RECEIVED, SEND_ACK_OF_FIN, CLOSE_WAIT, NONE, NONE, TRANSITION,                           \
      "FIN in SYN-RECEIVED: enter CLOSE-WAIT (§3.10.7.4, eighth)")                                 \
    C(SYN_RECEIVED, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT (§3.10.5)")                  \
    C(SYN_RECEIVED, RECV_ACK_OF_SYN, ESTABLISHED, NONE, NONE, TRANSITION,                          \
      "rcv ACK of SYN (Figure 5, §3.10.7.4 fifth)")                                                \
    C(SYN_RECEIVED, RECV_ACK_OF_FIN, SYN_RECEIVED, NONE, NONE, IMPOSSIBLE,                         \
      "a FIN of this end leaves SYN-RECEIVED for FIN-WAIT-1")                                      \
    C(SYN_RECEIVED, RECV_RST, LISTEN, ABORT, NONE, TRANSITION,                                     \
      "RST in SYN-RECEIVED returns a passive open to LISTEN (§3.10.7.4 second)")                   \
    C(SYN_RECEIVED, MIDSTREAM, SYN_RECEIVED, NONE, NONE, IMPOSSIBLE,                               \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(SYN_RECEIVED, TIMEOUT, SYN_RECEIVED, NONE, NONE, KEEP,                                       \
      "idle expiry ends tracking, not the endpoint: the report keeps SYN_RECEIVED")                \
    C(SYN_RECEIVED, FIN_REFUTED, SYN_RECEIVED, NONE, FIN_REFUTED, KEEP,                            \
      "its FIN moved it nowhere it still is: nothing to undo")                                     \
    /* ---- ESTABLISHED ---- */                                                                   \
    C(ESTABLISHED, SEND_SYN, ESTABLISHED, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                   \
      "SYN in a synchronized state draws a challenge ACK (RFC 5961 §4)")                           \
    C(ESTABLISHED, RESEND_SYN, ESTABLISHED, NONE, RETRANSMISSION, KEEP,                            \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(ESTABLISHED, SEND_SYNACK, ESTABLISHED, NONE, RETRANSMISSION, KEEP,                           \
      "SYN,ACK re-sent: the handshake ACK was lost after the capture point; the peer's re-ACK "    \
      "repairs it (§3.8.1)")                                                                       \
    C(ESTABLISHED, SEND_ACK_OF_SYN, ESTABLISHED, NONE, NONE, KEEP, "level-triggered repeat")       \
    C(ESTABLISHED, SEND_DATA, ESTABLISHED, NONE, NONE, KEEP, "data transfer (§3.10.2)")            \
    C(ESTABLISHED, SEND_FIN, FIN_WAIT_1, RECORD_FIN_SEQ, NONE, TRANSITION,                         \
      "CLOSE / snd FIN (Figure 5, §3.10.4)")                                                       \
    C(ESTABLISHED, SEND_ACK_OF_FIN, CLOSE_WAIT, NONE, NONE, TRANSITION,                            \
      "rcv FIN / snd ACK (Figure 5, §3.10.7.4 eighth)")                                            \
    C(ESTABLISHED, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")         \
    C(ESTABLISHED, RECV_ACK_OF_SYN, ESTABLISHED, NONE, NONE, KEEP, "level-triggered repeat")       \
    C(ESTABLISHED, RECV_ACK_OF_FIN, ESTABLISHED, NONE, NONE, IMPOSSIBLE,                           \
      "no FIN of this end was sent in ESTABLISHED")                                                \
    C(ESTABLISHED, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                      \
      "accepted RST (§3.10.7.4 second, RFC 5961 §3)")                                              \
    C(ESTABLISHED, MIDSTREAM, ESTABLISHED, NONE, NONE, IMPOSSIBLE,                                 \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(ESTABLISHED, TIMEOUT, ESTABLISHED, NONE, NONE, KEEP,                                         \
      "idle expiry ends tracking, not the endpoint: the report keeps ESTABLISHED")                 \
    C(ESTABLISHED, FIN_REFUTED, ESTABLISHED, NONE, FIN_REFUTED, KEEP,                              \
      "its FIN moved it nowhere (sent before the handshake ended): nothing to undo")               \
    /* ---- FIN-WAIT-1 ---- */                                                                    \
    C(FIN_WAIT_1, SEND_SYN, FIN_WAIT_1, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                     \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(FIN_WAIT_1, RESEND_SYN, FIN_WAIT_1, NONE, RETRANSMISSION, KEEP,                              \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(FIN_WAIT_1, SEND_SYNACK, FIN_WAIT_1, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                  \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(FIN_WAIT_1, SEND_ACK_OF_SYN, FIN_WAIT_1, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(FIN_WAIT_1, SEND_DATA, FIN_WAIT_1, NONE, DATA_AFTER_FIN, KEEP,                               \
      "SEND after CLOSE: error, connection closing (§3.10.2)")                                     \
    C(FIN_WAIT_1, SEND_FIN, FIN_WAIT_1, NONE, RETRANSMISSION, KEEP, "FIN re-sent (§3.8.1)")        \
    C(FIN_WAIT_1, SEND_ACK_OF_FIN, CLOSING, NONE, NONE, TRANSITION,                                \
      "crossing FINs: rcv FIN / snd ACK before the own FIN is acked (Figure 5, §3.10.7.4 eighth)") \
    C(FIN_WAIT_1, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")          \
    C(FIN_WAIT_1, RECV_ACK_OF_SYN, FIN_WAIT_1, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(FIN_WAIT_1, RECV_ACK_OF_FIN, FIN_WAIT_2, NONE, NONE, TRANSITION,                             \
      "rcv ACK of FIN (Figure 5, §3.10.7.4 fifth)")                                                \
    C(FIN_WAIT_1, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                       \
      "accepted RST (§3.10.7.4 second, RFC 5961 §3)")                                              \
    C(FIN_WAIT_1, MIDSTREAM, FIN_WAIT_1, NONE, NONE, IMPOSSIBLE,                                   \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(FIN_WAIT_1, TIMEOUT, FIN_WAIT_1, NONE, NONE, KEEP,                                           \
      "idle expiry ends tracking, not the endpoint: the report keeps FIN_WAIT_1")                  \
    C(FIN_WAIT_1, FIN_REFUTED, ESTABLISHED, NONE, FIN_REFUTED, TRANSITION,                         \
      "the close never reached the peer, which acked bytes sent after the FIN (§3.5: nothing "     \
      "follows a FIN): back to before CLOSE")                                                      \
    /* ---- FIN-WAIT-2 ---- */                                                                    \
    C(FIN_WAIT_2, SEND_SYN, FIN_WAIT_2, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                     \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(FIN_WAIT_2, RESEND_SYN, FIN_WAIT_2, NONE, RETRANSMISSION, KEEP,                              \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(FIN_WAIT_2, SEND_SYNACK, FIN_WAIT_2, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                  \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(FIN_WAIT_2, SEND_ACK_OF_SYN, FIN_WAIT_2, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(FIN_WAIT_2, SEND_DATA, FIN_WAIT_2, NONE, DATA_AFTER_FIN, KEEP,                               \
      "SEND after CLOSE: error, connection closing (§3.10.2)")                                     \
    C(FIN_WAIT_2, SEND_FIN, FIN_WAIT_2, NONE, RETRANSMISSION, KEEP,                                \
      "FIN re-sent: its ACK was lost after the capture point; the peer's re-ACK repairs it "       \
      "(§3.8.1)")                                                                                  \
    C(FIN_WAIT_2, SEND_ACK_OF_FIN, TIME_WAIT, START_TIME_WAIT_TIMER, NONE, TRANSITION,             \
      "rcv FIN / snd ACK (Figure 5, §3.10.7.4 eighth)")                                            \
    C(FIN_WAIT_2, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")          \
    C(FIN_WAIT_2, RECV_ACK_OF_SYN, FIN_WAIT_2, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(FIN_WAIT_2, RECV_ACK_OF_FIN, FIN_WAIT_2, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(FIN_WAIT_2, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                       \
      "accepted RST (§3.10.7.4 second, RFC 5961 §3)")                                              \
    C(FIN_WAIT_2, MIDSTREAM, FIN_WAIT_2, NONE, NONE, IMPOSSIBLE,                                   \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(FIN_WAIT_2, TIMEOUT, FIN_WAIT_2, NONE, NONE, KEEP,                                           \
      "idle expiry ends tracking, not the endpoint: the report keeps FIN_WAIT_2")                  \
    C(FIN_WAIT_2, FIN_REFUTED, FIN_WAIT_2, NONE, NONE, IMPOSSIBLE,                                 \
      "reached by RECV_ACK_OF_FIN: an acknowledged FIN is never refuted")                          \
    /* ---- CLOSE-WAIT ---- */                                                                    \
    C(CLOSE_WAIT, SEND_SYN, CLOSE_WAIT, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                     \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(CLOSE_WAIT, RESEND_SYN, CLOSE_WAIT, NONE, RETRANSMISSION, KEEP,                              \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(CLOSE_WAIT, SEND_SYNACK, CLOSE_WAIT, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                  \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(CLOSE_WAIT, SEND_ACK_OF_SYN, CLOSE_WAIT, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(CLOSE_WAIT, SEND_DATA, CLOSE_WAIT, NONE, NONE, KEEP,                                         \
      "half-close: this direction still sends (§3.6, §3.10.2)")                                    \
    C(CLOSE_WAIT, SEND_FIN, LAST_ACK, RECORD_FIN_SEQ, NONE, TRANSITION,                            \
      "CLOSE / snd FIN (Figure 5, §3.10.4)")                                                       \
    C(CLOSE_WAIT, SEND_ACK_OF_FIN, CLOSE_WAIT, NONE, NONE, KEEP,                                   \
      "peer's FIN re-sent and re-acked: remain (§3.10.7.4 eighth)")                                \
    C(CLOSE_WAIT, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")          \
    C(CLOSE_WAIT, RECV_ACK_OF_SYN, CLOSE_WAIT, NONE, NONE, KEEP, "level-triggered repeat")         \
    C(CLOSE_WAIT, RECV_ACK_OF_FIN, CLOSE_WAIT, NONE, NONE, IMPOSSIBLE,                             \
      "no FIN of this end was sent in CLOSE-WAIT")                                                 \
    C(CLOSE_WAIT, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                       \
      "accepted RST (§3.10.7.4 second, RFC 5961 §3)")                                              \
    C(CLOSE_WAIT, MIDSTREAM, CLOSE_WAIT, NONE, NONE, IMPOSSIBLE,                                   \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(CLOSE_WAIT, TIMEOUT, CLOSE_WAIT, NONE, NONE, KEEP,                                           \
      "idle expiry ends tracking, not the endpoint: the report keeps CLOSE_WAIT")                  \
    C(CLOSE_WAIT, FIN_REFUTED, CLOSE_WAIT, NONE, FIN_REFUTED, KEEP,                                \
      "a FIN sent in CLOSE-WAIT moves it to LAST-ACK: nothing to undo here")                       \
    /* ---- CLOSING ---- */                                                                       \
    C(CLOSING, SEND_SYN, CLOSING, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                           \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(CLOSING, RESEND_SYN, CLOSING, NONE, RETRANSMISSION, KEEP,                                    \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(CLOSING, SEND_SYNACK, CLOSING, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                        \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(CLOSING, SEND_ACK_OF_SYN, CLOSING, NONE, NONE, KEEP, "level-triggered repeat")               \
    C(CLOSING, SEND_DATA, CLOSING, NONE, DATA_AFTER_FIN, KEEP,                                     \
      "SEND after CLOSE: error, connection closing (§3.10.2)")                                     \
    C(CLOSING, SEND_FIN, CLOSING, NONE, RETRANSMISSION, KEEP, "FIN re-sent (§3.8.1)")              \
    C(CLOSING, SEND_ACK_OF_FIN, CLOSING, NONE, NONE, KEEP,                                         \
      "peer's FIN re-sent and re-acked: remain (§3.10.7.4 eighth)")                                \
    C(CLOSING, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")             \
    C(CLOSING, RECV_ACK_OF_SYN, CLOSING, NONE, NONE, KEEP, "level-triggered repeat")               \
    C(CLOSING, RECV_ACK_OF_FIN, TIME_WAIT, START_TIME_WAIT_TIMER, NONE, TRANSITION,                \
      "rcv ACK of FIN (Figure 5, §3.10.7.4 fifth)")                                                \
    C(CLOSING, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                          \
      "accepted RST (§3.10.7.4 second, RFC 5961 §3)")                                              \
    C(CLOSING, MIDSTREAM, CLOSING, NONE, NONE, IMPOSSIBLE,                                         \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(CLOSING, TIMEOUT, CLOSING, NONE, NONE, KEEP,                                                 \
      "idle expiry ends tracking, not the endpoint: the report keeps CLOSING")                     \
    C(CLOSING, FIN_REFUTED, CLOSE_WAIT, NONE, FIN_REFUTED, TRANSITION,                             \
      "it acked the peer's FIN, its own never arrived: the state without its CLOSE")               \
    /* ---- LAST-ACK ---- */                                                                      \
    C(LAST_ACK, SEND_SYN, LAST_ACK, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                         \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(LAST_ACK, RESEND_SYN, LAST_ACK, NONE, RETRANSMISSION, KEEP,                                  \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(LAST_ACK, SEND_SYNACK, LAST_ACK, NONE, SYN_IN_SYNCHRONIZED_STATE, KEEP,                      \
      "SYN in a synchronized state (RFC 5961 §4)")                                                 \
    C(LAST_ACK, SEND_ACK_OF_SYN, LAST_ACK, NONE, NONE, KEEP, "level-triggered repeat")             \
    C(LAST_ACK, SEND_DATA, LAST_ACK, NONE, DATA_AFTER_FIN, KEEP,                                   \
      "SEND after CLOSE: error, connection closing (§3.10.2)")                                     \
    C(LAST_ACK, SEND_FIN, LAST_ACK, NONE, RETRANSMISSION, KEEP, "FIN re-sent (§3.8.1)")            \
    C(LAST_ACK, SEND_ACK_OF_FIN, LAST_ACK, NONE, NONE, KEEP,                                       \
      "peer's FIN re-sent and re-acked: remain (§3.10.7.4 eighth)")                                \
    C(LAST_ACK, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")            \
    C(LAST_ACK, RECV_ACK_OF_SYN, LAST_ACK, NONE, NONE, KEEP, "level-triggered repeat")             \
    C(LAST_ACK, RECV_ACK_OF_FIN, CLOSED, NONE, NONE, TRANSITION,                                   \
      "rcv ACK of FIN: delete the TCB (Figure 5, §3.10.7.4 fifth)")                                \
    C(LAST_ACK, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                         \
      "accepted RST (§3.10.7.4 second, RFC 5961 §3)")                                              \
    C(LAST_ACK, MIDSTREAM, LAST_ACK, NONE, NONE, IMPOSSIBLE,                                       \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(LAST_ACK, TIMEOUT, LAST_ACK, NONE, NONE, KEEP,                                               \
      "idle expiry ends tracking, not the endpoint: the report keeps LAST_ACK")                    \
    C(LAST_ACK, FIN_REFUTED, CLOSE_WAIT, NONE, FIN_REFUTED, TRANSITION,                            \
      "the close never reached the peer, which acked bytes sent after the FIN: back to before "    \
      "CLOSE")                                                                                     \
    /* ---- TIME-WAIT: left only by TIMEOUT, RST, or a new SYN (RFC 6191) ---- */                 \
    C(TIME_WAIT, SEND_SYN, SYN_SENT, RECORD_ISN, TUPLE_REUSE, TRANSITION,                          \
      "new SYN from TIME-WAIT reopens the tuple (RFC 6191 §2)")                                    \
    C(TIME_WAIT, RESEND_SYN, TIME_WAIT, NONE, RETRANSMISSION, KEEP,                                \
      "late duplicate of the SYN, already acknowledged (§3.8.1)")                                  \
    C(TIME_WAIT, SEND_SYNACK, SYN_RECEIVED, RECORD_ISN, TUPLE_REUSE, TRANSITION,                   \
      "TIME-WAIT accepts a new SYN and answers it (RFC 6191 §2, §3.10.7.4)")                       \
    C(TIME_WAIT, SEND_ACK_OF_SYN, TIME_WAIT, NONE, NONE, KEEP, "level-triggered repeat")           \
    C(TIME_WAIT, SEND_DATA, TIME_WAIT, NONE, DATA_AFTER_FIN, KEEP,                                 \
      "SEND after CLOSE: error, connection closing (§3.10.2)")                                     \
    C(TIME_WAIT, SEND_FIN, TIME_WAIT, NONE, RETRANSMISSION, KEEP,                                  \
      "FIN re-sent: its ACK was lost after the capture point; the peer's re-ACK repairs it "       \
      "(§3.8.1)")                                                                                  \
    C(TIME_WAIT, SEND_ACK_OF_FIN, TIME_WAIT, START_TIME_WAIT_TIMER, NONE, KEEP,                    \
      "peer's FIN re-sent: ack it and restart the 2 MSL timer (§3.10.7.4 eighth)")                 \
    C(TIME_WAIT, SEND_RST, CLOSED, ABORT, NONE, TRANSITION, "ABORT / snd RST (§3.10.5)")           \
    C(TIME_WAIT, RECV_ACK_OF_SYN, TIME_WAIT, NONE, NONE, KEEP, "level-triggered repeat")           \
    C(TIME_WAIT, RECV_ACK_OF_FIN, TIME_WAIT, NONE, NONE, KEEP, "level-triggered repeat")           \
    C(TIME_WAIT, RECV_RST, CLOSED, ABORT, NONE, TRANSITION,                                        \
      "accepted RST (§3.10.7.4 second; RFC 1337 hazard)")                                          \
    C(TIME_WAIT, MIDSTREAM, TIME_WAIT, NONE, NONE, IMPOSSIBLE,                                     \
      "MIDSTREAM is raised only when a connection is created, in UNKNOWN")                         \
    C(TIME_WAIT, TIMEOUT, CLOSED, NONE, NONE, TRANSITION,                                          \
      "Timeout=2MSL / delete TCB (Figure 5, §3.10.8)")                                             \
    C(TIME_WAIT, FIN_REFUTED, TIME_WAIT, NONE, NONE, IMPOSSIBLE,                                   \
      "reached only once its FIN was acknowledged, which is never refuted")

#define CELL_INIT(s, e, next, act, anom, kind_, why)                                               \
    [TCPSIFT_ST_##s][TCPSIFT_EV_##e] = {TCPSIFT_ST_##next, TCPSIFT_ACT_##act,                      \
                                        TCPSIFT_ANOMALY_##anom, TCPSIFT_CELL_##kind_},

const tcpsift_state_transition state_table_cells[TCPSIFT_ST_COUNT][TCPSIFT_EV_COUNT] = {
    STATE_TABLE(CELL_INIT)};

#define CELL_REASON(s, e, next, act, anom, kind_, why) [TCPSIFT_ST_##s][TCPSIFT_EV_##e] = why,

static const char *const state_reasons[TCPSIFT_ST_COUNT][TCPSIFT_EV_COUNT] = {
    STATE_TABLE(CELL_REASON)};

/* Every cell fits its byte-wide fields. */
_Static_assert(TCPSIFT_ST_COUNT <= 256 && TCPSIFT_ACT_COUNT <= 256 &&
                   TCPSIFT_ANOMALY_COUNT <= 256 && TCPSIFT_CELL_KIND_COUNT <= 256,
               "state table fields are bytes");

static int state_valid(tcpsift_tcp_state s) { return (unsigned)s < (unsigned)TCPSIFT_ST_COUNT; }
static int event_valid(tcpsift_state_event e) { return (unsigned)e < (unsigned)TCPSIFT_EV_COUNT; }

const tcpsift_state_transition *tcpsift_state_table_cell(tcpsift_tcp_state s,
                                                         tcpsift_state_event e)
{
    if (!state_valid(s) || !event_valid(e)) return NULL;
    return &state_table_cells[s][e];
}

tcpsift_tcp_state tcpsift_state_next(tcpsift_tcp_state s, tcpsift_state_event e,
                                     tcpsift_state_action *action, tcpsift_anomaly *anomaly)
{
    const tcpsift_state_transition *cell = tcpsift_state_table_cell(s, e);
    if (!cell) {
        if (action) *action = TCPSIFT_ACT_NONE;
        if (anomaly) *anomaly = TCPSIFT_ANOMALY_NONE;
        return s;
    }
    if (action) *action = (tcpsift_state_action)cell->action;
    if (anomaly) *anomaly = (tcpsift_anomaly)cell->anomaly;
    return (tcpsift_tcp_state)cell->next_state;
}

const char *tcpsift_state_table_reason(tcpsift_tcp_state s, tcpsift_state_event e)
{
    if (!state_valid(s) || !event_valid(e)) return NULL;
    return state_reasons[s][e];
}

const char *tcpsift_tcp_state_name(tcpsift_tcp_state s)
{
    switch (s) {
    case TCPSIFT_ST_UNKNOWN: return "UNKNOWN";
    case TCPSIFT_ST_CLOSED: return "CLOSED";
    case TCPSIFT_ST_LISTEN: return "LISTEN";
    case TCPSIFT_ST_SYN_SENT: return "SYN_SENT";
    case TCPSIFT_ST_SYN_RECEIVED: return "SYN_RECEIVED";
    case TCPSIFT_ST_ESTABLISHED: return "ESTABLISHED";
    case TCPSIFT_ST_FIN_WAIT_1: return "FIN_WAIT_1";
    case TCPSIFT_ST_FIN_WAIT_2: return "FIN_WAIT_2";
    case TCPSIFT_ST_CLOSE_WAIT: return "CLOSE_WAIT";
    case TCPSIFT_ST_CLOSING: return "CLOSING";
    case TCPSIFT_ST_LAST_ACK: return "LAST_ACK";
    case TCPSIFT_ST_TIME_WAIT: return "TIME_WAIT";
    case TCPSIFT_ST_COUNT: break;
    }
    return "invalid";
}

const char *tcpsift_state_event_name(tcpsift_state_event e)
{
    switch (e) {
    case TCPSIFT_EV_SEND_SYN: return "SEND_SYN";
    case TCPSIFT_EV_RESEND_SYN: return "RESEND_SYN";
    case TCPSIFT_EV_SEND_SYNACK: return "SEND_SYNACK";
    case TCPSIFT_EV_SEND_ACK_OF_SYN: return "SEND_ACK_OF_SYN";
    case TCPSIFT_EV_SEND_DATA: return "SEND_DATA";
    case TCPSIFT_EV_SEND_FIN: return "SEND_FIN";
    case TCPSIFT_EV_SEND_ACK_OF_FIN: return "SEND_ACK_OF_FIN";
    case TCPSIFT_EV_SEND_RST: return "SEND_RST";
    case TCPSIFT_EV_RECV_ACK_OF_SYN: return "RECV_ACK_OF_SYN";
    case TCPSIFT_EV_RECV_ACK_OF_FIN: return "RECV_ACK_OF_FIN";
    case TCPSIFT_EV_RECV_RST: return "RECV_RST";
    case TCPSIFT_EV_MIDSTREAM: return "MIDSTREAM";
    case TCPSIFT_EV_TIMEOUT: return "TIMEOUT";
    case TCPSIFT_EV_FIN_REFUTED: return "FIN_REFUTED";
    case TCPSIFT_EV_COUNT: break;
    }
    return "invalid";
}

const char *tcpsift_state_action_name(tcpsift_state_action a)
{
    switch (a) {
    case TCPSIFT_ACT_NONE: return "none";
    case TCPSIFT_ACT_RECORD_ISN: return "record_isn";
    case TCPSIFT_ACT_RECORD_FIN_SEQ: return "record_fin_seq";
    case TCPSIFT_ACT_START_TIME_WAIT_TIMER: return "start_time_wait_timer";
    case TCPSIFT_ACT_MARK_INFERRED: return "mark_inferred";
    case TCPSIFT_ACT_ABORT: return "abort";
    case TCPSIFT_ACT_COUNT: break;
    }
    return "invalid";
}

const char *tcpsift_state_cell_kind_name(tcpsift_state_cell_kind k)
{
    switch (k) {
    case TCPSIFT_CELL_UNSET: return "unset";
    case TCPSIFT_CELL_TRANSITION: return "transition";
    case TCPSIFT_CELL_KEEP: return "keep";
    case TCPSIFT_CELL_IGNORED: return "ignored";
    case TCPSIFT_CELL_IMPOSSIBLE: return "impossible";
    case TCPSIFT_CELL_KIND_COUNT: break;
    }
    return "invalid";
}

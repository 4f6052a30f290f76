/* tcpsift anomaly events: one enum, one stable lower_snake_case name per event.
 *
 * An anomaly is something a passive observer notices about a segment or a
 * connection that an RFC-conforming, loss-free exchange would not show. The
 * connection tracker counts them per connection (the `events` object of
 * `tcpsift conns`); the state table (tcpsift/state.h) raises some of them from
 * its cells. The names are part of the CLI contract: never rename one, only
 * add (at the end of the group it belongs to). TCPSIFT_ANOMALY_NONE is not an
 * event: it is the "nothing to report" value of a table cell.
 *
 * X(ENUM_SUFFIX, "name", "meaning") */
#ifndef TCPSIFT_ANOMALY_H
#define TCPSIFT_ANOMALY_H

#ifdef __cplusplus
extern "C" {
#endif

#define TCPSIFT_ANOMALY_LIST(X)                                                                    \
    X(NONE, "none", "no anomaly")                                                                  \
    /* sequence space and retransmission (RFC 9293 §3.4, §3.8.1) */                               \
    X(RETRANSMISSION, "retransmission",                                                            \
      "payload, SYN or FIN re-sent: the segment does not advance the sender's next sequence "     \
      "number")                                                                                    \
    X(OUT_OF_ORDER, "out_of_order",                                                                \
      "segment fills a hole below data of the same direction that was already seen")              \
    X(LOST_SEGMENT, "lost_segment",                                                                \
      "segment starts beyond the next expected sequence number: bytes before it were never "      \
      "seen")                                                                                      \
    X(OVERLAP_MISMATCH, "overlap_mismatch",                                                        \
      "re-sent bytes differ from the copy of the same sequence numbers seen earlier")             \
    X(DATA_AFTER_FIN, "data_after_fin",                                                            \
      "new payload from an endpoint that already sent its FIN (RFC 9293 §3.10.2: connection "     \
      "closing)")                                                                                  \
    /* acknowledgements and windows (RFC 9293 §3.8.6, §3.10.7.4; RFC 5961 §5) */                  \
    X(DUPLICATE_ACK, "duplicate_ack",                                                              \
      "pure ACK repeating the previous acknowledgement number and window while data is "          \
      "outstanding")                                                                               \
    X(ACK_UNSEEN_SEGMENT, "ack_unseen_segment",                                                    \
      "acknowledgement covers sequence numbers the observer never saw sent")                      \
    X(ACK_OUT_OF_WINDOW, "ack_out_of_window",                                                      \
      "ACK outside SND.UNA - MAX.SND.WND .. SND.NXT of the acknowledged endpoint (RFC 5961 "      \
      "§5.2); once both SYNs were seen the receiver drops the segment, data and all (RFC 9293 "   \
      "§3.10.7.4), where SND.NXT is taken as far as the acknowledged endpoint may send: its "     \
      "peer's largest window past its last ACK, since the capture may have missed bytes; a "     \
      "first ACK must also pass the acknowledged endpoint's ISN (SYN-RECEIVED)")                \
    X(ZERO_WINDOW, "zero_window", "the sender advertises a receive window of zero")               \
    X(WINDOW_UPDATE, "window_update",                                                              \
      "pure ACK that repeats the acknowledgement number and only changes the window")             \
    X(WINDOW_SHRUNK, "window_shrunk",                                                              \
      "the right edge of the advertised window moved left (RFC 9293 §3.8.6 discourages it)")      \
    X(KEEP_ALIVE, "keep_alive",                                                                    \
      "segment at the next expected sequence number minus one with at most one byte: a "          \
      "keep-alive probe (RFC 9293 §3.8.4)")                                                        \
    /* resets (RFC 5961 §3) */                                                                     \
    X(RST_OUT_OF_WINDOW, "rst_out_of_window",                                                      \
      "RST outside the receiver's window: the receiver drops it")                                 \
    X(RST_IN_WINDOW_PENDING, "rst_in_window_pending",                                              \
      "RST inside the receiver's window but not at RCV.NXT: held pending until the peers' "       \
      "behaviour confirms or refutes it")                                                          \
    /* flags and handshake (RFC 9293 §3.5, §3.10.7; RFC 5961 §4) */                               \
    X(INVALID_FLAG_COMBINATION, "invalid_flag_combination",                                        \
      "SYN+FIN, SYN+RST, or none of SYN/ACK/RST/FIN set")                                          \
    X(SYN_WITH_DATA, "syn_with_data", "SYN or SYN-ACK carrying payload (TCP Fast Open or abuse)") \
    X(SYN_IN_SYNCHRONIZED_STATE, "syn_in_synchronized_state",                                      \
      "SYN from an endpoint already synchronized: the peer answers with a challenge ACK (RFC "     \
      "5961 §4)")                                                                                  \
    X(DATA_BEFORE_HANDSHAKE, "data_before_handshake",                                              \
      "payload from an endpoint that has not acknowledged the peer's SYN")                        \
    X(FIN_BEFORE_HANDSHAKE, "fin_before_handshake",                                                \
      "FIN from an endpoint that has not acknowledged the peer's SYN (RFC 9293 §3.10.4: "         \
      "CLOSE before SYN-RECEIVED sends no FIN)")                                                   \
    X(ACK_BEFORE_SYN, "ack_before_syn",                                                            \
      "endpoint acknowledges the peer's SYN or FIN without having sent a SYN of its own (split "  \
      "handshake)")                                                                                \
    X(SEGMENT_AFTER_CLOSE, "segment_after_close",                                                  \
      "data, FIN or acknowledgement from an endpoint already CLOSED (after a RST or a completed "  \
      "close)")                                                                                    \
    X(TUPLE_REUSE, "tuple_reuse",                                                                  \
      "new SYN on the tuple of a closed, reset or TIME_WAIT connection, or from an endpoint that "  \
      "has sent its FIN (the rest of the close not captured)")                                     \
    /* integrity */                                                                                \
    X(BAD_CHECKSUM, "bad_checksum", "checksum wrong: the segment is ignored by state and "        \
                                    "reassembly")                                                  \
    X(BAD_OPTION, "bad_option",                                                                    \
      "TCP options malformed: options after the bad one are not parsed, the segment is still "    \
      "processed")                                                                                 \
    /* ---- raised by the connection tracker (tcp_conn.c, tracker.c) ---- */                     \
    X(DATA_OUT_OF_WINDOW, "data_out_of_window",                                                    \
      "payload entirely outside the receiver's advertised window (RFC 9293 §3.10.7.4; a zero "     \
      "window admits no new byte): not delivered")                                                 \
    X(SEGMENT_TRUNCATED, "segment_truncated",                                                      \
      "payload cut by the capture's snap length: the missing tail is a gap")                      \
    X(CONTENT_GAP, "content_gap", "reassembly skipped bytes it never saw (a hole)")                \
    X(REASSEMBLY_MEMCAP, "reassembly_memcap",                                                      \
      "a reassembly memory cap was hit: the lowest hole was skipped to make room")               \
    X(REASSEMBLY_SEGMENT_CAP, "reassembly_segment_cap",                                            \
      "the cap on held segments per direction was hit: the lowest hole was skipped")             \
    X(RETRANSMISSION_UNVERIFIED, "retransmission_unverified",                                      \
      "a copy of delivered bytes no longer retained: it could not be compared")                   \
    X(SPURIOUS_RETRANSMISSION, "spurious_retransmission",                                          \
      "retransmitted bytes the peer had already acknowledged")                                     \
    X(ZERO_WINDOW_PROBE, "zero_window_probe",                                                      \
      "one byte sent at the next sequence number into a zero window (RFC 9293 §3.8.6.1)")         \
    X(RST_WITH_DATA, "rst_with_data",                                                              \
      "an RST carrying payload; the payload is not stream data (RFC 9293 §3.10.7)")               \
    X(URGENT_DATA, "urgent_data", "a segment with URG set (RFC 9293 §3.8.5; RFC 6093)")            \
    X(PAWS_FAILURE, "paws_failure",                                                                \
      "a non-RST segment whose TSval is more than 1 below TS.Recent, which is not 0 (RFC 7323 "    \
      "§5.3, as Linux's tcp_paws_check() applies it): dropped")                                    \
    X(TIMESTAMP_MISSING, "timestamp_missing",                                                      \
      "timestamps were negotiated but a non-RST segment has none (RFC 7323 §3.2)")                 \
    X(WSCALE_TOO_LARGE, "wscale_too_large",                                                        \
      "a window-scale shift above 14, used as 14 (RFC 7323 §2.3)")                                 \
    X(OPTION_OUTSIDE_SYN, "option_outside_syn",                                                    \
      "MSS, window scale or SACK-permitted on a segment without SYN (RFC 9293 §3.7.1; "           \
      "RFC 7323 §2.2; RFC 2018 §2)")                                                               \
    X(TTL_CHANGED, "ttl_changed",                                                                  \
      "TTL / hop limit differs from the sender's first segment (insertion attacks, Ptacek & "     \
      "Newsham)")                                                                                  \
    X(MIDSTREAM_PICKUP, "midstream_pickup",                                                        \
      "the connection was picked up without its handshake: client and states inferred")           \
    X(DIRECTION_FLIPPED, "direction_flipped",                                                      \
      "the first packet seen came from the responder (Zeek's '^')")                                   \
    /* ---- hostile-traffic policies (issue 8) ---- */                                           \
    X(URGENT_REMOVED, "urgent_removed",                                                            \
      "the byte before the urgent pointer was taken out of the stream as out-of-band data "       \
      "(urgent policy oob; RFC 6093 §3)")                                                          \
    X(URGENT_SKIPPED, "urgent_skipped",                                                            \
      "the byte before the urgent pointer was skipped as a one-byte gap (urgent policy gap)")     \
    X(TTL_BELOW_EXPECTED, "ttl_below_expected",                                                    \
      "TTL / hop limit lower than the sender's first segment's by more than the margin: it may "  \
      "expire before the receiver (insertion, Ptacek & Newsham 1998); dropped under policy drop") \
    X(DUPLICATE_FRAME, "duplicate_frame",                                                          \
      "an IP datagram identical to one of the last 32 seen, within the duplicate window "         \
      "(span-port copy): ignored")                                                                 \
    X(RELEASED_UNACKED, "released_unacked",                                                        \
      "acked delivery released bytes no acknowledgement covered (one-sided capture byte budget, " \
      "or the connection ended)")                                                                  \
    X(RESET_HELD_DROPPED, "reset_held_dropped",                                                    \
      "acked delivery: bytes still unacknowledged when the connection ended by an accepted RST "  \
      "are not delivered (a reset receiver never reads them, and answers later segments with RST)") \
    X(FIN_OUT_OF_WINDOW, "fin_out_of_window",                                                      \
      "FIN whose sequence number lies outside the receiver's window: the receiver drops the "      \
      "segment (RFC 9293 §3.10.7.4), so it neither closes nor carries data")                  \
    X(FIN_REFUTED, "fin_refuted",                                                                  \
      "the receiver acknowledged bytes sent past a FIN before acknowledging the FIN: it never "   \
      "took that FIN (an injected one, e.g. with a TTL too low to reach it), so the close is "    \
      "undone and the bytes after it are the stream")                                          \
    X(FIN_MOVED, "fin_moved",                                                                      \
      "a FIN at another sequence number than the same sender's earlier FIN, which its receiver "  \
      "has not acknowledged: one of the two is not the sender's (injected); the receiver's "      \
      "acknowledgement decides which, and the other is refuted")                                   \
    X(FIN_WITHOUT_ACK, "fin_without_ack",                                                          \
      "a FIN without ACK, SYN or RST (a FIN or Xmas scan, or an insertion): every receiver "      \
      "drops it (RFC 9293 §3.10.7: before the handshake only SYN or RST is taken, after it no "   \
      "segment without ACK, §3.10.7.4 fifth check), so it neither closes nor carries data; from a " \
      "sender that never synchronized it counts fin_before_handshake instead")                     \
    X(IP_OPTION_DISCARDED, "ip_option_discarded",                                                  \
      "a segment in an IP datagram that a host discards for its IPv4 options (malformed, a "       \
      "source route, one Linux's ip_options_compile() refuses, CIPSO) or IPv6 extension headers "  \
      "(Hop-by-Hop not first, an unknown option whose action bits say discard, malformed options " \
      "or padding, RFC 8200 §4, RFC 4942; a Jumbo Payload Linux refuses; segment routing or RPL "  \
      "routing headers): ignored by state and reassembly under --ip-options host (the default)")   \
    X(IP_LENGTH_BEYOND_FRAME, "ip_length_beyond_frame",                                            \
      "a segment in an IP datagram whose total length (IPv6: payload length) claims more bytes "   \
      "than the frame carried on the wire (decode error bad_ip_total_length or "                   \
      "bad_ipv6_payload_length): hosts discard it (Linux ip_rcv_core, ipv6_rcv), so it is "        \
      "ignored by state and reassembly under --ip-options host (the default)")                     \
    X(TCP_SIGNATURE_UNEXPECTED, "tcp_signature_unexpected",                                         \
      "a segment carrying a TCP-MD5 option (RFC 2385) sent to an endpoint whose own SYN did not "   \
      "(it holds no key for the peer): Linux drops it before any state processing, so it is "      \
      "ignored by state and reassembly under --tcp-signature host (the default)")                 \
    X(TCP_SIGNATURE_MISSING, "tcp_signature_missing",                                               \
      "a segment without a TCP-MD5 option sent to an endpoint whose own SYN carried one (it "      \
      "holds a key for the peer: a BGP session): Linux drops it before any state processing, "     \
      "so it is ignored by state and reassembly under --tcp-signature host (the default)")         \
    X(LINK_MULTICAST_DESTINATION, "link_multicast_destination",                                     \
      "a segment in an Ethernet frame sent to a broadcast or multicast destination MAC: Linux "    \
      "takes TCP only from frames addressed to the host itself, so no endpoint reads it; "         \
      "ignored by state and reassembly under --link-multicast drop (counted only by default)")

typedef enum tcpsift_anomaly {
#define TCPSIFT_X_ENUM(suffix, name, text) TCPSIFT_ANOMALY_##suffix,
    TCPSIFT_ANOMALY_LIST(TCPSIFT_X_ENUM)
#undef TCPSIFT_X_ENUM
        TCPSIFT_ANOMALY_COUNT
} tcpsift_anomaly;

/* Stable lower_snake_case name of an anomaly, "unknown_anomaly" when out of range. */
const char *tcpsift_anomaly_name(tcpsift_anomaly anomaly);
/* One-line meaning of an anomaly. */
const char *tcpsift_anomaly_text(tcpsift_anomaly anomaly);

#ifdef __cplusplus
}
#endif
#endif

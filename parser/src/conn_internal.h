/* Private per-connection state of the tracker. Never installed.
 *
 * A connection lives in the flow table's value area; endpoint 0 is the
 * client (originator), endpoint 1 the server. Reassemblers and framers are
 * allocated only when a direction carries payload. */
#ifndef TCPSIFT_CONN_INTERNAL_H
#define TCPSIFT_CONN_INTERNAL_H

#include <stdint.h>

#include "tcpsift/tracker.h"

/* Wrapping sequence comparisons (RFC 9293 §3.4): all modulo 2^32. */
static inline int seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline int seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Zeek's endpoint states (TCP_Endpoint), kept beside the RFC states because
 * conn_state is defined on them. */
enum zeek_endpoint_state {
    ZEEK_INACTIVE = 0,
    ZEEK_SYN_SENT,
    ZEEK_SYN_ACK_SENT,
    ZEEK_PARTIAL,
    ZEEK_ESTABLISHED,
    ZEEK_CLOSED,
    ZEEK_RESET
};

/* Zeek history letters that are counted (1st, 10th, 100th, ... occurrence). */
enum history_counted { HIST_C = 0, HIST_G, HIST_T, HIST_W, HIST_COUNTED_KINDS };

enum endpoint_flag {
    EP_SENT = 1u << 0,         /* sent at least one accepted segment */
    EP_SYN_SEEN = 1u << 1,     /* its SYN (or SYN-ACK) seen: isn valid */
    EP_FIN_SEEN = 1u << 2,     /* its FIN seen: fin_seq valid */
    EP_ACKED_PEER_SYN = 1u << 3,
    EP_ACKED_PEER_FIN = 1u << 4,
    EP_WS_OFFERED = 1u << 5,   /* its SYN carried window scale */
    EP_TS_OFFERED = 1u << 6,   /* its SYN carried timestamps */
    EP_ACK_SEEN = 1u << 7,     /* last_ack valid */
    EP_NEXT_VALID = 1u << 8,   /* next_seq valid */
    EP_LAST_KEEPALIVE = 1u << 9, /* its last segment was a keep-alive */
    EP_WIN_VALID = 1u << 10,
    EP_SYN_ACKED_BY_PEER = 1u << 11, /* RECV_ACK_OF_SYN raised */
    EP_FIN_ACKED_BY_PEER = 1u << 12, /* RECV_ACK_OF_FIN raised */
    EP_TTL_SEEN = 1u << 13,          /* ttl_first valid */
    EP_HOLE = 1u << 14,              /* hole_start..hole_end: sequence space skipped */
    EP_STREAM_DONE = 1u << 15        /* its stream reached the FIN and was released */
};

/* Field order keeps an endpoint at 40 bytes (no padding): per-connection
 * memory is budgeted (bench/README.md, issue 9). Its stream, when it has one,
 * hangs off the side table (conn_ext.stream). */
typedef struct endpoint {
    /* Its ISN once EP_SYN_SEEN. Until then, the TSval of the peer's last SYN
     * that carried timestamps (syn_note(), tcp_conn.c): judge_rst() reads
     * that only while this endpoint has sent no SYN, and nothing reads the
     * ISN before it is set (issue 9: 8 bytes a connection). */
    uint32_t isn;
    uint32_t next_seq;   /* one past the highest sequence number it sent */
    uint32_t fin_seq;    /* sequence number of its FIN */
    uint32_t last_ack;   /* last acknowledgement number it sent */
    uint32_t max_win;    /* largest scaled window it advertised */
    uint32_t right_edge; /* last ack + scaled window it advertised */
    uint32_t ts_recent;  /* newest TSval it sent (RFC 7323 §5.3) */
    uint32_t bytes;       /* low 32 bits: conn_bytes() adds conn_rare's high half */
    uint16_t flags;       /* enum endpoint_flag */
    uint16_t last_win;    /* last raw window field */
    uint8_t state;        /* tcpsift_tcp_state */
    uint8_t zeek;         /* enum zeek_endpoint_state */
    uint8_t wscale;       /* shift offered in its SYN, capped at 14 (RFC 7323 §2.3) */
    uint8_t hist_once;    /* Zeek letters A D I Q recorded, F R seqs valid (bit each) */
} endpoint;

/* Anomaly counts kept in the connection itself: this many (anomaly, count)
 * slots, conn.ev_kind (anomaly + 1, 0 for an empty slot) and conn.ev_count;
 * a third kind, or a count past 2^16 - 1, moves every count to
 * conn_rare.events (conn_event_add), and ev_kind[0] then holds
 * CONN_EV_SPILLED (a value no anomaly takes). Counts stay exact either way. */
#define CONN_EV_INLINE 2
#define CONN_EV_COUNT_MAX 0xffffu
#define CONN_EV_SPILLED 0xffu
_Static_assert(TCPSIFT_ANOMALY_COUNT < 254, "anomaly ids + 1 must fit the slot tag byte below CONN_EV_SPILLED");

/* Zeek history letters packed 5 bits each (zeek_summary.c). */
#define CONN_HISTORY_BYTES ((TCPSIFT_HISTORY_MAX * 5 + 7) / 8)

/* Per-connection side tables (issue 9: memory per connection), two, each
 * allocated on first need; a handshake-only connection has neither.
 *
 * conn_ext, every connection with payload and every one with a F or R
 * history letter: its two streams, the delivered bytes each stream leaves
 * when it is released, and the sequence numbers of the endpoints' last F and
 * R letters (a clean in-order connection's only side state, 40 B).
 *
 * conn_rare, hung off conn_ext on the first rare fact: anomaly counts past
 * the inline slots, counted history letters (C G T W), a sequence hole,
 * packet and byte counts past 2^32, a released stream's gap bytes. A clean
 * in-order connection has none.
 *
 * When the allocator fails, the fact that needed the table is dropped and
 * counted in the tracker's memcap_hits; counts stay exact otherwise. Both
 * come from per-tracker chunks (tcp_conn.c) and are freed when the
 * connection is reported; tcpsift_tracker_destroy() frees every chunk. */
typedef struct conn_rare {
    uint32_t events[TCPSIFT_ANOMALY_COUNT]; /* valid once conn_events_spilled() */
    uint32_t hist_count[2][HIST_COUNTED_KINDS];
    uint32_t hole_start[2], hole_end[2]; /* the oldest range each endpoint skipped (EP_HOLE) */
    uint64_t pkts_hi[2]; /* packets past the connection's 16 bits (conn.pkts), in 2^16 */
    uint32_t bytes_hi[2];
    uint64_t gap_bytes[2]; /* kept when the stream is released */
    /* A second FIN position from the same sender while its first FIN is unacknowledged, valid
     * under fin_alt_set's bit for that endpoint: one of the two is not the sender's, and the
     * receiver's acknowledgement decides which (tcp_conn.c, fin_decide). */
    uint32_t fin_alt[2];
    uint8_t fin_alt_set;
    /* One past the data an endpoint's SYN-ACKs carried, valid under synack_data_set's bit for
     * that endpoint until the peer's first ACK of the SYN-ACK says whether it took them
     * (tcp_conn.c, synack_data_judge): acked delivery forgets bytes a receiver refused. */
    uint8_t synack_data_set;
    /* Bit per endpoint: its SYN or SYN-ACK carried TCP-MD5 or TCP-AO (tcp_signature_policy.c). */
    uint8_t syn_signed;
    uint32_t synack_data_end[2];
    /* Its index in its chunk (tcp_conn.c), which it is freed to: set when taken, not zeroed. */
    uint8_t slot;
} conn_rare;

typedef struct conn_ext {
    /* Per endpoint, one word (conn_stream(), conn_stream_kept_bytes()): its
     * reassembly + framing while it has one, allocated on its first payload
     * (which reserves this table first), as the address (even); once the
     * stream is released, the bytes it delivered, as bytes << 1 | 1; while
     * it rests (stream_rest.c), its resting form's address | 2; 0: neither.
     * A stream exists only until it is released and its bytes are read only
     * after, so one word holds both and the F / R sequence numbers fit in the
     * 40 bytes (issue 9). */
    uint64_t stream_word[2];
    /* Sequence number of each endpoint's last F and R letters (Zeek repeats
     * a letter on a new seq), valid under its SEQ_F_SET / SEQ_R_SET; the S/H
     * letter's is the ISN (zeek_summary.c). Here, not in the endpoint: only
     * a connection that closes needs them (issue 9: 16 B a connection). */
    uint32_t hist_seq_fin[2], hist_seq_rst[2];
    conn_rare *rare; /* NULL until a rare fact needs it */
} conn_ext;

typedef struct conn {
    uint64_t id;
    int64_t first_ns, last_ns;
    conn_ext *ext; /* NULL until needed */
    endpoint ep[2];
    /* Each endpoint's packets, low 16 bits (conn_pkts() adds conn_rare's
     * high part): here, not in the endpoint, which stays 40 bytes (issue 9). */
    uint16_t pkts[2];
    uint16_t ev_count[CONN_EV_INLINE]; /* inline anomaly counts (CONN_EV_INLINE) */
    uint8_t ev_kind[CONN_EV_INLINE];
    uint16_t vlan;
    uint8_t proto;
    uint8_t completeness;
    uint8_t ttl_first[2]; /* TTL / hop limit of each endpoint's first segment */
    uint8_t history_len;
    uint8_t rst_accepted : 2; /* index+1 of the endpoint whose RST was accepted, 0 none */
    uint8_t client_is_a : 1;  /* the flow key's endpoint a is the client */
    uint8_t direction_guessed : 1;
    uint8_t flipped : 1; /* Zeek '^': first packet came from the responder */
    uint8_t handshake_syn : 1, handshake_synack : 1, handshake : 1;
    uint8_t rejected : 1;
    uint8_t rst_unconfirmed : 1;
    uint8_t rst_after_fins : 1;   /* the accepted RST came after both FINs */
    uint8_t closed_for_reuse : 1; /* a new SYN on this tuple starts a new connection */
    /* Both SYNs carried TCP-MD5 or TCP-AO (tcp_signature_policy.c, policy host): a segment
     * without one is dropped, so no direct path may take it. Beside rst_active: the direct
     * paths test both in one mask. */
    uint8_t signature_required : 1;
    /* A pending in-window RST (RFC 5961 §3.2), its sender, and whether a later segment
     * refuted it: in the flag byte's free bits (issue 9). */
    uint8_t rst_active : 1, rst_from : 1, rst_refuted : 1;
    /* ext's index in its chunk (tcp_conn.c), valid while ext is set: kept here, in what was
     * padding, so conn_ext needs no chunk pointer. */
    uint8_t ext_slot;
    uint8_t history[CONN_HISTORY_BYTES]; /* history_len letters, 5 bits each */
} conn;

/* Whether the anomaly counts moved to conn_rare.events (CONN_EV_SPILLED). */
static inline int conn_events_spilled(const conn *c) { return c->ev_kind[0] == CONN_EV_SPILLED; }

/* Whether endpoint e's FIN is given to its stream: once its receiver acknowledged it. Until
 * then an ACK of bytes sent past it can refute it (tcp_conn.c, fin_refuted_by), and the bytes
 * after it must still reach the stream; a FIN never acknowledged is given when the stream ends. */
static inline int fin_for_stream(const endpoint *e)
{
    return (e->flags & (EP_FIN_SEEN | EP_FIN_ACKED_BY_PEER)) == (EP_FIN_SEEN | EP_FIN_ACKED_BY_PEER);
}

/* Whether endpoint e sent a FIN its receiver has not acknowledged: one that an ACK of bytes
 * past it can still refute (tcp_conn.c, fin_refuted_by). */
static inline int fin_unacknowledged(const endpoint *e)
{
    return (e->flags & (EP_FIN_SEEN | EP_FIN_ACKED_BY_PEER)) == EP_FIN_SEEN;
}

struct tcpsift_tracker;

/* Endpoint `from`'s stream word (conn_ext.stream_word), 0 without a side table. */
static inline uint64_t conn_stream_word(const conn *c, int from)
{
    return c->ext ? c->ext->stream_word[from] : 0;
}
/* The awake stream of endpoint `from`, NULL when it has none (or it rests). */
static inline struct direction_stream *conn_stream(const conn *c, int from)
{
    uint64_t w = conn_stream_word(c, from);
    return (w & 3) ? NULL : (struct direction_stream *)(uintptr_t)w;
}
/* The resting form of endpoint `from`'s stream (stream_rest.c), NULL when it does not rest. */
static inline struct stream_rest *conn_stream_rested(const conn *c, int from)
{
    uint64_t w = conn_stream_word(c, from);
    return (w & 3) == 2 ? (struct stream_rest *)(uintptr_t)(w & ~(uint64_t)3) : NULL;
}
/* The bytes the released stream of endpoint `from` delivered (0 without one). */
static inline uint64_t conn_stream_kept_bytes(const conn *c, int from)
{
    uint64_t w = c->ext ? c->ext->stream_word[from] : 0;
    return (w & 1) ? w >> 1 : 0;
}

/* Anomaly bookkeeping is the rare path of a segment: marked cold so the
 * compiler lays the common segment's code out straight and keeps the
 * counting out of line (issue 9). */
#if defined(__GNUC__) || defined(__clang__)
#define CONN_COLD __attribute__((cold, noinline))
#else
#define CONN_COLD
#endif

/* Why the receiver discards a segment before TCP reads it: its state and stream ignore it,
 * and the anomaly says why (bad_checksum, ip_option_discarded, ip_length_beyond_frame,
 * link_multicast_destination). */
enum segment_discard {
    SEGMENT_READ = 0,
    SEGMENT_BAD_CHECKSUM,
    SEGMENT_IP_OPTIONS,
    SEGMENT_IP_LENGTH,
    SEGMENT_LINK_MULTICAST,
    /* Read, and counted link_multicast_destination (policy flag): not a discard, but the
     * general path's to count (tcp_conn.c). */
    SEGMENT_READ_LINK_MULTICAST
};

/* Per-segment analysis of one TCP connection (tcp_conn.c). `from` is the
 * sender's endpoint index (0 client, 1 server); `discard` an enum segment_discard. */
void tcp_conn_segment(struct tcpsift_tracker *t, conn *c, const tcpsift_packet *pkt, int from,
                      int discard);

/* A new TCP connection whose first packet is `pkt`: decides the client. Returns
 * the sender's endpoint index. */
int tcp_conn_start(conn *c, const tcpsift_packet *pkt);

/* End-of-connection bookkeeping before the report: pending RST resolution,
 * reassembly and framing flushed. */
void tcp_conn_close(struct tcpsift_tracker *t, conn *c);

CONN_COLD void conn_count_event(struct tcpsift_tracker *t, conn *c, tcpsift_anomaly a);
/* Adds n to the connection's count of anomaly a (no per-segment dedupe). */
void conn_event_add(struct tcpsift_tracker *t, conn *c, tcpsift_anomaly a, uint32_t n);
/* All TCPSIFT_ANOMALY_COUNT counts of the connection. */
void conn_events_read(const conn *c, uint32_t out[TCPSIFT_ANOMALY_COUNT]);
/* The connection's conn_ext, allocated zeroed on first use; NULL (counted
 * as a memcap hit) when the allocator fails. */
conn_ext *conn_ext_get(struct tcpsift_tracker *t, conn *c);
/* Its conn_rare (and the conn_ext it hangs off), allocated zeroed on first
 * use; NULL (counted as one memcap hit) when the allocator fails. */
conn_rare *conn_rare_get(struct tcpsift_tracker *t, conn *c);
/* Frees the connection's conn_ext (which it has) and its conn_rare. */
void conn_ext_release(struct tcpsift_tracker *t, conn *c);
/* The same when it has one: every report asks, most have none (the check inline). */
static inline void conn_ext_free(struct tcpsift_tracker *t, conn *c)
{
    if (c->ext) conn_ext_release(t, c);
}
/* Frees x's conn_rare only (tests' verify copies, tcp_conn.c). */
void conn_rare_free(struct tcpsift_tracker *t, conn_ext *x);
/* Frees every side table's chunk (tracker destroy, after every conn_ext_free). */
void conn_ext_drain(struct tcpsift_tracker *t);
#define EXT_CHUNK 32  /* conn_ext per chunk */
#define RARE_CHUNK 16 /* conn_rare per chunk */
_Static_assert(EXT_CHUNK <= 256 && RARE_CHUNK <= 256, "a slot index fits a byte");
/* Adds the high parts of counts that passed 2^16 packets or 2^32 bytes (conn_count_packets). */
CONN_COLD void conn_count_carry(struct tcpsift_tracker *t, conn *c, int from,
                                uint64_t pkts_hi, uint32_t bytes_hi);
/* n packets of `payload_len` bytes in all, sent by endpoint `from`. */
static inline void conn_count_packets(struct tcpsift_tracker *t, conn *c, int from, uint32_t n,
                                      uint64_t payload_len)
{
    endpoint *e = &c->ep[from];
    uint64_t pkts = (uint64_t)c->pkts[from] + n, bytes = (uint64_t)e->bytes + payload_len;
    c->pkts[from] = (uint16_t)pkts;
    e->bytes = (uint32_t)bytes;
    if ((pkts << 16 | bytes) >> 32) /* 2^16 packets or 2^32 bytes (n < 2^32: no overflow) */
        conn_count_carry(t, c, from, pkts >> 16, (uint32_t)(bytes >> 32));
}
static inline uint64_t conn_pkts(const conn *c, int from)
{
    const conn_rare *r = c->ext ? c->ext->rare : NULL;
    return (r ? r->pkts_hi[from] << 16 : 0) | c->pkts[from];
}
static inline uint64_t conn_bytes(const conn *c, int from)
{
    const conn_rare *r = c->ext ? c->ext->rare : NULL;
    return (r ? (uint64_t)r->bytes_hi[from] << 32 : 0) | c->ep[from].bytes;
}

/* Zeek's history and conn_state (zeek_summary.c). */

/* Bits of endpoint.hist_once for the letters recorded once per direction,
 * and for the F and R sequence numbers being set (conn_ext.hist_seq_fin /
 * hist_seq_rst: either bit implies c->ext). */
enum { ONCE_A = 1, ONCE_D = 2, ONCE_I = 4, ONCE_Q = 8, SEQ_F_SET = 16, SEQ_R_SET = 32 };

/* Zeek's TCP_Endpoint keeps prev_state; conn_state needs it only to undo a
 * RST that followed the endpoint's own FIN. Kept in the top bit of
 * endpoint.zeek, which only zeek_summary.c interprets. */
enum { ZEEK_PREV_CLOSED = 0x80 };

/* The history letters of one segment (all of Zeek's rules). */
void zeek_history_packet_all(struct tcpsift_tracker *t, conn *c, int from,
                             const tcpsift_packet *pkt);
/* A history letter's 5-bit code (zeek_summary.c's history_letters), 0 for
 * none: a switch, so a letter known at compile time costs nothing (issue 9:
 * every connection records several). 'S' 'H' 'A' 'D' 'F' 'R' 'C' 'G' 'T' 'W'
 * 'I' 'Q' are 1..12, their lower cases 13..24, '^' 25. */
static inline unsigned history_code_of(char letter)
{
    switch (letter) {
    case 'S': return 1;
    case 'H': return 2;
    case 'A': return 3;
    case 'D': return 4;
    case 'F': return 5;
    case 'R': return 6;
    case 'C': return 7;
    case 'G': return 8;
    case 'T': return 9;
    case 'W': return 10;
    case 'I': return 11;
    case 'Q': return 12;
    case 's': return 13;
    case 'h': return 14;
    case 'a': return 15;
    case 'd': return 16;
    case 'f': return 17;
    case 'r': return 18;
    case 'c': return 19;
    case 'g': return 20;
    case 't': return 21;
    case 'w': return 22;
    case 'i': return 23;
    case 'q': return 24;
    case '^': return 25;
    default: return 0;
    }
}

/* Appends one letter by its code (1..25); past TCPSIFT_HISTORY_MAX letters
 * it is dropped. Letters are only ever appended to bytes that start zeroed,
 * so the byte after the code's first is still zero: both are written
 * whole, without a branch on whether the code spans them (the second index
 * is at most 5 * 30 / 8 + 1 = 19, within the 20 bytes). */
static inline void history_push_code(conn *c, unsigned code)
{
    unsigned len = c->history_len;
    if (len >= TCPSIFT_HISTORY_MAX) return;
    unsigned bit = 5u * len, at = bit / 8;
    unsigned w = (unsigned)c->history[at] | code << (bit % 8);
    c->history[at] = (uint8_t)w;
    c->history[at + 1] = (uint8_t)(w >> 8);
    c->history_len = (uint8_t)(len + 1);
}
_Static_assert(5 * (TCPSIFT_HISTORY_MAX - 1) / 8 + 1 < CONN_HISTORY_BYTES,
               "history_push_code() writes within the history bytes");

/* Upper case for the originator, lower case for the responder: each of the
 * 12 upper-case letters' lower case is 12 codes later; a letter without a
 * lower case is dropped for the responder. */
static inline void zeek_history_add(conn *c, int from, char letter)
{
    unsigned code = history_code_of(letter);
    if (from != 0) code = code >= 1 && code <= 12 ? code + 12 : 0;
    if (code != 0) history_push_code(c, code);
}
void zeek_history_flip(conn *c); /* Zeek's '^': the roles were swapped */
/* zeek_history_packet_all() answering first the segments every connection has,
 * out of line (zeek_summary.c, issue 9): a direction's first D or A and its
 * F without a pass through all the rules. */
void zeek_history_packet_first(struct tcpsift_tracker *t, conn *c, int from,
                               const tcpsift_packet *pkt);
/* The same, answering first the question of the common segment: without
 * SYN, FIN or RST, with a nonzero window, data (D) or a bare ACK (A) whose
 * once-per-direction letter is already recorded, or a segment with neither
 * data nor ACK, adds no letter and no W count under any of
 * zeek_history_packet_all()'s rules (issue 9). */
static inline void zeek_history_packet(struct tcpsift_tracker *t, conn *c, int from,
                                       const tcpsift_packet *pkt)
{
    unsigned f = pkt->tcp_flags;
    if (!(f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST)) && pkt->window != 0) {
        unsigned bit = pkt->payload_len > 0 ? ONCE_D : (f & TCPSIFT_TCP_ACK) ? ONCE_A : 0;
        if (bit == 0 || (c->ep[from].hist_once & bit)) return;
    }
    zeek_history_packet_first(t, c, from, pkt);
}
CONN_COLD void zeek_history_counted(struct tcpsift_tracker *t, conn *c, int from,
                                    enum history_counted kind);
void zeek_endpoint_update_all(conn *c, int from, const tcpsift_packet *pkt);
/* Zeek's endpoint state machine for one segment. Without SYN, FIN or RST
 * only an INACTIVE endpoint moves (every other state's rule needs one of
 * them, zeek_endpoint_update_all()), so the common segment returns here. */
static inline void zeek_endpoint_update(conn *c, int from, const tcpsift_packet *pkt)
{
    unsigned ctl = pkt->tcp_flags & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST);
    uint8_t z = c->ep[from].zeek;
    if (!ctl && z != ZEEK_INACTIVE) return;
    /* Each side's FIN in an established (or partial) connection: the
     * endpoint closes; a peer whose RST followed its own FIN is back to
     * closed (zeek_endpoint_update_all()'s PARTIAL / ESTABLISHED rule). */
    if (ctl == TCPSIFT_TCP_FIN && (z == ZEEK_ESTABLISHED || z == ZEEK_PARTIAL)) {
        endpoint *peer = &c->ep[1 - from];
        c->ep[from].zeek = ZEEK_CLOSED;
        if (peer->zeek == (ZEEK_RESET | ZEEK_PREV_CLOSED)) peer->zeek = ZEEK_CLOSED;
        return;
    }
    zeek_endpoint_update_all(c, from, pkt);
}
/* The history letters as a string (at most TCPSIFT_HISTORY_MAX + NUL). */
void zeek_history_string(const conn *c, char out[TCPSIFT_HISTORY_MAX + 1]);
const char *zeek_conn_state(const conn *c);

/* Reassembly/framing glue (tracker.c). */
void tracker_stream_segment(struct tcpsift_tracker *t, conn *c, int from,
                            const tcpsift_packet *pkt);
void tracker_stream_ack(struct tcpsift_tracker *t, conn *c, int to, uint32_t ack);
/* The SYN-ACK acknowledged only the SYN of endpoint `to`, whose SYN carried data: the receiver
 * dropped that data (RFC 7413 §4.2.2), so held copies of it are forgotten (acked delivery). */
void tracker_stream_syn_data_refused(struct tcpsift_tracker *t, conn *c, int to, uint32_t end);
void tracker_stream_finish(struct tcpsift_tracker *t, conn *c);
/* A new ISN before any byte was delivered: restart the direction's stream. */
void tracker_stream_rebase(struct tcpsift_tracker *t, conn *c, int from);
uint64_t tracker_stream_delivered(const struct tcpsift_tracker *t, const conn *c, int from);
uint64_t tracker_stream_gaps(const struct tcpsift_tracker *t, const conn *c, int from);

#endif

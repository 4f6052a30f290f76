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

typedef struct endpoint {
    uint8_t state;       /* tcpsift_tcp_state */
    uint8_t zeek;        /* enum zeek_endpoint_state */
    uint8_t wscale;      /* shift offered in its SYN */
    uint8_t hist_once;   /* Zeek letters A D I Q already recorded (bit per letter) */
    uint8_t ttl_first;   /* TTL / hop limit of its first segment */
    uint16_t flags;      /* enum endpoint_flag */
    uint32_t isn;
    uint32_t next_seq;   /* one past the highest sequence number it sent */
    uint32_t fin_seq;    /* sequence number of its FIN */
    uint32_t last_ack;   /* last acknowledgement number it sent */
    uint32_t last_win;   /* last raw window field */
    uint32_t max_win;    /* largest scaled window it advertised */
    uint32_t right_edge; /* last ack + scaled window it advertised */
    uint32_t hole_start, hole_end; /* the oldest sequence range it skipped (lost_segment) */
    uint32_t ts_recent;  /* newest TSval it sent (RFC 7323 §5.3) */
    uint32_t ts_syn;     /* TSval of its SYN */
    uint32_t hist_seq[4]; /* last seq of S/H, F, R letters (Zeek repeats on a new seq) */
    uint32_t hist_count[HIST_COUNTED_KINDS];
    uint64_t pkts, bytes;
    struct direction_stream *stream; /* reassembly + framing, allocated on first payload */
    uint64_t stream_bytes, gap_bytes; /* kept when the stream is released */
    uint64_t frame_base;              /* UDP: offset of the next datagram */
} endpoint;

typedef struct pending_rst {
    uint8_t active;
    uint8_t from;   /* endpoint index that sent it */
    uint8_t refuted;
} pending_rst;

typedef struct conn {
    uint64_t id;
    int64_t first_ns, last_ns;
    endpoint ep[2];
    uint8_t proto;
    uint8_t client_is_a;  /* the flow key's endpoint a is the client */
    uint8_t direction_guessed;
    uint8_t flipped;      /* Zeek '^': first packet came from the responder */
    uint8_t handshake_syn, handshake_synack, handshake;
    uint8_t rst_accepted; /* index+1 of the endpoint whose RST was accepted, 0 none */
    uint8_t rejected;
    uint8_t rst_unconfirmed;
    uint8_t rst_after_fins; /* the accepted RST came after both FINs */
    uint8_t completeness;
    uint8_t closed_for_reuse; /* a new SYN on this tuple starts a new connection */
    uint8_t history_len;
    char history[TCPSIFT_HISTORY_MAX + 1];
    pending_rst rst;
    uint16_t vlan;
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
} conn;

struct tcpsift_tracker;

/* Per-segment analysis of one TCP connection (tcp_conn.c). `from` is the
 * sender's endpoint index (0 client, 1 server). */
void tcp_conn_segment(struct tcpsift_tracker *t, conn *c, const tcpsift_packet *pkt, int from,
                      int checksum_bad);

/* A new TCP connection whose first packet is `pkt`: decides the client. Returns
 * the sender's endpoint index. */
int tcp_conn_start(conn *c, const tcpsift_packet *pkt);

/* End-of-connection bookkeeping before the report: pending RST resolution,
 * reassembly and framing flushed. */
void tcp_conn_close(struct tcpsift_tracker *t, conn *c);

void conn_count_event(struct tcpsift_tracker *t, conn *c, tcpsift_anomaly a);

/* Zeek's history and conn_state (zeek_summary.c). */
void zeek_history_packet(conn *c, int from, const tcpsift_packet *pkt);
void zeek_history_add(conn *c, int from, char letter);
void zeek_history_flip(conn *c); /* Zeek's '^': the roles were swapped */
void zeek_history_counted(conn *c, int from, enum history_counted kind);
void zeek_endpoint_update(conn *c, int from, const tcpsift_packet *pkt);
const char *zeek_conn_state(const conn *c);

/* Reassembly/framing glue (tracker.c). */
void tracker_stream_segment(struct tcpsift_tracker *t, conn *c, int from,
                            const tcpsift_packet *pkt);
void tracker_stream_ack(struct tcpsift_tracker *t, conn *c, int to, uint32_t ack);
void tracker_stream_finish(struct tcpsift_tracker *t, conn *c);
/* A new ISN before any byte was delivered: restart the direction's stream. */
void tracker_stream_rebase(struct tcpsift_tracker *t, conn *c, int from);
uint64_t tracker_stream_delivered(const conn *c, int from);
uint64_t tracker_stream_gaps(const conn *c, int from);

#endif

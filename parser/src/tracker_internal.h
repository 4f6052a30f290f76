/* Private: the tracker instance and a direction's stream machinery. */
#ifndef TCPSIFT_TRACKER_INTERNAL_H
#define TCPSIFT_TRACKER_INTERNAL_H

#include "conn_internal.h"
#include "tcpsift/tracker.h"

struct tcpsift_tracker {
    tcpsift_tracker_config cfg;
    tcpsift_allocator alloc;
    tcpsift_flow_table *table;
    tcpsift_reasm_budget budget;
    tcpsift_tracker_stats stats;
    uint64_t next_id[2]; /* [0] TCP, [1] UDP */
    int finished;
    uint64_t segment_anomalies[2]; /* anomalies already counted for the current segment */
};

/* A half-open connection (SYNs from the client, nothing else yet) in the flow
 * table's compact embryo pool: what is needed to replay its SYNs into a full
 * connection when anything else arrives, and to report it if it never does.
 * A SYN flood churns this pool only (issue 3). */
typedef struct embryo {
    uint64_t id;
    int64_t first_ns, last_ns;
    uint32_t isn, tsval, tsecr, syn_count;
    uint32_t opts_present; /* enum tcpsift_tcp_option_bit of the SYN */
    uint16_t mss, window, vlan, tcp_flags;
    uint8_t wscale, ttl, client_is_a, reused;
} embryo;

/* tracker_embryo.c */
int embryo_wanted(const struct tcpsift_tracker *t, const tcpsift_packet *pkt, int checksum_bad);
void embryo_init(embryo *e, const tcpsift_packet *pkt, uint64_t id, int64_t ts_ns,
                 int client_is_a, uint16_t vlan, int reused);
int embryo_absorb(embryo *e, const tcpsift_packet *pkt, int64_t ts_ns, int checksum_bad);
void embryo_replay(struct tcpsift_tracker *t, const embryo *e, conn *c);

/* One direction's reassembler and framer, allocated on its first payload.
 * The conn pointer stays valid while the flow is in the table. */
typedef struct direction_stream {
    tcpsift_reasm reasm;
    tcpsift_framer framer;
    struct tcpsift_tracker *t;
    conn *c;
    uint8_t from; /* endpoint index = direction (0 c2s, 1 s2c) */
    uint8_t has_reasm, has_framer;
    uint8_t gap_seen, gap_letter_pending, ack_gap_lettered;
    uint64_t ack_gap_offset; /* stream offset of a hole already lettered at its ACK */
    uint64_t last_gap_end; /* end of the last hole: adjacent holes are one content gap */
} direction_stream;

#endif

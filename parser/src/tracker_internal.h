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

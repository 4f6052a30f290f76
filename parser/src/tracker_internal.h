/* Private: the tracker instance and a direction's stream machinery. */
#ifndef TCPSIFT_TRACKER_INTERNAL_H
#define TCPSIFT_TRACKER_INTERNAL_H

#include "conn_internal.h"
#include "reasm_settled.h"
#include "tcpsift/tracker.h"

/* Span-port duplicates (span_duplicates.c): the last few datagrams seen,
 * tracker-wide (a copy is the same connection's datagram by definition). */
typedef struct span_dup_ring {
    uint64_t hash[TCPSIFT_SPAN_DUP_HISTORY]; /* keyed SipHash of the IP datagram */
    uint64_t ts[TCPSIFT_SPAN_DUP_HISTORY];
    uint32_t len[TCPSIFT_SPAN_DUP_HISTORY];
    uint32_t next, used;
} span_dup_ring;

/* A framer's pending views outside the tracker's scratch (tracker.c, stream_views_check). */
#define FRAMER_VIEW_BLOCK (TCPSIFT_FRAMER_MAX_VIEWS * sizeof(tcpsift_bytes))
#define VIEW_SPARES_MAX   128

/* A rested stream's form (stream_rest.c): its size classes, and how many forms a chunk holds. */
#define STREAM_REST_CLASSES 8
/* A form's size by class. 80 and 96: a stream after a message each way codes in 27-59 bytes
 * (open-data workload: 49-64 for a fifth of them), which took 128 before (issue 9). */
#define STREAM_REST_SIZES {48, 64, 80, 96, 128, 256, 384, 512}
#define REST_CHUNK 64 /* forms per chunk */

/* Released objects of one size kept for reuse (spares.c). */
#define SPARES_MAX 32
typedef struct spare_list {
    void *items[SPARES_MAX];
    unsigned n;
} spare_list;

/* Side tables of one kind in chunks (tcp_conn.c): the chunks with room (the first serves),
 * the full ones, and how many have no live table (at most one is kept). */
typedef struct side_chunks {
    struct side_chunk *room, *full;
    unsigned empty;
} side_chunks;
/* One chunk: `per` tables of `size` bytes, freed ones linked through their first bytes. */
struct side_chunk {
    struct side_chunk *prev, *next;
    unsigned char *free;
    unsigned live, carved;
    uint64_t items[]; /* the tables (aligned for their 64-bit fields) */
};
#define SIDE_CHUNK_BYTES(size, per) (sizeof(struct side_chunk) + (size_t)(per) * (size))

struct tcpsift_tracker;
/* An object of `size` bytes: a spare, else from the allocator (NULL when it refuses). */
void *spares_take(struct tcpsift_tracker *t, spare_list *l, size_t size);
/* Keeps p as a spare, or frees it when the list is full. */
void spares_give(struct tcpsift_tracker *t, spare_list *l, void *p, size_t size);
/* Frees every spare (tcpsift_tracker_destroy). */
void spares_drain(struct tcpsift_tracker *t, spare_list *l, size_t size);

/* The reassemblers' allocator (spares.c): blocks of SPARE_BLOCK_MIN << i bytes, i <
 * SPARE_BLOCK_CLASSES (the retained-view rings, 4 to 64 views of 16 bytes), are kept as spares
 * by size; every other size goes to the tracker's allocator. The reassembler counts each block
 * as it always does (memory_bytes, the budget): only the allocator round trip is saved. */
#define SPARE_BLOCK_MIN     64u
#define SPARE_BLOCK_CLASSES 5
void spare_blocks_allocator(struct tcpsift_tracker *t, tcpsift_allocator *out);
void spare_blocks_drain(struct tcpsift_tracker *t);

/* tcpsift_tracker.refuse: finished (tcpsift_tracker_finish() ran: packets refused, the
 * clock stays) and in a call (an entry point is running: a callback that calls back in would
 * nest inside a packet's analysis, with the table mid-update and the framers' shared scratch of
 * views in use, so it is refused; tracker.h). */
enum { TRACKER_FINISHED = 1u, TRACKER_IN_CALL = 2u };

struct tcpsift_tracker {
    tcpsift_tracker_config cfg;
    int streams; /* cfg.reassemble || cfg.framing: the stream glue has work (per segment) */
    /* Batches of packets left before the flow table's recent-flow index is tried again
     * (tcpsift_tracker_packets): 0 while it is used. */
    unsigned recent_skip;
    tcpsift_allocator alloc;
    tcpsift_flow_table *table;
    tcpsift_reasm_budget budget;
    /* What every direction's reassembler shares (issue 9: only the state is per direction):
     * set once at create (stream_template_init), read by every stream call. */
    tcpsift_reasm_setup reasm_setup;
    tcpsift_tracker_stats stats;
    uint64_t next_id[2]; /* [0] TCP, [1] UDP */
    /* Why the public entry points refuse work (TRACKER_FINISHED, TRACKER_IN_CALL): one field, so
     * that a packet's entry test is one load. */
    unsigned refuse;
    uint64_t segment_anomalies[2]; /* anomalies already counted for the current segment */
    /* The segment being analysed and its sender (tcp_conn_segment): a stream
     * created meanwhile picks its overlap policy by its receiver's address. */
    const tcpsift_packet *cur_pkt;
    int cur_from;
    /* Set by tests only: every segment tcp_conn.c takes as steady is also
     * run through the general path and compared (steady_verify); the counts
     * say how many were compared and how many differed. */
    int verify_steady;
    uint64_t steady_checked, steady_mismatches;
    /* Set by tests only: every embryo SYN tcp_conn.c applies directly
     * (tcp_conn_embryo_syn) is also run through tcp_conn_segment() and
     * compared (embryo_syn_verify), counted the same way. */
    int verify_embryo_syn;
    uint64_t embryo_syn_checked, embryo_syn_mismatches;
    /* Set by tests only: every handshake SYN-ACK or ACK tcp_conn.c takes
     * directly (handshake_segment) is also run through the general path and
     * compared (handshake_verify); handshake_synack_checked counts the
     * SYN-ACKs among those compared. */
    int verify_handshake;
    uint64_t handshake_checked, handshake_synack_checked, handshake_mismatches;
    /* Set by tests only: no in-order segment takes the stream's direct path (tracker.c,
     * stream_direct) and every ACK calls tracker_stream_ack (no stream_ack_noop); a run with
     * and one without them must give the same outputs. The count says how many segments took
     * the direct path (tests read it). */
    int no_stream_direct;
    uint64_t stream_direct_segments;
    tcpsift_overlap_prefix *prefixes; /* sorted longest first (prefix_policy.c) */
    size_t nprefixes, prefixes_allocated;
    span_dup_ring dups;
    struct direction_stream *stream_template; /* what every TCP direction's stream starts as */
    /* Every direction's framer has this setup (cfg.framer, the buffer mode, the allocator
     * hooks: one per tracker, issue 9); a stream holds its framer's state only. */
    tcpsift_framer_setup framer_setup;
    /* A framer's pending views (tracker.c, stream_views_check): here while a chunk is fed; a
     * direction whose frame spans chunks (stable buffers) keeps them in a block of its own,
     * from spare_views, until that frame is delivered. */
    tcpsift_bytes framer_views[TCPSIFT_FRAMER_MAX_VIEWS];
    /* Released blocks of FRAMER_VIEW_BLOCK bytes: more than SPARES_MAX, as a block is taken and
     * given back per frame spanning segments, by as many directions at once. */
    void *spare_views[VIEW_SPARES_MAX];
    unsigned nspare_views;
    spare_list spare_streams; /* direction_stream */
    /* Resting streams (stream_rest.c): the awake list, the clock time its head is due (the
     * packet's only test), the rested forms' chunks, and one stream object kept in reserve so
     * that a rested stream can always be woken to be finished or released. */
    struct direction_stream *awake_head, *awake_tail;
    uint64_t rest_check_ns;
    side_chunks rest_chunks[STREAM_REST_CLASSES]; /* by size class */
    struct direction_stream *wake_reserve;
    /* Rests refused because the form did not fit, and because it did not give the stream back
     * (a bug: tests want 0); rests whose form took the views out of their array. For tests and
     * benchmarks. */
    uint64_t rest_too_large, rest_mismatch, rest_views_folded;
    /* Side tables come from chunks (tcp_conn.c): conn_ext by EXT_CHUNK, conn_rare by
     * RARE_CHUNK. */
    side_chunks ext_chunks, rare_chunks;
    spare_list spare_blocks[SPARE_BLOCK_CLASSES]; /* reassembler blocks by size class */
};

/* A half-open connection (SYNs from the client, nothing else yet) in the flow
 * table's compact embryo pool: what is needed to replay its SYNs into a full
 * connection when anything else arrives, and to report it if it never does.
 * A SYN flood churns this pool only (issue 3). */
typedef struct embryo {
    uint64_t id;
    int64_t first_ns, last_ns;
    /* TSvals of its first SYN (the RST check's lower bound, judge_rst()) and of the newest
     * (TS.Recent); an absorbed repeat never carries an older one (embryo_absorb). */
    uint32_t isn, tsval_first, tsval, tsecr, syn_count;
    uint32_t opts_present; /* enum tcpsift_tcp_option_bit of the SYN */
    uint16_t mss, window, vlan, tcp_flags;
    uint8_t wscale, ttl, client_is_a, reused;
} embryo;

/* tracker_embryo.c */
int embryo_wanted(const struct tcpsift_tracker *t, const tcpsift_packet *pkt, int discarded);
void embryo_init(embryo *e, const tcpsift_packet *pkt, uint64_t id, int64_t ts_ns,
                 int client_is_a, uint16_t vlan, int reused);
int embryo_absorb(embryo *e, const tcpsift_packet *pkt, int64_t ts_ns, int discarded);
void embryo_replay(struct tcpsift_tracker *t, const embryo *e, conn *c);
/* The SYN an embryo keeps, as the packet tcp_conn_segment() is given, with TSval `tsval`. */
void embryo_syn_packet(const embryo *e, uint32_t tsval, tcpsift_packet *syn);
/* tcp_conn.c: the embryo's first SYN on the connection embryo_replay() has
 * just initialised, applied without the general path when it can be proved
 * to do the same; 0 (nothing done) otherwise. */
int tcp_conn_embryo_syn(struct tcpsift_tracker *t, conn *c, const embryo *e);

/* Removals (policy oob) a direction remembers between two frames; when full,
 * further urgent bytes of that direction stay inline (tcpsift/tracker.h). */
#define URGENT_OOB_POINTS 8

/* Urgent data under policy oob or gap (urgent_policy.c), allocated by a
 * direction's first urgent pointer: most streams never see one. */
struct urgent_state {
    uint8_t pending;  /* `offset` marks an urgent byte not yet delivered */
    uint8_t npoints;  /* points[0..npoints): removals not yet folded */
    uint8_t mapped;   /* a frame offset was mapped: last_mapped is valid */
    uint64_t offset;  /* its stream offset (sequence space) */
    uint64_t removed; /* bytes taken out (policy oob) */
    uint64_t skipped; /* bytes turned into gaps (policy gap) */
    /* Policy oob with a framer: the framer sees in-band bytes only, so a
     * frame's offset is mapped back to sequence space (urgent_frame_offset).
     * points[] holds the in-band positions of removed bytes (ascending);
     * those at or before the last mapped offset are only counted, in
     * `folded`, as frames come in non-decreasing offsets. */
    uint64_t points[URGENT_OOB_POINTS];
    uint64_t folded;
    uint64_t last_mapped;
};

/* One direction's reassembler and framer, allocated on its first payload.
 * The conn pointer stays valid while the flow is in the table. */
/* The reassembler's and the framer's first fields are what a segment touches (their headers say
 * so); the fields here sit between them, so the framer's hot part follows them directly. */
typedef struct direction_stream {
    tcpsift_reasm_state reasm; /* its setup: the tracker's reasm_setup */
    struct tcpsift_tracker *t;
    conn *c;
    uint8_t from; /* endpoint index = direction (0 c2s, 1 s2c) */
    uint8_t has_reasm, has_framer;
    uint8_t gap_seen, gap_letter_pending, ack_gap_lettered;
    uint8_t listed; /* on the tracker's awake list (stream_rest.c) */
    struct urgent_state *urg; /* NULL until needed (urgent_policy.c) */
    tcpsift_framer_state framer; /* its setup: t->framer_setup; its views: stream_views_check */
    uint64_t ack_gap_offset; /* stream offset of a hole already lettered at its ACK */
    uint64_t last_gap_end; /* end of the last hole: adjacent holes are one content gap */
    /* The awake list (stream_rest.c): streams that may rest, in the order they were listed. */
    struct direction_stream *awake_prev, *awake_next;
    uint64_t listed_ns;
    uint64_t listed_offset; /* reasm.next_offset when listed: unchanged at its check = idle */
} direction_stream;

/* A direction's stream at rest (stream_rest.c): it was idle for the tracker's stream_rest_ns
 * with nothing held out of order. What differs from the tracker's stream template, word by
 * word, as (index, varint) pairs, and its retained views, in a form of 48 to 512 bytes; and the
 * two fields the segment's no-op tests read (stream_ack_noop, stream_segment_noop), so that an
 * ACK or bare segment the stream would ignore leaves it at rest. */
typedef struct stream_rest {
    uint64_t next_offset; /* reasm.next_offset */
    uint32_t base_seq;    /* reasm.base_seq */
    uint8_t slot;         /* its index in its chunk (side_chunks.h) */
    uint8_t cls;          /* its size class (STREAM_REST_SIZES), | REST_AWAITS_ACK */
    uint16_t len;         /* bytes of code[] used */
    uint8_t code[];       /* to the form's end */
} stream_rest;

/* In stream_rest.cls: with cfg.rest_drops_acked, the stream rested retaining delivered bytes its
 * peer had not all acknowledged yet: the ACK that covers them lets them go
 * (stream_rest_drop_acked). */
#define REST_AWAITS_ACK 0x80u
#define REST_CLASS_MASK 0x0Fu

/* stream_rest.c */
/* Rests the listed streams whose connection is idle for stream_rest_ns at the table's clock. */
void streams_rest_sweep(struct tcpsift_tracker *t);
/* The rested stream of endpoint `from` awake again, in a stream object of its own: NULL (a
 * memcap hit, the stream still rests) when none can be allocated; with `reserve` the tracker's
 * reserve object serves then (for a release, which gives it back). */
direction_stream *stream_wake(struct tcpsift_tracker *t, conn *c, int from, int reserve);
/* The stream a rested form stands for, written to *out without waking it (read-only uses). */
void stream_rest_peek(const struct tcpsift_tracker *t, const conn *c, int from,
                      const stream_rest *rs, direction_stream *out);
/* The rested stream of endpoint `from` (REST_AWAITS_ACK), its retained bytes now all
 * acknowledged: woken, lets go of them, and rests again (stays awake if that fails). */
void stream_rest_drop_acked(struct tcpsift_tracker *t, conn *c, int from);
/* Frees every rest chunk (tcpsift_tracker_destroy). */
void stream_rest_drain(struct tcpsift_tracker *t);

/* reasm_ack_settled() and reasm_in_order() of a rested stream: it rests only started, not
 * finished, no FIN known, nothing held, no acknowledged hole, no G letter pending and not in a
 * callback (stream_rest.c, rest_allowed), so the sequence test is what is left of them. */
static inline int rest_ack_settled(const stream_rest *rs, uint32_t ack)
{
    uint32_t ahead = ack - (rs->base_seq + (uint32_t)rs->next_offset);
    return ahead == 0 || ahead >= 0x80000000u;
}
static inline int rest_in_order(const stream_rest *rs, const tcpsift_reasm_setup *su,
                                uint32_t seq)
{
    return su->mode == TCPSIFT_REASM_ON_ARRIVAL && seq == rs->base_seq + (uint32_t)rs->next_offset;
}

/* 1 when tracker_stream_ack(t, c, to, ack) would do nothing (streams on): the data sender's
 * stream has every acknowledged byte already (its first test), has no reassembler, or there is
 * no stream and none would be opened (the sender's stream is done, its SYN was never seen, or
 * `ack` is not past ISN+1: no data byte acknowledged). Most ACKs: answered in the segment's
 * code without the call (issue 9). */
static inline int stream_ack_noop(const conn *c, int to, uint32_t ack)
{
    const direction_stream *ds = conn_stream(c, to);
    if (ds)
        return !ds->has_reasm || (!ds->gap_letter_pending && reasm_ack_settled(&ds->reasm, ack));
    const endpoint *e = &c->ep[to];
    if (e->flags & EP_STREAM_DONE) return 1;
    const stream_rest *rs = conn_stream_rested(c, to);
    if (rs) return rest_ack_settled(rs, ack) && !(rs->cls & REST_AWAITS_ACK);
    return !(e->flags & EP_SYN_SEEN) || !seq_gt(ack, e->isn + 1);
}

/* 1 when tracker_stream_segment(t, c, from, pkt) would do nothing but count a direct segment
 * (counted here too), for a segment without payload (streams on): the sender's stream is done,
 * there is none (no payload opens one), it has no reassembler, or it is stream_direct()'s
 * in-order bare segment (no SYN, FIN, RST or URG), which delivers nothing; at rest, the same
 * segment. Most bare ACKs: answered in the segment's code without the call (issue 9). */
static inline int stream_segment_noop(struct tcpsift_tracker *t, const conn *c, int from,
                                      const tcpsift_packet *pkt)
{
    if (c->ep[from].flags & EP_STREAM_DONE) return 1;
    if (pkt->payload_len != 0) return 0;
    uint64_t w = conn_stream_word(c, from);
    if (w & 1) return 1; /* released: no payload opens another */
    if (!w) return 1;
    const direction_stream *ds = (w & 2) ? NULL : (const direction_stream *)(uintptr_t)w;
    if (ds && !ds->has_reasm) return 1;
    if ((pkt->tcp_flags &
         (TCPSIFT_TCP_SYN | TCPSIFT_TCP_FIN | TCPSIFT_TCP_RST | TCPSIFT_TCP_URG)) ||
        pkt->payload.len != 0 || t->no_stream_direct)
        return 0;
    if (!ds) { /* at rest */
        if (!rest_in_order((const stream_rest *)(uintptr_t)(w & ~(uint64_t)3), &t->reasm_setup,
                           pkt->seq))
            return 0;
    } else if (!reasm_in_order(&ds->reasm, &t->reasm_setup, pkt->seq)) {
        return 0;
    }
    t->stream_direct_segments++;
    return 1;
}

/* The time `after` past `since`, at most UINT64_MAX. */
static inline uint64_t rest_deadline(uint64_t since, uint64_t after)
{
    return since > UINT64_MAX - after ? UINT64_MAX : since + after;
}

/* Links a new or woken stream on the awake list (a no-op when streams never rest). */
static inline void stream_awake_list(struct tcpsift_tracker *t, direction_stream *ds, uint64_t now)
{
    if (t->cfg.stream_rest_ns == 0 || !ds->has_reasm) return;
    ds->listed = 1;
    ds->listed_ns = now;
    ds->listed_offset = ds->reasm.next_offset;
    ds->awake_next = NULL;
    ds->awake_prev = t->awake_tail;
    if (t->awake_tail) {
        t->awake_tail->awake_next = ds;
    } else {
        t->awake_head = ds;
        t->rest_check_ns = rest_deadline(now, t->cfg.stream_rest_ns);
    }
    t->awake_tail = ds;
}

/* Takes it off the list (released, or at its sweep). A stale rest_check_ns (the head taken
 * off) only makes the next sweep come early. */
static inline void stream_awake_unlist(struct tcpsift_tracker *t, direction_stream *ds)
{
    if (!ds->listed) return;
    ds->listed = 0;
    if (ds->awake_prev) ds->awake_prev->awake_next = ds->awake_next;
    else t->awake_head = ds->awake_next;
    if (ds->awake_next) ds->awake_next->awake_prev = ds->awake_prev;
    else t->awake_tail = ds->awake_prev;
}

/* Bytes urgent policy oob took out of / policy gap turned into gaps in this stream, and
 * whether an urgent byte waits for delivery. */
static inline uint64_t urgent_removed(const direction_stream *ds)
{
    return ds->urg ? ds->urg->removed : 0;
}
static inline uint64_t urgent_skipped(const direction_stream *ds)
{
    return ds->urg ? ds->urg->skipped : 0;
}
static inline int urgent_pending(const direction_stream *ds) { return ds->urg && ds->urg->pending; }
/* Releases the urgent state (stream_release). */
void urgent_free(struct tcpsift_tracker *t, direction_stream *ds);

/* tracker.c: emit in-order bytes / a gap to the embedder and the framer, at
 * stream offsets in sequence space (a removed urgent byte is skipped, never
 * shifts later offsets). `letter`: the gap counts for Zeek's G letter (a
 * policy-made gap does not). */
void stream_emit_data(direction_stream *ds, uint64_t offset, const uint8_t *ptr, size_t len,
                      int copied);
void stream_emit_gap(direction_stream *ds, uint64_t offset, uint64_t len,
                     tcpsift_reasm_gap_reason why, int letter);

/* urgent_policy.c */
void urgent_note(struct tcpsift_tracker *t, direction_stream *ds, const tcpsift_packet *pkt);
void urgent_on_data(direction_stream *ds, uint64_t offset, const uint8_t *ptr, size_t len,
                    int copied);
void urgent_on_gap(direction_stream *ds, uint64_t offset, uint64_t len,
                   tcpsift_reasm_gap_reason why);
/* The sequence-space offset of the framer's (in-band) offset `inband`:
 * inband + removed bytes at in-band positions <= inband. Calls must come
 * with non-decreasing `inband` (frame order). */
uint64_t urgent_frame_offset(direction_stream *ds, uint64_t inband);

/* ttl_policy.c: 1 when the segment must be ignored (policy drop). */
int ttl_outlier(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt);
/* link_multicast_policy.c: an Ethernet frame sent to a group (broadcast or multicast) MAC. */
int link_multicast_destination(const tcpsift_packet *pkt);
/* tcp_signature_policy.c: the anomaly for which the receiver drops the segment for its TCP-MD5
 * option or its absence (tcp_signature_unexpected, tcp_signature_missing), or
 * TCPSIFT_ANOMALY_COUNT when it takes it (counted by the caller); notes signed SYNs. */
tcpsift_anomaly tcp_signature_judge(struct tcpsift_tracker *t, conn *c, int from,
                                    const tcpsift_packet *pkt);

/* ip_options_discarded(): decode_internal.h (the fragment pool asks it too). */
/* The same for the whole IP layer (an enum segment_discard): SEGMENT_IP_LENGTH for a length
 * past the frame on the wire, SEGMENT_IP_OPTIONS as ip_options_discarded(), else SEGMENT_READ. */
int ip_layer_discard(const tcpsift_packet *pkt);

/* prefix_policy.c: install copies cfg's rows (INVALID_ARGUMENT for one that cannot match). */
tcpsift_error prefix_policy_install(struct tcpsift_tracker *t);
void prefix_policy_free(struct tcpsift_tracker *t);
/* The overlap policy of direction `from`'s stream (by its receiver's address). */
tcpsift_overlap_policy prefix_policy_for(const struct tcpsift_tracker *t, int from);

/* span_duplicates.c: 1 when pkt repeats a datagram seen within the window. */
int span_dup_seen(struct tcpsift_tracker *t, const tcpsift_packet *pkt, uint64_t now);

/* one_sided.c: ACKED delivery that no ACK will ever release. */
void one_sided_after_segment(struct tcpsift_tracker *t, conn *c, int from, direction_stream *ds);
void one_sided_before_finish(struct tcpsift_tracker *t, conn *c, direction_stream *ds);

#endif

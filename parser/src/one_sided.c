/* ACKED delivery (tcpsift_reasm_mode) holds each direction's bytes until the
 * peer acknowledges them. On an asymmetric route the capture may never show
 * the peer at all: the ACK never comes and, without this, the bytes would
 * wait for a cap or the end of input. Two releases, both counted
 * released_unacked (and the bytes in stats.released_unacked_bytes):
 * - while the peer was never seen, once a direction holds
 *   cfg.one_sided_release_bytes, everything it sent so far is released as
 *   if acknowledged (holes below become gaps, as an ACK would make them);
 * - when the connection ends (closed, timed out, evicted, finished), bytes
 *   still held are delivered by the reassembler's finish; counted here. */
#include "tracker_internal.h"

void one_sided_after_segment(struct tcpsift_tracker *t, conn *c, int from, direction_stream *ds)
{
    if (t->cfg.reasm.mode != TCPSIFT_REASM_ACKED || t->cfg.one_sided_release_bytes == 0 ||
        !ds->has_reasm || (c->ep[1 - from].flags & EP_SENT) ||
        !(c->ep[from].flags & EP_NEXT_VALID))
        return;
    const tcpsift_reasm_stats *st = &ds->reasm.stats;
    if (st->buffered_bytes < t->cfg.one_sided_release_bytes) return;
    uint64_t before = st->delivered_bytes;
    reasm_ack(&ds->reasm, &t->reasm_setup, c->ep[from].next_seq);
    uint64_t released = st->delivered_bytes - before;
    if (released == 0) return;
    t->stats.released_unacked_bytes += released;
    conn_count_event(t, c, TCPSIFT_ANOMALY_RELEASED_UNACKED);
}

void one_sided_before_finish(struct tcpsift_tracker *t, conn *c, direction_stream *ds)
{
    if (t->cfg.reasm.mode != TCPSIFT_REASM_ACKED || !ds->has_reasm) return;
    uint64_t held = ds->reasm.stats.buffered_bytes;
    if (held == 0) return;
    t->stats.released_unacked_bytes += held;
    /* Not a segment: each direction's release counts once on its own. report()
     * already cleared the once-per-segment set before the flush; clearing it
     * again here is what lets the second direction's release count too (the
     * caller restores the packet's set afterwards). */
    t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
    conn_count_event(t, c, TCPSIFT_ANOMALY_RELEASED_UNACKED);
}

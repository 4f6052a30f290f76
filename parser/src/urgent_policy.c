/* Urgent data as a policy (tcpsift_urgent_policy in tcpsift/tracker.h).
 *
 * A segment with URG marks the byte at SEG.SEQ + urgent_ptr - 1 (RFC 9293
 * §3.8.5 with RFC 6093 §2-3: the pointer points one past the urgent byte in
 * every major stack). Each direction remembers one pending urgent byte, as
 * BSD and Linux do (tcp_check_urg): a pointer at or before the pending one,
 * or before the delivery point, changes nothing; a later one replaces it and
 * the earlier byte stays inline. When reassembly delivers the byte in order,
 * policy oob takes it out of the stream and policy gap turns it into a
 * one-byte gap. Offsets stay in sequence space under every policy (the CLI
 * contract): under oob on_data simply resumes one past the removed byte,
 * while the framer, fed the contiguous in-band bytes, reports in-band
 * offsets that urgent_frame_offset maps back. */
#include <string.h>

#include "policy_names.h"
#include "tracker_internal.h"

static const char *const urgent_policy_names[] = {
    [TCPSIFT_URGENT_INLINE] = "inline", [TCPSIFT_URGENT_OOB] = "oob", [TCPSIFT_URGENT_GAP] = "gap"};

const char *tcpsift_urgent_policy_name(tcpsift_urgent_policy p)
{
    return policy_name_at(POLICY_NAMES(urgent_policy_names), (unsigned)p);
}

tcpsift_error tcpsift_urgent_policy_parse(const char *name, tcpsift_urgent_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(urgent_policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_urgent_policy)v;
    return TCPSIFT_OK;
}

void urgent_free(struct tcpsift_tracker *t, direction_stream *ds)
{
    if (!ds->urg) return;
    t->alloc.free(t->alloc.ctx, ds->urg, sizeof *ds->urg);
    ds->urg = NULL;
}

void urgent_note(struct tcpsift_tracker *t, direction_stream *ds, const tcpsift_packet *pkt)
{
    if (!ds->has_reasm || pkt->urgent_ptr == 0 || (pkt->tcp_flags & TCPSIFT_TCP_RST)) return;
    const tcpsift_reasm_state *r = &ds->reasm;
    /* Before its first byte the stream starts at this segment's first data
     * byte (the SYN, if set, takes one number: RFC 9293 §3.4). */
    uint32_t base = r->have_base ? r->base_seq
                                 : pkt->seq + ((pkt->tcp_flags & TCPSIFT_TCP_SYN) ? 1u : 0u);
    uint64_t next = r->next_offset;
    uint32_t urgent_seq = pkt->seq + (uint32_t)pkt->urgent_ptr - 1u;
    int32_t ahead = (int32_t)(urgent_seq - (base + (uint32_t)next));
    if (ahead < 0) return; /* already delivered: nothing left to take out */
    uint64_t offset = next + (uint64_t)ahead;
    if (!ds->urg) {
        ds->urg = t->alloc.alloc(t->alloc.ctx, sizeof *ds->urg);
        if (!ds->urg) {
            t->stats.memcap_hits++; /* no memory: this urgent byte stays inline */
            return;
        }
        memset(ds->urg, 0, sizeof *ds->urg);
    }
    if (ds->urg->pending && offset <= ds->urg->offset) return;
    ds->urg->pending = 1;
    ds->urg->offset = offset;
}

/* Remember a removal at in-band position q for frame offsets. 0 when the
 * list is full: the caller then leaves the byte inline (bounded memory). */
static int urgent_point_add(direction_stream *ds, uint64_t q)
{
    struct urgent_state *u = ds->urg; /* set: a removal or a mapping needs one */
    /* No frame will be reported again: nothing to map. */
    if (!ds->has_framer || ds->framer.stopped) return 1;
    /* Every later frame starts at or after the last mapped offset. */
    if (u->mapped && q <= u->last_mapped) {
        u->folded++;
        return 1;
    }
    if (u->npoints == URGENT_OOB_POINTS) return 0;
    u->points[u->npoints++] = q; /* in-band positions never decrease */
    return 1;
}

uint64_t urgent_frame_offset(direction_stream *ds, uint64_t inband)
{
    struct urgent_state *u = ds->urg; /* set: a removal or a mapping needs one */
    size_t n = 0;
    while (n < u->npoints && u->points[n] <= inband) n++;
    if (n) {
        u->folded += n;
        u->npoints = (uint8_t)(u->npoints - n);
        memmove(u->points, u->points + n, u->npoints * sizeof u->points[0]);
    }
    if (!u->mapped || inband > u->last_mapped) u->last_mapped = inband;
    u->mapped = 1;
    return inband + u->folded;
}

void urgent_on_data(direction_stream *ds, uint64_t offset, const uint8_t *ptr, size_t len,
                    int copied)
{
    struct urgent_state *us = ds->urg; /* set: called while an urgent byte is pending */
    uint64_t u = us->offset;
    if (!us->pending || u < offset || u - offset >= len) {
        stream_emit_data(ds, offset, ptr, len, copied);
        return;
    }
    size_t before = (size_t)(u - offset);
    if (before) stream_emit_data(ds, offset, ptr, before, copied);
    us->pending = 0;
    switch (ds->t->cfg.urgent) {
    case TCPSIFT_URGENT_GAP:
        conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_URGENT_SKIPPED);
        stream_emit_gap(ds, u, 1, TCPSIFT_GAP_FINISH, 0);
        us->skipped++;
        break;
    case TCPSIFT_URGENT_OOB:
        /* The framer's position is the in-band one: sequence offset minus
         * the bytes removed so far. */
        if (!urgent_point_add(ds, u - us->removed)) {
            stream_emit_data(ds, u, ptr + before, len - before, copied); /* stays inline */
            return;
        }
        conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_URGENT_REMOVED);
        us->removed++;
        break;
    case TCPSIFT_URGENT_INLINE:
        /* never pending: urgent_note is not called under inline */
        stream_emit_data(ds, u, ptr + before, len - before, copied);
        return;
    }
    size_t after = len - before - 1;
    /* In sequence space: one past the removed byte (or the gap). */
    if (after) stream_emit_data(ds, u + 1, ptr + before + 1, after, copied);
}

void urgent_on_gap(direction_stream *ds, uint64_t offset, uint64_t len,
                   tcpsift_reasm_gap_reason why)
{
    /* An urgent byte inside a hole was never seen: nothing to take out. */
    struct urgent_state *us = ds->urg; /* set: called while an urgent byte is pending */
    if (us->pending && us->offset >= offset && us->offset - offset < len) us->pending = 0;
    stream_emit_gap(ds, offset, len, why, 1);
}

/* The connection tracker: flow lookup, connection lifecycle (ids, tuple
 * reuse, timeouts, eviction, reports), and the glue from each direction's
 * reassembler to the embedder's callbacks and framer. Per-segment TCP
 * analysis lives in tcp_conn.c. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "allocator_default.h"
#include "decode_internal.h"
#include "flow_table_internal.h"
#include "framer_internal.h"
#include "reasm_settled.h"
#include "policy_names.h"
#include "tracker_internal.h"

/* ---------------------------------------------------------------- names */

static const char *const checksum_policy_names[] = {[TCPSIFT_CHECKSUM_AUTO] = "auto",
                                                    [TCPSIFT_CHECKSUM_VERIFY] = "verify",
                                                    [TCPSIFT_CHECKSUM_OFF] = "off"};

const char *tcpsift_checksum_policy_name(tcpsift_checksum_policy p)
{
    return policy_name_at(POLICY_NAMES(checksum_policy_names), (unsigned)p);
}

tcpsift_error tcpsift_checksum_policy_parse(const char *name, tcpsift_checksum_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(checksum_policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_checksum_policy)v;
    return TCPSIFT_OK;
}

const char *tcpsift_conn_end_name(tcpsift_conn_end e)
{
    switch (e) {
    case TCPSIFT_END_OPEN:
        return "open";
    case TCPSIFT_END_FIN:
        return "fin";
    case TCPSIFT_END_HALF_CLOSED:
        return "half_closed";
    case TCPSIFT_END_RST:
        return "rst";
    case TCPSIFT_END_REJECTED:
        return "rejected";
    case TCPSIFT_END_SYN_UNANSWERED:
        return "syn_unanswered";
    }
    return "unknown";
}

/* ---------------------------------------------------------------- memory */

/* The framer wants realloc-style hooks; they route to the same allocator,
 * with the block size stored in front so free() can report it. */
static void *framer_realloc(void *ctx, void *ptr, size_t size)
{
    struct tcpsift_tracker *t = ctx;
    if (size > SIZE_MAX - 16) return NULL;
    uint8_t *fresh = t->alloc.alloc(t->alloc.ctx, size + 16);
    if (!fresh) return NULL;
    memcpy(fresh, &size, sizeof size);
    if (ptr) {
        uint8_t *old = (uint8_t *)ptr - 16;
        size_t old_size;
        memcpy(&old_size, old, sizeof old_size);
        memcpy(fresh + 16, ptr, old_size < size ? old_size : size);
        t->alloc.free(t->alloc.ctx, old, old_size + 16);
    }
    return fresh + 16;
}

static void framer_free(void *ctx, void *ptr)
{
    struct tcpsift_tracker *t = ctx;
    if (!ptr) return;
    uint8_t *block = (uint8_t *)ptr - 16;
    size_t size;
    memcpy(&size, block, sizeof size);
    t->alloc.free(t->alloc.ctx, block, size + 16);
}

/* ---------------------------------------------------------------- streams */

static tcpsift_direction dir_of(int from) { return from == 0 ? TCPSIFT_C2S : TCPSIFT_S2C; }

static void deliver_frame(void *ctx, const tcpsift_frame *frame)
{
    direction_stream *ds = ctx;
    struct tcpsift_tracker *t = ds->t;
    if (!t->cfg.cb.on_frame) return;
    if (urgent_removed(ds)) {
        /* Urgent policy oob: the framer counted in-band bytes; report the
         * frame at its sequence-space offset (the CLI contract). */
        tcpsift_frame seqf = *frame;
        seqf.offset = urgent_frame_offset(ds, frame->offset);
        t->cfg.cb.on_frame(t->cfg.cb.ctx, ds->c->id, ds->c->proto, dir_of(ds->from), &seqf);
        return;
    }
    t->cfg.cb.on_frame(t->cfg.cb.ctx, ds->c->id, ds->c->proto, dir_of(ds->from), frame);
}

/* Where a framer's pending views live after a call (issue 9: 256 bytes a direction spared). While
 * a chunk is fed they are in the tracker's scratch (t->framer_views; one chunk is fed at a time
 * and no framer call nests in another's); views still pending when the call returns (stable
 * buffers: a frame spanning chunks) move to a block of the direction's own, which goes back to
 * the tracker's spares once they are delivered. Without a spare: a new block, or if none can be
 * had the views are copied into the tail, as when a frame needs more than
 * TCPSIFT_FRAMER_MAX_VIEWS (framer.h; the same frames); if that fails too the framer stops (no
 * memory), nothing pending. */
static void stream_views_block(struct tcpsift_tracker *t, direction_stream *ds)
{
    tcpsift_framer_state *f = &ds->framer;
    tcpsift_bytes *block = t->alloc.alloc(t->alloc.ctx, FRAMER_VIEW_BLOCK);
    if (block) {
        memcpy(block, f->views, f->nviews * sizeof *block);
        f->views = block;
        return;
    }
    framer_pend_settle(f, &t->framer_setup);
}

/* A block of views back to the spares (or freed when they are full). */
static inline void stream_views_give(struct tcpsift_tracker *t, tcpsift_bytes *block)
{
    if (t->nspare_views < VIEW_SPARES_MAX)
        t->spare_views[t->nspare_views++] = block;
    else
        t->alloc.free(t->alloc.ctx, block, FRAMER_VIEW_BLOCK);
}

/* After each framer call: views pending in the scratch move to a block, a block whose views
 * were delivered goes back (inline with a spare at hand: issue 9, about one frame in eight of
 * the bench workload spans segments). */
static inline void stream_views_check(struct tcpsift_tracker *t, direction_stream *ds)
{
    tcpsift_framer_state *f = &ds->framer;
    if (f->nviews == 0) {
        if (f->views == t->framer_views) return;
        stream_views_give(t, f->views);
        f->views = t->framer_views;
    } else if (f->views == t->framer_views) {
        if (t->nspare_views == 0) {
            stream_views_block(t, ds);
            return;
        }
        tcpsift_bytes *block = t->spare_views[--t->nspare_views];
        for (size_t i = 0; i < f->nviews; i++)
            block[i] = f->views[i];
        f->views = block;
    }
}

/* stream_emit_data's body, inline in the stream's callbacks (issue 9: a call less per segment). */
static inline void stream_emit(direction_stream *ds, uint64_t offset, const uint8_t *ptr,
                               size_t len, int copied)
{
    struct tcpsift_tracker *t = ds->t;
    if (t->cfg.cb.on_data)
        t->cfg.cb.on_data(t->cfg.cb.ctx, ds->c->id, dir_of(ds->from), offset, ptr, len);
    if (!ds->has_framer) return;
    /* In-order bytes on arrival are views into the packet buffer; with
     * stable buffers a frame spanning segments stays a list of views. Bytes
     * the reassembler held were copied and live only during this call
     * (tcpsift_framer_feed_transient). */
    framer_feed(&ds->framer, &t->framer_setup, ptr, len, deliver_frame, ds, copied);
    stream_views_check(t, ds);
}

void stream_emit_data(direction_stream *ds, uint64_t offset, const uint8_t *ptr, size_t len,
                      int copied)
{
    stream_emit(ds, offset, ptr, len, copied);
}

void stream_emit_gap(direction_stream *ds, uint64_t offset, uint64_t len,
                     tcpsift_reasm_gap_reason why, int letter)
{
    struct tcpsift_tracker *t = ds->t;
    /* A run of adjacent holes (e.g. every segment cut by the snap length)
     * is one content gap for Zeek's G letter. Zeek notices a hole when the
     * peer's ACK passes it, so a hole known at arrival (bytes sent but not
     * captured) is lettered at the next acknowledgement. A gap made by the
     * urgent policy is no hole Zeek would see (letter 0). */
    if (letter && (!ds->gap_seen || offset != ds->last_gap_end)) {
        if (why == TCPSIFT_GAP_TRUNCATED)
            ds->gap_letter_pending = 1;
        else if (!(ds->ack_gap_lettered && ds->ack_gap_offset == offset))
            zeek_history_counted(t, ds->c, ds->from, HIST_G); /* else lettered at its ACK */
    }
    ds->gap_seen = 1;
    ds->last_gap_end = offset + len;
    conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_CONTENT_GAP);
    if (t->cfg.cb.on_gap) t->cfg.cb.on_gap(t->cfg.cb.ctx, ds->c->id, dir_of(ds->from), offset, len);
    if (ds->has_framer) {
        framer_state_gap(&ds->framer, &t->framer_setup, len, deliver_frame, ds);
        stream_views_check(t, ds);
    }
}

/* The reassembler's callbacks get the direction's state as ctx (the tracker's setup has
 * ctx_is_state: one setup for every direction); the state is the stream's `reasm`. */
static direction_stream *stream_of_reasm(void *ctx)
{
    return (direction_stream *)((uint8_t *)ctx - offsetof(direction_stream, reasm));
}

/* In-order bytes of the reassembler: its on_data, and stream_direct's delivery. */
static inline void stream_data(direction_stream *ds, uint64_t offset, const uint8_t *ptr,
                               size_t len, int copied)
{
    if (urgent_pending(ds))
        urgent_on_data(ds, offset, ptr, len, copied);
    else
        stream_emit(ds, offset, ptr, len, copied);
}

static void stream_on_data(void *ctx, uint64_t offset, const uint8_t *ptr, size_t len, int copied)
{
    stream_data(stream_of_reasm(ctx), offset, ptr, len, copied);
}

static void stream_on_gap(void *ctx, uint64_t offset, uint64_t len, tcpsift_reasm_gap_reason why)
{
    direction_stream *ds = stream_of_reasm(ctx);
    if (urgent_pending(ds))
        urgent_on_gap(ds, offset, len, why);
    else
        stream_emit_gap(ds, offset, len, why, 1);
}

static void stream_on_event(void *ctx, tcpsift_reasm_event_kind kind, uint64_t offset, uint64_t len)
{
    direction_stream *ds = stream_of_reasm(ctx);
    (void)offset;
    (void)len;
    switch (kind) {
    case TCPSIFT_REASM_EV_OVERLAP_MISMATCH:
        conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_OVERLAP_MISMATCH);
        break;
    case TCPSIFT_REASM_EV_MEMCAP_HIT:
        ds->t->stats.memcap_hits++;
        conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_REASSEMBLY_MEMCAP);
        break;
    case TCPSIFT_REASM_EV_SEGMENT_CAP_HIT:
        ds->t->stats.memcap_hits++;
        conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_REASSEMBLY_SEGMENT_CAP);
        break;
    case TCPSIFT_REASM_EV_RETRANSMISSION_UNVERIFIED:
        conn_count_event(ds->t, ds->c, TCPSIFT_ANOMALY_RETRANSMISSION_UNVERIFIED);
        break;
    case TCPSIFT_REASM_EV_RETRANSMISSION: /* counted by sequence analysis */
    case TCPSIFT_REASM_EV_DATA_AFTER_FIN:            /* likewise */
    case TCPSIFT_REASM_EV_COUNT_:
        break;
    }
}

static direction_stream *stream_get(struct tcpsift_tracker *t, conn *c, int from)
{
    direction_stream *have = conn_stream(c, from);
    if (have) return have;
    /* The stream's totals outlive it in the side table: reserved first, so a
     * failed allocation means no stream (nothing delivered), never lost totals. */
    if (!conn_ext_get(t, c)) return NULL;
    direction_stream *ds = spares_take(t, &t->spare_streams, sizeof *ds);
    if (!ds) {
        t->stats.memcap_hits++;
        return NULL;
    }
    if (c->proto == 6) {
        /* Every TCP direction starts as the same stream (stream_template_init): a copy of it,
         * then what differs per direction. */
        *ds = *t->stream_template;
        /* The overlap policy by the receiver's address (every row's and the default were
         * checked at create). */
        if (ds->has_reasm && t->nprefixes) ds->reasm.policy = (uint8_t)prefix_policy_for(t, from);
    } else {
        memset(ds, 0, sizeof *ds);
    }
    ds->t = t;
    ds->c = c;
    ds->from = (uint8_t)from;
    c->ext->stream_word[from] = (uint64_t)(uintptr_t)ds; /* even: conn_stream() */
    stream_awake_list(t, ds, t->table->clock_ns);
    return ds;
}

/* The stream a TCP direction starts as, initialised once (reasm_state_init and
 * framer_state_init leave plain values, no allocation and no pointer into the object; the
 * framer's views are the tracker's scratch): stream_get() copies it instead of initialising
 * each stream (issue 9), and the reassemblers' and framers' setups, shared by every direction.
 * Without address prefixes every direction has the configured overlap policy, so the template
 * has it; with prefixes it has a valid placeholder and stream_get() sets each direction's.
 * INVALID_ARGUMENT for settings tcpsift_reasm_init() or tcpsift_framer_init() would refuse:
 * create fails rather than run with the feature silently off. */
static tcpsift_error stream_template_init(struct tcpsift_tracker *t)
{
    direction_stream *ds = t->stream_template;
    memset(ds, 0, sizeof *ds);
    if (t->cfg.reassemble) {
        tcpsift_reasm_callbacks cb = {stream_on_data, stream_on_gap, stream_on_event, NULL};
        tcpsift_reasm_config rc = t->cfg.reasm;
        /* The default policy also serves addresses no prefix row matches. */
        if ((unsigned)rc.policy >= TCPSIFT_OVERLAP_COUNT_) return TCPSIFT_E_INVALID_ARGUMENT;
        /* Packet buffers that outlive the tracker's use of them: retain views, not copies. */
        if (t->cfg.buffers_stable) rc.stable_buffers = 1;
        if (t->nprefixes) rc.policy = TCPSIFT_OVERLAP_FIRST;
        tcpsift_allocator blocks;
        spare_blocks_allocator(t, &blocks);
        tcpsift_error err = reasm_setup_init(&t->reasm_setup, &rc, &cb, &blocks, &t->budget);
        if (err != TCPSIFT_OK) return err;
        t->reasm_setup.ctx_is_state = 1; /* stream_of_reasm() */
        reasm_state_init(&ds->reasm, rc.policy);
        ds->has_reasm = 1;
    }
    if (t->cfg.framing) {
        /* One setup for every direction: the same config, buffer mode and allocator. */
        tcpsift_framer_alloc fa = {framer_realloc, framer_free, t};
        tcpsift_framer_mode mode =
            t->cfg.buffers_stable ? TCPSIFT_FRAMER_STABLE : TCPSIFT_FRAMER_COPY_TAIL;
        tcpsift_error err = framer_setup_init(&t->framer_setup, &t->cfg.framer, mode, &fa);
        if (err != TCPSIFT_OK) return err;
        framer_state_init(&ds->framer, &t->framer_setup, t->framer_views);
        ds->has_framer = 1;
    }
    return TCPSIFT_OK;
}

/* The stream of endpoint `from` to be finished or released: a rested one is woken, in the
 * tracker's reserve object when no other can be had (stream_release gives it back). */
static direction_stream *stream_for_release(struct tcpsift_tracker *t, conn *c, int from)
{
    if (TCPSIFT_UNLIKELY(conn_stream_rested(c, from) != NULL)) return stream_wake(t, c, from, 1);
    return conn_stream(c, from);
}

static void stream_release(struct tcpsift_tracker *t, conn *c, int from)
{
    direction_stream *ds = stream_for_release(t, c, from);
    if (!ds) return;
    stream_awake_unlist(t, ds);
    uint64_t kept = 0; /* the word left in place of the stream: conn_stream_kept_bytes() */
    if (ds->has_reasm) {
        const tcpsift_reasm_stats *st = &ds->reasm.stats;
        conn_ext *x = c->ext; /* reserved by stream_get */
        kept = (st->delivered_bytes - urgent_removed(ds) - urgent_skipped(ds)) << 1 | 1;
        /* Gap bytes are rare (a clean stream has none): kept in the rare table, taken for
         * them now; without memory they are lost (memcap_hits), the stream still released. */
        uint64_t gaps = st->gap_bytes + urgent_skipped(ds);
        if (gaps) {
            conn_rare *r = conn_rare_get(t, c);
            if (r) r->gap_bytes[from] = gaps;
        } else if (x->rare) {
            x->rare->gap_bytes[from] = 0; /* a stream before it may have left some */
        }
        if (st->memory_peak > t->stats.reasm_buffered_peak) t->stats.reasm_buffered_peak = t->budget.peak;
        t->stats.stream_copied_bytes += st->bytes_copied;
        /* tcpsift_reasm_finish() released everything already (a stream finished at its FIN). */
        if (!ds->reasm.finished) reasm_release(&ds->reasm, &t->reasm_setup);
    }
    if (ds->has_framer) {
        t->stats.stream_copied_bytes += ds->framer.copied_bytes;
        /* Only the tail buffer and a block of views to release: the object itself is a spare
         * now, and the next stream starts as a copy of the template. */
        if (ds->framer.tail) framer_state_destroy(&ds->framer, &t->framer_setup);
        if (ds->framer.views != t->framer_views) stream_views_give(t, ds->framer.views);
    }
    if (ds->urg) urgent_free(t, ds);
    if (t->cfg.stream_rest_ns && !t->wake_reserve) t->wake_reserve = ds; /* stream_wake's */
    else spares_give(t, &t->spare_streams, ds, sizeof *ds);
    c->ext->stream_word[from] = kept; /* ds existed, so c->ext does */
}

/* A direction whose stream reached its FIN can deliver nothing more (RFC
 * 9293 §3.5: the FIN is the last sequence number): finish it at once so a
 * long capture holds stream state only for connections still open. */
static void finish_direction_if_done(struct tcpsift_tracker *t, conn *c, int from)
{
    direction_stream *ds = conn_stream(c, from);
    if (!ds || !ds->has_reasm || !reasm_fin_reached(&ds->reasm)) return;
    reasm_finish(&ds->reasm, &t->reasm_setup);
    if (ds->gap_letter_pending) zeek_history_counted(t, c, from, HIST_G);
    if (ds->has_framer) framer_state_finish(&ds->framer, &t->framer_setup, deliver_frame, ds);
    stream_release(t, c, from);
    c->ep[from].flags |= EP_STREAM_DONE;
}

/* The stream takes its sender's FIN (once acknowledged: fin_for_stream; or at its end). In order
 * with nothing held on arrival, all tcpsift_reasm_segment() would do with a bare FIN is note it,
 * as stream_direct() does (issue 9: once a connection); else it is fed. */
static void stream_take_fin(struct tcpsift_tracker *t, direction_stream *ds, uint32_t fin_seq)
{
    tcpsift_reasm_state *r = &ds->reasm;
    if (!t->no_stream_direct && reasm_in_order(r, &t->reasm_setup, fin_seq)) {
        r->have_fin = 1;
        r->fin_offset = r->next_offset;
    } else {
        reasm_segment(r, &t->reasm_setup, fin_seq, NULL, 0, 0, TCPSIFT_REASM_FIN);
    }
}

/* Streams are created by the first payload (or an ACK of bytes never
 * seen): a handshake-only connection costs no stream memory. The SYN (it
 * fixes offset 0) and an earlier FIN are replayed from what the endpoint
 * kept, unless the segment at hand carries them. */
static direction_stream *stream_open(struct tcpsift_tracker *t, conn *c, int from, unsigned flags)
{
    const endpoint *e = &c->ep[from];
    direction_stream *ds = stream_get(t, c, from);
    if (!ds || !ds->has_reasm) return ds;
    if ((e->flags & EP_SYN_SEEN) && !(flags & TCPSIFT_REASM_SYN))
        reasm_start_at_syn(&ds->reasm, &t->reasm_setup, e->isn);
    if (fin_for_stream(e) && !(flags & TCPSIFT_REASM_FIN)) stream_take_fin(t, ds, e->fin_seq);
    return ds;
}

/* The common segment of an open stream (issue 9): no SYN, RST or URG, captured whole, in order
 * with nothing held (reasm_in_order). What the general path below does with it is
 * tcpsift_reasm_segment()'s first path (reasm_settled.h) and nothing else: no urgent note, no
 * one-sided release (on-arrival mode), and no finish (no FIN known before, none now). That path
 * is taken here without the calls between: the same bookkeeping, stream_on_data()'s body
 * (stream_data) as its on_data callback, the same retention. With a FIN, tcpsift_reasm_segment()
 * first records it at the segment's end (nothing held to drop after it, no acknowledged hole before
 * it: the segment is at the next byte), then delivers the bytes the same way; the caller then
 * finishes the direction as the general path does. 0, having done nothing, for any other
 * segment (and always when t->no_stream_direct, a test's switch: ctest stream_direct compares
 * both). */
static int stream_direct(struct tcpsift_tracker *t, direction_stream *ds, const tcpsift_packet *pkt,
                         unsigned flags)
{
    tcpsift_reasm_state *r = &ds->reasm;
    size_t len = pkt->payload.len;
    const uint8_t *p = pkt->payload.ptr;
    if ((pkt->tcp_flags & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST | TCPSIFT_TCP_URG)) ||
        len != pkt->payload_len || (len && !p) || t->no_stream_direct ||
        !reasm_in_order(r, &t->reasm_setup, pkt->seq))
        return 0;
    t->stream_direct_segments++;
    if (flags & TCPSIFT_REASM_FIN) {
        /* RFC 9293 §3.4: the FIN follows the segment's last byte. */
        r->have_fin = 1;
        r->fin_offset = r->next_offset + len;
    }
    if (len == 0) return 1; /* an in-order bare ACK: nothing to deliver */
    uint64_t off = reasm_in_order_advance(r, len);
    r->in_callback = 1;
    stream_data(ds, off, p, len, 0);
    r->in_callback = 0;
    reasm_retain_delivered(r, &t->reasm_setup, p, len);
    return 1;
}

void tracker_stream_segment(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    if (!t->cfg.reassemble && !t->cfg.framing) return;
    endpoint *e = &c->ep[from];
    if (e->flags & EP_STREAM_DONE) return; /* past the FIN: counted as data_after_fin */
    size_t wire_len = pkt->payload_len;
    if (wire_len >= (size_t)1 << 31) return; /* no TCP segment is that long */
    unsigned flags = pkt->tcp_flags & (TCPSIFT_REASM_SYN | TCPSIFT_REASM_FIN | TCPSIFT_REASM_RST);
    if (!fin_for_stream(e)) flags &= ~(unsigned)TCPSIFT_REASM_FIN; /* given when acknowledged */
    direction_stream *ds = conn_stream(c, from);
    if (TCPSIFT_UNLIKELY(!ds && conn_stream_rested(c, from))) {
        ds = stream_wake(t, c, from, 0);
        if (!ds) return; /* no memory to wake it: counted, the segment is not streamed */
    }
    if (!ds) {
        if (pkt->payload_len == 0) return;
        ds = stream_open(t, c, from, flags);
    }
    if (!ds || !ds->has_reasm) return;
    if (stream_direct(t, ds, pkt, flags)) {
        if (flags & TCPSIFT_REASM_FIN) finish_direction_if_done(t, c, from);
        return;
    }
    if ((pkt->tcp_flags & TCPSIFT_TCP_URG) && t->cfg.urgent != TCPSIFT_URGENT_INLINE)
        urgent_note(t, ds, pkt);
    reasm_segment(&ds->reasm, &t->reasm_setup, pkt->seq, pkt->payload.ptr, pkt->payload.len,
                  wire_len, flags);
    if (t->cfg.reasm.mode == TCPSIFT_REASM_ACKED) one_sided_after_segment(t, c, from, ds);
    finish_direction_if_done(t, c, from);
}

void tracker_stream_syn_data_refused(struct tcpsift_tracker *t, conn *c, int to, uint32_t end)
{
    /* Acked delivery still holds the SYN's (or SYN-ACK's) bytes, before `end` (on arrival they
     * are out already: the first copy, as the contract says). */
    if (t->cfg.reasm.mode != TCPSIFT_REASM_ACKED) return;
    direction_stream *ds = conn_stream(c, to);
    if (!ds && conn_stream_rested(c, to)) ds = stream_wake(t, c, to, 0);
    if (ds && ds->has_reasm) reasm_forget_held_before(&ds->reasm, &t->reasm_setup, end);
}

void tracker_stream_ack(struct tcpsift_tracker *t, conn *c, int to, uint32_t ack)
{
    direction_stream *ds = conn_stream(c, to);
    if (TCPSIFT_UNLIKELY(!ds && conn_stream_rested(c, to))) {
        const stream_rest *rs = conn_stream_rested(c, to);
        if (rest_ack_settled(rs, ack)) { /* it stays at rest */
            if ((rs->cls & REST_AWAITS_ACK) && ack == rs->base_seq + (uint32_t)rs->next_offset)
                stream_rest_drop_acked(t, c, to);
            return;
        }
        ds = stream_wake(t, c, to, 0);
        if (!ds) return; /* no memory to wake it: counted */
    }
    /* Bytes already delivered (the usual ACK): nothing below would do anything. */
    if (ds && ds->has_reasm && !ds->gap_letter_pending && reasm_ack_settled(&ds->reasm, ack)) return;
    const endpoint *data_sender = &c->ep[to], *acker = &c->ep[1 - to];
    if (!ds && (t->cfg.reassemble || t->cfg.framing) && !(data_sender->flags & EP_STREAM_DONE) &&
        (data_sender->flags & EP_SYN_SEEN)) {
        /* An ACK of data bytes this direction never showed: a stream is
         * needed to report the hole. Bytes acked = ack - (ISN+1), less the
         * FIN's own number. */
        uint32_t acked = ack - (data_sender->isn + 1);
        if ((data_sender->flags & EP_FIN_SEEN) && seq_gt(ack, data_sender->fin_seq)) acked -= 1;
        if (seq_gt(ack, data_sender->isn + 1) && acked > 0 && acked < 0x80000000u)
            ds = stream_open(t, c, to, 0);
    }
    if (!ds || !ds->has_reasm) return;
    /* The ACK of the data sender's FIN: the stream takes the FIN now (fin_for_stream). */
    if (fin_for_stream(data_sender) && !ds->reasm.have_fin) {
        stream_take_fin(t, ds, data_sender->fin_seq);
        if (reasm_fin_reached(&ds->reasm)) { /* every byte before it delivered: nothing to ack */
            finish_direction_if_done(t, c, to);
            return;
        }
    }
    if (ds->gap_letter_pending) {
        ds->gap_letter_pending = 0;
        zeek_history_counted(t, c, to, HIST_G);
    }
    /* An ACK may cover bytes the capture missed (they become a gap), but
     * not more than the acknowledging side's window beyond anything the
     * data sender was seen to send (RFC 9293 §3.10.7.4): a wild ACK must
     * not declare gigabytes missing. */
    if (data_sender->flags & EP_NEXT_VALID && seq_gt(ack, data_sender->next_seq)) {
        uint32_t window = acker->max_win ? acker->max_win : 65535;
        if (ack - data_sender->next_seq > window) return;
    }
    reasm_ack(&ds->reasm, &t->reasm_setup, ack);
    if (reasm_fin_reached(&ds->reasm)) {
        finish_direction_if_done(t, c, to);
        return;
    }
    /* Zeek notices a content gap when an ACK passes bytes never seen. The
     * reassembler may keep the hole open for late data; the letter is now. */
    if (reasm_acked_hole(&ds->reasm)) {
        uint64_t at = ds->reasm.next_offset;
        if (!ds->ack_gap_lettered || ds->ack_gap_offset != at) {
            ds->ack_gap_lettered = 1;
            ds->ack_gap_offset = at;
            zeek_history_counted(t, c, to, HIST_G);
        }
    }
}

/* Acked delivery and a connection ended by an accepted RST, both ends seen: the reset receiver
 * never acknowledges, nor reads, what it held or what was sent after the reset (Linux answers
 * those segments with RST), so bytes still held are not released at the end as a cut capture's
 * are (one_sided_before_finish()). An injected RST the receiver never took is refuted by its
 * later ACKs, which deliver the bytes as usual. */
static void reset_held_drop(struct tcpsift_tracker *t, conn *c, int from, direction_stream *ds)
{
    const endpoint *e = &c->ep[from];
    if (t->cfg.reasm.mode != TCPSIFT_REASM_ACKED || !ds->has_reasm || !c->rst_accepted ||
        c->rst_after_fins || c->rejected ||
        !(c->ep[1 - from].flags & EP_SENT) || !(e->flags & EP_NEXT_VALID) ||
        ds->reasm.stats.buffered_bytes == 0)
        return;
    reasm_forget_held_before(&ds->reasm, &t->reasm_setup, e->next_seq);
    /* Not a segment: cleared as one_sided_before_finish() does, for the other direction. */
    t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
    conn_count_event(t, c, TCPSIFT_ANOMALY_RESET_HELD_DROPPED);
}

void tracker_stream_finish(struct tcpsift_tracker *t, conn *c)
{
    for (int from = 0; from < 2; from++) {
        direction_stream *ds = stream_for_release(t, c, from);
        if (!ds) continue;
        /* A FIN never acknowledged (nor refuted) still ends the stream where it was sent. */
        const endpoint *e = &c->ep[from];
        if (ds->has_reasm && (e->flags & EP_FIN_SEEN) && !ds->reasm.have_fin)
            stream_take_fin(t, ds, e->fin_seq);
        reset_held_drop(t, c, from, ds);
        one_sided_before_finish(t, c, ds);
        if (ds->has_reasm) reasm_finish(&ds->reasm, &t->reasm_setup);
        if (ds->gap_letter_pending) zeek_history_counted(t, c, from, HIST_G);
        if (ds->has_framer) framer_state_finish(&ds->framer, &t->framer_setup, deliver_frame, ds);
        stream_release(t, c, from);
    }
}

void tracker_stream_rebase(struct tcpsift_tracker *t, conn *c, int from)
{
    direction_stream *ds = conn_stream(c, from);
    const stream_rest *rs = conn_stream_rested(c, from);
    /* Only while the stream is still at offset 0: nothing delivered and no
     * hole skipped, so offsets stay contiguous for the consumer. */
    if (rs) {
        if (rs->next_offset == 0) stream_release(t, c, from);
        return;
    }
    if (!ds || (ds->has_reasm && ds->reasm.next_offset != 0)) return;
    stream_release(t, c, from);
}

/* Endpoint `from`'s stream for reading its totals: the awake one, a rested one decoded into
 * *buf, or NULL. */
static const direction_stream *stream_for_reading(const struct tcpsift_tracker *t, const conn *c,
                                                  int from, direction_stream *buf)
{
    const stream_rest *rs = conn_stream_rested(c, from);
    if (TCPSIFT_UNLIKELY(rs != NULL)) {
        stream_rest_peek(t, c, from, rs, buf);
        return buf;
    }
    return conn_stream(c, from);
}

uint64_t tracker_stream_delivered(const struct tcpsift_tracker *t, const conn *c, int from)
{
    direction_stream peeked;
    const direction_stream *ds = stream_for_reading(t, c, from, &peeked);
    /* A stream without reassembly delivers nothing, nor did one before it (has_reasm is the
     * same for every stream of a direction). */
    if (ds) return ds->has_reasm ? ds->reasm.stats.delivered_bytes - urgent_removed(ds) - urgent_skipped(ds) : 0;
    return conn_stream_kept_bytes(c, from);
}

uint64_t tracker_stream_gaps(const struct tcpsift_tracker *t, const conn *c, int from)
{
    direction_stream peeked;
    const direction_stream *ds = stream_for_reading(t, c, from, &peeked);
    if (ds && ds->has_reasm) return ds->reasm.stats.gap_bytes + urgent_skipped(ds);
    return c->ext && c->ext->rare ? c->ext->rare->gap_bytes[from] : 0;
}

/* ---------------------------------------------------------------- UDP */

static void udp_datagram(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    endpoint *e = &c->ep[from];
    uint64_t frame_base = conn_bytes(c, from); /* offset of this datagram: the bytes before it */
    conn_count_packets(t, c, from, 1, pkt->payload_len);
    e->flags |= EP_SENT;
    if (!t->cfg.framing || !t->cfg.cb.on_frame) return;
    /* A datagram keeps its boundaries: it is one frame (contract: `udp`). */
    tcpsift_bytes body = pkt->payload;
    tcpsift_frame frame;
    memset(&frame, 0, sizeof frame);
    frame.part = TCPSIFT_FRAME_WHOLE;
    frame.error = body.len < pkt->payload_len ? TCPSIFT_FRAME_TRUNCATED : TCPSIFT_FRAME_OK;
    frame.offset = frame_base;
    frame.len = pkt->payload_len;
    frame.segs = &body;
    frame.nsegs = body.len ? 1 : 0;
    frame.data_len = body.len;
    t->cfg.cb.on_frame(t->cfg.cb.ctx, c->id, 17, dir_of(from), &frame);
}

/* ---------------------------------------------------------------- reports */

static tcpsift_conn_end end_of(const conn *c)
{
    if (c->proto != 6) return TCPSIFT_END_OPEN;
    if (c->rejected) return TCPSIFT_END_REJECTED;
    if (c->rst_accepted && !c->rst_after_fins) return TCPSIFT_END_RST;
    int fins = ((c->ep[0].flags & EP_FIN_SEEN) != 0) + ((c->ep[1].flags & EP_FIN_SEEN) != 0);
    if (fins == 2) return TCPSIFT_END_FIN;
    if (fins == 1) return TCPSIFT_END_HALF_CLOSED;
    if ((c->ep[0].flags & EP_SYN_SEEN) && !(c->ep[0].flags & EP_ACKED_PEER_SYN) &&
        !(c->ep[1].flags & EP_SENT))
        return TCPSIFT_END_SYN_UNANSWERED;
    return TCPSIFT_END_OPEN;
}

static void report_info(struct tcpsift_tracker *t, const conn *c, const tcpsift_flow_key *key,
                        int timed_out, int evicted);

static void report(struct tcpsift_tracker *t, conn *c, const tcpsift_flow_key *key, int timed_out,
                   int evicted)
{
    /* Closing is not a segment: what the flush raises (urgent bytes, gaps,
     * released data) counts on this connection even if the packet being
     * processed, perhaps another connection's, already raised the same
     * anomaly. That packet's once-per-segment set is restored afterwards. */
    uint64_t segment_set[2] = {t->segment_anomalies[0], t->segment_anomalies[1]};
    t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
    if (c->proto == 6) tcp_conn_close(t, c);
    else tracker_stream_finish(t, c);
    t->segment_anomalies[0] = segment_set[0];
    t->segment_anomalies[1] = segment_set[1];
    if (t->cfg.cb.on_conn_end) report_info(t, c, key, timed_out, evicted);
    conn_ext_free(t, c); /* reported: the side table is no longer needed */
}

/* The counts of a connection without anomalies (read only). */
static const uint32_t no_events[TCPSIFT_ANOMALY_COUNT];

static void report_info(struct tcpsift_tracker *t, const conn *c, const tcpsift_flow_key *key,
                        int timed_out, int evicted)
{
    /* Every field is written below (no memset of the whole record). */
    tcpsift_conn_info info;
    info.id = c->id;
    info.proto = c->proto;
    info.ip_version = key->ip_version;
    info.vlan = c->vlan;
    info.client_addr = c->client_is_a ? key->a_addr : key->b_addr;
    info.server_addr = c->client_is_a ? key->b_addr : key->a_addr;
    info.client_port = c->client_is_a ? key->a_port : key->b_port;
    info.server_port = c->client_is_a ? key->b_port : key->a_port;
    info.first_ns = c->first_ns;
    info.last_ns = c->last_ns;
    tcpsift_endpoint_info *side[2] = {&info.client, &info.server};
    const conn_ext *x = c->ext;
    if (!x) {
        /* No side table (the common connection): no counts past 2^32, no
         * stream (released before the report) and no stream totals kept. */
        for (int i = 0; i < 2; i++) {
            side[i]->state = (tcpsift_tcp_state)c->ep[i].state;
            side[i]->pkts = c->pkts[i];
            side[i]->bytes = c->ep[i].bytes;
            side[i]->stream_bytes = 0;
            side[i]->gap_bytes = 0;
        }
    } else if (!x->rare && (!(x->stream_word[0] | x->stream_word[1]) ||
                            ((x->stream_word[0] & 1 || !x->stream_word[0]) &&
                             (x->stream_word[1] & 1 || !x->stream_word[1])))) {
        /* A side table without a rare table or a stream (a connection that
         * closed; streams are released before the report): no counts past
         * 2^32, no gap bytes, the delivered bytes of released streams (a
         * word of 0 or bytes << 1 | 1, conn_stream_kept_bytes()). */
        for (int i = 0; i < 2; i++) {
            side[i]->state = (tcpsift_tcp_state)c->ep[i].state;
            side[i]->pkts = c->pkts[i];
            side[i]->bytes = c->ep[i].bytes;
            side[i]->stream_bytes = x->stream_word[i] >> 1;
            side[i]->gap_bytes = 0;
        }
    } else {
        for (int i = 0; i < 2; i++) {
            side[i]->state = (tcpsift_tcp_state)c->ep[i].state;
            side[i]->pkts = conn_pkts(c, i);
            side[i]->bytes = conn_bytes(c, i);
            side[i]->stream_bytes = tracker_stream_delivered(t, c, i);
            side[i]->gap_bytes = tracker_stream_gaps(t, c, i);
        }
    }
    info.end = end_of(c);
    info.handshake = c->handshake;
    info.direction_guessed = c->direction_guessed;
    info.rst_unconfirmed = c->rst_unconfirmed;
    info.timed_out = (uint8_t)timed_out;
    info.evicted = (uint8_t)evicted;
    info.completeness = c->completeness;
    info.conn_state = c->proto == 6 ? zeek_conn_state(c) : (conn_pkts(c, 1) ? "SF" : "S0");
    char history[TCPSIFT_HISTORY_MAX + 1];
    uint32_t events[TCPSIFT_ANOMALY_COUNT];
    zeek_history_string(c, history);
    info.history = history;
    /* Inline slots fill from the first and empty only all at once (a spill),
     * so a connection without anomalies has ev_kind[0] == 0 (spilled: CONN_EV_SPILLED). */
    if (c->ev_kind[0] == 0) { /* neither an inline count nor spilled */
        info.events = no_events;
    } else {
        conn_events_read(c, events);
        info.events = events;
    }
    t->cfg.cb.on_conn_end(t->cfg.cb.ctx, &info);
}

/* An embryo is reported as the connection its SYNs make. */
static void report_embryo(struct tcpsift_tracker *t, const tcpsift_flow_view *flow, int timed_out,
                          int evicted)
{
    conn c;
    embryo_replay(t, flow->value, &c);
    report(t, &c, &flow->key, timed_out, evicted);
}

static void on_flow_removed(void *ctx, const tcpsift_flow_view *flow,
                            enum tcpsift_flow_remove_reason reason)
{
    struct tcpsift_tracker *t = ctx;
    if (flow->embryo) {
        if (reason == TCPSIFT_FLOW_EVICTED) t->stats.evicted++;
        else t->stats.timed_out++;
        report_embryo(t, flow, reason == TCPSIFT_FLOW_TIMED_OUT, reason == TCPSIFT_FLOW_EVICTED);
        return;
    }
    conn *c = flow->value;
    if (reason == TCPSIFT_FLOW_EVICTED) t->stats.evicted++;
    else t->stats.timed_out++;
    if (reason == TCPSIFT_FLOW_TIMED_OUT && flow->cls == TCPSIFT_FLOW_CLOSING) {
        /* 2*MSL passed in TIME-WAIT (RFC 9293 §3.10.7.4). */
        for (int i = 0; i < 2; i++)
            c->ep[i].state = (uint8_t)tcpsift_state_next((tcpsift_tcp_state)c->ep[i].state,
                                                          TCPSIFT_EV_TIMEOUT, NULL, NULL);
    }
    report(t, c, &flow->key, reason == TCPSIFT_FLOW_TIMED_OUT, reason == TCPSIFT_FLOW_EVICTED);
}

/* ---------------------------------------------------------------- lifecycle */

void tcpsift_tracker_config_init(tcpsift_tracker_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    tcpsift_flow_table_config fc;
    tcpsift_flow_table_config_init(&fc);
    cfg->max_connections = fc.max_connections;
    cfg->embryo_capacity = fc.embryo_capacity;
    memcpy(cfg->timeout_ns, fc.timeout_ns, sizeof cfg->timeout_ns);
    cfg->checksums = TCPSIFT_CHECKSUM_AUTO;
    tcpsift_reasm_config_default(&cfg->reasm);
    cfg->ttl_margin = 5;
    cfg->one_sided_release_bytes = 64 * 1024;
    cfg->stream_rest_ns = 1000000000ull;
}

/* The policies' enums hold one of their values: an unknown one would silently act as some
 * other (the checks compare against particular values). */
static int config_policies_valid(const tcpsift_tracker_config *cfg)
{
    return (unsigned)cfg->checksums <= TCPSIFT_CHECKSUM_OFF &&
           (unsigned)cfg->urgent <= TCPSIFT_URGENT_GAP &&
           (unsigned)cfg->ttl_policy <= TCPSIFT_TTL_DROP &&
           (unsigned)cfg->ip_options <= TCPSIFT_IP_OPTIONS_ACCEPT &&
           (unsigned)cfg->tcp_signature <= TCPSIFT_TCP_SIGNATURE_ACCEPT &&
           (unsigned)cfg->link_multicast <= TCPSIFT_LINK_MULTICAST_DROP;
}

tcpsift_error tcpsift_tracker_create(const tcpsift_tracker_config *cfg, tcpsift_tracker **out)
{
    if (!out) return TCPSIFT_E_INVALID_ARGUMENT;
    *out = NULL;
    if (!cfg || !config_policies_valid(cfg) || !allocator_usable(cfg->allocator))
        return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_allocator alloc = allocator_or_libc(cfg->allocator);
    struct tcpsift_tracker *t = alloc.alloc(alloc.ctx, sizeof *t);
    if (!t) return TCPSIFT_E_NO_MEMORY;
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    /* Frames are cut from the reassembled stream: framing without reassembly would frame only
     * UDP datagrams, and README's first snippet once did just that by mistake (tracker.h). */
    if (cfg->framing) t->cfg.reassemble = 1;
    t->streams = t->cfg.reassemble;
    t->alloc = alloc;
    t->budget.cap = cfg->reasm_global_cap;
    tcpsift_error err = prefix_policy_install(t);
    if (err != TCPSIFT_OK) {
        alloc.free(alloc.ctx, t, sizeof *t);
        return err;
    }
    t->stream_template = alloc.alloc(alloc.ctx, sizeof *t->stream_template);
    if (!t->stream_template) {
        prefix_policy_free(t);
        alloc.free(alloc.ctx, t, sizeof *t);
        return TCPSIFT_E_NO_MEMORY;
    }
    err = stream_template_init(t);
    if (err != TCPSIFT_OK) {
        alloc.free(alloc.ctx, t->stream_template, sizeof *t->stream_template);
        prefix_policy_free(t);
        alloc.free(alloc.ctx, t, sizeof *t);
        return err;
    }
    /* Streams rest only with a reassembler (stream_rest.c); one object is kept in reserve so
     * that a rested stream can always be woken to be finished. */
    t->rest_check_ns = UINT64_MAX;
    if (!t->stream_template->has_reasm) t->cfg.stream_rest_ns = 0;
    if (t->cfg.stream_rest_ns) {
        t->wake_reserve = alloc.alloc(alloc.ctx, sizeof *t->wake_reserve);
        if (!t->wake_reserve) {
            alloc.free(alloc.ctx, t->stream_template, sizeof *t->stream_template);
            prefix_policy_free(t);
            alloc.free(alloc.ctx, t, sizeof *t);
            return TCPSIFT_E_NO_MEMORY;
        }
    }

    tcpsift_flow_table_config fc;
    tcpsift_flow_table_config_init(&fc);
    fc.max_connections = cfg->max_connections;
    fc.embryo_capacity = cfg->embryo_capacity;
    fc.memcap_bytes = cfg->table_memcap;
    fc.value_size = sizeof(conn);
    fc.embryo_value_size = cfg->embryo_capacity ? sizeof(embryo) : 0;
    memcpy(fc.hash_key, cfg->hash_key, sizeof fc.hash_key);
    fc.key_vlan = cfg->key_vlan;
    fc.key_tunnel = cfg->key_tunnel;
    memcpy(fc.timeout_ns, cfg->timeout_ns, sizeof fc.timeout_ns);
    fc.allocator = &t->alloc;
    fc.on_evict = on_flow_removed;
    fc.on_evict_ctx = t;
    err = tcpsift_flow_table_create(&fc, &t->table);
    if (err != TCPSIFT_OK) {
        if (t->wake_reserve) alloc.free(alloc.ctx, t->wake_reserve, sizeof *t->wake_reserve);
        alloc.free(alloc.ctx, t->stream_template, sizeof *t->stream_template);
        prefix_policy_free(t);
        alloc.free(alloc.ctx, t, sizeof *t);
        return err;
    }
    *out = t;
    return TCPSIFT_OK;
}

static int free_streams(void *ctx, const tcpsift_flow_view *flow)
{
    struct tcpsift_tracker *t = ctx;
    if (flow->embryo) return 0; /* embryos own no memory */
    conn *c = flow->value;
    stream_release(t, c, 0);
    stream_release(t, c, 1);
    conn_ext_free(t, c);
    return 0;
}

void tcpsift_tracker_destroy(tcpsift_tracker *t)
{
    /* From a callback: refused, the calling entry point is still using the tracker (tracker.h). */
    if (!t || (t->refuse & TRACKER_IN_CALL)) return;
    tcpsift_flow_table_foreach(t->table, free_streams, t);
    tcpsift_flow_table_destroy(t->table);
    spares_drain(t, &t->spare_streams, sizeof(direction_stream));
    if (t->wake_reserve) t->alloc.free(t->alloc.ctx, t->wake_reserve, sizeof *t->wake_reserve);
    stream_rest_drain(t);
    while (t->nspare_views > 0)
        t->alloc.free(t->alloc.ctx, t->spare_views[--t->nspare_views], FRAMER_VIEW_BLOCK);
    conn_ext_drain(t);
    spare_blocks_drain(t);
    t->alloc.free(t->alloc.ctx, t->stream_template, sizeof *t->stream_template);
    prefix_policy_free(t);
    tcpsift_allocator alloc = t->alloc;
    alloc.free(alloc.ctx, t, sizeof *t);
}

static uint64_t clamp_time(int64_t ns) { return ns < 0 ? 0 : (uint64_t)ns; }

#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline)) /* per packet, in packet_process and packet_flow */
#endif
static inline enum tcpsift_flow_class class_of(const conn *c)
{
    if (c->proto != 6) return TCPSIFT_FLOW_UDP;
    if (c->closed_for_reuse || (c->ep[0].flags & EP_FIN_SEEN) || (c->ep[1].flags & EP_FIN_SEEN))
        return TCPSIFT_FLOW_CLOSING;
    /* The short embryonic timeout is for a bare attempt: SYNs from the
     * client and nothing back (Zeek's S0). Midstream and one-sided
     * connections live as long as established ones. */
    if ((c->ep[0].flags & EP_SYN_SEEN) && !(c->ep[1].flags & EP_SENT) && !c->direction_guessed)
        return TCPSIFT_FLOW_EMBRYONIC;
    return TCPSIFT_FLOW_ESTABLISHED;
}

/* A new SYN (a new ISN) on a tuple whose connection is over starts a new connection, as
 * tshark's tcp.stream does: over when the table closed it (TIME-WAIT, an accepted RST), and
 * over for the SYN's sender once it has sent its FIN, the last sequence number it has in that
 * connection (RFC 9293 §3.5): its new SYN means the end of the close was not captured (the
 * last ACK lost, a TIME-WAIT reused), not a SYN inside the connection. A SYN from an endpoint
 * that has not sent its FIN stays syn_in_synchronized_state in the old connection. */
static int starts_new_connection(const conn *c, const tcpsift_packet *pkt, int from)
{
    if (c->proto != 6) return 0;
    if ((pkt->tcp_flags & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK | TCPSIFT_TCP_RST)) != TCPSIFT_TCP_SYN)
        return 0;
    const endpoint *e = &c->ep[from];
    /* A SYN with another ISN while the first went unanswered (the peer has sent nothing) is
     * another attempt: another connection, as tshark's tcp.stream counts it. */
    if (!(c->ep[1 - from].flags & EP_SENT) && (e->flags & EP_SYN_SEEN) && e->isn != pkt->seq)
        return 1;
    if (!c->closed_for_reuse && !(e->flags & EP_FIN_SEEN)) return 0;
    return !(e->flags & EP_SYN_SEEN) || e->isn != pkt->seq;
}

/* Whether packet_process() must take packet_flow() for starts_new_connection(): a SYN after a
 * FIN of either endpoint, or to an endpoint that has sent nothing (rare, so not judged here;
 * `reversed`: the packet's sender is the key's endpoint b). */
static inline int syn_may_start_new(const conn *c, const tcpsift_packet *pkt, int reversed)
{
    if (TCPSIFT_LIKELY(!(pkt->tcp_flags & TCPSIFT_TCP_SYN))) return 0;
    if ((c->ep[0].flags | c->ep[1].flags) & EP_FIN_SEEN) return 1;
    int from = (c->client_is_a == !reversed) ? 0 : 1;
    return !(c->ep[1 - from].flags & EP_SENT);
}

/* auto: a sending host with IP checksum offload (Windows) captures its own datagrams with the
 * header checksum field still 0, as Wireshark notes; Linux always fills it in. */
static int ip_checksum_offloaded(const struct tcpsift_tracker *t, const tcpsift_packet *pkt)
{
    return t->cfg.checksums == TCPSIFT_CHECKSUM_AUTO && pkt->ip_header.ptr[10] == 0 &&
           pkt->ip_header.ptr[11] == 0;
}

CONN_COLD static int encap_checksum_rejects(const struct tcpsift_tracker *t,
                                            const tcpsift_packet *pkt)
{
    uint8_t status = pkt->encap_csum, offload = pkt->encap_csum_offload;
    /* NOT_CHECKED also when verified with nothing to check: that costs a decode, not a result */
    if (status == TCPSIFT_CSUM_NOT_CHECKED) decode_outer_checksums(pkt, &status, &offload);
    return status == TCPSIFT_CSUM_BAD && !(t->cfg.checksums == TCPSIFT_CHECKSUM_AUTO && offload);
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline)) /* per packet, in packet_process and packet_flow */
#endif
static inline int checksum_rejects(struct tcpsift_tracker *t, const tcpsift_packet *pkt)
{
    if (t->cfg.checksums == TCPSIFT_CHECKSUM_OFF) return 0;
    /* Verified here unless the caller already did; the caller's packet is
     * only read. A bad IPv4 header checksum: the host discards the datagram
     * (RFC 1122 3.2.1.2), so must we, or a crafted one inserts bytes. */
    uint8_t ip_status = pkt->ip_csum;
    if (ip_status == TCPSIFT_CSUM_NOT_CHECKED) ip_status = checksum_ipv4_header_status(pkt);
    if (TCPSIFT_UNLIKELY(ip_status == TCPSIFT_CSUM_BAD) && !ip_checksum_offloaded(t, pkt)) return 1;
    /* A tunnel layer the decapsulating host would drop (decode.c, outer_layer_checks): the
     * segment inside never reached it, however sound its own sums. */
    if (TCPSIFT_UNLIKELY(pkt->layers & TCPSIFT_LAYER_IP_TUNNEL) && encap_checksum_rejects(t, pkt))
        return 1;
    uint8_t status = pkt->l4_csum, offload = pkt->l4_csum_offload;
    if (status == TCPSIFT_CSUM_NOT_CHECKED) checksum_l4_status(pkt, &status, &offload);
    if (status != TCPSIFT_CSUM_BAD) return 0;
    /* auto: transmit offload leaves the pseudo-header sum; such a packet was
     * captured on its sender before the NIC finished it (RFC 1071 sums). */
    if (t->cfg.checksums == TCPSIFT_CHECKSUM_AUTO && offload) return 0;
    return 1;
}

/* receiver_discard()'s out-of-line part: the link layer first, as a host's stack reads it. */
CONN_COLD static int layer_discard(const struct tcpsift_tracker *t, const tcpsift_packet *pkt)
{
    int multicast = link_multicast_destination(pkt);
    if (multicast && t->cfg.link_multicast == TCPSIFT_LINK_MULTICAST_DROP)
        return SEGMENT_LINK_MULTICAST;
    if ((pkt->error != TCPSIFT_OK || pkt->ip_header.len > 20) &&
        t->cfg.ip_options == TCPSIFT_IP_OPTIONS_HOST) {
        int ip = ip_layer_discard(pkt);
        if (ip != SEGMENT_READ) return ip;
    }
    return multicast ? SEGMENT_READ_LINK_MULTICAST : SEGMENT_READ;
}

/* Whether the receiver discards this TCP segment before TCP reads it (enum segment_discard):
 * a bad checksum; a frame sent to a group MAC, IP options / IPv6 extension headers a host
 * refuses or an IP length past the frame, read only where a frame may have them. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline)) /* per packet, in packet_process and packet_flow */
#endif
static inline int receiver_discard(struct tcpsift_tracker *t, const tcpsift_packet *pkt)
{
    if (checksum_rejects(t, pkt)) return SEGMENT_BAD_CHECKSUM;
    /* A decode error (a length past the wire?), a header over 20 bytes (IPv4 options, or
     * IPv6, with extension headers or not) or a first byte with the Ethernet group bit (a
     * multicast destination MAC, or a raw IPv4 header's low version bit): judged out of line. */
    if (TCPSIFT_UNLIKELY(pkt->error != TCPSIFT_OK || pkt->ip_header.len > 20 || (pkt->frame[0] & 1)))
        return layer_discard(t, pkt);
    return SEGMENT_READ;
}

/* A new bare SYN becomes an embryo while the embryo pool has room, or when
 * the full table is full too (then the oldest embryo is evicted, never an
 * established connection). With the pool full and the table not, it takes a
 * full entry: a burst of real handshakes must not evict itself. */
static int embryo_slot_or_pressure(const struct tcpsift_tracker *t)
{
    uint32_t entries, embryos;
    tcpsift_flow_table_counts(t->table, &entries, &embryos);
    return embryos < t->cfg.embryo_capacity || entries >= t->cfg.max_connections;
}

/* The flow lookup of one packet, computed before the packet is processed so
 * that a batch can hash the packets ahead and prefetch their table memory
 * (tcpsift_tracker_packets). Depends only on the packet, the configuration
 * and the table's hash key, never on flow state: computing it early is exact. */
enum lookup_kind { LOOKUP_NOT_A_FLOW, LOOKUP_BAD_KEY, LOOKUP_FLOW };

typedef struct packet_lookup {
    tcpsift_flow_probe probe; /* the key normalised and hashed once for this packet */
    int reversed;             /* the sender is the key's endpoint b */
    enum lookup_kind kind;
} packet_lookup;

/* The outer VLAN id, 0 for none: read where a flow starts, not per packet. */
static uint16_t packet_vlan(const tcpsift_packet *pkt) { return pkt->vlan_count ? pkt->vlan_ids[0] : 0; }
static int packet_is_tcp(const tcpsift_packet *pkt) { return (pkt->layers & TCPSIFT_LAYER_TCP) != 0; }
static int packet_is_udp(const tcpsift_packet *pkt) { return (pkt->layers & TCPSIFT_LAYER_UDP) != 0; }

#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline void packet_lookup_make(const struct tcpsift_tracker *t, const tcpsift_packet *pkt,
                                      packet_lookup *lk, int use_recent)
{
    int is_tcp = packet_is_tcp(pkt), is_udp = packet_is_udp(pkt);
    if ((pkt->layers & TCPSIFT_LAYER_FRAGMENT) || (!is_tcp && !is_udp)) {
        lk->kind = LOOKUP_NOT_A_FLOW;
        lk->reversed = 0;
        lk->probe.hash = 0; /* the look-ahead's hints read bucket 0: harmless */
        lk->probe.hint = NIL;
        return;
    }
    uint16_t vlan = packet_vlan(pkt);
    if (pkt->ip_version == 4 && pkt->src && pkt->dst) {
        /* The common case, built normalised in one step (same probe). */
        lk->reversed =
            use_recent
                ? tcpsift_flow_table_probe_ipv4_hinted(t->table, pkt, is_tcp ? 6 : 17, vlan,
                                                       &lk->probe)
                : tcpsift_flow_table_probe_ipv4(t->table, pkt, is_tcp ? 6 : 17, vlan, &lk->probe);
        lk->kind = LOOKUP_FLOW;
        return;
    }
    tcpsift_flow_key *key = &lk->probe.key; /* built in place, then normalised and hashed */
    if (tcpsift_flow_key_make(key, pkt->ip_version, pkt->src, pkt->dst, pkt->sport, pkt->dport,
                              is_tcp ? 6 : 17, t->cfg.key_vlan ? vlan : 0,
                              &lk->reversed) != TCPSIFT_OK) {
        lk->kind = LOOKUP_BAD_KEY;
        lk->probe.hash = 0;
        lk->probe.hint = NIL;
        return;
    }
    if (t->cfg.key_tunnel) tcpsift_flow_key_set_tunnel(key, pkt->tunnel_id_kind, pkt->tunnel_id);
    tcpsift_flow_table_probe_in_place(t->table, &lk->probe);
    lk->kind = LOOKUP_FLOW;
}

/* Hints only: a line wanted soon, and one read once (not kept near the core). */
static inline void prefetch_line(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

static inline void prefetch_once(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 0, 0);
#else
    (void)p;
#endif
}

/* packet_process() of a flow packet past its lookup (`entry`, NULL when
 * none), for every case: a new flow, an embryo, a span-port copy, a SYN that
 * reuses a closed tuple. The common case (a connection found, none of those)
 * is packet_process()'s own; out of line, so that path saves fewer registers
 * (issue 9). */
static TCPSIFT_NOINLINE tcpsift_error packet_flow(tcpsift_tracker *t, const tcpsift_packet *pkt,
                                                  int64_t ts_ns, uint64_t now,
                                                  const packet_lookup *lk,
                                                  tcpsift_flow_entry *entry)
{
    int is_tcp = packet_is_tcp(pkt);
    int reversed = lk->reversed;
    const tcpsift_flow_probe *probe = &lk->probe;
    conn *c = entry ? tcpsift_flow_entry_value_at(entry) : NULL;
    /* Its streams are reached through the side table after the state work: ask for that line
     * now (measured with the payload prefetch below; see tcpsift_tracker_packets). */
    if (c && c->ext) prefetch_line(&c->ext->stream_word[0]);
    int from = 0;
    if (t->cfg.duplicate_window_ns && span_dup_seen(t, pkt, now)) {
        /* A span-port copy: counted on its connection, nothing else. */
        t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
        t->stats.duplicate_frames++;
        if (c) conn_count_event(t, c, TCPSIFT_ANOMALY_DUPLICATE_FRAME);
        else t->stats.events[TCPSIFT_ANOMALY_DUPLICATE_FRAME]++;
        return TCPSIFT_OK;
    }
    int discard = is_tcp ? receiver_discard(t, pkt) : SEGMENT_READ;
    if (!c && is_tcp && t->cfg.embryo_capacity) {
        tcpsift_flow_embryo *em = tcpsift_flow_table_embryo_lookup_probe(t->table, probe);
        if (em) {
            embryo *e = tcpsift_flow_embryo_value(em);
            from = (e->client_is_a == !reversed) ? 0 : 1;
            if (from == 0 && embryo_absorb(e, pkt, ts_ns, discard)) {
                tcpsift_flow_table_embryo_touch(t->table, em, now);
                return TCPSIFT_OK;
            }
            /* Anything but a repeat of its SYN: become a full connection. */
            embryo kept = *e;
            /* The full pool's lookup of this key just missed; the connection
             * is written whole from the embryo kept (embryo_replay). */
            tcpsift_error err =
                tcpsift_flow_table_embryo_promote_found(t->table, probe, em, now, &entry);
            if (err != TCPSIFT_OK) return err;
            c = tcpsift_flow_entry_value_at(entry);
            embryo_replay(t, &kept, c);
        }
    }
    if (c) {
        /* endpoint a sent this packet iff !reversed */
        from = (c->client_is_a == !reversed) ? 0 : 1;
    }
    int reused = 0;
    if (c && is_tcp && starts_new_connection(c, pkt, from)) {
        tcpsift_flow_key key;
        tcpsift_flow_entry_key_get(entry, &key);
        /* A host keeps one socket a tuple: the new incarnation ended the old one's TIME-WAIT at
         * both ends (RFC 9293 §3.10.7.4 and RFC 6191: a SYN accepted in TIME-WAIT; or the
         * waiting end reopening it itself), as its 2*MSL timer would (the TIMEOUT event). */
        for (int i = 0; i < 2; i++)
            if (c->ep[i].state == TCPSIFT_ST_TIME_WAIT)
                c->ep[i].state = (uint8_t)tcpsift_state_next(TCPSIFT_ST_TIME_WAIT,
                                                              TCPSIFT_EV_TIMEOUT, NULL, NULL);
        report(t, c, &key, 0, 0);
        tcpsift_flow_table_remove(t->table, entry);
        entry = NULL;
        c = NULL;
        reused = 1;
    }
    if (!c && is_tcp && embryo_wanted(t, pkt, discard) && embryo_slot_or_pressure(t)) {
        /* A bare SYN on a new tuple: compact form until anything else comes. */
        /* Neither pool holds this key: the lookups above missed, or (tuple
         * reuse) the full entry was just removed, and a key is never in both
         * pools (embryos are made only where no entry is, promotion moves one). */
        tcpsift_flow_embryo *em;
        tcpsift_error err =
            tcpsift_flow_table_embryo_insert_new(t->table, probe, now, pkt->seq, reversed, &em);
        if (err != TCPSIFT_OK) return err;
        embryo_init(tcpsift_flow_embryo_value(em), pkt, t->next_id[0]++, ts_ns, !reversed,
                    packet_vlan(pkt), reused);
        t->stats.tcp_connections++;
        return TCPSIFT_OK;
    }
    if (!c) {
        tcpsift_error err = tcpsift_flow_table_insert_probe(
            t->table, probe, now, is_tcp ? TCPSIFT_FLOW_EMBRYONIC : TCPSIFT_FLOW_UDP, &entry);
        if (err != TCPSIFT_OK) return err;
        c = tcpsift_flow_entry_value_at(entry);
        memset(c, 0, sizeof *c);
        c->proto = is_tcp ? 6 : 17;
        c->id = t->next_id[is_tcp ? 0 : 1]++;
        if (is_tcp) t->stats.tcp_connections++;
        else t->stats.udp_flows++;
        c->first_ns = ts_ns;
        c->vlan = packet_vlan(pkt);
        int sender = is_tcp ? tcp_conn_start(c, pkt) : 0;
        /* the sender is endpoint a iff !reversed; the client is endpoint 0 */
        c->client_is_a = (uint8_t)((sender == 0) == !reversed);
        from = sender;
        if (c->flipped) zeek_history_flip(c);
    }
    c->last_ns = ts_ns;
    t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
    if (reused) conn_count_event(t, c, TCPSIFT_ANOMALY_TUPLE_REUSE);
    if (is_tcp) {
        tcp_conn_segment(t, c, pkt, from, discard);
        t->cur_pkt = NULL; /* the caller's packet is not ours past this call */
    } else {
        udp_datagram(t, c, from, pkt);
    }
    /* The clock is at `now` since expire_inline() above. */
    tcpsift_flow_table_touch_at_clock(t->table, entry, class_of(c));
    return TCPSIFT_OK;
}

static tcpsift_error packet_process(tcpsift_tracker *t, const tcpsift_packet *pkt, int64_t ts_ns,
                                    packet_lookup *lk)
{
    t->stats.packets++;
    if (pkt->error != TCPSIFT_OK && (unsigned)pkt->error < TCPSIFT_ERROR_COUNT_)
        t->stats.errors[pkt->error]++;
    uint64_t now = clamp_time(ts_ns);
    tcpsift_flow_table_expire_inline(t->table, now, on_flow_removed, t);
    /* (the table's clock, which the sweep reads, is at least `now`) */
    if (TCPSIFT_UNLIKELY(now >= t->rest_check_ns)) streams_rest_sweep(t);

    if (lk->kind == LOOKUP_NOT_A_FLOW) {
        /* A decode error left no TCP or UDP packet: malformed, whether or not the ports were
         * reached (a header cut before them is no less malformed); a link type the decoder
         * does not know is other. A fragment's transport exists only once reassembled, and is
         * judged then. */
        if (pkt->error != TCPSIFT_OK && pkt->error != TCPSIFT_E_UNSUPPORTED_LINK_TYPE &&
            !(pkt->layers & TCPSIFT_LAYER_FRAGMENT))
            t->stats.malformed++;
        else
            t->stats.other_packets++;
        return TCPSIFT_OK;
    }
    int is_tcp = packet_is_tcp(pkt);
    if (is_tcp) t->stats.tcp_packets++;
    else t->stats.udp_packets++;
    if (lk->kind == LOOKUP_BAD_KEY) return TCPSIFT_E_INVALID_ARGUMENT;

    tcpsift_flow_entry *entry = tcpsift_flow_table_lookup_hinted(t->table, &lk->probe);
    conn *c = entry ? tcpsift_flow_entry_value_at(entry) : NULL;
    if (TCPSIFT_UNLIKELY(!c || t->cfg.duplicate_window_ns || c->closed_for_reuse ||
                         syn_may_start_new(c, pkt, lk->reversed))) {
        /* Its embryo lookup, insert or removal needs the hash a held hint skipped. */
        tcpsift_flow_table_probe_hash(t->table, &lk->probe);
        return packet_flow(t, pkt, ts_ns, now, lk, entry);
    }
    /* A packet of a connection in the table, no copy check, no tuple reuse:
     * packet_flow()'s steps for it, in its order (the checksum verdict only
     * reads, so it is taken where it is used). */
    if (c->ext) prefetch_line(&c->ext->stream_word[0]); /* see packet_flow() */
    int from = (c->client_is_a == !lk->reversed) ? 0 : 1; /* endpoint a sent it iff !reversed */
    c->last_ns = ts_ns;
    t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
    if (is_tcp) {
        tcp_conn_segment(t, c, pkt, from, receiver_discard(t, pkt));
        t->cur_pkt = NULL; /* the caller's packet is not ours past this call */
    } else {
        udp_datagram(t, c, from, pkt);
    }
    /* The clock is at `now` since expire_inline() above. */
    tcpsift_flow_table_touch_at_clock(t->table, entry, class_of(c));
    return TCPSIFT_OK;
}

tcpsift_error tcpsift_tracker_packet(tcpsift_tracker *t, const tcpsift_packet *pkt, int64_t ts_ns)
{
    if (!t || !pkt || t->refuse) return TCPSIFT_E_INVALID_ARGUMENT;
    t->refuse = TRACKER_IN_CALL;
    packet_lookup lk;
    packet_lookup_make(t, pkt, &lk, t->recent_skip == 0);
    tcpsift_error err = packet_process(t, pkt, ts_ns, &lk);
    t->refuse = 0;
    return err;
}

/* How many packets are hashed ahead of their turn, and how many packets
 * ahead a flow's slot (node and connection) is prefetched. Measured
 * (bench/README.md): also prefetching the streams was slower. With framing,
 * the payload of the packet two ahead is asked for too: the framer reads
 * length fields anywhere in it, lines no other stage brought in (issue 9;
 * full tier, large workload, thread CPU time, medians of 8-10 alternating
 * runs: 365 -> 345 ns/packet together with the side-table line above, each
 * alone less than half of that). */
enum { LOOKAHEAD_CHUNK = 16, LOOKAHEAD_ENTRY = 4, LOOKAHEAD_PAYLOAD = 2 };

/* The recent-flow index (flow_table_internal.h) saves a packet its SipHash when the packet finds
 * a hint, and costs it a word's load and two multiplies when not: with more flows active than
 * the index has words, hints are rare and the loads miss the cache (measured: +3-4% wall time
 * with 100,000 flows active, issue 9). So a full batch with fewer than RECENT_MIN_HINTS hints
 * sets the index aside for RECENT_SKIP_BATCHES batches, then one batch tries it again. Hints
 * only save work: results never depend on this. */
enum { RECENT_MIN_HINTS = 4, RECENT_SKIP_BATCHES = 64 };

/* Every line of a payload but the first (the headers' line), for reading once. */
static inline void payload_prefetch(const tcpsift_packet *pkt)
{
    const uint8_t *p = pkt->payload.ptr;
    for (size_t at = 64; at < pkt->payload.len; at += 64) prefetch_once(p + at);
}

tcpsift_error tcpsift_tracker_packets(tcpsift_tracker *t, const tcpsift_packet *pkts,
                                      const int64_t *ts_ns, size_t n, tcpsift_error *results)
{
    if (!t || t->refuse || (n > 0 && (!pkts || !ts_ns))) return TCPSIFT_E_INVALID_ARGUMENT;
    t->refuse = TRACKER_IN_CALL;
    tcpsift_error first = TCPSIFT_OK;
    packet_lookup lk[LOOKAHEAD_CHUNK];
    for (size_t base = 0; base < n; base += LOOKAHEAD_CHUNK) {
        size_t m = n - base < LOOKAHEAD_CHUNK ? n - base : LOOKAHEAD_CHUNK;
        int use_recent = t->recent_skip == 0;
        if (!use_recent) t->recent_skip--;
        /* Hash the chunk first: the bucket loads overlap the hashing. */
        /* Every lookup has a hash (0 when it is no flow) or a hint: prefetches need no test. */
        unsigned hints = 0;
        for (size_t i = 0; i < m; i++) {
            packet_lookup_make(t, &pkts[base + i], &lk[i], use_recent);
            hints += lk[i].probe.hint != NIL;
            tcpsift_flow_table_prefetch_bucket(t->table, &lk[i].probe);
        }
        if (use_recent && m == LOOKAHEAD_CHUNK && hints < RECENT_MIN_HINTS)
            t->recent_skip = RECENT_SKIP_BATCHES;
        for (size_t i = 0; i < m && i < LOOKAHEAD_ENTRY; i++)
            tcpsift_flow_table_prefetch_entry(t->table, &lk[i].probe);
        for (size_t i = 0; i < m; i++) {
            size_t ahead = i + LOOKAHEAD_ENTRY;
            if (ahead < m) tcpsift_flow_table_prefetch_entry(t->table, &lk[ahead].probe);
            if (t->cfg.framing && base + i + LOOKAHEAD_PAYLOAD < n)
                payload_prefetch(&pkts[base + i + LOOKAHEAD_PAYLOAD]);
            tcpsift_error err = packet_process(t, &pkts[base + i], ts_ns[base + i], &lk[i]);
            if (results) results[base + i] = err;
            if (err != TCPSIFT_OK && first == TCPSIFT_OK) first = err;
        }
    }
    t->refuse = 0;
    return first;
}

void tcpsift_tracker_advance_time(tcpsift_tracker *t, int64_t now_ns)
{
    if (!t || t->refuse) return;
    t->refuse = TRACKER_IN_CALL;
    tcpsift_flow_table_expire(t->table, clamp_time(now_ns), on_flow_removed, t);
    if (t->table->clock_ns >= t->rest_check_ns) streams_rest_sweep(t);
    t->refuse = 0;
}

struct finish_pass {
    struct tcpsift_tracker *t;
    uint8_t proto;
};

static int finish_one(void *ctx, const tcpsift_flow_view *flow)
{
    struct finish_pass *pass = ctx;
    if (flow->embryo) {
        if (pass->proto == 6) report_embryo(pass->t, flow, 0, 0);
        return 0;
    }
    conn *c = flow->value;
    if (c->proto == pass->proto) report(pass->t, c, &flow->key, 0, 0);
    return 0;
}

void tcpsift_tracker_finish(tcpsift_tracker *t)
{
    if (!t || t->refuse) return;
    t->refuse = TRACKER_IN_CALL;
    struct finish_pass tcp = {t, 6}, udp = {t, 17};
    tcpsift_flow_table_foreach(t->table, finish_one, &tcp);
    /* Every UDP flow was counted when it was created: without any, the UDP
     * pass would visit every TCP connection again to report nothing. */
    if (t->stats.udp_flows) tcpsift_flow_table_foreach(t->table, finish_one, &udp);
    t->refuse = TRACKER_FINISHED;
    if (t->budget.peak > t->stats.reasm_buffered_peak) t->stats.reasm_buffered_peak = t->budget.peak;
}

const tcpsift_tracker_stats *tcpsift_tracker_get_stats(const tcpsift_tracker *t)
{
    return t ? &t->stats : NULL;
}

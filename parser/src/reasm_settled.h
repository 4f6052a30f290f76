/* Private: the reassembler as the tracker drives it, one shared setup and a state per direction
 * (issue 9: a direction's stream memory holds only the state), and the shortcuts the tracker
 * takes into it (issue 9): whether an acknowledgement can change it at all (most ACKs cover only
 * bytes already delivered; the tracker answers that from one cache line and one comparison
 * instead of three calls), and a stream's start at its SYN without a whole segment call. */
#ifndef TCPSIFT_REASM_SETTLED_H
#define TCPSIFT_REASM_SETTLED_H

#include "tcpsift/reassembly.h"

/* tcpsift_reasm_init() in two parts: the setup (cfg's policy is not read; cb, alloc, budget as
 * there) and a state with its own policy (which must be valid). A state is used only with the
 * setup it was started with. With su->ctx_is_state set (after this call), the callbacks get the
 * state's address as their ctx. */
tcpsift_error reasm_setup_init(tcpsift_reasm_setup *su, const tcpsift_reasm_config *cfg,
                               const tcpsift_reasm_callbacks *cb, const tcpsift_allocator *alloc,
                               tcpsift_reasm_budget *budget);
void reasm_state_init(tcpsift_reasm_state *r, tcpsift_overlap_policy policy);

/* tcpsift_reasm_segment/ack/finish/free/check on (state, setup). */
tcpsift_error reasm_segment(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t seq,
                            const uint8_t *data, size_t len, size_t wire_len, unsigned flags);
tcpsift_error reasm_ack(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t ack);
tcpsift_error reasm_finish(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su);
void reasm_release(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su);
int reasm_check(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su);
/* The retained views' array (view_cap > 1) was freed by the state's owner, who kept the views
 * elsewhere and could not get an array back (a resting stream woken to be released,
 * stream_rest.c): count the array as freed (memory_bytes, the budget) and retain nothing. */
void reasm_views_forget(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su);

/* Retain nothing more: the ring and the views' array freed (memory_bytes, the budget), so a
 * later copy of a delivered byte counts as unverified, as one older than max_retained_bytes does.
 * For a stream put to rest whose peer acknowledged every delivered byte (stream_rest.c). */
void reasm_retained_drop(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su);

/* Held bytes below sequence number `end` that the receiver refused are forgotten, never
 * delivered: a SYN's data that the SYN-ACK did not acknowledge (RFC 7413 §4.2.2; a server
 * without Fast Open drops it), so the bytes sent again in its place are the stream's, whatever
 * the overlap policy. For acked delivery, where such bytes are still held. */
void reasm_forget_held_before(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, uint32_t end);

/* tcpsift_reasm_acked_hole() of a state. */
static inline uint64_t reasm_acked_hole(const tcpsift_reasm_state *r)
{
    return r->acked_hole_end > r->next_offset ? r->acked_hole_end - r->next_offset : 0;
}

/* 1 when, for r, tcpsift_reasm_ack(r, ack) changes nothing, tcpsift_reasm_fin_reached(r) is 0
 * and tcpsift_reasm_acked_hole(r) is 0: started, not finished, the FIN (if seen) not reached, no
 * acknowledged hole, and `ack` at or before the next byte (the comparison of seq_offset() in
 * reassembly.c: at most next_offset when the distance from the next byte's sequence number, in
 * 32-bit arithmetic, is 0 or "negative"). */
static inline int reasm_ack_settled(const tcpsift_reasm_state *r, uint32_t ack)
{
    uint32_t ahead = ack - (r->base_seq + (uint32_t)r->next_offset);
    return r->have_base && !r->finished && !(r->have_fin && r->next_offset >= r->fin_offset) &&
           r->acked_hole_end <= r->next_offset && (ahead == 0 || ahead >= 0x80000000u);
}

/* tcpsift_reasm_fin_reached(r) for r not NULL, without the call (once per segment). */
static inline int reasm_fin_reached(const tcpsift_reasm_state *r)
{
    return r->have_fin && r->next_offset >= r->fin_offset;
}

/* tcpsift_reasm_segment(r, isn, NULL, 0, 0, TCPSIFT_REASM_SYN), for a stream opened after its
 * SYN went by. On a reassembler that has no base yet (nothing but RST payload counted: every
 * other segment sets the base, and an ACK before it is ignored, so no FIN, no held data, no
 * acknowledged hole) that call only fixes offset 0 at ISN+1 (RFC 9293 §3.4: the SYN occupies
 * the sequence number before the first data byte): the zero-length segment at offset 0 is then
 * entirely before the next byte. Anything else takes the call. */
static inline void reasm_start_at_syn(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su,
                                      uint32_t isn)
{
    if (r->have_base || r->finished || r->in_callback) {
        (void)reasm_segment(r, su, isn, NULL, 0, 0, TCPSIFT_REASM_SYN);
        return;
    }
    r->have_base = 1;
    r->base_seq = isn + 1u;
    r->next_offset = 0;
    r->ring_start = 0;
}

/* 1 when tcpsift_reasm_segment(r, seq, data, len, len, 0) on a valid segment (len == wire_len
 * < 2^31, data not NULL when len > 0) takes its first path and does nothing else: r not inside
 * a callback, not finished, started, no FIN known, nothing held, on-arrival mode, and `seq` the
 * next byte's sequence number. That path delivers [data, len) uncopied at next_offset
 * (emit_data: reasm_in_order_advance, the on_data callback, then reasm_retain_delivered) and
 * nothing at all for len 0. The tracker takes it without the calls between (issue 9). */
static inline int reasm_in_order(const tcpsift_reasm_state *r, const tcpsift_reasm_setup *su,
                                 uint32_t seq)
{
    return r->have_base && !r->have_fin && r->ext_count == 0 && !r->finished && !r->in_callback &&
           su->mode == TCPSIFT_REASM_ON_ARRIVAL && seq == r->base_seq + (uint32_t)r->next_offset;
}

/* emit_data's bookkeeping before its on_data callback (len > 0): the delivered bytes' stream
 * offset, returned; next_offset and delivered_bytes advanced past them. */
static inline uint64_t reasm_in_order_advance(tcpsift_reasm_state *r, size_t len)
{
    uint64_t off = r->next_offset;
    r->next_offset += len;
    r->stats.delivered_bytes += len;
    return off;
}

/* emit_data's retention after its on_data callback: in-order bytes [p, p+len), uncopied, now
 * ending at next_offset, kept for the comparison of later retransmissions (reassembly.c). */
void reasm_retain_delivered(tcpsift_reasm_state *r, const tcpsift_reasm_setup *su, const uint8_t *p,
                            size_t len);

#endif

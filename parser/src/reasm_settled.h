/* Private shortcuts the tracker takes into a reassembler (issue 9): whether an acknowledgement
 * can change it at all (most ACKs cover only bytes already delivered; the tracker answers that
 * from three cache lines and one comparison instead of three calls), and a stream's start at
 * its SYN without a whole tcpsift_reasm_segment() call. */
#ifndef TCPSIFT_REASM_SETTLED_H
#define TCPSIFT_REASM_SETTLED_H

#include "tcpsift/reassembly.h"

/* 1 when, for r, tcpsift_reasm_ack(r, ack) changes nothing, tcpsift_reasm_fin_reached(r) is 0
 * and tcpsift_reasm_acked_hole(r) is 0: started, not finished, the FIN (if seen) not reached, no
 * acknowledged hole, and `ack` at or before the next byte (the comparison of seq_offset() in
 * reassembly.c: at most next_offset when the distance from the next byte's sequence number, in
 * 32-bit arithmetic, is 0 or "negative"). */
static inline int reasm_ack_settled(const tcpsift_reasm *r, uint32_t ack)
{
    uint32_t ahead = ack - (r->base_seq + (uint32_t)r->next_offset);
    return r->have_base && !r->finished && !(r->have_fin && r->next_offset >= r->fin_offset) &&
           r->acked_hole_end <= r->next_offset && (ahead == 0 || ahead >= 0x80000000u);
}

/* tcpsift_reasm_fin_reached(r) for r not NULL, without the call (once per segment). */
static inline int reasm_fin_reached(const tcpsift_reasm *r)
{
    return r->have_fin && r->next_offset >= r->fin_offset;
}

/* tcpsift_reasm_segment(r, isn, NULL, 0, 0, TCPSIFT_REASM_SYN), for a stream opened after its
 * SYN went by. On a reassembler that has no base yet (nothing but RST payload counted: every
 * other segment sets the base, and an ACK before it is ignored, so no FIN, no held data, no
 * acknowledged hole) that call only fixes offset 0 at ISN+1 (RFC 9293 §3.4: the SYN occupies
 * the sequence number before the first data byte): the zero-length segment at offset 0 is then
 * entirely before the next byte. Anything else takes the call. */
static inline void reasm_start_at_syn(tcpsift_reasm *r, uint32_t isn)
{
    if (r->have_base || r->finished || r->in_callback) {
        (void)tcpsift_reasm_segment(r, isn, NULL, 0, 0, TCPSIFT_REASM_SYN);
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
static inline int reasm_in_order(const tcpsift_reasm *r, uint32_t seq)
{
    return r->have_base && !r->have_fin && r->ext_count == 0 && !r->finished && !r->in_callback &&
           r->cfg.mode == TCPSIFT_REASM_ON_ARRIVAL && seq == r->base_seq + (uint32_t)r->next_offset;
}

/* emit_data's bookkeeping before its on_data callback (len > 0): the delivered bytes' stream
 * offset, returned; next_offset and delivered_bytes advanced past them. */
static inline uint64_t reasm_in_order_advance(tcpsift_reasm *r, size_t len)
{
    uint64_t off = r->next_offset;
    r->next_offset += len;
    r->stats.delivered_bytes += len;
    return off;
}

/* emit_data's retention after its on_data callback: in-order bytes [p, p+len), uncopied, now
 * ending at next_offset, kept for the comparison of later retransmissions (reassembly.c). */
void reasm_retain_delivered(tcpsift_reasm *r, const uint8_t *p, size_t len);

#endif

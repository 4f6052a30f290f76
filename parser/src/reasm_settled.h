/* Private: whether an acknowledgement can change a reassembler at all (issue 9: most ACKs cover
 * only bytes already delivered; the tracker answers that from three cache lines and one
 * comparison instead of three calls). */
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

#endif

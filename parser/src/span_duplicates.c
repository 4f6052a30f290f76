/* Span-port duplicates. A mirror port that copies both the ingress and the
 * egress of a switch, or two taps on one path, records every datagram twice
 * within microseconds. Such a copy is not a retransmission (the sender sent
 * once): counting it would invent retransmissions, duplicate ACKs and
 * Zeek T letters. With cfg.duplicate_window_ns set, an IP datagram whose
 * captured bytes (IP header to the end: TTL, IP id and checksums included,
 * so a real retransmission or a copy routed one more hop differs) hash and
 * length equal one of the last TCPSIFT_SPAN_DUP_HISTORY datagrams, no
 * further apart in time than the window, is counted and ignored.
 *
 * The hash is the tracker's keyed SipHash, so a sender who does not know the
 * key cannot craft a different datagram that is taken for a copy and
 * dropped. The ring is tracker-wide, not per connection: a copy of a
 * datagram belongs to its connection by definition, and the ring costs no
 * per-connection memory. Limitation: more than TCPSIFT_SPAN_DUP_HISTORY
 * datagrams between the two copies and the copy is not recognised. */
#include "siphash.h"
#include "tracker_internal.h"

int span_dup_seen(struct tcpsift_tracker *t, const tcpsift_packet *pkt, uint64_t now)
{
    if (!pkt->frame || pkt->l3_offset >= pkt->caplen || pkt->ip_version == 0) return 0;
    const uint8_t *l3 = pkt->frame + pkt->l3_offset;
    size_t len = pkt->caplen - pkt->l3_offset;
    if (len > UINT32_MAX) return 0;
    uint64_t h = tcpsift_siphash24(t->cfg.hash_key, l3, len);
    span_dup_ring *ring = &t->dups;
    uint64_t window = t->cfg.duplicate_window_ns;
    for (uint32_t i = 0; i < ring->used; i++) {
        if (ring->hash[i] != h || ring->len[i] != (uint32_t)len) continue;
        /* Either order: copies from two ports may be stamped out of order. */
        uint64_t apart = now >= ring->ts[i] ? now - ring->ts[i] : ring->ts[i] - now;
        if (apart <= window) return 1;
    }
    ring->hash[ring->next] = h;
    ring->len[ring->next] = (uint32_t)len;
    ring->ts[ring->next] = now;
    ring->next = (ring->next + 1) % TCPSIFT_SPAN_DUP_HISTORY;
    if (ring->used < TCPSIFT_SPAN_DUP_HISTORY) ring->used++;
    return 0;
}

/* Zeek's connection summary: `history` letters and `conn_state`, with the
 * meanings of Zeek's conn.log (scripts/base/protocols/conn/main.zeek and the
 * TCP analyzer). The rules are in ../shared/reference/tcp-observer-rules.md. */
#include <string.h>

#include "conn_internal.h"

static uint8_t zstate(const endpoint *e) { return (uint8_t)(e->zeek & ~ZEEK_PREV_CLOSED); }

/* History letters are stored 5 bits each (conn_internal.h, history_code_of()):
 * 31 letters in 20 bytes instead of a 32-byte string. The letter of each
 * code; '?' for the codes no letter has (0, none, and 26..31). */
static const char history_letters[33] = "?SHADFRCGTWIQshadfrcgtwiq^??????";

void zeek_history_string(const conn *c, char out[TCPSIFT_HISTORY_MAX + 1])
{
    unsigned n = c->history_len <= TCPSIFT_HISTORY_MAX ? c->history_len : TCPSIFT_HISTORY_MAX;
    /* Eight codes fill exactly five bytes: each group of up to eight letters
     * is decoded from one 40-bit value, read whole (the last group's bytes
     * past the codes are within the array). A group's letters are written
     * by a fall-through from its count down, no loop (issue 9: a report
     * builds the string once per connection); nothing past out[n] is written. */
    _Static_assert(CONN_HISTORY_BYTES >= 5 * ((TCPSIFT_HISTORY_MAX + 7) / 8),
                   "every group of five bytes lies within the history bytes");
    for (unsigned g = 0; g * 8 < n; g++) {
        const uint8_t *b = &c->history[5 * g];
        uint64_t acc = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
                       (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32;
        char *o = &out[8 * g];
        switch (n - 8 * g < 8 ? n - 8 * g : 8) { /* letters of this group, 1..8 */
        case 8:
            o[7] = history_letters[(acc >> 35) & 31u];
            /* fall through */
        case 7:
            o[6] = history_letters[(acc >> 30) & 31u];
            /* fall through */
        case 6:
            o[5] = history_letters[(acc >> 25) & 31u];
            /* fall through */
        case 5:
            o[4] = history_letters[(acc >> 20) & 31u];
            /* fall through */
        case 4:
            o[3] = history_letters[(acc >> 15) & 31u];
            /* fall through */
        case 3:
            o[2] = history_letters[(acc >> 10) & 31u];
            /* fall through */
        case 2:
            o[1] = history_letters[(acc >> 5) & 31u];
            /* fall through */
        default:
            o[0] = history_letters[acc & 31u];
        }
    }
    out[n] = '\0';
}

/* Connection::FlipRoles() records '^' as it swaps originator and responder. */
void zeek_history_flip(conn *c)
{
    history_push_code(c, history_code_of('^'));
}

/* C, G, T, W are recorded at the 1st, 10th, 100th, ... occurrence. */
void zeek_history_counted(struct tcpsift_tracker *t, conn *c, int from, enum history_counted kind)
{
    static const char letters[HIST_COUNTED_KINDS] = {'C', 'G', 'T', 'W'};
    conn_rare *x = conn_rare_get(t, c);
    if (!x) return; /* no memory for the count: the letter is lost (memcap_hits) */
    uint32_t n = ++x->hist_count[from][kind];
    uint32_t threshold = 1;
    while (threshold < n && threshold <= UINT32_MAX / 10) threshold *= 10;
    if (n == threshold) zeek_history_add(c, from, letters[kind]);
}

static inline void add_once(conn *c, int from, unsigned bit, char letter)
{
    endpoint *e = &c->ep[from];
    if (e->hist_once & bit) return;
    e->hist_once = (uint8_t)(e->hist_once | bit);
    zeek_history_add(c, from, letter);
}

/* S, H, F and R are recorded again only when the sequence number differs
 * from the last one recorded for that letter. For S/H that is the ISN: every
 * SYN lettered here goes on to note_syn() (tcp_conn.c drops none between the
 * two), which sets isn to its seq and EP_SYN_SEEN, so they are the letter's
 * last seq and its "set" bit. F's and R's are kept in the side table, taken
 * at the endpoint's first F or R (`rst`: 0 F, 1 R); without memory for it
 * the letter is still recorded, its seq is not (memcap_hits), so the next F
 * (R) is lettered whatever its seq. */
static inline void add_per_seq(struct tcpsift_tracker *t, conn *c, int from, int rst,
                               uint32_t seq, char letter)
{
    endpoint *e = &c->ep[from];
    unsigned set_bit = rst ? SEQ_R_SET : SEQ_F_SET;
    if (e->hist_once & set_bit) {
        uint32_t *last = rst ? &c->ext->hist_seq_rst[from] : &c->ext->hist_seq_fin[from];
        if (*last == seq) return;
        *last = seq;
    } else {
        conn_ext *x = conn_ext_get(t, c);
        if (x) {
            e->hist_once = (uint8_t)(e->hist_once | set_bit);
            if (rst) x->hist_seq_rst[from] = seq;
            else x->hist_seq_fin[from] = seq;
        }
    }
    zeek_history_add(c, from, letter);
}

void zeek_history_packet_all(struct tcpsift_tracker *t, conn *c, int from,
                             const tcpsift_packet *pkt)
{
    unsigned f = pkt->tcp_flags;
    int syn = (f & TCPSIFT_TCP_SYN) != 0, fin = (f & TCPSIFT_TCP_FIN) != 0,
        rst = (f & TCPSIFT_TCP_RST) != 0, ack = (f & TCPSIFT_TCP_ACK) != 0;
    if (syn + fin + rst >= 2) {
        if (fin && rst && !syn)
            add_once(c, from, ONCE_I, 'I');
        else
            add_once(c, from, ONCE_Q, 'Q');
    } else if (syn) {
        const endpoint *e = &c->ep[from];
        if (!(e->flags & EP_SYN_SEEN) || e->isn != pkt->seq) zeek_history_add(c, from, ack ? 'H' : 'S');
    } else if (fin) {
        add_per_seq(t, c, from, 0, pkt->seq, 'F');
    } else if (rst) {
        add_per_seq(t, c, from, 1, pkt->seq, 'R');
    } else if (pkt->payload_len > 0) {
        add_once(c, from, ONCE_D, 'D');
    } else if (ack) {
        add_once(c, from, ONCE_A, 'A');
    }
    /* Zeek's update_window(), with the endpoint states before this packet:
     * a zero window counts unless it comes with or after the sender's RST or
     * after the peer's FIN (no relevant window then). SYNs and segments
     * without ACK are not exempt. */
    if (pkt->window == 0 && !rst && zstate(&c->ep[1 - from]) != ZEEK_CLOSED &&
        zstate(&c->ep[from]) != ZEEK_RESET)
        zeek_history_counted(t, c, from, HIST_W);
}

/* Without SYN or RST and with a nonzero window the rules give: for a FIN, F
 * unless its sequence number is that of the endpoint's last F; otherwise
 * data D, else a bare ACK A, each once per direction; and no W count. */
void zeek_history_packet_first(struct tcpsift_tracker *t, conn *c, int from,
                               const tcpsift_packet *pkt)
{
    unsigned f = pkt->tcp_flags;
    if (pkt->window == 0 || (f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_RST))) {
        zeek_history_packet_all(t, c, from, pkt);
        return;
    }
    if (f & TCPSIFT_TCP_FIN)
        add_per_seq(t, c, from, 0, pkt->seq, 'F');
    else if (pkt->payload_len > 0)
        add_once(c, from, ONCE_D, 'D');
    else if (f & TCPSIFT_TCP_ACK)
        add_once(c, from, ONCE_A, 'A');
}

/* Zeek's endpoint state machine (TCPSessionAdapter::UpdateStateMachine), as
 * far as conn_state depends on it. */
void zeek_endpoint_update_all(conn *c, int from, const tcpsift_packet *pkt)
{
    endpoint *e = &c->ep[from], *peer = &c->ep[1 - from];
    unsigned f = pkt->tcp_flags;
    int fin = (f & TCPSIFT_TCP_FIN) != 0, rst = (f & TCPSIFT_TCP_RST) != 0;
    switch ((enum zeek_endpoint_state)zstate(e)) {
    case ZEEK_INACTIVE:
        if (f & TCPSIFT_TCP_SYN) {
            if (from == 0) {
                e->zeek = (f & TCPSIFT_TCP_ACK) ? ZEEK_SYN_ACK_SENT : ZEEK_SYN_SENT;
            } else {
                /* The responder's SYN(-ACK) establishes both ends in Zeek. */
                if (zstate(peer) == ZEEK_SYN_SENT || zstate(peer) == ZEEK_SYN_ACK_SENT)
                    peer->zeek = ZEEK_ESTABLISHED;
                e->zeek = ZEEK_ESTABLISHED;
            }
        }
        if (fin) e->zeek = ZEEK_CLOSED;
        if (rst) e->zeek = ZEEK_RESET;
        if (zstate(e) == ZEEK_INACTIVE) {
            /* No control flag moved it (UpdateInactiveState): a responder's
             * bare ACK of the SYN before its SYN reply leaves it inactive; an
             * ACK to a peer whose SYN-ACK was seen (the SYN was missed)
             * establishes it; anything else is a partial connection. */
            if (from == 1 && pkt->payload_len == 0 && zstate(peer) == ZEEK_SYN_SENT)
                ;
            else if ((f & TCPSIFT_TCP_ACK) && zstate(peer) == ZEEK_ESTABLISHED)
                e->zeek = ZEEK_ESTABLISHED;
            else
                e->zeek = ZEEK_PARTIAL;
        }
        break;
    case ZEEK_SYN_SENT:
    case ZEEK_SYN_ACK_SENT:
        /* The originator is established by the responder's SYN-ACK, not by
         * its own ACK (UpdateSYN_SentState). */
        if (fin) e->zeek = ZEEK_CLOSED;
        if (rst) e->zeek = ZEEK_RESET;
        break;
    case ZEEK_PARTIAL:
    case ZEEK_ESTABLISHED:
        if ((f & TCPSIFT_TCP_SYN) && !(f & TCPSIFT_TCP_ACK) && zstate(e) == ZEEK_PARTIAL &&
            zstate(peer) == ZEEK_INACTIVE)
            e->zeek = ZEEK_SYN_SENT; /* SYN_after_partial */
        if (fin && !rst) {
            e->zeek = ZEEK_CLOSED;
            /* The peer sent a FIN and then a RST: normal termination after all. */
            if (peer->zeek == (ZEEK_RESET | ZEEK_PREV_CLOSED)) peer->zeek = ZEEK_CLOSED;
        }
        if (rst) e->zeek = ZEEK_RESET;
        break;
    case ZEEK_CLOSED:
        /* After a FIN exchange a RST changes nothing (UpdateClosedState). */
        if (rst && zstate(peer) != ZEEK_CLOSED) e->zeek = ZEEK_RESET | ZEEK_PREV_CLOSED;
        break;
    case ZEEK_RESET:
        break;
    }
}

static int zeek_inactive(uint8_t s) { return s == ZEEK_INACTIVE || s == ZEEK_PARTIAL; }

/* `^?S[^HAFGIQ]*R.*`: the originator sent SYN then RST with no SYN-ACK,
 * ACK, FIN, gap or odd flags in between. */
static int history_is_syn_then_rst(const char *h)
{
    if (*h == '^') h++;
    if (*h != 'S') return 0;
    for (h++; *h; h++) {
        if (*h == 'R') return 1;
        if (strchr("HAFGIQ", *h)) return 0;
    }
    return 0;
}

/* First matching rule wins (Zeek's conn_state). */
const char *zeek_conn_state(const conn *c)
{
    uint8_t o = zstate(&c->ep[0]), r = zstate(&c->ep[1]);
    if (r == ZEEK_RESET) {
        if (o == ZEEK_SYN_SENT || o == ZEEK_SYN_ACK_SENT ||
            (o == ZEEK_RESET && conn_bytes(c, 0) == 0 && conn_bytes(c, 1) == 0))
            return "REJ";
        if (zeek_inactive(o)) return "RSTRH";
        return "RSTR";
    }
    if (o == ZEEK_RESET) {
        if (zeek_inactive(r)) {
            char h[TCPSIFT_HISTORY_MAX + 1];
            zeek_history_string(c, h);
            return history_is_syn_then_rst(h) ? "RSTOS0" : "OTH";
        }
        return "RSTO";
    }
    if (o == ZEEK_CLOSED && r == ZEEK_CLOSED) return "SF";
    if (o == ZEEK_CLOSED) return zeek_inactive(r) ? "SH" : "S2";
    if (r == ZEEK_CLOSED) return zeek_inactive(o) ? "SHR" : "S3";
    if (o == ZEEK_SYN_SENT && r == ZEEK_INACTIVE) return "S0";
    if (o == ZEEK_ESTABLISHED && r == ZEEK_ESTABLISHED) return "S1";
    return "OTH";
}

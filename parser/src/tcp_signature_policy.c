/* TCP-MD5 signatures (RFC 2385, option kind 19) a receiver did not agree to, judged by the
 * receiver's own SYN (or SYN-ACK), which tells whether it holds a key for the peer: Linux signs
 * every segment of a connection it has a key for, SYNs included, and drops before any state
 * processing (tcp_inbound_hash()) a segment with the option it has no key for ("MD5
 * unexpected") and one without the option where it has a key ("MD5 not found"); FreeBSD does
 * the same. Evasion tools have inserted forged bytes with the option (Wang et al., "Your State
 * is Not Mine", IMC 2017), and an unsigned segment forged into a signed BGP session is an
 * insertion too, since an observer that ignores the option takes both. Hosts without MD5
 * support (Windows) ignore the option and take the segment: tcpsift_tcp_signature_policy
 * ACCEPT models those. TCP-AO (RFC 5925, kind 29) is not judged: Linux before 6.7 does not know
 * it and takes such a segment, and an exploit's malformed AO option proves no key (suricata's
 * URGENT/11 capture sends one in a SYN). Whether the SYNs were signed is kept in the rare side
 * table (conn_rare.syn_signed), which only a signed SYN allocates. */
#include "policy_names.h"
#include "tracker_internal.h"

static const char *const tcp_signature_policy_names[] = {
    [TCPSIFT_TCP_SIGNATURE_HOST] = "host", [TCPSIFT_TCP_SIGNATURE_ACCEPT] = "accept"};

const char *tcpsift_tcp_signature_policy_name(tcpsift_tcp_signature_policy p)
{
    return policy_name_at(POLICY_NAMES(tcp_signature_policy_names), (unsigned)p);
}

tcpsift_error tcpsift_tcp_signature_policy_parse(const char *name, tcpsift_tcp_signature_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(tcp_signature_policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_tcp_signature_policy)v;
    return TCPSIFT_OK;
}

static int tcp_signature_present(const tcpsift_tcp_options *o)
{
    return (o->present & TCPSIFT_OPT_MD5) != 0;
}

tcpsift_anomaly tcp_signature_judge(struct tcpsift_tracker *t, conn *c, int from,
                                    const tcpsift_packet *pkt)
{
    int sig = tcp_signature_present(&pkt->opts);
    const conn_rare *x = c->ext ? c->ext->rare : NULL;
    unsigned signed_syns = x ? x->syn_signed : 0;
    tcpsift_anomaly verdict = TCPSIFT_ANOMALY_COUNT;
    /* Judged by the receiver: its own SYN (or SYN-ACK) says whether it holds a key for the
     * peer (Linux signs every segment of a connection it has a key for, SYNs included). Without
     * its SYN nothing is known: a listener, or a connection picked up midstream. */
    if (t->cfg.tcp_signature == TCPSIFT_TCP_SIGNATURE_HOST && (c->ep[1 - from].flags & EP_SYN_SEEN)) {
        int receiver_keyed = (signed_syns >> (1 - from)) & 1;
        if (sig && !receiver_keyed) verdict = TCPSIFT_ANOMALY_TCP_SIGNATURE_UNEXPECTED;
        if (!sig && receiver_keyed) verdict = TCPSIFT_ANOMALY_TCP_SIGNATURE_MISSING;
    }
    /* A signed SYN or SYN-ACK the receiver takes: its sender holds a key. From then on every
     * segment of the connection is judged here (conn.signature_required keeps the direct
     * paths away). */
    if (verdict == TCPSIFT_ANOMALY_COUNT && sig && (pkt->tcp_flags & TCPSIFT_TCP_SYN)) {
        conn_rare *w = conn_rare_get(t, c);
        if (w) w->syn_signed |= (uint8_t)(1u << from);
        if (t->cfg.tcp_signature == TCPSIFT_TCP_SIGNATURE_HOST) c->signature_required = 1;
    }
    return verdict;
}

/* TCP segment signatures a receiver did not agree to: a TCP-MD5 option (RFC 2385, kind 19) or
 * a TCP-AO option (RFC 5925, kind 29) on a connection whose SYN and SYN-ACK carried neither.
 * Linux drops such a segment before any state processing (tcp_inbound_hash(): "MD5 unexpected",
 * "AO unexpected"), and so does FreeBSD for MD5; evasion tools have inserted forged bytes that
 * way (Wang et al., "Your State is Not Mine", IMC 2017), since an observer that ignores the
 * option takes them. Hosts without MD5 support (Windows) ignore the option and take the
 * segment: tcpsift_tcp_signature_policy ACCEPT models those. Whether the SYNs were signed is
 * kept in the rare side table (conn_rare.syn_signed), which only a signed SYN allocates. */
#include <string.h>

#include "tracker_internal.h"

enum { TCP_OPTION_KIND_AO = 29 };

const char *tcpsift_tcp_signature_policy_name(tcpsift_tcp_signature_policy p)
{
    switch (p) {
    case TCPSIFT_TCP_SIGNATURE_HOST:
        return "host";
    case TCPSIFT_TCP_SIGNATURE_ACCEPT:
        return "accept";
    }
    return "unknown";
}

tcpsift_error tcpsift_tcp_signature_policy_parse(const char *name, tcpsift_tcp_signature_policy *out)
{
    static const tcpsift_tcp_signature_policy all[] = {TCPSIFT_TCP_SIGNATURE_HOST,
                                                       TCPSIFT_TCP_SIGNATURE_ACCEPT};
    for (size_t i = 0; name && out && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, tcpsift_tcp_signature_policy_name(all[i])) == 0) {
            *out = all[i];
            return TCPSIFT_OK;
        }
    return TCPSIFT_E_INVALID_ARGUMENT;
}

/* Whether the segment carries a TCP-MD5 or TCP-AO option (AO is one of the kinds the options
 * parser does not name). */
int tcp_signature_present(const tcpsift_tcp_options *o)
{
    if (o->present & TCPSIFT_OPT_MD5) return 1;
    if (!(o->present & TCPSIFT_OPT_UNKNOWN)) return 0;
    for (unsigned i = 0; i < o->unknown_count; i++)
        if (o->unknown_kinds[i] == TCP_OPTION_KIND_AO) return 1;
    return 0;
}

int tcp_signature_unexpected(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    if (!tcp_signature_present(&pkt->opts)) return 0;
    const conn_rare *x = c->ext ? c->ext->rare : NULL;
    unsigned signed_syns = x ? x->syn_signed : 0;
    if ((pkt->tcp_flags & TCPSIFT_TCP_SYN) && !(pkt->tcp_flags & TCPSIFT_TCP_ACK)) {
        /* A SYN: only the listener knows whether it holds a key for the peer. */
        conn_rare *w = conn_rare_get(t, c);
        if (w) w->syn_signed |= (uint8_t)(1u << from);
        return 0;
    }
    /* The receiver's SYN was seen without a signature, and (unless this is the sender's
     * SYN-ACK) the sender's too: neither end holds a key for the other. */
    const endpoint *s = &c->ep[from], *r = &c->ep[1 - from];
    int synack = (pkt->tcp_flags & TCPSIFT_TCP_SYN) != 0;
    int unsigned_handshake = (r->flags & EP_SYN_SEEN) && !(signed_syns & (1u << (1 - from))) &&
                             (synack || ((s->flags & EP_SYN_SEEN) && !(signed_syns & (1u << from))));
    if (unsigned_handshake && t->cfg.tcp_signature == TCPSIFT_TCP_SIGNATURE_HOST) return 1;
    if (synack) {
        conn_rare *w = conn_rare_get(t, c);
        if (w) w->syn_signed |= (uint8_t)(1u << from);
    }
    return 0;
}

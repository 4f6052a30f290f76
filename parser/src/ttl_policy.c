/* TTL / hop-limit outliers: a segment that reaches the observer with fewer
 * hops left than its sender's first segment may expire before the receiver
 * does (the insertion attack of Ptacek & Newsham 1998: the observer sees
 * bytes the receiver never gets). The expected TTL of a direction is that of
 * its first segment (endpoint.ttl_first; see tcpsift_ttl_policy for why not
 * the minimum or maximum). A drop below it by more than cfg.ttl_margin
 * (default 5, Snort stream5's ttl_limit: route changes move a TTL by a hop
 * or two) is counted ttl_below_expected and, under policy drop, ignored. */
#include "policy_names.h"
#include "tracker_internal.h"

static const char *const ttl_policy_names[] = {
    [TCPSIFT_TTL_FLAG] = "flag", [TCPSIFT_TTL_DROP] = "drop"};

const char *tcpsift_ttl_policy_name(tcpsift_ttl_policy p)
{
    return policy_name_at(POLICY_NAMES(ttl_policy_names), (unsigned)p);
}

tcpsift_error tcpsift_ttl_policy_parse(const char *name, tcpsift_ttl_policy *out)
{
    unsigned v;
    if (!out || policy_index_of(POLICY_NAMES(ttl_policy_names), name, &v) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    *out = (tcpsift_ttl_policy)v;
    return TCPSIFT_OK;
}

int ttl_outlier(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from];
    if (!(s->flags & EP_TTL_SEEN) || pkt->ttl >= c->ttl_first[from]) return 0;
    if ((unsigned)(c->ttl_first[from] - pkt->ttl) <= t->cfg.ttl_margin) return 0;
    conn_count_event(t, c, TCPSIFT_ANOMALY_TTL_BELOW_EXPECTED);
    return t->cfg.ttl_policy == TCPSIFT_TTL_DROP;
}

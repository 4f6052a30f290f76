/* TTL / hop-limit outliers: a segment that reaches the observer with fewer
 * hops left than its sender's first segment may expire before the receiver
 * does (the insertion attack of Ptacek & Newsham 1998: the observer sees
 * bytes the receiver never gets). The expected TTL of a direction is that of
 * its first segment (endpoint.ttl_first; see tcpsift_ttl_policy for why not
 * the minimum or maximum). A drop below it by more than cfg.ttl_margin
 * (default 5, Snort stream5's ttl_limit: route changes move a TTL by a hop
 * or two) is counted ttl_below_expected and, under policy drop, ignored. */
#include <string.h>

#include "tracker_internal.h"

const char *tcpsift_ttl_policy_name(tcpsift_ttl_policy p)
{
    switch (p) {
    case TCPSIFT_TTL_FLAG:
        return "flag";
    case TCPSIFT_TTL_DROP:
        return "drop";
    }
    return "unknown";
}

tcpsift_error tcpsift_ttl_policy_parse(const char *name, tcpsift_ttl_policy *out)
{
    static const tcpsift_ttl_policy all[] = {TCPSIFT_TTL_FLAG, TCPSIFT_TTL_DROP};
    for (size_t i = 0; name && out && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(name, tcpsift_ttl_policy_name(all[i])) == 0) {
            *out = all[i];
            return TCPSIFT_OK;
        }
    return TCPSIFT_E_INVALID_ARGUMENT;
}

int ttl_outlier(struct tcpsift_tracker *t, conn *c, int from, const tcpsift_packet *pkt)
{
    const endpoint *s = &c->ep[from];
    if (!(s->flags & EP_TTL_SEEN) || pkt->ttl >= c->ttl_first[from]) return 0;
    if ((unsigned)(c->ttl_first[from] - pkt->ttl) <= t->cfg.ttl_margin) return 0;
    conn_count_event(t, c, TCPSIFT_ANOMALY_TTL_BELOW_EXPECTED);
    return t->cfg.ttl_policy == TCPSIFT_TTL_DROP;
}

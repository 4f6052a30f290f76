/* Overlap policy per destination network, like an IDS's host OS policy
 * table (Suricata's host-os-policy, Snort's stream5 bind_to): the stream
 * towards a host uses the policy of the longest prefix holding the host's
 * address, because overlapping copies are resolved by the receiving stack
 * (Novak & Sturges 2007), and networks mix stacks.
 *
 * The table is copied at tracker creation and sorted longest prefix first,
 * so the first match is the longest. A lookup runs once per stream (when a
 * direction's stream is created), not per packet: a linear scan is O(rows). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "tracker_internal.h"

static int parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
    if (len == 0 || len > 3) return 0;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max) return 0;
    *out = v;
    return 1;
}

tcpsift_error tcpsift_overlap_prefix_parse(const char *text, tcpsift_overlap_prefix *out)
{
    if (!text || !out) return TCPSIFT_E_INVALID_ARGUMENT;
    const char *eq = strchr(text, '=');
    if (!eq) return TCPSIFT_E_INVALID_ARGUMENT;
    tcpsift_overlap_prefix p;
    memset(&p, 0, sizeof p);
    if (tcpsift_overlap_policy_parse(eq + 1, &p.policy) != TCPSIFT_OK)
        return TCPSIFT_E_INVALID_ARGUMENT;
    const char *slash = memchr(text, '/', (size_t)(eq - text));
    size_t alen = (size_t)((slash ? slash : eq) - text);
    char addr[INET6_ADDRSTRLEN];
    if (alen == 0 || alen >= sizeof addr) return TCPSIFT_E_INVALID_ARGUMENT;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (inet_pton(AF_INET, addr, p.addr) == 1)
        p.ip_version = 4;
    else if (inet_pton(AF_INET6, addr, p.addr) == 1)
        p.ip_version = 6;
    else
        return TCPSIFT_E_INVALID_ARGUMENT;
    unsigned max = p.ip_version == 4 ? 32 : 128, len = max;
    if (slash && !parse_uint(slash + 1, (size_t)(eq - slash - 1), max, &len))
        return TCPSIFT_E_INVALID_ARGUMENT;
    p.prefix_len = (uint8_t)len;
    *out = p;
    return TCPSIFT_OK;
}

static int longest_first(const void *a, const void *b)
{
    const tcpsift_overlap_prefix *x = a, *y = b;
    return (int)y->prefix_len - (int)x->prefix_len;
}

tcpsift_error prefix_policy_install(struct tcpsift_tracker *t)
{
    size_t n = t->cfg.overlap_prefix_count;
    const tcpsift_overlap_prefix *rows = t->cfg.overlap_prefixes;
    t->cfg.overlap_prefixes = NULL; /* the caller's array is not kept */
    t->cfg.overlap_prefix_count = 0;
    t->prefixes = NULL;
    t->nprefixes = 0;
    if (!rows || n == 0) return TCPSIFT_OK;
    /* A row that could never match (what tcpsift_overlap_prefix_parse() never yields) is the
     * caller's mistake: refused, not dropped, or its hosts would silently get the default. */
    for (size_t i = 0; i < n; i++) {
        unsigned max = rows[i].ip_version == 4 ? 32 : rows[i].ip_version == 6 ? 128 : 0;
        if (max == 0 || rows[i].prefix_len > max ||
            (unsigned)rows[i].policy >= TCPSIFT_OVERLAP_COUNT_)
            return TCPSIFT_E_INVALID_ARGUMENT;
    }
    if (n > SIZE_MAX / sizeof *rows) return TCPSIFT_E_NO_MEMORY;
    tcpsift_overlap_prefix *copy = t->alloc.alloc(t->alloc.ctx, n * sizeof *copy);
    if (!copy) return TCPSIFT_E_NO_MEMORY;
    memcpy(copy, rows, n * sizeof *copy);
    /* Stable order among equal lengths is not needed: equal-length rows of
     * one version that both match are the same network. */
    qsort(copy, n, sizeof *copy, longest_first);
    t->prefixes = copy;
    t->nprefixes = n;
    t->prefixes_allocated = n;
    return TCPSIFT_OK;
}

void prefix_policy_free(struct tcpsift_tracker *t)
{
    if (t->prefixes)
        t->alloc.free(t->alloc.ctx, t->prefixes, t->prefixes_allocated * sizeof *t->prefixes);
    t->prefixes = NULL;
    t->nprefixes = t->prefixes_allocated = 0;
}

static int prefix_match(const tcpsift_overlap_prefix *p, const uint8_t *addr)
{
    unsigned full = p->prefix_len / 8, rest = p->prefix_len % 8;
    if (memcmp(p->addr, addr, full) != 0) return 0;
    if (rest == 0) return 1;
    uint8_t mask = (uint8_t)(0xFFu << (8 - rest));
    return (p->addr[full] & mask) == (addr[full] & mask);
}

tcpsift_overlap_policy prefix_policy_for(const struct tcpsift_tracker *t, int from)
{
    const tcpsift_packet *pkt = t->cur_pkt;
    if (t->nprefixes == 0 || !pkt || !pkt->src || !pkt->dst) return t->cfg.reasm.policy;
    /* The receiver of direction `from`: the current segment's destination
     * when it travels that way, else its source (an ACK from the receiver). */
    const uint8_t *receiver = from == t->cur_from ? pkt->dst : pkt->src;
    for (size_t i = 0; i < t->nprefixes; i++)
        if (t->prefixes[i].ip_version == pkt->ip_version && prefix_match(&t->prefixes[i], receiver))
            return t->prefixes[i].policy;
    return t->cfg.reasm.policy;
}

/* Half-open connections in compact form. A pure SYN on a new tuple becomes
 * an embryo (tracker_internal.h) instead of a full connection; repeats of that
 * SYN are absorbed; anything else promotes it, and the promotion replays the
 * kept SYNs through tcp_conn_segment() so the per-segment rules live in one
 * place only. */
#include <string.h>

#include "tracker_internal.h"

int embryo_wanted(const struct tcpsift_tracker *t, const tcpsift_packet *pkt, int discarded)
{
    unsigned f = pkt->tcp_flags;
    return t->cfg.embryo_capacity > 0 && !discarded && pkt->payload_len == 0 &&
           (f & (TCPSIFT_TCP_SYN | TCPSIFT_TCP_ACK | TCPSIFT_TCP_RST | TCPSIFT_TCP_FIN)) ==
               TCPSIFT_TCP_SYN &&
           (pkt->layers & TCPSIFT_LAYER_TCP_OPTIONS);
}

void embryo_init(embryo *e, const tcpsift_packet *pkt, uint64_t id, int64_t ts_ns,
                 int client_is_a, uint16_t vlan, int reused)
{
    /* Written whole (a field not named is zero): the flow table leaves a new
     * embryo's payload to us (tcpsift_flow_table_embryo_insert_new). */
    *e = (embryo){
        .id = id,
        .first_ns = ts_ns,
        .last_ns = ts_ns,
        .isn = pkt->seq,
        .tsval_first = pkt->opts.tsval,
        .tsval = pkt->opts.tsval,
        .tsecr = pkt->opts.tsecr,
        .syn_count = 1,
        /* The MD5 bit: tcp_signature_policy.c asks whether the SYN was signed. */
        .opts_present = pkt->opts.present & (TCPSIFT_OPT_MSS | TCPSIFT_OPT_WSCALE |
                                             TCPSIFT_OPT_SACK_PERM | TCPSIFT_OPT_TIMESTAMP |
                                             TCPSIFT_OPT_MD5),
        .mss = pkt->opts.mss,
        .window = pkt->window,
        .vlan = vlan,
        .tcp_flags = pkt->tcp_flags,
        .wscale = pkt->opts.wscale,
        .ttl = pkt->ttl,
        .client_is_a = (uint8_t)client_is_a,
        .reused = (uint8_t)reused,
    };
}

/* A retransmission of the same SYN (same ISN, flags and TTL) adds nothing
 * but a count; anything else needs the full connection. */
int embryo_absorb(embryo *e, const tcpsift_packet *pkt, int64_t ts_ns, int discarded)
{
    if (discarded || pkt->payload_len != 0 || pkt->tcp_flags != e->tcp_flags ||
        pkt->seq != e->isn || pkt->ttl != e->ttl || e->syn_count == UINT32_MAX)
        return 0;
    if ((pkt->opts.present & TCPSIFT_OPT_TIMESTAMP) != (e->opts_present & TCPSIFT_OPT_TIMESTAMP))
        return 0;
    /* An older TSval than the newest kept is judged by the general path (a TS.Recent that
     * does not move, its anomaly): the replay of the first and the newest SYN stands for the
     * repeats in between only while TSvals never go back. */
    if ((e->opts_present & TCPSIFT_OPT_TIMESTAMP) && seq_lt(pkt->opts.tsval, e->tsval)) return 0;
    e->syn_count++;
    e->tsval = pkt->opts.tsval; /* the newest, as TS.Recent would be */
    e->last_ns = ts_ns;
    return 1;
}

void embryo_syn_packet(const embryo *e, uint32_t tsval, tcpsift_packet *syn)
{
    memset(syn, 0, sizeof *syn);
    syn->layers = TCPSIFT_LAYER_TCP | TCPSIFT_LAYER_TCP_FIXED | TCPSIFT_LAYER_TCP_OPTIONS |
                  TCPSIFT_LAYER_PORTS;
    syn->tcp_flags = e->tcp_flags;
    syn->seq = e->isn;
    syn->window = e->window;
    syn->ttl = e->ttl;
    syn->tcp_header_len = 20;
    syn->opts.present = e->opts_present;
    syn->opts.mss = e->mss;
    syn->opts.wscale = e->wscale;
    syn->opts.tsval = tsval;
    syn->opts.tsecr = e->tsecr;
}

void embryo_replay(struct tcpsift_tracker *t, const embryo *e, conn *c)
{
    memset(c, 0, sizeof *c);
    c->proto = 6;
    c->id = e->id;
    c->first_ns = e->first_ns;
    c->vlan = e->vlan;
    c->client_is_a = e->client_is_a & 1u;
    tcpsift_packet syn;
    int syn_built = 0;
    /* The first SYN and one repeat go through the per-segment rules; further
     * identical repeats change nothing but counts (bounded work whatever the
     * flood). The first SYN usually takes tcp_conn_embryo_syn(), the same
     * rules applied directly (issue 9); the packet is built only when the
     * general path needs it. */
    uint32_t replayed = e->syn_count < 2 ? e->syn_count : 2;
    for (uint32_t i = 0; i < replayed; i++) {
        c->last_ns = i + 1 == e->syn_count ? e->last_ns : e->first_ns;
        t->segment_anomalies[0] = t->segment_anomalies[1] = 0;
        if (i == 0 && e->reused) conn_count_event(t, c, TCPSIFT_ANOMALY_TUPLE_REUSE);
        if (i == 0 && tcp_conn_embryo_syn(t, c, e)) continue;
        /* The first SYN with its own TSval (the RST check's lower bound), the repeat with
         * the newest, as the repeats would have left them one by one. */
        uint32_t tsval = i == 0 ? e->tsval_first : e->tsval;
        if (!syn_built) {
            embryo_syn_packet(e, tsval, &syn);
            syn_built = 1;
        }
        syn.opts.tsval = tsval;
        tcp_conn_segment(t, c, &syn, 0, 0);
    }
    uint32_t rest = e->syn_count - replayed;
    if (rest) {
        conn_count_packets(t, c, 0, rest, 0);
        conn_event_add(t, c, TCPSIFT_ANOMALY_RETRANSMISSION, rest);
        t->stats.events[TCPSIFT_ANOMALY_RETRANSMISSION] += rest;
    }
    c->last_ns = e->last_ns;
}

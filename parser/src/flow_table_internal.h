/* Private: the flow table's per-packet entry points for the tracker, which
 * normalise and hash a key once (a probe) and reuse that for the lookup,
 * the embryo lookup and the insert of the same packet. The public
 * functions of tcpsift/flow_table.h are these plus a probe each. */
#ifndef TCPSIFT_FLOW_TABLE_INTERNAL_H
#define TCPSIFT_FLOW_TABLE_INTERNAL_H

#include "tcpsift/decode.h"
#include "tcpsift/flow_table.h"

typedef struct tcpsift_flow_probe {
    tcpsift_flow_key key; /* normalised: VLAN / tunnel dropped unless keyed, padding zero */
    uint64_t hash;        /* SipHash-1-3 of key under the table's key */
} tcpsift_flow_probe;

/* The bytes before a full entry's payload (flow_table.c asserts it): the
 * tracker reaches its connection without a call per packet. */
#define TCPSIFT_FLOW_ENTRY_HEADER_SIZE 80

/* tcpsift_flow_entry_value(), inline. */
static inline void *tcpsift_flow_entry_value_at(tcpsift_flow_entry *e)
{
    return (unsigned char *)e + TCPSIFT_FLOW_ENTRY_HEADER_SIZE;
}

void tcpsift_flow_table_probe(const tcpsift_flow_table *t, const tcpsift_flow_key *key,
                              tcpsift_flow_probe *out);
/* The same for a key already in pr->key: normalised there, then hashed (no copy). */
void tcpsift_flow_table_probe_in_place(const tcpsift_flow_table *t, tcpsift_flow_probe *pr);
/* The probe of an IPv4 packet's flow (pkt->ip_version 4, src and dst set),
 * built in its normalised form directly: the same key and hash as
 * tcpsift_flow_key_make() (pkt's addresses and ports, `proto`, `vlan`),
 * tcpsift_flow_key_set_tunnel() (pkt's tunnel id) and
 * tcpsift_flow_table_probe_in_place() give, without the intermediate key (the
 * tracker's per-packet path, issue 9). Returns tcpsift_flow_key_make()'s
 * *reversed: 1 when the packet went from the key's endpoint b to a. */
int tcpsift_flow_table_probe_ipv4(const tcpsift_flow_table *t, const tcpsift_packet *pkt,
                                  uint8_t proto, uint16_t vlan, tcpsift_flow_probe *pr);
/* Look-ahead for a batch of packets (tcpsift_tracker_packets): a hint that the
 * flow of `pr` will be looked up soon. The bucket first, while the packets
 * ahead are still being hashed; then, a few packets before its turn, the
 * chain's first node (its key, links and the start of its value). Reads only the
 * bucket word; the lookup itself is unchanged, so a stale hint costs nothing
 * but a wasted prefetch. */
void tcpsift_flow_table_prefetch_bucket(const tcpsift_flow_table *t, const tcpsift_flow_probe *pr);
void tcpsift_flow_table_prefetch_entry(const tcpsift_flow_table *t, const tcpsift_flow_probe *pr);
tcpsift_flow_entry *tcpsift_flow_table_lookup_probe(tcpsift_flow_table *t,
                                                    const tcpsift_flow_probe *pr);
tcpsift_flow_embryo *tcpsift_flow_table_embryo_lookup_probe(tcpsift_flow_table *t,
                                                            const tcpsift_flow_probe *pr);
tcpsift_error tcpsift_flow_table_insert_probe(tcpsift_flow_table *t, const tcpsift_flow_probe *pr,
                                              uint64_t now_ns, enum tcpsift_flow_class cls,
                                              tcpsift_flow_entry **out);
tcpsift_error tcpsift_flow_table_embryo_insert_probe(tcpsift_flow_table *t,
                                                     const tcpsift_flow_probe *pr, uint64_t now_ns,
                                                     uint32_t isn, int syn_reversed,
                                                     tcpsift_flow_embryo **out);
/* tcpsift_flow_table_embryo_promote() of the embryo `em` that `pr` found
 * (its key must equal pr->key): the probe's hash is not recomputed. */
tcpsift_error tcpsift_flow_table_embryo_promote_probe(tcpsift_flow_table *t,
                                                      const tcpsift_flow_probe *pr,
                                                      tcpsift_flow_embryo *em, uint64_t now_ns,
                                                      enum tcpsift_flow_class cls,
                                                      tcpsift_flow_entry **out);

#endif
